/*
 * `driftgate policy lint`: each file is checked against the policy JSON Schema first (the
 * built-in copy of policy/schema.json, or --schema FILE), reporting every violation with its
 * position (and a fix for common YAML mistakes, lint/hints.h), then, when the schema holds,
 * loaded by the strict loader, which also checks what a schema cannot see (keys parse, regexes
 * compile, references resolve) and reports every entry's error in one run. A policy that loads
 * gets a line per regex with the effective pattern (what is matched, anchors included), and may
 * still get warnings (exit 0): a lenient image rule after a stricter one it shares names with
 * (policy/overlap.h), expired or idle exemptions, shadowed rules, unused tier lists
 * (policy/warnings.h). --explain IMAGE prints the rule the image matches, its exemption and its
 * effective tier list. --date DAY lints as on that day (exemption expiry, maxExemptionDays).
 * `policy schema` prints the built-in schema for editors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/clock.h"
#include "base/file.h"
#include "base/limits.h"
#include "base/regex.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "image/ref.h"
#include "lint/hints.h"
#include "lint/schema.h"
#include "policy/overlap.h"
#include "policy/policy.h"
#include "policy/warnings.h"

#define LINT_USAGE                                                                                 \
    "driftgate policy lint [--schema FILE] [--schema-only] [--key-dir DIR]... [--date "            \
    "YYYY-MM-DD] "                                                                                 \
    "[--explain IMAGE] FILE...\n"                                                                  \
    "       driftgate policy schema"

static int
usage(void)
{
    fprintf(stderr, "usage: %s\n", LINT_USAGE);
    return 2;
}

static int
by_position(const void *x, const void *y)
{
    const struct wh_policy_regex *a = *(const struct wh_policy_regex *const *)x;
    const struct wh_policy_regex *b = *(const struct wh_policy_regex *const *)y;

    return a->line != b->line ? (a->line > b->line) - (a->line < b->line)
                              : (a->col > b->col) - (a->col < b->col);
}

/* "file:line:col: signer gh: keyless.subjectRegExp: whole value must match ^(?:...)$ (RE2)",
 * in file order: the pattern as the engine anchors it, so a reviewer sees what is admitted. */
static void
print_regexes(const char *path, const struct wh_policy *p)
{
    const struct wh_policy_regex *r, **all;
    size_t n = 0, i;

    for (r = wh_policy_regexes(p); r != NULL; r = r->next)
        n++;
    if (n == 0)
        return;
    all = calloc(n, sizeof(*all));
    if (all == NULL)
        wh_oom();
    for (i = 0, r = wh_policy_regexes(p); r != NULL; r = r->next)
        all[i++] = r;
    qsort(all, n, sizeof(*all), by_position);
    for (i = 0; i < n; i++)
        printf("%s:%d:%d: %s: whole value must match %s (RE2 syntax)\n", path, all[i]->line,
               all[i]->col, all[i]->where, wh_regex_effective(all[i]->re));
    free(all);
}

/* Warnings do not fail the lint: a lenient rule after a stricter one it shares names with;
 * expired or idle exemptions, shadowed rules, unused tier lists. */
static void
warn_all(const char *path, const struct wh_policy *p, time_t now)
{
    struct wh_policy_overlap *o;
    const char **msgs;
    struct wh_arena a;
    size_t i, n;

    wh_arena_init(&a);
    n = wh_policy_overlaps(p, &a, &o);
    for (i = 0; i < n; i++)
        fprintf(stderr, "%s\n", wh_policy_overlap_message(&o[i], path, &a));
    n = wh_policy_warnings(p, now, path, &a, &msgs);
    for (i = 0; i < n; i++)
        fprintf(stderr, "%s\n", msgs[i]);
    wh_arena_fini(&a);
}

/* "{devOnly: true, versionDrift: major, names: [a, b]}" as the policy would write it. */
static void
print_list(const char *key, const char *const *v, size_t n, const char **sep)
{
    if (n == 0)
        return;
    printf("%s%s: [", *sep, key);
    for (size_t i = 0; i < n; i++)
        printf("%s%s", i > 0 ? ", " : "", v[i][0] != '\0' ? v[i] : "\"\"");
    printf("]");
    *sep = ", ";
}

