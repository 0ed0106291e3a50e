/*
 * The drift check: which dev image the production image is diffed against (a trusted override,
 * the attested one, or the rule's template with the admitted tag), resolved and verified like any
 * image (its SBOM attestation by the rule's signers), then the two SBOMs diffed (sbom/diff.c).
 * The diff of a (prod SBOM, dev SBOM) pair is a pure function of their bytes: it is cached under
 * their hashes (the drift summary), so a cached admission neither diffs again nor needs the
 * SBOMs, which live in their own byte-bounded cache (memo.c).
 */
#include "pipeline/dev_drift.h"

#include <stdint.h>
#include <string.h>

#include "pipeline/attestations.h"
#include "pipeline/failure.h"
#include "pipeline/memo.h"
#include "pipeline/platforms.h"
#include "pipeline/resolve.h"
#include "pipeline/timing.h"
#include "policy/policy.h"
#include "sbom/diff.h"
#include "verify/predicates.h"

/* The drift check against the dev image could not run: `code` decides who judges it (onError
 * for infrastructure, the rule's mode for evidence). */
static void
dev_failed(struct wh_image_result *out, enum wh_err code, const char *text)
{
    out->dev_error = text;
    out->dev_error_code = WH_NEVER(code == WH_OK) ? WH_E_INTERNAL : code;
}

/* Does `tag` (of ref's repository) name `digest`, itself or as an entry of the index it names?
 * A name:TAG@sha256:D reference is pulled by D, so when the dev image is chosen by TAG, TAG must
 * name D: otherwise app:ok@<digest of another build> borrows ok's dev image. */
static bool
tag_names_digest(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
                 const char *dev_tpl, struct wh_image_result *out)
{
    struct wh_arena *a = ctx->arena;
    struct wh_image_ref tagged = *ref;
    const struct wh_pipeline_manifest *info;
    const char *got, *error = NULL;
    enum wh_err code = WH_E_INTERNAL;
    size_t i;

    tagged.digest = NULL;
    got = wh_pipeline_resolve_digest(ctx, &tagged, &error, &code, &info);
    if (got == NULL) {
        dev_failed(out, code,
                   wh_arena_sprintf(a,
                                    "the dev reference %s is chosen by the tag %s, which did not "
                                    "resolve: %s",
                                    dev_tpl, ref->tag, error));
        return false;
    }
    if (strcmp(got, ref->digest) == 0)
        return true;
    if (info == NULL)
        info = wh_pipeline_resolve_manifest(ctx, &tagged, got);
    if (info->error != NULL) {
        dev_failed(out, info->code,
                   wh_arena_sprintf(a, "the tag %s names %s, which could not be read: %s", ref->tag,
                                    got, info->error));
        return false;
    }
    for (i = 0; info->is_index && i < info->n_platforms; i++)
        if (strcmp(info->platforms[i].digest, ref->digest) == 0)
            return true;
    dev_failed(
        out, WH_E_VERIFY,
        wh_arena_sprintf(a,
                         "the tag %s names %s, not %s: the dev reference %s is chosen by the "
                         "tag, so a tag that does not name the image cannot choose its dev "
                         "image; reference the image by the tag that names it, or name the "
                         "dev image in a signed attestation (devReference.from: "
                         "attestation)",
                         ref->tag, got, ref->digest, dev_tpl));
    return false;
}

/* devReference.from: attestation: the dev image the verified dev-environment attestation on the
 * production digest names, as "registry/devcontainer:tag@sha256:<digest>". NULL (and
 * out->dev_error, evidence) when there is none or they disagree. */
static const char *
attested_dev_image(const struct wh_image_check_ctx *ctx, const struct wh_policy_image *rule,
                   const struct wh_pipeline_facts *prod, struct wh_image_result *out)
{
    struct wh_arena *a = ctx->arena;
    const struct wh_predicates *p = prod->facts.predicates;
    const char *why = prod->dev_env_detail;

    if (p != NULL && p->dev_env != NULL && !prod->dev_env_conflict)
        return strchr(p->dev_env->reference, '@') != NULL
                   ? p->dev_env->reference
                   : wh_arena_sprintf(a, "%s@%s", p->dev_env->reference, p->dev_env->digest);
    dev_failed(out, prod->dev_env_conflict ? WH_E_VERIFY : WH_E_NOT_FOUND,
               wh_arena_sprintf(
                   a,
                   "no verified dev-environment attestation (%s) by %s names the dev image of "
                   "%s@%s%s%s%s: "
                   "attest the dev image it was tested in (driftgate attest-dev %s@%s --dev "
                   "<devcontainer>@sha256:<digest>, signed by cosign attest or any in-toto signer)",
                   WH_PREDICATE_DEV_ENV,
                   wh_policy_signer_names(rule->dev_reference.signed_by,
                                          rule->dev_reference.n_signed_by, a),
                   out->name, out->digest, why != NULL ? " (" : "", why != NULL ? why : "",
                   why != NULL ? ")" : "", out->name, out->digest));
    return NULL;
}

