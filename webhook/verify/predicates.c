/*
 * Provenance, vulnerability, agent-provenance and dev-environment predicates → plain structs.
 * Runs only on the predicate of an attestation whose envelope already verified; every value keeps
 * the JSON field it was read from so a denial can name it.
 */
#include "verify/predicates.h"

#include "base/digest.h"
#include "image/ref.h"
#include "verify/json_depth.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Parsing state for one predicate: messages say "<what> predicate.<field> ...". */
struct pctx {
    const char *what; /* "SLSA provenance v1" */
    struct wh_arena *a;
    struct wh_error *err;
};

static enum wh_err
bad(struct pctx *c, const char *field, const char *problem)
{
    return wh_error_set(c->err, WH_E_INVALID, "%s predicate.%s %s", c->what, field, problem);
}

/* An optional string member: NULL when absent or null; WH_E_INVALID when another type. */
static enum wh_err
opt_str(struct pctx *c, json_t *obj, const char *key, const char *field, const char **out)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

    *out = NULL;
    if (v == NULL || json_is_null(v))
        return WH_OK;
    if (!json_is_string(v))
        return bad(c, field, "is not a string");
    *out = wh_arena_strndup(c->a, json_string_value(v), json_string_length(v));
    return WH_OK;
}

static enum wh_err
req_str(struct pctx *c, json_t *obj, const char *key, const char *field, const char **out)
{
    enum wh_err rc = opt_str(c, obj, key, field, out);

    if (rc == WH_OK && (*out == NULL || **out == '\0'))
        return bad(c, field, "is missing or empty");
    return rc;
}

/* An optional object/array member; NULL when absent or null. */
static enum wh_err
opt_kind(struct pctx *c, json_t *obj, const char *key, const char *field, bool want_array,
         json_t **out)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

    *out = NULL;
    if (v == NULL || json_is_null(v))
        return WH_OK;
    if (want_array ? !json_is_array(v) : !json_is_object(v))
        return bad(c, field, want_array ? "is not an array" : "is not an object");
    if (want_array && json_array_size(v) > WH_PREDICATE_ITEMS_MAX &&
        strstr(field, "ulnerabilities") == NULL && strstr(field, "matches") == NULL)
        return wh_error_set(c->err, WH_E_LIMIT, "%s predicate.%s has %zu entries (limit %d)",
                            c->what, field, json_array_size(v), WH_PREDICATE_ITEMS_MAX);
    *out = v;
    return WH_OK;
}

/* "base[i]" */
static const char *
fieldf(struct pctx *c, const char *base, size_t i)
{
    return wh_arena_sprintf(c->a, "%s[%zu]", base, i);
}

/* ---- times and severities ---- */

static bool
digits(const char *s, int n, int *out)
{
    int i, v = 0;

    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

bool
wh_verify_time_parse(const char *s, time_t *out)
{
    int y, mo, d, h, mi, sec, oh = 0, om = 0;
    long off = 0;
    struct tm tm;
    const char *p;

    if (strlen(s) < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
        s[13] != ':' || s[16] != ':' || !digits(s, 4, &y) || !digits(s + 5, 2, &mo) ||
        !digits(s + 8, 2, &d) || !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) ||
        !digits(s + 17, 2, &sec))
        return false;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return false;
    p = s + 19;
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9'; p++)
            ;
        if (p == s + 20)
            return false;
    }
    if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
        off = 0;
    } else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':' && digits(p + 1, 2, &oh) &&
               digits(p + 4, 2, &om) && oh < 24 && om < 60) {
        off = (long)(oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
    } else {
        return false;
    }
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    *out = timegm(&tm) - off;
    return true;
}

bool
wh_verify_severity_parse(const char *s, enum wh_vuln_severity *out)
{
    static const struct {
        const char *name;
        enum wh_vuln_severity sev;
    } names[] = {
        {"critical", WH_SEVERITY_CRITICAL}, {"high", WH_SEVERITY_HIGH},
        {"medium", WH_SEVERITY_MEDIUM},     {"moderate", WH_SEVERITY_MEDIUM},
        {"low", WH_SEVERITY_LOW},           {"none", WH_SEVERITY_NONE},
        {"negligible", WH_SEVERITY_NONE},   {"info", WH_SEVERITY_NONE},
    };
    size_t i;

    for (i = 0; s != NULL && i < sizeof(names) / sizeof(names[0]); i++)
        if (strcasecmp(s, names[i].name) == 0) {
            *out = names[i].sev;
            return true;
        }
    return false;
}

const char *
wh_verify_severity_name(enum wh_vuln_severity s)
{
    switch (s) {
    case WH_SEVERITY_CRITICAL:
        return "critical";
    case WH_SEVERITY_HIGH:
        return "high";
    case WH_SEVERITY_MEDIUM:
        return "medium";
    case WH_SEVERITY_LOW:
        return "low";
    case WH_SEVERITY_NONE:
        return "none";
    case WH_SEVERITY_UNKNOWN:
        break;
    }
    return "unknown";
}

static enum wh_vuln_severity
severity_of(const char *s)
{
    enum wh_vuln_severity sev;

    return wh_verify_severity_parse(s, &sev) ? sev : WH_SEVERITY_UNKNOWN;
}

/* ---- SLSA provenance ---- */

/*
 * "git+https://github.com/acme/pay.git@refs/heads/main" → repo "github.com/acme/pay", ref
 * "refs/heads/main". Also "https://github.com/acme/pay", "git@github.com:acme/pay.git",
 * "ssh://git@host/x". The host is lowercased (DNS names are case-insensitive).
 */
