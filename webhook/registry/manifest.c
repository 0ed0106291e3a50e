/*
 * OCI image manifests and indexes (and their Docker v2 twins) → struct wh_registry_manifest.
 * Pure parsing of untrusted registry bytes with base/json_scan.c: no tree is built, so memory is
 * what the result needs (a 4 MiB `{"layers":[{},{},...]}` costs nothing but the scan), and every
 * count is capped while it is read.
 */
#include "registry/manifest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/digest.h"
#include "base/json_scan.h"

/* The members of the root object the parser reads; others are skipped (validated). */
enum member {
    M_SCHEMA,
    M_MEDIA_TYPE,
    M_ARTIFACT_TYPE,
    M_ANNOTATIONS,
    M_SUBJECT,
    M_CONFIG,
    M_LAYERS,
    M_MANIFESTS,
    M_COUNT
};
static const char *const member_names[M_COUNT] = {
    "schemaVersion", "mediaType", "artifactType", "annotations",
    "subject",       "config",    "layers",       "manifests",
};

/* Where a root member's value starts (NULL: absent), found in the validating first pass. */
struct root {
    const unsigned char *at[M_COUNT];
    enum wh_json_scan_kind kind[M_COUNT];
};

struct parser {
    struct wh_json_scan s;
    struct wh_bytes body;
    const struct wh_limits *limits;
    struct wh_arena *a;
    struct wh_error *err;
};

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
    return mt != NULL && (strcmp(mt, WH_REGISTRY_MT_OCI_INDEX) == 0 ||
                          strcmp(mt, WH_REGISTRY_MT_DOCKER_LIST) == 0);
}

static bool
key_is(struct wh_str key, const char *name)
{
    return key.len == strlen(name) && memcmp(key.ptr, name, key.len) == 0;
}

/* Puts the scanner on a value the first pass recorded (already validated: nothing after it is
 * read, so depth only needs to be that of a root member). */
static void
seek(struct parser *p, const unsigned char *at)
{
    p->s.p = at;
    p->s.depth = 1;
    p->s.fresh = false;
}

/* The string at the cursor, NUL-terminated in the arena (JSON strings hold no NUL: \u0000 is
 * refused by the scanner, as by jansson). */
static enum wh_err
read_string(struct parser *p, const char *where, const char *key, const char **out)
{
    enum wh_json_scan_kind kind;
    struct wh_str v;
    enum wh_err rc;

    if ((rc = wh_json_scan_peek(&p->s, &kind, p->err)) != WH_OK)
        return rc;
    if (kind != WH_JSON_SCAN_STRING)
        return wh_error_set(p->err, WH_E_INVALID, "%s.%s is not a string", where, key);
    if ((rc = wh_json_scan_string(&p->s, &v, p->err)) != WH_OK)
        return rc;
    *out = wh_arena_strdup_view(p->a, v);
    return WH_OK;
}

/* Passes over the value at the cursor; *is_number when it is a number of at most 31 bytes,
 * whose text is then in `text`. */
static enum wh_err
read_number_text(struct parser *p, char text[32], bool *is_number, struct wh_error *err)
{
    enum wh_json_scan_kind kind;
    const unsigned char *start;
    size_t n;
    enum wh_err rc;

    text[0] = '\0';
    if ((rc = wh_json_scan_peek(&p->s, &kind, err)) != WH_OK)
        return rc;
    start = p->s.p;
    if ((rc = wh_json_scan_skip(&p->s, err)) != WH_OK)
        return rc;
    n = (size_t)(p->s.p - start);
    *is_number = kind == WH_JSON_SCAN_NUMBER && n < 32;
    if (*is_number) {
        memcpy(text, start, n);
        text[n] = '\0';
    }
    return WH_OK;
}

/* A JSON integer (no fraction or exponent, as jansson's json_is_integer) that is >= 0. */
static enum wh_err
read_size(struct parser *p, const char *where, int64_t *out)
{
    char text[32];
    bool is_number;
    long long v;
    enum wh_err rc;

    if ((rc = read_number_text(p, text, &is_number, p->err)) != WH_OK)
        return rc;
    if (!is_number || strpbrk(text, ".eE") != NULL)
        return wh_error_set(p->err, WH_E_INVALID, "%s.size is not a non-negative integer", where);
    errno = 0;
    v = strtoll(text, NULL, 10);
    if (errno != 0 || v < 0) /* the scanner already refused integers past int64_t */
        return wh_error_set(p->err, WH_E_INVALID, "%s.size is not a non-negative integer", where);
    *out = v;
    return WH_OK;
}

