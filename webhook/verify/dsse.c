/* DSSE envelopes: parse the JSON form and check signatures over the pre-authentication encoding
 * (PAE), before anything looks inside the payload. */
#include "verify/dsse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_scan.h"

/* DSSE envelope.md: "Base64() ... Either standard or URL-safe encoding is allowed"; padding is
 * optional in practice (go-securesystemslib accepts both). Decoded as the padded standard form
 * would be, straight into `dst` (room for (len + 3) / 4 * 3 bytes): a 24 MiB payload costs its
 * decoded bytes and no normalised copy. */
static enum wh_err
decode_b64_into(const char *field, struct wh_str in, unsigned char *dst, size_t *n_out,
                struct wh_error *err)
{
    size_t padded = (in.len + 3) / 4 * 4, o = 0, pad = 0;

    if (in.len % 4 == 1)
        return wh_error_set(err, WH_E_INVALID, "%s: base64 length %zu is impossible", field,
                            in.len);
    /* '=' counted as wh_digest_base64_decode counts it on the padded text: the last two chars. */
    for (size_t k = padded; k > padded - 2 && k > 0; k--) {
        size_t at = k - 1;
        if (at >= in.len || in.ptr[at] == '=')
            pad++;
        else
            break;
    }
    for (size_t i = 0; i < padded; i += 4) {
        unsigned long w = 0;

        for (size_t k = 0; k < 4; k++) {
            size_t at = i + k;
            int c = at < in.len ? (unsigned char)in.ptr[at] : '=';
            int v;

            if (c == '=' && i + 4 == padded && k >= 4 - pad) {
                w <<= 6;
                continue;
            }
            v = c >= 'A' && c <= 'Z'   ? c - 'A'
                : c >= 'a' && c <= 'z' ? c - 'a' + 26
                : c >= '0' && c <= '9' ? c - '0' + 52
                : c == '+' || c == '-' ? 62
                : c == '/' || c == '_' ? 63
                                       : -1;
            if (v < 0)
                return wh_error_set(err, WH_E_INVALID, "%s: invalid base64 character at offset %zu",
                                    field, at);
            w = (w << 6) | (unsigned long)v;
        }
        dst[o++] = (unsigned char)(w >> 16);
        dst[o++] = (unsigned char)(w >> 8);
        dst[o++] = (unsigned char)w;
    }
    *n_out = o - pad;
    return WH_OK;
}

static enum wh_err
decode_b64_any(const char *field, struct wh_str in, struct wh_arena *a, struct wh_bytes *out,
               struct wh_error *err)
{
    unsigned char *p = wh_arena_alloc(a, (in.len + 3) / 4 * 3 + 1);
    size_t n = 0;
    enum wh_err rc = decode_b64_into(field, in, p, &n, err);

    if (rc != WH_OK)
        return rc;
    p[n] = '\0';
    *out = (struct wh_bytes){p, n};
    return WH_OK;
}

static bool
key_is(struct wh_str key, const char *name)
{
    return key.len == strlen(name) && memcmp(key.ptr, name, key.len) == 0;
}

/* The string at the cursor (member `key` of the envelope or of a signature). */
static enum wh_err
read_string(struct wh_json_scan *s, const char *key, struct wh_str *out, struct wh_error *err)
{
    enum wh_json_scan_kind kind;
    enum wh_err rc;

    if ((rc = wh_json_scan_peek(s, &kind, err)) != WH_OK)
        return rc;
    if (kind != WH_JSON_SCAN_STRING)
        return wh_error_set(err, WH_E_INVALID, "envelope \"%s\" is not a string", key);
    return wh_json_scan_string(s, out, err);
}

/* One {"keyid"?, "sig"} object at the cursor. */
static enum wh_err
read_signature(struct wh_json_scan *s, size_t i, struct wh_arena *a, struct wh_dsse_signature *out,
               struct wh_error *err)
{
    enum wh_json_scan_kind kind;
    struct wh_str key, keyid = {"", 0}, sig = {"", 0};
    bool has, has_keyid = false, has_sig = false;
    char field[48];
    enum wh_err rc;

