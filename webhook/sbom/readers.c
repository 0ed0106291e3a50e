/* What the SBOM readers share (normalize.c for JSON, tagvalue.c for SPDX tag-value). */
#include "sbom/readers.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int
cmp_str(const void *x, const void *y)
{
    return wh_str_cmp(*(const struct wh_str *)x, *(const struct wh_str *)y);
}

static bool
has_prefix_nocase(struct wh_str s, const char *prefix)
{
    size_t n = strlen(prefix);
    return s.len >= n && strncasecmp(s.ptr, prefix, n) == 0;
}

bool
wh_sbom_spdx_is_root(const struct wh_sbom_spdx_ident *pkg, const struct wh_str *ids, size_t n_ids)
{
    if (!pkg->has_id || n_ids == 0 || bsearch(&pkg->id, ids, n_ids, sizeof(*ids), cmp_str) == NULL)
        return false;
    if (!pkg->has_purl || has_prefix_nocase(pkg->purl, "pkg:oci/") ||
        has_prefix_nocase(pkg->purl, "pkg:docker/"))
        return true;
    return pkg->has_purpose &&
           (wh_str_eq_c(pkg->purpose, "CONTAINER") || wh_str_eq_c(pkg->purpose, "FILE"));
}

void
wh_sbom_spdx_ids_sort(struct wh_str *ids, size_t n)
{
    if (n > 1)
        qsort(ids, n, sizeof(*ids), cmp_str);
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

/* Bytes [off, off + 8) of a key as a big-endian number, NUL-padded: orders as strcmp does. */
static uint64_t
key_word(const char *key, size_t len, size_t off)
{
    uint64_t w = 0;
    size_t i;

    for (i = 0; i < 8; i++)
        w = w << 8 | (off + i < len ? (unsigned char)key[off + i] : 0);
    return w;
}

struct sort_item {
    uint64_t k0, k1, k2; /* the key's first 24 bytes */
    const struct wh_sbom_component *c;
};

static int
cmp_sort_item(const void *x, const void *y)
{
    const struct sort_item *a = x, *b = y;

    if (a->k0 != b->k0)
        return a->k0 < b->k0 ? -1 : 1;
    if (a->k1 != b->k1)
        return a->k1 < b->k1 ? -1 : 1;
    if (a->k2 != b->k2)
        return a->k2 < b->k2 ? -1 : 1;
    return cmp_component(a->c, b->c);
}

/*
 * Most keys differ in their first 24 bytes
 * ("golang/github.com/" alone is 18), so comparing those as integers first spares most of the
 * strcmp calls through pointers, which were a quarter of the parse time.
 */
struct wh_sbom_component *
wh_sbom_components_sort(const struct wh_sbom_component *v, size_t n, struct wh_arena *a)
{
    struct sort_item *items = malloc(n * sizeof(*items));
    struct wh_sbom_component *sorted;
    size_t i;

    if (items == NULL || n > SIZE_MAX / sizeof(*items))
        wh_oom();
    for (i = 0; i < n; i++) {
        size_t len = strlen(v[i].key);
        items[i] = (struct sort_item){key_word(v[i].key, len, 0), key_word(v[i].key, len, 8),
                                      key_word(v[i].key, len, 16), &v[i]};
    }
    qsort(items, n, sizeof(*items), cmp_sort_item);
    sorted = wh_arena_calloc(a, n, sizeof(*sorted));
    for (i = 0; i < n; i++)
        sorted[i] = *items[i].c;
    free(items);
    return sorted;
}