/* Annotation `key`, its value at the cursor, as kv[n]: a string, under a key not seen before. */
static enum wh_err
read_annotation(struct parser *p, const char *where, struct wh_str key, struct wh_registry_kv *kv,
                size_t n)
{
    enum wh_json_scan_kind kind;
    const char *k = wh_arena_strdup_view(p->a, key);
    enum wh_err rc;

    for (size_t i = 0; i < n; i++)
        if (strcmp(kv[i].key, k) == 0)
            return wh_json_scan_fail(&p->s, "duplicate object key", key, p->err);
    if ((rc = wh_json_scan_peek(&p->s, &kind, p->err)) != WH_OK)
        return rc;
    if (kind != WH_JSON_SCAN_STRING)
        return wh_error_set(p->err, WH_E_INVALID, "%s.annotations[\"%.64s\"] is not a string",
                            where, k);
    kv[n].key = k;
    return read_string(p, where, "annotations", &kv[n].value);
}

/* An object of string values, at most WH_REGISTRY_MAX_ANNOTATIONS, keys unique. */
static enum wh_err
read_annotations(struct parser *p, const char *where, struct wh_registry_kv **out, size_t *n_out)
{
    enum wh_json_scan_kind kind;
    struct wh_registry_kv *kv = NULL;
    size_t n = 0, cap = 0;
    struct wh_str key;
    bool has;
    enum wh_err rc;

    *out = NULL;
    *n_out = 0;
    if ((rc = wh_json_scan_peek(&p->s, &kind, p->err)) != WH_OK)
        return rc;
    if (kind == WH_JSON_SCAN_NULL)
        return wh_json_scan_skip(&p->s, p->err);
    if (kind != WH_JSON_SCAN_OBJECT)
        return wh_error_set(p->err, WH_E_INVALID, "%s.annotations is not an object", where);
    if ((rc = wh_json_scan_object_enter(&p->s, p->err)) != WH_OK)
        return rc;
    for (;;) {
        if ((rc = wh_json_scan_object_next(&p->s, &key, &has, p->err)) != WH_OK)
            return rc;
        if (!has)
            break;
        if (n == WH_REGISTRY_MAX_ANNOTATIONS)
            return wh_error_set(p->err, WH_E_LIMIT, "%s has more than %d annotations (limit %d)",
                                where, WH_REGISTRY_MAX_ANNOTATIONS, WH_REGISTRY_MAX_ANNOTATIONS);
        if (n == cap) {
            cap = cap == 0 ? 8 : cap * 2;
            kv = wh_arena_grow(p->a, kv, n, cap + 1, sizeof(*kv));
        }
        if ((rc = read_annotation(p, where, key, kv, n)) != WH_OK)
            return rc;
        n++;
    }
    *out = kv != NULL ? kv : wh_arena_calloc(p->a, 1, sizeof(*kv));
    *n_out = n;
    return WH_OK;
}

static enum wh_err
read_platform(struct parser *p, const char *where, struct wh_registry_descriptor *d)
{
    static const char *const names[] = {"os", "architecture", "variant"};
    const char **slots[] = {&d->os, &d->architecture, &d->variant};
    bool seen[3] = {false, false, false};
    enum wh_json_scan_kind kind;
    struct wh_str key;
    bool has;
    enum wh_err rc;
    char *pw = wh_arena_sprintf(p->a, "%s.platform", where);

    if ((rc = wh_json_scan_peek(&p->s, &kind, p->err)) != WH_OK)
        return rc;
    if (kind != WH_JSON_SCAN_OBJECT)
        return wh_error_set(p->err, WH_E_INVALID, "%s is not an object", pw);
    d->has_platform = true;
    if ((rc = wh_json_scan_object_enter(&p->s, p->err)) != WH_OK)
        return rc;
    for (;;) {
        size_t i;

        if ((rc = wh_json_scan_object_next(&p->s, &key, &has, p->err)) != WH_OK)
            return rc;
        if (!has)
            return WH_OK;
        for (i = 0; i < 3 && !key_is(key, names[i]); i++)
            ;
        if (i == 3) {
            if ((rc = wh_json_scan_skip(&p->s, p->err)) != WH_OK)
                return rc;
            continue;
        }
        if (seen[i])
            return wh_json_scan_fail(&p->s, "duplicate object key", key, p->err);
        seen[i] = true;
        if ((rc = read_string(p, pw, names[i], slots[i])) != WH_OK)
            return rc;
    }
}

