/* libyaml events → the positioned tree of yaml_tree.h, the one YAML reader of driftgate. */
#include "base/yaml_tree.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

struct anchor {
    const char *name;
    struct wh_yaml_node *node;
};

struct ctx {
    const struct wh_yaml_opts *o;
    struct wh_arena *a;
    struct wh_error *err;
    struct wh_yaml_node *stack[WH_YAML_DEPTH_MAX];
    size_t depth, max_depth;
    int docs;
    struct wh_yaml_node *root;
    struct anchor *anchors;
    size_t n_anchors;
};

/* libyaml's 0-based mark as a 1-based line or column. */
static int
mark_int(size_t zero_based)
{
    return zero_based + 1 > INT_MAX ? INT_MAX : (int)zero_based + 1;
}

static enum wh_err fail(struct ctx *c, enum wh_err code, int line, int col, const char *fmt, ...)
    WH_PRINTF(5, 6);

static enum wh_err
fail(struct ctx *c, enum wh_err code, int line, int col, const char *fmt, ...)
{
    char msg[400];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (c->o->file != NULL)
        return wh_error_set_at(c->err, code, c->o->file, line, col, "%s", msg);
    wh_error_set(c->err, code, "%d:%d: %s", line, col, msg);
    c->err->line = line;
    c->err->col = col;
    return code;
}

#define FAIL_MARK(c, code, m, ...)                                                                 \
    fail((c), (code), mark_int((m).line), mark_int((m).column), __VA_ARGS__)

const char *
wh_yaml_tree_kind_name(const struct wh_yaml_node *n)
{
    switch (n->kind) {
    case WH_YAML_MAP:
        return "a mapping";
    case WH_YAML_SEQ:
        return "a sequence";
    case WH_YAML_SCALAR:
        break;
    }
    return "a scalar";
}

static struct wh_yaml_node *
node_new(struct ctx *c, enum wh_yaml_kind kind, const yaml_event_t *ev)
{
    struct wh_yaml_node *n = wh_arena_alloc(c->a, sizeof(*n));

    n->kind = kind;
    n->line = mark_int(ev->start_mark.line);
    n->col = mark_int(ev->start_mark.column);
    n->end_line = mark_int(ev->end_mark.line);
    n->end_col = mark_int(ev->end_mark.column);
    return n;
}

static enum wh_err
check_key(struct ctx *c, const struct wh_yaml_node *map, const struct wh_yaml_node *key)
{
    size_t i;

    if (key->kind != WH_YAML_SCALAR)
        return fail(c, WH_E_INVALID, key->line, key->col, "mapping keys must be scalars, got %s",
                    wh_yaml_tree_kind_name(key));
    if (c->o->merge_keys != NULL && key->len == 2 && memcmp(key->text, "<<", 2) == 0)
        return fail(c, WH_E_INVALID, key->line, key->col, "%s", c->o->merge_keys);
    /* Duplicates are found by comparing: a mapping wider than any we read is refused first. */
    if (map->n / 2 >= WH_YAML_MAX_KEYS)
        return fail(c, WH_E_LIMIT, key->line, key->col, "a mapping with more than %d keys",
                    WH_YAML_MAX_KEYS);
    for (i = 0; i < map->n; i += 2)
        if (map->kids[i]->len == key->len && memcmp(map->kids[i]->text, key->text, key->len) == 0)
            return fail(c, WH_E_INVALID, key->line, key->col,
                        "duplicate key \"%.200s\" (first at line %d)", key->text,
                        map->kids[i]->line);
    return WH_OK;
}

static enum wh_err
attach(struct ctx *c, struct wh_yaml_node *n)
{
    struct wh_yaml_node *parent;
    enum wh_err rc;

    if (c->depth == 0) {
        if (WH_NEVER(c->root != NULL)) /* libyaml gives one node per document */
            return fail(c, WH_E_INTERNAL, n->line, n->col, "more than one root node");
        c->root = n;
        return WH_OK;
    }
    parent = c->stack[c->depth - 1];
    if (parent->kind == WH_YAML_MAP && parent->n % 2 == 0 &&
        (rc = check_key(c, parent, n)) != WH_OK)
        return rc;
    if (parent->n == parent->cap) {
        size_t cap = parent->cap == 0 ? 8 : parent->cap * 2;
        parent->kids = wh_arena_grow(c->a, parent->kids, parent->n, cap, sizeof(*parent->kids));
        parent->cap = cap;
    }
    parent->kids[parent->n++] = n;
    return WH_OK;
}

/* An event's anchor and tag, checked against what the caller allows. */
static enum wh_err
check_features(struct ctx *c, const yaml_event_t *ev, const yaml_char_t **anchor)
{
    const yaml_char_t *tag = NULL;

    *anchor = NULL;
    switch (ev->type) {
    case YAML_ALIAS_EVENT:
        if (!c->o->aliases)
            return FAIL_MARK(c, WH_E_INVALID, ev->start_mark, "aliases are not allowed in %s",
                             c->o->what);
        return WH_OK;
    case YAML_SCALAR_EVENT:
        *anchor = ev->data.scalar.anchor;
        tag = ev->data.scalar.tag;
        break;
    case YAML_MAPPING_START_EVENT:
        *anchor = ev->data.mapping_start.anchor;
        tag = ev->data.mapping_start.tag;
        break;
    case YAML_SEQUENCE_START_EVENT:
        *anchor = ev->data.sequence_start.anchor;
        tag = ev->data.sequence_start.tag;
        break;
    default:
        return WH_OK;
    }
    if (*anchor != NULL && !c->o->aliases)
        return FAIL_MARK(c, WH_E_INVALID, ev->start_mark, "anchors are not allowed in %s",
                         c->o->what);
    if (tag != NULL && !c->o->tags)
        return FAIL_MARK(c, WH_E_INVALID, ev->start_mark, "tags are not allowed in %s", c->o->what);
    return WH_OK;
}

