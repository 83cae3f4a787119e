/* environment.c: faassim.Environment, the clock and the run loop.
 *
 * The queue holds C entries (fs_queue); entries with fn == NULL carry a
 * strong reference to a Python event, the others are C actions that run
 * without Python. run() holds a reference to the environment, refuses to be
 * re-entered from inside the simulation and checks for signals every
 * FS_SIGNAL_CHECK_EVERY events so that Ctrl-C stops a long run with the
 * environment still usable.
 *
 * Ctrl-C between events: while run() runs (in the main thread, with
 * Python's default SIGINT handler in place), SIGINT's C-level handler only
 * notes the interrupt, so that KeyboardInterrupt never lands inside a
 * process or a platform hook (where it would end the hook: a FAILED replica,
 * a failed request, a model changed by the interrupt). The loop raises
 * KeyboardInterrupt after the event that was running, and run() can resume
 * as if nothing happened. A second Ctrl-C before that goes to CPython's
 * handler and raises where it lands (for code stuck inside one event). */
#include "environment.h"
#include "event.h"

#include <math.h>
#include <signal.h>

#define FS_SIGNAL_CHECK_EVERY 4096

int env_parse_delay(PyObject *obj, double *out, const char *who)
{
    double d;
    if (PyFloat_CheckExact(obj))
        d = PyFloat_AS_DOUBLE(obj);
    else if ((d = PyFloat_AsDouble(obj)) == -1.0 && PyErr_Occurred()) {
        if (PyErr_ExceptionMatches(PyExc_TypeError)) {
            PyErr_Clear();
            PyErr_Format(PyExc_TypeError, "%s: delay must be a real number, not %.100s (%R)", who,
                         Py_TYPE(obj)->tp_name, obj);
        }
        return -1;
    }
    if (isnan(d)) {
        PyErr_Format(PyExc_ValueError, "%s: delay is NaN (%R); expected a finite number >= 0", who, obj);
        return -1;
    }
    if (d < 0) {
        PyErr_Format(PyExc_ValueError, "%s: Negative delay %R; expected a finite number >= 0", who, obj);
        return -1;
    }
    if (isinf(d)) {
        PyErr_Format(PyExc_ValueError, "%s: infinite delay %R; expected a finite number >= 0", who, obj);
        return -1;
    }
    *out = d;
    return 0;
}

/* Integer times. SimPy's clock is whatever `initial_time + delay + ...`
 * gives in Python: an int while the initial time and every delay on the way
 * are ints. The clock here is a double (the queue's order stays one number),
 * and a tag bit on each queue entry says "this time is an int". Doubles hold
 * every integer below 2^53 exactly, so integer times below 2^53 are exact
 * and ordered exactly; an integer time of magnitude 2^53 or more becomes a
 * float (as if a float delay had been involved). The sum of two ints below
 * 2^53 is below 2^53 iff its rounded double is (2^53 is a double), so
 * checking the computed time is enough. */
#define FS_INT_EXACT 9007199254740992.0 /* 2^53 */

/* Is obj an integer (an int, bool or int subclass, as in SimPy's arithmetic,
 * or an object with __index__ such as a NumPy integer, whose sums with ints
 * print as ints) whose value d is exact in a double (|d| < 2^53)? */
static inline int env_int_exact(PyObject *obj, double d)
{
    return (PyLong_Check(obj) || PyIndex_Check(obj)) && fabs(d) < FS_INT_EXACT;
}

/* A time as a Python number: an int for an integer time. */
static PyObject *env_time_object(double t, int is_int)
{
    return is_int ? PyLong_FromDouble(t) : PyFloat_FromDouble(t);
}

int env_schedule_delay(EnvironmentObject *env, EventObject *ev, int priority, double delay, int int_delay)
{
    double t = env->sim.now + delay;
    if (!isfinite(t)) {
        PyObject *d = PyFloat_FromDouble(delay), *n = d ? PyFloat_FromDouble(env->sim.now) : NULL;
        if (n)
            PyErr_Format(PyExc_OverflowError,
                         "a delay of %R from now = %R overflows simulated time to infinity; expected now + delay "
                         "finite",
                         d, n);
        Py_XDECREF(d);
        Py_XDECREF(n);
        return -1;
    }
    unsigned tag = env->sim.now_int && int_delay && fabs(t) < FS_INT_EXACT;
    int rc = fs_queue_push_tagged(&env->sim.queue, t, priority, tag, NULL, ev);
    if (rc != FS_OK)
        return fs_raise_status(rc, "Environment.schedule()");
    Py_INCREF(ev); /* owned by the queue until popped */
    return 0;
}

/* ------------------------------------------------------------------ */

/* Is the int obj in [0, 2**64)? Then store it in *out. Never raises. */
static int env_seed_in_range(PyObject *obj, uint64_t *out)
{
    unsigned long long v = PyLong_AsUnsignedLongLong(obj);
    if (v == (unsigned long long)-1 && PyErr_Occurred()) {
        PyErr_Clear();
        return 0;
    }
    *out = (uint64_t)v;
    return 1;
}

