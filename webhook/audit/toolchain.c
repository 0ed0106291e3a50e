/* Toolchain pin files → (tool, version, file, line) (toolchain.h). */
#include "audit/toolchain.h"

#include <ctype.h>
#include <string.h>

#define VERSION_MAX 64

bool
wh_audit_toolchain_file(const char *base)
{
    return strcmp(base, ".tool-versions") == 0 || strcmp(base, ".python-version") == 0 ||
           strcmp(base, ".nvmrc") == 0 || strcmp(base, "go.mod") == 0 ||
           strcmp(base, "rust-toolchain.toml") == 0 || strcmp(base, "rust-toolchain") == 0;
}

/* s up to the first '#' (asdf and nvm comments), trimmed. */
static struct wh_str
uncomment(struct wh_str s)
{
    const char *hash = memchr(s.ptr, '#', s.len);

    if (hash != NULL)
        s.len = (size_t)(hash - s.ptr);
    return wh_str_trim_blanks(s);
}

static bool
is_token_char(char c)
{
    return isalnum((unsigned char)c) || strchr("._+~/*-", c) != NULL;
}

/* A word: letters, digits and the punctuation versions and aliases use, 1..VERSION_MAX bytes. */
static bool
is_token(struct wh_str s)
{
    size_t i;

    if (s.len == 0 || s.len > VERSION_MAX)
        return false;
    for (i = 0; i < s.len; i++)
        if (s.ptr[i] == '\0' || !is_token_char(s.ptr[i]))
            return false;
    return true;
}

/* The first word of s and the rest after it. */
static struct wh_str
word(struct wh_str *s)
{
    struct wh_str w = {s->ptr, 0};

    while (w.len < s->len && s->ptr[w.len] != ' ' && s->ptr[w.len] != '\t')
        w.len++;
    *s = wh_str_trim_blanks((struct wh_str){s->ptr + w.len, s->len - w.len});
    return w;
}

static int
col_of(struct wh_str line, struct wh_str at)
{
    return (int)(at.ptr - line.ptr) + 1;
}

/* A version starts with a digit once a "v" or "go" prefix is dropped; anything else moves. */
static struct wh_str
drop_prefix(struct wh_str v)
{
    if (v.len > 1 && (v.ptr[0] == 'v' || v.ptr[0] == 'V') && isdigit((unsigned char)v.ptr[1]))
        return (struct wh_str){v.ptr + 1, v.len - 1};
    if (v.len > 2 && v.ptr[0] == 'g' && v.ptr[1] == 'o' && isdigit((unsigned char)v.ptr[2]))
        return (struct wh_str){v.ptr + 2, v.len - 2};
    return v;
}

static enum wh_err
add_tool(struct wh_repo *r, const char *file, int line, struct wh_str line_text, struct wh_str tool,
         struct wh_str version, struct wh_error *err)
{
    struct wh_arena *a = r->au->a;
    struct wh_repo_tool *t;
    struct wh_str v;

    if (!is_token(version))
        return wh_error_set(err, WH_E_INVALID,
                            "%d:%d: \"%.*s\" is not a version (1-%d letters, digits and ._+~*-/)",
                            line, col_of(line_text, version),
                            (int)(version.len > VERSION_MAX ? VERSION_MAX : version.len),
                            version.ptr, VERSION_MAX);
    v = drop_prefix(version);
    if (!isdigit((unsigned char)v.ptr[0])) {
        wh_audit_repo_finding(r, WH_REPO_TOOLCHAIN, "toolchain/alias", WH_TIER_WARN, file, line,
                              wh_arena_sprintf(a,
                                               "%.*s \"%.*s\" is an alias that moves, not a "
                                               "version: pin the version the dev image holds",
                                               (int)tool.len, tool.ptr, (int)version.len,
                                               version.ptr));
        return WH_OK;
    }
    if (r->n_tools == WH_REPO_MAX_TOOLS)
        return wh_error_set(err, WH_E_LIMIT, "%d:1: more than %d toolchain pins", line,
                            WH_REPO_MAX_TOOLS);
    if (r->n_tools == r->cap_tools) {
        size_t cap = r->cap_tools == 0 ? 16 : r->cap_tools * 2;
        r->tools = wh_arena_grow(a, r->tools, r->n_tools, cap, sizeof(*r->tools));
        r->cap_tools = cap;
    }
    t = &r->tools[r->n_tools++];
    t->tool = wh_arena_strndup(a, tool.ptr, tool.len);
    t->version = wh_arena_strndup(a, v.ptr, v.len);
    t->file = file;
    t->line = line;
    return WH_OK;
}

