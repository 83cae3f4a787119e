/* event.c: Event, Timeout, Initialize, Interruption and the iterator that
 * makes `yield from event` work.
 *
 * Ordering contract (SimPy 4): callbacks run in the order they were added;
 * the callbacks are detached from the event before the first one runs
 * (event.callbacks is None from then on, so `processed` is true inside
 * callbacks); a failed event that no callback defused raises from run(). */
#include "event.h"

#include <math.h>

/* ------------------------------------------------------------------ */
/* Allocation, GC                                                       */

static void event_init_fields(EventObject *ev, faassim_state *st)
{
    ev->st = st;
    st->live_events++;
}

EventObject *event_alloc(PyTypeObject *tp, EnvironmentObject *env)
{
    EventObject *ev = (EventObject *)tp->tp_alloc(tp, 0);
    if (!ev)
        return NULL;
    event_init_fields(ev, env->st);
    ev->env = (EnvironmentObject *)Py_NewRef(env);
    return ev;
}

int event_bind_env(EventObject *ev, PyObject *env)
{
    if (!Environment_Check(ev->st, env)) {
        PyErr_Format(PyExc_TypeError, "%.100s(): env must be a faassim Environment, not %.100s (%R)",
                     Py_TYPE(ev)->tp_name, Py_TYPE(env)->tp_name, env);
        return -1;
    }
    Py_XSETREF(ev->env, (EnvironmentObject *)Py_NewRef(env));
    return 0;
}

int event_check_init(EventObject *ev)
{
    if (ev->env)
        return 0;
    PyErr_Format(PyExc_RuntimeError, "%.100s object has no environment: its __init__ must call super().__init__(env)",
                 Py_TYPE(ev)->tp_name);
    return -1;
}

/* tp_new shared by every event type: allocation only, no argument parsing,
 * so Python subclasses may define any __init__ signature. If the first
 * argument is an Environment it is bound right away, so that a subclass that
 * forgets super().__init__(env) is still usable. */
PyObject *Event_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    (void)kwds;
    faassim_state *st = faassim_state_from_type(type);
    if (!st)
        return NULL;
    EventObject *ev = (EventObject *)type->tp_alloc(type, 0);
    if (!ev)
        return NULL;
    event_init_fields(ev, st);
    if (args && PyTuple_GET_SIZE(args) > 0 && Environment_Check(st, PyTuple_GET_ITEM(args, 0)))
        ev->env = (EnvironmentObject *)Py_NewRef(PyTuple_GET_ITEM(args, 0));
    return (PyObject *)ev;
}

static int Event_init(EventObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"env", NULL};
    PyObject *env;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O:Event", kwlist, &env))
        return -1;
    return event_bind_env(self, env);
}

static void event_clear_callbacks(EventObject *ev)
{
    uint8_t n = ev->ncb;
    ev->ncb = 0;
    for (uint8_t i = 0; i < n; i++)
        Py_CLEAR(ev->cb[i].target);
    Py_CLEAR(ev->callbacks);
}

int Event_traverse_base(EventObject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(self->env);
    Py_VISIT(self->value);
    Py_VISIT(self->callbacks);
    for (uint8_t i = 0; i < self->ncb; i++)
        Py_VISIT(self->cb[i].target);
    Py_VISIT(self->dict);
    return 0;
}

int Event_clear_base(EventObject *self)
{
    Py_CLEAR(self->env);
    Py_CLEAR(self->value);
    event_clear_callbacks(self);
    Py_CLEAR(self->dict);
    return 0;
}

void Event_dealloc_base(EventObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    faassim_state *st = self->st;
    PyObject_GC_UnTrack(self);
    if (self->weaklist)
        PyObject_ClearWeakRefs((PyObject *)self);
    Py_TYPE(self)->tp_clear((PyObject *)self);
    if (st)
        st->live_events--;
#ifndef FAASSIM_DEBUG
    /* Keep the memory of exact Timeouts for reuse by timeout_new(): they are
     * the most frequently created objects. Debug and sanitizer builds free
     * everything so that use-after-free stays detectable. */
    if (st && tp == st->Timeout_type && st->n_free_timeouts < FS_TIMEOUT_FREELIST_MAX) {
        self->value = (PyObject *)st->free_timeouts; /* link; the object is dead */
        st->free_timeouts = self;
        st->n_free_timeouts++;
        Py_DECREF(tp);
        return;
    }
#endif
    tp->tp_free(self);
    Py_DECREF(tp);
}

