#ifndef WH_AUDIT_YAML_H
#define WH_AUDIT_YAML_H

#include "base/yaml_tree.h"

/*
 * A workflow, action, lock or Dependabot file as base/yaml_tree.h reads it. GitHub Actions accepts
 * anchors, aliases and tags, so they are allowed (an alias is a second pointer to its anchor's
 * node; walkers mark what they reported in `visited`). Refused besides the reader's own refusals:
 * merge keys ("<<", which GitHub does not expand: a reader that did would see steps GitHub never
 * runs), nesting past WH_AUDIT_YAML_DEPTH, an empty file. Errors are WH_E_INVALID (WH_E_LIMIT for
 * the bounds) with msg "line:col: message".
 */
#define WH_AUDIT_YAML_DEPTH 64

WH_MUST_CHECK enum wh_err wh_audit_yaml_parse(struct wh_bytes text, struct wh_arena *a,
                                              struct wh_yaml_node **root, struct wh_error *err);

#endif
