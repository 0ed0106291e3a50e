/*
 * `driftgate fsm image|dir|diff|attest`: filesystem manifests of an image (expected, from its
 * registry layers) and of a live tree (actual, from a directory or a process's root), the
 * tiered drift between them, and the in-toto statement of the expected one (docs/fs-manifest.md).
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/clock.h"
#include "base/digest.h"
#include "base/file.h"
#include "base/limits.h"
#include "base/version.h"
#include "cli/commands.h"
#include "cli/fsm.h"
#include "cli/report.h"
#include "fsm/attest.h"
#include "fsm/diff.h"
#include "fsm/layer.h"
#include "fsm/manifest.h"
#include "fsm/walk.h"
#include "image/ref.h"
#include "policy/policy.h"
#include "registry/client.h"
#include "registry/manifest.h"

#define MAX_MANIFEST_TEXT ((size_t)1 << 30)
#define MAX_LAYER_BYTES_DEFAULT ((size_t)2 << 30)

const char wh_cli_fsm_help[] =
    "usage: driftgate fsm image IMAGE [--platform OS/ARCH] [REGISTRY FLAGS] [LIMITS]\n"
    "       driftgate fsm dir (ROOT | --pid PID) [LIMITS]\n"
    "       driftgate fsm watch (ROOT | --pid PID) [--interval SECONDS] [--once] [LIMITS]\n"
    "       driftgate fsm diff EXPECTED ACTUAL --policy FILE [--format "
    "text|markdown|json|sarif]\n"
    "       driftgate fsm attest IMAGE [--blob FILE] [--check STATEMENT] [--platform OS/ARCH]\n"
    "                            [REGISTRY FLAGS]\n"
    "image: the expected filesystem manifest from IMAGE's layers in the registry.\n"
    "dir: the actual one of a directory, or of process PID's root (other mounts skipped).\n"
    "watch: the fingerprint container of reverify --fsm: walks as dir does every --interval\n"
    "(300) and prints one JSON line per walk (root digest, counts, the mounts skipped).\n"
    "diff: drift of ACTUAL against EXPECTED in block/warn/ignore tiers (policy spec.runtime).\n"
    "attest: the in-toto statement (predicate " WH_FSM_PREDICATE_TYPE ") of IMAGE's\n"
    "manifest, subject = the (platform) manifest digest; --blob FILE writes the manifest to FILE\n"
    "and the statement names it by descriptor (push FILE as a referrer of the image); with\n"
    "--check, recomputes it and compares with STATEMENT (and its --blob FILE).\n"
    "REGISTRY FLAGS: [--plain-http HOST:PORT]... [--docker-config FILE] [--ca-file FILE]\n"
    "                [--timeout SECONDS] [--max-layer-bytes N]\n"
    "LIMITS: [--max-entries N] [--max-bytes N] [--max-depth N]\n"
    "The manifest goes to stdout, its root digest to stderr; docs/fs-manifest.md has the format.\n"
    "exit: 0 ok (diff: nothing blocks; attest --check: attested = computed), 1 diff blocks or\n"
    "attest --check differs, 2 usage or error\n";

struct fsm_opts {
    const char *args[4];
    int n_args;
    const char *platform, *policy, *format, *check, *blob, *docker_config, *ca_file;
    const char *plain_http[16];
    size_t n_plain_http;
    int pid;
    bool once;
    int64_t timeout_s, interval_s;
    size_t max_layer_bytes;
    struct wh_fsm_limits limits;
};

static int
fail(const char *cmd, const char *msg)
{
    struct wh_buf b;

    wh_buf_init(&b, 64 * 1024);
    wh_buf_printf(&b, "driftgate fsm %s: ", cmd);
    wh_cli_report_text_safe(&b, msg);
    wh_buf_append_c(&b, "\n");
    fwrite(b.ptr, 1, b.len, stderr);
    wh_buf_fini(&b);
    return 2;
}

static bool
parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    char *end;
    unsigned long long v;

    if (s[0] < '0' || s[0] > '9')
        return false;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v == 0 || v > max)
        return false;
    *out = v;
    return true;
}

/* A flag with a numeric value; false (said on stderr) when it is not one. */
static bool
number_flag(const char *flag, const char *v, struct fsm_opts *o)
{
    uint64_t n;
    bool good = parse_u64(v, (uint64_t)1 << 50, &n);

    if (good && strcmp(flag, "--max-entries") == 0)
        o->limits.max_entries = (size_t)n;
    else if (good && strcmp(flag, "--max-bytes") == 0)
        o->limits.max_bytes = n;
    else if (good && strcmp(flag, "--max-depth") == 0 && n <= 4096)
        o->limits.max_depth = (size_t)n;
    else if (good && strcmp(flag, "--max-layer-bytes") == 0)
        o->max_layer_bytes = (size_t)n;
    else if (good && strcmp(flag, "--timeout") == 0 && n <= 86400)
        o->timeout_s = (int64_t)n;
    else if (good && strcmp(flag, "--interval") == 0 && n <= 86400)
        o->interval_s = (int64_t)n;
    else if (good && strcmp(flag, "--pid") == 0 && n <= 0x3fffffff)
        o->pid = (int)n;
    else {
        fprintf(stderr, "driftgate fsm: %s takes a positive whole number, not %s\n", flag, v);
        return false;
    }
    return true;
}