static void
print_when(const struct wh_policy_tier_rule *r)
{
    static const char *const drift[] = {"", "any", "major", "minor", "patch", "build"};
    const char *sep = "";

    printf("{");
    if (r->dev_only >= 0) {
        printf("devOnly: %s", r->dev_only ? "true" : "false");
        sep = ", ";
    }
    if (r->prod_only >= 0) {
        printf("%sprodOnly: %s", sep, r->prod_only ? "true" : "false");
        sep = ", ";
    }
    if (r->version_drift != WH_POLICY_DRIFT_UNSET) {
        printf("%sversionDrift: %s", sep, drift[r->version_drift]);
        sep = ", ";
    }
    print_list("names", r->names, r->n_names, &sep);
    print_list("nameContains", r->name_contains, r->n_name_contains, &sep);
    print_list("purlTypes", r->purl_types, r->n_purl_types, &sep);
    printf("}");
}

static const char *
mode_name(enum wh_policy_mode m)
{
    return m == WH_POLICY_MODE_ENFORCE ? "enforce" : m == WH_POLICY_MODE_WARN ? "warn" : "audit";
}

/* What the image rule requires, one line each. */
static void
print_requirements(const struct wh_policy_image *r, struct wh_arena *a)
{
    if (r->signatures.n_signed_by > 0)
        printf("  signatures: %zu of %s\n", r->signatures.count,
               wh_policy_signer_names(r->signatures.signed_by, r->signatures.n_signed_by, a));
    if (r->sbom.required)
        printf("  attestations.sbom: %s by %s\n", r->sbom.predicate_type,
               wh_policy_signer_names(r->sbom.signed_by, r->sbom.n_signed_by, a));
    if (r->provenance.required)
        printf("  attestations.provenance: by %s\n",
               wh_policy_signer_names(r->provenance.signed_by, r->provenance.n_signed_by, a));
    if (r->vulns.required)
        printf("  attestations.vulns: by %s\n",
               wh_policy_signer_names(r->vulns.signed_by, r->vulns.n_signed_by, a));
    if (r->agent.required)
        printf("  attestations.agent: by %s\n",
               wh_policy_signer_names(r->agent.signed_by, r->agent.n_signed_by, a));
    if (r->dev_reference.image != NULL)
        printf("  devReference: %s\n", r->dev_reference.image);
    else if (r->dev_reference.from == WH_POLICY_DEV_FROM_ATTESTATION)
        printf("  devReference: from a dev-environment attestation\n");
}

static void
print_tiers(const char *path, const struct wh_policy_tiers *t)
{
    if (t == NULL) {
        printf("tiers: none (no drift check)\n");
        return;
    }
    printf("tiers: %s%s", t->name, t->is_builtin ? " (built in)" : "");
    for (const struct wh_policy_tiers *b = t->base; b != NULL; b = b->base)
        printf(" extends %s%s", b->name, b->is_builtin ? " (built in)" : "");
    printf("; first match wins, no match blocks\n");
    for (size_t i = 0; i < t->n_rules; i++) {
        const struct wh_policy_tier_rule *r = &t->rules[i];
        static const char *const tier[] = {"block", "warn", "ignore"};
        printf("  %2zu. %-6s ", i + 1, tier[r->tier]);
        print_when(r);
        if (r->is_builtin)
            printf("  # %s, built in\n", r->id);
        else
            printf("  # %s, %s:%d\n", r->id, path, r->line);
    }
}

/* Exemptions naming the image: the image one in force (or lapsed), and finding ones. */
static void
print_exemptions(const struct wh_policy *p, const char *name, time_t now)
{
    const struct wh_policy_exemption *live = wh_policy_image_exemption(p, name, now);
    size_t k, shown = 0;

    for (k = 0;; k++) {
        const struct wh_policy_exemption *x = wh_policy_exemption_get(p, k);
        bool named = false;
        if (x == NULL)
            break;
        for (size_t i = 0; i < x->n_images && !named; i++)
            named = wh_image_glob_match(wh_str_c(x->images[i]), wh_str_c(name));
        if (!named)
            continue;
        shown++;
        printf("exemption: spec.exemptions[%zu] lifts %s%s until %s%s: %s\n", k,
               x->whole_image ? "the signature and attestation requirements" : "the blocks of ",
               x->whole_image ? "" : x->rule->id, x->expires_text,
               now >= x->expires ? " (expired)"
               : x == live       ? " (in force)"
                                 : "",
               x->reason);
    }
    if (shown == 0)
        printf("exemption: none\n");
}

/* --explain IMAGE: the image rule `image` meets, what it requires, its exemptions and its
 * effective tier list. 0, or 1 when IMAGE is not an image reference. */