#define TAG_HOLE "{{tag}}"

/* Template `tpl` with its {{tag}} (at `hole`) replaced by `tag`. */
static const char *
fill_template(const char *tpl, const char *hole, const char *tag, struct wh_arena *a)
{
    return wh_arena_sprintf(a, "%.*s%s%s", (int)(hole - tpl), tpl, tag, hole + strlen(TAG_HOLE));
}

/* Which dev image the production image is diffed against: the caller's (a trusted override),
 * the attested one, or the template with the admitted tag, which must name the digest when
 * both are given. NULL with out->dev_error when none can be named. */
static const char *
choose_dev_image(const struct wh_image_check_ctx *ctx, const struct wh_policy_image *rule,
                 const struct wh_image_ref *ref, const char *image, const char *trusted,
                 const struct wh_pipeline_facts *prod, struct wh_image_result *out)
{
    struct wh_arena *a = ctx->arena;
    const char *tpl = rule->dev_reference.image;
    const char *hole;

    if (trusted != NULL)
        return trusted;
    if (wh_pipeline_attestations_dev_from(rule))
        return attested_dev_image(ctx, rule, prod, out);
    hole = strstr(tpl, TAG_HOLE);
    if (hole == NULL)
        return tpl;
    if (ref->tag == NULL) {
        dev_failed(out, WH_E_INVALID,
                   wh_arena_sprintf(a,
                                    "the dev reference %s needs the image tag, but %s has none: "
                                    "reference the image by tag (and digest), or name the dev "
                                    "image in a signed attestation (devReference.from: "
                                    "attestation)",
                                    tpl, image));
        return NULL;
    }
    if (ref->digest != NULL && !tag_names_digest(ctx, ref, tpl, out))
        return NULL;
    return fill_template(tpl, hole, ref->tag, a);
}

const char *
wh_pipeline_dev_drift_known(const struct wh_image_check_ctx *ctx,
                            const struct wh_policy_image *rule, const struct wh_image_ref *ref,
                            const char *trusted)
{
    const char *tpl = rule->dev_reference.image, *hole;

    if (trusted != NULL)
        return trusted;
    if (wh_pipeline_attestations_dev_from(rule) || tpl == NULL)
        return NULL;
    hole = strstr(tpl, TAG_HOLE);
    if (hole == NULL)
        return tpl;
    if (ref->tag == NULL || ref->digest != NULL)
        return NULL; /* a failure, or the tag must be bound to the digest first */
    return fill_template(tpl, hole, ref->tag, ctx->arena);
}

static const char *
dup_or_null(struct wh_arena *a, const char *s)
{
    return s != NULL ? wh_arena_strdup(a, s) : NULL;
}

/* A diff whose strings borrow from the SBOMs, copied whole into `a` (the drift summary kept). */
static struct wh_sbom_diff *
copy_diff(const struct wh_sbom_diff *d, struct wh_arena *a)
{
    struct wh_sbom_diff *c = wh_arena_memdup(a, d, sizeof(*d));
    size_t i;

    c->findings = wh_arena_calloc(a, d->n_findings + 1, sizeof(*c->findings));
    for (i = 0; i < d->n_findings; i++) {
        const struct wh_sbom_finding *f = &d->findings[i];
        struct wh_sbom_finding *g = &c->findings[i];

        *g = *f;
        g->key = dup_or_null(a, f->key);
        g->purl_type = dup_or_null(a, f->purl_type);
        g->name = dup_or_null(a, f->name);
        g->dev_version = dup_or_null(a, f->dev_version);
        g->prod_version = dup_or_null(a, f->prod_version);
        g->ident = dup_or_null(a, f->ident);
    }
    return c;
}

/* Diffs the SBOMs `prod` and `dev` name, through the drift cache. A failure lands in out->error
 * (the production image's SBOM could not be read again) or out->dev_error. */
