#ifndef WH_POLICY_MODEL_H
#define WH_POLICY_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/*
 * The policy model the pipeline and eval.c read: transparent, immutable once loaded, owned by
 * the snapshot (struct wh_policy) it came from and valid while a reference to it is held.
 * Arrays are (pointer, count); strings are NUL-terminated; `line`s are 1-based positions in the
 * policy file, for messages.
 */
struct wh_verify_key;

/* What a rule does with its denials: enforce them, turn them into warnings, or only annotate. */
enum wh_policy_mode { WH_POLICY_MODE_ENFORCE, WH_POLICY_MODE_WARN, WH_POLICY_MODE_AUDIT };

/* onError (infrastructure failure) and noMatch (no image rule) outcomes. Default: deny. */
enum wh_policy_action { WH_POLICY_ACTION_DENY, WH_POLICY_ACTION_WARN, WH_POLICY_ACTION_ALLOW };

/*
 * Where a multi-arch image (an index) must carry its signature and SBOM attestation, checked for
 * every platform the pod can run (its nodeSelector / required node affinity on kubernetes.io/os
 * and kubernetes.io/arch; linux when the pod does not say):
 *   any   (default) each such platform is covered by the index's verified facts or its own;
 *   index the index digest carries them (what `cosign sign` of a multi-arch tag produces);
 *   each  every such platform manifest carries its own (`cosign sign --recursive`, per-platform
 *         SBOMs). A single-platform image is checked on its own digest in every mode.
 */
enum wh_policy_platforms {
    WH_POLICY_PLATFORMS_ANY,
    WH_POLICY_PLATFORMS_INDEX,
    WH_POLICY_PLATFORMS_EACH,
};

enum wh_tier { WH_TIER_BLOCK, WH_TIER_WARN, WH_TIER_IGNORE };

struct wh_policy_defaults {
    enum wh_policy_mode mode;
    enum wh_policy_action on_error;
    enum wh_policy_action no_match;
    size_t max_exemption_days; /* 0: exemptions may expire any day; else at most this many days
                                  after the day the policy is loaded */
};

/* spec.runtime: how `driftgate fsm diff` tiers filesystem drift of a running container
 * (fsm/diff.h). */
#define WH_POLICY_RUNTIME_EXEC 1u   /* blockOn: exec */
#define WH_POLICY_RUNTIME_SETUID 2u /* blockOn: setuid */
#define WH_POLICY_RUNTIME_CAPS 4u   /* blockOn: caps */
#define WH_POLICY_RUNTIME_OWNER 8u  /* blockOn: owner */
struct wh_policy_runtime {
    /* mutablePaths: absolute path globs (fnmatch, FNM_PATHNAME) whose drift is ignored */
    const char *const *mutable_paths;
    size_t n_mutable_paths;
    unsigned block_on; /* WH_POLICY_RUNTIME_* */
};

/* A policy regex: RE2 syntax (Go regexp, as cosign and policy-controller take it) matched against
 * the whole value (base/regex.h); wh_regex_match on it is thread-safe. The loader links every one
 * of a policy in `next` (reverse file order) for `policy lint` to show. */
struct wh_regex;
struct wh_policy_regex {
    const char *source;        /* as written in the policy */
    const struct wh_regex *re; /* freed with the policy */
    const char *where;         /* "signer gh: keyless.subjectRegExp" */
    int line, col;             /* of the value */
    const struct wh_policy_regex *next;
};

/* Fulcio certificate identity; policy/identity.c matches it against a verified certificate. */
struct wh_policy_keyless_ext;
struct wh_policy_keyless {
    const char *issuer;                       /* exact, or NULL */
    const char *subject;                      /* exact, or NULL */
    const struct wh_policy_regex *issuer_re;  /* issuerRegExp, or NULL */
    const struct wh_policy_regex *subject_re; /* subjectRegExp, or NULL */
    struct {
        const char *repository; /* "acme/payments" */
        const char *ref;        /* "refs/heads/main" */
        const char *workflow;   /* workflow name */
        const char *trigger;    /* "push" */
        const char *sha;        /* commit */
        /* repositoryRegExp, refRegExp, workflowRegExp, triggerRegExp: whole-value RE2, each
         * instead of its exact field ("refs/tags/v.*"); NULL when not given */
        const struct wh_policy_regex *repository_re, *ref_re, *workflow_re, *trigger_re;
    } github; /* each NULL when not constrained */
    /* extensions: {name: value}: Fulcio certificate extensions by name (verify/cert.h
     * wh_verify_cert_ext_name, e.g. "sourceRepositoryURI", "buildTrigger"), each matched exactly.
     */
    const struct wh_policy_keyless_ext *extensions;
    size_t n_extensions;
};

