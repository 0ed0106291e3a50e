/* Rekor transparency-log checks: entry parsing (sigstore bundle and cosign annotation), the SET
 * over its RFC 8785 payload, RFC 9162 inclusion proofs with signed-note checkpoints, and the body
 * cross-check against what the caller verified. Learned from sigstore-go pkg/tlog and rekor's
 * pkg/verify; no code copied. */
#include "verify/tlog.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/digest.h"
#include "base/str.h"
#include "verify/canonical_json.h"

#define SET_PAYLOAD_MAX (WH_TLOG_BODY_MAX * 4 / 3 + 512)

/* ---- small helpers ---- */

static enum wh_err
b64_field(json_t *obj, const char *key, bool required, struct wh_arena *a, struct wh_bytes *out,
          struct wh_error *err)
{
    json_t *v = json_object_get(obj, key);

    *out = (struct wh_bytes){NULL, 0};
    if (v == NULL) {
        if (required)
            return wh_error_set(err, WH_E_INVALID, "%s is missing", key);
        return WH_OK;
    }
    if (!json_is_string(v))
        return wh_error_set(err, WH_E_INVALID, "%s is not a string", key);
    if (wh_digest_base64_decode((struct wh_str){json_string_value(v), json_string_length(v)}, a,
                                out, err) != WH_OK)
        return wh_error_wrap(err, "%s", key);
    return WH_OK;
}

/* protobuf JSON writes int64 as a decimal string; cosign writes a JSON number. */
static enum wh_err
int64_field(json_t *obj, const char *key, bool required, int64_t *out, bool *present,
            struct wh_error *err)
{
    json_t *v = json_object_get(obj, key);
    const char *s;
    char *end;
    long long n;

    *out = 0;
    if (present != NULL)
        *present = v != NULL;
    if (v == NULL) {
        if (required)
            return wh_error_set(err, WH_E_INVALID, "%s is missing", key);
        return WH_OK;
    }
    if (json_is_integer(v)) {
        n = json_integer_value(v);
    } else if (json_is_string(v)) {
        s = json_string_value(v);
        if (json_string_length(v) == 0 || json_string_length(v) > 20 ||
            strspn(s + (s[0] == '-'), "0123456789") != json_string_length(v) - (s[0] == '-') ||
            s[s[0] == '-'] == '\0')
            return wh_error_set(err, WH_E_INVALID, "%s is not an integer", key);
        errno = 0;
        n = strtoll(s, &end, 10);
        if (errno != 0)
            return wh_error_set(err, WH_E_INVALID, "%s is out of range", key);
    } else {
        return wh_error_set(err, WH_E_INVALID, "%s is not an integer", key);
    }
    if (n < 0)
        return wh_error_set(err, WH_E_INVALID, "%s is negative (%lld)", key, n);
    *out = n;
    return WH_OK;
}

static const char *
string_at(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);

    return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool
decode_hex(const char *s, unsigned char *out, size_t n)
{
    return s != NULL && strlen(s) == 2 * n && wh_str_hex_decode(s, n, out);
}

static enum wh_err
load_json(struct wh_bytes in, size_t max, const char *what, json_t **out, struct wh_error *err)
{
    json_error_t jerr;

    if (in.len > max)
        return wh_error_set(err, WH_E_LIMIT, "%s is %zu bytes (limit %zu)", what, in.len, max);
    *out = json_loadb((const char *)in.ptr, in.len, JSON_REJECT_DUPLICATES, &jerr);
    if (*out == NULL)
        return wh_error_set(err, WH_E_INVALID, "%s: %d:%d: %s", what, jerr.line, jerr.column,
                            jerr.text);
    if (!json_is_object(*out)) {
        json_decref(*out);
        return wh_error_set(err, WH_E_INVALID, "%s is not a JSON object", what);
    }
    return WH_OK;
}

/* Decodes the body and reads its kind and apiVersion. */
static enum wh_err
set_body(struct wh_tlog_entry *e, struct wh_arena *a, struct wh_error *err)
{
    json_t *body;
    enum wh_err rc;
    const char *kind, *version;

    if (e->body.len > WH_TLOG_BODY_MAX)
        return wh_error_set(err, WH_E_LIMIT, "entry body is %zu bytes (limit %d)", e->body.len,
                            WH_TLOG_BODY_MAX);
    rc = load_json(e->body, WH_TLOG_BODY_MAX, "entry body", &body, err);
    if (rc != WH_OK)
        return rc;
    kind = string_at(body, "kind");
    version = string_at(body, "apiVersion");
    if (kind == NULL || version == NULL) {
        json_decref(body);
        return wh_error_set(err, WH_E_INVALID, "entry body has no kind or apiVersion");
    }
    e->kind = wh_arena_strdup(a, kind);
    e->api_version = wh_arena_strdup(a, version);
    json_decref(body);
    return WH_OK;
}

/* ---- parsing ---- */

