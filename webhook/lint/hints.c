/* `policy lint`: one-line fixes for the YAML mistakes policy authors make most, found on the line
 * the parser stopped at (issue 18 item 4). */
#include "lint/hints.h"

#include <stdbool.h>
#include <string.h>

/* What a line holds outside quotes and comments. */
struct scan {
    bool braces;   /* "{{" */
    bool star;     /* a plain scalar starting with '*' */
    bool reserved; /* a plain scalar starting with '@' or '`' */
    bool tab;      /* a tab in the indentation */
};

static bool
starts_scalar(const char *p, const char *line)
{
    const char *q = p;

    while (q > line && q[-1] == ' ')
        q--;
    /* "key: *x", "- *x" need the space; "[*x", ",*x", "{*x" do not. */
    return q == line || ((q[-1] == ':' || q[-1] == '-') && q != p) || q[-1] == '[' ||
           q[-1] == ',' || q[-1] == '{';
}

static void
scan_line(const char *line, size_t len, struct scan *s)
{
    char quote = 0;
    size_t i;

    memset(s, 0, sizeof(*s));
    for (i = 0; i < len && (line[i] == ' ' || line[i] == '\t'); i++)
        s->tab |= line[i] == '\t';
    for (; i < len; i++) {
        char c = line[i];
        if (quote != 0) {
            quote = c == quote ? 0 : quote;
            continue;
        }
        if ((c == '"' || c == '\'') && starts_scalar(line + i, line)) {
            quote = c;
        } else if (c == '#' && (i == 0 || line[i - 1] == ' ')) {
            break;
        } else if (c == '{' && i + 1 < len && line[i + 1] == '{') {
            s->braces = true;
            i++;
        } else if (c == '*' && starts_scalar(line + i, line)) {
            s->star = true;
        } else if ((c == '@' || c == '`') && starts_scalar(line + i, line)) {
            s->reserved = true;
        }
    }
}

const char *
wh_lint_yaml_hint(struct wh_bytes yaml, int line)
{
    const char *p = (const char *)yaml.ptr, *end = p + yaml.len, *nl;
    struct scan s;

    if (line < 1 || p == NULL)
        return NULL;
    for (int l = 1; l < line; l++) {
        nl = memchr(p, '\n', (size_t)(end - p));
        if (nl == NULL)
            return NULL;
        p = nl + 1;
    }
    nl = memchr(p, '\n', (size_t)(end - p));
    scan_line(p, (size_t)((nl != NULL ? nl : end) - p), &s);
    if (s.braces)
        return "YAML reads an unquoted {{ as the start of a mapping: quote the whole value, e.g. "
               "image: \"registry.example.com/app-dev:{{tag}}\"";
    if (s.star)
        return "YAML reads an unquoted value starting with '*' as an alias: quote the glob, e.g. "
               "match: [\"*.example.com/**\"]";
    if (s.tab)
        return "YAML indentation is spaces only: replace the tab with spaces";
    if (s.reserved)
        return "YAML reserves '@' and '`' at the start of a plain value: quote the value";
    return NULL;
}
