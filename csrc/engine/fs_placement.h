/*
 * fs_placement: the placement pipeline of the scheduler framework that
 * Kubernetes' scheduler and faas-sim's scheduler library (skippy) share:
 * predicates (filters), then weighted priorities, each a map step (a score
 * per node) and a reduce step (normalising the scores of all scored nodes).
 *
 * Design note
 * -----------
 * The pipeline reads the node table of fs_sched (capacity, allocation,
 * labels, and the locality inputs: images present per node, image sizes,
 * registry bandwidth per node, data items) and never changes it: the caller
 * allocates on the chosen node. A call is described by a struct
 * fs_place_spec (the predicates, the (weight, priority) pairs, the
 * percentage of nodes to score, the selection) and a struct
 * fs_place_demand (the replica). Predicates and priorities may be callbacks
 * (Python ones in the binding); a callback returns a status, and a non-zero
 * status aborts the placement with that status.
 *
 * 1. Sample. With N nodes, k = N when percentage >= 100 or N < 5, else
 *    max(100, floor(N * p / 100)), where p = percentage, or, for the adaptive
 *    percentage (0), max(5, 50 - N / 125) (skippy's reading of Kubernetes
 *    1.14). Nodes are examined in index order starting at *start (wrapping
 *    around, each at most once) until k nodes passed every predicate; *start
 *    then becomes the index after the last feasible node (unchanged when none
 *    is). This is skippy's rotation; it is deterministic without drawing
 *    random numbers.
 * 2. Filter. A node passes when every predicate passes, evaluated in order;
 *    a node that fails is counted under the first predicate it fails (the
 *    explanation), as skippy's short-circuiting all() stops there.
 * 3. Score. For each priority in order: map each feasible node to a score,
 *    reduce the list, multiply by the weight; the total of a node is the sum
 *    over priorities in order, total = weighted + total, in doubles (skippy's
 *    float arithmetic, so integer scores with integer weights add exactly).
 * 4. Select. FS_SELECT_MAX: the highest total; ties go to the first node in
 *    examination order (Python's max() returns the first maximal element).
 *    FS_SELECT_FIRST: the first feasible node in examination order (the
 *    rotation is not used: examination starts at node 0). FS_SELECT_RANDOM:
 *    one 64-bit draw from rng per call that passes argument checks, feasible
 *    nodes or not; the k-th feasible node, k = floor(x * n / 2^64).
 *
 * Built-in scores (max_priority = 10, and the integer truncations of skippy;
 * "int()" is truncation towards zero of a double):
 *   BALANCED (skippy's BalancedResourcePriority): with free = capacity -
 *     allocated (skippy's allocatable, 1 when 0), fc = req_cpu / free_cpu,
 *     fm = req_mem / free_mem; 0 if fc >= 1 or fm >= 1, else
 *     int((1 - |fc - fm|) * 10). No reduce.
 *   LEAST_REQUESTED / MOST_REQUESTED (Kubernetes 1.13): r = allocated + req;
 *     per resource (capacity - r) * 10 / capacity resp. r * 10 / capacity in
 *     integers (0 if capacity is 0 or r > capacity); score (cpu + mem) / 2 in
 *     integers. No reduce.
 *   IMAGE_LOCALITY (Kubernetes 1.13, skippy's ImageLocalityPriority): if the
 *     image is on the node, s = int(size(image, node arch) * (nodes holding
 *     it / all nodes)), else 0 (also when no size exists for the node's exact
 *     arch or any arch); score int(10 * (clamp(s, 23 MiB, 1000 MiB) - 23 MiB)
 *     / 977 MiB). No reduce.
 *   Transfer times are skippy's: bytes over Mbit/s (its bandwidth graph's
 *     unit), int(size / (bw / 125000)) for bw in bytes/s, so the truncations
 *     fall where skippy's do.
 *   LATENCY_IMAGE_LOCALITY (skippy): time t = int(size / registry bandwidth),
 *     size 0 if the image is on the node, else its size for the node's arch
 *     (or skippy's fallback: the first size known). Reduce: with lo, hi the
 *     least and greatest t, all 0 if hi is 0, else int(10 * (hi - t + lo) /
 *     hi).
 *   DATA_LOCALITY (skippy): t = int(size / recv_bw) of the item received
 *     plus int(size / send_bw) of the item sent (0 for no item, an item
 *     without size, a node without an entry for it, or INFINITY bandwidth).
 *     Reduce (skippy's _scale_scores_inverse): all 0 if hi == lo, else
 *     int((t - hi) / (lo - hi) * 10).
 *   LOCALITY_TYPE (skippy): 10 if the node carries (key, value) (skippy:
 *     'locality.skippy.io/type': 'edge'), else 0. No reduce.
 *   CAPABILITY (skippy): the number of the pod's capability labels (pairs)
 *     the node carries. Reduce (skippy's _scale_scores): all 0 if hi == lo,
 *     else int((t - lo) / (hi - lo) * 10).
 *   EQUAL: 1. No reduce.
 *
 * Memo: built-in predicates and maps are pure functions of the node's
 * state, the demand, the spec's built-ins and the table's size and holder
 * tables. The work arrays keep their results per node with the node's
 * version (fs_sched.vers) under a signature of everything else; a call whose
 * signature matches recomputes only nodes whose version changed. Reduces
 * look each distinct map value up once.
 *
 * Complexity: O(E * (P + S)) for E examined nodes, P predicate cost and S
 * the per-node cost of the priorities (bisections over a node's labels,
 * images and data entries) on nodes that changed since the last call with
 * the same signature, O(E) otherwise, plus O(F) per reduce over F feasible
 * nodes. The work arrays of struct fs_place_work grow to the number of nodes
 * and are reused from call to call.
 */
