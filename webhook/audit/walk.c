/* Finding and reading the files `audit pins` judges (walk.h). */
#include "audit/walk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/devcontainer.h"
#include "audit/dockerfile.h"
#include "audit/lock.h"
#include "audit/repo.h"
#include "audit/workflow.h"

#define MAX_DEPTH 32
#define MAX_ENTRIES 200000

struct walk {
    struct wh_audit *au;
    const char *root;
    const char **files; /* candidate files, repository-relative */
    size_t n_files, cap_files;
    size_t entries;
    struct wh_error *err;
};

static bool
has_suffix_ci(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);

    return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

static bool
is_dockerfile_name(const char *base)
{
    return strcasecmp(base, "Dockerfile") == 0 || strcasecmp(base, "Containerfile") == 0 ||
           strncasecmp(base, "Dockerfile.", 11) == 0 ||
           strncasecmp(base, "Containerfile.", 14) == 0 || has_suffix_ci(base, ".Dockerfile") ||
           has_suffix_ci(base, ".Containerfile");
}

enum wh_audit_file
wh_audit_file_kind(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash != NULL ? slash + 1 : path;
    size_t dir_len = slash != NULL ? (size_t)(slash - path) : 0;

    if (dir_len == 17 && strncmp(path, ".github/workflows", 17) == 0 &&
        (has_suffix_ci(base, ".yml") || has_suffix_ci(base, ".yaml")))
        return WH_AUDIT_FILE_WORKFLOW;
    if (strcmp(base, "action.yml") == 0 || strcmp(base, "action.yaml") == 0)
        return WH_AUDIT_FILE_ACTION;
    if (strcmp(base, ".devcontainer.json") == 0 ||
        (strcmp(base, "devcontainer.json") == 0 &&
         (strncmp(path, ".devcontainer/", 14) == 0 || strstr(path, "/.devcontainer/") != NULL)))
        return WH_AUDIT_FILE_DEVCONTAINER;
    if (is_dockerfile_name(base) && !has_suffix_ci(base, ".dockerignore"))
        return WH_AUDIT_FILE_DOCKERFILE;
    return WH_AUDIT_FILE_NONE;
}

/* ---- reading ---- */

/* A regular file (no symlink, FIFO or device: a repository can hold any of them) under the cap. */
enum wh_err
wh_audit_read(struct wh_audit *au, const char *root, const char *rel, struct wh_bytes *out,
              struct wh_error *err)
{
    const char *path = wh_arena_sprintf(au->a, "%s/%s", root, rel);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    unsigned char *buf;
    size_t got = 0;

    if (fd < 0)
        return wh_error_set(err, errno == ENOENT ? WH_E_NOT_FOUND : WH_E_INVALID, "cannot open: %s",
                            strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return wh_error_set(err, WH_E_INVALID, "not a regular file");
    }
    if (st.st_size > WH_AUDIT_FILE_MAX) {
        close(fd);
        return wh_error_set(err, WH_E_LIMIT, "%lld bytes, over the %d byte limit",
                            (long long)st.st_size, WH_AUDIT_FILE_MAX);
    }
    buf = wh_arena_alloc(au->a, (size_t)st.st_size + 1);
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    buf[got] = '\0';
    out->ptr = buf;
    out->len = got;
    return WH_OK;
}

static enum wh_err
read_regular(struct walk *w, const char *rel, struct wh_bytes *out, struct wh_error *err)
{
    return wh_audit_read(w->au, w->root, rel, out, err);
}

void
wh_audit_file_error(struct wh_audit *au, const char *file, const struct wh_error *e)
{
    int line = 0, col = 0;
    const char *msg = e->msg;
    char *end;
    long l = strtol(msg, &end, 10), c;

    /* Parsers say "line:col: message"; the report puts the file in front. */
    if (end != msg && *end == ':') {
        c = strtol(end + 1, &end, 10);
        if (*end == ':' && l > 0 && c > 0 && l < 1000000000 && c < 1000000000) {
            line = (int)l;
            col = (int)c;
            msg = end + 1;
            while (*msg == ' ')
                msg++;
        }
    }
    wh_audit_fail(au, file, line, col, msg);
}

/* ---- walking ---- */

