/* sbom/normalize.c on the real syft vectors in $DG_SHARED/vectors/sbom and on crafted input. */
#include "sbom/normalize.c"

#include <stdlib.h>

#include "base/file.h"
#include "sbom/purl.h"
#include "unit/harness.h"
#include "unit/last_parse.h"
#include "unit/sbom/find_key.h"

static struct wh_limits limits = WH_LIMITS_DEFAULT;

/* What the last parse gave (see last_parse.h). */
static struct wh_sbom sbom;

static enum wh_err
parse_vector(const char *name)
{
    struct wh_arena *a = last_parse_arena();
    const char *shared = getenv("DG_SHARED");
    struct wh_bytes bytes;

    if (wh_file_read(
            wh_arena_sprintf(a, "%s/vectors/sbom/%s", shared != NULL ? shared : "../shared", name),
            64u << 20, a, &bytes, &err) != WH_OK) {
        printf("# cannot read %s: %s\n", name, err.msg);
        return err.code;
    }
    return wh_sbom_parse(bytes, &limits, a, &sbom, &err);
}

static enum wh_err
parse_text(const char *text, const struct wh_limits *lim)
{
    return wh_sbom_parse(text_bytes(text), lim, last_parse_arena(), &sbom, &err);
}

static int
is_sorted_by_key_version(const struct wh_sbom *s)
{
    size_t i;

    for (i = 1; i < s->n_components; i++) {
        int r = strcmp(s->components[i - 1].key, s->components[i].key);
        if (r > 0 || (r == 0 && strcmp(s->components[i - 1].version, s->components[i].version) > 0))
            return 0;
    }
    return 1;
}

static int
has(const struct wh_sbom *s, const char *key, const char *name, const char *version)
{
    const struct wh_sbom_component *c = find_key(s, key);
    return c != NULL && strcmp(c->name, name) == 0 && strcmp(c->version, version) == 0;
}

static void
test_mongo_cyclonedx_has_293_deb_components_keyed_by_purl(void)
{
    ok(parse_vector("mongo-ubuntu20.04.syft.cdx-1.4.json") == WH_OK, "mongo CycloneDX 1.4 parses");
    ok(sbom.format == WH_SBOM_CYCLONEDX, "mongo: detected as CycloneDX");
    ok(sbom.n_components == 293, "mongo: 293 components (got %zu)", sbom.n_components);
    ok(has(&sbom, "deb//openssl", "openssl", "1.1.1f-1ubuntu2.16"), "mongo: openssl");
    ok(has(&sbom, "deb//libssl1.1", "libssl1.1", "1.1.1f-1ubuntu2.16"), "mongo: libssl1.1");
    ok(has(&sbom, "deb//libc6", "libc6", "2.31-0ubuntu9.9"), "mongo: libc6");
    ok(has(&sbom, "deb//libcurl4", "libcurl4", "7.68.0-1ubuntu2.13"), "mongo: libcurl4");
    ok(find_key(&sbom, "deb//libc6")->purl_type[0] == 'd', "mongo: purl type deb");
    ok(has(&sbom, "ubuntu", "ubuntu", "20.04"),
       "mongo: operating-system without purl keyed by name");
    ok(is_sorted_by_key_version(&sbom), "mongo: sorted by key then version");
}

static void
test_cyclonedx_versions_1_4_to_1_6_parse(void)
{
    static const char *const files[] = {"alpine.syft.cdx-1.4.json",
                                        "distroless-static.syft.cdx-1.4.json",
                                        "syft-gomod.cdx-1.5.json", "syft-gomod.cdx-1.6.json"};
    static const size_t counts[] = {15, 3, 1, 1};
    size_t i;

    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        ok(parse_vector(files[i]) == WH_OK && sbom.format == WH_SBOM_CYCLONEDX &&
               sbom.n_components == counts[i],
           "%s: CycloneDX with %zu components", files[i], counts[i]);
    }
}

static void
test_distroless_and_gomod_known_packages(void)
{
    ok(parse_vector("distroless-static.syft.cdx-1.4.json") == WH_OK &&
           has(&sbom, "deb//tzdata", "tzdata", "2021a-1+deb11u6") &&
           has(&sbom, "deb//base-files", "base-files", "11.1+deb11u5"),
       "distroless: tzdata and base-files (metadata.component image is not a package)");
    ok(parse_vector("syft-gomod.cdx-1.6.json") == WH_OK &&
           has(&sbom, "golang/github.com/wagoodman/go-partybus", "github.com/wagoodman/go-partybus",
               "v0.0.0-20230516145632-8ccac152c651"),
       "gomod 1.6: go module keyed golang/<namespace>/<name>");
}

