/*
 * fs_sched: the node table and the placement of replicas on nodes (the C
 * scheduler: filter + score, as Kubernetes and faas-sim's skippy do).
 *
 * Design note
 * -----------
 * A struct fs_sched owns an array of nodes with dense indices 0, 1, ... in
 * insertion order. Nodes are never removed (a node that must take no new
 * replicas is made unschedulable), so an index stays valid for the
 * scheduler's lifetime. Per node: capacity and allocated amounts of cpu
 * (millicores), memory (bytes) and FS_SCHED_MAX_ACCEL accelerator kinds
 * (counts), all int64 and accounted exactly; an architecture id (0 ..
 * FS_SCHED_MAX_ARCH - 1); a set of labels, (key, value) pairs of string
 * ids that the caller interns (kept sorted, without duplicates); and a
 * schedulable flag. 0 <= allocated <= capacity holds for every resource at
 * all times: fs_sched_allocate refuses what does not fit (FS_ENOSPACE),
 * fs_sched_release refuses to return more than is allocated (FS_EINVAL),
 * and both change nothing when they fail. Accounting ignores the flag,
 * arch and labels: they only decide where *new* replicas go.
 *
 * Placement (fs_sched_place) of a demand (amounts, allowed architectures,
 * a label selector, optionally a required node):
 *   1. Filter. A node is feasible when it is schedulable, its arch is
 *      allowed, it carries every (key, value) pair of the selector, and its
 *      free amount (capacity - allocated) of every resource is at least the
 *      demand. A pinned demand (node >= 0) looks at that node only. Every
 *      infeasible node is counted under *each* reason it fails (a node short
 *      of cpu and memory counts twice), so the report reads like
 *      kube-scheduler's "0/5 nodes are available: 3 Insufficient memory".
 *   2. Score the feasible nodes and return the best one; ties go to the
 *      lowest index. With r = allocated + demand ("requested after
 *      placement") and u_x = r_x / capacity_x for x in {cpu, mem}:
 *        LEAST_ALLOCATED  score 1 - (u_cpu + u_mem) / 2, the mean over
 *                         cpu and memory of (capacity - r) / capacity (k8s
 *                         NodeResourcesFit LeastAllocated, weights 1:1).
 *                         Spreads replicas.
 *        MOST_ALLOCATED   score (u_cpu + u_mem) / 2 (k8s MostAllocated). Bin
 *                         packing: fills one node before the next.
 *        BALANCED         score 1 - |u_cpu - u_mem| / 2, the standard
 *                         deviation form of k8s BalancedAllocation for two
 *                         resources (the older 1 - |u_cpu - u_mem| ranks
 *                         nodes identically; only the reported value
 *                         differs).
 *        FIRST_FIT        the feasible node with the lowest index.
 *        RANDOM           uniform among the feasible nodes.
 *      A resource whose capacity is 0 (it can then only be demanded as 0)
 *      follows k8s: it scores 0 under LEAST and MOST (as u = 1 and u = 0
 *      respectively) and is left out of BALANCED (one resource left: the
 *      deviation is 0). Accelerators are filtered, never scored.
 *
 * Exactness: the ranking never rounds. Each policy's key is a rational
 * n / d of two unsigned 128-bit integers (LEAST and MOST: (r_cpu * c_mem +
 * r_mem * c_cpu) / (c_cpu * c_mem); BALANCED: |r_cpu * c_mem - r_mem *
 * c_cpu| / (c_cpu * c_mem)), and two keys are compared by cross
 * multiplication in 256 bits (inputs are below 2^63, so numerators are below
 * 2^127 and products below 2^254). Ties are therefore exact equalities, and
 * the result does not depend on the platform or the compiler. This differs
 * from kube-scheduler on purpose: k8s truncates each score to an integer in
 * 0 .. 100 (so nodes up to 1/100 apart can tie) and breaks ties at random; faassim
 * orders them exactly and breaks true ties by index. k8s also counts a pod
 * without requests as 100m cpu / 200 MB for scoring; faassim scores the
 * demand as given. fs_sched_score gives the score as a double for reports
 * only; it never decides a placement.
 *
 * Randomness: RANDOM takes exactly one 64-bit draw from the caller's
 * struct fs_rng per call that passes argument checks, whether or not a
 * node fits, so the stream's position never depends on the cluster state.
 * The draw x picks the k-th feasible node, k = floor(x * n / 2^64) (n
 * feasible nodes; bias below n / 2^64, no rejection loop).
 *
 * Complexity: with a report, fs_sched_place examines every node (the report
 * counts them all): O(N * (A + S log L)) for N nodes (one node when
 * pinned), A = FS_SCHED_MAX_ACCEL, a selector of S pairs and L labels per
 * node, with no allocation; RANDOM walks them twice (count, then find the
 * k-th). Without a report (report NULL: what a placement needs), FIRST_FIT
 * stops at the first feasible node, BALANCED and RANDOM still scan, and
 * LEAST and MOST search the class index below instead of the nodes.
 *
 * Class index. Nodes that are schedulable and agree on capacity (every
 * resource), arch and labels form a class: the filters other than free
 * amounts pass or fail for the whole class, and the key of every node of a
 * class is the same increasing function of one demand-free quantity of the
 * node, its allocation key A = a_cpu * c'_mem + a_mem * c'_cpu (c' = c, or
 * 1 where c = 0; a = allocated). Under LEAST and MOST the key is
 * (A + K) / D with K and D fixed by the class and the demand (see
 * score_key in fs_sched.c; a zero capacity makes its term a constant and
 * keeps the form), so within a class the order of nodes by (key, index)
 * is their order by (A, index) (MOST: A descending), for every demand.
 * Each class keeps a tournament tree over its members (leaves in the
 * order nodes joined it): each slot holds the winner of its subtree under
 * LEAST (least A, then lowest index) and under MOST (greatest A, then
 * lowest index) and the most free cpu, memory and (if the class has any)
 * accelerator of each kind below it. A placement visits every class
 * whose arch and labels pass, and searches its tree depth first from the
 * root: a subtree is skipped when its maxima of free amounts fall short of
 * the demand or when the exact key of its winner (a bound on every key
 * below) is not better, by (key, index), than the best feasible node found
 * so far in any class; a winner that fits is the best of its subtree. The
 * result is exactly the scan's: the best feasible node by exact key, ties
 * to the lowest index. A placement costs O(C (S log L + h log M)) for C
 * classes of at most M nodes, h the winners examined in a class that do
 * not fit (1 when the best-keyed node fits; more when low-key nodes lack
 * one resource while others lack another, up to M in a contrived worst
 * case); with a tree per class, what the index saves is the members of
 * a class that a search does not visit. With more than N / 4 live classes
 * (fewer than 4 nodes per class on average) that is too little, and
 * fs_sched_place scans.
 *
 * Allocate and release update one leaf-to-root path: O(log M). A setter
 * that changes a node's class (capacity, labels, schedulable) moves it:
 * O(log M) plus an amortised rebuild of the target tree when it is full
 * (vacated leaves are reclaimed then) and a hash lookup of the class; the
 * setters stay O(1) otherwise (setting labels: O(L log L)). Adding a node
 * is amortised O(log M). A class is kept once seen (one per distinct
 * capacity, arch and labels ever given to a schedulable node); placements
 * visit only the live ones (with members).
 *
 * Status codes: FS_OK, FS_ENOMEM, FS_EINVAL (a negative amount, an unknown
 * node or policy, a bad arch or label id; nothing changes) and FS_ENOSPACE
 * below (no node fits / the amount does not fit).
 */
