#ifndef WH_BASE_YAML_TREE_H
#define WH_BASE_YAML_TREE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/str.h"
#include "base/yaml_scalar.h"

/*
 * The one positioned YAML reader (libyaml events → a tree of scalars, mappings and sequences with
 * their positions), for the policy, the config and the audited workflow files. Always refused:
 * duplicate keys, non-scalar keys, more than one document, nesting past the caller's depth, a
 * mapping of more than WH_YAML_MAX_KEYS keys (duplicates are found by comparing) and more than
 * WH_YAML_MAX_ANCHORS anchors. Anchors, aliases, tags and merge keys as the caller says (opts).
 * An alias, where allowed, is a second pointer to its anchor's node: the tree is a DAG, built
 * without copies ("billion laughs" costs nothing to build; walkers bound their visits).
 * Errors are WH_E_INVALID (WH_E_LIMIT for the bounds), msg "[file:]line:col: message" and
 * err->line/col set.
 */
#define WH_YAML_DEPTH_MAX 64
#define WH_YAML_MAX_KEYS 1000
#define WH_YAML_MAX_ANCHORS 4096

enum wh_yaml_kind { WH_YAML_SCALAR, WH_YAML_MAP, WH_YAML_SEQ };

struct wh_yaml_node {
    enum wh_yaml_kind kind;
    int line, col;    /* 1-based start */
    int end_line;     /* line of the node's last character (scalars: for a trailing comment) */
    int end_col;      /* 1-based column just past it */
    const char *text; /* scalar: NUL-terminated copy (may hold a NUL: `len` is the truth) */
    size_t len;
    bool plain;                 /* scalar written without quotes or block style */
    bool visited;               /* free for a walker (an alias reaches a node twice) */
    struct wh_yaml_node **kids; /* map: key, value, key, value, ...; seq: items */
    size_t n, cap;
};

struct wh_yaml_opts {
    const char *file;       /* messages start "file:line:col: "; NULL: "line:col: " */
    const char *what;       /* the text in messages: "a policy" ("... not allowed in a policy") */
    size_t max_depth;       /* nesting bound, at most WH_YAML_DEPTH_MAX */
    bool aliases;           /* anchors and aliases allowed (shared nodes); else refused */
    bool tags;              /* tags allowed (and ignored); else refused */
    const char *merge_keys; /* non-NULL: "<<" keys refused with this message */
};

/* Builds the tree of `yaml` in `a`. On WH_OK *root is the document's node, or NULL when the text
 * holds no document (empty or only comments). */
WH_MUST_CHECK enum wh_err wh_yaml_tree_build(struct wh_bytes yaml, const struct wh_yaml_opts *opts,
                                             struct wh_arena *a, struct wh_yaml_node **root,
                                             struct wh_error *err);

/* The value of `key` in mapping `map` (NULL when `map` is NULL, not a mapping, or lacks it). */
const struct wh_yaml_node *wh_yaml_tree_get(const struct wh_yaml_node *map, const char *key);

/* A scalar's text when it holds no NUL byte, else NULL (also for NULL and non-scalars). */
const char *wh_yaml_tree_str(const struct wh_yaml_node *n);

/* What scalar `n` means (base/yaml_scalar.h's one rule); a mapping or sequence is
 * WH_YAML_STRING. *num and *boolean are set for numbers and booleans. */
enum wh_yaml_scalar wh_yaml_tree_scalar(const struct wh_yaml_node *n, double *num, bool *boolean);

/* "a mapping", "a sequence" or "a scalar". */
const char *wh_yaml_tree_kind_name(const struct wh_yaml_node *n);

#endif
