#ifndef WH_DECISION_DECISION_H
#define WH_DECISION_DECISION_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"

/*
 * The answer to one AdmissionReview. It starts as a denial with no reason; only policy/eval.c
 * calls wh_decision_allow(). Text is copied into the decision's arena. Transparent: the renderer
 * reads the fields directly.
 */
#define WH_WARNING_MAX 256 /* kubectl prints each; the apiserver truncates longer ones */

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
    char **denials;     /* each names image, JSON path, digest, rule and the fix */
    size_t n_denials;
    char **warnings; /* each at most WH_WARNING_MAX bytes */
    size_t n_warnings;
    struct wh_annotation *annotations;
    size_t n_annotations;
    struct wh_arena *arena;
};

void wh_decision_init(struct wh_decision *d, struct wh_arena *a);
/* Only policy/eval.c calls this, and only when no denial was recorded. */
void wh_decision_allow(struct wh_decision *d);
void wh_decision_deny(struct wh_decision *d, const char *fmt, ...) WH_PRINTF(2, 3);
/* Truncates to WH_WARNING_MAX bytes on a UTF-8 boundary, ending in "..." when cut.
 * An identical warning is recorded once. */
void wh_decision_warn(struct wh_decision *d, const char *fmt, ...) WH_PRINTF(2, 3);
/* Sets (or replaces) an audit annotation; the apiserver prefixes keys with the webhook name. */
void wh_decision_annotate(struct wh_decision *d, const char *key, const char *fmt, ...)
    WH_PRINTF(3, 4);
/* All denials joined with "; " into one status message (arena). "" when none. */
const char *wh_decision_message(const struct wh_decision *d);

#endif
