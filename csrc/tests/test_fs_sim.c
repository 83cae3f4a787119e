/* Unit tests for csrc/engine/fs_sim.{h,c}. */
#include "fs_test.h"

#include "../engine/fs_sim.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

/* The driver loop the bindings run: pop, advance the clock, run C actions.
 * Stops after max_steps pops (0 = until empty) or on a failing action.
 * Checks that time never goes backwards. */
struct drive_stats {
    size_t pops;
    size_t ticker_pops;
    size_t max_len; /* queue length high-water mark */
    int rc;
};

#define DRIVE_LIMIT 1000000 /* no test needs more pops; guards runaway loops */

static struct drive_stats drive(struct fs_sim *sim, size_t max_steps, double *times, size_t times_cap)
{
    struct drive_stats st = {0, 0, sim->queue.len, FS_OK};
    struct fs_entry e;
    while ((max_steps == 0 || st.pops < max_steps) && fs_queue_pop(&sim->queue, &e) == FS_OK) {
        if (!CHECK_MSG(st.pops < DRIVE_LIMIT, "runaway: more than %d pops", DRIVE_LIMIT))
            break;
        if (!CHECK_MSG(e.time >= sim->now, "time went backwards: %.17g < %.17g", e.time, sim->now))
            break;
        if (times && st.pops < times_cap)
            times[st.pops] = e.time;
        st.pops++;
        sim->now = e.time;
        if (fs_entry_is_ticker(&e)) {
            st.ticker_pops++;
            CHECK_EQ_I(fs_entry_priority(&e), FS_PRIO_NORMAL);
        }
        if (e.fn) {
            st.rc = e.fn(sim, e.data);
            if (st.rc != FS_OK)
                break;
        }
        if (sim->queue.len > st.max_len)
            st.max_len = sim->queue.len;
    }
    return st;
}

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

static size_t count_tickers(const struct fs_sim *sim)
{
    size_t n = 0;
    for (size_t i = 0; i < sim->queue.len; i++)
        n += (size_t)fs_entry_is_ticker(&sim->queue.heap[i]);
    return n;
}

/* ------------------------------------------------------------------ */

static void test_sim_init(void)
{
    struct fs_sim sim;
    CHECK_EQ_I(fs_sim_init(&sim, 12.5), FS_OK);
    CHECK_EQ_D(sim.now, 12.5);
    CHECK_EQ_U(sim.native_ticks, 0);
    CHECK(sim.tickers == NULL);
    CHECK(fs_queue_empty(&sim.queue));
    struct drive_stats st = drive(&sim, 0, NULL, 0);
    CHECK_EQ_U(st.pops, 0);
    CHECK_EQ_D(sim.now, 12.5);
    fs_sim_free(&sim);
    CHECK(sim.queue.heap == NULL);
}

/* N tickers, count C, interval d: N*C ticks, final now = t0 + d + ... + d
 * (C additions, in that order), and every tick time is one of those sums. */
static void run_ticker_case(uint64_t n, uint64_t c, double d, double t0)
{
    struct fs_sim sim;
    CHECK_EQ_I(fs_sim_init(&sim, t0), FS_OK);
    CHECK_EQ_I(fs_sim_add_ticker(&sim, d, c, n), FS_OK);
    CHECK_EQ_U(sim.queue.len, n);
    CHECK_EQ_U(count_tickers(&sim), n);
    CHECK_EQ_U(sim.native_ticks, 0); /* scheduling is not ticking */
    for (size_t i = 0; i < sim.queue.len; i++)
        CHECK_EQ_D(sim.queue.heap[i].time, t0 + d);

    size_t total = (size_t)(n * c);
    double *times = malloc(total * sizeof *times);
    double *expect = malloc(total * sizeof *expect);
    if (!CHECK(times && expect))
        goto out;
    double s = t0;
    for (uint64_t k = 0; k < c; k++) {
        s += d;
        for (uint64_t j = 0; j < n; j++)
            expect[k * n + j] = s;
    }
    struct drive_stats st = drive(&sim, 0, times, total);
    CHECK_EQ_I(st.rc, FS_OK);
    CHECK_MSG(sim.native_ticks == n * c, "N=%llu C=%llu d=%g: native_ticks=%llu", (unsigned long long)n,
              (unsigned long long)c, d, (unsigned long long)sim.native_ticks);
    CHECK_EQ_U(st.pops, total);
    CHECK_EQ_U(st.ticker_pops, total);
    CHECK_EQ_U(st.max_len, n); /* one pending entry per ticker */
    CHECK_EQ_D(sim.now, s);
    CHECK(fs_queue_empty(&sim.queue));
    if (st.pops == total) {
        qsort(times, total, sizeof *times, cmp_double); /* already sorted if order is right */
        for (size_t i = 0; i < total; i++)
            if (!CHECK_MSG(times[i] == expect[i], "tick %zu at %.17g, expected %.17g", i, times[i], expect[i]))
                break;
    }
out:
    free(times);
    free(expect);
    fs_sim_free(&sim);
    CHECK(sim.tickers == NULL);
}

