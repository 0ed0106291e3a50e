/* Liveness and readiness endpoints, and the small response helpers every route uses. */
#include "http/internal.h"

#include <stdio.h>
#include <string.h>

#include "pipeline/review.h"

static const char *
reason_phrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 413:
        return "Request Entity Too Large";
    case 503:
        return "Service Unavailable";
    default:
        return "Internal Server Error";
    }
}

void
wh_http_send(h2o_req_t *req, int status, const char *content_type, struct wh_str body)
{
    req->res.status = status;
    req->res.reason = reason_phrase(status);
    req->res.content_length = body.len;
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, content_type,
                   strlen(content_type));
    h2o_send_inline(req, body.ptr, body.len); /* copies into req->pool */
}

void
wh_http_send_json_error(h2o_req_t *req, int status, const char *msg)
{
    struct wh_buf b;

    wh_buf_init(&b, 4096);
    wh_buf_append_c(&b, "{\"error\":");
    wh_buf_append_json_string(&b, wh_str_c(msg));
    wh_buf_append_c(&b, "}\n");
    WH_ASSERT(!b.overflow); /* messages are bounded by struct wh_error */
    wh_http_send(req, status, "application/json", (struct wh_str){b.ptr, b.len});
    wh_buf_fini(&b);
}

void
wh_http_healthz(struct wh_http_server *s, h2o_req_t *req)
{
    (void)s;
    wh_http_send(req, 200, "text/plain; charset=utf-8", WH_STR("ok\n"));
}

void
wh_http_readyz(struct wh_http_server *s, h2o_req_t *req)
{
    char detail[1024], text[1100];
    bool is_ready;
    int n;

    /* wh_pipeline_env_ready takes a short mutex; no I/O. A failed reload keeps the pod ready
     * (the last good snapshot serves) and says so: "ok: policy reload failed, ...". */
    is_ready = wh_pipeline_env_ready(s->env, detail, sizeof(detail));
    if (is_ready && strcmp(detail, "ok") == 0) {
        wh_http_send(req, 200, "text/plain; charset=utf-8", WH_STR("ok\n"));
        return;
    }
    n = snprintf(text, sizeof(text), "%s: %s\n", is_ready ? "ok" : "not ready", detail);
    wh_http_send(req, is_ready ? 200 : 503, "text/plain; charset=utf-8",
                 (struct wh_str){text, n < 0                       ? 0
                                       : (size_t)n >= sizeof(text) ? sizeof(text) - 1
                                                                   : (size_t)n});
}
