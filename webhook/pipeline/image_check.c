/*
 * Per image: parse the reference, pick the rule, resolve the digest (one GET of the manifest,
 * which also says whether it is a multi-arch index), select the platforms the pod can run, fetch
 * and verify cosign signatures and attestations where the rule's `platforms` says, fetch the dev
 * image's SBOM and diff. Each distinct image of a review is checked once. Verified facts are
 * cached by (policy generation, rule, digest), manifests by digest, tags by name:tag for a short
 * TTL; concurrent reviews of one key share one computation (cache singleflight). Infrastructure
 * errors are cached for FAILURE_TTL_MS at most, as errors: never as verified facts. A failure
 * keeps its enum wh_err: infrastructure (onError decides) or evidence a pusher can write, which
 * counts as missing evidence (README "Infrastructure or evidence").
 */
#include "pipeline/image_check.h"

#include <string.h>

#include "base/clock.h"
#include "base/digest.h"
#include "image/ref.h"
#include "pipeline/keyless_check.h"
#include "policy/model.h"
#include "registry/cosign_refs.h"
#include "registry/manifest.h"
#include "registry/platform.h"
#include "sbom/diff.h"
#include "sbom/normalize.h"
#include "verify/attestation.h"
#include "verify/cosign_sig.h"
#include "verify/predicates.h"

#define DEV_IMAGE_ANNOTATION "driftgate.dev/dev-image"
/* How long a registry failure is shared with other reviews before it is retried. */
#define FAILURE_TTL_MS 2000
/* Image entries of an index (nested indexes included) considered; more → WH_E_LIMIT. */
#define MAX_PLATFORMS 64
/* Nested indexes: how deep below the image's own index, and how many per image. */
#define MAX_INDEX_DEPTH 3
#define MAX_NESTED_INDEXES 16

/* One image entry of an index (registry/platform.h): a manifest a runtime may pull. */
struct platform {
    const char *name;      /* normalised: "linux/arm64", "linux/arm/v7", "?/amd64" */
    const char *label;     /* for messages and the <n>-platform annotation: the name, how the index
                            * spelled it when that differs, and the nested index it sits in */
    const char *os, *arch; /* normalised; "" when absent */
    bool is_known;         /* os and arch known: else runnable on every node */
    const char *digest;    /* the platform manifest */
    const char **parents;  /* nested indexes above it, innermost first (not the image's index) */
    size_t n_parents;
};
/* What GET manifest said about a digest: cached per digest (it never changes). */
struct digest_info {
    bool is_index;
    struct platform *platforms; /* every image entry, in index order (depth first) */
    size_t n_platforms;
    const char *error; /* failure, cached FAILURE_TTL_MS */
    enum wh_err code;  /* error's */
};
/* A tag's resolution: the digest, or why it failed. */
struct tag_result {
    const char *digest;
    const char *error;
    enum wh_err code;
};

/* What verification established about one digest under one rule: cached as a unit. */
struct image_facts {
    struct wh_facts facts;
    const char *signature_detail; /* why a present .sig layer did not verify */
    const char *verify_detail;    /* why a present .att layer did not verify */
    const struct wh_sbom *sbom;   /* the verified SBOM attestation, parsed; NULL if none */
    const char *dev_env_detail;   /* why a dev-environment attestation was not taken */
    bool dev_env_conflict;        /* verified ones name different dev images: none is taken */
    const char *error;            /* infrastructure error: never cached */
    enum wh_err error_code;
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

/* The layer's cosign annotations for pipeline/keyless_check.c. */
static struct wh_keyless_layer
keyless_layer(const struct wh_cosign_layer *l, bool is_dsse)
{
    struct wh_keyless_layer k;

    memset(&k, 0, sizeof(k));
    k.blob = l->blob;
    k.is_dsse = is_dsse;
    k.signature = l->signature;
    k.certificate = l->certificate;
    k.chain = l->chain;
    k.bundle = l->bundle;
    k.rfc3161 = l->rfc3161_timestamp;
    return k;
}

/* Fail closed, and say so: keyless signers with no trust root can never be satisfied. */
static const char *
no_trust_detail(const struct wh_image_check_ctx *ctx, const struct wh_policy_signer *const *in,
                size_t n)
{
    if (ctx->trust != NULL || !wh_keyless_signers_any(in, n))
        return NULL;
    return "keyless signers need a trust root (Fulcio, Rekor, CT log): configure trustRoots "
           "(or --trusted-root)";
}

/* Records a verified signature by policy signer `who` (keyless: certificate `identity`) unless
 * that signer already counted: a key signer counts once by name (the loader refuses two names
 * for one key when count > 1), a keyless identity once however many policy signers it meets. */
static void
add_signature_signer(struct wh_facts *facts, const char *who, const char *identity,
                     struct wh_arena *keep)
{
    const char *id = identity != NULL ? identity : who;
    const char **list;
    size_t i;

