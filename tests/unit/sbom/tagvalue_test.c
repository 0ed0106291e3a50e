/* sbom/tagvalue.c: SPDX tag-value text and cosign's string predicate, alone and via wh_sbom_parse.
 */
#include "sbom/tagvalue.h"

#include <stdlib.h>
#include <string.h>

#include "base/file.h"
#include "sbom/normalize.h"
#include "unit/harness.h"
#include "unit/last_parse.h"
#include "unit/sbom/find_key.h"

static struct wh_limits limits = WH_LIMITS_DEFAULT;

/* What the last parse gave (see last_parse.h). */
static struct wh_sbom sbom;

static enum wh_err
parse(const char *text)
{
    return wh_sbom_parse(text_bytes(text), &limits, last_parse_arena(), &sbom, &err);
}

static bool
has(const struct wh_sbom *s, const char *key, const char *name, const char *version,
    const char *type)
{
    const struct wh_sbom_component *c = find_key(s, key);
    return c != NULL && strcmp(c->name, name) == 0 && strcmp(c->version, version) == 0 &&
           strcmp(c->purl_type, type) == 0;
}

#define HEADER                                                                                     \
    "SPDXVersion: SPDX-2.3\n"                                                                      \
    "DataLicense: CC0-1.0\n"                                                                       \
    "SPDXID: SPDXRef-DOCUMENT\n"                                                                   \
    "DocumentName: alpine\n"                                                                       \
    "DocumentNamespace: https://anchore.com/syft/image/alpine-1\n"                                 \
    "Creator: Tool: syft-1.4.1\n"                                                                  \
    "Created: 2024-05-14T09:12:44Z\n"

static void
test_syft_document_packages_purls_and_root_skip(void)
{
    static const char text[] = HEADER
        "\n"
        "##### Package: musl\n"
        "\n"
        "PackageName: musl\n"
        "SPDXID: SPDXRef-Package-apk-musl-1\n"
        "PackageVersion: 1.2.3-r4\n"
        "PackageDownloadLocation: NOASSERTION\n"
        "FilesAnalyzed: false\n"
        "PackageCopyrightText: NOASSERTION\n"
        "ExternalRef: SECURITY cpe23Type cpe:2.3:a:musl:musl:1.2.3-r4:*:*:*:*:*:*:*\n"
        "ExternalRef: PACKAGE-MANAGER purl "
        "pkg:apk/alpine/musl@1.2.3-r4?arch=x86_64&distro=alpine-3.17\n"
        "ExternalRef: PACKAGE-MANAGER purl pkg:apk/alpine/second@9\n"
        "\n"
        "##### Package: alpine\n"
        "\n"
        "PackageName: alpine\n"
        "SPDXID: SPDXRef-DocumentRoot-Image-alpine\n"
        "PackageVersion: sha256:abc\n"
        "PrimaryPackagePurpose: CONTAINER\n"
        "ExternalRef: PACKAGE-MANAGER purl pkg:oci/alpine@sha256%3Aabc?tag=3.17\n"
        "\n"
        "##### Relationships\n"
        "\n"
        "Relationship: SPDXRef-DocumentRoot-Image-alpine CONTAINS SPDXRef-Package-apk-musl-1\n"
        "Relationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-DocumentRoot-Image-alpine\n";

    ok(parse(text) == WH_OK && sbom.format == WH_SBOM_SPDX && sbom.n_components == 1 &&
           has(&sbom, "apk//musl", "musl", "1.2.3-r4", "apk"),
       "syft document: one package, purl from the first PACKAGE-MANAGER purl, image root skipped");
    ok(wh_sbom_tagvalue_parse(text_bytes(text), &limits, &arena, &sbom, &err) == WH_OK &&
           sbom.n_components == 1,
       "wh_sbom_tagvalue_parse reads it directly too");
}

static void
test_spdx22_package_manager_underscore(void)
{
    static const char text[] = "SPDXVersion: SPDX-2.2\n"
                               "PackageName: libssl3\n"
                               "SPDXID: SPDXRef-Package-apk-libssl3\n"
                               "PackageVersion: 3.0.7-r0\n"
                               "ExternalRef: PACKAGE_MANAGER purl pkg:apk/alpine/libssl3@3.0.7-r0\n"
                               "PackageName: other\n"
                               "ExternalRef: OTHER purl pkg:apk/alpine/other@1\n"
                               "ExternalRef: PACKAGE-MANAGER cpe23Type pkg:apk/alpine/other@1\n";

    ok(parse(text) == WH_OK && sbom.n_components == 2 &&
           has(&sbom, "apk//libssl3", "libssl3", "3.0.7-r0", "apk") &&
           has(&sbom, "other", "other", "", ""),
       "2.2 spells PACKAGE_MANAGER; other categories/types are not the purl (keyed by name)");
}

