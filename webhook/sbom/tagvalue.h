#ifndef WH_SBOM_TAGVALUE_H
#define WH_SBOM_TAGVALUE_H

#include <stdbool.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/limits.h"
#include "base/str.h"
#include "sbom/sbom.h"

/*
 * True when `doc` is SPDX tag-value text: after an optional UTF-8 BOM and whitespace it does not
 * start with '{', and its first line that is neither blank nor a '#' comment starts with
 * "SPDXVersion:". Pure; looks at most at the comment lines before that line.
 */
bool wh_sbom_tagvalue_detect(struct wh_bytes doc);

/*
 * Parses SPDX 2.2/2.3 tag-value text (the `.spdx` format of syft -o spdx and trivy --format spdx)
 * into the normalised component list, with the rules wh_sbom_parse (normalize.h) applies to SPDX
 * JSON: one package per PackageName: block, the purl from its first "ExternalRef:
 * PACKAGE-MANAGER purl <purl>" (2.2: PACKAGE_MANAGER), the version from PackageVersion (else the
 * purl's), the package a "Relationship: SPDXRef-DOCUMENT DESCRIBES <id>" (or "<id> DESCRIBED_BY
 * SPDXRef-DOCUMENT") names skipped when it is the scanned source (no purl, an oci/docker purl, or
 * PrimaryPackagePurpose CONTAINER or FILE), same key and sort order. `<text>...</text>` values may
 * span lines and are read as values, never as tags; '#' lines and blank lines are skipped; lines
 * may end in CRLF. Malformed text is WH_E_INVALID "SPDX tag-value line N: ..."; more than
 * lim->sbom_bytes bytes or lim->sbom_components components is WH_E_LIMIT. out->format is
 * WH_SBOM_SPDX. Strings live in `a`; *out is valid only on WH_OK.
 */
WH_MUST_CHECK enum wh_err wh_sbom_tagvalue_parse(struct wh_bytes text, const struct wh_limits *lim,
                                                 struct wh_arena *a, struct wh_sbom *out,
                                                 struct wh_error *err);

#endif
