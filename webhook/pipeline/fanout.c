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

/* One batch: tasks [0, n), the next one to take, how many returned. A task may run a batch of
 * its own (nested): batches in progress form a list, the newest first. */
struct batch {
    wh_pipeline_fanout_fn *fn;
    void *arg;
    size_t n, next, finished;
    struct batch *older;
};

struct wh_pipeline_fanout {
    pthread_mutex_t lock;
    pthread_cond_t work; /* a batch has tasks not taken, or stopping */
    pthread_cond_t done; /* a batch's last task returned */
    struct wh_registry_client *root;
    unsigned want; /* helpers to start */
    bool is_started, is_stopping;
    size_t n_helpers;
    struct helper helpers[HELPERS_MAX];
    struct batch *batches; /* in progress, newest first */
};

/* The newest batch with a task not taken, or NULL. Under f->lock. */
static struct batch *
batch_with_work(const struct wh_pipeline_fanout *f)
{
    for (struct batch *b = f->batches; b != NULL; b = b->older)
        if (b->next < b->n)
            return b;
    return NULL;
}

static void *
helper_main(void *p)
{
    struct helper *h = p;
    struct wh_pipeline_fanout *f = h->f;

    pthread_mutex_lock(&f->lock);
    for (;;) {
        struct batch *b;
        size_t i;

        while (!f->is_stopping && (b = batch_with_work(f)) == NULL)
            pthread_cond_wait(&f->work, &f->lock);
        if (f->is_stopping)
            break;
        i = b->next++;
        pthread_mutex_unlock(&f->lock);
        b->fn(b->arg, i, h->client);
        pthread_mutex_lock(&f->lock);
        if (++b->finished == b->n)
            pthread_cond_broadcast(&f->done);
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
wh_pipeline_fanout_run(struct wh_pipeline_fanout *f, struct wh_registry_client *registry, size_t n,
                       wh_pipeline_fanout_fn *fn, void *arg)
{
    struct batch b = {.fn = fn, .arg = arg, .n = n};

    if (f == NULL || n <= 1) {
        for (size_t i = 0; i < n; i++)
            fn(arg, i, registry);
        return;
    }
    pthread_mutex_lock(&f->lock);
    if (!f->is_started)
        start_helpers(f);
    b.older = f->batches;
    f->batches = &b;
    pthread_cond_broadcast(&f->work);
    while (b.next < b.n) {
        size_t i = b.next++;

        pthread_mutex_unlock(&f->lock);
        fn(arg, i, registry);
        pthread_mutex_lock(&f->lock);
        b.finished++;
    }
    while (b.finished < b.n)
        pthread_cond_wait(&f->done, &f->lock);
    for (struct batch **p = &f->batches; *p != NULL; p = &(*p)->older)
        if (*p == &b) {
            *p = b.older;
            break;
        }
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
