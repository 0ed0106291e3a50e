/*
 * SBOM normalisation: CycloneDX 1.4-1.6 and SPDX 2.2/2.3 JSON → one sorted list of components
 * keyed by package identity (sbom/purl.h), so diff.c can compare SBOMs from either format (and
 * either tool) in one merge walk. One pass of base/json_scan.c over the bytes reads only the fields
 * used here (no JSON tree); the checks then run in the order of the tree walk this replaced, so
 * errors read as before. wh_sbom_parse also dispatches what is not a JSON object: SPDX tag-value
 * text to tagvalue.c, and cosign's string predicate (unwrapped here, so tagvalue.c never calls
 * back: sbom/ has no include circle).
 */
#include "sbom/normalize.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_scan.h"
#include "sbom/purl.h"
#include "sbom/readers.h"
#include "sbom/tagvalue.h"

/* Where a component sits, rendered only when an error names it: "components[3].components[0]". */
struct path {
    const struct path *parent;
    const char *field;
    size_t index;
};

struct collector {
    struct wh_arena *a;
    size_t limit; /* pushes past it are WH_E_LIMIT; SIZE_MAX: counted by the caller */
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
 * The nesting check that ran before the whole document was parsed: it counts brackets outside
 * strings, so it sees past a syntax error. The scanner stops at the first error, so when that is
 * a syntax error this decides whether the document was also too deep (WH_E_LIMIT wins, as it
 * did when this ran first).
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
    if (c->n >= c->limit) {
        wh_error_set(err, WH_E_LIMIT, "SBOM has more than %zu components", c->limit);
        return NULL;
    }
    if (c->n == c->cap) {
        size_t cap = c->cap == 0 ? 64 : c->cap * 2;
        c->v = wh_arena_grow_raw(c->a, c->v, c->n, cap, sizeof(*c->v)); /* written next */
        c->cap = cap;
    }
    return &c->v[c->n++];
}

/* A field name as a constant view (WH_STR is a compound literal, not a static initializer). */
#define FIELD(lit)                                                                                 \
    {                                                                                              \
        (lit), sizeof(lit) - 1                                                                     \
    }

/* A field as the document gives it: kind NONE when absent; `str` only for strings. */
struct val {
    enum wh_json_scan_kind kind;
    struct wh_str str;
};

static bool
is_string(const struct val *v)
{
    return v->kind == WH_JSON_SCAN_STRING;
}

static bool
val_eq(const struct val *v, const char *lit)
{
    return is_string(v) && wh_str_eq_c(v->str, lit);
}

/* Reads the value at the cursor into *v: strings decoded, anything else validated and passed. */
static enum wh_err
read_val(struct wh_json_scan *s, struct val *v, struct wh_error *err)
{
    enum wh_err rc;

    if ((rc = wh_json_scan_peek(s, &v->kind, err)) != WH_OK)
        return rc;
    if (v->kind == WH_JSON_SCAN_STRING)
        return wh_json_scan_string(s, &v->str, err);
    return wh_json_scan_skip(s, err);
}

/*
 * Index of `key` in names[] and marks it seen, or -1 for a field this file does not read.
 * A field read twice is refused as jansson's JSON_REJECT_DUPLICATES did: which of the two
 * counts would otherwise depend on the parser, the classic differential.
 */
static enum wh_err
field_index(struct wh_json_scan *s, struct wh_str key, const struct wh_str *names, size_t n,
            unsigned *seen, int *index, struct wh_error *err)
{
    size_t i;

    *index = -1;
    for (i = 0; i < n; i++) {
        /* The first byte tells apart the names of one length ("bom-ref"/"version",
         * "properties"/"components"): memcmp runs for the match only. Names are never empty. */
        if (key.len == names[i].len && key.ptr[0] == names[i].ptr[0] &&
            memcmp(key.ptr, names[i].ptr, key.len) == 0) {
            if (*seen & 1u << i)
                return wh_json_scan_fail(s, "duplicate object key", key, err);
            *seen |= 1u << i;
            *index = (int)i;
            break;
        }
    }
    return WH_OK;
}

/* "\"<field>\" is not a string" unless the field is absent, null or a string. */
static enum wh_err
check_opt_string(const struct val *v, const char *field, const char *format, const struct path *p,
                 struct wh_error *err)
{
    char what[96];

    if (v->kind == WH_JSON_SCAN_NONE || v->kind == WH_JSON_SCAN_NULL || is_string(v))
        return WH_OK;
    snprintf(what, sizeof(what), "\"%s\" is not a string", field);
    return invalid_at(err, format, p, what);
}

