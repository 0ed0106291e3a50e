/*
 * `driftgate reverify --fsm`, the pure parts: the ephemeral container it adds to a pod (the
 * strategic merge patch of pods/<name>/ephemeralcontainers), the fingerprint line that
 * container prints (`driftgate fsm watch`, read back through pods/<name>/log), and the
 * comparison of that line's root digest with the expected manifest of the running digest.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/fsm.h"
#include "cli/reverify.h"
#include "fsm/layer.h"
#include "fsm/manifest.h"

/* ---- the ephemeral container ---- */

bool
wh_cli_reverify_fsm_wanted(const struct wh_kube_container *c)
{
    return strcmp(c->field, "containers") == 0 && c->index >= 0 && c->digest != NULL &&
           c->spec_image != NULL;
}

const char *
wh_cli_reverify_fsm_name(const struct wh_kube_container *c, struct wh_arena *a)
{
    return c->index == 0 ? WH_REVERIFY_FSM_NAME
                         : wh_arena_sprintf(a, "%s-%ld", WH_REVERIFY_FSM_NAME, c->index);
}

const char *
wh_cli_reverify_fsm_refusal(const struct wh_kube_pod *p, const struct wh_kube_container *c,
                            struct wh_arena *a)
{
    if (c->run_as_user == WH_KUBE_UID_UNSET)
        return wh_arena_sprintf(a,
                                "no fingerprint container for pod %s/%s container %s: the UID it "
                                "runs as is not in the pod spec (set securityContext.runAsUser; "
                                "the fingerprint runs as that UID, with no capabilities)",
                                p->namespace_, p->name, c->name);
    if (c->run_as_user == 0)
        return wh_arena_sprintf(
            a,
            "no fingerprint container for pod %s/%s container %s: it runs as UID 0, and Pod "
            "Security restricted admits no root container while a non-root one cannot read a "
            "root-owned tree whole; run it as a non-root UID (securityContext.runAsUser, "
            "runAsNonRoot: true), or fingerprint it on its node with `driftgate fsm dir --pid` "
            "as root",
            p->namespace_, p->name, c->name);
    return NULL;
}

void
wh_cli_reverify_fsm_patch(const struct wh_kube_container *c, const char *image, long interval_s,
                          struct wh_buf *out)
{
    json_t *sc, *ec, *body;
    char *text;
    char iv[24];
    struct wh_arena a;

    wh_arena_init(&a);
    snprintf(iv, sizeof(iv), "%ld", interval_s);
    sc = json_pack("{s:I, s:b, s:b, s:b, s:b, s:{s:[s]}, s:{s:s}}", "runAsUser",
                   (json_int_t)c->run_as_user, "runAsNonRoot", c->run_as_user != 0,
                   "allowPrivilegeEscalation", 0, "readOnlyRootFilesystem", 1, "privileged", 0,
                   "capabilities", "drop", "ALL", "seccompProfile", "type", "RuntimeDefault");
    if (sc != NULL && c->run_as_group != WH_KUBE_UID_UNSET)
        json_object_set_new(sc, "runAsGroup", json_integer((json_int_t)c->run_as_group));
    ec = json_pack("{s:s, s:s, s:s, s:[s,s,s,s,s,s,s], s:s, s:s, s:b, s:b, s:o}", "name",
                   wh_cli_reverify_fsm_name(c, &a), "image", image, "targetContainerName", c->name,
                   "command", "/usr/local/bin/driftgate", "fsm", "watch", "--pid", "1",
                   "--interval", iv, "imagePullPolicy", "IfNotPresent", "terminationMessagePolicy",
                   "File", "stdin", 0, "tty", 0, "securityContext", sc);
    body = json_pack("{s:{s:[o]}}", "spec", "ephemeralContainers", ec);
    text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
    wh_arena_fini(&a);
    if (text == NULL)
        wh_oom();
    wh_buf_append(out, text, strlen(text));
    free(text);
    json_decref(body);
}

/* ---- which manifest the running root is compared with ---- */

