/*
 * Strict policy loading: libyaml events → a small tree with positions (aliases, anchors, tags,
 * duplicate keys and extra documents rejected there) → the model of model.h, checking every key,
 * type, glob, regex, date and reference on the way. Every error is "file:line:col: message".
 */
#include "policy/policy.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/file.h"
#include "base/regex.h"
#include "image/ref.h"
#include "policy/keys.h"
#include "policy/seed.h"
#include "policy/snapshot.h"
#include "policy/tree.h"
#include "verify/attestation.h"
#include "verify/cert.h"
#include "verify/keys.h"
#include "verify/predicates.h"

#define API_VERSION "driftgate.dev/v1alpha1"

static atomic_uint_fast64_t last_generation;

struct ctx {
    const char *file;
    const char *base_dir;
    time_t now;                  /* the load's time, for maxExemptionDays */
    const char *const *key_dirs; /* where key files may be; none: base_dir */
    size_t n_key_dirs;
    struct wh_arena *tmp; /* tree and scratch text, freed when parsing ends */
    struct wh_policy *p;  /* the model lives in p->arena */
    struct wh_error *err;
    bool builtin; /* parsing the built-in seed-default (policy/seed.h) */
    /* Errors noted so far (note()); the first is returned. */
    size_t n_errors;
    struct wh_error first;
    wh_policy_error_fn *on_error;
    void *on_error_arg;
    bool tiers_failed;      /* a tier list did not load: rule references to it are not checked */
    bool keys_checked_only; /* wh_policy_load_options.keys_checked_only_unsafe */
};

/* A tier list written as {extends, before, after}, until resolve_tier_list puts it together. */
struct tier_parts {
    const char *extends; /* NULL: a plain sequence of rules */
    const struct wh_yaml_node *extends_node;
    struct wh_policy_tier_rule *before, *after;
    size_t n_before, n_after;
    int state; /* 0 not yet, 1 being put together (a cycle if met again), 2 done */
};

static enum wh_err fail(struct ctx *c, const struct wh_yaml_node *n, const char *fmt, ...)
    WH_PRINTF(3, 4);

static enum wh_err
fail(struct ctx *c, const struct wh_yaml_node *n, const char *fmt, ...)
{
    char msg[400];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return wh_error_set_at(c->err, WH_E_INVALID, c->file, n->line, n->col, "%s", msg);
}
#ifdef __clang_analyzer__
/* For clang-tidy only: the analyzer does not follow variadic calls, so it cannot see that fail()
 * returns WH_E_INVALID, never WH_OK, and reports outputs unset on its paths (base/error.h). */
#define fail(...) ((void)(fail)(__VA_ARGS__), WH_E_INVALID)
#endif

/* Where a load may go on past an error: an invalid entry is noted (told to on_error, the first
 * kept) and WH_OK returned, so the next entry is read; anything else (WH_E_LIMIT) stops. */
static enum wh_err
note(struct ctx *c, enum wh_err rc)
{
    if (rc != WH_E_INVALID)
        return rc;
    if (c->n_errors++ == 0)
        c->first = *c->err;
    if (c->on_error != NULL)
        c->on_error(c->on_error_arg, c->err);
    return WH_OK;
}

/* ---- typed access ---- */

/* The loader's reads, seen by tests/unit/policy/format_test.c: a test that #includes this file
 * defines these to record which schema object each mapping was checked against, which keys the
 * loader looks up in it (every declared key read, none read undeclared) and which enum tables it
 * matches values against (each paired with a schema enum); here they are nothing. */
#ifndef WH_POLICY_SAW_CHECK
#define WH_POLICY_SAW_CHECK(map, at) ((void)0)
#define WH_POLICY_SAW_READ(map, key) ((void)0)
#define WH_POLICY_SAW_ENUM(names) ((void)0)
#endif

/* The value of `key` in the mapping `map`, or NULL (every key the loader reads goes through here).
 */
static const struct wh_yaml_node *
get(const struct wh_yaml_node *map, const char *key)
{
    WH_POLICY_SAW_READ(map, key);
    return wh_yaml_tree_get(map, key);
}

/* Every key of `map` is one the schema object at JSON pointer `at` names (policy/keys.h: the
 * schema is the format's one description). */
static enum wh_err
check_keys(struct ctx *c, const struct wh_yaml_node *map, const char *where, const char *at)
{
    const char *const *allowed = wh_policy_schema_keys(at);
    size_t i, k;
    char list[256];
    size_t used = 0;

    if (WH_NEVER(allowed == NULL))
        return wh_error_set(c->err, WH_E_INTERNAL, "policy/schema.json has no %s", at);
    WH_POLICY_SAW_CHECK(map, at);
    for (i = 0; i + 1 < map->n; i += 2) {
        const struct wh_yaml_node *key = map->kids[i];
        for (k = 0; allowed[k] != NULL; k++)
            if (key->len == strlen(allowed[k]) && strcmp(key->text, allowed[k]) == 0)
                break;
        if (allowed[k] != NULL)
            continue;
        list[0] = '\0';
        for (k = 0; allowed[k] != NULL && used < sizeof(list); k++) {
            int w =
                snprintf(list + used, sizeof(list) - used, "%s%s", k > 0 ? ", " : "", allowed[k]);
            if (w < 0)
                break;
            used += (size_t)w;
        }
        return fail(c, key, "unknown key \"%s\" in %s (expected one of: %s)", key->text, where,
                    list);
    }
    return WH_OK;
}

static enum wh_err
want(struct ctx *c, const struct wh_yaml_node *n, enum wh_yaml_kind kind, const char *where)
{
    static const char *const names[] = {"a scalar", "a mapping", "a sequence"};

    if (n->kind != kind)
        return fail(c, n, "%s: expected %s, got %s", where, names[kind], wh_yaml_tree_kind_name(n));
    return WH_OK;
}

static enum wh_err
need(struct ctx *c, const struct wh_yaml_node *map, const char *key, const char *where,
     const struct wh_yaml_node **out)
{
    *out = get(map, key);
    if (*out == NULL)
        return fail(c, map, "%s: missing required key \"%s\"", where, key);
    return WH_OK;
}

/* Scalars are typed as YAML 1.2 core types them (tree.h), like the schema check and editors. */
static enum wh_yaml_scalar
scalar_type(const struct wh_yaml_node *n, double *num, bool *boolean)
{
    *num = 0;
    *boolean = false;
    return wh_yaml_tree_scalar(n, num, boolean);
}

/* A non-empty string in the model arena. */
static enum wh_err
as_string(struct ctx *c, const struct wh_yaml_node *n, const char *where, const char **out)
{
    enum wh_err rc = want(c, n, WH_YAML_SCALAR, where);
    enum wh_yaml_scalar t;
    double num;
    bool b;

    if (rc != WH_OK)
        return rc;
    t = scalar_type(n, &num, &b);
    if (t == WH_YAML_NULL || n->len == 0)
        return fail(c, n, "%s: expected a non-empty string", where);
    if (t != WH_YAML_STRING)
        return fail(c, n, "%s: expected a string, got the %s %s (quote it: \"%s\")", where,
                    t == WH_YAML_BOOL ? "boolean" : "number", n->text, n->text);
    if (strlen(n->text) != n->len)
        return fail(c, n, "%s: string contains a NUL byte", where);
    *out = wh_arena_strndup(&c->p->arena, n->text, n->len);
    return WH_OK;
}

static enum wh_err
as_bool(struct ctx *c, const struct wh_yaml_node *n, const char *where, bool *out)
{
    double num;

    if (n->kind != WH_YAML_SCALAR || scalar_type(n, &num, out) != WH_YAML_BOOL)
        return fail(c, n, "%s: expected true or false", where);
    return WH_OK;
}

/* An integer min..max, in any YAML 1.2 core spelling (12, 0xc, 0o14, 12.0). */
static enum wh_err
as_range(struct ctx *c, const struct wh_yaml_node *n, const char *where, size_t min, size_t max,
         size_t *out)
{
    double num;
    bool b;

    if (n->kind != WH_YAML_SCALAR || scalar_type(n, &num, &b) != WH_YAML_NUMBER ||
        !(num == floor(num)) || num > 1e15 || num < -1e15)
        return fail(c, n, "%s: expected an integer", where);
    if (num < (double)min || num > (double)max)
        return fail(c, n, "%s: %.0f is out of range %zu..%zu", where, num, min, max);
    *out = (size_t)num;
    return WH_OK;
}

static enum wh_err
as_count(struct ctx *c, const struct wh_yaml_node *n, const char *where, size_t max, size_t *out)
{
    return as_range(c, n, where, 1, max, out);
}

