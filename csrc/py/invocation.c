/* invocation.c: the invocations of the platform (FaasSystem).
 *
 * Design note
 * -----------
 * This file owns the request records (struct fs_inv, invocation.h) of a
 * platform: their pool, the FIFO of requests waiting for a RUNNING replica
 * of each function, the timed list (records waiting on a C timer), routing
 * (the load balancer's pick, then dispatch to the replica's simulator) and
 * completion (the `invocations` row, the FunctionResponse, the request's
 * event). The platform's state lives in FaasObject (faas_private.h): the
 * fields of struct inv_table (f->invs) and the waiting FIFO of each
 * function (fn->waiting) are this file's alone.
 *
 * Dispatch runs the simulator's invoke hook: Python code when it is
 * overridden (the record completes when its process ends, FS_CB_INVOKED),
 * else the simulator's own C invoke (SimulatorObject.c_invoke, set by the
 * built-in watchdogs) or the default one, which takes no time or the
 * request's recorded execution time (a C timer). A request that finds no
 * routable replica waits in its function's FIFO (and scales the function
 * from zero, faas_scale_from_zero) until a replica becomes RUNNING; then
 * the waiting requests go out at the end of that simulated instant
 * (inv_dispatch_later: one FS_PRIO_LATE entry of the platform, for every
 * function marked at that instant), so that the load balancer sees every
 * replica that becomes RUNNING at that instant. While requests wait, new
 * ones queue behind them (FIFO).
 *
 * Ownership: records waiting in a FIFO or on the timed list belong to the
 * platform (inv_traverse, inv_clear); records waiting on a Python hook are
 * held by their request object, records in a worker queue by their
 * watchdog. Every call into Python may re-enter the platform: f->fns is
 * re-read after it, and records are only touched while owned. */
#include "faas_private.h"
#include "balancer.h"
#include "metrics.h"
#include "simulator.h"

#include <math.h>

struct fs_inv *inv_alloc(FaasObject *f)
{
    struct fs_inv *inv = f->invs.free;
    if (inv)
        f->invs.free = inv->next;
    else if (!(inv = PyMem_Malloc(sizeof *inv))) {
        PyErr_NoMemory();
        return NULL;
    }
    memset(inv, 0, sizeof *inv);
    inv->faas = f;
    inv->exec_time = NAN;
    return inv;
}

/* A sequence that a Python call of Watchdog.invoke runs for a request (a
 * record of its own, inv->sub) keeps the request while it runs: the
 * request's record points to it (sub_inv), and if the invocation ends first
 * the request moves to it (it stays in flight until the sequence ends). */
void inv_unlink(struct fs_inv *inv)
{
    RequestObject *req = inv->req;
    if (req && req->inv == inv)
        req->inv = inv->sub_inv;
    else if (req && req->inv && req->inv->sub_inv == inv)
        req->inv->sub_inv = NULL;
    inv->sub_inv = NULL;
}

/* Drop the record's references and return it to the pool. The request is
 * released last: its dealloc may run arbitrary code. */
void inv_free(FaasObject *f, struct fs_inv *inv)
{
    RequestObject *req = inv->req;
    EventObject *done = inv->done;
    ReplicaObject *rep = inv->rep;
    inv_unlink(inv);
    inv->req = NULL;
    inv->done = NULL;
    inv->rep = NULL;
    inv->next = f->invs.free;
    f->invs.free = inv;
    Py_XDECREF(rep);
    Py_XDECREF(done);
    Py_XDECREF(req);
}

RequestObject *inv_request(FaasObject *f, struct fs_inv *inv)
{
    if (!inv->req) {
        RequestObject *r = request_new(f->st, f->fns[inv->fn].name, Py_None, inv->request_id);
        if (!r)
            return NULL;
        r->exec_time = inv->exec_time;
        r->inv = inv;
        inv->req = r;
    }
    return inv->req;
}

