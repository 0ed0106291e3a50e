/*
 * OCI image manifests and indexes (and their Docker v2 twins) → struct wh_registry_manifest.
 * Pure parsing of untrusted registry bytes: every size, count and nesting depth is capped.
 */
#include "registry/manifest.h"

#include <jansson.h>
#include <string.h>

#include "base/digest.h"

/* Rejects documents nested deeper than `max` before jansson recurses into them. */
static enum wh_err
check_depth(struct wh_bytes body, size_t max, struct wh_error *err)
{
    size_t depth = 0;
    bool in_string = false;

    for (size_t i = 0; i < body.len; i++) {
        unsigned char ch = body.ptr[i];

        if (in_string) {
            if (ch == '\\')
                i++;
            else if (ch == '"')
                in_string = false;
        } else if (ch == '"') {
            in_string = true;
        } else if (ch == '{' || ch == '[') {
            if (++depth > max)
                return wh_error_set(err, WH_E_LIMIT, "manifest nests deeper than %zu", max);
        } else if ((ch == '}' || ch == ']') && depth > 0) {
            depth--;
        }
    }
    return WH_OK;
}

static bool
is_known_type(const char *mt)
{
    return strcmp(mt, WH_REGISTRY_MT_OCI_MANIFEST) == 0 ||
           strcmp(mt, WH_REGISTRY_MT_OCI_INDEX) == 0 ||
           strcmp(mt, WH_REGISTRY_MT_DOCKER_MANIFEST) == 0 ||
           strcmp(mt, WH_REGISTRY_MT_DOCKER_LIST) == 0;
}

static bool
is_index_type(const char *mt)
{
    return strcmp(mt, WH_REGISTRY_MT_OCI_INDEX) == 0 || strcmp(mt, WH_REGISTRY_MT_DOCKER_LIST) == 0;
}

/* Optional string member: NULL when absent, WH_E_INVALID when present but not a string. */
static enum wh_err
get_opt_string(json_t *obj, const char *key, const char *where, struct wh_arena *a,
               const char **out, struct wh_error *err)
{
    json_t *v = json_object_get(obj, key);

    *out = NULL;
    if (v == NULL)
        return WH_OK;
    if (!json_is_string(v))
        return wh_error_set(err, WH_E_INVALID, "%s.%s is not a string", where, key);
    *out = wh_arena_strndup(a, json_string_value(v), json_string_length(v));
    return WH_OK;
}

static enum wh_err
parse_annotations(json_t *obj, const char *where, struct wh_arena *a, struct wh_registry_kv **out,
                  size_t *n_out, struct wh_error *err)
{
    json_t *ann = json_object_get(obj, "annotations");
    const char *key;
    json_t *val;
    size_t n = 0;

    *out = NULL;
    *n_out = 0;
    if (ann == NULL || json_is_null(ann))
        return WH_OK;
    if (!json_is_object(ann))
        return wh_error_set(err, WH_E_INVALID, "%s.annotations is not an object", where);
    if (json_object_size(ann) > WH_REGISTRY_MAX_ANNOTATIONS)
        return wh_error_set(err, WH_E_LIMIT, "%s has %zu annotations (limit %d)", where,
                            json_object_size(ann), WH_REGISTRY_MAX_ANNOTATIONS);
    *out = wh_arena_calloc(a, json_object_size(ann) + 1, sizeof(**out));
    json_object_foreach(ann, key, val)
    {
        if (!json_is_string(val))
            return wh_error_set(err, WH_E_INVALID, "%s.annotations[\"%.64s\"] is not a string",
                                where, key);
        (*out)[n].key = wh_arena_strdup(a, key);
        (*out)[n].value = wh_arena_strndup(a, json_string_value(val), json_string_length(val));
        n++;
    }
    *n_out = n;
    return WH_OK;
}

static enum wh_err
parse_descriptor(json_t *obj, const char *where, bool need_media_type, struct wh_arena *a,
                 struct wh_registry_descriptor *d, struct wh_error *err)
{
    enum wh_err rc;
    json_t *size, *platform;

