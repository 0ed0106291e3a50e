/* Image references in the distribution grammar (github.com/distribution/reference), normalised
 * the way Docker does it, and the anchored globs policy rules match image names with. */
#include "image/ref.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
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

/*
 * Docker Hub's names. distribution/reference (normalize.go) folds only the legacy
 * "index.docker.io" into "docker.io"; containerd's resolver and moby (registry/config.go,
 * DefaultRegistryHost) fetch "docker.io" from registry-1.docker.io, and registry.hub.docker.com
 * is the Hub's older registry host. All four reach the same repositories, so a policy rule for
 * docker.io must see every one of them as docker.io (the fetch host stays registry-1.docker.io).
 */
static const char *const docker_hub_aliases[] = {"docker.io", "index.docker.io",
                                                 "registry-1.docker.io", "registry.hub.docker.com"};

static bool
is_docker_hub(const char *host)
{
    size_t i;

    for (i = 0; i < sizeof(docker_hub_aliases) / sizeof(docker_hub_aliases[0]); i++)
        if (strcmp(host, docker_hub_aliases[i]) == 0)
            return true;
    return false;
}

/* RFC 5952 section 4: lowercase hex without leading zeros, the longest run (first on a tie) of
 * two or more zero groups as "::". Writes at most 40 bytes (with the NUL) into out[48]. */
static void
format_ipv6(const unsigned char addr[16], char out[48])
{
    unsigned g[8];
    int i, best = -1, best_len = 0, run = 0;
    size_t n = 0;

    for (i = 0; i < 8; i++) {
        g[i] = (unsigned)addr[2 * i] << 8 | addr[2 * i + 1];
        run = g[i] == 0 ? run + 1 : 0;
        if (run > best_len) {
            best_len = run;
            best = i - run + 1;
        }
    }
    if (best_len < 2)
        best = -1;
    for (i = 0; i < 8; i++) {
        if (i == best) {
            n += (size_t)snprintf(out + n, 48 - n, "::");
            i += best_len - 1;
            continue;
        }
        n += (size_t)snprintf(out + n, 48 - n, "%s%x", n > 0 && out[n - 1] != ':' ? ":" : "", g[i]);
    }
}

/*
 * The one spelling of a registry host[:port] (already valid per check_domain) that rules match
 * and reports show: the host lowercased (DNS names are case-insensitive), an IPv6 literal in
 * RFC 5952 form (an IPv4-mapped one as its dotted quad), the port without leading zeros and without
 * the https default 443 (kept on a single-label host, which without a port would read as a Docker
 * Hub namespace), Docker Hub's aliases as "docker.io". A host that glibc's resolver reads as IPv4
 * (inet_aton: "127.1", "0x7f.0.0.1", "127.000.0.1") must be written as a dotted quad: such
 * spellings name the same address to one resolver and nothing to another, so they get no rule of
 * their own. NULL and *why on an invalid host; else the arena string.
 */
