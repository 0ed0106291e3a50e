/* verify/predicates.c on the real vectors in $DG_SHARED/vectors/predicates and crafted Trivy,
 * Grype, CycloneDX and agent-provenance predicates. */
#include <stdlib.h>
#include <string.h>

#include "base/digest.h"
#include "base/file.h"
#include "support/testsign.h"
#include "unit/harness.h"
#include "verify/intoto.h"
#include "verify/predicates.h"

static const struct wh_limits lim = WH_LIMITS_DEFAULT;

static struct wh_bytes
read_vector(struct wh_arena *a, const char *name)
{
    const char *shared = getenv("DG_SHARED");
    struct wh_bytes b = {0};
    struct wh_error err = {0};
    const char *path = wh_arena_sprintf(a, "%s/vectors/predicates/%s",
                                        shared != NULL ? shared : "../shared", name);

    if (wh_file_read(path, 64u << 20, a, &b, &err) != WH_OK)
        printf("# cannot read %s: %s\n", path, err.msg);
    return b;
}

/* Statement JSON → attestation (as verification hands it over). */
static bool
from_statement(struct wh_arena *a, struct wh_bytes json, struct wh_attestation *att)
{
    struct wh_intoto_statement st;
    struct wh_error err = {0};

    if (wh_verify_intoto_parse(json, &lim, a, &st, &err) != WH_OK) {
        printf("# statement: %s\n", err.msg);
        return false;
    }
    att->predicate_type = st.predicate_type;
    att->signer = "ci-key";
    att->predicate = st.predicate;
    return true;
}

/* DSSE envelope JSON → its payload statement (the envelope's own signature is not checked). */
static bool
from_envelope(struct wh_arena *a, const char *name, struct wh_attestation *att)
{
    struct wh_bytes env = read_vector(a, name), payload;
    struct wh_error err = {0};
    const char *p = strstr((const char *)env.ptr, "\"payload\"");
    const char *q, *end;

    if (p == NULL || (q = strchr(p + 9, '"')) == NULL || (end = strchr(q + 1, '"')) == NULL)
        return false;
    if (wh_digest_base64_decode((struct wh_str){q + 1, (size_t)(end - q - 1)}, a, &payload, &err) !=
        WH_OK)
        return false;
    return from_statement(a, payload, att);
}

static enum wh_err
parse(struct wh_arena *a, const char *type, const char *predicate, struct wh_predicates *out,
      struct wh_error *err)
{
    struct wh_attestation att = {type, "ci-key", testsign_lit(predicate)};

    return wh_verify_predicates_parse(&att, &lim, a, out, err);
}

static void
test_slsa_v02_statement_from_npm(void)
{
    struct wh_arena a;
    struct wh_attestation att;
    struct wh_predicates p = {0};
    struct wh_error err = {0};
    const struct wh_provenance *pv;

    wh_arena_init(&a);
    ok(from_statement(&a, read_vector(&a, "slsa-v0.2.statement.json"), &att), "statement parses");
    ok(wh_verify_predicates_parse(&att, &lim, &a, &p, &err) == WH_OK, "v0.2 parses: %s", err.msg);
    pv = p.provenance;
    ok(pv != NULL && strcmp(pv->version, "v0.2") == 0 &&
           strcmp(pv->builder_id, "https://github.com/actions/runner") == 0 &&
           strcmp(pv->builder_id_field, "builder.id") == 0 &&
           strcmp(pv->build_type, "https://github.com/npm/cli/gha/v2") == 0,
       "builder and build type");
    ok(pv != NULL && strcmp(pv->source_repo, "github.com/sigstore/sigstore-js") == 0 &&
           strcmp(pv->source_ref, "refs/heads/main") == 0 &&
           strcmp(pv->source_commit, "dae8bd8eb433a4147b4655c00fe73e0f22bc0fb1") == 0 &&
           strcmp(pv->source_field, "invocation.configSource.uri") == 0,
       "source repo, ref and commit from invocation.configSource");
    ok(pv != NULL && pv->n_dependencies == 1 &&
           strcmp(pv->dependencies[0].field, "materials[0]") == 0 &&
           pv->dependencies[0].n_digests == 1 &&
           strcmp(pv->dependencies[0].digests[0].alg, "sha1") == 0,
       "materials become dependencies");
    ok(strcmp(p.provenance_signer, "ci-key") == 0, "signer kept");
    wh_arena_fini(&a);
}

