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

/* Caps on the affinity the pod may write (it is untrusted input). */
#define MAX_NODE_TERMS 32
#define MAX_NODE_EXPRS 32
#define MAX_NODE_VALUES 64

static int
platform_label(const char *key)
{
    if (strcmp(key, "kubernetes.io/os") == 0 || strcmp(key, "beta.kubernetes.io/os") == 0)
        return 0;
    if (strcmp(key, "kubernetes.io/arch") == 0 || strcmp(key, "beta.kubernetes.io/arch") == 0)
        return 1;
    return -1;
}

static enum wh_err
read_node_selector(json_t *spec, const char *spec_path, struct wh_arena *a,
                   struct wh_admission_platforms *out, struct wh_error *err)
{
    json_t *sel = json_object_get(spec, "nodeSelector"), *v;
    const char *key;

    if (sel == NULL || json_is_null(sel))
        return WH_OK;
    if (!json_is_object(sel))
        return wh_error_set(err, WH_E_INVALID, "%s.nodeSelector is not an object", spec_path);
    json_object_foreach(sel, key, v)
    {
        int which = platform_label(key);
        if (which < 0)
            continue;
        if (!json_is_string(v))
            return wh_error_set(err, WH_E_INVALID, "%s.nodeSelector[\"%s\"] is not a string",
                                spec_path, key);
        if (which == 0)
            out->os = wh_arena_strdup(a, json_string_value(v));
        else
            out->arch = wh_arena_strdup(a, json_string_value(v));
    }
    return WH_OK;
}

static enum wh_err
read_node_expr(json_t *e, const char *where, struct wh_arena *a,
               struct wh_admission_node_term *term, struct wh_error *err)
{
    static const char *const ops[] = {"In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"};
    json_t *key = json_object_get(e, "key"), *op = json_object_get(e, "operator");
    json_t *values = json_object_get(e, "values"), *v;
    struct wh_admission_node_expr *x;
    const char **vals;
    size_t i, k;
    int which;

    if (!json_is_object(e) || !json_is_string(key) || !json_is_string(op))
        return wh_error_set(err, WH_E_INVALID, "%s needs string key and operator", where);
    which = platform_label(json_string_value(key));
    for (k = 0; k < 6 && strcmp(ops[k], json_string_value(op)) != 0; k++)
        ;
    if (k == 6)
        return wh_error_set(err, WH_E_INVALID, "%s.operator \"%.40s\" is not one of In, NotIn, "
                            "Exists, DoesNotExist, Gt, Lt", where, json_string_value(op));
    if (which < 0)
        return WH_OK;
    if (values != NULL && !json_is_null(values) && !json_is_array(values))
        return wh_error_set(err, WH_E_INVALID, "%s.values is not an array", where);
    if (json_array_size(values) > MAX_NODE_VALUES)
        return wh_error_set(err, WH_E_LIMIT, "%s has more than %d values", where,
                            MAX_NODE_VALUES);
    if (term->n_exprs >= MAX_NODE_EXPRS)
        return wh_error_set(err, WH_E_LIMIT, "%s: more than %d platform expressions in a term",
                            where, MAX_NODE_EXPRS);
    x = &term->exprs[term->n_exprs++];
    x->is_arch = which == 1;
    x->op = k >= 4 ? WH_ADMISSION_NODE_NEVER : (enum wh_admission_node_op)k;
    vals = wh_arena_calloc(a, json_array_size(values) + 1, sizeof(*vals));
    json_array_foreach(values, i, v)
    {
        if (!json_is_string(v))
            return wh_error_set(err, WH_E_INVALID, "%s.values[%zu] is not a string", where, i);
        vals[i] = wh_arena_strdup(a, json_string_value(v));
    }
    x->values = vals;
    x->n_values = json_array_size(values);
    return WH_OK;
}

/* spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms */
static enum wh_err
read_node_affinity(json_t *spec, const char *spec_path, struct wh_arena *a,
                   struct wh_admission_platforms *out, struct wh_error *err)
{
    const char *path = wh_arena_sprintf(
        a, "%s.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution", spec_path);
    json_t *req, *terms, *t, *exprs, *fields, *e;
    size_t i, j;

