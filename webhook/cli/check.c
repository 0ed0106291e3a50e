/*
 * `driftgate check IMAGE [--dev IMAGE]`: the PR-time check. Resolves and verifies from the
 * registry through the pipeline's own wh_pipeline_image_check_one, evaluates with the webhook's
 * policy code, and prints seed 000's report. Exit 0 allow, 1 deny, 2 error.
 */
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "audit/devcontainer.h"
#include "base/arena.h"
#include "base/clock.h"
#include "base/digest.h"
#include "base/file.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "cli/report.h"
#include "decision/decision.h"
#include "image/ref.h"
#include "pipeline/image_check.h"
#include "policy/policy.h"
#include "policy/provenance.h"
#include "registry/client.h"
#include "trust/root.h"
#include "verify/keys.h"
#include "verify/predicates.h"

#define USAGE                                                                                      \
    "driftgate check IMAGE [--dev IMAGE | --dev-from DEVCONTAINER.json] --policy FILE [--format "  \
    "text|markdown|json|sarif] "                                                                   \
    "[--plain-http HOST:PORT]... [--docker-config FILE] [--ca-file FILE] [--trusted-root "         \
    "FILE]... [--key-dir DIR]... [--timeout SECONDS]"

/* stderr is a CI log too: what is printed there is escaped (report.h wh_cli_report_text_safe), so
 * an image reference or registry answer cannot start a "::" workflow command line. */
static int
fail(const char *msg)
{
    struct wh_buf b;

    wh_buf_init(&b, 64 * 1024);
    wh_buf_append_c(&b, "driftgate check: ");
    wh_cli_report_text_safe(&b, msg);
    wh_buf_append_c(&b, "\n");
    fwrite(b.ptr, 1, b.len, stderr);
    wh_buf_fini(&b);
    return 2;
}

/*
 * --dev replaces the dev image the policy names, so it is accepted only where the policy allows
 * it (devReference.allowCliOverride): a pull request that changes the workflow's --dev (or the
 * devcontainer.json it reads) must not pick the baseline its drift is measured against.
 */
const char *
wh_cli_check_dev_refused(const struct wh_policy *policy, const char *image, struct wh_arena *a)
{
    const struct wh_policy_image *rule;
    struct wh_image_ref ref;
    struct wh_error err;
    const char *name;

    if (wh_image_ref_parse(wh_str_c(image), a, &ref, &err) != WH_OK)
        return NULL; /* wh_pipeline_image_check_one says why */
    name = wh_image_ref_name(&ref, a);
    rule = wh_policy_image_find(policy, name);
    if (rule != NULL && rule->dev_reference.allow_cli_override)
        return NULL;
    if (rule == NULL)
        return wh_arena_sprintf(a, "--dev: no image rule matches %s, so none allows --dev", name);
    return wh_arena_sprintf(a,
                            "--dev: image rule %s (%s) does not allow a dev image from the command "
                            "line: set devReference.allowCliOverride: true in the policy of the "
                            "base branch, or drop --dev to check against its devReference %s",
                            rule->name != NULL ? rule->name : "?", name,
                            rule->dev_reference.image != NULL ? rule->dev_reference.image
                                                              : "(none)");
}

/*
 * --dev-from FILE: the dev image is the `image` devcontainer.json names (JSONC, parsed by the pin
 * audit's reader), so the workflow need not repeat it. It is a --dev like any other: the policy
 * must allow it (wh_cli_check_dev_refused).
 */
static int
dev_from(struct wh_cli_options *o, struct wh_arena *a)
{
    struct wh_audit au;
    struct wh_bytes text;
    struct wh_error err;
    const char *df = NULL;
    size_t i;

    if (o->dev != NULL)
        return fail("--dev and --dev-from name the dev image twice: give one");
    wh_audit_init(&au, a);
    if (wh_file_read(o->dev_from, WH_AUDIT_FILE_MAX, a, &text, &err) != WH_OK ||
        wh_audit_devcontainer(&au, o->dev_from, text, NULL, &df, &err) != WH_OK)
        return fail(wh_arena_sprintf(a, "--dev-from %s: %s", o->dev_from, err.msg));
    for (i = 0; i < au.n_refs; i++)
        if (au.refs[i].kind == WH_PIN_DEVCONTAINER_IMAGE) {
            o->dev = au.refs[i].text;
            return 0;
        }
    return fail(wh_arena_sprintf(a,
                                 "--dev-from %s: it names no image%s%s: name the dev image with "
                                 "--dev",
                                 o->dev_from, df != NULL ? " (it builds from " : "",
                                 df != NULL ? wh_arena_sprintf(a, "%s)", df) : ""));
}

