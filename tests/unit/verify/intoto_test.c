#include <string.h>

#include "base/arena.h"
#include "support/testsign.h"
#include "unit/harness.h"
#include "verify/intoto.h"

#define DIGEST "sha256:4edbd2beb5f78b1014028f4fbb99f3237d9561100b6881aabbf5acce2c4f9454"
#define OTHER "sha256:1111111111111111111111111111111111111111111111111111111111111111"

static const struct wh_limits lim = WH_LIMITS_DEFAULT;

static void
test_v01_statement_parses_and_binds(void)
{
    struct wh_arena a;
    struct wh_error err = {0};
    struct wh_intoto_statement st;
    const char *json;

    wh_arena_init(&a);
    json = testsign_statement(DIGEST, "https://cyclonedx.org/bom",
                              "{ \"bomFormat\" : \"CycloneDX\", \"components\": [ ] }", &a);
    ok(wh_verify_intoto_parse(testsign_lit(json), &lim, &a, &st, &err) == WH_OK, "v0.1 parses: %s",
       err.msg);
    ok(strcmp(st.type, WH_INTOTO_STATEMENT_V01) == 0 &&
           strcmp(st.predicate_type, "https://cyclonedx.org/bom") == 0 && st.n_subjects == 1 &&
           strcmp(st.subjects[0].name, "127.0.0.1:5000/demo/app") == 0 &&
           strcmp(st.subjects[0].sha256, DIGEST) == 0,
       "fields copied");
    ok(strcmp((const char *)st.predicate.ptr, "{\"bomFormat\":\"CycloneDX\",\"components\":[]}") ==
           0,
       "predicate kept as compact JSON in order: %s", (const char *)st.predicate.ptr);
    ok(wh_verify_intoto_subject(&st, DIGEST, &err) == WH_OK, "subject matches the image digest");
    ok(wh_verify_intoto_subject(&st, OTHER, &err) == WH_E_VERIFY && strstr(err.msg, DIGEST) &&
           strstr(err.msg, OTHER),
       "replayed attestation is WH_E_VERIFY naming both digests: %s", err.msg);
    wh_arena_fini(&a);
}

static void
test_v1_statement_with_several_subjects(void)
{
    struct wh_arena a;
    struct wh_error err = {0};
    struct wh_intoto_statement st;
    const char *json = "{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{\"name\":"
                       "\"a.txt\",\"digest\":{\"sha1\":\"00\"}},{\"digest\":{\"sha256\":"
                       "\"4EDBD2BEB5F78B1014028F4FBB99F3237D9561100B6881AABBF5ACCE2C4F9454\"}}],"
                       "\"predicateType\":\"https://slsa.dev/provenance/v1\"}";

    wh_arena_init(&a);
    ok(wh_verify_intoto_parse(testsign_lit(json), &lim, &a, &st, &err) == WH_OK, "v1 parses: %s",
       err.msg);
    ok(st.n_subjects == 2 && st.subjects[0].sha256 == NULL && strcmp(st.subjects[1].name, "") == 0,
       "subject without sha256 kept with NULL digest");
    ok(strcmp((const char *)st.predicate.ptr, "null") == 0, "absent predicate is null");
    ok(wh_verify_intoto_subject(&st, DIGEST, &err) == WH_OK,
       "uppercase hex subject binds to the lowercase digest");
    json = "{\"_type\":\"https://in-toto.io/Statement/v0.1\",\"subject\":[{\"uri\":\"pkg:maven/"
           "x/y@1\"}],\"predicateType\":\"https://in-toto.io/attestation/vulns/v0.1\"}";
    ok(wh_verify_intoto_parse(testsign_lit(json), &lim, &a, &st, &err) == WH_OK &&
           st.n_subjects == 1 && st.subjects[0].sha256 == NULL,
       "uri-only subject parses without a digest: %s", err.msg);
    ok(wh_verify_intoto_subject(&st, DIGEST, &err) == WH_E_VERIFY &&
           strstr(err.msg, "(no sha256) does not include") != NULL,
       "uri-only subject never binds: %s", err.msg);
    wh_arena_fini(&a);
}

#define SHA512_HEX                                                                                 \
    "6b869880c5072e6a31f8e2280f29fc947f595c53fdff8196a112886108bcd16b746937f22acc82c58a48202e6e91" \
    "1f"                                                                                           \
    "2cf1334768dcb3a0cf6760a6f29f33c3e8"