/*
 * Fills one component from name, version and purl (purl NULL when there is none). *pushed says
 * whether the component limit was consulted (an error after it still counts as one push).
 */
static enum wh_err
add_component(struct collector *c, const char *format, const struct path *p, const struct val *name,
              const struct val *version, const struct wh_str *purl, bool *pushed,
              struct wh_error *err)
{
    struct wh_sbom_component *comp;
    struct wh_sbom_purl id;
    const char *purl_version;
    char where[160];

    *pushed = false;
    if (!is_string(name) || name->str.len == 0)
        return invalid_at(err, format, p, "component has no name");
    *pushed = true;
    comp = collector_push(c, err);
    if (comp == NULL)
        return WH_E_LIMIT;
    if (purl != NULL) {
        if (wh_sbom_purl_parse(*purl, c->a, &id, err) != WH_OK) {
            c->n--;
            render_path(p, where, sizeof(where));
            return wh_error_wrap(err, "%s: %s", format, where);
        }
        comp->key = id.key;
        comp->purl_type = id.type;
        comp->ident = id.ident;
        /* The purl is the identity: a name that does not spell it is not shown as the package. A
         * name spelt byte for byte as the ident (the usual case) shares its bytes: no copy. */
        if (wh_str_eq_c(name->str, id.ident)) {
            comp->name = id.ident;
        } else {
            comp->name = wh_arena_strdup_view(c->a, name->str);
            if (!wh_sbom_ident_equal(id.type, id.ident, comp->name))
                comp->name = id.ident;
        }
        purl_version = id.version;
    } else {
        comp->key = wh_arena_strdup_view(c->a, name->str);
        comp->purl_type = "";
        comp->name = comp->key;
        comp->ident = comp->key;
        purl_version = "";
    }
    /* The version as the SBOM writes it; one spelt as the purl's shares the purl's bytes. */
    if (!is_string(version))
        comp->version = purl_version;
    else if (wh_str_eq_c(version->str, purl_version))
        comp->version = purl_version;
    else
        comp->version = wh_arena_strdup_view(c->a, version->str);
    return WH_OK;
}

/*
 * CycloneDX components, read in document order but judged in the order of a depth-first walk
 * (a component before its nested components[]): every array item gets the next pre-order slot,
 * and the first failure is the one with the lowest slot. The component limit applies in that
 * order too, so `slots` remembers where each kept component stood.
 */
struct cdx {
    struct collector c; /* limit SIZE_MAX: checked in cdx_result() */
    size_t *slots;      /* pre-order slot of c.v[i] */
    size_t slots_cap;
    size_t next_slot;
    size_t err_slot; /* SIZE_MAX: no failure yet */
    bool err_after_push;
    struct wh_error first;
};

static const struct wh_str cdx_fields[] = {FIELD("type"), FIELD("name"), FIELD("version"),
                                           FIELD("purl"), FIELD("components")};
enum { CDX_TYPE, CDX_NAME, CDX_VERSION, CDX_PURL, CDX_COMPONENTS, CDX_N };

static enum wh_err scan_cdx_list(struct wh_json_scan *s, struct cdx *x, const struct path *parent,
                                 struct wh_error *err);

/* Judges one component object after its fields were read (what the tree walk did per item). */
static void
judge_cdx_item(struct cdx *x, const struct path *here, size_t slot, const struct val *f,
               enum wh_json_scan_kind nested)
{
    static const char *const names[] = {"type", "name", "version", "purl"};
    size_t i;
    bool pushed = false;

    for (i = 0; i < 4; i++) {
        if (check_opt_string(&f[i], names[i], "CycloneDX", here, &x->first) != WH_OK)
            goto failed;
    }
    /* CycloneDX "file" components (syft's file catalog) are not packages. */
    if (!val_eq(&f[CDX_TYPE], "file")) {
        if (add_component(&x->c, "CycloneDX", here, &f[CDX_NAME], &f[CDX_VERSION],
                          is_string(&f[CDX_PURL]) ? &f[CDX_PURL].str : NULL, &pushed,
                          &x->first) != WH_OK)
            goto failed;
        if (x->slots_cap < x->c.cap) {
            x->slots = wh_arena_grow_raw(x->c.a, x->slots, x->c.n - 1, x->c.cap, sizeof(*x->slots));
            x->slots_cap = x->c.cap;
        }
        x->slots[x->c.n - 1] = slot;
    }
    if (nested != WH_JSON_SCAN_NONE && nested != WH_JSON_SCAN_ARRAY) {
        char where[160];
        render_path(here, where, sizeof(where));
        wh_error_set(&x->first, WH_E_INVALID, "CycloneDX: %s%scomponents is not an array", where,
                     where[0] == '\0' ? "" : ".");
        goto failed;
    }
    return;
failed:
    x->err_slot = slot;
    x->err_after_push = pushed;
}

