/* Lockfiles in sync with their manifests beyond npm and go: Cargo, yarn, pnpm, Python (deps.h). */
#include "audit/deps.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "audit/toml.h"
#include "audit/yaml.h"

/* One finding for all the differences, or a note that the pair is in sync. */
static void
report(struct wh_repo *r, const char *manifest, const char *lock, const struct wh_audit_diffs *d,
       const char *fix, size_t n_deps)
{
    struct wh_arena *a = r->au->a;

    if (d->n > 0)
        wh_audit_repo_finding(
            r, WH_REPO_DEPS, "deps/lock-out-of-sync", WH_TIER_BLOCK, lock, 1,
            wh_arena_sprintf(a, "%s is out of sync with %s (%zu difference%s: %s%s): %s", lock,
                             manifest, d->n, d->n == 1 ? "" : "s", d->b.ptr,
                             d->n > WH_AUDIT_DIFFS_SHOWN ? "; ..." : "", fix));
    else
        wh_audit_repo_note(r, WH_REPO_DEPS,
                           wh_arena_sprintf(a, "%s: %s in sync (%zu dependenc%s)", manifest, lock,
                                            n_deps, n_deps == 1 ? "y" : "ies"));
}

/* ---- versions (Cargo's requirement forms; npm and PEP 440 are compared as written) ---- */

struct semver {
    unsigned long v[3];
    int n; /* parts given (a requirement may give 1 or 2); 0: not a version */
};

static const char *
parse_semver(const char *s, struct semver *out)
{
    char *end;

    memset(out, 0, sizeof(*out));
    while (out->n < 3 && *s >= '0' && *s <= '9') {
        out->v[out->n++] = strtoul(s, &end, 10);
        s = end;
        if (*s != '.')
            break;
        if (s[1] == '*')
            return s + 2; /* "1.*": the parts before it */
        s++;
    }
    return s;
}

/* The first k parts of a against b: <0, 0, >0. */
static int
cmp_parts(const struct semver *a, const struct semver *b, int k)
{
    int i;

    for (i = 0; i < k; i++)
        if (a->v[i] != b->v[i])
            return a->v[i] < b->v[i] ? -1 : 1;
    return 0;
}

/* One comparator ("^1.2", ">= 1.0", "~0.3.1", "=2", "1.*", "*"); -1 when it is not one. */
static int
comparator_holds(const char *c, const struct semver *have)
{
    struct semver want;
    const char *rest;
    char op[3] = {0};
    int k = 0, idx;

    while (*c == ' ')
        c++;
    while (k < 2 && strchr("^~=<>", *c) != NULL && *c != '\0')
        op[k++] = *c++;
    while (*c == ' ')
        c++;
    if (strcmp(c, "*") == 0)
        return op[0] == '\0';
    rest = parse_semver(c, &want);
    while (*rest == ' ')
        rest++;
    if (want.n == 0 || (*rest != '\0' && *rest != '-' && *rest != '+'))
        return -1;
    if (strcmp(op, ">=") == 0)
        return cmp_parts(have, &want, want.n) >= 0;
    if (strcmp(op, ">") == 0)
        return cmp_parts(have, &want, want.n) > 0;
    if (strcmp(op, "<=") == 0)
        return cmp_parts(have, &want, want.n) <= 0;
    if (strcmp(op, "<") == 0)
        return cmp_parts(have, &want, want.n) < 0;
    if (strcmp(op, "=") == 0 || (c[strlen(c) - 1] == '*' && op[0] == '\0'))
        return cmp_parts(have, &want, want.n) == 0;
    if (op[0] != '\0' && op[0] != '^' && op[0] != '~')
        return -1;
    /* caret (Cargo's default) and tilde: at least `want`, same parts up to idx */
    if (op[0] == '~')
        idx = want.n >= 2 ? 1 : 0;
    else
        for (idx = 0; idx < want.n - 1 && want.v[idx] == 0; idx++)
            ;
    return cmp_parts(have, &want, 3) >= 0 && cmp_parts(have, &want, idx + 1) == 0;
}

/* Does `version` satisfy Cargo requirement `req` (comma-separated comparators)? A form this
 * does not know counts as satisfied: the lock still has to name the package. */
static bool
cargo_req_holds(const char *req, const char *version, struct wh_arena *a)
{
    struct semver have;
    const char *rest = parse_semver(version, &have);
    char *copy = wh_arena_strdup(a, req), *part, *save = NULL;

    if (have.n != 3 || (*rest != '\0' && *rest != '-' && *rest != '+'))
        return false;
    for (part = strtok_r(copy, ",", &save); part != NULL; part = strtok_r(NULL, ",", &save)) {
        size_t n = strlen(part);
        while (n > 0 && part[n - 1] == ' ')
            part[--n] = '\0';
        if (comparator_holds(part, &have) == 0)
            return false;
    }
    return true;
}

/* ---- Cargo ---- */

enum cargo_src { CARGO_REGISTRY, CARGO_PATH, CARGO_GIT, CARGO_WORKSPACE };

struct cargo_dep {
    const char *key, *name, *req; /* key as written; name in the lock (package = ...) */
    enum cargo_src src;
    int line;
};

struct cargo_pkg {
    const char *name, *version, *source, *checksum;
};

struct cargo {
    struct cargo_dep *deps;
    size_t n_deps, cap_deps;
    struct cargo_pkg *pkgs;
    size_t n_pkgs, cap_pkgs;
    const char **meta_sums; /* lock v1: [metadata] "checksum name version (source)" keys */
    size_t n_meta, cap_meta;
};

#define CARGO_MAX 100000

static const char *const DEP_TABLES[] = {"dependencies", "dev-dependencies", "build-dependencies"};

