/* pipeline/memo.c: one flight per key (a miss makes the review the leader, the value is shared
 * once published, a TTL of 0 keeps nothing, a wait for another review's flight ends at the
 * deadline), credentials scope the keys, and which facts count as complete for a rule; then the
 * facts of a digest against the fault registry: an unreachable .sig store is an infrastructure
 * error kept as one, never as verified facts. */
#include "pipeline/memo.h"

#include <string.h>

#include "base/clock.h"
#include "policy/policy.h"
#include "registry/client.h"
#include "support/fault_registry.h"
#include "unit/harness.h"
#include "verify/predicates.h"

static struct wh_limits lim = WH_LIMITS_DEFAULT;

static void
ctx_init(struct wh_image_check_ctx *ctx, struct wh_arena *a, struct wh_cache *cache)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->limits = &lim;
    ctx->arena = a;
    ctx->cache = cache;
    ctx->deadline_ms = wh_clock_mono_ms() + 2000;
    ctx->negative_ttl_ms = 60000;
}

static void
test_flights(void)
{
    struct wh_cache *cache = wh_cache_new(16, 1 << 16);
    struct wh_image_check_ctx ctx, other;
    struct wh_arena a, b;
    struct wh_cache_entry *entry, *e2;
    struct wh_cache_flight *flight, *f2;
    const char *value, *hit;
    bool timed_out;

    wh_arena_init(&a);
    wh_arena_init(&b);
    ctx_init(&ctx, &a, cache);
    ctx_init(&other, &b, cache);
    hit = wh_pipeline_memo_lookup(&ctx, "k", &entry, &flight, &timed_out);
    ok(hit == NULL && entry != NULL && flight != NULL && !timed_out,
       "miss: this review leads the key's flight");
    /* Another review on the same key while the flight is open waits; its deadline ends that. */
    other.deadline_ms = wh_clock_mono_ms() + 50;
    hit = wh_pipeline_memo_lookup(&other, "k", &e2, &f2, &timed_out);
    ok(hit == NULL && e2 == NULL && f2 == NULL && timed_out,
       "a second review waiting on the open flight times out at its deadline");
    value = wh_arena_strdup(wh_cache_entry_arena(entry), "v");
    wh_pipeline_memo_publish(&ctx, entry, flight, value, 60000);
    other.deadline_ms = wh_clock_mono_ms() + 2000;
    hit = wh_pipeline_memo_lookup(&other, "k", &e2, &f2, &timed_out);
    ok(hit != NULL && strcmp(hit, "v") == 0 && e2 == NULL,
       "published: the next review gets the value");
    hit = wh_pipeline_memo_lookup(&ctx, "zero", &entry, &flight, &timed_out);
    wh_pipeline_memo_publish(&ctx, entry, flight, "x", 0);
    hit = wh_pipeline_memo_lookup(&other, "zero", &e2, &f2, &timed_out);
    ok(hit == NULL && e2 != NULL && f2 != NULL, "a TTL of 0 keeps nothing: the next review leads");
    wh_pipeline_memo_publish(&other, e2, f2, "y", 0);
    ctx.cache = NULL;
    hit = wh_pipeline_memo_lookup(&ctx, "k", &entry, &flight, &timed_out);
    ok(hit == NULL && entry == NULL && flight == NULL && !timed_out,
       "no cache (the CLI): every lookup misses with no entry");
    ok(strcmp(wh_pipeline_memo_creds_scope(&ctx), "") == 0,
       "no registry credentials: keys are unscoped");
    wh_arena_fini(&a);
    wh_arena_fini(&b);
    wh_cache_free(cache);
}

static void
test_complete(void)
{
    static const struct wh_policy_signer s = {.name = "ci-key"};
    static const struct wh_policy_signer *const list[] = {&s};
    struct wh_policy_image rule;
    struct wh_pipeline_facts f;
    struct wh_predicates p;
    struct wh_sbom sbom;
    struct wh_provenance prov;

    memset(&rule, 0, sizeof(rule));
    memset(&f, 0, sizeof(f));
    memset(&p, 0, sizeof(p));
    ok(wh_pipeline_memo_facts_complete(&f, &rule, true), "a rule that asks nothing: complete");
    rule.signatures.signed_by = list;
    rule.signatures.n_signed_by = 1;
    rule.signatures.count = 1;
    ok(!wh_pipeline_memo_facts_complete(&f, &rule, true), "signature asked, none verified");
    ok(wh_pipeline_memo_facts_complete(&f, &rule, false),
       "signature not wanted (a dev image): complete");
    f.facts.n_signature_signers = 1;
    ok(wh_pipeline_memo_facts_complete(&f, &rule, true), "signature verified: complete");
    rule.sbom.required = true;
    ok(!wh_pipeline_memo_facts_complete(&f, &rule, true), "SBOM required, none");
    f.sbom = &sbom;
    ok(wh_pipeline_memo_facts_complete(&f, &rule, true), "SBOM verified: complete");
    rule.provenance.required = true;
    ok(!wh_pipeline_memo_facts_complete(&f, &rule, true), "provenance required, none");
    f.facts.predicates = &p;
    ok(!wh_pipeline_memo_facts_complete(&f, &rule, true), "provenance required, predicates empty");
    memset(&prov, 0, sizeof(prov));
    p.provenance = &prov;
    ok(wh_pipeline_memo_facts_complete(&f, &rule, true), "provenance verified: complete");
    f.error = "registry down";
    ok(!wh_pipeline_memo_facts_complete(&f, &rule, true), "an error: never complete");
}

