/*
 * POST /validate (and the queueing POST /mutate shares) on the loop thread. A review whose every
 * image is fresh in the cache is answered right here (answer_on_loop); anything else has
 * its body copied into a job, queued, and the worker's rendered reply sent later. A full queue
 * is answered at once with 503 (the webhook's failurePolicy decides), never queued past the
 * apiserver's deadline. Copied bodies count against server.maxBodyBytesInFlight (conns.c) until
 * they are answered.
 */
#include <stdatomic.h>
#include <stdlib.h>

#include "base/clock.h"
#include "base/log.h"
#include "config.h"
#include "http/internal.h"
#include "metrics/metrics.h"
#include "pipeline/review.h"
#include "pipeline/workers.h"

struct validate_job;

/* Lives in the request's pool: its dispose hook tells a pending job the client is gone. */
struct job_link {
    struct validate_job *job; /* NULL once the job answered */
};

struct validate_job {
    struct wh_job job;             /* first: the pool hands us back this pointer */
    h2o_multithread_message_t msg; /* posted to the loop thread when done */
    struct wh_http_server *server;
    h2o_req_t *req;           /* loop thread only; NULL once the request was disposed */
    struct job_link *link;    /* loop thread only */
    atomic_bool is_abandoned; /* set on dispose; the worker then skips the review */
    unsigned char *body;
    size_t body_len;
    int64_t deadline_ms;
    bool is_mutate;
    bool has_reply;
    struct wh_review_reply reply;
};

/* TODO(#14): split the number and unit readers; http/ is being changed now (cognitive complexity 35
 * > 25, STYLE §8). */
bool /* NOLINTNEXTLINE(readability-function-cognitive-complexity) */
wh_http_timeout_parse(struct wh_str query, int64_t *out_ms)
{
    const char *p = query.ptr, *end = query.ptr + query.len;
    int64_t total = 0;
    bool any = false;

    /* Find "timeout=" at the start of a parameter. */
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp != NULL ? amp : end;

        if ((size_t)(stop - p) > 8 && memcmp(p, "timeout=", 8) == 0) {
            p += 8;
            /* Go duration: one or more <digits><unit>, unit h, m, s or ms. */
            while (p < stop) {
                int64_t n = 0, unit;
                int digits = 0;

                while (p < stop && *p >= '0' && *p <= '9' && digits < 9) {
                    n = n * 10 + (*p++ - '0');
                    digits++;
                }
                if (digits == 0 || p == stop)
                    return false;
                if (stop - p >= 2 && p[0] == 'm' && p[1] == 's') {
                    unit = 1;
                    p += 2;
                } else if (*p == 'h') {
                    unit = 3600000;
                    p++;
                } else if (*p == 'm') {
                    unit = 60000;
                    p++;
                } else if (*p == 's') {
                    unit = 1000;
                    p++;
                } else {
                    return false;
                }
                total += n * unit;
                if (total > 24 * 3600000)
                    return false;
                any = true;
            }
            if (!any)
                return false;
            *out_ms = total;
            return true;
        }
        p = stop + 1;
    }
    return false;
}

int64_t
wh_http_budget_ms(int64_t timeout_ms, int64_t margin_ms, int64_t max_ms)
{
    int64_t budget;

    if (timeout_ms < 0)
        return max_ms;
    budget = timeout_ms - margin_ms;
    /* A margin larger than a tiny timeout must not leave nothing: keep half of it. */
    if (budget < timeout_ms / 2)
        budget = timeout_ms / 2;
    return budget < max_ms ? budget : max_ms;
}

static void
on_request_disposed(void *p)
{
    struct job_link *link = p;

    if (link->job != NULL) {
        link->job->req = NULL;
        link->job->link = NULL;
        atomic_store(&link->job->is_abandoned, true);
    }
}

/* Worker thread. */
static void
run_review(struct wh_job *job, struct wh_review_worker *w)
{
    struct validate_job *vj = (struct validate_job *)job;

    if (!atomic_load(&vj->is_abandoned)) {
        if (vj->is_mutate)
            wh_pipeline_review_mutate(w, (struct wh_bytes){vj->body, vj->body_len}, vj->deadline_ms,
                                      &vj->reply);
        else
            wh_pipeline_review_handle(w, (struct wh_bytes){vj->body, vj->body_len}, vj->deadline_ms,
                                      &vj->reply);
        vj->has_reply = true;
    }
    h2o_multithread_send_message(&vj->server->done_receiver, &vj->msg);
}

static void
free_job(struct validate_job *vj)
{
    if (vj->has_reply)
        wh_buf_fini(&vj->reply.body);
    free(vj->body);
    free(vj);
}

