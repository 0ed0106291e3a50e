/* Expected vs actual filesystem manifests: findings and their tiers (fsm/diff.h). */
#include "fsm/diff.h"

#include <fnmatch.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {"added", "missing", "content", "type", "mode", "setuid",
                                         "owner", "caps",    "link",    "scan", "mount"};
static const char *const tier_names[] = {"block", "warn", "ignore"};

const char *
wh_fsm_kind_name(enum wh_fsm_kind k)
{
    return (unsigned)k < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[k] : "?";
}

const char *
wh_fsm_tier_name(enum wh_fsm_tier t)
{
    return (unsigned)t < 3 ? tier_names[t] : "?";
}

/* Calls fn on `path` and then each ancestor ("/a/b", "/a", "/"; "./a/b", "./a", "."), until
 * it returns true. `path` is copied into a heap buffer. */
static bool
any_prefix(const char *path, bool (*fn)(const void *, const char *), const void *arg)
{
    size_t len = strlen(path);
    char *buf = malloc(len + 1);
    bool hit = false;

    if (buf == NULL)
        wh_oom();
    memcpy(buf, path, len + 1);
    for (;;) {
        char *slash;
        if ((hit = fn(arg, buf)))
            break;
        slash = strrchr(buf, '/');
        if (slash == NULL || (slash == buf && buf[1] == '\0'))
            break;
        slash[slash == buf ? 1 : 0] = '\0';
    }
    free(buf);
    return hit;
}

struct glob_hit {
    const struct wh_fsm_rules *rules;
    const char *hit;
};

static bool
glob_matches(const void *arg, const char *path)
{
    struct glob_hit *g = (struct glob_hit *)(uintptr_t)arg;
    size_t i;

    for (i = 0; i < g->rules->n_mutable_paths; i++) {
        if (fnmatch(g->rules->mutable_paths[i], path, FNM_PATHNAME) == 0) {
            g->hit = g->rules->mutable_paths[i];
            return true;
        }
    }
    return false;
}

const char *
wh_fsm_mutable_match(const struct wh_fsm_rules *rules, const char *path)
{
    struct glob_hit g = {rules, NULL};

    if (rules == NULL || rules->n_mutable_paths == 0)
        return NULL;
    (void)any_prefix(path, glob_matches, &g);
    return g.hit;
}

struct differ {
    const struct wh_fsm_rules *rules;
    const struct wh_fsm_manifest *actual;
    struct wh_arena *a;
    struct wh_fsm_finding *out;
    size_t n, alloc;
};

static const char *
absolute(const char *path)
{
    return path[1] == '\0' ? "/" : path + 1; /* "." → "/", "./x" → "/x" */
}

static void
add(struct differ *d, enum wh_fsm_kind kind, const char *path, const char *detail)
{
    struct wh_fsm_finding *f;
    const char *glob;
    unsigned flag = 0;

    if (d->n == d->alloc) {
        d->alloc = d->alloc == 0 ? 32 : d->alloc * 2;
        d->out = wh_arena_grow(d->a, d->out, d->n, d->alloc, sizeof(*d->out));
    }
    f = &d->out[d->n++];
    f->kind = kind;
    f->path = path;
    f->detail = detail;
    f->tier = WH_FSM_TIER_WARN;
    f->why = "default";
    if (kind == WH_FSM_D_SETUID)
        flag = WH_FSM_BLOCK_SETUID;
    else if (kind == WH_FSM_D_CAPS)
        flag = WH_FSM_BLOCK_CAPS;
    else if (kind == WH_FSM_D_OWNER)
        flag = WH_FSM_BLOCK_OWNER;
    if (flag != 0) {
        if (d->rules->block_on & flag) {
            f->tier = WH_FSM_TIER_BLOCK;
            f->why = wh_arena_sprintf(d->a, "runtime.blockOn: %s", kind_names[kind]);
        }
        return; /* mutable paths do not lower these */
    }
    if (kind == WH_FSM_D_MOUNT) {
        f->tier = WH_FSM_TIER_IGNORE;
        f->why = "another mount";
        return;
    }
    if (kind == WH_FSM_D_SCAN)
        return;
    glob = wh_fsm_mutable_match(d->rules, absolute(path));
    if (glob != NULL) {
        f->tier = WH_FSM_TIER_IGNORE;
        f->why = wh_arena_sprintf(d->a, "runtime.mutablePaths: %s", glob);
    }
}

