#ifndef WH_PIPELINE_WORKERS_H
#define WH_PIPELINE_WORKERS_H

#include <stddef.h>

#include "base/error.h"

/*
 * A fixed pool of threads behind a bounded FIFO queue. Each thread owns one
 * `struct wh_review_worker` (wh_pipeline_worker_new) for its whole life. Submitting never blocks:
 * a full queue is refused at once, so the caller answers by policy instead of queueing past the
 * apiserver's deadline. The pool knows nothing about HTTP: a job's `run` does the work and hands
 * the result back (http/ sends it to the h2o loop with h2o_multithread_send_message).
 */
struct wh_review_env;
struct wh_review_worker;
struct wh_workers;
struct wh_job;

/* Runs on a worker thread, which owns the job until `run` hands it on or frees it. */
typedef void wh_job_run_fn(struct wh_job *job, struct wh_review_worker *w);

/* Embed this at the start of (or anywhere in) your job; the pool only touches `next`. */
struct wh_job {
    wh_job_run_fn *run;
    struct wh_job *next; /* queue link, owned by the pool while queued */
};

/* Starts `n` threads (1..256) with a queue of `queue_cap` (≥ 1) jobs. Worker threads block every
 * signal, so signals go to the thread that serves. *out valid only on WH_OK. */
WH_MUST_CHECK enum wh_err wh_pipeline_workers_new(struct wh_review_env *env, size_t n,
                                                  size_t queue_cap, struct wh_workers **out,
                                                  struct wh_error *err);

/* Queues `job` (borrowed until `run` is called). WH_E_LIMIT when the queue is full,
 * WH_E_UNAVAILABLE once stopping; in both cases the job is still the caller's. Thread-safe. */
WH_MUST_CHECK enum wh_err wh_pipeline_workers_submit(struct wh_workers *pool, struct wh_job *job,
                                                     struct wh_error *err);

/* Jobs queued but not yet started, and jobs refused because the queue was full (since start). */
size_t wh_pipeline_workers_queued(struct wh_workers *pool);
unsigned long long wh_pipeline_workers_rejected(struct wh_workers *pool);

/* Refuses new jobs, runs every queued one, joins the threads. Idempotent. */
void wh_pipeline_workers_stop(struct wh_workers *pool);
/* Stops (if not yet) and frees; NULL is a no-op. */
void wh_pipeline_workers_free(struct wh_workers *pool);

#endif
