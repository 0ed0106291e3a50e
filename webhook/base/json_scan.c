/*
 * Validating single-pass JSON pull scanner: accepts exactly what jansson's json_loadb(.., 0)
 * accepts (RFC 8259 plus its overflow rules) without building a tree, so sbom/normalize.c reads
 * a 50 MB SBOM at memory speed and admission/ decodes a review without a malloc per value.
 */
#include "base/json_scan.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* 1 for bytes that stand for themselves inside a string: printable ASCII except '"' and '\'. */
static const unsigned char plain[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 00 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 10 */
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 20 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 30 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 40 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, /* 50 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 60 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 70 */
    /* 80..ff: zero (UTF-8 sequences are validated one by one) */
};

/* Error at byte `at`: line (1-based) and column (1-based, in characters, as jansson counts). */
static enum wh_err WH_PRINTF(4, 5) fail_at(const struct wh_json_scan *s, const unsigned char *at,
                                           struct wh_error *err, const char *fmt, ...)
{
    const unsigned char *q;
    size_t line = 1, col = 1;
    char what[200];
    va_list ap;

    for (q = s->start; q < at && q < s->end; q++) {
        if (*q == '\n') {
            line++;
            col = 1;
        } else if ((*q & 0xC0) != 0x80) {
            col++;
        }
    }
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return wh_error_set(err, WH_E_INVALID, "%s %zu:%zu: %s", s->label, line, col, what);
}
#ifdef __clang_analyzer__
/* For clang-tidy only: the analyzer does not follow variadic calls, so it cannot see that
 * fail_at() returns WH_E_INVALID, never WH_OK, and reports outputs unset on its paths. */
#define fail_at(...) ((void)(fail_at)(__VA_ARGS__), WH_E_INVALID)
#endif

enum wh_err
wh_json_scan_fail(const struct wh_json_scan *s, const char *what, struct wh_str detail,
                  struct wh_error *err)
{
    int n = detail.len > 64 ? 64 : (int)detail.len;
    return fail_at(s, s->p, err, "%s \"%.*s\"", what, n, detail.ptr);
}

void
wh_json_scan_init(struct wh_json_scan *s, struct wh_bytes json, size_t max_depth, const char *label,
                  struct wh_arena *a)
{
    memset(s, 0, sizeof(*s));
    s->start = s->p = json.ptr;
    s->end = json.ptr + json.len;
    s->max_depth = max_depth;
    s->a = a;
    s->label = label;
}

