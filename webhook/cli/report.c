/* The drift report of `driftgate diff` (and the PR-time check): text, markdown (seed 000's
 * layout: a table per tier, then summary counts) or JSON. */
#include "cli/report.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "sbom/diff.h"
#include "sbom/version.h"

/* A version finding's size as the report prints it: nothing for a finding without one. */
static const char *
size_name(enum wh_drift_size s)
{
    return s == WH_DRIFT_SIZE_NONE ? "" : wh_sbom_drift_size_name(s);
}

const char *
wh_cli_report_direction(const struct wh_sbom_finding *f)
{
    int c;

    if (f->kind != WH_DRIFT_VERSION || f->dev_version == NULL || f->prod_version == NULL)
        return NULL;
    c = wh_sbom_version_compare(f->purl_type, f->prod_version, f->dev_version);
    return c < 0 ? "downgrade" : c > 0 ? "upgrade" : NULL;
}

/* Appends " minor downgrade", " patch" or nothing: what follows a finding's kind in a row. */
static void
append_change(struct wh_buf *b, const struct wh_sbom_finding *f)
{
    const char *dir = wh_cli_report_direction(f);

    if (f->size != WH_DRIFT_SIZE_NONE)
        wh_buf_printf(b, " %s", size_name(f->size));
    if (dir != NULL)
        wh_buf_printf(b, " %s", dir);
}

static const char *
tier_name(enum wh_tier t)
{
    return t == WH_TIER_BLOCK ? "block" : t == WH_TIER_WARN ? "warn" : "ignore";
}

bool
wh_cli_report_format_parse(const char *s, enum wh_report_format *out)
{
    if (strcmp(s, "text") == 0)
        *out = WH_REPORT_TEXT;
    else if (strcmp(s, "markdown") == 0 || strcmp(s, "md") == 0)
        *out = WH_REPORT_MARKDOWN;
    else if (strcmp(s, "json") == 0)
        *out = WH_REPORT_JSON;
    else if (strcmp(s, "sarif") == 0)
        *out = WH_REPORT_SARIF;
    else
        return false;
    return true;
}

void
wh_cli_report_count(const struct wh_report *r, size_t *block, size_t *warn, size_t *ignore)
{
    size_t i;

    *block = *warn = *ignore = 0;
    for (i = 0; r->diff != NULL && i < r->diff->n_findings; i++) {
        if (r->tiered[i].tier == WH_TIER_BLOCK)
            (*block)++;
        else if (r->tiered[i].tier == WH_TIER_WARN)
            (*warn)++;
        else
            (*ignore)++;
    }
}

static const char *
or_dash(const char *s)
{
    return s == NULL || *s == '\0' ? "-" : s;
}

/* ---- hostile text ----
 * Everything a report shows (package names, versions and purls from SBOMs, image references,
 * signer identities, predicate fields, commit messages) may come from an attacker's pull request
 * or image. Each format gets its own escaping, and all of it goes through the walk below: one
 * code point at a time, a byte that is not UTF-8 reported as such. */

/* Calls `emit` for each code point of s[0..len): cp, its bytes, and whether they were UTF-8.
 * A run of bytes `plain` says `emit` would copy unchanged (printable ASCII it does not escape) is
 * appended at once: the same bytes, one append instead of one call per byte. */
typedef void emit_fn(struct wh_buf *b, uint32_t cp, const char *bytes, size_t n, bool is_utf8);
typedef bool plain_fn(unsigned char c);

static void
walk_utf8(struct wh_buf *b, const char *s, size_t len, emit_fn *emit, plain_fn *plain)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    while (i < len) {
        uint32_t cp;
        size_t n, run = i;

        while (i < len && plain(p[i]))
            i++;
        if (i > run) {
            wh_buf_append(b, s + run, i - run);
            continue;
        }
        cp = p[i];
        n = p[i] < 0x80 ? 1 : wh_utf8_next(p + i, len - i, &cp);
        if (n == 0) {
            emit(b, p[i], s + i, 1, false);
            i++;
            continue;
        }
        emit(b, cp, s + i, n, true);
        i += n;
    }
}