static enum wh_err
remember(struct ctx *c, const yaml_char_t *anchor, struct wh_yaml_node *n)
{
    if (anchor == NULL)
        return WH_OK;
    if (c->n_anchors == WH_YAML_MAX_ANCHORS)
        return fail(c, WH_E_LIMIT, n->line, n->col, "more than %d anchors", WH_YAML_MAX_ANCHORS);
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
    size_t i, d;

    for (i = c->n_anchors; i > 0; i--) {
        struct wh_yaml_node *target = c->anchors[i - 1].node;

        if (strcmp(c->anchors[i - 1].name, name) != 0)
            continue;
        /* An alias of a node still being built would make a cycle. */
        for (d = 0; d < c->depth; d++)
            if (c->stack[d] == target)
                return FAIL_MARK(c, WH_E_INVALID, ev->start_mark, "recursive alias");
        return attach(c, target);
    }
    return FAIL_MARK(c, WH_E_INVALID, ev->start_mark, "alias to an unknown anchor");
}

static enum wh_err
on_node(struct ctx *c, const yaml_event_t *ev, const yaml_char_t *anchor)
{
    struct wh_yaml_node *n;
    enum wh_err rc;

    if (ev->type == YAML_SCALAR_EVENT) {
        n = node_new(c, WH_YAML_SCALAR, ev);
        n->len = ev->data.scalar.length;
        n->text = wh_arena_strndup(c->a, (const char *)ev->data.scalar.value, n->len);
        n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        if ((rc = attach(c, n)) != WH_OK)
            return rc;
        return remember(c, anchor, n);
    }
    if (c->depth >= c->max_depth)
        return FAIL_MARK(c, WH_E_LIMIT, ev->start_mark, "nesting deeper than %zu levels",
                         c->max_depth);
    n = node_new(c, ev->type == YAML_MAPPING_START_EVENT ? WH_YAML_MAP : WH_YAML_SEQ, ev);
    if ((rc = attach(c, n)) != WH_OK || (rc = remember(c, anchor, n)) != WH_OK)
        return rc;
    c->stack[c->depth++] = n;
    return WH_OK;
}

static enum wh_err
on_event(struct ctx *c, const yaml_event_t *ev)
{
    const yaml_char_t *anchor;
    enum wh_err rc = check_features(c, ev, &anchor);

    if (rc != WH_OK)
        return rc;
    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (++c->docs > 1)
            return FAIL_MARK(c, WH_E_INVALID, ev->start_mark,
                             "%s file holds exactly one YAML document", c->o->what);
        return WH_OK;
    case YAML_ALIAS_EVENT:
        return on_alias(c, ev);
    case YAML_SCALAR_EVENT:
    case YAML_MAPPING_START_EVENT:
    case YAML_SEQUENCE_START_EVENT:
        return on_node(c, ev, anchor);
    case YAML_MAPPING_END_EVENT:
    case YAML_SEQUENCE_END_EVENT:
        if (WH_NEVER(c->depth == 0))
            return FAIL_MARK(c, WH_E_INTERNAL, ev->start_mark, "unbalanced YAML events");
        c->depth--;
        return WH_OK;
    default:
        return WH_OK;
    }
}

enum wh_err
wh_yaml_tree_build(struct wh_bytes yaml, const struct wh_yaml_opts *opts, struct wh_arena *a,
                   struct wh_yaml_node **root, struct wh_error *err)
{
    yaml_parser_t parser;
    yaml_event_t ev;
    struct ctx c;
    enum wh_err rc = WH_OK;
    bool done = false;

    memset(&c, 0, sizeof(c));
    c.o = opts;
    c.a = a;
    c.err = err;
    c.max_depth = opts->max_depth < WH_YAML_DEPTH_MAX ? opts->max_depth : WH_YAML_DEPTH_MAX;
    *root = NULL;
    if (yaml_parser_initialize(&parser) == 0)
        wh_oom();
    yaml_parser_set_input_string(&parser, yaml.ptr, yaml.len);
    while (!done && rc == WH_OK) {
        if (yaml_parser_parse(&parser, &ev) == 0) {
            rc = FAIL_MARK(&c, WH_E_INVALID, parser.problem_mark, "YAML syntax: %s%s%s",
                           parser.problem != NULL ? parser.problem : "malformed",
                           parser.context != NULL ? " " : "",
                           parser.context != NULL ? parser.context : "");
            break;
        }
        rc = on_event(&c, &ev);
        done = ev.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    if (rc == WH_OK)
        *root = c.root;
    return rc;
}

const struct wh_yaml_node *
wh_yaml_tree_get(const struct wh_yaml_node *map, const char *key)
{
    size_t i, len = strlen(key);

    if (map == NULL || map->kind != WH_YAML_MAP)
        return NULL;
    for (i = 0; i + 1 < map->n; i += 2)
        if (map->kids[i]->len == len && memcmp(map->kids[i]->text, key, len) == 0)
            return map->kids[i + 1];
    return NULL;
}

const char *
wh_yaml_tree_str(const struct wh_yaml_node *n)
{
    if (n == NULL || n->kind != WH_YAML_SCALAR || strlen(n->text) != n->len)
        return NULL;
    return n->text;
}

enum wh_yaml_scalar
wh_yaml_tree_scalar(const struct wh_yaml_node *n, double *num, bool *boolean)
{
    if (n->kind != WH_YAML_SCALAR)
        return WH_YAML_STRING;
    return wh_yaml_scalar_type((struct wh_str){n->text, n->len}, n->plain, num, boolean);
}
