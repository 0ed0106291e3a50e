/*
 * AdmissionReview decode and response render: a parsed request has a uid and non-empty images
 * within the limit; its response is valid JSON echoing the uid; a rejection is INVALID or LIMIT
 * with a message. Small limits so the LIMIT paths are reached too.
 * Differentially, against the jansson tree walk that the base/json_scan.c decoder replaced (kept
 * below as ref_request_parse): both accept or both refuse with the same code, the same message
 * for every failure that is not a JSON syntax error, and the same request struct field by field.
 * The one intended difference: duplicate keys are refused only in the objects request.c reads
 * (jansson refused them everywhere); where jansson refused one, the decoder must either refuse a
 * duplicate too or agree with jansson reading the same bytes without JSON_REJECT_DUPLICATES.
 * And a NUL byte is always a JSON error here (jansson skipped one after a number or literal).
 * The reference also lists image volumes (spec.volumes[N].image.reference) and refuses a pod
 * resource whose object is not its pod kind: the same rules, read from jansson's tree.
 */
#include "fuzz/fuzz.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "admission/request.h"
#include "admission/response.h"

/* ---- reference: request.c + podspec.c before json_scan.c (jansson tree) ---- */

static size_t ref_flags = JSON_REJECT_DUPLICATES;

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

/* request.resource → the pod kind its objects must be (issue 12: every pod write is checked). */
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

static const struct kind_spec *
find_kind(const char *group, const char *kind)
{
    size_t i;

    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strcmp(kinds[i].group, group) == 0 && strcmp(kinds[i].kind, kind) == 0)
            return &kinds[i];
    return NULL;
}

static const char *
ref_podspec_path(const char *group, const char *kind)
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

/* volumes[].image.reference (Kubernetes 1.31+ image volumes), after the containers. */
static enum wh_err
volume_images(json_t *spec, const char *spec_path, size_t max_images, struct wh_arena *a,
              struct wh_admission_request *out, size_t *cap, struct wh_error *err)
{
    json_t *arr = json_object_get(spec, "volumes"), *v;
    size_t i;