static PyObject *Environment_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    (void)args;
    (void)kwds;
    faassim_state *st = faassim_state_from_type(type);
    if (!st)
        return NULL;
    EnvironmentObject *self = (EnvironmentObject *)type->tp_alloc(type, 0);
    if (!self)
        return NULL;
    self->st = st;
    if (fs_sim_init(&self->sim, 0.0) != FS_OK) {
        Py_DECREF(self);
        return PyErr_NoMemory();
    }
    self->sim.now_int = 1; /* SimPy's default initial time is the int 0 */
    self->seed = Py_NewRef(Py_None);
    st->live_environments++;
    /* The random source exists from here on, even for a subclass that never
     * calls Environment.__init__: started from the seed keyword when it is
     * a valid one (so that Environment(seed=s) does not read os.urandom for
     * nothing), from os.urandom otherwise; __init__ reseeds from its seed. */
    uint64_t s;
    PyObject *given = kwds ? PyDict_GetItemString(kwds, "seed") : NULL; /* borrowed */
    if (!(given && PyLong_CheckExact(given) && env_seed_in_range(given, &s)) &&
        random_parse_seed(st, Py_None, &s, "Environment()") < 0) {
        Py_DECREF(self);
        return NULL;
    }
    self->rng = random_new_seeded(st, s);
    if (!self->rng) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

static int Environment_init(EnvironmentObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"initial_time", "seed", NULL};
    PyObject *initial = NULL, *seed = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O$O:Environment", kwlist, &initial, &seed))
        return -1;
    double t = 0.0;
    int t_int = 1;
    if (initial) {
        t = PyFloat_AsDouble(initial);
        if (t == -1.0 && PyErr_Occurred()) {
            PyErr_Format(PyExc_TypeError, "Environment(): initial_time must be a real number, not %.100s (%R)",
                         Py_TYPE(initial)->tp_name, initial);
            return -1;
        }
        if (!isfinite(t)) {
            PyErr_Format(PyExc_ValueError, "Environment(): initial_time must be finite, got %R", initial);
            return -1;
        }
        t_int = env_int_exact(initial, t);
    }
    uint64_t s = 0;
    if (seed != Py_None && random_parse_seed(self->st, seed, &s, "Environment()") < 0)
        return -1;
    if (!fs_queue_empty(&self->sim.queue)) {
        PyErr_SetString(PyExc_RuntimeError, "Environment.__init__() called on an environment that has events");
        return -1;
    }
    self->sim.now = t;
    self->sim.now_int = t_int;
    Py_SETREF(self->seed, Py_NewRef(seed));
    if (seed != Py_None) /* seed None: keep the os.urandom seed drawn in tp_new */
        fs_rng_seed(env_rng(self), s);
    return 0;
}

/* Hand every Python event still in the queue back (DECREF) and drop C
 * actions. The array is detached first: a DECREF may run arbitrary code. */
static void env_drain_queue(EnvironmentObject *self)
{
    struct fs_queue *q = &self->sim.queue;
    size_t n = q->len;
    if (n == 0)
        return;
    struct fs_entry *copy = PyMem_Malloc(n * sizeof *copy);
    if (copy) {
        memcpy(copy, q->heap, n * sizeof *copy);
        q->len = 0;
        for (size_t i = 0; i < n; i++)
            if (!copy[i].fn)
                Py_DECREF((PyObject *)copy[i].data);
        PyMem_Free(copy);
    }
    else {
        /* No memory for a copy: pop one by one (still safe: each pop is
         * complete before the DECREF runs). */
        struct fs_entry e;
        while (fs_queue_pop(q, &e) == FS_OK)
            if (!e.fn)
                Py_DECREF((PyObject *)e.data);
    }
}

static int Environment_traverse(EnvironmentObject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(self->active_process);
    Py_VISIT(self->seed);
    Py_VISIT(self->dict);
    Py_VISIT(self->stop_value);
    for (int i = 0; i < FS_NCOMP; i++)
        Py_VISIT(self->comp[i]);
    Py_VISIT(self->native_owners);
    struct fs_queue *q = &self->sim.queue;
    for (size_t i = 0; i < q->len; i++)
        if (!q->heap[i].fn)
            Py_VISIT((PyObject *)q->heap[i].data);
    return 0;
}

static int Environment_clear(EnvironmentObject *self)
{
    Py_CLEAR(self->active_process);
    Py_CLEAR(self->seed);
    Py_CLEAR(self->dict);
    Py_CLEAR(self->stop_value);
    for (int i = 0; i < FS_NCOMP; i++)
        Py_CLEAR(self->comp[i]);
    env_drain_queue(self);
    Py_CLEAR(self->native_owners); /* after the drain: queued C actions point into them */
    return 0;
}

static void Environment_dealloc(EnvironmentObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    if (self->weaklist)
        PyObject_ClearWeakRefs((PyObject *)self);
    Environment_clear(self);
    Py_CLEAR(self->rng); /* not in tp_clear: env_rng() must stay valid until here */
    fs_sim_free(&self->sim);
    if (self->st)
        self->st->live_environments--;
    tp->tp_free(self);
    Py_DECREF(tp);
}

/* ------------------------------------------------------------------ */
/* The loop                                                             */

/* Process one entry. Returns 1 if one was processed, 0 if the queue is
 * empty, -1 on error (exception set). */
static inline int env_step_once(EnvironmentObject *env)
{
    struct fs_entry e;
    if (fs_queue_pop(&env->sim.queue, &e) != FS_OK)
        return 0;
    env->sim.now = e.time;
    env->sim.now_int = (int)fs_entry_tag(&e);
    if (e.fn) {
        int rc = e.fn(&env->sim, e.data);
        if (rc == FS_EPYTHON)
            return -1;
        if (rc != FS_OK)
            return fs_raise_status(rc, "C action");
        return 1;
    }
    EventObject *ev = (EventObject *)e.data; /* reference owned by us now */
    int rc = event_process(env, ev);
    Py_DECREF(ev);
    return rc < 0 ? -1 : 1;
}