    for (i = 0; i < facts->n_signature_signers; i++)
        if (strcmp(facts->signature_signers[i], id) == 0)
            return;
    list = wh_arena_calloc(keep, facts->n_signature_signers + 2, sizeof(*list));
    if (facts->n_signature_signers > 0)
        memcpy(list, facts->signature_signers, facts->n_signature_signers * sizeof(*list));
    list[facts->n_signature_signers] = wh_arena_strdup(keep, id);
    facts->signature_signers = list;
    facts->n_signature_signers++;
    if (facts->signature_signer == NULL)
        facts->signature_signer = wh_arena_strdup(keep, who);
}

/* A failed fetch of cosign evidence (.sig, .att, referrers): infrastructure becomes the facts'
 * error (onError decides); anything a pusher can write (an index or garbage at the tag, too many
 * layers, a missing or altered blob) is returned as a detail: the evidence is missing. */
static const char *
fetch_failed(struct image_facts *out, const char *what, const struct wh_error *err,
             struct wh_arena *keep)
{
    if (wh_policy_on_error_applies(err->code)) {
        out->error = wh_arena_sprintf(keep, "fetching %s: %s", what, err->msg);
        out->error_code = err->code;
        return NULL;
    }
    return wh_arena_sprintf(keep, "%s: %s", what, err->msg);
}

static bool
same_str(const char *x, const char *y)
{
    return x == y || (x != NULL && y != NULL && strcmp(x, y) == 0);
}

/* Layer i of a .sig/.att manifest repeats an earlier one: the same blob with the same
 * signature material (for .att the blob alone decides: the DSSE envelope carries its
 * signatures, and a certificate that signed it is the one whose key made them). Verifying it
 * again could not change the outcome; it is skipped, so one blob named by every layer costs one
 * verification. */
static bool
repeats_earlier(const struct wh_cosign_layer *layers, size_t i, bool is_dsse)
{
    size_t j;

    for (j = 0; j < i; j++) {
        const struct wh_cosign_layer *x = &layers[j], *y = &layers[i];

        if (strcmp(x->digest, y->digest) != 0)
            continue;
        if (is_dsse ||
            (same_str(x->signature, y->signature) && same_str(x->certificate, y->certificate) &&
             same_str(x->chain, y->chain) && same_str(x->bundle, y->bundle) &&
             same_str(x->rfc3161_timestamp, y->rfc3161_timestamp)))
            return true;
    }
    return false;
}

/* One .sig layer (blob fetched) against the rule's signers; *who in `a` on WH_OK. */
static enum wh_err
verify_signature_layer(const struct wh_image_check_ctx *ctx, const struct wh_policy_image *rule,
                       const struct wh_verify_signer *signers, size_t n_signers,
                       const struct wh_cosign_layer *l, const char *digest, struct wh_arena *a,
                       const char **who, const char **identity, struct wh_error *err)
{
    struct wh_keyless_layer kl = keyless_layer(l, false);
    enum wh_err rc;

    if (l->certificate != NULL)
        return wh_keyless_check_layer(&kl, digest, ctx->trust, rule->signatures.signed_by,
                                      rule->signatures.n_signed_by, ctx->limits, a, who, identity,
                                      NULL, err);
    if (n_signers == 0)
        return wh_error_set(err, WH_E_VERIFY,
                            "signed with a key, but the rule's signers are all keyless");
    rc = wh_verify_signature(l->blob, wh_str_c(l->signature), signers, n_signers, digest, a, who,
                             err);
    if (rc != WH_OK)
        return rc;
    return wh_keyless_check_key_tlog(
        &kl, wh_keyless_signer_find(rule->signatures.signed_by, rule->signatures.n_signed_by, *who),
        ctx->trust, ctx->limits, a, err);
}

/* .sig blobs are simple-signing payloads: never more than verify/cosign_sig.h accepts. */
static size_t
signature_blob_max(const struct wh_image_check_ctx *ctx)
{
    return ctx->limits->blob_bytes < WH_COSIGN_PAYLOAD_MAX ? ctx->limits->blob_bytes
                                                           : WH_COSIGN_PAYLOAD_MAX;
}

/* cosign .sig: layers are verified in order until signatures.count distinct signers verified
 * (count 1: the first that verifies wins): a key layer with a signer's key, a certificate layer
 * keyless against the trust root and a keyless signer's identity. Layers are fetched and verified
 * one at a time, each in its own scratch arena freed before the next (blobs are the registry
 * client's, once per review); what is kept goes to `keep`. */
static void
check_signature(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
                const struct wh_policy_image *rule, struct wh_arena *keep, struct image_facts *out)
{
    struct wh_arena *tmp = ctx->arena;
    struct wh_cosign_layer *layers;
    struct wh_verify_signer *signers;
    size_t n_layers, n_signers, i, max = signature_blob_max(ctx);
    struct wh_error err;
    enum wh_err rc;

    n_signers =
        collect_signers(rule->signatures.signed_by, rule->signatures.n_signed_by, tmp, &signers);
    rc = wh_registry_cosign_manifest(ctx->registry, ref, out->facts.digest, "sig", max,
                                     ctx->deadline_ms, tmp, &layers, &n_layers, &err);
    if (rc == WH_E_NOT_FOUND) {
        out->signature_detail =
            no_trust_detail(ctx, rule->signatures.signed_by, rule->signatures.n_signed_by);
        return;
    }
    if (rc != WH_OK) {
        out->signature_detail = fetch_failed(out, "cosign signatures", &err, keep);
        return;
    }
    for (i = 0; i < n_layers && out->facts.n_signature_signers < rule->signatures.count; i++) {
        struct wh_arena scratch;
        const char *who = NULL, *identity = NULL;

        if ((layers[i].certificate == NULL && layers[i].signature == NULL) ||
            repeats_earlier(layers, i, false))
            continue;
        wh_arena_init(&scratch);
        rc = wh_registry_cosign_layer_fetch(ctx->registry, ref, &layers[i], max, ctx->deadline_ms,
                                            &scratch, &err);
        if (rc != WH_OK) {
            /* A missing or altered blob is missing evidence; an unreachable registry is not. */
            const char *d = fetch_failed(out, "cosign signature layer", &err, keep);

            wh_arena_fini(&scratch);
            if (d == NULL)
                return;
            out->signature_detail =
                wh_arena_sprintf(keep, "signature %zu of %zu: %s", i + 1, n_layers, d);
            continue;
        }
        rc = verify_signature_layer(ctx, rule, signers, n_signers, &layers[i], out->facts.digest,
                                    &scratch, &who, &identity, &err);
        if (rc == WH_OK) {
            add_signature_signer(&out->facts, who, identity, keep);
            wh_arena_fini(&scratch);
            continue;
        }
        out->signature_detail =
            wh_arena_sprintf(keep, "signature %zu of %zu: %s", i + 1, n_layers, err.msg);
        wh_arena_fini(&scratch);
    }
    if (out->facts.n_signature_signers >= rule->signatures.count)
        out->signature_detail = NULL;
}

static int64_t
now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

enum step { STEP_RESOLVE, STEP_VERIFY, STEP_SBOM, STEP_EVALUATE };

/* Adds the time since `since` (now_us) to one step of the review's timing, when measured. */
static void
account(const struct wh_image_check_ctx *ctx, enum step step, int64_t since)
{
    int64_t d;

    if (ctx->timing == NULL)
        return;
    d = now_us() - since;
    switch (step) {
    case STEP_RESOLVE:
        ctx->timing->resolve_us += d;
        break;
    case STEP_VERIFY:
        ctx->timing->verify_us += d;
        break;
    case STEP_SBOM:
        ctx->timing->sbom_us += d;
        break;
    case STEP_EVALUATE:
        ctx->timing->evaluate_us += d;
        break;
    }
}

/* Cache keys of a review that reads with its pod's pull secrets are its own: a failure (a 401)
 * seen without the secret must not answer a review that has one, nor the other way round. */
static const char *
creds_scope(const struct wh_image_check_ctx *ctx)
{
    const char *k = ctx->registry != NULL ? wh_registry_client_credentials_key(ctx->registry) : "";

    return k == NULL || *k == '\0' ? "" : wh_arena_sprintf(ctx->arena, "creds=%s|", k);
}

/* A signer name listed in a rule's signer set. */
static bool
signer_listed(const struct wh_policy_signer *const *list, size_t n, const char *name)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strcmp(list[i]->name, name) == 0)
            return true;
    return false;
}

/* Adds the key-holding signers of `list` not yet in `all` (the union of every attestation kind's
 * signers: an envelope is verified once, then routed by its signed predicate type). */
static void
add_signers(const struct wh_policy_signer *const *list, size_t n, struct wh_verify_signer *all,
            size_t *n_all)
{
    size_t i, j;

    for (i = 0; i < n; i++) {
        bool seen = list[i]->key == NULL;
        for (j = 0; j < *n_all && !seen; j++)
            seen = strcmp(all[j].name, list[i]->name) == 0;
        if (seen)
            continue;
        all[*n_all].name = list[i]->name;
        all[*n_all].key = list[i]->key;
        (*n_all)++;
    }
}

static bool
dev_from_attestation(const struct wh_policy_image *rule)
{
    return rule->dev_reference.from == WH_POLICY_DEV_FROM_ATTESTATION;
}

static bool
wants_attestations(const struct wh_policy_image *rule)
{
    return rule->sbom.required || rule->provenance.required || rule->vulns.required ||
           rule->agent.required || dev_from_attestation(rule);
}

static bool
is_type(const char *got, const char *want)
{
    return want != NULL && strcmp(got, wh_verify_predicate_type_canonical(want)) == 0;
}

/* A verified dev-environment attestation: taken when by a devReference signer; one that names
 * another dev image than an earlier one makes the choice ambiguous, so none is taken (a pusher
 * could otherwise pick by reordering the .att layers). */
static void
take_dev_env(const struct wh_policy_image *rule, const struct wh_attestation *att,
             const struct wh_dev_environment *got, struct wh_arena *keep,
             struct wh_predicates *preds, struct image_facts *out, size_t i, size_t n)
{
    const struct wh_dev_environment *had = preds->dev_env;

    if (!signer_listed(rule->dev_reference.signed_by, rule->dev_reference.n_signed_by,
                       att->signer)) {
        out->dev_env_detail = wh_arena_sprintf(
            keep,
            "attestation %zu of %zu: dev-environment attestation signed by %s, not by a "
            "devReference signer",
            i + 1, n, att->signer);
        return;
    }
    if (had == NULL) {
        preds->dev_env = got;
        preds->dev_env_signer = wh_arena_strdup(keep, att->signer);
        return;
    }
    if (strcmp(had->digest, got->digest) != 0) {
        out->dev_env_conflict = true;
        out->dev_env_detail = wh_arena_sprintf(
            keep, "verified dev-environment attestations name different dev images (%s@%s, %s@%s)",
            had->reference, had->digest, got->reference, got->digest);
    }
}

/* Provenance, vulnerability, agent and dev-environment predicates the rule asks for, each only
 * from its own signers and of its own predicate type; the first verified one of each kind wins,
 * except that an agent-provenance attestation listing commits wins over an empty one (the order
 * of .att layers is the pusher's to choose). */
static void
route_predicate(const struct wh_image_check_ctx *ctx, const struct wh_policy_image *rule,
                const struct wh_attestation *att, struct wh_arena *keep,
                struct wh_predicates *preds, struct image_facts *out, size_t i, size_t n)
{
    const char **detail = &out->verify_detail;
    struct wh_predicates got;
    struct wh_error err;
    const char *type = att->predicate_type;
    bool slsa = strncmp(type, "https://slsa.dev/provenance/", 28) == 0;
    bool want_prov =
        rule->provenance.required && preds->provenance == NULL &&
        (rule->provenance.predicate_type != NULL ? is_type(type, rule->provenance.predicate_type)
                                                 : slsa) &&
        signer_listed(rule->provenance.signed_by, rule->provenance.n_signed_by, att->signer);
    bool want_vulns =
        rule->vulns.required && preds->vulns == NULL &&
        is_type(type, rule->vulns.predicate_type != NULL ? rule->vulns.predicate_type
                                                         : WH_PREDICATE_COSIGN_VULN) &&
        signer_listed(rule->vulns.signed_by, rule->vulns.n_signed_by, att->signer);
    bool want_agent = rule->agent.required &&
                      (preds->agent == NULL || preds->agent->n_commits == 0) &&
                      is_type(type, WH_PREDICATE_AGENT) &&
                      signer_listed(rule->agent.signed_by, rule->agent.n_signed_by, att->signer);
    bool want_dev = dev_from_attestation(rule) && strcmp(type, WH_PREDICATE_DEV_ENV) == 0;