static void
test_describes_rules(void)
{
    static const char text[] =
        "SPDXVersion: SPDX-2.3\n"
        "PackageName: go.mod\n"
        "SPDXID: SPDXRef-DocumentRoot-File-go.mod\n"
        "PrimaryPackagePurpose: FILE\n"
        "ExternalRef: PACKAGE-MANAGER purl pkg:golang/example.com/app@v1\n"
        "PackageName: described-lib\n"
        "SPDXID: SPDXRef-lib\n"
        "PackageVersion: 2.0\n"
        "ExternalRef: PACKAGE-MANAGER purl pkg:npm/described-lib@2.0\n"
        "PackageName: source-dir\n"
        "SPDXID: SPDXRef-dir\n"
        "PackageName: docker-root\n"
        "SPDXID: SPDXRef-docker\n"
        "ExternalRef: PACKAGE-MANAGER purl pkg:docker/library/nginx@1.25\n"
        "Relationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-DocumentRoot-File-go.mod\n"
        "Relationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-lib\n"
        "Relationship: SPDXRef-dir DESCRIBED_BY SPDXRef-DOCUMENT\n"
        "Relationship:   SPDXRef-DOCUMENT\tDESCRIBES   SPDXRef-docker  \n";

    ok(parse(text) == WH_OK && sbom.n_components == 1 &&
           has(&sbom, "npm//described-lib", "described-lib", "2.0", "npm"),
       "DESCRIBES skips FILE purpose, no-purl (DESCRIBED_BY) and docker purl roots; keeps a "
       "described ordinary package");
}

static void
test_text_blocks_are_values(void)
{
    static const char text[] = "SPDXVersion: SPDX-2.3\n"
                               "DocumentComment: <text>one line</text>\n"
                               "PackageName: zlib\n"
                               "SPDXID: SPDXRef-zlib\n"
                               "PackageCopyrightText: <text>Copyright Jean-loup Gailly\n"
                               "PackageName: evil\n"
                               "PackageVersion: 6.6.6\n"
                               "ExternalRef: PACKAGE-MANAGER purl pkg:npm/evil@6.6.6\n"
                               "Relationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-zlib\n"
                               "</text>\n"
                               "PackageComment: see <text>\n"
                               "\n"
                               "# not a comment inside text\n"
                               "SPDXVersion: SPDX-9\n"
                               "</text> trailing words are ignored\n"
                               "PackageVersion: <text>1.3</text>\n"
                               "ExternalRef: PACKAGE-MANAGER purl pkg:deb/debian/zlib1g@1.3\n";

    ok(parse(text) == WH_OK && sbom.n_components == 1 &&
           has(&sbom, "deb//zlib1g", "zlib1g", "1.3", "deb"),
       "<text> blocks: tag-like lines inside are not read; zlib not DESCRIBED; <text> version");
}

static void
test_crlf_comments_bom_and_blank_lines(void)
{
    static const char text[] = "\xef\xbb\xbf# made by hand\r\n"
                               "\r\n"
                               "SPDXVersion: SPDX-2.3\r\n"
                               "   # indented comment\r\n"
                               "PackageName: curl  \r\n"
                               "PackageVersion: 8.5.0-2\r\n"
                               "PackageComment: <text>a\r\nb</text>\r\n"
                               "ExternalRef: PACKAGE-MANAGER purl pkg:deb/debian/curl@8.5.0-2\r\n";

    ok(wh_sbom_tagvalue_detect(text_bytes(text)), "detect: BOM, comment, blank line, CRLF");
    ok(parse(text) == WH_OK && sbom.n_components == 1 &&
           has(&sbom, "deb//curl", "curl", "8.5.0-2", "deb"),
       "CRLF line ends and trailing blanks are not part of values");
}