void
wh_verify_source_split(const char *uri, struct wh_arena *a, const char **repo, const char **ref)
{
    const char *s = uri, *slash, *at, *scheme;
    char *r;
    size_t n, i;

    *ref = NULL;
    if (strncmp(s, "git+", 4) == 0)
        s += 4;
    scheme = strstr(s, "://");
    if (scheme != NULL)
        s = scheme + 3;
    slash = strchr(s, '/');
    at = strchr(s, '@');
    if (at != NULL && (slash == NULL || at < slash)) /* userinfo: "git@github.com..." */
        s = at + 1;
    at = strchr(s, '@');
    n = at != NULL ? (size_t)(at - s) : strlen(s);
    if (at != NULL && at[1] != '\0')
        *ref = wh_arena_strdup(a, at + 1);
    r = wh_arena_strndup(a, s, n);
    /* scp-like "github.com:acme/pay" */
    if (scheme == NULL) {
        char *colon = strchr(r, ':');
        if (colon != NULL && (strchr(r, '/') == NULL || colon < strchr(r, '/')))
            *colon = '/';
    }
    n = strlen(r);
    while (n > 0 && r[n - 1] == '/')
        r[--n] = '\0';
    if (n > 4 && strcmp(r + n - 4, ".git") == 0)
        r[n - 4] = '\0';
    for (i = 0; r[i] != '\0' && r[i] != '/' && r[i] != ':'; i++)
        if (r[i] >= 'A' && r[i] <= 'Z')
            r[i] = (char)(r[i] - 'A' + 'a');
    *repo = r;
}

static enum wh_err
parse_digest_map(struct pctx *c, json_t *obj, const char *field, struct wh_slsa_dependency *dep)
{
    const char *key;
    json_t *v;
    size_t i = 0;

    if (obj == NULL || json_is_null(obj))
        return WH_OK;
    if (!json_is_object(obj))
        return bad(c, field, "is not an object");
    dep->digests = wh_arena_calloc(c->a, json_object_size(obj) + 1, sizeof(*dep->digests));
    json_object_foreach(obj, key, v)
    {
        if (!json_is_string(v))
            return bad(c, wh_arena_sprintf(c->a, "%s.%s", field, key), "is not a string");
        dep->digests[i].alg = wh_arena_strdup(c->a, key);
        dep->digests[i].hex = wh_arena_strndup(c->a, json_string_value(v), json_string_length(v));
        i++;
    }
    dep->n_digests = i;
    return WH_OK;
}

static const char *
digest_get(const struct wh_slsa_dependency *dep, const char *alg)
{
    size_t i;

    for (i = 0; i < dep->n_digests; i++)
        if (strcmp(dep->digests[i].alg, alg) == 0)
            return dep->digests[i].hex;
    return NULL;
}

static enum wh_err
parse_dependencies(struct pctx *c, json_t *arr, const char *field, struct wh_provenance *p)
{
    size_t i;
    json_t *item;
    enum wh_err rc;

    if (arr == NULL)
        return WH_OK;
    p->dependencies = wh_arena_calloc(c->a, json_array_size(arr) + 1, sizeof(*p->dependencies));
    json_array_foreach(arr, i, item)
    {
        struct wh_slsa_dependency *d = &p->dependencies[i];
        const char *f = fieldf(c, field, i);
        if (!json_is_object(item))
            return bad(c, f, "is not an object");
        d->field = f;
        if ((rc = opt_str(c, item, "uri", wh_arena_sprintf(c->a, "%s.uri", f), &d->uri)) != WH_OK ||
            (rc = opt_str(c, item, "name", wh_arena_sprintf(c->a, "%s.name", f), &d->name)) !=
                WH_OK ||
            (rc = parse_digest_map(c, json_object_get(item, "digest"),
                                   wh_arena_sprintf(c->a, "%s.digest", f), d)) != WH_OK)
            return rc;
        if (d->uri == NULL)
            d->uri = "";
        if (d->name == NULL)
            d->name = "";
    }
    p->n_dependencies = json_array_size(arr);
    return WH_OK;
}

/* The first git dependency (v1 generic builders record the source there). */
static const struct wh_slsa_dependency *
git_dependency(const struct wh_provenance *p)
{
    size_t i;

    for (i = 0; i < p->n_dependencies; i++)
        if (strncmp(p->dependencies[i].uri, "git+", 4) == 0)
            return &p->dependencies[i];
    return NULL;
}

static const char *
commit_of(const struct wh_slsa_dependency *d)
{
    const char *h = digest_get(d, "gitCommit");
    return h != NULL ? h : digest_get(d, "sha1");
}

static enum wh_err
parse_slsa_v02(struct pctx *c, json_t *pred, struct wh_provenance *p)
{
    json_t *builder, *invocation, *config, *materials;
    const char *uri;
    enum wh_err rc;

    p->version = "v0.2";
    if ((rc = opt_kind(c, pred, "builder", "builder", false, &builder)) != WH_OK ||
        (rc = req_str(c, builder, "id", "builder.id", &p->builder_id)) != WH_OK ||
        (rc = opt_str(c, pred, "buildType", "buildType", &p->build_type)) != WH_OK ||
        (rc = opt_kind(c, pred, "invocation", "invocation", false, &invocation)) != WH_OK ||
        (rc = opt_kind(c, invocation, "configSource", "invocation.configSource", false, &config)) !=
            WH_OK ||
        (rc = opt_str(c, config, "uri", "invocation.configSource.uri", &uri)) != WH_OK ||
        (rc = opt_kind(c, pred, "materials", "materials", true, &materials)) != WH_OK ||
        (rc = parse_dependencies(c, materials, "materials", p)) != WH_OK)
        return rc;
    p->builder_id_field = "builder.id";
    p->build_type_field = "buildType";
    if (uri != NULL && *uri != '\0') {
        struct wh_slsa_dependency src;
        memset(&src, 0, sizeof(src));
        wh_verify_source_split(uri, c->a, &p->source_repo, &p->source_ref);
        p->source_field = "invocation.configSource.uri";
        if ((rc = parse_digest_map(c, json_object_get(config, "digest"),
                                   "invocation.configSource.digest", &src)) != WH_OK)
            return rc;
        p->source_commit = commit_of(&src);
    }
    return WH_OK;
}

