/*
 * ECMAScript patterns (JSON Schema `pattern`, i.e. `new RegExp(src, "u")`) for policy lint: the
 * u-mode grammar with lookahead, translated to PCRE2 by base/regex.c's writers and matched as a
 * search. Refused, naming the feature: backreferences, named groups, lookbehind and \p{..}. Only
 * cli/ reaches lint/, so the request path links none of this (tests/lint/check-closure.sh).
 */
#include "lint/pattern.h"

#include <stdbool.h>
#include <stdint.h>

#include "base/regex_syntax.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ECMA-262 WhiteSpace (TAB VT FF ZWNBSP and Zs) plus LineTerminator (LF CR LS PS). */
static const struct wh_regex_range digit_r[] = {{'0', '9'}};
static const struct wh_regex_range word_r[] = {{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}};
static const struct wh_regex_range ecma_space_r[] = {
    {0x09, 0x0d},     {0x20, 0x20},     {0xa0, 0xa0},     {0x1680, 0x1680}, {0x2000, 0x200a},
    {0x2028, 0x2029}, {0x202f, 0x202f}, {0x205f, 0x205f}, {0x3000, 0x3000}, {0xfeff, 0xfeff}};

/* Exactly `count` hex digits at p->i into *out; false (nothing consumed) otherwise. */
static bool
read_hex(struct wh_regex_parser *p, int count, uint32_t *out)
{
    uint32_t v = 0;

    for (int k = 0; k < count; k++) {
        if (!wh_regex_has(p, (size_t)k) || wh_regex_hex_value(wh_regex_peek(p, (size_t)k)) < 0)
            return false;
        v = v << 4 | (uint32_t)wh_regex_hex_value(wh_regex_peek(p, (size_t)k));
    }
    p->i += (size_t)count;
    *out = v;
    return true;
}

/* After "\u": HHHH (a lead+trail surrogate pair of escapes is one code point) or {H...}. */
static enum wh_err
ecma_unicode_escape(struct wh_regex_parser *p, size_t at, uint32_t *out)
{
    uint32_t v = 0, trail;

    if (wh_regex_peek(p, 0) == '{' && wh_regex_has(p, 0)) {
        size_t digits = 0;
        p->i++;
        while (wh_regex_has(p, 0) && wh_regex_hex_value(wh_regex_peek(p, 0)) >= 0 && v <= 0x10ffff)
            v = v << 4 | (uint32_t)wh_regex_hex_value(wh_regex_peek(p, 0)), p->i++, digits++;
        if (digits == 0 || v > 0x10ffff || wh_regex_peek(p, 0) != '}' || wh_regex_at_end(p))
            return wh_regex_fail_at(p, WH_E_INVALID, at, "invalid \\u{...} escape");
        p->i++;
        *out = v;
        return WH_OK;
    }
    if (!read_hex(p, 4, &v))
        return wh_regex_fail_at(p, WH_E_INVALID, at, "invalid \\u escape");
    if (v >= 0xd800 && v <= 0xdbff && wh_regex_peek(p, 0) == '\\' && wh_regex_peek(p, 1) == 'u') {
        size_t save = p->i;
        p->i += 2;
        if (read_hex(p, 4, &trail) && trail >= 0xdc00 && trail <= 0xdfff)
            v = 0x10000 + ((v - 0xd800) << 10) + (trail - 0xdc00);
        else
            p->i = save;
    }
    *out = v;
    return WH_OK;
}

static bool
is_syntax_char(uint32_t c)
{
    return c != 0 && c < 0x80 && strchr("^$\\.*+?()[]{}|/", (int)c) != NULL;
}

/*
 * One escape after '\' (already consumed), shared by atoms and classes. Sets *set for \d \D \w \W
 * \s \S (with *neg), else *cp. \b, \B and [\b] are the caller's.
 */
