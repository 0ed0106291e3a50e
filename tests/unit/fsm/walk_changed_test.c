/*
 * fsm/walk.c's "changed during scan" path, deterministically: this test #includes walk.c with a
 * hook (WH_FSM_WALK_TEST_HOOK) that changes the tree between a file's stat and its read (grown;
 * rewritten at the same size with its mtime put back, which only ctime shows) and removes a file
 * between its directory listing and its lookup. Each must be reported as a #changed note (the
 * entry left unhashed, or absent), never fail the walk, and show in the diff as a scan finding.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void test_hook(const char *stage, const char *path);
#define WH_FSM_WALK_TEST_HOOK(stage, path) test_hook(stage, path)
#include "fsm/walk.c"

#include "fsm/diff.h"
#include "unit/harness.h"

static char root[] = "/tmp/fsm-changed-XXXXXX";
static bool armed;
static int fired;

static const char *
at(const char *rel)
{
    static char buf[512];

    snprintf(buf, sizeof(buf), "%s/%s", root, rel);
    return buf;
}

static void
put(const char *rel, const char *text)
{
    FILE *f = fopen(at(rel), "w");

    if (f != NULL) {
        fputs(text, f);
        fclose(f);
    }
}

/* Sleeps past the kernel's coarse timestamp granularity, so a change gets a later ctime. */
static void
tick(void)
{
    struct timespec ts = {0, 30 * 1000 * 1000};

    nanosleep(&ts, NULL);
}

static void
test_hook(const char *stage, const char *path)
{
    if (!armed)
        return;
    if (strcmp(stage, "read") == 0 && strcmp(path, "./data/grow") == 0) {
        FILE *f = fopen(at("data/grow"), "a");
        if (f != NULL) {
            fputs(" and more", f);
            fclose(f);
            fired++;
        }
    } else if (strcmp(stage, "read") == 0 && strcmp(path, "./data/same") == 0) {
        struct stat st;
        int fd = open(at("data/same"), O_WRONLY);
        if (fd >= 0 && fstat(fd, &st) == 0) {
            struct timespec times[2] = {st.st_atim, st.st_mtim};
            tick();
            /* same size, other bytes, and the old mtime put back: only ctime moves */
            if (pwrite(fd, "XXXX", 4, 0) == 4 && futimens(fd, times) == 0)
                fired++;
        }
        if (fd >= 0)
            close(fd);
    } else if (strcmp(stage, "lookup") == 0 && strcmp(path, "./data/gone") == 0) {
        if (unlink(at("data/gone")) == 0)
            fired++;
    }
}

static bool
has_note(const struct wh_fsm_manifest *m, enum wh_fsm_note_kind kind, const char *path)
{
    for (size_t i = 0; i < m->n_notes; i++)
        if (m->notes[i].kind == kind && strcmp(m->notes[i].path, path) == 0)
            return true;
    return false;
}

static bool
has_finding(const struct wh_fsm_finding *f, size_t n, enum wh_fsm_kind kind, const char *path)
{
    for (size_t i = 0; i < n; i++)
        if (f[i].kind == kind && strcmp(f[i].path, path) == 0 && f[i].tier != WH_FSM_TIER_BLOCK)
            return true;
    return false;
}

int
main(void)
{
    struct wh_fsm_walk_options o;
    struct wh_fsm_manifest before, during;
    struct wh_fsm_rules rules;
    struct wh_fsm_finding *f;
    const struct wh_fsm_entry *e;
    struct wh_arena a;
    struct wh_error err;
    size_t n;

    if (mkdtemp(root) == NULL || mkdir(at("data"), 0755) != 0) {
        ok(0, "temporary tree");
        return done_testing();
    }
    put("data/grow", "grows");
    put("data/same", "same size");
    put("data/gone", "vanishes");
    put("data/steady", "steady");
    wh_arena_init(&a);
    memset(&o, 0, sizeof(o));
    o.root = root;
    ok(wh_fsm_walk(&o, &a, &before, &err) == WH_OK && before.n_notes == 0 && before.n_entries == 6,
       "a quiet walk: 6 entries, no notes");
    tick();
    armed = true;
    ok(wh_fsm_walk(&o, &a, &during, &err) == WH_OK, "a walk whose tree changes under it succeeds");
    armed = false;
    ok(fired == 3, "the hook changed the tree three times (%d)", fired);
    e = wh_fsm_manifest_find(&during, "./data/grow");
    ok(has_note(&during, WH_FSM_NOTE_CHANGED, "./data/grow") && e != NULL && !e->has_sha256,
       "a file that grew between its stat and its read: #changed, entry left unhashed");
    e = wh_fsm_manifest_find(&during, "./data/same");
    ok(has_note(&during, WH_FSM_NOTE_CHANGED, "./data/same") && e != NULL && !e->has_sha256,
       "rewritten at the same size with its mtime put back: ctime shows it, #changed");
    ok(has_note(&during, WH_FSM_NOTE_CHANGED, "./data/gone") &&
           wh_fsm_manifest_find(&during, "./data/gone") == NULL,
       "removed between listing and lookup: #changed, no entry");
    e = wh_fsm_manifest_find(&during, "./data/steady");
    ok(e != NULL && e->has_sha256 && !has_note(&during, WH_FSM_NOTE_CHANGED, "./data/steady") &&
           during.n_notes == 3,
       "an untouched file is hashed; exactly three notes");
    memset(&rules, 0, sizeof(rules));
    rules.block_on =
        WH_FSM_BLOCK_EXEC | WH_FSM_BLOCK_SETUID | WH_FSM_BLOCK_CAPS | WH_FSM_BLOCK_OWNER;
    wh_fsm_diff(&before, &during, &rules, &a, &f, &n);
    ok(has_finding(f, n, WH_FSM_D_SCAN, "./data/grow") &&
           has_finding(f, n, WH_FSM_D_SCAN, "./data/same") &&
           has_finding(f, n, WH_FSM_D_SCAN, "./data/gone"),
       "the diff reports each as a scan finding (not a block), not as a content change");
    ok(!has_finding(f, n, WH_FSM_D_CONTENT, "./data/grow") &&
           !has_finding(f, n, WH_FSM_D_MISSING, "./data/gone"),
       "no content or missing finding is made up from a changing file");
    wh_arena_fini(&a);
    unlink(at("data/grow"));
    unlink(at("data/same"));
    unlink(at("data/steady"));
    rmdir(at("data"));
    rmdir(root);
    return done_testing();
}
