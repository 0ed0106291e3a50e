/* Lockfiles in sync with their manifests, and update bots that cover every ecosystem (deps.h). */
#include "audit/deps.h"

#include <jansson.h>
#include <string.h>

#include "audit/jsonc.h"
#include "audit/yaml.h"

enum wh_err
wh_audit_deps_json(struct wh_bytes text, bool jsonc, struct wh_arena *a, json_t **out,
                   struct wh_error *err)
{
    json_error_t jerr;
    struct wh_bytes json = text;
    enum wh_err rc;

    if (jsonc && (rc = wh_audit_jsonc_strip(text, a, &json, err)) != WH_OK)
        return rc;
    *out = json_loadb((const char *)json.ptr, json.len, JSON_REJECT_DUPLICATES, &jerr);
    if (*out == NULL)
        return wh_error_set(err, WH_E_INVALID, "%d:%d: %s", jerr.line > 0 ? jerr.line : 1,
                            jerr.column > 0 ? jerr.column : 1, jerr.text);
    if (!json_is_object(*out)) {
        json_decref(*out);
        return wh_error_set(err, WH_E_INVALID, "1:1: not a JSON object");
    }
    return WH_OK;
}

/* ---- npm ---- */

void
wh_audit_diffs_init(struct wh_audit_diffs *d)
{
    memset(d, 0, sizeof(*d));
    wh_buf_init(&d->b, 4096);
    wh_buf_init(&d->fix, 4096);
}

void
wh_audit_diffs_fini(struct wh_audit_diffs *d)
{
    wh_buf_fini(&d->b);
    wh_buf_fini(&d->fix);
}

void
wh_audit_diffs_add(struct wh_audit_diffs *d, const char *text)
{
    if (d->n++ >= WH_AUDIT_DIFFS_SHOWN)
        return;
    wh_buf_append_c(&d->b, d->n > 1 ? "; " : "");
    wh_buf_append_c(&d->b, text);
}

void
wh_audit_diffs_fix(struct wh_audit_diffs *d, const char *prefix, const char *name)
{
    if (d->n_fix++ >= WH_AUDIT_DIFFS_SHOWN)
        return;
    wh_buf_append_c(&d->fix, prefix);
    wh_buf_printf(&d->fix, "%.200s", name);
}

static const char *
spec_of(json_t *v)
{
    return json_is_string(v) ? json_string_value(v) : "(not a string)";
}

void
wh_audit_deps_json_field(json_t *pkg, json_t *root, const char *field, struct wh_audit_diffs *d,
                         struct wh_arena *a)
{
    json_t *want = json_object_get(pkg, field), *got = json_object_get(root, field), *v;
    const char *name;

    json_object_foreach(want, name, v)
    {
        json_t *l = json_object_get(got, name);
        if (l == NULL)
            wh_audit_diffs_add(d, wh_arena_sprintf(a, "%s.%.200s %.100s is not in the lock", field,
                                                   name, spec_of(v)));
        else if (!json_equal(l, v))
            wh_audit_diffs_add(
                d, wh_arena_sprintf(a, "%s.%.200s: package.json %.100s, the lock %.100s", field,
                                    name, spec_of(v), spec_of(l)));
    }
    json_object_foreach(got, name, v)
    {
        if (json_object_get(want, name) == NULL)
            wh_audit_diffs_add(d, wh_arena_sprintf(a, "%s.%.200s %.100s is in the lock only", field,
                                                   name, spec_of(v)));
    }
}

/* Every dependency of the manifest resolved in the lock (recorded for the report). */
static void
check_resolved(struct wh_repo *r, const char *pkg_file, json_t *pkg, json_t *lock, int version,
               const char *field, struct wh_audit_diffs *d)
{
    struct wh_arena *a = r->au->a;
    json_t *deps = json_object_get(pkg, field), *v;
    const char *name;

    json_object_foreach(deps, name, v)
    {
        json_t *e = version >= 2 ? json_object_get(json_object_get(lock, "packages"),
                                                   wh_arena_sprintf(a, "node_modules/%s", name))
                                 : json_object_get(json_object_get(lock, "dependencies"), name);
        if (json_is_string(json_object_get(e, "version")))
            wh_audit_repo_dep(r, pkg_file, name, json_string_value(json_object_get(e, "version")));
        else if (!json_is_true(json_object_get(e, "link")))
            wh_audit_diffs_add(
                d, wh_arena_sprintf(a, "%s.%.200s %.100s has no resolved version in the lock",
                                    field, name, spec_of(v)));
    }
}

