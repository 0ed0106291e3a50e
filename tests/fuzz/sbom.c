/*
 * Fuzzes wh_sbom_parse (CycloneDX and SPDX) with small limits, and checks: errors are INVALID or
 * LIMIT; parsed SBOMs are sorted and within the component limit; diffing an SBOM against itself
 * finds nothing; version comparison is antisymmetric and reflexive on the versions found; every
 * component's identity matches itself.
 * Differentially, against the jansson tree walk that base/json_scan.c replaced (kept below as
 * ref_parse): both accept or both refuse, with the same code, the same message for every failure
 * that is not a JSON syntax error, and the same component list. The one intended difference:
 * duplicate keys are refused only among the fields normalize.c reads (jansson refused them
 * everywhere).
 */
#include "fuzz/fuzz.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/limits.h"
#include "sbom/diff.h"
#include "sbom/normalize.h"
#include "sbom/purl.h"
#include "sbom/tagvalue.h"
#include "sbom/version.h"

/* ---- reference: normalize.c before json_scan.c (jansson tree, JSON_REJECT_DUPLICATES) ---- */

/* Where a component sits, rendered only when an error names it: "components[3].components[0]". */
struct path {
    const struct path *parent;
    const char *field;
    size_t index;
};

struct collector {
    struct wh_arena *a;
    const struct wh_limits *lim;
    struct wh_sbom_component *v;
    size_t n, cap;
};

