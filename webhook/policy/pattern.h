#ifndef WH_POLICY_PATTERN_H
#define WH_POLICY_PATTERN_H

#include <stdbool.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/str.h"

/*
 * ECMAScript regular expressions as JSON Schema `pattern` uses them: `new RegExp(src, "u")`
 * applied with .test(), i.e. an unanchored search per code point. A backtracking VM with a
 * heap-allocated, bounded backtrack stack and a step budget; no recursion on the subject.
 *
 * Supported (u-flag grammar): | ( ) (?: ) (?= ) (?! ); * + ? {n} {n,} {n,m} and their lazy forms;
 * . (not \n \r \u2028 \u2029); ^ $ (input start/end); \b \B; [...] [^...] with ranges;
 * \d \D \w \W \s \S; \t \n \v \f \r \0 \cX \xHH \uHHHH \u{H...} (a surrogate-pair escape is one
 * code point); identity escapes of syntax characters and / (and - inside a class).
 * Capturing groups only group. Not supported, a compile error naming the feature: backreferences,
 * named groups and \k, lookbehind, \p{..}, modifier groups, and any *, + or {n,} whose body can
 * match the empty string (so every loop iteration consumes input).
 */
struct wh_policy_pattern;

#define WH_POLICY_PATTERN_MAX_SOURCE 4096 /* bytes of pattern source */
#define WH_POLICY_PATTERN_MAX_INSNS 20000 /* program size after expanding {n,m} */
#ifndef WH_POLICY_PATTERN_STEPS           /* the fuzz target lowers it for throughput */
#define WH_POLICY_PATTERN_STEPS 5000000   /* VM steps per search */
#endif
#define WH_POLICY_PATTERN_STACK (1u << 20) /* backtrack entries per search (12 bytes each) */

/*
 * Compiles `src`. *out lives in `a` and is valid only on WH_OK; it is immutable, so concurrent
 * searches on it are safe. Errors: WH_E_INVALID `pattern "<src>": <what> at offset N` (byte offset
 * into src) for a syntax error or an unsupported feature; WH_E_LIMIT for a source over
 * WH_POLICY_PATTERN_MAX_SOURCE bytes, a program over WH_POLICY_PATTERN_MAX_INSNS instructions, or
 * nesting deeper than the parser allows.
 */
WH_MUST_CHECK enum wh_err wh_policy_pattern_compile(struct wh_str src, struct wh_arena *a,
                                                    const struct wh_policy_pattern **out,
                                                    struct wh_error *err);

/*
 * Searches `subject` (UTF-8; each invalid byte counts as one U+FFFD) for a match anywhere, as
 * RegExp.prototype.test does. *found is valid only on WH_OK. WH_E_LIMIT `pattern "<src>": too
 * many steps for a value of N bytes` when WH_POLICY_PATTERN_STEPS run out (or the backtrack stack
 * fills): the caller fails closed. Allocates only temporary heap memory, freed before returning.
 */
WH_MUST_CHECK enum wh_err wh_policy_pattern_search(const struct wh_policy_pattern *p,
                                                   struct wh_str subject, bool *found,
                                                   struct wh_error *err);

#endif