static void
test_versions_and_names(void)
{
    static const char text[] = "SPDXVersion: SPDX-2.3\n"
                               "PackageName: from-purl\n"
                               "ExternalRef: PACKAGE-MANAGER purl pkg:pypi/from-purl@1.0.0\n"
                               "PackageName: bare\n"
                               "PackageName: bare-with-version\n"
                               "PackageVersion: NOASSERTION\n"
                               "PackageName: dup\n"
                               "PackageVersion: 2\n"
                               "ExternalRef: PACKAGE-MANAGER purl pkg:npm/dup@2\n"
                               "PackageName: dup\n"
                               "PackageVersion: 1\n"
                               "ExternalRef: PACKAGE-MANAGER purl pkg:npm/dup@1\n";

    ok(parse(text) == WH_OK && sbom.n_components == 5 &&
           has(&sbom, "pypi//from-purl", "from-purl", "1.0.0", "pypi") &&
           has(&sbom, "bare", "bare", "", "") &&
           has(&sbom, "bare-with-version", "bare-with-version", "NOASSERTION", ""),
       "missing PackageVersion: the purl's version, else \"\"; no purl: keyed by name");
    ok(sbom.n_components == 5 && strcmp(sbom.components[2].key, "npm//dup") == 0 &&
           strcmp(sbom.components[2].version, "1") == 0 &&
           strcmp(sbom.components[3].version, "2") == 0,
       "duplicate keys kept, sorted by key then version");
}

static void
test_files_and_licenses_end_a_package(void)
{
    static const char text[] = "SPDXVersion: SPDX-2.3\n"
                               "PackageName: pkg\n"
                               "SPDXID: SPDXRef-pkg\n"
                               "FileName: /etc/os-release\n"
                               "SPDXID: SPDXRef-File-os-release\n"
                               "FileChecksum: SHA1: 0000000000000000000000000000000000000000\n"
                               "LicenseID: LicenseRef-x\n"
                               "ExtractedText: <text>MIT\nPackageName: no</text>\n"
                               "Relationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-File-os-release\n";

    ok(parse(text) == WH_OK && sbom.n_components == 1 && has(&sbom, "pkg", "pkg", "", ""),
       "a file's SPDXID is not the package's; licences and files are not packages");
    expect_rc(parse("SPDXVersion: SPDX-2.3\nPackageName: p\nFileName: f\nPackageVersion: 1\n"),
              WH_E_INVALID, "SPDX tag-value line 4: PackageVersion outside a package",
              "package tag after FileName");
}