static void
test_slsa_v1_statement_and_bare_predicates(void)
{
    struct wh_arena a;
    struct wh_attestation att;
    struct wh_predicates p = {0}, q = {0}, r = {0};
    struct wh_error err = {0};
    struct wh_bytes b;

    wh_arena_init(&a);
    ok(from_statement(&a, read_vector(&a, "slsa-v1.statement.json"), &att), "v1 statement");
    ok(wh_verify_predicates_parse(&att, &lim, &a, &p, &err) == WH_OK, "v1 parses: %s", err.msg);
    ok(p.provenance != NULL && strcmp(p.provenance->version, "v1") == 0 &&
           strcmp(p.provenance->builder_id,
                  "https://github.com/loosebazooka/aa-test/.github/workflows/"
                  "provenance.yaml@refs/heads/main") == 0 &&
           strcmp(p.provenance->builder_id_field, "runDetails.builder.id") == 0 &&
           strcmp(p.provenance->build_type, "https://actions.github.io/buildtypes/workflow/v1") ==
               0,
       "v1 builder and build type");
    ok(p.provenance != NULL &&
           strcmp(p.provenance->source_repo, "github.com/loosebazooka/aa-test") == 0 &&
           strcmp(p.provenance->source_ref, "refs/heads/main") == 0 &&
           strcmp(p.provenance->source_commit, "a9cd7bf0bbfd5732800b8196ce893ae9915b1e87") == 0 &&
           strcmp(p.provenance->source_field,
                  "buildDefinition.externalParameters.workflow.repository") == 0,
       "v1 GitHub workflow source, commit from the git dependency");
    b = read_vector(&a, "slsa-v1.predicate.json");
    ok(parse(&a, WH_PREDICATE_SLSA_V1, (const char *)b.ptr, &q, &err) == WH_OK &&
           q.provenance != NULL && strcmp(q.provenance->source_ref, "refs/tags/1.21.0") == 0,
       "bare v1 predicate: %s", err.msg);
    b = read_vector(&a, "slsa-v0.2.predicate.json");
    ok(parse(&a, WH_PREDICATE_SLSA_V02, (const char *)b.ptr, &r, &err) == WH_OK &&
           r.provenance != NULL &&
           strcmp(r.provenance->source_repo, "github.com/sigstore/sigstore-python") == 0 &&
           strcmp(r.provenance->source_ref, "refs/tags/v3.2.0") == 0,
       "bare v0.2 predicate: %s", err.msg);
    wh_arena_fini(&a);
}

static void
test_tekton_envelope_has_no_source_but_parses(void)
{
    struct wh_arena a;
    struct wh_attestation att;
    struct wh_predicates p = {0};
    struct wh_error err = {0};

    wh_arena_init(&a);
    ok(from_envelope(&a, "tekton-chains-slsa-v0.2.envelope.json", &att), "tekton payload");
    ok(wh_verify_predicates_parse(&att, &lim, &a, &p, &err) == WH_OK && p.provenance != NULL &&
           strcmp(p.provenance->builder_id, "https://tekton.dev/chains/v2") == 0 &&
           p.provenance->source_repo == NULL,
       "tekton: builder read, empty configSource means no source: %s", err.msg);
    wh_arena_fini(&a);
}