/* Ctrl-C while run() defers it: a C-level SIGINT handler that notes the
 * interrupt while a run is active (main thread, Python's default SIGINT
 * handler only) and hands the signal to CPython's handler otherwise. Once
 * put in place it stays (so that a run costs no system call to set it), and
 * is put again when CPython's handler came back (signal.signal). A second
 * Ctrl-C within one event also goes to CPython's handler, so that Python's
 * KeyboardInterrupt lands wherever the code is (a hook stuck inside one
 * event). */
static volatile sig_atomic_t fs_sigint_noted, fs_sigint_active;
static PyOS_sighandler_t fs_sigint_previous;

static void fs_sigint_handler(int signum)
{
    if (fs_sigint_active && !fs_sigint_noted) {
        fs_sigint_noted = 1;
        return;
    }
    PyOS_sighandler_t prev = fs_sigint_previous;
    if (prev != SIG_DFL && prev != SIG_IGN && prev != SIG_ERR && prev)
        prev(signum);
}

/* The KeyboardInterrupt of a Ctrl-C noted while the last event ran (-1), or
 * 0. */
static int env_take_interrupt(EnvironmentObject *env)
{
    (void)env;
    if (!fs_sigint_noted)
        return 0;
    fs_sigint_noted = 0;
    PyErr_SetNone(PyExc_KeyboardInterrupt);
    return -1;
}

/* Defer Ctrl-C for this run if this is the main thread and SIGINT's
 * Python-level handler is Python's default one; 1 if deferred, 0 if not.
 * Never fails: where it cannot, Ctrl-C works as before. */
static int sigint_defer(void)
{
    if (!_PyOS_IsMainThread())
        return 0;
    PyOS_sighandler_t now = PyOS_getsig(SIGINT);
    if (now == fs_sigint_handler) { /* still ours: nobody called signal.signal since */
        fs_sigint_noted = 0;
        fs_sigint_active = 1;
        return 1;
    }
    if (now == SIG_ERR || now == SIG_DFL || now == SIG_IGN)
        return 0;
    /* Reached only when the handler is not ours (the first run, or after
     * signal.signal): is Python's SIGINT handler the default one? */
    PyObject *mod = PyImport_ImportModule("signal");
    PyObject *cur = mod ? PyObject_CallMethod(mod, "getsignal", "i", SIGINT) : NULL;
    PyObject *dfl = mod ? PyObject_GetAttrString(mod, "default_int_handler") : NULL;
    int dflt = cur && cur == dfl;
    Py_XDECREF(cur);
    Py_XDECREF(dfl);
    Py_XDECREF(mod);
    PyErr_Clear();
    if (!dflt)
        return 0;
    fs_sigint_previous = now; /* CPython's handler */
    if (PyOS_setsig(SIGINT, fs_sigint_handler) == SIG_ERR)
        return 0;
    fs_sigint_noted = 0;
    fs_sigint_active = 1;
    return 1;
}

/* The run is over: Ctrl-C goes to CPython's handler again. */
static void sigint_restore(void)
{
    fs_sigint_active = 0;
}

/* Run until the queue is empty or the stop flag is set. Returns 1 when
 * stopped, 0 when the queue ran empty, -1 on error. */
static int env_loop(EnvironmentObject *env)
{
    unsigned counter = 0;
    for (;;) {
        int rc = env_step_once(env);
        if (rc <= 0)
            return rc;
        if (env_take_interrupt(env) < 0)
            return -1;
        if (env->stop)
            return 1;
        if (++counter == FS_SIGNAL_CHECK_EVERY) {
            counter = 0;
            if (PyErr_CheckSignals() < 0 || env_take_interrupt(env) < 0)
                return -1;
        }
    }
}

/* SimPy's run() is a loop over self.step(), so code that replaces step on
 * the instance (SimPy's monitoring recipe) or overrides it in a subclass
 * (real-time pacing) sees every event. run() checks for such a step once
 * per call and then loops through it; otherwise it runs the C loop. Sets
 * *out to the bound step (new reference) when it is overridden, else NULL;
 * -1 on error. */
static int env_step_override(EnvironmentObject *self, PyObject **out)
{
    *out = NULL;
    faassim_state *st = self->st;
    if (Py_TYPE(self) == st->Environment_type && !self->dict)
        return 0; /* the common case: no lookup */
    PyObject *name = PyUnicode_InternFromString("step");
    if (!name)
        return -1;
    int overridden = 0;
    if (self->dict) {
        overridden = PyDict_GetItemWithError(self->dict, name) != NULL;
        if (!overridden && PyErr_Occurred()) {
            Py_DECREF(name);
            return -1;
        }
    }
    if (!overridden && Py_TYPE(self) != st->Environment_type)
        overridden = _PyType_Lookup(Py_TYPE(self), name) != _PyType_Lookup(st->Environment_type, name);
    if (overridden)
        *out = PyObject_GetAttr((PyObject *)self, name);
    Py_DECREF(name);
    return overridden && !*out ? -1 : 0;
}

/* The loop of run() through an overridden step: until step() raises
 * EmptySchedule (returns 0), the until-callback stops the run (1), or an
 * error (-1). */