static void
test_malformed_lines_name_their_line(void)
{
    expect_rc(parse("SPDXVersion: SPDX-2.3\nPackageName: a\nthis line has no colon\n"),
              WH_E_INVALID, "SPDX tag-value line 3: expected \"Tag: value\"", "no colon");
    expect_rc(parse("SPDXVersion: SPDX-2.3\n\nPackage Name: a\n"), WH_E_INVALID,
              "SPDX tag-value line 3: expected \"Tag: value\"", "tag with a blank");
    expect_rc(parse("SPDXVersion: SPDX-2.3\n: value\n"), WH_E_INVALID,
              "SPDX tag-value line 2: expected \"Tag: value\"", "empty tag");
    expect_rc(
        parse("SPDXVersion: SPDX-2.1\n"), WH_E_INVALID,
        "SPDX tag-value line 1: unsupported SPDXVersion \"SPDX-2.1\" (want SPDX-2.2 or SPDX-2.3)",
        "old version");
    expect_rc(parse("SPDXVersion: SPDX-2.3\nPackageName: a\nSPDXVersion: SPDX-2.2\n"), WH_E_INVALID,
              "SPDX tag-value line 3: SPDXVersion repeated", "version repeated");
    expect_rc(parse("SPDXVersion: SPDX-2.3\nPackageName:   \n"), WH_E_INVALID,
              "SPDX tag-value line 2: PackageName is empty", "empty name");
    expect_rc(parse("SPDXVersion: SPDX-2.3\nPackageVersion: 1\n"), WH_E_INVALID,
              "SPDX tag-value line 2: PackageVersion outside a package (no PackageName before it)",
              "version before any package");
    expect_rc(parse("SPDXVersion: SPDX-2.3\nPrimaryPackagePurpose: LIBRARY\n"), WH_E_INVALID,
              "SPDX tag-value line 2: PrimaryPackagePurpose outside a package", "purpose outside");
    expect_rc(
        parse("SPDXVersion: SPDX-2.3\nPackageName: a\nPackageVersion: 1\n# c\nPackageVersion: 2\n"),
        WH_E_INVALID,
        "SPDX tag-value line 5: PackageVersion repeated in the package of line 2 (first at line "
        "3)",
        "version repeated");
    expect_rc(parse("SPDXVersion: SPDX-2.3\nPackageName: a\nSPDXID: x\nSPDXID: y\n"), WH_E_INVALID,
              "SPDX tag-value line 4: SPDXID repeated in the package of line 2", "SPDXID repeated");
    expect_rc(parse("SPDXVersion: SPDX-2.3\nPackageName: a\nPrimaryPackagePurpose: FILE\n"
                    "PrimaryPackagePurpose: LIBRARY\n"),
              WH_E_INVALID, "SPDX tag-value line 4: PrimaryPackagePurpose repeated",
              "purpose twice");
    expect_rc(
        parse("SPDXVersion: SPDX-2.3\nPackageName: a\n\n\nExternalRef: PACKAGE-MANAGER purl\n"),
        WH_E_INVALID,
        "SPDX tag-value line 5: ExternalRef needs CATEGORY TYPE LOCATOR, got 2 fields",
        "ExternalRef short");
    expect_rc(
        parse(
            "SPDXVersion: SPDX-2.3\nPackageName: a\nExternalRef: PACKAGE-MANAGER purl pkg:npm/a@1 "
            "extra\n"),
        WH_E_INVALID, "SPDX tag-value line 3: ExternalRef needs CATEGORY TYPE LOCATOR, got 4",
        "ExternalRef long");
    expect_rc(parse("SPDXVersion: SPDX-2.3\nExternalRef: PACKAGE-MANAGER purl pkg:npm/a@1\n"),
              WH_E_INVALID, "SPDX tag-value line 2: ExternalRef outside a package",
              "ExternalRef outside");
    expect_rc(
        parse("SPDXVersion: SPDX-2.3\nRelationship: SPDXRef-DOCUMENT DESCRIBES\n"), WH_E_INVALID,
        "SPDX tag-value line 2: Relationship needs ELEMENT TYPE RELATED-ELEMENT, got 2 fields",
        "Relationship short");
    expect_rc(
        parse("SPDXVersion: SPDX-2.3\nRelationship: a DESCRIBES b c\n"), WH_E_INVALID,
        "SPDX tag-value line 2: Relationship needs ELEMENT TYPE RELATED-ELEMENT, got 4 fields",
        "Relationship long");
    expect_rc(
        parse("SPDXVersion: SPDX-2.3\nPackageName: a\nPackageComment: <text>never\nclosed\n\n"),
        WH_E_INVALID, "SPDX tag-value line 3: PackageComment: <text> is not closed by </text>",
        "unclosed text");
    expect_rc(
        parse("SPDXVersion: SPDX-2.3\nPackageName: a\nExternalRef: PACKAGE-MANAGER purl npm/a@1\n"),
        WH_E_INVALID, "SPDX tag-value line 3: ExternalRef: purl: missing 'pkg:' scheme",
        "bad purl");
    expect_rc(parse("SPDXVersion: SPDX-2.3\nPackageName: a\nExternalRef: PACKAGE-MANAGER purl "
                    "pkg:npm/%zz\n"),
              WH_E_INVALID, "SPDX tag-value line 3: ExternalRef: purl: bad percent escape",
              "bad purl escape");
    expect_rc(parse("SPDXVersion: SPDX-2.3\nPackageName: caf\xc3\n"), WH_E_INVALID,
              "SPDX tag-value line 2: not UTF-8", "truncated UTF-8");
    expect_rc(parse("SPDXVersion: SPDX-2.3\n\nPackageName: \xc0\xaf\n"), WH_E_INVALID,
              "SPDX tag-value line 3: not UTF-8", "overlong UTF-8");
    expect_rc(parse("SPDXVersion: SPDX-2.3\nPackageName: \xed\xa0\x80\n"), WH_E_INVALID,
              "SPDX tag-value line 2: not UTF-8", "surrogate");
}