static void
test_spdx_22_and_23_parse_with_both_category_spellings(void)
{
    ok(parse_vector("alpine-libssl3.syft.spdx-2.2.json") == WH_OK && sbom.format == WH_SBOM_SPDX &&
           sbom.n_components == 15,
       "alpine SPDX 2.2: 15 packages");
    ok(has(&sbom, "apk//libssl3", "libssl3", "3.0.7-r0") &&
           has(&sbom, "apk//libcrypto3", "libcrypto3", "3.0.7-r0") &&
           has(&sbom, "apk//musl", "musl", "1.2.3-r4"),
       "alpine SPDX 2.2: libssl3, libcrypto3, musl via PACKAGE_MANAGER purls");
    ok(parse_vector("kubectl-amd64.syft.spdx-2.2.json") == WH_OK && sbom.n_components == 88,
       "kubectl SPDX 2.2: 88 packages");
    ok(parse_vector("kubectl-amd64.syft.spdx-2.3.json") == WH_OK && sbom.n_components == 88,
       "kubectl SPDX 2.3: 89 packages minus the described image root = 88 (got %zu)",
       sbom.n_components);
    ok(has(&sbom, "deb//base-files", "base-files", "11.1+deb11u7") &&
           has(&sbom, "golang/k8s.io/kubernetes", "k8s.io/kubernetes", "v1.28.1"),
       "kubectl SPDX 2.3: deb and go packages via PACKAGE-MANAGER purls");
    ok(find_key(&sbom, "oci//kubectl") == NULL &&
           find_key(&sbom, "oci/k8supstream.azurecr.io/public/oss/kubernetes/kubectl") == NULL,
       "kubectl SPDX 2.3: the DESCRIBES'd CONTAINER root is skipped");
    ok(is_sorted_by_key_version(&sbom), "kubectl SPDX 2.3: sorted");
    ok(parse_vector("syft-gomod.spdx-2.3.json") == WH_OK && sbom.n_components == 1,
       "gomod SPDX 2.3: go.mod FILE root skipped, 1 package left");
}

static void
test_invalid_vectors_are_rejected_with_reason(void)
{
    ok(parse_vector("invalid-cyclonedx.json") == WH_E_INVALID &&
           strstr(err.msg, "bomFormat \"CDX\" is not \"CycloneDX\"") != NULL,
       "invalid-cyclonedx: WH_E_INVALID naming bomFormat (%s)", err.msg);
    ok(parse_vector("invalid-spdx.json") == WH_E_INVALID &&
           strstr(err.msg, "spdxVersion is not a string") != NULL,
       "invalid-spdx: WH_E_INVALID naming spdxVersion (%s)", err.msg);
}

static void
test_crafted_invalid_documents(void)
{
    static const struct str_case cases[] = {
        {"[1]", "not a JSON object"},
        {"{\"a\":1}", "neither CycloneDX"},
        {"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.3\"}",
         "unsupported specVersion \"1.3\""},
        {"{\"bomFormat\":\"CycloneDX\",\"specVersion\":1.4}", "specVersion is missing"},
        {"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"components\":{}}",
         "components is not an array"},
        {"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"components\":[{\"version\":\"1\"}]"
         "}",
         "components[0]: component has no name"},
        {"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"components\":[{\"name\":\"a\","
         "\"components\":[{\"name\":\"b\",\"purl\":\"npm/b@1\"}]}]}",
         "components[0].components[0]: purl: missing 'pkg:' scheme"},
        {"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"components\":[{\"name\":\"a\","
         "\"version\":2}]}",
         "\"version\" is not a string"},
        {"{\"spdxVersion\":\"SPDX-2.1\"}", "unsupported spdxVersion"},
        {"{\"spdxVersion\":\"SPDX-2.3\",\"packages\":[{\"name\":\"x\",\"externalRefs\":[{"
         "\"referenceCategory\":\"PACKAGE-MANAGER\",\"referenceType\":\"purl\","
         "\"referenceLocator\":\"pkg:deb/debian/x%zz@1\"}]}]}",
         "packages[0]: purl: bad percent escape"},
        {"{\"spdxVersion\":\"SPDX-2.3\",\"packages\":[3]}", "packages[0]: not an object"},
        {"{\"bomFormat\":\"CycloneDX\",\"bomFormat\":\"CycloneDX\"}", "duplicate"},
        {"{\"bomFormat\":", "SBOM JSON 1:"},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        enum wh_err rc;

        rc = parse_text(cases[i].in, &limits);
        ok(rc == WH_E_INVALID && strstr(err.msg, cases[i].want) != NULL,
           "invalid %zu: WH_E_INVALID with \"%s\" (got %s: %s)", i, cases[i].want,
           wh_error_name(rc), err.msg);
    }
}

