/*
 * `driftgate audit repo [DIR] --policy P [--format ...] [--offline] [--image PROD] [--cluster]`:
 * seed 002's drift report, one section per layer (audit/repo.h). The dev container layer resolves
 * and verifies the image devcontainer.json names with the pipeline's own image check, reads its
 * age from the image config's `created`, compares the repository's toolchain pins with its
 * verified SBOM and, with --image, measures PROD's drift against it. Exit 0 nothing blocks, 1 a
 * block finding or a file not audited, 2 usage, policy, registry or I/O error (as `check`).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "audit/classify.h"
#include "audit/repo.h"
#include "audit/walk.h"
#include "base/arena.h"
#include "base/clock.h"
#include "cli/audit.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "cli/report.h"
#include "cli/reverify.h"
#include "decision/decision.h"
#include "image/ref.h"
#include "pipeline/image_check.h"
#include "policy/policy.h"
#include "registry/client.h"
#include "registry/oci.h"
#include "trust/root.h"

#define USAGE                                                                                      \
    "driftgate audit repo [DIR] --policy FILE [--format text|markdown|json|sarif] [--offline] "    \
    "[--image PROD] [--max-dev-age DAYS] "                                                         \
    "[--cluster [--api-server URL --token-file F --kube-ca F | --kubeconfig F [--context NAME]]] " \
    "[--plain-http HOST:PORT]... "                                                                 \
    "[--docker-config FILE] [--ca-file FILE] [--trusted-root FILE]... [--timeout SECONDS]"
#define OUT_MAX (64u * 1024 * 1024)
#define CONFIG_MAX (1024 * 1024)

struct repo_run {
    struct wh_cli_options o;
    bool offline, cluster;
    long max_age_days;
    struct wh_reverify_kube_flags kube; /* --cluster: NULLs for the config or in-cluster */
    const char *dir;
    enum wh_report_format fmt;
    struct wh_policy *policy;
    struct wh_trust_root *trust;
    struct wh_registry_client *client;
    struct wh_repo r;
    struct wh_audit au;
    struct wh_arena a;
    const char *infra; /* a registry or infrastructure error: exit 2 */
};

static int
fail(const char *msg)
{
    struct wh_buf b;

    wh_buf_init(&b, 64 * 1024);
    wh_buf_append_c(&b, "driftgate audit repo: ");
    wh_cli_report_text_safe(&b, msg);
    wh_buf_append_c(&b, "\n");
    fwrite(b.ptr, 1, b.len, stderr);
    wh_buf_fini(&b);
    return 2;
}

/* ---- the dev container layer ---- */

/* RFC 3339 ("2024-01-02T03:04:05.123Z", "...+02:00") → seconds; false if it is not one. */
static bool
parse_time(const char *s, time_t *out)
{
    struct tm tm;
    int v[6], widths[6] = {4, 2, 2, 2, 2, 2}, i, k;
    const char seps[] = "--T::";
    long off = 0;

    memset(&tm, 0, sizeof(tm));
    for (i = 0; i < 6; i++) {
        v[i] = 0;
        for (k = 0; k < widths[i]; k++, s++) {
            if (*s < '0' || *s > '9')
                return false;
            v[i] = v[i] * 10 + (*s - '0');
        }
        if (i < 5 && *s++ != seps[i] && !(i == 2 && (s[-1] == 't' || s[-1] == ' ')))
            return false;
    }
    if (*s == '.')
        for (s++; *s >= '0' && *s <= '9'; s++)
            ;
    if (*s == '+' || *s == '-') {
        if (!(s[1] >= '0' && s[1] <= '9' && s[2] >= '0' && s[2] <= '9' && s[3] == ':' &&
              s[4] >= '0' && s[4] <= '9' && s[5] >= '0' && s[5] <= '9' && s[6] == '\0'))
            return false;
        off = ((s[1] - '0') * 10 + (s[2] - '0')) * 3600L + ((s[4] - '0') * 10 + (s[5] - '0')) * 60L;
        if (*s == '-')
            off = -off;
    } else if (!((*s == 'Z' || *s == 'z') && s[1] == '\0')) {
        return false;
    }
    if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 || v[4] > 59 || v[5] > 60)
        return false;
    tm.tm_year = v[0] - 1900;
    tm.tm_mon = v[1] - 1;
    tm.tm_mday = v[2];
    tm.tm_hour = v[3];
    tm.tm_min = v[4];
    tm.tm_sec = v[5];
    *out = timegm(&tm) - off;
    return true;
}