void event_freelist_clear(faassim_state *st)
{
    while (st->free_timeouts) {
        EventObject *ev = st->free_timeouts;
        st->free_timeouts = (EventObject *)ev->value;
        PyObject_GC_Del(ev);
    }
    st->n_free_timeouts = 0;
}

/* ------------------------------------------------------------------ */
/* Callbacks                                                            */

/* Make sure ev->callbacks is a list holding every callback; returns it
 * (borrowed) or NULL with an error. */
static PyObject *event_materialize(EventObject *ev)
{
    if (ev->callbacks)
        return ev->callbacks;
    PyObject *list = PyList_New(ev->ncb);
    if (!list)
        return NULL;
    for (uint8_t i = 0; i < ev->ncb; i++) {
        PyObject *o = ccb_object_new(ev->st, ev->cb[i].kind, ev->cb[i].target);
        if (!o) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, i, o);
    }
    /* The list now holds every callback, in order; drop the inline copies. */
    uint8_t n = ev->ncb;
    ev->ncb = 0;
    for (uint8_t i = 0; i < n; i++)
        Py_CLEAR(ev->cb[i].target);
    ev->callbacks = list;
    return list;
}

int event_add_ccb(EventObject *ev, int kind, PyObject *target)
{
    if (ev->processed) {
        PyErr_Format(PyExc_RuntimeError, "cannot add a callback to %R: it has already been processed", ev);
        return -1;
    }
    if (!ev->callbacks && ev->ncb < FS_INLINE_CBS) {
        ev->cb[ev->ncb].kind = (uint8_t)kind;
        ev->cb[ev->ncb].target = Py_NewRef(target);
        ev->ncb++;
        return 0;
    }
    PyObject *list = event_materialize(ev);
    if (!list)
        return -1;
    PyObject *o = ccb_object_new(ev->st, kind, target);
    if (!o)
        return -1;
    int rc = PyList_Append(list, o);
    Py_DECREF(o);
    return rc;
}

int event_add_callback(EventObject *ev, PyObject *callable)
{
    if (ev->processed) {
        PyErr_Format(PyExc_RuntimeError, "cannot add a callback to %R: it has already been processed", ev);
        return -1;
    }
    PyObject *list = event_materialize(ev);
    if (!list)
        return -1;
    return PyList_Append(list, callable);
}

int event_remove_ccb(EventObject *ev, int kind, PyObject *target)
{
    for (uint8_t i = 0; i < ev->ncb; i++) {
        if (ev->cb[i].kind == kind && ev->cb[i].target == target) {
            PyObject *t = ev->cb[i].target;
            for (uint8_t j = i + 1; j < ev->ncb; j++)
                ev->cb[j - 1] = ev->cb[j];
            ev->ncb--;
            ev->cb[ev->ncb].target = NULL;
            Py_DECREF(t);
            return 1;
        }
    }
    if (!ev->callbacks || !PyList_Check(ev->callbacks))
        return 0;
    PyObject *list = ev->callbacks;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(list); i++) {
        if (ccb_object_matches(ev->st, PyList_GET_ITEM(list, i), kind, target)) {
            if (PySequence_DelItem(list, i) < 0)
                return -1;
            return 1;
        }
    }
    return 0;
}

void raise_exception_object(PyObject *exc)
{
    if (PyExceptionInstance_Check(exc)) {
        PyObject *tb = PyException_GetTraceback(exc); /* new ref or NULL */
        PyErr_Restore(Py_NewRef((PyObject *)Py_TYPE(exc)), Py_NewRef(exc), tb);
    }
    else
        PyErr_Format(PyExc_RuntimeError, "failed event carries a non-exception value %R", exc);
}

/* When run(until=...) stops in the middle of an event's callbacks, SimPy puts
 * the callbacks that have not run yet back on the event and schedules it
 * again before everything else (priority -1) at the same time; the next
 * run() continues with them. */
static int event_requeue_rest(EnvironmentObject *env, EventObject *ev, fs_ccb *rest, int nrest, PyObject *list,
                              Py_ssize_t from)
{
    ev->processed = 0;
    if (list) {
        PyObject *tail = PyList_GetSlice(list, from, PyList_GET_SIZE(list));
        if (!tail)
            return -1;
        ev->callbacks = tail;
    }
    else {
        for (int i = 0; i < nrest; i++) {
            ev->cb[i] = rest[i];
            rest[i].target = NULL; /* ownership moved back to the event */
        }
        ev->ncb = (uint8_t)nrest;
    }
    return env_schedule(env, ev, -1, 0.0);
}

