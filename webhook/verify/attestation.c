/* Key-based verification of one `.att` envelope or one `.sig` layer against the policy's signers:
 * signature first, then the binding to the image digest, then the predicate type. */
#include "verify/attestation.h"

#include <stdio.h>
#include <string.h>

#include "base/digest.h"
#include "verify/cosign_sig.h"
#include "verify/dsse.h"
#include "verify/intoto.h"

struct alias {
    const char *name;
    const char *uri;
};

/* cosign pkg/cosign/attestation + cmd/cosign/cli/options/predicate.go: --type aliases. */
static const struct alias aliases[] = {
    {"custom", "https://cosign.sigstore.dev/attestation/v1"},
    {"cyclonedx", "https://cyclonedx.org/bom"},
    {"link", "https://in-toto.io/Link/v1"},
    {"openvex", "https://openvex.dev/ns"},
    {"slsaprovenance", "https://slsa.dev/provenance/v0.2"},
    {"slsaprovenance02", "https://slsa.dev/provenance/v0.2"},
    {"slsaprovenance1", "https://slsa.dev/provenance/v1"},
    {"spdx", "https://spdx.dev/Document"},
    {"spdxjson", "https://spdx.dev/Document"},
    {"vuln", "https://cosign.sigstore.dev/attestation/vuln/v1"},
};

const char *
wh_verify_predicate_type_canonical(const char *name_or_url)
{
    if (name_or_url == NULL)
        return NULL;
    for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
        if (strcmp(aliases[i].name, name_or_url) == 0)
            return aliases[i].uri;
    return name_or_url;
}

const char *
wh_verify_predicate_alias(size_t i)
{
    return i < sizeof(aliases) / sizeof(aliases[0]) ? aliases[i].name : NULL;
}

static const struct wh_verify_key **
signer_keys(const struct wh_verify_signer *signers, size_t n, struct wh_arena *a)
{
    const struct wh_verify_key **keys = wh_arena_calloc(a, n == 0 ? 1 : n, sizeof(*keys));

    for (size_t i = 0; i < n; i++)
        keys[i] = signers[i].key;
    return keys;
}

/* "ci-key (ecdsa-p256), release (ed25519)" for messages, in `a`. */
static const char *
signer_names(const struct wh_verify_signer *signers, size_t n, struct wh_arena *a)
{
    char buf[300];
    size_t used = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < n && used < sizeof(buf); i++) {
        int w = snprintf(buf + used, sizeof(buf) - used, "%s%s (%s)", i == 0 ? "" : ", ",
                         signers[i].name, wh_verify_key_type(signers[i].key));
        if (w < 0)
            break;
        used += (size_t)w;
    }
    return wh_arena_strdup(a, buf);
}

static enum wh_err
check_inputs(size_t n_signers, const char *digest, struct wh_error *err)
{
    if (n_signers == 0)
        return wh_error_set(err, WH_E_VERIFY, "no key-based signers to verify with");
    if (digest == NULL || !wh_digest_is_sha256(wh_str_c(digest)))
        return wh_error_set(err, WH_E_INVALID, "image digest \"%.80s\" is not sha256:<hex>",
                            digest != NULL ? digest : "(null)");
    return WH_OK;
}

enum wh_err
wh_verify_attestation(struct wh_bytes envelope, const struct wh_verify_signer *signers,
                      size_t n_signers, const char *digest, const char *want_predicate_type,
                      const struct wh_limits *lim, struct wh_arena *a, struct wh_attestation *out,
                      struct wh_error *err)
{
    struct wh_dsse_envelope env;
    struct wh_intoto_statement stmt;
    const char *want = wh_verify_predicate_type_canonical(want_predicate_type);
    int which = -1;
    enum wh_err rc;

    rc = check_inputs(n_signers, digest, err);
    if (rc != WH_OK)
        return rc;
    rc = wh_verify_dsse_parse(envelope, lim, a, &env, err);
    if (rc != WH_OK)
        return rc;
    /* cosign verifyAttestation: the envelope must carry an in-toto statement. PAE covers the
     * type, so this is checked against the signed value either way. */
    if (strcmp(env.payload_type, WH_INTOTO_PAYLOAD_TYPE) != 0)
        return wh_error_set(err, WH_E_VERIFY, "envelope payloadType \"%.80s\" is not %s",
                            env.payload_type, WH_INTOTO_PAYLOAD_TYPE);
    rc = wh_verify_dsse(&env, signer_keys(signers, n_signers, a), n_signers, &which, err);
    if (rc == WH_E_VERIFY)
        return wh_error_set(err, WH_E_VERIFY,
                            "no signature on the envelope verifies with signers %s",
                            signer_names(signers, n_signers, a));
    if (rc != WH_OK)
        return rc;
    if (WH_NEVER(which < 0 || (size_t)which >= n_signers))
        return wh_error_set(err, WH_E_INTERNAL, "verified key index %d out of range", which);
    rc = wh_verify_intoto_parse(env.payload, lim, a, &stmt, err);
    if (rc != WH_OK)
        return wh_error_wrap(err, "signed payload");
    rc = wh_verify_intoto_subject(&stmt, digest, err);
    if (rc != WH_OK)
        return rc;
    if (want != NULL && strcmp(stmt.predicate_type, want) != 0)
        return wh_error_set(err, WH_E_VERIFY, "predicateType \"%.100s\" is not the required %.100s",
                            stmt.predicate_type, want);
    out->predicate_type = stmt.predicate_type;
    out->signer = wh_arena_strdup(a, signers[which].name);
    out->predicate = stmt.predicate;
    return WH_OK;
}

enum wh_err
wh_verify_signature(struct wh_bytes payload, struct wh_str sig_b64,
                    const struct wh_verify_signer *signers, size_t n_signers, const char *digest,
                    struct wh_arena *a, const char **signer_out, struct wh_error *err)
{
    struct wh_bytes sig;
    int which = -1;
    enum wh_err rc;

    rc = check_inputs(n_signers, digest, err);
    if (rc != WH_OK)
        return rc;
    if (sig_b64.len == 0)
        return wh_error_set(err, WH_E_INVALID, "layer has no cosign signature annotation");
    rc = wh_digest_base64_decode(sig_b64, a, &sig, err);
    if (rc != WH_OK)
        return wh_error_wrap(err, "cosign signature annotation");
    rc = wh_verify_cosign_sig(payload, sig, signer_keys(signers, n_signers, a), n_signers, digest,
                              a, &which, NULL, err);
    if (rc != WH_OK)
        return wh_error_wrap(err, "signers %s", signer_names(signers, n_signers, a));
    if (WH_NEVER(which < 0 || (size_t)which >= n_signers))
        return wh_error_set(err, WH_E_INTERNAL, "verified key index %d out of range", which);
    *signer_out = wh_arena_strdup(a, signers[which].name);
    return WH_OK;
}