static void
test_cosign_vuln_vectors(void)
{
    struct wh_arena a;
    struct wh_attestation att;
    struct wh_predicates p = {0}, q = {0}, r = {0};
    struct wh_error err = {0};
    struct wh_bytes b;

    wh_arena_init(&a);
    ok(from_envelope(&a, "cosign-vuln.envelope.json", &att), "vuln envelope payload");
    ok(wh_verify_predicates_parse(&att, &lim, &a, &p, &err) == WH_OK && p.vulns != NULL &&
           strcmp(p.vulns->format, "empty") == 0 && p.vulns->n_vulns == 0 &&
           p.vulns->has_scanned_at && p.vulns->scanned_at < 0,
       "cosign vuln: null result is an empty scan finished in year 1: %s", err.msg);
    b = read_vector(&a, "cosign-vuln.predicate.json");
    ok(parse(&a, WH_PREDICATE_COSIGN_VULN, (const char *)b.ptr, &q, &err) == WH_OK &&
           q.vulns != NULL && q.vulns->scanned_at == 1649722200 &&
           strcmp(q.vulns->scanner, "fakescanner.example.com/cosign-testing") == 0,
       "bare vuln predicate: scanFinishedOn 2022-04-12T00:10:00Z: %s", err.msg);
    ok(from_envelope(&a, "cosign-vuln-bad-predicatetype.envelope.json", &att) &&
           wh_verify_predicates_parse(&att, &lim, &a, &r, &err) == WH_OK && r.vulns == NULL,
       "predicateType without https:// is not a vuln attestation");
    ok(from_statement(&a, read_vector(&a, "in-toto-vulns-v0.1.statement.json"), &att) &&
           wh_verify_predicates_parse(&att, &lim, &a, &r, &err) == WH_OK && r.vulns == NULL,
       "in-toto vulns/v0.1 does not count as the cosign vuln predicate");
    ok(from_envelope(&a, "cosign-custom.envelope.json", &att) &&
           wh_verify_predicates_parse(&att, &lim, &a, &r, &err) == WH_OK && r.vulns == NULL &&
           r.provenance == NULL && r.agent == NULL,
       "custom predicate is ignored");
    wh_arena_fini(&a);
}

#define TRIVY                                                                                      \
    "{\"scanner\":{\"uri\":\"pkg:github/aquasecurity/trivy@v0.50.1\",\"version\":\"0.50.1\","      \
    "\"result\":{\"SchemaVersion\":2,\"Results\":[{\"Target\":\"debian\",\"Vulnerabilities\":["    \
    "{\"VulnerabilityID\":\"CVE-2023-5363\",\"PkgName\":\"libssl3\",\"InstalledVersion\":"         \
    "\"3.0.11-1~deb12u1\",\"FixedVersion\":\"3.0.11-1~deb12u2\",\"Severity\":\"HIGH\"},"           \
    "{\"VulnerabilityID\":\"CVE-2011-3374\",\"PkgName\":\"apt\",\"InstalledVersion\":\"2.6.1\","   \
    "\"Severity\":\"LOW\"}]},{\"Target\":\"python\",\"Vulnerabilities\":null}]}},"                 \
    "\"metadata\":{\"scanStartedOn\":\"2024-05-01T10:00:00Z\",\"scanFinishedOn\":"                 \
    "\"2024-05-01T12:00:00.123+02:00\"}}"

static void
test_trivy_result(void)
{
    struct wh_arena a;
    struct wh_predicates p = {0};
    struct wh_error err = {0};
    const struct wh_vuln_report *r;

    wh_arena_init(&a);
    ok(parse(&a, WH_PREDICATE_COSIGN_VULN, TRIVY, &p, &err) == WH_OK, "trivy parses: %s", err.msg);
    r = p.vulns;
    ok(r != NULL && strcmp(r->format, "trivy") == 0 && r->n_vulns == 2 &&
           strcmp(r->scanner, "pkg:github/aquasecurity/trivy@v0.50.1 0.50.1") == 0,
       "two findings, scanner named");
    ok(r != NULL && r->n_vulns == 2 && strcmp(r->vulns[0].id, "CVE-2023-5363") == 0 &&
           strcmp(r->vulns[0].package, "libssl3") == 0 &&
           r->vulns[0].severity == WH_SEVERITY_HIGH && r->vulns[0].is_fixable &&
           strcmp(r->vulns[0].fixed_version, "3.0.11-1~deb12u2") == 0 &&
           strcmp(r->vulns[0].field, "scanner.result.Results[0].Vulnerabilities[0]") == 0,
       "first finding: fixable high with its field");
    ok(r != NULL && r->n_vulns == 2 && !r->vulns[1].is_fixable &&
           r->vulns[1].severity == WH_SEVERITY_LOW,
       "second finding: no fix");
    ok(r != NULL && r->has_scanned_at && r->scanned_at == 1714557600,
       "offset time 12:00+02:00 is 10:00Z");
    wh_arena_fini(&a);
}

