/* Unit tests for csrc/engine/fs_net.{h,c}: hand-computed max-min
 * allocations, exact durations, conservation, completion order, errors,
 * and a randomized differential test against a plain full-recomputation
 * progressive filling written here. */
#include "fs_test.h"

#include "../engine/fs_net.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAXF 512

/* What the completion callback saw. */
struct rec {
    int n;
    int32_t id[MAXF];
    double t[MAXF];
    uint64_t seq[MAXF];
    double sent[MAXF];
    void *data[MAXF];
    int fail_at; /* return FS_EINVAL at this report (-1: never) */
};

static int on_done(void *ctx, struct fs_net *net, int32_t flow, void *data)
{
    struct rec *r = ctx;
    struct fs_net_flow_info fi;
    CHECK_EQ_I(fs_net_flow_info(net, flow, &fi), FS_OK);
    CHECK_EQ_I(fi.state, FS_FLOW_DONE);
    if (r->n < MAXF) {
        r->id[r->n] = flow;
        r->t[r->n] = fi.end;
        r->seq[r->n] = fi.seq;
        r->sent[r->n] = fi.sent;
        r->data[r->n] = data;
    }
    r->n++;
    if (r->n - 1 == r->fail_at)
        return FS_EINVAL;
    return FS_OK;
}

