/* Attestation predicate parser (SLSA v0.2/v1, cosign vuln, CycloneDX vulnerabilities, agent
 * provenance, dev environment): never crashes; errors are INVALID/LIMIT and leave *out
 * unchanged; on OK every parsed member holds non-NULL strings, counts within the documented
 * bounds and known severities, and a dev environment renders (attest-dev) and parses back to
 * itself. The first input byte picks the predicate type, the rest is the predicate JSON. */
#include <string.h>

#include "base/arena.h"
#include "base/digest.h"
#include "base/limits.h"
#include "fuzz/fuzz.h"
#include "verify/facts.h"
#include "verify/predicates.h"

static const char *const TYPES[] = {
    WH_PREDICATE_SLSA_V1,   WH_PREDICATE_SLSA_V02, WH_PREDICATE_COSIGN_VULN,
    WH_PREDICATE_CYCLONEDX, WH_PREDICATE_AGENT,    "https://in-toto.io/attestation/vulns/v0.1",
    WH_PREDICATE_DEV_ENV,
};

static void
check_provenance(const struct wh_provenance *p)
{
    WH_ASSERT(p->version != NULL && p->builder_id != NULL);
    WH_ASSERT(p->n_dependencies <= WH_PREDICATE_ITEMS_MAX);
    for (size_t i = 0; i < p->n_dependencies; i++) {
        const struct wh_slsa_dependency *d = &p->dependencies[i];
        WH_ASSERT(d->field != NULL && d->uri != NULL && d->name != NULL);
        for (size_t j = 0; j < d->n_digests; j++)
            WH_ASSERT(d->digests[j].alg != NULL && d->digests[j].hex != NULL);
    }
}

static void
check_vulns(const struct wh_vuln_report *r)
{
    WH_ASSERT(r->format != NULL && r->scanner != NULL);
    WH_ASSERT(r->n_vulns <= WH_PREDICATE_VULNS_MAX);
    for (size_t i = 0; i < r->n_vulns; i++) {
        const struct wh_vuln *v = &r->vulns[i];
        WH_ASSERT(v->id != NULL && v->package != NULL && v->version != NULL);
        WH_ASSERT(v->fixed_version != NULL && v->field != NULL);
        WH_ASSERT(v->severity >= WH_SEVERITY_UNKNOWN && v->severity <= WH_SEVERITY_CRITICAL);
    }
}

static void
check_agent(const struct wh_agent_provenance *ag)
{
    WH_ASSERT(ag->n_commits <= WH_PREDICATE_ITEMS_MAX);
    for (size_t i = 0; i < ag->n_commits; i++) {
        WH_ASSERT(ag->commits[i].sha != NULL && ag->commits[i].message != NULL);
        WH_ASSERT(ag->commits[i].n_trailers <= WH_PREDICATE_ITEMS_MAX);
        for (size_t j = 0; j < ag->commits[i].n_trailers; j++)
            WH_ASSERT(ag->commits[i].trailers[j] != NULL);
    }
}

static void
check_dev_env(const struct wh_dev_environment *d, const struct wh_limits *lim, struct wh_arena *a)
{
    struct wh_attestation att;
    struct wh_predicates again;
    struct wh_error err;
    const char *text;

    WH_ASSERT(d->name != NULL && d->reference != NULL && d->digest != NULL);
    WH_ASSERT(wh_digest_is_sha256(wh_str_c(d->digest)));
    WH_ASSERT(strncmp(d->reference, d->name, strlen(d->name)) == 0);
    /* attest-dev's rendering of it parses back to the same dev image */
    WH_ASSERT(wh_verify_dev_environment_render(
                  "r/app",
                  "sha256:0000000000000000000000000000000000000000000000000000000000000000",
                  d->reference, d->digest, true, a, &text, &err) == WH_OK);
    att.predicate_type = WH_PREDICATE_DEV_ENV;
    att.signer = "fuzz-key";
    att.predicate = (struct wh_bytes){(const unsigned char *)text, strlen(text)};
    memset(&again, 0, sizeof(again));
    WH_ASSERT(wh_verify_predicates_parse(&att, lim, a, &again, &err) == WH_OK);
    WH_ASSERT(strcmp(again.dev_env->reference, d->reference) == 0 &&
              strcmp(again.dev_env->digest, d->digest) == 0 &&
              strcmp(again.dev_env->name, d->name) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wh_limits lim = WH_LIMITS_DEFAULT;
    struct wh_arena a;
    struct wh_error err;
    struct wh_predicates out, zero;
    struct wh_attestation att;

    if (size < 1)
        return 0;
    lim.blob_bytes = 1u << 16;
    lim.json_depth = 16;
    att.predicate_type = TYPES[data[0] % (sizeof(TYPES) / sizeof(TYPES[0]))];
    att.signer = "fuzz-key";
    att.predicate = (struct wh_bytes){data + 1, size - 1};
    memset(&out, 0, sizeof(out));
    memset(&zero, 0, sizeof(zero));
    wh_arena_init(&a);
    if (wh_verify_predicates_parse(&att, &lim, &a, &out, &err) == WH_OK) {
        if (out.provenance != NULL)
            check_provenance(out.provenance);
        if (out.vulns != NULL)
            check_vulns(out.vulns);
        if (out.agent != NULL)
            check_agent(out.agent);
        if (out.dev_env != NULL)
            check_dev_env(out.dev_env, &lim, &a);
    } else {
        WH_ASSERT(err.code == WH_E_INVALID || err.code == WH_E_LIMIT);
        WH_ASSERT(memcmp(&out, &zero, sizeof(out)) == 0);
    }
    wh_arena_fini(&a);
    return 0;
}