#ifndef FS_SCHED_H
#define FS_SCHED_H

#include <stddef.h>
#include <stdint.h>

#include "fs_queue.h" /* enum fs_status */
#include "fs_rng.h"

/* The scheduler's own status, numbered -32 (other modules: -1 .. -4, -16)
 * so that it collides with no other module's. */
enum fs_sched_status {
    FS_ENOSPACE = -32 /* no node fits the demand, or an allocation exceeds capacity */
};

#define FS_SCHED_MAX_ACCEL 8 /* accelerator kinds 0 .. 7 (gpu, tpu, ... as the caller maps them) */
#define FS_SCHED_MAX_ARCH 64 /* architecture ids 0 .. 63 (bits of fs_sched_demand.arch_mask) */
#define FS_SCHED_ANY_NODE (-1)

enum fs_sched_policy {
    FS_SCHED_LEAST_ALLOCATED = 0,
    FS_SCHED_MOST_ALLOCATED,
    FS_SCHED_BALANCED,
    FS_SCHED_RANDOM,
    FS_SCHED_FIRST_FIT,
    FS_SCHED_NPOLICIES
};

/* Why a node was filtered out (indexes of fs_sched_report.rejected). */
enum fs_sched_reason {
    FS_SCHED_R_UNSCHEDULABLE = 0,
    FS_SCHED_R_ARCH,
    FS_SCHED_R_LABELS,
    FS_SCHED_R_CPU,
    FS_SCHED_R_MEMORY,
    FS_SCHED_R_ACCEL,
    FS_SCHED_NREASONS
};