/* Check which invocation log hooks env.metrics overrides (once per metrics
 * object) and resolve the C fast path's ids. */
static int metrics_fast_path(FaasObject *f, PyObject *m)
{
    if (f->invs.fast_for == m)
        return 0;
    faassim_state *st = f->st;
    Py_XSETREF(f->invs.fast_for, Py_NewRef(m));
    f->invs.fast_inv = f->invs.fast_start = f->invs.fast_stop = 0;
    if (!Metrics_Check(st, m) || !st->base_log_invocation)
        return 0;
    PyTypeObject *tp = Py_TYPE(m);
    f->invs.fast_inv = _PyType_Lookup(tp, st->str_log_invocation) == st->base_log_invocation;
    f->invs.fast_start = _PyType_Lookup(tp, st->str_log_start_exec) == st->base_log_start_exec;
    f->invs.fast_stop = _PyType_Lookup(tp, st->str_log_stop_exec) == st->base_log_stop_exec;
    PyObject *d = PyObject_GenericGetDict(m, NULL);
    if (d) {
        /* an instance attribute overrides the class method too */
        if (PyDict_GetItemWithError(d, st->str_log_invocation))
            f->invs.fast_inv = 0;
        if (PyDict_GetItemWithError(d, st->str_log_start_exec))
            f->invs.fast_start = 0;
        if (PyDict_GetItemWithError(d, st->str_log_stop_exec))
            f->invs.fast_stop = 0;
        Py_DECREF(d);
    }
    PyErr_Clear();
    if (f->invs.fast_inv) {
        MetricsObject *mo = (MetricsObject *)m;
        if ((f->invs.t_inv = metrics_table(mo, "invocations")) < 0 ||
            (f->invs.c_wait = metrics_column(mo, f->invs.t_inv, "t_wait", FS_COL_F64, 0)) < 0 ||
            (f->invs.c_exec = metrics_column(mo, f->invs.t_inv, "t_exec", FS_COL_F64, 0)) < 0 ||
            (f->invs.c_start = metrics_column(mo, f->invs.t_inv, "t_start", FS_COL_F64, 0)) < 0 ||
            (f->invs.c_mem = metrics_column(mo, f->invs.t_inv, "memory", FS_COL_I64, 0)) < 0 ||
            (f->invs.c_fn = metrics_column(mo, f->invs.t_inv, "function_name", FS_COL_STR, 1)) < 0 ||
            (f->invs.c_img = metrics_column(mo, f->invs.t_inv, "function_image", FS_COL_STR, 1)) < 0 ||
            (f->invs.c_node = metrics_column(mo, f->invs.t_inv, "node", FS_COL_STR, 1)) < 0 ||
            (f->invs.c_rid = metrics_column(mo, f->invs.t_inv, "replica_id", FS_COL_I64, 1)) < 0) {
            Py_CLEAR(f->invs.fast_for);
            return -1;
        }
    }
    return 0;
}

static int log_invocation_fast(FaasObject *f, MetricsObject *m, ReplicaObject *rep, double t_wait, double t_start,
                               double t_exec)
{
    if (replica_metrics_sids(rep, m) < 0)
        return -1;
    /* one call per row, in the order of the setters it replaces */
    struct metrics_row r;
    r.n = 0; /* only the first n entries are read */
    row_f64(&r, f->invs.c_wait, t_wait);
    row_f64(&r, f->invs.c_exec, t_exec);
    row_f64(&r, f->invs.c_start, t_start);
    if (rep->memory != Py_None) {
        long long mem = PyLong_AsLongLong(rep->memory);
        if (mem == -1 && PyErr_Occurred())
            return -1;
        row_i64(&r, f->invs.c_mem, mem);
    }
    row_str(&r, f->invs.c_fn, rep->fn_sid);
    row_str(&r, f->invs.c_img, rep->image_sid);
    row_str(&r, f->invs.c_node, rep->node_sid);
    row_i64(&r, f->invs.c_rid, rep->id);
    return metrics_log_built(m, f->invs.t_inv, &r);
}