static enum wh_err
ecma_escape(struct wh_regex_parser *p, bool in_class, uint32_t *cp, const struct wh_regex_set **set,
            bool *neg)
{
    static const struct wh_regex_set sets[] = {
        {digit_r, N(digit_r)}, {word_r, N(word_r)}, {ecma_space_r, N(ecma_space_r)}};
    static const char letters[] = "dwstnvfr";
    uint32_t c = wh_regex_peek(p, 0);
    size_t at = p->i - 1; /* the backslash */
    const char *hit = c != 0 && c < 0x80 ? strchr(letters, (int)(c | 0x20)) : NULL;

    *set = NULL;
    if (wh_regex_at_end(p))
        return wh_regex_fail_at(p, WH_E_INVALID, at, "\\ at end of pattern");
    p->i++;
    if (hit != NULL && hit - letters < 3) { /* \d \w \s; upper case is the complement */
        *set = &sets[hit - letters], *neg = c < 'a';
        return WH_OK;
    }
    if (hit != NULL && c >= 'a') {
        *cp = (uint32_t) "\t\n\v\f\r"[hit - letters - 3];
        return WH_OK;
    }
    switch (c) {
    case '0':
        if (wh_regex_peek(p, 0) >= '0' && wh_regex_peek(p, 0) <= '9' && wh_regex_has(p, 0))
            return wh_regex_fail_at(p, WH_E_INVALID, at,
                                    "invalid decimal escape (octal escapes are not allowed)");
        *cp = 0;
        return WH_OK;
    case 'c':
        if ((wh_regex_peek(p, 0) | 0x20) < 'a' || (wh_regex_peek(p, 0) | 0x20) > 'z' ||
            wh_regex_at_end(p))
            return wh_regex_fail_at(p, WH_E_INVALID, at, "invalid \\c escape (needs a letter)");
        *cp = wh_regex_peek(p, 0) % 32;
        p->i++;
        return WH_OK;
    case 'x':
        return read_hex(p, 2, cp) ? WH_OK
                                  : wh_regex_fail_at(p, WH_E_INVALID, at, "invalid \\x escape");
    case 'u':
        return ecma_unicode_escape(p, at, cp);
    case 'k':
        return wh_regex_fail_at(p, WH_E_INVALID, at, "named backreference \\k is not supported");
    case 'p':
    case 'P':
        return wh_regex_fail_at(p, WH_E_INVALID, at, "unicode property escape is not supported");
    }
    if (c >= '1' && c <= '9')
        return wh_regex_fail_at(p, WH_E_INVALID, at,
                                in_class ? "invalid class escape"
                                         : "backreference is not supported");
    if (is_syntax_char(c) || (in_class && c == '-')) {
        *cp = c;
        return WH_OK;
    }
    return wh_regex_fail_at(p, WH_E_INVALID, at,
                            in_class ? "invalid class escape" : "invalid escape");
}

/* One class atom: a code point (*set NULL) or a builtin set. */
static enum wh_err
ecma_class_atom(struct wh_regex_parser *p, uint32_t *cp, const struct wh_regex_set **set, bool *neg)
{
    *set = NULL;
    if (wh_regex_at_end(p))
        return wh_regex_fail_at(p, WH_E_INVALID, p->i, "unterminated character class");
    if (wh_regex_peek(p, 0) != '\\') {
        *cp = p->cp[p->i++];
        return WH_OK;
    }
    p->i++;
    if (wh_regex_peek(p, 0) == 'b' && wh_regex_has(p, 0)) {
        p->i++;
        *cp = '\b';
        return WH_OK;
    }
    return ecma_escape(p, true, cp, set, neg);
}

/* One class item at p->i: a character, a range or a builtin set. */
static enum wh_err
ecma_class_item(struct wh_regex_parser *p, size_t *items)
{
    size_t at = p->i;
    uint32_t lo = 0, hi = 0;
    const struct wh_regex_set *set = NULL, *set2 = NULL;
    bool sneg = false, sneg2 = false;
    enum wh_err rc;

    if ((rc = ecma_class_atom(p, &lo, &set, &sneg)) != WH_OK)
        return rc;
    if (wh_regex_peek(p, 0) != '-' || p->i + 1 >= p->n || wh_regex_peek(p, 1) == ']') {
        if (set != NULL)
            wh_regex_put_set(p, *set, sneg, items);
        else
            wh_regex_put_range(p, lo, lo, items);
        return WH_OK;
    }
    p->i++;
    if ((rc = ecma_class_atom(p, &hi, &set2, &sneg2)) != WH_OK)
        return rc;
    if (set != NULL || set2 != NULL)
        return wh_regex_fail_at(p, WH_E_INVALID, at, "character class escape in a range");
    if (lo > hi)
        return wh_regex_fail_at(p, WH_E_INVALID, at, "range out of order in character class");
    wh_regex_put_range(p, lo, hi, items);
    return WH_OK;
}

