/* wh_file_read and wh_file_map: whole files under a cap, NUL-terminated, whatever their kind
 * (regular, procfs with st_size 0, a pipe), on both sides of the mapping threshold. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/file.h"
#include "unit/harness.h"

static char dir[] = "/tmp/dg-file-test-XXXXXX";

/* A file of `n` bytes ('a' + i % 26) at dir/name; returns its path (static buffer). */
static const char *
make_file(const char *name, size_t n)
{
    static char path[256];
    FILE *f;
    size_t i;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "wb");
    for (i = 0; i < n; i++)
        fputc('a' + (int)(i % 26), f);
    fclose(f);
    return path;
}

static int
content_ok(struct wh_bytes b, size_t n)
{
    size_t i;

    if (b.len != n || b.ptr[n] != '\0')
        return 0;
    for (i = 0; i < n; i++)
        if (b.ptr[i] != (unsigned char)('a' + i % 26))
            return 0;
    return 1;
}

typedef enum wh_err reader(const char *, size_t, struct wh_arena *, struct wh_bytes *,
                           struct wh_error *);

static void
sizes_and_limits(const char *label, reader *read)
{
    long page = sysconf(_SC_PAGESIZE);
    size_t sizes[] = {0,
                      1,
                      4095,
                      65536,
                      65537,
                      WH_FILE_MAP_MIN,
                      WH_FILE_MAP_MIN + 1,
                      WH_FILE_MAP_MIN + (size_t)page,
                      3 * WH_FILE_MAP_MIN + 17};
    struct wh_arena a;
    struct wh_bytes b;
    struct wh_error err = {0};
    size_t i;

    wh_arena_init(&a);
    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        const char *p = make_file("f", sizes[i]);
        ok(read(p, sizes[i], &a, &b, &err) == WH_OK && content_ok(b, sizes[i]),
           "%s: %zu bytes at a limit of exactly that are read whole, NUL-terminated", label,
           sizes[i]);
        if (sizes[i] > 0)
            ok(read(p, sizes[i] - 1, &a, &b, &err) == WH_E_LIMIT &&
                   strstr(err.msg, "larger than the limit") != NULL,
               "%s: %zu bytes over a limit one less are refused: %s", label, sizes[i], err.msg);
    }
    ok(read("/nonexistent/x", 10, &a, &b, &err) == WH_E_NOT_FOUND &&
           strstr(err.msg, "/nonexistent/x") != NULL,
       "%s: a missing file names its path: %s", label, err.msg);
    /* procfs reports st_size 0 for files that hold bytes. */
    ok(read("/proc/self/status", 1 << 20, &a, &b, &err) == WH_OK && b.len > 0 &&
           strstr((const char *)b.ptr, "Name:") != NULL,
       "%s: a procfs file (st_size 0) is read whole (%zu bytes)", label, b.len);
    ok(read("/proc/self/status", 8, &a, &b, &err) == WH_E_LIMIT,
       "%s: a procfs file over the limit is refused", label);
    wh_arena_fini(&a);
}

static void
pipe_is_read(void)
{
    struct wh_arena a;
    struct wh_bytes b;
    struct wh_error err = {0};
    char path[256];

    snprintf(path, sizeof(path), "%s/fifo", dir);
    ok(mkfifo(path, 0600) == 0, "a FIFO to read from");
    if (fork() == 0) {
        FILE *f = fopen(path, "wb");
        fputs("piped bytes", f);
        fclose(f);
        _exit(0);
    }
    wh_arena_init(&a);
    ok(wh_file_map(path, 100, &a, &b, &err) == WH_OK && b.len == 11 &&
           strcmp((const char *)b.ptr, "piped bytes") == 0,
       "wh_file_map reads a FIFO through the stream path");
    wh_arena_fini(&a);
}

int
main(void)
{
    char cmd[300];

    if (mkdtemp(dir) == NULL)
        return 1;
    sizes_and_limits("read", wh_file_read);
    sizes_and_limits("map", wh_file_map);
    pipe_is_read();
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        ok(0, "cleanup");
    return done_testing();
}
