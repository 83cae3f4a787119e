/* Unit tests for csrc/engine/fs_share.{h,c}: hand-computed processor
 * sharing (proportional and equal shares), exact durations under capacity,
 * work conservation, cancellation, report order, errors, and a randomized
 * run checked against the invariants and conservation. */
#include "fs_test.h"

#include "../engine/fs_share.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAXJ 4096

struct rec {
    int n;
    int32_t id[MAXJ];
    double t[MAXJ];
    double done[MAXJ];
    void *data[MAXJ];
    int fail_at;
    /* start a job from the callback at this report (-1: never) */
    int start_at;
    int32_t started;
};

/* Start a job with cpu demand c (and gpu demand g). */
static int start_cg(struct fs_share *sh, int32_t node, double c, double g, double w, int32_t group, void *data,
                    int32_t *out)
{
    double d[FS_SHARE_NRES] = {c, g};
    return fs_share_start(sh, node, d, w, group, data, out);
}

static int on_done(void *ctx, struct fs_share *sh, int32_t job, void *data)
{
    struct rec *r = ctx;
    struct fs_share_job_info ji;
    CHECK_EQ_I(fs_share_job_info(sh, job, &ji), FS_OK);
    CHECK_EQ_I(ji.state, FS_JOB_DONE);
    if (r->n < MAXJ) {
        r->id[r->n] = job;
        r->t[r->n] = ji.end;
        r->done[r->n] = ji.done;
        r->data[r->n] = data;
    }
    r->n++;
    if (r->n - 1 == r->start_at)
        CHECK_EQ_I(start_cg(sh, ji.node, 1.0, 0.0, 1.0, -1, NULL, &r->started), FS_OK);
    if (r->n - 1 == r->fail_at)
        return FS_EINVAL;
    return FS_OK;
}

static int drive_until(struct fs_sim *sim, double until)
{
    struct fs_entry e;
    long pops = 0;
    while (sim->queue.len && sim->queue.heap[0].time <= until) {
        CHECK_EQ_I(fs_queue_pop(&sim->queue, &e), FS_OK);
        CHECK(e.time >= sim->now);
        sim->now = e.time;
        int rc = e.fn(sim, e.data);
        if (rc != FS_OK)
            return rc;
        if (++pops > 10000000)
            return -1;
    }
    if (until > sim->now && isfinite(until))
        sim->now = until;
    return FS_OK;
}

static int close_rel(double a, double b, double tol)
{
    return fabs(a - b) <= tol * fmax(1.0, fmax(fabs(a), fabs(b)));
}

#define CHECK_CLOSE(a, b) CHECK_MSG(close_rel((a), (b), 1e-12), "%.17g !~ %.17g", (double)(a), (double)(b))

static int32_t start_in(struct fs_share *sh, int32_t node, double c, double w, int32_t group, void *data)
{
    int32_t id = -1;
    CHECK_EQ_I(start_cg(sh, node, c, 0.0, w, group, data, &id), FS_OK);
    return id;
}

static int32_t start(struct fs_share *sh, int32_t node, double c, double w, void *data)
{
    return start_in(sh, node, c, w, -1, data);
}

static double rate_of(struct fs_share *sh, int32_t id)
{
    struct fs_share_job_info ji;
    return fs_share_job_info(sh, id, &ji) == FS_OK ? ji.rate : -1.0;
}

/* ------------------------------------------------------------------ */