static enum wh_err
parse_proof(json_t *p, struct wh_arena *a, struct wh_tlog_proof *out, struct wh_error *err)
{
    struct wh_bytes root, h;
    json_t *hashes, *cp, *env;
    size_t i;

    if (!json_is_object(p))
        return wh_error_set(err, WH_E_INVALID, "inclusionProof is not an object");
    out->present = true;
    if (int64_field(p, "logIndex", false, &out->log_index, NULL, err) != WH_OK ||
        int64_field(p, "treeSize", true, &out->tree_size, NULL, err) != WH_OK ||
        b64_field(p, "rootHash", true, a, &root, err) != WH_OK)
        return wh_error_wrap(err, "inclusionProof");
    if (root.len != WH_TLOG_HASH_LEN)
        return wh_error_set(err, WH_E_INVALID, "inclusionProof: rootHash is %zu bytes, want 32",
                            root.len);
    memcpy(out->root_hash, root.ptr, WH_TLOG_HASH_LEN);
    hashes = json_object_get(p, "hashes");
    if (hashes != NULL && !json_is_array(hashes))
        return wh_error_set(err, WH_E_INVALID, "inclusionProof: hashes is not an array");
    out->n_hashes = json_array_size(hashes);
    if (out->n_hashes > WH_TLOG_MAX_HASHES)
        return wh_error_set(err, WH_E_LIMIT, "inclusionProof: %zu hashes (limit %d)", out->n_hashes,
                            WH_TLOG_MAX_HASHES);
    out->hashes = wh_arena_calloc(a, out->n_hashes + 1, WH_TLOG_HASH_LEN);
    for (i = 0; i < out->n_hashes; i++) {
        json_t *v = json_array_get(hashes, i);

        if (!json_is_string(v) ||
            wh_digest_base64_decode((struct wh_str){json_string_value(v), json_string_length(v)}, a,
                                    &h, err) != WH_OK ||
            h.len != WH_TLOG_HASH_LEN)
            return wh_error_set(err, WH_E_INVALID,
                                "inclusionProof: hashes[%zu] is not a base64 sha256", i);
        memcpy(out->hashes[i], h.ptr, WH_TLOG_HASH_LEN);
    }
    cp = json_object_get(p, "checkpoint");
    if (cp != NULL) {
        env = json_is_object(cp) ? json_object_get(cp, "envelope") : NULL;
        if (!json_is_string(env))
            return wh_error_set(err, WH_E_INVALID,
                                "inclusionProof: checkpoint.envelope is not a string");
        if (json_string_length(env) > WH_TLOG_CHECKPOINT_MAX)
            return wh_error_set(err, WH_E_LIMIT,
                                "inclusionProof: checkpoint is %zu bytes (limit %d)",
                                json_string_length(env), WH_TLOG_CHECKPOINT_MAX);
        out->checkpoint.ptr = wh_arena_memdup(a, json_string_value(env), json_string_length(env));
        out->checkpoint.len = json_string_length(env);
    }
    return WH_OK;
}

/* One entry document `json` (named `what` in errors), read by `parse`; *out zeroed first. */
static enum wh_err
parse_entry(struct wh_bytes json, const char *what,
            enum wh_err (*parse)(json_t *, struct wh_arena *, struct wh_tlog_entry *,
                                 struct wh_error *),
            struct wh_arena *a, struct wh_tlog_entry *out, struct wh_error *err)
{
    json_t *root;
    enum wh_err rc;

    memset(out, 0, sizeof(*out));
    rc = load_json(json, WH_TLOG_ENTRY_MAX, what, &root, err);
    if (rc != WH_OK)
        return rc;
    rc = parse(root, a, out, err);
    json_decref(root);
    if (rc != WH_OK)
        return wh_error_wrap(err, "%s", what);
    return WH_OK;
}

/* TODO(#14): split the per-field readers; verify/tlog.c is being changed now (cognitive complexity
 * 26 > 25, STYLE §8). */
static enum wh_err /* NOLINTNEXTLINE(readability-function-cognitive-complexity) */
parse_bundle_entry(json_t *root, struct wh_arena *a, struct wh_tlog_entry *out,
                   struct wh_error *err)
{
    json_t *log_id, *kv, *promise, *proof;
    struct wh_bytes id;
    enum wh_err rc;
    const char *kind, *version;

    if ((rc = int64_field(root, "logIndex", true, &out->log_index, NULL, err)) != WH_OK ||
        (rc = int64_field(root, "integratedTime", false, &out->integrated_time,
                          &out->has_integrated_time, err)) != WH_OK ||
        (rc = b64_field(root, "canonicalizedBody", true, a, &out->body, err)) != WH_OK)
        return rc;
    /* proto3 JSON omits a zero integratedTime: Rekor v2 entries have none. */
    if (out->integrated_time == 0)
        out->has_integrated_time = false;
    log_id = json_object_get(root, "logId");
    if (!json_is_object(log_id) || b64_field(log_id, "keyId", true, a, &id, err) != WH_OK)
        return json_is_object(log_id) ? wh_error_wrap(err, "logId")
                                      : wh_error_set(err, WH_E_INVALID, "logId is missing");
    if (id.len != WH_TLOG_ID_LEN)
        return wh_error_set(err, WH_E_INVALID, "logId.keyId is %zu bytes, want 32", id.len);
    memcpy(out->log_id, id.ptr, WH_TLOG_ID_LEN);
    promise = json_object_get(root, "inclusionPromise");
    if (promise != NULL) {
        if (!json_is_object(promise))
            return wh_error_set(err, WH_E_INVALID, "inclusionPromise is not an object");
        if (b64_field(promise, "signedEntryTimestamp", true, a, &out->set, err) != WH_OK)
            return wh_error_wrap(err, "inclusionPromise");
    }
    proof = json_object_get(root, "inclusionProof");
    if (proof != NULL && (rc = parse_proof(proof, a, &out->proof, err)) != WH_OK)
        return rc;
    if ((rc = set_body(out, a, err)) != WH_OK)
        return rc;
    kv = json_object_get(root, "kindVersion");
    if (kv != NULL) {
        kind = string_at(kv, "kind");
        version = string_at(kv, "version");
        if (kind == NULL || version == NULL)
            return wh_error_set(err, WH_E_INVALID, "kindVersion needs kind and version");
        if (strcmp(kind, out->kind) != 0 || strcmp(version, out->api_version) != 0)
            return wh_error_set(err, WH_E_INVALID,
                                "kindVersion %s %s does not match the body's %s %s", kind, version,
                                out->kind, out->api_version);
    }
    return WH_OK;
}