static int env_loop_steps(EnvironmentObject *env, PyObject *step)
{
    unsigned counter = 0;
    for (;;) {
        PyObject *r = PyObject_CallNoArgs(step); /* calls into Python */
        if (!r) {
            if (PyErr_ExceptionMatches(env->st->EmptySchedule)) {
                PyErr_Clear();
                return 0;
            }
            return -1;
        }
        Py_DECREF(r);
        if (env_take_interrupt(env) < 0)
            return -1;
        if (env->stop)
            return 1;
        if (++counter == FS_SIGNAL_CHECK_EVERY) {
            counter = 0;
            if (PyErr_CheckSignals() < 0 || env_take_interrupt(env) < 0)
                return -1;
        }
    }
}

static int env_refuse(EnvironmentObject *env, const char *what)
{
    (void)env;
    PyErr_Format(PyExc_RuntimeError,
                 "Environment.%s() called while the environment is already running (from inside a process "
                 "or callback); yield an event instead of re-entering the simulation",
                 what);
    return -1;
}

static int env_enter(EnvironmentObject *env, const char *what)
{
    if (env->running)
        return env_refuse(env, what);
    env->running = 1;
    return 0;
}

PyDoc_STRVAR(run_doc, "run(until=None)\n--\n\n"
                      "Process events until *until*: None runs until no event is left; a number runs\n"
                      "until the clock reaches it (events at exactly that time are not processed);\n"
                      "an event runs until it is processed and returns its value.");

static PyObject *environment_run(EnvironmentObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"until", NULL};
    PyObject *until = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O:run", kwlist, &until))
        return NULL;
    faassim_state *st = self->st;
    EventObject *until_ev = NULL;
    if (self->running || self->run_steps) { /* refuse before touching the queue */
        env_refuse(self, "run");
        return NULL;
    }
    if (until != Py_None) {
        if (Event_Check(st, until)) {
            until_ev = (EventObject *)until;
            if (event_check_init(until_ev) < 0)
                return NULL;
            if (until_ev->processed) {
                if (!until_ev->value) /* cannot happen: processed implies triggered */
                    Py_RETURN_NONE;
                return Py_NewRef(until_ev->value);
            }
            Py_INCREF(until_ev);
        }
        else {
            double at = PyFloat_AsDouble(until);
            if (at == -1.0 && PyErr_Occurred() && PyErr_ExceptionMatches(PyExc_TypeError)) {
                /* SimPy takes float(until): a numeric string too */
                PyErr_Clear();
                PyObject *f = PyNumber_Float(until);
                if (f) {
                    at = PyFloat_AS_DOUBLE(f);
                    Py_DECREF(f);
                }
            }
            if (at == -1.0 && PyErr_Occurred()) {
                PyErr_Format(PyExc_TypeError, "run(): until must be None, a number or an event, not %.100s (%R)",
                             Py_TYPE(until)->tp_name, until);
                return NULL;
            }
            if (isnan(at)) {
                PyErr_Format(PyExc_ValueError, "run(): until is NaN (%R)", until);
                return NULL;
            }
            if (at <= self->sim.now) {
                PyObject *now = env_time_object(self->sim.now, self->sim.now_int);
                if (now)
                    PyErr_Format(PyExc_ValueError,
                                 "until (%R) must be greater than the current simulation time (now=%R)", until, now);
                Py_XDECREF(now);
                return NULL;
            }
            if (isinf(at))
                goto start; /* run(until=inf): the same as run() */
            until_ev = event_alloc(st->Event_type, self);
            if (!until_ev)
                return NULL;
            until_ev->ok = 1;
            until_ev->value = Py_NewRef(Py_None);
            /* SimPy: an int until stays an int, anything else is float(until) */
            if (env_schedule_delay(self, until_ev, FS_PRIO_URGENT, at - self->sim.now, env_int_exact(until, at)) < 0) {
                Py_DECREF(until_ev);
                return NULL;
            }
        }
        if (event_add_ccb(until_ev, FS_CB_STOP, (PyObject *)self) < 0) {
            Py_DECREF(until_ev);
            return NULL;
        }
    }
start:;
    PyObject *step;
    if (env_step_override(self, &step) < 0) {
        Py_XDECREF(until_ev);
        return NULL;
    }
    int rc;
    Py_INCREF(self); /* keep the environment alive while it runs */
    self->stop = 0;
    int deferred = self->running || self->run_steps ? 0 : sigint_defer();
    if (step) {
        /* step() enters and leaves the environment for each event; run_steps
         * refuses a nested run() and keeps the stop request step() sees. */
        self->run_steps = 1;
        rc = env_loop_steps(self, step);
        self->run_steps = 0;
        Py_DECREF(step);
    }
    else {
        if (env_enter(self, "run") < 0) {
            if (deferred)
                sigint_restore();
            Py_XDECREF(until_ev);
            Py_DECREF(self);
            return NULL;
        }
        rc = env_loop(self);
        self->running = 0;
    }
    if (deferred) {
        sigint_restore();
        if (rc >= 0 && fs_sigint_noted) { /* noted in the last event: the run is done, say it now */
            fs_sigint_noted = 0;
            if (rc == 1) {
                self->stop = 0;
                Py_CLEAR(self->stop_value);
            }
            PyErr_SetNone(PyExc_KeyboardInterrupt);
            rc = -1;
        }
    }
    PyObject *result = NULL;
    if (rc == 1) {
        self->stop = 0;
        result = self->stop_value ? self->stop_value : Py_NewRef(Py_None);
        self->stop_value = NULL;
    }
    else if (rc == 0) {
        if (until_ev)
            PyErr_Format(PyExc_RuntimeError, "No scheduled events left but \"until\" event was not triggered: %R",
                         until_ev);
        else
            result = Py_NewRef(Py_None);
    }
    /* A run that ends in an error leaves its until event pending; its stop
     * request belongs to this run only, so that a resumed run(until=...)
     * runs to its own target (SimPy's would stop at the stale one). */
    if (!result && until_ev && !until_ev->processed) {
        PyObject *exc = fs_err_take();
        if (event_remove_ccb(until_ev, FS_CB_STOP, (PyObject *)self) < 0)
            PyErr_Clear(); /* a callbacks list changed by hand: leave it as it is */
        fs_err_restore(exc);
    }
    Py_XDECREF(until_ev);
    Py_DECREF(self);
    return result;
}

