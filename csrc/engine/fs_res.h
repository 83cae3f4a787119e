/*
 * fs_res: exact resource accounting per replica and per node.
 *
 * Design note
 * -----------
 * A struct fs_res owns three things:
 *   - the slot table: resource names ("cpu", "memory", ...) interned as
 *     small integer slots 0 .. FS_RES_MAX_SLOTS-1 in order of first use;
 *   - replicas: dense uint32 ids chosen by the platform, each registered on
 *     one node, holding one accumulator per slot;
 *   - nodes: dense uint32 ids, created when a replica is registered on them
 *     (or by fs_res_reserve_nodes), holding one accumulator per slot that is
 *     the sum of the accumulators of the replicas registered on the node.
 * fs_res_put / fs_res_remove change a replica's accumulator and its node's
 * together: both or neither.
 *
 * Exactness: every finite double is an integer multiple of 2^-1074, so an
 * accumulator stores its amount as an exact unsigned fixed-point integer
 * of 2^-1074 units: 64-bit limbs scaled by 2^(64 * base), trimmed at both
 * ends (no zero limb at either end; zero is no limb), so that the
 * representation of an amount is unique. Guarantee: the stored amount is
 * the exact real sum of the values put minus the values removed (no
 * rounding ever happens on update); a read (fs_res_get, fs_res_node_get)
 * rounds that real number once, to the nearest double (ties to even). So
 * any balanced sequence of puts and removes reads exactly 0.0, in any
 * order, and a node's amount is exactly the sum of its replicas'. Typical
 * amounts (integers, fractions like 0.1, 1e-9 .. 1e12 together) fit in
 * 1 .. 3 limbs; two live inside the accumulator, more on the heap. The
 * worst case is bounded: amounts lie in [2^-1074, 2^1024), at most 34 limbs.
 *
 * Validation: a value to put or remove must be finite and >= 0 (FS_EINVAL,
 * -0.0 counts as 0; adding or removing 0 is a successful no-op). Removing
 * more than a replica holds, compared exactly, is FS_ERES_INSUFFICIENT. A
 * put whose node amount would read as infinity is FS_EOVERFLOW.
 *
 * Unregistering a replica that still holds amounts is FS_ERES_NOTEMPTY
 * unless `force` is set: then its remaining amounts are removed from its
 * node exactly (as if every outstanding put were removed) and dropped.
 *
 * Complexity: put, remove, get and the masks are O(1): a bounded number of
 * limbs (<= 34), and per-entity accumulator arrays indexed by slot, grown
 * (amortised) when a new slot is first used on that entity. fs_res_slot
 * (interning) compares at most FS_RES_MAX_SLOTS names; callers cache slots
 * per name. The non-empty slots of an entity form a 64-bit mask, so
 * is-empty is O(1) and iteration visits only non-empty slots.
 *
 * Errors: every function either succeeds or returns a negative status and
 * changes nothing observable (allocation happens before any change).
 * Status codes: FS_OK, FS_ENOMEM, FS_EINVAL (NULL, bad slot, id too large,
 * negative / NaN / infinite value), FS_EOVERFLOW and enum fs_res_status.
 *
 * Checks: fs_res_valid recomputes every node amount from its replicas
 * (exactly) and checks the canonical form and the masks; O(everything),
 * for tests and debug builds.
 *
 * Standing claims: a replica may also hold k copies of one fixed vector v
 * of (slot, value) pairs (a simulator that claims the same characterized
 * resources for every request it runs). fs_res_claim_set defines v while
 * k == 0; fs_res_claim_add changes k by one in O(1), touching neither the
 * accumulators nor the node: the cheap path of a request's claim and
 * release. Everything that reads amounts includes them: a replica's amount
 * of slot s is exactly loose + k * v_s (loose: what put / remove hold), a
 * node's is its loose amount plus the exact sum of k_r * v_{r,s} over the
 * replicas registered on it that have a vector (each node keeps the list of
 * those "claimers"), rounded once as above; masks likewise. The *_loose
 * getters read the put / remove part alone. fs_res_claim_fold moves a
 * replica's k * v into its (and its node's) loose amounts exactly and sets k
 * to 0 (bumping the claim's epoch, so that holders of the folded claims
 * know to remove them as loose amounts); a remove that needs more than the
 * loose amount holds gives FS_ERES_INSUFFICIENT and the caller may fold
 * and retry. Values of a vector are finite, >= 0 and at most 2^960, at
 * most FS_RES_CLAIM_MAX of them, k at most 2^31: sums of standing claims
 * stay far from overflow (a node amount can read as +inf only once its
 * loose part is already near DBL_MAX). Reads that include standing claims
 * cost O(number of claimers on the node) for a node.
 *
 * Threading: none; callers serialise (the Python binding holds the GIL).
 */