    if ((rc = wh_json_scan_peek(s, &kind, err)) != WH_OK)
        return rc;
    if (kind != WH_JSON_SCAN_OBJECT)
        return wh_error_set(err, WH_E_INVALID, "envelope signatures[%zu] is not an object", i);
    if ((rc = wh_json_scan_object_enter(s, err)) != WH_OK)
        return rc;
    for (;;) {
        if ((rc = wh_json_scan_object_next(s, &key, &has, err)) != WH_OK)
            return rc;
        if (!has)
            break;
        if ((key_is(key, "keyid") && has_keyid) || (key_is(key, "sig") && has_sig))
            return wh_json_scan_fail(s, "duplicate object key", key, err);
        if (key_is(key, "keyid")) {
            has_keyid = true;
            rc = read_string(s, "keyid", &keyid, err);
        } else if (key_is(key, "sig")) {
            has_sig = true;
            rc = read_string(s, "sig", &sig, err);
        } else if ((rc = wh_json_scan_skip(s, err)) != WH_OK) {
            return rc;
        }
        if (rc != WH_OK)
            return wh_error_wrap(err, "signatures[%zu]", i);
    }
    if (!has_sig)
        return wh_error_set(err, WH_E_INVALID, "signatures[%zu]: envelope has no \"sig\"", i);
    if (sig.len == 0)
        return wh_error_set(err, WH_E_INVALID, "envelope signatures[%zu].sig is empty", i);
    snprintf(field, sizeof(field), "envelope signatures[%zu].sig", i);
    if ((rc = decode_b64_any(field, sig, a, &out->sig, err)) != WH_OK)
        return rc;
    out->keyid = wh_arena_strdup_view(a, keyid);
    return WH_OK;
}

/* The signatures array at the cursor, counted while it is read: more than lim->signatures
 * stops the read at once (a 32 MiB `[{},{},...]` costs one scan step per signature up to the
 * limit). */
static enum wh_err
read_signatures(struct wh_json_scan *s, const struct wh_limits *lim, struct wh_arena *a,
                struct wh_dsse_envelope *out, struct wh_error *err)
{
    enum wh_json_scan_kind kind;
    size_t n = 0;
    bool has;
    enum wh_err rc;

    if ((rc = wh_json_scan_peek(s, &kind, err)) != WH_OK)
        return rc;
    if (kind != WH_JSON_SCAN_ARRAY)
        return wh_error_set(err, WH_E_INVALID, "envelope \"signatures\" is missing or not a list");
    if ((rc = wh_json_scan_array_enter(s, err)) != WH_OK)
        return rc;
    out->signatures = wh_arena_calloc(a, lim->signatures + 1, sizeof(*out->signatures));
    for (;;) {
        if ((rc = wh_json_scan_array_next(s, &has, err)) != WH_OK)
            return rc;
        if (!has)
            break;
        if (n == lim->signatures)
            return wh_error_set(err, WH_E_LIMIT,
                                "envelope has at least %zu signatures, limit is %zu", n + 1,
                                lim->signatures);
        if ((rc = read_signature(s, n, a, &out->signatures[n], err)) != WH_OK)
            return rc;
        n++;
    }
    if (n == 0)
        return wh_error_set(err, WH_E_INVALID, "envelope has no signatures");
    out->n_signatures = n;
    return WH_OK;
}

/* DSSE protocol.md: PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, where
 * LEN is the ASCII decimal byte count with no leading zeros. The payload is decoded into the
 * tail of one buffer whose head then takes the PAE prefix, so the PAE shares the payload's bytes
 * instead of copying them. */
static enum wh_err
decode_payload(struct wh_str type, struct wh_str payload, struct wh_arena *a,
               struct wh_dsse_envelope *out, struct wh_error *err)
{
    size_t room = type.len + 64, n;
    unsigned char *buf = wh_arena_alloc(a, room + (payload.len + 3) / 4 * 3 + 1);
    unsigned char *body = buf + room;
    char head[48], mid[32];
    int hlen, mlen;
    enum wh_err rc;

    if ((rc = decode_b64_into("envelope payload", payload, body, &n, err)) != WH_OK)
        return rc;
    body[n] = '\0';
    hlen = snprintf(head, sizeof(head), "DSSEv1 %zu ", type.len);
    mlen = snprintf(mid, sizeof(mid), " %zu ", n);
    memcpy(body - mlen, mid, (size_t)mlen);
    memcpy(body - mlen - type.len, type.ptr, type.len);
    memcpy(body - mlen - type.len - hlen, head, (size_t)hlen);
    out->payload = (struct wh_bytes){body, n};
    out->pae = (struct wh_bytes){body - mlen - type.len - hlen,
                                 (size_t)hlen + type.len + (size_t)mlen + n};
    return WH_OK;
}

/*
 * One pass in document order, no tree: the members are read where they stand (a bad signature
 * list fails at its first bad entry or at entry lim->signatures + 1, not after the whole text),
 * the rest is validated as jansson would, then the payload is decoded last.
 */