static int
explain(const char *path, const struct wh_policy *p, const char *image, time_t now)
{
    const struct wh_policy_image *r;
    struct wh_image_ref ref;
    struct wh_error err;
    struct wh_arena a;
    const char *name;

    wh_arena_init(&a);
    if (wh_image_ref_parse(wh_str_c(image), &a, &ref, &err) != WH_OK) {
        fprintf(stderr, "%s: --explain %s: not an image reference: %s\n", path, image, err.msg);
        wh_arena_fini(&a);
        return 1;
    }
    name = wh_image_ref_name(&ref, &a);
    printf("image: %s (matched as %s)\n", wh_image_ref_render(&ref, &a).ptr, name);
    r = wh_policy_image_find(p, name);
    if (r == NULL) {
        printf("image rule: none: spec.defaults.noMatch decides\n");
    } else {
        printf("image rule: %s (%s:%d:%d), mode %s\n", r->name, path, r->line, r->col,
               mode_name(r->mode));
        print_requirements(r, &a);
    }
    print_exemptions(p, name, now);
    if (r != NULL)
        print_tiers(path, r->tiers);
    wh_arena_fini(&a);
    return 0;
}

/* Loader errors, every one (wh_policy_load_options.on_error). */
struct errors {
    size_t n;
};

static void
print_error(void *arg, const struct wh_error *e)
{
    struct errors *errs = arg;

    errs->n++;
    fprintf(stderr, "%s\n", e->msg); /* already "file:line:col: message" */
}

/* The schema stage: 0 when the file holds, else 1 with every violation (or the YAML error and
 * its hint) printed. */
static int
lint_schema(const char *path, const struct wh_lint_schema *schema, const struct wh_limits *lim)
{
    struct wh_lint_violations found;
    struct wh_arena a;
    struct wh_bytes yaml;
    struct wh_error err;
    const char *hint;
    size_t i;
    int bad = 0;

    wh_arena_init(&a);
    if (wh_file_read(path, lim->policy_bytes, &a, &yaml, &err) != WH_OK) {
        fprintf(stderr, "policy %s: %s\n", path, err.msg);
        wh_arena_fini(&a);
        return 1;
    }
    if (wh_lint_schema_check(schema, yaml, path, lim, &a, &found, &err) != WH_OK) {
        fprintf(stderr, "%s\n", err.msg); /* YAML-level: already "file:line:col: ..." */
        if (err.line > 0 && (hint = wh_lint_yaml_hint(yaml, err.line)) != NULL)
            fprintf(stderr, "%s:%d:%d: hint: %s\n", path, err.line, err.col, hint);
        bad = 1;
    } else if (found.total > 0) {
        for (i = 0; i < found.n; i++)
            fprintf(stderr, "%s:%d:%d: %s\n", path, found.v[i].line, found.v[i].col,
                    found.v[i].text);
        if (found.total > found.n)
            fprintf(stderr, "%s: %zu more not shown\n", path, found.total - found.n);
        fprintf(stderr, "%s: %zu schema violation%s: fix them and lint again\n", path, found.total,
                found.total == 1 ? "" : "s");
        bad = 1;
    }
    wh_arena_fini(&a);
    return bad;
}

/* 0 valid, 1 not. */
static int
lint_file(const char *path, const struct wh_lint_schema *schema, bool schema_only,
          const char *explain_image, const struct wh_policy_load_options *options)
{
    struct wh_policy_load_options lo = *options;
    struct errors errs = {0};
    struct wh_policy *p;
    struct wh_error err;
    int status;

    if (lint_schema(path, schema, lo.limits) != 0)
        return 1;
    if (schema_only) {
        printf("%s: ok (schema only)\n", path);
        return 0;
    }
    /* The loader reads the file itself so key files resolve next to it. */
    lo.on_error = print_error;
    lo.on_error_arg = &errs;
    if (wh_policy_load_with(path, &lo, &p, &err) != WH_OK) {
        if (errs.n == 0) /* not an entry's error: unreadable, over a limit */
            fprintf(stderr, "%s\n", err.msg);
        else
            fprintf(stderr, "%s: %zu error%s: fix them and lint again\n", path, errs.n,
                    errs.n == 1 ? "" : "s");
        return 1;
    }
    print_regexes(path, p);
    warn_all(path, p, lo.now);
    status = explain_image != NULL ? explain(path, p, explain_image, lo.now) : 0;
    wh_policy_unref(p);
    if (status == 0)
        printf("%s: ok\n", path);
    return status;
}

