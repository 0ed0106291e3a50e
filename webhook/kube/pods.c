/*
 * Running pods through the Kubernetes API for `driftgate reverify`: one page of a v1 PodList
 * parsed into what reverify judges (each container status joined with its spec entry), the
 * imageID a runtime reports reduced to the digest it pulled, and the paged list call.
 */
#include "kube/pods.h"

#include <jansson.h>
#include <stdbool.h>
#include <string.h>

#include "kube/kube.h"
#include "registry/http.h"

/* ---- pure parsing ---- */

static bool
is_sha256(const char *s)
{
    return strncmp(s, "sha256:", 7) == 0 && strlen(s) == 71 &&
           strspn(s + 7, "0123456789abcdef") == 64;
}

void
wh_kube_image_id_digest(const char *image_id, struct wh_arena *a, const char **digest,
                        const char **repository)
{
    const char *s = image_id, *scheme = strstr(image_id, "://"), *at;

    *digest = NULL;
    *repository = NULL;
    /* docker-pullable://repo@sha256:..., docker://sha256:... (dockershim, cri-dockerd) */
    if (scheme != NULL)
        s = scheme + 3;
    at = strrchr(s, '@');
    if (at == NULL || at == s || !is_sha256(at + 1))
        return; /* a bare "sha256:<id>" is a local image (config) ID, not a registry digest */
    *digest = wh_arena_strdup(a, at + 1);
    *repository = wh_arena_strndup(a, s, (size_t)(at - s));
}

/* A string member of `o`: NULL when absent or null; WH_E_INVALID for another type, WH_E_LIMIT
 * over WH_KUBE_FIELD_MAX. */
static enum wh_err
get_string(json_t *o, const char *key, const char *where, struct wh_arena *a, const char **out,
           struct wh_error *err)
{
    json_t *v = json_object_get(o, key);

    *out = NULL;
    if (v == NULL || json_is_null(v))
        return WH_OK;
    if (!json_is_string(v))
        return wh_error_set(err, WH_E_INVALID, "%s.%s is not a string", where, key);
    if (json_string_length(v) > WH_KUBE_FIELD_MAX)
        return wh_error_set(err, WH_E_LIMIT, "%s.%s is %zu bytes (limit %u)", where, key,
                            json_string_length(v), WH_KUBE_FIELD_MAX);
    if (strlen(json_string_value(v)) != json_string_length(v))
        return wh_error_set(err, WH_E_INVALID, "%s.%s holds a NUL byte", where, key);
    *out = wh_arena_strdup(a, json_string_value(v));
    return WH_OK;
}

/* An array member: NULL when absent or null, WH_E_INVALID when not an array. */
static enum wh_err
get_array(json_t *o, const char *key, const char *where, json_t **out, struct wh_error *err)
{
    json_t *v = json_object_get(o, key);

    *out = NULL;
    if (v == NULL || json_is_null(v))
        return WH_OK;
    if (!json_is_array(v))
        return wh_error_set(err, WH_E_INVALID, "%s.%s is not an array", where, key);
    *out = v;
    return WH_OK;
}

static enum wh_err run_as(json_t *o, const char *key, const char *where, int64_t *out,
                          struct wh_error *err);

/* The spec entry of status `c` (by name): its index, image and UID/GID (the pod's when it says
 * none); -1 / NULL / the pod's when there is no entry by that name. */
static enum wh_err
spec_entry(json_t *spec_list, const struct wh_kube_pod *pod, const char *where, struct wh_arena *a,
           struct wh_kube_container *out, struct wh_error *err)
{
    size_t i;
    json_t *c;

    out->index = -1;
    out->spec_image = NULL;
    out->run_as_user = pod->run_as_user;
    out->run_as_group = pod->run_as_group;
    json_array_foreach(spec_list, i, c)
    {
        const char *n;

        if (!json_is_object(c))
            return wh_error_set(err, WH_E_INVALID, "%s: a spec container is not an object", where);
        if (get_string(c, "name", where, a, &n, err) != WH_OK)
            return err->code;
        if (n != NULL && strcmp(n, out->name) == 0) {
            out->index = (long)i;
            if (run_as(c, "runAsUser", where, &out->run_as_user, err) != WH_OK ||
                run_as(c, "runAsGroup", where, &out->run_as_group, err) != WH_OK)
                return err->code;
            return get_string(c, "image", where, a, &out->spec_image, err);
        }
    }
    return WH_OK;
}