/* A control character, a bidi override or a byte that is not UTF-8, as visible text: "\x1b",
 * "\u{202e}". `slash` is how the backslash itself is written ("\\" in markdown prose). */
static void
visible_escape(struct wh_buf *b, uint32_t cp, bool is_utf8, const char *slash)
{
    wh_buf_append_c(b, slash);
    if (!is_utf8 || cp < 0x100)
        wh_buf_printf(b, "x%02x", (unsigned)cp);
    else
        wh_buf_printf(b, "u{%04x}", (unsigned)cp);
}

/* Text output (terminals, CI logs): no control character reaches the output, so a name can
 * neither start a new line (a "::set-output" workflow command) nor move the cursor or recolour
 * (ANSI escapes). Backslashes are doubled so an escape is never ambiguous. */
static void
emit_text(struct wh_buf *b, uint32_t cp, const char *bytes, size_t n, bool is_utf8)
{
    if (!is_utf8 || wh_utf8_is_unsafe(cp))
        visible_escape(b, cp, is_utf8, "\\");
    else if (cp == '\\')
        wh_buf_append_c(b, "\\\\");
    else
        wh_buf_append(b, bytes, n);
}

static bool
plain_text(unsigned char c)
{
    return c >= 0x20 && c < 0x7f && c != '\\';
}

void
wh_cli_report_text_safe(struct wh_buf *b, const char *s)
{
    if (s != NULL)
        walk_utf8(b, s, strlen(s), emit_text, plain_text);
}

/* `s` escaped for text, then padded with spaces to `width` bytes. */
static void
text_field(struct wh_buf *b, const char *s, size_t width)
{
    size_t start = b->len, written;

    wh_cli_report_text_safe(b, or_dash(s));
    for (written = b->len - start; written < width && !b->overflow; written++)
        wh_buf_append_c(b, " ");
}

/* Markdown prose (CommonMark + GitHub): every ASCII punctuation character is backslash-escaped,
 * so no link, image, raw HTML, entity, emphasis, table pipe or code span can start from it; a
 * zero-width space after '@' and '#' keeps GitHub from turning them into @mentions (which notify
 * people) or issue references; controls become visible escapes. */
static void
emit_md(struct wh_buf *b, uint32_t cp, const char *bytes, size_t n, bool is_utf8)
{
    if (!is_utf8 || wh_utf8_is_unsafe(cp)) {
        visible_escape(b, cp, is_utf8, "\\\\");
        return;
    }
    if (cp < 0x80 && ispunct((int)cp)) {
        wh_buf_append_c(b, "\\");
        wh_buf_append(b, bytes, n);
        if (cp == '@' || cp == '#')
            wh_buf_append_c(b, "\xe2\x80\x8b"); /* U+200B ZERO WIDTH SPACE */
        return;
    }
    wh_buf_append(b, bytes, n);
}

static bool
plain_md(unsigned char c)
{
    return c >= 0x20 && c < 0x7f && !ispunct(c);
}

static void
md_text(struct wh_buf *b, const char *s)
{
    walk_utf8(b, or_dash(s), strlen(or_dash(s)), emit_md, plain_md);
}

/* Inside a code span nothing is markup (no links, HTML or mentions); only the table's '|' needs
 * its backslash (GFM splits cells before it parses spans) and controls are made visible. */
static void
emit_code(struct wh_buf *b, uint32_t cp, const char *bytes, size_t n, bool is_utf8)
{
    if (!is_utf8 || wh_utf8_is_unsafe(cp))
        visible_escape(b, cp, is_utf8, "\\");
    else if (cp == '|')
        wh_buf_append_c(b, "\\|");
    else
        wh_buf_append(b, bytes, n);
}

static bool
plain_code(unsigned char c)
{
    return c >= 0x20 && c < 0x7f && c != '|';
}

/* A code span holding `s` exactly (CommonMark 6.1): its fence is one backtick longer than the
 * longest run inside, and a space pads both ends when the text starts or ends with a backtick
 * (or with spaces at both ends, which the parser would strip). */
