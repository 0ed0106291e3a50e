/* policy/provenance.c: SLSA provenance rules (builder, build type, source, dependency digests),
 * agent-provenance banner and tier raising; the loader's errors for attestations.provenance/agent;
 * and wh_policy_evaluate_image routing them into the decision. */
#include <stdio.h>
#include <string.h>

#include "policy/policy.h"
#include "policy/provenance.h"
#include "unit/harness.h"
#include "unit/policy/predicate_policy.h"

#define BASE "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define OTHER "sha256:2222222222222222222222222222222222222222222222222222222222222222"

#define RULE                                                                                       \
    "  images:\n"                                                                                  \
    "    - name: app\n"                                                                            \
    "      match: [\"reg/app\"]\n"                                                                 \
    "      attestations:\n"                                                                        \
    "        provenance:\n"                                                                        \
    "          predicateType: slsaprovenance1\n"                                                   \
    "          signedBy: [ci-key]\n"                                                               \
    "          builderId: "                                                                        \
    "\"https://github.com/acme/.github/workflows/build.yml@refs/heads/main\"\n"                    \
    "          buildType: \"https://actions.github.io/buildtypes/workflow/v1\"\n"                  \
    "          sourceRepo: \"https://GitHub.com/acme/app.git\"\n"                                  \
    "          sourceRef: refs/heads/main\n"                                                       \
    "          dependencies:\n"                                                                    \
    "            - {uri: \"pkg:docker/debian*\", digest: \"" BASE "\"}\n"

static struct wh_slsa_dependency deps[2];
static struct wh_digest_entry git_digest = {"gitCommit", "abc"};
static struct wh_digest_entry base_digest = {"sha256", BASE + 7};

static struct wh_provenance
good_provenance(void)
{
    struct wh_provenance p;

    memset(&p, 0, sizeof(p));
    deps[0] = (struct wh_slsa_dependency){"buildDefinition.resolvedDependencies[0]",
                                          "git+https://github.com/acme/app@refs/heads/main", "",
                                          &git_digest, 1};
    deps[1] = (struct wh_slsa_dependency){"buildDefinition.resolvedDependencies[1]",
                                          "pkg:docker/debian@12?platform=linux/amd64", "",
                                          &base_digest, 1};
    p.version = "v1";
    p.builder_id = "https://github.com/acme/.github/workflows/build.yml@refs/heads/main";
    p.builder_id_field = "runDetails.builder.id";
    p.build_type = "https://actions.github.io/buildtypes/workflow/v1";
    p.build_type_field = "buildDefinition.buildType";
    p.source_repo = "github.com/acme/app";
    p.source_ref = "refs/heads/main";
    p.source_field = "buildDefinition.externalParameters.workflow.repository";
    p.dependencies = deps;
    p.n_dependencies = 2;
    return p;
}

static void
run(const struct wh_policy *p, const struct wh_provenance *pv, const char *signer)
{
    struct wh_predicates pred = {0};

    pred.provenance = pv;
    pred.provenance_signer = signer;
    wh_policy_provenance_check(wh_policy_image_find(p, "reg/app"), pv != NULL ? &pred : NULL,
                               "reg/app:v1", NULL, next_check(), &m);
}

static void
test_matching_provenance_passes(void)
{
    struct wh_error err = {0};
    struct wh_policy *p = policy_with_signers(RULE, &err);
    struct wh_provenance pv;

    if (!ok(p != NULL, "policy loads: %s", err.msg))
        return;
    pv = good_provenance();
    run(p, &pv, "ci-key");
    ok(m.n_deny == 0 && m.n_warn == 0, "all constraints hold: no denial");
    ok(strcmp(wh_policy_image_find(p, "reg/app")->provenance.source_repo, "github.com/acme/app") ==
           0,
       "policy sourceRepo normalised (scheme, case of host, .git)");
    wh_policy_unref(p);
}