/* 1 for JSON's four whitespace bytes. */
static inline bool
is_ws(unsigned char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* Pretty-printed documents put a newline and an indent before most tokens; a cursor already on a
 * token (every whitespace byte is <= ' ') costs one compare. */
static inline void
skip_ws(struct wh_json_scan *s)
{
    const unsigned char *p = s->p, *end = s->end;

    if (p == end || *p > ' ')
        return;
    while (p < end && is_ws(*p))
        p++;
    s->p = p;
}

static const char *
describe(const struct wh_json_scan *s)
{
    return s->p == s->end ? "end of input" : "unexpected character";
}

static int
hex4(const unsigned char *p, const unsigned char *end)
{
    int v = 0, i;

    if (end - p < 4)
        return -1;
    for (i = 0; i < 4; i++) {
        unsigned char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= c - '0';
        else if (c >= 'a' && c <= 'f')
            v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v |= c - 'A' + 10;
        else
            return -1;
    }
    return v;
}

/*
 * The escape at *pp (on the '\'): validates it, writes its UTF-8 bytes to out[*n] and moves *pp
 * past it. RFC 8259 §7; jansson also refuses \u0000 and unpaired surrogates.
 */
static enum wh_err
read_escape(const struct wh_json_scan *s, const unsigned char **pp, unsigned char out[4], size_t *n,
            struct wh_error *err)
{
    const unsigned char *p = *pp, *end = s->end;
    long cp;

    if (end - p < 2)
        return fail_at(s, p, err, "unterminated string");
    *n = 1;
    switch (p[1]) {
    case '"':
    case '\\':
    case '/':
        out[0] = p[1];
        break;
    case 'b':
        out[0] = '\b';
        break;
    case 'f':
        out[0] = '\f';
        break;
    case 'n':
        out[0] = '\n';
        break;
    case 'r':
        out[0] = '\r';
        break;
    case 't':
        out[0] = '\t';
        break;
    case 'u':
        if ((cp = hex4(p + 2, end)) < 0)
            return fail_at(s, p, err, "invalid \\u escape");
        if (cp == 0)
            return fail_at(s, p, err, "\\u0000 is not allowed");
        if (cp >= 0xDC00 && cp <= 0xDFFF)
            return fail_at(s, p, err, "invalid Unicode '\\u%04lX' (lone low surrogate)", cp);
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            long low;
            if (end - p < 12 || p[6] != '\\' || p[7] != 'u' || (low = hex4(p + 8, end)) < 0xDC00 ||
                low > 0xDFFF)
                return fail_at(s, p, err, "invalid Unicode '\\u%04lX' (unpaired high surrogate)",
                               cp);
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            p += 6;
        }
        if (cp < 0x80) {
            out[0] = (unsigned char)cp;
        } else if (cp < 0x800) {
            out[0] = (unsigned char)(0xC0 | cp >> 6);
            out[1] = (unsigned char)(0x80 | (cp & 0x3F));
            *n = 2;
        } else if (cp < 0x10000) {
            out[0] = (unsigned char)(0xE0 | cp >> 12);
            out[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
            out[2] = (unsigned char)(0x80 | (cp & 0x3F));
            *n = 3;
        } else {
            out[0] = (unsigned char)(0xF0 | cp >> 18);
            out[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
            out[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
            out[3] = (unsigned char)(0x80 | (cp & 0x3F));
            *n = 4;
        }
        *pp = p + 6;
        return WH_OK;
    default:
        return fail_at(s, p, err, "invalid escape '\\%c'",
                       p[1] >= 0x20 && p[1] < 0x7F ? p[1] : '?');
    }
    *pp = p + 2;
    return WH_OK;
}

/* The byte a two-character escape stands for, by its second character; 0: not one (\\u or
 * invalid, for read_escape). */
static const unsigned char simple_escape[256] = {
    ['"'] = '"',  ['\\'] = '\\', ['/'] = '/',  ['b'] = '\b',
    ['f'] = '\f', ['n'] = '\n',  ['r'] = '\r', ['t'] = '\t',
};

/* Bytes of a 64-bit word, each set to `c`. */
#define WORD_OF(c) ((uint64_t)0x0101010101010101u * (uint64_t)(c))
#define WORD_HIGH WORD_OF(0x80)

/*
 * Whether any byte of the 8-byte word w is not plain: '"', '\\', below 0x20 or from 0x80 up
 * (SWAR: "has a zero byte" is (x - 0x01..) & ~x & 0x80.., and "has a byte below n" for n <= 0x80 is
 * (x - n..) & ~x & 0x80..; both exact as a yes/no, which is all this answers). Byte order does not
 * matter: the caller finds the byte itself.
 */
static inline bool
word_has_special(uint64_t w)
{
    uint64_t q = w ^ WORD_OF('"'), b = w ^ WORD_OF('\\');

    return (((q - WORD_OF(1)) & ~q) | ((b - WORD_OF(1)) & ~b) | ((w - WORD_OF(0x20)) & ~w) | w) &
           WORD_HIGH;
}

/* skip_plain in portable C: 8 bytes per step, then byte by byte from the word that holds a
 * special byte (or the last few bytes). Used where SSE2 is not; the unit test runs both. */
static inline const unsigned char *
skip_plain_swar(const unsigned char *p, const unsigned char *end)
{
    while (end - p >= 8) {
        uint64_t w;
        memcpy(&w, p, sizeof(w));
        if (word_has_special(w))
            break;
        p += 8;
    }
    while (p < end && plain[*p])
        p++;
    return p;
}

/* First byte at or after p that is not plain (or end): 16 bytes per step where SSE2 exists. */
static inline const unsigned char *
skip_plain(const unsigned char *p, const unsigned char *end)
{
#ifdef __SSE2__
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
    const __m128i space = _mm_set1_epi8(0x20);

    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        /* Signed compare: bytes >= 0x80 are negative, so "< 0x20" catches them with controls. */
        __m128i special =
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                         _mm_cmplt_epi8(v, space));
        unsigned mask = (unsigned)_mm_movemask_epi8(special);
        if (mask != 0)
            return p + __builtin_ctz(mask);
        p += 16;
    }
    while (p < end && plain[*p])
        p++;
    return p;
#else
    return skip_plain_swar(p, end);
#endif
}

/* scan_raw_string past its first special byte at p: escapes, UTF-8, the errors. */
static enum wh_err
scan_raw_string_rest(struct wh_json_scan *s, const unsigned char *p, const unsigned char **raw,
                     size_t *len, bool *escaped, struct wh_error *err)
{
    const unsigned char *end = s->end, *begin = s->p + 1;
    unsigned char buf[4];
    size_t n;
    enum wh_err rc;

    *escaped = false;
    for (;;) {
        if (p == end)
            return fail_at(s, p, err, "unterminated string");
        if (*p == '"')
            break;
        if (*p == '\\') {
            if (end - p >= 2 && simple_escape[p[1]] != 0)
                p += 2;
            else if ((rc = read_escape(s, &p, buf, &n, err)) != WH_OK)
                return rc;
            *escaped = true;
        } else if (*p < 0x20) {
            return fail_at(s, p, err, "control character 0x%02x in string", *p);
        } else if ((n = wh_utf8_next(p, (size_t)(end - p), NULL)) == 0) {
            return fail_at(s, p, err, "invalid UTF-8 byte 0x%02x", *p);
        } else {
            p += n;
        }
        p = skip_plain(p, end);
    }
    *raw = begin;
    *len = (size_t)(p - begin);
    s->p = p + 1;
    return WH_OK;
}

/* wh_json_scan_string past its first special byte `at` (escapes, UTF-8, the errors). */
static enum wh_err
read_string_rest(struct wh_json_scan *s, const unsigned char *at, struct wh_str *out,
                 struct wh_error *err)
{
    const unsigned char *raw, *p, *end;
    size_t len, n;
    bool escaped;
    char *dst;
    enum wh_err rc;

    if ((rc = scan_raw_string_rest(s, at, &raw, &len, &escaped, err)) != WH_OK)
        return rc;
    if (!escaped) {
        *out = (struct wh_str){(const char *)raw, len};
        return WH_OK;
    }
    /* Decoding never grows: "\n" is 2 bytes for 1, "\uHHHH" 6 for at most 3, a pair 12 for 4.
     * The bytes were validated just above: runs between escapes are copied whole. */
    dst = wh_arena_alloc_raw(s->a, len + 1);
    out->ptr = dst;
    for (p = raw, end = raw + len, n = 0; p < end;) {
        const unsigned char *bs = memchr(p, '\\', (size_t)(end - p));
        size_t run = (size_t)((bs == NULL ? end : bs) - p);
        unsigned char buf[4];
        size_t k;

        memcpy(dst + n, p, run);
        n += run;
        p += run;
        if (bs == NULL)
            break;
        if (simple_escape[p[1]] != 0) {
            dst[n++] = (char)simple_escape[p[1]];
            p += 2;
            continue;
        }
        if ((rc = read_escape(s, &p, buf, &k, err)) != WH_OK)
            return rc; /* WH_NEVER-grade: validated above */
        memcpy(dst + n, buf, k);
        n += k;
    }
    dst[n] = '\0';
    out->len = n;
    return WH_OK;
}

/* The string at the cursor (on '"'), decoded: a plain ASCII one inline, a view of the input. */
static inline __attribute__((always_inline)) enum wh_err
read_string(struct wh_json_scan *s, struct wh_str *out, struct wh_error *err)
{
    const unsigned char *begin = s->p + 1, *p = skip_plain(begin, s->end);

    if (p < s->end && *p == '"') {
        *out = (struct wh_str){(const char *)begin, (size_t)(p - begin)};
        s->p = p + 1;
        return WH_OK;
    }
    return read_string_rest(s, p, out, err);
}

enum wh_err
wh_json_scan_string(struct wh_json_scan *s, struct wh_str *out, struct wh_error *err)
{
    if (s->p == s->end || *s->p != '"')
        return fail_at(s, s->p, err, "string expected");
    return read_string(s, out, err);
}

static bool
is_digit(const unsigned char *p, const unsigned char *end)
{
    return p < end && *p >= '0' && *p <= '9';
}

/* RFC 8259 §6, plus jansson's rules: an integer must fit int64_t, a real must not overflow. */
/* TODO(#14): split the integer, fraction and exponent readers (cognitive complexity 43 > 25, STYLE
 * §8). */
static enum wh_err /* NOLINTNEXTLINE(readability-function-cognitive-complexity) */
scan_number(struct wh_json_scan *s, struct wh_error *err)
{
    const unsigned char *p = s->p, *end = s->end, *begin = p, *int_begin;
    bool neg = false, is_real = false, has_exp = false;
    size_t int_digits;

    if (*p == '-') {
        neg = true;
        p++;
    }
    if (!is_digit(p, end))
        return fail_at(s, p, err, "invalid number");
    int_begin = p;
    if (*p == '0') {
        if (is_digit(++p, end))
            return fail_at(s, p, err, "invalid number (leading zero)");
    } else {
        while (is_digit(p, end))
            p++;
    }
    int_digits = (size_t)(p - int_begin);
    if (p < end && *p == '.') {
        if (!is_digit(++p, end))
            return fail_at(s, p, err, "invalid number (no digit after '.')");
        while (is_digit(p, end))
            p++;
        is_real = true;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (!is_digit(p, end))
            return fail_at(s, p, err, "invalid number (no digit in exponent)");
        while (is_digit(p, end))
            p++;
        is_real = has_exp = true;
    }
    if (!is_real) {
        if (int_digits > 19 ||
            (int_digits == 19 &&
             memcmp(int_begin, neg ? "9223372036854775808" : "9223372036854775807", 19) > 0))
            return fail_at(s, begin, err, "too big %sinteger", neg ? "negative " : "");
    } else if (has_exp || int_digits > 300) {
        /* Only these can exceed DBL_MAX (~1.8e308); ask strtod like jansson does. */
        size_t len = (size_t)(p - begin);
        char small[64], *text = len < sizeof(small) ? small : wh_arena_alloc(s->a, len + 1);
        double v;

        memcpy(text, begin, len);
        text[len] = '\0';
        errno = 0;
        v = strtod(text, NULL);
        if ((v == HUGE_VAL || v == -HUGE_VAL) && errno == ERANGE)
            return fail_at(s, begin, err, "real number overflow");
    }
    s->p = p;
    return WH_OK;
}

static enum wh_err
scan_literal(struct wh_json_scan *s, struct wh_error *err)
{
    static const char *const words[] = {"true", "false", "null"};
    size_t i, avail = (size_t)(s->end - s->p);

    for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        size_t n = strlen(words[i]);
        if (avail >= n && memcmp(s->p, words[i], n) == 0) {
            s->p += n;
            return WH_OK;
        }
    }
    return fail_at(s, s->p, err, "invalid token");
}

