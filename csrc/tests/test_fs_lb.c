/* Unit tests for csrc/engine/fs_lb.{h,c}.
 *
 * Round robin is checked against a small reference model of faas-sim
 * (sim/faas/system.py and core.py), written here from its Python: a
 * function's replicas in deployment order with their states, the running
 * list as that list filtered by RUNNING, RoundRobinLoadBalancer's
 * per-function counter (i = counter % len; counter = (i + 1) % len), and
 * DefaultFaasSystem.invoke, which consults the load balancer only when more
 * than one replica runs. Smooth weighted round robin is checked against
 * nginx's documented sequence and a direct transcription of the algorithm;
 * random picks against the draw they must consume and a chi-square test
 * (threshold at p = 1e-6). */
#include "fs_test.h"

#include "../engine/fs_lb.h"

#include <stdlib.h>
#include <string.h>

/* The load balancer's statuses stay out of the other modules' ranges. */
_Static_assert(FS_ENOREPLICA <= -48 && FS_EUNKNOWNREPLICA <= -48 && FS_EDUPREPLICA <= -48, "fs_lb status range");
_Static_assert((int)FS_ENOREPLICA < (int)FS_EREJECTED, "below the random source's statuses");

/* ------------------------------------------------------------------ */
/* Helpers */

/* A copy of everything observable in a set, to check that failing calls
 * change nothing. */
struct snap {
    struct fs_lb_replica r[64];
    uint32_t n;
    uint64_t rr_next;
    int64_t total;
    int wrr_stale;
};

static void take_snap(const struct fs_lb *lb, struct snap *s)
{
    memset(s, 0, sizeof *s);
    s->n = lb->n;
    if (lb->n <= 64 && lb->n)
        memcpy(s->r, lb->r, lb->n * sizeof *lb->r);
    s->rr_next = lb->rr_next;
    s->total = lb->total;
    s->wrr_stale = lb->wrr_stale;
}

static int same_as_snap(const struct fs_lb *lb, const struct snap *s)
{
    if (lb->n != s->n || lb->rr_next != s->rr_next || lb->total != s->total || lb->wrr_stale != s->wrr_stale)
        return 0;
    for (uint32_t p = 0; p < lb->n; p++) {
        const struct fs_lb_replica *a = &lb->r[p], *b = &s->r[p];
        size_t pos;
        if (a->id != b->id || a->inflight != b->inflight || a->weight != b->weight || a->current != b->current)
            return 0;
        if (fs_lb_find(lb, a->id, &pos) != FS_OK || pos != p)
            return 0;
    }
    return 1;
}

/* Every replica is found at its position and the weights add up. */
static int consistent(const struct fs_lb *lb)
{
    int64_t total = 0;
    for (uint32_t p = 0; p < lb->n; p++) {
        size_t pos;
        if (fs_lb_find(lb, lb->r[p].id, &pos) != FS_OK || pos != p || lb->r[p].weight < 1)
            return 0;
        total += lb->r[p].weight;
    }
    return total == lb->total;
}

static int ids_are(const struct fs_lb *lb, const uint32_t *ids, size_t n)
{
    if (fs_lb_count(lb) != n)
        return 0;
    for (size_t p = 0; p < n; p++)
        if (fs_lb_at(lb, p)->id != ids[p])
            return 0;
    return 1;
}

/* ------------------------------------------------------------------ */
/* Membership */

static void test_lb_membership(void)
{
    struct fs_lb lb;
    size_t pos;
    fs_lb_init(&lb);
    CHECK_EQ_U(fs_lb_count(&lb), 0);
    CHECK(fs_lb_at(&lb, 0) == NULL);
    CHECK_EQ_I(fs_lb_find(&lb, 7, &pos), FS_EUNKNOWNREPLICA);

    CHECK_EQ_I(fs_lb_add(&lb, 10), FS_OK);
    CHECK_EQ_I(fs_lb_add(&lb, 20), FS_OK);
    CHECK_EQ_I(fs_lb_add(&lb, 30), FS_OK);
    CHECK_EQ_I(fs_lb_insert(&lb, 0, 5), FS_OK);  /* front */
    CHECK_EQ_I(fs_lb_insert(&lb, 2, 15), FS_OK); /* middle */
    CHECK_EQ_I(fs_lb_insert(&lb, 5, 35), FS_OK); /* end */
    static const uint32_t want1[] = {5, 10, 15, 20, 30, 35};
    CHECK(ids_are(&lb, want1, 6));
    CHECK(consistent(&lb));
    for (size_t p = 0; p < 6; p++) {
        CHECK_EQ_I(fs_lb_at(&lb, p)->weight, 1);
        CHECK_EQ_U(fs_lb_at(&lb, p)->inflight, 0);
    }
    CHECK_EQ_I(lb.total, 6);
    CHECK(fs_lb_at(&lb, 6) == NULL);
    CHECK_EQ_I(fs_lb_find(&lb, 20, &pos), FS_OK);
    CHECK_EQ_U(pos, 3);
    CHECK_EQ_I(fs_lb_find(&lb, 20, NULL), FS_OK);

    /* removal keeps the relative order of the others */
    CHECK_EQ_I(fs_lb_remove(&lb, 15), FS_OK);
    CHECK_EQ_I(fs_lb_remove(&lb, 5), FS_OK);
    CHECK_EQ_I(fs_lb_remove(&lb, 35), FS_OK);
    static const uint32_t want2[] = {10, 20, 30};
    CHECK(ids_are(&lb, want2, 3));
    CHECK(consistent(&lb));
    CHECK_EQ_I(fs_lb_find(&lb, 15, &pos), FS_EUNKNOWNREPLICA);

    /* a removed id can come back (at the end) */
    CHECK_EQ_I(fs_lb_add(&lb, 15), FS_OK);
    static const uint32_t want3[] = {10, 20, 30, 15};
    CHECK(ids_are(&lb, want3, 4));

    /* weights */
    CHECK_EQ_I(fs_lb_set_weight(&lb, 20, 7), FS_OK);
    CHECK_EQ_I(fs_lb_at(&lb, 1)->weight, 7);
    CHECK_EQ_I(lb.total, 10);
    CHECK_EQ_I(fs_lb_remove(&lb, 20), FS_OK);
    CHECK_EQ_I(lb.total, 3);
    CHECK(consistent(&lb));

    /* ids at the extremes */
    CHECK_EQ_I(fs_lb_add(&lb, 0), FS_OK);
    CHECK_EQ_I(fs_lb_add(&lb, UINT32_MAX), FS_OK);
    CHECK_EQ_I(fs_lb_find(&lb, 0, &pos), FS_OK);
    CHECK_EQ_U(pos, 3);
    CHECK_EQ_I(fs_lb_find(&lb, UINT32_MAX, &pos), FS_OK);
    CHECK_EQ_U(pos, 4);

    fs_lb_free(&lb);
    CHECK_EQ_U(fs_lb_count(&lb), 0);
    /* freeing twice, and freeing an empty set, are harmless */
    fs_lb_free(&lb);
}