static const char *const npm_fields[] = {"dependencies", "devDependencies", "optionalDependencies",
                                         "peerDependencies"};

enum wh_err
wh_audit_deps_npm(struct wh_repo *r, const char *pkg_file, struct wh_bytes pkg,
                  const char *lock_file, struct wh_bytes lock, const char **bad_file,
                  struct wh_error *err)
{
    json_t *p = NULL, *l = NULL, *root;
    struct wh_audit_diffs d;
    struct wh_arena *a = r->au->a;
    enum wh_err rc;
    int version;
    size_t i;

    *bad_file = pkg_file;
    if ((rc = wh_audit_deps_json(pkg, false, a, &p, err)) != WH_OK)
        return rc;
    *bad_file = lock_file;
    if ((rc = wh_audit_deps_json(lock, false, a, &l, err)) != WH_OK) {
        json_decref(p);
        return rc;
    }
    version = (int)json_integer_value(json_object_get(l, "lockfileVersion"));
    root = json_object_get(json_object_get(l, "packages"), "");
    wh_audit_diffs_init(&d);
    if (version >= 2 && root == NULL) {
        wh_audit_diffs_add(&d, "lockfileVersion >= 2 without a root package (packages[\"\"])");
    } else if (version >= 2) {
        for (i = 0; i < sizeof(npm_fields) / sizeof(npm_fields[0]); i++)
            wh_audit_deps_json_field(p, root, npm_fields[i], &d, a);
    } else if (version != 1) {
        wh_audit_diffs_add(&d, "no lockfileVersion 1, 2 or 3");
    }
    if (version >= 1 && version <= 3) {
        check_resolved(r, pkg_file, p, l, version, "dependencies", &d);
        check_resolved(r, pkg_file, p, l, version, "devDependencies", &d);
    }
    if (d.n > 0)
        wh_audit_repo_finding(
            r, WH_REPO_DEPS, "deps/lock-out-of-sync", WH_TIER_BLOCK, lock_file, 1,
            wh_arena_sprintf(a,
                             "%s is out of sync with %s (%zu difference%s: %s%s): run npm install "
                             "and commit the lock, CI's npm ci refuses it",
                             lock_file, pkg_file, d.n, d.n == 1 ? "" : "s", d.b.ptr,
                             d.n > WH_AUDIT_DIFFS_SHOWN ? "; ..." : ""));
    else
        wh_audit_repo_note(r, WH_REPO_DEPS,
                           wh_arena_sprintf(a, "%s: %s in sync (lockfileVersion %d)", pkg_file,
                                            lock_file, version));
    wh_audit_diffs_fini(&d);
    json_decref(p);
    json_decref(l);
    return WH_OK;
}

static json_t *
load_quiet(struct wh_bytes text)
{
    json_t *root = json_loadb((const char *)text.ptr, text.len, JSON_REJECT_DUPLICATES, NULL);

    if (root != NULL && !json_is_object(root)) {
        json_decref(root);
        return NULL;
    }
    return root;
}

bool
wh_audit_deps_npm_has_deps(struct wh_bytes pkg)
{
    json_t *root = load_quiet(pkg);
    bool has = false;
    size_t i;

    for (i = 0; root != NULL && i < sizeof(npm_fields) / sizeof(npm_fields[0]); i++)
        has = has || json_object_size(json_object_get(root, npm_fields[i])) > 0;
    /* Not JSON: say it needs a lock; the sync check (with a lock) is where it is parsed. */
    has = has || root == NULL;
    json_decref(root);
    return has;
}

bool
wh_audit_deps_npm_has_workspaces(struct wh_bytes pkg)
{
    json_t *root = load_quiet(pkg);
    bool has = json_object_get(root, "workspaces") != NULL;

    json_decref(root);
    return has;
}

/* ---- pip ---- */

/* pip: a comment starts at "#" at the line start or after whitespace. */
static struct wh_str
pip_uncomment(struct wh_str s)
{
    size_t i;

    for (i = 0; i < s.len; i++)
        if (s.ptr[i] == '#' && (i == 0 || s.ptr[i - 1] == ' ' || s.ptr[i - 1] == '\t')) {
            s.len = i;
            break;
        }
    return wh_str_trim_blanks(s);
}

