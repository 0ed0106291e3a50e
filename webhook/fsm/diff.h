#ifndef WH_FSM_DIFF_H
#define WH_FSM_DIFF_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "fsm/manifest.h"

enum wh_fsm_tier { WH_FSM_TIER_BLOCK, WH_FSM_TIER_WARN, WH_FSM_TIER_IGNORE };

/* What differs at one path between the expected and the actual manifest. */
enum wh_fsm_kind {
    WH_FSM_D_ADDED,   /* unexpected object */
    WH_FSM_D_MISSING, /* expected object absent */
    WH_FSM_D_CONTENT, /* regular file with other bytes */
    WH_FSM_D_TYPE,    /* another kind of object at the path */
    WH_FSM_D_MODE,    /* permission bits (setuid/setgid aside) */
    WH_FSM_D_SETUID,  /* setuid or setgid bit added */
    WH_FSM_D_OWNER,   /* uid or gid */
    WH_FSM_D_CAPS,    /* security.capability added or changed */
    WH_FSM_D_LINK,    /* symlink retargeted */
    WH_FSM_D_SCAN,    /* the scan could not check the path: changed, unreadable, incomplete */
    WH_FSM_D_MOUNT,   /* another mount covers the path: not compared */
};

/* runtime.blockOn: which findings are block-tier (the rest of those kinds warn). */
#define WH_FSM_BLOCK_EXEC 1u   /* a new or changed executable (any x bit) */
#define WH_FSM_BLOCK_SETUID 2u /* setuid/setgid added */
#define WH_FSM_BLOCK_CAPS 4u   /* file capability added or changed */
#define WH_FSM_BLOCK_OWNER 8u  /* uid/gid changed */

struct wh_fsm_rules {
    /* runtime.mutablePaths: globs over absolute paths ("/tmp", "/var/cache/NAME*"); fnmatch(3)
     * with FNM_PATHNAME, a match on a directory covering everything below it. */
    const char *const *mutable_paths;
    size_t n_mutable_paths;
    unsigned block_on; /* WH_FSM_BLOCK_* */
};

struct wh_fsm_finding {
    enum wh_fsm_kind kind;
    enum wh_fsm_tier tier;
    const char *path;   /* manifest path ("./usr/bin/app"), or the note's reason */
    const char *detail; /* "mode 0755 -> 4755" */
    const char *why;    /* why this tier: "runtime.blockOn: setuid", "runtime.mutablePaths: /tmp" */
};

/*
 * Compares two sorted manifests (expected from the image, actual from the walk). Tiers:
 * setuid, caps, owner and exec findings block when runtime.blockOn names them and warn
 * otherwise, in mutable paths too (a dropped setuid binary or executable in /tmp still counts);
 * every other finding warns, or is ignored in a mutable path. Expected objects under a path the
 * actual scan skipped (another mount) are not compared (one ignore finding per mount); under an
 * unreadable directory they warn as not checked. An #incomplete scan blocks: it cannot show the
 * absence of drift. Findings are sorted by path, then kind. Pure; output in `a`.
 */
void wh_fsm_diff(const struct wh_fsm_manifest *expected, const struct wh_fsm_manifest *actual,
                 const struct wh_fsm_rules *rules, struct wh_arena *a, struct wh_fsm_finding **out,
                 size_t *n_out);

/* "/tmp/x" (absolute form of a manifest path) matched against the mutable-path globs; the
 * matching glob, or NULL. */
const char *wh_fsm_mutable_match(const struct wh_fsm_rules *rules, const char *path);
const char *wh_fsm_kind_name(enum wh_fsm_kind k);
const char *wh_fsm_tier_name(enum wh_fsm_tier t);

#endif
