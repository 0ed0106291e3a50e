/* `audit repo`'s offline layers: which files it reads, and what it makes of them (repo.h). */
#include "audit/repo.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit/deps.h"
#include "audit/toolchain.h"
#include "audit/walk.h"
#include "image/ref.h"

static const char *const layer_names[] = {"dev container", "toolchain", "pipeline", "dependencies",
                                          "runtime"};
static const char *const eco_names[] = {
    "npm", "pip", "cargo", "gomod", "github-actions", "docker", "devcontainers"};

const char *
wh_audit_repo_layer_name(enum wh_repo_layer l)
{
    return layer_names[l];
}

const char *
wh_audit_repo_eco_name(enum wh_repo_eco e)
{
    return eco_names[e];
}

void
wh_audit_repo_init(struct wh_repo *r, struct wh_audit *au)
{
    memset(r, 0, sizeof(*r));
    r->au = au;
    au->repo = r;
}

static const char *
base_of(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash != NULL ? slash + 1 : path;
}

static bool
is_requirements(const char *path, const char *base)
{
    size_t n = strlen(base);

    if (n < 4 || strcmp(base + n - 4, ".txt") != 0)
        return false;
    return strncmp(base, "requirements", 12) == 0 || strncmp(path, "requirements/", 13) == 0 ||
           strstr(path, "/requirements/") != NULL;
}

static bool
is_lock_name(const char *base)
{
    static const char *const names[] = {
        "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "bun.lock",
        "bun.lockb",         "poetry.lock",         "uv.lock",   "pdm.lock",       "Pipfile.lock",
        "pylock.toml",       "Cargo.lock",          "go.sum",
    };
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(base, names[i]) == 0)
            return true;
    return strncmp(base, "pylock.", 7) == 0 && strlen(base) > 12 &&
           strcmp(base + strlen(base) - 5, ".toml") == 0;
}

/* Renovate's config file names, in the order it looks for them. */
static const char *const renovate_files[] = {
    "renovate.json",         "renovate.json5",
    ".github/renovate.json", ".github/renovate.json5",
    ".gitlab/renovate.json", ".gitlab/renovate.json5",
    ".renovaterc",           ".renovaterc.json",
    ".renovaterc.json5",
};

static bool
is_bot_config(const char *path)
{
    size_t i;

    for (i = 0; i < sizeof(renovate_files) / sizeof(renovate_files[0]); i++)
        if (strcmp(path, renovate_files[i]) == 0)
            return true;
    return strcmp(path, ".github/dependabot.yml") == 0 ||
           strcmp(path, ".github/dependabot.yaml") == 0;
}

bool
wh_audit_repo_wants(struct wh_repo *r, const char *path)
{
    const char *base = base_of(path);

    switch (wh_audit_file_kind(path)) {
    case WH_AUDIT_FILE_WORKFLOW:
    case WH_AUDIT_FILE_ACTION:
        r->ecosystems |= 1u << WH_ECO_GITHUB_ACTIONS;
        break;
    case WH_AUDIT_FILE_DOCKERFILE:
        r->ecosystems |= 1u << WH_ECO_DOCKER;
        break;
    case WH_AUDIT_FILE_DEVCONTAINER:
        r->ecosystems |= 1u << WH_ECO_DEVCONTAINERS;
        break;
    default:
        break;
    }
    if (strcmp(base, "package.json") == 0)
        r->ecosystems |= 1u << WH_ECO_NPM;
    else if (strcmp(base, "pyproject.toml") == 0 || is_requirements(path, base))
        r->ecosystems |= 1u << WH_ECO_PIP;
    else if (strcmp(base, "Cargo.toml") == 0)
        r->ecosystems |= 1u << WH_ECO_CARGO;
    else if (strcmp(base, "go.mod") == 0)
        r->ecosystems |= 1u << WH_ECO_GOMOD;
    else if (!wh_audit_toolchain_file(base) && !is_lock_name(base) && !is_bot_config(path))
        return false;
    return true;
}