static void test_two_equal_share_one_core(void)
{
    struct fs_sim sim;
    struct rec r = {.fail_at = -1, .start_at = -1};
    fs_sim_init(&sim, 0.0);
    struct fs_share *sh = fs_share_new(&sim, on_done, &r);
    CHECK_EQ_I(fs_share_set_node(sh, 0, FS_SHARE_CPU, FS_SHARE_PROPORTIONAL, 1.0), FS_OK);
    /* two executions of 1 s claiming a whole core each: half speed, both
     * take 2 s */
    int32_t a = start_in(sh, 0, 1.0, 1.0, 5, NULL);
    int32_t b = start_in(sh, 0, 1.0, 1.0, 5, NULL);
    CHECK_EQ_D(rate_of(sh, a), 0.5);
    double gx, gi, gl;
    fs_share_group_excess(sh, 5, FS_SHARE_CPU, &gx, &gi, &gl);
    CHECK_EQ_D(gx, 1.0); /* each claims 1, uses 0.5 */
    CHECK_EQ_D(rate_of(sh, b), 0.5);
    CHECK(fs_share_valid(sh));
    CHECK_EQ_I(drive_until(&sim, INFINITY), FS_OK);
    CHECK_EQ_I(r.n, 2);
    CHECK_EQ_D(r.t[0], 2.0);
    CHECK_EQ_D(r.t[1], 2.0);
    CHECK_EQ_I(r.id[0], a); /* same time: start order */
    CHECK_EQ_D(r.done[0], 1.0);
    struct fs_share_node_info ni;
    CHECK_EQ_I(fs_share_node_info(sh, 0, FS_SHARE_CPU, &ni), FS_OK);
    CHECK_EQ_D(ni.busy, 2.0);
    CHECK_EQ_D(ni.used_int, 2.0);   /* 2 cpu-seconds of work */
    CHECK_EQ_D(ni.excess_int, 2.0); /* 1 core claimed beyond capacity for 2 s */
    fs_share_group_excess(sh, 5, FS_SHARE_CPU, &gx, &gi, &gl);
    CHECK_EQ_D(gx, 0.0);
    CHECK_EQ_D(gi, 2.0);
    CHECK_EQ_D(gl, 2.0);
    fs_share_group_excess(sh, 4, FS_SHARE_CPU, &gx, &gi, &gl);
    CHECK_EQ_D(gi, 0.0);
    CHECK_EQ_I(fs_share_job_count(sh), 0);
    fs_share_free(sh);
    fs_sim_free(&sim);
}

static void test_unequal_proportional(void)
{
    struct fs_sim sim;
    struct rec r = {.fail_at = -1, .start_at = -1};
    fs_sim_init(&sim, 0.0);
    struct fs_share *sh = fs_share_new(&sim, on_done, &r);
    CHECK_EQ_I(fs_share_set_node(sh, 3, FS_SHARE_CPU, FS_SHARE_PROPORTIONAL, 1.0), FS_OK);
    CHECK_EQ_I(fs_share_node_mode(sh, 0, FS_SHARE_CPU), FS_SHARE_OFF);
    /* A (0.5, 1 s), B (0.5, 2 s), C (1.0, 3 s) on 1 core: D = 2, all at
     * half speed; A ends at 2. Then D = 1.5, rate 2/3: B has 1 s left,
     * ends at 3.5; C had 2 s left at 2, 1 s left at 3.5, alone at full
     * speed: ends at 4.5. */
    int32_t a = start(sh, 3, 0.5, 1.0, NULL);
    int32_t b = start(sh, 3, 0.5, 2.0, NULL);
    int32_t c = start(sh, 3, 1.0, 3.0, NULL);
    CHECK_EQ_I(drive_until(&sim, INFINITY), FS_OK);
    CHECK_EQ_I(r.n, 3);
    CHECK_EQ_I(r.id[0], a);
    CHECK_EQ_I(r.id[1], b);
    CHECK_EQ_I(r.id[2], c);
    CHECK_EQ_D(r.t[0], 2.0);
    CHECK_CLOSE(r.t[1], 3.5);
    CHECK_CLOSE(r.t[2], 4.5);
    struct fs_share_node_info ni;
    CHECK_EQ_I(fs_share_node_info(sh, 3, FS_SHARE_CPU, &ni), FS_OK);
    CHECK_CLOSE(ni.used_int, 0.5 * 1 + 0.5 * 2 + 1.0 * 3); /* work conservation */
    CHECK_CLOSE(ni.busy * ni.capacity, ni.used_int);       /* saturated throughout */
    /* excess: 1 for [0, 2], 0.5 for [2, 3.5], 0 after */
    CHECK_CLOSE(ni.excess_int, 2.0 + 0.75);
    fs_share_free(sh);
    fs_sim_free(&sim);
}

