/* resource_state.c: ResourceState (env.resource_state), ResourceUtilization
 * and NodeResourceUtilization: faas-sim's per-replica and per-node resource
 * accounting over the engine's exact fs_res.
 *
 * Design note
 * -----------
 * A ResourceState owns a "book": the engine's struct fs_res (exact amounts
 * per replica and per node, node amounts always the exact sum of their
 * replicas'), a dict caching resource name -> slot (so a name costs one
 * dict lookup), the slot names as str, and a "touched" bit mask per replica
 * and per node: the resources ever put or removed successfully on it (on
 * any of its replicas, for a node). faas-sim's ResourceUtilization was a
 * dict whose keys were exactly those resources; the masks give
 * get_resource()'s None and list_resources()'s keys without a dict per
 * replica.
 *
 * Replicas are FunctionReplica objects of the environment's platform, known
 * to fs_res by replica_id (dense per platform) and node index (the
 * platform's node table). A replica is registered on first use (a
 * successful put or remove, or get_resource_utilization, as faas-sim made
 * its entry then) on the node it was placed on; registrations are kept (a
 * torn-down replica keeps what it still holds, as in faas-sim; its
 * integrals stay readable by id), but once a replica the platform let go of
 * (SUSPENDED or FAILED) holds nothing, its node stops listing it, so that
 * replica churn does not grow the state by a replica object each. The state
 * binds to the platform of the first replica registered and refuses
 * replicas of any other (their ids would collide). Per node, the state keeps
 * the list of its registered replica objects (in registration order) for
 * list_resource_utilization.
 *
 * Views: get_resource_utilization(replica) returns a ResourceUtilization
 * that reads the state live (a replica view); NodeResourceUtilization's
 * total_utilization is a read-only live view of a node's totals (a node
 * view); copy() of either is a detached snapshot with a private book (one
 * pseudo-replica on one pseudo-node), exact too, that put/remove change
 * without touching the state. ResourceUtilization() made from Python is an
 * empty snapshot (faas-sim code builds them).
 *
 * Errors change nothing: values are validated before anything happens, a
 * replica registered by a failing call is unregistered again, and fs_res
 * itself either succeeds or changes nothing.
 *
 * Time integrals: the state also integrates every amount over simulated
 * time, per (replica, slot) and per (node, slot): the amount is piecewise
 * constant, so before each put or remove changes it, amount * (now - last
 * change) is added to the (entity, slot)'s integral, a Neumaier-compensated
 * double (O(1) per change; an integral of n segments carries about one
 * rounding of its total, plus one per segment for the product). The amount
 * integrated is the exact amount rounded once (what get_resource reads).
 * Each (entity, slot) also keeps the time of its first change: before it,
 * the amount was 0 (so is the integral). Reads integrate the open segment up
 * to env.now (resource_state_integral, ResourceState.get_integral); the
 * resource monitor (monitor.c) keeps the integrals at its sample times, so
 * that means over past windows are exact too. Snapshots are not integrated.
 *
 * Standing claims: the built-in watchdogs claim the same characterized
 * vector for every request (resource_state_claim / resource_state_unclaim);
 * the state holds them as fs_res standing claims, a multiplicity k per
 * replica (one integer change per claim, whatever the number of resources),
 * and integrates k itself (struct rs_kint): the integral of slot s is then
 * v_s * integral(k), added to the loose integral at reads (over the node's
 * claimers for a node). A claim with another vector while k > 0 is put
 * loose; a vector replaced while k == 0 first retires the old one's
 * integral into the loose integrals; a Python remove that needs more than
 * the loose amount folds the standing claims into it (the epoch of the
 * claim changes, so the watchdog releases those as loose amounts). Reads
 * are exact as before: fs_res adds k * v exactly.
 *
 * Processor sharing: on a node whose cpu the platform shares (fs_share),
 * the C readers of "cpu" amounts and integrals (resource_state_get,
 * resource_state_node_get, resource_state_integral: the monitor, the
 * energy, get_integral) subtract what the executions claim beyond their
 * shares (shared_excess), so they read the cpu used; the claims and the
 * Python views stay what was put. */
#include "resource_state.h"
#include "faas.h"
#include "fs_sum.h"
#include "fs_res.h"
#include "fs_share.h"

#include <math.h>

struct rs_book {
    struct fs_res res;
    PyObject *slots;                   /* dict: str -> int slot */
    PyObject *names[FS_RES_MAX_SLOTS]; /* slot -> its name (str), strong */
    uint64_t *rep_touched;             /* by replica id: slots ever put or removed on it */
    uint32_t nrep_touched;
    uint64_t *node_touched; /* by node index: the union over its replicas */
    uint32_t nnode_touched;
};

/* The time integral of one (entity, slot)'s amount. */
struct rs_integ {
    double sum, comp; /* integral over the closed segments: sum + comp (Neumaier) */
    double last;      /* time of the last change (the open segment starts here) */
    double first;     /* time of the first change; +inf if none */
};

/* The time integral of a replica's standing-claim multiplicity k (the
 * amount of slot s held as standing claims is k * v_s, so its integral is
 * v_s times this). */
struct rs_kint {
    double sum, comp; /* Neumaier, as rs_integ */
    double last;      /* time of the last change of k */
    double first;     /* time of the first claim since the last retire; +inf if none */
};

/* An entity's integrals, indexed by slot (v[0 .. n)). */
struct rs_ient {
    struct rs_integ *v;
    uint32_t n;
};

struct ResourceStateObject {
    PyObject_HEAD faassim_state *st;
    EnvironmentObject *env; /* strong, NULL until __init__ */
    FaasObject *faas;       /* platform of the registered replicas (strong), NULL before the first */
    struct rs_book book;
    PyObject **node_reps; /* node_reps[n]: list of the replicas registered on node n, or NULL */
    uint32_t nnode_reps;
    struct rs_ient *rep_int; /* by replica id */
    uint32_t nrep_int;
    struct rs_ient *node_int; /* by node index */
    uint32_t nnode_int;
    struct rs_kint *kint; /* by replica id: the integral of its standing claims' multiplicity */
    uint32_t nkint;
    PyObject *dict;
    PyObject *weaklist;
};

enum util_kind { UTIL_REPLICA = 0, UTIL_NODE, UTIL_SNAPSHOT };

typedef struct {
    PyObject_HEAD faassim_state *st;
    ResourceStateObject *rs; /* strong: the live state (replica and node views), NULL for a snapshot */
    struct rs_book *own;     /* a snapshot's private book, else NULL */
    ReplicaObject *rep;      /* strong: the replica of a replica view, else NULL */
    PyObject *node_name;     /* strong: the node of a node view (for repr), else NULL */
    uint32_t id;             /* replica id (replica view; 0 in a snapshot) or node index (node view) */
    uint8_t kind;            /* enum util_kind */
} UtilObject;

typedef struct {
    PyObject_HEAD faassim_state *st;
    ResourceStateObject *rs; /* strong */
    PyObject *name;          /* the node's name */
    uint32_t node;           /* its index in the platform's node table */
} NodeUtilObject;

/* ------------------------------------------------------------------ */
/* Books */

static int book_init(struct rs_book *b)
{
    fs_res_init(&b->res);
    b->slots = PyDict_New();
    return b->slots ? 0 : -1;
}

static void book_free(struct rs_book *b)
{
    fs_res_free(&b->res);
    Py_CLEAR(b->slots);
    for (int s = 0; s < FS_RES_MAX_SLOTS; s++)
        Py_CLEAR(b->names[s]);
    PyMem_Free(b->rep_touched);
    PyMem_Free(b->node_touched);
    b->rep_touched = b->node_touched = NULL;
    b->nrep_touched = b->nnode_touched = 0;
}

/* Make arr[0 .. need) exist (zero-filled). */
static int grow_masks(uint64_t **arr, uint32_t *len, uint32_t need)
{
    if (need <= *len)
        return 0;
    uint32_t n = *len ? *len : 8;
    while (n < need)
        n *= 2;
    uint64_t *p = PyMem_Realloc(*arr, (size_t)n * sizeof *p);
    if (!p) {
        PyErr_NoMemory();
        return -1;
    }
    memset(p + *len, 0, (size_t)(n - *len) * sizeof *p);
    *arr = p;
    *len = n;
    return 0;
}

/* Register replica rid on node (the touched masks first, so that nothing
 * can fail after the registration). */
static int book_add_replica(struct rs_book *b, uint32_t rid, uint32_t node)
{
    if (rid >= FS_RES_MAX_ID || node >= FS_RES_MAX_ID) {
        PyErr_Format(PyExc_OverflowError, "resource state: replica id %u or node %u too large", rid, node);
        return -1;
    }
    if (grow_masks(&b->rep_touched, &b->nrep_touched, rid + 1) < 0 ||
        grow_masks(&b->node_touched, &b->nnode_touched, node + 1) < 0)
        return -1;
    int rc = fs_res_replica_add(&b->res, rid, node);
    if (rc)
        return fs_raise_status(rc, "resource state: register replica");
    b->rep_touched[rid] = 0;
    return 0;
}

static int book_registered(const struct rs_book *b, uint32_t rid)
{
    uint32_t node;
    return fs_res_replica_node(&b->res, rid, &node) == FS_OK;
}

/* Slot of resource name `name` (a str). create: intern a new name. Returns
 * the slot, FS_ERES_NO_SLOT for an unknown name when !create, or -1 with an
 * exception (FS_ENOMEM is -1 too, raised as MemoryError). */
