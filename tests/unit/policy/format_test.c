/* The policy format has one description, policy/schema.json: the loader accepts exactly the keys
 * it declares (its tables are generated from it, policy/keys.h), and here the loader is watched
 * while it loads every shipped policy and one that holds every section, to show it reads every key
 * the schema declares and none it does not; and its enum tables equal the schema's enums. A
 * failure names the JSON pointer of the schema object and the key or value. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct saw {
    const void *map;
    char what[160];
};
static struct saw *checks, *reads;
static size_t n_checks, n_reads, cap_checks, cap_reads;

static void
saw(struct saw **v, size_t *n, size_t *cap, const void *map, const char *what)
{
    if (*n == *cap) {
        *cap = *cap == 0 ? 256 : *cap * 2;
        *v = realloc(*v, *cap * sizeof(**v));
        if (*v == NULL)
            abort();
    }
    (*v)[*n].map = map;
    snprintf((*v)[*n].what, sizeof((*v)[*n].what), "%s", what);
    (*n)++;
}

#define WH_POLICY_SAW_CHECK(m, at) saw(&checks, &n_checks, &cap_checks, (m), (at))
#define WH_POLICY_SAW_READ(m, key) saw(&reads, &n_reads, &cap_reads, (m), (key))
#define WH_POLICY_SAW_ENUM(names) saw_enum(names)
static void saw_enum(const char *const *names);
#include "policy/load.c"

#include "unit/harness.h"
#include "verify/attestation.h"
#include "verify/cert.h"
#include "verify/predicates.h"

/* The enum tables as_enum matched values against, over all loads. */
static const char *const *enums_used[64];
static size_t n_enums_used;

static void
saw_enum(const char *const *names)
{
    for (size_t i = 0; i < n_enums_used; i++)
        if (enums_used[i] == names)
            return;
    if (n_enums_used < sizeof(enums_used) / sizeof(enums_used[0]))
        enums_used[n_enums_used++] = names;
}

/* What all loads so far showed: "pointer key" pairs read, pointers checked. */
#define MAX_SEEN 1024
static char *read_pairs[MAX_SEEN], *checked[MAX_SEEN];
static size_t n_read_pairs, n_checked;

static bool
in_list(char *const *list, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], s) == 0)
            return true;
    return false;
}

static void
add_once(char **list, size_t *n, const char *s)
{
    if (*n < MAX_SEEN && !in_list(list, *n, s))
        list[(*n)++] = strdup(s);
}

/* One load's reads, each filed under every schema object its mapping was checked against (node
 * addresses are only compared within the load that made them). */
static void
file_load(void)
{
    char pair[400];

    for (size_t i = 0; i < n_checks; i++) {
        add_once(checked, &n_checked, checks[i].what);
        for (size_t j = 0; j < n_reads; j++)
            if (reads[j].map == checks[i].map) {
                snprintf(pair, sizeof(pair), "%s %s", checks[i].what, reads[j].what);
                add_once(read_pairs, &n_read_pairs, pair);
            }
    }
    n_checks = n_reads = 0;
}

static const struct wh_limits lim = WH_LIMITS_DEFAULT;

static void
load_file(const char *path)
{
    struct wh_policy *p = NULL;
    struct wh_error err = {0};

    if (ok(wh_policy_load(path, &lim, &p, &err) == WH_OK, "%s loads: %s", path, err.msg))
        wh_policy_unref(p);
    file_load();
}

static void
load_examples(void)
{
    DIR *d = opendir("policy/examples");
    struct dirent *e;
    char path[512];

    ok(d != NULL, "policy/examples opens");
    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len > 5 && strcmp(e->d_name + len - 5, ".yaml") == 0) { /* .yml: workflows */
            snprintf(path, sizeof(path), "policy/examples/%s", e->d_name);
            load_file(path);
        }
    }
    closedir(d);
}

/* The sections no shipped policy has: spec.runtime, an fsManifest attestation, a tier list that
 * extends another. */
static void
load_rest(void)
{
    static const char yaml[] =
        "apiVersion: driftgate.dev/v1alpha1\n"
        "kind: Policy\n"
        "spec:\n"
        "  runtime: {mutablePaths: [/tmp, /var/cache/*], blockOn: [exec, setuid]}\n"
        "  signers:\n"
        "    ci-key: {key: {file: keys/ci.pub}, transparencyLog: optional}\n"
        "  images:\n"
        "    - name: all\n"
        "      match: [\"**\"]\n"
        "      signatures: {signedBy: [ci-key]}\n"
        "      attestations:\n"
        "        fsManifest: {signedBy: [ci-key], required: false, maxBytes: 1048576,\n"
        "                     maxEntries: 1000}\n"
        "      tiers: strict\n"
        "  tiers:\n"
        "    strict:\n"
        "      extends: seed-default\n"
        "      before: [{tier: block, when: {names: [openssl]}}]\n"
        "      after: [{tier: warn, when: {}}]\n";
    struct wh_policy *p = NULL;
    struct wh_error err = {0};

    if (ok(wh_policy_parse((struct wh_bytes){(const unsigned char *)yaml, sizeof(yaml) - 1},
                           "rest.yaml", "policy/examples", &lim, &p, &err) == WH_OK,
           "a policy with runtime, fsManifest and extends loads: %s", err.msg))
        wh_policy_unref(p);
    file_load();
}