const char *
wh_cli_reverify_fsm_source_name(enum wh_reverify_fsm_source s)
{
    return s == WH_REVERIFY_FSM_ATTESTED   ? "attested"
           : s == WH_REVERIFY_FSM_COMPUTED ? "computed"
                                           : "refused";
}

enum wh_reverify_fsm_source
wh_cli_reverify_fsm_source(const struct wh_reverify_fsm_evidence *e, const char *image,
                           struct wh_arena *a, const char **why)
{
    const char *rule = e->rule != NULL ? e->rule : "(none matched)";

    if (e->required && e->root != NULL && e->signer != NULL && e->signer_listed) {
        *why = wh_arena_sprintf(a, "the fs-manifest attested by %s for %s (root %s)", e->signer,
                                image, e->root);
        return WH_REVERIFY_FSM_ATTESTED;
    }
    if (e->required && e->detail != NULL) {
        *why = wh_arena_sprintf(a,
                                "not compared: the verified fs-manifest attestation of %s does "
                                "not prove its filesystem (%s); the layers are no substitute for "
                                "what was signed: attest the image again with `driftgate fsm "
                                "attest %s`",
                                image, e->detail, image);
        return WH_REVERIFY_FSM_REFUSED;
    }
    if (e->required && e->must_attest) {
        *why = wh_arena_sprintf(a,
                                "not compared: rule %s requires a verified fs-manifest "
                                "attestation (attestations.fsManifest) of %s and there is none "
                                "by its signers; the layers are no substitute: attest it with "
                                "`driftgate fsm attest %s` and sign the statement",
                                rule, image, image);
        return WH_REVERIFY_FSM_REFUSED;
    }
    *why = wh_arena_sprintf(a, "the manifest computed from the layers of %s (%s)", image,
                            e->required ? "no verified fs-manifest attestation; "
                                          "attestations.fsManifest.required: false"
                                        : wh_arena_sprintf(a,
                                                           "rule %s has no "
                                                           "attestations.fsManifest",
                                                           rule));
    return WH_REVERIFY_FSM_COMPUTED;
}

/* ---- the fingerprint line ---- */

static bool
is_root_digest(const char *s)
{
    return strncmp(s, "sha256:", 7) == 0 && strlen(s) == 71 &&
           strspn(s + 7, "0123456789abcdef") == 64;
}

/* "YYYY-MM-DDTHH:MM:SSZ" → seconds since the epoch; false when it is not that. */
static bool
parse_time(const char *s, time_t *out)
{
    struct tm tm;
    const char *end;

    memset(&tm, 0, sizeof(tm));
    if (strlen(s) != 20 || (end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm)) == NULL || *end != '\0')
        return false;
    *out = timegm(&tm);
    return *out != (time_t)-1;
}

/* A count member: a whole number in [0, 2^40]. */
static bool
count(json_t *o, const char *key, size_t *out)
{
    json_t *v = json_object_get(o, key);

    if (!json_is_integer(v) || json_integer_value(v) < 0 ||
        json_integer_value(v) > ((json_int_t)1 << 40))
        return false;
    *out = (size_t)json_integer_value(v);
    return true;
}

/* The manifest fragment of "mounts": #skipped notes and the directories above them, nothing
 * else, in canonical form. */
static enum wh_err
parse_mounts(const char *text, struct wh_arena *a, struct wh_fsm_manifest *out,
             struct wh_error *err)
{
    const char *whole = wh_arena_sprintf(a, "%s%s", WH_FSM_HEADER, text);

    if (wh_fsm_manifest_parse(wh_str_c(whole), WH_CLI_FSM_LINE_MOUNTS, a, out, err) != WH_OK)
        return wh_error_wrap(err, "mounts");
    for (size_t i = 0; i < out->n_entries; i++)
        if (out->entries[i].type != WH_FSM_DIR)
            return wh_error_set(err, WH_E_INVALID, "mounts: entry %zu is not a directory", i + 1);
    for (size_t i = 0; i < out->n_notes; i++)
        if (out->notes[i].kind != WH_FSM_NOTE_SKIPPED || strcmp(out->notes[i].path, ".") == 0)
            return wh_error_set(err, WH_E_INVALID, "mounts: note %zu is not a #skipped mount",
                                i + 1);
    return WH_OK;
}

