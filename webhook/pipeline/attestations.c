/*
 * cosign .att layers and every verified in-toto statement: recorded, then routed by signed
 * predicate type (SBOM, provenance, vulnerabilities, agent, dev environment, fs manifest), each
 * kind only from its own signers; the first verified one of each kind wins (an agent attestation
 * listing commits over an empty one), and dev-environment attestations naming different dev images
 * cancel out.
 */
#include "pipeline/attestations.h"

#include <string.h>

#include "pipeline/fs_manifest.h"
#include "pipeline/memo.h"
#include "pipeline/signatures.h"
#include "policy/policy.h"
#include "registry/cosign_refs.h"
#include "sbom/normalize.h"
#include "verify/attestation.h"
#include "verify/intoto.h"
#include "verify/predicates.h"

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

bool
wh_pipeline_attestations_dev_from(const struct wh_policy_image *rule)
{
    return rule->dev_reference.from == WH_POLICY_DEV_FROM_ATTESTATION;
}

bool
wh_pipeline_attestations_wanted(const struct wh_policy_image *rule)
{
    return rule->sbom.required || rule->provenance.required || rule->vulns.required ||
           rule->agent.required || rule->fs_manifest.required ||
           wh_pipeline_attestations_dev_from(rule);
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
             struct wh_predicates *preds, struct wh_pipeline_facts *out, size_t i, size_t n)
{
    const struct wh_dev_environment *had = preds->dev_env;

