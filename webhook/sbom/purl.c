/*
 * Package URLs and package identity: one spelling per package, so that a package spelt two ways
 * (by two tools, or by someone hiding it) is one package to the diff and to the policy. The rules
 * per type come from each ecosystem and purl-spec (types/<type>-definition.json).
 */
#include "sbom/purl.h"

#include <string.h>
#include <strings.h>

enum {
    FOLD_NS = 1,    /* the namespace is case-insensitive: lowercase it */
    FOLD_NAME = 2,  /* the name is case-insensitive: lowercase it */
    PEP503 = 4,     /* runs of '-', '_', '.' in the name are one '-' (PEP 503) */
    DROP_NS = 8,    /* the namespace is not part of the identity (a distro vendor, or none) */
    NS_IN_NAME = 16 /* the package's own name includes the namespace ("@scope/name") */
};

/* Sorted by type. purl-spec types/<type>-definition.json gives each type's
 * case_sensitive flags; the ecosystem's own rule where the spec is silent or weaker:
 *   pypi: PEP 503 "Names and normalization" (packaging.python.org name-normalization);
 *   npm: names "must not have uppercase letters" (package.json docs) and new names that differ
 *     from an existing one only by case or punctuation are refused by the registry;
 *   deb: Debian Policy 5.6.1, package names are lowercase; apk, alpm: purl-spec case-insensitive;
 *   nuget: package IDs are case-insensitive (NuGet docs; purl-spec notes "case-preserving, but
 *     case-insensitive");
 *   rpm: purl-spec "the name is the RPM name and is case sensitive"; vendor case-insensitive;
 *   golang, maven, cargo: purl-spec case_sensitive true (Go module paths are case-sensitive: the
 *     module proxy escapes capitals as "!x");
 *   gem, generic, conda: the spec defines no folding: kept as written. */
static const struct type_rule {
    const char *type;
    unsigned rules;
} type_rules[] = {
    {"alpm", DROP_NS | FOLD_NAME},
    {"apk", DROP_NS | FOLD_NAME},
    {"bitbucket", FOLD_NS | FOLD_NAME | NS_IN_NAME},
    {"bitnami", DROP_NS | FOLD_NAME},
    {"cargo", DROP_NS},
    {"cocoapods", DROP_NS},
    {"composer", FOLD_NS | FOLD_NAME | NS_IN_NAME},
    {"conda", DROP_NS},
    {"cran", DROP_NS},
    {"deb", DROP_NS | FOLD_NAME},
    {"gem", DROP_NS},
    {"github", FOLD_NS | FOLD_NAME | NS_IN_NAME},
    {"golang", NS_IN_NAME},
    {"hex", FOLD_NS | FOLD_NAME},
    {"luarocks", FOLD_NS | FOLD_NAME},
    {"npm", FOLD_NS | FOLD_NAME | NS_IN_NAME},
    {"nuget", DROP_NS | FOLD_NAME},
    {"oci", DROP_NS | FOLD_NAME},
    {"pub", DROP_NS | FOLD_NAME},
    {"pypi", DROP_NS | FOLD_NAME | PEP503},
    {"rpm", DROP_NS},
};

/* Older spellings of a type: syft wrote "pkg:alpine/<name>" until it adopted purl-spec's apk type
 * ("pkg:apk/alpine/<name>", anchore/syft#1431, 2023), and OSS Index still does. */
static const char *
canonical_type(const char *type)
{
    return strcmp(type, "alpine") == 0 ? "apk" : type;
}

/* The table's entry for a lowercased type, or NULL: the first byte passes over most entries
 * without a strcmp (a bsearch's strcmp calls were a tenth of a purl's parse). */
static const struct type_rule *
find_rule(const char *type)
{
    size_t i;

    for (i = 0; i < sizeof(type_rules) / sizeof(type_rules[0]); i++)
        if (type_rules[i].type[0] == type[0] && strcmp(type_rules[i].type, type) == 0)
            return &type_rules[i];
    return NULL;
}

static unsigned
rules_of(const char *type)
{
    const struct type_rule *r;
    size_t i;

    if (type == NULL)
        return 0;
    /* wh_sbom_purl_parse gives a known type as the table's own spelling: found by its address
     * (the identity checks of every component), the rest by name. */
    for (i = 0; i < sizeof(type_rules) / sizeof(type_rules[0]); i++)
        if (type == type_rules[i].type)
            return type_rules[i].rules;
    r = find_rule(type);
    return r != NULL ? r->rules : 0;
}

static int
is_sep(int c)
{
    return c == '-' || c == '_' || c == '.';
}

