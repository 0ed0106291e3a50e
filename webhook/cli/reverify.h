#ifndef WH_CLI_REVERIFY_H
#define WH_CLI_REVERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/str.h"
#include "fsm/manifest.h"
#include "kube/pods.h"

/*
 * `driftgate reverify` (cli/reverify.c: listing and judging; cli/reverify_report.c: what it
 * writes). A finding is one thing wrong with one container of one running pod.
 */

/* What a finding is about; each has its Event reason and PolicyReport rule. */
enum wh_reverify_kind {
    WH_REVERIFY_VERIFY,    /* the engine denies the digest now (signature gone, re-keyed, drift) */
    WH_REVERIFY_WARNING,   /* the engine allows it with a warning */
    WH_REVERIFY_EXEMPTION, /* it was allowed under an exemption that has expired */
    WH_REVERIFY_TAG_MOVED, /* the spec's tag resolves to another digest than the one running */
    WH_REVERIFY_UNPINNED,  /* the spec names a tag, not a digest */
    WH_REVERIFY_NO_DIGEST, /* the runtime reports no registry digest: nothing can be verified */
    WH_REVERIFY_ERROR,     /* the registry could not be asked (infrastructure) */
    WH_REVERIFY_FS_DRIFT,  /* --fsm: the running root differs from the image's manifest */
    WH_REVERIFY_FS_UNVERIFIED, /* --fsm: no fresh, complete, well-formed fingerprint line */
};

enum wh_reverify_tier { WH_REVERIFY_BLOCK, WH_REVERIFY_WARN };

struct wh_reverify_finding {
    const struct wh_kube_pod *pod;
    const struct wh_kube_container *c;
    const char *path; /* "spec.containers[0].image" */
    enum wh_reverify_kind kind;
    enum wh_reverify_tier tier;
    const char *message;
    const char *revision; /* org.opencontainers.image.revision of the running image, or NULL */
};

/* Verdicts of the distinct running images, for driftgate_running_images{verdict}. */
struct wh_reverify_counts {
    size_t allowed, warned, denied, error;
    size_t pods, containers;
};

/* One distinct running image a run judged. */
struct wh_reverify_image {
    const char *image;    /* "name@digest" */
    const char *verdict;  /* "allowed", "warned", "denied" or "error" */
    const char *created;  /* the image config's `created` (RFC 3339), or NULL */
    const char *revision; /* org.opencontainers.image.revision, or NULL */
};

/* --fsm: which manifest the running root of one image was compared with. */
struct wh_reverify_fsm_used {
    const char *image;  /* "name@digest" */
    const char *source; /* wh_cli_reverify_fsm_source_name */
    const char *signer; /* the attestation's signer (attested), else NULL */
    const char *root;   /* the root of the manifest compared with (mounts included), or NULL */
    const char *why;    /* the decision, in words */
};

struct wh_reverify_run {
    time_t now;
    struct wh_reverify_fsm_used *fsm_used;
    size_t n_fsm_used;
    struct wh_reverify_image *images;
    size_t n_images;
    struct wh_kube_pod *pods;
    size_t n_pods;
    struct wh_reverify_finding *findings;
    size_t n_findings;
    struct wh_reverify_counts counts;
};

const char *wh_cli_reverify_kind_name(enum wh_reverify_kind k);
const char *wh_cli_reverify_tier_name(enum wh_reverify_tier t);

/* Pure: the image config's Labels["org.opencontainers.image.revision"] (NULL when absent or the
 * config is not a JSON object; over 1 MiB → NULL). In `a`, cleaned for display. */
const char *wh_cli_reverify_revision_parse(struct wh_bytes config, struct wh_arena *a);
/* Pure: the image config's `created` time as written (NULL when absent, not a string, over 64
 * bytes or the config is not JSON), cleaned for display, in `a`. */
const char *wh_cli_reverify_created_parse(struct wh_bytes config, struct wh_arena *a);