int event_process(EnvironmentObject *env, EventObject *ev)
{
    faassim_state *st = env->st;
    if (ev->processed) {
        PyErr_Format(PyExc_RuntimeError, "%R was scheduled again after it had been processed", ev);
        return -1;
    }
    if (!ev->value) {
        /* env.schedule() of an event nobody triggered: there is no outcome
         * to hand to its callbacks (SimPy fails with an AttributeError). */
        PyErr_Format(PyExc_RuntimeError,
                     "%R was processed without having been triggered: call succeed() or fail() (or set _ok and "
                     "_value) before env.schedule()",
                     ev);
        return -1;
    }
    /* Detach every callback first: from here on the event is processed and
     * callbacks added by user code go nowhere (SimPy: callbacks is None). */
    fs_ccb inl[FS_INLINE_CBS];
    int n = ev->ncb;
    for (int i = 0; i < n; i++)
        inl[i] = ev->cb[i];
    ev->ncb = 0;
    PyObject *list = ev->callbacks;
    ev->callbacks = NULL;
    ev->processed = 1;

    int rc = 0, i = 0;
    for (; i < n; i++) {
        rc = ccb_dispatch(env, inl[i].kind, inl[i].target, ev); /* may run Python */
        Py_CLEAR(inl[i].target);
        if (rc < 0) {
            i++;
            break;
        }
        if (env->stop) {
            rc = event_requeue_rest(env, ev, inl + i + 1, n - i - 1, NULL, 0);
            i = n;
            goto done_inline;
        }
    }
    for (; i < n; i++) /* on error: drop what did not run */
        Py_CLEAR(inl[i].target);
    if (rc < 0) {
        Py_XDECREF(list);
        return -1;
    }
    if (list) {
        /* The list is detached; iterate by index and re-read its size since a
         * callback holding a reference may still append to it. */
        for (Py_ssize_t k = 0; k < PyList_GET_SIZE(list); k++) {
            PyObject *cb = Py_NewRef(PyList_GET_ITEM(list, k));
            if (Py_IS_TYPE(cb, st->Callback_type) || PyObject_TypeCheck(cb, st->Callback_type))
                rc = ccb_dispatch(env, ((CallbackObject *)cb)->cb.kind, ((CallbackObject *)cb)->cb.target, ev);
            else {
                PyObject *r = PyObject_CallOneArg(cb, (PyObject *)ev); /* re-entrancy point */
                rc = r ? 0 : -1;
                Py_XDECREF(r);
            }
            Py_DECREF(cb);
            if (rc < 0)
                break;
            if (env->stop) {
                rc = event_requeue_rest(env, ev, NULL, 0, list, k + 1);
                Py_DECREF(list);
                return rc;
            }
        }
        Py_DECREF(list);
        if (rc < 0)
            return -1;
    }
    if (!ev->ok && !ev->defused) {
        raise_exception_object(ev->value);
        return -1;
    }
    return 0;
done_inline:
    Py_XDECREF(list); /* cannot be set: the list and inline callbacks are exclusive */
    return rc;
}

/* ------------------------------------------------------------------ */
/* Triggering                                                           */

int event_succeed(EventObject *ev, PyObject *value)
{
    if (event_check_init(ev) < 0)
        return -1;
    if (ev->value) {
        PyErr_Format(PyExc_RuntimeError, "%R has already been triggered", ev);
        return -1;
    }
    ev->ok = 1;
    ev->value = Py_NewRef(value);
    return env_schedule(ev->env, ev, FS_PRIO_NORMAL, 0.0);
}

int event_fail(EventObject *ev, PyObject *exc)
{
    if (event_check_init(ev) < 0)
        return -1;
    if (ev->value) {
        PyErr_Format(PyExc_RuntimeError, "%R has already been triggered", ev);
        return -1;
    }
    if (!PyExceptionInstance_Check(exc)) {
        PyErr_Format(PyExc_TypeError, "%R is not an exception.", exc);
        return -1;
    }
    ev->ok = 0;
    ev->value = Py_NewRef(exc);
    return env_schedule(ev->env, ev, FS_PRIO_NORMAL, 0.0);
}