static void test_unequal_equal_shares(void)
{
    struct fs_sim sim;
    struct rec r = {.fail_at = -1, .start_at = -1};
    fs_sim_init(&sim, 0.0);
    struct fs_share *sh = fs_share_new(&sim, on_done, &r);
    CHECK_EQ_I(fs_share_set_node(sh, 0, FS_SHARE_CPU, FS_SHARE_EQUAL, 1.0), FS_OK);
    /* the same jobs with equal shares: level 1/3 each, A and B at 2/3
     * speed, C at 1/3. A ends at 1.5 (B: 1 s left, C: 2.5 s left). Then B
     * (0.5) fits under the level 0.5: full speed, ends at 2.5; C at 0.5
     * speed has 2 s left at 2.5, alone: ends at 4.5. */
    int32_t a = start(sh, 0, 0.5, 1.0, NULL);
    int32_t b = start(sh, 0, 0.5, 2.0, NULL);
    int32_t c = start(sh, 0, 1.0, 3.0, NULL);
    CHECK_CLOSE(rate_of(sh, a), 2.0 / 3.0);
    CHECK_CLOSE(rate_of(sh, c), 1.0 / 3.0);
    CHECK_EQ_I(drive_until(&sim, 1.75), FS_OK);
    CHECK_EQ_D(rate_of(sh, b), 1.0);
    CHECK_EQ_D(rate_of(sh, c), 0.5);
    CHECK_EQ_I(drive_until(&sim, INFINITY), FS_OK);
    CHECK_EQ_I(r.n, 3);
    CHECK_EQ_I(r.id[0], a);
    CHECK_EQ_I(r.id[1], b);
    CHECK_EQ_I(r.id[2], c);
    CHECK_CLOSE(r.t[0], 1.5);
    CHECK_CLOSE(r.t[1], 2.5);
    CHECK_CLOSE(r.t[2], 4.5);
    /* a small claim under the level keeps its full speed */
    CHECK_EQ_I(fs_share_set_node(sh, 1, FS_SHARE_CPU, FS_SHARE_EQUAL, 1.0), FS_OK);
    int32_t s = start(sh, 1, 0.1, 1.0, NULL);
    int32_t big1 = start(sh, 1, 1.0, 1.0, NULL);
    int32_t big2 = start(sh, 1, 1.0, 1.0, NULL);
    CHECK_EQ_D(rate_of(sh, s), 1.0);
    CHECK_CLOSE(rate_of(sh, big1), 0.45);
    CHECK_CLOSE(rate_of(sh, big2), 0.45);
    CHECK(fs_share_valid(sh));
    fs_share_free(sh);
    fs_sim_free(&sim);
}

static void test_under_capacity_exact(void)
{
    struct fs_sim sim;
    struct rec r = {.fail_at = -1, .start_at = -1};
    fs_sim_init(&sim, 0.0);
    struct fs_share *sh = fs_share_new(&sim, on_done, &r);
    CHECK_EQ_I(fs_share_set_node(sh, 0, FS_SHARE_CPU, FS_SHARE_PROPORTIONAL, 4.0), FS_OK);
    /* below capacity every job runs at full speed: ends at exactly t0 + w */
    start(sh, 0, 1.42, 0.1, NULL);
    CHECK_EQ_I(drive_until(&sim, 0.03), FS_OK);
    start(sh, 0, 1.42, 0.7, NULL);
    CHECK_EQ_I(drive_until(&sim, 0.05), FS_OK);
    start(sh, 0, 0.0, 0.3, NULL); /* no demand */
    CHECK_EQ_I(drive_until(&sim, INFINITY), FS_OK);
    CHECK_EQ_I(r.n, 3);
    CHECK_EQ_D(r.t[0], 0.0 + 0.1);
    CHECK_EQ_D(r.t[1], 0.05 + 0.3);
    CHECK_EQ_D(r.t[2], 0.03 + 0.7);
    struct fs_share_node_info ni;
    CHECK_EQ_I(fs_share_node_info(sh, 0, FS_SHARE_CPU, &ni), FS_OK);
    CHECK_EQ_D(ni.excess_int, 0.0);
    fs_share_free(sh);
    fs_sim_free(&sim);
}

