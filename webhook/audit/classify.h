#ifndef WH_AUDIT_CLASSIFY_H
#define WH_AUDIT_CLASSIFY_H

#include "audit/audit.h"
#include "policy/policy.h"

/*
 * Gives every reference that is not pinned or locked its tier: the first rule of the policy's
 * spec.pins (or, when `p` is NULL or has none, the defaults below) whose conditions hold; no
 * rule holding blocks (fail closed). Defaults (ids default[0..3]):
 *   ignore  kinds [local]
 *   warn    kinds [action, workflow], names [actions/ and github/ owners] (GitHub-owned)
 *   warn    stage builder
 *   block   everything else (third-party actions, the final stage's base, images, features)
 * Pinned and locked references get tier ignore and rule NULL. Pure.
 */
void wh_audit_classify(struct wh_audit *au, const struct wh_policy *p);

/* Counts of references needing a decision, per tier (pinned/locked ones are not counted). */
void wh_audit_count(const struct wh_audit *au, size_t *block, size_t *warn, size_t *ignore);

#endif
