/*
 * `driftgate audit repo` parsers: the first byte picks one (the toolchain files by name,
 * package.json against a lock split at the first NUL-free "\n----\n", requirements, pyproject,
 * go.mod against go.sum, renovate.json, dependabot.yml, and split the same way Cargo.toml against
 * Cargo.lock, package.json against yarn.lock, pnpm-lock.yaml and bun.lock, pyproject.toml against
 * uv.lock);
 * the rest is the file. Each either
 * succeeds or fails with WH_E_INVALID/WH_E_LIMIT and a "line:col: " message; every finding and
 * toolchain pin it produced is complete (rule, message, a known tier; tool and version), and a
 * pin's version starts with a digit. The toolchain comparison runs against a small SBOM.
 */
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "audit/deps.h"
#include "audit/repo.h"
#include "audit/toolchain.h"
#include "fuzz/fuzz.h"

static void
check_error(enum wh_err rc, const struct wh_error *err)
{
    int line = 0, col = 0;

    if (rc == WH_OK)
        return;
    WH_ASSERT(rc == WH_E_INVALID || rc == WH_E_LIMIT);
    WH_ASSERT(sscanf(err->msg, "%d:%d: ", &line, &col) == 2); /* NOLINT(cert-err34-c) */
    WH_ASSERT(line >= 1 && col >= 1);
}

static void
check_repo(struct wh_repo *r)
{
    static struct wh_sbom_component comps[] = {
        {"deb//python3", "deb", "python3", "3.11.2-1+b1", "python3"},
        {"node", "", "node", "v20.11.1", "node"},
        {"stdlib", "golang", "stdlib", "go1.22.3", "stdlib"},
    };
    struct wh_sbom sbom = {WH_SBOM_CYCLONEDX, comps, 3};
    size_t i;

    wh_audit_repo_toolchain_compare(r, &sbom, "dev:1");
    for (i = 0; i < r->n_tools; i++) {
        WH_ASSERT(r->tools[i].tool != NULL && r->tools[i].version != NULL);
        WH_ASSERT(r->tools[i].version[0] >= '0' && r->tools[i].version[0] <= '9');
        WH_ASSERT(r->tools[i].line >= 1);
    }
    for (i = 0; i < r->n_findings; i++) {
        const struct wh_repo_finding *f = &r->findings[i];
        WH_ASSERT(f->rule != NULL && f->msg != NULL);
        WH_ASSERT(f->tier == WH_TIER_BLOCK || f->tier == WH_TIER_WARN);
        WH_ASSERT((unsigned)f->layer < WH_REPO_LAYER_COUNT);
    }
}

static const char *const toolchain_files[] = {
    ".tool-versions", ".python-version",     ".nvmrc",
    "go.mod",         "rust-toolchain.toml", "rust-toolchain"};

/* Splits `text` at the first "\n----\n" into two files (the second empty when there is none). */
static void
split(struct wh_bytes text, struct wh_bytes *x, struct wh_bytes *y)
{
    const unsigned char *p = memmem(text.ptr, text.len, "\n----\n", 6);

    if (p == NULL) {
        *x = text;
        *y = (struct wh_bytes){text.ptr + text.len, 0};
        return;
    }
    *x = (struct wh_bytes){text.ptr, (size_t)(p - text.ptr)};
    *y = (struct wh_bytes){p + 6, text.len - (size_t)(p - text.ptr) - 6};
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wh_arena a;
    struct wh_audit au;
    struct wh_repo r;
    struct wh_audit_bot bot;
    struct wh_error err;
    struct wh_bytes text, x, y;
    const char *bad = NULL;
    enum wh_err rc = WH_OK;
    bool hashed;
    char *copy;

    if (size < 1 || size > WH_AUDIT_FILE_MAX)
        return 0;
    wh_arena_init(&a);
    wh_audit_init(&au, &a);
    wh_audit_repo_init(&r, &au);
    /* Files are NUL-terminated when read (walk.c); so is this copy. */
    copy = wh_arena_strndup(&a, (const char *)data + 1, size - 1);
    text = (struct wh_bytes){(const unsigned char *)copy, size - 1};
    switch (data[0] % 16) {
    case 6:
        split(text, &x, &y);
        rc = wh_audit_deps_npm(&r, "package.json", x, "package-lock.json", y, &bad, &err);
        (void)wh_audit_deps_npm_has_deps(x);
        (void)wh_audit_deps_npm_has_workspaces(x);
        break;
    case 7:
        rc = wh_audit_deps_requirements(&r, "requirements.txt", text, &hashed, &err);
        break;
    case 8:
        (void)wh_audit_deps_pyproject_has_deps(text);
        break;
    case 9:
        split(text, &x, &y);
        rc = wh_audit_deps_gomod(&r, "go.mod", x, "go.sum", y, &err);
        break;
    case 10:
        rc = wh_audit_deps_renovate(text, &a, &bot, &err);
        break;
    case 11:
        rc = wh_audit_deps_dependabot(text, &a, &bot, &err);
        break;
    case 12:
        split(text, &x, &y);
        rc = wh_audit_deps_cargo(&r, "Cargo.toml", x, "Cargo.lock", y, &bad, &err);
        break;
    case 13:
        split(text, &x, &y);
        rc = wh_audit_deps_yarn(&r, "package.json", x, "yarn.lock", y, &bad, &err);
        break;
    case 14: /* bit 32: bun.lock instead of pnpm-lock.yaml */
        split(text, &x, &y);
        if (data[0] & 32)
            rc = wh_audit_deps_bun(&r, "package.json", x, (data[0] & 16) ? "packages/a" : ".",
                                   "bun.lock", y, &bad, &hashed, &err);
        else
            rc = wh_audit_deps_pnpm(&r, "package.json", x, (data[0] & 16) ? "packages/a" : ".",
                                    "pnpm-lock.yaml", y, &bad, &hashed, &err);
        break;
    case 15:
        split(text, &x, &y);
        rc = wh_audit_deps_pylock(&r, "pyproject.toml", x, "uv.lock", y, &bad, &err);
        break;
    default:
        rc = wh_audit_toolchain_parse(&r, toolchain_files[data[0] % 6], text, &err);
        break;
    }
    check_error(rc, &err);
    check_repo(&r);
    for (size_t i = 0; i < r.n_deps; i++)
        WH_ASSERT(r.deps[i].manifest != NULL && r.deps[i].name != NULL &&
                  r.deps[i].version != NULL);
    wh_arena_fini(&a);
    return 0;
}
