#ifndef WH_POLICY_SNAPSHOT_H
#define WH_POLICY_SNAPSHOT_H

#include <stdatomic.h>
#include <stdint.h>

#include "base/arena.h"
#include "policy/model.h"

/*
 * The inside of the opaque struct wh_policy, shared by load.c (which builds it) and eval.c
 * (which reads it). Nothing outside webhook/policy/ includes this.
 */
struct wh_policy {
    atomic_uint refs;
    uint64_t generation;
    struct wh_arena arena; /* every model object, and the deferred regex/key releases */
    const char *filename;
    struct wh_policy_defaults defaults;
    struct wh_policy_runtime runtime;
    struct wh_policy_signer *signers;
    size_t n_signers;
    struct wh_policy_image *images;
    size_t n_images;
    struct wh_policy_tiers *tiers;
    size_t n_tiers;
    struct wh_policy_exemption *exemptions;
    size_t n_exemptions;
    struct wh_policy_pin_rule *pins; /* spec.pins, NULL when absent */
    size_t n_pins;
    struct wh_policy_audit_rule *audit; /* spec.audit, NULL when absent */
    size_t n_audit;
    const struct wh_policy_regex *regexes; /* every regex, linked by ->next (for lint) */
};

#endif