static int
lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Appends the percent-decoded segment to dst (sized by the caller: decoding never grows). */
static enum wh_err
append_decoded(char *dst, size_t *used, struct wh_str seg, struct wh_error *err)
{
    size_t i;

    if (memchr(seg.ptr, '%', seg.len) == NULL) {
        memcpy(dst + *used, seg.ptr, seg.len); /* the usual segment: nothing to decode */
        *used += seg.len;
        return WH_OK;
    }
    for (i = 0; i < seg.len; i++) {
        unsigned char c = (unsigned char)seg.ptr[i];

        if (c == '%') {
            int hi, lo;

            if (seg.len - i < 3)
                return wh_error_set(err, WH_E_INVALID, "purl: truncated percent escape");
            hi = wh_str_hex_value((unsigned char)seg.ptr[i + 1]);
            lo = wh_str_hex_value((unsigned char)seg.ptr[i + 2]);
            if (hi < 0 || lo < 0)
                return wh_error_set(err, WH_E_INVALID, "purl: bad percent escape");
            c = (unsigned char)(hi << 4 | lo);
            if (c == '\0')
                return wh_error_set(err, WH_E_INVALID, "purl: percent-encoded NUL");
            i += 2;
        }
        dst[(*used)++] = (char)c;
    }
    return WH_OK;
}

static const char *
rfind(const char *begin, const char *end, char c)
{
    return end > begin ? memrchr(begin, c, (size_t)(end - begin)) : NULL;
}

/* Lowercases s[0, len) in place; with PEP503 also collapses separator runs. Returns the new
 * length (never longer). */
static size_t
fold(char *s, size_t len, unsigned rules)
{
    size_t i, n = 0;

    for (i = 0; i < len; i++) {
        if ((rules & PEP503) && is_sep((unsigned char)s[i])) {
            while (i + 1 < len && is_sep((unsigned char)s[i + 1]))
                i++;
            s[n++] = '-';
        } else {
            s[n++] = (char)lower((unsigned char)s[i]);
        }
    }
    return n;
}

/* The type, lowercased, checked (purl-spec: letters, digits, '.', '+', '-') and canonical; a type
 * of the table is its static spelling (no copy per component), any other is copied to `a`. */
static enum wh_err
parse_type(const char *p, const char *slash, struct wh_arena *a, const char **type, unsigned *rules,
           struct wh_error *err)
{
    size_t i, len = (size_t)(slash - p);
    char small[16], *t = len < sizeof(small) ? small : wh_arena_alloc_raw(a, len + 1);
    const struct type_rule *r;

    for (i = 0; i < len; i++) {
        char c = p[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '+' ||
                   c == '-'))
            return wh_error_set(err, WH_E_INVALID, "purl: bad character in type");
        t[i] = c;
    }
    t[len] = '\0';
    r = find_rule(canonical_type(t));
    *rules = r != NULL ? r->rules : 0;
    if (r != NULL)
        *type = r->type; /* "alpine" too: as "apk" */
    else if (t == small)
        *type = wh_arena_strndup(a, t, len);
    else
        *type = t;
    return WH_OK;
}

/* Namespace segments of [p, end) joined by single '/', empty ones dropped, each decoded. */
static enum wh_err
decode_namespace(const char *p, const char *end, char *dst, size_t *used, struct wh_error *err)
{
    const char *seg, *next;
    enum wh_err rc;

    for (seg = p; seg < end; seg = next + 1) {
        next = memchr(seg, '/', (size_t)(end - seg));
        if (next == NULL)
            next = end;
        if (next > seg) {
            if (*used > 0)
                dst[(*used)++] = '/';
            rc = append_decoded(dst, used, (struct wh_str){seg, (size_t)(next - seg)}, err);
            if (rc != WH_OK)
                return rc;
        }
    }
    return WH_OK;
}

/* Version: after the rightmost '@' that follows the last '/' (an unencoded npm scope
 * "@types/node" is not a version); decoded to base + (at - p), *version ("" when none), *end
 * moved before it. */
static enum wh_err
parse_version(const char *p, const char **end, char *base, const char **version,
              struct wh_error *err)
{
    const char *at = rfind(p, *end, '@'), *slash = rfind(p, *end, '/');
    char *dst;
    size_t vlen = 0;
    enum wh_err rc;

    *version = "";
    if (at == NULL || (slash != NULL && at < slash))
        return WH_OK;
    dst = base + (at - p);
    rc = append_decoded(dst, &vlen, (struct wh_str){at + 1, (size_t)(*end - at - 1)}, err);
    if (rc != WH_OK)
        return rc;
    dst[vlen] = '\0';
    *version = dst;
    *end = at;
    return WH_OK;
}

/*
 * One block per purl holds the key, decoded in place (type "/" namespace "/" name: the ident is
 * its tail), and after it the version. Decoding never grows, so with R the bytes after the type's
 * '/' and B those before the version's '@', the key takes at most type + B + 3 bytes (two '/' and
 * the NUL, one '/' more than the purl when the namespace is empty) and the version, at that
 * offset, at most R - B (the '@' makes room for its NUL): type + R + 3 in all.
 */
WH_MUST_CHECK enum wh_err
wh_sbom_purl_parse(struct wh_str purl, struct wh_arena *a, struct wh_sbom_purl *out,
                   struct wh_error *err)
{
    const char *p = purl.ptr, *end = purl.ptr + purl.len, *slash, *cut;
    const char *type = NULL;
    char *k, *ns, *name;
    size_t ns_len = 0, name_len = 0, type_len;
    unsigned rules = 0;
    enum wh_err rc;