/* Is `table` a dependency table? *name: the dependency of a [dependencies.NAME] table, or NULL. */
static bool
dep_table(const char *table, const char **name)
{
    const char *t = table;
    size_t i, n;

    *name = NULL;
    if (strncmp(t, "target.", 7) == 0 || strncmp(t, "workspace.", 10) == 0) {
        for (i = 0; i < 3; i++) {
            const char *at = strstr(t, DEP_TABLES[i]);
            while (at != NULL && (at == t || at[-1] != '.'))
                at = strstr(at + 1, DEP_TABLES[i]);
            if (at != NULL &&
                (at[strlen(DEP_TABLES[i])] == '\0' || at[strlen(DEP_TABLES[i])] == '.')) {
                t = at;
                break;
            }
        }
        if (i == 3)
            return false;
    }
    for (i = 0; i < 3; i++) {
        n = strlen(DEP_TABLES[i]);
        if (strncmp(t, DEP_TABLES[i], n) == 0 && (t[n] == '\0' || t[n] == '.')) {
            *name = t[n] == '.' ? t + n + 1 : NULL;
            return true;
        }
    }
    return false;
}

static struct cargo_dep *
cargo_dep_add(struct cargo *c, struct wh_arena *a, const char *key, int line)
{
    struct cargo_dep *d;

    if (c->n_deps == CARGO_MAX)
        return NULL;
    if (c->n_deps == c->cap_deps) {
        c->cap_deps = c->cap_deps == 0 ? 32 : c->cap_deps * 2;
        c->deps = wh_arena_grow(a, c->deps, c->n_deps, c->cap_deps, sizeof(*c->deps));
    }
    d = &c->deps[c->n_deps++];
    memset(d, 0, sizeof(*d));
    d->key = d->name = key;
    d->line = line;
    return d;
}

/* One key of a dependency's table ({version, path, git, package, workspace}). */
static void
cargo_dep_key(struct cargo_dep *d, const char *key, struct wh_str value, struct wh_arena *a)
{
    const char *s = wh_audit_toml_string(value, a);

    if (strcmp(key, "version") == 0 && s != NULL)
        d->req = s;
    else if (strcmp(key, "package") == 0 && s != NULL)
        d->name = s;
    else if (strcmp(key, "path") == 0 && d->src == CARGO_REGISTRY)
        d->src = CARGO_PATH;
    else if (strcmp(key, "git") == 0 && d->src == CARGO_REGISTRY)
        d->src = CARGO_GIT;
    else if (strcmp(key, "workspace") == 0 && wh_str_eq_c(value, "true"))
        d->src = CARGO_WORKSPACE;
}

static enum wh_err
cargo_dep_value(struct cargo_dep *d, const struct wh_audit_toml_kv *kv, struct wh_arena *a,
                struct wh_error *err)
{
    static const char *const keys[] = {"version", "package", "path", "git", "workspace"};
    struct wh_str v;
    size_t i;

    if ((d->req = wh_audit_toml_string(kv->value, a)) != NULL)
        return WH_OK;
    if (kv->value.len == 0 || kv->value.ptr[0] != '{')
        return wh_error_set(err, WH_E_INVALID,
                            "%d:%d: dependency %.200s: expected a version string or a table",
                            kv->line, kv->col, kv->key);
    for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (wh_audit_toml_inline_get(kv->value, keys[i], &v))
            cargo_dep_key(d, keys[i], v, a);
    return WH_OK;
}

/* One key = value of a [dependencies]-like table: "name = ...", or "name.key = ..." (dotted). */
static enum wh_err
cargo_dep_line(struct cargo *c, struct wh_audit_toml_kv *kv, struct wh_arena *a,
               struct wh_error *err)
{
    char *dot = strchr(kv->key, '.');
    struct cargo_dep *d;

    if (dot != NULL) { /* serde.version = "1" */
        *dot = '\0';
        d = c->n_deps > 0 && strcmp(c->deps[c->n_deps - 1].key, kv->key) == 0
                ? &c->deps[c->n_deps - 1]
                : cargo_dep_add(c, a, kv->key, kv->line);
        if (d != NULL)
            cargo_dep_key(d, dot + 1, kv->value, a);
    } else if ((d = cargo_dep_add(c, a, kv->key, kv->line)) != NULL) {
        return cargo_dep_value(d, kv, a, err);
    }
    if (d == NULL)
        return wh_error_set(err, WH_E_LIMIT, "%d:1: over %d dependencies", kv->line, CARGO_MAX);
    return WH_OK;
}

static enum wh_err
cargo_manifest(struct cargo *c, struct wh_bytes text, struct wh_arena *a, struct wh_error *err)
{
    struct wh_audit_toml t;
    struct wh_audit_toml_kv kv;
    enum wh_audit_toml_ev ev;
    struct cargo_dep *table_dep = NULL;
    const char *name;
    bool in_deps = false;
    enum wh_err rc;

    wh_audit_toml_init(&t, text);
    while ((rc = wh_audit_toml_next(&t, a, &ev, &kv, err)) == WH_OK && ev != WH_AUDIT_TOML_END) {
        if (ev == WH_AUDIT_TOML_TABLE) {
            name = NULL;
            in_deps = !t.array_table && dep_table(t.table, &name);
            table_dep = in_deps && name != NULL ? cargo_dep_add(c, a, name, kv.line) : NULL;
            if (in_deps && name != NULL && table_dep == NULL)
                return wh_error_set(err, WH_E_LIMIT, "%d:1: over %d dependencies", kv.line,
                                    CARGO_MAX);
            in_deps = in_deps && name == NULL;
        } else if (table_dep != NULL) {
            cargo_dep_key(table_dep, kv.key, kv.value, a);
        } else if (in_deps && (rc = cargo_dep_line(c, &kv, a, err)) != WH_OK) {
            return rc;
        }
    }
    return rc;
}

