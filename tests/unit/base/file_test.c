/* wh_file_read and wh_file_map: whole files under a cap, NUL-terminated, whatever their kind
 * (regular, procfs with st_size 0, a pipe), on both sides of the mapping threshold. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
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

/* Runs fn in a child with stderr into a pipe; returns its wait status, its stderr in out. */
static int
run_child(void (*fn)(const char *), const char *arg, char *out, size_t size)
{
    int fds[2], status = -1;
    size_t used = 0;
    ssize_t n;
    pid_t pid;

    if (pipe(fds) != 0)
        return -1;
    pid = fork();
    if (pid == 0) {
        dup2(fds[1], STDERR_FILENO);
        close(fds[0]);
        fn(arg);
        _exit(0);
    }
    close(fds[1]);
    while (used + 1 < size && (n = read(fds[0], out + used, size - 1 - used)) > 0)
        used += (size_t)n;
    out[used] = '\0';
    close(fds[0]);
    waitpid(pid, &status, 0);
    return status;
}

/* Maps `path`, truncates it through another descriptor, then reads its last byte. */
static void
map_then_truncate(const char *path)
{
    struct wh_arena a;
    struct wh_bytes b;
    struct wh_error err;
    volatile unsigned char last;
    int fd;

    wh_arena_init(&a);
    if (wh_file_map(path, (size_t)1 << 30, &a, &b, &err) != WH_OK || b.len == 0)
        _exit(10);
    fd = open(path, O_WRONLY);
    if (fd < 0 || ftruncate(fd, 0) != 0)
        _exit(11);
    last = b.ptr[b.len - 1]; /* past the new end: SIGBUS */
    (void)last;
    _exit(12);
}

/* After a mapping is in place (the guard installed), a SIGBUS from kill() is not a file's. */
static void
map_then_kill(const char *path)
{
    struct wh_arena a;
    struct wh_bytes b;
    struct wh_error err;

    wh_arena_init(&a);
    if (wh_file_map(path, (size_t)1 << 30, &a, &b, &err) != WH_OK)
        _exit(10);
    raise(SIGBUS);
    _exit(12);
}

static void
truncated_mapping_fails_naming_the_file(void)
{
    char msg[1024];
    const char *path = make_file("shrinks.json", 2 * WH_FILE_MAP_MIN + 7);
    int status = run_child(map_then_truncate, path, msg, sizeof(msg));

    ok(WIFEXITED(status) && WEXITSTATUS(status) == 2,
       "a mapped file truncated under the reader: "
       "exit status 2, no crash (status %d)",
       status);
    ok(strstr(msg, path) != NULL && strstr(msg, "shrank while it was being read") != NULL,
       "the message names the file and what happened (%s)", msg);
    path = make_file("killed.json", 2 * WH_FILE_MAP_MIN + 7);
    status = run_child(map_then_kill, path, msg, sizeof(msg));
    ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS && msg[0] == '\0',
       "a SIGBUS that is not a mapped file's keeps the default action (status %d)", status);
}

/* One byte of each page of p[0, n): no ASan shadow reads (their pages would fault too), so only
 * the mapping's own page faults count. */
__attribute__((no_sanitize("address"))) static unsigned
touch_pages(const unsigned char *p, size_t n)
{
    unsigned sum = 0;

    for (size_t i = 0; i < n; i += 4096)
        sum += ((const volatile unsigned char *)p)[i];
    return sum;
}

/* wh_file_prefault maps a mapped file's pages in at once: reading them all after it takes (next
 * to) no page fault, where without it every 64 KiB would (fault-around); on a buffer that was
 * read, or an empty one, it does nothing harmful. */
static void
prefault_maps_pages_in(void)
{
    const size_t n = 4 * WH_FILE_MAP_MIN + 7;
    const char *path = make_file("prefault.json", n);
    void *probe = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    bool kernel_has_it = probe != MAP_FAILED && madvise(probe, 4096, MADV_POPULATE_READ) == 0;
    struct rusage before, after;
    struct wh_arena a;
    struct wh_bytes b;
    struct wh_error err;
    unsigned char heap[100] = "x";

    if (probe != MAP_FAILED)
        munmap(probe, 4096);
    wh_arena_init(&a);
    if (!ok(wh_file_map(path, (size_t)1 << 30, &a, &b, &err) == WH_OK, "prefault: %s maps", path)) {
        wh_arena_fini(&a);
        return;
    }
    wh_file_prefault(b);
    getrusage(RUSAGE_SELF, &before);
    (void)touch_pages(b.ptr, b.len);
    getrusage(RUSAGE_SELF, &after);
    ok(content_ok(b, n), "prefault: the mapping reads as the file");
    ok(!kernel_has_it || after.ru_minflt - before.ru_minflt < 8,
       "prefault: reading %zu prefaulted bytes took %ld page faults (< 8; kernel support: %d)", n,
       after.ru_minflt - before.ru_minflt, kernel_has_it);
    wh_file_prefault((struct wh_bytes){heap + 3, 50});
    wh_file_prefault((struct wh_bytes){NULL, 0});
    ok(heap[0] == 'x', "prefault: a heap buffer and an empty one are left as they were");
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
    truncated_mapping_fails_naming_the_file();
    prefault_maps_pages_in();
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        ok(0, "cleanup");
    return done_testing();
}
