/*
 * fs_share: processor sharing of a node's CPU (and GPU) by the executions
 * running on it (contention).
 *
 * Design note
 * -----------
 * A struct fs_share owns:
 *   - nodes: dense int32 ids (the platform's node indexes), each with, per
 *     resource (FS_SHARE_CPU, FS_SHARE_GPU), a sharing mode (OFF: no
 *     sharing, the default; PROPORTIONAL; EQUAL) and a capacity C (finite,
 *     > 0, in the units of the demands: 1.0 when the demands are fractions
 *     of the node, as the reference characterizations give cpu and gpu),
 *     and the list of its active jobs;
 *   - jobs: int32 ids (slots reused once reported), each an execution on one
 *     node with a demand c >= 0 per resource (what it claims at full speed)
 *     and a work w >= 0 (seconds at full speed), an opaque `data` pointer of
 *     its owner and a state ACTIVE (it holds a share of its node) or DONE
 *     (finished, waiting to be reported; then its slot is freed);
 *   - a min-heap of the active jobs keyed by (completion time, start
 *     sequence), entries (key, seq, id) with the key copied in, each job
 *     knowing its position (so its entry is rescheduled in place);
 *   - the stack of the times of its entries in the simulation queue.
 *
 * Shares: for each shared resource of a node with demand D = sum of its
 * jobs' demands, a job gets the share s and could progress at s / c of full
 * speed (a job with c = 0 needs none of it: 1). When D <= C every job gets
 * its demand (1). Otherwise:
 *   - PROPORTIONAL: s = c * C / D, so every job could run at C / D;
 *   - EQUAL: max-min fair shares capped by the demands (water-filling): the
 *     level L solves sum min(c, L) = C, s = min(c, L); jobs that claim less
 *     than the level run at full speed, the others at L / c.
 * A job progresses at rate r, the lowest of what its shared resources
 * allow (its bottleneck). With one resource over capacity and no other
 * slowing its jobs, the sharing is work conserving: that resource's used
 * amount is min(D, C). A share a job cannot use because another resource
 * slows it is not given to the others (no multi-resource fairness); then
 * the used amount is sum c * r. Per resource, used + excess = D.
 *
 * Recomputation: a change on a node (a job starts, completes or is
 * cancelled, the node's mode or capacity changes) recomputes the rates of
 * that node's jobs only: O(n) per shared resource for PROPORTIONAL,
 * O(n log n) for EQUAL (n: the node's jobs), plus O(log N) per job whose
 * rate changes (N: all active jobs). A job whose new rate equals its old one is not touched, bit for
 * bit, so a node that never exceeds its capacity completes a job started at
 * t0 at exactly t0 + w.
 *
 * Work: a job keeps (remaining work at t_last, rate). Only when its rate
 * changes is its remaining work advanced to now (rem -= (now - t_last) * r)
 * and its completion time recomputed as now + rem / r. A job whose
 * completion time is <= now has remaining 0 (never a residue).
 *
 * Scheduling (as fs_net): at most one useful entry of the engine in the
 * simulation queue, for its earliest completion time, at NORMAL priority,
 * with fs_share_fire as the C action; entries whose time is no longer a
 * completion time find nothing due and only re-arm; the queued times form a
 * stack. fs_share_fire completes every due job (recomputing the rates of
 * their nodes, looping while that makes more jobs due now), then reports
 * them to on_complete in (completion time, start sequence) order, and
 * re-arms. The state is consistent before each callback, which may start
 * and cancel jobs. A callback that fails stops the reports; the rest are
 * reported by an entry re-armed at now.
 *
 * Groups: a job may belong to a group (an int32 id >= 0, e.g. the replica
 * the execution runs for; -1: none). Per group and shared resource the
 * engine keeps what its jobs claim beyond what they use, sum of c * (1 - r),
 * now and integrated, so that the owner can report a group's use as its
 * claims minus that.
 * It is kept incrementally at each rate change and reset to exactly 0 when
 * the group's last job leaves.
 *
 * Accounting per node and resource, each read up to now: busy time (a
 * demand > 0), the integral of the amount used, and the integral of the
 * excess D - used (what the demands claim beyond what they use; the
 * platform subtracts it from the node's claims, so that a node's reported
 * utilization is at most its capacity). Integrals are
 * Neumaier-compensated sums of piecewise-constant segments; D is summed
 * afresh over the node's jobs at each change (no drift: an empty node has
 * D = 0 exactly).
 *
 * Errors: functions return FS_OK or a negative status and change nothing on
 * failure: FS_EINVAL (mode, capacity, demand or work out of range),
 * FS_ENOMEM, and enum fs_share_status. As in fs_net, a queue that cannot
 * grow when the engine arms its entry leaves the change made.
 *
 * Checks: fs_share_valid recomputes what is kept incrementally (lists and
 * positions, heap order, indexes and keys, each resource's demand and its
 * used + excess split, no resource used beyond its capacity, full speed
 * where nothing is over capacity, and, where one resource alone is shared,
 * the shares of its mode); asserted after every operation with
 * FS_CHECK_HEAVY.
 *
 * Threading: none; callers serialise.
 */
#ifndef FS_SHARE_H
#define FS_SHARE_H

#include "fs_sim.h"

#include <stdint.h>

enum fs_share_mode { FS_SHARE_OFF = 0, FS_SHARE_PROPORTIONAL = 1, FS_SHARE_EQUAL = 2 };