    if (arr == NULL || json_is_null(arr))
        return WH_OK;
    if (!json_is_array(arr))
        return wh_error_set(err, WH_E_INVALID, "%s.volumes is not an array", spec_path);
    json_array_foreach(arr, i, v)
    {
        json_t *image, *ref, *name, *policy;
        char *path;

        if (!json_is_object(v))
            return wh_error_set(err, WH_E_INVALID, "%s.volumes[%zu] is not an object", spec_path,
                                i);
        name = json_object_get(v, "name");
        if (name != NULL && !json_is_string(name))
            return wh_error_set(err, WH_E_INVALID, "%s.volumes[%zu].name is not a string",
                                spec_path, i);
        image = json_object_get(v, "image");
        if (image == NULL || json_is_null(image))
            continue;
        if (!json_is_object(image))
            return wh_error_set(err, WH_E_INVALID, "%s.volumes[%zu].image is not an object",
                                spec_path, i);
        path = wh_arena_sprintf(a, "%s.volumes[%zu].image.reference", spec_path, i);
        ref = json_object_get(image, "reference");
        policy = json_object_get(image, "pullPolicy");
        if (!json_is_string(ref))
            return wh_error_set(err, WH_E_INVALID,
                                "%s is missing or not a string: an image volume must name the "
                                "image it mounts",
                                path);
        if (json_string_length(ref) == 0)
            return wh_error_set(err, WH_E_INVALID,
                                "%s is empty: an image volume must name the image it mounts", path);
        if (policy != NULL && !json_is_null(policy) && !json_is_string(policy))
            return wh_error_set(err, WH_E_INVALID,
                                "%s.volumes[%zu].image.pullPolicy is not a string", spec_path, i);
        if (add_image(out, cap, max_images, a, path, json_string_value(ref),
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
        return wh_error_set(err, WH_E_INVALID,
                            "%s.operator \"%.40s\" is not one of In, NotIn, "
                            "Exists, DoesNotExist, Gt, Lt",
                            where, json_string_value(op));
    if (which < 0)
        return WH_OK;
    if (values != NULL && !json_is_null(values) && !json_is_array(values))
        return wh_error_set(err, WH_E_INVALID, "%s.values is not an array", where);
    if (json_array_size(values) > MAX_NODE_VALUES)
        return wh_error_set(err, WH_E_LIMIT, "%s has more than %d values", where, MAX_NODE_VALUES);
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

static enum wh_err
ref_podspec_images(json_t *object, const char *group, const char *kind, size_t max_images,
                   struct wh_arena *a, struct wh_admission_request *out, struct wh_error *err)
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
    if (volume_images(spec, k->spec, max_images, a, out, &cap, err) != WH_OK)
        return err->code;
    memset(&out->platforms, 0, sizeof(out->platforms));
    if (read_node_selector(spec, k->spec, a, &out->platforms, err) != WH_OK ||
        read_node_affinity(spec, k->spec, a, &out->platforms, err) != WH_OK)
        return err->code;
    return read_annotations(object, k->metadata, a, out, err);
}

/* Nesting depth before jansson sees the text, so a deep body costs one linear scan and never
 * reaches jansson's recursive parser. Strings are skipped so brackets inside them do not count. */
static enum wh_err
check_depth(struct wh_bytes body, size_t max_depth, struct wh_error *err)
{
    size_t i, depth = 0;
    bool in_string = false;

    for (i = 0; i < body.len; i++) {
        unsigned char c = body.ptr[i];

        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            if (++depth > max_depth)
                return wh_error_set(err, WH_E_LIMIT,
                                    "AdmissionReview nests deeper than %zu levels (offset %zu)",
                                    max_depth, i);
        } else if ((c == '}' || c == ']') && depth > 0) {
            depth--;
        }
    }
    return WH_OK;
}

/* Copies the string member `key` of `obj`; "" when absent or null, an error when another type
 * or when `required` and empty. */
static enum wh_err
get_string(json_t *obj, const char *key, const char *where, bool required, struct wh_arena *a,
           const char **out, struct wh_error *err)
{
    json_t *v = json_object_get(obj, key);

    *out = "";
    if (v == NULL || json_is_null(v)) {
        if (required)
            return wh_error_set(err, WH_E_INVALID, "%s.%s is missing", where, key);
        return WH_OK;
    }
    if (!json_is_string(v))
        return wh_error_set(err, WH_E_INVALID, "%s.%s is not a string", where, key);
    if (required && json_string_length(v) == 0)
        return wh_error_set(err, WH_E_INVALID, "%s.%s is empty", where, key);
    *out = wh_arena_strndup(a, json_string_value(v), json_string_length(v));
    return WH_OK;
}

static enum wh_err
check_envelope(json_t *root, struct wh_error *err)
{
    json_t *v;

    if (!json_is_object(root))
        return wh_error_set(err, WH_E_INVALID, "AdmissionReview is not a JSON object");
    v = json_object_get(root, "apiVersion");
    if (!json_is_string(v))
        return wh_error_set(err, WH_E_INVALID, "AdmissionReview has no apiVersion");
    if (strcmp(json_string_value(v), "admission.k8s.io/v1") != 0)
        return wh_error_set(err, WH_E_INVALID,
                            "unsupported apiVersion \"%.64s\" (want admission.k8s.io/v1)",
                            json_string_value(v));
    v = json_object_get(root, "kind");
    if (!json_is_string(v) || strcmp(json_string_value(v), "AdmissionReview") != 0)
        return wh_error_set(err, WH_E_INVALID, "kind is \"%.64s\", want AdmissionReview",
                            json_is_string(v) ? json_string_value(v) : "");
    return WH_OK;
}

static bool
is_operation(const char *op)
{
    return strcmp(op, "CREATE") == 0 || strcmp(op, "UPDATE") == 0 || strcmp(op, "DELETE") == 0 ||
           strcmp(op, "CONNECT") == 0;
}

static enum wh_err
read_request(json_t *req, struct wh_arena *a, struct wh_admission_request *out,
             struct wh_error *err)
{
    json_t *kind = json_object_get(req, "kind"), *res = json_object_get(req, "resource");
    json_t *dry = json_object_get(req, "dryRun");

    if (get_string(req, "uid", "request", true, a, &out->uid, err) != WH_OK ||
        get_string(req, "operation", "request", true, a, &out->operation, err) != WH_OK ||
        get_string(req, "namespace", "request", false, a, &out->namespace_, err) != WH_OK ||
        get_string(req, "name", "request", false, a, &out->name, err) != WH_OK ||
        get_string(req, "subResource", "request", false, a, &out->sub_resource, err) != WH_OK)
        return err->code;
    if (!is_operation(out->operation))
        return wh_error_set(err, WH_E_INVALID,
                            "request.operation \"%.32s\" is not CREATE, UPDATE, DELETE or CONNECT",
                            out->operation);
    if (!json_is_object(kind))
        return wh_error_set(err, WH_E_INVALID, "request.kind is missing or not an object");
    if (get_string(kind, "group", "request.kind", false, a, &out->group, err) != WH_OK ||
        get_string(kind, "version", "request.kind", false, a, &out->version, err) != WH_OK ||
        get_string(kind, "kind", "request.kind", true, a, &out->kind, err) != WH_OK)
        return err->code;
    out->resource = "";
    out->resource_group = "";
    if (res != NULL && !json_is_null(res)) {
        if (!json_is_object(res))
            return wh_error_set(err, WH_E_INVALID, "request.resource is not an object");
        if (get_string(res, "group", "request.resource", false, a, &out->resource_group, err) !=
                WH_OK ||
            get_string(res, "resource", "request.resource", false, a, &out->resource, err) != WH_OK)
            return err->code;
    }
    if (dry != NULL && !json_is_null(dry) && !json_is_boolean(dry))
        return wh_error_set(err, WH_E_INVALID, "request.dryRun is not a boolean");
    out->dry_run = json_is_true(dry);
    return WH_OK;
}

/*
 * spec.imagePullSecrets[].name and spec.serviceAccountName of the pod spec at `path` ("spec",
 * "spec.template.spec", ...; NULL for kinds without one). Wrong types are WH_E_INVALID with
 * the field's path, as the apiserver would have refused them.
 */
static enum wh_err
read_pull_secrets(json_t *object, const char *path, struct wh_arena *a,
                  struct wh_admission_request *out, struct wh_error *err)
{
    json_t *spec = object, *list, *sa;
    const char *p = path;
    size_t n, k = 0;

    out->image_pull_secrets = NULL;
    out->n_image_pull_secrets = 0;
    out->service_account = "";
    if (path == NULL)
        return WH_OK;
    while (spec != NULL && *p != '\0') {
        size_t len = strcspn(p, ".");
        char key[64];

        if (len >= sizeof(key))
            return wh_error_set(err, WH_E_INTERNAL, "pod spec path too long");
        memcpy(key, p, len);
        key[len] = '\0';
        spec = json_object_get(spec, key);
        p += len + (p[len] == '.' ? 1 : 0);
    }
    if (!json_is_object(spec))
        return WH_OK; /* podspec_images already refused a missing or malformed spec */
    sa = json_object_get(spec, "serviceAccountName");
    if (sa != NULL && !json_is_string(sa))
        return wh_error_set(err, WH_E_INVALID, "%s.serviceAccountName is not a string", path);
    if (sa != NULL)
        out->service_account = wh_arena_strdup(a, json_string_value(sa));
    list = json_object_get(spec, "imagePullSecrets");
    if (list == NULL || json_is_null(list))
        return WH_OK;
    if (!json_is_array(list))
        return wh_error_set(err, WH_E_INVALID, "%s.imagePullSecrets is not an array", path);
    n = json_array_size(list);
    if (n > WH_ADMISSION_MAX_PULL_SECRETS)
        return wh_error_set(err, WH_E_LIMIT, "%s.imagePullSecrets has %zu entries (limit %d)", path,
                            n, WH_ADMISSION_MAX_PULL_SECRETS);
    out->image_pull_secrets = wh_arena_alloc(a, (n + 1) * sizeof(*out->image_pull_secrets));
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(list, i), *name;

        if (!json_is_object(e))
            return wh_error_set(err, WH_E_INVALID, "%s.imagePullSecrets[%zu] is not an object",
                                path, i);
        name = json_object_get(e, "name");
        if (name != NULL && !json_is_string(name))
            return wh_error_set(err, WH_E_INVALID, "%s.imagePullSecrets[%zu].name is not a string",
                                path, i);
        if (name == NULL || json_string_length(name) == 0)
            continue;
        out->image_pull_secrets[k++] = wh_arena_strdup(a, json_string_value(name));
    }
    out->n_image_pull_secrets = k;
    return WH_OK;
}

/* A CREATE/UPDATE of a pod resource (or pods/ephemeralcontainers) must carry its pod kind. */
static enum wh_err
check_pod_kind(const struct wh_admission_request *r, struct wh_error *err)
{
    const char *want = NULL, *slash_g, *slash_rg;
    size_t i;

    for (i = 0; i < sizeof(resources) / sizeof(resources[0]); i++)
        if (strcmp(resources[i].group, r->resource_group) == 0 &&
            strcmp(resources[i].resource, r->resource) == 0)
            want = resources[i].kind;
    if (want == NULL ||
        (strcmp(r->operation, "CREATE") != 0 && strcmp(r->operation, "UPDATE") != 0) ||
        (strcmp(r->sub_resource, "") != 0 && strcmp(r->sub_resource, "ephemeralcontainers") != 0))
        return WH_OK;
    if (strcmp(r->group, r->resource_group) == 0 && strcmp(r->kind, want) == 0)
        return WH_OK;
    slash_g = r->group[0] != '\0' ? "/" : "";
    slash_rg = r->resource_group[0] != '\0' ? "/" : "";
    return wh_error_set(err, WH_E_INVALID,
                        "request.kind %.64s%s%.64s for resource %.64s%s%.64s%s%.64s is not %s%s%s: "
                        "its images cannot be checked",
                        r->group, slash_g, r->kind, r->resource_group, slash_rg, r->resource,
                        r->sub_resource[0] != '\0' ? "/" : "", r->sub_resource, r->resource_group,
                        slash_rg, want);
}

static enum wh_err
ref_request_parse(struct wh_bytes body, const struct wh_limits *lim, struct wh_arena *a,
                  struct wh_admission_request *out, struct wh_error *err)
{
    json_error_t jerr;
    json_t *root, *req, *object;
    enum wh_err rc;