static void
render_path(const struct path *p, char *buf, size_t size)
{
    const struct path *chain[64];
    size_t depth = 0, used = 0;

    buf[0] = '\0';
    for (; p != NULL && depth < sizeof(chain) / sizeof(chain[0]); p = p->parent)
        chain[depth++] = p;
    while (depth > 0 && used < size) {
        const struct path *q = chain[--depth];
        int n = snprintf(buf + used, size - used, "%s%s[%zu]", used == 0 ? "" : ".", q->field,
                         q->index);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

static enum wh_err
invalid_at(struct wh_error *err, const char *format, const struct path *p, const char *what)
{
    char where[160];

    render_path(p, where, sizeof(where));
    return wh_error_set(err, WH_E_INVALID, "%s: %s: %s", format, where, what);
}

/*
 * jansson has a fixed nesting cap (2048) of its own; ours is configured and smaller, so count
 * brackets outside strings before handing the bytes over.
 */
static enum wh_err
check_depth(struct wh_bytes json, size_t max_depth, struct wh_error *err)
{
    size_t depth = 0, i;
    int in_string = 0;

    for (i = 0; i < json.len; i++) {
        unsigned char c = json.ptr[i];

        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = 0;
        } else if (c == '"') {
            in_string = 1;
        } else if (c == '{' || c == '[') {
            if (++depth > max_depth)
                return wh_error_set(err, WH_E_LIMIT,
                                    "SBOM JSON nesting exceeds %zu levels at byte %zu", max_depth,
                                    i);
        } else if ((c == '}' || c == ']') && depth > 0) {
            depth--;
        }
    }
    return WH_OK;
}

static struct wh_sbom_component *
collector_push(struct collector *c, struct wh_error *err)
{
    if (c->n >= c->lim->sbom_components) {
        wh_error_set(err, WH_E_LIMIT, "SBOM has more than %zu components", c->lim->sbom_components);
        return NULL;
    }
    if (c->n == c->cap) {
        size_t cap = c->cap == 0 ? 64 : c->cap * 2;
        c->v = wh_arena_grow(c->a, c->v, c->n, cap, sizeof(*c->v));
        c->cap = cap;
    }
    return &c->v[c->n++];
}

/* Optional string field: NULL if absent; WH_E_INVALID if present but not a string. */
static enum wh_err
opt_string(json_t *obj, const char *field, const char *format, const struct path *p,
           const char **out, struct wh_error *err)
{
    json_t *v = json_object_get(obj, field);
    char what[96];

    *out = NULL;
    if (v == NULL || json_is_null(v))
        return WH_OK;
    if (!json_is_string(v)) {
        snprintf(what, sizeof(what), "\"%s\" is not a string", field);
        return invalid_at(err, format, p, what);
    }
    *out = json_string_value(v);
    return WH_OK;
}

/* Fills one component from name, version and purl (any may be borrowed from jansson). */
static enum wh_err
add_component(struct collector *c, const char *format, const struct path *p, const char *name,
              const char *version, const char *purl, struct wh_error *err)
{
    struct wh_sbom_component *comp;
    struct wh_sbom_purl id;
    char where[160];

    if (name == NULL || name[0] == '\0')
        return invalid_at(err, format, p, "component has no name");
    comp = collector_push(c, err);
    if (comp == NULL)
        return WH_E_LIMIT;
    if (purl != NULL) {
        if (wh_sbom_purl_parse(wh_str_c(purl), c->a, &id, err) != WH_OK) {
            render_path(p, where, sizeof(where));
            return wh_error_wrap(err, "%s: %s", format, where);
        }
        comp->key = id.key;
        comp->purl_type = id.type;
        comp->ident = id.ident;
        if (version == NULL)
            version = id.version;
    } else {
        comp->key = wh_arena_strdup(c->a, name);
        comp->purl_type = "";
        comp->ident = comp->key;
    }
    comp->name = purl == NULL ? comp->key : wh_arena_strdup(c->a, name);
    if (purl != NULL && !wh_sbom_ident_equal(comp->purl_type, comp->ident, comp->name))
        comp->name = comp->ident;
    comp->version = version == NULL ? "" : wh_arena_strdup(c->a, version);
    return WH_OK;
}

static enum wh_err
walk_cyclonedx(struct collector *c, json_t *list, const struct path *parent, struct wh_error *err)
{
    size_t i;
    json_t *item;
    enum wh_err rc;

    if (!json_is_array(list)) {
        char where[160];
        render_path(parent, where, sizeof(where));
        return wh_error_set(err, WH_E_INVALID, "CycloneDX: %s%scomponents is not an array", where,
                            where[0] == '\0' ? "" : ".");
    }
    json_array_foreach(list, i, item)
    {
        struct path here = {parent, "components", i};
        const char *name, *version, *purl, *type;
        json_t *nested;

        if (!json_is_object(item))
            return invalid_at(err, "CycloneDX", &here, "not an object");
        if ((rc = opt_string(item, "type", "CycloneDX", &here, &type, err)) != WH_OK ||
            (rc = opt_string(item, "name", "CycloneDX", &here, &name, err)) != WH_OK ||
            (rc = opt_string(item, "version", "CycloneDX", &here, &version, err)) != WH_OK ||
            (rc = opt_string(item, "purl", "CycloneDX", &here, &purl, err)) != WH_OK)
            return rc;
        /* CycloneDX "file" components (syft's file catalog) are not packages. */
        if (type == NULL || strcmp(type, "file") != 0) {
            rc = add_component(c, "CycloneDX", &here, name, version, purl, err);
            if (rc != WH_OK)
                return rc;
        }
        nested = json_object_get(item, "components");
        if (nested != NULL && (rc = walk_cyclonedx(c, nested, &here, err)) != WH_OK)
            return rc;
    }
    return WH_OK;
}

static enum wh_err
parse_cyclonedx(json_t *root, struct collector *c, struct wh_error *err)
{
    json_t *format = json_object_get(root, "bomFormat");
    json_t *spec = json_object_get(root, "specVersion");
    json_t *list;
    const char *s;

    if (!json_is_string(format))
        return wh_error_set(err, WH_E_INVALID, "CycloneDX: bomFormat is not a string");
    if (strcmp(json_string_value(format), "CycloneDX") != 0)
        return wh_error_set(err, WH_E_INVALID,
                            "CycloneDX: bomFormat \"%.16s\" is not \"CycloneDX\"",
                            json_string_value(format));
    if (!json_is_string(spec))
        return wh_error_set(err, WH_E_INVALID, "CycloneDX: specVersion is missing or not a string");
    s = json_string_value(spec);
    if (strcmp(s, "1.4") != 0 && strcmp(s, "1.5") != 0 && strcmp(s, "1.6") != 0)
        return wh_error_set(err, WH_E_INVALID,
                            "CycloneDX: unsupported specVersion \"%.16s\" (want 1.4, 1.5 or 1.6)",
                            s);
    list = json_object_get(root, "components");
    if (list == NULL)
        return WH_OK; /* an empty image has no components */
    return walk_cyclonedx(c, list, NULL, err);
}

static int
cmp_cstr(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* SPDXIDs the document itself DESCRIBES, sorted for bsearch. Borrowed from `root`. */
static enum wh_err
described_ids(json_t *root, struct wh_arena *a, const char ***out, size_t *n_out,
              struct wh_error *err)
{
    json_t *describes = json_object_get(root, "documentDescribes");
    json_t *rels = json_object_get(root, "relationships");
    size_t cap = 0, n = 0, i;
    const char **ids = NULL;
    json_t *item;

    if (json_is_array(describes))
        cap += json_array_size(describes);
    if (json_is_array(rels))
        cap += json_array_size(rels);
    ids = wh_arena_calloc(a, cap == 0 ? 1 : cap, sizeof(*ids));
    if (json_is_array(describes)) {
        json_array_foreach(describes, i, item)
        {
            if (json_is_string(item))
                ids[n++] = json_string_value(item);
        }
    }
    if (rels != NULL && !json_is_array(rels))
        return wh_error_set(err, WH_E_INVALID, "SPDX: relationships is not an array");
    if (json_is_array(rels)) {
        json_array_foreach(rels, i, item)
        {
            const char *from = json_string_value(json_object_get(item, "spdxElementId"));
            const char *to = json_string_value(json_object_get(item, "relatedSpdxElement"));
            const char *type = json_string_value(json_object_get(item, "relationshipType"));

            if (from == NULL || to == NULL || type == NULL)
                continue;
            if (strcmp(type, "DESCRIBES") == 0 && strcmp(from, "SPDXRef-DOCUMENT") == 0)
                ids[n++] = to;
            else if (strcmp(type, "DESCRIBED_BY") == 0 && strcmp(to, "SPDXRef-DOCUMENT") == 0)
                ids[n++] = from;
        }
    }
    qsort(ids, n, sizeof(*ids), cmp_cstr);
    *out = ids;
    *n_out = n;
    return WH_OK;
}

/* The purl of an SPDX package from externalRefs, or NULL. */
static enum wh_err
spdx_purl(json_t *pkg, const struct path *p, const char **purl, struct wh_error *err)
{
    json_t *refs = json_object_get(pkg, "externalRefs"), *ref;
    size_t i;

    *purl = NULL;
    if (refs == NULL)
        return WH_OK;
    if (!json_is_array(refs))
        return invalid_at(err, "SPDX", p, "externalRefs is not an array");
    json_array_foreach(refs, i, ref)
    {
        const char *cat = json_string_value(json_object_get(ref, "referenceCategory"));
        const char *type = json_string_value(json_object_get(ref, "referenceType"));
        const char *loc = json_string_value(json_object_get(ref, "referenceLocator"));

        /* SPDX 2.2 spells the category PACKAGE_MANAGER, 2.3 PACKAGE-MANAGER. */
        if (cat == NULL || type == NULL || loc == NULL || strcmp(type, "purl") != 0)
            continue;
        if (strcmp(cat, "PACKAGE_MANAGER") == 0 || strcmp(cat, "PACKAGE-MANAGER") == 0) {
            *purl = loc;
            return WH_OK;
        }
    }
    return WH_OK;
}

/*
 * A described package is the scanned source, not content, when it has no purl, an image purl, or
 * purpose CONTAINER/FILE; a document that DESCRIBES ordinary packages keeps them.
 */
static int
is_document_root(json_t *pkg, const char *purl, const char **ids, size_t n_ids)
{
    const char *id = json_string_value(json_object_get(pkg, "SPDXID"));
    const char *purpose = json_string_value(json_object_get(pkg, "primaryPackagePurpose"));

    if (id == NULL || n_ids == 0 || bsearch(&id, ids, n_ids, sizeof(*ids), cmp_cstr) == NULL)
        return 0;
    if (purl == NULL || strncasecmp(purl, "pkg:oci/", 8) == 0 ||
        strncasecmp(purl, "pkg:docker/", 11) == 0)
        return 1;
    return purpose != NULL && (strcmp(purpose, "CONTAINER") == 0 || strcmp(purpose, "FILE") == 0);
}

static enum wh_err
parse_spdx(json_t *root, struct collector *c, struct wh_error *err)
{
    json_t *version = json_object_get(root, "spdxVersion");
    json_t *list = json_object_get(root, "packages"), *pkg;
    const char **ids = NULL;
    size_t n_ids = 0, i;
    enum wh_err rc;
    const char *s;

    if (!json_is_string(version))
        return wh_error_set(err, WH_E_INVALID, "SPDX: spdxVersion is not a string");
    s = json_string_value(version);
    if (strcmp(s, "SPDX-2.2") != 0 && strcmp(s, "SPDX-2.3") != 0)
        return wh_error_set(err, WH_E_INVALID,
                            "SPDX: unsupported spdxVersion \"%.16s\" (want SPDX-2.2 or SPDX-2.3)",
                            s);
    if (list == NULL)
        return WH_OK;
    if (!json_is_array(list))
        return wh_error_set(err, WH_E_INVALID, "SPDX: packages is not an array");
    if ((rc = described_ids(root, c->a, &ids, &n_ids, err)) != WH_OK)
        return rc;
    json_array_foreach(list, i, pkg)
    {
        struct path here = {NULL, "packages", i};
        const char *name, *ver, *purl;

        if (!json_is_object(pkg))
            return invalid_at(err, "SPDX", &here, "not an object");
        if ((rc = opt_string(pkg, "name", "SPDX", &here, &name, err)) != WH_OK ||
            (rc = opt_string(pkg, "versionInfo", "SPDX", &here, &ver, err)) != WH_OK ||
            (rc = spdx_purl(pkg, &here, &purl, err)) != WH_OK)
            return rc;
        if (is_document_root(pkg, purl, ids, n_ids))
            continue;
        if ((rc = add_component(c, "SPDX", &here, name, ver, purl, err)) != WH_OK)
            return rc;
    }
    return WH_OK;
}

static int
cmp_component(const void *x, const void *y)
{
    const struct wh_sbom_component *a = x, *b = y;
    int r;

    if ((r = strcmp(a->key, b->key)) != 0)
        return r;
    if ((r = strcmp(a->version, b->version)) != 0)
        return r;
    if ((r = strcmp(a->name, b->name)) != 0)
        return r;
    return strcmp(a->purl_type, b->purl_type);
}

static enum wh_err
ref_parse(struct wh_bytes json, const struct wh_limits *lim, struct wh_arena *a,
          struct wh_sbom *out, struct wh_error *err)
{
    struct collector c = {.a = a, .lim = lim};
    json_error_t jerr;
    json_t *root;
    enum wh_err rc;

    if (json.len > lim->sbom_bytes)
        return wh_error_set(err, WH_E_LIMIT, "SBOM is %zu bytes, limit %zu", json.len,
                            lim->sbom_bytes);
    if ((rc = check_depth(json, lim->json_depth, err)) != WH_OK)
        return rc;
    root = json_loadb((const char *)json.ptr, json.len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL)
        return wh_error_set(err, WH_E_INVALID, "SBOM JSON %d:%d: %s", jerr.line, jerr.column,
                            jerr.text);
    if (!json_is_object(root)) {
        rc = wh_error_set(err, WH_E_INVALID, "SBOM is not a JSON object");
    } else if (json_object_get(root, "bomFormat") != NULL) {
        out->format = WH_SBOM_CYCLONEDX;
        rc = parse_cyclonedx(root, &c, err);
    } else if (json_object_get(root, "spdxVersion") != NULL) {
        out->format = WH_SBOM_SPDX;
        rc = parse_spdx(root, &c, err);
    } else {
        rc = wh_error_set(err, WH_E_INVALID,
                          "SBOM is neither CycloneDX (no bomFormat) nor SPDX (no spdxVersion)");
    }
    json_decref(root);
    if (rc != WH_OK)
        return rc;
    if (c.n > 1)
        qsort(c.v, c.n, sizeof(*c.v), cmp_component);
    out->components = c.v;
    out->n_components = c.n;
    return WH_OK;
}

/* ---- checks ---- */

static int
sgn(int v)
{
    return (v > 0) - (v < 0);
}

static void
check_same_as_reference(const uint8_t *data, size_t size, const struct wh_limits *lim,
                        enum wh_err rc, const struct wh_sbom *s, const struct wh_error *err)
{
    struct wh_arena a;
    struct wh_sbom r;
    struct wh_error rerr;
    enum wh_err rrc;
    size_t i;

    /* A raw NUL byte is never valid JSON (inside a string it must be escaped). jansson reads past
     * one after a number or literal and may then fail on content instead; the scanner refuses it
     * as syntax. No reference verdict to compare: the scanner must reject. */
    if (memchr(data, '\0', size) != NULL) {
        WH_ASSERT(rc != WH_OK);
        return;
    }
    wh_arena_init(&a);
    rrc = ref_parse((struct wh_bytes){data, size}, lim, &a, &r, &rerr);
    if (rrc != WH_OK && strstr(rerr.msg, "duplicate object key") != NULL)
        goto out; /* refused by jansson for a key normalize.c does not read: may go either way */
    if (rc != rrc) {
        fprintf(stderr, "scanner %s (%s) vs jansson %s (%s)\n", wh_error_name(rc),
                rc == WH_OK ? "" : err->msg, wh_error_name(rrc), rrc == WH_OK ? "" : rerr.msg);
        WH_ASSERT(rc == rrc);
    }
    if (rc != WH_OK) {
        bool syntax = strncmp(rerr.msg, "SBOM JSON ", 10) == 0;
        if (!syntax && strcmp(err->msg, rerr.msg) != 0) {
            fprintf(stderr, "scanner: %s\njansson: %s\n", err->msg, rerr.msg);
            WH_ASSERT(!"same message");
        }
        goto out;
    }
    WH_ASSERT(s->format == r.format && s->n_components == r.n_components);
    for (i = 0; i < s->n_components; i++) {
        const struct wh_sbom_component *x = &s->components[i], *y = &r.components[i];
        WH_ASSERT(strcmp(x->key, y->key) == 0 && strcmp(x->purl_type, y->purl_type) == 0 &&
                  strcmp(x->name, y->name) == 0 && strcmp(x->version, y->version) == 0 &&
                  strcmp(x->ident, y->ident) == 0);
    }
out:
    wh_arena_fini(&a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wh_limits lim = WH_LIMITS_DEFAULT;
    struct wh_arena a;
    struct wh_sbom s;
    struct wh_sbom_diff d;
    struct wh_error err;
    enum wh_err rc;
    size_t i, groups = 0;

    lim.sbom_components = 500;
    lim.json_depth = 32;
    wh_arena_init(&a);
    rc = wh_sbom_parse((struct wh_bytes){data, size}, &lim, &a, &s, &err);
    /* The jansson reference reads JSON objects only: SPDX tag-value text and cosign's string
     * predicate (sbom/tagvalue.h) have no reference to agree with. */
    if (!wh_sbom_tagvalue_detect((struct wh_bytes){data, size}) &&
        !wh_sbom_string_predicate_detect((struct wh_bytes){data, size}))
        check_same_as_reference(data, size, &lim, rc, &s, &err);
    if (rc != WH_OK) {
        WH_ASSERT(err.code == WH_E_INVALID || err.code == WH_E_LIMIT);
        WH_ASSERT(err.msg[0] != '\0');
        goto out;
    }
    WH_ASSERT(s.n_components <= lim.sbom_components);
    for (i = 0; i < s.n_components; i++) {
        const struct wh_sbom_component *c = &s.components[i];
        WH_ASSERT(c->key != NULL && c->key[0] != '\0' && c->name != NULL && c->version != NULL);
        /* The identity is a fixed point: its ident names itself and contains itself, and the
         * key ends in the folded name. */
        WH_ASSERT(c->ident != NULL && c->ident[0] != '\0');
        WH_ASSERT(wh_sbom_ident_equal(c->purl_type, c->ident, c->ident) &&
                  wh_sbom_ident_contains(c->purl_type, c->ident, c->ident));
        WH_ASSERT(strlen(c->key) >= strlen(c->ident) &&
                  strcmp(c->key + strlen(c->key) - strlen(c->ident), c->ident) == 0);
        WH_ASSERT(wh_sbom_purl_type_equal(c->purl_type, c->purl_type));
        if (i == 0 || strcmp(s.components[i - 1].key, c->key) != 0)
            groups++;
        if (i > 0) {
            const struct wh_sbom_component *p = &s.components[i - 1];
            int r = strcmp(p->key, c->key);
            WH_ASSERT(r < 0 || (r == 0 && strcmp(p->version, c->version) <= 0));
            WH_ASSERT(sgn(wh_sbom_version_compare(c->purl_type, p->version, c->version)) ==
                      -sgn(wh_sbom_version_compare(c->purl_type, c->version, p->version)));
            /* Drift is symmetric, and NONE only for versions that order equal (BUILD may be
             * between equal ones: other build metadata). */
            WH_ASSERT(wh_sbom_version_drift(c->purl_type, p->version, c->version) ==
                      wh_sbom_version_drift(c->purl_type, c->version, p->version));
            WH_ASSERT(wh_sbom_version_drift(c->purl_type, p->version, c->version) !=
                          WH_DRIFT_SIZE_NONE ||
                      wh_sbom_version_compare(c->purl_type, p->version, c->version) == 0);
        }
        WH_ASSERT(wh_sbom_version_compare(c->purl_type, c->version, c->version) == 0);
        WH_ASSERT(wh_sbom_version_drift(c->purl_type, c->version, c->version) ==
                  WH_DRIFT_SIZE_NONE);
    }
    WH_ASSERT(wh_sbom_diff(&s, &s, &a, &d, &err) == WH_OK);
    WH_ASSERT(d.n_findings == 0 && d.n_same == groups);
out:
    wh_arena_fini(&a);
    return 0;
}
