#ifndef WH_PIPELINE_FAILURE_H
#define WH_PIPELINE_FAILURE_H

#include "base/arena.h"
#include "base/error.h"
#include "pipeline/types.h"

/*
 * A failure's code and its text, set by one call at the failure site: a text without its code
 * would be judged as WH_OK (neither onError nor the rule's mode would own it), a code without its
 * text tells nobody what failed. And the reasons driftgate_verification_failures_total counts,
 * each with its label in one table (env.c declares every one, image_check.c counts them).
 */

/* *text = the message formatted in `a`, *code = code (WH_OK, a bug, becomes WH_E_INTERNAL). */
void wh_pipeline_fail(struct wh_arena *a, const char **text, enum wh_err *code, enum wh_err c,
                      const char *fmt, ...) WH_PRINTF(5, 6);

enum wh_pipeline_reason {
    WH_PIPELINE_REASON_NONE, /* verified: not counted */
    WH_PIPELINE_REASON_INVALID_REFERENCE,
    WH_PIPELINE_REASON_REGISTRY, /* infrastructure: onError decides */
    WH_PIPELINE_REASON_EVIDENCE, /* what a pusher can write: the rule's mode decides */
    WH_PIPELINE_REASON_SIGNATURE_MISSING,
    WH_PIPELINE_REASON_SIGNATURE_INVALID,
    WH_PIPELINE_REASON_ATTESTATION_MISSING,
    WH_PIPELINE_REASON_ATTESTATION_INVALID,
    WH_PIPELINE_REASON_DEV_EVIDENCE,
    WH_PIPELINE_REASON_COUNT,
};

/* The metric label of `reason` ("registry", ...); NULL for WH_PIPELINE_REASON_NONE. */
const char *wh_pipeline_reason_label(enum wh_pipeline_reason reason);

/* Why `r` (judged under its rule, not exempt) was not verified, by kind. */
enum wh_pipeline_reason wh_pipeline_reason_of(const struct wh_image_result *r);

#endif
