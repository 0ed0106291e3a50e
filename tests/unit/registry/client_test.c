/*
 * The client's checks against a loopback server that misbehaves on purpose (wrong digests,
 * oversized bodies, 5xx, slow answers, HEAD without Docker-Content-Digest). The real registry
 * runs in tests/integration/registry_test.sh; these are the faults it will not produce.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/digest.h"
#include "registry/client.c"
#include "support/fault_registry.h"
#include "support/testca.h"
#include "unit/harness.h"
#include "unit/registry/plain_client.h"

#define GOOD                                                                                       \
    "{\"schemaVersion\":2,\"mediaType\":\"application/"                                            \
    "vnd.oci.image.index.v1+json\",\"manifests\":[]}"

struct route {
    const char *path;   /* request path prefix */
    const char *status; /* "200 OK" */
    const char *headers;
    const char *body;
    int delay_ms;
};

static struct route routes[16];
static size_t n_routes;
static int listen_fd;
static char last_request[4096];

static void *
serve(void *arg)
{
    (void)arg;
    for (;;) {
        char req[4096], resp[8192], path[256] = "";
        ssize_t got, len = 0;
        int fd = accept(listen_fd, NULL, NULL);
        const struct route *r = NULL;
        bool head;

        if (fd < 0)
            return NULL;
        while (len < (ssize_t)sizeof(req) - 1 &&
               (got = read(fd, req + len, sizeof(req) - 1 - (size_t)len)) > 0) {
            len += got;
            req[len] = '\0';
            if (strstr(req, "\r\n\r\n") != NULL)
                break;
        }
        req[len] = '\0';
        memcpy(last_request, req, (size_t)len + 1);
        head = strncmp(req, "HEAD ", 5) == 0;
        {
            const char *sp = strchr(req, ' ');
            size_t n = sp == NULL ? 0 : strcspn(sp + 1, " ");

            if (n >= sizeof(path))
                n = sizeof(path) - 1;
            if (sp != NULL)
                memcpy(path, sp + 1, n);
            path[n] = '\0';
        }
        for (size_t i = 0; i < n_routes; i++)
            if (strncmp(path, routes[i].path, strlen(routes[i].path)) == 0) {
                r = &routes[i];
                break;
            }
        if (r == NULL) {
            len =
                snprintf(resp, sizeof(resp),
                         "HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 54\r\n\r\n"
                         "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"x\"}]}");
        } else {
            if (r->delay_ms > 0)
                usleep((useconds_t)r->delay_ms * 1000);
            len = snprintf(resp, sizeof(resp),
                           "HTTP/1.1 %s\r\nConnection: close\r\n%sContent-Length: %zu\r\n\r\n%s",
                           r->status, r->headers, strlen(r->body), head ? "" : r->body);
        }
        if (write(fd, resp, (size_t)len) < 0) {
            /* the client gave up first (timeout tests): nothing to do */
        }
        close(fd);
    }
}

static char registry[64];

static void
route(const char *path, const char *status, const char *headers, const char *body, int delay_ms)
{
    routes[n_routes++] = (struct route){path, status, headers, body, delay_ms};
}

static struct wh_registry_client *
client(size_t blob_max_manifest)
{
    struct wh_registry_options o = {.limits = WH_LIMITS_DEFAULT};

    if (blob_max_manifest != 0)
        o.limits.manifest_bytes = blob_max_manifest;
    return plain_client(registry, o);
}

static int64_t
soon(void)
{
    return wh_clock_mono_ms() + 5000;
}

static void
test_head_without_digest_falls_back_to_get(void)
{
    struct wh_registry_client *c = client(0);
    struct wh_image_ref ref = {registry, "demo/app", "v1", NULL};
    struct wh_arena a;
    struct wh_error err = {0};
    const char *digest = NULL;
    char want[WH_DIGEST_STR_LEN];

    wh_arena_init(&a);
    wh_digest_sha256_str(GOOD, strlen(GOOD), want);
    ok(wh_registry_resolve(c, &ref, soon(), &a, &digest, &err) == WH_OK &&
           strcmp(digest, want) == 0,
       "resolve hashes the GET body when HEAD has no digest: %s",
       digest == NULL ? err.msg : digest);
    ok(wh_registry_client_requests(c) == 2, "HEAD then GET (%lu)", wh_registry_client_requests(c));
    ok(strstr(last_request, "Accept: application/vnd.oci.image.manifest.v1+json, "
                            "application/vnd.oci.image.index.v1+json") != NULL,
       "Accept lists OCI and Docker types");
    wh_registry_client_free(c);
    wh_arena_fini(&a);
}

