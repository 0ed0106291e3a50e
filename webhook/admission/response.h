#ifndef WH_ADMISSION_RESPONSE_H
#define WH_ADMISSION_RESPONSE_H

#include "base/error.h"
#include "base/str.h"
#include "decision/decision.h"

/*
 * Appends the AdmissionReview v1 response for `d` to `out` (whose cap bounds it):
 * {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":..,
 *  "allowed":..,"status":{"code":403,"reason":"Forbidden","message":..} (denied only),
 *  "warnings":[..] (when any),"auditAnnotations":{..} (when any)}}.
 * Audit annotation keys are written as recorded ("0-digest"): the apiserver itself prefixes
 * "<webhook name>/" and drops a key that then has two '/' or is not a qualified name.
 * `d` is allowed only if d->allowed and it holds no denial. A denial without a recorded reason
 * still carries a message. WH_E_LIMIT when the cap is exceeded; WH_E_INTERNAL for an empty uid
 * or an annotation key the apiserver would reject (a bug in the caller). On error `out` holds
 * partial output: reset it before writing an error body.
 */
WH_MUST_CHECK enum wh_err wh_admission_response_render(const char *uid, const struct wh_decision *d,
                                                       struct wh_buf *out, struct wh_error *err);

/* Appends {"error":"<msg>"}: the HTTP 400 body for a request that could not be decoded. */
void wh_admission_error_render(const char *msg, struct wh_buf *out);

#endif
