/* fsm/diff.c: findings and tiers (blockOn, mutablePaths, mounts, incomplete scans). */
#include "fsm/diff.h"

#include "base/arena.h"
#include "unit/harness.h"

/* The manifests and the last diff's findings live in `arena` until main ends. */
static struct wh_arena arena;
static struct wh_fsm_finding *findings;
static size_t n_findings;

static struct wh_fsm_manifest
load(const char *text)
{
    struct wh_fsm_manifest m;
    struct wh_error err;

    if (wh_fsm_manifest_parse(wh_str_c(text), 100, &arena, &m, &err) != WH_OK) {
        printf("# bad test manifest: %s\n", err.msg);
        memset(&m, 0, sizeof(m));
    }
    return m;
}

static void
diff(const struct wh_fsm_manifest *exp, const struct wh_fsm_manifest *act,
     const struct wh_fsm_rules *rules)
{
    wh_fsm_diff(exp, act, rules, &arena, &findings, &n_findings);
}

/* The last diff's finding of kind `k` at `path`, or NULL. */
static const struct wh_fsm_finding *
find(enum wh_fsm_kind k, const char *path)
{
    size_t i;

    for (i = 0; i < n_findings; i++)
        if (findings[i].kind == k && strcmp(findings[i].path, path) == 0)
            return &findings[i];
    return NULL;
}

#define H "#driftgate-fsm v1 sha256\n"
#define SHA_A "sha256=1111111111111111111111111111111111111111111111111111111111111111"
#define SHA_B "sha256=2222222222222222222222222222222222222222222222222222222222222222"

/* A finding the strict rules must give: its kind, path and tier, and what its detail and its
 * why hold (NULL: anything). */
struct tier_case {
    enum wh_fsm_kind kind;
    const char *path;
    enum wh_fsm_tier tier;
    const char *detail, *why, *name;
};

static void
test_tiers(void)
{
    static const struct tier_case want[] = {
        {WH_FSM_D_SETUID, "./bin/app", WH_FSM_TIER_BLOCK, NULL, NULL,
         "setuid added blocks with blockOn setuid"},
        {WH_FSM_D_CONTENT, "./bin/app", WH_FSM_TIER_BLOCK, NULL, NULL,
         "a changed executable blocks with blockOn exec"},
        {WH_FSM_D_OWNER, "./etc/conf", WH_FSM_TIER_BLOCK, "0:0 -> 1000:0", NULL,
         "owner change blocks"},
        {WH_FSM_D_CAPS, "./etc/conf", WH_FSM_TIER_BLOCK, NULL, NULL, "capability added blocks"},
        {WH_FSM_D_MISSING, "./gone", WH_FSM_TIER_WARN, NULL, NULL, "missing file warns"},
        {WH_FSM_D_LINK, "./l", WH_FSM_TIER_WARN, NULL, NULL, "retargeted symlink warns"},
        {WH_FSM_D_ADDED, "./tmp/new", WH_FSM_TIER_IGNORE, NULL, "/tmp",
         "new file in a mutable path is ignored"},
        {WH_FSM_D_ADDED, "./tmp/x", WH_FSM_TIER_BLOCK, NULL, NULL,
         "a new executable in a mutable path still blocks"},
        {WH_FSM_D_ADDED, "./var", WH_FSM_TIER_WARN, NULL, NULL,
         "new directory outside mutable paths warns"},
    };
    static const char *const mutable[] = {"/tmp", "/var/cache/*"};
    struct wh_fsm_rules strict = {mutable, 2,
                                  WH_FSM_BLOCK_EXEC | WH_FSM_BLOCK_SETUID | WH_FSM_BLOCK_CAPS |
                                      WH_FSM_BLOCK_OWNER};
    struct wh_fsm_rules lax = {mutable, 2, 0};
    struct wh_fsm_manifest exp, act;
    const struct wh_fsm_finding *x;

    exp = load(H ". type=dir mode=0755 uid=0 gid=0\n"
                 "./bin type=dir mode=0755 uid=0 gid=0\n"
                 "./bin/app type=file mode=0755 uid=0 gid=0 size=1 " SHA_A "\n"
                 "./etc type=dir mode=0755 uid=0 gid=0\n"
                 "./etc/conf type=file mode=0644 uid=0 gid=0 size=1 " SHA_A "\n"
                 "./etc/hosts type=file mode=0644 uid=0 gid=0 size=1 " SHA_A "\n"
                 "./gone type=file mode=0644 uid=0 gid=0 size=1 " SHA_A "\n"
                 "./l type=link uid=0 gid=0 link=bin/app\n"
                 "./tmp type=dir mode=1777 uid=0 gid=0\n");
    act = load(H ". type=dir mode=0755 uid=0 gid=0\n"
                 "./bin type=dir mode=0755 uid=0 gid=0\n"
                 "./bin/app type=file mode=4755 uid=0 gid=0 size=1 " SHA_B "\n"
                 "./etc type=dir mode=0755 uid=0 gid=0\n"
                 "./etc/conf type=file mode=0644 uid=1000 gid=0 size=1 " SHA_A
                 " xattr.security.capability=01\n"
                 "./l type=link uid=0 gid=0 link=/etc/shadow\n"
                 "./tmp type=dir mode=1777 uid=0 gid=0\n"
                 "./tmp/new type=file mode=0644 uid=0 gid=0 size=1 " SHA_A "\n"
                 "./tmp/x type=file mode=0755 uid=0 gid=0 size=1 " SHA_A "\n"
                 "./var type=dir mode=0755 uid=0 gid=0\n"
                 "#skipped ./etc/hosts\n");
    diff(&exp, &act, &strict);
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        const struct tier_case *c = &want[i];

        x = find(c->kind, c->path);
        ok(x != NULL && x->tier == c->tier &&
               (c->detail == NULL || strstr(x->detail, c->detail) != NULL) &&
               (c->why == NULL || strstr(x->why, c->why) != NULL),
           "%s: %s", c->name, x != NULL ? x->detail : "no finding");
    }
    ok(find(WH_FSM_D_MISSING, "./etc/hosts") == NULL &&
           (x = find(WH_FSM_D_MOUNT, "./etc/hosts")) != NULL && x->tier == WH_FSM_TIER_IGNORE,
       "a path under another mount is not missing, one ignore finding says so");
    diff(&exp, &act, &lax);
    ok((x = find(WH_FSM_D_SETUID, "./bin/app")) != NULL && x->tier == WH_FSM_TIER_WARN &&
           (x = find(WH_FSM_D_ADDED, "./tmp/x")) != NULL && x->tier == WH_FSM_TIER_WARN,
       "without blockOn the same findings warn");
    diff(&exp, &exp, &strict);
    ok(n_findings == 0, "a manifest against itself: no findings");
}

