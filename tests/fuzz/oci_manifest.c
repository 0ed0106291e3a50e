/*
 * OCI/Docker manifest and index parser (pull scanner, no tree): never crashes; on success every
 * descriptor is sane and the index entries' platforms normalise; and it agrees with the jansson
 * parser it replaced (kept below as the reference, as it was at e430284): whatever it accepts,
 * the reference accepts with the same fields (the reference refuses duplicate keys anywhere, the
 * scanner only among the members it reads, so that side is compared without the check), and
 * whatever the reference accepts with duplicates refused, it accepts too.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/digest.h"
#include "base/limits.h"
#include "fuzz/fuzz.h"
#include "registry/manifest.h"
#include "registry/platform.h"

/* ---- the reference: webhook/registry/manifest.c at e430284 (jansson) ---- */

/* Rejects documents nested deeper than `max` before jansson recurses into them. */
static enum wh_err
ref_check_depth(struct wh_bytes body, size_t max, struct wh_error *err)
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
ref_is_known_type(const char *mt)
{
    return strcmp(mt, WH_REGISTRY_MT_OCI_MANIFEST) == 0 ||
           strcmp(mt, WH_REGISTRY_MT_OCI_INDEX) == 0 ||
           strcmp(mt, WH_REGISTRY_MT_DOCKER_MANIFEST) == 0 ||
           strcmp(mt, WH_REGISTRY_MT_DOCKER_LIST) == 0;
}

static bool
ref_is_index_type(const char *mt)
{
    return strcmp(mt, WH_REGISTRY_MT_OCI_INDEX) == 0 || strcmp(mt, WH_REGISTRY_MT_DOCKER_LIST) == 0;
}

/* Optional string member: NULL when absent, WH_E_INVALID when present but not a string. */
static enum wh_err
ref_get_opt_string(json_t *obj, const char *key, const char *where, struct wh_arena *a,
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
ref_parse_annotations(json_t *obj, const char *where, struct wh_arena *a,
                      struct wh_registry_kv **out, size_t *n_out, struct wh_error *err)
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
ref_parse_descriptor(json_t *obj, const char *where, bool need_media_type, struct wh_arena *a,
                     struct wh_registry_descriptor *d, struct wh_error *err)
{
    enum wh_err rc;
    json_t *size, *platform;

    memset(d, 0, sizeof(*d));
    if (!json_is_object(obj))
        return wh_error_set(err, WH_E_INVALID, "%s is not an object", where);
    if ((rc = ref_get_opt_string(obj, "mediaType", where, a, &d->media_type, err)) != WH_OK)
        return rc;
    if (need_media_type && d->media_type == NULL)
        return wh_error_set(err, WH_E_INVALID, "%s.mediaType is missing", where);
    if ((rc = ref_get_opt_string(obj, "digest", where, a, &d->digest, err)) != WH_OK)
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
    if ((rc = ref_get_opt_string(obj, "artifactType", where, a, &d->artifact_type, err)) != WH_OK)
        return rc;
    if ((rc = ref_parse_annotations(obj, where, a, &d->annotations, &d->n_annotations, err)) !=
        WH_OK)
        return rc;
    platform = json_object_get(obj, "platform");
    if (platform != NULL) {
        char *pw = wh_arena_sprintf(a, "%s.platform", where);

        if (!json_is_object(platform))
            return wh_error_set(err, WH_E_INVALID, "%s is not an object", pw);
        if ((rc = ref_get_opt_string(platform, "os", pw, a, &d->os, err)) != WH_OK ||
            (rc = ref_get_opt_string(platform, "architecture", pw, a, &d->architecture, err)) !=
                WH_OK ||
            (rc = ref_get_opt_string(platform, "variant", pw, a, &d->variant, err)) != WH_OK)
            return rc;
    }
    return WH_OK;
}

static enum wh_err
ref_parse_descriptors(json_t *root, const char *key, bool need_media_type, struct wh_arena *a,
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
        rc = ref_parse_descriptor(json_array_get(arr, i), where, need_media_type, a, &(*out)[i],
                                  err);
        if (rc != WH_OK)
            return rc;
    }
    *n_out = n;
    return WH_OK;
}

/* The media type: body `mediaType` wins; Content-Type (parameters dropped) fills in. */
static enum wh_err
ref_pick_media_type(json_t *root, const char *content_type, struct wh_arena *a, const char **out,
                    struct wh_error *err)
{
    enum wh_err rc;
    const char *body_mt, *header_mt = NULL;

