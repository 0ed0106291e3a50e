/* Renders the AdmissionReview response straight into a capped buffer: the shape is small and
 * fixed, and building it with jansson would cost more than the rest of a cached review. */
#include "admission/response.h"

#include <stdint.h>
#include <stdio.h>
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

    /* ASCII (a uid, an annotation key) is UTF-8 as it is: one compare a byte. */
    while (i < n && s[i] < 0x80)
        i++;
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

/* Scratch space of one render: a cleaned text, and one escaped piece being measured; whether the
 * last append_escaped() wrote its text as it was (printable ASCII, uncut). */
struct scratch {
    struct wh_buf clean, piece;
    bool was_plain;
};

#define ELLIPSIS "\xE2\x80\xA6"
#define MORE_RESERVE 64 /* bytes for "; … and <N> more denials" */

/* Appends `s` (n bytes) with a backslash before each '"' and '\\' (the only bytes of a plain
 * text, is_plain_fit(), that wh_str_json_plain_end() stops at). */
static void
append_quoted(struct wh_buf *out, const unsigned char *s, size_t n)
{
    struct wh_str text = {(const char *)s, n};
    size_t i = 0, run = 0;

    while ((i = wh_str_json_plain_end(text, i)) < n) {
        if (s[i] != '"' && s[i] != '\\') { /* not plain: never here from is_plain_fit() */
            i++;
            continue;
        }
        wh_buf_append(out, s + run, i - run);
        wh_buf_append(out, "\\", 1);
        run = i++; /* the quote or backslash itself goes out with the next run */
    }
    wh_buf_append(out, s + run, n - run);
}

/* True when `text` is printable ASCII (what wh_decision_text_clean leaves as it is) that fits
 * `max_bytes` and, escaped, `max_escaped`: nearly every annotation, warning and denial. */
static bool
is_plain_fit(struct wh_str text, size_t max_bytes, size_t max_escaped, bool *has_quotes)
{
    const unsigned char *s = (const unsigned char *)text.ptr;
    size_t i = 0, escaped = text.len;

    if (text.len > max_bytes || max_bytes < 3)
        return false;
    while ((i = wh_str_json_plain_end(text, i)) < text.len) {
        if (s[i] != '"' && s[i] != '\\')
            return false; /* a control character, DEL or a byte >= 0x80 */
        escaped++;
        i++;
    }
    *has_quotes = escaped > text.len;
    return escaped <= max_escaped;
}

/*
 * Appends `text` cleaned (wh_decision_text_clean) and cut to `max_bytes`, JSON-escaped without
 * quotes and cut again so the escaped bytes stay within `max_escaped` (a text of quotes or
 * backslashes doubles in size), on a character boundary, ending in "…" when cut. Returns the
 * bytes of text written (before escaping).
 */
static size_t
append_escaped(struct wh_buf *out, struct scratch *sc, struct wh_str text, size_t max_bytes,
               size_t max_escaped)
{
    const unsigned char *s;
    size_t i, len, escaped = 0, fit = 0;
    bool has_quotes;

    sc->was_plain = false;
    if (text.len > 0 && is_plain_fit(text, max_bytes, max_escaped, &has_quotes)) {
        /* Clean already and uncut: no scratch copy, no character walk, and without a quote or
         * backslash no second scan. */
        if (has_quotes)
            append_quoted(out, (const unsigned char *)text.ptr, text.len);
        else
            wh_buf_append(out, text.ptr, text.len);
        sc->was_plain = true;
        return text.len;
    }
    wh_buf_reset(&sc->clean);
    wh_decision_text_clean(&sc->clean, text, max_bytes);
    if (sc->clean.len == 0)
        return 0;
    s = (const unsigned char *)sc->clean.ptr;
    /* Clean text has no control characters: only '"' and '\\' grow (to two bytes). */
    for (i = 0; i < sc->clean.len; i += len) {
        len = wh_utf8_next(s + i, sc->clean.len - i, NULL);
        WH_ASSERT(len > 0); /* cleaned: valid UTF-8 */
        escaped += (s[i] == '"' || s[i] == '\\') ? 2 : len;
        if (escaped + 3 <= max_escaped)
            fit = i + len; /* the longest prefix that still leaves room for "…" */
    }
    if (escaped <= max_escaped)
        fit = sc->clean.len;
    append_quoted(out, s, fit);
    if (fit == sc->clean.len)
        return fit;
    wh_buf_append(out, ELLIPSIS, 3);
    return fit + 3;
}

/* status.message: the denials joined with "; ", each within WH_RESPONSE_DENIAL_MAX, all within
 * WH_RESPONSE_MESSAGE_MAX; those that do not fit are counted in a last "… and N more denials". */