static bool
string_flag(const char *flag, const char *v, struct fsm_opts *o)
{
    static const struct {
        const char *name;
        size_t off;
    } flags[] = {
        {"--platform", offsetof(struct fsm_opts, platform)},
        {"--policy", offsetof(struct fsm_opts, policy)},
        {"--format", offsetof(struct fsm_opts, format)},
        {"--check", offsetof(struct fsm_opts, check)},
        {"--blob", offsetof(struct fsm_opts, blob)},
        {"--docker-config", offsetof(struct fsm_opts, docker_config)},
        {"--ca-file", offsetof(struct fsm_opts, ca_file)},
    };
    size_t i;

    for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
        if (strcmp(flag, flags[i].name) == 0) {
            memcpy((char *)o + flags[i].off, &v, sizeof(v));
            return true;
        }
    }
    if (strcmp(flag, "--plain-http") == 0 && o->n_plain_http < 16) {
        o->plain_http[o->n_plain_http++] = v;
        return true;
    }
    return number_flag(flag, v, o);
}

/* argv[0] is the subcommand. */
static bool
parse_opts(int argc, char **argv, struct fsm_opts *o)
{
    int i;

    memset(o, 0, sizeof(*o));
    o->timeout_s = 600;
    o->interval_s = 300;
    o->max_layer_bytes = MAX_LAYER_BYTES_DEFAULT;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--once") == 0) {
            o->once = true;
            continue;
        }
        if (strncmp(argv[i], "--", 2) != 0) {
            if (o->n_args == 4)
                return false;
            o->args[o->n_args++] = argv[i];
            continue;
        }
        if (i + 1 == argc) {
            fprintf(stderr, "driftgate fsm: %s needs a value\n", argv[i]);
            return false;
        }
        if (!string_flag(argv[i], argv[i + 1], o))
            return false;
        i++;
    }
    return true;
}

/* ---- fsm image ---- */

struct image_result {
    const char *name;            /* registry/repository */
    const char *digest;          /* what the reference resolved to (index or manifest) */
    const char *platform_digest; /* the platform manifest's, when digest is an index */
    const char *platform;
    struct wh_str text;
    const char *root;
    size_t n_entries;
};

static const char *
host_arch(void)
{
#if defined(__x86_64__)
    return "amd64";
#elif defined(__aarch64__)
    return "arm64";
#else
    return "amd64";
#endif
}

static enum wh_err
pick_platform(const struct fsm_opts *o, const struct wh_registry_manifest *idx, struct wh_arena *a,
              struct image_result *r, const char **digest, struct wh_error *err)
{
    const char *os = "linux", *arch = host_arch(), *variant = NULL;
    const struct wh_registry_descriptor *d;

    if (o->platform != NULL) {
        char *p = wh_arena_strdup(a, o->platform), *s1 = strchr(p, '/'), *s2;
        if (s1 == NULL)
            return wh_error_set(err, WH_E_INVALID, "--platform: expected OS/ARCH[/VARIANT]");
        *s1 = '\0';
        os = p;
        arch = s1 + 1;
        if ((s2 = strchr(arch, '/')) != NULL) {
            *s2 = '\0';
            variant = s2 + 1;
        }
    }
    d = wh_registry_manifest_platform_find(idx, os, arch, variant);
    if (d == NULL)
        return wh_error_set(err, WH_E_NOT_FOUND,
                            "the image index has no %s/%s%s%s manifest (pick one with --platform)",
                            os, arch, variant != NULL ? "/" : "", variant != NULL ? variant : "");
    r->platform = wh_arena_sprintf(a, "%s/%s%s%s", os, arch, variant != NULL ? "/" : "",
                                   variant != NULL ? variant : "");
    *digest = d->digest;
    return WH_OK;
}

static enum wh_err
apply_layers(struct wh_registry_client *client, const struct wh_image_ref *ref,
             const struct wh_registry_manifest *m, const struct fsm_opts *o, int64_t deadline,
             struct wh_fsm_image *img, struct wh_error *err)
{
    size_t i;
    enum wh_err rc = WH_OK;

    for (i = 0; i < m->n_layers && rc == WH_OK; i++) {
        struct wh_arena la;
        struct wh_bytes blob;
        const char *what;

        wh_arena_init(&la);
        what = wh_arena_sprintf(&la, "layer %zu (%s)", i + 1, m->layers[i].digest);
        rc = wh_registry_blob_get(client, ref, m->layers[i].digest, o->max_layer_bytes, deadline,
                                  &la, &blob, err);
        if (rc == WH_OK)
            rc = wh_fsm_image_apply_layer(img, blob, what, err);
        else
            (void)wh_error_wrap(err, "%s", what);
        wh_arena_fini(&la);
    }
    return rc;
}

static enum wh_err
resolve_manifest(struct wh_registry_client *client, const struct wh_image_ref *ref,
                 const struct fsm_opts *o, int64_t deadline, struct wh_arena *a,
                 struct image_result *r, struct wh_registry_manifest *m, struct wh_error *err)
{
    const char *digest = NULL;
    enum wh_err rc;