/* The image config's `created` of the platform manifest `digest`; NULL with *why on failure. */
static const char *
config_created(struct repo_run *run, const char *image, const char *digest, int64_t deadline,
               const char **why)
{
    struct wh_image_ref ref;
    struct wh_registry_manifest m;
    struct wh_bytes cfg;
    struct wh_error err;
    json_error_t jerr;
    json_t *root;
    const char *created = NULL;

    if (wh_image_ref_parse(wh_str_c(image), &run->a, &ref, &err) != WH_OK ||
        wh_registry_manifest_get(run->client, &ref, digest, deadline, &run->a, &m, &err) != WH_OK) {
        *why = wh_arena_strdup(&run->a, err.msg);
        return NULL;
    }
    if (m.is_index) {
        *why = "the resolved manifest is an index, not an image";
        return NULL;
    }
    if (wh_registry_blob_get(run->client, &ref, m.config.digest, CONFIG_MAX, deadline, &run->a,
                             &cfg, &err) != WH_OK) {
        *why = wh_arena_sprintf(&run->a, "image config: %s", err.msg);
        return NULL;
    }
    root = json_loadb((const char *)cfg.ptr, cfg.len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        *why =
            wh_arena_sprintf(&run->a, "image config %d:%d: %s", jerr.line, jerr.column, jerr.text);
        return NULL;
    }
    if (json_is_string(json_object_get(root, "created")))
        created = wh_arena_strdup(&run->a, json_string_value(json_object_get(root, "created")));
    else
        *why = "the image config has no created time";
    json_decref(root);
    return created;
}

static void
dev_age(struct repo_run *run, const char *image, const char *digest, int64_t deadline)
{
    struct wh_repo *r = &run->r;
    const char *why = NULL, *created = config_created(run, image, digest, deadline, &why);
    time_t t, now = wh_clock_wall();
    long days;

    if (created == NULL || !parse_time(created, &t)) {
        wh_audit_repo_finding(r, WH_REPO_DEV, "dev/age-unknown", WH_TIER_WARN, r->dev_image_file, 1,
                              wh_arena_sprintf(&run->a,
                                               "the dev image %s has no readable creation time "
                                               "(%s): its age cannot be judged",
                                               image, why != NULL ? why : created));
        return;
    }
    days = t > now ? 0 : (long)((now - t) / 86400);
    if (days > run->max_age_days)
        wh_audit_repo_finding(r, WH_REPO_DEV, "dev/stale-image", WH_TIER_WARN, r->dev_image_file, 1,
                              wh_arena_sprintf(&run->a,
                                               "the dev image %s was built %s, %ld days ago (more "
                                               "than %ld): rebuild it so developers get the "
                                               "patches released since",
                                               image, created, days, run->max_age_days));
    else
        wh_audit_repo_note(r, WH_REPO_DEV,
                           wh_arena_sprintf(&run->a, "built %s (%ld days ago, at most %ld)",
                                            created, days, run->max_age_days));
}

static void
ctx_init(struct repo_run *run, struct wh_image_check_ctx *ctx)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->policy = run->policy;
    ctx->registry = run->client;
    ctx->registry_error = "";
    ctx->limits = &run->o.settings.limits;
    ctx->deadline_ms = wh_clock_mono_ms() + run->o.review_ms;
    ctx->now = wh_clock_wall();
    ctx->arena = &run->a;
    ctx->generation = wh_policy_generation(run->policy);
    ctx->trust = run->trust;
    ctx->dev_override_trusted = true;
}

/* The policy's verdict on one image check: denials block, warnings warn. false: infrastructure. */
static bool
judge(struct repo_run *run, const struct wh_image_check_ctx *ctx, struct wh_image_result *res,
      const char *rule_id, struct wh_decision *d)
{
    struct wh_image_eval ev;
    size_t i;

    if (res->error != NULL && wh_policy_on_error_applies(res->error_code)) {
        run->infra = wh_arena_sprintf(&run->a, "%s: %s", res->image, res->error);
        return false;
    }
    if (res->dev_error != NULL && wh_policy_on_error_applies(res->dev_error_code)) {
        run->infra = wh_arena_sprintf(&run->a, "%s: %s", res->dev_image, res->dev_error);
        return false;
    }
    wh_decision_init(d, &run->a);
    memset(&ev, 0, sizeof(ev));
    ev.path = "image";
    ev.image = res->shown != NULL ? res->shown : res->image;
    ev.digest = res->digest;
    ev.platform = res->platform;
    ev.index_digest = res->index_digest;
    ev.name = res->name;
    ev.rule = res->rule;
    ev.facts = &res->facts;
    ev.diff = res->diff;
    ev.dev_image = res->dev_image;
    ev.dev_digest = res->dev_digest;
    ev.error = res->error;
    ev.error_code = res->error_code;
    ev.dev_error = res->dev_error;
    ev.dev_error_code = res->dev_error_code;
    ev.verify_detail = res->verify_detail;
    ev.signature_detail = res->signature_detail;
    ev.dev_predicates = res->dev_predicates;
    wh_policy_evaluate_image(run->policy, &ev, ctx->now, d);
    wh_policy_finish(d);
    for (i = 0; i < d->n_denials; i++)
        wh_audit_repo_finding(&run->r, WH_REPO_DEV, rule_id, WH_TIER_BLOCK, run->r.dev_image_file,
                              1, d->denials[i]);
    for (i = 0; i < d->n_warnings; i++)
        wh_audit_repo_finding(&run->r, WH_REPO_DEV, rule_id, WH_TIER_WARN, run->r.dev_image_file, 1,
                              d->warnings[i]);
    return true;
}

