/*
 * SPDX 2.2/2.3 tag-value text ("Tag: value" lines, SPDX 2.3 spec clause 5 and annex) → the sorted
 * component list of sbom.h, read with the rules normalize.c applies to SPDX JSON so that either
 * spelling of one SBOM diffs as equal. (cosign's `--type spdx` string predicate, which may hold
 * either, is unwrapped by normalize.c's dispatcher, so this file never calls back into it.)
 */
#include "sbom/tagvalue.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sbom/purl.h"
#include "sbom/readers.h"

/* Every WH_E_INVALID message of this file starts so: the line is the one a reader must fix. */
#define TV "SPDX tag-value line %zu: "

struct reader {
    const char *p, *end;
    size_t line; /* number of the last physical line read */
};

/* One "Tag: value" pair; a <text> value may span lines and is a view of the text between. */
struct tag {
    struct wh_str name, value;
    size_t line;
};

static bool
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

static struct wh_str
trim_left(struct wh_str s)
{
    while (s.len > 0 && is_space(s.ptr[0])) {
        s.ptr++;
        s.len--;
    }
    return s;
}

static struct wh_str
trim(struct wh_str s)
{
    s = trim_left(s);
    while (s.len > 0 && is_space(s.ptr[s.len - 1]))
        s.len--;
    return s;
}

static bool
tag_is(const struct tag *t, const char *name)
{
    return wh_str_eq_c(t->name, name);
}

/* The next physical line, without its "\n" or "\r\n"; false at the end of the text. */
static bool
next_line(struct reader *r, struct wh_str *out)
{
    const char *nl;

    if (r->p >= r->end)
        return false;
    nl = memchr(r->p, '\n', (size_t)(r->end - r->p));
    out->ptr = r->p;
    out->len = (size_t)((nl != NULL ? nl : r->end) - r->p);
    if (out->len > 0 && out->ptr[out->len - 1] == '\r')
        out->len--;
    r->p = nl != NULL ? nl + 1 : r->end;
    r->line++;
    return true;
}

/* SPDX tags are words: "PackageName", "ExternalRef", "LicenseID". */
static bool
is_tag_name(struct wh_str s)
{
    size_t i;

    if (s.len == 0)
        return false;
    for (i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
    }
    return true;
}

/*
 * Reads the next tag, skipping blank lines and '#' comments (syft's "##### Package: x" headers).
 * As the SPDX tools read it (tools-golang/tools-python TVReader): the tag is the text before the
 * first ':'; when the rest holds "<text>", the value runs from there to the next "</text>",
 * across lines, and nothing inside it is read as a tag.
 */
static enum wh_err
next_tag(struct reader *r, struct tag *t, bool *has_tag, struct wh_error *err)
{
    struct wh_str line, rest;
    const char *colon, *open, *close;

    *has_tag = false;
    do {
        if (!next_line(r, &line))
            return WH_OK;
        line = trim_left(line);
    } while (line.len == 0 || line.ptr[0] == '#');
    t->line = r->line;
    colon = memchr(line.ptr, ':', line.len);
    if (colon != NULL)
        t->name = trim((struct wh_str){line.ptr, (size_t)(colon - line.ptr)});
    if (colon == NULL || !is_tag_name(t->name))
        return wh_error_set(err, WH_E_INVALID, TV "expected \"Tag: value\"", r->line);
    rest = (struct wh_str){colon + 1, line.len - (size_t)(colon + 1 - line.ptr)};
    open = memmem(rest.ptr, rest.len, "<text>", 6);
    if (open == NULL) {
        t->value = trim(rest);
        *has_tag = true;
        return WH_OK;
    }
    t->value.ptr = open + 6;
    rest = (struct wh_str){t->value.ptr, rest.len - (size_t)(t->value.ptr - rest.ptr)};
    while ((close = memmem(rest.ptr, rest.len, "</text>", 7)) == NULL) {
        if (!next_line(r, &rest))
            return wh_error_set(err, WH_E_INVALID, TV "%.*s: <text> is not closed by </text>",
                                t->line, (int)t->name.len, t->name.ptr);
    }
    t->value.len = (size_t)(close - t->value.ptr);
    *has_tag = true;
    return WH_OK;
}