static bool
contains(struct wh_str s, const char *needle)
{
    size_t n = strlen(needle), i;

    for (i = 0; i + n <= s.len; i++)
        if (memcmp(s.ptr + i, needle, n) == 0)
            return true;
    return false;
}

struct req_state {
    struct wh_buf logical; /* the requirement across continuation lines */
    int start_line;
    size_t n, n_unhashed;
    int first_line;
    const char *first;
};

static void
req_finish(struct req_state *st, struct wh_arena *a)
{
    struct wh_str s = wh_str_trim_blanks((struct wh_str){st->logical.ptr, st->logical.len});
    bool option = s.len > 0 && s.ptr[0] == '-';
    bool editable = wh_str_has_prefix(s, "-e") || wh_str_has_prefix(s, "--editable");

    if (s.len > 0 && (!option || editable)) {
        st->n++;
        if (editable || !contains(s, "--hash")) {
            if (st->n_unhashed++ == 0) {
                size_t k = 0;
                while (k < s.len && k < 80 && s.ptr[k] != ' ')
                    k++;
                st->first = wh_arena_strndup(a, s.ptr, k);
                st->first_line = st->start_line;
            }
        }
    }
    wh_buf_reset(&st->logical);
}

enum wh_err
wh_audit_deps_requirements(struct wh_repo *r, const char *file, struct wh_bytes text,
                           bool *is_hashed, struct wh_error *err)
{
    struct wh_str_lines l = {text, 0, 0};
    struct req_state st = {.n = 0};
    struct wh_str line;
    bool cont = false;

    *is_hashed = false;
    if (memchr(text.ptr, '\0', text.len) != NULL)
        return wh_error_set(err, WH_E_INVALID, "1:1: a NUL byte: not a requirements file");
    wh_buf_init(&st.logical, WH_AUDIT_FILE_MAX + 1);
    while (wh_str_lines_next(&l, &line)) {
        struct wh_str s = pip_uncomment(line);
        bool more = s.len > 0 && s.ptr[s.len - 1] == '\\';
        if (!cont)
            st.start_line = l.line;
        wh_buf_append(&st.logical, s.ptr, more ? s.len - 1 : s.len);
        wh_buf_append_c(&st.logical, " ");
        cont = more;
        if (!cont)
            req_finish(&st, r->au->a);
    }
    req_finish(&st, r->au->a);
    wh_buf_fini(&st.logical);
    *is_hashed = st.n > 0 && st.n_unhashed == 0;
    if (st.n_unhashed > 0)
        wh_audit_repo_finding(
            r, WH_REPO_DEPS, "deps/lock-unhashed", WH_TIER_WARN, file, st.first_line,
            wh_arena_sprintf(r->au->a,
                             "%zu of %zu requirements have no --hash (first: %s): pin them with "
                             "hashes (pip-compile --generate-hashes, uv pip compile "
                             "--generate-hashes) so pip runs with --require-hashes",
                             st.n_unhashed, st.n, st.first));
    else if (st.n > 0)
        wh_audit_repo_note(
            r, WH_REPO_DEPS,
            wh_arena_sprintf(r->au->a, "%s: %zu requirements, every one hashed", file, st.n));
    return WH_OK;
}

bool
wh_audit_deps_pyproject_has_deps(struct wh_bytes text)
{
    struct wh_str_lines l = {text, 0, 0};
    struct wh_str line;

    while (wh_str_lines_next(&l, &line)) {
        struct wh_str s = wh_str_trim_blanks(line);
        if (wh_str_has_prefix(s, "[dependency-groups]") ||
            wh_str_has_prefix(s, "[project.optional-dependencies]") ||
            (wh_str_has_prefix(s, "[tool.poetry") && contains(s, "dependencies]")))
            return true;
        if (wh_str_has_prefix(s, "dependencies")) {
            s = wh_str_trim_blanks((struct wh_str){s.ptr + 12, s.len - 12});
            if (s.len > 0 && s.ptr[0] == '=')
                return true;
        }
    }
    return false;
}

/* ---- go ---- */

