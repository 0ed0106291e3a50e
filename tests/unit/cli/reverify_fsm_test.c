/* cli/reverify_fsm.c: the fingerprint line `fsm watch` prints, parsed strictly (every malformed
 * shape refused, never read as clean), and the expected root rebuilt from an image's manifest
 * with the line's mounts applied: equal for an untouched tree with kubelet mounts and the
 * directories the runtime made for them, different for any change outside the mounts. The patch
 * that adds the fingerprint container is checked field by field. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli/reverify.h"
#include "fsm/manifest.h"
#include "unit/harness.h"

static struct wh_fsm_entry
dir(const char *path, uint32_t mode)
{
    struct wh_fsm_entry e;

    memset(&e, 0, sizeof(e));
    e.path = path;
    e.type = WH_FSM_DIR;
    e.mode = mode;
    return e;
}

static struct wh_fsm_entry
file(const char *path, uint32_t mode)
{
    struct wh_fsm_entry e = dir(path, mode);

    e.type = WH_FSM_FILE;
    e.size = 1;
    e.has_sha256 = true;
    memset(e.sha256, path[2], sizeof(e.sha256));
    return e;
}

/* The image: ., ./bin, ./bin/app, ./etc, ./etc/hosts, ./proc. */
static void
image(struct wh_fsm_manifest *m, struct wh_arena *a)
{
    struct wh_fsm_entry es[] = {
        dir(".", 0755),     dir("./bin", 0755),        file("./bin/app", 0755),
        dir("./etc", 0755), file("./etc/hosts", 0644), dir("./proc", 0555)};

    memset(m, 0, sizeof(*m));
    for (size_t i = 0; i < sizeof(es) / sizeof(es[0]); i++)
        wh_fsm_manifest_add(m, &es[i], a);
    wh_fsm_manifest_sort(m);
}

/* The running tree as the walker sees it: /etc/hosts, /proc and a volume at /run/secrets/sa are
 * other mounts (skipped); the runtime made ./run and ./run/secrets; `etc_mode` for ./etc. */
static const char *
actual_root(uint32_t etc_mode, struct wh_arena *a)
{
    struct wh_fsm_entry es[] = {dir(".", 0755),          dir("./bin", 0755),
                                file("./bin/app", 0755), dir("./etc", etc_mode),
                                dir("./run", 0755),      dir("./run/secrets", 0755)};
    struct wh_fsm_manifest m;
    struct wh_str text;
    struct wh_error err;

    memset(&m, 0, sizeof(m));
    for (size_t i = 0; i < sizeof(es) / sizeof(es[0]); i++)
        wh_fsm_manifest_add(&m, &es[i], a);
    wh_fsm_manifest_note(&m, WH_FSM_NOTE_SKIPPED, "./etc/hosts", a);
    wh_fsm_manifest_note(&m, WH_FSM_NOTE_SKIPPED, "./proc", a);
    wh_fsm_manifest_note(&m, WH_FSM_NOTE_SKIPPED, "./run/secrets/sa", a);
    wh_fsm_manifest_sort(&m);
    if (wh_fsm_manifest_render(&m, 1u << 20, a, &text, &err) != WH_OK)
        return "render failed";
    return wh_fsm_root_digest(text, a);
}

#define MOUNTS                                                                                     \
    "./run type=dir mode=0755 uid=0 gid=0\\n./run/secrets type=dir mode=0755 uid=0 gid=0\\n"       \
    "#skipped ./etc/hosts\\n#skipped ./proc\\n#skipped ./run/secrets/sa\\n"

static enum wh_err
parse(const char *line, struct wh_arena *a, struct wh_reverify_fsm_line *l, struct wh_error *err)
{
    return wh_cli_reverify_fsm_line_parse(
        (struct wh_bytes){(const unsigned char *)line, strlen(line)}, a, l, err);
}