/* One of `names` (NULL-terminated); *out is its index. */
static enum wh_err
as_enum(struct ctx *c, const struct wh_yaml_node *n, const char *where, const char *const *names,
        int *out)
{
    char list[128];
    size_t used = 0;
    int k;

    WH_POLICY_SAW_ENUM(names);
    if (n->kind == WH_YAML_SCALAR)
        for (k = 0; names[k] != NULL; k++)
            if (strcmp(n->text, names[k]) == 0) {
                *out = k;
                return WH_OK;
            }
    list[0] = '\0';
    for (k = 0; names[k] != NULL && used < sizeof(list); k++) {
        int w = snprintf(list + used, sizeof(list) - used, "%s%s", k > 0 ? "|" : "", names[k]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    if (n->kind != WH_YAML_SCALAR)
        return fail(c, n, "%s: expected one of %s, got %s", where, list, wh_yaml_tree_kind_name(n));
    return fail(c, n, "%s: expected one of %s, got \"%s\"", where, list, n->text);
}

/* A non-empty sequence of non-empty strings. */
static enum wh_err
as_string_list(struct ctx *c, const struct wh_yaml_node *n, const char *where,
               const char *const **out, size_t *n_out)
{
    const char **list;
    enum wh_err rc = want(c, n, WH_YAML_SEQ, where);
    size_t i;

    if (rc != WH_OK)
        return rc;
    if (n->n == 0)
        return fail(c, n, "%s: expected at least one entry", where);
    list = wh_arena_calloc(&c->p->arena, n->n, sizeof(*list));
    for (i = 0; i < n->n; i++) {
        rc = as_string(c, n->kids[i], wh_arena_sprintf(c->tmp, "%s[%zu]", where, i), &list[i]);
        if (rc != WH_OK)
            return rc;
    }
    *out = list;
    *n_out = n->n;
    return WH_OK;
}

static enum wh_err
as_glob_list(struct ctx *c, const struct wh_yaml_node *n, const char *where,
             const char *const **out, size_t *n_out)
{
    struct wh_error e;
    enum wh_err rc = as_string_list(c, n, where, out, n_out);
    size_t i;

    for (i = 0; rc == WH_OK && i < *n_out; i++)
        if (wh_image_glob_valid(wh_str_c((*out)[i]), &e) != WH_OK)
            rc = fail(c, n->kids[i], "%s[%zu]: %s", where, i, e.msg);
    /* Names are matched in their canonical spelling (image/ref.h), so are globs' hosts:
     * "LOCALHOST:5000/app" keeps matching what it was written for. */
    if (rc == WH_OK) {
        const char **canon = wh_arena_calloc(&c->p->arena, *n_out, sizeof(*canon));
        for (i = 0; i < *n_out; i++)
            canon[i] = wh_image_glob_canonical(wh_str_c((*out)[i]), &c->p->arena);
        *out = canon;
    }
    return rc;
}

static void
release_regex(void *obj)
{
    wh_regex_free(obj);
}

/* A policy may come from any pull request: its regexes are bounded in length here and in
 * matching by PCRE2's limits (base/regex.c), which hold on the fuzz corpus. */
#define REGEX_MAX_LEN 512

/* RE2 syntax (cosign's dialect), compiled on its own and anchored by the engine: whole value. */
static enum wh_err
as_regex(struct ctx *c, const struct wh_yaml_node *n, const char *where,
         const struct wh_policy_regex **out)
{
    struct wh_policy_regex *r;
    struct wh_regex *re;
    struct wh_error e;
    const char *src;
    enum wh_err rc = as_string(c, n, where, &src);

    if (rc != WH_OK)
        return rc;
    if (strlen(src) > REGEX_MAX_LEN)
        return fail(c, n, "%s: regular expression longer than %d characters", where, REGEX_MAX_LEN);
    if (wh_regex_new(WH_REGEX_RE2, wh_str_c(src), &re, &e) != WH_OK)
        return fail(c, n, "%s: %s", where, e.msg);
    wh_arena_defer(&c->p->arena, release_regex, re);
    r = wh_arena_alloc(&c->p->arena, sizeof(*r));
    r->source = src;
    r->re = re;
    r->where = wh_arena_strdup(&c->p->arena, where);
    r->line = n->line;
    r->col = n->col;
    r->next = c->p->regexes;
    c->p->regexes = r;
    *out = r;
    return WH_OK;
}

/* "YYYY-MM-DD" → the first second (UTC) after that day: an exemption holds through its day. */
static enum wh_err
as_date(struct ctx *c, const struct wh_yaml_node *n, const char *where, const char **text,
        time_t *out)
{
    enum wh_err rc = as_string(c, n, where, text);
    time_t day = 0;

    if (rc != WH_OK)
        return rc;
    switch (wh_clock_date((struct wh_str){n->text, n->len}, &day)) {
    case WH_DATE_NOT_YYYY_MM_DD:
        return fail(c, n, "%s: expected a date YYYY-MM-DD, got \"%s\"", where, n->text);
    case WH_DATE_NO_SUCH_DAY:
        return fail(c, n, "%s: no such date \"%s\"", where, n->text);
    case WH_DATE_OK:
        break;
    }
    if (day < 0) /* before 1970 */
        return fail(c, n, "%s: no such date \"%s\"", where, n->text);
    *out = day + 86400; /* holds through the end of that day */
    return WH_OK;
}

/* ---- spec sections ---- */

/* The format's enums, as the model numbers them (checked equal to policy/schema.json's by
 * tests/unit/policy/format_test.c). */
static const char *const MODES[] = {"enforce", "warn", "audit", NULL};
static const char *const TIERS[] = {"block", "warn", "ignore", NULL};
static const char *const BLOCK_ON[] = {"exec", "setuid", "caps", "owner", NULL};
static const char *const TLOG[] = {"required", "optional", NULL};
static const char *const DRIFT[] = {"any", "major", "minor", "patch", "build", NULL};
static const char *const STAGES[] = {"final", "builder", NULL};
static const char *const SCOPES[] = {"finding", "image", NULL};
static const char *const ACTIONS[] = {"deny", "warn", "allow", NULL};
/* Order matches enum wh_policy_platforms. */
static const char *const PLATFORMS[] = {"any", "index", "each", NULL};

#define MAX_EXEMPTION_DAYS 3650

static enum wh_err
parse_defaults(struct ctx *c, const struct wh_yaml_node *n)
{
    const struct wh_yaml_node *v;
    enum wh_err rc;
    int k;

    if ((rc = want(c, n, WH_YAML_MAP, "spec.defaults")) != WH_OK ||
        (rc = check_keys(c, n, "spec.defaults", "#/$defs/spec/properties/defaults")) != WH_OK)
        return rc;
    if ((v = get(n, "mode")) != NULL) {
        if ((rc = as_enum(c, v, "spec.defaults.mode", MODES, &k)) != WH_OK)
            return rc;
        c->p->defaults.mode = (enum wh_policy_mode)k;
    }
    if ((v = get(n, "onError")) != NULL) {
        if ((rc = as_enum(c, v, "spec.defaults.onError", ACTIONS, &k)) != WH_OK)
            return rc;
        c->p->defaults.on_error = (enum wh_policy_action)k;
    }
    if ((v = get(n, "noMatch")) != NULL) {
        if ((rc = as_enum(c, v, "spec.defaults.noMatch", ACTIONS, &k)) != WH_OK)
            return rc;
        c->p->defaults.no_match = (enum wh_policy_action)k;
    }
    if ((v = get(n, "maxExemptionDays")) != NULL)
        return as_count(c, v, "spec.defaults.maxExemptionDays", MAX_EXEMPTION_DAYS,
                        &c->p->defaults.max_exemption_days);
    return WH_OK;
}

/* A mutablePaths glob: absolute, no "." or ".." component, no NUL, a valid fnmatch pattern. */
static enum wh_err
check_path_glob(struct ctx *c, const struct wh_yaml_node *n, const char *where, const char *g)
{
    const char *p = g;

    if (g[0] != '/' || strlen(g) > 4096)
        return fail(c, n,
                    "%s: expected an absolute path glob (\"/tmp\", \"/var/cache/*\"), got "
                    "\"%s\"",
                    where, g);
    while ((p = strchr(p, '/')) != NULL) {
        p++;
        if ((p[0] == '.' && (p[1] == '/' || p[1] == '\0')) ||
            (p[0] == '.' && p[1] == '.' && (p[2] == '/' || p[2] == '\0')) || p[0] == '/' ||
            p[0] == '\0')
            return fail(c, n, "%s: \"%s\" has an empty, \".\" or \"..\" component", where, g);
    }
    if (strcmp(g, "/") == 0 || strcmp(g, "/*") == 0)
        return fail(c, n, "%s: \"%s\" would make the whole filesystem mutable", where, g);
    return WH_OK;
}

static enum wh_err
parse_runtime(struct ctx *c, const struct wh_yaml_node *n)
{
    struct wh_policy_runtime *r = &c->p->runtime;
    const struct wh_yaml_node *v;
    enum wh_err rc;
    size_t i;
    int k;

    if ((rc = want(c, n, WH_YAML_MAP, "spec.runtime")) != WH_OK ||
        (rc = check_keys(c, n, "spec.runtime", "#/$defs/spec/properties/runtime")) != WH_OK)
        return rc;
    if ((v = get(n, "mutablePaths")) != NULL) {
        if ((rc = as_string_list(c, v, "spec.runtime.mutablePaths", &r->mutable_paths,
                                 &r->n_mutable_paths)) != WH_OK)
            return rc;
        for (i = 0; i < r->n_mutable_paths; i++)
            if ((rc = check_path_glob(c, v->kids[i],
                                      wh_arena_sprintf(c->tmp, "spec.runtime.mutablePaths[%zu]", i),
                                      r->mutable_paths[i])) != WH_OK)
                return rc;
    }
    if ((v = get(n, "blockOn")) != NULL) {
        if ((rc = want(c, v, WH_YAML_SEQ, "spec.runtime.blockOn")) != WH_OK)
            return rc;
        for (i = 0; i < v->n; i++) {
            const char *where = wh_arena_sprintf(c->tmp, "spec.runtime.blockOn[%zu]", i);
            if ((rc = as_enum(c, v->kids[i], where, BLOCK_ON, &k)) != WH_OK)
                return rc;
            if (r->block_on & (1u << k))
                return fail(c, v->kids[i], "%s: %s is listed twice", where, BLOCK_ON[k]);
            r->block_on |= 1u << k;
        }
    }
    return WH_OK;
}

/* Names appear in messages, annotations and metrics: keep them plain. */
static enum wh_err
check_name(struct ctx *c, const struct wh_yaml_node *n, const char *what)
{
    size_t i;

    if (n->len == 0 || n->len > 63)
        return fail(c, n, "%s name must be 1 to 63 characters", what);
    for (i = 0; i < n->len; i++) {
        char ch = n->text[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '_' || ch == '.'))
            return fail(c, n, "%s name \"%s\" may only hold letters, digits, '-', '_' and '.'",
                        what, n->text);
    }
    return WH_OK;
}

/* The directory `dir` names, symlinks resolved, with a trailing '/' (arena); NULL if absent. */
static const char *
real_dir(struct ctx *c, const char *dir)
{
    char *real = realpath(dir, NULL);
    const char *out;

    if (real == NULL)
        return NULL;
    out = wh_arena_sprintf(c->tmp, "%s%s", real, strcmp(real, "/") == 0 ? "" : "/");
    free(real);
    return out;
}

/* True when the file `real` (symlinks resolved) lies under one of the allowed key directories;
 * *allowed gets their list for the message. */
static bool
key_path_allowed(struct ctx *c, const char *real, const char **allowed)
{
    const char *const *dirs = c->n_key_dirs > 0 ? c->key_dirs : &c->base_dir;
    size_t i, n = c->n_key_dirs > 0 ? c->n_key_dirs : 1;
    bool ok = false;

    *allowed = "";
    for (i = 0; i < n; i++) {
        const char *d = real_dir(c, dirs[i]);
        *allowed = wh_arena_sprintf(c->tmp, "%s%s%s", *allowed, i > 0 ? ", " : "", dirs[i]);
        if (d != NULL && strncmp(real, d, strlen(d)) == 0)
            ok = true;
    }
    return ok;
}

/* Reads up to `max` bytes of the open file `fd` into the arena; false past max or on error. */
static bool
read_fd(int fd, size_t max, struct wh_arena *a, struct wh_bytes *out)
{
    char *buf = wh_arena_alloc(a, max + 1);
    size_t len = 0;

    for (;;) {
        ssize_t n = read(fd, buf + len, max + 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return false;
        if (n == 0)
            break;
        len += (size_t)n;
        if (len > max)
            return false;
    }
    buf[len] = '\0';
    *out = (struct wh_bytes){(const unsigned char *)buf, len};
    return true;
}

/*
 * A policy may come from a pull request, so `key: {file: ...}` must not read whatever the
 * process can (a service account token, another tenant's key): the file is opened, then the
 * path of what was opened (/proc/self/fd, so a symlink swapped in between cannot redirect it)
 * must lie under an allowed key directory, and it must be a regular file.
 */
static enum wh_err
read_key_file(struct ctx *c, const struct wh_yaml_node *n, const char *where, const char *file,
              struct wh_bytes *pem)
{
    const char *path, *allowed;
    char link[64], real[PATH_MAX];
    struct stat st;
    ssize_t len;
    enum wh_err rc = WH_OK;
    int fd;

    if (c->base_dir == NULL && file[0] != '/')
        return fail(c, n, "%s: a relative key file needs the policy's directory; use pem:", where);
    path = file[0] == '/' ? file : wh_arena_sprintf(c->tmp, "%s/%s", c->base_dir, file);
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return fail(c, n, "%s: key file %s: %s", where, path, strerror(errno));
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    len = readlink(link, real, sizeof(real) - 1);
    if (len < 0 && realpath(path, real) != NULL) /* no /proc: resolve the name instead */
        len = (ssize_t)strlen(real);
    if (len < 0 || len >= (ssize_t)sizeof(real))
        rc = fail(c, n, "%s: key file %s: cannot resolve its path", where, path);
    else if ((real[len] = '\0', !key_path_allowed(c, real, &allowed)))
        rc = fail(c, n,
                  "%s: key file %s is %s, outside the directories key files may be read from "
                  "(%s): move the key there, or allow its directory (policyKeyDirs in the "
                  "config, --key-dir on the command line)",
                  where, file, real, allowed);
    else if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        rc = fail(c, n, "%s: key file %s is not a regular file", where, path);
    else if (!read_fd(fd, WH_VERIFY_KEY_PEM_MAX, c->tmp, pem))
        rc = fail(c, n, "%s: key file %s: unreadable or larger than %d bytes", where, path,
                  (int)WH_VERIFY_KEY_PEM_MAX);
    close(fd);
    return rc;
}

static enum wh_err
parse_key(struct ctx *c, const struct wh_yaml_node *n, const char *where,
          struct wh_policy_signer *s)
{
    const struct wh_yaml_node *file = NULL, *pem_node = NULL, *at;
    struct wh_bytes pem;
    struct wh_error e;
    enum wh_err rc;
    const char *text;

    if ((rc = want(c, n, WH_YAML_MAP, where)) != WH_OK ||
        (rc = check_keys(c, n, where, "#/$defs/key")) != WH_OK)
        return rc;
    file = get(n, "file");
    pem_node = get(n, "pem");
    if ((file == NULL) == (pem_node == NULL))
        return fail(c, n, "%s: give exactly one of file or pem", where);
    if (file != NULL) {
        at = file;
        if ((rc = as_string(c, file, wh_arena_sprintf(c->tmp, "%s.file", where), &text)) != WH_OK)
            return rc;
        s->key_file = text;
        if ((rc = read_key_file(c, file, where, text, &pem)) != WH_OK)
            return rc;
    } else {
        at = pem_node;
        if ((rc = as_string(c, pem_node, wh_arena_sprintf(c->tmp, "%s.pem", where), &text)) !=
            WH_OK)
            return rc;
        pem = (struct wh_bytes){(const unsigned char *)text, strlen(text)};
    }
    rc = c->keys_checked_only ? wh_verify_key_check(pem, &c->p->arena, &s->key, &e)
                              : wh_verify_key_parse(pem, &c->p->arena, &s->key, &e);
    if (rc != WH_OK)
        return fail(c, at, "%s: %s", where, e.msg);
    return WH_OK;
}

static enum wh_err
opt_string(struct ctx *c, const struct wh_yaml_node *map, const char *key, const char *where,
           const char **out)
{
    const struct wh_yaml_node *v = get(map, key);

    *out = NULL;
    if (v == NULL)
        return WH_OK;
    return as_string(c, v, wh_arena_sprintf(c->tmp, "%s.%s", where, key), out);
}

/* A glob written where the value is compared exactly ("refs/tags/v*") lints clean and never
 * matches: pattern characters are refused there, with the regex form to write instead. */
static enum wh_err
check_exact(struct ctx *c, const struct wh_yaml_node *n, const char *where, const char *value,
            const char *regexp_key)
{
    size_t bad = strcspn(value, "*?[");
    const char *p;
    char *re, *o;

    if (value[bad] == '\0')
        return WH_OK;
    if (regexp_key == NULL)
        return fail(c, n,
                    "%s: \"%s\" holds '%c', but this value is compared exactly, so it would match "
                    "only that literal text: pattern characters (*, ?, [) are refused here",
                    where, value, value[bad]);
    /* The glob as RE2: '*' any run, '?' one character, regex metacharacters escaped. */
    o = re = wh_arena_alloc(c->tmp, strlen(value) * 2 + 1);
    for (p = value; *p != '\0'; p++) {
        if (*p == '*') {
            *o++ = '.';
            *o++ = '*';
        } else if (*p == '?') {
            *o++ = '.';
        } else {
            if (strchr(".+()|{}^$\\[]", *p) != NULL)
                *o++ = '\\';
            *o++ = *p;
        }
    }
    *o = '\0';
    return fail(c, n,
                "%s: \"%s\" holds '%c', but this value is compared exactly, so it never matches "
                "what the pattern means: write %s: \"%s\" (RE2, whole value) instead",
                where, value, value[bad], regexp_key, re);
}

/* extensions: {sourceRepositoryURI: "https://github.com/acme/payments", ...}; names are Fulcio's
 * (verify/cert.h), values exact strings. */
static enum wh_err
parse_keyless_extensions(struct ctx *c, const struct wh_yaml_node *n, const char *where,
                         struct wh_policy_keyless *k)
{
    struct wh_policy_keyless_ext *ext;
    enum wh_err rc;

    if ((rc = want(c, n, WH_YAML_MAP, where)) != WH_OK)
        return rc;
    ext = wh_arena_calloc(&c->p->arena, n->n / 2 + 1, sizeof(*ext));
    for (size_t i = 0; i + 1 < n->n; i += 2) {
        const struct wh_yaml_node *key = n->kids[i], *val = n->kids[i + 1];
        struct wh_policy_keyless_ext *e = &ext[k->n_extensions];

        e->index = wh_verify_cert_ext_find(key->text);
        if (e->index < 0)
            return fail(c, key,
                        "%s: unknown Fulcio extension \"%s\" (e.g. sourceRepositoryURI, "
                        "buildTrigger, githubWorkflowRepository)",
                        where, key->text);
        e->name = wh_arena_strdup(&c->p->arena, key->text);
        if ((rc = as_string(c, val, wh_arena_sprintf(c->tmp, "%s.%s", where, key->text),
                            &e->value)) != WH_OK ||
            (rc = check_exact(c, val, wh_arena_sprintf(c->tmp, "%s.%s", where, key->text), e->value,
                              NULL)) != WH_OK)
            return rc;
        k->n_extensions++;
    }
    k->extensions = ext;
    return WH_OK;
}

/* An optional exact field `key` of `map` that has no regex form (github.sha). */
static enum wh_err
opt_exact(struct ctx *c, const struct wh_yaml_node *map, const char *key, const char *where,
          const char **exact)
{
    enum wh_err rc;

    if ((rc = opt_string(c, map, key, where, exact)) != WH_OK || *exact == NULL)
        return rc;
    return check_exact(c, get(map, key), wh_arena_sprintf(c->tmp, "%s.%s", where, key), *exact,
                       NULL);
}

/* An optional exact field `key` of `map` and its optional regex form `key`RegExp (at most one of
 * the two). */
static enum wh_err
opt_claim(struct ctx *c, const struct wh_yaml_node *map, const char *key, const char *where,
          const char **exact, const struct wh_policy_regex **re)
{
    const char *rk = wh_arena_sprintf(c->tmp, "%sRegExp", key);
    const struct wh_yaml_node *v = get(map, key);
    const struct wh_yaml_node *r = get(map, rk);
    enum wh_err rc;

    if (v != NULL && r != NULL)
        return fail(c, r, "%s: give one of %s or %s, not both", where, key, rk);
    if ((rc = opt_string(c, map, key, where, exact)) != WH_OK)
        return rc;
    if (*exact != NULL)
        return check_exact(c, v, wh_arena_sprintf(c->tmp, "%s.%s", where, key), *exact, rk);
    if (r != NULL)
        return as_regex(c, r, wh_arena_sprintf(c->tmp, "%s.%s", where, rk), re);
    return WH_OK;
}

static enum wh_err
parse_github(struct ctx *c, const struct wh_yaml_node *v, const char *gw,
             struct wh_policy_keyless *k)
{
    enum wh_err rc;

    if ((rc = want(c, v, WH_YAML_MAP, gw)) != WH_OK ||
        (rc = check_keys(c, v, gw, "#/$defs/keyless/properties/github")) != WH_OK ||
        (rc = opt_claim(c, v, "repository", gw, &k->github.repository, &k->github.repository_re)) !=
            WH_OK ||
        (rc = opt_claim(c, v, "ref", gw, &k->github.ref, &k->github.ref_re)) != WH_OK ||
        (rc = opt_claim(c, v, "workflow", gw, &k->github.workflow, &k->github.workflow_re)) !=
            WH_OK ||
        (rc = opt_claim(c, v, "trigger", gw, &k->github.trigger, &k->github.trigger_re)) != WH_OK ||
        (rc = opt_exact(c, v, "sha", gw, &k->github.sha)) != WH_OK)
        return rc;
    return WH_OK;
}

static enum wh_err
parse_keyless(struct ctx *c, const struct wh_yaml_node *n, const char *where,
              struct wh_policy_signer *s)
{
    struct wh_policy_keyless *k = wh_arena_alloc(&c->p->arena, sizeof(*k));
    const struct wh_yaml_node *v;
    enum wh_err rc;

    if ((rc = want(c, n, WH_YAML_MAP, where)) != WH_OK ||
        (rc = check_keys(c, n, where, "#/$defs/keyless")) != WH_OK)
        return rc;
    /* sigstore: an identity is only meaningful with the issuer that vouched for it. */
    if ((get(n, "issuer") == NULL) == (get(n, "issuerRegExp") == NULL))
        return fail(c, n, "%s: give exactly one of issuer or issuerRegExp", where);
    if ((get(n, "subject") == NULL) == (get(n, "subjectRegExp") == NULL))
        return fail(c, n, "%s: give exactly one of subject or subjectRegExp", where);
    if ((rc = opt_claim(c, n, "issuer", where, &k->issuer, &k->issuer_re)) != WH_OK ||
        (rc = opt_claim(c, n, "subject", where, &k->subject, &k->subject_re)) != WH_OK)
        return rc;
    if ((v = get(n, "github")) != NULL &&
        (rc = parse_github(c, v, wh_arena_sprintf(c->tmp, "%s.github", where), k)) != WH_OK)
        return rc;
    if ((v = get(n, "extensions")) != NULL &&
        (rc = parse_keyless_extensions(c, v, wh_arena_sprintf(c->tmp, "%s.extensions", where),
                                       k)) != WH_OK)
        return rc;
    s->keyless = k;
    return WH_OK;
}

static enum wh_err
parse_signer(struct ctx *c, const struct wh_yaml_node *name, const struct wh_yaml_node *n,
             struct wh_policy_signer *s)
{
    const char *where = wh_arena_sprintf(c->tmp, "signer %s", name->text);
    const struct wh_yaml_node *key, *keyless, *tlog, *ts;
    enum wh_err rc;
    int k;

    /* Named first: images naming a signer that did not load get no second error. */
    s->name = wh_arena_strdup(&c->p->arena, name->text);
    s->line = name->line;
    if ((rc = check_name(c, name, "signer")) != WH_OK ||
        (rc = want(c, n, WH_YAML_MAP, where)) != WH_OK ||
        (rc = check_keys(c, n, where, "#/$defs/signer")) != WH_OK)
        return rc;
    s->tlog_required = true;
    key = get(n, "key");
    keyless = get(n, "keyless");
    if ((key == NULL) == (keyless == NULL))
        return fail(c, n, "%s: give exactly one of key or keyless", where);
    if (key != NULL)
        rc = parse_key(c, key, wh_arena_sprintf(c->tmp, "%s: key", where), s);
    else
        rc = parse_keyless(c, keyless, wh_arena_sprintf(c->tmp, "%s: keyless", where), s);
    if (rc != WH_OK)
        return rc;
    if ((tlog = get(n, "transparencyLog")) != NULL) {
        if ((rc = as_enum(c, tlog, wh_arena_sprintf(c->tmp, "%s: transparencyLog", where), TLOG,
                          &k)) != WH_OK)
            return rc;
        /* optional: a verified RFC 3161 timestamp may stand in for the Rekor entry (GitHub's
         * instance for private repositories logs nothing). A keyless signature still needs one
         * trusted time or the other: verify/ refuses a certificate with no verified time. */
        s->tlog_required = k == 0;
    }
    if ((ts = get(n, "timestamps")) != NULL)
        return as_range(c, ts, wh_arena_sprintf(c->tmp, "%s: timestamps", where), 0,
                        WH_POLICY_MAX_TIMESTAMPS, &s->timestamps);
    return WH_OK;
}

static enum wh_err
parse_signers(struct ctx *c, const struct wh_yaml_node *n)
{
    size_t i;
    enum wh_err rc = want(c, n, WH_YAML_MAP, "spec.signers");

    if (rc != WH_OK)
        return rc;
    c->p->n_signers = n->n / 2;
    c->p->signers = wh_arena_calloc(&c->p->arena, c->p->n_signers + 1, sizeof(*c->p->signers));
    for (i = 0; i < c->p->n_signers; i++)
        if ((rc = note(c, parse_signer(c, n->kids[2 * i], n->kids[2 * i + 1],
                                       &c->p->signers[i]))) != WH_OK)
            return rc;
    return WH_OK;
}

static const struct wh_policy_tier_rule *
find_tier_rule(const struct wh_policy *p, const char *id)
{
    size_t i, j;

    for (i = 0; i < p->n_tiers; i++)
        for (j = 0; j < p->tiers[i].n_rules; j++)
            if (strcmp(p->tiers[i].rules[j].id, id) == 0)
                return &p->tiers[i].rules[j];
    return NULL;
}

static enum wh_err
parse_when(struct ctx *c, const struct wh_yaml_node *n, const char *where,
           struct wh_policy_tier_rule *r)
{
    const struct wh_yaml_node *v;
    enum wh_err rc;
    bool b;
    int k;

    if ((rc = want(c, n, WH_YAML_MAP, where)) != WH_OK ||
        (rc = check_keys(c, n, where, "#/$defs/when")) != WH_OK)
        return rc;
    r->dev_only = r->prod_only = -1;
    if ((v = get(n, "devOnly")) != NULL) {
        if ((rc = as_bool(c, v, wh_arena_sprintf(c->tmp, "%s.devOnly", where), &b)) != WH_OK)
            return rc;
        r->dev_only = b;
    }
    if ((v = get(n, "prodOnly")) != NULL) {
        if ((rc = as_bool(c, v, wh_arena_sprintf(c->tmp, "%s.prodOnly", where), &b)) != WH_OK)
            return rc;
        r->prod_only = b;
    }
    if ((v = get(n, "versionDrift")) != NULL) {
        if ((rc = as_enum(c, v, wh_arena_sprintf(c->tmp, "%s.versionDrift", where), DRIFT, &k)) !=
            WH_OK)
            return rc;
        r->version_drift = (enum wh_policy_drift_match)(WH_POLICY_DRIFT_ANY + k);
    }
    /* A rule that can never match is a mistake the author wants to hear about. */
    if (r->dev_only == 1 && (r->prod_only == 1 || r->version_drift != WH_POLICY_DRIFT_UNSET))
        return fail(c, n, "%s: devOnly: true never matches together with %s", where,
                    r->prod_only == 1 ? "prodOnly: true" : "versionDrift");
    if (r->prod_only == 1 && r->version_drift != WH_POLICY_DRIFT_UNSET)
        return fail(c, n, "%s: prodOnly: true never matches together with versionDrift", where);
    if ((v = get(n, "names")) != NULL &&
        (rc = as_string_list(c, v, wh_arena_sprintf(c->tmp, "%s.names", where), &r->names,
                             &r->n_names)) != WH_OK)
        return rc;
    if ((v = get(n, "nameContains")) != NULL &&
        (rc = as_string_list(c, v, wh_arena_sprintf(c->tmp, "%s.nameContains", where),
                             &r->name_contains, &r->n_name_contains)) != WH_OK)
        return rc;
    if ((v = get(n, "purlTypes")) != NULL &&
        (rc = as_string_list(c, v, wh_arena_sprintf(c->tmp, "%s.purlTypes", where), &r->purl_types,
                             &r->n_purl_types)) != WH_OK)
        return rc;
    return WH_OK;
}

/* Rules of a sequence; rule i gets the id "<prefix>[i]". */
static enum wh_err
parse_tier_rules(struct ctx *c, const struct wh_yaml_node *n, const char *prefix,
                 struct wh_policy_tier_rule **out, size_t *n_out)
{
    struct wh_policy_tier_rule *rules;
    enum wh_err rc;
    size_t i;
    int k;

    if ((rc = want(c, n, WH_YAML_SEQ, wh_arena_sprintf(c->tmp, "spec.tiers.%s", prefix))) != WH_OK)
        return rc;
    if (n->n == 0)
        return fail(c, n, "spec.tiers.%s: expected at least one rule", prefix);
    rules = wh_arena_calloc(&c->p->arena, n->n, sizeof(*rules));
    for (i = 0; i < n->n; i++) {
        const struct wh_yaml_node *r = n->kids[i], *v;
        const char *id = wh_arena_sprintf(&c->p->arena, "%s[%zu]", prefix, i);
        if ((rc = want(c, r, WH_YAML_MAP, id)) != WH_OK ||
            (rc = check_keys(c, r, id, "#/$defs/tierRules/items")) != WH_OK ||
            (rc = need(c, r, "tier", id, &v)) != WH_OK ||
            (rc = as_enum(c, v, wh_arena_sprintf(c->tmp, "%s.tier", id), TIERS, &k)) != WH_OK)
            return rc;
        rules[i].id = id;
        rules[i].is_builtin = c->builtin;
        rules[i].tier = (enum wh_tier)k;
        rules[i].line = r->line;
        if ((rc = need(c, r, "when", id, &v)) != WH_OK ||
            (rc = parse_when(c, v, wh_arena_sprintf(c->tmp, "%s.when", id), &rules[i])) != WH_OK)
            return rc;
    }
    *out = rules;
    *n_out = n->n;
    return WH_OK;
}

/* {extends: NAME, before: [...], after: [...]}: the rules are put together by resolve_tiers
 * once every list is known; here they are read and the base's name kept in t->name's slot. */
static enum wh_err
parse_tier_extends(struct ctx *c, const struct wh_yaml_node *n, struct wh_policy_tiers *t,
                   struct tier_parts *parts)
{
    const char *where = wh_arena_sprintf(c->tmp, "spec.tiers.%s", t->name);
    const struct wh_yaml_node *v;
    enum wh_err rc;

    if ((rc = check_keys(c, n, where, "#/$defs/tierList/oneOf/1")) != WH_OK ||
        (rc = need(c, n, "extends", where, &v)) != WH_OK ||
        (rc = as_string(c, v, wh_arena_sprintf(c->tmp, "%s.extends", where), &parts->extends)) !=
            WH_OK)
        return rc;
    parts->extends_node = v;
    if ((v = get(n, "before")) != NULL &&
        (rc = parse_tier_rules(c, v, wh_arena_sprintf(c->tmp, "%s.before", t->name), &parts->before,
                               &parts->n_before)) != WH_OK)
        return rc;
    if ((v = get(n, "after")) != NULL &&
        (rc = parse_tier_rules(c, v, wh_arena_sprintf(c->tmp, "%s.after", t->name), &parts->after,
                               &parts->n_after)) != WH_OK)
        return rc;
    return WH_OK;
}

static enum wh_err
parse_tier_list(struct ctx *c, const struct wh_yaml_node *name, const struct wh_yaml_node *n,
                struct wh_policy_tiers *t, struct tier_parts *parts)
{
    struct wh_policy_tier_rule *rules;
    enum wh_err rc;

    t->name = wh_arena_strdup(&c->p->arena, name->text);
    if ((rc = check_name(c, name, "tier list")) != WH_OK)
        return rc;
    t->line = name->line;
    t->col = name->col;
    t->is_builtin = c->builtin;
    if (n->kind == WH_YAML_MAP)
        return parse_tier_extends(c, n, t, parts);
    if (n->kind != WH_YAML_SEQ)
        return fail(c, n,
                    "spec.tiers.%s: expected a sequence of rules, or a mapping {extends: LIST, "
                    "before: [...], after: [...]}, got %s",
                    t->name, wh_yaml_tree_kind_name(n));
    if ((rc = parse_tier_rules(c, n, t->name, &rules, &t->n_rules)) != WH_OK)
        return rc;
    t->rules = rules;
    return WH_OK;
}

/* The built-in seed-default (policy/default.yaml's, policy/seed.h), for a policy that names it
 * without defining it. Errors (a broken build) name the built-in copy. */
static enum wh_err
parse_builtin_seed(struct ctx *c, struct wh_policy_tiers *t, struct tier_parts *parts)
{
    struct wh_bytes text = {(const unsigned char *)wh_policy_seed_text, wh_policy_seed_text_len};
    const struct wh_yaml_node *spec = NULL, *tiers = NULL, *list = NULL;
    const char *file = c->file;
    struct wh_yaml_node *root = NULL;
    enum wh_err rc;
    size_t i;

    c->file = "built-in policy/default.yaml";
    rc = wh_policy_tree_build(text, c->file, c->tmp, &root, c->err);
    if (rc == WH_OK &&
        ((spec = get(root, "spec")) == NULL || (tiers = get(spec, "tiers")) == NULL ||
         (list = get(tiers, WH_POLICY_SEED_TIERS)) == NULL))
        rc = fail(c, root, "no spec.tiers.%s", WH_POLICY_SEED_TIERS);
    for (i = 0; rc == WH_OK && tiers != NULL && i + 1 < tiers->n; i += 2)
        if (tiers->kids[i + 1] == list) {
            c->builtin = true;
            rc = parse_tier_list(c, tiers->kids[i], list, t, parts);
            c->builtin = false;
            t->line = t->col = 0;
        }
    c->file = file;
    return rc;
}

static int
by_rule_id(const void *x, const void *y)
{
    return strcmp((*(const struct wh_policy_tier_rule *const *)x)->id,
                  (*(const struct wh_policy_tier_rule *const *)y)->id);
}

/* Exemptions name tier rules by id, so an id must name one rule: "a.before[0]" of list a and
 * rule 0 of a list called "a.before" would be two. Only rules written in a list are compared
 * (inherited copies share their origin's id); sorted, so O(R log R). */
static enum wh_err
check_rule_ids(struct ctx *c, const struct wh_yaml_node *n, const struct tier_parts *parts)
{
    const struct wh_policy *p = c->p;
    const struct wh_policy_tier_rule **own;
    size_t i, j, count = 0;

    for (i = 0; i < p->n_tiers; i++)
        count +=
            parts[i].extends != NULL ? parts[i].n_before + parts[i].n_after : p->tiers[i].n_rules;
    own = wh_arena_calloc(c->tmp, count + 1, sizeof(*own));
    count = 0;
    for (i = 0; i < p->n_tiers; i++) {
        const struct tier_parts *pt = &parts[i];
        for (j = 0; pt->extends == NULL && j < p->tiers[i].n_rules; j++)
            own[count++] = &p->tiers[i].rules[j];
        for (j = 0; j < pt->n_before; j++)
            own[count++] = &pt->before[j];
        for (j = 0; j < pt->n_after; j++)
            own[count++] = &pt->after[j];
    }
    qsort(own, count, sizeof(*own), by_rule_id);
    for (i = 1; n != NULL && i < count; i++)
        if (strcmp(own[i - 1]->id, own[i]->id) == 0)
            return fail(c, n,
                        "spec.tiers: two rules have the id %s (lines %d and %d): rename the list "
                        "called %.*s",
                        own[i]->id, own[i - 1]->line, own[i]->line, (int)strcspn(own[i]->id, "["),
                        own[i]->id);
    return WH_OK;
}

/* Depth of extends chains: each level copies its base's rules, so this bounds the model. */
#define EXTENDS_DEPTH 8

/* Puts together list i (and, first, what it extends): before + base's rules + after. A cycle or
 * an unknown base is an error at the extends value. */
static enum wh_err
resolve_tier_list(struct ctx *c, struct tier_parts *parts, size_t i, size_t depth)
{
    struct wh_policy_tiers *t = &c->p->tiers[i], *base;
    struct tier_parts *pt = &parts[i];
    struct wh_policy_tier_rule *rules;
    size_t j, n;
    enum wh_err rc;

    if (pt->state == 2 || pt->extends == NULL)
        return WH_OK;
    if (pt->state == 1)
        return fail(c, pt->extends_node,
                    "spec.tiers.%s.extends: a cycle: %s extends %s, which leads back to %s; one of "
                    "the lists must stand on its own",
                    t->name, t->name, pt->extends, t->name);
    if (depth >= EXTENDS_DEPTH)
        return fail(c, pt->extends_node,
                    "spec.tiers.%s.extends: extends chains may be at most %d lists deep", t->name,
                    EXTENDS_DEPTH);
    for (j = 0, base = NULL; j < c->p->n_tiers && base == NULL; j++)
        if (c->p->tiers[j].name != NULL && strcmp(c->p->tiers[j].name, pt->extends) == 0)
            base = &c->p->tiers[j];
    if (base == NULL)
        return fail(c, pt->extends_node,
                    "spec.tiers.%s.extends: unknown tier list \"%s\" (not in spec.tiers, and not "
                    "the built-in %s)",
                    t->name, pt->extends, WH_POLICY_SEED_TIERS);
    pt->state = 1;
    if ((rc = resolve_tier_list(c, parts, (size_t)(base - c->p->tiers), depth + 1)) != WH_OK)
        return rc;
    pt->state = 2;
    n = pt->n_before + base->n_rules + pt->n_after;
    rules = wh_arena_calloc(&c->p->arena, n, sizeof(*rules));
    for (j = 0; j < pt->n_before; j++)
        rules[j] = pt->before[j];
    for (j = 0; j < base->n_rules; j++)
        rules[pt->n_before + j] = base->rules[j];
    for (j = 0; j < pt->n_after; j++)
        rules[pt->n_before + base->n_rules + j] = pt->after[j];
    t->rules = rules;
    t->n_rules = n;
    t->base = base;
    return WH_OK;
}

static enum wh_err
parse_tiers(struct ctx *c, const struct wh_yaml_node *n)
{
    struct tier_parts *parts;
    size_t i, n_lists = n != NULL ? n->n / 2 : 0;
    enum wh_err rc = n != NULL ? want(c, n, WH_YAML_MAP, "spec.tiers") : WH_OK;

    if (rc != WH_OK)
        return rc;
    /* Room for the built-in seed-default after the policy's own lists. */
    c->p->tiers = wh_arena_calloc(&c->p->arena, n_lists + 2, sizeof(*c->p->tiers));
    parts = wh_arena_calloc(c->tmp, n_lists + 1, sizeof(*parts));
    c->p->n_tiers = n_lists;
    for (i = 0; i < n_lists; i++) {
        rc = parse_tier_list(c, n->kids[2 * i], n->kids[2 * i + 1], &c->p->tiers[i], &parts[i]);
        if (rc != WH_OK) {
            /* Left empty: what names it gets no second error, and it is not put together. */
            parts[i].state = 2;
            c->p->tiers[i].rules = NULL;
            c->p->tiers[i].n_rules = 0;
            c->tiers_failed = true;
        }
        if ((rc = note(c, rc)) != WH_OK)
            return rc;
    }
    if (wh_policy_tiers_find(c->p, WH_POLICY_SEED_TIERS) == NULL) {
        if ((rc = parse_builtin_seed(c, &c->p->tiers[n_lists], &parts[n_lists])) != WH_OK)
            return rc;
        c->p->n_tiers = n_lists + 1;
    }
    for (i = 0; i < c->p->n_tiers; i++) {
        rc = resolve_tier_list(c, parts, i, 0);
        for (size_t j = 0; rc != WH_OK && j < c->p->n_tiers; j++)
            if (parts[j].state == 1 || j == i) /* the chain that failed: said once */
                parts[j].state = 2;
        c->tiers_failed |= rc != WH_OK;
        if ((rc = note(c, rc)) != WH_OK)
            return rc;
    }
    return check_rule_ids(c, n, parts);
}

/* ---- spec.pins (driftgate audit pins) ---- */

static const char *const PIN_KINDS[] = {
    "action",    "workflow",           "docker-action", "container", "base-image",
    "copy-from", "devcontainer-image", "feature",       "download",  "local",
    NULL};

const char *
wh_policy_pin_kind_name(enum wh_pin_kind k)
{
    return (unsigned)k < WH_PIN_KIND_COUNT ? PIN_KINDS[k] : "?";
}

/* Image globs (image/ref.h), kept as written: names and paths are matched as the audit spells
 * them. */
static enum wh_err
as_plain_globs(struct ctx *c, const struct wh_yaml_node *n, const char *where,
               const char *const **out, size_t *n_out)
{
    struct wh_error e;
    enum wh_err rc = as_string_list(c, n, where, out, n_out);
    size_t i;

    for (i = 0; rc == WH_OK && i < *n_out; i++)
        if (wh_image_glob_valid(wh_str_c((*out)[i]), &e) != WH_OK)
            rc = fail(c, n->kids[i], "%s[%zu]: %s", where, i, e.msg);
    return rc;
}

static enum wh_err
parse_pin_kinds(struct ctx *c, const struct wh_yaml_node *n, const char *where, unsigned *out)
{
    enum wh_err rc = want(c, n, WH_YAML_SEQ, where);
    size_t i;
    int k;

    if (rc != WH_OK)
        return rc;
    if (n->n == 0)
        return fail(c, n, "%s: expected at least one entry", where);
    for (i = 0; i < n->n; i++) {
        rc = as_enum(c, n->kids[i], wh_arena_sprintf(c->tmp, "%s[%zu]", where, i), PIN_KINDS, &k);
        if (rc != WH_OK)
            return rc;
        *out |= 1u << (unsigned)k;
    }
    return WH_OK;
}

static enum wh_err
parse_pin_when(struct ctx *c, const struct wh_yaml_node *n, const char *where,
               struct wh_policy_pin_rule *r)
{
    const struct wh_yaml_node *v;
    enum wh_err rc;

    r->stage = -1;
    if ((rc = want(c, n, WH_YAML_MAP, where)) != WH_OK ||
        (rc = check_keys(c, n, where, "#/$defs/pinWhen")) != WH_OK)
        return rc;
    if ((v = get(n, "kinds")) != NULL &&
        (rc = parse_pin_kinds(c, v, wh_arena_sprintf(c->tmp, "%s.kinds", where), &r->kinds)) !=
            WH_OK)
        return rc;
    if ((v = get(n, "stage")) != NULL &&
        (rc = as_enum(c, v, wh_arena_sprintf(c->tmp, "%s.stage", where), STAGES, &r->stage)) !=
            WH_OK)
        return rc;
    if ((v = get(n, "names")) != NULL &&
        (rc = as_plain_globs(c, v, wh_arena_sprintf(c->tmp, "%s.names", where), &r->names,
                             &r->n_names)) != WH_OK)
        return rc;
    if ((v = get(n, "files")) != NULL &&
        (rc = as_plain_globs(c, v, wh_arena_sprintf(c->tmp, "%s.files", where), &r->files,
                             &r->n_files)) != WH_OK)
        return rc;
    return WH_OK;
}

static enum wh_err
parse_pins(struct ctx *c, const struct wh_yaml_node *n)
{
    enum wh_err rc = want(c, n, WH_YAML_SEQ, "spec.pins");
    size_t i;
    int k;

    if (rc != WH_OK)
        return rc;
    if (n->n == 0)
        return fail(c, n, "spec.pins: expected at least one rule");
    c->p->pins = wh_arena_calloc(&c->p->arena, n->n, sizeof(*c->p->pins));
    c->p->n_pins = n->n;
    for (i = 0; i < n->n; i++) {
        struct wh_policy_pin_rule *r = &c->p->pins[i];
        const struct wh_yaml_node *e = n->kids[i], *v;
        const char *id = wh_arena_sprintf(&c->p->arena, "pins[%zu]", i);
        if ((rc = want(c, e, WH_YAML_MAP, id)) != WH_OK ||
            (rc = check_keys(c, e, id, "#/$defs/pinRule")) != WH_OK ||
            (rc = need(c, e, "tier", id, &v)) != WH_OK ||
            (rc = as_enum(c, v, wh_arena_sprintf(c->tmp, "%s.tier", id), TIERS, &k)) != WH_OK)
            return rc;
        r->id = id;
        r->tier = (enum wh_tier)k;
        r->line = e->line;
        if ((rc = need(c, e, "when", id, &v)) != WH_OK ||
            (rc = parse_pin_when(c, v, wh_arena_sprintf(c->tmp, "%s.when", id), r)) != WH_OK)
            return rc;
    }
    return WH_OK;
}

/* ---- spec.audit (driftgate audit repo) ---- */

/* The findings of audit repo's offline layers; dev/ and runtime/ also take names from the
 * policy's own tier rules and reverify, so any glob under them is accepted. */
static const char *const AUDIT_RULES[] = {"deps/no-lockfile",
                                          "deps/lock-out-of-sync",
                                          "deps/lock-unhashed",
                                          "deps/no-update-bot",
                                          "deps/ecosystem-not-covered",
                                          "deps/no-digest-pinning",
                                          "toolchain/unpinned",
                                          "toolchain/conflict",
                                          "toolchain/alias",
                                          "toolchain/mismatch",
                                          "toolchain/not-in-dev-image",
                                          "dev/age-unknown",
                                          "dev/stale-image",
                                          "dev/verify",
                                          "dev/drift",
                                          "runtime/stale-image",
                                          NULL};

static enum wh_err
check_audit_rule_globs(struct ctx *c, const struct wh_yaml_node *n, const char *where,
                       const char *const *globs, size_t n_globs)
{
    size_t i, k;

    for (i = 0; i < n_globs; i++) {
        if (strncmp(globs[i], "dev/", 4) == 0 || strncmp(globs[i], "runtime/", 8) == 0)
            continue;
        for (k = 0; AUDIT_RULES[k] != NULL; k++)
            if (wh_image_glob_match(wh_str_c(globs[i]), wh_str_c(AUDIT_RULES[k])))
                break;
        if (AUDIT_RULES[k] == NULL)
            return fail(c, n->kids[i],
                        "%s[%zu]: \"%s\" matches no audit repo finding (deps/..., toolchain/..., "
                        "dev/..., runtime/...: see driftgate audit repo's report)",
                        where, i, globs[i]);
    }
    return WH_OK;
}

static enum wh_err
parse_audit_rule(struct ctx *c, const struct wh_yaml_node *e, const char *id,
                 struct wh_policy_audit_rule *r)
{
    const struct wh_yaml_node *v, *w;
    const char *where = wh_arena_sprintf(c->tmp, "%s.when", id);
    enum wh_err rc;
    int k;

    if ((rc = want(c, e, WH_YAML_MAP, id)) != WH_OK ||
        (rc = check_keys(c, e, id, "#/$defs/auditRule")) != WH_OK ||
        (rc = need(c, e, "tier", id, &v)) != WH_OK ||
        (rc = as_enum(c, v, wh_arena_sprintf(c->tmp, "%s.tier", id), TIERS, &k)) != WH_OK ||
        (rc = need(c, e, "when", id, &w)) != WH_OK ||
        (rc = want(c, w, WH_YAML_MAP, where)) != WH_OK ||
        (rc = check_keys(c, w, where, "#/$defs/auditWhen")) != WH_OK)
        return rc;
    r->id = id;
    r->tier = (enum wh_tier)k;
    r->line = e->line;
    if ((rc = need(c, w, "rules", where, &v)) != WH_OK ||
        (rc = as_plain_globs(c, v, wh_arena_sprintf(c->tmp, "%s.rules", where), &r->rules,
                             &r->n_rules)) != WH_OK ||
        (rc = check_audit_rule_globs(c, v, wh_arena_sprintf(c->tmp, "%s.rules", where), r->rules,
                                     r->n_rules)) != WH_OK)
        return rc;
    if (r->n_rules == 0)
        return fail(c, v, "%s.rules: expected at least one entry", where);
    if ((v = get(w, "files")) != NULL &&
        (rc = as_plain_globs(c, v, wh_arena_sprintf(c->tmp, "%s.files", where), &r->files,
                             &r->n_files)) != WH_OK)
        return rc;
    return WH_OK;
}

static enum wh_err
parse_audit(struct ctx *c, const struct wh_yaml_node *n)
{
    enum wh_err rc = want(c, n, WH_YAML_SEQ, "spec.audit");
    size_t i;

    if (rc != WH_OK)
        return rc;
    if (n->n == 0)
        return fail(c, n, "spec.audit: expected at least one rule");
    c->p->audit = wh_arena_calloc(&c->p->arena, n->n, sizeof(*c->p->audit));
    c->p->n_audit = n->n;
    for (i = 0; i < n->n; i++)
        if ((rc = parse_audit_rule(c, n->kids[i], wh_arena_sprintf(&c->p->arena, "audit[%zu]", i),
                                   &c->p->audit[i])) != WH_OK)
            return rc;
    return WH_OK;
}

/* signedBy: names of spec.signers → pointers. */
static enum wh_err
parse_signed_by(struct ctx *c, const struct wh_yaml_node *n, const char *where,
                const struct wh_policy_signer *const **out, size_t *n_out)
{
    const struct wh_policy_signer **list;
    const char *const *names;
    size_t i, j, count;
    enum wh_err rc = as_string_list(c, n, where, &names, &count);

    if (rc != WH_OK)
        return rc;
    list = wh_arena_calloc(&c->p->arena, count, sizeof(*list));
    for (i = 0; i < count; i++) {
        list[i] = wh_policy_signer_find(c->p, names[i]);
        if (list[i] == NULL)
            return fail(c, n->kids[i], "%s: unknown signer \"%s\" (not in spec.signers)", where,
                        names[i]);
        for (j = 0; j < i; j++)
            if (list[j] == list[i])
                return fail(c, n->kids[i], "%s: signer \"%s\" listed twice", where, names[i]);
    }
    *out = list;
    *n_out = count;
    return WH_OK;
}

/* count: N counts distinct signers, and a key counts once: two signer names for one key would
 * let one private key pass for two signers. */
static enum wh_err
check_distinct_keys(struct ctx *c, const struct wh_yaml_node *n, const char *where,
                    const struct wh_policy_signer_set *set)
{
    struct wh_bytes *spki = wh_arena_calloc(c->tmp, set->n_signed_by, sizeof(*spki));
    const struct wh_yaml_node *names = get(n, "signedBy");
    struct wh_error e;
    size_t i, j;

    for (i = 0; i < set->n_signed_by; i++) {
        if (set->signed_by[i]->key == NULL)
            continue;
        if (wh_verify_key_spki_der(set->signed_by[i]->key, c->tmp, &spki[i], &e) != WH_OK)
            return fail(c, names->kids[i], "%s: signer %s: %s", where, set->signed_by[i]->name,
                        e.msg);
        for (j = 0; j < i; j++)
            if (spki[j].len == spki[i].len && memcmp(spki[j].ptr, spki[i].ptr, spki[i].len) == 0)
                return fail(c, names->kids[i],
                            "%s: signers %s and %s hold the same public key, so they count as "
                            "one signer toward count %zu: give each signer its own key",
                            where, set->signed_by[j]->name, set->signed_by[i]->name, set->count);
    }
    return WH_OK;
}

static enum wh_err
parse_signatures(struct ctx *c, const struct wh_yaml_node *n, const char *where,
                 struct wh_policy_image *img)
{
    const struct wh_yaml_node *v;
    enum wh_err rc;

    if ((rc = want(c, n, WH_YAML_MAP, where)) != WH_OK ||
        (rc = check_keys(c, n, where, "#/$defs/image/properties/signatures")) != WH_OK ||
        (rc = need(c, n, "signedBy", where, &v)) != WH_OK ||
        (rc = parse_signed_by(c, v, wh_arena_sprintf(c->tmp, "%s.signedBy", where),
                              &img->signatures.signed_by, &img->signatures.n_signed_by)) != WH_OK)
        return rc;
    img->signatures.count = 1;
    if ((v = get(n, "count")) != NULL &&
        (rc = as_count(c, v, wh_arena_sprintf(c->tmp, "%s.count", where),
                       img->signatures.n_signed_by, &img->signatures.count)) != WH_OK)
        return rc;
    return img->signatures.count > 1 ? check_distinct_keys(c, n, where, &img->signatures) : WH_OK;
}

/* ---- attestations.provenance / vulns / agent ---- */

/* signedBy, or the SBOM's signers when the rule has an SBOM attestation and omits it. */
static enum wh_err
attestation_signers(struct ctx *c, const struct wh_yaml_node *n, const char *where,
                    const struct wh_policy_image *img, const struct wh_policy_signer *const **out,
                    size_t *n_out)
{
    const struct wh_yaml_node *v = get(n, "signedBy");

    if (v != NULL)
        return parse_signed_by(c, v, wh_arena_sprintf(c->tmp, "%s.signedBy", where), out, n_out);
    if (!img->sbom.required)
        return fail(c, n,
                    "%s: missing required key \"signedBy\" (no attestations.sbom to inherit "
                    "it from)",
                    where);
    *out = img->sbom.signed_by;
    *n_out = img->sbom.n_signed_by;
    return WH_OK;
}

/* "30d", "12h", "90m", "3600s" → seconds. */
static enum wh_err
as_duration(struct ctx *c, const struct wh_yaml_node *n, const char *where, const char **text,
            long long *out)
{
    long long v = 0;
    size_t i;
    enum wh_err rc = as_string(c, n, where, text);

    if (rc != WH_OK)
        return rc;
    for (i = 0; i + 1 < n->len && i < 9 && n->text[i] >= '0' && n->text[i] <= '9'; i++)
        v = v * 10 + (n->text[i] - '0');
    if (i == 0 || i + 1 != n->len || strchr("smhd", n->text[i]) == NULL || v == 0)
        return fail(c, n, "%s: expected a duration such as 7d, 12h, 30m or 3600s, got \"%s\"",
                    where, n->text);
    *out = v * (n->text[i] == 'd' ? 86400 : n->text[i] == 'h' ? 3600 : n->text[i] == 'm' ? 60 : 1);
    return WH_OK;
}

static enum wh_err
parse_dependencies(struct ctx *c, const struct wh_yaml_node *n, const char *where,
                   struct wh_policy_provenance *pv)
{
    struct wh_policy_dependency *deps;
    const struct wh_yaml_node *v;
    enum wh_err rc;
    size_t i;

    if ((rc = want(c, n, WH_YAML_SEQ, where)) != WH_OK)
        return rc;
    if (n->n == 0)
        return fail(c, n, "%s: expected at least one entry", where);
    deps = wh_arena_calloc(&c->p->arena, n->n, sizeof(*deps));
    for (i = 0; i < n->n; i++) {
        const struct wh_yaml_node *d = n->kids[i];
        const char *w = wh_arena_sprintf(c->tmp, "%s[%zu]", where, i);
        const char *colon;
        if ((rc = want(c, d, WH_YAML_MAP, w)) != WH_OK ||
            (rc = check_keys(
                 c, d, w,
                 "#/$defs/attestations/properties/provenance/properties/dependencies/items")) !=
                WH_OK ||
            (rc = need(c, d, "uri", w, &v)) != WH_OK ||
            (rc = as_string(c, v, wh_arena_sprintf(c->tmp, "%s.uri", w), &deps[i].uri)) != WH_OK ||
            (rc = need(c, d, "digest", w, &v)) != WH_OK ||
            (rc = as_string(c, v, wh_arena_sprintf(c->tmp, "%s.digest", w), &deps[i].digest)) !=
                WH_OK)
            return rc;
        colon = strchr(deps[i].digest, ':');
        if (colon == NULL || colon == deps[i].digest || colon[1] == '\0')
            return fail(c, v, "%s.digest: expected ALG:HEX such as sha256:<hex>, got \"%s\"", w,
                        deps[i].digest);
        deps[i].alg =
            wh_arena_strndup(&c->p->arena, deps[i].digest, (size_t)(colon - deps[i].digest));
        deps[i].hex = colon + 1;
        deps[i].line = d->line;
    }
    pv->dependencies = deps;
    pv->n_dependencies = n->n;
    return WH_OK;
}

static enum wh_err
parse_provenance(struct ctx *c, const struct wh_yaml_node *n, const char *where,
                 struct wh_policy_image *img)
{
    struct wh_policy_provenance *pv = &img->provenance;
    const struct wh_yaml_node *v;
    const char *type, *ref;
    enum wh_err rc;

    if ((rc = want(c, n, WH_YAML_MAP, where)) != WH_OK ||
        (rc = check_keys(c, n, where, "#/$defs/attestations/properties/provenance")) != WH_OK ||
        (rc = attestation_signers(c, n, where, img, &pv->signed_by, &pv->n_signed_by)) != WH_OK)
        return rc;
    if ((v = get(n, "predicateType")) != NULL) {
        if ((rc = as_string(c, v, wh_arena_sprintf(c->tmp, "%s.predicateType", where), &type)) !=
            WH_OK)
            return rc;
        pv->predicate_type = wh_verify_predicate_type_canonical(type);
        if (strcmp(pv->predicate_type, WH_PREDICATE_SLSA_V1) != 0 &&
            strcmp(pv->predicate_type, WH_PREDICATE_SLSA_V02) != 0)
            return fail(c, v, "%s.predicateType: expected %s or %s, got \"%s\"", where,
                        WH_PREDICATE_SLSA_V1, WH_PREDICATE_SLSA_V02, type);
    }
    if (((v = get(n, "builderId")) != NULL &&
         (rc = as_string(c, v, wh_arena_sprintf(c->tmp, "%s.builderId", where), &pv->builder_id)) !=
             WH_OK) ||
        ((v = get(n, "builderIdRegExp")) != NULL &&
         (rc = as_regex(c, v, wh_arena_sprintf(c->tmp, "%s.builderIdRegExp", where),
                        &pv->builder_id_re)) != WH_OK) ||
        ((v = get(n, "buildType")) != NULL &&
         (rc = as_string(c, v, wh_arena_sprintf(c->tmp, "%s.buildType", where), &pv->build_type)) !=
             WH_OK) ||
        ((v = get(n, "sourceRef")) != NULL &&
         (rc = as_string(c, v, wh_arena_sprintf(c->tmp, "%s.sourceRef", where), &pv->source_ref)) !=
             WH_OK) ||
        ((v = get(n, "dependencies")) != NULL &&
         (rc = parse_dependencies(c, v, wh_arena_sprintf(c->tmp, "%s.dependencies", where), pv)) !=
             WH_OK))
        return rc;
    if ((v = get(n, "sourceRepo")) != NULL) {
        if ((rc = as_string(c, v, wh_arena_sprintf(c->tmp, "%s.sourceRepo", where),
                            &pv->source_repo)) != WH_OK)
            return rc;
        wh_verify_source_split(pv->source_repo, &c->p->arena, &pv->source_repo, &ref);
        if (ref != NULL)
            return fail(c, v, "%s.sourceRepo: write the ref in sourceRef, not after '@'", where);
    }
    pv->required = true;
    pv->line = n->line;
    return WH_OK;
}

/* Order matches enum wh_vuln_severity from WH_SEVERITY_NONE. */
static const char *const SEVERITIES[] = {"none", "low", "medium", "high", "critical", NULL};

static enum wh_err
parse_vuln_allow(struct ctx *c, const struct wh_yaml_node *n, const char *where,
                 struct wh_policy_vulns *vl)
{
    struct wh_policy_vuln_allow *allow;
    const struct wh_yaml_node *v;
    enum wh_err rc;
    size_t i;

    if ((rc = want(c, n, WH_YAML_SEQ, where)) != WH_OK)
        return rc;
    allow = wh_arena_calloc(&c->p->arena, n->n == 0 ? 1 : n->n, sizeof(*allow));
    for (i = 0; i < n->n; i++) {
        const struct wh_yaml_node *e = n->kids[i];
        const char *w = wh_arena_sprintf(c->tmp, "%s[%zu]", where, i);
        /* An allow-list entry without an expiry or a reason is how risk acceptance rots. */
        if ((rc = want(c, e, WH_YAML_MAP, w)) != WH_OK ||
            (rc = check_keys(c, e, w,
                             "#/$defs/attestations/properties/vulns/properties/allow/items")) !=
                WH_OK ||
            (rc = need(c, e, "id", w, &v)) != WH_OK ||
            (rc = as_string(c, v, wh_arena_sprintf(c->tmp, "%s.id", w), &allow[i].id)) != WH_OK ||
            (rc = need(c, e, "expires", w, &v)) != WH_OK ||
            (rc = as_date(c, v, wh_arena_sprintf(c->tmp, "%s.expires", w), &allow[i].expires_text,
                          &allow[i].expires)) != WH_OK ||
            (rc = need(c, e, "reason", w, &v)) != WH_OK ||
            (rc = as_string(c, v, wh_arena_sprintf(c->tmp, "%s.reason", w), &allow[i].reason)) !=
                WH_OK)
            return rc;
        allow[i].line = e->line;
    }
    vl->allow = allow;
    vl->n_allow = n->n;
    return WH_OK;
}

static enum wh_err
parse_vulns(struct ctx *c, const struct wh_yaml_node *n, const char *where,
            struct wh_policy_image *img)
{
    struct wh_policy_vulns *vl = &img->vulns;
    const struct wh_yaml_node *v;
    const char *type;
    enum wh_err rc;
    int k;

    if ((rc = want(c, n, WH_YAML_MAP, where)) != WH_OK ||
        (rc = check_keys(c, n, where, "#/$defs/attestations/properties/vulns")) != WH_OK ||
        (rc = attestation_signers(c, n, where, img, &vl->signed_by, &vl->n_signed_by)) != WH_OK ||
        (rc = need(c, n, "maxSeverity", where, &v)) != WH_OK ||
        (rc = as_enum(c, v, wh_arena_sprintf(c->tmp, "%s.maxSeverity", where), SEVERITIES, &k)) !=
            WH_OK)
        return rc;
    vl->max_severity = WH_SEVERITY_NONE + k;
    vl->predicate_type = WH_PREDICATE_COSIGN_VULN;
    if ((v = get(n, "predicateType")) != NULL) {
        if ((rc = as_string(c, v, wh_arena_sprintf(c->tmp, "%s.predicateType", where), &type)) !=
            WH_OK)
            return rc;
        vl->predicate_type = wh_verify_predicate_type_canonical(type);
        if (strcmp(vl->predicate_type, WH_PREDICATE_COSIGN_VULN) != 0 &&
            strcmp(vl->predicate_type, WH_PREDICATE_CYCLONEDX) != 0)
            return fail(c, v, "%s.predicateType: expected %s or %s, got \"%s\"", where,
                        WH_PREDICATE_COSIGN_VULN, WH_PREDICATE_CYCLONEDX, type);
    }
    if (((v = get(n, "onlyFixable")) != NULL &&
         (rc = as_bool(c, v, wh_arena_sprintf(c->tmp, "%s.onlyFixable", where),
                       &vl->only_fixable)) != WH_OK) ||
        ((v = get(n, "maxAge")) != NULL &&
         (rc = as_duration(c, v, wh_arena_sprintf(c->tmp, "%s.maxAge", where), &vl->max_age_text,
                           &vl->max_age_s)) != WH_OK) ||
        ((v = get(n, "allow")) != NULL &&
         (rc = parse_vuln_allow(c, v, wh_arena_sprintf(c->tmp, "%s.allow", where), vl)) != WH_OK))
        return rc;
    vl->required = true;
    vl->line = n->line;
    return WH_OK;
}

/* Tiers an absence finding may take: ignoring it is `required: false`. */
static const char *const ABSENT_TIERS[] = {"block", "warn", NULL};

static enum wh_err
parse_agent(struct ctx *c, const struct wh_yaml_node *n, const char *where,
            struct wh_policy_image *img)
{
    struct wh_policy_agent *ag = &img->agent;
    const struct wh_yaml_node *v;
    enum wh_err rc;
    int k;

    if ((rc = want(c, n, WH_YAML_MAP, where)) != WH_OK ||
        (rc = check_keys(c, n, where, "#/$defs/attestations/properties/agent")) != WH_OK ||
        (rc = attestation_signers(c, n, where, img, &ag->signed_by, &ag->n_signed_by)) != WH_OK)
        return rc;
    if (((v = get(n, "raiseDrift")) != NULL &&
         (rc = as_bool(c, v, wh_arena_sprintf(c->tmp, "%s.raiseDrift", where), &ag->raise_drift)) !=
             WH_OK) ||
        ((v = get(n, "required")) != NULL &&
         (rc = as_bool(c, v, wh_arena_sprintf(c->tmp, "%s.required", where), &ag->must_attest)) !=
             WH_OK))
        return rc;
    ag->absent_tier = WH_TIER_BLOCK;
    if ((v = get(n, "absentTier")) != NULL) {
        if (!ag->must_attest)
            return fail(c, v,
                        "%s.absentTier: only with required: true (the tier of a missing "
                        "agent-provenance attestation)",
                        where);
        if ((rc = as_enum(c, v, wh_arena_sprintf(c->tmp, "%s.absentTier", where), ABSENT_TIERS,
                          &k)) != WH_OK)
            return rc;
        ag->absent_tier = k == 0 ? WH_TIER_BLOCK : WH_TIER_WARN;
    }
    ag->required = true;
    ag->line = n->line;
    return WH_OK;
}

/* Bounds of the proof (uncompressed layer bytes, objects): the defaults fit a review. */
#define FSM_MAX_BYTES_CAP ((size_t)64 << 30)
#define FSM_MAX_ENTRIES_CAP ((size_t)10000000)

static enum wh_err
parse_fs_manifest(struct ctx *c, const struct wh_yaml_node *n, const char *where,
                  struct wh_policy_image *img)
{
    struct wh_policy_fs_manifest *fm = &img->fs_manifest;
    const struct wh_yaml_node *v;
    enum wh_err rc;

    if ((rc = want(c, n, WH_YAML_MAP, where)) != WH_OK ||
        (rc = check_keys(c, n, where, "#/$defs/attestations/properties/fsManifest")) != WH_OK ||
        (rc = attestation_signers(c, n, where, img, &fm->signed_by, &fm->n_signed_by)) != WH_OK)
        return rc;
    fm->must_attest = true;
    if (((v = get(n, "required")) != NULL &&
         (rc = as_bool(c, v, wh_arena_sprintf(c->tmp, "%s.required", where), &fm->must_attest)) !=
             WH_OK) ||
        ((v = get(n, "maxBytes")) != NULL &&
         (rc = as_count(c, v, wh_arena_sprintf(c->tmp, "%s.maxBytes", where), FSM_MAX_BYTES_CAP,
                        &fm->max_bytes)) != WH_OK) ||
        ((v = get(n, "maxEntries")) != NULL &&
         (rc = as_count(c, v, wh_arena_sprintf(c->tmp, "%s.maxEntries", where), FSM_MAX_ENTRIES_CAP,
                        &fm->max_entries)) != WH_OK))
        return rc;
    fm->required = true;
    fm->line = n->line;
    return WH_OK;
}

static enum wh_err
parse_more_attestations(struct ctx *c, const struct wh_yaml_node *n, const char *where,
                        struct wh_policy_image *img)
{
    const struct wh_yaml_node *v;
    enum wh_err rc;

    if ((v = get(n, "provenance")) != NULL &&
        (rc = parse_provenance(c, v, wh_arena_sprintf(c->tmp, "%s.provenance", where), img)) !=
            WH_OK)
        return rc;
    if ((v = get(n, "vulns")) != NULL &&
        (rc = parse_vulns(c, v, wh_arena_sprintf(c->tmp, "%s.vulns", where), img)) != WH_OK)
        return rc;
    if ((v = get(n, "agent")) != NULL &&
        (rc = parse_agent(c, v, wh_arena_sprintf(c->tmp, "%s.agent", where), img)) != WH_OK)
        return rc;
    if ((v = get(n, "fsManifest")) != NULL &&
        (rc = parse_fs_manifest(c, v, wh_arena_sprintf(c->tmp, "%s.fsManifest", where), img)) !=
            WH_OK)
        return rc;
    return WH_OK;
}

static enum wh_err
parse_attestations(struct ctx *c, const struct wh_yaml_node *n, const char *where,
                   struct wh_policy_image *img)
{
    const char *sw = wh_arena_sprintf(c->tmp, "%s.sbom", where);
    const struct wh_yaml_node *v, *sbom;
    enum wh_err rc;

    if ((rc = want(c, n, WH_YAML_MAP, where)) != WH_OK ||
        (rc = check_keys(c, n, where, "#/$defs/attestations")) != WH_OK)
        return rc;
    if ((sbom = get(n, "sbom")) == NULL)
        return parse_more_attestations(c, n, where, img);
    if ((rc = want(c, sbom, WH_YAML_MAP, sw)) != WH_OK ||
        (rc = check_keys(c, sbom, sw, "#/$defs/attestations/properties/sbom")) != WH_OK ||
        (rc = need(c, sbom, "predicateType", sw, &v)) != WH_OK ||
        (rc = as_string(c, v, wh_arena_sprintf(c->tmp, "%s.predicateType", sw),
                        &img->sbom.predicate_type)) != WH_OK ||
        (rc = need(c, sbom, "signedBy", sw, &v)) != WH_OK ||
        (rc = parse_signed_by(c, v, wh_arena_sprintf(c->tmp, "%s.signedBy", sw),
                              &img->sbom.signed_by, &img->sbom.n_signed_by)) != WH_OK)
        return rc;
    /* cosign's short names ("cyclonedx") mean the URIs statements carry: compared as those. */
    img->sbom.predicate_type = wh_verify_predicate_type_canonical(img->sbom.predicate_type);
    img->sbom.required = true;
    return parse_more_attestations(c, n, where, img);
}

static const char *const DEV_FROM[] = {"tag", "attestation", NULL};

/* from: attestation: the dev image is named by a signed dev-environment attestation on the
 * production digest, so neither a pushed tag nor a pod annotation may choose it. */
static enum wh_err
parse_dev_from_attestation(struct ctx *c, const struct wh_yaml_node *n, const char *where,
                           struct wh_policy_image *img)
{
    const struct wh_yaml_node *v;

    if ((v = get(n, "image")) != NULL)
        return fail(c, v,
                    "%s.image: from: attestation takes the dev image from the attestation; "
                    "remove image (or use from: tag)",
                    where);
    if ((v = get(n, "allowPodAnnotation")) != NULL)
        return fail(c, v,
                    "%s.allowPodAnnotation: from: attestation lets only a signed attestation "
                    "name the dev image; remove allowPodAnnotation",
                    where);
    img->dev_reference.from = WH_POLICY_DEV_FROM_ATTESTATION;
    if ((v = get(n, "signedBy")) != NULL)
        return parse_signed_by(c, v, wh_arena_sprintf(c->tmp, "%s.signedBy", where),
                               &img->dev_reference.signed_by, &img->dev_reference.n_signed_by);
    img->dev_reference.signed_by = img->sbom.signed_by;
    img->dev_reference.n_signed_by = img->sbom.n_signed_by;
    return WH_OK;
}

/* The template must become a valid reference once {{tag}} is filled in. */
static enum wh_err
parse_dev_reference(struct ctx *c, const struct wh_yaml_node *n, const char *where,
                    struct wh_policy_image *img)
{
    const struct wh_yaml_node *v, *at;
    const char *tpl, *hole, *filled;
    struct wh_image_ref ref;
    struct wh_error e;
    enum wh_err rc;
    int k = 0;

    if ((rc = want(c, n, WH_YAML_MAP, where)) != WH_OK ||
        (rc = check_keys(c, n, where, "#/$defs/image/properties/devReference")) != WH_OK)
        return rc;
    if ((v = get(n, "from")) != NULL &&
        (rc = as_enum(c, v, wh_arena_sprintf(c->tmp, "%s.from", where), DEV_FROM, &k)) != WH_OK)
        return rc;
    if (k == 1)
        return parse_dev_from_attestation(c, n, where, img);
    if ((v = get(n, "signedBy")) != NULL)
        return fail(c, v,
                    "%s.signedBy: only with from: attestation (who signs the dev-environment "
                    "attestation)",
                    where);
    if ((rc = need(c, n, "image", where, &at)) != WH_OK ||
        (rc = as_string(c, at, wh_arena_sprintf(c->tmp, "%s.image", where), &tpl)) != WH_OK)
        return rc;
    hole = strstr(tpl, "{{tag}}");
    if (hole != NULL && strstr(hole + 7, "{{") != NULL)
        return fail(c, at, "%s.image: only one {{tag}} placeholder is allowed", where);
    if (hole == NULL && strstr(tpl, "{{") != NULL)
        return fail(c, at, "%s.image: unknown placeholder (only {{tag}} exists)", where);
    filled = hole == NULL
                 ? tpl
                 : wh_arena_sprintf(c->tmp, "%.*s%s%s", (int)(hole - tpl), tpl, "v1", hole + 7);
    if (wh_image_ref_parse(wh_str_c(filled), c->tmp, &ref, &e) != WH_OK)
        return fail(c, at, "%s.image: \"%s\" is not an image reference: %s", where, tpl, e.msg);
    img->dev_reference.image = tpl;
    if ((v = get(n, "allowPodAnnotation")) != NULL &&
        (rc = as_bool(c, v, wh_arena_sprintf(c->tmp, "%s.allowPodAnnotation", where),
                      &img->dev_reference.allow_pod_annotation)) != WH_OK)
        return rc;
    if ((v = get(n, "allowCliOverride")) != NULL)
        return as_bool(c, v, wh_arena_sprintf(c->tmp, "%s.allowCliOverride", where),
                       &img->dev_reference.allow_cli_override);
    return WH_OK;
}

/* TODO(#14): split the per-key readers; policy/load.c is being changed now (cognitive complexity 36
 * > 25, STYLE §8). */
static enum wh_err /* NOLINTNEXTLINE(readability-function-cognitive-complexity) */
parse_image(struct ctx *c, const struct wh_yaml_node *n, size_t index, struct wh_policy_image *img)
{
    const char *where = wh_arena_sprintf(c->tmp, "spec.images[%zu]", index);
    const struct wh_yaml_node *v, *name;
    const char *tiers;
    enum wh_err rc;
    size_t i;
    int k;

    if ((rc = want(c, n, WH_YAML_MAP, where)) != WH_OK ||
        (rc = check_keys(c, n, where, "#/$defs/image")) != WH_OK ||
        (rc = need(c, n, "name", where, &name)) != WH_OK ||
        (rc = as_string(c, name, wh_arena_sprintf(c->tmp, "%s.name", where), &img->name)) !=
            WH_OK ||
        (rc = check_name(c, name, "image rule")) != WH_OK)
        return rc;
    for (i = 0; i < index; i++)
        if (c->p->images[i].name != NULL && strcmp(c->p->images[i].name, img->name) == 0)
            return fail(c, name, "%s: image rule name \"%s\" is already used by spec.images[%zu]",
                        where, img->name, i);
    where = wh_arena_sprintf(c->tmp, "image rule %s", img->name);
    img->index = index;
    img->line = n->line;
    img->col = n->col;
    img->mode = c->p->defaults.mode;
    img->on_error = c->p->defaults.on_error;
    if ((rc = need(c, n, "match", where, &v)) != WH_OK ||
        (rc = as_glob_list(c, v, wh_arena_sprintf(c->tmp, "%s: match", where), &img->match,
                           &img->n_match)) != WH_OK)
        return rc;
    if ((v = get(n, "exclude")) != NULL &&
        (rc = as_glob_list(c, v, wh_arena_sprintf(c->tmp, "%s: exclude", where), &img->exclude,
                           &img->n_exclude)) != WH_OK)
        return rc;
    if ((v = get(n, "requireDigest")) != NULL &&
        (rc = as_bool(c, v, wh_arena_sprintf(c->tmp, "%s: requireDigest", where),
                      &img->require_digest)) != WH_OK)
        return rc;
    if ((v = get(n, "mode")) != NULL) {
        if ((rc = as_enum(c, v, wh_arena_sprintf(c->tmp, "%s: mode", where), MODES, &k)) != WH_OK)
            return rc;
        img->mode = (enum wh_policy_mode)k;
    }
    if ((v = get(n, "onError")) != NULL) {
        if ((rc = as_enum(c, v, wh_arena_sprintf(c->tmp, "%s: onError", where), ACTIONS, &k)) !=
            WH_OK)
            return rc;
        img->on_error = (enum wh_policy_action)k;
    }
    if ((v = get(n, "platforms")) != NULL) {
        if ((rc = as_enum(c, v, wh_arena_sprintf(c->tmp, "%s: platforms", where), PLATFORMS, &k)) !=
            WH_OK)
            return rc;
        img->platforms = (enum wh_policy_platforms)k;
    }
    if ((v = get(n, "signatures")) != NULL &&
        (rc = parse_signatures(c, v, wh_arena_sprintf(c->tmp, "%s: signatures", where), img)) !=
            WH_OK)
        return rc;
    if ((v = get(n, "attestations")) != NULL &&
        (rc = parse_attestations(c, v, wh_arena_sprintf(c->tmp, "%s: attestations", where), img)) !=
            WH_OK)
        return rc;
    if ((v = get(n, "tiers")) != NULL) {
        if ((rc = as_string(c, v, wh_arena_sprintf(c->tmp, "%s: tiers", where), &tiers)) != WH_OK)
            return rc;
        img->tiers = wh_policy_tiers_find(c->p, tiers);
        if (img->tiers == NULL)
            return fail(c, v, "%s: unknown tier list \"%s\" (not in spec.tiers)", where, tiers);
    }
    if ((v = get(n, "devReference")) != NULL) {
        if ((rc = parse_dev_reference(c, v, wh_arena_sprintf(c->tmp, "%s: devReference", where),
                                      img)) != WH_OK)
            return rc;
        /* The drift diff needs the production SBOM and a tier list to judge it. */
        if (!img->sbom.required)
            return fail(c, v,
                        "%s: devReference needs attestations.sbom (the production SBOM to "
                        "diff against)",
                        where);
        if (img->tiers == NULL)
            return fail(c, v, "%s: devReference needs tiers (how to judge the drift)", where);
    }
    return WH_OK;
}

static enum wh_err
parse_images(struct ctx *c, const struct wh_yaml_node *n)
{
    size_t i;
    enum wh_err rc = want(c, n, WH_YAML_SEQ, "spec.images");

    if (rc != WH_OK)
        return rc;
    c->p->images = wh_arena_calloc(&c->p->arena, n->n + 1, sizeof(*c->p->images));
    for (i = 0; i < n->n; i++) {
        c->p->n_images = i + 1;
        if ((rc = note(c, parse_image(c, n->kids[i], i, &c->p->images[i]))) != WH_OK)
            return rc;
    }
    return WH_OK;
}

/*
 * Exemption globs match "registry/repository", as image rules do; DESIGN's
 * "registry.example.com/payments/legacy:*" (any tag) means the repository, so a ":*" tag part is
 * dropped. Any other tag is refused: anyone who can push can push under that tag, so a tag
 * cannot narrow an exemption, and silently never matching would be worse.
 */
static enum wh_err
exemption_images(struct ctx *c, const struct wh_yaml_node *n, const char *where,
                 struct wh_policy_exemption *x)
{
    enum wh_err rc = as_glob_list(c, n, where, &x->images, &x->n_images);
    const char **names;
    size_t i;

    if (rc != WH_OK)
        return rc;
    names = wh_arena_calloc(&c->p->arena, x->n_images + 1, sizeof(*names));
    for (i = 0; i < x->n_images; i++) {
        const char *g = x->images[i], *slash = strrchr(g, '/');
        const char *colon = strrchr(slash != NULL ? slash : g, ':');
        names[i] = g;
        if (strchr(g, '@') != NULL)
            return fail(c, n->kids[i],
                        "%s[%zu]: \"%s\" names a digest; exemptions match repositories "
                        "(registry/repository), as image rules do: write \"%.*s\"",
                        where, i, g, (int)(strchr(g, '@') - g), g);
        if (colon == NULL)
            continue;
        if (strcmp(colon, ":*") != 0)
            return fail(c, n->kids[i],
                        "%s[%zu]: \"%s\" names a tag; exemptions match repositories "
                        "(registry/repository), since a tag can be pushed by anyone with push "
                        "access: write \"%.*s\" (every tag)",
                        where, i, g, (int)(colon - g), g);
        names[i] = wh_arena_strndup(&c->p->arena, g, (size_t)(colon - g));
    }
    x->images = names;
    return WH_OK;
}

/* spec.defaults.maxExemptionDays: the expiry day at most that many days after today. */
static enum wh_err
check_exemption_lifetime(struct ctx *c, const struct wh_yaml_node *n, const char *where,
                         const struct wh_policy_exemption *x)
{
    size_t max = c->p->defaults.max_exemption_days;
    time_t today = c->now - c->now % 86400, day = x->expires - 86400;
    long long days = (long long)((day - today) / 86400);

    if (max == 0 || days <= (long long)max)
        return WH_OK;
    return fail(c, n,
                "%s.expires: %s is more than spec.defaults.maxExemptionDays (%zu) days after "
                "today: pick an earlier day and renew the exemption then if it is still needed",
                where, x->expires_text, max);
}

/* Whether rule id `id` ("<list>[i]", "<list>.before[i]") is of a list that did not load (left
 * without rules). */
static bool
names_failed_list(const struct wh_policy *p, const char *id)
{
    for (size_t i = 0; i < p->n_tiers; i++) {
        size_t n = p->tiers[i].name != NULL ? strlen(p->tiers[i].name) : 0;
        if (n > 0 && p->tiers[i].n_rules == 0 && strncmp(id, p->tiers[i].name, n) == 0 &&
            (id[n] == '[' || id[n] == '.'))
            return true;
    }
    return false;
}

/* rule: a block rule of spec.tiers (scope finding). */
static enum wh_err
exemption_rule(struct ctx *c, const struct wh_yaml_node *e, const char *where,
               struct wh_policy_exemption *x)
{
    const struct wh_yaml_node *v;
    const char *id;
    enum wh_err rc;

    if ((rc = need(c, e, "rule", where, &v)) != WH_OK ||
        (rc = as_string(c, v, wh_arena_sprintf(c->tmp, "%s.rule", where), &id)) != WH_OK)
        return rc;
    x->rule = find_tier_rule(c->p, id);
    if (x->rule == NULL && c->tiers_failed && names_failed_list(c->p, id))
        return WH_OK; /* its list did not load: said already */
    if (x->rule == NULL)
        return fail(c, v,
                    "%s.rule: unknown tier rule \"%s\" (write <tier list>[<index>], "
                    "e.g. seed-default[2])",
                    where, id);
    if (x->rule->tier != WH_TIER_BLOCK)
        return fail(c, v, "%s.rule: %s is not a block rule; exemptions only lift blocks", where,
                    id);
    return WH_OK;
}

/* scope: finding (the default, with rule:) or image (no rule: the image's own requirements). */
static enum wh_err
exemption_scope(struct ctx *c, const struct wh_yaml_node *e, const char *where,
                struct wh_policy_exemption *x)
{
    const struct wh_yaml_node *v = get(e, "scope"), *rule;
    enum wh_err rc;
    int k = 0;

    if (v != NULL &&
        (rc = as_enum(c, v, wh_arena_sprintf(c->tmp, "%s.scope", where), SCOPES, &k)) != WH_OK)
        return rc;
    if (k == 0)
        return exemption_rule(c, e, where, x);
    if ((rule = get(e, "rule")) != NULL)
        return fail(c, rule,
                    "%s.rule: scope: image lifts the image's signature and attestation "
                    "requirements, not one tier rule: remove rule (or scope, to lift only "
                    "that rule's blocks)",
                    where);
    x->whole_image = true;
    return WH_OK;
}

static enum wh_err
parse_exemption(struct ctx *c, const struct wh_yaml_node *e, const char *where,
                struct wh_policy_exemption *x)
{
    const struct wh_yaml_node *v;
    enum wh_err rc;

    if ((rc = want(c, e, WH_YAML_MAP, where)) != WH_OK ||
        (rc = check_keys(c, e, where, "#/$defs/exemption")) != WH_OK ||
        (rc = need(c, e, "images", where, &v)) != WH_OK ||
        (rc = exemption_images(c, v, wh_arena_sprintf(c->tmp, "%s.images", where), x)) != WH_OK ||
        (rc = exemption_scope(c, e, where, x)) != WH_OK ||
        (rc = need(c, e, "expires", where, &v)) != WH_OK ||
        (rc = as_date(c, v, wh_arena_sprintf(c->tmp, "%s.expires", where), &x->expires_text,
                      &x->expires)) != WH_OK ||
        (rc = check_exemption_lifetime(c, v, where, x)) != WH_OK ||
        (rc = need(c, e, "reason", where, &v)) != WH_OK ||
        (rc = as_string(c, v, wh_arena_sprintf(c->tmp, "%s.reason", where), &x->reason)) != WH_OK)
        return rc;
    x->line = e->line;
    x->col = e->col;
    return WH_OK;
}

static enum wh_err
parse_exemptions(struct ctx *c, const struct wh_yaml_node *n)
{
    enum wh_err rc = want(c, n, WH_YAML_SEQ, "spec.exemptions");
    size_t i;

    if (rc != WH_OK)
        return rc;
    c->p->exemptions = wh_arena_calloc(&c->p->arena, n->n + 1, sizeof(*c->p->exemptions));
    c->p->n_exemptions = n->n;
    for (i = 0; i < n->n; i++)
        if ((rc = note(c, parse_exemption(c, n->kids[i],
                                          wh_arena_sprintf(c->tmp, "spec.exemptions[%zu]", i),
                                          &c->p->exemptions[i]))) != WH_OK)
            return rc;
    return WH_OK;
}

static enum wh_err
parse_header(struct ctx *c, const struct wh_yaml_node *root)
{
    const struct wh_yaml_node *v;
    const char *s;
    enum wh_err rc;

    if ((rc = check_keys(c, root, "the policy", "#")) != WH_OK ||
        (rc = need(c, root, "apiVersion", "policy", &v)) != WH_OK ||
        (rc = as_string(c, v, "apiVersion", &s)) != WH_OK)
        return rc;
    if (strcmp(s, API_VERSION) != 0)
        return fail(c, v, "apiVersion: expected %s, got \"%s\"", API_VERSION, s);
    if ((rc = need(c, root, "kind", "policy", &v)) != WH_OK ||
        (rc = as_string(c, v, "kind", &s)) != WH_OK)
        return rc;
    if (strcmp(s, "Policy") != 0)
        return fail(c, v, "kind: expected Policy, got \"%s\"", s);
    return WH_OK;
}

/* Each section is read even when one before it failed (note()); references point backwards in
 * this order: images → signers, tiers; exemptions → tiers. */
static enum wh_err
parse_document(struct ctx *c, const struct wh_yaml_node *root)
{
    const struct wh_yaml_node *v, *spec;
    enum wh_err rc;

    if ((rc = want(c, root, WH_YAML_MAP, "policy")) != WH_OK ||
        (rc = note(c, parse_header(c, root))) != WH_OK ||
        (rc = need(c, root, "spec", "policy", &spec)) != WH_OK ||
        (rc = want(c, spec, WH_YAML_MAP, "spec")) != WH_OK ||
        (rc = note(c, check_keys(c, spec, "spec", "#/$defs/spec"))) != WH_OK)
        return rc;
    if ((v = get(spec, "defaults")) != NULL && (rc = note(c, parse_defaults(c, v))) != WH_OK)
        return rc;
    if ((v = get(spec, "signers")) != NULL && (rc = note(c, parse_signers(c, v))) != WH_OK)
        return rc;
    if ((v = get(spec, "runtime")) != NULL && (rc = note(c, parse_runtime(c, v))) != WH_OK)
        return rc;
    if ((rc = note(c, parse_tiers(c, get(spec, "tiers")))) != WH_OK)
        return rc;
    if ((v = get(spec, "images")) != NULL && (rc = note(c, parse_images(c, v))) != WH_OK)
        return rc;
    if ((v = get(spec, "exemptions")) != NULL && (rc = note(c, parse_exemptions(c, v))) != WH_OK)
        return rc;
    if ((v = get(spec, "pins")) != NULL && (rc = note(c, parse_pins(c, v))) != WH_OK)
        return rc;
    if ((v = get(spec, "audit")) != NULL && (rc = note(c, parse_audit(c, v))) != WH_OK)
        return rc;
    if (c->n_errors == 0)
        return WH_OK;
    *c->err = c->first;
    return c->err->code;
}

static void
policy_free(struct wh_policy *p)
{
    wh_arena_fini(&p->arena);
    free(p);
}

enum wh_err
wh_policy_parse(struct wh_bytes yaml, const char *filename, const char *base_dir,
                const struct wh_limits *lim, struct wh_policy **out, struct wh_error *err)
{
    struct wh_policy_load_options o = {.limits = lim};

    return wh_policy_parse_with(yaml, filename, base_dir, &o, out, err);
}

enum wh_err
wh_policy_parse_with(struct wh_bytes yaml, const char *filename, const char *base_dir,
                     const struct wh_policy_load_options *o, struct wh_policy **out,
                     struct wh_error *err)
{
    const struct wh_limits *lim = o->limits;
    struct wh_arena tmp;
    struct wh_policy *p;
    struct wh_yaml_node *root;
    struct ctx c;
    enum wh_err rc;

    if (filename == NULL)
        filename = "<policy>";
    if (yaml.len > lim->policy_bytes)
        return wh_error_set(err, WH_E_LIMIT, "%s: policy is %zu bytes, over the %zu byte limit",
                            filename, yaml.len, lim->policy_bytes);
    p = calloc(1, sizeof(*p));
    if (p == NULL)
        wh_oom();
    wh_arena_init(&p->arena);
    wh_arena_init(&tmp);
    p->defaults.mode = WH_POLICY_MODE_ENFORCE;
    p->defaults.on_error = WH_POLICY_ACTION_DENY;
    p->defaults.no_match = WH_POLICY_ACTION_DENY;
    p->filename = wh_arena_strdup(&p->arena, filename);
    memset(&c, 0, sizeof(c));
    c.on_error = o->on_error;
    c.on_error_arg = o->on_error_arg;
    c.file = filename;
    c.base_dir = base_dir;
    c.now = o->now;
    c.key_dirs = o->key_dirs;
    c.n_key_dirs = o->n_key_dirs;
    c.keys_checked_only = o->keys_checked_only_unsafe;
    c.tmp = &tmp;
    c.p = p;
    c.err = err;
    rc = wh_policy_tree_build(yaml, filename, &tmp, &root, err);
    if (rc == WH_OK)
        rc = parse_document(&c, root);
    wh_arena_fini(&tmp);
    if (rc != WH_OK) {
        policy_free(p);
        return rc;
    }
    atomic_init(&p->refs, 1);
    p->generation = atomic_fetch_add(&last_generation, 1) + 1;
    *out = p;
    return WH_OK;
}

enum wh_err
wh_policy_load(const char *path, const struct wh_limits *lim, struct wh_policy **out,
               struct wh_error *err)
{
    struct wh_policy_load_options o = {.limits = lim, .now = wh_clock_wall()};

    return wh_policy_load_with(path, &o, out, err);
}

enum wh_err
wh_policy_load_with(const char *path, const struct wh_policy_load_options *o,
                    struct wh_policy **out, struct wh_error *err)
{
    const struct wh_limits *lim = o->limits;
    struct wh_arena a;
    struct wh_bytes yaml;
    const char *slash = strrchr(path, '/');
    const char *dir;
    struct wh_error file_err;
    enum wh_err rc;

    wh_arena_init(&a);
    rc = wh_file_read(path, lim->policy_bytes, &a, &yaml, &file_err);
    if (rc != WH_OK) {
        wh_arena_fini(&a);
        /* base/file's message starts with the path: "policy PATH: why", the path once */
        return wh_error_set(err, rc, "policy %s", file_err.msg);
    }
    if (slash == NULL)
        dir = ".";
    else if (slash == path)
        dir = "/";
    else
        dir = wh_arena_strndup(&a, path, (size_t)(slash - path));
    rc = wh_policy_parse_with(yaml, path, dir, o, out, err);
    wh_arena_fini(&a);
    return rc;
}

struct wh_policy *
wh_policy_ref(struct wh_policy *p)
{
    atomic_fetch_add_explicit(&p->refs, 1, memory_order_relaxed);
    return p;
}

void
wh_policy_unref(struct wh_policy *p)
{
    if (p == NULL)
        return;
    /* acq_rel: the freeing thread must see every other holder's reads finished. */
    if (atomic_fetch_sub_explicit(&p->refs, 1, memory_order_acq_rel) == 1)
        policy_free(p);
}

uint64_t
wh_policy_generation(const struct wh_policy *p)
{
    return p->generation;
}

const struct wh_policy_defaults *
wh_policy_defaults(const struct wh_policy *p)
{
    return &p->defaults;
}

const struct wh_policy_runtime *
wh_policy_runtime(const struct wh_policy *p)
{
    return &p->runtime;
}

size_t
wh_policy_image_count(const struct wh_policy *p)
{
    return p->n_images;
}

const struct wh_policy_image *
wh_policy_image_get(const struct wh_policy *p, size_t i)
{
    return i < p->n_images ? &p->images[i] : NULL;
}

const struct wh_policy_exemption *
wh_policy_exemption_get(const struct wh_policy *p, size_t i)
{
    return i < p->n_exemptions ? &p->exemptions[i] : NULL;
}

const struct wh_policy_tiers *
wh_policy_tiers_find(const struct wh_policy *p, const char *name)
{
    size_t i;

    for (i = 0; i < p->n_tiers; i++)
        if (p->tiers[i].name != NULL && strcmp(p->tiers[i].name, name) == 0)
            return &p->tiers[i];
    return NULL;
}

const struct wh_policy_signer *
wh_policy_signer_find(const struct wh_policy *p, const char *name)
{
    size_t i;

    for (i = 0; i < p->n_signers; i++)
        if (p->signers[i].name != NULL && strcmp(p->signers[i].name, name) == 0)
            return &p->signers[i];
    return NULL;
}

const struct wh_policy_audit_rule *
wh_policy_audit_rules(const struct wh_policy *p, size_t *n)
{
    *n = p->n_audit;
    return p->audit;
}

const struct wh_policy_pin_rule *
wh_policy_pins(const struct wh_policy *p, size_t *n)
{
    *n = p->n_pins;
    return p->pins;
}

const struct wh_policy_regex *
wh_policy_regexes(const struct wh_policy *p)
{
    return p->regexes;
}

static bool
any_glob_matches(const char *const *globs, size_t n, const char *name)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (wh_image_glob_match(wh_str_c(globs[i]), wh_str_c(name)))
            return true;
    return false;
}

const struct wh_policy_image *
wh_policy_image_find(const struct wh_policy *p, const char *name)
{
    size_t i;

    for (i = 0; i < p->n_images; i++) {
        const struct wh_policy_image *img = &p->images[i];
        if (any_glob_matches(img->match, img->n_match, name) &&
            !any_glob_matches(img->exclude, img->n_exclude, name))
            return img;
    }
    return NULL;
}