static void
test_limits_on_bytes_components_and_depth(void)
{
    const char *three = "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\"components\":["
                        "{\"name\":\"a\"},{\"name\":\"b\",\"components\":[{\"name\":\"c\"}]}]}";
    struct wh_limits lim = WH_LIMITS_DEFAULT;

    lim.sbom_components = 3;
    ok(parse_text(three, &lim) == WH_OK && sbom.n_components == 3,
       "3 components (one nested) fit a limit of 3");
    lim.sbom_components = 2;
    ok(parse_text(three, &lim) == WH_E_LIMIT && strstr(err.msg, "more than 2 components") != NULL,
       "nested components count against sbom_components (%s)", err.msg);
    lim = limits;
    lim.sbom_bytes = 10;
    ok(parse_text(three, &lim) == WH_E_LIMIT && strstr(err.msg, "limit 10") != NULL,
       "sbom_bytes: WH_E_LIMIT (%s)", err.msg);
    lim = limits;
    lim.json_depth = 4;
    ok(parse_text(three, &lim) == WH_E_LIMIT && strstr(err.msg, "nesting exceeds 4") != NULL,
       "json_depth 4 < 5 levels: WH_E_LIMIT (%s)", err.msg);
    lim.json_depth = 5;
    ok(parse_text(three, &lim) == WH_OK, "json_depth 5 admits 5 levels");
    ok(check_depth((struct wh_bytes){(const unsigned char *)"[\"[[[[\\\"[[\"]", 13}, 1, &err) ==
           WH_OK,
       "brackets inside strings (and escaped quotes) do not count as nesting");
}

static void
test_purl_key_decodes_and_normalises(void)
{
    static const struct {
        const char *purl, *key, *type, *ident, *version;
    } cases[] = {
        {"pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12", "deb//libssl3",
         "deb", "libssl3", "3.0.11-1~deb12u2"},
        {"pkg:npm/%40angular/core@16.0.0", "npm/@angular/core", "npm", "@angular/core", "16.0.0"},
        {"pkg:npm/@types/node", "npm/@types/node", "npm", "@types/node", ""},
        {"pkg:PyPI/requests@2.31.0#sub/path", "pypi//requests", "pypi", "requests", "2.31.0"},
        {"pkg://maven/org.apache/commons-io@2.11%2B1", "maven/org.apache/commons-io", "maven",
         "commons-io", "2.11+1"},
        {"pkg:golang/./staging/src/k8s.io/api@(devel)", "golang/./staging/src/k8s.io/api", "golang",
         "./staging/src/k8s.io/api", "(devel)"},
        {"pkg:generic//a//b/", "generic/a/b", "generic", "b", ""},
    };
    size_t i;
    struct wh_arena a;
    struct wh_sbom_purl id;

    wh_arena_init(&a);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        enum wh_err rc = wh_sbom_purl_parse(wh_str_c(cases[i].purl), &a, &id, &err);
        ok(rc == WH_OK && strcmp(id.key, cases[i].key) == 0 &&
               strcmp(id.type, cases[i].type) == 0 && strcmp(id.ident, cases[i].ident) == 0 &&
               strcmp(id.version, cases[i].version) == 0,
           "purl %s → key %s ident %s version %s (got %s %s %s)", cases[i].purl, cases[i].key,
           cases[i].ident, cases[i].version, rc == WH_OK ? id.key : err.msg,
           rc == WH_OK ? id.ident : "", rc == WH_OK ? id.version : "");
    }
    ok(wh_sbom_purl_parse(WH_STR("pkg:deb"), &a, &id, &err) == WH_E_INVALID &&
           strstr(err.msg, "missing type or name") != NULL,
       "purl without name: WH_E_INVALID");
    ok(wh_sbom_purl_parse(WH_STR("pkg:deb/@1"), &a, &id, &err) == WH_E_INVALID &&
           strstr(err.msg, "empty name") != NULL,
       "purl with empty name: WH_E_INVALID");
    ok(wh_sbom_purl_parse(WH_STR("pkg:de b/x"), &a, &id, &err) == WH_E_INVALID &&
           strstr(err.msg, "bad character in type") != NULL,
       "purl type with a space: WH_E_INVALID");
    ok(wh_sbom_purl_parse(WH_STR("pkg:deb/x%0"), &a, &id, &err) == WH_E_INVALID &&
           strstr(err.msg, "truncated percent escape") != NULL,
       "truncated %% escape: WH_E_INVALID");
    ok(wh_sbom_purl_parse(WH_STR("pkg:deb/x%00"), &a, &id, &err) == WH_E_INVALID &&
           strstr(err.msg, "NUL") != NULL,
       "%%00: WH_E_INVALID");
    wh_arena_fini(&a);
}

