/*
 * Per image: parse the reference, pick the rule, resolve the digest, fetch and verify cosign
 * signatures and attestations, fetch the dev image's SBOM and diff. Each distinct image of a
 * review is checked once; every container using it is evaluated with the same result.
 */
#include "pipeline/image_check.h"

#include <string.h>

#include "base/digest.h"
#include "image/ref.h"
#include "policy/model.h"
#include "registry/cosign_refs.h"
#include "sbom/diff.h"
#include "sbom/normalize.h"
#include "verify/attestation.h"

#define DEV_IMAGE_ANNOTATION "driftgate.dev/dev-image"

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
signer_names(const struct wh_policy_signer *const *in, size_t n, struct wh_arena *a)
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
    out = wh_arena_strdup(a, b.ptr == NULL ? "" : b.ptr);
    wh_buf_fini(&b);
    return out;
}

/* cosign .sig: the first layer whose simple-signing payload verifies with a signer wins. */
static void
check_signature(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
                const struct wh_policy_image *rule, struct wh_image_result *out)
{
    struct wh_arena *a = ctx->arena;
    struct wh_cosign_layer *layers;
    struct wh_verify_signer *signers;
    size_t n_layers, n_signers, i;
    struct wh_error err;
    enum wh_err rc;

    n_signers = collect_signers(rule->signatures.signed_by, rule->signatures.n_signed_by, a,
                                &signers);
    rc = wh_registry_cosign_layers(ctx->registry, ref, out->digest, "sig", ctx->deadline_ms, a,
                                   &layers, &n_layers, &err);
    if (rc == WH_E_NOT_FOUND)
        return;
    if (rc != WH_OK) {
        out->error = wh_arena_sprintf(a, "fetching cosign signatures: %s", err.msg);
        return;
    }
    if (n_signers == 0) {
        out->verify_detail = wh_arena_sprintf(
            a, "signers %s have no public key (keyless verification is not enabled)",
            signer_names(rule->signatures.signed_by, rule->signatures.n_signed_by, a));
        return;
    }
    for (i = 0; i < n_layers; i++) {
        const char *who;
        if (layers[i].signature == NULL)
            continue;
        rc = wh_verify_signature(layers[i].blob, wh_str_c(layers[i].signature), signers, n_signers,
                                 out->digest, a, &who, &err);
        if (rc == WH_OK) {
            out->facts.signature_signer = who;
            return;
        }
        out->verify_detail = wh_arena_sprintf(a, "signature %zu of %zu: %s", i + 1, n_layers,
                                              err.msg);
    }
}

/* cosign .att: every layer is tried; the ones that verify become attestations (facts). */
static void
check_attestations(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
                   const char *digest, const struct wh_policy_image *rule, struct wh_facts *facts,
                   const char **detail, const char **error)
{
    struct wh_arena *a = ctx->arena;
    struct wh_cosign_layer *layers;
    struct wh_verify_signer *signers;
    size_t n_layers, n_signers, i;
    struct wh_error err;
    enum wh_err rc;

    n_signers =
        collect_signers(rule->sbom.signed_by, rule->sbom.n_signed_by, a, &signers);
    rc = wh_registry_cosign_layers(ctx->registry, ref, digest, "att", ctx->deadline_ms, a, &layers,
                                   &n_layers, &err);
    if (rc == WH_E_NOT_FOUND)
        return;
    if (rc != WH_OK) {
        *error = wh_arena_sprintf(a, "fetching cosign attestations: %s", err.msg);
        return;
    }
    if (n_signers == 0) {
        *detail = wh_arena_sprintf(
            a, "signers %s have no public key (keyless verification is not enabled)",
            signer_names(rule->sbom.signed_by, rule->sbom.n_signed_by, a));
        return;
    }
    facts->attestations = wh_arena_calloc(a, n_layers == 0 ? 1 : n_layers,
                                          sizeof(*facts->attestations));
    for (i = 0; i < n_layers; i++) {
        struct wh_attestation att;
        rc = wh_verify_attestation(layers[i].blob, signers, n_signers, digest,
                                   rule->sbom.predicate_type, ctx->limits, a, &att, &err);
        if (rc == WH_OK)
            facts->attestations[facts->n_attestations++] = att;
        else
            *detail = wh_arena_sprintf(a, "attestation %zu of %zu: %s", i + 1, n_layers, err.msg);
    }
}