/* The .sig store unreachable (503): the facts carry the infrastructure error and nothing else. */
static void
test_facts_unavailable(void)
{
    struct wh_arena a;
    struct fault_registry *f = fault_registry_start(NULL, 0);
    const char *addr = fault_registry_addr(f);
    const char *hosts[] = {addr};
    struct wh_registry_options o;
    struct wh_registry_client *client;
    struct wh_policy *policy = NULL;
    struct wh_cache *cache = wh_cache_new(16, 1 << 20);
    struct wh_image_check_ctx ctx;
    struct wh_image_ref ref;
    struct wh_error err = {0};
    const struct wh_pipeline_facts *facts;
    const char *yaml,
        *digest = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    unsigned long before;

    wh_arena_init(&a);
    memset(&o, 0, sizeof(o));
    o.plain_http_hosts = hosts;
    o.n_plain_http_hosts = 1;
    o.limits = lim;
    o.retry.max_attempts = 1;
    WH_ASSERT(wh_registry_client_new(&o, &client, &err) == WH_OK);
    yaml = wh_arena_sprintf(&a,
                            "apiVersion: driftgate.dev/v1alpha1\nkind: Policy\nspec:\n"
                            "  signers:\n    ci:\n      keyless: {issuer: https://t, subject: s}\n"
                            "  images:\n    - name: app\n      match: [\"%s/demo/app\"]\n"
                            "      signatures: {signedBy: [ci]}\n",
                            addr);
    ok(wh_policy_parse((struct wh_bytes){(const unsigned char *)yaml, strlen(yaml)}, "t.yaml", NULL,
                       &lim, &policy, &err) == WH_OK,
       "policy parses (%s)", err.msg);
    WH_ASSERT(wh_image_ref_parse(wh_str_c(wh_arena_sprintf(&a, "%s/demo/app@%s", addr, digest)), &a,
                                 &ref, &err) == WH_OK);
    ctx_init(&ctx, &a, cache);
    ctx.registry = client;
    ctx.policy = policy;
    fault_registry_set(f, "503", ".sig", 0);
    facts = wh_pipeline_memo_facts(&ctx, &ref, digest, wh_policy_image_get(policy, 0), true);
    ok(facts->error != NULL && facts->error_code == WH_E_UNAVAILABLE &&
           facts->facts.n_signature_signers == 0 && facts->signature_detail == NULL,
       ".sig store 503: an infrastructure error, nothing verified (%s)",
       facts->error != NULL ? facts->error : "");
    before = fault_registry_requests(f);
    facts = wh_pipeline_memo_facts(&ctx, &ref, digest, wh_policy_image_get(policy, 0), true);
    ok(facts->error != NULL && fault_registry_requests(f) == before,
       "kept briefly, as the failure (no request)");
    fault_registry_set(f, NULL, NULL, 0);
    ctx.generation = 1; /* another policy generation: another key */
    facts = wh_pipeline_memo_facts(&ctx, &ref, digest, wh_policy_image_get(policy, 0), true);
    ok(facts->error == NULL && facts->facts.n_signature_signers == 0 &&
           facts->signature_detail != NULL && strstr(facts->signature_detail, "trust root") != NULL,
       "no .sig and a keyless signer without a trust root: missing, and says why (%s)",
       facts->signature_detail != NULL ? facts->signature_detail : "");
    wh_policy_unref(policy);
    wh_registry_client_free(client);
    wh_cache_free(cache);
    fault_registry_stop(f);
    wh_arena_fini(&a);
}

/* The loop thread's cache-only lookups (types.h): a peek that never leads, waits or counts, and
 * facts whose SBOM is over the loop's bound are left to a worker. */