static int book_slot(struct rs_book *b, PyObject *name, int create)
{
    PyObject *cached = PyDict_GetItemWithError(b->slots, name);
    if (cached)
        return (int)PyLong_AsLong(cached);
    if (PyErr_Occurred())
        return -1;
    Py_ssize_t len;
    const char *u = PyUnicode_AsUTF8AndSize(name, &len);
    if (!u)
        return -1;
    int slot = create ? fs_res_slot(&b->res, u, (size_t)len) : fs_res_slot_find(&b->res, u, (size_t)len);
    if (slot == FS_ERES_NO_SLOT)
        return slot;
    if (slot == FS_ERES_SLOTS) {
        PyErr_Format(PyExc_ValueError, "resource %R: too many resource names (at most %d)", name, FS_RES_MAX_SLOTS);
        return -1;
    }
    if (slot < 0)
        return fs_raise_status(slot, "resource state: resource name");
    PyObject *key = PyUnicode_CheckExact(name) ? Py_NewRef(name) : PyUnicode_FromStringAndSize(u, len);
    if (!key)
        return -1;
    PyUnicode_InternInPlace(&key);
    PyObject *val = PyLong_FromLong(slot);
    int rc = val ? PyDict_SetItem(b->slots, key, val) : -1;
    Py_XDECREF(val);
    if (rc == 0 && !b->names[slot])
        b->names[slot] = Py_NewRef(key);
    Py_DECREF(key);
    return rc < 0 ? -1 : slot;
}

/* put or remove on a registered replica; marks the slot touched on success.
 * Returns an fs status (no exception). */
static int book_apply(struct rs_book *b, uint32_t rid, int slot, double v, int remove)
{
    int rc = remove ? fs_res_remove(&b->res, rid, slot, v) : fs_res_put(&b->res, rid, slot, v);
    if (rc)
        return rc;
    uint64_t bit = UINT64_C(1) << slot;
    b->rep_touched[rid] |= bit;
    b->node_touched[b->res.rep[rid].node] |= bit;
    return FS_OK;
}

static double book_get(const struct rs_book *b, uint32_t rid, int slot)
{
    double v = 0.0;
    if (slot >= 0)
        fs_res_get(&b->res, rid, slot, &v);
    return v;
}

/* ------------------------------------------------------------------ */
/* Validation and errors */

/* "fname(who, name, value)" for messages (who may be NULL). */
static PyObject *call_desc(const char *fname, PyObject *who, PyObject *name, PyObject *value)
{
    if (who)
        return PyUnicode_FromFormat("%s(%R, %R, %R)", fname, who, name, value);
    return PyUnicode_FromFormat("%s(%R, %R)", fname, name, value);
}

static void raise_for_call(PyObject *exc, const char *fname, PyObject *who, PyObject *name, PyObject *value,
                           const char *what)
{
    PyObject *d = call_desc(fname, who, name, value);
    if (d) {
        PyErr_Format(exc, "%U: %s", d, what);
        Py_DECREF(d);
    }
}

/* A value to put or remove: an int or float (not bool), finite and >= 0. */
static int parse_value(PyObject *obj, double *out, const char *fname, PyObject *who, PyObject *name)
{
    double v;
    if (PyFloat_Check(obj))
        v = PyFloat_AS_DOUBLE(obj);
    else if (PyLong_Check(obj) && !PyBool_Check(obj)) {
        v = PyLong_AsDouble(obj);
        if (v == -1.0 && PyErr_Occurred()) {
            if (!PyErr_ExceptionMatches(PyExc_OverflowError))
                return -1;
            PyErr_Clear();
            v = NAN; /* out of range: refused below */
        }
    }
    else {
        raise_for_call(PyExc_ValueError, fname, who, name, obj, "value must be an int or a float (not a bool)");
        return -1;
    }
    if (!(v >= 0) || isinf(v)) {
        raise_for_call(PyExc_ValueError, fname, who, name, obj, "value must be a finite number >= 0");
        return -1;
    }
    *out = v;
    return 0;
}

static int check_name(PyObject *name, const char *fname, PyObject *who, PyObject *value)
{
    if (PyUnicode_Check(name))
        return 0;
    PyObject *d = call_desc(fname, who, name, value);
    if (d) {
        PyErr_Format(PyExc_TypeError, "%U: resource must be a str, not %.100s", d, Py_TYPE(name)->tp_name);
        Py_DECREF(d);
    }
    return -1;
}

/* Raise the error of a failed book_apply. */
static int raise_apply(struct rs_book *b, int rc, uint32_t rid, int slot, const char *fname, PyObject *who,
                       PyObject *name, PyObject *value)
{
    if (rc == FS_ERES_INSUFFICIENT) {
        double held = book_registered(b, rid) ? book_get(b, rid, slot) : 0.0;
        PyObject *h = PyFloat_FromDouble(held);
        PyObject *d = h ? call_desc(fname, who, name, value) : NULL;
        if (d)
            PyErr_Format(PyExc_ValueError, "%U: removes more than held: %s %R of %R", d,
                         who ? "the replica holds" : "it holds", h, name);
        Py_XDECREF(h);
        Py_XDECREF(d);
    }
    else if (rc == FS_EOVERFLOW)
        raise_for_call(PyExc_OverflowError, fname, who, name, value, "the node's total would overflow a float");
    else
        fs_raise_status(rc, fname);
    return -1;
}

/* The replica argument of a state call: a placed FunctionReplica of the
 * state's platform. Returns it (borrowed) or NULL with an exception. */
static ReplicaObject *check_replica(ResourceStateObject *rs, PyObject *obj, const char *fname)
{
    if (!PyObject_TypeCheck(obj, rs->st->FunctionReplica_type)) {
        PyErr_Format(PyExc_TypeError, "%s(): replica must be a FunctionReplica, not %.100s (%R)", fname,
                     Py_TYPE(obj)->tp_name, obj);
        return NULL;
    }
    ReplicaObject *rep = (ReplicaObject *)obj;
    if (!rep->faas || !faas_env(rep->faas) || (rs->env && faas_env(rep->faas) != rs->env)) {
        PyErr_Format(PyExc_ValueError, "%s(): %R belongs to another environment", fname, obj);
        return NULL;
    }
    if (rs->faas && rep->faas != rs->faas) {
        PyErr_Format(PyExc_ValueError,
                     "%s(): %R belongs to another FaasSystem than the replicas this state accounts for", fname, obj);
        return NULL;
    }
    if (rep->node < 0) {
        PyErr_Format(PyExc_ValueError, "%s(): %R has not been placed on a node (replica.node is None)", fname, obj);
        return NULL;
    }
    return rep;
}

/* ------------------------------------------------------------------ */
/* ResourceState internals */

/* Register rep (validated) if it is not yet. Returns 1 if it was just
 * registered, 0 if it already was, -1 on error (nothing changed). */
static int rs_register(ResourceStateObject *rs, ReplicaObject *rep)
{
    if (book_registered(&rs->book, rep->id))
        return 0;
    uint32_t node = (uint32_t)rep->node;
    if (node >= rs->nnode_reps) {
        uint32_t n = rs->nnode_reps ? rs->nnode_reps : 8;
        while (n <= node)
            n *= 2;
        PyObject **p = PyMem_Realloc(rs->node_reps, (size_t)n * sizeof *p);
        if (!p) {
            PyErr_NoMemory();
            return -1;
        }
        memset(p + rs->nnode_reps, 0, (size_t)(n - rs->nnode_reps) * sizeof *p);
        rs->node_reps = p;
        rs->nnode_reps = n;
    }
    if (!rs->node_reps[node] && !(rs->node_reps[node] = PyList_New(0)))
        return -1;
    PyObject *list = rs->node_reps[node];
    if (PyList_Append(list, (PyObject *)rep) < 0)
        return -1;
    if (book_add_replica(&rs->book, rep->id, node) < 0) {
        Py_ssize_t n = PyList_GET_SIZE(list);
        PyObject *exc = fs_err_take();
        PyList_SetSlice(list, n - 1, n, NULL);
        fs_err_restore(exc);
        return -1;
    }
    if (!rs->faas)
        rs->faas = (FaasObject *)Py_NewRef((PyObject *)rep->faas);
    if (!rs->env) /* ResourceState() made without env (as faas-sim code does) */
        rs->env = (EnvironmentObject *)Py_NewRef((PyObject *)faas_env(rep->faas));
    return 1;
}

/* Undo rs_register of a replica that holds nothing (the last registered on
 * its node); keeps the exception being raised. */
static void rs_unregister_last(ResourceStateObject *rs, ReplicaObject *rep)
{
    PyObject *exc = fs_err_take();
    fs_res_replica_remove(&rs->book.res, rep->id, 0);
    rs->book.rep_touched[rep->id] = 0;
    PyObject *list = rs->node_reps[rep->node];
    Py_ssize_t n = PyList_GET_SIZE(list);
    if (n && PyList_GET_ITEM(list, n - 1) == (PyObject *)rep)
        PyList_SetSlice(list, n - 1, n, NULL);
    if (exc)
        fs_err_restore(exc);
}

void resource_state_replica_gone(ResourceStateObject *rs, ReplicaObject *rep)
{
    if (rep->faas != rs->faas || rep->node < 0 || (uint64_t)rep->node >= rs->nnode_reps || !rs->node_reps[rep->node] ||
        !book_registered(&rs->book, rep->id))
        return;
    uint64_t held = 0;
    const struct fs_res_claim *c = fs_res_claim_of(&rs->book.res, rep->id);
    if (fs_res_replica_mask(&rs->book.res, rep->id, &held) != FS_OK || held || (c && c->k))
        return;
    PyObject *list = rs->node_reps[rep->node];
    for (Py_ssize_t i = PyList_GET_SIZE(list); i-- > 0;)
        if (PyList_GET_ITEM(list, i) == (PyObject *)rep) {
            PyObject *exc = fs_err_take();
            if (PyList_SetSlice(list, i, i + 1, NULL) < 0) /* out of memory: it stays listed */
                PyErr_Clear();
            if (exc)
                fs_err_restore(exc);
            return;
        }
}

/* rep gave back what it held: a replica the platform let go of goes from
 * its node's list once it holds nothing. */
static void rs_released(ResourceStateObject *rs, ReplicaObject *rep)
{
    if (rep->phase == FS_PH_DONE || rep->phase == FS_PH_FAILED)
        resource_state_replica_gone(rs, rep);
}

/* ------------------------------------------------------------------ */
/* Time integrals */

/* sum + comp += x (Neumaier). */
static inline void integ_add(struct rs_integ *g, double x)
{
    fs_sum_add(&g->sum, &g->comp, x);
}

/* The integrals of entity id's slot (created, zero, if missing), or NULL
 * with MemoryError. */
