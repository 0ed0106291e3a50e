#include "admission/response.h"

#include <jansson.h>

#include "unit/harness.h"

/* Renders `d` and parses the result back with jansson (strictly: one value, no duplicates). */
static json_t *
render(const char *uid, struct wh_decision *d)
{
    struct wh_buf b;
    struct wh_error err = {0};
    json_error_t jerr;
    json_t *j = NULL;

    wh_buf_init(&b, 1u << 20);
    if (wh_admission_response_render(uid, d, &b, &err) != WH_OK)
        printf("# render: %s\n", err.msg);
    else if ((j = json_loadb(b.ptr, b.len, JSON_REJECT_DUPLICATES, &jerr)) == NULL)
        printf("# not JSON: %s: %s\n", jerr.text, b.ptr);
    wh_buf_fini(&b);
    return j;
}

static const char *
str_at(json_t *root, const char *path)
{
    json_t *v = json_object_get(root, "response");
    char key[64];
    const char *p = path;

    while (v != NULL && *p != '\0') {
        size_t n = strcspn(p, ".");
        snprintf(key, sizeof(key), "%.*s", (int)n, p);
        v = json_object_get(v, key);
        p += n + (p[n] == '.');
    }
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static void
test_denial_has_code_reason_message_and_uid(void)
{
    struct wh_arena a;
    struct wh_decision d;
    json_t *j;

    wh_arena_init(&a);
    wh_decision_init(&d, &a);
    wh_decision_deny(&d, "spec.containers[0].image %s: unsigned", "nginx:1");
    wh_decision_deny(&d, "second \"quoted\"\nline\x1b[2J");
    j = render("uid-1", &d);
    ok(j != NULL, "denial renders valid JSON");
    if (j == NULL) {
        wh_arena_fini(&a);
        return;
    }
    ok(strcmp(json_string_value(json_object_get(j, "apiVersion")), "admission.k8s.io/v1") == 0 &&
           strcmp(json_string_value(json_object_get(j, "kind")), "AdmissionReview") == 0,
       "apiVersion and kind");
    ok(strcmp(str_at(j, "uid"), "uid-1") == 0, "uid echoed");
    ok(json_is_false(json_object_get(json_object_get(j, "response"), "allowed")), "allowed false");
    ok(json_integer_value(json_object_get(json_object_get(json_object_get(j, "response"), "status"),
                                          "code")) == 403,
       "status.code 403");
    ok(strcmp(str_at(j, "status.reason"), "Forbidden") == 0, "status.reason Forbidden");
    ok(strcmp(str_at(j, "status.message"),
              "spec.containers[0].image nginx:1: unsigned; second \"quoted\"\xef\xbf\xbdline"
              "\xef\xbf\xbd[2J") == 0,
       "message joins denials, quotes survive escaping, controls become U+FFFD");
    ok(json_object_get(json_object_get(j, "response"), "warnings") == NULL &&
           json_object_get(json_object_get(j, "response"), "auditAnnotations") == NULL,
       "no empty warnings or auditAnnotations");
    json_decref(j);
    wh_arena_fini(&a);
}

static void
test_fresh_decision_is_a_denial_with_a_message(void)
{
    struct wh_arena a;
    struct wh_decision d;
    json_t *j;

    wh_arena_init(&a);
    wh_decision_init(&d, &a);
    j = render("u", &d);
    ok(j != NULL && json_is_false(json_object_get(json_object_get(j, "response"), "allowed")) &&
           strstr(str_at(j, "status.message"), "no reason was recorded") != NULL,
       "untouched decision denies, with a message");
    json_decref(j);
    d.allowed = true; /* a caller bug: allowed with a denial on record */
    wh_decision_deny(&d, "x");
    d.allowed = true;
    j = render("u", &d);
    ok(j != NULL && json_is_false(json_object_get(json_object_get(j, "response"), "allowed")),
       "allowed flag with a denial recorded still renders a denial");
    json_decref(j);
    wh_arena_fini(&a);
}

static void
test_allow_with_warnings_and_annotations(void)
{
    struct wh_arena a;
    struct wh_decision d;
    json_t *j, *w, *ann;

    wh_arena_init(&a);
    wh_decision_init(&d, &a);
    wh_decision_warn(&d, "drift: python3 3.11 -> 3.12 in %s", "registry.example.com/p/api");
    wh_decision_warn(&d, "tab\there and \xc3\xa9");
    wh_decision_annotate(&d, "0-digest", "sha256:%s", "ab");
    wh_decision_annotate(&d, "0-verdict", "warn");
    wh_decision_allow(&d);
    j = render("uid-2", &d);
    ok(j != NULL, "allow renders valid JSON");
    if (j == NULL) {
        wh_arena_fini(&a);
        return;
    }
    ok(json_is_true(json_object_get(json_object_get(j, "response"), "allowed")), "allowed true");
    ok(json_object_get(json_object_get(j, "response"), "status") == NULL, "no status on allow");
    w = json_object_get(json_object_get(j, "response"), "warnings");
    ok(json_array_size(w) == 2 &&
           strcmp(json_string_value(json_array_get(w, 0)),
                  "drift: python3 3.11 -> 3.12 in registry.example.com/p/api") == 0 &&
           strcmp(json_string_value(json_array_get(w, 1)), "tab\xef\xbf\xbdhere and \xc3\xa9") == 0,
       "warnings in order, UTF-8 intact, a tab (a control: the apiserver would drop the "
       "warning) replaced");
    ann = json_object_get(json_object_get(j, "response"), "auditAnnotations");
    ok(json_object_size(ann) == 2 &&
           strcmp(json_string_value(json_object_get(ann, "0-digest")), "sha256:ab") == 0 &&
           strcmp(json_string_value(json_object_get(ann, "0-verdict")), "warn") == 0,
       "audit annotation keys unprefixed (the apiserver adds <webhook>/)");
    json_decref(j);
    wh_arena_fini(&a);
}

static void
test_invalid_utf8_is_replaced_not_emitted(void)
{
    struct wh_arena a;
    struct wh_decision d;
    json_t *j;

    wh_arena_init(&a);
    wh_decision_init(&d, &a);
    wh_decision_deny(&d, "cut \xe2\x82 here \xff");
    j = render("u", &d);
    ok(j != NULL && strcmp(str_at(j, "status.message"),
                           "cut \xef\xbf\xbd\xef\xbf\xbd here \xef\xbf\xbd") == 0,
       "invalid bytes become U+FFFD: %s", j ? str_at(j, "status.message") : "(no JSON)");
    json_decref(j);
    wh_arena_fini(&a);
}

static void
test_render_errors(void)
{
    struct wh_arena a;
    struct wh_decision d;
    struct wh_buf b;
    struct wh_error err = {0};

    wh_arena_init(&a);
    wh_decision_init(&d, &a);
    wh_buf_init(&b, 1024);
    ok(wh_admission_response_render("", &d, &b, &err) == WH_E_INTERNAL &&
           strstr(err.msg, "empty uid") != NULL,
       "empty uid refused: %s", err.msg);
    wh_decision_annotate(&d, "driftgate.dev/0-digest", "x");
    ok(wh_admission_response_render("u", &d, &b, &err) == WH_E_INTERNAL &&
           strstr(err.msg, "\"driftgate.dev/0-digest\" is not a qualified name") != NULL,
       "prefixed key refused (the apiserver would drop it): %s", err.msg);
    wh_buf_fini(&b);
    wh_decision_init(&d, &a);
    wh_decision_deny(&d, "%0300d", 1);
    wh_buf_init(&b, 200);
    ok(wh_admission_response_render("u", &d, &b, &err) == WH_E_LIMIT &&
           strstr(err.msg, "AdmissionReview response exceeds 200 bytes") != NULL,
       "cap enforced: %s", err.msg);
    wh_buf_fini(&b);
    wh_arena_fini(&a);
}

static void
test_error_body_is_json(void)
{
    struct wh_buf b;
    json_error_t jerr;
    json_t *j;

    wh_buf_init(&b, 4096);
    wh_admission_error_render("AdmissionReview is not valid JSON: 1:1: \"x\"\n", &b);
    j = json_loadb(b.ptr, b.len, JSON_REJECT_DUPLICATES, &jerr);
    ok(j != NULL && json_object_size(j) == 1 &&
           strcmp(json_string_value(json_object_get(j, "error")),
                  "AdmissionReview is not valid JSON: 1:1: \"x\"\n") == 0,
       "error body: %s", b.ptr);
    json_decref(j);
    wh_buf_fini(&b);
}

/* Bytes of `s` once written as a JSON string body (no quotes; no control characters left). */
static size_t
escaped_len(const char *s)
{
    size_t n = 0;

    for (; *s != '\0'; s++)
        n += (*s == '"' || *s == '\\') ? 2 : 1;
    return n;
}

static size_t
chars_of(const char *s)
{
    size_t n = 0;

    for (; *s != '\0'; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static bool
ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);

    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void
test_denial_cut_after_escaping(void)
{
    struct wh_arena a;
    struct wh_decision d;
    char quotes[2001], accents[1201];
    const char *msg;
    json_t *j;
    size_t i;

    wh_arena_init(&a);
    wh_decision_init(&d, &a);
    /* 2000 quotes: 2000 bytes raw, 4000 escaped; the cut is on the escaped form */
    memset(quotes, '"', 2000);
    quotes[2000] = '\0';
    wh_decision_deny(&d, "%s", quotes);
    j = render("u", &d);
    msg = j != NULL ? str_at(j, "status.message") : "";
    ok(escaped_len(msg) <= WH_RESPONSE_DENIAL_MAX && ends_with(msg, "\xe2\x80\xa6") &&
           escaped_len(msg) >= WH_RESPONSE_DENIAL_MAX - 4,
       "a denial of quotes is cut to %d bytes once escaped (%zu)", WH_RESPONSE_DENIAL_MAX,
       escaped_len(msg));
    json_decref(j);
    /* 600 two-byte characters: the cut must not split one */
    wh_decision_init(&d, &a);
    for (i = 0; i < 600; i++)
        memcpy(accents + 2 * i, "\xc3\xa9", 2);
    accents[1200] = '\0';
    wh_decision_deny(&d, "%s", accents);
    j = render("u", &d);
    msg = j != NULL ? str_at(j, "status.message") : "";
    ok(strlen(msg) == 510 * 2 + 3 && strncmp(msg, accents, 1020) == 0 &&
           ends_with(msg, "\xe2\x80\xa6"),
       "cut on a character boundary: 510 whole characters and an ellipsis (%zu bytes)",
       strlen(msg));
    json_decref(j);
    wh_arena_fini(&a);
}

static void
test_message_capped_with_a_count(void)
{
    struct wh_arena a;
    struct wh_decision d;
    const char *msg;
    json_t *j;
    int i;

    wh_arena_init(&a);
    wh_decision_init(&d, &a);
    for (i = 0; i < 20; i++)
        wh_decision_deny(&d, "denial %02d %0900d", i, 0);
    j = render("u", &d);
    msg = j != NULL ? str_at(j, "status.message") : "";
    ok(strlen(msg) <= WH_RESPONSE_MESSAGE_MAX, "message within %d bytes (%zu)",
       WH_RESPONSE_MESSAGE_MAX, strlen(msg));
    ok(strncmp(msg, "denial 00 ", 10) == 0 && strstr(msg, "; denial 03 ") != NULL &&
           strstr(msg, "denial 04") == NULL && ends_with(msg, "; \xe2\x80\xa6 and 16 more denials"),
       "the first four whole, then how many more: %s", msg + strlen(msg) - 40);
    json_decref(j);
    wh_arena_fini(&a);
}

static void
test_warnings_within_apiserver_limits(void)
{
    struct wh_arena a;
    struct wh_decision d;
    json_t *j, *w;
    size_t i, total = 0;
    char *s;

    wh_arena_init(&a);
    wh_decision_init(&d, &a);
    wh_decision_subject_set(&d, "Pod", "ns", "p");
    for (i = 0; i < 16; i++)
        wh_decision_warn(&d, "spec.containers[%zu].image x: short", i);
    wh_decision_allow(&d);
    j = render("u", &d);
    w = json_object_get(json_object_get(j, "response"), "warnings");
    ok(json_array_size(w) == 16 && strcmp(json_string_value(json_array_get(w, 15)),
                                          "Pod ns/p: spec.containers[15].image x: short") == 0,
       "sixteen short warnings all shown (%zu)", json_array_size(w));
    json_decref(j);
    wh_decision_warn(&d, "spec.containers[16].image x: short");
    j = render("u", &d);
    w = json_object_get(json_object_get(j, "response"), "warnings");
    ok(json_array_size(w) == WH_WARNINGS_COUNT_MAX &&
           strcmp(json_string_value(json_array_get(w, 15)),
                  "Pod ns/p: \xe2\x80\xa6 and 2 more warnings") == 0,
       "seventeen: fifteen and the count of the rest: %s",
       json_string_value(json_array_get(w, 15)));
    json_decref(j);
    /* 30 warnings of 250 characters: the total, not the count, binds */
    wh_decision_init(&d, &a);
    wh_decision_subject_set(&d, "Pod", "ns", "p");
    for (i = 0; i < 30; i++)
        wh_decision_warn(&d, "spec.containers[%02zu].image %0225d", i, 0);
    wh_decision_allow(&d);
    j = render("u", &d);
    w = json_object_get(json_object_get(j, "response"), "warnings");
    for (i = 0; i < json_array_size(w); i++) {
        total += chars_of(json_string_value(json_array_get(w, i)));
        ok(chars_of(json_string_value(json_array_get(w, i))) <= WH_WARNING_MAX,
           "warning %zu within %d characters", i, WH_WARNING_MAX);
    }
    ok(total <= WH_WARNINGS_TOTAL_MAX && json_array_size(w) == 16,
       "all warnings within %d characters (%zu in %zu)", WH_WARNINGS_TOTAL_MAX, total,
       json_array_size(w));
    ok(strcmp(json_string_value(json_array_get(w, json_array_size(w) - 1)),
              "Pod ns/p: \xe2\x80\xa6 and 15 more warnings") == 0,
       "the last one counts the rest: %s",
       json_string_value(json_array_get(w, json_array_size(w) - 1)));
    json_decref(j);
    /* A warning written around wh_decision_warn is still cleaned and cut by the renderer. */
    wh_decision_init(&d, &a);
    s = wh_arena_alloc(&a, 1001);
    memset(s, 'q', 1000);
    s[1000] = '\0';
    s[3] = '\x1b';
    d.warnings = wh_arena_calloc(&a, 2, sizeof(*d.warnings));
    d.warnings[0] = s;
    d.warnings[1] = s;
    d.n_warnings = 2;
    wh_decision_allow(&d);
    j = render("u", &d);
    w = json_object_get(json_object_get(j, "response"), "warnings");
    ok(json_array_size(w) == 1 && strlen(json_string_value(json_array_get(w, 0))) == 256 &&
           strncmp(json_string_value(json_array_get(w, 0)), "qqq\xef\xbf\xbdqq", 8) == 0,
       "the renderer cleans, cuts and dedups on its own too");
    json_decref(j);
    wh_arena_fini(&a);
}

static void
test_annotation_value_cut_after_escaping(void)
{
    struct wh_arena a;
    struct wh_decision d;
    char slashes[3001];
    const char *v;
    json_t *j;

    wh_arena_init(&a);
    wh_decision_init(&d, &a);
    memset(slashes, '\\', 3000);
    slashes[3000] = '\0';
    wh_decision_annotate(&d, "0-exempted", "%s", slashes);
    wh_decision_allow(&d);
    j = render("u", &d);
    v = json_string_value(json_object_get(
        json_object_get(json_object_get(j, "response"), "auditAnnotations"), "0-exempted"));
    ok(v != NULL && escaped_len(v) <= WH_RESPONSE_ANNOTATION_MAX && ends_with(v, "\xe2\x80\xa6"),
       "annotation value within %d bytes escaped (%zu)", WH_RESPONSE_ANNOTATION_MAX,
       v != NULL ? escaped_len(v) : 0);
    json_decref(j);
    wh_arena_fini(&a);
}

static void
test_oversized_answer_becomes_a_short_denial(void)
{
    struct wh_arena a;
    struct wh_decision d;
    struct wh_buf b;
    struct wh_error err = {0};
    json_error_t jerr;
    json_t *j;
    char key[32];
    const char *msg;
    int i;

    wh_arena_init(&a);
    wh_decision_init(&d, &a);
    for (i = 0; i < 100; i++) {
        snprintf(key, sizeof(key), "%d-digest", i);
        wh_decision_annotate(&d, key, "sha256:%064d", i);
    }
    wh_decision_allow(&d);
    wh_buf_init(&b, 2048);
    ok(wh_admission_response_render("u", &d, &b, &err) == WH_OK, "renders: %s", err.msg);
    j = json_loadb(b.ptr, b.len, JSON_REJECT_DUPLICATES, &jerr);
    msg = j != NULL ? str_at(j, "status.message") : NULL;
    ok(j != NULL && b.len <= 2048 &&
           json_is_false(json_object_get(json_object_get(j, "response"), "allowed")) &&
           msg != NULL && strstr(msg, "exceeds limits.responseBytes (2048 bytes)") != NULL,
       "an allowed answer too large for the cap is a short denial: %s", b.ptr);
    ok(!d.allowed && d.n_denials == 1 && strstr(d.denials[0], "responseBytes") != NULL,
       "the decision says what was sent");
    json_decref(j);
    wh_buf_fini(&b);
    wh_arena_fini(&a);
}

/* The annotations' span (what a review log line copies): verbatim only when it holds exactly what
 * the JSON writer makes of each key and value; a value cleaned or cut is not verbatim. */
static void
test_annotations_span_is_what_the_json_writer_writes(void)
{
    static const char *const values[] = {
        "sha256:ab", "say \"hi\" \\ there", "0123456789abcdef\"ghijklmnopqrstu\\vwxyz0123456789\"",
        "",          "tab\there",           NULL /* 600 bytes: cut */};
    char long_value[601];
    struct wh_arena a;
    struct wh_decision d;
    struct wh_buf b, want;
    struct wh_admission_annotations_span span;
    struct wh_error err = {0};
    size_t i, n;

    memset(long_value, 'x', 600);
    long_value[600] = '\0';
    for (n = 1; n <= sizeof(values) / sizeof(values[0]); n++) {
        const char *v = values[n - 1] != NULL ? values[n - 1] : long_value;
        bool plain = n <= 3; /* empty, control character, too long: not verbatim */

        wh_arena_init(&a);
        wh_decision_init(&d, &a);
        wh_decision_annotate(&d, "0-image", "%s", "registry.example.com/app:v1");
        wh_decision_annotate(&d, "0-value", "%s", v);
        wh_decision_allow(&d);
        wh_buf_init(&b, 1u << 20);
        wh_buf_init(&want, 1u << 20);
        for (i = 0; i < d.n_annotations; i++) {
            if (i > 0)
                wh_buf_append_c(&want, ",");
            wh_buf_append_json_string(&want, wh_str_c(d.annotations[i].key));
            wh_buf_append_c(&want, ":");
            wh_buf_append_json_string(&want, wh_str_c(d.annotations[i].value));
        }
        ok(wh_admission_response_render_span("u", &d, &b, &span, &err) == WH_OK &&
               span.is_verbatim == plain &&
               (!plain ||
                (span.len == want.len && memcmp(b.ptr + span.at, want.ptr, want.len) == 0 &&
                 memcmp(b.ptr + span.at - 20, "\"auditAnnotations\":{", 20) == 0)),
           "annotation value %.20s: span %s", v,
           plain ? "verbatim, the JSON writer's bytes" : "not verbatim");
        wh_buf_fini(&b);
        wh_buf_fini(&want);
        wh_arena_fini(&a);
    }
}

int
main(void)
{
    test_denial_has_code_reason_message_and_uid();
    test_fresh_decision_is_a_denial_with_a_message();
    test_allow_with_warnings_and_annotations();
    test_invalid_utf8_is_replaced_not_emitted();
    test_render_errors();
    test_error_body_is_json();
    test_denial_cut_after_escaping();
    test_message_capped_with_a_count();
    test_warnings_within_apiserver_limits();
    test_annotation_value_cut_after_escaping();
    test_oversized_answer_becomes_a_short_denial();
    test_annotations_span_is_what_the_json_writer_writes();
    return done_testing();
}