static void
test_each_mismatch_names_the_field(void)
{
    struct wh_error err = {0};
    struct wh_policy *p = policy_with_signers(RULE, &err);
    struct wh_provenance pv;
    struct wh_digest_entry wrong = {"sha256", OTHER + 7};

    if (p == NULL)
        return;
    run(p, NULL, NULL);
    ok(m.n_deny == 1 &&
           has_in(m.deny, m.n_deny,
                  "no verified provenance attestation (https://slsa.dev/provenance/v1) "
                  "by ci-key") &&
           has_in(m.deny, m.n_deny, "cosign attest --type slsaprovenance1"),
       "missing provenance denies with the fix");
    pv = good_provenance();
    run(p, &pv, "other");
    ok(m.n_deny == 1 && has_in(m.deny, m.n_deny, "no verified provenance"),
       "signed by a signer the rule lacks");
    pv = good_provenance();
    pv.version = "v0.2";
    run(p, &pv, "ci-key");
    ok(m.n_deny == 1 && has_in(m.deny, m.n_deny, "no verified provenance"),
       "v0.2 when the rule wants v1");
    pv = good_provenance();
    pv.builder_id = "https://github.com/evil/x";
    run(p, &pv, "ci-key");
    ok(m.n_deny == 1 && has_in(m.deny, m.n_deny,
                               "provenance runDetails.builder.id is \"https://github.com/evil/x\"; "
                               "the policy expects builderId"),
       "builder id mismatch names runDetails.builder.id");
    pv = good_provenance();
    pv.build_type = "https://example.com/other";
    run(p, &pv, "ci-key");
    ok(m.n_deny == 1 &&
           has_in(m.deny, m.n_deny, "buildDefinition.buildType is \"https://example.com/other\""),
       "build type mismatch");
    pv = good_provenance();
    pv.source_repo = "github.com/acme/fork";
    run(p, &pv, "ci-key");
    ok(m.n_deny == 1 &&
           has_in(
               m.deny, m.n_deny,
               "buildDefinition.externalParameters.workflow.repository is "
               "\"github.com/acme/fork\"; the policy expects sourceRepo \"github.com/acme/app\""),
       "source repo mismatch");
    pv = good_provenance();
    pv.source_ref = "refs/heads/feature";
    run(p, &pv, "ci-key");
    ok(m.n_deny == 1 &&
           has_in(m.deny, m.n_deny, "\"refs/heads/feature\"; the policy expects sourceRef"),
       "source ref mismatch");
    pv = good_provenance();
    pv.source_ref = NULL;
    run(p, &pv, "ci-key");
    ok(m.n_deny == 1 && has_in(m.deny, m.n_deny, "provenance does not record sourceRef"),
       "source ref absent");
    pv = good_provenance();
    deps[1].digests = &wrong;
    run(p, &pv, "ci-key");
    ok(m.n_deny == 1 &&
           has_in(m.deny, m.n_deny,
                  "provenance buildDefinition.resolvedDependencies[1].digest.sha256 "
                  "is 2222") &&
           has_in(m.deny, m.n_deny, BASE + 7),
       "base image digest mismatch names the dependency field and both digests");
    pv = good_provenance();
    pv.n_dependencies = 1;
    run(p, &pv, "ci-key");
    ok(m.n_deny == 1 && has_in(m.deny, m.n_deny,
                               "lists no resolved dependency matching pkg:docker/debian* "
                               "(buildDefinition.resolvedDependencies, 1 listed)"),
       "base image absent from provenance");
    wh_policy_unref(p);
}

static void
test_builder_regexp_and_any_version(void)
{
    struct wh_error err = {0};
    struct wh_policy *p =
        policy_with_signers("  images:\n"
                            "    - name: app\n"
                            "      match: [\"reg/app\"]\n"
                            "      attestations:\n"
                            "        provenance:\n"
                            "          signedBy: [ci-key]\n"
                            "          builderIdRegExp: \"https://github.com/acme/.+\"\n",
                            &err);
    struct wh_provenance pv;

    if (!ok(p != NULL, "regexp policy loads: %s", err.msg))
        return;
    pv = good_provenance();
    pv.version = "v0.2";
    run(p, &pv, "ci-key");
    ok(m.n_deny == 0, "no predicateType: v0.2 accepted; builder matches the regexp");
    pv.builder_id = "https://github.com/acmeX/y";
    run(p, &pv, "ci-key");
    ok(m.n_deny == 1 && has_in(m.deny, m.n_deny, "does not match the policy's builderIdRegExp"),
       "anchored regexp refuses a look-alike builder");
    wh_policy_unref(p);
}

