/* Sigstore bundle parsing (protobuf-JSON of sigstore_bundle.proto v0.1..v0.3): copies the fields
 * into arena structs, decoding base64, and applies the per-version shape rules of sigstore-go's
 * pkg/bundle. No signature, certificate or proof is checked here. */
#include "verify/bundle.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/digest.h"

/* protobuf-JSON "bytes": standard or URL-safe base64, padding optional (proto3 JSON mapping). */
static enum wh_err
decode_b64(const char *field, const char *s, size_t len, struct wh_arena *a, struct wh_bytes *out,
           struct wh_error *err)
{
    size_t padded = (len + 3) / 4 * 4;
    char *norm;

    if (len % 4 == 1)
        return wh_error_set(err, WH_E_INVALID, "%s: base64 length %zu is impossible", field, len);
    norm = wh_arena_alloc(a, padded + 1);
    for (size_t i = 0; i < len; i++)
        norm[i] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];
    for (size_t i = len; i < padded; i++)
        norm[i] = '=';
    if (wh_digest_base64_decode((struct wh_str){norm, padded}, a, out, err) != WH_OK)
        return wh_error_wrap(err, "%s", field);
    return WH_OK;
}

/* The string at `key` of `obj` (*out), or *out NULL when it is absent and not required. */
static enum wh_err
get_string(json_t *obj, const char *key, const char *field, bool required, json_t **out,
           struct wh_error *err)
{
    json_t *v = json_object_get(obj, key);

    *out = NULL;
    if (v == NULL)
        return required ? wh_error_set(err, WH_E_INVALID, "%s is missing", field) : WH_OK;
    if (!json_is_string(v))
        return wh_error_set(err, WH_E_INVALID, "%s is not a string", field);
    *out = v;
    return WH_OK;
}

static enum wh_err
get_bytes(json_t *obj, const char *key, const char *field, bool required, struct wh_arena *a,
          struct wh_bytes *out, struct wh_error *err)
{
    json_t *v;
    enum wh_err rc = get_string(obj, key, field, required, &v, err);

    *out = (struct wh_bytes){(const unsigned char *)"", 0};
    if (rc != WH_OK || v == NULL)
        return rc;
    return decode_b64(field, json_string_value(v), json_string_length(v), a, out, err);
}

static enum wh_err
get_text(json_t *obj, const char *key, const char *field, bool required, struct wh_arena *a,
         const char **out, struct wh_error *err)
{
    json_t *v;
    enum wh_err rc = get_string(obj, key, field, required, &v, err);

    *out = rc == WH_OK && v != NULL
               ? wh_arena_strndup(a, json_string_value(v), json_string_length(v))
               : "";
    return rc;
}

/* proto3 JSON int64: a decimal string or a JSON number; absent = 0. Negative is never valid here
 * (log indexes, sizes, times). */
static enum wh_err
get_int64(json_t *obj, const char *key, const char *field, int64_t *out, struct wh_error *err)
{
    json_t *v = json_object_get(obj, key);

    *out = 0;
    if (v == NULL)
        return WH_OK;
    if (json_is_integer(v)) {
        *out = (int64_t)json_integer_value(v);
    } else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        char *end = NULL;
        long long n;

        if (json_string_length(v) == 0 || json_string_length(v) > 20 ||
            strspn(s, "-0123456789") != json_string_length(v))
            return wh_error_set(err, WH_E_INVALID, "%s \"%.24s\" is not an integer", field, s);
        errno = 0;
        n = strtoll(s, &end, 10);
        if (errno != 0 || end == s || *end != '\0')
            return wh_error_set(err, WH_E_INVALID, "%s \"%.24s\" is not an int64", field, s);
        *out = (int64_t)n;
    } else {
        return wh_error_set(err, WH_E_INVALID, "%s is not an integer", field);
    }
    if (*out < 0)
        return wh_error_set(err, WH_E_INVALID, "%s is negative (%lld)", field, (long long)*out);
    return WH_OK;
}

static json_t *
get_object(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);

    return json_is_object(v) ? v : NULL;
}

