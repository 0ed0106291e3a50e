/* SHA-256 digests in the OCI "sha256:<hex>" form and base64, via OpenSSL. */
#include "base/digest.h"

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <string.h>

void
wh_digest_sha256(const void *p, size_t n, unsigned char out[WH_SHA256_LEN])
{
    SHA256(p, n, out);
}

void
wh_digest_hex(const unsigned char *p, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    size_t i;

    for (i = 0; i < n; i++) {
        out[2 * i] = hex[p[i] >> 4];
        out[2 * i + 1] = hex[p[i] & 15];
    }
    out[2 * n] = '\0';
}

void
wh_digest_sha256_str(const void *p, size_t n, char out[WH_DIGEST_STR_LEN])
{
    unsigned char md[WH_SHA256_LEN];

    wh_digest_sha256(p, n, md);
    /* NOLINTNEXTLINE(bugprone-not-null-terminated-result): wh_digest_hex adds the hex and NUL */
    memcpy(out, "sha256:", 7);
    wh_digest_hex(md, sizeof(md), out + 7);
}

bool
wh_digest_is_sha256(struct wh_str s)
{
    size_t i;

    if (s.len != 71 || !wh_str_has_prefix(s, "sha256:"))
        return false;
    for (i = 7; i < s.len; i++) {
        char c = s.ptr[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return true;
}

bool
wh_digest_matches(const void *p, size_t n, struct wh_str want)
{
    char got[WH_DIGEST_STR_LEN];

    if (!wh_digest_is_sha256(want))
        return false;
    wh_digest_sha256_str(p, n, got);
    return memcmp(got, want.ptr, 71) == 0;
}

static int
b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

enum wh_err
wh_digest_base64_decode(struct wh_str in, struct wh_arena *a, struct wh_bytes *out,
                        struct wh_error *err)
{
    size_t i, o = 0, pad = 0;
    unsigned char *p;

    if (in.len % 4 != 0)
        return wh_error_set(err, WH_E_INVALID, "base64 length %zu is not a multiple of 4", in.len);
    if (in.len > 0 && in.ptr[in.len - 1] == '=')
        pad++;
    if (in.len > 1 && in.ptr[in.len - 2] == '=')
        pad++;
    p = wh_arena_alloc(a, in.len / 4 * 3 + 1);
    for (i = 0; i < in.len; i += 4) {
        int v[4];
        size_t k;
        for (k = 0; k < 4; k++) {
            unsigned char c = (unsigned char)in.ptr[i + k];
            if (c == '=' && i + 4 == in.len && k >= 4 - pad) {
                v[k] = 0;
                continue;
            }
            v[k] = b64_value(c);
            if (v[k] < 0)
                return wh_error_set(err, WH_E_INVALID, "invalid base64 character at offset %zu",
                                    i + k);
        }
        unsigned long w = ((unsigned long)v[0] << 18) | ((unsigned long)v[1] << 12) |
                          ((unsigned long)v[2] << 6) | (unsigned long)v[3];
        p[o++] = (unsigned char)(w >> 16);
        p[o++] = (unsigned char)(w >> 8);
        p[o++] = (unsigned char)w;
    }
    o -= pad;
    p[o] = '\0';
    out->ptr = p;
    out->len = o;
    return WH_OK;
}

char *
wh_digest_base64_encode(const void *p, size_t n, struct wh_arena *a)
{
    char *out = wh_arena_alloc(a, 4 * ((n + 2) / 3) + 1);

    EVP_EncodeBlock((unsigned char *)out, p, (int)n);
    return out;
}
