/*
 * `driftgate reverify (--once | --interval SECONDS)`: lists the cluster's running pods through
 * the Kubernetes API, takes the digest each container's runtime actually pulled (status imageID),
 * and judges every distinct (repository, digest) with the engine `serve` uses, without its facts
 * cache, so a signature deleted or re-keyed after admission shows, and at today's time, so an
 * exemption that expired shows. Adds what only a running pod can have: a spec tag that resolves
 * to another digest now, a spec that is not digest-pinned, a runtime that reports no digest.
 * Writes a PolicyReport per namespace and rate-limited Events (cli/reverify_report.c), serves or
 * writes the metrics, and prints --format json|markdown.
 */
#include "cli/reverify.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/file.h"
#include "base/log.h"
#include "cli/commands.h"
#include "cli/fsm.h"
#include "cli/options.h"
#include "decision/decision.h"
#include "fsm/manifest.h"
#include "image/ref.h"
#include "kube/kube.h"
#include "kube/kubeconfig.h"
#include "kube/pods.h"
#include "pipeline/image_check.h"
#include "policy/policy.h"
#include "registry/client.h"
#include "trust/root.h"

#define USAGE                                                                                      \
    "driftgate reverify (--once | --interval SECONDS) (--config FILE | --policy FILE) "            \
    "[--api-server URL --token-file FILE --kube-ca FILE | --kubeconfig FILE [--context NAME]] "    \
    "[--format markdown|json] [--dry-run] "                                                        \
    "[--metrics-listen HOST:PORT] [--metrics-file FILE] [--page-size N] [--max-pods N] "           \
    "[--event-every SECONDS] [--fsm --fsm-image IMAGE@DIGEST [--fsm-interval SECONDS]] "           \
    "[registry flags as for check]"

#define RBAC_REPORTS "`get`, `create` and `update` on policyreports (manifests/reverify/rbac.yaml)"
#define RBAC_EVENTS "`create` on events (manifests/reverify/rbac.yaml)"
#define RBAC_FSM_PATCH "`patch` on pods/ephemeralcontainers (manifests/reverify/fsm/rbac.yaml)"
#define RBAC_FSM_LOG "`get` on pods/log (manifests/reverify/fsm/rbac.yaml)"
#define EVENTS_PER_RUN 50
#define EVENT_KEYS 4096

struct rv_opts {
    bool once, dry_run, markdown, fsm;
    long interval_s, event_every_s, fsm_interval_s;
    size_t page, max_pods;
    const char *api_server, *token_file, *kube_ca, *metrics_file, *metrics_listen, *fsm_image;
    const char *kubeconfig, *context;
};

/* Everything that lives across runs. */
struct rv_state {
    struct rv_opts ro;
    struct wh_cli_options o;
    struct wh_kube_client *kube;
    struct wh_registry_client *registry;
    struct wh_trust_root *trust;
    /* Events already sent: "uid|kind|path" and when (rate limit). */
    struct {
        char *key;
        time_t at;
    } sent[EVENT_KEYS];
    time_t last_success;
    unsigned long runs_ok, runs_failed;
    char ca_tmp[64]; /* the kubeconfig's certificate-authority-data, written out; "" when none */
    /* The metrics text served by the listener thread. */
    pthread_mutex_t lock;
    char *metrics;
};

/* One judged (repository, digest): cached for the run only. */
struct image_memo {
    const char *key;
    bool allowed, infra;
    char **denials;
    size_t n_denials;
    char **warnings;
    size_t n_warnings;
    const char *revision;
    struct wh_reverify_fsm_evidence fsm; /* the engine's fs-manifest attestation facts */
};

/* The expected filesystem manifest of one running image (--fsm), computed once per run. */
struct fsm_memo {
    const char *image;
    struct wh_fsm_manifest m;
    const char *root; /* of the whole text (the attested root when it is the attested one) */
    const char *error;
};

/* What a spec's tag resolves to now: the digest and, for an index, its entries. */
struct tag_memo {
    const char *spec;
    const char *digest;
    const char *error;
    const char **entries;
    size_t n_entries;
};

struct judge {
    struct rv_state *st;
    const struct wh_policy *policy;
    struct wh_arena *a;
    struct wh_reverify_run *run;
    struct image_memo *images;
    size_t n_images;
    struct tag_memo *tags;
    struct fsm_memo *fsms;
    size_t n_tags, n_fsms, cap_findings, cap_images, cap_tags, cap_run_images, cap_fsms;
    size_t cap_fsm_used;
};

/* ---- flags ---- */

static bool
parse_count(const char *v, long lo, long hi, long *out)
{
    char *end;
    long n;

    errno = 0;
    n = strtol(v, &end, 10);
    if (errno != 0 || end == v || *end != '\0' || n < lo || n > hi)
        return false;
    *out = n;
    return true;
}

/* A reverify flag's value into ro; false when it is not one of ours (or its value is bad). */
static bool
take_own(struct rv_opts *ro, const char *name, const char *v, bool *bad)
{
    long n = 0;

    if (strcmp(name, "api-server") == 0)
        ro->api_server = v;
    else if (strcmp(name, "token-file") == 0)
        ro->token_file = v;
    else if (strcmp(name, "kube-ca") == 0)
        ro->kube_ca = v;
    else if (strcmp(name, "metrics-file") == 0)
        ro->metrics_file = v;
    else if (strcmp(name, "metrics-listen") == 0)
        ro->metrics_listen = v;
    else if (strcmp(name, "kubeconfig") == 0)
        ro->kubeconfig = v;
    else if (strcmp(name, "context") == 0)
        ro->context = v;
    else if (strcmp(name, "fsm-image") == 0)
        ro->fsm_image = v;
    else if (strcmp(name, "fsm-interval") == 0)
        *bad = !parse_count(v, 10, 86400, &ro->fsm_interval_s);
    else if (strcmp(name, "interval") == 0)
        *bad = !parse_count(v, 1, 7 * 86400, &ro->interval_s);
    else if (strcmp(name, "event-every") == 0)
        *bad = !parse_count(v, 0, 30 * 86400, &ro->event_every_s);
    else if (strcmp(name, "page-size") == 0) {
        *bad = !parse_count(v, 1, WH_KUBE_PODS_PER_PAGE_MAX, &n);
        ro->page = (size_t)n;
    } else if (strcmp(name, "max-pods") == 0) {
        *bad = !parse_count(v, 1, 1000000, &n);
        ro->max_pods = (size_t)n;
    } else
        return false;
    if (*bad)
        fprintf(stderr, "driftgate reverify: --%s: %s is out of range\n", name, v);
    return true;
}

/* argv[*i] when it is one of reverify's flags: taken into ro (and its value, *i moved past it);
 * false when it is not ours. *bad: ours, with a bad value. */
static bool
own_flag(struct rv_opts *ro, int argc, char **argv, int *i, bool *bad)
{
    const char *arg = argv[*i], *eq = strchr(arg, '='), *v;
    char name[32];

    if (strcmp(arg, "--once") == 0 || strcmp(arg, "--dry-run") == 0 || strcmp(arg, "--fsm") == 0) {
        *(arg[2] == 'o' ? &ro->once : arg[2] == 'd' ? &ro->dry_run : &ro->fsm) = true;
        return true;
    }
    if (strncmp(arg, "--", 2) != 0 || (size_t)(eq != NULL ? eq - arg : 0) >= sizeof(name))
        return false;
    snprintf(name, sizeof(name), "%.*s", eq != NULL ? (int)(eq - arg - 2) : 29, arg + 2);
    v = eq != NULL ? eq + 1 : (*i + 1 < argc ? argv[*i + 1] : NULL);
    if (v == NULL || !take_own(ro, name, v, bad))
        return false;
    if (eq == NULL)
        (*i)++;
    return true;
}

