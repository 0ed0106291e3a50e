/*
 * Drift between a production and a dev SBOM: one merge walk over the two component lists sorted
 * by package identity (sbom/purl.h: two spellings of one package share a key; O(n + m) after
 * wh_sbom_parse's O(n log n) sort), grouping duplicate keys so a package installed twice at
 * different versions is compared as a set: a version only one side has is drift (dev-only or
 * prod-only of that version, or version drift when both sides have one).
 */
#include "sbom/diff.h"

#include <string.h>

#include "sbom/version.h"

struct group {
    const struct wh_sbom_component *begin, *end;
};

/* [begin, end) of one key's components. Clears *ordered when the list is not in wh_sbom_parse's
 * order (keys ascending bytewise, versions ascending within a key), which the merge walk needs:
 * every adjacent pair is checked once, as the walk passes it, with no pass of its own. */
static struct group
next_group(const struct wh_sbom *s, size_t *i, bool *ordered)
{
    const struct wh_sbom_component *v = s->components;
    size_t j = *i + 1;
    struct group g;

    for (; j < s->n_components; j++) {
        int r = strcmp(v[j].key, v[*i].key);
        if (r < 0 || (r == 0 && strcmp(v[j].version, v[j - 1].version) < 0))
            *ordered = false;
        if (r != 0)
            break;
    }
    g.begin = &v[*i];
    g.end = &v[j];
    *i = j;
    return g;
}

/* The highest version of the group by the package type's ordering. */
static const struct wh_sbom_component *
highest(struct group g)
{
    const struct wh_sbom_component *best = g.begin, *c;

    for (c = g.begin + 1; c < g.end; c++) {
        if (wh_sbom_version_compare(c->purl_type, c->version, best->version) > 0)
            best = c;
    }
    return best;
}

/* Both groups are sorted by version bytewise: one merge finds the highest version each side has
 * and the other lacks (NULL when it has none). */
static void
unshared_highest(struct group a, struct group b, const struct wh_sbom_component **only_a,
                 const struct wh_sbom_component **only_b)
{
    const struct wh_sbom_component *x = a.begin, *y = b.begin;

    *only_a = *only_b = NULL;
    while (x < a.end || y < b.end) {
        int r = x == a.end ? 1 : y == b.end ? -1 : strcmp(x->version, y->version);
        if (r == 0) {
            x++;
            y++;
        } else if (r < 0) {
            if (*only_a == NULL ||
                wh_sbom_version_compare(x->purl_type, x->version, (*only_a)->version) > 0)
                *only_a = x;
            x++;
        } else {
            if (*only_b == NULL ||
                wh_sbom_version_compare(y->purl_type, y->version, (*only_b)->version) > 0)
                *only_b = y;
            y++;
        }
    }
}

static void
set_from(struct wh_sbom_finding *f, enum wh_drift_kind kind, const struct wh_sbom_component *c)
{
    f->kind = kind;
    f->size = WH_DRIFT_SIZE_NONE;
    f->key = c->key;
    f->purl_type = c->purl_type;
    f->name = c->name;
    f->ident = c->ident;
    f->dev_version = NULL;
    f->prod_version = NULL;
}

/* TODO(#14): split the per-side matching and the finding builders (cognitive complexity 37 > 25,
 * STYLE §8). */
WH_MUST_CHECK enum wh_err /* NOLINTNEXTLINE(readability-function-cognitive-complexity) */
wh_sbom_diff(const struct wh_sbom *prod, const struct wh_sbom *dev, struct wh_arena *a,
             struct wh_sbom_diff *out, struct wh_error *err)
{
    size_t i = 0, j = 0, n = 0;
    struct wh_sbom_finding *f;
    bool ordered = true;

    memset(out, 0, sizeof(*out));
    /* Room for the worst case, not zeroed: set_from() writes every field of each finding used,
     * and most of the table is never touched (its pages never faulted in). */
    f = wh_arena_grow_raw(a, NULL, 0, prod->n_components + dev->n_components + 1, sizeof(*f));
    while (i < prod->n_components || j < dev->n_components) {
        int r;

        if (i == prod->n_components)
            r = 1;
        else if (j == dev->n_components)
            r = -1;
        else
            r = strcmp(prod->components[i].key, dev->components[j].key);
        if (r < 0) {
            const struct wh_sbom_component *c = highest(next_group(prod, &i, &ordered));
            set_from(&f[n], WH_DRIFT_PROD_ONLY, c);
            f[n++].prod_version = c->version;
            out->n_prod_only++;
        } else if (r > 0) {
            const struct wh_sbom_component *c = highest(next_group(dev, &j, &ordered));
            set_from(&f[n], WH_DRIFT_DEV_ONLY, c);
            f[n++].dev_version = c->version;
            out->n_dev_only++;
        } else {
            struct group p = next_group(prod, &i, &ordered), d = next_group(dev, &j, &ordered);
            const struct wh_sbom_component *hp, *hd;
            enum wh_drift_size size;

            /* A package installed at several versions is a set: a version only one side has is
             * drift even when others are shared (dev tested 5.7.2 that prod lacks, or prod runs
             * 4.17.20 that dev never had); equal sets are the same. */
            unshared_highest(p, d, &hp, &hd);
            if (hp == NULL && hd == NULL) {
                out->n_same++;
                continue;
            }
            if (hp == NULL || hd == NULL) {
                const struct wh_sbom_component *c = hp != NULL ? hp : hd;
                set_from(&f[n], hp != NULL ? WH_DRIFT_PROD_ONLY : WH_DRIFT_DEV_ONLY, c);
                if (hp != NULL) {
                    f[n++].prod_version = c->version;
                    out->n_prod_only++;
                } else {
                    f[n++].dev_version = c->version;
                    out->n_dev_only++;
                }
                continue;
            }
            /* "1.0" and "1.0.0" spell one version: not drift; "2.1.0+cpu" and "2.1.0+cu121" are
             * one version but two builds: BUILD drift. */
            size = wh_sbom_version_drift(hd->purl_type, hd->version, hp->version);
            if (size == WH_DRIFT_SIZE_NONE) {
                out->n_same++;
                continue;
            }
            set_from(&f[n], WH_DRIFT_VERSION, hd);
            f[n].size = size;
            f[n].dev_version = hd->version;
            f[n++].prod_version = hp->version;
            out->n_version++;
        }
    }
    if (WH_NEVER(!ordered))
        return wh_error_set(err, WH_E_INTERNAL, "SBOM diff: input components are not sorted");
    out->findings = f;
    out->n_findings = n;
    return WH_OK;
}

const char *
wh_sbom_drift_kind_name(enum wh_drift_kind kind)
{
    switch (kind) {
    case WH_DRIFT_DEV_ONLY:
        return "dev-only";
    case WH_DRIFT_PROD_ONLY:
        return "prod-only";
    case WH_DRIFT_VERSION:
        return "version";
    }
    return "unknown";
}

const char *
wh_sbom_drift_size_name(enum wh_drift_size size)
{
    switch (size) {
    case WH_DRIFT_SIZE_NONE:
        return "none";
    case WH_DRIFT_PATCH:
        return "patch";
    case WH_DRIFT_MINOR:
        return "minor";
    case WH_DRIFT_MAJOR:
        return "major";
    case WH_DRIFT_OTHER:
        return "other";
    case WH_DRIFT_BUILD:
        return "build";
    }
    return "unknown";
}