static void
test_loader_errors(void)
{
    struct wh_error err = {0};
    static const struct refused_case cases[] = {
        {"unknown key", "provenance: {signedBy: [ci-key], builder: x}",
         "unknown key \"builder\" in image rule app: attestations.provenance"},
        {"wrong predicate type", "provenance: {signedBy: [ci-key], predicateType: cyclonedx}",
         "predicateType: expected https://slsa.dev/provenance/v1 or"},
        {"no signers to inherit", "provenance: {builderId: x}",
         "missing required key \"signedBy\" (no attestations.sbom"},
        {"ref in sourceRepo",
         "provenance: {signedBy: [ci-key], sourceRepo: \"github.com/a/b@main\"}",
         "write the ref in sourceRef"},
        {"bad digest", "provenance: {signedBy: [ci-key], dependencies: [{uri: x, digest: abc}]}",
         "expected ALG:HEX"},
        {"bad regexp", "provenance: {signedBy: [ci-key], builderIdRegExp: \"(\"}",
         "invalid regular expression"},
        {"agent raiseDrift type", "agent: {signedBy: [ci-key], raiseDrift: yes}",
         "raiseDrift: expected true or false"},
        {"unknown signer", "agent: {signedBy: [nobody]}", "unknown signer \"nobody\""},
    };

    expect_refused(cases, sizeof(cases) / sizeof(cases[0]));
    {
        struct wh_policy *p =
            policy_with_signers("  images:\n    - name: app\n      match: [\"reg/app\"]\n"
                                "      attestations:\n"
                                "        sbom: {predicateType: cyclonedx, signedBy: [other]}\n"
                                "        agent: {raiseDrift: true}\n",
                                &err);
        const struct wh_policy_image *img = p != NULL ? wh_policy_image_find(p, "reg/app") : NULL;
        ok(img != NULL && img->agent.required && img->agent.raise_drift &&
               img->agent.n_signed_by == 1 && strcmp(img->agent.signed_by[0]->name, "other") == 0,
           "agent signers inherited from attestations.sbom: %s", p == NULL ? err.msg : "ok");
        wh_policy_unref(p);
    }
}