    memset(d, 0, sizeof(*d));
    if (!json_is_object(obj))
        return wh_error_set(err, WH_E_INVALID, "%s is not an object", where);
    if ((rc = get_opt_string(obj, "mediaType", where, a, &d->media_type, err)) != WH_OK)
        return rc;
    if (need_media_type && d->media_type == NULL)
        return wh_error_set(err, WH_E_INVALID, "%s.mediaType is missing", where);
    if ((rc = get_opt_string(obj, "digest", where, a, &d->digest, err)) != WH_OK)
        return rc;
    if (d->digest == NULL)
        return wh_error_set(err, WH_E_INVALID, "%s.digest is missing", where);
    if (!wh_digest_is_sha256(wh_str_c(d->digest)))
        return wh_error_set(err, WH_E_INVALID, "%s.digest \"%.80s\" is not sha256:<64 hex>", where,
                            d->digest);
    size = json_object_get(obj, "size");
    if (size == NULL)
        return wh_error_set(err, WH_E_INVALID, "%s.size is missing", where);
    if (!json_is_integer(size) || json_integer_value(size) < 0)
        return wh_error_set(err, WH_E_INVALID, "%s.size is not a non-negative integer", where);
    d->size = json_integer_value(size);
    if ((rc = get_opt_string(obj, "artifactType", where, a, &d->artifact_type, err)) != WH_OK)
        return rc;
    if ((rc = parse_annotations(obj, where, a, &d->annotations, &d->n_annotations, err)) != WH_OK)
        return rc;
    platform = json_object_get(obj, "platform");
    if (platform != NULL) {
        char *pw = wh_arena_sprintf(a, "%s.platform", where);

        if (!json_is_object(platform))
            return wh_error_set(err, WH_E_INVALID, "%s is not an object", pw);
        if ((rc = get_opt_string(platform, "os", pw, a, &d->os, err)) != WH_OK ||
            (rc = get_opt_string(platform, "architecture", pw, a, &d->architecture, err)) !=
                WH_OK ||
            (rc = get_opt_string(platform, "variant", pw, a, &d->variant, err)) != WH_OK)
            return rc;
    }
    return WH_OK;
}

static enum wh_err
parse_descriptors(json_t *root, const char *key, bool need_media_type, struct wh_arena *a,
                  struct wh_registry_descriptor **out, size_t *n_out, struct wh_error *err)
{
    json_t *arr = json_object_get(root, key);
    size_t n;

    *out = NULL;
    *n_out = 0;
    if (arr == NULL)
        return wh_error_set(err, WH_E_INVALID, "%s is missing", key);
    if (!json_is_array(arr))
        return wh_error_set(err, WH_E_INVALID, "%s is not an array", key);
    n = json_array_size(arr);
    if (n > WH_REGISTRY_MAX_DESCRIPTORS)
        return wh_error_set(err, WH_E_LIMIT, "%s has %zu entries (limit %d)", key, n,
                            WH_REGISTRY_MAX_DESCRIPTORS);
    *out = wh_arena_calloc(a, n + 1, sizeof(**out));
    for (size_t i = 0; i < n; i++) {
        char where[64];
        enum wh_err rc;

        snprintf(where, sizeof(where), "%s[%zu]", key, i);
        rc = parse_descriptor(json_array_get(arr, i), where, need_media_type, a, &(*out)[i], err);
        if (rc != WH_OK)
            return rc;
    }
    *n_out = n;
    return WH_OK;
}

/* The media type: body `mediaType` wins; Content-Type (parameters dropped) fills in. */
static enum wh_err
pick_media_type(json_t *root, const char *content_type, struct wh_arena *a, const char **out,
                struct wh_error *err)
{
    enum wh_err rc;
    const char *body_mt, *header_mt = NULL;

    if ((rc = get_opt_string(root, "mediaType", "manifest", a, &body_mt, err)) != WH_OK)
        return rc;
    if (content_type != NULL) {
        size_t n = strcspn(content_type, ";");

        while (n > 0 && (content_type[n - 1] == ' ' || content_type[n - 1] == '\t'))
            n--;
        header_mt = wh_arena_strndup(a, content_type, n);
        if (!is_known_type(header_mt))
            header_mt = NULL; /* e.g. application/json from a proxy: the body decides */
    }
    if (body_mt != NULL && header_mt != NULL && strcmp(body_mt, header_mt) != 0)
        return wh_error_set(err, WH_E_INVALID,
                            "manifest mediaType \"%.100s\" disagrees with Content-Type \"%.100s\"",
                            body_mt, header_mt);
    *out = body_mt != NULL ? body_mt : header_mt;
    if (*out == NULL) {
        /* OCI allows omitting mediaType; the shape decides. */
        if (json_object_get(root, "manifests") != NULL)
            *out = WH_REGISTRY_MT_OCI_INDEX;
        else if (json_object_get(root, "layers") != NULL)
            *out = WH_REGISTRY_MT_OCI_MANIFEST;
        else
            return wh_error_set(err, WH_E_INVALID,
                                "manifest has no mediaType, layers or manifests");
    }
    if (!is_known_type(*out))
        return wh_error_set(err, WH_E_INVALID, "unsupported manifest mediaType \"%.100s\"", *out);
    return WH_OK;
}