static const char *const line_keys[] = {"driftgate", "time",       "pid",    "root",  "entries",
                                        "changed",   "unreadable", "mounts", "error", "incomplete"};

/* Every member is one of line_keys. */
static enum wh_err
known_members(json_t *o, struct wh_error *err)
{
    json_t *v;
    const char *key;

    json_object_foreach(o, key, v)
    {
        bool known = false;

        for (size_t i = 0; i < sizeof(line_keys) / sizeof(line_keys[0]) && !known; i++)
            known = strcmp(key, line_keys[i]) == 0;
        if (!known)
            return wh_error_set(err, WH_E_INVALID, "unknown member \"%.40s\"", key);
    }
    return WH_OK;
}

/* The members of a walk that succeeded: root, counts, incomplete, mounts. */
static enum wh_err
walk_fields(json_t *o, struct wh_arena *a, struct wh_reverify_fsm_line *out, struct wh_error *err)
{
    json_t *v = json_object_get(o, "root");

    if (!json_is_string(v) || !is_root_digest(json_string_value(v)))
        return wh_error_set(err, WH_E_INVALID, "root is not sha256:<64 hex>");
    out->root = wh_arena_strdup(a, json_string_value(v));
    if (!count(o, "entries", &out->entries) || !count(o, "changed", &out->changed) ||
        !count(o, "unreadable", &out->unreadable))
        return wh_error_set(err, WH_E_INVALID, "entries, changed or unreadable is not a count");
    v = json_object_get(o, "incomplete");
    if (v != NULL && !json_is_string(v) && !json_is_null(v))
        return wh_error_set(err, WH_E_INVALID, "incomplete is not a string");
    if (json_is_string(v))
        out->incomplete = wh_arena_strndup(a, json_string_value(v), json_string_length(v));
    v = json_object_get(o, "mounts");
    if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
        return wh_error_set(err, WH_E_INVALID, "mounts is not a string");
    return parse_mounts(json_string_value(v), a, &out->mounts, err);
}

static enum wh_err
line_fields(json_t *o, struct wh_arena *a, struct wh_reverify_fsm_line *out, struct wh_error *err)
{
    json_t *v;
    size_t pid = 0;

    if (known_members(o, err) != WH_OK)
        return err->code;
    v = json_object_get(o, "driftgate");
    if (!json_is_string(v) || strcmp(json_string_value(v), "fsm/v1") != 0)
        return wh_error_set(err, WH_E_INVALID, "not a driftgate fsm/v1 line");
    v = json_object_get(o, "time");
    if (!json_is_string(v) || !parse_time(json_string_value(v), &out->time))
        return wh_error_set(err, WH_E_INVALID, "time is not YYYY-MM-DDTHH:MM:SSZ");
    /* 0: `fsm watch ROOT` walked a directory, not a process's root */
    if (!count(o, "pid", &pid) || pid > 0x3fffffff)
        return wh_error_set(err, WH_E_INVALID, "pid is not a process id");
    out->pid = (long)pid;
    v = json_object_get(o, "error");
    if (v == NULL)
        return walk_fields(o, a, out, err);
    if (!json_is_string(v) || json_object_size(o) != 4)
        return wh_error_set(err, WH_E_INVALID, "an error line holds other members");
    out->error = wh_arena_strndup(a, json_string_value(v), json_string_length(v));
    return WH_OK;
}

enum wh_err
wh_cli_reverify_fsm_line_parse(struct wh_bytes log, struct wh_arena *a,
                               struct wh_reverify_fsm_line *out, struct wh_error *err)
{
    size_t end = log.len, start;
    json_error_t jerr;
    json_t *o;
    enum wh_err rc;

