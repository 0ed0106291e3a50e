#ifndef WH_POLICY_POLICY_H
#define WH_POLICY_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/limits.h"
#include "base/str.h"
#include "decision/decision.h"
#include "policy/model.h"
#include "sbom/sbom.h"
#include "verify/facts.h"

/*
 * A policy snapshot: loaded strictly from YAML (DESIGN.md §2), immutable, refcounted, with a
 * generation number unique in the process (it keys the facts cache). Load errors are
 * WH_E_INVALID "file:line:col: message" (WH_E_LIMIT past limits.policy_bytes). Everything
 * reachable from a snapshot stays valid while a reference is held; ref/unref are thread-safe.
 */
struct wh_policy;

/*
 * Parses `yaml`; `filename` prefixes messages, `base_dir` resolves `key: {file: ...}` (NULL
 * forbids key files). *out (one reference) is valid only on WH_OK.
 */
WH_MUST_CHECK enum wh_err wh_policy_parse(struct wh_bytes yaml, const char *filename,
                                          const char *base_dir, const struct wh_limits *lim,
                                          struct wh_policy **out, struct wh_error *err);
/* Reads `path` (capped by lim->policy_bytes) and parses it at the current wall-clock time (for
 * maxExemptionDays); key files are relative to it, from its own directory only. */
WH_MUST_CHECK enum wh_err wh_policy_load(const char *path, const struct wh_limits *lim,
                                         struct wh_policy **out, struct wh_error *err);

/* Told of one load error (e->msg is "file:line:col: message"); see on_error below. */
typedef void wh_policy_error_fn(void *arg, const struct wh_error *e);

/* What a load may read and when it happens. Zero fields are the strictest setting. */
struct wh_policy_load_options {
    const struct wh_limits *limits; /* required */
    /* The wall-clock time of the load (wh_policy_load_with never reads the clock): an exemption may
     * expire at most spec.defaults.maxExemptionDays after its day. 0 counts from 1970, so with
     * that key set every exemption is refused. */
    time_t now;
    /* Directories key files may be read from (after symlinks are resolved, subdirectories
     * included). None: the policy file's own directory only. A key file resolving anywhere
     * else (a "..", an absolute path, a symlink leaving them) is a load error. */
    const char *const *key_dirs;
    size_t n_key_dirs;
    /* A load goes on past an error to the next section and the next entry (signer, tier list,
     * image rule, exemption, pin), so one run finds every entry's first error: each is passed to
     * on_error (NULL: none is) in that order, and the load fails with the first in *err. */
    wh_policy_error_fn *on_error;
    void *on_error_arg;
    /* Signer keys are only checked (wh_verify_key_check: file, label, base64, DER shape,
     * algorithm and curve), not parsed by OpenSSL, and verify nothing (a verification with one
     * fails closed): for a command that never verifies, `driftgate diff`, which so never
     * initialises OpenSSL (~11M instructions and ~60 page faults, a tenth of a 10k-component
     * diff's main thread). Zero: every key is parsed, as serve, review, check and lint need. */
    bool keys_checked_only_unsafe;
};

/* wh_policy_parse and wh_policy_load with options; the two above are these with
 * {.limits = lim} (key files from base_dir or the policy's directory only, now 0). */
WH_MUST_CHECK enum wh_err wh_policy_parse_with(struct wh_bytes yaml, const char *filename,
                                               const char *base_dir,
                                               const struct wh_policy_load_options *o,
                                               struct wh_policy **out, struct wh_error *err);
WH_MUST_CHECK enum wh_err wh_policy_load_with(const char *path,
                                              const struct wh_policy_load_options *o,
                                              struct wh_policy **out, struct wh_error *err);