static struct rs_integ *integ_slot(struct rs_ient **arr, uint32_t *len, uint32_t id, int slot)
{
    if (id >= *len) {
        uint32_t n = *len ? *len : 8;
        while (n <= id)
            n *= 2;
        struct rs_ient *p = PyMem_Realloc(*arr, (size_t)n * sizeof *p);
        if (!p) {
            PyErr_NoMemory();
            return NULL;
        }
        memset(p + *len, 0, (size_t)(n - *len) * sizeof *p);
        *arr = p;
        *len = n;
    }
    struct rs_ient *e = &(*arr)[id];
    if ((uint32_t)slot >= e->n) {
        uint32_t n = e->n ? e->n : 4;
        while (n <= (uint32_t)slot)
            n *= 2;
        struct rs_integ *v = PyMem_Realloc(e->v, (size_t)n * sizeof *v);
        if (!v) {
            PyErr_NoMemory();
            return NULL;
        }
        for (uint32_t i = e->n; i < n; i++)
            v[i] = (struct rs_integ){0.0, 0.0, -INFINITY, INFINITY};
        e->v = v;
        e->n = n;
    }
    return &e->v[slot];
}

/* Existing integrals of entity id's slot, or NULL (never changed). */
static const struct rs_integ *integ_find(const struct rs_ient *arr, uint32_t len, uint32_t id, int slot)
{
    if (id >= len || slot < 0 || (uint32_t)slot >= arr[id].n)
        return NULL;
    return &arr[id].v[slot];
}

/* Close the open segment at now (the amount is about to change). */
static void integ_advance(struct rs_integ *g, double amount, double now)
{
    if (amount != 0.0 && now > g->last)
        integ_add(g, amount * (now - g->last));
    g->last = now;
    if (g->first > now)
        g->first = now;
}

/* The integral up to now of an (entity, slot) whose amount is `amount`. */
static double integ_value(const struct rs_integ *g, double amount, double now)
{
    if (!g)
        return 0.0;
    struct rs_integ c = *g;
    if (amount != 0.0 && now > c.last)
        integ_add(&c, amount * (now - c.last));
    return c.sum + c.comp;
}

/* Before slot of rep (registered) changes: integrate it and its node's up to
 * now. Returns 0, or -1 with MemoryError (nothing changed that can be
 * observed). */