/* Splits argv into reverify's own flags (into ro) and the rest (the shared flags, into rest). */
static bool
split_args(int argc, char **argv, struct rv_opts *ro, char **rest, int *n_rest)
{
    *n_rest = 0;
    rest[(*n_rest)++] = argv[0];
    for (int i = 1; i < argc && argv[i] != NULL; i++) {
        bool bad = false;

        if (!own_flag(ro, argc, argv, &i, &bad))
            rest[(*n_rest)++] = argv[i];
        else if (bad)
            return false;
    }
    return true;
}

/* ---- judging ---- */

static struct wh_reverify_finding *
add_finding(struct judge *j, const struct wh_kube_pod *p, const struct wh_kube_container *c,
            enum wh_reverify_kind kind, enum wh_reverify_tier tier, const char *msg,
            const char *revision)
{
    struct wh_reverify_run *r = j->run;
    struct wh_reverify_finding *f;

    if (r->n_findings == j->cap_findings) {
        struct wh_reverify_finding *grown;

        j->cap_findings = j->cap_findings * 2 + 16;
        grown = wh_arena_calloc(j->a, j->cap_findings, sizeof(*grown));
        if (r->n_findings > 0)
            memcpy(grown, r->findings, r->n_findings * sizeof(*grown));
        r->findings = grown;
    }
    f = &r->findings[r->n_findings++];
    f->pod = p;
    f->c = c;
    f->path = c->index >= 0 ? wh_arena_sprintf(j->a, "spec.%s[%ld].image", c->field, c->index)
                            : wh_arena_sprintf(j->a, "status of container %s", c->name);
    f->kind = kind;
    f->tier = tier;
    f->message = msg;
    f->revision = revision;
    return f;
}

static void *
grow(struct wh_arena *a, void *old, size_t n, size_t *cap, size_t size)
{
    void *p;

    if (n < *cap)
        return old;
    *cap = *cap * 2 + 16;
    p = wh_arena_calloc(a, *cap, size);
    if (n > 0)
        memcpy(p, old, n * size);
    return p;
}

/* A per-run memo key: `s` under the registry credentials in use (the pod's pull secrets), so a
 * pod without a secret never reuses what another pod's secret could read, nor its failure. */
static const char *
memo_key(struct judge *j, const char *s)
{
    const char *creds = wh_registry_client_credentials_key(j->st->registry);

    return creds[0] == '\0' ? s : wh_arena_sprintf(j->a, "%s|%s", s, creds);
}

static struct wh_image_check_ctx
check_ctx(struct judge *j)
{
    struct wh_image_check_ctx ctx;
    const struct wh_cli_options *o = &j->st->o;

    memset(&ctx, 0, sizeof(ctx));
    ctx.policy = j->policy;
    ctx.registry = j->st->registry;
    ctx.registry_error = "";
    ctx.limits = &o->settings.limits;
    ctx.deadline_ms = wh_clock_mono_ms() + o->review_ms;
    ctx.now = j->run->now;
    ctx.arena = j->a;
    ctx.generation = wh_policy_generation(j->policy);
    ctx.trust = j->st->trust;
    /* No cache: signature and attestation listings are fetched on every run, so evidence deleted
     * or re-keyed after admission shows (a facts cache holds them for the policy's generation). */
    ctx.cache = NULL;
    return ctx;
}

/* The running image's config (its revision label and created time), or false. */
static bool
config_of(struct judge *j, const char *name, const char *digest, struct wh_bytes *config)
{
    struct wh_image_ref ref;
    struct wh_registry_manifest m;
    struct wh_error err;
    int64_t deadline = wh_clock_mono_ms() + 10000;

    if (digest == NULL || wh_image_ref_parse(wh_str_c(name), j->a, &ref, &err) != WH_OK ||
        wh_registry_manifest_get(j->st->registry, &ref, digest, deadline, j->a, &m, &err) !=
            WH_OK ||
        m.is_index || m.config.digest == NULL ||
        wh_registry_blob_get(j->st->registry, &ref, m.config.digest, 1u << 20, deadline, j->a,
                             config, &err) != WH_OK)
        return false;
    return true;
}

static void
fill_eval(struct wh_image_eval *ev, const struct wh_image_result *res, const char *image)
{
    memset(ev, 0, sizeof(*ev));
    ev->path = "image";
    ev->image = res->shown != NULL ? res->shown : image;
    ev->digest = res->digest;
    ev->platform = res->platform;
    ev->index_digest = res->index_digest;
    ev->name = res->name;
    ev->rule = res->rule;
    ev->facts = &res->facts;
    ev->diff = res->diff;
    ev->dev_image = res->dev_image;
    ev->dev_digest = res->dev_digest;
    ev->error = res->error;
    ev->error_code = res->error_code;
    ev->dev_error = res->dev_error;
    ev->dev_error_code = res->dev_error_code;
    ev->verify_detail = res->verify_detail;
    ev->signature_detail = res->signature_detail;
    ev->dev_predicates = res->dev_predicates;
}

/* What the engine verified of an fs-manifest attestation for the image (copied: facts may live in
 * a cache's arena). */
static void
fsm_evidence(struct judge *j, const struct wh_image_result *res, struct wh_reverify_fsm_evidence *e)
{
    const struct wh_policy_image *rule = res->rule;
    const struct wh_facts *f = &res->facts;

    memset(e, 0, sizeof(*e));
    if (rule == NULL)
        return;
    e->rule = rule->name;
    e->required = rule->fs_manifest.required;
    e->must_attest = rule->fs_manifest.must_attest;
    if (res->error != NULL || res->invalid != NULL)
        return;
    if (f->fs_manifest_root != NULL && f->fs_manifest_signer != NULL) {
        e->root = wh_arena_strdup(j->a, f->fs_manifest_root);
        e->signer = wh_arena_strdup(j->a, f->fs_manifest_signer);
        e->signer_listed = wh_policy_signer_listed(rule->fs_manifest.signed_by,
                                                   rule->fs_manifest.n_signed_by, e->signer);
    }
    if (f->fs_manifest_detail != NULL)
        e->detail = wh_arena_strdup(j->a, f->fs_manifest_detail);
}