static int inv_dispatch(FaasObject *f, struct fs_inv *inv, ReplicaObject *rep);

/* Pick a routable replica for the record (borrowed result), or NULL with
 * no error when there is none, or NULL with an error. */
static ReplicaObject *route(FaasObject *f, struct fs_inv *inv)
{
    struct fs_fn *fn = &f->fns[inv->fn];
    size_t n = fs_lb_count(&fn->lb);
    if (n == 0)
        return NULL;
    PyObject *lb = f->env->comp[FS_COMP_LOAD_BALANCER];
    int policy = FS_LB_ROUND_ROBIN, python = 0;
    if (!lb) {
        PyObject *made = env_component(f->env, FS_COMP_LOAD_BALANCER);
        if (!made)
            return NULL;
        Py_DECREF(made);
        lb = f->env->comp[FS_COMP_LOAD_BALANCER];
    }
    if (PyObject_TypeCheck(lb, f->st->LoadBalancer_type)) {
        BalancerObject *b = (BalancerObject *)lb;
        if (!b->env)
            b->env = Py_NewRef((PyObject *)f->env);
        policy = b->policy;
        python = balancer_overridden(b);
        if (python < 0)
            return NULL;
    }
    else
        python = 1;
    if (!python || n == 1) {
        uint32_t id;
        int rc = fs_lb_route(&fn->lb, policy, env_rng(f->env), &id);
        if (rc != FS_OK) {
            fs_raise_status(rc, "load balancer");
            return NULL;
        }
        return f->reps[id].rep;
    }
    RequestObject *req = inv_request(f, inv);
    if (!req)
        return NULL;
    Py_INCREF(lb);
    PyObject *r = PyObject_CallMethodOneArg(lb, f->st->str_next_replica, (PyObject *)req); /* re-entrancy point */
    if (!r) {
        Py_DECREF(lb);
        return NULL;
    }
    ReplicaObject *rep = (ReplicaObject *)r;
    if (!PyObject_TypeCheck(r, f->st->FunctionReplica_type) || rep->faas != f || rep->fn != inv->fn || !rep->routable) {
        PyErr_Format(PyExc_ValueError,
                     "%.100s.next_replica(%R) returned %R; expected a RUNNING replica of function %R (see "
                     "get_running_replicas)",
                     Py_TYPE(lb)->tp_name, (PyObject *)req, r, f->fns[inv->fn].name);
        Py_DECREF(lb);
        Py_DECREF(r);
        return NULL;
    }
    Py_DECREF(lb);
    Py_DECREF(r); /* f->reps keeps it alive (routable) */
    return rep;
}

/* Route the record now, or queue it behind the requests already waiting
 * (FIFO). Takes over the record (on error, the record is freed). */
int inv_submit(FaasObject *f, struct fs_inv *inv)
{
    struct fs_fn *fn = &f->fns[inv->fn];
    ReplicaObject *rep = fn->lb.n && !fn->waiting.head ? route(f, inv) : NULL;
    if (rep)
        return inv_dispatch(f, inv, rep);
    if (PyErr_Occurred()) {
        inv_free(f, inv);
        return -1;
    }
    inv->next = NULL;
    if (fn->waiting.tail)
        fn->waiting.tail->next = inv;
    else
        fn->waiting.head = inv;
    fn->waiting.tail = inv;
    fn->waiting.n++;
    /* Requests wait with a replica RUNNING: they go out at the end of the
     * instant (usually already planned by the replica that became RUNNING). */
    if (fn->lb.n)
        return inv_dispatch_later(f, inv->fn);
    /* Scale from zero: a function without any replica gets one. */
    return fn->active && fn->replica_count + fn->unplaced == 0 ? faas_scale_from_zero(f, inv->fn) : 0;
}