PyDoc_STRVAR(succeed_doc, "succeed(value=None)\n--\n\n"
                          "Trigger the event as successful with *value* and schedule it. Returns the event.\n"
                          "Raises RuntimeError if it has already been triggered.");

static PyObject *event_succeed_meth(EventObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"value"};
    PyObject *value;
    if (fs_parse_args("succeed", args, nargs, kwnames, names, 1, 0, &value) < 0)
        return NULL;
    if (event_succeed(self, value ? value : Py_None) < 0)
        return NULL;
    return Py_NewRef(self);
}

PyDoc_STRVAR(fail_doc, "fail(exception)\n--\n\n"
                       "Trigger the event as failed with *exception* and schedule it. Returns the event.");

static PyObject *event_fail_meth(EventObject *self, PyObject *exc)
{
    if (event_fail(self, exc) < 0)
        return NULL;
    return Py_NewRef(self);
}

PyDoc_STRVAR(trigger_doc, "trigger(event)\n--\n\n"
                          "Trigger this event with the outcome (ok and value) of *event*; usable as a\n"
                          "callback to chain events.");

static PyObject *event_trigger_meth(EventObject *self, PyObject *other)
{
    faassim_state *st = self->st;
    if (!Event_Check(st, other)) {
        PyErr_Format(PyExc_TypeError, "trigger(): expected an Event, got %.100s (%R)", Py_TYPE(other)->tp_name, other);
        return NULL;
    }
    EventObject *o = (EventObject *)other;
    if (!o->value) {
        PyErr_Format(PyExc_RuntimeError, "trigger(): %R has not been triggered yet, there is no outcome to copy",
                     other);
        return NULL;
    }
    int rc = o->ok ? event_succeed(self, o->value) : event_fail(self, o->value);
    if (rc < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* ------------------------------------------------------------------ */
/* Attributes                                                           */

static PyObject *event_get_callbacks(EventObject *self, void *c)
{
    (void)c;
    if (self->processed)
        Py_RETURN_NONE;
    PyObject *l = event_materialize(self);
    return Py_XNewRef(l);
}

static int event_set_callbacks(EventObject *self, PyObject *v, void *c)
{
    (void)c;
    if (v == NULL || v == Py_None) {
        event_clear_callbacks(self);
        self->processed = 1;
        return 0;
    }
    if (!PyList_Check(v)) {
        PyErr_Format(PyExc_TypeError, "callbacks must be a list or None, not %.100s", Py_TYPE(v)->tp_name);
        return -1;
    }
    event_clear_callbacks(self);
    self->callbacks = Py_NewRef(v);
    self->processed = 0;
    return 0;
}

static PyObject *event_get_triggered(EventObject *self, void *c)
{
    (void)c;
    return PyBool_FromLong(self->value != NULL);
}

static PyObject *event_get_processed(EventObject *self, void *c)
{
    (void)c;
    return PyBool_FromLong(self->processed);
}

static PyObject *event_get_ok(EventObject *self, void *c)
{
    (void)c;
    if (!self->value) {
        PyErr_Format(PyExc_AttributeError, "ok of %R is not yet available: the event has not been triggered", self);
        return NULL;
    }
    return PyBool_FromLong(self->ok);
}

static int event_set_ok(EventObject *self, PyObject *v, void *c)
{
    (void)c;
    if (!v) {
        PyErr_SetString(PyExc_AttributeError, "cannot delete ok");
        return -1;
    }
    int t = PyObject_IsTrue(v);
    if (t < 0)
        return -1;
    self->ok = (uint8_t)t;
    return 0;
}

static PyObject *event_get_defused(EventObject *self, void *c)
{
    (void)c;
    return PyBool_FromLong(self->defused);
}

static int event_set_defused(EventObject *self, PyObject *v, void *c)
{
    (void)c;
    /* SimPy: assigning any value defuses the event; deleting un-defuses. */
    self->defused = v != NULL;
    return 0;
}

static PyObject *event_get_value(EventObject *self, void *c)
{
    (void)c;
    if (!self->value) {
        PyErr_Format(PyExc_AttributeError, "Value of %R is not yet available", self);
        return NULL;
    }
    return Py_NewRef(self->value);
}

static PyObject *event_get_raw_value(EventObject *self, void *c)
{
    (void)c;
    return Py_NewRef(self->value ? self->value : self->st->pending);
}

static int event_set_raw_value(EventObject *self, PyObject *v, void *c)
{
    (void)c;
    if (!v || v == self->st->pending)
        Py_CLEAR(self->value);
    else
        Py_XSETREF(self->value, Py_NewRef(v));
    return 0;
}

static PyObject *event_get_env(EventObject *self, void *c)
{
    (void)c;
    return Py_NewRef(self->env ? (PyObject *)self->env : Py_None);
}

static int event_set_env(EventObject *self, PyObject *v, void *c)
{
    (void)c;
    if (!v) {
        PyErr_SetString(PyExc_AttributeError, "cannot delete env");
        return -1;
    }
    return event_bind_env(self, v);
}

static PyGetSetDef Event_getset[] = {
    {"env", (getter)event_get_env, (setter)event_set_env, "The Environment the event belongs to.", NULL},
    {"callbacks", (getter)event_get_callbacks, (setter)event_set_callbacks,
     "List of callables run with the event when it is processed; None once processed.", NULL},
    {"triggered", (getter)event_get_triggered, NULL, "True once the event has been triggered.", NULL},
    {"processed", (getter)event_get_processed, NULL, "True once the event's callbacks have run.", NULL},
    {"ok", (getter)event_get_ok, NULL, "True if the event succeeded (AttributeError before it is triggered).", NULL},
    {"defused", (getter)event_get_defused, (setter)event_set_defused,
     "True if a failure of this event has been handled (set by assignment).", NULL},
    {"value", (getter)event_get_value, NULL, "The event's value (AttributeError while pending).", NULL},
    {"_value", (getter)event_get_raw_value, (setter)event_set_raw_value, "Raw value (PENDING while pending).", NULL},
    {"_ok", (getter)event_get_ok, (setter)event_set_ok, "Raw ok flag.", NULL},
    {"_defused", (getter)event_get_defused, (setter)event_set_defused, "Raw defused flag.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMemberDef Event_members[] = {
    {"__dictoffset__", T_PYSSIZET, offsetof(EventObject, dict), READONLY, NULL},
    {"__weaklistoffset__", T_PYSSIZET, offsetof(EventObject, weaklist), READONLY, NULL},
    {NULL, 0, 0, 0, NULL},
};

/* ------------------------------------------------------------------ */
/* repr, operators, iteration                                           */

static PyObject *event_desc(EventObject *self, PyObject *Py_UNUSED(ignored))
{
    return PyUnicode_FromFormat("%s()", _PyType_Name(Py_TYPE(self)));
}

static PyObject *Event_repr(EventObject *self)
{
    PyObject *desc = PyObject_CallMethodNoArgs((PyObject *)self, self->st->str_desc);
    if (!desc)
        return NULL;
    PyObject *r = PyUnicode_FromFormat("<%U object at %p>", desc, self);
    Py_DECREF(desc);
    return r;
}

/* a & b and a | b: a Condition over (a, b). Either operand may be the Event
 * (reflected operators), so the module state comes from whichever is ours. */
static PyObject *event_combine(PyObject *a, PyObject *b, int all)
{
    PyObject *mod = PyType_GetModuleByDef(Py_TYPE(a), &faassim_module);
    if (!mod) {
        PyErr_Clear();
        mod = PyType_GetModuleByDef(Py_TYPE(b), &faassim_module);
        if (!mod) {
            PyErr_Clear();
            Py_RETURN_NOTIMPLEMENTED;
        }
    }
    faassim_state *st = faassim_get_state(mod);
    if (!Event_Check(st, a) || !Event_Check(st, b))
        Py_RETURN_NOTIMPLEMENTED;
    EventObject *self = (EventObject *)a;
    if (event_check_init(self) < 0)
        return NULL;
    PyObject *events = PyTuple_Pack(2, a, b);
    if (!events)
        return NULL;
    PyObject *r = condition_new(st->Condition_type, self->env, all ? st->all_events : st->any_events, events);
    Py_DECREF(events);
    return r;
}

static PyObject *event_and(PyObject *a, PyObject *b)
{
    return event_combine(a, b, 1);
}

static PyObject *event_or(PyObject *a, PyObject *b)
{
    return event_combine(a, b, 0);
}

/* `yield from event`: an iterator that yields the event once and returns
 * the value sent back by the process (the event's value). If the process
 * throws the event's exception instead, the iterator has no throw() and the
 * exception is raised at the `yield from` in the user's generator. */
typedef struct {
    PyObject_HEAD PyObject *event;
    int yielded;
} EventIterObject;

PyObject *Event_iter(EventObject *self)
{
    EventIterObject *it = PyObject_GC_New(EventIterObject, self->st->EventIter_type);
    if (!it)
        return NULL;
    it->event = Py_NewRef(self);
    it->yielded = 0;
    PyObject_GC_Track(it);
    return (PyObject *)it;
}

static PySendResult EventIter_am_send(EventIterObject *it, PyObject *arg, PyObject **result)
{
    if (!it->yielded) {
        it->yielded = 1;
        *result = Py_NewRef(it->event);
        return PYGEN_NEXT;
    }
    *result = Py_NewRef(arg);
    return PYGEN_RETURN;
}

static PyObject *EventIter_next(EventIterObject *it)
{
    if (!it->yielded) {
        it->yielded = 1;
        return Py_NewRef(it->event);
    }
    EventObject *ev = (EventObject *)it->event;
    if (ev->value && ev->ok)
        _PyGen_SetStopIterationValue(ev->value);
    return NULL;
}

static PyObject *EventIter_send(EventIterObject *it, PyObject *arg)
{
    PyObject *res;
    PySendResult r = EventIter_am_send(it, arg, &res);
    if (r == PYGEN_NEXT)
        return res;
    _PyGen_SetStopIterationValue(res);
    Py_DECREF(res);
    return NULL;
}

static int EventIter_traverse(EventIterObject *it, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(it));
    Py_VISIT(it->event);
    return 0;
}

static int EventIter_clear(EventIterObject *it)
{
    Py_CLEAR(it->event);
    return 0;
}

static void EventIter_dealloc(EventIterObject *it)
{
    PyTypeObject *tp = Py_TYPE(it);
    PyObject_GC_UnTrack(it);
    EventIter_clear(it);
    PyObject_GC_Del(it);
    Py_DECREF(tp);
}

/* throw(exc): the process driving this iterator delivers a failure (the
 * event failed, or an Interrupt): raise it, so that a process started with
 * env.process(event) fails with it. */
static PyObject *EventIter_throw(EventIterObject *it, PyObject *const *args, Py_ssize_t nargs)
{
    (void)it;
    if (nargs < 1 || nargs > 3) {
        PyErr_SetString(PyExc_TypeError, "throw() takes 1 to 3 arguments");
        return NULL;
    }
    PyObject *exc = args[0];
    if (PyExceptionInstance_Check(exc))
        raise_exception_object(exc);
    else if (PyExceptionClass_Check(exc))
        PyErr_SetObject(exc, nargs > 1 ? args[1] : NULL);
    else
        PyErr_Format(PyExc_TypeError, "exceptions must derive from BaseException, not %.100s", Py_TYPE(exc)->tp_name);
    return NULL;
}

static PyObject *EventIter_close(EventIterObject *it, PyObject *Py_UNUSED(ignored))
{
    (void)it;
    Py_RETURN_NONE;
}

/* __name__/__qualname__: the event's type, so that a Process driving the
 * iterator has a meaningful name. */
static PyObject *EventIter_get_name(EventIterObject *it, void *c)
{
    (void)c;
    return PyUnicode_FromString(_PyType_Name(Py_TYPE(it->event)));
}

static PyGetSetDef EventIter_getset[] = {
    {"__name__", (getter)EventIter_get_name, NULL, "Name of the event's type.", NULL},
    {"__qualname__", (getter)EventIter_get_name, NULL, "Name of the event's type.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMethodDef EventIter_methods[] = {
    {"throw", (PyCFunction)(void (*)(void))EventIter_throw, METH_FASTCALL,
     "throw(exc)\n--\n\nRaise *exc* (how a failure reaches the iterator)."},
    {"close", (PyCFunction)EventIter_close, METH_NOARGS, "close()\n--\n\nNothing to release."},
    {"send", (PyCFunction)EventIter_send, METH_O, "send(value)\n--\n\nResume the iterator."},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot EventIter_slots[] = {
    {Py_am_send, EventIter_am_send},    {Py_tp_iter, PyObject_SelfIter},    {Py_tp_iternext, EventIter_next},
    {Py_tp_methods, EventIter_methods}, {Py_tp_getset, EventIter_getset},   {Py_tp_traverse, EventIter_traverse},
    {Py_tp_clear, EventIter_clear},     {Py_tp_dealloc, EventIter_dealloc}, {0, NULL},
};

static PyType_Spec EventIter_spec = {
    .name = "faassim._EventIterator",
    .basicsize = sizeof(EventIterObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = EventIter_slots,
};

/* ------------------------------------------------------------------ */
/* Event type                                                           */

static PyMethodDef Event_methods[] = {
    {"succeed", (PyCFunction)(void (*)(void))event_succeed_meth, METH_FASTCALL | METH_KEYWORDS, succeed_doc},
    {"fail", (PyCFunction)event_fail_meth, METH_O, fail_doc},
    {"trigger", (PyCFunction)event_trigger_meth, METH_O, trigger_doc},
    {"_desc", (PyCFunction)event_desc, METH_NOARGS, "_desc()\n--\n\nShort description used by repr()."},
    {NULL, NULL, 0, NULL},
};

PyDoc_STRVAR(Event_doc, "Event(env)\n--\n\n"
                        "An event that may happen (not triggered), is going to happen (triggered)\n"
                        "or has happened (processed). Trigger it with succeed(), fail() or trigger();\n"
                        "wait for it by yielding it from a process; combine with & and |.");

static PyType_Slot Event_slots[] = {
    {Py_tp_new, Event_new},
    {Py_tp_init, Event_init},
    {Py_tp_dealloc, Event_dealloc_base},
    {Py_tp_traverse, Event_traverse_base},
    {Py_tp_clear, Event_clear_base},
    {Py_tp_repr, Event_repr},
    {Py_tp_iter, Event_iter},
    {Py_nb_and, event_and},
    {Py_nb_or, event_or},
    {Py_tp_methods, Event_methods},
    {Py_tp_getset, Event_getset},
    {Py_tp_members, Event_members},
    {Py_tp_doc, (void *)Event_doc},
    {0, NULL},
};

static PyType_Spec Event_spec = {
    .name = "faassim.Event",
    .basicsize = sizeof(EventObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = Event_slots,
};

/* ------------------------------------------------------------------ */
/* Timeout                                                              */

PyObject *timeout_new_delay(EnvironmentObject *env, double delay, int int_delay, PyObject *value)
{
    faassim_state *st = env->st;
    TimeoutObject *t;
    if (st->free_timeouts) {
        t = (TimeoutObject *)st->free_timeouts;
        st->free_timeouts = (EventObject *)t->ev.value;
        st->n_free_timeouts--;
        memset((char *)t + sizeof(PyObject), 0, sizeof(TimeoutObject) - sizeof(PyObject));
        PyObject_Init((PyObject *)t, st->Timeout_type); /* refcount 1, takes a type reference */
        event_init_fields(&t->ev, st);
        t->ev.env = (EnvironmentObject *)Py_NewRef(env);
        PyObject_GC_Track(t);
    }
    else if (!(t = (TimeoutObject *)event_alloc(st->Timeout_type, env)))
        return NULL;
    t->delay = delay;
    t->int_delay = (uint8_t)(int_delay != 0);
    t->ev.ok = 1;
    t->ev.value = Py_NewRef(value);
    if (env_schedule_delay(env, &t->ev, FS_PRIO_NORMAL, delay, int_delay) < 0) {
        Py_DECREF(t);
        return NULL;
    }
    return (PyObject *)t;
}

static int Timeout_init(TimeoutObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"env", "delay", "value", NULL};
    PyObject *env, *delay_obj, *value = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO|O:Timeout", kwlist, &env, &delay_obj, &value))
        return -1;
    if (self->ev.value) {
        PyErr_Format(PyExc_RuntimeError, "%R has already been scheduled", self);
        return -1;
    }
    if (event_bind_env(&self->ev, env) < 0)
        return -1;
    if (env_parse_delay(delay_obj, &self->delay, "Timeout()") < 0)
        return -1;
    /* an integer below 2^53 (exact in the double); see env_int_exact */
    self->int_delay = (PyLong_Check(delay_obj) || PyIndex_Check(delay_obj)) && fabs(self->delay) < 9007199254740992.0;
    self->ev.ok = 1;
    self->ev.value = Py_NewRef(value);
    return env_schedule_delay(self->ev.env, &self->ev, FS_PRIO_NORMAL, self->delay, self->int_delay);
}

static PyObject *timeout_desc(TimeoutObject *self, PyObject *Py_UNUSED(ignored))
{
    PyObject *d = self->int_delay ? PyLong_FromDouble(self->delay) : PyFloat_FromDouble(self->delay);
    if (!d)
        return NULL;
    PyObject *r;
    if (!self->ev.value || self->ev.value == Py_None)
        r = PyUnicode_FromFormat("%s(%R)", _PyType_Name(Py_TYPE(self)), d);
    else
        r = PyUnicode_FromFormat("%s(%R, value=%R)", _PyType_Name(Py_TYPE(self)), d, self->ev.value);
    Py_DECREF(d);
    return r;
}

static PyObject *timeout_get_delay(TimeoutObject *self, void *c)
{
    (void)c;
    return self->int_delay ? PyLong_FromDouble(self->delay) : PyFloat_FromDouble(self->delay);
}

static PyMethodDef Timeout_methods[] = {
    {"_desc", (PyCFunction)timeout_desc, METH_NOARGS, "_desc()\n--\n\nShort description used by repr()."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Timeout_getset[] = {
    {"_delay", (getter)timeout_get_delay, NULL, "The delay (seconds).", NULL},
    {"delay", (getter)timeout_get_delay, NULL, "The delay (seconds).", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyDoc_STRVAR(Timeout_doc, "Timeout(env, delay, value=None)\n--\n\n"
                          "An event that is triggered on creation and processed *delay* seconds later.");

static PyType_Slot Timeout_slots[] = {
    {Py_tp_dealloc, Event_dealloc_base}, {Py_tp_traverse, Event_traverse_base},
    {Py_tp_clear, Event_clear_base},     {Py_tp_init, Timeout_init},
    {Py_tp_methods, Timeout_methods},    {Py_tp_getset, Timeout_getset},
    {Py_tp_doc, (void *)Timeout_doc},    {0, NULL},
};

static PyType_Spec Timeout_spec = {
    .name = "faassim.Timeout",
    .basicsize = sizeof(TimeoutObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = Timeout_slots,
};

/* Initialize and Interruption are created by the engine only. */
static PyType_Slot Initialize_slots[] = {
    {Py_tp_dealloc, Event_dealloc_base},
    {Py_tp_traverse, Event_traverse_base},
    {Py_tp_clear, Event_clear_base},
    {Py_tp_doc, "Initialize: starts a process (scheduled URGENT when the process is created)."},
    {0, NULL},
};

static PyType_Spec Initialize_spec = {
    .name = "faassim.Initialize",
    .basicsize = sizeof(EventObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = Initialize_slots,
};

static PyType_Slot Interruption_slots[] = {
    {Py_tp_dealloc, Event_dealloc_base},
    {Py_tp_traverse, Event_traverse_base},
    {Py_tp_clear, Event_clear_base},
    {Py_tp_doc, "Interruption: throws an Interrupt into a process (scheduled URGENT)."},
    {0, NULL},
};

static PyType_Spec Interruption_spec = {
    .name = "faassim.Interruption",
    .basicsize = sizeof(EventObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = Interruption_slots,
};

static PyTypeObject *add_subtype(PyObject *m, PyType_Spec *spec, PyTypeObject *base, int public)
{
    PyTypeObject *tp = (PyTypeObject *)PyType_FromModuleAndSpec(m, spec, (PyObject *)base);
    if (!tp)
        return NULL;
    if (public && PyModule_AddType(m, tp) < 0) {
        Py_DECREF(tp);
        return NULL;
    }
    return tp;
}

int Event_setup(PyObject *m, faassim_state *st)
{
    if (!(st->Event_type = add_subtype(m, &Event_spec, NULL, 1)))
        return -1;
    if (!(st->Timeout_type = add_subtype(m, &Timeout_spec, st->Event_type, 1)))
        return -1;
    if (!(st->Initialize_type = add_subtype(m, &Initialize_spec, st->Event_type, 1)))
        return -1;
    if (!(st->Interruption_type = add_subtype(m, &Interruption_spec, st->Event_type, 1)))
        return -1;
    if (!(st->EventIter_type = add_subtype(m, &EventIter_spec, NULL, 0)))
        return -1;
    return 0;
}
