/* The TOML subset (audit/toml.h), Cargo requirement matching and bun.lock (audit/deps.h) at their
 * edges. */
#include <string.h>

#include "audit/deps.h"
#include "audit/toml.h"
#include "unit/harness.h"

/* Every event of `text` as "T table" / "K key=value" lines, or the error message. */
static struct wh_bytes
bytes(const char *s)
{
    return (struct wh_bytes){(const unsigned char *)s, strlen(s)};
}

static const char *
events(const char *text, struct wh_arena *a)
{
    struct wh_audit_toml t;
    struct wh_audit_toml_kv kv;
    enum wh_audit_toml_ev ev;
    struct wh_error err = {0};
    const char *out = "";

    wh_audit_toml_init(&t, bytes(text));
    for (;;) {
        if (wh_audit_toml_next(&t, a, &ev, &kv, &err) != WH_OK)
            return wh_arena_sprintf(a, "%sERR %s", out, err.msg);
        if (ev == WH_AUDIT_TOML_END)
            return out;
        out = ev == WH_AUDIT_TOML_TABLE
                  ? wh_arena_sprintf(a, "%sT %s%s|", out, t.array_table ? "[]" : "", t.table)
                  : wh_arena_sprintf(a, "%sK %s=%.*s@%d|", out, kv.key, (int)kv.value.len,
                                     kv.value.ptr, kv.line);
    }
}

static void
test_toml_reader(void)
{
    struct wh_arena a;
    const char *got;
    struct wh_str v;

    wh_arena_init(&a);
    got = events("a = 1 # c\n[x . 'y.z']\n\"q k\" = [\n 1, # in\n \"]\",\n]\n[[p]]\nd = \"\"\"\n"
                 "[not]\n\"\"\"\n",
                 &a);
    ok(strcmp(got, "K a=1@1|T x.y.z|K q k=[  1,   \"]\", ]@3|T []p|K d=\"\"@8|") == 0,
       "headers, quoted and dotted keys, a multi-line array with a comment and a bracket in a "
       "string, a multi-line string skipped: %s",
       got);
    got = events("a = [1,\n[2\n", &a);
    ok(strcmp(got, "ERR 1:5: unterminated array or inline table") == 0,
       "an unterminated array is reported where it opens: %s", got);
    got = events("a = \"x\n", &a);
    ok(strcmp(got, "ERR 1:5: unterminated string") == 0, "unterminated string: %s", got);
    got = events("just words\n", &a);
    ok(strncmp(got, "ERR 1:6: expected = after the key", 33) == 0, "not key = value: %s", got);
    got = events("[a] b\n", &a);
    ok(strcmp(got, "ERR 1:5: unexpected text after the value") == 0, "text after a header: %s",
       got);
    /* Found by the audit_repo fuzz target: a key opening a multi-line string was read across
     * lines, and its error column came out negative. */
    got = events("a = 1\n\"\"\"k\nx\"\"\" = 2\n", &a);
    ok(strcmp(got, "K a=1@1|ERR 2:1: a key cannot be a multi-line string") == 0,
       "a multi-line string as a key is refused where it opens: %s", got);
    got = events("[\"\"\"\n\"\"\"]\n", &a);
    ok(strcmp(got, "ERR 1:2: a key cannot be a multi-line string") == 0, "nor as a table name: %s",
       got);
    ok(wh_audit_toml_inline_get(WH_STR("{ version = \"1\", \"path\" = '../p' }"), "path", &v) &&
           wh_str_eq_c(v, "'../p'"),
       "inline table lookup of a quoted key");
    ok(!wh_audit_toml_inline_get(WH_STR("{ versions = \"1\" }"), "version", &v),
       "a longer key is not the key");
    ok(wh_audit_toml_string(WH_STR("\"a\" \"b\""), &a) == NULL, "two strings are not one");
    wh_arena_fini(&a);
}

/* One Cargo.toml dependency `req` against a lock holding `version`: in sync? */
static bool
cargo_holds(const char *req, const char *version)
{
    struct wh_arena a;
    struct wh_audit au;
    struct wh_repo r;
    struct wh_error err = {0};
    const char *bad, *toml, *lock;
    bool in_sync;

    wh_arena_init(&a);
    wh_audit_init(&au, &a);
    wh_audit_repo_init(&r, &au);
    toml = wh_arena_sprintf(&a, "[dependencies]\nx = \"%s\"\n", req);
    lock = wh_arena_sprintf(&a,
                            "[[package]]\nname = \"x\"\nversion = \"%s\"\nsource = "
                            "\"registry+https://github.com/rust-lang/crates.io-index\"\n"
                            "checksum = \"%064d\"\n",
                            version, 0);
    in_sync = wh_audit_deps_cargo(&r, "Cargo.toml", bytes(toml), "Cargo.lock", bytes(lock), &bad,
                                  &err) == WH_OK &&
              r.n_findings == 0;
    wh_arena_fini(&a);
    return in_sync;
}

