/* `driftgate review`, `diff` and `serve`: the webhook's engine on files, for CI. */
#include "cli/commands.h"
#include "cli/fsm.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/clock.h"
#include "base/file.h"
#include "base/limits.h"
#include "base/log.h"
#include "cli/options.h"
#include "cli/report.h"
#include "http/server.h"
#include "image/ref.h"
#include "pipeline/review.h"
#include "policy/policy.h"
#include "sbom/diff.h"
#include "sbom/normalize.h"

/* `driftgate CMD --help`: what each command does, on stdout (cli/check.c, lint.c and
 * verify_bundle.c print their synopsis on stderr after a usage error). */
static const struct {
    const char *name, *text;
} helps[] = {
    {"serve", "usage: driftgate serve --config FILE\n"
              "The validating admission webhook over TLS: POST /validate (AdmissionReview v1),\n"
              "GET /healthz, /readyz and /metrics (Prometheus text). SIGHUP or a changed file\n"
              "reloads the policy, the trust roots and the serving certificate; a bad file keeps\n"
              "the last good one. SIGTERM lets reviews in flight answer, then exits.\n"
              "exit: 0 after SIGTERM, 2 when it cannot start (the reason on stderr)\n"},
    {"review", "usage: driftgate review FILE|- (--config FILE | --policy FILE)\n"
               "                        [--plain-http HOST:PORT]... [--docker-config FILE]\n"
               "                        [--ca-file FILE] [--trusted-root FILE]... [--timeout "
               "SECONDS]\n"
               "One AdmissionReview (JSON; - reads stdin) through the webhook's engine, registry\n"
               "included; prints the AdmissionReview response the webhook would send.\n"
               "exit: 0 allowed, 1 denied, 2 error (a malformed review, an unreadable policy)\n"},
    {"check",
     "usage: driftgate check IMAGE [--dev IMAGE | --dev-from DEVCONTAINER.json] --policy FILE\n"
     "                       [--format text|markdown|json|sarif] [--plain-http "
     "HOST:PORT]...\n"
     "                       [--docker-config FILE] [--ca-file FILE] [--trusted-root "
     "FILE]...\n"
     "                       [--timeout SECONDS]\n"
     "The pull-request check: resolves and verifies IMAGE (and its dev image) from the\n"
     "registry exactly as the webhook does and prints the drift report.\n"
     "exit: 0 allowed, 1 denied (or blocking drift), 2 error\n"},
    {"diff", "usage: driftgate diff PROD.sbom.json DEV.sbom.json --policy FILE [--image NAME]\n"
             "                      [--format text|markdown|json|sarif]\n"
             "The drift between two SBOM files (CycloneDX, SPDX JSON or tag-value) in the tiers\n"
             "of the policy's image rule for NAME (default: the first rule with tiers).\n"
             "exit: 0 no blocking drift, 1 blocking drift, 2 error\n"},
    {"policy", "usage: driftgate policy lint [--schema FILE] [--schema-only] FILE...\n"
               "       driftgate policy schema\n"
               "lint checks each policy against the JSON Schema (built in, or FILE) and then\n"
               "loads it strictly; every problem as file:line:col. schema prints the built-in\n"
               "JSON Schema.\n"
               "exit: 0 valid, 1 invalid, 2 usage or I/O error\n"},
    {"attest-dev",
     "usage: driftgate attest-dev IMAGE@sha256:<d> --dev DEV_IMAGE@sha256:<d> [--predicate-only]\n"
     "Prints the in-toto statement (or with --predicate-only its predicate) of the\n"
     "dev-environment attestation (https://driftgate.dev/dev-environment/v1): IMAGE was\n"
     "tested in DEV_IMAGE. Sign it with cosign attest or any in-toto signer; a rule with\n"
     "devReference.from: attestation takes its dev image from it.\n"
     "exit: 0 printed, 2 usage error\n"},
    {"audit",
     "usage: driftgate audit pins [DIR] [--policy FILE] [--format text|markdown|json|sarif]\n"
     "Offline pin audit of the repository at DIR (default .): GitHub workflow and action uses:,\n"
     "job containers and services, Dockerfile FROM/COPY --from/RUN --mount=from, ADD and\n"
     "download-then-run, devcontainer.json image and features (actions.lock and\n"
     "devcontainer-lock.json count as locks). Unpinned references get the tier of the\n"
     "policy's first matching spec.pins rule (built-in defaults without --policy).\n"
     "exit: 0 nothing blocks, 1 a block-tier reference or a file not audited, 2 error\n"
     "       driftgate audit repo [DIR] --policy FILE [--format ...] [--offline] [--image PROD]\n"
     "         [--max-dev-age DAYS] [--cluster] [registry flags as check]\n"
     "Seed 002's drift report per layer: dev container (verified, aged, drift), toolchain,\n"
     "pipeline (the pins), dependencies (lockfiles, Renovate/Dependabot), runtime.\n"
     "exit: as check\n"},
    {"verify-bundle",
     "usage: driftgate verify-bundle --bundle FILE\n"
     "         (--certificate-identity ID | --certificate-identity-regexp RE)\n"
     "         (--certificate-oidc-issuer URL | --certificate-oidc-issuer-regexp RE)\n"
     "         | --key FILE)\n"
     "         --trusted-root FILE [--trusted-root FILE]... FILE|sha256:<hex>\n"
     "Verifies one sigstore bundle over FILE or a digest (the sigstore-conformance client).\n"
     "exit: 0 verified, 1 not verified (the reason is printed), 2 usage or I/O error\n"},
    {"reverify",
     "usage: driftgate reverify (--once | --interval SECONDS) (--config FILE | --policy FILE)\n"
     "         [--api-server URL --token-file FILE --kube-ca FILE] [--format markdown|json]\n"
     "         [--dry-run] [--metrics-listen HOST:PORT] [--metrics-file FILE]\n"
     "         [--page-size N] [--max-pods N] [--event-every SECONDS] [registry flags]\n"
     "Re-verifies every running pod: lists pods through the Kubernetes API (in-cluster service\n"
     "account, or --api-server with --token-file and --kube-ca), judges the digest each\n"
     "container pulled with the webhook's engine (signatures fetched again, time rules at\n"
     "now), flags moved tags, unpinned specs and expired exemptions; writes a PolicyReport per\n"
     "namespace and Warning Events (not with --dry-run). --once prints the findings.\n"
     "exit (--once): 0 no block finding, 1 a block finding, 2 error\n"},
    {"trust",
     "usage: driftgate trust update --repo URL --root ROOT.json --out FILE\n"
     "         [--target NAME] [--targets-url URL] [--state DIR] [--timeout SECONDS]\n"
     "Refreshes the keyless trust root (trusted_root.json) from a TUF repository (Sigstore's\n"
     "or a mirror), verified from ROOT.json, and writes it atomically so serve reloads it.\n"
     "exit: 0 written or unchanged, 1 the repository was refused, 2 usage, network or file "
     "error\n"},
};

