/* sbom/diff.c: merge walk, duplicate keys as version sets, drift sizes, counts, identities. */
#include "sbom/diff.h"

#include <string.h>

#include "sbom/normalize.h"
#include "unit/harness.h"

static struct wh_limits limits = WH_LIMITS_DEFAULT;

/* Builds a CycloneDX document from "purl" strings and parses it. */
static struct wh_sbom
sbom_of(struct wh_arena *a, const char *const *purls, size_t n)
{
    struct wh_buf b;
    struct wh_sbom s = {0};
    struct wh_error e;
    size_t i;

    wh_buf_init(&b, 1u << 20);
    wh_buf_append_c(&b, "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"components\":[");
    for (i = 0; i < n; i++) {
        const char *at = strrchr(purls[i], '@'), *slash = strrchr(purls[i], '/');
        wh_buf_printf(&b, "%s{\"name\":\"%.*s\",\"version\":\"%s\",\"purl\":\"%s\"}",
                      i == 0 ? "" : ",", (int)(at - slash - 1), slash + 1, at + 1, purls[i]);
    }
    wh_buf_append_c(&b, "]}");
    WH_ASSERT(wh_sbom_parse((struct wh_bytes){(const unsigned char *)b.ptr, b.len}, &limits, a, &s,
                            &e) == WH_OK);
    wh_buf_fini(&b);
    return s;
}

/* The last diff_of's findings (in `arena`, with the SBOMs; both reset by the next) and error. */
static struct wh_arena arena;
static struct wh_sbom_diff diff;
static struct wh_error err;

/* The diff of an SBOM of the `prod` purls against one of the `dev` purls. */
static enum wh_err
diff_of(const char *const *prod, size_t n_prod, const char *const *dev, size_t n_dev)
{
    struct wh_sbom p, d;

    wh_arena_fini(&arena);
    wh_arena_init(&arena);
    p = sbom_of(&arena, prod, n_prod);
    d = sbom_of(&arena, dev, n_dev);
    return wh_sbom_diff(&p, &d, &arena, &diff, &err);
}

static const struct wh_sbom_finding *
finding(const struct wh_sbom_diff *d, const char *key)
{
    size_t i;

    for (i = 0; i < d->n_findings; i++) {
        if (strcmp(d->findings[i].key, key) == 0)
            return &d->findings[i];
    }
    return NULL;
}

static void
test_dev_only_prod_only_and_version_drift(void)
{
    static const char *const prod[] = {"pkg:deb/debian/libc6@2.36-9+deb12u4",
                                       "pkg:deb/debian/libssl3@3.0.11-1~deb12u2",
                                       "pkg:deb/debian/tzdata@2024a-0+deb12u1",
                                       "pkg:pypi/requests@2.31.0", "pkg:deb/debian/prodtool@1.0"};
    static const char *const dev[] = {
        "pkg:deb/debian/libc6@2.36-9+deb12u14",       "pkg:deb/debian/libssl3@3.0.11-1~deb12u2",
        "pkg:deb/debian/tzdata@2024a-0+deb12u1",      "pkg:pypi/requests@3.0.0",
        "pkg:deb/debian/libssl-dev@3.0.11-1~deb12u2", "pkg:deb/debian/gdb@13.1-2"};
    const struct wh_sbom_finding *f;
    size_t i;

    ok(diff_of(prod, 5, dev, 6) == WH_OK, "diff succeeds");
    ok(diff.n_dev_only == 2 && diff.n_prod_only == 1 && diff.n_version == 2 && diff.n_same == 2 &&
           diff.n_findings == 5,
       "counts: 2 dev-only, 1 prod-only, 2 version, 2 same (got %zu %zu %zu %zu)", diff.n_dev_only,
       diff.n_prod_only, diff.n_version, diff.n_same);
    f = finding(&diff, "deb//libc6");
    ok(f != NULL && f->kind == WH_DRIFT_VERSION && f->size == WH_DRIFT_PATCH &&
           strcmp(f->dev_version, "2.36-9+deb12u14") == 0 &&
           strcmp(f->prod_version, "2.36-9+deb12u4") == 0 && strcmp(f->name, "libc6") == 0,
       "libc6: patch drift with dev and prod versions");
    f = finding(&diff, "pypi//requests");
    ok(f != NULL && f->kind == WH_DRIFT_VERSION && f->size == WH_DRIFT_MAJOR &&
           strcmp(f->purl_type, "pypi") == 0,
       "requests: major drift");
    f = finding(&diff, "deb//libssl-dev");
    ok(f != NULL && f->kind == WH_DRIFT_DEV_ONLY && f->size == WH_DRIFT_SIZE_NONE &&
           f->prod_version == NULL && strcmp(f->dev_version, "3.0.11-1~deb12u2") == 0,
       "libssl-dev: dev-only");
    f = finding(&diff, "deb//prodtool");
    ok(f != NULL && f->kind == WH_DRIFT_PROD_ONLY && f->dev_version == NULL &&
           strcmp(f->prod_version, "1.0") == 0,
       "prodtool: prod-only");
    ok(finding(&diff, "deb//libssl3") == NULL, "libssl3 at equal versions: no finding");
    for (i = 1; i < diff.n_findings; i++) {
        if (strcmp(diff.findings[i - 1].key, diff.findings[i].key) >= 0)
            break;
    }
    ok(i == diff.n_findings, "findings sorted by key");
}

