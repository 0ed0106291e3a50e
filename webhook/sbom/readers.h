#ifndef WH_SBOM_READERS_H
#define WH_SBOM_READERS_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/str.h"
#include "sbom/sbom.h"

/* What the SBOM readers share: normalize.c (CycloneDX and SPDX JSON) and tagvalue.c (SPDX
 * tag-value) must judge document roots and order components exactly alike. */

/* The fields of an SPDX package that say whether it is the document's own subject. */
struct wh_sbom_spdx_ident {
    struct wh_str id, purl, purpose;
    bool has_id, has_purl, has_purpose;
};

/* Sorts the SPDXIDs a document DESCRIBES, as wh_sbom_spdx_is_root needs them. */
void wh_sbom_spdx_ids_sort(struct wh_str *ids, size_t n);

/*
 * A described package (its SPDXID in the sorted `ids`) is the scanned source, not content, when
 * it has no purl, an image purl (pkg:oci/, pkg:docker/), or purpose CONTAINER/FILE; a document
 * that DESCRIBES ordinary packages keeps them.
 */
bool wh_sbom_spdx_is_root(const struct wh_sbom_spdx_ident *pkg, const struct wh_str *ids,
                          size_t n_ids);

/* Sorts v[0..n) in place into the normalised order: key, version, name, purl type (bytewise);
 * stable. Its work tables come from `a`. */
void wh_sbom_components_sort(struct wh_sbom_component *v, size_t n, struct wh_arena *a);

#endif
