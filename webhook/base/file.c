/* Whole-file reads with a size cap; the I/O shell's only way to load policy, keys and inputs. */
#include "base/file.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

enum wh_err
wh_file_read(const char *path, size_t max, struct wh_arena *a, struct wh_bytes *out,
             struct wh_error *err)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    struct wh_buf b;
    char chunk[65536];
    size_t n;
    enum wh_err rc = WH_OK;

    if (f == NULL)
        return wh_error_set(err, WH_E_NOT_FOUND, "%s: %s", path, strerror(errno));
    wh_buf_init(&b, max);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        wh_buf_append(&b, chunk, n);
        if (b.overflow)
            break;
    }
    if (b.overflow)
        rc = wh_error_set(err, WH_E_LIMIT, "%s: larger than the limit of %zu bytes", path, max);
    else if (ferror(f))
        rc = wh_error_set(err, WH_E_UNAVAILABLE, "%s: read error", path);
    if (f != stdin)
        fclose(f);
    if (rc == WH_OK) {
        out->ptr = wh_arena_memdup(a, b.ptr == NULL ? "" : b.ptr, b.len + 1);
        out->len = b.len;
    }
    wh_buf_fini(&b);
    return rc;
}
