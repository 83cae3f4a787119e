/* fs_lb: a function's replica set and load-balancing policies; see fs_lb.h. */
#include "fs_lb.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#ifdef FS_CHECK_HEAVY
#define FS_LB_HEAVY(cond) assert(cond)
#else
#define FS_LB_HEAVY(cond) ((void)0)
#endif

void fs_lb_init(struct fs_lb *lb)
{
    memset(lb, 0, sizeof *lb);
}

void fs_lb_free(struct fs_lb *lb)
{
    free(lb->r);
    free(lb->slots);
    free(lb->lo);
    fs_lb_init(lb);
}

/* ------------------------------------------------------------------ */
/* The id table: slots hold position + 1 (0 = empty); the id is read from
 * the replica array, so a slot is 4 bytes. */

/* murmur3's 32-bit finalizer: ids are dense small integers, and all their
 * bits must reach the low bits that the mask keeps. */
static inline uint32_t hash_id(uint32_t x)
{
    x ^= x >> 16;
    x *= UINT32_C(0x85EBCA6B);
    x ^= x >> 13;
    x *= UINT32_C(0xC2B2AE35);
    x ^= x >> 16;
    return x;
}

/* Slot holding `id`, or the empty slot where it would go. */
static inline uint32_t probe(const struct fs_lb *lb, const uint32_t *slots, uint32_t nslots, uint32_t id)
{
    uint32_t mask = nslots - 1, i = hash_id(id) & mask;
    while (slots[i] && lb->r[slots[i] - 1].id != id)
        i = (i + 1) & mask;
    return i;
}

/* Fill `slots` (zeroed, nslots of them) from positions 0 .. n of lb->r. */
static void table_fill(const struct fs_lb *lb, uint32_t *slots, uint32_t nslots, uint32_t n)
{
    for (uint32_t p = 0; p < n; p++)
        slots[probe(lb, slots, nslots, lb->r[p].id)] = p + 1;
}

static int lookup(const struct fs_lb *lb, uint32_t id, uint32_t *pos)
{
    if (!lb->nslots)
        return FS_EUNKNOWNREPLICA;
    uint32_t s = lb->slots[probe(lb, lb->slots, lb->nslots, id)];
    if (!s)
        return FS_EUNKNOWNREPLICA;
    *pos = s - 1;
    return FS_OK;
}

/* Make room for one more replica: grow the array, the table (rehashed
 * from the current contents) and the tournament (dropped: rebuilt by the
 * next least-outstanding pick) before anything else changes, so that a
 * failed allocation leaves the set as it was. */
static int reserve_one(struct fs_lb *lb)
{
    if (lb->n >= FS_LB_MAX_REPLICAS)
        return FS_EOVERFLOW;
    if (lb->n < lb->cap)
        return FS_OK;
    uint32_t ncap = lb->cap ? lb->cap * 2 : 8; /* <= 2^30 */
    uint32_t nslots = ncap * 2;
    uint32_t *slots = calloc(nslots, sizeof *slots);
    if (!slots)
        return FS_ENOMEM;
    uint64_t *lo = malloc((size_t)ncap * sizeof *lo); /* lo[0] is unused */
    if (!lo) {
        free(slots);
        return FS_ENOMEM;
    }
    struct fs_lb_replica *r = realloc(lb->r, (size_t)ncap * sizeof *r);
    if (!r) {
        free(lo);
        free(slots);
        return FS_ENOMEM;
    }
    lb->r = r;
    lb->cap = ncap;
    free(lb->lo);
    lb->lo = lo;
    lb->lo_valid = 0;
    table_fill(lb, slots, nslots, lb->n);
    free(lb->slots);
    lb->slots = slots;
    lb->nslots = nslots;
    return FS_OK;
}

static void table_rebuild(struct fs_lb *lb)
{
    memset(lb->slots, 0, (size_t)lb->nslots * sizeof *lb->slots);
    table_fill(lb, lb->slots, lb->nslots, lb->n);
}