static void
md_code(struct wh_buf *b, const char *s)
{
    size_t len, i, run = 0, longest = 0;
    bool pad;

    s = or_dash(s);
    len = strlen(s);
    for (i = 0; i < len; i++) {
        run = s[i] == '`' ? run + 1 : 0;
        longest = run > longest ? run : longest;
    }
    pad = s[0] == '`' || s[len - 1] == '`' || (s[0] == ' ' && s[len - 1] == ' ');
    for (i = 0; i <= longest; i++)
        wh_buf_append_c(b, "`");
    if (pad)
        wh_buf_append_c(b, " ");
    walk_utf8(b, s, len, emit_code, plain_code);
    if (pad)
        wh_buf_append_c(b, " ");
    for (i = 0; i <= longest; i++)
        wh_buf_append_c(b, "`");
}

void
wh_cli_report_md_code(struct wh_buf *b, const char *s)
{
    md_code(b, s);
}

void
wh_cli_report_md_text(struct wh_buf *b, const char *s)
{
    md_text(b, s);
}

/* A markdown table cell with a code span. */
static void
md_cell(struct wh_buf *b, const char *s)
{
    wh_buf_append_c(b, " ");
    md_code(b, s);
    wh_buf_append_c(b, " |");
}

static void
render_markdown_tier(const struct wh_report *r, enum wh_tier t, const char *title,
                     const char *blurb, struct wh_buf *b)
{
    size_t i, n = 0;

    for (i = 0; i < r->diff->n_findings; i++)
        n += r->tiered[i].tier == t;
    if (n == 0)
        return;
    wh_buf_printf(b, "### %s (%zu)\n\n%s\n\n", title, n, blurb);
    if (t == WH_TIER_IGNORE)
        wh_buf_append_c(b, "<details><summary>show</summary>\n\n");
    wh_buf_append_c(b, "| Package | Change | Dev | Prod | Rule |\n|---|---|---|---|---|\n");
    for (i = 0; i < r->diff->n_findings; i++) {
        const struct wh_tiered_finding *tf = &r->tiered[i];
        const struct wh_sbom_finding *f = tf->finding;
        if (tf->tier != t)
            continue;
        wh_buf_append_c(b, "|");
        md_cell(b, f->name);
        wh_buf_printf(b, " %s", wh_sbom_drift_kind_name(f->kind));
        append_change(b, f);
        wh_buf_append_c(b, " |");
        md_cell(b, f->dev_version);
        md_cell(b, f->prod_version);
        wh_buf_append_c(b, " ");
        md_text(b, tf->rule);
        if (tf->exemption_reason != NULL) {
            wh_buf_append_c(b, " (exempt: ");
            md_text(b, tf->exemption_reason);
            wh_buf_append_c(b, ")");
        }
        wh_buf_append_c(b, " |\n");
    }
    if (t == WH_TIER_IGNORE)
        wh_buf_append_c(b, "\n</details>\n");
    wh_buf_append_c(b, "\n");
}

/* `check`: what the verdict rests on (signer, attestations, the dev image by digest). */
static void
render_markdown_checked(const struct wh_report *r, struct wh_buf *b)
{
    wh_buf_append_c(b, "- Signed by: ");
    if (r->signer != NULL)
        md_code(b, r->signer);
    else
        wh_buf_append_c(b, "none verified");
    wh_buf_append_c(b, "\n- Attestations: ");
    if (r->attested != NULL)
        md_code(b, r->attested);
    else
        wh_buf_append_c(b, "none verified");
    wh_buf_append_c(b, "\n- Dev image: ");
    md_code(b, r->dev);
    if (r->dev_digest != NULL) {
        wh_buf_append_c(b, " (");
        md_code(b, r->dev_digest);
        wh_buf_append_c(b, ")");
    }
    wh_buf_append_c(b, "\n\n");
}

