/* Unit tests for csrc/engine/fs_queue.{h,c}. */
#include "fs_test.h"

#include "../engine/fs_queue.h"

#include <float.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* Each pushed entry's data points at tags[id], so a popped entry names its
 * insertion id. */
#define MAX_IDS 200000
static uint64_t tags[MAX_IDS];

static void init_tags(void)
{
    for (uint64_t i = 0; i < MAX_IDS; i++)
        tags[i] = i;
}

static uint64_t entry_id(const struct fs_entry *e)
{
    return (uint64_t)((const uint64_t *)e->data - tags);
}

static int dummy_a(struct fs_sim *s, void *d)
{
    (void)s;
    (void)d;
    return 0;
}
static int dummy_b(struct fs_sim *s, void *d)
{
    (void)s;
    (void)d;
    return 1;
}

/* Reference model: (time, priority, insertion id) with a total order. */
struct ref {
    double time;
    int prio;
    uint64_t id;
    fs_action_fn fn;
};

static int ref_cmp(const void *pa, const void *pb)
{
    const struct ref *a = pa, *b = pb;
    if (a->time < b->time)
        return -1;
    if (a->time > b->time)
        return 1;
    if (a->prio != b->prio)
        return a->prio < b->prio ? -1 : 1;
    if (a->id != b->id)
        return a->id < b->id ? -1 : 1;
    return 0;
}

static const int prio_pool[] = {FS_PRIORITY_MIN, FS_PRIORITY_MIN + 1, -1, 0, 1, FS_PRIORITY_MAX - 1, FS_PRIORITY_MAX};
static const double tie_times[] = {-1.0, -0.0, 0.0, 0.5, 1.0, 1.0 + DBL_EPSILON, 2.0, 1e300};

static int pick_prio(void)
{
    if (fs_test_below(5) == 0)
        return FS_PRIORITY_MIN + (int)fs_test_below(FS_PRIORITY_MAX - FS_PRIORITY_MIN + 1);
    return prio_pool[fs_test_below(sizeof prio_pool / sizeof prio_pool[0])];
}

/* heavy_ties: draw from a handful of times so (time, priority) ties abound. */
static double pick_time(int heavy_ties)
{
    if (heavy_ties || fs_test_below(4) == 0)
        return tie_times[fs_test_below(sizeof tie_times / sizeof tie_times[0])];
    return (double)(fs_test_rand() >> 11) / (double)(UINT64_C(1) << 53) * 1000.0 - 500.0;
}

static fs_action_fn pick_fn(void)
{
    switch (fs_test_below(3)) {
    case 0:
        return NULL;
    case 1:
        return dummy_a;
    default:
        return dummy_b;
    }
}

/* Does popped entry e match reference r (and peeked entry p, if given)? */
static int entry_matches(const struct fs_entry *e, const struct ref *r)
{
    return e->time == r->time && fs_entry_priority(e) == r->prio && entry_id(e) == r->id && e->fn == r->fn;
}

static int same_entry(const struct fs_entry *a, const struct fs_entry *b)
{
    return a->time == b->time && a->order == b->order && a->fn == b->fn && a->data == b->data;
}

static void report_mismatch(const struct fs_entry *e, const struct ref *r)
{
    fprintf(stderr, "  popped (t=%.17g prio=%d id=%llu) expected (t=%.17g prio=%d id=%llu)\n", e->time,
            fs_entry_priority(e), (unsigned long long)entry_id(e), r->time, r->prio, (unsigned long long)r->id);
}

/* Drain q and compare with the sorted reference (live[0..n)). Also checks
 * that peek always equals the next pop. Returns 1 if all matched. */