/* ------------------------------------------------------------------ */
/* The least-outstanding tournament: a complete binary tree over the
 * positions 0 .. cap (cap is a power of two). A replica's key is
 * inflight * 2^32 + position, so that the smallest key is the replica with
 * the fewest requests in flight, the earliest on ties: exactly the scan's
 * choice. Empty positions (n .. cap) have the key UINT64_MAX, above every
 * replica's (positions are below 2^30). Node cap + p is the leaf of
 * position p (its key is computed from the array, not stored); an internal
 * node i (1 <= i < cap) has the children 2i and 2i + 1 and stores in lo[i]
 * the smallest key of its subtree. The root lo[1] names the least
 * outstanding replica: fs_lb_pick reads it in O(1), and a change of one
 * in-flight count replays the matches on the leaf's path, O(log n), without
 * touching other replicas than the leaf's sibling.
 *
 * The tree is kept only while lo_valid is set: it is built (O(n)) by the
 * first least-outstanding pick after it was dropped, when the set has more
 * than FS_LB_SCAN_MAX replicas, and dropped when positions move
 * (fs_lb_insert other than at the end, fs_lb_remove) or the arrays grow.
 * Small sets are scanned instead (a few replicas in a cache line or two
 * cost less to scan than a path to replay at every dispatch and
 * completion). So lo_valid implies n > FS_LB_SCAN_MAX (removals drop the
 * tree, appends only grow n), a set never picked by least outstanding pays
 * nothing per request, and one that is pays O(log n) per dispatch and
 * completion. */

static inline uint64_t lo_leaf(const struct fs_lb *lb, uint32_t p)
{
    return p < lb->n ? (uint64_t)lb->r[p].inflight << 32 | p : UINT64_MAX;
}

static inline uint64_t lo_key(const struct fs_lb *lb, uint32_t i)
{
    return i >= lb->cap ? lo_leaf(lb, i - lb->cap) : lb->lo[i];
}

static inline uint64_t lo_match(const struct fs_lb *lb, uint32_t i)
{
    uint64_t a = lo_key(lb, 2 * i), b = lo_key(lb, 2 * i + 1);
    return b < a ? b : a;
}

static void lo_build(struct fs_lb *lb)
{
    for (uint32_t i = lb->cap - 1; i >= 1; i--)
        lb->lo[i] = lo_match(lb, i);
    lb->lo_valid = 1;
}

/* The key of position p changed: replay the matches from p's leaf up. A
 * node's key depends on its children's keys only, so once a node keeps its
 * key nothing above it changes and the replay stops. */
static void lo_update(struct fs_lb *lb, uint32_t p)
{
    if (!lb->lo_valid)
        return;
    for (uint32_t i = (lb->cap + p) / 2; i >= 1; i /= 2) {
        uint64_t k = lo_match(lb, i);
        if (k == lb->lo[i])
            break;
        lb->lo[i] = k;
    }
}

int fs_lb_valid(const struct fs_lb *lb)
{
    if (!lb || lb->n > lb->cap)
        return 0;
    if (lb->cap && (lb->cap & (lb->cap - 1)))
        return 0;
    /* the id table maps every replica's id to its position, and holds
     * nothing else */
    if (lb->cap && lb->nslots < 2 * lb->cap)
        return 0;
    uint32_t used = 0;
    for (uint32_t s = 0; s < lb->nslots; s++)
        if (lb->slots[s]) {
            if (lb->slots[s] > lb->n)
                return 0;
            used++;
        }
    if (used != lb->n)
        return 0;
    int64_t total = 0;
    for (uint32_t p = 0; p < lb->n; p++) {
        uint32_t where;
        if (lookup(lb, lb->r[p].id, &where) != FS_OK || where != p)
            return 0;
        if (lb->r[p].weight < 1)
            return 0;
        total += lb->r[p].weight;
    }
    if (total != lb->total)
        return 0;
    /* every stored key is the smaller of its children's */
    if (lb->lo_valid) {
        if (lb->n <= FS_LB_SCAN_MAX)
            return 0;
        for (uint32_t i = 1; i < lb->cap; i++)
            if (lb->lo[i] != lo_match(lb, i))
                return 0;
    }
    return 1;
}

/* ------------------------------------------------------------------ */
/* Membership */