/* One item of a components[] array, cursor on it. */
/* TODO(#14): split the per-field cases (cognitive complexity 27 > 25, STYLE §8). */
static enum wh_err /* NOLINTNEXTLINE(readability-function-cognitive-complexity) */
scan_cdx_item(struct wh_json_scan *s, struct cdx *x, const struct path *here, size_t slot,
              struct wh_error *err)
{
    struct val f[CDX_N - 1] = {0};
    enum wh_json_scan_kind kind, nested = WH_JSON_SCAN_NONE;
    unsigned seen = 0;
    struct wh_str key;
    bool has_key;
    int idx;
    enum wh_err rc;

    if ((rc = wh_json_scan_peek(s, &kind, err)) != WH_OK)
        return rc;
    if (kind != WH_JSON_SCAN_OBJECT) {
        if ((rc = wh_json_scan_skip(s, err)) != WH_OK)
            return rc;
        if (slot < x->err_slot) {
            invalid_at(&x->first, "CycloneDX", here, "not an object");
            x->err_slot = slot;
            x->err_after_push = false;
        }
        return WH_OK;
    }
    if ((rc = wh_json_scan_object_enter(s, err)) != WH_OK)
        return rc;
    for (;;) {
        if ((rc = wh_json_scan_object_next(s, &key, &has_key, err)) != WH_OK)
            return rc;
        if (!has_key)
            break;
        if ((rc = field_index(s, key, cdx_fields, CDX_N, &seen, &idx, err)) != WH_OK)
            return rc;
        if (idx < 0) {
            rc = wh_json_scan_skip(s, err);
        } else if (idx == CDX_COMPONENTS) {
            if ((rc = wh_json_scan_peek(s, &nested, err)) != WH_OK)
                return rc;
            rc = nested == WH_JSON_SCAN_ARRAY ? scan_cdx_list(s, x, here, err)
                                              : wh_json_scan_skip(s, err);
        } else {
            rc = read_val(s, &f[idx], err);
        }
        if (rc != WH_OK)
            return rc;
    }
    /* A component earlier in walk order already failed: only the syntax still matters. */
    if (slot < x->err_slot)
        judge_cdx_item(x, here, slot, f, nested);
    return WH_OK;
}

/* A components[] array, cursor on its '['. */
static enum wh_err
scan_cdx_list(struct wh_json_scan *s, struct cdx *x, const struct path *parent,
              struct wh_error *err)
{
    bool has_item;
    size_t i;
    enum wh_err rc;

    if ((rc = wh_json_scan_array_enter(s, err)) != WH_OK)
        return rc;
    for (i = 0;; i++) {
        struct path here = {parent, "components", i};

        if ((rc = wh_json_scan_array_next(s, &has_item, err)) != WH_OK)
            return rc;
        if (!has_item)
            return WH_OK;
        if ((rc = scan_cdx_item(s, x, &here, x->next_slot++, err)) != WH_OK)
            return rc;
    }
}

/* The walk's verdict: its first failure, unless the component limit was passed before it. */
static enum wh_err
cdx_result(struct cdx *x, const struct wh_limits *lim, struct wh_error *err)
{
    size_t pushes = x->c.n, i;

    if (x->err_slot != SIZE_MAX) {
        pushes = x->err_after_push ? 1 : 0;
        for (i = 0; i < x->c.n; i++)
            pushes += x->slots[i] < x->err_slot;
    }
    if (pushes > lim->sbom_components)
        return wh_error_set(err, WH_E_LIMIT, "SBOM has more than %zu components",
                            lim->sbom_components);
    if (x->err_slot != SIZE_MAX) {
        *err = x->first;
        return err->code;
    }
    return WH_OK;
}

/*
 * SPDX packages: whether a package is the document's own subject depends on documentDescribes
 * and relationships, which may come after packages[], so packages are kept (up to the first
 * failure that does not depend on that) and judged at the end.
 */
struct spdx_pkg {
    size_t index;
    struct val name, version;
    struct wh_str purl, id, purpose;
    bool has_purl, has_id, has_purpose;
};