/* `check`: the verdict and every denial/warning that is not a drift table row. */
static void
render_markdown_decision(const struct wh_report *r, struct wh_buf *b)
{
    const struct wh_decision *d = r->decision;
    size_t i;

    if (d == NULL)
        return;
    wh_buf_printf(b, "**Verdict: %s**", r->error != NULL ? "error" : d->allowed ? "allow" : "deny");
    if (r->digest != NULL) {
        wh_buf_append_c(b, " (");
        md_code(b, r->digest);
        wh_buf_append_c(b, ")");
    }
    wh_buf_append_c(b, "\n\n");
    render_markdown_checked(r, b);
    if (r->error != NULL) {
        wh_buf_append_c(b, "- :x: the check could not complete, nothing was evaluated: ");
        md_text(b, r->error);
        wh_buf_append_c(b, "\n");
    }
    for (i = 0; i < d->n_denials; i++) {
        wh_buf_append_c(b, "- :no_entry: ");
        md_text(b, d->denials[i]);
        wh_buf_append_c(b, "\n");
    }
    for (i = 0; i < d->n_warnings; i++) {
        wh_buf_append_c(b, "- :warning: ");
        md_text(b, d->warnings[i]);
        wh_buf_append_c(b, "\n");
    }
    if (r->error != NULL || d->n_denials + d->n_warnings > 0)
        wh_buf_append_c(b, "\n");
}

/* The one-word outcome of the drift tables; an errored check evaluated nothing, so it is never
 * "clean". */
static const char *
drift_outcome(const struct wh_report *r, size_t block, size_t warn)
{
    if (r->error != NULL)
        return "not evaluated (error)";
    if (r->not_evaluated != NULL)
        return "not evaluated";
    return block > 0 ? "blocked" : warn > 0 ? "warnings" : "clean";
}

static void
render_markdown(const struct wh_report *r, struct wh_buf *b)
{
    size_t block, warn, ignore;

    wh_cli_report_count(r, &block, &warn, &ignore);
    wh_buf_append_c(b, "## Dev/prod environment drift\n\n");
    if (r->banner != NULL) {
        /* Seed 000 step 4: say plainly when an agent drove the dev environment. */
        wh_buf_append_c(b, "> [!WARNING]\n> :robot: **Agent-authored environment.** ");
        md_text(b, r->banner);
        wh_buf_append_c(b, "\n\n");
    }
    render_markdown_decision(r, b);
    wh_buf_append_c(b, "Production ");
    md_code(b, r->prod);
    wh_buf_append_c(b, " against dev ");
    md_code(b, r->dev);
    wh_buf_append_c(b, " (tiers ");
    md_code(b, r->tiers);
    wh_buf_printf(b, "): **%s**", drift_outcome(r, block, warn));
    if (r->error == NULL && r->not_evaluated != NULL) {
        wh_buf_append_c(b, ": ");
        md_text(b, r->not_evaluated);
    }
    wh_buf_append_c(b, "\n\n");
    render_markdown_tier(r, WH_TIER_BLOCK, ":no_entry: Block",
                         "Drift that breaks production: fix the images before merging.", b);
    render_markdown_tier(r, WH_TIER_WARN, ":warning: Warn",
                         "Drift that often causes 'works on my machine' failures: confirm the "
                         "production version is the one you intended to ship.",
                         b);
    render_markdown_tier(r, WH_TIER_IGNORE, "Ignored",
                         "Expected differences (dev tools, production-only packages).", b);
    wh_buf_append_c(b, "### Summary\n\n");
    if (r->error != NULL)
        wh_buf_append_c(b, "- Not evaluated: the check failed (see above)\n");
    else if (r->not_evaluated != NULL)
        wh_buf_append_c(b, "- Drift: **not evaluated** (see above)\n");
    wh_buf_printf(b, "- Block: **%zu**\n- Warn: **%zu**\n- Ignore: **%zu**\n", block, warn, ignore);
    wh_buf_printf(b,
                  "- Dev-only: **%zu**\n- Prod-only: **%zu**\n- Version drift: **%zu**\n- Same: "
                  "**%zu**\n",
                  r->diff->n_dev_only, r->diff->n_prod_only, r->diff->n_version, r->diff->n_same);
}

/* One text line: a fixed tag, then `s` escaped (never a line of its own). */
static void
text_line(struct wh_buf *b, const char *tag, const char *s)
{
    wh_buf_append_c(b, tag);
    wh_cli_report_text_safe(b, s);
    wh_buf_append_c(b, "\n");
}