static int drain_and_compare(struct fs_queue *q, struct ref *live, size_t n)
{
    qsort(live, n, sizeof *live, ref_cmp);
    for (size_t i = 0; i < n; i++) {
        const struct fs_entry *p = fs_queue_peek(q);
        if (!CHECK_MSG(p != NULL, "peek NULL with %zu entries left", n - i))
            return 0;
        struct fs_entry pk = *p, e;
        if (!CHECK_EQ_I(fs_queue_pop(q, &e), FS_OK))
            return 0;
        if (!CHECK_MSG(same_entry(&pk, &e), "peek != pop at drain step %zu", i))
            return 0;
        if (!CHECK_MSG(entry_matches(&e, &live[i]), "wrong pop order at drain step %zu", i)) {
            report_mismatch(&e, &live[i]);
            return 0;
        }
        if (!CHECK_EQ_U(q->len, n - i - 1))
            return 0;
    }
    CHECK(fs_queue_empty(q));
    CHECK(fs_queue_peek(q) == NULL);
    struct fs_entry e;
    CHECK_EQ_I(fs_queue_pop(q, &e), FS_EEMPTY);
    return 1;
}

/* ------------------------------------------------------------------ */

static void test_init_and_empty(void)
{
    struct fs_queue q;
    CHECK_EQ_I(fs_queue_init(&q, 0), FS_OK);
    CHECK(q.heap != NULL);
    CHECK(q.cap >= 1);
    CHECK_EQ_U(q.len, 0);
    CHECK(fs_queue_empty(&q));
    CHECK(fs_queue_peek(&q) == NULL);
    struct fs_entry e;
    CHECK_EQ_I(fs_queue_pop(&q, &e), FS_EEMPTY);
    CHECK_EQ_I(fs_queue_pop(&q, &e), FS_EEMPTY);
    CHECK_EQ_U(q.len, 0);
    /* Still usable after failed pops. */
    CHECK_EQ_I(fs_queue_push(&q, 3.0, 0, NULL, &tags[7]), FS_OK);
    CHECK(!fs_queue_empty(&q));
    CHECK_EQ_I(fs_queue_pop(&q, &e), FS_OK);
    CHECK_EQ_D(e.time, 3.0);
    CHECK_EQ_U(entry_id(&e), 7);
    CHECK_EQ_I(fs_queue_pop(&q, &e), FS_EEMPTY);
    fs_queue_free(&q);
    CHECK(q.heap == NULL);
    CHECK_EQ_U(q.len, 0);
    fs_queue_free(&q); /* freeing twice is harmless */

    CHECK_EQ_I(fs_queue_init(&q, 1000), FS_OK);
    CHECK(q.cap >= 1000);
    fs_queue_free(&q);
}

static void test_entry_less(void)
{
    struct fs_entry a = {1.0, 5, NULL, NULL}, b = {2.0, 0, NULL, NULL};
    CHECK(fs_entry_less(&a, &b)); /* time dominates order */
    CHECK(!fs_entry_less(&b, &a));
    b.time = 1.0;
    CHECK(!fs_entry_less(&a, &b)); /* same time: order decides */
    CHECK(fs_entry_less(&b, &a));
    CHECK(!fs_entry_less(&a, &a)); /* strict */
    b.time = -0.0;
    a.time = 0.0;
    CHECK(fs_entry_less(&b, &a)); /* -0.0 == 0.0, order decides */
}

/* Equal times: lower priority value first; equal priority: insertion order. */
static void test_equal_time_priorities(void)
{
    static const int prios[] = {1, 0, -1, FS_PRIORITY_MAX, FS_PRIORITY_MIN, 0, 1, -1, FS_PRIORITY_MIN, FS_PRIORITY_MAX};
    enum { N = sizeof prios / sizeof prios[0] };
    struct fs_queue q;
    struct ref live[N];
    CHECK_EQ_I(fs_queue_init(&q, 0), FS_OK);
    for (size_t i = 0; i < N; i++) {
        CHECK_EQ_I(fs_queue_push(&q, 4.25, prios[i], NULL, &tags[i]), FS_OK);
        live[i] = (struct ref){4.25, prios[i], i, NULL};
    }
    /* Expected ids spelled out: MIN(4,8) -1(2,7) 0(1,5) 1(0,6) MAX(3,9). */
    static const uint64_t expect[N] = {4, 8, 2, 7, 1, 5, 0, 6, 3, 9};
    for (size_t i = 0; i < N; i++) {
        struct fs_entry e;
        CHECK_EQ_I(fs_queue_pop(&q, &e), FS_OK);
        CHECK_EQ_U(entry_id(&e), expect[i]);
    }
    /* Again, against the reference. */
    for (size_t i = 0; i < N; i++)
        CHECK_EQ_I(fs_queue_push(&q, 4.25, prios[i], NULL, &tags[i]), FS_OK);
    /* same ids, same insertion order: the reference order is unchanged */
    drain_and_compare(&q, live, N);
    fs_queue_free(&q);
}

