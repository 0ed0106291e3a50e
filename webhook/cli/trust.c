/* `driftgate trust update`: refreshes the keyless trust root (Sigstore's trusted_root.json) from a
 * TUF repository. The network and the files are here; every trust decision is trust/tuf.c's.
 * The target is written atomically (temporary file + rename), so a `serve` watching the path
 * reloads a whole file or nothing. Exit 0 written or unchanged, 1 the repository's metadata or
 * target was refused, 2 usage, network or file error. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/digest.h"
#include "base/file.h"
#include "base/limits.h"
#include "cli/commands.h"
#include "registry/curl_lib.h"
#include "trust/root.h"
#include "trust/tuf.h"

#define DEFAULT_TARGET "trusted_root.json"
#define DEFAULT_TIMEOUT_S 30
#define TARGET_MAX ((size_t)16 << 20)

struct args {
    char *repo;        /* trailing '/' removed */
    char *targets_url; /* default REPO/targets */
    const char *root;
    const char *out;
    const char *target;
    const char *state; /* directory keeping verified metadata between runs, or NULL */
    long timeout_ms;
};

struct fetch {
    unsigned char *ptr;
    size_t len, cap;
    bool over;
};

static int
usage(void)
{
    fputs("usage: driftgate trust update --repo URL --root ROOT.json --out FILE\n"
          "         [--target NAME] [--targets-url URL] [--state DIR] [--timeout SECONDS]\n"
          "  --repo URL         the TUF repository's metadata (https://tuf-repo-cdn.sigstore.dev,\n"
          "                     a mirror, or file:///DIR)\n"
          "  --root ROOT.json   the root you trust to start from (Sigstore publishes its initial\n"
          "                     root in github.com/sigstore/root-signing)\n"
          "  --out FILE         where the verified target goes (written atomically)\n"
          "  --target NAME      the target file (default trusted_root.json)\n"
          "  --targets-url URL  where targets are served (default REPO/targets)\n"
          "  --state DIR        keeps the newest verified root, timestamp and snapshot between\n"
          "                     runs (rollback protection across runs; recommended)\n"
          "  --timeout SECONDS  per request (default 30)\n"
          "exit: 0 written or unchanged, 1 the repository was refused (the reason is printed),\n"
          "      2 usage, network or file error\n",
          stderr);
    return 2;
}

/* "https://host/repo/" names the same repository as "https://host/repo": file names are appended
 * after one '/', and some servers answer "//1.root.json" with a 404 (which would end the root
 * rotation early). C11 5.1.2.2.1: argv strings are modifiable. */
static void
trim_slashes(char *url)
{
    size_t n = strlen(url);

    while (n > 1 && url[n - 1] == '/')
        url[--n] = '\0';
}

static bool
parse_args(int argc, char **argv, struct args *a)
{
    static const struct option opts[] = {
        {"repo", required_argument, NULL, 'r'},    {"root", required_argument, NULL, 'R'},
        {"out", required_argument, NULL, 'o'},     {"target", required_argument, NULL, 't'},
        {"state", required_argument, NULL, 's'},   {"targets-url", required_argument, NULL, 'u'},
        {"timeout", required_argument, NULL, 'T'}, {NULL, 0, NULL, 0},
    };
    int c;
    char *end;
    long secs;

    *a = (struct args){.target = DEFAULT_TARGET, .timeout_ms = DEFAULT_TIMEOUT_S * 1000L};
    optind = 1;
    opterr = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            a->repo = optarg;
            break;
        case 'R':
            a->root = optarg;
            break;
        case 'o':
            a->out = optarg;
            break;
        case 't':
            a->target = optarg;
            break;
        case 's':
            a->state = optarg;
            break;
        case 'u':
            a->targets_url = optarg;
            break;
        case 'T':
            secs = strtol(optarg, &end, 10);
            if (*end != '\0' || secs < 1 || secs > 3600) {
                fprintf(stderr, "driftgate trust update: --timeout %s: expected 1..3600\n", optarg);
                return false;
            }
            a->timeout_ms = secs * 1000L;
            break;
        default:
            return false;
        }
    }
    if (optind != argc || a->repo == NULL || a->root == NULL || a->out == NULL) {
        fputs("driftgate trust update: --repo, --root and --out are required\n", stderr);
        return false;
    }
    trim_slashes(a->repo);
    if (a->targets_url != NULL)
        trim_slashes(a->targets_url);
    /* The name goes into a URL and a state file name: a path or a query would fetch another. */
    if (a->target[0] == '\0' || strpbrk(a->target, "/?#%\\") != NULL ||
        strcmp(a->target, "..") == 0 || strcmp(a->target, ".") == 0) {
        fprintf(stderr, "driftgate trust update: --target %s: a file name, without / ? # %%\n",
                a->target);
        return false;
    }
    return true;
}