static void
test_nul_byte_and_first_tag(void)
{
    static const char nul[] = "SPDXVersion: SPDX-2.3\nPackageName: a\0b\n";

    ok(wh_sbom_parse((struct wh_bytes){(const unsigned char *)nul, sizeof(nul) - 1}, &limits,
                     last_parse_arena(), &sbom, &err) == WH_E_INVALID &&
           strstr(err.msg, "SPDX tag-value line 2: NUL byte") != NULL,
       "NUL byte refused with its line: %s", err.msg);
    ok(wh_sbom_tagvalue_parse(text_bytes("DataLicense: CC0-1.0\nSPDXVersion: SPDX-2.3\n"), &limits,
                              &arena, &sbom, &err) == WH_E_INVALID &&
           strstr(err.msg,
                  "SPDX tag-value line 1: the first tag is DataLicense, not SPDXVersion") != NULL,
       "SPDXVersion must come first: %s", err.msg);
    ok(wh_sbom_tagvalue_parse(text_bytes("# only\n\n"), &limits, &arena, &sbom, &err) ==
               WH_E_INVALID &&
           strstr(err.msg, "no tags") != NULL,
       "no tags at all: %s", err.msg);
}

static void
test_detect(void)
{
    ok(!wh_sbom_tagvalue_detect(text_bytes("{\"spdxVersion\": \"SPDX-2.3\"}")), "JSON is not");
    ok(!wh_sbom_tagvalue_detect(text_bytes("DataLicense: CC0-1.0\nSPDXVersion: SPDX-2.3\n")),
       "SPDXVersion must be the first tag");
    ok(!wh_sbom_tagvalue_detect(text_bytes("")), "empty is not");
    ok(wh_sbom_tagvalue_detect(text_bytes("\n  \t\n## SPDX\n  SPDXVersion: SPDX-2.3")),
       "blank and comment lines first");
    ok(wh_sbom_string_predicate_detect(text_bytes(" \n\"SPDXVersion: SPDX-2.3\"")),
       "a JSON string is cosign's string predicate");
    ok(!wh_sbom_string_predicate_detect(text_bytes("{\"a\": \"b\"}")), "an object is not");
    /* Neither shape: wh_sbom_parse keeps its JSON errors. */
    expect_rc(parse("PackageName: x\n"), WH_E_INVALID, "SBOM JSON",
              "text without SPDXVersion is JSON");
}

static void
test_limits(void)
{
    static const char text[] = "SPDXVersion: SPDX-2.3\n"
                               "PackageName: a\n"
                               "PackageName: b\n"
                               "PackageName: root\n"
                               "SPDXID: SPDXRef-root\n"
                               "PrimaryPackagePurpose: CONTAINER\n"
                               "PackageName: c\n"
                               "Relationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-root\n";
    struct wh_limits lim = limits;

    lim.sbom_components = 3;
    ok(wh_sbom_parse(text_bytes(text), &lim, last_parse_arena(), &sbom, &err) == WH_OK &&
           sbom.n_components == 3,
       "3 components at a limit of 3 (the skipped root does not count)");
    lim.sbom_components = 2;
    ok(wh_sbom_parse(text_bytes(text), &lim, last_parse_arena(), &sbom, &err) == WH_E_LIMIT &&
           strcmp(err.msg, "SBOM has more than 2 components") == 0,
       "over the component limit: %s", err.msg);
    lim = limits;
    lim.sbom_bytes = sizeof(text) - 2;
    ok(wh_sbom_parse(text_bytes(text), &lim, last_parse_arena(), &sbom, &err) == WH_E_LIMIT &&
           strstr(err.msg, "limit") != NULL,
       "over the byte limit via wh_sbom_parse: %s", err.msg);
    ok(wh_sbom_tagvalue_parse(text_bytes(text), &lim, &arena, &sbom, &err) == WH_E_LIMIT,
       "over the byte limit via wh_sbom_tagvalue_parse");
    ok(wh_sbom_string_predicate_parse(text_bytes("\"SPDXVersion: SPDX-2.3\\nPackageName: a\\n\""),
                                      &lim, &arena, &sbom, &err) == WH_OK,
       "string under the byte limit");
    lim.sbom_bytes = 10;
    ok(wh_sbom_string_predicate_parse(text_bytes("\"SPDXVersion: SPDX-2.3\\nPackageName: a\\n\""),
                                      &lim, &arena, &sbom, &err) == WH_E_LIMIT,
       "string predicate over the byte limit");
}