static void
test_duplicate_keys_compare_as_sets(void)
{
    static const char *const prod[] = {"pkg:npm/lodash@4.17.20", "pkg:npm/lodash@4.17.21",
                                       "pkg:npm/ms@2.0.0", "pkg:npm/ms@2.1.3"};
    static const char *const dev[] = {"pkg:npm/lodash@4.17.21", "pkg:npm/ms@2.1.2",
                                      "pkg:npm/ms@3.0.0-canary.1", "pkg:npm/ms@1.0.0"};
    const struct wh_sbom_finding *f;

    ok(diff_of(prod, 4, dev, 4) == WH_OK && diff.n_same == 0 && diff.n_version == 1 &&
           diff.n_prod_only == 1,
       "a version only prod has is drift even beside a shared one; disjoint sets drift");
    f = finding(&diff, "npm//lodash");
    ok(f != NULL && f->kind == WH_DRIFT_PROD_ONLY && strcmp(f->prod_version, "4.17.20") == 0,
       "prod-only lodash 4.17.20 (dev has only 4.17.21)");
    f = finding(&diff, "npm//ms");
    ok(f != NULL && strcmp(f->dev_version, "3.0.0-canary.1") == 0 &&
           strcmp(f->prod_version, "2.1.3") == 0 && f->size == WH_DRIFT_MAJOR,
       "drift is between the highest versions on each side (got dev %s prod %s)",
       f ? f->dev_version : "-", f ? f->prod_version : "-");
}

static void
test_extra_dev_version_of_installed_package_is_dev_only(void)
{
    static const char *const prod[] = {"pkg:npm/semver@6.3.1", "pkg:npm/semver@7.5.4",
                                       "pkg:npm/debug@2.6.9"};
    static const char *const dev[] = {"pkg:npm/semver@5.7.2", "pkg:npm/semver@6.3.1",
                                      "pkg:npm/semver@7.5.4", "pkg:npm/debug@2.6.9"};
    const struct wh_sbom_finding *f;

    ok(diff_of(prod, 3, dev, 4) == WH_OK && diff.n_same == 1 && diff.n_dev_only == 1 &&
           diff.n_findings == 1,
       "equal sets are the same; one extra dev version is one dev-only finding");
    f = finding(&diff, "npm//semver");
    ok(f != NULL && f->kind == WH_DRIFT_DEV_ONLY && strcmp(f->dev_version, "5.7.2") == 0 &&
           f->prod_version == NULL,
       "dev-only semver 5.7.2 (got %s)", f != NULL ? f->dev_version : "-");
}

static void
test_equivalent_spellings_and_empty_inputs(void)
{
    static const char *const prod[] = {"pkg:npm/a@1.0"};
    static const char *const dev[] = {"pkg:npm/a@1.0.0"};
    struct wh_sbom d, empty = {0};

    ok(diff_of(prod, 1, dev, 1) == WH_OK && diff.n_findings == 0 && diff.n_same == 1,
       "1.0 and 1.0.0 are the same version");
    d = sbom_of(&arena, dev, 1);
    ok(wh_sbom_diff(&empty, &empty, &arena, &diff, &err) == WH_OK && diff.n_findings == 0,
       "two empty SBOMs: no findings");
    ok(wh_sbom_diff(&empty, &d, &arena, &diff, &err) == WH_OK && diff.n_dev_only == 1,
       "empty prod: everything dev-only");
}

/* Per ecosystem, two spellings of one package in prod and dev are one package (a version drift
 * or the same), never a dev-only + prod-only pair; case-sensitive ecosystems keep two. */