static struct wh_str
go_word(struct wh_str *s)
{
    struct wh_str w = {s->ptr, 0};

    while (w.len < s->len && s->ptr[w.len] != ' ' && s->ptr[w.len] != '\t')
        w.len++;
    *s = wh_str_trim_blanks((struct wh_str){s->ptr + w.len, s->len - w.len});
    return w;
}

static struct wh_str
go_uncomment(struct wh_str s)
{
    size_t i;

    for (i = 0; i + 1 < s.len; i++)
        if (s.ptr[i] == '/' && s.ptr[i + 1] == '/') {
            s.len = i;
            break;
        }
    return wh_str_trim_blanks(s);
}

/* Does go.sum hold "mod ver " or "mod ver/go.mod " at a line start? */
static bool
sum_has(struct wh_bytes sum, struct wh_str mod, struct wh_str ver)
{
    struct wh_str_lines l = {sum, 0, 0};
    struct wh_str line, m, v;

    while (wh_str_lines_next(&l, &line)) {
        line = wh_str_trim_blanks(line);
        m = go_word(&line);
        v = go_word(&line);
        if (wh_str_eq(m, mod) && v.len >= ver.len && memcmp(v.ptr, ver.ptr, ver.len) == 0 &&
            (v.len == ver.len ||
             wh_str_eq_c((struct wh_str){v.ptr + ver.len, v.len - ver.len}, "/go.mod")))
            return true;
    }
    return false;
}

/* The next `require` entry (single or block form) of go.mod: its line, module and version. */
static bool
next_require(struct wh_str_lines *l, bool *in_block, struct wh_str *line, struct wh_str *rest)
{
    struct wh_str s;

    while (wh_str_lines_next(l, line)) {
        s = go_uncomment(*line);
        if (*in_block && wh_str_eq_c(s, ")")) {
            *in_block = false;
            continue;
        }
        if (!*in_block) {
            if (!wh_str_eq_c(go_word(&s), "require"))
                continue;
            if (wh_str_eq_c(s, "(")) {
                *in_block = true;
                continue;
            }
        }
        if (s.len > 0) {
            *rest = s;
            return true;
        }
    }
    return false;
}

static void
gomod_report(struct wh_repo *r, const char *mod_file, const char *sum_file, bool has_sum,
             size_t n_req, int first_line, const struct wh_audit_diffs *d)
{
    if (n_req > 0 && !has_sum)
        wh_audit_repo_finding(r, WH_REPO_DEPS, "deps/no-lockfile", WH_TIER_BLOCK, mod_file,
                              first_line,
                              wh_arena_sprintf(r->au->a,
                                               "%s requires %zu module%s but there is no go.sum "
                                               "beside it: run go mod tidy and commit go.sum",
                                               mod_file, n_req, n_req == 1 ? "" : "s"));
    else if (d->n > 0)
        wh_audit_repo_finding(
            r, WH_REPO_DEPS, "deps/lock-out-of-sync", WH_TIER_BLOCK, sum_file, 1,
            wh_arena_sprintf(r->au->a,
                             "%s has no checksum for %zu of the %zu modules %s requires (%s%s): "
                             "run go mod tidy and commit go.sum",
                             sum_file, d->n, n_req, mod_file, d->b.ptr,
                             d->n > WH_AUDIT_DIFFS_SHOWN ? "; ..." : ""));
    else if (n_req > 0)
        wh_audit_repo_note(
            r, WH_REPO_DEPS,
            wh_arena_sprintf(r->au->a, "%s: %zu requires, each in %s", mod_file, n_req, sum_file));
}

