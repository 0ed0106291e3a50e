/* Decodes an admission.k8s.io/v1 AdmissionReview request into arena strings: who asks, about
 * what, and every container image with its JSON path. One pass of base/json_scan.c over the
 * body validates all of it (as jansson's json_loadb did) and keeps only the values on the paths
 * read below; the checks then run on those in the order the jansson tree walk ran them, so every
 * error reads as before. */
#include "admission/request.h"

#include <stdint.h>
#include <string.h>

#include "admission/podspec.h"

/* What to keep of a value: an object's members named in `fields` (or all, with `any`), an
 * array's items (with `items`). A value with none of these keeps only its kind (a string its
 * text, a boolean its truth; an array also its item count). */
struct field {
    const char *name;
    size_t len;
    const struct schema *schema;
};
struct schema {
    const struct field *fields;
    size_t n_fields;
    const struct schema *any;
    const struct schema *items;
};

/* A member to keep: its name, the name's length (compared first) and what to keep of it. */
/* clang-format off */
#define F(name, schema) {name, sizeof(name) - 1, schema}
/* clang-format on */
#define FIELDS(...)                                                                                \
    .fields = (const struct field[]){__VA_ARGS__},                                                 \
    .n_fields = sizeof((const struct field[]){__VA_ARGS__}) / sizeof(struct field)

static const struct schema leaf = {0};
static const struct schema map = {.any = &leaf};
static const struct schema values = {.items = &leaf};
static const struct schema expr = {
    FIELDS(F("key", &leaf), F("operator", &leaf), F("values", &values))};
static const struct schema exprs = {.items = &expr};
static const struct schema term = {FIELDS(F("matchExpressions", &exprs), F("matchFields", &leaf))};
static const struct schema terms = {.items = &term};
static const struct schema node_required = {FIELDS(F("nodeSelectorTerms", &terms))};
static const struct schema node_affinity = {
    FIELDS(F("requiredDuringSchedulingIgnoredDuringExecution", &node_required))};
static const struct schema affinity = {FIELDS(F("nodeAffinity", &node_affinity))};
static const struct schema container = {FIELDS(F("image", &leaf), F("name", &leaf))};
static const struct schema container_list = {.items = &container};
static const struct schema image_volume = {FIELDS(F("reference", &leaf), F("pullPolicy", &leaf))};
static const struct schema volume = {FIELDS(F("name", &leaf), F("image", &image_volume))};
static const struct schema volume_list = {.items = &volume};
static const struct schema pull_secret = {FIELDS(F("name", &leaf))};
static const struct schema pull_secrets = {.items = &pull_secret};
static const struct schema metadata = {FIELDS(F("annotations", &map))};

#define POD_SPEC_FIELDS                                                                            \
    F("containers", &container_list), F("initContainers", &container_list),                        \
        F("ephemeralContainers", &container_list), F("volumes", &volume_list),                     \
        F("nodeSelector", &map), F("affinity", &affinity), F("imagePullSecrets", &pull_secrets),   \
        F("serviceAccountName", &leaf)

static const struct schema pod_spec = {FIELDS(POD_SPEC_FIELDS)};
/* PodTemplateSpec: in PodTemplate, workloads' spec and CronJob's jobTemplate.spec. */
static const struct schema pod_template = {FIELDS(F("metadata", &metadata), F("spec", &pod_spec))};
static const struct schema job_template_spec = {FIELDS(F("template", &pod_template))};
static const struct schema job_template = {FIELDS(F("spec", &job_template_spec))};
/* An object's spec: the pod spec of a Pod, or where a workload keeps its pod template. */
static const struct schema object_spec = {
    FIELDS(POD_SPEC_FIELDS, F("template", &pod_template), F("jobTemplate", &job_template))};
static const struct schema kube_object = {
    FIELDS(F("metadata", &metadata), F("spec", &object_spec), F("template", &pod_template))};
static const struct schema group_version_kind = {
    FIELDS(F("group", &leaf), F("version", &leaf), F("kind", &leaf))};
static const struct schema resource = {FIELDS(F("group", &leaf), F("resource", &leaf))};
static const struct schema request = {
    FIELDS(F("uid", &leaf), F("operation", &leaf), F("namespace", &leaf), F("name", &leaf),
           F("subResource", &leaf), F("kind", &group_version_kind), F("resource", &resource),
           F("dryRun", &leaf), F("object", &kube_object))};