static void
test_cargo_requirements(void)
{
    static const struct {
        const char *req, *version;
        bool holds;
    } cases[] = {
        {"1", "1.9.0", true},           {"1", "2.0.0", false},
        {"1.2.3", "1.2.2", false},      {"^0.3.1", "0.3.9", true},
        {"^0.3.1", "0.4.0", false},     {"0.0.3", "0.0.4", false},
        {"~1.2", "1.2.9", true},        {"~1.2", "1.3.0", false},
        {"~1", "1.9.0", true},          {"=1.2.3", "1.2.3", true},
        {"=1.2", "1.3.0", false},       {"1.*", "1.5.0", true},
        {"1.2.*", "1.3.0", false},      {"*", "9.9.9", true},
        {">=1.2, <1.5", "1.4.9", true}, {">=1.2, <1.5", "1.5.0", false},
        {">1.2", "1.2.5", false},       {"<=1.2", "1.2.7", true},
        {"1.0.0-alpha", "1.0.0", true}, {"what", "1.0.0", true}, /* unknown form: presence */
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        ok(cargo_holds(cases[i].req, cases[i].version) == cases[i].holds, "\"%s\" %s %s",
           cases[i].req, cases[i].holds ? "admits" : "refuses", cases[i].version);
}

/* bun.lock: "ok" when in sync, else the finding's message, or "ERR <msg>" / "absent". */
static const char *
bun(const char *pkg, const char *importer, const char *lock, struct wh_arena *a, size_t *n_deps)
{
    struct wh_audit au;
    struct wh_repo r;
    struct wh_error err = {0};
    const char *bad = NULL;
    bool found;

    wh_audit_init(&au, a);
    wh_audit_repo_init(&r, &au);
    if (wh_audit_deps_bun(&r, "package.json", bytes(pkg), importer, "bun.lock", bytes(lock), &bad,
                          &found, &err) != WH_OK)
        return wh_arena_sprintf(a, "ERR %s: %s", bad, err.msg);
    *n_deps = r.n_deps;
    if (!found)
        return "absent";
    return r.n_findings == 0 ? "ok" : r.findings[0].msg;
}

static void
test_bun_lock(void)
{
    static const char lock[] =
        "{ // JSONC\n \"lockfileVersion\": 1,\n \"workspaces\": {\n"
        "  \"\": {\"name\": \"app\", \"dependencies\": {\"hono\": \"^4.6.3\",},"
        " \"devDependencies\": {\"@t/x\": \"1.0.0\"},},\n"
        "  \"packages/a\": {\"name\": \"a\", \"dependencies\": {\"app\": \"workspace:*\"}},\n },\n"
        " \"packages\": {\"hono\": [\"hono@4.6.3\", \"\", {}, \"sha512-x\"],"
        " \"@t/x\": [\"@t/x@1.0.0\"], \"app\": [\"app@workspace:.\"],},\n}\n";
    struct wh_arena a;
    const char *got;
    size_t n = 0;

    wh_arena_init(&a);
    got = bun("{\"dependencies\": {\"hono\": \"^4.6.3\"}, \"devDependencies\": {\"@t/x\": "
              "\"1.0.0\"}}",
              ".", lock, &a, &n);
    ok(strcmp(got, "ok") == 0 && n == 2,
       "bun.lock (JSONC, trailing commas): the root workspace in sync, 2 versions recorded: %s, "
       "%zu",
       got, n);
    got = bun("{\"dependencies\": {\"app\": \"workspace:*\"}}", "packages/a", lock, &a, &n);
    ok(strcmp(got, "ok") == 0 && n == 0,
       "a workspace member by its directory; a workspace: dependency records no version: %s", got);
    got = bun("{\"dependencies\": {\"hono\": \"^4.7.0\", \"zod\": \"3\"}}", ".", lock, &a, &n);
    ok(strstr(got,
              "4 differences: dependencies.hono: package.json ^4.7.0, the lock ^4.6.3; "
              "dependencies.zod 3 is not in the lock; devDependencies.@t/x 1.0.0 is in the "
              "lock only; dependencies.zod has no \"name@version\" entry under packages") != NULL &&
           strstr(got, "run bun install") != NULL,
       "out of sync both ways, and an unresolved dependency: %s", got);
    got = bun("{\"dependencies\": {\"hono\": \"^4.6.3\"}}", ".",
              "{\"lockfileVersion\": 1, \"workspaces\": {\"\": {\"dependencies\": "
              "{\"hono\": \"^4.6.3\"}}}, \"packages\": {\"hono\": [\"honox@4.6.3\"]}}",
              &a, &n);
    ok(strstr(got, "dependencies.hono has no \"name@version\" entry") != NULL,
       "a packages entry naming another package does not resolve it: %s", got);
    got = bun("{}", "packages/b", lock, &a, &n);
    ok(strcmp(got, "absent") == 0, "a directory the lock has no workspace for: %s", got);
    got = bun("{}", ".", "{\"workspaces\": {}}", &a, &n);
    ok(strcmp(got, "ERR bun.lock: 1:1: no lockfileVersion and workspaces: not a text bun.lock") ==
           0,
       "no lockfileVersion: %s", got);
    got = bun("{}", ".", "[1]", &a, &n);
    ok(strcmp(got, "ERR bun.lock: 1:1: not a JSON object") == 0, "not an object: %s", got);
    got = bun("{\"dependencies\": 1", ".", lock, &a, &n);
    ok(strncmp(got, "ERR package.json: 1:", 20) == 0, "a broken package.json names it: %s", got);
    wh_arena_fini(&a);
}

int
main(void)
{
    test_toml_reader();
    test_cargo_requirements();
    test_bun_lock();
    return done_testing();
}