/* The statuses of one kind ("containerStatuses" for spec field "containers", ...). */
static enum wh_err
add_statuses(json_t *spec, json_t *status, const char *field, const char *status_key,
             const char *where, struct wh_arena *a, struct wh_kube_pod *pod, struct wh_error *err)
{
    json_t *list, *spec_list = NULL, *st;
    size_t i;

    if (get_array(status, status_key, where, &list, err) != WH_OK ||
        (spec != NULL && get_array(spec, field, where, &spec_list, err) != WH_OK))
        return err->code;
    json_array_foreach(list, i, st)
    {
        struct wh_kube_container *c;
        const char *w = wh_arena_sprintf(a, "%s.status.%s[%zu]", where, status_key, i);

        if (!json_is_object(st))
            return wh_error_set(err, WH_E_INVALID, "%s is not an object", w);
        c = &pod->containers[pod->n_containers];
        c->field = field;
        if (get_string(st, "name", w, a, &c->name, err) != WH_OK ||
            get_string(st, "imageID", w, a, &c->image_id, err) != WH_OK)
            return err->code;
        if (c->name == NULL)
            return wh_error_set(err, WH_E_INVALID, "%s has no name", w);
        if (c->image_id == NULL)
            c->image_id = "";
        if (spec_entry(spec_list, pod, w, a, c, err) != WH_OK)
            return err->code;
        wh_kube_image_id_digest(c->image_id, a, &c->digest, &c->repository);
        pod->n_containers++;
    }
    return WH_OK;
}

/* securityContext.<key> of `o` when it is a whole number in [0, 2^31); `*out` untouched when
 * absent; WH_E_INVALID for another value. */
static enum wh_err
run_as(json_t *o, const char *key, const char *where, int64_t *out, struct wh_error *err)
{
    json_t *sc = json_object_get(o, "securityContext"), *v = json_object_get(sc, key);

    if (v == NULL || json_is_null(v))
        return WH_OK;
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 2147483647)
        return wh_error_set(err, WH_E_INVALID, "%s: securityContext.%s is not a UID/GID", where,
                            key);
    *out = (int64_t)json_integer_value(v);
    return WH_OK;
}

/* spec.imagePullSecrets[].name. */
static enum wh_err
parse_pull_secrets(json_t *spec, const char *where, struct wh_arena *a, struct wh_kube_pod *pod,
                   struct wh_error *err)
{
    json_t *list, *c;
    size_t i;

    if (get_array(spec, "imagePullSecrets", where, &list, err) != WH_OK)
        return err->code;
    if (json_array_size(list) > WH_KUBE_PULL_SECRETS_MAX)
        return wh_error_set(err, WH_E_LIMIT, "%s: %zu imagePullSecrets (limit %u)", where,
                            json_array_size(list), WH_KUBE_PULL_SECRETS_MAX);
    pod->pull_secrets = wh_arena_calloc(a, json_array_size(list) + 1, sizeof(*pod->pull_secrets));
    json_array_foreach(list, i, c)
    {
        const char *n;

        if (!json_is_object(c))
            return wh_error_set(err, WH_E_INVALID, "%s: an imagePullSecrets entry is not an object",
                                where);
        if (get_string(c, "name", where, a, &n, err) != WH_OK)
            return err->code;
        if (n != NULL && n[0] != '\0')
            pod->pull_secrets[pod->n_pull_secrets++] = n;
    }
    return WH_OK;
}

/* spec.ephemeralContainers: name, image, targetContainerName. */
static enum wh_err
parse_ephemeral(json_t *spec, const char *where, struct wh_arena *a, struct wh_kube_pod *pod,
                struct wh_error *err)
{
    json_t *list, *c;
    size_t i;

    if (get_array(spec, "ephemeralContainers", where, &list, err) != WH_OK)
        return err->code;
    if (json_array_size(list) > WH_KUBE_CONTAINERS_MAX)
        return wh_error_set(err, WH_E_LIMIT, "%s: %zu ephemeral containers (limit %u)", where,
                            json_array_size(list), WH_KUBE_CONTAINERS_MAX);
    pod->ephemeral = wh_arena_calloc(a, json_array_size(list) + 1, sizeof(*pod->ephemeral));
    json_array_foreach(list, i, c)
    {
        struct wh_kube_ephemeral *e = &pod->ephemeral[pod->n_ephemeral];

        if (!json_is_object(c))
            return wh_error_set(err, WH_E_INVALID, "%s: an ephemeral container is not an object",
                                where);
        if (get_string(c, "name", where, a, &e->name, err) != WH_OK ||
            get_string(c, "image", where, a, &e->image, err) != WH_OK ||
            get_string(c, "targetContainerName", where, a, &e->target, err) != WH_OK)
            return err->code;
        if (e->name != NULL)
            pod->n_ephemeral++;
    }
    return WH_OK;
}