/* Takes another reference and returns `p`. */
struct wh_policy *wh_policy_ref(struct wh_policy *p);
/* Drops a reference; the last one frees the snapshot. NULL is a no-op. */
void wh_policy_unref(struct wh_policy *p);
uint64_t wh_policy_generation(const struct wh_policy *p);
const struct wh_policy_defaults *wh_policy_defaults(const struct wh_policy *p);
/* spec.runtime (all zero when absent). */
const struct wh_policy_runtime *wh_policy_runtime(const struct wh_policy *p);

/* First image rule (file order) whose match globs match `name` ("registry/repo" from
 * wh_image_ref_name, so in canonical spelling: the loader canonicalised the globs' hosts the same
 * way, wh_image_glob_canonical) and no exclude glob does; NULL = no rule (caller applies noMatch).
 */
const struct wh_policy_image *wh_policy_image_find(const struct wh_policy *p, const char *name);
/*
 * The image exemption (spec.exemptions entry with scope: image) in force for `name` at `now`: the
 * first, in file order, one of whose globs matches `name` (canonical "registry/repository", as
 * for wh_policy_image_find) and whose expiry day (UTC) has not ended; NULL when none (and for a
 * NULL name). It lifts the signature and attestation requirements of the image's rule: the
 * pipeline then fetches no evidence and wh_policy_evaluate_image reports the exemption. Pure.
 */
const struct wh_policy_exemption *wh_policy_image_exemption(const struct wh_policy *p,
                                                            const char *name, time_t now);
/* spec.exemptions in file order: i < their count, else NULL. */
const struct wh_policy_exemption *wh_policy_exemption_get(const struct wh_policy *p, size_t i);
/* Days from the day of `now` to an exemption's last day (UTC): 0 on that day, -1 the day after. */
long long wh_policy_exemption_days_left(const struct wh_policy_exemption *x, time_t now);
/* Rules in file order: i < wh_policy_image_count(p), else NULL. */
size_t wh_policy_image_count(const struct wh_policy *p);
const struct wh_policy_image *wh_policy_image_get(const struct wh_policy *p, size_t i);
/* A tier list by name (spec.tiers), NULL if absent. */
const struct wh_policy_tiers *wh_policy_tiers_find(const struct wh_policy *p, const char *name);
const struct wh_policy_signer *wh_policy_signer_find(const struct wh_policy *p, const char *name);
/* spec.pins rules in file order (*n of them); NULL with *n = 0 when the policy has no pins:
 * section (audit/pins.h then applies its built-in defaults). */
const struct wh_policy_pin_rule *wh_policy_pins(const struct wh_policy *p, size_t *n);
/* spec.audit rules in file order (*n of them); NULL with *n = 0 when absent (every finding
 * keeps its built-in tier). */
const struct wh_policy_audit_rule *wh_policy_audit_rules(const struct wh_policy *p, size_t *n);
/* "action", "workflow", ...: the policy's name of a pin kind (static). */
const char *wh_policy_pin_kind_name(enum wh_pin_kind k);
/* Every regex of the policy (subjectRegExp, issuerRegExp, builderIdRegExp), linked by ->next in
 * reverse file order; NULL when there is none. */
const struct wh_policy_regex *wh_policy_regexes(const struct wh_policy *p);

/* True when `name` (a verified signer's) is one of the signer set's names; false for NULL. */
bool wh_policy_signer_listed(const struct wh_policy_signer *const *list, size_t n,
                             const char *name);
/* The signer named `name` in the signer set, or NULL (also for a NULL name). */
const struct wh_policy_signer *wh_policy_signer_in(const struct wh_policy_signer *const *list,
                                                   size_t n, const char *name);
/* True when any signer of the set is keyless. */
bool wh_policy_signers_any_keyless(const struct wh_policy_signer *const *list, size_t n);
/* "a, b or c" (arena), for messages. */
const char *wh_policy_signer_names(const struct wh_policy_signer *const *s, size_t n,
                                   struct wh_arena *a);

