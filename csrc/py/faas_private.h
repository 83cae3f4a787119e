/* faas_private.h: the platform's records (FaasObject, struct fs_fn), known
 * only to the platform's own files (faas.c). Every other file sees the
 * platform through faas.h. */
#ifndef FAASSIM_FAAS_PRIVATE_H
#define FAASSIM_FAAS_PRIVATE_H

#include "faas.h"
#include "invocation.h"
#include "fs_lb.h"
#include "fs_sched.h"

/* A deployed function (a slot of FaasObject.fns; slots are never reused, so
 * a slot index is a stable function id). */
struct fs_fn {
    PyObject *name;                       /* str */
    PyObject *deployment;                 /* FunctionDeployment */
    PyObject *replicas;                   /* list: its replicas that are not SUSPENDED or FAILED, in creation order */
    PyObject *failed;                     /* list: its FAILED replicas */
    PyObject *containers;                 /* tuple: its containers in ranking order */
    int64_t *per_rank;                    /* placed replicas per ranked container (faas-sim's functions_definitions) */
    struct fs_lb lb;                      /* its routable (RUNNING) replicas */
    int64_t replica_count;                /* placed and not being removed (faas-sim's replica_count) */
    int64_t unplaced;                     /* created and not yet placed */
    struct fs_inv *wait_head, *wait_tail; /* requests waiting for a RUNNING replica (FIFO) */
    int64_t nwaiting;
    int64_t ninvoked, ncompleted, nfailed;
    double last_invocation;
    uint8_t active; /* deployed and not removed */
};

struct FaasObject {
    FAAS_HEAD /* st, env, raise_hook_errors: see faas.h */
        struct fs_fn *fns;
    int32_t nfns, capfns;
    PyObject *fn_index;       /* dict: name -> slot (int), active functions */
    PyObject *function_index; /* dict: image -> FunctionContainer (faas-sim's get_function_index()) */
    ReplicaObject **reps;     /* every replica by id (strong refs) */
    uint32_t nreps, capreps;
    struct fs_sched sched; /* node table: capacity and allocation */
    PyObject *nodes;       /* list of Node by index */
    PyObject *node_ids;    /* dict: node name -> index */
    PyObject *intern;      /* dict: arch / label / accelerator names -> small ids */
    int32_t n_archs, n_labels, n_accels;
    PyObject *accel_names; /* list: accelerator kind names by index */
    PyObject *sched_queue; /* list: replicas waiting for the scheduler (FIFO from sched_head) */
    Py_ssize_t sched_head;
    int pumping;               /* inside sched_pump (re-entrancy guard) */
    ReplicaObject *sched_busy; /* replica whose scheduling latency is running, or NULL */
    struct fs_inv *free_inv;   /* pool of invocation records */
    int64_t next_request_id;
    uint64_t running_seq;
    int64_t nwaiting_total;
    /* invocation metrics: C fast path when env.metrics does not override the hooks */
    PyObject *fast_for; /* the metrics object the fields below were computed for (strong ref) */
    int8_t fast_inv, fast_start, fast_stop;
    struct fs_inv *timed; /* records waiting on a C timer (built-in watchdog execution) */
    int t_inv, c_wait, c_exec, c_start, c_mem, c_fn, c_img, c_node, c_rid;
    double *node_t0; /* by node index: when the platform took the node from env.topology (its idle energy starts) */
    PyObject *dict;
    PyObject *weaklist;
};

#endif