static void
append_message(struct wh_buf *out, const struct wh_decision *d, struct scratch *sc)
{
    size_t i, used = 0;

    wh_buf_append_c(out, "\"");
    if (d->n_denials == 0)
        append_escaped(out, sc, WH_STR("denied by driftgate: no reason was recorded"), SIZE_MAX,
                       WH_RESPONSE_MESSAGE_MAX);
    for (i = 0; i < d->n_denials; i++) {
        size_t sep = i > 0 ? 2 : 0, reserve = i + 1 < d->n_denials ? MORE_RESERVE : 0;
        struct wh_buf *piece = &sc->piece;

        wh_buf_reset(piece);
        append_escaped(piece, sc, wh_str_c(d->denials[i]), SIZE_MAX, WH_RESPONSE_DENIAL_MAX);
        if (used + sep + piece->len + reserve > WH_RESPONSE_MESSAGE_MAX)
            break;
        if (sep > 0)
            wh_buf_append_c(out, "; ");
        wh_buf_append(out, piece->ptr, piece->len);
        used += sep + piece->len;
    }
    if (i < d->n_denials)
        wh_buf_printf(out, "; " ELLIPSIS " and %zu more denial%s", d->n_denials - i,
                      d->n_denials - i == 1 ? "" : "s");
    wh_buf_append_c(out, "\"");
}

static void
append_status(const struct wh_decision *d, struct wh_buf *out, struct scratch *sc)
{
    wh_buf_printf(out, ",\"status\":{\"code\":%d,\"reason\":", d->code > 0 ? d->code : 403);
    wh_buf_append_json_string(
        out, wh_str_c(d->reason != NULL && d->reason[0] != '\0' ? d->reason : "Forbidden"));
    wh_buf_append_c(out, ",\"message\":");
    append_message(out, d, sc);
    wh_buf_append_c(out, "}");
}

/* Bytes of a warning once cleaned and cut to WH_WARNING_MAX. */
static size_t
warning_bytes(const char *text, struct scratch *sc)
{
    wh_buf_reset(&sc->clean);
    return wh_decision_text_clean(&sc->clean, wh_str_c(text), WH_WARNING_MAX);
}

static bool
is_shown_before(const struct wh_decision *d, size_t i, const bool *shown)
{
    for (size_t j = 0; j < i; j++)
        if (shown[j] && strcmp(d->warnings[j], d->warnings[i]) == 0)
            return true;
    return false;
}

/*
 * "warnings": within the apiserver's limits (decision.h): WH_WARNING_MAX bytes each, and when
 * all of them would pass WH_WARNINGS_COUNT_MAX or WH_WARNINGS_TOTAL_MAX bytes, the
 * first ones that fit and a last "<subject>: … and N more warnings" in their place.
 */
static void
append_warnings(struct wh_buf *out, const struct wh_decision *d, struct scratch *sc)
{
    size_t i, total = 0, used = 0, n_shown = 0, reserve;
    bool all_fit, shown[WH_WARNINGS_COUNT_MAX];
    const char *more;

    if (d->n_warnings == 0)
        return;
    for (i = 0; i < d->n_warnings && total <= WH_WARNINGS_TOTAL_MAX; i++)
        total += warning_bytes(d->warnings[i], sc);
    all_fit = d->n_warnings <= WH_WARNINGS_COUNT_MAX && total <= WH_WARNINGS_TOTAL_MAX;
    more = d->subject != NULL ? d->subject : "driftgate";
    /* The last line's length with the widest count it could carry. */
    reserve = wh_str_c(more).len + sizeof(": " ELLIPSIS " and 18446744073709551615 more warnings");
    wh_buf_append_c(out, ",\"warnings\":[");
    for (i = 0; i < d->n_warnings && i < WH_WARNINGS_COUNT_MAX; i++) {
        size_t c;

        shown[i] = false;
        if (is_shown_before(d, i, shown))
            continue;
        c = warning_bytes(d->warnings[i], sc);
        if (c == 0)
            continue; /* the apiserver ignores an empty warning */
        if (!all_fit &&
            (n_shown + 1 >= WH_WARNINGS_COUNT_MAX || used + c + reserve > WH_WARNINGS_TOTAL_MAX))
            break;
        wh_buf_append_c(out, n_shown > 0 ? ",\"" : "\"");
        used += append_escaped(out, sc, wh_str_c(d->warnings[i]), WH_WARNING_MAX, SIZE_MAX);
        wh_buf_append_c(out, "\"");
        shown[i] = true;
        n_shown++;
    }
    if (i < d->n_warnings) {
        wh_buf_append_c(out, n_shown > 0 ? ",\"" : "\"");
        wh_buf_reset(&sc->piece);
        wh_buf_printf(&sc->piece, "%s: " ELLIPSIS " and %zu more warning%s", more,
                      d->n_warnings - i, d->n_warnings - i == 1 ? "" : "s");
        append_escaped(out, sc, (struct wh_str){sc->piece.ptr, sc->piece.len}, WH_WARNING_MAX,
                       SIZE_MAX);
        wh_buf_append_c(out, "\"");
    }
    wh_buf_append_c(out, "]");
}

