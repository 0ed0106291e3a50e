/*
 * Retry decisions, Retry-After parsing, backoff bounds and the per-registry slots; then the
 * client's retry loop and concurrency cap against tests/support/fault_registry.c (real sockets,
 * real curl): 429-then-200 succeeds, a Retry-After past the deadline fails at once, resets are
 * retried, 5xx gives up after max_attempts, truncated and oversized bodies are refused.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/digest.h"
#include "registry/client.h"
#include "registry/retry.h"
#include "support/fault_registry.h"
#include "unit/harness.h"
#include "unit/registry/plain_client.h"

static const char INDEX[] =
    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
    "\"manifests\":[]}";

static void
test_retry_after_parse(void)
{
    struct wh_error err = {0};
    int64_t ms = -1;
    time_t now = 784111777; /* Sun, 06 Nov 1994 08:49:37 GMT */

    ok(wh_registry_retry_after_parse(WH_STR("120"), now, &ms, &err) == WH_OK && ms == 120000,
       "delay-seconds 120 → 120000 ms (%lld)", (long long)ms);
    ok(wh_registry_retry_after_parse(WH_STR(" 0 "), now, &ms, &err) == WH_OK && ms == 0,
       "0 with blanks → 0");
    ok(wh_registry_retry_after_parse(WH_STR("Sun, 06 Nov 1994 08:49:47 GMT"), now, &ms, &err) ==
               WH_OK &&
           ms == 10000,
       "IMF-fixdate 10 s ahead → 10000 ms (%lld)", (long long)ms);
    ok(wh_registry_retry_after_parse(WH_STR("Sunday, 06-Nov-94 08:49:57 GMT"), now, &ms, &err) ==
               WH_OK &&
           ms == 20000,
       "RFC 850 date → 20000 ms (%lld)", (long long)ms);
    ok(wh_registry_retry_after_parse(WH_STR("Sun Nov  6 08:49:38 1994"), now, &ms, &err) == WH_OK &&
           ms == 1000,
       "asctime date → 1000 ms (%lld)", (long long)ms);
    ok(wh_registry_retry_after_parse(WH_STR("Sun, 06 Nov 1994 08:00:00 GMT"), now, &ms, &err) ==
               WH_OK &&
           ms == 0,
       "a date in the past → 0");
    ok(wh_registry_retry_after_parse(WH_STR("Sun Nov  6 08:49:37 5994"), now, &ms, &err) == WH_OK &&
           ms == 9999999999LL * 1000,
       "a date in the year 5994 is clamped to 10 digits of seconds");
    ok(wh_registry_retry_after_parse(WH_STR("-5"), now, &ms, &err) == WH_E_INVALID &&
           strstr(err.msg, "Retry-After: not a number or an HTTP date") != NULL,
       "negative → invalid: %s", err.msg);
    ok(wh_registry_retry_after_parse(WH_STR("12345678901"), now, &ms, &err) == WH_E_INVALID &&
           strstr(err.msg, "11 digits") != NULL,
       "11 digits → invalid: %s", err.msg);
    ok(wh_registry_retry_after_parse(WH_STR(""), now, &ms, &err) == WH_E_INVALID &&
           strstr(err.msg, "empty") != NULL,
       "empty → invalid");
    ok(wh_registry_retry_after_parse(WH_STR("Sun, 06 Nov 1994 08:49:47 GMT trailing garbage"), now,
                                     &ms, &err) == WH_E_INVALID,
       "trailing garbage after a date → invalid");
    ok(wh_registry_retry_after_parse(
           WH_STR("Sun, 06 Nov 1994 08:49:47 GMT Sun, 06 Nov 1994 08:49:47 GMT xxxxxxxxxx"), now,
           &ms, &err) == WH_E_INVALID &&
           strstr(err.msg, "too long") != NULL,
       "over 64 bytes → invalid (too long)");
}

static void
test_backoff_and_statuses(void)
{
    struct wh_registry_retry r = {0};
    uint64_t rng = 42;
    bool in_range = true;

    wh_registry_retry_defaults(&r);
    ok(r.max_attempts == 4 && r.base_ms == 200 && r.max_wait_ms == 10000, "defaults 4/200/10000");
    for (unsigned attempt = 1; attempt <= 12; attempt++)
        for (int i = 0; i < 100; i++) {
            int64_t ceiling = 200LL << (attempt - 1), w;

            if (ceiling > 10000)
                ceiling = 10000;
            w = wh_registry_retry_backoff_ms(&r, attempt, &rng);
            if (w < ceiling / 2 || w > ceiling)
                in_range = false;
        }
    ok(in_range, "backoff of attempt n is in [min(200·2^(n-1),10000)/2, that]");
    ok(wh_registry_retry_status(429) && wh_registry_retry_status(503) &&
           wh_registry_retry_status(500) && !wh_registry_retry_status(404) &&
           !wh_registry_retry_status(401) && !wh_registry_retry_status(501),
       "429/500/502/503/504 retried; 401, 404, 501 not");
}