static const struct schema review = {
    FIELDS(F("apiVersion", &leaf), F("kind", &leaf), F("request", &request))};

/*
 * The keys of one object, for duplicates: jansson refused them (JSON_REJECT_DUPLICATES), and a
 * key the apiserver and driftgate would read differently must not pass. The first few compare
 * linearly; past that an open-addressing index over the arena keeps a huge object linear.
 */
#define KEYS_LINEAR 32
struct keyset {
    struct wh_str local[KEYS_LINEAR];
    struct wh_str *keys;
    size_t n, cap;
    uint32_t *slots; /* index + 1 into keys; 0 empty */
    size_t mask;
    uint64_t seen; /* key_bit() of every key: a key whose bit is clear is new, no compare */
};

/* One of 64 bits for a key, from its length and its last byte: keys of one object nearly
 * always differ in one of them. */
static inline uint64_t
key_bit(struct wh_str k)
{
    return (uint64_t)1 << ((k.len * 7 + (k.len > 0 ? (unsigned char)k.ptr[k.len - 1] : 0)) & 63);
}

static uint32_t
hash_key(struct wh_str k)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    size_t i;

    for (i = 0; i < k.len; i++)
        h = (h ^ (unsigned char)k.ptr[i]) * 16777619u;
    return h;
}

static void
keyset_index(struct keyset *ks, struct wh_arena *a)
{
    size_t size = (ks->mask + 1) * 2, i;

    while (size < ks->cap * 2)
        size *= 2;
    ks->slots = wh_arena_calloc(a, size, sizeof(*ks->slots));
    ks->mask = size - 1;
    for (i = 0; i < ks->n; i++) {
        size_t j = hash_key(ks->keys[i]) & ks->mask;
        while (ks->slots[j] != 0)
            j = (j + 1) & ks->mask;
        ks->slots[j] = (uint32_t)(i + 1);
    }
}

/* wh_str_eq inline: the linear duplicate check compares each key with every earlier one, and
 * keys differ in length nearly always. */
