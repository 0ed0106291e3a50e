#ifndef WH_AUDIT_REPO_H
#define WH_AUDIT_REPO_H

#include <stdbool.h>
#include <stddef.h>

#include "audit/audit.h"
#include "policy/policy.h"
#include "sbom/sbom.h"

/*
 * `driftgate audit repo`: seed 002's drift report, one section per layer. The offline layers are
 * computed here from the repository's files (toolchain pins, manifests and lockfiles,
 * Renovate/Dependabot configuration; the pipeline layer is the `audit pins` list in `au`); the
 * registry layers (the dev container image, its SBOM for the toolchain comparison, the running
 * images) are filled in by the CLI, which marks a layer it could not evaluate as such: a layer
 * is never "clean" unless it was evaluated. Every input is untrusted and capped like `audit pins`.
 */
enum wh_repo_layer {
    WH_REPO_DEV,
    WH_REPO_TOOLCHAIN,
    WH_REPO_PIPELINE,
    WH_REPO_DEPS,
    WH_REPO_RUNTIME,
    WH_REPO_LAYER_COUNT
};

/* Ecosystems found in the repository (bits), as Dependabot names them. */
enum wh_repo_eco {
    WH_ECO_NPM,
    WH_ECO_PIP,
    WH_ECO_CARGO,
    WH_ECO_GOMOD,
    WH_ECO_GITHUB_ACTIONS,
    WH_ECO_DOCKER,
    WH_ECO_DEVCONTAINERS,
    WH_ECO_COUNT
};

struct wh_repo_finding {
    enum wh_repo_layer layer;
    const char *rule; /* "deps/no-lockfile", ... */
    enum wh_tier tier;
    const char *file; /* repository-relative, or NULL (an image) */
    int line, col;    /* 0 without a position */
    const char *msg;
};

/* A language or tool version the repository pins. */
struct wh_repo_tool {
    const char *tool;    /* as written: "nodejs", "python", "go", "rust" */
    const char *version; /* as written, a leading "v" or "go" dropped */
    const char *file;
    int line;
};

/* A dependency a manifest declares and its lock resolves (the report's "dependencies"). */
struct wh_repo_dep {
    const char *manifest, *name, *version;
};

struct wh_repo_layer_state {
    bool evaluated;
    const char *not_evaluated; /* why not, when !evaluated */
    const char **notes; /* what was looked at ("node 20.11.1 in .nvmrc: dev image 20.11.1") */
    size_t n_notes, cap_notes;
};

struct wh_repo {
    struct wh_audit *au; /* the pins audit of the same walk; its arena holds everything */
    const char **files;  /* repository files this audit reads, sorted after the walk */
    size_t n_files, cap_files;
    unsigned ecosystems; /* 1u << enum wh_repo_eco */
    struct wh_repo_finding *findings;
    size_t n_findings, cap_findings;
    struct wh_repo_tool *tools;
    size_t n_tools, cap_tools;
    struct wh_repo_layer_state layers[WH_REPO_LAYER_COUNT];
    struct wh_repo_dep *deps;
    size_t n_deps, cap_deps;
    const char *dev_image;      /* the first devcontainer.json `image`, or NULL */
    const char *dev_image_file; /* where it was named */
};

#define WH_REPO_MAX_FINDINGS 10000
#define WH_REPO_MAX_TOOLS 256
#define WH_REPO_MAX_DEPS 100000

void wh_audit_repo_init(struct wh_repo *r, struct wh_audit *au);
/* Is `path` (repository-relative) a file `audit repo` reads? Sets the ecosystem bit it shows. */
bool wh_audit_repo_wants(struct wh_repo *r, const char *path);
/* The layer a file belongs to (for its errors): toolchain pins, manifests/locks/bot configs
 * (dependencies), or anything else the pin audit reads (pipeline). */
enum wh_repo_layer wh_audit_repo_file_layer(const char *path);
/* Records a file wh_audit_repo_wants accepted (walk.c). */
void wh_audit_repo_add_file(struct wh_repo *r, const char *path);
void wh_audit_repo_finding(struct wh_repo *r, enum wh_repo_layer layer, const char *rule,
                           enum wh_tier tier, const char *file, int line, const char *msg);
/* Records a locked dependency (copied; past WH_REPO_MAX_DEPS the list is cut, the audit goes
 * on). */
void wh_audit_repo_dep(struct wh_repo *r, const char *manifest, const char *name,
                       const char *version);
void wh_audit_repo_note(struct wh_repo *r, enum wh_repo_layer layer, const char *note);
void wh_audit_repo_not_evaluated(struct wh_repo *r, enum wh_repo_layer layer, const char *why);

/*
 * The offline layers: reads every recorded file under `root` (capped, regular files only) and
 * fills the toolchain pins, the dependencies layer and the pipeline layer's state. A file that
 * cannot be read or parsed is an error in r->au (the audit fails).
 */
void wh_audit_repo_offline(struct wh_repo *r, const char *root);

/*
 * Compares the toolchain pins with `sbom`, the dev image's verified SBOM (`image` names it in
 * messages): a pin the SBOM holds at another version blocks, one it does not hold warns. Pure.
 */
void wh_audit_repo_toolchain_compare(struct wh_repo *r, const struct wh_sbom *sbom,
                                     const char *image);

/* Does SBOM version `found` satisfy the pinned `want` ("20" satisfies "20.11.1", "v20.11.1" and
 * "go1.21.5" spell "20.11.1" and "1.21.5")? */
bool wh_audit_repo_version_matches(const char *want, const char *found);

/*
 * The policy's spec.audit tiers (none: every finding keeps its built-in tier): the first rule
 * whose rules: globs match the finding's rule and whose files: globs (if any) match its file
 * sets the tier and is named in the message; ignore drops the finding into a note of its
 * layer. Pure; run once, after every layer has reported.
 */
void wh_audit_repo_apply_tiers(struct wh_repo *r, const struct wh_policy *p);

/* Findings per tier. */
void wh_audit_repo_count(const struct wh_repo *r, size_t *block, size_t *warn);

const char *wh_audit_repo_layer_name(enum wh_repo_layer l);
const char *wh_audit_repo_eco_name(enum wh_repo_eco e);

#endif