int fs_lb_insert(struct fs_lb *lb, size_t pos, uint32_t id)
{
    if (!lb || pos > lb->n)
        return FS_EINVAL;
    uint32_t where;
    if (lookup(lb, id, &where) == FS_OK)
        return FS_EDUPREPLICA;
    if (lb->total + FS_LB_DEFAULT_WEIGHT > FS_LB_MAX_TOTAL_WEIGHT)
        return FS_EOVERFLOW;
    int rc = reserve_one(lb);
    if (rc != FS_OK)
        return rc;
    /* No failure from here on. */
    memmove(&lb->r[pos + 1], &lb->r[pos], (lb->n - pos) * sizeof *lb->r);
    lb->r[pos] = (struct fs_lb_replica){.id = id, .inflight = 0, .weight = FS_LB_DEFAULT_WEIGHT, .current = 0};
    lb->n++;
    lb->total += FS_LB_DEFAULT_WEIGHT;
    lb->wrr_stale = 1;
    if (pos == lb->n - 1) { /* appended: nothing moved */
        lb->slots[probe(lb, lb->slots, lb->nslots, id)] = lb->n;
        lo_update(lb, (uint32_t)pos);
    }
    else {
        table_rebuild(lb);
        lb->lo_valid = 0;
    }
    FS_LB_HEAVY(fs_lb_valid(lb));
    return FS_OK;
}

int fs_lb_add(struct fs_lb *lb, uint32_t id)
{
    return lb ? fs_lb_insert(lb, lb->n, id) : FS_EINVAL;
}

int fs_lb_remove(struct fs_lb *lb, uint32_t id)
{
    uint32_t pos;
    if (!lb)
        return FS_EINVAL;
    int rc = lookup(lb, id, &pos);
    if (rc != FS_OK)
        return rc;
    lb->total -= lb->r[pos].weight;
    memmove(&lb->r[pos], &lb->r[pos + 1], (lb->n - pos - 1) * sizeof *lb->r);
    lb->n--;
    lb->wrr_stale = 1;
    table_rebuild(lb);
    lb->lo_valid = 0;
    FS_LB_HEAVY(fs_lb_valid(lb));
    return FS_OK;
}

int fs_lb_set_weight(struct fs_lb *lb, uint32_t id, int32_t weight)
{
    uint32_t pos;
    if (!lb || weight < 1)
        return FS_EINVAL;
    int rc = lookup(lb, id, &pos);
    if (rc != FS_OK)
        return rc;
    int64_t total = lb->total + weight - lb->r[pos].weight;
    if (total > FS_LB_MAX_TOTAL_WEIGHT)
        return FS_EOVERFLOW;
    if (weight == lb->r[pos].weight)
        return FS_OK; /* no change: the WRR cycle goes on */
    lb->total = total;
    lb->r[pos].weight = weight;
    lb->wrr_stale = 1;
    FS_LB_HEAVY(fs_lb_valid(lb));
    return FS_OK;
}

int fs_lb_find(const struct fs_lb *lb, uint32_t id, size_t *pos)
{
    uint32_t p;
    if (!lb)
        return FS_EINVAL;
    int rc = lookup(lb, id, &p);
    if (rc == FS_OK && pos)
        *pos = p;
    return rc;
}

/* ------------------------------------------------------------------ */
/* In-flight requests */

int fs_lb_dispatch(struct fs_lb *lb, uint32_t id)
{
    uint32_t pos;
    if (!lb)
        return FS_EINVAL;
    int rc = lookup(lb, id, &pos);
    if (rc != FS_OK)
        return rc;
    if (lb->r[pos].inflight == UINT32_MAX)
        return FS_EOVERFLOW;
    lb->r[pos].inflight++;
    lo_update(lb, pos);
    FS_LB_HEAVY(fs_lb_valid(lb));
    return FS_OK;
}

int fs_lb_complete(struct fs_lb *lb, uint32_t id)
{
    uint32_t pos;
    if (!lb)
        return FS_EINVAL;
    int rc = lookup(lb, id, &pos);
    if (rc != FS_OK)
        return rc;
    if (lb->r[pos].inflight == 0)
        return FS_EINVAL;
    lb->r[pos].inflight--;
    lo_update(lb, pos);
    FS_LB_HEAVY(fs_lb_valid(lb));
    return FS_OK;
}

