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
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/digest.h"
#include "base/file.h"
#include "base/limits.h"
#include "verify/attestation.h"
#include "verify/cosign_sig.h"
#include "verify/dsse.h"
#include "verify/intoto.h"
#include "verify/keys.h"

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
 * {"mimeType", "payload": b64 blob, "annotations": {...}}. */
static enum wh_err
read_sig_layer(struct wh_bytes file, struct wh_arena *a, struct wh_bytes *payload,
               const char **sig_b64, struct wh_error *err)
{
    static const char magic[] = "\0sigstore-json\n";
    json_error_t jerr;
    json_t *root, *mime, *b64, *sig;
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
    sig =
        json_object_get(json_object_get(root, "annotations"), "dev.cosignproject.cosign/signature");
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
        rc = read_sig_layer(file, a, &payload, &sig_b64, &err);
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
    else
        fprintf(stderr, "usage: vectors key|dsse|envelope|statement|sig ... (see vectors.c)\n");
    wh_arena_fini(&a);
    return rc;
}