/* --image PROD: PROD's drift against the dev image, where the policy lets the repository name it.
 */
static void
dev_drift(struct repo_run *run)
{
    struct wh_image_check_ctx ctx;
    struct wh_image_result res;
    struct wh_decision d;
    const char *refused;

    refused = wh_cli_check_dev_refused(run->policy, run->o.image, &run->a);
    if (refused != NULL) {
        wh_audit_repo_finding(
            &run->r, WH_REPO_DEV, "dev/drift", WH_TIER_BLOCK, run->r.dev_image_file, 1,
            wh_arena_sprintf(&run->a, "drift of %s not measured: %s", run->o.image, refused + 7));
        return;
    }
    ctx_init(run, &ctx);
    wh_pipeline_image_check_one(&ctx, run->o.image, run->r.dev_image, NULL, &res);
    if (res.invalid != NULL) {
        run->infra = wh_arena_sprintf(&run->a, "--image %s: %s", run->o.image, res.invalid);
        return;
    }
    if (!judge(run, &ctx, &res, "dev/drift", &d))
        return;
    if (res.diff != NULL)
        wh_audit_repo_note(&run->r, WH_REPO_DEV,
                           wh_arena_sprintf(&run->a,
                                            "drift of %s against it: %zu version, %zu dev-only, "
                                            "%zu prod-only, %zu same",
                                            run->o.image, res.diff->n_version, res.diff->n_dev_only,
                                            res.diff->n_prod_only, res.diff->n_same));
}

static void
dev_layer(struct repo_run *run)
{
    struct wh_repo *r = &run->r;
    struct wh_image_check_ctx ctx;
    struct wh_image_result res;
    struct wh_decision d;
    const struct wh_sbom *sbom;

    wh_audit_repo_not_evaluated(r, WH_REPO_TOOLCHAIN,
                                "the dev image's SBOM was not read, so the pins were not compared");
    if (r->dev_image == NULL) {
        wh_audit_repo_not_evaluated(r, WH_REPO_DEV,
                                    "no devcontainer.json names an image (one built from a "
                                    "Dockerfile is audited in the pipeline layer)");
        return;
    }
    if (run->offline || run->policy == NULL) {
        wh_audit_repo_not_evaluated(r, WH_REPO_DEV,
                                    run->offline ? "--offline: the registry was not asked"
                                                 : "no --policy: its rules verify the dev image");
        return;
    }
    ctx_init(run, &ctx);
    wh_pipeline_image_check_one(&ctx, r->dev_image, NULL, NULL, &res);
    if (res.invalid != NULL) {
        wh_audit_repo_finding(r, WH_REPO_DEV, "dev/verify", WH_TIER_BLOCK, r->dev_image_file, 1,
                              wh_arena_sprintf(&run->a, "%s: %s", r->dev_image, res.invalid));
        r->layers[WH_REPO_DEV].evaluated = true;
        return;
    }
    if (!judge(run, &ctx, &res, "dev/verify", &d)) {
        wh_audit_repo_not_evaluated(r, WH_REPO_DEV, run->infra);
        return;
    }
    r->layers[WH_REPO_DEV].evaluated = true;
    wh_audit_repo_note(r, WH_REPO_DEV,
                       wh_arena_sprintf(&run->a, "%s (%s): %s, %zu verified attestations",
                                        r->dev_image, r->dev_image_file,
                                        res.digest != NULL ? res.digest : "not resolved",
                                        res.facts.n_attestations));
    if (res.digest != NULL)
        dev_age(run, r->dev_image, res.digest, ctx.deadline_ms);
    sbom = res.digest != NULL ? res.sbom : NULL;
    if (sbom != NULL)
        wh_audit_repo_toolchain_compare(r, sbom, r->dev_image);
    else
        wh_audit_repo_not_evaluated(r, WH_REPO_TOOLCHAIN,
                                    wh_arena_sprintf(&run->a,
                                                     "the dev image %s has no verified SBOM "
                                                     "attestation to compare the pins with",
                                                     r->dev_image));
    if (run->o.image != NULL)
        dev_drift(run);
}