    /* purl-spec: scheme "pkg" (case-insensitive), then optional '/'s, then type. */
    if (purl.len < 4 || (p[0] | 0x20) != 'p' || (p[1] | 0x20) != 'k' || (p[2] | 0x20) != 'g' ||
        p[3] != ':') /* strncasecmp(p, "pkg:", 4), without a call per component */
        return wh_error_set(err, WH_E_INVALID, "purl: missing 'pkg:' scheme");
    p += 4;
    while (p < end && *p == '/')
        p++;
    /* Subpath after '#', qualifiers after '?': neither is part of the identity. */
    if ((cut = memchr(p, '#', (size_t)(end - p))) != NULL)
        end = cut;
    if ((cut = memchr(p, '?', (size_t)(end - p))) != NULL)
        end = cut;
    slash = memchr(p, '/', (size_t)(end - p));
    if (slash == NULL || slash == p)
        return wh_error_set(err, WH_E_INVALID, "purl: missing type or name");
    if ((rc = parse_type(p, slash, a, &type, &rules, err)) != WH_OK)
        return rc;
    type_len = strlen(type);
    p = slash + 1;
    /* key: type_len + '/' + namespace + '/' + name + NUL; version + NUL after it */
    k = wh_arena_alloc_raw(a, type_len + (size_t)(end - p) + 3);
    if ((rc = parse_version(p, &end, k + type_len + 3, &out->version, err)) != WH_OK)
        return rc;
    while (end > p && end[-1] == '/')
        end--;
    memcpy(k, type, type_len);
    k[type_len] = '/';
    ns = k + type_len + 1;
    slash = rfind(p, end, '/');
    if (slash != NULL) {
        if ((rc = decode_namespace(p, slash, ns, &ns_len, err)) != WH_OK)
            return rc;
        p = slash + 1;
    }
    if (p == end)
        return wh_error_set(err, WH_E_INVALID, "purl: empty name");
    /* One identity per package: fold as the ecosystem does (purl.h). */
    if (rules & DROP_NS)
        ns_len = 0;
    else if (rules & FOLD_NS)
        ns_len = fold(ns, ns_len, 0);
    ns[ns_len] = '/';
    name = ns + ns_len + 1;
    if ((rc = append_decoded(name, &name_len, (struct wh_str){p, (size_t)(end - p)}, err)) != WH_OK)
        return rc;
    if (rules & (FOLD_NAME | PEP503))
        name_len = fold(name, name_len, rules & PEP503);
    name[name_len] = '\0';
    out->key = k;
    out->type = type;
    out->ident = (rules & NS_IN_NAME) && ns_len > 0 ? ns : name;
    return WH_OK;
}

/* A name read as its type folds it for matching: ASCII lowercase, PEP 503 runs as one '-'. */
struct folded {
    const char *p;
    bool pep503;
};

static int
next_folded(struct folded *f)
{
    int c = (unsigned char)*f->p;

    if (c == '\0')
        return 0;
    f->p++;
    if (f->pep503 && is_sep(c)) {
        while (is_sep((unsigned char)*f->p))
            f->p++;
        return '-';
    }
    return lower(c);
}

bool
wh_sbom_purl_type_equal(const char *a, const char *b)
{
    char x[16], y[16];
    size_t i;

    /* Types are short ASCII words; fold into small buffers, longer ones compare as written. */
    if (strlen(a) >= sizeof(x) || strlen(b) >= sizeof(y))
        return strcasecmp(a, b) == 0;
    for (i = 0; a[i] != '\0'; i++)
        x[i] = (char)lower((unsigned char)a[i]);
    x[i] = '\0';
    for (i = 0; b[i] != '\0'; i++)
        y[i] = (char)lower((unsigned char)b[i]);
    y[i] = '\0';
    return strcmp(canonical_type(x), canonical_type(y)) == 0;
}

bool
wh_sbom_ident_equal(const char *type, const char *ident, const char *name)
{
    struct folded x = {ident, (rules_of(type) & PEP503) != 0}, y = {name, x.pep503};
    int a, b;

    do {
        a = next_folded(&x);
        b = next_folded(&y);
    } while (a == b && a != 0);
    return a == b;
}

bool
wh_sbom_ident_contains(const char *type, const char *ident, const char *part)
{
    bool pep503 = (rules_of(type) & PEP503) != 0;
    const char *start;

    /* Starting inside a separator run folds like starting at its first separator, so every raw
     * position is a correct start. */
    for (start = ident;; start++) {
        struct folded x = {start, pep503}, y = {part, pep503};
        int a, b;

        for (;;) {
            b = next_folded(&y);
            if (b == 0)
                return true;
            a = next_folded(&x);
            if (a != b)
                break;
        }
        if (*start == '\0')
            return false;
    }
}