struct wh_cli_options;
/*
 * One run of reverify that writes nothing (no PolicyReport, Event or metric): lists the running
 * pods through the Kubernetes API (kf: a kubeconfig, or api_server/token_file/kube_ca, each NULL
 * for the settings' `kube:` block or the in-cluster defaults), judges every distinct running image
 * with the settings' policy, registry and trust roots, and fills *out (in `a`). `audit repo
 * --cluster` reads the runtime layer from it. Not WH_OK: the cluster, the policy or a registry
 * client could not be set up or read (err says which); *out is then empty.
 */
struct wh_reverify_kube_flags {
    const char *api_server, *token_file, *kube_ca; /* each NULL: the settings' or in-cluster */
    const char *kubeconfig, *context; /* --kubeconfig (excludes the three above), --context */
};
WH_MUST_CHECK enum wh_err wh_cli_reverify_collect(const struct wh_cli_options *o,
                                                  const struct wh_reverify_kube_flags *kf,
                                                  struct wh_arena *a, struct wh_reverify_run *out,
                                                  struct wh_error *err);

/* --format json|markdown of one run, into `out`. */
void wh_cli_reverify_render(const struct wh_reverify_run *r, bool markdown, struct wh_buf *out);
/* The Prometheus text of the last run (last_success 0: none yet). */
void wh_cli_reverify_metrics(const struct wh_reverify_run *r, time_t last_success,
                             unsigned long runs_ok, unsigned long runs_failed, struct wh_buf *out);

/* The PolicyReport of namespace `ns` (results capped at WH_REVERIFY_REPORT_RESULTS). */
#define WH_REVERIFY_REPORT_RESULTS 200
void wh_cli_reverify_policy_report(const struct wh_reverify_run *r, const char *ns,
                                   const char *resource_version, struct wh_buf *out);
/* ---- --fsm (cli/reverify_fsm.c) ---- */

/* The ephemeral container's name: found by it in spec.ephemeralContainers, added once. */
#define WH_REVERIFY_FSM_NAME "driftgate-fsm"
/* Bytes of pods/log read (limitBytes) and parsed. */
#define WH_REVERIFY_FSM_LOG_MAX (64u << 10)

/* The last line `driftgate fsm watch` printed. */
struct wh_reverify_fsm_line {
    time_t time;
    long pid;          /* 0: a directory walk (`fsm watch ROOT`) */
    const char *error; /* the walk failed: why (nothing else is set) */
    const char *root;  /* "sha256:<hex>" of the actual manifest */
    size_t entries, changed, unreadable;
    const char *incomplete;        /* a cap was hit: which, or NULL */
    struct wh_fsm_manifest mounts; /* #skipped mount points and the directories above them */
};

/*
 * Pure: the last line of a pods/log body. Over WH_REVERIFY_FSM_LOG_MAX → WH_E_LIMIT; no line →
 * WH_E_NOT_FOUND; not JSON, unknown or missing members, a bad time, root or count, a "mounts"
 * that is not canonical manifest text of directories and #skipped notes → WH_E_INVALID. *out in
 * `a`, valid only on WH_OK.
 */
WH_MUST_CHECK enum wh_err wh_cli_reverify_fsm_line_parse(struct wh_bytes log, struct wh_arena *a,
                                                         struct wh_reverify_fsm_line *out,
                                                         struct wh_error *err);
/*
 * Pure: the root digest the line must carry when the running tree is the image's: `expected`
 * without what lies on the line's skipped mounts, plus the directories the runtime created above
 * them that the image lacks, plus the #skipped notes. WH_E_INVALID when the line's mounts name a
 * directory that is above no mount point. *root_out in `a`.
 */
WH_MUST_CHECK enum wh_err wh_cli_reverify_fsm_expected_root(const struct wh_fsm_manifest *expected,
                                                            const struct wh_reverify_fsm_line *l,
                                                            struct wh_arena *a,
                                                            const char **root_out,
                                                            struct wh_error *err);