const char *
wh_cli_help(const char *command)
{
    size_t i;

    if (command == NULL)
        return "usage: driftgate COMMAND [ARGS]\n"
               "  serve --config FILE                  the admission webhook\n"
               "  review FILE|- --policy FILE          one AdmissionReview, response on stdout\n"
               "  check IMAGE [--dev IMAGE] --policy F the pull-request check of one image\n"
               "  diff PROD.json DEV.json --policy F   drift between two SBOM files\n"
               "  policy lint FILE... | policy schema  check a policy; print its JSON Schema\n"
               "  attest-dev IMAGE@D --dev DEV@E       the dev-environment statement to sign\n"
               "  verify-bundle --bundle FILE ...      verify one sigstore bundle\n"
               "  fsm image|dir|diff|attest ...        filesystem manifests and runtime drift\n"
               "  trust update --repo URL --root F ... refresh trusted_root.json over TUF\n"
               "  audit pins [DIR] [--policy F]        unpinned actions, images, features\n"
               "  reverify --once|--interval S ...     re-verify running pods, PolicyReports\n"
               "  audit repo [DIR] --policy F          the drift report of every layer\n"
               "driftgate COMMAND --help shows a command's flags; driftgate --version the build.\n"
               "exit: 0 allow, 1 deny (or blocking drift, or an invalid policy), 2 error\n";
    if (strcmp(command, "fsm") == 0)
        return wh_cli_fsm_help;
    for (i = 0; i < sizeof(helps) / sizeof(helps[0]); i++)
        if (strcmp(helps[i].name, command) == 0)
            return helps[i].text;
    return NULL;
}

