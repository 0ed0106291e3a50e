/* libyaml events → the positioned tree of yaml.h, anchors resolved to shared nodes. */
#include "audit/yaml.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#define MAX_ANCHORS 4096
#define MAX_KEYS 1000

struct anchor {
    const char *name;
    struct wh_audit_yaml *node;
};

struct ctx {
    struct wh_arena *a;
    struct wh_error *err;
    struct wh_audit_yaml *stack[WH_AUDIT_YAML_DEPTH];
    size_t depth;
    int docs;
    struct wh_audit_yaml *root;
    struct anchor *anchors;
    size_t n_anchors;
};

static int
clamp(size_t v)
{
    return v + 1 > INT_MAX ? INT_MAX : (int)v + 1;
}

static enum wh_err
fail_at(struct ctx *c, enum wh_err code, int line, int col, const char *msg)
{
    return wh_error_set(c->err, code, "%d:%d: %s", line, col, msg);
}

static struct wh_audit_yaml *
node_new(struct ctx *c, enum wh_audit_yaml_kind kind, const yaml_event_t *ev)
{
    struct wh_audit_yaml *n = wh_arena_alloc(c->a, sizeof(*n));

    n->kind = kind;
    n->line = clamp(ev->start_mark.line);
    n->col = clamp(ev->start_mark.column);
    n->end_line = clamp(ev->end_mark.line);
    n->end_col = clamp(ev->end_mark.column);
    return n;
}

static bool
same_text(const struct wh_audit_yaml *x, const struct wh_audit_yaml *y)
{
    return x->len == y->len && memcmp(x->text, y->text, x->len) == 0;
}

static enum wh_err
check_key(struct ctx *c, const struct wh_audit_yaml *map, const struct wh_audit_yaml *key)
{
    char msg[200];
    size_t i;

    if (key->kind != WH_AUDIT_YAML_SCALAR)
        return fail_at(c, WH_E_INVALID, key->line, key->col, "mapping keys must be scalars");
    if (key->len == 2 && memcmp(key->text, "<<", 2) == 0)
        return fail_at(c, WH_E_INVALID, key->line, key->col,
                       "merge keys (<<) are not supported by GitHub Actions: write the keys out");
    /* Duplicate detection is quadratic: a mapping wider than any workflow is refused first. */
    if (map->n / 2 >= MAX_KEYS)
        return fail_at(c, WH_E_LIMIT, key->line, key->col, "a mapping with more than 1000 keys");
    for (i = 0; i < map->n; i += 2)
        if (same_text(map->kids[i], key)) {
            snprintf(msg, sizeof(msg), "duplicate key \"%.80s\" (first at line %d)", key->text,
                     map->kids[i]->line);
            return fail_at(c, WH_E_INVALID, key->line, key->col, msg);
        }
    return WH_OK;
}

static enum wh_err
attach(struct ctx *c, struct wh_audit_yaml *n)
{
    struct wh_audit_yaml *parent;

    if (c->depth == 0) {
        if (c->root != NULL)
            return fail_at(c, WH_E_INVALID, n->line, n->col, "more than one root node");
        c->root = n;
        return WH_OK;
    }
    parent = c->stack[c->depth - 1];
    if (parent->kind == WH_AUDIT_YAML_MAP && parent->n % 2 == 0) {
        enum wh_err rc = check_key(c, parent, n);
        if (rc != WH_OK)
            return rc;
    }
    if (parent->n == parent->cap) {
        size_t cap = parent->cap == 0 ? 8 : parent->cap * 2;
        parent->kids = wh_arena_grow(c->a, parent->kids, parent->n, cap, sizeof(*parent->kids));
        parent->cap = cap;
    }
    parent->kids[parent->n++] = n;
    return WH_OK;
}

static enum wh_err
remember(struct ctx *c, const yaml_char_t *anchor, struct wh_audit_yaml *n)
{
    if (anchor == NULL)
        return WH_OK;
    if (c->n_anchors == MAX_ANCHORS)
        return fail_at(c, WH_E_LIMIT, n->line, n->col, "more than 4096 anchors");
    if (c->n_anchors % 64 == 0)
        c->anchors =
            wh_arena_grow(c->a, c->anchors, c->n_anchors, c->n_anchors + 64, sizeof(*c->anchors));
    /* A later anchor of the same name shadows the earlier one (YAML 1.2 §3.2.2.2). */
    c->anchors[c->n_anchors].name = wh_arena_strdup(c->a, (const char *)anchor);
    c->anchors[c->n_anchors++].node = n;
    return WH_OK;
}