static void test_ticker_counts(void)
{
    run_ticker_case(1, 1, 1.0, 0.0);
    run_ticker_case(1, 1000, 0.1, 0.0); /* 0.1 is inexact: sums must be sequential */
    run_ticker_case(7, 13, 0.1, 2.5);
    run_ticker_case(50, 200, 0.3, 0.0);
    run_ticker_case(3, 5, 0.0, 4.0);    /* zero interval: all ticks at t0 */
    run_ticker_case(200, 3, 1e-9, 1e9); /* tiny interval relative to now */
    run_ticker_case(1000, 1, 2.0, -3.0);
}

/* Tickers with different intervals added at different times coexist. */
static void test_ticker_mixed(void)
{
    struct fs_sim sim;
    CHECK_EQ_I(fs_sim_init(&sim, 0.0), FS_OK);
    CHECK_EQ_I(fs_sim_add_ticker(&sim, 0.7, 10, 3), FS_OK);
    CHECK_EQ_I(fs_sim_add_ticker(&sim, 0.25, 40, 2), FS_OK);
    CHECK_EQ_I(fs_sim_add_ticker(&sim, 1.0, 5, 0), FS_OK); /* zero streams: no-op */
    CHECK_EQ_U(sim.queue.len, 5);
    /* Run a while, then add a ticker starting from the current now. */
    struct drive_stats st = drive(&sim, 20, NULL, 0);
    CHECK_EQ_U(st.pops, 20);
    CHECK_EQ_U(sim.native_ticks, 20);
    double t_add = sim.now;
    CHECK_EQ_I(fs_sim_add_ticker(&sim, 3.0, 4, 1), FS_OK);
    st = drive(&sim, 0, NULL, 0);
    CHECK_EQ_U(sim.native_ticks, 3 * 10 + 2 * 40 + 4);
    double a = 0.0, b = 0.0, c = t_add;
    for (int i = 0; i < 10; i++)
        a += 0.7;
    for (int i = 0; i < 40; i++)
        b += 0.25;
    for (int i = 0; i < 4; i++)
        c += 3.0;
    double last = fmax(a, fmax(b, c));
    CHECK_EQ_D(sim.now, last);
    fs_sim_free(&sim);
}

/* Ticker entries have NORMAL priority: an URGENT entry at the same time pops
 * before them even if pushed later, a NORMAL one pushed later pops after. */
static void test_ticker_priority(void)
{
    static int tag_urgent, tag_normal;
    struct fs_sim sim;
    struct fs_entry e;
    CHECK_EQ_I(fs_sim_init(&sim, 1.0), FS_OK);
    CHECK_EQ_I(fs_sim_add_ticker(&sim, 0.5, 1, 1), FS_OK);
    CHECK_EQ_I(fs_queue_push(&sim.queue, 1.5, FS_PRIO_NORMAL, NULL, &tag_normal), FS_OK);
    CHECK_EQ_I(fs_queue_push(&sim.queue, 1.5, FS_PRIO_URGENT, NULL, &tag_urgent), FS_OK);
    CHECK_EQ_I(fs_queue_pop(&sim.queue, &e), FS_OK);
    CHECK(e.data == &tag_urgent);
    CHECK(!fs_entry_is_ticker(&e));
    CHECK_EQ_I(fs_queue_pop(&sim.queue, &e), FS_OK);
    CHECK(fs_entry_is_ticker(&e));
    CHECK_EQ_I(fs_entry_priority(&e), FS_PRIO_NORMAL);
    CHECK_EQ_D(e.time, 1.5);
    CHECK_EQ_I(fs_queue_pop(&sim.queue, &e), FS_OK);
    CHECK(e.data == &tag_normal);
    fs_sim_free(&sim);
}