/* A running image's age against --max-dev-age: a note, or a warning past it. */
static void
runtime_age(struct repo_run *run, const struct wh_reverify_image *im, time_t now)
{
    struct wh_repo *r = &run->r;
    time_t t;
    long days;

    if (im->created == NULL || !parse_time(im->created, &t)) {
        wh_audit_repo_note(
            r, WH_REPO_RUNTIME,
            wh_arena_sprintf(&run->a, "%s: %s, no readable creation time", im->image, im->verdict));
        return;
    }
    days = t > now ? 0 : (long)((now - t) / 86400);
    if (days > run->max_age_days)
        wh_audit_repo_finding(r, WH_REPO_RUNTIME, "runtime/stale-image", WH_TIER_WARN, NULL, 0,
                              wh_arena_sprintf(&run->a,
                                               "the running image %s was built %s, %ld days ago "
                                               "(more than %ld): rebuild and roll it out",
                                               im->image, im->created, days, run->max_age_days));
    wh_audit_repo_note(r, WH_REPO_RUNTIME,
                       wh_arena_sprintf(&run->a, "%s: %s, built %s (%ld days ago)", im->image,
                                        im->verdict, im->created, days));
}

/* --cluster: the running pods through the Kubernetes API, judged as `driftgate reverify --once
 * --dry-run` judges them (the same function): each distinct running image's verdict and age,
 * and reverify's findings (signature gone, tag moved, unpinned spec, expired exemption, ...). */
static void
runtime_layer(struct repo_run *run)
{
    struct wh_repo *r = &run->r;
    struct wh_reverify_run rv;
    struct wh_error err;
    time_t now = wh_clock_wall();
    size_t i;

    if (!run->cluster || run->offline || run->policy == NULL) {
        wh_audit_repo_not_evaluated(r, WH_REPO_RUNTIME,
                                    !run->cluster ? "no --cluster: the running images were not read"
                                    : run->offline ? "--offline: the cluster was not read"
                                                   : "no --policy: its rules judge the running "
                                                     "images");
        if (run->cluster)
            run->infra = "--cluster needs the registry and a --policy (not --offline)";
        return;
    }
    if (wh_cli_reverify_collect(&run->o, &run->kube, &run->a, &rv, &err) != WH_OK) {
        run->infra = wh_arena_sprintf(&run->a, "--cluster: %s", err.msg);
        wh_audit_repo_not_evaluated(r, WH_REPO_RUNTIME, run->infra);
        return;
    }
    r->layers[WH_REPO_RUNTIME].evaluated = true;
    wh_audit_repo_note(r, WH_REPO_RUNTIME,
                       wh_arena_sprintf(&run->a,
                                        "%zu running pods, %zu images: %zu allowed, %zu warned, "
                                        "%zu denied, %zu could not be checked",
                                        rv.counts.pods, rv.n_images, rv.counts.allowed,
                                        rv.counts.warned, rv.counts.denied, rv.counts.error));
    for (i = 0; i < rv.n_images; i++)
        runtime_age(run, &rv.images[i], now);
    for (i = 0; i < rv.n_findings; i++) {
        const struct wh_reverify_finding *f = &rv.findings[i];

        wh_audit_repo_finding(
            r, WH_REPO_RUNTIME,
            wh_arena_sprintf(&run->a, "runtime/%s", wh_cli_reverify_kind_name(f->kind)),
            f->tier == WH_REVERIFY_BLOCK ? WH_TIER_BLOCK : WH_TIER_WARN, NULL, 0,
            wh_arena_sprintf(&run->a, "pod %s/%s %s: %s%s%s", f->pod->namespace_, f->pod->name,
                             f->path, f->message, f->revision != NULL ? " (revision " : "",
                             f->revision != NULL ? wh_arena_sprintf(&run->a, "%s)", f->revision)
                                                 : ""));
    }
}

/* ---- rendering ---- */

static const char *
tier_word(enum wh_tier t)
{
    return t == WH_TIER_BLOCK ? "block" : "warn";
}

static size_t
layer_errors(const struct wh_repo *r, enum wh_repo_layer l)
{
    size_t i, n = 0;

    for (i = 0; i < r->au->n_errors; i++)
        n += wh_audit_repo_file_layer(r->au->errors[i].file) == l;
    return n;
}

static void
layer_counts(const struct wh_repo *r, enum wh_repo_layer l, size_t *block, size_t *warn)
{
    size_t i, b = 0, w = 0, ig = 0;

    for (i = 0; i < r->n_findings; i++)
        if (r->findings[i].layer == l) {
            b += r->findings[i].tier == WH_TIER_BLOCK;
            w += r->findings[i].tier == WH_TIER_WARN;
        }
    if (l == WH_REPO_PIPELINE) {
        size_t pb, pw;
        wh_audit_count(r->au, &pb, &pw, &ig);
        b += pb;
        w += pw;
    }
    *block = b;
    *warn = w;
}