/* A verified signer as the report names it: a key signer of the policy with its key file, type
 * and key id (sha256 of its DER SubjectPublicKeyInfo: `openssl pkey -pubin -in KEY -outform DER |
 * sha256sum`); a keyless identity is already "SAN (issuer ISSUER)". */
static const char *
describe_signer(const struct wh_policy *policy, const char *name, struct wh_arena *a)
{
    const struct wh_policy_signer *s = wh_policy_signer_find(policy, name);
    unsigned char md[WH_SHA256_LEN];
    char hex[2 * WH_SHA256_LEN + 1];
    struct wh_bytes der;
    struct wh_error err;

    if (s == NULL || s->key == NULL || wh_verify_key_spki_der(s->key, a, &der, &err) != WH_OK)
        return name;
    wh_digest_sha256(der.ptr, der.len, md);
    wh_digest_hex(md, sizeof(md), hex);
    return wh_arena_sprintf(a, "%s (key %s, %s, sha256:%s)", name,
                            s->key_file != NULL ? s->key_file : "inline PEM",
                            wh_verify_key_type(s->key), hex);
}

/* Every signer whose cosign signature verified, joined; NULL if none did. */
static const char *
signers(const struct wh_policy *policy, const struct wh_facts *f, struct wh_arena *a)
{
    const char *out = NULL;
    size_t i;

    if (f->n_signature_signers == 0)
        return f->signature_signer != NULL ? describe_signer(policy, f->signature_signer, a) : NULL;
    for (i = 0; i < f->n_signature_signers; i++) {
        const char *one = describe_signer(policy, f->signature_signers[i], a);
        out = out == NULL ? one : wh_arena_sprintf(a, "%s; %s", out, one);
    }
    return out;
}

/* "https://cyclonedx.org/bom by ci" for each verified attestation (each pair once); NULL if none.
 */
static const char *
attested(const struct wh_facts *f, struct wh_arena *a)
{
    const char *out = NULL;
    size_t i, j;

    for (i = 0; i < f->n_attestations; i++) {
        const struct wh_attestation *at = &f->attestations[i];
        bool seen = false;
        for (j = 0; j < i && !seen; j++)
            seen = strcmp(f->attestations[j].predicate_type, at->predicate_type) == 0 &&
                   strcmp(f->attestations[j].signer, at->signer) == 0;
        if (seen)
            continue;
        out = wh_arena_sprintf(a, "%s%s%s by %s", out != NULL ? out : "", out != NULL ? "; " : "",
                               at->predicate_type, at->signer);
    }
    return out;
}

/* Why the drift was not checked, or NULL when it was (res->diff). */
static const char *
drift_not_evaluated(const struct wh_image_result *res)
{
    const struct wh_policy_image *rule = res->rule;

    if (res->diff != NULL)
        return NULL;
    if (res->error != NULL)
        return "the image itself could not be checked";
    if (rule == NULL)
        return "no image rule matches the image";
    if (rule->dev_reference.image == NULL &&
        rule->dev_reference.from != WH_POLICY_DEV_FROM_ATTESTATION)
        return "the image rule names no dev image (devReference)";
    if (res->dev_error != NULL)
        return res->dev_error;
    return "there is no verified SBOM of the production image to compare";
}

/* True when `s` is one of the n strings of `list`. */
static bool
listed(const char *s, char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], s) == 0)
            return true;
    return false;
}

/*
 * The denials and warnings the report lists besides its drift tables. The webhook's decision
 * repeats up to 5 drift findings per tier as messages (the apiserver shows no table); the report
 * prints each finding once, in its table. So the image is evaluated a second time against an
 * empty diff: messages of `d` that evaluation also gives are kept, the rest are the findings'
 * own (dropped) except the exemption notices eval.c derives from them (no table row says those).
 * `d`'s verdict is not touched.
 */
