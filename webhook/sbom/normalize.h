#ifndef WH_SBOM_NORMALIZE_H
#define WH_SBOM_NORMALIZE_H

#include "base/arena.h"
#include "base/error.h"
#include "base/limits.h"
#include "base/str.h"
#include "sbom/sbom.h"

/*
 * Parses one SBOM document (the attestation's predicate, not an in-toto statement) into the
 * normalised component list of sbom.h. The format is detected from the document:
 *   - CycloneDX JSON: "bomFormat": "CycloneDX", "specVersion" "1.4" | "1.5" | "1.6";
 *     components[] walked depth-first including nested components[]. metadata.component (the
 *     scanned image or directory itself) and components of type "file" are not packages and are
 *     skipped.
 *   - SPDX JSON: "spdxVersion" "SPDX-2.2" | "SPDX-2.3"; packages[] with the purl taken from
 *     externalRefs (referenceCategory PACKAGE_MANAGER or PACKAGE-MANAGER, referenceType purl) and
 *     the version from versionInfo. A package the document DESCRIBES (documentDescribes or a
 *     SPDXRef-DOCUMENT DESCRIBES relationship) is the scanned source itself (syft: the image with
 *     purpose CONTAINER, or the go.mod FILE), the SPDX twin of CycloneDX's metadata.component, and
 *     is skipped: it would otherwise show up as drift whenever prod and dev are different images.
 *   - SPDX 2.2/2.3 tag-value text (syft -o spdx, trivy --format spdx): first non-comment line
 *     `SPDXVersion:`; the same rules as SPDX JSON, errors naming the line (sbom/tagvalue.h).
 *   - A JSON string holding either of the above: cosign `attest --type spdx` puts the file's
 *     text in the predicate as one string.
 * Key: the package's identity, wh_sbom_purl_parse's key (lowercase purl type "/" namespace "/"
 * name, percent-decoded and folded by the type's rules), or the SBOM's name when the component
 * has no purl; ident likewise. Components are sorted by key, then version (bytewise); duplicate
 * keys are all kept. Bounded by lim->sbom_bytes and lim->sbom_components (WH_E_LIMIT) and
 * lim->json_depth (WH_E_LIMIT); anything malformed is WH_E_INVALID naming the field.
 * Strings live in `a`. *out is valid only on WH_OK.
 */
WH_MUST_CHECK enum wh_err wh_sbom_parse(struct wh_bytes json, const struct wh_limits *lim,
                                        struct wh_arena *a, struct wh_sbom *out,
                                        struct wh_error *err);

/* True when `doc`, after whitespace, is a JSON string: cosign's `--type spdx` predicate. */
bool wh_sbom_string_predicate_detect(struct wh_bytes doc);

/*
 * `cosign attest --type spdx` puts the predicate file into the in-toto statement as one JSON string
 * (whatever the file holds). Decodes that string (a JSON document holding only one string, bounded
 * by lim->sbom_bytes and lim->json_depth) and parses what it holds: SPDX tag-value text with
 * wh_sbom_tagvalue_parse, or an SBOM JSON document with wh_sbom_parse. Anything else is
 * WH_E_INVALID. Strings live in `a`; *out is valid only on WH_OK.
 */
WH_MUST_CHECK enum wh_err wh_sbom_string_predicate_parse(struct wh_bytes doc,
                                                         const struct wh_limits *lim,
                                                         struct wh_arena *a, struct wh_sbom *out,
                                                         struct wh_error *err);

#endif