    if ((rc = wh_registry_resolve(client, ref, deadline, a, &r->digest, err)) != WH_OK ||
        (rc = wh_registry_manifest_get(client, ref, r->digest, deadline, a, m, err)) != WH_OK)
        return rc;
    if (!m->is_index)
        return WH_OK;
    if ((rc = pick_platform(o, m, a, r, &digest, err)) != WH_OK ||
        (rc = wh_registry_manifest_get(client, ref, digest, deadline, a, m, err)) != WH_OK)
        return rc;
    if (m->is_index)
        return wh_error_set(err, WH_E_INVALID, "%s: an index inside an index", digest);
    r->platform_digest = digest;
    return WH_OK;
}

/* The expected manifest of `ref` through `client`: resolve, pick the platform, apply the layers,
 * render. */
static enum wh_err
expected_with(struct wh_registry_client *client, const struct wh_image_ref *ref,
              const struct fsm_opts *o, int64_t deadline, struct wh_arena *a,
              struct image_result *r, struct wh_error *err)
{
    struct wh_registry_manifest m;
    struct wh_fsm_image *img;
    struct wh_fsm_manifest fm;
    struct wh_fsm_limits fl = o->limits;
    enum wh_err rc;

    fl.deadline_ms = deadline;
    img = wh_fsm_image_new(&fl);
    rc = resolve_manifest(client, ref, o, deadline, a, r, &m, err);
    if (rc == WH_OK)
        rc = apply_layers(client, ref, &m, o, deadline, img, err);
    if (rc == WH_OK) {
        wh_fsm_image_manifest(img, a, &fm);
        r->n_entries = fm.n_entries;
        rc = wh_fsm_manifest_render(&fm, MAX_MANIFEST_TEXT, a, &r->text, err);
    }
    if (rc == WH_OK)
        r->root = wh_fsm_root_digest(r->text, a);
    wh_fsm_image_free(img);
    return rc;
}

static enum wh_err
compute_image(const struct fsm_opts *o, const char *image, struct wh_arena *a,
              struct image_result *r, struct wh_error *err)
{
    struct wh_registry_options ro;
    struct wh_registry_client *client = NULL;
    struct wh_image_ref ref;
    struct wh_limits lim = WH_LIMITS_DEFAULT;
    int64_t deadline = wh_clock_mono_ms() + o->timeout_s * 1000;
    enum wh_err rc;

    memset(r, 0, sizeof(*r));
    if ((rc = wh_image_ref_parse(wh_str_c(image), a, &ref, err)) != WH_OK)
        return rc;
    r->name = wh_image_ref_name(&ref, a);
    memset(&ro, 0, sizeof(ro));
    ro.docker_config = o->docker_config;
    ro.ca_file = o->ca_file;
    ro.plain_http_hosts = o->plain_http;
    ro.n_plain_http_hosts = o->n_plain_http;
    ro.limits = lim;
    if ((rc = wh_registry_client_new(&ro, &client, err)) != WH_OK)
        return rc;
    rc = expected_with(client, &ref, o, deadline, a, r, err);
    wh_registry_client_free(client);
    return rc == WH_OK ? WH_OK : wh_error_wrap(err, "%s", image);
}

enum wh_err
wh_cli_fsm_expected(struct wh_registry_client *client, const char *image, int64_t deadline_ms,
                    struct wh_arena *a, struct wh_str *text, struct wh_error *err)
{
    struct fsm_opts o;
    struct image_result r;
    struct wh_image_ref ref;
    enum wh_err rc;

    memset(&o, 0, sizeof(o));
    memset(&r, 0, sizeof(r));
    o.max_layer_bytes = MAX_LAYER_BYTES_DEFAULT;
    rc = wh_image_ref_parse(wh_str_c(image), a, &ref, err);
    if (rc == WH_OK)
        rc = expected_with(client, &ref, &o, deadline_ms, a, &r, err);
    if (rc != WH_OK)
        return wh_error_wrap(err, "expected manifest of %s", image);
    *text = r.text;
    return WH_OK;
}

static int
emit(struct wh_str text, const char *root)
{
    fwrite(text.ptr, 1, text.len, stdout);
    if (fflush(stdout) != 0)
        return fail("", "writing stdout failed");
    fprintf(stderr, "root %s\n", root);
    return 0;
}

static int
cmd_image(const struct fsm_opts *o, struct wh_arena *a)
{
    struct image_result r;
    struct wh_error err;

    if (o->n_args != 1)
        return fail("image", "expected one IMAGE (see driftgate fsm --help)");
    if (compute_image(o, o->args[0], a, &r, &err) != WH_OK)
        return fail("image", err.msg);
    return emit(r.text, r.root);
}

/* ---- fsm dir ---- */

static int
cmd_dir(const struct fsm_opts *o, struct wh_arena *a)
{
    struct wh_fsm_walk_options wo;
    struct wh_fsm_manifest m;
    struct wh_str text;
    struct wh_error err;

    if ((o->pid > 0) == (o->n_args == 1) || o->n_args > 1)
        return fail("dir", "expected ROOT or --pid PID (one of them)");
    memset(&wo, 0, sizeof(wo));
    wo.limits = o->limits;
    wo.limits.deadline_ms = wh_clock_mono_ms() + o->timeout_s * 1000;
    wo.root = o->n_args == 1 ? o->args[0] : NULL;
    wo.pid = o->pid;
    if (wh_fsm_walk(&wo, a, &m, &err) != WH_OK ||
        wh_fsm_manifest_render(&m, MAX_MANIFEST_TEXT, a, &text, &err) != WH_OK)
        return fail("dir", err.msg);
    return emit(text, wh_fsm_root_digest(text, a));
}

