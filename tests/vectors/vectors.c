/*
 * Driver for tests/vectors/vectors_test.sh: runs one INDEX.json entry of the shared vectors through
 * the key-based verifier (webhook/verify) and prints its verdict. Exit 0 = verified/parsed,
 * 1 = rejected, 2 = usage or I/O error.
 *
 *   vectors key PEM
 *   vectors dsse ENVELOPE DIGEST KEY...            signature + subject (any predicate type)
 *   vectors envelope ENVELOPE DIGEST|- TYPE|-      payload only (signing key unpublished)
 *   vectors statement FILE TYPE|-                  bare in-toto statement
 *   vectors sig SIGFILE DIGEST DOCKER_REF|- KEY... containers/image ".sig layer" file
 *   vectors keyless-sig SIGFILE DIGEST DOCKER_REF|- SAN ISSUER TRUST...   keyless .sig layer
 *   vectors rekor-set SET CERT|SIGFILE SIG PAYLOAD TRUST...  cosign SET bundle with its material
 *   vectors cert PEM SAN|- SAN_RE|- ISSUER|- ISSUER_RE|- TRUST... [--ext NAME=VALUE]...
 *   vectors root TRUST...                          trust root files load
 *   vectors sbom FILE                              SPDX / CycloneDX document parses
 *   vectors predicate FILE TYPE                    bare predicate parses as TYPE (vuln, SLSA)
 * TRUST arguments take wh_trust_root_load's "kind=FILE" form.
 */
#include <jansson.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/digest.h"
#include "base/file.h"
#include "base/limits.h"
#include "sbom/normalize.h"
#include "trust/root.h"
#include "verify/attestation.h"
#include "verify/cosign_sig.h"
#include "verify/dsse.h"
#include "verify/intoto.h"
#include "verify/keyless.h"
#include "verify/keys.h"
#include "verify/predicates.h"
#include "verify/tlog.h"

#define FILE_MAX (64u << 20)
#define SIMPLE_SIGNING "application/vnd.dev.cosign.simplesigning.v1+json"

static const struct wh_limits lim = WH_LIMITS_DEFAULT;

static int
verdict(enum wh_err rc, const struct wh_error *err, const char *what)
{
    if (rc == WH_OK) {
        printf("verified: %s\n", what);
        return 0;
    }
    printf("rejected: %s: %s\n", wh_error_name(rc), err->msg);
    return 1;
}

static int
read_or_die(const char *path, struct wh_arena *a, struct wh_bytes *out)
{
    struct wh_error err;

    if (wh_file_read(path, FILE_MAX, a, out, &err) != WH_OK) {
        fprintf(stderr, "vectors: %s\n", err.msg);
        return 2;
    }
    return 0;
}

/* Parses every key file into a signer named by its path; the first failure rejects. */
static enum wh_err
load_signers(char **paths, int n, struct wh_arena *a, struct wh_verify_signer *out,
             struct wh_error *err)
{
    for (int i = 0; i < n; i++) {
        struct wh_bytes pem;
        struct wh_verify_key *key;
        enum wh_err rc = wh_file_read(paths[i], FILE_MAX, a, &pem, err);

        if (rc == WH_OK)
            rc = wh_verify_key_parse(pem, a, &key, err);
        if (rc != WH_OK)
            return wh_error_wrap(err, "%s", paths[i]);
        out[i] = (struct wh_verify_signer){paths[i], key};
    }
    return WH_OK;
}

static int
cmd_key(const char *path, struct wh_arena *a)
{
    struct wh_bytes pem;
    struct wh_verify_key *key = NULL;
    struct wh_error err;
    enum wh_err rc;

    if (read_or_die(path, a, &pem) != 0)
        return 2;
    rc = wh_verify_key_parse(pem, a, &key, &err);
    return verdict(rc, &err, rc == WH_OK ? wh_verify_key_type(key) : "");
}

static int
cmd_dsse(char **argv, int argc, struct wh_arena *a)
{
    struct wh_bytes env;
    struct wh_verify_signer *signers = wh_arena_calloc(a, (size_t)argc, sizeof(*signers));
    struct wh_attestation att;
    struct wh_error err;
    enum wh_err rc;

    if (read_or_die(argv[0], a, &env) != 0)
        return 2;
    rc = load_signers(argv + 2, argc - 2, a, signers, &err);
    if (rc == WH_OK)
        rc = wh_verify_attestation(env, signers, (size_t)argc - 2, argv[1], NULL, &lim, a, &att,
                                   &err);
    return verdict(
        rc, &err,
        rc == WH_OK ? wh_arena_sprintf(a, "%s signed by %s", att.predicate_type, att.signer) : "");
}