enum wh_err
wh_verify_dsse_parse(struct wh_bytes json, const struct wh_limits *lim, struct wh_arena *a,
                     struct wh_dsse_envelope *out, struct wh_error *err)
{
    struct wh_json_scan s;
    enum wh_json_scan_kind kind;
    struct wh_str key, type = {0}, payload = {0};
    bool has, has_type = false, has_payload = false, has_sigs = false;
    enum wh_err rc;

    if (json.len > lim->blob_bytes)
        return wh_error_set(err, WH_E_LIMIT, "DSSE envelope of %zu bytes exceeds the limit of %zu",
                            json.len, lim->blob_bytes);
    memset(out, 0, sizeof(*out));
    wh_json_scan_init(&s, json, lim->json_depth, "envelope JSON", a);
    if ((rc = wh_json_scan_peek(&s, &kind, err)) != WH_OK)
        return rc;
    if (kind != WH_JSON_SCAN_OBJECT) {
        if ((rc = wh_json_scan_skip(&s, err)) != WH_OK ||
            (rc = wh_json_scan_finish(&s, err)) != WH_OK)
            return rc;
        return wh_error_set(err, WH_E_INVALID, "envelope is not a JSON object");
    }
    if ((rc = wh_json_scan_object_enter(&s, err)) != WH_OK)
        return rc;
    for (;;) {
        bool *seen = NULL;

        if ((rc = wh_json_scan_object_next(&s, &key, &has, err)) != WH_OK)
            return rc;
        if (!has)
            break;
        if (key_is(key, "payloadType"))
            seen = &has_type;
        else if (key_is(key, "payload"))
            seen = &has_payload;
        else if (key_is(key, "signatures"))
            seen = &has_sigs;
        if (seen != NULL && *seen)
            return wh_json_scan_fail(&s, "duplicate object key", key, err);
        if (seen != NULL)
            *seen = true;
        if (seen == &has_type)
            rc = read_string(&s, "payloadType", &type, err);
        else if (seen == &has_payload)
            rc = read_string(&s, "payload", &payload, err);
        else if (seen == &has_sigs)
            rc = read_signatures(&s, lim, a, out, err);
        else
            rc = wh_json_scan_skip(&s, err);
        if (rc != WH_OK)
            return rc;
    }
    if ((rc = wh_json_scan_finish(&s, err)) != WH_OK)
        return rc;
    if (!has_type)
        return wh_error_set(err, WH_E_INVALID, "envelope has no \"payloadType\"");
    if (!has_payload)
        return wh_error_set(err, WH_E_INVALID, "envelope has no \"payload\"");
    if (!has_sigs)
        return wh_error_set(err, WH_E_INVALID, "envelope \"signatures\" is missing or not a list");
    if ((rc = decode_payload(type, payload, a, out, err)) != WH_OK)
        return rc;
    out->payload_type = wh_arena_strdup_view(a, type);
    return WH_OK;
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

/* env->pae is PAE(env->payload_type, env->payload) still: the payload is its tail and its head
 * is the prefix those two make now (a caller may have replaced either since the parse). */
static bool
pae_is_current(const struct wh_dsse_envelope *env)
{
    size_t tlen = strlen(env->payload_type), head_len;
    char head[32], mid[32];
    int h, m;
    const unsigned char *p;

    if (env->pae.ptr == NULL || env->pae.len < env->payload.len)
        return false;
    head_len = env->pae.len - env->payload.len;
    p = env->pae.ptr;
    if (p + head_len != env->payload.ptr)
        return false;
    h = snprintf(head, sizeof(head), "DSSEv1 %zu ", tlen);
    m = snprintf(mid, sizeof(mid), " %zu ", env->payload.len);
    return head_len == (size_t)h + tlen + (size_t)m && memcmp(p, head, (size_t)h) == 0 &&
           memcmp(p + h, env->payload_type, tlen) == 0 && memcmp(p + h + tlen, mid, (size_t)m) == 0;
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
    if (pae_is_current(env)) {
        pae = NULL;
        pae_len = env->pae.len;
    } else {
        pae = build_pae(env, &pae_len);
    }
    for (size_t s = 0; s < env->n_signatures; s++) {
        for (size_t k = 0; k < n_keys; k++) {
            struct wh_error ignored;

            /* A signature that is malformed for this key, or made by another key, is not an
             * error: cosign `.att` manifests mix signers, and one match is enough. */
            if (wh_verify_key_signature(
                    keys[k], (struct wh_bytes){pae != NULL ? pae : env->pae.ptr, pae_len},
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