static void
drop_finding_messages(const struct wh_policy *policy, const struct wh_image_eval *ev, time_t now,
                      struct wh_decision *d, struct wh_arena *a)
{
    struct wh_sbom_diff empty;
    struct wh_image_eval ev2 = *ev;
    struct wh_decision d2;
    size_t i, n;

    memset(&empty, 0, sizeof(empty));
    ev2.diff = &empty;
    wh_decision_init(&d2, a);
    wh_policy_evaluate_image(policy, &ev2, now, &d2);
    for (i = n = 0; i < d->n_denials; i++)
        if (listed(d->denials[i], d2.denials, d2.n_denials) ||
            strstr(d->denials[i], "exemption") != NULL)
            d->denials[n++] = d->denials[i];
    d->n_denials = n;
    for (i = n = 0; i < d->n_warnings; i++)
        if (listed(d->warnings[i], d2.warnings, d2.n_warnings) ||
            strstr(d->warnings[i], "exemption") != NULL)
            d->warnings[n++] = d->warnings[i];
    d->n_warnings = n;
}

/* Runs the check; everything lives in `a`. Returns the exit status. */
static int
run(const struct wh_cli_options *o, struct wh_policy *policy, const struct wh_trust_root *trust,
    struct wh_registry_client *client, enum wh_report_format fmt, struct wh_arena *a)
{
    struct wh_image_check_ctx ctx;
    struct wh_image_result res;
    struct wh_image_eval ev;
    struct wh_decision d;
    struct wh_report rep;
    struct wh_tiered_finding *tiered = NULL;
    struct wh_error err;
    struct wh_buf out;
    const char *infra;
    int status;

    memset(&ctx, 0, sizeof(ctx));
    ctx.policy = policy;
    ctx.registry = client;
    ctx.registry_error = "";
    ctx.limits = &o->settings.limits;
    ctx.deadline_ms = wh_clock_mono_ms() + o->review_ms;
    ctx.now = wh_clock_wall();
    ctx.arena = a;
    ctx.generation = wh_policy_generation(policy);
    ctx.trust = trust;
    /* NULL platforms: every linux platform of a multi-arch image, as for a pod that does not say.
     */
    /* --dev got here only when the rule allows it (dev_override_refused). */
    ctx.dev_override_trusted = true;
    wh_pipeline_image_check_one(&ctx, o->args[0], o->dev, NULL, &res);
    if (res.invalid != NULL)
        return fail(wh_arena_sprintf(a, "%s: %s", o->args[0], res.invalid));
    wh_decision_init(&d, a);
    memset(&ev, 0, sizeof(ev));
    ev.path = "image";
    ev.image = res.shown != NULL ? res.shown : o->args[0];
    ev.digest = res.digest;
    ev.platform = res.platform;
    ev.index_digest = res.index_digest;
    ev.name = res.name;
    ev.rule = res.rule;
    ev.facts = &res.facts;
    ev.diff = res.diff;
    ev.dev_image = res.dev_image;
    ev.dev_digest = res.dev_digest;
    ev.error = res.error;
    ev.error_code = res.error_code;
    ev.dev_error = res.dev_error;
    ev.dev_error_code = res.dev_error_code;
    ev.verify_detail = res.verify_detail;
    ev.signature_detail = res.signature_detail;
    ev.dev_predicates = res.dev_predicates;
    wh_policy_evaluate_image(policy, &ev, ctx.now, &d);
    wh_policy_finish(&d);
    if (res.diff != NULL)
        drop_finding_messages(policy, &ev, ctx.now, &d, a);