static enum wh_err
parse_slsa_v1(struct pctx *c, json_t *pred, struct wh_provenance *p)
{
    json_t *def, *run, *builder, *ext, *workflow, *deps;
    const char *repo = NULL, *ref = NULL;
    const struct wh_slsa_dependency *git;
    enum wh_err rc;

    p->version = "v1";
    if ((rc = opt_kind(c, pred, "buildDefinition", "buildDefinition", false, &def)) != WH_OK ||
        (rc = opt_kind(c, pred, "runDetails", "runDetails", false, &run)) != WH_OK ||
        (rc = opt_kind(c, run, "builder", "runDetails.builder", false, &builder)) != WH_OK ||
        (rc = req_str(c, builder, "id", "runDetails.builder.id", &p->builder_id)) != WH_OK ||
        (rc = req_str(c, def, "buildType", "buildDefinition.buildType", &p->build_type)) != WH_OK ||
        (rc = opt_kind(c, def, "externalParameters", "buildDefinition.externalParameters", false,
                       &ext)) != WH_OK ||
        (rc = opt_kind(c, def, "resolvedDependencies", "buildDefinition.resolvedDependencies", true,
                       &deps)) != WH_OK ||
        (rc = parse_dependencies(c, deps, "buildDefinition.resolvedDependencies", p)) != WH_OK)
        return rc;
    p->builder_id_field = "runDetails.builder.id";
    p->build_type_field = "buildDefinition.buildType";
    git = git_dependency(p);
    /* GitHub Actions buildType: externalParameters.workflow.{repository,ref}. */
    json_t *wf = NULL;
    if ((rc = opt_kind(c, ext, "workflow", "buildDefinition.externalParameters.workflow", false,
                       &wf)) != WH_OK)
        return rc;
    workflow = wf;
    if (workflow != NULL &&
        ((rc = opt_str(c, workflow, "repository",
                       "buildDefinition.externalParameters.workflow.repository", &repo)) != WH_OK ||
         (rc = opt_str(c, workflow, "ref", "buildDefinition.externalParameters.workflow.ref",
                       &ref)) != WH_OK))
        return rc;
    if (repo != NULL && *repo != '\0') {
        const char *ignored;
        wh_verify_source_split(repo, c->a, &p->source_repo, &ignored);
        p->source_ref = ref;
        p->source_field = "buildDefinition.externalParameters.workflow.repository";
    } else if (git != NULL) {
        wh_verify_source_split(git->uri, c->a, &p->source_repo, &p->source_ref);
        p->source_field = wh_arena_sprintf(c->a, "%s.uri", git->field);
    }
    if (git != NULL && p->source_repo != NULL) {
        const char *grepo, *gref;
        wh_verify_source_split(git->uri, c->a, &grepo, &gref);
        if (strcmp(grepo, p->source_repo) == 0)
            p->source_commit = commit_of(git);
    }
    return WH_OK;
}

/* ---- vulnerabilities ---- */

static enum wh_err
vulns_alloc(struct pctx *c, struct wh_vuln_report *r, size_t n)
{
    if (n > WH_PREDICATE_VULNS_MAX)
        return wh_error_set(c->err, WH_E_LIMIT, "%s predicate has %zu findings (limit %d)", c->what,
                            n, WH_PREDICATE_VULNS_MAX);
    r->vulns = wh_arena_calloc(c->a, n + 1, sizeof(*r->vulns));
    return WH_OK;
}

static const char *
or_empty(const char *s)
{
    return s != NULL ? s : "";
}