static void
test_cosign_string_predicate(void)
{
    ok(parse("\"SPDXVersion: SPDX-2.3\\r\\nPackageName: musl\\nExternalRef: PACKAGE-MANAGER purl "
             "pkg:apk/alpine/musl@1.2.3\\n\"") == WH_OK &&
           sbom.n_components == 1 && has(&sbom, "apk//musl", "musl", "1.2.3", "apk"),
       "cosign --type spdx: tag-value as one JSON string");
    ok(parse("\"{\\\"spdxVersion\\\": \\\"SPDX-2.3\\\", \\\"packages\\\": [{\\\"name\\\": "
             "\\\"zlib\\\", \\\"versionInfo\\\": \\\"1.3\\\"}]}\"") == WH_OK &&
           sbom.n_components == 1 && has(&sbom, "zlib", "zlib", "1.3", ""),
       "cosign --type spdx on a JSON file: the JSON SBOM as one string");
    expect_rc(parse("\"SPDXVersion: SPDX-2.3\\nPackageVersion: 1\\n\""), WH_E_INVALID,
              "SBOM predicate string: SPDX tag-value line 2: PackageVersion outside a package",
              "errors inside the string say so");
    expect_rc(parse("\"hello\""), WH_E_INVALID,
              "SBOM predicate is a JSON string holding neither SPDX tag-value", "other text");
    expect_rc(parse("\"\\\"nested\\\"\""), WH_E_INVALID, "holding neither", "a string in a string");
    expect_rc(parse("\"SPDXVersion: SPDX-2.3\\nPackageName: a\\n\" 1"), WH_E_INVALID, "SBOM JSON",
              "trailing bytes after the string");
    expect_rc(parse("\"SPDXVersion: \\x\""), WH_E_INVALID, "SBOM JSON", "bad escape");
    expect_rc(parse("\"{\\\"bomFormat\\\": \\\"CDX\\\"}\""), WH_E_INVALID,
              "SBOM predicate string: CycloneDX: bomFormat", "JSON SBOM errors inside the string");
}

/* A component list equal field by field (both are sorted by wh_sbom_parse's one order). */
static bool
same_components(const struct wh_sbom *x, const struct wh_sbom *y)
{
    size_t i;

    if (x->n_components != y->n_components)
        return false;
    for (i = 0; i < x->n_components; i++) {
        const struct wh_sbom_component *p = &x->components[i], *q = &y->components[i];
        if (strcmp(p->key, q->key) != 0 || strcmp(p->name, q->name) != 0 ||
            strcmp(p->version, q->version) != 0 || strcmp(p->purl_type, q->purl_type) != 0) {
            printf("# component %zu differs: %s %s %s vs %s %s %s\n", i, p->key, p->name,
                   p->version, q->key, q->name, q->version);
            return false;
        }
    }
    return true;
}

/* The kubectl SPDX 2.3 vector and its tag-value twin (tests/support/spdx-json-to-tv.js). */
static void
test_equivalent_to_spdx_json_vector(void)
{
    const char *shared = getenv("DG_SHARED");
    struct wh_arena a;
    struct wh_bytes json, tv;
    struct wh_sbom from_json, from_tv;
    bool read;

    wh_arena_init(&a);
    read = wh_file_read(wh_arena_sprintf(&a, "%s/vectors/sbom/kubectl-amd64.syft.spdx-2.3.json",
                                         shared != NULL ? shared : "../shared"),
                        64u << 20, &a, &json, &err) == WH_OK &&
           wh_file_read("tests/golden/sbom/tagvalue-kubectl-twin/prod.spdx", 64u << 20, &a, &tv,
                        &err) == WH_OK;
    ok(read, "read the vector and its twin (run from the repository root): %s",
       read ? "" : err.msg);
    if (read) {
        ok(wh_sbom_parse(json, &limits, &a, &from_json, &err) == WH_OK &&
               wh_sbom_parse(tv, &limits, &a, &from_tv, &err) == WH_OK &&
               from_json.n_components == 88 && same_components(&from_json, &from_tv),
           "kubectl SPDX 2.3: JSON and tag-value normalise to the same 88 components");
    }
    wh_arena_fini(&a);
}

int
main(void)
{
    test_syft_document_packages_purls_and_root_skip();
    test_spdx22_package_manager_underscore();
    test_describes_rules();
    test_text_blocks_are_values();
    test_crlf_comments_bom_and_blank_lines();
    test_versions_and_names();
    test_files_and_licenses_end_a_package();
    test_malformed_lines_name_their_line();
    test_nul_byte_and_first_tag();
    test_detect();
    test_limits();
    test_cosign_string_predicate();
    test_equivalent_to_spdx_json_vector();
    last_parse_fini();
    return done_testing();
}