static void test_zero_work_and_zero_demand(void)
{
    struct fs_sim sim;
    struct rec r = {.fail_at = -1, .start_at = -1};
    fs_sim_init(&sim, 5.0);
    struct fs_share *sh = fs_share_new(&sim, on_done, &r);
    CHECK_EQ_I(fs_share_set_node(sh, 0, FS_SHARE_CPU, FS_SHARE_PROPORTIONAL, 1.0), FS_OK);
    int32_t big = start(sh, 0, 3.0, 1.0, NULL);
    int32_t free_rider = start(sh, 0, 0.0, 1.0, NULL); /* no cpu: full speed */
    int32_t nothing = start(sh, 0, 2.0, 0.0, NULL);    /* no work: done now */
    CHECK_EQ_D(rate_of(sh, free_rider), 1.0);
    CHECK_EQ_D(fs_share_next_time(sh), 5.0);
    CHECK_EQ_I(drive_until(&sim, INFINITY), FS_OK);
    CHECK_EQ_I(r.n, 3);
    CHECK_EQ_I(r.id[0], nothing);
    CHECK_EQ_D(r.t[0], 5.0);
    CHECK_EQ_I(r.id[1], free_rider);
    CHECK_EQ_D(r.t[1], 6.0);
    CHECK_EQ_I(r.id[2], big);
    CHECK_CLOSE(r.t[2], 8.0); /* 1 s at 1/3 speed */
    fs_share_free(sh);
    fs_sim_free(&sim);
}

static void test_cancel_speeds_up_others(void)
{
    struct fs_sim sim;
    struct rec r = {.fail_at = -1, .start_at = -1};
    fs_sim_init(&sim, 0.0);
    struct fs_share *sh = fs_share_new(&sim, on_done, &r);
    CHECK_EQ_I(fs_share_set_node(sh, 0, FS_SHARE_CPU, FS_SHARE_PROPORTIONAL, 2.0), FS_OK);
    int marker = 7;
    int32_t a = start(sh, 0, 2.0, 4.0, &marker);
    int32_t b = start(sh, 0, 2.0, 4.0, NULL);
    CHECK_EQ_I(drive_until(&sim, 1.0), FS_OK);
    CHECK(fs_share_job_data(sh, a) == &marker);
    CHECK_EQ_I(fs_share_cancel(sh, a), FS_OK);
    CHECK_EQ_I(fs_share_cancel(sh, a), FS_SHARE_EJOB);
    CHECK_EQ_D(rate_of(sh, b), 1.0);
    /* b did 0.5 s of work by 1, 3.5 s left at full speed */
    CHECK_EQ_I(drive_until(&sim, INFINITY), FS_OK);
    CHECK_EQ_I(r.n, 1);
    CHECK_EQ_I(r.id[0], b);
    CHECK_CLOSE(r.t[0], 4.5);
    fs_share_free(sh);
    fs_sim_free(&sim);
}

