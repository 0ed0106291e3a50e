#include "decision/decision.h"

#include "unit/harness.h"

static void
test_starts_denied_with_forbidden(void)
{
    struct wh_arena a;
    struct wh_decision d;

    wh_arena_init(&a);
    wh_decision_init(&d, &a);
    ok(!d.allowed && d.code == 403 && strcmp(d.reason, "Forbidden") == 0 && d.n_denials == 0,
       "fresh decision is a 403 Forbidden denial");
    ok(d.n_denials == 0 && d.n_warnings == 0 && d.subject == NULL, "no denials, no warnings");
    wh_decision_allow(&d);
    ok(d.allowed, "allow with no denial recorded allows");
    wh_arena_fini(&a);
}

static void
test_allow_refused_after_denial(void)
{
    struct wh_arena a;
    struct wh_decision d;

    wh_arena_init(&a);
    wh_decision_init(&d, &a);
    wh_decision_deny(&d, "image %s unsigned", "nginx");
    wh_decision_allow(&d);
    ok(!d.allowed, "allow after a denial keeps the denial");
    wh_decision_init(&d, &a);
    wh_decision_allow(&d);
    wh_decision_deny(&d, "late");
    ok(!d.allowed, "a denial after allow revokes it");
    wh_arena_fini(&a);
}

static void
test_denials_kept_whole_in_order(void)
{
    struct wh_arena a;
    struct wh_decision d;
    char big[3000];
    int i;

    wh_arena_init(&a);
    wh_decision_init(&d, &a);
    for (i = 0; i < 9; i++) /* past the first growth steps of the list */
        wh_decision_deny(&d, "d%d", i);
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    wh_decision_deny(&d, "%s", big);
    ok(d.n_denials == 10 && strcmp(d.denials[0], "d0") == 0 && strcmp(d.denials[8], "d8") == 0,
       "denials recorded in order");
    ok(strlen(d.denials[9]) == sizeof(big) - 1,
       "a denial is recorded whole: the renderer cuts it (%zu)", strlen(d.denials[9]));
    wh_arena_fini(&a);
}

static void
test_warning_cut_to_256_bytes(void)
{
    struct wh_arena a;
    struct wh_decision d;
    char text[1200];
    size_t i;

    wh_arena_init(&a);
    wh_decision_init(&d, &a);
    /* 300 two-byte characters: 600 bytes. Bytes are never fewer than the characters the
     * apiserver counts, so 256 bytes is within its limit by either measure. */
    for (i = 0; i < 300; i++)
        memcpy(text + 2 * i, "\xc3\xa9", 2);
    text[600] = '\0';
    wh_decision_warn(&d, "%s", text);
    ok(strlen(d.warnings[0]) == 126 * 2 + 3 && strncmp(d.warnings[0], text, 252) == 0 &&
           strcmp(d.warnings[0] + 252, "\xe2\x80\xa6") == 0,
       "cut before a character that would split: 126 whole, then an ellipsis (%zu bytes)",
       strlen(d.warnings[0]));
    memset(text, 'z', 256);
    text[256] = '\0';
    wh_decision_warn(&d, "%s", text);
    ok(strlen(d.warnings[1]) == 256 && strcmp(d.warnings[1], text) == 0,
       "exactly 256 bytes is not cut");
    text[256] = 'z';
    text[257] = '\0';
    wh_decision_warn(&d, "%s", text);
    ok(strlen(d.warnings[2]) == WH_WARNING_MAX && strcmp(d.warnings[2] + 253, "\xe2\x80\xa6") == 0,
       "257 bytes: 253 and an ellipsis, %d in all", WH_WARNING_MAX);
    wh_arena_fini(&a);
}

