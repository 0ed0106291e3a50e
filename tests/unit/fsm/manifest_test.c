/* fsm/manifest.c: canonical text, strict parser, escapes, root digest. */
#include "fsm/manifest.h"

#include "base/arena.h"
#include "unit/harness.h"

static enum wh_err
parse(const char *text, struct wh_arena *a, struct wh_fsm_manifest *m, struct wh_error *err)
{
    return wh_fsm_manifest_parse(wh_str_c(text), 100, a, m, err);
}

static void
test_roundtrip_and_escapes(void)
{
    struct wh_arena a;
    struct wh_fsm_manifest m;
    struct wh_fsm_entry e = {0};
    struct wh_str text;
    struct wh_error err;
    static const unsigned char caps[] = {1, 0, 0, 2, 0x20};

    wh_arena_init(&a);
    memset(&m, 0, sizeof(m));
    e.path = "./z";
    e.type = WH_FSM_LINK;
    e.link = "a b\\c";
    wh_fsm_manifest_add(&m, &e, &a);
    memset(&e, 0, sizeof(e));
    e.path = "./a\nb";
    e.type = WH_FSM_FILE;
    e.mode = 04755;
    e.uid = 1000;
    e.size = 3;
    e.has_sha256 = true;
    e.caps = caps;
    e.n_caps = sizeof(caps);
    wh_fsm_manifest_add(&m, &e, &a);
    wh_fsm_manifest_note(&m, WH_FSM_NOTE_SKIPPED, "./proc", &a);
    wh_fsm_manifest_sort(&m);
    ok(wh_fsm_manifest_render(&m, 4096, &a, &text, &err) == WH_OK, "render");
    ok(strcmp(text.ptr, "#driftgate-fsm v1 sha256\n"
                        "./a\\012b type=file mode=4755 uid=1000 gid=0 size=3 sha256="
                        "0000000000000000000000000000000000000000000000000000000000000000 "
                        "xattr.security.capability=0100000220\n"
                        "./z type=link uid=0 gid=0 link=a\\040b\\134c\n"
                        "#skipped ./proc\n") == 0,
       "canonical text, sorted, escaped");
    ok(parse(text.ptr, &a, &m, &err) == WH_OK && m.n_entries == 2 &&
           strcmp(m.entries[0].path, "./a\nb") == 0 && strcmp(m.entries[1].link, "a b\\c") == 0 &&
           m.entries[0].n_caps == 5 && m.n_notes == 1,
       "parse undoes the escapes");
    ok(strncmp(wh_fsm_root_digest(text, &a), "sha256:", 7) == 0, "root digest form");
    ok(wh_fsm_manifest_find(&m, "./z") == &m.entries[1] && wh_fsm_manifest_find(&m, "./y") == NULL,
       "find");
    ok(wh_fsm_manifest_render(&m, 40, &a, &text, &err) == WH_E_LIMIT, "render cap: %s", err.msg);
    wh_arena_fini(&a);
}

static void
test_strict_parse(void)
{
    static const struct str_case bad[] = {
        {"./a type=dir mode=0755 uid=0 gid=0\n", "header"},
        {"#driftgate-fsm v1 sha256\n./b type=dir mode=0755 uid=0 gid=0\n./a type=dir mode=0755 "
         "uid=0 gid=0\n",
         "line 3: entries not sorted"},
        {"#driftgate-fsm v1 sha256\n./a type=dir mode=0755 uid=0 gid=0\n./a type=dir mode=0755 "
         "uid=0 gid=0\n",
         "duplicate"},
        {"#driftgate-fsm v1 sha256\n./a type=dir mode=755 uid=0 gid=0\n", "four octal"},
        {"#driftgate-fsm v1 sha256\n./a type=dir mode=0755 uid=01 gid=0\n", "canonical decimal"},
        {"#driftgate-fsm v1 sha256\n./a type=file mode=0755 uid=0 gid=0 size=1 sha256=AB\n",
         "lowercase hex"},
        {"#driftgate-fsm v1 sha256\n./\\141 type=dir mode=0755 uid=0 gid=0\n", "written as itself"},
        {"#driftgate-fsm v1 sha256\n/etc type=dir mode=0755 uid=0 gid=0\n", "start with"},
        {"#driftgate-fsm v1 sha256\n./a type=dir mode=0755 uid=0 gid=0 size=0\n",
         "unexpected field"},
        {"#driftgate-fsm v1 sha256\n./a type=dir mode=0755 uid=0 gid=0", "missing newline"},
        {"#driftgate-fsm v1 sha256\n#skipped ./b\n#changed ./a\n", "notes not in canonical"},
        {"#driftgate-fsm v1 sha256\n#later ./b\n", "unknown note"},
        {"#driftgate-fsm v1 sha256\n./a type=door mode=0755 uid=0 gid=0\n", "unknown type"},
    };
    struct wh_arena a;
    struct wh_fsm_manifest m;
    struct wh_error err;
    size_t i;

    wh_arena_init(&a);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        enum wh_err rc = parse(bad[i].in, &a, &m, &err);
        ok(rc == WH_E_INVALID && strstr(err.msg, bad[i].want) != NULL, "refused (%s): %s",
           bad[i].want, rc == WH_OK ? "parsed" : err.msg);
    }
    ok(wh_fsm_manifest_parse(wh_str_c("#driftgate-fsm v1 sha256\n./a type=fifo mode=0644 uid=0 "
                                      "gid=0\n./b type=fifo mode=0644 uid=0 gid=0\n"),
                             1, &a, &m, &err) == WH_E_LIMIT,
       "entry cap: %s", err.msg);
    wh_arena_fini(&a);
}

int
main(void)
{
    test_roundtrip_and_escapes();
    test_strict_parse();
    return done_testing();
}