static enum wh_err
check_statement(struct wh_bytes json, const char *digest, const char *want, struct wh_arena *a,
                struct wh_intoto_statement *st, struct wh_error *err)
{
    enum wh_err rc = wh_verify_intoto_parse(json, &lim, a, st, err);

    if (rc == WH_OK && digest != NULL)
        rc = wh_verify_intoto_subject(st, digest, err);
    want = wh_verify_predicate_type_canonical(want);
    if (rc == WH_OK && want != NULL && strcmp(st->predicate_type, want) != 0)
        rc = wh_error_set(err, WH_E_VERIFY, "predicateType \"%s\" is not %s", st->predicate_type,
                          want);
    return rc;
}

static const char *
opt(const char *arg)
{
    return strcmp(arg, "-") == 0 ? NULL : arg;
}

static int
cmd_envelope(char **argv, struct wh_arena *a)
{
    struct wh_bytes json;
    struct wh_dsse_envelope env;
    struct wh_intoto_statement st;
    struct wh_error err;
    enum wh_err rc;

    if (read_or_die(argv[0], a, &json) != 0)
        return 2;
    rc = wh_verify_dsse_parse(json, &lim, a, &env, &err);
    if (rc == WH_OK && strcmp(env.payload_type, WH_INTOTO_PAYLOAD_TYPE) != 0)
        rc = wh_error_set(&err, WH_E_VERIFY, "payloadType %s", env.payload_type);
    if (rc == WH_OK)
        rc = check_statement(env.payload, opt(argv[1]), opt(argv[2]), a, &st, &err);
    return verdict(rc, &err, rc == WH_OK ? st.predicate_type : "");
}

static int
cmd_statement(char **argv, struct wh_arena *a)
{
    struct wh_bytes json;
    struct wh_intoto_statement st;
    struct wh_error err;
    enum wh_err rc;

    if (read_or_die(argv[0], a, &json) != 0)
        return 2;
    rc = check_statement(json, NULL, opt(argv[1]), a, &st, &err);
    return verdict(rc, &err, rc == WH_OK ? st.predicate_type : "");
}

/* containers/image signature/fixtures form of one `.sig` layer: 0x00, "sigstore-json\n", then
 * {"mimeType", "payload": b64 blob, "annotations": {...}}. `l` (may be NULL) receives the
 * keyless annotations. */
static enum wh_err
read_sig_layer(struct wh_bytes file, struct wh_arena *a, struct wh_bytes *payload,
               const char **sig_b64, struct wh_verify_cosign_layer *l, struct wh_error *err)
{
    static const char magic[] = "\0sigstore-json\n";
    json_error_t jerr;
    json_t *root, *mime, *b64, *sig, *ann;
    enum wh_err rc = WH_OK;

    if (file.len < sizeof(magic) - 1 || memcmp(file.ptr, magic, sizeof(magic) - 1) != 0)
        return wh_error_set(err, WH_E_INVALID, "not a sigstore-json signature file");
    root = json_loadb((const char *)file.ptr + sizeof(magic) - 1, file.len - (sizeof(magic) - 1),
                      JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL)
        return wh_error_set(err, WH_E_INVALID, "signature JSON %d:%d: %s", jerr.line, jerr.column,
                            jerr.text);
    mime = json_object_get(root, "mimeType");
    b64 = json_object_get(root, "payload");
    ann = json_object_get(root, "annotations");
    sig = json_object_get(ann, "dev.cosignproject.cosign/signature");
    /* cosign: only simple-signing layers of a .sig manifest are signatures. */
    if (!json_is_string(mime) || strcmp(json_string_value(mime), SIMPLE_SIGNING) != 0)
        rc =
            wh_error_set(err, WH_E_VERIFY, "layer mediaType %s is not %s",
                         json_is_string(mime) ? json_string_value(mime) : "(none)", SIMPLE_SIGNING);
    else if (!json_is_string(b64) || !json_is_string(sig))
        rc = wh_error_set(err, WH_E_INVALID, "layer without payload or signature annotation");
    else
        rc = wh_digest_base64_decode(wh_str_c(json_string_value(b64)), a, payload, err);
    if (rc == WH_OK)
        *sig_b64 = wh_arena_strdup(a, json_string_value(sig));
    if (rc == WH_OK && l != NULL) {
        static const char *const keys[] = {
            "dev.sigstore.cosign/certificate", "dev.sigstore.cosign/chain",
            "dev.sigstore.cosign/bundle", "dev.sigstore.cosign/rfc3161timestamp"};
        struct wh_str *slots[] = {&l->certificate, &l->chain, &l->bundle, &l->rfc3161};

        memset(l, 0, sizeof(*l));
        for (size_t i = 0; i < 4; i++) {
            json_t *v = json_object_get(ann, keys[i]);

            *slots[i] = json_is_string(v)
                            ? (struct wh_str){wh_arena_strdup(a, json_string_value(v)),
                                              json_string_length(v)}
                            : (struct wh_str){"", 0};
        }
        l->blob = *payload;
        l->signature_b64 = wh_str_c(*sig_b64);
    }
    json_decref(root);
    return rc;
}

