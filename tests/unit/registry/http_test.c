/*
 * The exchange both API clients use, against a loopback server that misbehaves on purpose: caps
 * (2xx, error bodies, Content-Length), the deadline, redirects, https-only, the charge hook, the
 * observer, a secret body; and the TLS trust it is built with (CA bundles per host).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "registry/http.c"
#include "support/fault_registry.h"
#include "support/testca.h"
#include "unit/harness.h"

static struct fault_registry *fr;

static int64_t
soon(void)
{
    return wh_clock_mono_ms() + 5000;
}

static const char *
url(struct wh_arena *a, const char *scheme, const char *path)
{
    return wh_arena_sprintf(a, "%s://%s%s", scheme, fault_registry_addr(fr), path);
}

static struct wh_registry_http *
transport(void)
{
    struct wh_registry_http_options o = {0};
    struct wh_registry_http *h;
    struct wh_error err = {0};

    WH_ASSERT(wh_registry_http_new(&o, &h, &err) == WH_OK);
    return h;
}

static void
test_caps(void)
{
    struct wh_registry_http *h = transport();
    struct wh_arena a;
    struct wh_error err = {0};
    struct wh_registry_http_response r;
    struct wh_registry_http_request q = {
        .url = NULL, .max = 64, .plain_ok = true, .deadline_ms = soon()};

    wh_arena_init(&a);
    q.url = url(&a, "http", "/small");
    memset(&r, 0, sizeof(r));
    ok(wh_registry_http_exchange(h, &q, &a, &r, &err) == WH_OK && r.status == 200 &&
           r.body.len == 5 && memcmp(r.body.ptr, "hello", 6) == 0 && r.heap == NULL &&
           r.content_type != NULL && strcmp(r.content_type, "text/plain") == 0,
       "a 2xx under the cap: body (NUL-terminated, in the arena) and headers: %s", err.msg);
    q.max = 4;
    ok(wh_registry_http_exchange(h, &q, &a, &r, &err) == WH_E_LIMIT &&
           strstr(err.msg, "response body exceeds 4 bytes") != NULL,
       "a 2xx over the cap → limit: %s", err.msg);
    q.url = url(&a, "http", "/big-error");
    q.error_max = 64;
    memset(&r, 0, sizeof(r));
    ok(wh_registry_http_exchange(h, &q, &a, &r, &err) == WH_OK && r.status == 500 && !r.truncated &&
           r.body.len == 36,
       "an error body is read up to error_max, past the 2xx cap (%zu bytes): %s", r.body.len,
       err.msg);
    q.error_max = 8;
    ok(wh_registry_http_exchange(h, &q, &a, &r, &err) == WH_E_LIMIT &&
           strstr(err.msg, "exceeds 8 bytes (Content-Length)") != NULL,
       "an error body announced over error_max → limit: %s", err.msg);
    q.url = url(&a, "http", "/small");
    q.max = 64;
    q.take = true;
    memset(&r, 0, sizeof(r));
    ok(wh_registry_http_exchange(h, &q, &a, &r, &err) == WH_OK && r.heap != NULL &&
           r.heap == r.body.ptr,
       "take: the 2xx body's heap buffer goes to the caller");
    free(r.heap);
    q.take = false;
    WH_ASSERT(fault_registry_set(fr, "oversized", "/small", 1));
    ok(wh_registry_http_exchange(h, &q, &a, &r, &err) == WH_E_LIMIT &&
           strstr(err.msg, "(Content-Length)") != NULL,
       "a Content-Length over the cap → limit before the body: %s", err.msg);
    WH_ASSERT(fault_registry_set(fr, "stream", "/small", 1));
    ok(wh_registry_http_exchange(h, &q, &a, &r, &err) == WH_E_LIMIT,
       "a body without Content-Length that never ends → limit: %s", err.msg);
    WH_ASSERT(fault_registry_set(fr, NULL, NULL, 0));
    wh_registry_http_free(h);
    wh_arena_fini(&a);
}

static void
test_deadline_and_transport_errors(void)
{
    struct wh_registry_http *h = transport();
    struct wh_arena a;
    struct wh_error err = {0};
    struct wh_registry_http_response r;
    struct wh_registry_http_request q = {.max = 64, .plain_ok = true};
    unsigned long before;

    wh_arena_init(&a);
    q.url = url(&a, "http", "/small");
    q.deadline_ms = wh_clock_mono_ms() - 1;
    before = wh_registry_http_requests(h);
    ok(wh_registry_http_exchange(h, &q, &a, &r, &err) == WH_E_TIMEOUT &&
           strstr(err.msg, "deadline passed before the request was sent") != NULL &&
           wh_registry_http_requests(h) == before,
       "a passed deadline → timeout, nothing sent: %s", err.msg);
    WH_ASSERT(fault_registry_set(fr, "slow:1500", "/small", 1));
    q.deadline_ms = wh_clock_mono_ms() + 200;
    ok(wh_registry_http_exchange(h, &q, &a, &r, &err) == WH_E_TIMEOUT &&
           strstr(err.msg, "timed out") != NULL,
       "a slow answer → timeout at the deadline: %s", err.msg);
    WH_ASSERT(fault_registry_set(fr, "reset", "/small", 1));
    q.deadline_ms = soon();
    memset(&r, 0, sizeof(r));
    ok(wh_registry_http_exchange(h, &q, &a, &r, &err) == WH_E_UNAVAILABLE && r.transient,
       "a reset connection → unavailable, worth a retry: %s", err.msg);
    q.plain_ok = false;
    memset(&r, 0, sizeof(r));
    ok(wh_registry_http_exchange(h, &q, &a, &r, &err) == WH_E_UNAVAILABLE && !r.transient,
       "http:// where only https is allowed → unavailable, not retried: %s", err.msg);
    q.url = url(&a, "https", "/small");
    memset(&r, 0, sizeof(r));
    ok(wh_registry_http_exchange(h, &q, &a, &r, &err) == WH_E_UNAVAILABLE && !r.transient,
       "TLS to a server that does not speak it → unavailable: %s", err.msg);
    WH_ASSERT(fault_registry_set(fr, NULL, NULL, 0));
    wh_registry_http_free(h);
    wh_arena_fini(&a);
}

static void
test_redirects(void)
{
    struct wh_registry_http *h = transport();
    struct wh_arena a;
    struct wh_error err = {0};
    struct wh_registry_http_response r;
    struct wh_registry_http_request q = {.max = 64, .plain_ok = true, .deadline_ms = soon()};

    wh_arena_init(&a);
    q.url = url(&a, "http", "/small");
    WH_ASSERT(fault_registry_set(fr, "redirect", "/small", 0));
    memset(&r, 0, sizeof(r));
    ok(wh_registry_http_exchange(h, &q, &a, &r, &err) == WH_OK && r.status == 307,
       "not following: the redirect is the answer (%ld): %s", r.status, err.msg);
    q.follow = true;
    ok(wh_registry_http_exchange(h, &q, &a, &r, &err) == WH_E_UNAVAILABLE,
       "a redirect loop ends after 5: %s", err.msg);
    WH_ASSERT(fault_registry_set(fr, NULL, NULL, 0));
    wh_registry_http_free(h);
    wh_arena_fini(&a);
}

struct seen {
    size_t charged;
    size_t refuse_after;
    char host[64];
    long status;
};

static bool
charge_fn(void *arg, size_t n, struct wh_error *err)
{
    struct seen *s = arg;

    if (s->charged + n > s->refuse_after) {
        wh_error_set(err, WH_E_LIMIT, "budget of %zu bytes spent", s->refuse_after);
        return false;
    }
    s->charged += n;
    return true;
}

static void
observe_fn(void *arg, const char *host, long status)
{
    struct seen *s = arg;

    snprintf(s->host, sizeof(s->host), "%s", host);
    s->status = status;
}

static void
test_hooks_and_secret_bodies(void)
{
    struct wh_registry_http *h = transport();
    struct wh_arena a;
    struct wh_error err = {0};
    struct wh_registry_http_response r;
    struct wh_registry_http_request q = {.max = 64, .plain_ok = true, .deadline_ms = soon()};
    struct seen s = {.refuse_after = 1000};

    wh_arena_init(&a);
    wh_registry_http_set_charge(h, charge_fn, &s);
    wh_registry_http_set_observer(h, observe_fn, &s);
    q.url = wh_arena_sprintf(&a, "http://user:pw@%s/small", fault_registry_addr(fr));
    memset(&r, 0, sizeof(r));
    ok(wh_registry_http_exchange(h, &q, &a, &r, &err) == WH_OK && s.charged == 5 &&
           strcmp(s.host, fault_registry_addr(fr)) == 0 && s.status == 200,
       "every body byte is charged; the observer sees the host without credentials (%s)", s.host);
    s.refuse_after = 7;
    ok(wh_registry_http_exchange(h, &q, &a, &r, &err) == WH_E_LIMIT &&
           strcmp(err.msg, "budget of 7 bytes spent") == 0,
       "a refused charge cuts the transfer off with the hook's error: %s", err.msg);
    wh_registry_http_set_charge(h, NULL, NULL);
    q.secret = true;
    memset(&r, 0, sizeof(r));
    ok(wh_registry_http_exchange(h, &q, &a, &r, &err) == WH_OK && r.body.len == 5 &&
           memcmp(r.body.ptr, "hello", 6) == 0,
       "a secret body arrives whole and NUL-terminated: %s", err.msg);
    wh_registry_http_free(h);
    wh_arena_fini(&a);
}

static const char *
write_file(struct wh_arena *a, const char *dir, const char *name, const char *text)
{
    char *p = wh_arena_sprintf(a, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");

    if (f != NULL) {
        fputs(text, f);
        fclose(f);
    }
    return p;
}

static void
test_per_registry_ca_files(void)
{
    char dir[] = "/tmp/http_test_ca.XXXXXX";
    struct wh_arena a;
    EVP_PKEY *k1, *k2;
    char *pem1, *pem2, *both;
    const char *hosts[2] = {"r.example:5000", "Other.Example"};
    const char *files[2];
    struct wh_registry_http_options o = {.ca_hosts = hosts, .ca_files = files, .n_ca_files = 2};
    struct wh_registry_http *c = NULL;
    struct wh_error err = {0};
    time_t now = time(NULL);

    wh_arena_init(&a);
    if (mkdtemp(dir) == NULL) {
        ok(0, "mkdtemp");
        return;
    }
    k1 = EVP_EC_gen("P-256");
    k2 = EVP_EC_gen("P-256");
    pem1 = testca_pem(testca_root_new(k1, "ca one", now - 60, now + 3600, &a), &a);
    pem2 = testca_pem(testca_root_new(k2, "ca two", now - 60, now + 3600, &a), &a);
    both = wh_arena_sprintf(&a, "# a comment\n%s%s", pem1, pem2);
    files[0] = write_file(&a, dir, "both.pem", both);
    files[1] = write_file(&a, dir, "one.pem", pem1);
    o.ca_file = write_file(&a, dir, "global.pem", pem2);
    ok(wh_registry_http_new(&o, &c, &err) == WH_OK && c->n_cas == 3 && c->cas[0].host == NULL &&
           sk_X509_num(c->cas[0].certs) == 1 && strcmp(c->cas[1].host, "r.example:5000") == 0 &&
           sk_X509_num(c->cas[1].certs) == 2 && strcmp(c->cas[2].host, "Other.Example") == 0 &&
           sk_X509_num(c->cas[2].certs) == 1,
       "global caFile and two per-registry bundles load (every certificate of a file): %s",
       err.msg);
    wh_registry_http_free(c);

    o.ca_file = NULL;
    files[1] = "/nonexistent/ca.pem";
    ok(wh_registry_http_new(&o, &c, &err) == WH_E_INVALID &&
           strcmp(err.msg, "cannot open CA file /nonexistent/ca.pem for Other.Example") == 0,
       "missing per-registry CA file → invalid, names file and host: %s", err.msg);
    files[1] = write_file(&a, dir, "empty.pem", "no certificates here\n");
    ok(wh_registry_http_new(&o, &c, &err) == WH_E_INVALID &&
           strstr(err.msg, "empty.pem for Other.Example: no PEM certificate") != NULL,
       "CA file without a certificate → invalid: %s", err.msg);
    files[1] = write_file(&a, dir, "bad.pem",
                          "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
    ok(wh_registry_http_new(&o, &c, &err) == WH_E_INVALID &&
           strstr(err.msg, "bad.pem for Other.Example: malformed certificate") != NULL,
       "malformed certificate in a CA file → invalid: %s", err.msg);
    files[1] = write_file(&a, dir, "cut.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n");
    ok(wh_registry_http_new(&o, &c, &err) == WH_E_INVALID &&
           strstr(err.msg, "cut.pem for Other.Example") != NULL,
       "truncated PEM → invalid: %s", err.msg);
    files[1] = files[0];
    hosts[1] = "";
    ok(wh_registry_http_new(&o, &c, &err) == WH_E_INVALID &&
           strstr(err.msg, "empty or over-long registry host") != NULL,
       "empty registry host → invalid: %s", err.msg);
    hosts[1] = "Other.Example";

    /* Which connections a bundle applies to: the authority connected to, ":443" implied. */
    ok(ca_host_matches("other.example", tls_authority(wh_str_c("OTHER.example:443"))),
       "host match ignores case and a default :443");
    ok(ca_host_matches("other.example:443", tls_authority(wh_str_c("other.example"))),
       "a :443 key matches the bare host");
    ok(!ca_host_matches("r.example:5000", tls_authority(wh_str_c("r.example"))),
       "the port is part of the host");
    ok(!ca_host_matches("r.example", tls_authority(wh_str_c("r.example:4430"))),
       ":4430 is not :443");
    ok(!ca_host_matches("r.example", tls_authority(wh_str_c("r.example.evil"))),
       "no prefix matches");
    ok(ca_host_matches("r.example",
                       tls_authority(wh_registry_http_url_host("https://u:p@r.example/v2/"))),
       "userinfo of a redirect URL is not the host");
    ok(!ca_host_matches("r.example", tls_authority(wh_registry_http_url_host(
                                         "https://r.example@evil.example/"))),
       "userinfo that looks like the host does not match");

    EVP_PKEY_free(k1);
    EVP_PKEY_free(k2);
    unlink(wh_arena_sprintf(&a, "%s/both.pem", dir));
    unlink(wh_arena_sprintf(&a, "%s/one.pem", dir));
    unlink(wh_arena_sprintf(&a, "%s/global.pem", dir));
    unlink(wh_arena_sprintf(&a, "%s/empty.pem", dir));
    unlink(wh_arena_sprintf(&a, "%s/bad.pem", dir));
    unlink(wh_arena_sprintf(&a, "%s/cut.pem", dir));
    rmdir(dir);
    wh_arena_fini(&a);
}

int
main(void)
{
    fr = fault_registry_start(NULL, 0);
    fault_registry_route(fr, "/small", 200, "Content-Type: text/plain\r\n", "hello");
    fault_registry_route(fr, "/big-error", 500, "", "0123456789abcdefghijklmnopqrstuvwxyz");
    test_caps();
    test_deadline_and_transport_errors();
    test_redirects();
    test_hooks_and_secret_bodies();
    test_per_registry_ca_files();
    fault_registry_stop(fr);
    return done_testing();
}