/* An amount of every resource: a capacity, an allocation or a demand. */
struct fs_sched_res {
    int64_t cpu; /* millicores */
    int64_t mem; /* bytes */
    int64_t accel[FS_SCHED_MAX_ACCEL];
};

struct fs_sched_label {
    int32_t key, value; /* string ids (>= 0), interned by the caller */
};

/* What a node knows of one data item (DataLocality): the bandwidth in
 * bytes/s to receive it from, and to send it to, the storage that holds it
 * (the caller resolves which storage: skippy takes the one of least
 * bandwidth); INFINITY when the node holds the item itself. */
struct fs_sched_data {
    int32_t item; /* id (>= 0), interned by the caller */
    double recv_bw, send_bw;
};

struct fs_sched_node {
    struct fs_sched_res cap;
    struct fs_sched_res alloc;
    int32_t arch;
    int schedulable;
    struct fs_sched_label *labels; /* sorted by (key, value), no duplicates; owned */
    size_t nlabels;
    /* Inputs of the locality priorities (fs_placement.h), set by whoever
     * tracks images and the network: */
    int32_t *images; /* ids of the images present on the node, sorted, no duplicates; owned */
    size_t nimages;
    double registry_bw;         /* bytes/s from the container registry (default INFINITY) */
    struct fs_sched_data *data; /* sorted by item; owned */
    size_t ndata;
};

/* An entry of the image size table: image id, arch id (or -1: any arch),
 * size in bytes, and the order in which the image's sizes were set (the
 * fallback for a node whose arch has no size is the first one set). */
struct fs_sched_image_size {
    int32_t image, arch;
    int64_t size;
    int64_t order;
};

/* An id with a count or a size (image id -> nodes holding it; data item id
 * -> size in bytes). */
struct fs_sched_count {
    int32_t id;
    int64_t n;
};

struct fs_sched_demand {
    struct fs_sched_res req;
    uint64_t arch_mask;                    /* bit a set: arch a allowed; 0: any arch */
    const struct fs_sched_label *selector; /* every pair must be on the node; may repeat */
    size_t nselector;
    int64_t node; /* required node index, or FS_SCHED_ANY_NODE */
};

/* What a placement looked at; filled by fs_sched_place on success and on
 * FS_ENOSPACE. */
struct fs_sched_report {
    size_t considered; /* nodes examined (all, or 1 when pinned) */
    size_t feasible;   /* nodes that passed every filter */
    size_t rejected[FS_SCHED_NREASONS];
    size_t accel[FS_SCHED_MAX_ACCEL]; /* nodes short of each accelerator kind */
};

struct fs_sched_class;