enum wh_err
wh_verify_tlog_entry_parse_bundle(struct wh_bytes json, struct wh_arena *a,
                                  struct wh_tlog_entry *out, struct wh_error *err)
{
    return parse_entry(json, "tlog entry", parse_bundle_entry, a, out, err);
}

static enum wh_err
parse_cosign_entry(json_t *root, struct wh_arena *a, struct wh_tlog_entry *out,
                   struct wh_error *err)
{
    json_t *payload = json_object_get(root, "Payload");
    enum wh_err rc;

    if ((rc = b64_field(root, "SignedEntryTimestamp", true, a, &out->set, err)) != WH_OK)
        return rc;
    if (!json_is_object(payload))
        return wh_error_set(err, WH_E_INVALID, "Payload is missing");
    if (b64_field(payload, "body", true, a, &out->body, err) != WH_OK ||
        int64_field(payload, "integratedTime", true, &out->integrated_time, NULL, err) != WH_OK ||
        int64_field(payload, "logIndex", true, &out->log_index, NULL, err) != WH_OK)
        return wh_error_wrap(err, "Payload");
    out->has_integrated_time = true;
    if (!decode_hex(string_at(payload, "logID"), out->log_id, WH_TLOG_ID_LEN))
        return wh_error_set(err, WH_E_INVALID, "Payload: logID is not 64 hex digits");
    return set_body(out, a, err);
}

enum wh_err
wh_verify_tlog_entry_parse_cosign(struct wh_bytes json, struct wh_arena *a,
                                  struct wh_tlog_entry *out, struct wh_error *err)
{
    return parse_entry(json, "cosign bundle", parse_cosign_entry, a, out, err);
}

/* ---- signatures ---- */

/* Digest for a log key: what Rekor and sigstore-go use for each key type. */
static const EVP_MD *
key_digest(EVP_PKEY *key)
{
    int bits;

    switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_ED25519:
        return NULL;
    case EVP_PKEY_EC:
        bits = EVP_PKEY_get_bits(key);
        return bits > 384 ? EVP_sha512() : bits > 256 ? EVP_sha384() : EVP_sha256();
    default:
        return EVP_sha256();
    }
}

static enum wh_err
verify_signature(EVP_PKEY *key, struct wh_bytes data, struct wh_bytes sig, const char *what,
                 struct wh_error *err)
{
    EVP_MD_CTX *ctx;
    enum wh_err rc;
    int verdict;

    if (WH_NEVER(key == NULL))
        return wh_error_set(err, WH_E_INTERNAL, "%s: no log key", what);
    ctx = EVP_MD_CTX_new();
    if (ctx == NULL)
        wh_oom();
    if (EVP_DigestVerifyInit(ctx, NULL, key_digest(key), NULL, key) != 1) {
        rc = wh_error_openssl(err, WH_E_INVALID, what);
        goto out;
    }
    /* Only 1 means "verified": 0 is a mismatch, anything else a malformed signature. */
    verdict = EVP_DigestVerify(ctx, sig.ptr, sig.len, data.ptr, data.len);
    if (verdict == 1)
        rc = WH_OK;
    else
        rc = wh_error_set(err, WH_E_VERIFY, "%s does not verify with the log key", what);
out:
    ERR_clear_error();
    EVP_MD_CTX_free(ctx);
    return rc;
}

enum wh_err
wh_verify_tlog_set_payload(const struct wh_tlog_entry *entry, struct wh_arena *a,
                           struct wh_bytes *out, struct wh_error *err)
{
    char hex[2 * WH_TLOG_ID_LEN + 1];
    struct wh_buf raw, canon;
    enum wh_err rc;

    if (entry->body.len > WH_TLOG_BODY_MAX)
        return wh_error_set(err, WH_E_LIMIT, "entry body is %zu bytes (limit %d)", entry->body.len,
                            WH_TLOG_BODY_MAX);
    wh_digest_hex(entry->log_id, WH_TLOG_ID_LEN, hex);
    /* Build plain JSON, then canonicalise it: RFC 8785 decides the order and number form. */
    wh_buf_init(&raw, SET_PAYLOAD_MAX);
    wh_buf_init(&canon, SET_PAYLOAD_MAX);
    wh_buf_append_c(&raw, "{\"body\":");
    wh_buf_append_json_string(
        &raw, wh_str_c(wh_digest_base64_encode(entry->body.ptr, entry->body.len, a)));
    wh_buf_printf(&raw,
                  ",\"logIndex\":%" PRId64 ",\"logID\":\"%s\",\"integratedTime\":%" PRId64 "}",
                  entry->log_index, hex, entry->integrated_time);
    rc = wh_buf_check(&raw, "SET payload", err);
    if (rc == WH_OK)
        rc = wh_verify_canonical_json((struct wh_bytes){(const unsigned char *)raw.ptr, raw.len},
                                      &canon, err);
    if (rc == WH_OK) {
        out->ptr = wh_arena_memdup(a, canon.ptr, canon.len + 1);
        out->len = canon.len;
    }
    wh_buf_fini(&raw);
    wh_buf_fini(&canon);
    return rc;
}

