/* actions.lock and devcontainer-lock.json → sorted (reference, digest) entries (lock.h). */
#include "audit/lock.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "audit/jsonc.h"
#include "audit/yaml.h"

static int
cmp_entry(const void *x, const void *y)
{
    return strcmp(((const struct wh_audit_lock_entry *)x)->key,
                  ((const struct wh_audit_lock_entry *)y)->key);
}

const struct wh_audit_lock_entry *
wh_audit_lock_find(const struct wh_audit_lock *lock, const char *key)
{
    struct wh_audit_lock_entry probe = {.key = key};

    if (lock == NULL || lock->n == 0)
        return NULL;
    return bsearch(&probe, lock->entries, lock->n, sizeof(probe), cmp_entry);
}

/* gh-actions-lock writes the commit as "sha1-<40 hex>". */
static void
actions_entry(const struct wh_yaml_node *v, struct wh_arena *a, struct wh_audit_lock_entry *e)
{
    const char *commit = wh_yaml_tree_str(wh_yaml_tree_get(v, "commit"));

    if (commit == NULL) {
        e->problem = "has no commit";
        return;
    }
    if (strncmp(commit, "sha1-", 5) != 0 || !wh_audit_is_commit(wh_str_c(commit + 5))) {
        e->problem = wh_arena_sprintf(a, "has commit \"%.80s\", not sha1-<40 hex digits>", commit);
        return;
    }
    e->digest = wh_arena_strdup(a, commit + 5);
}

enum wh_err
wh_audit_actions_lock_parse(struct wh_bytes text, struct wh_arena *a, struct wh_audit_lock *out,
                            struct wh_error *err)
{
    struct wh_yaml_node *root;
    const struct wh_yaml_node *deps;
    enum wh_err rc = wh_audit_yaml_parse(text, a, &root, err);
    size_t i;

    if (rc != WH_OK)
        return rc;
    memset(out, 0, sizeof(*out));
    deps = wh_yaml_tree_get(root, "dependencies");
    if (deps == NULL)
        return wh_error_set(err, WH_E_INVALID, "%d:%d: no dependencies: mapping", root->line,
                            root->col);
    if (deps->kind != WH_YAML_MAP)
        return wh_error_set(err, WH_E_INVALID, "%d:%d: dependencies: expected a mapping",
                            deps->line, deps->col);
    if (deps->n / 2 > WH_AUDIT_LOCK_MAX)
        return wh_error_set(err, WH_E_LIMIT, "more than %d lock entries", WH_AUDIT_LOCK_MAX);
    out->entries = wh_arena_calloc(a, deps->n / 2 + 1, sizeof(*out->entries));
    for (i = 0; i + 1 < deps->n; i += 2) {
        struct wh_audit_lock_entry *e = &out->entries[out->n];
        e->key = wh_yaml_tree_str(deps->kids[i]);
        if (e->key == NULL)
            return wh_error_set(err, WH_E_INVALID, "%d:%d: a key holds a NUL byte",
                                deps->kids[i]->line, deps->kids[i]->col);
        actions_entry(deps->kids[i + 1], a, e);
        out->n++;
    }
    qsort(out->entries, out->n, sizeof(*out->entries), cmp_entry);
    return WH_OK;
}

/* The devcontainer lock records per feature `resolved` ("<ref>@sha256:<hex>" for an OCI feature,
 * the URL for a tarball) and `integrity` ("sha256:<hex>" of what was resolved). */
static void
feature_entry(json_t *v, struct wh_arena *a, struct wh_audit_lock_entry *e)
{
    const char *resolved = json_string_value(json_object_get(v, "resolved"));
    const char *integrity = json_string_value(json_object_get(v, "integrity"));
    const char *at = resolved != NULL ? strrchr(resolved, '@') : NULL;
    bool oci = at != NULL && wh_audit_is_sha256(wh_str_c(at + 1));

    if (!oci && (resolved == NULL || strncmp(resolved, "https://", 8) != 0)) {
        e->problem = "has no resolved <reference>@sha256:<64 hex> (or https:// tarball URL)";
        return;
    }
    if (integrity == NULL || !wh_audit_is_sha256(wh_str_c(integrity))) {
        e->problem = "has no integrity sha256:<64 hex>";
        return;
    }
    e->digest = wh_arena_strdup(a, oci ? at + 1 : integrity);
}

enum wh_err
wh_audit_devcontainer_lock_parse(struct wh_bytes text, struct wh_arena *a,
                                 struct wh_audit_lock *out, struct wh_error *err)
{
    struct wh_bytes json;
    json_error_t jerr;
    json_t *root, *features, *v;
    const char *key;
    enum wh_err rc = wh_audit_jsonc_strip(text, a, &json, err);

    if (rc != WH_OK)
        return rc;
    memset(out, 0, sizeof(*out));
    root = json_loadb((const char *)json.ptr, json.len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL)
        /* jansson says -1 where it has no position (invalid UTF-8 input) */
        return wh_error_set(err, WH_E_INVALID, "%d:%d: %s", jerr.line > 0 ? jerr.line : 1,
                            jerr.column > 0 ? jerr.column : 1, jerr.text);
    features = json_object_get(root, "features");
    if (!json_is_object(features)) {
        json_decref(root);
        return wh_error_set(err, WH_E_INVALID, "1:1: no \"features\" object");
    }
    if (json_object_size(features) > WH_AUDIT_LOCK_MAX) {
        json_decref(root);
        return wh_error_set(err, WH_E_LIMIT, "more than %d lock entries", WH_AUDIT_LOCK_MAX);
    }
    out->entries = wh_arena_calloc(a, json_object_size(features) + 1, sizeof(*out->entries));
    json_object_foreach(features, key, v)
    {
        struct wh_audit_lock_entry *e = &out->entries[out->n++];
        e->key = wh_arena_strdup(a, key);
        feature_entry(v, a, e);
    }
    json_decref(root);
    qsort(out->entries, out->n, sizeof(*out->entries), cmp_entry);
    return WH_OK;
}