static void test_ticker_einval(void)
{
    struct fs_sim sim;
    CHECK_EQ_I(fs_sim_init(&sim, 0.0), FS_OK);
    CHECK_EQ_I(fs_sim_add_ticker(&sim, 1.0, 0, 5), FS_EINVAL);
    CHECK_EQ_I(fs_sim_add_ticker(&sim, -1.0, 3, 5), FS_EINVAL);
    CHECK_EQ_I(fs_sim_add_ticker(&sim, -DBL_MIN, 3, 5), FS_EINVAL);
    CHECK_EQ_I(fs_sim_add_ticker(&sim, -INFINITY, 3, 5), FS_EINVAL);
    CHECK_EQ_I(fs_sim_add_ticker(&sim, NAN, 3, 5), FS_EINVAL);
    CHECK_EQ_I(fs_sim_add_ticker(&sim, -NAN, 3, 5), FS_EINVAL);
    CHECK_EQ_I(fs_sim_add_ticker(&sim, NAN, 0, 5), FS_EINVAL);
    CHECK_EQ_I(fs_sim_add_ticker(&sim, INFINITY, 3, 5), FS_EINVAL);
    /* Rejected calls schedule and allocate nothing. */
    CHECK(fs_queue_empty(&sim.queue));
    CHECK(sim.tickers == NULL);
    CHECK_EQ_U(sim.native_ticks, 0);
    CHECK_EQ_D(sim.now, 0.0);
    fs_sim_free(&sim);
}

/* A ticker frees itself after its last tick; one whose next tick time would
 * overflow to infinity stops with FS_EINVAL (and frees itself too). */
static void test_ticker_self_free_and_overflow(void)
{
    struct fs_sim sim;
    CHECK_EQ_I(fs_sim_init(&sim, 0.0), FS_OK);
    CHECK_EQ_I(fs_sim_add_ticker(&sim, 1.0, 2, 3), FS_OK);
    CHECK(sim.tickers != NULL);
    struct fs_entry e;
    while (fs_queue_pop(&sim.queue, &e) == FS_OK) {
        sim.now = e.time;
        CHECK_EQ_I(e.fn(&sim, e.data), FS_OK);
    }
    CHECK(sim.tickers == NULL);
    CHECK_EQ_U(sim.native_ticks, 6);
    fs_sim_free(&sim);

    CHECK_EQ_I(fs_sim_init(&sim, DBL_MAX / 2), FS_OK);
    CHECK_EQ_I(fs_sim_add_ticker(&sim, DBL_MAX / 2, 5, 1), FS_OK);
    CHECK_EQ_I(fs_queue_pop(&sim.queue, &e), FS_OK);
    sim.now = e.time;
    CHECK_EQ_I(e.fn(&sim, e.data), FS_EINVAL); /* DBL_MAX + DBL_MAX/2 overflows */
    CHECK(sim.tickers == NULL);
    CHECK(fs_queue_empty(&sim.queue));
    CHECK_EQ_I(fs_sim_add_ticker(&sim, DBL_MAX, 1, 1), FS_EINVAL); /* first tick already infinite */
    fs_sim_free(&sim);
}

static int custom_calls;
static int custom_action(struct fs_sim *sim, void *data)
{
    (void)sim;
    (void)data;
    custom_calls++;
    return FS_OK;
}

/* Cancelling removes exactly the pending ticker entries; other entries stay
 * and pop in order; no further ticks happen. */
static void test_cancel_tickers(void)
{
    static int opaque[8];
    struct fs_sim sim;
    CHECK_EQ_I(fs_sim_init(&sim, 0.0), FS_OK);
    CHECK_EQ_U(fs_sim_cancel_tickers(&sim), 0); /* nothing to cancel */
    CHECK_EQ_I(fs_sim_add_ticker(&sim, 1.0, 100, 10), FS_OK);
    CHECK_EQ_I(fs_sim_add_ticker(&sim, 1.0, 2, 5), FS_OK); /* finish early */
    for (int i = 0; i < 8; i++)
        CHECK_EQ_I(fs_queue_push(&sim.queue, 2.5 + i, i % 2, i % 3 ? NULL : custom_action, &opaque[i]), FS_OK);
    /* Run through t=3: 15 ticks at t=1, 15 at t=2 (the 5 short tickers
     * end), opaque[0] (a custom action) at 2.5, 10 ticks at t=3. */
    struct drive_stats st = drive(&sim, 15 + 15 + 1 + 10, NULL, 0);
    CHECK_EQ_U(st.pops, 41);
    CHECK_EQ_D(sim.now, 3.0);
    CHECK_EQ_U(sim.native_ticks, 40);
    CHECK_EQ_I(custom_calls, 1);
    CHECK_EQ_U(count_tickers(&sim), 10);
    CHECK_EQ_U(sim.queue.len, 10 + 7);
    size_t removed = fs_sim_cancel_tickers(&sim);
    CHECK_EQ_U(removed, 10);
    CHECK_EQ_U(count_tickers(&sim), 0);
    CHECK_EQ_U(sim.queue.len, 7);
    CHECK_EQ_U(sim.native_ticks, 40);
    CHECK_EQ_U(fs_sim_cancel_tickers(&sim), 0); /* idempotent */
    /* The survivors pop in time order: opaque[1..7] at 3.5 .. 9.5. */
    struct fs_entry e;
    for (int i = 1; i < 8; i++) {
        if (!CHECK_EQ_I(fs_queue_pop(&sim.queue, &e), FS_OK))
            break;
        CHECK(e.data == &opaque[i]);
        CHECK_EQ_D(e.time, 2.5 + i);
        CHECK(e.fn == (i % 3 ? NULL : custom_action));
    }
    CHECK(fs_queue_empty(&sim.queue));
    CHECK_EQ_U(sim.native_ticks, 40);
    /* New tickers still work after a cancel. */
    CHECK_EQ_I(fs_sim_add_ticker(&sim, 0.5, 3, 2), FS_OK);
    st = drive(&sim, 0, NULL, 0);
    CHECK_EQ_U(st.pops, 6);
    CHECK_EQ_U(sim.native_ticks, 46);
    CHECK_EQ_D(sim.now, 3.0 + 0.5 + 0.5 + 0.5);
    fs_sim_free(&sim);
    custom_calls = 0;
}