#ifndef FS_RES_H
#define FS_RES_H

#include <stddef.h>
#include <stdint.h>

#include "fs_queue.h" /* enum fs_status */

/* Resource accounting's own statuses, in a range (-64 .. -79) kept clear of
 * enum fs_status and the other engine modules. */
enum fs_res_status {
    FS_ERES_SLOTS = -64,           /* a new name but all FS_RES_MAX_SLOTS slots are taken */
    FS_ERES_UNKNOWN_REPLICA = -65, /* replica id not registered */
    FS_ERES_UNKNOWN_NODE = -66,    /* node id never created */
    FS_ERES_DUP_REPLICA = -67,     /* replica id already registered */
    FS_ERES_INSUFFICIENT = -68,    /* remove more than the replica holds */
    FS_ERES_NOTEMPTY = -69,        /* unregister (without force) a replica holding amounts */
    FS_ERES_NO_SLOT = -70,         /* fs_res_slot_find: the name has no slot */
    FS_ERES_CLAIMED = -71,         /* fs_res_claim_set while standing claims are held */
    FS_ERES_NO_CLAIM = -72         /* fs_res_claim_add on a replica without a claim vector */
};

#define FS_RES_MAX_SLOTS 64
/* Replica and node ids are < FS_RES_MAX_ID (FS_EINVAL otherwise). */
#define FS_RES_MAX_ID (UINT32_C(1) << 30)
#define FS_RES_INLINE_LIMBS 2

/* An exact amount: sum(limb[i] * 2^(64 * (base + i))), limb[0] and
 * limb[n-1] non-zero when n > 0; n == 0 is zero. cap == 0: limbs inline. */
struct fs_res_acc {
    union {
        uint64_t in[FS_RES_INLINE_LIMBS];
        uint64_t *heap;
    } u;
    int16_t base;
    uint8_t n;
    uint8_t cap;
};

#define FS_RES_CLAIM_MAX 8

/* A replica's standing claims: k copies of (slot[i], v[i]), i < nv. */
struct fs_res_claim {
    int64_t k;
    uint64_t mask;  /* the slots of the vector (every v[i] > 0) */
    uint32_t epoch; /* bumped by each fs_res_claim_fold */
    int nv;
    int slot[FS_RES_CLAIM_MAX];
    double v[FS_RES_CLAIM_MAX];
};

struct fs_res_entity {
    struct fs_res_acc *acc; /* acc[0 .. nacc), indexed by slot: the loose amounts */
    uint32_t nacc;
    uint32_t node;              /* replicas: the node; nodes: number of replicas registered */
    uint64_t mask;              /* bit s set <=> acc[s] != 0 */
    int registered;             /* replicas only */
    struct fs_res_claim *claim; /* replicas: the standing claims, or NULL (never defined) */
    uint32_t *claimers;         /* nodes: ids of the replicas on it that have a claim vector */
    uint32_t nclaimers, capclaimers;
};

struct fs_res {
    char *names[FS_RES_MAX_SLOTS];
    size_t name_len[FS_RES_MAX_SLOTS];
    uint32_t nslots;
    struct fs_res_entity *rep; /* rep[0 .. nrep) */
    uint32_t nrep, caprep;
    struct fs_res_entity *node; /* node[0 .. nnode) */
    uint32_t nnode, capnode;
};

void fs_res_init(struct fs_res *t);
void fs_res_free(struct fs_res *t);

/* Slot of name[0 .. len) (any bytes), interned on first use: >= 0, or
 * FS_ERES_SLOTS, FS_ENOMEM, FS_EINVAL (NULL name with len > 0). */
int fs_res_slot(struct fs_res *t, const char *name, size_t len);
/* Slot of an already interned name, or FS_ERES_NO_SLOT. */
int fs_res_slot_find(const struct fs_res *t, const char *name, size_t len);
/* Name of a slot (not NUL-terminated; *len set), or NULL for a bad slot. */
const char *fs_res_slot_name(const struct fs_res *t, int slot, size_t *len);

