/* pipeline/failure: a failure's code and text are set together; every verification-failure
 * reason has its one label, and a result maps to the reason its failure says. */
#include <string.h>

#include "pipeline/failure.h"
#include "policy/model.h"
#include "unit/harness.h"

static void
test_fail_sets_both(void)
{
    struct wh_arena a;
    enum wh_err c;

    wh_arena_init(&a);
    for (c = WH_E_INVALID; c <= WH_E_INTERNAL; c++) {
        const char *text = NULL;
        enum wh_err code = WH_OK;

        wh_pipeline_fail(&a, &text, &code, c, "fetching %s: %s", "the manifest", wh_error_name(c));
        ok(code == c && text != NULL && strncmp(text, "fetching the manifest: ", 23) == 0 &&
               strcmp(text + 23, wh_error_name(c)) == 0,
           "%s: code and text set together (%s)", wh_error_name(c), text);
    }
    wh_arena_fini(&a);
}

static void
test_every_reason_has_its_label(void)
{
    int i, k;

    ok(wh_pipeline_reason_label(WH_PIPELINE_REASON_NONE) == NULL, "a verified image has no reason");
    ok(wh_pipeline_reason_label(WH_PIPELINE_REASON_COUNT) == NULL, "past the table: no label");
    for (i = WH_PIPELINE_REASON_NONE + 1; i < WH_PIPELINE_REASON_COUNT; i++) {
        const char *label = wh_pipeline_reason_label(i);
        bool unique = label != NULL;

        for (k = i + 1; unique && k < WH_PIPELINE_REASON_COUNT; k++)
            unique = wh_pipeline_reason_label(k) == NULL ||
                     strcmp(label, wh_pipeline_reason_label(k)) != 0;
        ok(unique && label[0] != '\0', "reason %d has its own label (%s)", i,
           label != NULL ? label : "none");
    }
}

static void
expect_reason(const char *name, const struct wh_image_result *r, const char *label)
{
    const char *got = wh_pipeline_reason_label(wh_pipeline_reason_of(r));

    ok(got != NULL && strcmp(got, label) == 0, "%s: %s (got %s)", name, label,
       got != NULL ? got : "none");
}

static void
test_reason_of(void)
{
    struct wh_policy_image rule;
    struct wh_image_result r;

    memset(&rule, 0, sizeof(rule));
    memset(&r, 0, sizeof(r));
    r.rule = &rule;
    ok(wh_pipeline_reason_of(&r) == WH_PIPELINE_REASON_NONE, "nothing failed: not counted");
    r.invalid = "bad reference";
    expect_reason("an invalid reference", &r, "invalid_reference");
    r.invalid = NULL;
    r.error = "fetching the manifest: 503";
    r.error_code = WH_E_UNAVAILABLE;
    expect_reason("registry down", &r, "registry");
    r.error_code = WH_E_NOT_FOUND;
    expect_reason("a tag that names nothing", &r, "evidence");
    r.error = NULL;
    rule.signatures.n_signed_by = 1;
    rule.signatures.count = 1;
    expect_reason("no signature", &r, "signature_missing");
    r.signature_detail = "bad signature";
    expect_reason("a signature that does not verify", &r, "signature_invalid");
    rule.signatures.n_signed_by = 0;
    rule.sbom.required = true;
    expect_reason("no SBOM attestation", &r, "attestation_missing");
    r.verify_detail = "bad attestation";
    expect_reason("an attestation that does not verify", &r, "attestation_invalid");
    rule.sbom.required = false;
    r.dev_error = "dev image: no SBOM";
    r.dev_error_code = WH_E_NOT_FOUND;
    expect_reason("dev image without evidence", &r, "dev_evidence");
    r.dev_error_code = WH_E_TIMEOUT;
    expect_reason("dev image's registry timed out", &r, "registry");
}

int
main(void)
{
    test_fail_sets_both();
    test_every_reason_has_its_label();
    test_reason_of();
    return done_testing();
}