enum wh_err
wh_verify_tlog_set(const struct wh_tlog_entry *entry, EVP_PKEY *key, struct wh_error *err)
{
    struct wh_arena a;
    struct wh_bytes payload;
    enum wh_err rc;

    if (entry->set.len == 0)
        return wh_error_set(err, WH_E_NOT_FOUND, "tlog entry has no signed entry timestamp");
    if (!entry->has_integrated_time)
        return wh_error_set(err, WH_E_NOT_FOUND, "tlog entry has no integrated time");
    wh_arena_init(&a);
    rc = wh_verify_tlog_set_payload(entry, &a, &payload, err);
    if (rc == WH_OK)
        rc = verify_signature(key, payload, entry->set, "signed entry timestamp", err);
    wh_arena_fini(&a);
    return rc;
}

/* ---- Merkle proofs (RFC 9162 §2.1.3.2) ---- */

void
wh_verify_tlog_leaf_hash(struct wh_bytes body, unsigned char out[WH_TLOG_HASH_LEN])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    static const unsigned char zero = 0x00;

    if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
        EVP_DigestUpdate(ctx, &zero, 1) != 1 || EVP_DigestUpdate(ctx, body.ptr, body.len) != 1 ||
        EVP_DigestFinal_ex(ctx, out, NULL) != 1)
        wh_oom();
    EVP_MD_CTX_free(ctx);
}

static void
node_hash(const unsigned char *l, const unsigned char *r, unsigned char out[WH_TLOG_HASH_LEN])
{
    unsigned char buf[1 + 2 * WH_TLOG_HASH_LEN];

    buf[0] = 0x01;
    memcpy(buf + 1, l, WH_TLOG_HASH_LEN);
    memcpy(buf + 1 + WH_TLOG_HASH_LEN, r, WH_TLOG_HASH_LEN);
    wh_digest_sha256(buf, sizeof(buf), out);
}

