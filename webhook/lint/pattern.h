#ifndef WH_LINT_PATTERN_H
#define WH_LINT_PATTERN_H

#include "base/error.h"
#include "base/regex.h"
#include "base/str.h"

/*
 * Compiles a JSON Schema `pattern` (ECMAScript, u flag; base/regex.h WH_REGEX_ECMASCRIPT) into a
 * wh_regex that wh_regex_match searches with. Same contract, errors and limits as wh_regex_new:
 * *out (wh_regex_free) is valid only on WH_OK.
 */
WH_MUST_CHECK enum wh_err wh_lint_pattern_new(struct wh_str src, struct wh_regex **out,
                                              struct wh_error *err);

#endif