/* ---- fsm watch ---- */

/* Adds to `mini` the directories of `m` that are ancestors of `path` ("./a" and "./a/b" of
 * "./a/b/c"; never "."), once each. */
static void
add_ancestors(const struct wh_fsm_manifest *m, const char *path, struct wh_fsm_manifest *mini,
              struct wh_arena *a)
{
    char *p = wh_arena_strdup(a, path), *slash;

    while ((slash = strrchr(p, '/')) != NULL && slash > p + 1) {
        const struct wh_fsm_entry *e;
        bool seen = false;

        *slash = '\0';
        e = wh_fsm_manifest_find(m, p);
        for (size_t i = 0; i < mini->n_entries && !seen; i++)
            seen = strcmp(mini->entries[i].path, p) == 0;
        if (e != NULL && e->type == WH_FSM_DIR && !seen && mini->n_entries < WH_CLI_FSM_LINE_MOUNTS)
            wh_fsm_manifest_add(mini, e, a);
    }
}

/*
 * The fingerprint line of one walk (docs/fs-manifest.md "In the cluster"): time, pid, root digest,
 * entry and note counts, and "mounts": the manifest lines of the other mounts skipped and of the
 * directories above them (the runtime creates those), so a verifier can remove the same paths
 * from the expected manifest and compare root digests. In `a`, no newline.
 */
static const char *
watch_line(const struct wh_fsm_manifest *m, struct wh_str text, int pid, time_t now,
           struct wh_arena *a)
{
    struct wh_fsm_manifest mini;
    const char *incomplete = NULL;
    size_t changed = 0, unreadable = 0, skipped = 0;
    struct wh_str mt = {"", 0};
    struct wh_error err;
    char when[32], *out;
    const char *line;
    struct tm tm;
    json_t *o;

