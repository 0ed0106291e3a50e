/*
 * registry/curl_lib.c: libcurl is not loaded when the process starts; the first use loads it once
 * (one table, whichever threads race to it); a library that does not load, or one older than the
 * headers, is refused with what failed and what to install, an image check then fails closed
 * (WH_E_INTERNAL: denied although onError says allow) and the next use tries again. The test
 * #includes the module to name a missing library and a newer minimum version (release builds have
 * neither knob); the refusals run first, while libcurl is still unloaded.
 */
#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *load_name = "libcurl.so.4";
static unsigned int min_version = LIBCURL_VERSION_NUM;
static long load_delay_ms; /* a slow first load (a cold page cache, a loaded machine) */

static const char *
name_after_delay(void)
{
    struct timespec ts = {.tv_sec = load_delay_ms / 1000,
                          .tv_nsec = load_delay_ms % 1000 * 1000000};

    while (load_delay_ms > 0 && nanosleep(&ts, &ts) != 0)
        ;
    return load_name;
}
#define WH_REGISTRY_CURL_LOAD_NAME name_after_delay()
#define WH_REGISTRY_CURL_MIN_VERSION min_version
#include "registry/curl_lib.c"

#include "base/clock.h"
#include "pipeline/image_check.h"
#include "policy/policy.h"
#include "registry/client.h"
#include "registry/http.h"
#include "support/fault_registry.h"
#include "support/testsign.h"
#include "unit/harness.h"

#define MISSING "libdriftgate-test-absent.so.4"
#define THREADS 8

static struct wh_limits lim = WH_LIMITS_DEFAULT;

static bool
is_loaded(void)
{
    void *dl = dlopen(WH_REGISTRY_CURL_SONAME, RTLD_NOW | RTLD_NOLOAD);

    if (dl != NULL)
        dlclose(dl);
    return dl != NULL;
}

static bool
has(const char *s, const char *sub)
{
    return s != NULL && strstr(s, sub) != NULL;
}

/* A policy admitting 127.0.0.1:1/demo/app signed by a fresh key, with onError: allow. */
static struct wh_policy *
policy_on_error_allow(struct wh_arena *a)
{
    struct wh_bytes pem = testsign_pubkey_pem(testsign_key_new("ec-p256", a), a);
    struct wh_buf yaml;
    struct wh_policy *p = NULL;
    struct wh_error err = {0};

    wh_buf_init(&yaml, 1 << 16);
    wh_buf_append_c(&yaml, "apiVersion: driftgate.dev/v1alpha1\nkind: Policy\nspec:\n"
                           "  defaults: {onError: allow}\n"
                           "  signers:\n    ci-key:\n      transparencyLog: optional\n"
                           "      key:\n        pem: |\n");
    for (size_t i = 0; i < pem.len; i++) {
        if (i == 0 || pem.ptr[i - 1] == '\n')
            wh_buf_append_c(&yaml, "          ");
        wh_buf_append(&yaml, &pem.ptr[i], 1);
    }
    wh_buf_append_c(&yaml, "  images:\n    - name: app\n      match: [\"127.0.0.1:1/demo/app\"]\n"
                           "      signatures: {signedBy: [ci-key]}\n");
    if (wh_policy_parse((struct wh_bytes){(const unsigned char *)yaml.ptr, yaml.len}, "t.yaml",
                        NULL, &lim, &p, &err) != WH_OK)
        printf("# policy: %s\n", err.msg);
    wh_buf_fini(&yaml);
    return p;
}

/* A pod with one image, checked and judged as a review does it (pipeline/image_check.c). */
static void
review_pod(const struct wh_policy *p, struct wh_registry_client *client, struct wh_arena *a,
           struct wh_decision *d)
{
    struct wh_admission_image img = {
        .path = "spec.containers[0].image", .image = "127.0.0.1:1/demo/app:v1", .container = "app"};
    struct wh_admission_request req = {.uid = "u",
                                       .operation = "CREATE",
                                       .kind = "Pod",
                                       .images = &img,
                                       .n_images = 1,
                                       .has_object = true};
    struct wh_image_check_ctx ctx = {.policy = p,
                                     .registry = client,
                                     .registry_error = "",
                                     .limits = &lim,
                                     .deadline_ms = wh_clock_mono_ms() + 5000,
                                     .now = wh_clock_wall(),
                                     .arena = a,
                                     .generation = wh_policy_generation(p)};