/* Many replicas with scattered ids: the id table grows and is rebuilt on
 * every removal; every replica stays findable at its position. */
static void test_lb_many_replicas(void)
{
    enum { N = 5000 };
    static uint32_t ids[N];
    struct fs_lb lb;
    fs_lb_init(&lb);
    for (uint32_t i = 0; i < N; i++) {
        ids[i] = i * UINT32_C(2654435761) ^ UINT32_C(0xA5A5A5A5); /* distinct: odd multiplier */
        if (!CHECK_EQ_I(fs_lb_add(&lb, ids[i]), FS_OK))
            break;
    }
    CHECK(consistent(&lb));
    CHECK(ids_are(&lb, ids, N));
    /* remove every third, from the back */
    size_t kept = 0;
    for (uint32_t i = N; i-- > 0;)
        if (i % 3 == 0)
            CHECK_EQ_I(fs_lb_remove(&lb, ids[i]), FS_OK);
    for (uint32_t i = 0; i < N; i++)
        if (i % 3 != 0)
            ids[kept++] = ids[i];
    CHECK(ids_are(&lb, ids, kept));
    CHECK(consistent(&lb));
    CHECK_EQ_I(fs_lb_find(&lb, 0 * UINT32_C(2654435761) ^ UINT32_C(0xA5A5A5A5), NULL), FS_EUNKNOWNREPLICA);
    fs_lb_free(&lb);
}

/* ------------------------------------------------------------------ */
/* Round robin */

static void test_lb_round_robin_counts(void)
{
    struct fs_lb lb;
    uint32_t id;
    fs_lb_init(&lb);
    for (uint32_t n = 1; n <= 9; n++) {
        CHECK_EQ_I(fs_lb_add(&lb, 100 + n), FS_OK); /* the set is 101 .. 100 + n */
        const int k = 13;
        unsigned counts[10] = {0};
        /* the cycle goes on from the counter the previous size left */
        uint32_t start = (uint32_t)(lb.rr_next % n);
        for (int t = 0; t < k * (int)n; t++) {
            if (!CHECK_EQ_I(fs_lb_pick(&lb, FS_LB_ROUND_ROBIN, NULL, &id), FS_OK))
                break;
            CHECK_EQ_U(id, 101 + (start + (uint32_t)t) % n);
            counts[id - 101]++;
        }
        for (uint32_t i = 0; i < n; i++)
            CHECK_EQ_U(counts[i], k);
        CHECK_EQ_U(lb.rr_next, start);
    }
    fs_lb_free(&lb);
}

/* Picks where the load balancer alone (fs_lb_pick) and faas-sim's invoke
 * (fs_lb_route) differ: invoke leaves the counter alone with one replica,
 * next_replica resets it to (0 + 1) % 1 = 0. */
static void test_lb_round_robin_single_replica(void)
{
    struct fs_lb a, b;
    uint32_t id;
    fs_lb_init(&a);
    fs_lb_init(&b);
    static const uint32_t start[] = {1, 2, 3};
    for (int i = 0; i < 3; i++) {
        CHECK_EQ_I(fs_lb_add(&a, start[i]), FS_OK);
        CHECK_EQ_I(fs_lb_add(&b, start[i]), FS_OK);
    }
    CHECK_EQ_I(fs_lb_pick(&a, FS_LB_ROUND_ROBIN, NULL, &id), FS_OK);
    CHECK_EQ_U(id, 1);
    CHECK_EQ_I(fs_lb_route(&b, FS_LB_ROUND_ROBIN, NULL, &id), FS_OK);
    CHECK_EQ_U(id, 1);
    /* counter is 1 in both; scale down to one replica */
    for (uint32_t r = 2; r <= 3; r++) {
        CHECK_EQ_I(fs_lb_remove(&a, r), FS_OK);
        CHECK_EQ_I(fs_lb_remove(&b, r), FS_OK);
    }
    CHECK_EQ_I(fs_lb_pick(&a, FS_LB_ROUND_ROBIN, NULL, &id), FS_OK);
    CHECK_EQ_U(id, 1);
    CHECK_EQ_U(a.rr_next, 0);
    CHECK_EQ_I(fs_lb_route(&b, FS_LB_ROUND_ROBIN, NULL, &id), FS_OK);
    CHECK_EQ_U(id, 1);
    CHECK_EQ_U(b.rr_next, 1);
    /* scale up again: the next picks differ */
    CHECK_EQ_I(fs_lb_add(&a, 4), FS_OK);
    CHECK_EQ_I(fs_lb_add(&b, 4), FS_OK);
    CHECK_EQ_I(fs_lb_pick(&a, FS_LB_ROUND_ROBIN, NULL, &id), FS_OK);
    CHECK_EQ_U(id, 1);
    CHECK_EQ_I(fs_lb_route(&b, FS_LB_ROUND_ROBIN, NULL, &id), FS_OK);
    CHECK_EQ_U(id, 4);
    /* route does not draw with one replica either */
    struct fs_rng rng, before;
    fs_rng_seed(&rng, 5);
    before = rng;
    CHECK_EQ_I(fs_lb_remove(&b, 4), FS_OK);
    CHECK_EQ_I(fs_lb_route(&b, FS_LB_RANDOM, &rng, &id), FS_OK);
    CHECK_EQ_U(id, 1);
    CHECK(memcmp(rng.s, before.s, sizeof rng.s) == 0);
    fs_lb_free(&a);
    fs_lb_free(&b);
}

/* The reference model of faas-sim's replica list and round robin. */
enum { REF_MAX = 64 };
enum { REF_STARTING = 0, REF_RUNNING = 1 };

struct ref_faas {
    uint32_t ids[REF_MAX]; /* self.replicas[fn], deployment order */
    int state[REF_MAX];
    int n;
    uint64_t counter; /* RoundRobinLoadBalancer.counters[fn] */
    uint32_t next_id;
};

/* get_running_replicas: the list filtered by RUNNING, in list order */
static int ref_running(const struct ref_faas *m, uint32_t *out)
{
    int k = 0;
    for (int i = 0; i < m->n; i++)
        if (m->state[i] == REF_RUNNING)
            out[k++] = m->ids[i];
    return k;
}