/* The pod's UID/GID, the pull secrets and spec.ephemeralContainers. */
static enum wh_err
parse_spec(json_t *spec, const char *where, struct wh_arena *a, struct wh_kube_pod *pod,
           struct wh_error *err)
{
    pod->run_as_user = pod->run_as_group = WH_KUBE_UID_UNSET;
    if (spec == NULL)
        return WH_OK;
    if (run_as(spec, "runAsUser", where, &pod->run_as_user, err) != WH_OK ||
        run_as(spec, "runAsGroup", where, &pod->run_as_group, err) != WH_OK)
        return err->code;
    if (parse_pull_secrets(spec, where, a, pod, err) != WH_OK)
        return err->code;
    return parse_ephemeral(spec, where, a, pod, err);
}

static enum wh_err
parse_pod(json_t *item, size_t i, struct wh_arena *a, struct wh_kube_pod *pod, struct wh_error *err)
{
    static const char *const kinds[3][2] = {{"initContainers", "initContainerStatuses"},
                                            {"containers", "containerStatuses"},
                                            {"ephemeralContainers", "ephemeralContainerStatuses"}};
    const char *where = wh_arena_sprintf(a, "items[%zu]", i);
    json_t *meta = json_object_get(item, "metadata"), *spec = json_object_get(item, "spec");
    json_t *status = json_object_get(item, "status");
    size_t total = 0;

    if (!json_is_object(item) || !json_is_object(meta))
        return wh_error_set(err, WH_E_INVALID, "%s is not a Pod with metadata", where);
    if (get_string(meta, "namespace", where, a, &pod->namespace_, err) != WH_OK ||
        get_string(meta, "name", where, a, &pod->name, err) != WH_OK ||
        get_string(meta, "uid", where, a, &pod->uid, err) != WH_OK)
        return err->code;
    if (pod->namespace_ == NULL || pod->name == NULL)
        return wh_error_set(err, WH_E_INVALID, "%s has no metadata.namespace or metadata.name",
                            where);
    if (pod->uid == NULL)
        pod->uid = "";
    where = wh_arena_sprintf(a, "pod %.63s/%.253s", pod->namespace_, pod->name);
    if ((spec != NULL && !json_is_object(spec)) || (status != NULL && !json_is_object(status)))
        return wh_error_set(err, WH_E_INVALID, "%s: spec or status is not an object", where);
    pod->phase = "";
    if (parse_spec(spec, where, a, pod, err) != WH_OK)
        return err->code;
    if (status == NULL)
        return WH_OK;
    if (get_string(status, "phase", where, a, &pod->phase, err) != WH_OK)
        return err->code;
    if (pod->phase == NULL)
        pod->phase = "";
    for (size_t k = 0; k < 3; k++) {
        json_t *l = json_object_get(status, kinds[k][1]);

        total += json_is_array(l) ? json_array_size(l) : 0;
    }
    if (total > WH_KUBE_CONTAINERS_MAX)
        return wh_error_set(err, WH_E_LIMIT, "%s: %zu container statuses (limit %u)", where, total,
                            WH_KUBE_CONTAINERS_MAX);
    pod->containers = wh_arena_calloc(a, total + 1, sizeof(*pod->containers));
    for (size_t k = 0; k < 3; k++)
        if (add_statuses(spec, status, kinds[k][0], kinds[k][1], where, a, pod, err) != WH_OK)
            return err->code;
    return WH_OK;
}

static enum wh_err
parse_root(json_t *root, struct wh_arena *a, struct wh_kube_pod_page *out, struct wh_error *err)
{
    json_t *kind = json_object_get(root, "kind"), *items, *meta, *item;
    size_t i;

    if (!json_is_object(root) || !json_is_string(kind) ||
        strcmp(json_string_value(kind), "PodList") != 0)
        return wh_error_set(err, WH_E_INVALID, "not a v1 PodList");
    if (get_array(root, "items", "PodList", &items, err) != WH_OK)
        return err->code;
    if (json_array_size(items) > WH_KUBE_PODS_PER_PAGE_MAX)
        return wh_error_set(err, WH_E_LIMIT, "PodList page holds %zu items (limit %u)",
                            json_array_size(items), WH_KUBE_PODS_PER_PAGE_MAX);
    meta = json_object_get(root, "metadata");
    if (meta != NULL && !json_is_object(meta))
        return wh_error_set(err, WH_E_INVALID, "PodList metadata is not an object");
    if (get_string(meta, "continue", "PodList.metadata", a, &out->continue_token, err) != WH_OK)
        return err->code;
    if (out->continue_token != NULL && out->continue_token[0] == '\0')
        out->continue_token = NULL;
    out->pods = wh_arena_calloc(a, json_array_size(items) + 1, sizeof(*out->pods));
    json_array_foreach(items, i, item)
    {
        if (parse_pod(item, i, a, &out->pods[i], err) != WH_OK)
            return err->code;
        out->n_pods++;
    }
    return WH_OK;
}

