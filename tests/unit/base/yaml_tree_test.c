/* base/yaml_tree: positions, the refusals every reader shares, and the caller's choices. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/yaml_tree.h"
#include "unit/harness.h"

static const struct wh_yaml_opts strict = {.file = "t.yaml", .what = "a test", .max_depth = 8};
static const struct wh_yaml_opts lenient = {
    .what = "a test", .max_depth = 8, .aliases = true, .tags = true, .merge_keys = "no merges"};

static enum wh_err
build(const char *text, const struct wh_yaml_opts *o, struct wh_arena *a,
      struct wh_yaml_node **root, struct wh_error *err)
{
    return wh_yaml_tree_build((struct wh_bytes){(const unsigned char *)text, strlen(text)}, o, a,
                              root, err);
}

/* `text` is refused with `code` and a message equal to `msg`, at line:col. */
static void
refused(const char *name, const char *text, const struct wh_yaml_opts *o, enum wh_err code,
        const char *msg, int line, int col)
{
    struct wh_yaml_node *root = NULL;
    struct wh_error err = {0};
    struct wh_arena a;
    enum wh_err rc;

    wh_arena_init(&a);
    rc = build(text, o, &a, &root, &err);
    ok(rc == code && strcmp(err.msg, msg) == 0 && err.line == line && err.col == col,
       "%s: refused (%s at %d:%d)", name, err.msg, err.line, err.col);
    wh_arena_fini(&a);
}

static void
test_tree_and_positions(void)
{
    struct wh_yaml_node *root = NULL;
    const struct wh_yaml_node *v, *list;
    struct wh_error err = {0};
    struct wh_arena a;
    double num = 0;
    bool b = false;

    wh_arena_init(&a);
    ok(build("a: 1\nlist:\n  - 'x'\n  - {k: true}\n", &strict, &a, &root, &err) == WH_OK &&
           root != NULL && root->kind == WH_YAML_MAP && root->n == 4,
       "a mapping of two keys (%s)", err.msg);
    v = wh_yaml_tree_get(root, "a");
    ok(v != NULL && v->line == 1 && v->col == 4 && v->end_line == 1 && v->end_col == 5 &&
           wh_yaml_tree_scalar(v, &num, &b) == WH_YAML_NUMBER && num == 1,
       "a: 1 is the number 1 at 1:4..1:5");
    list = wh_yaml_tree_get(root, "list");
    ok(list != NULL && list->kind == WH_YAML_SEQ && list->n == 2 && list->line == 3 &&
           list->col == 3,
       "list is a sequence of two at 3:3");
    ok(wh_yaml_tree_scalar(list->kids[0], &num, &b) == WH_YAML_STRING && !list->kids[0]->plain &&
           strcmp(wh_yaml_tree_str(list->kids[0]), "x") == 0,
       "'x' is a quoted string");
    ok(wh_yaml_tree_scalar(wh_yaml_tree_get(list->kids[1], "k"), &num, &b) == WH_YAML_BOOL && b,
       "k: true is a boolean (base/yaml_scalar's rule)");
    ok(wh_yaml_tree_scalar(list, &num, &b) == WH_YAML_STRING && wh_yaml_tree_str(list) == NULL &&
           strcmp(wh_yaml_tree_kind_name(list), "a sequence") == 0,
       "a sequence is no scalar");
    ok(wh_yaml_tree_get(list, "a") == NULL && wh_yaml_tree_get(NULL, "a") == NULL &&
           wh_yaml_tree_get(root, "b") == NULL,
       "get on a sequence, NULL or a missing key is NULL");
    ok(build("\"a\\0b\": 1\n", &strict, &a, &root, &err) == WH_OK &&
           wh_yaml_tree_get(root, "a") == NULL && wh_yaml_tree_str(root->kids[0]) == NULL &&
           root->kids[0]->len == 3,
       "a key holding a NUL is not its prefix, and has no C string");
    ok(build("", &strict, &a, &root, &err) == WH_OK && root == NULL, "empty text: no root");
    ok(build("# only a comment\n", &strict, &a, &root, &err) == WH_OK && root == NULL,
       "comments only: no root");
    wh_arena_fini(&a);
}