static void test_time_dominates_priority(void)
{
    struct fs_queue q;
    struct fs_entry e;
    CHECK_EQ_I(fs_queue_init(&q, 0), FS_OK);
    CHECK_EQ_I(fs_queue_push(&q, 1.0, FS_PRIORITY_MIN, NULL, &tags[0]), FS_OK);
    CHECK_EQ_I(fs_queue_push(&q, 0.5, FS_PRIORITY_MAX, NULL, &tags[1]), FS_OK);
    CHECK_EQ_I(fs_queue_push(&q, 1.0 - DBL_EPSILON / 2, FS_PRIORITY_MAX, NULL, &tags[2]), FS_OK);
    CHECK_EQ_I(fs_queue_pop(&q, &e), FS_OK);
    CHECK_EQ_U(entry_id(&e), 1);
    CHECK_EQ_I(fs_queue_pop(&q, &e), FS_OK);
    CHECK_EQ_U(entry_id(&e), 2);
    CHECK_EQ_I(fs_queue_pop(&q, &e), FS_OK);
    CHECK_EQ_U(entry_id(&e), 0);
    CHECK_EQ_I(fs_entry_priority(&e), FS_PRIORITY_MIN);
    fs_queue_free(&q);
}

/* Many entries with identical (time, priority) pop in insertion order, also
 * when interleaved with other keys and partial pops. */
static void test_insertion_order_ties(void)
{
    struct fs_queue q;
    struct fs_entry e;
    enum { N = 3000 };
    CHECK_EQ_I(fs_queue_init(&q, 0), FS_OK);
    for (uint64_t i = 0; i < N; i++)
        CHECK_EQ_I(fs_queue_push(&q, 7.0, (int)(i % 3) - 1, NULL, &tags[i]), FS_OK);
    int ok = 1;
    for (int p = -1; p <= 1 && ok; p++) {
        for (uint64_t i = (uint64_t)(p + 1); i < N; i += 3) {
            ok = CHECK_EQ_I(fs_queue_pop(&q, &e), FS_OK) && CHECK_EQ_U(entry_id(&e), i) &&
                 CHECK_EQ_I(fs_entry_priority(&e), p);
            if (!ok)
                break;
        }
    }
    CHECK(fs_queue_empty(&q));
    fs_queue_free(&q);
}

static void test_priority_range(void)
{
    struct fs_queue q;
    struct fs_entry e;
    CHECK_EQ_I(fs_queue_init(&q, 0), FS_OK);
    static const int bad[] = {FS_PRIORITY_MIN - 1, FS_PRIORITY_MAX + 1, INT_MIN, INT_MAX, 256, -129, 1000};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_EQ_I(fs_queue_push(&q, 0.0, bad[i], NULL, &tags[0]), FS_EINVAL);
        CHECK_EQ_U(q.len, 0);
    }
    CHECK_EQ_I(fs_queue_pop(&q, &e), FS_EEMPTY);
    /* Every valid priority is accepted and round-trips, pushed in descending
     * order at one time so that the heap must reorder them all. */
    for (int p = FS_PRIORITY_MAX; p >= FS_PRIORITY_MIN; p--) {
        CHECK_EQ_I(fs_queue_push(&q, 1.0, p, NULL, &tags[p - FS_PRIORITY_MIN]), FS_OK);
        CHECK_EQ_I(fs_entry_priority(fs_queue_peek(&q)), p);
        /* Invalid pushes in between change nothing. */
        CHECK_EQ_I(fs_queue_push(&q, 0.0, FS_PRIORITY_MAX + 1, NULL, NULL), FS_EINVAL);
    }
    CHECK_EQ_U(q.len, FS_PRIORITY_MAX - FS_PRIORITY_MIN + 1);
    for (int p = FS_PRIORITY_MIN; p <= FS_PRIORITY_MAX; p++) {
        if (!CHECK_EQ_I(fs_queue_pop(&q, &e), FS_OK))
            break;
        CHECK_EQ_I(fs_entry_priority(&e), p);
        CHECK_EQ_U(entry_id(&e), (uint64_t)(p - FS_PRIORITY_MIN));
        CHECK_EQ_D(e.time, 1.0);
    }
    CHECK(fs_queue_empty(&q));
    fs_queue_free(&q);
}