static enum wh_err
parse_root(json_t *root, const char *content_type, struct wh_arena *a,
           struct wh_registry_manifest *m, struct wh_error *err)
{
    enum wh_err rc;
    json_t *sv, *subject;

    if (!json_is_object(root))
        return wh_error_set(err, WH_E_INVALID, "manifest is not a JSON object");
    sv = json_object_get(root, "schemaVersion");
    if (!json_is_integer(sv) || json_integer_value(sv) != 2)
        return wh_error_set(err, WH_E_INVALID, "manifest schemaVersion is not 2");
    if ((rc = pick_media_type(root, content_type, a, &m->media_type, err)) != WH_OK)
        return rc;
    m->is_index = is_index_type(m->media_type);
    if ((rc = get_opt_string(root, "artifactType", "manifest", a, &m->artifact_type, err)) != WH_OK)
        return rc;
    if ((rc = parse_annotations(root, "manifest", a, &m->annotations, &m->n_annotations, err)) !=
        WH_OK)
        return rc;
    subject = json_object_get(root, "subject");
    if (subject != NULL) {
        struct wh_registry_descriptor sd;

        if ((rc = parse_descriptor(subject, "subject", false, a, &sd, err)) != WH_OK)
            return rc;
        m->subject_digest = sd.digest;
    }
    if (m->is_index)
        return parse_descriptors(root, "manifests", false, a, &m->manifests, &m->n_manifests, err);
    if ((rc = parse_descriptor(json_object_get(root, "config"), "config", true, a, &m->config,
                               err)) != WH_OK)
        return rc;
    return parse_descriptors(root, "layers", true, a, &m->layers, &m->n_layers, err);
}

enum wh_err
wh_registry_manifest_parse(struct wh_bytes body, const char *content_type,
                           const struct wh_limits *limits, struct wh_arena *a,
                           struct wh_registry_manifest *out, struct wh_error *err)
{
    enum wh_err rc;
    json_error_t jerr;
    json_t *root;
    char digest[WH_DIGEST_STR_LEN];
    struct wh_registry_manifest m = {0};

    if (body.len > limits->manifest_bytes)
        return wh_error_set(err, WH_E_LIMIT, "manifest is %zu bytes (limit %zu)", body.len,
                            limits->manifest_bytes);
    if ((rc = check_depth(body, limits->json_depth, err)) != WH_OK)
        return rc;
    root = json_loadb((const char *)body.ptr, body.len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL)
        return wh_error_set(err, WH_E_INVALID, "manifest JSON %d:%d: %s", jerr.line, jerr.column,
                            jerr.text);
    rc = parse_root(root, content_type, a, &m, err);
    json_decref(root);
    if (rc != WH_OK)
        return rc;
    wh_digest_sha256_str(body.ptr, body.len, digest);
    m.digest = wh_arena_strdup(a, digest);
    m.body = body;
    *out = m;
    return WH_OK;
}

const char *
wh_registry_annotation_get(const struct wh_registry_kv *kv, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(kv[i].key, key) == 0)
            return kv[i].value;
    return NULL;
}

const struct wh_registry_descriptor *
wh_registry_manifest_platform_find(const struct wh_registry_manifest *m, const char *os,
                                   const char *architecture, const char *variant)
{
    for (size_t i = 0; i < m->n_manifests; i++) {
        const struct wh_registry_descriptor *d = &m->manifests[i];

        if (d->os == NULL || d->architecture == NULL || strcmp(d->os, os) != 0 ||
            strcmp(d->architecture, architecture) != 0)
            continue;
        if (variant != NULL && (d->variant == NULL || strcmp(d->variant, variant) != 0))
            continue;
        return d;
    }
    return NULL;
}
