#ifndef WH_SBOM_VERSION_H
#define WH_SBOM_VERSION_H

#include "sbom/sbom.h"

/*
 * Orders two versions of one package: <0, 0 or >0 like strcmp. purl_type "deb" uses dpkg's
 * ordering (epoch:upstream-revision; '~' sorts before everything, even the end of the string;
 * letters before other characters); so do "rpm", "apk" and "alpine", whose -release/-rN suffix is
 * a revision, not a pre-release. Every other type is semver-like: numeric dot-separated core,
 * a '-' pre-release sorts before the release, '+' build metadata does not order (semver §10; see
 * wh_sbom_version_drift), a leading 'v' is dropped, and parts that are not numbers fall back to
 * dpkg's character comparison. Total for any NUL-terminated input; pure.
 */
int wh_sbom_version_compare(const char *purl_type, const char *a, const char *b);

/*
 * How far apart `a` and `b` are: NONE when they are the same version and build; MAJOR, MINOR or
 * PATCH by the first of the first three numeric components that differs (PATCH when only later
 * parts or the Debian revision differ); for the dpkg-ordered types the upstream version without
 * epoch is used and a changed epoch is MAJOR; OTHER when either version does not start with a
 * number. For the semver-like types, versions that compare equal but carry different build
 * metadata ("2.1.0+cpu" / "2.1.0+cu121", "3.0.13" / "3.0.13+quic") are BUILD: the same version,
 * another build. (For the dpkg-ordered types '+' is part of the version and orders.)
 */
enum wh_drift_size wh_sbom_version_drift(const char *purl_type, const char *a, const char *b);

#endif
