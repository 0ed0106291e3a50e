#ifndef WH_SBOM_SBOM_H
#define WH_SBOM_SBOM_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/limits.h"
#include "base/str.h"

/*
 * Normalised SBOM: components keyed by their identity (sbom/purl.h: purl type + namespace + name,
 * folded as the type's ecosystem folds them; the name alone when there is no purl), sorted by key,
 * versions kept as written. Strings live in the arena.
 */
enum wh_sbom_format { WH_SBOM_CYCLONEDX, WH_SBOM_SPDX };

struct wh_sbom_component {
    const char *key; /* "deb//libssl3", "pypi//pyopenssl", "npm/@types/node", or the bare name */
    const char *purl_type; /* "deb", "npm", "pypi", ... or "" when there is no purl */
    const char *name;      /* shown: the SBOM's name when it spells the identity ("PyYAML"),
                              else the ident (a purl-less name is both) */
    const char *version;   /* "" when absent */
    const char *ident;     /* the name policy rules match: the purl's, folded ("pyopenssl",
                              "@types/node"); the bare name without purl */
};

struct wh_sbom {
    enum wh_sbom_format format;
    struct wh_sbom_component *components;
    size_t n_components;
};

enum wh_drift_kind { WH_DRIFT_DEV_ONLY, WH_DRIFT_PROD_ONLY, WH_DRIFT_VERSION };
/* How far two versions of one package are apart; OTHER when they do not parse as
 * major.minor.patch-like (the policy treats OTHER as major: fail closed); BUILD when they order
 * equal but their build metadata differs ("2.1.0+cpu" / "2.1.0+cu121": another build). */
enum wh_drift_size {
    WH_DRIFT_SIZE_NONE,
    WH_DRIFT_PATCH,
    WH_DRIFT_MINOR,
    WH_DRIFT_MAJOR,
    WH_DRIFT_OTHER,
    WH_DRIFT_BUILD
};

struct wh_sbom_finding {
    enum wh_drift_kind kind;
    enum wh_drift_size size; /* NONE unless kind == WH_DRIFT_VERSION */
    const char *key;
    const char *purl_type;
    const char *name;
    const char *dev_version;  /* NULL for prod-only */
    const char *prod_version; /* NULL for dev-only */
    const char *ident;        /* the component's ident; NULL: rules match `name` */
};

struct wh_sbom_diff {
    struct wh_sbom_finding *findings; /* sorted by key */
    size_t n_findings;
    size_t n_dev_only, n_prod_only, n_version, n_same;
};

#endif