static void
test_lying_registry_is_caught(void)
{
    struct wh_registry_client *c = client(0);
    struct wh_image_ref ref = {registry, "demo/app", "v1", NULL};
    struct wh_arena a;
    struct wh_error err = {0};
    struct wh_registry_manifest m;
    struct wh_bytes blob;
    const char *digest;
    const char *d1 = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

    wh_arena_init(&a);
    ok(wh_registry_manifest_get(c, &ref, d1, soon(), &a, &m, &err) == WH_E_VERIFY &&
           strstr(err.msg, "manifest digest mismatch") != NULL &&
           strstr(err.msg, "/demo/app: GET manifest sha256:111111111111") != NULL,
       "manifest whose body is not its digest → verify: %s", err.msg);
    ok(wh_registry_manifest_get(c, &ref, "lying", soon(), &a, &m, &err) == WH_E_VERIFY &&
           strstr(err.msg, "Docker-Content-Digest sha256:2222") != NULL,
       "tag whose Docker-Content-Digest lies → verify: %s", err.msg);
    ok(wh_registry_blob_get(c, &ref, d1, 1024, soon(), &a, &blob, &err) == WH_E_VERIFY &&
           strstr(err.msg, "blob digest mismatch") != NULL,
       "blob whose body is not its digest → verify: %s", err.msg);
    ok(wh_registry_resolve(c, &(struct wh_image_ref){registry, "demo/app", "garbage", NULL}, soon(),
                           &a, &digest, &err) == WH_E_INVALID &&
           strstr(err.msg, "GET manifest garbage: manifest JSON") != NULL,
       "garbage manifest → invalid: %s", err.msg);
    wh_registry_client_free(c);
    wh_arena_fini(&a);
}

static void
test_caps_statuses_and_deadlines(void)
{
    struct wh_registry_client *c = client(40);
    struct wh_image_ref ref = {registry, "demo/app", "v1", NULL};
    struct wh_arena a;
    struct wh_error err = {0};
    struct wh_registry_manifest m;
    struct wh_bytes blob;
    const char *digest;
    const char *d3 = "sha256:3333333333333333333333333333333333333333333333333333333333333333";
    unsigned long before;

    wh_arena_init(&a);
    ok(wh_registry_manifest_get(c, &ref, "v1", soon(), &a, &m, &err) == WH_E_LIMIT &&
           strstr(err.msg, "exceeds 40 bytes") != NULL,
       "manifest over manifest_bytes → limit: %s", err.msg);
    ok(wh_registry_blob_get(c, &ref, d3, 10, soon(), &a, &blob, &err) == WH_E_LIMIT,
       "blob over max → limit: %s", err.msg);
    ok(wh_registry_resolve(c, &(struct wh_image_ref){registry, "demo/app", "boom", NULL}, soon(),
                           &a, &digest, &err) == WH_E_UNAVAILABLE &&
           strstr(err.msg, "HEAD manifest boom: HTTP 503") != NULL,
       "5xx → unavailable: %s", err.msg);
    ok(wh_registry_manifest_get(c, &ref, "missing", soon(), &a, &m, &err) == WH_E_NOT_FOUND &&
           strstr(err.msg, "GET manifest missing: HTTP 404 (MANIFEST_UNKNOWN)") != NULL,
       "404 → not found with the registry's code: %s", err.msg);
    ok(wh_registry_resolve(c, &(struct wh_image_ref){registry, "demo/app", "slow", NULL},
                           wh_clock_mono_ms() + 200, &a, &digest, &err) == WH_E_TIMEOUT &&
           strstr(err.msg, "HEAD manifest slow: timed out") != NULL,
       "slow registry → timeout within the deadline: %s", err.msg);
    before = wh_registry_client_requests(c);
    ok(wh_registry_resolve(c, &ref, wh_clock_mono_ms() - 1, &a, &digest, &err) == WH_E_TIMEOUT &&
           strstr(err.msg, "deadline passed before") != NULL &&
           wh_registry_client_requests(c) == before,
       "passed deadline → timeout, nothing sent: %s", err.msg);
    ok(wh_registry_resolve(c, &(struct wh_image_ref){registry, "demo/app", "401", NULL}, soon(), &a,
                           &digest, &err) == WH_E_UNAVAILABLE &&
           strstr(err.msg, "check the credentials for") != NULL,
       "401 without a usable challenge → check the credentials: %s", err.msg);
    ok(wh_registry_manifest_get(c, &ref, "a/../b", soon(), &a, &m, &err) == WH_E_INVALID,
       "a tag with URL syntax is refused before sending");
    wh_registry_client_free(c);
    wh_arena_fini(&a);
}