static void test_reconfigure_and_callbacks(void)
{
    struct fs_sim sim;
    struct rec r = {.fail_at = -1, .start_at = 0};
    fs_sim_init(&sim, 0.0);
    struct fs_share *sh = fs_share_new(&sim, on_done, &r);
    CHECK_EQ_I(fs_share_set_node(sh, 0, FS_SHARE_CPU, FS_SHARE_PROPORTIONAL, 1.0), FS_OK);
    int32_t a = start(sh, 0, 1.0, 1.0, NULL);
    int32_t b = start(sh, 0, 1.0, 3.0, NULL);
    CHECK_EQ_I(fs_share_set_node(sh, 0, FS_SHARE_CPU, FS_SHARE_OFF, 1.0), FS_SHARE_EBUSY);
    CHECK_EQ_I(drive_until(&sim, 1.0), FS_OK);
    /* doubling the capacity at 1: both at full speed */
    CHECK_EQ_I(fs_share_set_node(sh, 0, FS_SHARE_CPU, FS_SHARE_PROPORTIONAL, 2.0), FS_OK);
    CHECK_EQ_D(rate_of(sh, a), 1.0);
    /* a: 0.5 left, ends at 1.5, and its report starts a job (1, 1 s) */
    CHECK_EQ_I(drive_until(&sim, INFINITY), FS_OK);
    CHECK_EQ_I(r.n, 3);
    CHECK_EQ_D(r.t[0], 1.5);
    CHECK_EQ_I(r.id[1], r.started);
    CHECK_EQ_D(r.t[1], 2.5);
    CHECK_EQ_I(r.id[2], b);
    CHECK_EQ_D(r.t[2], 3.5);
    /* a failing report stops the loop; the rest come from an entry at now */
    struct rec r2 = {.fail_at = 0, .start_at = -1};
    struct fs_share *sh2 = fs_share_new(&sim, on_done, &r2);
    CHECK_EQ_I(fs_share_set_node(sh2, 0, FS_SHARE_CPU, FS_SHARE_EQUAL, 1.0), FS_OK);
    start(sh2, 0, 1.0, 1.0, NULL);
    start(sh2, 0, 1.0, 1.0, NULL);
    CHECK_EQ_I(drive_until(&sim, INFINITY), FS_EINVAL);
    CHECK_EQ_I(r2.n, 1);
    CHECK_EQ_U(fs_share_queued(sh2), 1);
    CHECK(fs_share_valid(sh2));
    CHECK_EQ_I(drive_until(&sim, INFINITY), FS_OK);
    CHECK_EQ_I(r2.n, 2);
    CHECK_EQ_D(r2.t[1], r2.t[0]);
    fs_share_free(sh);
    fs_share_free(sh2);
    fs_sim_free(&sim);
}

static void test_cpu_and_gpu(void)
{
    struct fs_sim sim;
    struct rec r = {.fail_at = -1, .start_at = -1};
    fs_sim_init(&sim, 0.0);
    struct fs_share *sh = fs_share_new(&sim, on_done, &r);
    CHECK_EQ_I(fs_share_set_node(sh, 0, FS_SHARE_CPU, FS_SHARE_PROPORTIONAL, 1.0), FS_OK);
    CHECK_EQ_I(fs_share_set_node(sh, 0, FS_SHARE_GPU, FS_SHARE_PROPORTIONAL, 1.0), FS_OK);
    /* A (cpu 1, 1 s), B (cpu 0.5, gpu 1, 1 s), C (gpu 1, 2 s): cpu allows
     * 1 / 1.5 = 2/3, gpu 1/2: A at 2/3, B and C at 1/2 (gpu-bound). A ends
     * at 1.5 (B: 0.25 s left, C: 1.25 s). Then the cpu fits, the gpu still
     * allows 1/2: B ends at 2 (C: 1 s left), C alone at full speed: 3. */
    int32_t a, b, c;
    CHECK_EQ_I(start_cg(sh, 0, 1.0, 0.0, 1.0, -1, NULL, &a), FS_OK);
    CHECK_EQ_I(start_cg(sh, 0, 0.5, 1.0, 1.0, -1, NULL, &b), FS_OK);
    CHECK_EQ_I(start_cg(sh, 0, 0.0, 1.0, 2.0, -1, NULL, &c), FS_OK);
    CHECK_CLOSE(rate_of(sh, a), 2.0 / 3.0);
    CHECK_EQ_D(rate_of(sh, b), 0.5);
    CHECK_EQ_D(rate_of(sh, c), 0.5);
    struct fs_share_node_info cpu, gpu;
    CHECK_EQ_I(fs_share_node_info(sh, 0, FS_SHARE_CPU, &cpu), FS_OK);
    CHECK_EQ_I(fs_share_node_info(sh, 0, FS_SHARE_GPU, &gpu), FS_OK);
    CHECK_CLOSE(cpu.used, 2.0 / 3.0 + 0.25); /* both over capacity: what the rates use */
    CHECK_CLOSE(cpu.excess, 1.5 - cpu.used);
    CHECK_CLOSE(gpu.used, 1.0);
    CHECK(fs_share_valid(sh));
    CHECK_EQ_I(drive_until(&sim, 1.75), FS_OK);
    CHECK_EQ_I(fs_share_node_info(sh, 0, FS_SHARE_CPU, &cpu), FS_OK);
    CHECK_CLOSE(cpu.used, 0.25); /* only the gpu is over: B at 1/2 */
    CHECK_EQ_D(cpu.demand, 0.5);
    CHECK_EQ_I(drive_until(&sim, INFINITY), FS_OK);
    CHECK_EQ_I(r.n, 3);
    CHECK_CLOSE(r.t[0], 1.5);
    CHECK_CLOSE(r.t[1], 2.0);
    CHECK_CLOSE(r.t[2], 3.0);
    CHECK_EQ_I(fs_share_node_info(sh, 0, FS_SHARE_CPU, &cpu), FS_OK);
    CHECK_EQ_I(fs_share_node_info(sh, 0, FS_SHARE_GPU, &gpu), FS_OK);
    CHECK_CLOSE(cpu.used_int, 1.0 * 1.0 + 0.5 * 1.0); /* work conservation, per resource */
    CHECK_CLOSE(gpu.used_int, 1.0 * 1.0 + 1.0 * 2.0);
    CHECK_CLOSE(gpu.busy, 3.0);
    CHECK_CLOSE(cpu.busy, 2.0);
    /* a resource not shared is ignored: gpu demands on a cpu-only node */
    CHECK_EQ_I(fs_share_set_node(sh, 1, FS_SHARE_CPU, FS_SHARE_EQUAL, 1.0), FS_OK);
    CHECK_EQ_I(start_cg(sh, 1, 0.5, 5.0, 1.0, -1, NULL, &a), FS_OK);
    CHECK_EQ_D(rate_of(sh, a), 1.0);
    CHECK_EQ_I(fs_share_node_mode(sh, 1, FS_SHARE_GPU), FS_SHARE_OFF);
    CHECK(fs_share_node_on(sh, 1));
    CHECK(!fs_share_node_on(sh, 2));
    CHECK_EQ_I(fs_share_set_node(sh, 1, 2, FS_SHARE_EQUAL, 1.0), FS_EINVAL); /* no such resource */
    CHECK(fs_share_valid(sh));
    fs_share_free(sh);
    fs_sim_free(&sim);
}