/* A drift finding with its tier. */
struct wh_tiered_finding {
    const struct wh_sbom_finding *finding;
    enum wh_tier tier;
    const char *rule;             /* "seed-default[1]"; "<tiers>[none]" when no rule matched */
    const char *exemption_reason; /* set when an exemption turned a block into ignore */
    const char *exemption_expires;
};

/*
 * Classifies every finding of `diff` with the tiers of `rule` (or of `tiers` below): the first
 * matching tier rule wins; a finding no rule matches is blocked (fail closed: end a list with
 * `{tier: ignore, when: {}}` to ignore the rest). An exemption that matches `image_name` and the
 * winning rule and has not expired at `now` turns block into ignore and records why. *out is an
 * array of diff->n_findings in `a`. Pure.
 */
void wh_policy_classify(const struct wh_policy *p, const struct wh_policy_image *rule,
                        const char *image_name, const struct wh_sbom_diff *diff, time_t now,
                        struct wh_arena *a, struct wh_tiered_finding **out);
/* The same with an explicit tier list (for `driftgate diff`, which has no image rule). */
void wh_policy_classify_tiers(const struct wh_policy *p, const struct wh_policy_tiers *tiers,
                              const char *image_name, const struct wh_sbom_diff *diff, time_t now,
                              struct wh_arena *a, struct wh_tiered_finding **out);

/*
 * Whether `onError` decides a failure with this code: only infrastructure, which no pusher can
 * write (WH_E_UNAVAILABLE: registry down, TLS, 5xx/429 after retries, 401/403; WH_E_TIMEOUT).
 * Every other code is about evidence an attacker with push access can write or remove (a missing
 * tag, signature or SBOM, a malformed manifest or predicate, too many layers, a digest mismatch)
 * and decides as a failed verification under the rule's `mode`. README "Infrastructure or
 * evidence" has the table.
 */
bool wh_policy_on_error_applies(enum wh_err code);

/* One image (one container path) to evaluate. Borrowed. */
struct wh_image_eval {
    const char *path;   /* "spec.containers[1].image" */
    const char *image;  /* as written */
    const char *digest; /* resolved, or NULL */
    /* Multi-arch: the platform ("linux/arm64") whose manifest `digest` is, and the index it was
     * selected from; both NULL for a single-platform image or when the index itself is judged. */
    const char *platform;
    const char *index_digest;
    const char *name;                   /* "registry/repository" */
    const struct wh_policy_image *rule; /* NULL: defaults.noMatch */
    const struct wh_facts *facts;       /* verified facts; NULL = nothing verified */
    /* The dev image's parsed predicates (its agent provenance), NULL when none. */
    const struct wh_predicates *dev_predicates;
    const struct wh_sbom_diff *diff; /* NULL without a dev reference */
    const char *dev_image;
    const char *dev_digest; /* the dev image's resolved digest (audit annotation), or NULL */
    /* Why the image could not be judged, or NULL; error_code says who decides: onError when
     * wh_policy_on_error_applies, else the rule's mode (a failed verification). */
    const char *error;
    enum wh_err error_code;
    /* Why the drift against the dev image could not be checked (the image's own checks still
     * ran), or NULL; dev_error_code decides as error_code does. */
    const char *dev_error;
    enum wh_err dev_error_code;
    const char *signature_detail; /* why a present cosign signature did not verify, or NULL */
    const char *verify_detail;    /* why a present attestation did not verify, or NULL */
    int index;                    /* annotation prefix "<index>-" */
};

/*
 * Writes the denials, warnings and audit annotations (<n>-digest, -verdict, -signer, -drift) for
 * one image into `d`, with messages naming path, image, digest, rule and the fix. Mode warn turns
 * denials into warnings, audit into annotations. Pure.
 */
void wh_policy_evaluate_image(const struct wh_policy *p, const struct wh_image_eval *in, time_t now,
                              struct wh_decision *d);
/* Called once after all images: allows iff no denial was recorded. */
void wh_policy_finish(struct wh_decision *d);

#endif
