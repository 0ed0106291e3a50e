/*
 * Clients sharing one root (wh_registry_client_share) on distinct threads at once, against
 * tests/support/fault_registry.c requiring a Bearer token: one token bought per scope between
 * them, the same requests as one client one after another, one review budget and memo, the
 * root's count including its shares', and the root's review credentials used by every share.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/digest.h"
#include "registry/client.h"
#include "support/fault_registry.h"
#include "unit/harness.h"
#include "unit/registry/plain_client.h"

#define SHARES 3
#define THREADS (SHARES + 1)

static struct fault_registry *f;
static const char *addr;
static char digest[WH_DIGEST_STR_LEN];
static const char *const body = "a blob of the shared review";
static const char *const repos[THREADS] = {"r/a", "r/b", "r/c", "r/d"}; /* a scope each */

struct job {
    struct wh_registry_client *c;
    const char *repo;
    enum wh_err rc;
    char msg[sizeof(((struct wh_error *)0)->msg)];
};

/* GET one manifest by tag and one blob by digest in `repo`. */
static void *
fetch(void *p)
{
    struct job *j = p;
    struct wh_image_ref ref = {.registry = addr, .repository = j->repo};
    struct wh_registry_manifest m;
    struct wh_bytes b;
    struct wh_error err = {0};
    struct wh_arena a;
    int64_t deadline = wh_clock_mono_ms() + 5000;

    wh_arena_init(&a);
    j->rc = wh_registry_manifest_get(j->c, &ref, "v1", deadline, &a, &m, &err);
    if (j->rc == WH_OK)
        j->rc = wh_registry_blob_get(j->c, &ref, digest, 1024, deadline, &a, &b, &err);
    snprintf(j->msg, sizeof(j->msg), "%s", j->rc == WH_OK ? "" : err.msg);
    wh_arena_fini(&a);
    return NULL;
}

/* Runs fetch for which[i] on clients[i], on THREADS threads at once or one after another. */
static bool
run(struct wh_registry_client **clients, const char *const *which, bool at_once)
{
    pthread_t t[THREADS];
    struct job jobs[THREADS];
    bool all_ok = true;

    for (size_t i = 0; i < THREADS; i++) {
        jobs[i] = (struct job){.c = clients[i], .repo = which[i]};
        if (at_once)
            WH_ASSERT(pthread_create(&t[i], NULL, fetch, &jobs[i]) == 0);
        else
            fetch(&jobs[i]);
    }
    for (size_t i = 0; i < THREADS; i++) {
        if (at_once)
            pthread_join(t[i], NULL);
        if (jobs[i].rc != WH_OK) {
            printf("# %s: %s\n", jobs[i].repo, jobs[i].msg);
            all_ok = false;
        }
    }
    return all_ok;
}

/* A root client for the registry, reading at most `review_bytes` per review (0: the default). */
static struct wh_registry_client *
root_new(size_t review_bytes)
{
    struct wh_registry_options o = {.limits = WH_LIMITS_DEFAULT, .retry = {.max_attempts = 1}};

    if (review_bytes != 0)
        o.limits.review_bytes = review_bytes;
    return plain_client(addr, o);
}

