/* The safe walker: the actual manifest of a (possibly hostile) container root. */
#include "fsm/walk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/file.h"

#define MAX_MOUNTINFO (4u << 20)
#define MAX_MOUNTS 100000

struct walker {
    struct wh_fsm_limits lim;
    struct wh_arena *a;
    struct wh_fsm_manifest *m;
    const char **skip; /* sorted mount points */
    size_t n_skip;
    uint64_t root_mnt;
    bool has_mnt_id;
    uint64_t bytes;
    bool stopped; /* entries or time cap hit */
    unsigned char buf[65536];
};

/* ---- mountinfo ---- */

static int
cmp_str(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* Field 5 of a mountinfo line, octal escapes (\040 \011 \012 \134) undone. */
static const char *
unescape_mount(const char *p, size_t n, struct wh_arena *a)
{
    char *out = wh_arena_alloc(a, n + 3);
    size_t i, o = 0;

    out[o++] = '.';
    for (i = 0; i < n; i++) {
        if (p[i] == '\\' && i + 3 < n && p[i + 1] >= '0' && p[i + 1] <= '3' && p[i + 2] >= '0' &&
            p[i + 2] <= '7' && p[i + 3] >= '0' && p[i + 3] <= '7') {
            out[o++] = (char)((p[i + 1] - '0') * 64 + (p[i + 2] - '0') * 8 + (p[i + 3] - '0'));
            i += 3;
        } else {
            out[o++] = p[i];
        }
    }
    out[o] = '\0';
    return out;
}

/* One line: its mount id and mount point (field 5, a manifest path; NULL for "/"). */
static enum wh_err
parse_mount_line(const char *p, const char *eol, size_t line, struct wh_arena *a, long *id,
                 const char **point, struct wh_error *err)
{
    const char *f[5], *q, *sp;
    size_t nf = 0, flen;
    char *stop;

    for (q = p; q < eol && nf < 5;) {
        while (q < eol && *q == ' ')
            q++;
        f[nf++] = q;
        while (q < eol && *q != ' ')
            q++;
    }
    if (nf < 5 || f[4] >= eol)
        return wh_error_set(err, WH_E_INVALID, "mountinfo line %zu: fewer than 5 fields", line);
    *id = strtol(f[0], &stop, 10);
    if (stop == f[0] || *stop != ' ' || *id < 0)
        return wh_error_set(err, WH_E_INVALID, "mountinfo line %zu: bad mount id", line);
    sp = memchr(f[4], ' ', (size_t)(eol - f[4]));
    flen = (size_t)((sp != NULL ? sp : eol) - f[4]);
    if (flen == 0 || f[4][0] != '/')
        return wh_error_set(err, WH_E_INVALID, "mountinfo line %zu: mount point not absolute",
                            line);
    *point = flen == 1 ? NULL : unescape_mount(f[4], flen, a);
    return WH_OK;
}

enum wh_err
wh_fsm_mountinfo_parse(struct wh_str text, size_t max, struct wh_arena *a, const char ***points,
                       size_t *n_points, long *root_id, struct wh_error *err)
{
    const char *p = text.ptr, *end = text.ptr + text.len;
    const char **list = NULL;
    size_t n = 0, alloc = 0, line = 0, i, w;

    *root_id = -1;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *point = NULL;
        long id = 0;
        enum wh_err rc;

        if (eol == NULL)
            eol = end;
        if (++line > max)
            return wh_error_set(err, WH_E_LIMIT, "mountinfo: more than %zu lines", max);
        if ((rc = parse_mount_line(p, eol, line, a, &id, &point, err)) != WH_OK)
            return rc;
        if (point == NULL) {
            *root_id = id;
        } else {
            if (n == alloc) {
                alloc = alloc == 0 ? 16 : alloc * 2;
                list = wh_arena_grow(a, list, n, alloc, sizeof(*list));
            }
            list[n++] = point;
        }
        p = eol + 1;
    }
    if (n > 1)
        qsort(list, n, sizeof(*list), cmp_str);
    for (i = 0, w = 0; i < n; i++)
        if (w == 0 || strcmp(list[w - 1], list[i]) != 0)
            list[w++] = list[i];
    *points = list;
    *n_points = w;
    return WH_OK;
}