/* fs_sim_free releases tickers in every state: pending, finished,
 * cancelled (ASan's leak check verifies nothing is left). */
static void test_sim_free(void)
{
    struct fs_sim sim;
    /* never run */
    CHECK_EQ_I(fs_sim_init(&sim, 0.0), FS_OK);
    CHECK_EQ_I(fs_sim_add_ticker(&sim, 1.0, 10, 1000), FS_OK);
    CHECK(sim.tickers != NULL);
    fs_sim_free(&sim);
    CHECK(sim.tickers == NULL);
    CHECK(sim.queue.heap == NULL);
    /* partly run, some finished */
    CHECK_EQ_I(fs_sim_init(&sim, 0.0), FS_OK);
    CHECK_EQ_I(fs_sim_add_ticker(&sim, 1.0, 1, 50), FS_OK);
    CHECK_EQ_I(fs_sim_add_ticker(&sim, 1.0, 10, 50), FS_OK);
    drive(&sim, 300, NULL, 0);
    CHECK_EQ_U(sim.native_ticks, 300);
    fs_sim_free(&sim);
    /* cancelled */
    CHECK_EQ_I(fs_sim_init(&sim, 0.0), FS_OK);
    CHECK_EQ_I(fs_sim_add_ticker(&sim, 1.0, 10, 50), FS_OK);
    CHECK_EQ_U(fs_sim_cancel_tickers(&sim), 50);
    fs_sim_free(&sim);
    /* all finished */
    CHECK_EQ_I(fs_sim_init(&sim, 0.0), FS_OK);
    CHECK_EQ_I(fs_sim_add_ticker(&sim, 1.0, 3, 3), FS_OK);
    drive(&sim, 0, NULL, 0);
    CHECK_EQ_U(sim.native_ticks, 9);
    fs_sim_free(&sim);
}

/* C actions get the sim and their data, may push more entries, and a failing
 * action's status reaches the driver. */
struct chain {
    int left;
    int fired;
};
static int chain_action(struct fs_sim *sim, void *data)
{
    struct chain *c = data;
    c->fired++;
    if (c->left-- == 0)
        return FS_EINVAL;
    return fs_queue_push(&sim->queue, sim->now + 1.0, FS_PRIO_URGENT, chain_action, c);
}

static void test_custom_action(void)
{
    struct fs_sim sim;
    struct chain c = {4, 0};
    CHECK_EQ_I(fs_sim_init(&sim, 0.0), FS_OK);
    CHECK_EQ_I(fs_queue_push(&sim.queue, 0.0, FS_PRIO_URGENT, chain_action, &c), FS_OK);
    CHECK(!fs_entry_is_ticker(fs_queue_peek(&sim.queue)));
    struct drive_stats st = drive(&sim, 0, NULL, 0);
    CHECK_EQ_I(st.rc, FS_EINVAL);
    CHECK_EQ_I(c.fired, 5);
    CHECK_EQ_D(sim.now, 4.0);
    CHECK_EQ_U(sim.native_ticks, 0);
    fs_sim_free(&sim);
}

/* FS_PRIO_LATE: the end of an instant. Each action appends its id to a
 * log; action 3 (NORMAL at 1) pushes more entries at its own instant. */