static void
test_refusals(void)
{
    char wide[16000];
    size_t i, used = 0;

    refused("duplicate key", "a: 1\nb: 2\na: 3\n", &strict, WH_E_INVALID,
            "t.yaml:3:1: duplicate key \"a\" (first at line 1)", 3, 1);
    refused("duplicate key, lenient too", "a: 1\na: 3\n", &lenient, WH_E_INVALID,
            "2:1: duplicate key \"a\" (first at line 1)", 2, 1);
    refused("non-scalar key", "? [a]\n: 1\n", &strict, WH_E_INVALID,
            "t.yaml:1:3: mapping keys must be scalars, got a sequence", 1, 3);
    refused("two documents", "a: 1\n---\nb: 2\n", &strict, WH_E_INVALID,
            "t.yaml:2:1: a test file holds exactly one YAML document", 2, 1);
    refused("anchor", "a: &x 1\n", &strict, WH_E_INVALID,
            "t.yaml:1:4: anchors are not allowed in a test", 1, 4);
    refused("alias", "a: *x\n", &strict, WH_E_INVALID,
            "t.yaml:1:4: aliases are not allowed in a test", 1, 4);
    refused("tag", "a: !!str 1\n", &strict, WH_E_INVALID,
            "t.yaml:1:4: tags are not allowed in a test", 1, 4);
    refused("depth", "a: [[[[[[[[1]]]]]]]]\n", &strict, WH_E_LIMIT,
            "t.yaml:1:11: nesting deeper than 8 levels", 1, 11);
    refused("syntax", "a: [1,\n", &strict, WH_E_INVALID,
            "t.yaml:2:1: YAML syntax: did not find expected node content while parsing a flow node",
            2, 1);
    refused("merge key", "a: &m {x: 1}\nb:\n  <<: *m\n", &lenient, WH_E_INVALID, "3:3: no merges",
            3, 3);
    refused("unknown anchor", "a: *nope\n", &lenient, WH_E_INVALID,
            "1:4: alias to an unknown anchor", 1, 4);
    refused("recursive alias", "a: &r [*r]\n", &lenient, WH_E_INVALID, "1:8: recursive alias", 1,
            8);
    used += (size_t)snprintf(wide, sizeof(wide), "{");
    for (i = 0; i <= WH_YAML_MAX_KEYS; i++)
        used += (size_t)snprintf(wide + used, sizeof(wide) - used, "k%zu: 1,", i);
    snprintf(wide + used, sizeof(wide) - used, "}\n");
    refused("a mapping too wide to search for duplicates", wide, &strict, WH_E_LIMIT,
            "t.yaml:1:7892: a mapping with more than 1000 keys", 1, 7892);
}

/* Aliases share their anchor's node: nine levels of nine aliases is 9^9 values, ~90 nodes. */
static void
test_aliases_share(void)
{
    char bomb[2048];
    size_t used = 0;
    struct wh_yaml_node *root = NULL;
    const struct wh_yaml_node *l0, *l8;
    struct wh_error err = {0};
    struct wh_arena a;
    int i;

    used += (size_t)snprintf(bomb, sizeof(bomb), "l0: &l0 [x, x, x, x, x, x, x, x, x]\n");
    for (i = 1; i <= 8; i++)
        used +=
            (size_t)snprintf(bomb + used, sizeof(bomb) - used,
                             "l%d: &l%d [*l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d]\n",
                             i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
    wh_arena_init(&a);
    ok(build(bomb, &lenient, &a, &root, &err) == WH_OK, "billion laughs builds (%s)", err.msg);
    l0 = wh_yaml_tree_get(root, "l0");
    l8 = wh_yaml_tree_get(root, "l8");
    ok(l0 != NULL && l8 != NULL && l8->n == 9 && wh_yaml_tree_get(root, "l1")->kids[0] == l0,
       "an alias is its anchor's node, not a copy");
    ok(build(bomb, &strict, &a, &root, &err) == WH_E_INVALID, "refused where anchors are");
    wh_arena_fini(&a);
}

static void
test_anchor_bound(void)
{
    size_t cap = (WH_YAML_MAX_ANCHORS + 1) * 16 + 16, used = 0;
    char *text = malloc(cap);
    struct wh_yaml_node *root = NULL;
    struct wh_error err = {0};
    struct wh_arena a;
    int i;

    if (text == NULL)
        wh_oom();
    used += (size_t)snprintf(text, cap, "[");
    for (i = 0; i <= WH_YAML_MAX_ANCHORS; i++)
        used += (size_t)snprintf(text + used, cap - used, "&a%d 1,", i);
    snprintf(text + used, cap - used, "]\n");
    wh_arena_init(&a);
    ok(build(text, &lenient, &a, &root, &err) == WH_E_LIMIT &&
           strstr(err.msg, "more than 4096 anchors"),
       "anchors are bounded (%s)", err.msg);
    wh_arena_fini(&a);
    free(text);
}

int
main(void)
{
    test_tree_and_positions();
    test_refusals();
    test_aliases_share();
    test_anchor_bound();
    return done_testing();
}