static void test_errors(void)
{
    struct fs_sim sim;
    fs_sim_init(&sim, 0.0);
    struct fs_share *sh = fs_share_new(&sim, NULL, NULL);
    int32_t id = -1;
    CHECK_EQ_I(fs_share_set_node(sh, 0, FS_SHARE_CPU, 3, 1.0), FS_EINVAL);
    CHECK_EQ_I(fs_share_set_node(sh, 0, FS_SHARE_CPU, FS_SHARE_EQUAL, 0.0), FS_EINVAL);
    CHECK_EQ_I(fs_share_set_node(sh, 0, FS_SHARE_CPU, FS_SHARE_EQUAL, -1.0), FS_EINVAL);
    CHECK_EQ_I(fs_share_set_node(sh, 0, FS_SHARE_CPU, FS_SHARE_EQUAL, NAN), FS_EINVAL);
    CHECK_EQ_I(fs_share_set_node(sh, 0, FS_SHARE_CPU, FS_SHARE_EQUAL, INFINITY), FS_EINVAL);
    CHECK_EQ_I(fs_share_set_node(sh, -1, FS_SHARE_CPU, FS_SHARE_EQUAL, 1.0), FS_SHARE_ENODE);
    CHECK_EQ_I(start_cg(sh, 0, 1.0, 0.0, 1.0, -1, NULL, &id), FS_SHARE_ENODE); /* off */
    CHECK_EQ_I(fs_share_set_node(sh, 0, FS_SHARE_CPU, FS_SHARE_EQUAL, 1.0), FS_OK);
    CHECK_EQ_I(start_cg(sh, 1, 1.0, 0.0, 1.0, -1, NULL, &id), FS_SHARE_ENODE);
    CHECK_EQ_I(start_cg(sh, 0, -1.0, 0.0, 1.0, -1, NULL, &id), FS_EINVAL);
    CHECK_EQ_I(start_cg(sh, 0, NAN, 0.0, 1.0, -1, NULL, &id), FS_EINVAL);
    CHECK_EQ_I(start_cg(sh, 0, 1.0, 0.0, -1.0, -1, NULL, &id), FS_EINVAL);
    CHECK_EQ_I(start_cg(sh, 0, 1.0, 0.0, INFINITY, -1, NULL, &id), FS_EINVAL);
    CHECK_EQ_I(start_cg(sh, 0, INFINITY, 0.0, 1.0, -1, NULL, &id), FS_EINVAL);
    CHECK_EQ_I(start_cg(sh, 0, 1.0, 0.0, 1.0, -2, NULL, &id), FS_EINVAL);
    CHECK_EQ_I(id, -1);
    CHECK_EQ_I(fs_share_job_count(sh), 0);
    CHECK_EQ_I(fs_share_cancel(sh, 0), FS_SHARE_EJOB);
    CHECK_EQ_I(fs_share_cancel(sh, -3), FS_SHARE_EJOB);
    struct fs_share_node_info ni;
    CHECK_EQ_I(fs_share_node_info(sh, 99, FS_SHARE_CPU, &ni), FS_SHARE_ENODE);
    CHECK(fs_share_valid(sh));
    fs_share_free(sh);
    fs_sim_free(&sim);
}

