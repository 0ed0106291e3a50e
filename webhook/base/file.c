/* Whole-file reads with a size cap; the I/O shell's only way to load policy, keys and inputs. */
#include "base/file.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
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

/*
 * A mapped file that another process truncates faults (SIGBUS) on the next read of a page past
 * its new end. The CLI maps only files it was asked to read, so such a fault is a file that
 * changed under it: the guard names the file and exits 2 (the CLI's "could not run"), where the
 * default action would be a core dump. The mapped ranges are kept here for the handler (one CLI
 * run maps a few files; past MAX_MAPPINGS, files are read instead). Faults outside them, and
 * signals sent by kill(), keep the default action.
 */
#define MAX_MAPPINGS 8

struct mapping {
    const unsigned char *volatile ptr; /* NULL: a free slot */
    size_t len;
    char path[512]; /* NUL-terminated, truncated, control bytes as '?' */
};

static struct mapping mappings[MAX_MAPPINGS];
static bool guard_installed;

/* write(2) all of buf, ignoring errors: the process exits next. */
static void
write_all(const char *buf, size_t n)
{
    while (n > 0) {
        ssize_t w = write(STDERR_FILENO, buf, n);
        if (w <= 0)
            return;
        buf += w;
        n -= (size_t)w;
    }
}

/* Async-signal-safe: write(2), _exit(2), sigaction(2) and raise(3) only. */
static void
on_sigbus(int sig, siginfo_t *info, void *uctx)
{
    const unsigned char *at = info->si_addr;
    size_t i;

    (void)uctx;
    for (i = 0; info->si_code > 0 && i < MAX_MAPPINGS; i++) {
        const unsigned char *p = mappings[i].ptr;
        if (p != NULL && at >= p && (size_t)(at - p) < mappings[i].len) {
            static const char head[] = "driftgate: ";
            static const char tail[] = ": the file shrank while it was being read (another "
                                       "process truncated or rewrote it); run again once "
                                       "nothing is writing it\n";
            write_all(head, sizeof(head) - 1);
            write_all(mappings[i].path, strlen(mappings[i].path));
            write_all(tail, sizeof(tail) - 1);
            _exit(2);
        }
    }
    /* Not a mapped file's fault: the default action, as if no handler were there. */
    signal(sig, SIG_DFL);
    raise(sig);
}

static void
install_guard(void)
{
    struct sigaction sa;

    if (guard_installed)
        return;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGBUS, &sa, NULL) == 0)
        guard_installed = true;
}

/* A free slot for a mapping of `path`, its path copied; NULL when all are taken. */
static struct mapping *
mapping_claim(const char *path)
{
    size_t i, j;

    for (i = 0; i < MAX_MAPPINGS; i++) {
        struct mapping *m = &mappings[i];
        if (m->ptr != NULL)
            continue;
        for (j = 0; path[j] != '\0' && j + 1 < sizeof(m->path); j++)
            m->path[j] = (unsigned char)path[j] < 0x20 || path[j] == 0x7f ? '?' : path[j];
        m->path[j] = '\0';
        return m;
    }
    return NULL;
}

static void
unmap(void *obj)
{
    struct mapping *m = obj;

    (void)munmap((void *)(uintptr_t)m->ptr, m->len);
    m->ptr = NULL;
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
    install_guard();
    /* Small files, files whose last page has no room for the NUL that the kernel's zero fill
     * provides, anything not a regular file, and files past the mapping table take the read
     * path. */
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size < WH_FILE_MAP_MIN ||
        (unsigned long long)st.st_size > max || st.st_size % page == 0 || !guard_installed ||
        (m = mapping_claim(path)) == NULL) {
        return read_fd(fd, path, max, a, out, err);
    }
    /* Not MAP_POPULATE: the pages are mapped in by wh_file_prefault, on the thread that parses. */
    p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED)
        return read_fd(fd, path, max, a, out, err);
    close(fd);
    m->len = (size_t)st.st_size;
    m->ptr = p;
    wh_arena_defer(a, unmap, m);
    out->ptr = p;
    out->len = (size_t)st.st_size;
    return WH_OK;
}

void
wh_file_prefault(struct wh_bytes b)
{
    long page = sysconf(_SC_PAGESIZE);
    uintptr_t start, end;

    if (b.len == 0 || page <= 0)
        return;
    start = (uintptr_t)b.ptr & ~((uintptr_t)page - 1);
    end = (uintptr_t)b.ptr + b.len;
    /* Advice only: a kernel without MADV_POPULATE_READ (before 5.14) faults the pages in as the
     * parse reads them. */
    (void)madvise((void *)start, end - start, MADV_POPULATE_READ);
}
