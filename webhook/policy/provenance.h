#ifndef WH_POLICY_PROVENANCE_H
#define WH_POLICY_PROVENANCE_H

#include <stddef.h>
#include <time.h>

#include "base/arena.h"
#include "policy/model.h"
#include "policy/policy.h"
#include "verify/predicates.h"

/*
 * The provenance, vulnerability and agent-provenance rules of one image rule, as pure functions
 * of the parsed predicates (verify/predicates.h): each appends the texts of its denials and
 * warnings to a wh_policy_messages, which eval.c routes through the rule's mode.
 */
#define WH_POLICY_MESSAGES_MAX 8 /* per check; the last one summarises the rest */

struct wh_policy_messages {
    const char *deny[WH_POLICY_MESSAGES_MAX];
    size_t n_deny;
    size_t n_deny_total; /* including the ones summarised */
    const char *warn[WH_POLICY_MESSAGES_MAX];
    size_t n_warn;
};

/* Appends; past WH_POLICY_MESSAGES_MAX the last slot says "and N more". */
void wh_policy_messages_deny(struct wh_policy_messages *m, const char *text, struct wh_arena *a);
void wh_policy_messages_warn(struct wh_policy_messages *m, const char *text, struct wh_arena *a);

/*
 * attestations.provenance: a verified SLSA provenance by one of the rule's signers whose builder
 * id, build type, source repository and ref, and listed dependency digests are those the rule
 * names. Each mismatch is a denial naming the predicate field ("runDetails.builder.id is ...").
 * `detail` (why a present attestation did not verify) is quoted when none was found.
 */
void wh_policy_provenance_check(const struct wh_policy_image *rule,
                                const struct wh_predicates *pred, const char *image,
                                const char *detail, struct wh_arena *a,
                                struct wh_policy_messages *out);

/*
 * Agent provenance: a non-empty agent_commits list on the image or its dev image is a banner
 * warning naming the commits ("agent-authored: dev image commits 0123abc (install graphviz),
 * ..."). NULL when neither has one.
 */
const char *wh_policy_agent_banner(const struct wh_predicates *prod,
                                   const struct wh_predicates *dev, struct wh_arena *a);

/* One image's part of the banner as a warning that fits kubectl's 256 characters: the commit
 * list of the production (is_dev false) or the dev image; NULL without agent commits. */
const char *wh_policy_agent_warning(const struct wh_predicates *p, bool is_dev, struct wh_arena *a);

/* True when the rule's agent.raiseDrift applies: either image has non-empty agent commits. */
bool wh_policy_agent_raises(const struct wh_policy_image *rule, const struct wh_predicates *prod,
                            const struct wh_predicates *dev);
/* Moves every finding not lifted by an exemption up one tier (ignore → warn → block) and marks
 * its rule "<rule>+agent". */
void wh_policy_agent_raise(struct wh_tiered_finding *t, size_t n, struct wh_arena *a);

#endif