    memset(out, 0, sizeof(*out));
    if (body.len > lim->body_bytes)
        return wh_error_set(err, WH_E_LIMIT, "AdmissionReview is %zu bytes, over the limit of %zu",
                            body.len, lim->body_bytes);
    if (check_depth(body, lim->json_depth, err) != WH_OK)
        return err->code;
    root = json_loadb((const char *)body.ptr, body.len, ref_flags, &jerr);
    if (root == NULL)
        return wh_error_set(err, WH_E_INVALID, "AdmissionReview is not valid JSON: %d:%d: %s",
                            jerr.line, jerr.column, jerr.text);
    if ((rc = check_envelope(root, err)) != WH_OK)
        goto out;
    req = json_object_get(root, "request");
    if (!json_is_object(req)) {
        rc = wh_error_set(err, WH_E_INVALID, "AdmissionReview has no request");
        goto out;
    }
    if ((rc = read_request(req, a, out, err)) != WH_OK || (rc = check_pod_kind(out, err)) != WH_OK)
        goto out;
    out->service_account = "";
    object = json_object_get(req, "object");
    out->has_object = json_is_object(object);
    /* DELETE and CONNECT admit nothing new to run: uid and kind are all the caller needs. */
    if (out->has_object &&
        (strcmp(out->operation, "CREATE") == 0 || strcmp(out->operation, "UPDATE") == 0)) {
        rc = ref_podspec_images(object, out->group, out->kind, lim->images, a, out, err);
        if (rc == WH_OK)
            rc = read_pull_secrets(object, ref_podspec_path(out->group, out->kind), a, out, err);
        if (rc != WH_OK) {
            wh_error_wrap(err, "request.object (%s)", out->kind);
            goto out;
        }
    } else if (!out->has_object &&
               (strcmp(out->operation, "CREATE") == 0 || strcmp(out->operation, "UPDATE") == 0) &&
               ref_podspec_path(out->group, out->kind) != NULL) {
        rc = wh_error_set(err, WH_E_INVALID, "request.object is missing for %s %s", out->operation,
                          out->kind);
        goto out;
    }
    rc = WH_OK;
out:
    json_decref(root);
    if (rc != WH_OK)
        memset(out, 0, sizeof(*out));
    return rc;
}

/* ---- checks ---- */

static bool
same_str(const char *x, const char *y)
{
    return (x == NULL && y == NULL) || (x != NULL && y != NULL && strcmp(x, y) == 0);
}

static void
check_same(const struct wh_admission_request *x, const struct wh_admission_request *y)
{
    const struct wh_admission_platforms *p = &x->platforms, *q = &y->platforms;
    size_t i, j, k;

    WH_ASSERT(same_str(x->uid, y->uid) && same_str(x->operation, y->operation));
    WH_ASSERT(same_str(x->namespace_, y->namespace_) && same_str(x->name, y->name));
    WH_ASSERT(same_str(x->group, y->group) && same_str(x->version, y->version) &&
              same_str(x->kind, y->kind));
    WH_ASSERT(same_str(x->resource, y->resource) && same_str(x->sub_resource, y->sub_resource) &&
              same_str(x->resource_group, y->resource_group));
    WH_ASSERT(x->dry_run == y->dry_run && x->has_object == y->has_object);
    WH_ASSERT(x->n_images == y->n_images);
    for (i = 0; i < x->n_images; i++)
        WH_ASSERT(same_str(x->images[i].path, y->images[i].path) &&
                  same_str(x->images[i].image, y->images[i].image) &&
                  same_str(x->images[i].container, y->images[i].container));
    WH_ASSERT(x->n_annotations == y->n_annotations);
    for (i = 0; i < x->n_annotations; i++)
        WH_ASSERT(same_str(x->annotations[i].key, y->annotations[i].key) &&
                  same_str(x->annotations[i].value, y->annotations[i].value));
    WH_ASSERT(same_str(p->os, q->os) && same_str(p->arch, q->arch) && p->n_terms == q->n_terms);
    for (i = 0; i < p->n_terms; i++) {
        WH_ASSERT(p->terms[i].matches_nothing == q->terms[i].matches_nothing &&
                  p->terms[i].n_exprs == q->terms[i].n_exprs);
        for (j = 0; j < p->terms[i].n_exprs; j++) {
            const struct wh_admission_node_expr *e = &p->terms[i].exprs[j];
            const struct wh_admission_node_expr *f = &q->terms[i].exprs[j];
            WH_ASSERT(e->is_arch == f->is_arch && e->op == f->op && e->n_values == f->n_values);
            for (k = 0; k < e->n_values; k++)
                WH_ASSERT(same_str(e->values[k], f->values[k]));
        }
    }
    WH_ASSERT(x->n_image_pull_secrets == y->n_image_pull_secrets);
    for (i = 0; i < x->n_image_pull_secrets; i++)
        WH_ASSERT(same_str(x->image_pull_secrets[i], y->image_pull_secrets[i]));
    WH_ASSERT(same_str(x->service_account, y->service_account));
}

static bool
is_syntax(const char *msg)
{
    return strncmp(msg, "AdmissionReview is not valid JSON", 33) == 0;
}

static void
check_against_jansson(struct wh_bytes body, const struct wh_limits *lim, enum wh_err rc,
                      const struct wh_admission_request *req, const struct wh_error *err)
{
    struct wh_arena a;
    struct wh_admission_request r;
    struct wh_error rerr;
    enum wh_err rrc;

    /* jansson drops a NUL byte that follows a number or literal (its lexer's unget of a 0 byte
     * reads as "buffer empty"), so it takes "[1\0]" for "[1]". RFC 8259 allows no NUL outside
     * strings, nor inside one unescaped: the decoder refusing such a body as JSON is right. */
    if (rc == WH_E_INVALID && is_syntax(err->msg) && memchr(body.ptr, 0, body.len) != NULL)
        return;
    wh_arena_init(&a);
    ref_flags = JSON_REJECT_DUPLICATES;
    rrc = ref_request_parse(body, lim, &a, &r, &rerr);
    if (rrc != WH_OK && strstr(rerr.msg, "duplicate object key") != NULL) {
        if (rc != WH_OK && strstr(err->msg, "duplicate object key") != NULL)
            goto out;
        ref_flags = 0;
        rrc = ref_request_parse(body, lim, &a, &r, &rerr);
    }
    if (rc != rrc) {
        fprintf(stderr, "scanner %s (%s) vs jansson %s (%s)\n", wh_error_name(rc),
                rc == WH_OK ? "" : err->msg, wh_error_name(rrc), rrc == WH_OK ? "" : rerr.msg);
        WH_ASSERT(rc == rrc);
    }
    if (rc != WH_OK) {
        if (is_syntax(rerr.msg) ? !is_syntax(err->msg) : strcmp(err->msg, rerr.msg) != 0) {
            fprintf(stderr, "scanner: %s\njansson: %s\n", err->msg, rerr.msg);
            WH_ASSERT(!"same message");
        }
        goto out;
    }
    check_same(req, &r);
out:
    wh_arena_fini(&a);
}

static void
check_response(const struct wh_admission_request *req, struct wh_arena *a)
{
    struct wh_decision d;
    struct wh_buf b;
    struct wh_error err;
    json_error_t jerr;
    json_t *j;
    size_t i;

    wh_decision_init(&d, a);
    for (i = 0; i < req->n_images; i++)
        wh_decision_warn(&d, "%s %s", req->images[i].path, req->images[i].image);
    if (req->n_annotations > 0)
        wh_decision_deny(&d, "%s=%s", req->annotations[0].key, req->annotations[0].value);
    wh_buf_init(&b, 1u << 22);
    WH_ASSERT(wh_admission_response_render(req->uid, &d, &b, &err) == WH_OK);
    j = json_loadb(b.ptr, b.len, JSON_REJECT_DUPLICATES, &jerr);
    WH_ASSERT(j != NULL);
    /* The decoder validated the request's UTF-8, so the uid must come back byte for byte. */
    WH_ASSERT(strcmp(json_string_value(json_object_get(json_object_get(j, "response"), "uid")),
                     req->uid) == 0);
    json_decref(j);
    wh_buf_fini(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wh_limits lim = WH_LIMITS_DEFAULT;
    struct wh_arena a;
    struct wh_admission_request req;
    struct wh_error err;
    enum wh_err rc;
    size_t i;

    lim.json_depth = 24;
    lim.images = 8;
    lim.body_bytes = 1u << 16;
    wh_arena_init(&a);
    rc = wh_admission_request_parse((struct wh_bytes){data, size}, &lim, &a, &req, &err);
    if (rc == WH_OK) {
        WH_ASSERT(req.uid != NULL && req.uid[0] != '\0');
        WH_ASSERT(req.kind != NULL && req.kind[0] != '\0' && req.operation != NULL);
        WH_ASSERT(req.n_images <= lim.images);
        for (i = 0; i < req.n_images; i++)
            WH_ASSERT(req.images[i].image[0] != '\0' && req.images[i].path != NULL &&
                      req.images[i].container != NULL);
        check_response(&req, &a);
    } else {
        WH_ASSERT(err.code == WH_E_INVALID || err.code == WH_E_LIMIT);
        WH_ASSERT(err.msg[0] != '\0');
    }
    check_against_jansson((struct wh_bytes){data, size}, &lim, rc, &req, &err);
    wh_arena_fini(&a);
    return 0;
}