enum wh_err
wh_json_scan_bool(struct wh_json_scan *s, bool *out, struct wh_error *err)
{
    size_t avail = (size_t)(s->end - s->p);

    if (avail >= 4 && memcmp(s->p, "true", 4) == 0) {
        s->p += 4;
        *out = true;
        return WH_OK;
    }
    if (avail >= 5 && memcmp(s->p, "false", 5) == 0) {
        s->p += 5;
        *out = false;
        return WH_OK;
    }
    return fail_at(s, s->p, err, "invalid token");
}

enum wh_err
wh_json_scan_peek(struct wh_json_scan *s, enum wh_json_scan_kind *kind, struct wh_error *err)
{
    skip_ws(s);
    if (s->p == s->end)
        return fail_at(s, s->p, err, "end of input where a value was expected");
    switch (*s->p) {
    case '{':
        *kind = WH_JSON_SCAN_OBJECT;
        return WH_OK;
    case '[':
        *kind = WH_JSON_SCAN_ARRAY;
        return WH_OK;
    case '"':
        *kind = WH_JSON_SCAN_STRING;
        return WH_OK;
    case 't':
    case 'f':
        *kind = WH_JSON_SCAN_BOOL;
        return WH_OK;
    case 'n':
        *kind = WH_JSON_SCAN_NULL;
        return WH_OK;
    default:
        if (*s->p == '-' || (*s->p >= '0' && *s->p <= '9')) {
            *kind = WH_JSON_SCAN_NUMBER;
            return WH_OK;
        }
        return fail_at(s, s->p, err, "unexpected character where a value was expected");
    }
}

