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
#include "cli/commands.h"
#include "policy/overlap.h"
#include "policy/policy.h"
#include "policy/schema.h"

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
lint_file(const char *path, const struct wh_policy_schema *schema, bool schema_only,
          const struct wh_policy_load_options *lo)
{
    const struct wh_limits *lim = lo->limits;
    struct wh_policy_violations found;
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
    if (wh_policy_schema_check(schema, yaml, path, lim, &a, &found, &err) != WH_OK) {
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

/* `policy lint`'s options (argv[2..]); false on an unknown one. Files are taken in a second pass.
 */
static bool
parse_options(int argc, char **argv, const char **schema_path, bool *schema_only,
              struct wh_policy_load_options *lo, const char **key_dirs, size_t max_key_dirs)
{
    int i;

    for (i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--schema") == 0 && i + 1 < argc)
            *schema_path = argv[++i];
        else if (strcmp(argv[i], "--schema-only") == 0)
            *schema_only = true;
        else if (strcmp(argv[i], "--key-dir") == 0 && i + 1 < argc && lo->n_key_dirs < max_key_dirs)
            key_dirs[lo->n_key_dirs++] = argv[++i];
        else if (argv[i][0] == '-' && argv[i][1] != '\0')
            return false;
    }
    return true;
}

int
wh_cli_policy(int argc, char **argv)
{
    struct wh_limits lim = WH_LIMITS_DEFAULT;
    const char *key_dirs[8];
    struct wh_policy_load_options lo = {
        .limits = &lim, .now = wh_clock_wall(), .key_dirs = key_dirs};
    const struct wh_policy_schema *schema;
    const char *schema_path = NULL;
    struct wh_bytes text = {(const unsigned char *)wh_policy_schema_text,
                            wh_policy_schema_text_len};
    struct wh_arena a;
    struct wh_error err;
    bool schema_only = false;
    int i, bad = 0, files = 0;

    if (argc == 2 && strcmp(argv[1], "schema") == 0) {
        fwrite(wh_policy_schema_text, 1, wh_policy_schema_text_len, stdout);
        return ferror(stdout) ? 2 : 0;
    }
    if (argc < 3 || strcmp(argv[1], "lint") != 0)
        return usage();
    if (!parse_options(argc, argv, &schema_path, &schema_only, &lo, key_dirs,
                       sizeof(key_dirs) / sizeof(key_dirs[0])))
        return usage();
    wh_arena_init(&a);
    if (schema_path != NULL && wh_file_read(schema_path, 1u << 20, &a, &text, &err) != WH_OK) {
        fprintf(stderr, "driftgate policy lint: schema %s: %s\n", schema_path, err.msg);
        wh_arena_fini(&a);
        return 2;
    }
    if (wh_policy_schema_parse(text, schema_path != NULL ? schema_path : "built-in policy schema",
                               &a, &schema, &err) != WH_OK) {
        fprintf(stderr, "driftgate policy lint: %s\n", err.msg);
        wh_arena_fini(&a);
        return 2;
    }
    for (i = 2; i < argc; i++) {
        /* NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker): argv[i] is set for i < argc */
        if (strcmp(argv[i], "--schema") == 0 || strcmp(argv[i], "--key-dir") == 0) {
            i++;
            continue;
        }
        if (strcmp(argv[i], "--schema-only") == 0)
            continue;
        files++;
        bad |= lint_file(argv[i], schema, schema_only, &lo);
    }
    wh_arena_fini(&a);
    return files == 0 ? usage() : bad;
}
