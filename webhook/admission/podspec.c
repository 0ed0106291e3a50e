/* Where each workload kind keeps its pod spec, and the images (with JSON paths) and pod
 * annotations found there, read from the values request.c kept while scanning the review. */
#include "admission/podspec.h"

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

/* The resources (plural, as in request.resource) whose objects are the pod kinds above. */
static const struct {
    const char *group, *resource, *kind;
} resources[] = {
    {"", "pods", "Pod"},
    {"", "podtemplates", "PodTemplate"},
    {"", "replicationcontrollers", "ReplicationController"},
    {"apps", "deployments", "Deployment"},
    {"apps", "replicasets", "ReplicaSet"},
    {"apps", "statefulsets", "StatefulSet"},
    {"apps", "daemonsets", "DaemonSet"},
    {"batch", "jobs", "Job"},
    {"batch", "cronjobs", "CronJob"},
};

static bool
is_kind(const struct wh_admission_jval *v, enum wh_json_scan_kind kind)
{
    return v != NULL && v->kind == kind;
}

/* Absent or JSON null: an optional field that is not there. */
static bool
is_absent(const struct wh_admission_jval *v)
{
    return v == NULL || v->kind == WH_JSON_SCAN_NULL;
}

/* Items of an array, 0 for anything else (jansson's json_array_size). */
static size_t
array_size(const struct wh_admission_jval *v)
{
    return is_kind(v, WH_JSON_SCAN_ARRAY) ? v->n : 0;
}

static const char *
dup_str(struct wh_arena *a, const struct wh_admission_jval *v)
{
    return wh_arena_strndup(a, v->str.ptr, v->str.len);
}

static const struct wh_admission_jval *
get_n(const struct wh_admission_jval *obj, const char *key, size_t len)
{
    const struct wh_admission_jval *m;

    if (!is_kind(obj, WH_JSON_SCAN_OBJECT))
        return NULL;
    for (m = obj->first; m != NULL; m = m->next)
        if (m->key.len == len && memcmp(m->key.ptr, key, len) == 0)
            return m;
    return NULL;
}

const struct wh_admission_jval *
wh_admission_jval_get(const struct wh_admission_jval *obj, const char *key)
{
    return get_n(obj, key, strlen(key));
}

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

const char *
wh_admission_pod_resource_kind(const char *group, const char *resource)
{
    size_t i;

    for (i = 0; i < sizeof(resources) / sizeof(resources[0]); i++)
        if (strcmp(resources[i].group, group) == 0 && strcmp(resources[i].resource, resource) == 0)
            return resources[i].kind;
    return NULL;
}

/* Follows a dotted path of object keys. *found is NULL when a step is absent or null. */
static enum wh_err
walk(const struct wh_admission_jval *root, const char *path, const struct wh_admission_jval **found,
     struct wh_error *err)
{
    const char *p = path;
    const struct wh_admission_jval *cur = root;

    *found = NULL;
    while (*p != '\0') {
        const char *dot = strchr(p, '.');
        size_t n = dot == NULL ? strlen(p) : (size_t)(dot - p);

        if (!is_kind(cur, WH_JSON_SCAN_OBJECT))
            return wh_error_set(err, WH_E_INVALID, "%.*s: parent is not an object",
                                (int)(p + n - path), path);
        cur = get_n(cur, p, n);
        if (is_absent(cur))
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
          char *path, const struct wh_admission_jval *image, const struct wh_admission_jval *name,
          struct wh_error *err)
{
    struct wh_admission_image *img;

    if (out->n_images >= max_images)
        return wh_error_set(err, WH_E_LIMIT, "object has more than %zu container images",
                            max_images);
    if (out->n_images == *cap) {
        size_t want = *cap == 0 ? 8 : *cap * 2;
        out->images = wh_arena_grow(a, out->images, out->n_images, want, sizeof(*out->images));
        *cap = want;
    }
    img = &out->images[out->n_images++];
    img->path = path;
    img->image = dup_str(a, image);
    img->container = name == NULL ? "" : dup_str(a, name);
    return WH_OK;
}

static enum wh_err
list_images(const struct wh_admission_jval *spec, const char *spec_path, const char *list,
            size_t max_images, struct wh_arena *a, struct wh_admission_request *out, size_t *cap,
            struct wh_error *err)
{
    const struct wh_admission_jval *arr = wh_admission_jval_get(spec, list), *c;
    size_t i = 0;