/*
 * The text is UTF-8 without NUL bytes (what the JSON path guarantees through its scanner): names
 * and versions end up in C strings and in JSON replies. Rejects overlongs, surrogates and code
 * points past U+10FFFF (RFC 3629).
 */
static enum wh_err
check_text(struct wh_bytes text, struct wh_error *err)
{
    size_t i = 0, line = 1;

    while (i < text.len) {
        size_t n = wh_utf8_next(text.ptr + i, text.len - i, NULL);

        if (text.ptr[i] == '\n')
            line++;
        if (text.ptr[i] == '\0')
            return wh_error_set(err, WH_E_INVALID, TV "NUL byte", line);
        if (n == 0)
            return wh_error_set(err, WH_E_INVALID, TV "not UTF-8", line);
        i += n;
    }
    return WH_OK;
}

/* Splits `s` at runs of blanks into at most `max` fields; returns how many there were. */
static size_t
split_fields(struct wh_str s, struct wh_str *f, size_t max)
{
    size_t n = 0, i = 0;

    while (i < s.len) {
        size_t start;

        while (i < s.len && is_space(s.ptr[i]))
            i++;
        if (i == s.len)
            break;
        start = i;
        while (i < s.len && !is_space(s.ptr[i]))
            i++;
        if (n < max)
            f[n] = (struct wh_str){s.ptr + start, i - start};
        n++;
    }
    return n;
}

struct pkg {
    struct wh_str name, version, purl, id, purpose;
    size_t line, version_line, id_line, purpose_line, purl_line;
    bool has_version, has_purl, has_id, has_purpose;
};

enum section { IN_DOCUMENT, IN_PACKAGE, IN_OTHER };

/*
 * The document is read twice: first to check every line and collect the DESCRIBES relationships
 * (syft writes them last), then to emit each package as its block ends, so memory stays bounded
 * by the component limit rather than by the number of PackageName lines.
 */
struct walk {
    const struct wh_limits *lim;
    struct wh_arena *a;
    bool emit;
    struct wh_str *ids; /* SPDXIDs the document DESCRIBES, sorted before the second pass */
    size_t n_ids, cap_ids;
    struct wh_sbom_component *v;
    size_t n, cap;
    enum section section;
    struct pkg pkg;
};

static void
add_id(struct walk *w, struct wh_str id)
{
    if (w->n_ids == w->cap_ids) {
        size_t cap = w->cap_ids == 0 ? 16 : w->cap_ids * 2;
        w->ids = wh_arena_grow_raw(w->a, w->ids, w->n_ids, cap, sizeof(*w->ids));
        w->cap_ids = cap;
    }
    w->ids[w->n_ids++] = id;
}

/* The package block that just ended, as normalize.c's add_component would fill it. */
static enum wh_err
emit_package(struct walk *w, struct wh_error *err)
{
    const struct pkg *p = &w->pkg;
    struct wh_sbom_component *c;
    struct wh_sbom_purl id;
    const char *purl_version = "";

    if (!w->emit ||
        wh_sbom_spdx_is_root(&(struct wh_sbom_spdx_ident){p->id, p->purl, p->purpose, p->has_id,
                                                          p->has_purl, p->has_purpose},
                             w->ids, w->n_ids))
        return WH_OK;
    if (w->n >= w->lim->sbom_components)
        return wh_error_set(err, WH_E_LIMIT, "SBOM has more than %zu components",
                            w->lim->sbom_components);
    if (w->n == w->cap) {
        size_t cap = w->cap == 0 ? 64 : w->cap * 2;
        w->v = wh_arena_grow_raw(w->a, w->v, w->n, cap, sizeof(*w->v));
        w->cap = cap;
    }
    c = &w->v[w->n];
    c->name = wh_arena_strdup_view(w->a, p->name);
    if (p->has_purl) {
        if (wh_sbom_purl_parse(p->purl, w->a, &id, err) != WH_OK)
            return wh_error_wrap(err, TV "ExternalRef", p->purl_line);
        c->key = id.key;
        c->purl_type = id.type;
        c->ident = id.ident;
        if (!wh_sbom_ident_equal(id.type, id.ident, c->name))
            c->name = id.ident; /* as normalize.c: the purl is the identity */
        purl_version = id.version;
    } else {
        c->key = c->name;
        c->purl_type = "";
        c->ident = c->name;
    }
    c->version = p->has_version ? wh_arena_strdup_view(w->a, p->version) : purl_version;
    w->n++;
    return WH_OK;
}

