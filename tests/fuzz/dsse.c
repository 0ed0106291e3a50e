/* DSSE envelope parser (pull scanner) + PAE verification: never crashes, errors are
 * INVALID/LIMIT, a parsed envelope respects the limits, its PAE is the spec's encoding of its
 * type and payload, no random envelope verifies with a fixed key, and it agrees with the jansson
 * parser it replaced (kept below as the reference, as at e430284): what it accepts the
 * reference accepts with the same type, payload and signatures (duplicate keys aside: the
 * scanner refuses them only among the members it reads), and what the reference accepts with
 * duplicates refused, it accepts. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/digest.h"
#include "base/limits.h"
#include "fuzz/fuzz.h"
#include "verify/dsse.h"
#include "verify/keys.h"

/* ---- the reference: webhook/verify/dsse.c at e430284 (jansson) ---- */

/* DSSE envelope.md: "Base64() ... Either standard or URL-safe encoding is allowed"; padding is
 * optional in practice (go-securesystemslib accepts both). Normalise to padded standard. */
static enum wh_err
ref_decode_b64_any(const char *field, struct wh_str in, struct wh_arena *a, struct wh_bytes *out,
                   struct wh_error *err)
{
    size_t padded = (in.len + 3) / 4 * 4;
    char *norm;
    enum wh_err rc;

    if (in.len % 4 == 1)
        return wh_error_set(err, WH_E_INVALID, "%s: base64 length %zu is impossible", field,
                            in.len);
    norm = wh_arena_alloc(a, padded + 1);
    for (size_t i = 0; i < in.len; i++) {
        char c = in.ptr[i];

        norm[i] = c == '-' ? '+' : c == '_' ? '/' : c;
    }
    for (size_t i = in.len; i < padded; i++)
        norm[i] = '=';
    rc = wh_digest_base64_decode((struct wh_str){norm, padded}, a, out, err);
    if (rc != WH_OK)
        return wh_error_wrap(err, "%s", field);
    return WH_OK;
}

static enum wh_err
ref_get_string(json_t *obj, const char *key, bool required, struct wh_str *out,
               struct wh_error *err)
{
    json_t *v = json_object_get(obj, key);

    if (v == NULL && !required) {
        *out = (struct wh_str){"", 0};
        return WH_OK;
    }
    if (v == NULL)
        return wh_error_set(err, WH_E_INVALID, "envelope has no \"%s\"", key);
    if (!json_is_string(v))
        return wh_error_set(err, WH_E_INVALID, "envelope \"%s\" is not a string", key);
    *out = (struct wh_str){json_string_value(v), json_string_length(v)};
    return WH_OK;
}

static enum wh_err
ref_parse_signatures(json_t *arr, const struct wh_limits *lim, struct wh_arena *a,
                     struct wh_dsse_envelope *out, struct wh_error *err)
{
    size_t n = json_array_size(arr);

    if (!json_is_array(arr))
        return wh_error_set(err, WH_E_INVALID, "envelope \"signatures\" is missing or not a list");
    if (n == 0)
        return wh_error_set(err, WH_E_INVALID, "envelope has no signatures");
    if (n > lim->signatures)
        return wh_error_set(err, WH_E_LIMIT, "envelope has %zu signatures, limit is %zu", n,
                            lim->signatures);
    out->signatures = wh_arena_calloc(a, n, sizeof(*out->signatures));
    for (size_t i = 0; i < n; i++) {
        json_t *s = json_array_get(arr, i);
        struct wh_str keyid = {0}, sig = {0};
        char field[48];
        enum wh_err rc;

        if (!json_is_object(s))
            return wh_error_set(err, WH_E_INVALID, "envelope signatures[%zu] is not an object", i);
        rc = ref_get_string(s, "keyid", false, &keyid, err);
        if (rc == WH_OK)
            rc = ref_get_string(s, "sig", true, &sig, err);
        if (rc != WH_OK)
            return wh_error_wrap(err, "signatures[%zu]", i);
        if (sig.len == 0)
            return wh_error_set(err, WH_E_INVALID, "envelope signatures[%zu].sig is empty", i);
        snprintf(field, sizeof(field), "envelope signatures[%zu].sig", i);
        rc = ref_decode_b64_any(field, sig, a, &out->signatures[i].sig, err);
        if (rc != WH_OK)
            return rc;
        out->signatures[i].keyid = wh_arena_strdup_view(a, keyid);
    }
    out->n_signatures = n;
    return WH_OK;
}

static enum wh_err
ref_dsse_parse(size_t flags, struct wh_bytes json, const struct wh_limits *lim, struct wh_arena *a,
               struct wh_dsse_envelope *out, struct wh_error *err)
{
    json_error_t jerr;
    json_t *root;
    struct wh_str type = {0}, payload = {0};
    enum wh_err rc;