/* The engine's verdict on `image` ("name@digest"), judged once per run. */
static const struct image_memo *
judge_image(struct judge *j, const char *image)
{
    struct wh_image_check_ctx ctx;
    struct wh_image_result res;
    struct wh_image_eval ev;
    struct wh_decision d;
    struct image_memo *m;
    struct wh_bytes config;
    const char *created = NULL;

    const char *key = memo_key(j, image);

    for (size_t i = 0; i < j->n_images; i++)
        if (strcmp(j->images[i].key, key) == 0)
            return &j->images[i];
    j->images = grow(j->a, j->images, j->n_images, &j->cap_images, sizeof(*j->images));
    m = &j->images[j->n_images++];
    m->key = key;
    ctx = check_ctx(j);
    wh_pipeline_image_check_one(&ctx, image, NULL, NULL, &res);
    wh_decision_init(&d, j->a);
    if (res.invalid != NULL) {
        wh_decision_deny(&d, "%s: %s", image, res.invalid);
    } else {
        fill_eval(&ev, &res, image);
        wh_policy_evaluate_image(j->policy, &ev, ctx.now, &d);
        wh_policy_finish(&d);
    }
    m->allowed = d.allowed;
    m->infra = res.error != NULL && wh_policy_on_error_applies(res.error_code);
    m->denials = d.denials;
    m->n_denials = d.n_denials;
    m->warnings = d.warnings;
    m->n_warnings = d.n_warnings;
    m->revision = NULL;
    fsm_evidence(j, &res, &m->fsm);
    if (!m->infra && config_of(j, res.name != NULL ? res.name : image, res.digest, &config)) {
        m->revision = wh_cli_reverify_revision_parse(config, j->a);
        created = wh_cli_reverify_created_parse(config, j->a);
    }
    if (m->infra)
        j->run->counts.error++;
    else if (!m->allowed)
        j->run->counts.denied++;
    else if (m->n_warnings > 0)
        j->run->counts.warned++;
    else
        j->run->counts.allowed++;
    j->run->images =
        grow(j->a, j->run->images, j->run->n_images, &j->cap_run_images, sizeof(*j->run->images));
    j->run->images[j->run->n_images++] = (struct wh_reverify_image){
        .image = image,
        .verdict = m->infra            ? "error"
                   : !m->allowed       ? "denied"
                   : m->n_warnings > 0 ? "warned"
                                       : "allowed",
        .created = created,
        .revision = m->revision,
    };
    return m;
}

/* What the spec's tag resolves to now (once per run per spec image). */
static const struct tag_memo *
tag_now(struct judge *j, const char *spec, const struct wh_image_ref *ref)
{
    struct tag_memo *t;
    struct wh_registry_manifest m;
    struct wh_error err;
    int64_t deadline = wh_clock_mono_ms() + j->st->o.review_ms;

    const char *key = memo_key(j, spec);

    for (size_t i = 0; i < j->n_tags; i++)
        if (strcmp(j->tags[i].spec, key) == 0)
            return &j->tags[i];
    j->tags = grow(j->a, j->tags, j->n_tags, &j->cap_tags, sizeof(*j->tags));
    t = &j->tags[j->n_tags++];
    memset(t, 0, sizeof(*t));
    t->spec = key;
    if (wh_registry_resolve(j->st->registry, ref, deadline, j->a, &t->digest, &err) != WH_OK) {
        t->digest = NULL;
        t->error = wh_arena_strdup(j->a, err.msg);
        return t;
    }
    /* An index: the runtime may report the platform manifest it pulled from it. */
    if (wh_registry_manifest_get(j->st->registry, ref, t->digest, deadline, j->a, &m, &err) ==
            WH_OK &&
        m.is_index) {
        t->entries = wh_arena_calloc(j->a, m.n_manifests + 1, sizeof(*t->entries));
        for (size_t i = 0; i < m.n_manifests; i++)
            t->entries[t->n_entries++] = m.manifests[i].digest;
    }
    return t;
}

static bool
tag_holds(const struct tag_memo *t, const char *digest)
{
    if (t->digest != NULL && strcmp(t->digest, digest) == 0)
        return true;
    for (size_t i = 0; i < t->n_entries; i++)
        if (strcmp(t->entries[i], digest) == 0)
            return true;
    return false;
}

/* Unpinned spec and moved tag. */
static void
judge_spec(struct judge *j, const struct wh_kube_pod *p, const struct wh_kube_container *c,
           const struct wh_image_ref *ref, const char *revision)
{
    const struct tag_memo *t;

    if (ref->digest != NULL)
        return;
    add_finding(j, p, c, WH_REVERIFY_UNPINNED, WH_REVERIFY_WARN,
                wh_arena_sprintf(j->a,
                                 "%s is not pinned by digest: a restart or a new node may pull "
                                 "whatever the tag names then; pin it as %s@%s",
                                 c->spec_image, c->spec_image, c->digest),
                revision);
    t = tag_now(j, c->spec_image, ref);
    if (t->error != NULL)
        add_finding(
            j, p, c, WH_REVERIFY_ERROR, WH_REVERIFY_WARN,
            wh_arena_sprintf(j->a, "%s: cannot resolve the tag now: %s", c->spec_image, t->error),
            revision);
    else if (!tag_holds(t, c->digest))
        add_finding(j, p, c, WH_REVERIFY_TAG_MOVED, WH_REVERIFY_BLOCK,
                    wh_arena_sprintf(j->a,
                                     "%s now resolves to %s but the container runs %s: the tag "
                                     "moved after the pull, so a restart runs an image this "
                                     "verdict never saw; pin the digest and redeploy",
                                     c->spec_image, t->digest, c->digest),
                    revision);
}

static bool
is_expired_exemption(const char *warning)
{
    return strstr(warning, "exemption spec.exemptions[") != NULL &&
           strstr(warning, " expired on ") != NULL;
}

/* The engine's verdict as findings of one container. */
static void
engine_findings(struct judge *j, const struct wh_kube_pod *p, const struct wh_kube_container *c,
                const struct image_memo *m)
{
    const char *img = wh_arena_sprintf(j->a, "%s (running %s)", c->spec_image, c->digest);

    if (m->infra || !m->allowed) {
        struct wh_buf b;

        wh_buf_init(&b, 64u << 10);
        wh_buf_printf(&b, "%s: ", img);
        for (size_t i = 0; i < m->n_denials; i++)
            wh_buf_printf(&b, "%s%s", i > 0 ? "; " : "", m->denials[i]);
        for (size_t i = 0; i < m->n_warnings && m->n_denials == 0; i++)
            wh_buf_printf(&b, "%s%s", i > 0 ? "; " : "", m->warnings[i]);
        add_finding(j, p, c, m->infra ? WH_REVERIFY_ERROR : WH_REVERIFY_VERIFY,
                    m->allowed ? WH_REVERIFY_WARN : WH_REVERIFY_BLOCK,
                    wh_arena_strndup(j->a, b.ptr, b.len), m->revision);
        wh_buf_fini(&b);
    }
    for (size_t i = 0; i < m->n_warnings; i++)
        add_finding(
            j, p, c,
            is_expired_exemption(m->warnings[i]) ? WH_REVERIFY_EXEMPTION : WH_REVERIFY_WARNING,
            WH_REVERIFY_WARN, wh_arena_sprintf(j->a, "%s: %s", img, m->warnings[i]), m->revision);
}

static void
judge_container(struct judge *j, const struct wh_kube_pod *p, const struct wh_kube_container *c)
{
    struct wh_image_ref ref;
    struct wh_error err;
    const struct image_memo *m;
    const char *name;

    if (c->image_id[0] == '\0')
        return; /* not pulled yet: nothing runs */
    j->run->counts.containers++;
    if (c->spec_image == NULL) {
        add_finding(j, p, c, WH_REVERIFY_NO_DIGEST, WH_REVERIFY_BLOCK,
                    wh_arena_sprintf(j->a, "container %s has a status but no spec entry", c->name),
                    NULL);
        return;
    }
    if (c->digest == NULL) {
        add_finding(j, p, c, WH_REVERIFY_NO_DIGEST, WH_REVERIFY_BLOCK,
                    wh_arena_sprintf(j->a,
                                     "%s: the runtime reports imageID \"%.200s\", which names no "
                                     "registry digest (an image loaded or built on the node?): "
                                     "what runs cannot be verified",
                                     c->spec_image, c->image_id),
                    NULL);
        return;
    }
    if (wh_image_ref_parse(wh_str_c(c->spec_image), j->a, &ref, &err) != WH_OK) {
        add_finding(j, p, c, WH_REVERIFY_VERIFY, WH_REVERIFY_BLOCK,
                    wh_arena_sprintf(j->a, "%s: %s", c->spec_image, err.msg), NULL);
        return;
    }
    /* The spec's repository (what the policy's rules name) at the digest the runtime pulled. */
    name = wh_image_ref_name(&ref, j->a);
    m = judge_image(j, wh_arena_sprintf(j->a, "%s@%s", name, c->digest));
    engine_findings(j, p, c, m);
    judge_spec(j, p, c, &ref, m->revision);
}