static enum wh_err
parse_media_type(const char *mt, enum wh_bundle_version *out, struct wh_error *err)
{
    static const struct {
        const char *text;
        enum wh_bundle_version v;
    } known[] = {
        {"application/vnd.dev.sigstore.bundle+json;version=0.1", WH_BUNDLE_V0_1},
        {"application/vnd.dev.sigstore.bundle+json;version=0.2", WH_BUNDLE_V0_2},
        {"application/vnd.dev.sigstore.bundle+json;version=0.3", WH_BUNDLE_V0_3},
        {"application/vnd.dev.sigstore.bundle.v0.1+json", WH_BUNDLE_V0_1},
        {"application/vnd.dev.sigstore.bundle.v0.2+json", WH_BUNDLE_V0_2},
        {WH_BUNDLE_MEDIA_TYPE_V03, WH_BUNDLE_V0_3},
    };

    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        if (strcmp(mt, known[i].text) == 0) {
            *out = known[i].v;
            return WH_OK;
        }
    }
    return wh_error_set(err, WH_E_INVALID, "unsupported bundle media type \"%.80s\"", mt);
}

static enum wh_err
parse_proof(json_t *p, struct wh_arena *a, struct wh_bundle_tlog_entry *e, struct wh_error *err)
{
    json_t *hashes = json_object_get(p, "hashes");
    json_t *cp = get_object(p, "checkpoint");
    json_t *env;
    enum wh_err rc;

    e->has_inclusion_proof = true;
    rc = get_int64(p, "logIndex", "inclusionProof.logIndex", &e->proof_log_index, err);
    if (rc == WH_OK)
        rc = get_int64(p, "treeSize", "inclusionProof.treeSize", &e->tree_size, err);
    if (rc == WH_OK)
        rc = get_bytes(p, "rootHash", "inclusionProof.rootHash", false, a, &e->root_hash, err);
    if (rc != WH_OK)
        return rc;
    if (hashes != NULL && !json_is_array(hashes))
        return wh_error_set(err, WH_E_INVALID, "inclusionProof.hashes is not a list");
    e->n_hashes = json_array_size(hashes);
    if (e->n_hashes > WH_BUNDLE_MAX_HASHES)
        return wh_error_set(err, WH_E_LIMIT, "inclusionProof has %zu hashes, limit is %d",
                            e->n_hashes, WH_BUNDLE_MAX_HASHES);
    e->hashes = wh_arena_calloc(a, e->n_hashes + 1, sizeof(*e->hashes));
    for (size_t i = 0; i < e->n_hashes; i++) {
        json_t *h = json_array_get(hashes, i);

        if (!json_is_string(h))
            return wh_error_set(err, WH_E_INVALID, "inclusionProof.hashes[%zu] is not a string", i);
        rc = decode_b64("inclusionProof.hashes[]", json_string_value(h), json_string_length(h), a,
                        &e->hashes[i], err);
        if (rc != WH_OK)
            return rc;
    }
    e->checkpoint = (struct wh_str){"", 0};
    if (cp != NULL) {
        env = json_object_get(cp, "envelope");
        if (env != NULL && !json_is_string(env))
            return wh_error_set(err, WH_E_INVALID, "checkpoint.envelope is not a string");
        if (env != NULL)
            e->checkpoint = (struct wh_str){
                wh_arena_strndup(a, json_string_value(env), json_string_length(env)),
                json_string_length(env)};
    }
    return WH_OK;
}

static enum wh_err
parse_entry(json_t *j, enum wh_bundle_version v, struct wh_arena *a, struct wh_bundle_tlog_entry *e,
            struct wh_error *err)
{
    json_t *log_id = get_object(j, "logId");
    json_t *kv = get_object(j, "kindVersion");
    json_t *promise = get_object(j, "inclusionPromise");
    json_t *proof = get_object(j, "inclusionProof");
    enum wh_err rc;

