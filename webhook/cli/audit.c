/*
 * `driftgate audit pins [DIR] [--policy FILE] [--format text|markdown|json|sarif]`: the pipeline
 * pin audit of a repository (audit/), offline. Exit 0 nothing blocks, 1 a block-tier reference
 * or a file that could not be audited, 2 usage, policy or I/O error.
 */
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "audit/classify.h"
#include "audit/walk.h"
#include "base/arena.h"
#include "base/limits.h"
#include "cli/audit.h"
#include "cli/commands.h"
#include "cli/report.h"
#include "policy/policy.h"

#define USAGE "driftgate audit pins [DIR] [--policy FILE] [--format text|markdown|json|sarif]"
#define OUT_MAX (64u * 1024 * 1024)

static int
fail(const char *msg)
{
    struct wh_buf b;

    wh_buf_init(&b, 64 * 1024);
    wh_buf_append_c(&b, "driftgate audit: ");
    wh_cli_report_text_safe(&b, msg);
    wh_buf_append_c(&b, "\n");
    fwrite(b.ptr, 1, b.len, stderr);
    wh_buf_fini(&b);
    return 2;
}

const char *
wh_cli_audit_status_name(enum wh_audit_status s)
{
    static const char *const names[] = {"pinned", "locked", "local", "unpinned"};

    return names[s];
}

static const char *
tier_name(enum wh_tier t)
{
    return t == WH_TIER_BLOCK ? "block" : t == WH_TIER_WARN ? "warn" : "ignore";
}

static bool
needs_decision(const struct wh_audit_ref *r)
{
    return r->status == WH_AUDIT_UNPINNED || r->status == WH_AUDIT_LOCAL;
}

static const char *
message(const struct wh_audit_ref *r, struct wh_arena *a)
{
    if (r->status == WH_AUDIT_LOCAL)
        return wh_arena_sprintf(a, "%s is in this repository (it changes with the commit)",
                                r->text);
    return r->why != NULL ? r->why : "";
}

struct summary {
    size_t pinned, locked, block, warn, ignore;
};

static void
summarize(const struct wh_audit *au, struct summary *s)
{
    size_t i;

    memset(s, 0, sizeof(*s));
    wh_audit_count(au, &s->block, &s->warn, &s->ignore);
    for (i = 0; i < au->n_refs; i++) {
        s->pinned += au->refs[i].status == WH_AUDIT_PINNED;
        s->locked += au->refs[i].status == WH_AUDIT_LOCKED;
    }
}

/* ---- text ---- */

static void
text_location(struct wh_buf *b, const char *file, int line, int col)
{
    wh_cli_report_text_safe(b, file);
    if (line > 0)
        wh_buf_printf(b, ":%d:%d", line, col);
}

static void
render_text(const struct wh_audit *au, const char *dir, struct wh_buf *b)
{
    struct summary s;

    summarize(au, &s);
    wh_buf_append_c(b, "driftgate audit pins ");
    wh_cli_report_text_safe(b, dir);
    wh_buf_printf(b, ": %zu files, %zu references (%zu pinned, %zu locked)\n", au->n_files,
                  au->n_refs, s.pinned, s.locked);
    wh_cli_audit_pins_lines(au, b);
    wh_cli_audit_error_lines(au, b);
    wh_buf_printf(b, "summary: block %zu, warn %zu, ignore %zu, errors %zu\n", s.block, s.warn,
                  s.ignore, au->n_errors);
}

void
wh_cli_audit_pins_lines(const struct wh_audit *au, struct wh_buf *b)
{
    size_t i;
    int pass;

    for (pass = 0; pass < 2; pass++)
        for (i = 0; i < au->n_refs; i++) {
            const struct wh_audit_ref *r = &au->refs[i];
            if (!needs_decision(r) || r->tier != (pass == 0 ? WH_TIER_BLOCK : WH_TIER_WARN))
                continue;
            wh_buf_append_c(b, pass == 0 ? "BLOCK " : "WARN  ");
            text_location(b, r->file, r->line, r->col);
            wh_buf_printf(b, " %s%s ", wh_policy_pin_kind_name(r->kind),
                          r->stage == 0   ? " (final stage)"
                          : r->stage == 1 ? " (builder stage)"
                                          : "");
            wh_cli_report_text_safe(b, r->text);
            if (r->comment != NULL) {
                wh_buf_append_c(b, " ");
                wh_cli_report_text_safe(b, r->comment);
            }
            wh_buf_append_c(b, "\n      ");
            wh_cli_report_text_safe(b, message(r, au->a));
            wh_buf_printf(b, " [%s]\n", r->rule);
        }
}