static int
cmp_str(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static int
cmp_pkg(const void *x, const void *y)
{
    const struct cargo_pkg *p = x, *q = y;
    int d = strcmp(p->name, q->name);

    return d != 0 ? d : (p < q ? -1 : p > q); /* stable among one name's versions */
}

static struct cargo_pkg *
cargo_pkg_add(struct cargo *c, struct wh_arena *a)
{
    if (c->n_pkgs == CARGO_MAX)
        return NULL;
    if (c->n_pkgs == c->cap_pkgs) {
        c->cap_pkgs = c->cap_pkgs == 0 ? 64 : c->cap_pkgs * 2;
        c->pkgs = wh_arena_grow(a, c->pkgs, c->n_pkgs, c->cap_pkgs, sizeof(*c->pkgs));
    }
    memset(&c->pkgs[c->n_pkgs], 0, sizeof(*c->pkgs));
    return &c->pkgs[c->n_pkgs++];
}

static void
cargo_pkg_key(struct cargo_pkg *p, const struct wh_audit_toml_kv *kv, struct wh_arena *a)
{
    const char *s = wh_audit_toml_string(kv->value, a);

    if (strcmp(kv->key, "name") == 0)
        p->name = s;
    else if (strcmp(kv->key, "version") == 0)
        p->version = s;
    else if (strcmp(kv->key, "source") == 0)
        p->source = s;
    else if (strcmp(kv->key, "checksum") == 0)
        p->checksum = s;
}

static void
cargo_meta_key(struct cargo *c, const char *key, struct wh_arena *a)
{
    if (strncmp(key, "checksum ", 9) != 0 || c->n_meta == CARGO_MAX)
        return;
    if (c->n_meta == c->cap_meta) {
        c->cap_meta = c->cap_meta == 0 ? 64 : c->cap_meta * 2;
        c->meta_sums =
            wh_arena_grow(a, c->meta_sums, c->n_meta, c->cap_meta, sizeof(*c->meta_sums));
    }
    c->meta_sums[c->n_meta++] = key + 9;
}

static enum wh_err
cargo_lock(struct cargo *c, struct wh_bytes text, struct wh_arena *a, struct wh_error *err)
{
    struct wh_audit_toml t;
    struct wh_audit_toml_kv kv;
    enum wh_audit_toml_ev ev;
    struct cargo_pkg *p = NULL;
    enum wh_err rc;
    size_t i;

    wh_audit_toml_init(&t, text);
    while ((rc = wh_audit_toml_next(&t, a, &ev, &kv, err)) == WH_OK && ev != WH_AUDIT_TOML_END) {
        if (ev == WH_AUDIT_TOML_TABLE) {
            p = NULL;
            if (t.array_table && strcmp(t.table, "package") == 0 &&
                (p = cargo_pkg_add(c, a)) == NULL)
                return wh_error_set(err, WH_E_LIMIT, "%d:1: over %d packages", kv.line, CARGO_MAX);
        } else if (p != NULL) {
            cargo_pkg_key(p, &kv, a);
        } else if (strcmp(t.table, "metadata") == 0) {
            cargo_meta_key(c, kv.key, a);
        }
    }
    for (i = 0; rc == WH_OK && i < c->n_pkgs; i++)
        if (c->pkgs[i].name == NULL || c->pkgs[i].version == NULL)
            rc = wh_error_set(err, WH_E_INVALID, "1:1: a [[package]] without a name and version");
    if (rc == WH_OK && c->n_pkgs > 1)
        qsort(c->pkgs, c->n_pkgs, sizeof(*c->pkgs), cmp_pkg);
    if (rc == WH_OK && c->n_meta > 1)
        qsort(c->meta_sums, c->n_meta, sizeof(*c->meta_sums), cmp_str);
    return rc;
}

static bool
is_hex64(const char *s)
{
    size_t i;

    for (i = 0; i < 64; i++)
        if (wh_str_hex_value((unsigned char)s[i]) < 0)
            return false;
    return s[64] == '\0';
}

static bool
cargo_has_checksum(const struct cargo *c, const struct cargo_pkg *p, struct wh_arena *a)
{
    const char *want = wh_arena_sprintf(a, "%s %s (", p->name, p->version);
    size_t i;

    size_t lo = 0, hi = c->n_meta, n = strlen(want);

    if (p->checksum != NULL)
        return is_hex64(p->checksum);
    while (lo < hi) { /* meta_sums sorted: the first key >= want */
        i = lo + (hi - lo) / 2;
        if (strcmp(c->meta_sums[i], want) < 0)
            lo = i + 1;
        else
            hi = i;
    }
    return lo < c->n_meta && strncmp(c->meta_sums[lo], want, n) == 0;
}

/* The locked package for `d` (packages sorted by name): one whose version satisfies it, else
 * the first by that name. */
static const struct cargo_pkg *
cargo_find(const struct cargo *c, const struct cargo_dep *d, struct wh_arena *a, bool *ok)
{
    size_t lo = 0, hi = c->n_pkgs, i;

    *ok = false;
    while (lo < hi) { /* the first package named d->name or after it */
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(c->pkgs[mid].name, d->name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (i = lo; i < c->n_pkgs && strcmp(c->pkgs[i].name, d->name) == 0; i++)
        if (d->req == NULL || d->src != CARGO_REGISTRY ||
            cargo_req_holds(d->req, c->pkgs[i].version, a)) {
            *ok = true;
            return &c->pkgs[i];
        }
    return lo < c->n_pkgs && strcmp(c->pkgs[lo].name, d->name) == 0 ? &c->pkgs[lo] : NULL;
}

static void
cargo_compare(struct wh_repo *r, const char *manifest, const struct cargo *c,
              struct wh_audit_diffs *d)
{
    struct wh_arena *a = r->au->a;
    size_t i;
    bool ok;

    for (i = 0; i < c->n_deps; i++) {
        const struct cargo_dep *dep = &c->deps[i];
        const struct cargo_pkg *p = cargo_find(c, dep, a, &ok);
        if (p == NULL) {
            wh_audit_diffs_add(
                d, wh_arena_sprintf(a, "%.200s %.100s is not in the lock", dep->name,
                                    dep->req != NULL ? dep->req : "(path, git or workspace)"));
            wh_audit_diffs_fix(d, " -p ", dep->name);
        } else if (!ok) {
            wh_audit_diffs_add(d,
                               wh_arena_sprintf(a, "%.200s: %s wants %.100s, the lock has %.100s",
                                                dep->name, manifest, dep->req, p->version));
            wh_audit_diffs_fix(d, " -p ", dep->name);
        } else if (p->source != NULL &&
                   (strncmp(p->source, "registry+", 9) == 0 ||
                    strncmp(p->source, "sparse+", 7) == 0) &&
                   !cargo_has_checksum(c, p, a)) {
            wh_audit_diffs_add(
                d, wh_arena_sprintf(a, "%.200s %.100s from %.200s has no checksum in the lock",
                                    p->name, p->version, p->source));
            wh_audit_diffs_fix(d, " -p ", dep->name);
        } else {
            wh_audit_repo_dep(r, manifest, p->name, p->version);
        }
    }
}

enum wh_err
wh_audit_deps_cargo(struct wh_repo *r, const char *manifest_file, struct wh_bytes manifest,
                    const char *lock_file, struct wh_bytes lock, const char **bad_file,
                    struct wh_error *err)
{
    struct cargo c;
    struct wh_audit_diffs d;
    enum wh_err rc;

    memset(&c, 0, sizeof(c));
    *bad_file = manifest_file;
    if ((rc = cargo_manifest(&c, manifest, r->au->a, err)) != WH_OK)
        return rc;
    *bad_file = lock_file;
    if ((rc = cargo_lock(&c, lock, r->au->a, err)) != WH_OK)
        return rc;
    wh_audit_diffs_init(&d);
    cargo_compare(r, manifest_file, &c, &d);
    report(r, manifest_file, lock_file, &d,
           wh_arena_sprintf(r->au->a,
                            "run cargo update%s%s (cargo check adds a missing one) and commit "
                            "Cargo.lock; build with --locked",
                            d.fix.ptr, d.n_fix > WH_AUDIT_DIFFS_SHOWN ? " ..." : ""),
           c.n_deps);
    wh_audit_diffs_fini(&d);
    return WH_OK;
}

/* ---- package.json against yarn.lock and pnpm-lock.yaml ---- */

static const char *const JS_FIELDS[] = {"dependencies", "devDependencies", "optionalDependencies"};

struct yarn_entry {
    const char *descriptor, *version;
};

struct yarn {
    struct yarn_entry *e;
    size_t n, cap;
    bool berry;
};

static void
yarn_add(struct yarn *y, struct wh_arena *a, struct wh_str desc)
{
    while (desc.len > 0 && (desc.ptr[0] == ' ' || desc.ptr[0] == '"'))
        desc = (struct wh_str){desc.ptr + 1, desc.len - 1};
    while (desc.len > 0 && (desc.ptr[desc.len - 1] == ' ' || desc.ptr[desc.len - 1] == '"'))
        desc.len--;
    if (y->n == y->cap) {
        y->cap = y->cap == 0 ? 64 : y->cap * 2;
        y->e = wh_arena_grow(a, y->e, y->n, y->cap, sizeof(*y->e));
    }
    y->e[y->n].descriptor = wh_arena_strdup_view(a, desc);
    y->e[y->n++].version = NULL;
}

/* An unindented "desc, desc:" header: its descriptors (entries first..y->n). */
static void
yarn_header(struct yarn *y, struct wh_arena *a, struct wh_str s)
{
    size_t i, start = 0;

    s.len--; /* the ':' */
    for (i = 0; i <= s.len; i++)
        if (i == s.len || s.ptr[i] == ',') {
            yarn_add(y, a, (struct wh_str){s.ptr + start, i - start});
            start = i + 1;
        }
}

/* "  version "1.2.3"" (v1) or "  version: 1.2.3" (berry) for entries first..n. */
static void
yarn_version(struct yarn *y, struct wh_arena *a, struct wh_str s, size_t first)
{
    size_t i;

    s = wh_str_trim_blanks(s);
    if (!wh_str_has_prefix(s, "version") || s.len < 9 || (s.ptr[7] != ' ' && s.ptr[7] != ':'))
        return;
    s = wh_str_trim_blanks((struct wh_str){s.ptr + 8, s.len - 8});
    if (s.len >= 2 && s.ptr[0] == '"' && s.ptr[s.len - 1] == '"')
        s = (struct wh_str){s.ptr + 1, s.len - 2};
    for (i = first; i < y->n; i++)
        if (y->e[i].version == NULL)
            y->e[i].version = wh_arena_strndup(a, s.ptr, s.len > 100 ? 100 : s.len);
}

static enum wh_err
yarn_parse(struct yarn *y, struct wh_bytes text, struct wh_arena *a, struct wh_error *err)
{
    struct wh_str_lines l = {text, 0, 0};
    struct wh_str line;
    size_t first = 0;
    bool in_entry = false;

    if (memchr(text.ptr, '\0', text.len) != NULL)
        return wh_error_set(err, WH_E_INVALID, "1:1: a NUL byte: not a yarn.lock");
    while (wh_str_lines_next(&l, &line)) {
        struct wh_str s = line;
        while (s.len > 0 && s.ptr[s.len - 1] == '\r')
            s.len--;
        if (wh_str_trim_blanks(s).len == 0 || s.ptr[0] == '#')
            continue;
        if (s.ptr[0] == ' ') {
            if (!in_entry)
                return wh_error_set(err, WH_E_INVALID, "%d:1: an indented line outside an entry",
                                    l.line);
            if (s.len > 2 && s.ptr[2] != ' ')
                yarn_version(y, a, s, first);
            continue;
        }
        if (s.ptr[s.len - 1] != ':')
            return wh_error_set(err, WH_E_INVALID,
                                "%d:1: expected an entry header (\"name@range\":)", l.line);
        in_entry = true;
        if (wh_str_eq_c(s, "__metadata:")) {
            y->berry = true;
            first = y->n;
            continue;
        }
        first = y->n;
        yarn_header(y, a, s);
    }
    return WH_OK;
}

static const struct yarn_entry *
yarn_find(const struct yarn *y, const char *name, const char *spec, struct wh_arena *a)
{
    const char *want = y->berry && strchr(spec, ':') == NULL
                           ? wh_arena_sprintf(a, "%s@npm:%s", name, spec)
                           : wh_arena_sprintf(a, "%s@%s", name, spec);
    struct yarn_entry key = {want, NULL};

    return y->n == 0 ? NULL : bsearch(&key, y->e, y->n, sizeof(*y->e), cmp_str);
}

static size_t
yarn_compare(struct wh_repo *r, const char *pkg_file, json_t *pkg, const struct yarn *y,
             struct wh_audit_diffs *d)
{
    struct wh_arena *a = r->au->a;
    size_t i, n = 0;
    const char *name;
    json_t *v;

    for (i = 0; i < 3; i++)
        json_object_foreach(json_object_get(pkg, JS_FIELDS[i]), name, v)
        {
            const char *spec = json_is_string(v) ? json_string_value(v) : "(not a string)";
            const struct yarn_entry *e = yarn_find(y, name, spec, a);
            n++;
            if (e == NULL)
                wh_audit_diffs_add(d, wh_arena_sprintf(a, "%s.%.200s %.100s is not in the lock",
                                                       JS_FIELDS[i], name, spec));
            else if (strncmp(spec, "workspace:", 10) != 0)
                wh_audit_repo_dep(r, pkg_file, name, e->version != NULL ? e->version : "");
        }
    return n;
}

enum wh_err
wh_audit_deps_yarn(struct wh_repo *r, const char *pkg_file, struct wh_bytes pkg,
                   const char *lock_file, struct wh_bytes lock, const char **bad_file,
                   struct wh_error *err)
{
    struct yarn y;
    struct wh_audit_diffs d;
    json_t *p;
    enum wh_err rc;
    size_t n;

    memset(&y, 0, sizeof(y));
    *bad_file = pkg_file;
    if ((rc = wh_audit_deps_json(pkg, false, r->au->a, &p, err)) != WH_OK)
        return rc;
    *bad_file = lock_file;
    if ((rc = yarn_parse(&y, lock, r->au->a, err)) != WH_OK) {
        json_decref(p);
        return rc;
    }
    if (y.n > 1) /* by descriptor (the entry's first member) */
        qsort(y.e, y.n, sizeof(*y.e), cmp_str);
    wh_audit_diffs_init(&d);
    n = yarn_compare(r, pkg_file, p, &y, &d);
    report(r, pkg_file, lock_file, &d,
           y.berry ? "run yarn install and commit yarn.lock; CI's yarn install --immutable "
                     "refuses it"
                   : "run yarn install and commit yarn.lock; CI's yarn install --frozen-lockfile "
                     "refuses it",
           n);
    wh_audit_diffs_fini(&d);
    json_decref(p);
    return WH_OK;
}

/* A YAML mapping's scalar keys sorted, for lookups in a map of any size. */
struct ymap {
    const struct wh_yaml_node **pairs; /* key, value, ... */
    size_t n;
};

static int
cmp_ykey(const void *x, const void *y)
{
    const struct wh_yaml_node *const *p = x, *const *q = y;

    return strcmp(p[0]->text, q[0]->text);
}

static void
ymap_init(struct ymap *m, const struct wh_yaml_node *map, struct wh_arena *a)
{
    size_t k;

    memset(m, 0, sizeof(*m));
    if (map == NULL || map->kind != WH_YAML_MAP)
        return;
    m->pairs = wh_arena_calloc(a, map->n + 1, sizeof(*m->pairs));
    for (k = 0; k + 1 < map->n; k += 2)
        if (wh_yaml_tree_str(map->kids[k]) != NULL) {
            m->pairs[2 * m->n] = map->kids[k];
            m->pairs[2 * m->n++ + 1] = map->kids[k + 1];
        }
    if (m->n > 1)
        qsort(m->pairs, m->n, 2 * sizeof(*m->pairs), cmp_ykey);
}

static const struct wh_yaml_node *
ymap_get(const struct ymap *m, const char *key)
{
    struct wh_yaml_node k = {.text = key};
    const struct wh_yaml_node *kp = &k;
    const struct wh_yaml_node **hit =
        m->n == 0 ? NULL : bsearch(&kp, m->pairs, m->n, 2 * sizeof(*m->pairs), cmp_ykey);

    return hit != NULL ? hit[1] : NULL;
}

/* pnpm: importers[dir] (lockfileVersion 6 and 9) or the document (5.x and 6 without
 * workspaces): each field maps name to {specifier, version}, or (5.x) to a version with the
 * specifier in `specifiers`. */
static void
pnpm_dep(struct wh_repo *r, const char *pkg_file, const struct ymap *field_map,
         const struct ymap *specifiers, const char *field, const char *name, const char *spec,
         struct wh_audit_diffs *d)
{
    struct wh_arena *a = r->au->a;
    const struct wh_yaml_node *e = ymap_get(field_map, name);
    const char *locked_spec = NULL, *version = NULL;

    if (e != NULL && e->kind == WH_YAML_MAP) {
        locked_spec = wh_yaml_tree_str(wh_yaml_tree_get(e, "specifier"));
        version = wh_yaml_tree_str(wh_yaml_tree_get(e, "version"));
    } else if (e != NULL) {
        version = wh_yaml_tree_str(e);
        locked_spec = wh_yaml_tree_str(ymap_get(specifiers, name));
    }
    if (e == NULL)
        wh_audit_diffs_add(
            d, wh_arena_sprintf(a, "%s.%.200s %.100s is not in the lock", field, name, spec));
    else if (locked_spec == NULL || strcmp(locked_spec, spec) != 0)
        wh_audit_diffs_add(d, wh_arena_sprintf(a, "%s.%.200s: package.json %.100s, the lock %.100s",
                                               field, name, spec,
                                               locked_spec != NULL ? locked_spec : "(none)"));
    else if (strncmp(spec, "workspace:", 10) != 0) /* a member, not a locked package */
        wh_audit_repo_dep(r, pkg_file, name, version != NULL ? version : "");
}

static size_t
pnpm_compare(struct wh_repo *r, const char *pkg_file, json_t *pkg,
             const struct wh_yaml_node *importer, struct wh_audit_diffs *d)
{
    struct wh_arena *a = r->au->a;
    struct ymap specifiers, field_map;
    size_t i, k, n = 0;
    const char *name;
    json_t *v;

    ymap_init(&specifiers, wh_yaml_tree_get(importer, "specifiers"), a);
    for (i = 0; i < 3; i++) {
        json_t *want = json_object_get(pkg, JS_FIELDS[i]);
        ymap_init(&field_map, wh_yaml_tree_get(importer, JS_FIELDS[i]), a);
        json_object_foreach(want, name, v)
        {
            n++;
            pnpm_dep(r, pkg_file, &field_map, &specifiers, JS_FIELDS[i], name,
                     json_is_string(v) ? json_string_value(v) : "(not a string)", d);
        }
        for (k = 0; k < field_map.n; k++)
            if (json_object_get(want, field_map.pairs[2 * k]->text) == NULL)
                wh_audit_diffs_add(d, wh_arena_sprintf(a, "%s.%.200s is in the lock only",
                                                       JS_FIELDS[i], field_map.pairs[2 * k]->text));
    }
    return n;
}

/* The top-level sections of pnpm-lock.yaml this reads, other lines blanked (line numbers kept):
 * `packages:` and `snapshots:` hold every transitive package, wider than the audit's YAML reader
 * takes a mapping (audit/yaml.h). pnpm writes block YAML with top-level keys in column 1. */
static struct wh_bytes
pnpm_sections(struct wh_bytes lock, struct wh_arena *a)
{
    static const char *const keep[] = {
        "lockfileVersion:", "importers:",       "specifiers:",
        "dependencies:",    "devDependencies:", "optionalDependencies:"};
    char *out = wh_arena_alloc(a, lock.len + 1);
    bool wanted = false;
    size_t i = 0, k, n;

    while (i < lock.len) {
        const char *line = (const char *)lock.ptr + i;
        const char *nl = memchr(line, '\n', lock.len - i);
        n = nl != NULL ? (size_t)(nl - line) + 1 : lock.len - i;
        if (n > 0 && line[0] != ' ' && line[0] != '\t' && line[0] != '#' && line[0] != '\n' &&
            line[0] != '\r') {
            wanted = false;
            for (k = 0; k < sizeof(keep) / sizeof(keep[0]) && !wanted; k++)
                wanted = n >= strlen(keep[k]) && memcmp(line, keep[k], strlen(keep[k])) == 0;
        }
        if (wanted) {
            memcpy(out + i, line, n);
        } else {
            memset(out + i, ' ', n);
            out[i + n - 1] = nl != NULL ? '\n' : ' ';
        }
        i += n;
    }
    out[lock.len] = '\0';
    return (struct wh_bytes){(const unsigned char *)out, lock.len};
}

enum wh_err
wh_audit_deps_pnpm(struct wh_repo *r, const char *pkg_file, struct wh_bytes pkg,
                   const char *importer, const char *lock_file, struct wh_bytes lock,
                   const char **bad_file, bool *found, struct wh_error *err)
{
    struct wh_yaml_node *root;
    const struct wh_yaml_node *imps, *imp;
    struct wh_audit_diffs d;
    json_t *p;
    enum wh_err rc;
    size_t n;

    *found = false;
    *bad_file = lock_file;
    if ((rc = wh_audit_yaml_parse(pnpm_sections(lock, r->au->a), r->au->a, &root, err)) != WH_OK)
        return rc;
    if (root->kind != WH_YAML_MAP || wh_yaml_tree_get(root, "lockfileVersion") == NULL)
        return wh_error_set(err, WH_E_INVALID, "%d:%d: no lockfileVersion: not a pnpm lock",
                            root->line, root->col);
    imps = wh_yaml_tree_get(root, "importers");
    imp = imps != NULL                 ? wh_yaml_tree_get(imps, importer)
          : strcmp(importer, ".") == 0 ? root
                                       : NULL;
    if (imp == NULL)
        return WH_OK;
    *found = true;
    *bad_file = pkg_file;
    if ((rc = wh_audit_deps_json(pkg, false, r->au->a, &p, err)) != WH_OK)
        return rc;
    wh_audit_diffs_init(&d);
    n = pnpm_compare(r, pkg_file, p, imp, &d);
    report(r, pkg_file, lock_file, &d,
           "run pnpm install and commit pnpm-lock.yaml; CI's pnpm install --frozen-lockfile "
           "refuses it",
           n);
    wh_audit_diffs_fini(&d);
    json_decref(p);
    return WH_OK;
}

/* ---- bun: bun.lock (JSONC) workspaces[importer] against package.json ---- */

static const char *const BUN_FIELDS[] = {"dependencies", "devDependencies", "optionalDependencies",
                                         "peerDependencies"};

/* Each dependency and devDependency has a "packages" entry whose first item is "name@version"
 * (a version is recorded for the report); returns how many dependencies the manifest lists. */
static size_t
bun_resolved(struct wh_repo *r, const char *pkg_file, json_t *p, json_t *packages,
             struct wh_audit_diffs *d)
{
    struct wh_arena *a = r->au->a;
    const char *name, *id, *at;
    json_t *v;
    size_t i, n = 0;

    for (i = 0; i < sizeof(BUN_FIELDS) / sizeof(BUN_FIELDS[0]); i++) {
        json_object_foreach(json_object_get(p, BUN_FIELDS[i]), name, v)
        {
            n++;
            if (i >= 2)
                continue; /* optional and peer dependencies may be left unresolved */
            id = json_string_value(json_array_get(json_object_get(packages, name), 0));
            at = id != NULL ? strrchr(id, '@') : NULL;
            if (at == NULL || at == id || (size_t)(at - id) != strlen(name) ||
                strncmp(id, name, strlen(name)) != 0)
                wh_audit_diffs_add(d, wh_arena_sprintf(a,
                                                       "%s.%.200s has no \"name@version\" entry "
                                                       "under packages",
                                                       BUN_FIELDS[i], name));
            else if (at[1] >= '0' && at[1] <= '9')
                wh_audit_repo_dep(r, pkg_file, name, wh_arena_sprintf(a, "%.100s", at + 1));
        }
    }
    return n;
}

enum wh_err
wh_audit_deps_bun(struct wh_repo *r, const char *pkg_file, struct wh_bytes pkg,
                  const char *importer, const char *lock_file, struct wh_bytes lock,
                  const char **bad_file, bool *found, struct wh_error *err)
{
    struct wh_audit_diffs d;
    json_t *l, *p, *ws, *w;
    enum wh_err rc;
    size_t i, n;

    *found = false;
    *bad_file = lock_file;
    if ((rc = wh_audit_deps_json(lock, true, r->au->a, &l, err)) != WH_OK)
        return rc;
    ws = json_object_get(l, "workspaces");
    if (!json_is_integer(json_object_get(l, "lockfileVersion")) || !json_is_object(ws)) {
        json_decref(l);
        return wh_error_set(err, WH_E_INVALID,
                            "1:1: no lockfileVersion and workspaces: not a text bun.lock");
    }
    w = json_object_get(ws, strcmp(importer, ".") == 0 ? "" : importer);
    if (!json_is_object(w)) {
        json_decref(l);
        return WH_OK;
    }
    *found = true;
    *bad_file = pkg_file;
    if ((rc = wh_audit_deps_json(pkg, false, r->au->a, &p, err)) != WH_OK) {
        json_decref(l);
        return rc;
    }
    wh_audit_diffs_init(&d);
    for (i = 0; i < sizeof(BUN_FIELDS) / sizeof(BUN_FIELDS[0]); i++)
        wh_audit_deps_json_field(p, w, BUN_FIELDS[i], &d, r->au->a);
    n = bun_resolved(r, pkg_file, p, json_object_get(l, "packages"), &d);
    report(r, pkg_file, lock_file, &d,
           "run bun install and commit bun.lock; CI's bun install --frozen-lockfile refuses it", n);
    wh_audit_diffs_fini(&d);
    json_decref(p);
    json_decref(l);
    return WH_OK;
}

/* ---- Python: pyproject.toml's names in poetry.lock, uv.lock, pdm.lock, pylock.toml ---- */

/* PEP 503: lowercase, runs of -_. as one "-". */
static const char *
py_normalize(struct wh_str s, struct wh_arena *a)
{
    char *out = wh_arena_alloc(a, s.len + 1);
    size_t i, n = 0;

    for (i = 0; i < s.len; i++) {
        char ch = s.ptr[i];
        if (ch == '-' || ch == '_' || ch == '.') {
            if (n > 0 && out[n - 1] != '-')
                out[n++] = '-';
        } else {
            out[n++] = (char)(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
        }
    }
    out[n] = '\0';
    return out;
}

/* The distribution name at the start of a PEP 508 requirement. */
static struct wh_str
pep508_name(const char *req)
{
    struct wh_str s = wh_str_trim_blanks(wh_str_c(req));
    size_t i = 0;

    while (i < s.len &&
           (strchr("-_.", s.ptr[i]) != NULL || (s.ptr[i] >= 'a' && s.ptr[i] <= 'z') ||
            (s.ptr[i] >= 'A' && s.ptr[i] <= 'Z') || (s.ptr[i] >= '0' && s.ptr[i] <= '9')))
        i++;
    return (struct wh_str){s.ptr, i};
}

struct py_names {
    const char **name, **version;
    int *line;
    size_t n, cap;
};

static void
py_add(struct py_names *p, struct wh_arena *a, struct wh_str name, int line)
{
    if (name.len == 0 || p->n == CARGO_MAX)
        return;
    if (p->n == p->cap) {
        p->cap = p->cap == 0 ? 32 : p->cap * 2;
        p->name = wh_arena_grow(a, p->name, p->n, p->cap, sizeof(*p->name));
        p->line = wh_arena_grow(a, p->line, p->n, p->cap, sizeof(*p->line));
        p->version = wh_arena_grow(a, p->version, p->n, p->cap, sizeof(*p->version));
    }
    p->line[p->n] = line;
    p->version[p->n] = NULL;
    p->name[p->n++] = py_normalize(name, a);
}

static void
py_array(struct py_names *p, struct wh_arena *a, const struct wh_audit_toml_kv *kv)
{
    struct wh_str cur, item;

    if (!wh_audit_toml_items(kv->value, '[', &cur))
        return;
    while (wh_audit_toml_item_next(&cur, &item)) {
        const char *s = wh_audit_toml_string(item, a);
        if (s != NULL) /* {include-group = ...} is not a name */
            py_add(p, a, pep508_name(s), kv->line);
    }
}

static bool
is_poetry_deps(const char *table)
{
    size_t n = strlen(table);

    return strncmp(table, "tool.poetry.", 12) == 0 && n >= 12 &&
           strcmp(table + n - 12, "dependencies") == 0;
}

static enum wh_err
py_manifest(struct py_names *p, struct wh_bytes text, struct wh_arena *a, struct wh_error *err)
{
    struct wh_audit_toml t;
    struct wh_audit_toml_kv kv;
    enum wh_audit_toml_ev ev;
    enum wh_err rc;

    wh_audit_toml_init(&t, text);
    while ((rc = wh_audit_toml_next(&t, a, &ev, &kv, err)) == WH_OK && ev != WH_AUDIT_TOML_END) {
        if (ev != WH_AUDIT_TOML_KV)
            continue;
        if ((strcmp(t.table, "project") == 0 && strcmp(kv.key, "dependencies") == 0) ||
            strcmp(t.table, "project.optional-dependencies") == 0 ||
            strcmp(t.table, "dependency-groups") == 0)
            py_array(p, a, &kv);
        else if (is_poetry_deps(t.table) && strcmp(kv.key, "python") != 0 &&
                 strchr(kv.key, '.') == NULL)
            py_add(p, a, wh_str_c(kv.key), kv.line);
    }
    return rc;
}

static enum wh_err
py_lock(struct py_names *locked, struct wh_bytes text, struct wh_arena *a, struct wh_error *err)
{
    struct wh_audit_toml t;
    struct wh_audit_toml_kv kv;
    enum wh_audit_toml_ev ev;
    enum wh_err rc;
    bool in_pkg = false;

    wh_audit_toml_init(&t, text);
    while ((rc = wh_audit_toml_next(&t, a, &ev, &kv, err)) == WH_OK && ev != WH_AUDIT_TOML_END) {
        if (ev == WH_AUDIT_TOML_TABLE)
            in_pkg = t.array_table &&
                     (strcmp(t.table, "package") == 0 || strcmp(t.table, "packages") == 0);
        else if (in_pkg && strcmp(kv.key, "name") == 0 && wh_audit_toml_string(kv.value, a) != NULL)
            py_add(locked, a, wh_str_c(wh_audit_toml_string(kv.value, a)), kv.line);
        else if (in_pkg && strcmp(kv.key, "version") == 0 && locked->n > 0)
            locked->version[locked->n - 1] = wh_audit_toml_string(kv.value, a);
    }
    return rc;
}

/* Sorts the names (versions alongside) for py_find. */
static void
py_sort(struct py_names *p, struct wh_arena *a)
{
    const char **pairs = wh_arena_calloc(a, p->n * 2 + 1, sizeof(*pairs));
    size_t i;

    for (i = 0; i < p->n; i++) {
        pairs[2 * i] = p->name[i];
        pairs[2 * i + 1] = p->version[i];
    }
    if (p->n > 1)
        qsort(pairs, p->n, 2 * sizeof(*pairs), cmp_str);
    for (i = 0; i < p->n; i++) {
        p->name[i] = pairs[2 * i];
        p->version[i] = pairs[2 * i + 1];
    }
}

/* The index of `name` in sorted `p`, or p->n. */
static size_t
py_find(const struct py_names *p, const char *name)
{
    const char **hit = p->n == 0 ? NULL : bsearch(&name, p->name, p->n, sizeof(*p->name), cmp_str);

    return hit != NULL ? (size_t)(hit - p->name) : p->n;
}

static const char *
py_fix(const char *lock_file)
{
    const char *base = strrchr(lock_file, '/');

    base = base != NULL ? base + 1 : lock_file;
    if (strcmp(base, "poetry.lock") == 0)
        return "run poetry lock and commit poetry.lock";
    if (strcmp(base, "uv.lock") == 0)
        return "run uv lock and commit uv.lock";
    if (strcmp(base, "pdm.lock") == 0)
        return "run pdm lock and commit pdm.lock";
    return "regenerate it (pip lock, uv export --format pylock.toml) and commit it";
}

enum wh_err
wh_audit_deps_pylock(struct wh_repo *r, const char *manifest_file, struct wh_bytes manifest,
                     const char *lock_file, struct wh_bytes lock, const char **bad_file,
                     struct wh_error *err)
{
    struct wh_arena *a = r->au->a;
    struct py_names want, locked;
    struct wh_audit_diffs d;
    enum wh_err rc;
    size_t i, k;

    memset(&want, 0, sizeof(want));
    memset(&locked, 0, sizeof(locked));
    *bad_file = manifest_file;
    if ((rc = py_manifest(&want, manifest, a, err)) != WH_OK)
        return rc;
    *bad_file = lock_file;
    if ((rc = py_lock(&locked, lock, a, err)) != WH_OK)
        return rc;
    py_sort(&locked, a);
    wh_audit_diffs_init(&d);
    for (i = 0; i < want.n; i++) {
        k = py_find(&locked, want.name[i]);
        if (k == locked.n)
            wh_audit_diffs_add(&d, wh_arena_sprintf(a, "%.200s (%s:%d) is not in the lock",
                                                    want.name[i], manifest_file, want.line[i]));
        else
            wh_audit_repo_dep(r, manifest_file, want.name[i],
                              locked.version[k] != NULL ? locked.version[k] : "");
    }
    report(r, manifest_file, lock_file, &d, py_fix(lock_file), want.n);
    wh_audit_diffs_fini(&d);
    return WH_OK;
}
