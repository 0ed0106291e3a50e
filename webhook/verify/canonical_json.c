/* RFC 8785 canonical JSON for signed payloads: parse with jansson, re-emit members sorted by
 * UTF-16 code units with ECMAScript string escaping and integer numbers. */
#include "verify/canonical_json.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/str.h"

#define MAX_SAFE_INT 9007199254740992LL /* 2^53: RFC 8785 §3.2.2.3 / I-JSON integer range */

/* Decodes one UTF-8 sequence (jansson has validated it) into a code point. */
static uint32_t
next_code_point(const unsigned char **p)
{
    const unsigned char *s = *p;
    uint32_t c = s[0];

    if (c < 0x80) {
        *p = s + 1;
        return c;
    }
    if (c < 0xE0) {
        *p = s + 2;
        return ((c & 0x1F) << 6) | (s[1] & 0x3F);
    }
    if (c < 0xF0) {
        *p = s + 3;
        return ((c & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
    }
    *p = s + 4;
    return ((c & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) | ((uint32_t)(s[2] & 0x3F) << 6) |
           (s[3] & 0x3F);
}

/* RFC 8785 §3.2.3: keys compare as arrays of UTF-16 code units. A supplementary code point is a
 * surrogate pair (0xD800..0xDBFF first), which sorts below U+E000..U+FFFF: unlike UTF-8 order. */
static uint32_t
utf16_unit(uint32_t cp)
{
    return cp >= 0x10000 ? 0xD800 + ((cp - 0x10000) >> 10) : cp;
}

static int
compare_keys(const void *x, const void *y)
{
    const unsigned char *a = *(const unsigned char *const *)x;
    const unsigned char *b = *(const unsigned char *const *)y;

    while (*a != '\0' && *b != '\0') {
        uint32_t ca = next_code_point(&a), cb = next_code_point(&b);
        uint32_t ua = utf16_unit(ca), ub = utf16_unit(cb);

        if (ua != ub)
            return ua < ub ? -1 : 1;
        if (ca != cb) /* same high surrogate: compare the low ones */
            return ((ca - 0x10000) & 0x3FF) < ((cb - 0x10000) & 0x3FF) ? -1 : 1;
    }
    return (*a != '\0') - (*b != '\0');
}

/* ECMAScript JSON.stringify escaping (RFC 8785 §3.2.2.2): \b \t \n \f \r \" \\ by name, other
 * controls as \u00xx (lowercase hex), everything else (including '/' and non-ASCII) verbatim. */
static void
append_string(struct wh_buf *out, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t i, run = 0;

    wh_buf_append(out, "\"", 1);
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char u[7];

        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        wh_buf_append(out, s + run, i - run);
        run = i + 1;
        switch (c) {
        case '\b':
            esc = "\\b";
            break;
        case '\t':
            esc = "\\t";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\f':
            esc = "\\f";
            break;
        case '\r':
            esc = "\\r";
            break;
        case '"':
            esc = "\\\"";
            break;
        case '\\':
            esc = "\\\\";
            break;
        default:
            memcpy(u, "\\u00", 4);
            u[4] = hex[c >> 4];
            u[5] = hex[c & 0xF];
            u[6] = '\0';
            esc = u;
        }
        wh_buf_append_c(out, esc);
    }
    wh_buf_append(out, s + run, n - run);
    wh_buf_append(out, "\"", 1);
}

static enum wh_err emit(json_t *v, int depth, struct wh_buf *out, struct wh_error *err);

static enum wh_err
emit_object(json_t *v, int depth, struct wh_buf *out, struct wh_error *err)
{
    size_t n = json_object_size(v), i = 0;
    const char **keys;
    const char *key;
    json_t *member;
    enum wh_err rc = WH_OK;

    keys = calloc(n == 0 ? 1 : n, sizeof(*keys));
    if (keys == NULL)
        wh_oom();
    json_object_foreach(v, key, member) keys[i++] = key;
    qsort(keys, n, sizeof(*keys), compare_keys);
    wh_buf_append(out, "{", 1);
    for (i = 0; i < n && rc == WH_OK; i++) {
        if (i > 0)
            wh_buf_append(out, ",", 1);
        append_string(out, keys[i], strlen(keys[i]));
        wh_buf_append(out, ":", 1);
        rc = emit(json_object_get(v, keys[i]), depth + 1, out, err);
    }
    wh_buf_append(out, "}", 1);
    free(keys);
    return rc;
}

static enum wh_err
emit(json_t *v, int depth, struct wh_buf *out, struct wh_error *err)
{
    size_t i;
    double d;
    enum wh_err rc = WH_OK;

    if (depth > WH_CANONICAL_JSON_DEPTH)
        return wh_error_set(err, WH_E_LIMIT, "JSON nested deeper than %d levels",
                            WH_CANONICAL_JSON_DEPTH);
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return emit_object(v, depth, out, err);
    case JSON_ARRAY:
        wh_buf_append(out, "[", 1);
        for (i = 0; i < json_array_size(v) && rc == WH_OK; i++) {
            if (i > 0)
                wh_buf_append(out, ",", 1);
            rc = emit(json_array_get(v, i), depth + 1, out, err);
        }
        wh_buf_append(out, "]", 1);
        return rc;
    case JSON_STRING:
        append_string(out, json_string_value(v), json_string_length(v));
        return WH_OK;
    case JSON_INTEGER:
        if (json_integer_value(v) > MAX_SAFE_INT || json_integer_value(v) < -MAX_SAFE_INT)
            return wh_error_set(err, WH_E_INVALID, "integer %lld is outside +-2^53",
                                (long long)json_integer_value(v));
        wh_buf_printf(out, "%lld", (long long)json_integer_value(v));
        return WH_OK;
    case JSON_REAL:
        /* ECMAScript prints an integral double as an integer ("1.0" → "1", "-0.0" → "0"). */
        d = json_real_value(v);
        /* Range first: casting an out-of-range double to an integer is undefined. */
        if (!(d <= (double)MAX_SAFE_INT && d >= -(double)MAX_SAFE_INT) || d != (double)(long long)d)
            return wh_error_set(err, WH_E_INVALID,
                                "number %g is not an integer (not supported in signed JSON)", d);
        wh_buf_printf(out, "%lld", (long long)d);
        return WH_OK;
    case JSON_TRUE:
        wh_buf_append_c(out, "true");
        return WH_OK;
    case JSON_FALSE:
        wh_buf_append_c(out, "false");
        return WH_OK;
    case JSON_NULL:
        wh_buf_append_c(out, "null");
        return WH_OK;
    }
    return wh_error_set(err, WH_E_INTERNAL, "unknown JSON type");
}

enum wh_err
wh_verify_canonical_json(struct wh_bytes json, struct wh_buf *out, struct wh_error *err)
{
    json_error_t jerr;
    json_t *root;
    enum wh_err rc;

    /* JSON_ALLOW_NUL would let "\u0000" through; jansson refuses it by default, and RFC 8785
     * strings may hold it, but no signed payload here does. */
    root = json_loadb((const char *)json.ptr, json.len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
                      &jerr);
    if (root == NULL)
        return wh_error_set(err, WH_E_INVALID, "canonical JSON: %d:%d: %s", jerr.line, jerr.column,
                            jerr.text);
    rc = emit(root, 0, out, err);
    json_decref(root);
    if (rc != WH_OK)
        return wh_error_wrap(err, "canonical JSON");
    return wh_buf_check(out, "canonical JSON", err);
}