enum wh_err
wh_audit_deps_gomod(struct wh_repo *r, const char *mod_file, struct wh_bytes mod,
                    const char *sum_file, struct wh_bytes sum, struct wh_error *err)
{
    struct wh_str_lines l = {mod, 0, 0};
    struct wh_str line, s, m, v;
    struct wh_audit_diffs d;
    bool in_block = false;
    size_t n_req = 0;
    int first_line = 0;

    wh_audit_diffs_init(&d);
    while (next_require(&l, &in_block, &line, &s)) {
        m = go_word(&s);
        v = go_word(&s);
        if (v.len == 0 || v.ptr[0] != 'v') {
            wh_audit_diffs_fini(&d);
            return wh_error_set(err, WH_E_INVALID, "%d:%d: require %.*s has no version", l.line,
                                (int)(m.ptr - line.ptr) + 1, (int)(m.len > 200 ? 200 : m.len),
                                m.ptr);
        }
        if (n_req++ == 0)
            first_line = l.line;
        if (sum.ptr != NULL && !sum_has(sum, m, v))
            wh_audit_diffs_add(&d, wh_arena_sprintf(r->au->a, "%.*s %.*s",
                                                    (int)(m.len > 200 ? 200 : m.len), m.ptr,
                                                    (int)(v.len > 100 ? 100 : v.len), v.ptr));
        else if (sum.ptr != NULL)
            wh_audit_repo_dep(r, mod_file,
                              wh_arena_strndup(r->au->a, m.ptr, m.len > 200 ? 200 : m.len),
                              wh_arena_strndup(r->au->a, v.ptr, v.len > 100 ? 100 : v.len));
    }
    gomod_report(r, mod_file, sum_file, sum.ptr != NULL, n_req, first_line, &d);
    wh_audit_diffs_fini(&d);
    return WH_OK;
}

/* ---- update bots ---- */

struct manager {
    const char *name;
    enum wh_repo_eco eco;
};

/* Renovate's managers for each ecosystem (docs.renovatebot.com/modules/manager). */
static const struct manager renovate_managers[] = {
    {"npm", WH_ECO_NPM},
    {"pip_requirements", WH_ECO_PIP},
    {"pip-compile", WH_ECO_PIP},
    {"pep621", WH_ECO_PIP},
    {"pep723", WH_ECO_PIP},
    {"poetry", WH_ECO_PIP},
    {"pipenv", WH_ECO_PIP},
    {"cargo", WH_ECO_CARGO},
    {"gomod", WH_ECO_GOMOD},
    {"github-actions", WH_ECO_GITHUB_ACTIONS},
    {"dockerfile", WH_ECO_DOCKER},
    {"docker-compose", WH_ECO_DOCKER},
    {"devcontainer", WH_ECO_DEVCONTAINERS},
};

static unsigned
managers_mask(json_t *list)
{
    unsigned m = 0;
    size_t i, k;
    json_t *v;

    json_array_foreach(list, i, v)
    {
        for (k = 0; k < sizeof(renovate_managers) / sizeof(renovate_managers[0]); k++)
            if (json_is_string(v) && strcmp(json_string_value(v), renovate_managers[k].name) == 0)
                m |= 1u << renovate_managers[k].eco;
    }
    return m;
}

#define DIGEST_ECOS ((1u << WH_ECO_GITHUB_ACTIONS) | (1u << WH_ECO_DOCKER))

static bool
has_match_keys(json_t *rule)
{
    const char *key;
    json_t *v;

    json_object_foreach(rule, key, v)
    {
        if (strncmp(key, "match", 5) == 0 || strncmp(key, "exclude", 7) == 0)
            return true;
    }
    return false;
}

/* A packageRule with pinDigests: true, for the managers (or docker datasource) it matches. */
static unsigned
rule_pins(json_t *rule)
{
    unsigned m;
    json_t *ds = json_object_get(rule, "matchDatasources"), *v;
    size_t i;

    if (!json_is_true(json_object_get(rule, "pinDigests")))
        return 0;
    if (!has_match_keys(rule))
        return DIGEST_ECOS;
    m = managers_mask(json_object_get(rule, "matchManagers"));
    json_array_foreach(ds, i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), "docker") == 0)
            m |= 1u << WH_ECO_DOCKER;
        if (json_is_string(v) && (strcmp(json_string_value(v), "github-tags") == 0 ||
                                  strcmp(json_string_value(v), "github-digest") == 0))
            m |= 1u << WH_ECO_GITHUB_ACTIONS;
    }
    return m & DIGEST_ECOS;
}

/* Renovate's own presets are "name:preset"; anything else (github>, local>, npm packages) is
 * fetched at run time and not read here. */
static bool
is_builtin_preset(const char *s)
{
    static const char *const ns[] = {
        "config:",   "helpers:",     "docker:",   "default:",      "group:",
        "schedule:", "workarounds:", "security:", "replacements:", "monorepo:",
        "packages:", "preview:",     ":"};
    size_t i;

    for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
        if (strncmp(s, ns[i], strlen(ns[i])) == 0)
            return true;
    return false;
}