static void
test_grype_result(void)
{
    struct wh_arena a;
    struct wh_predicates p = {0};
    struct wh_error err = {0};
    const char *grype =
        "{\"scanner\":{\"uri\":\"grype\",\"result\":{\"matches\":[{\"vulnerability\":{\"id\":"
        "\"GHSA-xxxx\",\"severity\":\"Critical\",\"fix\":{\"versions\":[\"1.2.4\"],\"state\":"
        "\"fixed\"}},\"artifact\":{\"name\":\"lodash\",\"version\":\"1.2.3\"}},{\"vulnerability\":"
        "{\"id\":\"CVE-1\",\"severity\":\"Negligible\",\"fix\":{\"versions\":[],\"state\":"
        "\"wont-fix\"}},\"artifact\":{\"name\":\"bash\",\"version\":\"5\"}}]}},\"metadata\":{}}";

    wh_arena_init(&a);
    ok(parse(&a, WH_PREDICATE_COSIGN_VULN, grype, &p, &err) == WH_OK && p.vulns != NULL &&
           strcmp(p.vulns->format, "grype") == 0 && p.vulns->n_vulns == 2 &&
           !p.vulns->has_scanned_at,
       "grype parses, no scan time: %s", err.msg);
    ok(p.vulns != NULL && p.vulns->n_vulns == 2 &&
           p.vulns->vulns[0].severity == WH_SEVERITY_CRITICAL && p.vulns->vulns[0].is_fixable &&
           strcmp(p.vulns->vulns[0].fixed_version, "1.2.4") == 0 &&
           p.vulns->vulns[1].severity == WH_SEVERITY_NONE && !p.vulns->vulns[1].is_fixable,
       "grype severities and fix state");
    wh_arena_fini(&a);
}

static void
test_cyclonedx_vulnerabilities(void)
{
    struct wh_arena a;
    struct wh_predicates p = {0}, q = {0};
    struct wh_error err = {0};
    const char *bom =
        "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"metadata\":{\"timestamp\":"
        "\"2024-05-01T10:00:00Z\",\"tools\":{\"components\":[{\"name\":\"trivy\",\"version\":"
        "\"0.50.1\"}]}},\"components\":[],\"vulnerabilities\":[{\"id\":\"CVE-2024-1\",\"ratings\":"
        "[{\"severity\":\"medium\"},{\"severity\":\"critical\"}],\"affects\":[{\"ref\":"
        "\"pkg:deb/debian/libssl3@3.0.11\",\"versions\":[{\"version\":\"3.0.11\",\"status\":"
        "\"affected\"},{\"version\":\"3.0.13\",\"status\":\"unaffected\"}]}]},{\"id\":\"CVE-2\"}]}";

    wh_arena_init(&a);
    ok(parse(&a, WH_PREDICATE_CYCLONEDX, bom, &p, &err) == WH_OK && p.vulns != NULL &&
           strcmp(p.vulns->format, "cyclonedx") == 0 && p.vulns->n_vulns == 2 &&
           strcmp(p.vulns->scanner, "trivy 0.50.1") == 0 && p.vulns->scanned_at == 1714557600,
       "cyclonedx vulnerabilities parse (tools as object): %s", err.msg);
    ok(p.vulns != NULL && p.vulns->n_vulns == 2 &&
           p.vulns->vulns[0].severity == WH_SEVERITY_CRITICAL && p.vulns->vulns[0].is_fixable &&
           strcmp(p.vulns->vulns[0].fixed_version, "3.0.13") == 0 &&
           strcmp(p.vulns->vulns[0].package, "pkg:deb/debian/libssl3@3.0.11") == 0 &&
           p.vulns->vulns[1].severity == WH_SEVERITY_UNKNOWN && !p.vulns->vulns[1].is_fixable,
       "highest rating wins; unaffected version is the fix; no rating is unknown");
    ok(parse(&a, WH_PREDICATE_CYCLONEDX, "{\"bomFormat\":\"CycloneDX\",\"components\":[]}", &q,
             &err) == WH_OK &&
           q.vulns == NULL,
       "a CycloneDX SBOM without vulnerabilities is not a scan");
    wh_arena_fini(&a);
}

