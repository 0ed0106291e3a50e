#include "admission/response.h"

#include <jansson.h>

#include "unit/harness.h"

/* Renders `d` and parses the result back with jansson (strictly: one value, no duplicates). */
static json_t *
render(const char *uid, const struct wh_decision *d)
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
    wh_decision_deny(&d, "second \"quoted\"\nline");
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
              "spec.containers[0].image nginx:1: unsigned; second \"quoted\"\nline") == 0,
       "message joins denials and survives escaping");
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
           strcmp(json_string_value(json_array_get(w, 1)), "tab\there and \xc3\xa9") == 0,
       "warnings in order, escaped and UTF-8 intact");
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

int
main(void)
{
    test_denial_has_code_reason_message_and_uid();
    test_fresh_decision_is_a_denial_with_a_message();
    test_allow_with_warnings_and_annotations();
    test_invalid_utf8_is_replaced_not_emitted();
    test_render_errors();
    test_error_body_is_json();
    return done_testing();
}