/* Per purl type, spellings of one package are one identity (key and ident) and spellings of two
 * packages stay two: sbom/purl.h's table, one row per ecosystem. */
static void
test_identity_per_ecosystem(void)
{
    static const struct {
        const char *a, *b; /* two purls */
        bool same;         /* one package? */
        const char *key;   /* a's key */
        const char *ident; /* a's ident */
    } cases[] = {
        /* pypi: PEP 503, runs of - _ . are one '-', case folded */
        {"pkg:pypi/pyOpenSSL@24.0.0", "pkg:pypi/pyopenssl@24.0.0", true, "pypi//pyopenssl",
         "pyopenssl"},
        {"pkg:pypi/M2Crypto@0.40", "pkg:pypi/m2crypto@0.40", true, "pypi//m2crypto", "m2crypto"},
        {"pkg:pypi/Zope.Interface", "pkg:pypi/zope_interface", true, "pypi//zope-interface",
         "zope-interface"},
        {"pkg:pypi/FrIeNdLy-._.-bArD", "pkg:pypi/friendly-bard", true, "pypi//friendly-bard",
         "friendly-bard"},
        {"pkg:pypi/typing_extensions", "pkg:pypi/typingextensions", false,
         "pypi//typing-extensions", "typing-extensions"},
        {"pkg:pypi/evil/torch", "pkg:pypi/torch", true, "pypi//torch", "torch"},
        /* npm: lowercase scope and name; the scope is part of the name */
        {"pkg:npm/%40Babel/Core@7.0.0", "pkg:npm/@babel/core@7.0.0", true, "npm/@babel/core",
         "@babel/core"},
        {"pkg:npm/JSONStream@1.3.5", "pkg:npm/jsonstream@1.3.5", true, "npm//jsonstream",
         "jsonstream"},
        {"pkg:npm/@types/node", "pkg:npm/node", false, "npm/@types/node", "@types/node"},
        /* deb: lowercase name; the vendor (debian, ubuntu, none) is not the package */
        {"pkg:deb/debian/LibSSL3@3.0.13-1", "pkg:deb/debian/libssl3@3.0.13-1", true, "deb//libssl3",
         "libssl3"},
        {"pkg:deb/ubuntu/libc6@2.35", "pkg:deb/Debian/libc6@2.36", true, "deb//libc6", "libc6"},
        {"pkg:deb/libc6@2.35", "pkg:deb/debian/libc6", true, "deb//libc6", "libc6"},
        {"pkg:deb/debian/libssl3", "pkg:deb/debian/libssl-dev", false, "deb//libssl3", "libssl3"},
        /* apk, alpm: lowercase, vendor dropped; syft's older pkg:alpine is apk */
        {"pkg:apk/alpine/LibCrypto3@3.1.4-r5", "pkg:alpine/libcrypto3@3.1.4-r5", true,
         "apk//libcrypto3", "libcrypto3"},
        {"pkg:alpm/arch/OpenSSL", "pkg:alpm/manjaro/openssl", true, "alpm//openssl", "openssl"},
        /* rpm: vendor dropped, name case-sensitive (purl-spec) */
        {"pkg:rpm/Fedora/openssl-libs@3.0.7", "pkg:rpm/redhat/openssl-libs@3.0.7", true,
         "rpm//openssl-libs", "openssl-libs"},
        {"pkg:rpm/fedora/NetworkManager", "pkg:rpm/fedora/networkmanager", false,
         "rpm//NetworkManager", "NetworkManager"},
        /* nuget: IDs are case-insensitive */
        {"pkg:nuget/Newtonsoft.Json@13.0.1", "pkg:nuget/newtonsoft.json@13.0.1", true,
         "nuget//newtonsoft.json", "newtonsoft.json"},
        /* composer, github: namespace and name lowercase, "vendor/name" */
        {"pkg:composer/Laravel/Framework", "pkg:composer/laravel/framework", true,
         "composer/laravel/framework", "laravel/framework"},
        {"pkg:github/Package-URL/Purl-Spec", "pkg:github/package-url/purl-spec", true,
         "github/package-url/purl-spec", "package-url/purl-spec"},
        /* golang: module paths are case-sensitive; the path is the name */
        {"pkg:golang/github.com/Sirupsen/logrus@v1.0.0", "pkg:golang/github.com/sirupsen/logrus",
         false, "golang/github.com/Sirupsen/logrus", "github.com/Sirupsen/logrus"},
        /* maven: case-sensitive; the artifactId is the name */
        {"pkg:maven/org.bouncycastle/BCprov-jdk18on", "pkg:maven/org.bouncycastle/bcprov-jdk18on",
         false, "maven/org.bouncycastle/BCprov-jdk18on", "BCprov-jdk18on"},
        {"pkg:maven/org.a/x", "pkg:maven/org.b/x", false, "maven/org.a/x", "x"},
        /* cargo, gem: case-sensitive, no namespace */
        {"pkg:cargo/Serde", "pkg:cargo/serde", false, "cargo//Serde", "Serde"},
        {"pkg:gem/RedCloth", "pkg:gem/redcloth", false, "gem//RedCloth", "RedCloth"},
        /* generic: as written */
        {"pkg:generic/OpenSSL@3.0.13", "pkg:generic/openssl@3.0.13", false, "generic//OpenSSL",
         "OpenSSL"},
        /* a type not in the table, short or past the 16-byte buffer: no folding, type lowercased */
        {"pkg:Swift/github.com/Apple/Nio", "pkg:swift/github.com/Apple/Nio", true,
         "swift/github.com/Apple/Nio", "Nio"},
        {"pkg:VeryLongTypeName-x/Ns/Name@1", "pkg:verylongtypename-x/Ns/Name@2", true,
         "verylongtypename-x/Ns/Name", "Name"},
        {"pkg:VeryLongTypeName-x/Ns/Name", "pkg:verylongtypename-x/ns/name", false,
         "verylongtypename-x/Ns/Name", "Name"},
    };
    struct wh_arena a;
    size_t i;

    wh_arena_init(&a);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct wh_sbom_purl x, y;
        bool parsed = wh_sbom_purl_parse(wh_str_c(cases[i].a), &a, &x, &err) == WH_OK &&
                      wh_sbom_purl_parse(wh_str_c(cases[i].b), &a, &y, &err) == WH_OK;

        ok(parsed && (strcmp(x.key, y.key) == 0) == cases[i].same &&
               strcmp(x.key, cases[i].key) == 0 && strcmp(x.ident, cases[i].ident) == 0,
           "%s %s %s (key %s, ident %s; got %s / %s, %s)", cases[i].a,
           cases[i].same ? "is" : "is not", cases[i].b, cases[i].key, cases[i].ident,
           parsed ? x.key : err.msg, parsed ? y.key : "", parsed ? x.ident : "");
    }
    wh_arena_fini(&a);
}

