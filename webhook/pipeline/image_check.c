/*
 * Per image: parse the reference, pick the rule, resolve the digest, fetch and verify cosign
 * signatures and attestations, fetch the dev image's SBOM and diff. Each distinct image of a
 * review is checked once; every container using it is evaluated with the same result. Verified
 * facts are cached by (policy generation, rule, digest); tags by name:tag for a short TTL;
 * infrastructure errors are never cached.
 */
#include "pipeline/image_check.h"

#include <string.h>

#include "base/clock.h"
#include "base/digest.h"
#include "image/ref.h"
#include "policy/model.h"
#include "registry/cosign_refs.h"
#include "sbom/diff.h"
#include "sbom/normalize.h"
#include "verify/attestation.h"

#define DEV_IMAGE_ANNOTATION "driftgate.dev/dev-image"

/* What verification established about one digest under one rule: cached as a unit. */
struct image_facts {
    struct wh_facts facts;
    const char *signature_detail; /* why a present .sig layer did not verify */
    const char *verify_detail;    /* why a present .att layer did not verify */
    const struct wh_sbom *sbom; /* the verified SBOM attestation, parsed; NULL if none */
    const char *error;          /* infrastructure error: never cached */
};

static void
release_entry(void *entry)
{
    wh_cache_entry_unref(entry);
}

/* Signers of a rule that hold a public key; keyless signers are verified by a later issue. */
static size_t
collect_signers(const struct wh_policy_signer *const *in, size_t n, struct wh_arena *a,
                struct wh_verify_signer **out)
{
    struct wh_verify_signer *s = wh_arena_calloc(a, n == 0 ? 1 : n, sizeof(*s));
    size_t i, k = 0;

    for (i = 0; i < n; i++) {
        if (in[i]->key == NULL)
            continue;
        s[k].name = in[i]->name;
        s[k].key = in[i]->key;
        k++;
    }
    *out = s;
    return k;
}

static const char *
no_key_detail(const struct wh_policy_signer *const *in, size_t n, struct wh_arena *a)
{
    struct wh_buf b;
    const char *out;
    size_t i;

    wh_buf_init(&b, 1024);
    for (i = 0; i < n; i++) {
        if (i > 0)
            wh_buf_append_c(&b, ", ");
        wh_buf_append_c(&b, in[i]->name);
    }
    out = wh_arena_sprintf(a, "signers %s have no public key (keyless verification is not "
                              "enabled in this version)",
                           b.ptr == NULL ? "" : b.ptr);
    wh_buf_fini(&b);
    return out;
}

/* cosign .sig: the first layer whose simple-signing payload verifies with a signer wins.
 * Scratch work in `tmp`; what is kept goes to `keep`. */
static void
check_signature(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
                const struct wh_policy_image *rule, struct wh_arena *keep,
                struct image_facts *out)
{
    struct wh_arena *tmp = ctx->arena;
    struct wh_cosign_layer *layers;
    struct wh_verify_signer *signers;
    size_t n_layers, n_signers, i;
    struct wh_error err;
    enum wh_err rc;

    n_signers = collect_signers(rule->signatures.signed_by, rule->signatures.n_signed_by, tmp,
                                &signers);
    rc = wh_registry_cosign_layers(ctx->registry, ref, out->facts.digest, "sig", ctx->deadline_ms,
                                   tmp, &layers, &n_layers, &err);
    if (rc == WH_E_NOT_FOUND)
        return;
    if (rc != WH_OK) {
        out->error = wh_arena_sprintf(tmp, "fetching cosign signatures: %s", err.msg);
        return;
    }
    if (n_signers == 0) {
        out->signature_detail =
            no_key_detail(rule->signatures.signed_by, rule->signatures.n_signed_by, keep);
        return;
    }
    for (i = 0; i < n_layers; i++) {
        const char *who;
        if (layers[i].signature == NULL)
            continue;
        rc = wh_verify_signature(layers[i].blob, wh_str_c(layers[i].signature), signers, n_signers,
                                 out->facts.digest, tmp, &who, &err);
        if (rc == WH_OK) {
            out->facts.signature_signer = wh_arena_strdup(keep, who);
            return;
        }
        out->signature_detail =
            wh_arena_sprintf(keep, "signature %zu of %zu: %s", i + 1, n_layers, err.msg);
    }
}

/* cosign .att: every layer is tried; the ones that verify become attestations, and the first
 * verified one of the rule's SBOM type is parsed into out->sbom. */