    if (!json_is_object(j))
        return wh_error_set(err, WH_E_INVALID, "entry is not an object");
    rc = get_int64(j, "logIndex", "logIndex", &e->log_index, err);
    if (rc == WH_OK)
        rc = get_int64(j, "integratedTime", "integratedTime", &e->integrated_time, err);
    if (rc == WH_OK && log_id == NULL)
        rc = wh_error_set(err, WH_E_INVALID, "logId is missing");
    if (rc == WH_OK)
        rc = get_bytes(log_id, "keyId", "logId.keyId", true, a, &e->log_id, err);
    if (rc == WH_OK && kv == NULL)
        rc = wh_error_set(err, WH_E_INVALID, "kindVersion is missing");
    if (rc == WH_OK)
        rc = get_text(kv, "kind", "kindVersion.kind", true, a, &e->kind, err);
    if (rc == WH_OK)
        rc = get_text(kv, "version", "kindVersion.version", true, a, &e->kind_version, err);
    /* sigstore-go: "canonicalized body is required" for every entry. */
    if (rc == WH_OK)
        rc = get_bytes(j, "canonicalizedBody", "canonicalizedBody", true, a, &e->body, err);
    if (rc == WH_OK && e->body.len == 0)
        rc = wh_error_set(err, WH_E_INVALID, "canonicalizedBody is empty");
    if (rc == WH_OK && promise != NULL)
        rc = get_bytes(promise, "signedEntryTimestamp", "inclusionPromise.signedEntryTimestamp",
                       true, a, &e->set, err);
    if (rc == WH_OK && proof != NULL)
        rc = parse_proof(proof, a, e, err);
    if (rc != WH_OK)
        return rc;
    {
        char *text = json_dumps(j, JSON_COMPACT);

        if (text == NULL)
            wh_oom();
        e->json.len = strlen(text);
        e->json.ptr = wh_arena_memdup(a, text, e->json.len + 1);
        free(text);
    }
    /* protobuf-specs: v0.1 requires the inclusion promise, v0.2+ the inclusion proof. */
    if (v == WH_BUNDLE_V0_1 && e->set.len == 0)
        return wh_error_set(err, WH_E_INVALID, "bundle v0.1 entry has no inclusion promise");
    if (v >= WH_BUNDLE_V0_2 && !e->has_inclusion_proof)
        return wh_error_set(err, WH_E_INVALID, "bundle v0.%d entry has no inclusion proof", (int)v);
    return WH_OK;
}

static enum wh_err
parse_cert_list(json_t *list, struct wh_arena *a, struct wh_bundle *out, struct wh_error *err)
{
    size_t n = json_array_size(list);

    if (!json_is_array(list) || n == 0)
        return wh_error_set(err, WH_E_INVALID, "x509CertificateChain has no certificates");
    if (n > WH_BUNDLE_MAX_CERTS)
        return wh_error_set(err, WH_E_LIMIT,
                            "x509CertificateChain has %zu certificates, limit "
                            "is %d",
                            n, WH_BUNDLE_MAX_CERTS);
    out->certs = wh_arena_calloc(a, n, sizeof(*out->certs));
    out->n_certs = n;
    for (size_t i = 0; i < n; i++) {
        json_t *c = json_array_get(list, i);
        enum wh_err rc;

        if (!json_is_object(c))
            return wh_error_set(err, WH_E_INVALID, "certificates[%zu] is not an object", i);
        rc = get_bytes(c, "rawBytes", "certificate rawBytes", true, a, &out->certs[i], err);
        if (rc == WH_OK && out->certs[i].len == 0)
            rc = wh_error_set(err, WH_E_INVALID, "certificates[%zu] is empty", i);
        if (rc != WH_OK)
            return rc;
    }
    return WH_OK;
}