/* libcurl, loaded by wh_cli_trust before anything else uses it. */
static const struct wh_registry_curl *libcurl;

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
    struct fetch *f = arg;

    (void)size; /* always 1 (libcurl's contract) */
    if (n > f->cap - f->len) {
        f->over = true;
        return 0;
    }
    memcpy(f->ptr + f->len, p, n);
    f->len += n;
    return n;
}

/*
 * GETs `url` into `a`, at most `max` bytes. WH_E_NOT_FOUND for HTTP 403/404 or a missing file
 * (what the spec's root rotation stops on), WH_E_LIMIT past `max`, WH_E_UNAVAILABLE otherwise.
 */
static enum wh_err
fetch(CURL *h, const char *url, size_t max, long timeout_ms, struct wh_arena *a,
      struct wh_bytes *out, struct wh_error *err)
{
    char errbuf[CURL_ERROR_SIZE] = "";
    struct fetch f = {.ptr = wh_arena_alloc(a, max + 1), .cap = max};
    long status = 0;
    CURLcode cc;

    libcurl->easy_reset(h);
    WH_CURL_SETOPT_PTR(libcurl, h, CURLOPT_URL, url);
    WH_CURL_SETOPT_PTR(libcurl, h, CURLOPT_ERRORBUFFER, errbuf);
    WH_CURL_SETOPT_LONG(libcurl, h, CURLOPT_NOSIGNAL, 1L);
    WH_CURL_SETOPT_PTR(libcurl, h, CURLOPT_PROTOCOLS_STR, "http,https,file");
    WH_CURL_SETOPT_PTR(libcurl, h, CURLOPT_REDIR_PROTOCOLS_STR, "https");
    WH_CURL_SETOPT_LONG(libcurl, h, CURLOPT_FOLLOWLOCATION, 1L);
    WH_CURL_SETOPT_LONG(libcurl, h, CURLOPT_MAXREDIRS, 3L);
    WH_CURL_SETOPT_LONG(libcurl, h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    WH_CURL_SETOPT_LONG(libcurl, h, CURLOPT_TIMEOUT_MS, timeout_ms);
    WH_CURL_SETOPT_OFF(libcurl, h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max);
    WH_CURL_SETOPT_FN(libcurl, h, CURLOPT_WRITEFUNCTION, on_body);
    WH_CURL_SETOPT_PTR(libcurl, h, CURLOPT_WRITEDATA, &f);
    WH_CURL_SETOPT_PTR(libcurl, h, CURLOPT_USERAGENT, "driftgate-tuf/1");
    cc = libcurl->easy_perform(h);
    libcurl->easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (f.over || cc == CURLE_FILESIZE_EXCEEDED)
        return wh_error_set(err, WH_E_LIMIT,
                            "%s: more than %zu bytes, the most this file may have (an "
                            "endless-data attack, a tampered file or a wrong URL)",
                            url, max);
    if (cc == CURLE_FILE_COULDNT_READ_FILE || status == 403 || status == 404)
        return wh_error_set(err, WH_E_NOT_FOUND, "%s: not found", url);
    if (cc != CURLE_OK)
        return wh_error_set(err, WH_E_UNAVAILABLE, "%s: %s", url,
                            errbuf[0] != '\0' ? errbuf : libcurl->easy_strerror(cc));
    if (status >= 300)
        return wh_error_set(err, WH_E_UNAVAILABLE, "%s: HTTP %ld", url, status);
    f.ptr[f.len] = '\0';
    *out = (struct wh_bytes){f.ptr, f.len};
    return WH_OK;
}

static bool
same_content(const char *path, struct wh_bytes data)
{
    struct wh_arena a;
    struct wh_bytes old;
    struct wh_error err;
    bool same;

    wh_arena_init(&a);
    same = wh_file_read(path, data.len, &a, &old, &err) == WH_OK && old.len == data.len &&
           memcmp(old.ptr, data.ptr, data.len) == 0;
    wh_arena_fini(&a);
    return same;
}

/* Writes `data` to `path` through a temporary file in its directory and rename(2): a reader
 * sees the old file or the new one, never a part. */
static enum wh_err
write_atomic(const char *path, struct wh_bytes data, struct wh_error *err)
{
    size_t n = strlen(path);
    char *tmp = malloc(n + 16), *dir = strdup(path);
    int fd = -1, dfd;
    size_t done = 0;
    enum wh_err rc = WH_OK;

    if (tmp == NULL || dir == NULL)
        wh_oom();
    memcpy(tmp, path, n);
    memcpy(tmp + n, ".tmp.XXXXXX", sizeof(".tmp.XXXXXX"));
    if ((fd = mkstemp(tmp)) < 0) {
        rc = wh_error_set(err, WH_E_UNAVAILABLE, "%s: %s", tmp, strerror(errno));
        goto out;
    }
    while (done < data.len) {
        ssize_t w = write(fd, data.ptr + done, data.len - done);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            rc = wh_error_set(err, WH_E_UNAVAILABLE, "%s: %s", tmp, strerror(errno));
            goto out;
        }
        done += (size_t)w;
    }
    if (fchmod(fd, 0644) != 0 || fsync(fd) != 0 || close(fd) != 0) {
        fd = -1;
        rc = wh_error_set(err, WH_E_UNAVAILABLE, "%s: %s", tmp, strerror(errno));
        goto out;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        rc = wh_error_set(err, WH_E_UNAVAILABLE, "rename to %s: %s", path, strerror(errno));
        goto out;
    }
    if ((dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY)) >= 0) {
        (void)fsync(dfd); /* the rename's durability; the file is whole either way */
        close(dfd);
    }