static void
test_agent_provenance(void)
{
    struct wh_arena a;
    struct wh_predicates p = {0}, q = {0};
    struct wh_error err = {0};
    const char *json =
        "{\"agent_commits\":[{\"sha\":\"0123abc\",\"message\":\"install graphviz\",\"trailers\":"
        "{\"Co-authored-by\":\"claude <noreply@anthropic.com>\",\"Agent\":[\"a\",\"b\"]}},"
        "{\"sha\":\"fff\",\"trailers\":[\"Generated-by: copilot\"]}]}";

    wh_arena_init(&a);
    ok(parse(&a, WH_PREDICATE_AGENT, json, &p, &err) == WH_OK && p.agent != NULL &&
           p.agent->n_commits == 2,
       "agent provenance parses: %s", err.msg);
    ok(p.agent != NULL && p.agent->n_commits == 2 &&
           strcmp(p.agent->commits[0].sha, "0123abc") == 0 &&
           strcmp(p.agent->commits[0].message, "install graphviz") == 0 &&
           p.agent->commits[0].n_trailers == 3 &&
           strcmp(p.agent->commits[0].trailers[0],
                  "Co-authored-by: claude <noreply@anthropic.com>") == 0 &&
           strcmp(p.agent->commits[0].trailers[2], "Agent: b") == 0,
       "trailers as an object (string or list values)");
    ok(p.agent != NULL && p.agent->n_commits == 2 && strcmp(p.agent->commits[1].message, "") == 0 &&
           p.agent->commits[1].n_trailers == 1 &&
           strcmp(p.agent->commits[1].trailers[0], "Generated-by: copilot") == 0,
       "trailers as an array, message optional");
    ok(parse(&a, WH_PREDICATE_AGENT, "{}", &q, &err) == WH_OK && q.agent != NULL &&
           q.agent->n_commits == 0,
       "no agent_commits: present but empty");
    wh_arena_fini(&a);
}

static void
test_first_attestation_wins(void)
{
    struct wh_arena a;
    struct wh_predicates p = {0};
    struct wh_error err = {0};

    wh_arena_init(&a);
    ok(parse(&a, WH_PREDICATE_AGENT, "{\"agent_commits\":[{\"sha\":\"a\"}]}", &p, &err) == WH_OK,
       "first");
    ok(parse(&a, WH_PREDICATE_AGENT, "{\"agent_commits\":[]}", &p, &err) == WH_OK &&
           p.agent->n_commits == 1,
       "second attestation of the same kind leaves the first");
    wh_arena_fini(&a);
}