static const char *
line(const char *root, const char *mounts, struct wh_arena *a)
{
    return wh_arena_sprintf(a,
                            "{\"changed\":0,\"driftgate\":\"fsm/v1\",\"entries\":6,\"incomplete\":"
                            "null,\"mounts\":\"%s\",\"pid\":1,\"root\":\"%s\",\"time\":"
                            "\"2026-12-05T23:00:00Z\",\"unreadable\":0}\n",
                            mounts, root);
}

static void
test_compare(void)
{
    struct wh_arena a;
    struct wh_fsm_manifest img;
    struct wh_reverify_fsm_line l;
    struct wh_error err = {0};
    const char *root = NULL, *clean;

    wh_arena_init(&a);
    image(&img, &a);
    clean = actual_root(0755, &a);
    ok(parse(wh_arena_sprintf(&a, "older line\n%s", line(clean, MOUNTS, &a)), &a, &l, &err) ==
               WH_OK &&
           l.pid == 1 && l.entries == 6 && l.time == 1796511600 && l.mounts.n_entries == 2 &&
           l.mounts.n_notes == 3 && l.incomplete == NULL,
       "the last line of the log parses: pid, counts, time, mounts (%s)", err.msg);
    ok(wh_cli_reverify_fsm_expected_root(&img, &l, &a, &root, &err) == WH_OK &&
           strcmp(root, clean) == 0,
       "untouched tree: the image's manifest with the mounts applied has the line's root");
    ok(parse(line(actual_root(0777, &a), MOUNTS, &a), &a, &l, &err) == WH_OK &&
           wh_cli_reverify_fsm_expected_root(&img, &l, &a, &root, &err) == WH_OK &&
           strcmp(root, l.root) != 0,
       "./etc made world-writable (a directory above a mount the image has): differs");
    ok(parse(line(clean, "./run type=dir mode=0755 uid=0 gid=0\\n#skipped ./etc/hosts\\n", &a), &a,
             &l, &err) == WH_OK &&
           wh_cli_reverify_fsm_expected_root(&img, &l, &a, &root, &err) == WH_E_INVALID &&
           strstr(err.msg, "not above a mount point") != NULL,
       "a directory in mounts that is above no mount point is refused: %s", err.msg);
    ok(parse(
           line(clean, "#skipped ./etc/hosts\\n#skipped ./proc\\n#skipped ./run/secrets/sa\\n", &a),
           &a, &l, &err) == WH_OK &&
           wh_cli_reverify_fsm_expected_root(&img, &l, &a, &root, &err) == WH_OK &&
           strcmp(root, clean) != 0,
       "mounts without the directories the runtime made: ./run is unexpected, roots differ");
    wh_arena_fini(&a);
}

static void
refused(const char *text, enum wh_err code, const char *msg, const char *name)
{
    struct wh_arena a;
    struct wh_reverify_fsm_line l;
    struct wh_error err = {0};

    wh_arena_init(&a);
    ok(parse(text, &a, &l, &err) == code && strstr(err.msg, msg) != NULL, "%s: %s", name, err.msg);
    wh_arena_fini(&a);
}

#define R "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define HEAD "{\"driftgate\":\"fsm/v1\",\"time\":\"2026-12-05T23:00:00Z\",\"pid\":1,"