struct wh_policy_keyless_ext {
    const char *name; /* as written */
    int index;        /* enum wh_cert_ext */
    const char *value;
};

/* timestamps: at most this many (a sigstore bundle carries at most 16, verify/bundle.h). */
#define WH_POLICY_MAX_TIMESTAMPS 16

/* A named signer. Exactly one of key / keyless is set. */
struct wh_policy_signer {
    const char *name;
    struct wh_verify_key *key; /* parsed at load (verify/keys.h); NULL for keyless */
    const char *key_file;      /* "keys/ci.pub" as written, or NULL for pem: */
    const struct wh_policy_keyless *keyless;
    bool tlog_required; /* transparencyLog: required (the default): a verified Rekor entry */
    size_t timestamps;  /* timestamps: N verified RFC 3161 timestamps required (default 0) */
    int line;
};

struct wh_policy_signer_set {
    const struct wh_policy_signer *const *signed_by;
    size_t n_signed_by;
    size_t count; /* distinct signers needed; 1 unless written */
};

/* One tier rule: every condition present must hold; no conditions matches every finding. */
enum wh_policy_drift_match {
    WH_POLICY_DRIFT_UNSET, /* versionDrift not given */
    WH_POLICY_DRIFT_ANY,
    WH_POLICY_DRIFT_MAJOR, /* sizes MAJOR and OTHER: an unparsable version fails closed */
    WH_POLICY_DRIFT_MINOR,
    WH_POLICY_DRIFT_PATCH,
    WH_POLICY_DRIFT_BUILD, /* the same version in another build ("2.1.0+cpu" / "2.1.0+cu121") */
};

struct wh_policy_tier_rule {
    /* "seed-default[1]": the tier list that wrote it and its 0-based index; in a list that
     * extends another, "<list>.before[i]" / "<list>.after[i]", and inherited rules keep their id */
    const char *id;
    bool is_builtin; /* from the built-in seed-default (policy/seed.h), not the policy file */
    enum wh_tier tier;
    int dev_only;  /* -1 unset, else the kind must (1) or must not (0) be dev-only */
    int prod_only; /* likewise for prod-only */
    enum wh_policy_drift_match version_drift;
    const char *const *names; /* package names (sbom/purl.h wh_sbom_ident_equal) */
    size_t n_names;
    const char *const *name_contains; /* substrings (wh_sbom_ident_contains) */
    size_t n_name_contains;
    const char *const *purl_types; /* "deb", "npm", ...; "" matches a component without purl */
    size_t n_purl_types;
    int line;
};

/* A tier list: its effective rules, first match wins. A list written as a mapping extends
 * another ({extends: NAME, before: [...], after: [...]}): its rules are `before`, then the
 * effective rules of `base`, then `after`. */
struct wh_policy_tiers {
    const char *name;
    const struct wh_policy_tier_rule *rules;
    size_t n_rules;
    const struct wh_policy_tiers *base; /* extends, or NULL */
    bool is_builtin;                    /* the built-in seed-default */
    int line, col;                      /* of its key in spec.tiers (0 when built in) */
};

/* What `driftgate audit pins` found a reference in (audit/pins.h). Order matches the names
 * wh_policy_pin_kind_name gives and the policy's `kinds:` enum. */
