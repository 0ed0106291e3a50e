/* String views and capped growable buffers. */
#include "base/str.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

bool
wh_str_eq(struct wh_str a, struct wh_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

bool
wh_str_eq_c(struct wh_str a, const char *b)
{
    return wh_str_eq(a, wh_str_c(b));
}

bool
wh_str_has_prefix(struct wh_str s, const char *prefix)
{
    size_t n = strlen(prefix);

    return s.len >= n && memcmp(s.ptr, prefix, n) == 0;
}

bool
wh_str_has_suffix(struct wh_str s, const char *suffix)
{
    size_t n = strlen(suffix);

    return s.len >= n && memcmp(s.ptr + s.len - n, suffix, n) == 0;
}

int
wh_str_cmp(struct wh_str a, struct wh_str b)
{
    size_t n = a.len < b.len ? a.len : b.len;
    int c = n == 0 ? 0 : memcmp(a.ptr, b.ptr, n);

    if (c != 0)
        return c;
    return a.len < b.len ? -1 : a.len > b.len ? 1 : 0;
}

struct wh_str
wh_str_trim_blanks(struct wh_str s)
{
    while (s.len > 0 && (s.ptr[0] == ' ' || s.ptr[0] == '\t'))
        s.ptr++, s.len--;
    while (s.len > 0 && (s.ptr[s.len - 1] == ' ' || s.ptr[s.len - 1] == '\t'))
        s.len--;
    return s;
}

bool
wh_str_lines_next(struct wh_str_lines *l, struct wh_str *out)
{
    size_t start = l->pos, end;

    if (l->pos >= l->text.len)
        return false;
    while (l->pos < l->text.len && l->text.ptr[l->pos] != '\n')
        l->pos++;
    end = l->pos;
    if (l->pos < l->text.len)
        l->pos++;
    if (end > start && l->text.ptr[end - 1] == '\r')
        end--;
    l->line++;
    *out = (struct wh_str){(const char *)l->text.ptr + start, end - start};
    return true;
}

void
wh_buf_init(struct wh_buf *b, size_t cap)
{
    b->ptr = NULL;
    b->len = 0;
    b->alloc = 0;
    b->cap = cap;
    b->overflow = false;
}

const char *
wh_str_decimal(char buf[24], unsigned long long v)
{
    char *p = buf + 23;

    *p = '\0';
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    return p;
}

void
wh_buf_reserve(struct wh_buf *b, size_t n)
{
    char *q;

    if (n > b->cap)
        n = b->cap;
    if (n < b->len || b->alloc >= n + 1)
        return;
    q = realloc(b->ptr, n + 1);
    if (q == NULL)
        wh_oom();
    q[b->len] = '\0';
    b->ptr = q;
    b->alloc = n + 1;
}

void
wh_buf_fini(struct wh_buf *b)
{
    free(b->ptr);
    wh_buf_init(b, b->cap);
}

void
wh_buf_reset(struct wh_buf *b)
{
    b->len = 0;
    b->overflow = false;
    if (b->ptr != NULL)
        b->ptr[0] = '\0';
}

void
wh_buf_append(struct wh_buf *b, const void *p, size_t n)
{
    if (b->overflow)
        return;
    if (n > b->cap || b->len > b->cap - n) {
        b->overflow = true;
        return;
    }
    if (b->len + n + 1 > b->alloc) {
        size_t want = b->alloc == 0 ? 256 : b->alloc;
        while (want < b->len + n + 1)
            want *= 2;
        char *q = realloc(b->ptr, want);
        if (q == NULL)
            wh_oom();
        b->ptr = q;
        b->alloc = want;
    }
    if (n > 0)
        memcpy(b->ptr + b->len, p, n);
    b->len += n;
    b->ptr[b->len] = '\0';
}

void
wh_buf_append_c(struct wh_buf *b, const char *s)
{
    wh_buf_append(b, s, strlen(s));
}

void
wh_buf_printf(struct wh_buf *b, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof(small)) {
        wh_buf_append(b, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (big == NULL)
        wh_oom();
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    wh_buf_append(b, big, (size_t)n);
    free(big);
}

bool
wh_utf8_is_unsafe(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x200e || cp == 0x200f ||
           cp == 0x2028 || cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

size_t
wh_utf8_cut(const char *s, size_t len, size_t max)
{
    size_t i = max, need;
    unsigned char lead;

    if (len <= max)
        return len;
    /* Back up over the continuation bytes (at most 3) before max to their lead byte; only the
     * bytes before max are read, so `s` may end at max. */
    while (i > 0 && max - i < 3 && ((unsigned char)s[i - 1] & 0xc0) == 0x80)
        i--;
    if (i == 0 || ((unsigned char)s[i - 1] & 0xc0) == 0x80)
        return max; /* no lead byte: not UTF-8 there anyway */
    lead = (unsigned char)s[i - 1];
    need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    return i - 1 + need > max ? i - 1 : max;
}

/* The escape of one code point the JSON writer does not copy: the short forms of RFC 8259 §7,
 * else \uXXXX (every code point escaped here is in the BMP). */
static void
append_json_escape(struct wh_buf *b, uint32_t cp)
{
    static const char hex[] = "0123456789abcdef";
    char u[6] = {'\\',        'u', hex[(cp >> 12) & 15], hex[(cp >> 8) & 15], hex[(cp >> 4) & 15],
                 hex[cp & 15]};

    switch (cp) {
    case '"':
        wh_buf_append_c(b, "\\\"");
        return;
    case '\\':
        wh_buf_append_c(b, "\\\\");
        return;
    case '\n':
        wh_buf_append_c(b, "\\n");
        return;
    case '\r':
        wh_buf_append_c(b, "\\r");
        return;
    case '\t':
        wh_buf_append_c(b, "\\t");
        return;
    default:
        wh_buf_append(b, u, sizeof(u));
    }
}

size_t
wh_str_json_plain_end(struct wh_str s, size_t from)
{
    const unsigned char *p = (const unsigned char *)s.ptr;
    size_t i = from, len = s.len;

#ifdef __SSE2__
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
    const __m128i space = _mm_set1_epi8(0x20), del = _mm_set1_epi8(0x7f);

    while (len - i >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        /* Signed compare: bytes >= 0x80 are negative, so "< 0x20" catches them with controls. */
        __m128i special =
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                         _mm_or_si128(_mm_cmplt_epi8(v, space), _mm_cmpeq_epi8(v, del)));
        unsigned mask = (unsigned)_mm_movemask_epi8(special);

        if (mask != 0)
            return i + (size_t)__builtin_ctz(mask);
        i += 16;
    }
#endif
    while (i < len && p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' && p[i] != '\\')
        i++;
    return i;
}

void
wh_buf_append_json_string(struct wh_buf *b, struct wh_str s)
{
    const unsigned char *p = (const unsigned char *)s.ptr;
    size_t i = 0, run = 0;

    wh_buf_append(b, "\"", 1);
    while (i < s.len) {
        uint32_t cp;
        size_t n = 1;

        if ((i = wh_str_json_plain_end(s, i)) == s.len)
            break;
        cp = p[i];
        if (p[i] >= 0x80) {
            n = wh_utf8_next(p + i, s.len - i, &cp);
            if (n == 0) /* not UTF-8: U+FFFD, so the output always is (RFC 8259 §8.1) */
                n = 1, cp = 0xfffd;
        }
        if (cp != 0xfffd && cp != '"' && cp != '\\' && !wh_utf8_is_unsafe(cp)) {
            i += n;
            continue;
        }
        wh_buf_append(b, s.ptr + run, i - run);
        append_json_escape(b, cp);
        i += n;
        run = i;
    }
    wh_buf_append(b, s.ptr + run, s.len - run);
    wh_buf_append(b, "\"", 1);
}

enum wh_err
wh_buf_check(const struct wh_buf *b, const char *what, struct wh_error *err)
{
    if (b->overflow)
        return wh_error_set(err, WH_E_LIMIT, "%s exceeds %zu bytes", what, b->cap);
    return WH_OK;
}

size_t
wh_utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char b = s[0], lo = 0x80, hi = 0xbf;
    size_t len, k;
    uint32_t c;

    if (b < 0x80) {
        len = 1, c = b;
    } else if (b >= 0xc2 && b <= 0xdf) {
        len = 2, c = b & 0x1f;
    } else if (b >= 0xe0 && b <= 0xef) {
        len = 3, c = b & 0x0f;
        lo = b == 0xe0 ? 0xa0 : 0x80; /* overlong */
        hi = b == 0xed ? 0x9f : 0xbf; /* UTF-16 surrogates */
    } else if (b >= 0xf0 && b <= 0xf4) {
        len = 4, c = b & 0x07;
        lo = b == 0xf0 ? 0x90 : 0x80; /* overlong */
        hi = b == 0xf4 ? 0x8f : 0xbf; /* past U+10FFFF */
    } else {
        return 0;
    }
    if (n < len || (len > 1 && (s[1] < lo || s[1] > hi)))
        return 0;
    for (k = 1; k < len; k++) {
        if ((s[k] & 0xc0) != 0x80)
            return 0;
        c = c << 6 | (s[k] & 0x3f);
    }
    if (cp != NULL)
        *cp = c;
    return len;
}

char *
wh_str_dup(const char *s)
{
    char *p = strdup(s);

    if (p == NULL)
        wh_oom();
    return p;
}

int
wh_str_hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool
wh_str_hex_decode(const char *s, size_t n, unsigned char *out)
{
    for (size_t i = 0; i < n; i++) {
        int hi = wh_str_hex_value(s[2 * i]), lo = wh_str_hex_value(s[2 * i + 1]);

        if (hi < 0 || lo < 0)
            return false;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return true;
}