/* Route the waiting requests of slot, in FIFO order, to its RUNNING
 * replicas, each through the load balancer as a new request. Stops when no
 * replica is routable. */
static int dispatch_waiting(FaasObject *f, int32_t slot)
{
    struct fs_fn *fn = &f->fns[slot];
    while (fn->waiting.head && fn->lb.n) {
        struct fs_inv *inv = fn->waiting.head;
        ReplicaObject *rep = route(f, inv);
        fn = &f->fns[slot];
        if (!rep)
            return PyErr_Occurred() ? -1 : 0;
        if (fn->waiting.head != inv) /* re-entrancy moved the queue */
            continue;
        fn->waiting.head = inv->next;
        if (!fn->waiting.head)
            fn->waiting.tail = NULL;
        fn->waiting.n--;
        if (inv_dispatch(f, inv, rep) < 0)
            return -1;
        fn = &f->fns[slot];
    }
    return 0;
}

/* Forget the functions marked for dispatch. */
static void dispatch_list_clear(FaasObject *f)
{
    while (f->invs.dispatch_head) {
        struct fs_fn *fn = &f->fns[f->invs.dispatch_head - 1];
        f->invs.dispatch_head = fn->dispatch_next;
        fn->dispatch_next = 0;
        fn->dispatch_pending = 0;
    }
    f->invs.dispatch_tail = 0;
}

/* The platform's end-of-instant entry: dispatch the waiting requests of
 * every marked function, in the order they were marked (functions marked
 * meanwhile, by the Python code a dispatch runs, are served too). On an
 * error the function that failed and those after it stay marked and the
 * entry is queued again at the same time: the next run() serves them. */
static int dispatch_action(struct fs_sim *sim, void *data)
{
    FaasObject *f = (FaasObject *)data;
    int rc = 0;
    Py_INCREF(f);
    while (f->invs.dispatch_head) {
        int32_t slot = f->invs.dispatch_head - 1;
        /* stays marked while it runs: requests arriving meanwhile queue behind */
        if ((rc = dispatch_waiting(f, slot)) < 0)
            break;
        struct fs_fn *fn = &f->fns[slot];
        f->invs.dispatch_head = fn->dispatch_next;
        if (!f->invs.dispatch_head)
            f->invs.dispatch_tail = 0;
        fn->dispatch_next = 0;
        fn->dispatch_pending = 0;
    }
    f->invs.dispatch_queued = 0;
    if (f->invs.dispatch_head) {
        int prc = fs_queue_push(&sim->queue, sim->now, FS_PRIO_LATE, dispatch_action, f);
        if (prc == FS_OK)
            f->invs.dispatch_queued = 1;
        else
            dispatch_list_clear(f);
    }
    Py_DECREF(f);
    return rc < 0 ? FS_EPYTHON : FS_OK;
}

int inv_dispatch_later(FaasObject *f, int32_t slot)
{
    struct fs_fn *fn = &f->fns[slot];
    if (!fn->waiting.head || fn->dispatch_pending)
        return 0;
    if (!f->invs.dispatch_queued) {
        struct fs_sim *sim = &f->env->sim;
        int rc = fs_queue_push(&sim->queue, sim->now, FS_PRIO_LATE, dispatch_action, f);
        if (rc != FS_OK)
            return fs_raise_status(rc, "dispatch of the waiting requests");
        f->invs.dispatch_queued = 1;
    }
    fn->dispatch_pending = 1;
    fn->dispatch_next = 0;
    if (f->invs.dispatch_tail)
        f->fns[f->invs.dispatch_tail - 1].dispatch_next = slot + 1;
    else
        f->invs.dispatch_head = slot + 1;
    f->invs.dispatch_tail = slot + 1;
    return 0;
}