    if (!want_prov && !want_vulns && !want_agent && !want_dev)
        return;
    memset(&got, 0, sizeof(got));
    if (wh_verify_predicates_parse(att, ctx->limits, keep, &got, &err) != WH_OK) {
        const char *d = wh_arena_sprintf(keep, "attestation %zu of %zu: %s predicate: %s", i + 1, n,
                                         type, err.msg);
        if (want_dev)
            out->dev_env_detail = d;
        else
            *detail = d;
        return;
    }
    if (want_dev && got.dev_env != NULL)
        take_dev_env(rule, att, got.dev_env, keep, preds, out, i, n);
    if (want_prov && got.provenance != NULL) {
        preds->provenance = got.provenance;
        preds->provenance_signer = wh_arena_strdup(keep, att->signer);
    }
    if (want_vulns && got.vulns != NULL) {
        preds->vulns = got.vulns;
        preds->vulns_signer = wh_arena_strdup(keep, att->signer);
    }
    if (want_agent && got.agent != NULL) {
        preds->agent = got.agent;
        preds->agent_signer = wh_arena_strdup(keep, att->signer);
    }
}

/* Every signer of the rule's attestation kinds, key and keyless, each once (by name). */
static size_t
attestation_signers(const struct wh_policy_image *rule, bool with_signatures, struct wh_arena *a,
                    const struct wh_policy_signer ***out)
{
    struct {
        const struct wh_policy_signer *const *list;
        size_t n;
    } sets[] = {{rule->sbom.signed_by, rule->sbom.n_signed_by},
                {rule->provenance.signed_by, rule->provenance.n_signed_by},
                {rule->vulns.signed_by, rule->vulns.n_signed_by},
                {rule->agent.signed_by, rule->agent.n_signed_by},
                {rule->dev_reference.signed_by, rule->dev_reference.n_signed_by},
                {rule->signatures.signed_by, rule->signatures.n_signed_by}};
    size_t n_sets = with_signatures ? 6 : 5, total = 1, k = 0, i, j, m;
    const struct wh_policy_signer **all;

    for (i = 0; i < n_sets; i++)
        total += sets[i].n;
    all = wh_arena_calloc(a, total, sizeof(*all));
    for (i = 0; i < n_sets; i++)
        for (j = 0; j < sets[i].n; j++) {
            bool seen = false;
            for (m = 0; m < k && !seen; m++)
                seen = strcmp(all[m]->name, sets[i].list[j]->name) == 0;
            if (!seen)
                all[k++] = sets[i].list[j];
        }
    *out = all;
    return k;
}

/* A verified statement (key, keyless or bundle): recorded, then routed by its signed predicate
 * type: the first SBOM of the rule's type by one of its SBOM signers is parsed into out->sbom;
 * provenance, vulnerability and agent predicates go to `preds`. `what` names it in details. */
static void
take_attestation(const struct wh_image_check_ctx *ctx, const struct wh_policy_image *rule,
                 const struct wh_attestation *att, struct wh_arena *keep, struct image_facts *out,
                 struct wh_predicates *preds, const char *what, size_t i, size_t n)
{
    struct wh_facts *facts = &out->facts;
    struct wh_attestation *kept = &facts->attestations[facts->n_attestations++];
    struct wh_sbom *sbom;
    struct wh_error err;

    kept->predicate_type = wh_arena_strdup(keep, att->predicate_type);
    kept->signer = wh_arena_strdup(keep, att->signer);
    route_predicate(ctx, rule, att, keep, preds, out, i, n);
    if (!rule->sbom.required || out->sbom != NULL)
        return;
    if (!is_type(att->predicate_type, rule->sbom.predicate_type)) {
        out->verify_detail = wh_arena_sprintf(
            keep, "%s %zu of %zu: predicateType \"%s\" is not the required %s", what, i + 1, n,
            att->predicate_type, wh_verify_predicate_type_canonical(rule->sbom.predicate_type));
        return;
    }
    if (!signer_listed(rule->sbom.signed_by, rule->sbom.n_signed_by, att->signer)) {
        out->verify_detail =
            wh_arena_sprintf(keep, "%s %zu of %zu: signed by %s, not by an SBOM signer of rule %s",
                             what, i + 1, n, att->signer, rule->name);
        return;
    }
    /* The SBOM is kept parsed, not as bytes: that is what every later review needs. */
    sbom = wh_arena_alloc(keep, sizeof(*sbom));
    if (wh_sbom_parse(att->predicate, ctx->limits, keep, sbom, &err) != WH_OK) {
        out->verify_detail =
            wh_arena_sprintf(keep, "%s %zu of %zu: SBOM predicate: %s", what, i + 1, n, err.msg);
        return;
    }
    out->sbom = sbom;
}

/* Room for `more` attestations next to those already kept. */
static void
grow_attestations(struct wh_facts *facts, size_t more, struct wh_arena *keep)
{
    struct wh_attestation *a = wh_arena_calloc(keep, facts->n_attestations + more + 1, sizeof(*a));

    if (facts->n_attestations > 0)
        memcpy(a, facts->attestations, facts->n_attestations * sizeof(*a));
    facts->attestations = a;
}

static struct wh_predicates *
predicates_of(struct image_facts *out, struct wh_arena *keep)
{
    if (out->facts.predicates != NULL)
        return (struct wh_predicates *)(uintptr_t)out->facts.predicates;
    return wh_arena_calloc(keep, 1, sizeof(struct wh_predicates));
}

static void
publish_predicates(struct image_facts *out, struct wh_predicates *preds)
{
    if (preds->provenance != NULL || preds->vulns != NULL || preds->agent != NULL ||
        preds->dev_env != NULL)
        out->facts.predicates = preds;
}

/* One .att layer (blob fetched): keyless against the trust root and the union's keyless signers,
 * or with the union's key signers (then its tlog entry as transparencyLog says). *att in `a`. */
static enum wh_err
verify_attestation_layer(const struct wh_image_check_ctx *ctx,
                         const struct wh_verify_signer *signers, size_t n_signers,
                         const struct wh_policy_signer **all, size_t n_all,
                         const struct wh_cosign_layer *l, const char *digest, struct wh_arena *a,
                         struct wh_attestation *att, struct wh_error *err)
{
    struct wh_keyless_layer kl = keyless_layer(l, true);
    const char *who = NULL;
    enum wh_err rc;

    memset(att, 0, sizeof(*att));
    if (l->certificate != NULL)
        return wh_keyless_check_layer(&kl, digest, ctx->trust, all, n_all, ctx->limits, a, &who,
                                      NULL, att, err);
    if (n_signers == 0)
        return wh_error_set(err, WH_E_VERIFY,
                            "signed with a key, but the rule's attestation signers are all "
                            "keyless");
    rc = wh_verify_attestation(l->blob, signers, n_signers, digest, NULL, ctx->limits, a, att, err);
    if (rc != WH_OK)
        return rc;
    return wh_keyless_check_key_tlog(
        &kl,
        wh_keyless_signer_find((const struct wh_policy_signer *const *)all, n_all, att->signer),
        ctx->trust, ctx->limits, a, err);
}

/* cosign .att: every layer is verified once, a key layer with the union of the rule's
 * attestation key signers, a certificate layer keyless against the trust root and the union's
 * keyless signers; each verified statement then goes through take_attestation. One layer at a
 * time: its envelope, decoded payload and parsed statement live in a scratch arena freed before
 * the next (what is kept is copied to `keep`); a layer repeating an earlier blob is skipped. */
static void
check_attestations(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
                   const struct wh_policy_image *rule, struct wh_arena *keep,
                   struct image_facts *out)
{
    struct wh_arena *tmp = ctx->arena;
    struct wh_cosign_layer *layers;
    struct wh_verify_signer *signers;
    const struct wh_policy_signer **all;
    struct wh_facts *facts = &out->facts;
    struct wh_predicates *preds;
    size_t n_layers, n_signers = 0, n_all, i;
    struct wh_error err;
    enum wh_err rc;