static unsigned
extends_pins(json_t *extends, struct wh_arena *a, const char **presets)
{
    unsigned m = 0;
    size_t i;
    json_t *v;

    json_array_foreach(extends, i, v)
    {
        const char *s = json_string_value(v);
        if (s == NULL)
            continue;
        if (strcmp(s, "config:best-practices") == 0)
            m |= DIGEST_ECOS;
        else if (strcmp(s, "helpers:pinGitHubActionDigests") == 0 ||
                 strcmp(s, "helpers:pinGitHubActionDigestsToSemver") == 0)
            m |= 1u << WH_ECO_GITHUB_ACTIONS;
        else if (strcmp(s, "docker:pinDigests") == 0)
            m |= 1u << WH_ECO_DOCKER;
        else if (!is_builtin_preset(s))
            *presets = *presets == NULL ? wh_arena_sprintf(a, "%.200s", s)
                                        : wh_arena_sprintf(a, "%s, %.200s", *presets, s);
    }
    return m;
}

enum wh_err
wh_audit_deps_renovate(struct wh_bytes text, struct wh_arena *a, struct wh_audit_bot *out,
                       struct wh_error *err)
{
    json_t *root, *rules, *v, *managers;
    enum wh_err rc = wh_audit_deps_json(text, true, a, &root, err);
    size_t i;

    memset(out, 0, sizeof(*out));
    if (rc != WH_OK)
        return rc;
    if (json_is_false(json_object_get(root, "enabled"))) {
        json_decref(root);
        return WH_OK;
    }
    managers = json_object_get(root, "enabledManagers");
    out->covered = json_is_array(managers) ? managers_mask(managers) : (1u << WH_ECO_COUNT) - 1;
    if (json_is_true(json_object_get(root, "pinDigests")))
        out->pins_digests |= DIGEST_ECOS;
    out->pins_digests |= extends_pins(json_object_get(root, "extends"), a, &out->presets);
    rules = json_object_get(root, "packageRules");
    json_array_foreach(rules, i, v)
    {
        out->pins_digests |= rule_pins(v);
    }
    out->pins_digests &= out->covered;
    json_decref(root);
    return WH_OK;
}

static const struct manager dependabot_ecosystems[] = {
    {"npm", WH_ECO_NPM},
    {"pip", WH_ECO_PIP},
    {"uv", WH_ECO_PIP},
    {"cargo", WH_ECO_CARGO},
    {"gomod", WH_ECO_GOMOD},
    {"github-actions", WH_ECO_GITHUB_ACTIONS},
    {"docker", WH_ECO_DOCKER},
    {"docker-compose", WH_ECO_DOCKER},
    {"devcontainers", WH_ECO_DEVCONTAINERS},
};

enum wh_err
wh_audit_deps_dependabot(struct wh_bytes text, struct wh_arena *a, struct wh_audit_bot *out,
                         struct wh_error *err)
{
    struct wh_yaml_node *root;
    const struct wh_yaml_node *updates;
    enum wh_err rc = wh_audit_yaml_parse(text, a, &root, err);
    size_t i, k;

    memset(out, 0, sizeof(*out));
    if (rc != WH_OK)
        return rc;
    updates = wh_yaml_tree_get(root, "updates");
    if (updates == NULL || updates->kind != WH_YAML_SEQ)
        return wh_error_set(err, WH_E_INVALID, "%d:%d: no updates: list", root->line, root->col);
    for (i = 0; i < updates->n; i++) {
        const char *eco = wh_yaml_tree_str(wh_yaml_tree_get(updates->kids[i], "package-ecosystem"));
        if (eco == NULL)
            return wh_error_set(err, WH_E_INVALID, "%d:%d: an update without package-ecosystem",
                                updates->kids[i]->line, updates->kids[i]->col);
        for (k = 0; k < sizeof(dependabot_ecosystems) / sizeof(dependabot_ecosystems[0]); k++)
            if (strcmp(eco, dependabot_ecosystems[k].name) == 0)
                out->covered |= 1u << dependabot_ecosystems[k].eco;
    }
    /* Dependabot bumps a SHA-pinned action to a SHA and a digest-pinned image to a digest. */
    out->pins_digests = out->covered & DIGEST_ECOS;
    return WH_OK;
}
