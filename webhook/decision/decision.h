#ifndef WH_DECISION_DECISION_H
#define WH_DECISION_DECISION_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/str.h"

/*
 * The answer to one AdmissionReview. It starts as a denial with no reason; only policy/eval.c
 * calls wh_decision_allow(). Text is copied into the decision's arena. Transparent: the renderer
 * reads the fields directly.
 *
 * Warnings are shown by kubectl as `Warning: <text>`, one line each, after the apiserver has
 * passed them through its warning recorder (k8s.io/apiserver pkg/endpoints/filters/warning.go,
 * with net.NewWarningHeader from k8s.io/apimachinery pkg/util/net/http.go):
 *  - a warning holding a control character (Go's unicode.IsControl: C0, DEL, C1) or invalid
 *    UTF-8 is silently dropped;
 *  - once all warnings of one request pass truncateAtTotalRunes (4096 characters) every warning
 *    is cut to truncateItemRunes (256 characters) and later ones are dropped;
 *  - identical texts are recorded once, and kubectl drops identical warnings within one command
 *    (two Deployments of one `kubectl apply`), so each text names its object and JSON path.
 * driftgate counts bytes, which are never fewer than characters, so its warnings stay within
 * those limits by any measure.
 */
#define WH_WARNING_MAX 256         /* bytes of one warning: truncateItemRunes */
#define WH_WARNINGS_TOTAL_MAX 4096 /* bytes of all warnings of a response: truncateAtTotalRunes */
#define WH_WARNINGS_COUNT_MAX 16 /* warnings per response: 4096 / 256, the last "… and N more" */
#define WH_SUBJECT_MAX 96        /* bytes of "Deployment ns/name" that open a warning */

struct wh_annotation {
    /* A qualified name without a prefix ("0-digest"): the apiserver prefixes it with the
     * webhook's name ("images.driftgate.dev/0-digest") and drops keys that already have one. */
    const char *key;
    const char *value;
};

struct wh_decision {
    bool allowed;
    int code;           /* HTTP status for a denial: 403 */
    const char *reason; /* metav1 StatusReason for a denial: "Forbidden" */
    char **denials;     /* each names image, JSON path, digest, image rule and the fix; uncut */
    size_t n_denials;
    char **warnings; /* each "<subject>: <text>", clean and at most WH_WARNING_MAX bytes */
    size_t n_warnings;
    struct wh_annotation *annotations;
    size_t n_annotations;
    const char *subject; /* "Deployment default/app" (wh_decision_subject_set), or NULL */
    struct wh_arena *arena;
};

void wh_decision_init(struct wh_decision *d, struct wh_arena *a);
/* Only policy/eval.c calls this, and only when no denial was recorded. */
void wh_decision_allow(struct wh_decision *d);
void wh_decision_deny(struct wh_decision *d, const char *fmt, ...) WH_PRINTF(2, 3);
/*
 * Names the reviewed object ("Deployment default/app-a"; "Pod" alone when it has no name yet) in
 * every warning recorded after this call, so warnings about two objects never read the same.
 * Empty `kind` clears it. The text is cleaned and cut to WH_SUBJECT_MAX bytes.
 */
void wh_decision_subject_set(struct wh_decision *d, const char *kind, const char *namespace_,
                             const char *name);
/* Records "<subject>: <text>" cleaned and cut to WH_WARNING_MAX bytes (wh_decision_text_clip).
 * An identical warning is recorded once. */
void wh_decision_warn(struct wh_decision *d, const char *fmt, ...) WH_PRINTF(2, 3);
/* Sets (or replaces) an audit annotation; the apiserver prefixes keys with the webhook name. */
void wh_decision_annotate(struct wh_decision *d, const char *key, const char *fmt, ...)
    WH_PRINTF(3, 4);

/*
 * Appends `text` made fit for a reader and for the apiserver: every byte that is not valid UTF-8
 * and every control character (C0, DEL and C1, which make the apiserver drop a warning and
 * would reach a terminal raw through kubectl) becomes U+FFFD, and the result is cut on a character
 * boundary to at most `max_bytes` bytes, ending in "…" when it was cut (nothing when max_bytes
 * < 3). Returns the bytes appended.
 */
size_t wh_decision_text_clean(struct wh_buf *out, struct wh_str text, size_t max_bytes);
/* The same into `a`: `text` itself when it is already clean and short enough. For quoting
 * untrusted values (package names, versions, registry errors) inside a message. */
const char *wh_decision_text_clip(struct wh_arena *a, const char *text, size_t max_bytes);

#endif