static inline bool
same_key(struct wh_str a, struct wh_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* Adds `key`; false when the object already has it. */
static bool
keyset_add(struct keyset *ks, struct wh_str key, struct wh_arena *a)
{
    size_t i;
    uint64_t bit = key_bit(key);

    if (ks->slots == NULL) {
        for (i = 0; (ks->seen & bit) != 0 && i < ks->n; i++)
            if (same_key(ks->keys[i], key))
                return false;
        ks->seen |= bit;
    } else {
        for (i = hash_key(key) & ks->mask; ks->slots[i] != 0; i = (i + 1) & ks->mask)
            if (same_key(ks->keys[ks->slots[i] - 1], key))
                return false;
    }
    if (ks->n == ks->cap) {
        /* Keys are views into the body or the arena; a body is capped, so n fits uint32_t. */
        ks->keys = wh_arena_grow(a, ks->keys, ks->n, ks->cap * 2, sizeof(*ks->keys));
        ks->cap *= 2;
    }
    ks->keys[ks->n++] = key;
    if (ks->n > KEYS_LINEAR && (ks->slots == NULL || ks->n * 2 > ks->mask + 1)) {
        keyset_index(ks, a);
    } else if (ks->slots != NULL) {
        for (i = hash_key(key) & ks->mask; ks->slots[i] != 0; i = (i + 1) & ks->mask)
            ;
        ks->slots[i] = (uint32_t)ks->n;
    }
    return true;
}

/* Bit (n & 63) set for a field name of n bytes: what member_schema compares at all. */
static uint64_t
field_lengths(const struct schema *sc)
{
    uint64_t m = 0;

    for (size_t i = 0; i < sc->n_fields; i++)
        m |= (uint64_t)1 << (sc->fields[i].len & 63);
    return m;
}

static const struct schema *
member_schema(const struct schema *sc, uint64_t lengths, struct wh_str key)
{
    size_t i;

    if (sc->any != NULL)
        return sc->any;
    if (((lengths >> (key.len & 63)) & 1) == 0)
        return NULL; /* no field this long: most of the keys a review does not read */
    for (i = 0; i < sc->n_fields; i++)
        if (key.len == sc->fields[i].len && memcmp(key.ptr, sc->fields[i].name, key.len) == 0)
            return sc->fields[i].schema;
    return NULL;
}

static void
append(struct wh_admission_jval *parent, struct wh_admission_jval *child)
{
    if (parent->last == NULL)
        parent->first = child;
    else
        parent->last->next = child;
    parent->last = child;
}

static enum wh_err keep(struct wh_json_scan *s, const struct schema *sc, struct wh_arena *a,
                        struct wh_admission_jval *v, struct wh_error *err);

static enum wh_err
keep_object(struct wh_json_scan *s, const struct schema *sc, struct wh_arena *a,
            struct wh_admission_jval *v, struct wh_error *err)
{
    struct keyset ks;
    struct wh_str key;
    bool has_key;
    enum wh_err rc;
    uint64_t lengths = field_lengths(sc);

    ks.keys = ks.local;
    ks.n = 0;
    ks.cap = KEYS_LINEAR;
    ks.slots = NULL;
    ks.mask = KEYS_LINEAR - 1;
    ks.seen = 0;
    if ((rc = wh_json_scan_object_enter(s, err)) != WH_OK)
        return rc;
    for (;;) {
        const struct schema *msc;
        struct wh_admission_jval *m;

        if ((rc = wh_json_scan_object_next(s, &key, &has_key, err)) != WH_OK)
            return rc;
        if (!has_key)
            return WH_OK;
        if (!keyset_add(&ks, key, a))
            return wh_json_scan_fail(s, "duplicate object key", key, err);
        if ((msc = member_schema(sc, lengths, key)) == NULL) {
            if ((rc = wh_json_scan_skip(s, err)) != WH_OK)
                return rc;
            continue;
        }
        m = wh_arena_alloc(a, sizeof(*m));
        m->key = key;
        if ((rc = keep(s, msc, a, m, err)) != WH_OK)
            return rc;
        append(v, m);
        v->n++;
    }
}

static enum wh_err
keep_array(struct wh_json_scan *s, const struct schema *sc, struct wh_arena *a,
           struct wh_admission_jval *v, struct wh_error *err)
{
    bool has_item;
    enum wh_err rc;

    if ((rc = wh_json_scan_array_enter(s, err)) != WH_OK)
        return rc;
    for (;;) {
        struct wh_admission_jval *item;

        if ((rc = wh_json_scan_array_next(s, &has_item, err)) != WH_OK)
            return rc;
        if (!has_item)
            return WH_OK;
        v->n++;
        if (sc->items == NULL) {
            if ((rc = wh_json_scan_skip(s, err)) != WH_OK)
                return rc;
            continue;
        }
        item = wh_arena_alloc(a, sizeof(*item));
        if ((rc = keep(s, sc->items, a, item, err)) != WH_OK)
            return rc;
        append(v, item);
    }
}

/* Reads the value at the cursor into *v (zeroed by the caller but for `key`), keeping what `sc`
 * names and validating the rest. Recursion is bounded by the schema's depth: everything
 * outside it goes to wh_json_scan_skip, which does not recurse. */
static enum wh_err
keep(struct wh_json_scan *s, const struct schema *sc, struct wh_arena *a,
     struct wh_admission_jval *v, struct wh_error *err)
{
    enum wh_err rc;

    if ((rc = wh_json_scan_peek(s, &v->kind, err)) != WH_OK)
        return rc;
    switch (v->kind) {
    case WH_JSON_SCAN_STRING:
        return wh_json_scan_string(s, &v->str, err);
    case WH_JSON_SCAN_BOOL:
        return wh_json_scan_bool(s, &v->truth, err);
    case WH_JSON_SCAN_OBJECT:
        if (sc->n_fields == 0 && sc->any == NULL)
            return wh_json_scan_skip(s, err);
        return keep_object(s, sc, a, v, err);
    case WH_JSON_SCAN_ARRAY:
        return keep_array(s, sc, a, v, err);
    default:
        return wh_json_scan_skip(s, err);
    }
}

/* Nesting depth of the text, counted the way the pre-scan that ran before jansson counted it
 * (strings skipped, brackets inside them ignored; a malformed body counted as far as it goes):
 * over the limit is WH_E_LIMIT even where the JSON is also malformed, as it always was. */
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

/* The whole body: one object or array (jansson's json_loadb refused other roots), then only
 * whitespace. */
static enum wh_err
scan_review(struct wh_json_scan *s, struct wh_arena *a, struct wh_admission_jval *root,
            struct wh_error *err)
{
    static const char *const names[] = {"", "null", "boolean", "number", "string"};
    enum wh_err rc;

    if ((rc = wh_json_scan_peek(s, &root->kind, err)) != WH_OK)
        return rc;
    if (root->kind != WH_JSON_SCAN_OBJECT && root->kind != WH_JSON_SCAN_ARRAY)
        return wh_json_scan_fail(s, "'[' or '{' expected, not a",
                                 wh_str_c(names[root->kind < 5 ? root->kind : 0]), err);
    if ((rc = keep(s, &review, a, root, err)) != WH_OK)
        return rc;
    return wh_json_scan_finish(s, err);
}

static bool
is_kind(const struct wh_admission_jval *v, enum wh_json_scan_kind kind)
{
    return v != NULL && v->kind == kind;
}

static bool
str_is(const struct wh_admission_jval *v, const char *text)
{
    return is_kind(v, WH_JSON_SCAN_STRING) && wh_str_eq_c(v->str, text);
}

/* For "%.*s": at most `max` bytes of a kept string. */
static int
clip(const struct wh_admission_jval *v, size_t max)
{
    return v->str.len > max ? (int)max : (int)v->str.len;
}

/* Copies the string member `key` of `obj`; "" when absent or null, an error when another type
 * or when `required` and empty. */
static enum wh_err
get_string(const struct wh_admission_jval *obj, const char *key, const char *where, bool required,
           struct wh_arena *a, const char **out, struct wh_error *err)
{
    const struct wh_admission_jval *v = wh_admission_jval_get(obj, key);

    *out = "";
    if (v == NULL || v->kind == WH_JSON_SCAN_NULL) {
        if (required)
            return wh_error_set(err, WH_E_INVALID, "%s.%s is missing", where, key);
        return WH_OK;
    }
    if (v->kind != WH_JSON_SCAN_STRING)
        return wh_error_set(err, WH_E_INVALID, "%s.%s is not a string", where, key);
    if (required && v->str.len == 0)
        return wh_error_set(err, WH_E_INVALID, "%s.%s is empty", where, key);
    *out = wh_arena_strndup(a, v->str.ptr, v->str.len);
    return WH_OK;
}

static enum wh_err
check_envelope(const struct wh_admission_jval *root, struct wh_error *err)
{
    const struct wh_admission_jval *v;

    if (root->kind != WH_JSON_SCAN_OBJECT)
        return wh_error_set(err, WH_E_INVALID, "AdmissionReview is not a JSON object");
    v = wh_admission_jval_get(root, "apiVersion");
    if (!is_kind(v, WH_JSON_SCAN_STRING))
        return wh_error_set(err, WH_E_INVALID, "AdmissionReview has no apiVersion");
    if (!wh_str_eq_c(v->str, "admission.k8s.io/v1"))
        return wh_error_set(err, WH_E_INVALID,
                            "unsupported apiVersion \"%.*s\" (want admission.k8s.io/v1)",
                            clip(v, 64), v->str.ptr);
    v = wh_admission_jval_get(root, "kind");
    if (!str_is(v, "AdmissionReview"))
        return wh_error_set(err, WH_E_INVALID, "kind is \"%.*s\", want AdmissionReview",
                            is_kind(v, WH_JSON_SCAN_STRING) ? clip(v, 64) : 0,
                            is_kind(v, WH_JSON_SCAN_STRING) ? v->str.ptr : "");
    return WH_OK;
}

static bool
is_operation(const char *op)
{
    return strcmp(op, "CREATE") == 0 || strcmp(op, "UPDATE") == 0 || strcmp(op, "DELETE") == 0 ||
           strcmp(op, "CONNECT") == 0;
}

static enum wh_err
read_request(const struct wh_admission_jval *req, struct wh_arena *a,
             struct wh_admission_request *out, struct wh_error *err)
{
    const struct wh_admission_jval *kind = wh_admission_jval_get(req, "kind");
    const struct wh_admission_jval *res = wh_admission_jval_get(req, "resource");
    const struct wh_admission_jval *dry = wh_admission_jval_get(req, "dryRun");

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
    if (!is_kind(kind, WH_JSON_SCAN_OBJECT))
        return wh_error_set(err, WH_E_INVALID, "request.kind is missing or not an object");
    if (get_string(kind, "group", "request.kind", false, a, &out->group, err) != WH_OK ||
        get_string(kind, "version", "request.kind", false, a, &out->version, err) != WH_OK ||
        get_string(kind, "kind", "request.kind", true, a, &out->kind, err) != WH_OK)
        return err->code;
    out->resource = "";
    out->resource_group = "";
    if (res != NULL && res->kind != WH_JSON_SCAN_NULL) {
        if (res->kind != WH_JSON_SCAN_OBJECT)
            return wh_error_set(err, WH_E_INVALID, "request.resource is not an object");
        if (get_string(res, "group", "request.resource", false, a, &out->resource_group, err) !=
                WH_OK ||
            get_string(res, "resource", "request.resource", false, a, &out->resource, err) != WH_OK)
            return err->code;
    }
    if (dry != NULL && dry->kind != WH_JSON_SCAN_NULL && dry->kind != WH_JSON_SCAN_BOOL)
        return wh_error_set(err, WH_E_INVALID, "request.dryRun is not a boolean");
    out->dry_run = is_kind(dry, WH_JSON_SCAN_BOOL) && dry->truth;
    return WH_OK;
}

/*
 * spec.imagePullSecrets[].name and spec.serviceAccountName of the pod spec at `path` ("spec",
 * "spec.template.spec", ...; NULL for kinds without one). Wrong types are WH_E_INVALID with
 * the field's path, as the apiserver would have refused them.
 */
static enum wh_err
read_pull_secrets(const struct wh_admission_jval *object, const char *path, struct wh_arena *a,
                  struct wh_admission_request *out, struct wh_error *err)
{
    const struct wh_admission_jval *spec = object, *list, *sa, *e;
    const char *p = path;
    size_t i, k = 0;

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
        spec = wh_admission_jval_get(spec, key);
        p += len + (p[len] == '.' ? 1 : 0);
    }
    if (!is_kind(spec, WH_JSON_SCAN_OBJECT))
        return WH_OK; /* podspec_images already refused a missing or malformed spec */
    sa = wh_admission_jval_get(spec, "serviceAccountName");
    if (sa != NULL && sa->kind != WH_JSON_SCAN_STRING)
        return wh_error_set(err, WH_E_INVALID, "%s.serviceAccountName is not a string", path);
    if (sa != NULL)
        out->service_account = wh_arena_strndup(a, sa->str.ptr, sa->str.len);
    list = wh_admission_jval_get(spec, "imagePullSecrets");
    if (list == NULL || list->kind == WH_JSON_SCAN_NULL)
        return WH_OK;
    if (list->kind != WH_JSON_SCAN_ARRAY)
        return wh_error_set(err, WH_E_INVALID, "%s.imagePullSecrets is not an array", path);
    if (list->n > WH_ADMISSION_MAX_PULL_SECRETS)
        return wh_error_set(err, WH_E_LIMIT, "%s.imagePullSecrets has %zu entries (limit %d)", path,
                            list->n, WH_ADMISSION_MAX_PULL_SECRETS);
    out->image_pull_secrets = wh_arena_alloc(a, (list->n + 1) * sizeof(*out->image_pull_secrets));
    for (i = 0, e = list->first; e != NULL; e = e->next, i++) {
        const struct wh_admission_jval *name = wh_admission_jval_get(e, "name");

        if (e->kind != WH_JSON_SCAN_OBJECT)
            return wh_error_set(err, WH_E_INVALID, "%s.imagePullSecrets[%zu] is not an object",
                                path, i);
        if (name != NULL && name->kind != WH_JSON_SCAN_STRING)
            return wh_error_set(err, WH_E_INVALID, "%s.imagePullSecrets[%zu].name is not a string",
                                path, i);
        if (name == NULL || name->str.len == 0)
            continue;
        out->image_pull_secrets[k++] = wh_arena_strndup(a, name->str.ptr, name->str.len);
    }
    out->n_image_pull_secrets = k;
    return WH_OK;
}

