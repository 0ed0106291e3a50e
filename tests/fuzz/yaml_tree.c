/*
 * base/yaml_tree: any input builds or fails with WH_E_INVALID/WH_E_LIMIT and a positioned
 * message. A built tree has positions, even mappings with unique scalar keys, bounded depth;
 * with aliases it is a DAG whose distinct nodes are walked once (visited). Whatever the strict
 * settings (the policy's) accept, the lenient ones (the audit's) accept too, unless it has a
 * merge key.
 */
#include <string.h>

#include "base/yaml_tree.h"
#include "fuzz/fuzz.h"

static const struct wh_yaml_opts strict = {.file = "f.yaml", .what = "a policy", .max_depth = 32};
static const struct wh_yaml_opts lenient = {
    .what = "a workflow", .max_depth = 64, .aliases = true, .tags = true, .merge_keys = "merge"};

static bool merge_key;

/* Checks n and below; returns the depth below n (nodes already visited count 0). */
static size_t
walk(struct wh_yaml_node *n, size_t depth)
{
    size_t i, k, deepest = 0;

    WH_ASSERT(depth <= WH_YAML_DEPTH_MAX + 1);
    WH_ASSERT(n->line >= 1 && n->col >= 1 && n->end_line >= n->line);
    if (n->visited)
        return 0;
    n->visited = true;
    if (n->kind == WH_YAML_SCALAR) {
        WH_ASSERT(n->text != NULL && n->text[n->len] == '\0' && n->n == 0);
        return 0;
    }
    WH_ASSERT(n->kind != WH_YAML_MAP || n->n % 2 == 0);
    for (i = 0; i < n->n; i++) {
        size_t d = walk(n->kids[i], depth + 1);
        if (n->kind != WH_YAML_MAP || i % 2 == 1)
            deepest = d + 1 > deepest ? d + 1 : deepest;
        if (n->kind != WH_YAML_MAP || i % 2 == 1)
            continue;
        WH_ASSERT(n->kids[i]->kind == WH_YAML_SCALAR);
        if (n->kids[i]->len == 2 && memcmp(n->kids[i]->text, "<<", 2) == 0)
            merge_key = true;
        for (k = 0; k < i; k += 2)
            WH_ASSERT(n->kids[k]->len != n->kids[i]->len ||
                      memcmp(n->kids[k]->text, n->kids[i]->text, n->kids[i]->len) != 0);
    }
    return deepest;
}

static enum wh_err
one(const uint8_t *data, size_t size, const struct wh_yaml_opts *o)
{
    struct wh_yaml_node *root;
    struct wh_error err;
    struct wh_arena a;
    enum wh_err rc;

    wh_arena_init(&a);
    rc = wh_yaml_tree_build((struct wh_bytes){data, size}, o, &a, &root, &err);
    if (rc != WH_OK) {
        WH_ASSERT(rc == WH_E_INVALID || rc == WH_E_LIMIT);
        WH_ASSERT(err.line >= 1 && err.col >= 1);
        WH_ASSERT(o->file == NULL || strncmp(err.msg, "f.yaml:", 7) == 0);
        WH_ASSERT(o->file != NULL || (err.msg[0] >= '1' && err.msg[0] <= '9'));
    } else if (root != NULL) {
        WH_ASSERT(walk(root, 0) < o->max_depth + 1);
    }
    wh_arena_fini(&a);
    return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    enum wh_err s;

    if (size > 1 << 16)
        return 0;
    merge_key = false;
    s = one(data, size, &strict);
    if (s == WH_OK && !merge_key)
        WH_ASSERT(one(data, size, &lenient) == WH_OK);
    else
        (void)one(data, size, &lenient);
    return 0;
}