/* Rules match idents: ASCII case-insensitively for every type, PEP 503 for pypi. */
static void
test_ident_matching(void)
{
    ok(wh_sbom_ident_equal("pypi", "zope-interface", "Zope.Interface") &&
           wh_sbom_ident_equal("pypi", "pyopenssl", "pyOpenSSL") &&
           !wh_sbom_ident_equal("pypi", "pyopenssl", "pyopenssl2") &&
           !wh_sbom_ident_equal("pypi", "pyopenssl", "pyopenss"),
       "pypi names: PEP 503 on both sides, whole names only");
    ok(wh_sbom_ident_equal("deb", "libssl3", "LIBSSL3") &&
           !wh_sbom_ident_equal("deb", "a-b", "a_b"),
       "deb names: case folded, separators not (only pypi folds them)");
    ok(wh_sbom_ident_equal("maven", "OpenSSL", "openssl") &&
           wh_sbom_ident_equal("", "Python3", "python3"),
       "case-sensitive ecosystems and bare names: a rule still ignores case");
    ok(wh_sbom_ident_contains("pypi", "pyopenssl", "SSL") &&
           wh_sbom_ident_contains("pypi", "m2crypto", "crypto") &&
           wh_sbom_ident_contains("pypi", "py-ssl", "py_ssl") &&
           wh_sbom_ident_contains("pypi", "py-ssl", "-ssl") &&
           wh_sbom_ident_contains("maven", "OpenSSL-Universal", "ssl") &&
           wh_sbom_ident_contains("golang", "github.com/x/TLS", "tls") &&
           wh_sbom_ident_contains("deb", "libssl3", "") &&
           !wh_sbom_ident_contains("deb", "libss", "ssl") &&
           !wh_sbom_ident_contains("deb", "", "ssl") &&
           !wh_sbom_ident_contains("npm", "s-s-l", "ssl"),
       "nameContains: case-insensitive substrings, PEP 503 for pypi");
    ok(wh_sbom_purl_type_equal("apk", "alpine") && wh_sbom_purl_type_equal("DEB", "deb") &&
           wh_sbom_purl_type_equal("", "") && !wh_sbom_purl_type_equal("deb", "rpm") &&
           !wh_sbom_purl_type_equal("", "deb") &&
           !wh_sbom_purl_type_equal("a-very-long-type-name", "a-very-long-type-namex"),
       "purl types: case-insensitive, alpine is apk");
}