static enum wh_err
parse_material(json_t *vm, struct wh_arena *a, struct wh_bundle *out, struct wh_error *err)
{
    json_t *pk = get_object(vm, "publicKey");
    json_t *chain = get_object(vm, "x509CertificateChain");
    json_t *cert = get_object(vm, "certificate");
    int kinds = (pk != NULL) + (chain != NULL) + (cert != NULL);
    enum wh_err rc;

    /* A protobuf oneof: exactly one of the three. */
    if (kinds != 1)
        return wh_error_set(err, WH_E_INVALID,
                            "verificationMaterial must hold exactly one of "
                            "publicKey, x509CertificateChain, certificate (found %d)",
                            kinds);
    if (pk != NULL) {
        out->material = WH_BUNDLE_PUBLIC_KEY;
        return get_text(pk, "hint", "publicKey.hint", false, a, &out->key_hint, err);
    }
    if (chain != NULL) {
        if (out->version >= WH_BUNDLE_V0_3)
            return wh_error_set(err, WH_E_INVALID,
                                "bundle v0.3 must carry \"certificate\", not "
                                "\"x509CertificateChain\"");
        out->material = WH_BUNDLE_CERT_CHAIN;
        return parse_cert_list(json_object_get(chain, "certificates"), a, out, err);
    }
    out->material = WH_BUNDLE_CERTIFICATE;
    out->certs = wh_arena_calloc(a, 1, sizeof(*out->certs));
    out->n_certs = 1;
    rc = get_bytes(cert, "rawBytes", "certificate.rawBytes", true, a, &out->certs[0], err);
    if (rc == WH_OK && out->certs[0].len == 0)
        rc = wh_error_set(err, WH_E_INVALID, "certificate.rawBytes is empty");
    return rc;
}

static enum wh_err
parse_timestamps(json_t *vm, struct wh_arena *a, struct wh_bundle *out, struct wh_error *err)
{
    json_t *tvd = get_object(vm, "timestampVerificationData");
    json_t *list = tvd != NULL ? json_object_get(tvd, "rfc3161Timestamps") : NULL;
    size_t n = json_array_size(list);

    if (list == NULL)
        return WH_OK;
    if (!json_is_array(list))
        return wh_error_set(err, WH_E_INVALID, "rfc3161Timestamps is not a list");
    if (n > WH_BUNDLE_MAX_ENTRIES)
        return wh_error_set(err, WH_E_LIMIT, "bundle has %zu timestamps, limit is %d", n,
                            WH_BUNDLE_MAX_ENTRIES);
    out->timestamps = wh_arena_calloc(a, n + 1, sizeof(*out->timestamps));
    out->n_timestamps = n;
    for (size_t i = 0; i < n; i++) {
        json_t *t = json_array_get(list, i);
        enum wh_err rc;

        if (!json_is_object(t))
            return wh_error_set(err, WH_E_INVALID, "rfc3161Timestamps[%zu] is not an object", i);
        rc = get_bytes(t, "signedTimestamp", "rfc3161Timestamps[].signedTimestamp", true, a,
                       &out->timestamps[i], err);
        if (rc != WH_OK)
            return rc;
    }
    return WH_OK;
}

static enum wh_err
parse_tlog(json_t *vm, struct wh_arena *a, struct wh_bundle *out, struct wh_error *err)
{
    json_t *list = json_object_get(vm, "tlogEntries");
    size_t n = json_array_size(list);

    if (list != NULL && !json_is_array(list))
        return wh_error_set(err, WH_E_INVALID, "tlogEntries is not a list");
    if (n > WH_BUNDLE_MAX_ENTRIES)
        return wh_error_set(err, WH_E_LIMIT, "bundle has %zu tlog entries, limit is %d", n,
                            WH_BUNDLE_MAX_ENTRIES);
    out->tlog = wh_arena_calloc(a, n + 1, sizeof(*out->tlog));
    out->n_tlog = n;
    for (size_t i = 0; i < n; i++) {
        enum wh_err rc = parse_entry(json_array_get(list, i), out->version, a, &out->tlog[i], err);

        if (rc != WH_OK)
            return wh_error_wrap(err, "tlogEntries[%zu]", i);
    }
    return WH_OK;
}

