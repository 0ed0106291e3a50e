#ifndef WH_FSM_WALK_H
#define WH_FSM_WALK_H

#include <stddef.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/str.h"
#include "fsm/layer.h"
#include "fsm/manifest.h"

struct wh_fsm_walk_options {
    struct wh_fsm_limits limits;
    const char *root; /* a directory to walk; ignored when pid > 0 */
    int pid;          /* > 0: /proc/PID/root, other mounts from /proc/PID/mountinfo */
};

/*
 * The actual filesystem manifest of a live tree, read as a hostile container's root may be:
 * from one O_PATH descriptor of the root, each component opened with openat(O_PATH|O_NOFOLLOW)
 * (a symlink the container planted is recorded, never followed; no ".." is ever looked up);
 * regular files are reopened for reading through /proc/self/fd (the same inode, so a file
 * swapped for a FIFO or a device between lookup and open is never opened); FIFOs, sockets and
 * devices are only stat'ed. Objects on another mount than the root's (by statx mount id, and
 * with a pid by every mount point of /proc/PID/mountinfo: volumes, /proc, /sys, /dev, the
 * kubelet's /etc/hosts, resolv.conf, the service-account directory) are skipped and noted.
 * The caps stop the walk with an #incomplete note (entries, time) or leave a file unhashed
 * (bytes, depth); an object that changes while read, or vanishes, gets a #changed note; an
 * unreadable one an #unreadable note. Only a root that cannot be opened (or a pid whose
 * mountinfo cannot be read) is an error: WH_E_UNAVAILABLE, or WH_E_INVALID for a bad
 * mountinfo. *out (sorted, in `a`) valid only on WH_OK.
 */
WH_MUST_CHECK enum wh_err wh_fsm_walk(const struct wh_fsm_walk_options *o, struct wh_arena *a,
                                      struct wh_fsm_manifest *out, struct wh_error *err);

/*
 * The mount points of a /proc/PID/mountinfo text other than "/", as manifest paths ("./etc/
 * hosts"), unescaped (\040 ...), sorted and de-duplicated; `*root_id` the mount id of the last
 * mount on "/" (-1 when none). At most `max` lines (WH_E_LIMIT); a malformed line is
 * WH_E_INVALID "mountinfo line N: ...". Pure; output in `a`.
 */
WH_MUST_CHECK enum wh_err wh_fsm_mountinfo_parse(struct wh_str text, size_t max, struct wh_arena *a,
                                                 const char ***points, size_t *n_points,
                                                 long *root_id, struct wh_error *err);

#endif
