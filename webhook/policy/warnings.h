#ifndef WH_POLICY_WARNINGS_H
#define WH_POLICY_WARNINGS_H

#include <stddef.h>
#include <time.h>

#include "base/arena.h"
#include "policy/policy.h"

/*
 * What `driftgate policy lint` warns about in a policy that loads (issue 18 item 4): things that
 * are valid but almost certainly not what the author meant. Each is decided exactly, never by a
 * guess that could cry wolf:
 *   - an exemption that expired at `now` (it lifts nothing any more);
 *   - an exemption whose globs share no name with an image rule it could act on (scope finding:
 *     a rule whose tier list holds its tier rule; scope image: a rule that requires a signature
 *     or an attestation), so it lifts nothing today;
 *   - an image rule every name of which an earlier rule without excludes takes first (its match
 *     globs each covered by one of the earlier rule's), and a tier rule a list wrote that an
 *     earlier rule of the same effective list matches whenever it does (first match wins, so it
 *     never applies);
 *   - a tier list (not the built-in one) that no image rule uses, directly or through extends.
 * Messages are "FILE:L:C: warning: ..." (no "FILE:" when `file` is NULL), in that order.
 */
size_t wh_policy_warnings(const struct wh_policy *p, time_t now, const char *file,
                          struct wh_arena *a, const char ***out);

#endif
