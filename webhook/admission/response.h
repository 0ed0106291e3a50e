#ifndef WH_ADMISSION_RESPONSE_H
#define WH_ADMISSION_RESPONSE_H

#include "base/error.h"
#include "base/str.h"
#include "decision/decision.h"

/* What one answer may hold, in bytes after JSON escaping (quotes excluded). kubectl prints the
 * message on one line, and an audit annotation is copied into every audit event of the request. */
#define WH_RESPONSE_DENIAL_MAX 1024    /* one denial within status.message */
#define WH_RESPONSE_MESSAGE_MAX 4096   /* status.message; then "; … and N more denials" */
#define WH_RESPONSE_ANNOTATION_MAX 512 /* one audit annotation value */

/*
 * Appends the AdmissionReview v1 response for `d` to `out` (empty; its cap bounds the answer):
 * {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":..,
 *  "allowed":..,"status":{"code":403,"reason":"Forbidden","message":..} (denied only),
 *  "warnings":[..] (when any),"auditAnnotations":{..} (when any)}}.
 * Every text but the uid is cleaned (wh_decision_text_clean: no control characters, valid UTF-8)
 * and cut after escaping, on a character boundary, with "…": each denial to
 * WH_RESPONSE_DENIAL_MAX and the message to WH_RESPONSE_MESSAGE_MAX, each annotation value to
 * WH_RESPONSE_ANNOTATION_MAX; warnings keep to the apiserver's limits (WH_WARNING_MAX characters
 * each, WH_WARNINGS_TOTAL_MAX in all, WH_WARNINGS_COUNT_MAX of them), the last one saying how many
 * more there were. When the answer still exceeds the cap, `out` is reset and holds a short
 * denial saying so (fail closed), and `d` becomes what was sent: not allowed, with that reason
 * recorded as its last denial. Audit annotation keys are written as recorded ("0-digest"): the
 * apiserver itself prefixes "<webhook name>/" and drops a key that then has two '/' or is not a
 * qualified name. `d` is allowed only if d->allowed and it holds no denial. A denial without a
 * recorded reason still carries a message. WH_E_LIMIT when not even the short denial fits (a uid
 * near the cap); WH_E_INTERNAL for an empty uid or an annotation key the apiserver would reject
 * (a bug in the caller). On error `out` holds partial output: reset it before writing an error
 * body.
 */
WH_MUST_CHECK enum wh_err wh_admission_response_render(const char *uid, struct wh_decision *d,
                                                       struct wh_buf *out, struct wh_error *err);

/* Where wh_admission_response_render_span put the audit annotations in `out`: `len` bytes from
 * `at`, the members of the auditAnnotations object without its braces ("0-digest":"sha256:..",...).
 * is_verbatim: every value went out whole and as it was (printable ASCII, within
 * WH_RESPONSE_ANNOTATION_MAX), so those bytes are what wh_buf_append_json_string makes of each key
 * and value joined by ':' and ','; a review log line may copy them instead of writing them again.
 * All zero and false without annotations, or when the answer became the short denial. */
struct wh_admission_annotations_span {
    size_t at, len;
    bool is_verbatim;
};

/* wh_admission_response_render, and where the annotations went (`span`). */
WH_MUST_CHECK enum wh_err
wh_admission_response_render_span(const char *uid, struct wh_decision *d, struct wh_buf *out,
                                  struct wh_admission_annotations_span *span, struct wh_error *err);

/* Appends {"error":"<msg>"}: the HTTP 400 body for a request that could not be decoded. */
void wh_admission_error_render(const char *msg, struct wh_buf *out);

#endif