/* `check`: what the verdict rests on, one tagged line each. */
static void
render_text_checked(const struct wh_report *r, struct wh_buf *b)
{
    text_line(b, "image  ", r->prod);
    text_line(b, "digest ", or_dash(r->digest));
    text_line(b, "signer ", r->signer != NULL ? r->signer : "none verified");
    text_line(b, "attest ", r->attested != NULL ? r->attested : "none verified");
    wh_buf_append_c(b, "dev    ");
    wh_cli_report_text_safe(b, r->dev);
    if (r->dev_digest != NULL) {
        wh_buf_append_c(b, " ");
        wh_cli_report_text_safe(b, r->dev_digest);
    }
    wh_buf_append_c(b, "\n");
    if (r->error == NULL && r->not_evaluated != NULL)
        text_line(b, "drift  not evaluated: ", r->not_evaluated);
}

static void
render_text(const struct wh_report *r, struct wh_buf *b)
{
    size_t i, block, warn, ignore;

    wh_cli_report_count(r, &block, &warn, &ignore);
    if (r->banner != NULL)
        text_line(b, "AGENT  ", r->banner);
    if (r->decision != NULL)
        render_text_checked(r, b);
    if (r->error != NULL)
        text_line(b, "error  not evaluated: ", r->error);
    for (i = 0; r->decision != NULL && i < r->decision->n_denials; i++)
        text_line(b, "deny   ", r->decision->denials[i]);
    for (i = 0; r->decision != NULL && i < r->decision->n_warnings; i++)
        text_line(b, "warn   ", r->decision->warnings[i]);
    for (i = 0; i < r->diff->n_findings; i++) {
        const struct wh_tiered_finding *tf = &r->tiered[i];
        const struct wh_sbom_finding *f = tf->finding;
        if (tf->tier == WH_TIER_IGNORE)
            continue;
        wh_buf_printf(b, "%-6s %-10s ", tier_name(tf->tier), wh_sbom_drift_kind_name(f->kind));
        text_field(b, f->name, 40);
        wh_buf_append_c(b, " dev ");
        text_field(b, f->dev_version, 24);
        wh_buf_append_c(b, " prod ");
        text_field(b, f->prod_version, 24);
        wh_buf_append_c(b, " ");
        wh_cli_report_text_safe(b, or_dash(tf->rule));
        append_change(b, f);
        wh_buf_append_c(b, "\n");
    }
    if (r->error != NULL)
        wh_buf_append_c(b, "summary: not evaluated (error); ");
    else if (r->not_evaluated != NULL)
        wh_buf_append_c(b, "summary: drift not evaluated; ");
    else
        wh_buf_append_c(b, "summary: ");
    wh_buf_printf(b,
                  "block %zu, warn %zu, ignore %zu; dev-only %zu, prod-only %zu, version "
                  "drift %zu, same %zu\n",
                  block, warn, ignore, r->diff->n_dev_only, r->diff->n_prod_only,
                  r->diff->n_version, r->diff->n_same);
}

static void
json_field(struct wh_buf *b, const char *key, const char *value, bool comma)
{
    wh_buf_printf(b, "%s\"%s\":", comma ? "," : "", key);
    if (value == NULL)
        wh_buf_append_c(b, "null");
    else
        wh_buf_append_json_string(b, wh_str_c(value));
}

static void
json_list(struct wh_buf *b, const char *key, const char *const *items, size_t n)
{
    size_t i;

    wh_buf_printf(b, ",\"%s\":[", key);
    for (i = 0; i < n; i++) {
        if (i > 0)
            wh_buf_append_c(b, ",");
        wh_buf_append_json_string(b, wh_str_c(items[i]));
    }
    wh_buf_append_c(b, "]");
}