static bool
admits_new(const char *operation)
{
    return strcmp(operation, "CREATE") == 0 || strcmp(operation, "UPDATE") == 0;
}

/*
 * A write to a pod-bearing resource (or to pods/ephemeralcontainers, whose object is the whole
 * Pod since Kubernetes 1.22) must carry that resource's pod kind: another kind there (the
 * EphemeralContainers kind of 1.16-1.21, a kind this decoder does not know) would list no images
 * and be admitted unchecked, so it is refused. Other subresources (scale, status) hold no images.
 */
static enum wh_err
check_pod_kind(const struct wh_admission_request *r, struct wh_error *err)
{
    const char *want = wh_admission_pod_resource_kind(r->resource_group, r->resource);

    if (want == NULL || !admits_new(r->operation) ||
        (r->sub_resource[0] != '\0' && strcmp(r->sub_resource, "ephemeralcontainers") != 0))
        return WH_OK;
    if (strcmp(r->group, r->resource_group) == 0 && strcmp(r->kind, want) == 0)
        return WH_OK;
    return wh_error_set(err, WH_E_INVALID,
                        "request.kind %.64s%s%.64s for resource %.64s%s%.64s%s%.64s is not %s%s%s: "
                        "its images cannot be checked",
                        r->group, r->group[0] != '\0' ? "/" : "", r->kind, r->resource_group,
                        r->resource_group[0] != '\0' ? "/" : "", r->resource,
                        r->sub_resource[0] != '\0' ? "/" : "", r->sub_resource, r->resource_group,
                        r->resource_group[0] != '\0' ? "/" : "", want);
}