/* Random starts and cancels on a few nodes of both modes: the invariants
 * hold after every step and the work done is conserved: on each node, the
 * integral of the cpu used equals the sum of c * w over the jobs that
 * completed, plus c * (work done) of the cancelled ones. */
static void random_run(int gpu)
{
    struct fs_sim sim;
    static struct rec r;
    memset(&r, 0, sizeof r);
    r.fail_at = -1;
    r.start_at = -1;
    fs_sim_init(&sim, 0.0);
    struct fs_share *sh = fs_share_new(&sim, on_done, &r);
    enum { NODES = 4, STEPS = 1500 };
    double cap[NODES] = {1.0, 2.0, 0.5, 4.0};
    for (int n = 0; n < NODES; n++) {
        int mode = n % 2 ? FS_SHARE_EQUAL : FS_SHARE_PROPORTIONAL;
        CHECK_EQ_I(fs_share_set_node(sh, n, FS_SHARE_CPU, mode, cap[n]), FS_OK);
        /* with gpu: nodes 1 and 2 share it too (capacity 1), in the other mode */
        if (gpu && (n == 1 || n == 2))
            CHECK_EQ_I(fs_share_set_node(sh, n, FS_SHARE_GPU, 3 - mode, 1.0), FS_OK);
    }
    static double cw[MAXJ], gw[MAXJ]; /* c * w (cpu, gpu) of each job by start order */
    static int32_t ids[MAXJ];
    static int nodeof[MAXJ];
    double expect[NODES] = {0}, expect_g[NODES] = {0};
    int started = 0;
    for (int step = 0; step < STEPS && started < MAXJ; step++) {
        int node = (int)fs_test_below(NODES);
        double c = (double)fs_test_below(200) / 100.0;
        double w = (double)fs_test_below(1000) / 250.0;
        double g = gpu ? (double)fs_test_below(150) / 100.0 : 0.0;
        int32_t id = -1;
        CHECK_EQ_I(start_cg(sh, node, c, g, w, started % 3, (void *)(intptr_t)(started + 1), &id), FS_OK);
        cw[started] = c * w;
        gw[started] = fs_share_node_mode(sh, node, FS_SHARE_GPU) != FS_SHARE_OFF ? g * w : 0.0;
        ids[started] = id;
        nodeof[started] = node;
        started++;
        if (fs_test_below(10) == 0) { /* cancel a random live job */
            int k = (int)fs_test_below((uint64_t)started);
            struct fs_share_job_info ji;
            if (fs_share_job_info(sh, ids[k], &ji) == FS_OK && ji.state == FS_JOB_ACTIVE &&
                ji.data == (void *)(intptr_t)(k + 1)) {
                expect[nodeof[k]] += ji.demand[FS_SHARE_CPU] * ji.done;
                if (gw[k] != 0.0)
                    expect_g[nodeof[k]] += ji.demand[FS_SHARE_GPU] * ji.done;
                cw[k] = gw[k] = 0.0;
                CHECK_EQ_I(fs_share_cancel(sh, ids[k]), FS_OK);
            }
        }
        CHECK_EQ_I(drive_until(&sim, sim.now + (double)fs_test_below(100) / 200.0), FS_OK);
        if (!CHECK_MSG(fs_share_valid(sh), "invalid at step %d", step))
            break;
    }
    CHECK_EQ_I(drive_until(&sim, INFINITY), FS_OK);
    CHECK_EQ_I(fs_share_job_count(sh), 0);
    for (int k = 0; k < started; k++) {
        expect[nodeof[k]] += cw[k];
        expect_g[nodeof[k]] += gw[k];
    }
    for (int n = 1; gpu && n <= 2; n++) {
        struct fs_share_node_info ni;
        CHECK_EQ_I(fs_share_node_info(sh, n, FS_SHARE_GPU, &ni), FS_OK);
        CHECK(expect_g[n] > 0.0);
        CHECK_MSG(fabs(ni.used_int - expect_g[n]) <= 1e-9 * expect_g[n], "node %d gpu: used %.17g, work %.17g", n,
                  ni.used_int, expect_g[n]);
        CHECK(ni.used_int <= ni.busy * ni.capacity * (1 + 1e-12));
    }
    /* every job is in one of 3 groups: their excess claims add up to the
     * nodes' (both integrate sum c * (1 - r)), and idle groups hold 0 */
    double gsum = 0.0, nsum = 0.0;
    for (int g = 0; g < 3; g++) {
        double gx, gi, gl;
        if (gpu) { /* the gpu's too */
            fs_share_group_excess(sh, g, FS_SHARE_GPU, &gx, &gi, &gl);
            CHECK_EQ_D(gx, 0.0);
        }
        fs_share_group_excess(sh, g, FS_SHARE_CPU, &gx, &gi, &gl);
        CHECK_EQ_D(gx, 0.0);
        gsum += gi;
    }
    for (int n = 0; n < NODES; n++) {
        struct fs_share_node_info ni;
        CHECK_EQ_I(fs_share_node_info(sh, n, FS_SHARE_CPU, &ni), FS_OK);
        nsum += ni.excess_int;
    }
    CHECK(nsum > 0.0);
    CHECK_MSG(fabs(gsum - nsum) <= 1e-9 * nsum, "groups %.17g, nodes %.17g", gsum, nsum);
    for (int n = 0; n < NODES; n++) {
        struct fs_share_node_info ni;
        CHECK_EQ_I(fs_share_node_info(sh, n, FS_SHARE_CPU, &ni), FS_OK);
        CHECK_MSG(fabs(ni.used_int - expect[n]) <= 1e-9 * expect[n], "node %d: used %.17g, work %.17g", n, ni.used_int,
                  expect[n]);
        CHECK(ni.used_int <= ni.busy * ni.capacity * (1 + 1e-12));
        CHECK_EQ_D(ni.demand, 0.0);
    }
    fs_share_free(sh);
    fs_sim_free(&sim);
}

static void test_random(void)
{
    random_run(0);
}

static void test_random_cpu_and_gpu(void)
{
    random_run(1);
}

void fs_test_share_suite(void)
{
    RUN_TEST(test_two_equal_share_one_core);
    RUN_TEST(test_unequal_proportional);
    RUN_TEST(test_unequal_equal_shares);
    RUN_TEST(test_under_capacity_exact);
    RUN_TEST(test_zero_work_and_zero_demand);
    RUN_TEST(test_cancel_speeds_up_others);
    RUN_TEST(test_reconfigure_and_callbacks);
    RUN_TEST(test_cpu_and_gpu);
    RUN_TEST(test_errors);
    RUN_TEST(test_random);
    RUN_TEST(test_random_cpu_and_gpu);
}