static void
check_attestations(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
                   const struct wh_policy_image *rule, struct wh_arena *keep,
                   struct image_facts *out)
{
    struct wh_arena *tmp = ctx->arena;
    struct wh_cosign_layer *layers;
    struct wh_verify_signer *signers;
    struct wh_facts *facts = &out->facts;
    size_t n_layers, n_signers, i;
    struct wh_error err;
    enum wh_err rc;

    n_signers = collect_signers(rule->sbom.signed_by, rule->sbom.n_signed_by, tmp, &signers);
    rc = wh_registry_cosign_layers(ctx->registry, ref, facts->digest, "att", ctx->deadline_ms, tmp,
                                   &layers, &n_layers, &err);
    if (rc == WH_E_NOT_FOUND)
        return;
    if (rc != WH_OK) {
        out->error = wh_arena_sprintf(tmp, "fetching cosign attestations: %s", err.msg);
        return;
    }
    if (n_signers == 0) {
        out->verify_detail = no_key_detail(rule->sbom.signed_by, rule->sbom.n_signed_by, keep);
        return;
    }
    facts->attestations =
        wh_arena_calloc(keep, n_layers == 0 ? 1 : n_layers, sizeof(*facts->attestations));
    for (i = 0; i < n_layers; i++) {
        struct wh_attestation att, *kept;
        struct wh_sbom *sbom;

        rc = wh_verify_attestation(layers[i].blob, signers, n_signers, facts->digest,
                                   rule->sbom.predicate_type, ctx->limits, tmp, &att, &err);
        if (rc != WH_OK) {
            out->verify_detail =
                wh_arena_sprintf(keep, "attestation %zu of %zu: %s", i + 1, n_layers, err.msg);
            continue;
        }
        kept = &facts->attestations[facts->n_attestations++];
        kept->predicate_type = wh_arena_strdup(keep, att.predicate_type);
        kept->signer = wh_arena_strdup(keep, att.signer);
        if (out->sbom != NULL)
            continue;
        /* The SBOM is kept parsed, not as bytes: that is what every later review needs. */
        sbom = wh_arena_alloc(keep, sizeof(*sbom));
        if (wh_sbom_parse(att.predicate, ctx->limits, keep, sbom, &err) != WH_OK) {
            facts->n_attestations--;
            out->verify_detail =
                wh_arena_sprintf(keep, "attestation %zu of %zu: SBOM predicate: %s", i + 1,
                                 n_layers, err.msg);
            continue;
        }
        out->sbom = sbom;
    }
}

/* Fetches and verifies (or finds in the cache) the facts of `digest` under `rule`. The result
 * lives until the review's arena is finished. */
static const struct image_facts *
image_facts(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
            const char *digest, const struct wh_policy_image *rule, bool want_signature)
{
    struct wh_cache_entry *entry = NULL;
    struct image_facts *f;
    struct wh_arena *keep = ctx->arena;
    const char *key = NULL;
    int64_t ttl;

    if (ctx->cache != NULL) {
        const struct image_facts *hit;
        key = wh_arena_sprintf(ctx->arena, "facts|%llu|%zu|%d|%s/%s@%s",
                               (unsigned long long)ctx->generation, rule->index, want_signature,
                               ref->registry, ref->repository, digest);
        hit = wh_cache_get(ctx->cache, key, wh_clock_mono_ms(), &entry);
        if (hit != NULL) {
            wh_arena_defer(ctx->arena, release_entry, entry);
            return hit;
        }
        entry = wh_cache_entry_new(key);
        keep = wh_cache_entry_arena(entry);
    }
    f = wh_arena_alloc(keep, sizeof(*f));
    f->facts.digest = wh_arena_strdup(keep, digest);
    if (want_signature && rule->signatures.n_signed_by > 0)
        check_signature(ctx, ref, rule, keep, f);
    if (f->error == NULL && rule->sbom.required)
        check_attestations(ctx, ref, rule, keep, f);
    if (entry == NULL)
        return f;
    if (f->error != NULL) {
        /* Never cache an infrastructure failure: hand the caller a copy in its own arena. */
        struct image_facts *copy = wh_arena_memdup(ctx->arena, f, sizeof(*f));
        copy->facts.digest = wh_arena_strdup(ctx->arena, digest);
        copy->facts.signature_signer = NULL;
        copy->facts.n_attestations = 0;
        copy->sbom = NULL;
        copy->verify_detail = NULL;
        copy->signature_detail = NULL;
        wh_cache_entry_unref(entry);
        return copy;
    }
    /* Complete facts live long (a digest never changes); missing ones are re-checked soon,
     * since the signature may be pushed a moment after the image. */
    ttl = (want_signature && rule->signatures.n_signed_by > 0 &&
           f->facts.signature_signer == NULL) ||
                  (rule->sbom.required && f->sbom == NULL)
              ? ctx->negative_ttl_ms
              : ctx->facts_ttl_ms;
    /* This review keeps a reference of its own: the entry may be evicted before it ends. */
    wh_cache_entry_ref(entry);
    wh_arena_defer(ctx->arena, release_entry, entry);
    wh_cache_put(ctx->cache, entry, f, wh_clock_mono_ms() + ttl);
    return f;
}