struct spdx {
    struct spdx_pkg *pkgs;
    size_t n, cap;
    bool failed; /* `first` holds the failure of the package after pkgs[n - 1] */
    struct wh_error first;
    struct wh_str *ids; /* SPDXIDs the document DESCRIBES */
    size_t n_ids, cap_ids;
};

static void
add_id(struct wh_arena *a, struct spdx *x, struct wh_str id)
{
    if (x->n_ids == x->cap_ids) {
        size_t cap = x->cap_ids == 0 ? 16 : x->cap_ids * 2;
        x->ids = wh_arena_grow_raw(a, x->ids, x->n_ids, cap, sizeof(*x->ids));
        x->cap_ids = cap;
    }
    x->ids[x->n_ids++] = id;
}

/* Objects whose string fields are read, by a list of names; other members are skipped. */
static enum wh_err
scan_fields(struct wh_json_scan *s, const struct wh_str *names, size_t n, struct val *out,
            struct wh_error *err)
{
    unsigned seen = 0;
    struct wh_str key;
    bool has_key;
    int idx;
    enum wh_err rc;

    if ((rc = wh_json_scan_object_enter(s, err)) != WH_OK)
        return rc;
    for (;;) {
        if ((rc = wh_json_scan_object_next(s, &key, &has_key, err)) != WH_OK)
            return rc;
        if (!has_key)
            return WH_OK;
        if ((rc = field_index(s, key, names, n, &seen, &idx, err)) != WH_OK)
            return rc;
        rc = idx < 0 ? wh_json_scan_skip(s, err) : read_val(s, &out[idx], err);
        if (rc != WH_OK)
            return rc;
    }
}

/* Each item of the array at the cursor goes to fn; with objects_only, non-objects are skipped. */
typedef enum wh_err item_fn(struct wh_json_scan *s, void *ctx, size_t index, struct wh_error *err);

static enum wh_err
scan_array(struct wh_json_scan *s, item_fn *fn, void *ctx, bool objects_only, struct wh_error *err)
{
    enum wh_json_scan_kind kind;
    bool has_item;
    size_t i;
    enum wh_err rc;

    if ((rc = wh_json_scan_array_enter(s, err)) != WH_OK)
        return rc;
    for (i = 0;; i++) {
        if ((rc = wh_json_scan_array_next(s, &has_item, err)) != WH_OK)
            return rc;
        if (!has_item)
            return WH_OK;
        if ((rc = wh_json_scan_peek(s, &kind, err)) != WH_OK)
            return rc;
        rc = kind == WH_JSON_SCAN_OBJECT || !objects_only ? fn(s, ctx, i, err)
                                                          : wh_json_scan_skip(s, err);
        if (rc != WH_OK)
            return rc;
    }
}

/* externalRefs[i]: the first PACKAGE_MANAGER purl becomes the package's purl. */
static enum wh_err
scan_external_ref(struct wh_json_scan *s, void *ctx, size_t index, struct wh_error *err)
{
    static const struct wh_str names[] = {FIELD("referenceCategory"), FIELD("referenceType"),
                                          FIELD("referenceLocator")};
    struct spdx_pkg *pkg = ctx;
    struct val f[3] = {0};
    enum wh_err rc;

    (void)index;
    if ((rc = scan_fields(s, names, 3, f, err)) != WH_OK)
        return rc;
    /* SPDX 2.2 spells the category PACKAGE_MANAGER, 2.3 PACKAGE-MANAGER. */
    if (!pkg->has_purl && is_string(&f[2]) && val_eq(&f[1], "purl") &&
        (val_eq(&f[0], "PACKAGE_MANAGER") || val_eq(&f[0], "PACKAGE-MANAGER"))) {
        pkg->purl = f[2].str;
        pkg->has_purl = true;
    }
    return WH_OK;
}

struct pkg_ctx {
    struct spdx *x;
    struct wh_arena *a;
};

static const struct wh_str pkg_fields[] = {FIELD("SPDXID"), FIELD("name"), FIELD("versionInfo"),
                                           FIELD("externalRefs"), FIELD("primaryPackagePurpose")};
enum { PKG_ID, PKG_NAME, PKG_VERSION, PKG_REFS, PKG_PURPOSE, PKG_N };

