/*
 * ECMAScript (u-flag) regular expressions for JSON Schema `pattern`: a recursive-descent parser
 * builds a small tree, which is checked (no loop over an empty-matching body) and compiled into a
 * program for a backtracking VM. The VM keeps its backtrack stack on the heap, so only lookahead
 * nesting (bounded by group nesting) ever recurses.
 */
#include "policy/pattern.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INF UINT32_MAX
#define MAX_DEPTH 64 /* group nesting; bounds parser, compiler and lookahead recursion */
#define SRC_SHOWN 100

struct range {
    uint32_t lo, hi;
};

struct cls {
    const struct range *r;
    uint32_t n;
};

enum op {
    OP_CHAR,    /* x: code point */
    OP_ANY,     /* any code point except a line terminator */
    OP_CLASS,   /* x: class index; neg: complement */
    OP_REPEAT1, /* greedy x..y copies of the single-character insn that follows */
    OP_SPLIT,   /* try x, on failure y */
    OP_JMP,     /* x */
    OP_BOL,
    OP_EOL,
    OP_WORDB,
    OP_NWORDB,
    OP_LOOK,   /* lookahead body follows, ends in OP_LMATCH; neg: negative; x: continuation */
    OP_LMATCH, /* end of a lookahead body */
    OP_MATCH,
};

struct insn {
    uint8_t op;
    uint8_t neg;
    uint32_t x, y;
};

struct wh_policy_pattern {
    struct wh_str src;
    const struct insn *code;
    const struct cls *cls;
};

enum kind { K_EMPTY, K_CHAR, K_ANY, K_CLASS, K_CAT, K_ALT, K_REPEAT, K_ASSERT, K_LOOK };

struct node {
    enum kind kind;
    struct node *kid, *next; /* children of CAT/ALT, body of REPEAT/LOOK */
    uint32_t cp;             /* CHAR: code point; CLASS: class index; ASSERT: op */
    uint32_t min, max;       /* REPEAT */
    bool neg, greedy;
    size_t at; /* byte offset, for messages */
};

struct parser {
    struct wh_str src;
    uint32_t *cp; /* source code points, then 0 */
    size_t *off;  /* byte offset of each, off[n] = src.len */
    size_t n, i;
    int depth;
    struct wh_arena *a;
    struct cls *cls;
    uint32_t ncls, cls_alloc;
    struct wh_error *err;
};

static const struct range digit_r[] = {{'0', '9'}};
static const struct range word_r[] = {{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}};
/* ECMA-262 WhiteSpace (TAB VT FF ZWNBSP and Zs) plus LineTerminator (LF CR LS PS). */
static const struct range space_r[] = {
    {0x09, 0x0d},     {0x20, 0x20},     {0xa0, 0xa0},     {0x1680, 0x1680}, {0x2000, 0x200a},
    {0x2028, 0x2029}, {0x202f, 0x202f}, {0x205f, 0x205f}, {0x3000, 0x3000}, {0xfeff, 0xfeff}};

