/*
 * fs_net: flows sharing links at their max-min fair rates.
 *
 * Design note
 * -----------
 * A struct fs_net owns:
 *   - links: dense int32 ids 0, 1, ... in creation order, each with a
 *     bandwidth (bytes/s, finite and > 0) and the list of the active flows
 *     that cross it; links are never removed;
 *   - flows: int32 ids (slots reused after a flow ends), each with a route
 *     (distinct link ids, possibly none), a size in bytes, a rate cap (raw
 *     bytes/s; +inf = none), a goodput factor g in (0, 1], and an opaque
 *     `data` pointer of its owner. A flow is PENDING (its set-up delay
 *     runs), ACTIVE (it holds a share of its links) or DONE (finished,
 *     waiting to be reported to the owner; then its slot is freed);
 *   - a min-heap of flow event times keyed by (time, start sequence): the
 *     start time of PENDING flows, the completion time of ACTIVE ones;
 *   - the stack of the times of its entries in the simulation queue.
 *
 * Allocation: the raw rate (share) of every active flow is its max-min fair
 * share, computed by progressive filling: all unfrozen flows grow together;
 * the first link to saturate (least remaining capacity per unfrozen flow)
 * freezes its flows at that level, and a flow's cap is a private link that
 * only it crosses. A flow's payload throughput is share * g (g < 1 models
 * protocol overhead: the link carries the raw share). A flow without links
 * gets its cap (+inf: it completes as soon as it starts).
 *
 * Incremental recomputation: a change (a flow starts, completes or is
 * cancelled, a link's bandwidth changes) reallocates only the connected
 * component of the change: the links and flows reachable from it through
 * flows sharing links. Flows outside keep their rates untouched, bit for
 * bit. Within the component, a flow whose new rate equals its old one is
 * not touched either.
 *
 * Bytes: a flow keeps (remaining bytes at t_last, rate). Only when its rate
 * changes are its remaining bytes advanced to now (rem -= (now - t_last) *
 * rate * g) and its completion time recomputed as now + rem / (rate * g).
 * So a lone flow started at t0 completes at exactly t0 + size / (bw * g).
 * Rounding cannot strand a flow: a flow whose completion time is <= now
 * has remaining 0 by definition (never a residue), and an advance that
 * leaves rem <= 0 makes the flow due now. Completion times are never
 * earlier than now, and a completed flow reports sent == size exactly.
 *
 * Scheduling (fs_queue has no cancel): the net keeps at most one useful
 * entry in the simulation queue, for its earliest event time T, at NORMAL
 * priority, with fs_net_fire as the C action and the net as data. When T
 * moves earlier than every entry it has queued, it pushes a new entry;
 * entries whose time is no longer an event time find nothing due and only
 * re-arm. Since new entries are always earlier than the queued ones, the
 * queued times form a stack (the top is the next to pop). fs_net_fire
 * starts the due PENDING flows and completes the due ACTIVE ones (looping
 * while reallocation makes more flows due at now, e.g. empty transfers),
 * reallocates the affected components once per round, then reports every
 * completed flow to on_complete in the order (completion time, start
 * sequence), and re-arms. The state is consistent before each callback,
 * which may start and cancel flows. A callback that fails stops the
 * reports; the rest are reported by an entry re-armed at now.
 *
 * Ordering: flows due at the same time complete in start order; a flow
 * due when another is started at the same instant (by code that runs
 * before the net's entry) completes at that instant too.
 *
 * Accounting: per link, the payload bytes carried (sum over flows of
 * rate * g * dt), busy time (time with >= 1 active flow) and the integral
 * of utilization (raw allocated / bandwidth); each read is up to now.
 * Per flow: created (when asked), start (after set-up), end, size, route.
 *
 * Low bandwidth guard: with fs_net_set_min_rate(net, r) > 0, an allocation
 * that gives a flow a share below r sets its `low` flag and counts it in
 * fs_net_low_count (faas-sim refuses such flows; the owner decides).
 *
 * Complexity: a change costs O(E log L) where L is the number of links of
 * the affected component and E the sum of the route lengths of its flows
 * (the BFS visits each (flow, link) pair once; progressive filling updates
 * one link key per (frozen flow, link) in an indexed binary heap; flows
 * with a finite cap are sorted once: O(F log F)), plus O(log N) per flow
 * whose completion time moves (N: flows in the net). Flows of other
 * components cost nothing. Start-up of a flow with set-up: O(log N).
 *
 * Errors: functions return FS_OK or a negative status and change nothing on
 * failure: FS_EINVAL (bandwidth, size, cap, goodput or set-up out of
 * range), FS_ENOMEM, and enum fs_net_status. One exception: the change is
 * made before the net's entry is pushed on the simulation queue, so a
 * queue that cannot grow (FS_ENOMEM, FS_EOVERFLOW) leaves the change made
 * and no entry for it (the next successful operation re-arms).
 *
 * Checks: fs_net_valid recomputes everything that is kept incrementally
 * (link flow lists and positions, heap order and indexes, the sums per
 * link, max-min optimality of every component: each flow is either at its
 * cap or crosses a saturated link on which no flow has a larger share);
 * O(everything). The module asserts it after every operation when compiled
 * with FS_CHECK_HEAVY (and asserts enabled), as fs_queue does.
 *
 * Threading: none; callers serialise.
 */
#ifndef FS_NET_H
#define FS_NET_H

#include "fs_sim.h"

#include <stdint.h>

