/*===- threads.c - The kernels' worker threads ----------------------------===*
 *
 * Part of the vitq project, under the Apache License v2.0 with LLVM
 * Exceptions.
 *
 *===----------------------------------------------------------------------===*
 *
 * One job at a time is split into tasks that the calling thread and the
 * workers claim from a shared ticket; docs/performance.md#threads says why this
 * is a small pool of its own (libc's pthreads only) rather than libomp, with
 * the measurement.
 *
 * - The ticket is one 64-bit atomic: the job's generation (24 bits), its
 *   task count (20 bits) and the next task (20 bits). A worker claims a task
 *   by compare-and-swap, so a claim can only succeed for the job it read the
 *   count of; the job's function and context are read only after a valid
 *   claim, and the caller does not return (nor write the next job) before
 *   every task of the job is done.
 * - Workers spin on the ticket for a while after a job (consecutive layers
 *   follow each other within microseconds), then sleep on a condition
 *   variable.
 * - A call while another thread's job runs (two model instances at once)
 *   runs its tasks on the calling thread alone.
 * - The workers are joined when the library is unloaded (a model's
 *   dlclose) and forgotten in a fork()ed child.
 *
 *===----------------------------------------------------------------------===*/

#define _GNU_SOURCE
#include "kernels_impl.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define VITQ_PAUSE() _mm_pause()
#else
#define VITQ_PAUSE() ((void)0)
#endif

enum {
  kMaxWorkers = 63,
  kTaskBits = 20,
  /* How long idle workers spin before they sleep. */
  kSpinNanoseconds = 2000000,
};

#define TICKET(generation, tasks, next)                                        \
  (((uint64_t)(generation) << (2 * kTaskBits)) |                               \
   ((uint64_t)(tasks) << kTaskBits) | (uint64_t)(next))
#define TICKET_GENERATION(t) ((uint32_t)((t) >> (2 * kTaskBits)))
#define TICKET_TASKS(t) ((int)(((t) >> kTaskBits) & ((1u << kTaskBits) - 1)))
#define TICKET_NEXT(t) ((int)((t) & ((1u << kTaskBits) - 1)))

static _Atomic uint64_t ticket;
static atomic_int done;
static void (*job_fn)(void *, int);
static void *job_ctx;
static atomic_flag busy = ATOMIC_FLAG_INIT;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static atomic_int sleepers;
static atomic_int quit;
static pthread_t workers[kMaxWorkers];
static int started;          /* workers running; guarded by `lock` */
static atomic_int requested; /* threads asked for; 0: the default */

/* Claims and runs tasks of the job whose generation is `generation` until
 * none is left. */
static void run_tasks(uint32_t generation) {
  uint64_t t = atomic_load(&ticket);
  for (;;) {
    if (TICKET_GENERATION(t) != (generation & 0xffffff) ||
        TICKET_NEXT(t) >= TICKET_TASKS(t))
      return;
    if (!atomic_compare_exchange_weak(&ticket, &t, t + 1))
      continue; /* t reloaded */
    job_fn(job_ctx, TICKET_NEXT(t));
    atomic_fetch_add(&done, 1);
    t = atomic_load(&ticket);
  }
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void *worker(void *unused) {
  (void)unused;
  uint32_t seen = TICKET_GENERATION(atomic_load(&ticket));
  for (;;) {
    uint32_t generation = seen;
    int64_t until = 0;
    for (int i = 0;; ++i) {
      generation = TICKET_GENERATION(atomic_load(&ticket));
      if (generation != seen || atomic_load(&quit))
        break;
      VITQ_PAUSE();
      if ((i & 255) == 255) {
        int64_t t = now_ns();
        if (!until)
          until = t + kSpinNanoseconds;
        else if (t > until)
          break;
      }
    }
    if (generation == seen && !atomic_load(&quit)) {
      pthread_mutex_lock(&lock);
      atomic_fetch_add(&sleepers, 1);
      while ((generation = TICKET_GENERATION(atomic_load(&ticket))) == seen &&
             !atomic_load(&quit))
        pthread_cond_wait(&wake, &lock);
      atomic_fetch_sub(&sleepers, 1);
      pthread_mutex_unlock(&lock);
    }
    if (atomic_load(&quit))
      return NULL;
    seen = generation;
    run_tasks(generation);
  }
}

int vitq_kernels_default_threads(void) {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    int count = CPU_COUNT(&set);
    if (count > 0)
      return count;
  }
  long online = sysconf(_SC_NPROCESSORS_ONLN);
  return online > 0 ? (int)online : 1;
}

