/* DSSE envelopes: parse the JSON form and check signatures over the pre-authentication encoding
 * (PAE), before anything looks inside the payload. */
#include "verify/dsse.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/digest.h"

/* DSSE envelope.md: "Base64() ... Either standard or URL-safe encoding is allowed"; padding is
 * optional in practice (go-securesystemslib accepts both). Normalise to padded standard. */
static enum wh_err
decode_b64_any(const char *field, struct wh_str in, struct wh_arena *a, struct wh_bytes *out,
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
get_string(json_t *obj, const char *key, bool required, struct wh_str *out, struct wh_error *err)
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
parse_signatures(json_t *arr, const struct wh_limits *lim, struct wh_arena *a,
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
        rc = get_string(s, "keyid", false, &keyid, err);
        if (rc == WH_OK)
            rc = get_string(s, "sig", true, &sig, err);
        if (rc != WH_OK)
            return wh_error_wrap(err, "signatures[%zu]", i);
        if (sig.len == 0)
            return wh_error_set(err, WH_E_INVALID, "envelope signatures[%zu].sig is empty", i);
        snprintf(field, sizeof(field), "envelope signatures[%zu].sig", i);
        rc = decode_b64_any(field, sig, a, &out->signatures[i].sig, err);
        if (rc != WH_OK)
            return rc;
        out->signatures[i].keyid = wh_arena_strdup_view(a, keyid);
    }
    out->n_signatures = n;
    return WH_OK;
}

enum wh_err
wh_verify_dsse_parse(struct wh_bytes json, const struct wh_limits *lim, struct wh_arena *a,
                     struct wh_dsse_envelope *out, struct wh_error *err)
{
    json_error_t jerr;
    json_t *root;
    struct wh_str type = {0}, payload = {0};
    enum wh_err rc;

    if (json.len > lim->blob_bytes)
        return wh_error_set(err, WH_E_LIMIT, "DSSE envelope of %zu bytes exceeds the limit of %zu",
                            json.len, lim->blob_bytes);
    root = json_loadb((const char *)json.ptr, json.len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL)
        return wh_error_set(err, WH_E_INVALID, "envelope JSON %d:%d: %s", jerr.line, jerr.column,
                            jerr.text);
    memset(out, 0, sizeof(*out));
    if (!json_is_object(root)) {
        rc = wh_error_set(err, WH_E_INVALID, "envelope is not a JSON object");
        goto out;
    }
    rc = get_string(root, "payloadType", true, &type, err);
    if (rc == WH_OK)
        rc = get_string(root, "payload", true, &payload, err);
    if (rc == WH_OK)
        rc = decode_b64_any("envelope payload", payload, a, &out->payload, err);
    if (rc == WH_OK)
        rc = parse_signatures(json_object_get(root, "signatures"), lim, a, out, err);
    if (rc == WH_OK)
        out->payload_type = wh_arena_strdup_view(a, type);
out:
    json_decref(root);
    return rc;
}

/* DSSE protocol.md: PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, where
 * LEN is the ASCII decimal byte count with no leading zeros. Heap, freed by the caller. */
static unsigned char *
build_pae(const struct wh_dsse_envelope *env, size_t *len_out)
{
    size_t tlen = strlen(env->payload_type);
    char head[64];
    int hlen = snprintf(head, sizeof(head), "DSSEv1 %zu ", tlen);
    char mid[32];
    int mlen = snprintf(mid, sizeof(mid), " %zu ", env->payload.len);
    size_t total = (size_t)hlen + tlen + (size_t)mlen + env->payload.len;
    unsigned char *pae = malloc(total + 1);

    if (pae == NULL)
        wh_oom();
    memcpy(pae, head, (size_t)hlen);
    memcpy(pae + hlen, env->payload_type, tlen);
    memcpy(pae + (size_t)hlen + tlen, mid, (size_t)mlen);
    if (env->payload.len > 0)
        memcpy(pae + (size_t)hlen + tlen + (size_t)mlen, env->payload.ptr, env->payload.len);
    *len_out = total;
    return pae;
}

static void
describe_keys(const struct wh_verify_key *const *keys, size_t n_keys, char *buf, size_t cap)
{
    size_t used = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < n_keys && used < cap; i++) {
        int w = snprintf(buf + used, cap - used, "%s%s", i == 0 ? "" : ", ",
                         wh_verify_key_type(keys[i]));
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

enum wh_err
wh_verify_dsse(const struct wh_dsse_envelope *env, const struct wh_verify_key *const *keys,
               size_t n_keys, int *which_key, struct wh_error *err)
{
    size_t pae_len;
    unsigned char *pae;
    char names[200];

    if (n_keys == 0)
        return wh_error_set(err, WH_E_VERIFY, "no keys to verify the envelope with");
    if (WH_NEVER(env->payload_type == NULL))
        return wh_error_set(err, WH_E_INTERNAL, "envelope was not parsed");
    pae = build_pae(env, &pae_len);
    for (size_t s = 0; s < env->n_signatures; s++) {
        for (size_t k = 0; k < n_keys; k++) {
            struct wh_error ignored;

            /* A signature that is malformed for this key, or made by another key, is not an
             * error: cosign `.att` manifests mix signers, and one match is enough. */
            if (wh_verify_key_signature(keys[k], (struct wh_bytes){pae, pae_len},
                                        env->signatures[s].sig, &ignored) == WH_OK) {
                free(pae);
                if (which_key != NULL)
                    *which_key = (int)k;
                return WH_OK;
            }
        }
    }
    free(pae);
    describe_keys(keys, n_keys, names, sizeof(names));
    return wh_error_set(err, WH_E_VERIFY, "no signature on the envelope verifies with %s", names);
}
