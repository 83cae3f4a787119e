/* replica.h: FunctionReplica (replica.c). */
#ifndef FAASSIM_REPLICA_H
#define FAASSIM_REPLICA_H

#include "module.h"
#include "fs_sched.h"
#include "metrics.h"

struct FaasObject;
typedef struct MetricsObject MetricsObject;

enum fs_replica_phase {
    FS_PH_QUEUED = 0, /* waiting for the scheduler */
    FS_PH_SCHEDULING, /* placed (or not), scheduling latency running */
    FS_PH_DEPLOY,
    FS_PH_STARTUP,
    FS_PH_SETUP,
    FS_PH_RUNNING,
    FS_PH_TEARDOWN,
    FS_PH_DONE,   /* SUSPENDED: torn down, resources returned */
    FS_PH_FAILED, /* FAILED: unplaceable, or a hook raised */
};

/* FunctionState values (faas-sim's, plus FAILED). */
enum { FS_ST_CONCEIVED = 1, FS_ST_STARTING, FS_ST_RUNNING, FS_ST_SUSPENDED, FS_ST_FAILED };

typedef struct ReplicaObject {
    PyObject_HEAD faassim_state *st;
    struct FaasObject *faas; /* strong ref */
    uint32_t id;             /* replica_id: dense per environment, from 0 */
    uint32_t pod_index;      /* its number among its function's replicas, from 0 (the pod's name) */
    int32_t fn;              /* slot of its function in faas->fns */
    int64_t node;            /* node index in the scheduler's table, -1 before placement */
    int32_t rank;            /* index of its container in the deployment's ranking */
    uint8_t state;           /* FS_ST_* */
    uint8_t phase;           /* FS_PH_* */
    uint8_t remove_pending;  /* teardown asked while starting */
    uint8_t routable;        /* in the function's load-balancer set */
    uint8_t allocated;       /* holds demand on its node */
    uint64_t running_seq;    /* order in which replicas became RUNNING (scale_down picks the latest) */
    double last_active;      /* when it became RUNNING or last started or ended a request (valid once running_seq) */
    struct fs_sched_res demand;
    PyObject *function;              /* FunctionDeployment */
    PyObject *container;             /* FunctionContainer */
    PyObject *image;                 /* str */
    PyObject *node_obj;              /* Node, or None before placement */
    PyObject *simulator;             /* FunctionSimulator (any object with the hooks) */
    PyObject *memory;                /* the container's memory requirement (int) or None, for metrics */
    PyObject *removed;               /* event succeeded when its teardown ends (created on removal), or NULL */
    PyObject *fail_reason;           /* why its placement failed (str), or NULL */
    int image_sid, node_sid, fn_sid; /* metrics string ids (-1: not interned yet) */
    uint64_t metrics_for_sids;       /* serial number of the Metrics the ids belong to (0: none) */
    PyObject *dict;
    PyObject *weaklist;
} ReplicaObject;

int Replica_setup(PyObject *m, faassim_state *st);
ReplicaObject *replica_new(struct FaasObject *faas, uint32_t id, int32_t fn, int32_t rank, PyObject *function,
                           PyObject *container, PyObject *simulator);
/* FunctionState member for a state value (borrowed), or NULL with an error
 * when faassim has not registered its Python types. */
PyObject *function_state_member(faassim_state *st, int state);
/* The name of the replica's node (new reference; "None" before placement). */
PyObject *replica_node_name(ReplicaObject *rep);
/* Intern the names of the replica's function, image and node in m
 * (rep->fn_sid, image_sid, node_sid), once per Metrics object: 0, or -1
 * with an exception. */
int replica_intern_sids(ReplicaObject *rep, MetricsObject *m);
static inline int replica_metrics_sids(ReplicaObject *rep, MetricsObject *m)
{
    return rep->metrics_for_sids == metrics_serial(m) ? 0 : replica_intern_sids(rep, m);
}

#endif