    if (json.len > lim->blob_bytes)
        return wh_error_set(err, WH_E_LIMIT, "DSSE envelope of %zu bytes exceeds the limit of %zu",
                            json.len, lim->blob_bytes);
    /* jansson skips a NUL byte between tokens ({"a":5\0,...} loads); JSON has no place for one
     * and the scanner refuses it, so the reference does too. */
    if (json.len > 0 && memchr(json.ptr, '\0', json.len) != NULL)
        return wh_error_set(err, WH_E_INVALID, "envelope JSON holds a NUL byte");
    root = json_loadb((const char *)json.ptr, json.len, flags, &jerr);
    if (root == NULL)
        return wh_error_set(err, WH_E_INVALID, "envelope JSON %d:%d: %s", jerr.line, jerr.column,
                            jerr.text);
    memset(out, 0, sizeof(*out));
    if (!json_is_object(root)) {
        rc = wh_error_set(err, WH_E_INVALID, "envelope is not a JSON object");
        goto out;
    }
    rc = ref_get_string(root, "payloadType", true, &type, err);
    if (rc == WH_OK)
        rc = ref_get_string(root, "payload", true, &payload, err);
    if (rc == WH_OK)
        rc = ref_decode_b64_any("envelope payload", payload, a, &out->payload, err);
    if (rc == WH_OK)
        rc = ref_parse_signatures(json_object_get(root, "signatures"), lim, a, out, err);
    if (rc == WH_OK)
        out->payload_type = wh_arena_strdup_view(a, type);
out:
    json_decref(root);
    return rc;
}

/* shared/vectors/cosign-classic/keys/cosign.pub: signs no envelope in the seed corpus. */
static const char pem[] = "-----BEGIN PUBLIC KEY-----\n"
                          "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEFNLqFhf4fiN6o/glAuYnq2jYUeL0\n"
                          "vRuLu/z39pmbVwS9ff5AYnlwaP9sxREajdLY9ynM6G1sy6AAmb7Z63TsLg==\n"
                          "-----END PUBLIC KEY-----\n";

/* DSSE protocol.md: PAE = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body. */
static void
check_pae(const struct wh_dsse_envelope *env)
{
    char head[600];
    int n = snprintf(head, sizeof(head), "DSSEv1 %zu %s %zu ", strlen(env->payload_type),
                     env->payload_type, env->payload.len);

    if (n < 0 || (size_t)n >= sizeof(head))
        return;
    WH_ASSERT(env->pae.len == (size_t)n + env->payload.len);
    WH_ASSERT(memcmp(env->pae.ptr, head, (size_t)n) == 0);
    WH_ASSERT(env->pae.ptr + n == env->payload.ptr);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct wh_arena keys;
    static const struct wh_verify_key *key;
    struct wh_limits lim = WH_LIMITS_DEFAULT;
    struct wh_arena a;
    struct wh_error err;
    struct wh_dsse_envelope env, ref;

    if (key == NULL) {
        struct wh_verify_key *k;

        wh_arena_init(&keys);
        WH_ASSERT(wh_verify_key_parse((struct wh_bytes){(const unsigned char *)pem, strlen(pem)},
                                      &keys, &k, &err) == WH_OK);
        key = k;
    }
    lim.blob_bytes = 1u << 16;
    lim.signatures = 4;
    wh_arena_init(&a);
    if (wh_verify_dsse_parse((struct wh_bytes){data, size}, &lim, &a, &env, &err) == WH_OK) {
        WH_ASSERT(env.payload_type != NULL);
        WH_ASSERT(env.n_signatures >= 1 && env.n_signatures <= lim.signatures);
        for (size_t i = 0; i < env.n_signatures; i++)
            WH_ASSERT(env.signatures[i].sig.len > 0 && env.signatures[i].keyid != NULL);
        WH_ASSERT(wh_verify_dsse(&env, &key, 1, NULL, &err) == WH_E_VERIFY);
        check_pae(&env);
        WH_ASSERT(ref_dsse_parse(0, (struct wh_bytes){data, size}, &lim, &a, &ref, &err) == WH_OK);
        WH_ASSERT(strcmp(env.payload_type, ref.payload_type) == 0);
        WH_ASSERT(env.payload.len == ref.payload.len &&
                  memcmp(env.payload.ptr, ref.payload.ptr, env.payload.len) == 0);
        WH_ASSERT(env.n_signatures == ref.n_signatures);
        for (size_t i = 0; i < env.n_signatures; i++)
            WH_ASSERT(strcmp(env.signatures[i].keyid, ref.signatures[i].keyid) == 0 &&
                      env.signatures[i].sig.len == ref.signatures[i].sig.len &&
                      memcmp(env.signatures[i].sig.ptr, ref.signatures[i].sig.ptr,
                             env.signatures[i].sig.len) == 0);
    } else {
        WH_ASSERT(err.code == WH_E_INVALID || err.code == WH_E_LIMIT);
        WH_ASSERT(ref_dsse_parse(JSON_REJECT_DUPLICATES, (struct wh_bytes){data, size}, &lim, &a,
                                 &ref, &err) != WH_OK);
    }
    wh_arena_fini(&a);
    return 0;
}