    wh_decision_init(d, a);
    wh_pipeline_image_check_request(&ctx, &req, d);
    wh_policy_finish(d);
}

static void
test_missing_library_fails_closed(void)
{
    const struct wh_registry_curl *t = NULL;
    struct wh_error err = {0};
    struct wh_registry_options o;
    struct wh_registry_client *client;
    struct wh_registry_http *h;
    struct wh_registry_http_options ho = {0};
    struct wh_registry_http_request q = {
        .url = "http://127.0.0.1:1/v2/", .max = 64, .plain_ok = true};
    struct wh_registry_http_response resp;
    struct wh_decision d;
    struct wh_policy *p;
    struct wh_arena a;
    const char *hosts[] = {"127.0.0.1:1"};

    ok(!is_loaded(), "libcurl is not loaded when the process starts");
    load_name = MISSING;
    ok(wh_registry_curl_load(&t, &err) == WH_E_INTERNAL &&
           has(err.msg, MISSING " could not be loaded: ") &&
           has(err.msg, "cannot open shared object file") &&
           has(err.msg, "; install the libcurl4 package"),
       "a library that does not load: WH_E_INTERNAL, what failed and what to install: %s", err.msg);

    wh_arena_init(&a);
    WH_ASSERT(wh_registry_http_new(&ho, &h, &err) == WH_OK);
    q.deadline_ms = wh_clock_mono_ms() + 5000;
    memset(&resp, 0, sizeof(resp));
    ok(wh_registry_http_exchange(h, &q, &a, &resp, &err) == WH_E_INTERNAL &&
           has(err.msg, MISSING " could not be loaded") && wh_registry_http_requests(h) == 0,
       "a transport is made without libcurl; its exchange fails with that error, nothing sent: "
       "%s",
       err.msg);
    wh_registry_http_free(h);

    memset(&o, 0, sizeof(o));
    o.plain_http_hosts = hosts;
    o.n_plain_http_hosts = 1;
    o.limits = lim;
    WH_ASSERT(wh_registry_client_new(&o, &client, &err) == WH_OK);
    p = policy_on_error_allow(&a);
    WH_ASSERT(p != NULL);
    review_pod(p, client, &a, &d);
    ok(!d.allowed && d.n_denials == 1 && has(d.denials[0], "could not be checked: ") &&
           has(d.denials[0], "127.0.0.1:1/demo/app") &&
           has(d.denials[0], MISSING " could not be loaded") &&
           has(d.denials[0], "install the libcurl4 package") && !has(d.denials[0], "onError"),
       "the image's registry error is the load failure, and it is denied although onError says "
       "allow (an installation defect, not an outage): %s",
       d.n_denials > 0 ? d.denials[0] : "allowed");
    wh_policy_unref(p);
    wh_registry_client_free(client);
    wh_arena_fini(&a);
    ok(!is_loaded(), "still not loaded");
}

static void
test_older_library_is_refused(void)
{
    const struct wh_registry_curl *t = NULL;
    struct wh_error err = {0};

    load_name = WH_REGISTRY_CURL_SONAME;
    min_version = LIBCURL_VERSION_NUM + 1;
    ok(wh_registry_curl_load(&t, &err) == WH_E_INTERNAL &&
           has(err.msg, "is libcurl " LIBCURL_VERSION ", older than ") &&
           has(err.msg, "upgrade the libcurl4 package"),
       "a libcurl older than the headers driftgate was built with is refused: %s", err.msg);
    min_version = LIBCURL_VERSION_NUM;
}

struct racer {
    pthread_barrier_t *go;
    const struct wh_registry_curl *t;
    enum wh_err rc;
};

static void *
race_to_load(void *arg)
{
    struct racer *r = arg;
    struct wh_error err = {0};

    pthread_barrier_wait(r->go);
    r->rc = wh_registry_curl_load(&r->t, &err);
    return NULL;
}