static void *
hold_slot(void *arg)
{
    struct wh_error err = {0};

    (void)arg;
    if (wh_registry_slot_acquire("slots.test", 1, wh_clock_mono_ms() + 2000, &err) == WH_OK)
        wh_registry_slot_release("slots.test");
    return NULL;
}

static void
test_slots(void)
{
    struct wh_error err = {0};
    int64_t t0;
    pthread_t th;

    ok(wh_registry_slot_acquire("slots.test", 2, wh_clock_mono_ms() + 100, &err) == WH_OK &&
           wh_registry_slot_acquire("slots.test", 2, wh_clock_mono_ms() + 100, &err) == WH_OK,
       "two slots of two");
    ok(wh_registry_slot_in_flight("slots.test") == 2, "two in flight");
    t0 = wh_clock_mono_ms();
    ok(wh_registry_slot_acquire("slots.test", 2, wh_clock_mono_ms() + 150, &err) == WH_E_TIMEOUT &&
           strstr(err.msg, "waiting for a request slot to slots.test (2 in flight") != NULL,
       "a third waits until the deadline → timeout: %s", err.msg);
    ok(wh_clock_mono_ms() - t0 >= 140 && wh_clock_mono_ms() - t0 < 1000,
       "it waited about the deadline (%lld ms)", (long long)(wh_clock_mono_ms() - t0));
    ok(wh_registry_slot_acquire("other.test", 2, wh_clock_mono_ms() + 100, &err) == WH_OK,
       "another host is not capped by this one");
    wh_registry_slot_release("other.test");
    wh_registry_slot_release("slots.test");
    pthread_create(&th, NULL, hold_slot, NULL);
    pthread_join(th, NULL);
    wh_registry_slot_release("slots.test");
    ok(wh_registry_slot_in_flight("slots.test") == 0, "released slots are free again");
}

/* ---- the client against the fault registry ---- */

static struct fault_registry *fr;

static struct wh_registry_client *
client(unsigned max_concurrent)
{
    return plain_client(
        fault_registry_addr(fr),
        (struct wh_registry_options){.limits = WH_LIMITS_DEFAULT,
                                     .retry = {.base_ms = 20},
                                     .max_concurrent_per_registry = max_concurrent});
}

