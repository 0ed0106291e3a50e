#ifndef WH_FSM_MANIFEST_H
#define WH_FSM_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/str.h"

/*
 * The driftgate filesystem manifest (docs/fs-manifest.md): one line per filesystem object,
 * sorted bytewise by path, with type, mode, owner, size, content digest, link target and file
 * capability; no times, no link counts. The same text comes from an image's layers
 * (fsm/layer.h) and from a live tree (fsm/walk.h), so the two compare line by line, and the
 * root digest (sha256 of the whole text) summarises either.
 */

#define WH_FSM_HEADER "#driftgate-fsm v1 sha256\n"
#define WH_FSM_MAX_PATH 4096
#define WH_FSM_MAX_CAPS 64 /* bytes of a security.capability value (VFS caps v3 are 24) */

enum wh_fsm_type {
    WH_FSM_FILE,
    WH_FSM_DIR,
    WH_FSM_LINK,
    WH_FSM_CHAR,
    WH_FSM_BLOCK,
    WH_FSM_FIFO,
    WH_FSM_SOCKET,
};

struct wh_fsm_entry {
    const char *path; /* "." or "./a/b", raw bytes (escaped only in the text), NUL-free */
    enum wh_fsm_type type;
    uint32_t mode; /* permission bits with setuid/setgid/sticky: mode & 07777 */
    uint64_t uid, gid;
    uint64_t size;   /* files only */
    bool has_sha256; /* files: false when unreadable (a note says so) */
    unsigned char sha256[32];
    const char *link;          /* symlinks: the target, raw bytes */
    const unsigned char *caps; /* security.capability value, or NULL */
    size_t n_caps;
};

/* Why part of a tree is not in the manifest, or could not be read; each is a "#<kind> <path>"
 * line after the entries. */
enum wh_fsm_note_kind {
    WH_FSM_NOTE_CHANGED,    /* the object changed while it was read: its entry may be stale */
    WH_FSM_NOTE_INCOMPLETE, /* a cap was hit; path is the reason ("entries 100000") */
    WH_FSM_NOTE_SKIPPED,    /* another mount (or a kubelet bind mount) at this path */
    WH_FSM_NOTE_UNREADABLE, /* content not readable: entry without sha256 */
};

struct wh_fsm_note {
    enum wh_fsm_note_kind kind;
    const char *path; /* a path ("./proc") or, for incomplete, a reason */
};

struct wh_fsm_manifest {
    struct wh_fsm_entry *entries;
    size_t n_entries, alloc_entries;
    struct wh_fsm_note *notes;
    size_t n_notes, alloc_notes;
};

/* Appends (arena-grown). Strings are borrowed: they must live in the same arena or longer. */
void wh_fsm_manifest_add(struct wh_fsm_manifest *m, const struct wh_fsm_entry *e,
                         struct wh_arena *a);
void wh_fsm_manifest_note(struct wh_fsm_manifest *m, enum wh_fsm_note_kind kind, const char *path,
                          struct wh_arena *a);
/* Sorts entries by path and notes by (kind, path), bytewise; the canonical order. */
void wh_fsm_manifest_sort(struct wh_fsm_manifest *m);

/* The canonical text of a sorted manifest (header, entries, notes). WH_E_LIMIT past `max`
 * bytes. *out (NUL-terminated, in `a`) valid only on WH_OK. */
WH_MUST_CHECK enum wh_err wh_fsm_manifest_render(const struct wh_fsm_manifest *m, size_t max,
                                                 struct wh_arena *a, struct wh_str *out,
                                                 struct wh_error *err);
/* "sha256:<hex>" of `text` (the root digest), in `a`. */
const char *wh_fsm_root_digest(struct wh_str text, struct wh_arena *a);

/*
 * Parses manifest text strictly: the header, one entry per line in canonical order with no
 * duplicate, the fields each type requires and no other, canonical numbers and escapes, then
 * notes. So parse succeeds only on text that render would produce byte for byte. At most
 * `max_entries` entries (WH_E_LIMIT). Errors are WH_E_INVALID "line N: ...". *out in `a`, valid
 * only on WH_OK.
 */
WH_MUST_CHECK enum wh_err wh_fsm_manifest_parse(struct wh_str text, size_t max_entries,
                                                struct wh_arena *a, struct wh_fsm_manifest *out,
                                                struct wh_error *err);

/* The binary search of a sorted manifest; NULL when absent. */
const struct wh_fsm_entry *wh_fsm_manifest_find(const struct wh_fsm_manifest *m, const char *path);
const char *wh_fsm_type_name(enum wh_fsm_type t);
/* Appends `s` (n bytes) as the manifest escapes it: bytes outside 0x21-0x7e and '\' as \ooo. */
void wh_fsm_escape(struct wh_buf *b, const char *s, size_t n);

#endif