/* Near the end of the sequence space the priority still round-trips (seq bits
 * do not bleed into it), order still holds, and exhaustion is FS_EOVERFLOW. */
static void test_sequence_exhaustion(void)
{
    struct fs_queue q;
    struct fs_entry e;
    CHECK_EQ_I(fs_queue_init(&q, 0), FS_OK);
    q.next_seq = FS_SEQ_MAX - 3; /* white-box: skip 2^55 pushes */
    static const int prios[] = {FS_PRIORITY_MAX, FS_PRIORITY_MIN, 0, FS_PRIORITY_MIN};
    for (int i = 0; i < 4; i++)
        CHECK_EQ_I(fs_queue_push_tagged(&q, 2.0, prios[i], (unsigned)i & 1u, NULL, &tags[i]), FS_OK);
    CHECK_EQ_I(fs_queue_push(&q, 2.0, 0, NULL, &tags[9]), FS_EOVERFLOW);
    CHECK_EQ_I(fs_queue_push(&q, 0.0, FS_PRIORITY_MIN, NULL, &tags[9]), FS_EOVERFLOW);
    CHECK_EQ_U(q.len, 4);
    static const uint64_t expect_id[] = {1, 3, 2, 0};
    static const int expect_prio[] = {FS_PRIORITY_MIN, FS_PRIORITY_MIN, 0, FS_PRIORITY_MAX};
    for (int i = 0; i < 4; i++) {
        CHECK_EQ_I(fs_queue_pop(&q, &e), FS_OK);
        CHECK_EQ_U(entry_id(&e), expect_id[i]);
        CHECK_EQ_I(fs_entry_priority(&e), expect_prio[i]);
        CHECK_EQ_U(fs_entry_seq(&e), FS_SEQ_MAX - 3 + expect_id[i]);
        CHECK_EQ_U(fs_entry_tag(&e), expect_id[i] & 1u); /* the tag does not bleed into seq or priority */
    }
    fs_queue_free(&q);
}

/* The tag bit rides along and never changes the order: the same pushes with
 * tags 1, 0, 1, ... pop in the same order as untagged ones, each with its
 * own tag. */
static void test_tag_bit(void)
{
    struct fs_queue q;
    struct fs_entry e;
    CHECK_EQ_I(fs_queue_init(&q, 0), FS_OK);
    static const double times[] = {3.0, 1.0, 3.0, 1.0, 2.0, 3.0};
    static const int prios[] = {1, 1, 0, 1, 1, 1};
    static const unsigned tag_of[] = {1, 0, 1, 1, 0, 0};
    for (int i = 0; i < 6; i++)
        CHECK_EQ_I(fs_queue_push_tagged(&q, times[i], prios[i], tag_of[i], NULL, &tags[i]), FS_OK);
    /* (1.0, 1, #1), (1.0, 1, #3), (2.0, 1, #4), (3.0, 0, #2), (3.0, 1, #0), (3.0, 1, #5) */
    static const int expect[] = {1, 3, 4, 2, 0, 5};
    for (int i = 0; i < 6; i++) {
        CHECK_EQ_I(fs_queue_pop(&q, &e), FS_OK);
        CHECK(e.data == &tags[expect[i]]);
        CHECK_EQ_U(fs_entry_tag(&e), tag_of[expect[i]]);
        CHECK_EQ_U(fs_entry_seq(&e), (uint64_t)expect[i]);
    }
    fs_queue_free(&q);
}