/* RoundRobinLoadBalancer.next_replica (the caller ensures len > 0) */
static uint32_t ref_next_replica(struct ref_faas *m)
{
    uint32_t running[REF_MAX];
    uint64_t len = (uint64_t)ref_running(m, running);
    uint64_t i = m->counter % len;
    m->counter = (i + 1) % len;
    return running[i];
}

/* DefaultFaasSystem.invoke's choice (the caller ensures len > 0) */
static uint32_t ref_invoke(struct ref_faas *m)
{
    uint32_t running[REF_MAX];
    int len = ref_running(m, running);
    return len > 1 ? ref_next_replica(m) : running[0];
}

static void ref_erase(struct ref_faas *m, int i)
{
    memmove(&m->ids[i], &m->ids[i + 1], (size_t)(m->n - i - 1) * sizeof m->ids[0]);
    memmove(&m->state[i], &m->state[i + 1], (size_t)(m->n - i - 1) * sizeof m->state[0]);
    m->n--;
}

/* Random deployments, starts (in any order: a replica that becomes RUNNING
 * goes to its deployment-order place among the running ones), failed
 * schedulings (a replica leaves before running), stops and picks; the set
 * must follow the running list and every pick must equal the model's.
 * via_route: compare fs_lb_route with invoke, else fs_lb_pick with
 * next_replica. */
static void round_robin_vs_faas_sim(int via_route, int in_order)
{
    struct ref_faas m;
    struct fs_lb lb;
    uint32_t running[REF_MAX];
    memset(&m, 0, sizeof m);
    fs_lb_init(&lb);
    long picks = 0, empty = 0;
    int ok = 1;
    for (int step = 0; step < 20000 && ok; step++) {
        uint64_t op = fs_test_below(100);
        if (op < 12 && m.n < REF_MAX) { /* deploy_replica: appended, not yet running */
            m.ids[m.n] = m.next_id++;
            m.state[m.n++] = REF_STARTING;
        }
        else if (op < 26) { /* a replica finishes starting */
            int cand[REF_MAX], k = 0;
            for (int i = 0; i < m.n; i++)
                if (m.state[i] != REF_RUNNING)
                    cand[k++] = i;
            if (!k)
                continue;
            int i = in_order ? cand[0] : cand[fs_test_below((uint64_t)k)];
            size_t pos = 0; /* running replicas deployed before it */
            for (int j = 0; j < i; j++)
                pos += m.state[j] == REF_RUNNING;
            m.state[i] = REF_RUNNING;
            if (pos == fs_lb_count(&lb))
                ok &= CHECK_EQ_I(fs_lb_add(&lb, m.ids[i]), FS_OK);
            else
                ok &= CHECK_EQ_I(fs_lb_insert(&lb, pos, m.ids[i]), FS_OK);
        }
        else if (op < 30) { /* scheduling failed: leaves the list before running */
            if (in_order)
                continue;
            for (int i = 0; i < m.n; i++)
                if (m.state[i] != REF_RUNNING) {
                    ref_erase(&m, i);
                    break;
                }
        }
        else if (op < 40) { /* scale_down / remove_replica of a running one */
            int len = ref_running(&m, running);
            if (!len)
                continue;
            uint32_t victim = running[fs_test_below((uint64_t)len)];
            for (int i = 0; i < m.n; i++)
                if (m.ids[i] == victim) {
                    ref_erase(&m, i);
                    break;
                }
            ok &= CHECK_EQ_I(fs_lb_remove(&lb, victim), FS_OK);
        }
        else { /* a request */
            int len = ref_running(&m, running);
            uint32_t got = UINT32_MAX;
            int rc = via_route ? fs_lb_route(&lb, FS_LB_ROUND_ROBIN, NULL, &got)
                               : fs_lb_pick(&lb, FS_LB_ROUND_ROBIN, NULL, &got);
            if (!len) {
                ok &= CHECK_EQ_I(rc, FS_ENOREPLICA);
                empty++;
                continue;
            }
            uint32_t want = via_route ? ref_invoke(&m) : ref_next_replica(&m);
            ok &= CHECK_EQ_I(rc, FS_OK);
            ok &= CHECK_MSG(got == want, "step %d: picked %u, faas-sim picks %u (of %d)", step, (unsigned)got,
                            (unsigned)want, len);
            picks++;
        }
        int len = ref_running(&m, running);
        ok &= CHECK(ids_are(&lb, running, (size_t)len));
        ok &= CHECK_EQ_U(lb.rr_next, m.counter);
    }
    CHECK(picks > 5000);
    CHECK(empty > 0);
    fs_lb_free(&lb);
}

static void test_lb_round_robin_vs_faas_sim_pick(void)
{
    round_robin_vs_faas_sim(0, 0);
    round_robin_vs_faas_sim(0, 1);
}

static void test_lb_round_robin_vs_faas_sim_invoke(void)
{
    round_robin_vs_faas_sim(1, 0);
    round_robin_vs_faas_sim(1, 1);
}

/* ------------------------------------------------------------------ */
/* Least outstanding */

static void test_lb_least_outstanding(void)
{
    struct fs_lb lb;
    uint32_t id;
    fs_lb_init(&lb);
    for (uint32_t r = 1; r <= 3; r++)
        CHECK_EQ_I(fs_lb_add(&lb, r), FS_OK);
    /* all idle: the earliest; picking does not dispatch */
    CHECK_EQ_I(fs_lb_pick(&lb, FS_LB_LEAST_OUTSTANDING, NULL, &id), FS_OK);
    CHECK_EQ_U(id, 1);
    CHECK_EQ_I(fs_lb_pick(&lb, FS_LB_LEAST_OUTSTANDING, NULL, &id), FS_OK);
    CHECK_EQ_U(id, 1);
    CHECK_EQ_U(fs_lb_at(&lb, 0)->inflight, 0);
    /* pick and dispatch six times: 1 2 3 1 2 3 */
    for (int t = 0; t < 6; t++) {
        CHECK_EQ_I(fs_lb_pick(&lb, FS_LB_LEAST_OUTSTANDING, NULL, &id), FS_OK);
        CHECK_EQ_U(id, 1 + (uint32_t)t % 3);
        CHECK_EQ_I(fs_lb_dispatch(&lb, id), FS_OK);
    }
    for (size_t p = 0; p < 3; p++)
        CHECK_EQ_U(fs_lb_at(&lb, p)->inflight, 2);
    /* completions on 3 then 2: 3 has fewest, then a tie 2/3 goes to 2 */
    CHECK_EQ_I(fs_lb_complete(&lb, 3), FS_OK);
    CHECK_EQ_I(fs_lb_pick(&lb, FS_LB_LEAST_OUTSTANDING, NULL, &id), FS_OK);
    CHECK_EQ_U(id, 3);
    CHECK_EQ_I(fs_lb_complete(&lb, 2), FS_OK);
    CHECK_EQ_I(fs_lb_pick(&lb, FS_LB_LEAST_OUTSTANDING, NULL, &id), FS_OK);
    CHECK_EQ_U(id, 2);
    /* a new replica starts idle and wins although it is last */
    CHECK_EQ_I(fs_lb_add(&lb, 9), FS_OK);
    CHECK_EQ_I(fs_lb_pick(&lb, FS_LB_LEAST_OUTSTANDING, NULL, &id), FS_OK);
    CHECK_EQ_U(id, 9);
    /* removing a busy replica forgets its requests */
    CHECK_EQ_I(fs_lb_remove(&lb, 1), FS_OK);
    CHECK_EQ_I(fs_lb_complete(&lb, 1), FS_EUNKNOWNREPLICA);
    fs_lb_free(&lb);
}

