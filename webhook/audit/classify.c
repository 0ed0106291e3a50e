/* spec.pins first-match tiers for unpinned references (classify.h). */
#include "audit/classify.h"

#include "image/ref.h"

static const char *const GITHUB_OWNED[] = {"actions/**", "github/**"};

static const struct wh_policy_pin_rule DEFAULTS[] = {
    {.id = "default[0]", .tier = WH_TIER_IGNORE, .kinds = 1u << WH_PIN_LOCAL, .stage = -1},
    {.id = "default[1]",
     .tier = WH_TIER_WARN,
     .kinds = (1u << WH_PIN_ACTION) | (1u << WH_PIN_WORKFLOW),
     .stage = -1,
     .names = GITHUB_OWNED,
     .n_names = 2},
    {.id = "default[2]", .tier = WH_TIER_WARN, .stage = 1},
    {.id = "default[3]", .tier = WH_TIER_BLOCK, .stage = -1},
};

static bool
any_glob(const char *const *globs, size_t n, const char *text)
{
    size_t i;

    if (text == NULL)
        return false;
    for (i = 0; i < n; i++)
        if (wh_image_glob_match(wh_str_c(globs[i]), wh_str_c(text)))
            return true;
    return false;
}

static bool
rule_holds(const struct wh_policy_pin_rule *rule, const struct wh_audit_ref *r)
{
    if (rule->kinds != 0 && (rule->kinds & (1u << r->kind)) == 0)
        return false;
    if (rule->stage >= 0 && rule->stage != r->stage)
        return false;
    if (rule->n_names > 0 && !any_glob(rule->names, rule->n_names, r->name))
        return false;
    if (rule->n_files > 0 && !any_glob(rule->files, rule->n_files, r->file))
        return false;
    return true;
}

void
wh_audit_classify(struct wh_audit *au, const struct wh_policy *p)
{
    const struct wh_policy_pin_rule *rules = NULL;
    size_t n_rules = 0, i, k;

    if (p != NULL)
        rules = wh_policy_pins(p, &n_rules);
    if (rules == NULL || n_rules == 0) {
        rules = DEFAULTS;
        n_rules = sizeof(DEFAULTS) / sizeof(DEFAULTS[0]);
    }
    for (i = 0; i < au->n_refs; i++) {
        struct wh_audit_ref *r = &au->refs[i];
        r->tier = WH_TIER_IGNORE;
        r->rule = NULL;
        if (r->status == WH_AUDIT_PINNED || r->status == WH_AUDIT_LOCKED)
            continue;
        r->tier = WH_TIER_BLOCK; /* no rule holds: fail closed */
        r->rule = "pins[none]";
        for (k = 0; k < n_rules; k++)
            if (rule_holds(&rules[k], r)) {
                r->tier = rules[k].tier;
                r->rule = rules[k].id;
                break;
            }
    }
}

void
wh_audit_count(const struct wh_audit *au, size_t *block, size_t *warn, size_t *ignore)
{
    size_t i;

    *block = *warn = *ignore = 0;
    for (i = 0; i < au->n_refs; i++) {
        const struct wh_audit_ref *r = &au->refs[i];
        if (r->status == WH_AUDIT_PINNED || r->status == WH_AUDIT_LOCKED)
            continue;
        if (r->tier == WH_TIER_BLOCK)
            ++*block;
        else if (r->tier == WH_TIER_WARN)
            ++*warn;
        else
            ++*ignore;
    }
}
