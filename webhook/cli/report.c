/* The drift report of `driftgate diff` (and the PR-time check): text, markdown (seed 000's
 * layout: a table per tier, then summary counts) or JSON. */
#include "cli/report.h"

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
    else
        return false;
    return true;
}

void
wh_report_count(const struct wh_report *r, size_t *block, size_t *warn, size_t *ignore)
{
    size_t i;

    *block = *warn = *ignore = 0;
    for (i = 0; i < r->diff->n_findings; i++) {
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

static void
render_markdown(const struct wh_report *r, struct wh_buf *b)
{
    size_t block, warn, ignore;

    wh_report_count(r, &block, &warn, &ignore);
    wh_buf_append_c(b, "## Dev/prod environment drift\n\n");
    wh_buf_printf(b, "Production `%s` against dev `%s` (tiers `%s`): **%s**\n\n", r->prod, r->dev,
                  or_dash(r->tiers), block > 0 ? "blocked" : warn > 0 ? "warnings" : "clean");
    render_markdown_tier(r, WH_TIER_BLOCK, ":no_entry: Block",
                         "Drift that breaks production: fix the images before merging.", b);
    render_markdown_tier(r, WH_TIER_WARN, ":warning: Warn",
                         "Drift that often causes 'works on my machine' failures: confirm the "
                         "production version is the one you intended to ship.",
                         b);
    render_markdown_tier(r, WH_TIER_IGNORE, "Ignored",
                         "Expected differences (dev tools, production-only packages).", b);
    wh_buf_append_c(b, "### Summary\n\n");
    wh_buf_printf(b, "- Block: **%zu**\n- Warn: **%zu**\n- Ignore: **%zu**\n", block, warn,
                  ignore);
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
render_json(const struct wh_report *r, struct wh_buf *b)
{
    size_t i, block, warn, ignore;

    wh_report_count(r, &block, &warn, &ignore);
    wh_buf_append_c(b, "{");
    json_field(b, "prod", r->prod, false);
    json_field(b, "dev", r->dev, true);
    json_field(b, "tiers", r->tiers, true);
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

void
wh_report_render(const struct wh_report *r, enum wh_report_format f, struct wh_buf *out)
{
    if (f == WH_REPORT_MARKDOWN)
        render_markdown(r, out);
    else if (f == WH_REPORT_JSON)
        render_json(r, out);
    else
        render_text(r, out);
}