/* The shared resources: demands are given in this order. */
enum { FS_SHARE_CPU = 0, FS_SHARE_GPU = 1, FS_SHARE_NRES = 2 };

enum fs_share_status {
    FS_SHARE_ENODE = -110, /* unknown node, or a node without sharing */
    FS_SHARE_EJOB = -111,  /* unknown job (never started, or reported) */
    FS_SHARE_EDONE = -112, /* the job has finished (being reported): too late to cancel */
    FS_SHARE_EBUSY = -113  /* sharing turned off on a node that has jobs */
};

enum fs_share_job_state { FS_JOB_FREE = 0, FS_JOB_ACTIVE, FS_JOB_DONE };

struct fs_share;

/* Called once per finished job from fs_share_fire, with sim->now its
 * completion time; the job is DONE (fs_share_job_info works) and its slot
 * is freed when the callback returns. FS_OK or a negative status (the run
 * loop stops; the remaining reports come at the next fs_share_fire). */
typedef int (*fs_share_done_fn)(void *ctx, struct fs_share *sh, int32_t job, void *data);

/* A new engine scheduling its entries on sim; NULL when out of memory. */
struct fs_share *fs_share_new(struct fs_sim *sim, fs_share_done_fn on_complete, void *ctx);
/* Takes the engine's entries out of the queue (if attached) and frees it.
 * Owners take back the data of live jobs first (fs_share_job_data). */
void fs_share_free(struct fs_share *sh);
/* Takes the engine's entries out of sim's queue and forgets sim. */
void fs_share_detach(struct fs_share *sh);
/* The C action of the engine's entries (data: the engine). */
int fs_share_fire(struct fs_sim *sim, void *data);

/* Set the mode and capacity of node's resource res (the node table grows
 * to hold it; unknown nodes are OFF). At now: the rates of its jobs are
 * recomputed. Turning a resource OFF on a node with jobs is refused
 * (FS_SHARE_EBUSY). */
int fs_share_set_node(struct fs_share *sh, int32_t node, int res, int mode, double capacity);
/* The mode of node's resource res (FS_SHARE_OFF for a node never set). */
int fs_share_node_mode(const struct fs_share *sh, int32_t node, int res);
/* Is a resource of node shared? */
int fs_share_node_on(const struct fs_share *sh, int32_t node);

/* Start a job on node (a resource shared) at now: demand[FS_SHARE_NRES]
 * (finite, >= 0; ignored for resources not shared), work w (seconds at full
 * speed, finite, >= 0), in group (>= 0, or -1: none). *out gets its id. */
int fs_share_start(struct fs_share *sh, int32_t node, const double *demand, double work, int32_t group, void *data,
                   int32_t *out);
/* Cancel an ACTIVE job: it leaves its node now (the others speed up) and
 * its slot is freed (the owner keeps data). */
int fs_share_cancel(struct fs_share *sh, int32_t job);

struct fs_share_job_info {
    int state; /* enum fs_share_job_state */
    int32_t node;
    uint64_t seq;                 /* start sequence */
    double start;                 /* time of fs_share_start */
    double end;                   /* completion time (DONE), else NaN */
    double demand[FS_SHARE_NRES]; /* c */
    double work;                  /* w */
    double done;                  /* work done by now (w when DONE) */
    double rate;                  /* fraction of full speed now (0 when DONE) */
    double eta;                   /* completion time at the current rates */
    void *data;
};
int fs_share_job_info(const struct fs_share *sh, int32_t job, struct fs_share_job_info *out);
void *fs_share_job_data(const struct fs_share *sh, int32_t job);
int32_t fs_share_job_slots(const struct fs_share *sh);
int32_t fs_share_job_count(const struct fs_share *sh);

struct fs_share_node_info {
    int mode;
    double capacity;
    int32_t njobs;     /* active jobs now */
    double demand;     /* D now */
    double used;       /* what the jobs use now: min(D, C) unless another resource slows them */
    double excess;     /* D - used now */
    double busy;       /* time with a demand > 0, up to now */
    double used_int;   /* integral of used, up to now */
    double excess_int; /* integral of excess, up to now */
    double last;       /* time of the last change of used or excess (-inf if never) */
};
/* Resource res of node (mode, capacity, demand, used, excess, busy, ...). */
int fs_share_node_info(const struct fs_share *sh, int32_t node, int res, struct fs_share_node_info *out);
/* The excess D - used of node's resource res now, its integral up to now
 * and the time of its last change (0, 0, -inf for a resource not shared);
 * the cheap read of fs_share_node_info. */
void fs_share_excess(const struct fs_share *sh, int32_t node, int res, double *now_excess, double *integral,
                     double *last);

/* A group's excess claim of resource res, sum c * (1 - r), now, its
 * integral up to now and the time of its last change (0, 0, -inf for a
 * group never used). */
void fs_share_group_excess(const struct fs_share *sh, int32_t group, int res, double *now_excess, double *integral,
                           double *last);

/* Earliest completion time, +inf if none; entries queued now. */
double fs_share_next_time(const struct fs_share *sh);
size_t fs_share_queued(const struct fs_share *sh);

/* Counters: rate recomputations of a node, and job rates changed. */
struct fs_share_stats {
    uint64_t recomputes;
    uint64_t rate_changes;
};
void fs_share_stats(const struct fs_share *sh, struct fs_share_stats *out);

/* Full invariant check; 1 if valid. */
int fs_share_valid(const struct fs_share *sh);

#endif