static void
test_shares_at_once(void)
{
    struct wh_registry_client *seq = root_new(0), *clients[THREADS];
    struct wh_error err = {0};
    unsigned long n_seq, n_par, tokens_seq, tokens_par;

    /* one client, one repository after another */
    fault_registry_require_token(f, "T0k3n");
    {
        struct wh_registry_client *same[THREADS] = {seq, seq, seq, seq};

        wh_registry_client_review_begin(seq);
        ok(run(same, repos, false), "one client: every fetch through the token challenge");
        wh_registry_client_review_end(seq);
    }
    n_seq = wh_registry_client_requests(seq);
    tokens_seq = fault_registry_token_requests(f);

    /* a root and its shares at once */
    fault_registry_require_token(f, "T0k3n");
    clients[0] = root_new(0);
    for (size_t i = 1; i < THREADS; i++)
        WH_ASSERT(wh_registry_client_share(clients[0], &clients[i], &err) == WH_OK);
    wh_registry_client_review_begin(clients[0]);
    ok(run(clients, repos, true), "a root and %d shares at once: every fetch succeeds", SHARES);
    n_par = wh_registry_client_requests(clients[0]);
    tokens_par = fault_registry_token_requests(f);
    ok(n_par == n_seq && tokens_par == tokens_seq && tokens_par == THREADS,
       "the same requests (%lu, %lu one by one) and one token per scope (%lu, %lu one by one)",
       n_par, n_seq, tokens_par, tokens_seq);
    ok(wh_registry_client_review_bytes(clients[2]) == wh_registry_client_review_bytes(clients[0]) &&
           wh_registry_client_memo_find(clients[0], digest, false) != NULL &&
           wh_registry_client_in_review(clients[3]),
       "one budget (%zu bytes) and one memo for the root and its shares",
       wh_registry_client_review_bytes(clients[0]));

    /* the tokens bought by the shares serve the root: again at once, no challenge */
    n_par = wh_registry_client_requests(clients[0]);
    {
        static const char *const again[THREADS] = {"r/d", "r/c", "r/b", "r/a"};

        ok(run(clients, again, true), "the scopes again, each on another client");
    }
    ok(wh_registry_client_requests(clients[0]) - n_par == THREADS &&
           fault_registry_token_requests(f) == tokens_par,
       "no 401 and no token request: %lu requests (manifests; blobs from the memo)",
       wh_registry_client_requests(clients[0]) - n_par);
    wh_registry_client_review_end(clients[0]);
    ok(wh_registry_client_review_bytes(clients[1]) == 0 &&
           !wh_registry_client_in_review(clients[1]),
       "the root's review end ends its shares' too");
    for (size_t i = THREADS; i-- > 1;)
        wh_registry_client_free(clients[i]);
    wh_registry_client_free(clients[0]);
    wh_registry_client_free(seq);
    fault_registry_require_token(f, NULL);
}

/* The review budget is the root's: shares at once cannot read more than limits.reviewBytes. */
static void
test_shares_one_budget(void)
{
    struct wh_registry_client *clients[THREADS];
    struct wh_error err = {0};

    /* room for about two of the four manifests: the others are cut off */
    clients[0] = root_new(200);
    for (size_t i = 1; i < THREADS; i++)
        WH_ASSERT(wh_registry_client_share(clients[0], &clients[i], &err) == WH_OK);
    wh_registry_client_review_begin(clients[0]);
    ok(!run(clients, repos, true) && wh_registry_client_review_bytes(clients[0]) <= 200,
       "shares at once stay within one reviewBytes budget (%zu of 200)",
       wh_registry_client_review_bytes(clients[0]));
    wh_registry_client_review_end(clients[0]);
    for (size_t i = THREADS; i-- > 1;)
        wh_registry_client_free(clients[i]);
    wh_registry_client_free(clients[0]);
}

int
main(void)
{
    static const char manifest[] =
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
        "\"manifests\":[]}";

    f = fault_registry_start(NULL, 0);
    addr = fault_registry_addr(f);
    wh_digest_sha256_str(body, strlen(body), digest);
    for (size_t i = 0; i < sizeof(repos) / sizeof(repos[0]); i++) {
        char path[256];

        snprintf(path, sizeof(path), "/v2/%s/manifests/v1", repos[i]);
        fault_registry_route(f, path, 200,
                             "Content-Type: application/vnd.oci.image.index.v1+json\r\n", manifest);
        snprintf(path, sizeof(path), "/v2/%s/blobs/%s", repos[i], digest);
        fault_registry_route(f, path, 200, "", body);
    }
    /* every answer waits a little, so the threads overlap */
    fault_registry_set(f, "slow:20", "/v2/", 0);
    test_shares_at_once();
    test_shares_one_budget();
    fault_registry_stop(f);
    return done_testing();
}