/* "clean", "2 block, 1 warn" or "not evaluated: why". */
static const char *
layer_status(const struct wh_repo *r, enum wh_repo_layer l, struct wh_arena *a)
{
    size_t b, w, e = layer_errors(r, l);

    layer_counts(r, l, &b, &w);
    if (e > 0)
        return wh_arena_sprintf(a, "%zu block, %zu warn, %zu file%s not audited (ERROR below)", b,
                                w, e, e == 1 ? "" : "s");
    if (!r->layers[l].evaluated)
        return wh_arena_sprintf(a, "not evaluated: %s%s", r->layers[l].not_evaluated,
                                b + w > 0 ? wh_arena_sprintf(a,
                                                             " (%zu block, %zu warn found "
                                                             "offline)",
                                                             b, w)
                                          : "");
    if (b + w == 0)
        return "clean";
    return wh_arena_sprintf(a, "%zu block, %zu warn", b, w);
}

static void
text_finding(struct wh_buf *b, const struct wh_repo_finding *f)
{
    wh_buf_append_c(b, f->tier == WH_TIER_BLOCK ? "BLOCK " : "WARN  ");
    if (f->file != NULL) {
        wh_cli_report_text_safe(b, f->file);
        if (f->line > 0)
            wh_buf_printf(b, ":%d:%d", f->line, f->col);
        wh_buf_append_c(b, " ");
    }
    wh_buf_printf(b, "%s\n      ", f->rule);
    wh_cli_report_text_safe(b, f->msg);
    wh_buf_append_c(b, "\n");
}

static void
text_layer(const struct wh_repo *r, int l, struct wh_buf *b)
{
    size_t i;
    int pass;

    wh_buf_printf(b, "\n== %s: ", wh_audit_repo_layer_name((enum wh_repo_layer)l));
    wh_cli_report_text_safe(b, layer_status(r, (enum wh_repo_layer)l, r->au->a));
    wh_buf_append_c(b, "\n");
    for (i = 0; i < r->layers[l].n_notes; i++) {
        wh_buf_append_c(b, "  - ");
        wh_cli_report_text_safe(b, r->layers[l].notes[i]);
        wh_buf_append_c(b, "\n");
    }
    for (pass = 0; pass < 2; pass++)
        for (i = 0; i < r->n_findings; i++)
            if ((int)r->findings[i].layer == l &&
                r->findings[i].tier == (pass == 0 ? WH_TIER_BLOCK : WH_TIER_WARN))
                text_finding(b, &r->findings[i]);
    if (l == WH_REPO_PIPELINE)
        wh_cli_audit_pins_lines(r->au, b);
}

static void
render_text(const struct repo_run *run, struct wh_buf *b)
{
    const struct wh_repo *r = &run->r;
    size_t block, warn, pb, pw, pi;
    int l, n = 0;

    wh_audit_repo_count(r, &block, &warn);
    wh_audit_count(r->au, &pb, &pw, &pi);
    wh_buf_append_c(b, "driftgate audit repo ");
    wh_cli_report_text_safe(b, run->dir);
    wh_buf_printf(b, ": %zu files\n", r->au->n_files + r->n_files);
    for (l = 0; l < WH_REPO_LAYER_COUNT; l++)
        text_layer(r, l, b);
    if (r->au->n_errors > 0)
        wh_buf_append_c(b, "\n");
    wh_cli_audit_error_lines(r->au, b);
    wh_buf_printf(b, "\nsummary: block %zu, warn %zu, errors %zu", block + pb, warn + pw,
                  r->au->n_errors);
    for (l = 0; l < WH_REPO_LAYER_COUNT; l++)
        if (!r->layers[l].evaluated)
            wh_buf_printf(b, "%s%s", n++ == 0 ? "; not evaluated: " : ", ",
                          wh_audit_repo_layer_name((enum wh_repo_layer)l));
    wh_buf_append_c(b, "\n");
}