enum wh_pin_kind {
    WH_PIN_ACTION,             /* a step's uses: owner/repo[/path]@ref */
    WH_PIN_WORKFLOW,           /* a job's uses: (reusable workflow) */
    WH_PIN_DOCKER_ACTION,      /* uses: docker://image, an action's runs.image */
    WH_PIN_CONTAINER,          /* a job's container: or services.*.image */
    WH_PIN_BASE_IMAGE,         /* Dockerfile FROM */
    WH_PIN_COPY_FROM,          /* COPY --from= / RUN --mount=from= an external image */
    WH_PIN_DEVCONTAINER_IMAGE, /* devcontainer.json image */
    WH_PIN_FEATURE,            /* devcontainer.json features key */
    WH_PIN_DOWNLOAD,           /* a download run without a checksum check */
    WH_PIN_LOCAL,              /* ./path: the repository's own action, workflow or feature */
    WH_PIN_KIND_COUNT
};

/* spec.pins: the tier of an unpinned reference; the first rule whose conditions all hold wins.
 * An absent condition holds for every reference. */
struct wh_policy_pin_rule {
    const char *id; /* "pins[0]" */
    enum wh_tier tier;
    unsigned kinds; /* bit (1u << enum wh_pin_kind) per listed kind; 0: any kind */
    int stage;      /* -1 any; 0 the final stage's; 1 a builder stage's (Dockerfile refs only) */
    const char *const *names; /* image globs (image/ref.h) over the reference's name */
    size_t n_names;
    const char *const *files; /* image globs over the repository-relative file path */
    size_t n_files;
    int line;
};

/* spec.audit: the tier of a finding of `driftgate audit repo`'s dev container, toolchain,
 * dependencies and runtime layers (the pipeline layer's references take spec.pins); the first
 * rule whose conditions all hold wins, none holding keeps the finding's built-in tier. */
struct wh_policy_audit_rule {
    const char *id; /* "audit[0]" */
    enum wh_tier tier;
    const char *const *rules; /* image globs over the finding's rule, as "deps/no-lockfile" */
    size_t n_rules;
    const char *const *files; /* image globs over the repository-relative file */
    size_t n_files;
    int line;
};

/* An exemption, until `expires`, for matching images: scope finding (`rule:`) lifts blocks of one
 * tier rule; scope image (`scope: image`) lifts the image's signature and attestation
 * requirements (and the drift check, which needs the SBOM attestation). */
struct wh_policy_exemption {
    const char *const *images; /* globs over "registry/repository" (a ":*" tag part dropped) */
    size_t n_images;
    const struct wh_policy_tier_rule *rule; /* scope finding; NULL for scope image */
    bool whole_image;                       /* scope: image */
    const char *expires_text;               /* "2026-12-31" */
    time_t expires;                         /* first second after the expiry day (UTC) */
    const char *reason;
    int line, col;
};

/* A resolved dependency provenance must list: its uri matches `uri` (fnmatch pattern, '*' also
 * crosses '/') and its digest for `alg` equals `hex`. */
struct wh_policy_dependency {
    const char *uri;
    const char *digest; /* "sha256:<hex>" as written */
    const char *alg;    /* "sha256" */
    const char *hex;
    int line;
};

/* attestations.provenance: SLSA v0.2/v1 from a signer of `signed_by`; each constraint set must
 * hold. source_repo is normalised like the predicate's (verify/predicates.h). */
struct wh_policy_provenance {
    bool required;
    const char *predicate_type; /* an SLSA URI, or NULL: v0.2 or v1 */
    const struct wh_policy_signer *const *signed_by;
    size_t n_signed_by;
    const char *builder_id;
    const struct wh_policy_regex *builder_id_re;
    const char *build_type;
    const char *source_repo;
    const char *source_ref;
    const struct wh_policy_dependency *dependencies;
    size_t n_dependencies;
    int line;
};

/* An accepted vulnerability until `expires` (first second after the day, UTC). */
struct wh_policy_vuln_allow {
    const char *id;
    const char *expires_text;
    time_t expires;
    const char *reason;
    int line;
};

/* attestations.vulns: a scan (cosign vuln v1 or CycloneDX vulnerabilities) whose findings above
 * max_severity deny, unless allowed or (only_fixable) without a fix; older than max_age denies. */