    memset(out, 0, sizeof(*out));
    if (log.len > WH_REVERIFY_FSM_LOG_MAX)
        return wh_error_set(err, WH_E_LIMIT, "the log is %zu bytes (limit %u)", log.len,
                            WH_REVERIFY_FSM_LOG_MAX);
    while (end > 0 && (log.ptr[end - 1] == '\n' || log.ptr[end - 1] == '\r'))
        end--;
    if (end == 0)
        return wh_error_set(err, WH_E_NOT_FOUND, "no fingerprint line yet");
    start = end;
    while (start > 0 && log.ptr[start - 1] != '\n')
        start--;
    o = json_loadb((const char *)log.ptr + start, end - start, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(o)) {
        json_decref(o);
        return wh_error_set(err, WH_E_INVALID, "the last line is not a JSON object (column %d)",
                            o == NULL ? jerr.column : 0);
    }
    rc = line_fields(o, a, out, err);
    json_decref(o);
    if (rc != WH_OK)
        memset(out, 0, sizeof(*out));
    return rc;
}

/* ---- the comparison ---- */

static int
cmp_path(const void *k, const void *n)
{
    return strcmp(k, ((const struct wh_fsm_note *)n)->path);
}

/* Whether `path` is a skipped mount point or under one (notes sorted by path: all #skipped). */
static bool
under_mount(const struct wh_fsm_manifest *mounts, const char *path, struct wh_arena *a)
{
    char *p;
    char *slash;

    if (mounts->n_notes == 0)
        return false;
    p = wh_arena_strdup(a, path);
    for (;;) {
        if (bsearch(p, mounts->notes, mounts->n_notes, sizeof(*mounts->notes), cmp_path) != NULL)
            return true;
        if ((slash = strrchr(p, '/')) == NULL)
            return false;
        *slash = '\0';
    }
}

/* Whether directory `dir` is strictly above one of the skipped mount points. */
static bool
above_mount(const struct wh_fsm_manifest *mounts, const char *dir)
{
    size_t n = strlen(dir);

    for (size_t i = 0; i < mounts->n_notes; i++)
        if (strncmp(mounts->notes[i].path, dir, n) == 0 && mounts->notes[i].path[n] == '/')
            return true;
    return false;
}

enum wh_err
wh_cli_reverify_fsm_expected_root(const struct wh_fsm_manifest *expected,
                                  const struct wh_reverify_fsm_line *l, struct wh_arena *a,
                                  const char **root_out, struct wh_error *err)
{
    struct wh_fsm_manifest m;
    struct wh_str text;
    struct wh_arena scratch;

    memset(&m, 0, sizeof(m));
    wh_arena_init(&scratch);
    for (size_t i = 0; i < expected->n_entries; i++)
        if (!under_mount(&l->mounts, expected->entries[i].path, &scratch))
            wh_fsm_manifest_add(&m, &expected->entries[i], a);
    wh_arena_fini(&scratch);
    /* The directories the runtime created for its mount points: only those the image lacks
     * (one the image has keeps the image's mode and owner, so a change to it shows). */
    for (size_t i = 0; i < l->mounts.n_entries; i++) {
        const struct wh_fsm_entry *d = &l->mounts.entries[i];

        if (!above_mount(&l->mounts, d->path))
            return wh_error_set(err, WH_E_INVALID, "mounts: a directory not above a mount point");
        if (wh_fsm_manifest_find(expected, d->path) == NULL)
            wh_fsm_manifest_add(&m, d, a);
    }
    for (size_t i = 0; i < l->mounts.n_notes; i++)
        wh_fsm_manifest_note(&m, WH_FSM_NOTE_SKIPPED, l->mounts.notes[i].path, a);
    wh_fsm_manifest_sort(&m);
    if (wh_fsm_manifest_render(&m, (size_t)1 << 30, a, &text, err) != WH_OK)
        return err->code;
    *root_out = wh_fsm_root_digest(text, a);
    return WH_OK;
}