static int
cmd_sig(char **argv, int argc, struct wh_arena *a)
{
    struct wh_bytes file, payload;
    const char *sig_b64 = NULL, *signer = NULL, *want_ref = opt(argv[2]);
    struct wh_verify_signer *signers = wh_arena_calloc(a, (size_t)argc, sizeof(*signers));
    struct wh_cosign_payload p;
    struct wh_error err;
    enum wh_err rc;

    if (read_or_die(argv[0], a, &file) != 0)
        return 2;
    rc = load_signers(argv + 3, argc - 3, a, signers, &err);
    if (rc == WH_OK)
        rc = read_sig_layer(file, a, &payload, &sig_b64, NULL, &err);
    if (rc == WH_OK)
        rc = wh_verify_signature(payload, wh_str_c(sig_b64), signers, (size_t)argc - 3, argv[1], a,
                                 &signer, &err);
    /* containers/image exact-reference policy: the signed docker-reference must equal it. */
    if (rc == WH_OK && want_ref != NULL) {
        rc = wh_verify_cosign_payload_parse(payload, a, &p, &err);
        if (rc == WH_OK && strcmp(p.docker_reference, want_ref) != 0)
            rc = wh_error_set(&err, WH_E_VERIFY, "signed docker-reference %s is not %s",
                              p.docker_reference, want_ref);
    }
    return verdict(rc, &err, rc == WH_OK ? signer : "");
}

static enum wh_err
load_root(char **paths, int n, struct wh_trust_root **root, struct wh_error *err)
{
    return wh_trust_root_load((const char *const *)paths, (size_t)n, &lim, root, err);
}

static int
cmd_keyless_sig(char **argv, int argc, struct wh_arena *a)
{
    struct wh_bytes file, payload;
    const char *sig_b64 = NULL, *want_ref = opt(argv[2]);
    struct wh_verify_cosign_layer layer;
    struct wh_bundle_policy p = {.san = argv[3], .issuer = argv[4]};
    struct wh_bundle_result r;
    struct wh_trust_root *root = NULL;
    struct wh_cosign_payload cp;
    struct wh_error err = {0};
    enum wh_err rc;
    int status;

    if (read_or_die(argv[0], a, &file) != 0)
        return 2;
    rc = read_sig_layer(file, a, &payload, &sig_b64, &layer, &err);
    if (rc == WH_OK)
        rc = load_root(argv + 5, argc - 5, &root, &err);
    if (rc == WH_OK)
        rc = wh_verify_cosign_layer_keyless(&layer, argv[1], root, &p, &lim, a, &r, &err);
    if (rc == WH_OK && want_ref != NULL) {
        rc = wh_verify_cosign_payload_parse(payload, a, &cp, &err);
        if (rc == WH_OK && strcmp(cp.docker_reference, want_ref) != 0)
            rc = wh_error_set(&err, WH_E_VERIFY, "signed docker-reference %s is not %s",
                              cp.docker_reference, want_ref);
    }
    status = verdict(rc, &err, rc == WH_OK ? r.identity.san : "");
    wh_trust_root_unref(root);
    return status;
}

/* The certificate: a PEM file, or the certificate annotation of a containers/image .sig file. */
static enum wh_err
read_cert(const char *path, struct wh_arena *a, struct wh_str *pem, struct wh_error *err)
{
    struct wh_bytes file, payload;
    const char *sig_b64;
    struct wh_verify_cosign_layer l;
    enum wh_err rc = wh_file_read(path, FILE_MAX, a, &file, err);

    if (rc != WH_OK)
        return rc;
    if (file.len > 0 && file.ptr[0] == '\0') {
        rc = read_sig_layer(file, a, &payload, &sig_b64, &l, err);
        *pem = l.certificate;
        return rc;
    }
    *pem = (struct wh_str){(const char *)file.ptr, file.len};
    return WH_OK;
}