    signers = wh_arena_calloc(tmp,
                              rule->sbom.n_signed_by + rule->provenance.n_signed_by +
                                  rule->vulns.n_signed_by + rule->agent.n_signed_by +
                                  rule->dev_reference.n_signed_by + 1,
                              sizeof(*signers));
    add_signers(rule->sbom.signed_by, rule->sbom.n_signed_by, signers, &n_signers);
    add_signers(rule->provenance.signed_by, rule->provenance.n_signed_by, signers, &n_signers);
    add_signers(rule->vulns.signed_by, rule->vulns.n_signed_by, signers, &n_signers);
    add_signers(rule->agent.signed_by, rule->agent.n_signed_by, signers, &n_signers);
    add_signers(rule->dev_reference.signed_by, rule->dev_reference.n_signed_by, signers,
                &n_signers);
    n_all = attestation_signers(rule, false, tmp, &all);
    rc = wh_registry_cosign_manifest(ctx->registry, ref, facts->digest, "att",
                                     ctx->limits->blob_bytes, ctx->deadline_ms, tmp, &layers,
                                     &n_layers, &err);
    if (rc == WH_E_NOT_FOUND) {
        out->verify_detail =
            no_trust_detail(ctx, (const struct wh_policy_signer *const *)all, n_all);
        return;
    }
    if (rc != WH_OK) {
        out->verify_detail = fetch_failed(out, "cosign attestations", &err, keep);
        return;
    }
    preds = predicates_of(out, keep);
    grow_attestations(facts, n_layers, keep);
    for (i = 0; i < n_layers; i++) {
        struct wh_arena scratch;
        struct wh_attestation att;

        if (repeats_earlier(layers, i, true))
            continue;
        wh_arena_init(&scratch);
        rc = wh_registry_cosign_layer_fetch(ctx->registry, ref, &layers[i], ctx->limits->blob_bytes,
                                            ctx->deadline_ms, &scratch, &err);
        if (rc != WH_OK) {
            const char *d = fetch_failed(out, "cosign attestation layer", &err, keep);

            wh_arena_fini(&scratch);
            if (d == NULL)
                break;
            out->verify_detail =
                wh_arena_sprintf(keep, "attestation %zu of %zu: %s", i + 1, n_layers, d);
            continue;
        }
        rc = verify_attestation_layer(ctx, signers, n_signers, all, n_all, &layers[i],
                                      facts->digest, &scratch, &att, &err);
        if (rc != WH_OK)
            out->verify_detail =
                wh_arena_sprintf(keep, "attestation %zu of %zu: %s", i + 1, n_layers, err.msg);
        else
            take_attestation(ctx, rule, &att, keep, out, preds, "attestation", i, n_layers);
        wh_arena_fini(&scratch);
    }
    publish_predicates(out, preds);
}

/* Why the referrers did not help, where the facts lack the part they were looked at for; a
 * classic layer's reason, when there is one, is the more telling and is kept. */
static void
note_referrer_failure(const struct wh_policy_image *rule, bool sig_missing, const char *detail,
                      struct image_facts *out)
{
    if (sig_missing && out->signature_detail == NULL)
        out->signature_detail = detail;
    if (wants_attestations(rule) && out->verify_detail == NULL)
        out->verify_detail = detail;
}

/* A verified signature bundle among the referrers (i of n) counts toward signatures.count when
 * its signer is one of the rule's. */
static void
take_signature_referrer(const struct wh_policy_image *rule, const struct wh_keyless_referrer *r,
                        size_t i, size_t n, struct wh_arena *keep, struct image_facts *out)
{
    if (out->facts.n_signature_signers >= rule->signatures.count)
        return;
    if (!signer_listed(rule->signatures.signed_by, rule->signatures.n_signed_by, r->signer)) {
        out->signature_detail = wh_arena_sprintf(
            keep, "referrer %zu of %zu: signature bundle by %s, not a signer of rule %s", i + 1, n,
            r->signer, rule->name);
        return;
    }
    add_signature_signer(&out->facts, r->signer, r->identity, keep);
    if (out->facts.n_signature_signers >= rule->signatures.count)
        out->signature_detail = NULL;
}

/* Sigstore bundles attached as OCI 1.1 referrers (cosign v3, @sigstore/oci), looked at when the
 * classic tags left the facts incomplete: a signature bundle counts as the .sig, a DSSE statement
 * as an .att. */
static void
check_referrers(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
                const struct wh_policy_image *rule, bool want_signature, struct wh_arena *keep,
                struct image_facts *out)
{
    struct wh_arena *tmp = ctx->arena;
    const struct wh_policy_signer **all;
    struct wh_keyless_referrer *refs;
    struct wh_predicates *preds;
    size_t n_all, n_refs, i;
    struct wh_error err;
    bool sig_missing = want_signature && rule->signatures.n_signed_by > 0 &&
                       out->facts.n_signature_signers < rule->signatures.count;

    n_all = attestation_signers(rule, want_signature, tmp, &all);
    if (wh_keyless_check_referrers(ctx->registry, ref, out->facts.digest, ctx->trust, all, n_all,
                                   ctx->limits, ctx->deadline_ms, tmp, &refs, &n_refs,
                                   &err) != WH_OK) {
        const char *d = fetch_failed(out, "sigstore bundle referrers", &err, keep);
        if (d != NULL)
            note_referrer_failure(rule, sig_missing, d, out);
        return;
    }
    if (n_refs == 0)
        return;
    preds = predicates_of(out, keep);
    grow_attestations(&out->facts, n_refs, keep);
    for (i = 0; i < n_refs; i++) {
        const struct wh_keyless_referrer *r = &refs[i];

        if (r->signer == NULL) {
            note_referrer_failure(
                rule, sig_missing,
                wh_arena_sprintf(keep, "referrer %zu of %zu: %s", i + 1, n_refs, r->detail), out);
            continue;
        }
        if (r->is_signature) {
            if (sig_missing)
                take_signature_referrer(rule, r, i, n_refs, keep, out);
            continue;
        }
        if (wants_attestations(rule))
            take_attestation(ctx, rule, &r->att, keep, out, preds, "referrer", i, n_refs);
    }
    publish_predicates(out, preds);
}

static int64_t
failure_ttl(const struct wh_image_check_ctx *ctx)
{
    return ctx->negative_ttl_ms > 0 && ctx->negative_ttl_ms < FAILURE_TTL_MS ? ctx->negative_ttl_ms
                                                                             : FAILURE_TTL_MS;
}

/*
 * Looks `key` up; on a miss makes this review the key's leader (*entry, *flight set: build the
 * value in the entry's arena, then publish()). Waiting for another review's flight ends at the
 * deadline: *timed_out. Without a cache every lookup is a miss with no entry.
 */
static const void *
lookup(const struct wh_image_check_ctx *ctx, const char *key, struct wh_cache_entry **entry,
       struct wh_cache_flight **flight, bool *timed_out)
{
    struct wh_cache_entry *ref;
    const void *hit;

