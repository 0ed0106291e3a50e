#ifndef WH_REGISTRY_CURL_LIB_H
#define WH_REGISTRY_CURL_LIB_H

#include <curl/curl.h>

#include "base/error.h"

/*
 * libcurl, loaded on first use instead of at process start: the library and the ~26 it depends on
 * (and their constructors) cost every command ~10 ms of CPU, the ones that never reach a registry
 * (diff, lint, fsm, audit) included. Only registry/http.c and cli/trust.c call libcurl, through
 * this table; the types are curl/curl.h's.
 */

/* The library loaded, and the Debian package that installs it (the runtime image's). Read by
 * tests/integration/manifests_test.sh, which checks the Dockerfile installs what is dlopen()ed. */
#define WH_REGISTRY_CURL_SONAME "libcurl.so.4"
#define WH_REGISTRY_CURL_PACKAGE "libcurl4"

/* The functions driftgate calls, with the prototypes of curl/curl.h. */
struct wh_registry_curl {
    __typeof__(curl_global_init) *global_init;
    __typeof__(curl_version_info) *version_info;
    __typeof__(curl_easy_init) *easy_init;
    __typeof__(curl_easy_cleanup) *easy_cleanup;
    __typeof__(curl_easy_reset) *easy_reset;
    __typeof__(curl_easy_setopt) *easy_setopt;
    __typeof__(curl_easy_perform) *easy_perform;
    __typeof__(curl_easy_getinfo) *easy_getinfo;
    __typeof__(curl_easy_strerror) *easy_strerror;
    __typeof__(curl_slist_append) *slist_append;
    __typeof__(curl_slist_free_all) *slist_free_all;
};

/*
 * Loads libcurl once per process (thread-safe; later calls return the same table at the cost of
 * one atomic load), resolves the table, checks the library is at least the version driftgate was
 * built against, speaks https with OpenSSL of driftgate's major version (the TLS callbacks share
 * OpenSSL objects with it), and runs curl_global_init. *out is valid only on WH_OK, for the life
 * of the process. A failure (WH_E_INTERNAL: an installation defect, never a registry's, so no
 * onError relaxes it) says what failed and what to install; it is not remembered, so a later
 * call tries again.
 */
WH_MUST_CHECK enum wh_err wh_registry_curl_load(const struct wh_registry_curl **out,
                                                struct wh_error *err);

/*
 * curl_easy_setopt through the table. curl's typecheck macros only see direct calls, so these
 * check at compile time that the option is of the kind named and pass the value at the width
 * libcurl reads it: LONG (long), OFF (curl_off_t), PTR (a data pointer: string, struct, slist, or
 * blob) and FN (a callback). An option's kind is its number / 10000 (curl.h's CURLOPTTYPE_*: 0
 * long, 1 object, 2 function, 3 off_t, 4 blob); written without branches, which
 * the complexity check would count at every call.
 */
#define WH_CURL_OPT_KIND(opt) ((opt) / CURLOPTTYPE_OBJECTPOINT)
#define WH_CURL_OPT_IS(cond) ((void)sizeof(char[1 - 2 * !(cond)]))
#define WH_CURL_SETOPT_LONG(lib, h, opt, v)                                                        \
    (WH_CURL_OPT_IS(WH_CURL_OPT_KIND(opt) == 0), (lib)->easy_setopt((h), (opt), (long)(v)))
#define WH_CURL_SETOPT_OFF(lib, h, opt, v)                                                         \
    (WH_CURL_OPT_IS(WH_CURL_OPT_KIND(opt) == 3), (lib)->easy_setopt((h), (opt), (curl_off_t)(v)))
#define WH_CURL_SETOPT_PTR(lib, h, opt, v)                                                         \
    (WH_CURL_OPT_IS(WH_CURL_OPT_KIND(opt) % 3 == 1), (void)sizeof((v) == (void *)0),               \
     (lib)->easy_setopt((h), (opt), (v)))
#define WH_CURL_SETOPT_FN(lib, h, opt, v)                                                          \
    (WH_CURL_OPT_IS(WH_CURL_OPT_KIND(opt) == 2), (lib)->easy_setopt((h), (opt), (v)))

#endif