/*
 * Which containers --fsm fingerprints: every entry of spec.containers that runs a registry digest
 * (each with its own imageID from status.containerStatuses, matched by name). Not fingerprinted
 * (re-verified like every container, by digest): init containers, which have exited before the
 * pod runs (a native sidecar, restartPolicy: Always, is not fingerprinted yet), and ephemeral
 * containers (a debugger's shell, or the fingerprint containers themselves).
 */
bool wh_cli_reverify_fsm_wanted(const struct wh_kube_container *c);
/* The fingerprint container of c: WH_REVERIFY_FSM_NAME for spec.containers[0] (the name earlier
 * versions gave it: ephemeral containers cannot be removed), WH_REVERIFY_FSM_NAME "-<index>" for
 * the others (a spec's container list cannot change, so the index stays). In `a`. */
const char *wh_cli_reverify_fsm_name(const struct wh_kube_container *c, struct wh_arena *a);
/*
 * Pure: why no fingerprint container can be added for c (NULL: one can). Its UID unknown (no
 * runAsUser in the pod spec: the image's USER is not read here) or 0: Pod Security `restricted`
 * admits no container that may run as root, and one that is not root cannot read a root-owned
 * tree whole (unreadable entries make the line incomplete), so reverify does not add one; the
 * message names the pod, the container and what to do. In `a`.
 */
const char *wh_cli_reverify_fsm_refusal(const struct wh_kube_pod *p,
                                        const struct wh_kube_container *c, struct wh_arena *a);
/* The strategic merge patch of pods/<name>/ephemeralcontainers adding container c's fingerprint
 * container (named wh_cli_reverify_fsm_name, targeting c, as c's UID/GID, no capabilities,
 * read-only root). */
void wh_cli_reverify_fsm_patch(const struct wh_kube_container *c, const char *image,
                               long interval_s, struct wh_buf *out);

/* What reverify knows of an fs-manifest attestation for one running digest: the engine's
 * verification (attestations.fsManifest: DSSE signature by one of the rule's signers, subject =
 * the digest, attested text = root = the text computed from the digest's layers). */
struct wh_reverify_fsm_evidence {
    const char *rule;   /* the policy rule that judged the image, NULL when none matched */
    bool required;      /* the rule has attestations.fsManifest */
    bool must_attest;   /* fsManifest.required (true unless `required: false`) */
    const char *root;   /* the proved attestation's root, or NULL */
    const char *signer; /* its signer, or NULL */
    bool signer_listed; /* the signer is one of the rule's fsManifest.signedBy */
    const char *detail; /* why a verified attestation did not prove, or NULL */
};

enum wh_reverify_fsm_source {
    WH_REVERIFY_FSM_ATTESTED, /* compared with the attested manifest */
    WH_REVERIFY_FSM_COMPUTED, /* compared with the one computed from the layers (policy allows) */
    WH_REVERIFY_FSM_REFUSED,  /* not compared: the attestation is required, or did not prove */
};

/*
 * Pure: which manifest the running root of `image` is compared with. ATTESTED when a proved
 * attestation by a listed signer exists; REFUSED when one verified but did not prove (whatever
 * `required` says), or the rule requires one and there is none (fail closed: the layers are not
 * a substitute); COMPUTED otherwise (no fsManifest in the rule, or `required: false`). *why says
 * which and why (for REFUSED: what failed and what to do), in `a`.
 */
enum wh_reverify_fsm_source wh_cli_reverify_fsm_source(const struct wh_reverify_fsm_evidence *e,
                                                       const char *image, struct wh_arena *a,
                                                       const char **why);
const char *wh_cli_reverify_fsm_source_name(enum wh_reverify_fsm_source s);

/* One v1 Event on the finding's pod. */
void wh_cli_reverify_event(const struct wh_reverify_finding *f, time_t now, struct wh_buf *out);

#endif