/* Trivy JSON report: Results[].Vulnerabilities[] (aquasecurity/trivy pkg/types/report.go). */
/* TODO(#14): split the per-result reader out (cognitive complexity 27 > 25, STYLE §8). */
static enum wh_err /* NOLINTNEXTLINE(readability-function-cognitive-complexity) */
parse_trivy(struct pctx *c, json_t *result, struct wh_vuln_report *r)
{
    json_t *results, *res, *vs, *v;
    size_t i, j, total = 0;
    const char *sev;
    enum wh_err rc;

    r->format = "trivy";
    if ((rc = opt_kind(c, result, "Results", "scanner.result.Results", true, &results)) != WH_OK)
        return rc;
    json_array_foreach(results, i, res)
    {
        const char *f = wh_arena_sprintf(c->a, "scanner.result.Results[%zu].Vulnerabilities", i);
        if (!json_is_object(res))
            return bad(c, fieldf(c, "scanner.result.Results", i), "is not an object");
        if ((rc = opt_kind(c, res, "Vulnerabilities", f, true, &vs)) != WH_OK)
            return rc;
        total += vs != NULL ? json_array_size(vs) : 0;
    }
    if ((rc = vulns_alloc(c, r, total)) != WH_OK)
        return rc;
    json_array_foreach(results, i, res)
    {
        const char *base = wh_arena_sprintf(c->a, "scanner.result.Results[%zu].Vulnerabilities", i);
        vs = json_object_get(res, "Vulnerabilities");
        if (!json_is_array(vs))
            continue;
        json_array_foreach(vs, j, v)
        {
            struct wh_vuln *x = &r->vulns[r->n_vulns];
            const char *f = fieldf(c, base, j);
            if (!json_is_object(v))
                return bad(c, f, "is not an object");
            x->field = f;
            if ((rc = req_str(c, v, "VulnerabilityID",
                              wh_arena_sprintf(c->a, "%s.VulnerabilityID", f), &x->id)) != WH_OK ||
                (rc = opt_str(c, v, "PkgName", wh_arena_sprintf(c->a, "%s.PkgName", f),
                              &x->package)) != WH_OK ||
                (rc = opt_str(c, v, "InstalledVersion",
                              wh_arena_sprintf(c->a, "%s.InstalledVersion", f), &x->version)) !=
                    WH_OK ||
                (rc = opt_str(c, v, "FixedVersion", wh_arena_sprintf(c->a, "%s.FixedVersion", f),
                              &x->fixed_version)) != WH_OK ||
                (rc = opt_str(c, v, "Severity", wh_arena_sprintf(c->a, "%s.Severity", f), &sev)) !=
                    WH_OK)
                return rc;
            x->package = or_empty(x->package);
            x->version = or_empty(x->version);
            x->fixed_version = or_empty(x->fixed_version);
            x->is_fixable = *x->fixed_version != '\0';
            x->severity = severity_of(sev);
            r->n_vulns++;
        }
    }
    return WH_OK;
}

/* Grype JSON: matches[].{vulnerability{id,severity,fix{versions,state}},artifact{name,version}}
 * (anchore/grype grype/presenter/models/match.go). */
static enum wh_err
parse_grype(struct pctx *c, json_t *result, struct wh_vuln_report *r)
{
    json_t *matches, *m, *vuln, *artifact, *fix, *versions;
    size_t i;
    const char *sev, *state;
    enum wh_err rc;

    r->format = "grype";
    if ((rc = opt_kind(c, result, "matches", "scanner.result.matches", true, &matches)) != WH_OK ||
        (rc = vulns_alloc(c, r, matches != NULL ? json_array_size(matches) : 0)) != WH_OK)
        return rc;
    json_array_foreach(matches, i, m)
    {
        struct wh_vuln *x = &r->vulns[r->n_vulns];
        const char *f = fieldf(c, "scanner.result.matches", i);
        if (!json_is_object(m))
            return bad(c, f, "is not an object");
        x->field = f;
        if ((rc = opt_kind(c, m, "vulnerability", wh_arena_sprintf(c->a, "%s.vulnerability", f),
                           false, &vuln)) != WH_OK ||
            (rc = opt_kind(c, m, "artifact", wh_arena_sprintf(c->a, "%s.artifact", f), false,
                           &artifact)) != WH_OK ||
            (rc = req_str(c, vuln, "id", wh_arena_sprintf(c->a, "%s.vulnerability.id", f),
                          &x->id)) != WH_OK ||
            (rc = opt_str(c, vuln, "severity",
                          wh_arena_sprintf(c->a, "%s.vulnerability.severity", f), &sev)) != WH_OK ||
            (rc = opt_kind(c, vuln, "fix", wh_arena_sprintf(c->a, "%s.vulnerability.fix", f), false,
                           &fix)) != WH_OK ||
            (rc = opt_str(c, fix, "state", wh_arena_sprintf(c->a, "%s.vulnerability.fix.state", f),
                          &state)) != WH_OK ||
            (rc = opt_kind(c, fix, "versions",
                           wh_arena_sprintf(c->a, "%s.vulnerability.fix.versions", f), true,
                           &versions)) != WH_OK ||
            (rc = opt_str(c, artifact, "name", wh_arena_sprintf(c->a, "%s.artifact.name", f),
                          &x->package)) != WH_OK ||
            (rc = opt_str(c, artifact, "version", wh_arena_sprintf(c->a, "%s.artifact.version", f),
                          &x->version)) != WH_OK)
            return rc;
        x->fixed_version = "";
        if (versions != NULL && json_array_size(versions) > 0) {
            json_t *v0 = json_array_get(versions, 0);
            if (!json_is_string(v0))
                return bad(c, wh_arena_sprintf(c->a, "%s.vulnerability.fix.versions[0]", f),
                           "is not a string");
            x->fixed_version = wh_arena_strdup(c->a, json_string_value(v0));
        }
        x->package = or_empty(x->package);
        x->version = or_empty(x->version);
        x->is_fixable = *x->fixed_version != '\0' || (state != NULL && strcmp(state, "fixed") == 0);
        x->severity = severity_of(sev);
        r->n_vulns++;
    }
    return WH_OK;
}

/* "trivy 0.50.1" from the cosign predicate's scanner.{uri,version}. */
static const char *
scanner_name(struct pctx *c, const char *uri, const char *version)
{
    if (uri == NULL || *uri == '\0')
        return "";
    if (version == NULL || *version == '\0')
        return uri;
    return wh_arena_sprintf(c->a, "%s %s", uri, version);
}