    if (is_absent(arr))
        return WH_OK;
    if (arr->kind != WH_JSON_SCAN_ARRAY)
        return wh_error_set(err, WH_E_INVALID, "%s.%s is not an array", spec_path, list);
    for (c = arr->first; c != NULL; c = c->next, i++) {
        const struct wh_admission_jval *image, *name;
        char num[24];
        char *path = wh_arena_join(
            a,
            (const struct wh_str[]){wh_str_c(spec_path), WH_STR("."), wh_str_c(list), WH_STR("["),
                                    wh_str_c(wh_str_decimal(num, i)), WH_STR("].image")},
            6);

        if (c->kind != WH_JSON_SCAN_OBJECT)
            return wh_error_set(err, WH_E_INVALID, "%s.%s[%zu] is not an object", spec_path, list,
                                i);
        image = wh_admission_jval_get(c, "image");
        name = wh_admission_jval_get(c, "name");
        if (!is_kind(image, WH_JSON_SCAN_STRING))
            return wh_error_set(err, WH_E_INVALID, "%s is missing or not a string", path);
        if (image->str.len == 0)
            return wh_error_set(err, WH_E_INVALID, "%s is empty", path);
        if (name != NULL && name->kind != WH_JSON_SCAN_STRING)
            return wh_error_set(err, WH_E_INVALID, "%s.%s[%zu].name is not a string", spec_path,
                                list, i);
        if (add_image(out, cap, max_images, a, path, image, name, err) != WH_OK)
            return err->code;
    }
    return WH_OK;
}

/*
 * Image volumes (Kubernetes 1.31+): volumes[].image = {reference, pullPolicy}, an OCI image or
 * artifact the kubelet pulls "in the same way as pod.spec.containers[*].image" and mounts. Each
 * is checked like a container image, at spec.volumes[N].image.reference. A volume without
 * `image` is another kind of volume; an image volume without a reference is malformed (the
 * apiserver refuses it too) and never skipped.
 */
static enum wh_err
volume_images(const struct wh_admission_jval *spec, const char *spec_path, size_t max_images,
              struct wh_arena *a, struct wh_admission_request *out, size_t *cap,
              struct wh_error *err)
{
    const struct wh_admission_jval *arr = wh_admission_jval_get(spec, "volumes"), *v;
    size_t i = 0;

    if (is_absent(arr))
        return WH_OK;
    if (arr->kind != WH_JSON_SCAN_ARRAY)
        return wh_error_set(err, WH_E_INVALID, "%s.volumes is not an array", spec_path);
    for (v = arr->first; v != NULL; v = v->next, i++) {
        const struct wh_admission_jval *image, *ref, *name, *policy;
        char *path;

        if (v->kind != WH_JSON_SCAN_OBJECT)
            return wh_error_set(err, WH_E_INVALID, "%s.volumes[%zu] is not an object", spec_path,
                                i);
        name = wh_admission_jval_get(v, "name");
        if (name != NULL && name->kind != WH_JSON_SCAN_STRING)
            return wh_error_set(err, WH_E_INVALID, "%s.volumes[%zu].name is not a string",
                                spec_path, i);
        image = wh_admission_jval_get(v, "image");
        if (is_absent(image))
            continue;
        if (image->kind != WH_JSON_SCAN_OBJECT)
            return wh_error_set(err, WH_E_INVALID, "%s.volumes[%zu].image is not an object",
                                spec_path, i);
        path = wh_arena_sprintf(a, "%s.volumes[%zu].image.reference", spec_path, i);
        ref = wh_admission_jval_get(image, "reference");
        policy = wh_admission_jval_get(image, "pullPolicy");
        if (!is_kind(ref, WH_JSON_SCAN_STRING))
            return wh_error_set(err, WH_E_INVALID,
                                "%s is missing or not a string: an image volume must name the "
                                "image it mounts",
                                path);
        if (ref->str.len == 0)
            return wh_error_set(err, WH_E_INVALID,
                                "%s is empty: an image volume must name the image it mounts", path);
        if (!is_absent(policy) && policy->kind != WH_JSON_SCAN_STRING)
            return wh_error_set(err, WH_E_INVALID,
                                "%s.volumes[%zu].image.pullPolicy is not a string", spec_path, i);
        if (add_image(out, cap, max_images, a, path, ref, name, err) != WH_OK)
            return err->code;
    }
    return WH_OK;
}

static enum wh_err
read_annotations(const struct wh_admission_jval *object, const char *meta_path, struct wh_arena *a,
                 struct wh_admission_request *out, struct wh_error *err)
{
    const struct wh_admission_jval *meta, *ann, *v;
    size_t i = 0;