static void
test_malformed_predicates_name_the_field(void)
{
    struct wh_arena a;
    struct wh_predicates p = {0};
    struct wh_error err = {0};
    struct wh_limits small = WH_LIMITS_DEFAULT;
    struct wh_attestation att = {WH_PREDICATE_SLSA_V1, "k", testsign_lit("[[[[[[1]]]]]]")};

    static const struct {
        const char *type, *json, *want, *name;
    } bad[] = {
        {WH_PREDICATE_SLSA_V1, "{\"runDetails\":{\"builder\":{\"id\":7}}}",
         "SLSA provenance v1 predicate.runDetails.builder.id is not a string",
         "v1 builder id type"},
        {WH_PREDICATE_SLSA_V1,
         "{\"runDetails\":{\"builder\":{\"id\":\"x\"}},\"buildDefinition\":{}}",
         "predicate.buildDefinition.buildType is missing or empty", "v1 build type required"},
        {WH_PREDICATE_SLSA_V02, "{\"buildType\":\"t\"}", "predicate.builder.id is missing",
         "v0.2 builder id required"},
        {WH_PREDICATE_SLSA_V02,
         "{\"builder\":{\"id\":\"b\"},\"materials\":[{\"uri\":\"u\",\"digest\":{\"sha256\":1}}]}",
         "predicate.materials[0].digest.sha256 is not a string", "material digest type"},
        {WH_PREDICATE_COSIGN_VULN, "{\"scanner\":{\"result\":{\"foo\":1}}}",
         "neither a Trivy report", "unknown scanner result format"},
        {WH_PREDICATE_COSIGN_VULN,
         "{\"scanner\":{\"result\":null},\"metadata\":{\"scanFinishedOn\":\"yesterday\"}}",
         "metadata.scanFinishedOn is not an RFC 3339 time", "bad scan time"},
        {WH_PREDICATE_COSIGN_VULN, "{\"metadata\":{}}", "predicate.scanner is missing",
         "scanner required"},
        {WH_PREDICATE_COSIGN_VULN,
         "{\"scanner\":{\"result\":{\"Results\":[{\"Vulnerabilities\":[{\"PkgName\":\"x\"}]}]}}}",
         "Results[0].Vulnerabilities[0].VulnerabilityID is missing", "trivy finding without an id"},
        {WH_PREDICATE_AGENT, "{\"agent_commits\":[{\"message\":\"m\"}]}",
         "agent provenance predicate.agent_commits[0].sha is missing", "agent commit without sha"},
        {WH_PREDICATE_AGENT, "{\"agent_commits\":{}}", "agent_commits is not an array",
         "agent_commits type"},
        {WH_PREDICATE_AGENT, "{\"agent_commits\":[{\"sha\":\"a\",\"trailers\":7}]}",
         "agent_commits[0].trailers is neither", "trailers type"},
        {WH_PREDICATE_AGENT, "{\"a\":1,\"a\":2}",
         "agent provenance predicate: 1:", "duplicate keys rejected with line:col"},
    };

    wh_arena_init(&a);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ok(parse(&a, bad[i].type, bad[i].json, &p, &err) == WH_E_INVALID &&
               strstr(err.msg, bad[i].want) != NULL,
           "%s: %s", bad[i].name, err.msg);
    small.json_depth = 4;
    ok(wh_verify_predicates_parse(&att, &small, &a, &p, &err) == WH_E_LIMIT &&
           strstr(err.msg, "deeper than 4"),
       "depth limit: %s", err.msg);
    small = lim;
    small.sbom_bytes = 4;
    att.predicate = testsign_lit("{\"agent_commits\":[]}");
    att.predicate_type = WH_PREDICATE_AGENT;
    ok(wh_verify_predicates_parse(&att, &small, &a, &p, &err) == WH_E_LIMIT, "size limit: %s",
       err.msg);
    ok(p.provenance == NULL && p.vulns == NULL && p.agent == NULL,
       "nothing is set by a failed parse");
    wh_arena_fini(&a);
}

static void
test_time_and_severity_parsers(void)
{
    time_t t;
    enum wh_vuln_severity s;

    ok(wh_verify_time_parse("1970-01-01T00:00:00Z", &t) && t == 0, "epoch");
    ok(wh_verify_time_parse("1970-01-01T01:00:00+01:00", &t) && t == 0, "positive offset");
    ok(!wh_verify_time_parse("1970-01-01 00:00:00Z", &t), "space separator refused");
    ok(!wh_verify_time_parse("1970-13-01T00:00:00Z", &t), "month 13 refused");
    ok(!wh_verify_time_parse("1970-01-01T00:00:00", &t), "missing zone refused");
    ok(!wh_verify_time_parse("1970-01-01T00:00:00.Z", &t), "empty fraction refused");
    ok(wh_verify_severity_parse("MODERATE", &s) && s == WH_SEVERITY_MEDIUM, "moderate is medium");
    ok(!wh_verify_severity_parse("severe", &s), "unknown word refused");
    ok(strcmp(wh_verify_severity_name(WH_SEVERITY_UNKNOWN), "unknown") == 0, "unknown name");
}

