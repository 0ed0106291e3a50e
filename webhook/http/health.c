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

/* A body h2o pulls (http1's pull mode): the bytes left to hand over, in the request's pool. */
struct pulled_body {
    h2o_generator_t super;
    h2o_iovec_t left;
};

static void
pulled_body_noop(h2o_generator_t *self, h2o_req_t *req)
{
    (void)self;
    (void)req;
}

static h2o_send_state_t
pull_body(h2o_generator_t *self, h2o_req_t *req, h2o_iovec_t *buf)
{
    struct pulled_body *pb = (struct pulled_body *)self;
    size_t n = pb->left.len < buf->len ? pb->left.len : buf->len;

    (void)req;
    memcpy(buf->base, pb->left.base, n);
    buf->len = n;
    pb->left.base += n;
    pb->left.len -= n;
    return pb->left.len == 0 ? H2O_SEND_STATE_FINAL : H2O_SEND_STATE_IN_PROGRESS;
}

void
wh_http_send(h2o_req_t *req, int status, const char *content_type, struct wh_str body)
{
    struct pulled_body *pb;

    req->res.status = status;
    req->res.reason = reason_phrase(status);
    req->res.content_length = body.len;
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, content_type,
                   strlen(content_type));
    if (body.len == 0 || !h2o_memis(req->method.base, req->method.len, H2O_STRLIT("POST"))) {
        h2o_send_inline(req, body.ptr, body.len); /* copies into req->pool */
        return;
    }
    /* A review's answer: h2o_send_inline hands http1 the headers and the body as two buffers,
     * which become two TLS records (two encryptions here, two decryptions at the apiserver).
     * Pulled, http1 writes the body into the buffer that holds the headers: one record. Only
     * where the final ostream pulls (no filter in between, e.g. not the 413 rewrite). */
    pb = h2o_mem_alloc_pool(&req->pool, sizeof(*pb) + body.len);
    pb->super.proceed = pulled_body_noop;
    pb->super.stop = pulled_body_noop;
    pb->left = h2o_iovec_init((char *)(pb + 1), body.len);
    memcpy(pb->left.base, body.ptr, body.len);
    h2o_start_response(req, &pb->super);
    if (req->_ostr_top->start_pull != NULL)
        req->_ostr_top->start_pull(req->_ostr_top, pull_body);
    else
        h2o_send(req, &pb->left, 1, H2O_SEND_STATE_FINAL);
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
