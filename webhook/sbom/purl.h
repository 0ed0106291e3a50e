#ifndef WH_SBOM_PURL_H
#define WH_SBOM_PURL_H

#include <stdbool.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/str.h"

/*
 * Package URLs (purl-spec) and package identity: which spellings name one package. Two SBOMs (or
 * two tools) may spell one package differently ("pkg:pypi/pyOpenSSL", "pkg:pypi/pyopenssl";
 * "pkg:deb/debian/LibSSL3", "pkg:deb/ubuntu/libssl3"); the identity is what the ecosystem itself
 * resolves them to, so diff.c pairs them and policy rules see one name. Per purl type, following
 * the ecosystem and purl-spec's types/<type>-definition.json (policy/README.md has the table):
 *   - pypi: no namespace; name per PEP 503 (runs of '-', '_', '.' become one '-', lowercase);
 *   - deb, apk, alpm: the namespace is the distro vendor, not part of the name: dropped; name
 *     lowercase. rpm: vendor dropped; name kept as written (RPM names are case-sensitive);
 *   - npm: scope and name lowercase; composer, github, bitbucket, hex, luarocks: namespace and
 *     name lowercase; nuget, oci, pub, bitnami: no namespace, name lowercase;
 *   - cargo, gem, conda, cocoapods, cran: no namespace, name kept; golang, maven, generic, swift
 *     and every other type: namespace and name kept as written.
 */
struct wh_sbom_purl {
    const char *key;     /* type "/" namespace "/" name: "deb//libssl3", "npm/@types/node" */
    const char *type;    /* lowercase and canonical: "deb", "pypi"; "alpine" (syft before 2023)
                            is "apk" */
    const char *ident;   /* the package's name rules match: the folded name, with the namespace
                            where it is part of the name (npm "@types/node", golang module paths,
                            composer "vendor/package") */
    const char *version; /* percent-decoded; "" when absent */
};

/*
 * Splits a package URL ("pkg:type/namespace/name@version?qualifiers#subpath") into its identity,
 * type and version; qualifiers and subpath are not part of the identity. Segments are
 * percent-decoded, then folded by the type's rules above. WH_E_INVALID naming the fault when it is
 * not a purl. Strings live in `a`; *out valid only on WH_OK.
 */
WH_MUST_CHECK enum wh_err wh_sbom_purl_parse(struct wh_str purl, struct wh_arena *a,
                                             struct wh_sbom_purl *out, struct wh_error *err);

/* Whether two purl types are one ("APK", "apk" and syft's older "alpine" are). */
bool wh_sbom_purl_type_equal(const char *a, const char *b);

/*
 * Whether a policy's `names` entry `name` names the package `ident` of purl type `type` ("" when
 * it has no purl), and whether `ident` contains a `nameContains` entry `part`. Both compare ASCII
 * case-insensitively for every type (a rule written "openssl" means OpenSSL in any ecosystem;
 * where names are case-sensitive only a package spelt like it in another case is also matched),
 * and for pypi after PEP 503 folding of both sides ("zope.interface" names "zope-interface").
 */
bool wh_sbom_ident_equal(const char *type, const char *ident, const char *name);
bool wh_sbom_ident_contains(const char *type, const char *ident, const char *part);

#endif
