#ifndef WH_BASE_REGEX_H
#define WH_BASE_REGEX_H

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "base/str.h"

/*
 * Regular expressions in two dialects, both matched by PCRE2 (JIT when available) after a parser
 * of their own checks the pattern against the dialect's grammar and translates it into a PCRE2
 * pattern built only from \x{..} literals, explicit classes, non-capturing groups, counted repeats
 * and a few assertions. Whatever PCRE2 would read differently, or could not bound (backreferences,
 * recursion, conditionals, callouts, verbs, \C, possessive and atomic groups), never reaches it.
 *
 * WH_REGEX_RE2: Go's regexp syntax (golang.org/s/re2syntax), the dialect cosign
 *   (--certificate-identity-regexp), policy-controller and Kyverno take: flags i m s U, (?P<name>)
 *   and (?<name>) groups, \Q..\E, \pN \p{Greek} \p{^Greek}, [[:alpha:]], \A \z \b \B, octal and
 *   \x{...} escapes, repeat counts up to 1000 (and their nested product, as Go checks). \d \s \w
 *   \b are ASCII as in Go (\s is [\t\n\f\r ]). Matched against the whole value: the pattern is
 *   compiled on its own and PCRE2 anchors it at both ends (PCRE2_ANCHORED | PCRE2_ENDANCHORED),
 *   so no text in the pattern can undo the anchoring. Known differences from Go: under (?i), a
 *   \p class and a negated class inside brackets ([\W], [[:^lower:]]) do not fold case; names of
 *   Unicode scripts are looked up by PCRE2 (which also knows four-letter script codes).
 * WH_REGEX_ECMASCRIPT: JSON Schema `pattern`, i.e. `new RegExp(src, "u").test(value)`: an
 *   unanchored search, for policy lint only: compiled by lint/pattern.h's wh_lint_pattern_new
 *   (wh_regex_new takes RE2 only), so the request path links no ECMAScript grammar. The u-mode
 * grammar with lookahead; refused, naming the feature: backreferences, named groups, lookbehind and
 * \p{..}.
 *
 * Invalid UTF-8 in a pattern is an error; in a value each invalid byte is one U+FFFD (Go's and
 * a JavaScript decoder's reading).
 */
enum wh_regex_dialect {
    WH_REGEX_RE2,
    WH_REGEX_ECMASCRIPT,
};

#define WH_REGEX_MAX_SOURCE 4096 /* bytes of pattern source */
#define WH_REGEX_MAX_DEPTH 64    /* group nesting */
#define WH_REGEX_RE2_MAX_REPEAT 1000

struct wh_regex;

/*
 * Compiles `src` in dialect `d`. *out (owned by the caller, wh_regex_free) is valid only on
 * WH_OK; it is immutable, so any number of threads may match with it at once. Errors:
 * WH_E_INVALID `regular expression "<src>": <what> "<construct>" at offset N` (`pattern` for
 * ECMAScript; N is a byte offset into src); WH_E_LIMIT for a source over WH_REGEX_MAX_SOURCE
 * bytes, groups nested past WH_REGEX_MAX_DEPTH, or a pattern too large for PCRE2 to compile.
 */
WH_MUST_CHECK enum wh_err wh_regex_new(enum wh_regex_dialect d, struct wh_str src,
                                       struct wh_regex **out, struct wh_error *err);
/* NULL is a no-op. */
void wh_regex_free(struct wh_regex *re);

/*
 * RE2: does the whole of `subject` match? ECMAScript: does `subject` contain a match? *matched is
 * valid only on WH_OK. WH_E_LIMIT `... : matching a value of N bytes exceeded PCRE2's <limit>`
 * when the match, depth or heap limit (or the JIT stack) runs out: the caller fails closed.
 * Thread-safe; uses per-thread match data and JIT stack, freed when the thread exits.
 */
WH_MUST_CHECK enum wh_err wh_regex_match(const struct wh_regex *re, struct wh_str subject,
                                         bool *matched, struct wh_error *err);

/* The source as given (NUL-terminated copy). */
const char *wh_regex_source(const struct wh_regex *re);
/* What is matched, spelled in the dialect: RE2 "^(?:<src>)$" (a whole-value match), ECMAScript
 * the source itself (a search). */
const char *wh_regex_effective(const struct wh_regex *re);
/* The PCRE2 pattern the source was translated into (for tests and diagnostics). */
const char *wh_regex_pcre2(const struct wh_regex *re);

#endif
