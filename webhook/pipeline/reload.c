/*
 * The file watcher behind hot reload: one thread, inotify on the watched files' directories plus
 * an eventfd for SIGHUP and stop, and a stat(2) identity per file that decides what changed.
 */
#include "pipeline/reload.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"

#define MAX_SETS 8
#define MAX_PATHS 4
/* Quiet time after the last event before loading: an editor's save or a ..data swap is a burst
 * of events; loading in the middle could read a half-written file. */
#define DEBOUNCE_MS 100

/* What stat(2), through symlinks, says about a file; all zero when it cannot be stat'ed. */
struct identity {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime, ctime;
    int error; /* errno of a failed stat */
};

struct file_set {
    const char *what;
    const char *paths[MAX_PATHS];
    struct identity ids[MAX_PATHS];
    size_t n;
    wh_pipeline_reload_fn *fn;
    void *arg;
};

struct wh_reload {
    struct file_set sets[MAX_SETS];
    size_t n_sets;
    int64_t poll_ms;
    int inotify_fd; /* -1 when unavailable: polling only */
    int event_fd;   /* +1 per SIGHUP request; STOP_VALUE asks the thread to end */
    pthread_t thread;
    bool is_started;
    atomic_bool stop;
    atomic_ulong loads;
};

struct wh_reload *
wh_pipeline_reload_new(int64_t poll_ms)
{
    struct wh_reload *r = calloc(1, sizeof(*r));

    if (r == NULL)
        wh_oom();
    r->poll_ms = poll_ms;
    r->inotify_fd = -1;
    r->event_fd = -1;
    return r;
}

void
wh_pipeline_reload_watch(struct wh_reload *r, const char *what, const char *const *paths, size_t n,
                         wh_pipeline_reload_fn *fn, void *arg)
{
    struct file_set *set;
    size_t i;

    WH_ASSERT(!r->is_started && r->n_sets < MAX_SETS && n >= 1 && n <= MAX_PATHS);
    set = &r->sets[r->n_sets++];
    set->what = what;
    set->n = n;
    set->fn = fn;
    set->arg = arg;
    for (i = 0; i < n; i++)
        set->paths[i] = paths[i];
}

static struct identity
identify(const char *path)
{
    struct identity id;
    struct stat st;

    memset(&id, 0, sizeof(id));
    if (stat(path, &st) != 0) {
        id.error = errno;
        return id;
    }
    id.dev = st.st_dev;
    id.ino = st.st_ino;
    id.size = st.st_size;
    id.mtime = st.st_mtim;
    id.ctime = st.st_ctim;
    return id;
}

static bool
same_identity(const struct identity *a, const struct identity *b)
{
    return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec &&
           a->ctime.tv_sec == b->ctime.tv_sec && a->ctime.tv_nsec == b->ctime.tv_nsec &&
           a->error == b->error;
}

/* Refreshes the set's identities; true when any changed. */
static bool
refresh(struct file_set *set)
{
    bool changed = false;
    size_t i;

    for (i = 0; i < set->n; i++) {
        struct identity now = identify(set->paths[i]);

        if (!same_identity(&now, &set->ids[i]))
            changed = true;
        set->ids[i] = now;
    }
    return changed;
}

static void
load(struct wh_reload *r, struct file_set *set, const char *why)
{
    struct wh_error err;

    memset(&err, 0, sizeof(err));
    wh_log(WH_LOG_INFO, "reload %s: %s", set->what, why);
    /* The one log line of a failed reload: fn only records it (metrics, /readyz). */
    if (set->fn(set->arg, &err) != WH_OK)
        wh_log(WH_LOG_ERROR, "reload %s failed, the last good one stays: %s", set->what, err.msg);
    atomic_fetch_add(&r->loads, 1);
}

static void watch_dirs(struct wh_reload *r, bool is_quiet);

/* Loads every set whose files changed (or every set, when `all`). */
static void
check(struct wh_reload *r, bool all, const char *why)
{
    size_t i;

    for (i = 0; i < r->n_sets; i++) {
        bool changed = refresh(&r->sets[i]);

        if (all || changed)
            load(r, &r->sets[i], why);
    }
    watch_dirs(r, true);
}

/* Reads and discards pending inotify events; true if there were any. */
static bool
drain_inotify(int fd)
{
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    bool any = false;

    while (read(fd, buf, sizeof(buf)) > 0)
        any = true;
    return any;
}

