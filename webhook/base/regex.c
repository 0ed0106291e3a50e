/*
 * Regular expressions (regex.h): a recursive-descent parser per dialect checks the source against
 * that dialect's grammar and writes an equivalent PCRE2 pattern, which PCRE2 compiles (with JIT)
 * and matches under match, depth and heap limits. Group nesting bounds the recursion.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "base/regex.h"
#include "base/regex_syntax.h"

#include <pcre2.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SRC_SHOWN 100
#define OUT_MAX (256u * 1024) /* bytes of translated pattern */
/* Backtracking points per match (pcre2_set_match_limit): a 1 MiB value may need a step per byte
 * (^[!-~]+$ on a value ending in a space); past it catastrophic backtracking stops in ~0.1 s with
 * JIT. The interpreter, about 20 times slower, gets a fifth of it. */
#ifndef MATCH_LIMIT_JIT /* the fuzz target lowers them for throughput */
#define MATCH_LIMIT_JIT 10000000u
#define MATCH_LIMIT_INTERPRETER 2000000u
#endif
#define DEPTH_LIMIT 1000000u  /* nested backtracking frames (interpreter only) */
#define HEAP_LIMIT_KIB 65536u /* 64 MiB of backtracking frames (interpreter only) */
#define JIT_STACK_START (32u * 1024)
#define JIT_STACK_MAX (4u * 1024 * 1024)

struct wh_regex {
    enum wh_regex_dialect dialect;
    char *source;
    size_t source_len;
    bool jit;
    char *effective;
    char *pcre;
    pcre2_code *code;
};

/* ---- tables ---- */

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct wh_regex_range digit_r[] = {{'0', '9'}};
static const struct wh_regex_range word_r[] = {{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}};
/* Go's \s is Perl's: no \v. */
static const struct wh_regex_range re2_space_r[] = {{'\t', '\n'}, {'\f', '\r'}, {' ', ' '}};

/* Go regexp/syntax perl_groups.go: the POSIX classes inside brackets. */
static const struct wh_regex_range alnum_r[] = {{'0', '9'}, {'A', 'Z'}, {'a', 'z'}};
static const struct wh_regex_range alpha_r[] = {{'A', 'Z'}, {'a', 'z'}};
static const struct wh_regex_range ascii_r[] = {{0, 0x7f}};
static const struct wh_regex_range blank_r[] = {{'\t', '\t'}, {' ', ' '}};
static const struct wh_regex_range cntrl_r[] = {{0, 0x1f}, {0x7f, 0x7f}};
static const struct wh_regex_range graph_r[] = {{'!', '~'}};
static const struct wh_regex_range lower_r[] = {{'a', 'z'}};
static const struct wh_regex_range print_r[] = {{' ', '~'}};
static const struct wh_regex_range punct_r[] = {{'!', '/'}, {':', '@'}, {'[', '`'}, {'{', '~'}};
static const struct wh_regex_range space_r[] = {{'\t', '\r'}, {' ', ' '}};
static const struct wh_regex_range upper_r[] = {{'A', 'Z'}};
static const struct wh_regex_range xdigit_r[] = {{'0', '9'}, {'A', 'F'}, {'a', 'f'}};

static const struct {
    const char *name;
    struct wh_regex_set s;
} posix[] = {
    {"alnum", {alnum_r, N(alnum_r)}}, {"alpha", {alpha_r, N(alpha_r)}},
    {"ascii", {ascii_r, N(ascii_r)}}, {"blank", {blank_r, N(blank_r)}},
    {"cntrl", {cntrl_r, N(cntrl_r)}}, {"digit", {digit_r, N(digit_r)}},
    {"graph", {graph_r, N(graph_r)}}, {"lower", {lower_r, N(lower_r)}},
    {"print", {print_r, N(print_r)}}, {"punct", {punct_r, N(punct_r)}},
    {"space", {space_r, N(space_r)}}, {"upper", {upper_r, N(upper_r)}},
    {"word", {word_r, N(word_r)}},    {"xdigit", {xdigit_r, N(xdigit_r)}},
};

/* Unicode general categories (Go's unicode.Categories) and their long aliases
 * (unicode.CategoryAliases), keyed by Go's canonical lookup form folded to lower case. */
static const char *const categories[] = {
    "C",  "Cc", "Cf", "Cn", "Co", "Cs", "L",  "Ll", "Lm", "Lo", "Lt", "Lu", "M",
    "Mc", "Me", "Mn", "N",  "Nd", "Nl", "No", "P",  "Pc", "Pd", "Pe", "Pf", "Pi",
    "Po", "Ps", "S",  "Sc", "Sk", "Sm", "So", "Z",  "Zl", "Zp", "Zs",
};
static const struct {
    const char *alias, *category;
} category_aliases[] = {
    {"casedletter", "L&"},
    {"closepunctuation", "Pe"},
    {"combiningmark", "M"},
    {"connectorpunctuation", "Pc"},
    {"control", "Cc"},
    {"cntrl", "Cc"},
    {"currencysymbol", "Sc"},
    {"dashpunctuation", "Pd"},
    {"decimalnumber", "Nd"},
    {"digit", "Nd"},
    {"enclosingmark", "Me"},
    {"finalpunctuation", "Pf"},
    {"format", "Cf"},
    {"initialpunctuation", "Pi"},
    {"letter", "L"},
    {"letternumber", "Nl"},
    {"lineseparator", "Zl"},
    {"lowercaseletter", "Ll"},
    {"mark", "M"},
    {"mathsymbol", "Sm"},
    {"modifierletter", "Lm"},
    {"modifiersymbol", "Sk"},
    {"nonspacingmark", "Mn"},
    {"number", "N"},
    {"openpunctuation", "Ps"},
    {"other", "C"},
    {"otherletter", "Lo"},
    {"othernumber", "No"},
    {"otherpunctuation", "Po"},
    {"othersymbol", "So"},
    {"paragraphseparator", "Zp"},
    {"privateuse", "Co"},
    {"punctuation", "P"},
    {"punct", "P"},
    {"separator", "Z"},
    {"spaceseparator", "Zs"},
    {"spacingmark", "Mc"},
    {"surrogate", "Cs"},
    {"symbol", "S"},
    {"titlecaseletter", "Lt"},
    {"unassigned", "Cn"},
    {"uppercaseletter", "Lu"},
};

/* ---- errors ---- */

/* How messages name the source: compile errors of RE2 say "invalid regular expression". */
static const char *
noun(enum wh_regex_dialect d, bool compiling)
{
    if (d == WH_REGEX_ECMASCRIPT)
        return "pattern";
    return compiling ? "invalid regular expression" : "regular expression";
}