/* enter()'s refusal of one level too many. */
static enum wh_err
enter_too_deep(const struct wh_json_scan *s, struct wh_error *err)
{
    /* Same check and wording as the bracket count that ran before jansson did. */
    if (s->depth + 1 > s->max_depth)
        return wh_error_set(err, WH_E_LIMIT, "%s nesting exceeds %zu levels at byte %zu", s->label,
                            s->max_depth, (size_t)(s->p - s->start));
    return fail_at(s, s->p, err, "maximum parsing depth reached");
}

/* Cursor on '{' or '['. Inline: every container of a skipped subtree passes here. */
static inline __attribute__((always_inline)) enum wh_err
enter(struct wh_json_scan *s, bool is_object, struct wh_error *err)
{
    size_t d = s->depth + 1;

    if (d > s->max_depth || d > WH_JSON_SCAN_MAX_DEPTH)
        return enter_too_deep(s, err);
    if (is_object)
        s->is_object[d / 64] |= (uint64_t)1 << (d % 64);
    else
        s->is_object[d / 64] &= ~((uint64_t)1 << (d % 64));
    s->depth = d;
    s->p++;
    s->fresh = true;
    return WH_OK;
}

/* Bit `depth` of is_object: whether the container at that depth is an object. */
static inline bool
is_object_at(const struct wh_json_scan *s, size_t depth)
{
    return (s->is_object[depth / 64] >> (depth % 64)) & 1;
}

