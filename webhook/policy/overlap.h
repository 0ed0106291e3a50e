#ifndef WH_POLICY_OVERLAP_H
#define WH_POLICY_OVERLAP_H

#include <stddef.h>

#include "base/arena.h"
#include "policy/policy.h"

/*
 * A lenient image rule after a stricter one whose match globs share a name with its own. Rules
 * match first-wins in file order, so the lenient rule judges every name the stricter one's globs
 * (or its excludes) just miss: another repository beside it, an excluded tag, a spelling the
 * author did not think of. `driftgate policy lint` warns about each.
 *   stricter: mode enforce, and a signature or an attestation (sbom, provenance, vulns) required;
 *   lenient:  mode warn or audit, or neither a signature nor an attestation required.
 * Excludes are not subtracted: a carve-out from a strict rule into a lenient one is exactly what
 * a reviewer should see.
 */
struct wh_policy_overlap {
    const struct wh_policy_image *strict, *lenient;
    const char *strict_glob, *lenient_glob; /* the first pair of match globs that overlap */
    const char *example;                    /* a name both globs match (image/ref.h) */
};

/* Every such pair, ordered by the lenient rule then the stricter one; *out in `a`. Pure: exact
 * glob intersection (wh_image_glob_overlap), O(rules^2 * globs^2 * glob length^2). */
size_t wh_policy_overlaps(const struct wh_policy *p, struct wh_arena *a,
                          struct wh_policy_overlap **out);

/* "L:C: warning: image rule ..." naming both rules with their positions ("FILE:L:C" when `file`
 * is not NULL), why each is what it is, both globs and the example name. Arena string. */
const char *wh_policy_overlap_message(const struct wh_policy_overlap *o, const char *file,
                                      struct wh_arena *a);

#endif
