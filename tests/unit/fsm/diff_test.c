/* fsm/diff.c: findings and tiers (blockOn, mutablePaths, mounts, incomplete scans). */
#include "fsm/diff.h"

#include "base/arena.h"
#include "unit/harness.h"

static struct wh_fsm_manifest
load(const char *text, struct wh_arena *a)
{
    struct wh_fsm_manifest m;
    struct wh_error err;

    if (wh_fsm_manifest_parse(wh_str_c(text), 100, a, &m, &err) != WH_OK) {
        printf("# bad test manifest: %s\n", err.msg);
        memset(&m, 0, sizeof(m));
    }
    return m;
}

static const struct wh_fsm_finding *
find(const struct wh_fsm_finding *f, size_t n, enum wh_fsm_kind k, const char *path)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (f[i].kind == k && strcmp(f[i].path, path) == 0)
            return &f[i];
    return NULL;
}

#define H "#driftgate-fsm v1 sha256\n"
#define SHA_A "sha256=1111111111111111111111111111111111111111111111111111111111111111"
#define SHA_B "sha256=2222222222222222222222222222222222222222222222222222222222222222"

static void
test_tiers(void)
{
    static const char *const mutable[] = {"/tmp", "/var/cache/*"};
    struct wh_fsm_rules strict = {mutable, 2,
                                  WH_FSM_BLOCK_EXEC | WH_FSM_BLOCK_SETUID | WH_FSM_BLOCK_CAPS |
                                      WH_FSM_BLOCK_OWNER};
    struct wh_fsm_rules lax = {mutable, 2, 0};
    struct wh_arena a;
    struct wh_fsm_manifest exp, act;
    struct wh_fsm_finding *f;
    const struct wh_fsm_finding *x;
    size_t n;

    wh_arena_init(&a);
    exp = load(H ". type=dir mode=0755 uid=0 gid=0\n"
                 "./bin type=dir mode=0755 uid=0 gid=0\n"
                 "./bin/app type=file mode=0755 uid=0 gid=0 size=1 " SHA_A "\n"
                 "./etc type=dir mode=0755 uid=0 gid=0\n"
                 "./etc/conf type=file mode=0644 uid=0 gid=0 size=1 " SHA_A "\n"
                 "./etc/hosts type=file mode=0644 uid=0 gid=0 size=1 " SHA_A "\n"
                 "./gone type=file mode=0644 uid=0 gid=0 size=1 " SHA_A "\n"
                 "./l type=link uid=0 gid=0 link=bin/app\n"
                 "./tmp type=dir mode=1777 uid=0 gid=0\n",
               &a);
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
                 "#skipped ./etc/hosts\n",
               &a);
    wh_fsm_diff(&exp, &act, &strict, &a, &f, &n);
    ok((x = find(f, n, WH_FSM_D_SETUID, "./bin/app")) != NULL && x->tier == WH_FSM_TIER_BLOCK,
       "setuid added blocks with blockOn setuid");
    ok((x = find(f, n, WH_FSM_D_CONTENT, "./bin/app")) != NULL && x->tier == WH_FSM_TIER_BLOCK,
       "a changed executable blocks with blockOn exec");
    ok((x = find(f, n, WH_FSM_D_OWNER, "./etc/conf")) != NULL && x->tier == WH_FSM_TIER_BLOCK &&
           strstr(x->detail, "0:0 -> 1000:0") != NULL,
       "owner change blocks: %s", x != NULL ? x->detail : "");
    ok((x = find(f, n, WH_FSM_D_CAPS, "./etc/conf")) != NULL && x->tier == WH_FSM_TIER_BLOCK,
       "capability added blocks");
    ok((x = find(f, n, WH_FSM_D_MISSING, "./gone")) != NULL && x->tier == WH_FSM_TIER_WARN,
       "missing file warns");
    ok((x = find(f, n, WH_FSM_D_LINK, "./l")) != NULL && x->tier == WH_FSM_TIER_WARN,
       "retargeted symlink warns");
    ok((x = find(f, n, WH_FSM_D_ADDED, "./tmp/new")) != NULL && x->tier == WH_FSM_TIER_IGNORE &&
           strstr(x->why, "/tmp") != NULL,
       "new file in a mutable path is ignored");
    ok((x = find(f, n, WH_FSM_D_ADDED, "./tmp/x")) != NULL && x->tier == WH_FSM_TIER_BLOCK,
       "a new executable in a mutable path still blocks");
    ok(find(f, n, WH_FSM_D_MISSING, "./etc/hosts") == NULL &&
           (x = find(f, n, WH_FSM_D_MOUNT, "./etc/hosts")) != NULL && x->tier == WH_FSM_TIER_IGNORE,
       "a path under another mount is not missing, one ignore finding says so");
    ok((x = find(f, n, WH_FSM_D_ADDED, "./var")) != NULL && x->tier == WH_FSM_TIER_WARN,
       "new directory outside mutable paths warns");
    wh_fsm_diff(&exp, &act, &lax, &a, &f, &n);
    ok((x = find(f, n, WH_FSM_D_SETUID, "./bin/app")) != NULL && x->tier == WH_FSM_TIER_WARN &&
           (x = find(f, n, WH_FSM_D_ADDED, "./tmp/x")) != NULL && x->tier == WH_FSM_TIER_WARN,
       "without blockOn the same findings warn");
    wh_fsm_diff(&exp, &exp, &strict, &a, &f, &n);
    ok(n == 0, "a manifest against itself: no findings");
    wh_arena_fini(&a);
}

static void
test_scan_notes(void)
{
    struct wh_arena a;
    struct wh_fsm_manifest exp, act;
    struct wh_fsm_finding *f;
    const struct wh_fsm_finding *x;
    size_t n;

    wh_arena_init(&a);
    exp = load(H ". type=dir mode=0755 uid=0 gid=0\n"
                 "./root type=dir mode=0700 uid=0 gid=0\n"
                 "./root/secret type=file mode=0600 uid=0 gid=0 size=1 " SHA_A "\n",
               &a);
    act = load(H ". type=dir mode=0755 uid=0 gid=0\n"
                 "./root type=dir mode=0700 uid=0 gid=0\n"
                 "#incomplete entries\\040limit\\0402\n"
                 "#unreadable ./root\n",
               &a);
    wh_fsm_diff(&exp, &act, NULL, &a, &f, &n);
    ok((x = find(f, n, WH_FSM_D_SCAN, "./root/secret")) != NULL && x->tier == WH_FSM_TIER_WARN,
       "under an unreadable directory: not checked (warn), not missing");
    ok((x = find(f, n, WH_FSM_D_SCAN, "entries limit 2")) != NULL && x->tier == WH_FSM_TIER_BLOCK,
       "an incomplete scan blocks");
    wh_arena_fini(&a);
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
    return done_testing();
}