static enum wh_err
set_scan_time(struct pctx *c, const char *text, const char *field, struct wh_vuln_report *r)
{
    if (text == NULL)
        return WH_OK;
    if (!wh_verify_time_parse(text, &r->scanned_at))
        return bad(c, field, wh_arena_sprintf(c->a, "is not an RFC 3339 time: \"%s\"", text));
    r->has_scanned_at = true;
    r->scanned_at_text = text;
    r->scanned_at_field = field;
    return WH_OK;
}

/* cosign vuln v1 (sigstore/cosign pkg/cosign/attestation: CosignVulnPredicate). */
static enum wh_err
parse_cosign_vuln(struct pctx *c, json_t *pred, struct wh_vuln_report *r)
{
    json_t *scanner, *metadata, *result;
    const char *uri, *version, *finished;
    enum wh_err rc;

    if ((rc = opt_kind(c, pred, "scanner", "scanner", false, &scanner)) != WH_OK ||
        (rc = opt_str(c, scanner, "uri", "scanner.uri", &uri)) != WH_OK ||
        (rc = opt_str(c, scanner, "version", "scanner.version", &version)) != WH_OK ||
        (rc = opt_kind(c, pred, "metadata", "metadata", false, &metadata)) != WH_OK ||
        (rc = opt_str(c, metadata, "scanFinishedOn", "metadata.scanFinishedOn", &finished)) !=
            WH_OK ||
        (rc = set_scan_time(c, finished, "metadata.scanFinishedOn", r)) != WH_OK)
        return rc;
    if (scanner == NULL)
        return bad(c, "scanner", "is missing");
    r->scanner = scanner_name(c, uri, version);
    result = json_object_get(scanner, "result");
    if (result == NULL || json_is_null(result)) {
        r->format = "empty"; /* cosign's own test predicate: a scan with no findings */
        return vulns_alloc(c, r, 0);
    }
    if (!json_is_object(result))
        return bad(c, "scanner.result", "is not an object");
    if (json_object_get(result, "Results") != NULL || json_object_get(result, "SchemaVersion"))
        return parse_trivy(c, result, r);
    if (json_object_get(result, "matches") != NULL)
        return parse_grype(c, result, r);
    return bad(c, "scanner.result",
               "is neither a Trivy report (Results) nor a Grype report (matches)");
}

/* The tool that wrote a CycloneDX BOM: metadata.tools is an array (1.4) or an object with
 * components/services (1.5+). */
static const char *
cyclonedx_tool(struct pctx *c, json_t *metadata)
{
    json_t *tools = json_object_get(metadata, "tools"), *t = NULL;
    json_t *name, *version;

    if (json_is_array(tools))
        t = json_array_get(tools, 0);
    else if (json_is_object(tools) && json_is_array(json_object_get(tools, "components")))
        t = json_array_get(json_object_get(tools, "components"), 0);
    if (!json_is_object(t) || !json_is_string(name = json_object_get(t, "name")))
        return "";
    version = json_object_get(t, "version");
    return scanner_name(c, json_string_value(name),
                        json_is_string(version) ? json_string_value(version) : NULL);
}

/* CycloneDX 1.4-1.6 vulnerabilities[]: the highest rating counts; a fix is known when an
 * affected version range lists an "unaffected" version or a recommendation is given. */
/* TODO(#14): split the per-vulnerability and per-rating readers (cognitive complexity 50 > 25,
 * STYLE §8). */
static enum wh_err /* NOLINTNEXTLINE(readability-function-cognitive-complexity) */
parse_cyclonedx_vulns(struct pctx *c, json_t *bom, json_t *vulns, struct wh_vuln_report *r)
{
    json_t *metadata, *v, *ratings, *rating, *affects, *aff, *versions, *ver;
    const char *ts, *sev, *rec;
    size_t i, j, k, l;
    enum wh_err rc;

    r->format = "cyclonedx";
    if ((rc = opt_kind(c, bom, "metadata", "metadata", false, &metadata)) != WH_OK ||
        (rc = opt_str(c, metadata, "timestamp", "metadata.timestamp", &ts)) != WH_OK ||
        (rc = set_scan_time(c, ts, "metadata.timestamp", r)) != WH_OK ||
        (rc = vulns_alloc(c, r, json_array_size(vulns))) != WH_OK)
        return rc;
    r->scanner = metadata != NULL ? cyclonedx_tool(c, metadata) : "";
    json_array_foreach(vulns, i, v)
    {
        struct wh_vuln *x = &r->vulns[r->n_vulns];
        const char *f = fieldf(c, "vulnerabilities", i);
        if (!json_is_object(v))
            return bad(c, f, "is not an object");
        x->field = f;
        x->severity = WH_SEVERITY_UNKNOWN;
        x->fixed_version = "";
        if ((rc = req_str(c, v, "id", wh_arena_sprintf(c->a, "%s.id", f), &x->id)) != WH_OK ||
            (rc = opt_str(c, v, "recommendation", wh_arena_sprintf(c->a, "%s.recommendation", f),
                          &rec)) != WH_OK ||
            (rc = opt_kind(c, v, "ratings", wh_arena_sprintf(c->a, "%s.ratings", f), true,
                           &ratings)) != WH_OK ||
            (rc = opt_kind(c, v, "affects", wh_arena_sprintf(c->a, "%s.affects", f), true,
                           &affects)) != WH_OK)
            return rc;
        json_array_foreach(ratings, j, rating)
        {
            enum wh_vuln_severity s;
            if ((rc = opt_str(c, rating, "severity",
                              wh_arena_sprintf(c->a, "%s.ratings[%zu].severity", f, j), &sev)) !=
                WH_OK)
                return rc;
            s = severity_of(sev);
            if (s != WH_SEVERITY_UNKNOWN && (x->severity == WH_SEVERITY_UNKNOWN || s > x->severity))
                x->severity = s;
        }
        json_array_foreach(affects, k, aff)
        {
            const char *af = wh_arena_sprintf(c->a, "%s.affects[%zu]", f, k);
            const char *ref;
            if ((rc = opt_str(c, aff, "ref", wh_arena_sprintf(c->a, "%s.ref", af), &ref)) !=
                    WH_OK ||
                (rc = opt_kind(c, aff, "versions", wh_arena_sprintf(c->a, "%s.versions", af), true,
                               &versions)) != WH_OK)
                return rc;
            if (k == 0)
                x->package = ref;
            json_array_foreach(versions, l, ver)
            {
                const char *status, *version;
                const char *vf = wh_arena_sprintf(c->a, "%s.versions[%zu]", af, l);
                if ((rc = opt_str(c, ver, "status", wh_arena_sprintf(c->a, "%s.status", vf),
                                  &status)) != WH_OK ||
                    (rc = opt_str(c, ver, "version", wh_arena_sprintf(c->a, "%s.version", vf),
                                  &version)) != WH_OK)
                    return rc;
                if (status != NULL && strcmp(status, "unaffected") == 0 && version != NULL)
                    x->fixed_version = version;
                else if (status != NULL && strcmp(status, "affected") == 0 && version != NULL &&
                         x->version == NULL)
                    x->version = version;
            }
        }
        x->package = or_empty(x->package);
        x->version = or_empty(x->version);
        x->is_fixable = *x->fixed_version != '\0' || (rec != NULL && *rec != '\0');
        r->n_vulns++;
    }
    return WH_OK;
}

