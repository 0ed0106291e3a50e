/*
 * The fetch helpers of one worker (fanout.h): a batch is an array of tasks taken in index order
 * under one mutex by whoever is free, the calling thread included, so a batch never waits on a
 * thread that is not running one of its tasks.
 */
#include "pipeline/fanout.h"

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>

#include "base/error.h"
#include "base/log.h"
#include "registry/client.h"

#define HELPERS_MAX (WH_REGISTRY_PARALLEL_FETCHES_MAX - 1)

struct helper {
    struct wh_pipeline_fanout *f;
    struct wh_registry_client *client; /* a share of f->root */
    pthread_t thread;
};

struct wh_pipeline_fanout {
    pthread_mutex_t lock;
    pthread_cond_t work; /* a batch has tasks not taken, or stopping */
    pthread_cond_t done; /* the batch's last task returned */
    struct wh_registry_client *root;
    unsigned want; /* helpers to start */
    bool is_started, is_stopping;
    size_t n_helpers;
    struct helper helpers[HELPERS_MAX];
    /* The batch in progress: tasks [0, n), the next one to take, how many returned. */
    wh_pipeline_fanout_fn *fn;
    void *arg;
    size_t n, next, finished;
};

static void *
helper_main(void *p)
{
    struct helper *h = p;
    struct wh_pipeline_fanout *f = h->f;

    pthread_mutex_lock(&f->lock);
    for (;;) {
        size_t i;
        wh_pipeline_fanout_fn *fn;
        void *arg;

        while (!f->is_stopping && f->next >= f->n)
            pthread_cond_wait(&f->work, &f->lock);
        if (f->next >= f->n)
            break; /* stopping */
        i = f->next++;
        fn = f->fn;
        arg = f->arg;
        pthread_mutex_unlock(&f->lock);
        fn(arg, i, h->client);
        pthread_mutex_lock(&f->lock);
        if (++f->finished == f->n)
            pthread_cond_signal(&f->done);
    }
    pthread_mutex_unlock(&f->lock);
    return NULL;
}

struct wh_pipeline_fanout *
wh_pipeline_fanout_new(struct wh_registry_client *registry, unsigned n)
{
    struct wh_pipeline_fanout *f;

    if (registry == NULL || n <= 1)
        return NULL;
    f = calloc(1, sizeof(*f));
    if (f == NULL)
        wh_oom();
    pthread_mutex_init(&f->lock, NULL);
    pthread_cond_init(&f->work, NULL);
    pthread_cond_init(&f->done, NULL);
    f->root = registry;
    f->want = n - 1 > HELPERS_MAX ? HELPERS_MAX : n - 1;
    return f;
}

/* Starts the helpers (at the first batch: a worker that only meets cached reviews starts
 * none). One that cannot start is logged and left out: the batch runs on fewer threads. */
static void
start_helpers(struct wh_pipeline_fanout *f)
{
    sigset_t all, old;

    f->is_started = true;
    /* Signals go to the serving thread (as for the workers, workers.c). */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    for (unsigned k = 0; k < f->want; k++) {
        struct helper *h = &f->helpers[f->n_helpers];
        struct wh_error err;
        int rc;

        h->f = f;
        if (wh_registry_client_share(f->root, &h->client, &err) != WH_OK) {
            wh_log(WH_LOG_ERROR, "fetch helper: registry client: %s", err.msg);
            break;
        }
        rc = pthread_create(&h->thread, NULL, helper_main, h);
        if (rc != 0) {
            wh_log(WH_LOG_ERROR, "fetch helper: pthread_create: error %d", rc);
            wh_registry_client_free(h->client);
            break;
        }
        f->n_helpers++;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

void
wh_pipeline_fanout_run(struct wh_pipeline_fanout *f, struct wh_registry_client *root, size_t n,
                       wh_pipeline_fanout_fn *fn, void *arg)
{
    if (f == NULL || n <= 1) {
        for (size_t i = 0; i < n; i++)
            fn(arg, i, root);
        return;
    }
    WH_ASSERT(root == f->root);
    if (!f->is_started)
        start_helpers(f);
    pthread_mutex_lock(&f->lock);
    f->fn = fn;
    f->arg = arg;
    f->n = n;
    f->next = 0;
    f->finished = 0;
    pthread_cond_broadcast(&f->work);
    while (f->next < f->n) {
        size_t i = f->next++;

        pthread_mutex_unlock(&f->lock);
        fn(arg, i, root);
        pthread_mutex_lock(&f->lock);
        f->finished++;
    }
    while (f->finished < f->n)
        pthread_cond_wait(&f->done, &f->lock);
    f->n = f->next = f->finished = 0;
    f->fn = NULL;
    f->arg = NULL;
    pthread_mutex_unlock(&f->lock);
}

size_t
wh_pipeline_fanout_helpers(const struct wh_pipeline_fanout *f)
{
    return f != NULL ? f->n_helpers : 0;
}

void
wh_pipeline_fanout_free(struct wh_pipeline_fanout *f)
{
    if (f == NULL)
        return;
    pthread_mutex_lock(&f->lock);
    f->is_stopping = true;
    pthread_cond_broadcast(&f->work);
    pthread_mutex_unlock(&f->lock);
    for (size_t k = 0; k < f->n_helpers; k++) {
        pthread_join(f->helpers[k].thread, NULL);
        wh_registry_client_free(f->helpers[k].client);
    }
    pthread_cond_destroy(&f->done);
    pthread_cond_destroy(&f->work);
    pthread_mutex_destroy(&f->lock);
    free(f);
}
