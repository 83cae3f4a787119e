/* resource_state.h: env.resource_state (faassim.ResourceState, resource_state.c) over
 * the engine's exact fs_res. */
#ifndef FAASSIM_RESOURCE_STATE_H
#define FAASSIM_RESOURCE_STATE_H

#include "replica.h"

struct FaasObject;

/* C API for built-in (C) simulators that claim resources without Python
 * objects. Get the state with env_component(env, FS_COMP_RESOURCE_STATE)
 * and check ResourceState_Check (Python code may have set env.resource_state
 * to another object: then call its methods by name); resolve slots once;
 * then per claim resource_state_put / resource_state_remove. The same rules
 * as from Python: rep must be a placed replica of the state's platform, a
 * value finite and >= 0, a remove no more than held (exactly). Functions
 * return >= 0, or -1 (-1.0 for the getters) with a Python exception set and
 * nothing changed. Slots stay valid for the life of the state. These calls
 * bypass Python overrides of put_resource/remove_resource in a subclass. */
typedef struct ResourceStateObject ResourceStateObject;
#define ResourceState_Check(st, o) PyObject_TypeCheck((o), (st)->ResourceState_type)
int ResourceState_setup(PyObject *m, faassim_state *st);
/* Slot of resource name (UTF-8), interned on first use (at most 64 names). */
int resource_state_slot(ResourceStateObject *rs, const char *name);
/* The claim of a built-in simulator: put values[i] of slots[i], i < n
 * (distinct slots), on rep and its node, all or nothing (rep is registered
 * on first use); but
 * when rep claims the same vector for every request it is held as a
 * standing claim (fs_res_claim_*: O(1), no accumulator touched). *token
 * tells resource_state_unclaim how it is held (0: loose amounts). */
int resource_state_claim(ResourceStateObject *rs, ReplicaObject *rep, const int *slots, const double *values, int n,
                         uint32_t *token);
/* Release what resource_state_claim put (the same slots and values). */
int resource_state_unclaim(ResourceStateObject *rs, ReplicaObject *rep, const int *slots, const double *values, int n,
                           uint32_t token);
/* Amount rep holds (the exact amount rounded once), 0.0 if never put. */
double resource_state_get(ResourceStateObject *rs, ReplicaObject *rep, int slot);
/* Total of a node (its index in the platform's node table), 0.0 if none. */
double resource_state_node_get(ResourceStateObject *rs, int64_t node, int slot);
/* Slots ever put or removed (touched) and slots holding a non-zero amount
 * (nonzero) on rep, or, with rep NULL, on node `node`; 0 for an unknown
 * replica or node. */
void resource_state_masks(ResourceStateObject *rs, ReplicaObject *rep, int64_t node, uint64_t *touched,
                          uint64_t *nonzero);
/* Slot of resource name (a str) if interned, FS_ERES_NO_SLOT (-70) if not,
 * -1 with an exception. Interns nothing. */
int resource_state_slot_of(ResourceStateObject *rs, PyObject *name);
/* The name of a slot (borrowed str), or NULL (no exception) if unused. */
PyObject *resource_state_slot_name(ResourceStateObject *rs, int slot);
/* The platform whose replicas are registered (borrowed), or NULL. */
struct FaasObject *resource_state_faas(ResourceStateObject *rs);
/* Node indexes that may have registered replicas are < node_count;
 * node_used: node has registered replicas. */
uint32_t resource_state_node_count(ResourceStateObject *rs);
int resource_state_node_used(ResourceStateObject *rs, uint32_t node);
/* The time integral of a slot's amount on rep (or, rep NULL, on node) from
 * the start up to env.now, the amount now, the time of the last change (the
 * amount is constant on [last, now]; -inf if never changed) and of the first
 * (before it the amount was 0; +inf if never). 0 or -1 (bad slot). */
struct resource_state_integral {
    double integral, amount, last, first;
};
int resource_state_integral(ResourceStateObject *rs, ReplicaObject *rep, int64_t node, int slot,
                            struct resource_state_integral *out);
/* The platform let go of rep (SUSPENDED or FAILED; faas.c): if it holds
 * nothing, its node stops listing it (list_resource_utilization); its
 * registration and integrals stay. Never fails. */
void resource_state_replica_gone(ResourceStateObject *rs, ReplicaObject *rep);
/* The same for the replica of platform faas with id rid (which the platform
 * may no longer keep) placed on node, or for node when rid is -1. */
int resource_state_integral_of(ResourceStateObject *rs, struct FaasObject *faas, int64_t rid, int64_t node, int slot,
                               struct resource_state_integral *out);

#endif