    if (walk(object, meta_path, &meta, err) != WH_OK)
        return err->code;
    if (meta == NULL)
        return WH_OK;
    if (meta->kind != WH_JSON_SCAN_OBJECT)
        return wh_error_set(err, WH_E_INVALID, "%s is not an object", meta_path);
    ann = wh_admission_jval_get(meta, "annotations");
    if (is_absent(ann))
        return WH_OK;
    if (ann->kind != WH_JSON_SCAN_OBJECT)
        return wh_error_set(err, WH_E_INVALID, "%s.annotations is not an object", meta_path);
    out->annotations = wh_arena_calloc(a, ann->n + 1, sizeof(*out->annotations));
    for (v = ann->first; v != NULL; v = v->next) {
        if (v->kind != WH_JSON_SCAN_STRING)
            return wh_error_set(err, WH_E_INVALID, "%s.annotations[\"%.*s\"] is not a string",
                                meta_path, v->key.len > 100 ? 100 : (int)v->key.len, v->key.ptr);
        out->annotations[i].key = wh_arena_strndup(a, v->key.ptr, v->key.len);
        out->annotations[i].value = dup_str(a, v);
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
platform_label(struct wh_str key)
{
    if (wh_str_eq_c(key, "kubernetes.io/os") || wh_str_eq_c(key, "beta.kubernetes.io/os"))
        return 0;
    if (wh_str_eq_c(key, "kubernetes.io/arch") || wh_str_eq_c(key, "beta.kubernetes.io/arch"))
        return 1;
    return -1;
}

static enum wh_err
read_node_selector(const struct wh_admission_jval *spec, const char *spec_path, struct wh_arena *a,
                   struct wh_admission_platforms *out, struct wh_error *err)
{
    const struct wh_admission_jval *sel = wh_admission_jval_get(spec, "nodeSelector"), *v;

    if (is_absent(sel))
        return WH_OK;
    if (sel->kind != WH_JSON_SCAN_OBJECT)
        return wh_error_set(err, WH_E_INVALID, "%s.nodeSelector is not an object", spec_path);
    for (v = sel->first; v != NULL; v = v->next) {
        int which = platform_label(v->key);
        if (which < 0)
            continue;
        if (v->kind != WH_JSON_SCAN_STRING)
            return wh_error_set(err, WH_E_INVALID, "%s.nodeSelector[\"%.*s\"] is not a string",
                                spec_path, (int)v->key.len, v->key.ptr);
        if (which == 0)
            out->os = dup_str(a, v);
        else
            out->arch = dup_str(a, v);
    }
    return WH_OK;
}

static enum wh_err
read_node_expr(const struct wh_admission_jval *e, const char *where, struct wh_arena *a,
               struct wh_admission_node_term *term, struct wh_error *err)
{
    static const char *const ops[] = {"In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"};
    const struct wh_admission_jval *key = wh_admission_jval_get(e, "key");
    const struct wh_admission_jval *op = wh_admission_jval_get(e, "operator");
    const struct wh_admission_jval *values = wh_admission_jval_get(e, "values"), *v;
    struct wh_admission_node_expr *x;
    const char **vals;
    size_t i, k;
    int which;

    if (!is_kind(e, WH_JSON_SCAN_OBJECT) || !is_kind(key, WH_JSON_SCAN_STRING) ||
        !is_kind(op, WH_JSON_SCAN_STRING))
        return wh_error_set(err, WH_E_INVALID, "%s needs string key and operator", where);
    which = platform_label(key->str);
    for (k = 0; k < 6 && !wh_str_eq_c(op->str, ops[k]); k++)
        ;
    if (k == 6)
        return wh_error_set(err, WH_E_INVALID,
                            "%s.operator \"%.*s\" is not one of In, NotIn, Exists, DoesNotExist, "
                            "Gt, Lt",
                            where, op->str.len > 40 ? 40 : (int)op->str.len, op->str.ptr);
    if (which < 0)
        return WH_OK;
    if (!is_absent(values) && values->kind != WH_JSON_SCAN_ARRAY)
        return wh_error_set(err, WH_E_INVALID, "%s.values is not an array", where);
    if (array_size(values) > MAX_NODE_VALUES)
        return wh_error_set(err, WH_E_LIMIT, "%s has more than %d values", where, MAX_NODE_VALUES);
    if (term->n_exprs >= MAX_NODE_EXPRS)
        return wh_error_set(err, WH_E_LIMIT, "%s: more than %d platform expressions in a term",
                            where, MAX_NODE_EXPRS);
    x = &term->exprs[term->n_exprs++];
    x->is_arch = which == 1;
    x->op = k >= 4 ? WH_ADMISSION_NODE_NEVER : (enum wh_admission_node_op)k;
    vals = wh_arena_calloc(a, array_size(values) + 1, sizeof(*vals));
    for (i = 0, v = array_size(values) > 0 ? values->first : NULL; v != NULL; v = v->next, i++) {
        if (v->kind != WH_JSON_SCAN_STRING)
            return wh_error_set(err, WH_E_INVALID, "%s.values[%zu] is not a string", where, i);
        vals[i] = dup_str(a, v);
    }
    x->values = vals;
    x->n_values = array_size(values);
    return WH_OK;
}

/* spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms */
static enum wh_err
read_node_affinity(const struct wh_admission_jval *spec, const char *spec_path, struct wh_arena *a,
                   struct wh_admission_platforms *out, struct wh_error *err)
{
    const struct wh_admission_jval *req, *terms, *t, *exprs, *fields, *e;
    const char *path;
    size_t i, j;

    if (walk(spec, "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution", &req,
             err) != WH_OK)
        return err->code;
    if (req == NULL)
        return WH_OK;
    path = wh_arena_sprintf(
        a, "%s.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution", spec_path);
    terms = wh_admission_jval_get(req, "nodeSelectorTerms");
    if (!is_kind(terms, WH_JSON_SCAN_ARRAY))
        return wh_error_set(err, WH_E_INVALID, "%s.nodeSelectorTerms is missing or not an array",
                            path);
    if (terms->n > MAX_NODE_TERMS)
        return wh_error_set(err, WH_E_LIMIT, "%s has more than %d nodeSelectorTerms", path,
                            MAX_NODE_TERMS);
    out->terms = wh_arena_calloc(a, terms->n + 1, sizeof(*out->terms));
    for (i = 0, t = terms->first; t != NULL; t = t->next, i++) {
        struct wh_admission_node_term *term = &out->terms[out->n_terms++];
        const char *where = wh_arena_sprintf(a, "%s.nodeSelectorTerms[%zu]", path, i);

        if (t->kind != WH_JSON_SCAN_OBJECT)
            return wh_error_set(err, WH_E_INVALID, "%s is not an object", where);
        exprs = wh_admission_jval_get(t, "matchExpressions");
        fields = wh_admission_jval_get(t, "matchFields");
        if ((!is_absent(exprs) && exprs->kind != WH_JSON_SCAN_ARRAY) ||
            (!is_absent(fields) && fields->kind != WH_JSON_SCAN_ARRAY))
            return wh_error_set(err, WH_E_INVALID, "%s: matchExpressions/matchFields not arrays",
                                where);
        term->matches_nothing = array_size(exprs) == 0 && array_size(fields) == 0;
        term->exprs = wh_arena_calloc(a, MAX_NODE_EXPRS, sizeof(*term->exprs));
        for (j = 0, e = array_size(exprs) > 0 ? exprs->first : NULL; e != NULL; e = e->next, j++) {
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
wh_admission_podspec_images(const struct wh_admission_jval *object, const char *group,
                            const char *kind, size_t max_images, struct wh_arena *a,
                            struct wh_admission_request *out, struct wh_error *err)
{
    const struct kind_spec *k = find_kind(group, kind);
    const struct wh_admission_jval *spec;
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
    if (spec->kind != WH_JSON_SCAN_OBJECT)
        return wh_error_set(err, WH_E_INVALID, "%s is not an object", k->spec);
    for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
        if (list_images(spec, k->spec, lists[i], max_images, a, out, &cap, err) != WH_OK)
            return err->code;
    if (volume_images(spec, k->spec, max_images, a, out, &cap, err) != WH_OK)
        return err->code;
    memset(&out->platforms, 0, sizeof(out->platforms));
    if (read_node_selector(spec, k->spec, a, &out->platforms, err) != WH_OK ||
        read_node_affinity(spec, k->spec, a, &out->platforms, err) != WH_OK)
        return err->code;
    return read_annotations(object, k->metadata, a, out, err);
}
