/*
 * What `driftgate reverify` writes: the per-namespace wgpolicyk8s.io/v1alpha2 PolicyReport
 * (non-pass results, capped, summary counts), a v1 Event per finding, the Prometheus text of a
 * run, and the --format json|markdown report. Pure: bytes out of a finished run.
 */
#include "cli/reverify.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "decision/decision.h"

#define MESSAGE_MAX 1024 /* bytes of one result or Event message */

static const char *const kind_names[] = {
    [WH_REVERIFY_VERIFY] = "verification",         [WH_REVERIFY_WARNING] = "warning",
    [WH_REVERIFY_EXEMPTION] = "exemption-expired", [WH_REVERIFY_TAG_MOVED] = "tag-moved",
    [WH_REVERIFY_UNPINNED] = "unpinned",           [WH_REVERIFY_NO_DIGEST] = "no-digest",
    [WH_REVERIFY_ERROR] = "registry-error",        [WH_REVERIFY_FS_DRIFT] = "fs-drift",
    [WH_REVERIFY_FS_UNVERIFIED] = "fs-unverified",
};

/* Event reasons (CamelCase, as the kubelet's). */
static const char *const kind_reasons[] = {
    [WH_REVERIFY_VERIFY] = "ImageNoLongerVerified",
    [WH_REVERIFY_WARNING] = "ImageVerificationWarning",
    [WH_REVERIFY_EXEMPTION] = "ImageExemptionExpired",
    [WH_REVERIFY_TAG_MOVED] = "ImageTagMoved",
    [WH_REVERIFY_UNPINNED] = "ImageNotPinned",
    [WH_REVERIFY_NO_DIGEST] = "ImageDigestUnknown",
    [WH_REVERIFY_ERROR] = "ImageReverifyFailed",
    [WH_REVERIFY_FS_DRIFT] = "FilesystemDrift",
    [WH_REVERIFY_FS_UNVERIFIED] = "FilesystemUnverified",
};

const char *
wh_cli_reverify_kind_name(enum wh_reverify_kind k)
{
    return kind_names[k];
}

const char *
wh_cli_reverify_tier_name(enum wh_reverify_tier t)
{
    return t == WH_REVERIFY_BLOCK ? "block" : "warn";
}

const char *
wh_cli_reverify_revision_parse(struct wh_bytes config, struct wh_arena *a)
{
    json_t *root, *v;
    const char *out = NULL;

    if (config.len > (1u << 20))
        return NULL;
    root = json_loadb((const char *)config.ptr, config.len, JSON_REJECT_DUPLICATES, NULL);
    /* OCI image config: config.Labels (Docker writes the same key) */
    v = json_object_get(json_object_get(json_object_get(root, "config"), "Labels"),
                        "org.opencontainers.image.revision");
    if (json_is_string(v) && json_string_length(v) > 0)
        /* text_clip may return its argument: copy out of the tree first */
        out = wh_decision_text_clip(a, wh_arena_strdup(a, json_string_value(v)), 128);
    json_decref(root);
    return out;
}

const char *
wh_cli_reverify_created_parse(struct wh_bytes config, struct wh_arena *a)
{
    json_t *root, *v;
    const char *out = NULL;

    if (config.len > (1u << 20))
        return NULL;
    root = json_loadb((const char *)config.ptr, config.len, JSON_REJECT_DUPLICATES, NULL);
    v = json_object_get(root, "created");
    if (json_is_string(v) && json_string_length(v) > 0 && json_string_length(v) <= 64)
        out = wh_decision_text_clip(a, wh_arena_strdup(a, json_string_value(v)), 64);
    json_decref(root);
    return out;
}

static void
json_str(struct wh_buf *b, const char *s)
{
    wh_buf_append_json_string(b, wh_str_c(s != NULL ? s : ""));
}

/* A message cleaned (control bytes, invalid UTF-8) and cut at MESSAGE_MAX, as a JSON string. */
static void
json_msg(struct wh_buf *b, const char *s)
{
    struct wh_buf t;

    wh_buf_init(&t, MESSAGE_MAX + 8);
    wh_decision_text_clean(&t, wh_str_c(s), MESSAGE_MAX);
    wh_buf_append_json_string(b, (struct wh_str){t.ptr, t.len});
    wh_buf_fini(&t);
}

static void
pod_resource(struct wh_buf *b, const struct wh_kube_pod *p)
{
    wh_buf_append_c(b, "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"namespace\":");
    json_str(b, p->namespace_);
    wh_buf_append_c(b, ",\"name\":");
    json_str(b, p->name);
    wh_buf_append_c(b, ",\"uid\":");
    json_str(b, p->uid);
    wh_buf_append_c(b, "}");
}