#ifndef FS_PLACEMENT_H
#define FS_PLACEMENT_H

#include <stddef.h>
#include <stdint.h>

#include "fs_rng.h"
#include "fs_sched.h"

#define FS_PLACE_MAX_PRIORITY 10

enum fs_pred_kind {
    FS_PRED_RESOURCES = 0,  /* free cpu, memory and accelerators >= demand */
    FS_PRED_LABEL_PRESENCE, /* every key of `keys` present (present = 1) or every one absent (0) */
    FS_PRED_NODE_SELECTOR,  /* every pair of the demand's selector on the node */
    FS_PRED_ARCH,           /* the node's arch allowed by the demand's arch_mask */
    FS_PRED_SCHEDULABLE,    /* the node's schedulable flag */
    FS_PRED_CALLBACK,       /* fn(ctx, node, &pass) */
    FS_PRED_NKINDS
};

struct fs_pred {
    int kind;
    const int32_t *keys; /* LABEL_PRESENCE: label key ids */
    size_t nkeys;
    int present;
    int (*fn)(void *ctx, size_t node, int *pass);
    void *ctx;
};

enum fs_prio_kind {
    FS_PRIO_BALANCED = 0,
    FS_PRIO_LEAST_REQUESTED,
    FS_PRIO_MOST_REQUESTED,
    FS_PRIO_IMAGE_LOCALITY,
    FS_PRIO_LATENCY_IMAGE_LOCALITY,
    FS_PRIO_DATA_LOCALITY,
    FS_PRIO_LOCALITY_TYPE,
    FS_PRIO_CAPABILITY,
    FS_PRIO_EQUAL,
    FS_PRIO_CALLBACK, /* map(ctx, node, &score); reduce (may be NULL) over the scores in place */
    FS_PRIO_NKINDS
};

struct fs_prio {
    int kind;
    double weight;      /* finite, >= 0 */
    int32_t key, value; /* LOCALITY_TYPE: the label that scores the maximum */
    int (*map)(void *ctx, size_t node, double *score);
    int (*reduce)(void *ctx, const size_t *nodes, double *scores, size_t n);
    void *ctx;
};