enum flag { F_SCHEMA = 256, F_SCHEMA_ONLY, F_KEY_DIR, F_DATE, F_EXPLAIN };

static const struct option flags[] = {
    {"schema", required_argument, NULL, F_SCHEMA},
    {"schema-only", no_argument, NULL, F_SCHEMA_ONLY},
    {"key-dir", required_argument, NULL, F_KEY_DIR},
    {"date", required_argument, NULL, F_DATE},
    {"explain", required_argument, NULL, F_EXPLAIN},
    {NULL, 0, NULL, 0},
};

struct lint_args {
    const char *schema_path;
    bool schema_only;
    const char *explain;
    const char *key_dirs[8];
    const char **files; /* argc entries, from calloc */
    size_t n_files;
};

/* --date YYYY-MM-DD: noon UTC of that day, so the day is the one written. */
static bool
parse_date(const char *text, time_t *now)
{
    time_t day;

    if (wh_clock_date(wh_str_c(text), &day) != WH_DATE_OK || day < 0)
        return false;
    *now = day + 43200;
    return true;
}

/* `policy lint`'s flags and files (argv[1..], argv[1] is "lint"); false on an unknown flag, a
 * missing value, a bad date or too many key directories or files. */
static bool
parse_options(int argc, char **argv, struct lint_args *o, struct wh_policy_load_options *lo)
{
    struct wh_cli_args walk = {.argc = argc - 1, .argv = argv + 1, .flags = flags};
    const char *v;
    int c;

    o->files = calloc((size_t)argc, sizeof(*o->files));
    if (o->files == NULL)
        wh_oom();
    while ((c = wh_cli_args_next(&walk, &v)) != -1) {
        if (c == F_SCHEMA)
            o->schema_path = v;
        else if (c == F_SCHEMA_ONLY)
            o->schema_only = true;
        else if (c == F_EXPLAIN)
            o->explain = v;
        else if (c == F_DATE && !parse_date(v, &lo->now))
            return false;
        else if (c == F_DATE)
            continue;
        else if (c == F_KEY_DIR && lo->n_key_dirs < sizeof(o->key_dirs) / sizeof(o->key_dirs[0]))
            o->key_dirs[lo->n_key_dirs++] = v;
        else if (c == WH_CLI_ARG_POSITIONAL && v[0] == '-' && v[1] != '\0')
            return false; /* "-x": no such flag ("-" is a file name) */
        else if (c == WH_CLI_ARG_POSITIONAL)
            o->files[o->n_files++] = v;
        else
            return false;
    }
    return true;
}

/* The schema lint checks with: built in, or read from --schema FILE. 0, or 2 when unusable. */
static int
load_schema(const char *path, struct wh_arena *a, const struct wh_lint_schema **schema)
{
    struct wh_bytes text = {(const unsigned char *)wh_lint_schema_text, wh_lint_schema_text_len};
    struct wh_error err;

    if (path != NULL && wh_file_read(path, 1u << 20, a, &text, &err) != WH_OK) {
        fprintf(stderr, "driftgate policy lint: schema %s: %s\n", path, err.msg);
        return 2;
    }
    if (wh_lint_schema_parse(text, path != NULL ? path : "built-in policy schema", a, schema,
                             &err) != WH_OK) {
        fprintf(stderr, "driftgate policy lint: %s\n", err.msg);
        return 2;
    }
    return 0;
}

int
wh_cli_policy(int argc, char **argv)
{
    struct wh_limits lim = WH_LIMITS_DEFAULT;
    struct lint_args o = {0};
    struct wh_policy_load_options lo = {
        .limits = &lim, .now = wh_clock_wall(), .key_dirs = o.key_dirs};
    const struct wh_lint_schema *schema;
    struct wh_arena a;
    size_t i;
    int status;

    if (argc == 2 && strcmp(argv[1], "schema") == 0) {
        fwrite(wh_lint_schema_text, 1, wh_lint_schema_text_len, stdout);
        return ferror(stdout) ? 2 : 0;
    }
    if (argc < 3 || strcmp(argv[1], "lint") != 0)
        return usage();
    if (!parse_options(argc, argv, &o, &lo) || o.n_files == 0) {
        free(o.files);
        return usage();
    }
    wh_arena_init(&a);
    status = load_schema(o.schema_path, &a, &schema);
    for (i = 0; status != 2 && i < o.n_files; i++)
        status |= lint_file(o.files[i], schema, o.schema_only, o.explain, &lo);
    wh_arena_fini(&a);
    free(o.files);
    return status;
}