/* ---- the walk ---- */

static bool
is_skipped(const struct walker *w, const char *path)
{
    return w->n_skip > 0 && bsearch(&path, w->skip, w->n_skip, sizeof(*w->skip), cmp_str) != NULL;
}

static bool
out_of_time(struct walker *w)
{
    if (w->stopped)
        return true;
    if (w->lim.deadline_ms != 0 && wh_clock_mono_ms() > w->lim.deadline_ms) {
        wh_fsm_manifest_note(w->m, WH_FSM_NOTE_INCOMPLETE,
                             wh_arena_sprintf(w->a, "time limit reached"), w->a);
        w->stopped = true;
    }
    return w->stopped;
}

static enum wh_fsm_type
type_of(mode_t mode)
{
    if (S_ISDIR(mode))
        return WH_FSM_DIR;
    if (S_ISLNK(mode))
        return WH_FSM_LINK;
    if (S_ISCHR(mode))
        return WH_FSM_CHAR;
    if (S_ISBLK(mode))
        return WH_FSM_BLOCK;
    if (S_ISFIFO(mode))
        return WH_FSM_FIFO;
    if (S_ISSOCK(mode))
        return WH_FSM_SOCKET;
    return WH_FSM_FILE;
}

/* Test seam: tests/unit/fsm/walk_changed_test.c #includes this file with a hook that changes the
 * tree at two points ("lookup": before an object is opened; "read": between a regular file's
 * stat and the read of its content), so that "changed during scan" is tested deterministically.
 * Compiled out everywhere else. */
#ifndef WH_FSM_WALK_TEST_HOOK
#define WH_FSM_WALK_TEST_HOOK(stage, path) ((void)0)
#endif

static bool
same_state(const struct statx *a, const struct stat *b)
{
    return a->stx_ino == b->st_ino && (uint64_t)a->stx_size == (uint64_t)b->st_size &&
           a->stx_mtime.tv_sec == b->st_mtim.tv_sec &&
           a->stx_mtime.tv_nsec == (uint32_t)b->st_mtim.tv_nsec &&
           a->stx_ctime.tv_sec == b->st_ctim.tv_sec &&
           a->stx_ctime.tv_nsec == (uint32_t)b->st_ctim.tv_nsec;
}

/* Hashes an open regular file; false on a read error. */
static bool
hash_fd(struct walker *w, int fd, unsigned char out[32])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int len = 0;
    bool good = true;

    if (ctx == NULL)
        wh_oom();
    if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
        good = false;
    while (good) {
        ssize_t r = read(fd, w->buf, sizeof(w->buf));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            good = r == 0;
            break;
        }
        w->bytes += (uint64_t)r;
        if (EVP_DigestUpdate(ctx, w->buf, (size_t)r) != 1)
            good = false;
    }
    if (good && EVP_DigestFinal_ex(ctx, out, &len) != 1)
        good = false;
    EVP_MD_CTX_free(ctx);
    return good;
}