/* Randomized interleaved pushes and pops against the reference model. */
static void random_run(size_t ops, int push_pct, int heavy_ties, size_t initial_cap)
{
    struct fs_queue q;
    struct ref *live = malloc(ops * sizeof *live);
    size_t n = 0;
    uint64_t next_id = 0;
    if (!CHECK(live != NULL))
        return;
    CHECK_EQ_I(fs_queue_init(&q, initial_cap), FS_OK);
    for (size_t op = 0; op < ops; op++) {
        if (n == 0 || (int)fs_test_below(100) < push_pct) {
            struct ref r = {pick_time(heavy_ties), pick_prio(), next_id++, pick_fn()};
            if (!CHECK_EQ_I(fs_queue_push(&q, r.time, r.prio, r.fn, &tags[r.id]), FS_OK))
                goto out;
            live[n++] = r;
        }
        else {
            size_t m = 0;
            for (size_t i = 1; i < n; i++)
                if (ref_cmp(&live[i], &live[m]) < 0)
                    m = i;
            const struct fs_entry *p = fs_queue_peek(&q);
            if (!CHECK(p != NULL))
                goto out;
            struct fs_entry pk = *p, e;
            if (!CHECK_EQ_I(fs_queue_pop(&q, &e), FS_OK))
                goto out;
            if (!CHECK_MSG(same_entry(&pk, &e), "peek != pop at op %zu", op))
                goto out;
            if (!CHECK_MSG(entry_matches(&e, &live[m]), "wrong pop at op %zu", op)) {
                report_mismatch(&e, &live[m]);
                goto out;
            }
            live[m] = live[--n];
        }
        if (!CHECK_EQ_U(q.len, n))
            goto out;
        if (!CHECK(q.len <= q.cap))
            goto out;
        /* Full invariant check, sparsely (it is O(n)). */
        if (op % 97 == 0 && !CHECK_MSG(fs_queue_valid(&q), "heap invariant broken at op %zu", op))
            goto out;
    }
    drain_and_compare(&q, live, n);
out:
    fs_queue_free(&q);
    free(live);
}

static void test_random_interleaved(void)
{
    for (int round = 0; round < 4 && !fs_test_cur_failed; round++) {
        random_run(20000, 50, 1, 0);  /* balanced, heavy ties */
        random_run(20000, 65, 0, 16); /* growing, mixed times */
        random_run(20000, 90, 1, 0);  /* mostly pushes, then drain */
        random_run(5000, 35, 1, 0);   /* mostly pops: queue stays small */
    }
}

/* fs_queue_valid sees a broken heap (so the checks above can fail). */
static void test_valid_detects_corruption(void)
{
    struct fs_queue q;
    CHECK_EQ_I(fs_queue_init(&q, 0), FS_OK);
    CHECK(fs_queue_valid(&q));
    for (int i = 0; i < 50; i++)
        CHECK_EQ_I(fs_queue_push(&q, (double)(i % 7), 1, NULL, NULL), FS_OK);
    CHECK(fs_queue_valid(&q));
    struct fs_entry tmp = q.heap[0];
    q.heap[0] = q.heap[q.len - 1]; /* a large entry at the root */
    q.heap[q.len - 1] = tmp;
    CHECK(!fs_queue_valid(&q));
    q.heap[q.len - 1] = q.heap[0];
    q.heap[0] = tmp; /* restored */
    CHECK(fs_queue_valid(&q));
    q.heap[3].time = 0.0 / 0.0;
    CHECK(!fs_queue_valid(&q));
    fs_queue_free(&q);
}

/* Growth well beyond the initial capacity: 1e5 entries. */
static void test_growth(void)
{
    enum { N = 100000 };
    struct fs_queue q;
    struct ref *live = malloc(N * sizeof *live);
    if (!CHECK(live != NULL))
        return;
    CHECK_EQ_I(fs_queue_init(&q, 16), FS_OK);
    size_t initial_cap = q.cap;
    for (uint64_t i = 0; i < N; i++) {
        live[i] = (struct ref){pick_time(i % 2), pick_prio(), i, pick_fn()};
        if (!CHECK_EQ_I(fs_queue_push(&q, live[i].time, live[i].prio, live[i].fn, &tags[i]), FS_OK))
            break;
    }
    CHECK_EQ_U(q.len, N);
    CHECK(q.cap >= N);
    CHECK(q.cap > initial_cap);
    drain_and_compare(&q, live, N);
    fs_queue_free(&q);
    free(live);
}

