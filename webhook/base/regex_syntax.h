#ifndef WH_BASE_REGEX_SYNTAX_H
#define WH_BASE_REGEX_SYNTAX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/regex.h"
#include "base/str.h"

/*
 * For a dialect's parser only: base/regex.c parses RE2 (the request path's dialect) and owns the
 * translation to PCRE2; lint/pattern.c parses ECMAScript (JSON Schema `pattern`, policy lint only)
 * with the same scanner and writers, so the request path links no ECMAScript grammar. A term
 * parser reads code points with peek/has/at_end, writes the PCRE2 pattern with the put_*
 * functions, recurses into groups with wh_regex_parse_alt and reports with wh_regex_fail_at.
 */

#define WH_REGEX_PCRE2_MAX_REPEAT 65535u /* PCRE2's largest {n,m} count */

struct wh_regex_range {
    uint32_t lo, hi;
};

/* Go regexp flags: i (fold case), m (multi-line ^ $), s (. matches \n), U (ungreedy). */
struct wh_regex_flags {
    bool fold, multiline, dotnl, ungreedy;
};

struct wh_regex_out {
    char *p;
    size_t len, cap;
    bool full;
};

struct wh_regex_parser;
/* Parses one term at p->i, writing its PCRE2 translation; *weight: RE2's repeat-count product. */
typedef enum wh_err wh_regex_term_fn(struct wh_regex_parser *p, uint32_t *weight);

struct wh_regex_parser {
    enum wh_regex_dialect d;
    struct wh_str src;
    uint32_t *cp; /* source code points */
    size_t *off;  /* byte offset of each, off[n] = src.len */
    size_t n, i;
    int depth;
    struct wh_regex_flags fl;
    struct wh_regex_out o;
    struct wh_error *err;
    wh_regex_term_fn *term; /* the dialect's parser of one term (atom and quantifier) */
};

enum wh_regex_atom {
    WH_REGEX_ATOM_NONE,
    WH_REGEX_ATOM_ATOM,
    WH_REGEX_ATOM_ASSERT,
    WH_REGEX_ATOM_LOOK
};

struct wh_regex_set {
    const struct wh_regex_range *r;
    size_t n;
};

/* Compiles `src` with `term` as dialect `d`'s term parser: wh_regex_new's contract. */
WH_MUST_CHECK enum wh_err wh_regex_compile(enum wh_regex_dialect d, wh_regex_term_fn *term,
                                           struct wh_str src, struct wh_regex **out,
                                           struct wh_error *err);

/* Scanning: the code point `ahead` of p->i (0 past the end), whether one is there, the end. */
uint32_t wh_regex_peek(const struct wh_regex_parser *p, size_t ahead);
bool wh_regex_has(const struct wh_regex_parser *p, size_t ahead);
bool wh_regex_at_end(const struct wh_regex_parser *p);
/* 0-15 for a hex digit, else -1. */
int wh_regex_hex_value(uint32_t c);

/* Writing the PCRE2 pattern: text, one literal code point, a range or set inside a class being
 * built (*items counts them), a set as a whole class, closing a class opened at `open`, and a
 * quantifier over what was written since `start`. */
void wh_regex_put_c(struct wh_regex_parser *p, const char *s);
void wh_regex_put_literal(struct wh_regex_parser *p, uint32_t c);
void wh_regex_put_range(struct wh_regex_parser *p, uint32_t lo, uint32_t hi, size_t *items);
void wh_regex_put_set(struct wh_regex_parser *p, struct wh_regex_set s, bool neg, size_t *items);
void wh_regex_put_set_class(struct wh_regex_parser *p, struct wh_regex_set s, bool neg);
void wh_regex_close_class(struct wh_regex_parser *p, size_t open, bool neg, size_t items);
void wh_regex_put_quantifier(struct wh_regex_parser *p, size_t start, uint64_t min, uint64_t max,
                             bool bounded, bool lazy);

/* Alternatives up to an unmatched ')' or the end; *weight the largest of their terms'. */
WH_MUST_CHECK enum wh_err wh_regex_parse_alt(struct wh_regex_parser *p, uint32_t *weight);
/* Sets p->err: `<noun> "<src>": <what> at offset N`, N the byte offset of code point `at`. */
enum wh_err wh_regex_fail_at(struct wh_regex_parser *p, enum wh_err code, size_t at,
                             const char *fmt, ...) WH_PRINTF(4, 5);

#endif