/* Random dispatches and completions against a brute-force model. */
static void test_lb_least_outstanding_random(void)
{
    enum { N = 12 };
    struct fs_lb lb;
    uint32_t inflight[N] = {0};
    uint32_t id;
    fs_lb_init(&lb);
    for (uint32_t r = 0; r < N; r++)
        CHECK_EQ_I(fs_lb_add(&lb, 1000 + r), FS_OK);
    int ok = 1;
    for (int step = 0; step < 20000 && ok; step++) {
        if (fs_test_below(2)) {
            uint32_t best = 0;
            for (uint32_t r = 1; r < N; r++)
                if (inflight[r] < inflight[best])
                    best = r;
            ok &= CHECK_EQ_I(fs_lb_pick(&lb, FS_LB_LEAST_OUTSTANDING, NULL, &id), FS_OK);
            ok &= CHECK_EQ_U(id, 1000 + best);
            ok &= CHECK_EQ_I(fs_lb_dispatch(&lb, id), FS_OK);
            inflight[best]++;
        }
        else {
            uint32_t r = (uint32_t)fs_test_below(N);
            int rc = fs_lb_complete(&lb, 1000 + r);
            if (inflight[r]) {
                ok &= CHECK_EQ_I(rc, FS_OK);
                inflight[r]--;
            }
            else
                ok &= CHECK_EQ_I(rc, FS_EINVAL);
        }
        for (uint32_t r = 0; r < N; r++)
            ok &= CHECK_EQ_U(fs_lb_at(&lb, r)->inflight, inflight[r]);
    }
    fs_lb_free(&lb);
}

/* ------------------------------------------------------------------ */
/* Random */

/* floor(x * n / 2^64), the documented mapping of a draw to a position. */
static uint32_t expected_index(uint64_t x, uint32_t n)
{
#ifdef __SIZEOF_INT128__
    return (uint32_t)(((unsigned __int128)x * n) >> 64);
#else
    return (uint32_t)((double)x / 18446744073709551616.0 * n); /* good enough off the edges */
#endif
}

static void test_lb_random_one_draw(void)
{
    struct fs_lb lb;
    struct fs_rng rng, shadow, again;
    uint32_t id, id2;
    fs_lb_init(&lb);
    fs_rng_seed(&rng, fs_test_rand());
    shadow = rng;
    /* empty: no draw */
    CHECK_EQ_I(fs_lb_pick(&lb, FS_LB_RANDOM, &rng, &id), FS_ENOREPLICA);
    CHECK(memcmp(rng.s, shadow.s, sizeof rng.s) == 0);
    /* one replica: still exactly one draw */
    CHECK_EQ_I(fs_lb_add(&lb, 42), FS_OK);
    CHECK_EQ_I(fs_lb_pick(&lb, FS_LB_RANDOM, &rng, &id), FS_OK);
    CHECK_EQ_U(id, 42);
    (void)fs_rng_next_u64(&shadow);
    CHECK(memcmp(rng.s, shadow.s, sizeof rng.s) == 0);
    /* sets of every size up to 40, including removals in between */
    int ok = 1;
    for (uint32_t n = 2; n <= 40 && ok; n++) {
        CHECK_EQ_I(fs_lb_add(&lb, 100 + n), FS_OK);
        if (n % 7 == 0)
            CHECK_EQ_I(fs_lb_remove(&lb, 100 + n - 3), FS_OK);
        uint32_t size = (uint32_t)fs_lb_count(&lb);
        for (int t = 0; t < 200 && ok; t++) {
            uint64_t x = fs_rng_next_u64(&shadow);
            ok &= CHECK_EQ_I(fs_lb_pick(&lb, FS_LB_RANDOM, &rng, &id), FS_OK);
            ok &= CHECK(memcmp(rng.s, shadow.s, sizeof rng.s) == 0);
            ok &= CHECK_EQ_U(id, fs_lb_at(&lb, expected_index(x, size))->id);
        }
    }
    /* reproducible: the same seed gives the same picks */
    fs_rng_seed(&rng, 1234);
    fs_rng_seed(&again, 1234);
    for (int t = 0; t < 1000; t++) {
        CHECK_EQ_I(fs_lb_pick(&lb, FS_LB_RANDOM, &rng, &id), FS_OK);
        CHECK_EQ_I(fs_lb_pick(&lb, FS_LB_RANDOM, &again, &id2), FS_OK);
        if (!CHECK_EQ_U(id, id2))
            break;
    }
    /* the extremes of the mapping */
    CHECK_EQ_U(expected_index(0, 7), 0);
    CHECK_EQ_U(expected_index(UINT64_MAX, 7), 6);
    fs_lb_free(&lb);
}

/* Chi-square over 10 replicas, 10^6 picks: 9 degrees of freedom, reject
 * above 44.81 (p = 1e-6). */
static void test_lb_random_uniform(void)
{
    enum { N = 10, PICKS = 1000000 };
    struct fs_lb lb;
    struct fs_rng rng;
    uint32_t id;
    long counts[N] = {0};
    fs_lb_init(&lb);
    for (uint32_t r = 0; r < N; r++)
        CHECK_EQ_I(fs_lb_add(&lb, 50 + r), FS_OK);
    fs_rng_seed(&rng, fs_test_rand());
    for (int t = 0; t < PICKS; t++) {
        int rc = fs_lb_pick(&lb, FS_LB_RANDOM, &rng, &id);
        if (!CHECK(rc == FS_OK && id >= 50 && id < 50 + N))
            break;
        counts[id - 50]++;
    }
    double expect = (double)PICKS / N, chi2 = 0;
    for (int r = 0; r < N; r++)
        chi2 += (counts[r] - expect) * (counts[r] - expect) / expect;
    CHECK_MSG(chi2 < 44.81, "chi-square %.3f with 9 degrees of freedom", chi2);
    fs_lb_free(&lb);
}