static void
render_json(const struct wh_report *r, struct wh_buf *b)
{
    size_t i, block, warn, ignore;

    wh_cli_report_count(r, &block, &warn, &ignore);
    wh_buf_append_c(b, "{");
    json_field(b, "prod", r->prod, false);
    json_field(b, "dev", r->dev, true);
    json_field(b, "tiers", r->tiers, true);
    if (r->decision != NULL) {
        json_field(b, "digest", r->digest, true);
        json_field(b, "verdict",
                   r->error != NULL       ? "error"
                   : r->decision->allowed ? "allow"
                                          : "deny",
                   true);
        json_field(b, "error", r->error, true);
        json_field(b, "signer", r->signer, true);
        json_field(b, "attestations", r->attested, true);
        json_field(b, "devDigest", r->dev_digest, true);
        json_field(b, "drift", drift_outcome(r, block, warn), true);
        json_field(b, "driftNotEvaluated", r->error != NULL ? r->error : r->not_evaluated, true);
        json_field(b, "agentBanner", r->banner, true);
        json_list(b, "denials", (const char *const *)r->decision->denials, r->decision->n_denials);
        json_list(b, "warnings", (const char *const *)r->decision->warnings,
                  r->decision->n_warnings);
    }
    wh_buf_printf(b,
                  ",\"summary\":{\"block\":%zu,\"warn\":%zu,\"ignore\":%zu,\"devOnly\":%zu,"
                  "\"prodOnly\":%zu,\"versionDrift\":%zu,\"same\":%zu},\"findings\":[",
                  block, warn, ignore, r->diff->n_dev_only, r->diff->n_prod_only,
                  r->diff->n_version, r->diff->n_same);
    for (i = 0; i < r->diff->n_findings; i++) {
        const struct wh_tiered_finding *tf = &r->tiered[i];
        const struct wh_sbom_finding *f = tf->finding;
        wh_buf_append_c(b, i > 0 ? ",{" : "{");
        json_field(b, "tier", tier_name(tf->tier), false);
        json_field(b, "kind", wh_sbom_drift_kind_name(f->kind), true);
        json_field(b, "size", f->size == WH_DRIFT_SIZE_NONE ? NULL : size_name(f->size), true);
        json_field(b, "direction", wh_cli_report_direction(f), true);
        json_field(b, "name", f->name, true);
        json_field(b, "key", f->key, true);
        json_field(b, "dev", f->dev_version, true);
        json_field(b, "prod", f->prod_version, true);
        json_field(b, "rule", tf->rule, true);
        json_field(b, "exemption", tf->exemption_reason, true);
        wh_buf_append_c(b, "}");
    }
    wh_buf_append_c(b, "]}\n");
}

/* SARIF strings are bounded (code scanning shows a line, not a 100 KB package name): cut at a
 * UTF-8 boundary, never inside a sequence, and marked with an ellipsis. */
#define SARIF_TEXT_MAX 1024
#define SARIF_NAME_MAX 512

static void
json_field_cut(struct wh_buf *b, const char *key, const char *value, size_t max, bool comma)
{
    size_t len = strlen(value), cut = wh_utf8_cut(value, len, max);
    struct wh_buf t;

    if (cut == len) {
        json_field(b, key, value, comma);
        return;
    }
    wh_buf_init(&t, max + 8);
    wh_buf_append(&t, value, cut);
    wh_buf_append_c(&t, "\xe2\x80\xa6"); /* U+2026 HORIZONTAL ELLIPSIS */
    json_field(b, key, t.ptr, comma);
    wh_buf_fini(&t);
}

/* One SARIF result. Locations are logical (the image and the package): an image has no source
 * file, and GitHub code scanning accepts logicalLocations. */
static void
sarif_result(struct wh_buf *b, bool *first, const char *rule, const char *level, const char *text,
             const char *image, const char *package)
{
    struct wh_buf where;

    wh_buf_init(&where, 2 * SARIF_NAME_MAX);
    wh_buf_append_c(&where, image != NULL ? image : "-");
    if (package != NULL) {
        wh_buf_append_c(&where, "/");
        wh_buf_append(&where, package, wh_utf8_cut(package, strlen(package), SARIF_NAME_MAX));
    }
    wh_buf_append_c(b, *first ? "{" : ",{");
    *first = false;
    json_field(b, "ruleId", rule, false);
    json_field(b, "level", level, true);
    wh_buf_append_c(b, ",\"message\":{");
    json_field_cut(b, "text", text, SARIF_TEXT_MAX, false);
    wh_buf_append_c(b, "},\"locations\":[{\"logicalLocations\":[{");
    json_field_cut(b, "fullyQualifiedName", where.len > 0 ? where.ptr : "-", SARIF_NAME_MAX, false);
    json_field(b, "kind", package != NULL ? "package" : "module", true);
    wh_buf_append_c(b, "}]}]}");
    wh_buf_fini(&where);
}

