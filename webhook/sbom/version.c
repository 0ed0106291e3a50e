/*
 * Version ordering and drift size. "deb" follows dpkg (lib/dpkg/version.c: verrevcmp); other
 * package types are compared semver-like, falling back to dpkg's character ordering for parts
 * that are not plain numbers, which keeps the order total for arbitrary strings. Build metadata
 * ('+...') does not order semver-like versions but is drift of its own size (BUILD).
 */
#include "sbom/version.h"

#include <string.h>

/* A byte range; `end` plays the role of dpkg's NUL terminator. */
struct span {
    const char *p, *end;
};

static int
is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int
is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
at(const struct span *s, const char *p)
{
    return p < s->end ? (unsigned char)*p : 0;
}

/* dpkg: "~" sorts before anything, even the end; then the end and digits; then letters; then
 * everything else. */
static int
order(int c)
{
    if (is_digit(c))
        return 0;
    if (is_alpha(c))
        return c;
    if (c == '~')
        return -1;
    if (c)
        return c + 256;
    return 0;
}

static int
sign(int v)
{
    return (v > 0) - (v < 0);
}

/* dpkg's verrevcmp, the digit part: the runs of digits at *xp and *yp compared as numbers (leading
 * zeros skipped); both pointers end past their run. 0 when equal. */
static int
cmp_digits(const struct span *a, const struct span *b, const char **xp, const char **yp)
{
    const char *x = *xp, *y = *yp;
    int first_diff = 0;

    while (x < a->end && *x == '0')
        x++;
    while (y < b->end && *y == '0')
        y++;
    while (is_digit(at(a, x)) && is_digit(at(b, y))) {
        if (!first_diff)
            first_diff = *x - *y;
        x++;
        y++;
    }
    *xp = x;
    *yp = y;
    if (is_digit(at(a, x)))
        return 1;
    if (is_digit(at(b, y)))
        return -1;
    return sign(first_diff);
}

/* dpkg's verrevcmp over byte ranges. */
static int
verrevcmp(struct span a, struct span b)
{
    const char *x = a.p, *y = b.p;

    while (x < a.end || y < b.end) {
        int d;

        while ((x < a.end && !is_digit(at(&a, x))) || (y < b.end && !is_digit(at(&b, y)))) {
            int xc = order(at(&a, x)), yc = order(at(&b, y));
            if (xc != yc)
                return sign(xc - yc);
            x++;
            y++;
        }
        if ((d = cmp_digits(&a, &b, &x, &y)) != 0)
            return d;
    }
    return 0;
}

static struct span
span_c(const char *s)
{
    return (struct span){s, s + strlen(s)};
}

static const char *
find(struct span s, char c)
{
    const char *p = memchr(s.p, c, (size_t)(s.end - s.p));
    return p == NULL ? s.end : p;
}

static const char *
rfind(struct span s, char c)
{
    const char *p;

    for (p = s.end; p > s.p; p--) {
        if (p[-1] == c)
            return p - 1;
    }
    return NULL;
}

struct debver {
    struct span epoch; /* empty when absent (= 0) */
    struct span upstream, revision;
};

static int
all_digits(struct span s)
{
    const char *p;

    for (p = s.p; p < s.end; p++) {
        if (!is_digit((unsigned char)*p))
            return 0;
    }
    return 1;
}

/* epoch ':' upstream '-' revision, where the revision follows the last '-' (dpkg parseversion).
 * A non-numeric "epoch" is not one: the whole string is then upstream. */
static struct debver
split_deb(const char *v)
{
    struct span s = span_c(v);
    struct debver d = {{s.p, s.p}, s, {s.end, s.end}};
    const char *colon = find(s, ':'), *hyphen;

    if (colon != s.end && all_digits((struct span){s.p, colon})) {
        d.epoch = (struct span){s.p, colon};
        d.upstream.p = colon + 1;
    }
    hyphen = rfind(d.upstream, '-');
    if (hyphen != NULL) {
        d.revision = (struct span){hyphen + 1, d.upstream.end};
        d.upstream.end = hyphen;
    }
    return d;
}

/* Compares digit strings numerically without overflow. */
static int
numcmp(struct span a, struct span b)
{
    size_t la, lb;

    while (a.p < a.end && *a.p == '0')
        a.p++;
    while (b.p < b.end && *b.p == '0')
        b.p++;
    la = (size_t)(a.end - a.p);
    lb = (size_t)(b.end - b.p);
    if (la != lb)
        return la < lb ? -1 : 1;
    return sign(memcmp(a.p, b.p, la));
}

static int
compare_deb(const char *a, const char *b)
{
    struct debver x = split_deb(a), y = split_deb(b);
    int r;

    if ((r = numcmp(x.epoch, y.epoch)) != 0)
        return r;
    if ((r = verrevcmp(x.upstream, y.upstream)) != 0)
        return r;
    return verrevcmp(x.revision, y.revision);
}

struct semver {
    struct span core, pre; /* pre empty: a release */
    int has_pre;
    struct span build; /* after the first '+', the '+' included; empty when there is none */
};

static struct semver
split_semver(const char *v)
{
    struct span s = span_c(v);
    struct semver out;
    const char *hyphen, *plus;

    if (s.p < s.end && (*s.p == 'v' || *s.p == 'V') && s.p + 1 < s.end && is_digit(s.p[1]))
        s.p++;
    /* semver §10: build metadata does not order, but it names another build of the version */
    plus = find(s, '+');
    out.build = (struct span){plus, s.end};
    s.end = plus;
    hyphen = find(s, '-');
    out.core = (struct span){s.p, hyphen};
    out.has_pre = hyphen != s.end;
    out.pre = out.has_pre ? (struct span){hyphen + 1, s.end} : (struct span){s.end, s.end};
    return out;
}