/* ---- --fsm: the fingerprint containers ---- */

/* The expected manifest of `image` ("name@digest"), once per run. */
static const struct fsm_memo *
fsm_expected(struct judge *j, const char *image)
{
    struct fsm_memo *f;
    struct wh_str text;
    struct wh_error err;
    int64_t deadline = wh_clock_mono_ms() + 120000;

    const char *key = memo_key(j, image);

    for (size_t i = 0; i < j->n_fsms; i++)
        if (strcmp(j->fsms[i].image, key) == 0)
            return &j->fsms[i];
    j->fsms = grow(j->a, j->fsms, j->n_fsms, &j->cap_fsms, sizeof(*j->fsms));
    f = &j->fsms[j->n_fsms++];
    memset(f, 0, sizeof(*f));
    f->image = key;
    if (wh_cli_fsm_expected(j->st->registry, image, deadline, j->a, &text, &err) != WH_OK ||
        wh_fsm_manifest_parse(text, (size_t)1 << 24, j->a, &f->m, &err) != WH_OK)
        f->error = wh_arena_strdup(j->a, err.msg);
    else
        f->root = wh_fsm_root_digest(text, j->a);
    return f;
}

/* Adds container c's fingerprint container to the pod; a message for the finding that says so. */
static const char *
fsm_add(struct judge *j, const struct wh_kube_pod *p, const struct wh_kube_container *c)
{
    struct wh_kube_call q = {.method = "PATCH",
                             .content_type = "application/strategic-merge-patch+json",
                             .max = 4u << 20,
                             .need = RBAC_FSM_PATCH,
                             .deadline_ms = wh_clock_mono_ms() + 15000};
    struct wh_bytes body;
    struct wh_error err;
    struct wh_buf b;
    long status;
    enum wh_err rc;
    const char *refusal = wh_cli_reverify_fsm_refusal(p, c, j->a);

    if (refusal != NULL)
        return refusal;
    if (j->st->ro.dry_run)
        return "no fingerprint container (--dry-run adds none)";
    q.path = wh_arena_sprintf(j->a, "/api/v1/namespaces/%s/pods/%s/ephemeralcontainers",
                              p->namespace_, p->name);
    wh_buf_init(&b, 64u << 10);
    wh_cli_reverify_fsm_patch(c, j->st->ro.fsm_image, j->st->ro.fsm_interval_s, &b);
    wh_buf_append(&b, "", 1);
    q.body = b.ptr;
    rc = wh_kube_request(j->st->kube, &q, j->a, &status, &body, &err);
    wh_buf_fini(&b);
    if (rc != WH_OK)
        return wh_arena_sprintf(j->a, "cannot add the fingerprint container: %s", err.msg);
    return wh_arena_sprintf(j->a,
                            "fingerprint container %s added (targeting %s as UID %lld); its first "
                            "line is read on the next run",
                            wh_cli_reverify_fsm_name(c, j->a), c->name, (long long)c->run_as_user);
}

/* The latest line of fingerprint container `name`, or a message saying why there is none usable
 * (*block: a line that must not be there). */
static const char *
fsm_read(struct judge *j, const struct wh_kube_pod *p, const char *name,
         struct wh_reverify_fsm_line *l, bool *block)
{
    struct wh_kube_call q = {.method = "GET",
                             .max = WH_REVERIFY_FSM_LOG_MAX,
                             .need = RBAC_FSM_LOG,
                             .deadline_ms = wh_clock_mono_ms() + 15000};
    struct wh_bytes body;
    struct wh_error err;
    long status, max_age = 3 * j->st->ro.fsm_interval_s + 60;

    q.path = wh_arena_sprintf(j->a,
                              "/api/v1/namespaces/%s/pods/%s/log?container=%s&tailLines=1&"
                              "limitBytes=%u",
                              p->namespace_, p->name, name, WH_REVERIFY_FSM_LOG_MAX);
    if (wh_kube_request(j->st->kube, &q, j->a, &status, &body, &err) != WH_OK)
        return wh_arena_sprintf(j->a, "cannot read the fingerprint: %s", err.msg);
    switch (wh_cli_reverify_fsm_line_parse(body, j->a, l, &err)) {
    case WH_OK:
        break;
    case WH_E_NOT_FOUND:
        return "the fingerprint container has printed no line yet";
    default:
        *block = true;
        return wh_arena_sprintf(j->a,
                                "malformed fingerprint line (%s): the fingerprint cannot be "
                                "trusted; is the container %s the one reverify added?",
                                err.msg, name);
    }
    if (l->error != NULL)
        return wh_arena_sprintf(j->a, "the fingerprint walk failed: %.300s", l->error);
    if (j->run->now - l->time > max_age || l->time - j->run->now > 300)
        return wh_arena_sprintf(j->a,
                                "stale fingerprint: the last line is from %lld s ago (limit %ld "
                                "s): the fingerprint container stopped (killed?)",
                                (long long)(j->run->now - l->time), max_age);
    if (l->incomplete != NULL || l->unreadable > 0 || l->changed > 0)
        return wh_arena_sprintf(
            j->a,
            "incomplete fingerprint (%zu unreadable, %zu changed during the walk%s%.200s): not "
            "compared",
            l->unreadable, l->changed, l->incomplete != NULL ? ", " : "",
            l->incomplete != NULL ? l->incomplete : "");
    return NULL;
}

/* Records (once per image per run) which manifest the image's running roots were compared
 * with. */
static void
fsm_used(struct judge *j, const char *image, enum wh_reverify_fsm_source src, const char *signer,
         const char *root, const char *why)
{
    struct wh_reverify_run *r = j->run;

    for (size_t i = 0; i < r->n_fsm_used; i++)
        if (strcmp(r->fsm_used[i].image, image) == 0)
            return;
    r->fsm_used = grow(j->a, r->fsm_used, r->n_fsm_used, &j->cap_fsm_used, sizeof(*r->fsm_used));
    r->fsm_used[r->n_fsm_used++] = (struct wh_reverify_fsm_used){
        .image = image,
        .source = wh_cli_reverify_fsm_source_name(src),
        .signer = src == WH_REVERIFY_FSM_ATTESTED ? signer : NULL,
        .root = root,
        .why = why,
    };
}

/* The manifest the running root of `image` is compared with (NULL: not compared, a finding says
 * why); *what names it for messages. */