enum wh_err
wh_admission_request_parse(struct wh_bytes body, const struct wh_limits *lim, struct wh_arena *a,
                           struct wh_admission_request *out, struct wh_error *err)
{
    struct wh_json_scan s;
    struct wh_admission_jval root;
    const struct wh_admission_jval *req, *object;
    enum wh_err rc;

    memset(out, 0, sizeof(*out));
    memset(&root, 0, sizeof(root));
    if (body.len > lim->body_bytes)
        return wh_error_set(err, WH_E_LIMIT, "AdmissionReview is %zu bytes, over the limit of %zu",
                            body.len, lim->body_bytes);
    wh_json_scan_init(&s, body, lim->json_depth, "AdmissionReview is not valid JSON:", a);
    if ((rc = scan_review(&s, a, &root, err)) != WH_OK) {
        /* The depth pre-scan ran first and over the whole body: its verdict wins. */
        if (check_depth(body, lim->json_depth, err) != WH_OK)
            return err->code;
        return rc;
    }
    if ((rc = check_envelope(&root, err)) != WH_OK)
        goto out;
    req = wh_admission_jval_get(&root, "request");
    if (!is_kind(req, WH_JSON_SCAN_OBJECT)) {
        rc = wh_error_set(err, WH_E_INVALID, "AdmissionReview has no request");
        goto out;
    }
    if ((rc = read_request(req, a, out, err)) != WH_OK || (rc = check_pod_kind(out, err)) != WH_OK)
        goto out;
    out->service_account = "";
    object = wh_admission_jval_get(req, "object");
    out->has_object = is_kind(object, WH_JSON_SCAN_OBJECT);
    /* DELETE and CONNECT admit nothing new to run: uid and kind are all the caller needs. */
    if (out->has_object && admits_new(out->operation)) {
        rc = wh_admission_podspec_images(object, out->group, out->kind, lim->images, a, out, err);
        if (rc == WH_OK)
            rc = read_pull_secrets(object, wh_admission_podspec_path(out->group, out->kind), a, out,
                                   err);
        if (rc != WH_OK) {
            wh_error_wrap(err, "request.object (%s)", out->kind);
            goto out;
        }
    } else if (!out->has_object && admits_new(out->operation) &&
               wh_admission_podspec_path(out->group, out->kind) != NULL) {
        rc = wh_error_set(err, WH_E_INVALID, "request.object is missing for %s %s", out->operation,
                          out->kind);
        goto out;
    }
    rc = WH_OK;
out:
    if (rc != WH_OK)
        memset(out, 0, sizeof(*out));
    return rc;
}