out:
    if (fd >= 0)
        close(fd);
    if (rc != WH_OK)
        unlink(tmp);
    free(tmp);
    free(dir);
    return rc;
}

static enum wh_err
save_state(const struct args *a, const char *name, struct wh_bytes data, struct wh_error *err)
{
    char path[4096];

    if (a->state == NULL)
        return WH_OK;
    if ((size_t)snprintf(path, sizeof(path), "%s/%s", a->state, name) >= sizeof(path))
        return wh_error_set(err, WH_E_UNAVAILABLE, "--state %s: path too long", a->state);
    if (same_content(path, data))
        return WH_OK;
    return write_atomic(path, data, err);
}

/* Reads DIR/name from the state directory; false when absent or unreadable (said on stderr). */
static bool
read_state(const struct args *a, const char *name, size_t max, struct wh_arena *ar,
           struct wh_bytes *out)
{
    char path[4096];
    struct wh_error err;

    if (a->state == NULL ||
        (size_t)snprintf(path, sizeof(path), "%s/%s", a->state, name) >= sizeof(path) ||
        access(path, F_OK) != 0)
        return false;
    if (wh_file_read(path, max, ar, out, &err) != WH_OK) {
        fprintf(stderr, "driftgate trust update: state ignored: %s\n", err.msg);
        return false;
    }
    return true;
}

/* Spec §5.2: the trusted root is the newer of --root and the state directory's. */
static enum wh_err
load_trusted_root(const struct args *a, time_t now, struct wh_arena *ar, struct wh_tuf **out,
                  struct wh_error *err)
{
    struct wh_bytes json;
    struct wh_tuf *t = NULL, *kept = NULL;

    if (wh_file_read(a->root, WH_TRUST_TUF_ROOT_MAX, ar, &json, err) != WH_OK ||
        wh_trust_tuf_new(json, now, &t, err) != WH_OK)
        return wh_error_wrap(err, "--root %s", a->root);
    if (read_state(a, "root.json", WH_TRUST_TUF_ROOT_MAX, ar, &json)) {
        if (wh_trust_tuf_new(json, now, &kept, err) != WH_OK) {
            wh_trust_tuf_free(t);
            return wh_error_wrap(err, "--state %s/root.json (remove it to start from --root)",
                                 a->state);
        }
        if (wh_trust_tuf_root_version(kept) > wh_trust_tuf_root_version(t)) {
            wh_trust_tuf_free(t);
            t = kept;
        } else {
            wh_trust_tuf_free(kept);
        }
    }
    *out = t;
    return WH_OK;
}