/* Make nodes 0 .. n-1 exist (empty). */
int fs_res_reserve_nodes(struct fs_res *t, uint32_t n);
/* Register replica `replica` on `node` (created if needed), holding nothing. */
int fs_res_replica_add(struct fs_res *t, uint32_t replica, uint32_t node);
/* Unregister a replica; see the design note for `force`. */
int fs_res_replica_remove(struct fs_res *t, uint32_t replica, int force);
int fs_res_replica_node(const struct fs_res *t, uint32_t replica, uint32_t *node);

/* Add / remove `value` of resource `slot` on a replica and its node. */
int fs_res_put(struct fs_res *t, uint32_t replica, int slot, double value);
int fs_res_remove(struct fs_res *t, uint32_t replica, int slot, double value);

/* Amount held, rounded once to the nearest double. */
int fs_res_get(const struct fs_res *t, uint32_t replica, int slot, double *out);
int fs_res_node_get(const struct fs_res *t, uint32_t node, int slot, double *out);
/* Non-empty slots as a bit mask (bit s <=> slot s); 0 means empty. */
int fs_res_replica_mask(const struct fs_res *t, uint32_t replica, uint64_t *mask);
int fs_res_node_mask(const struct fs_res *t, uint32_t node, uint64_t *mask);

/* Lowest slot in *mask, cleared from it; *mask must be non-zero. */
static inline int fs_res_mask_next(uint64_t *mask)
{
    /* Binary search for the lowest set bit: portable, 6 steps. */
    uint64_t m = *mask;
    uint64_t low = m & (~m + 1);
    int s = 0;
    if (!(low & UINT64_C(0x00000000FFFFFFFF)))
        s += 32;
    if (!(low & UINT64_C(0x0000FFFF0000FFFF)))
        s += 16;
    if (!(low & UINT64_C(0x00FF00FF00FF00FF)))
        s += 8;
    if (!(low & UINT64_C(0x0F0F0F0F0F0F0F0F)))
        s += 4;
    if (!(low & UINT64_C(0x3333333333333333)))
        s += 2;
    if (!(low & UINT64_C(0x5555555555555555)))
        s += 1;
    *mask = m & (m - 1);
    return s;
}

/* Loose amounts only (what put / remove hold, no standing claims). */
int fs_res_get_loose(const struct fs_res *t, uint32_t replica, int slot, double *out);
int fs_res_node_get_loose(const struct fs_res *t, uint32_t node, int slot, double *out);
/* The exact amount (loose plus standing) of a replica (is_node 0) or node
 * as a canonical accumulator; *out is overwritten (free it with
 * fs_res_acc_free). */
int fs_res_amount(const struct fs_res *t, int is_node, uint32_t id, int slot, struct fs_res_acc *out);

/* Standing claims; see the design note. */
int fs_res_claim_set(struct fs_res *t, uint32_t replica, int n, const int *slots, const double *values);
int fs_res_claim_add(struct fs_res *t, uint32_t replica, int64_t delta);
int fs_res_claim_fold(struct fs_res *t, uint32_t replica);
/* The replica's claim, or NULL (unknown replica, or no vector defined). */
const struct fs_res_claim *fs_res_claim_of(const struct fs_res *t, uint32_t replica);
/* The replicas of a node that have a claim vector (*ids valid until the
 * next change of fs_res); FS_ERES_UNKNOWN_NODE. */
int fs_res_node_claimers(const struct fs_res *t, uint32_t node, const uint32_t **ids, uint32_t *n);

/* 1 if every invariant holds (node amounts equal the exact sums of their
 * replicas', canonical accumulators, masks), 0 if not, FS_ENOMEM. */
int fs_res_valid(const struct fs_res *t);

/* Exact amount arithmetic, exposed for tests. */
void fs_res_acc_from_double(struct fs_res_acc *a, double x); /* x finite >= 0; a uninitialised */
void fs_res_acc_free(struct fs_res_acc *a);
int fs_res_acc_cmp(const struct fs_res_acc *a, const struct fs_res_acc *b); /* -1, 0, 1 */
int fs_res_acc_add(struct fs_res_acc *a, const struct fs_res_acc *b);       /* FS_OK or FS_ENOMEM */
double fs_res_acc_to_double(const struct fs_res_acc *a);

#endif