static int
usage(const char *text)
{
    fprintf(stderr, "usage: %s\n", text);
    return 2;
}

int
wh_cli_review(int argc, char **argv)
{
    struct wh_cli_options o;
    struct wh_review_env *env;
    struct wh_review_worker *w;
    struct wh_review_reply reply;
    struct wh_arena a;
    struct wh_bytes body;
    struct wh_error err;
    int status;

    if (!wh_cli_options_parse(argc, argv, &o) || o.n_args != 1 || o.settings.policy_path == NULL)
        return usage("driftgate review FILE|- (--config FILE | --policy FILE [--plain-http "
                     "HOST:PORT]... [--docker-config FILE] [--trusted-root FILE]...)");
    o.settings.cache_entries = 0; /* one review: nothing to share */
    wh_arena_init(&a);
    if (wh_file_read(o.args[0], o.settings.limits.body_bytes, &a, &body, &err) != WH_OK) {
        fprintf(stderr, "driftgate review: %s\n", err.msg);
        wh_arena_fini(&a);
        return 2;
    }
    if (wh_pipeline_env_new(&o.settings, &env, &err) != WH_OK) {
        fprintf(stderr, "driftgate review: policy: %s\n", err.msg);
        wh_arena_fini(&a);
        return 2;
    }
    w = wh_pipeline_worker_new(env);
    wh_pipeline_review_handle(w, body, wh_clock_mono_ms() + o.review_ms, &reply);
    fwrite(reply.body.ptr, 1, reply.body.len, stdout);
    fputc('\n', stdout);
    status = reply.http_status != 200 ? 2 : strcmp(reply.verdict, "deny") == 0 ? 1 : 0;
    wh_buf_fini(&reply.body);
    wh_pipeline_worker_free(w);
    wh_pipeline_env_free(env);
    wh_cli_options_fini(&o);
    wh_arena_fini(&a);
    return status;
}

/* "driftgate diff: <msg>" on stderr, escaped: SBOM errors quote package names, and stderr is a
 * CI log where a line starting "::" is a workflow command. */
static void
diff_error(const char *msg)
{
    struct wh_buf b;

    wh_buf_init(&b, 64 * 1024);
    wh_buf_append_c(&b, "driftgate diff: ");
    wh_cli_report_text_safe(&b, msg);
    wh_buf_append_c(&b, "\n");
    fwrite(b.ptr, 1, b.len, stderr);
    wh_buf_fini(&b);
}

/*
 * One SBOM file of `diff`: mapped (or read) on the calling thread, since base/file's mapping
 * table is not shared between threads, then parsed into its own arena, on a thread of its own for
 * the dev file while the main thread loads the policy and parses prod. Errors are kept, not
 * printed, so `diff` still names the first failure in the order policy, prod, dev.
 */
struct sbom_job {
    const char *path;
    const struct wh_limits *lim;
    struct wh_arena *arena;
    struct wh_bytes bytes;
    struct wh_sbom sbom;
    struct wh_error err;
    enum wh_err rc;
    bool err_names_path; /* base/file's errors start with the path already */
};

