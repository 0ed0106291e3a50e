/* sbom/version.c: dpkg ordering for deb, semver-like for the rest, drift sizes. */
#include "sbom/version.c"

#include "unit/harness.h"

static int
sgn(int v)
{
    return (v > 0) - (v < 0);
}

static void
check_order(const char *type, const char *a, const char *b, int want)
{
    int got = sgn(wh_sbom_version_compare(type, a, b));
    int back = sgn(wh_sbom_version_compare(type, b, a));

    ok(got == want && back == -want, "%s: %s %s %s (got %d, reversed %d)", type, a,
       want < 0   ? "<"
       : want > 0 ? ">"
                  : "==",
       b, got, back);
}

static void
test_dpkg_ordering(void)
{
    check_order("deb", "1.0~rc1", "1.0", -1);
    check_order("deb", "1.0~rc1", "1.0~rc2", -1);
    check_order("deb", "1.0~~", "1.0~", -1);
    check_order("deb", "1:0.9", "2.0", 1);
    check_order("deb", "0:2.0", "2.0", 0);
    check_order("deb", "2.36-9+deb12u4", "2.36-9+deb12u14", -1);
    check_order("deb", "3.0.11-1~deb12u2", "3.0.11-1", -1);
    check_order("deb", "3.0.11-1~deb12u2", "3.0.9-1", 1);
    check_order("deb", "3.0.11-1~deb12u2", "3.0.11-1~deb12u1", 1);
    check_order("deb", "1.0a", "1.0+", -1); /* letters sort before non-letters */
    check_order("deb", "1.0", "1.0a", -1);
    check_order("deb", "1.01", "1.1", 0);
    check_order("deb", "1.1.1f-1ubuntu2.16", "1.1.1f-1ubuntu2.2", 1);
    check_order("deb", "2021a-1+deb11u10", "2021a-1+deb11u6", 1);
    check_order("deb", "1.2-3-4", "1.2-3", 1); /* revision after the last '-' */
    check_order("deb", "99999999999999999999999", "99999999999999999999998", 1);
    check_order("deb", "a:1", "b:1", -1); /* not an epoch: compared as upstream */
    check_order("rpm", "1:1.0-1.el9", "2.0-1.el9", 1);
    check_order("apk", "1.2.3-r4", "1.2.3-r10", -1);
    check_order("apk", "1.2.3", "1.2.3-r0", -1);
}

static void
test_semver_like_ordering(void)
{
    check_order("npm", "1.2.3", "1.2.10", -1);
    check_order("npm", "1.0.0-rc.1", "1.0.0", -1);
    check_order("npm", "1.0.0-alpha", "1.0.0-alpha.1", -1);
    check_order("npm", "1.0.0-alpha.1", "1.0.0-alpha.beta", -1);
    check_order("npm", "1.0.0-beta.2", "1.0.0-beta.11", -1);
    check_order("npm", "1.0.0+build.5", "1.0.0+build.9", 0);
    check_order("npm", "1.0", "1.0.0", 0);
    check_order("golang", "v1.28.1", "1.28.1", 0);
    check_order("golang", "v0.0.0-20230516145632-8ccac152c651",
                "v0.0.0-20230601000000-aaaaaaaaaaaa", -1);
    /* not numeric: dpkg char order, where punctuation sorts after digits */
    check_order("golang", "(devel)", "v1.28.1", 1);
    check_order("pypi", "2.31.0", "2.4.0", 1);
    check_order("", "3.16.2", "3.17", -1);
    check_order("pypi", "1.0a", "1.0", 1);
    check_order("pypi", "", "", 0);
}

static void
check_drift(const char *type, const char *a, const char *b, enum wh_drift_size want)
{
    enum wh_drift_size got = wh_sbom_version_drift(type, a, b);
    ok(got == want && wh_sbom_version_drift(type, b, a) == want, "%s drift %s vs %s = %d (got %d)",
       type, a, b, want, got);
}