/* ------------------------------------------------------------------ */
/* Policies: each returns the chosen position (the set is not empty). */

static uint32_t pick_round_robin(struct fs_lb *lb)
{
    /* faas-sim: i = counter % len(running); counter = (i + 1) % len(running) */
    uint32_t i = (uint32_t)(lb->rr_next % lb->n);
    lb->rr_next = (i + 1) % lb->n;
    return i;
}

static uint32_t pick_least_outstanding(struct fs_lb *lb)
{
    if (lb->n <= FS_LB_SCAN_MAX) {
        uint32_t best = 0;
        for (uint32_t p = 1; p < lb->n; p++)
            if (lb->r[p].inflight < lb->r[best].inflight) /* strict: ties keep the earliest */
                best = p;
        return best;
    }
    if (!lb->lo_valid)
        lo_build(lb);
    return (uint32_t)lb->lo[1]; /* the set is not empty: the root's key is a replica's */
}

/* floor(x * n / 2^64) for n < 2^32, exactly, without 128-bit integers:
 * x * n = hi * n * 2^32 + lo * n with hi, lo the halves of x, and
 * hi * n + (lo * n >> 32) < 2^64. */
static inline uint32_t scale_draw(uint64_t x, uint32_t n)
{
    uint64_t hi = x >> 32, lo = x & UINT32_MAX;
    return (uint32_t)((hi * n + ((lo * n) >> 32)) >> 32);
}

static uint32_t pick_random(const struct fs_lb *lb, struct fs_rng *rng)
{
    return scale_draw(fs_rng_next_u64(rng), lb->n);
}

static uint32_t pick_weighted(struct fs_lb *lb)
{
    struct fs_lb_replica *r = lb->r;
    if (lb->wrr_stale) {
        for (uint32_t p = 0; p < lb->n; p++)
            r[p].current = 0;
        lb->wrr_stale = 0;
    }
    /* nginx's ngx_http_upstream_get_peer without failures (effective weight
     * = weight). Bounds: current weights sum to 0 after every pick (each
     * pick adds total and takes total away). The winner has the largest
     * current weight after the increment, so at least total / n > 0, and
     * keeps more than -total after losing total; the others only grow. So
     * every current weight is above -total, and, the sum being 0, below
     * (n - 1) * total (below n * total during the increment). With n <=
     * 2^30 and total <= INT32_MAX, that is below 2^61: int64 holds it. */
    uint32_t best = 0;
    for (uint32_t p = 0; p < lb->n; p++) {
        r[p].current += r[p].weight;
        if (r[p].current > r[best].current) /* strict: ties keep the earliest */
            best = p;
    }
    r[best].current -= lb->total;
    return best;
}

int fs_lb_pick(struct fs_lb *lb, int policy, struct fs_rng *rng, uint32_t *out_replica)
{
    if (!lb || !out_replica || policy < 0 || policy >= FS_LB_NPOLICIES || (policy == FS_LB_RANDOM && !rng))
        return FS_EINVAL;
    if (lb->n == 0)
        return FS_ENOREPLICA;
    uint32_t pos = 0;
    switch (policy) {
    case FS_LB_ROUND_ROBIN:
        pos = pick_round_robin(lb);
        break;
    case FS_LB_LEAST_OUTSTANDING:
        pos = pick_least_outstanding(lb);
        break;
    case FS_LB_RANDOM:
        pos = pick_random(lb, rng);
        break;
    case FS_LB_WEIGHTED_ROUND_ROBIN:
        pos = pick_weighted(lb);
        break;
    }
    assert(pos < lb->n);
    FS_LB_HEAVY(fs_lb_valid(lb));
    *out_replica = lb->r[pos].id;
    return FS_OK;
}

int fs_lb_route(struct fs_lb *lb, int policy, struct fs_rng *rng, uint32_t *out_replica)
{
    if (!lb || !out_replica || policy < 0 || policy >= FS_LB_NPOLICIES || (policy == FS_LB_RANDOM && !rng))
        return FS_EINVAL;
    if (lb->n == 1) {
        *out_replica = lb->r[0].id;
        return FS_OK;
    }
    return fs_lb_pick(lb, policy, rng, out_replica);
}
