/*
 * fs_lb: load balancing over one function's running replicas.
 *
 * Design note
 * -----------
 * A struct fs_lb belongs to one function. It owns the function's replica
 * set: the ids (uint32, assigned by the platform) of its RUNNING replicas in
 * a fixed order, each with an in-flight request count and a weight (>= 1,
 * 1 when added), plus the state of every policy: faas-sim's round-robin
 * counter and the current weights of smooth weighted round robin. The
 * platform adds a replica when it becomes RUNNING and removes it when it
 * stops; removal keeps the relative order of the others.
 *
 * Order: fs_lb_add appends; fs_lb_insert puts a replica at a given position.
 * faas-sim keeps a function's replicas in deployment order and filters them
 * by state RUNNING, so a replica that finishes starting before an older one
 * still comes after it. A platform that reproduces faas-sim inserts each
 * replica at the number of RUNNING replicas of the function deployed before
 * it (appending is right whenever replicas become RUNNING in deployment
 * order).
 *
 * Policies (fs_lb_pick), n = number of replicas:
 *   FS_LB_ROUND_ROBIN        faas-sim's RoundRobinLoadBalancer.next_replica:
 *                            i = counter % n; counter = (i + 1) % n; pick
 *                            the i-th replica. The counter survives adds and
 *                            removals (and an empty set), as faas-sim's
 *                            per-function counter does. O(1).
 *   FS_LB_LEAST_OUTSTANDING  fewest in-flight requests; ties go to the
 *                            earliest in order. O(1) with a tournament
 *                            tree over the positions; sets of at most
 *                            FS_LB_SCAN_MAX replicas are scanned (see
 *                            Complexity).
 *   FS_LB_RANDOM             uniform: exactly one 64-bit draw x from the
 *                            given fs_rng per pick, index floor(x * n / 2^64)
 *                            (multiply-shift: no rejection loop, so the
 *                            number of draws never depends on the values; the
 *                            bias is below n / 2^64). O(1).
 *   FS_LB_WEIGHTED_ROUND_ROBIN  smooth weighted round robin as in nginx:
 *                            every replica's current weight grows by its
 *                            weight, the largest current weight wins (ties:
 *                            earliest in order) and loses the total weight.
 *                            Deterministic; from all-zero current weights,
 *                            every sum(weights) consecutive picks choose
 *                            replica i exactly weight_i times, interleaved
 *                            ({5, 1, 1} gives a a b a c a a; after t picks no
 *                            replica is a whole pick ahead of its share
 *                            t * weight_i / sum(weights)). Adding,
 *                            inserting or removing a replica or giving one a
 *                            different weight resets the current weights to
 *                            zero (the next pick starts a new cycle). O(n)
 *                            per pick, by nature: every current weight
 *                            grows at every pick.
 * fs_lb_pick changes no in-flight count: the platform calls fs_lb_dispatch
 * when it sends a request to the chosen replica (whichever policy, a Python
 * load balancer included, chose it) and fs_lb_complete when the request
 * finishes.
 *
 * faas-sim's invoke consults the load balancer only when more than one
 * replica runs: with exactly one it takes that replica and the round-robin
 * counter does not move. fs_lb_route reproduces this; fs_lb_pick is the
 * load balancer alone.
 *
 * Complexity: lookups by id (dispatch, complete, find, set_weight) are
 * expected O(1) through an open-addressing table id -> position (linear
 * probing, power-of-two slots, load <= 1/2). Least outstanding keeps a
 * tournament tree over the positions (for every subtree, the smallest key
 * (in-flight count, position): the fewest in flight, the earliest on ties;
 * 8 bytes per position): a pick reads its root, O(1); fs_lb_dispatch and
 * fs_lb_complete replay the matches on one leaf-to-root path, O(log n)
 * (stopping at the first node whose key stays), and fs_lb_add as well
 * (amortised: growing the arrays drops the tree). The tree is built, O(n),
 * by the first least-outstanding pick on more than FS_LB_SCAN_MAX replicas,
 * and dropped whenever positions shift: a set that is never picked by
 * least outstanding pays nothing for it, and one of up to FS_LB_SCAN_MAX
 * replicas is scanned (O(FS_LB_SCAN_MAX) per pick, nothing per dispatch or
 * completion). fs_lb_insert (other than at the end) and fs_lb_remove are O(n): they
 * shift the array, rebuild the table and drop the tree, which the next
 * least-outstanding pick rebuilds, O(n); they happen once per replica's
 * lifecycle, not per request. Memory: 40 bytes per unit of capacity (the
 * capacity is at most twice the largest n): 24 for the array, 8 for the
 * table, 8 for the tree.
 *
 * Errors: every function either succeeds or returns a negative status and
 * changes nothing (allocation happens before any change). Status codes:
 * FS_OK, FS_ENOMEM, FS_EINVAL (bad argument: unknown policy, NULL pointer,
 * weight < 1, position out of range, RANDOM without a generator, completing
 * a request on a replica with none in flight), FS_EOVERFLOW (in-flight
 * count, set size or total weight at its limit) and the codes of enum
 * fs_lb_status.
 *
 * Threading: none; callers serialise (the Python binding holds the GIL).
 */
#ifndef FS_LB_H
#define FS_LB_H