static const struct fsm_memo *
fsm_reference(struct judge *j, const struct wh_kube_pod *p, const struct wh_kube_container *c,
              const char *image, const char **what)
{
    const struct image_memo *m = judge_image(j, image);
    enum wh_reverify_fsm_source src = wh_cli_reverify_fsm_source(&m->fsm, image, j->a, what);
    const struct fsm_memo *f;

    if (src == WH_REVERIFY_FSM_REFUSED) {
        fsm_used(j, image, src, NULL, NULL, *what);
        add_finding(j, p, c, WH_REVERIFY_FS_UNVERIFIED, WH_REVERIFY_BLOCK, *what, m->revision);
        return NULL;
    }
    f = fsm_expected(j, image);
    if (f->error != NULL) {
        fsm_used(j, image, src, m->fsm.signer, NULL, *what);
        add_finding(j, p, c, WH_REVERIFY_FS_UNVERIFIED, WH_REVERIFY_WARN,
                    wh_arena_sprintf(j->a, "%s: %s", image, f->error), m->revision);
        return NULL;
    }
    /* The engine proved attested text = the layers' text; the text fetched again here must
     * still be it (else the registry now serves other layers for the digest: never compared). */
    if (src == WH_REVERIFY_FSM_ATTESTED && strcmp(f->root, m->fsm.root) != 0) {
        const char *why = wh_arena_sprintf(j->a,
                                           "not compared: the manifest of %s read for the "
                                           "comparison has root %s, not the attested %s",
                                           image, f->root, m->fsm.root);
        fsm_used(j, image, WH_REVERIFY_FSM_REFUSED, NULL, NULL, why);
        add_finding(j, p, c, WH_REVERIFY_FS_UNVERIFIED, WH_REVERIFY_BLOCK, why, m->revision);
        return NULL;
    }
    fsm_used(j, image, src, m->fsm.signer, f->root, *what);
    return f;
}

/* Compares a fresh, complete line with the expected manifest of the running digest. */
static void
fsm_compare(struct judge *j, const struct wh_kube_pod *p, const struct wh_kube_container *c,
            const struct wh_reverify_fsm_line *l)
{
    struct wh_image_ref ref;
    struct wh_error err;
    const struct fsm_memo *f;
    const char *image, *what = NULL, *root = NULL;

    if (l->root == NULL || wh_image_ref_parse(wh_str_c(c->spec_image), j->a, &ref, &err) != WH_OK)
        return; /* fsm_read and judge_container reported it */
    image = wh_arena_sprintf(j->a, "%s@%s", wh_image_ref_name(&ref, j->a), c->digest);
    if ((f = fsm_reference(j, p, c, image, &what)) == NULL)
        return;
    if (wh_cli_reverify_fsm_expected_root(&f->m, l, j->a, &root, &err) != WH_OK) {
        add_finding(j, p, c, WH_REVERIFY_FS_UNVERIFIED, WH_REVERIFY_BLOCK,
                    wh_arena_sprintf(j->a, "malformed fingerprint line: %s", err.msg), NULL);
        return;
    }
    if (root == NULL || strcmp(root, l->root) != 0)
        add_finding(j, p, c, WH_REVERIFY_FS_DRIFT, WH_REVERIFY_BLOCK,
                    wh_arena_sprintf(j->a,
                                     "the running root of container %s is %s (%zu entries); "
                                     "expected %s (mounts aside) from %s; `driftgate fsm diff` of "
                                     "`fsm image` and `fsm dir --pid` names the files",
                                     c->name, l->root, l->entries, root, what),
                    NULL);
}

/* --fsm for one container: find (or add) its fingerprint container, read and compare its last
 * line. Everything short of a match with a fresh, complete line is a finding. */
static void
fsm_container(struct judge *j, const struct wh_kube_pod *p, const struct wh_kube_container *c)
{
    const struct wh_kube_ephemeral *e = NULL;
    struct wh_reverify_fsm_line l;
    const char *why, *name = wh_cli_reverify_fsm_name(c, j->a);
    bool block = false;

    memset(&l, 0, sizeof(l));
    for (size_t i = 0; i < p->n_ephemeral && e == NULL; i++)
        if (strcmp(p->ephemeral[i].name, name) == 0)
            e = &p->ephemeral[i];
    if (e == NULL) {
        add_finding(j, p, c, WH_REVERIFY_FS_UNVERIFIED, WH_REVERIFY_WARN, fsm_add(j, p, c), NULL);
        return;
    }
    if (e->image == NULL || strcmp(e->image, j->st->ro.fsm_image) != 0 || e->target == NULL ||
        strcmp(e->target, c->name) != 0) {
        add_finding(j, p, c, WH_REVERIFY_FS_UNVERIFIED, WH_REVERIFY_BLOCK,
                    wh_arena_sprintf(j->a,
                                     "ephemeral container %s runs %.300s targeting %.63s, not the "
                                     "fingerprint image %s targeting %s: its lines are not trusted",
                                     name, e->image != NULL ? e->image : "nothing",
                                     e->target != NULL ? e->target : "no container",
                                     j->st->ro.fsm_image, c->name),
                    NULL);
        return;
    }
    why = fsm_read(j, p, name, &l, &block);
    if (why != NULL)
        add_finding(j, p, c, WH_REVERIFY_FS_UNVERIFIED,
                    block ? WH_REVERIFY_BLOCK : WH_REVERIFY_WARN, why, NULL);
    else
        fsm_compare(j, p, c, &l);
}

/* --fsm for one pod: every container wh_cli_reverify_fsm_wanted names. */
static void
fsm_pod(struct judge *j, const struct wh_kube_pod *p)
{
    for (size_t k = 0; k < p->n_containers; k++)
        if (wh_cli_reverify_fsm_wanted(&p->containers[k]))
            fsm_container(j, p, &p->containers[k]);
}

/* ---- writing to the cluster ---- */

/* The existing report's metadata.resourceVersion (for the update), or NULL. */
static const char *
resource_version(struct wh_bytes body, struct wh_arena *a)
{
    json_t *root = json_loadb((const char *)body.ptr, body.len, 0, NULL);
    json_t *v = json_object_get(json_object_get(root, "metadata"), "resourceVersion");
    const char *out = NULL;

    if (json_is_string(v) && json_string_length(v) < 128)
        out = wh_arena_strdup(a, json_string_value(v));
    json_decref(root);
    return out;
}

/* Create or update the namespace's PolicyReport "driftgate". */
static enum wh_err
write_report(struct rv_state *st, const struct wh_reverify_run *r, const char *ns,
             struct wh_arena *a, struct wh_error *err)
{
    const char *base =
        wh_arena_sprintf(a, "/apis/wgpolicyk8s.io/v1alpha2/namespaces/%s/policyreports", ns);
    struct wh_kube_call q = {.method = "GET",
                             .path = wh_arena_sprintf(a, "%s/driftgate", base),
                             .max = 8u << 20,
                             .need = RBAC_REPORTS,
                             .deadline_ms = wh_clock_mono_ms() + 15000};
    struct wh_bytes body;
    struct wh_buf out;
    const char *rv = NULL;
    long status;
    enum wh_err rc = wh_kube_request(st->kube, &q, a, &status, &body, err);

    if (rc == WH_OK)
        rv = resource_version(body, a);
    else if (status != 404)
        return rc;
    wh_buf_init(&out, 4u << 20);
    wh_cli_reverify_policy_report(r, ns, rv, &out);
    if ((rc = wh_buf_check(&out, "PolicyReport", err)) == WH_OK) {
        wh_buf_append(&out, "", 1);
        q.method = rv != NULL ? "PUT" : "POST";
        q.path = rv != NULL ? q.path : base;
        q.body = out.ptr;
        rc = wh_kube_request(st->kube, &q, a, &status, &body, err);
    }
    wh_buf_fini(&out);
    return rc;
}

static enum wh_err
write_reports(struct rv_state *st, const struct wh_reverify_run *r, struct wh_arena *a,
              struct wh_error *err)
{
    for (size_t i = 0; i < r->n_pods; i++) {
        bool done = false;

        for (size_t k = 0; k < i && !done; k++)
            done = strcmp(r->pods[k].namespace_, r->pods[i].namespace_) == 0;
        if (!done && write_report(st, r, r->pods[i].namespace_, a, err) != WH_OK)
            return wh_error_wrap(err, "PolicyReport %s/driftgate", r->pods[i].namespace_);
    }
    return WH_OK;
}

