/* cli/report.c: hostile names in every format (issue 13 item 5). Markdown prose escapes every
 * ASCII punctuation and breaks mentions, code spans are fenced past any backtick run, text shows
 * control characters as escapes, SARIF cuts on UTF-8 boundaries, an errored check is never
 * "clean". With an argument, also writes the markdown of a check report whose denials, warnings
 * and agent banner carry the hostile text to that file, for tests/security/report_forgery_test.sh
 * to render with markdown-it. */
#include <stdio.h>
#include <string.h>

#include "cli/report.h"
#include "unit/harness.h"

#define HOSTILE                                                                                    \
    "[x](https://evil.example) ![i](https://evil.example/p.png) <img src=x onerror=alert(1)> "     \
    "@octocat #12 `--dev` ``` &lt;b&gt; \\[y](https://evil.example) |pipe| new\n::set-output "     \
    "name=x::y \x1b[31mred"

static const char *
render(const struct wh_report *r, enum wh_report_format f, struct wh_buf *b)
{
    wh_buf_reset(b);
    wh_cli_report_render(r, f, b);
    return b->ptr;
}

/* A `check` report: hostile denial, warning and banner, one hostile finding. */
static void
hostile_report(struct wh_report *r, struct wh_decision *d, struct wh_arena *a,
               struct wh_sbom_diff *diff, struct wh_sbom_finding *f, struct wh_tiered_finding *tf)
{
    wh_decision_init(d, a);
    wh_decision_deny(d, "blocked by t[1] (dev-only package %s)", HOSTILE);
    wh_decision_warn(d, "warning about %s", HOSTILE);
    memset(f, 0, sizeof(*f));
    f->kind = WH_DRIFT_DEV_ONLY;
    f->name = "x` [y](https://evil.example/code) `z";
    f->key = f->name;
    f->dev_version = "``` 1|2";
    memset(diff, 0, sizeof(*diff));
    diff->findings = f;
    diff->n_findings = 1;
    diff->n_dev_only = 1;
    memset(tf, 0, sizeof(*tf));
    tf->finding = f;
    tf->tier = WH_TIER_BLOCK;
    tf->rule = "t[1]";
    memset(r, 0, sizeof(*r));
    r->prod = "registry.example.com/app:v1";
    r->dev = "registry.example.com/dev:`v1`";
    r->diff = diff;
    r->tiered = tf;
    r->tiers = "t";
    r->digest = "sha256:abc";
    r->decision = d;
    r->banner = "agent-authored: commit " HOSTILE;
}

static void
test_markdown_prose_escapes_every_construct(const char *dump)
{
    struct wh_arena a;
    struct wh_decision d;
    struct wh_sbom_diff diff;
    struct wh_sbom_finding f;
    struct wh_tiered_finding tf;
    struct wh_report r;
    struct wh_buf b;
    const char *md;

    wh_arena_init(&a);
    wh_buf_init(&b, 1 << 20);
    hostile_report(&r, &d, &a, &diff, &f, &tf);
    md = render(&r, WH_REPORT_MARKDOWN, &b);
    ok(strstr(md, "\\[x\\]\\(https\\:\\/\\/evil\\.example\\)") != NULL, "a link is escaped");
    ok(strstr(md, "\\!\\[i\\]") != NULL, "an image is escaped");
    ok(strstr(md, "\\<img src\\=x onerror\\=alert\\(1\\)\\>") != NULL, "raw HTML is escaped");
    ok(strstr(md, "\\@\xe2\x80\x8boctocat") != NULL && strstr(md, "@octocat") == NULL,
       "@mentions are broken by a zero-width space");
    ok(strstr(md, "\\#\xe2\x80\x8b"
                  "12") != NULL,
       "#references too");
    ok(strstr(md, "\\&lt\\;b\\&gt\\;") != NULL, "entities are escaped");
    ok(strstr(md, "\\\\\\[y\\]") != NULL, "a backslash is escaped before an escaped bracket");
    ok(strstr(md, "new\\\\x0a\\:\\:set\\-output") != NULL && strstr(md, "\n::") == NULL,
       "a newline is a visible escape, no line starts with ::");
    ok(strchr(md, '\x1b') == NULL && strstr(md, "\\\\x1b\\[31mred") != NULL,
       "ESC is a visible escape");
    ok(strstr(md, "| ``x` [y](https://evil.example/code) `z`` |") != NULL,
       "a name with backticks is a code span fenced with two");
    ok(strstr(md, "| ```` ``` 1\\|2 ```` |") != NULL,
       "a triple backtick gets a fence of four, padded; '|' keeps its table escape");
    ok(strstr(md, "against dev `` registry.example.com/dev:`v1` ``") != NULL,
       "an image reference ending in a backtick is padded");
    if (dump != NULL) {
        FILE *out = fopen(dump, "w");
        ok(out != NULL && fwrite(md, 1, b.len, out) == b.len && fclose(out) == 0,
           "markdown written to %s", dump);
    }
    wh_buf_fini(&b);
    wh_arena_fini(&a);
}