static void
json_layer(const struct wh_repo *r, int l, struct wh_buf *b)
{
    size_t i, n = 0;

    wh_cli_audit_json_str(b, "layer", wh_audit_repo_layer_name((enum wh_repo_layer)l), false);
    wh_buf_printf(b, ",\"evaluated\":%s", r->layers[l].evaluated ? "true" : "false");
    wh_cli_audit_json_str(b, "not_evaluated",
                          r->layers[l].evaluated ? NULL : r->layers[l].not_evaluated, true);
    wh_cli_audit_json_str(b, "status", layer_status(r, (enum wh_repo_layer)l, r->au->a), true);
    wh_buf_append_c(b, ",\"notes\":[");
    for (i = 0; i < r->layers[l].n_notes; i++) {
        if (i > 0)
            wh_buf_append_c(b, ",");
        wh_buf_append_json_string(b, wh_str_c(r->layers[l].notes[i]));
    }
    wh_buf_append_c(b, "],\"findings\":[");
    for (i = 0; i < r->n_findings; i++) {
        const struct wh_repo_finding *f = &r->findings[i];
        if ((int)f->layer != l)
            continue;
        wh_buf_append_c(b, n++ > 0 ? ",\n{" : "\n{");
        wh_cli_audit_json_str(b, "rule", f->rule, false);
        wh_cli_audit_json_str(b, "tier", tier_word(f->tier), true);
        wh_cli_audit_json_str(b, "file", f->file, true);
        wh_buf_printf(b, ",\"line\":%d,\"column\":%d", f->line, f->col);
        wh_cli_audit_json_str(b, "message", f->msg, true);
        wh_buf_append_c(b, "}");
    }
    wh_buf_append_c(b, "]");
}

static void
render_json(const struct repo_run *run, struct wh_buf *b)
{
    const struct wh_repo *r = &run->r;
    size_t block, warn, pb, pw, pi, i;
    int l;

    wh_audit_repo_count(r, &block, &warn);
    wh_audit_count(r->au, &pb, &pw, &pi);
    wh_buf_append_c(b, "{\"command\":\"audit repo\"");
    wh_cli_audit_json_str(b, "dir", run->dir, true);
    wh_buf_printf(b, ",\"summary\":{\"block\":%zu,\"warn\":%zu,\"errors\":%zu},\"layers\":[",
                  block + pb, warn + pw, r->au->n_errors);
    for (l = 0; l < WH_REPO_LAYER_COUNT; l++) {
        wh_buf_append_c(b, l > 0 ? ",\n{" : "\n{");
        json_layer(r, l, b);
        wh_buf_append_c(b, "}");
    }
    wh_buf_append_c(b, "],\"references\":[");
    wh_cli_audit_json_refs(r->au, b);
    wh_buf_append_c(b, ",\"dependencies\":[");
    for (i = 0; i < r->n_deps; i++) {
        wh_buf_append_c(b, i > 0 ? ",\n{" : "\n{");
        wh_cli_audit_json_str(b, "manifest", r->deps[i].manifest, false);
        wh_cli_audit_json_str(b, "name", r->deps[i].name, true);
        wh_cli_audit_json_str(b, "version", r->deps[i].version, true);
        wh_buf_append_c(b, "}");
    }
    wh_buf_append_c(b, "]}\n");
}

/* The repo/<layer>/<what> rule ids a report can carry. */
static const char *const repo_rules[][2] = {
    {"dev/verify", "The dev container image does not pass the policy"},
    {"dev/drift", "The production image drifts from the dev container image"},
    {"dev/stale-image", "The dev container image is older than allowed"},
    {"dev/age-unknown", "The dev container image's age cannot be read"},
    {"toolchain/mismatch", "A pinned language version differs from the dev image's"},
    {"toolchain/not-in-dev-image", "A pinned language is missing from the dev image's SBOM"},
    {"toolchain/alias", "A toolchain pin is an alias that moves"},
    {"toolchain/conflict", "Two files pin one language at different versions"},
    {"toolchain/unpinned", "No language version is pinned"},
    {"deps/no-lockfile", "A manifest without a lockfile"},
    {"deps/lock-out-of-sync", "A lockfile out of sync with its manifest"},
    {"deps/lock-unhashed", "Requirements without hashes"},
    {"deps/no-update-bot", "No Renovate or Dependabot configuration"},
    {"deps/ecosystem-not-covered", "An ecosystem the update bot does not cover"},
    {"deps/no-digest-pinning", "Actions or images updated without digest pinning"},
};

static void
render_sarif(const struct repo_run *run, struct wh_buf *b)
{
    const struct wh_repo *r = &run->r;
    bool first = true;
    size_t i;

    wh_buf_append_c(b, "{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\","
                       "\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{"
                       "\"name\":\"driftgate\",\"informationUri\":\"https://driftgate.dev\","
                       "\"rules\":[");
    for (i = 0; i < sizeof(repo_rules) / sizeof(repo_rules[0]); i++) {
        wh_buf_append_c(b, "{");
        wh_cli_audit_json_str(b, "id", wh_arena_sprintf(r->au->a, "repo/%s", repo_rules[i][0]),
                              false);
        wh_buf_append_c(b, ",\"shortDescription\":{");
        wh_cli_audit_json_str(b, "text", repo_rules[i][1], false);
        wh_buf_append_c(b, "}},");
    }
    wh_cli_audit_sarif_pin_rules(b);
    wh_buf_append_c(b, "]}},\"results\":[");
    for (i = 0; i < r->n_findings; i++) {
        const struct wh_repo_finding *f = &r->findings[i];
        wh_cli_audit_sarif_result(b, &first, wh_arena_sprintf(r->au->a, "repo/%s", f->rule),
                                  f->tier == WH_TIER_BLOCK ? "error" : "warning", f->msg,
                                  f->file != NULL ? f->file : ".", f->line, f->col);
    }
    wh_cli_audit_sarif_pins(r->au, b, &first);
    wh_buf_append_c(b, "]}]}\n");
}