int inv_complete(FaasObject *f, struct fs_inv *inv, PyObject *exc)
{
    ReplicaObject *rep = inv->rep;
    struct fs_fn *fn = &f->fns[inv->fn];
    double now = f->env->sim.now;
    double t_wait = inv->t_start - inv->t_received, t_exec = now - inv->t_start;
    if (rep->routable)
        fs_lb_complete(&fn->lb, rep->id);
    rep->last_active = now;
    int rc = 0;
    if (exc) {
        fn->nfailed++;
        EventObject *done = inv->done;
        if (done && !done->value) {
            /* The error reaches run() once, from the hook's process or the
             * call that ran the hook; the event only tells its waiters. */
            rc = event_fail(done, exc);
            done->defused = 1;
        }
        if (rc == 0)
            rc = faas_replica_fail(rep, "invoke", exc);
        inv_free(f, inv);
        return rc;
    }
    fn->ncompleted++;
    PyObject *m = env_component(f->env, FS_COMP_METRICS);
    if (!m) {
        inv_free(f, inv);
        return -1;
    }
    rc = metrics_fast_path(f, m);
    if (rc == 0 && !f->invs.fast_stop) {
        RequestObject *req = inv_request(f, inv);
        PyObject *r = req ? PyObject_CallMethodObjArgs(m, f->st->str_log_stop_exec, (PyObject *)req, rep, NULL) : NULL;
        rc = r ? 0 : -1;
        Py_XDECREF(r);
    }
    if (rc == 0) {
        if (f->invs.fast_inv)
            rc = log_invocation_fast(f, (MetricsObject *)m, rep, t_wait, inv->t_start, t_exec);
        else {
            PyObject *node = replica_node_name(rep);
            PyObject *r = node ? PyObject_CallMethod(m, "log_invocation", "OOOdddI", f->fns[inv->fn].name, rep->image,
                                                     node, t_wait, inv->t_start, t_exec, rep->id)
                               : NULL;
            Py_XDECREF(node);
            rc = r ? 0 : -1;
            Py_XDECREF(r);
        }
    }
    Py_DECREF(m);
    EventObject *done = inv->done;
    if (rc == 0 && done && !done->value && (Py_REFCNT(done) > 1 || done->ncb || done->callbacks)) {
        /* Someone can see the event: give it a FunctionResponse. */
        PyObject *node = replica_node_name(rep);
        PyObject *resp = node ? PyObject_CallFunction(f->st->FunctionResponse, "LiddO", (long long)inv->request_id, 200,
                                                      t_wait, t_exec, node)
                              : NULL;
        Py_XDECREF(node);
        rc = resp ? event_succeed(done, resp) : -1;
        Py_XDECREF(resp);
    }
    if (rc < 0 && done && !done->value) {
        /* A metrics override (or the response) failed: the request's
         * waiters get the error too instead of waiting for ever; it reaches
         * run() once, from here (the event is defused). */
        PyObject *exc = fs_err_take();
        if (exc && event_fail(done, exc) == 0)
            done->defused = 1;
        else
            PyErr_Clear();
        if (exc)
            fs_err_restore(exc);
    }
    inv_free(f, inv);
    return rc;
}

/* ------------------------------------------------------------------ */
/* The timed list                                                       */

/* Take a record off the timed list (its timer entry is gone or firing). */
static void inv_timed_remove(struct fs_inv *inv)
{
    FaasObject *f = inv->faas;
    if (inv->prev)
        inv->prev->next = inv->next;
    else
        f->invs.timed = inv->next;
    if (inv->next)
        inv->next->prev = inv->prev;
    inv->next = inv->prev = NULL;
    inv->tracked = 0;
}

/* The C action of every timed record: off the list, then its own step. */
static int timer_action(struct fs_sim *sim, void *data)
{
    (void)sim;
    struct fs_inv *inv = (struct fs_inv *)data;
    inv_fire_fn fire = inv->on_timer;
    inv_timed_remove(inv);
    return fire(inv);
}