static void
test_text_has_no_control_characters(void)
{
    struct wh_arena a;
    struct wh_decision d;
    struct wh_sbom_diff diff;
    struct wh_sbom_finding f;
    struct wh_tiered_finding tf;
    struct wh_report r;
    struct wh_buf b;
    const char *text, *p;
    bool clean = true;

    wh_arena_init(&a);
    wh_buf_init(&b, 1 << 20);
    hostile_report(&r, &d, &a, &diff, &f, &tf);
    text = render(&r, WH_REPORT_TEXT, &b);
    for (p = text; *p != '\0'; p++)
        if (((unsigned char)*p < 0x20 && *p != '\n') || *p == 0x7f)
            clean = false;
    ok(clean, "no control character but newlines");
    ok(strstr(text, "\n::") == NULL && strncmp(text, "::", 2) != 0, "no line starts with ::");
    ok(strstr(text, "new\\x0a::set-output") != NULL && strstr(text, "\\x1b[31mred") != NULL,
       "newline and ESC shown as \\x0a and \\x1b");
    wh_buf_reset(&b);
    wh_cli_report_text_safe(&b, "a\\b\xff\xe2\x80\xae");
    ok(strcmp(b.ptr, "a\\\\b\\xff\\u{202e}") == 0,
       "backslash doubled, a stray byte and a bidi override escaped (got %s)", b.ptr);
    wh_buf_fini(&b);
    wh_arena_fini(&a);
}

static void
test_sarif_cuts_on_utf8_boundaries(void)
{
    static char big[8192];
    struct wh_arena a;
    struct wh_decision d;
    struct wh_sbom_diff diff;
    struct wh_sbom_finding f;
    struct wh_tiered_finding tf;
    struct wh_report r;
    struct wh_buf b;
    const char *s, *p;
    size_t i, bad = 0;

    for (i = 0; i + 2 < sizeof(big); i += 2)
        memcpy(big + i, "\xc3\xa9", 2); /* é: a cut at an odd byte splits one */
    big[sizeof(big) - 1] = '\0';
    wh_arena_init(&a);
    wh_buf_init(&b, 1 << 20);
    hostile_report(&r, &d, &a, &diff, &f, &tf);
    f.name = big;
    f.key = big;
    s = render(&r, WH_REPORT_SARIF, &b);
    for (p = s; *p != '\0';) {
        size_t n = wh_utf8_next((const unsigned char *)p, strlen(p), NULL);
        if (n == 0) {
            bad++;
            n = 1;
        }
        p += n;
    }
    ok(bad == 0, "SARIF is UTF-8 throughout (%zu bad bytes)", bad);
    ok(strstr(s, "\xe2\x80\xa6\"") != NULL, "a cut string ends in an ellipsis");
    ok(strlen(s) < 8192, "the 8 KB name is cut (%zu bytes of SARIF)", strlen(s));
    wh_buf_fini(&b);
    wh_arena_fini(&a);
}

static void
test_errored_check_is_never_clean(void)
{
    static const struct wh_sbom_diff none;
    struct wh_arena a;
    struct wh_decision d;
    struct wh_report r;
    struct wh_buf b;
    const char *s;

    wh_arena_init(&a);
    wh_buf_init(&b, 1 << 20);
    wh_decision_init(&d, &a);
    wh_decision_deny(&d, "registry unavailable");
    memset(&r, 0, sizeof(r));
    r.prod = "registry.example.com/app:v1";
    r.dev = "(no dev reference)";
    r.diff = &none;
    r.decision = &d;
    r.error = "registry.example.com: connection refused";
    s = render(&r, WH_REPORT_MARKDOWN, &b);
    ok(strstr(s, "**Verdict: error**") != NULL && strstr(s, "not evaluated") != NULL &&
           strstr(s, "clean") == NULL,
       "markdown: error, not evaluated, never clean");
    s = render(&r, WH_REPORT_TEXT, &b);
    ok(strstr(s, "error  not evaluated: registry.example.com: connection refused\n") != NULL &&
           strstr(s, "summary: not evaluated (error);") != NULL,
       "text: an error line and a not-evaluated summary");
    s = render(&r, WH_REPORT_SARIF, &b);
    ok(strstr(s, "\"ruleId\":\"check/error\",\"level\":\"error\"") != NULL,
       "SARIF: a check/error result");
    s = render(&r, WH_REPORT_JSON, &b);
    ok(strstr(s, "\"verdict\":\"error\"") != NULL, "JSON: verdict error");
    wh_buf_fini(&b);
    wh_arena_fini(&a);
}