    if (walk(spec, "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution", &req,
             err) != WH_OK)
        return err->code;
    if (req == NULL)
        return WH_OK;
    terms = json_is_object(req) ? json_object_get(req, "nodeSelectorTerms") : NULL;
    if (!json_is_array(terms))
        return wh_error_set(err, WH_E_INVALID, "%s.nodeSelectorTerms is missing or not an array",
                            path);
    if (json_array_size(terms) > MAX_NODE_TERMS)
        return wh_error_set(err, WH_E_LIMIT, "%s has more than %d nodeSelectorTerms", path,
                            MAX_NODE_TERMS);
    out->terms = wh_arena_calloc(a, json_array_size(terms) + 1, sizeof(*out->terms));
    json_array_foreach(terms, i, t)
    {
        struct wh_admission_node_term *term = &out->terms[out->n_terms++];
        const char *where = wh_arena_sprintf(a, "%s.nodeSelectorTerms[%zu]", path, i);

        if (!json_is_object(t))
            return wh_error_set(err, WH_E_INVALID, "%s is not an object", where);
        exprs = json_object_get(t, "matchExpressions");
        fields = json_object_get(t, "matchFields");
        if ((exprs != NULL && !json_is_null(exprs) && !json_is_array(exprs)) ||
            (fields != NULL && !json_is_null(fields) && !json_is_array(fields)))
            return wh_error_set(err, WH_E_INVALID, "%s: matchExpressions/matchFields not arrays",
                                where);
        term->matches_nothing = json_array_size(exprs) == 0 && json_array_size(fields) == 0;
        term->exprs = wh_arena_calloc(a, MAX_NODE_EXPRS, sizeof(*term->exprs));
        json_array_foreach(exprs, j, e)
        {
            if (read_node_expr(e, wh_arena_sprintf(a, "%s.matchExpressions[%zu]", where, j), a,
                               term, err) != WH_OK)
                return err->code;
        }
    }
    return WH_OK;
}

static bool
in_values(const struct wh_admission_node_expr *x, const char *v)
{
    size_t i;

    for (i = 0; i < x->n_values; i++)
        if (strcmp(x->values[i], v) == 0)
            return true;
    return false;
}

static bool
term_allows(const struct wh_admission_node_term *t, const char *os, const char *arch)
{
    size_t i;

    if (t->matches_nothing)
        return false;
    for (i = 0; i < t->n_exprs; i++) {
        const struct wh_admission_node_expr *x = &t->exprs[i];
        const char *v = x->is_arch ? arch : os;
        bool hold;

        switch (x->op) {
        case WH_ADMISSION_NODE_IN:
            hold = in_values(x, v);
            break;
        case WH_ADMISSION_NODE_NOT_IN:
            hold = !in_values(x, v);
            break;
        case WH_ADMISSION_NODE_EXISTS:
            hold = true; /* every node carries both labels */
            break;
        default:
            hold = false;
            break;
        }
        if (!hold)
            return false;
    }
    return true;
}

bool
wh_admission_platform_allowed(const struct wh_admission_platforms *p, const char *os,
                              const char *arch)
{
    bool os_named = p->os != NULL;
    size_t i, j;

    if (os == NULL || arch == NULL)
        return false;
    if ((p->os != NULL && strcmp(p->os, os) != 0) ||
        (p->arch != NULL && strcmp(p->arch, arch) != 0))
        return false;
    for (i = 0; i < p->n_terms; i++)
        for (j = 0; j < p->terms[i].n_exprs; j++)
            os_named |= !p->terms[i].exprs[j].is_arch;
    if (!os_named && strcmp(os, "linux") != 0)
        return false;
    if (p->n_terms == 0)
        return true;
    for (i = 0; i < p->n_terms; i++)
        if (term_allows(&p->terms[i], os, arch))
            return true;
    return false;
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
    memset(&out->platforms, 0, sizeof(out->platforms));
    if (read_node_selector(spec, k->spec, a, &out->platforms, err) != WH_OK ||
        read_node_affinity(spec, k->spec, a, &out->platforms, err) != WH_OK)
        return err->code;
    return read_annotations(object, k->metadata, a, out, err);
}
