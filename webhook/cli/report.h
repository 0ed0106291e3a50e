#ifndef WH_CLI_REPORT_H
#define WH_CLI_REPORT_H

#include "base/str.h"
#include "decision/decision.h"
#include "policy/policy.h"
#include "sbom/sbom.h"

enum wh_report_format { WH_REPORT_TEXT, WH_REPORT_MARKDOWN, WH_REPORT_JSON, WH_REPORT_SARIF };

struct wh_report {
    const char *prod; /* what was diffed: file names or image references */
    const char *dev;
    const struct wh_sbom_diff *diff;
    const struct wh_tiered_finding *tiered; /* diff->n_findings entries */
    const char *tiers;                      /* tier set name */
    /* `driftgate check` only (zero for `diff`): */
    const char *digest;                 /* the production image's resolved digest */
    const char *banner;                 /* agent-provenance banner, or NULL */
    const struct wh_decision *decision; /* every denial and warning (provenance, vulns, ...) */
    const char *error; /* why the check could not complete, or NULL: the report says "error" and
                          "not evaluated", never "clean" */
    /* What was checked (`check` only; NULL prints "none verified" / is left out): */
    const char *signer;     /* verified signature signers: "ci (key keys/ci.pub, ecdsa-p256,
                               sha256:<SPKI hash>)", keyless "SAN (issuer ISSUER)" */
    const char *attested;   /* verified attestations: "<predicateType> by <signer>", joined */
    const char *dev_digest; /* what the dev image resolved to */
    /* Why the drift against the dev image was not checked, or NULL when it was: the report says
     * "not evaluated" and this reason, never "clean". */
    const char *not_evaluated;
};

/* A version finding's direction: "downgrade" when production has the older version (dev was
 * tested with a newer one), "upgrade" when production's is newer, NULL otherwise (not a version
 * finding, or the same version in another build). */
const char *wh_cli_report_direction(const struct wh_sbom_finding *f);
/* "text", "markdown", "json" or "sarif" → format; false if unknown. A zero-initialised
 * wh_report plus prod/dev/diff/tiered/tiers is what `diff` renders; diff may be NULL (no dev
 * reference), then only the decision is reported. SARIF is 2.1.0 (one result per blocking or
 * warning finding and per denial), for GitHub code scanning. */
bool wh_cli_report_format_parse(const char *s, enum wh_report_format *out);
/* Renders the drift report (seed 000's layout for markdown: a table per tier, summary counts). */
void wh_cli_report_render(const struct wh_report *r, enum wh_report_format f, struct wh_buf *out);
/* Appends `s` for a terminal or a CI log: control characters, bidi overrides and bytes that are
 * not UTF-8 as visible escapes ("\x1b"), backslashes doubled; so it never starts a line of its
 * own (a "::" workflow command) nor sends an ANSI escape. For every untrusted string on stderr. */
void wh_cli_report_text_safe(struct wh_buf *b, const char *s);
/* Markdown: `s` as one code span (nothing inside is markup; '|' escaped for tables), or as prose
 * with every ASCII punctuation escaped (no link, HTML, mention or emphasis can start). */
void wh_cli_report_md_code(struct wh_buf *b, const char *s);
void wh_cli_report_md_text(struct wh_buf *b, const char *s);
/* Findings per tier. */
void wh_cli_report_count(const struct wh_report *r, size_t *block, size_t *warn, size_t *ignore);

#endif
