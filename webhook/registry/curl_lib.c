/*
 * libcurl loaded with dlopen() the first time a command needs the network, its functions resolved
 * into one table and the library checked before anything is sent: what it is (version, https,
 * OpenSSL of driftgate's major version) and that it initialises.
 */
#include "registry/curl_lib.h"

#include <dlfcn.h>
#include <openssl/opensslv.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* A unit test that #includes this file may load another name or require a newer version (to see
 * each refusal); the release build names only WH_REGISTRY_CURL_SONAME and reads no knob. */
#ifndef WH_REGISTRY_CURL_LOAD_NAME
#define WH_REGISTRY_CURL_LOAD_NAME WH_REGISTRY_CURL_SONAME
#endif
#ifndef WH_REGISTRY_CURL_MIN_VERSION
#define WH_REGISTRY_CURL_MIN_VERSION LIBCURL_VERSION_NUM
#endif

static const struct {
    const char *name;
    size_t offset;
} symbols[] = {
    {"curl_global_init", offsetof(struct wh_registry_curl, global_init)},
    {"curl_version_info", offsetof(struct wh_registry_curl, version_info)},
    {"curl_easy_init", offsetof(struct wh_registry_curl, easy_init)},
    {"curl_easy_cleanup", offsetof(struct wh_registry_curl, easy_cleanup)},
    {"curl_easy_reset", offsetof(struct wh_registry_curl, easy_reset)},
    {"curl_easy_setopt", offsetof(struct wh_registry_curl, easy_setopt)},
    {"curl_easy_perform", offsetof(struct wh_registry_curl, easy_perform)},
    {"curl_easy_getinfo", offsetof(struct wh_registry_curl, easy_getinfo)},
    {"curl_easy_strerror", offsetof(struct wh_registry_curl, easy_strerror)},
    {"curl_slist_append", offsetof(struct wh_registry_curl, slist_append)},
    {"curl_slist_free_all", offsetof(struct wh_registry_curl, slist_free_all)},
};

/* POSIX: dlsym's object pointer converts to a function pointer of the same size. */
_Static_assert(sizeof(void *) == sizeof(void (*)(void)), "function and object pointers differ");
_Static_assert(sizeof(struct wh_registry_curl) ==
                   sizeof(symbols) / sizeof(symbols[0]) * sizeof(void (*)(void)),
               "every member of struct wh_registry_curl is resolved");

static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;
static struct wh_registry_curl table;                  /* written under load_lock, once */
static _Atomic(const struct wh_registry_curl *) ready; /* &table once it is complete */

static enum wh_err
resolve(void *dl, struct wh_registry_curl *t, struct wh_error *err)
{
    for (size_t i = 0; i < sizeof(symbols) / sizeof(symbols[0]); i++) {
        void *p = dlsym(dl, symbols[i].name);

        if (p == NULL)
            return wh_error_set(err, WH_E_INTERNAL,
                                "%s has no %s: install the %s package of version %s or newer",
                                WH_REGISTRY_CURL_LOAD_NAME, symbols[i].name,
                                WH_REGISTRY_CURL_PACKAGE, LIBCURL_VERSION);
        memcpy((char *)t + symbols[i].offset, &p, sizeof(p));
    }
    return WH_OK;
}

/* What the library must be: as new as the headers driftgate was built with, and https through
 * OpenSSL of the same major version (on_ssl_ctx in registry/http.c adds driftgate's X509s to
 * libcurl's SSL_CTX). */
static enum wh_err
check_library(const struct wh_registry_curl *t, struct wh_error *err)
{
    const curl_version_info_data *v = t->version_info(CURLVERSION_NOW);
    char want_ssl[32];
    bool https = false;
    unsigned int min = WH_REGISTRY_CURL_MIN_VERSION;

    if (v == NULL || v->version_num < min)
        return wh_error_set(err, WH_E_INTERNAL,
                            "%s is libcurl %s, older than %u.%u.%u (the version driftgate was "
                            "built with): upgrade the %s package",
                            WH_REGISTRY_CURL_LOAD_NAME, v != NULL ? v->version : "(unknown)",
                            min >> 16, (min >> 8) & 0xff, min & 0xff, WH_REGISTRY_CURL_PACKAGE);
    for (size_t i = 0; v->protocols != NULL && v->protocols[i] != NULL; i++)
        https = https || strcmp(v->protocols[i], "https") == 0;
    snprintf(want_ssl, sizeof(want_ssl), "OpenSSL/%d.", OPENSSL_VERSION_MAJOR);
    if (!https || (v->features & CURL_VERSION_SSL) == 0 || v->ssl_version == NULL ||
        strncmp(v->ssl_version, want_ssl, strlen(want_ssl)) != 0)
        return wh_error_set(err, WH_E_INTERNAL,
                            "%s (libcurl %s) does not speak https with %sx (its TLS: %s): install "
                            "the %s package (the OpenSSL flavour)",
                            WH_REGISTRY_CURL_LOAD_NAME, v->version, want_ssl,
                            v->ssl_version != NULL ? v->ssl_version : "none",
                            WH_REGISTRY_CURL_PACKAGE);
    return WH_OK;
}

static enum wh_err
load(struct wh_registry_curl *t, struct wh_error *err)
{
    void *dl = dlopen(WH_REGISTRY_CURL_LOAD_NAME, RTLD_NOW | RTLD_LOCAL);
    CURLcode cc;

    if (dl == NULL) {
        const char *why = dlerror();

        return wh_error_set(err, WH_E_INTERNAL,
                            "%s could not be loaded: %s; install the %s package",
                            WH_REGISTRY_CURL_LOAD_NAME, why != NULL ? why : "unknown error",
                            WH_REGISTRY_CURL_PACKAGE);
    }
    /* Never dlclose()d, refused or not: libcurl's dependencies (gnutls, p11-kit) run
     * constructors and register exit handlers that unloading would leave dangling, and its global
     * state and the handles made from it live as long as the process. */
    if (resolve(dl, t, err) != WH_OK || check_library(t, err) != WH_OK)
        return err->code;
    cc = t->global_init(CURL_GLOBAL_DEFAULT);
    if (cc != CURLE_OK)
        return wh_error_set(err, WH_E_INTERNAL, "%s: curl_global_init: %s",
                            WH_REGISTRY_CURL_LOAD_NAME, t->easy_strerror(cc));
    return WH_OK;
}

enum wh_err
wh_registry_curl_load(const struct wh_registry_curl **out, struct wh_error *err)
{
    const struct wh_registry_curl *t = atomic_load_explicit(&ready, memory_order_acquire);
    enum wh_err rc = WH_OK;

    if (t == NULL) {
        pthread_mutex_lock(&load_lock);
        t = atomic_load_explicit(&ready, memory_order_relaxed);
        if (t == NULL && (rc = load(&table, err)) == WH_OK) {
            t = &table;
            atomic_store_explicit(&ready, t, memory_order_release);
        }
        pthread_mutex_unlock(&load_lock);
    }
    *out = t;
    return rc;
}
