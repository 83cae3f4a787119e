/* invocation.h: the record of an invocation in flight (struct fs_inv) and
 * what the built-in simulators (watchdog.c) do with it: allocate, time,
 * complete. The pool, the waiting FIFOs, routing and completion are in
 * invocation.c. */
#ifndef FAASSIM_INVOCATION_H
#define FAASSIM_INVOCATION_H

#include "faas.h"
#include "event.h"
#include "replica.h"
#include "request.h"

/* One invocation in flight (pooled by the FaasSystem; no Python object on
 * the C-native path). */
struct fs_inv {
    struct fs_inv *next, *prev; /* free list / waiting FIFO / worker queue / timed list */
    RequestObject *req;         /* strong ref, or NULL (C-native request without Python hooks) */
    EventObject *done;          /* strong ref: the event invoke() returned, or NULL */
    ReplicaObject *rep;         /* strong ref once dispatched */
    struct FaasObject *faas;    /* borrowed: the platform whose pool it belongs to */
    int64_t request_id;
    int32_t fn;
    double t_received, t_start;
    /* The request's recorded execution time (a replay of traced durations,
     * FunctionRequest.exec_time), or NaN. When set, the C invoke of a
     * FunctionSimulator and the C execute step of a watchdog wait exactly
     * this long instead of taking no time / sampling one. */
    double exec_time;
    /* built-in watchdogs (watchdog.c) */
    double t_wait_start, t_fet_start;
    double claim[6];    /* what the C claim put (cpu, gpu, blkio, net, ram, and power for a PowerPredictionSimulator) */
    double t_claim;     /* when the C claim put it */
    double joules;      /* has_energy: the power claim times the time it was held, set by the C release */
    uint8_t wstep;      /* watchdog step: claim, execute, release, done */
    uint8_t claimed;    /* claim[] is held in env.resource_state */
    uint8_t tracked;    /* in a list that a container traverses (worker queue, timed list) */
    uint8_t sub;        /* run for a Python call of Watchdog.invoke: `done` is that call's event */
    uint8_t has_energy; /* joules is set (its fets row gets watts and joules) */
    uint32_t claim_token;   /* how env.resource_state holds the claim (resource_state_claim) */
    const void *claim_rs;   /* the resource state that gave claim_token (identity only, never dereferenced) */
    struct fs_inv *sub_inv; /* the record of a Python Watchdog.invoke run, on the invocation's record */
    int (*on_timer)(struct fs_inv *inv); /* on the timed list: what its timer does (inv_timed_push) */
};

/* A record's step when its C timer fires (it is off the timed list by
 * then): an fs status (FS_EPYTHON with the exception set). */
typedef int (*inv_fire_fn)(struct fs_inv *inv);

/* A fresh record of platform f (request_id, fn, times to be set by the
 * caller), or NULL with MemoryError. */
struct fs_inv *inv_alloc(FaasObject *f);
/* Drop the record's references and return it to the pool; the request is
 * released last (its dealloc may run any code). */
void inv_free(FaasObject *f, struct fs_inv *inv);
/* Detach a record that is going away from its request (req->inv, or the
 * sub_inv of the request's record). */
void inv_unlink(struct fs_inv *inv);
/* The record's FunctionRequest, made on demand for C-native requests
 * (borrowed), or NULL with an exception. */
RequestObject *inv_request(FaasObject *f, struct fs_inv *inv);
/* The invocation ended (exc NULL: ok; else the hook's exception, borrowed):
 * its `invocations` row, its event, the replica's load; frees the record. */
int inv_complete(FaasObject *f, struct fs_inv *inv, PyObject *exc);
/* Put a record on a C timer at t, on the platform's timed list (which the
 * platform's GC traversal and teardown know about): when the timer fires
 * the record is taken off the list and fire runs. An fs status; nothing
 * changed on failure. */
int inv_timed_push(FaasObject *f, struct fs_inv *inv, double t, inv_fire_fn fire);
/* The same for a work shared with the other executions on a node with cpu
 * or gpu sharing (faas_share(f), fs_share_node_on): the record runs on the
 * node's processor sharing with its demands (cpu, gpu: FS_SHARE_NRES
 * values) and a work (seconds at full speed), and fire runs when the work
 * is done. The record is on the timed
 * list meanwhile (owned and traversed by the platform). An fs status;
 * nothing changed on failure. */
int inv_share_push(FaasObject *f, struct fs_inv *inv, int64_t node, const double *demand, double work,
                   inv_fire_fn fire);

#endif
