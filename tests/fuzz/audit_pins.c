/*
 * `driftgate audit pins` parsers: the first byte picks one (workflow, action, Dockerfile,
 * devcontainer.json, actions.lock, devcontainer-lock.json, a shell script, JSONC stripping); the
 * rest is the file. Each either succeeds or fails with WH_E_INVALID/WH_E_LIMIT and a "line:col: "
 * message; every reference it produced is complete (text, name, a position, a digest when pinned
 * or locked but for checksum-verified downloads, a reason when unpinned) and gets a tier from the
 * default rules. JSONC stripping keeps the length and every newline where it was.
 */
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "audit/classify.h"
#include "audit/devcontainer.h"
#include "audit/dockerfile.h"
#include "audit/jsonc.h"
#include "audit/lock.h"
#include "audit/shell.h"
#include "audit/workflow.h"
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
check_refs(struct wh_audit *au)
{
    size_t i;

    wh_audit_classify(au, NULL);
    for (i = 0; i < au->n_refs; i++) {
        const struct wh_audit_ref *r = &au->refs[i];
        WH_ASSERT(r->text != NULL && r->name != NULL && r->file != NULL && r->line >= 1);
        WH_ASSERT((unsigned)r->kind < WH_PIN_KIND_COUNT);
        /* A download checked by sha256sum -c is pinned by a check, not a digest it names. */
        if (r->status == WH_AUDIT_PINNED || r->status == WH_AUDIT_LOCKED)
            WH_ASSERT((r->digest != NULL || r->kind == WH_PIN_DOWNLOAD) && r->rule == NULL);
        else
            WH_ASSERT(r->rule != NULL);
        if (r->status == WH_AUDIT_UNPINNED)
            WH_ASSERT(r->why != NULL);
    }
}

static void
check_jsonc(struct wh_bytes in, struct wh_arena *a)
{
    struct wh_bytes out;
    struct wh_error err;
    size_t i;
    enum wh_err rc = wh_audit_jsonc_strip(in, a, &out, &err);

    check_error(rc, &err);
    if (rc != WH_OK)
        return;
    WH_ASSERT(out.len == in.len && out.ptr[out.len] == '\0');
    for (i = 0; i < in.len; i++)
        WH_ASSERT((in.ptr[i] == '\n') == (out.ptr[i] == '\n'));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wh_arena a;
    struct wh_audit au;
    struct wh_audit_lock lock;
    struct wh_error err;
    struct wh_bytes text;
    const char *df = NULL;
    enum wh_err rc = WH_OK;
    char *script;

    if (size < 1 || size > WH_AUDIT_FILE_MAX)
        return 0;
    wh_arena_init(&a);
    wh_audit_init(&au, &a);
    /* Files are NUL-terminated when read (walk.c); so is this copy. */
    script = wh_arena_strndup(&a, (const char *)data + 1, size - 1);
    text = (struct wh_bytes){(const unsigned char *)script, size - 1};
    switch (data[0] % 8) {
    case 0:
    case 1:
        rc = wh_audit_workflow(&au, "w.yml", text, data[0] % 8 == 1, NULL, &err);
        break;
    case 2:
        rc = wh_audit_dockerfile(&au, "Dockerfile", text, &err);
        break;
    case 3:
        rc = wh_audit_devcontainer(&au, "devcontainer.json", text, NULL, &df, &err);
        break;
    case 4:
        rc = wh_audit_actions_lock_parse(text, &a, &lock, &err);
        break;
    case 5:
        rc = wh_audit_devcontainer_lock_parse(text, &a, &lock, &err);
        break;
    case 6:
        wh_audit_shell(&au, "run", 1, script, -1);
        break;
    default:
        check_jsonc(text, &a);
        break;
    }
    check_error(rc, &err);
    check_refs(&au);
    wh_arena_fini(&a);
    return 0;
}
