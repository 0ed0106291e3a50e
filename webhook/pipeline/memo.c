/*
 * The cache memo of the per-image steps: every lookup joins one flight per key (cache
 * singleflight), so concurrent reviews of one key share one computation; keys carry the review's
 * credential scope. Verified facts are cached by (policy generation, trust generation, rule,
 * digest); infrastructure errors for FAILURE_TTL_MS at most, as errors: never as verified facts.
 */
#include "pipeline/memo.h"

#include <string.h>

#include "base/clock.h"
#include "base/digest.h"
#include "pipeline/attestations.h"
#include "pipeline/evidence.h"
#include "pipeline/fs_manifest.h"
#include "pipeline/referrers.h"
#include "pipeline/signatures.h"
#include "registry/client.h"
#include "sbom/normalize.h"
#include "verify/predicates.h"

/* How long a registry failure is shared with other reviews before it is retried. */
#define FAILURE_TTL_MS 2000

static void
release_entry(void *entry)
{
    wh_cache_entry_unref(entry);
}

/* The `n` parts joined into one arena string (at most KEY_PARTS); a NULL part reads "(null)", as
 * glibc's printf("%s") did when these keys were printed. */
#define KEY_PARTS 16
static const char *
join(struct wh_arena *a, const char *const *parts, size_t n)
{
    const char *part[KEY_PARTS];
    size_t len[KEY_PARTS], total = 0, i;
    char *out, *p;

    WH_ASSERT(n <= KEY_PARTS);
    for (i = 0; i < n; i++) {
        part[i] = parts[i] != NULL ? parts[i] : "(null)";
        len[i] = strlen(part[i]);
        total += len[i];
    }
    p = out = wh_arena_alloc(a, total + 1);
    for (i = 0; i < n; i++) {
        memcpy(p, part[i], len[i]);
        p += len[i];
    }
    *p = '\0';
    return out;
}
#define JOIN(a, ...)                                                                               \
    join((a), (const char *const[]){__VA_ARGS__},                                                  \
         sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

/* Cache keys of a review that reads with its pod's pull secrets are its own: a failure (a 401)
 * seen without the secret must not answer a review that has one, nor the other way round. */
const char *
wh_pipeline_memo_creds_scope(const struct wh_image_check_ctx *ctx)
{
    const char *k = ctx->registry != NULL ? wh_registry_client_credentials_key(ctx->registry) : "";

    return k == NULL || *k == '\0' ? "" : JOIN(ctx->arena, "creds=", k, "|");
}

const char *
wh_pipeline_memo_tag_key(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref)
{
    return JOIN(ctx->arena, wh_pipeline_memo_creds_scope(ctx), "tag|", ref->registry, "/",
                ref->repository, ":", ref->tag);
}

const char *
wh_pipeline_memo_manifest_key(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
                              const char *digest)
{
    return JOIN(ctx->arena, wh_pipeline_memo_creds_scope(ctx), "manifest|", ref->registry, "/",
                ref->repository, "@", digest);
}

const char *
wh_pipeline_memo_facts_key(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
                           const char *digest, size_t rule_index, bool want_signature)
{
    char gen[24], trust_gen[24], index[24];

    return JOIN(ctx->arena, wh_pipeline_memo_creds_scope(ctx), "facts|",
                wh_str_decimal(gen, (unsigned long long)ctx->generation), "|t",
                wh_str_decimal(trust_gen, (unsigned long long)ctx->trust_generation), "|",
                wh_str_decimal(index, rule_index), want_signature ? "|1|" : "|0|", ref->registry,
                "/", ref->repository, "@", digest);
}

const char *
wh_pipeline_memo_drift_key(const struct wh_image_check_ctx *ctx, const char *prod_sbom,
                           const char *dev_sbom)
{
    return JOIN(ctx->arena, "drift|", prod_sbom, "|", dev_sbom);
}

int64_t
wh_pipeline_memo_failure_ttl(const struct wh_image_check_ctx *ctx)
{
    return ctx->negative_ttl_ms > 0 && ctx->negative_ttl_ms < FAILURE_TTL_MS ? ctx->negative_ttl_ms
                                                                             : FAILURE_TTL_MS;
}

/*
 * Looks `key` up; on a miss makes this review the key's leader (*entry, *flight set: build the
 * value in the entry's arena, then wh_pipeline_memo_publish()). Waiting for another review's flight
 * ends at the deadline: *timed_out. Without a cache every lookup is a miss with no entry.
 */
const void *
wh_pipeline_memo_lookup(const struct wh_image_check_ctx *ctx, const char *key,
                        struct wh_cache_entry **entry, struct wh_cache_flight **flight,
                        bool *timed_out)
{
    struct wh_cache_entry *ref;
    const void *hit;

    *entry = NULL;
    *flight = NULL;
    *timed_out = false;
    if (ctx->cache_only != NULL) {
        /* The loop thread: look, never lead a flight or wait for one (types.h). */
        /* The attempt's start (types.h); a context that did not set it reads the clock, so a
         * zeroed one never sees an expired entry as fresh. */
        int64_t now = ctx->cache_only->now_ms > 0 ? ctx->cache_only->now_ms : wh_clock_mono_ms();

        hit = ctx->cache != NULL ? wh_cache_peek(ctx->cache, key, now, &ref) : NULL;
        if (hit == NULL) {
            ctx->cache_only->missed = true;
            *timed_out = true;
            return NULL;
        }
        ctx->cache_only->hits++;
        wh_arena_defer(ctx->arena, release_entry, ref);
        return hit;
    }
    if (ctx->cache == NULL)
        return NULL;
    hit =
        wh_cache_flight_begin(ctx->cache, key, wh_clock_mono_ms(), ctx->deadline_ms, &ref, flight);
    if (hit != NULL) {
        wh_arena_defer(ctx->arena, release_entry, ref);
        return hit;
    }
    if (*flight == NULL) {
        *timed_out = true;
        return NULL;
    }
    *entry = wh_cache_entry_new(key);
    return NULL;
}

/* Publishes the leader's value (this review keeps a reference of its own: the entry may be
 * evicted before the review ends) and ends the flight. */
void
wh_pipeline_memo_publish(const struct wh_image_check_ctx *ctx, struct wh_cache_entry *entry,
                         struct wh_cache_flight *flight, const void *value, int64_t ttl_ms)
{
    if (entry != NULL) {
        if (ttl_ms > 0) {
            wh_cache_entry_ref(entry);
            wh_arena_defer(ctx->arena, release_entry, entry);
            wh_cache_put(ctx->cache, entry, value, wh_clock_mono_ms() + ttl_ms);
        } else {
            wh_arena_defer(ctx->arena, release_entry, entry);
        }
    }
    wh_cache_flight_end(ctx->cache, flight);
}

bool
wh_pipeline_memo_facts_complete(const struct wh_pipeline_facts *f,
                                const struct wh_policy_image *rule, bool want_signature)
{
    const struct wh_predicates *p = f->facts.predicates;

    if (f->error != NULL)
        return false;
    if (want_signature && rule->signatures.n_signed_by > 0 &&
        f->facts.n_signature_signers < rule->signatures.count)
        return false;
    /* Evidence whose absence is itself a finding is looked for everywhere it may be. */
    if (want_signature && wh_pipeline_attestations_dev_from(rule) &&
        (p == NULL || p->dev_env == NULL || f->dev_env_conflict))
        return false;
    if (rule->agent.must_attest && (p == NULL || p->agent == NULL || p->agent->n_commits == 0))
        return false;
    if (rule->provenance.required &&
        (f->facts.predicates == NULL || f->facts.predicates->provenance == NULL))
        return false;
    if (rule->vulns.required && (f->facts.predicates == NULL || f->facts.predicates->vulns == NULL))
        return false;
    if (rule->fs_manifest.must_attest && f->facts.fs_manifest_root == NULL)
        return false;
    return !rule->sbom.required || wh_pipeline_memo_has_sbom(f);
}

bool
wh_pipeline_memo_has_sbom(const struct wh_pipeline_facts *f)
{
    return f->sbom != NULL || f->sbom_key != NULL;
}

/* The SBOM cache's key of a predicate hash. */
static const char *
sbom_cache_key(const struct wh_image_check_ctx *ctx, const char *hash)
{
    return JOIN(ctx->arena, "sbom|", hash);
}

enum wh_err
wh_pipeline_memo_sbom_keep(const struct wh_image_check_ctx *ctx, struct wh_bytes predicate,
                           struct wh_arena *keep, const struct wh_sbom **sbom, const char **key,
                           struct wh_error *err)
{
    char hash[WH_DIGEST_STR_LEN];
    struct wh_cache_entry *e;
    struct wh_sbom *parsed;
    const char *ck;

    wh_digest_sha256_str(predicate.ptr, predicate.len, hash);
    if (ctx->sbom_cache == NULL) {
        parsed = wh_arena_alloc(keep, sizeof(*parsed));
        if (wh_sbom_parse(predicate, ctx->limits, keep, parsed, err) != WH_OK)
            return err->code;
        *sbom = parsed;
        *key = wh_arena_strdup(keep, hash);
        return WH_OK;
    }
    /* Bytes already parsed (the same SBOM attested on another digest, or re-verified after its
     * facts expired) are not parsed again: the key is their hash. */
    ck = sbom_cache_key(ctx, hash);
    *sbom = wh_cache_get(ctx->sbom_cache, ck, wh_clock_mono_ms(), &e);
    if (*sbom == NULL) {
        e = wh_cache_entry_new(ck);
        parsed = wh_arena_alloc(wh_cache_entry_arena(e), sizeof(*parsed));
        if (wh_sbom_parse(predicate, ctx->limits, wh_cache_entry_arena(e), parsed, err) != WH_OK) {
            wh_cache_entry_unref(e);
            return err->code;
        }
        /* This review's reference keeps it readable even if the put drops it (over the bound). */
        wh_cache_entry_ref(e);
        wh_cache_put(ctx->sbom_cache, e, parsed, wh_clock_mono_ms() + ctx->facts_ttl_ms);
        *sbom = parsed;
    }
    wh_arena_defer(ctx->arena, release_entry, e);
    *key = wh_arena_strdup(keep, hash);
    return WH_OK;
}

const struct wh_sbom *
wh_pipeline_memo_sbom(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
                      const struct wh_policy_image *rule, const struct wh_pipeline_facts *f,
                      const char **key, const char **error, enum wh_err *code)
{
    struct wh_cache_entry *e;
    struct wh_pipeline_facts *again;
    const struct wh_sbom *hit;

    *key = f->sbom_key;
    *error = NULL;
    if (f->sbom != NULL || f->sbom_key == NULL)
        return f->sbom;
    if (ctx->sbom_cache != NULL) {
        hit =
            wh_cache_get(ctx->sbom_cache, sbom_cache_key(ctx, f->sbom_key), wh_clock_mono_ms(), &e);
        if (hit != NULL) {
            wh_arena_defer(ctx->arena, release_entry, e);
            return hit;
        }
    }
    /* Evicted from its byte-bounded cache while the facts naming it stayed: verified again,
     * attestations as memo_facts reads them, for the digest that carried it. What is verified
     * now is what is used (its own key), whatever the facts recorded. */
    again = wh_arena_alloc(ctx->arena, sizeof(*again));
    again->facts.digest = f->sbom_digest;
    wh_pipeline_attestations_check(ctx, ref, rule, ctx->arena, again);
    if (again->error == NULL && again->sbom == NULL)
        wh_pipeline_referrers_check(ctx, ref, rule, false, ctx->arena, again);
    if (again->error != NULL || again->sbom == NULL) {
        *error = again->error != NULL
                     ? again->error
                     : wh_arena_sprintf(ctx->arena,
                                        "the SBOM attestation of %s verified before no longer "
                                        "verifies%s%s",
                                        f->sbom_digest, again->verify_detail != NULL ? ": " : "",
                                        again->verify_detail != NULL ? again->verify_detail : "");
        *code = again->error != NULL ? again->error_code : WH_E_VERIFY;
        return NULL;
    }
    *key = again->sbom_key;
    return again->sbom;
}

/* Fetches and verifies (or finds in the cache) the facts of `digest` under `rule`. The result
 * lives until the review's arena is finished. */
const struct wh_pipeline_facts *
wh_pipeline_memo_facts(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
                       const char *digest, const struct wh_policy_image *rule, bool want_signature)
{
    struct wh_cache_entry *entry = NULL;
    struct wh_cache_flight *flight = NULL;
    struct wh_pipeline_facts *f;
    const struct wh_pipeline_facts *mine;
    struct wh_arena *keep = ctx->arena;
    const struct wh_pipeline_facts *hit;
    const char *key;
    bool timed_out;
    int64_t ttl;

    key = wh_pipeline_memo_facts_key(ctx, ref, digest, rule->index, want_signature);
    hit = wh_pipeline_memo_lookup(ctx, key, &entry, &flight, &timed_out);
    if (hit != NULL && ctx->cache_only != NULL && hit->sbom != NULL &&
        hit->sbom->n_components > WH_PIPELINE_LOOP_SBOM_COMPONENTS)
        ctx->cache_only->missed = true; /* its drift diff is a worker's job (types.h) */
    if (hit != NULL)
        return hit;
    if (entry != NULL)
        keep = wh_cache_entry_arena(entry);
    f = wh_arena_alloc(keep, sizeof(*f));
    f->facts.digest = wh_arena_strdup(keep, digest);
    if (timed_out) {
        f->error =
            wh_arena_sprintf(keep, "timed out waiting for a concurrent verification of %s", digest);
        f->error_code = WH_E_TIMEOUT;
        return f;
    }
    wh_pipeline_evidence_check(ctx, ref, rule, want_signature, keep, f);
    if (f->error != NULL) {
        /* A failure is shared briefly, as a failure: nothing verified survives next to it. */
        f->error = wh_arena_strdup(keep, f->error);
        f->facts.signature_signer = NULL;
        f->facts.n_signature_signers = 0;
        f->facts.n_attestations = 0;
        f->facts.predicates = NULL;
        f->facts.fs_manifest_root = NULL;
        f->facts.fs_manifest_signer = NULL;
        f->facts.fs_manifest_detail = NULL;
        f->sbom = NULL;
        f->sbom_key = NULL;
        f->sbom_digest = NULL;
        f->verify_detail = NULL;
        f->signature_detail = NULL;
        ttl = wh_pipeline_memo_failure_ttl(ctx);
    } else if (!wh_pipeline_memo_facts_complete(f, rule, want_signature)) {
        /* Missing facts are re-checked soon: the signature may be pushed a moment after the
         * image. Complete facts live long (a digest never changes). */
        ttl = ctx->negative_ttl_ms;
    } else {
        ttl = ctx->facts_ttl_ms;
    }
    /* The cached value names its SBOM only by key (the SBOM cache holds it, bounded apart);
     * this review reads the copy that still points at it. */
    mine = f;
    if (entry != NULL && f->sbom != NULL) {
        mine = wh_arena_memdup(ctx->arena, f, sizeof(*f));
        f->sbom = NULL;
    }
    wh_pipeline_memo_publish(ctx, entry, flight, f, ttl);
    return mine;
}
