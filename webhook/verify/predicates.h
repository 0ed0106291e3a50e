#ifndef WH_VERIFY_PREDICATES_H
#define WH_VERIFY_PREDICATES_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/limits.h"
#include "verify/facts.h"

/*
 * The predicates policy/ reads besides SBOMs, parsed from verified attestations into plain structs:
 * SLSA provenance v0.2 and v1, vulnerability scans (cosign vuln v1 carrying a Trivy or Grype
 * result; CycloneDX `vulnerabilities`) and agent provenance. Pure; everything lives in the arena
 * given to the parser. Each value keeps the JSON field it came from, so policy messages name it.
 */
#define WH_PREDICATE_SLSA_V02 "https://slsa.dev/provenance/v0.2"
#define WH_PREDICATE_SLSA_V1 "https://slsa.dev/provenance/v1"
#define WH_PREDICATE_COSIGN_VULN "https://cosign.sigstore.dev/attestation/vuln/v1"
#define WH_PREDICATE_CYCLONEDX "https://cyclonedx.org/bom"
#define WH_PREDICATE_AGENT "https://crashoverride.com/attestations/agent-provenance/v1"
/* driftgate's own: the dev image a production digest was tested in
 * (policy/dev-environment.schema.json) */
#define WH_PREDICATE_DEV_ENV "https://driftgate.dev/dev-environment/v1"

#define WH_PREDICATE_VULNS_MAX 100000 /* findings in one scan; more is WH_E_LIMIT */
#define WH_PREDICATE_ITEMS_MAX 10000  /* dependencies, agent commits, trailers */

/* One digest of a resolved dependency: {"sha256": "<hex>"} → alg "sha256", hex. */
struct wh_digest_entry {
    const char *alg;
    const char *hex;
};

struct wh_slsa_dependency {
    const char *field; /* "materials[1]" or "buildDefinition.resolvedDependencies[0]" */
    const char *uri;   /* "" when absent */
    const char *name;  /* v1 ResourceDescriptor name, "" when absent */
    struct wh_digest_entry *digests;
    size_t n_digests;
};

struct wh_provenance {
    const char *version;          /* "v0.2" or "v1" */
    const char *builder_id;       /* builder.id / runDetails.builder.id */
    const char *builder_id_field; /* the JSON field it came from */
    const char *build_type;
    const char *build_type_field;
    /* The source repository, normalised ("github.com/acme/payments": no scheme, no "git+",
     * no ".git", no "@ref"), its ref ("refs/heads/main") and commit, each NULL when the
     * predicate does not say; *_field names where it was read. */
    const char *source_repo;
    const char *source_ref;
    const char *source_commit;
    const char *source_field;
    struct wh_slsa_dependency *dependencies; /* materials / resolvedDependencies */
    size_t n_dependencies;
};

enum wh_vuln_severity {
    WH_SEVERITY_UNKNOWN, /* no or unrecognised severity: policy counts it as critical */
    WH_SEVERITY_NONE,    /* Grype "Negligible", CycloneDX "none"/"info" */
    WH_SEVERITY_LOW,
    WH_SEVERITY_MEDIUM,
    WH_SEVERITY_HIGH,
    WH_SEVERITY_CRITICAL,
};

struct wh_vuln {
    const char *id;            /* "CVE-2023-5363", "GHSA-..." */
    const char *package;       /* "" when the scan does not say */
    const char *version;       /* installed version, "" when unknown */
    const char *fixed_version; /* "" when no fix is known */
    enum wh_vuln_severity severity;
    bool is_fixable;
    const char *field; /* "scanner.result.Results[0].Vulnerabilities[3]" */
};

struct wh_vuln_report {
    const char *format;  /* "trivy", "grype", "cyclonedx" or "empty" (scanner.result null) */
    const char *scanner; /* "trivy 0.50.1", scanner.uri, or the CycloneDX tool; "" if unknown */
    time_t scanned_at;   /* scanFinishedOn / metadata.timestamp */
    bool has_scanned_at;
    const char *scanned_at_text;
    const char *scanned_at_field;
    struct wh_vuln *vulns;
    size_t n_vulns;
};

struct wh_agent_commit {
    const char *sha;
    const char *message;         /* "" when absent */
    const char *const *trailers; /* "Co-authored-by: agent <a@b>", in order */
    size_t n_trailers;
};

