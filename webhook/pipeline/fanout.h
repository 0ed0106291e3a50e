#ifndef WH_PIPELINE_FANOUT_H
#define WH_PIPELINE_FANOUT_H

#include <stddef.h>

/*
 * One worker's helpers for the fetches of one review (issue 15 item 2): up to n - 1 threads, each
 * with a registry client shared with the worker's (registry/client.h wh_registry_client_share:
 * the same credentials, tokens, review budget and memo), started at the first batch. A batch of
 * tasks runs on the helpers and on the calling thread, which takes tasks itself until none is
 * left: it never waits for a helper to start one, so a batch finishes even when every helper is
 * busy or none could start, and helpers serve only their own worker (no other pool waits on
 * them). The per-host cap (maxConcurrentPerRegistry) still bounds connections; each task keeps
 * the review's deadline. Batches come from the owning worker's thread, or from a task of a batch
 * in progress (nested: the images of a pod, then each image's fetches); a helper takes from the
 * newest batch first, and a caller only runs its own batch's tasks, so at most n threads fetch.
 */
struct wh_pipeline_fanout;
struct wh_registry_client;

/* Task i of a batch, run with `registry`: the caller's client, or a helper's share of it. */
typedef void wh_pipeline_fanout_fn(void *arg, size_t i, struct wh_registry_client *registry);

/* Helpers for `registry` (borrowed; outlives the fanout): n fetches at once, the caller's
 * thread included. NULL (run everything on the caller) when n ≤ 1 or registry is NULL. */
struct wh_pipeline_fanout *wh_pipeline_fanout_new(struct wh_registry_client *registry, unsigned n);
/* Stops and joins the helpers, frees their clients; NULL is a no-op. */
void wh_pipeline_fanout_free(struct wh_pipeline_fanout *f);
/* Runs fn(arg, i, ·) for every i < n and returns when all have returned. f may be NULL (all on
 * the caller, in order); `registry` is the caller's client: the one f was made for, or in a
 * nested batch the client its task was given. */
void wh_pipeline_fanout_run(struct wh_pipeline_fanout *f, struct wh_registry_client *registry,
                            size_t n, wh_pipeline_fanout_fn *fn, void *arg);
/* Helper threads started so far (tests). */
size_t wh_pipeline_fanout_helpers(const struct wh_pipeline_fanout *f);

#endif