static void
test_duplicates_kept_sorted_and_file_components_skipped(void)
{
    const char *doc =
        "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"components\":["
        "{\"name\":\"zlib\",\"version\":\"1.3\",\"purl\":\"pkg:deb/debian/zlib1g@1.3\"},"
        "{\"type\":\"file\",\"name\":\"/etc/passwd\"},"
        "{\"name\":\"zlib\",\"version\":\"1.2\",\"purl\":\"pkg:deb/debian/zlib1g@1.2\"},"
        "{\"name\":\"lodash\",\"purl\":\"pkg:npm/lodash@4.17.21\"}]}";

    ok(parse_text(doc, &limits) == WH_OK && sbom.n_components == 3,
       "file component skipped, duplicates kept (%zu)", sbom.n_components);
    ok(strcmp(sbom.components[0].key, "deb//zlib1g") == 0 &&
           strcmp(sbom.components[0].version, "1.2") == 0 &&
           strcmp(sbom.components[1].version, "1.3") == 0 &&
           strcmp(sbom.components[2].key, "npm//lodash") == 0,
       "sorted by key then version");
    ok(strcmp(sbom.components[2].version, "4.17.21") == 0,
       "missing version field falls back to the purl's version");
}

static void
test_fields_may_come_in_any_order(void)
{
    const char *cdx =
        "{\"components\":[{\"components\":[{\"name\":\"child\"}],\"name\":\"parent\"}],"
        "\"specVersion\":\"1.6\",\"bomFormat\":\"CycloneDX\"}";
    const char *spdx =
        "{\"packages\":[{\"name\":\"img\",\"SPDXID\":\"SPDXRef-I\"},{\"name\":\"zlib\","
        "\"externalRefs\":[{\"referenceLocator\":\"pkg:deb/debian/zlib1g@1\",\"referenceType\":"
        "\"purl\",\"referenceCategory\":\"PACKAGE-MANAGER\"}]}],\"relationships\":[{"
        "\"relationshipType\":\"DESCRIBES\",\"relatedSpdxElement\":\"SPDXRef-I\",\"spdxElementId\":"
        "\"SPDXRef-DOCUMENT\"}],\"spdxVersion\":\"SPDX-2.3\"}";

    ok(parse_text(cdx, &limits) == WH_OK && sbom.format == WH_SBOM_CYCLONEDX &&
           sbom.n_components == 2 && find_key(&sbom, "child") != NULL,
       "CycloneDX: bomFormat after components, nested before name (%s)", err.msg);
    ok(parse_text(spdx, &limits) == WH_OK && sbom.format == WH_SBOM_SPDX &&
           sbom.n_components == 1 && has(&sbom, "deb//zlib1g", "zlib1g", "1"),
       "SPDX: relationships after packages still skip the described root (%s)", err.msg);
}

