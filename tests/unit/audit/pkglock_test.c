/* The TOML subset (audit/toml.h) and Cargo requirement matching (audit/deps.h) at their edges. */
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

int
main(void)
{
    test_toml_reader();
    test_cargo_requirements();
    return done_testing();
}