/* Next '.'-separated field of *s (consumed); empty at the end. */
static struct span
next_field(struct span *s)
{
    const char *dot = find(*s, '.');
    struct span f = {s->p, dot};

    s->p = dot < s->end ? dot + 1 : s->end;
    return f;
}

static int
is_number(struct span f)
{
    return f.p < f.end && all_digits(f);
}

/* Core: numeric fields numerically, missing fields as 0, other fields the dpkg way. */
static int
compare_core(struct span a, struct span b)
{
    static const char zero[] = "0";

    while (a.p < a.end || b.p < b.end) {
        struct span x = next_field(&a), y = next_field(&b);
        int r;

        if (x.p == x.end)
            x = (struct span){zero, zero + 1};
        if (y.p == y.end)
            y = (struct span){zero, zero + 1};
        r = is_number(x) && is_number(y) ? numcmp(x, y) : verrevcmp(x, y);
        if (r != 0)
            return r;
    }
    return 0;
}

/* semver §11: numeric identifiers numerically and below alphanumeric ones, which compare in
 * ASCII order; a longer list wins when all shared fields are equal. */
static int
compare_pre(struct span a, struct span b)
{
    while (a.p < a.end && b.p < b.end) {
        struct span x = next_field(&a), y = next_field(&b);
        int xn = is_number(x), yn = is_number(y), r;
        size_t lx = (size_t)(x.end - x.p), ly = (size_t)(y.end - y.p);

        if (xn && yn)
            r = numcmp(x, y);
        else if (xn != yn)
            r = xn ? -1 : 1;
        else if ((r = sign(memcmp(x.p, y.p, lx < ly ? lx : ly))) == 0)
            r = lx == ly ? 0 : (lx < ly ? -1 : 1);
        if (r != 0)
            return r;
    }
    return a.p < a.end ? 1 : (b.p < b.end ? -1 : 0);
}

static int
compare_semver(const char *a, const char *b)
{
    struct semver x = split_semver(a), y = split_semver(b);
    int r;

    if ((r = compare_core(x.core, y.core)) != 0)
        return r;
    if (x.has_pre != y.has_pre)
        return x.has_pre ? -1 : 1;
    return compare_pre(x.pre, y.pre);
}

/* rpm (epoch:version-release) and apk (version-rN) order like dpkg far more often than like
 * semver: "1.2.3-r4" is a revision of 1.2.3, not a pre-release of it. */
static int
is_deb(const char *purl_type)
{
    return purl_type != NULL && (strcmp(purl_type, "deb") == 0 || strcmp(purl_type, "rpm") == 0 ||
                                 strcmp(purl_type, "apk") == 0 || strcmp(purl_type, "alpine") == 0);
}

int
wh_sbom_version_compare(const char *purl_type, const char *a, const char *b)
{
    return is_deb(purl_type) ? compare_deb(a, b) : compare_semver(a, b);
}

/* Up to three leading numeric fields of `s` ("1.1.1f" → 1 1 1); 0 if it does not start with a
 * digit. Fields are the leading digits of each '.'-separated part. */
static int
numeric_fields(struct span s, struct span f[3])
{
    int n = 0;

    while (n < 3 && s.p < s.end && is_digit((unsigned char)*s.p)) {
        struct span field = next_field(&s);
        const char *q = field.p;

        while (q < field.end && is_digit((unsigned char)*q))
            q++;
        f[n++] = (struct span){field.p, q};
        if (q != field.end)
            break; /* "1f.2": the letters end the numeric prefix */
    }
    return n;
}

static enum wh_drift_size
drift_of(struct span a, struct span b)
{
    static const enum wh_drift_size sizes[3] = {WH_DRIFT_MAJOR, WH_DRIFT_MINOR, WH_DRIFT_PATCH};
    static const char zero[] = "0";
    struct span fa[3], fb[3];
    int na = numeric_fields(a, fa), nb = numeric_fields(b, fb), i;

    if (na == 0 || nb == 0)
        return WH_DRIFT_OTHER;
    for (i = 0; i < 3; i++) {
        struct span x = i < na ? fa[i] : (struct span){zero, zero + 1};
        struct span y = i < nb ? fb[i] : (struct span){zero, zero + 1};
        if (numcmp(x, y) != 0)
            return sizes[i];
    }
    return WH_DRIFT_PATCH; /* differs after the third field, or in a suffix or revision */
}

static int
span_eq(struct span a, struct span b)
{
    return a.end - a.p == b.end - b.p && memcmp(a.p, b.p, (size_t)(a.end - a.p)) == 0;
}

enum wh_drift_size
wh_sbom_version_drift(const char *purl_type, const char *a, const char *b)
{
    if (is_deb(purl_type)) {
        struct debver x = split_deb(a), y = split_deb(b);
        if (compare_deb(a, b) == 0)
            return WH_DRIFT_SIZE_NONE;
        if (numcmp(x.epoch, y.epoch) != 0)
            return WH_DRIFT_MAJOR;
        return drift_of(x.upstream, y.upstream);
    } else {
        struct semver x = split_semver(a), y = split_semver(b);
        /* "2.1.0+cpu" and "2.1.0+cu121" order equal and are different builds: drift of its own
         * size, so a policy can judge it (versionDrift: build); the same build metadata
         * (bytewise) on equal versions is the same build ("1.0+x" / "1.0.0+x"). */
        if (compare_semver(a, b) == 0)
            return span_eq(x.build, y.build) ? WH_DRIFT_SIZE_NONE : WH_DRIFT_BUILD;
        return drift_of(x.core, y.core);
    }
}