/* "[" at p->i. [] never matches; [^] matches any code point. */
static enum wh_err
ecma_class(struct wh_regex_parser *p)
{
    size_t items = 0, open = p->o.len;
    bool neg = false;
    enum wh_err rc;

    p->i++; /* '[' */
    if (wh_regex_peek(p, 0) == '^' && wh_regex_has(p, 0))
        neg = true, p->i++;
    wh_regex_put_c(p, neg ? "[^" : "[");
    while (wh_regex_at_end(p) || wh_regex_peek(p, 0) != ']')
        if ((rc = ecma_class_item(p, &items)) != WH_OK)
            return rc;
    p->i++; /* ']' */
    wh_regex_close_class(p, open, neg, items);
    return WH_OK;
}

/* "(" at p->i: a group or lookahead. */
static enum wh_err
ecma_group(struct wh_regex_parser *p, enum wh_regex_atom *kind)
{
    size_t at = p->i;
    uint32_t weight;
    enum wh_err rc;

    *kind = WH_REGEX_ATOM_ATOM;
    if (++p->depth > WH_REGEX_MAX_DEPTH)
        return wh_regex_fail_at(p, WH_E_LIMIT, at, "groups nested too deeply (more than %d)",
                                WH_REGEX_MAX_DEPTH);
    p->i++;
    if (wh_regex_peek(p, 0) == '?' && wh_regex_has(p, 0)) {
        uint32_t c = wh_regex_peek(p, 1), c2 = wh_regex_peek(p, 2);
        if ((c == '=' || c == '!') && wh_regex_has(p, 1)) {
            *kind = WH_REGEX_ATOM_LOOK;
            wh_regex_put_c(p, c == '=' ? "(?=" : "(?!");
            p->i += 2;
        } else if (c == '<' && (c2 == '=' || c2 == '!') && wh_regex_has(p, 2)) {
            return wh_regex_fail_at(p, WH_E_INVALID, at, "lookbehind is not supported");
        } else if (c == '<' && wh_regex_has(p, 1)) {
            return wh_regex_fail_at(p, WH_E_INVALID, at, "named group is not supported");
        } else if (c != ':' || !wh_regex_has(p, 1)) {
            return wh_regex_fail_at(p, WH_E_INVALID, at,
                                    "invalid group (modifier groups are not supported)");
        } else {
            wh_regex_put_c(p, "(?:");
            p->i += 2;
        }
    } else {
        wh_regex_put_c(p, "(?:");
    }
    if ((rc = wh_regex_parse_alt(p, &weight)) != WH_OK)
        return rc;
    if (wh_regex_at_end(p) || wh_regex_peek(p, 0) != ')')
        return wh_regex_fail_at(p, WH_E_INVALID, at, "unterminated group");
    p->i++;
    p->depth--;
    wh_regex_put_c(p, ")");
    return WH_OK;
}

/* {n}, {n,} or {n,m} at p->i (leading zeros allowed, values capped); false if it is not one. */
static bool
ecma_braces(const struct wh_regex_parser *p, uint64_t *min, uint64_t *max, size_t *end)
{
    size_t k = p->i + 1, start;
    uint64_t v[2] = {0, 0};
    int which = 0;

    for (;;) {
        start = k;
        while (k < p->n && p->cp[k] >= '0' && p->cp[k] <= '9') {
            v[which] = v[which] * 10 + (p->cp[k++] - '0');
            if (v[which] > 1000000000000ULL)
                v[which] = 1000000000000ULL;
        }
        if (k == start && !(which == 1 && k < p->n && p->cp[k] == '}'))
            return false;
        if (k == start)
            v[1] = UINT64_MAX;
        if (which == 0 && k < p->n && p->cp[k] == ',') {
            which = 1, k++;
            continue;
        }
        break;
    }
    if (k >= p->n || p->cp[k] != '}')
        return false;
    *min = v[0];
    *max = which == 0 ? v[0] : v[1];
    *end = k + 1;
    return true;
}

/* A backslash at p->i outside brackets (\b and \B are the caller's): a class or a character. */
static enum wh_err
ecma_escape_atom(struct wh_regex_parser *p)
{
    uint32_t cp = 0;
    const struct wh_regex_set *set = NULL;
    bool neg = false;
    enum wh_err rc;

    p->i++;
    if ((rc = ecma_escape(p, false, &cp, &set, &neg)) != WH_OK)
        return rc;
    if (set != NULL)
        wh_regex_put_set_class(p, *set, neg);
    else
        wh_regex_put_literal(p, cp);
    return WH_OK;
}