static enum wh_err WH_PRINTF(6, 7)
    src_error(enum wh_regex_dialect d, bool compiling, struct wh_str src, struct wh_error *err,
              enum wh_err code, const char *fmt, ...)
{
    char what[200];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return wh_error_set(err, code, "%s \"%.*s%s\": %s", noun(d, compiling),
                        (int)(src.len > SRC_SHOWN ? SRC_SHOWN : src.len), src.ptr,
                        src.len > SRC_SHOWN ? "..." : "", what);
}

static size_t
off_at(const struct wh_regex_parser *p, size_t k)
{
    return p->off[k < p->n ? k : p->n];
}

/* "<what> at offset N", N the byte offset of code point `at`. */
enum wh_err
wh_regex_fail_at(struct wh_regex_parser *p, enum wh_err code, size_t at, const char *fmt, ...)
{
    char what[160];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return src_error(p->d, true, p->src, p->err, code, "%s at offset %zu", what, off_at(p, at));
}

/* The source text of code points [a, b), for quoting a construct. */
static int
span_len(const struct wh_regex_parser *p, size_t a, size_t b)
{
    size_t len = off_at(p, b) - off_at(p, a);
    return (int)(len > 40 ? 40 : len);
}

static const char *
span(const struct wh_regex_parser *p, size_t a)
{
    return p->src.ptr + off_at(p, a);
}

/* "<what> \"<source a..b>\" at offset <a>" */
static enum wh_err
fail_span(struct wh_regex_parser *p, size_t a, size_t b, const char *what)
{
    return wh_regex_fail_at(p, WH_E_INVALID, a, "%s \"%.*s\"", what, span_len(p, a, b), span(p, a));
}

/* ---- output ---- */