/* skip_ws on a cursor held in a register (wh_json_scan_skip's). */
static inline const unsigned char *
ws_from(const unsigned char *p, const unsigned char *end)
{
    if (p == end || *p > ' ')
        return p;
    while (p < end && is_ws(*p))
        p++;
    return p;
}

/* The string at p (on '"') validated and passed over: the byte after its closing quote, or NULL
 * with *rc set. A plain ASCII string costs one skip_plain; the rest goes out of line. */
static inline __attribute__((always_inline)) const unsigned char *
pass_string(struct wh_json_scan *s, const unsigned char *p, enum wh_err *rc, struct wh_error *err)
{
    const unsigned char *q = skip_plain(p + 1, s->end), *raw;
    size_t len;
    bool escaped;

    if (q < s->end && *q == '"')
        return q + 1;
    s->p = p;
    if ((*rc = scan_raw_string_rest(s, q, &raw, &len, &escaped, err)) != WH_OK)
        return NULL;
    return s->p;
}

/* At p (before optional whitespace) an object key: `"key"` and `:` validated and passed over,
 * the cursor after ':'; NULL with *rc set. */
static inline __attribute__((always_inline)) const unsigned char *
pass_key(struct wh_json_scan *s, const unsigned char *p, enum wh_err *rc, struct wh_error *err)
{
    const unsigned char *end = s->end;

    p = ws_from(p, end);
    if (p == end || *p != '"') {
        s->p = p;
        *rc = fail_at(s, p, err, "%s where an object key was expected", describe(s));
        return NULL;
    }
    if ((p = pass_string(s, p, rc, err)) == NULL)
        return NULL;
    p = ws_from(p, end);
    if (p == end || *p != ':') {
        s->p = p;
        *rc = fail_at(s, p, err, "%s where ':' was expected", describe(s));
        return NULL;
    }
    return p + 1;
}

/* A scalar at p (whitespace skipped, not '{' or '['): validated and passed over; NULL and *rc
 * on an error. */
static const unsigned char *
pass_scalar(struct wh_json_scan *s, const unsigned char *p, enum wh_err *rc, struct wh_error *err)
{
    s->p = p;
    if (p == s->end) {
        *rc = fail_at(s, p, err, "end of input where a value was expected");
        return NULL;
    }
    switch (*p) {
    case '"':
        return pass_string(s, p, rc, err);
    case 't':
    case 'f':
    case 'n':
        *rc = scan_literal(s, err);
        break;
    default:
        if (*p == '-' || (*p >= '0' && *p <= '9'))
            *rc = scan_number(s, err);
        else
            *rc = fail_at(s, p, err, "unexpected character where a value was expected");
        break;
    }
    return *rc == WH_OK ? s->p : NULL;
}

/*
 * After a value ended at p: closes containers until a ',' asks for the next value (then the
 * cursor after it, and after the key in an object) or the walk is back at `base` (*done). NULL
 * and *rc on an error. *depth is the walk's depth.
 */
static inline __attribute__((always_inline)) const unsigned char *
after_value(struct wh_json_scan *s, const unsigned char *p, size_t *depth, size_t base, bool *done,
            enum wh_err *rc, struct wh_error *err)
{
    const unsigned char *end = s->end;