struct fs_sched {
    struct fs_sched_node *nodes;
    size_t len, cap;
    struct fs_sched_image_size *sizes; /* sorted by (image, arch) */
    size_t nsizes, capsizes;
    int64_t size_order;
    struct fs_sched_count *image_nodes; /* sorted by id: nodes holding each image (skippy's num_nodes) */
    size_t nimage_nodes, capimage_nodes;
    struct fs_sched_count *data_sizes; /* sorted by id: size of each data item */
    size_t ndata_sizes, capdata_sizes;
    /* Change tracking for memos of placement results (fs_placement): vers[i]
     * changes whenever anything of node i changes (every setter, allocate
     * and release bump it from `clock`, so a version is never reused);
     * gen_sizes when the image size or data size tables change; gen_holders
     * when the number of nodes, or of nodes holding some image, changes. */
    uint64_t *vers;
    uint64_t clock, gen_sizes, gen_holders;
    /* The class index (see the design note; private to fs_sched.c). */
    struct fs_sched_class *classes;
    size_t nclasses, capclasses;
    size_t *live;                   /* the classes with members, in no particular order */
    size_t live_classes;            /* entries of live (room: capclasses) */
    size_t *class_table;            /* open addressing by class hash: class + 1, 0 = empty */
    size_t table_cap;               /* a power of two, or 0 */
    size_t *node_class, *node_leaf; /* per node: its class and leaf, or SIZE_MAX (unschedulable) */
};

void fs_sched_init(struct fs_sched *s);
void fs_sched_free(struct fs_sched *s);

/* Append a schedulable node without labels; *out_index (if not NULL) gets
 * its index (== the number of nodes before). FS_EINVAL if an amount of cap
 * is negative or arch is outside 0 .. FS_SCHED_MAX_ARCH - 1. */
int fs_sched_add_node(struct fs_sched *s, const struct fs_sched_res *cap, int32_t arch, size_t *out_index);
static inline struct fs_sched_node *fs_sched_get(struct fs_sched *s, size_t node)
{
    return node < s->len ? &s->nodes[node] : NULL;
}
/* Replace the node's labels by pairs[0 .. n) (sorted and deduplicated
 * here). FS_EINVAL for a negative id, FS_ENOMEM; the old labels stay on
 * failure. */
int fs_sched_set_labels(struct fs_sched *s, size_t node, const struct fs_sched_label *pairs, size_t n);
/* FS_ENOMEM is possible (the node joins a class of the index); nothing
 * changes then. */
int fs_sched_set_schedulable(struct fs_sched *s, size_t node, int schedulable);
/* New capacity; FS_EINVAL if negative or below what is allocated,
 * FS_ENOMEM; nothing changes on failure. */
int fs_sched_set_capacity(struct fs_sched *s, size_t node, const struct fs_sched_res *cap);
/* Does the node carry (key, value)? 0 for an unknown node. */
int fs_sched_has_label(const struct fs_sched *s, size_t node, int32_t key, int32_t value);
/* The same on a node record: binary search of its sorted labels. */
int fs_sched_node_has_label(const struct fs_sched_node *n, struct fs_sched_label want);
/* Does amount fit in the node's free capacity (every resource)? */
int fs_sched_node_fits(const struct fs_sched_node *n, const struct fs_sched_res *amount);

/* Locality inputs (see fs_placement.h). Setting the images replaces the
 * node's set (ids >= 0; sorted and deduplicated here) and keeps the count of
 * nodes holding each image; add_image adds one. Registry bandwidth in
 * bytes/s (> 0, INFINITY allowed). Image sizes: (image, arch or -1 for any
 * arch) -> bytes >= 0, replacing an earlier size of the same pair. Data:
 * item sizes, and per node the receive/send bandwidths of an item (> 0,
 * INFINITY: the node holds it); a node without an entry for an item takes no
 * time for it (skippy: no storage holds it). FS_EINVAL for an unknown node
 * or a bad value, FS_ENOMEM; nothing changes on failure. */
int fs_sched_set_images(struct fs_sched *s, size_t node, const int32_t *images, size_t n);
int fs_sched_add_image(struct fs_sched *s, size_t node, int32_t image);
int fs_sched_node_has_image(const struct fs_sched *s, size_t node, int32_t image);
int64_t fs_sched_image_nodes(const struct fs_sched *s, int32_t image);
int fs_sched_set_registry_bw(struct fs_sched *s, size_t node, double bw);
int fs_sched_set_image_size(struct fs_sched *s, int32_t image, int32_t arch, int64_t size);
/* The size of image for arch: exact arch, else the any-arch size, else the
 * first size set for the image (*fallback = 1). FS_EINVAL if the image has
 * no size at all. */