void
wh_cli_audit_error_lines(const struct wh_audit *au, struct wh_buf *b)
{
    size_t i;

    for (i = 0; i < au->n_errors; i++) {
        wh_buf_append_c(b, "ERROR ");
        text_location(b, au->errors[i].file, au->errors[i].line, au->errors[i].col);
        wh_buf_append_c(b, ": ");
        wh_cli_report_text_safe(b, au->errors[i].msg);
        wh_buf_append_c(b, "\n");
    }
}

/* ---- json ---- */

void
wh_cli_audit_json_str(struct wh_buf *b, const char *key, const char *v, bool comma)
{
    wh_buf_printf(b, "%s\"%s\":", comma ? "," : "", key);
    if (v == NULL)
        wh_buf_append_c(b, "null");
    else
        wh_buf_append_json_string(b, wh_str_c(v));
}

static void
json_ref(struct wh_buf *b, const struct wh_audit_ref *r, struct wh_arena *a)
{
    wh_cli_audit_json_str(b, "file", r->file, false);
    wh_buf_printf(b, ",\"line\":%d,\"column\":%d", r->line, r->col);
    wh_cli_audit_json_str(b, "kind", wh_policy_pin_kind_name(r->kind), true);
    wh_cli_audit_json_str(b, "text", r->text, true);
    wh_cli_audit_json_str(b, "name", r->name, true);
    wh_cli_audit_json_str(b, "version", r->version, true);
    wh_cli_audit_json_str(b, "digest", r->digest, true);
    wh_cli_audit_json_str(b, "comment", r->comment, true);
    wh_cli_audit_json_str(b, "stage",
                          r->stage == 0   ? "final"
                          : r->stage == 1 ? "builder"
                                          : NULL,
                          true);
    wh_cli_audit_json_str(b, "status", wh_cli_audit_status_name(r->status), true);
    wh_cli_audit_json_str(b, "tier", needs_decision(r) ? tier_name(r->tier) : NULL, true);
    wh_cli_audit_json_str(b, "rule", needs_decision(r) ? r->rule : NULL, true);
    wh_cli_audit_json_str(b, "message", r->status == WH_AUDIT_PINNED ? r->why : message(r, a),
                          true);
}

static void
render_json(const struct wh_audit *au, const char *dir, struct wh_buf *b)
{
    struct summary s;

    summarize(au, &s);
    wh_buf_append_c(b, "{\"command\":\"audit pins\"");
    wh_cli_audit_json_str(b, "dir", dir, true);
    wh_buf_printf(b,
                  ",\"summary\":{\"files\":%zu,\"references\":%zu,\"pinned\":%zu,\"locked\":%zu,"
                  "\"block\":%zu,\"warn\":%zu,\"ignore\":%zu,\"errors\":%zu},\"references\":[",
                  au->n_files, au->n_refs, s.pinned, s.locked, s.block, s.warn, s.ignore,
                  au->n_errors);
    wh_cli_audit_json_refs(au, b);
    wh_buf_append_c(b, "}\n");
}

void
wh_cli_audit_json_refs(const struct wh_audit *au, struct wh_buf *b)
{
    size_t i;

    for (i = 0; i < au->n_refs; i++) {
        wh_buf_append_c(b, i > 0 ? ",\n{" : "\n{");
        json_ref(b, &au->refs[i], au->a);
        wh_buf_append_c(b, "}");
    }
    wh_buf_append_c(b, "],\"errors\":[");
    for (i = 0; i < au->n_errors; i++) {
        wh_buf_append_c(b, i > 0 ? ",\n{" : "\n{");
        wh_cli_audit_json_str(b, "file", au->errors[i].file, false);
        wh_buf_printf(b, ",\"line\":%d,\"column\":%d", au->errors[i].line, au->errors[i].col);
        wh_cli_audit_json_str(b, "message", au->errors[i].msg, true);
        wh_buf_append_c(b, "}");
    }
    wh_buf_append_c(b, "]");
}

/* ---- sarif ---- */