#define HEX_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HEX_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

/* Parses `predicate` as a dev-environment predicate; NULL (err set) when it does not parse. */
static const struct wh_dev_environment *
dev_env(struct wh_arena *a, const char *predicate, struct wh_error *err)
{
    struct wh_attestation att = {WH_PREDICATE_DEV_ENV, "ci-key", testsign_lit(predicate)};
    struct wh_predicates out;

    memset(&out, 0, sizeof(out));
    if (wh_verify_predicates_parse(&att, &lim, a, &out, err) != WH_OK)
        return NULL;
    return out.dev_env;
}

/* https://driftgate.dev/dev-environment/v1 (policy/dev-environment.schema.json). */
static void
test_dev_environment(void)
{
    static const struct {
        const char *predicate;
        enum wh_err code;
        const char *msg;
    } bad[] = {
        {"[]", WH_E_INVALID, "dev environment predicate is not an object"},
        {"{}", WH_E_INVALID, "predicate.devImage is missing"},
        {"{\"devImage\":\"x\"}", WH_E_INVALID, "predicate.devImage is not an object"},
        {"{\"devImage\":{\"digest\":{\"sha256\":\"" HEX_B "\"}}}", WH_E_INVALID,
         "predicate.devImage.reference is missing or empty"},
        {"{\"devImage\":{\"reference\":\"r/dev\"}}", WH_E_INVALID,
         "predicate.devImage.digest.sha256 is missing or empty"},
        {"{\"devImage\":{\"reference\":\"r/dev\",\"digest\":{\"sha512\":\"" HEX_B "\"}}}",
         WH_E_INVALID, "predicate.devImage.digest.sha256 is missing"},
        {"{\"devImage\":{\"reference\":\"r/dev\",\"digest\":{\"sha256\":\"" HEX_A "A\"}}}",
         WH_E_INVALID, "predicate.devImage.digest.sha256 is not 64 lowercase hex digits"},
        {"{\"devImage\":{\"reference\":\"r/dev\",\"digest\":{\"sha256\":\"" HEX_A "\"[:64]}}}",
         WH_E_INVALID, "dev environment predicate: "},
        {"{\"devImage\":{\"reference\":\"R/Dev\",\"digest\":{\"sha256\":\"" HEX_B "\"}}}",
         WH_E_INVALID, "predicate.devImage.reference is not an image reference"},
        {"{\"devImage\":{\"reference\":\"r/dev\\u0000x\",\"digest\":{\"sha256\":\"" HEX_B "\"}}}",
         WH_E_INVALID, "is not allowed without JSON_ALLOW_NUL"}, /* jansson refuses it */
        {"{\"devImage\":{\"reference\":\"r/dev@sha256:" HEX_A "\",\"digest\":{\"sha256\":\"" HEX_B
         "\"}}}",
         WH_E_INVALID, "carries digest sha256:" HEX_A ", not devImage.digest sha256:" HEX_B},
    };
    struct wh_arena a;
    struct wh_error err = {0};
    const struct wh_dev_environment *d;
    const char *text;
    char *huge;
    size_t i;

    wh_arena_init(&a);
    d = dev_env(&a,
                "{\"devImage\":{\"reference\":\"registry.example.com/payments/devcontainer:v2\","
                "\"digest\":{\"sha256\":\"" HEX_B "\",\"sha512\":\"ff\"},\"builtBy\":\"ci\"},"
                "\"note\":\"unknown members are ignored\"}",
                &err);
    ok(d != NULL && strcmp(d->name, "registry.example.com/payments/devcontainer") == 0 &&
           strcmp(d->reference, "registry.example.com/payments/devcontainer:v2") == 0 &&
           strcmp(d->digest, "sha256:" HEX_B) == 0,
       "dev environment: name, reference and digest (other digests and members ignored): %s",
       d == NULL ? err.msg : d->reference);
    d = dev_env(&a,
                "{\"devImage\":{\"reference\":\"dev@sha256:" HEX_B
                "\",\"digest\":{\"sha256\":\"" HEX_B "\"}}}",
                &err);
    ok(d != NULL && strcmp(d->reference, "docker.io/library/dev@sha256:" HEX_B) == 0,
       "a reference with only the digest keeps it (no tag to show): %s",
       d == NULL ? err.msg : d->reference);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        d = dev_env(&a, bad[i].predicate, &err);
        ok(d == NULL && err.code == bad[i].code && strstr(err.msg, bad[i].msg) != NULL,
           "refused: %s (%s)", bad[i].msg, err.msg);
    }
    huge = wh_arena_alloc(&a, 2200);
    memcpy(huge, "{\"devImage\":{\"reference\":\"r/", 28);
    memset(huge + 28, 'a', 1100);
    snprintf(huge + 1128, 1000, "\",\"digest\":{\"sha256\":\"%s\"}}}", HEX_B);
    d = dev_env(&a, huge, &err);
    ok(d == NULL && err.code == WH_E_LIMIT && strstr(err.msg, "(limit 1024)") != NULL,
       "a reference over 1024 bytes is WH_E_LIMIT: %s", err.msg);

    /* The statement attest-dev prints round-trips through the parser. */
    ok(wh_verify_dev_environment_render("registry.example.com/payments/api", "sha256:" HEX_A,
                                        "registry.example.com/payments/devcontainer:v2",
                                        "sha256:" HEX_B, false, &a, &text, &err) == WH_OK,
       "render the statement: %s", err.msg);
    {
        struct wh_attestation att;
        struct wh_predicates out;
        memset(&out, 0, sizeof(out));
        ok(from_statement(&a, testsign_lit(text), &att) &&
               strcmp(att.predicate_type, WH_PREDICATE_DEV_ENV) == 0 &&
               wh_verify_predicates_parse(&att, &lim, &a, &out, &err) == WH_OK &&
               out.dev_env != NULL && strcmp(out.dev_env->digest, "sha256:" HEX_B) == 0 &&
               strstr(text, "\"subject\":[{\"name\":\"registry.example.com/payments/api\","
                            "\"digest\":{\"sha256\":\"" HEX_A "\"}}]") != NULL,
           "statement: subject the production digest, predicate parses back: %s", text);
    }
    ok(wh_verify_dev_environment_render("r/api", "sha256:" HEX_A, "r/dev:v2", "sha256:" HEX_B, true,
                                        &a, &text, &err) == WH_OK &&
           strcmp(text, "{\"devImage\":{\"reference\":\"docker.io/r/dev:v2\",\"digest\":{"
                        "\"sha256\":\"" HEX_B "\"}}}") == 0,
       "predicate only: %s", text);
    ok(wh_verify_dev_environment_render("r/api", "sha256:abc", "r/dev", "sha256:" HEX_B, false, &a,
                                        &text, &err) == WH_E_INVALID &&
           strstr(err.msg, "production digest") != NULL,
       "a short production digest is refused: %s", err.msg);
    ok(wh_verify_dev_environment_render("r/api", "sha256:" HEX_A, "r/dev@sha256:" HEX_A,
                                        "sha256:" HEX_B, false, &a, &text, &err) == WH_E_INVALID,
       "a dev reference pinned to another digest is refused: %s", err.msg);
    wh_arena_fini(&a);
}

int
main(void)
{
    test_slsa_v02_statement_from_npm();
    test_slsa_v1_statement_and_bare_predicates();
    test_tekton_envelope_has_no_source_but_parses();
    test_cosign_vuln_vectors();
    test_trivy_result();
    test_grype_result();
    test_cyclonedx_vulnerabilities();
    test_agent_provenance();
    test_first_attestation_wins();
    test_malformed_predicates_name_the_field();
    test_time_and_severity_parsers();
    test_dev_environment();
    return done_testing();
}