static void
put(struct wh_regex_parser *p, const char *s, size_t n)
{
    struct wh_regex_out *o = &p->o;

    if (o->full)
        return;
    if (o->len + n + 1 > OUT_MAX) {
        o->full = true;
        return;
    }
    if (o->len + n + 1 > o->cap) {
        size_t cap = o->cap * 2 + n + 64;
        o->p = realloc(o->p, cap);
        if (o->p == NULL)
            wh_oom();
        o->cap = cap;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
    o->p[o->len] = '\0';
}

void
wh_regex_put_c(struct wh_regex_parser *p, const char *s)
{
    put(p, s, strlen(s));
}

static void
put_hex(struct wh_regex_parser *p, uint32_t c)
{
    char b[16];
    int w = snprintf(b, sizeof(b), "\\x{%x}", (unsigned)c);

    put(p, b, (size_t)w);
}

/* Inserts `s` at byte `at` of the output (wrapping the atom that starts there). */
static void
insert(struct wh_regex_parser *p, size_t at, const char *s)
{
    size_t n = strlen(s), len = p->o.len;

    put(p, s, n);
    if (p->o.full || at > len)
        return;
    memmove(p->o.p + at + n, p->o.p + at, len - at);
    memcpy(p->o.p + at, s, n);
}

static bool
is_surrogate(uint32_t c)
{
    return c >= 0xd800 && c <= 0xdfff;
}

static bool
is_alnum(uint32_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* A literal code point. A lone surrogate (only writable as an escape) never matches UTF-8. */
void
wh_regex_put_literal(struct wh_regex_parser *p, uint32_t c)
{
    char ch = (char)c;

    if (is_surrogate(c))
        wh_regex_put_c(p, "(?!)");
    else if (is_alnum(c))
        put(p, &ch, 1);
    else
        put_hex(p, c);
}

/* Class items; *items counts what was written. Surrogates are cut out of ranges. */
void
wh_regex_put_range(struct wh_regex_parser *p, uint32_t lo, uint32_t hi, size_t *items)
{
    if (lo <= 0xdfff && hi >= 0xd800) {
        if (lo < 0xd800)
            wh_regex_put_range(p, lo, 0xd7ff, items);
        if (hi > 0xdfff)
            wh_regex_put_range(p, 0xe000, hi, items);
        return;
    }
    put_hex(p, lo);
    if (hi != lo) {
        wh_regex_put_c(p, "-");
        put_hex(p, hi);
    }
    (*items)++;
}

void
wh_regex_put_set(struct wh_regex_parser *p, struct wh_regex_set s, bool neg, size_t *items)
{
    uint32_t next = 0;

    for (size_t k = 0; k < s.n; k++) {
        if (!neg)
            wh_regex_put_range(p, s.r[k].lo, s.r[k].hi, items);
        else if (s.r[k].lo > next)
            wh_regex_put_range(p, next, s.r[k].lo - 1, items);
        next = s.r[k].hi + 1;
    }
    if (neg && next <= 0x10ffff)
        wh_regex_put_range(p, next, 0x10ffff, items);
}

/* Any code point (UTF-8 holds no surrogates). */
static void
put_any(struct wh_regex_parser *p)
{
    size_t items = 0;

    wh_regex_put_c(p, "[");
    wh_regex_put_range(p, 0, 0x10ffff, &items);
    wh_regex_put_c(p, "]");
}

/* Is the PCRE2 text from `start` one item a quantifier can follow directly (a literal, a class,
 * a \p item)? Anything else is wrapped in (?:...) first. Wrapping a single item would cost
 * PCRE2 its fast single-character repeats. */
static bool
is_single_item(const struct wh_regex_parser *p, size_t start)
{
    const char *t = p->o.p + start;
    size_t n = p->o.len - start;

    if (p->o.full || start > p->o.len || n == 0)
        return false;
    if (n == 1)
        return is_alnum((unsigned char)t[0]);
    if (t[0] == '[')
        return memchr(t, ']', n) == t + n - 1;
    if (t[0] == '\\' && (t[1] == 'x' || t[1] == 'p' || t[1] == 'P') && t[2] == '{')
        return memchr(t, '}', n) == t + n - 1;
    return false;
}

/* A standalone class of one set: [..] or [^..]. */
void
wh_regex_put_set_class(struct wh_regex_parser *p, struct wh_regex_set s, bool neg)
{
    size_t items = 0;

    wh_regex_put_c(p, neg ? "[^" : "[");
    wh_regex_put_set(p, s, false, &items);
    wh_regex_put_c(p, "]");
}

/* ---- shared scanning ---- */

uint32_t
wh_regex_peek(const struct wh_regex_parser *p, size_t ahead)
{
    return p->i + ahead < p->n ? p->cp[p->i + ahead] : 0;
}

bool
wh_regex_at_end(const struct wh_regex_parser *p)
{
    return p->i >= p->n;
}

bool
wh_regex_has(const struct wh_regex_parser *p, size_t ahead)
{
    return p->i + ahead < p->n;
}

int
wh_regex_hex_value(uint32_t c)
{
    if (c >= '0' && c <= '9')
        return (int)(c - '0');
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
        return (int)((c | 0x20) - 'a' + 10);
    return -1;
}

/* ==== RE2 (Go regexp/syntax, Perl flags) ==== */

/* Go parseInt: decimal digits without a leading zero; past 1e8 it is "too big" (-2). */
static bool
re2_int(const struct wh_regex_parser *p, size_t *k, long *v)
{
    if (*k >= p->n || p->cp[*k] < '0' || p->cp[*k] > '9')
        return false;
    if (*k + 1 < p->n && p->cp[*k] == '0' && p->cp[*k + 1] >= '0' && p->cp[*k + 1] <= '9')
        return false;
    *v = 0;
    while (*k < p->n && p->cp[*k] >= '0' && p->cp[*k] <= '9') {
        if (*v >= 100000000)
            *v = -2;
        else if (*v >= 0)
            *v = *v * 10 + (long)(p->cp[*k] - '0');
        (*k)++;
    }
    return true;
}

/* Go parseRepeat: {n}, {n,} or {n,m} at code point k; *end is past '}'. max -1 = unbounded;
 * a number too big gives min -2. False when the text is not of that form ('{' is a literal). */
static bool
re2_repeat(const struct wh_regex_parser *p, size_t k, long *min, long *max, size_t *end)
{
    if (k >= p->n || p->cp[k] != '{')
        return false;
    k++;
    if (!re2_int(p, &k, min) || k >= p->n)
        return false;
    if (p->cp[k] != ',') {
        *max = *min;
    } else {
        k++;
        if (k >= p->n)
            return false;
        if (p->cp[k] == '}') {
            *max = -1;
        } else if (!re2_int(p, &k, max)) {
            return false;
        } else if (*max == -2) {
            *min = -2;
        }
    }
    if (k >= p->n || p->cp[k] != '}')
        return false;
    *end = k + 1;
    return true;
}

/* After "\[0-7]": up to three octal digits in all (Go: \1-\7 alone would be a backreference). */
static enum wh_err
re2_octal(struct wh_regex_parser *p, size_t at, uint32_t c, uint32_t *out)
{
    uint32_t v = c - '0';

    if (c != '0' && (wh_regex_at_end(p) || wh_regex_peek(p, 0) < '0' || wh_regex_peek(p, 0) > '7'))
        return wh_regex_fail_at(
            p, WH_E_INVALID, at,
            "invalid escape sequence \"\\%c\" (a backreference: not RE2 syntax)", (char)c);
    for (int digits = 1; digits < 3 && !wh_regex_at_end(p) && wh_regex_peek(p, 0) >= '0' &&
                         wh_regex_peek(p, 0) <= '7';
         digits++)
        v = v * 8 + (wh_regex_peek(p, 0) - '0'), p->i++;
    *out = v;
    return WH_OK;
}

/* After "\x": two hex digits, or {H...} up to U+10FFFF. */
static enum wh_err
re2_hex(struct wh_regex_parser *p, size_t at, uint32_t *out)
{
    uint32_t v = 0;
    int digits = 0;

    if (wh_regex_peek(p, 0) == '{' && wh_regex_has(p, 0)) {
        p->i++;
        while (wh_regex_has(p, 0) && wh_regex_hex_value(wh_regex_peek(p, 0)) >= 0 && v <= 0x10ffff)
            v = v * 16 + (uint32_t)wh_regex_hex_value(wh_regex_peek(p, 0)), p->i++, digits++;
        if (digits == 0 || v > 0x10ffff || wh_regex_at_end(p) || wh_regex_peek(p, 0) != '}')
            return fail_span(p, at, p->i + 1, "invalid escape sequence");
        p->i++;
        *out = v;
        return WH_OK;
    }
    if (!wh_regex_has(p, 1) || wh_regex_hex_value(wh_regex_peek(p, 0)) < 0 ||
        wh_regex_hex_value(wh_regex_peek(p, 1)) < 0)
        return fail_span(p, at, p->i + 2 > p->n ? p->n : p->i + 2, "invalid escape sequence");
    *out = (uint32_t)(wh_regex_hex_value(wh_regex_peek(p, 0)) * 16 +
                      wh_regex_hex_value(wh_regex_peek(p, 1)));
    p->i += 2;
    return WH_OK;
}

/* After '\' (at p->i - 1): one character escape (Go parseEscape). */
static enum wh_err
re2_escape(struct wh_regex_parser *p, uint32_t *out)
{
    static const char controls[] = "afnrtv", values[] = "\a\f\n\r\t\v";
    size_t at = p->i - 1;
    uint32_t c = wh_regex_peek(p, 0);
    const char *ctl = c != 0 && c < 0x80 ? strchr(controls, (int)c) : NULL;

    if (wh_regex_at_end(p))
        return wh_regex_fail_at(p, WH_E_INVALID, at, "trailing backslash at end of expression");
    p->i++;
    if (c < 0x80 && !is_alnum(c)) {
        *out = c;
        return WH_OK;
    }
    if (c >= '0' && c <= '7')
        return re2_octal(p, at, c, out);
    if (c == 'x')
        return re2_hex(p, at, out);
    if (ctl != NULL) {
        *out = (unsigned char)values[ctl - controls];
        return WH_OK;
    }
    if (c == '8' || c == '9')
        return wh_regex_fail_at(
            p, WH_E_INVALID, at,
            "invalid escape sequence \"\\%c\" (a backreference: not RE2 syntax)", (char)c);
    if (c == 'C')
        return wh_regex_fail_at(p, WH_E_INVALID, at,
                                "invalid escape sequence \"\\C\" (any byte: not RE2 syntax)");
    if (c < 0x80 && strchr("GKRXZghHNVkEeoculLU", (int)c) != NULL)
        return wh_regex_fail_at(p, WH_E_INVALID, at,
                                "invalid escape sequence \"\\%c\" (PCRE or Perl syntax, not RE2)",
                                (char)c);
    return fail_span(p, at, p->i, "invalid escape sequence");
}

/* A class character (literal or escape) at p->i into *out. */
static enum wh_err
re2_class_char(struct wh_regex_parser *p, uint32_t *out)
{
    if (wh_regex_peek(p, 0) != '\\') {
        *out = p->cp[p->i++];
        return WH_OK;
    }
    p->i++;
    return re2_escape(p, out);
}

/* \d \D \s \S \w \W at p->i (a backslash): the set, or false. */
static bool
re2_perl_class(const struct wh_regex_parser *p, struct wh_regex_set *s, bool *neg)
{
    uint32_t c = wh_regex_peek(p, 1);

    if (wh_regex_peek(p, 0) != '\\' || !wh_regex_has(p, 1) || c >= 0x80)
        return false;
    switch (c | 0x20) {
    case 'd':
        *s = (struct wh_regex_set){digit_r, N(digit_r)};
        break;
    case 's':
        *s = (struct wh_regex_set){re2_space_r, N(re2_space_r)};
        break;
    case 'w':
        *s = (struct wh_regex_set){word_r, N(word_r)};
        break;
    default:
        return false;
    }
    *neg = c < 'a';
    return true;
}

/* Go canonicalName folded to lower case: letters and digits only. */
static void
canonical(const char *name, size_t n, char *out, size_t cap)
{
    size_t k = 0;

    for (size_t j = 0; j < n && k + 1 < cap; j++) {
        char c = name[j];
        if (c == '_' || c == '-' || c == ' ')
            continue;
        out[k++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    out[k] = '\0';
}

/* Does PCRE2 know `\p{sc:<name>}`? */
static bool
pcre2_knows_script(const char *name)
{
    char pat[96];
    int code;
    PCRE2_SIZE at;
    pcre2_code *c;

    snprintf(pat, sizeof(pat), "\\p{sc:%s}", name);
    c = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &code, &at, NULL);
    pcre2_code_free(c);
    return c != NULL;
}

/* The PCRE2 property of a Go class name (canonical form): Any, Assigned, LC, a general category
 * or one of its long aliases; NULL for anything else (a script, or unknown). */
static const char *
category(const char *canon, bool *invert)
{
    static char found[4];

    *invert = false;
    if (strcmp(canon, "any") == 0)
        return "Any";
    if (strcmp(canon, "assigned") == 0) {
        *invert = true; /* Assigned is everything but Cn */
        return "Cn";
    }
    if (strcmp(canon, "lc") == 0)
        return "L&";
    for (size_t k = 0; k < N(categories); k++) {
        canonical(categories[k], strlen(categories[k]), found, sizeof(found));
        if (strcmp(canon, found) == 0)
            return categories[k];
    }
    for (size_t k = 0; k < N(category_aliases); k++)
        if (strcmp(canon, category_aliases[k].alias) == 0)
            return category_aliases[k].category;
    return NULL;
}

/* The name of \pN / \p{Name} / \p{^Name} at p->i (past "\p"): into raw (NUL-terminated), with
 * '^' flipping *neg. */
static enum wh_err
re2_class_name(struct wh_regex_parser *p, size_t at, bool *neg, char *raw, size_t cap)
{
    size_t name_at = p->i, name_end, k, n = 0;

    if (wh_regex_at_end(p))
        return fail_span(p, at, p->n, "invalid character class range");
    if (wh_regex_peek(p, 0) != '{') {
        name_end = ++p->i;
    } else {
        for (k = p->i; k < p->n && p->cp[k] != '}'; k++)
            ;
        if (k >= p->n)
            return fail_span(p, at, p->n, "invalid character class range");
        name_at = p->i + 1;
        name_end = k;
        p->i = k + 1;
    }
    if (name_at < name_end && p->cp[name_at] == '^')
        *neg = !*neg, name_at++;
    for (k = name_at; k < name_end; k++) {
        uint32_t c = p->cp[k];
        if (n + 1 >= cap || !(is_alnum(c) || c == '_' || c == '-' || c == ' '))
            return fail_span(p, at, p->i, "invalid character class range");
        raw[n++] = (char)c;
    }
    raw[n] = '\0';
    return WH_OK;
}

/*
 * \pN \p{Name} \p{^Name} \PN ... at p->i (a backslash; Go parseUnicodeClass). Writes the PCRE2
 * item (usable inside brackets, and outside them when !in_class) and counts it in *items.
 */
static enum wh_err
re2_unicode_class(struct wh_regex_parser *p, bool in_class, size_t *items)
{
    size_t at = p->i;
    bool neg = wh_regex_peek(p, 1) == 'P', invert;
    char raw[72] = {0}, canon[72], item[96];
    const char *cat;
    enum wh_err rc;

    p->i += 2;
    if ((rc = re2_class_name(p, at, &neg, raw, sizeof(raw))) != WH_OK)
        return rc;
    canonical(raw, strlen(raw), canon, sizeof(canon));
    if (canon[0] == '\0')
        return fail_span(p, at, p->i, "invalid character class range");
    if (strcmp(canon, "ascii") == 0) {
        wh_regex_put_c(p, in_class ? "" : "[");
        wh_regex_put_set(p, (struct wh_regex_set){ascii_r, N(ascii_r)}, neg, items);
        wh_regex_put_c(p, in_class ? "" : "]");
        return WH_OK;
    }
    if ((cat = category(canon, &invert)) != NULL) {
        snprintf(item, sizeof(item), "\\%c{%s}", neg != invert ? 'P' : 'p', cat);
    } else if (pcre2_knows_script(raw)) {
        snprintf(item, sizeof(item), "\\%c{sc:%s}", neg ? 'P' : 'p', raw);
    } else {
        return wh_regex_fail_at(p, WH_E_INVALID, at,
                                "invalid character class range \"%.*s\" (no such Unicode class)",
                                span_len(p, at, p->i), span(p, at));
    }
    wh_regex_put_c(p, item);
    (*items)++;
    return WH_OK;
}

/* [:alpha:] or [:^alpha:] at p->i inside brackets: Go looks for the first ":]" anywhere after
 * "[:"; without one, '[' is a literal (*found false). */
static enum wh_err
re2_posix_class(struct wh_regex_parser *p, size_t *items, bool *found)
{
    size_t k, end = 0, nm = p->i + 2;
    bool neg;

    *found = false;
    if (wh_regex_peek(p, 0) != '[' || wh_regex_peek(p, 1) != ':' || !wh_regex_has(p, 2))
        return WH_OK;
    for (k = p->i + 2; k + 1 < p->n && end == 0; k++)
        if (p->cp[k] == ':' && p->cp[k + 1] == ']')
            end = k;
    if (end == 0)
        return WH_OK;
    neg = nm < end && p->cp[nm] == '^';
    nm += neg;
    for (k = 0; k < N(posix); k++) {
        size_t len = strlen(posix[k].name), j = 0;
        while (len == end - nm && j < len && p->cp[nm + j] == (uint32_t)posix[k].name[j])
            j++;
        if (len == end - nm && j == len) {
            wh_regex_put_set(p, posix[k].s, neg, items);
            p->i = end + 2;
            *found = true;
            return WH_OK;
        }
    }
    return fail_span(p, p->i, end + 2, "invalid character class range");
}

/* One item of a bracket class at p->i: a POSIX class, \p, \d..., a character or a range. */
static enum wh_err
re2_class_item(struct wh_regex_parser *p, size_t *items)
{
    size_t item_at = p->i;
    struct wh_regex_set s;
    bool neg, found;
    uint32_t lo = 0, hi = 0;
    enum wh_err rc;

    if ((rc = re2_posix_class(p, items, &found)) != WH_OK || found)
        return rc;
    if (wh_regex_peek(p, 0) == '\\' && (wh_regex_peek(p, 1) == 'p' || wh_regex_peek(p, 1) == 'P'))
        return re2_unicode_class(p, true, items);
    if (re2_perl_class(p, &s, &neg)) {
        wh_regex_put_set(p, s, neg, items);
        p->i += 2;
        return WH_OK;
    }
    if ((rc = re2_class_char(p, &lo)) != WH_OK)
        return rc;
    hi = lo;
    /* "[a-]" is 'a' and '-' */
    if (wh_regex_has(p, 1) && wh_regex_peek(p, 0) == '-' && wh_regex_peek(p, 1) != ']') {
        p->i++;
        if ((rc = re2_class_char(p, &hi)) != WH_OK)
            return rc;
        if (hi < lo)
            return fail_span(p, item_at, p->i, "invalid character class range");
    }
    wh_regex_put_range(p, lo, hi, items);
    return WH_OK;
}

/* Closes a class: "]", or, when no item was left (only surrogates), nothing or anything. */
void
wh_regex_close_class(struct wh_regex_parser *p, size_t open, bool neg, size_t items)
{
    if (items > 0 || p->o.full) {
        wh_regex_put_c(p, "]");
        return;
    }
    p->o.len = open;
    if (neg)
        put_any(p);
    else
        wh_regex_put_c(p, "(?!)");
}

/* "[" at p->i (Go parseClass with Perl flags: '-' is fine anywhere). */
static enum wh_err
re2_class(struct wh_regex_parser *p)
{
    size_t at = p->i, items = 0, open = p->o.len;
    bool neg = false, first = true;
    enum wh_err rc;

    p->i++;
    if (wh_regex_peek(p, 0) == '^' && wh_regex_has(p, 0))
        neg = true, p->i++;
    wh_regex_put_c(p, neg ? "[^" : "[");
    while (wh_regex_at_end(p) || wh_regex_peek(p, 0) != ']' ||
           first) { /* "[]a]": a first ']' is a literal */
        if (wh_regex_at_end(p))
            return fail_span(p, at, p->n, "missing closing ]");
        first = false;
        if ((rc = re2_class_item(p, &items)) != WH_OK)
            return rc;
    }
    p->i++;
    wh_regex_close_class(p, open, neg, items);
    return WH_OK;
}

static enum wh_err
re2_name_group(struct wh_regex_parser *p, size_t at, size_t name_at)
{
    size_t k;

    for (k = name_at; k < p->n && p->cp[k] != '>'; k++)
        ;
    if (k >= p->n)
        return fail_span(p, at, p->n, "invalid named capture");
    for (size_t j = name_at; j < k; j++)
        if (!is_alnum(p->cp[j]) && p->cp[j] != '_')
            return fail_span(p, at, k + 1, "invalid named capture");
    if (k == name_at)
        return fail_span(p, at, k + 1, "invalid named capture");
    p->i = k + 1;
    return WH_OK;
}

/* Why "(?x" is not RE2, for the message. */
static const char *
perl_hint(uint32_t c, uint32_t c2)
{
    switch (c) {
    case '=':
    case '!':
        return "lookahead";
    case '<':
        return c2 == '=' || c2 == '!' ? "lookbehind" : "a named group";
    case '>':
        return "an atomic group";
    case '#':
        return "a comment";
    case '|':
        return "a branch reset group";
    case 'C':
        return "a callout";
    case '(':
        return "a conditional";
    case '\'':
        return "a named group";
    case 'P':
        return c2 == '=' ? "a named backreference" : "a named subroutine call";
    case 'R':
    case '&':
    case '+':
        return "recursion";
    case 'x':
    case 'n':
    case 'J':
    case '^':
        return "a flag RE2 lacks (RE2 has i, m, s and U)";
    default:
        return c >= '0' && c <= '9' ? "recursion" : NULL;
    }
}

static bool *
flag_slot(struct wh_regex_flags *fl, uint32_t f)
{
    switch (f) {
    case 'i':
        return &fl->fold;
    case 'm':
        return &fl->multiline;
    case 's':
        return &fl->dotnl;
    case 'U':
        return &fl->ungreedy;
    default:
        return NULL;
    }
}

/*
 * Go parsePerlFlags after "(?" at `at`: [imsU]* ('-' [imsU]+)? then ':' (a group) or ')' (flags
 * only). Sets *fl and *term (':' or ')') and moves p->i past it; anything else is refused, naming
 * the PCRE construct when there is one.
 */
static enum wh_err
re2_perl_flags(struct wh_regex_parser *p, size_t at, struct wh_regex_flags *fl, uint32_t *term)
{
    bool negate = false, saw = false;
    size_t k;

    for (k = at + 2; k < p->n; k++) {
        uint32_t f = p->cp[k];
        bool *slot = flag_slot(fl, f);
        if (slot != NULL) {
            *slot = !negate;
            saw = true;
        } else if (f == '-' && !negate) {
            negate = true;
            saw = false;
        } else if ((f == ':' || f == ')') && (!negate || saw)) {
            *term = f;
            p->i = k + 1;
            return WH_OK;
        } else {
            break;
        }
    }
    {
        const char *hint = perl_hint(wh_regex_peek(p, 2), wh_regex_peek(p, 3));
        size_t end = k < p->n ? k + 1 : p->n;
        if (hint != NULL && k == at + 2)
            return wh_regex_fail_at(
                p, WH_E_INVALID, at,
                "invalid or unsupported Perl syntax \"%.*s\" (%s is not RE2 syntax)",
                span_len(p, at, end), span(p, at), hint);
        return fail_span(p, at, end, "invalid or unsupported Perl syntax");
    }
}

/* The body of a group opened at `at` (its "(?:" written), through ')'; flags restored. */
static enum wh_err
re2_group_body(struct wh_regex_parser *p, size_t at, struct wh_regex_flags saved, uint32_t *weight)
{
    enum wh_err rc;

    if (++p->depth > WH_REGEX_MAX_DEPTH)
        return wh_regex_fail_at(p, WH_E_LIMIT, at, "groups nested more than %d deep",
                                WH_REGEX_MAX_DEPTH);
    if ((rc = wh_regex_parse_alt(p, weight)) != WH_OK)
        return rc;
    if (wh_regex_at_end(p))
        return fail_span(p, at, p->n, "missing closing )");
    p->i++; /* ')' */
    p->depth--;
    p->fl = saved;
    wh_regex_put_c(p, ")");
    return WH_OK;
}

/* "(" at p->i. *kind WH_REGEX_ATOM_NONE for a flags-only "(?i)". Captures only group: nothing
 * refers back. */
static enum wh_err
re2_group(struct wh_regex_parser *p, enum wh_regex_atom *kind, uint32_t *weight)
{
    size_t at = p->i;
    struct wh_regex_flags saved = p->fl, fl = p->fl;
    uint32_t c = wh_regex_peek(p, 2), c2 = wh_regex_peek(p, 3), term = 0;
    enum wh_err rc;

    *kind = WH_REGEX_ATOM_ATOM;
    if (wh_regex_peek(p, 1) != '?' || !wh_regex_has(p, 1)) {
        p->i++;
        wh_regex_put_c(p, "(?:");
        return re2_group_body(p, at, saved, weight);
    }
    if ((c == 'P' && c2 == '<' && wh_regex_has(p, 3)) ||
        (c == '<' && c2 != '=' && c2 != '!' && wh_regex_has(p, 2))) {
        if ((rc = re2_name_group(p, at, p->i + (c == 'P' ? 4 : 3))) != WH_OK)
            return rc;
        wh_regex_put_c(p, "(?:");
        return re2_group_body(p, at, saved, weight);
    }
    if ((rc = re2_perl_flags(p, at, &fl, &term)) != WH_OK)
        return rc;
    p->fl = fl;
    if (term == ')') { /* the flags hold to the end of the enclosing group, as in PCRE2 */
        if (fl.fold != saved.fold)
            wh_regex_put_c(p, fl.fold ? "(?i)" : "(?-i)");
        *kind = WH_REGEX_ATOM_NONE;
        return WH_OK;
    }
    wh_regex_put_c(p, "(?:");
    if (fl.fold != saved.fold)
        wh_regex_put_c(p, fl.fold ? "(?i)" : "(?-i)");
    return re2_group_body(p, at, saved, weight);
}

/* \Q...\E at p->i: literals up to the first \E (or the end); the last one is the atom. */
static void
re2_quoted(struct wh_regex_parser *p, enum wh_regex_atom *kind, size_t *start)
{
    size_t k = p->i + 2;

    *kind = WH_REGEX_ATOM_NONE;
    while (k < p->n && !(p->cp[k] == '\\' && k + 1 < p->n && p->cp[k + 1] == 'E')) {
        *start = p->o.len;
        *kind = WH_REGEX_ATOM_ATOM;
        wh_regex_put_literal(p, p->cp[k++]);
    }
    p->i = k < p->n ? k + 2 : k;
}

/* A backslash at p->i outside brackets: an assertion, \Q..\E, a class or one character. */
static enum wh_err
re2_escape_atom(struct wh_regex_parser *p, enum wh_regex_atom *kind, size_t *start)
{
    uint32_t c = wh_regex_peek(p, 1), lit = 0;
    size_t items = 0;
    struct wh_regex_set s;
    bool neg;
    enum wh_err rc;

    if (wh_regex_has(p, 1) && (c == 'A' || c == 'z' || c == 'b' || c == 'B')) {
        *kind = WH_REGEX_ATOM_ASSERT;
        wh_regex_put_c(p, c == 'A' ? "\\A" : c == 'z' ? "\\z" : c == 'b' ? "\\b" : "\\B");
        p->i += 2;
        return WH_OK;
    }
    if (wh_regex_has(p, 1) && c == 'Q') {
        re2_quoted(p, kind, start);
        return WH_OK;
    }
    if (wh_regex_has(p, 1) && (c == 'p' || c == 'P'))
        return re2_unicode_class(p, false, &items);
    if (re2_perl_class(p, &s, &neg)) {
        wh_regex_put_set_class(p, s, neg);
        p->i += 2;
        return WH_OK;
    }
    p->i++;
    if ((rc = re2_escape(p, &lit)) != WH_OK)
        return rc;
    wh_regex_put_literal(p, lit);
    return WH_OK;
}

/* One atom at p->i. *start is where its PCRE2 text begins (a quantifier wraps from there). */
static enum wh_err
re2_atom(struct wh_regex_parser *p, enum wh_regex_atom *kind, size_t *start, uint32_t *weight)
{
    size_t at = p->i, end;
    uint32_t c = wh_regex_peek(p, 0);
    long min, max;

    *kind = WH_REGEX_ATOM_ATOM;
    *start = p->o.len;
    *weight = 1;
    switch (c) {
    case '(':
        return re2_group(p, kind, weight);
    case '[':
        return re2_class(p);
    case '.':
        p->i++;
        if (p->fl.dotnl)
            put_any(p);
        else
            wh_regex_put_c(p, "[^\\x{a}]");
        return WH_OK;
    case '^':
    case '$':
        p->i++;
        *kind = WH_REGEX_ATOM_ASSERT;
        if (c == '^')
            wh_regex_put_c(p, p->fl.multiline ? "(?<![^\\x{a}])" : "\\A");
        else
            wh_regex_put_c(p, p->fl.multiline ? "(?![^\\x{a}])" : "\\z");
        return WH_OK;
    case '*':
    case '+':
    case '?':
        return fail_span(p, at, at + 1, "missing argument to repetition operator");
    case '\\':
        return re2_escape_atom(p, kind, start);
    default:
        if (c == '{' && re2_repeat(p, at, &min, &max, &end))
            return fail_span(p, at, end, "missing argument to repetition operator");
        wh_regex_put_literal(p, p->cp[p->i++]);
        return WH_OK;
    }
}

/* A quantifier at p->i (Go: * + ? {n} {n,} {n,m}; a '{' that is not one is a literal): its
 * bounds (max -1 unbounded) and end; false when there is none. */
static bool
re2_quantifier(const struct wh_regex_parser *p, long *min, long *max, size_t *end)
{
    size_t q = p->i;

    if (wh_regex_at_end(p))
        return false;
    switch (wh_regex_peek(p, 0)) {
    case '*':
        *min = 0, *max = -1, *end = q + 1;
        return true;
    case '+':
        *min = 1, *max = -1, *end = q + 1;
        return true;
    case '?':
        *min = 0, *max = 1, *end = q + 1;
        return true;
    default:
        return re2_repeat(p, q, min, max, end);
    }
}

/* Go repeatIsValid: the counts of nested {n,m} multiply to at most 1000 ({0} cuts the product;
 * * + ? do not count). Updates *weight, the largest product inside the atom. */
static enum wh_err
re2_repeat_weight(struct wh_regex_parser *p, size_t q, size_t end, long min, long max,
                  uint32_t *weight)
{
    long m = max < 0 ? min : max;

    if (p->cp[q] != '{')
        return WH_OK;
    if (m == 0) {
        *weight = 1;
        return WH_OK;
    }
    if ((min >= 2 || max >= 2) && (uint64_t)m * *weight > WH_REGEX_RE2_MAX_REPEAT)
        return fail_span(p, q, end, "invalid repeat count (nested repeats over 1000)");
    *weight = (uint64_t)m * *weight > WH_REGEX_RE2_MAX_REPEAT + 1 ? WH_REGEX_RE2_MAX_REPEAT + 1
                                                                  : (uint32_t)m * *weight;
    return WH_OK;
}

/* Writes the quantifier {min,max} (max < 0: unbounded) for the atom written from `start`,
 * wrapping it in (?:...) unless it is a single item. */
void
wh_regex_put_quantifier(struct wh_regex_parser *p, size_t start, uint64_t min, uint64_t max,
                        bool bounded, bool lazy)
{
    char buf[64];
    bool wrap = !is_single_item(p, start);

    if (wrap)
        insert(p, start, "(?:");
    if (!bounded)
        snprintf(buf, sizeof(buf), "%s{%llu,}%s", wrap ? ")" : "", (unsigned long long)min,
                 lazy ? "?" : "");
    else
        snprintf(buf, sizeof(buf), "%s{%llu,%llu}%s", wrap ? ")" : "", (unsigned long long)min,
                 (unsigned long long)max, lazy ? "?" : "");
    wh_regex_put_c(p, buf);
}

static enum wh_err
re2_term(struct wh_regex_parser *p, uint32_t *weight)
{
    enum wh_regex_atom kind;
    size_t start, q, end, end2;
    long min, max, min2, max2;
    bool lazy;
    enum wh_err rc = re2_atom(p, &kind, &start, weight);

    if (rc != WH_OK)
        return rc;
    q = p->i;
    if (!re2_quantifier(p, &min, &max, &end))
        return WH_OK;
    if (kind == WH_REGEX_ATOM_NONE)
        return fail_span(p, q, end, "missing argument to repetition operator");
    if (p->cp[q] == '{' && (min < 0 || min > WH_REGEX_RE2_MAX_REPEAT ||
                            max > WH_REGEX_RE2_MAX_REPEAT || (max >= 0 && min > max)))
        return fail_span(p, q, end, "invalid repeat count");
    p->i = end;
    lazy = !wh_regex_at_end(p) && wh_regex_peek(p, 0) == '?';
    p->i += lazy;
    /* Go: "a**" is an error, not a doubled star (and "a++" would be possessive in PCRE) */
    if (re2_quantifier(p, &min2, &max2, &end2))
        return fail_span(p, q, end2, "invalid nested repetition operator");
    if ((rc = re2_repeat_weight(p, q, end, min, max, weight)) != WH_OK)
        return rc;
    wh_regex_put_quantifier(p, start, (uint64_t)min, max < 0 ? 0 : (uint64_t)max, max >= 0,
                            lazy != p->fl.ungreedy);
    return WH_OK;
}

/* ==== both ==== */

enum wh_err
wh_regex_parse_alt(struct wh_regex_parser *p, uint32_t *weight)
{
    enum wh_err rc;

    *weight = 1;
    for (;;) {
        while (!wh_regex_at_end(p) && wh_regex_peek(p, 0) != '|' && wh_regex_peek(p, 0) != ')') {
            uint32_t w = 1;
            rc = p->term(p, &w);
            if (rc != WH_OK)
                return rc;
            if (w > *weight)
                *weight = w;
        }
        if (wh_regex_at_end(p) || wh_regex_peek(p, 0) != '|')
            return WH_OK;
        wh_regex_put_c(p, "|");
        p->i++;
    }
}

/* Decodes src into code points; invalid UTF-8 is an error naming its offset. */
static enum wh_err
decode(struct wh_regex_parser *p)
{
    const unsigned char *s = (const unsigned char *)p->src.ptr;
    size_t pos = 0;

    p->cp = calloc(p->src.len + 1, sizeof(*p->cp));
    p->off = calloc(p->src.len + 1, sizeof(*p->off));
    if (p->cp == NULL || p->off == NULL)
        wh_oom();
    p->n = 0;
    while (pos < p->src.len) {
        uint32_t c;
        size_t len = wh_utf8_next(s + pos, p->src.len - pos, &c);
        if (len == 0)
            return src_error(p->d, true, p->src, p->err, WH_E_INVALID,
                             "invalid UTF-8 at offset %zu", pos);
        p->cp[p->n] = c;
        p->off[p->n++] = pos;
        pos += len;
    }
    p->off[p->n] = pos;
    return WH_OK;
}

static enum wh_err
translate(struct wh_regex_parser *p)
{
    uint32_t weight;
    enum wh_err rc;

    if ((rc = decode(p)) != WH_OK)
        return rc;
    if ((rc = wh_regex_parse_alt(p, &weight)) != WH_OK)
        return rc;
    if (!wh_regex_at_end(p)) /* a ')' with no group open */
        return p->d == WH_REGEX_RE2 ? fail_span(p, p->i, p->i + 1, "unexpected")
                                    : wh_regex_fail_at(p, WH_E_INVALID, p->i, "unmatched )");
    put(p, "", 0);
    if (p->o.full)
        return src_error(p->d, true, p->src, p->err, WH_E_LIMIT, "too large once translated");
    return WH_OK;
}

static void
release(struct wh_regex_parser *p)
{
    free(p->cp);
    free(p->off);
    free(p->o.p);
}

static char *
dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);

    if (d == NULL)
        wh_oom();
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

enum wh_err
wh_regex_compile(enum wh_regex_dialect d, wh_regex_term_fn *term, struct wh_str src,
                 struct wh_regex **out, struct wh_error *err)
{
    struct wh_regex_parser p = {.d = d, .src = src, .err = err, .term = term};
    struct wh_regex *re;
    pcre2_compile_context *cc;
    PCRE2_SIZE at;
    int code;
    uint32_t opts = PCRE2_UTF | PCRE2_NO_UTF_CHECK | PCRE2_NEVER_UCP | PCRE2_NEVER_BACKSLASH_C |
                    PCRE2_NO_AUTO_CAPTURE | PCRE2_DOLLAR_ENDONLY;
    enum wh_err rc;

    *out = NULL;
    if (src.len > WH_REGEX_MAX_SOURCE)
        return src_error(d, true, src, err, WH_E_LIMIT, "longer than %d bytes",
                         WH_REGEX_MAX_SOURCE);
    if ((rc = translate(&p)) != WH_OK) {
        release(&p);
        return rc;
    }
    /* RE2 identities match the whole value: the engine anchors the compiled pattern at both
     * ends, so nothing in the source can reopen an alternative past the anchors. */
    if (d == WH_REGEX_RE2)
        opts |= PCRE2_ANCHORED | PCRE2_ENDANCHORED;
    cc = pcre2_compile_context_create(NULL);
    if (cc == NULL)
        wh_oom();
    pcre2_set_newline(cc, PCRE2_NEWLINE_LF);
    pcre2_set_parens_nest_limit(cc, 4 * WH_REGEX_MAX_DEPTH + 16);
    re = calloc(1, sizeof(*re));
    if (re == NULL)
        wh_oom();
    re->dialect = d;
    re->code = pcre2_compile((PCRE2_SPTR)p.o.p, p.o.len, opts, &code, &at, cc);
    pcre2_compile_context_free(cc);
    if (re->code == NULL) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(code, msg, sizeof(msg));
        /* 120: "regular expression is too large"; the translation itself is well-formed */
        rc =
            src_error(d, true, src, err, code == 120 ? WH_E_LIMIT : WH_E_INTERNAL, "%s (PCRE2: %s)",
                      code == 120 ? "too large to compile" : "not compiled", (const char *)msg);
        release(&p);
        free(re);
        return rc;
    }
    /* Without JIT (unsupported, or no executable memory) the interpreter matches instead. */
    re->jit = pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE) == 0;
    re->source = dup_n(src.ptr, src.len);
    re->source_len = src.len;
    re->pcre = p.o.p;
    p.o.p = NULL;
    if (d == WH_REGEX_RE2) { /* for display: a NUL in the source ends it there */
        re->effective = malloc(src.len + 8);
        if (re->effective == NULL)
            wh_oom();
        snprintf(re->effective, src.len + 8, "^(?:%.*s)$", (int)src.len, src.ptr);
    } else {
        re->effective = dup_n(src.ptr, src.len);
    }
    release(&p);
    *out = re;
    return WH_OK;
}