static void
append_annotations(struct wh_buf *out, const struct wh_decision *d, struct scratch *sc,
                   struct wh_admission_annotations_span *span)
{
    size_t i;
    bool is_verbatim = true;

    if (d->n_annotations == 0)
        return;
    wh_buf_append_c(out, ",\"auditAnnotations\":{");
    span->at = out->len;
    for (i = 0; i < d->n_annotations; i++) {
        const char *key = d->annotations[i].key;

        /* A qualified name (the caller checked every key): letters, digits, '-', '_' and '.',
         * nothing to escape, nothing to repair. */
        wh_buf_append(out, i > 0 ? ",\"" : "\"", i > 0 ? 2 : 1);
        wh_buf_append(out, key, strlen(key));
        wh_buf_append(out, "\":\"", 3);
        append_escaped(out, sc, wh_str_c(d->annotations[i].value), SIZE_MAX,
                       WH_RESPONSE_ANNOTATION_MAX);
        is_verbatim = is_verbatim && sc->was_plain;
        wh_buf_append(out, "\"", 1);
    }
    span->len = out->len - span->at;
    span->is_verbatim = is_verbatim && !out->overflow;
    wh_buf_append_c(out, "}");
}

static void
append_head(struct wh_buf *out, const char *uid, bool allowed)
{
    wh_buf_append_c(out, "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\","
                         "\"response\":{\"uid\":");
    append_text(out, uid);
    wh_buf_append_c(out, allowed ? ",\"allowed\":true" : ",\"allowed\":false");
}

/* The answer when the full one exceeds the cap: a denial saying so, and its first reason. */
static void
append_short_denial(struct wh_buf *out, const char *uid, const char *why,
                    const struct wh_decision *d, struct scratch *sc)
{
    append_head(out, uid, false);
    wh_buf_append_c(out, ",\"status\":{\"code\":403,\"reason\":\"Forbidden\",\"message\":\"");
    append_escaped(out, sc, wh_str_c(why), SIZE_MAX, WH_RESPONSE_DENIAL_MAX);
    if (d->n_denials > 0) {
        wh_buf_append_c(out, "; the first denial: ");
        append_escaped(out, sc, wh_str_c(d->denials[0]), SIZE_MAX, 256);
    }
    wh_buf_append_c(out, "\"}}}");
}

enum wh_err
wh_admission_response_render(const char *uid, struct wh_decision *d, struct wh_buf *out,
                             struct wh_error *err)
{
    struct wh_admission_annotations_span span;

    return wh_admission_response_render_span(uid, d, out, &span, err);
}

enum wh_err
wh_admission_response_render_span(const char *uid, struct wh_decision *d, struct wh_buf *out,
                                  struct wh_admission_annotations_span *span, struct wh_error *err)
{
    bool allowed = d->allowed && d->n_denials == 0;
    struct scratch sc;
    size_t i;

    *span = (struct wh_admission_annotations_span){0, 0, false};

    if (uid == NULL || uid[0] == '\0')
        return wh_error_set(err, WH_E_INTERNAL, "response: empty uid");
    for (i = 0; i < d->n_annotations; i++)
        if (!is_qualified_name(d->annotations[i].key))
            return wh_error_set(err, WH_E_INTERNAL,
                                "response: audit annotation key \"%.80s\" is not a qualified name",
                                d->annotations[i].key);
    wh_buf_init(&sc.clean, SIZE_MAX);
    wh_buf_init(&sc.piece, SIZE_MAX);
    append_head(out, uid, allowed);
    if (!allowed)
        append_status(d, out, &sc);
    append_warnings(out, d, &sc);
    append_annotations(out, d, &sc, span);
    wh_buf_append_c(out, "}}");
    if (out->overflow) {
        *span = (struct wh_admission_annotations_span){0, 0, false};
        /* Fail closed: an answer the apiserver would never get must not become an HTTP error
         * (failurePolicy) because of what an attacker wrote into an SBOM or an object. */
        char why[256];

        snprintf(why, sizeof(why),
                 "driftgate: the answer (%zu denials, %zu warnings, %zu audit annotations) "
                 "exceeds limits.responseBytes (%zu bytes), so the request is denied",
                 d->n_denials, d->n_warnings, d->n_annotations, out->cap);
        wh_buf_reset(out);
        append_short_denial(out, uid, why, d, &sc);
        if (d->arena != NULL)
            wh_decision_deny(d, "%s", why); /* the decision now says what was sent */
        d->allowed = false;
    }
    wh_buf_fini(&sc.clean);
    wh_buf_fini(&sc.piece);
    return wh_buf_check(out, "AdmissionReview response", err);
}

void
wh_admission_error_render(const char *msg, struct wh_buf *out)
{
    wh_buf_append_c(out, "{\"error\":");
    append_text(out, msg != NULL ? msg : "");
    wh_buf_append_c(out, "}");
}