PyDoc_STRVAR(step_doc, "step()\n--\n\nProcess the next event. Raise EmptySchedule if there is none.");

static PyObject *environment_step(EnvironmentObject *self, PyObject *Py_UNUSED(ignored))
{
    if (env_enter(self, "step") < 0)
        return NULL;
    Py_INCREF(self);
    int rc = env_step_once(self);
    self->running = 0;
    /* An until-callback left by an earlier run() may fire here; step() has
     * no value to return, so the stop request is dropped, unless run() is
     * looping through an overridden step() that called this one. */
    if (!self->run_steps) {
        self->stop = 0;
        Py_CLEAR(self->stop_value);
    }
    Py_DECREF(self);
    if (rc < 0)
        return NULL;
    if (rc == 0) {
        PyErr_SetNone(self->st->EmptySchedule);
        return NULL;
    }
    Py_RETURN_NONE;
}

PyDoc_STRVAR(peek_doc, "peek()\n--\n\nTime of the next scheduled event, or inf if there is none.");

static PyObject *environment_peek(EnvironmentObject *self, PyObject *Py_UNUSED(ignored))
{
    const struct fs_entry *e = fs_queue_peek(&self->sim.queue);
    return e ? env_time_object(e->time, (int)fs_entry_tag(e)) : PyFloat_FromDouble(INFINITY);
}

PyDoc_STRVAR(schedule_doc, "schedule(event, priority=NORMAL, delay=0)\n--\n\n"
                           "Schedule *event* for processing at now + delay with *priority*\n"
                           "(URGENT=0 before NORMAL=1 at equal times, then insertion order).");

static PyObject *environment_schedule(EnvironmentObject *self, PyObject *const *args, Py_ssize_t nargs,
                                      PyObject *kwnames)
{
    static const char *const names[] = {"event", "priority", "delay"};
    PyObject *a[3];
    if (fs_parse_args("schedule", args, nargs, kwnames, names, 3, 1, a) < 0)
        return NULL;
    PyObject *event = a[0], *prio = a[1], *delay_obj = a[2];
    if (!Event_Check(self->st, event)) {
        PyErr_Format(PyExc_TypeError, "schedule(): expected an Event, got %.100s (%R)", Py_TYPE(event)->tp_name, event);
        return NULL;
    }
    EventObject *ev = (EventObject *)event;
    if (event_check_init(ev) < 0)
        return NULL;
    if (ev->env != self) {
        PyErr_Format(PyExc_ValueError, "schedule(): %R belongs to another environment", event);
        return NULL;
    }
    int priority = FS_PRIO_NORMAL;
    if (prio) {
        long p = PyLong_AsLong(prio);
        if (p == -1 && PyErr_Occurred()) {
            PyErr_Format(PyExc_TypeError, "schedule(): priority must be an int (URGENT=0, NORMAL=1), not %R", prio);
            return NULL;
        }
        if (p < FS_PRIORITY_MIN || p > FS_PRIORITY_MAX) {
            PyErr_Format(PyExc_ValueError, "schedule(): priority %ld out of range [%d, %d]", p, FS_PRIORITY_MIN,
                         FS_PRIORITY_MAX);
            return NULL;
        }
        priority = (int)p;
    }
    double delay = 0.0;
    if (delay_obj && env_parse_delay(delay_obj, &delay, "schedule()") < 0)
        return NULL;
    if (env_schedule_delay(self, ev, priority, delay, !delay_obj || env_int_exact(delay_obj, delay)) < 0)
        return NULL;
    Py_RETURN_NONE;
}

PyDoc_STRVAR(timeout_doc, "timeout(delay=0, value=None)\n--\n\n"
                          "Return a Timeout event that is processed *delay* seconds from now\n"
                          "with *value*.");

static PyObject *environment_timeout(EnvironmentObject *self, PyObject *const *args, Py_ssize_t nargs,
                                     PyObject *kwnames)
{
    PyObject *delay_obj = nargs >= 1 ? args[0] : NULL, *value = nargs == 2 ? args[1] : Py_None;
    if (kwnames || nargs > 2) { /* the common call is timeout(delay): no parsing */
        static const char *const names[] = {"delay", "value"};
        PyObject *a[2];
        if (fs_parse_args("timeout", args, nargs, kwnames, names, 2, 0, a) < 0)
            return NULL;
        delay_obj = a[0];
        value = a[1] ? a[1] : Py_None;
    }
    double delay = 0.0;
    int int_delay = 1; /* SimPy's default delay is the int 0 */
    if (delay_obj) {
        if (PyFloat_CheckExact(delay_obj) && PyFloat_AS_DOUBLE(delay_obj) >= 0 &&
            isfinite(PyFloat_AS_DOUBLE(delay_obj))) {
            delay = PyFloat_AS_DOUBLE(delay_obj);
            int_delay = 0;
        }
        else if (PyLong_CheckExact(delay_obj) && Py_SIZE(delay_obj) >= 0 && Py_SIZE(delay_obj) <= 1)
            delay = PyLong_AsDouble(delay_obj); /* one digit: exact */
        else if (env_parse_delay(delay_obj, &delay, "timeout()") < 0)
            return NULL;
        else
            int_delay = env_int_exact(delay_obj, delay);
    }
    return timeout_new_delay(self, delay, int_delay, value);
}