/* ------------------------------------------------------------------ */
/* Smooth weighted round robin */

/* nginx's algorithm, transcribed directly: current += weight for all, best =
 * first maximum, best -= total. */
static int ref_wrr(int64_t *cur, const int32_t *w, int n)
{
    int64_t total = 0;
    int best = -1;
    for (int i = 0; i < n; i++) {
        cur[i] += w[i];
        total += w[i];
        if (best < 0 || cur[i] > cur[best])
            best = i;
    }
    cur[best] -= total;
    return best;
}

static void test_lb_wrr_nginx_sequence(void)
{
    struct fs_lb lb;
    uint32_t id;
    fs_lb_init(&lb);
    CHECK_EQ_I(fs_lb_add(&lb, 'a'), FS_OK);
    CHECK_EQ_I(fs_lb_add(&lb, 'b'), FS_OK);
    CHECK_EQ_I(fs_lb_add(&lb, 'c'), FS_OK);
    CHECK_EQ_I(fs_lb_set_weight(&lb, 'a', 5), FS_OK);
    /* nginx (src/http/ngx_http_upstream_round_robin.c, commit "Upstream:
     * smooth weighted round-robin balancing"): { 5, 1, 1 } gives a a b a c a
     * a, every cycle */
    static const char want[] = "aabacaa";
    for (int cycle = 0; cycle < 5; cycle++)
        for (int t = 0; t < 7; t++) {
            CHECK_EQ_I(fs_lb_pick(&lb, FS_LB_WEIGHTED_ROUND_ROBIN, NULL, &id), FS_OK);
            CHECK_MSG(id == (uint32_t)want[t], "cycle %d pick %d: %c, want %c", cycle, t, (char)id, want[t]);
            if (cycle == 2 && t == 3) /* setting a weight to its value is no change: the cycle goes on */
                CHECK_EQ_I(fs_lb_set_weight(&lb, 'a', 5), FS_OK);
        }
    /* a real change in mid-cycle starts a new cycle from zero */
    for (int t = 0; t < 3; t++)
        CHECK_EQ_I(fs_lb_pick(&lb, FS_LB_WEIGHTED_ROUND_ROBIN, NULL, &id), FS_OK);
    CHECK_EQ_I(fs_lb_set_weight(&lb, 'c', 2), FS_OK); /* {5, 1, 2}: a c a a b a c a */
    for (int t = 0; t < 8; t++) {
        CHECK_EQ_I(fs_lb_pick(&lb, FS_LB_WEIGHTED_ROUND_ROBIN, NULL, &id), FS_OK);
        CHECK_MSG(id == (uint32_t) "acaabaca"[t], "pick %d: %c", t, (char)id);
    }
    CHECK_EQ_I(fs_lb_set_weight(&lb, 'c', 1), FS_OK);
    for (int t = 0; t < 7; t++)
        CHECK_EQ_I(fs_lb_pick(&lb, FS_LB_WEIGHTED_ROUND_ROBIN, NULL, &id), FS_OK);
    for (size_t p = 0; p < 3; p++)
        CHECK_EQ_I(fs_lb_at(&lb, p)->current, 0); /* a cycle ends at all-zero */
    /* equal weights: plain rotation in set order */
    CHECK_EQ_I(fs_lb_set_weight(&lb, 'a', 1), FS_OK);
    for (int t = 0; t < 9; t++) {
        CHECK_EQ_I(fs_lb_pick(&lb, FS_LB_WEIGHTED_ROUND_ROBIN, NULL, &id), FS_OK);
        CHECK_EQ_U(id, "abc"[t % 3]);
    }
    fs_lb_free(&lb);
}

/* Random weights and membership changes: every pick equals the
 * transcription (which restarts from zero on each change), every cycle of
 * sum(weights) picks after a change has exactly weight_i picks of replica
 * i, and current weights stay within the documented bounds (-total,
 * (n - 1) * total): no replica gets a whole pick ahead of its share. */
static void test_lb_wrr_random(void)
{
    enum { MAXN = 16 };
    struct fs_lb lb;
    int32_t w[MAXN];
    int64_t cur[MAXN];
    uint32_t id;
    fs_lb_init(&lb);
    int ok = 1;
    for (int round = 0; round < 300 && ok; round++) {
        /* a change: add, remove or reweight */
        int n = (int)fs_lb_count(&lb);
        uint64_t op = fs_test_below(3);
        if (n == 0 || (op == 0 && n < MAXN))
            ok &= CHECK_EQ_I(fs_lb_add(&lb, 500 + (uint32_t)round), FS_OK);
        else if (op == 1 && n > 1)
            ok &= CHECK_EQ_I(fs_lb_remove(&lb, fs_lb_at(&lb, fs_test_below((uint64_t)n))->id), FS_OK);
        else {
            const struct fs_lb_replica *r = fs_lb_at(&lb, fs_test_below((uint64_t)n));
            int32_t weight = fs_test_below(4) ? 1 + (int32_t)fs_test_below(9) : 1 + (int32_t)fs_test_below(1000);
            if (weight == r->weight) /* a real change (an unchanged weight keeps the cycle) */
                weight++;
            ok &= CHECK_EQ_I(fs_lb_set_weight(&lb, r->id, weight), FS_OK);
        }
        n = (int)fs_lb_count(&lb);
        int64_t total = 0;
        for (int i = 0; i < n; i++) {
            w[i] = fs_lb_at(&lb, (size_t)i)->weight;
            cur[i] = 0;
            total += w[i];
        }
        ok &= CHECK_EQ_I(total, lb.total);
        int cycles = total <= 50 ? 3 : 1;
        for (int c = 0; c < cycles && ok; c++) {
            long counts[MAXN] = {0};
            for (int64_t t = 0; t < total && ok; t++) {
                int want = ref_wrr(cur, w, n);
                ok &= CHECK_EQ_I(fs_lb_pick(&lb, FS_LB_WEIGHTED_ROUND_ROBIN, NULL, &id), FS_OK);
                ok &= CHECK_EQ_U(id, fs_lb_at(&lb, (size_t)want)->id);
                counts[want]++;
                for (int i = 0; i < n; i++) {
                    int64_t c = fs_lb_at(&lb, (size_t)i)->current;
                    ok &= CHECK_MSG(c > -total && (n == 1 || c < (n - 1) * total), "current %lld, total %lld",
                                    (long long)c, (long long)total);
                }
            }
            for (int i = 0; i < n; i++)
                ok &= CHECK_EQ_I(counts[i], w[i]);
        }
        /* leave the cycle unfinished before the next change */
        for (int t = (int)fs_test_below(5); t > 0; t--)
            ok &= CHECK_EQ_I(fs_lb_pick(&lb, FS_LB_WEIGHTED_ROUND_ROBIN, NULL, &id), FS_OK);
    }
    fs_lb_free(&lb);
}

