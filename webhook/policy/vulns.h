#ifndef WH_POLICY_VULNS_H
#define WH_POLICY_VULNS_H

#include <time.h>

#include "base/arena.h"
#include "policy/model.h"
#include "policy/provenance.h"
#include "verify/predicates.h"

/*
 * attestations.vulns: a verified scan by one of the rule's signers, no older than maxAge at `now`,
 * with no finding above maxSeverity (unknown severity counts as critical) unless it has no fix and
 * onlyFixable is set, or an allow-list entry covers it. An allow entry warns from 7 days before it
 * expires and is ignored, with a warning, after. Pure.
 */
void wh_policy_vulns_check(const struct wh_policy_image *rule, const struct wh_predicates *pred,
                           const char *image, const char *detail, time_t now, struct wh_arena *a,
                           struct wh_policy_messages *out);

#endif
