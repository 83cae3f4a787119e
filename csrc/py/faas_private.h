/* faas_private.h: the platform's records (FaasObject, struct fs_fn), known
 * only to the platform's own files: faas.c (functions, replicas, nodes,
 * scheduling) and invocation.c (the requests). Every other file sees the
 * platform through faas.h, and the invocation record through
 * invocation.h. */
#ifndef FAASSIM_FAAS_PRIVATE_H
#define FAASSIM_FAAS_PRIVATE_H

#include "faas.h"
#include "invocation.h"
#include "fs_lb.h"
#include "fs_sched.h"
#include "fs_share.h"

/* The requests of a function waiting for a RUNNING replica, in arrival
 * order (invocation.c). */
struct inv_fifo {
    struct fs_inv *head, *tail;
    int64_t n;
};

/* What the invocation module (invocation.c) keeps in a platform; no other
 * file touches it. */
struct inv_table {
    struct fs_inv *free;  /* pool of records */
    struct fs_inv *timed; /* records waiting on a C timer */
    /* functions whose waiting requests are dispatched at the end of the
     * current instant, in the order they were marked: slot + 1 (0: none),
     * linked through fs_fn.dispatch_next; queued: the platform's entry
     * (dispatch_action, FS_PRIO_LATE) is in the simulation queue */
    int32_t dispatch_head, dispatch_tail;
    int8_t dispatch_queued;
    int64_t next_request_id;
    /* the `invocations` rows: C fast path when env.metrics does not override the hooks */
    PyObject *fast_for; /* the metrics object the fields below were computed for (strong ref) */
    int8_t fast_inv, fast_start, fast_stop;
    int t_inv, c_wait, c_exec, c_start, c_mem, c_fn, c_img, c_node, c_rid;
};

/* A deployed function (a slot of FaasObject.fns; slots are never reused, so
 * a slot index is a stable function id). */
struct fs_fn {
    PyObject *name;          /* str */
    PyObject *deployment;    /* FunctionDeployment */
    PyObject *replicas;      /* list: its replicas that are not SUSPENDED or FAILED, in creation order */
    PyObject *failed;        /* list: its latest FAILED replicas, at most FS_KEEP_FAILED (oldest first) */
    PyObject *containers;    /* tuple: its containers in ranking order */
    int64_t *per_rank;       /* placed replicas per ranked container (faas-sim's functions_definitions) */
    struct fs_lb lb;         /* its routable (RUNNING) replicas */
    int64_t replica_count;   /* placed and not being removed (faas-sim's replica_count) */
    int64_t unplaced;        /* created and not yet placed */
    struct inv_fifo waiting; /* requests waiting for a RUNNING replica (invocation.c) */
    /* on the list of functions to dispatch at the end of the instant, and
     * the next one there, slot + 1 (invocation.c) */
    uint8_t dispatch_pending;
    int32_t dispatch_next;
    int64_t ninvoked, ncompleted, nfailed;
    int64_t nunserved;  /* of nfailed: failed before reaching a replica (its last replica failed) */
    uint32_t pods_made; /* replicas made for it so far (numbers their pods) */
    double last_invocation;
    uint8_t active; /* deployed and not removed */
};

/* How many FAILED replicas a function keeps for get_replicas(name,
 * FunctionState.FAILED): the latest ones; older ones are forgotten (their
 * rows stay in the metrics), so that a hook failing on every request does
 * not grow memory. */
#define FS_KEEP_FAILED 100

/* What the platform keeps of a replica by id: the replica while it is live
 * (not SUSPENDED, not FAILED), and for ever (16 bytes, for the energy
 * accounting by replica) its function slot and node. */
struct fs_rep_slot {
    ReplicaObject *rep; /* strong ref while live, else NULL */
    int32_t fn;
    int32_t node; /* node index, -1 if never placed */
};

struct FaasObject {
    FAAS_HEAD; /* st, env, raise_hook_errors: see faas.h */
    struct fs_fn *fns;
    int32_t nfns, capfns;
    PyObject *fn_index;       /* dict: name -> slot (int), active functions */
    PyObject *function_index; /* dict: image -> FunctionContainer (faas-sim's get_function_index()) */
    struct fs_rep_slot *reps; /* every replica by id: the live ones, what is left of the others */
    uint32_t nreps, capreps;
    struct fs_sched sched;    /* node table: capacity and allocation */
    PyObject *nodes;          /* list of Node by index */
    PyObject *node_ids;       /* dict: node name -> index */
    PyObject *synced_topo;    /* env.topology at the last sync, when it had an int version (strong ref), or NULL */
    long long synced_version; /* its version then: the node table holds its get_nodes() of that version */
    PyObject *intern;         /* dict: arch / label / accelerator names -> small ids */
    int32_t n_archs, n_labels, n_accels;
    PyObject *accel_names; /* list: accelerator kind names by index */
    PyObject *sched_queue; /* list: replicas waiting for the scheduler (FIFO from sched_head) */
    Py_ssize_t sched_head;
    int pumping;               /* inside sched_pump (re-entrancy guard) */
    ReplicaObject *sched_busy; /* replica whose scheduling latency is running, or NULL */
    uint64_t running_seq;
    struct inv_table invs; /* the invocations (invocation.c) */
    double *node_t0; /* by node index: when the platform took the node from env.topology (its idle energy starts) */
    /* processor sharing of the nodes' cpu and gpu, by node index (made when the
     * first node with sharing joins; its jobs are records on the timed list,
     * invocation.c) */
    struct fs_share *share;
    PyObject *dict;
    PyObject *weaklist;
};

/* faas.c, for invocation.c */

/* The replica failed in `phase` (exc: the hook's exception, borrowed, or
 * NULL: the current one); see faas.c. */
int faas_replica_fail(ReplicaObject *rep, const char *phase, PyObject *exc);
/* The function in slot has no replica: make scale_min of them (at least
 * one) and run the scheduler. */
int faas_scale_from_zero(FaasObject *f, int32_t slot);

/* invocation.c, for faas.c */

/* invoke(request) of function slot: the event it returns (new reference),
 * or NULL. */
PyObject *inv_invoke(FaasObject *f, RequestObject *req, int32_t slot);
/* A replica of slot became RUNNING: its waiting requests go to the load
 * balancer at the end of the current instant, once every replica that
 * becomes RUNNING at this instant is RUNNING. */
int inv_dispatch_later(FaasObject *f, int32_t slot);
/* Fail the waiting requests of slot with LookupError(reason): the function
 * was removed (count 0: their waiters see it; unobserved ones, or all when
 * raise_hook_errors is off, are defused), or its last replica failed (count
 * 1: counted as failed requests and always defused: the replica's failure
 * is what reaches run(), the requests only tell their waiters). */
int inv_fail_waiting(FaasObject *f, int32_t slot, PyObject *reason, int count);
/* GC support and teardown of the records the platform owns (waiting and
 * timed), and the memory of the pool. */
int inv_traverse(FaasObject *f, visitproc visit, void *arg);
void inv_clear(FaasObject *f);
void inv_free_pool(FaasObject *f);
/* fs_share's completion callback of a platform (ctx: the platform). */
int inv_share_done(void *ctx, struct fs_share *sh, int32_t job, void *data);

#endif
