/*
 * cosign classic layers, key and keyless on one path: a fetched layer becomes the verifier's view
 * once (wh_pipeline_signatures_layer); a certificate layer is verified keyless against the
 * review's trust root (verify/keyless.c) and its identity matched to the rule's keyless signers
 * (policy/identity.c); a key layer with the rule's key signers, then held to the signer's
 * transparencyLog and timestamps. The .sig tag's layers are checked here.
 */
#include "pipeline/signatures.h"

#include <stdio.h>
#include <string.h>

#include "base/digest.h"
#include "pipeline/failure.h"
#include "policy/identity.h"
#include "policy/policy.h"
#include "verify/attestation.h"
#include "verify/cosign_sig.h"
#include "verify/dsse.h"
#include "verify/intoto.h"
#include "verify/keys.h"
#include "verify/tlog.h"

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

/* Fail closed, and say so: keyless signers with no trust root can never be satisfied. */
const char *
wh_pipeline_signatures_no_trust_detail(const struct wh_image_check_ctx *ctx,
                                       const struct wh_policy_signer *const *in, size_t n)
{
    if (ctx->trust != NULL || !wh_policy_signers_any_keyless(in, n))
        return NULL;
    return "keyless signers need a trust root (Fulcio, Rekor, CT log): configure trustRoots "
           "(or --trusted-root)";
}

/* Records a verified signature by policy signer `who` (keyless: certificate `identity`) unless
 * that signer already counted: a key signer counts once by name (the loader refuses two names
 * for one key when count > 1), a keyless identity once however many policy signers it meets. */