static enum wh_err
end_section(struct walk *w, enum section next, struct wh_error *err)
{
    enum wh_err rc = WH_OK;

    if (w->section == IN_PACKAGE)
        rc = emit_package(w, err);
    w->section = next;
    return rc;
}

/* A tag that belongs to a package: there must be one, and the tag is said once in it. */
static enum wh_err
package_field(struct walk *w, const struct tag *t, bool *has, struct wh_str *value, size_t *line,
              struct wh_error *err)
{
    if (w->section != IN_PACKAGE)
        return wh_error_set(err, WH_E_INVALID,
                            TV "%.*s outside a package (no PackageName before it)", t->line,
                            (int)t->name.len, t->name.ptr);
    if (*has)
        return wh_error_set(err, WH_E_INVALID,
                            TV "%.*s repeated in the package of line %zu (first at line %zu)",
                            t->line, (int)t->name.len, t->name.ptr, w->pkg.line, *line);
    *has = true;
    *value = t->value;
    *line = t->line;
    return WH_OK;
}

static enum wh_err
external_ref(struct walk *w, const struct tag *t, struct wh_error *err)
{
    struct wh_str f[3];
    size_t n;

    if (w->section != IN_PACKAGE)
        return wh_error_set(err, WH_E_INVALID,
                            TV "ExternalRef outside a package (no PackageName before it)", t->line);
    n = split_fields(t->value, f, 3);
    if (n != 3)
        return wh_error_set(err, WH_E_INVALID,
                            TV "ExternalRef needs CATEGORY TYPE LOCATOR, got %zu field%s", t->line,
                            n, n == 1 ? "" : "s");
    /* SPDX 2.2 spells the category PACKAGE_MANAGER, 2.3 PACKAGE-MANAGER; the first purl counts. */
    if (!w->pkg.has_purl && wh_str_eq_c(f[1], "purl") &&
        (wh_str_eq_c(f[0], "PACKAGE-MANAGER") || wh_str_eq_c(f[0], "PACKAGE_MANAGER"))) {
        w->pkg.has_purl = true;
        w->pkg.purl = f[2];
        w->pkg.purl_line = t->line;
    }
    return WH_OK;
}

static enum wh_err
relationship(struct walk *w, const struct tag *t, struct wh_error *err)
{
    struct wh_str f[3];
    size_t n = split_fields(t->value, f, 3);

    if (n != 3)
        return wh_error_set(err, WH_E_INVALID,
                            TV "Relationship needs ELEMENT TYPE RELATED-ELEMENT, got %zu field%s",
                            t->line, n, n == 1 ? "" : "s");
    if (w->emit)
        return WH_OK;
    if (wh_str_eq_c(f[1], "DESCRIBES") && wh_str_eq_c(f[0], "SPDXRef-DOCUMENT"))
        add_id(w, f[2]);
    else if (wh_str_eq_c(f[1], "DESCRIBED_BY") && wh_str_eq_c(f[2], "SPDXRef-DOCUMENT"))
        add_id(w, f[0]);
    return WH_OK;
}

static enum wh_err
spdx_version(const struct tag *t, bool first, struct wh_error *err)
{
    if (!first && tag_is(t, "SPDXVersion"))
        return wh_error_set(err, WH_E_INVALID, TV "SPDXVersion repeated", t->line);
    if (!first)
        return WH_OK;
    if (!tag_is(t, "SPDXVersion"))
        return wh_error_set(err, WH_E_INVALID, TV "the first tag is %.*s, not SPDXVersion", t->line,
                            (int)(t->name.len > 32 ? 32 : t->name.len), t->name.ptr);
    if (!wh_str_eq_c(t->value, "SPDX-2.2") && !wh_str_eq_c(t->value, "SPDX-2.3"))
        return wh_error_set(err, WH_E_INVALID,
                            TV "unsupported SPDXVersion \"%.*s\" (want SPDX-2.2 or SPDX-2.3)",
                            t->line, (int)(t->value.len > 16 ? 16 : t->value.len), t->value.ptr);
    return WH_OK;
}