static void
test_refused(void)
{
    static char big[WH_REVERIFY_FSM_LOG_MAX + 2];
    struct wh_arena a;
    struct wh_reverify_fsm_line l;
    struct wh_error err = {0};

    refused("", WH_E_NOT_FOUND, "no fingerprint line", "an empty log");
    refused("\n\n", WH_E_NOT_FOUND, "no fingerprint line", "only newlines");
    memset(big, 'x', sizeof(big) - 1);
    refused(big, WH_E_LIMIT, "limit 65536", "a log over the bound");
    refused("{\"driftgate\":", WH_E_INVALID, "not a JSON object", "truncated JSON");
    refused("[1]", WH_E_INVALID, "not a JSON object", "an array");
    refused(HEAD "\"error\":\"x\",\"root\":\"" R "\"}", WH_E_INVALID, "other members",
            "an error line that also claims a root");
    refused(HEAD "\"root\":\"" R "\",\"entries\":1,\"changed\":0,\"unreadable\":0,\"mounts\":"
                 "\"\",\"clean\":true}",
            WH_E_INVALID, "unknown member \"clean\"", "an unknown member");
    refused("{\"driftgate\":\"fsm/v2\",\"time\":\"2026-12-05T23:00:00Z\",\"pid\":1}", WH_E_INVALID,
            "not a driftgate fsm/v1 line", "another format");
    refused("{\"driftgate\":\"fsm/v1\",\"time\":\"yesterday\",\"pid\":1}", WH_E_INVALID,
            "time is not", "a time that is not RFC 3339 UTC");
    refused(HEAD "\"root\":\"sha256:00\",\"entries\":1,\"changed\":0,\"unreadable\":0,"
                 "\"mounts\":\"\"}",
            WH_E_INVALID, "root is not sha256", "a short root");
    refused(HEAD "\"root\":\"" R "\",\"entries\":-1,\"changed\":0,\"unreadable\":0,\"mounts\":"
                 "\"\"}",
            WH_E_INVALID, "not a count", "a negative count");
    refused(HEAD "\"root\":\"" R "\",\"entries\":1,\"changed\":0,\"unreadable\":0}", WH_E_INVALID,
            "mounts is not a string", "no mounts member");
    refused(HEAD "\"root\":\"" R "\",\"entries\":1,\"changed\":0,\"unreadable\":0,\"mounts\":"
                 "\"#skipped ./b\\n#skipped ./a\\n\"}",
            WH_E_INVALID, "mounts", "mounts out of canonical order");
    refused(HEAD "\"root\":\"" R "\",\"entries\":1,\"changed\":0,\"unreadable\":0,\"mounts\":"
                 "\"./x type=fifo mode=0644 uid=0 gid=0\\n#skipped ./x/y\\n\"}",
            WH_E_INVALID, "not a directory", "a FIFO among the mount directories");
    refused(HEAD "\"root\":\"" R "\",\"entries\":1,\"changed\":0,\"unreadable\":0,\"mounts\":"
                 "\"#changed ./x\\n\"}",
            WH_E_INVALID, "not a #skipped mount", "a #changed note in mounts");
    refused(HEAD "\"root\":\"" R "\",\"entries\":1,\"changed\":0,\"unreadable\":0,\"mounts\":"
                 "\"#skipped .\\n\"}",
            WH_E_INVALID, "not a #skipped mount", "the root itself skipped");
    wh_arena_init(&a);
    ok(parse(HEAD "\"error\":\"process 1: gone\"}", &a, &l, &err) == WH_OK && l.error != NULL &&
           l.root == NULL,
       "an error line parses as an error, with no root");
    ok(parse(HEAD "\"root\":\"" R "\",\"entries\":1,\"changed\":2,\"unreadable\":0,\"mounts\":"
                  "\"\",\"incomplete\":\"entries 100\"}",
             &a, &l, &err) == WH_OK &&
           l.changed == 2 && strcmp(l.incomplete, "entries 100") == 0,
       "counts and the incomplete reason are kept for the finding");
    wh_arena_fini(&a);
}

static struct wh_kube_container
ctr(const char *name, long index, int64_t uid)
{
    struct wh_kube_container c;

    memset(&c, 0, sizeof(c));
    c.field = "containers";
    c.name = name;
    c.index = index;
    c.spec_image = "reg/app@" R;
    c.digest = R;
    c.run_as_user = uid;
    c.run_as_group = WH_KUBE_UID_UNSET;
    return c;
}