static void
test_drift_sizes(void)
{
    check_drift("deb", "2.36-9+deb12u4", "2.36-9+deb12u4", WH_DRIFT_SIZE_NONE);
    check_drift("deb", "2.36-9+deb12u4", "2.36-9+deb12u14", WH_DRIFT_PATCH);
    check_drift("deb", "3.0.11-1~deb12u2", "3.0.9-1", WH_DRIFT_PATCH);
    check_drift("deb", "3.0.11-1~deb12u2", "3.1.0-1", WH_DRIFT_MINOR);
    check_drift("deb", "3.0.11-1~deb12u2", "1.1.1f-1ubuntu2.16", WH_DRIFT_MAJOR);
    check_drift("deb", "1:2.0-1", "2.0-1", WH_DRIFT_MAJOR);   /* epoch changed */
    check_drift("deb", "1:2.0-1", "1:2.1-1", WH_DRIFT_MINOR); /* same epoch: upstream decides */
    check_drift("deb", "1.1.1f-1", "1.1.1g-1", WH_DRIFT_PATCH);
    check_drift("deb", "2.36", "2.36.1", WH_DRIFT_PATCH);
    check_drift("deb", "20.04", "22.04", WH_DRIFT_MAJOR);
    check_drift("npm", "1.2.3", "1.2.4", WH_DRIFT_PATCH);
    check_drift("npm", "1.2.3", "1.3.0", WH_DRIFT_MINOR);
    check_drift("npm", "1.2.3", "2.0.0", WH_DRIFT_MAJOR);
    check_drift("npm", "1.2.3-rc.1", "1.2.3", WH_DRIFT_PATCH);
    check_drift("pypi", "25.0", "25.0.1", WH_DRIFT_PATCH);
    check_drift("pypi", "3.11.2", "3.12.0", WH_DRIFT_MINOR);
    check_drift("golang", "v1.28.1", "v1.27.0", WH_DRIFT_MINOR);
    check_drift("golang", "(devel)", "v1.28.1", WH_DRIFT_OTHER);
    check_drift("npm", "latest", "1.0.0", WH_DRIFT_OTHER);
    check_drift("npm", "", "1.0.0", WH_DRIFT_OTHER);
    check_drift("npm", "1.0", "1.0.0", WH_DRIFT_SIZE_NONE);
}

/* One version, two builds: build metadata does not order (semver §10) but is drift of its own
 * size, for every semver-like type; for the dpkg-ordered types '+' is part of the version. */
static void
test_build_metadata_is_build_drift(void)
{
    check_order("pypi", "2.1.0+cpu", "2.1.0+cu121", 0);
    check_drift("pypi", "2.1.0+cpu", "2.1.0+cu121", WH_DRIFT_BUILD);
    check_drift("pypi", "2.1.0", "2.1.0+cpu", WH_DRIFT_BUILD);
    check_drift("pypi", "2.1.0+cpu", "2.1.0+cpu", WH_DRIFT_SIZE_NONE);
    check_drift("pypi", "2.1.0+cpu", "2.1.1+cpu", WH_DRIFT_PATCH); /* the version decides first */
    check_drift("pypi", "2.1.0+cpu", "2.2.0+cu121", WH_DRIFT_MINOR);
    check_drift("generic", "3.0.13", "3.0.13+quic", WH_DRIFT_BUILD);
    check_drift("", "3.0.13", "3.0.13+quic", WH_DRIFT_BUILD);
    check_drift("npm", "1.0.0+build.5", "1.0.0+build.9", WH_DRIFT_BUILD);
    check_drift("npm", "1.0.0-rc.1+a", "1.0.0-rc.1+b", WH_DRIFT_BUILD);
    check_drift("npm", "1.0+x", "1.0.0+x", WH_DRIFT_SIZE_NONE); /* one version, one build */
    check_drift("npm", "1.0.0+", "1.0.0", WH_DRIFT_BUILD);      /* an empty build is still one */
    check_drift("golang", "v2.0.0+incompatible", "v2.0.0", WH_DRIFT_BUILD);
    check_drift("golang", "v1.2.3+x", "1.2.3+x", WH_DRIFT_SIZE_NONE);
    check_drift("maven", "2.11+1", "2.11", WH_DRIFT_BUILD);
    check_drift("cargo", "0.4.20+deprecated", "0.4.20", WH_DRIFT_BUILD);
    check_drift("nuget", "13.0.1+abc", "13.0.1+ABC", WH_DRIFT_BUILD); /* bytewise */
    /* dpkg: "+quic" is more upstream version, which orders: patch drift as before */
    check_order("deb", "3.0.13", "3.0.13+quic", -1);
    check_drift("deb", "3.0.13", "3.0.13+quic", WH_DRIFT_PATCH);
    check_drift("apk", "1.2.3-r0", "1.2.3+x-r0", WH_DRIFT_PATCH);
    check_drift("rpm", "3.0.7-27.el9", "3.0.7-27.el9+fips", WH_DRIFT_PATCH);
}

int
main(void)
{
    test_dpkg_ordering();
    test_semver_like_ordering();
    test_drift_sizes();
    test_build_metadata_is_build_drift();
    return done_testing();
}