enum wh_err
wh_verify_tlog_merkle_root(int64_t index, int64_t size, const unsigned char leaf[WH_TLOG_HASH_LEN],
                           const unsigned char (*hashes)[WH_TLOG_HASH_LEN], size_t n_hashes,
                           unsigned char out[WH_TLOG_HASH_LEN], struct wh_error *err)
{
    uint64_t fn, sn;
    unsigned char r[WH_TLOG_HASH_LEN];
    size_t i;

    if (index < 0 || size <= 0 || index >= size)
        return wh_error_set(err, WH_E_VERIFY,
                            "inclusion proof: index %" PRId64 " is outside a tree of size %" PRId64,
                            index, size);
    fn = (uint64_t)index;
    sn = (uint64_t)size - 1;
    memcpy(r, leaf, WH_TLOG_HASH_LEN);
    for (i = 0; i < n_hashes; i++) {
        if (sn == 0)
            return wh_error_set(err, WH_E_VERIFY,
                                "inclusion proof: %zu hashes, more than the tree needs", n_hashes);
        if ((fn & 1) == 1 || fn == sn) {
            node_hash(hashes[i], r, r);
            if ((fn & 1) == 0)
                while ((fn & 1) == 0 && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
        } else {
            node_hash(r, hashes[i], r);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0)
        return wh_error_set(err, WH_E_VERIFY,
                            "inclusion proof: %zu hashes, fewer than the tree needs", n_hashes);
    memcpy(out, r, WH_TLOG_HASH_LEN);
    return WH_OK;
}

/* ---- checkpoints (C2SP signed note) ---- */

static bool
next_line(struct wh_str *rest, struct wh_str *line)
{
    const char *nl = memchr(rest->ptr, '\n', rest->len);

    if (nl == NULL)
        return false;
    line->ptr = rest->ptr;
    line->len = (size_t)(nl - rest->ptr);
    rest->len -= line->len + 1;
    rest->ptr = nl + 1;
    return true;
}

enum wh_err
wh_verify_tlog_checkpoint_parse(struct wh_str env, struct wh_tlog_checkpoint *out,
                                struct wh_error *err)
{
    struct wh_str rest = env, line;
    struct wh_arena a;
    struct wh_bytes root;
    const char *sep;
    size_t i;
    enum wh_err rc;
    char num[24];

    memset(out, 0, sizeof(*out));
    if (env.len > WH_TLOG_CHECKPOINT_MAX)
        return wh_error_set(err, WH_E_LIMIT, "checkpoint is %zu bytes (limit %d)", env.len,
                            WH_TLOG_CHECKPOINT_MAX);
    sep = env.len >= 2 ? memmem(env.ptr, env.len, "\n\n", 2) : NULL;
    if (sep == NULL)
        return wh_error_set(err, WH_E_INVALID, "checkpoint has no blank line before signatures");
    out->text = (struct wh_str){env.ptr, (size_t)(sep - env.ptr) + 1};
    rest = out->text;
    if (!next_line(&rest, &out->origin) || out->origin.len == 0)
        return wh_error_set(err, WH_E_INVALID, "checkpoint has no origin line");
    if (!next_line(&rest, &line) || line.len == 0 || line.len >= sizeof(num))
        return wh_error_set(err, WH_E_INVALID, "checkpoint has no tree size line");
    for (i = 0; i < line.len; i++)
        if (line.ptr[i] < '0' || line.ptr[i] > '9')
            return wh_error_set(err, WH_E_INVALID, "checkpoint tree size \"%.*s\" is not a number",
                                (int)line.len, line.ptr);
    memcpy(num, line.ptr, line.len);
    num[line.len] = '\0';
    errno = 0;
    out->tree_size = strtoll(num, NULL, 10);
    if (errno != 0 || (line.len > 1 && line.ptr[0] == '0'))
        return wh_error_set(err, WH_E_INVALID, "checkpoint tree size %s is out of range", num);
    if (!next_line(&rest, &line) || line.len == 0)
        return wh_error_set(err, WH_E_INVALID, "checkpoint has no root hash line");
    wh_arena_init(&a);
    rc = wh_digest_base64_decode((struct wh_str){line.ptr, line.len}, &a, &root, err);
    if (rc == WH_OK && root.len != WH_TLOG_HASH_LEN)
        rc =
            wh_error_set(err, WH_E_INVALID, "checkpoint root hash is %zu bytes, want 32", root.len);
    if (rc == WH_OK)
        memcpy(out->root_hash, root.ptr, WH_TLOG_HASH_LEN);
    wh_arena_fini(&a);
    if (rc != WH_OK)
        return wh_error_wrap(err, "checkpoint root hash");
    return WH_OK;
}

/* The 4-byte key hints a checkpoint signature of this log may carry: the first bytes of
 * sha256(DER SubjectPublicKeyInfo) (Rekor v1, sigstore-go/rekor util.SignedNote), and the first
 * bytes of the log's ID when it is not that hash (Rekor v2 names its C2SP signed-note key ID
 * there). A hint only selects the lines to check: the log's key must verify them. */
static void
key_hints(EVP_PKEY *key, const unsigned char log_id[WH_TLOG_ID_LEN], unsigned char hints[2][4])
{
    unsigned char *der = NULL, sum[WH_SHA256_LEN];
    int len = i2d_PUBKEY(key, &der);

    memcpy(hints[1], log_id, 4);
    if (len <= 0) { /* no DER form: only the log ID names it */
        ERR_clear_error();
        memcpy(hints[0], log_id, 4);
        return;
    }
    wh_digest_sha256(der, (size_t)len, sum);
    OPENSSL_free(der);
    memcpy(hints[0], sum, 4);
}

/* Verifies the signature lines after the note text: those with the log's key hint must all
 * verify, and there must be one. */
static enum wh_err
verify_note_signatures(struct wh_str env, const struct wh_tlog_checkpoint *cp,
                       const struct wh_tlog_entry *entry, EVP_PKEY *key, struct wh_error *err)
{
    static const char dash[] = "\xE2\x80\x94 "; /* "— " (U+2014, space) */
    struct wh_str rest = {cp->text.ptr + cp->text.len + 1, env.len - cp->text.len - 1}, line;
    struct wh_arena a;
    struct wh_bytes sig;
    const char *sp;
    unsigned char hints[2][4];
    int matched = 0;
    enum wh_err rc = WH_OK;

    if (WH_NEVER(key == NULL))
        return wh_error_set(err, WH_E_INTERNAL, "checkpoint: no log key");
    key_hints(key, entry->log_id, hints);
    wh_arena_init(&a);
    while (rc == WH_OK && next_line(&rest, &line)) {
        if (line.len < sizeof(dash) - 1 || memcmp(line.ptr, dash, sizeof(dash) - 1) != 0) {
            rc = wh_error_set(err, WH_E_INVALID,
                              "checkpoint signature line does not start with '—'");
            break;
        }
        line.ptr += sizeof(dash) - 1;
        line.len -= sizeof(dash) - 1;
        sp = memchr(line.ptr, ' ', line.len);
        if (sp == NULL || sp == line.ptr) {
            rc = wh_error_set(err, WH_E_INVALID, "checkpoint signature line has no key name");
            break;
        }
        rc = wh_digest_base64_decode(
            (struct wh_str){sp + 1, line.len - (size_t)(sp + 1 - line.ptr)}, &a, &sig, err);
        if (rc != WH_OK) {
            wh_error_wrap(err, "checkpoint signature");
            break;
        }
        if (sig.len <= 4) {
            rc = wh_error_set(err, WH_E_INVALID, "checkpoint signature is too short");
            break;
        }
        if (memcmp(sig.ptr, hints[0], 4) != 0 && memcmp(sig.ptr, hints[1], 4) != 0)
            continue; /* a witness cosignature or another key: not ours to check */
        matched++;
        rc = verify_signature(
            key, (struct wh_bytes){(const unsigned char *)cp->text.ptr, cp->text.len},
            (struct wh_bytes){sig.ptr + 4, sig.len - 4}, "checkpoint signature", err);
    }
    wh_arena_fini(&a);
    if (rc == WH_OK && rest.len != 0)
        rc = wh_error_set(err, WH_E_INVALID, "checkpoint does not end with a newline");
    if (rc == WH_OK && matched == 0) {
        char h0[9], h1[9];

        wh_digest_hex(hints[0], 4, h0);
        wh_digest_hex(hints[1], 4, h1);
        rc = wh_error_set(err, WH_E_VERIFY,
                          "checkpoint has no signature with the log's key hint %s%s%s: only other "
                          "keys signed it",
                          h0, strcmp(h0, h1) != 0 ? " or " : "", strcmp(h0, h1) != 0 ? h1 : "");
    }
    return rc;
}

enum wh_err
wh_verify_tlog_inclusion(const struct wh_tlog_entry *entry, EVP_PKEY *key, struct wh_error *err)
{
    const struct wh_tlog_proof *p = &entry->proof;
    unsigned char leaf[WH_TLOG_HASH_LEN], root[WH_TLOG_HASH_LEN];
    struct wh_tlog_checkpoint cp;
    enum wh_err rc;

    if (!p->present)
        return wh_error_set(err, WH_E_NOT_FOUND, "tlog entry has no inclusion proof");
    wh_verify_tlog_leaf_hash(entry->body, leaf);
    rc = wh_verify_tlog_merkle_root(p->log_index, p->tree_size, leaf,
                                    (const unsigned char(*)[WH_TLOG_HASH_LEN])p->hashes,
                                    p->n_hashes, root, err);
    if (rc != WH_OK)
        return rc;
    if (memcmp(root, p->root_hash, WH_TLOG_HASH_LEN) != 0)
        return wh_error_set(err, WH_E_VERIFY,
                            "inclusion proof: computed root hash differs from the proof's");
    if (p->checkpoint.ptr == NULL)
        return wh_error_set(err, WH_E_NOT_FOUND, "inclusion proof has no checkpoint");
    rc = wh_verify_tlog_checkpoint_parse(p->checkpoint, &cp, err);
    if (rc != WH_OK)
        return rc;
    if (cp.tree_size != p->tree_size)
        return wh_error_set(err, WH_E_VERIFY,
                            "checkpoint tree size %" PRId64 " differs from the proof's %" PRId64,
                            cp.tree_size, p->tree_size);
    if (memcmp(cp.root_hash, p->root_hash, WH_TLOG_HASH_LEN) != 0)
        return wh_error_set(err, WH_E_VERIFY, "checkpoint root hash differs from the proof's");
    /* sigstore-go (rekor VerifyCheckpointSignature): the checkpoint is bound to the log by its
     * key, not by its origin line, which private deployments set to their own name
     * ("rekor-00001-deployment-... - <tree id>"), not the log URL's host. */
    return verify_note_signatures(p->checkpoint, &cp, entry, key, err);
}

/* ---- body cross-check ---- */

static enum wh_err
check_hex_hash(json_t *h, const char *what, const unsigned char want[32], struct wh_error *err)
{
    const char *alg = string_at(h, "algorithm"), *value = string_at(h, "value");
    unsigned char got[32];

    if (alg == NULL || value == NULL)
        return wh_error_set(err, WH_E_INVALID, "body: %s needs algorithm and value", what);
    if (strcmp(alg, "sha256") != 0)
        return wh_error_set(err, WH_E_INVALID, "body: %s algorithm %s is not sha256", what, alg);
    if (!decode_hex(value, got, sizeof(got)))
        return wh_error_set(err, WH_E_INVALID, "body: %s is not 64 hex digits", what);
    if (memcmp(got, want, sizeof(got)) != 0)
        return wh_error_set(err, WH_E_VERIFY, "body: %s differs from the verified one", what);
    return WH_OK;
}

/* Rekor v2 (0.0.2) hashes: {"algorithm": "SHA2_256", "digest": b64}. */
static enum wh_err
check_b64_hash(json_t *h, const char *what, const unsigned char want[32], struct wh_arena *a,
               struct wh_error *err)
{
    const char *alg = string_at(h, "algorithm");
    struct wh_bytes got;

    if (alg == NULL || strcmp(alg, "SHA2_256") != 0)
        return wh_error_set(err, WH_E_INVALID, "body: %s algorithm is not SHA2_256", what);
    if (b64_field(h, "digest", true, a, &got, err) != WH_OK)
        return wh_error_wrap(err, "body: %s", what);
    if (got.len != 32 || memcmp(got.ptr, want, 32) != 0)
        return wh_error_set(err, WH_E_VERIFY, "body: %s differs from the verified one", what);
    return WH_OK;
}

static bool
bytes_eq(struct wh_bytes x, struct wh_bytes y)
{
    return x.len == y.len && (x.len == 0 || memcmp(x.ptr, y.ptr, x.len) == 0);
}

/* A body verifier is base64(PEM) of a certificate or public key: compare its DER. */
static enum wh_err
check_pem_verifier(const char *b64, const char *what, struct wh_bytes want, struct wh_arena *a,
                   struct wh_error *err)
{
    struct wh_bytes pem;
    char *name = NULL, *header = NULL;
    unsigned char *der = NULL;
    long len = 0;
    BIO *bio;
    bool same;

    if (b64 == NULL)
        return wh_error_set(err, WH_E_INVALID, "body: %s is missing", what);
    if (wh_digest_base64_decode(wh_str_c(b64), a, &pem, err) != WH_OK)
        return wh_error_wrap(err, "body: %s", what);
    bio = BIO_new_mem_buf(pem.ptr, (int)pem.len);
    if (bio == NULL)
        wh_oom();
    if (PEM_read_bio(bio, &name, &header, &der, &len) != 1) {
        BIO_free(bio);
        ERR_clear_error();
        return wh_error_set(err, WH_E_INVALID, "body: %s is not PEM", what);
    }
    BIO_free(bio);
    same = (strcmp(name, "CERTIFICATE") == 0 || strcmp(name, "PUBLIC KEY") == 0) &&
           bytes_eq((struct wh_bytes){der, (size_t)len}, want);
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(der);
    if (!same)
        return wh_error_set(err, WH_E_VERIFY,
                            "body: %s is not the certificate or key that verified", what);
    return WH_OK;
}

static enum wh_err
check_b64_sig(const char *b64, const char *what, struct wh_bytes want, struct wh_arena *a,
              struct wh_error *err)
{
    struct wh_bytes got;

    if (b64 == NULL)
        return wh_error_set(err, WH_E_INVALID, "body: %s is missing", what);
    if (wh_digest_base64_decode(wh_str_c(b64), a, &got, err) != WH_OK)
        return wh_error_wrap(err, "body: %s", what);
    if (!bytes_eq(got, want))
        return wh_error_set(err, WH_E_VERIFY, "body: %s differs from the verified signature", what);
    return WH_OK;
}

/* Rekor v2 verifier: {"x509Certificate": {"rawBytes"}} or {"publicKey": {"rawBytes"}}. */
static enum wh_err
check_v2_verifier(json_t *v, struct wh_bytes want, struct wh_arena *a, struct wh_error *err)
{
    json_t *holder = json_object_get(v, "x509Certificate");
    struct wh_bytes got;

    if (holder == NULL)
        holder = json_object_get(v, "publicKey");
    if (!json_is_object(holder))
        return wh_error_set(err, WH_E_INVALID, "body: verifier has no certificate or key");
    if (b64_field(holder, "rawBytes", true, a, &got, err) != WH_OK)
        return wh_error_wrap(err, "body: verifier");
    if (!bytes_eq(got, want))
        return wh_error_set(err, WH_E_VERIFY,
                            "body: verifier is not the certificate or key that verified");
    return WH_OK;
}

static json_t *
path(json_t *v, const char *a, const char *b, const char *c)
{
    v = json_object_get(v, a);
    if (b != NULL)
        v = json_object_get(v, b);
    if (c != NULL)
        v = json_object_get(v, c);
    return v;
}

static enum wh_err
check_hashedrekord(json_t *spec, bool v2, const struct wh_tlog_expect *x, struct wh_arena *a,
                   struct wh_error *err)
{
    enum wh_err rc;

    if (!x->has_artifact_sha256)
        return wh_error_set(err, WH_E_INTERNAL, "hashedrekord check needs the artifact digest");
    if (v2) {
        json_t *s = json_object_get(spec, "hashedRekordV002");

        if ((rc = check_b64_hash(json_object_get(s, "data"), "artifact hash", x->artifact_sha256, a,
                                 err)) != WH_OK ||
            (rc = check_b64_sig(string_at(json_object_get(s, "signature"), "content"), "signature",
                                x->signature, a, err)) != WH_OK)
            return rc;
        return check_v2_verifier(path(s, "signature", "verifier", NULL), x->verifier, a, err);
    }
    if ((rc = check_hex_hash(path(spec, "data", "hash", NULL), "artifact hash", x->artifact_sha256,
                             err)) != WH_OK ||
        (rc = check_b64_sig(string_at(json_object_get(spec, "signature"), "content"), "signature",
                            x->signature, a, err)) != WH_OK)
        return rc;
    return check_pem_verifier(string_at(path(spec, "signature", "publicKey", NULL), "content"),
                              "public key", x->verifier, a, err);
}

/* The verified signature must be one of the entry's, paired with the verified key. */
static enum wh_err
check_dsse_signatures(json_t *sigs, bool v2, const struct wh_tlog_expect *x, struct wh_arena *a,
                      struct wh_error *err)
{
    size_t i;
    json_t *s;
    struct wh_error ignored;

    if (!json_is_array(sigs) || json_array_size(sigs) == 0)
        return wh_error_set(err, WH_E_INVALID, "body: signatures are missing");
    json_array_foreach(sigs, i, s)
    {
        if (v2) {
            if (check_b64_sig(string_at(s, "content"), "signature", x->signature, a, &ignored) ==
                WH_OK)
                return check_v2_verifier(json_object_get(s, "verifier"), x->verifier, a, err);
        } else if (check_b64_sig(string_at(s, "signature"), "signature", x->signature, a,
                                 &ignored) == WH_OK) {
            return check_pem_verifier(string_at(s, "verifier"), "verifier", x->verifier, a, err);
        }
    }
    return wh_error_set(err, WH_E_VERIFY, "body: no entry signature is the verified signature");
}

static enum wh_err
check_dsse(json_t *spec, bool v2, const struct wh_tlog_expect *x, struct wh_arena *a,
           struct wh_error *err)
{
    unsigned char payload_hash[32], env_hash[32];
    enum wh_err rc;

    wh_digest_sha256(x->payload.ptr, x->payload.len, payload_hash);
    if (v2) {
        json_t *s = json_object_get(spec, "dsseV002");

        if ((rc = check_b64_hash(json_object_get(s, "payloadHash"), "payload hash", payload_hash, a,
                                 err)) != WH_OK)
            return rc;
        return check_dsse_signatures(json_object_get(s, "signatures"), true, x, a, err);
    }
    if ((rc = check_hex_hash(json_object_get(spec, "payloadHash"), "payload hash", payload_hash,
                             err)) != WH_OK)
        return rc;
    if (x->envelope.ptr != NULL) {
        wh_digest_sha256(x->envelope.ptr, x->envelope.len, env_hash);
        if ((rc = check_hex_hash(json_object_get(spec, "envelopeHash"), "envelope hash", env_hash,
                                 err)) != WH_OK)
            return rc;
    }
    return check_dsse_signatures(json_object_get(spec, "signatures"), false, x, a, err);
}

/* intoto 0.0.2 stores each signature base64 twice: base64 of the envelope's base64 "sig". */
static enum wh_err
check_intoto2_signatures(json_t *sigs, const struct wh_tlog_expect *x, struct wh_arena *a,
                         struct wh_error *err)
{
    size_t i;
    json_t *s;
    struct wh_bytes inner;
    struct wh_error ignored;

    if (!json_is_array(sigs) || json_array_size(sigs) == 0)
        return wh_error_set(err, WH_E_INVALID, "body: envelope signatures are missing");
    json_array_foreach(sigs, i, s)
    {
        const char *sig = string_at(s, "sig");

        if (sig == NULL || wh_digest_base64_decode(wh_str_c(sig), a, &inner, &ignored) != WH_OK)
            continue;
        if (check_b64_sig((const char *)inner.ptr, "signature", x->signature, a, &ignored) == WH_OK)
            return check_pem_verifier(string_at(s, "publicKey"), "public key", x->verifier, a, err);
    }
    return wh_error_set(err, WH_E_VERIFY, "body: no entry signature is the verified signature");
}

static enum wh_err
check_intoto(json_t *spec, bool v2, const struct wh_tlog_expect *x, struct wh_arena *a,
             struct wh_error *err)
{
    json_t *content = json_object_get(spec, "content");
    unsigned char payload_hash[32], env_hash[32];
    enum wh_err rc;

    if (!json_is_object(content))
        return wh_error_set(err, WH_E_INVALID, "body: content is missing");
    wh_digest_sha256(x->payload.ptr, x->payload.len, payload_hash);
    if ((rc = check_hex_hash(json_object_get(content, "payloadHash"), "payload hash", payload_hash,
                             err)) != WH_OK)
        return rc;
    if (v2)
        return check_intoto2_signatures(path(content, "envelope", "signatures", NULL), x, a, err);
    if (x->envelope.ptr != NULL) {
        wh_digest_sha256(x->envelope.ptr, x->envelope.len, env_hash);
        if ((rc = check_hex_hash(json_object_get(content, "hash"), "envelope hash", env_hash,
                                 err)) != WH_OK)
            return rc;
    }
    return check_pem_verifier(string_at(spec, "publicKey"), "public key", x->verifier, a, err);
}

enum wh_err
wh_verify_tlog_body(const struct wh_tlog_entry *entry, const struct wh_tlog_expect *x,
                    struct wh_error *err)
{
    struct wh_arena a;
    json_t *body, *spec;
    enum wh_err rc;
    const char *kind = entry->kind != NULL ? entry->kind : "";
    const char *ver = entry->api_version != NULL ? entry->api_version : "";
    bool v1 = strcmp(ver, "0.0.1") == 0, v2 = strcmp(ver, "0.0.2") == 0;

    rc = load_json(entry->body, WH_TLOG_BODY_MAX, "entry body", &body, err);
    if (rc != WH_OK)
        return rc;
    spec = json_object_get(body, "spec");
    wh_arena_init(&a);
    if (!json_is_object(spec))
        rc = wh_error_set(err, WH_E_INVALID, "body: spec is missing");
    else if (strcmp(kind, "hashedrekord") == 0 && (v1 || v2))
        rc = check_hashedrekord(spec, v2, x, &a, err);
    else if (strcmp(kind, "dsse") == 0 && (v1 || v2))
        rc = check_dsse(spec, v2, x, &a, err);
    else if (strcmp(kind, "intoto") == 0 && (v1 || v2))
        rc = check_intoto(spec, v2, x, &a, err);
    else
        rc = wh_error_set(err, WH_E_INVALID, "body: unsupported entry kind %s %s", kind, ver);
    wh_arena_fini(&a);
    json_decref(body);
    if (rc != WH_OK)
        return wh_error_wrap(err, "tlog entry %s %s", kind, ver);
    return WH_OK;
}

/* ---- against a trust root ---- */

enum wh_err
wh_verify_tlog_entry(const struct wh_tlog_entry *entry, const struct wh_trust_root *root,
                     const struct wh_tlog_expect *x, time_t timestamp_time, time_t *signed_time,
                     struct wh_error *err)
{
    const struct wh_trust_log *log;
    time_t at = entry->has_integrated_time ? (time_t)entry->integrated_time : timestamp_time;
    char hex[2 * WH_TLOG_ID_LEN + 1];
    bool set_ok = false;
    enum wh_err rc;

    if (!entry->has_integrated_time && timestamp_time == 0)
        return wh_error_set(err, WH_E_VERIFY,
                            "tlog entry has no integrated time and no signed timestamp vouches "
                            "for a signing time");
    log = wh_trust_tlog_find(root, entry->log_id, at);
    if (log == NULL) {
        wh_digest_hex(entry->log_id, WH_TLOG_ID_LEN, hex);
        return wh_error_set(err, WH_E_NOT_FOUND, "no trusted transparency log %s valid at %lld",
                            hex, (long long)at);
    }
    if ((rc = wh_verify_tlog_body(entry, x, err)) != WH_OK)
        return rc;
    if (entry->set.len > 0) {
        if ((rc = wh_verify_tlog_set(entry, log->key, err)) != WH_OK)
            return rc;
        set_ok = true;
    }
    if (entry->proof.present) {
        rc = wh_verify_tlog_inclusion(entry, log->key, err);
        if (rc != WH_OK)
            return rc;
    } else if (x->require_inclusion_proof) {
        return wh_error_set(err, WH_E_VERIFY, "tlog entry has no inclusion proof");
    } else if (!set_ok) {
        return wh_error_set(err, WH_E_VERIFY,
                            "tlog entry has neither a signed entry timestamp nor an inclusion "
                            "proof");
    }
    if (set_ok)
        *signed_time = (time_t)entry->integrated_time;
    else if (timestamp_time != 0)
        *signed_time = timestamp_time;
    else
        return wh_error_set(err, WH_E_VERIFY,
                            "tlog entry time is not signed (no SET) and no timestamp was given");
    return WH_OK;
}
