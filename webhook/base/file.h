#ifndef WH_BASE_FILE_H
#define WH_BASE_FILE_H

#include <stddef.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/str.h"

/* Reads a whole file (or stdin for "-") into the arena, NUL-terminated. WH_E_LIMIT past `max`. */
WH_MUST_CHECK enum wh_err wh_file_read(const char *path, size_t max, struct wh_arena *a,
                                       struct wh_bytes *out, struct wh_error *err);

/* Files from WH_FILE_MAP_MIN bytes up that wh_file_map maps instead of reading. */
#define WH_FILE_MAP_MIN ((size_t)1 << 20)

/* wh_file_read for large inputs the CLI parses once (SBOMs): a regular file of 1 MiB or more is
 * mapped read-only (no copy, no zeroed buffer; unmapped at wh_arena_fini), NUL-terminated by the
 * kernel's zero fill of the last page; anything else is read. The CLI only: a file truncated by
 * another process while mapped faults (SIGBUS), which a server must never risk. The first call
 * installs a SIGBUS handler for the process that turns such a fault into "driftgate: <path>: the
 * file shrank while it was being read ..." on stderr and exit status 2; faults elsewhere keep the
 * default action. */
WH_MUST_CHECK enum wh_err wh_file_map(const char *path, size_t max, struct wh_arena *a,
                                      struct wh_bytes *out, struct wh_error *err);

/* Maps in the pages of `b` (from wh_file_map) in one call (MADV_POPULATE_READ) instead of a page
 * fault per 64 KiB as they are read: for a parse that reads them all, called on the thread that
 * parses, so two files are mapped in side by side. Advice only: nothing fails. */
void wh_file_prefault(struct wh_bytes b);

#endif