enum desc_key { D_MEDIA_TYPE, D_DIGEST, D_SIZE, D_ARTIFACT_TYPE, D_ANNOTATIONS, D_PLATFORM, D_N };
static const char *const desc_names[D_N] = {"mediaType",    "digest",      "size",
                                            "artifactType", "annotations", "platform"};

/* The descriptor object at the cursor. */
static enum wh_err
read_descriptor(struct parser *p, const char *where, bool need_media_type,
                struct wh_registry_descriptor *d)
{
    bool seen[D_N] = {false};
    enum wh_json_scan_kind kind;
    struct wh_str key;
    bool has;
    enum wh_err rc;

    memset(d, 0, sizeof(*d));
    if ((rc = wh_json_scan_peek(&p->s, &kind, p->err)) != WH_OK)
        return rc;
    if (kind != WH_JSON_SCAN_OBJECT)
        return wh_error_set(p->err, WH_E_INVALID, "%s is not an object", where);
    if ((rc = wh_json_scan_object_enter(&p->s, p->err)) != WH_OK)
        return rc;
    for (;;) {
        size_t i;

        if ((rc = wh_json_scan_object_next(&p->s, &key, &has, p->err)) != WH_OK)
            return rc;
        if (!has)
            break;
        for (i = 0; i < D_N && !key_is(key, desc_names[i]); i++)
            ;
        if (i == D_N) {
            rc = wh_json_scan_skip(&p->s, p->err);
        } else if (seen[i]) {
            rc = wh_json_scan_fail(&p->s, "duplicate object key", key, p->err);
        } else {
            seen[i] = true;
            switch ((enum desc_key)i) {
            case D_MEDIA_TYPE:
                rc = read_string(p, where, "mediaType", &d->media_type);
                break;
            case D_DIGEST:
                rc = read_string(p, where, "digest", &d->digest);
                break;
            case D_SIZE:
                rc = read_size(p, where, &d->size);
                break;
            case D_ARTIFACT_TYPE:
                rc = read_string(p, where, "artifactType", &d->artifact_type);
                break;
            case D_ANNOTATIONS:
                rc = read_annotations(p, where, &d->annotations, &d->n_annotations);
                break;
            case D_PLATFORM:
                rc = read_platform(p, where, d);
                break;
            case D_N:
                break;
            }
        }
        if (rc != WH_OK)
            return rc;
    }
    /* The checks in the order the jansson version made them. */
    if (need_media_type && d->media_type == NULL)
        return wh_error_set(p->err, WH_E_INVALID, "%s.mediaType is missing", where);
    if (d->digest == NULL)
        return wh_error_set(p->err, WH_E_INVALID, "%s.digest is missing", where);
    if (!wh_digest_is_sha256(wh_str_c(d->digest)))
        return wh_error_set(p->err, WH_E_INVALID, "%s.digest \"%.80s\" is not sha256:<64 hex>",
                            where, d->digest);
    if (!seen[D_SIZE])
        return wh_error_set(p->err, WH_E_INVALID, "%s.size is missing", where);
    return WH_OK;
}

/* The descriptor array at the cursor: capped at WH_REGISTRY_MAX_DESCRIPTORS while it is read
 * (past the cap the rest is only counted, for the message). */
static enum wh_err
read_descriptors(struct parser *p, const char *key, bool need_media_type,
                 struct wh_registry_descriptor **out, size_t *n_out)
{
    struct wh_registry_descriptor *list = NULL;
    enum wh_json_scan_kind kind;
    size_t n = 0, cap = 0;
    bool has;
    enum wh_err rc;