enum fs_select { FS_SELECT_MAX = 0, FS_SELECT_FIRST, FS_SELECT_RANDOM, FS_SELECT_N };

struct fs_place_spec {
    const struct fs_pred *preds;
    size_t npreds;
    const struct fs_prio *prios;
    size_t nprios;
    double percentage; /* in (0, 100], or 0: adaptive */
    int select;        /* enum fs_select */
};

struct fs_place_demand {
    struct fs_sched_demand base;       /* amounts, arch mask and selector (base.node is ignored) */
    int32_t image;                     /* image id, or -1 */
    const struct fs_sched_label *caps; /* the pod's capability labels */
    size_t ncaps;
    int32_t data_recv, data_send; /* data item ids, or -1 */
};

/* Work arrays and the last decision's explanation; owned by the caller,
 * reused across calls (fs_place_work_free releases them). After a call
 * (FS_OK or FS_ENOSPACE):
 *   examined[0 .. nexamined): node indices in examination order;
 *   failed[i]: the predicate examined[i] failed first, or -1 (feasible);
 *   removed[p]: nodes failed first at predicate p (p < npreds);
 *   feasible[0 .. nfeasible): feasible node indices, examination order;
 *   scores[p * nfeasible + j]: priority p's reduced score (unweighted) of
 *   feasible[j]; total[j]: its weighted sum; chosen: position in feasible[]
 *   of the chosen node. */
struct fs_place_work {
    size_t *examined;
    int32_t *failed;
    size_t nexamined;
    size_t *feasible;
    size_t nfeasible;
    size_t *removed;
    double *scores;
    double *total;
    size_t chosen;
    size_t cap_nodes, cap_scores, cap_removed;
    /* Memo of the built-in predicates and maps per node, valid while the
     * signature (table, built-in spec, demand, table generations) is the
     * one stored and the node's version (fs_sched.vers) is unchanged: placing
     * many replicas of one function recomputes only the nodes that changed.
     * Built-ins are pure functions of those, so the memo never changes a
     * result. */
    int64_t *sig, *sig_tmp;
    size_t nsig, cap_sig, cap_sig_tmp;
    uint64_t *mver; /* per node: its version when memoised, 0: none */
    int32_t *mfail; /* per node: first failing built-in predicate, or npreds */
    double *mscore; /* per node: the built-in priorities' map scores (nbuiltin per node) */
    size_t cap_memo, cap_mscore, memo_len;
};

void fs_place_work_init(struct fs_place_work *w);
void fs_place_work_free(struct fs_place_work *w);
/* Forget the memo (the binding calls it when the work is used with another
 * node table). */
void fs_place_work_forget(struct fs_place_work *w);

/* Check a spec: kinds, weights (finite, >= 0), percentage, callbacks
 * present. FS_OK or FS_EINVAL. */
int fs_place_spec_check(const struct fs_place_spec *spec);

/* How many feasible nodes a call looks for among n nodes (step 1). */
size_t fs_place_num_to_find(size_t n, double percentage);

/* Run the pipeline. FS_OK with *out_node set; FS_ENOSPACE when no examined
 * node is feasible; FS_EINVAL for a bad spec or demand, RANDOM without rng;
 * FS_ENOMEM; or a callback's non-zero status. *start is the rotation (in
 * and out; reset to 0 if out of range). The work arrays hold the
 * explanation afterwards (also on FS_ENOSPACE; on other errors their
 * contents are unspecified). */
int fs_place(const struct fs_sched *s, const struct fs_place_spec *spec, const struct fs_place_demand *d,
             struct fs_rng *rng, size_t *start, struct fs_place_work *w, size_t *out_node);

/* One built-in priority's map score of a node (no reduce), for reports and
 * tests. FS_EINVAL for an unknown node or a callback kind. */
int fs_place_map_score(const struct fs_sched *s, const struct fs_prio *prio, const struct fs_place_demand *d,
                       size_t node, double *out);

const char *fs_pred_kind_name(int kind);
const char *fs_prio_kind_name(int kind);

#endif