static void
test_every_key_read(void)
{
    const char *at;
    char pair[400];

    for (size_t i = 0; (at = wh_policy_schema_keys_at(i)) != NULL; i++) {
        const char *const *keys = wh_policy_schema_keys(at);
        const char *missing = NULL;
        if (!ok(in_list(checked, n_checked, at),
                "%s: a loaded policy has a mapping checked against it", at))
            continue;
        for (size_t k = 0; keys[k] != NULL && missing == NULL; k++) {
            snprintf(pair, sizeof(pair), "%s %s", at, keys[k]);
            if (!in_list(read_pairs, n_read_pairs, pair))
                missing = keys[k];
        }
        ok(missing == NULL, "%s: every key policy/schema.json declares is read by the loader%s%s",
           at, missing != NULL ? "; never read: " : "", missing != NULL ? missing : "");
    }
}

static void
test_no_key_read_undeclared(void)
{
    for (size_t i = 0; i < n_checked; i++) {
        const char *const *keys = wh_policy_schema_keys(checked[i]);
        size_t len = strlen(checked[i]);
        const char *extra = NULL;
        for (size_t j = 0; j < n_read_pairs && extra == NULL; j++) {
            const char *key = read_pairs[j] + len + 1;
            size_t k;
            if (strncmp(read_pairs[j], checked[i], len) != 0 || read_pairs[j][len] != ' ')
                continue;
            for (k = 0; keys[k] != NULL && strcmp(keys[k], key) != 0; k++)
                ;
            if (keys[k] == NULL)
                extra = key;
        }
        ok(extra == NULL, "%s: the loader reads no key policy/schema.json leaves out%s%s",
           checked[i], extra != NULL ? "; read: " : "", extra != NULL ? extra : "");
    }
}

/* Each enum of the schema and the loader's table for it, which numbers the model's enum. */
static const struct {
    const char *at;
    const char *const *values;
} PAIRS[] = {
    {"#/$defs/mode", MODES},
    {"#/$defs/action", ACTIONS},
    {"#/$defs/spec/properties/runtime/properties/blockOn/items", BLOCK_ON},
    {"#/$defs/signer/properties/transparencyLog", TLOG},
    {"#/$defs/image/properties/devReference/properties/from", DEV_FROM},
    {"#/$defs/image/properties/platforms", PLATFORMS},
    {"#/$defs/attestations/properties/vulns/properties/maxSeverity", SEVERITIES},
    {"#/$defs/attestations/properties/agent/properties/absentTier", ABSENT_TIERS},
    {"#/$defs/when/properties/versionDrift", DRIFT},
    {"#/$defs/exemption/properties/scope", SCOPES},
    {"#/$defs/pinRule/properties/tier", TIERS},
    {"#/$defs/auditRule/properties/tier", TIERS},
    {"#/$defs/tierRules/items/properties/tier", TIERS},
    {"#/$defs/pinWhen/properties/kinds/items", PIN_KINDS},
    {"#/$defs/pinWhen/properties/stage", STAGES},
};
#define PROVENANCE_TYPE "#/$defs/attestations/properties/provenance/properties/predicateType"
#define VULNS_TYPE "#/$defs/attestations/properties/vulns/properties/predicateType"
#define EXTENSIONS "#/$defs/keyless/properties/extensions/propertyNames"
#define NOT_MUTABLE "#/$defs/spec/properties/runtime/properties/mutablePaths/items/not"

/* The schema's enum at `at`; an empty list (after a failing check) when it has none. */
static const char *const *
schema_enum(const char *at)
{
    static const char *const none[] = {NULL};
    const char *const *v = wh_policy_schema_enum(at);

    ok(v != NULL, "%s: policy/schema.json has this enum", at);
    return v != NULL ? v : none;
}

static size_t
count(const char *const *v)
{
    size_t n = 0;

    while (v[n] != NULL)
        n++;
    return n;
}

static bool
has(const char *const *v, const char *s)
{
    for (; *v != NULL; v++)
        if (strcmp(*v, s) == 0)
            return true;
    return false;
}

/* The first value of `a` that `b` lacks, or NULL. */
static const char *
first_missing(const char *const *a, const char *const *b)
{
    for (; *a != NULL; a++)
        if (!has(b, *a))
            return *a;
    return NULL;
}

static void
test_enum_tables_equal_schema(void)
{
    for (size_t i = 0; i < sizeof(PAIRS) / sizeof(PAIRS[0]); i++) {
        const char *const *schema = schema_enum(PAIRS[i].at);
        const char *a, *b;
        a = first_missing(schema, PAIRS[i].values);
        b = first_missing(PAIRS[i].values, schema);
        ok(a == NULL && b == NULL && count(schema) == count(PAIRS[i].values),
           "%s: the schema's enum and the loader's table hold the same values%s%s%s%s", PAIRS[i].at,
           a != NULL ? "; the loader lacks " : "", a != NULL ? a : "",
           b != NULL ? "; the schema lacks " : "", b != NULL ? b : "");
    }
    for (size_t i = 0; i < n_enums_used; i++) {
        size_t k = 0;
        while (k < sizeof(PAIRS) / sizeof(PAIRS[0]) && PAIRS[k].values != enums_used[i])
            k++;
        ok(k < sizeof(PAIRS) / sizeof(PAIRS[0]),
           "the loader's enum table {%s, ...} is paired with a schema enum here", enums_used[i][0]);
    }
}