static void
sbom_job_map(struct sbom_job *j)
{
    j->rc = wh_file_map(j->path, j->lim->sbom_bytes, j->arena, &j->bytes, &j->err);
    j->err_names_path = j->rc != WH_OK;
}

static void *
sbom_job_parse(void *p)
{
    struct sbom_job *j = p;

    if (j->rc == WH_OK) {
        wh_file_prefault(j->bytes);
        j->rc = wh_sbom_parse(j->bytes, j->lim, j->arena, &j->sbom, &j->err);
    }
    return NULL;
}

/* Waits for a job's thread, if it still has one. */
static void
sbom_job_join(pthread_t *thread, bool *threaded)
{
    if (*threaded)
        pthread_join(*thread, NULL);
    *threaded = false;
}

/* Waits for the job's thread, or parses it here when it has none. */
static void
sbom_job_finish(struct sbom_job *j, pthread_t *thread, bool *threaded)
{
    if (*threaded)
        sbom_job_join(thread, threaded);
    else
        sbom_job_parse(j);
}

/* The job's failure on stderr as "driftgate diff: PATH: reason"; 0 when it has none. */
static int
sbom_job_report(const struct sbom_job *j, struct wh_arena *a)
{
    if (j->rc == WH_OK)
        return 0;
    diff_error(j->err_names_path ? j->err.msg : wh_arena_sprintf(a, "%s: %s", j->path, j->err.msg));
    return -1;
}

/*
 * After the report is out, what is left of `diff` is freeing its arenas and unmapping the SBOMs,
 * which the kernel does at exit in one pass, without a TLB shootdown per munmap (2-4 ms CPU at
 * 10k components): exit with `status` here. ASan builds return and free everything, so leak
 * checking still covers diff; so does a failed flush, which exits as before.
 */
static void
exit_early(int status)
{
#ifndef __SANITIZE_ADDRESS__
    if (fflush(stdout) == 0)
        _exit(status);
#else
    (void)status;
#endif
}

