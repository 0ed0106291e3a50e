/*
 * The misbehaving registry of fault_registry.h: a forwarding proxy in front of a real registry
 * that injects one configured fault into matching requests. Plain sockets and one thread per
 * connection: this is test equipment, small enough to read in one sitting.
 */
#include "support/fault_registry.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "base/str.h"

#define HEAD_MAX (16 * 1024)
#define UPSTREAM_MAX (64u << 20)
#define MAX_ROUTES 128

struct route {
    char path[256];
    int status;
    char headers[1024];
    char *body;
};

struct fault_registry {
    int fd;
    pthread_t thread;
    char addr[32];
    char upstream[64];
    pthread_mutex_t lock;
    char mode[32], arg[128], match[256];
    unsigned count, used;
    bool referrers;
    struct route routes[MAX_ROUTES];
    size_t n_routes;
    unsigned long requests, injected;
    unsigned in_flight;           /* connection threads alive */
    unsigned long busy, max_busy; /* requests inside a slow wait (no answer sent yet) */
    char token[64];               /* fault_registry_require_token; "" = none */
    unsigned long token_requests;
};

struct conn {
    struct fault_registry *f;
    int fd;
};

static void
die(const char *what)
{
    perror(what);
    abort();
}

static bool
send_all(int fd, const void *p, size_t n)
{
    const char *c = p;

    while (n > 0) {
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        c += w;
        n -= (size_t)w;
    }
    return true;
}

static void
send_simple(int fd, int status, const char *reason, const char *headers, const char *body)
{
    char head[2048];
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 %d %s\r\nConnection: close\r\n%sContent-Length: %zu\r\n\r\n", status,
                     reason, headers, strlen(body));

    if (send_all(fd, head, (size_t)n))
        (void)send_all(fd, body, strlen(body));
}

static void
sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* ---- upstream ---- */

struct upstream_resp {
    int status;
    char *raw; /* whole response */
    size_t raw_len;
    size_t head_len; /* through the blank line */
    const char *body;
    size_t body_len;
};

static int
connect_to(const char *hostport)
{
    char host[64];
    const char *colon = strrchr(hostport, ':');
    struct sockaddr_in sa = {.sin_family = AF_INET};
    int fd;
    long port;

    if (colon == NULL || (size_t)(colon - hostport) >= sizeof(host))
        return -1;
    memcpy(host, hostport, (size_t)(colon - hostport));
    host[colon - hostport] = '\0';
    port = strtol(colon + 1, NULL, 10);
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1 || port <= 0 || port > 65535)
        return -1;
    sa.sin_port = htons((uint16_t)port);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* HTTP/1.0 so the upstream never chunks; read until it closes. */