static void
test_spellings_of_one_package_pair_up(void)
{
    static const char *const prod[] = {
        "pkg:pypi/pyopenssl@24.0.0",        "pkg:pypi/m2crypto@0.39",
        "pkg:npm/jsonstream@1.3.5",         "pkg:deb/debian/libssl3@3.0.11-1",
        "pkg:deb/debian/libc6@2.36-9",      "pkg:pypi/torch@2.1.0+cpu",
        "pkg:generic/openssl@3.0.13",       "pkg:apk/alpine/musl@1.2.4-r2",
        "pkg:nuget/Newtonsoft.Json@13.0.1", "pkg:golang/github.com/sirupsen/logrus@v1.9.0",
        "pkg:maven/org.x/foo@1.0",          "pkg:pypi/zope.interface@6.0",
    };
    static const char *const dev[] = {
        "pkg:pypi/pyOpenSSL@24.0.0",
        "pkg:pypi/M2Crypto@0.40",
        "pkg:npm/JSONStream@1.3.5",
        "pkg:deb/debian/LibSSL3@3.0.13-1",
        "pkg:deb/ubuntu/libc6@2.35-0ubuntu3",
        "pkg:pypi/torch@2.1.0+cu121",
        "pkg:generic/openssl@3.0.13+quic",
        "pkg:alpine/musl@1.2.4-r2",
        "pkg:nuget/newtonsoft.json@13.0.1",
        "pkg:golang/github.com/Sirupsen/logrus@v1.9.0",
        "pkg:maven/org.x/Foo@1.0",
        "pkg:pypi/Zope_Interface@6.0",
    };
    static const struct {
        const char *key, *ident;
        enum wh_drift_size size;
    } drifts[] = {
        {"pypi//m2crypto", "m2crypto", WH_DRIFT_MINOR},
        {"deb//libssl3", "libssl3", WH_DRIFT_PATCH},
        {"deb//libc6", "libc6", WH_DRIFT_MINOR},
        {"pypi//torch", "torch", WH_DRIFT_BUILD},
        {"generic//openssl", "openssl", WH_DRIFT_BUILD},
    };
    const struct wh_sbom_finding *f;
    size_t i;

    ok(diff_of(prod, sizeof(prod) / sizeof(prod[0]), dev, sizeof(dev) / sizeof(dev[0])) == WH_OK &&
           diff.n_version == 5 && diff.n_same == 5 && diff.n_dev_only == 2 && diff.n_prod_only == 2,
       "5 drifts, 5 same (pyOpenSSL, JSONStream, musl, Newtonsoft.Json, Zope_Interface), golang "
       "and maven case twins apart (got %zu version %zu same %zu dev-only %zu prod-only)",
       diff.n_version, diff.n_same, diff.n_dev_only, diff.n_prod_only);
    for (i = 0; i < sizeof(drifts) / sizeof(drifts[0]); i++) {
        f = finding(&diff, drifts[i].key);
        ok(f != NULL && f->kind == WH_DRIFT_VERSION && f->size == drifts[i].size &&
               strcmp(f->ident, drifts[i].ident) == 0,
           "%s: %s drift, ident %s (got %s %s)", drifts[i].key,
           wh_sbom_drift_size_name(drifts[i].size), drifts[i].ident,
           f != NULL ? wh_sbom_drift_size_name(f->size) : "no finding", f != NULL ? f->ident : "");
    }
    f = finding(&diff, "pypi//m2crypto");
    ok(f != NULL && strcmp(f->name, "M2Crypto") == 0, "the finding shows dev's spelling M2Crypto");
    f = finding(&diff, "golang/github.com/Sirupsen/logrus");
    ok(f != NULL && f->kind == WH_DRIFT_DEV_ONLY &&
           finding(&diff, "golang/github.com/sirupsen/logrus") != NULL,
       "golang module paths are case-sensitive: Sirupsen and sirupsen are two modules");
}

static void
test_names_of_kinds_and_sizes(void)
{
    ok(strcmp(wh_sbom_drift_kind_name(WH_DRIFT_DEV_ONLY), "dev-only") == 0 &&
           strcmp(wh_sbom_drift_kind_name(WH_DRIFT_PROD_ONLY), "prod-only") == 0 &&
           strcmp(wh_sbom_drift_kind_name(WH_DRIFT_VERSION), "version") == 0,
       "kind names");
    ok(strcmp(wh_sbom_drift_size_name(WH_DRIFT_MAJOR), "major") == 0 &&
           strcmp(wh_sbom_drift_size_name(WH_DRIFT_OTHER), "other") == 0 &&
           strcmp(wh_sbom_drift_size_name(WH_DRIFT_BUILD), "build") == 0 &&
           strcmp(wh_sbom_drift_size_name(WH_DRIFT_SIZE_NONE), "none") == 0,
       "size names");
}

int
main(void)
{
    test_dev_only_prod_only_and_version_drift();
    test_duplicate_keys_compare_as_sets();
    test_extra_dev_version_of_installed_package_is_dev_only();
    test_equivalent_spellings_and_empty_inputs();
    test_spellings_of_one_package_pair_up();
    test_names_of_kinds_and_sizes();
    wh_arena_fini(&arena);
    return done_testing();
}