static void
diff_sboms(const struct wh_image_check_ctx *ctx, const struct wh_policy_image *rule,
           const struct wh_image_ref *prod_ref, const struct wh_pipeline_facts *prod,
           const struct wh_image_ref *dev_ref, const struct wh_pipeline_facts *dev,
           struct wh_image_result *out)
{
    struct wh_arena *a = ctx->arena;
    struct wh_cache_entry *entry;
    struct wh_cache_flight *flight;
    const struct wh_sbom *ps, *ds;
    const char *pk = NULL, *dk = NULL, *error;
    const void *hit;
    enum wh_err code = WH_E_INTERNAL;
    struct wh_sbom_diff *d;
    struct wh_error err;
    bool timed_out;

    entry = NULL;
    flight = NULL;
    hit = NULL;
    timed_out = false;
    if (prod->sbom_key != NULL && dev->sbom_key != NULL)
        hit = wh_pipeline_memo_lookup(
            ctx, wh_pipeline_memo_drift_key(ctx, prod->sbom_key, dev->sbom_key), &entry, &flight,
            &timed_out);
    if (hit != NULL) {
        out->diff = (struct wh_sbom_diff *)(uintptr_t)hit; /* read only: policy/ takes it const */
        return;
    }
    if (timed_out) {
        dev_failed(out, WH_E_TIMEOUT,
                   wh_arena_sprintf(a,
                                    "timed out waiting for a concurrent diff against dev image %s",
                                    out->dev_image));
        return;
    }
    d = NULL;
    ps = wh_pipeline_memo_sbom(ctx, prod_ref, rule, prod, &pk, &error, &code);
    if (ps == NULL) {
        wh_pipeline_fail(a, &out->error, &out->error_code, error != NULL ? code : WH_E_INTERNAL,
                         "SBOM of %s: %s", out->digest, error != NULL ? error : "none verified");
        goto out;
    }
    ds = wh_pipeline_memo_sbom(ctx, dev_ref, rule, dev, &dk, &error, &code);
    if (ds == NULL) {
        dev_failed(out, error != NULL ? code : WH_E_INTERNAL,
                   wh_arena_sprintf(a, "dev image %s: SBOM: %s", out->dev_image,
                                    error != NULL ? error : "none verified"));
        goto out;
    }
    d = wh_arena_alloc(a, sizeof(*d));
    if (wh_sbom_diff(ps, ds, a, d, &err) != WH_OK) {
        d = NULL;
        dev_failed(
            out, err.code,
            wh_arena_sprintf(a, "diffing against dev image %s: %s", out->dev_image, err.msg));
        goto out;
    }
    out->diff = d;
out:
    /* Kept only under the hashes of the SBOMs it was computed from (verified again after an
     * eviction, they may be other bytes than the facts recorded). */
    if (d != NULL && entry != NULL && pk != NULL && dk != NULL && strcmp(pk, prod->sbom_key) == 0 &&
        strcmp(dk, dev->sbom_key) == 0) {
        wh_pipeline_memo_publish(ctx, entry, flight, copy_diff(d, wh_cache_entry_arena(entry)),
                                 ctx->facts_ttl_ms);
        return;
    }
    wh_pipeline_memo_publish(ctx, entry, flight, NULL, 0);
}

void
wh_pipeline_dev_drift_fetch(const struct wh_image_check_ctx *ctx,
                            const struct wh_policy_image *rule, const char *dev_image,
                            const struct wh_admission_platforms *platforms,
                            const char *prod_platform, struct wh_pipeline_dev_ahead *out)
{
    const struct wh_pipeline_manifest *info;
    int64_t t0;

    memset(out, 0, sizeof(*out));
    out->dev_image = dev_image;
    out->prod_platform = prod_platform;
    out->code = WH_E_INTERNAL;
    if (wh_image_ref_parse(wh_str_c(dev_image), ctx->arena, &out->ref, &out->parse_err) != WH_OK)
        return;
    out->is_parsed = true;
    t0 = wh_pipeline_timing_now_us();
    out->digest = wh_pipeline_resolve_digest(ctx, &out->ref, &out->error, &out->code, &info);
    wh_pipeline_timing_add(ctx, WH_PIPELINE_STEP_RESOLVE, t0);
    if (out->digest == NULL)
        return;
    t0 = wh_pipeline_timing_now_us();
    wh_pipeline_platforms_select(ctx, &out->ref, out->digest, rule, false, WH_POLICY_PLATFORMS_ANY,
                                 platforms, prod_platform, info, &out->sel);
    wh_pipeline_timing_add(ctx, WH_PIPELINE_STEP_VERIFY, t0);
}