/* Spec §5.3: follows N+1.root.json until the repository has no next one. */
static enum wh_err
update_root(const struct args *a, CURL *h, struct wh_tuf *t, struct wh_arena *ar,
            struct wh_error *err)
{
    for (int i = 0; i < WH_TRUST_TUF_MAX_ROOT_ROTATIONS; i++) {
        char *url = wh_arena_sprintf(ar, "%s/%lld.root.json", a->repo,
                                     (long long)wh_trust_tuf_root_version(t) + 1);
        struct wh_bytes json;
        enum wh_err rc = fetch(h, url, WH_TRUST_TUF_ROOT_MAX, a->timeout_ms, ar, &json, err);

        if (rc == WH_E_NOT_FOUND)
            return wh_trust_tuf_root_check_fresh(t, err);
        if (rc != WH_OK || wh_trust_tuf_root_update(t, json, err) != WH_OK ||
            save_state(a, "root.json", json, err) != WH_OK)
            return err->code;
    }
    return wh_error_set(err, WH_E_LIMIT, "root.json: more than %d rotations in one update",
                        WH_TRUST_TUF_MAX_ROOT_ROTATIONS);
}

/* Spec §5.4, §5.5, §5.6, with the state directory's timestamp and snapshot as the trusted ones
 * (a state file that no longer verifies, say after a key rotation, is ignored, as python-tuf). */
static enum wh_err
update_metadata(const struct args *a, CURL *h, struct wh_tuf *t, struct wh_arena *ar,
                struct wh_error *err)
{
    struct wh_bytes json;
    int64_t version;
    size_t max;
    bool cs = wh_trust_tuf_consistent_snapshot(t);
    struct wh_error ignored;
    char *url;

    if (read_state(a, "timestamp.json", WH_TRUST_TUF_TIMESTAMP_MAX, ar, &json) &&
        wh_trust_tuf_timestamp_update(t, json, true, &ignored) != WH_OK)
        fprintf(stderr, "driftgate trust update: state ignored: %s\n", ignored.msg);
    url = wh_arena_sprintf(ar, "%s/timestamp.json", a->repo);
    if (fetch(h, url, WH_TRUST_TUF_TIMESTAMP_MAX, a->timeout_ms, ar, &json, err) != WH_OK ||
        wh_trust_tuf_timestamp_update(t, json, false, err) != WH_OK ||
        save_state(a, "timestamp.json", json, err) != WH_OK)
        return err->code;

    wh_trust_tuf_snapshot_want(t, &version, &max);
    if (read_state(a, "snapshot.json", WH_TRUST_TUF_SNAPSHOT_MAX, ar, &json) &&
        wh_trust_tuf_snapshot_update(t, json, true, &ignored) != WH_OK)
        fprintf(stderr, "driftgate trust update: state ignored: %s\n", ignored.msg);
    url = cs ? wh_arena_sprintf(ar, "%s/%lld.snapshot.json", a->repo, (long long)version)
             : wh_arena_sprintf(ar, "%s/snapshot.json", a->repo);
    if (fetch(h, url, max, a->timeout_ms, ar, &json, err) != WH_OK ||
        wh_trust_tuf_snapshot_update(t, json, false, err) != WH_OK ||
        save_state(a, "snapshot.json", json, err) != WH_OK)
        return err->code;

    if (wh_trust_tuf_targets_want(t, &version, &max, err) != WH_OK)
        return err->code;
    url = cs ? wh_arena_sprintf(ar, "%s/%lld.targets.json", a->repo, (long long)version)
             : wh_arena_sprintf(ar, "%s/targets.json", a->repo);
    if (fetch(h, url, max, a->timeout_ms, ar, &json, err) != WH_OK ||
        wh_trust_tuf_targets_update(t, json, err) != WH_OK)
        return err->code;
    return WH_OK;
}

/* Spec §5.7: the target, bounded by its trusted length and checked against its hashes. */
static enum wh_err
fetch_target(const struct args *a, CURL *h, struct wh_tuf *t, struct wh_arena *ar,
             struct wh_bytes *out, struct wh_error *err)
{
    struct wh_trust_tuf_target tg;
    const char *base =
        a->targets_url != NULL ? a->targets_url : wh_arena_sprintf(ar, "%s/targets", a->repo);
    char *url;
    enum wh_err rc;