static void
test_client_retries(void)
{
    struct wh_registry_client *c = client(0);
    struct wh_image_ref ref = {fault_registry_addr(fr), "demo/app", "v1", NULL};
    struct wh_registry_manifest m;
    struct wh_arena a;
    struct wh_error err = {0};
    enum wh_err rc;
    int64_t t0;

    wh_arena_init(&a);
    WH_ASSERT(fault_registry_set(fr, "429:1", "/manifests/", 1));
    t0 = wh_clock_mono_ms();
    ok(wh_registry_manifest_get(c, &ref, "v1", wh_clock_mono_ms() + 5000, &a, &m, &err) == WH_OK,
       "429 (Retry-After: 1) then 200 → ok: %s", err.msg);
    ok(wh_clock_mono_ms() - t0 >= 950 && wh_registry_client_retries(c) == 1,
       "it waited the Retry-After second (%lld ms) and retried once",
       (long long)(wh_clock_mono_ms() - t0));

    WH_ASSERT(fault_registry_set(fr, "429:30", "/manifests/", 0));
    t0 = wh_clock_mono_ms();
    ok(wh_registry_manifest_get(c, &ref, "v1", wh_clock_mono_ms() + 3000, &a, &m, &err) ==
               WH_E_UNAVAILABLE &&
           strstr(err.msg, "/demo/app: GET manifest v1: HTTP 429 (TOOMANYREQUESTS)") != NULL &&
           strstr(err.msg, "not retried: Retry-After 30 wait 30000 ms") != NULL,
       "Retry-After past the deadline → fail at once, naming image and status: %s", err.msg);
    ok(wh_clock_mono_ms() - t0 < 500, "without waiting (%lld ms)",
       (long long)(wh_clock_mono_ms() - t0));

    WH_ASSERT(fault_registry_set(fr, "503", "/manifests/", 0));
    fault_registry_reset_stats(fr);
    ok(wh_registry_manifest_get(c, &ref, "v1", wh_clock_mono_ms() + 5000, &a, &m, &err) ==
               WH_E_UNAVAILABLE &&
           strstr(err.msg, "HTTP 503 (UNAVAILABLE) (after 4 attempts)") != NULL,
       "503 every time → unavailable after 4 attempts: %s", err.msg);
    ok(fault_registry_requests(fr) == 4, "4 requests reached the server (%lu)",
       fault_registry_requests(fr));

    WH_ASSERT(fault_registry_set(fr, "500", "/manifests/", 0));
    t0 = wh_clock_mono_ms();
    /* Either the 500 came back and the backoff would pass the deadline (unavailable at once),
     * or, on a loaded machine, the first request itself used up the 60 ms (timeout): both end
     * by the deadline, never after a backoff sleep past it. */
    rc = wh_registry_manifest_get(c, &ref, "v1", wh_clock_mono_ms() + 60, &a, &m, &err);
    ok(((rc == WH_E_UNAVAILABLE && strstr(err.msg, "HTTP 500") != NULL) || rc == WH_E_TIMEOUT) &&
           wh_clock_mono_ms() - t0 < 1000,
       "500 with a tight deadline → fails by the deadline: %s", err.msg);

    WH_ASSERT(fault_registry_set(fr, "reset", "/manifests/", 2));
    ok(wh_registry_manifest_get(c, &ref, "v1", wh_clock_mono_ms() + 5000, &a, &m, &err) == WH_OK,
       "two reset connections, then 200 → ok: %s", err.msg);

    WH_ASSERT(fault_registry_set(fr, "404", "/manifests/", 0) == false);
    WH_ASSERT(fault_registry_set(fr, "truncated", "/manifests/", 0));
    ok(wh_registry_manifest_get(c, &ref, "v1", wh_clock_mono_ms() + 5000, &a, &m, &err) ==
               WH_E_UNAVAILABLE &&
           strstr(err.msg, "GET manifest v1") != NULL && strstr(err.msg, "(after 4 attempts)"),
       "truncated body every time → unavailable after retries: %s", err.msg);

    WH_ASSERT(fault_registry_set(fr, "oversized", "/manifests/", 0));
    ok(wh_registry_manifest_get(c, &ref, "v1", wh_clock_mono_ms() + 5000, &a, &m, &err) ==
               WH_E_LIMIT &&
           strstr(err.msg, "exceeds") != NULL,
       "1 GiB Content-Length → limit, not retried: %s", err.msg);
    WH_ASSERT(fault_registry_set(fr, "stream", "/manifests/", 0));
    ok(wh_registry_manifest_get(c, &ref, "v1", wh_clock_mono_ms() + 5000, &a, &m, &err) ==
           WH_E_LIMIT,
       "endless body without Content-Length → limit: %s", err.msg);

    WH_ASSERT(fault_registry_set(fr, "slow:3000", "/manifests/", 0));
    t0 = wh_clock_mono_ms();
    ok(wh_registry_manifest_get(c, &ref, "v1", wh_clock_mono_ms() + 300, &a, &m, &err) ==
               WH_E_TIMEOUT &&
           wh_clock_mono_ms() - t0 < 600,
       "slow server → timeout at the deadline, not retried: %s", err.msg);
    WH_ASSERT(fault_registry_set(fr, "none", "", 0));
    wh_registry_client_free(c);
    wh_arena_fini(&a);
}

struct worker_arg {
    int64_t deadline;
    enum wh_err rc;
};

static void *
worker(void *arg)
{
    struct worker_arg *w = arg;
    struct wh_registry_client *c = client(2);
    struct wh_image_ref ref = {fault_registry_addr(fr), "demo/app", "v1", NULL};
    struct wh_registry_manifest m;
    struct wh_arena a;
    struct wh_error err = {0};

    wh_arena_init(&a);
    w->rc = wh_registry_manifest_get(c, &ref, "v1", w->deadline, &a, &m, &err);
    wh_arena_fini(&a);
    wh_registry_client_free(c);
    return NULL;
}

static void
test_concurrency_cap(void)
{
    pthread_t th[6];
    struct worker_arg args[6];
    bool all_ok = true;

    WH_ASSERT(fault_registry_set(fr, "slow:150", "/manifests/", 0));
    fault_registry_reset_stats(fr);
    for (int i = 0; i < 6; i++) {
        args[i].deadline = wh_clock_mono_ms() + 5000;
        pthread_create(&th[i], NULL, worker, &args[i]);
    }
    for (int i = 0; i < 6; i++) {
        pthread_join(th[i], NULL);
        all_ok = all_ok && args[i].rc == WH_OK;
    }
    ok(all_ok, "six workers, cap 2 per registry: all succeed");
    ok(fault_registry_max_in_flight(fr) == 2, "the server never saw more than 2 at once (%u)",
       fault_registry_max_in_flight(fr));
    WH_ASSERT(fault_registry_set(fr, "none", "", 0));
}

int
main(void)
{
    char hdr[128];

    signal(SIGPIPE, SIG_IGN);
    test_retry_after_parse();
    test_backoff_and_statuses();
    test_slots();
    fr = fault_registry_start(NULL, 0);
    snprintf(hdr, sizeof(hdr), "Content-Type: application/vnd.oci.image.index.v1+json\r\n");
    fault_registry_route(fr, "/v2/demo/app/manifests/v1", 200, hdr, INDEX);
    test_concurrency_cap(); /* first: test_client_retries leaves a slow answer sleeping */
    test_client_retries();
    fault_registry_stop(fr);
    return done_testing();
}