static void
sarif_finding(struct wh_buf *b, bool *first, const struct wh_report *r,
              const struct wh_tiered_finding *tf)
{
    const struct wh_sbom_finding *f = tf->finding;
    struct wh_buf text;

    /* Each part is cut first, so a 100 KB name cannot push the versions and rule out. */
    wh_buf_init(&text, 4 * SARIF_TEXT_MAX);
    wh_buf_printf(&text, "%s ", wh_sbom_drift_kind_name(f->kind));
    wh_buf_append(&text, f->name, wh_utf8_cut(f->name, strlen(f->name), SARIF_NAME_MAX));
    append_change(&text, f);
    wh_buf_append_c(&text, ": dev ");
    wh_buf_append(&text, or_dash(f->dev_version),
                  wh_utf8_cut(or_dash(f->dev_version), strlen(or_dash(f->dev_version)), 128));
    wh_buf_append_c(&text, ", prod ");
    wh_buf_append(&text, or_dash(f->prod_version),
                  wh_utf8_cut(or_dash(f->prod_version), strlen(or_dash(f->prod_version)), 128));
    wh_buf_printf(&text, " (%s)", or_dash(tf->rule));
    sarif_result(b, first, tf->tier == WH_TIER_BLOCK ? "drift/block" : "drift/warn",
                 tf->tier == WH_TIER_BLOCK ? "error" : "warning", text.len > 0 ? text.ptr : "-",
                 r->prod, f->name);
    wh_buf_fini(&text);
}

static void
render_sarif(const struct wh_report *r, struct wh_buf *b)
{
    bool first = true;
    size_t i;

    wh_buf_append_c(b, "{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\","
                       "\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{"
                       "\"name\":\"driftgate\",\"informationUri\":"
                       "\"https://driftgate.dev\",\"rules\":["
                       "{\"id\":\"drift/block\",\"shortDescription\":{\"text\":\"Dev/prod drift "
                       "a block tier matched\"}},"
                       "{\"id\":\"drift/warn\",\"shortDescription\":{\"text\":\"Dev/prod drift "
                       "a warn tier matched\"}},"
                       "{\"id\":\"policy/deny\",\"shortDescription\":{\"text\":\"Admission "
                       "policy denial\"}},"
                       "{\"id\":\"policy/warn\",\"shortDescription\":{\"text\":\"Admission "
                       "policy warning\"}},"
                       "{\"id\":\"check/error\",\"shortDescription\":{\"text\":\"The check "
                       "could not complete: nothing was evaluated\"}},"
                       "{\"id\":\"drift/not-evaluated\",\"shortDescription\":{\"text\":"
                       "\"Drift against the dev image was not evaluated\"}}]}},\"results\":[");
    if (r->error != NULL)
        sarif_result(b, &first, "check/error", "error", r->error, r->prod, NULL);
    else if (r->not_evaluated != NULL)
        sarif_result(b, &first, "drift/not-evaluated", "note", r->not_evaluated, r->prod, NULL);
    for (i = 0; i < r->diff->n_findings; i++)
        if (r->tiered[i].tier != WH_TIER_IGNORE)
            sarif_finding(b, &first, r, &r->tiered[i]);
    for (i = 0; r->decision != NULL && i < r->decision->n_denials; i++)
        sarif_result(b, &first, "policy/deny", "error", r->decision->denials[i], r->prod, NULL);
    for (i = 0; r->decision != NULL && i < r->decision->n_warnings; i++)
        sarif_result(b, &first, "policy/warn", "warning", r->decision->warnings[i], r->prod, NULL);
    wh_buf_append_c(b, "]}]}\n");
}

void
wh_cli_report_render(const struct wh_report *in, enum wh_report_format f, struct wh_buf *out)
{
    static const struct wh_sbom_diff no_diff;
    struct wh_report copy = *in;
    const struct wh_report *r = &copy;

    if (copy.diff == NULL)
        copy.diff = &no_diff; /* `check` of an image without a dev reference */
    if (f == WH_REPORT_SARIF)
        render_sarif(r, out);
    else if (f == WH_REPORT_MARKDOWN)
        render_markdown(r, out);
    else if (f == WH_REPORT_JSON)
        render_json(r, out);
    else
        render_text(r, out);
}