    memset(&mini, 0, sizeof(mini));
    for (size_t i = 0; i < m->n_notes; i++) {
        const struct wh_fsm_note *n = &m->notes[i];

        changed += n->kind == WH_FSM_NOTE_CHANGED;
        unreadable += n->kind == WH_FSM_NOTE_UNREADABLE;
        if (n->kind == WH_FSM_NOTE_INCOMPLETE)
            incomplete = n->path;
        if (n->kind != WH_FSM_NOTE_SKIPPED)
            continue;
        if (++skipped > WH_CLI_FSM_LINE_MOUNTS) {
            incomplete = "more mounts than a fingerprint line carries";
            continue;
        }
        wh_fsm_manifest_note(&mini, WH_FSM_NOTE_SKIPPED, n->path, a);
        add_ancestors(m, n->path, &mini, a);
    }
    wh_fsm_manifest_sort(&mini);
    if (wh_fsm_manifest_render(&mini, 1u << 20, a, &mt, &err) == WH_OK)
        mt = (struct wh_str){mt.ptr + strlen(WH_FSM_HEADER), mt.len - strlen(WH_FSM_HEADER)};
    else
        incomplete = "the mounts do not fit a fingerprint line";
    gmtime_r(&now, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    o = json_pack("{s:s, s:s, s:i, s:s, s:I, s:I, s:I, s:s%, s:s?}", "driftgate", "fsm/v1", "time",
                  when, "pid", pid, "root", wh_fsm_root_digest(text, a), "entries",
                  (json_int_t)m->n_entries, "changed", (json_int_t)changed, "unreadable",
                  (json_int_t)unreadable, "mounts", mt.ptr, mt.len, "incomplete", incomplete);
    out = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    if (out == NULL)
        wh_oom();
    line = wh_arena_strdup(a, out);
    free(out);
    return line;
}

/* One line for a walk that failed. */
static void
watch_error(int pid, time_t now, const char *msg)
{
    char when[32], *out;
    struct tm tm;
    json_t *o;

    gmtime_r(&now, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    o = json_pack("{s:s, s:s, s:i, s:s}", "driftgate", "fsm/v1", "time", when, "pid", pid, "error",
                  msg);
    out = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    printf("%s\n", out != NULL ? out : "{\"driftgate\":\"fsm/v1\",\"error\":\"walk failed\"}");
    free(out);
    json_decref(o);
}

/*
 * `fsm watch (ROOT | --pid PID) [--interval SECONDS] [--once]`: the fingerprint container's loop
 * (driftgate reverify --fsm adds it to a pod as an ephemeral container targeting the app): walks
 * the target's root every interval and prints one JSON line per walk. The process makes itself
 * non-dumpable first, so the target, running as the same UID, can neither ptrace it nor write
 * to its stdout through /proc/PID/fd (a forged "clean" line); it can kill it, which stops the
 * lines: the verifier reports a stale fingerprint.
 */
static int
cmd_watch(const struct fsm_opts *o)
{
    if ((o->pid > 0) == (o->n_args == 1) || o->n_args > 1)
        return fail("watch", "expected ROOT or --pid PID (one of them)");
    if (o->pid > 0 && o->pid == (int)getpid())
        return fail("watch", "--pid names this process, not the target's");
    if (prctl(PR_SET_DUMPABLE, 0L, 0L, 0L, 0L) != 0)
        return fail("watch", "prctl(PR_SET_DUMPABLE, 0) failed");
    for (;;) {
        struct wh_fsm_walk_options wo;
        struct wh_fsm_manifest m;
        struct wh_str text;
        struct wh_error err;
        struct wh_arena a;
        struct timespec ts = {.tv_sec = o->interval_s};

        wh_arena_init(&a);
        memset(&wo, 0, sizeof(wo));
        wo.limits = o->limits;
        wo.limits.deadline_ms = wh_clock_mono_ms() + o->timeout_s * 1000;
        wo.root = o->n_args == 1 ? o->args[0] : NULL;
        wo.pid = o->pid;
        if (wh_fsm_walk(&wo, &a, &m, &err) != WH_OK ||
            wh_fsm_manifest_render(&m, MAX_MANIFEST_TEXT, &a, &text, &err) != WH_OK)
            watch_error(o->pid, wh_clock_wall(), err.msg);
        else
            printf("%s\n", watch_line(&m, text, o->pid, wh_clock_wall(), &a));
        wh_arena_fini(&a);
        if (fflush(stdout) != 0)
            return 2;
        if (o->once)
            return 0;
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
            ;
    }
}

/* ---- fsm diff ---- */

struct diff_report {
    const char *expected_name, *actual_name;
    const char *expected_root, *actual_root;
    const struct wh_fsm_finding *f;
    size_t n;
    size_t count[3];
};

/* A finding's path as the manifest writes it (escaped), for every output format. */
static const char *
shown_path(const char *path, struct wh_arena *a)
{
    struct wh_buf b;
    char *out;

    wh_buf_init(&b, 4 * WH_FSM_MAX_PATH + 64);
    wh_fsm_escape(&b, path, strlen(path));
    out = wh_arena_strndup(a, b.ptr != NULL ? b.ptr : "", b.len);
    wh_buf_fini(&b);
    return out;
}

static void
render_text(const struct diff_report *r, struct wh_buf *b, struct wh_arena *a)
{
    size_t i;

    wh_buf_printf(b, "filesystem drift: %zu block, %zu warn, %zu ignore\n", r->count[0],
                  r->count[1], r->count[2]);
    wh_buf_append_c(b, "expected: ");
    wh_cli_report_text_safe(b, r->expected_name);
    wh_buf_printf(b, " (root %s)\nactual:   ", r->expected_root);
    wh_cli_report_text_safe(b, r->actual_name);
    wh_buf_printf(b, " (root %s)\n", r->actual_root);
    for (i = 0; i < r->n; i++) {
        const struct wh_fsm_finding *f = &r->f[i];
        wh_buf_printf(b, "%-6s %-7s ", wh_fsm_tier_name(f->tier), wh_fsm_kind_name(f->kind));
        wh_cli_report_text_safe(b, shown_path(f->path, a));
        wh_buf_append_c(b, ": ");
        wh_cli_report_text_safe(b, f->detail);
        wh_buf_append_c(b, " [");
        wh_cli_report_text_safe(b, f->why);
        wh_buf_append_c(b, "]\n");
    }
}

static void
json_finding(struct wh_buf *b, const struct wh_fsm_finding *f, struct wh_arena *a)
{
    wh_buf_printf(b, "{\"tier\":\"%s\",\"kind\":\"%s\",\"path\":", wh_fsm_tier_name(f->tier),
                  wh_fsm_kind_name(f->kind));
    wh_buf_append_json_string(b, wh_str_c(shown_path(f->path, a)));
    wh_buf_append_c(b, ",\"detail\":");
    wh_buf_append_json_string(b, wh_str_c(f->detail));
    wh_buf_append_c(b, ",\"why\":");
    wh_buf_append_json_string(b, wh_str_c(f->why));
    wh_buf_append_c(b, "}");
}

static void
render_json(const struct diff_report *r, struct wh_buf *b, struct wh_arena *a)
{
    size_t i;

    wh_buf_append_c(b, "{\"expected\":{\"name\":");
    wh_buf_append_json_string(b, wh_str_c(r->expected_name));
    wh_buf_printf(b, ",\"root\":\"%s\"},\"actual\":{\"name\":", r->expected_root);
    wh_buf_append_json_string(b, wh_str_c(r->actual_name));
    wh_buf_printf(b,
                  ",\"root\":\"%s\"},\"summary\":{\"block\":%zu,\"warn\":%zu,\"ignore\":%zu},"
                  "\"findings\":[",
                  r->actual_root, r->count[0], r->count[1], r->count[2]);
    for (i = 0; i < r->n; i++) {
        if (i > 0)
            wh_buf_append_c(b, ",");
        json_finding(b, &r->f[i], a);
    }
    wh_buf_append_c(b, "]}\n");
}

/* Markdown table cells: no pipes, no newlines, no HTML. */
static void
md_cell(struct wh_buf *b, const char *s)
{
    struct wh_buf t;
    size_t i;

    wh_buf_init(&t, 64 * 1024);
    wh_cli_report_text_safe(&t, s);
    for (i = 0; i < t.len; i++) {
        char c = t.ptr[i];
        if (c == '|' || c == '<' || c == '>' || c == '`' || c == '*' || c == '_' || c == '[' ||
            c == ']')
            wh_buf_printf(b, "&#%d;", c);
        else
            wh_buf_append(b, &c, 1);
    }
    wh_buf_fini(&t);
}

static void
render_markdown(const struct diff_report *r, struct wh_buf *b, struct wh_arena *a)
{
    static const char *const titles[] = {"Block", "Warn", "Ignore"};
    size_t i, t;

    wh_buf_printf(b, "## Filesystem drift\n\n**%zu block, %zu warn, %zu ignore**\n\n", r->count[0],
                  r->count[1], r->count[2]);
    wh_buf_append_c(b, "| | name | root |\n|---|---|---|\n| expected | ");
    md_cell(b, r->expected_name);
    wh_buf_printf(b, " | `%s` |\n| actual | ", r->expected_root);
    md_cell(b, r->actual_name);
    wh_buf_printf(b, " | `%s` |\n", r->actual_root);
    for (t = 0; t < 3; t++) {
        if (r->count[t] == 0)
            continue;
        wh_buf_printf(b, "\n### %s (%zu)\n\n| kind | path | detail | why |\n|---|---|---|---|\n",
                      titles[t], r->count[t]);
        for (i = 0; i < r->n; i++) {
            if (r->f[i].tier != (enum wh_fsm_tier)t)
                continue;
            wh_buf_printf(b, "| %s | ", wh_fsm_kind_name(r->f[i].kind));
            md_cell(b, shown_path(r->f[i].path, a));
            wh_buf_append_c(b, " | ");
            md_cell(b, r->f[i].detail);
            wh_buf_append_c(b, " | ");
            md_cell(b, r->f[i].why);
            wh_buf_append_c(b, " |\n");
        }
    }
}

static void
render_sarif(const struct diff_report *r, struct wh_buf *b, struct wh_arena *a)
{
    size_t i, k, first = 1;

    wh_buf_append_c(b, "{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\","
                       "\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{\"name\":"
                       "\"driftgate\",\"informationUri\":\"https://driftgate.dev\",\"version\":");
    wh_buf_append_json_string(b, wh_str_c(wh_version()));
    wh_buf_append_c(b, ",\"rules\":[");
    for (k = 0; k <= WH_FSM_D_MOUNT; k++)
        wh_buf_printf(b, "%s{\"id\":\"fsm/%s\"}", k > 0 ? "," : "",
                      wh_fsm_kind_name((enum wh_fsm_kind)k));
    wh_buf_append_c(b, "]}},\"results\":[");
    for (i = 0; i < r->n; i++) {
        const struct wh_fsm_finding *f = &r->f[i];
        if (f->tier == WH_FSM_TIER_IGNORE)
            continue;
        wh_buf_printf(
            b, "%s{\"ruleId\":\"fsm/%s\",\"level\":\"%s\",\"message\":{\"text\":", first ? "" : ",",
            wh_fsm_kind_name(f->kind), f->tier == WH_FSM_TIER_BLOCK ? "error" : "warning");
        first = 0;
        wh_buf_append_json_string(
            b, wh_str_c(
                   wh_arena_sprintf(a, "%s: %s [%s]", shown_path(f->path, a), f->detail, f->why)));
        wh_buf_append_c(b, "},\"locations\":[{\"physicalLocation\":{\"artifactLocation\":{"
                           "\"uri\":");
        wh_buf_append_json_string(
            b, wh_str_c(shown_path(f->path, a) + (f->path[0] == '.' && f->path[1] == '/' ? 2 : 0)));
        wh_buf_append_c(b, "}}}]}");
    }
    wh_buf_append_c(b, "]}]}\n");
}

static enum wh_err
read_manifest(const char *path, struct wh_arena *a, struct wh_fsm_manifest *m, struct wh_str *text,
              struct wh_error *err)
{
    struct wh_bytes raw;
    enum wh_err rc = wh_file_read(path, MAX_MANIFEST_TEXT, a, &raw, err);

    if (rc != WH_OK)
        return wh_error_wrap(err, "%s", path);
    *text = (struct wh_str){(const char *)raw.ptr, raw.len};
    rc = wh_fsm_manifest_parse(*text, WH_FSM_DEFAULT_ENTRIES, a, m, err);
    return rc == WH_OK ? WH_OK : wh_error_wrap(err, "%s", path);
}

static enum wh_err
load_rules(const char *path, struct wh_fsm_rules *rules, struct wh_policy **policy,
           struct wh_error *err)
{
    struct wh_limits lim = WH_LIMITS_DEFAULT;
    const struct wh_policy_runtime *rt;
    enum wh_err rc = wh_policy_load(path, &lim, policy, err);

    if (rc != WH_OK)
        return rc;
    rt = wh_policy_runtime(*policy);
    rules->mutable_paths = rt->mutable_paths;
    rules->n_mutable_paths = rt->n_mutable_paths;
    /* The policy's bits and fsm's are the same flags under two names (layers). */
    rules->block_on = 0;
    if (rt->block_on & WH_POLICY_RUNTIME_EXEC)
        rules->block_on |= WH_FSM_BLOCK_EXEC;
    if (rt->block_on & WH_POLICY_RUNTIME_SETUID)
        rules->block_on |= WH_FSM_BLOCK_SETUID;
    if (rt->block_on & WH_POLICY_RUNTIME_CAPS)
        rules->block_on |= WH_FSM_BLOCK_CAPS;
    if (rt->block_on & WH_POLICY_RUNTIME_OWNER)
        rules->block_on |= WH_FSM_BLOCK_OWNER;
    return WH_OK;
}

static int
cmd_diff(const struct fsm_opts *o, struct wh_arena *a)
{
    struct wh_fsm_manifest exp, act;
    struct wh_str etext, atext;
    struct wh_fsm_rules rules;
    struct wh_policy *policy = NULL;
    struct diff_report r;
    enum wh_report_format fmt = WH_REPORT_TEXT;
    struct wh_error err;
    struct wh_fsm_finding *f;
    struct wh_buf b;
    size_t i;

    if (o->n_args != 2 || o->policy == NULL ||
        (o->format != NULL && !wh_cli_report_format_parse(o->format, &fmt)))
        return fail("diff", "expected EXPECTED ACTUAL --policy FILE [--format "
                            "text|markdown|json|sarif]");
    if (load_rules(o->policy, &rules, &policy, &err) != WH_OK ||
        read_manifest(o->args[0], a, &exp, &etext, &err) != WH_OK ||
        read_manifest(o->args[1], a, &act, &atext, &err) != WH_OK) {
        wh_policy_unref(policy);
        return fail("diff", err.msg);
    }
    memset(&r, 0, sizeof(r));
    wh_fsm_diff(&exp, &act, &rules, a, &f, &r.n);
    r.f = f;
    r.expected_name = o->args[0];
    r.actual_name = o->args[1];
    r.expected_root = wh_fsm_root_digest(etext, a);
    r.actual_root = wh_fsm_root_digest(atext, a);
    for (i = 0; i < r.n; i++)
        r.count[f[i].tier]++;
    wh_buf_init(&b, MAX_MANIFEST_TEXT);
    if (fmt == WH_REPORT_JSON)
        render_json(&r, &b, a);
    else if (fmt == WH_REPORT_MARKDOWN)
        render_markdown(&r, &b, a);
    else if (fmt == WH_REPORT_SARIF)
        render_sarif(&r, &b, a);
    else
        render_text(&r, &b, a);
    fwrite(b.ptr, 1, b.len, stdout);
    wh_buf_fini(&b);
    wh_policy_unref(policy);
    return r.count[WH_FSM_TIER_BLOCK] > 0 ? 1 : 0;
}

/* ---- fsm attest ---- */

/* The statement's subject: the manifest whose layers were computed (for an index, the platform
 * manifest picked; the webhook binds the attestation to that digest). */
static const char *
subject_digest(const struct image_result *r)
{
    return r->platform_digest != NULL ? r->platform_digest : r->digest;
}

static void
render_statement(const struct image_result *r, bool as_blob, struct wh_buf *b)
{
    wh_buf_append_c(b, "{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{\"name\":");
    wh_buf_append_json_string(b, wh_str_c(r->name));
    wh_buf_printf(b,
                  ",\"digest\":{\"sha256\":\"%s\"}}],\"predicateType\":\"" WH_FSM_PREDICATE_TYPE
                  "\",\"predicate\":{\"format\":\"" WH_FSM_FORMAT "\",\"digestAlgorithm\":"
                  "\"sha256\",\"root\":\"%s\",\"entries\":%zu,",
                  subject_digest(r) + 7, r->root, r->n_entries);
    if (r->platform_digest != NULL)
        wh_buf_printf(b, "\"platform\":\"%s\",\"index\":\"%s\",", r->platform, r->digest);
    wh_buf_append_c(b, "\"generator\":{\"name\":\"driftgate\",\"version\":");
    wh_buf_append_json_string(b, wh_str_c(wh_version()));
    if (as_blob) {
        wh_buf_printf(b,
                      "},\"manifestDescriptor\":{\"mediaType\":\"" WH_FSM_MEDIA_TYPE
                      "\",\"digest\":\"%s\",\"size\":%zu}}}\n",
                      r->root, r->text.len);
        return;
    }
    wh_buf_append_c(b, "},\"manifest\":");
    wh_buf_append_json_string(b, r->text);
    wh_buf_append_c(b, "}}\n");
}

/* Why `statement` does not attest what was computed, or NULL when it does: the envelope fields
 * here, the predicate through fsm/attest.h as the webhook reads it (`blob`: the manifest file of a
 * statement that names one). */
static const char *
statement_mismatch(struct wh_bytes statement, const char *blob, const struct image_result *r,
                   struct wh_arena *a)
{
    json_error_t jerr;
    json_t *root =
        json_loadb((const char *)statement.ptr, statement.len, JSON_REJECT_DUPLICATES, &jerr);
    const char *why = NULL, *type, *ptype, *sha;
    struct wh_fsm_attested att;
    struct wh_bytes pred = {NULL, 0}, raw;
    struct wh_error err;
    json_t *subj;
    char *dumped = NULL;

    if (root == NULL)
        return wh_arena_sprintf(a, "statement is not JSON: %d:%d: %s", jerr.line, jerr.column,
                                jerr.text);
    subj = json_object_get(root, "subject");
    type = json_string_value(json_object_get(root, "_type"));
    ptype = json_string_value(json_object_get(root, "predicateType"));
    sha = json_string_value(
        json_object_get(json_object_get(json_array_get(subj, 0), "digest"), "sha256"));
    if (json_object_get(root, "predicate") != NULL &&
        (dumped = json_dumps(json_object_get(root, "predicate"), JSON_COMPACT)) != NULL)
        pred = (struct wh_bytes){(const unsigned char *)dumped, strlen(dumped)};
    if (type == NULL || strcmp(type, "https://in-toto.io/Statement/v1") != 0)
        why = "_type is not https://in-toto.io/Statement/v1";
    else if (ptype == NULL || strcmp(ptype, WH_FSM_PREDICATE_TYPE) != 0)
        why = "predicateType is not " WH_FSM_PREDICATE_TYPE;
    else if (json_array_size(subj) != 1 || sha == NULL || strcmp(sha, subject_digest(r) + 7) != 0)
        why = wh_arena_sprintf(a, "the subject is not the image %s", subject_digest(r));
    else if (wh_fsm_attested_parse(pred, MAX_MANIFEST_TEXT, a, &att, &err) != WH_OK)
        why = wh_arena_strdup(a, err.msg);
    else if (att.blob_digest != NULL && blob == NULL)
        why = "the statement names a manifest blob: pass its file with --blob FILE";
    else if (att.blob_digest != NULL &&
             wh_file_read(blob, MAX_MANIFEST_TEXT, a, &raw, &err) != WH_OK)
        why = wh_arena_sprintf(a, "--blob %s: %s", blob, err.msg);
    else
        why = wh_fsm_attested_mismatch(&att,
                                       att.blob_digest != NULL
                                           ? (struct wh_str){(const char *)raw.ptr, raw.len}
                                           : att.manifest,
                                       r->text, a);
    free(dumped);
    json_decref(root);
    return why;
}

static int
cmd_attest(const struct fsm_opts *o, struct wh_arena *a)
{
    struct image_result r;
    struct wh_error err;
    struct wh_bytes statement = {NULL, 0};
    struct wh_buf b;
    const char *why;
    FILE *f;

    if (o->n_args != 1)
        return fail("attest", "expected one IMAGE (see driftgate fsm --help)");
    if (o->check != NULL && wh_file_read(o->check, MAX_MANIFEST_TEXT, a, &statement, &err) != WH_OK)
        return fail("attest", wh_arena_sprintf(a, "--check %s: %s", o->check, err.msg));
    if (compute_image(o, o->args[0], a, &r, &err) != WH_OK)
        return fail("attest", err.msg);
    if (o->check != NULL) {
        why = statement_mismatch(statement, o->blob, &r, a);
        if (why != NULL) {
            (void)fail("attest", wh_arena_sprintf(a, "%s: does not match %s@%s: %s", o->check,
                                                  r.name, subject_digest(&r), why));
            return 1;
        }
        printf("attested = computed: %s@%s root %s\n", r.name, subject_digest(&r), r.root);
        return 0;
    }
    if (o->blob != NULL) {
        f = fopen(o->blob, "wb");
        if (f == NULL || fwrite(r.text.ptr, 1, r.text.len, f) != r.text.len || fclose(f) != 0)
            return fail("attest", wh_arena_sprintf(a, "--blob %s: cannot write: %s", o->blob,
                                                   strerror(errno)));
    }
    wh_buf_init(&b, 2 * MAX_MANIFEST_TEXT);
    render_statement(&r, o->blob != NULL, &b);
    fwrite(b.ptr, 1, b.len, stdout);
    wh_buf_fini(&b);
    fprintf(stderr, "root %s\n", r.root);
    if (o->blob != NULL)
        fprintf(stderr,
                "push %s to %s as a referrer of %s@%s, e.g. oras attach --artifact-type "
                "%s %s@%s %s:%s\n",
                o->blob, r.name, r.name, subject_digest(&r), WH_FSM_MEDIA_TYPE, r.name,
                subject_digest(&r), o->blob, WH_FSM_MEDIA_TYPE);
    return 0;
}

int
wh_cli_fsm(int argc, char **argv)
{
    struct fsm_opts o;
    struct wh_arena a;
    int status;

    if (argc < 2 || !parse_opts(argc - 1, argv + 1, &o)) {
        fputs(wh_cli_fsm_help, stderr);
        return 2;
    }
    wh_arena_init(&a);
    if (strcmp(argv[1], "image") == 0)
        status = cmd_image(&o, &a);
    else if (strcmp(argv[1], "dir") == 0)
        status = cmd_dir(&o, &a);
    else if (strcmp(argv[1], "diff") == 0)
        status = cmd_diff(&o, &a);
    else if (strcmp(argv[1], "attest") == 0)
        status = cmd_attest(&o, &a);
    else if (strcmp(argv[1], "watch") == 0)
        status = cmd_watch(&o);
    else {
        fputs(wh_cli_fsm_help, stderr);
        status = 2;
    }
    wh_arena_fini(&a);
    return status;
}