/* A cosign SET bundle with the material it was logged for: SET (with the Rekor key of TRUST) and
 * the hashedrekord body against sha256(PAYLOAD), the signature and the certificate. */
static int
cmd_rekor_set(char **argv, int argc, struct wh_arena *a)
{
    struct wh_bytes set, sig_file, payload, sig;
    struct wh_str pem = {0};
    struct wh_trust_root *root = NULL;
    struct wh_tlog_entry e;
    struct wh_tlog_expect x = {0};
    struct wh_error err = {0};
    time_t at = 0;
    enum wh_err rc;
    int status;

    if (read_or_die(argv[0], a, &set) != 0 || read_or_die(argv[2], a, &sig_file) != 0 ||
        read_or_die(argv[3], a, &payload) != 0)
        return 2;
    rc = read_cert(argv[1], a, &pem, &err);
    if (rc == WH_OK) {
        struct wh_str s = {(const char *)sig_file.ptr, sig_file.len};

        while (s.len > 0 && (s.ptr[s.len - 1] == '\n' || s.ptr[s.len - 1] == '\r'))
            s.len--;
        rc = wh_digest_base64_decode(s, a, &sig, &err);
    }
    if (rc == WH_OK)
        rc = load_root(argv + 4, argc - 4, &root, &err);
    if (rc == WH_OK)
        rc = wh_verify_tlog_entry_parse_cosign(set, a, &e, &err);
    if (rc == WH_OK) {
        struct wh_cert_identity id;
        BIO *bio = BIO_new_mem_buf(pem.ptr, (int)pem.len);
        X509 *cert = bio != NULL ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
        unsigned char *der = NULL;
        int len = cert != NULL ? i2d_X509(cert, &der) : -1;

        BIO_free(bio);
        X509_free(cert);
        if (len <= 0) {
            rc = wh_error_set(&err, WH_E_INVALID, "%s holds no PEM certificate", argv[1]);
        } else {
            x.verifier.ptr = wh_arena_memdup(a, der, (size_t)len);
            x.verifier.len = (size_t)len;
            rc = wh_verify_cert_identity_parse(x.verifier, a, &id, &err);
        }
        OPENSSL_free(der);
        x.signature = sig;
        x.has_artifact_sha256 = true;
        wh_digest_sha256(payload.ptr, payload.len, x.artifact_sha256);
    }
    if (rc == WH_OK)
        rc = wh_verify_tlog_entry(&e, root, &x, 0, &at, &err);
    status = verdict(rc, &err, rc == WH_OK ? "SET and body" : "");
    wh_trust_root_unref(root);
    return status;
}

/* kyverno subject globs: '*' matches any run of characters (anchored at both ends). */
static const char *
glob_to_regex(const char *glob, struct wh_arena *a)
{
    char *out = wh_arena_alloc(a, 2 * strlen(glob) + 1), *o = out;

    for (const char *g = glob; *g != '\0'; g++) {
        if (*g == '*') {
            *o++ = '.';
            *o++ = '*';
        } else {
            if (strchr(".[]{}()\\+?^$|", *g) != NULL)
                *o++ = '\\';
            *o++ = *g;
        }
    }
    *o = '\0';
    return out;
}

/* A Fulcio certificate on its own: chain + SCT at its notBefore (the only time it proves),
 * identity by exact value, glob or regex, and Fulcio extensions by name. */
