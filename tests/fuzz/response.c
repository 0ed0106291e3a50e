/*
 * AdmissionReview response render on hostile text: the input is split at 0xFE bytes into the
 * texts of denials, warnings and audit annotation values (invalid UTF-8, control characters,
 * quotes and backslashes included), with a subject and a response cap taken from the first bytes.
 * Whatever they hold, the render succeeds (or, for a cap too small even for the short denial,
 * is WH_E_LIMIT) and the answer is valid JSON within the cap that the apiserver takes whole:
 * warnings at most 16, each at most 256 bytes and 4096 in all, free of control characters and
 * distinct; the message within 4096 bytes escaped and free of control characters; each
 * annotation value within 512 bytes escaped; allowed only when the decision allowed.
 */
#include "fuzz/fuzz.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "admission/response.h"

/* JSON-escaped size as the renderer counts it (no control characters left to escape). */
static size_t
escaped_len(const char *s)
{
    size_t n = 0;

    for (; *s != '\0'; s++)
        n += (*s == '"' || *s == '\\') ? 2 : 1;
    return n;
}

/* No C0, DEL or C1 (U+0080-U+009F, "\xC2\x80"-"\xC2\x9F" in valid UTF-8, which jansson ensured). */
static bool
has_control(const char *s)
{
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7F ||
            (c == 0xC2 && (unsigned char)s[1] >= 0x80 && (unsigned char)s[1] <= 0x9F))
            return true;
    }
    return false;
}

static void
check(json_t *root, size_t cap, size_t len, bool allowed)
{
    json_t *r = json_object_get(root, "response"), *w = json_object_get(r, "warnings");
    json_t *ann = json_object_get(r, "auditAnnotations"), *v;
    const char *msg = json_string_value(json_object_get(json_object_get(r, "status"), "message"));
    const char *key;
    size_t i, j, total = 0;

    WH_ASSERT(len <= cap);
    /* Allowed only if the decision was; a denial (the short one too) always has a message. */
    WH_ASSERT(json_is_true(json_object_get(r, "allowed")) ? allowed : msg != NULL);
    if (msg != NULL)
        WH_ASSERT(escaped_len(msg) <= WH_RESPONSE_MESSAGE_MAX && !has_control(msg));
    WH_ASSERT(json_array_size(w) <= WH_WARNINGS_COUNT_MAX);
    for (i = 0; i < json_array_size(w); i++) {
        const char *t = json_string_value(json_array_get(w, i));
        WH_ASSERT(t != NULL && strlen(t) <= WH_WARNING_MAX && !has_control(t) && t[0] != '\0');
        total += strlen(t);
        for (j = 0; j < i; j++)
            WH_ASSERT(strcmp(t, json_string_value(json_array_get(w, j))) != 0);
    }
    WH_ASSERT(total <= WH_WARNINGS_TOTAL_MAX);
    json_object_foreach(ann, key, v)
    {
        WH_ASSERT(json_is_string(v) &&
                  escaped_len(json_string_value(v)) <= WH_RESPONSE_ANNOTATION_MAX);
        WH_ASSERT(!has_control(json_string_value(v)));
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wh_arena a;
    struct wh_decision d;
    struct wh_buf b;
    struct wh_error err;
    json_error_t jerr;
    json_t *j;
    size_t i, start, piece = 0, cap;
    bool allowed;
    enum wh_err rc;

    if (size < 3)
        return 0;
    cap = 512 + (size_t)data[0] * 64; /* 512 B .. 16.8 KiB: the short denial and overflow */
    wh_arena_init(&a);
    wh_decision_init(&d, &a);
    if (data[1] & 1)
        wh_decision_subject_set(&d, "Deployment", "ns", "app");
    /* Pieces: 3 kinds in turn (denial, warning, annotation), more warnings than the rest. */
    for (i = start = 2; i <= size; i++) {
        char *text, key[32];
        if (i < size && data[i] != 0xFE)
            continue;
        text = wh_arena_strndup(&a, (const char *)data + start, i - start);
        switch ((piece + data[1] / 2) % 4) {
        case 0:
            wh_decision_deny(&d, "%s", text);
            break;
        case 3:
            snprintf(key, sizeof(key), "%zu-drift", piece);
            wh_decision_annotate(&d, key, "%s", text);
            break;
        default:
            wh_decision_warn(&d, "%s", text);
            break;
        }
        piece++;
        start = i + 1;
    }
    if (d.n_denials == 0 && (data[1] & 2))
        wh_decision_allow(&d);
    allowed = d.allowed;
    wh_buf_init(&b, cap);
    rc = wh_admission_response_render("uid-1", &d, &b, &err);
    WH_ASSERT(rc == WH_OK || (rc == WH_E_LIMIT && cap < 1024));
    if (rc == WH_OK) {
        j = json_loadb(b.ptr, b.len, JSON_REJECT_DUPLICATES, &jerr);
        WH_ASSERT(j != NULL);
        check(j, cap, b.len, allowed);
        json_decref(j);
    }
    wh_buf_fini(&b);
    wh_arena_fini(&a);
    return 0;
}