/* The request path's dialect; ECMAScript patterns are compiled by lint/pattern.c. */
enum wh_err
wh_regex_new(enum wh_regex_dialect d, struct wh_str src, struct wh_regex **out,
             struct wh_error *err)
{
    *out = NULL;
    if (WH_NEVER(d != WH_REGEX_RE2))
        return wh_error_set(err, WH_E_INTERNAL,
                            "wh_regex_new compiles RE2 only (ECMAScript: wh_lint_pattern_new)");
    return wh_regex_compile(d, re2_term, src, out, err);
}

void
wh_regex_free(struct wh_regex *re)
{
    if (re == NULL)
        return;
    pcre2_code_free(re->code);
    free(re->source);
    free(re->effective);
    free(re->pcre);
    free(re);
}

const char *
wh_regex_source(const struct wh_regex *re)
{
    return re->source;
}

const char *
wh_regex_effective(const struct wh_regex *re)
{
    return re->effective;
}

const char *
wh_regex_pcre2(const struct wh_regex *re)
{
    return re->pcre;
}

/* ---- matching ---- */

/* Per thread: match data for one pair (only match/no match is used) and a JIT stack. */
struct tls {
    pcre2_match_data *md;
    pcre2_jit_stack *jit;
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_key_t tls_key;
static pcre2_match_context *mctx_jit, *mctx_interpreter;
static _Thread_local struct tls *tls;

static void
tls_free(void *obj)
{
    struct tls *t = obj;

    pcre2_match_data_free(t->md);
    pcre2_jit_stack_free(t->jit);
    free(t);
}

static pcre2_jit_stack *
jit_stack(void *data)
{
    (void)data;
    return tls->jit;
}

/* Shared, read-only match contexts: the limits, and (JIT) the calling thread's JIT stack. */
static void
init_once(void)
{
    if (pthread_key_create(&tls_key, tls_free) != 0)
        wh_oom();
    mctx_jit = pcre2_match_context_create(NULL);
    mctx_interpreter = pcre2_match_context_create(NULL);
    if (mctx_jit == NULL || mctx_interpreter == NULL)
        wh_oom();
    pcre2_set_match_limit(mctx_jit, MATCH_LIMIT_JIT);
    pcre2_jit_stack_assign(mctx_jit, jit_stack, NULL);
    pcre2_set_match_limit(mctx_interpreter, MATCH_LIMIT_INTERPRETER);
    pcre2_set_depth_limit(mctx_interpreter, DEPTH_LIMIT);
    pcre2_set_heap_limit(mctx_interpreter, HEAP_LIMIT_KIB);
}

static struct tls *
thread_state(void)
{
    pthread_once(&once, init_once);
    if (tls == NULL) {
        tls = calloc(1, sizeof(*tls));
        if (tls == NULL)
            wh_oom();
        tls->md = pcre2_match_data_create(1, NULL);
        tls->jit = pcre2_jit_stack_create(JIT_STACK_START, JIT_STACK_MAX, NULL);
        if (tls->md == NULL || tls->jit == NULL)
            wh_oom();
        if (pthread_setspecific(tls_key, tls) != 0)
            wh_oom();
    }
    return tls;
}

/* The subject with each byte that does not start a valid UTF-8 sequence as U+FFFD, or NULL
 * when it is valid as it is. */
static char *
repair_utf8(struct wh_str s, size_t *len)
{
    const unsigned char *b = (const unsigned char *)s.ptr;
    size_t pos = 0, k = 0;
    char *out = NULL;

    while (pos < s.len) {
        size_t n = b[pos] < 0x80 ? 1 : wh_utf8_next(b + pos, s.len - pos, NULL);
        if (n == 0 && out == NULL) {
            out = malloc(s.len * 3 + 1);
            if (out == NULL)
                wh_oom();
            memcpy(out, s.ptr, pos);
            k = pos;
        }
        if (n == 0) { /* U+FFFD */
            out[k++] = (char)0xef;
            out[k++] = (char)0xbf;
            out[k++] = (char)0xbd;
            pos++;
            continue;
        }
        if (out != NULL)
            memcpy(out + k, b + pos, n);
        k += n;
        pos += n;
    }
    *len = k;
    return out;
}

enum wh_err
wh_regex_match(const struct wh_regex *re, struct wh_str subject, bool *matched,
               struct wh_error *err)
{
    struct tls *t = thread_state();
    size_t len = subject.len;
    char *fixed = repair_utf8(subject, &len);
    const char *s = fixed != NULL ? fixed : subject.ptr;
    PCRE2_UCHAR msg[120];
    int rc;

    rc = pcre2_match(re->code, (PCRE2_SPTR)(s != NULL ? s : ""), len, 0, PCRE2_NO_UTF_CHECK, t->md,
                     re->jit ? mctx_jit : mctx_interpreter);
    free(fixed);
    if (rc >= 0 || rc == PCRE2_ERROR_NOMATCH) {
        *matched = rc >= 0; /* 0: a match whose groups did not fit the match data */
        return WH_OK;
    }
    pcre2_get_error_message(rc, msg, sizeof(msg));
    if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
        rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT ||
        rc == PCRE2_ERROR_NOMEMORY)
        return src_error(re->dialect, false, (struct wh_str){re->source, re->source_len}, err,
                         WH_E_LIMIT, "matching a value of %zu bytes exceeded PCRE2's bound (%s)",
                         subject.len, (const char *)msg);
    return src_error(re->dialect, false, (struct wh_str){re->source, re->source_len}, err,
                     WH_E_INTERNAL, "PCRE2 match failed: %s", (const char *)msg);
}