int inv_timed_push(FaasObject *f, struct fs_inv *inv, double t, inv_fire_fn fire)
{
    int rc = fs_queue_push(&f->env->sim.queue, t, FS_PRIO_NORMAL, timer_action, inv);
    if (rc != FS_OK)
        return rc;
    inv->on_timer = fire;
    inv->prev = NULL;
    inv->next = f->invs.timed;
    if (f->invs.timed)
        f->invs.timed->prev = inv;
    f->invs.timed = inv;
    inv->tracked = 1;
    return FS_OK;
}

/* Processor sharing: a job of f->share whose data is the record. The
 * record is on the timed list as a timer's is (so the platform's traversal
 * and teardown know it); the share engine reports the job's completion
 * here. */
int inv_share_push(FaasObject *f, struct fs_inv *inv, int64_t node, const double *demand, double work, inv_fire_fn fire)
{
    int32_t job;
    if (!f->share || node < 0 || node > INT32_MAX)
        return FS_SHARE_ENODE;
    int32_t group = inv->rep && inv->rep->id <= INT32_MAX ? (int32_t)inv->rep->id : -1;
    int rc = fs_share_start(f->share, (int32_t)node, demand, work, group, inv, &job);
    if (rc != FS_OK)
        return rc;
    inv->on_timer = fire;
    inv->prev = NULL;
    inv->next = f->invs.timed;
    if (f->invs.timed)
        f->invs.timed->prev = inv;
    f->invs.timed = inv;
    inv->tracked = 1;
    return FS_OK;
}

int inv_share_done(void *ctx, struct fs_share *sh, int32_t job, void *data)
{
    (void)ctx;
    (void)sh;
    (void)job;
    struct fs_inv *inv = (struct fs_inv *)data;
    inv_fire_fn fire = inv->on_timer;
    inv_timed_remove(inv);
    return fire(inv);
}

/* The default (C) invoke of a request with a recorded execution time: the
 * record waits on a C timer, on the platform's timed list (as a watchdog's
 * execute step does), then completes. */
static int exec_timer_fire(struct fs_inv *inv)
{
    FaasObject *f = inv->faas;
    Py_INCREF(f);
    int rc = inv_complete(f, inv, NULL);
    Py_DECREF(f);
    return rc < 0 ? FS_EPYTHON : FS_OK;
}

static int exec_timer_start(FaasObject *f, struct fs_inv *inv)
{
    int rc = inv_timed_push(f, inv, f->env->sim.now + inv->exec_time, exec_timer_fire);
    if (rc != FS_OK) {
        PyObject *exc;
        fs_raise_status(rc, "execution timer");
        exc = fs_err_take();
        rc = inv_complete(f, inv, exc);
        if (rc == 0)
            fs_err_restore(Py_NewRef(exc));
        Py_DECREF(exc);
        return -1;
    }
    return 0;
}

/* Send the record to rep: invoke hook, then complete (now, or when the
 * hook's process ends). */