static bool
fetch_upstream(const struct fault_registry *f, const char *method, const char *path,
               const char *fwd_headers, struct upstream_resp *out)
{
    char req[HEAD_MAX + 512];
    int fd = connect_to(f->upstream), n;
    size_t alloc = 65536;
    char *end;

    memset(out, 0, sizeof(*out));
    if (fd < 0)
        return false;
    n = snprintf(req, sizeof(req), "%s %s HTTP/1.0\r\nHost: %s\r\n%s\r\n", method, path,
                 f->upstream, fwd_headers);
    if (n < 0 || (size_t)n >= sizeof(req) || !send_all(fd, req, (size_t)n)) {
        close(fd);
        return false;
    }
    out->raw = malloc(alloc);
    if (out->raw == NULL)
        die("malloc");
    for (;;) {
        ssize_t r;

        if (out->raw_len == alloc) {
            if (alloc >= UPSTREAM_MAX)
                break;
            alloc *= 2;
            out->raw = realloc(out->raw, alloc);
            if (out->raw == NULL)
                die("realloc");
        }
        r = recv(fd, out->raw + out->raw_len, alloc - out->raw_len, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        out->raw_len += (size_t)r;
    }
    close(fd);
    out->raw = realloc(out->raw, out->raw_len + 1);
    if (out->raw == NULL)
        die("realloc");
    out->raw[out->raw_len] = '\0';
    end = strstr(out->raw, "\r\n\r\n");
    if (end == NULL || strncmp(out->raw, "HTTP/1.", 7) != 0 || out->raw_len < 12) {
        free(out->raw);
        out->raw = NULL;
        return false;
    }
    out->head_len = (size_t)(end - out->raw) + 4;
    out->status = (int)strtol(out->raw + 9, NULL, 10);
    out->body = out->raw + out->head_len;
    out->body_len = out->raw_len - out->head_len;
    return true;
}

/*
 * Re-emits an upstream answer: its status line and headers minus the hop-by-hop ones, a
 * Content-Length of `declared` (HEAD: the upstream's own), then `body_len` bytes of `body`.
 */
static void
send_upstream(int fd, const struct upstream_resp *u, bool head, const char *body, size_t body_len,
              size_t declared)
{
    char out[HEAD_MAX + 256];
    size_t k = 0;
    const char *line = u->raw, *stop = u->raw + u->head_len - 2;

    while (line < stop) {
        const char *eol = strstr(line, "\r\n");
        size_t n = (size_t)(eol - line);

        if (!(strncasecmp(line, "Connection:", 11) == 0 ||
              strncasecmp(line, "Keep-Alive:", 11) == 0 ||
              strncasecmp(line, "Transfer-Encoding:", 18) == 0 ||
              (!head && strncasecmp(line, "Content-Length:", 15) == 0)) &&
            k + n + 2 < sizeof(out) - 128) {
            memcpy(out + k, line, n);
            memcpy(out + k + n, "\r\n", 2);
            k += n + 2;
        }
        line = eol + 2;
    }
    if (head)
        k += (size_t)snprintf(out + k, sizeof(out) - k, "Connection: close\r\n\r\n");
    else
        k += (size_t)snprintf(out + k, sizeof(out) - k,
                              "Connection: close\r\nContent-Length: %zu\r\n\r\n", declared);
    if (send_all(fd, out, k) && !head && body_len > 0)
        (void)send_all(fd, body, body_len);
}

/* ---- control ---- */

/* The decoded value of query parameter `name` in `query` into dst; false when absent. */
static bool
query_get(const char *query, const char *name, char *dst, size_t dst_size)
{
    size_t nl = strlen(name);
    const char *p = query;

    while (p != NULL && *p != '\0') {
        const char *amp = strchr(p, '&');
        size_t seg = amp != NULL ? (size_t)(amp - p) : strlen(p);

        if (seg > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
            size_t k = 0;

            for (size_t i = nl + 1; i < seg && k + 1 < dst_size; i++) {
                if (p[i] == '%' && i + 2 < seg + 1 && wh_str_hex_value(p[i + 1]) >= 0 &&
                    wh_str_hex_value(p[i + 2]) >= 0) {
                    dst[k++] = (char)(wh_str_hex_value(p[i + 1]) * 16 + wh_str_hex_value(p[i + 2]));
                    i += 2;
                } else {
                    dst[k++] = p[i] == '+' ? ' ' : p[i];
                }
            }
            dst[k] = '\0';
            return true;
        }
        p = amp != NULL ? amp + 1 : NULL;
    }
    return false;
}

static void
control(struct fault_registry *f, int fd, const char *path)
{
    const char *q = strchr(path, '?');
    char mode[192] = "", match[256] = "", count[16] = "0", refs[8] = "";
    char body[512];

    if (strncmp(path, "/_fault/stats", 13) == 0) {
        pthread_mutex_lock(&f->lock);
        snprintf(body, sizeof(body),
                 "{\"requests\":%lu,\"injected\":%lu,\"max_in_flight\":%lu,\"mode\":\"%s\"}\n",
                 f->requests, f->injected, f->max_busy, f->mode);
        pthread_mutex_unlock(&f->lock);
        send_simple(fd, 200, "OK", "Content-Type: application/json\r\n", body);
        return;
    }
    if (q != NULL) {
        query_get(q + 1, "mode", mode, sizeof(mode));
        query_get(q + 1, "match", match, sizeof(match));
        query_get(q + 1, "count", count, sizeof(count));
        if (query_get(q + 1, "referrers", refs, sizeof(refs)))
            fault_registry_referrers(f, strcmp(refs, "1") == 0);
    }
    if (!fault_registry_set(f, mode, match, (unsigned)strtoul(count, NULL, 10))) {
        send_simple(fd, 400, "Bad Request", "", "unknown fault\n");
        return;
    }
    fault_registry_reset_stats(f);
    send_simple(fd, 200, "OK", "", "ok\n");
}

/* ---- one connection ---- */

static const char EMPTY_INDEX[] =
    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
    "\"manifests\":[]}";

/* "/v2/<name>/referrers/sha256:<hex>[?...]" → GET upstream fallback tag, answered as the API. */
static bool
serve_referrers(struct fault_registry *f, int fd, const char *path, const char *fwd)
{
    const char *r = strstr(path, "/referrers/sha256:");
    char up[1024];
    struct upstream_resp u;
    size_t name_len, hex_len;

    if (strncmp(path, "/v2/", 4) != 0 || r == NULL)
        return false;
    name_len = (size_t)(r - (path + 4));
    hex_len = strcspn(r + 18, "?");
    snprintf(up, sizeof(up), "/v2/%.*s/manifests/sha256-%.*s", (int)name_len, path + 4,
             (int)hex_len, r + 18);
    if (f->upstream[0] != '\0' && fetch_upstream(f, "GET", up, fwd, &u) && u.status == 200) {
        char head[256];

        snprintf(head, sizeof(head),
                 "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: "
                 "application/vnd.oci.image.index.v1+json\r\nContent-Length: %zu\r\n\r\n",
                 u.body_len);
        if (send_all(fd, head, strlen(head)))
            (void)send_all(fd, u.body, u.body_len);
        free(u.raw);
        return true;
    }
    if (u.raw != NULL)
        free(u.raw);
    send_simple(fd, 200, "OK", "Content-Type: application/vnd.oci.image.index.v1+json\r\n",
                EMPTY_INDEX);
    return true;
}

static void
stream_zeros(int fd, bool declared)
{
    static const char zeros[65536];
    const char *head = declared ? "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: "
                                  "application/octet-stream\r\nContent-Length: 1073741824\r\n\r\n"
                                : "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: "
                                  "application/octet-stream\r\n\r\n";

    if (!send_all(fd, head, strlen(head)))
        return;
    for (int i = 0; i < 16384; i++)
        if (!send_all(fd, zeros, sizeof(zeros)))
            return;
}

/* The request's Authorization and Accept lines, to forward. */
static void
forward_headers(const char *req, char *out, size_t out_size)
{
    const char *line = strstr(req, "\r\n");
    size_t k = 0;

    out[0] = '\0';
    while (line != NULL && line[2] != '\r' && line[2] != '\0') {
        const char *start = line + 2, *eol = strstr(start, "\r\n");
        size_t n;

        if (eol == NULL)
            break;
        n = (size_t)(eol - start);
        if ((strncasecmp(start, "Authorization:", 14) == 0 ||
             strncasecmp(start, "Accept:", 7) == 0) &&
            k + n + 3 < out_size) {
            memcpy(out + k, start, n);
            memcpy(out + k + n, "\r\n", 3);
            k += n + 2;
        }
        line = eol;
    }
}

/* With a token required: GET /token answers it; a /v2/ request without it gets a Bearer
 * challenge. Returns whether `fd` was answered. */
static bool
require_token(struct fault_registry *f, int fd, const char *req, const char *path)
{
    char token[64], want[128], h[256], body[128];

    pthread_mutex_lock(&f->lock);
    snprintf(token, sizeof(token), "%s", f->token);
    if (token[0] != '\0' && strncmp(path, "/token", 6) == 0)
        f->token_requests++;
    pthread_mutex_unlock(&f->lock);
    if (token[0] == '\0')
        return false;
    if (strncmp(path, "/token", 6) == 0) {
        snprintf(body, sizeof(body), "{\"token\":\"%s\",\"expires_in\":300}", token);
        send_simple(fd, 200, "OK", "Content-Type: application/json\r\n", body);
        return true;
    }
    snprintf(want, sizeof(want), "Authorization: Bearer %s\r\n", token);
    if (strncmp(path, "/v2/", 4) != 0 || strstr(req, want) != NULL)
        return false;
    snprintf(h, sizeof(h),
             "WWW-Authenticate: Bearer realm=\"http://%s/token\",service=\"fault\"\r\n", f->addr);
    send_simple(fd, 401, "Unauthorized", h,
                "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"token\"}]}");
    return true;
}

static void
handle(struct fault_registry *f, int fd)
{
    char req[HEAD_MAX + 1], method[16], path[2048], fwd[HEAD_MAX];
    char mode[32] = "none", arg[128] = "";
    size_t len = 0, ml, pl;
    const char *sp;
    bool inject = false, head;
    struct upstream_resp u;

    while (len < HEAD_MAX) {
        ssize_t r = recv(fd, req + len, HEAD_MAX - len, 0);

        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
        req[len] = '\0';
        if (strstr(req, "\r\n\r\n") != NULL)
            break;
        /* Not an HTTP method (a TLS ClientHello starts with 0x16): answer at once. */
        if (req[0] < 'A' || req[0] > 'Z')
            break;
    }
    req[len] = '\0';
    ml = strcspn(req, " ");
    sp = req + ml;
    pl = *sp == ' ' ? strcspn(sp + 1, " \r\n") : 0;
    if (len == 0 || ml == 0 || ml >= sizeof(method) || pl == 0 || pl >= sizeof(path) ||
        strstr(req, "\r\n\r\n") == NULL || sp[1] != '/') {
        send_simple(fd, 400, "Bad Request", "", "not HTTP\n");
        return;
    }
    memcpy(method, req, ml);
    method[ml] = '\0';
    memcpy(path, sp + 1, pl);
    path[pl] = '\0';
    if (strncmp(path, "/_fault", 7) == 0) {
        control(f, fd, path);
        return;
    }
    if (require_token(f, fd, req, path))
        return;
    head = strcmp(method, "HEAD") == 0;
    forward_headers(req, fwd, sizeof(fwd));
    pthread_mutex_lock(&f->lock);
    f->requests++;
    if (strcmp(f->mode, "none") != 0 && strstr(path, f->match) != NULL &&
        (f->count == 0 || f->used < f->count)) {
        inject = true;
        f->used++;
        f->injected++;
        snprintf(mode, sizeof(mode), "%s", f->mode);
        snprintf(arg, sizeof(arg), "%s", f->arg);
    }
    pthread_mutex_unlock(&f->lock);

    if (inject) {
        if (strcmp(mode, "slow") == 0) {
            pthread_mutex_lock(&f->lock);
            if (++f->busy > f->max_busy)
                f->max_busy = f->busy;
            pthread_mutex_unlock(&f->lock);
            sleep_ms(strtol(arg, NULL, 10));
            pthread_mutex_lock(&f->lock);
            f->busy--;
            pthread_mutex_unlock(&f->lock);
        } else if (strcmp(mode, "429") == 0) {
            char h[192] = "";

            if (arg[0] != '\0')
                snprintf(h, sizeof(h), "Retry-After: %s\r\n", arg);
            send_simple(fd, 429, "Too Many Requests", h,
                        "{\"errors\":[{\"code\":\"TOOMANYREQUESTS\",\"message\":\"slow down\"}]}");
            return;
        } else if (strcmp(mode, "500") == 0 || strcmp(mode, "503") == 0) {
            bool is500 = mode[2] == '0';

            send_simple(fd, is500 ? 500 : 503,
                        is500 ? "Internal Server Error" : "Service Unavailable", "",
                        is500 ? "{\"errors\":[{\"code\":\"UNKNOWN\",\"message\":\"boom\"}]}"
                              : "{\"errors\":[{\"code\":\"UNAVAILABLE\",\"message\":\"busy\"}]}");
            return;
        } else if (strcmp(mode, "reset") == 0) {
            struct linger lg = {1, 0};

            setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)); /* RST, not FIN */
            return;
        } else if (strcmp(mode, "oversized") == 0 || strcmp(mode, "stream") == 0) {
            stream_zeros(fd, mode[0] == 'o');
            return;
        } else if (strcmp(mode, "redirect") == 0) {
            char h[2200];

            snprintf(h, sizeof(h), "Location: http://%s%s\r\n", f->addr, path);
            send_simple(fd, 307, "Temporary Redirect", h, "");
            return;
        }
    }
    if (f->referrers && !head && strstr(path, "/referrers/") != NULL &&
        serve_referrers(f, fd, path, fwd))
        return;
    if (f->upstream[0] == '\0') {
        pthread_mutex_lock(&f->lock);
        for (size_t i = 0; i < f->n_routes; i++) {
            const struct route *r = &f->routes[i];

            if (strncmp(path, r->path, strlen(r->path)) == 0) {
                char hdr[1100];
                char *body = strdup(r->body);
                int status = r->status;

                snprintf(hdr, sizeof(hdr), "%s", r->headers);
                pthread_mutex_unlock(&f->lock);
                if (body == NULL)
                    die("strdup");
                if (inject && strcmp(mode, "truncated") == 0) {
                    char h[2048];
                    int n = snprintf(h, sizeof(h),
                                     "HTTP/1.1 %d X\r\nConnection: close\r\n%sContent-Length: "
                                     "%zu\r\n\r\n",
                                     status, hdr, strlen(body));

                    if (send_all(fd, h, (size_t)n) && !head)
                        (void)send_all(fd, body, strlen(body) / 2);
                } else {
                    send_simple(fd, status, "X", hdr, head ? "" : body);
                }
                free(body);
                return;
            }
        }
        pthread_mutex_unlock(&f->lock);
        send_simple(fd, 404, "Not Found", "",
                    "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"unknown\"}]}");
        return;
    }
    if (!fetch_upstream(f, method, path, fwd, &u)) {
        send_simple(fd, 502, "Bad Gateway", "", "upstream failed\n");
        return;
    }
    if (inject && strcmp(mode, "truncated") == 0 && !head && u.body_len > 1) {
        send_upstream(fd, &u, false, u.body, u.body_len / 2, u.body_len);
    } else if (inject && strcmp(mode, "wrongdigest") == 0 && !head && u.body_len > 0) {
        char *copy = malloc(u.body_len + 1);

        if (copy == NULL)
            die("malloc");
        memcpy(copy, u.body, u.body_len);
        if (strstr(path, "/blobs/") != NULL) {
            copy[u.body_len - 1] ^= 0x01;
            send_upstream(fd, &u, false, copy, u.body_len, u.body_len);
        } else {
            copy[u.body_len] = ' '; /* still JSON, another digest */
            send_upstream(fd, &u, false, copy, u.body_len + 1, u.body_len + 1);
        }
        free(copy);
    } else {
        send_upstream(fd, &u, head, u.body, u.body_len, u.body_len);
    }
    free(u.raw);
}