/* Tag → digest, through the tag cache. */
static const char *
resolve_digest(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
               const char **error)
{
    struct wh_cache_entry *entry;
    const char *digest, *key = NULL;
    struct wh_error err;

    if (ref->digest != NULL)
        return ref->digest;
    if (ctx->cache != NULL) {
        key = wh_arena_sprintf(ctx->arena, "tag|%s/%s:%s", ref->registry, ref->repository,
                               ref->tag);
        digest = wh_cache_get(ctx->cache, key, wh_clock_mono_ms(), &entry);
        if (digest != NULL) {
            digest = wh_arena_strdup(ctx->arena, digest);
            wh_cache_entry_unref(entry);
            return digest;
        }
    }
    if (wh_registry_resolve(ctx->registry, ref, ctx->deadline_ms, ctx->arena, &digest, &err) !=
        WH_OK) {
        *error = wh_arena_sprintf(ctx->arena, "resolving the digest: %s", err.msg);
        return NULL;
    }
    if (ctx->cache != NULL && ctx->tag_ttl_ms > 0) {
        entry = wh_cache_entry_new(key);
        wh_cache_put(ctx->cache, entry, wh_arena_strdup(wh_cache_entry_arena(entry), digest),
                     wh_clock_mono_ms() + ctx->tag_ttl_ms);
    }
    return digest;
}

/* "registry/devcontainer:{{tag}}" with the production tag substituted. NULL if it needs a tag
 * the production reference lacks. */
static const char *
dev_reference(const struct wh_policy_image *rule, const char *tag, struct wh_arena *a)
{
    const char *tpl = rule->dev_reference.image;
    const char *hole = strstr(tpl, "{{tag}}");

    if (hole == NULL)
        return tpl;
    if (tag == NULL)
        return NULL;
    return wh_arena_sprintf(a, "%.*s%s%s", (int)(hole - tpl), tpl, tag, hole + 7);
}

/* Resolves the dev image, verifies its SBOM attestation with the same rule's signers, diffs. */
static void
check_dev_image(const struct wh_image_check_ctx *ctx, const struct wh_policy_image *rule,
                const struct wh_sbom *prod, struct wh_image_result *out)
{
    struct wh_arena *a = ctx->arena;
    struct wh_image_ref ref;
    const struct image_facts *dev;
    const char *digest, *error = NULL;
    struct wh_error err;

    if (wh_image_ref_parse(wh_str_c(out->dev_image), a, &ref, &err) != WH_OK) {
        out->error = wh_arena_sprintf(a, "dev image %s: %s", out->dev_image, err.msg);
        return;
    }
    digest = resolve_digest(ctx, &ref, &error);
    if (digest == NULL) {
        out->error = wh_arena_sprintf(a, "dev image %s: %s", out->dev_image, error);
        return;
    }
    dev = image_facts(ctx, &ref, digest, rule, false);
    if (dev->error != NULL) {
        out->error = wh_arena_sprintf(a, "dev image %s: %s", out->dev_image, dev->error);
        return;
    }
    if (dev->sbom == NULL) {
        out->error = wh_arena_sprintf(
            a,
            "dev image %s (%s) has no verified SBOM attestation%s%s: attest its SBOM with "
            "cosign attest --type cyclonedx",
            out->dev_image, digest, dev->verify_detail != NULL ? ": " : "",
            dev->verify_detail != NULL ? dev->verify_detail : "");
        return;
    }
    out->diff = wh_arena_alloc(a, sizeof(*out->diff));
    if (wh_sbom_diff(prod, dev->sbom, a, out->diff, &err) != WH_OK) {
        out->diff = NULL;
        out->error =
            wh_arena_sprintf(a, "diffing against dev image %s: %s", out->dev_image, err.msg);
    }
}