static int rs_integrate(ResourceStateObject *rs, ReplicaObject *rep, int slot)
{
    struct rs_book *b = &rs->book;
    uint32_t rid = rep->id, node = b->res.rep[rid].node;
    struct rs_integ *ri = integ_slot(&rs->rep_int, &rs->nrep_int, rid, slot);
    struct rs_integ *ni = ri ? integ_slot(&rs->node_int, &rs->nnode_int, node, slot) : NULL;
    if (!ni)
        return -1;
    double now = rs->env ? rs->env->sim.now : 0.0, na = 0.0;
    /* the amounts are read (rounded from the exact sums) only when time has
     * passed since the last change: the same integrals, fewer reads */
    double ra = 0.0;
    if (now > ri->last)
        fs_res_get_loose(&b->res, rid, slot, &ra);
    integ_advance(ri, ra, now);
    if (now > ni->last)
        fs_res_node_get_loose(&b->res, node, slot, &na);
    integ_advance(ni, na, now);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Standing claims (fs_res_claim_*): what the built-in simulators claim for
 * every request, the same vector each time, held as a multiplicity k per
 * replica. The integrals above are of the loose amounts (put / remove);
 * those of the standing part are v_s * K, K the integral of k (rs_kint),
 * added at reads. */

static struct rs_kint *kint_get(ResourceStateObject *rs, uint32_t rid)
{
    if (rid >= rs->nkint) {
        uint32_t n = rs->nkint ? rs->nkint : 8;
        while (n <= rid)
            n *= 2;
        struct rs_kint *p = PyMem_Realloc(rs->kint, (size_t)n * sizeof *p);
        if (!p) {
            PyErr_NoMemory();
            return NULL;
        }
        for (uint32_t i = rs->nkint; i < n; i++)
            p[i] = (struct rs_kint){0.0, 0.0, -INFINITY, INFINITY};
        rs->kint = p;
        rs->nkint = n;
    }
    return &rs->kint[rid];
}

/* Close the open segment of k at now (k is about to change). */
static void kint_advance(struct rs_kint *ki, int64_t k, double now)
{
    if (k && now > ki->last) {
        struct rs_integ g = {ki->sum, ki->comp, 0.0, 0.0};
        integ_add(&g, (double)k * (now - ki->last));
        ki->sum = g.sum;
        ki->comp = g.comp;
    }
    ki->last = now;
}

/* K up to now. */
static double kint_value(const struct rs_kint *ki, int64_t k, double now)
{
    struct rs_integ g = {ki->sum, ki->comp, 0.0, 0.0};
    if (k && now > ki->last)
        integ_add(&g, (double)k * (now - ki->last));
    return g.sum + g.comp;
}

/* The value of slot in a claim vector, 0.0 if absent. */
static double claim_slot_value(const struct fs_res_claim *c, int slot)
{
    if ((c->mask >> slot) & 1)
        for (int i = 0; i < c->nv; i++)
            if (c->slot[i] == slot)
                return c->v[i];
    return 0.0;
}

/* Add the standing part of replica rid's slot to an integral read: its
 * integral up to now, and the times of its last and first change. */
static void standing_integral(ResourceStateObject *rs, uint32_t rid, int slot, double now, struct rs_integ *acc,
                              double *last, double *first)
{
    const struct fs_res_claim *c = fs_res_claim_of(&rs->book.res, rid);
    if (!c || rid >= rs->nkint)
        return;
    double v = claim_slot_value(c, slot);
    const struct rs_kint *ki = &rs->kint[rid];
    if (v == 0.0 || ki->first == INFINITY)
        return;
    integ_add(acc, v * kint_value(ki, c->k, now));
    if (ki->last > *last)
        *last = ki->last;
    if (ki->first < *first)
        *first = ki->first;
}

/* Retire rep's standing-claim integrals into the loose ones (before its
 * vector changes), and with fold, move its k claims into the loose amounts
 * too (fs_res_claim_fold). 0, or -1 with an exception (nothing observable
 * changed). */
static int rs_retire(ResourceStateObject *rs, ReplicaObject *rep, int fold)
{
    struct rs_book *b = &rs->book;
    const struct fs_res_claim *c = fs_res_claim_of(&b->res, rep->id);
    if (!c)
        return 0;
    struct rs_kint *ki = kint_get(rs, rep->id);
    if (!ki)
        return -1;
    /* the loose integrals up to now (with the loose amounts before the fold) */
    for (int i = 0; i < c->nv; i++)
        if (rs_integrate(rs, rep, c->slot[i]) < 0)
            return -1;
    double now = rs->env ? rs->env->sim.now : 0.0;
    kint_advance(ki, c->k, now);
    if (fold) {
        int rc = fs_res_claim_fold(&b->res, rep->id);
        if (rc)
            return fs_raise_status(rc, "resource state: fold standing claims");
    }
    double K = ki->sum + ki->comp;
    uint32_t node = b->res.rep[rep->id].node;
    for (int i = 0; i < c->nv && ki->first != INFINITY; i++) {
        struct rs_integ *ri = integ_slot(&rs->rep_int, &rs->nrep_int, rep->id, c->slot[i]);
        struct rs_integ *ni = integ_slot(&rs->node_int, &rs->nnode_int, node, c->slot[i]);
        if (!ri || !ni) /* cannot happen: rs_integrate made them (MemoryError set otherwise) */
            return -1;
        integ_add(ri, c->v[i] * K);
        integ_add(ni, c->v[i] * K);
        ri->first = fmin(ri->first, ki->first);
        ni->first = fmin(ni->first, ki->first);
    }
    ki->sum = ki->comp = 0.0;
    ki->first = INFINITY;
    return 0;
}

/* book_apply on a registered replica; a remove that finds the loose amount
 * short while standing claims are held folds them into it and retries.
 * Returns an fs status (no exception), or FS_EPYTHON with an exception (the
 * fold failed; nothing observable changed). */
static int rs_book_apply(ResourceStateObject *rs, ReplicaObject *rep, int slot, double v, int remove)
{
    struct rs_book *b = &rs->book;
    int rc = book_apply(b, rep->id, slot, v, remove);
    if (rc != FS_ERES_INSUFFICIENT || !remove)
        return rc;
    const struct fs_res_claim *c = fs_res_claim_of(&b->res, rep->id);
    if (!c || !c->k)
        return rc;
    if (rs_retire(rs, rep, 1) < 0)
        return FS_EPYTHON;
    return book_apply(b, rep->id, slot, v, remove);
}

/* raise_apply with the value given as a double when value is NULL (the C
 * API: the float is only made for the message). */
static void raise_apply_v(struct rs_book *b, int rc, uint32_t rid, int slot, const char *fname, PyObject *who,
                          PyObject *name, PyObject *value, double v)
{
    PyObject *vobj = NULL;
    if (!value && !(value = vobj = PyFloat_FromDouble(v)))
        return;
    raise_apply(b, rc, rid, slot, fname, who, name, value);
    Py_XDECREF(vobj);
}

/* put/remove v of slot (FS_ERES_NO_SLOT: a name never seen, given as
 * `name`) on a validated replica. name / value: for messages (NULL: made up
 * from the slot and v). */
static int rs_apply(ResourceStateObject *rs, ReplicaObject *rep, int slot, double v, int remove, const char *fname,
                    PyObject *name, PyObject *value)
{
    struct rs_book *b = &rs->book;
    if (!name)
        name = b->names[slot];
    if (remove && v > 0 && (slot < 0 || !book_registered(b, rep->id))) {
        raise_apply_v(b, FS_ERES_INSUFFICIENT, rep->id, slot, fname, (PyObject *)rep, name, value, v);
        return -1;
    }
    if (slot < 0 && (slot = book_slot(b, name, 1)) < 0) /* removing 0 of a new name: it becomes known */
        return -1;
    int newly = rs_register(rs, rep);
    if (newly < 0)
        return -1;
    if (rs_integrate(rs, rep, slot) < 0) {
        if (newly)
            rs_unregister_last(rs, rep);
        return -1;
    }
    int rc = rs_book_apply(rs, rep, slot, v, remove);
    if (rc == FS_EPYTHON)
        return -1;
    if (rc) {
        raise_apply_v(b, rc, rep->id, slot, fname, (PyObject *)rep, name, value, v);
        if (newly)
            rs_unregister_last(rs, rep);
        return -1;
    }
    return 0;
}

/* put/remove with Python arguments (name and value unchecked). */
static int rs_apply_obj(ResourceStateObject *rs, ReplicaObject *rep, PyObject *name, PyObject *value, int remove,
                        const char *fname)
{
    double v;
    if (check_name(name, fname, (PyObject *)rep, value) < 0 || parse_value(value, &v, fname, (PyObject *)rep, name))
        return -1;
    int slot = book_slot(&rs->book, name, !remove);
    if (slot == -1)
        return -1;
    return rs_apply(rs, rep, slot, v, remove, fname, name, value);
}

/* The platform whose node names the state uses: the bound one, else
 * env.faas. New reference, or NULL with an exception. */
static FaasObject *rs_platform(ResourceStateObject *rs, const char *fname)
{
    if (rs->faas)
        return (FaasObject *)Py_NewRef((PyObject *)rs->faas);
    if (!rs->env) {
        PyErr_Format(PyExc_RuntimeError,
                     "%s(): the ResourceState has no environment yet (give ResourceState(env), or use a replica "
                     "first)",
                     fname);
        return NULL;
    }
    PyObject *f = env_component(rs->env, FS_COMP_FAAS);
    if (f && !PyObject_TypeCheck(f, rs->st->FaasSystem_type)) {
        PyErr_Format(PyExc_TypeError, "%s(): env.faas is not a faassim FaasSystem (%.100s)", fname,
                     Py_TYPE(f)->tp_name);
        Py_CLEAR(f);
    }
    return (FaasObject *)f;
}

/* Index of the node called name in the platform's node table. */
static int rs_node_index(ResourceStateObject *rs, PyObject *name, const char *fname, uint32_t *out)
{
    FaasObject *f = rs_platform(rs, fname);
    if (!f)
        return -1;
    int64_t i;
    int found = faas_node_index(f, name, &i);
    if (found == 0) {
        /* Nodes added to env.topology since the platform last looked: its
         * `nodes` getter brings the node table up to date. */
        PyObject *nodes = PyObject_GetAttrString((PyObject *)f, "nodes");
        Py_XDECREF(nodes);
        found = nodes ? faas_node_index(f, name, &i) : -1;
    }
    Py_DECREF(f);
    if (found <= 0) {
        if (found == 0)
            PyErr_Format(PyExc_KeyError, "%s(): unknown node %R", fname, name);
        return -1;
    }
    if (i < 0)
        return -1;
    *out = (uint32_t)i;
    return 0;
}

static UtilObject *util_alloc(faassim_state *st)
{
    return (UtilObject *)st->ResourceUtilization_type->tp_alloc(st->ResourceUtilization_type, 0);
}

/* A live view of a registered replica. */
static PyObject *util_replica_view(ResourceStateObject *rs, ReplicaObject *rep)
{
    UtilObject *u = util_alloc(rs->st);
    if (!u)
        return NULL;
    u->st = rs->st;
    u->rs = (ResourceStateObject *)Py_NewRef((PyObject *)rs);
    u->rep = (ReplicaObject *)Py_NewRef((PyObject *)rep);
    u->id = rep->id;
    u->kind = UTIL_REPLICA;
    return (PyObject *)u;
}

static PyObject *util_node_view(ResourceStateObject *rs, uint32_t node, PyObject *name)
{
    UtilObject *u = util_alloc(rs->st);
    if (!u)
        return NULL;
    u->st = rs->st;
    u->rs = (ResourceStateObject *)Py_NewRef((PyObject *)rs);
    u->node_name = Py_NewRef(name);
    u->id = node;
    u->kind = UTIL_NODE;
    return (PyObject *)u;
}

/* An empty snapshot: a private book with replica 0 on node 0. */
static UtilObject *util_snapshot_new(PyTypeObject *tp, faassim_state *st)
{
    UtilObject *u = (UtilObject *)tp->tp_alloc(tp, 0);
    if (!u)
        return NULL;
    u->st = st;
    u->kind = UTIL_SNAPSHOT;
    struct rs_book *b = PyMem_Calloc(1, sizeof *b);
    if (!b) {
        Py_DECREF(u);
        PyErr_NoMemory();
        return NULL;
    }
    u->own = b;
    if (book_init(b) < 0 || book_add_replica(b, 0, 0) < 0) {
        Py_DECREF(u);
        return NULL;
    }
    return u;
}

/* (replica, view) pairs of node n's registered replicas. */
static PyObject *rs_node_list(ResourceStateObject *rs, uint32_t n)
{
    PyObject *reps = n < rs->nnode_reps ? rs->node_reps[n] : NULL;
    Py_ssize_t len = reps ? PyList_GET_SIZE(reps) : 0;
    PyObject *out = PyList_New(len);
    for (Py_ssize_t i = 0; out && i < len; i++) {
        ReplicaObject *rep = (ReplicaObject *)PyList_GET_ITEM(reps, i);
        PyObject *view = util_replica_view(rs, rep);
        PyObject *pair = view ? PyTuple_Pack(2, (PyObject *)rep, view) : NULL;
        Py_XDECREF(view);
        if (!pair)
            Py_CLEAR(out);
        else
            PyList_SET_ITEM(out, i, pair);
    }
    return out;
}

static PyObject *node_util_new(ResourceStateObject *rs, uint32_t node, PyObject *name)
{
    faassim_state *st = rs->st;
    NodeUtilObject *n =
        (NodeUtilObject *)st->NodeResourceUtilization_type->tp_alloc(st->NodeResourceUtilization_type, 0);
    if (!n)
        return NULL;
    n->st = st;
    n->rs = (ResourceStateObject *)Py_NewRef((PyObject *)rs);
    n->name = Py_NewRef(name);
    n->node = node;
    return (PyObject *)n;
}

/* ------------------------------------------------------------------ */
/* C API */

int resource_state_slot(ResourceStateObject *rs, const char *name)
{
    PyObject *s = PyUnicode_FromString(name);
    if (!s)
        return -1;
    int slot = book_slot(&rs->book, s, 1);
    Py_DECREF(s);
    return slot < 0 ? -1 : slot;
}

static int check_slot(ResourceStateObject *rs, int slot, const char *fname)
{
    if (slot >= 0 && (uint32_t)slot < rs->book.res.nslots)
        return 0;
    PyErr_Format(PyExc_ValueError, "%s(): invalid resource slot %d", fname, slot);
    return -1;
}

static int rs_capi_apply(ResourceStateObject *rs, ReplicaObject *rep, int slot, double v, int remove, const char *fname)
{
    if (!check_replica(rs, (PyObject *)rep, fname) || check_slot(rs, slot, fname) < 0)
        return -1;
    if (!(v >= 0) || isinf(v)) {
        PyObject *value = PyFloat_FromDouble(v);
        if (value) {
            raise_for_call(PyExc_ValueError, fname, (PyObject *)rep, rs->book.names[slot], value,
                           "value must be a finite number >= 0");
            Py_DECREF(value);
        }
        return -1;
    }
    return rs_apply(rs, rep, slot, v, remove, fname, NULL, NULL);
}

/* Add / take back value of a slot on rep and its node (rep is registered on
 * first use). */
static int resource_state_put(ResourceStateObject *rs, ReplicaObject *rep, int slot, double value)
{
    return rs_capi_apply(rs, rep, slot, value, 0, "resource_state_put");
}

static int resource_state_remove(ResourceStateObject *rs, ReplicaObject *rep, int slot, double value)
{
    return rs_capi_apply(rs, rep, slot, value, 1, "resource_state_remove");
}

/* Put (remove == 0) or remove values[i] of slots[i], i < n (distinct
 * slots), on rep: all or nothing, as n calls of the above but with one
 * validation of the replica. */
static int resource_state_apply(ResourceStateObject *rs, ReplicaObject *rep, const int *slots, const double *values,
                                int n, int remove)
{
    const char *fname = remove ? "resource_state_remove" : "resource_state_put";
    if (!check_replica(rs, (PyObject *)rep, fname))
        return -1;
    struct rs_book *b = &rs->book;
    int registered = book_registered(b, rep->id);
    for (int i = 0; i < n; i++) {
        double v = values[i];
        if (check_slot(rs, slots[i], fname) < 0)
            return -1;
        if (!(v >= 0) || isinf(v) || (remove && v > 0 && !registered)) {
            if (!(v >= 0) || isinf(v)) {
                PyObject *value = PyFloat_FromDouble(v);
                if (value) {
                    raise_for_call(PyExc_ValueError, fname, (PyObject *)rep, b->names[slots[i]], value,
                                   "value must be a finite number >= 0");
                    Py_DECREF(value);
                }
            }
            else
                raise_apply_v(b, FS_ERES_INSUFFICIENT, rep->id, slots[i], fname, (PyObject *)rep, b->names[slots[i]],
                              NULL, v);
            return -1;
        }
    }
    int newly = rs_register(rs, rep);
    if (newly < 0)
        return -1;
    int i;
    for (i = 0; i < n; i++) {
        if (rs_integrate(rs, rep, slots[i]) < 0)
            break;
        int rc = rs_book_apply(rs, rep, slots[i], values[i], remove);
        if (rc == FS_EPYTHON)
            break;
        if (rc) {
            raise_apply_v(b, rc, rep->id, slots[i], fname, (PyObject *)rep, b->names[slots[i]], NULL, values[i]);
            break;
        }
    }
    if (i == n)
        return 0;
    /* undo the ones applied, exactly (at the same time: the integrals do not
     * change), and the registration */
    PyObject *exc = fs_err_take();
    for (int j = i - 1; j >= 0; j--)
        (void)book_apply(b, rep->id, slots[j], values[j], !remove);
    if (exc)
        fs_err_restore(exc);
    if (newly)
        rs_unregister_last(rs, rep);
    return -1;
}

/* Is the claim's vector exactly the non-zero (slot, value) pairs given, in
 * order? */
static int claim_same(const struct fs_res_claim *c, const int *slots, const double *values, int n)
{
    int j = 0;
    for (int i = 0; i < n; i++) {
        if (values[i] == 0.0)
            continue;
        if (j >= c->nv || c->slot[j] != slots[i] || memcmp(&c->v[j], &values[i], sizeof(double)) != 0)
            return 0;
        j++;
    }
    return j == c->nv;
}

int resource_state_claim(ResourceStateObject *rs, ReplicaObject *rep, const int *slots, const double *values, int n,
                         uint32_t *token)
{
    *token = 0;
    struct rs_book *b = &rs->book;
    const struct fs_res_claim *c = fs_res_claim_of(&b->res, rep->id);
    struct rs_kint *ki;
    if (c && c->k && rep->faas == rs->faas && rep->id < rs->nkint && claim_same(c, slots, values, n))
        ki = &rs->kint[rep->id]; /* the common case: one more of the vector held (validated when it was set) */
    else {
        int ok = n <= FS_RES_CLAIM_MAX && rep->faas == rs->faas && rs->env;
        for (int i = 0; i < n && ok; i++)
            ok = values[i] >= 0 && values[i] <= 0x1p960 && slots[i] >= 0 && (uint32_t)slots[i] < b->res.nslots;
        if (!ok || !book_registered(b, rep->id)) /* the general path validates, registers and raises */
            return resource_state_apply(rs, rep, slots, values, n, 0);
        if (!(ki = kint_get(rs, rep->id)))
            return -1;
        if (c && c->k) /* another vector while one is held: loose */
            return resource_state_apply(rs, rep, slots, values, n, 0);
        if (!c || !claim_same(c, slots, values, n)) { /* a new vector (none held): the old one retires */
            if (rs_retire(rs, rep, 0) < 0)
                return -1;
            int rc = fs_res_claim_set(&b->res, rep->id, n, slots, values);
            if (rc)
                return fs_raise_status(rc, "resource state: claim");
            c = fs_res_claim_of(&b->res, rep->id);
            b->rep_touched[rep->id] |= c->mask;
            b->node_touched[b->res.rep[rep->id].node] |= c->mask;
        }
    }
    double now = rs->env->sim.now;
    kint_advance(ki, c->k, now);
    if (!c->k && ki->first > now)
        ki->first = now;
    int rc = fs_res_claim_add(&b->res, rep->id, 1);
    if (rc)
        return fs_raise_status(rc, "resource state: claim");
    *token = c->epoch + 1;
    return 0;
}

int resource_state_unclaim(ResourceStateObject *rs, ReplicaObject *rep, const int *slots, const double *values, int n,
                           uint32_t token)
{
    struct rs_book *b = &rs->book;
    const struct fs_res_claim *c = token && rep->faas == rs->faas && rs->env ? fs_res_claim_of(&b->res, rep->id) : NULL;
    if (!c || c->epoch + 1 != token || !c->k || rep->id >= rs->nkint) { /* held as loose amounts */
        int r = resource_state_apply(rs, rep, slots, values, n, 1);
        if (r == 0)
            rs_released(rs, rep);
        return r;
    }
    kint_advance(&rs->kint[rep->id], c->k, rs->env->sim.now);
    int rc = fs_res_claim_add(&b->res, rep->id, -1);
    if (rc)
        return fs_raise_status(rc, "resource state: release");
    rs_released(rs, rep);
    return 0;
}

/* The cpu (or gpu) that the executions of a node with processor sharing
 * (fs_share) claim beyond their shares (rid -1: of the node, beyond its capacity;
 * else of the executions of replica rid, on node): now, its integral up to now and the
 * time of its last change. The C readers of amounts (resource_state_get,
 * resource_state_node_get, resource_state_integral: the monitor's rows, the
 * energy) subtract it, so that the cpu utilization of a node is what it
 * uses, at most its capacity, and a replica's what its executions use; the
 * claims themselves (and the Python views) stay what was put. 0 when slot is
 * not "cpu" or "gpu" or that resource is not shared. */
static int shared_excess(ResourceStateObject *rs, int64_t rid, int64_t node, int slot, double *now, double *integral,
                         double *last)
{
    struct fs_share *sh = rs->faas ? faas_share(rs->faas) : NULL;
    if (!sh)
        return 0;
    if (node < 0 || node > INT32_MAX || !fs_share_node_on(sh, (int32_t)node))
        return 0;
    PyObject *name = rs->book.names[slot];
    int res = !name                                                ? -1
              : PyUnicode_CompareWithASCIIString(name, "cpu") == 0 ? FS_SHARE_CPU
              : PyUnicode_CompareWithASCIIString(name, "gpu") == 0 ? FS_SHARE_GPU
                                                                   : -1;
    if (res < 0 || fs_share_node_mode(sh, (int32_t)node, res) == FS_SHARE_OFF)
        return 0;
    if (rid >= 0)
        fs_share_group_excess(sh, rid <= INT32_MAX ? (int32_t)rid : -1, res, now, integral, last);
    else
        fs_share_excess(sh, (int32_t)node, res, now, integral, last);
    return 1;
}

double resource_state_get(ResourceStateObject *rs, ReplicaObject *rep, int slot)
{
    if (check_slot(rs, slot, "resource_state_get") < 0)
        return -1.0;
    if (!book_registered(&rs->book, rep->id) || rep->faas != rs->faas)
        return 0.0;
    double v = book_get(&rs->book, rep->id, slot), ex, ei, el;
    if (shared_excess(rs, rep->id, rep->node, slot, &ex, &ei, &el) && ex != 0.0)
        v -= ex;
    return v;
}

double resource_state_node_get(ResourceStateObject *rs, int64_t node, int slot)
{
    if (check_slot(rs, slot, "resource_state_node_get") < 0)
        return -1.0;
    double v = 0.0;
    if (node >= 0 && node < FS_RES_MAX_ID)
        fs_res_node_get(&rs->book.res, (uint32_t)node, slot, &v);
    double ex, ei, el;
    if (shared_excess(rs, -1, node, slot, &ex, &ei, &el) && ex != 0.0)
        v -= ex;
    return v;
}

/* Is rep a registered replica of the state's platform? */
static int rs_knows(ResourceStateObject *rs, ReplicaObject *rep)
{
    return rep->faas == rs->faas && book_registered(&rs->book, rep->id);
}

void resource_state_masks(ResourceStateObject *rs, ReplicaObject *rep, int64_t node, uint64_t *touched,
                          uint64_t *nonzero)
{
    struct rs_book *b = &rs->book;
    *touched = *nonzero = 0;
    if (rep) {
        if (!rs_knows(rs, rep))
            return;
        *touched = b->rep_touched[rep->id];
        fs_res_replica_mask(&b->res, rep->id, nonzero);
    }
    else if (node >= 0 && node < FS_RES_MAX_ID) {
        if ((uint64_t)node < b->nnode_touched)
            *touched = b->node_touched[node];
        fs_res_node_mask(&b->res, (uint32_t)node, nonzero);
    }
}

int resource_state_slot_of(ResourceStateObject *rs, PyObject *name)
{
    return book_slot(&rs->book, name, 0);
}

PyObject *resource_state_slot_name(ResourceStateObject *rs, int slot)
{
    return slot >= 0 && slot < FS_RES_MAX_SLOTS ? rs->book.names[slot] : NULL;
}

FaasObject *resource_state_faas(ResourceStateObject *rs)
{
    return rs->faas;
}

uint32_t resource_state_node_count(ResourceStateObject *rs)
{
    return rs->nnode_reps;
}

int resource_state_node_used(ResourceStateObject *rs, uint32_t node)
{
    return node < rs->nnode_reps && rs->node_reps[node] && PyList_GET_SIZE(rs->node_reps[node]) > 0;
}

int resource_state_integral(ResourceStateObject *rs, ReplicaObject *rep, int64_t node, int slot,
                            struct resource_state_integral *out)
{
    return resource_state_integral_of(rs, rep ? rep->faas : NULL, rep ? (int64_t)rep->id : -1, rep ? rep->node : node,
                                      slot, out);
}

int resource_state_integral_of(ResourceStateObject *rs, struct FaasObject *faas, int64_t rid, int64_t node, int slot,
                               struct resource_state_integral *out)
{
    struct rs_book *b = &rs->book;
    const struct rs_integ *g = NULL;
    double amount = 0.0;
    if (slot < 0 || slot >= FS_RES_MAX_SLOTS) {
        PyErr_Format(PyExc_ValueError, "resource_state_integral(): invalid resource slot %d", slot);
        return -1;
    }
    double now = rs->env ? rs->env->sim.now : 0.0, loose = 0.0;
    struct rs_integ acc = {0.0, 0.0, 0.0, 0.0};
    out->last = -INFINITY;
    out->first = INFINITY;
    if (rid >= 0) {
        uint32_t id = (uint32_t)rid;
        if (faas == rs->faas && book_registered(b, id)) {
            g = integ_find(rs->rep_int, rs->nrep_int, id, slot);
            amount = book_get(b, id, slot);
            fs_res_get_loose(&b->res, id, slot, &loose);
            standing_integral(rs, id, slot, now, &acc, &out->last, &out->first);
        }
    }
    else if (node >= 0 && node < FS_RES_MAX_ID) {
        g = integ_find(rs->node_int, rs->nnode_int, (uint32_t)node, slot);
        fs_res_node_get(&b->res, (uint32_t)node, slot, &amount);
        fs_res_node_get_loose(&b->res, (uint32_t)node, slot, &loose);
        const uint32_t *ids;
        uint32_t n = 0;
        if (fs_res_node_claimers(&b->res, (uint32_t)node, &ids, &n) == FS_OK)
            for (uint32_t i = 0; i < n; i++)
                standing_integral(rs, ids[i], slot, now, &acc, &out->last, &out->first);
    }
    integ_add(&acc, integ_value(g, loose, now));
    if (g) {
        out->last = fmax(out->last, g->last);
        out->first = fmin(out->first, g->first);
    }
    double ex, ei, el;
    if ((rid < 0 || (faas == rs->faas && book_registered(b, (uint32_t)rid))) &&
        shared_excess(rs, rid, node, slot, &ex, &ei, &el)) {
        if (ei != 0.0)
            integ_add(&acc, -ei);
        amount -= ex;
        out->last = fmax(out->last, el);
    }
    out->integral = acc.sum + acc.comp;
    out->amount = amount;
    return 0;
}

/* ------------------------------------------------------------------ */
/* ResourceState: Python methods */

static PyObject *ResourceState_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    (void)args;
    (void)kwds;
    faassim_state *st = faassim_state_from_type(type);
    if (!st)
        return NULL;
    ResourceStateObject *self = (ResourceStateObject *)type->tp_alloc(type, 0);
    if (!self)
        return NULL;
    self->st = st;
    if (book_init(&self->book) < 0) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

static int ResourceState_init(ResourceStateObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"env", NULL};
    PyObject *env = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O:ResourceState", kwlist, &env))
        return -1;
    if (env == Py_None)
        return 0;
    if (!Environment_Check(self->st, env)) {
        PyErr_Format(PyExc_TypeError, "ResourceState(env): env must be an Environment or None, not %.100s",
                     Py_TYPE(env)->tp_name);
        return -1;
    }
    if (self->faas && self->env != (EnvironmentObject *)env) {
        PyErr_SetString(PyExc_RuntimeError, "ResourceState.__init__: already accounting for another environment");
        return -1;
    }
    Py_XSETREF(self->env, (EnvironmentObject *)Py_NewRef(env));
    return 0;
}