/* packages[index], cursor on it (any kind: a non-object is this package's failure). */
/* TODO(#14): split the per-field cases (cognitive complexity 34 > 25, STYLE §8). */
static enum wh_err /* NOLINTNEXTLINE(readability-function-cognitive-complexity) */
scan_package(struct wh_json_scan *s, void *ctx, size_t index, struct wh_error *err)
{
    struct pkg_ctx *pc = ctx;
    struct spdx *x = pc->x;
    struct spdx_pkg pkg = {.index = index};
    struct val f[PKG_N] = {0};
    struct path here = {NULL, "packages", index};
    enum wh_json_scan_kind kind, refs = WH_JSON_SCAN_NONE;
    unsigned seen = 0;
    struct wh_str key;
    bool has_key;
    int idx;
    enum wh_err rc;

    if ((rc = wh_json_scan_peek(s, &kind, err)) != WH_OK)
        return rc;
    if (x->failed || kind != WH_JSON_SCAN_OBJECT) {
        if ((rc = wh_json_scan_skip(s, err)) != WH_OK)
            return rc;
        if (!x->failed)
            invalid_at(&x->first, "SPDX", &here, "not an object");
        x->failed = true;
        return WH_OK;
    }
    if ((rc = wh_json_scan_object_enter(s, err)) != WH_OK)
        return rc;
    for (;;) {
        if ((rc = wh_json_scan_object_next(s, &key, &has_key, err)) != WH_OK)
            return rc;
        if (!has_key)
            break;
        if ((rc = field_index(s, key, pkg_fields, PKG_N, &seen, &idx, err)) != WH_OK)
            return rc;
        if (idx < 0) {
            rc = wh_json_scan_skip(s, err);
        } else if (idx == PKG_REFS) {
            if ((rc = wh_json_scan_peek(s, &refs, err)) != WH_OK)
                return rc;
            rc = refs == WH_JSON_SCAN_ARRAY ? scan_array(s, scan_external_ref, &pkg, true, err)
                                            : wh_json_scan_skip(s, err);
        } else {
            rc = read_val(s, &f[idx], err);
        }
        if (rc != WH_OK)
            return rc;
    }
    if (check_opt_string(&f[PKG_NAME], "name", "SPDX", &here, &x->first) != WH_OK ||
        check_opt_string(&f[PKG_VERSION], "versionInfo", "SPDX", &here, &x->first) != WH_OK) {
        x->failed = true;
        return WH_OK;
    }
    if (refs != WH_JSON_SCAN_NONE && refs != WH_JSON_SCAN_ARRAY) {
        invalid_at(&x->first, "SPDX", &here, "externalRefs is not an array");
        x->failed = true;
        return WH_OK;
    }
    pkg.name = f[PKG_NAME];
    pkg.version = f[PKG_VERSION];
    pkg.has_id = is_string(&f[PKG_ID]);
    pkg.id = f[PKG_ID].str;
    pkg.has_purpose = is_string(&f[PKG_PURPOSE]);
    pkg.purpose = f[PKG_PURPOSE].str;
    if (x->n == x->cap) {
        size_t cap = x->cap == 0 ? 64 : x->cap * 2;
        x->pkgs = wh_arena_grow_raw(pc->a, x->pkgs, x->n, cap, sizeof(*x->pkgs));
        x->cap = cap;
    }
    x->pkgs[x->n++] = pkg;
    return WH_OK;
}

/* documentDescribes[i]: strings are described SPDXIDs, anything else is ignored. */
static enum wh_err
scan_describes(struct wh_json_scan *s, struct pkg_ctx *pc, struct wh_error *err)
{
    enum wh_json_scan_kind kind;
    struct wh_str id;
    bool has_item;
    enum wh_err rc;

    if ((rc = wh_json_scan_array_enter(s, err)) != WH_OK)
        return rc;
    for (;;) {
        if ((rc = wh_json_scan_array_next(s, &has_item, err)) != WH_OK)
            return rc;
        if (!has_item)
            return WH_OK;
        if ((rc = wh_json_scan_peek(s, &kind, err)) != WH_OK)
            return rc;
        if (kind != WH_JSON_SCAN_STRING) {
            rc = wh_json_scan_skip(s, err);
        } else if ((rc = wh_json_scan_string(s, &id, err)) == WH_OK) {
            add_id(pc->a, pc->x, id);
        }
        if (rc != WH_OK)
            return rc;
    }
}