static void
test_first_use_loads_once(void)
{
    pthread_t th[THREADS];
    struct racer r[THREADS];
    pthread_barrier_t go;
    const struct wh_registry_curl *again = NULL;
    struct wh_error err = {0};
    bool same = true;

    pthread_barrier_init(&go, NULL, THREADS);
    for (int i = 0; i < THREADS; i++) {
        r[i] = (struct racer){.go = &go};
        WH_ASSERT(pthread_create(&th[i], NULL, race_to_load, &r[i]) == 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        same = same && r[i].rc == WH_OK && r[i].t == r[0].t && r[0].t != NULL;
    }
    pthread_barrier_destroy(&go);
    ok(same, "%d threads racing to the first use, after the refusals: each gets the one table",
       THREADS);
    ok(is_loaded() && r[0].t->easy_init != NULL && r[0].t->slist_free_all != NULL,
       "libcurl is loaded now, its functions resolved");
    ok(wh_registry_curl_load(&again, &err) == WH_OK && again == r[0].t,
       "a later use returns the same table");
}

/* The first request of a process loads libcurl before its transfer starts; curl's timeout is
 * what is left of the deadline after the load, so the answer still comes at the deadline (it
 * came a load late: a review's denial past its budget, an apiserver giving up first). */
static void
test_first_request_keeps_its_deadline(void)
{
    struct fault_registry *fr = fault_registry_start(NULL, 0);
    struct wh_registry_http_options o = {0};
    struct wh_registry_http *h;
    struct wh_registry_http_request q = {.max = 64, .plain_ok = true};
    struct wh_registry_http_response r = {0};
    struct wh_arena a;
    struct wh_error err = {0};
    int64_t late;

    wh_arena_init(&a);
    fault_registry_route(fr, "/slow", 200, "", "late");
    WH_ASSERT(fault_registry_set(fr, "slow:3000", "/slow", 1));
    WH_ASSERT(wh_registry_http_new(&o, &h, &err) == WH_OK);
    q.url = wh_arena_sprintf(&a, "http://%s/slow", fault_registry_addr(fr));
    atomic_store(&ready, NULL); /* unloaded again: this exchange makes the first handle */
    load_delay_ms = 400;
    q.deadline_ms = wh_clock_mono_ms() + 800;
    ok(wh_registry_http_exchange(h, &q, &a, &r, &err) == WH_E_TIMEOUT && has(err.msg, "timed out"),
       "a slow answer after a slow first load: timeout: %s", err.msg);
    late = wh_clock_mono_ms() - q.deadline_ms;
    load_delay_ms = 0;
    ok(late < 150, "...at the deadline, not a load's 400 ms after it (%lld ms late)",
       (long long)late);
    wh_registry_http_free(h);
    fault_registry_stop(fr);
    wh_arena_fini(&a);
}

/* http.c's escape against libcurl's own curl_easy_escape, every byte value. */
static void
test_escape_matches_curl(void)
{
    void *dl = dlopen(WH_REGISTRY_CURL_SONAME, RTLD_NOW | RTLD_NOLOAD);
    char *(*escape)(CURL *, const char *, int) = NULL;
    void (*release)(void *) = NULL;
    void *sym;
    char in[257];
    struct wh_arena a;
    char *ours, *theirs;

    WH_ASSERT(dl != NULL);
    sym = dlsym(dl, "curl_easy_escape");
    memcpy(&escape, &sym, sizeof(sym));
    sym = dlsym(dl, "curl_free");
    memcpy(&release, &sym, sizeof(sym));
    WH_ASSERT(escape != NULL && release != NULL);
    for (int i = 1; i < 256; i++)
        in[i - 1] = (char)i;
    in[255] = '\0';
    wh_arena_init(&a);
    ours = wh_registry_http_escape(in, &a);
    theirs = escape(NULL, in, 0);
    ok(theirs != NULL && strcmp(ours, theirs) == 0,
       "wh_registry_http_escape equals curl_easy_escape over bytes 1..255 (%zu chars)",
       strlen(ours));
    ok(strcmp(wh_registry_http_escape("repository:a/b:pull", &a), "repository%3Aa%2Fb%3Apull") == 0,
       "a token scope, escaped");
    release(theirs);
    wh_arena_fini(&a);
    dlclose(dl);
}

int
main(void)
{
    test_missing_library_fails_closed();
    test_older_library_is_refused();
    test_first_use_loads_once();
    test_first_request_keeps_its_deadline();
    test_escape_matches_curl();
    return done_testing();
}