/* ------------------------------------------------------------------ */
/* Differential test: every policy against a plain reference */

/* The reference: the set as a plain array in order, every policy written
 * as the scan it is defined by (least outstanding: the first replica with
 * the fewest in flight). */
struct ref_rep {
    uint32_t id, inflight;
    int32_t weight;
    int64_t current;
};
struct ref_lb {
    struct ref_rep *r;
    int n, cap;
    uint64_t rr_next;
    int wrr_stale;
};

static int ref_index(const struct ref_lb *m, uint32_t id)
{
    for (int i = 0; i < m->n; i++)
        if (m->r[i].id == id)
            return i;
    return -1;
}

static void ref_insert(struct ref_lb *m, int pos, uint32_t id)
{
    if (m->n == m->cap) {
        m->cap = m->cap ? 2 * m->cap : 16;
        m->r = realloc(m->r, (size_t)m->cap * sizeof *m->r);
    }
    memmove(&m->r[pos + 1], &m->r[pos], (size_t)(m->n - pos) * sizeof *m->r);
    m->r[pos] = (struct ref_rep){.id = id, .inflight = 0, .weight = 1, .current = 0};
    m->n++;
    m->wrr_stale = 1;
}

static void ref_remove(struct ref_lb *m, int pos)
{
    memmove(&m->r[pos], &m->r[pos + 1], (size_t)(m->n - pos - 1) * sizeof *m->r);
    m->n--;
    m->wrr_stale = 1;
}

/* Position the reference picks (n > 0); draw: the random policy's draw. */
static int ref_pick(struct ref_lb *m, int policy, uint64_t draw)
{
    int best = 0;
    switch (policy) {
    case FS_LB_ROUND_ROBIN:
        best = (int)(m->rr_next % (uint64_t)m->n);
        m->rr_next = (uint64_t)(best + 1) % (uint64_t)m->n;
        break;
    case FS_LB_LEAST_OUTSTANDING:
        for (int i = 1; i < m->n; i++)
            if (m->r[i].inflight < m->r[best].inflight)
                best = i;
        break;
    case FS_LB_RANDOM:
        best = (int)expected_index(draw, (uint32_t)m->n);
        break;
    default: { /* smooth weighted round robin */
        int64_t total = 0;
        for (int i = 0; i < m->n; i++) {
            if (m->wrr_stale)
                m->r[i].current = 0;
            total += m->r[i].weight;
        }
        m->wrr_stale = 0;
        for (int i = 0; i < m->n; i++) {
            m->r[i].current += m->r[i].weight;
            if (m->r[i].current > m->r[best].current)
                best = i;
        }
        m->r[best].current -= total;
    }
    }
    return best;
}

/* One run of random operations with the set's size wandering around
 * `target`: adds, inserts at random positions, removals (often of the
 * replica least outstanding would pick), dispatches (mostly to the picked
 * replica, as the platform does), completions, weight changes and picks
 * and routes by every policy, least outstanding most often. Every pick and
 * every status is compared with the reference, and the whole set now and
 * then (every operation while it is small), fs_lb_valid included. */
