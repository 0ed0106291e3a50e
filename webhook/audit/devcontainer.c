/* devcontainer.json → image and feature references (devcontainer.h). */
#include "audit/devcontainer.h"

#include <jansson.h>
#include <string.h>

#include "audit/jsonc.h"

#define MAX_FEATURES 1000

int
wh_audit_json_key_line(struct wh_bytes text, const char *key)
{
    size_t klen = strlen(key), i;
    int line = 1;

    for (i = 0; i + klen + 2 <= text.len; i++) {
        if (text.ptr[i] == '\n')
            line++;
        else if (text.ptr[i] == '"' && memcmp(text.ptr + i + 1, key, klen) == 0 &&
                 text.ptr[i + 1 + klen] == '"')
            return line;
    }
    return 1;
}

/*
 * A feature by tag ("ghcr.io/devcontainers/features/node:1") is name "…/node", version "1", as an
 * image reference is (and as Renovate's devcontainer manager reports it: depName, currentValue).
 * The lock file is still looked up by the whole key, as the devcontainer CLI writes it.
 */
static void
split_tag(struct wh_audit *au, struct wh_audit_ref *r, const char *key)
{
    const char *colon = strrchr(key, ':');
    const char *slash = strrchr(key, '/');

    if (colon != NULL && colon[1] != '\0' && (slash == NULL || colon > slash)) {
        r->name = wh_arena_strndup(au->a, key, (size_t)(colon - key));
        r->version = colon + 1;
    }
}

static void
audit_feature(struct wh_audit *au, const char *file, struct wh_bytes text, const char *key,
              const struct wh_audit_lock *lock)
{
    const char *at = strrchr(key, '@');
    const struct wh_audit_lock_entry *e;
    struct wh_audit_ref *r =
        wh_audit_add(au, file, wh_audit_json_key_line(text, key), 1, WH_PIN_FEATURE);

    if (r == NULL)
        return;
    r->text = r->name = key;
    if (strncmp(key, "./", 2) == 0 || strncmp(key, "../", 3) == 0) {
        r->kind = WH_PIN_LOCAL;
        r->status = WH_AUDIT_LOCAL;
        return;
    }
    if (at != NULL && wh_audit_is_sha256(wh_str_c(at + 1))) {
        r->name = wh_arena_strndup(au->a, key, (size_t)(at - key));
        r->digest = at + 1;
        r->status = WH_AUDIT_PINNED;
        return;
    }
    split_tag(au, r, key);
    e = wh_audit_lock_find(lock, key);
    if (e != NULL && e->digest != NULL) {
        r->status = WH_AUDIT_LOCKED;
        r->digest = e->digest;
        r->why = wh_arena_sprintf(au->a, "locked by %s", lock->file);
        return;
    }
    if (e != NULL)
        r->why = wh_arena_sprintf(au->a, "feature %s: its entry in %s %s, so it does not lock", key,
                                  lock->file, e->problem);
    else
        r->why = wh_arena_sprintf(au->a,
                                  "feature %s follows a tag: pin it by @sha256:<digest> or "
                                  "record it in devcontainer-lock.json (devcontainer upgrade "
                                  "--dry-run writes one)",
                                  key);
}

static const char *
dockerfile_of(json_t *root, struct wh_arena *a)
{
    const char *df =
        json_string_value(json_object_get(json_object_get(root, "build"), "dockerfile"));

    if (df == NULL)
        df = json_string_value(json_object_get(root, "dockerFile"));
    return df != NULL ? wh_arena_strdup(a, df) : NULL;
}

enum wh_err
wh_audit_devcontainer(struct wh_audit *au, const char *file, struct wh_bytes text,
                      const struct wh_audit_lock *lock, const char **dockerfile,
                      struct wh_error *err)
{
    struct wh_bytes json;
    json_error_t jerr;
    json_t *root, *v, *features;
    const char *key;
    enum wh_err rc = wh_audit_jsonc_strip(text, au->a, &json, err);

    *dockerfile = NULL;
    if (rc != WH_OK)
        return rc;
    root = json_loadb((const char *)json.ptr, json.len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL)
        /* jansson says -1 where it has no position (invalid UTF-8 input) */
        return wh_error_set(err, WH_E_INVALID, "%d:%d: %s", jerr.line > 0 ? jerr.line : 1,
                            jerr.column > 0 ? jerr.column : 1, jerr.text);
    if (!json_is_object(root)) {
        json_decref(root);
        return wh_error_set(err, WH_E_INVALID, "1:1: devcontainer.json is not an object");
    }
    v = json_object_get(root, "image");
    if (v != NULL) {
        struct wh_audit_ref *r = wh_audit_add(au, file, wh_audit_json_key_line(text, "image"), 1,
                                              WH_PIN_DEVCONTAINER_IMAGE);
        if (r != NULL)
            wh_audit_image(au, r,
                           json_is_string(v) ? wh_arena_strdup(au->a, json_string_value(v))
                                             : "(not a string)");
    }
    features = json_object_get(root, "features");
    if (json_object_size(features) > MAX_FEATURES) {
        json_decref(root);
        return wh_error_set(err, WH_E_LIMIT, "%d:1: more than %d features",
                            wh_audit_json_key_line(text, "features"), MAX_FEATURES);
    }
    json_object_foreach(features, key, v)
    {
        audit_feature(au, file, text, wh_arena_strdup(au->a, key), lock);
    }
    *dockerfile = dockerfile_of(root, au->a);
    json_decref(root);
    return WH_OK;
}
