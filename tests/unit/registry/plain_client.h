#ifndef WH_TESTS_REGISTRY_PLAIN_CLIENT_H
#define WH_TESTS_REGISTRY_PLAIN_CLIENT_H

/* The registry client of the registry tests: plain HTTP to `host` (a loopback test registry), its
 * other options from `o`. Aborts when the client cannot be made. */
#include "base/error.h"
#include "registry/client.h"

static inline struct wh_registry_client *
plain_client(const char *host, struct wh_registry_options o)
{
    const char *plain[] = {host};
    struct wh_registry_client *c = NULL;
    struct wh_error err = {0};

    o.plain_http_hosts = plain;
    o.n_plain_http_hosts = 1;
    WH_ASSERT(wh_registry_client_new(&o, &c, &err) == WH_OK);
    return c;
}

#endif
