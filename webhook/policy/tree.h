#ifndef WH_POLICY_TREE_H
#define WH_POLICY_TREE_H

#include "base/yaml_tree.h"

/*
 * A policy file as base/yaml_tree.h reads it, shared by the strict loader (load.c) and the JSON
 * Schema check (lint/schema_check.c). The format has no use for aliases, anchors or tags: they
 * are refused, and so is nesting past WH_POLICY_TREE_DEPTH. Errors are WH_E_INVALID (WH_E_LIMIT
 * for the bounds) "file:line:col: message"; an empty file is "empty policy".
 */
#define WH_POLICY_TREE_DEPTH 32 /* the format nests 6 deep; anything past this is hostile */

/* Builds the tree of `yaml` in `a`; `file` prefixes messages. *root is valid only on WH_OK. */
WH_MUST_CHECK enum wh_err wh_policy_tree_build(struct wh_bytes yaml, const char *file,
                                               struct wh_arena *a, struct wh_yaml_node **root,
                                               struct wh_error *err);

#endif
