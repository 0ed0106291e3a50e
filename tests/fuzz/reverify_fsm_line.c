/* The fingerprint line of `driftgate fsm watch`, read back from pods/log by `reverify --fsm`
 * (cli/reverify_fsm.c): never crashes; on success the line is either an error (and nothing else)
 * or has a sha256 root and mounts of directories and #skipped notes only; the expected root
 * rebuilt from a small image manifest with those mounts applied is a sha256 or a clear error. */
#include <string.h>

#include "base/arena.h"
#include "cli/reverify.h"
#include "fsm/manifest.h"
#include "fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char image[] = WH_FSM_HEADER ". type=dir mode=0755 uid=0 gid=0\n"
                                              "./etc type=dir mode=0755 uid=0 gid=0\n"
                                              "./proc type=dir mode=0555 uid=0 gid=0\n";
    struct wh_arena a;
    struct wh_reverify_fsm_line l;
    struct wh_fsm_manifest m;
    struct wh_error err;
    const char *root;

    wh_arena_init(&a);
    if (wh_cli_reverify_fsm_line_parse((struct wh_bytes){data, size}, &a, &l, &err) == WH_OK) {
        WH_ASSERT((l.error != NULL) != (l.root != NULL));
        WH_ASSERT(l.root == NULL || (strlen(l.root) == 71 && strncmp(l.root, "sha256:", 7) == 0));
        for (size_t i = 0; i < l.mounts.n_entries; i++)
            WH_ASSERT(l.mounts.entries[i].type == WH_FSM_DIR);
        for (size_t i = 0; i < l.mounts.n_notes; i++)
            WH_ASSERT(l.mounts.notes[i].kind == WH_FSM_NOTE_SKIPPED);
        WH_ASSERT(wh_fsm_manifest_parse(wh_str_c(image), 16, &a, &m, &err) == WH_OK);
        if (l.root != NULL && wh_cli_reverify_fsm_expected_root(&m, &l, &a, &root, &err) == WH_OK)
            WH_ASSERT(strlen(root) == 71 && strncmp(root, "sha256:", 7) == 0);
    } else {
        WH_ASSERT(err.msg[0] != '\0');
        WH_ASSERT(err.code == WH_E_INVALID || err.code == WH_E_LIMIT || err.code == WH_E_NOT_FOUND);
    }
    wh_arena_fini(&a);
    return 0;
}
