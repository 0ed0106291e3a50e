/*
 * `driftgate check IMAGE [--dev IMAGE]`: the PR-time check. Resolves and verifies from the
 * registry through the pipeline's own wh_pipeline_image_check_one, evaluates with the webhook's
 * policy code, and prints seed 000's report. Exit 0 allow, 1 deny, 2 error.
 */
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/clock.h"
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
#include "verify/predicates.h"

#define USAGE                                                                                      \
    "driftgate check IMAGE [--dev IMAGE] --policy FILE [--format text|markdown|json|sarif] "       \
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
static const char *
dev_override_refused(const struct wh_policy *policy, const char *image, struct wh_arena *a)
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

    memset(&rep, 0, sizeof(rep));
    rep.prod = o->args[0];
    rep.dev = res.dev_image != NULL ? res.dev_image : "(no dev reference)";
    rep.digest = res.digest;
    rep.decision = &d;
    /* "error" (exit 2) only for infrastructure: missing or malformed evidence is a denial. */
    infra = res.error != NULL && wh_policy_on_error_applies(res.error_code) ? res.error : NULL;
    if (infra == NULL && res.dev_error != NULL && wh_policy_on_error_applies(res.dev_error_code))
        infra = res.dev_error;
    rep.error = infra;
    rep.banner = wh_policy_agent_banner(res.facts.predicates, res.dev_predicates, a);
    if (res.diff != NULL && res.rule != NULL && res.rule->tiers != NULL) {
        /* The same tiers (and agent raise) eval.c applied, for the tables. */
        wh_policy_classify(policy, res.rule, res.name, res.diff, ctx.now, a, &tiered);
        if (wh_policy_agent_raises(res.rule, res.facts.predicates, res.dev_predicates))
            wh_policy_agent_raise(tiered, res.diff->n_findings, a);
        rep.diff = res.diff;
        rep.tiered = tiered;
        rep.tiers = res.rule->tiers->name;
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
    if (o.dev != NULL && (refused = dev_override_refused(policy, o.args[0], &a)) != NULL) {
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