static int
cmd_cert(char **argv, int argc, struct wh_arena *a)
{
    struct wh_str pem;
    struct wh_cert_identity unverified, id;
    struct wh_bundle_policy p = {.issuer = opt(argv[3]), .issuer_regex = opt(argv[4])};
    struct wh_trust_root *root = NULL;
    struct wh_error err = {0};
    int n_trust = 0, status;
    enum wh_err rc = read_cert(argv[0], a, &pem, &err);

    if (opt(argv[1]) != NULL && strchr(argv[1], '*') != NULL)
        p.san_regex = glob_to_regex(argv[1], a);
    else
        p.san = opt(argv[1]);
    if (opt(argv[2]) != NULL)
        p.san_regex = argv[2];
    while (5 + n_trust < argc && strcmp(argv[5 + n_trust], "--ext") != 0)
        n_trust++;
    if (rc == WH_OK)
        rc = load_root(argv + 5, n_trust, &root, &err);
    if (rc == WH_OK)
        rc = wh_verify_cert_identity_parse(
            (struct wh_bytes){(const unsigned char *)pem.ptr, pem.len}, a, &unverified, &err);
    if (rc == WH_OK)
        rc = wh_verify_cert((struct wh_bytes){(const unsigned char *)pem.ptr, pem.len}, NULL, 0,
                            root, unverified.not_before, a, &id, &err);
    if (rc == WH_OK)
        rc = wh_verify_identity(&id, &p, &err);
    for (int i = 5 + n_trust; rc == WH_OK && i + 1 < argc; i += 2) {
        const char *eq = strchr(argv[i + 1], '=');
        char *name =
            eq != NULL ? wh_arena_strndup(a, argv[i + 1], (size_t)(eq - argv[i + 1])) : argv[i + 1];
        int ext = wh_verify_cert_ext_find(name);

        if (eq == NULL || ext < 0)
            rc = wh_error_set(&err, WH_E_INVALID, "unknown extension %s", argv[i + 1]);
        else if (id.ext[ext] == NULL || strcmp(id.ext[ext], eq + 1) != 0)
            rc = wh_error_set(&err, WH_E_VERIFY, "extension %s is %s, not %s", name,
                              id.ext[ext] != NULL ? id.ext[ext] : "(absent)", eq + 1);
    }
    status = verdict(rc, &err, rc == WH_OK ? id.san : "");
    wh_trust_root_unref(root);
    return status;
}

static int
cmd_root(char **argv, int argc)
{
    struct wh_trust_root *root = NULL;
    struct wh_error err = {0};
    enum wh_err rc = load_root(argv, argc, &root, &err);
    int status = verdict(rc, &err, "trust root");

    wh_trust_root_unref(root);
    return status;
}

static int
cmd_sbom(const char *path, struct wh_arena *a)
{
    struct wh_bytes json;
    struct wh_sbom sbom;
    struct wh_error err = {0};
    enum wh_err rc;

    if (read_or_die(path, a, &json) != 0)
        return 2;
    rc = wh_sbom_parse(json, &lim, a, &sbom, &err);
    return verdict(rc, &err, "SBOM");
}

static int
cmd_predicate(const char *path, const char *type, struct wh_arena *a)
{
    struct wh_attestation att = {.predicate_type = type, .signer = "-"};
    struct wh_predicates pr = {0};
    struct wh_error err = {0};
    enum wh_err rc;

    if (read_or_die(path, a, &att.predicate) != 0)
        return 2;
    rc = wh_verify_predicates_parse(&att, &lim, a, &pr, &err);
    if (rc == WH_OK && pr.provenance == NULL && pr.vulns == NULL && pr.agent == NULL)
        rc = wh_error_set(&err, WH_E_VERIFY, "%s is not a predicate type driftgate reads", type);
    return verdict(rc, &err, type);
}

int
main(int argc, char **argv)
{
    struct wh_arena a;
    int rc = 2;

    wh_arena_init(&a);
    if (argc == 3 && strcmp(argv[1], "key") == 0)
        rc = cmd_key(argv[2], &a);
    else if (argc >= 5 && strcmp(argv[1], "dsse") == 0)
        rc = cmd_dsse(argv + 2, argc - 2, &a);
    else if (argc == 5 && strcmp(argv[1], "envelope") == 0)
        rc = cmd_envelope(argv + 2, &a);
    else if (argc == 4 && strcmp(argv[1], "statement") == 0)
        rc = cmd_statement(argv + 2, &a);
    else if (argc >= 6 && strcmp(argv[1], "sig") == 0)
        rc = cmd_sig(argv + 2, argc - 2, &a);
    else if (argc >= 8 && strcmp(argv[1], "keyless-sig") == 0)
        rc = cmd_keyless_sig(argv + 2, argc - 2, &a);
    else if (argc >= 7 && strcmp(argv[1], "rekor-set") == 0)
        rc = cmd_rekor_set(argv + 2, argc - 2, &a);
    else if (argc >= 8 && strcmp(argv[1], "cert") == 0)
        rc = cmd_cert(argv + 2, argc - 2, &a);
    else if (argc >= 3 && strcmp(argv[1], "root") == 0)
        rc = cmd_root(argv + 2, argc - 2);
    else if (argc == 3 && strcmp(argv[1], "sbom") == 0)
        rc = cmd_sbom(argv[2], &a);
    else if (argc == 4 && strcmp(argv[1], "predicate") == 0)
        rc = cmd_predicate(argv[2], argv[3], &a);
    else
        fprintf(stderr, "usage: vectors key|dsse|envelope|statement|sig|keyless-sig|rekor-set|"
                        "cert|root|sbom|predicate ... (see vectors.c)\n");
    wh_arena_fini(&a);
    return rc;
}