static void
test_bad_options(void)
{
    struct wh_registry_options o = {.ca_file = "/nonexistent/ca.pem", .limits = WH_LIMITS_DEFAULT};
    struct wh_registry_client *c;
    struct wh_error err = {0};

    ok(wh_registry_client_new(&o, &c, &err) == WH_E_INVALID &&
           strstr(err.msg, "cannot open CA file") != NULL,
       "missing CA file → invalid");
    o.ca_file = NULL;
    o.docker_config = "/nonexistent/config.json";
    ok(wh_registry_client_new(&o, &c, &err) != WH_OK && strstr(err.msg, "docker config") != NULL,
       "missing docker config → error: %s", err.msg);
    wh_registry_client_free(NULL);
}

/* The CA bundles themselves are http.c's (tests/unit/registry/http_test.c); the client names
 * itself in their errors. */
static void
test_ca_file_errors_name_the_client(void)
{
    const char *hosts[1] = {"Other.Example"};
    const char *files[1] = {"/nonexistent/ca.pem"};
    struct wh_registry_options o = {.limits = WH_LIMITS_DEFAULT,
                                    .registry_ca_hosts = hosts,
                                    .registry_ca_files = files,
                                    .n_registry_ca_files = 1};
    struct wh_registry_client *c = NULL;
    struct wh_error err = {0};

    ok(wh_registry_client_new(&o, &c, &err) == WH_E_INVALID &&
           strcmp(err.msg, "registry client: cannot open CA file /nonexistent/ca.pem for "
                           "Other.Example") == 0,
       "missing per-registry CA file → invalid, names file and host: %s", err.msg);
}

static void
test_review_credentials(void)
{
    struct wh_registry_client *c = client(0);
    struct wh_error err = {0};
    const char *good = "{\"auths\":{\"r.example\":{\"auth\":\"dTpw\"}}}";
    struct wh_bytes cfgs[17];
    struct wh_arena a;
    struct wh_registry_credentials cr;

    for (size_t i = 0; i < 17; i++)
        cfgs[i] = (struct wh_bytes){(const unsigned char *)good, strlen(good)};
    ok(wh_registry_client_review_credentials_set(c, cfgs, 1, &err) == WH_OK &&
           c->auth.n_review_configs == 1 && strlen(c->auth.cred_key) == 64,
       "a pull secret is kept for the review, keyed by its hash");
    ok(wh_registry_client_credentials_key(c) == c->auth.cred_key, "credentials key exposed");
    wh_arena_init(&a);
    ok(wh_registry_auth_credentials_find(&c->auth, "r.example", &a, &cr, &err) == WH_OK &&
           cr.username != NULL && strcmp(cr.username, "u") == 0,
       "its credentials are found for the registry");
    wh_registry_client_review_credentials_clear(c);
    ok(c->auth.n_review_configs == 0 && c->auth.cred_key[0] == '\0' &&
           wh_registry_auth_credentials_find(&c->auth, "r.example", &a, &cr, &err) == WH_OK &&
           cr.username == NULL,
       "cleared: gone, node-wide key again");
    cfgs[0] = (struct wh_bytes){(const unsigned char *)"{\"auths\":[", 10};
    ok(wh_registry_client_review_credentials_set(c, cfgs, 1, &err) == WH_E_INVALID &&
           strstr(err.msg, "pull secret 0") != NULL && c->auth.n_review_configs == 0,
       "malformed docker config → invalid, nothing set: %s", err.msg);
    cfgs[0] = cfgs[1];
    ok(wh_registry_client_review_credentials_set(c, cfgs, 17, &err) == WH_E_LIMIT,
       "17 pull secrets → limit");
    wh_arena_fini(&a);
    wh_registry_client_free(c);
}

