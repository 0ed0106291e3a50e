/*
 * libyaml events → the policy tree of tree.h. Only what the format needs survives: scalars,
 * mappings and sequences with their positions.
 */
#include "policy/tree.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "base/yaml_scalar.h"

struct ctx {
    const char *file;
    struct wh_arena *a;
    struct wh_error *err;
};

static enum wh_err fail(struct ctx *c, const struct wh_policy_node *n, const char *fmt, ...)
    WH_PRINTF(3, 4);

static enum wh_err
fail(struct ctx *c, const struct wh_policy_node *n, const char *fmt, ...)
{
    char msg[400];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return wh_error_set_at(c->err, WH_E_INVALID, c->file, n->line, n->col, "%s", msg);
}

/* libyaml's 0-based mark as a 1-based line or column. */
static int
mark_int(size_t zero_based)
{
    return zero_based + 1 > INT_MAX ? INT_MAX : (int)zero_based + 1;
}

static enum wh_err
fail_at(struct ctx *c, enum wh_err code, yaml_mark_t m, const char *msg)
{
    return wh_error_set_at(c->err, code, c->file, mark_int(m.line), mark_int(m.column), "%s", msg);
}

static struct wh_policy_node *
node_new(struct ctx *c, enum wh_policy_node_kind kind, yaml_mark_t m)
{
    struct wh_policy_node *n = wh_arena_alloc(c->a, sizeof(*n));

    n->kind = kind;
    n->line = mark_int(m.line);
    n->col = mark_int(m.column);
    return n;
}

const char *
wh_policy_tree_kind_name(const struct wh_policy_node *n)
{
    switch (n->kind) {
    case WH_POLICY_MAP:
        return "a mapping";
    case WH_POLICY_SEQ:
        return "a sequence";
    case WH_POLICY_SCALAR:
        break;
    }
    return "a scalar";
}

static enum wh_err
attach(struct ctx *c, struct wh_policy_node *parent, struct wh_policy_node *kid)
{
    size_t i;

    if (parent->kind == WH_POLICY_MAP && parent->n % 2 == 0) {
        if (kid->kind != WH_POLICY_SCALAR)
            return fail(c, kid, "mapping keys must be scalars, got %s",
                        wh_policy_tree_kind_name(kid));
        for (i = 0; i < parent->n; i += 2)
            if (parent->kids[i]->len == kid->len &&
                memcmp(parent->kids[i]->text, kid->text, kid->len) == 0)
                return fail(c, kid, "duplicate key \"%s\" (first at line %d)", kid->text,
                            parent->kids[i]->line);
    }
    if (parent->n == parent->cap) {
        size_t cap = parent->cap == 0 ? 8 : parent->cap * 2;
        parent->kids = wh_arena_grow(c->a, parent->kids, parent->n, cap, sizeof(*parent->kids));
        parent->cap = cap;
    }
    parent->kids[parent->n++] = kid;
    return WH_OK;
}

/* What an event says about anchors and tags, which the format has no use for. */
static const char *
forbidden_feature(const yaml_event_t *ev)
{
    const yaml_char_t *anchor = NULL, *tag = NULL;

    switch (ev->type) {
    case YAML_ALIAS_EVENT:
        return "aliases are not allowed in a policy";
    case YAML_SCALAR_EVENT:
        anchor = ev->data.scalar.anchor;
        tag = ev->data.scalar.tag;
        break;
    case YAML_MAPPING_START_EVENT:
        anchor = ev->data.mapping_start.anchor;
        tag = ev->data.mapping_start.tag;
        break;
    case YAML_SEQUENCE_START_EVENT:
        anchor = ev->data.sequence_start.anchor;
        tag = ev->data.sequence_start.tag;
        break;
    default:
        break;
    }
    if (anchor != NULL)
        return "anchors are not allowed in a policy";
    if (tag != NULL)
        return "tags are not allowed in a policy";
    return NULL;
}