/* Whether the finding's Event is due (not sent within --event-every); records it when it is. */
static bool
event_due(struct rv_state *st, const struct wh_reverify_finding *f, time_t now)
{
    char key[600];
    size_t oldest = 0;

    snprintf(key, sizeof(key), "%s|%d|%s", f->pod->uid, (int)f->kind, f->path);
    for (size_t i = 0; i < EVENT_KEYS; i++) {
        if (st->sent[i].key != NULL && strcmp(st->sent[i].key, key) == 0) {
            if (now - st->sent[i].at < st->ro.event_every_s)
                return false;
            st->sent[i].at = now;
            return true;
        }
        if (st->sent[i].key == NULL || st->sent[i].at < st->sent[oldest].at)
            oldest = i;
        if (st->sent[i].key == NULL)
            break;
    }
    free(st->sent[oldest].key);
    st->sent[oldest].key = wh_str_dup(key);
    st->sent[oldest].at = now;
    return true;
}

static enum wh_err
send_events(struct rv_state *st, const struct wh_reverify_run *r, struct wh_arena *a,
            struct wh_error *err)
{
    size_t sent = 0;

    for (size_t k = 0; k < r->n_findings && sent < EVENTS_PER_RUN; k++) {
        const struct wh_reverify_finding *f = &r->findings[k];
        struct wh_kube_call q = {.method = "POST",
                                 .max = 1u << 20,
                                 .need = RBAC_EVENTS,
                                 .deadline_ms = wh_clock_mono_ms() + 15000};
        struct wh_buf b;
        struct wh_bytes body;
        long status;
        enum wh_err rc;

        if (!event_due(st, f, r->now))
            continue;
        q.path = wh_arena_sprintf(a, "/api/v1/namespaces/%s/events", f->pod->namespace_);
        wh_buf_init(&b, 64u << 10);
        wh_cli_reverify_event(f, r->now, &b);
        wh_buf_append(&b, "", 1);
        q.body = b.ptr;
        rc = wh_kube_request(st->kube, &q, a, &status, &body, err);
        wh_buf_fini(&b);
        if (rc != WH_OK)
            return wh_error_wrap(err, "Event on pod %s/%s", f->pod->namespace_, f->pod->name);
        sent++;
    }
    return WH_OK;
}

/* ---- metrics ---- */

static void
publish_metrics(struct rv_state *st, const struct wh_reverify_run *r)
{
    struct wh_buf b;

    wh_buf_init(&b, 64u << 10);
    wh_cli_reverify_metrics(r, st->last_success, st->runs_ok, st->runs_failed, &b);
    wh_buf_append(&b, "", 1);
    pthread_mutex_lock(&st->lock);
    free(st->metrics);
    st->metrics = wh_str_dup(b.ptr);
    pthread_mutex_unlock(&st->lock);
    if (st->ro.metrics_file != NULL) {
        /* Written whole and renamed, so a reader (node-exporter's textfile collector) never sees
         * half a file. */
        char tmp[4200];
        FILE *f;

        snprintf(tmp, sizeof(tmp), "%.4000s.tmp", st->ro.metrics_file);
        f = fopen(tmp, "w");
        if (f == NULL || fwrite(b.ptr, 1, b.len - 1, f) != b.len - 1 || fclose(f) != 0 ||
            rename(tmp, st->ro.metrics_file) != 0)
            wh_log(WH_LOG_ERROR, "reverify: cannot write --metrics-file %s: %s",
                   st->ro.metrics_file, strerror(errno));
    }
    wh_buf_fini(&b);
}

/* Binds --metrics-listen "HOST:PORT" (an IPv4 address; "" or "0.0.0.0" for every interface). */
static int
metrics_socket(const char *spec)
{
    const char *colon = strrchr(spec, ':');
    struct sockaddr_in sin = {.sin_family = AF_INET};
    char host[64];
    long port;
    int fd, one = 1;

    if (colon == NULL || (size_t)(colon - spec) >= sizeof(host) ||
        !parse_count(colon + 1, 1, 65535, &port))
        return -1;
    snprintf(host, sizeof(host), "%.*s", (int)(colon - spec), spec);
    if (host[0] == '\0')
        snprintf(host, sizeof(host), "0.0.0.0");
    if (inet_pton(AF_INET, host, &sin.sin_addr) != 1)
        return -1;
    sin.sin_port = htons((uint16_t)port);
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 || listen(fd, 16) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* One scrape: reads the request head (at most 4 KiB, 2 s), answers GET /metrics, else 404. */
static void
answer_scrape(struct rv_state *st, int c)
{
    struct timeval tv = {.tv_sec = 2};
    char req[4096], head[160];
    size_t got = 0;
    ssize_t n;
    char *text;

    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    while (got < sizeof(req) - 1 && (n = read(c, req + got, sizeof(req) - 1 - got)) > 0) {
        got += (size_t)n;
        req[got] = '\0';
        if (strstr(req, "\r\n\r\n") != NULL)
            break;
    }
    req[got] = '\0';
    if (strncmp(req, "GET /metrics ", 13) != 0 && strncmp(req, "GET /metrics?", 13) != 0) {
        static const char nf[] = "HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n";
        (void)!write(c, nf, sizeof(nf) - 1);
        return;
    }
    pthread_mutex_lock(&st->lock);
    text = wh_str_dup(st->metrics != NULL ? st->metrics : "");
    pthread_mutex_unlock(&st->lock);
    snprintf(head, sizeof(head),
             "HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: "
             "%zu\r\n\r\n",
             strlen(text));
    if (write(c, head, strlen(head)) > 0)
        (void)!write(c, text, strlen(text));
    free(text);
}

struct listener {
    struct rv_state *st;
    int fd;
};

static void *
serve_metrics(void *arg)
{
    struct listener *l = arg;

    for (;;) {
        int c = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC);

        if (c < 0) {
            if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE)
                continue;
            return NULL;
        }
        answer_scrape(l->st, c);
        close(c);
    }
}

/* ---- one run ---- */

static enum wh_err
load_policy(struct rv_state *st, struct wh_policy **policy, struct wh_error *err)
{
    struct wh_policy_load_options lo = {0};

    lo.limits = &st->o.settings.limits;
    lo.now = wh_clock_wall();
    lo.key_dirs = st->o.settings.policy_key_dirs;
    lo.n_key_dirs = st->o.settings.n_policy_key_dirs;
    if (wh_policy_load_with(st->o.settings.policy_path, &lo, policy, err) != WH_OK)
        return wh_error_wrap(err, "policy");
    return WH_OK;
}

/*
 * The pod's imagePullSecrets (GET secrets, cached for a minute) as the registry client's
 * credentials while its containers are judged, as serve does for an admission. A secret that
 * cannot be read is logged (never its content) and skipped, as the kubelet skips it: the pull it
 * was for then fails and the finding says so.
 */
