#ifndef WH_AUDIT_DEPS_H
#define WH_AUDIT_DEPS_H

#include <jansson.h>
#include <stdbool.h>

#include "audit/repo.h"
#include "base/str.h"

/*
 * The dependencies layer's parsers, pure over file bytes (repo.c reads the files and decides
 * which lock belongs to which manifest). Each adds findings to `r` (layer WH_REPO_DEPS) and fails
 * only on a file it cannot read as its format: WH_E_INVALID "line:col: message".
 */

/* The differences one deps/lock-out-of-sync finding lists: all counted in `n`, the first
 * WH_AUDIT_DIFFS_SHOWN spelled out in `b` ("; "-joined); `fix` the names the fix command takes
 * (" "-joined after their prefix, counted in `n_fix`, as many shown). _init allocates both
 * buffers, _fini frees them. */
#define WH_AUDIT_DIFFS_SHOWN 5
struct wh_audit_diffs {
    struct wh_buf b, fix;
    size_t n, n_fix;
};
void wh_audit_diffs_init(struct wh_audit_diffs *d);
void wh_audit_diffs_fini(struct wh_audit_diffs *d);
void wh_audit_diffs_add(struct wh_audit_diffs *d, const char *text);
void wh_audit_diffs_fix(struct wh_audit_diffs *d, const char *prefix, const char *name);

/* pkg[field] against lock[field] (a lock's record of a package.json, both JSON objects or
 * absent): the same names with the same specs both ways, each difference added to `d`. */
void wh_audit_deps_json_field(json_t *pkg, json_t *lock, const char *field,
                              struct wh_audit_diffs *d, struct wh_arena *a);

/* `text` as a JSON object (JSONC, comments and trailing commas, when `jsonc`) into *out (the
 * caller's reference): WH_E_INVALID "line:col: message" for anything else. */
WH_MUST_CHECK enum wh_err wh_audit_deps_json(struct wh_bytes text, bool jsonc, struct wh_arena *a,
                                             json_t **out, struct wh_error *err);

/* package.json against package-lock.json / npm-shrinkwrap.json: the lock's root package must list
 * the same dependencies, devDependencies, optionalDependencies and peerDependencies with the same
 * specs, and (lockfileVersion >= 2) every dependency and devDependency must have its
 * node_modules/<name> entry; lockfileVersion 1 locks by name. Out of sync blocks. On an error
 * *bad_file says which of the two files it is in. */
WH_MUST_CHECK enum wh_err wh_audit_deps_npm(struct wh_repo *r, const char *pkg_file,
                                            struct wh_bytes pkg, const char *lock_file,
                                            struct wh_bytes lock, const char **bad_file,
                                            struct wh_error *err);

/* Does package.json list any dependencies (of the four kinds above)? Does it declare
 * "workspaces"? false for what is not a JSON object. */
bool wh_audit_deps_npm_has_deps(struct wh_bytes pkg);
bool wh_audit_deps_npm_has_workspaces(struct wh_bytes pkg);

/* A requirements file: every requirement needs --hash= (pip --require-hashes); an unhashed or
 * editable one warns. *is_hashed: every requirement is hashed (and there is at least one). */
WH_MUST_CHECK enum wh_err wh_audit_deps_requirements(struct wh_repo *r, const char *file,
                                                     struct wh_bytes text, bool *is_hashed,
                                                     struct wh_error *err);

/* Does pyproject.toml declare dependencies ([project] dependencies, optional-dependencies,
 * [dependency-groups], [tool.poetry.*dependencies])? */
bool wh_audit_deps_pyproject_has_deps(struct wh_bytes text);

/* go.mod's requires (single and block form) must each have a go.sum line ("mod ver " or
 * "mod ver/go.mod "); `sum` with ptr NULL: there is no go.sum (blocks when anything is required).
 */
WH_MUST_CHECK enum wh_err wh_audit_deps_gomod(struct wh_repo *r, const char *mod_file,
                                              struct wh_bytes mod, const char *sum_file,
                                              struct wh_bytes sum, struct wh_error *err);