static int differential_run(int target, long ops, uint32_t id_span)
{
    struct fs_lb lb;
    struct ref_lb m = {0};
    struct fs_rng rng, shadow;
    fs_lb_init(&lb);
    fs_rng_seed(&rng, fs_test_rand());
    shadow = rng;
    int ok = 1;
    uint32_t next_id = (uint32_t)fs_test_below(id_span);
    for (long t = 0; t < ops && ok; t++) {
        uint64_t op = fs_test_below(100);
        int n = m.n;
        int grow = n < target ? 12 : 4, shrink = n > target ? 12 : 4;
        if (op < (uint64_t)grow) { /* add or insert a new replica */
            uint32_t id;
            do
                id = next_id = (next_id + 1 + (uint32_t)fs_test_below(3)) % id_span;
            while (ref_index(&m, id) >= 0);
            int pos = fs_test_below(2) ? n : (int)fs_test_below((uint64_t)n + 1);
            ok &= CHECK_EQ_I(pos == n && fs_test_below(2) ? fs_lb_add(&lb, id) : fs_lb_insert(&lb, (size_t)pos, id),
                             FS_OK);
            ref_insert(&m, pos, id);
        }
        else if (op < (uint64_t)(grow + shrink)) { /* remove */
            if (n == 0 || fs_test_below(20) == 0) {
                uint32_t id = (uint32_t)fs_test_below(id_span);
                ok &= CHECK_EQ_I(fs_lb_remove(&lb, id), ref_index(&m, id) >= 0 ? FS_OK : FS_EUNKNOWNREPLICA);
                if (ref_index(&m, id) >= 0)
                    ref_remove(&m, ref_index(&m, id));
                continue;
            }
            int pos = (int)fs_test_below((uint64_t)n);
            if (fs_test_below(3) == 0) /* the least outstanding one (picking it changes nothing) */
                pos = ref_pick(&m, FS_LB_LEAST_OUTSTANDING, 0);
            ok &= CHECK_EQ_I(fs_lb_remove(&lb, m.r[pos].id), FS_OK);
            ref_remove(&m, pos);
        }
        else if (op < 20) { /* a new weight */
            if (n == 0)
                continue;
            int pos = (int)fs_test_below((uint64_t)n);
            int32_t w = fs_test_below(3) ? 1 + (int32_t)fs_test_below(4) : m.r[pos].weight;
            ok &= CHECK_EQ_I(fs_lb_set_weight(&lb, m.r[pos].id, w), FS_OK);
            if (w != m.r[pos].weight) {
                m.r[pos].weight = w;
                m.wrr_stale = 1;
            }
        }
        else if (op < 50) { /* a completion, or an invalid one */
            if (n == 0)
                continue;
            int pos = (int)fs_test_below((uint64_t)n);
            int rc = fs_lb_complete(&lb, m.r[pos].id);
            if (m.r[pos].inflight) {
                ok &= CHECK_EQ_I(rc, FS_OK);
                m.r[pos].inflight--;
            }
            else
                ok &= CHECK_EQ_I(rc, FS_EINVAL);
        }
        else if (op < 55) { /* a dispatch to any replica */
            if (n == 0)
                continue;
            int pos = (int)fs_test_below((uint64_t)n);
            ok &= CHECK_EQ_I(fs_lb_dispatch(&lb, m.r[pos].id), FS_OK);
            m.r[pos].inflight++;
        }
        else { /* a pick or route, then (mostly) a dispatch to the chosen one */
            static const int policies[] = {FS_LB_LEAST_OUTSTANDING,
                                           FS_LB_LEAST_OUTSTANDING,
                                           FS_LB_LEAST_OUTSTANDING,
                                           FS_LB_LEAST_OUTSTANDING,
                                           FS_LB_LEAST_OUTSTANDING,
                                           FS_LB_ROUND_ROBIN,
                                           FS_LB_RANDOM,
                                           FS_LB_WEIGHTED_ROUND_ROBIN};
            int policy = policies[fs_test_below(sizeof policies / sizeof *policies)];
            int route = fs_test_below(4) == 0;
            uint32_t id = UINT32_MAX;
            int rc = route ? fs_lb_route(&lb, policy, &rng, &id) : fs_lb_pick(&lb, policy, &rng, &id);
            if (n == 0) {
                ok &= CHECK_EQ_I(rc, FS_ENOREPLICA);
                continue;
            }
            ok &= CHECK_EQ_I(rc, FS_OK);
            int want = 0;
            if (!(route && n == 1))
                want = ref_pick(&m, policy, policy == FS_LB_RANDOM ? fs_rng_next_u64(&shadow) : 0);
            ok &= CHECK_MSG(id == m.r[want].id, "step %ld policy %d n %d: picked %u, reference %u (position %d)", t,
                            policy, n, id, m.r[want].id, want);
            if (fs_test_below(8)) {
                ok &= CHECK_EQ_I(fs_lb_dispatch(&lb, id), FS_OK);
                m.r[want].inflight++;
            }
        }
        if (n < 64 || t % 64 == 0) {
            ok &= CHECK(fs_lb_valid(&lb));
            ok &= CHECK_EQ_U(fs_lb_count(&lb), (uint64_t)m.n);
            for (int i = 0; i < m.n && ok; i++) {
                const struct fs_lb_replica *r = fs_lb_at(&lb, (size_t)i);
                ok &= CHECK(r->id == m.r[i].id && r->inflight == m.r[i].inflight && r->weight == m.r[i].weight);
            }
        }
    }
    ok &= CHECK(memcmp(rng.s, shadow.s, sizeof rng.s) == 0);
    fs_lb_free(&lb);
    free(m.r);
    return ok;
}

static void test_lb_differential(void)
{
    /* small sets (ties, the single replica of route, the empty set, the
     * first growth), sets around FS_LB_SCAN_MAX (scan and tree in turns),
     * larger ones and a few hundred replicas; dense ids and ids spread over
     * the whole range */
    static const struct {
        int target;
        long ops;
        uint32_t span;
    } runs[] = {
        {3, 60000, 16},      {FS_LB_SCAN_MAX, 100000, 64}, {40, 100000, UINT32_MAX},
        {150, 100000, 1000}, {600, 60000, UINT32_MAX},
    };
    for (size_t k = 0; k < sizeof runs / sizeof *runs; k++)
        if (!differential_run(runs[k].target, runs[k].ops, runs[k].span))
            break;
}

/* fs_lb_valid finds a wrong winner in the tournament and a wrong total. */
static void test_lb_valid_detects(void)
{
    struct fs_lb lb;
    uint32_t id;
    fs_lb_init(&lb);
    CHECK(fs_lb_valid(&lb));
    for (uint32_t r = 0; r < 20; r++)
        CHECK_EQ_I(fs_lb_add(&lb, r), FS_OK);
    CHECK_EQ_I(fs_lb_dispatch(&lb, 0), FS_OK);
    CHECK_EQ_I(fs_lb_pick(&lb, FS_LB_LEAST_OUTSTANDING, NULL, &id), FS_OK);
    CHECK_EQ_U(id, 1);
    CHECK(fs_lb_valid(&lb));
    lb.r[1].inflight = 7; /* behind the tree's back: the winner of 0 .. 1 is now 0 */
    CHECK(!fs_lb_valid(&lb));
    lb.r[1].inflight = 0;
    CHECK(fs_lb_valid(&lb));
    uint64_t saved = lb.lo[1];
    lb.lo[1] = 0;
    CHECK(!fs_lb_valid(&lb));
    lb.lo[1] = saved;
    lb.total++;
    CHECK(!fs_lb_valid(&lb));
    lb.total--;
    CHECK(fs_lb_valid(&lb));
    /* small sets are scanned: no tree */
    struct fs_lb small;
    fs_lb_init(&small);
    for (uint32_t r = 0; r < FS_LB_SCAN_MAX; r++)
        CHECK_EQ_I(fs_lb_add(&small, r), FS_OK);
    CHECK_EQ_I(fs_lb_pick(&small, FS_LB_LEAST_OUTSTANDING, NULL, &id), FS_OK);
    CHECK_EQ_I(small.lo_valid, 0);
    CHECK_EQ_I(fs_lb_add(&small, FS_LB_SCAN_MAX), FS_OK);
    CHECK_EQ_I(fs_lb_pick(&small, FS_LB_LEAST_OUTSTANDING, NULL, &id), FS_OK);
    CHECK_EQ_I(small.lo_valid, 1);
    fs_lb_free(&small);
    /* a removal drops the tree; the next pick rebuilds it */
    CHECK_EQ_I(fs_lb_remove(&lb, 1), FS_OK);
    CHECK_EQ_I(lb.lo_valid, 0);
    CHECK_EQ_I(fs_lb_pick(&lb, FS_LB_LEAST_OUTSTANDING, NULL, &id), FS_OK);
    CHECK_EQ_U(id, 2);
    CHECK_EQ_I(lb.lo_valid, 1);
    CHECK(fs_lb_valid(&lb));
    fs_lb_free(&lb);
}

/* ------------------------------------------------------------------ */
/* Errors change nothing */