struct late_log {
    int ids[16];
    int n;
};
struct late_item {
    struct late_log *log;
    int id;
    struct late_item *spawn_urgent, *spawn_late; /* pushed at now when it runs */
};

static int late_action(struct fs_sim *sim, void *data)
{
    struct late_item *it = (struct late_item *)data;
    if (it->log->n < 16)
        it->log->ids[it->log->n++] = it->id;
    int rc = FS_OK;
    if (it->spawn_urgent)
        rc = fs_queue_push(&sim->queue, sim->now, FS_PRIO_URGENT, late_action, it->spawn_urgent);
    if (rc == FS_OK && it->spawn_late)
        rc = fs_queue_push(&sim->queue, sim->now, FS_PRIO_LATE, late_action, it->spawn_late);
    return rc;
}

static void test_late_priority(void)
{
    struct fs_sim sim;
    struct late_log log = {{0}, 0};
    struct late_item it[8];
    for (int i = 0; i < 8; i++)
        it[i] = (struct late_item){&log, i, NULL, NULL};
    it[3].spawn_urgent = &it[5]; /* pushed at 1 after the late entry 1: still before it */
    it[3].spawn_late = &it[6];   /* a second late entry: after the first */
    CHECK_EQ_I(fs_sim_init(&sim, 0.0), FS_OK);
    CHECK_EQ_I(fs_queue_push(&sim.queue, 1.0, FS_PRIO_LATE, late_action, &it[1]), FS_OK);
    CHECK_EQ_I(fs_queue_push(&sim.queue, 2.0, FS_PRIO_URGENT, late_action, &it[7]), FS_OK);
    CHECK_EQ_I(fs_queue_push(&sim.queue, 1.0, FS_PRIO_NORMAL, late_action, &it[3]), FS_OK);
    CHECK_EQ_I(fs_queue_push(&sim.queue, 1.0, FS_PRIO_URGENT, late_action, &it[2]), FS_OK);
    CHECK_EQ_I(fs_queue_push(&sim.queue, 0.5, FS_PRIO_LATE, late_action, &it[0]), FS_OK);
    CHECK_EQ_I(fs_queue_push(&sim.queue, 1.0, 5, late_action, &it[4]), FS_OK);
    CHECK_EQ_I(fs_entry_priority(fs_queue_peek(&sim.queue)), FS_PRIO_LATE);
    struct drive_stats st = drive(&sim, 0, NULL, 0);
    CHECK_EQ_I(st.rc, FS_OK);
    static const int want[] = {0, 2, 3, 5, 4, 1, 6, 7};
    CHECK_EQ_I(log.n, 8);
    for (int i = 0; i < 8 && i < log.n; i++)
        CHECK_MSG(log.ids[i] == want[i], "pop %d: id %d, expected %d", i, log.ids[i], want[i]);
    CHECK_EQ_D(sim.now, 2.0);
    fs_sim_free(&sim);
}

static void test_time_advances(void)
{
    /* at now <= 1 the resolution is that of 1.0: 2^-52 moves it, 2^-54 does not */
    CHECK(fs_time_advances(0.0, 0x1p-52));
    CHECK(!fs_time_advances(0.0, 0x1p-54));
    CHECK(!fs_time_advances(0.0, 1e-300));
    CHECK(!fs_time_advances(-0.5, 1e-300));
    CHECK(fs_time_advances(0.0, 1e-9));
    /* at now = 2^30 a step must exceed half its ulp (2^-23) */
    CHECK(fs_time_advances(0x1p30, 0x1p-22));
    CHECK(!fs_time_advances(0x1p30, 0x1p-24));
    CHECK(!fs_time_advances(1e7, 1e-10));
    /* not a forward step, or overflowing to infinity */
    CHECK(!fs_time_advances(5.0, 0.0));
    CHECK(!fs_time_advances(5.0, -1.0));
    CHECK(!fs_time_advances(5.0, NAN));
    CHECK(!fs_time_advances(1e308, 1e308));
    CHECK(!fs_time_advances(0.0, INFINITY));
    CHECK(fs_time_advances(1e300, 1e290));
}

void fs_test_sim_suite(void)
{
    RUN_TEST(test_time_advances);
    RUN_TEST(test_sim_init);
    RUN_TEST(test_ticker_counts);
    RUN_TEST(test_ticker_mixed);
    RUN_TEST(test_ticker_priority);
    RUN_TEST(test_ticker_einval);
    RUN_TEST(test_ticker_self_free_and_overflow);
    RUN_TEST(test_cancel_tickers);
    RUN_TEST(test_sim_free);
    RUN_TEST(test_custom_action);
    RUN_TEST(test_late_priority);
}