/* Run the queue until empty or until time `until` (entries at until run). */
static int drive_until(struct fs_sim *sim, double until)
{
    struct fs_entry e;
    int pops = 0;
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

static int32_t start(struct fs_net *net, const int32_t *links, int n, double size, double cap, double g, double setup,
                     void *data)
{
    struct fs_net_flow_spec s = {links, n, size, cap, g, setup, data, NULL, NULL};
    int32_t id = -1;
    int rc = fs_net_start(net, &s, &id);
    CHECK_EQ_I(rc, FS_OK);
    return id;
}

static double rate_of(struct fs_net *net, int32_t id)
{
    struct fs_net_flow_info fi;
    if (fs_net_flow_info(net, id, &fi) != FS_OK)
        return -1.0;
    return fi.rate;
}

static int close_rel(double a, double b, double tol)
{
    return fabs(a - b) <= tol * fmax(1.0, fmax(fabs(a), fabs(b)));
}

#define CHECK_CLOSE(a, b) CHECK_MSG(close_rel((a), (b), 1e-9), "%.17g !~ %.17g", (double)(a), (double)(b))

/* ------------------------------------------------------------------ */

static void test_single_bottleneck(void)
{
    struct fs_sim sim;
    struct rec r = {.fail_at = -1};
    fs_sim_init(&sim, 0.0);
    struct fs_net *net = fs_net_new(&sim, on_done, &r);
    int32_t l = fs_net_add_link(net, 30.0);
    CHECK_EQ_I(l, 0);
    /* three flows of 10, 20, 40 bytes share 30 B/s: 10 B/s each until the
     * first ends at t=1, then 15 B/s each: the second ends at 1 + 10/15,
     * then the third alone at 30 B/s: 40 - 10 - 10 = 20 left at 5/3, done
     * at 5/3 + 20/30 = 7/3. */
    int32_t a = start(net, &l, 1, 10.0, INFINITY, 1.0, 0.0, NULL);
    int32_t b = start(net, &l, 1, 20.0, INFINITY, 1.0, 0.0, NULL);
    int32_t c = start(net, &l, 1, 40.0, INFINITY, 1.0, 0.0, NULL);
    CHECK_EQ_D(rate_of(net, a), 10.0);
    CHECK_EQ_D(rate_of(net, b), 10.0);
    CHECK_EQ_D(rate_of(net, c), 10.0);
    CHECK(fs_net_valid(net));
    CHECK_EQ_U(fs_net_queued(net), 1);
    CHECK_EQ_I(drive_until(&sim, INFINITY), FS_OK);
    CHECK_EQ_I(r.n, 3);
    CHECK_EQ_I(r.id[0], a);
    CHECK_EQ_I(r.id[1], b);
    CHECK_EQ_I(r.id[2], c);
    CHECK_EQ_D(r.t[0], 1.0);
    CHECK_CLOSE(r.t[1], 5.0 / 3.0);
    CHECK_CLOSE(r.t[2], 7.0 / 3.0);
    CHECK_EQ_D(r.sent[0], 10.0);
    CHECK_EQ_D(r.sent[2], 40.0);
    struct fs_net_link_info li;
    CHECK_EQ_I(fs_net_link_info(net, l, &li), FS_OK);
    CHECK_CLOSE(li.bytes, 70.0);
    CHECK_CLOSE(li.busy, 7.0 / 3.0);
    CHECK_CLOSE(li.util, 7.0 / 3.0); /* saturated the whole time */
    CHECK_EQ_I(li.nflows, 0);
    CHECK_EQ_I(fs_net_flow_count(net), 0);
    CHECK(fs_net_valid(net));
    fs_net_free(net);
    fs_sim_free(&sim);
}

/* Parking lot: a long flow over links 0..n-1 (bandwidth 1 each) and one
 * short flow per link: every flow gets 1/2. With link k at bandwidth 1 + k
 * instead: link 0 is the bottleneck of the long flow (1/2), the short flow
 * of link k gets (1 + k) - 1/2. */
static void test_parking_lot(void)
{
    enum { N = 6 };
    struct fs_sim sim;
    struct rec r = {.fail_at = -1};
    fs_sim_init(&sim, 0.0);
    struct fs_net *net = fs_net_new(&sim, on_done, &r);
    int32_t links[N], shorts[N];
    for (int k = 0; k < N; k++)
        links[k] = fs_net_add_link(net, 1.0 + k);
    int32_t lng = start(net, links, N, 100.0, INFINITY, 1.0, 0.0, NULL);
    CHECK_EQ_D(rate_of(net, lng), 1.0);
    for (int k = 0; k < N; k++)
        shorts[k] = start(net, &links[k], 1, 100.0, INFINITY, 1.0, 0.0, NULL);
    CHECK_EQ_D(rate_of(net, lng), 0.5);
    for (int k = 0; k < N; k++)
        CHECK_EQ_D(rate_of(net, shorts[k]), 1.0 + k - 0.5);
    CHECK(fs_net_valid(net));
    /* uniform bandwidth 1: everyone 1/2 */
    for (int k = 0; k < N; k++)
        CHECK_EQ_I(fs_net_set_bandwidth(net, links[k], 1.0), FS_OK);
    CHECK_EQ_D(rate_of(net, lng), 0.5);
    for (int k = 0; k < N; k++)
        CHECK_EQ_D(rate_of(net, shorts[k]), 0.5);
    /* the short flow of link 0 leaves: the long flow is still held to 1/2
     * by links 1.. */
    CHECK_EQ_I(fs_net_cancel(net, shorts[0]), FS_OK);
    CHECK_EQ_D(rate_of(net, lng), 0.5);
    /* all short flows leave: the long one gets 1 */
    for (int k = 1; k < N; k++)
        CHECK_EQ_I(fs_net_cancel(net, shorts[k]), FS_OK);
    CHECK_EQ_D(rate_of(net, lng), 1.0);
    CHECK_EQ_I(fs_net_cancel(net, shorts[1]), FS_NET_EFLOW);
    CHECK(fs_net_valid(net));
    fs_net_free(net);
    fs_sim_free(&sim);
}

/* Caps act as private links; the capacity a capped flow leaves is shared by
 * the others. Link 100: caps 10 and 20 and two uncapped flows: 10, 20, 35,
 * 35. A flow capped above its fair share is not limited. */
static void test_caps(void)
{
    struct fs_sim sim;
    struct rec r = {.fail_at = -1};
    fs_sim_init(&sim, 0.0);
    struct fs_net *net = fs_net_new(&sim, on_done, &r);
    int32_t l = fs_net_add_link(net, 100.0);
    int32_t a = start(net, &l, 1, 1e3, 10.0, 1.0, 0.0, NULL);
    int32_t b = start(net, &l, 1, 1e3, 20.0, 1.0, 0.0, NULL);
    int32_t c = start(net, &l, 1, 1e3, INFINITY, 1.0, 0.0, NULL);
    int32_t d = start(net, &l, 1, 1e3, 50.0, 1.0, 0.0, NULL);
    CHECK_EQ_D(rate_of(net, a), 10.0);
    CHECK_EQ_D(rate_of(net, b), 20.0);
    CHECK_EQ_D(rate_of(net, c), 35.0);
    CHECK_EQ_D(rate_of(net, d), 35.0);
    /* a local transfer (no links) runs at its cap: 8 bytes at 4 B/s x 0.5
     * goodput take 4 s; without a cap it completes at once */
    int32_t e = start(net, NULL, 0, 8.0, 4.0, 0.5, 0.0, NULL);
    CHECK_EQ_D(rate_of(net, e), 4.0);
    int32_t f = start(net, NULL, 0, 8.0, INFINITY, 1.0, 0.0, NULL);
    CHECK_EQ_I(drive_until(&sim, 0.0), FS_OK);
    CHECK_EQ_I(r.n, 1);
    CHECK_EQ_I(r.id[0], f);
    CHECK_EQ_D(r.t[0], 0.0);
    CHECK_EQ_I(drive_until(&sim, 4.0), FS_OK);
    CHECK_EQ_I(r.n, 2);
    CHECK_EQ_I(r.id[1], e);
    CHECK_EQ_D(r.t[1], 4.0);
    CHECK(fs_net_valid(net));
    fs_net_free(net);
    fs_sim_free(&sim);
}

/* Flows that leave early make the others faster; a lone flow's duration is
 * exactly size / (bw * g), set-up added. */
static void test_leave_early_and_exact(void)
{
    struct fs_sim sim;
    struct rec r = {.fail_at = -1};
    fs_sim_init(&sim, 0.25);
    struct fs_net *net = fs_net_new(&sim, on_done, &r);
    int32_t up = fs_net_add_link(net, 12.5e6);
    int32_t down = fs_net_add_link(net, 1.0e8);
    int32_t route[2] = {up, down};
    double size = 123456789.0, g = 0.97, setup = 0.0123;
    int32_t lone = start(net, route, 2, size, INFINITY, g, setup, (void *)&r);
    struct fs_net_flow_info fi;
    CHECK_EQ_I(fs_net_flow_info(net, lone, &fi), FS_OK);
    CHECK_EQ_I(fi.state, FS_FLOW_PENDING);
    CHECK_EQ_D(fi.start, 0.25 + setup);
    CHECK_EQ_I(drive_until(&sim, INFINITY), FS_OK);
    CHECK_EQ_I(r.n, 1);
    CHECK_EQ_D(r.t[0], (0.25 + setup) + size / (12.5e6 * g));
    CHECK(r.data[0] == (void *)&r);
    CHECK_EQ_D(r.sent[0], size);

    /* two flows on `up`: the short one ends at t0 + 2 * 1e6 / 12.5e6, the
     * long one then runs alone: t0 + (3e6 - 1e6) / 12.5e6 + 2e6 / 12.5e6
     * ... i.e. both shared 6.25e6 until the first finished with 1e6 */
    r.n = 0;
    double t0 = sim.now;
    int32_t s1 = start(net, &up, 1, 1e6, INFINITY, 1.0, 0.0, NULL);
    int32_t s2 = start(net, &up, 1, 3e6, INFINITY, 1.0, 0.0, NULL);
    CHECK_EQ_D(rate_of(net, s1), 6.25e6);
    CHECK_EQ_I(drive_until(&sim, t0 + 0.16), FS_OK);
    CHECK_EQ_I(r.n, 1);
    CHECK_EQ_D(rate_of(net, s2), 12.5e6);
    CHECK_EQ_I(fs_net_flow_info(net, s2, &fi), FS_OK);
    CHECK_CLOSE(fi.sent, 1e6);
    CHECK_EQ_I(drive_until(&sim, INFINITY), FS_OK);
    CHECK_EQ_I(r.n, 2);
    CHECK_CLOSE(r.t[1], t0 + 0.16 + 2e6 / 12.5e6);
    CHECK_EQ_D(r.sent[1], 3e6);
    fs_net_free(net);
    fs_sim_free(&sim);
}

/* Flows due at one instant are reported in start order; a failing callback
 * stops the reports and the rest come with the next entry at the same
 * time. Zero-size flows complete at once without taking a share. */
static void test_completion_order_and_failure(void)
{
    struct fs_sim sim;
    struct rec r = {.fail_at = 1};
    fs_sim_init(&sim, 0.0);
    struct fs_net *net = fs_net_new(&sim, on_done, &r);
    int32_t l = fs_net_add_link(net, 4.0);
    int32_t ids[4];
    for (int i = 0; i < 4; i++)
        ids[i] = start(net, &l, 1, 2.0, INFINITY, 1.0, 0.0, NULL);
    int32_t z = start(net, &l, 1, 0.0, INFINITY, 1.0, 0.0, NULL);
    CHECK_EQ_D(rate_of(net, ids[0]), 1.0); /* the empty flow takes no share */
    CHECK_EQ_I(drive_until(&sim, 0.0), FS_OK);
    CHECK_EQ_I(r.n, 1);
    CHECK_EQ_I(r.id[0], z);
    CHECK_EQ_I(drive_until(&sim, INFINITY), FS_EINVAL); /* second report fails */
    CHECK_EQ_I(r.n, 2);
    CHECK_EQ_D(sim.now, 2.0);
    CHECK_EQ_U(fs_net_queued(net), 1); /* re-armed at now */
    CHECK(fs_net_valid(net));
    CHECK_EQ_I(drive_until(&sim, INFINITY), FS_OK);
    CHECK_EQ_I(r.n, 5);
    for (int i = 0; i < 4; i++) {
        CHECK_EQ_I(r.id[1 + i], ids[i]);
        CHECK_EQ_D(r.t[1 + i], 2.0);
    }
    fs_net_free(net);
    fs_sim_free(&sim);
}

/* A flow started with its own callback is reported to it, not to the
 * net's; both kinds keep the order (completion time, start order). */
static void test_per_flow_callback(void)
{
    struct fs_sim sim;
    struct rec net_rec = {.fail_at = -1}, own = {.fail_at = -1};
    fs_sim_init(&sim, 0.0);
    struct fs_net *net = fs_net_new(&sim, on_done, &net_rec);
    int32_t l = fs_net_add_link(net, 2.0);
    int32_t a = start(net, &l, 1, 1.0, INFINITY, 1.0, 0.0, NULL);
    struct fs_net_flow_spec s = {&l, 1, 1.0, INFINITY, 1.0, 0.0, &own, on_done, &own};
    int32_t b;
    CHECK_EQ_I(fs_net_start(net, &s, &b), FS_OK);
    CHECK_EQ_I(drive_until(&sim, INFINITY), FS_OK);
    CHECK_EQ_I(net_rec.n, 1);
    CHECK_EQ_I(net_rec.id[0], a);
    CHECK_EQ_I(own.n, 1);
    CHECK_EQ_I(own.id[0], b);
    CHECK(own.data[0] == &own);
    CHECK_EQ_D(own.t[0], 1.0);
    fs_net_free(net);
    fs_sim_free(&sim);
}

/* A flow due now that is disturbed by a start at the same instant, before
 * the net's entry runs, still completes now with nothing left. */
static void test_due_flow_disturbed(void)
{
    struct fs_sim sim;
    struct rec r = {.fail_at = -1};
    fs_sim_init(&sim, 0.0);
    struct fs_net *net = fs_net_new(&sim, on_done, &r);
    int32_t l = fs_net_add_link(net, 3.0);
    int32_t a = start(net, &l, 1, 0.1 * 3, INFINITY, 1.0, 0.0, NULL);
    sim.now = fs_net_next_time(net); /* as if another entry ran first */
    int32_t b = start(net, &l, 1, 1.0, INFINITY, 1.0, 0.0, NULL);
    struct fs_net_flow_info fi;
    CHECK_EQ_I(fs_net_flow_info(net, a, &fi), FS_OK);
    CHECK_EQ_D(fi.sent, fi.size);
    CHECK_EQ_D(fi.eta, sim.now);
    CHECK_EQ_I(drive_until(&sim, sim.now), FS_OK);
    CHECK_EQ_I(r.n, 1);
    CHECK_EQ_I(r.id[0], a);
    CHECK_EQ_D(rate_of(net, b), 3.0);
    CHECK_EQ_I(drive_until(&sim, INFINITY), FS_OK);
    CHECK_EQ_I(r.n, 2);
    fs_net_free(net);
    fs_sim_free(&sim);
}

static void test_errors(void)
{
    struct fs_sim sim;
    struct rec r = {.fail_at = -1};
    fs_sim_init(&sim, 0.0);
    struct fs_net *net = fs_net_new(&sim, on_done, &r);
    CHECK_EQ_I(fs_net_add_link(net, 0.0), FS_EINVAL);
    CHECK_EQ_I(fs_net_add_link(net, -1.0), FS_EINVAL);
    CHECK_EQ_I(fs_net_add_link(net, NAN), FS_EINVAL);
    CHECK_EQ_I(fs_net_add_link(net, INFINITY), FS_EINVAL);
    CHECK_EQ_I(fs_net_link_count(net), 0);
    int32_t l0 = fs_net_add_link(net, 10.0), l1 = fs_net_add_link(net, 10.0);
    CHECK_EQ_I(fs_net_set_bandwidth(net, 2, 1.0), FS_NET_ELINK);
    CHECK_EQ_I(fs_net_set_bandwidth(net, l0, 0.0), FS_EINVAL);
    CHECK_EQ_I(fs_net_set_bandwidth(net, l0, NAN), FS_EINVAL);
    int32_t id = 77;
    int32_t good[2] = {l0, l1}, dup[2] = {l1, l1}, bad[2] = {l0, 5}, neg[1] = {-1};
    struct fs_net_flow_spec base = {good, 2, 1.0, INFINITY, 1.0, 0.0, NULL, NULL, NULL};
    struct fs_net_flow_spec s;
    double sizes[] = {NAN, -1.0, INFINITY};
    for (int i = 0; i < 3; i++) {
        s = base;
        s.size = sizes[i];
        CHECK_EQ_I(fs_net_start(net, &s, &id), FS_EINVAL);
    }
    double caps[] = {0.0, -1.0, NAN};
    for (int i = 0; i < 3; i++) {
        s = base;
        s.cap = caps[i];
        CHECK_EQ_I(fs_net_start(net, &s, &id), FS_EINVAL);
    }
    double gs[] = {0.0, 1.5, NAN, -0.5};
    for (int i = 0; i < 4; i++) {
        s = base;
        s.goodput = gs[i];
        CHECK_EQ_I(fs_net_start(net, &s, &id), FS_EINVAL);
    }
    double setups[] = {-1.0, NAN, INFINITY};
    for (int i = 0; i < 3; i++) {
        s = base;
        s.setup = setups[i];
        CHECK_EQ_I(fs_net_start(net, &s, &id), FS_EINVAL);
    }
    s = base;
    s.links = dup;
    CHECK_EQ_I(fs_net_start(net, &s, &id), FS_NET_EDUPLINK);
    s.links = bad;
    CHECK_EQ_I(fs_net_start(net, &s, &id), FS_NET_ELINK);
    s.links = neg;
    s.nlinks = 1;
    CHECK_EQ_I(fs_net_start(net, &s, &id), FS_NET_ELINK);
    s = base;
    s.nlinks = -1;
    CHECK_EQ_I(fs_net_start(net, &s, &id), FS_EINVAL);
    CHECK_EQ_I(id, 77); /* untouched */
    CHECK_EQ_I(fs_net_flow_count(net), 0);
    CHECK_EQ_U(fs_net_queued(net), 0);
    CHECK_EQ_I(fs_net_cancel(net, 0), FS_NET_EFLOW);
    CHECK_EQ_I(fs_net_cancel(net, -3), FS_NET_EFLOW);
    struct fs_net_flow_info fi;
    CHECK_EQ_I(fs_net_flow_info(net, 0, &fi), FS_NET_EFLOW);
    struct fs_net_link_info li;
    CHECK_EQ_I(fs_net_link_info(net, 9, &li), FS_NET_ELINK);
    CHECK_EQ_I(fs_net_set_min_rate(net, -1.0), FS_EINVAL);
    CHECK(fs_net_valid(net));
    fs_net_free(net);
    fs_sim_free(&sim);
}

/* Set-up delays, cancelling a pending flow, the low-bandwidth flag and
 * accounting of busy time with gaps. */
static void test_setup_cancel_low(void)
{
    struct fs_sim sim;
    struct rec r = {.fail_at = -1};
    fs_sim_init(&sim, 0.0);
    struct fs_net *net = fs_net_new(&sim, on_done, &r);
    int32_t l = fs_net_add_link(net, 10.0);
    CHECK_EQ_I(fs_net_set_min_rate(net, 6.0), FS_OK);
    int32_t a = start(net, &l, 1, 10.0, INFINITY, 1.0, 1.0, NULL); /* runs on [1, 2] */
    int32_t b = start(net, &l, 1, 10.0, INFINITY, 1.0, 0.5, NULL); /* cancelled */
    CHECK_EQ_I(fs_net_cancel(net, b), FS_OK);
    CHECK_EQ_I(drive_until(&sim, 5.0), FS_OK);
    CHECK_EQ_I(r.n, 1);
    CHECK_EQ_I(r.id[0], a);
    CHECK_EQ_D(r.t[0], 2.0);
    CHECK_EQ_U(fs_net_low_count(net), 0);
    int32_t c = start(net, &l, 1, 10.0, INFINITY, 1.0, 0.0, NULL); /* [5, 7] with d */
    int32_t d = start(net, &l, 1, 10.0, INFINITY, 1.0, 0.0, NULL);
    CHECK_EQ_U(fs_net_low_count(net), 2); /* 5 B/s each, below 6 */
    struct fs_net_flow_info fi;
    CHECK_EQ_I(fs_net_flow_info(net, c, &fi), FS_OK);
    CHECK(fi.low);
    CHECK_EQ_I(drive_until(&sim, INFINITY), FS_OK);
    CHECK_EQ_I(r.n, 3);
    CHECK_EQ_D(r.t[1], 7.0);
    CHECK_EQ_I(r.id[2], d);
    struct fs_net_link_info li;
    CHECK_EQ_I(fs_net_link_info(net, l, &li), FS_OK);
    CHECK_EQ_D(li.busy, 3.0);
    CHECK_EQ_D(li.bytes, 30.0);
    CHECK_EQ_D(li.util, 3.0);
    sim.now = 10.0;
    CHECK_EQ_I(fs_net_link_info(net, l, &li), FS_OK);
    CHECK_EQ_D(li.busy, 3.0);
    /* many flows setting up over one link join it when their set-up ends
     * (room is reserved for every pending flow); one is cancelled while
     * pending: 39 flows of 1 byte share 10 B/s from 10.5 on */
    r.n = 0;
    int32_t pend[40];
    for (int i = 0; i < 40; i++)
        pend[i] = start(net, &l, 1, 1.0, INFINITY, 1.0, i < 20 ? 0.5 : 0.25, NULL);
    CHECK_EQ_I(fs_net_cancel(net, pend[3]), FS_OK);
    CHECK(fs_net_valid(net));
    CHECK_EQ_I(drive_until(&sim, 10.4), FS_OK);
    CHECK_EQ_D(rate_of(net, pend[39]), 0.5); /* 20 flows from 10.25 on */
    CHECK_EQ_I(drive_until(&sim, INFINITY), FS_OK);
    CHECK_EQ_I(r.n, 39);
    CHECK(fs_net_valid(net));
    fs_net_free(net);
    fs_sim_free(&sim);
}

/* ------------------------------------------------------------------ */
/* randomized differential test against full recomputation               */

#define RL 8
#define RF 64

struct ref_flow {
    int live;
    int32_t eng; /* engine id */
    int n;
    int32_t links[4];
    double size, rem, cap, g, rate;
    double integ, seg_t, seg_rate; /* the engine's bytes, segment by segment */
};

/* Plain progressive filling over every live flow (no components, no heap). */
static void ref_fill(struct ref_flow *fl, int nf, const double *bw, int nl)
{
    double resid[RL];
    int nun[RL];
    int frozen[RF];
    for (int l = 0; l < nl; l++) {
        resid[l] = bw[l];
        nun[l] = 0;
    }
    int remaining = 0;
    for (int i = 0; i < nf; i++) {
        frozen[i] = !fl[i].live;
        if (!fl[i].live)
            continue;
        if (fl[i].n == 0) {
            fl[i].rate = fl[i].cap;
            frozen[i] = 1;
            continue;
        }
        remaining++;
        for (int k = 0; k < fl[i].n; k++)
            nun[fl[i].links[k]]++;
    }
    while (remaining > 0) {
        double best = INFINITY;
        int bl = -1, bf = -1;
        for (int l = 0; l < nl; l++)
            if (nun[l] > 0 && fmax(resid[l], 0.0) / nun[l] < best) {
                best = fmax(resid[l], 0.0) / nun[l];
                bl = l;
            }
        for (int i = 0; i < nf; i++)
            if (!frozen[i] && fl[i].cap < best) {
                best = fl[i].cap;
                bf = i;
                bl = -1;
            }
        for (int i = 0; i < nf; i++) {
            if (frozen[i])
                continue;
            int hit = i == bf;
            for (int k = 0; k < fl[i].n && bl >= 0; k++)
                hit |= fl[i].links[k] == bl;
            if (!hit)
                continue;
            frozen[i] = 1;
            fl[i].rate = best;
            remaining--;
            for (int k = 0; k < fl[i].n; k++) {
                resid[fl[i].links[k]] -= best;
                nun[fl[i].links[k]]--;
            }
        }
    }
}

struct diff_cb {
    struct fs_sim *sim;
    double *done_t; /* engine completion time by reference index */
};

static int diff_done(void *ctx, struct fs_net *net, int32_t flow, void *data)
{
    (void)net;
    (void)flow;
    struct diff_cb *c = ctx;
    c->done_t[(intptr_t)data] = c->sim->now;
    return FS_OK;
}

/* Account the bytes of every live engine flow up to now and refresh the
 * recorded rates. */
static void sample_rates(struct fs_net *net, struct ref_flow *fl, int nf, double now, const double *done_t)
{
    for (int i = 0; i < nf; i++) {
        if (fl[i].eng < 0)
            continue;
        struct ref_flow *f = &fl[i];
        if (done_t[i] >= 0.0) {     /* finished: last segment up to its end */
            if (isinf(f->seg_rate)) /* an instant local transfer */
                f->integ = f->size;
            else if (done_t[i] > f->seg_t)
                f->integ += f->seg_rate * f->g * (done_t[i] - f->seg_t);
            f->eng = -1;
            CHECK_MSG(close_rel(f->integ, f->size, 1e-9),
                      "flow %d: bytes %.17g vs size %.17g (n %d cap %g g %g end %g)", i, f->integ, f->size, f->n,
                      f->cap, f->g, done_t[i]);
            continue;
        }
        if (now > f->seg_t)
            f->integ += f->seg_rate * f->g * (now - f->seg_t);
        f->seg_t = now;
        f->seg_rate = rate_of(net, f->eng);
    }
}

static void diff_one(int case_no)
{
    struct fs_sim sim;
    fs_sim_init(&sim, 0.0);
    struct ref_flow fl[RF];
    double done_t[RF], ref_t[RF];
    struct diff_cb cbctx = {&sim, done_t};
    struct fs_net *net = fs_net_new(&sim, diff_done, &cbctx);
    int nl = 1 + (int)fs_test_below(RL);
    double bw[RL];
    for (int l = 0; l < nl; l++) {
        bw[l] = 1.0 + (double)fs_test_below(100);
        CHECK_EQ_I(fs_net_add_link(net, bw[l]), l);
    }
    int nops = 10 + (int)fs_test_below(40);
    int nf = 0;
    double t = 0.0, ref_now = 0.0;
    memset(fl, 0, sizeof fl);
    for (int i = 0; i < RF; i++) {
        done_t[i] = -1.0;
        ref_t[i] = -1.0;
        fl[i].eng = -1;
    }
    for (int op = 0; op <= nops; op++) {
        /* irrational steps: no operation coincides with a completion */
        double ta = op == nops ? INFINITY : t + (double)(1 + fs_test_below(1000)) * 0.0037 * 1.4142135623730951;
        /* reference: complete flows due before ta, in time order */
        for (int guard = 0;; guard++) {
            if (!CHECK_MSG(guard < 10 * RF, "case %d: reference loop does not end", case_no)) {
                for (int i = 0; i < nf; i++)
                    if (fl[i].live)
                        fprintf(stderr, "%d: n %d rem %g rate %g g %g now %g\n", i, fl[i].n, fl[i].rem, fl[i].rate,
                                fl[i].g, ref_now);
                goto out;
            }
            double best = INFINITY;
            for (int i = 0; i < nf; i++)
                if (fl[i].live) {
                    double eff = fl[i].rate * fl[i].g;
                    double tc = fl[i].rem <= 0.0 ? ref_now : ref_now + fl[i].rem / eff;
                    if (tc < best)
                        best = tc;
                }
            if (!isfinite(best) || !(best <= ta))
                break;
            for (int i = 0; i < nf; i++)
                if (fl[i].live) {
                    double eff = fl[i].rate * fl[i].g;
                    double tc = fl[i].rem <= 0.0 ? ref_now : ref_now + fl[i].rem / eff;
                    if (tc <= best * (1 + 1e-12) + 1e-300) {
                        fl[i].live = 0;
                        ref_t[i] = best;
                    }
                    else
                        fl[i].rem -= (best - ref_now) * eff;
                }
            ref_now = best;
            ref_fill(fl, nf, bw, nl);
        }
        /* engine: run the queue up to ta, sampling rates at every entry */
        struct fs_entry e;
        while (sim.queue.len && sim.queue.heap[0].time <= ta) {
            fs_queue_pop(&sim.queue, &e);
            sim.now = e.time;
            CHECK_EQ_I(e.fn(&sim, e.data), FS_OK);
            sample_rates(net, fl, nf, sim.now, done_t);
        }
        if (op == nops)
            break;
        for (int i = 0; i < nf; i++)
            if (fl[i].live) {
                fl[i].rem -= (ta - ref_now) * fl[i].rate * fl[i].g;
                if (fl[i].rem < 0.0)
                    fl[i].rem = 0.0;
            }
        ref_now = ta;
        sim.now = ta;
        t = ta;
        sample_rates(net, fl, nf, sim.now, done_t);
        /* an operation: start (mostly), cancel, or change a bandwidth */
        uint64_t what = fs_test_below(10);
        int live_idx[RF], nlive = 0;
        for (int i = 0; i < nf; i++)
            if (fl[i].live && fl[i].eng >= 0 && done_t[i] < 0.0)
                live_idx[nlive++] = i;
        if (what < 7 && nf < RF) {
            struct ref_flow *f = &fl[nf];
            f->n = (int)fs_test_below(nl < 4 ? (uint64_t)nl + 1 : 5);
            int used[RL] = {0};
            for (int k = 0; k < f->n; k++) {
                int32_t l;
                do
                    l = (int32_t)fs_test_below((uint64_t)nl);
                while (used[l]);
                used[l] = 1;
                f->links[k] = l;
            }
            f->size = fs_test_below(8) == 0 ? 0.0 : (double)(1 + fs_test_below(4000)) / 16.0;
            f->cap = fs_test_below(3) == 0 ? (double)(1 + fs_test_below(60)) : INFINITY;
            if (f->n == 0 && !isfinite(f->cap) && fs_test_below(2))
                f->cap = 7.0;
            f->g = fs_test_below(2) ? 1.0 : 0.5 + (double)fs_test_below(50) / 100.0;
            f->rem = f->size;
            f->live = 1;
            struct fs_net_flow_spec s = {f->links, f->n, f->size, f->cap, f->g, 0.0, (void *)(intptr_t)nf, NULL, NULL};
            CHECK_EQ_I(fs_net_start(net, &s, &f->eng), FS_OK);
            f->seg_t = ta;
            f->seg_rate = rate_of(net, f->eng);
            if (f->size == 0.0 || (f->n == 0 && isinf(f->cap))) { /* done at once, no share */
                f->live = 0;
                ref_t[nf] = ta;
            }
            nf++;
        }
        else if (what < 9 && nlive > 0) {
            int i = live_idx[fs_test_below((uint64_t)nlive)];
            struct fs_net_flow_info fi;
            CHECK_EQ_I(fs_net_flow_info(net, fl[i].eng, &fi), FS_OK);
            /* the engine's bytes so far match the reference's */
            CHECK_MSG(close_rel(fi.sent, fl[i].size - fl[i].rem, 1e-9), "case %d sent %.17g vs %.17g", case_no, fi.sent,
                      fl[i].size - fl[i].rem);
            CHECK_EQ_I(fs_net_cancel(net, fl[i].eng), FS_OK);
            fl[i].live = 0;
            fl[i].eng = -1;
            ref_t[i] = -2.0;
            done_t[i] = -2.0;
        }
        else {
            int32_t l = (int32_t)fs_test_below((uint64_t)nl);
            bw[l] = 1.0 + (double)fs_test_below(100);
            CHECK_EQ_I(fs_net_set_bandwidth(net, l, bw[l]), FS_OK);
        }
        ref_fill(fl, nf, bw, nl);
        sample_rates(net, fl, nf, sim.now, done_t);
        /* rates agree with the full recomputation */
        for (int i = 0; i < nf; i++)
            if (fl[i].live && fl[i].eng >= 0 && done_t[i] < 0.0) {
                double er = rate_of(net, fl[i].eng);
                if (!CHECK_MSG(close_rel(er, fl[i].rate, 1e-9) || (isinf(er) && isinf(fl[i].rate)),
                               "case %d op %d flow %d rate %.17g vs ref %.17g", case_no, op, i, er, fl[i].rate))
                    goto out;
            }
        if (!CHECK_MSG(fs_net_valid(net), "case %d op %d: invalid", case_no, op))
            goto out;
    }
    for (int i = 0; i < nf; i++) {
        if (ref_t[i] == -2.0)
            continue;
        CHECK_MSG(ref_t[i] >= 0.0 && done_t[i] >= 0.0, "case %d flow %d not finished (%g %g)", case_no, i, ref_t[i],
                  done_t[i]);
        CHECK_MSG(close_rel(ref_t[i], done_t[i], 1e-9), "case %d flow %d end %.17g vs ref %.17g", case_no, i, done_t[i],
                  ref_t[i]);
    }
    CHECK_EQ_I(fs_net_flow_count(net), 0);
out:
    fs_net_free(net);
    fs_sim_free(&sim);
}

static void test_differential(void)
{
    for (int c = 0; c < 3000 && !fs_test_cur_failed; c++)
        diff_one(c);
}

void fs_test_net_suite(void)
{
    RUN_TEST(test_single_bottleneck);
    RUN_TEST(test_parking_lot);
    RUN_TEST(test_caps);
    RUN_TEST(test_leave_early_and_exact);
    RUN_TEST(test_completion_order_and_failure);
    RUN_TEST(test_per_flow_callback);
    RUN_TEST(test_due_flow_disturbed);
    RUN_TEST(test_errors);
    RUN_TEST(test_setup_cancel_low);
    RUN_TEST(test_differential);
}
