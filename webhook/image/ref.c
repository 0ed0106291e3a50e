/* Image references in the distribution grammar (github.com/distribution/reference), normalised
 * the way Docker does it, and the anchored globs policy rules match image names with. */
#include "image/ref.h"

#include <stdlib.h>
#include <string.h>

#define TEXT_MAX 1024 /* far above name 255 + tag 128 + a sha256 digest; caps the work */
#define NAME_MAX_LEN 255
#define TAG_MAX_LEN 128
#define GLOB_MAX 1024
#define SHOW_MAX 200 /* how much of a rejected reference a message quotes */

static bool
is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool
is_alnum(char c)
{
    return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

static bool
is_word(char c)
{
    return is_alnum(c) || c == '_';
}

static bool
is_hex_lower(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static const char *
find_last(struct wh_str s, char c)
{
    size_t i = s.len;

    while (i > 0)
        if (s.ptr[--i] == c)
            return s.ptr + i;
    return NULL;
}

static enum wh_err
fail(struct wh_error *err, struct wh_str text, const char *why)
{
    int n = text.len > SHOW_MAX ? SHOW_MAX : (int)text.len;

    return wh_error_set(err, WH_E_INVALID, "image reference \"%.*s%s\": %s", n, text.ptr,
                        text.len > SHOW_MAX ? "..." : "", why);
}

/* distribution: tag := /[\w][\w.-]{0,127}/ */
static const char *
check_tag(struct wh_str tag)
{
    size_t i;

    if (tag.len == 0)
        return "empty tag after ':'";
    if (tag.len > TAG_MAX_LEN)
        return "tag longer than 128 characters";
    if (!is_word(tag.ptr[0]))
        return "tag must start with a letter, digit or '_'";
    for (i = 1; i < tag.len; i++)
        if (!is_word(tag.ptr[i]) && tag.ptr[i] != '.' && tag.ptr[i] != '-')
            return "tag may contain only letters, digits, '_', '.' and '-'";
    return NULL;
}

/* distribution: digest := algorithm ":" hex; algorithm components /[A-Za-z][A-Za-z0-9]*
 * joined by [+._-]; hex /[0-9a-fA-F]{32,}/. We accept only sha256 with 64 lowercase hex. */
static enum wh_err
check_digest(struct wh_str text, struct wh_str d, struct wh_error *err)
{
    const char *colon = memchr(d.ptr, ':', d.len);
    size_t alg_len, i;
    bool start = true;

    if (d.len == 0)
        return fail(err, text, "empty digest after '@'");
    if (colon == NULL)
        return fail(err, text, "digest must be <algorithm>:<hex>");
    alg_len = (size_t)(colon - d.ptr);
    for (i = 0; i < alg_len; i++) {
        char c = d.ptr[i];
        if (start ? !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) : !is_alnum(c)) {
            if (start || !(c == '+' || c == '.' || c == '_' || c == '-'))
                return fail(err, text, "malformed digest algorithm");
            start = true;
            continue;
        }
        start = false;
    }
    if (alg_len == 0 || start)
        return fail(err, text, "malformed digest algorithm");
    if (alg_len != 6 || memcmp(d.ptr, "sha256", 6) != 0) {
        int n = alg_len > 32 ? 32 : (int)alg_len;
        return wh_error_set(err, WH_E_INVALID,
                            "image reference: unsupported digest algorithm \"%.*s\" (only sha256 "
                            "is accepted)",
                            n, d.ptr);
    }
    if (d.len - alg_len - 1 != 64)
        return fail(err, text, "sha256 digest must have 64 hex characters");
    for (i = alg_len + 1; i < d.len; i++)
        if (!is_hex_lower(d.ptr[i]))
            return fail(err, text, "sha256 digest must be lowercase hex");
    return WH_OK;
}

/* distribution: domain := host [":" port]; host := domain-name | IPv4 | "[" IPv6 "]";
 * domain-component := /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/ */
/* TODO(#14): split the component and port checks; image/ref.c is being changed now (cognitive
 * complexity 35 > 25, STYLE §8). */
static const char * /* NOLINTNEXTLINE(readability-function-cognitive-complexity) */
check_domain(struct wh_str d)
{
    size_t i = 0, j;

    if (d.len > 0 && d.ptr[0] == '[') {
        for (i = 1; i < d.len && d.ptr[i] != ']'; i++)
            if (!is_hex_lower(d.ptr[i]) && !(d.ptr[i] >= 'A' && d.ptr[i] <= 'F') && d.ptr[i] != ':')
                return "invalid IPv6 address in registry host";
        if (i == d.len || i == 1)
            return "invalid IPv6 address in registry host";
        i++;
    } else {
        for (;;) {
            j = i;
            while (i < d.len && (is_alnum(d.ptr[i]) || d.ptr[i] == '-'))
                i++;
            if (i == j || d.ptr[j] == '-' || d.ptr[i - 1] == '-')
                return "invalid registry host (components are letters, digits and inner '-')";
            if (i < d.len && d.ptr[i] == '.') {
                i++;
                continue;
            }
            break;
        }
    }
    if (i == d.len)
        return NULL;
    if (d.ptr[i] != ':')
        return "invalid character in registry host";
    if (++i == d.len)
        return "empty registry port";
    for (; i < d.len; i++)
        if (d.ptr[i] < '0' || d.ptr[i] > '9')
            return "registry port must be digits";
    return NULL;
}

static bool
all_dashes(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (s[i] != '-')
            return false;
    return true;
}

/* distribution: path-component := [a-z0-9]+ (separator [a-z0-9]+)*; separator := /[_.]|__|[-]+/ */
/* TODO(#14): split the component and separator checks; image/ref.c is being changed now (cognitive
 * complexity 47 > 25, STYLE §8). */
static const char * /* NOLINTNEXTLINE(readability-function-cognitive-complexity) */
check_path(struct wh_str p)
{
    size_t i = 0, j;

    if (p.len == 0)
        return "missing repository name";
    for (i = 0; i < p.len; i++)
        if (p.ptr[i] >= 'A' && p.ptr[i] <= 'Z')
            return "repository name must be lowercase";
    i = 0;
    for (;;) {
        if (i == p.len || p.ptr[i] == '/')
            return "empty path component in repository name";
        for (;;) {
            j = i;
            while (i < p.len && is_lower_alnum(p.ptr[i]))
                i++;
            if (i == j)
                return i < p.len && (p.ptr[i] == '.' || p.ptr[i] == '_' || p.ptr[i] == '-')
                           ? "path component must start and end with a letter or digit"
                           : "invalid character in repository name";
            if (i == p.len || p.ptr[i] == '/')
                break;
            j = i;
            while (i < p.len && (p.ptr[i] == '.' || p.ptr[i] == '_' || p.ptr[i] == '-'))
                i++;
            if (i == j)
                return "invalid character in repository name";
            if (!(i - j == 1 || (i - j == 2 && memcmp(p.ptr + j, "__", 2) == 0) ||
                  all_dashes(p.ptr + j, i - j)))
                return "invalid separator in repository name (one of '.', '_', '__', '-'+)";
            if (i == p.len || p.ptr[i] == '/')
                return "path component must start and end with a letter or digit";
        }
        if (i == p.len)
            return NULL;
        i++; /* '/' */
    }
}

static bool
is_hex64(struct wh_str s)
{
    size_t i;

    if (s.len != 64)
        return false;
    for (i = 0; i < s.len; i++)
        if (!is_hex_lower(s.ptr[i]))
            return false;
    return true;
}

/* TODO(#14): split the tag and digest readers; image/ref.c is being changed now (cognitive
 * complexity 30 > 25, STYLE §8). */
enum wh_err /* NOLINTNEXTLINE(readability-function-cognitive-complexity) */
wh_image_ref_parse(struct wh_str text, struct wh_arena *a, struct wh_image_ref *out,
                   struct wh_error *err)
{
    struct wh_str rest = text, name, domain, path, tag = {NULL, 0}, digest = {NULL, 0};
    const char *at, *slash, *colon, *why;
    bool explicit_domain = false;
    char *reg, *repo;

    if (text.len == 0)
        return wh_error_set(err, WH_E_INVALID, "image reference is empty");
    if (text.len > TEXT_MAX)
        return wh_error_set(err, WH_E_INVALID, "image reference is %zu bytes, longer than %d",
                            text.len, TEXT_MAX);
    at = memchr(text.ptr, '@', text.len);
    if (at != NULL) {
        digest = (struct wh_str){at + 1, text.len - (size_t)(at - text.ptr) - 1};
        rest.len = (size_t)(at - text.ptr);
        if (check_digest(text, digest, err) != WH_OK)
            return err->code;
    }
    slash = find_last(rest, '/');
    colon = find_last(rest, ':');
    name = rest;
    if (colon != NULL && (slash == NULL || colon > slash)) {
        tag = (struct wh_str){colon + 1, rest.len - (size_t)(colon - rest.ptr) - 1};
        name.len = (size_t)(colon - rest.ptr);
        if ((why = check_tag(tag)) != NULL)
            return fail(err, text, why);
    }
    if (name.len == 0)
        return fail(err, text, "missing repository name");
    /* distribution: the first component is a registry only if it has '.' or ':' or is
     * "localhost"; otherwise the name is a Docker Hub repository. */
    slash = memchr(name.ptr, '/', name.len);
    domain = WH_STR("docker.io");
    path = name;
    if (slash != NULL) {
        struct wh_str first = {name.ptr, (size_t)(slash - name.ptr)};
        if (memchr(first.ptr, '.', first.len) != NULL ||
            memchr(first.ptr, ':', first.len) != NULL || wh_str_eq_c(first, "localhost")) {
            domain = first;
            path = (struct wh_str){slash + 1, name.len - first.len - 1};
            explicit_domain = true;
            if ((why = check_domain(domain)) != NULL)
                return fail(err, text, why);
        }
    }
    if ((why = check_path(path)) != NULL)
        return fail(err, text, why);
    if (!explicit_domain && is_hex64(path))
        return fail(err, text, "a 64-character hex name is an image ID, not a repository");
    if (wh_str_eq_c(domain, "index.docker.io"))
        domain = WH_STR("docker.io");
    reg = wh_arena_strdup_view(a, domain);
    if (strcmp(reg, "docker.io") == 0 && memchr(path.ptr, '/', path.len) == NULL)
        repo = wh_arena_sprintf(a, "library/%.*s", (int)path.len, path.ptr);
    else
        repo = wh_arena_strdup_view(a, path);
    if (strlen(reg) + 1 + strlen(repo) > NAME_MAX_LEN)
        return fail(err, text, "repository name longer than 255 characters");
    out->registry = reg;
    out->repository = repo;
    out->tag = tag.ptr != NULL      ? wh_arena_strdup_view(a, tag)
               : digest.ptr == NULL ? "latest"
                                    : NULL;
    out->digest = digest.ptr != NULL ? wh_arena_strdup_view(a, digest) : NULL;
    return WH_OK;
}

struct wh_str
wh_image_ref_render(const struct wh_image_ref *ref, struct wh_arena *a)
{
    char *s =
        wh_arena_sprintf(a, "%s/%s%s%s%s%s", ref->registry, ref->repository,
                         ref->tag != NULL ? ":" : "", ref->tag != NULL ? ref->tag : "",
                         ref->digest != NULL ? "@" : "", ref->digest != NULL ? ref->digest : "");

    return wh_str_c(s);
}

const char *
wh_image_ref_name(const struct wh_image_ref *ref, struct wh_arena *a)
{
    return wh_arena_sprintf(a, "%s/%s", ref->registry, ref->repository);
}

static bool
same(const char *x, const char *y)
{
    return (x == NULL || y == NULL) ? x == y : strcmp(x, y) == 0;
}

bool
wh_image_ref_equal(const struct wh_image_ref *x, const struct wh_image_ref *y)
{
    return same(x->registry, y->registry) && same(x->repository, y->repository) &&
           same(x->tag, y->tag) && same(x->digest, y->digest);
}

/*
 * Dynamic programming over (pattern position, text prefix): O(len(pattern) * len(text)) time and
 * O(len(text)) space, so patterns like "*a*a*a*b" cannot blow up as backtracking would.
 * row[j] is true when the pattern consumed so far matches text[0..j).
 */
/* TODO(#14): split the star backtracking out; image/ref.c is being changed now (cognitive
 * complexity 28 > 25, STYLE §8). */
bool /* NOLINTNEXTLINE(readability-function-cognitive-complexity) */
wh_image_glob_match(struct wh_str pattern, struct wh_str text)
{
    bool stack_rows[2 * 520];
    bool *prev, *cur, *heap = NULL, matched;
    size_t i, j, n = text.len;

    if (2 * (n + 1) <= sizeof(stack_rows) / sizeof(stack_rows[0])) {
        prev = stack_rows;
    } else {
        heap = calloc(2 * (n + 1), sizeof(bool));
        if (heap == NULL)
            wh_oom();
        prev = heap;
    }
    cur = prev + n + 1;
    prev[0] = true;
    for (j = 1; j <= n; j++)
        prev[j] = false;
    for (i = 0; i < pattern.len; i++) {
        char p = pattern.ptr[i];
        bool *t;

        if (p == '*' && i + 1 < pattern.len && pattern.ptr[i + 1] == '*') {
            i++;
            cur[0] = prev[0];
            for (j = 1; j <= n; j++)
                cur[j] = prev[j] || cur[j - 1];
        } else if (p == '*') {
            cur[0] = prev[0];
            for (j = 1; j <= n; j++)
                cur[j] = prev[j] || (cur[j - 1] && text.ptr[j - 1] != '/');
        } else {
            cur[0] = false;
            for (j = 1; j <= n; j++)
                cur[j] = prev[j - 1] && (p == '?' ? text.ptr[j - 1] != '/' : text.ptr[j - 1] == p);
        }
        t = prev;
        prev = cur;
        cur = t;
    }
    matched = prev[n];
    free(heap);
    return matched;
}

enum wh_err
wh_image_glob_valid(struct wh_str pattern, struct wh_error *err)
{
    size_t i;

    if (pattern.len == 0)
        return wh_error_set(err, WH_E_INVALID, "glob is empty");
    if (pattern.len > GLOB_MAX)
        return wh_error_set(err, WH_E_INVALID, "glob is %zu bytes, longer than %d", pattern.len,
                            GLOB_MAX);
    for (i = 0; i < pattern.len; i++) {
        unsigned char c = (unsigned char)pattern.ptr[i];
        if (c <= ' ' || c >= 0x7f)
            return wh_error_set(
                err, WH_E_INVALID, "glob \"%.*s\": invalid character 0x%02x at offset %zu",
                (int)(pattern.len > SHOW_MAX ? SHOW_MAX : pattern.len), pattern.ptr, c, i);
        if (c == '*' && i + 2 < pattern.len && pattern.ptr[i + 1] == '*' &&
            pattern.ptr[i + 2] == '*')
            return wh_error_set(
                err, WH_E_INVALID, "glob \"%.*s\": more than two '*' in a row at offset %zu",
                (int)(pattern.len > SHOW_MAX ? SHOW_MAX : pattern.len), pattern.ptr, i);
    }
    return WH_OK;
}
