/* Command-line flags shared by the subcommands; `--config` first, flags override it. */
#include "cli/options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool
parse_seconds(const char *s, int64_t *ms)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0' || v <= 0 || v > 3600)
        return false;
    *ms = (int64_t)v * 1000;
    return true;
}

static void
settings_from_config(struct wh_cli_options *o)
{
    const struct wh_config *c = &o->config;

    o->settings.policy_path = c->policy_path;
    o->settings.limits = c->limits;
    o->settings.registry = c->registry;
    o->review_ms = c->review_max_ms;
    o->settings.cache_entries = c->cache_entries;
    o->settings.cache_bytes = c->cache_bytes;
    o->settings.tag_ttl_ms = c->cache_tag_ttl_s * 1000;
    o->settings.negative_ttl_ms = c->cache_failure_ttl_s * 1000;
    o->settings.facts_ttl_ms = 3600 * 1000;
    o->settings.kube_api_server = c->kube_api_server;
    o->settings.kube_token_file = c->kube_token_file;
    o->settings.kube_ca_file = c->kube_ca_file;
    o->settings.kube_secret_ttl_ms = c->kube_secret_ttl_s * 1000;
    o->settings.trust_roots = (const char *const *)c->trust_roots;
    o->settings.n_trust_roots = c->n_trust_roots;
    o->settings.policy_key_dirs = (const char *const *)c->policy_key_dirs;
    o->settings.n_policy_key_dirs = c->n_policy_key_dirs;
}

/* TODO(#14): split the per-flag cases; cli/ is being changed now (cognitive complexity 38 > 25,
 * STYLE §8). */
bool /* NOLINTNEXTLINE(readability-function-cognitive-complexity) */
wh_cli_options_parse(int argc, char **argv, struct wh_cli_options *o)
{
    struct wh_error err;
    size_t n_plain = 0, n_roots = 0, n_key_dirs = 0;
    int i;

    memset(o, 0, sizeof(*o));
    wh_config_defaults(&o->config);
    settings_from_config(o);
    o->settings.policy_path = NULL;
    /* --config is applied first wherever it stands, so later flags override it. */
    for (i = 1; i + 1 < argc; i++) {
        if (strcmp(argv[i], "--config") == 0) {
            wh_config_fini(&o->config);
            if (wh_config_load(argv[i + 1], &o->config, &err) != WH_OK) {
                fprintf(stderr, "driftgate: config: %s\n", err.msg);
                wh_config_defaults(&o->config);
                return false;
            }
            o->has_config = true;
            settings_from_config(o);
        }
    }
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes_value = strncmp(a, "--", 2) == 0;

        if (!takes_value || strcmp(a, "-") == 0) {
            if (o->n_args == (int)(sizeof(o->args) / sizeof(o->args[0])))
                return false;
            o->args[o->n_args++] = a;
            continue;
        }
        if (v == NULL) {
            fprintf(stderr, "driftgate: %s needs a value\n", a);
            return false;
        }
        i++;
        if (strcmp(a, "--config") == 0)
            continue;
        else if (strcmp(a, "--policy") == 0)
            o->settings.policy_path = v;
        else if (strcmp(a, "--plain-http") == 0) {
            if (n_plain == sizeof(o->plain_http) / sizeof(o->plain_http[0]))
                return false;
            o->plain_http[n_plain++] = v;
            o->settings.registry.plain_http_hosts = o->plain_http;
            o->settings.registry.n_plain_http_hosts = n_plain;
        } else if (strcmp(a, "--docker-config") == 0)
            o->settings.registry.docker_config = v;
        else if (strcmp(a, "--trusted-root") == 0) {
            if (n_roots == sizeof(o->trusted_roots) / sizeof(o->trusted_roots[0]))
                return false;
            o->trusted_roots[n_roots++] = v;
            o->settings.trust_roots = o->trusted_roots;
            o->settings.n_trust_roots = n_roots;
        } else if (strcmp(a, "--key-dir") == 0) {
            if (n_key_dirs == sizeof(o->key_dirs) / sizeof(o->key_dirs[0]))
                return false;
            o->key_dirs[n_key_dirs++] = v;
            o->settings.policy_key_dirs = o->key_dirs;
            o->settings.n_policy_key_dirs = n_key_dirs;
        } else if (strcmp(a, "--ca-file") == 0)
            o->settings.registry.ca_file = v;
        else if (strcmp(a, "--format") == 0)
            o->format = v;
        else if (strcmp(a, "--image") == 0)
            o->image = v;
        else if (strcmp(a, "--dev") == 0)
            o->dev = v;
        else if (strcmp(a, "--timeout") == 0) {
            if (!parse_seconds(v, &o->review_ms)) {
                fprintf(stderr, "driftgate: --timeout takes whole seconds (1-3600), not %s\n", v);
                return false;
            }
        } else {
            fprintf(stderr, "driftgate: unknown flag %s\n", a);
            return false;
        }
    }
    return true;
}

void
wh_cli_options_fini(struct wh_cli_options *o)
{
    wh_config_fini(&o->config);
}
