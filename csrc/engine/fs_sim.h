/*
 * fs_sim: the simulation clock and queue, and C actions that run without
 * Python.
 *
 * Design note
 * -----------
 * struct fs_sim is embedded in every Environment. `now` only moves forward:
 * the run loop (in the bindings) pops an entry and sets now to its time
 * before running it. C actions (fs_action_fn) receive the fs_sim and may
 * push further entries; they must not touch entries whose fn is NULL (those
 * belong to the bindings).
 * now_int says that `now` stands for an integer (exact in the double, so
 * |now| < 2^53): the bindings reproduce SimPy's clock, whose type follows
 * the arithmetic of the initial time and the delays. The run loop sets it
 * from the popped entry's tag bit; C actions push untagged entries, so their
 * times are floats.
 * The native ticker is a minimal periodic C action used by benchmarks and
 * tests to measure the engine without Python in the loop. A ticker frees
 * itself after its last tick; fs_sim_cancel_tickers frees the others.
 */
#ifndef FS_SIM_H
#define FS_SIM_H

#include "fs_queue.h"

struct fs_ticker;

struct fs_sim {
    double now;
    int now_int; /* now stands for an integer (see the design note) */
    struct fs_queue queue;
    uint64_t native_ticks;     /* ticks processed by native tickers */
    struct fs_ticker *tickers; /* owned list of tickers */
};

/* now = initial_time, now_int = 0. */
int fs_sim_init(struct fs_sim *sim, double initial_time);
/* Frees the queue and the tickers; entries with fn == NULL must have been
 * drained by the owner first (their data is not the engine's). */
void fs_sim_free(struct fs_sim *sim);

/* Schedule `streams` independent tickers, each firing `count` times, every
 * `interval` seconds starting at now + interval (NORMAL priority). The
 * interval must be finite and >= 0 (FS_EINVAL otherwise); a tick whose time
 * would overflow to infinity stops its ticker with FS_EINVAL. */
int fs_sim_add_ticker(struct fs_sim *sim, double interval, uint64_t count, uint64_t streams);

/* Is this entry a native ticker's? (for tests and cancellation) */
int fs_entry_is_ticker(const struct fs_entry *e);
/* Cancel every pending native ticker entry and free the tickers; returns the
 * number of entries removed. */
size_t fs_sim_cancel_tickers(struct fs_sim *sim);

/* Does a step of `gap` seconds move simulated time forward from `now`?
 * Time is resolved at the scale of max(|now|, 1) seconds, so a gap that
 * vanishes against that (1e-300 anywhere, 1e-10 at now = 1e7) is refused:
 * a source or tick repeating it would never reach a later time. 0 as well
 * for a gap that is not > 0 or that overflows now + gap to infinity. */
int fs_time_advances(double now, double gap);

#define FS_PRIO_URGENT 0
#define FS_PRIO_NORMAL 1
/* The end of an instant: an entry at this priority runs after every URGENT
 * and NORMAL entry of its time, including those pushed while it waits (only
 * entries of this same, highest, priority pushed earlier run before it). */
#define FS_PRIO_LATE FS_PRIORITY_MAX
_Static_assert(FS_PRIO_LATE > FS_PRIO_NORMAL, "the end of an instant comes after NORMAL");

#endif