void
wh_image_check_one(const struct wh_image_check_ctx *ctx, const char *image,
                   const char *pod_dev_image, struct wh_image_result *out)
{
    struct wh_arena *a = ctx->arena;
    struct wh_image_ref ref;
    struct wh_error err;
    const struct wh_policy_image *rule;
    const struct image_facts *prod;

    memset(out, 0, sizeof(*out));
    out->image = image;
    if (wh_image_ref_parse(wh_str_c(image), a, &ref, &err) != WH_OK) {
        out->invalid = wh_arena_sprintf(a, "invalid image reference: %s", err.msg);
        return;
    }
    out->name = wh_image_ref_name(&ref, a);
    out->tag = ref.tag;
    rule = out->rule = wh_policy_image_find(ctx->policy, out->name);
    if (rule == NULL)
        return; /* defaults.noMatch decides */
    if (rule->require_digest && ref.digest == NULL) {
        out->invalid = wh_arena_sprintf(
            a, "rule %s requires a digest: pin the image as %s@sha256:<digest>", rule->name,
            out->name);
        return;
    }
    if (ctx->registry == NULL) {
        out->error = wh_arena_sprintf(a, "registry client unavailable: %s", ctx->registry_error);
        return;
    }
    out->digest = resolve_digest(ctx, &ref, &out->error);
    if (out->digest == NULL)
        return;
    prod = image_facts(ctx, &ref, out->digest, rule, true);
    out->facts = prod->facts;
    out->verify_detail = prod->verify_detail;
    out->signature_detail = prod->signature_detail;
    out->error = prod->error;
    if (out->error != NULL || prod->sbom == NULL || rule->dev_reference.image == NULL)
        return;
    if (pod_dev_image != NULL && rule->dev_reference.allow_pod_annotation)
        out->dev_image = pod_dev_image;
    else
        out->dev_image = dev_reference(rule, ref.tag, a);
    if (out->dev_image == NULL) {
        out->error = wh_arena_sprintf(
            a,
            "the dev reference %s needs the image tag, but %s has none: reference the image "
            "by tag (and digest)",
            rule->dev_reference.image, image);
        return;
    }
    check_dev_image(ctx, rule, prod->sbom, out);
}

static const char *
pod_dev_image(const struct wh_admission_request *req)
{
    size_t i;

    for (i = 0; i < req->n_annotations; i++)
        if (strcmp(req->annotations[i].key, DEV_IMAGE_ANNOTATION) == 0)
            return req->annotations[i].value;
    return NULL;
}

void
wh_image_check_request(const struct wh_image_check_ctx *ctx,
                       const struct wh_admission_request *req, struct wh_decision *d)
{
    struct wh_image_result *results;
    size_t i, j, n_results = 0;
    const char *dev = pod_dev_image(req);

    results =
        wh_arena_calloc(ctx->arena, req->n_images == 0 ? 1 : req->n_images, sizeof(*results));
    for (i = 0; i < req->n_images; i++) {
        const struct wh_admission_image *img = &req->images[i];
        struct wh_image_result *r = NULL;
        struct wh_image_eval ev;

        /* One image used by many containers is verified once per review. */
        for (j = 0; j < n_results && r == NULL; j++)
            if (strcmp(results[j].image, img->image) == 0)
                r = &results[j];
        if (r == NULL) {
            r = &results[n_results++];
            wh_image_check_one(ctx, img->image, dev, r);
        }
        if (r->invalid != NULL) {
            wh_decision_deny(d, "%s %s: %s", img->path, img->image, r->invalid);
            wh_decision_annotate(d, wh_arena_sprintf(ctx->arena, "%zu-verdict", i), "deny");
            continue;
        }
        memset(&ev, 0, sizeof(ev));
        ev.path = img->path;
        ev.image = img->image;
        ev.digest = r->digest;
        ev.name = r->name;
        ev.rule = r->rule;
        ev.facts = &r->facts;
        ev.diff = r->diff;
        ev.dev_image = r->dev_image;
        ev.error = r->error;
        ev.verify_detail = r->verify_detail;
        ev.signature_detail = r->signature_detail;
        ev.index = (int)i;
        wh_policy_evaluate_image(ctx->policy, &ev, ctx->now, d);
    }
}
