/* scheduler.h: Scheduler (scheduler.c). */
#ifndef FAASSIM_SCHEDULER_H
#define FAASSIM_SCHEDULER_H

#include "module.h"
#include "replica.h"
#include "fs_placement.h"

struct FaasObject;

typedef struct {
    PyObject_HEAD faassim_state *st;
    int policy;        /* enum fs_sched_policy */
    double latency;    /* simulated seconds per placement */
    int8_t overridden; /* schedule overridden in Python (-1: not known yet) */
    PyObject *dict;
    PyObject *weaklist;
    /* The placement pipeline (unused while pipeline is 0, the policy path):
     * compiled predicates and priorities (tuples), percentage of nodes to
     * score, selection, skippy's rotation, the work arrays holding the last
     * decision, the latency model. */
    int pipeline;
    PyObject *preds, *prios;
    double percentage;
    int select;
    int track_images;
    int locality; /* a priority reads the registry or storage bandwidths (synced before placing) */
    size_t start;
    struct fs_place_work work;
    double latency_per_node;
    PyObject *latency_fn;
    PyObject *context_factory, *context, *context_env;
    PyObject *last_faas;    /* the platform of the last decision (its nodes name the indices in work) */
    PyObject *last_replica; /* the replica of the last decision */
    int last_status;        /* FS_OK, FS_ENOSPACE, or -1: no decision yet */
    int placing;            /* inside pipeline_place (Python callbacks must not re-enter it) */
} SchedulerObject;

int Scheduler_setup(PyObject *m, faassim_state *st);
int scheduler_overridden(SchedulerObject *s);
/* Place rep with the scheduler's C path (its policy or its pipeline): a new
 * reference to the chosen Node or None (with *reason, a new reference to a
 * str, when nothing fits or to explain a pipeline's decision), nothing
 * allocated; *latency gets the latency model's value. NULL on error. */
PyObject *scheduler_place(SchedulerObject *s, struct FaasObject *f, ReplicaObject *rep, PyObject **reason,
                          double *latency, int placing);

#endif
