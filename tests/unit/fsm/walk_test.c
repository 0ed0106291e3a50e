/* fsm/walk.c: mountinfo parsing, and the walk of a hostile tree (symlinks, FIFOs, devices). */
#include "fsm/walk.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/arena.h"
#include "unit/harness.h"

static void
test_mountinfo(void)
{
    const char *text = "22 1 0:21 / / rw,relatime - overlay overlay rw,lowerdir=/l\n"
                       "23 22 0:22 / /proc rw - proc proc rw\n"
                       "24 22 8:1 /etc/hosts /etc/hosts rw - ext4 /dev/sda1 rw\n"
                       "25 22 8:1 /v /data/my\\040vol rw - ext4 /dev/sda1 rw\n"
                       "26 22 0:23 / /proc rw - proc proc rw\n";
    struct wh_arena a;
    const char **points;
    size_t n;
    long root;
    struct wh_error err;

    wh_arena_init(&a);
    ok(wh_fsm_mountinfo_parse(wh_str_c(text), 100, &a, &points, &n, &root, &err) == WH_OK, "parse");
    ok(root == 22 && n == 3 && strcmp(points[0], "./data/my vol") == 0 &&
           strcmp(points[1], "./etc/hosts") == 0 && strcmp(points[2], "./proc") == 0,
       "mount points unescaped, sorted, de-duplicated; root id 22");
    ok(wh_fsm_mountinfo_parse(wh_str_c("x y\n"), 100, &a, &points, &n, &root, &err) == WH_E_INVALID,
       "malformed line: %s", err.msg);
    ok(wh_fsm_mountinfo_parse(wh_str_c(text), 2, &a, &points, &n, &root, &err) == WH_E_LIMIT,
       "line cap: %s", err.msg);
    wh_arena_fini(&a);
}

static void
test_hostile_tree(void)
{
    char dir[] = "/tmp/fsm-walk-XXXXXX", path[256];
    struct wh_fsm_walk_options o;
    struct wh_fsm_manifest m;
    struct wh_arena a;
    struct wh_error err;
    const struct wh_fsm_entry *e;
    FILE *f;

    if (mkdtemp(dir) == NULL) {
        ok(0, "mkdtemp");
        return;
    }
    snprintf(path, sizeof(path), "%s/etc", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/etc/conf", dir);
    f = fopen(path, "w");
    fputs("k=v\n", f);
    fclose(f);
    snprintf(path, sizeof(path), "%s/escape", dir);
    if (symlink("/", path) != 0)
        ok(0, "symlink");
    snprintf(path, sizeof(path), "%s/etc/fifo", dir);
    mkfifo(path, 0644);
    wh_arena_init(&a);
    memset(&o, 0, sizeof(o));
    o.root = dir;
    ok(wh_fsm_walk(&o, &a, &m, &err) == WH_OK, "walk");
    ok(m.n_entries == 5, "., etc, etc/conf, etc/fifo, escape: %zu entries", m.n_entries);
    ok((e = wh_fsm_manifest_find(&m, "./escape")) != NULL && e->type == WH_FSM_LINK &&
           strcmp(e->link, "/") == 0,
       "a symlink to / is recorded, not followed");
    ok((e = wh_fsm_manifest_find(&m, "./etc/fifo")) != NULL && e->type == WH_FSM_FIFO,
       "a FIFO is recorded (a read of it would block the walk)");
    ok((e = wh_fsm_manifest_find(&m, "./etc/conf")) != NULL && e->has_sha256 && e->size == 4,
       "a regular file is hashed");
    o.limits.max_entries = 2;
    ok(wh_fsm_walk(&o, &a, &m, &err) == WH_OK && m.n_notes == 1 &&
           m.notes[0].kind == WH_FSM_NOTE_INCOMPLETE,
       "the entry cap stops the walk with an #incomplete note");
    o.limits.max_entries = 0;
    o.root = "/nonexistent/fsm";
    ok(wh_fsm_walk(&o, &a, &m, &err) == WH_E_UNAVAILABLE && strstr(err.msg, "/nonexistent") != NULL,
       "an unopenable root is an error naming it: %s", err.msg);
    wh_arena_fini(&a);
    snprintf(path, sizeof(path), "rm -rf '%s'", dir);
    if (strncmp(dir, "/tmp/fsm-walk-", 14) == 0) {
        snprintf(path, sizeof(path), "%s/etc/conf", dir);
        unlink(path);
        snprintf(path, sizeof(path), "%s/etc/fifo", dir);
        unlink(path);
        snprintf(path, sizeof(path), "%s/escape", dir);
        unlink(path);
        snprintf(path, sizeof(path), "%s/etc", dir);
        rmdir(path);
        rmdir(dir);
    }
}

int
main(void)
{
    test_mountinfo();
    test_hostile_tree();
    return done_testing();
}
