/* DSSE envelopes: parse the JSON form and check signatures over the pre-authentication encoding
 * (PAE), before anything looks inside the payload. */
#include "verify/dsse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_scan.h"

/* Both base64 alphabets: standard and URL-safe. -1 for anything else. */
static int
b64_digit(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

/* Padding as wh_digest_base64_decode counts it on the text padded with '=' to a multiple of 4:
 * '=' (or a missing character) in the last two positions, from the end. */
static size_t
b64_padding(struct wh_str in, size_t padded)
{
    size_t pad = 0;

    for (size_t k = padded; k > 0 && pad < 2; k--) {
        if (k - 1 < in.len && in.ptr[k - 1] != '=')
            break;
        pad++;
    }
    return pad;
}

/* DSSE envelope.md: "Base64() ... Either standard or URL-safe encoding is allowed"; padding is
 * optional in practice (go-securesystemslib accepts both). Decoded as the padded standard form
 * would be, straight into `dst` (room for (len + 3) / 4 * 3 bytes): a 24 MiB payload costs its
 * decoded bytes and no normalised copy. */
static enum wh_err
decode_b64_into(const char *field, struct wh_str in, unsigned char *dst, size_t *n_out,
                struct wh_error *err)
{
    size_t padded = (in.len + 3) / 4 * 4, o = 0, pad;

    *n_out = 0; /* set on every path: the analyzer cannot see that wh_error_set is never WH_OK */
    if (in.len % 4 == 1)
        return wh_error_set(err, WH_E_INVALID, "%s: base64 length %zu is impossible", field,
                            in.len);
    pad = b64_padding(in, padded);
    for (size_t at = 0; at < padded; at++) {
        int c = at < in.len ? (unsigned char)in.ptr[at] : '=';
        int v = c == '=' && at >= padded - pad ? 0 : b64_digit(c);
        /* bits accumulate in the output bytes: 6 per character, 3 bytes per 4 characters */
        size_t q = at / 4 * 3;

        if (v < 0)
            return wh_error_set(err, WH_E_INVALID, "%s: invalid base64 character at offset %zu",
                                field, at);
        switch (at % 4) {
        case 0:
            dst[q] = (unsigned char)(v << 2);
            break;
        case 1:
            dst[q] |= (unsigned char)(v >> 4);
            dst[q + 1] = (unsigned char)(v << 4);
            break;
        case 2:
            dst[q + 1] |= (unsigned char)(v >> 2);
            dst[q + 2] = (unsigned char)(v << 6);
            break;
        default:
            dst[q + 2] |= (unsigned char)v;
            o = q + 3;
            break;
        }
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

/* What the pass over the envelope's members found. */
struct members {
    struct wh_str type, payload;
    bool has_type, has_payload, has_sigs;
};

/* Member `key` of the envelope, its value at the cursor: read (each at most once) or skipped. */
static enum wh_err
read_member(struct wh_json_scan *s, struct wh_str key, const struct wh_limits *lim,
            struct wh_arena *a, struct members *m, struct wh_dsse_envelope *out,
            struct wh_error *err)
{
    bool *seen = key_is(key, "payloadType")  ? &m->has_type
                 : key_is(key, "payload")    ? &m->has_payload
                 : key_is(key, "signatures") ? &m->has_sigs
                                             : NULL;

    if (seen == NULL)
        return wh_json_scan_skip(s, err);
    if (*seen)
        return wh_json_scan_fail(s, "duplicate object key", key, err);
    *seen = true;
    if (seen == &m->has_type)
        return read_string(s, "payloadType", &m->type, err);
    if (seen == &m->has_payload)
        return read_string(s, "payload", &m->payload, err);
    return read_signatures(s, lim, a, out, err);
}

/* The document must be an object: anything else is validated (a syntax error wins) and
 * refused. */
static enum wh_err
enter_root(struct wh_json_scan *s, struct wh_error *err)
{
    enum wh_json_scan_kind kind;
    enum wh_err rc;

    if ((rc = wh_json_scan_peek(s, &kind, err)) != WH_OK)
        return rc;
    if (kind == WH_JSON_SCAN_OBJECT)
        return wh_json_scan_object_enter(s, err);
    if ((rc = wh_json_scan_skip(s, err)) != WH_OK || (rc = wh_json_scan_finish(s, err)) != WH_OK)
        return rc;
    return wh_error_set(err, WH_E_INVALID, "envelope is not a JSON object");
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
    struct members m;
    struct wh_str key;
    bool has;
    enum wh_err rc;

    if (json.len > lim->blob_bytes)
        return wh_error_set(err, WH_E_LIMIT, "DSSE envelope of %zu bytes exceeds the limit of %zu",
                            json.len, lim->blob_bytes);
    memset(out, 0, sizeof(*out));
    memset(&m, 0, sizeof(m));
    wh_json_scan_init(&s, json, lim->json_depth, "envelope JSON", a);
    if ((rc = enter_root(&s, err)) != WH_OK)
        return rc;
    for (;;) {
        if ((rc = wh_json_scan_object_next(&s, &key, &has, err)) != WH_OK)
            return rc;
        if (!has)
            break;
        if ((rc = read_member(&s, key, lim, a, &m, out, err)) != WH_OK)
            return rc;
    }
    if ((rc = wh_json_scan_finish(&s, err)) != WH_OK)
        return rc;
    if (!m.has_type)
        return wh_error_set(err, WH_E_INVALID, "envelope has no \"payloadType\"");
    if (!m.has_payload)
        return wh_error_set(err, WH_E_INVALID, "envelope has no \"payload\"");
    if (!m.has_sigs)
        return wh_error_set(err, WH_E_INVALID, "envelope \"signatures\" is missing or not a list");
    if ((rc = decode_payload(m.type, m.payload, a, out, err)) != WH_OK)
        return rc;
    out->payload_type = wh_arena_strdup_view(a, m.type);
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
    wh_verify_keys_describe(keys, n_keys, names, sizeof(names));
    return wh_error_set(err, WH_E_VERIFY, "no signature on the envelope verifies with %s", names);
}