/* Sets `pattern "<src>": <what>`, the source cut at SRC_SHOWN bytes. */
static enum wh_err WH_PRINTF(4, 5)
    pattern_error(struct wh_str src, struct wh_error *err, enum wh_err code, const char *fmt, ...)
{
    char what[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return wh_error_set(err, code, "pattern \"%.*s%s\": %s",
                        (int)(src.len > SRC_SHOWN ? SRC_SHOWN : src.len), src.ptr,
                        src.len > SRC_SHOWN ? "..." : "", what);
}

static enum wh_err
fail_at(struct parser *p, enum wh_err code, size_t at, const char *what)
{
    return pattern_error(p->src, p->err, code, "%s at offset %zu", what, at);
}

static enum wh_err
fail(struct parser *p, const char *what)
{
    return fail_at(p, WH_E_INVALID, p->off[p->i < p->n ? p->i : p->n], what);
}

static uint32_t
peek(const struct parser *p, size_t ahead)
{
    return p->i + ahead < p->n ? p->cp[p->i + ahead] : 0;
}

static bool
at_end(const struct parser *p)
{
    return p->i >= p->n;
}

static struct node *
new_node(struct parser *p, enum kind kind)
{
    struct node *nd = wh_arena_alloc(p->a, sizeof(*nd));

    nd->kind = kind;
    nd->at = p->off[p->i < p->n ? p->i : p->n];
    return nd;
}

static int
hex_value(uint32_t c)
{
    if (c >= '0' && c <= '9')
        return (int)(c - '0');
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
        return (int)((c | 0x20) - 'a' + 10);
    return -1;
}

/* Reads exactly `count` hex digits at p->i into *out; false (nothing consumed) otherwise. */
static bool
read_hex(struct parser *p, int count, uint32_t *out)
{
    uint32_t v = 0;

    for (int k = 0; k < count; k++) {
        if (hex_value(peek(p, (size_t)k)) < 0)
            return false;
        v = v << 4 | (uint32_t)hex_value(peek(p, (size_t)k));
    }
    p->i += (size_t)count;
    *out = v;
    return true;
}

/* After "\u": HHHH (a lead+trail surrogate pair of escapes is one code point) or {H...}. */
static enum wh_err
parse_unicode_escape(struct parser *p, size_t at, uint32_t *out)
{
    uint32_t v = 0, trail;

    if (peek(p, 0) == '{') {
        size_t digits = 0;
        p->i++;
        while (hex_value(peek(p, 0)) >= 0 && v <= 0x10ffff)
            v = v << 4 | (uint32_t)hex_value(peek(p, 0)), p->i++, digits++;
        if (digits == 0 || v > 0x10ffff || peek(p, 0) != '}')
            return fail_at(p, WH_E_INVALID, at, "invalid \\u{...} escape");
        p->i++;
        *out = v;
        return WH_OK;
    }
    if (!read_hex(p, 4, &v))
        return fail_at(p, WH_E_INVALID, at, "invalid \\u escape");
    if (v >= 0xd800 && v <= 0xdbff && peek(p, 0) == '\\' && peek(p, 1) == 'u') {
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
 * One escape after '\' (already consumed), shared by atoms and classes. Sets *set to a builtin
 * table for \d \D \w \W \s \S (with *neg), else *cp. \b, \B and backreferences are the caller's.
 */
static enum wh_err
parse_escape(struct parser *p, bool in_class, uint32_t *cp, const struct range **set,
             uint32_t *nset, bool *neg)
{
    static const struct {
        const struct range *r;
        uint32_t n;
    } sets[] = {{digit_r, 1}, {word_r, 4}, {space_r, sizeof(space_r) / sizeof(space_r[0])}};
    static const char letters[] = "dwstnvfr";
    uint32_t c = peek(p, 0);
    size_t at = p->off[p->i - 1]; /* the backslash */
    const char *hit = c != 0 && c < 0x80 ? strchr(letters, (int)(c | 0x20)) : NULL;

    *set = NULL;
    if (at_end(p))
        return fail_at(p, WH_E_INVALID, at, "\\ at end of pattern");
    p->i++;
    if (hit != NULL && hit - letters < 3) { /* \d \w \s; upper case is the complement */
        *set = sets[hit - letters].r, *nset = sets[hit - letters].n, *neg = c < 'a';
        return WH_OK;
    }
    if (hit != NULL && c >= 'a') {
        *cp = (uint32_t) "\t\n\v\f\r"[hit - letters - 3];
        return WH_OK;
    }
    switch (c) {
    case '0':
        if (peek(p, 0) >= '0' && peek(p, 0) <= '9')
            return fail_at(p, WH_E_INVALID, at,
                           "invalid decimal escape (octal escapes are not allowed)");
        *cp = 0;
        return WH_OK;
    case 'c':
        if ((peek(p, 0) | 0x20) < 'a' || (peek(p, 0) | 0x20) > 'z')
            return fail_at(p, WH_E_INVALID, at, "invalid \\c escape (needs a letter)");
        *cp = peek(p, 0) % 32;
        p->i++;
        return WH_OK;
    case 'x':
        return read_hex(p, 2, cp) ? WH_OK : fail_at(p, WH_E_INVALID, at, "invalid \\x escape");
    case 'u':
        return parse_unicode_escape(p, at, cp);
    case 'k':
        return fail_at(p, WH_E_INVALID, at, "named backreference \\k is not supported");
    case 'p':
    case 'P':
        return fail_at(p, WH_E_INVALID, at, "unicode property escape is not supported");
    }
    if (c >= '1' && c <= '9')
        return fail_at(p, WH_E_INVALID, at,
                       in_class ? "invalid class escape" : "backreference is not supported");
    if (is_syntax_char(c) || (in_class && c == '-')) {
        *cp = c;
        return WH_OK;
    }
    return fail_at(p, WH_E_INVALID, at, in_class ? "invalid class escape" : "invalid escape");
}

static void
add_range(struct range **r, uint32_t *n, uint32_t *alloc, struct parser *p, uint32_t lo,
          uint32_t hi)
{
    if (*n == *alloc) {
        *r = wh_arena_grow(p->a, *r, *n, *alloc * 2 + 8, sizeof(**r));
        *alloc = *alloc * 2 + 8;
    }
    (*r)[(*n)++] = (struct range){lo, hi};
}

static int
cmp_range(const void *x, const void *y)
{
    const struct range *a = x, *b = y;

    return a->lo < b->lo ? -1 : a->lo > b->lo;
}

/* Adds a sorted, merged class to the table; returns its index. */
static uint32_t
add_class(struct parser *p, struct range *r, uint32_t n)
{
    uint32_t m = 0;

    if (n > 0)
        qsort(r, n, sizeof(*r), cmp_range);
    for (uint32_t k = 0; k < n; k++) {
        if (m > 0 && r[k].lo <= r[m - 1].hi + 1) {
            if (r[k].hi > r[m - 1].hi)
                r[m - 1].hi = r[k].hi;
        } else {
            r[m++] = r[k];
        }
    }
    if (p->ncls == p->cls_alloc) {
        p->cls = wh_arena_grow(p->a, p->cls, p->ncls, p->cls_alloc * 2 + 4, sizeof(*p->cls));
        p->cls_alloc = p->cls_alloc * 2 + 4;
    }
    p->cls[p->ncls] = (struct cls){r, m};
    return p->ncls++;
}

static void
add_set(struct parser *p, struct range **r, uint32_t *n, uint32_t *alloc, const struct range *set,
        uint32_t nset, bool neg)
{
    uint32_t next = 0;

    for (uint32_t k = 0; k < nset; k++) {
        if (!neg)
            add_range(r, n, alloc, p, set[k].lo, set[k].hi);
        else if (set[k].lo > next)
            add_range(r, n, alloc, p, next, set[k].lo - 1);
        next = set[k].hi + 1;
    }
    if (neg && next <= 0x10ffff)
        add_range(r, n, alloc, p, next, 0x10ffff);
}

/* One class atom: a code point (*set NULL) or a builtin set. */
static enum wh_err
parse_class_atom(struct parser *p, uint32_t *cp, const struct range **set, uint32_t *nset,
                 bool *neg)
{
    *set = NULL;
    if (at_end(p))
        return fail(p, "unterminated character class");
    if (peek(p, 0) != '\\') {
        *cp = p->cp[p->i++];
        return WH_OK;
    }
    p->i++;
    if (peek(p, 0) == 'b') {
        p->i++;
        *cp = '\b';
        return WH_OK;
    }
    return parse_escape(p, true, cp, set, nset, neg);
}

static enum wh_err
parse_class(struct parser *p, struct node **out)
{
    struct node *nd = new_node(p, K_CLASS);
    struct range *r = NULL;
    uint32_t n = 0, alloc = 0, lo, hi, nset, nset2;
    const struct range *set, *set2;
    bool neg, neg2;
    enum wh_err rc;

    p->i++; /* '[' */
    if (peek(p, 0) == '^' && !at_end(p))
        nd->neg = true, p->i++;
    while (at_end(p) || peek(p, 0) != ']') {
        size_t at = p->off[p->i < p->n ? p->i : p->n];
        if ((rc = parse_class_atom(p, &lo, &set, &nset, &neg)) != WH_OK)
            return rc;
        if (peek(p, 0) == '-' && p->i + 1 < p->n && peek(p, 1) != ']') {
            p->i++;
            if ((rc = parse_class_atom(p, &hi, &set2, &nset2, &neg2)) != WH_OK)
                return rc;
            if (set != NULL || set2 != NULL)
                return fail_at(p, WH_E_INVALID, at, "character class escape in a range");
            if (lo > hi)
                return fail_at(p, WH_E_INVALID, at, "range out of order in character class");
            add_range(&r, &n, &alloc, p, lo, hi);
        } else if (set != NULL) {
            add_set(p, &r, &n, &alloc, set, nset, neg);
        } else {
            add_range(&r, &n, &alloc, p, lo, lo);
        }
    }
    p->i++; /* ']' */
    nd->cp = add_class(p, r, n);
    *out = nd;
    return WH_OK;
}

static enum wh_err parse_alt(struct parser *p, struct node **out);

/* "(" at p->i: a group or lookahead. */
static enum wh_err
parse_group(struct parser *p, struct node **out)
{
    struct node *nd = NULL;
    enum wh_err rc;
    size_t at = p->off[p->i];

    if (++p->depth > MAX_DEPTH)
        return fail_at(p, WH_E_LIMIT, at, "groups nested too deeply");
    p->i++;
    if (peek(p, 0) == '?') {
        uint32_t c = peek(p, 1), c2 = peek(p, 2);
        if (c == '=' || c == '!') {
            nd = new_node(p, K_LOOK);
            nd->neg = c == '!';
            p->i += 2;
        } else if (c == '<' && (c2 == '=' || c2 == '!')) {
            return fail_at(p, WH_E_INVALID, at, "lookbehind is not supported");
        } else if (c == '<') {
            return fail_at(p, WH_E_INVALID, at, "named group is not supported");
        } else if (c != ':') {
            return fail_at(p, WH_E_INVALID, at,
                           "invalid group (modifier groups are not supported)");
        } else {
            p->i += 2;
        }
    }
    if ((rc = parse_alt(p, nd != NULL ? &nd->kid : out)) != WH_OK)
        return rc;
    if (peek(p, 0) != ')' || at_end(p))
        return fail_at(p, WH_E_INVALID, at, "unterminated group");
    p->i++;
    p->depth--;
    if (nd != NULL)
        *out = nd;
    return WH_OK;
}

/* {n}, {n,} or {n,m} at p->i; false (nothing consumed) if it is not one. */
static bool
read_braces(struct parser *p, uint64_t *min, uint64_t *max)
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
            v[1] = INF;
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
    p->i = k + 1;
    return true;
}

static bool
nullable(const struct node *nd)
{
    const struct node *k;

    switch (nd->kind) {
    case K_CHAR:
    case K_ANY:
    case K_CLASS:
        return false;
    case K_CAT:
        for (k = nd->kid; k != NULL; k = k->next)
            if (!nullable(k))
                return false;
        return true;
    case K_ALT:
        for (k = nd->kid; k != NULL; k = k->next)
            if (nullable(k))
                return true;
        return false;
    case K_REPEAT:
        return nd->min == 0 || nullable(nd->kid);
    default:
        return true;
    }
}

/* An atom and its quantifier, if any. */
static enum wh_err
parse_term(struct parser *p, struct node **out)
{
    struct node *nd = NULL, *rep;
    uint32_t c = peek(p, 0), cp, nset;
    const struct range *set;
    uint64_t min, max;
    size_t start = p->i;
    bool neg;
    enum wh_err rc;

    if (c == '^' || c == '$' || (c == '\\' && (peek(p, 1) == 'b' || peek(p, 1) == 'B'))) {
        nd = new_node(p, K_ASSERT);
        nd->cp = c == '^' ? OP_BOL : c == '$' ? OP_EOL : peek(p, 1) == 'b' ? OP_WORDB : OP_NWORDB;
        p->i += c == '\\' ? 2 : 1;
    } else if (c == '(') {
        if ((rc = parse_group(p, &nd)) != WH_OK)
            return rc;
    } else if (c == '[') {
        if ((rc = parse_class(p, &nd)) != WH_OK)
            return rc;
    } else if (c == '.') {
        nd = new_node(p, K_ANY);
        p->i++;
    } else if (c == '*' || c == '+' || c == '?' || (c == '{' && read_braces(p, &min, &max))) {
        p->i = start;
        return fail(p, "nothing to repeat");
    } else if (c == '{' || c == '}' || c == ']') {
        return fail(p, c == ']' ? "lone ]" : "lone quantifier bracket");
    } else if (c == '\\') {
        nd = new_node(p, K_CHAR);
        p->i++;
        if ((rc = parse_escape(p, false, &cp, &set, &nset, &neg)) != WH_OK)
            return rc;
        if (set != NULL) {
            struct range *r = NULL;
            uint32_t n = 0, alloc = 0;
            add_set(p, &r, &n, &alloc, set, nset, false);
            nd->kind = K_CLASS, nd->neg = neg, nd->cp = add_class(p, r, n);
        } else {
            nd->cp = cp;
        }
    } else {
        nd = new_node(p, K_CHAR);
        nd->cp = p->cp[p->i++];
    }
    *out = nd;
    c = peek(p, 0);
    if (at_end(p) || (c != '*' && c != '+' && c != '?' && c != '{'))
        return WH_OK;
    rep = new_node(p, K_REPEAT);
    if (nd->kind == K_ASSERT || nd->kind == K_LOOK)
        return fail(p, "an assertion cannot be repeated");
    if (c == '{') {
        if (!read_braces(p, &min, &max))
            return fail(p, "incomplete quantifier");
        if (min > max)
            return fail_at(p, WH_E_INVALID, rep->at, "numbers out of order in {} quantifier");
    } else {
        min = c == '+', max = c == '?' ? 1 : INF;
        p->i++;
    }
    rep->kid = nd;
    rep->min = min >= INF ? INF - 1 : (uint32_t)min;
    rep->max = max >= INF ? INF : (uint32_t)max;
    rep->greedy = peek(p, 0) != '?' || at_end(p);
    if (!rep->greedy)
        p->i++;
    if (rep->max == INF && nullable(nd))
        return fail_at(
            p, WH_E_INVALID, rep->at,
            "a quantified group that can match the empty string (loop without progress)");
    *out = rep;
    return WH_OK;
}

static enum wh_err
parse_alt(struct parser *p, struct node **out)
{
    struct node *alt = new_node(p, K_ALT), **alt_tail = &alt->kid;
    enum wh_err rc;

    for (;;) {
        struct node *cat = new_node(p, K_CAT), **tail = &cat->kid;
        while (!at_end(p) && peek(p, 0) != '|' && peek(p, 0) != ')') {
            if ((rc = parse_term(p, tail)) != WH_OK)
                return rc;
            tail = &(*tail)->next;
        }
        *alt_tail = cat;
        alt_tail = &cat->next;
        if (at_end(p) || peek(p, 0) != '|')
            break;
        p->i++;
    }
    *out = alt->kid->next == NULL ? alt->kid : alt;
    return WH_OK;
}

struct emitter {
    struct insn *code;
    uint32_t n, alloc;
    struct parser *p;
};

static enum wh_err
emit_insn(struct emitter *e, enum op op, uint32_t x, uint32_t y, uint32_t *at)
{
    if (e->n >= WH_POLICY_PATTERN_MAX_INSNS)
        return pattern_error(e->p->src, e->p->err, WH_E_LIMIT,
                             "more than %d instructions after expanding counted repeats",
                             WH_POLICY_PATTERN_MAX_INSNS);
    if (e->n == e->alloc) {
        e->alloc = e->alloc * 2 + 64;
        e->code = realloc(e->code, e->alloc * sizeof(*e->code));
        if (e->code == NULL)
            wh_oom();
    }
    e->code[e->n] = (struct insn){(uint8_t)op, 0, x, y};
    if (at != NULL)
        *at = e->n;
    e->n++;
    return WH_OK;
}

/* Points every JMP of a chain (threaded through x, ending at INF) at `to`. */
static void
patch(struct emitter *e, uint32_t chain, uint32_t to)
{
    while (chain != INF) {
        uint32_t next = e->code[chain].x;
        e->code[chain].x = to;
        chain = next;
    }
}

static enum wh_err
emit(struct emitter *e, const struct node *nd)
{
    const struct node *k;
    uint32_t at, chain = INF;
    enum wh_err rc = WH_OK;

    switch (nd->kind) {
    case K_EMPTY:
        return WH_OK;
    case K_CHAR:
        return emit_insn(e, OP_CHAR, nd->cp, 0, NULL);
    case K_ANY:
        return emit_insn(e, OP_ANY, 0, 0, NULL);
    case K_CLASS:
        if ((rc = emit_insn(e, OP_CLASS, nd->cp, 0, &at)) == WH_OK)
            e->code[at].neg = nd->neg;
        return rc;
    case K_ASSERT:
        return emit_insn(e, (enum op)nd->cp, 0, 0, NULL);
    case K_CAT:
        for (k = nd->kid; k != NULL && rc == WH_OK; k = k->next)
            rc = emit(e, k);
        return rc;
    case K_ALT: /* SPLIT body, next; body; JMP end (chained through x) */
        for (k = nd->kid; k->next != NULL; k = k->next) {
            uint32_t split, jmp;
            if ((rc = emit_insn(e, OP_SPLIT, 0, 0, &split)) != WH_OK ||
                (rc = emit(e, k)) != WH_OK || (rc = emit_insn(e, OP_JMP, chain, 0, &jmp)) != WH_OK)
                return rc;
            chain = jmp;
            e->code[split].x = split + 1, e->code[split].y = e->n;
        }
        if ((rc = emit(e, k)) == WH_OK)
            patch(e, chain, e->n);
        return rc;
    case K_LOOK:
        if ((rc = emit_insn(e, OP_LOOK, 0, 0, &at)) != WH_OK || (rc = emit(e, nd->kid)) != WH_OK ||
            (rc = emit_insn(e, OP_LMATCH, 0, 0, NULL)) != WH_OK)
            return rc;
        e->code[at].neg = nd->neg, e->code[at].x = e->n;
        return WH_OK;
    case K_REPEAT:
        break;
    }
    k = nd->kid;
    if (nd->greedy && (k->kind == K_CHAR || k->kind == K_ANY || k->kind == K_CLASS)) {
        if ((rc = emit_insn(e, OP_REPEAT1, nd->min, nd->max, NULL)) != WH_OK)
            return rc;
        return emit(e, k);
    }
    for (uint32_t i = 0; i < nd->min && rc == WH_OK; i++)
        rc = emit(e, k);
    if (rc != WH_OK)
        return rc;
    if (nd->max == INF) { /* L: SPLIT body, out; body; JMP L */
        if ((rc = emit_insn(e, OP_SPLIT, 0, 0, &at)) != WH_OK || (rc = emit(e, k)) != WH_OK ||
            (rc = emit_insn(e, OP_JMP, at, 0, NULL)) != WH_OK)
            return rc;
        e->code[at].x = nd->greedy ? at + 1 : e->n;
        e->code[at].y = nd->greedy ? e->n : at + 1;
        return WH_OK;
    }
    /* max - min optional copies, each entered only after the previous; all skip to the end
     * (a lazy split prefers the skip). The splits are chained through y until the end is known. */
    for (uint32_t i = nd->min; i < nd->max; i++) {
        if ((rc = emit_insn(e, OP_SPLIT, 0, chain, &at)) != WH_OK)
            return rc;
        e->code[at].x = at + 1;
        chain = at;
        if ((rc = emit(e, k)) != WH_OK)
            return rc;
    }
    while (chain != INF) {
        struct insn *in = &e->code[chain];
        chain = in->y;
        in->y = nd->greedy ? e->n : in->x;
        in->x = nd->greedy ? in->x : e->n;
    }
    return WH_OK;
}

enum wh_err
wh_policy_pattern_compile(struct wh_str src, struct wh_arena *a,
                          const struct wh_policy_pattern **out, struct wh_error *err)
{
    struct parser p = {.src = src, .a = a, .err = err};
    struct emitter e = {.p = &p};
    struct wh_policy_pattern *pat;
    struct node *root;
    enum wh_err rc;

    if (src.len > WH_POLICY_PATTERN_MAX_SOURCE)
        return wh_error_set(err, WH_E_LIMIT, "pattern of %zu bytes: longer than %d", src.len,
                            WH_POLICY_PATTERN_MAX_SOURCE);
    p.src.ptr = wh_arena_strndup(a, src.ptr == NULL ? "" : src.ptr, src.len);
    p.cp = wh_arena_calloc(a, src.len + 1, sizeof(*p.cp));
    p.off = wh_arena_calloc(a, src.len + 1, sizeof(*p.off));
    for (size_t b = 0; b < src.len;) {
        size_t len = wh_utf8_next((const unsigned char *)p.src.ptr + b, src.len - b, &p.cp[p.n]);
        if (len == 0)
            return fail_at(&p, WH_E_INVALID, b, "invalid UTF-8");
        p.off[p.n++] = b;
        b += len;
    }
    p.off[p.n] = src.len;
    if ((rc = parse_alt(&p, &root)) != WH_OK)
        return rc;
    if (!at_end(&p))
        return fail(&p, "unmatched )");
    if ((rc = emit(&e, root)) == WH_OK)
        rc = emit_insn(&e, OP_MATCH, 0, 0, NULL);
    if (rc == WH_OK) {
        pat = wh_arena_alloc(a, sizeof(*pat));
        pat->src = p.src;
        pat->code = wh_arena_memdup(a, e.code, e.n * sizeof(*e.code));
        pat->cls = p.cls;
        *out = pat;
    }
    free(e.code);
    return rc;
}

struct bt {
    uint32_t pc, sp, n; /* resume at (pc, sp); n > 0: then (pc, sp - 1) n more times */
};

struct vm {
    const struct insn *code;
    const struct cls *cls;
    const uint32_t *s;
    uint32_t n;
    struct bt *st;
    size_t top, alloc;
    uint64_t steps;
};

enum { RUN_FAIL = 0, RUN_MATCH = 1, RUN_STEPS = -1, RUN_STACK = -2 };

static bool
is_word(const uint32_t *s, uint32_t n, int64_t i)
{
    uint32_t c = i >= 0 && i < n ? s[i] : 0;

    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '_';
}

static bool
one(const struct vm *vm, const struct insn *in, uint32_t c)
{
    const struct cls *k;
    uint32_t lo = 0, hi;

    switch (in->op) {
    case OP_CHAR:
        return c == in->x;
    case OP_ANY:
        return c != '\n' && c != '\r' && c != 0x2028 && c != 0x2029;
    default:
        k = &vm->cls[in->x];
        hi = k->n;
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (c < k->r[mid].lo)
                hi = mid;
            else if (c > k->r[mid].hi)
                lo = mid + 1;
            else
                return !in->neg;
        }
        return in->neg;
    }
}

static int
push(struct vm *vm, uint32_t pc, uint32_t sp, uint32_t n)
{
    if (vm->top == vm->alloc) {
        if (vm->alloc >= WH_POLICY_PATTERN_STACK)
            return RUN_STACK;
        vm->alloc = vm->alloc == 0 ? 256 : vm->alloc * 2;
        vm->st = realloc(vm->st, vm->alloc * sizeof(*vm->st));
        if (vm->st == NULL)
            wh_oom();
    }
    vm->st[vm->top++] = (struct bt){pc, sp, n};
    return RUN_MATCH;
}

/* Runs from (pc, sp) until MATCH/LMATCH or until every alternative pushed here has failed. The
 * backtrack entries of a finished lookahead are dropped: lookaheads are atomic in ECMAScript. */
static int
run(struct vm *vm, uint32_t pc, uint32_t sp)
{
    size_t base = vm->top;
    const struct insn *in;
    uint32_t k;
    int r;

    for (;;) {
        if (++vm->steps > WH_POLICY_PATTERN_STEPS)
            return RUN_STEPS;
        in = &vm->code[pc];
        switch ((enum op)in->op) {
        case OP_CHAR:
        case OP_ANY:
        case OP_CLASS:
            if (sp >= vm->n || !one(vm, in, vm->s[sp]))
                goto backtrack;
            pc++, sp++;
            continue;
        case OP_REPEAT1:
            for (k = 0; k < in->y && sp + k < vm->n && one(vm, in + 1, vm->s[sp + k]); k++)
                ;
            vm->steps += k;
            if (k < in->x)
                goto backtrack;
            if (k > in->x && (r = push(vm, pc + 2, sp + k - 1, k - in->x - 1)) < 0)
                return r;
            pc += 2, sp += k;
            continue;
        case OP_SPLIT:
            if ((r = push(vm, in->y, sp, 0)) < 0)
                return r;
            pc = in->x;
            continue;
        case OP_JMP:
            pc = in->x;
            continue;
        case OP_BOL:
        case OP_EOL:
            if (sp != (in->op == OP_BOL ? 0 : vm->n))
                goto backtrack;
            pc++;
            continue;
        case OP_WORDB:
        case OP_NWORDB:
            if ((is_word(vm->s, vm->n, (int64_t)sp - 1) != is_word(vm->s, vm->n, sp)) !=
                (in->op == OP_WORDB))
                goto backtrack;
            pc++;
            continue;
        case OP_LOOK:
            if ((r = run(vm, pc + 1, sp)) < 0)
                return r;
            if (r == (in->neg ? RUN_MATCH : RUN_FAIL))
                goto backtrack;
            pc = in->x;
            continue;
        case OP_LMATCH:
        case OP_MATCH:
            vm->top = base;
            return RUN_MATCH;
        }
    backtrack:
        if (vm->top == base)
            return RUN_FAIL;
        struct bt *b = &vm->st[vm->top - 1];
        pc = b->pc, sp = b->sp;
        if (b->n > 0)
            b->sp--, b->n--;
        else
            vm->top--;
    }
}

enum wh_err
wh_policy_pattern_search(const struct wh_policy_pattern *p, struct wh_str subject, bool *found,
                         struct wh_error *err)
{
    struct vm vm = {.code = p->code, .cls = p->cls};
    const struct insn *first = &p->code[0];
    uint32_t *s;
    int r = RUN_FAIL;

    if (subject.len >= UINT32_MAX)
        return pattern_error(p->src, err, WH_E_LIMIT, "value of %zu bytes is too long",
                             subject.len);
    s = malloc((subject.len + 1) * sizeof(*s));
    if (s == NULL)
        wh_oom();
    for (size_t b = 0; b < subject.len;) {
        size_t len =
            wh_utf8_next((const unsigned char *)subject.ptr + b, subject.len - b, &s[vm.n]);
        if (len == 0)
            s[vm.n] = 0xfffd, len = 1;
        vm.n++, b += len;
    }
    vm.s = s;
    if (first->op == OP_REPEAT1 && first->x > 0)
        first++; /* at least one copy of the next insn must match at the start */
    for (uint32_t start = 0; start <= vm.n && r == RUN_FAIL; start++) {
        if (first->op == OP_BOL && start > 0)
            break;
        /* Skipping starts whose first character cannot match costs no steps. */
        if ((first->op == OP_CHAR || first->op == OP_ANY || first->op == OP_CLASS) &&
            (start == vm.n || !one(&vm, first, s[start])))
            continue;
        r = run(&vm, 0, start);
    }
    free(s);
    free(vm.st);
    if (r < 0)
        return pattern_error(p->src, err, WH_E_LIMIT, "too many steps for a value of %zu bytes%s",
                             subject.len, r == RUN_STACK ? " (backtrack stack full)" : "");
    *found = r == RUN_MATCH;
    return WH_OK;
}