enum fs_net_status {
    FS_NET_ELINK = -96,    /* unknown link id */
    FS_NET_EFLOW = -97,    /* unknown flow id (never started, or finished and reported) */
    FS_NET_EDUPLINK = -98, /* a route lists the same link twice */
    FS_NET_EDONE = -99     /* the flow has finished (being reported): too late to cancel */
};

enum fs_net_flow_state { FS_FLOW_FREE = 0, FS_FLOW_PENDING, FS_FLOW_ACTIVE, FS_FLOW_DONE };

struct fs_net;

/* Called once per finished flow (the flow's own callback if it was started
 * with one, else the net's), from fs_net_fire, with sim->now the
 * completion time; the flow is DONE (fs_net_flow_info works) and its slot is
 * freed when the callback returns. Returns FS_OK or a negative status (the
 * run loop stops; the remaining reports come at the next fs_net_fire). */
typedef int (*fs_net_complete_fn)(void *ctx, struct fs_net *net, int32_t flow, void *data);

/* A new net scheduling its entries on sim; NULL when out of memory. */
struct fs_net *fs_net_new(struct fs_sim *sim, fs_net_complete_fn on_complete, void *ctx);
/* Takes the net's entries out of the queue (if still attached) and frees
 * it. Owners take back the data of live flows first (fs_net_flow_data). */
void fs_net_free(struct fs_net *net);
/* Takes the net's entries out of sim's queue and forgets sim: afterwards
 * nothing more is scheduled (used when the environment goes away first). */
void fs_net_detach(struct fs_net *net);

/* The C action of the net's entries (data: the net). */
int fs_net_fire(struct fs_sim *sim, void *data);

/* Add a link; returns its id (>= 0) or FS_EINVAL / FS_ENOMEM. */
int32_t fs_net_add_link(struct fs_net *net, double bandwidth);
/* Change a link's bandwidth (finite, > 0) at now, reallocating its
 * component. */
int fs_net_set_bandwidth(struct fs_net *net, int32_t link, double bandwidth);
int32_t fs_net_link_count(const struct fs_net *net);

struct fs_net_flow_spec {
    const int32_t *links; /* route: nlinks distinct link ids */
    int32_t nlinks;
    double size;    /* bytes, finite, >= 0 */
    double cap;     /* raw rate cap, > 0 (+inf: none) */
    double goodput; /* 0 < g <= 1 */
    double setup;   /* set-up delay before the flow starts: finite, >= 0 */
    void *data;     /* the owner's, returned to on_complete */
    /* optional: this flow's completion callback and its ctx, instead of the
     * net's (several owners on one net, e.g. the binding's transfers and
     * the platform's image pulls in C); NULL: the net's */
    fs_net_complete_fn on_complete;
    void *ctx;
};
/* Start a flow at now + setup; *out gets its id. With setup 0 it is active
 * (allocated) on return. */
int fs_net_start(struct fs_net *net, const struct fs_net_flow_spec *spec, int32_t *out);
/* Cancel a PENDING or ACTIVE flow: it releases its share now (its component
 * is reallocated) and its slot is freed (the owner keeps data). */
int fs_net_cancel(struct fs_net *net, int32_t flow);

struct fs_net_flow_info {
    int state;      /* enum fs_net_flow_state */
    uint64_t seq;   /* start sequence (order of fs_net_start calls) */
    double created; /* time of fs_net_start */
    double start;   /* created + setup */
    double end;     /* completion time (DONE), else NaN */
    double size;    /* bytes */
    double sent;    /* payload bytes delivered by now (size when DONE) */
    double rate;    /* raw share now (0 while PENDING or DONE) */
    double goodput; /* g */
    double cap;     /* rate cap */
    double eta;     /* completion time at the current rates (+inf if none) */
    int32_t nlinks; /* route length */
    const int32_t *links;
    int low; /* has had a share below the min rate */
    void *data;
};
int fs_net_flow_info(const struct fs_net *net, int32_t flow, struct fs_net_flow_info *out);
/* Slots are 0 .. fs_net_flow_slots(net) - 1; fs_net_flow_data is the data
 * of a live flow in a slot, or NULL for a free slot. */
int32_t fs_net_flow_slots(const struct fs_net *net);
void *fs_net_flow_data(const struct fs_net *net, int32_t flow);
/* Flows not yet reported (PENDING, ACTIVE or DONE). */
int32_t fs_net_flow_count(const struct fs_net *net);

struct fs_net_link_info {
    double bandwidth;
    int32_t nflows;   /* active flows over it now */
    double allocated; /* sum of raw shares now */
    double bytes;     /* payload bytes carried up to now */
    double busy;      /* time with >= 1 active flow, up to now */
    double util;      /* integral of allocated / bandwidth dt, up to now */
};
int fs_net_link_info(const struct fs_net *net, int32_t link, struct fs_net_link_info *out);

/* Earliest event time (a start or a completion), +inf if none. */
double fs_net_next_time(const struct fs_net *net);
/* Entries of the net in the simulation queue now. */
size_t fs_net_queued(const struct fs_net *net);

/* Low bandwidth guard: threshold on the raw share (0 = off, the default). */
int fs_net_set_min_rate(struct fs_net *net, double min_rate);
uint64_t fs_net_low_count(const struct fs_net *net);

/* Counters for benchmarks: reallocations done and flows visited by them. */
struct fs_net_stats {
    uint64_t reallocs;      /* component recomputations */
    uint64_t flows_visited; /* flows of the recomputed components, summed */
    uint64_t links_visited; /* links of the recomputed components, summed */
};
void fs_net_stats(const struct fs_net *net, struct fs_net_stats *out);

/* Full invariant check (see the design note); 1 if valid. */
int fs_net_valid(const struct fs_net *net);

#endif