/* relationships[i]: "SPDXRef-DOCUMENT DESCRIBES x" and "x DESCRIBED_BY SPDXRef-DOCUMENT". */
static enum wh_err
scan_relationship(struct wh_json_scan *s, void *ctx, size_t index, struct wh_error *err)
{
    static const struct wh_str names[] = {FIELD("spdxElementId"), FIELD("relatedSpdxElement"),
                                          FIELD("relationshipType")};
    struct pkg_ctx *pc = ctx;
    struct val f[3] = {0};
    enum wh_err rc;

    (void)index;
    if ((rc = scan_fields(s, names, 3, f, err)) != WH_OK)
        return rc;
    if (!is_string(&f[0]) || !is_string(&f[1]) || !is_string(&f[2]))
        return WH_OK;
    if (val_eq(&f[2], "DESCRIBES") && val_eq(&f[0], "SPDXRef-DOCUMENT"))
        add_id(pc->a, pc->x, f[1].str);
    else if (val_eq(&f[2], "DESCRIBED_BY") && val_eq(&f[1], "SPDXRef-DOCUMENT"))
        add_id(pc->a, pc->x, f[0].str);
    return WH_OK;
}

/* The top-level fields, as read by one pass over the document. */
struct root {
    struct val bom_format, spec_version, spdx_version;
    enum wh_json_scan_kind components, packages, relationships;
};

static const struct wh_str root_fields[] = {
    FIELD("bomFormat"), FIELD("specVersion"),       FIELD("components"),    FIELD("spdxVersion"),
    FIELD("packages"),  FIELD("documentDescribes"), FIELD("relationships"),
};
enum {
    ROOT_BOM_FORMAT,
    ROOT_SPEC_VERSION,
    ROOT_COMPONENTS,
    ROOT_SPDX_VERSION,
    ROOT_PACKAGES,
    ROOT_DESCRIBES,
    ROOT_RELATIONSHIPS,
    ROOT_N
};

/* Either format's containers may come before the field that names the format: read both. */
/* TODO(#14): split the per-field cases (cognitive complexity 27 > 25, STYLE §8). */
static enum wh_err /* NOLINTNEXTLINE(readability-function-cognitive-complexity) */
scan_root(struct wh_json_scan *s, struct root *r, struct cdx *cx, struct pkg_ctx *pc,
          struct wh_error *err)
{
    enum wh_json_scan_kind kind;
    unsigned seen = 0;
    struct wh_str key;
    bool has_key;
    int idx;
    enum wh_err rc;

    if ((rc = wh_json_scan_object_enter(s, err)) != WH_OK)
        return rc;
    for (;;) {
        if ((rc = wh_json_scan_object_next(s, &key, &has_key, err)) != WH_OK)
            return rc;
        if (!has_key)
            return WH_OK;
        if ((rc = field_index(s, key, root_fields, ROOT_N, &seen, &idx, err)) != WH_OK)
            return rc;
        switch (idx) {
        case ROOT_BOM_FORMAT:
            rc = read_val(s, &r->bom_format, err);
            break;
        case ROOT_SPEC_VERSION:
            rc = read_val(s, &r->spec_version, err);
            break;
        case ROOT_SPDX_VERSION:
            rc = read_val(s, &r->spdx_version, err);
            break;
        case ROOT_COMPONENTS:
        case ROOT_PACKAGES:
        case ROOT_DESCRIBES:
        case ROOT_RELATIONSHIPS:
            if ((rc = wh_json_scan_peek(s, &kind, err)) != WH_OK)
                return rc;
            if (idx == ROOT_COMPONENTS)
                r->components = kind;
            else if (idx == ROOT_PACKAGES)
                r->packages = kind;
            else if (idx == ROOT_RELATIONSHIPS)
                r->relationships = kind;
            if (kind != WH_JSON_SCAN_ARRAY)
                rc = wh_json_scan_skip(s, err);
            else if (idx == ROOT_COMPONENTS)
                rc = scan_cdx_list(s, cx, NULL, err);
            else if (idx == ROOT_PACKAGES)
                rc = scan_array(s, scan_package, pc, false, err);
            else if (idx == ROOT_DESCRIBES)
                rc = scan_describes(s, pc, err);
            else
                rc = scan_array(s, scan_relationship, pc, true, err);
            break;
        default:
            rc = wh_json_scan_skip(s, err);
            break;
        }
        if (rc != WH_OK)
            return rc;
    }
}

static enum wh_err
finish_cyclonedx(const struct root *r, struct cdx *cx, const struct wh_limits *lim,
                 struct wh_error *err)
{
    const struct val *format = &r->bom_format, *spec = &r->spec_version;

