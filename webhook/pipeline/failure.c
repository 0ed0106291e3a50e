/* Failures set whole (code and text together), and the verification-failure reasons' one table. */
#include "pipeline/failure.h"

#include <stdarg.h>

#include "policy/policy.h"

void
wh_pipeline_fail(struct wh_arena *a, const char **text, enum wh_err *code, enum wh_err c,
                 const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    *text = wh_arena_vsprintf(a, fmt, ap);
    va_end(ap);
    *code = WH_NEVER(c == WH_OK) ? WH_E_INTERNAL : c;
}

static const char *const labels[WH_PIPELINE_REASON_COUNT] = {
    [WH_PIPELINE_REASON_NONE] = NULL,
    [WH_PIPELINE_REASON_INVALID_REFERENCE] = "invalid_reference",
    [WH_PIPELINE_REASON_REGISTRY] = "registry",
    [WH_PIPELINE_REASON_EVIDENCE] = "evidence",
    [WH_PIPELINE_REASON_SIGNATURE_MISSING] = "signature_missing",
    [WH_PIPELINE_REASON_SIGNATURE_INVALID] = "signature_invalid",
    [WH_PIPELINE_REASON_ATTESTATION_MISSING] = "attestation_missing",
    [WH_PIPELINE_REASON_ATTESTATION_INVALID] = "attestation_invalid",
    [WH_PIPELINE_REASON_DEV_EVIDENCE] = "dev_evidence",
};

const char *
wh_pipeline_reason_label(enum wh_pipeline_reason reason)
{
    return (unsigned)reason < WH_PIPELINE_REASON_COUNT ? labels[reason] : NULL;
}

enum wh_pipeline_reason
wh_pipeline_reason_of(const struct wh_image_result *r)
{
    if (r->invalid != NULL)
        return WH_PIPELINE_REASON_INVALID_REFERENCE;
    if (r->error != NULL)
        return wh_policy_on_error_applies(r->error_code) ? WH_PIPELINE_REASON_REGISTRY
                                                         : WH_PIPELINE_REASON_EVIDENCE;
    if (r->rule->signatures.n_signed_by > 0 &&
        r->facts.n_signature_signers < r->rule->signatures.count)
        return r->signature_detail != NULL ? WH_PIPELINE_REASON_SIGNATURE_INVALID
                                           : WH_PIPELINE_REASON_SIGNATURE_MISSING;
    if (r->rule->sbom.required && r->facts.n_attestations == 0)
        return r->verify_detail != NULL ? WH_PIPELINE_REASON_ATTESTATION_INVALID
                                        : WH_PIPELINE_REASON_ATTESTATION_MISSING;
    if (r->dev_error != NULL)
        return wh_policy_on_error_applies(r->dev_error_code) ? WH_PIPELINE_REASON_REGISTRY
                                                             : WH_PIPELINE_REASON_DEV_EVIDENCE;
    return WH_PIPELINE_REASON_NONE;
}
