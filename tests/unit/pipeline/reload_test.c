/* pipeline/reload.c: which file changes load which set, the Kubernetes ..data symlink swap,
 * SIGHUP requests, debounce, and a missing file. Real files in a temp dir, real inotify. */
#include "pipeline/reload.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/clock.h"
#include "unit/harness.h"

struct counter {
    atomic_int calls;
    enum wh_err rc;
};

static enum wh_err
count_load(void *arg, struct wh_error *err)
{
    struct counter *c = arg;

    atomic_fetch_add(&c->calls, 1);
    if (c->rc != WH_OK)
        return wh_error_set(err, c->rc, "test: refused");
    return WH_OK;
}

static char dir[64];

static void
write_file(const char *rel, const char *text)
{
    char path[256];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

/* Runs `cmd` with every "@" replaced by the temp dir. */
static void
sh(const char *cmd)
{
    char full[1024];
    size_t n = 0;

    for (; *cmd != '\0' && n + sizeof(dir) + 1 < sizeof(full); cmd++) {
        if (*cmd == '@')
            n += (size_t)snprintf(full + n, sizeof(full) - n, "%s", dir);
        else
            full[n++] = *cmd;
    }
    full[n] = '\0';
    if (system(full) != 0)
        fprintf(stderr, "# command failed: %s\n", full);
}

/* Waits until `loads` load calls completed, up to `ms`. */
static bool
wait_loads(struct wh_reload *r, unsigned long loads, int ms)
{
    int64_t end = wh_clock_mono_ms() + ms;

    while (wh_pipeline_reload_loads(r) < loads && wh_clock_mono_ms() < end)
        usleep(5000);
    return wh_pipeline_reload_loads(r) >= loads;
}

int
main(void)
{
    struct counter policy = {0, WH_OK}, tls = {0, WH_OK};
    struct wh_reload *r;
    struct wh_error err;
    char p_policy[128], p_crt[128], p_key[128];
    const char *ps[1], *ts[2];

    snprintf(dir, sizeof(dir), "/tmp/dg-reload-test.XXXXXX");
    if (mkdtemp(dir) == NULL)
        return 1;
    /* The layout kubelet gives a mounted ConfigMap/Secret: files are symlinks into ..data,
     * which is a symlink to a timestamped directory. */
    sh("mkdir @/..v1 && ln -s ..v1 @/..data");
    write_file("..v1/policy.yaml", "v1");
    write_file("..v1/tls.crt", "crt1");
    write_file("..v1/tls.key", "key1");
    sh("cd @ && ln -s ..data/policy.yaml policy.yaml && ln -s ..data/tls.crt tls.crt && "
       "ln -s ..data/tls.key tls.key");
    snprintf(p_policy, sizeof(p_policy), "%s/policy.yaml", dir);
    snprintf(p_crt, sizeof(p_crt), "%s/tls.crt", dir);
    snprintf(p_key, sizeof(p_key), "%s/tls.key", dir);
    ps[0] = p_policy;
    ts[0] = p_crt;
    ts[1] = p_key;

    r = wh_pipeline_reload_new(0); /* inotify only: a pass proves the event path, not the poll */
    wh_pipeline_reload_watch(r, "policy", ps, 1, count_load, &policy);
    wh_pipeline_reload_watch(r, "tls", ts, 2, count_load, &tls);
    ok(wh_pipeline_reload_start(r, &err) == WH_OK, "watcher starts");

    usleep(300 * 1000);
    ok(wh_pipeline_reload_loads(r) == 0, "nothing loads while nothing changes");

    /* kubelet's update: new dir, new ..data_tmp symlink, rename over ..data. Only the policy
     * differs; tls files are new inodes too, as kubelet writes every key afresh. */
    sh("mkdir @/..v2 && cp -p @/..v1/tls.crt @/..v1/tls.key @/..v2/");
    write_file("..v2/policy.yaml", "v2");
    sh("cd @ && ln -s ..v2 ..data_tmp && mv -T ..data_tmp ..data && rm -rf ..v1");
    ok(wait_loads(r, 2, 3000), "..data swap: both sets load (new inodes)");
    ok(atomic_load(&policy.calls) == 1 && atomic_load(&tls.calls) == 1,
       "each set loads once per swap, debounced (policy %d, tls %d)", atomic_load(&policy.calls),
       atomic_load(&tls.calls));

    /* An in-place write of one file of the tls set loads only that set. */
    usleep(20 * 1000);
    write_file("..v2/tls.key", "key2-longer");
    ok(wait_loads(r, 3, 3000), "in-place write of the key loads");
    ok(atomic_load(&tls.calls) == 2 && atomic_load(&policy.calls) == 1,
       "only the tls set (tls %d, policy %d)", atomic_load(&tls.calls), atomic_load(&policy.calls));

    /* A failing load is reported and does not stop the watcher. */
    policy.rc = WH_E_INVALID;
    write_file("..v2/policy.yaml", "broken: [");
    ok(wait_loads(r, 4, 3000), "a bad policy is loaded (and refused by its loader)");
    policy.rc = WH_OK;
    write_file("..v2/policy.yaml", "fixed again");
    ok(wait_loads(r, 5, 3000) && atomic_load(&policy.calls) == 3,
       "the watcher keeps going after a failed load (policy %d)", atomic_load(&policy.calls));

    /* SIGHUP: every set, changed or not. */
    wh_pipeline_reload_request(r);
    ok(wait_loads(r, 7, 3000), "a request loads every set");
    ok(atomic_load(&policy.calls) == 4 && atomic_load(&tls.calls) == 3,
       "request: policy %d, tls %d", atomic_load(&policy.calls), atomic_load(&tls.calls));

    /* A deleted file is a change too; the loader decides it is an error. */
    sh("rm @/..v2/policy.yaml");
    ok(wait_loads(r, 8, 3000) && atomic_load(&policy.calls) == 5, "a deleted file loads (fails)");
    wh_pipeline_reload_free(r);

    /* The stat fallback alone: the file's directory is the ..data symlink, which inotify is
     * told not to follow (IN_DONT_FOLLOW | IN_ONLYDIR), so only the 50 ms poll can see it. */
    {
        struct counter c = {0, WH_OK};
        char p[128];
        const char *one[1];

        snprintf(p, sizeof(p), "%s/..data/nested.yaml", dir);
        write_file("..v2/nested.yaml", "a");
        one[0] = p;
        r = wh_pipeline_reload_new(50);
        wh_pipeline_reload_watch(r, "nested", one, 1, count_load, &c);
        ok(wh_pipeline_reload_start(r, &err) == WH_OK, "polling watcher starts");
        usleep(150 * 1000);
        ok(atomic_load(&c.calls) == 0, "polling alone: no load without a change");
        write_file("..v2/nested.yaml", "bb");
        ok(wait_loads(r, 1, 2000) && atomic_load(&c.calls) == 1, "a changed file loads once");
        wh_pipeline_reload_free(r);
    }
    wh_pipeline_reload_free(NULL);
    sh("rm -rf @");
    return done_testing();
}
