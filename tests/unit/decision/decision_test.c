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
    ok(strcmp(wh_decision_message(&d), "") == 0, "no denials: empty message");
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
test_message_joins_denials(void)
{
    struct wh_arena a;
    struct wh_decision d;
    int i;

    wh_arena_init(&a);
    wh_decision_init(&d, &a);
    for (i = 0; i < 9; i++) /* past the first growth steps of the list */
        wh_decision_deny(&d, "d%d", i);
    ok(d.n_denials == 9 &&
           strcmp(wh_decision_message(&d), "d0; d1; d2; d3; d4; d5; d6; d7; d8") == 0,
       "denials joined with '; ': %s", wh_decision_message(&d));
    wh_arena_fini(&a);
}

static void
test_warning_truncated_on_utf8_boundary(void)
{
    struct wh_arena a;
    struct wh_decision d;
    char text[400];
    size_t n;

    wh_arena_init(&a);
    wh_decision_init(&d, &a);
    /* 252 ASCII bytes then "é" (2 bytes) at 252..253 and more: the cut at 253 would split it. */
    memset(text, 'x', 252);
    memcpy(text + 252, "\xc3\xa9\xc3\xa9\xc3\xa9yyyy", 10);
    text[262] = '\0';
    wh_decision_warn(&d, "%s", text);
    n = strlen(d.warnings[0]);
    ok(n <= WH_WARNING_MAX, "warning at most %d bytes (%zu)", WH_WARNING_MAX, n);
    ok(n == 255 && strcmp(d.warnings[0] + 252, "...") == 0,
       "cut before the split character, ends in ...");
    memset(text, 'z', 256);
    text[256] = '\0';
    wh_decision_warn(&d, "%s", text);
    ok(strlen(d.warnings[1]) == 256 && strchr(d.warnings[1], '.') == NULL,
       "exactly 256 bytes is not cut");
    text[256] = 'z';
    text[257] = '\0';
    wh_decision_warn(&d, "%s", text);
    ok(strlen(d.warnings[2]) == 256 && strcmp(d.warnings[2] + 253, "...") == 0,
       "257 ASCII bytes cut to 253 + ...");
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

int
main(void)
{
    test_starts_denied_with_forbidden();
    test_allow_refused_after_denial();
    test_message_joins_denials();
    test_warning_truncated_on_utf8_boundary();
    test_identical_warnings_recorded_once();
    test_annotate_replaces_by_key();
    return done_testing();
}