static void test_lb_errors(void)
{
    struct fs_lb lb;
    struct fs_rng rng;
    struct snap s;
    uint32_t id = 77;
    fs_lb_init(&lb);
    fs_rng_seed(&rng, 9);

    /* empty set: every policy says FS_ENOREPLICA, draws nothing */
    for (int p = 0; p < FS_LB_NPOLICIES; p++) {
        struct fs_rng before = rng;
        CHECK_EQ_I(fs_lb_pick(&lb, p, &rng, &id), FS_ENOREPLICA);
        CHECK_EQ_I(fs_lb_route(&lb, p, &rng, &id), FS_ENOREPLICA);
        CHECK(memcmp(rng.s, before.s, sizeof rng.s) == 0);
        CHECK_EQ_U(id, 77);
    }

    /* a set with some state in every field */
    for (uint32_t r = 1; r <= 4; r++)
        CHECK_EQ_I(fs_lb_add(&lb, r), FS_OK);
    CHECK_EQ_I(fs_lb_set_weight(&lb, 2, 3), FS_OK);
    CHECK_EQ_I(fs_lb_pick(&lb, FS_LB_ROUND_ROBIN, NULL, &id), FS_OK);
    CHECK_EQ_I(fs_lb_pick(&lb, FS_LB_WEIGHTED_ROUND_ROBIN, NULL, &id), FS_OK);
    CHECK_EQ_I(fs_lb_dispatch(&lb, 3), FS_OK);
    take_snap(&lb, &s);

    CHECK_EQ_I(fs_lb_add(&lb, 3), FS_EDUPREPLICA);
    CHECK_EQ_I(fs_lb_insert(&lb, 0, 1), FS_EDUPREPLICA);
    CHECK_EQ_I(fs_lb_insert(&lb, 5, 9), FS_EINVAL); /* past the end */
    CHECK_EQ_I(fs_lb_insert(&lb, SIZE_MAX, 9), FS_EINVAL);
    CHECK_EQ_I(fs_lb_remove(&lb, 9), FS_EUNKNOWNREPLICA);
    CHECK_EQ_I(fs_lb_set_weight(&lb, 9, 2), FS_EUNKNOWNREPLICA);
    CHECK_EQ_I(fs_lb_set_weight(&lb, 2, 0), FS_EINVAL);
    CHECK_EQ_I(fs_lb_set_weight(&lb, 2, -4), FS_EINVAL);
    CHECK_EQ_I(fs_lb_dispatch(&lb, 9), FS_EUNKNOWNREPLICA);
    CHECK_EQ_I(fs_lb_complete(&lb, 9), FS_EUNKNOWNREPLICA);
    CHECK_EQ_I(fs_lb_complete(&lb, 1), FS_EINVAL); /* nothing in flight */
    CHECK_EQ_I(fs_lb_find(&lb, 9, NULL), FS_EUNKNOWNREPLICA);
    CHECK_EQ_I(fs_lb_set_weight(&lb, 2, INT32_MAX - 2), FS_EOVERFLOW); /* total would be INT32_MAX + 1 */
    id = 77;
    CHECK_EQ_I(fs_lb_pick(&lb, -1, &rng, &id), FS_EINVAL);
    CHECK_EQ_I(fs_lb_pick(&lb, FS_LB_NPOLICIES, &rng, &id), FS_EINVAL);
    CHECK_EQ_I(fs_lb_pick(&lb, FS_LB_RANDOM, NULL, &id), FS_EINVAL);
    CHECK_EQ_I(fs_lb_route(&lb, FS_LB_NPOLICIES, &rng, &id), FS_EINVAL);
    CHECK_EQ_I(fs_lb_route(&lb, FS_LB_RANDOM, NULL, &id), FS_EINVAL);
    CHECK_EQ_U(id, 77);
    CHECK_EQ_I(fs_lb_pick(&lb, FS_LB_ROUND_ROBIN, NULL, NULL), FS_EINVAL);
    CHECK_EQ_I(fs_lb_pick(NULL, FS_LB_ROUND_ROBIN, NULL, &id), FS_EINVAL);
    CHECK_EQ_I(fs_lb_add(NULL, 1), FS_EINVAL);
    CHECK(same_as_snap(&lb, &s));

    /* total weight at its limit: reweighting below it works, adding does not */
    CHECK_EQ_I(fs_lb_set_weight(&lb, 2, INT32_MAX - 3), FS_OK);
    CHECK_EQ_I(lb.total, INT32_MAX);
    take_snap(&lb, &s);
    CHECK_EQ_I(fs_lb_add(&lb, 9), FS_EOVERFLOW);
    CHECK(same_as_snap(&lb, &s));
    CHECK_EQ_I(fs_lb_set_weight(&lb, 2, 3), FS_OK);
    take_snap(&lb, &s);

    /* in-flight count at its limit */
    lb.r[0].inflight = UINT32_MAX;
    take_snap(&lb, &s);
    CHECK_EQ_I(fs_lb_dispatch(&lb, 1), FS_EOVERFLOW);
    CHECK(same_as_snap(&lb, &s));
    CHECK_EQ_I(fs_lb_complete(&lb, 1), FS_OK);
    CHECK_EQ_U(fs_lb_at(&lb, 0)->inflight, UINT32_MAX - 1);

    /* a single replica with one removed and the empty set again: the
     * round-robin counter is kept through the empty set */
    uint64_t counter = lb.rr_next;
    for (uint32_t r = 1; r <= 4; r++)
        CHECK_EQ_I(fs_lb_remove(&lb, r), FS_OK);
    CHECK_EQ_U(fs_lb_count(&lb), 0);
    CHECK_EQ_I(fs_lb_pick(&lb, FS_LB_ROUND_ROBIN, NULL, &id), FS_ENOREPLICA);
    CHECK_EQ_U(lb.rr_next, counter);
    CHECK_EQ_I(lb.total, 0);
    fs_lb_free(&lb);
}

void fs_test_lb_suite(void)
{
    RUN_TEST(test_lb_membership);
    RUN_TEST(test_lb_many_replicas);
    RUN_TEST(test_lb_round_robin_counts);
    RUN_TEST(test_lb_round_robin_single_replica);
    RUN_TEST(test_lb_round_robin_vs_faas_sim_pick);
    RUN_TEST(test_lb_round_robin_vs_faas_sim_invoke);
    RUN_TEST(test_lb_least_outstanding);
    RUN_TEST(test_lb_least_outstanding_random);
    RUN_TEST(test_lb_random_one_draw);
    RUN_TEST(test_lb_random_uniform);
    RUN_TEST(test_lb_wrr_nginx_sequence);
    RUN_TEST(test_lb_wrr_random);
    RUN_TEST(test_lb_errors);
    RUN_TEST(test_lb_differential);
    RUN_TEST(test_lb_valid_detects);
}