struct wh_policy_vulns {
    bool required;
    const char *predicate_type; /* cosign vuln URI (default) or https://cyclonedx.org/bom */
    const struct wh_policy_signer *const *signed_by;
    size_t n_signed_by;
    int max_severity; /* enum wh_vuln_severity (verify/predicates.h) */
    bool only_fixable;
    long long max_age_s;      /* 0: any age */
    const char *max_age_text; /* "7d" */
    const struct wh_policy_vuln_allow *allow;
    size_t n_allow;
    int line;
};

/* attestations.agent: agent-provenance attestations on the image and its dev image, verified with
 * `signed_by`; non-empty ones add a banner warning; raise_drift moves their drift up one tier.
 * With `must_attest` (agent.required: true) an image or dev image without a verified one that
 * lists commits is itself a finding of tier `absent_tier` (agent.absentTier; block by default):
 * stripping the layer cannot make an agent-authored pair look human-made. */
struct wh_policy_agent {
    bool required; /* attestations.agent is present (the attestation itself is optional) */
    const struct wh_policy_signer *const *signed_by;
    size_t n_signed_by;
    bool raise_drift;
    bool must_attest;         /* agent.required */
    enum wh_tier absent_tier; /* WH_TIER_BLOCK or WH_TIER_WARN */
    int line;
};

/* attestations.fsManifest: a DSSE-signed fs-manifest attestation (predicate
 * https://driftgate.dev/fs-manifest/v1, docs/fs-manifest.md) on the image digest whose attested
 * root digest equals the manifest computed from the image's own layers (pipeline/fs_manifest.c). */
#define WH_POLICY_FS_MANIFEST_PREDICATE                                                            \
    "https://driftgate.dev/fs-manifest/v1" /* fsm/attest.h's                                       \
                                            */

struct wh_policy_fs_manifest {
    bool required;    /* attestations.fsManifest is present */
    bool must_attest; /* fsManifest.required (default true): a missing one denies, else warns */
    const struct wh_policy_signer *const *signed_by;
    size_t n_signed_by;
    size_t max_bytes;   /* uncompressed layer bytes the proof may read; 0: the default */
    size_t max_entries; /* filesystem objects; 0: the default */
    int line;
};

/* devReference.from: where the dev image to diff against comes from. */
enum wh_policy_dev_from {
    WH_POLICY_DEV_FROM_TAG,         /* devReference.image, "{{tag}}" filled from the admitted tag */
    WH_POLICY_DEV_FROM_ATTESTATION, /* a dev-environment attestation on the production digest */
};

struct wh_policy_image {
    const char *name;
    size_t index;             /* position in spec.images */
    const char *const *match; /* anchored globs (image/ref.h) */
    size_t n_match;
    const char *const *exclude;
    size_t n_exclude;
    enum wh_policy_mode mode;       /* rule's own, else defaults.mode */
    enum wh_policy_action on_error; /* rule's own, else defaults.onError */
    bool require_digest;
    enum wh_policy_platforms platforms;
    struct wh_policy_signer_set signatures; /* n_signed_by == 0: no signature needed */
    struct {
        bool required; /* attestations.sbom is present */
        const char *predicate_type;
        const struct wh_policy_signer *const *signed_by;
        size_t n_signed_by;
    } sbom;
    struct wh_policy_provenance provenance;   /* attestations.provenance (policy/provenance.c) */
    struct wh_policy_vulns vulns;             /* attestations.vulns (policy/vulns.c) */
    struct wh_policy_agent agent;             /* attestations.agent (policy/provenance.c) */
    struct wh_policy_fs_manifest fs_manifest; /* attestations.fsManifest */
    struct {
        const char *image;         /* template with at most one "{{tag}}", or NULL */
        bool allow_pod_annotation; /* a pod's driftgate.dev/dev-image annotation may pick it */
        bool allow_cli_override;   /* `driftgate check --dev IMAGE` may pick it */
        enum wh_policy_dev_from from;
        /* from: attestation: who may sign the dev-environment attestation (devReference.signedBy,
         * else the SBOM's signers) */
        const struct wh_policy_signer *const *signed_by;
        size_t n_signed_by;
    } dev_reference; /* configured when image != NULL or from == WH_POLICY_DEV_FROM_ATTESTATION */
    const struct wh_policy_tiers *tiers; /* required with devReference, else may be NULL */
    int line, col;                       /* of the rule's entry in spec.images */
};

#endif