/* ---- agent provenance ---- */

/* TODO(#14): split the trailer line reader out (cognitive complexity 44 > 25, STYLE §8). */
static enum wh_err /* NOLINTNEXTLINE(readability-function-cognitive-complexity) */
parse_trailers(struct pctx *c, json_t *t, const char *f, struct wh_agent_commit *out)
{
    const char **list;
    const char *key;
    json_t *v, *item;
    size_t i, n = 0;

    if (t == NULL || json_is_null(t))
        return WH_OK;
    if (json_is_array(t)) {
        list = wh_arena_calloc(c->a, json_array_size(t) + 1, sizeof(*list));
        json_array_foreach(t, i, item)
        {
            if (!json_is_string(item))
                return bad(c, wh_arena_sprintf(c->a, "%s[%zu]", f, i), "is not a string");
            list[n++] = wh_arena_strdup(c->a, json_string_value(item));
        }
    } else if (json_is_object(t)) {
        /* {"Co-authored-by": "agent <a@b>"} or {"Co-authored-by": ["a", "b"]} */
        size_t cap = 1;
        json_object_foreach(t, key, v) cap += json_is_array(v) ? json_array_size(v) : 1;
        if (cap > WH_PREDICATE_ITEMS_MAX)
            return wh_error_set(c->err, WH_E_LIMIT, "%s predicate.%s has too many trailers",
                                c->what, f);
        list = wh_arena_calloc(c->a, cap, sizeof(*list));
        json_object_foreach(t, key, v)
        {
            if (json_is_string(v)) {
                list[n++] = wh_arena_sprintf(c->a, "%s: %s", key, json_string_value(v));
                continue;
            }
            if (!json_is_array(v))
                return bad(c, wh_arena_sprintf(c->a, "%s.%s", f, key),
                           "is neither a string nor an array of strings");
            json_array_foreach(v, i, item)
            {
                if (!json_is_string(item))
                    return bad(c, wh_arena_sprintf(c->a, "%s.%s[%zu]", f, key, i),
                               "is not a string");
                list[n++] = wh_arena_sprintf(c->a, "%s: %s", key, json_string_value(item));
            }
        }
    } else {
        return bad(c, f, "is neither an object nor an array");
    }
    out->trailers = list;
    out->n_trailers = n;
    return WH_OK;
}

static enum wh_err
parse_agent(struct pctx *c, json_t *pred, struct wh_agent_provenance *out)
{
    json_t *commits, *item;
    size_t i;
    enum wh_err rc;

    if (!json_is_object(pred))
        return wh_error_set(c->err, WH_E_INVALID, "%s predicate is not an object", c->what);
    if ((rc = opt_kind(c, pred, "agent_commits", "agent_commits", true, &commits)) != WH_OK)
        return rc;
    out->commits =
        wh_arena_calloc(c->a, (commits ? json_array_size(commits) : 0) + 1, sizeof(*out->commits));
    json_array_foreach(commits, i, item)
    {
        struct wh_agent_commit *x = &out->commits[i];
        const char *f = fieldf(c, "agent_commits", i);
        if (!json_is_object(item))
            return bad(c, f, "is not an object");
        if ((rc = req_str(c, item, "sha", wh_arena_sprintf(c->a, "%s.sha", f), &x->sha)) != WH_OK ||
            (rc = opt_str(c, item, "message", wh_arena_sprintf(c->a, "%s.message", f),
                          &x->message)) != WH_OK ||
            (rc = parse_trailers(c, json_object_get(item, "trailers"),
                                 wh_arena_sprintf(c->a, "%s.trailers", f), x)) != WH_OK)
            return rc;
        x->message = or_empty(x->message);
    }
    out->n_commits = commits != NULL ? json_array_size(commits) : 0;
    return WH_OK;
}

