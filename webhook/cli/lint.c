/*
 * `driftgate policy lint`: each file is checked against the policy JSON Schema first (the
 * built-in copy of policy/schema.json, or --schema FILE), reporting every violation with its
 * position, then, when the schema holds, loaded by the strict loader, which also checks what a
 * schema cannot see (keys parse, regexes compile, references resolve). A policy that loads gets a
 * line per regex with the effective pattern (what is matched, anchors included), and may still
 * get warnings (exit 0): a lenient image rule after a stricter one it shares names with
 * (policy/overlap.h). `policy schema` prints the built-in schema for editors.
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
#include "lint/schema.h"
#include "policy/overlap.h"
#include "policy/policy.h"

#define LINT_USAGE                                                                                 \
    "driftgate policy lint [--schema FILE] [--schema-only] [--key-dir DIR]... FILE...\n"           \
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

/* Warnings do not fail the lint: a lenient rule after a stricter one it shares names with. */
static void
warn_overlaps(const char *path, const struct wh_policy *p)
{
    struct wh_policy_overlap *o;
    struct wh_arena a;
    size_t i, n;

    wh_arena_init(&a);
    n = wh_policy_overlaps(p, &a, &o);
    for (i = 0; i < n; i++)
        fprintf(stderr, "%s\n", wh_policy_overlap_message(&o[i], path, &a));
    wh_arena_fini(&a);
}

/* 0 valid, 1 not. */
static int
lint_file(const char *path, const struct wh_lint_schema *schema, bool schema_only,
          const struct wh_policy_load_options *lo)
{
    const struct wh_limits *lim = lo->limits;
    struct wh_lint_violations found;
    struct wh_policy *p;
    struct wh_arena a;
    struct wh_bytes yaml;
    struct wh_error err;
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
    if (bad || schema_only) {
        if (!bad)
            printf("%s: ok (schema only)\n", path);
        return bad;
    }
    /* The loader reads the file itself so key files resolve next to it. */
    if (wh_policy_load_with(path, lo, &p, &err) != WH_OK) {
        fprintf(stderr, "%s\n", err.msg); /* already "file:line:col: message" */
        return 1;
    }
    print_regexes(path, p);
    warn_overlaps(path, p);
    wh_policy_unref(p);
    printf("%s: ok\n", path);
    return 0;
}

enum flag { F_SCHEMA = 256, F_SCHEMA_ONLY, F_KEY_DIR };

static const struct option flags[] = {
    {"schema", required_argument, NULL, F_SCHEMA},
    {"schema-only", no_argument, NULL, F_SCHEMA_ONLY},
    {"key-dir", required_argument, NULL, F_KEY_DIR},
    {NULL, 0, NULL, 0},
};

struct lint_args {
    const char *schema_path;
    bool schema_only;
    const char *key_dirs[8];
    const char **files; /* argc entries, from calloc */
    size_t n_files;
};

/* `policy lint`'s flags and files (argv[1..], argv[1] is "lint"); false on an unknown flag, a
 * missing value or too many key directories or files. */
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
        status |= lint_file(o.files[i], schema, o.schema_only, &lo);
    wh_arena_fini(&a);
    free(o.files);
    return status;
}