/* predicateType: the loader takes a URI or a cosign alias (verify/attestation.h) whose URI is one
 * of `uris`; the schema lists exactly those. */
static void
check_predicate_types(const char *at, const char *const *uris)
{
    const char *const *schema = schema_enum(at);
    const char *bad = NULL, *alias;
    size_t n = 0;

    for (size_t i = 0; schema[i] != NULL && bad == NULL; i++)
        if (!has(uris, wh_verify_predicate_type_canonical(schema[i])))
            bad = schema[i];
    ok(bad == NULL, "%s: every value the schema lists, the loader takes%s%s", at,
       bad != NULL ? "; it refuses " : "", bad != NULL ? bad : "");
    bad = first_missing(uris, schema);
    for (size_t i = 0; bad == NULL && (alias = wh_verify_predicate_alias(i)) != NULL; i++)
        if (has(uris, wh_verify_predicate_type_canonical(alias)) && !has(schema, alias))
            bad = alias;
    for (size_t i = 0; uris[i] != NULL; i++)
        n++;
    ok(bad == NULL && n > 0, "%s: every value the loader takes, the schema lists%s%s", at,
       bad != NULL ? "; it lacks " : "", bad != NULL ? bad : "");
}

/* keyless.extensions: names verify/cert.h knows (Fulcio's, and one alias). */
static void
check_extensions(void)
{
    const char *const *ext = schema_enum(EXTENSIONS);
    const char *bad = NULL;

    for (size_t i = 0; ext[i] != NULL && bad == NULL; i++)
        if (wh_verify_cert_ext_find(ext[i]) < 0)
            bad = ext[i];
    for (int e = 0; e < WH_CERT_EXT_COUNT && bad == NULL; e++)
        if (!has(ext, wh_verify_cert_ext_name((enum wh_cert_ext)e)))
            bad = wh_verify_cert_ext_name((enum wh_cert_ext)e);
    ok(bad == NULL, "%s: the schema lists the Fulcio extensions verify/cert.c knows%s%s",
       EXTENSIONS, bad != NULL ? "; differs at " : "", bad != NULL ? bad : "");
}

/* mutablePaths: what the schema refuses by value, the loader refuses too. */
static void
check_not_mutable(void)
{
    const char *const *not_mutable = schema_enum(NOT_MUTABLE);

    for (size_t i = 0; not_mutable[i] != NULL; i++) {
        char yaml[256];
        struct wh_policy *p = NULL;
        struct wh_error err = {0};
        int len = snprintf(yaml, sizeof(yaml),
                           "apiVersion: driftgate.dev/v1alpha1\nkind: Policy\nspec:\n"
                           "  runtime: {mutablePaths: [\"%s\"]}\n",
                           not_mutable[i]);
        enum wh_err rc =
            wh_policy_parse((struct wh_bytes){(const unsigned char *)yaml, (size_t)len}, "t.yaml",
                            ".", &lim, &p, &err);
        ok(rc == WH_E_INVALID, "%s: the loader refuses mutablePaths \"%s\" too", NOT_MUTABLE,
           not_mutable[i]);
        if (rc == WH_OK)
            wh_policy_unref(p);
    }
}

static void
test_special_enums(void)
{
    static const char *const provenance[] = {WH_PREDICATE_SLSA_V1, WH_PREDICATE_SLSA_V02, NULL};
    static const char *const vulns[] = {WH_PREDICATE_COSIGN_VULN, WH_PREDICATE_CYCLONEDX, NULL};
    static const char *const handled[] = {PROVENANCE_TYPE, VULNS_TYPE, EXTENSIONS, NOT_MUTABLE};
    const char *at;

    check_predicate_types(PROVENANCE_TYPE, provenance);
    check_predicate_types(VULNS_TYPE, vulns);
    check_extensions();
    check_not_mutable();
    /* Every enum of the schema is checked above. */
    for (size_t i = 0; (at = wh_policy_schema_enum_at(i)) != NULL; i++) {
        bool found = false;
        for (size_t k = 0; k < sizeof(PAIRS) / sizeof(PAIRS[0]); k++)
            found = found || strcmp(PAIRS[k].at, at) == 0;
        for (size_t k = 0; k < sizeof(handled) / sizeof(handled[0]); k++)
            found = found || strcmp(handled[k], at) == 0;
        ok(found, "%s: this enum of policy/schema.json is checked against the loader", at);
    }
}

int
main(void)
{
    load_file("policy/default.yaml");
    load_examples();
    load_rest();
    test_every_key_read();
    test_no_key_read_undeclared();
    test_enum_tables_equal_schema();
    test_special_enums();
    return done_testing();
}
