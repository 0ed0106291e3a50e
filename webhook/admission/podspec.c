/* Where each workload kind keeps its pod spec, and the images (with JSON paths) and pod
 * annotations found there. */
#include "admission/podspec.h"

#include <jansson.h>
#include <string.h>

struct kind_spec {
    const char *group, *kind;
    const char *spec;     /* pod spec path */
    const char *metadata; /* pod (template) metadata path */
};

static const struct kind_spec kinds[] = {
    {"", "Pod", "spec", "metadata"},
    {"", "PodTemplate", "template.spec", "template.metadata"},
    {"", "ReplicationController", "spec.template.spec", "spec.template.metadata"},
    {"apps", "Deployment", "spec.template.spec", "spec.template.metadata"},
    {"apps", "ReplicaSet", "spec.template.spec", "spec.template.metadata"},
    {"apps", "StatefulSet", "spec.template.spec", "spec.template.metadata"},
    {"apps", "DaemonSet", "spec.template.spec", "spec.template.metadata"},
    {"batch", "Job", "spec.template.spec", "spec.template.metadata"},
    {"batch", "CronJob", "spec.jobTemplate.spec.template.spec",
     "spec.jobTemplate.spec.template.metadata"},
};

/* Kubernetes: containers, then initContainers, then ephemeralContainers. */
static const char *const lists[] = {"containers", "initContainers", "ephemeralContainers"};

static const struct kind_spec *
find_kind(const char *group, const char *kind)
{
    size_t i;

    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strcmp(kinds[i].group, group) == 0 && strcmp(kinds[i].kind, kind) == 0)
            return &kinds[i];
    return NULL;
}

const char *
wh_admission_podspec_path(const char *group, const char *kind)
{
    const struct kind_spec *k = find_kind(group, kind);

    return k == NULL ? NULL : k->spec;
}

/* Follows a dotted path of object keys. *found is NULL when a step is absent or null. */
static enum wh_err
walk(json_t *root, const char *path, json_t **found, struct wh_error *err)
{
    const char *p = path;
    json_t *cur = root;

    *found = NULL;
    while (*p != '\0') {
        const char *dot = strchr(p, '.');
        size_t n = dot == NULL ? strlen(p) : (size_t)(dot - p);

        if (!json_is_object(cur))
            return wh_error_set(err, WH_E_INVALID, "%.*s: parent is not an object",
                                (int)(p + n - path), path);
        cur = json_object_getn(cur, p, n);
        if (cur == NULL || json_is_null(cur))
            return WH_OK;
        p += n;
        if (*p == '.')
            p++;
    }
    *found = cur;
    return WH_OK;
}

static enum wh_err
add_image(struct wh_admission_request *out, size_t *cap, size_t max_images, struct wh_arena *a,
          char *path, const char *image, const char *container, struct wh_error *err)
{
    if (out->n_images >= max_images)
        return wh_error_set(err, WH_E_LIMIT, "object has more than %zu container images",
                            max_images);
    if (out->n_images == *cap) {
        size_t want = *cap == 0 ? 8 : *cap * 2;
        out->images = wh_arena_grow(a, out->images, out->n_images, want, sizeof(*out->images));
        *cap = want;
    }
    out->images[out->n_images].path = path;
    out->images[out->n_images].image = wh_arena_strdup(a, image);
    out->images[out->n_images].container = wh_arena_strdup(a, container);
    out->n_images++;
    return WH_OK;
}

static enum wh_err
list_images(json_t *spec, const char *spec_path, const char *list, size_t max_images,
            struct wh_arena *a, struct wh_admission_request *out, size_t *cap, struct wh_error *err)
{
    json_t *arr = json_object_get(spec, list), *c;
    size_t i;

    if (arr == NULL || json_is_null(arr))
        return WH_OK;
    if (!json_is_array(arr))
        return wh_error_set(err, WH_E_INVALID, "%s.%s is not an array", spec_path, list);
    json_array_foreach(arr, i, c)
    {
        json_t *image, *name;
        char *path = wh_arena_sprintf(a, "%s.%s[%zu].image", spec_path, list, i);

        if (!json_is_object(c))
            return wh_error_set(err, WH_E_INVALID, "%s.%s[%zu] is not an object", spec_path, list,
                                i);
        image = json_object_get(c, "image");
        name = json_object_get(c, "name");
        if (!json_is_string(image))
            return wh_error_set(err, WH_E_INVALID, "%s is missing or not a string", path);
        if (json_string_length(image) == 0)
            return wh_error_set(err, WH_E_INVALID, "%s is empty", path);
        if (name != NULL && !json_is_string(name))
            return wh_error_set(err, WH_E_INVALID, "%s.%s[%zu].name is not a string", spec_path,
                                list, i);
        if (add_image(out, cap, max_images, a, path, json_string_value(image),
                      name == NULL ? "" : json_string_value(name), err) != WH_OK)
            return err->code;
    }
    return WH_OK;
}

static enum wh_err
read_annotations(json_t *object, const char *meta_path, struct wh_arena *a,
                 struct wh_admission_request *out, struct wh_error *err)
{
    json_t *meta, *ann, *v;
    const char *key;
    size_t i = 0;

    if (walk(object, meta_path, &meta, err) != WH_OK)
        return err->code;
    if (meta == NULL)
        return WH_OK;
    if (!json_is_object(meta))
        return wh_error_set(err, WH_E_INVALID, "%s is not an object", meta_path);
    ann = json_object_get(meta, "annotations");
    if (ann == NULL || json_is_null(ann))
        return WH_OK;
    if (!json_is_object(ann))
        return wh_error_set(err, WH_E_INVALID, "%s.annotations is not an object", meta_path);
    out->annotations = wh_arena_calloc(a, json_object_size(ann) + 1, sizeof(*out->annotations));
    json_object_foreach(ann, key, v)
    {
        if (!json_is_string(v))
            return wh_error_set(err, WH_E_INVALID, "%s.annotations[\"%.100s\"] is not a string",
                                meta_path, key);
        out->annotations[i].key = wh_arena_strdup(a, key);
        out->annotations[i].value = wh_arena_strdup(a, json_string_value(v));
        i++;
    }
    out->n_annotations = i;
    return WH_OK;
}

enum wh_err
wh_admission_podspec_images(struct json_t *object, const char *group, const char *kind,
                            size_t max_images, struct wh_arena *a, struct wh_admission_request *out,
                            struct wh_error *err)
{
    const struct kind_spec *k = find_kind(group, kind);
    json_t *spec;
    size_t i, cap = 0;

    out->images = NULL;
    out->n_images = 0;
    out->annotations = NULL;
    out->n_annotations = 0;
    if (k == NULL)
        return WH_OK;
    if (walk(object, k->spec, &spec, err) != WH_OK)
        return err->code;
    /* A pod kind without its pod spec cannot be checked: refuse rather than admit blind. */
    if (spec == NULL)
        return wh_error_set(err, WH_E_INVALID, "%s object has no %s", kind, k->spec);
    if (!json_is_object(spec))
        return wh_error_set(err, WH_E_INVALID, "%s is not an object", k->spec);
    for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
        if (list_images(spec, k->spec, lists[i], max_images, a, out, &cap, err) != WH_OK)
            return err->code;
    return read_annotations(object, k->metadata, a, out, err);
}