static void
test_errors_keep_tree_walk_order(void)
{
    /* The parent's bad name is found after its children are read, yet reported first. */
    const char *parent_first =
        "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"components\":[{\"components\":"
        "[{\"version\":\"1\"}],\"name\":7}]}";
    /* The format's own fields are judged before any component. */
    const char *format_first = "{\"components\":[3],\"bomFormat\":\"CDX\"}";
    /* A later package's failure waits for the earlier package that only fails once the
     * relationships (at the end) show it is not the document root. */
    const char *spdx_order =
        "{\"spdxVersion\":\"SPDX-2.3\",\"packages\":[{\"SPDXID\":\"SPDXRef-X\"},5]}";
    struct wh_limits lim = WH_LIMITS_DEFAULT;

    ok(parse_text(parent_first, &limits) == WH_E_INVALID &&
           strstr(err.msg, "CycloneDX: components[0]: \"name\" is not a string") != NULL,
       "parent's error before its child's (%s)", err.msg);
    ok(parse_text(format_first, &limits) == WH_E_INVALID &&
           strstr(err.msg, "bomFormat \"CDX\"") != NULL,
       "bomFormat error before component errors (%s)", err.msg);
    ok(parse_text(spdx_order, &limits) == WH_E_INVALID &&
           strstr(err.msg, "SPDX: packages[0]: component has no name") != NULL,
       "packages[0] fails before packages[1] (%s)", err.msg);
    lim.sbom_components = 1;
    ok(parse_text("{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"components\":["
                  "{\"name\":\"a\"},{\"name\":\"b\"},{\"name\":3}]}",
                  &lim) == WH_E_LIMIT,
       "the limit passed before a later error wins (%s)", err.msg);
    ok(parse_text("{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"components\":["
                  "{\"components\":[{\"name\":\"a\"},{\"name\":\"b\"}],\"name\":3}]}",
                  &lim) == WH_E_INVALID &&
           strstr(err.msg, "\"name\" is not a string") != NULL,
       "an ancestor's error comes before the limit its children pass (%s)", err.msg);
}

static void
test_duplicate_keys_refused_among_fields_read(void)
{
    ok(parse_text("{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"components\":["
                  "{\"name\":\"a\",\"purl\":\"pkg:npm/a@1\",\"purl\":\"pkg:npm/b@1\"}]}",
                  &limits) == WH_E_INVALID &&
           strstr(err.msg, "duplicate object key \"purl\"") != NULL,
       "a component's purl twice: WH_E_INVALID (%s)", err.msg);
    ok(parse_text("{\"spdxVersion\":\"SPDX-2.3\",\"packages\":[{\"name\":\"a\",\"externalRefs\":[{"
                  "\"referenceLocator\":\"pkg:npm/a@1\",\"referenceLocator\":\"pkg:npm/b@1\"}]}]}",
                  &limits) == WH_E_INVALID &&
           strstr(err.msg, "duplicate object key \"referenceLocator\"") != NULL,
       "an externalRef's locator twice: WH_E_INVALID (%s)", err.msg);
    ok(parse_text("{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"c\\u006fmponents\":[],"
                  "\"components\":[]}",
                  &limits) == WH_E_INVALID &&
           strstr(err.msg, "duplicate object key") != NULL,
       "duplicates compare decoded keys (%s)", err.msg);
    ok(parse_text(
           "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"metadata\":{\"x\":1,\"x\":2}}",
           &limits) == WH_OK,
       "a duplicate inside a skipped object is not read, so not refused (%s)", err.msg);
}

int
main(void)
{
    test_mongo_cyclonedx_has_293_deb_components_keyed_by_purl();
    test_cyclonedx_versions_1_4_to_1_6_parse();
    test_distroless_and_gomod_known_packages();
    test_spdx_22_and_23_parse_with_both_category_spellings();
    test_invalid_vectors_are_rejected_with_reason();
    test_crafted_invalid_documents();
    test_limits_on_bytes_components_and_depth();
    test_purl_key_decodes_and_normalises();
    test_identity_per_ecosystem();
    test_ident_matching();
    test_duplicates_kept_sorted_and_file_components_skipped();
    test_fields_may_come_in_any_order();
    test_errors_keep_tree_walk_order();
    test_duplicate_keys_refused_among_fields_read();
    last_parse_fini();
    return done_testing();
}
