/*
 * The worker pool: N threads pulling jobs from one bounded FIFO (a mutex and a condition
 * variable). Refusing when full, not blocking, keeps the h2o loop thread from ever waiting here.
 */
#include "pipeline/workers.h"

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>

#include "pipeline/review.h"

#define WORKERS_MAX 256

struct wh_workers {
    pthread_mutex_t lock;
    pthread_cond_t nonempty;
    struct wh_job *head, *tail; /* FIFO */
    size_t queued;
    size_t cap;
    bool is_stopping;
    bool is_joined;
    unsigned long long rejected;
    size_t n_threads;
    pthread_t threads[WORKERS_MAX];
    struct wh_review_worker *workers[WORKERS_MAX];
};

struct thread_arg {
    struct wh_workers *pool;
    struct wh_review_worker *w;
};

/* Waits for a job; NULL once stopping and the queue is drained. */
static struct wh_job *
take(struct wh_workers *pool)
{
    struct wh_job *job;

    pthread_mutex_lock(&pool->lock);
    while (pool->head == NULL && !pool->is_stopping)
        pthread_cond_wait(&pool->nonempty, &pool->lock);
    job = pool->head;
    if (job != NULL) {
        pool->head = job->next;
        if (pool->head == NULL)
            pool->tail = NULL;
        pool->queued--;
        job->next = NULL;
    }
    pthread_mutex_unlock(&pool->lock);
    return job;
}

static void *
run_thread(void *arg)
{
    struct thread_arg *ta = arg;
    struct wh_workers *pool = ta->pool;
    struct wh_review_worker *w = ta->w;
    struct wh_job *job;

    free(ta);
    while ((job = take(pool)) != NULL)
        job->run(job, w);
    return NULL;
}

enum wh_err
wh_pipeline_workers_new(struct wh_review_env *env, size_t n, size_t queue_cap,
                        struct wh_workers **out, struct wh_error *err)
{
    struct wh_workers *pool;
    sigset_t all, old;
    size_t i;
    int rc;

    if (n == 0 || n > WORKERS_MAX)
        return wh_error_set(err, WH_E_INVALID, "workers: %zu threads, want 1-%d", n, WORKERS_MAX);
    if (queue_cap == 0)
        return wh_error_set(err, WH_E_INVALID, "workers: queue capacity must be at least 1");
    pool = calloc(1, sizeof(*pool));
    if (pool == NULL)
        wh_oom();
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->nonempty, NULL);
    pool->cap = queue_cap;
    /* Threads inherit the mask: SIGTERM/SIGINT/SIGHUP must reach the serving thread, and curl's
     * blocking calls on workers must not see EINTR. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    for (i = 0; i < n; i++) {
        struct thread_arg *ta = malloc(sizeof(*ta));

        if (ta == NULL)
            wh_oom();
        pool->workers[i] = wh_pipeline_worker_new(env);
        ta->pool = pool;
        ta->w = pool->workers[i];
        rc = pthread_create(&pool->threads[i], NULL, run_thread, ta);
        if (rc != 0) {
            free(ta);
            wh_pipeline_worker_free(pool->workers[i]);
            pthread_sigmask(SIG_SETMASK, &old, NULL);
            wh_pipeline_workers_free(pool); /* joins the i threads already started */
            return wh_error_set(err, WH_E_INTERNAL, "workers: pthread_create: error %d", rc);
        }
        pool->n_threads = i + 1;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    *out = pool;
    return WH_OK;
}

enum wh_err
wh_pipeline_workers_submit(struct wh_workers *pool, struct wh_job *job, struct wh_error *err)
{
    enum wh_err rc = WH_OK;

    pthread_mutex_lock(&pool->lock);
    if (pool->is_stopping) {
        rc = wh_error_set(err, WH_E_UNAVAILABLE, "server is shutting down");
    } else if (pool->queued >= pool->cap) {
        pool->rejected++;
        rc = wh_error_set(err, WH_E_LIMIT, "review queue full (%zu waiting)", pool->queued);
    } else {
        job->next = NULL;
        if (pool->tail != NULL)
            pool->tail->next = job;
        else
            pool->head = job;
        pool->tail = job;
        pool->queued++;
        pthread_cond_signal(&pool->nonempty);
    }
    pthread_mutex_unlock(&pool->lock);
    return rc;
}

size_t
wh_pipeline_workers_queued(struct wh_workers *pool)
{
    size_t n;

    pthread_mutex_lock(&pool->lock);
    n = pool->queued;
    pthread_mutex_unlock(&pool->lock);
    return n;
}

unsigned long long
wh_pipeline_workers_rejected(struct wh_workers *pool)
{
    unsigned long long n;

    pthread_mutex_lock(&pool->lock);
    n = pool->rejected;
    pthread_mutex_unlock(&pool->lock);
    return n;
}

void
wh_pipeline_workers_stop(struct wh_workers *pool)
{
    size_t i;

    pthread_mutex_lock(&pool->lock);
    pool->is_stopping = true;
    pthread_cond_broadcast(&pool->nonempty);
    if (pool->is_joined) {
        pthread_mutex_unlock(&pool->lock);
        return;
    }
    pool->is_joined = true;
    pthread_mutex_unlock(&pool->lock);
    for (i = 0; i < pool->n_threads; i++)
        pthread_join(pool->threads[i], NULL);
}

void
wh_pipeline_workers_free(struct wh_workers *pool)
{
    size_t i;

    if (pool == NULL)
        return;
    wh_pipeline_workers_stop(pool);
    for (i = 0; i < pool->n_threads; i++)
        wh_pipeline_worker_free(pool->workers[i]);
    pthread_cond_destroy(&pool->nonempty);
    pthread_mutex_destroy(&pool->lock);
    free(pool);
}