    if (!is_string(format))
        return wh_error_set(err, WH_E_INVALID, "CycloneDX: bomFormat is not a string");
    if (!wh_str_eq_c(format->str, "CycloneDX"))
        return wh_error_set(err, WH_E_INVALID, "CycloneDX: bomFormat \"%.*s\" is not \"CycloneDX\"",
                            (int)(format->str.len > 16 ? 16 : format->str.len), format->str.ptr);
    if (!is_string(spec))
        return wh_error_set(err, WH_E_INVALID, "CycloneDX: specVersion is missing or not a string");
    if (!val_eq(spec, "1.4") && !val_eq(spec, "1.5") && !val_eq(spec, "1.6"))
        return wh_error_set(err, WH_E_INVALID,
                            "CycloneDX: unsupported specVersion \"%.*s\" (want 1.4, 1.5 or 1.6)",
                            (int)(spec->str.len > 16 ? 16 : spec->str.len), spec->str.ptr);
    if (r->components == WH_JSON_SCAN_NONE)
        return WH_OK; /* an empty image has no components */
    if (r->components != WH_JSON_SCAN_ARRAY)
        return wh_error_set(err, WH_E_INVALID, "CycloneDX: components is not an array");
    return cdx_result(cx, lim, err);
}

static enum wh_err
finish_spdx(const struct root *r, struct spdx *x, struct collector *c, struct wh_error *err)
{
    const struct val *version = &r->spdx_version;
    size_t i;
    enum wh_err rc;

    if (!is_string(version))
        return wh_error_set(err, WH_E_INVALID, "SPDX: spdxVersion is not a string");
    if (!val_eq(version, "SPDX-2.2") && !val_eq(version, "SPDX-2.3"))
        return wh_error_set(err, WH_E_INVALID,
                            "SPDX: unsupported spdxVersion \"%.*s\" (want SPDX-2.2 or SPDX-2.3)",
                            (int)(version->str.len > 16 ? 16 : version->str.len), version->str.ptr);
    if (r->packages == WH_JSON_SCAN_NONE)
        return WH_OK;
    if (r->packages != WH_JSON_SCAN_ARRAY)
        return wh_error_set(err, WH_E_INVALID, "SPDX: packages is not an array");
    if (r->relationships != WH_JSON_SCAN_NONE && r->relationships != WH_JSON_SCAN_ARRAY)
        return wh_error_set(err, WH_E_INVALID, "SPDX: relationships is not an array");
    if (x->n_ids > 1)
        wh_sbom_spdx_ids_sort(x->ids, x->n_ids);
    for (i = 0; i < x->n; i++) {
        const struct spdx_pkg *pkg = &x->pkgs[i];
        struct path here = {NULL, "packages", pkg->index};
        bool pushed;

        if (wh_sbom_spdx_is_root(&(struct wh_sbom_spdx_ident){pkg->id, pkg->purl, pkg->purpose,
                                                              pkg->has_id, pkg->has_purl,
                                                              pkg->has_purpose},
                                 x->ids, x->n_ids))
            continue;
        rc = add_component(c, "SPDX", &here, &pkg->name, &pkg->version,
                           pkg->has_purl ? &pkg->purl : NULL, &pushed, err);
        if (rc != WH_OK)
            return rc;
    }
    if (x->failed) {
        *err = x->first;
        return err->code;
    }
    return WH_OK;
}

bool
wh_sbom_string_predicate_detect(struct wh_bytes doc)
{
    size_t i = 0;

    while (i < doc.len &&
           (doc.ptr[i] == ' ' || doc.ptr[i] == '\t' || doc.ptr[i] == '\r' || doc.ptr[i] == '\n'))
        i++;
    return i < doc.len && doc.ptr[i] == '"';
}

/*
 * cosign (pkg/cosign/attestation/attestation.go, generateSPDXStatement): `--type spdx` sets the
 * predicate to `data = string(rawPayload)`, the file's bytes as one JSON string, and `--type
 * spdxjson` to the parsed JSON. So a tag-value SBOM attested with cosign arrives as a string, and
 * so does a JSON SBOM attested with --type spdx. The {"Data": ..., "Timestamp": ...} object is
 * cosign's "custom" predicate type only (generateCustomPredicate), never an SPDX one.
 */
WH_MUST_CHECK enum wh_err
wh_sbom_string_predicate_parse(struct wh_bytes doc, const struct wh_limits *lim, struct wh_arena *a,
                               struct wh_sbom *out, struct wh_error *err)
{
    struct wh_json_scan s;
    enum wh_json_scan_kind kind;
    struct wh_str str;
    struct wh_bytes text;
    size_t i = 0;
    enum wh_err rc;