/* ---- dev environment (policy/dev-environment.schema.json) ---- */

#define DEV_REFERENCE_MAX 1024 /* bytes of devImage.reference */

static enum wh_err
parse_dev_env(struct pctx *c, json_t *pred, struct wh_dev_environment *out)
{
    struct wh_image_ref ref;
    struct wh_error e;
    json_t *dev, *digests;
    const char *reference, *hex;
    enum wh_err rc;

    if (!json_is_object(pred))
        return wh_error_set(c->err, WH_E_INVALID, "%s predicate is not an object", c->what);
    if ((rc = opt_kind(c, pred, "devImage", "devImage", false, &dev)) != WH_OK)
        return rc;
    if (dev == NULL)
        return bad(c, "devImage", "is missing");
    if ((rc = req_str(c, dev, "reference", "devImage.reference", &reference)) != WH_OK ||
        (rc = opt_kind(c, dev, "digest", "devImage.digest", false, &digests)) != WH_OK ||
        (rc = req_str(c, digests, "sha256", "devImage.digest.sha256", &hex)) != WH_OK)
        return rc;
    if (strlen(reference) > DEV_REFERENCE_MAX)
        return wh_error_set(c->err, WH_E_LIMIT,
                            "%s predicate.devImage.reference is %zu bytes (limit %d)", c->what,
                            strlen(reference), DEV_REFERENCE_MAX);
    out->digest = wh_arena_sprintf(c->a, "sha256:%s", hex);
    if (!wh_digest_is_sha256(wh_str_c(out->digest)))
        return bad(c, "devImage.digest.sha256", "is not 64 lowercase hex digits");
    if (wh_image_ref_parse(wh_str_c(reference), c->a, &ref, &e) != WH_OK)
        return bad(c, "devImage.reference",
                   wh_arena_sprintf(c->a, "is not an image reference: %s", e.msg));
    if (ref.digest != NULL && strcmp(ref.digest, out->digest) != 0)
        return bad(c, "devImage.reference",
                   wh_arena_sprintf(c->a, "carries digest %s, not devImage.digest %s", ref.digest,
                                    out->digest));
    out->name = wh_image_ref_name(&ref, c->a);
    /* "name:tag", or "name@sha256:<hex>" for a reference that had only the digest */
    ref.digest = ref.tag != NULL ? NULL : out->digest;
    out->reference = wh_image_ref_render(&ref, c->a).ptr;
    return WH_OK;
}

enum wh_err
wh_verify_dev_environment_render(const char *prod_name, const char *prod_digest,
                                 const char *dev_reference, const char *dev_digest,
                                 bool predicate_only, struct wh_arena *a, const char **out,
                                 struct wh_error *err)
{
    struct wh_image_ref prod, dev;
    json_t *pred, *root;
    char *text;

    if (prod_digest == NULL || !wh_digest_is_sha256(wh_str_c(prod_digest)))
        return wh_error_set(err, WH_E_INVALID, "production digest \"%.80s\" is not sha256:<hex>",
                            prod_digest != NULL ? prod_digest : "");
    if (dev_digest == NULL || !wh_digest_is_sha256(wh_str_c(dev_digest)))
        return wh_error_set(err, WH_E_INVALID, "dev image digest \"%.80s\" is not sha256:<hex>",
                            dev_digest != NULL ? dev_digest : "");
    if (wh_image_ref_parse(wh_str_c(prod_name), a, &prod, err) != WH_OK)
        return wh_error_wrap(err, "production image %.200s", prod_name);
    if (wh_image_ref_parse(wh_str_c(dev_reference), a, &dev, err) != WH_OK)
        return wh_error_wrap(err, "dev image %.200s", dev_reference);
    if (dev.digest != NULL && strcmp(dev.digest, dev_digest) != 0)
        return wh_error_set(err, WH_E_INVALID, "dev image %.200s is not digest %s", dev_reference,
                            dev_digest);
    /* as the parser keeps it: "name:tag", or "name@sha256:<hex>" without a tag */
    dev.digest = dev.tag != NULL ? NULL : dev_digest;
    pred = json_pack("{s:{s:s,s:{s:s}}}", "devImage", "reference", wh_image_ref_render(&dev, a).ptr,
                     "digest", "sha256", dev_digest + 7);
    if (pred == NULL)
        wh_oom();
    root = predicate_only
               ? json_incref(pred)
               : json_pack("{s:s,s:[{s:s,s:{s:s}}],s:s,s:O}", "_type",
                           "https://in-toto.io/Statement/v1", "subject", "name",
                           wh_image_ref_name(&prod, a), "digest", "sha256", prod_digest + 7,
                           "predicateType", WH_PREDICATE_DEV_ENV, "predicate", pred);
    if (root == NULL)
        wh_oom();
    text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(root);
    json_decref(pred);
    if (text == NULL)
        wh_oom();
    *out = wh_arena_strdup(a, text);
    free(text);
    return WH_OK;
}

/* ---- entry point ---- */

enum kind {
    KIND_NONE,
    KIND_SLSA_V02,
    KIND_SLSA_V1,
    KIND_VULN,
    KIND_CYCLONEDX,
    KIND_AGENT,
    KIND_DEV_ENV
};