static void *
conn_main(void *arg)
{
    struct conn *c = arg;
    struct fault_registry *f = c->f;
    struct timeval tv = {.tv_sec = 10};

    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    pthread_mutex_lock(&f->lock);
    f->in_flight++;
    pthread_mutex_unlock(&f->lock);
    handle(f, c->fd);
    pthread_mutex_lock(&f->lock);
    f->in_flight--;
    pthread_mutex_unlock(&f->lock);
    close(c->fd);
    free(c);
    return NULL;
}

static void *
accept_main(void *arg)
{
    struct fault_registry *f = arg;

    for (;;) {
        int fd = accept(f->fd, NULL, NULL);
        struct conn *c;
        pthread_t th;

        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            return NULL; /* closed by stop */
        }
        c = malloc(sizeof(*c));
        if (c == NULL)
            die("malloc");
        c->f = f;
        c->fd = fd;
        if (pthread_create(&th, NULL, conn_main, c) != 0)
            die("pthread_create");
        pthread_detach(th);
    }
}

struct fault_registry *
fault_registry_start(const char *upstream, int port)
{
    struct fault_registry *f = calloc(1, sizeof(*f));
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof(sa);
    int one = 1;

    if (f == NULL)
        die("calloc");
    pthread_mutex_init(&f->lock, NULL);
    snprintf(f->mode, sizeof(f->mode), "none");
    if (upstream != NULL)
        snprintf(f->upstream, sizeof(f->upstream), "%s", upstream);
    sa.sin_port = htons((uint16_t)port);
    f->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (f->fd < 0)
        die("socket");
    setsockopt(f->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(f->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(f->fd, 128) != 0 ||
        getsockname(f->fd, (struct sockaddr *)&sa, &sl) != 0)
        die("fault registry: bind/listen");
    snprintf(f->addr, sizeof(f->addr), "127.0.0.1:%d", ntohs(sa.sin_port));
    if (pthread_create(&f->thread, NULL, accept_main, f) != 0)
        die("pthread_create");
    return f;
}

void
fault_registry_stop(struct fault_registry *f)
{
    if (f == NULL)
        return;
    shutdown(f->fd, SHUT_RDWR);
    close(f->fd);
    pthread_join(f->thread, NULL);
    /* Connection threads may still run (detached); wait for them before freeing. */
    for (int i = 0; i < 500; i++) {
        unsigned n;

        pthread_mutex_lock(&f->lock);
        n = f->in_flight;
        pthread_mutex_unlock(&f->lock);
        if (n == 0)
            break;
        sleep_ms(10);
    }
    for (size_t i = 0; i < f->n_routes; i++)
        free(f->routes[i].body);
    /* The mutex and struct are left to the process exit if a thread is still stuck. */
    free(f);
}

const char *
fault_registry_addr(const struct fault_registry *f)
{
    return f->addr;
}

bool
fault_registry_set(struct fault_registry *f, const char *fault, const char *match, unsigned count)
{
    static const char *const known[] = {"none",   "slow",        "429",       "500",
                                        "503",    "reset",       "truncated", "oversized",
                                        "stream", "wrongdigest", "redirect"};
    char mode[32] = "none", arg[128] = "";
    bool ok = false;

    if (fault != NULL && fault[0] != '\0') {
        size_t n = strcspn(fault, ":");

        if (n >= sizeof(mode))
            return false;
        memcpy(mode, fault, n);
        mode[n] = '\0';
        if (fault[n] == ':')
            snprintf(arg, sizeof(arg), "%s", fault + n + 1);
    }
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        ok = ok || strcmp(known[i], mode) == 0;
    if (!ok)
        return false;
    pthread_mutex_lock(&f->lock);
    snprintf(f->mode, sizeof(f->mode), "%s", mode);
    snprintf(f->arg, sizeof(f->arg), "%s", arg);
    snprintf(f->match, sizeof(f->match), "%s", match != NULL ? match : "");
    f->count = count;
    f->used = 0;
    pthread_mutex_unlock(&f->lock);
    return true;
}

void
fault_registry_referrers(struct fault_registry *f, bool on)
{
    pthread_mutex_lock(&f->lock);
    f->referrers = on;
    pthread_mutex_unlock(&f->lock);
}

void
fault_registry_route(struct fault_registry *f, const char *path, int status, const char *headers,
                     const char *body)
{
    struct route *r;

    pthread_mutex_lock(&f->lock);
    if (f->n_routes == MAX_ROUTES)
        die("fault registry: too many routes");
    r = &f->routes[f->n_routes++];
    snprintf(r->path, sizeof(r->path), "%s", path);
    r->status = status;
    snprintf(r->headers, sizeof(r->headers), "%s", headers);
    r->body = strdup(body);
    if (r->body == NULL)
        die("strdup");
    pthread_mutex_unlock(&f->lock);
}

/* A counter the connection threads update, read under the lock. */
static unsigned long
read_locked(struct fault_registry *f, const unsigned long *counter)
{
    unsigned long n;

    pthread_mutex_lock(&f->lock);
    n = *counter;
    pthread_mutex_unlock(&f->lock);
    return n;
}

unsigned long
fault_registry_requests(struct fault_registry *f)
{
    return read_locked(f, &f->requests);
}

unsigned long
fault_registry_injected(struct fault_registry *f)
{
    return read_locked(f, &f->injected);
}

unsigned
fault_registry_max_in_flight(struct fault_registry *f)
{
    return (unsigned)read_locked(f, &f->max_busy);
}

void
fault_registry_reset_stats(struct fault_registry *f)
{
    pthread_mutex_lock(&f->lock);
    f->requests = f->injected = 0;
    f->max_busy = f->busy;
    pthread_mutex_unlock(&f->lock);
}

void
fault_registry_require_token(struct fault_registry *f, const char *token)
{
    pthread_mutex_lock(&f->lock);
    snprintf(f->token, sizeof(f->token), "%s", token != NULL ? token : "");
    f->token_requests = 0;
    pthread_mutex_unlock(&f->lock);
}

unsigned long
fault_registry_token_requests(struct fault_registry *f)
{
    return read_locked(f, &f->token_requests);
}