static void
test_agent_banner_and_raise(void)
{
    struct wh_error err = {0};
    struct wh_policy *p =
        policy_with_signers("  images:\n    - name: app\n      match: [\"reg/app\"]\n"
                            "      attestations: {agent: {signedBy: [ci-key], "
                            "raiseDrift: true}}\n",
                            &err);
    const struct wh_policy_image *rule = p != NULL ? wh_policy_image_find(p, "reg/app") : NULL;
    struct wh_arena a;
    struct wh_agent_commit commits[4] = {
        {"0123456789abcdef0123", "install graphviz\n\nbody", NULL, 0},
        {"b", "", NULL, 0},
        {"c", "x", NULL, 0},
        {"d", "y", NULL, 0},
    };
    struct wh_agent_provenance ag = {commits, 4}, empty = {commits, 0};
    struct wh_predicates dev = {0}, prod = {0};
    struct wh_tiered_finding t[3] = {
        {NULL, WH_TIER_IGNORE, "seed[0]", NULL, NULL},
        {NULL, WH_TIER_WARN, "seed[1]", NULL, NULL},
        {NULL, WH_TIER_IGNORE, "seed[2]", "INC-1", "2099-01-01"},
    };
    const char *b;

    if (!ok(rule != NULL, "agent policy loads: %s", err.msg))
        return;
    wh_arena_init(&a);
    ok(wh_policy_agent_banner(NULL, NULL, &a) == NULL, "no predicates: no banner");
    dev.agent = &empty;
    dev.agent_signer = "ci-key";
    ok(wh_policy_agent_banner(NULL, &dev, &a) == NULL, "empty agent_commits: no banner");
    ok(!wh_policy_agent_raises(rule, NULL, &dev), "empty agent_commits: no raise");
    dev.agent = &ag;
    b = wh_policy_agent_banner(NULL, &dev, &a);
    ok(b != NULL && strstr(b, "agent-authored (agent-provenance attestation): dev image commits "
                              "0123456789ab (install graphviz), b, c (x) and 1 more") != NULL,
       "banner names the dev image's commits, subject lines only: %s", b ? b : "(null)");
    prod.agent = &ag;
    b = wh_policy_agent_banner(&prod, NULL, &a);
    ok(b != NULL && strstr(b, ": image commits 0123456789ab") != NULL, "banner for the image");
    ok(wh_policy_agent_raises(rule, NULL, &dev), "raiseDrift with agent commits");
    dev.agent_signer = "other";
    ok(!wh_policy_agent_raises(rule, NULL, &dev), "agent attestation by another signer: no raise");
    wh_policy_agent_raise(t, 3, &a);
    ok(t[0].tier == WH_TIER_WARN && strcmp(t[0].rule, "seed[0]+agent") == 0 &&
           t[1].tier == WH_TIER_BLOCK && t[2].tier == WH_TIER_IGNORE,
       "ignore→warn, warn→block, exempted stays ignored");
    wh_arena_fini(&a);
    wh_policy_unref(p);
}

static void
test_evaluate_routes_denials_and_banner(void)
{
    struct wh_error err = {0};
    struct wh_policy *p = policy_with_signers(RULE, &err);
    struct wh_arena a;
    struct wh_decision d;
    struct wh_image_eval in;
    struct wh_facts facts;
    struct wh_predicates pred = {0}, dev = {0};
    struct wh_provenance pv = good_provenance();
    struct wh_agent_commit c = {"feedface", "agent fix", NULL, 0};
    struct wh_agent_provenance ag = {&c, 1};

    if (p == NULL)
        return;
    wh_arena_init(&a);
    wh_decision_init(&d, &a);
    memset(&facts, 0, sizeof(facts));
    memset(&in, 0, sizeof(in));
    pv.builder_id = "https://github.com/evil/x";
    pred.provenance = &pv;
    pred.provenance_signer = "ci-key";
    dev.agent = &ag;
    dev.agent_signer = "ci-key";
    facts.digest = BASE;
    facts.predicates = &pred;
    in.path = "spec.containers[0].image";
    in.image = "reg/app:v1";
    in.digest = BASE;
    in.name = "reg/app";
    in.rule = wh_policy_image_find(p, "reg/app");
    in.facts = &facts;
    in.dev_predicates = &dev;
    wh_policy_evaluate_image(p, &in, 0, &d);
    wh_policy_finish(&d);
    ok(!d.allowed && d.n_denials == 1 &&
           strstr(d.denials[0], "spec.containers[0].image reg/app:v1 (" BASE
                                "), image rule app: provenance runDetails.builder.id") != NULL,
       "evaluate denies with path, image, digest and field: %s",
       d.n_denials ? d.denials[0] : "(none)");
    ok(d.n_warnings == 1 && strstr(d.warnings[0], "agent-authored (agent-provenance attestation): "
                                                  "dev image commits feedface (agent fix)"),
       "banner is a warning: %s", d.n_warnings ? d.warnings[0] : "(none)");
    wh_arena_fini(&a);
    wh_policy_unref(p);
}

int
main(void)
{
    test_matching_provenance_passes();
    test_each_mismatch_names_the_field();
    test_builder_regexp_and_any_version();
    test_loader_errors();
    test_agent_banner_and_raise();
    test_evaluate_routes_denials_and_banner();
    wh_arena_fini(&arena);
    return done_testing();
}