    memset(&rep, 0, sizeof(rep));
    rep.prod = o->args[0];
    rep.dev = res.dev_image != NULL ? res.dev_image
              : res.rule != NULL && (res.rule->dev_reference.image != NULL ||
                                     res.rule->dev_reference.from == WH_POLICY_DEV_FROM_ATTESTATION)
                  ? "(not resolved)"
                  : "(no dev reference)";
    rep.digest = res.digest;
    rep.dev_digest = res.dev_digest;
    rep.signer = signers(policy, &res.facts, a);
    rep.attested = attested(&res.facts, a);
    rep.not_evaluated = drift_not_evaluated(&res);
    rep.decision = &d;
    /* "error" (exit 2) only for infrastructure: missing or malformed evidence is a denial. */
    infra = res.error != NULL && wh_policy_on_error_applies(res.error_code) ? res.error : NULL;
    if (infra == NULL && res.dev_error != NULL && wh_policy_on_error_applies(res.dev_error_code))
        infra = res.dev_error;
    rep.error = infra;
    rep.banner = wh_policy_agent_banner(res.facts.predicates, res.dev_predicates, a);
    if (res.diff != NULL && res.rule != NULL) {
        /* The same tiers (and agent raise) eval.c applied, for the tables. */
        wh_policy_classify(policy, res.rule, res.name, res.diff, ctx.now, a, &tiered);
        if (wh_policy_agent_raises(res.rule, res.facts.predicates, res.dev_predicates))
            wh_policy_agent_raise(tiered, res.diff->n_findings, a);
        rep.diff = res.diff;
        rep.tiered = tiered;
        rep.tiers = res.rule->tiers != NULL ? res.rule->tiers->name : "(none)";
    }
    wh_buf_init(&out, 64u << 20);
    wh_cli_report_render(&rep, fmt, &out);
    if (wh_buf_check(&out, "report", &err) != WH_OK) {
        wh_buf_fini(&out);
        return fail(err.msg);
    }
    fwrite(out.ptr, 1, out.len, stdout);
    wh_buf_fini(&out);
    status = infra != NULL ? 2 : d.allowed ? 0 : 1;
    if (infra != NULL)
        (void)fail(wh_arena_sprintf(a, "%s: %s", o->args[0], infra));
    return status;
}

int
wh_cli_check(int argc, char **argv)
{
    struct wh_cli_options o;
    struct wh_registry_options ro;
    struct wh_policy_load_options lo = {0};
    const char *refused;
    struct wh_registry_client *client = NULL;
    struct wh_policy *policy = NULL;
    struct wh_trust_root *trust = NULL;
    enum wh_report_format fmt = WH_REPORT_TEXT;
    struct wh_arena a;
    struct wh_error err;
    int status = 2;

    if (!wh_cli_options_parse(argc, argv, &o) || o.n_args != 1 || o.settings.policy_path == NULL ||
        (o.format != NULL && !wh_cli_report_format_parse(o.format, &fmt))) {
        fprintf(stderr, "usage: %s\n", USAGE);
        wh_cli_options_fini(&o);
        return 2;
    }
    wh_arena_init(&a);
    lo.limits = &o.settings.limits;
    lo.now = wh_clock_wall();
    lo.key_dirs = o.settings.policy_key_dirs;
    lo.n_key_dirs = o.settings.n_policy_key_dirs;
    if (wh_policy_load_with(o.settings.policy_path, &lo, &policy, &err) != WH_OK) {
        status = fail(err.msg);
        goto out;
    }
    if (o.dev_from != NULL && dev_from(&o, &a) != 0)
        goto out;
    if (o.dev != NULL && (refused = wh_cli_check_dev_refused(policy, o.args[0], &a)) != NULL) {
        status = fail(refused);
        goto out;
    }
    if (o.settings.n_trust_roots > 0 &&
        wh_trust_root_load(o.settings.trust_roots, o.settings.n_trust_roots, &o.settings.limits,
                           &trust, &err) != WH_OK) {
        status = fail(wh_arena_sprintf(&a, "trust roots: %s", err.msg));
        goto out;
    }
    ro = o.settings.registry;
    ro.limits = o.settings.limits;
    if (wh_registry_client_new(&ro, &client, &err) != WH_OK) {
        status = fail(wh_arena_sprintf(&a, "registry client: %s", err.msg));
        goto out;
    }
    status = run(&o, policy, trust, client, fmt, &a);
out:
    wh_trust_root_unref(trust);
    wh_registry_client_free(client);
    wh_policy_unref(policy);
    wh_arena_fini(&a);
    wh_cli_options_fini(&o);
    return status;
}