static void
test_patch(void)
{
    struct wh_kube_container app = ctr("app", 0, 1000), side = ctr("side", 2, 1001);
    struct wh_buf b;
    json_t *root, *c, *sc;

    wh_buf_init(&b, 1u << 20);
    wh_cli_reverify_fsm_patch(&app, "reg/driftgate@" R, 300, &b);
    root = json_loadb(b.ptr, b.len, 0, NULL);
    c = json_array_get(json_object_get(json_object_get(root, "spec"), "ephemeralContainers"), 0);
    sc = json_object_get(c, "securityContext");
    ok(json_object_size(json_object_get(root, "spec")) == 1 &&
           strcmp(json_string_value(json_object_get(c, "name")), WH_REVERIFY_FSM_NAME) == 0 &&
           strcmp(json_string_value(json_object_get(c, "targetContainerName")), "app") == 0 &&
           json_object_get(c, "resources") == NULL,
       "a strategic merge patch of spec.ephemeralContainers: one container, named, targeted");
    ok(json_integer_value(json_object_get(sc, "runAsUser")) == 1000 &&
           json_is_true(json_object_get(sc, "runAsNonRoot")) &&
           json_is_false(json_object_get(sc, "allowPrivilegeEscalation")) &&
           json_is_true(json_object_get(sc, "readOnlyRootFilesystem")) &&
           json_object_get(sc, "runAsGroup") == NULL &&
           strcmp(json_string_value(json_array_get(
                      json_object_get(json_object_get(sc, "capabilities"), "drop"), 0)),
                  "ALL") == 0 &&
           strcmp(json_string_value(json_object_get(json_object_get(sc, "seccompProfile"), "type")),
                  "RuntimeDefault") == 0,
       "as the target's UID, no capabilities, no escalation, read-only root, RuntimeDefault");
    json_decref(root);
    b.len = 0;
    side.run_as_group = 3000;
    wh_cli_reverify_fsm_patch(&side, "reg/driftgate@" R, 300, &b);
    root = json_loadb(b.ptr, b.len, 0, NULL);
    c = json_array_get(json_object_get(json_object_get(root, "spec"), "ephemeralContainers"), 0);
    sc = json_object_get(c, "securityContext");
    ok(strcmp(json_string_value(json_object_get(c, "name")), WH_REVERIFY_FSM_NAME "-2") == 0 &&
           strcmp(json_string_value(json_object_get(c, "targetContainerName")), "side") == 0 &&
           json_integer_value(json_object_get(sc, "runAsUser")) == 1001 &&
           json_integer_value(json_object_get(sc, "runAsGroup")) == 3000,
       "spec.containers[2]: its own fingerprint container (-2), targeting it, as its UID and GID");
    json_decref(root);
    wh_buf_fini(&b);
}

/* Which containers are fingerprinted, and which UIDs refuse one (no PATCH is made). */
static void
test_targets(void)
{
    struct wh_arena a;
    struct wh_kube_pod p;
    struct wh_kube_container c = ctr("app", 1, 1000);
    const char *m;

    wh_arena_init(&a);
    memset(&p, 0, sizeof(p));
    p.namespace_ = "ns";
    p.name = "web";
    ok(wh_cli_reverify_fsm_wanted(&c) && wh_cli_reverify_fsm_refusal(&p, &c, &a) == NULL,
       "spec.containers[1] with a digest and a non-root UID: fingerprinted");
    c.field = "initContainers";
    ok(!wh_cli_reverify_fsm_wanted(&c), "an init container (exited before the pod runs): not");
    c.field = "ephemeralContainers";
    ok(!wh_cli_reverify_fsm_wanted(&c), "an ephemeral container: not");
    c = ctr("app", -1, 1000);
    ok(!wh_cli_reverify_fsm_wanted(&c), "a status with no spec entry: not");
    c = ctr("app", 0, 1000);
    c.digest = NULL;
    ok(!wh_cli_reverify_fsm_wanted(&c), "no registry digest (nothing to compare with): not");
    c = ctr("app", 3, 0);
    m = wh_cli_reverify_fsm_refusal(&p, &c, &a);
    ok(m != NULL && strstr(m, "pod ns/web container app: it runs as UID 0") != NULL &&
           strstr(m, "Pod Security restricted") != NULL &&
           strstr(m, "securityContext.runAsUser") != NULL &&
           strstr(m, "driftgate fsm dir --pid") != NULL,
       "UID 0: refused, naming the pod, the container and what to do (%s)", m);
    c.run_as_user = WH_KUBE_UID_UNSET;
    m = wh_cli_reverify_fsm_refusal(&p, &c, &a);
    ok(m != NULL && strstr(m, "container app: the UID it runs as is not in the pod spec") != NULL,
       "UID unknown: refused (%s)", m);
    wh_arena_fini(&a);
}