static void
test_warning_holds_no_control_character(void)
{
    struct wh_arena a;
    struct wh_decision d;
    const char *w;
    size_t i;

    wh_arena_init(&a);
    wh_decision_init(&d, &a);
    /* newline, ESC, DEL; NBSP is no control; C1 U+0085 (NEL) and U+009B (CSI) are; and a byte
     * that starts no UTF-8 sequence */
    wh_decision_warn(&d, "a\nb\x1b[31mc\x7f"
                         "d\xc2\xa0"
                         "e\xc2\x85"
                         "f\xc2\x9b"
                         "g\xffh");
    w = d.warnings[0];
    ok(strcmp(w, "a\xef\xbf\xbd"
                 "b\xef\xbf\xbd[31mc\xef\xbf\xbd"
                 "d\xc2\xa0"
                 "e\xef\xbf\xbd"
                 "f\xef\xbf\xbd"
                 "g\xef\xbf\xbdh") == 0,
       "controls and invalid bytes become U+FFFD, NBSP stays: %s", w);
    for (i = 0; w[i] != '\0'; i++)
        if ((unsigned char)w[i] < 0x20 || (unsigned char)w[i] == 0x7f)
            break;
    ok(w[i] == '\0', "no C0 byte or DEL left");
    wh_arena_fini(&a);
}