    *out = NULL;
    *n_out = 0;
    if ((rc = wh_json_scan_peek(&p->s, &kind, p->err)) != WH_OK)
        return rc;
    if (kind != WH_JSON_SCAN_ARRAY)
        return wh_error_set(p->err, WH_E_INVALID, "%s is not an array", key);
    if ((rc = wh_json_scan_array_enter(&p->s, p->err)) != WH_OK)
        return rc;
    for (;;) {
        char where[64];

        if ((rc = wh_json_scan_array_next(&p->s, &has, p->err)) != WH_OK)
            return rc;
        if (!has)
            break;
        if (n >= WH_REGISTRY_MAX_DESCRIPTORS) {
            if ((rc = wh_json_scan_skip(&p->s, p->err)) != WH_OK)
                return rc;
            n++;
            continue;
        }
        if (n == cap) {
            size_t want = cap == 0 ? 8 : cap * 2;
            list = wh_arena_grow(p->a, list, n, want + 1, sizeof(*list));
            cap = want;
        }
        snprintf(where, sizeof(where), "%s[%zu]", key, n);
        if ((rc = read_descriptor(p, where, need_media_type, &list[n])) != WH_OK)
            return rc;
        n++;
    }
    if (n > WH_REGISTRY_MAX_DESCRIPTORS)
        return wh_error_set(p->err, WH_E_LIMIT, "%s has %zu entries (limit %d)", key, n,
                            WH_REGISTRY_MAX_DESCRIPTORS);
    *out = list != NULL ? list : wh_arena_calloc(p->a, 1, sizeof(*list));
    *n_out = n;
    return WH_OK;
}

/* First pass: the whole document is validated (syntax, UTF-8, depth) and the root members the
 * parser reads are located; a repeated one is a duplicate key, as jansson reported it. */
static enum wh_err
scan_root(struct parser *p, struct root *r)
{
    enum wh_json_scan_kind kind;
    struct wh_str key;
    bool has;
    enum wh_err rc;

    memset(r, 0, sizeof(*r));
    if ((rc = wh_json_scan_peek(&p->s, &kind, p->err)) != WH_OK)
        return rc;
    if (kind != WH_JSON_SCAN_OBJECT) {
        if ((rc = wh_json_scan_skip(&p->s, p->err)) != WH_OK ||
            (rc = wh_json_scan_finish(&p->s, p->err)) != WH_OK)
            return rc;
        return wh_error_set(p->err, WH_E_INVALID, "manifest is not a JSON object");
    }
    if ((rc = wh_json_scan_object_enter(&p->s, p->err)) != WH_OK)
        return rc;
    for (;;) {
        size_t i;

        if ((rc = wh_json_scan_object_next(&p->s, &key, &has, p->err)) != WH_OK)
            return rc;
        if (!has)
            break;
        for (i = 0; i < M_COUNT && !key_is(key, member_names[i]); i++)
            ;
        if (i < M_COUNT) {
            if (r->at[i] != NULL)
                return wh_json_scan_fail(&p->s, "duplicate object key", key, p->err);
            if ((rc = wh_json_scan_peek(&p->s, &r->kind[i], p->err)) != WH_OK)
                return rc;
            r->at[i] = p->s.p;
        }
        if ((rc = wh_json_scan_skip(&p->s, p->err)) != WH_OK)
            return rc;
    }
    return wh_json_scan_finish(&p->s, p->err);
}

/* The media type: body `mediaType` wins; Content-Type (parameters dropped) fills in. */
static enum wh_err
pick_media_type(struct parser *p, const struct root *r, const char *content_type, const char **out)
{
    const char *body_mt = NULL, *header_mt = NULL;
    enum wh_err rc;

    if (r->at[M_MEDIA_TYPE] != NULL) {
        seek(p, r->at[M_MEDIA_TYPE]);
        if ((rc = read_string(p, "manifest", "mediaType", &body_mt)) != WH_OK)
            return rc;
    }
    if (content_type != NULL) {
        size_t n = strcspn(content_type, ";");

        while (n > 0 && (content_type[n - 1] == ' ' || content_type[n - 1] == '\t'))
            n--;
        header_mt = wh_arena_strndup(p->a, content_type, n);
        if (!is_known_type(header_mt))
            header_mt = NULL; /* e.g. application/json from a proxy: the body decides */
    }
    if (body_mt != NULL && header_mt != NULL && strcmp(body_mt, header_mt) != 0)
        return wh_error_set(p->err, WH_E_INVALID,
                            "manifest mediaType \"%.100s\" disagrees with Content-Type \"%.100s\"",
                            body_mt, header_mt);
    *out = body_mt != NULL ? body_mt : header_mt;
    if (*out == NULL) {
        /* OCI allows omitting mediaType; the shape decides. */
        if (r->at[M_MANIFESTS] != NULL)
            *out = WH_REGISTRY_MT_OCI_INDEX;
        else if (r->at[M_LAYERS] != NULL)
            *out = WH_REGISTRY_MT_OCI_MANIFEST;
        else
            return wh_error_set(p->err, WH_E_INVALID,
                                "manifest has no mediaType, layers or manifests");
    }
    if (!is_known_type(*out))
        return wh_error_set(p->err, WH_E_INVALID, "unsupported manifest mediaType \"%.100s\"",
                            *out);
    return WH_OK;
}