int vitq_kernels_threads(void) {
  static atomic_int fallback; /* VITQ_NUM_THREADS or the CPUs, once */
  int n = atomic_load(&requested);
  if (n <= 0) {
    n = atomic_load(&fallback);
    if (n <= 0) {
      const char *env = getenv("VITQ_NUM_THREADS");
      n = env ? atoi(env) : 0;
      if (n <= 0)
        n = vitq_kernels_default_threads();
      atomic_store(&fallback, n);
    }
  }
  return n > kMaxWorkers + 1 ? kMaxWorkers + 1 : n;
}

void vitq_kernels_set_threads(int threads) {
  atomic_store(&requested, threads > 0 ? threads : 0);
}

/* Starts workers up to `count` (fewer if the system refuses threads). */
static int ensure_workers(int count) {
  pthread_mutex_lock(&lock);
  while (started < count && !atomic_load(&quit)) {
    if (pthread_create(&workers[started], NULL, worker, NULL) != 0)
      break;
    ++started;
  }
  int have = started;
  pthread_mutex_unlock(&lock);
  return have;
}

void vitq_kernels_parallel(int tasks, void (*fn)(void *ctx, int task),
                           void *ctx) {
  int threads = vitq_kernels_threads();
  if (tasks > (1 << kTaskBits) - 1)
    threads = 1; /* not representable in the ticket: run alone */
  if (tasks <= 1 || threads <= 1 || atomic_flag_test_and_set(&busy)) {
    for (int t = 0; t < tasks; ++t)
      fn(ctx, t);
    return;
  }
  int workers_wanted = (tasks < threads ? tasks : threads) - 1;
  if (ensure_workers(workers_wanted) == 0) {
    atomic_flag_clear(&busy);
    for (int t = 0; t < tasks; ++t)
      fn(ctx, t);
    return;
  }
  job_fn = fn;
  job_ctx = ctx;
  atomic_store(&done, 0);
  uint32_t generation =
      (TICKET_GENERATION(atomic_load(&ticket)) + 1) & 0xffffff;
  atomic_store(&ticket, TICKET(generation, tasks, 0));
  if (atomic_load(&sleepers) > 0) {
    pthread_mutex_lock(&lock);
    pthread_cond_broadcast(&wake);
    pthread_mutex_unlock(&lock);
  }
  run_tasks(generation);
  /* The pieces others claimed: spin a little, then let the scheduler run
   * whoever holds them (a worker may have been descheduled mid-piece). */
  for (unsigned spins = 0; atomic_load(&done) < tasks; ++spins) {
    if (spins < 4096)
      VITQ_PAUSE();
    else
      sched_yield();
  }
  atomic_flag_clear(&busy);
}

typedef struct nest_job {
  void (*fn)(void *, int32_t, int32_t);
  void *ctx;
  int tasks;
} nest_job;

static void run_nest_piece(void *job, int task) {
  const nest_job *j = job;
  j->fn(j->ctx, task, j->tasks);
}

void vitq_kernels_parallel_nest(void (*fn)(void *ctx, int32_t task,
                                           int32_t tasks),
                                void *ctx) {
  int tasks = vitq_kernels_threads();
  if (tasks <= 1) {
    fn(ctx, 0, 1);
    return;
  }
  nest_job job = {fn, ctx, tasks};
  vitq_kernels_parallel(tasks, run_nest_piece, &job);
}

/* Joins the workers: at a model's dlclose (their code goes with it) and at
 * exit. */
__attribute__((destructor)) static void stop_workers(void) {
  pthread_mutex_lock(&lock);
  atomic_store(&quit, 1);
  pthread_cond_broadcast(&wake);
  int count = started;
  pthread_mutex_unlock(&lock);
  for (int i = 0; i < count; ++i)
    pthread_join(workers[i], NULL);
  pthread_mutex_lock(&lock);
  started = 0;
  atomic_store(&quit, 0);
  pthread_mutex_unlock(&lock);
}

/* fork() holds `lock`, so that the child's copy is in a known state; the
 * child has none of the parent's workers and starts its own when needed. */
static void lock_for_fork(void) { pthread_mutex_lock(&lock); }
static void unlock_in_parent(void) { pthread_mutex_unlock(&lock); }
static void forget_workers(void) {
  started = 0;
  atomic_flag_clear(&busy);
  atomic_store(&sleepers, 0);
  atomic_store(&quit, 0);
  pthread_mutex_unlock(&lock);
}

__attribute__((constructor)) static void register_fork_handler(void) {
  pthread_atfork(lock_for_fork, unlock_in_parent, forget_workers);
}