static void
md_findings(const struct wh_repo *r, int l, struct wh_buf *b)
{
    size_t i, n = 0;

    for (i = 0; i < r->n_findings; i++) {
        const struct wh_repo_finding *f = &r->findings[i];
        if ((int)f->layer != l)
            continue;
        if (n++ == 0)
            wh_buf_append_c(b, "\n| Tier | Where | Layer | Rule | Why |\n"
                               "| --- | --- | --- | --- | --- |\n");
        wh_buf_printf(b, "| %s | ", tier_word(f->tier));
        wh_cli_report_md_code(
            b, f->file != NULL ? wh_arena_sprintf(r->au->a, "%s:%d", f->file, f->line) : "-");
        wh_buf_printf(b, " | %s | %s | ", wh_audit_repo_layer_name(f->layer), f->rule);
        wh_cli_report_md_text(b, f->msg);
        wh_buf_append_c(b, " |\n");
    }
}

static void
md_pins(const struct wh_repo *r, struct wh_buf *b)
{
    size_t i, n = 0;

    for (i = 0; i < r->au->n_refs; i++) {
        const struct wh_audit_ref *ref = &r->au->refs[i];
        if ((ref->status != WH_AUDIT_UNPINNED && ref->status != WH_AUDIT_LOCAL) ||
            ref->tier == WH_TIER_IGNORE)
            continue;
        if (n++ == 0)
            wh_buf_append_c(b, "\n| Where | Kind | Reference | Why | Rule |\n"
                               "| --- | --- | --- | --- | --- |\n");
        wh_cli_audit_md_row(b, ref, r->au->a);
    }
}

static void
render_markdown(const struct repo_run *run, struct wh_buf *b)
{
    const struct wh_repo *r = &run->r;
    size_t i;
    int l;

    wh_buf_append_c(b, "## driftgate audit repo: ");
    wh_cli_report_md_code(b, run->dir);
    wh_buf_append_c(b, "\n");
    for (l = 0; l < WH_REPO_LAYER_COUNT; l++) {
        wh_buf_printf(b, "\n### %s: ", wh_audit_repo_layer_name((enum wh_repo_layer)l));
        wh_cli_report_md_text(b, layer_status(r, (enum wh_repo_layer)l, r->au->a));
        wh_buf_append_c(b, "\n\n");
        for (i = 0; i < r->layers[l].n_notes; i++) {
            wh_buf_append_c(b, "- ");
            wh_cli_report_md_text(b, r->layers[l].notes[i]);
            wh_buf_append_c(b, "\n");
        }
        md_findings(r, l, b);
        if (l == WH_REPO_PIPELINE)
            md_pins(r, b);
    }
    for (i = 0; i < r->au->n_errors; i++) {
        wh_buf_append_c(b, i == 0 ? "\n### Errors\n\n- " : "- ");
        wh_cli_report_md_code(b, wh_arena_sprintf(r->au->a, "%s:%d:%d", r->au->errors[i].file,
                                                  r->au->errors[i].line, r->au->errors[i].col));
        wh_buf_append_c(b, " ");
        wh_cli_report_md_text(b, r->au->errors[i].msg);
        wh_buf_append_c(b, "\n");
    }
}

/* ---- command ---- */

/* Takes audit repo's own flags out of argv (the rest are the shared ones, cli/options.h). */
static bool
own_flags(int argc, char **argv, struct repo_run *run, char **rest, int *n_rest)
{
    int i;
    char *end;

    run->max_age_days = 30;
    *n_rest = 0;
    rest[(*n_rest)++] = "audit repo";
    for (i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--offline") == 0) {
            run->offline = true;
        } else if (strcmp(argv[i], "--cluster") == 0) {
            run->cluster = true;
        } else if (strcmp(argv[i], "--api-server") == 0 && i + 1 < argc) {
            run->kube.api_server = argv[++i];
        } else if (strcmp(argv[i], "--token-file") == 0 && i + 1 < argc) {
            run->kube.token_file = argv[++i];
        } else if (strcmp(argv[i], "--kube-ca") == 0 && i + 1 < argc) {
            run->kube.kube_ca = argv[++i];
        } else if (strcmp(argv[i], "--kubeconfig") == 0 && i + 1 < argc) {
            run->kube.kubeconfig = argv[++i];
        } else if (strcmp(argv[i], "--context") == 0 && i + 1 < argc) {
            run->kube.context = argv[++i];
        } else if (strcmp(argv[i], "--max-dev-age") == 0 && i + 1 < argc) {
            run->max_age_days = strtol(argv[++i], &end, 10);
            if (*end != '\0' || end == argv[i] || run->max_age_days < 0 ||
                run->max_age_days > 36500) {
                fprintf(stderr, "driftgate audit repo: --max-dev-age takes days (0-36500)\n");
                return false;
            }
        } else {
            rest[(*n_rest)++] = argv[i];
        }
    }
    rest[*n_rest] = NULL;
    return true;
}