static enum wh_err
parse_message(json_t *ms, struct wh_arena *a, struct wh_bundle *out, struct wh_error *err)
{
    json_t *md = get_object(ms, "messageDigest");
    enum wh_err rc;

    out->content = WH_BUNDLE_MESSAGE_SIGNATURE;
    out->message_digest = (struct wh_bytes){(const unsigned char *)"", 0};
    if (md != NULL) {
        const char *alg;

        rc = get_text(md, "algorithm", "messageDigest.algorithm", false, a, &alg, err);
        if (rc == WH_OK && strcmp(alg, "SHA2_256") != 0)
            rc = wh_error_set(err, WH_E_INVALID,
                              "messageDigest.algorithm \"%.40s\" is not "
                              "SHA2_256",
                              alg);
        if (rc == WH_OK)
            rc =
                get_bytes(md, "digest", "messageDigest.digest", true, a, &out->message_digest, err);
        if (rc == WH_OK && out->message_digest.len != WH_SHA256_LEN)
            rc = wh_error_set(err, WH_E_INVALID, "messageDigest.digest is %zu bytes, not 32",
                              out->message_digest.len);
        if (rc != WH_OK)
            return rc;
    }
    rc = get_bytes(ms, "signature", "messageSignature.signature", true, a, &out->signature, err);
    if (rc == WH_OK && out->signature.len == 0)
        rc = wh_error_set(err, WH_E_INVALID, "messageSignature.signature is empty");
    return rc;
}

static enum wh_err
parse_dsse(json_t *env, const struct wh_limits *lim, struct wh_arena *a, struct wh_bundle *out,
           struct wh_error *err)
{
    char *text = json_dumps(env, JSON_COMPACT);
    enum wh_err rc;

    if (text == NULL)
        wh_oom();
    out->content = WH_BUNDLE_DSSE;
    rc = wh_verify_dsse_parse((struct wh_bytes){(const unsigned char *)text, strlen(text)}, lim, a,
                              &out->dsse, err);
    free(text);
    if (rc != WH_OK)
        return wh_error_wrap(err, "dsseEnvelope");
    /* sigstore-go (verify/signature.go): a bundle's envelope carries exactly one signature. */
    if (out->dsse.n_signatures != 1)
        return wh_error_set(err, WH_E_INVALID,
                            "dsseEnvelope has %zu signatures, a bundle "
                            "carries exactly one",
                            out->dsse.n_signatures);
    return WH_OK;
}

static enum wh_err
parse_root(json_t *root, const struct wh_limits *lim, struct wh_arena *a, struct wh_bundle *out,
           struct wh_error *err)
{
    json_t *vm = get_object(root, "verificationMaterial");
    json_t *ms = get_object(root, "messageSignature");
    json_t *env = get_object(root, "dsseEnvelope");
    enum wh_err rc;

    if (!json_is_object(root))
        return wh_error_set(err, WH_E_INVALID, "bundle is not a JSON object");
    rc = get_text(root, "mediaType", "mediaType", true, a, &out->media_type, err);
    if (rc == WH_OK)
        rc = parse_media_type(out->media_type, &out->version, err);
    if (rc == WH_OK && vm == NULL)
        rc = wh_error_set(err, WH_E_INVALID, "verificationMaterial is missing");
    if (rc == WH_OK)
        rc = parse_material(vm, a, out, err);
    if (rc == WH_OK)
        rc = parse_tlog(vm, a, out, err);
    if (rc == WH_OK)
        rc = parse_timestamps(vm, a, out, err);
    if (rc != WH_OK)
        return rc;
    if ((ms != NULL) == (env != NULL))
        return wh_error_set(err, WH_E_INVALID,
                            "bundle must hold exactly one of messageSignature "
                            "and dsseEnvelope");
    if (ms != NULL)
        return parse_message(ms, a, out, err);
    return parse_dsse(env, lim, a, out, err);
}

enum wh_err
wh_verify_bundle_parse(struct wh_bytes json, const struct wh_limits *lim, struct wh_arena *a,
                       struct wh_bundle *out, struct wh_error *err)
{
    json_error_t jerr;
    json_t *root;
    enum wh_err rc;

    memset(out, 0, sizeof(*out));
    if (json.len > lim->blob_bytes)
        return wh_error_set(err, WH_E_LIMIT, "bundle is %zu bytes, limit is %zu", json.len,
                            lim->blob_bytes);
    root = json_loadb((const char *)json.ptr, json.len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL)
        return wh_error_set(err, WH_E_INVALID, "bundle: %d:%d: %s", jerr.line, jerr.column,
                            jerr.text);
    rc = parse_root(root, lim, a, out, err);
    json_decref(root);
    if (rc != WH_OK)
        return wh_error_wrap(err, "bundle");
    return WH_OK;
}