enum wh_repo_layer
wh_audit_repo_file_layer(const char *path)
{
    const char *base = base_of(path);

    if (strcmp(base, "go.mod") != 0 && wh_audit_toolchain_file(base))
        return WH_REPO_TOOLCHAIN;
    if (strcmp(base, "package.json") == 0 || strcmp(base, "pyproject.toml") == 0 ||
        strcmp(base, "Cargo.toml") == 0 || strcmp(base, "go.mod") == 0 ||
        is_requirements(path, base) || is_lock_name(base) || is_bot_config(path))
        return WH_REPO_DEPS;
    return WH_REPO_PIPELINE;
}

void
wh_audit_repo_add_file(struct wh_repo *r, const char *path)
{
    if (r->n_files == r->cap_files) {
        size_t cap = r->cap_files == 0 ? 32 : r->cap_files * 2;
        r->files = wh_arena_grow(r->au->a, r->files, r->n_files, cap, sizeof(*r->files));
        r->cap_files = cap;
    }
    r->files[r->n_files++] = path;
}

void
wh_audit_repo_finding(struct wh_repo *r, enum wh_repo_layer layer, const char *rule,
                      enum wh_tier tier, const char *file, int line, const char *msg)
{
    struct wh_repo_finding *f;

    if (r->n_findings == WH_REPO_MAX_FINDINGS) {
        r->au->over_limit = true;
        return;
    }
    if (r->n_findings == r->cap_findings) {
        size_t cap = r->cap_findings == 0 ? 16 : r->cap_findings * 2;
        r->findings =
            wh_arena_grow(r->au->a, r->findings, r->n_findings, cap, sizeof(*r->findings));
        r->cap_findings = cap;
    }
    f = &r->findings[r->n_findings++];
    f->layer = layer;
    f->rule = rule;
    f->tier = tier;
    f->file = file;
    f->line = file != NULL ? line : 0;
    f->col = f->line > 0 ? 1 : 0;
    f->msg = wh_arena_strdup(r->au->a, msg);
}

void
wh_audit_repo_dep(struct wh_repo *r, const char *manifest, const char *name, const char *version)
{
    struct wh_repo_dep *d;

    if (r->n_deps == WH_REPO_MAX_DEPS)
        return;
    if (r->n_deps == r->cap_deps) {
        size_t cap = r->cap_deps == 0 ? 64 : r->cap_deps * 2;
        r->deps = wh_arena_grow(r->au->a, r->deps, r->n_deps, cap, sizeof(*r->deps));
        r->cap_deps = cap;
    }
    d = &r->deps[r->n_deps++];
    d->manifest = manifest;
    d->name = wh_arena_strdup(r->au->a, name);
    d->version = wh_arena_strdup(r->au->a, version);
}

void
wh_audit_repo_note(struct wh_repo *r, enum wh_repo_layer layer, const char *note)
{
    struct wh_repo_layer_state *s = &r->layers[layer];

    if (s->n_notes == WH_REPO_MAX_FINDINGS)
        return;
    if (s->n_notes == s->cap_notes) {
        size_t cap = s->cap_notes == 0 ? 8 : s->cap_notes * 2;
        s->notes = wh_arena_grow(r->au->a, s->notes, s->n_notes, cap, sizeof(*s->notes));
        s->cap_notes = cap;
    }
    s->notes[s->n_notes++] = wh_arena_strdup(r->au->a, note);
}

void
wh_audit_repo_not_evaluated(struct wh_repo *r, enum wh_repo_layer layer, const char *why)
{
    r->layers[layer].evaluated = false;
    r->layers[layer].not_evaluated = wh_arena_strdup(r->au->a, why);
}

void
wh_audit_repo_count(const struct wh_repo *r, size_t *block, size_t *warn)
{
    size_t i;

    *block = *warn = 0;
    for (i = 0; i < r->n_findings; i++) {
        *block += r->findings[i].tier == WH_TIER_BLOCK;
        *warn += r->findings[i].tier == WH_TIER_WARN;
    }
}

static bool
any_glob(const char *const *globs, size_t n, const char *text)
{
    size_t i;

    for (i = 0; text != NULL && i < n; i++)
        if (wh_image_glob_match(wh_str_c(globs[i]), wh_str_c(text)))
            return true;
    return false;
}

static const struct wh_policy_audit_rule *
audit_rule_for(const struct wh_policy_audit_rule *rules, size_t n, const struct wh_repo_finding *f)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (any_glob(rules[i].rules, rules[i].n_rules, f->rule) &&
            (rules[i].n_files == 0 || any_glob(rules[i].files, rules[i].n_files, f->file)))
            return &rules[i];
    return NULL;
}

