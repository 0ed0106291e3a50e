/* The drift report of `driftgate diff` (and the PR-time check): text, markdown (seed 000's
 * layout: a table per tier, then summary counts) or JSON. */
#include "cli/report.h"

#include <stdio.h>
#include <string.h>

static const char *
kind_name(enum wh_drift_kind k)
{
    switch (k) {
    case WH_DRIFT_DEV_ONLY:
        return "dev-only";
    case WH_DRIFT_PROD_ONLY:
        return "prod-only";
    case WH_DRIFT_VERSION:
        return "version";
    }
    return "?";
}

static const char *
size_name(enum wh_drift_size s)
{
    switch (s) {
    case WH_DRIFT_SIZE_NONE:
        return "";
    case WH_DRIFT_PATCH:
        return "patch";
    case WH_DRIFT_MINOR:
        return "minor";
    case WH_DRIFT_MAJOR:
        return "major";
    case WH_DRIFT_OTHER:
        return "other";
    case WH_DRIFT_BUILD:
        return "build";
    }
    return "";
}

static const char *
tier_name(enum wh_tier t)
{
    return t == WH_TIER_BLOCK ? "block" : t == WH_TIER_WARN ? "warn" : "ignore";
}

bool
wh_report_format_parse(const char *s, enum wh_report_format *out)
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
wh_report_count(const struct wh_report *r, size_t *block, size_t *warn, size_t *ignore)
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

/* Markdown table cells: a '|' or newline in a package name must not break the table. */
static void
md_cell(struct wh_buf *b, const char *s)
{
    const char *p;

    wh_buf_append_c(b, " `");
    for (p = or_dash(s); *p != '\0'; p++) {
        if (*p == '|')
            wh_buf_append_c(b, "\\|");
        else if (*p == '`' || *p == '\n' || *p == '\r')
            wh_buf_append_c(b, " ");
        else
            wh_buf_append(b, p, 1);
    }
    wh_buf_append_c(b, "` |");
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
        wh_buf_printf(b, " %s%s%s |", kind_name(f->kind), f->size != WH_DRIFT_SIZE_NONE ? " " : "",
                      size_name(f->size));
        md_cell(b, f->dev_version);
        md_cell(b, f->prod_version);
        if (tf->exemption_reason != NULL)
            wh_buf_printf(b, " %s (exempt: %s) |\n", or_dash(tf->rule), tf->exemption_reason);
        else
            wh_buf_printf(b, " %s |\n", or_dash(tf->rule));
    }
    if (t == WH_TIER_IGNORE)
        wh_buf_append_c(b, "\n</details>\n");
    wh_buf_append_c(b, "\n");
}

/* Plain markdown text: no raw HTML, no line breaks, no table pipes from untrusted names. */
static void
md_text(struct wh_buf *b, const char *s)
{
    for (; *s != '\0'; s++) {
        if (*s == '\n' || *s == '\r')
            wh_buf_append_c(b, " ");
        else if (strchr("<>|`*_[]", *s) != NULL) {
            wh_buf_append_c(b, "\\");
            wh_buf_append(b, s, 1);
        } else
            wh_buf_append(b, s, 1);
    }
}

/* `check`: the verdict and every denial/warning that is not a drift table row. */
static void
render_markdown_decision(const struct wh_report *r, struct wh_buf *b)
{
    const struct wh_decision *d = r->decision;
    size_t i;

    if (d == NULL)
        return;
    wh_buf_printf(b, "**Verdict: %s**%s%s%s\n\n",
                  r->error != NULL ? "error"
                  : d->allowed     ? "allow"
                                   : "deny",
                  r->digest != NULL ? " (`" : "", r->digest != NULL ? r->digest : "",
                  r->digest != NULL ? "`)" : "");
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
    if (d->n_denials + d->n_warnings > 0)
        wh_buf_append_c(b, "\n");
}

static void
render_markdown(const struct wh_report *r, struct wh_buf *b)
{
    size_t block, warn, ignore;

    wh_report_count(r, &block, &warn, &ignore);
    wh_buf_append_c(b, "## Dev/prod environment drift\n\n");
    if (r->banner != NULL) {
        /* Seed 000 step 4: say plainly when an agent drove the dev environment. */
        wh_buf_append_c(b, "> [!WARNING]\n> :robot: **Agent-authored environment.** ");
        md_text(b, r->banner);
        wh_buf_append_c(b, "\n\n");
    }
    render_markdown_decision(r, b);
    wh_buf_printf(b, "Production `%s` against dev `%s` (tiers `%s`): **%s**\n\n", r->prod, r->dev,
                  or_dash(r->tiers),
                  block > 0  ? "blocked"
                  : warn > 0 ? "warnings"
                             : "clean");
    render_markdown_tier(r, WH_TIER_BLOCK, ":no_entry: Block",
                         "Drift that breaks production: fix the images before merging.", b);
    render_markdown_tier(r, WH_TIER_WARN, ":warning: Warn",
                         "Drift that often causes 'works on my machine' failures: confirm the "
                         "production version is the one you intended to ship.",
                         b);
    render_markdown_tier(r, WH_TIER_IGNORE, "Ignored",
                         "Expected differences (dev tools, production-only packages).", b);
    wh_buf_append_c(b, "### Summary\n\n");
    wh_buf_printf(b, "- Block: **%zu**\n- Warn: **%zu**\n- Ignore: **%zu**\n", block, warn, ignore);
    wh_buf_printf(b,
                  "- Dev-only: **%zu**\n- Prod-only: **%zu**\n- Version drift: **%zu**\n- Same: "
                  "**%zu**\n",
                  r->diff->n_dev_only, r->diff->n_prod_only, r->diff->n_version, r->diff->n_same);
}