static enum kind
kind_of(const char *type)
{
    if (type == NULL)
        return KIND_NONE;
    if (strcmp(type, WH_PREDICATE_SLSA_V02) == 0)
        return KIND_SLSA_V02;
    if (strcmp(type, WH_PREDICATE_SLSA_V1) == 0)
        return KIND_SLSA_V1;
    if (strcmp(type, WH_PREDICATE_COSIGN_VULN) == 0)
        return KIND_VULN;
    if (strcmp(type, WH_PREDICATE_CYCLONEDX) == 0)
        return KIND_CYCLONEDX;
    if (strcmp(type, WH_PREDICATE_AGENT) == 0)
        return KIND_AGENT;
    if (strcmp(type, WH_PREDICATE_DEV_ENV) == 0)
        return KIND_DEV_ENV;
    return KIND_NONE;
}

static const char *
kind_what(enum kind k)
{
    switch (k) {
    case KIND_SLSA_V02:
        return "SLSA provenance v0.2";
    case KIND_SLSA_V1:
        return "SLSA provenance v1";
    case KIND_VULN:
        return "cosign vuln";
    case KIND_CYCLONEDX:
        return "CycloneDX";
    case KIND_AGENT:
        return "agent provenance";
    case KIND_DEV_ENV:
        return "dev environment";
    case KIND_NONE:
        break;
    }
    return "?";
}

static bool
slot_taken(enum kind k, const struct wh_predicates *out)
{
    switch (k) {
    case KIND_SLSA_V02:
    case KIND_SLSA_V1:
        return out->provenance != NULL;
    case KIND_VULN:
    case KIND_CYCLONEDX:
        return out->vulns != NULL;
    case KIND_AGENT:
        return out->agent != NULL;
    case KIND_DEV_ENV:
        return out->dev_env != NULL;
    case KIND_NONE:
        break;
    }
    return true;
}

/* A vulnerability predicate (cosign vuln, or a CycloneDX BOM with vulnerabilities) into out. */
static enum wh_err
parse_vuln_kind(struct pctx *c, enum kind k, json_t *pred, const char *signer,
                struct wh_predicates *out)
{
    struct wh_vuln_report *r = wh_arena_calloc(c->a, 1, sizeof(*r));
    json_t *vulns = NULL;
    enum wh_err rc;

    r->scanner = "";
    if (!json_is_object(pred))
        return wh_error_set(c->err, WH_E_INVALID, "%s predicate is not an object", c->what);
    if (k == KIND_CYCLONEDX) {
        if ((rc = opt_kind(c, pred, "vulnerabilities", "vulnerabilities", true, &vulns)) != WH_OK)
            return rc;
        if (vulns == NULL)
            return WH_OK; /* an SBOM only: sbom/ reads it */
        rc = parse_cyclonedx_vulns(c, pred, vulns, r);
    } else {
        rc = parse_cosign_vuln(c, pred, r);
    }
    if (rc == WH_OK) {
        out->vulns = r;
        out->vulns_signer = signer;
    }
    return rc;
}

static enum wh_err
parse_kind(struct pctx *c, enum kind k, json_t *pred, const char *signer, struct wh_predicates *out)
{
    enum wh_err rc;

    if (k == KIND_SLSA_V02 || k == KIND_SLSA_V1) {
        struct wh_provenance *p = wh_arena_calloc(c->a, 1, sizeof(*p));
        if (!json_is_object(pred))
            return wh_error_set(c->err, WH_E_INVALID, "%s predicate is not an object", c->what);
        rc = k == KIND_SLSA_V02 ? parse_slsa_v02(c, pred, p) : parse_slsa_v1(c, pred, p);
        if (rc == WH_OK) {
            out->provenance = p;
            out->provenance_signer = signer;
        }
        return rc;
    }
    if (k == KIND_VULN || k == KIND_CYCLONEDX)
        return parse_vuln_kind(c, k, pred, signer, out);
    if (k == KIND_DEV_ENV) {
        struct wh_dev_environment *de = wh_arena_calloc(c->a, 1, sizeof(*de));
        rc = parse_dev_env(c, pred, de);
        if (rc == WH_OK) {
            out->dev_env = de;
            out->dev_env_signer = signer;
        }
        return rc;
    }
    {
        struct wh_agent_provenance *ap = wh_arena_calloc(c->a, 1, sizeof(*ap));
        rc = parse_agent(c, pred, ap);
        if (rc == WH_OK) {
            out->agent = ap;
            out->agent_signer = signer;
        }
        return rc;
    }
}

enum wh_err
wh_verify_predicates_parse(const struct wh_attestation *att, const struct wh_limits *lim,
                           struct wh_arena *a, struct wh_predicates *out, struct wh_error *err)
{
    enum kind k = kind_of(att->predicate_type);
    struct pctx c = {kind_what(k), a, err};
    json_error_t jerr;
    json_t *root;
    enum wh_err rc;

    if (k == KIND_NONE || slot_taken(k, out))
        return WH_OK;
    if (att->predicate.len > lim->sbom_bytes)
        return wh_error_set(err, WH_E_LIMIT, "%s predicate is %zu bytes (limit %zu)", c.what,
                            att->predicate.len, lim->sbom_bytes);
    root = json_loadb((const char *)att->predicate.ptr, att->predicate.len,
                      JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (root == NULL)
        return wh_error_set(err, WH_E_INVALID, "%s predicate: %d:%d: %s", c.what, jerr.line,
                            jerr.column, jerr.text);
    if (wh_verify_json_depth(root, lim->json_depth + 1) > lim->json_depth) {
        json_decref(root);
        return wh_error_set(err, WH_E_LIMIT, "%s predicate nests deeper than %zu levels", c.what,
                            lim->json_depth);
    }
    rc = parse_kind(&c, k, root, att->signer, out);
    json_decref(root);
    return rc;
}