/* ---- fs_queue_remove_if ---- */

struct rm_ctx {
    int mode;     /* which predicate */
    size_t calls; /* how often pred ran */
};

static int rm_pred(const struct fs_entry *e, void *vctx)
{
    struct rm_ctx *c = vctx;
    c->calls++;
    switch (c->mode) {
    case 0:
        return entry_id(e) % 3 == 0;
    case 1:
        return e->fn == dummy_a;
    case 2:
        return fs_entry_priority(e) < 0;
    case 3:
        return 0;
    case 4:
        return 1;
    default:
        return entry_id(e) % 2 == 1;
    }
}

static int ref_pred(const struct ref *r, int mode)
{
    switch (mode) {
    case 0:
        return r->id % 3 == 0;
    case 1:
        return r->fn == dummy_a;
    case 2:
        return r->prio < 0;
    case 3:
        return 0;
    case 4:
        return 1;
    default:
        return r->id % 2 == 1;
    }
}

static void test_remove_if(void)
{
    enum { N = 5000 };
    struct ref *live = malloc(N * 2 * sizeof *live);
    if (!CHECK(live != NULL))
        return;
    for (int mode = 0; mode <= 5; mode++) {
        struct fs_queue q;
        size_t n = 0;
        uint64_t next_id = 0;
        CHECK_EQ_I(fs_queue_init(&q, 0), FS_OK);
        /* Build with some pops so the heap is not in insertion layout. */
        for (int i = 0; i < N; i++) {
            struct ref r = {pick_time(mode & 1), pick_prio(), next_id++, pick_fn()};
            CHECK_EQ_I(fs_queue_push(&q, r.time, r.prio, r.fn, &tags[r.id]), FS_OK);
            live[n++] = r;
            if (i % 5 == 4) {
                struct fs_entry e;
                size_t m = 0;
                for (size_t k = 1; k < n; k++)
                    if (ref_cmp(&live[k], &live[m]) < 0)
                        m = k;
                CHECK_EQ_I(fs_queue_pop(&q, &e), FS_OK);
                CHECK(entry_matches(&e, &live[m]));
                live[m] = live[--n];
            }
        }
        size_t expect_removed = 0, kept = 0;
        for (size_t i = 0; i < n; i++) {
            if (ref_pred(&live[i], mode))
                expect_removed++;
            else
                live[kept++] = live[i];
        }
        struct rm_ctx ctx = {mode, 0};
        size_t before = q.len;
        size_t removed = fs_queue_remove_if(&q, rm_pred, &ctx);
        CHECK_MSG(removed == expect_removed, "mode %d: removed %zu, expected %zu", mode, removed, expect_removed);
        CHECK_EQ_U(q.len, kept);
        CHECK_EQ_U(ctx.calls, before); /* ctx reached pred, once per entry */
        n = kept;
        /* Nothing matching is left anywhere in the heap. */
        for (size_t i = 0; i < q.len; i++)
            if (!CHECK_MSG(!ref_pred(&(struct ref){q.heap[i].time, fs_entry_priority(&q.heap[i]), entry_id(&q.heap[i]),
                                                   q.heap[i].fn},
                                     mode),
                           "mode %d: matching entry survived", mode))
                break;
        /* The queue keeps working: push more, interleave pops, then drain. */
        for (int i = 0; i < N / 2; i++) {
            struct ref r = {pick_time(1), pick_prio(), next_id++, pick_fn()};
            CHECK_EQ_I(fs_queue_push(&q, r.time, r.prio, r.fn, &tags[r.id]), FS_OK);
            live[n++] = r;
            if (i % 3 == 0) {
                struct fs_entry e;
                size_t m = 0;
                for (size_t k = 1; k < n; k++)
                    if (ref_cmp(&live[k], &live[m]) < 0)
                        m = k;
                CHECK_EQ_I(fs_queue_pop(&q, &e), FS_OK);
                if (!CHECK_MSG(entry_matches(&e, &live[m]), "mode %d: wrong pop after remove_if", mode)) {
                    report_mismatch(&e, &live[m]);
                    break;
                }
                live[m] = live[--n];
            }
        }
        drain_and_compare(&q, live, n);
        /* remove_if on an empty queue */
        ctx.calls = 0;
        CHECK_EQ_U(fs_queue_remove_if(&q, rm_pred, &ctx), 0);
        CHECK_EQ_U(ctx.calls, 0);
        fs_queue_free(&q);
    }
    free(live);
}