static const char *const change_args[] = {"replica", "resource", "value"};

static PyObject *rs_put_resource(ResourceStateObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    PyObject *a[3];
    ReplicaObject *rep;
    if (fs_parse_args("put_resource", args, nargs, kwnames, change_args, 3, 3, a) < 0 ||
        !(rep = check_replica(self, a[0], "put_resource")) || rs_apply_obj(self, rep, a[1], a[2], 0, "put_resource"))
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *rs_remove_resource(ResourceStateObject *self, PyObject *const *args, Py_ssize_t nargs,
                                    PyObject *kwnames)
{
    PyObject *a[3];
    ReplicaObject *rep;
    if (fs_parse_args("remove_resource", args, nargs, kwnames, change_args, 3, 3, a) < 0 ||
        !(rep = check_replica(self, a[0], "remove_resource")) ||
        rs_apply_obj(self, rep, a[1], a[2], 1, "remove_resource"))
        return NULL;
    rs_released(self, rep);
    Py_RETURN_NONE;
}

static PyObject *rs_get_resource_utilization(ResourceStateObject *self, PyObject *replica)
{
    ReplicaObject *rep = check_replica(self, replica, "get_resource_utilization");
    if (!rep || rs_register(self, rep) < 0)
        return NULL;
    return util_replica_view(self, rep);
}

static PyObject *rs_get_node_resource_utilization(ResourceStateObject *self, PyObject *name)
{
    uint32_t node;
    if (rs_node_index(self, name, "get_node_resource_utilization", &node) < 0)
        return NULL;
    return node_util_new(self, node, name);
}

static PyObject *rs_list_resource_utilization(ResourceStateObject *self, PyObject *name)
{
    uint32_t node;
    if (rs_node_index(self, name, "list_resource_utilization", &node) < 0)
        return NULL;
    return rs_node_list(self, node);
}

static PyObject *rs_get_node_resource_utilizations(ResourceStateObject *self, void *c)
{
    (void)c;
    PyObject *out = PyDict_New();
    for (uint32_t n = 0; out && self->faas && n < self->nnode_reps; n++) {
        if (!self->node_reps[n] || !PyList_GET_SIZE(self->node_reps[n]))
            continue;
        if ((Py_ssize_t)n >= faas_node_count(self->faas)) {
            PyErr_SetString(PyExc_RuntimeError, "node_resource_utilizations: the platform lost a node");
            Py_CLEAR(out);
            break;
        }
        PyObject *name = PyObject_GetAttrString(faas_node(self->faas, n), "name");
        PyObject *nu = name ? node_util_new(self, n, name) : NULL;
        if (!nu || PyDict_SetItem(out, name, nu) < 0)
            Py_CLEAR(out);
        Py_XDECREF(name);
        Py_XDECREF(nu);
    }
    return out;
}

/* get_integral(target, resource): the integral of the amount up to now. */
static PyObject *rs_get_integral(ResourceStateObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"target", "resource"};
    PyObject *a[2];
    if (fs_parse_args("get_integral", args, nargs, kwnames, names, 2, 2, a) < 0)
        return NULL;
    if (!PyUnicode_Check(a[1])) {
        PyErr_Format(PyExc_TypeError, "get_integral(): resource must be a str, not %.100s", Py_TYPE(a[1])->tp_name);
        return NULL;
    }
    ReplicaObject *rep = NULL;
    uint32_t node = 0;
    if (PyUnicode_Check(a[0])) {
        if (rs_node_index(self, a[0], "get_integral", &node) < 0)
            return NULL;
    }
    else if (!(rep = check_replica(self, a[0], "get_integral")))
        return NULL;
    int slot = book_slot(&self->book, a[1], 0);
    if (slot == -1)
        return NULL;
    if (slot < 0)
        return PyFloat_FromDouble(0.0);
    struct resource_state_integral out;
    if (resource_state_integral(self, rep, node, slot, &out) < 0)
        return NULL;
    return PyFloat_FromDouble(out.integral);
}