/* Issue 11 item 6: npm provenance names the package tarball by sha512 only. */
static void
test_sha512_subjects_bind(void)
{
    struct wh_arena a;
    struct wh_error err = {0};
    struct wh_intoto_statement st;
    char upper[sizeof(SHA512_HEX)], other[] = "sha512:" SHA512_HEX;
    char *json;

    wh_arena_init(&a);
    for (size_t i = 0; i < sizeof(upper); i++)
        upper[i] = (char)(SHA512_HEX[i] >= 'a' && SHA512_HEX[i] <= 'f' ? SHA512_HEX[i] - 32
                                                                       : SHA512_HEX[i]);
    json = wh_arena_sprintf(&a,
                            "{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{\"name\":"
                            "\"pkg:npm/left-pad@1.3.0\",\"digest\":{\"sha512\":\"%s\"}}],"
                            "\"predicateType\":\"https://slsa.dev/provenance/v1\"}",
                            upper);
    ok(wh_verify_intoto_parse(testsign_lit(json), &lim, &a, &st, &err) == WH_OK &&
           st.n_subjects == 1 && st.subjects[0].sha256 == NULL && st.subjects[0].sha512 != NULL &&
           strcmp(st.subjects[0].sha512, "sha512:" SHA512_HEX) == 0,
       "sha512 subject parses, lowered: %s", err.msg);
    ok(wh_verify_intoto_subject(&st, "sha512:" SHA512_HEX, &err) == WH_OK,
       "subject binds to its sha512: %s", err.msg);
    other[7 + 127] = '9'; /* the last hex digit: one byte differs */
    ok(wh_verify_intoto_subject(&st, other, &err) == WH_E_VERIFY &&
           strstr(err.msg, "does not include the artifact digest sha512:") != NULL &&
           strstr(err.msg, "sha512:" SHA512_HEX) != NULL,
       "a sha512 differing in one byte is WH_E_VERIFY naming both: %s", err.msg);
    ok(wh_verify_intoto_subject(&st, DIGEST, &err) == WH_E_VERIFY &&
           strstr(err.msg, "(no sha256)") != NULL,
       "a sha512-only subject never binds a sha256 digest: %s", err.msg);
    wh_arena_fini(&a);
}

static void
check_invalid(const char *json, const struct wh_limits *l, enum wh_err code, const char *substr)
{
    struct wh_arena a;
    struct wh_error err = {0};
    struct wh_intoto_statement st;
    enum wh_err rc;

    wh_arena_init(&a);
    rc = wh_verify_intoto_parse(testsign_lit(json), l, &a, &st, &err);
    ok(rc == code && strstr(err.msg, substr) != NULL, "%s → %s: %s", substr, wh_error_name(rc),
       err.msg);
    wh_arena_fini(&a);
}

#define SUBJ "\"subject\":[{\"digest\":{\"sha256\":\"" DIGEST_HEX "\"}}]"
#define DIGEST_HEX "4edbd2beb5f78b1014028f4fbb99f3237d9561100b6881aabbf5acce2c4f9454"

/* A v1 statement with a predicate type, up to its subjects. */
#define V1_TO_SUBJECT "{\"_type\":\"https://in-toto.io/Statement/v1\",\"predicateType\":\"p\","

static void
test_malformed_statements_rejected(void)
{
    static const struct str_case bad[] = {
        {"{\"_type\":\"https://in-toto.io/Statement/v2\",\"predicateType\":\"p\"," SUBJ "}",
         "unsupported statement _type"},
        {"{\"predicateType\":\"p\"," SUBJ "}", "no \"_type\""},
        {"{\"_type\":\"https://in-toto.io/Statement/v1\"," SUBJ "}", "no \"predicateType\""},
        {V1_TO_SUBJECT "\"subject\":[]}", "no subjects"},
        {V1_TO_SUBJECT "\"subject\":[{\"digest\":{\"sha256\":\"abc\"}}]}", "is not 64 hex digits"},
        {V1_TO_SUBJECT "\"subject\":[{\"digest\":{\"sha512\":\"" DIGEST_HEX "\"}}]}",
         "digest.sha512 \"" DIGEST_HEX "\" is not 128 hex digits"},
        {V1_TO_SUBJECT "\"subject\":[{\"digest\":{\"sha512\":7}}]}",
         "digest.sha512 is not a string"},
        {V1_TO_SUBJECT "\"subject\":[{\"name\":\"x\",\"digest\":\"abc\"}]}",
         "subject[0].digest is not an object"},
        {"not json", "statement JSON 1:"},
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        check_invalid(bad[i].in, &lim, WH_E_INVALID, bad[i].want);
}

static void
test_limits_on_size_depth_and_predicate(void)
{
    struct wh_limits l = WH_LIMITS_DEFAULT;
    char deep[400];
    size_t n = 0;

    n += (size_t)snprintf(
        deep, sizeof(deep),
        "{\"_type\":\"https://in-toto.io/Statement/v1\",\"predicateType\":\"p\"," SUBJ
        ",\"predicate\":");
    for (int i = 0; i < 10; i++)
        deep[n++] = '[';
    for (int i = 0; i < 10; i++)
        deep[n++] = ']';
    deep[n++] = '}';
    deep[n] = '\0';
    l.json_depth = 8;
    check_invalid(deep, &l, WH_E_LIMIT, "nests deeper than 8 levels");
    l = (struct wh_limits)WH_LIMITS_DEFAULT;
    l.sbom_bytes = 10;
    check_invalid("{\"_type\":\"https://in-toto.io/Statement/v1\",\"predicateType\":\"p\"," SUBJ
                  ",\"predicate\":{\"abcdefgh\":1}}",
                  &l, WH_E_LIMIT, "predicate of 14 bytes exceeds the limit of 10");
    l = (struct wh_limits)WH_LIMITS_DEFAULT;
    l.blob_bytes = 16;
    check_invalid("{\"_type\":\"https://in-toto.io/Statement/v1\"}", &l, WH_E_LIMIT,
                  "exceeds the limit of 16");
}

int
main(void)
{
    test_v01_statement_parses_and_binds();
    test_v1_statement_with_several_subjects();
    test_sha512_subjects_bind();
    test_malformed_statements_rejected();
    test_limits_on_size_depth_and_predicate();
    return done_testing();
}