PyDoc_STRVAR(event_doc, "event()\n--\n\nReturn a new untriggered Event.");

static PyObject *environment_event(EnvironmentObject *self, PyObject *Py_UNUSED(ignored))
{
    return (PyObject *)event_alloc(self->st->Event_type, self);
}

PyDoc_STRVAR(process_doc, "process(generator)\n--\n\nStart a Process driving *generator*.");

static PyObject *environment_process(EnvironmentObject *self, PyObject *gen)
{
    return process_new(self, gen);
}

PyDoc_STRVAR(all_of_doc, "all_of(events)\n--\n\nReturn an AllOf condition over *events*.");

static PyObject *environment_all_of(EnvironmentObject *self, PyObject *events)
{
    return condition_new(self->st->AllOf_type, self, self->st->all_events, events);
}

PyDoc_STRVAR(any_of_doc, "any_of(events)\n--\n\nReturn an AnyOf condition over *events*.");

static PyObject *environment_any_of(EnvironmentObject *self, PyObject *events)
{
    return condition_new(self->st->AnyOf_type, self, self->st->any_events, events);
}

PyDoc_STRVAR(native_ticker_doc, "_native_ticker(interval, count, streams=1)\n--\n\n"
                                "Schedule *streams* C-native periodic actions, each firing *count* times\n"
                                "every *interval* seconds without running any Python (benchmarks, tests).");

static PyObject *environment_native_ticker(EnvironmentObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"interval", "count", "streams", NULL};
    double interval;
    long long count, streams = 1;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "dL|L:_native_ticker", kwlist, &interval, &count, &streams))
        return NULL;
    if (!(interval >= 0) || !isfinite(interval) || count <= 0 || streams <= 0) {
        PyErr_Format(PyExc_ValueError,
                     "_native_ticker(): need interval >= 0 (finite), count > 0, streams > 0; got %R, %lld, %lld",
                     PyTuple_GET_ITEM(args, 0), count, streams);
        return NULL;
    }
    int rc = fs_sim_add_ticker(&self->sim, interval, (uint64_t)count, (uint64_t)streams);
    if (rc != FS_OK)
        return fs_raise_status(rc, "_native_ticker()"), NULL;
    Py_RETURN_NONE;
}

static PyObject *environment_get_now(EnvironmentObject *self, void *c)
{
    (void)c;
    return env_now_object(self);
}

/* env._queue: SimPy keeps its queue as a heap list of (time, priority, eid,
 * event), and tracing recipes read env._queue[0] (the next event). This is a
 * snapshot in that shape: the queued Python events, sorted (a sorted list is
 * a heap; C actions are not listed). O(n log n) per access, for debugging. */
static PyObject *environment_get_queue(EnvironmentObject *self, void *c)
{
    (void)c;
    const struct fs_queue *q = &self->sim.queue;
    PyObject *list = PyList_New(0);
    if (!list)
        return NULL;
    for (size_t i = 0; i < q->len; i++) {
        const struct fs_entry *e = &q->heap[i];
        if (e->fn)
            continue;
        PyObject *row = Py_BuildValue("(NiKO)", env_time_object(e->time, (int)fs_entry_tag(e)), fs_entry_priority(e),
                                      (unsigned long long)fs_entry_seq(e), (PyObject *)e->data);
        if (!row || PyList_Append(list, row) < 0) {
            Py_XDECREF(row);
            Py_DECREF(list);
            return NULL;
        }
        Py_DECREF(row);
    }
    /* (time, priority, eid) is unique: the events themselves are never compared */
    if (PyList_Sort(list) < 0) {
        Py_DECREF(list);
        return NULL;
    }
    return list;
}

/* env._eid: SimPy numbers scheduled events with an itertools.count, and
 * code reads next(env._eid) as the number of events scheduled so far. This
 * gives an iterator that starts at the queue's next sequence number (every
 * entry pushed so far, C actions included); it is a fresh one per access,
 * so reading it does not use up a number as next() on SimPy's does. */
static PyObject *environment_get_eid(EnvironmentObject *self, void *c)
{
    (void)c;
    PyObject *numbers =
        PyObject_CallFunction((PyObject *)&PyRange_Type, "KK", (unsigned long long)self->sim.queue.next_seq,
                              (unsigned long long)FS_SEQ_MAX + 1);
    if (!numbers)
        return NULL;
    PyObject *it = PyObject_GetIter(numbers);
    Py_DECREF(numbers);
    return it;
}

static PyObject *environment_get_active_process(EnvironmentObject *self, void *c)
{
    (void)c;
    return Py_NewRef(self->active_process ? self->active_process : Py_None);
}

static PyObject *environment_get_seed(EnvironmentObject *self, void *c)
{
    (void)c;
    return Py_NewRef(self->seed ? self->seed : Py_None);
}

static PyObject *environment_get_rng(EnvironmentObject *self, void *c)
{
    (void)c;
    return Py_NewRef((PyObject *)self->rng);
}

static PyObject *environment_get_native_ticks(EnvironmentObject *self, void *c)
{
    (void)c;
    return PyLong_FromUnsignedLongLong(self->sim.native_ticks);
}