static int inv_dispatch(FaasObject *f, struct fs_inv *inv, ReplicaObject *rep)
{
    struct fs_fn *fn = &f->fns[inv->fn];
    inv->rep = (ReplicaObject *)Py_NewRef(rep);
    inv->t_start = f->env->sim.now;
    int rc = fs_lb_dispatch(&fn->lb, rep->id);
    if (rc != FS_OK) {
        inv_free(f, inv);
        return fs_raise_status(rc, "dispatch");
    }
    fn->ninvoked++;
    fn->last_invocation = inv->t_start;
    rep->last_active = inv->t_start;
    SimulatorObject *sim = (SimulatorObject *)rep->simulator;
    int o = simulator_hook_overridden(sim, FS_HOOK_INVOKE);
    PyObject *m = NULL;
    if (o >= 0) {
        m = env_component(f->env, FS_COMP_METRICS);
        if (!m || metrics_fast_path(f, m) < 0)
            o = -1;
    }
    if (o >= 0 && !f->invs.fast_start) {
        RequestObject *req = inv_request(f, inv);
        PyObject *r = req ? PyObject_CallMethodObjArgs(m, f->st->str_log_start_exec, (PyObject *)req, rep, NULL) : NULL;
        if (!r)
            o = -1;
        Py_XDECREF(r);
    }
    Py_XDECREF(m);
    fn = &f->fns[inv->fn]; /* Python code may have grown f->fns */
    if (o < 0) {
        if (rep->routable)
            fs_lb_complete(&fn->lb, rep->id);
        inv_free(f, inv);
        return -1;
    }
    if (!o) {
        if (sim->c_invoke) /* a built-in simulator's own C invoke (a watchdog) */
            return sim->c_invoke(inv);
        /* The C invoke takes no time, or the request's recorded one. */
        return inv->exec_time > 0 ? exec_timer_start(f, inv) : inv_complete(f, inv, NULL);
    }
    RequestObject *req = inv_request(f, inv);
    if (!req) {
        if (rep->routable)
            fs_lb_complete(&fn->lb, rep->id);
        inv_free(f, inv);
        return -1;
    }
    PyObject *args[2] = {(PyObject *)rep, (PyObject *)req};
    PyObject *wait_on;
    rc = simulator_call_hook(sim, FS_HOOK_INVOKE, f->env, args, &wait_on); /* re-entrancy point */
    if (rc < 0) {
        PyObject *exc = fs_err_take();
        rc = inv_complete(f, inv, exc);
        if (rc == 0 && f->raise_hook_errors) {
            fs_err_restore(exc);
            return -1;
        }
        Py_DECREF(exc);
        return rc;
    }
    if (rc == 0)
        return inv_complete(f, inv, NULL);
    EventObject *ev = (EventObject *)wait_on;
    if (ev->processed) {
        rc = ev->ok ? inv_complete(f, inv, NULL) : inv_complete(f, inv, ev->value);
        if (rc == 0 && !ev->ok && f->raise_hook_errors) {
            raise_exception_object(ev->value);
            rc = -1;
        }
        Py_DECREF(wait_on);
        return rc;
    }
    rc = event_add_ccb(ev, FS_CB_INVOKED, (PyObject *)req);
    Py_DECREF(wait_on);
    return rc;
}

