/* Command-line flags shared by the subcommands; `--config` first, flags override it. */
#include "cli/options.h"

#include "cli/args.h"

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

enum flag {
    F_CONFIG = 256,
    F_POLICY,
    F_PLAIN_HTTP,
    F_DOCKER_CONFIG,
    F_TRUSTED_ROOT,
    F_KEY_DIR,
    F_CA_FILE,
    F_FORMAT,
    F_IMAGE,
    F_DEV,
    F_DEV_FROM,
    F_TIMEOUT,
};

static const struct option flags[] = {
    {"config", required_argument, NULL, F_CONFIG},
    {"policy", required_argument, NULL, F_POLICY},
    {"plain-http", required_argument, NULL, F_PLAIN_HTTP},
    {"docker-config", required_argument, NULL, F_DOCKER_CONFIG},
    {"trusted-root", required_argument, NULL, F_TRUSTED_ROOT},
    {"key-dir", required_argument, NULL, F_KEY_DIR},
    {"ca-file", required_argument, NULL, F_CA_FILE},
    {"format", required_argument, NULL, F_FORMAT},
    {"image", required_argument, NULL, F_IMAGE},
    {"dev", required_argument, NULL, F_DEV},
    {"dev-from", required_argument, NULL, F_DEV_FROM},
    {"timeout", required_argument, NULL, F_TIMEOUT},
    {NULL, 0, NULL, 0},
};

/* --config is applied first wherever it stands, so the other flags override it. */
static bool
load_config(int argc, char **argv, struct wh_cli_options *o)
{
    struct wh_cli_args walk = {.argc = argc, .argv = argv, .flags = flags};
    struct wh_error err;
    const char *v;
    int c;

    while ((c = wh_cli_args_next(&walk, &v)) != -1) {
        if (c != F_CONFIG)
            continue;
        wh_config_fini(&o->config);
        if (wh_config_load(v, &o->config, &err) != WH_OK) {
            fprintf(stderr, "driftgate: config: %s\n", err.msg);
            wh_config_defaults(&o->config);
            return false;
        }
        o->has_config = true;
        settings_from_config(o);
    }
    return true;
}

/* Appends v to a repeatable flag's list (at most max); false when it is full. */
static bool
push(const char **list, size_t max, size_t *n, const char *v)
{
    if (*n == max)
        return false;
    list[(*n)++] = v;
    return true;
}

#define PUSH(list, n, v) push((list), sizeof(list) / sizeof((list)[0]), (n), (v))

/* A repeatable flag: --plain-http, --trusted-root or --key-dir. The first one replaces the list
 * --config gave; the next ones add to it. */
static bool
take_list(struct wh_cli_options *o, int c, const char *v)
{
    struct wh_review_settings *s = &o->settings;

    switch (c) {
    case F_PLAIN_HTTP:
        if (s->registry.plain_http_hosts != o->plain_http) {
            s->registry.plain_http_hosts = o->plain_http;
            s->registry.n_plain_http_hosts = 0;
        }
        return PUSH(o->plain_http, &s->registry.n_plain_http_hosts, v);
    case F_TRUSTED_ROOT:
        if (s->trust_roots != o->trusted_roots) {
            s->trust_roots = o->trusted_roots;
            s->n_trust_roots = 0;
        }
        return PUSH(o->trusted_roots, &s->n_trust_roots, v);
    default:
        if (s->policy_key_dirs != o->key_dirs) {
            s->policy_key_dirs = o->key_dirs;
            s->n_policy_key_dirs = 0;
        }
        return PUSH(o->key_dirs, &s->n_policy_key_dirs, v);
    }
}

static bool
take_flag(struct wh_cli_options *o, int c, const char *v)
{
    switch (c) {
    case F_CONFIG:
        return true;
    case F_POLICY:
        o->settings.policy_path = v;
        return true;
    case F_DOCKER_CONFIG:
        o->settings.registry.docker_config = v;
        return true;
    case F_CA_FILE:
        o->settings.registry.ca_file = v;
        return true;
    case F_FORMAT:
        o->format = v;
        return true;
    case F_IMAGE:
        o->image = v;
        return true;
    case F_DEV:
        o->dev = v;
        return true;
    case F_DEV_FROM:
        o->dev_from = v;
        return true;
    case F_TIMEOUT:
        if (parse_seconds(v, &o->review_ms))
            return true;
        fprintf(stderr, "driftgate: --timeout takes whole seconds (1-3600), not %s\n", v);
        return false;
    default:
        return take_list(o, c, v);
    }
}

bool
wh_cli_options_parse(int argc, char **argv, struct wh_cli_options *o)
{
    struct wh_cli_args walk = {.argc = argc, .argv = argv, .flags = flags, .prog = "driftgate"};
    const char *v;
    int c;

    memset(o, 0, sizeof(*o));
    wh_config_defaults(&o->config);
    settings_from_config(o);
    o->settings.policy_path = NULL;
    if (!load_config(argc, argv, o))
        return false;
    while ((c = wh_cli_args_next(&walk, &v)) != -1) {
        if (c == WH_CLI_ARG_BAD)
            return false;
        if (c != WH_CLI_ARG_POSITIONAL) {
            if (!take_flag(o, c, v))
                return false;
            continue;
        }
        if (o->n_args == (int)(sizeof(o->args) / sizeof(o->args[0])))
            return false;
        o->args[o->n_args++] = v;
    }
    return true;
}

void
wh_cli_options_fini(struct wh_cli_options *o)
{
    wh_config_fini(&o->config);
}