#include <stddef.h>
#include <stdint.h>

#include "fs_queue.h" /* enum fs_status */
#include "fs_rng.h"

/* The load balancer's own statuses, in a range (-48 .. -63) kept clear of
 * enum fs_status and the other engine modules. */
enum fs_lb_status {
    FS_ENOREPLICA = -48,      /* pick from an empty replica set */
    FS_EUNKNOWNREPLICA = -49, /* the id is not in the set */
    FS_EDUPREPLICA = -50      /* the id is already in the set */
};

enum fs_lb_policy {
    FS_LB_ROUND_ROBIN = 0,
    FS_LB_LEAST_OUTSTANDING,
    FS_LB_RANDOM,
    FS_LB_WEIGHTED_ROUND_ROBIN,
    FS_LB_NPOLICIES
};

#define FS_LB_DEFAULT_WEIGHT 1
/* Least outstanding scans sets of up to this many replicas and keeps a
 * tournament tree for larger ones (see Complexity). */
#define FS_LB_SCAN_MAX 16
#define FS_LB_MAX_REPLICAS (UINT32_C(1) << 30)
/* Cap on the sum of the weights of a set; with FS_LB_MAX_REPLICAS it keeps
 * smooth WRR's current weights within int64 (see fs_lb.c). */
#define FS_LB_MAX_TOTAL_WEIGHT INT32_MAX

struct fs_lb_replica {
    uint32_t id;
    uint32_t inflight; /* requests dispatched and not completed */
    int32_t weight;    /* >= 1 */
    int64_t current;   /* smooth WRR current weight */
};

struct fs_lb {
    struct fs_lb_replica *r; /* r[0 .. n): the set, in order */
    uint32_t n, cap;
    uint32_t *slots;  /* id table: position + 1, 0 = empty slot */
    uint32_t nslots;  /* power of two >= 2 * cap, or 0 */
    uint64_t *lo;     /* least-outstanding tournament: lo[1 .. cap) (see fs_lb.c) */
    int lo_valid;     /* lo holds the minimum keys of the current counts */
    uint64_t rr_next; /* faas-sim's round-robin counter */
    int64_t total;    /* sum of the weights */
    int wrr_stale;    /* current weights must be reset before the next WRR pick */
};

/* An empty set; allocates nothing (cannot fail). */
void fs_lb_init(struct fs_lb *lb);
void fs_lb_free(struct fs_lb *lb);

/* Append replica `id` with weight 1 and nothing in flight. FS_EDUPREPLICA if
 * it is already in the set. */
int fs_lb_add(struct fs_lb *lb, uint32_t id);
/* Insert replica `id` at position pos (0 .. count; count appends). */
int fs_lb_insert(struct fs_lb *lb, size_t pos, uint32_t id);
/* Remove replica `id`, keeping the order of the others; its in-flight count
 * is forgotten (requests still running on it complete outside the set:
 * fs_lb_complete then reports FS_EUNKNOWNREPLICA). */
int fs_lb_remove(struct fs_lb *lb, uint32_t id);
/* Weight of replica `id` (>= 1, else FS_EINVAL; FS_EOVERFLOW if the sum of
 * the weights would exceed FS_LB_MAX_TOTAL_WEIGHT). */
int fs_lb_set_weight(struct fs_lb *lb, uint32_t id, int32_t weight);

/* A request was sent to / finished on replica `id`. fs_lb_complete with no
 * request in flight is FS_EINVAL. */
int fs_lb_dispatch(struct fs_lb *lb, uint32_t id);
int fs_lb_complete(struct fs_lb *lb, uint32_t id);

/* Choose a replica by `policy` into *out_replica. rng is used (one draw) by
 * FS_LB_RANDOM only and may be NULL for the others. FS_ENOREPLICA when the
 * set is empty: nothing changes and nothing is drawn. */
int fs_lb_pick(struct fs_lb *lb, int policy, struct fs_rng *rng, uint32_t *out_replica);
/* faas-sim's invoke: the only replica when there is one (the policy is not
 * consulted: no counter update, no draw), fs_lb_pick otherwise. */
int fs_lb_route(struct fs_lb *lb, int policy, struct fs_rng *rng, uint32_t *out_replica);

/* Position of replica `id` into *pos (may be NULL): FS_OK or
 * FS_EUNKNOWNREPLICA. */
int fs_lb_find(const struct fs_lb *lb, uint32_t id, size_t *pos);

/* Full check of the set's invariants, O(n + table size): the id table maps
 * every replica's id to its position and holds nothing else, the total
 * weight is the sum of the weights, and the least-outstanding tournament,
 * while kept, holds the smallest key of every subtree. Returns 1 if valid. Used by
 * the C tests and, in FAASSIM_DEBUG builds with FS_CHECK_HEAVY defined,
 * after every operation. */
int fs_lb_valid(const struct fs_lb *lb);

static inline size_t fs_lb_count(const struct fs_lb *lb)
{
    return lb->n;
}
/* The replica at position pos (< count): id, inflight and weight. */
static inline const struct fs_lb_replica *fs_lb_at(const struct fs_lb *lb, size_t pos)
{
    return pos < lb->n ? &lb->r[pos] : NULL;
}

#endif