/* One tag of the document, in order. */
static enum wh_err
read_tag(struct walk *w, const struct tag *t, struct wh_error *err)
{
    struct pkg *p = &w->pkg;
    enum wh_err rc;

    if (tag_is(t, "PackageName")) {
        if ((rc = end_section(w, IN_PACKAGE, err)) != WH_OK)
            return rc;
        if (t->value.len == 0)
            return wh_error_set(err, WH_E_INVALID, TV "PackageName is empty", t->line);
        *p = (struct pkg){.name = t->value, .line = t->line};
        return WH_OK;
    }
    if (tag_is(t, "SPDXID"))
        /* The document's, a file's or a snippet's SPDXID outside a package block. */
        return w->section != IN_PACKAGE ? WH_OK
                                        : package_field(w, t, &p->has_id, &p->id, &p->id_line, err);
    if (tag_is(t, "PackageVersion"))
        return package_field(w, t, &p->has_version, &p->version, &p->version_line, err);
    if (tag_is(t, "PrimaryPackagePurpose"))
        return package_field(w, t, &p->has_purpose, &p->purpose, &p->purpose_line, err);
    if (tag_is(t, "ExternalRef"))
        return external_ref(w, t, err);
    if (tag_is(t, "Relationship"))
        return relationship(w, t, err);
    /* A file, a snippet or an extracted licence ends the package block before it. */
    if (tag_is(t, "FileName") || tag_is(t, "SnippetSPDXID") || tag_is(t, "LicenseID"))
        return end_section(w, IN_OTHER, err);
    return WH_OK;
}

static enum wh_err
walk_text(struct walk *w, struct wh_bytes text, struct wh_error *err)
{
    struct reader r = {(const char *)text.ptr, (const char *)text.ptr + text.len, 0};
    struct tag t;
    bool has_tag, first = true;
    enum wh_err rc;

    w->section = IN_DOCUMENT;
    for (;;) {
        if ((rc = next_tag(&r, &t, &has_tag, err)) != WH_OK)
            return rc;
        if (!has_tag)
            break;
        if ((rc = spdx_version(&t, first, err)) != WH_OK)
            return rc;
        first = false;
        if ((rc = read_tag(w, &t, err)) != WH_OK)
            return rc;
    }
    if (first)
        return wh_error_set(err, WH_E_INVALID, TV "no tags (want SPDXVersion first)", r.line);
    return end_section(w, IN_OTHER, err);
}

/* The text after a UTF-8 byte order mark, if it has one. */
static struct wh_bytes
skip_bom(struct wh_bytes b)
{
    if (b.len >= 3 && b.ptr[0] == 0xef && b.ptr[1] == 0xbb && b.ptr[2] == 0xbf)
        return (struct wh_bytes){b.ptr + 3, b.len - 3};
    return b;
}

bool
wh_sbom_tagvalue_detect(struct wh_bytes doc)
{
    struct reader r;
    struct wh_str line;

    doc = skip_bom(doc);
    r = (struct reader){(const char *)doc.ptr, (const char *)doc.ptr + doc.len, 0};
    while (next_line(&r, &line)) {
        line = trim_left(line);
        if (line.len == 0 || line.ptr[0] == '#')
            continue;
        return line.ptr[0] != '{' && wh_str_has_prefix(line, "SPDXVersion:");
    }
    return false;
}

WH_MUST_CHECK enum wh_err
wh_sbom_tagvalue_parse(struct wh_bytes text, const struct wh_limits *lim, struct wh_arena *a,
                       struct wh_sbom *out, struct wh_error *err)
{
    struct walk w = {.lim = lim, .a = a};
    enum wh_err rc;

    if (text.len > lim->sbom_bytes)
        return wh_error_set(err, WH_E_LIMIT, "SBOM is %zu bytes, limit %zu", text.len,
                            lim->sbom_bytes);
    text = skip_bom(text);
    if ((rc = check_text(text, err)) != WH_OK || (rc = walk_text(&w, text, err)) != WH_OK)
        return rc;
    wh_sbom_spdx_ids_sort(w.ids, w.n_ids);
    w.emit = true;
    if ((rc = walk_text(&w, text, err)) != WH_OK)
        return rc;
    out->format = WH_SBOM_SPDX;
    if (w.n > 1)
        wh_sbom_components_sort(w.v, w.n, a);
    out->components = w.v;
    out->n_components = w.n;
    return WH_OK;
}
