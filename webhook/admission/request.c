/* Decodes an admission.k8s.io/v1 AdmissionReview request into arena strings: who asks, about
 * what, and every container image with its JSON path. jansson never leaves this module. */
#include "admission/request.h"

#include <jansson.h>
#include <string.h>

#include "admission/podspec.h"

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
    if (res != NULL && !json_is_null(res)) {
        if (!json_is_object(res))
            return wh_error_set(err, WH_E_INVALID, "request.resource is not an object");
        if (get_string(res, "resource", "request.resource", false, a, &out->resource, err) != WH_OK)
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
        return wh_error_set(err, WH_E_LIMIT, "%s.imagePullSecrets has %zu entries (limit %d)",
                            path, n, WH_ADMISSION_MAX_PULL_SECRETS);
    out->image_pull_secrets = wh_arena_alloc(a, (n + 1) * sizeof(*out->image_pull_secrets));
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(list, i), *name;

        if (!json_is_object(e))
            return wh_error_set(err, WH_E_INVALID, "%s.imagePullSecrets[%zu] is not an object",
                                path, i);
        name = json_object_get(e, "name");
        if (name != NULL && !json_is_string(name))
            return wh_error_set(err, WH_E_INVALID,
                                "%s.imagePullSecrets[%zu].name is not a string", path, i);
        if (name == NULL || json_string_length(name) == 0)
            continue;
        out->image_pull_secrets[k++] = wh_arena_strdup(a, json_string_value(name));
    }
    out->n_image_pull_secrets = k;
    return WH_OK;
}

enum wh_err
wh_admission_request_parse(struct wh_bytes body, const struct wh_limits *lim, struct wh_arena *a,
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
    root = json_loadb((const char *)body.ptr, body.len, JSON_REJECT_DUPLICATES, &jerr);
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
    if ((rc = read_request(req, a, out, err)) != WH_OK)
        goto out;
    out->service_account = "";
    object = json_object_get(req, "object");
    out->has_object = json_is_object(object);
    /* DELETE and CONNECT admit nothing new to run: uid and kind are all the caller needs. */
    if (out->has_object &&
        (strcmp(out->operation, "CREATE") == 0 || strcmp(out->operation, "UPDATE") == 0)) {
        rc = wh_admission_podspec_images(object, out->group, out->kind, lim->images, a, out, err);
        if (rc == WH_OK)
            rc = read_pull_secrets(object, wh_admission_podspec_path(out->group, out->kind), a,
                                   out, err);
        if (rc != WH_OK) {
            wh_error_wrap(err, "request.object (%s)", out->kind);
            goto out;
        }
    } else if (!out->has_object &&
               (strcmp(out->operation, "CREATE") == 0 || strcmp(out->operation, "UPDATE") == 0) &&
               wh_admission_podspec_path(out->group, out->kind) != NULL) {
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