/* Cargo.toml against Cargo.lock: every dependency of [dependencies], [dev-dependencies],
 * [build-dependencies] (also under target.* and workspace., inline, table and dotted forms)
 * must be a locked [[package]] (by its `package =` name) whose version satisfies the
 * requirement (caret, tilde, =, <, <=, >, >=, wildcards, comma-joined; other forms: present is
 * enough), and a registry package needs its checksum (or a lock v1 [metadata] checksum). */
WH_MUST_CHECK enum wh_err wh_audit_deps_cargo(struct wh_repo *r, const char *manifest_file,
                                              struct wh_bytes manifest, const char *lock_file,
                                              struct wh_bytes lock, const char **bad_file,
                                              struct wh_error *err);

/* package.json against yarn.lock (v1 and berry): every dependency, devDependency and
 * optionalDependency has an entry for "name@spec" (berry: "name@npm:spec" unless the spec
 * names a protocol). */
WH_MUST_CHECK enum wh_err wh_audit_deps_yarn(struct wh_repo *r, const char *pkg_file,
                                             struct wh_bytes pkg, const char *lock_file,
                                             struct wh_bytes lock, const char **bad_file,
                                             struct wh_error *err);

/* package.json against pnpm-lock.yaml's importer `importer` (the package's directory relative
 * to the lock's, "." beside it): the same names with the same specifiers both ways. *found:
 * the lock has that importer (nothing is reported otherwise). */
WH_MUST_CHECK enum wh_err wh_audit_deps_pnpm(struct wh_repo *r, const char *pkg_file,
                                             struct wh_bytes pkg, const char *importer,
                                             const char *lock_file, struct wh_bytes lock,
                                             const char **bad_file, bool *found,
                                             struct wh_error *err);

/* package.json against bun.lock (JSONC, lockfileVersion 0 or 1) workspaces[importer] (the
 * package's directory relative to the lock's, "." beside it, the key "" in the lock): the same
 * dependencies, devDependencies, optionalDependencies and peerDependencies with the same specs
 * both ways, and each dependency and devDependency resolved under "packages" ("name@version").
 * *found: the lock has that workspace (nothing is reported otherwise). */
WH_MUST_CHECK enum wh_err wh_audit_deps_bun(struct wh_repo *r, const char *pkg_file,
                                            struct wh_bytes pkg, const char *importer,
                                            const char *lock_file, struct wh_bytes lock,
                                            const char **bad_file, bool *found,
                                            struct wh_error *err);

/* pyproject.toml against poetry.lock, uv.lock, pdm.lock or pylock.toml: every name of
 * [project] dependencies, optional-dependencies, [dependency-groups] and
 * [tool.poetry.*dependencies] (PEP 503 normalised) is a locked package. */
WH_MUST_CHECK enum wh_err wh_audit_deps_pylock(struct wh_repo *r, const char *manifest_file,
                                               struct wh_bytes manifest, const char *lock_file,
                                               struct wh_bytes lock, const char **bad_file,
                                               struct wh_error *err);

/* Which ecosystems (1u << enum wh_repo_eco) an update bot's configuration covers, and for which
 * it pins digests (Renovate: config:best-practices, helpers:pinGitHubActionDigests[ToSemver],
 * docker:pinDigests, pinDigests: true globally or in a packageRule for the manager; Dependabot
 * keeps SHA and digest pins as written, so it counts for every ecosystem it covers). `presets`
 * gets the extends entries that are not built-in (not read offline), comma-separated, or NULL. */
struct wh_audit_bot {
    unsigned covered, pins_digests;
    const char *presets;
};
WH_MUST_CHECK enum wh_err wh_audit_deps_renovate(struct wh_bytes text, struct wh_arena *a,
                                                 struct wh_audit_bot *out, struct wh_error *err);
WH_MUST_CHECK enum wh_err wh_audit_deps_dependabot(struct wh_bytes text, struct wh_arena *a,
                                                   struct wh_audit_bot *out, struct wh_error *err);

#endif