/* The verified SBOM of an image: the first attestation of the rule's predicate type. */
static const struct wh_attestation *
sbom_attestation(const struct wh_facts *facts)
{
    return facts->n_attestations > 0 ? &facts->attestations[0] : NULL;
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
    struct wh_facts facts;
    struct wh_sbom dev;
    const char *digest, *detail = NULL, *error = NULL;
    const struct wh_attestation *att;
    struct wh_error err;

    if (wh_image_ref_parse(wh_str_c(out->dev_image), a, &ref, &err) != WH_OK) {
        out->error = wh_arena_sprintf(a, "dev image %s: %s", out->dev_image, err.msg);
        return;
    }
    if (wh_registry_resolve(ctx->registry, &ref, ctx->deadline_ms, a, &digest, &err) != WH_OK) {
        out->error = wh_arena_sprintf(a, "dev image %s: %s", out->dev_image, err.msg);
        return;
    }
    memset(&facts, 0, sizeof(facts));
    facts.digest = digest;
    check_attestations(ctx, &ref, digest, rule, &facts, &detail, &error);
    if (error != NULL) {
        out->error = wh_arena_sprintf(a, "dev image %s: %s", out->dev_image, error);
        return;
    }
    att = sbom_attestation(&facts);
    if (att == NULL) {
        out->error = wh_arena_sprintf(
            a, "dev image %s (%s) has no verified SBOM attestation%s%s: attest its SBOM with "
               "cosign attest --type cyclonedx",
            out->dev_image, digest, detail != NULL ? ": " : "", detail != NULL ? detail : "");
        return;
    }
    if (wh_sbom_parse(att->predicate, ctx->limits, a, &dev, &err) != WH_OK) {
        out->error = wh_arena_sprintf(a, "dev image %s: SBOM: %s", out->dev_image, err.msg);
        return;
    }
    out->diff = wh_arena_alloc(a, sizeof(*out->diff));
    if (wh_sbom_diff(prod, &dev, a, out->diff, &err) != WH_OK) {
        out->diff = NULL;
        out->error = wh_arena_sprintf(a, "diffing against dev image %s: %s", out->dev_image,
                                      err.msg);
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
    const struct wh_attestation *att;
    struct wh_sbom prod;

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
    if (wh_registry_resolve(ctx->registry, &ref, ctx->deadline_ms, a, &out->digest, &err) !=
        WH_OK) {
        out->error = wh_arena_sprintf(a, "resolving the digest: %s", err.msg);
        return;
    }
    out->facts.digest = out->digest;
    if (rule->signatures.n_signed_by > 0) {
        check_signature(ctx, &ref, rule, out);
        if (out->error != NULL)
            return;
    }
    if (!rule->sbom.required)
        return;
    check_attestations(ctx, &ref, out->digest, rule, &out->facts, &out->verify_detail,
                       &out->error);
    att = sbom_attestation(&out->facts);
    if (out->error != NULL || att == NULL || rule->dev_reference.image == NULL)
        return;
    if (wh_sbom_parse(att->predicate, ctx->limits, a, &prod, &err) != WH_OK) {
        out->error = wh_arena_sprintf(a, "SBOM attestation: %s", err.msg);
        return;
    }
    if (pod_dev_image != NULL && rule->dev_reference.allow_pod_annotation)
        out->dev_image = pod_dev_image;
    else
        out->dev_image = dev_reference(rule, ref.tag, a);
    if (out->dev_image == NULL) {
        out->error = wh_arena_sprintf(
            a, "the dev reference %s needs the image tag, but %s has none: reference the image "
               "by tag (and digest)",
            rule->dev_reference.image, image);
        return;
    }
    check_dev_image(ctx, rule, &prod, out);
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

    results = wh_arena_calloc(ctx->arena, req->n_images == 0 ? 1 : req->n_images,
                              sizeof(*results));
    for (i = 0; i < req->n_images; i++) {
        const struct wh_admission_image *img = &req->images[i];
        struct wh_image_result *r = NULL;
        struct wh_image_eval ev;

        /* One image used by many containers is verified once per review. */
        for (j = 0; j < n_results; j++)
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
        ev.index = (int)i;
        wh_policy_evaluate_image(ctx->policy, &ev, ctx->now, d);
    }
}
