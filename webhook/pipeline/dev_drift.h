#ifndef WH_PIPELINE_DEV_DRIFT_H
#define WH_PIPELINE_DEV_DRIFT_H

#include "admission/request.h"
#include "image/ref.h"
#include "pipeline/types.h"
#include "policy/model.h"

/* The dev image's fetches (wh_pipeline_dev_drift_fetch). */
struct wh_pipeline_dev_ahead {
    const char *dev_image;     /* the dev image named */
    const char *prod_platform; /* the platform it was selected for (NULL: the pod's) */
    bool is_parsed;            /* else parse_err says why not */
    struct wh_error parse_err;
    struct wh_image_ref ref;
    const char *digest; /* NULL: resolving failed (error, code) */
    const char *error;
    enum wh_err code;
    struct wh_pipeline_selection sel; /* its facts (when digest) */
};

/*
 * Step 7 (DESIGN §1) for one production image `image` (parsed: `ref`) judged with facts `prod`
 * on platform `prod_platform` (a normalised name, or NULL): names its dev image (the caller's
 * `trusted` choice when not NULL, the attested one, or the rule's template with the admitted tag,
 * which must name the digest when both are given), resolves it, verifies its SBOM attestation
 * with the same rule's signers and diffs the two SBOMs into out->diff. A multi-arch dev image is
 * judged on the production image's platform (else the pod's). Sets out->dev_image,
 * out->dev_digest, out->dev_predicates; every failure lands in out->dev_error with its code (a
 * dev tag re-pointed at an image without a verified SBOM is missing evidence, not an error
 * onError may wave through). `ahead`: the dev image's fetches made already, or NULL. Never
 * fails.
 */
void wh_pipeline_dev_drift_check(const struct wh_image_check_ctx *ctx,
                                 const struct wh_policy_image *rule, const struct wh_image_ref *ref,
                                 const char *image, const char *trusted,
                                 const struct wh_pipeline_facts *prod,
                                 const struct wh_admission_platforms *platforms,
                                 const char *prod_platform,
                                 const struct wh_pipeline_dev_ahead *ahead,
                                 struct wh_image_result *out);

/*
 * The dev image `rule` diffs the production image `ref` against, when no production fact
 * decides it: the caller's `trusted` choice, or the rule's template (filled with the tag when the
 * reference names no digest). NULL when it comes from an attestation, when the tag must first be
 * bound to the digest, or when there is none (wh_pipeline_dev_drift_check says why, if at all).
 */
const char *wh_pipeline_dev_drift_known(const struct wh_image_check_ctx *ctx,
                                        const struct wh_policy_image *rule,
                                        const struct wh_image_ref *ref, const char *trusted);

/*
 * Dev image `dev_image` parsed, resolved and its facts selected (on `prod_platform` when it is
 * multi-arch, else the pod's platforms): what wh_pipeline_dev_drift_check judges. image_check.c
 * runs it beside the production image's facts (issue 15 item 2) and hands it over as `ahead`;
 * wh_pipeline_dev_drift_check uses it only for the same dev image and platform, and fetches
 * itself otherwise. Never fails: failures are in the result. Lives in ctx's arena.
 */
void wh_pipeline_dev_drift_fetch(const struct wh_image_check_ctx *ctx,
                                 const struct wh_policy_image *rule, const char *dev_image,
                                 const struct wh_admission_platforms *platforms,
                                 const char *prod_platform, struct wh_pipeline_dev_ahead *out);

#endif