static enum wh_err
parse_root(struct parser *p, const struct root *r, const char *content_type,
           struct wh_registry_manifest *m)
{
    char text[32];
    bool is_number = false;
    enum wh_err rc;

    if (r->at[M_SCHEMA] != NULL) {
        seek(p, r->at[M_SCHEMA]);
        if ((rc = read_number_text(p, text, &is_number, p->err)) != WH_OK)
            return rc;
    }
    /* jansson: an integer equal to 2, and JSON spells that only one way. */
    if (!is_number || strcmp(text, "2") != 0)
        return wh_error_set(p->err, WH_E_INVALID, "manifest schemaVersion is not 2");
    if ((rc = pick_media_type(p, r, content_type, &m->media_type)) != WH_OK)
        return rc;
    m->is_index = is_index_type(m->media_type);
    if (r->at[M_ARTIFACT_TYPE] != NULL) {
        seek(p, r->at[M_ARTIFACT_TYPE]);
        if ((rc = read_string(p, "manifest", "artifactType", &m->artifact_type)) != WH_OK)
            return rc;
    }
    if (r->at[M_ANNOTATIONS] != NULL) {
        seek(p, r->at[M_ANNOTATIONS]);
        if ((rc = read_annotations(p, "manifest", &m->annotations, &m->n_annotations)) != WH_OK)
            return rc;
    }
    if (r->at[M_SUBJECT] != NULL) {
        struct wh_registry_descriptor sd;

        seek(p, r->at[M_SUBJECT]);
        if ((rc = read_descriptor(p, "subject", false, &sd)) != WH_OK)
            return rc;
        m->subject_digest = sd.digest;
    }
    if (m->is_index) {
        if (r->at[M_MANIFESTS] == NULL)
            return wh_error_set(p->err, WH_E_INVALID, "manifests is missing");
        seek(p, r->at[M_MANIFESTS]);
        return read_descriptors(p, "manifests", false, &m->manifests, &m->n_manifests);
    }
    if (r->at[M_CONFIG] == NULL)
        return wh_error_set(p->err, WH_E_INVALID, "config is not an object");
    seek(p, r->at[M_CONFIG]);
    if ((rc = read_descriptor(p, "config", true, &m->config)) != WH_OK)
        return rc;
    if (r->at[M_LAYERS] == NULL)
        return wh_error_set(p->err, WH_E_INVALID, "layers is missing");
    seek(p, r->at[M_LAYERS]);
    return read_descriptors(p, "layers", true, &m->layers, &m->n_layers);
}

enum wh_err
wh_registry_manifest_parse(struct wh_bytes body, const char *content_type,
                           const struct wh_limits *limits, struct wh_arena *a,
                           struct wh_registry_manifest *out, struct wh_error *err)
{
    struct parser p = {.body = body, .limits = limits, .a = a, .err = err};
    struct root r;
    char digest[WH_DIGEST_STR_LEN];
    struct wh_registry_manifest m = {0};
    enum wh_err rc;

    if (body.len > limits->manifest_bytes)
        return wh_error_set(err, WH_E_LIMIT, "manifest is %zu bytes (limit %zu)", body.len,
                            limits->manifest_bytes);
    wh_json_scan_init(&p.s, body, limits->json_depth, "manifest JSON", a);
    if ((rc = scan_root(&p, &r)) != WH_OK)
        return rc;
    if ((rc = parse_root(&p, &r, content_type, &m)) != WH_OK)
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