    if (!wh_policy_signer_listed(rule->dev_reference.signed_by, rule->dev_reference.n_signed_by,
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
                struct wh_predicates *preds, struct wh_pipeline_facts *out, size_t i, size_t n)
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
        wh_policy_signer_listed(rule->provenance.signed_by, rule->provenance.n_signed_by,
                                att->signer);
    bool want_vulns =
        rule->vulns.required && preds->vulns == NULL &&
        is_type(type, rule->vulns.predicate_type != NULL ? rule->vulns.predicate_type
                                                         : WH_PREDICATE_COSIGN_VULN) &&
        wh_policy_signer_listed(rule->vulns.signed_by, rule->vulns.n_signed_by, att->signer);
    bool want_agent =
        rule->agent.required && (preds->agent == NULL || preds->agent->n_commits == 0) &&
        is_type(type, WH_PREDICATE_AGENT) &&
        wh_policy_signer_listed(rule->agent.signed_by, rule->agent.n_signed_by, att->signer);
    bool want_dev =
        wh_pipeline_attestations_dev_from(rule) && strcmp(type, WH_PREDICATE_DEV_ENV) == 0;

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
size_t
wh_pipeline_attestations_signers(const struct wh_policy_image *rule, bool with_signatures,
                                 struct wh_arena *a, const struct wh_policy_signer ***out)
{
    struct {
        const struct wh_policy_signer *const *list;
        size_t n;
    } sets[] = {{rule->sbom.signed_by, rule->sbom.n_signed_by},
                {rule->provenance.signed_by, rule->provenance.n_signed_by},
                {rule->vulns.signed_by, rule->vulns.n_signed_by},
                {rule->agent.signed_by, rule->agent.n_signed_by},
                {rule->dev_reference.signed_by, rule->dev_reference.n_signed_by},
                {rule->fs_manifest.signed_by, rule->fs_manifest.n_signed_by},
                {rule->signatures.signed_by, rule->signatures.n_signed_by}};
    size_t n_sets = with_signatures ? 7 : 6, total = 1, k = 0, i, j, m;
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
void
wh_pipeline_attestations_take(const struct wh_image_check_ctx *ctx,
                              const struct wh_policy_image *rule, const struct wh_attestation *att,
                              struct wh_arena *keep, struct wh_pipeline_facts *out,
                              struct wh_predicates *preds, const char *what, size_t i, size_t n)
{
    struct wh_facts *facts = &out->facts;
    struct wh_attestation *kept = &facts->attestations[facts->n_attestations++];
    const struct wh_sbom *sbom;
    const char *key;
    struct wh_error err;

    kept->predicate_type = wh_arena_strdup(keep, att->predicate_type);
    kept->signer = wh_arena_strdup(keep, att->signer);
    /* fsManifest's proof (pipeline/fs_manifest.c) reads it before the review ends, then drops
     * it: the review arena, never the cache's. */
    if (wh_pipeline_fs_manifest_candidate(rule, att))
        kept->predicate =
            (struct wh_bytes){wh_arena_memdup(ctx->arena, att->predicate.ptr, att->predicate.len),
                              att->predicate.len};
    route_predicate(ctx, rule, att, keep, preds, out, i, n);
    if (!rule->sbom.required || out->sbom != NULL)
        return;
    if (!is_type(att->predicate_type, rule->sbom.predicate_type)) {
        out->verify_detail = wh_arena_sprintf(
            keep, "%s %zu of %zu: predicateType \"%s\" is not the required %s", what, i + 1, n,
            att->predicate_type, wh_verify_predicate_type_canonical(rule->sbom.predicate_type));
        return;
    }
    if (!wh_policy_signer_listed(rule->sbom.signed_by, rule->sbom.n_signed_by, att->signer)) {
        out->verify_detail =
            wh_arena_sprintf(keep, "%s %zu of %zu: signed by %s, not by an SBOM signer of rule %s",
                             what, i + 1, n, att->signer, rule->name);
        return;
    }
    /* The SBOM is kept parsed, not as bytes: that is what every later review needs; with a
     * cache, in the SBOM cache (memo.c), the facts naming it by the hash of its bytes. */
    if (wh_pipeline_memo_sbom_keep(ctx, att->predicate, keep, &sbom, &key, &err) != WH_OK) {
        out->verify_detail =
            wh_arena_sprintf(keep, "%s %zu of %zu: SBOM predicate: %s", what, i + 1, n, err.msg);
        return;
    }
    out->sbom = sbom;
    out->sbom_key = key;
    out->sbom_digest = wh_arena_strdup(keep, facts->digest);
}

/* Room for `more` attestations next to those already kept. */
void
wh_pipeline_attestations_grow(struct wh_facts *facts, size_t more, struct wh_arena *keep)
{
    struct wh_attestation *a = wh_arena_calloc(keep, facts->n_attestations + more + 1, sizeof(*a));

    if (facts->n_attestations > 0)
        memcpy(a, facts->attestations, facts->n_attestations * sizeof(*a));
    facts->attestations = a;
}

struct wh_predicates *
wh_pipeline_attestations_predicates(struct wh_pipeline_facts *out, struct wh_arena *keep)
{
    if (out->facts.predicates != NULL)
        return (struct wh_predicates *)(uintptr_t)out->facts.predicates;
    return wh_arena_calloc(keep, 1, sizeof(struct wh_predicates));
}

void
wh_pipeline_attestations_publish(struct wh_pipeline_facts *out, struct wh_predicates *preds)
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
                         const struct wh_registry_cosign_layer *l, const char *digest,
                         struct wh_arena *a, struct wh_attestation *att, struct wh_error *err)
{
    struct wh_verify_cosign_layer vl = wh_pipeline_signatures_layer(l, true);
    const char *who = NULL;
    enum wh_err rc;

    memset(att, 0, sizeof(*att));
    if (l->certificate != NULL)
        return wh_pipeline_signatures_keyless(ctx, &vl, digest, all, n_all, a, &who, NULL, att,
                                              err);
    if (n_signers == 0)
        return wh_error_set(err, WH_E_VERIFY,
                            "signed with a key, but the rule's attestation signers are all "
                            "keyless");
    rc = wh_verify_attestation(l->blob, signers, n_signers, digest, NULL, ctx->limits, a, att, err);
    if (rc != WH_OK)
        return rc;
    return wh_pipeline_signatures_key_evidence(
        ctx, &vl,
        wh_policy_signer_in((const struct wh_policy_signer *const *)all, n_all, att->signer), a,
        err);
}

/* cosign .att: every layer is verified once, a key layer with the union of the rule's
 * attestation key signers, a certificate layer keyless against the trust root and the union's
 * keyless signers; each verified statement then goes through take_attestation. One layer at a
 * time: its envelope, decoded payload and parsed statement live in a scratch arena freed before
 * the next (what is kept is copied to `keep`); a layer repeating an earlier blob is skipped. */
void
wh_pipeline_attestations_check(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
                               const struct wh_policy_image *rule, struct wh_arena *keep,
                               struct wh_pipeline_facts *out)
{
    wh_pipeline_attestations_check_fetched(ctx, ref, rule, NULL, keep, out);
}

void
wh_pipeline_attestations_check_fetched(const struct wh_image_check_ctx *ctx,
                                       const struct wh_image_ref *ref,
                                       const struct wh_policy_image *rule,
                                       const struct wh_pipeline_cosign_fetch *pre,
                                       struct wh_arena *keep, struct wh_pipeline_facts *out)
{
    struct wh_arena *tmp = ctx->arena;
    struct wh_registry_cosign_layer *layers;
    struct wh_verify_signer *signers;
    const struct wh_policy_signer **all;
    struct wh_facts *facts = &out->facts;
    struct wh_predicates *preds;
    size_t n_layers, n_signers = 0, n_all, i;
    struct wh_error err;
    enum wh_err rc;

    signers =
        wh_arena_calloc(tmp,
                        rule->sbom.n_signed_by + rule->provenance.n_signed_by +
                            rule->vulns.n_signed_by + rule->agent.n_signed_by +
                            rule->dev_reference.n_signed_by + rule->fs_manifest.n_signed_by + 1,
                        sizeof(*signers));
    add_signers(rule->sbom.signed_by, rule->sbom.n_signed_by, signers, &n_signers);
    add_signers(rule->provenance.signed_by, rule->provenance.n_signed_by, signers, &n_signers);
    add_signers(rule->vulns.signed_by, rule->vulns.n_signed_by, signers, &n_signers);
    add_signers(rule->agent.signed_by, rule->agent.n_signed_by, signers, &n_signers);
    add_signers(rule->dev_reference.signed_by, rule->dev_reference.n_signed_by, signers,
                &n_signers);
    add_signers(rule->fs_manifest.signed_by, rule->fs_manifest.n_signed_by, signers, &n_signers);
    n_all = wh_pipeline_attestations_signers(rule, false, tmp, &all);
    rc = wh_pipeline_signatures_manifest(ctx, ref, facts->digest, "att", ctx->limits->blob_bytes,
                                         pre, tmp, &layers, &n_layers, &err);
    if (rc == WH_E_NOT_FOUND) {
        out->verify_detail = wh_pipeline_signatures_no_trust_detail(
            ctx, (const struct wh_policy_signer *const *)all, n_all);
        return;
    }
    if (rc != WH_OK) {
        out->verify_detail =
            wh_pipeline_signatures_fetch_failed(out, "cosign attestations", &err, keep);
        return;
    }
    preds = wh_pipeline_attestations_predicates(out, keep);
    wh_pipeline_attestations_grow(facts, n_layers, keep);
    for (i = 0; i < n_layers; i++) {
        struct wh_arena scratch;
        struct wh_attestation att;

        if (!wh_pipeline_signatures_layer_wanted(layers, i, true))
            continue;
        wh_arena_init(&scratch);
        rc = wh_pipeline_signatures_layer_fetch(ctx, ref, pre, layers, i, ctx->limits->blob_bytes,
                                                &scratch, &err);
        if (rc != WH_OK) {
            const char *d =
                wh_pipeline_signatures_fetch_failed(out, "cosign attestation layer", &err, keep);

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
            wh_pipeline_attestations_take(ctx, rule, &att, keep, out, preds, "attestation", i,
                                          n_layers);
        wh_arena_fini(&scratch);
    }
    wh_pipeline_attestations_publish(out, preds);
}