void
wh_cli_audit_sarif_result(struct wh_buf *b, bool *first, const char *rule, const char *level,
                          const char *text, const char *file, int line, int col)
{
    wh_buf_append_c(b, *first ? "\n{" : ",\n{");
    *first = false;
    wh_cli_audit_json_str(b, "ruleId", rule, false);
    wh_cli_audit_json_str(b, "level", level, true);
    wh_buf_append_c(b, ",\"message\":{");
    wh_cli_audit_json_str(b, "text", text, false);
    wh_buf_append_c(b, "},\"locations\":[{\"physicalLocation\":{\"artifactLocation\":{");
    wh_cli_audit_json_str(b, "uri", file, false);
    wh_buf_append_c(b, ",\"uriBaseId\":\"%SRCROOT%\"}");
    if (line > 0)
        wh_buf_printf(b, ",\"region\":{\"startLine\":%d,\"startColumn\":%d}", line,
                      col > 0 ? col : 1);
    wh_buf_append_c(b, "}}]}");
}

void
wh_cli_audit_sarif_pin_rules(struct wh_buf *b)
{
    int k;

    for (k = 0; k < WH_PIN_KIND_COUNT; k++)
        wh_buf_printf(b,
                      "{\"id\":\"pins/%s\",\"shortDescription\":{\"text\":\"Unpinned %s "
                      "reference\"}},",
                      wh_policy_pin_kind_name((enum wh_pin_kind)k),
                      wh_policy_pin_kind_name((enum wh_pin_kind)k));
    wh_buf_append_c(b, "{\"id\":\"pins/error\",\"shortDescription\":{\"text\":\"A file that "
                       "could not be audited\"}}");
}

static void
render_sarif(const struct wh_audit *au, struct wh_buf *b)
{
    bool first = true;

    wh_buf_append_c(b, "{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\","
                       "\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{"
                       "\"name\":\"driftgate\",\"informationUri\":\"https://driftgate.dev\",");
    wh_buf_append_c(b, "\"rules\":[");
    wh_cli_audit_sarif_pin_rules(b);
    wh_buf_append_c(b, "]}},\"results\":[");
    wh_cli_audit_sarif_pins(au, b, &first);
    wh_buf_append_c(b, "]}]}\n");
}

void
wh_cli_audit_sarif_pins(const struct wh_audit *au, struct wh_buf *b, bool *first)
{
    size_t i;

    for (i = 0; i < au->n_refs; i++) {
        const struct wh_audit_ref *r = &au->refs[i];
        if (!needs_decision(r) || r->tier == WH_TIER_IGNORE)
            continue;
        wh_cli_audit_sarif_result(
            b, first, wh_arena_sprintf(au->a, "pins/%s", wh_policy_pin_kind_name(r->kind)),
            r->tier == WH_TIER_BLOCK ? "error" : "warning",
            wh_arena_sprintf(au->a, "%s [%s]", message(r, au->a), r->rule), r->file, r->line,
            r->col);
    }
    for (i = 0; i < au->n_errors; i++)
        wh_cli_audit_sarif_result(b, first, "pins/error", "error", au->errors[i].msg,
                                  au->errors[i].file, au->errors[i].line, au->errors[i].col);
}

/* ---- markdown ---- */

void
wh_cli_audit_md_row(struct wh_buf *b, const struct wh_audit_ref *r, struct wh_arena *a)
{
    wh_buf_append_c(b, "| ");
    wh_cli_report_md_code(b, wh_arena_sprintf(a, "%s:%d", r->file, r->line));
    wh_buf_printf(b, " | %s | ", wh_policy_pin_kind_name(r->kind));
    wh_cli_report_md_code(b, r->text);
    wh_buf_append_c(b, " | ");
    wh_cli_report_md_text(b, message(r, a));
    wh_buf_printf(b, " | %s |\n", r->rule);
}