    if ((rc = wh_trust_tuf_target_find(t, a->target, &tg, err)) != WH_OK)
        return rc;
    if (tg.length > TARGET_MAX)
        return wh_error_set(err, WH_E_LIMIT, "target %s: %zu bytes, more than the %zu allowed",
                            a->target, tg.length, TARGET_MAX);
    /* consistent snapshots: targets/<hash>.<name>, python-tuf and tuf-js take the first hash */
    url = !wh_trust_tuf_consistent_snapshot(t) ? wh_arena_sprintf(ar, "%s/%s", base, a->target)
          : tg.sha256[0] != '\0' ? wh_arena_sprintf(ar, "%s/%s.%s", base, tg.sha256, a->target)
                                 : wh_arena_sprintf(ar, "%s/%s.%s", base, tg.sha512, a->target);
    rc = fetch(h, url, tg.length, a->timeout_ms, ar, out, err);
    if (rc == WH_E_LIMIT)
        return wh_error_set(err, WH_E_VERIFY,
                            "target %s: longer than the %zu bytes targets.json says", a->target,
                            tg.length);
    if (rc != WH_OK)
        return rc;
    return wh_trust_tuf_target_verify(&tg, *out, err);
}

/* serve must be able to load what is written: a trusted root that fails to parse is refused. */
static enum wh_err
check_trusted_root(const struct args *a, struct wh_bytes data, struct wh_error *err)
{
    static const struct wh_limits limits = WH_LIMITS_DEFAULT;
    struct wh_trust_root *r = NULL;
    size_t n = strlen(a->target);

    if (n < strlen(DEFAULT_TARGET) ||
        strcmp(a->target + n - strlen(DEFAULT_TARGET), DEFAULT_TARGET) != 0)
        return WH_OK;
    if (wh_trust_root_parse(data, a->target, &limits, &r, err) != WH_OK)
        return wh_error_wrap(err, "the verified target does not load as a trust root");
    wh_trust_root_unref(r);
    return WH_OK;
}

static int
run_update(const struct args *a)
{
    struct wh_arena ar;
    struct wh_error err = {0};
    struct wh_tuf *t = NULL;
    struct wh_bytes data = {0};
    char digest[WH_DIGEST_STR_LEN];
    CURL *h = libcurl->easy_init();
    int status = 2;
    bool unchanged;

    if (h == NULL)
        wh_oom();
    wh_arena_init(&ar);
    if (load_trusted_root(a, time(NULL), &ar, &t, &err) != WH_OK) {
        fprintf(stderr, "driftgate trust update: %s\n", err.msg);
        goto out;
    }
    if (update_root(a, h, t, &ar, &err) != WH_OK || update_metadata(a, h, t, &ar, &err) != WH_OK ||
        fetch_target(a, h, t, &ar, &data, &err) != WH_OK ||
        check_trusted_root(a, data, &err) != WH_OK)
        goto out;
    unchanged = same_content(a->out, data);
    if (!unchanged && write_atomic(a->out, data, &err) != WH_OK)
        goto out;
    wh_digest_sha256_str(data.ptr, data.len, digest);
    printf("driftgate trust update: %s (%zu bytes, %s) from root version %lld: %s %s\n", a->target,
           data.len, digest, (long long)wh_trust_tuf_root_version(t),
           unchanged ? "unchanged" : "written to", a->out);
    status = 0;
out:
    if (status != 0 && t != NULL) {
        /* A refused repository (1) from one that could not be reached or written (2). */
        status =
            err.code == WH_E_UNAVAILABLE || err.code == WH_E_TIMEOUT || err.code == WH_E_INTERNAL
                ? 2
                : 1;
        fprintf(stderr, "driftgate trust update: %s: %s\n", a->repo, err.msg);
        if (status == 1)
            fputs("driftgate trust update: the trust root was not changed; serve keeps the one "
                  "it has\n",
                  stderr);
    }
    wh_trust_tuf_free(t);
    libcurl->easy_cleanup(h);
    wh_arena_fini(&ar);
    return status;
}

int
wh_cli_trust(int argc, char **argv)
{
    struct args a;
    struct wh_error err = {0};

    if (argc < 2 || strcmp(argv[1], "update") != 0) {
        fputs("driftgate trust: expected the subcommand update\n", stderr);
        return usage();
    }
    if (!parse_args(argc - 1, argv + 1, &a))
        return usage();
    if (wh_registry_curl_load(&libcurl, &err) != WH_OK) {
        fprintf(stderr, "driftgate trust update: %s\n", err.msg);
        return 2;
    }
    return run_update(&a);
}
