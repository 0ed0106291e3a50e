#ifndef WH_AUDIT_YAML_H
#define WH_AUDIT_YAML_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/str.h"

/*
 * A workflow or lock file as a YAML tree with positions (libyaml). GitHub Actions accepts anchors
 * and aliases, so an alias becomes a second pointer to its anchor's node (the tree is a DAG; no
 * copy, so "billion laughs" costs nothing to build; walkers bound their visits). Refused: merge
 * keys ("<<", which GitHub does not expand: a reader that did would see steps GitHub never runs),
 * duplicate keys (which one GitHub runs is not ours to guess), non-scalar keys, more than one
 * document, nesting past WH_AUDIT_YAML_DEPTH, an alias to an unknown anchor. Errors are
 * WH_E_INVALID (WH_E_LIMIT for depth) with msg "line:col: message".
 */
#define WH_AUDIT_YAML_DEPTH 64

enum wh_audit_yaml_kind { WH_AUDIT_YAML_SCALAR, WH_AUDIT_YAML_MAP, WH_AUDIT_YAML_SEQ };

struct wh_audit_yaml {
    enum wh_audit_yaml_kind kind;
    int line, col;    /* 1-based start */
    int end_line;     /* line of the node's last character (scalars: for a trailing comment) */
    int end_col;      /* 1-based column just past it */
    const char *text; /* scalar: NUL-terminated (may hold a NUL: `len` is the truth) */
    size_t len;
    bool audited; /* set by a walker that reported it (an alias reaches a node twice) */
    struct wh_audit_yaml **kids; /* map: key, value, ...; seq: items */
    size_t n, cap;
};

WH_MUST_CHECK enum wh_err wh_audit_yaml_parse(struct wh_bytes text, struct wh_arena *a,
                                              struct wh_audit_yaml **root, struct wh_error *err);
/* The value of `key` in mapping `map` (NULL when `map` is not a mapping or lacks it). */
const struct wh_audit_yaml *wh_audit_yaml_get(const struct wh_audit_yaml *map, const char *key);
/* A scalar's text without NUL bytes, else NULL. */
const char *wh_audit_yaml_str(const struct wh_audit_yaml *n);

#endif