    *entry = NULL;
    *flight = NULL;
    *timed_out = false;
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
static void
publish(const struct wh_image_check_ctx *ctx, struct wh_cache_entry *entry,
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

static bool
facts_complete(const struct image_facts *f, const struct wh_policy_image *rule, bool want_signature)
{
    const struct wh_predicates *p = f->facts.predicates;

    if (f->error != NULL)
        return false;
    if (want_signature && rule->signatures.n_signed_by > 0 &&
        f->facts.n_signature_signers < rule->signatures.count)
        return false;
    /* Evidence whose absence is itself a finding is looked for everywhere it may be. */
    if (want_signature && dev_from_attestation(rule) &&
        (p == NULL || p->dev_env == NULL || f->dev_env_conflict))
        return false;
    if (rule->agent.must_attest && (p == NULL || p->agent == NULL || p->agent->n_commits == 0))
        return false;
    if (rule->provenance.required &&
        (f->facts.predicates == NULL || f->facts.predicates->provenance == NULL))
        return false;
    if (rule->vulns.required && (f->facts.predicates == NULL || f->facts.predicates->vulns == NULL))
        return false;
    return !rule->sbom.required || f->sbom != NULL;
}

/* Fetches and verifies (or finds in the cache) the facts of `digest` under `rule`. The result
 * lives until the review's arena is finished. */
static const struct image_facts *
image_facts(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
            const char *digest, const struct wh_policy_image *rule, bool want_signature)
{
    struct wh_cache_entry *entry = NULL;
    struct wh_cache_flight *flight = NULL;
    struct image_facts *f;
    struct wh_arena *keep = ctx->arena;
    const struct image_facts *hit;
    const char *key;
    bool timed_out;
    int64_t ttl;

    key = wh_arena_sprintf(ctx->arena, "%sfacts|%llu|t%llu|%zu|%d|%s/%s@%s", creds_scope(ctx),
                           (unsigned long long)ctx->generation,
                           (unsigned long long)ctx->trust_generation, rule->index, want_signature,
                           ref->registry, ref->repository, digest);
    hit = lookup(ctx, key, &entry, &flight, &timed_out);
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
    if (want_signature && rule->signatures.n_signed_by > 0)
        check_signature(ctx, ref, rule, keep, f);
    if (f->error == NULL && wants_attestations(rule))
        check_attestations(ctx, ref, rule, keep, f);
    if (f->error == NULL && !facts_complete(f, rule, want_signature))
        check_referrers(ctx, ref, rule, want_signature, keep, f);
    if (f->error != NULL) {
        /* A failure is shared briefly, as a failure: nothing verified survives next to it. */
        f->error = wh_arena_strdup(keep, f->error);
        f->facts.signature_signer = NULL;
        f->facts.n_signature_signers = 0;
        f->facts.n_attestations = 0;
        f->facts.predicates = NULL;
        f->sbom = NULL;
        f->verify_detail = NULL;
        f->signature_detail = NULL;
        ttl = failure_ttl(ctx);
    } else if (!facts_complete(f, rule, want_signature)) {
        /* Missing facts are re-checked soon: the signature may be pushed a moment after the
         * image. Complete facts live long (a digest never changes). */
        ttl = ctx->negative_ttl_ms;
    } else {
        ttl = ctx->facts_ttl_ms;
    }
    publish(ctx, entry, flight, f, ttl);
    return f;
}

static bool
is_index_media_type(const char *mt)
{
    return mt != NULL && (strcmp(mt, WH_REGISTRY_MT_OCI_INDEX) == 0 ||
                          strcmp(mt, WH_REGISTRY_MT_DOCKER_LIST) == 0);
}

/* Where the walk of an index is: the nested indexes seen (each walked once) and the path. */
struct walk {
    const char *seen[MAX_NESTED_INDEXES];
    size_t n_seen;
    const char *path[MAX_INDEX_DEPTH]; /* nested indexes from the image's index down */
    size_t depth;
};

static enum wh_err collect_entries(const struct wh_image_check_ctx *ctx,
                                   const struct wh_image_ref *ref,
                                   const struct wh_registry_manifest *m, struct walk *w,
                                   struct wh_arena *a, struct digest_info *out,
                                   struct wh_error *err);

/* Entry `d` of index `m` says it is an index: fetched (once per walk) and walked in its turn. */
static enum wh_err
walk_nested(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
            const struct wh_registry_manifest *m, const struct wh_registry_descriptor *d,
            struct walk *w, struct wh_arena *a, struct digest_info *out, struct wh_error *err)
{
    struct wh_registry_manifest nested;
    enum wh_err rc;
    size_t k;

    for (k = 0; k < w->n_seen; k++)
        if (strcmp(w->seen[k], d->digest) == 0)
            return WH_OK; /* its entries are listed already */
    if (w->depth == MAX_INDEX_DEPTH)
        return wh_error_set(err, WH_E_LIMIT, "index %s nests indexes deeper than %d levels (at %s)",
                            m->digest, MAX_INDEX_DEPTH, d->digest);
    if (w->n_seen == MAX_NESTED_INDEXES)
        return wh_error_set(err, WH_E_LIMIT, "the index lists more than %d nested indexes",
                            MAX_NESTED_INDEXES);
    w->seen[w->n_seen++] = wh_arena_strdup(a, d->digest);
    rc = wh_registry_manifest_get(ctx->registry, ref, d->digest, ctx->deadline_ms, ctx->arena,
                                  &nested, err);
    if (rc != WH_OK)
        return wh_error_wrap(err, "nested index %s of %s", d->digest, m->digest);
    if (!nested.is_index)
        return wh_error_set(err, WH_E_INVALID,
                            "index %s lists %s as an index (%s), but it is an image manifest (%s)",
                            m->digest, d->digest, d->media_type, nested.media_type);
    w->path[w->depth++] = w->seen[w->n_seen - 1];
    rc = collect_entries(ctx, ref, &nested, w, a, out, err);
    w->depth--;
    return rc;
}

/* "linux/amd64 (index says Linux/x86_64)": the name, how the index spelled it when that
 * differs, whether any node may pull it, and the nested index it sits in. */
static const char *
entry_label(const char *name, const struct wh_registry_platform *rp, const struct walk *w,
            struct wh_arena *a)
{
    const char *nested = w->depth > 0 ? w->path[w->depth - 1] : NULL;
    const char *where = nested != NULL ? wh_arena_sprintf(a, ", in nested index %s", nested) : "";

    if (rp->written != NULL && !rp->is_known)
        return wh_arena_sprintf(a, "%s (index says %s: unknown, so any node may pull it%s)", name,
                                rp->written, where);
    if (rp->written != NULL)
        return wh_arena_sprintf(a, "%s (index says %s%s)", name, rp->written, where);
    if (!rp->is_known)
        return wh_arena_sprintf(a, "%s (unknown platform: any node may pull it%s)", name, where);
    if (nested != NULL)
        return wh_arena_sprintf(a, "%s (in nested index %s)", name, nested);
    return name;
}

/* Image entry `d` (not an index) into out, unless it is a marked attestation manifest. */
static enum wh_err
add_entry(const struct wh_registry_manifest *m, const struct wh_registry_descriptor *d,
          const struct walk *w, struct wh_arena *a, struct digest_info *out, struct wh_error *err)
{
    struct wh_registry_platform rp;
    struct platform *p;
    size_t k;

    wh_registry_platform_of(d, a, &rp);
    if (rp.is_attestation)
        return WH_OK; /* not an image: buildkit's provenance/SBOM manifest */
    if (out->n_platforms == MAX_PLATFORMS)
        return wh_error_set(err, WH_E_LIMIT, "index %s lists more than %d image manifests",
                            m->digest, MAX_PLATFORMS);
    p = &out->platforms[out->n_platforms++];
    p->os = rp.os;
    p->arch = rp.arch;
    p->is_known = rp.is_known;
    p->digest = wh_arena_strdup(a, d->digest);
    p->name = wh_registry_platform_name(&rp, a);
    p->label = entry_label(p->name, &rp, w, a);
    p->n_parents = w->depth;
    p->parents = wh_arena_calloc(a, w->depth + 1, sizeof(*p->parents));
    for (k = 0; k < w->depth; k++)
        p->parents[k] = w->path[w->depth - 1 - k];
    return WH_OK;
}

/*
 * Every image entry of index `m`, depth first: nested indexes (entries whose mediaType says
 * index) are fetched and walked, buildkit attestation manifests are left out, and everything else
 * is kept with its normalised platform, whatever it says (registry/platform.h: entries with a
 * missing or unknown platform are runnable anywhere). A runtime would pull an entry whose
 * mediaType lies about being an index as the image it claims to be: it is kept as one.
 */
static enum wh_err
collect_entries(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
                const struct wh_registry_manifest *m, struct walk *w, struct wh_arena *a,
                struct digest_info *out, struct wh_error *err)
{
    enum wh_err rc;

    for (size_t i = 0; i < m->n_manifests; i++) {
        const struct wh_registry_descriptor *d = &m->manifests[i];

        rc = is_index_media_type(d->media_type) ? walk_nested(ctx, ref, m, d, w, a, out, err)
                                                : add_entry(m, d, w, a, out, err);
        if (rc != WH_OK)
            return rc;
    }
    return WH_OK;
}

/* The image entries of index `m` into out (in `a`). */
static enum wh_err
index_platforms(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
                const struct wh_registry_manifest *m, struct wh_arena *a, struct digest_info *out,
                struct wh_error *err)
{
    struct walk w;

    memset(&w, 0, sizeof(w));
    out->platforms = wh_arena_calloc(a, MAX_PLATFORMS + 1, sizeof(*out->platforms));
    out->is_index = true;
    return collect_entries(ctx, ref, m, &w, a, out, err);
}

/* GET manifest `reference` (tag or digest) into a digest_info in `a`; *digest_out its digest. */
static void
fetch_manifest(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
               const char *reference, struct wh_arena *a, struct digest_info *out,
               const char **digest_out)
{
    struct wh_registry_manifest m;
    struct wh_error err;

    memset(out, 0, sizeof(*out));
    if (wh_registry_manifest_get(ctx->registry, ref, reference, ctx->deadline_ms, ctx->arena, &m,
                                 &err) != WH_OK) {
        out->error = wh_arena_sprintf(a, "fetching the manifest: %s", err.msg);
        out->code = err.code;
        return;
    }
    *digest_out = wh_arena_strdup(a, m.digest);
    if (m.is_index && index_platforms(ctx, ref, &m, a, out, &err) != WH_OK) {
        out->error = wh_arena_strdup(a, err.msg);
        out->code = err.code;
    }
}

/* Publishes `info` under the digest's manifest key (the tag's leader learnt it for free). */
static void
remember_manifest(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
                  const char *digest, const struct digest_info *info)
{
    struct wh_cache_entry *e;
    struct digest_info *copy;
    struct wh_arena *a;
    size_t i;

    if (ctx->cache == NULL || info->error != NULL)
        return;
    e = wh_cache_entry_new(wh_arena_sprintf(ctx->arena, "%smanifest|%s/%s@%s", creds_scope(ctx),
                                            ref->registry, ref->repository, digest));
    a = wh_cache_entry_arena(e);
    copy = wh_arena_memdup(a, info, sizeof(*info));
    copy->platforms = wh_arena_calloc(a, info->n_platforms + 1, sizeof(*copy->platforms));
    for (i = 0; i < info->n_platforms; i++) {
        const struct platform *from = &info->platforms[i];
        struct platform *to = &copy->platforms[i];

        to->name = wh_arena_strdup(a, from->name);
        to->label = wh_arena_strdup(a, from->label);
        to->os = wh_arena_strdup(a, from->os);
        to->arch = wh_arena_strdup(a, from->arch);
        to->is_known = from->is_known;
        to->digest = wh_arena_strdup(a, from->digest);
        to->n_parents = from->n_parents;
        to->parents = wh_arena_calloc(a, from->n_parents + 1, sizeof(*to->parents));
        for (size_t k = 0; k < from->n_parents; k++)
            to->parents[k] = wh_arena_strdup(a, from->parents[k]);
    }
    wh_cache_put(ctx->cache, e, copy, wh_clock_mono_ms() + ctx->facts_ttl_ms);
}

/* Tag → digest (and the manifest's kind), through the tag cache. NULL with *error and *code on
 * failure. */
static const char *
resolve_digest(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
               const char **error, enum wh_err *code, const struct digest_info **info_out)
{
    struct wh_cache_entry *entry;
    struct wh_cache_flight *flight;
    const struct tag_result *hit;
    struct tag_result *t;
    struct digest_info info;
    struct wh_arena *keep;
    bool timed_out;
    const char *digest = NULL;

    *info_out = NULL;
    if (ref->digest != NULL)
        return ref->digest;
    hit = lookup(ctx,
                 wh_arena_sprintf(ctx->arena, "%stag|%s/%s:%s", creds_scope(ctx), ref->registry,
                                  ref->repository, ref->tag),
                 &entry, &flight, &timed_out);
    if (hit == NULL && timed_out) {
        *error = "resolving the digest: timed out waiting for a concurrent resolution of the tag";
        *code = WH_E_TIMEOUT;
        return NULL;
    }
    if (hit == NULL) {
        keep = entry != NULL ? wh_cache_entry_arena(entry) : ctx->arena;
        t = wh_arena_calloc(keep, 1, sizeof(*t));
        fetch_manifest(ctx, ref, ref->tag, keep, &info, &digest);
        if (info.error != NULL) {
            t->error = wh_arena_sprintf(keep, "resolving the digest: %s", info.error);
            t->code = info.code;
        } else {
            t->digest = digest;
            remember_manifest(ctx, ref, digest, &info);
            /* The GET that resolved the tag also said what the digest is: no second request. */
            *info_out = wh_arena_memdup(ctx->arena, &info, sizeof(info));
        }
        publish(ctx, entry, flight, t, t->error != NULL ? failure_ttl(ctx) : ctx->tag_ttl_ms);
        hit = t;
    }
    if (hit->error != NULL) {
        *error = wh_arena_strdup(ctx->arena, hit->error);
        *code = hit->code;
        return NULL;
    }
    return wh_arena_strdup(ctx->arena, hit->digest);
}

/* What the manifest of `digest` is (index with platforms, or an image), through the cache. */
static const struct digest_info *
digest_info(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
            const char *digest)
{
    struct wh_cache_entry *entry;
    struct wh_cache_flight *flight;
    const struct digest_info *hit;
    struct digest_info *info;
    struct wh_arena *keep;
    const char *got = NULL;
    bool timed_out;

    hit = lookup(ctx,
                 wh_arena_sprintf(ctx->arena, "%smanifest|%s/%s@%s", creds_scope(ctx),
                                  ref->registry, ref->repository, digest),
                 &entry, &flight, &timed_out);
    if (hit != NULL)
        return hit;
    keep = entry != NULL ? wh_cache_entry_arena(entry) : ctx->arena;
    info = wh_arena_calloc(keep, 1, sizeof(*info));
    if (timed_out) {
        info->error = "timed out waiting for a concurrent fetch of the manifest";
        info->code = WH_E_TIMEOUT;
        return info;
    }
    fetch_manifest(ctx, ref, digest, keep, info, &got);
    publish(ctx, entry, flight, info, info->error != NULL ? failure_ttl(ctx) : ctx->facts_ttl_ms);
    return info;
}

/* The facts one evaluation judges: for a multi-arch image, those of one selected platform. */
struct selection {
    const struct image_facts *facts;
    const char *platform;     /* its label; NULL unless a platform manifest is judged */
    const char *platform_key; /* its normalised name (the dev image's platform is matched on it) */
    const char *digest;       /* what `facts` are bound to (platform or image digest) */
    const char *index_digest; /* NULL unless multi-arch */
    const char *error;
    enum wh_err error_code;
    const char *invalid;
};

static const char *
platform_names(const struct digest_info *info, struct wh_arena *a)
{
    const char *out = "";
    size_t i;

    for (i = 0; i < info->n_platforms; i++)
        out = wh_arena_sprintf(a, "%s%s%s", out, i == 0 ? "" : ", ", info->platforms[i].name);
    return info->n_platforms == 0 ? "none" : out;
}

/*
 * May a runtime on a node the pod can land on pull this entry? An entry without a known os and
 * architecture may be pulled anywhere (containerd normalises a missing os to the node's own and
 * picks an entry without a platform when nothing else matches; skopeo and CRI-O take such an
 * entry too): it always counts. A known one counts when a node of its os and of an architecture
 * that runs it (its own; amd64 for 386, arm64 for arm) can satisfy the pod's constraints.
 */
static bool
runnable(const struct platform *p, const struct wh_admission_platforms *pod)
{
    struct wh_registry_platform rp = {.os = p->os, .arch = p->arch, .variant = ""};
    const char *archs[3];
    size_t n, i;

    if (!p->is_known)
        return true;
    n = wh_registry_platform_node_archs(&rp, archs);
    for (i = 0; i < n; i++)
        if (wh_admission_platform_allowed(pod, p->os, archs[i]))
            return true;
    return false;
}

/* `any`: a platform's own facts where they are complete, else the index's; missing parts of one
 * filled from the other. Lives in the review arena. */
static const struct image_facts *
merge_facts(const struct wh_image_check_ctx *ctx, const struct image_facts *own,
            const struct image_facts *index, const struct wh_policy_image *rule,
            bool want_signature)
{
    struct image_facts *m;

    if (facts_complete(own, rule, want_signature) || index == NULL)
        return own;
    m = wh_arena_memdup(ctx->arena, own, sizeof(*own));
    if (m->facts.n_signature_signers < index->facts.n_signature_signers) {
        m->facts.signature_signer = index->facts.signature_signer;
        m->facts.signature_signers = index->facts.signature_signers;
        m->facts.n_signature_signers = index->facts.n_signature_signers;
        m->signature_detail = NULL;
    }
    if (m->facts.predicates == NULL && index->facts.predicates != NULL) {
        m->facts.predicates = index->facts.predicates;
        m->dev_env_conflict = index->dev_env_conflict;
    }
    if (m->sbom == NULL && index->sbom != NULL) {
        m->sbom = index->sbom;
        m->facts.attestations = index->facts.attestations;
        m->facts.n_attestations = index->facts.n_attestations;
        m->verify_detail = NULL;
    }
    return m;
}

/* `any`: an entry's own facts, completed from the nested indexes above it (innermost first) and
 * then from the image's index: a signature on an index covers every digest it lists. NULL with
 * *error (and *code, its kind) when fetching a nested index's facts failed. */
static const struct image_facts *
covered_facts(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
              const struct platform *p, const struct image_facts *own,
              const struct image_facts *index, const struct wh_policy_image *rule,
              bool want_signature, const char **error, enum wh_err *code)
{
    const struct image_facts *f = own;
    size_t k;

    for (k = 0; k < p->n_parents && !facts_complete(f, rule, want_signature); k++) {
        const struct image_facts *nested =
            image_facts(ctx, ref, p->parents[k], rule, want_signature);

        if (nested->error != NULL) {
            *error =
                wh_arena_sprintf(ctx->arena, "nested index %s: %s", p->parents[k], nested->error);
            *code = nested->error_code;
            return NULL;
        }
        f = merge_facts(ctx, f, nested, rule, want_signature);
    }
    return merge_facts(ctx, f, index, rule, want_signature);
}

/* The entries judged: those named `only_platform` when there are any (the dev image follows
 * the production image's platform), else every entry runnable for the pod. In `a`. */
static size_t
select_entries(const struct digest_info *info, const struct wh_admission_platforms *platforms,
               const char *only_platform, struct wh_arena *a, const struct platform ***out)
{
    const struct platform **sel = wh_arena_calloc(a, info->n_platforms + 1, sizeof(*sel));
    size_t i, n = 0;

    for (i = 0; i < info->n_platforms && only_platform != NULL; i++)
        if (strcmp(info->platforms[i].name, only_platform) == 0)
            sel[n++] = &info->platforms[i];
    if (n == 0)
        for (i = 0; i < info->n_platforms; i++)
            if (runnable(&info->platforms[i], platforms))
                sel[n++] = &info->platforms[i];
    *out = sel;
    return n;
}

/* Every selected entry, in order (`any`: completed from the indexes above it); the first that
 * fails is judged, else the first. */
static void
judge_entries(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
              const struct wh_policy_image *rule, bool want_signature,
              enum wh_policy_platforms mode, const struct image_facts *index,
              const struct platform *const *sel, size_t n_sel, struct selection *out)
{
    struct wh_arena *a = ctx->arena;
    const struct image_facts *f;
    const char *error = NULL;
    enum wh_err code = WH_OK;
    size_t i;

    for (i = 0; i < n_sel; i++) {
        const struct platform *p = sel[i];

        f = image_facts(ctx, ref, p->digest, rule, want_signature);
        if (f->error != NULL) {
            error = f->error;
            code = f->error_code;
        } else if (mode == WH_POLICY_PLATFORMS_ANY) {
            f = covered_facts(ctx, ref, p, f, index, rule, want_signature, &error, &code);
        }
        if (error != NULL) {
            out->error = wh_arena_sprintf(a, "platform %s (%s): %s", p->label, p->digest, error);
            out->error_code = code;
            return;
        }
        if (out->facts == NULL || (facts_complete(out->facts, rule, want_signature) &&
                                   !facts_complete(f, rule, want_signature))) {
            out->facts = f;
            out->platform = p->label;
            out->platform_key = p->name;
            out->digest = p->digest;
        }
        if (!facts_complete(f, rule, want_signature))
            return;
    }
}

/*
 * Resolves what is judged for `digest`: the image itself, or for an index every entry a runtime
 * on the pod's platforms could pull (registry/platform.h; `only_platform`, the dev image's case,
 * narrows that to the entries of that normalised name when there are any) under `mode`:
 *   index  the index's own facts, which cover every entry it lists;
 *   any    the index's facts when complete; else every runnable entry, each part (signature,
 *          SBOM) on the entry, on a nested index above it or on the index;
 *   each   every runnable entry's own facts.
 * The first entry that fails is the one judged (so the message names it); otherwise the first.
 */
static void
select_facts(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
             const char *digest, const struct wh_policy_image *rule, bool want_signature,
             enum wh_policy_platforms mode, const struct wh_admission_platforms *platforms,
             const char *only_platform, const struct digest_info *info, struct selection *out)
{
    struct wh_arena *a = ctx->arena;
    const struct image_facts *index = NULL;
    const struct platform **sel;
    size_t n_sel;

    memset(out, 0, sizeof(*out));
    out->digest = digest;
    if (info == NULL)
        info = digest_info(ctx, ref, digest);
    if (info->error != NULL) {
        out->error = wh_arena_strdup(a, info->error);
        out->error_code = info->code;
        return;
    }
    if (!info->is_index) {
        out->facts = image_facts(ctx, ref, digest, rule, want_signature);
        out->error = out->facts->error;
        out->error_code = out->facts->error_code;
        return;
    }
    out->index_digest = digest;
    n_sel = select_entries(info, platforms, only_platform, a, &sel);
    if (n_sel == 0) {
        out->invalid = wh_arena_sprintf(
            a,
            "no platform of the index %s can run this pod (the index has %s; the pod's "
            "nodeSelector/affinity allows none of them)",
            digest, platform_names(info, a));
        return;
    }
    if (mode != WH_POLICY_PLATFORMS_EACH) {
        index = image_facts(ctx, ref, digest, rule, want_signature);
        if (index->error != NULL) {
            out->error = wh_arena_sprintf(a, "index %s: %s", digest, index->error);
            out->error_code = index->error_code;
            return;
        }
        /* `index`, or `any` with everything on the index: the index digest is judged. */
        if (mode == WH_POLICY_PLATFORMS_INDEX || facts_complete(index, rule, want_signature)) {
            out->facts = index;
            out->index_digest = NULL;
            return;
        }
    }
    judge_entries(ctx, ref, rule, want_signature, mode, index, sel, n_sel, out);
}

/* The drift check against the dev image could not run: `code` decides who judges it (onError
 * for infrastructure, the rule's mode for evidence). */
static void
dev_failed(struct wh_image_result *out, enum wh_err code, const char *text)
{
    out->dev_error = text;
    out->dev_error_code = code;
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
    const struct digest_info *info;
    const char *got, *error = NULL;
    enum wh_err code = WH_E_INTERNAL;
    size_t i;

    tagged.digest = NULL;
    got = resolve_digest(ctx, &tagged, &error, &code, &info);
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
        info = digest_info(ctx, &tagged, got);
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
                   const struct image_facts *prod, struct wh_image_result *out)
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

/* Which dev image the production image is diffed against: the caller's (a trusted override),
 * the attested one, or the template with the admitted tag, which must name the digest when
 * both are given. NULL with out->dev_error when none can be named. */
static const char *
choose_dev_image(const struct wh_image_check_ctx *ctx, const struct wh_policy_image *rule,
                 const struct wh_image_ref *ref, const char *image, const char *trusted,
                 const struct image_facts *prod, struct wh_image_result *out)
{
    struct wh_arena *a = ctx->arena;
    const char *tpl = rule->dev_reference.image;
    const char *hole;

    if (trusted != NULL)
        return trusted;
    if (dev_from_attestation(rule))
        return attested_dev_image(ctx, rule, prod, out);
    hole = strstr(tpl, "{{tag}}");
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
    return wh_arena_sprintf(a, "%.*s%s%s", (int)(hole - tpl), tpl, ref->tag, hole + 7);
}

/* Resolves the dev image, verifies its SBOM attestation with the same rule's signers, diffs. A
 * multi-arch dev image is judged on the platform the production image was (else the pod's).
 * Every failure lands in out->dev_error with its code: a dev tag re-pointed at an image without
 * a verified SBOM is missing evidence, not an error onError may wave through. */
static void
check_dev_image(const struct wh_image_check_ctx *ctx, const struct wh_policy_image *rule,
                const struct wh_sbom *prod, const struct wh_admission_platforms *platforms,
                const char *prod_platform, struct wh_image_result *out)
{
    struct wh_arena *a = ctx->arena;
    struct wh_image_ref ref;
    struct selection dev;
    const char *digest, *error = NULL, *where;
    const struct digest_info *info;
    enum wh_err code = WH_E_INTERNAL;
    struct wh_error err;
    enum wh_err rc;
    int64_t t0;

    if (wh_image_ref_parse(wh_str_c(out->dev_image), a, &ref, &err) != WH_OK) {
        dev_failed(out, err.code, wh_arena_sprintf(a, "dev image %s: %s", out->dev_image, err.msg));
        return;
    }
    t0 = now_us();
    digest = resolve_digest(ctx, &ref, &error, &code, &info);
    account(ctx, STEP_RESOLVE, t0);
    if (digest == NULL) {
        dev_failed(out, code, wh_arena_sprintf(a, "dev image %s: %s", out->dev_image, error));
        return;
    }
    out->dev_digest = digest;
    t0 = now_us();
    select_facts(ctx, &ref, digest, rule, false, WH_POLICY_PLATFORMS_ANY, platforms, prod_platform,
                 info, &dev);
    account(ctx, STEP_VERIFY, t0);
    if (dev.error != NULL || dev.invalid != NULL) {
        dev_failed(out, dev.error != NULL ? dev.error_code : WH_E_INVALID,
                   wh_arena_sprintf(a, "dev image %s: %s", out->dev_image,
                                    dev.error != NULL ? dev.error : dev.invalid));
        return;
    }
    if (WH_NEVER(dev.facts == NULL)) {
        out->error = wh_arena_sprintf(a, "dev image %s: nothing selected", out->dev_image);
        return;
    }
    if (dev.facts->sbom == NULL) {
        where = dev.platform != NULL
                    ? wh_arena_sprintf(a, "%s, platform %s %s", digest, dev.platform, dev.digest)
                    : digest;
        dev_failed(
            out, dev.facts->verify_detail != NULL ? WH_E_VERIFY : WH_E_NOT_FOUND,
            wh_arena_sprintf(a,
                             "dev image %s (%s) has no verified SBOM attestation%s%s: "
                             "attest its SBOM with cosign attest --type cyclonedx",
                             out->dev_image, where, dev.facts->verify_detail != NULL ? ": " : "",
                             dev.facts->verify_detail != NULL ? dev.facts->verify_detail : ""));
        return;
    }
    out->dev_predicates = dev.facts->facts.predicates;
    out->diff = wh_arena_alloc(a, sizeof(*out->diff));
    t0 = now_us();
    rc = wh_sbom_diff(prod, dev.facts->sbom, a, out->diff, &err);
    account(ctx, STEP_SBOM, t0);
    if (rc != WH_OK) {
        out->diff = NULL;
        dev_failed(
            out, rc,
            wh_arena_sprintf(a, "diffing against dev image %s: %s", out->dev_image, err.msg));
    }
}

static void
check_one(const struct wh_image_check_ctx *ctx, const char *image, const char *pod_dev_image,
          const struct wh_admission_platforms *platforms, struct wh_image_result *out)
{
    static const struct wh_admission_platforms linux_any;
    struct wh_arena *a = ctx->arena;
    struct wh_image_ref ref;
    struct wh_error err;
    const struct wh_policy_image *rule;
    struct selection prod;
    const struct digest_info *info;
    const char *digest;
    bool trusted_dev;
    int64_t t0;

    memset(out, 0, sizeof(*out));
    out->image = image;
    if (platforms == NULL)
        platforms = &linux_any;
    if (wh_image_ref_parse(wh_str_c(image), a, &ref, &err) != WH_OK) {
        out->invalid = wh_arena_sprintf(a, "invalid image reference: %s", err.msg);
        return;
    }
    out->name = wh_image_ref_name(&ref, a);
    out->canonical = wh_image_ref_render(&ref, a).ptr;
    out->shown = wh_image_ref_display(wh_str_c(image), &ref, a);
    out->tag = ref.tag;
    rule = out->rule = wh_policy_image_find(ctx->policy, out->name);
    if (rule == NULL)
        return; /* defaults.noMatch decides */
    if (rule->require_digest && ref.digest == NULL) {
        out->invalid =
            wh_arena_sprintf(a, "rule %s requires a digest: pin the image as %s@sha256:<digest>",
                             rule->name, out->name);
        return;
    }
    if (ctx->registry == NULL) {
        out->error = wh_arena_sprintf(a, "registry client unavailable: %s", ctx->registry_error);
        out->error_code = WH_E_UNAVAILABLE;
        return;
    }
    t0 = now_us();
    digest = resolve_digest(ctx, &ref, &out->error, &out->error_code, &info);
    account(ctx, STEP_RESOLVE, t0);
    if (digest == NULL)
        return;
    out->digest = digest;
    t0 = now_us();
    select_facts(ctx, &ref, digest, rule, true, rule->platforms, platforms, NULL, info, &prod);
    account(ctx, STEP_VERIFY, t0);
    out->invalid = prod.invalid;
    out->error = prod.error;
    out->error_code = prod.error_code;
    if (prod.facts == NULL)
        return;
    out->digest = prod.digest;
    out->platform = prod.platform;
    out->index_digest = prod.index_digest;
    out->facts = prod.facts->facts;
    out->facts.digest = prod.digest;
    out->facts.platform = prod.platform;
    out->verify_detail = prod.facts->verify_detail;
    out->signature_detail = prod.facts->signature_detail;
    trusted_dev = pod_dev_image != NULL &&
                  (rule->dev_reference.allow_pod_annotation || ctx->dev_override_trusted);
    if (out->error != NULL || prod.facts->sbom == NULL ||
        (rule->dev_reference.image == NULL && !dev_from_attestation(rule) && !trusted_dev))
        return;
    out->dev_image = choose_dev_image(ctx, rule, &ref, image, trusted_dev ? pod_dev_image : NULL,
                                      prod.facts, out);
    if (out->dev_image != NULL)
        check_dev_image(ctx, rule, prod.facts->sbom, platforms, prod.platform_key, out);
}

/* The registry budget of one review (client.h): every answer counted against the review's and
 * the process's limits, each digest fetched once. Returns whether this call opened it. */
static bool
budget_begin(const struct wh_image_check_ctx *ctx)
{
    if (ctx->registry == NULL || wh_registry_client_in_review(ctx->registry))
        return false;
    wh_registry_client_review_begin(ctx->registry);
    return true;
}

void
wh_image_check_one(const struct wh_image_check_ctx *ctx, const char *image,
                   const char *pod_dev_image, const struct wh_admission_platforms *platforms,
                   struct wh_image_result *out)
{
    bool opened = budget_begin(ctx);

    check_one(ctx, image, pod_dev_image, platforms, out);
    if (opened)
        wh_registry_client_review_end(ctx->registry);
}

/* driftgate_verification_failures_total{reason}: why an image was not verified, by kind. */
static void
count_failures(const struct wh_image_check_ctx *ctx, const struct wh_image_result *r)
{
    const char *reason = NULL;

    if (ctx->verify_failures == NULL || r->rule == NULL)
        return;
    if (r->invalid != NULL)
        reason = "invalid_reference";
    else if (r->error != NULL)
        reason = wh_policy_on_error_applies(r->error_code) ? "registry" : "evidence";
    else if (r->rule->signatures.n_signed_by > 0 &&
             r->facts.n_signature_signers < r->rule->signatures.count)
        reason = r->signature_detail != NULL ? "signature_invalid" : "signature_missing";
    else if (r->rule->sbom.required && r->facts.n_attestations == 0)
        reason = r->verify_detail != NULL ? "attestation_invalid" : "attestation_missing";
    else if (r->dev_error != NULL)
        reason = wh_policy_on_error_applies(r->dev_error_code) ? "registry" : "dev_evidence";
    if (reason != NULL)
        wh_metrics_counter_add(ctx->verify_failures, (const char *const[]){reason}, 1);
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
wh_image_check_request(const struct wh_image_check_ctx *ctx, const struct wh_admission_request *req,
                       struct wh_decision *d)
{
    struct wh_image_result *results;
    size_t i, j, n_results = 0;
    const char *dev = pod_dev_image(req);

    bool opened = budget_begin(ctx);

    results = wh_arena_calloc(ctx->arena, req->n_images == 0 ? 1 : req->n_images, sizeof(*results));
    for (i = 0; i < req->n_images; i++) {
        const struct wh_admission_image *img = &req->images[i];
        struct wh_image_result *r = NULL;
        struct wh_image_eval ev;
        bool fresh = false;
        int64_t t0;

        /* One image used by many containers is verified once per review. */
        for (j = 0; j < n_results && r == NULL; j++)
            if (strcmp(results[j].image, img->image) == 0)
                r = &results[j];
        if (r == NULL) {
            r = &results[n_results++];
            fresh = true;
            check_one(ctx, img->image, dev, &req->platforms, r);
        }
        /* Reports name the canonical reference the rules judged (and the spelling written). */
        if (r->canonical != NULL)
            wh_decision_annotate(d, wh_arena_sprintf(ctx->arena, "%zu-image", i), "%s",
                                 r->canonical);
        if (r->invalid != NULL) {
            wh_decision_deny(d, "%s %s: %s", img->path, r->shown != NULL ? r->shown : img->image,
                             r->invalid);
            wh_decision_annotate(d, wh_arena_sprintf(ctx->arena, "%zu-verdict", i), "deny");
            continue;
        }
        memset(&ev, 0, sizeof(ev));
        ev.path = img->path;
        ev.image = r->shown;
        ev.digest = r->digest;
        ev.platform = r->platform;
        ev.index_digest = r->index_digest;
        ev.name = r->name;
        ev.rule = r->rule;
        ev.facts = &r->facts;
        ev.diff = r->diff;
        ev.dev_image = r->dev_image;
        ev.dev_digest = r->dev_digest;
        ev.error = r->error;
        ev.error_code = r->error_code;
        ev.dev_error = r->dev_error;
        ev.dev_error_code = r->dev_error_code;
        ev.verify_detail = r->verify_detail;
        ev.signature_detail = r->signature_detail;
        ev.dev_predicates = r->dev_predicates;
        ev.index = (int)i;
        t0 = now_us();
        wh_policy_evaluate_image(ctx->policy, &ev, ctx->now, d);
        account(ctx, STEP_EVALUATE, t0);
        if (fresh) /* the first container of this image: its failures count once */
            count_failures(ctx, r);
    }
    if (opened)
        wh_registry_client_review_end(ctx->registry);
}