static void
render_text(const struct wh_report *r, struct wh_buf *b)
{
    size_t i, block, warn, ignore;

    wh_report_count(r, &block, &warn, &ignore);
    if (r->banner != NULL)
        wh_buf_printf(b, "AGENT  %s\n", r->banner);
    for (i = 0; r->decision != NULL && i < r->decision->n_denials; i++)
        wh_buf_printf(b, "deny   %s\n", r->decision->denials[i]);
    for (i = 0; r->decision != NULL && i < r->decision->n_warnings; i++)
        wh_buf_printf(b, "warn   %s\n", r->decision->warnings[i]);
    for (i = 0; i < r->diff->n_findings; i++) {
        const struct wh_tiered_finding *tf = &r->tiered[i];
        const struct wh_sbom_finding *f = tf->finding;
        if (tf->tier == WH_TIER_IGNORE)
            continue;
        wh_buf_printf(b, "%-6s %-10s %-40s dev %-24s prod %-24s %s%s%s\n", tier_name(tf->tier),
                      kind_name(f->kind), f->name, or_dash(f->dev_version),
                      or_dash(f->prod_version), or_dash(tf->rule),
                      f->size != WH_DRIFT_SIZE_NONE ? " " : "", size_name(f->size));
    }
    wh_buf_printf(b,
                  "summary: block %zu, warn %zu, ignore %zu; dev-only %zu, prod-only %zu, version "
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

    wh_report_count(r, &block, &warn, &ignore);
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
        json_field(b, "kind", kind_name(f->kind), true);
        json_field(b, "size", f->size == WH_DRIFT_SIZE_NONE ? NULL : size_name(f->size), true);
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

/* One SARIF result. Locations are logical (the image and the package): an image has no source
 * file, and GitHub code scanning accepts logicalLocations. */
static void
sarif_result(struct wh_buf *b, bool *first, const char *rule, const char *level, const char *text,
             const char *image, const char *package)
{
    char where[512];

    snprintf(where, sizeof(where), "%s%s%s", image != NULL ? image : "-",
             package != NULL ? "/" : "", package != NULL ? package : "");
    wh_buf_append_c(b, *first ? "{" : ",{");
    *first = false;
    json_field(b, "ruleId", rule, false);
    json_field(b, "level", level, true);
    wh_buf_append_c(b, ",\"message\":{");
    json_field(b, "text", text, false);
    wh_buf_append_c(b, "},\"locations\":[{\"logicalLocations\":[{");
    json_field(b, "fullyQualifiedName", where, false);
    json_field(b, "kind", package != NULL ? "package" : "module", true);
    wh_buf_append_c(b, "}]}]}");
}

static void
render_sarif(const struct wh_report *r, struct wh_buf *b)
{
    bool first = true;
    size_t i;
    char text[1024];

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
                       "policy warning\"}}]}},\"results\":[");
    for (i = 0; i < r->diff->n_findings; i++) {
        const struct wh_tiered_finding *tf = &r->tiered[i];
        const struct wh_sbom_finding *f = tf->finding;
        if (tf->tier == WH_TIER_IGNORE)
            continue;
        snprintf(text, sizeof(text), "%s %s%s%s: dev %s, prod %s (%s)", kind_name(f->kind), f->name,
                 f->size != WH_DRIFT_SIZE_NONE ? " " : "", size_name(f->size),
                 or_dash(f->dev_version), or_dash(f->prod_version), or_dash(tf->rule));
        sarif_result(b, &first, tf->tier == WH_TIER_BLOCK ? "drift/block" : "drift/warn",
                     tf->tier == WH_TIER_BLOCK ? "error" : "warning", text, r->prod, f->name);
    }
    for (i = 0; r->decision != NULL && i < r->decision->n_denials; i++)
        sarif_result(b, &first, "policy/deny", "error", r->decision->denials[i], r->prod, NULL);
    for (i = 0; r->decision != NULL && i < r->decision->n_warnings; i++)
        sarif_result(b, &first, "policy/warn", "warning", r->decision->warnings[i], r->prod, NULL);
    wh_buf_append_c(b, "]}]}\n");
}

void
wh_report_render(const struct wh_report *in, enum wh_report_format f, struct wh_buf *out)
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