static enum wh_err
on_event(struct ctx *c, const yaml_event_t *ev, struct wh_policy_node **stack, size_t *depth,
         int *docs, struct wh_policy_node **root)
{
    const char *bad = forbidden_feature(ev);
    struct wh_policy_node *n;

    if (bad != NULL)
        return fail_at(c, WH_E_INVALID, ev->start_mark, bad);
    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (++*docs > 1)
            return fail_at(c, WH_E_INVALID, ev->start_mark,
                           "a policy file holds exactly one YAML document");
        return WH_OK;
    case YAML_SCALAR_EVENT:
        n = node_new(c, WH_POLICY_SCALAR, ev->start_mark);
        n->len = ev->data.scalar.length;
        n->text = wh_arena_strndup(c->a, (const char *)ev->data.scalar.value, n->len);
        n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        break;
    case YAML_MAPPING_START_EVENT:
    case YAML_SEQUENCE_START_EVENT:
        if (*depth >= WH_POLICY_TREE_DEPTH)
            return fail_at(c, WH_E_LIMIT, ev->start_mark, "nesting deeper than 32 levels");
        n = node_new(c, ev->type == YAML_MAPPING_START_EVENT ? WH_POLICY_MAP : WH_POLICY_SEQ,
                     ev->start_mark);
        break;
    case YAML_MAPPING_END_EVENT:
    case YAML_SEQUENCE_END_EVENT:
        if (WH_NEVER(*depth == 0))
            return wh_error_set(c->err, WH_E_INTERNAL, "%s: unbalanced YAML events", c->file);
        (*depth)--;
        return WH_OK;
    default:
        return WH_OK;
    }
    if (*depth > 0) {
        enum wh_err rc = attach(c, stack[*depth - 1], n);
        if (rc != WH_OK)
            return rc;
    } else {
        *root = n;
    }
    if (n->kind != WH_POLICY_SCALAR)
        stack[(*depth)++] = n;
    return WH_OK;
}

enum wh_err
wh_policy_tree_build(struct wh_bytes yaml, const char *file, struct wh_arena *a,
                     struct wh_policy_node **root, struct wh_error *err)
{
    yaml_parser_t parser;
    yaml_event_t ev;
    struct wh_policy_node *stack[WH_POLICY_TREE_DEPTH];
    size_t depth = 0;
    int docs = 0;
    enum wh_err rc = WH_OK;
    bool done = false;
    struct ctx ctx = {file, a, err}, *c = &ctx;

    *root = NULL;
    if (yaml_parser_initialize(&parser) == 0)
        wh_oom();
    yaml_parser_set_input_string(&parser, yaml.ptr, yaml.len);
    while (!done && rc == WH_OK) {
        if (yaml_parser_parse(&parser, &ev) == 0) {
            char msg[300];
            snprintf(msg, sizeof(msg), "YAML syntax: %s%s%s",
                     parser.problem != NULL ? parser.problem : "malformed",
                     parser.context != NULL ? " " : "",
                     parser.context != NULL ? parser.context : "");
            rc = fail_at(c, WH_E_INVALID, parser.problem_mark, msg);
            break;
        }
        rc = on_event(c, &ev, stack, &depth, &docs, root);
        done = ev.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    if (rc == WH_OK && *root == NULL)
        rc = wh_error_set(c->err, WH_E_INVALID,
                          "%s:1:1: empty policy: expected apiVersion, kind "
                          "and spec",
                          c->file);
    return rc;
}

enum wh_policy_scalar_type
wh_policy_tree_scalar(const struct wh_policy_node *n, bool as_key, double *num, bool *boolean)
{
    static const enum wh_policy_scalar_type types[] = {
        [WH_YAML_STRING] = WH_POLICY_STRING,
        [WH_YAML_NULL] = WH_POLICY_NULL,
        [WH_YAML_BOOL] = WH_POLICY_BOOL,
        [WH_YAML_NUMBER] = WH_POLICY_NUMBER,
    };

    if (n->kind != WH_POLICY_SCALAR || as_key)
        return WH_POLICY_STRING;
    return types[wh_yaml_scalar_type((struct wh_str){n->text, n->len}, n->plain, num, boolean)];
}

const struct wh_policy_node *
wh_policy_tree_get(const struct wh_policy_node *map, const char *key)
{
    size_t i;

    for (i = 0; i + 1 < map->n; i += 2)
        if (strcmp(map->kids[i]->text, key) == 0)
            return map->kids[i + 1];
    return NULL;
}