    if (doc.len > lim->sbom_bytes)
        return wh_error_set(err, WH_E_LIMIT, "SBOM is %zu bytes, limit %zu", doc.len,
                            lim->sbom_bytes);
    wh_json_scan_init(&s, doc, lim->json_depth, "SBOM JSON", a);
    if ((rc = wh_json_scan_peek(&s, &kind, err)) != WH_OK)
        return rc;
    if (kind != WH_JSON_SCAN_STRING)
        return wh_error_set(err, WH_E_INVALID, "SBOM predicate is not a JSON string");
    if ((rc = wh_json_scan_string(&s, &str, err)) != WH_OK ||
        (rc = wh_json_scan_finish(&s, err)) != WH_OK)
        return rc;
    text = (struct wh_bytes){(const unsigned char *)str.ptr, str.len};
    if (wh_sbom_tagvalue_detect(text)) {
        rc = wh_sbom_tagvalue_parse(text, lim, a, out, err);
    } else {
        while (i < str.len && (str.ptr[i] == ' ' || (str.ptr[i] >= '\t' && str.ptr[i] <= '\r')))
            i++;
        if (i == str.len || str.ptr[i] != '{')
            return wh_error_set(err, WH_E_INVALID,
                                "SBOM predicate is a JSON string holding neither SPDX tag-value "
                                "(SPDXVersion: first) nor a JSON SBOM");
        rc = wh_sbom_parse(text, lim, a, out, err);
    }
    if (rc != WH_OK)
        return wh_error_wrap(err, "SBOM predicate string");
    return WH_OK;
}

WH_MUST_CHECK enum wh_err
wh_sbom_parse(struct wh_bytes json, const struct wh_limits *lim, struct wh_arena *a,
              struct wh_sbom *out, struct wh_error *err)
{
    struct wh_json_scan s;
    struct root r = {0};
    struct cdx cx = {.c = {.a = a, .limit = SIZE_MAX}, .err_slot = SIZE_MAX};
    struct spdx sx = {0};
    struct pkg_ctx pc = {&sx, a};
    struct collector spdx_c = {.a = a, .limit = lim->sbom_components};
    struct collector *c;
    enum wh_json_scan_kind kind;
    enum wh_err rc;

    if (json.len > lim->sbom_bytes)
        return wh_error_set(err, WH_E_LIMIT, "SBOM is %zu bytes, limit %zu", json.len,
                            lim->sbom_bytes);
    /* Not a JSON object: SPDX tag-value text, or cosign's string predicate (sbom/tagvalue.h). */
    if (wh_sbom_tagvalue_detect(json))
        return wh_sbom_tagvalue_parse(json, lim, a, out, err);
    if (wh_sbom_string_predicate_detect(json))
        return wh_sbom_string_predicate_parse(json, lim, a, out, err);
    wh_json_scan_init(&s, json, lim->json_depth, "SBOM JSON", a);
    if ((rc = wh_json_scan_peek(&s, &kind, err)) == WH_OK) {
        rc = kind == WH_JSON_SCAN_OBJECT ? scan_root(&s, &r, &cx, &pc, err)
                                         : wh_json_scan_skip(&s, err);
        if (rc == WH_OK)
            rc = wh_json_scan_finish(&s, err);
    }
    if (rc == WH_E_INVALID && check_depth(json, lim->json_depth, err) != WH_OK)
        return err->code;
    if (rc != WH_OK)
        return rc;
    if (kind != WH_JSON_SCAN_OBJECT)
        return wh_error_set(err, WH_E_INVALID, "SBOM is not a JSON object");
    if (r.bom_format.kind != WH_JSON_SCAN_NONE) {
        out->format = WH_SBOM_CYCLONEDX;
        rc = finish_cyclonedx(&r, &cx, lim, err);
        c = &cx.c;
    } else if (r.spdx_version.kind != WH_JSON_SCAN_NONE) {
        out->format = WH_SBOM_SPDX;
        rc = finish_spdx(&r, &sx, &spdx_c, err);
        c = &spdx_c;
    } else {
        return wh_error_set(err, WH_E_INVALID,
                            "SBOM is neither CycloneDX (no bomFormat) nor SPDX (no spdxVersion)");
    }
    if (rc != WH_OK)
        return rc;
    if (c->n > 1)
        wh_sbom_components_sort(c->v, c->n, a);
    out->components = c->v;
    out->n_components = c->n;
    return WH_OK;
}