int fs_sched_image_size(const struct fs_sched *s, int32_t image, int32_t arch, int64_t *size, int *fallback);
int fs_sched_set_data_size(struct fs_sched *s, int32_t item, int64_t size);
/* -1 if the item has no size. */
int64_t fs_sched_data_size(const struct fs_sched *s, int32_t item);
int fs_sched_set_node_data(struct fs_sched *s, size_t node, int32_t item, double recv_bw, double send_bw);
/* The node's entry for item, or NULL. */
const struct fs_sched_data *fs_sched_node_data(const struct fs_sched *s, size_t node, int32_t item);

/* Add `amount` to the node's allocation (any flag, arch or labels).
 * FS_EINVAL for an unknown node or a negative amount, FS_ENOSPACE if some
 * resource would exceed capacity; nothing changes on failure. */
int fs_sched_allocate(struct fs_sched *s, size_t node, const struct fs_sched_res *amount);
/* Return `amount`. FS_EINVAL for an unknown node, a negative amount or more
 * than is allocated of some resource; nothing changes on failure. */
int fs_sched_release(struct fs_sched *s, size_t node, const struct fs_sched_res *amount);

/* Choose a node for the demand (see the design note). FS_OK with *out_node
 * set; FS_ENOSPACE when no node is feasible (*out_node untouched); FS_EINVAL
 * for a negative amount, an unknown policy or pinned node, a negative
 * selector id, or RANDOM without rng. report may be NULL. Nothing is
 * allocated: the caller allocates on the chosen node. */
int fs_sched_place(const struct fs_sched *s, const struct fs_sched_demand *d, int policy, struct fs_rng *rng,
                   size_t *out_node, struct fs_sched_report *report);

/* The report fs_sched_place would fill for d (every node examined), without
 * placing or drawing: for a caller that placed without a report and must
 * say why nothing fits. FS_EINVAL for an invalid demand (as in
 * fs_sched_place). */
int fs_sched_survey(const struct fs_sched *s, const struct fs_sched_demand *d, struct fs_sched_report *report);

/* The placement of LEAST or MOST by the class index alone, whatever the
 * number of classes (fs_sched_place uses it when it pays): the same result
 * and status as fs_sched_place, no report. Exposed for the differential
 * tests against the scan; FS_EINVAL for another policy. */
int fs_sched_place_indexed(const struct fs_sched *s, const struct fs_sched_demand *d, int policy, size_t *out_node);

/* Check the class index against the node table (every schedulable node in
 * the class of its capacity, arch and labels, at its leaf; every slot the
 * combination of its children): FS_OK, or FS_EINVAL at the first
 * inconsistency. O(N + total tree size); for tests. */
int fs_sched_index_check(const struct fs_sched *s);

/* Run the filters of d on one node: *reasons gets a mask with bit r set
 * for each enum fs_sched_reason r the node fails (0: feasible). FS_EINVAL
 * (*reasons untouched) for an unknown node or an invalid demand (as in
 * fs_sched_place; a pinned node other than `node` is not an error). */
int fs_sched_filter(const struct fs_sched *s, size_t node, const struct fs_sched_demand *d, unsigned *reasons);

/* The policy's score in [0, 1] of placing d on the node, as a double, for
 * reports and metrics (rankings use the exact keys). FS_EINVAL for an
 * unknown node, a negative amount, or RANDOM / FIRST_FIT (which do not
 * score). The node need not be feasible: r is capped at capacity, as k8s
 * does. */
int fs_sched_score(const struct fs_sched *s, size_t node, const struct fs_sched_res *req, int policy, double *out);

/* Short names: "least_allocated", ... and "unschedulable", "arch", "labels",
 * "cpu", "memory", "accelerator"; NULL when out of range. */
const char *fs_sched_policy_name(int policy);
const char *fs_sched_reason_name(int reason);

/* Write a one-line explanation of a report, e.g. "0/5 nodes fit: 3 lack
 * memory, 2 have a disallowed architecture", into buf (always
 * NUL-terminated when size > 0, truncated if needed). Returns the length
 * the full text needs, as snprintf does. */
size_t fs_sched_explain(const struct fs_sched_report *r, char *buf, size_t size);

#endif