static PyObject *environment_get_queue_len(EnvironmentObject *self, void *c)
{
    (void)c;
    return PyLong_FromSize_t(self->sim.queue.len);
}

/* The platform's components (env.metrics, env.faas, ...), as faas-sim's
 * Environment carries them. Each is created on first access by the factory
 * faassim/__init__.py registers (faassim._components.create), so a bare
 * Environment has working defaults and faassim._core imports no Python
 * module at init. Any object may be assigned (faas-sim code assigns its
 * own); deleting one brings the lazy default back. */
static const char *const component_names[FS_NCOMP] = {
    "metrics",
    "faas",
    "topology",
    "scheduler",
    "load_balancer",
    "simulator_factory",
    "container_registry",
    "background_processes",
    "resource_state",
    "metrics_server",
    "resource_monitor",
    "power_models",
    "energy",
    "net",
    "cluster",
};

PyObject *env_component(EnvironmentObject *env, int i)
{
    if (env->comp[i])
        return Py_NewRef(env->comp[i]);
    faassim_state *st = env->st;
    if (!st->component_factory) {
        PyErr_Format(PyExc_RuntimeError, "env.%s has no default: import faassim (not only faassim._core)",
                     component_names[i]);
        return NULL;
    }
    /* Calls into Python: the factory may itself set the component. */
    PyObject *c = PyObject_CallFunction(st->component_factory, "Os", (PyObject *)env, component_names[i]);
    if (!c)
        return NULL;
    if (!env->comp[i])
        env->comp[i] = Py_NewRef(c);
    Py_DECREF(c);
    return Py_NewRef(env->comp[i]);
}

static PyObject *environment_get_component(EnvironmentObject *self, void *c)
{
    return env_component(self, (int)(intptr_t)c);
}

/* A component bound to an environment (FaasSystem, Metrics, ResourceState,
 * Energy, Network, ResourceMonitor: its .env) serves that environment only:
 * setting it on another would schedule work no run of either processes. */
static int environment_set_component(EnvironmentObject *self, PyObject *value, void *c)
{
    int i = (int)(intptr_t)c;
    if (value && value != Py_None) {
        PyObject *owner = PyObject_GetAttrString(value, "env");
        if (!owner) {
            if (!PyErr_ExceptionMatches(PyExc_AttributeError))
                return -1;
            PyErr_Clear();
        }
        else {
            int other = owner != (PyObject *)self && PyObject_TypeCheck(owner, self->st->Environment_type);
            if (other)
                PyErr_Format(PyExc_ValueError,
                             "env.%s = %R: that component belongs to another environment (%R), not to %R; make one "
                             "for this environment instead",
                             component_names[i], value, owner, (PyObject *)self);
            Py_DECREF(owner);
            if (other)
                return -1;
        }
    }
    Py_XSETREF(self->comp[i], Py_XNewRef(value));
    return 0;
}

/* get_node_state(name): faas-sim's name for env.net.node_state(name). */
static PyObject *environment_get_node_state(EnvironmentObject *self, PyObject *name)
{
    PyObject *net = env_component(self, FS_COMP_NET);
    if (!net)
        return NULL;
    PyObject *r = PyObject_CallMethod(net, "node_state", "O", name); /* re-entrancy point */
    Py_DECREF(net);
    return r;
}

PyDoc_STRVAR(get_node_state_doc, "get_node_state(name)\n--\n\n"
                                 "The run-time state of a compute node (faas-sim's name for\n"
                                 "env.net.node_state(name)): its images, pulls, replicas and allocation.");