    for (;;) {
        bool obj;

        if (*depth == base) {
            *done = true;
            return p;
        }
        p = ws_from(p, end);
        obj = is_object_at(s, *depth);
        if (p < end && *p == ',')
            return obj ? pass_key(s, p + 1, rc, err) : p + 1;
        if (p == end || *p != (obj ? '}' : ']')) {
            s->p = p;
            *rc = fail_at(s, p, err, "%s where ',' or '%c' was expected", describe(s),
                          obj ? '}' : ']');
            return NULL;
        }
        p++;
        (*depth)--;
    }
}

/*
 * Iterative, with the cursor and depth in registers (s->p and s->depth are written back at the
 * end and before anything that reads them): validating what a review does not read is most of
 * a cached review's JSON work.
 */
enum wh_err
wh_json_scan_skip(struct wh_json_scan *s, struct wh_error *err)
{
    const unsigned char *p = s->p, *end = s->end;
    size_t depth = s->depth, base = depth;
    enum wh_err rc = WH_OK;
    bool done = false;

    while (!done) {
        /* A value starts here. */
        p = ws_from(p, end);
        if (p < end && (*p == '{' || *p == '[')) {
            bool obj = *p == '{';

            s->p = p;
            s->depth = depth;
            if ((rc = enter(s, obj, err)) != WH_OK)
                return rc;
            depth = s->depth;
            p = ws_from(s->p, end);
            if (p == end || *p != (obj ? '}' : ']')) {
                if (obj && (p = pass_key(s, p, &rc, err)) == NULL)
                    return rc;
                continue;
            }
            p++;
            depth--;
        } else if ((p = pass_scalar(s, p, &rc, err)) == NULL) {
            return rc;
        }
        if ((p = after_value(s, p, &depth, base, &done, &rc, err)) == NULL)
            return rc;
    }
    s->p = p;
    s->depth = depth;
    s->fresh = false;
    return WH_OK;
}

enum wh_err
wh_json_scan_object_enter(struct wh_json_scan *s, struct wh_error *err)
{
    skip_ws(s);
    if (s->p == s->end || *s->p != '{')
        return fail_at(s, s->p, err, "%s where '{' was expected", describe(s));
    return enter(s, true, err);
}

enum wh_err
wh_json_scan_object_next(struct wh_json_scan *s, struct wh_str *key, bool *has_key,
                         struct wh_error *err)
{
    enum wh_err rc;

    skip_ws(s);
    if (s->p < s->end && *s->p == '}') {
        s->p++;
        s->depth--;
        s->fresh = false;
        *has_key = false;
        return WH_OK;
    }
    if (!s->fresh) {
        if (s->p == s->end || *s->p != ',')
            return fail_at(s, s->p, err, "%s where ',' or '}' was expected", describe(s));
        s->p++;
        skip_ws(s);
    }
    s->fresh = false;
    if (s->p == s->end || *s->p != '"')
        return fail_at(s, s->p, err, "%s where an object key was expected", describe(s));
    if ((rc = read_string(s, key, err)) != WH_OK)
        return rc;
    skip_ws(s);
    if (s->p == s->end || *s->p != ':')
        return fail_at(s, s->p, err, "%s where ':' was expected", describe(s));
    s->p++;
    *has_key = true;
    return WH_OK;
}

enum wh_err
wh_json_scan_array_enter(struct wh_json_scan *s, struct wh_error *err)
{
    skip_ws(s);
    if (s->p == s->end || *s->p != '[')
        return fail_at(s, s->p, err, "%s where '[' was expected", describe(s));
    return enter(s, false, err);
}

enum wh_err
wh_json_scan_array_next(struct wh_json_scan *s, bool *has_item, struct wh_error *err)
{
    skip_ws(s);
    if (s->p < s->end && *s->p == ']') {
        s->p++;
        s->depth--;
        s->fresh = false;
        *has_item = false;
        return WH_OK;
    }
    if (!s->fresh) {
        if (s->p == s->end || *s->p != ',')
            return fail_at(s, s->p, err, "%s where ',' or ']' was expected", describe(s));
        s->p++;
    }
    s->fresh = false;
    *has_item = true;
    return WH_OK;
}

enum wh_err
wh_json_scan_finish(struct wh_json_scan *s, struct wh_error *err)
{
    skip_ws(s);
    if (s->p != s->end)
        return fail_at(s, s->p, err, "end of input expected after the document");
    return WH_OK;
}
