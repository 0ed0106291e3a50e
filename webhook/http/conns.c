/*
 * What one peer can make the front hold: a cap on open connections, and a budget on request
 * bytes buffered by connections or queued for review. h2o 2.2.5 reads a whole request body into
 * the connection's input buffer before any handler runs and has no such limits itself, so the
 * server keeps its own list of connections and, between loop iterations, stops reading the
 * connections that would grow past the budget. Loop thread only.
 */
#include <stdlib.h>
#include <sys/socket.h>

#include "base/clock.h"
#include "base/log.h"
#include "config.h"
#include "http/internal.h"
#include "metrics/metrics.h"
#include "pipeline/review.h"

/* A connection holding at most this much input is never held back: a pod review is about
 * 3 KB, and the cap on connections bounds what all of them may hold together. */
#define SMALL_INPUT_BYTES (16 * 1024)
/* What a resumed connection may read before the next balance: the kernel's receive buffer
 * (server.c sets SO_RCVBUF to 16 KiB, which Linux doubles), with room for TLS framing. */
#define RESUME_STEP_BYTES (64 * 1024)
/* The probe port serves kubelet probes and scrapers, a few at a time. */
#define PROBE_MAX_CONNECTIONS 32

struct wh_http_conn {
    h2o_linklist_t link;        /* s->conns */
    h2o_linklist_t paused_link; /* s->paused while is_paused */
    struct wh_http_server *server;
    h2o_socket_t *sock;
    h2o_socket_cb resume_cb; /* h2o's read callback, kept while paused */
    bool is_paused;
    bool is_probe;
};

void
wh_http_conns_init(struct wh_http_server *s)
{
    struct wh_metrics *m = s->metrics->metrics;

    h2o_linklist_init_anchor(&s->conns);
    h2o_linklist_init_anchor(&s->paused);
    s->m_conns = wh_metrics_gauge_new(m, "driftgate_connections",
                                      "Open client connections (webhook and probe ports).", NULL);
    s->m_rejected = wh_metrics_counter_new(
        m, "driftgate_connections_rejected_total",
        "Connections closed at accept because server.maxConnections were open.", NULL);
    s->m_body_bytes = wh_metrics_gauge_new(
        m, "driftgate_request_body_bytes",
        "Request bytes buffered by connections or queued for review (server.maxBodyBytesInFlight "
        "bounds it).",
        NULL);
    s->m_paused = wh_metrics_gauge_new(
        m, "driftgate_connections_paused",
        "Connections not read until request bytes in flight fall under the budget.", NULL);
}

/* Bytes the connection's input buffer holds. Its capacity doubles as it grows, but the pages
 * past `size` are never written, so `size` is what the buffer adds to the resident set. */
static size_t
held(const h2o_socket_t *sock)
{
    return sock->input != NULL && sock->input->bytes != NULL ? sock->input->size : 0;
}

/* h2o calls this once the socket is disposed (sock must not be touched any more). */
static void
on_conn_close(void *data)
{
    struct wh_http_conn *c = data;
    struct wh_http_server *s = c->server;

    h2o_linklist_unlink(&c->link);
    if (c->is_paused) {
        h2o_linklist_unlink(&c->paused_link);
        s->n_paused--;
    }
    if (c->is_probe)
        s->n_probe_conns--;
    else
        s->n_conns--;
    wh_metrics_gauge_set(s->m_conns, NULL, (double)(s->n_conns + s->n_probe_conns));
    free(c);
}

void
wh_http_conns_accept(struct wh_http_server *s, h2o_socket_t *listener, h2o_accept_ctx_t *accept_ctx,
                     bool is_probe)
{
    size_t cap = is_probe ? PROBE_MAX_CONNECTIONS : s->cfg->max_connections;
    size_t *n = is_probe ? &s->n_probe_conns : &s->n_conns;
    struct wh_http_conn *c;
    h2o_socket_t *sock;

    if ((sock = h2o_evloop_socket_accept(listener)) == NULL)
        return;
    if (*n >= cap) {
        /* Closed before TLS: the peer sees the connection end, the loop spent an accept. */
        h2o_socket_close(sock);
        s->rejected++;
        wh_metrics_counter_add(s->m_rejected, NULL, 1);
        if (wh_clock_mono_ms() - s->rejected_logged_ms >= 1000) {
            s->rejected_logged_ms = wh_clock_mono_ms();
            wh_log(WH_LOG_WARN,
                   "%zu connections open on the %s port (cap %zu): closing new ones (%llu so "
                   "far; driftgate_connections_rejected_total)",
                   *n, is_probe ? "probe" : "webhook", cap, s->rejected);
        }
        return;
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        wh_oom();
    c->server = s;
    c->sock = sock;
    c->is_probe = is_probe;
    h2o_linklist_insert(&s->conns, &c->link);
    (*n)++;
    wh_metrics_gauge_set(s->m_conns, NULL, (double)(s->n_conns + s->n_probe_conns));
    /* h2o 2.2.5 leaves on_close to the application (its own server counts connections so). */
    sock->on_close.cb = on_conn_close;
    sock->on_close.data = c;
    h2o_accept(accept_ctx, sock);
}

/* Stops reading `c` until resume_conn(): h2o keeps its read callback in the socket, so it is
 * put back as it was. Only a socket h2o is reading is paused; while paused, h2o's only event on
 * it is its request timeout, which closes it (a peer that goes away meanwhile is noticed then:
 * its end of file waits behind the unread bytes). */
static void
pause_conn(struct wh_http_server *s, struct wh_http_conn *c)
{
    c->resume_cb = c->sock->_cb.read;
    h2o_socket_read_stop(c->sock);
    c->is_paused = true;
    h2o_linklist_insert(&s->paused, &c->paused_link);
    s->n_paused++;
}

static void
resume_conn(struct wh_http_server *s, struct wh_http_conn *c)
{
    h2o_linklist_unlink(&c->paused_link);
    s->n_paused--;
    c->is_paused = false;
    h2o_socket_read_start(c->sock, c->resume_cb);
}

void
wh_http_conns_balance(struct wh_http_server *s)
{
    size_t buffered = 0, total, budget = s->cfg->max_inflight_body_bytes;
    h2o_linklist_t *node;

    for (node = s->conns.next; node != &s->conns; node = node->next)
        buffered += held(H2O_STRUCT_FROM_MEMBER(struct wh_http_conn, link, node)->sock);
    s->buffered_body_bytes = buffered;
    total = buffered + s->queued_body_bytes;
    if (total > budget) {
        for (node = s->conns.next; node != &s->conns; node = node->next) {
            struct wh_http_conn *c = H2O_STRUCT_FROM_MEMBER(struct wh_http_conn, link, node);

            if (!c->is_paused && held(c->sock) > SMALL_INPUT_BYTES &&
                h2o_socket_is_reading(c->sock))
                pause_conn(s, c);
        }
    } else {
        size_t room = budget - total;

        while (room >= RESUME_STEP_BYTES) {
            h2o_linklist_t *first = s->paused.next;

            /* The anchor: none paused. (A first node not linked cannot happen; the check lets
             * clang-analyzer see that resume_conn's unlink never meets a node it unlinked.) */
            if (first == &s->paused || !h2o_linklist_is_linked(first))
                break;
            resume_conn(s, H2O_STRUCT_FROM_MEMBER(struct wh_http_conn, paused_link, first));
            room -= RESUME_STEP_BYTES;
        }
    }
    wh_metrics_gauge_set(s->m_body_bytes, NULL, (double)total);
    wh_metrics_gauge_set(s->m_paused, NULL, (double)s->n_paused);
}
