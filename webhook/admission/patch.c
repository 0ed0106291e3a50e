/*
 * The JSONPatch POST /mutate answers with: each verified image rewritten to IMAGE@DIGEST at the
 * JSON Pointer of the path podspec.c found it at, and the AdmissionReview that carries it. Written
 * straight into a capped buffer, like response.c.
 */
#include "admission/patch.h"

#include <string.h>

/* JSON Pointer array indexes are "0" or digits without a leading zero (RFC 6901 §4); podspec.c
 * writes size_t indexes, so 19 digits are plenty. */
#define MAX_INDEX_DIGITS 19

bool
wh_admission_pin_is_pinned(const char *image)
{
    return strchr(image, '@') != NULL;
}

static bool
is_utf8(struct wh_str s)
{
    size_t i = 0, len;

    while (i < s.len &&
           (len = wh_utf8_next((const unsigned char *)s.ptr + i, s.len - i, NULL)) != 0)
        i += len;
    return i == s.len;
}

/* "sha256:" and 64 lowercase hex digits, or "sha512:" and 128: what a registry's digest is. */
static bool
is_digest(const char *d)
{
    size_t want, i;
    const char *hex;

    if (strncmp(d, "sha256:", 7) == 0)
        want = 64;
    else if (strncmp(d, "sha512:", 7) == 0)
        want = 128;
    else
        return false;
    hex = d + 7;
    for (i = 0; i < want; i++)
        if (!((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f')))
            return false;
    return hex[want] == '\0';
}

/* One key, escaped (RFC 6901 §3: '~' is written "~0" and '/' "~1", in that order). */
static void
append_key(struct wh_buf *out, const char *p, size_t n)
{
    size_t i, run = 0;

    wh_buf_append(out, "/", 1);
    for (i = 0; i < n; i++) {
        if (p[i] != '~' && p[i] != '/')
            continue;
        wh_buf_append(out, p + run, i - run);
        wh_buf_append_c(out, p[i] == '~' ? "~0" : "~1");
        run = i + 1;
    }
    wh_buf_append(out, p + run, n - run);
}

/* TODO(#14): split the segment reader out (cognitive complexity 28 > 25, STYLE §8). */
enum wh_err /* NOLINTNEXTLINE(readability-function-cognitive-complexity) */
wh_admission_patch_pointer(struct wh_str path, struct wh_buf *out, struct wh_error *err)
{
    const char *p = path.ptr, *end = path.ptr + path.len;
    bool want_key = true; /* at the start and after '.' */

    if (path.len == 0)
        return wh_error_set(err, WH_E_INVALID, "image path is empty");
    while (p < end) {
        if (want_key) {
            const char *k = p;

            while (p < end && *p != '.' && *p != '[' && *p != ']')
                p++;
            if (p == k || (p < end && *p == ']'))
                return wh_error_set(err, WH_E_INVALID,
                                    "image path \"%.*s\": empty key or stray ']' at offset %zu",
                                    (int)path.len, path.ptr, (size_t)(p - path.ptr));
            append_key(out, k, (size_t)(p - k));
            want_key = false;
        } else if (*p == '.') {
            p++;
            want_key = true;
            if (p == end)
                return wh_error_set(err, WH_E_INVALID, "image path \"%.*s\" ends with '.'",
                                    (int)path.len, path.ptr);
        } else if (*p == '[') {
            const char *d = ++p;

            while (p < end && *p >= '0' && *p <= '9')
                p++;
            if (p == d || p == end || *p != ']' || (p - d > 1 && *d == '0') ||
                p - d > MAX_INDEX_DIGITS)
                return wh_error_set(err, WH_E_INVALID,
                                    "image path \"%.*s\": malformed index at offset %zu",
                                    (int)path.len, path.ptr, (size_t)(d - path.ptr));
            wh_buf_append(out, "/", 1);
            wh_buf_append(out, d, (size_t)(p - d));
            p++;
        } else {
            return wh_error_set(err, WH_E_INVALID,
                                "image path \"%.*s\": expected '.' or '[' at offset %zu",
                                (int)path.len, path.ptr, (size_t)(p - path.ptr));
        }
    }
    return WH_OK;
}

enum wh_err
wh_admission_patch_render(const struct wh_admission_pin *pins, size_t n, struct wh_buf *out,
                          size_t *n_ops, struct wh_error *err)
{
    size_t i, ops = 0;
    enum wh_err rc;

    wh_buf_append_c(out, "[");
    for (i = 0; i < n; i++) {
        const struct wh_admission_pin *pin = &pins[i];
        struct wh_str image = wh_str_c(pin->image);
        struct wh_buf pointer, value;

        if (wh_admission_pin_is_pinned(pin->image))
            continue;
        if (!is_digest(pin->digest))
            return wh_error_set(err, WH_E_INVALID,
                                "%.200s: \"%.80s\" is not a sha256/sha512 digest", pin->path,
                                pin->digest);
        if (image.len == 0 || !is_utf8(image) || !is_utf8(wh_str_c(pin->path)))
            return wh_error_set(err, WH_E_INVALID, "%.200s: image is empty or not UTF-8",
                                pin->path);
        /* Both parts are bounded by the request they came from; `out`'s cap bounds the sum. */
        wh_buf_init(&pointer, out->cap);
        wh_buf_init(&value, out->cap);
        rc = wh_admission_patch_pointer(wh_str_c(pin->path), &pointer, err);
        if (rc == WH_OK) {
            wh_buf_append(&value, image.ptr, image.len);
            wh_buf_printf(&value, "@%s", pin->digest);
            wh_buf_append_c(out, ops > 0 ? ",{\"op\":\"replace\",\"path\":"
                                         : "{\"op\":\"replace\",\"path\":");
            wh_buf_append_json_string(out, (struct wh_str){pointer.ptr, pointer.len});
            wh_buf_append_c(out, ",\"value\":");
            wh_buf_append_json_string(out, (struct wh_str){value.ptr, value.len});
            wh_buf_append_c(out, "}");
            if (pointer.overflow || value.overflow)
                out->overflow = true;
            ops++;
        }
        wh_buf_fini(&pointer);
        wh_buf_fini(&value);
        if (rc != WH_OK)
            return rc;
    }
    wh_buf_append_c(out, "]");
    if ((rc = wh_buf_check(out, "JSONPatch", err)) != WH_OK)
        return rc;
    *n_ops = ops;
    return WH_OK;
}

/* RFC 4648 §4, with padding. */
static void
append_base64(struct wh_buf *out, struct wh_str in)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *p = (const unsigned char *)in.ptr;
    size_t i;
    char q[4];

    for (i = 0; i + 3 <= in.len; i += 3) {
        q[0] = alphabet[p[i] >> 2];
        q[1] = alphabet[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
        q[2] = alphabet[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)];
        q[3] = alphabet[p[i + 2] & 63];
        wh_buf_append(out, q, 4);
    }
    if (in.len - i == 1) {
        q[0] = alphabet[p[i] >> 2];
        q[1] = alphabet[(p[i] & 3) << 4];
        q[2] = q[3] = '=';
        wh_buf_append(out, q, 4);
    } else if (in.len - i == 2) {
        q[0] = alphabet[p[i] >> 2];
        q[1] = alphabet[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
        q[2] = alphabet[(p[i + 1] & 15) << 2];
        q[3] = '=';
        wh_buf_append(out, q, 4);
    }
}

enum wh_err
wh_admission_mutate_response_render(const char *uid, struct wh_str patch, struct wh_buf *out,
                                    struct wh_error *err)
{
    if (uid == NULL || uid[0] == '\0')
        return wh_error_set(err, WH_E_INTERNAL, "mutate response without a request uid");
    wh_buf_append_c(out, "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\","
                         "\"response\":{\"uid\":");
    wh_buf_append_json_string(out, wh_str_c(uid));
    wh_buf_append_c(out, ",\"allowed\":true");
    if (patch.len > 0 && !wh_str_eq_c(patch, "[]")) {
        wh_buf_append_c(out, ",\"patchType\":\"JSONPatch\",\"patch\":\"");
        append_base64(out, patch);
        wh_buf_append_c(out, "\"");
    }
    wh_buf_append_c(out, "}}\n");
    return wh_buf_check(out, "mutate response", err);
}