/* What `check` names (issue 18 item 6): a hostile signer stays one code span, a hostile reason
 * for "not evaluated" stays prose; every format says "not evaluated", none "clean". */
static void
test_checked_fields_and_not_evaluated(void)
{
    static const struct wh_sbom_diff none;
    struct wh_arena a;
    struct wh_decision d;
    struct wh_report r;
    struct wh_buf b;
    const char *s, *p;
    bool clean = true;

    wh_arena_init(&a);
    wh_buf_init(&b, 1 << 20);
    wh_decision_init(&d, &a);
    memset(&r, 0, sizeof(r));
    r.prod = "registry.example.com/app:v1";
    r.dev = "(not resolved)";
    r.diff = &none;
    r.decision = &d;
    r.signer =
        "https://github.com/x/y/.github/workflows/r.yml@refs/tags/v1` [z](https://evil.example)";
    r.attested = "https://cyclonedx.org/bom by ci";
    r.not_evaluated = "dev image: " HOSTILE;
    s = render(&r, WH_REPORT_MARKDOWN, &b);
    ok(strstr(s, "- Signed by: ``https://github.com/x/y/.github/workflows/r.yml@refs/tags/v1` "
                 "[z](https://evil.example)``\n") != NULL,
       "markdown: the signer is one code span, fenced past its backtick");
    ok(strstr(s, "**not evaluated**: dev image\\: \\[x\\]\\(https\\:\\/\\/evil\\.example\\)") !=
               NULL &&
           strstr(s, "\n::") == NULL && strstr(s, "clean") == NULL,
       "markdown: not evaluated, the reason escaped as prose, never clean");
    s = render(&r, WH_REPORT_TEXT, &b);
    for (p = s; *p != '\0'; p++)
        if (((unsigned char)*p < 0x20 && *p != '\n') || *p == 0x7f)
            clean = false;
    ok(clean && strstr(s, "\ndrift  not evaluated: dev image: [x](https://evil.example)") != NULL &&
           strstr(s, "summary: drift not evaluated;") != NULL && strstr(s, "\n::") == NULL,
       "text: a drift line and summary say not evaluated; no control character");
    s = render(&r, WH_REPORT_JSON, &b);
    ok(strstr(s, "\"drift\":\"not evaluated\",\"driftNotEvaluated\":\"dev image: ") != NULL,
       "JSON: drift not evaluated with the reason");
    s = render(&r, WH_REPORT_SARIF, &b);
    ok(strstr(s, "\"ruleId\":\"drift/not-evaluated\",\"level\":\"note\"") != NULL,
       "SARIF: a drift/not-evaluated note");
    wh_buf_fini(&b);
    wh_arena_fini(&a);
}

static const char *
direction(const char *type, enum wh_drift_kind kind, const char *prod, const char *dev)
{
    struct wh_sbom_finding f;

    memset(&f, 0, sizeof(f));
    f.kind = kind;
    f.purl_type = type;
    f.prod_version = prod;
    f.dev_version = dev;
    return wh_cli_report_direction(&f);
}

static bool
is(const char *got, const char *want)
{
    return got == NULL ? want == NULL : want != NULL && strcmp(got, want) == 0;
}

static void
test_downgrade_or_upgrade(void)
{
    ok(is(direction("deb", WH_DRIFT_VERSION, "3.11.2-1+b1", "3.12.1-1"), "downgrade"),
       "deb: prod 3.11 against dev 3.12 is a downgrade");
    ok(is(direction("deb", WH_DRIFT_VERSION, "3.12.1-1", "3.11.2-1+b1"), "upgrade"),
       "deb: prod 3.12 against dev 3.11 is an upgrade");
    ok(is(direction("deb", WH_DRIFT_VERSION, "1:1.0-1", "2.0-1"), "upgrade"),
       "deb: an epoch outranks the upstream version");
    ok(is(direction("npm", WH_DRIFT_VERSION, "1.10.0", "1.9.0"), "upgrade"),
       "semver: 1.10.0 is newer than 1.9.0 (numbers, not text)");
    ok(is(direction("npm", WH_DRIFT_VERSION, "2.0.0-rc.1", "2.0.0"), "downgrade"),
       "semver: a pre-release is older than its release");
    ok(is(direction("pypi", WH_DRIFT_VERSION, "2.1.0+cpu", "2.1.0+cu121"), NULL),
       "another build of the same version is neither");
    ok(is(direction("deb", WH_DRIFT_DEV_ONLY, NULL, "1.0"), NULL), "a dev-only finding has none");
}

int
main(int argc, char **argv)
{
    test_markdown_prose_escapes_every_construct(argc > 1 ? argv[1] : NULL);
    test_text_has_no_control_characters();
    test_sarif_cuts_on_utf8_boundaries();
    test_errored_check_is_never_clean();
    test_checked_fields_and_not_evaluated();
    test_downgrade_or_upgrade();
    return done_testing();
}