static enum wh_err
add_file(struct walk *w, const char *rel)
{
    if (w->n_files == WH_AUDIT_MAX_FILES)
        return wh_error_set(w->err, WH_E_LIMIT,
                            "more than %d workflow, action, Dockerfile and "
                            "devcontainer files",
                            WH_AUDIT_MAX_FILES);
    if (w->n_files == w->cap_files) {
        size_t cap = w->cap_files == 0 ? 64 : w->cap_files * 2;
        w->files = wh_arena_grow(w->au->a, w->files, w->n_files, cap, sizeof(*w->files));
        w->cap_files = cap;
    }
    w->files[w->n_files++] = rel;
    return WH_OK;
}

static enum wh_err walk_dir(struct walk *w, const char *rel, int depth);

static enum wh_err
on_entry(struct walk *w, const char *rel, const char *name, int depth)
{
    const char *child = rel[0] == '\0' ? wh_arena_strdup(w->au->a, name)
                                       : wh_arena_sprintf(w->au->a, "%s/%s", rel, name);
    const char *path = wh_arena_sprintf(w->au->a, "%s/%s", w->root, child);
    struct stat st;

    if (++w->entries > MAX_ENTRIES)
        return wh_error_set(w->err, WH_E_LIMIT, "more than %d files and directories", MAX_ENTRIES);
    if (lstat(path, &st) != 0)
        return WH_OK; /* vanished while walking */
    if (S_ISDIR(st.st_mode)) {
        if (strcmp(name, ".git") == 0 || strcmp(name, "node_modules") == 0)
            return WH_OK;
        return walk_dir(w, child, depth + 1);
    }
    if (w->au->repo != NULL && wh_audit_repo_wants(w->au->repo, child)) {
        if (w->au->repo->n_files == WH_AUDIT_MAX_FILES)
            return wh_error_set(w->err, WH_E_LIMIT,
                                "more than %d manifest, lock and toolchain files",
                                WH_AUDIT_MAX_FILES);
        wh_audit_repo_add_file(w->au->repo, child);
    }
    if (wh_audit_file_kind(child) != WH_AUDIT_FILE_NONE || strcmp(child, ".github/workflows/"
                                                                         "actions.lock") == 0)
        return add_file(w, child);
    return WH_OK;
}

static enum wh_err
walk_dir(struct walk *w, const char *rel, int depth)
{
    const char *path = rel[0] == '\0' ? w->root : wh_arena_sprintf(w->au->a, "%s/%s", w->root, rel);
    DIR *d;
    struct dirent *e;
    enum wh_err rc = WH_OK;

    if (depth > MAX_DEPTH) {
        wh_audit_fail(w->au, rel, 0, 0, "deeper than 32 directory levels: not audited");
        return WH_OK;
    }
    d = opendir(path);
    if (d == NULL) {
        if (depth == 0)
            return wh_error_set(w->err, WH_E_NOT_FOUND, "%s: %s", w->root, strerror(errno));
        wh_audit_fail(w->au, rel, 0, 0, "directory cannot be read: it was not audited");
        return WH_OK;
    }
    while (rc == WH_OK && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        rc = on_entry(w, rel, e->d_name, depth);
    }
    closedir(d);
    return rc;
}

