#ifndef WH_LINT_HINTS_H
#define WH_LINT_HINTS_H

#include "base/str.h"

/*
 * A fix for a common YAML mistake on line `line` (1-based) of a policy that did not parse or
 * build, or NULL when the line shows none of them: an unquoted "{{tag}}" (YAML reads "{" as a
 * flow mapping), an unquoted glob starting with '*' (an alias), a tab in the indentation, a
 * plain value starting with '@' or '`' (reserved). Static text. Pure; reads at most `yaml`.
 */
const char *wh_lint_yaml_hint(struct wh_bytes yaml, int line);

#endif