static void *
run(void *p)
{
    struct wh_reload *r = p;
    struct pollfd fds[2];
    int64_t due = -1; /* when inotify events went quiet: check then */

    fds[0].fd = r->event_fd;
    fds[0].events = POLLIN;
    fds[1].fd = r->inotify_fd;
    fds[1].events = POLLIN;
    while (!atomic_load(&r->stop)) {
        int64_t next_poll = r->poll_ms > 0 ? r->poll_ms : -1;
        int timeout = (int)(due >= 0 ? DEBOUNCE_MS : next_poll);
        uint64_t v;
        int n = poll(fds, r->inotify_fd >= 0 ? 2 : 1, timeout);

        if (n < 0 && errno != EINTR) {
            wh_log(WH_LOG_ERROR, "reload watcher: poll: %s", strerror(errno));
            break;
        }
        if (atomic_load(&r->stop))
            break;
        if (n > 0 && (fds[0].revents & POLLIN) && read(r->event_fd, &v, sizeof(v)) == sizeof(v)) {
            check(r, true, "SIGHUP");
            due = -1;
            continue;
        }
        if (n > 0 && r->inotify_fd >= 0 && (fds[1].revents & POLLIN)) {
            if (drain_inotify(r->inotify_fd))
                due = wh_clock_mono_ms() + DEBOUNCE_MS;
            continue; /* wait for a quiet DEBOUNCE_MS */
        }
        /* A timeout: either the debounce after events, or the stat fallback's period. */
        check(r, false, due >= 0 ? "files changed" : "files changed (periodic check)");
        due = -1;
    }
    return NULL;
}

/* Watches the directory of `path`; adding a directory twice returns the same watch. */
static void
watch_dir_of(struct wh_reload *r, const char *path, bool is_quiet)
{
    /* Directory events that a ..data swap, an atomic rename or an in-place write produce. */
    const uint32_t mask = IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM | IN_CLOSE_WRITE |
                          IN_ATTRIB | IN_MODIFY | IN_DONT_FOLLOW | IN_ONLYDIR;
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    int n;

    if (slash == NULL)
        n = snprintf(dir, sizeof(dir), ".");
    else if (slash == path)
        n = snprintf(dir, sizeof(dir), "/");
    else
        n = snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
    if ((n < 0 || (size_t)n >= sizeof(dir) || inotify_add_watch(r->inotify_fd, dir, mask) < 0) &&
        !is_quiet)
        wh_log(WH_LOG_WARN, "reload: cannot watch the directory of %s (%s); polling", path,
               strerror(errno));
}

/* Watches each file's directory and, through symlinks, its target's (..2026_01_01.123/):
 * the first sees a ..data swap, the second an in-place write. Targets move with every swap,
 * so this runs again after each check; watches of deleted directories vanish by themselves. */
static void
watch_dirs(struct wh_reload *r, bool is_quiet)
{
    char real[PATH_MAX];
    size_t i, j;

    if (r->inotify_fd < 0)
        return;
    for (i = 0; i < r->n_sets; i++) {
        for (j = 0; j < r->sets[i].n; j++) {
            watch_dir_of(r, r->sets[i].paths[j], is_quiet);
            if (realpath(r->sets[i].paths[j], real) != NULL &&
                strcmp(real, r->sets[i].paths[j]) != 0)
                watch_dir_of(r, real, true);
        }
    }
}

enum wh_err
wh_pipeline_reload_start(struct wh_reload *r, struct wh_error *err)
{
    sigset_t all, old;
    size_t i;
    int rc;

    WH_ASSERT(!r->is_started);
    r->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (r->event_fd < 0)
        return wh_error_set(err, WH_E_INTERNAL, "reload: eventfd: %s", strerror(errno));
    r->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (r->inotify_fd < 0)
        wh_log(WH_LOG_WARN, "reload: inotify unavailable (%s); polling every %lld ms",
               strerror(errno), (long long)r->poll_ms);
    watch_dirs(r, false);
    for (i = 0; i < r->n_sets; i++)
        (void)refresh(&r->sets[i]);
    /* The thread takes no signals: they belong to the serving thread. */
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    rc = pthread_create(&r->thread, NULL, run, r);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0)
        return wh_error_set(err, WH_E_INTERNAL, "reload: pthread_create: %s", strerror(rc));
    r->is_started = true;
    return WH_OK;
}

void
wh_pipeline_reload_request(struct wh_reload *r)
{
    uint64_t one = 1;
    int saved = errno; /* callable from a signal handler */

    if (r->event_fd >= 0 && write(r->event_fd, &one, sizeof(one)) < 0) {
        /* counter overflow only: a reload is pending anyway */
    }
    errno = saved;
}

unsigned long
wh_pipeline_reload_loads(struct wh_reload *r)
{
    return atomic_load(&r->loads);
}

void
wh_pipeline_reload_free(struct wh_reload *r)
{
    uint64_t one = 1;

    if (r == NULL)
        return;
    if (r->is_started) {
        atomic_store(&r->stop, true);
        if (write(r->event_fd, &one, sizeof(one)) < 0) {
            /* cannot fail on a fresh eventfd but for overflow; the poll timeout ends it too */
        }
        pthread_join(r->thread, NULL);
    }
    if (r->inotify_fd >= 0)
        close(r->inotify_fd);
    if (r->event_fd >= 0)
        close(r->event_fd);
    free(r);
}