/* A new or changed executable: blockOn exec decides, in mutable paths too. */
static void
add_exec(struct differ *d, enum wh_fsm_kind kind, const char *path, const char *detail)
{
    struct wh_fsm_finding *f;

    add(d, kind, path, wh_arena_sprintf(d->a, "%s (executable)", detail));
    f = &d->out[d->n - 1];
    if (d->rules->block_on & WH_FSM_BLOCK_EXEC) {
        f->tier = WH_FSM_TIER_BLOCK;
        f->why = "runtime.blockOn: exec";
    } else {
        f->tier = WH_FSM_TIER_WARN;
        f->why = "executable";
    }
}

static bool
is_exec(const struct wh_fsm_entry *e)
{
    return e->type == WH_FSM_FILE && (e->mode & 0111) != 0;
}

struct note_key {
    const struct wh_fsm_manifest *m;
    enum wh_fsm_note_kind kind;
};

static int
cmp_note_key(const void *key, const void *elt)
{
    const struct wh_fsm_note *k = key, *n = elt;

    if (k->kind != n->kind)
        return k->kind < n->kind ? -1 : 1;
    return strcmp(k->path, n->path);
}

static bool
has_note(const void *arg, const char *path)
{
    const struct note_key *k = arg;
    struct wh_fsm_note probe = {k->kind, path};

    return bsearch(&probe, k->m->notes, k->m->n_notes, sizeof(*k->m->notes), cmp_note_key) != NULL;
}

/* Whether a note of `kind` names `path` or one of its directories (notes are sorted). */
static bool
note_covers(const struct wh_fsm_manifest *m, enum wh_fsm_note_kind kind, const char *path)
{
    struct note_key k = {m, kind};

    return m->n_notes > 0 && any_prefix(path, has_note, &k);
}

static void
added(struct differ *d, const struct wh_fsm_entry *e)
{
    const char *what = wh_arena_sprintf(d->a, "unexpected %s, mode %04o, owner %llu:%llu",
                                        wh_fsm_type_name(e->type), (unsigned)e->mode,
                                        (unsigned long long)e->uid, (unsigned long long)e->gid);

    if (note_covers(d->actual, WH_FSM_NOTE_CHANGED, e->path) && e->type == WH_FSM_DIR)
        return;
    if (is_exec(e))
        add_exec(d, WH_FSM_D_ADDED, e->path, what);
    else
        add(d, WH_FSM_D_ADDED, e->path, what);
    if (e->type == WH_FSM_FILE && (e->mode & 06000))
        add(d, WH_FSM_D_SETUID, e->path,
            wh_arena_sprintf(d->a, "new file with mode %04o", e->mode));
    if (e->n_caps > 0)
        add(d, WH_FSM_D_CAPS, e->path, "new file with file capabilities");
}

static void
missing(struct differ *d, const struct wh_fsm_entry *e)
{
    if (note_covers(d->actual, WH_FSM_NOTE_SKIPPED, e->path))
        return; /* under another mount: one mount finding says so */
    if (note_covers(d->actual, WH_FSM_NOTE_UNREADABLE, e->path)) {
        add(d, WH_FSM_D_SCAN, e->path, "not checked: under an unreadable directory");
        return;
    }
    if (note_covers(d->actual, WH_FSM_NOTE_CHANGED, e->path)) {
        add(d, WH_FSM_D_SCAN, e->path, "not checked: removed while the scan ran");
        return;
    }
    add(d, WH_FSM_D_MISSING, e->path,
        wh_arena_sprintf(d->a, "expected %s is missing", wh_fsm_type_name(e->type)));
}

static bool
caps_equal(const struct wh_fsm_entry *x, const struct wh_fsm_entry *y)
{
    return x->n_caps == y->n_caps && (x->n_caps == 0 || memcmp(x->caps, y->caps, x->n_caps) == 0);
}

static void
compare_mode(struct differ *d, const struct wh_fsm_entry *x, const struct wh_fsm_entry *y)
{
    uint32_t suid_added = (y->mode & 06000) & ~(x->mode & 06000);

    if (suid_added != 0)
        add(d, WH_FSM_D_SETUID, y->path,
            wh_arena_sprintf(d->a, "mode %04o -> %04o", (unsigned)x->mode, (unsigned)y->mode));
    if ((x->mode & 01777) != (y->mode & 01777) || ((x->mode & 06000) & ~(y->mode & 06000))) {
        const char *detail =
            wh_arena_sprintf(d->a, "mode %04o -> %04o", (unsigned)x->mode, (unsigned)y->mode);
        if (y->type == WH_FSM_FILE && (y->mode & 0111 & ~x->mode) != 0)
            add_exec(d, WH_FSM_D_MODE, y->path, detail);
        else
            add(d, WH_FSM_D_MODE, y->path, detail);
    }
}