static const char memo_body[] = "the blob a review fetches once";
static char memo_digest[WH_DIGEST_STR_LEN], memo_path[128];
static char good_digest[WH_DIGEST_STR_LEN];

static void
test_review_fetches_a_digest_once(void)
{
    struct wh_registry_client *c = client(0);
    struct wh_image_ref ref = {.registry = registry, .repository = "demo/app"};
    struct wh_arena a;
    struct wh_registry_manifest m;
    struct wh_bytes b1, b2;
    struct wh_error err = {0};
    unsigned long n;

    wh_arena_init(&a);
    n = wh_registry_client_requests(c);
    ok(wh_registry_blob_get(c, &ref, memo_digest, 1024, soon(), &a, &b1, &err) == WH_OK &&
           wh_registry_blob_get(c, &ref, memo_digest, 1024, soon(), &a, &b2, &err) == WH_OK &&
           wh_registry_client_requests(c) - n == 2 && wh_registry_client_review_bytes(c) == 0,
       "outside a review every GET goes out and nothing is counted");
    wh_registry_client_review_begin(c);
    n = wh_registry_client_requests(c);
    ok(wh_registry_blob_get(c, &ref, memo_digest, 1024, soon(), &a, &b1, &err) == WH_OK &&
           wh_registry_blob_get(c, &ref, memo_digest, 1024, soon(), &a, &b2, &err) == WH_OK &&
           wh_registry_client_requests(c) - n == 1 && b1.ptr == b2.ptr &&
           b2.len == strlen(memo_body) && memcmp(b2.ptr, memo_body, b2.len) == 0,
       "in a review a blob digest is fetched once (%lu requests)",
       wh_registry_client_requests(c) - n);
    ok(wh_registry_client_review_bytes(c) == strlen(memo_body),
       "its bytes count once against the review (%zu)", wh_registry_client_review_bytes(c));
    ok(wh_registry_blob_get(c, &ref, memo_digest, 8, soon(), &a, &b1, &err) == WH_E_LIMIT &&
           strstr(err.msg, "(limit 8)") != NULL,
       "a kept blob asked for with a smaller cap is over it: %s", err.msg);
    n = wh_registry_client_requests(c);
    ok(wh_registry_manifest_get(c, &ref, "v1", soon(), &a, &m, &err) == WH_OK &&
           strcmp(m.digest, good_digest) == 0 &&
           wh_registry_manifest_get(c, &ref, good_digest, soon(), &a, &m, &err) == WH_OK &&
           wh_registry_client_requests(c) - n == 1,
       "a tag's manifest is kept under its digest: the GET by digest is free (%s)", m.digest);
    wh_registry_client_review_end(c);
    ok(wh_registry_client_review_bytes(c) == 0 && !wh_registry_client_in_review(c) &&
           atomic_load(&process_reserved) == 0,
       "the review's end frees what it kept");
    n = wh_registry_client_requests(c);
    ok(wh_registry_blob_get(c, &ref, memo_digest, 1024, soon(), &a, &b1, &err) == WH_OK &&
           wh_registry_client_requests(c) - n == 1,
       "after the review the blob is fetched again");
    wh_arena_fini(&a);
    wh_registry_client_free(c);
}