enum wh_err
wh_kube_pod_list_parse(struct wh_bytes body, struct wh_arena *a, struct wh_kube_pod_page *out,
                       struct wh_error *err)
{
    json_error_t jerr;
    json_t *root;
    enum wh_err rc;

    memset(out, 0, sizeof(*out));
    if (body.len > WH_KUBE_POD_PAGE_MAX)
        return wh_error_set(err, WH_E_LIMIT, "PodList page is %zu bytes (limit %u)", body.len,
                            WH_KUBE_POD_PAGE_MAX);
    root = json_loadb((const char *)body.ptr, body.len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL)
        return wh_error_set(err, WH_E_INVALID, "PodList JSON %d:%d: %s", jerr.line, jerr.column,
                            jerr.text);
    rc = parse_root(root, a, out, err);
    json_decref(root);
    if (rc != WH_OK)
        memset(out, 0, sizeof(*out));
    return rc;
}

/* ---- the paged list call ---- */

#define RBAC_PODS "`list` on pods (manifests/reverify/rbac.yaml)"

/* One page: GET and parse. */
static enum wh_err
list_page(struct wh_kube_client *k, size_t page, const char *cont, size_t n, int64_t deadline_ms,
          struct wh_arena *a, struct wh_kube_pod_page *pg, struct wh_error *err)
{
    struct wh_kube_call q = {.method = "GET",
                             .max = WH_KUBE_POD_PAGE_MAX,
                             .need = RBAC_PODS,
                             .deadline_ms = deadline_ms};
    struct wh_bytes body;
    long status;

    q.path = wh_arena_sprintf(a, "/api/v1/pods?limit=%zu&fieldSelector=status.phase%%3DRunning%s%s",
                              page, cont != NULL ? "&continue=" : "",
                              cont != NULL ? wh_registry_http_escape(cont, a) : "");
    if (wh_kube_request(k, &q, a, &status, &body, err) != WH_OK)
        return wh_error_wrap(err, "list pods");
    if (wh_kube_pod_list_parse(body, a, pg, err) != WH_OK)
        return wh_error_wrap(err, "list pods: page %zu", n);
    return WH_OK;
}

/* A server that hands back one of the last two tokens would page forever. */
static bool
is_repeated(const char *cont, const char *const seen[2])
{
    return cont != NULL && ((seen[0] != NULL && strcmp(seen[0], cont) == 0) ||
                            (seen[1] != NULL && strcmp(seen[1], cont) == 0));
}

enum wh_err
wh_kube_pods_list(struct wh_kube_client *k, size_t page, size_t max_pods, int64_t deadline_ms,
                  struct wh_arena *a, struct wh_kube_pod **pods, size_t *n_pods,
                  struct wh_error *err)
{
    struct wh_kube_pod *all;
    const char *cont = NULL, *seen[2] = {NULL, NULL};
    size_t n = 0, pages = 0, max_pages;

    if (page == 0 || page > WH_KUBE_PODS_PER_PAGE_MAX)
        return wh_error_set(err, WH_E_INVALID, "page size %zu is not 1-%u", page,
                            WH_KUBE_PODS_PER_PAGE_MAX);
    max_pages = max_pods / page + 1;
    all = wh_arena_calloc(a, max_pods + 1, sizeof(*all));
    do {
        struct wh_kube_pod_page pg;

        if (++pages > max_pages)
            return wh_error_set(err, WH_E_LIMIT,
                                "list pods: more than %zu pages of %zu (raise --max-pods)",
                                max_pages, page);
        if (list_page(k, page, cont, pages, deadline_ms, a, &pg, err) != WH_OK)
            return err->code;
        for (size_t i = 0; i < pg.n_pods; i++) {
            if (strcmp(pg.pods[i].phase, "Running") != 0)
                continue;
            if (n == max_pods)
                return wh_error_set(err, WH_E_LIMIT,
                                    "list pods: more than %zu running pods (raise --max-pods)",
                                    max_pods);
            all[n++] = pg.pods[i];
        }
        cont = pg.continue_token;
        if (is_repeated(cont, seen))
            return wh_error_set(err, WH_E_INVALID,
                                "list pods: the API server repeated a continue token");
        seen[pages % 2] = cont;
    } while (cont != NULL);
    *pods = all;
    *n_pods = n;
    return WH_OK;
}