static void
finding_properties(struct wh_buf *b, const struct wh_reverify_finding *f)
{
    wh_buf_append_c(b, "{\"container\":");
    json_str(b, f->c->name);
    wh_buf_append_c(b, ",\"path\":");
    json_str(b, f->path);
    wh_buf_append_c(b, ",\"image\":");
    json_str(b, f->c->spec_image);
    wh_buf_append_c(b, ",\"digest\":");
    json_str(b, f->c->digest != NULL ? f->c->digest : f->c->image_id);
    wh_buf_append_c(b, ",\"tier\":");
    json_str(b, wh_cli_reverify_tier_name(f->tier));
    if (f->revision != NULL) {
        wh_buf_append_c(b, ",\"revision\":");
        json_str(b, f->revision);
    }
    wh_buf_append_c(b, "}");
}

/* Containers of `ns` (all if NULL) judged with no finding: the report's pass count. */
static size_t
passes(const struct wh_reverify_run *r, const char *ns)
{
    size_t n = 0;

    for (size_t i = 0; i < r->n_pods; i++) {
        const struct wh_kube_pod *p = &r->pods[i];

        if (ns != NULL && strcmp(p->namespace_, ns) != 0)
            continue;
        for (size_t j = 0; j < p->n_containers; j++) {
            bool found = false;

            for (size_t k = 0; k < r->n_findings && !found; k++)
                found = r->findings[k].c == &p->containers[j];
            n += !found;
        }
    }
    return n;
}

void
wh_cli_reverify_policy_report(const struct wh_reverify_run *r, const char *ns,
                              const char *resource_version, struct wh_buf *out)
{
    size_t fail = 0, warn = 0, error = 0, shown = 0, dropped = 0;

    for (size_t k = 0; k < r->n_findings; k++) {
        const struct wh_reverify_finding *f = &r->findings[k];

        if (strcmp(f->pod->namespace_, ns) != 0)
            continue;
        if (f->kind == WH_REVERIFY_ERROR)
            error++;
        else if (f->tier == WH_REVERIFY_BLOCK)
            fail++;
        else
            warn++;
    }
    dropped = fail + warn + error > WH_REVERIFY_REPORT_RESULTS
                  ? fail + warn + error - WH_REVERIFY_REPORT_RESULTS
                  : 0;
    wh_buf_append_c(out, "{\"apiVersion\":\"wgpolicyk8s.io/v1alpha2\",\"kind\":\"PolicyReport\","
                         "\"metadata\":{\"name\":\"driftgate\",\"namespace\":");
    json_str(out, ns);
    if (resource_version != NULL) {
        wh_buf_append_c(out, ",\"resourceVersion\":");
        json_str(out, resource_version);
    }
    wh_buf_append_c(out, ",\"labels\":{\"app.kubernetes.io/managed-by\":\"driftgate\"}");
    if (dropped > 0)
        wh_buf_printf(out,
                      ",\"annotations\":{\"driftgate.dev/truncated\":\"%zu results not shown "
                      "(at most %u per report)\"}",
                      dropped, WH_REVERIFY_REPORT_RESULTS);
    wh_buf_printf(out,
                  "},\"summary\":{\"pass\":%zu,\"fail\":%zu,\"warn\":%zu,\"error\":%zu,\"skip\":0},"
                  "\"results\":[",
                  passes(r, ns), fail, warn, error);
    for (size_t k = 0; k < r->n_findings && shown < WH_REVERIFY_REPORT_RESULTS; k++) {
        const struct wh_reverify_finding *f = &r->findings[k];

        if (strcmp(f->pod->namespace_, ns) != 0)
            continue;
        wh_buf_append_c(out, shown++ > 0 ? ",{" : "{");
        wh_buf_append_c(out,
                        "\"source\":\"driftgate\",\"policy\":\"driftgate-reverify\",\"rule\":");
        json_str(out, kind_names[f->kind]);
        wh_buf_printf(out,
                      ",\"result\":\"%s\",\"scored\":true,\"severity\":\"%s\",\"category\":"
                      "\"Supply chain\",\"timestamp\":{\"seconds\":%lld,\"nanos\":0},"
                      "\"message\":",
                      f->kind == WH_REVERIFY_ERROR   ? "error"
                      : f->tier == WH_REVERIFY_BLOCK ? "fail"
                                                     : "warn",
                      f->tier == WH_REVERIFY_BLOCK ? "high" : "medium", (long long)r->now);
        json_msg(out, f->message);
        wh_buf_append_c(out, ",\"resources\":[");
        pod_resource(out, f->pod);
        wh_buf_append_c(out, "],\"properties\":");
        finding_properties(out, f);
        wh_buf_append_c(out, "}");
    }
    wh_buf_append_c(out, "]}");
}

