/* GET /metrics: the env's metrics plus the server's own gauges, in Prometheus text format. */
#include "http/internal.h"

#include "base/log.h"
#include "metrics/metrics.h"
#include "pipeline/review.h"
#include "pipeline/workers.h"

/* A scrape of every family with every series filled is well under this. */
#define METRICS_MAX_BYTES (1u << 20)

void
wh_http_metrics(struct wh_http_server *s, h2o_req_t *req)
{
    struct wh_buf b;

    /* Loop thread: rendering is a few kilobytes of formatting from atomics, no I/O. */
    wh_pipeline_env_metrics_collect(s->env);
    wh_metrics_gauge_set(s->metrics->queue_depth, NULL,
                         (double)wh_pipeline_workers_queued(s->workers));
    wh_metrics_gauge_set(s->metrics->in_flight, NULL, (double)s->in_flight);
    wh_metrics_counter_set(s->m_log_dropped, NULL, wh_log_dropped());
    wh_buf_init(&b, METRICS_MAX_BYTES);
    wh_metrics_render(s->metrics->metrics, &b);
    if (b.overflow) {
        wh_buf_fini(&b);
        wh_http_send_json_error(req, 500, "metrics exceed 1 MiB");
        return;
    }
    wh_http_send(req, 200, "text/plain; version=0.0.4; charset=utf-8",
                 (struct wh_str){b.ptr, b.len});
    wh_buf_fini(&b);
}