/* "[...]" (check_domain's shape) in RFC 5952 form, an IPv4-mapped one as its dotted quad. */
static char *
canonical_ipv6_host(struct wh_str host, struct wh_arena *a, const char **why)
{
    unsigned char addr[16];
    char inside[48], v6[48];

    if (host.len - 2 >= sizeof(inside)) {
        *why = "invalid IPv6 address in registry host";
        return NULL;
    }
    memcpy(inside, host.ptr + 1, host.len - 2);
    inside[host.len - 2] = '\0';
    if (inet_pton(AF_INET6, inside, addr) != 1) {
        *why = "invalid IPv6 address in registry host";
        return NULL;
    }
    /* An IPv4-mapped address (::ffff:a.b.c.d) is that IPv4 address to the socket layer
     * (Go's net dials it as IPv4): it is named as the dotted quad. */
    if (memcmp(addr, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0)
        return wh_arena_sprintf(a, "%u.%u.%u.%u", addr[12], addr[13], addr[14], addr[15]);
    format_ipv6(addr, v6);
    return wh_arena_sprintf(a, "[%s]", v6);
}

/* "a.b.c.d", each part 0-255 in decimal without a leading zero: the one spelling of an IPv4
 * address that inet_aton reads and "%u.%u.%u.%u" writes back unchanged. */
static bool
is_dotted_quad(const char *h)
{
    int part;

    for (part = 0; part < 4; part++) {
        unsigned v = 0;
        size_t n = 0;

        while (n < 4 && h[n] >= '0' && h[n] <= '9')
            v = v * 10 + (unsigned)(h[n++] - '0');
        if (n == 0 || n > 3 || v > 255 || (n > 1 && h[0] == '0'))
            return false;
        h += n;
        if (part < 3 && *h++ != '.')
            return false;
    }
    return *h == '\0';
}

/* A DNS name or IPv4 address lowercased; an IPv4 address only as a dotted quad. */
static char *
canonical_name_host(struct wh_str host, struct wh_arena *a, const char **why)
{
    struct in_addr in;
    const unsigned char *q;
    char quad[16];
    char *h = wh_arena_strdup_view(a, host);
    size_t i;

    for (i = 0; h[i] != '\0'; i++)
        if (h[i] >= 'A' && h[i] <= 'Z')
            h[i] = (char)(h[i] - 'A' + 'a');
    /* Already a dotted quad (a registry at an IPv4 address): inet_aton and the quad's printf
     * would only write it back (a third of a cached review's reference parse). */
    if (is_dotted_quad(h) || inet_aton(h, &in) == 0)
        return h;
    q = (const unsigned char *)&in.s_addr;
    snprintf(quad, sizeof(quad), "%u.%u.%u.%u", q[0], q[1], q[2], q[3]);
    if (strcmp(quad, h) == 0)
        return h;
    *why = wh_arena_sprintf(a,
                            "registry host \"%.64s\" is an IPv4 address in a "
                            "non-canonical form: write it as %s",
                            h, quad);
    return NULL;
}

/* The port's value (digits per check_domain), leading zeros ignored; 0 and *why when out of range.
 */
static unsigned long
canonical_port(struct wh_str port, const char **why)
{
    unsigned long port_num = 0;
    size_t i;

    while (port.len > 1 && port.ptr[0] == '0') {
        port.ptr++;
        port.len--;
    }
    for (i = 0; i < port.len && i < 6; i++)
        port_num = port_num * 10 + (unsigned long)(port.ptr[i] - '0');
    if (port.len > 5 || port_num == 0 || port_num > 65535) {
        *why = "registry port must be 1-65535";
        return 0;
    }
    return port_num;
}

/* "host:port" (arena), the port in decimal: "%s:%lu" without vfprintf. */
static char *
host_port(const char *h, unsigned long port, struct wh_arena *a)
{
    char digits[24];
    size_t n = sizeof(digits);

    do {
        digits[--n] = (char)('0' + port % 10);
        port /= 10;
    } while (port != 0);
    return wh_arena_join(
        a, (const struct wh_str[]){wh_str_c(h), WH_STR(":"), {digits + n, sizeof(digits) - n}}, 3);
}

/*
 * The one spelling of a registry host[:port] (already valid per check_domain) that rules match
 * and reports show: the host lowercased (DNS names are case-insensitive), an IPv6 literal in
 * RFC 5952 form (an IPv4-mapped one as its dotted quad), the port without leading zeros and without
 * the https default 443 (kept on a single-label host, which without a port would read as a Docker
 * Hub namespace), Docker Hub's aliases as "docker.io". A host that glibc's resolver reads as IPv4
 * (inet_aton: "127.1", "0x7f.0.0.1", "127.000.0.1") must be written as a dotted quad: such
 * spellings name the same address to one resolver and nothing to another, so they get no rule of
 * their own. NULL and *why on an invalid host; else the arena string.
 */
static char *
canonical_domain(struct wh_str d, struct wh_arena *a, const char **why)
{
    struct wh_str host = d;
    const char *colon;
    unsigned long port_num = 0;
    char *h;

    *why = NULL;
    if (d.ptr[0] == '[') {
        const char *close = memchr(d.ptr, ']', d.len);
        host.len = (size_t)(close - d.ptr) + 1;
    } else if ((colon = memchr(d.ptr, ':', d.len)) != NULL) {
        host.len = (size_t)(colon - d.ptr);
    }
    h = host.ptr[0] == '[' ? canonical_ipv6_host(host, a, why) : canonical_name_host(host, a, why);
    if (h == NULL)
        return NULL;
    if (host.len < d.len) {
        port_num = canonical_port((struct wh_str){d.ptr + host.len + 1, d.len - host.len - 1}, why);
        if (port_num == 0)
            return NULL;
    }
    /* 443 is dropped only where the bare host still reads as a registry: "r:443/x" must not
     * become the Docker Hub name "r/x". */
    if (port_num != 0 && (port_num != 443 || !(strchr(h, '.') != NULL || strchr(h, ':') != NULL ||
                                               strcmp(h, "localhost") == 0)))
        return host_port(h, port_num, a);
    return is_docker_hub(h) ? wh_arena_strdup(a, "docker.io") : h;
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
    if (!explicit_domain) {
        reg = wh_arena_strdup(a, "docker.io");
    } else if ((reg = canonical_domain(domain, a, &why)) == NULL) {
        return fail(err, text, why);
    }
    if (strcmp(reg, "docker.io") == 0 && memchr(path.ptr, '/', path.len) == NULL)
        repo = wh_arena_join(a, (const struct wh_str[]){WH_STR("library/"), path}, 2);
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
    const struct wh_str parts[] = {wh_str_c(ref->registry),
                                   WH_STR("/"),
                                   wh_str_c(ref->repository),
                                   ref->tag != NULL ? WH_STR(":") : WH_STR(""),
                                   wh_str_c(ref->tag != NULL ? ref->tag : ""),
                                   ref->digest != NULL ? WH_STR("@") : WH_STR(""),
                                   wh_str_c(ref->digest != NULL ? ref->digest : "")};
    char *s = wh_arena_join(a, parts, sizeof(parts) / sizeof(parts[0]));

    return (struct wh_str){s, strlen(s)};
}

const char *
wh_image_ref_display(struct wh_str text, const struct wh_image_ref *ref, struct wh_arena *a)
{
    const char *slash = memchr(text.ptr, '/', text.len);
    struct wh_str first = {text.ptr, slash == NULL ? 0 : (size_t)(slash - text.ptr)};
    bool explicit_domain = slash != NULL && (memchr(first.ptr, '.', first.len) != NULL ||
                                             memchr(first.ptr, ':', first.len) != NULL ||
                                             wh_str_eq_c(first, "localhost"));

    if (!explicit_domain || wh_str_eq_c(first, ref->registry))
        return wh_arena_strdup_view(a, text);
    return wh_arena_sprintf(a, "%s (written %.*s)", wh_image_ref_render(ref, a).ptr, (int)text.len,
                            text.ptr);
}

const char *
wh_image_ref_name(const struct wh_image_ref *ref, struct wh_arena *a)
{
    return wh_arena_join(
        a, (const struct wh_str[]){wh_str_c(ref->registry), WH_STR("/"), wh_str_c(ref->repository)},
        3);
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
static bool /* NOLINTNEXTLINE(readability-function-cognitive-complexity) */
glob_match_rows(struct wh_str pattern, struct wh_str text)
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

static bool
is_wild(char c)
{
    return c == '*' || c == '?';
}

/* The literal characters before the first wildcard and after the last one each read exactly
 * one character of the name: they are compared first, and the rows run only on what lies
 * between (a rule's literal name, most of them, never reaches the rows; a rule for another
 * registry fails on its first bytes). */
bool
wh_image_glob_match(struct wh_str pattern, struct wh_str text)
{
    size_t pre = 0, suf = 0;

    while (pre < pattern.len && !is_wild(pattern.ptr[pre]))
        pre++;
    if (pre == pattern.len)
        return text.len == pattern.len && (pre == 0 || memcmp(pattern.ptr, text.ptr, pre) == 0);
    if (text.len < pre || (pre > 0 && memcmp(pattern.ptr, text.ptr, pre) != 0))
        return false;
    while (!is_wild(pattern.ptr[pattern.len - 1 - suf]))
        suf++;
    if (text.len - pre < suf ||
        (suf > 0 && memcmp(pattern.ptr + pattern.len - suf, text.ptr + text.len - suf, suf) != 0))
        return false;
    return glob_match_rows((struct wh_str){pattern.ptr + pre, pattern.len - pre - suf},
                           (struct wh_str){text.ptr + pre, text.len - pre - suf});
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

const char *
wh_image_glob_canonical(struct wh_str pattern, struct wh_arena *a)
{
    const char *slash = memchr(pattern.ptr, '/', pattern.len), *why;
    size_t host_len = slash == NULL ? pattern.len : (size_t)(slash - pattern.ptr), i;
    char *out = wh_arena_strdup_view(a, pattern), *host;

    for (i = 0; i < host_len; i++)
        if (out[i] >= 'A' && out[i] <= 'Z')
            out[i] = (char)(out[i] - 'A' + 'a');
    if (host_len == 0 || memchr(out, '*', host_len) != NULL || memchr(out, '?', host_len) != NULL)
        return out;
    if (check_domain((struct wh_str){out, host_len}) != NULL ||
        (host = canonical_domain((struct wh_str){out, host_len}, a, &why)) == NULL)
        return out;
    return wh_arena_sprintf(a, "%s%s", host, out + host_len);
}

/* One glob token: a literal character, '?', '*' or '**'. */
enum glob_tok { TOK_LIT, TOK_ONE, TOK_STAR, TOK_DSTAR };

static size_t
glob_tokens(struct wh_str p, unsigned char *kind, char *lit)
{
    size_t i, n = 0;

    for (i = 0; i < p.len; i++, n++) {
        lit[n] = p.ptr[i];
        if (p.ptr[i] == '*' && i + 1 < p.len && p.ptr[i + 1] == '*') {
            kind[n] = TOK_DSTAR;
            i++;
        } else {
            kind[n] = p.ptr[i] == '*' ? TOK_STAR : p.ptr[i] == '?' ? TOK_ONE : TOK_LIT;
        }
    }
    return n;
}

static bool
is_star(unsigned char k)
{
    return k == TOK_STAR || k == TOK_DSTAR;
}

/* Whether glob token `k` (literal `lit`) reads character `c`. */
static bool
token_reads(unsigned char k, char lit, char c)
{
    switch (k) {
    case TOK_LIT:
        return c == lit;
    case TOK_DSTAR:
        return true;
    default:
        return c != '/';
    }
}

/*
 * The shape of an image name as rules see it (wh_image_ref_name): a registry of host
 * characters, then '/'-separated repository components of [a-z0-9._-] that start and end with a
 * letter or digit. A small DFA: 0 start, 1 in the registry, 2 after a '/', 3 in a component after
 * a letter or digit (accepting), 4 in a component after a separator. -1: no name continues so.
 */
#define NAME_STATES 5
static int
name_step(int q, char c)
{
    bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    bool host = alnum || c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
    bool sep = c == '.' || c == '-' || c == '_';

    if (c == '/')
        return q == 1 || q == 3 ? 2 : -1;
    if (q <= 1)
        return host ? 1 : -1;
    if (alnum)
        return 3;
    return sep && q != 2 ? 4 : -1;
}

struct overlap_walk {
    size_t nx, ny;
    const unsigned char *kx, *ky;
    const char *cx, *cy;
    uint32_t *parent, *queue;
    char *via; /* character read on the edge into a state; 0 for a wildcard skipped */
    unsigned char *seen;
    size_t tail;
};

static uint32_t
state_of(const struct overlap_walk *w, size_t i, size_t j, int q)
{
    return (uint32_t)((i * (w->ny + 1) + j) * NAME_STATES + (size_t)q);
}

static void
visit(struct overlap_walk *w, uint32_t from, size_t i, size_t j, int q, char c)
{
    uint32_t to = state_of(w, i, j, q);

    if (w->seen[to])
        return;
    w->seen[to] = 1;
    w->parent[to] = from;
    w->via[to] = c;
    w->queue[w->tail++] = to;
}

/* Every edge out of (i, j, q): a wildcard skipped by either glob, or one character read by
 * both and by the name DFA. The characters worth trying are each token's literal, '/' and
 * 'a' (any other character a wildcard reads moves the name DFA as 'a' does). */
static void
expand(struct overlap_walk *w, uint32_t s, size_t i, size_t j, int q)
{
    char cand[4];
    size_t n = 0, k;

    if (i < w->nx && is_star(w->kx[i]))
        visit(w, s, i + 1, j, q, 0);
    if (j < w->ny && is_star(w->ky[j]))
        visit(w, s, i, j + 1, q, 0);
    if (i == w->nx || j == w->ny)
        return;
    if (w->kx[i] == TOK_LIT)
        cand[n++] = w->cx[i];
    if (w->ky[j] == TOK_LIT)
        cand[n++] = w->cy[j];
    cand[n++] = '/';
    cand[n++] = 'a';
    for (k = 0; k < n; k++) {
        char c = cand[k];
        int q2 = name_step(q, c);

        if (q2 < 0 || !token_reads(w->kx[i], w->cx[i], c) || !token_reads(w->ky[j], w->cy[j], c))
            continue;
        visit(w, s, i + (is_star(w->kx[i]) ? 0 : 1), j + (is_star(w->ky[j]) ? 0 : 1), q2, c);
    }
}

bool
wh_image_glob_overlap(struct wh_str x, struct wh_str y, struct wh_arena *a, const char **example)
{
    unsigned char *kx = malloc(x.len + 1), *ky = malloc(y.len + 1);
    char *cx = malloc(x.len + 1), *cy = malloc(y.len + 1), *text;
    struct overlap_walk w;
    size_t states, head = 0, n = 0;
    uint32_t goal, s;

    *example = NULL;
    if (kx == NULL || ky == NULL || cx == NULL || cy == NULL)
        wh_oom();
    memset(&w, 0, sizeof(w));
    w.nx = glob_tokens(x, kx, cx);
    w.ny = glob_tokens(y, ky, cy);
    w.kx = kx;
    w.ky = ky;
    w.cx = cx;
    w.cy = cy;
    states = (w.nx + 1) * (w.ny + 1) * NAME_STATES;
    w.parent = malloc(states * sizeof(*w.parent));
    w.queue = malloc(states * sizeof(*w.queue));
    w.via = malloc(states);
    w.seen = calloc(states, 1);
    if (w.parent == NULL || w.queue == NULL || w.via == NULL || w.seen == NULL)
        wh_oom();
    goal = state_of(&w, w.nx, w.ny, 3);
    w.seen[0] = 1;
    w.queue[w.tail++] = 0;
    /* Breadth first, each state once: the example is one of the fewest steps. */
    while (head < w.tail && !w.seen[goal]) {
        s = w.queue[head++];
        expand(&w, s, s / NAME_STATES / (w.ny + 1), s / NAME_STATES % (w.ny + 1),
               (int)(s % NAME_STATES));
    }
    if (w.seen[goal]) {
        for (s = goal; s != 0; s = w.parent[s])
            n += w.via[s] != 0;
        text = wh_arena_alloc(a, n + 1);
        text[n] = '\0';
        for (s = goal; s != 0; s = w.parent[s])
            if (w.via[s] != 0)
                text[--n] = w.via[s];
        *example = text;
    }
    free(w.parent);
    free(w.queue);
    free(w.via);
    free(w.seen);
    free(kx);
    free(ky);
    free(cx);
    free(cy);
    return *example != NULL;
}