/* .tool-versions: "tool version [fallback...]". */
static enum wh_err
parse_tool_versions(struct wh_repo *r, const char *file, struct wh_bytes text, struct wh_error *err)
{
    struct wh_str_lines l = {text, 0, 0};
    struct wh_str line, rest, tool;
    enum wh_err rc;

    while (wh_str_lines_next(&l, &line)) {
        rest = uncomment(line);
        if (rest.len == 0)
            continue;
        tool = word(&rest);
        if (!is_token(tool) || rest.len == 0)
            return wh_error_set(err, WH_E_INVALID, "%d:%d: expected \"tool version\"", l.line,
                                col_of(line, tool));
        if ((rc = add_tool(r, file, l.line, line, tool, word(&rest), err)) != WH_OK)
            return rc;
    }
    return WH_OK;
}

/* .python-version, .nvmrc, rust-toolchain: the first line that is not empty or a comment. */
static enum wh_err
parse_one_line(struct wh_repo *r, const char *file, const char *tool, struct wh_bytes text,
               struct wh_error *err)
{
    struct wh_str_lines l = {text, 0, 0};
    struct wh_str line, v;

    while (wh_str_lines_next(&l, &line)) {
        v = uncomment(line);
        if (v.len == 0)
            continue;
        return add_tool(r, file, l.line, line, wh_str_c(tool), v, err);
    }
    return wh_error_set(err, WH_E_INVALID, "1:1: no version in the file");
}

/* go.mod: `toolchain go1.21.5` pins the toolchain; the `go 1.21` line is a minimum per module,
 * not a pin, so it is not read. */
static enum wh_err
parse_go_mod(struct wh_repo *r, const char *file, struct wh_bytes text, struct wh_error *err)
{
    struct wh_str_lines l = {text, 0, 0};
    struct wh_str line, rest;

    while (wh_str_lines_next(&l, &line)) {
        const char *slashes;
        rest = wh_str_trim_blanks(line);
        slashes = rest.len >= 2 ? memchr(rest.ptr, '/', rest.len) : NULL;
        if (slashes != NULL && slashes + 1 < rest.ptr + rest.len && slashes[1] == '/')
            rest = wh_str_trim_blanks((struct wh_str){rest.ptr, (size_t)(slashes - rest.ptr)});
        if (wh_str_eq_c(word(&rest), "toolchain"))
            return add_tool(r, file, l.line, line, wh_str_c("go"), word(&rest), err);
    }
    return WH_OK;
}

/* rust-toolchain.toml: channel = "1.75.0" in [toolchain] (a small TOML subset: it is all the
 * format has). */
static enum wh_err
parse_rust_toml(struct wh_repo *r, const char *file, struct wh_bytes text, struct wh_error *err)
{
    struct wh_str_lines l = {text, 0, 0};
    struct wh_str line, s, key, v;
    bool in_toolchain = false;

    while (wh_str_lines_next(&l, &line)) {
        s = uncomment(line);
        if (s.len == 0)
            continue;
        if (s.ptr[0] == '[') {
            in_toolchain = wh_str_eq_c(s, "[toolchain]");
            continue;
        }
        if (!in_toolchain)
            continue;
        key = s;
        while (key.len > 0 && key.ptr[key.len - 1] != '=')
            key.len--;
        if (key.len == 0)
            continue;
        v = wh_str_trim_blanks((struct wh_str){key.ptr + key.len, s.len - key.len});
        key = wh_str_trim_blanks((struct wh_str){key.ptr, key.len - 1});
        if (!wh_str_eq_c(key, "channel"))
            continue;
        if (v.len < 2 || (v.ptr[0] != '"' && v.ptr[0] != '\'') || v.ptr[v.len - 1] != v.ptr[0])
            return wh_error_set(err, WH_E_INVALID, "%d:%d: channel is not a quoted string", l.line,
                                col_of(line, v));
        return add_tool(r, file, l.line, line, wh_str_c("rust"),
                        (struct wh_str){v.ptr + 1, v.len - 2}, err);
    }
    return wh_error_set(err, WH_E_INVALID, "1:1: no [toolchain] channel");
}

enum wh_err
wh_audit_toolchain_parse(struct wh_repo *r, const char *file, struct wh_bytes text,
                         struct wh_error *err)
{
    const char *slash = strrchr(file, '/');
    const char *base = slash != NULL ? slash + 1 : file;

    if (strcmp(base, ".tool-versions") == 0)
        return parse_tool_versions(r, file, text, err);
    if (strcmp(base, ".python-version") == 0)
        return parse_one_line(r, file, "python", text, err);
    if (strcmp(base, ".nvmrc") == 0)
        return parse_one_line(r, file, "node", text, err);
    if (strcmp(base, "rust-toolchain") == 0)
        return parse_one_line(r, file, "rust", text, err);
    if (strcmp(base, "rust-toolchain.toml") == 0)
        return parse_rust_toml(r, file, text, err);
    if (strcmp(base, "go.mod") == 0)
        return parse_go_mod(r, file, text, err);
    return WH_OK;
}