static void
render_markdown(const struct wh_audit *au, const char *dir, struct wh_buf *b)
{
    struct summary s;
    size_t i;
    int pass;

    summarize(au, &s);
    wh_buf_append_c(b, "## driftgate audit pins: ");
    wh_cli_report_md_code(b, dir);
    wh_buf_printf(b,
                  "\n\n%zu files, %zu references: %zu pinned, %zu locked; **block %zu**, warn "
                  "%zu, ignore %zu, errors %zu\n",
                  au->n_files, au->n_refs, s.pinned, s.locked, s.block, s.warn, s.ignore,
                  au->n_errors);
    for (pass = 0; pass < 2; pass++) {
        enum wh_tier t = pass == 0 ? WH_TIER_BLOCK : WH_TIER_WARN;
        if ((pass == 0 ? s.block : s.warn) == 0)
            continue;
        wh_buf_printf(b,
                      "\n### %s\n\n| Where | Kind | Reference | Why | Rule |\n"
                      "| --- | --- | --- | --- | --- |\n",
                      pass == 0 ? "Block" : "Warn");
        for (i = 0; i < au->n_refs; i++)
            if (needs_decision(&au->refs[i]) && au->refs[i].tier == t)
                wh_cli_audit_md_row(b, &au->refs[i], au->a);
    }
    if (au->n_errors > 0)
        wh_buf_append_c(b, "\n### Errors\n\n");
    for (i = 0; i < au->n_errors; i++) {
        wh_buf_append_c(b, "- ");
        wh_cli_report_md_code(b, wh_arena_sprintf(au->a, "%s:%d:%d", au->errors[i].file,
                                                  au->errors[i].line, au->errors[i].col));
        wh_buf_append_c(b, " ");
        wh_cli_report_md_text(b, au->errors[i].msg);
        wh_buf_append_c(b, "\n");
    }
}

/* ---- command ---- */

struct args {
    const char *dir, *policy, *format;
};

static int
parse_args(int argc, char **argv, struct args *o)
{
    int i;

    memset(o, 0, sizeof(*o));
    o->format = "text";
    for (i = 2; i < argc; i++) {
        if ((strcmp(argv[i], "--policy") == 0 || strcmp(argv[i], "--format") == 0) &&
            i + 1 < argc) {
            *(argv[i][2] == 'p' ? &o->policy : &o->format) = argv[i + 1];
            i++;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "driftgate audit: unknown flag %s\nusage: %s\n", argv[i], USAGE);
            return 2;
        } else if (o->dir == NULL) {
            o->dir = argv[i];
        } else {
            fprintf(stderr, "usage: %s\n", USAGE);
            return 2;
        }
    }
    if (o->dir == NULL)
        o->dir = ".";
    return 0;
}

static void
render(const struct wh_audit *au, const char *dir, enum wh_report_format f, struct wh_buf *b)
{
    if (f == WH_REPORT_SARIF)
        render_sarif(au, b);
    else if (f == WH_REPORT_JSON)
        render_json(au, dir, b);
    else if (f == WH_REPORT_MARKDOWN)
        render_markdown(au, dir, b);
    else
        render_text(au, dir, b);
}

static int
audit_pins(const struct args *o, enum wh_report_format fmt, struct wh_policy *policy)
{
    struct wh_arena a;
    struct wh_audit au;
    struct wh_error err;
    struct wh_buf out;
    size_t block, warn, ignore;
    int status;

    wh_arena_init(&a);
    wh_audit_init(&au, &a);
    if (wh_audit_walk(&au, o->dir, &err) != WH_OK) {
        wh_arena_fini(&a);
        return fail(err.msg);
    }
    wh_audit_classify(&au, policy);
    wh_buf_init(&out, OUT_MAX);
    render(&au, o->dir, fmt, &out);
    if (wh_buf_check(&out, "report", &err) != WH_OK) {
        status = fail(err.msg);
    } else {
        fwrite(out.ptr, 1, out.len, stdout);
        wh_audit_count(&au, &block, &warn, &ignore);
        status = block > 0 || au.n_errors > 0 ? 1 : 0;
    }
    wh_buf_fini(&out);
    wh_arena_fini(&a);
    return status;
}

int
wh_cli_audit(int argc, char **argv)
{
    struct wh_limits lim = WH_LIMITS_DEFAULT;
    struct wh_policy *policy = NULL;
    struct wh_error err;
    enum wh_report_format fmt;
    struct args o;
    int status;

    if (argc >= 2 && strcmp(argv[1], "repo") == 0)
        return wh_cli_audit_repo(argc, argv);
    if (argc < 2 || strcmp(argv[1], "pins") != 0) {
        fprintf(stderr, "usage: %s\n", USAGE);
        return 2;
    }
    if ((status = parse_args(argc, argv, &o)) != 0)
        return status;
    if (!wh_cli_report_format_parse(o.format, &fmt)) {
        fprintf(stderr, "driftgate audit: unknown --format %s\nusage: %s\n", o.format, USAGE);
        return 2;
    }
    if (o.policy != NULL && wh_policy_load(o.policy, &lim, &policy, &err) != WH_OK)
        return fail(err.msg);
    status = audit_pins(&o, fmt, policy);
    wh_policy_unref(policy);
    return status;
}