static PyObject *rs_get_env(ResourceStateObject *self, void *c)
{
    (void)c;
    return Py_NewRef(self->env ? (PyObject *)self->env : Py_None);
}

static PyObject *rs_valid(ResourceStateObject *self, PyObject *Py_UNUSED(ignored))
{
    int ok = fs_res_valid(&self->book.res);
    if (ok < 0)
        return PyErr_NoMemory();
    return PyBool_FromLong(ok);
}

/* _capi(op, target, resource, value=0.0): the C API from Python, for tests.
 * op: 'put', 'remove' (target: a replica), 'get' (a replica), 'node_get'
 * (target: a node index). */
static PyObject *rs_capi(ResourceStateObject *self, PyObject *args)
{
    const char *op, *name;
    PyObject *target;
    double value = 0.0;
    if (!PyArg_ParseTuple(args, "sOs|d:_capi", &op, &target, &name, &value))
        return NULL;
    int slot = resource_state_slot(self, name);
    if (slot < 0)
        return NULL;
    if (strcmp(op, "node_get") == 0) {
        long long node = PyLong_AsLongLong(target);
        if (node == -1 && PyErr_Occurred())
            return NULL;
        double v = resource_state_node_get(self, node, slot);
        return v < 0 ? NULL : PyFloat_FromDouble(v);
    }
    if (!PyObject_TypeCheck(target, self->st->FunctionReplica_type)) {
        PyErr_SetString(PyExc_TypeError, "_capi(): target must be a FunctionReplica");
        return NULL;
    }
    ReplicaObject *rep = (ReplicaObject *)target;
    if (strcmp(op, "get") == 0) {
        double v = resource_state_get(self, rep, slot);
        return v < 0 ? NULL : PyFloat_FromDouble(v);
    }
    int rc;
    if (strcmp(op, "put") == 0)
        rc = resource_state_put(self, rep, slot, value);
    else if (strcmp(op, "remove") == 0)
        rc = resource_state_remove(self, rep, slot, value);
    else {
        PyErr_Format(PyExc_ValueError, "_capi(): unknown op %s", op);
        return NULL;
    }
    if (rc < 0)
        return NULL;
    Py_RETURN_NONE;
}

static int ResourceState_traverse(ResourceStateObject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT((PyObject *)self->env);
    Py_VISIT((PyObject *)self->faas);
    for (uint32_t n = 0; n < self->nnode_reps; n++)
        Py_VISIT(self->node_reps[n]);
    Py_VISIT(self->dict);
    return 0;
}

static int ResourceState_clear(ResourceStateObject *self)
{
    Py_CLEAR(self->env);
    Py_CLEAR(self->faas);
    for (uint32_t n = 0; n < self->nnode_reps; n++)
        Py_CLEAR(self->node_reps[n]);
    Py_CLEAR(self->dict);
    return 0;
}