static PyMethodDef Environment_methods[] = {
    {"run", (PyCFunction)(void (*)(void))environment_run, METH_VARARGS | METH_KEYWORDS, run_doc},
    {"step", (PyCFunction)environment_step, METH_NOARGS, step_doc},
    {"peek", (PyCFunction)environment_peek, METH_NOARGS, peek_doc},
    {"schedule", (PyCFunction)(void (*)(void))environment_schedule, METH_FASTCALL | METH_KEYWORDS, schedule_doc},
    {"timeout", (PyCFunction)(void (*)(void))environment_timeout, METH_FASTCALL | METH_KEYWORDS, timeout_doc},
    {"event", (PyCFunction)environment_event, METH_NOARGS, event_doc},
    {"process", (PyCFunction)environment_process, METH_O, process_doc},
    {"all_of", (PyCFunction)environment_all_of, METH_O, all_of_doc},
    {"any_of", (PyCFunction)environment_any_of, METH_O, any_of_doc},
    {"get_node_state", (PyCFunction)environment_get_node_state, METH_O, get_node_state_doc},
    {"_native_ticker", (PyCFunction)(void (*)(void))environment_native_ticker, METH_VARARGS | METH_KEYWORDS,
     native_ticker_doc},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Environment_getset[] = {
    {"now", (getter)environment_get_now, NULL, "The current simulation time (seconds).", NULL},
    {"active_process", (getter)environment_get_active_process, NULL, "The process being resumed, or None.", NULL},
    {"seed", (getter)environment_get_seed, NULL, "The seed given to the environment (or None).", NULL},
    {"rng", (getter)environment_get_rng, NULL,
     "The environment's Random: the seeded source all built-ins draw from\n"
     "(rng.seed_used is the effective seed, also when seed was None).",
     NULL},
    {"_native_ticks", (getter)environment_get_native_ticks, NULL, "Ticks processed by native tickers.", NULL},
    {"_queue_len", (getter)environment_get_queue_len, NULL, "Number of scheduled entries.", NULL},
    {"_eid", (getter)environment_get_eid, NULL,
     "An iterator from the number of entries scheduled so far (SimPy's event id counter).", NULL},
    {"_queue", (getter)environment_get_queue, NULL,
     "A sorted snapshot of the queued events as SimPy's (time, priority, eid, event)\n"
     "tuples; [0] is the next one (C actions are not listed).",
     NULL},
    {"metrics", (getter)environment_get_component, (setter)environment_set_component,
     "The simulation's metrics (faassim.Metrics(env) unless set; created on first access).",
     (void *)(intptr_t)FS_COMP_METRICS},
    {"faas", (getter)environment_get_component, (setter)environment_set_component,
     "The FaaS platform (faassim.FaasSystem(env) unless set; created on first access).",
     (void *)(intptr_t)FS_COMP_FAAS},
    {"topology", (getter)environment_get_component, (setter)environment_set_component,
     "The infrastructure's nodes (an empty faassim.Topology() unless set).", (void *)(intptr_t)FS_COMP_TOPOLOGY},
    {"scheduler", (getter)environment_get_component, (setter)environment_set_component,
     "Places replicas on nodes (faassim.Scheduler(): least allocated, unless set).",
     (void *)(intptr_t)FS_COMP_SCHEDULER},
    {"load_balancer", (getter)environment_get_component, (setter)environment_set_component,
     "Picks a replica per request (faassim.RoundRobinLoadBalancer() unless set).",
     (void *)(intptr_t)FS_COMP_LOAD_BALANCER},
    {"simulator_factory", (getter)environment_get_component, (setter)environment_set_component,
     "Makes each replica's FunctionSimulator (faassim.SimulatorFactory() unless set).",
     (void *)(intptr_t)FS_COMP_SIMULATOR_FACTORY},
    {"container_registry", (getter)environment_get_component, (setter)environment_set_component,
     "Image sizes per architecture (an empty faassim.ContainerRegistry() unless set).",
     (void *)(intptr_t)FS_COMP_CONTAINER_REGISTRY},
    {"background_processes", (getter)environment_get_component, (setter)environment_set_component,
     "Generator functions started with the simulation (a list; faas-sim's).",
     (void *)(intptr_t)FS_COMP_BACKGROUND_PROCESSES},
    {"resource_state", (getter)environment_get_component, (setter)environment_set_component,
     "Resources replicas claim, per replica and node (faassim.ResourceState(env) unless set).",
     (void *)(intptr_t)FS_COMP_RESOURCE_STATE},
    {"metrics_server", (getter)environment_get_component, (setter)environment_set_component,
     "Resource samples per replica for queries (faassim.MetricsServer() unless set).",
     (void *)(intptr_t)FS_COMP_METRICS_SERVER},
    {"resource_monitor", (getter)environment_get_component, (setter)environment_set_component,
     "The faassim.ResourceMonitor sampling resource use, or None (the default; a Simulation sets one).",
     (void *)(intptr_t)FS_COMP_RESOURCE_MONITOR},
    {"power_models", (getter)environment_get_component, (setter)environment_set_component,
     "Power models (e.g. faassim.LinearPowerModel) keyed by node name, as faas-sim's\n"
     "power-prediction code keeps them (a dict, empty unless set).",
     (void *)(intptr_t)FS_COMP_POWER_MODELS},
    {"energy", (getter)environment_get_component, (setter)environment_set_component,
     "Exact energy accounting per node, replica and function (faassim.Energy(env)\n"
     "unless set).",
     (void *)(intptr_t)FS_COMP_ENERGY},
    {"net", (getter)environment_get_component, (setter)environment_set_component,
     "The network: transfers over env.topology's routes, image pulls (faassim.Network(env) unless set).",
     (void *)(intptr_t)FS_COMP_NET},
    {"cluster", (getter)environment_get_component, (setter)environment_set_component,
     "The cluster as schedulers see it, skippy's ClusterContext: list_nodes(), get_node(name)\n"
     "(faassim.ClusterContext(env) unless set).",
     (void *)(intptr_t)FS_COMP_CLUSTER},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMemberDef Environment_members[] = {
    {"__dictoffset__", T_PYSSIZET, offsetof(EnvironmentObject, dict), READONLY, NULL},
    {"__weaklistoffset__", T_PYSSIZET, offsetof(EnvironmentObject, weaklist), READONLY, NULL},
    {NULL, 0, 0, 0, NULL},
};

PyDoc_STRVAR(Environment_doc, "Environment(initial_time=0, *, seed=None)\n--\n\n"
                              "Execution environment of a simulation: the clock, the event queue and\n"
                              "the factories for events and processes (SimPy 4 semantics).");

static PyType_Slot Environment_slots[] = {
    {Py_tp_new, Environment_new},         {Py_tp_init, Environment_init},
    {Py_tp_dealloc, Environment_dealloc}, {Py_tp_traverse, Environment_traverse},
    {Py_tp_clear, Environment_clear},     {Py_tp_methods, Environment_methods},
    {Py_tp_getset, Environment_getset},   {Py_tp_members, Environment_members},
    {Py_tp_doc, (void *)Environment_doc}, {0, NULL},
};

static PyType_Spec Environment_spec = {
    .name = "faassim.Environment",
    .basicsize = sizeof(EnvironmentObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = Environment_slots,
};

int Environment_setup(PyObject *m, faassim_state *st)
{
    st->Environment_type = (PyTypeObject *)PyType_FromModuleAndSpec(m, &Environment_spec, NULL);
    if (!st->Environment_type)
        return -1;
    return PyModule_AddType(m, st->Environment_type);
}