static void
compare(struct differ *d, const struct wh_fsm_entry *x, const struct wh_fsm_entry *y)
{
    if (x->type != y->type) {
        const char *detail = wh_arena_sprintf(d->a, "%s -> %s", wh_fsm_type_name(x->type),
                                              wh_fsm_type_name(y->type));
        if (is_exec(y))
            add_exec(d, WH_FSM_D_TYPE, y->path, detail);
        else
            add(d, WH_FSM_D_TYPE, y->path, detail);
        return;
    }
    if (y->type == WH_FSM_FILE && x->has_sha256 && y->has_sha256 &&
        memcmp(x->sha256, y->sha256, 32) != 0) {
        const char *detail =
            wh_arena_sprintf(d->a, "content changed (size %llu -> %llu)",
                             (unsigned long long)x->size, (unsigned long long)y->size);
        if (is_exec(y))
            add_exec(d, WH_FSM_D_CONTENT, y->path, detail);
        else
            add(d, WH_FSM_D_CONTENT, y->path, detail);
    }
    if (y->type != WH_FSM_LINK)
        compare_mode(d, x, y);
    if (x->uid != y->uid || x->gid != y->gid)
        add(d, WH_FSM_D_OWNER, y->path,
            wh_arena_sprintf(d->a, "owner %llu:%llu -> %llu:%llu", (unsigned long long)x->uid,
                             (unsigned long long)x->gid, (unsigned long long)y->uid,
                             (unsigned long long)y->gid));
    if (!caps_equal(x, y))
        add(d, WH_FSM_D_CAPS, y->path,
            y->n_caps == 0 ? "file capabilities removed" : "file capabilities added or changed");
    if (y->type == WH_FSM_LINK && strcmp(x->link, y->link) != 0)
        add(d, WH_FSM_D_LINK, y->path,
            wh_arena_sprintf(d->a, "symlink retargeted: %s -> %s", x->link, y->link));
}

static void
notes(struct differ *d)
{
    size_t i;

    for (i = 0; i < d->actual->n_notes; i++) {
        const struct wh_fsm_note *n = &d->actual->notes[i];
        struct wh_fsm_finding *f;
        switch (n->kind) {
        case WH_FSM_NOTE_SKIPPED:
            add(d, WH_FSM_D_MOUNT, n->path, "another mount: not compared");
            break;
        case WH_FSM_NOTE_CHANGED:
            add(d, WH_FSM_D_SCAN, n->path, "changed during scan: run the scan again");
            break;
        case WH_FSM_NOTE_UNREADABLE:
            add(d, WH_FSM_D_SCAN, n->path, "unreadable by the scan: content not checked");
            break;
        case WH_FSM_NOTE_INCOMPLETE:
            add(d, WH_FSM_D_SCAN, n->path, "scan incomplete: the absence of drift is not shown");
            f = &d->out[d->n - 1];
            f->tier = WH_FSM_TIER_BLOCK;
            f->why = "incomplete scan";
            break;
        }
    }
}

static int
cmp_finding(const void *p, const void *q)
{
    const struct wh_fsm_finding *x = p, *y = q;
    int c = strcmp(x->path, y->path);

    if (c != 0)
        return c;
    return (int)x->kind - (int)y->kind;
}

void
wh_fsm_diff(const struct wh_fsm_manifest *expected, const struct wh_fsm_manifest *actual,
            const struct wh_fsm_rules *rules, struct wh_arena *a, struct wh_fsm_finding **out,
            size_t *n_out)
{
    static const struct wh_fsm_rules none;
    struct differ d = {rules != NULL ? rules : &none, actual, a, NULL, 0, 0};
    size_t i = 0, j = 0;

    while (i < expected->n_entries || j < actual->n_entries) {
        int c;
        if (i == expected->n_entries)
            c = 1;
        else if (j == actual->n_entries)
            c = -1;
        else
            c = strcmp(expected->entries[i].path, actual->entries[j].path);
        if (c < 0)
            missing(&d, &expected->entries[i++]);
        else if (c > 0)
            added(&d, &actual->entries[j++]);
        else
            compare(&d, &expected->entries[i++], &actual->entries[j++]);
    }
    notes(&d);
    if (d.n > 1)
        qsort(d.out, d.n, sizeof(*d.out), cmp_finding);
    *out = d.out;
    *n_out = d.n;
}