static bool
same_platform(const char *x, const char *y)
{
    return x == y || (x != NULL && y != NULL && strcmp(x, y) == 0);
}

/* Resolves the dev image, verifies its SBOM attestation with the same rule's signers, diffs
 * (`ahead`: the first two already done, or NULL). A multi-arch dev image is judged on the
 * platform the production image was (else the pod's). Every failure lands in out->dev_error with
 * its code: a dev tag re-pointed at an image without a verified SBOM is missing evidence, not an
 * error onError may wave through. */
static void
check_dev_image(const struct wh_image_check_ctx *ctx, const struct wh_policy_image *rule,
                const struct wh_image_ref *prod_ref, const struct wh_pipeline_facts *prod,
                const struct wh_admission_platforms *platforms, const char *prod_platform,
                const struct wh_pipeline_dev_ahead *ahead, struct wh_image_result *out)
{
    struct wh_arena *a = ctx->arena;
    struct wh_pipeline_dev_ahead now;
    const struct wh_pipeline_selection *dev;
    const char *where;
    int64_t t0;

    if (ahead == NULL || strcmp(ahead->dev_image, out->dev_image) != 0 ||
        !same_platform(ahead->prod_platform, prod_platform)) {
        wh_pipeline_dev_drift_fetch(ctx, rule, out->dev_image, platforms, prod_platform, &now);
        ahead = &now;
    }
    if (!ahead->is_parsed) {
        dev_failed(out, ahead->parse_err.code,
                   wh_arena_sprintf(a, "dev image %s: %s", out->dev_image, ahead->parse_err.msg));
        return;
    }
    if (ahead->digest == NULL) {
        dev_failed(out, ahead->code,
                   wh_arena_sprintf(a, "dev image %s: %s", out->dev_image, ahead->error));
        return;
    }
    out->dev_digest = ahead->digest;
    dev = &ahead->sel;
    if (dev->error != NULL || dev->invalid != NULL) {
        dev_failed(out, dev->error != NULL ? dev->error_code : WH_E_INVALID,
                   wh_arena_sprintf(a, "dev image %s: %s", out->dev_image,
                                    dev->error != NULL ? dev->error : dev->invalid));
        return;
    }
    if (WH_NEVER(dev->facts == NULL)) {
        wh_pipeline_fail(a, &out->error, &out->error_code, WH_E_INTERNAL,
                         "dev image %s: nothing selected", out->dev_image);
        return;
    }
    if (!wh_pipeline_memo_has_sbom(dev->facts)) {
        where = dev->platform != NULL ? wh_arena_sprintf(a, "%s, platform %s %s", ahead->digest,
                                                         dev->platform, dev->digest)
                                      : ahead->digest;
        dev_failed(
            out, dev->facts->verify_detail != NULL ? WH_E_VERIFY : WH_E_NOT_FOUND,
            wh_arena_sprintf(a,
                             "dev image %s (%s) has no verified SBOM attestation%s%s: "
                             "attest its SBOM with cosign attest --type cyclonedx",
                             out->dev_image, where, dev->facts->verify_detail != NULL ? ": " : "",
                             dev->facts->verify_detail != NULL ? dev->facts->verify_detail : ""));
        return;
    }
    out->dev_predicates = dev->facts->facts.predicates;
    t0 = wh_pipeline_timing_now_us();
    diff_sboms(ctx, rule, prod_ref, prod, &ahead->ref, dev->facts, out);
    wh_pipeline_timing_add(ctx, WH_PIPELINE_STEP_SBOM, t0);
}

void
wh_pipeline_dev_drift_check(const struct wh_image_check_ctx *ctx,
                            const struct wh_policy_image *rule, const struct wh_image_ref *ref,
                            const char *image, const char *trusted,
                            const struct wh_pipeline_facts *prod,
                            const struct wh_admission_platforms *platforms,
                            const char *prod_platform, const struct wh_pipeline_dev_ahead *ahead,
                            struct wh_image_result *out)
{
    out->dev_image = choose_dev_image(ctx, rule, ref, image, trusted, prod, out);
    if (out->dev_image != NULL)
        check_dev_image(ctx, rule, ref, prod, platforms, prod_platform, ahead, out);
}
