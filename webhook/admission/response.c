/* Renders the AdmissionReview response straight into a capped buffer: the shape is small and
 * fixed, and building it with jansson would cost more than the rest of a cached review. */
#include "admission/response.h"

#include <stdlib.h>
#include <string.h>

/* A JSON string must be valid UTF-8 (RFC 8259 §8.1); a message cut mid-character by a fixed-size
 * error buffer is not. Invalid bytes become U+FFFD so the apiserver can always decode us. */
static void
append_text(struct wh_buf *out, const char *text)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t n = strlen(text), i = 0, j = 0, len;
    char *fixed;

    while (i < n && (len = wh_utf8_next(s + i, n - i, NULL)) != 0)
        i += len;
    if (i == n) {
        wh_buf_append_json_string(out, (struct wh_str){text, n});
        return;
    }
    fixed = malloc(n * 3 + 1);
    if (fixed == NULL)
        wh_oom();
    for (i = 0; i < n; i += len) {
        len = wh_utf8_next(s + i, n - i, NULL);
        if (len == 0) {
            /* NOLINTNEXTLINE(bugprone-not-null-terminated-result): bytes; the NUL comes last */
            memcpy(fixed + j, "\xEF\xBF\xBD", 3);
            j += 3;
            len = 1;
        } else {
            memcpy(fixed + j, s + i, len);
            j += len;
        }
    }
    wh_buf_append_json_string(out, (struct wh_str){fixed, j});
    free(fixed);
}

/* Kubernetes qualified-name "name" part (IsQualifiedName): 1-63 characters, alphanumeric at
 * both ends, [-A-Za-z0-9_.] inside. */
static bool
is_qualified_name(const char *s)
{
    size_t i, n = strlen(s);

    if (n == 0 || n > 63)
        return false;
    for (i = 0; i < n; i++) {
        char c = s[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');

        if (!alnum && ((i == 0 || i == n - 1) || !(c == '-' || c == '_' || c == '.')))
            return false;
    }
    return true;
}

static void
append_status(const struct wh_decision *d, struct wh_buf *out)
{
    const char *msg = d->arena != NULL ? wh_decision_message(d) : "";

    if (msg[0] == '\0')
        msg = "denied by driftgate: no reason was recorded";
    wh_buf_printf(out, ",\"status\":{\"code\":%d,\"reason\":", d->code > 0 ? d->code : 403);
    wh_buf_append_json_string(
        out, wh_str_c(d->reason != NULL && d->reason[0] != '\0' ? d->reason : "Forbidden"));
    wh_buf_append_c(out, ",\"message\":");
    append_text(out, msg);
    wh_buf_append_c(out, "}");
}

enum wh_err
wh_admission_response_render(const char *uid, const struct wh_decision *d, struct wh_buf *out,
                             struct wh_error *err)
{
    bool allowed = d->allowed && d->n_denials == 0;
    size_t i;

    if (uid == NULL || uid[0] == '\0')
        return wh_error_set(err, WH_E_INTERNAL, "response: empty uid");
    for (i = 0; i < d->n_annotations; i++)
        if (!is_qualified_name(d->annotations[i].key))
            return wh_error_set(err, WH_E_INTERNAL,
                                "response: audit annotation key \"%.80s\" is not a qualified name",
                                d->annotations[i].key);
    wh_buf_append_c(out, "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\","
                         "\"response\":{\"uid\":");
    append_text(out, uid);
    wh_buf_append_c(out, allowed ? ",\"allowed\":true" : ",\"allowed\":false");
    if (!allowed)
        append_status(d, out);
    if (d->n_warnings > 0) {
        wh_buf_append_c(out, ",\"warnings\":[");
        for (i = 0; i < d->n_warnings; i++) {
            if (i > 0)
                wh_buf_append_c(out, ",");
            append_text(out, d->warnings[i]);
        }
        wh_buf_append_c(out, "]");
    }
    if (d->n_annotations > 0) {
        wh_buf_append_c(out, ",\"auditAnnotations\":{");
        for (i = 0; i < d->n_annotations; i++) {
            if (i > 0)
                wh_buf_append_c(out, ",");
            append_text(out, d->annotations[i].key);
            wh_buf_append_c(out, ":");
            append_text(out, d->annotations[i].value);
        }
        wh_buf_append_c(out, "}");
    }
    wh_buf_append_c(out, "}}");
    return wh_buf_check(out, "AdmissionReview response", err);
}

void
wh_admission_error_render(const char *msg, struct wh_buf *out)
{
    wh_buf_append_c(out, "{\"error\":");
    append_text(out, msg != NULL ? msg : "");
    wh_buf_append_c(out, "}");
}