static void
pod_credentials(struct rv_state *st, const struct wh_kube_pod *p, struct wh_arena *a)
{
    struct wh_bytes cfg[WH_KUBE_PULL_SECRETS_MAX];
    struct wh_error err;
    size_t n = 0;

    memset(cfg, 0, sizeof(cfg));
    for (size_t i = 0; i < p->n_pull_secrets; i++) {
        if (wh_kube_pull_secret_get(st->kube, p->namespace_, p->pull_secrets[i],
                                    wh_clock_mono_ms() + 15000, a, &cfg[n], &err) == WH_OK)
            n++;
        else
            wh_log(WH_LOG_WARN, "reverify: pod %s/%s: %s", p->namespace_, p->name, err.msg);
    }
    if (wh_registry_client_review_credentials_set(st->registry, cfg, n, &err) != WH_OK)
        wh_log(WH_LOG_WARN, "reverify: pod %s/%s: pull secrets: %s", p->namespace_, p->name,
               err.msg);
    for (size_t i = 0; i < n; i++) /* the client keeps its own copy */
        OPENSSL_cleanse((void *)(uintptr_t)cfg[i].ptr, cfg[i].len);
}

/* Lists, judges, writes. WH_OK when every pod was listed and every report written. */
static enum wh_err
run_once(struct rv_state *st, struct wh_reverify_run *r, struct wh_arena *a, struct wh_error *err)
{
    struct wh_policy *policy = NULL;
    struct judge j = {.st = st, .a = a, .run = r};
    enum wh_err rc;

    memset(r, 0, sizeof(*r));
    r->now = wh_clock_wall();
    if ((rc = load_policy(st, &policy, err)) != WH_OK)
        return rc;
    j.policy = policy;
    rc = wh_kube_pods_list(st->kube, st->ro.page, st->ro.max_pods, wh_clock_mono_ms() + 60000, a,
                           &r->pods, &r->n_pods, err);
    if (rc == WH_OK) {
        r->counts.pods = r->n_pods;
        for (size_t i = 0; i < r->n_pods; i++) {
            pod_credentials(st, &r->pods[i], a);
            for (size_t k = 0; k < r->pods[i].n_containers; k++)
                judge_container(&j, &r->pods[i], &r->pods[i].containers[k]);
            if (st->ro.fsm)
                fsm_pod(&j, &r->pods[i]);
            wh_registry_client_review_credentials_clear(st->registry);
        }
        if (!st->ro.dry_run && (rc = write_reports(st, r, a, err)) == WH_OK)
            rc = send_events(st, r, a, err);
    }
    wh_policy_unref(policy);
    return rc;
}

static int
fail_usage(const char *why)
{
    if (why != NULL)
        fprintf(stderr, "driftgate reverify: %s\n", why);
    fprintf(stderr, "usage: %s\n", USAGE);
    return 2;
}

/* `path` as the kubeconfig names it: relative paths are relative to the file's directory. */
static const char *
beside(const char *kubeconfig, const char *path, struct wh_arena *a)
{
    const char *slash = strrchr(kubeconfig, '/');

    if (path == NULL || path[0] == '/' || slash == NULL)
        return path;
    return wh_arena_sprintf(a, "%.*s/%s", (int)(slash - kubeconfig), kubeconfig, path);
}

/* The PEM of certificate-authority-data in a file of its own (the client reads CA files). */
static enum wh_err
write_ca(struct rv_state *st, struct wh_bytes pem, struct wh_error *err)
{
    const char *dir = getenv("TMPDIR");
    int fd;

    snprintf(st->ca_tmp, sizeof(st->ca_tmp), "%.40s/dg-kube-ca.XXXXXX",
             dir != NULL && dir[0] == '/' && strlen(dir) < 40 ? dir : "/tmp");
    fd = mkstemp(st->ca_tmp);
    if (fd < 0 || write(fd, pem.ptr, pem.len) != (ssize_t)pem.len || close(fd) != 0) {
        if (fd >= 0)
            unlink(st->ca_tmp);
        st->ca_tmp[0] = '\0';
        return wh_error_set(err, WH_E_UNAVAILABLE,
                            "cannot write certificate-authority-data to a temporary file: %s",
                            strerror(errno));
    }
    return WH_OK;
}

/* --kubeconfig FILE [--context NAME] into ko (strings in `a`; the token is wiped with it). */
/* A kubeconfig user's client certificate or key: its file (beside the kubeconfig when relative,
 * at most 1 MiB) or its decoded data; empty when it has none. Checked to be PEM of that kind, so
 * a wrong file fails here, naming it, not as a TLS error. */
static enum wh_err
client_pem(const char *kubeconfig, const char *field, const char *file, struct wh_bytes data,
           struct wh_arena *a, struct wh_bytes *out, struct wh_error *err)
{
    const char *want = strcmp(field, "client-key") == 0 ? "PRIVATE KEY-----"
                                                        : "-----BEGIN "
                                                          "CERTIFICATE-----";
    const char *path = beside(kubeconfig, file, a);

    *out = data;
    if (path != NULL && wh_file_read(path, 1u << 20, a, out, err) != WH_OK)
        return wh_error_wrap(err, "kubeconfig %s: %s", kubeconfig, field);
    if (out->len > 0 && (memmem(out->ptr, out->len, "-----BEGIN ", 11) == NULL ||
                         memmem(out->ptr, out->len, want, strlen(want)) == NULL))
        return wh_error_set(err, WH_E_INVALID, "kubeconfig %s: %s%s%s is not PEM (%s)", kubeconfig,
                            field, path != NULL ? " " : "-data", path != NULL ? path : "",
                            strcmp(field, "client-key") == 0 ? "a PEM private key"
                                                             : "a PEM certificate");
    return WH_OK;
}

static enum wh_err
from_kubeconfig(struct rv_state *st, struct wh_kube_options *ko, struct wh_arena *a,
                struct wh_error *err)
{
    struct wh_kubeconfig kc;
    struct wh_bytes text;

    if (st->ro.api_server != NULL || st->ro.token_file != NULL || st->ro.kube_ca != NULL)
        return wh_error_set(err, WH_E_INVALID,
                            "--kubeconfig and --api-server/--token-file/--kube-ca exclude each "
                            "other");
    if (wh_file_read(st->ro.kubeconfig, WH_KUBECONFIG_MAX + 1, a, &text, err) != WH_OK)
        return wh_error_wrap(err, "kubeconfig %s", st->ro.kubeconfig);
    if (wh_kube_kubeconfig_parse(text, st->ro.kubeconfig, st->ro.context, a, &kc, err) != WH_OK)
        return err->code;
    OPENSSL_cleanse((void *)(uintptr_t)text.ptr, text.len);
    ko->api_server = kc.server;
    ko->token = kc.token;
    ko->token_file = beside(st->ro.kubeconfig, kc.token_file, a);
    ko->ca_file = beside(st->ro.kubeconfig, kc.ca_file, a);
    if (client_pem(st->ro.kubeconfig, "client-certificate", kc.client_cert_file,
                   kc.client_cert_data, a, &ko->client_cert, err) != WH_OK ||
        client_pem(st->ro.kubeconfig, "client-key", kc.client_key_file, kc.client_key_data, a,
                   &ko->client_key, err) != WH_OK)
        return err->code;
    if (kc.ca_data.len > 0) {
        if (write_ca(st, kc.ca_data, err) != WH_OK)
            return err->code;
        ko->ca_file = st->ca_tmp;
    }
    return WH_OK;
}

