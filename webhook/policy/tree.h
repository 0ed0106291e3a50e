#ifndef WH_POLICY_TREE_H
#define WH_POLICY_TREE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/str.h"

/*
 * A policy file as a small YAML tree with positions, shared by the strict loader (load.c) and
 * the JSON Schema check (schema.c). Building it refuses what the format has no use for: aliases,
 * anchors, tags, duplicate keys, non-scalar keys, more than one document and nesting past
 * WH_POLICY_TREE_DEPTH. Errors are WH_E_INVALID (WH_E_LIMIT for depth) "file:line:col: message".
 */
#define WH_POLICY_TREE_DEPTH 32 /* the format nests 6 deep; anything past this is hostile */

enum wh_policy_node_kind { WH_POLICY_SCALAR, WH_POLICY_MAP, WH_POLICY_SEQ };

struct wh_policy_node {
    enum wh_policy_node_kind kind;
    int line, col;    /* 1-based */
    const char *text; /* scalar: NUL-terminated copy (may hold a NUL; `len` is the truth) */
    size_t len;
    bool plain;                   /* scalar written without quotes or block style */
    struct wh_policy_node **kids; /* map: key, value, key, value, ...; seq: items */
    size_t n, cap;
};

/* Builds the tree of `yaml` in `a`; `file` prefixes messages. *root is valid only on WH_OK. */
WH_MUST_CHECK enum wh_err wh_policy_tree_build(struct wh_bytes yaml, const char *file,
                                               struct wh_arena *a, struct wh_policy_node **root,
                                               struct wh_error *err);

/* The value of `key` in mapping `map`, NULL if absent. */
const struct wh_policy_node *wh_policy_tree_get(const struct wh_policy_node *map, const char *key);

/* What a scalar means under the YAML 1.2 core schema, as editors' YAML libraries read it. */
enum wh_policy_scalar_type {
    WH_POLICY_STRING, /* quoted, block, a mapping key, or plain text that is nothing else */
    WH_POLICY_NULL,   /* plain ~, null, Null, NULL or nothing */
    WH_POLICY_BOOL,   /* plain true/True/TRUE, false/False/FALSE */
    WH_POLICY_NUMBER, /* plain decimal/0x/0o integers and floats, [-+].inf, .nan */
};

/* The type of scalar `n` (as_key: a mapping key, always a string); *num and *boolean are set
 * for numbers and booleans. */
enum wh_policy_scalar_type wh_policy_tree_scalar(const struct wh_policy_node *n, bool as_key,
                                                 double *num, bool *boolean);

/* "a mapping", "a sequence" or "a scalar". */
const char *wh_policy_tree_kind_name(const struct wh_policy_node *n);

#endif
