#ifndef WH_PIPELINE_RELOAD_H
#define WH_PIPELINE_RELOAD_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

/*
 * Watches sets of files and calls a set's load function when one of its files changes: the
 * policy, the trust roots, the serving certificate and key. Kubernetes updates a mounted Secret
 * or ConfigMap by writing a new timestamped directory and renaming a `..data` symlink over the
 * old one, so the watched path (a symlink into `..data/`) never sees a write of its own: the
 * watcher puts inotify on each file's directory, and on any event there (or every `poll_ms`,
 * the fallback for filesystems without inotify) compares each file's identity as stat(2) sees
 * it through the symlinks (device, inode, size, mtime, ctime). A set whose identity changed is
 * loaded once, after events have been quiet for a short debounce. The load function decides
 * what a bad file means (keep the last good snapshot, log, metric); the watcher only calls it,
 * on its own thread, one set at a time. wh_pipeline_reload_request (SIGHUP) loads every set now.
 */
struct wh_reload;

/* Loads the set; runs on the watcher's thread. A failure is logged by the watcher, once, with
 * err->msg: fn records it (metrics, /readyz) but does not log it. */
typedef enum wh_err wh_pipeline_reload_fn(void *arg, struct wh_error *err);

/* poll_ms: the stat fallback period (0: inotify only). Never fails. */
struct wh_reload *wh_pipeline_reload_new(int64_t poll_ms);

/* Adds a set named `what` ("policy", "tls") of `n` ≥ 1 paths (borrowed: they must outlive the
 * watcher), loaded together by fn(arg). Only before wh_pipeline_reload_start; at most 8 sets, 4
 * paths each. */
void wh_pipeline_reload_watch(struct wh_reload *r, const char *what, const char *const *paths,
                              size_t n, wh_pipeline_reload_fn *fn, void *arg);

/* Records the files' current identities (they were just loaded) and starts the thread. A
 * directory inotify cannot watch falls back to polling and is logged, not an error; WH_E_INTERNAL
 * only when no thread can be started. */
WH_MUST_CHECK enum wh_err wh_pipeline_reload_start(struct wh_reload *r, struct wh_error *err);

/* Asks the thread to load every set now, changed or not. Async-signal-safe (one write(2)). */
void wh_pipeline_reload_request(struct wh_reload *r);

/* Completed load calls since start (successful or not): lets tests and callers wait. */
unsigned long wh_pipeline_reload_loads(struct wh_reload *r);

/* Stops and joins the thread (a load in progress finishes first) and frees; NULL is a no-op. */
void wh_pipeline_reload_free(struct wh_reload *r);

#endif