struct wh_agent_provenance {
    struct wh_agent_commit *commits;
    size_t n_commits;
};

/*
 * The dev-environment predicate: {"devImage": {"reference": "registry/devcontainer:v2",
 * "digest": {"sha256": "<64 hex>"}}}. The production image (the statement's subject) was tested
 * in the dev image `name`@`digest`; devReference.from: attestation diffs against exactly that.
 */
struct wh_dev_environment {
    const char *reference; /* "registry/repository:tag" (normalised), or
                            * "registry/repository@sha256:<hex>" when it named no tag */
    const char *name;      /* "registry/repository" (normalised, as policy globs see it) */
    const char *digest;    /* "sha256:<64 lowercase hex>" */
};

/* Everything parsed from one image's verified attestations; a NULL member was not attested. */
struct wh_predicates {
    const struct wh_provenance *provenance;
    const char *provenance_signer;
    const struct wh_vuln_report *vulns;
    const char *vulns_signer;
    const struct wh_agent_provenance *agent;
    const char *agent_signer;
    const struct wh_dev_environment *dev_env;
    const char *dev_env_signer;
};

/*
 * Parses `att` (a verified attestation: its predicate is the statement's predicate as JSON) into
 * the member of *out its predicate type selects: SLSA v0.2/v1 → provenance, cosign vuln v1 →
 * vulns, CycloneDX → vulns (only when the BOM has a `vulnerabilities` array; an SBOM without one
 * leaves *out unchanged), agent provenance → agent, dev environment → dev_env (its reference must
 * parse as an image reference whose digest, if any, is devImage.digest.sha256). Any other type
 * leaves *out unchanged. A member
 * already set is kept (the first verified attestation wins, as for SBOMs). WH_E_INVALID names the
 * field that is malformed ("predicate.runDetails.builder.id is not a string"); WH_E_LIMIT past
 * lim->blob_bytes / json_depth or the counts above. *out changes only on WH_OK.
 */
WH_MUST_CHECK enum wh_err wh_verify_predicates_parse(const struct wh_attestation *att,
                                                     const struct wh_limits *lim,
                                                     struct wh_arena *a, struct wh_predicates *out,
                                                     struct wh_error *err);

/*
 * The in-toto Statement v1 `driftgate attest-dev` prints: subject `prod_name` (registry/repository)
 * with `prod_digest`, predicate type WH_PREDICATE_DEV_ENV, predicate devImage {reference,
 * digest} from `dev_reference` ("registry/repo[:tag][@dev_digest]") and `dev_digest`; only the
 * predicate when `predicate_only` (for cosign attest --predicate). *out (in `a`, NUL-terminated,
 * one line) round-trips through wh_verify_predicates_parse. WH_E_INVALID for a digest that is not
 * sha256:<64 lowercase hex> or a reference that does not parse.
 */
WH_MUST_CHECK enum wh_err wh_verify_dev_environment_render(const char *prod_name,
                                                           const char *prod_digest,
                                                           const char *dev_reference,
                                                           const char *dev_digest,
                                                           bool predicate_only, struct wh_arena *a,
                                                           const char **out, struct wh_error *err);

/* "critical", "high", "medium", "low", "none" (also Trivy/Grype/CycloneDX spellings, any case:
 * "CRITICAL", "Negligible", "info") → severity; false when unrecognised. */
bool wh_verify_severity_parse(const char *s, enum wh_vuln_severity *out);
/* "critical" ... "unknown" */
const char *wh_verify_severity_name(enum wh_vuln_severity s);
/*
 * A source location as provenance writes it ("git+https://github.com/Acme/pay.git@refs/heads/main",
 * "https://github.com/acme/pay", "git@github.com:acme/pay.git") → repo "github.com/acme/pay"
 * (host lowercased; no scheme, userinfo, ".git" or trailing '/') and *ref ("refs/heads/main",
 * NULL when none). Policy values are normalised the same way before comparing. Both in `a`.
 */
void wh_verify_source_split(const char *uri, struct wh_arena *a, const char **repo,
                            const char **ref);
/* RFC 3339 "2024-05-01T12:00:00Z" / "+02:00" offsets / fractional seconds → time_t; false if
 * malformed. */
bool wh_verify_time_parse(const char *s, time_t *out);

#endif