/* ^ $ \b \B at p->i: written (u-mode without the m flag: ^ and $ are the input's ends). */
static bool
ecma_assertion(struct wh_regex_parser *p)
{
    uint32_t c = wh_regex_peek(p, 0), c1 = wh_regex_peek(p, 1);

    if (c == '^' || c == '$') {
        wh_regex_put_c(p, c == '^' ? "\\A" : "\\z");
        p->i++;
        return true;
    }
    if (c == '\\' && (c1 == 'b' || c1 == 'B')) {
        wh_regex_put_c(p, c1 == 'b' ? "\\b" : "\\B");
        p->i += 2;
        return true;
    }
    return false;
}

/* One atom at p->i (u-mode grammar); *kind says whether it is an assertion. */
static enum wh_err
ecma_atom(struct wh_regex_parser *p, enum wh_regex_atom *kind)
{
    size_t at = p->i, end;
    uint32_t c = wh_regex_peek(p, 0);
    uint64_t min, max;

    if (ecma_assertion(p)) {
        *kind = WH_REGEX_ATOM_ASSERT;
        return WH_OK;
    }
    if (c == '(')
        return ecma_group(p, kind);
    if (c == '[')
        return ecma_class(p);
    if (c == '.') {
        wh_regex_put_c(p, "[^\\x{a}\\x{d}\\x{2028}\\x{2029}]");
        p->i++;
        return WH_OK;
    }
    if (c == '*' || c == '+' || c == '?' || (c == '{' && ecma_braces(p, &min, &max, &end)))
        return wh_regex_fail_at(p, WH_E_INVALID, at, "nothing to repeat");
    if (c == '{' || c == '}' || c == ']')
        return wh_regex_fail_at(p, WH_E_INVALID, at,
                                c == ']' ? "lone ]" : "lone quantifier bracket");
    if (c != '\\') {
        wh_regex_put_literal(p, p->cp[p->i++]);
        return WH_OK;
    }
    return ecma_escape_atom(p);
}

/* The dialect's term parser (base/regex_syntax.h); ECMAScript has no repeat-count bound, so
 * *weight stays 1. */
static enum wh_err
ecma_term(struct wh_regex_parser *p, uint32_t *weight)
{
    size_t start = p->o.len, at, end;
    uint64_t min, max;
    enum wh_regex_atom kind = WH_REGEX_ATOM_ATOM;
    bool lazy;
    uint32_t c;
    enum wh_err rc = ecma_atom(p, &kind);

    (void)weight;
    if (rc != WH_OK)
        return rc;
    c = wh_regex_peek(p, 0);
    if (wh_regex_at_end(p) || (c != '*' && c != '+' && c != '?' && c != '{'))
        return WH_OK;
    at = p->i;
    if (kind == WH_REGEX_ATOM_ASSERT || kind == WH_REGEX_ATOM_LOOK)
        return wh_regex_fail_at(p, WH_E_INVALID, at, "an assertion cannot be repeated");
    if (c == '{') {
        if (!ecma_braces(p, &min, &max, &end))
            return wh_regex_fail_at(p, WH_E_INVALID, at, "incomplete quantifier");
        if (min > max)
            return wh_regex_fail_at(p, WH_E_INVALID, at, "numbers out of order in {} quantifier");
        if (min > WH_REGEX_PCRE2_MAX_REPEAT ||
            (max != UINT64_MAX && max > WH_REGEX_PCRE2_MAX_REPEAT))
            return wh_regex_fail_at(p, WH_E_LIMIT, at, "repeat count over %u",
                                    WH_REGEX_PCRE2_MAX_REPEAT);
        p->i = end;
    } else {
        min = c == '+', max = c == '?' ? 1 : UINT64_MAX;
        p->i++;
    }
    lazy = !wh_regex_at_end(p) && wh_regex_peek(p, 0) == '?';
    p->i += lazy;
    wh_regex_put_quantifier(p, start, min, max, max != UINT64_MAX, lazy);
    return WH_OK;
}

enum wh_err
wh_lint_pattern_new(struct wh_str src, struct wh_regex **out, struct wh_error *err)
{
    return wh_regex_compile(WH_REGEX_ECMASCRIPT, ecma_term, src, out, err);
}