static void
test_subject_opens_every_warning(void)
{
    struct wh_arena a;
    struct wh_decision d;
    char name[300];

    wh_arena_init(&a);
    wh_decision_init(&d, &a);
    wh_decision_subject_set(&d, "Deployment", "default", "app-a");
    wh_decision_warn(&d, "spec.template.spec.containers[0].image x: drift");
    wh_decision_subject_set(&d, "Deployment", "default", "app-b");
    wh_decision_warn(&d, "spec.template.spec.containers[0].image x: drift");
    ok(d.n_warnings == 2 &&
           strcmp(d.warnings[0],
                  "Deployment default/app-a: spec.template.spec.containers[0].image x: drift") ==
               0 &&
           strcmp(d.warnings[1],
                  "Deployment default/app-b: spec.template.spec.containers[0].image x: drift") == 0,
       "the same finding on two objects reads differently: %s", d.warnings[0]);
    wh_decision_subject_set(&d, "Pod", "ns", "");
    wh_decision_warn(&d, "w");
    ok(strcmp(d.warnings[2], "Pod: w") == 0, "a pod without a name yet: the kind alone");
    wh_decision_subject_set(&d, "Pod", "", "p");
    wh_decision_warn(&d, "w");
    ok(strcmp(d.warnings[3], "Pod p: w") == 0, "no namespace: kind and name");
    memset(name, 'n', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    wh_decision_subject_set(&d, "Pod", "ns", name);
    ok(strlen(d.subject) == WH_SUBJECT_MAX && strncmp(d.subject, "Pod ns/nnn", 10) == 0,
       "a long name is cut to %d bytes (%zu)", WH_SUBJECT_MAX, strlen(d.subject));
    wh_decision_subject_set(&d, "", "ns", "x");
    wh_decision_warn(&d, "bare");
    ok(d.subject == NULL && strcmp(d.warnings[d.n_warnings - 1], "bare") == 0,
       "no kind: no subject");
    wh_arena_fini(&a);
}

static void
test_text_clean_and_clip(void)
{
    struct wh_arena a;
    struct wh_buf b;
    const char *t = "plain";
    size_t n;

    wh_arena_init(&a);
    ok(wh_decision_text_clip(&a, t, 5) == t, "clean text within the limit: no copy");
    ok(strcmp(wh_decision_text_clip(&a, "plain text", 8), "plain\xe2\x80\xa6") == 0,
       "over the limit: five bytes kept and the three of the ellipsis");
    ok(strcmp(wh_decision_text_clip(&a, "\xe2\x82", 6), "\xef\xbf\xbd\xef\xbf\xbd") == 0,
       "a cut sequence: one U+FFFD per byte, 3 bytes each");
    ok(strcmp(wh_decision_text_clip(&a, "\xe2\x82", 5), "\xe2\x80\xa6") == 0,
       "two U+FFFD do not fit 5 bytes: the ellipsis alone");
    wh_buf_init(&b, 1u << 20);
    n = wh_decision_text_clean(&b, (struct wh_str){"a\0b", 3}, 10);
    ok(n == 5 && strcmp(b.ptr, "a\xef\xbf\xbd"
                               "b") == 0,
       "a NUL inside a view is a control");
    wh_buf_reset(&b);
    n = wh_decision_text_clean(&b, WH_STR("abc"), 0);
    ok(n == 0 && b.len == 0, "max 0 writes nothing");
    wh_buf_fini(&b);
    wh_arena_fini(&a);
}

static void
test_identical_warnings_recorded_once(void)
{
    struct wh_arena a;
    struct wh_decision d;
    int i;

    wh_arena_init(&a);
    wh_decision_init(&d, &a);
    for (i = 0; i < 3; i++)
        wh_decision_warn(&d, "drift in %s", "python3");
    wh_decision_warn(&d, "drift in %s", "nodejs");
    ok(d.n_warnings == 2, "duplicates dropped (%zu)", d.n_warnings);
    ok(strcmp(d.warnings[0], "drift in python3") == 0 &&
           strcmp(d.warnings[1], "drift in nodejs") == 0,
       "order kept");
    wh_arena_fini(&a);
}

static void
test_annotate_replaces_by_key(void)
{
    struct wh_arena a;
    struct wh_decision d;
    char key[32];
    int i;

    wh_arena_init(&a);
    wh_decision_init(&d, &a);
    wh_decision_annotate(&d, "0-verdict", "allow");
    wh_decision_annotate(&d, "0-digest", "sha256:%s", "aa");
    wh_decision_annotate(&d, "0-verdict", "deny");
    ok(d.n_annotations == 2, "replacing keeps one entry per key (%zu)", d.n_annotations);
    ok(strcmp(d.annotations[0].key, "0-verdict") == 0 &&
           strcmp(d.annotations[0].value, "deny") == 0,
       "value replaced in place");
    for (i = 1; i < 20; i++) {
        snprintf(key, sizeof(key), "%d-verdict", i);
        wh_decision_annotate(&d, key, "v%d", i);
    }
    ok(d.n_annotations == 21 && strcmp(d.annotations[20].key, "19-verdict") == 0 &&
           strcmp(d.annotations[20].value, "v19") == 0 &&
           strcmp(d.annotations[1].value, "sha256:aa") == 0,
       "growth keeps earlier entries");
    wh_arena_fini(&a);
}

/* A "%s" value is a copy of its argument (the caller's buffer may not outlive the call), and a
 * NULL one reads as printf prints it. */
static void
test_annotate_copies_a_plain_value(void)
{
    struct wh_arena a;
    struct wh_decision d;
    char buf[16] = "allow";
    const char *volatile none = NULL; /* unknown to the compiler: no format warning */

    wh_arena_init(&a);
    wh_decision_init(&d, &a);
    wh_decision_annotate(&d, "0-verdict", "%s", buf);
    memcpy(buf, "deny", 5);
    ok(strcmp(d.annotations[0].value, "allow") == 0 && d.annotations[0].value != buf,
       "a %%s value is copied (%s)", d.annotations[0].value);
    wh_decision_annotate(&d, "0-signer", "%s", none);
    ok(strcmp(d.annotations[1].value, "(null)") == 0, "a NULL %%s value reads (null) (%s)",
       d.annotations[1].value);
    wh_arena_fini(&a);
}

int
main(void)
{
    test_starts_denied_with_forbidden();
    test_allow_refused_after_denial();
    test_denials_kept_whole_in_order();
    test_warning_cut_to_256_bytes();
    test_warning_holds_no_control_character();
    test_subject_opens_every_warning();
    test_text_clean_and_clip();
    test_identical_warnings_recorded_once();
    test_annotate_replaces_by_key();
    test_annotate_copies_a_plain_value();
    return done_testing();
}
