#ifndef WH_BASE_FILE_H
#define WH_BASE_FILE_H

#include <stddef.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/str.h"

/* Reads a whole file (or stdin for "-") into the arena, NUL-terminated. WH_E_LIMIT past `max`. */
WH_MUST_CHECK enum wh_err wh_file_read(const char *path, size_t max, struct wh_arena *a,
                                       struct wh_bytes *out, struct wh_error *err);

#endif