int faas_invoked_cb(RequestObject *req, EventObject *ev)
{
    struct fs_inv *inv = req->inv;
    if (!inv || !inv->rep || !inv->rep->faas)
        return 0;
    FaasObject *f = inv->rep->faas;
    Py_INCREF(f);
    int rc;
    if (ev->ok)
        rc = inv_complete(f, inv, NULL);
    else {
        rc = inv_complete(f, inv, ev->value);
        if (rc == 0 && !f->raise_hook_errors)
            ev->defused = 1;
    }
    Py_DECREF(f);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Entry points of the platform                                         */

int faas_invoke_native(FaasObject *f, int32_t slot, double exec_time)
{
    struct fs_inv *inv = inv_alloc(f);
    if (!inv)
        return -1;
    inv->fn = slot;
    inv->exec_time = exec_time;
    inv->request_id = f->invs.next_request_id++;
    inv->t_received = f->env->sim.now;
    return inv_submit(f, inv);
}

PyObject *inv_invoke(FaasObject *f, RequestObject *req, int32_t slot)
{
    struct fs_inv *inv = inv_alloc(f);
    if (!inv)
        return NULL;
    EventObject *done = event_alloc(f->st->Event_type, f->env);
    if (!done) {
        inv->next = f->invs.free;
        f->invs.free = inv;
        return NULL;
    }
    if (req->request_id < 0)
        req->request_id = f->invs.next_request_id++;
    inv->fn = slot;
    inv->request_id = req->request_id;
    inv->exec_time = req->exec_time;
    inv->t_received = f->env->sim.now;
    inv->req = (RequestObject *)Py_NewRef((PyObject *)req);
    req->inv = inv;
    inv->done = (EventObject *)Py_NewRef((PyObject *)done);
    if (inv_submit(f, inv) < 0) {
        Py_DECREF(done);
        return NULL;
    }
    return (PyObject *)done;
}

int inv_fail_waiting(FaasObject *f, int32_t slot, PyObject *reason, int count)
{
    struct fs_fn *fn = &f->fns[slot];
    while (fn->waiting.head) {
        struct fs_inv *inv = fn->waiting.head;
        fn->waiting.head = inv->next;
        fn->waiting.n--;
        if (!fn->waiting.head)
            fn->waiting.tail = NULL;
        if (count) {
            fn->nfailed++;
            fn->nunserved++;
        }
        EventObject *done = inv->done;
        if (done && !done->value) {
            PyObject *exc = PyObject_CallOneArg(PyExc_LookupError, reason);
            int rc = exc ? event_fail(done, exc) : -1;
            Py_XDECREF(exc);
            if (rc < 0) {
                inv_free(f, inv);
                return -1;
            }
            /* nobody waits, failures are recorded rather than raised, or the
             * cause reached run() already */
            if ((Py_REFCNT(done) == 1 && !done->ncb && !done->callbacks) || !f->raise_hook_errors || count)
                done->defused = 1;
        }
        inv_free(f, inv);
        fn = &f->fns[slot];
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Garbage collection and teardown                                      */

int inv_traverse(FaasObject *f, visitproc visit, void *arg)
{
    for (int32_t i = 0; i < f->nfns; i++)
        for (struct fs_inv *inv = f->fns[i].waiting.head; inv; inv = inv->next) {
            Py_VISIT((PyObject *)inv->req);
            Py_VISIT((PyObject *)inv->done);
        }
    Py_VISIT(f->invs.fast_for);
    for (struct fs_inv *inv = f->invs.timed; inv; inv = inv->next) {
        Py_VISIT((PyObject *)inv->req);
        Py_VISIT((PyObject *)inv->done);
        Py_VISIT((PyObject *)inv->rep);
    }
    return 0;
}

static int timer_of(const struct fs_entry *e, void *ctx)
{
    return e->fn == timer_action && ((struct fs_inv *)e->data)->faas == ctx;
}

static int dispatch_entry_of(const struct fs_entry *e, void *ctx)
{
    return e->fn == dispatch_action && e->data == ctx;
}

void inv_clear(FaasObject *f)
{
    /* Records on a C timer or on the processor sharing: cancel the timers
     * and the sharing (its entries leave the queue), then drop the records. */
    if (f->invs.timed && f->env)
        fs_queue_remove_if(&f->env->sim.queue, timer_of, f);
    if (f->share) {
        struct fs_share *sh = f->share;
        f->share = NULL;
        fs_share_free(sh);
    }
    while (f->invs.timed) {
        struct fs_inv *inv = f->invs.timed;
        f->invs.timed = inv->next;
        inv->tracked = 0;
        inv_free(f, inv);
    }
    for (int32_t i = 0; i < f->nfns; i++) {
        struct fs_fn *fn = &f->fns[i];
        while (fn->waiting.head) {
            struct fs_inv *inv = fn->waiting.head;
            fn->waiting.head = inv->next;
            inv_free(f, inv);
        }
        fn->waiting.tail = NULL;
        fn->waiting.n = 0;
    }
    /* The end-of-instant entry points to the platform: take it back. */
    if (f->invs.dispatch_queued && f->env)
        fs_queue_remove_if(&f->env->sim.queue, dispatch_entry_of, f);
    f->invs.dispatch_queued = 0;
    dispatch_list_clear(f);
    Py_CLEAR(f->invs.fast_for);
}

void inv_free_pool(FaasObject *f)
{
    while (f->invs.free) {
        struct fs_inv *inv = f->invs.free;
        f->invs.free = inv->next;
        PyMem_Free(inv);
    }
}