static int
cmp_path(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* ---- auditing ---- */

static bool
listed(const struct walk *w, const char *rel)
{
    if (w->n_files == 0)
        return false;
    return bsearch(&rel, w->files, w->n_files, sizeof(*w->files), cmp_path) != NULL;
}

static const struct wh_audit_lock *
load_lock(struct walk *w, const char *rel, bool is_json)
{
    struct wh_audit_lock *lock = wh_arena_alloc(w->au->a, sizeof(*lock));
    struct wh_bytes text;
    struct wh_error e;
    enum wh_err rc = read_regular(w, rel, &text, &e);

    if (rc == WH_E_NOT_FOUND)
        return NULL;
    if (rc == WH_OK)
        rc = is_json ? wh_audit_devcontainer_lock_parse(text, w->au->a, lock, &e)
                     : wh_audit_actions_lock_parse(text, w->au->a, lock, &e);
    if (rc != WH_OK) {
        wh_audit_file_error(w->au, rel, &e);
        return NULL;
    }
    lock->file = rel;
    return lock;
}

/* `base_dir/rel` normalised; NULL when it leaves the repository. */
static const char *
join_inside(struct wh_arena *a, const char *base_dir, const char *rel)
{
    const char *parts[128];
    size_t n = 0, i;
    char *buf = wh_arena_sprintf(a, "%s/%s", base_dir, rel), *p, *save = NULL;
    struct wh_buf out;
    const char *res;

    if (rel[0] == '/')
        return NULL;
    for (p = strtok_r(buf, "/", &save); p != NULL; p = strtok_r(NULL, "/", &save)) {
        if (strcmp(p, ".") == 0)
            continue;
        if (strcmp(p, "..") == 0) {
            if (n == 0)
                return NULL;
            n--;
        } else if (n < 128) {
            parts[n++] = p;
        } else {
            return NULL;
        }
    }
    if (n == 0)
        return NULL;
    wh_buf_init(&out, 4096);
    for (i = 0; i < n; i++) {
        if (i > 0)
            wh_buf_append_c(&out, "/");
        wh_buf_append_c(&out, parts[i]);
    }
    res = out.overflow ? NULL : wh_arena_strdup(a, out.ptr);
    wh_buf_fini(&out);
    return res;
}

static void
audit_devcontainer(struct walk *w, const char *rel, struct wh_bytes text)
{
    const char *slash = strrchr(rel, '/');
    const char *dir = slash != NULL ? wh_arena_strndup(w->au->a, rel, (size_t)(slash - rel)) : ".";
    const char *base = slash != NULL ? slash + 1 : rel;
    const char *lock_rel =
        wh_arena_sprintf(w->au->a, "%s/%s", dir,
                         base[0] == '.' ? ".devcontainer-lock.json" : "devcontainer-lock.json");
    const struct wh_audit_lock *lock;
    const char *df = NULL, *df_rel;
    struct wh_bytes df_text;
    struct wh_error e;

    if (strcmp(dir, ".") == 0)
        lock_rel += 2;
    lock = load_lock(w, lock_rel, true);
    if (wh_audit_devcontainer(w->au, rel, text, lock, &df, &e) != WH_OK) {
        wh_audit_file_error(w->au, rel, &e);
        return;
    }
    if (df == NULL)
        return;
    df_rel = join_inside(w->au->a, dir, df);
    if (df_rel == NULL) {
        wh_audit_fail(
            w->au, rel, 0, 0,
            wh_arena_sprintf(w->au->a, "build.dockerfile %s is outside the repository", df));
        return;
    }
    if (listed(w, df_rel))
        return; /* audited as a Dockerfile already */
    if (read_regular(w, df_rel, &df_text, &e) != WH_OK ||
        wh_audit_dockerfile(w->au, df_rel, df_text, &e) != WH_OK)
        wh_audit_file_error(w->au, df_rel, &e);
    else
        w->au->n_files++;
}

static void
audit_file(struct walk *w, const char *rel, const struct wh_audit_lock *actions_lock)
{
    enum wh_audit_file kind = wh_audit_file_kind(rel);
    struct wh_bytes text;
    struct wh_error e;
    enum wh_err rc;

    if (kind == WH_AUDIT_FILE_NONE)
        return;
    if (read_regular(w, rel, &text, &e) != WH_OK) {
        wh_audit_file_error(w->au, rel, &e);
        return;
    }
    w->au->n_files++;
    switch (kind) {
    case WH_AUDIT_FILE_WORKFLOW:
    case WH_AUDIT_FILE_ACTION:
        rc = wh_audit_workflow(w->au, rel, text, kind == WH_AUDIT_FILE_ACTION, actions_lock, &e);
        break;
    case WH_AUDIT_FILE_DOCKERFILE:
        rc = wh_audit_dockerfile(w->au, rel, text, &e);
        break;
    case WH_AUDIT_FILE_DEVCONTAINER:
        audit_devcontainer(w, rel, text);
        return;
    default:
        return;
    }
    if (rc != WH_OK)
        wh_audit_file_error(w->au, rel, &e);
}

enum wh_err
wh_audit_walk(struct wh_audit *au, const char *dir, struct wh_error *err)
{
    struct walk w;
    const struct wh_audit_lock *actions_lock = NULL;
    enum wh_err rc;
    size_t i;

    memset(&w, 0, sizeof(w));
    w.au = au;
    w.root = dir;
    w.err = err;
    rc = walk_dir(&w, "", 0);
    if (rc != WH_OK)
        return rc;
    if (w.n_files > 0)
        qsort(w.files, w.n_files, sizeof(*w.files), cmp_path);
    if (listed(&w, ".github/workflows/actions.lock"))
        actions_lock = load_lock(&w, ".github/workflows/actions.lock", false);
    for (i = 0; i < w.n_files; i++)
        audit_file(&w, w.files[i], actions_lock);
    if (au->over_limit)
        return wh_error_set(err, WH_E_LIMIT, "%s: more than %d references", dir, WH_AUDIT_MAX_REFS);
    return WH_OK;
}