static int
setup(struct repo_run *run)
{
    struct wh_registry_options ro;
    struct wh_policy_load_options lo;
    struct wh_error err;
    struct wh_cli_options *o = &run->o;

    if (o->settings.policy_path != NULL) {
        memset(&lo, 0, sizeof(lo)); /* on_error NULL: the first error fails the load */
        lo.limits = &o->settings.limits;
        lo.now = wh_clock_wall();
        lo.key_dirs = o->settings.policy_key_dirs;
        lo.n_key_dirs = o->settings.n_policy_key_dirs;
        if (wh_policy_load_with(o->settings.policy_path, &lo, &run->policy, &err) != WH_OK)
            return fail(err.msg);
    }
    if (run->offline)
        return 0;
    if (o->settings.n_trust_roots > 0 &&
        wh_trust_root_load(o->settings.trust_roots, o->settings.n_trust_roots, &o->settings.limits,
                           &run->trust, &err) != WH_OK)
        return fail(wh_arena_sprintf(&run->a, "trust roots: %s", err.msg));
    ro = o->settings.registry;
    ro.limits = o->settings.limits;
    if (wh_registry_client_new(&ro, &run->client, &err) != WH_OK)
        return fail(wh_arena_sprintf(&run->a, "registry client: %s", err.msg));
    return 0;
}

static void
render(const struct repo_run *run, struct wh_buf *b)
{
    if (run->fmt == WH_REPORT_SARIF)
        render_sarif(run, b);
    else if (run->fmt == WH_REPORT_JSON)
        render_json(run, b);
    else if (run->fmt == WH_REPORT_MARKDOWN)
        render_markdown(run, b);
    else
        render_text(run, b);
}

static int
audit(struct repo_run *run)
{
    struct wh_error err;
    struct wh_buf out;
    size_t block, warn, pb, pw, pi;
    int status;

    wh_audit_init(&run->au, &run->a);
    wh_audit_repo_init(&run->r, &run->au);
    if (wh_audit_walk(&run->au, run->dir, &err) != WH_OK)
        return fail(err.msg);
    wh_audit_classify(&run->au, run->policy);
    wh_audit_repo_offline(&run->r, run->dir);
    dev_layer(run);
    runtime_layer(run);
    wh_audit_repo_apply_tiers(&run->r, run->policy);
    wh_buf_init(&out, OUT_MAX);
    render(run, &out);
    if (wh_buf_check(&out, "report", &err) != WH_OK) {
        wh_buf_fini(&out);
        return fail(err.msg);
    }
    fwrite(out.ptr, 1, out.len, stdout);
    wh_buf_fini(&out);
    wh_audit_repo_count(&run->r, &block, &warn);
    wh_audit_count(&run->au, &pb, &pw, &pi);
    status = block + pb > 0 || run->au.n_errors > 0 || run->au.over_limit ? 1 : 0;
    if (run->infra != NULL)
        status = fail(run->infra);
    return status;
}

int
wh_cli_audit_repo(int argc, char **argv)
{
    struct repo_run *run = calloc(1, sizeof(*run));
    char **rest = calloc((size_t)argc + 2, sizeof(*rest));
    int n_rest = 0, status = 2;

    if (run == NULL || rest == NULL)
        wh_oom();
    wh_arena_init(&run->a);
    run->fmt = WH_REPORT_TEXT;
    if (!own_flags(argc, argv, run, rest, &n_rest) ||
        !wh_cli_options_parse(n_rest, rest, &run->o) || run->o.n_args > 1 ||
        (run->o.format != NULL && !wh_cli_report_format_parse(run->o.format, &run->fmt))) {
        fprintf(stderr, "usage: %s\n", USAGE);
        goto out;
    }
    run->dir = run->o.n_args == 1 ? run->o.args[0] : ".";
    status = setup(run);
    if (status == 0)
        status = audit(run);
out:
    wh_trust_root_unref(run->trust);
    wh_registry_client_free(run->client);
    wh_policy_unref(run->policy);
    wh_cli_options_fini(&run->o);
    wh_arena_fini(&run->a);
    free(rest);
    free(run);
    return status;
}