void
wh_audit_repo_apply_tiers(struct wh_repo *r, const struct wh_policy *p)
{
    const struct wh_policy_audit_rule *rules, *rule;
    size_t n = 0, i, kept = 0;

    rules = p != NULL ? wh_policy_audit_rules(p, &n) : NULL;
    for (i = 0; i < r->n_findings && n > 0; i++) {
        struct wh_repo_finding *f = &r->findings[i];
        rule = audit_rule_for(rules, n, f);
        if (rule != NULL && rule->tier == WH_TIER_IGNORE) {
            wh_audit_repo_note(r, f->layer,
                               wh_arena_sprintf(r->au->a, "%s%s%s ignored by %s", f->rule,
                                                f->file != NULL ? " in " : "",
                                                f->file != NULL ? f->file : "", rule->id));
            continue;
        }
        if (rule != NULL) {
            f->tier = rule->tier;
            f->msg = wh_arena_sprintf(r->au->a, "%s [%s]", f->msg, rule->id);
        }
        r->findings[kept++] = *f;
    }
    if (n > 0)
        r->n_findings = kept;
}

/* ---- files ---- */

static int
cmp_path(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static bool
has_file(const struct wh_repo *r, const char *path)
{
    return r->n_files > 0 &&
           bsearch(&path, r->files, r->n_files, sizeof(*r->files), cmp_path) != NULL;
}

/* "dir/name" ("name" at the top). */
static const char *
sibling(struct wh_arena *a, const char *path, const char *name)
{
    const char *slash = strrchr(path, '/');

    if (slash == NULL)
        return wh_arena_strdup(a, name);
    return wh_arena_sprintf(a, "%.*s/%s", (int)(slash - path), path, name);
}

/* The first of `names` beside `path` or, when `up`, in a directory above it; NULL if none. */
static const char *
find_lock(const struct wh_repo *r, const char *path, const char *const *names, size_t n, bool up)
{
    struct wh_arena *a = r->au->a;
    const char *dir = path;
    size_t i;

    for (;;) {
        for (i = 0; i < n; i++) {
            const char *p = sibling(a, dir, names[i]);
            if (has_file(r, p))
                return p;
        }
        if (!up || strchr(dir, '/') == NULL)
            return NULL;
        dir = wh_arena_strndup(a, dir, (size_t)(strrchr(dir, '/') - dir)); /* parent's "file" */
    }
}

static bool
read_file(struct wh_repo *r, const char *root, const char *rel, struct wh_bytes *out)
{
    struct wh_error e;

    if (wh_audit_read(r->au, root, rel, out, &e) == WH_OK)
        return true;
    wh_audit_file_error(r->au, rel, &e);
    return false;
}

static void
parsed(struct wh_repo *r, const char *rel, enum wh_err rc, const struct wh_error *e)
{
    if (rc != WH_OK)
        wh_audit_file_error(r->au, rel, e);
}

static const char *const *aliases(const char *tool);

/* ---- dependencies ---- */

static const char *const npm_locks[] = {"package-lock.json", "npm-shrinkwrap.json"};
static const char *const other_js_locks[] = {"yarn.lock",         "pnpm-lock.yaml",
                                             "bun.lock",          "bun.lockb",
                                             "package-lock.json", "npm-shrinkwrap.json"};
static const char *const py_locks[] = {"poetry.lock", "uv.lock", "pdm.lock", "Pipfile.lock",
                                       "pylock.toml"};
static const char *const cargo_locks[] = {"Cargo.lock"};
static const char *const go_sums[] = {"go.sum"};

/* A lock above `rel` counts only when the package.json beside it declares "workspaces" (npm,
 * yarn and bun workspaces lock every member at the root) or it is pnpm's (pnpm-workspace.yaml;
 * the lock's importers say whether it holds `rel`); anything else needs its own lock. */
static const char *
workspace_lock(struct wh_repo *r, const char *root, const char *rel)
{
    const char *dir = rel, *lock, *pkg;
    struct wh_bytes text;

    while (strchr(dir, '/') != NULL) {
        dir = wh_arena_strndup(r->au->a, dir, (size_t)(strrchr(dir, '/') - dir));
        lock = find_lock(r, dir, other_js_locks, 6, false);
        pkg = sibling(r->au->a, dir, "package.json");
        if (lock != NULL && strcmp(base_of(lock), "pnpm-lock.yaml") == 0)
            return lock;
        if (lock != NULL && has_file(r, pkg) && read_file(r, root, pkg, &text) &&
            wh_audit_deps_npm_has_workspaces(text))
            return lock;
    }
    return NULL;
}

/* The directory of `rel` relative to `lock`'s ("." when they share it). */
static const char *
importer_of(struct wh_arena *a, const char *rel, const char *lock)
{
    size_t ld = strrchr(lock, '/') != NULL ? (size_t)(strrchr(lock, '/') - lock) + 1 : 0;
    size_t rd = strrchr(rel, '/') != NULL ? (size_t)(strrchr(rel, '/') - rel) : 0;

    return rd > ld ? wh_arena_strndup(a, rel + ld, rd - ld) : ".";
}

/* package.json against a yarn, pnpm or bun lock; false when a pnpm or bun lock does not hold
 * it. */
static bool
deps_js_lock(struct wh_repo *r, const char *root, const char *rel, struct wh_bytes pkg,
             const char *lock)
{
    const char *base = base_of(lock), *bad = rel;
    struct wh_bytes lk;
    struct wh_error e;
    enum wh_err rc;
    bool found = true;

    if (strcmp(base, "yarn.lock") != 0 && strcmp(base, "pnpm-lock.yaml") != 0 &&
        strcmp(base, "bun.lock") != 0) {
        wh_audit_repo_note(
            r, WH_REPO_DEPS,
            wh_arena_sprintf(r->au->a, "%s: locked by %s (its sync is not checked)", rel, lock));
        return true;
    }
    if (!read_file(r, root, lock, &lk))
        return true;
    if (strcmp(base, "yarn.lock") == 0)
        rc = wh_audit_deps_yarn(r, rel, pkg, lock, lk, &bad, &e);
    else if (strcmp(base, "bun.lock") == 0)
        rc = wh_audit_deps_bun(r, rel, pkg, importer_of(r->au->a, rel, lock), lock, lk, &bad,
                               &found, &e);
    else
        rc = wh_audit_deps_pnpm(r, rel, pkg, importer_of(r->au->a, rel, lock), lock, lk, &bad,
                                &found, &e);
    parsed(r, bad, rc, &e);
    return found || rc != WH_OK;
}

static void
deps_npm(struct wh_repo *r, const char *root, const char *rel)
{
    struct wh_arena *a = r->au->a;
    const char *lock = find_lock(r, rel, npm_locks, 2, false), *bad = rel;
    struct wh_bytes pkg, lk;
    struct wh_error e;

    bool has_deps;

    if (lock != NULL) {
        if (read_file(r, root, rel, &pkg) && read_file(r, root, lock, &lk))
            parsed(r, bad, wh_audit_deps_npm(r, rel, pkg, lock, lk, &bad, &e), &e);
        return;
    }
    if (!read_file(r, root, rel, &pkg))
        return;
    has_deps = wh_audit_deps_npm_has_deps(pkg);
    lock = find_lock(r, rel, other_js_locks, 6, false);
    if (lock == NULL)
        lock = workspace_lock(r, root, rel);
    if (lock != NULL && deps_js_lock(r, root, rel, pkg, lock))
        return;
    if (!has_deps) {
        wh_audit_repo_note(r, WH_REPO_DEPS,
                           wh_arena_sprintf(a, "%s: no dependencies, nothing to lock", rel));
        return;
    }
    wh_audit_repo_finding(r, WH_REPO_DEPS, "deps/no-lockfile", WH_TIER_BLOCK, rel, 1,
                          wh_arena_sprintf(a,
                                           "%s has no package-lock.json (or other lock) beside or "
                                           "above it: every install resolves afresh; run npm "
                                           "install, commit the lock, and install with npm ci",
                                           rel));
}

static bool
dir_has_hashed_requirements(const char *dir_file, const char *const *hashed, size_t n)
{
    const char *slash = strrchr(dir_file, '/');
    size_t dlen = slash != NULL ? (size_t)(slash - dir_file) + 1 : 0, i;

    for (i = 0; i < n; i++)
        if (strncmp(hashed[i], dir_file, dlen) == 0 &&
            (strchr(hashed[i] + dlen, '/') == NULL ||
             strncmp(hashed[i] + dlen, "requirements/", 13) == 0))
            return true;
    return false;
}

static void
deps_pylock(struct wh_repo *r, const char *root, const char *rel, struct wh_bytes text,
            const char *lock)
{
    const char *bad = rel;
    struct wh_bytes lk;
    struct wh_error e;

    if (strcmp(base_of(lock), "Pipfile.lock") == 0) {
        wh_audit_repo_note(
            r, WH_REPO_DEPS,
            wh_arena_sprintf(r->au->a, "%s: locked by %s (its sync is not checked)", rel, lock));
        return;
    }
    if (read_file(r, root, lock, &lk))
        parsed(r, bad, wh_audit_deps_pylock(r, rel, text, lock, lk, &bad, &e), &e);
}

static void
deps_python(struct wh_repo *r, const char *root)
{
    struct wh_arena *a = r->au->a;
    const char **hashed = wh_arena_alloc(a, (r->n_files + 1) * sizeof(*hashed));
    size_t n_hashed = 0, i;
    struct wh_bytes text;
    struct wh_error e;
    bool ok;

    for (i = 0; i < r->n_files; i++) {
        const char *rel = r->files[i];
        if (!is_requirements(rel, base_of(rel)) || !read_file(r, root, rel, &text))
            continue;
        parsed(r, rel, wh_audit_deps_requirements(r, rel, text, &ok, &e), &e);
        if (ok)
            hashed[n_hashed++] = rel;
    }
    for (i = 0; i < r->n_files; i++) {
        const char *rel = r->files[i], *lock;
        if (strcmp(base_of(rel), "pyproject.toml") != 0 || !read_file(r, root, rel, &text) ||
            !wh_audit_deps_pyproject_has_deps(text))
            continue;
        lock = find_lock(r, rel, py_locks, 5, false);
        if (lock != NULL)
            deps_pylock(r, root, rel, text, lock);
        else if (dir_has_hashed_requirements(rel, hashed, n_hashed))
            wh_audit_repo_note(r, WH_REPO_DEPS,
                               wh_arena_sprintf(a, "%s: locked by hashed requirements", rel));
        else
            wh_audit_repo_finding(r, WH_REPO_DEPS, "deps/no-lockfile", WH_TIER_BLOCK, rel, 1,
                                  wh_arena_sprintf(a,
                                                   "%s declares dependencies but no hashed lock "
                                                   "is beside it (uv.lock, poetry.lock, pdm.lock, "
                                                   "pylock.toml or requirements with --hash): "
                                                   "uv lock or pip-compile --generate-hashes "
                                                   "writes one",
                                                   rel));
    }
}

static void
deps_cargo(struct wh_repo *r, const char *root, const char *rel, const char *lock)
{
    const char *bad = rel;
    struct wh_bytes text, lk;
    struct wh_error e;

    if (read_file(r, root, rel, &text) && read_file(r, root, lock, &lk))
        parsed(r, bad, wh_audit_deps_cargo(r, rel, text, lock, lk, &bad, &e), &e);
}

static void
deps_cargo_go(struct wh_repo *r, const char *root)
{
    struct wh_arena *a = r->au->a;
    struct wh_bytes mod, sum = {NULL, 0};
    struct wh_error e;
    size_t i;

    for (i = 0; i < r->n_files; i++) {
        const char *rel = r->files[i], *lock;
        if (strcmp(base_of(rel), "Cargo.toml") == 0) {
            lock = find_lock(r, rel, cargo_locks, 1, true);
            if (lock != NULL)
                deps_cargo(r, root, rel, lock);
            else
                wh_audit_repo_finding(r, WH_REPO_DEPS, "deps/no-lockfile", WH_TIER_BLOCK, rel, 1,
                                      wh_arena_sprintf(a,
                                                       "%s has no Cargo.lock beside or above it: "
                                                       "run cargo generate-lockfile, commit it, "
                                                       "and build with --locked",
                                                       rel));
        } else if (strcmp(base_of(rel), "go.mod") == 0) {
            lock = find_lock(r, rel, go_sums, 1, false);
            sum = (struct wh_bytes){NULL, 0};
            if (!read_file(r, root, rel, &mod) || (lock != NULL && !read_file(r, root, lock, &sum)))
                continue;
            parsed(r, rel, wh_audit_deps_gomod(r, rel, mod, lock, sum, &e), &e);
        }
    }
}

/* ---- update bots ---- */

static bool
bot_read(struct wh_repo *r, const char *root, const char *rel, bool renovate,
         struct wh_audit_bot *bot)
{
    struct wh_bytes text;
    struct wh_error e;
    enum wh_err rc;

    if (!read_file(r, root, rel, &text))
        return false;
    rc = renovate ? wh_audit_deps_renovate(text, r->au->a, bot, &e)
                  : wh_audit_deps_dependabot(text, r->au->a, bot, &e);
    parsed(r, rel, rc, &e);
    return rc == WH_OK;
}

static const char *
eco_list(unsigned mask, struct wh_arena *a)
{
    const char *s = NULL;
    int k;

    for (k = 0; k < WH_ECO_COUNT; k++)
        if (mask & (1u << k))
            s = s == NULL ? eco_names[k] : wh_arena_sprintf(a, "%s, %s", s, eco_names[k]);
    return s != NULL ? s : "none";
}

static void
bots_judge(struct wh_repo *r, const char *config, const struct wh_audit_bot *bot)
{
    struct wh_arena *a = r->au->a;
    unsigned found = r->ecosystems, missing = found & ~bot->covered;
    unsigned no_pins = found & bot->covered &
                       ((1u << WH_ECO_GITHUB_ACTIONS) | (1u << WH_ECO_DOCKER)) & ~bot->pins_digests;

    if (missing != 0)
        wh_audit_repo_finding(r, WH_REPO_DEPS, "deps/ecosystem-not-covered", WH_TIER_WARN, config,
                              1,
                              wh_arena_sprintf(a,
                                               "%s does not cover %s, found in the repository: "
                                               "add them so a new release becomes a pull request",
                                               config, eco_list(missing, a)));
    if (no_pins != 0)
        wh_audit_repo_finding(
            r, WH_REPO_DEPS, "deps/no-digest-pinning", WH_TIER_WARN, config, 1,
            wh_arena_sprintf(a,
                             "%s updates %s without pinning digests: extend "
                             "config:best-practices (or helpers:pinGitHubActionDigests and "
                             "docker:pinDigests)%s%s",
                             config, eco_list(no_pins, a),
                             bot->presets != NULL ? "; presets not read offline: " : "",
                             bot->presets != NULL ? bot->presets : ""));
    wh_audit_repo_note(r, WH_REPO_DEPS,
                       wh_arena_sprintf(a, "%s covers %s; pins digests for %s", config,
                                        eco_list(bot->covered & found, a),
                                        eco_list(bot->pins_digests & found, a)));
}

static void
deps_bots(struct wh_repo *r, const char *root)
{
    struct wh_audit_bot ren, dep, both;
    const char *ren_file = NULL, *dep_file = NULL;
    size_t i;

    memset(&both, 0, sizeof(both));
    for (i = 0; i < sizeof(renovate_files) / sizeof(renovate_files[0]) && ren_file == NULL; i++)
        if (has_file(r, renovate_files[i]))
            ren_file = renovate_files[i];
    dep_file = has_file(r, ".github/dependabot.yml")    ? ".github/dependabot.yml"
               : has_file(r, ".github/dependabot.yaml") ? ".github/dependabot.yaml"
                                                        : NULL;
    if (ren_file != NULL && !bot_read(r, root, ren_file, true, &ren))
        ren_file = NULL;
    if (dep_file != NULL && !bot_read(r, root, dep_file, false, &dep))
        dep_file = NULL;
    if (r->ecosystems == 0)
        return;
    if (ren_file == NULL && dep_file == NULL) {
        if (r->au->n_errors == 0)
            wh_audit_repo_finding(
                r, WH_REPO_DEPS, "deps/no-update-bot", WH_TIER_WARN, NULL, 0,
                wh_arena_sprintf(r->au->a,
                                 "no Renovate or Dependabot configuration: nothing turns new "
                                 "releases of %s into pull requests (add renovate.json "
                                 "extending config:best-practices)",
                                 eco_list(r->ecosystems, r->au->a)));
        return;
    }
    if (ren_file != NULL && dep_file != NULL) {
        both.covered = ren.covered | dep.covered;
        both.pins_digests = ren.pins_digests | dep.pins_digests;
        both.presets = ren.presets;
        bots_judge(r, wh_arena_sprintf(r->au->a, "%s with %s", ren_file, dep_file), &both);
    } else {
        bots_judge(r, ren_file != NULL ? ren_file : dep_file, ren_file != NULL ? &ren : &dep);
    }
}

/* ---- toolchain ---- */

static void
toolchain_pins(struct wh_repo *r, const char *root)
{
    struct wh_bytes text;
    struct wh_error e;
    size_t i;

    for (i = 0; i < r->n_files; i++) {
        const char *rel = r->files[i];
        if (!wh_audit_toolchain_file(base_of(rel)) || !read_file(r, root, rel, &text))
            continue;
        parsed(r, rel, wh_audit_toolchain_parse(r, rel, text, &e), &e);
    }
    for (i = 0; i < r->n_tools; i++)
        wh_audit_repo_note(r, WH_REPO_TOOLCHAIN,
                           wh_arena_sprintf(r->au->a, "%s %s pinned in %s:%d", r->tools[i].tool,
                                            r->tools[i].version, r->tools[i].file,
                                            r->tools[i].line));
    for (i = 0; i < r->n_files; i++)
        if (wh_audit_toolchain_file(base_of(r->files[i])) && strcmp(base_of(r->files[i]), "go.mod"))
            return; /* a pin file, even one that failed (an error already) */
    if (r->n_tools == 0 && (r->ecosystems & ((1u << WH_ECO_NPM) | (1u << WH_ECO_PIP) |
                                             (1u << WH_ECO_CARGO) | (1u << WH_ECO_GOMOD))) != 0)
        wh_audit_repo_finding(r, WH_REPO_TOOLCHAIN, "toolchain/unpinned", WH_TIER_WARN, NULL, 0,
                              "the repository pins no language version (.tool-versions, "
                              ".nvmrc, .python-version, go.mod toolchain, rust-toolchain.toml): "
                              "each machine builds with whatever it has");
}

static bool
same_tool(const char *x, const char *y)
{
    const char *const *ax = aliases(x);

    return strcasecmp(x, y) == 0 || (ax != NULL && ax == aliases(y));
}

/* Two files pinning one tool at versions neither satisfies: developers get one, CI the other. */
static void
toolchain_conflicts(struct wh_repo *r)
{
    size_t i, k;

    for (i = 0; i < r->n_tools; i++)
        for (k = 0; k < i; k++) {
            const struct wh_repo_tool *x = &r->tools[k], *y = &r->tools[i];
            if (!same_tool(x->tool, y->tool) ||
                wh_audit_repo_version_matches(x->version, y->version) ||
                wh_audit_repo_version_matches(y->version, x->version))
                continue;
            wh_audit_repo_finding(r, WH_REPO_TOOLCHAIN, "toolchain/conflict", WH_TIER_BLOCK,
                                  y->file, y->line,
                                  wh_arena_sprintf(r->au->a,
                                                   "%s pins %s %s but %s:%d pins %s %s: keep one "
                                                   "version in every file",
                                                   y->file, y->tool, y->version, x->file, x->line,
                                                   x->tool, x->version));
            break;
        }
}

void
wh_audit_repo_offline(struct wh_repo *r, const char *root)
{
    size_t i;

    if (r->n_files > 0)
        qsort(r->files, r->n_files, sizeof(*r->files), cmp_path);
    toolchain_pins(r, root);
    toolchain_conflicts(r);
    for (i = 0; i < r->n_files; i++)
        if (strcmp(base_of(r->files[i]), "package.json") == 0)
            deps_npm(r, root, r->files[i]);
    deps_python(r, root);
    deps_cargo_go(r, root);
    deps_bots(r, root);
    r->layers[WH_REPO_DEPS].evaluated = true;
    r->layers[WH_REPO_PIPELINE].evaluated = true;
    for (i = 0; i < r->au->n_refs && r->dev_image == NULL; i++)
        if (r->au->refs[i].kind == WH_PIN_DEVCONTAINER_IMAGE && r->au->refs[i].name != NULL &&
            strcmp(r->au->refs[i].text, "(not a string)") != 0) {
            r->dev_image = r->au->refs[i].text;
            r->dev_image_file = r->au->refs[i].file;
        }
}

/* ---- toolchain against the dev image ---- */

/* The SBOM names a pinned tool goes by. */
static const char *const *
aliases(const char *tool)
{
    static const char *const node[] = {"node", "nodejs", NULL};
    static const char *const python[] = {"python", "python3", "cpython", NULL};
    static const char *const go[] = {"go", "golang", "stdlib", NULL};
    static const char *const rust[] = {"rust", "rustc", NULL};

    if (strcasecmp(tool, "node") == 0 || strcasecmp(tool, "nodejs") == 0)
        return node;
    if (strcasecmp(tool, "python") == 0)
        return python;
    if (strcasecmp(tool, "go") == 0 || strcasecmp(tool, "golang") == 0)
        return go;
    if (strcasecmp(tool, "rust") == 0)
        return rust;
    return NULL;
}

static bool
is_named(const struct wh_sbom_component *c, const char *tool)
{
    const char *one[2] = {tool, NULL};
    const char *const *names = aliases(tool);

    if (names == NULL)
        names = one;
    for (; *names != NULL; names++)
        if ((c->ident != NULL && strcasecmp(c->ident, *names) == 0) ||
            (c->name != NULL && strcasecmp(c->name, *names) == 0))
            return true;
    return false;
}

bool
wh_audit_repo_version_matches(const char *want, const char *found)
{
    size_t n = strlen(want);

    if (found[0] == 'v' || found[0] == 'V')
        found++;
    else if (strncmp(found, "go", 2) == 0)
        found += 2;
    if (strncmp(want, found, n) != 0)
        return false;
    return found[n] == '\0' || strchr(".-+~", found[n]) != NULL;
}

static void
compare_tool(struct wh_repo *r, const struct wh_repo_tool *t, const struct wh_sbom *sbom,
             const char *image)
{
    struct wh_arena *a = r->au->a;
    const char *seen = NULL;
    size_t i;

    for (i = 0; i < sbom->n_components; i++) {
        const struct wh_sbom_component *c = &sbom->components[i];
        if (!is_named(c, t->tool))
            continue;
        if (wh_audit_repo_version_matches(t->version, c->version)) {
            wh_audit_repo_note(r, WH_REPO_TOOLCHAIN,
                               wh_arena_sprintf(a, "%s %s (%s:%d): the dev image has %s %s",
                                                t->tool, t->version, t->file, t->line, c->name,
                                                c->version));
            return;
        }
        seen = seen == NULL ? wh_arena_sprintf(a, "%s %s", c->name, c->version)
                            : wh_arena_sprintf(a, "%s, %s %s", seen, c->name, c->version);
    }
    if (seen != NULL)
        wh_audit_repo_finding(r, WH_REPO_TOOLCHAIN, "toolchain/mismatch", WH_TIER_BLOCK, t->file,
                              t->line,
                              wh_arena_sprintf(a,
                                               "%s pins %s %s but the dev image %s has %s: "
                                               "rebuild the dev image or change the pin, so "
                                               "developers and CI run the same toolchain",
                                               t->file, t->tool, t->version, image, seen));
    else
        wh_audit_repo_finding(r, WH_REPO_TOOLCHAIN, "toolchain/not-in-dev-image", WH_TIER_WARN,
                              t->file, t->line,
                              wh_arena_sprintf(a,
                                               "%s pins %s %s but the dev image %s's SBOM lists "
                                               "no %s: install it in the dev image (or the SBOM "
                                               "misses it)",
                                               t->file, t->tool, t->version, image, t->tool));
}

void
wh_audit_repo_toolchain_compare(struct wh_repo *r, const struct wh_sbom *sbom, const char *image)
{
    size_t i;

    for (i = 0; i < r->n_tools; i++)
        compare_tool(r, &r->tools[i], sbom, image);
    r->layers[WH_REPO_TOOLCHAIN].evaluated = true;
    r->layers[WH_REPO_TOOLCHAIN].not_evaluated = NULL;
}