static enum wh_err
kube_setup(struct rv_state *st, struct wh_error *err)
{
    struct wh_kube_options ko = {0};
    struct wh_arena a;
    enum wh_err rc = WH_OK;

    wh_arena_init(&a);
    ko.api_server = st->ro.api_server != NULL ? st->ro.api_server : st->o.settings.kube_api_server;
    ko.token_file = st->ro.token_file != NULL ? st->ro.token_file : st->o.settings.kube_token_file;
    ko.ca_file = st->ro.kube_ca != NULL ? st->ro.kube_ca : st->o.settings.kube_ca_file;
    ko.rbac_file = "manifests/reverify/rbac.yaml";
    if (st->ro.kubeconfig != NULL)
        rc = from_kubeconfig(st, &ko, &a, err);
    if (rc == WH_OK && wh_kube_client_new(&ko, &st->kube, err) != WH_OK)
        rc = wh_error_wrap(err, "Kubernetes API (--kubeconfig, --api-server, or run in a cluster)");
    if (ko.token != NULL) /* the client keeps its own copy */
        OPENSSL_cleanse((void *)(uintptr_t)ko.token, strlen(ko.token));
    if (ko.client_key.len > 0) /* likewise */
        OPENSSL_cleanse((void *)(uintptr_t)ko.client_key.ptr, ko.client_key.len);
    wh_arena_fini(&a);
    return rc;
}

static enum wh_err
setup(struct rv_state *st, struct wh_error *err)
{
    struct wh_registry_options reg = st->o.settings.registry;

    if (kube_setup(st, err) != WH_OK)
        return err->code;
    if (st->o.settings.n_trust_roots > 0 &&
        wh_trust_root_load(st->o.settings.trust_roots, st->o.settings.n_trust_roots,
                           &st->o.settings.limits, &st->trust, err) != WH_OK)
        return wh_error_wrap(err, "trust roots");
    reg.limits = st->o.settings.limits;
    if (wh_registry_client_new(&reg, &st->registry, err) != WH_OK)
        return wh_error_wrap(err, "registry client");
    return WH_OK;
}

enum wh_err
wh_cli_reverify_collect(const struct wh_cli_options *o, const struct wh_reverify_kube_flags *kf,
                        struct wh_arena *a, struct wh_reverify_run *out, struct wh_error *err)
{
    static struct rv_state st; /* the event table is large: not on the stack (one caller) */
    enum wh_err rc;

    memset(&st, 0, sizeof(st));
    memset(out, 0, sizeof(*out));
    st.o = *o; /* borrowed: never finished here */
    st.ro = (struct rv_opts){.once = true, .dry_run = true, .page = 250, .max_pods = 20000};
    st.ro.api_server = kf->api_server;
    st.ro.token_file = kf->token_file;
    st.ro.kube_ca = kf->kube_ca;
    st.ro.kubeconfig = kf->kubeconfig;
    st.ro.context = kf->context;
    rc = setup(&st, err);
    if (rc == WH_OK)
        rc = run_once(&st, out, a, err);
    if (rc != WH_OK)
        memset(out, 0, sizeof(*out));
    wh_kube_client_free(st.kube);
    wh_registry_client_free(st.registry);
    wh_trust_root_unref(st.trust);
    if (st.ca_tmp[0] != '\0')
        unlink(st.ca_tmp);
    return rc;
}

/* One run, its output and metrics; returns the --once exit status. */
static int
cycle(struct rv_state *st)
{
    struct wh_reverify_run r;
    struct wh_arena a;
    struct wh_error err;
    int status;
    size_t block = 0;

    wh_arena_init(&a);
    if (run_once(st, &r, &a, &err) != WH_OK) {
        st->runs_failed++;
        fprintf(stderr, "driftgate reverify: %s\n", err.msg);
        status = 2;
    } else {
        st->runs_ok++;
        st->last_success = wh_clock_wall();
        for (size_t k = 0; k < r.n_findings; k++)
            block += r.findings[k].tier == WH_REVERIFY_BLOCK;
        status = block > 0 ? 1 : 0;
    }
    publish_metrics(st, &r);
    if (st->ro.once && status != 2) {
        struct wh_buf out;

        wh_buf_init(&out, 64u << 20);
        wh_cli_reverify_render(&r, st->ro.markdown, &out);
        fwrite(out.ptr, 1, out.len, stdout);
        wh_buf_fini(&out);
    } else if (status != 2) {
        wh_log(WH_LOG_INFO,
               "reverify: %zu running pods, %zu containers, images %zu allowed %zu warned %zu "
               "denied %zu error, %zu findings (%zu block)",
               r.counts.pods, r.counts.containers, r.counts.allowed, r.counts.warned,
               r.counts.denied, r.counts.error, r.n_findings, block);
    }
    wh_arena_fini(&a);
    return status;
}

static void
state_fini(struct rv_state *st)
{
    for (size_t i = 0; i < EVENT_KEYS; i++)
        free(st->sent[i].key);
    wh_kube_client_free(st->kube);
    wh_registry_client_free(st->registry);
    wh_trust_root_unref(st->trust);
    wh_cli_options_fini(&st->o);
    if (st->ca_tmp[0] != '\0')
        unlink(st->ca_tmp);
    free(st->metrics);
    pthread_mutex_destroy(&st->lock);
}

static int
loop(struct rv_state *st)
{
    static struct listener l;
    pthread_t th;

    if (st->ro.metrics_listen != NULL) {
        l.st = st;
        l.fd = metrics_socket(st->ro.metrics_listen);
        if (l.fd < 0) {
            fprintf(stderr,
                    "driftgate reverify: --metrics-listen %s: cannot listen (HOST:PORT, "
                    "IPv4): %s\n",
                    st->ro.metrics_listen, strerror(errno));
            return 2;
        }
        if (pthread_create(&th, NULL, serve_metrics, &l) != 0)
            wh_oom();
        pthread_detach(th);
    }
    for (;;) {
        struct timespec ts = {.tv_sec = st->ro.interval_s};

        (void)cycle(st);
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
            ;
    }
}

int
wh_cli_reverify(int argc, char **argv)
{
    static struct rv_state st; /* the event table is large: not on the stack */
    char *rest[128];
    int n_rest, status;
    struct wh_error err;

    memset(&st, 0, sizeof(st));
    st.ro.page = 250;
    st.ro.max_pods = 20000;
    st.ro.event_every_s = 3600;
    st.ro.fsm_interval_s = 300;
    st.ro.markdown = true;
    if (argc > (int)(sizeof(rest) / sizeof(rest[0])) ||
        !split_args(argc, argv, &st.ro, rest, &n_rest))
        return fail_usage(argc > 128 ? "too many arguments" : NULL);
    if (!wh_cli_options_parse(n_rest, rest, &st.o)) {
        wh_cli_options_fini(&st.o);
        return fail_usage(NULL);
    }
    pthread_mutex_init(&st.lock, NULL);
    if (st.o.n_args != 0 || st.o.settings.policy_path == NULL ||
        st.ro.once == (st.ro.interval_s > 0) ||
        (st.o.format != NULL && strcmp(st.o.format, "json") != 0 &&
         strcmp(st.o.format, "markdown") != 0)) {
        state_fini(&st);
        return fail_usage(st.ro.once == (st.ro.interval_s > 0)
                              ? "give exactly one of --once and --interval"
                              : NULL);
    }
    st.ro.markdown = st.o.format == NULL || strcmp(st.o.format, "markdown") == 0;
    if (st.ro.fsm != (st.ro.fsm_image != NULL) ||
        (st.ro.fsm_image != NULL && strstr(st.ro.fsm_image, "@sha256:") == NULL)) {
        state_fini(&st);
        return fail_usage("--fsm needs --fsm-image IMAGE@sha256:DIGEST (driftgate's own image, "
                          "by digest), and --fsm-image needs --fsm");
    }
    if (setup(&st, &err) != WH_OK) {
        fprintf(stderr, "driftgate reverify: %s\n", err.msg);
        state_fini(&st);
        return 2;
    }
    status = st.ro.once ? cycle(&st) : loop(&st);
    state_fini(&st);
    return status;
}
