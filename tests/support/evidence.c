/* Test-only: makes and reads the keyless-evidence.js fixtures (see evidence.h). */
#include "support/evidence.h"

#include <ftw.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/file.h"
#include "base/limits.h"

extern char **environ;

bool
evidence_make(char *dir, size_t size)
{
    const char *tmp = getenv("TMPDIR");
    char script[] = "tests/support/fixtures/keyless-evidence.js";
    char node[] = "node";
    char *argv[] = {node, script, dir, NULL};
    pid_t pid;
    int status;

    snprintf(dir, size, "%s/dg-evidence-XXXXXX", tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL) {
        dir[0] = '\0';
        return false;
    }
    if (access(script, R_OK) != 0) {
        fprintf(stderr, "evidence: %s not found: run from the repository top\n", script);
        return false;
    }
    if (posix_spawnp(&pid, node, NULL, NULL, argv, environ) != 0)
        return false;
    return waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static int
remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void
evidence_remove(const char *dir)
{
    if (dir[0] != '\0')
        nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

struct wh_bytes
evidence_read(const char *dir, const char *name, struct wh_arena *a)
{
    char path[1024];
    struct wh_bytes out = {0};
    struct wh_error err = {0};

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (wh_file_read(path, 64u << 20, a, &out, &err) != WH_OK) {
        fprintf(stderr, "evidence: %s\n", err.msg);
        exit(2);
    }
    return out;
}

struct wh_trust_root *
evidence_root(const char *dir, const char *name)
{
    static const struct wh_limits lim = WH_LIMITS_DEFAULT;
    char path[1024];
    const char *paths[1] = {path};
    struct wh_trust_root *root = NULL;
    struct wh_error err = {0};

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (wh_trust_root_load(paths, 1, &lim, &root, &err) != WH_OK) {
        fprintf(stderr, "evidence: %s\n", err.msg);
        exit(2);
    }
    return root;
}