static void
test_cache_only(void)
{
    static const struct wh_policy_image rule;
    struct wh_cache *cache = wh_cache_new(16, 1 << 20);
    struct wh_image_check_ctx ctx;
    struct wh_pipeline_cache_only co = {0};
    struct wh_arena a;
    struct wh_image_ref ref = {.registry = "r.example", .repository = "app"};
    struct wh_cache_entry *entry, *e;
    struct wh_cache_flight *flight, *lead;
    struct wh_cache_stats st;
    struct wh_pipeline_facts *f;
    struct wh_sbom *sbom;
    const struct wh_pipeline_facts *got;
    const char *key = "facts|0|t0|0|1|r.example/app@sha256:d";
    bool timed_out;
    int64_t t0;

    wh_arena_init(&a);
    ctx_init(&ctx, &a, cache);
    ctx.cache_only = &co;
    /* A worker leads the key's flight: the peek neither waits for it nor counts a miss. */
    ctx.deadline_ms = wh_clock_mono_ms() + 2000;
    WH_ASSERT(wh_cache_flight_begin(cache, key, wh_clock_mono_ms(), 0, &e, &lead) == NULL &&
              lead != NULL);
    t0 = wh_clock_mono_ms();
    got = wh_pipeline_memo_lookup(&ctx, key, &entry, &flight, &timed_out);
    wh_cache_stats(cache, &st);
    ok(got == NULL && co.missed && entry == NULL && wh_clock_mono_ms() - t0 < 500 &&
           st.misses == 1 && st.flight_waits == 0,
       "cache-only, a key in flight: a miss at once, no flight joined, no miss counted");
    /* The flight's leader publishes facts with an SBOM of `n` components. */
    for (size_t n = 10; n <= 3000; n += 2990) {
        e = wh_cache_entry_new(key);
        f = wh_arena_calloc(wh_cache_entry_arena(e), 1, sizeof(*f));
        sbom = wh_arena_calloc(wh_cache_entry_arena(e), 1, sizeof(*sbom));
        sbom->n_components = n;
        f->sbom = sbom;
        wh_cache_put(cache, e, f, wh_clock_mono_ms() + 60000);
        co.missed = false;
        got = wh_pipeline_memo_facts(&ctx, &ref, "sha256:d", &rule, true);
        ok(got == f && co.missed == (n > WH_PIPELINE_LOOP_SBOM_COMPONENTS),
           "cache-only facts with a %zu-component SBOM: %s", n,
           n > WH_PIPELINE_LOOP_SBOM_COMPONENTS
               ? "left to a worker (its diff is too long for the loop)"
               : "used on the loop");
    }
    wh_cache_flight_end(cache, lead);
    wh_cache_stats(cache, &st);
    ok(st.hits == 0 && co.hits == 2, "peeks count no hit until the answer is kept (%llu)", co.hits);
    wh_arena_fini(&a);
    wh_cache_free(cache);
}

/* The keys are built by copying parts: byte for byte what their printf formats made (the cache
 * holds them across policy generations; a changed key would only miss, a merged one would lie). */
static void
test_keys(void)
{
    struct wh_arena a;
    struct wh_image_check_ctx ctx;
    struct wh_image_ref ref;
    struct wh_error err;
    const char *d = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

    wh_arena_init(&a);
    ctx_init(&ctx, &a, NULL);
    WH_ASSERT(wh_image_ref_parse(WH_STR("reg.example:5000/team/app:v1.2"), &a, &ref, &err) ==
              WH_OK);
    ok(strcmp(wh_pipeline_memo_tag_key(&ctx, &ref), "tag|reg.example:5000/team/app:v1.2") == 0,
       "tag key");
    ok(strcmp(wh_pipeline_memo_manifest_key(&ctx, &ref, d),
              wh_arena_sprintf(&a, "manifest|reg.example:5000/team/app@%s", d)) == 0,
       "manifest key");
    ctx.generation = 18446744073709551615ULL;
    ctx.trust_generation = 0;
    ok(strcmp(wh_pipeline_memo_facts_key(&ctx, &ref, d, 12, true),
              wh_arena_sprintf(&a, "facts|%llu|t0|12|1|reg.example:5000/team/app@%s",
                               18446744073709551615ULL, d)) == 0,
       "facts key: the widest generation, want_signature 1");
    ctx.generation = 7;
    ctx.trust_generation = 30;
    ok(strcmp(wh_pipeline_memo_facts_key(&ctx, &ref, d, 0, false),
              wh_arena_sprintf(&a, "facts|7|t30|0|0|reg.example:5000/team/app@%s", d)) == 0,
       "facts key: another generation, rule 0, want_signature 0");
    ok(strcmp(wh_pipeline_memo_drift_key(&ctx, "sha256:aa", "sha256:bb"),
              "drift|sha256:aa|sha256:bb") == 0,
       "drift key");
    wh_arena_fini(&a);
}

int
main(void)
{
    test_keys();
    test_flights();
    test_cache_only();
    test_complete();
    test_facts_unavailable();
    return done_testing();
}