int
wh_cli_diff(int argc, char **argv)
{
    struct wh_cli_options o;
    struct wh_policy *policy = NULL;
    struct wh_policy_load_options lo = {0};
    const struct wh_policy_image *rule;
    struct wh_arena dev_arena;
    struct sbom_job prod = {0}, dev = {0};
    pthread_t dev_thread;
    bool dev_threaded = false;
    struct wh_sbom_diff diff;
    struct wh_tiered_finding *tiered;
    struct wh_report r;
    struct wh_arena a;
    struct wh_error err;
    struct wh_buf out;
    enum wh_report_format fmt = WH_REPORT_TEXT;
    size_t block, warn, ignore;
    int status = 2;

    if (!wh_cli_options_parse(argc, argv, &o) || o.n_args != 2 || o.settings.policy_path == NULL ||
        (o.format != NULL && !wh_cli_report_format_parse(o.format, &fmt)))
        return usage("driftgate diff PROD.sbom.json DEV.sbom.json --policy FILE "
                     "[--image NAME] [--format text|markdown|json|sarif] [--key-dir DIR]...");
    wh_arena_init_large(&a); /* an SBOM's components and strings: megabytes, huge pages */
    wh_arena_init_large(&dev_arena);
    wh_buf_init(&out, 64u << 20);
    prod = (struct sbom_job){.path = o.args[0], .lim = &o.settings.limits, .arena = &a};
    dev = (struct sbom_job){.path = o.args[1], .lim = &o.settings.limits, .arena = &dev_arena};
    sbom_job_map(&prod);
    sbom_job_map(&dev);
    /* Parsing dev beside the rest takes its share off the wall time on a second core; without a
     * thread it is parsed below, in turn. */
    if (dev.rc == WH_OK && pthread_create(&dev_thread, NULL, sbom_job_parse, &dev) == 0)
        dev_threaded = true;
    lo.limits = &o.settings.limits;
    lo.now = wh_clock_wall();
    lo.key_dirs = o.settings.policy_key_dirs;
    lo.n_key_dirs = o.settings.n_policy_key_dirs;
    lo.keys_checked_only_unsafe = true; /* diff verifies nothing: no OpenSSL key decoders */
    if (wh_policy_load_with(o.settings.policy_path, &lo, &policy, &err) != WH_OK) {
        diff_error(err.msg);
        goto out;
    }
    /* --image picks the rule (and its exemptions); otherwise the first rule with tiers. */
    rule = o.image != NULL ? wh_policy_image_find(policy, o.image) : NULL;
    for (size_t i = 0; rule == NULL && o.image == NULL && i < wh_policy_image_count(policy); i++)
        if (wh_policy_image_get(policy, i)->tiers != NULL)
            rule = wh_policy_image_get(policy, i);
    if (rule == NULL || rule->tiers == NULL) {
        fprintf(stderr,
                "driftgate diff: no image rule with tiers in %s matches %s: pass --image "
                "registry/repository\n",
                o.settings.policy_path, o.image != NULL ? o.image : "(any)");
        goto out;
    }
    sbom_job_parse(&prod);
    sbom_job_finish(&dev, &dev_thread, &dev_threaded);
    if (sbom_job_report(&prod, &a) != 0 || sbom_job_report(&dev, &a) != 0)
        goto out;
    if (wh_sbom_diff(&prod.sbom, &dev.sbom, &a, &diff, &err) != WH_OK) {
        diff_error(err.msg);
        goto out;
    }
    wh_policy_classify(policy, rule, o.image != NULL ? o.image : "", &diff, wh_clock_wall(), &a,
                       &tiered);
    memset(&r, 0, sizeof(r));
    r.prod = o.args[0];
    r.dev = o.args[1];
    r.diff = &diff;
    r.tiered = tiered;
    r.tiers = rule->tiers->name;
    wh_cli_report_render(&r, fmt, &out);
    if (wh_buf_check(&out, "report", &err) != WH_OK) {
        fprintf(stderr, "driftgate diff: %s\n", err.msg);
        goto out;
    }
    fwrite(out.ptr, 1, out.len, stdout);
    wh_cli_report_count(&r, &block, &warn, &ignore);
    status = block > 0 ? 1 : 0;
    exit_early(status);
out:
    sbom_job_join(&dev_thread, &dev_threaded); /* after an early failure: not past its arena */
    wh_policy_unref(policy);
    wh_buf_fini(&out);
    wh_arena_fini(&dev_arena);
    wh_arena_fini(&a);
    wh_cli_options_fini(&o);
    return status;
}

int
wh_cli_serve(int argc, char **argv)
{
    struct wh_cli_options o;
    struct wh_review_env *env;
    struct wh_error err;
    int status = 0;

    if (!wh_cli_options_parse(argc, argv, &o) || o.n_args != 0 || !o.has_config)
        return usage("driftgate serve --config FILE");
    if (o.settings.policy_path == NULL) {
        fprintf(stderr, "driftgate serve: %s sets no policy: add `policy: PATH`\n", o.config.path);
        wh_cli_options_fini(&o);
        return 2;
    }
    wh_log_set_level(o.config.log_level);
    if (wh_pipeline_env_new(&o.settings, &env, &err) != WH_OK) {
        fprintf(stderr, "driftgate serve: policy: %s\n", err.msg);
        wh_cli_options_fini(&o);
        return 2;
    }
    if (wh_http_serve(&o.config, env, &err) != WH_OK) {
        fprintf(stderr, "driftgate serve: %s\n", err.msg);
        status = 2;
    }
    wh_pipeline_env_free(env);
    wh_cli_options_fini(&o);
    return status;
}