void
wh_pipeline_signatures_add_signer(struct wh_facts *facts, const char *who, const char *identity,
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
const char *
wh_pipeline_signatures_fetch_failed(struct wh_pipeline_facts *out, const char *what,
                                    const struct wh_error *err, struct wh_arena *keep)
{
    if (wh_policy_on_error_applies(err->code)) {
        wh_pipeline_fail(keep, &out->error, &out->error_code, err->code, "fetching %s: %s", what,
                         err->msg);
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
bool
wh_pipeline_signatures_repeats_earlier(const struct wh_registry_cosign_layer *layers, size_t i,
                                       bool is_dsse)
{
    size_t j;

    for (j = 0; j < i; j++) {
        const struct wh_registry_cosign_layer *x = &layers[j], *y = &layers[i];

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

bool
wh_pipeline_signatures_layer_wanted(const struct wh_registry_cosign_layer *layers, size_t i,
                                    bool is_dsse)
{
    if (!is_dsse && layers[i].certificate == NULL && layers[i].signature == NULL)
        return false;
    return !wh_pipeline_signatures_repeats_earlier(layers, i, is_dsse);
}

enum wh_err
wh_pipeline_signatures_manifest(const struct wh_image_check_ctx *ctx,
                                const struct wh_image_ref *ref, const char *digest,
                                const char *suffix, size_t max_blob,
                                const struct wh_pipeline_cosign_fetch *pre, struct wh_arena *a,
                                struct wh_registry_cosign_layer **layers, size_t *n_layers,
                                struct wh_error *err)
{
    if (pre == NULL)
        return wh_registry_cosign_manifest(ctx->registry, ref, digest, suffix, max_blob,
                                           ctx->deadline_ms, a, layers, n_layers, err);
    if (pre->rc != WH_OK) {
        *err = pre->err;
        return pre->rc;
    }
    *layers = pre->layers;
    *n_layers = pre->n_layers;
    return WH_OK;
}

enum wh_err
wh_pipeline_signatures_layer_fetch(const struct wh_image_check_ctx *ctx,
                                   const struct wh_image_ref *ref,
                                   const struct wh_pipeline_cosign_fetch *pre,
                                   struct wh_registry_cosign_layer *layers, size_t i,
                                   size_t max_blob, struct wh_arena *a, struct wh_error *err)
{
    if (pre == NULL || !pre->fetched[i])
        return wh_registry_cosign_layer_fetch(ctx->registry, ref, &layers[i], max_blob,
                                              ctx->deadline_ms, a, err);
    if (pre->layer_rc[i] != WH_OK)
        *err = pre->layer_err[i];
    return pre->layer_rc[i];
}

/* One .sig layer (blob fetched) against the rule's signers; *who in `a` on WH_OK. */
static enum wh_err
verify_signature_layer(const struct wh_image_check_ctx *ctx, const struct wh_policy_image *rule,
                       const struct wh_verify_signer *signers, size_t n_signers,
                       const struct wh_registry_cosign_layer *l, const char *digest,
                       struct wh_arena *a, const char **who, const char **identity,
                       struct wh_error *err)
{
    struct wh_verify_cosign_layer vl = wh_pipeline_signatures_layer(l, false);
    enum wh_err rc;

    if (l->certificate != NULL)
        return wh_pipeline_signatures_keyless(ctx, &vl, digest, rule->signatures.signed_by,
                                              rule->signatures.n_signed_by, a, who, identity, NULL,
                                              err);
    if (n_signers == 0)
        return wh_error_set(err, WH_E_VERIFY,
                            "signed with a key, but the rule's signers are all keyless");
    rc = wh_verify_signature(l->blob, wh_str_c(l->signature), signers, n_signers, digest, a, who,
                             err);
    if (rc != WH_OK)
        return rc;
    return wh_pipeline_signatures_key_evidence(
        ctx, &vl,
        wh_policy_signer_in(rule->signatures.signed_by, rule->signatures.n_signed_by, *who), a,
        err);
}

/* .sig blobs are simple-signing payloads: never more than verify/cosign_sig.h accepts. */
size_t
wh_pipeline_signatures_blob_max(const struct wh_image_check_ctx *ctx)
{
    return ctx->limits->blob_bytes < WH_COSIGN_PAYLOAD_MAX ? ctx->limits->blob_bytes
                                                           : WH_COSIGN_PAYLOAD_MAX;
}

/* cosign .sig: layers are verified in order until signatures.count distinct signers verified
 * (count 1: the first that verifies wins): a key layer with a signer's key, a certificate layer
 * keyless against the trust root and a keyless signer's identity. Layers are fetched and verified
 * one at a time, each in its own scratch arena freed before the next (blobs are the registry
 * client's, once per review); what is kept goes to `keep`. */
void
wh_pipeline_signatures_check(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
                             const struct wh_policy_image *rule,
                             const struct wh_pipeline_cosign_fetch *pre, struct wh_arena *keep,
                             struct wh_pipeline_facts *out)
{
    struct wh_arena *tmp = ctx->arena;
    struct wh_registry_cosign_layer *layers;
    struct wh_verify_signer *signers;
    size_t n_layers, n_signers, i, max = wh_pipeline_signatures_blob_max(ctx);
    struct wh_error err;
    enum wh_err rc;

    n_signers =
        collect_signers(rule->signatures.signed_by, rule->signatures.n_signed_by, tmp, &signers);
    rc = wh_pipeline_signatures_manifest(ctx, ref, out->facts.digest, "sig", max, pre, tmp, &layers,
                                         &n_layers, &err);
    if (rc == WH_E_NOT_FOUND) {
        out->signature_detail = wh_pipeline_signatures_no_trust_detail(
            ctx, rule->signatures.signed_by, rule->signatures.n_signed_by);
        return;
    }
    if (rc != WH_OK) {
        out->signature_detail =
            wh_pipeline_signatures_fetch_failed(out, "cosign signatures", &err, keep);
        return;
    }
    for (i = 0; i < n_layers && out->facts.n_signature_signers < rule->signatures.count; i++) {
        struct wh_arena scratch;
        const char *who = NULL, *identity = NULL;

        if (!wh_pipeline_signatures_layer_wanted(layers, i, false))
            continue;
        wh_arena_init(&scratch);
        rc = wh_pipeline_signatures_layer_fetch(ctx, ref, pre, layers, i, max, &scratch, &err);
        if (rc != WH_OK) {
            /* A missing or altered blob is missing evidence; an unreachable registry is not. */
            const char *d =
                wh_pipeline_signatures_fetch_failed(out, "cosign signature layer", &err, keep);

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
            wh_pipeline_signatures_add_signer(&out->facts, who, identity, keep);
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

static struct wh_str
opt_str(const char *s)
{
    return s != NULL ? wh_str_c(s) : (struct wh_str){"", 0};
}

struct wh_verify_cosign_layer
wh_pipeline_signatures_layer(const struct wh_registry_cosign_layer *l, bool is_dsse)
{
    struct wh_verify_cosign_layer v;

    memset(&v, 0, sizeof(v));
    v.blob = l->blob;
    v.is_dsse = is_dsse;
    v.signature_b64 = opt_str(l->signature);
    v.certificate = opt_str(l->certificate);
    v.chain = opt_str(l->chain);
    v.bundle = opt_str(l->bundle);
    v.rfc3161 = opt_str(l->rfc3161_timestamp);
    return v;
}

enum wh_err
wh_pipeline_signatures_no_root(struct wh_error *err)
{
    return wh_error_set(err, WH_E_VERIFY,
                        "signed keyless (Fulcio certificate) but no trust root is configured: "
                        "set trustRoots in the config (or --trusted-root) to verify keyless "
                        "signers");
}

/* The checks a key-signed .att statement gets (verify/attestation.c), on a verified payload. */
enum wh_err
wh_pipeline_signatures_statement(const char *payload_type, struct wh_bytes payload,
                                 const char *digest, const char *signer,
                                 const struct wh_limits *lim, struct wh_arena *a,
                                 struct wh_attestation *out, struct wh_error *err)
{
    struct wh_intoto_statement stmt;
    enum wh_err rc;

    if (payload_type == NULL || strcmp(payload_type, WH_INTOTO_PAYLOAD_TYPE) != 0)
        return wh_error_set(err, WH_E_VERIFY, "envelope payloadType \"%.80s\" is not %s",
                            payload_type != NULL ? payload_type : "", WH_INTOTO_PAYLOAD_TYPE);
    rc = wh_verify_intoto_parse(payload, lim, a, &stmt, err);
    if (rc != WH_OK)
        return wh_error_wrap(err, "signed payload");
    rc = wh_verify_intoto_subject(&stmt, digest, err);
    if (rc != WH_OK)
        return rc;
    out->predicate_type = stmt.predicate_type;
    out->signer = signer;
    out->predicate = stmt.predicate;
    return WH_OK;
}

enum wh_err
wh_pipeline_signatures_keyless(const struct wh_image_check_ctx *ctx,
                               const struct wh_verify_cosign_layer *l, const char *digest,
                               const struct wh_policy_signer *const *signers, size_t n_signers,
                               struct wh_arena *a, const char **signer_out,
                               const char **identity_out, struct wh_attestation *att_out,
                               struct wh_error *err)
{
    struct wh_bundle_result r;
    struct wh_bundle_policy p = wh_policy_identity_evidence(signers, n_signers);
    enum wh_err rc;

    if (ctx->trust == NULL)
        return wh_pipeline_signatures_no_root(err);
    rc = wh_verify_cosign_layer_keyless(l, digest, ctx->trust, &p, ctx->limits, a, &r, err);
    if (rc != WH_OK)
        return rc;
    rc = wh_policy_identity_match(&r, signers, n_signers, a, signer_out, err);
    if (rc == WH_OK && identity_out != NULL)
        *identity_out = wh_policy_identity_text(&r.identity, a);
    if (rc != WH_OK || !l->is_dsse)
        return rc;
    return wh_pipeline_signatures_statement(r.payload_type, r.payload, digest, *signer_out,
                                            ctx->limits, a, att_out, err);
}

/* sha256 of DSSE PAE (Rekor v2 hashedrekord form of a DSSE signature). */
static void
pae_sha256(const struct wh_dsse_envelope *env, unsigned char out[WH_SHA256_LEN])
{
    struct wh_buf pae;
    char head[64];
    int n;

    wh_buf_init(&pae, 64 + env->payload.len);
    n = snprintf(head, sizeof(head), "DSSEv1 %zu ", strlen(env->payload_type));
    wh_buf_append(&pae, head, (size_t)n);
    wh_buf_append_c(&pae, env->payload_type);
    n = snprintf(head, sizeof(head), " %zu ", env->payload.len);
    wh_buf_append(&pae, head, (size_t)n);
    wh_buf_append(&pae, env->payload.ptr, env->payload.len);
    wh_digest_sha256(pae.ptr, pae.len, out);
    wh_buf_fini(&pae);
}

/* The annotations signer `s`'s demands need are on layer `l`, and there is a trust root. */
static enum wh_err
key_evidence_present(const struct wh_image_check_ctx *ctx, const struct wh_verify_cosign_layer *l,
                     const struct wh_policy_signer *s, struct wh_error *err)
{
    if (ctx->trust == NULL)
        return wh_error_set(err, WH_E_VERIFY,
                            "signer %s has %s, but no trust root (Rekor keys, timestamp "
                            "authorities) is configured: set trustRoots in the config (or "
                            "--trusted-root)",
                            s->name, s->tlog_required ? "transparencyLog: required" : "timestamps");
    if (s->tlog_required && l->bundle.len == 0)
        return wh_error_set(err, WH_E_VERIFY,
                            "signer %s has transparencyLog: required, but the layer carries no "
                            "Rekor entry (dev.sigstore.cosign/bundle)",
                            s->name);
    /* A cosign layer carries one timestamp annotation at most. */
    if (s->timestamps > (l->rfc3161.len > 0 ? 1u : 0u))
        return wh_error_set(err, WH_E_VERIFY,
                            "signer %s has timestamps: %zu, but the layer carries %s RFC 3161 "
                            "timestamp (dev.sigstore.cosign/rfc3161timestamp)",
                            s->name, s->timestamps, l->rfc3161.len > 0 ? "one" : "no");
    return WH_OK;
}

/* What the Rekor entry of a DSSE layer must name: the one envelope signature `s`'s key made,
 * the payload, the envelope and the PAE's sha256. */
static enum wh_err
expect_dsse(const struct wh_verify_cosign_layer *l, const struct wh_policy_signer *s,
            const struct wh_limits *lim, struct wh_arena *a, struct wh_tlog_expect *x,
            struct wh_error *err)
{
    struct wh_dsse_envelope env, one;
    const struct wh_verify_key *k = s->key;
    enum wh_err rc;
    size_t i;

    rc = wh_verify_dsse_parse(l->blob, lim, a, &env, err);
    if (rc != WH_OK)
        return wh_error_wrap(err, "signer %s: transparency log", s->name);
    /* The body names one signature: the one this signer's key made. */
    for (i = 0; i < env.n_signatures; i++) {
        struct wh_error ignore;
        one = env;
        one.signatures = &env.signatures[i];
        one.n_signatures = 1;
        if (wh_verify_dsse(&one, &k, 1, NULL, &ignore) == WH_OK)
            break;
    }
    if (i == env.n_signatures)
        return wh_error_set(err, WH_E_VERIFY, "signer %s: no envelope signature verifies", s->name);
    x->signature = env.signatures[i].sig;
    x->payload = env.payload;
    x->envelope = l->blob;
    x->has_artifact_sha256 = true;
    pae_sha256(&env, x->artifact_sha256);
    return WH_OK;
}

/* What the Rekor entry of a .sig layer must name: its signature and the payload's sha256. */
static enum wh_err
expect_signature(const struct wh_verify_cosign_layer *l, struct wh_arena *a,
                 struct wh_tlog_expect *x, struct wh_error *err)
{
    enum wh_err rc;

    if (l->signature_b64.len == 0)
        return wh_error_set(err, WH_E_INVALID, "layer has no signature annotation");
    rc = wh_digest_base64_decode(l->signature_b64, a, &x->signature, err);
    if (rc != WH_OK)
        return wh_error_wrap(err, "signature annotation");
    x->has_artifact_sha256 = true;
    wh_digest_sha256(l->blob.ptr, l->blob.len, x->artifact_sha256);
    return WH_OK;
}

enum wh_err
wh_pipeline_signatures_key_evidence(const struct wh_image_check_ctx *ctx,
                                    const struct wh_verify_cosign_layer *l,
                                    const struct wh_policy_signer *s, struct wh_arena *a,
                                    struct wh_error *err)
{
    struct wh_tlog_expect x;
    struct wh_tlog_entry e;
    enum wh_err rc;
    time_t at;

    if (s == NULL || s->key == NULL || (!s->tlog_required && s->timestamps == 0))
        return WH_OK;
    rc = key_evidence_present(ctx, l, s, err);
    if (rc != WH_OK)
        return rc;
    memset(&x, 0, sizeof(x));
    rc = wh_verify_key_spki_der(s->key, a, &x.verifier, err);
    if (rc != WH_OK)
        return rc;
    rc = l->is_dsse ? expect_dsse(l, s, ctx->limits, a, &x, err) : expect_signature(l, a, &x, err);
    if (rc != WH_OK)
        return rc;
    if (s->timestamps > 0) {
        rc = wh_verify_cosign_layer_timestamp(l, x.signature, ctx->trust, a, &at, err);
        if (rc != WH_OK)
            return wh_error_wrap(err, "signer %s (timestamps: %zu)", s->name, s->timestamps);
    }
    if (!s->tlog_required)
        return WH_OK;
    rc = wh_verify_tlog_entry_parse_cosign(
        (struct wh_bytes){(const unsigned char *)l->bundle.ptr, l->bundle.len}, a, &e, err);
    if (rc == WH_OK)
        rc = wh_verify_tlog_entry(&e, ctx->trust, &x, 0, &at, err);
    if (rc != WH_OK)
        return wh_error_wrap(err,
                             "signer %s (transparencyLog: required): Rekor entry "
                             "(dev.sigstore.cosign/bundle)",
                             s->name);
    return WH_OK;
}