/* A registry streaming zeros without Content-Length: only the budgets stop the transfer. */
static void
test_review_and_process_budgets_cut_transfers_off(void)
{
    struct fault_registry *f = fault_registry_start(NULL, 0);
    const char *plain[] = {fault_registry_addr(f)};
    struct wh_registry_options o = {
        .plain_http_hosts = plain, .n_plain_http_hosts = 1, .limits = WH_LIMITS_DEFAULT};
    struct wh_image_ref ref = {.registry = fault_registry_addr(f), .repository = "demo/app"};
    struct wh_registry_client *c = NULL;
    struct wh_arena a;
    struct wh_bytes b;
    struct wh_error err = {0};
    enum wh_err rc;

    WH_ASSERT(fault_registry_set(f, "stream", "/blobs/", 0));
    wh_arena_init(&a);
    o.limits.blob_bytes = 8u << 20;
    o.limits.review_bytes = 2u << 20;
    WH_ASSERT(wh_registry_client_new(&o, &c, &err) == WH_OK);
    wh_registry_client_review_begin(c);
    rc = wh_registry_blob_get(c, &ref, memo_digest, 8u << 20, soon(), &a, &b, &err);
    ok(rc == WH_E_LIMIT && strstr(err.msg, "limits.reviewBytes (2097152)") != NULL &&
           strstr(err.msg, "GET blob") != NULL,
       "past limits.reviewBytes the transfer is cut off, naming the limit: %s", err.msg);
    ok(wh_registry_client_review_bytes(c) <= 2u << 20 &&
           atomic_load(&process_reserved) <= (1u << 20),
       "the review read at most its budget (%zu), reserving only past the floor (%zu)",
       wh_registry_client_review_bytes(c), atomic_load(&process_reserved));
    wh_registry_client_review_end(c);
    ok(atomic_load(&process_reserved) == 0, "the review's end returns its reservation");
    wh_registry_client_free(c);

    o.limits.review_bytes = 8u << 20;
    o.limits.process_bytes = 1u << 20;
    WH_ASSERT(wh_registry_client_new(&o, &c, &err) == WH_OK);
    wh_registry_client_review_begin(c);
    rc = wh_registry_blob_get(c, &ref, memo_digest, 8u << 20, soon(), &a, &b, &err);
    ok(rc == WH_E_LIMIT && strstr(err.msg, "limits.processBytes (1048576)") != NULL,
       "past the floor, limits.processBytes cuts the transfer off: %s", err.msg);
    ok(wh_registry_client_review_bytes(c) <= (2u << 20) + 65536,
       "at most floor + processBytes read (%zu)", wh_registry_client_review_bytes(c));
    wh_registry_client_free(c); /* ends the review */
    ok(atomic_load(&process_reserved) == 0, "freeing the client ends its review");
    wh_arena_fini(&a);
    fault_registry_stop(f);
}

int
main(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof(sa);
    pthread_t th;

    listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    WH_ASSERT(listen_fd >= 0 && bind(listen_fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
              listen(listen_fd, 16) == 0 &&
              getsockname(listen_fd, (struct sockaddr *)&sa, &sl) == 0);
    snprintf(registry, sizeof(registry), "127.0.0.1:%d", ntohs(sa.sin_port));
    route("/v2/demo/app/manifests/v1", "200 OK",
          "Content-Type: application/vnd.oci.image.index.v1+json\r\n", GOOD, 0);
    route("/v2/demo/app/manifests/sha256:1111", "200 OK", "", GOOD, 0);
    route("/v2/demo/app/manifests/lying", "200 OK",
          "Docker-Content-Digest: "
          "sha256:2222222222222222222222222222222222222222222222222222222222222222\r\n",
          GOOD, 0);
    route("/v2/demo/app/manifests/garbage", "200 OK", "", "<html>", 0);
    route("/v2/demo/app/manifests/boom", "503 Service Unavailable", "", "", 0);
    route("/v2/demo/app/manifests/slow", "200 OK", "", GOOD, 1500);
    route("/v2/demo/app/manifests/401", "401 Unauthorized", "", "", 0);
    route("/v2/demo/app/blobs/sha256:1111", "200 OK", "", "not the blob", 0);
    route("/v2/demo/app/blobs/sha256:3333", "200 OK", "", "more than ten bytes", 0);
    wh_digest_sha256_str(memo_body, strlen(memo_body), memo_digest);
    snprintf(memo_path, sizeof(memo_path), "/v2/demo/app/blobs/%s", memo_digest);
    route(memo_path, "200 OK", "", memo_body, 0);
    wh_digest_sha256_str(GOOD, strlen(GOOD), good_digest);
    WH_ASSERT(pthread_create(&th, NULL, serve, NULL) == 0);
    pthread_detach(th);

    test_head_without_digest_falls_back_to_get();
    test_lying_registry_is_caught();
    test_caps_statuses_and_deadlines();
    test_bad_options();
    test_ca_file_errors_name_the_client();
    test_review_credentials();
    test_review_fetches_a_digest_once();
    test_review_and_process_budgets_cut_transfers_off();
    return done_testing();
}