static void
test_scan_notes(void)
{
    struct wh_fsm_manifest exp, act;
    const struct wh_fsm_finding *x;

    exp = load(H ". type=dir mode=0755 uid=0 gid=0\n"
                 "./root type=dir mode=0700 uid=0 gid=0\n"
                 "./root/secret type=file mode=0600 uid=0 gid=0 size=1 " SHA_A "\n");
    act = load(H ". type=dir mode=0755 uid=0 gid=0\n"
                 "./root type=dir mode=0700 uid=0 gid=0\n"
                 "#incomplete entries\\040limit\\0402\n"
                 "#unreadable ./root\n");
    diff(&exp, &act, NULL);
    ok((x = find(WH_FSM_D_SCAN, "./root/secret")) != NULL && x->tier == WH_FSM_TIER_WARN,
       "under an unreadable directory: not checked (warn), not missing");
    ok((x = find(WH_FSM_D_SCAN, "entries limit 2")) != NULL && x->tier == WH_FSM_TIER_BLOCK,
       "an incomplete scan blocks");
}

static void
test_mutable_match(void)
{
    static const char *const globs[] = {"/var/cache/*", "/home/*/.cache"};
    struct wh_fsm_rules r = {globs, 2, 0};

    ok(wh_fsm_mutable_match(&r, "/var/cache/app/x/y") != NULL, "a glob covers a subtree");
    ok(wh_fsm_mutable_match(&r, "/var/cache") == NULL, "but not the directory above");
    ok(wh_fsm_mutable_match(&r, "/home/u/.cache/f") != NULL, "* within one component");
    ok(wh_fsm_mutable_match(&r, "/home/u/v/.cache") == NULL, "* does not cross a slash");
}

int
main(void)
{
    test_tiers();
    test_scan_notes();
    test_mutable_match();
    wh_arena_fini(&arena);
    return done_testing();
}