void
wh_cli_reverify_event(const struct wh_reverify_finding *f, time_t now, struct wh_buf *out)
{
    struct tm tm;
    char ts[32], field[320];

    gmtime_r(&now, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(field, sizeof(field), "spec.%s{%.253s}", f->c->field, f->c->name);
    wh_buf_append_c(out, "{\"apiVersion\":\"v1\",\"kind\":\"Event\",\"metadata\":{"
                         "\"generateName\":\"driftgate-reverify-\",\"namespace\":");
    json_str(out, f->pod->namespace_);
    wh_buf_append_c(out, "},\"involvedObject\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
                         "\"namespace\":");
    json_str(out, f->pod->namespace_);
    wh_buf_append_c(out, ",\"name\":");
    json_str(out, f->pod->name);
    wh_buf_append_c(out, ",\"uid\":");
    json_str(out, f->pod->uid);
    wh_buf_append_c(out, ",\"fieldPath\":");
    json_str(out, field);
    wh_buf_append_c(out, "},\"type\":\"Warning\",\"reason\":");
    json_str(out, kind_reasons[f->kind]);
    wh_buf_append_c(out, ",\"message\":");
    json_msg(out, f->message);
    wh_buf_printf(out,
                  ",\"source\":{\"component\":\"driftgate-reverify\"},\"firstTimestamp\":\"%s\","
                  "\"lastTimestamp\":\"%s\",\"count\":1,\"reportingComponent\":"
                  "\"driftgate.dev/reverify\",\"reportingInstance\":\"driftgate-reverify\"}",
                  ts, ts);
}

void
wh_cli_reverify_metrics(const struct wh_reverify_run *r, time_t last_success, unsigned long runs_ok,
                        unsigned long runs_failed, struct wh_buf *out)
{
    size_t block = 0, warn = 0;
    const struct wh_reverify_counts *c = &r->counts;

    for (size_t k = 0; k < r->n_findings; k++)
        r->findings[k].tier == WH_REVERIFY_BLOCK ? block++ : warn++;
    wh_buf_printf(out,
                  "# HELP driftgate_reverify_last_success_timestamp_seconds When the last "
                  "reverify run that listed every running pod and wrote its reports ended.\n"
                  "# TYPE driftgate_reverify_last_success_timestamp_seconds gauge\n"
                  "driftgate_reverify_last_success_timestamp_seconds %lld\n"
                  "# HELP driftgate_running_images Distinct running images (repository, "
                  "digest) by the verdict of the last run.\n"
                  "# TYPE driftgate_running_images gauge\n"
                  "driftgate_running_images{verdict=\"allowed\"} %zu\n"
                  "driftgate_running_images{verdict=\"warned\"} %zu\n"
                  "driftgate_running_images{verdict=\"denied\"} %zu\n"
                  "driftgate_running_images{verdict=\"error\"} %zu\n"
                  "# HELP driftgate_running_findings Findings on running containers by tier in "
                  "the last run.\n"
                  "# TYPE driftgate_running_findings gauge\n"
                  "driftgate_running_findings{tier=\"block\"} %zu\n"
                  "driftgate_running_findings{tier=\"warn\"} %zu\n"
                  "# HELP driftgate_reverify_runs_total Reverify runs by outcome.\n"
                  "# TYPE driftgate_reverify_runs_total counter\n"
                  "driftgate_reverify_runs_total{result=\"ok\"} %lu\n"
                  "driftgate_reverify_runs_total{result=\"error\"} %lu\n",
                  (long long)last_success, c->allowed, c->warned, c->denied, c->error, block, warn,
                  runs_ok, runs_failed);
}

/* --fsm: "fsManifests", which manifest each image's running roots were compared with. */
static void
render_fsm_used(const struct wh_reverify_run *r, struct wh_buf *out)
{
    if (r->n_fsm_used == 0)
        return;
    wh_buf_append_c(out, ",\"fsManifests\":[");
    for (size_t k = 0; k < r->n_fsm_used; k++) {
        const struct wh_reverify_fsm_used *u = &r->fsm_used[k];

        wh_buf_append_c(out, k > 0 ? ",{\"image\":" : "{\"image\":");
        json_str(out, u->image);
        wh_buf_append_c(out, ",\"expected\":");
        json_str(out, u->source);
        if (u->signer != NULL) {
            wh_buf_append_c(out, ",\"signer\":");
            json_str(out, u->signer);
        }
        if (u->root != NULL) {
            wh_buf_append_c(out, ",\"root\":");
            json_str(out, u->root);
        }
        wh_buf_append_c(out, ",\"why\":");
        json_msg(out, u->why);
        wh_buf_append_c(out, "}");
    }
    wh_buf_append_c(out, "]");
}

static void
render_json(const struct wh_reverify_run *r, struct wh_buf *out)
{
    wh_buf_printf(out,
                  "{\"time\":%lld,\"pods\":%zu,\"containers\":%zu,\"images\":{\"allowed\":%zu,"
                  "\"warned\":%zu,\"denied\":%zu,\"error\":%zu},\"findings\":[",
                  (long long)r->now, r->counts.pods, r->counts.containers, r->counts.allowed,
                  r->counts.warned, r->counts.denied, r->counts.error);
    for (size_t k = 0; k < r->n_findings; k++) {
        const struct wh_reverify_finding *f = &r->findings[k];

        wh_buf_append_c(out, k > 0 ? ",{\"namespace\":" : "{\"namespace\":");
        json_str(out, f->pod->namespace_);
        wh_buf_append_c(out, ",\"pod\":");
        json_str(out, f->pod->name);
        wh_buf_append_c(out, ",\"kind\":");
        json_str(out, kind_names[f->kind]);
        wh_buf_append_c(out, ",\"message\":");
        json_msg(out, f->message);
        wh_buf_append_c(out, ",\"properties\":");
        finding_properties(out, f);
        wh_buf_append_c(out, "}");
    }
    wh_buf_append_c(out, "]");
    render_fsm_used(r, out);
    wh_buf_append_c(out, "}\n");
}

/* A table cell: cleaned, '|' and newlines cannot break the row. */
static void
md_cell(struct wh_buf *out, const char *s, size_t max)
{
    struct wh_buf t;

    wh_buf_init(&t, max + 8);
    wh_decision_text_clean(&t, wh_str_c(s != NULL ? s : ""), max);
    for (size_t i = 0; i < t.len; i++) {
        if (t.ptr[i] == '|')
            wh_buf_append_c(out, "\\|");
        else if (t.ptr[i] == '`')
            wh_buf_append_c(out, "'");
        else
            wh_buf_append(out, &t.ptr[i], 1);
    }
    wh_buf_fini(&t);
}

void
wh_cli_reverify_render(const struct wh_reverify_run *r, bool markdown, struct wh_buf *out)
{
    if (!markdown) {
        render_json(r, out);
        return;
    }
    wh_buf_printf(out,
                  "## driftgate reverify\n\n%zu running pods, %zu containers; images: %zu "
                  "allowed, %zu warned, %zu denied, %zu not checked (registry error).\n\n",
                  r->counts.pods, r->counts.containers, r->counts.allowed, r->counts.warned,
                  r->counts.denied, r->counts.error);
    for (size_t k = 0; k < r->n_fsm_used; k++) {
        wh_buf_printf(out, "%s- %s: ", k == 0 ? "Running filesystems compared with:\n\n" : "",
                      r->fsm_used[k].source);
        md_cell(out, r->fsm_used[k].why, MESSAGE_MAX);
        wh_buf_append_c(out, k + 1 == r->n_fsm_used ? "\n\n" : "\n");
    }
    if (r->n_findings == 0) {
        wh_buf_append_c(out, "No findings.\n");
        return;
    }
    wh_buf_append_c(out, "| tier | finding | pod | container | image | digest | revision | "
                         "message |\n|---|---|---|---|---|---|---|---|\n");
    for (size_t k = 0; k < r->n_findings; k++) {
        const struct wh_reverify_finding *f = &r->findings[k];

        wh_buf_printf(out, "| %s | %s | ", wh_cli_reverify_tier_name(f->tier), kind_names[f->kind]);
        md_cell(out, f->pod->namespace_, 63);
        wh_buf_append_c(out, "/");
        md_cell(out, f->pod->name, 253);
        wh_buf_append_c(out, " | ");
        md_cell(out, f->c->name, 253);
        wh_buf_append_c(out, " | ");
        md_cell(out, f->c->spec_image, 512);
        wh_buf_append_c(out, " | ");
        md_cell(out, f->c->digest != NULL ? f->c->digest : f->c->image_id, 128);
        wh_buf_append_c(out, " | ");
        md_cell(out, f->revision != NULL ? f->revision : "-", 128);
        wh_buf_append_c(out, " | ");
        md_cell(out, f->message, MESSAGE_MAX);
        wh_buf_append_c(out, " |\n");
    }
}
