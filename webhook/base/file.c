/* Whole-file reads with a size cap; the I/O shell's only way to load policy, keys and inputs. */
#include "base/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* A regular file of known size: one block of size + 1 from the arena, read in place (no growing
 * buffer, no copy, no zeroing). The file may change while it is read: a short read is the new
 * size, and bytes past the stat'ed size are refused as over the limit or read by the stream path.
 */
static enum wh_err
read_sized(FILE *f, const char *path, size_t size, size_t max, struct wh_arena *a,
           struct wh_bytes *out, struct wh_error *err, bool *grew)
{
    unsigned char *p = wh_arena_alloc_raw(a, size + 1);
    size_t n = size == 0 ? 0 : fread(p, 1, size, f);

    *grew = false;
    if (ferror(f))
        return wh_error_set(err, WH_E_UNAVAILABLE, "%s: read error", path);
    if (n == size && fgetc(f) != EOF) {
        if (size >= max)
            return wh_error_set(err, WH_E_LIMIT, "%s: larger than the limit of %zu bytes", path,
                                max);
        *grew = true; /* it grew while we read: take the stream path from the start */
        return WH_OK;
    }
    p[n] = '\0';
    out->ptr = p;
    out->len = n;
    return WH_OK;
}

static enum wh_err
read_stream(FILE *f, const char *path, size_t max, struct wh_arena *a, struct wh_bytes *out,
            struct wh_error *err)
{
    struct wh_buf b;
    char chunk[65536];
    size_t n;
    enum wh_err rc = WH_OK;

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
    if (rc == WH_OK) {
        out->ptr = wh_arena_memdup(a, b.ptr == NULL ? "" : b.ptr, b.len + 1);
        out->len = b.len;
    }
    wh_buf_fini(&b);
    return rc;
}

/* Reads an open stream whole and closes it (unless stdin). */
static enum wh_err
read_open(FILE *f, const char *path, size_t max, struct wh_arena *a, struct wh_bytes *out,
          struct wh_error *err)
{
    struct stat st;
    enum wh_err rc;
    bool grew = true;

    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode)) {
        if ((unsigned long long)st.st_size > max)
            rc = wh_error_set(err, WH_E_LIMIT, "%s: larger than the limit of %zu bytes", path, max);
        else
            rc = read_sized(f, path, (size_t)st.st_size, max, a, out, err, &grew);
        if (rc == WH_OK && grew)
            rc = fseek(f, 0, SEEK_SET) == 0
                     ? read_stream(f, path, max, a, out, err)
                     : wh_error_set(err, WH_E_UNAVAILABLE, "%s: changed while read", path);
    } else {
        rc = read_stream(f, path, max, a, out, err);
    }
    if (f != stdin)
        fclose(f);
    return rc;
}

enum wh_err
wh_file_read(const char *path, size_t max, struct wh_arena *a, struct wh_bytes *out,
             struct wh_error *err)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");

    if (f == NULL)
        return wh_error_set(err, WH_E_NOT_FOUND, "%s: %s", path, strerror(errno));
    return read_open(f, path, max, a, out, err);
}

struct mapping {
    void *ptr;
    size_t len;
};

static void
unmap(void *obj)
{
    struct mapping *m = obj;

    (void)munmap(m->ptr, m->len);
}

/* The read path on a descriptor already open (a FIFO is never opened twice). */
static enum wh_err
read_fd(int fd, const char *path, size_t max, struct wh_arena *a, struct wh_bytes *out,
        struct wh_error *err)
{
    FILE *f = fdopen(fd, "rb");

    if (f == NULL) {
        close(fd);
        return wh_error_set(err, WH_E_UNAVAILABLE, "%s: %s", path, strerror(errno));
    }
    return read_open(f, path, max, a, out, err);
}

enum wh_err
wh_file_map(const char *path, size_t max, struct wh_arena *a, struct wh_bytes *out,
            struct wh_error *err)
{
    long page = sysconf(_SC_PAGESIZE);
    struct stat st;
    struct mapping *m;
    void *p;
    int fd;

    if (strcmp(path, "-") == 0 || page <= 0)
        return wh_file_read(path, max, a, out, err);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return wh_error_set(err, WH_E_NOT_FOUND, "%s: %s", path, strerror(errno));
    /* Small files, files whose last page has no room for the NUL that the kernel's zero fill
     * provides, and anything not a regular file take the read path. */
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size < WH_FILE_MAP_MIN ||
        (unsigned long long)st.st_size > max || st.st_size % page == 0) {
        return read_fd(fd, path, max, a, out, err);
    }
    p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (p == MAP_FAILED)
        return read_fd(fd, path, max, a, out, err);
    close(fd);
    m = wh_arena_alloc(a, sizeof(*m));
    m->ptr = p;
    m->len = (size_t)st.st_size;
    wh_arena_defer(a, unmap, m);
    out->ptr = p;
    out->len = (size_t)st.st_size;
    return WH_OK;
}