/* Content and capability of a regular file whose O_PATH descriptor is `pfd`. */
static void
read_file(struct walker *w, int pfd, const struct statx *sx, struct wh_fsm_entry *e)
{
    char proc[64];
    struct stat after;
    unsigned char caps[WH_FSM_MAX_CAPS];
    ssize_t nc;
    int fd;

    if (w->bytes + sx->stx_size > w->lim.max_bytes) {
        wh_fsm_manifest_note(w->m, WH_FSM_NOTE_INCOMPLETE,
                             wh_arena_sprintf(w->a, "bytes limit %llu: %s not hashed",
                                              (unsigned long long)w->lim.max_bytes, e->path),
                             w->a);
        return;
    }
    /* Reopening the O_PATH descriptor reaches the very inode that was stat'ed. */
    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
    fd = open(proc, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        wh_fsm_manifest_note(w->m, WH_FSM_NOTE_UNREADABLE, e->path, w->a);
        return;
    }
    if (fstat(fd, &after) != 0 || !S_ISREG(after.st_mode) || after.st_ino != sx->stx_ino) {
        wh_fsm_manifest_note(w->m, WH_FSM_NOTE_CHANGED, e->path, w->a);
        close(fd);
        return;
    }
    nc = fgetxattr(fd, "security.capability", caps, sizeof(caps));
    if (nc > 0) {
        e->caps = wh_arena_memdup(w->a, caps, (size_t)nc);
        e->n_caps = (size_t)nc;
    }
    WH_FSM_WALK_TEST_HOOK("read", e->path);
    if (!hash_fd(w, fd, e->sha256)) {
        wh_fsm_manifest_note(w->m, WH_FSM_NOTE_UNREADABLE, e->path, w->a);
    } else if (fstat(fd, &after) != 0 || !same_state(sx, &after)) {
        wh_fsm_manifest_note(w->m, WH_FSM_NOTE_CHANGED, e->path, w->a);
    } else {
        e->has_sha256 = true;
    }
    close(fd);
}

static void walk_dir(struct walker *w, int pfd, const char *path, size_t depth);

/* One object `name` in directory `dfd`; its path is `path`. */
static void
visit(struct walker *w, int dfd, const char *name, const char *path, size_t depth)
{
    struct statx sx;
    struct wh_fsm_entry e;
    int pfd;

    if (is_skipped(w, path)) {
        wh_fsm_manifest_note(w->m, WH_FSM_NOTE_SKIPPED, path, w->a);
        return;
    }
    if (w->m->n_entries >= w->lim.max_entries) {
        wh_fsm_manifest_note(w->m, WH_FSM_NOTE_INCOMPLETE,
                             wh_arena_sprintf(w->a, "entries limit %zu", w->lim.max_entries), w->a);
        w->stopped = true;
        return;
    }
    WH_FSM_WALK_TEST_HOOK("lookup", path);
    pfd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (pfd < 0) {
        wh_fsm_manifest_note(w->m, errno == ENOENT ? WH_FSM_NOTE_CHANGED : WH_FSM_NOTE_UNREADABLE,
                             path, w->a);
        return;
    }
    if (statx(pfd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS | STATX_MNT_ID,
              &sx) != 0) {
        wh_fsm_manifest_note(w->m, WH_FSM_NOTE_UNREADABLE, path, w->a);
        close(pfd);
        return;
    }
    if (w->has_mnt_id && (sx.stx_mask & STATX_MNT_ID) && sx.stx_mnt_id != w->root_mnt) {
        wh_fsm_manifest_note(w->m, WH_FSM_NOTE_SKIPPED, path, w->a);
        close(pfd);
        return;
    }
    memset(&e, 0, sizeof(e));
    e.path = path;
    e.type = type_of(sx.stx_mode);
    e.mode = sx.stx_mode & 07777;
    e.uid = sx.stx_uid;
    e.gid = sx.stx_gid;
    if (e.type == WH_FSM_FILE) {
        e.size = sx.stx_size;
        read_file(w, pfd, &sx, &e);
    } else if (e.type == WH_FSM_LINK) {
        char target[WH_FSM_MAX_PATH + 1];
        ssize_t n = readlinkat(pfd, "", target, sizeof(target));
        if (n <= 0 || (size_t)n > WH_FSM_MAX_PATH || memchr(target, '\0', (size_t)n) != NULL) {
            wh_fsm_manifest_note(w->m, WH_FSM_NOTE_UNREADABLE, path, w->a);
            close(pfd);
            return;
        }
        e.link = wh_arena_strndup(w->a, target, (size_t)n);
    }
    wh_fsm_manifest_add(w->m, &e, w->a);
    if (e.type == WH_FSM_DIR)
        walk_dir(w, pfd, path, depth + 1);
    close(pfd);
}