void
wh_http_validate_done(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    /* h2o_linklist_unlink moves messages->next past the job freed below; the analyzer does not
     * see that `messages` is the unlinked node's prev. */
    /* NOLINTNEXTLINE(clang-analyzer-unix.Malloc) */
    while (!h2o_linklist_is_empty(messages)) {
        h2o_multithread_message_t *m =
            H2O_STRUCT_FROM_MEMBER(h2o_multithread_message_t, link, messages->next);
        struct validate_job *vj = H2O_STRUCT_FROM_MEMBER(struct validate_job, msg, m);

        (void)receiver;
        h2o_linklist_unlink(&m->link);
        vj->server->in_flight--;
        vj->server->queued_body_bytes -= vj->body_len;
        if (vj->req != NULL) {
            vj->link->job = NULL;
            if (vj->has_reply)
                wh_http_send(vj->req, vj->reply.http_status, "application/json",
                             (struct wh_str){vj->reply.body.ptr, vj->reply.body.len});
            else
                wh_http_send_json_error(vj->req, 503, "review was not run");
        }
        free_job(vj);
    }
}

/*
 * Loop thread: the cached review, answered without the hand-off to a worker and back (two
 * context switches and most of a cached review's CPU). The loop thread still never waits on the
 * network, verifies a signature or waits on a lock a worker holds across I/O: the pipeline's
 * attempt has no registry client at all, reads no pull secret, only peeks at the cache (never
 * joins a worker's flight), is bounded in body, images and SBOM size, and logs into a buffer
 * (pipeline/review.h wh_pipeline_review_cached and review.c say how). Whatever would need more
 * (a miss, a flight in progress, pull secrets, a large review) returns false untouched and goes
 * to a worker: tests/unit/http/loop_review_test.c checks both sides against a live registry.
 */
static bool
answer_on_loop(struct wh_http_server *s, h2o_req_t *req, bool is_mutate, int64_t deadline_ms)
{
    struct wh_review_reply reply;
    struct wh_bytes body = {(const unsigned char *)req->entity.base, req->entity.len};

    if (!(is_mutate ? wh_pipeline_review_mutate_cached(s->env, body, deadline_ms, &reply)
                    : wh_pipeline_review_cached(s->env, body, deadline_ms, &reply)))
        return false;
    wh_http_send(req, reply.http_status, "application/json",
                 (struct wh_str){reply.body.ptr, reply.body.len});
    wh_buf_fini(&reply.body);
    wh_metrics_counter_add(s->m_loop_reviews, NULL, 1);
    return true;
}

void
wh_http_validate(struct wh_http_server *s, h2o_req_t *req)
{
    wh_http_review_submit(s, req, false);
}

void
wh_http_review_submit(struct wh_http_server *s, h2o_req_t *req, bool is_mutate)
{
    struct validate_job *vj;
    struct wh_error err;
    int64_t timeout_ms = -1, deadline_ms;

    if (req->query_at != SIZE_MAX) {
        struct wh_str q = {req->path.base + req->query_at + 1, req->path.len - req->query_at - 1};

        if (!wh_http_timeout_parse(q, &timeout_ms))
            timeout_ms = -1;
    }
    if (req->entity.base == NULL || req->entity.len == 0) {
        wh_http_send_json_error(req, 400, "empty request body: expected an AdmissionReview");
        return;
    }
    deadline_ms = wh_clock_mono_ms() +
                  wh_http_budget_ms(timeout_ms, s->cfg->margin_ms, s->cfg->review_max_ms);
    if (answer_on_loop(s, req, is_mutate, deadline_ms))
        return;
    vj = calloc(1, sizeof(*vj));
    if (vj == NULL)
        wh_oom();
    vj->job.run = run_review;
    vj->server = s;
    vj->is_mutate = is_mutate;
    vj->req = req;
    vj->deadline_ms = deadline_ms;
    /* Copy: the worker must not read the request pool, which the loop thread may free. */
    vj->body_len = req->entity.len;
    vj->body = malloc(vj->body_len);
    if (vj->body == NULL)
        wh_oom();
    memcpy(vj->body, req->entity.base, vj->body_len);
    if (wh_pipeline_workers_submit(s->workers, &vj->job, &err) != WH_OK) {
        if (err.code == WH_E_LIMIT) {
            s->queue_full++;
            wh_metrics_counter_add(s->metrics->queue_rejected, NULL, 1);
        }
        wh_log(WH_LOG_WARN, "%s: answering 503: %s (%llu refused so far)",
               is_mutate ? "mutate" : "validate", err.msg, s->queue_full);
        wh_http_send_json_error(req, 503, err.msg);
        free(vj->body);
        free(vj);
        return;
    }
    /* Submitted: the job may already be running, but only the loop thread (us) touches
     * req/link, and the done message is handled on this thread after we return. */
    vj->link = h2o_mem_alloc_shared(&req->pool, sizeof(*vj->link), on_request_disposed);
    vj->link->job = vj;
    s->in_flight++;
    s->queued_body_bytes += vj->body_len;
}
