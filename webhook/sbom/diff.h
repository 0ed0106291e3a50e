#ifndef WH_SBOM_DIFF_H
#define WH_SBOM_DIFF_H

#include "base/arena.h"
#include "base/error.h"
#include "sbom/sbom.h"

/*
 * Compares two normalised SBOMs (as wh_sbom_parse returns them: sorted by key, then version) in
 * one merge walk. One finding per key that differs, sorted by key:
 *   - DEV_ONLY / PROD_ONLY: the key is in one SBOM only (its highest version is reported), or
 *     in both but only one side has versions the other lacks (a package installed at several
 *     versions: the highest such version is reported);
 *   - VERSION: the key is in both and each side has versions the other lacks; the finding
 *     compares the highest of those on each side, with the drift size (wh_sbom_version_drift).
 *     Versions that are equivalent though spelt differently ("1.0" / "1.0.0") count as the same;
 *     one version in two builds ("2.1.0+cpu" / "2.1.0+cu121") is drift of size BUILD.
 * Keys are identities (sbom/purl.h), so "pkg:pypi/pyOpenSSL" in one SBOM and "pkg:pypi/pyopenssl"
 * in the other are one package.
 * Keys whose version sets are equal count in n_same. WH_E_INTERNAL if an input is not
 * sorted. Findings and strings borrow from the inputs or live in `a`; *out valid only on WH_OK.
 */
WH_MUST_CHECK enum wh_err wh_sbom_diff(const struct wh_sbom *prod, const struct wh_sbom *dev,
                                       struct wh_arena *a, struct wh_sbom_diff *out,
                                       struct wh_error *err);

/* "dev-only", "prod-only", "version". */
const char *wh_sbom_drift_kind_name(enum wh_drift_kind kind);
/* "none", "patch", "minor", "major", "other", "build". */
const char *wh_sbom_drift_size_name(enum wh_drift_size size);

#endif