/* remove_if that empties a small queue, then reuse. */
static void test_remove_if_small(void)
{
    struct fs_queue q;
    struct fs_entry e;
    struct rm_ctx ctx = {0, 0};
    CHECK_EQ_I(fs_queue_init(&q, 0), FS_OK);
    CHECK_EQ_I(fs_queue_push(&q, 1.0, 0, NULL, &tags[0]), FS_OK);
    CHECK_EQ_I(fs_queue_push(&q, 0.5, 0, NULL, &tags[1]), FS_OK);
    CHECK_EQ_I(fs_queue_push(&q, 0.25, 0, NULL, &tags[3]), FS_OK);
    /* mode 0 removes ids 0 and 3 (the current minimum), keeping id 1. */
    CHECK_EQ_U(fs_queue_remove_if(&q, rm_pred, &ctx), 2);
    CHECK_EQ_U(q.len, 1);
    CHECK_EQ_U(entry_id(fs_queue_peek(&q)), 1);
    CHECK_EQ_I(fs_queue_pop(&q, &e), FS_OK);
    CHECK_EQ_U(entry_id(&e), 1);
    CHECK_EQ_I(fs_queue_pop(&q, &e), FS_EEMPTY);
    fs_queue_free(&q);
}

/* ---- allocation-size guards (white-box; real ENOMEM can't be provoked
 * under ASan without allocator_may_return_null) ---- */

static void test_init_capacity_overflow(void)
{
    struct fs_queue q;
    /* capacity * sizeof(struct fs_entry) wraps around to a tiny size. */
    size_t huge = SIZE_MAX / sizeof(struct fs_entry) + 2;
    int rc = fs_queue_init(&q, huge);
    CHECK_MSG(rc == FS_ENOMEM || (rc == FS_OK && q.cap <= SIZE_MAX / sizeof(struct fs_entry)),
              "fs_queue_init(%zu) returned %d with cap %zu: the byte size overflowed", huge, rc, q.cap);
    if (rc == FS_OK)
        fs_queue_free(&q); /* never push: the buffer is too small for cap */
}

static void test_grow_overflow_guard(void)
{
    struct fs_queue q;
    CHECK_EQ_I(fs_queue_init(&q, 0), FS_OK);
    size_t real_cap = q.cap;
    /* Pretend the heap is full at a capacity whose doubling would overflow
     * the byte size; push must fail cleanly without touching memory. */
    q.len = q.cap = SIZE_MAX / sizeof(struct fs_entry);
    CHECK_EQ_I(fs_queue_push(&q, 0.0, 0, NULL, NULL), FS_ENOMEM);
    CHECK_EQ_U(q.len, SIZE_MAX / sizeof(struct fs_entry));
    q.len = 0;
    q.cap = real_cap;
    fs_queue_free(&q);
}

void fs_test_queue_suite(void)
{
    init_tags();
    RUN_TEST(test_init_and_empty);
    RUN_TEST(test_entry_less);
    RUN_TEST(test_equal_time_priorities);
    RUN_TEST(test_time_dominates_priority);
    RUN_TEST(test_insertion_order_ties);
    RUN_TEST(test_priority_range);
    RUN_TEST(test_sequence_exhaustion);
    RUN_TEST(test_tag_bit);
    RUN_TEST(test_random_interleaved);
    RUN_TEST(test_valid_detects_corruption);
    RUN_TEST(test_growth);
    RUN_TEST(test_remove_if);
    RUN_TEST(test_remove_if_small);
    RUN_TEST(test_init_capacity_overflow);
    RUN_TEST(test_grow_overflow_guard);
}