static void
walk_dir(struct walker *w, int pfd, const char *path, size_t depth)
{
    DIR *d;
    struct dirent *de;
    int fd;

    if (depth > w->lim.max_depth) {
        wh_fsm_manifest_note(
            w->m, WH_FSM_NOTE_INCOMPLETE,
            wh_arena_sprintf(w->a, "depth limit %zu at %s", w->lim.max_depth, path), w->a);
        return;
    }
    /* "." of an O_PATH directory descriptor: the same directory, opened for reading. */
    fd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || (d = fdopendir(fd)) == NULL) {
        if (fd >= 0)
            close(fd);
        wh_fsm_manifest_note(w->m, WH_FSM_NOTE_UNREADABLE, path, w->a);
        return;
    }
    while (!out_of_time(w) && (de = readdir(d)) != NULL) {
        const char *child;
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        child = wh_arena_sprintf(w->a, "%s/%s", path, de->d_name);
        if (strlen(child) > WH_FSM_MAX_PATH) {
            wh_fsm_manifest_note(w->m, WH_FSM_NOTE_INCOMPLETE,
                                 wh_arena_sprintf(w->a, "path too long under %s", path), w->a);
            continue;
        }
        visit(w, dirfd(d), de->d_name, child, depth);
    }
    closedir(d);
}

static enum wh_err
load_mounts(struct walker *w, int pid, struct wh_error *err)
{
    char path[64];
    struct wh_bytes text;
    long root_id;
    enum wh_err rc;

    snprintf(path, sizeof(path), "/proc/%d/mountinfo", pid);
    if (wh_file_read(path, MAX_MOUNTINFO, w->a, &text, err) != WH_OK)
        return wh_error_wrap(err, "process %d", pid);
    rc = wh_fsm_mountinfo_parse((struct wh_str){(const char *)text.ptr, text.len}, MAX_MOUNTS, w->a,
                                &w->skip, &w->n_skip, &root_id, err);
    return rc == WH_OK ? WH_OK : wh_error_wrap(err, "%s", path);
}

enum wh_err
wh_fsm_walk(const struct wh_fsm_walk_options *o, struct wh_arena *a, struct wh_fsm_manifest *out,
            struct wh_error *err)
{
    struct walker *w = calloc(1, sizeof(*w));
    struct wh_fsm_entry e;
    struct statx sx;
    char proc[64];
    const char *root = o->root;
    int pfd;
    enum wh_err rc = WH_OK;

    if (w == NULL)
        wh_oom();
    memset(out, 0, sizeof(*out));
    w->lim = wh_fsm_limits_or_default(&o->limits);
    w->a = a;
    w->m = out;
    if (o->pid > 0) {
        snprintf(proc, sizeof(proc), "/proc/%d/root", o->pid);
        root = proc;
        if ((rc = load_mounts(w, o->pid, err)) != WH_OK)
            goto done;
    }
    if (root == NULL) {
        rc = wh_error_set(err, WH_E_INVALID, "no root directory or pid to walk");
        goto done;
    }
    /* The root itself is ours to name (a path or the proc link), so it may be followed. */
    pfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (pfd < 0) {
        rc = wh_error_set(err, WH_E_UNAVAILABLE,
                          "%s: %s (a pid's root needs the same uid as the process, or "
                          "CAP_SYS_PTRACE)",
                          root, strerror(errno));
        goto done;
    }
    if (statx(pfd, "", AT_EMPTY_PATH, STATX_BASIC_STATS | STATX_MNT_ID, &sx) != 0) {
        rc = wh_error_set(err, WH_E_UNAVAILABLE, "%s: statx: %s", root, strerror(errno));
        close(pfd);
        goto done;
    }
    w->has_mnt_id = (sx.stx_mask & STATX_MNT_ID) != 0;
    w->root_mnt = sx.stx_mnt_id;
    memset(&e, 0, sizeof(e));
    e.path = ".";
    e.type = WH_FSM_DIR;
    e.mode = sx.stx_mode & 07777;
    e.uid = sx.stx_uid;
    e.gid = sx.stx_gid;
    wh_fsm_manifest_add(out, &e, a);
    walk_dir(w, pfd, ".", 1);
    close(pfd);
    wh_fsm_manifest_sort(out);
done:
    free(w);
    return rc;
}