static enum wh_err
on_alias(struct ctx *c, const yaml_event_t *ev)
{
    const char *name = (const char *)ev->data.alias.anchor;
    size_t i;

    for (i = c->n_anchors; i > 0; i--)
        if (strcmp(c->anchors[i - 1].name, name) == 0) {
            struct wh_audit_yaml *target = c->anchors[i - 1].node;
            /* An alias of a node still being built would make a cycle. */
            size_t d;
            for (d = 0; d < c->depth; d++)
                if (c->stack[d] == target)
                    return fail_at(c, WH_E_INVALID, clamp(ev->start_mark.line),
                                   clamp(ev->start_mark.column), "recursive alias");
            return attach(c, target);
        }
    return fail_at(c, WH_E_INVALID, clamp(ev->start_mark.line), clamp(ev->start_mark.column),
                   "alias to an unknown anchor");
}

static enum wh_err
on_start(struct ctx *c, const yaml_event_t *ev, enum wh_audit_yaml_kind kind,
         const yaml_char_t *anchor)
{
    struct wh_audit_yaml *n;
    enum wh_err rc;

    if (c->depth >= WH_AUDIT_YAML_DEPTH)
        return fail_at(c, WH_E_LIMIT, clamp(ev->start_mark.line), clamp(ev->start_mark.column),
                       "nesting deeper than 64 levels");
    n = node_new(c, kind, ev);
    if ((rc = attach(c, n)) != WH_OK || (rc = remember(c, anchor, n)) != WH_OK)
        return rc;
    c->stack[c->depth++] = n;
    return WH_OK;
}

static enum wh_err
on_event(struct ctx *c, const yaml_event_t *ev)
{
    struct wh_audit_yaml *n;
    enum wh_err rc;

    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (++c->docs > 1)
            return fail_at(c, WH_E_INVALID, clamp(ev->start_mark.line),
                           clamp(ev->start_mark.column), "more than one YAML document");
        return WH_OK;
    case YAML_ALIAS_EVENT:
        return on_alias(c, ev);
    case YAML_SCALAR_EVENT:
        n = node_new(c, WH_AUDIT_YAML_SCALAR, ev);
        n->len = ev->data.scalar.length;
        n->text = wh_arena_strndup(c->a, (const char *)ev->data.scalar.value, n->len);
        if ((rc = attach(c, n)) != WH_OK)
            return rc;
        return remember(c, ev->data.scalar.anchor, n);
    case YAML_MAPPING_START_EVENT:
        return on_start(c, ev, WH_AUDIT_YAML_MAP, ev->data.mapping_start.anchor);
    case YAML_SEQUENCE_START_EVENT:
        return on_start(c, ev, WH_AUDIT_YAML_SEQ, ev->data.sequence_start.anchor);
    case YAML_MAPPING_END_EVENT:
    case YAML_SEQUENCE_END_EVENT:
        if (WH_NEVER(c->depth == 0))
            return wh_error_set(c->err, WH_E_INTERNAL, "unbalanced YAML events");
        c->depth--;
        return WH_OK;
    default:
        return WH_OK;
    }
}

enum wh_err
wh_audit_yaml_parse(struct wh_bytes text, struct wh_arena *a, struct wh_audit_yaml **root,
                    struct wh_error *err)
{
    yaml_parser_t parser;
    yaml_event_t ev;
    struct ctx ctx;
    enum wh_err rc = WH_OK;
    bool done = false;

    memset(&ctx, 0, sizeof(ctx));
    ctx.a = a;
    ctx.err = err;
    *root = NULL;
    if (yaml_parser_initialize(&parser) == 0)
        wh_oom();
    yaml_parser_set_input_string(&parser, text.ptr, text.len);
    while (!done && rc == WH_OK) {
        if (yaml_parser_parse(&parser, &ev) == 0) {
            char msg[300];
            snprintf(msg, sizeof(msg), "YAML syntax: %s%s%s",
                     parser.problem != NULL ? parser.problem : "malformed",
                     parser.context != NULL ? " " : "",
                     parser.context != NULL ? parser.context : "");
            rc = fail_at(&ctx, WH_E_INVALID, clamp(parser.problem_mark.line),
                         clamp(parser.problem_mark.column), msg);
            break;
        }
        rc = on_event(&ctx, &ev);
        done = ev.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    if (rc == WH_OK && ctx.root == NULL)
        rc = wh_error_set(err, WH_E_INVALID, "1:1: empty YAML file");
    if (rc == WH_OK)
        *root = ctx.root;
    return rc;
}

const struct wh_audit_yaml *
wh_audit_yaml_get(const struct wh_audit_yaml *map, const char *key)
{
    size_t i, len = strlen(key);

    if (map == NULL || map->kind != WH_AUDIT_YAML_MAP)
        return NULL;
    for (i = 0; i + 1 < map->n; i += 2)
        if (map->kids[i]->len == len && memcmp(map->kids[i]->text, key, len) == 0)
            return map->kids[i + 1];
    return NULL;
}

const char *
wh_audit_yaml_str(const struct wh_audit_yaml *n)
{
    if (n == NULL || n->kind != WH_AUDIT_YAML_SCALAR || strlen(n->text) != n->len)
        return NULL;
    return n->text;
}
