/* workers.c: bounded queue, refusal when full, drain on stop, one review worker per thread.
 * The review worker is a fake here (the pool treats it as opaque), so no policy or network. */
#include "pipeline/workers.c"

#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "unit/harness.h"

struct wh_review_worker {
    pthread_t owner;
    bool has_owner;
    atomic_int runs;
};

static atomic_int workers_alive;

struct wh_review_worker *
wh_pipeline_worker_new(struct wh_review_env *env)
{
    struct wh_review_worker *w = calloc(1, sizeof(*w));

    (void)env;
    WH_ASSERT(w != NULL);
    atomic_fetch_add(&workers_alive, 1);
    return w;
}

void
wh_pipeline_worker_free(struct wh_review_worker *w)
{
    if (w == NULL)
        return;
    atomic_fetch_sub(&workers_alive, 1);
    free(w);
}

struct test_job {
    struct wh_job job;
    atomic_int *counter;
    atomic_bool wrong_owner;
};

static atomic_bool mixed_owner;

static void
count_run(struct wh_job *job, struct wh_review_worker *w)
{
    struct test_job *t = (struct test_job *)job;

    /* A worker is used by exactly one thread for its life. */
    if (!w->has_owner) {
        w->owner = pthread_self();
        w->has_owner = true;
    } else if (!pthread_equal(w->owner, pthread_self())) {
        atomic_store(&mixed_owner, true);
    }
    atomic_fetch_add(&w->runs, 1);
    atomic_fetch_add(t->counter, 1);
}

static void
test_every_job_runs_once(void)
{
    enum { N = 2000 };
    static struct test_job jobs[N];
    struct wh_workers *pool;
    struct wh_error err = {0};
    atomic_int counter = 0;
    int i, refused = 0, accepted = 0;

    ok(wh_pipeline_workers_new(NULL, 4, N, &pool, &err) == WH_OK, "pool of 4 starts");
    ok(atomic_load(&workers_alive) == 4, "one review worker per thread");
    for (i = 0; i < N; i++) {
        jobs[i].job.run = count_run;
        jobs[i].counter = &counter;
        if (wh_pipeline_workers_submit(pool, &jobs[i].job, &err) == WH_OK)
            accepted++;
        else
            refused++;
    }
    wh_pipeline_workers_stop(pool);
    ok(accepted == N && refused == 0, "queue as large as the load accepts everything");
    ok(atomic_load(&counter) == N, "stop drains: %d of %d jobs ran", atomic_load(&counter), N);
    ok(!atomic_load(&mixed_owner), "each review worker stays on its thread");
    wh_pipeline_workers_free(pool);
    ok(atomic_load(&workers_alive) == 0, "free releases every review worker");
}

/* A job that blocks until the test opens the gate, to fill the queue deterministically. */
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static bool gate_open;
static bool gate_entered;

static void
gate_run(struct wh_job *job, struct wh_review_worker *w)
{
    struct test_job *t = (struct test_job *)job;

    (void)w;
    pthread_mutex_lock(&gate_lock);
    gate_entered = true;
    pthread_cond_broadcast(&gate_cond);
    while (!gate_open)
        pthread_cond_wait(&gate_cond, &gate_lock);
    pthread_mutex_unlock(&gate_lock);
    atomic_fetch_add(t->counter, 1);
}

static void
test_full_queue_refuses_at_once(void)
{
    struct wh_workers *pool;
    struct wh_error err = {0};
    struct test_job blocker, a, b, c;
    atomic_int counter = 0;
    enum wh_err rc;

    ok(wh_pipeline_workers_new(NULL, 1, 2, &pool, &err) == WH_OK, "pool of 1 with queue 2");
    blocker.job.run = gate_run;
    blocker.counter = &counter;
    a = b = c = blocker;
    a.job.run = b.job.run = c.job.run = count_run;
    ok(wh_pipeline_workers_submit(pool, &blocker.job, &err) == WH_OK, "blocking job accepted");
    pthread_mutex_lock(&gate_lock);
    while (!gate_entered)
        pthread_cond_wait(&gate_cond, &gate_lock);
    pthread_mutex_unlock(&gate_lock);
    ok(wh_pipeline_workers_submit(pool, &a.job, &err) == WH_OK, "first queued job accepted");
    ok(wh_pipeline_workers_submit(pool, &b.job, &err) == WH_OK, "second queued job accepted");
    ok(wh_pipeline_workers_queued(pool) == 2, "two jobs waiting");
    rc = wh_pipeline_workers_submit(pool, &c.job, &err);
    ok(rc == WH_E_LIMIT && strstr(err.msg, "review queue full (2 waiting)") != NULL,
       "third is refused with WH_E_LIMIT: %s", err.msg);
    ok(wh_pipeline_workers_rejected(pool) == 1, "refusal counted");
    pthread_mutex_lock(&gate_lock);
    gate_open = true;
    pthread_cond_broadcast(&gate_cond);
    pthread_mutex_unlock(&gate_lock);
    wh_pipeline_workers_stop(pool);
    ok(atomic_load(&counter) == 3, "blocker and both queued jobs ran before stop returned");
    rc = wh_pipeline_workers_submit(pool, &c.job, &err);
    ok(rc == WH_E_UNAVAILABLE && strstr(err.msg, "shutting down") != NULL,
       "submit after stop is WH_E_UNAVAILABLE: %s", err.msg);
    wh_pipeline_workers_stop(pool);
    ok(1, "stop is idempotent");
    wh_pipeline_workers_free(pool);
}

static void
test_bad_sizes_rejected(void)
{
    struct wh_workers *pool;
    struct wh_error err = {0};

    ok(wh_pipeline_workers_new(NULL, 0, 4, &pool, &err) == WH_E_INVALID &&
           strstr(err.msg, "0 threads") != NULL,
       "zero threads refused: %s", err.msg);
    ok(wh_pipeline_workers_new(NULL, 257, 4, &pool, &err) == WH_E_INVALID, "257 threads refused");
    ok(wh_pipeline_workers_new(NULL, 2, 0, &pool, &err) == WH_E_INVALID &&
           strstr(err.msg, "queue capacity") != NULL,
       "zero queue refused: %s", err.msg);
    wh_pipeline_workers_free(NULL);
    ok(atomic_load(&workers_alive) == 0, "failed starts leak no worker; free(NULL) is a no-op");
}

int
main(void)
{
    test_every_job_runs_once();
    test_full_queue_refuses_at_once();
    test_bad_sizes_rejected();
    return done_testing();
}
