#ifndef WH_FSM_LAYER_H
#define WH_FSM_LAYER_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/str.h"
#include "fsm/manifest.h"

/* Bounds of one manifest computation (image or walk). Zero fields take the defaults below. */
struct wh_fsm_limits {
    size_t max_entries;  /* objects in the tree */
    uint64_t max_bytes;  /* bytes read: uncompressed layer tar, or file content hashed */
    size_t max_depth;    /* path components */
    int64_t deadline_ms; /* wh_clock_mono_ms() deadline; 0: none */
};
#define WH_FSM_DEFAULT_ENTRIES 1000000
#define WH_FSM_DEFAULT_BYTES (16ULL << 30)
#define WH_FSM_DEFAULT_DEPTH 256

/* The limits with zero fields replaced by the defaults. */
struct wh_fsm_limits wh_fsm_limits_or_default(const struct wh_fsm_limits *l);

/*
 * The expected filesystem of an image: its layers applied in order as a container runtime
 * unpacks them (OCI image-spec layer.md): each layer's whiteouts (".wh.NAME" removes NAME from
 * the layers below; ".wh..wh..opq" empties its directory of what the layers below put there)
 * first, then its entries in tar order; a non-directory replacing a directory removes the
 * subtree; a hardlink takes its target's metadata and content; missing parents are created as
 * 0755 root directories. Layers are untrusted: tar (ustar, GNU long names, base-256 sizes, pax
 * path/linkpath/size/uid/gid/SCHILY.xattr.security.capability), gzip or uncompressed; every
 * header checksummed, every path normalised (".." refused), every size bounded by the limits.
 * Not thread-safe.
 */
struct wh_fsm_image;

struct wh_fsm_image *wh_fsm_image_new(const struct wh_fsm_limits *limits);
void wh_fsm_image_free(struct wh_fsm_image *img);

/*
 * Applies one layer blob (gzip or plain tar, told apart by its first bytes; zstd is refused).
 * `what` names the layer in messages ("layer 2 sha256:..."). Errors: WH_E_INVALID (malformed tar
 * or gzip, a path with "..", a hardlink to nothing), WH_E_LIMIT (a cap), WH_E_TIMEOUT. After an
 * error the image is unusable.
 */
WH_MUST_CHECK enum wh_err wh_fsm_image_apply_layer(struct wh_fsm_image *img, struct wh_bytes blob,
                                                   const char *what, struct wh_error *err);

/* The manifest of the layers applied so far, sorted; strings in `a`. */
void wh_fsm_image_manifest(const struct wh_fsm_image *img, struct wh_arena *a,
                           struct wh_fsm_manifest *out);

#endif