static void ResourceState_dealloc(ResourceStateObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    if (self->weaklist)
        PyObject_ClearWeakRefs((PyObject *)self);
    ResourceState_clear(self);
    PyMem_Free(self->node_reps);
    for (uint32_t i = 0; i < self->nrep_int; i++)
        PyMem_Free(self->rep_int[i].v);
    for (uint32_t i = 0; i < self->nnode_int; i++)
        PyMem_Free(self->node_int[i].v);
    PyMem_Free(self->rep_int);
    PyMem_Free(self->node_int);
    PyMem_Free(self->kint);
    book_free(&self->book);
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyMethodDef ResourceState_methods[] = {
    {"put_resource", (PyCFunction)(void (*)(void))rs_put_resource, METH_FASTCALL | METH_KEYWORDS,
     "put_resource(replica, resource, value)\n--\n\n"
     "Add value (an int or float, finite, >= 0) of resource (a str) to what replica\n"
     "(a placed FunctionReplica of env.faas) holds, and to its node's total. Exact:\n"
     "amounts are sums computed without rounding."},
    {"remove_resource", (PyCFunction)(void (*)(void))rs_remove_resource, METH_FASTCALL | METH_KEYWORDS,
     "remove_resource(replica, resource, value)\n--\n\n"
     "Take value of resource back from replica and its node. Removing more than the\n"
     "replica holds raises ValueError (faas-sim went negative) and changes nothing."},
    {"get_resource_utilization", (PyCFunction)rs_get_resource_utilization, METH_O,
     "get_resource_utilization(replica)\n--\n\n"
     "A live ResourceUtilization view of what replica holds (registers the replica\n"
     "on its node, as faas-sim did)."},
    {"get_node_resource_utilization", (PyCFunction)rs_get_node_resource_utilization, METH_O,
     "get_node_resource_utilization(node_name)\n--\n\n"
     "A NodeResourceUtilization view of the node called node_name (KeyError if\n"
     "env.faas has no such node)."},
    {"list_resource_utilization", (PyCFunction)rs_list_resource_utilization, METH_O,
     "list_resource_utilization(node_name)\n--\n\n"
     "[(replica, ResourceUtilization), ...] for the replicas registered on the node,\n"
     "in registration order (a replica the platform let go of, SUSPENDED or FAILED,\n"
     "is left out once it holds nothing)."},
    {"get_integral", (PyCFunction)(void (*)(void))rs_get_integral, METH_FASTCALL | METH_KEYWORDS,
     "get_integral(target, resource)\n--\n\n"
     "The time integral of an amount from the start of the simulation up to\n"
     "env.now (e.g. cpu-seconds): target is a replica or a node name. The amount is\n"
     "piecewise constant and integrated at every put and remove (Neumaier-compensated);\n"
     "0.0 for a resource never put there. The mean over [t0, t1] is the difference of\n"
     "two readings divided by t1 - t0 (ResourceMonitor.average reads past windows)."},
    {"_capi", (PyCFunction)rs_capi, METH_VARARGS,
     "_capi(op, target, resource, value=0.0)\n--\n\n"
     "Call the C API (resource_state_slot, then resource_state_put / _remove / _get\n"
     "or _node_get for op 'put', 'remove', 'get', 'node_get'); for tests."},
    {"_valid", (PyCFunction)rs_valid, METH_NOARGS,
     "_valid()\n--\n\n"
     "Check every invariant of the accounting (node amounts are the exact sums of\n"
     "their replicas'); O(everything), for tests."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef ResourceState_getset[] = {
    {"env", (getter)rs_get_env, NULL, "The Environment whose replicas are accounted for.", NULL},
    {"node_resource_utilizations", (getter)rs_get_node_resource_utilizations, NULL,
     "A new dict node name -> NodeResourceUtilization of the nodes with registered\n"
     "replicas (faas-sim's attribute).",
     NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMemberDef ResourceState_members[] = {
    {"__dictoffset__", T_PYSSIZET, offsetof(ResourceStateObject, dict), READONLY, NULL},
    {"__weaklistoffset__", T_PYSSIZET, offsetof(ResourceStateObject, weaklist), READONLY, NULL},
    {NULL, 0, 0, 0, NULL},
};

PyDoc_STRVAR(ResourceState_doc, "ResourceState(env=None)\n--\n\n"
                                "env.resource_state: the resources (cpu, memory, ... any names) that function\n"
                                "replicas claim while they run, per replica and per node (faas-sim's\n"
                                "ResourceState). Simulators put_resource() when a request starts using a\n"
                                "resource and remove_resource() when it stops.\n\n"
                                "Unlike faas-sim's float sums, amounts are exact: every put and remove is\n"
                                "added without rounding, and a read rounds the exact amount once. Any balanced\n"
                                "sequence of puts and removes reads exactly 0.0, and a node's total is exactly\n"
                                "the sum of its replicas'. Removing more than held raises ValueError.\n\n"
                                "Without env (faas-sim's ResourceState()), the state takes the environment of\n"
                                "the first replica it accounts for.\n\n"
                                "Built-in (C) simulators use the C API in resource_state.h; it bypasses Python\n"
                                "overrides of put_resource/remove_resource in a subclass.");

static PyType_Slot ResourceState_slots[] = {
    {Py_tp_new, ResourceState_new},         {Py_tp_init, ResourceState_init},
    {Py_tp_dealloc, ResourceState_dealloc}, {Py_tp_traverse, ResourceState_traverse},
    {Py_tp_clear, ResourceState_clear},     {Py_tp_methods, ResourceState_methods},
    {Py_tp_getset, ResourceState_getset},   {Py_tp_members, ResourceState_members},
    {Py_tp_doc, (void *)ResourceState_doc}, {0, NULL},
};

static PyType_Spec ResourceState_spec = {
    .name = "faassim.ResourceState",
    .basicsize = sizeof(ResourceStateObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = ResourceState_slots,
};

/* ------------------------------------------------------------------ */
/* ResourceUtilization */

static struct rs_book *util_book(UtilObject *u)
{
    return u->own ? u->own : &u->rs->book;
}

/* The viewed entity's touched mask and fs_res entity (NULL: a node nothing
 * was ever registered on). */
static uint64_t util_touched(UtilObject *u)
{
    struct rs_book *b = util_book(u);
    if (u->kind == UTIL_NODE)
        return u->id < b->nnode_touched ? b->node_touched[u->id] : 0;
    return b->rep_touched[u->id];
}

static double util_amount(UtilObject *u, int slot)
{
    struct rs_book *b = util_book(u);
    double v = 0.0;
    if (u->kind == UTIL_NODE)
        fs_res_node_get(&b->res, u->id, slot, &v);
    else
        fs_res_get(&b->res, u->id, slot, &v);
    return v;
}

static PyObject *util_get_resource(UtilObject *self, PyObject *name)
{
    if (!PyUnicode_Check(name)) {
        PyErr_Format(PyExc_TypeError, "get_resource(): resource must be a str, not %.100s", Py_TYPE(name)->tp_name);
        return NULL;
    }
    int slot = book_slot(util_book(self), name, 0);
    if (slot == -1)
        return NULL;
    if (slot < 0 || !((util_touched(self) >> slot) & 1))
        Py_RETURN_NONE;
    return PyFloat_FromDouble(util_amount(self, slot));
}

static PyObject *util_list_resources(UtilObject *self, PyObject *Py_UNUSED(ignored))
{
    struct rs_book *b = util_book(self);
    PyObject *out = PyDict_New();
    for (uint64_t m = util_touched(self); out && m;) {
        int s = fs_res_mask_next(&m);
        PyObject *v = PyFloat_FromDouble(util_amount(self, s));
        if (!v || PyDict_SetItem(out, b->names[s], v) < 0)
            Py_CLEAR(out);
        Py_XDECREF(v);
    }
    return out;
}

static PyObject *util_is_empty(UtilObject *self, PyObject *Py_UNUSED(ignored))
{
    struct rs_book *b = util_book(self);
    uint64_t mask = 0;
    if (self->kind == UTIL_NODE)
        fs_res_node_mask(&b->res, self->id, &mask); /* unknown node: stays 0 */
    else
        fs_res_replica_mask(&b->res, self->id, &mask);
    return PyBool_FromLong(mask == 0);
}

/* Put the exact amount a into slot of dst's replica 0: as the sum of its
 * 32-bit pieces, each an exactly representable double (the amount is a
 * multiple of 2^-1074 below 2^1024). */
static int put_exact(struct rs_book *dst, int slot, const struct fs_res_acc *a)
{
    const uint64_t *limbs = a->cap ? a->u.heap : a->u.in;
    for (int i = 0; i < a->n; i++) {
        int e = 64 * (a->base + i);
        uint64_t piece[2] = {limbs[i] & UINT64_C(0xFFFFFFFF), limbs[i] >> 32};
        for (int h = 0; h < 2; h++) {
            if (!piece[h])
                continue;
            int rc = fs_res_put(&dst->res, 0, slot, ldexp((double)piece[h], e + 32 * h));
            if (rc)
                return fs_raise_status(rc, "ResourceUtilization.copy");
        }
    }
    return 0;
}

static PyObject *util_copy(UtilObject *self, PyObject *Py_UNUSED(ignored))
{
    struct rs_book *b = util_book(self);
    UtilObject *snap = util_snapshot_new(self->st->ResourceUtilization_type, self->st);
    if (!snap)
        return NULL;
    int is_node = self->kind == UTIL_NODE;
    int known = is_node ? self->id < b->res.nnode : 1;
    for (uint64_t m = util_touched(self); m;) {
        int s = fs_res_mask_next(&m);
        int d = book_slot(snap->own, b->names[s], 1);
        int rc = d < 0 ? -1 : 0;
        if (rc == 0 && known) {
            struct fs_res_acc a; /* the exact amount, standing claims included */
            int st = fs_res_amount(&b->res, is_node, self->id, s, &a);
            rc = st ? fs_raise_status(st, "ResourceUtilization.copy") : put_exact(snap->own, d, &a);
            fs_res_acc_free(&a);
        }
        if (rc < 0) {
            Py_DECREF(snap);
            return NULL;
        }
        snap->own->rep_touched[0] |= UINT64_C(1) << d;
        snap->own->node_touched[0] |= UINT64_C(1) << d;
    }
    return (PyObject *)snap;
}

static PyObject *util_change(UtilObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames, int remove)
{
    static const char *const names[] = {"resource", "value"};
    const char *meth = remove ? "remove_resource" : "put_resource";
    const char *fname = remove ? "ResourceUtilization.remove_resource" : "ResourceUtilization.put_resource";
    PyObject *a[2];
    if (fs_parse_args(meth, args, nargs, kwnames, names, 2, 2, a) < 0)
        return NULL;
    if (self->kind == UTIL_NODE) {
        PyErr_Format(PyExc_TypeError,
                     "%s(): the total_utilization of node %R is read-only (the sum of its replicas'); change "
                     "a replica's, or copy() it",
                     meth, self->node_name);
        return NULL;
    }
    if (self->kind == UTIL_REPLICA) {
        if (!self->rs->env) {
            PyErr_Format(PyExc_RuntimeError, "%s(): the ResourceState is gone", fname);
            return NULL;
        }
        if (rs_apply_obj(self->rs, self->rep, a[0], a[1], remove, fname) < 0)
            return NULL;
        Py_RETURN_NONE;
    }
    struct rs_book *b = self->own;
    double v;
    if (check_name(a[0], fname, NULL, a[1]) < 0 || parse_value(a[1], &v, fname, NULL, a[0]) < 0)
        return NULL;
    int slot = book_slot(b, a[0], 1);
    if (slot < 0)
        return NULL;
    int rc = book_apply(b, 0, slot, v, remove);
    if (rc) {
        raise_apply(b, rc, 0, slot, fname, NULL, a[0], a[1]);
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *util_put_resource(UtilObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    return util_change(self, args, nargs, kwnames, 0);
}

static PyObject *util_remove_resource(UtilObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    return util_change(self, args, nargs, kwnames, 1);
}

static PyObject *util_get_replica(UtilObject *self, void *c)
{
    (void)c;
    return Py_NewRef(self->rep ? (PyObject *)self->rep : Py_None);
}

static PyObject *util_get_live(UtilObject *self, void *c)
{
    (void)c;
    return PyBool_FromLong(self->kind != UTIL_SNAPSHOT);
}

static PyObject *Util_repr(UtilObject *self)
{
    PyObject *res = util_list_resources(self, NULL);
    if (!res)
        return NULL;
    PyObject *r;
    if (self->kind == UTIL_REPLICA)
        r = PyUnicode_FromFormat("<ResourceUtilization of replica %u: %R>", self->id, res);
    else if (self->kind == UTIL_NODE)
        r = PyUnicode_FromFormat("<ResourceUtilization total of node %R: %R>", self->node_name, res);
    else
        r = PyUnicode_FromFormat("<ResourceUtilization snapshot: %R>", res);
    Py_DECREF(res);
    return r;
}

static PyObject *Util_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    if (PyTuple_GET_SIZE(args) || (kwds && PyDict_GET_SIZE(kwds))) {
        PyErr_SetString(PyExc_TypeError, "ResourceUtilization() takes no arguments");
        return NULL;
    }
    faassim_state *st = faassim_state_from_type(type);
    if (!st)
        return NULL;
    return (PyObject *)util_snapshot_new(type, st);
}

static int Util_traverse(UtilObject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT((PyObject *)self->rs);
    Py_VISIT((PyObject *)self->rep);
    Py_VISIT(self->node_name);
    return 0;
}

static void Util_dealloc(UtilObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    Py_CLEAR(self->rs);
    Py_CLEAR(self->rep);
    Py_CLEAR(self->node_name);
    if (self->own) {
        book_free(self->own);
        PyMem_Free(self->own);
    }
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyMethodDef Util_methods[] = {
    {"get_resource", (PyCFunction)util_get_resource, METH_O,
     "get_resource(resource)\n--\n\n"
     "The amount held now (a float), or None if the resource was never put or\n"
     "removed here."},
    {"list_resources", (PyCFunction)util_list_resources, METH_NOARGS,
     "list_resources()\n--\n\n"
     "A new dict resource -> amount of every resource ever put or removed here\n"
     "(amounts may be 0.0)."},
    {"is_empty", (PyCFunction)util_is_empty, METH_NOARGS,
     "is_empty()\n--\n\n"
     "True when every amount is zero. (faas-sim's meant 'nothing was ever put': there\n"
     "a replica whose claims were all removed was not empty; here it is.)"},
    {"copy", (PyCFunction)util_copy, METH_NOARGS,
     "copy()\n--\n\n"
     "A detached snapshot with the same amounts (exact) and resources; its\n"
     "put_resource/remove_resource change only the snapshot."},
    {"put_resource", (PyCFunction)(void (*)(void))util_put_resource, METH_FASTCALL | METH_KEYWORDS,
     "put_resource(resource, value)\n--\n\n"
     "Add value of resource: on a replica's view, to the replica in the ResourceState\n"
     "(and its node); on a snapshot, to the snapshot. Node totals are read-only."},
    {"remove_resource", (PyCFunction)(void (*)(void))util_remove_resource, METH_FASTCALL | METH_KEYWORDS,
     "remove_resource(resource, value)\n--\n\n"
     "Take value of resource back (ValueError if more than held; nothing changes)."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Util_getset[] = {
    {"replica", (getter)util_get_replica, NULL, "The replica viewed, or None (node totals, snapshots).", NULL},
    {"live", (getter)util_get_live, NULL, "True for a view of the ResourceState, False for a snapshot.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyDoc_STRVAR(Util_doc, "ResourceUtilization()\n--\n\n"
                       "Amounts of named resources (faas-sim's ResourceUtilization). From\n"
                       "env.resource_state it is a live view of a replica (or a node's total);\n"
                       "ResourceUtilization() and copy() make detached snapshots. Amounts are exact\n"
                       "sums, read as floats.");

static PyType_Slot Util_slots[] = {
    {Py_tp_new, Util_new},           {Py_tp_dealloc, Util_dealloc},
    {Py_tp_traverse, Util_traverse}, {Py_tp_methods, Util_methods},
    {Py_tp_getset, Util_getset},     {Py_tp_repr, Util_repr},
    {Py_tp_doc, (void *)Util_doc},   {0, NULL},
};

static PyType_Spec Util_spec = {
    .name = "faassim.ResourceUtilization",
    .basicsize = sizeof(UtilObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = Util_slots,
};

/* ------------------------------------------------------------------ */
/* NodeResourceUtilization */

/* A replica argument of a node view: validated and on this node. */
static ReplicaObject *node_replica(NodeUtilObject *self, PyObject *obj, const char *fname)
{
    ReplicaObject *rep = check_replica(self->rs, obj, fname);
    if (rep && (uint32_t)rep->node != self->node) {
        PyErr_Format(PyExc_ValueError, "%s(): %R is not on node %R", fname, obj, self->name);
        return NULL;
    }
    return rep;
}

static PyObject *node_get_total(NodeUtilObject *self, void *c)
{
    (void)c;
    return util_node_view(self->rs, self->node, self->name);
}

static PyObject *node_get_name(NodeUtilObject *self, void *c)
{
    (void)c;
    return Py_NewRef(self->name);
}

static PyObject *node_list(NodeUtilObject *self, PyObject *Py_UNUSED(ignored))
{
    return rs_node_list(self->rs, self->node);
}

static PyObject *node_get_resource_utilization(NodeUtilObject *self, PyObject *replica)
{
    ReplicaObject *rep = node_replica(self, replica, "get_resource_utilization");
    if (!rep || rs_register(self->rs, rep) < 0)
        return NULL;
    return util_replica_view(self->rs, rep);
}

static PyObject *node_change(NodeUtilObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
                             int remove)
{
    const char *fname = remove ? "remove_resource" : "put_resource";
    PyObject *a[3];
    ReplicaObject *rep;
    if (fs_parse_args(fname, args, nargs, kwnames, change_args, 3, 3, a) < 0 ||
        !(rep = node_replica(self, a[0], fname)) || rs_apply_obj(self->rs, rep, a[1], a[2], remove, fname) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *node_put_resource(NodeUtilObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    return node_change(self, args, nargs, kwnames, 0);
}

static PyObject *node_remove_resource(NodeUtilObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    return node_change(self, args, nargs, kwnames, 1);
}

static PyObject *NodeUtil_repr(NodeUtilObject *self)
{
    return PyUnicode_FromFormat("<NodeResourceUtilization of node %R>", self->name);
}

static int NodeUtil_traverse(NodeUtilObject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT((PyObject *)self->rs);
    Py_VISIT(self->name);
    return 0;
}

static void NodeUtil_dealloc(NodeUtilObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    Py_CLEAR(self->rs);
    Py_CLEAR(self->name);
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyMethodDef NodeUtil_methods[] = {
    {"list_resource_utilization", (PyCFunction)node_list, METH_NOARGS,
     "list_resource_utilization()\n--\n\n"
     "[(replica, ResourceUtilization), ...] for the replicas registered on this node,\n"
     "in registration order."},
    {"get_resource_utilization", (PyCFunction)node_get_resource_utilization, METH_O,
     "get_resource_utilization(replica)\n--\n\n"
     "A live view of what replica (on this node) holds."},
    {"put_resource", (PyCFunction)(void (*)(void))node_put_resource, METH_FASTCALL | METH_KEYWORDS,
     "put_resource(replica, resource, value)\n--\n\n"
     "ResourceState.put_resource for a replica on this node."},
    {"remove_resource", (PyCFunction)(void (*)(void))node_remove_resource, METH_FASTCALL | METH_KEYWORDS,
     "remove_resource(replica, resource, value)\n--\n\n"
     "ResourceState.remove_resource for a replica on this node."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef NodeUtil_getset[] = {
    {"total_utilization", (getter)node_get_total, NULL,
     "A live, read-only ResourceUtilization of the node's totals: exactly the sum of\n"
     "its replicas' amounts.",
     NULL},
    {"name", (getter)node_get_name, NULL, "The node's name.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyDoc_STRVAR(NodeUtil_doc, "A node's resource utilization in env.resource_state (faas-sim's\n"
                           "NodeResourceUtilization): a live view, from\n"
                           "env.resource_state.get_node_resource_utilization(node_name).");

static PyType_Slot NodeUtil_slots[] = {
    {Py_tp_dealloc, NodeUtil_dealloc},
    {Py_tp_traverse, NodeUtil_traverse},
    {Py_tp_methods, NodeUtil_methods},
    {Py_tp_getset, NodeUtil_getset},
    {Py_tp_repr, NodeUtil_repr},
    {Py_tp_doc, (void *)NodeUtil_doc},
    {0, NULL},
};

static PyType_Spec NodeUtil_spec = {
    .name = "faassim.NodeResourceUtilization",
    .basicsize = sizeof(NodeUtilObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = NodeUtil_slots,
};

int ResourceState_setup(PyObject *m, faassim_state *st)
{
    st->ResourceState_type = (PyTypeObject *)PyType_FromModuleAndSpec(m, &ResourceState_spec, NULL);
    if (!st->ResourceState_type || PyModule_AddType(m, st->ResourceState_type) < 0)
        return -1;
    st->ResourceUtilization_type = (PyTypeObject *)PyType_FromModuleAndSpec(m, &Util_spec, NULL);
    if (!st->ResourceUtilization_type || PyModule_AddType(m, st->ResourceUtilization_type) < 0)
        return -1;
    st->NodeResourceUtilization_type = (PyTypeObject *)PyType_FromModuleAndSpec(m, &NodeUtil_spec, NULL);
    if (!st->NodeResourceUtilization_type)
        return -1;
    return PyModule_AddType(m, st->NodeResourceUtilization_type);
}
