/* faas.h: FaasSystem (faas.c), the platform, as the other files see it.
 *
 * The platform's records (FaasObject, struct fs_fn) are private to faas.c
 * (faas_private.h). Other files read the platform through the functions
 * below; the three fields every hot path needs (the module state, the
 * environment and raise_hook_errors) are the first members of every
 * FaasObject (FAAS_HEAD) and are read inline. Only faas.c writes them. */
#ifndef FAASSIM_FAAS_H
#define FAASSIM_FAAS_H

#include "event.h"
#include "replica.h"
#include "request.h"
#include "fs_lb.h"
#include "fs_sched.h"

typedef struct FaasObject FaasObject;

/* The members every FaasObject starts with, in this order (used as
 * `FAAS_HEAD;`). */
#define FAAS_HEAD                                                                                                      \
    PyObject_HEAD faassim_state *st;                                                                                   \
    EnvironmentObject *env; /* strong ref */                                                                           \
    int raise_hook_errors   /* a hook's exception reaches the caller (else it only fails the replica) */

struct faas_head {
    FAAS_HEAD;
};

static inline faassim_state *faas_state(FaasObject *f)
{
    return ((struct faas_head *)f)->st;
}
static inline EnvironmentObject *faas_env(FaasObject *f)
{
    return ((struct faas_head *)f)->env;
}
static inline int faas_raise_hook_errors(FaasObject *f)
{
    return ((struct faas_head *)f)->raise_hook_errors;
}

int Faas_setup(PyObject *m, faassim_state *st);

/* Functions: slots 0 .. faas_fn_count(f) - 1 (never reused). */
int32_t faas_fn_count(FaasObject *f);
/* The function's name (borrowed; NULL for a slot never filled). */
PyObject *faas_fn_name(FaasObject *f, int32_t slot);
/* Deployed and not removed. */
int faas_fn_active(FaasObject *f, int32_t slot);
/* Its replicas that are not SUSPENDED or FAILED, in creation order (a list,
 * borrowed). */
PyObject *faas_fn_replicas(FaasObject *f, int32_t slot);
/* Its routable (RUNNING) replicas, as the load balancer sees them. */
struct fs_lb *faas_fn_lb(FaasObject *f, int32_t slot);
/* Function slot of name, or -1 with KeyError. */
int32_t faas_function_slot(FaasObject *faas, PyObject *name);

/* Replicas: ids 0 .. faas_replica_count(f) - 1 were made. The platform
 * keeps a replica only while it is live (neither SUSPENDED nor FAILED):
 * faas_replica is it (borrowed), or NULL once it is gone; faas_replica_info
 * gives, for every id, its function slot and node index (-1: never
 * placed). */
uint32_t faas_replica_count(FaasObject *f);
ReplicaObject *faas_replica(FaasObject *f, uint32_t id);
void faas_replica_info(FaasObject *f, uint32_t id, int32_t *fn, int64_t *node);

/* Nodes: the node table taken from env.topology, indexes 0 ..
 * faas_node_count(f) - 1. */
Py_ssize_t faas_node_count(FaasObject *f);
/* The Node at index node (borrowed). */
PyObject *faas_node(FaasObject *f, int64_t node);
/* Index of the node called name: 1 (*out set), 0 if the table has no such
 * node, -1 with an exception. */
int faas_node_index(FaasObject *f, PyObject *name, int64_t *out);
/* The names of the nodes in the table (a new list), or NULL. */
PyObject *faas_node_names(FaasObject *f);
/* Capacity and allocation of a node, or NULL for a bad index. */
const struct fs_sched_node *faas_sched_node(FaasObject *f, int64_t node);
/* When the platform took the node from env.topology (its idle energy starts). */
double faas_node_t0(FaasObject *f, int64_t node);
/* Bring the platform's node table up to date with env.topology. */
int faas_sync_nodes(FaasObject *f);
/* Processor sharing of the nodes' cpu (fs_share), or NULL when no node of
 * the platform has ever had cpu sharing on (then contention costs nothing). */
struct fs_share;
struct fs_share *faas_share(FaasObject *f);
/* The node table itself, for the placement pipeline (scheduler.c): it
 * reads it and sets only its locality inputs (node images, image and data
 * sizes, bandwidths); the nodes, their capacity and allocation are
 * faas.c's. */
struct fs_sched *faas_sched(FaasObject *f);
/* The placement demand of a replica (amounts, allowed archs, node selector;
 * *sel is PyMem memory the caller frees, also on error). */
int faas_replica_demand(FaasObject *f, ReplicaObject *rep, struct fs_sched_demand *d, struct fs_sched_label **sel);
/* A small id for (kind, obj) from the platform's table (label ids when kind
 * is "label"; other kinds share the label counter). */
int faas_intern(FaasObject *f, const char *kind, PyObject *obj, int32_t *out);
/* The platform's id of an architecture name. */
int faas_intern_arch(FaasObject *f, PyObject *arch, int32_t *out);

/* The C placement (scheduler.c's policies): a new reference to the chosen
 * Node, or None with *reason set (new reference), or NULL on error. */
PyObject *faas_c_schedule(FaasObject *f, ReplicaObject *rep, int policy, PyObject **reason);

/* The inline C callbacks FS_CB_LIFECYCLE and FS_CB_INVOKED. */
int faas_lifecycle_cb(ReplicaObject *rep, EventObject *ev);
int faas_invoked_cb(RequestObject *req, EventObject *ev);
/* Invoke function slot fn for a C-native source (no Python request unless a
 * hook needs one), with a recorded execution time or NaN. Returns 0 or -1
 * with an exception. */
int faas_invoke_native(FaasObject *faas, int32_t fn, double exec_time);

#endif