/* Which manifest a running root is compared with: the attested one when the engine proved one by
 * a listed signer; never the layers in its place where the policy requires an attestation. */
static void
test_source(void)
{
    struct wh_arena a;
    struct wh_reverify_fsm_evidence e;
    const char *why = NULL;
    const char *img = "reg/app@" R;

    wh_arena_init(&a);
    memset(&e, 0, sizeof(e));
    e.rule = "app";
    ok(wh_cli_reverify_fsm_source(&e, img, &a, &why) == WH_REVERIFY_FSM_COMPUTED &&
           strstr(why, "computed from the layers of reg/app@") != NULL &&
           strstr(why, "rule app has no attestations.fsManifest") != NULL,
       "no fsManifest in the rule: computed from the layers, saying so (%s)", why);
    e.required = e.must_attest = true;
    ok(wh_cli_reverify_fsm_source(&e, img, &a, &why) == WH_REVERIFY_FSM_REFUSED &&
           strstr(why, "rule app requires a verified fs-manifest attestation") != NULL &&
           strstr(why, "driftgate fsm attest reg/app@") != NULL,
       "required and missing: not compared (fail closed), what to do (%s)", why);
    e.must_attest = false;
    ok(wh_cli_reverify_fsm_source(&e, img, &a, &why) == WH_REVERIFY_FSM_COMPUTED &&
           strstr(why, "required: false") != NULL,
       "required: false and missing: the layers, saying why (%s)", why);
    e.must_attest = true;
    e.root = R;
    e.signer = "ci-key";
    e.signer_listed = true;
    ok(wh_cli_reverify_fsm_source(&e, img, &a, &why) == WH_REVERIFY_FSM_ATTESTED &&
           strstr(why, "attested by ci-key") != NULL,
       "a proved attestation by a listed signer: the attested manifest (%s)", why);
    e.signer_listed = false;
    ok(wh_cli_reverify_fsm_source(&e, img, &a, &why) == WH_REVERIFY_FSM_REFUSED,
       "wrong signer (not in fsManifest.signedBy): not compared");
    e.signer_listed = true;
    e.required = false;
    ok(wh_cli_reverify_fsm_source(&e, img, &a, &why) == WH_REVERIFY_FSM_COMPUTED,
       "a root with no fsManifest rule (no signer list to check it against): not used");
    e.required = true;
    e.root = e.signer = NULL;
    e.detail = "attested root sha256:1, computed sha256:2 from the image's layers";
    e.must_attest = false;
    ok(wh_cli_reverify_fsm_source(&e, img, &a, &why) == WH_REVERIFY_FSM_REFUSED &&
           strstr(why, "does not prove its filesystem (attested root sha256:1") != NULL,
       "a verified attestation that does not prove (replay, tampered text): not compared, even "
       "with required: false (%s)",
       why);
    wh_arena_fini(&a);
}

int
main(void)
{
    test_compare();
    test_refused();
    test_patch();
    test_targets();
    test_source();
    return done_testing();
}