    if ((rc = ref_get_opt_string(root, "mediaType", "manifest", a, &body_mt, err)) != WH_OK)
        return rc;
    if (content_type != NULL) {
        size_t n = strcspn(content_type, ";");

        while (n > 0 && (content_type[n - 1] == ' ' || content_type[n - 1] == '\t'))
            n--;
        header_mt = wh_arena_strndup(a, content_type, n);
        if (!ref_is_known_type(header_mt))
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
    if (!ref_is_known_type(*out))
        return wh_error_set(err, WH_E_INVALID, "unsupported manifest mediaType \"%.100s\"", *out);
    return WH_OK;
}

static enum wh_err
ref_parse_root(json_t *root, const char *content_type, struct wh_arena *a,
               struct wh_registry_manifest *m, struct wh_error *err)
{
    enum wh_err rc;
    json_t *sv, *subject;

    if (!json_is_object(root))
        return wh_error_set(err, WH_E_INVALID, "manifest is not a JSON object");
    sv = json_object_get(root, "schemaVersion");
    if (!json_is_integer(sv) || json_integer_value(sv) != 2)
        return wh_error_set(err, WH_E_INVALID, "manifest schemaVersion is not 2");
    if ((rc = ref_pick_media_type(root, content_type, a, &m->media_type, err)) != WH_OK)
        return rc;
    m->is_index = ref_is_index_type(m->media_type);
    if ((rc = ref_get_opt_string(root, "artifactType", "manifest", a, &m->artifact_type, err)) !=
        WH_OK)
        return rc;
    if ((rc = ref_parse_annotations(root, "manifest", a, &m->annotations, &m->n_annotations,
                                    err)) != WH_OK)
        return rc;
    subject = json_object_get(root, "subject");
    if (subject != NULL) {
        struct wh_registry_descriptor sd;

        if ((rc = ref_parse_descriptor(subject, "subject", false, a, &sd, err)) != WH_OK)
            return rc;
        m->subject_digest = sd.digest;
    }
    if (m->is_index)
        return ref_parse_descriptors(root, "manifests", false, a, &m->manifests, &m->n_manifests,
                                     err);
    if ((rc = ref_parse_descriptor(json_object_get(root, "config"), "config", true, a, &m->config,
                                   err)) != WH_OK)
        return rc;
    return ref_parse_descriptors(root, "layers", true, a, &m->layers, &m->n_layers, err);
}

static enum wh_err
ref_manifest_parse(struct wh_bytes body, const char *content_type, size_t flags,
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
    if ((rc = ref_check_depth(body, limits->json_depth, err)) != WH_OK)
        return rc;
    /* jansson skips a NUL byte between tokens ({"a":5\0,...} loads); JSON has no place for one
     * and the scanner refuses it, so the reference does too. */
    if (body.len > 0 && memchr(body.ptr, '\0', body.len) != NULL)
        return wh_error_set(err, WH_E_INVALID, "manifest JSON holds a NUL byte");
    root = json_loadb((const char *)body.ptr, body.len, flags, &jerr);
    if (root == NULL)
        return wh_error_set(err, WH_E_INVALID, "manifest JSON %d:%d: %s", jerr.line, jerr.column,
                            jerr.text);
    rc = ref_parse_root(root, content_type, a, &m, err);
    json_decref(root);
    if (rc != WH_OK)
        return rc;
    wh_digest_sha256_str(body.ptr, body.len, digest);
    m.digest = wh_arena_strdup(a, digest);
    m.body = body;
    *out = m;
    return WH_OK;
}

/* ---- invariants and the comparison ---- */

static void
check_descriptor(const struct wh_registry_descriptor *d, bool is_entry, struct wh_arena *a)
{
    WH_ASSERT(d->digest != NULL && wh_digest_is_sha256(wh_str_c(d->digest)));
    WH_ASSERT(d->size >= 0);
    WH_ASSERT(d->n_annotations <= WH_REGISTRY_MAX_ANNOTATIONS);
    for (size_t i = 0; i < d->n_annotations; i++)
        WH_ASSERT(d->annotations[i].key != NULL && d->annotations[i].value != NULL);
    if (is_entry) {
        struct wh_registry_platform p;
        const char *archs[3];
        const char *name;

        wh_registry_platform_of(d, a, &p);
        name = wh_registry_platform_name(&p, a);
        WH_ASSERT(name != NULL && strchr(name, '/') != NULL);
        WH_ASSERT(!p.is_known || (p.os[0] != '\0' && p.arch[0] != '\0'));
        WH_ASSERT(!p.is_attestation || (!p.is_known && strcmp(p.os, "unknown") == 0));
        WH_ASSERT(d->has_platform || p.written != NULL);
        WH_ASSERT(wh_registry_platform_node_archs(&p, archs) >= 1 && archs[0] == p.arch);
    }
}

static bool
same_str(const char *x, const char *y)
{
    return (x == NULL && y == NULL) || (x != NULL && y != NULL && strcmp(x, y) == 0);
}

static void
same_descriptor(const struct wh_registry_descriptor *x, const struct wh_registry_descriptor *y)
{
    WH_ASSERT(same_str(x->media_type, y->media_type) && same_str(x->digest, y->digest));
    WH_ASSERT(x->size == y->size && same_str(x->artifact_type, y->artifact_type));
    WH_ASSERT(same_str(x->os, y->os) && same_str(x->architecture, y->architecture) &&
              same_str(x->variant, y->variant));
    WH_ASSERT(x->n_annotations == y->n_annotations);
    for (size_t i = 0; i < x->n_annotations; i++)
        WH_ASSERT(same_str(
            wh_registry_annotation_get(y->annotations, y->n_annotations, x->annotations[i].key),
            x->annotations[i].value));
}

static void
same_manifest(const struct wh_registry_manifest *x, const struct wh_registry_manifest *y)
{
    WH_ASSERT(strcmp(x->media_type, y->media_type) == 0 && x->is_index == y->is_index);
    WH_ASSERT(same_str(x->artifact_type, y->artifact_type) &&
              same_str(x->subject_digest, y->subject_digest));
    WH_ASSERT(x->n_annotations == y->n_annotations);
    WH_ASSERT(x->n_layers == y->n_layers && x->n_manifests == y->n_manifests);
    if (!x->is_index)
        same_descriptor(&x->config, &y->config);
    for (size_t i = 0; i < x->n_layers; i++)
        same_descriptor(&x->layers[i], &y->layers[i]);
    for (size_t i = 0; i < x->n_manifests; i++)
        same_descriptor(&x->manifests[i], &y->manifests[i]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wh_limits limits = WH_LIMITS_DEFAULT;
    struct wh_arena a;
    struct wh_registry_manifest m, r;
    struct wh_error err, rerr;
    const char *content_type = NULL;
    enum wh_err rc;

    /* First byte picks the Content-Type the "registry" sent. */
    if (size > 0) {
        static const char *const types[] = {NULL, WH_REGISTRY_MT_OCI_MANIFEST,
                                            WH_REGISTRY_MT_OCI_INDEX, "application/json"};
        content_type = types[data[0] % 4];
        data++;
        size--;
    }
    limits.manifest_bytes = 64 * 1024;
    limits.json_depth = 16;
    wh_arena_init(&a);
    rc = wh_registry_manifest_parse((struct wh_bytes){data, size}, content_type, &limits, &a, &m,
                                    &err);
    if (rc == WH_OK) {
        WH_ASSERT(m.media_type != NULL && m.digest != NULL);
        WH_ASSERT(wh_digest_matches(data, size, wh_str_c(m.digest)));
        WH_ASSERT(m.n_layers <= WH_REGISTRY_MAX_DESCRIPTORS);
        WH_ASSERT(m.n_manifests <= WH_REGISTRY_MAX_DESCRIPTORS);
        WH_ASSERT(m.is_index ? m.n_layers == 0 : m.n_manifests == 0);
        if (!m.is_index)
            check_descriptor(&m.config, false, &a);
        for (size_t i = 0; i < m.n_layers; i++)
            check_descriptor(&m.layers[i], false, &a);
        for (size_t i = 0; i < m.n_manifests; i++)
            check_descriptor(&m.manifests[i], true, &a);
        (void)wh_registry_manifest_platform_find(&m, "linux", "amd64", NULL);
        /* Accepted here → the reference reads the same, duplicate keys aside. */
        WH_ASSERT(ref_manifest_parse((struct wh_bytes){data, size}, content_type, 0, &limits, &a,
                                     &r, &rerr) == WH_OK);
        same_manifest(&m, &r);
    } else {
        WH_ASSERT(err.code == WH_E_INVALID || err.code == WH_E_LIMIT);
        WH_ASSERT(err.msg[0] != '\0');
        /* Refused here → refused by the reference too. */
        WH_ASSERT(ref_manifest_parse((struct wh_bytes){data, size}, content_type,
                                     JSON_REJECT_DUPLICATES, &limits, &a, &r, &rerr) != WH_OK);
    }
    wh_arena_fini(&a);
    return 0;
}
