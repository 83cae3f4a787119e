/* resource.c: BaseResource, Resource, PriorityResource, PreemptiveResource,
 * Store, PriorityStore, FilterStore, Container and their request events.
 *
 * Semantics are SimPy 4's, step for step: creating a put (get) event appends
 * it to the put (get) queue, registers the resource's _trigger_get
 * (_trigger_put) as its callback and immediately runs _trigger_put
 * (_trigger_get). A trigger walks its queue from the front, asking _do_put
 * (_do_get) to serve each event; served (triggered) events leave the queue;
 * the walk stops at the first _do_* that returns a false value (all built-ins
 * except FilterStore.get and Container stop after one event).
 *
 * Built-in _do_put/_do_get and the triggers run in C. A Python subclass that
 * overrides _do_put, _do_get, _trigger_put or _trigger_get is detected once,
 * when the resource is initialised, and its methods are called instead. The
 * queues are plain lists unless the class sets PutQueue/GetQueue (as
 * PriorityResource does with SortedQueue); other queue types are used through
 * their Python methods. */
#include "resource.h"

#include <math.h>

/* ------------------------------------------------------------------ */
/* helpers                                                              */

static int parse_number(PyObject *obj, double *out, const char *what, const char *owner)
{
    double d = PyFloat_AsDouble(obj);
    if (d == -1.0 && PyErr_Occurred()) {
        PyErr_Format(PyExc_TypeError, "%s: %s must be a number, not %.100s (%R)", owner, what, Py_TYPE(obj)->tp_name,
                     obj);
        return -1;
    }
    if (isnan(d)) {
        PyErr_Format(PyExc_ValueError, "%s: %s is NaN", owner, what);
        return -1;
    }
    *out = d;
    return 0;
}

static int event_is_triggered(faassim_state *st, PyObject *ev)
{
    if (Event_Check(st, ev))
        return ((EventObject *)ev)->value != NULL;
    PyObject *t = PyObject_GetAttr(ev, st->str_triggered);
    if (!t)
        return -1;
    int r = PyObject_IsTrue(t);
    Py_DECREF(t);
    return r;
}

/* list.remove(x) with identity first (events compare by identity anyway). */
static int seq_remove(faassim_state *st, PyObject *seq, PyObject *x)
{
    if (PyList_CheckExact(seq)) {
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(seq); i++)
            if (PyList_GET_ITEM(seq, i) == x)
                return PySequence_DelItem(seq, i);
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(seq); i++) {
            PyObject *item = Py_NewRef(PyList_GET_ITEM(seq, i));
            int eq = PyObject_RichCompareBool(item, x, Py_EQ);
            Py_DECREF(item);
            if (eq < 0)
                return -1;
            if (eq)
                return PySequence_DelItem(seq, i);
        }
        PyErr_SetString(PyExc_ValueError, "list.remove(x): x not in list");
        return -1;
    }
    PyObject *r = PyObject_CallMethodOneArg(seq, st->str_remove, x);
    Py_XDECREF(r);
    return r ? 0 : -1;
}

static int seq_append(faassim_state *st, PyObject *seq, PyObject *x)
{
    if (PyList_CheckExact(seq))
        return PyList_Append(seq, x);
    PyObject *r = PyObject_CallMethodOneArg(seq, st->str_append, x);
    Py_XDECREF(r);
    return r ? 0 : -1;
}

static Py_ssize_t seq_len(PyObject *seq)
{
    return PyList_CheckExact(seq) ? PyList_GET_SIZE(seq) : PyObject_Length(seq);
}

/* ------------------------------------------------------------------ */
/* Resource objects                                                     */

static PyTypeObject *builtin_type_of_kind(faassim_state *st, int kind)
{
    switch (kind) {
    case FS_RES_RESOURCE:
        return st->Resource_type;
    case FS_RES_PRIORITY:
        return st->PriorityResource_type;
    case FS_RES_PREEMPTIVE:
        return st->PreemptiveResource_type;
    case FS_RES_STORE:
        return st->Store_type;
    case FS_RES_PRIORITY_STORE:
        return st->PriorityStore_type;
    case FS_RES_FILTER_STORE:
        return st->FilterStore_type;
    case FS_RES_CONTAINER:
        return st->Container_type;
    default:
        return st->BaseResource_type;
    }
}

static int kind_of_type(faassim_state *st, PyTypeObject *tp)
{
    if (PyType_IsSubtype(tp, st->Container_type))
        return FS_RES_CONTAINER;
    if (PyType_IsSubtype(tp, st->FilterStore_type))
        return FS_RES_FILTER_STORE;
    if (PyType_IsSubtype(tp, st->PriorityStore_type))
        return FS_RES_PRIORITY_STORE;
    if (PyType_IsSubtype(tp, st->Store_type))
        return FS_RES_STORE;
    if (PyType_IsSubtype(tp, st->PreemptiveResource_type))
        return FS_RES_PREEMPTIVE;
    if (PyType_IsSubtype(tp, st->PriorityResource_type))
        return FS_RES_PRIORITY;
    if (PyType_IsSubtype(tp, st->Resource_type))
        return FS_RES_RESOURCE;
    return FS_RES_GENERIC;
}

/* Is attribute `name` of tp different from the built-in type's? */
static int is_overridden(PyTypeObject *tp, PyTypeObject *builtin, PyObject *name)
{
    if (tp == builtin)
        return 0;
    PyObject *a = PyObject_GetAttr((PyObject *)tp, name);
    PyObject *b = PyObject_GetAttr((PyObject *)builtin, name);
    int r = (a && b) ? a != b : -1;
    Py_XDECREF(a);
    Py_XDECREF(b);
    return r;
}

static PyObject *make_queue(PyTypeObject *tp, PyObject *attr)
{
    PyObject *factory = PyObject_GetAttr((PyObject *)tp, attr);
    if (!factory)
        return NULL;
    PyObject *q = factory == (PyObject *)&PyList_Type ? PyList_New(0) : PyObject_CallNoArgs(factory);
    Py_DECREF(factory);
    return q;
}

static PyObject *Resource_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    (void)args;
    (void)kwds;
    faassim_state *st = faassim_state_from_type(type);
    if (!st)
        return NULL;
    ResourceObject *r = (ResourceObject *)type->tp_alloc(type, 0);
    if (!r)
        return NULL;
    r->st = st;
    st->live_resources++;
    return (PyObject *)r;
}

/* Common initialisation; capacity is validated by the caller. */
static int resource_setup(ResourceObject *r, PyObject *env, PyObject *capacity)
{
    faassim_state *st = r->st;
    const char *tpname = _PyType_Name(Py_TYPE(r));
    if (!Environment_Check(st, env)) {
        PyErr_Format(PyExc_TypeError, "%s(): env must be a faassim Environment, not %.100s (%R)", tpname,
                     Py_TYPE(env)->tp_name, env);
        return -1;
    }
    if (r->env) {
        PyErr_Format(PyExc_RuntimeError, "%s has already been initialised", tpname);
        return -1;
    }
    double cap;
    if (parse_number(capacity, &cap, "capacity", tpname) < 0)
        return -1;
    PyTypeObject *tp = Py_TYPE(r);
    r->kind = (uint8_t)kind_of_type(st, tp);
    PyTypeObject *builtin = builtin_type_of_kind(st, r->kind);
    int o1 = is_overridden(tp, builtin, st->str_do_put), o2 = is_overridden(tp, builtin, st->str_do_get),
        o3 = is_overridden(tp, builtin, st->str_trigger_put), o4 = is_overridden(tp, builtin, st->str_trigger_get);
    if (o1 < 0 || o2 < 0 || o3 < 0 || o4 < 0)
        return -1;
    r->py_do_put = (uint8_t)(o1 || r->kind == FS_RES_GENERIC);
    r->py_do_get = (uint8_t)(o2 || r->kind == FS_RES_GENERIC);
    r->py_trigger = (uint8_t)(o3 || o4);
    if (!(r->put_queue = make_queue(tp, st->str_PutQueue)) || !(r->get_queue = make_queue(tp, st->str_GetQueue)))
        return -1;
    r->env = (EnvironmentObject *)Py_NewRef(env);
    r->capacity = Py_NewRef(capacity);
    r->cap = cap;
    return 0;
}

static int BaseResource_init(ResourceObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"env", "capacity", NULL};
    PyObject *env, *capacity;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO:BaseResource", kwlist, &env, &capacity))
        return -1;
    return resource_setup(self, env, capacity);
}

static int check_positive_capacity(PyObject *capacity, const char *owner)
{
    double c;
    if (parse_number(capacity, &c, "capacity", owner) < 0)
        return -1;
    if (c <= 0) {
        PyErr_Format(PyExc_ValueError, "\"capacity\" must be > 0 (%s got %R).", owner, capacity);
        return -1;
    }
    return 0;
}

static int Resource_init(ResourceObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"env", "capacity", NULL};
    PyObject *env, *capacity = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|O:Resource", kwlist, &env, &capacity))
        return -1;
    PyObject *one = NULL;
    if (!capacity)
        capacity = one = PyLong_FromLong(1);
    int rc = check_positive_capacity(capacity, _PyType_Name(Py_TYPE(self)));
    if (rc == 0)
        rc = resource_setup(self, env, capacity);
    Py_XDECREF(one);
    if (rc < 0)
        return -1;
    if (!(self->users = PyList_New(0)))
        return -1;
    return 0;
}

static int Store_init(ResourceObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"env", "capacity", NULL};
    PyObject *env, *capacity = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|O:Store", kwlist, &env, &capacity))
        return -1;
    PyObject *inf = NULL;
    if (!capacity)
        capacity = inf = PyFloat_FromDouble(INFINITY);
    int rc = check_positive_capacity(capacity, _PyType_Name(Py_TYPE(self)));
    if (rc == 0)
        rc = resource_setup(self, env, capacity);
    Py_XDECREF(inf);
    if (rc < 0)
        return -1;
    if (!(self->items = PyList_New(0)))
        return -1;
    return 0;
}

static int Container_init(ResourceObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"env", "capacity", "init", NULL};
    PyObject *env, *capacity = NULL, *init = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|OO:Container", kwlist, &env, &capacity, &init))
        return -1;
    const char *owner = _PyType_Name(Py_TYPE(self));
    PyObject *inf = NULL, *zero = NULL;
    int rc = -1;
    if (!capacity && !(capacity = inf = PyFloat_FromDouble(INFINITY)))
        goto done;
    if (!init && !(init = zero = PyLong_FromLong(0)))
        goto done;
    if (check_positive_capacity(capacity, owner) < 0)
        goto done;
    double c, i;
    if (parse_number(capacity, &c, "capacity", owner) < 0 || parse_number(init, &i, "init", owner) < 0)
        goto done;
    if (i < 0) {
        PyErr_Format(PyExc_ValueError, "\"init\" must be >= 0 (%s got %R).", owner, init);
        goto done;
    }
    if (i > c) {
        PyErr_Format(PyExc_ValueError, "\"init\" must be <= \"capacity\" (%s got init=%R, capacity=%R).", owner, init,
                     capacity);
        goto done;
    }
    if (resource_setup(self, env, capacity) < 0)
        goto done;
    self->level = Py_NewRef(init);
    rc = 0;
done:
    Py_XDECREF(inf);
    Py_XDECREF(zero);
    return rc;
}

static int Resource_traverse(ResourceObject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(self->env);
    Py_VISIT(self->capacity);
    Py_VISIT(self->put_queue);
    Py_VISIT(self->get_queue);
    Py_VISIT(self->users);
    Py_VISIT(self->items);
    Py_VISIT(self->level);
    Py_VISIT(self->dict);
    return 0;
}

static int Resource_clear(ResourceObject *self)
{
    Py_CLEAR(self->env);
    Py_CLEAR(self->capacity);
    Py_CLEAR(self->put_queue);
    Py_CLEAR(self->get_queue);
    Py_CLEAR(self->users);
    Py_CLEAR(self->items);
    Py_CLEAR(self->level);
    Py_CLEAR(self->dict);
    return 0;
}

static void Resource_dealloc(ResourceObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    if (self->weaklist)
        PyObject_ClearWeakRefs((PyObject *)self);
    tp->tp_clear((PyObject *)self);
    if (self->st)
        self->st->live_resources--;
    tp->tp_free(self);
    Py_DECREF(tp);
}

static int resource_check_init(ResourceObject *r)
{
    if (r->env)
        return 0;
    PyErr_Format(PyExc_RuntimeError, "%.100s object is not initialised: its __init__ must call super().__init__(...)",
                 Py_TYPE(r)->tp_name);
    return -1;
}

/* ------------------------------------------------------------------ */
/* _do_put / _do_get                                                    */

static int resource_grant(ResourceObject *r, ResEventObject *e)
{
    /* Resource._do_put: grant if a slot is free; always stop the walk. */
    if ((double)PyList_GET_SIZE(r->users) < r->cap) {
        if (PyList_Append(r->users, (PyObject *)e) < 0)
            return -1;
        PyObject *now = env_now_object(r->env);
        if (!now)
            return -1;
        Py_XSETREF(e->usage_since, now);
        if (event_succeed(&e->ev, Py_None) < 0)
            return -1;
    }
    return 0;
}

static int preempt_users(ResourceObject *r, ResEventObject *e)
{
    if ((double)PyList_GET_SIZE(r->users) < r->cap)
        return 0;
    int want = e->preempt ? PyObject_IsTrue(e->preempt) : 1;
    if (want <= 0)
        return want;
    /* The user with the largest key (the first of equals) is the victim. */
    PyObject *victim = NULL, *vkey = NULL;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(r->users); i++) {
        PyObject *u = PyList_GET_ITEM(r->users, i);
        PyObject *k = PyObject_GetAttr(u, r->st->str_key);
        if (!k) {
            Py_XDECREF(vkey);
            return -1;
        }
        int gt = vkey ? PyObject_RichCompareBool(k, vkey, Py_GT) : 1;
        if (gt < 0) {
            Py_DECREF(k);
            Py_XDECREF(vkey);
            return -1;
        }
        if (gt) {
            victim = u;
            Py_XSETREF(vkey, k);
        }
        else
            Py_DECREF(k);
    }
    if (!victim)
        return 0;
    Py_INCREF(victim);
    int rc = -1;
    PyObject *ekey = PyObject_GetAttr((PyObject *)e, r->st->str_key);
    if (!ekey)
        goto out;
    int gt = PyObject_RichCompareBool(vkey, ekey, Py_GT);
    Py_DECREF(ekey);
    if (gt <= 0) {
        rc = gt;
        goto out;
    }
    if (seq_remove(r->st, r->users, victim) < 0)
        goto out;
    PyObject *vproc = PyObject_GetAttr(victim, r->st->str_proc);
    PyObject *since = vproc ? PyObject_GetAttr(victim, r->st->str_usage_since) : NULL;
    PyObject *cause =
        since ? PyObject_CallFunctionObjArgs(r->st->Preempted, e->proc ? e->proc : Py_None, since, (PyObject *)r, NULL)
              : NULL;
    PyObject *res = cause ? PyObject_CallMethodOneArg(vproc, r->st->str_interrupt, cause) : NULL;
    Py_XDECREF(vproc);
    Py_XDECREF(since);
    Py_XDECREF(cause);
    if (!res)
        goto out;
    Py_DECREF(res);
    rc = 0;
out:
    Py_DECREF(victim);
    Py_XDECREF(vkey);
    return rc;
}

/* A _do_put/_do_get overridden in Python: its truth value says whether to
 * keep walking the queue. */
static int call_python_do(ResourceObject *r, PyObject *name, PyObject *obj)
{
    PyObject *res = PyObject_CallMethodOneArg((PyObject *)r, name, obj); /* re-entrancy point */
    if (!res)
        return -1;
    int t = PyObject_IsTrue(res);
    Py_DECREF(res);
    return t;
}

/* Returns 1 to keep walking the queue, 0 to stop, -1 on error. */
static int do_put(ResourceObject *r, PyObject *obj)
{
    faassim_state *st = r->st;
    if (r->py_do_put)
        return call_python_do(r, st->str_do_put, obj);
    if (!PyObject_TypeCheck(obj, st->Put_type)) {
        PyErr_Format(PyExc_TypeError, "%R: the put queue holds %.100s (%R), not a put event", r, Py_TYPE(obj)->tp_name,
                     obj);
        return -1;
    }
    ResEventObject *e = (ResEventObject *)obj;
    switch (r->kind) {
    case FS_RES_PREEMPTIVE:
        if (preempt_users(r, e) < 0)
            return -1;
        /* fall through */
    case FS_RES_RESOURCE:
    case FS_RES_PRIORITY:
        return resource_grant(r, e) < 0 ? -1 : 0;
    case FS_RES_STORE:
    case FS_RES_FILTER_STORE:
    case FS_RES_PRIORITY_STORE: {
        if ((double)PyList_GET_SIZE(r->items) < r->cap) {
            PyObject *item = e->item ? e->item : Py_None;
            if (r->kind == FS_RES_PRIORITY_STORE) {
                PyObject *x = PyObject_CallFunctionObjArgs(st->heappush, r->items, item, NULL);
                if (!x)
                    return -1;
                Py_DECREF(x);
            }
            else if (PyList_Append(r->items, item) < 0)
                return -1;
            if (event_succeed(&e->ev, Py_None) < 0)
                return -1;
        }
        return 0;
    }
    case FS_RES_CONTAINER: {
        PyObject *room = PyNumber_Subtract(r->capacity, r->level);
        if (!room)
            return -1;
        int fits = PyObject_RichCompareBool(room, e->amount, Py_GE);
        Py_DECREF(room);
        if (fits <= 0)
            return fits < 0 ? -1 : 0;
        PyObject *nl = PyNumber_Add(r->level, e->amount);
        if (!nl)
            return -1;
        Py_SETREF(r->level, nl);
        return event_succeed(&e->ev, Py_None) < 0 ? -1 : 1;
    }
    default:
        PyErr_SetString(PyExc_SystemError, "bad resource kind");
        return -1;
    }
}

static int do_get(ResourceObject *r, PyObject *obj)
{
    faassim_state *st = r->st;
    if (r->py_do_get)
        return call_python_do(r, st->str_do_get, obj);
    if (!PyObject_TypeCheck(obj, st->Get_type)) {
        PyErr_Format(PyExc_TypeError, "%R: the get queue holds %.100s (%R), not a get event", r, Py_TYPE(obj)->tp_name,
                     obj);
        return -1;
    }
    ResEventObject *e = (ResEventObject *)obj;
    switch (r->kind) {
    case FS_RES_RESOURCE:
    case FS_RES_PRIORITY:
    case FS_RES_PREEMPTIVE: {
        /* Release: drop the request from the users if it is there. */
        PyObject *req = e->item ? e->item : Py_None;
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(r->users); i++) {
            if (PyList_GET_ITEM(r->users, i) == req) {
                if (PySequence_DelItem(r->users, i) < 0)
                    return -1;
                break;
            }
        }
        return event_succeed(&e->ev, Py_None) < 0 ? -1 : 0;
    }
    case FS_RES_STORE:
    case FS_RES_PRIORITY_STORE: {
        if (PyList_GET_SIZE(r->items) == 0)
            return 0;
        PyObject *item;
        if (r->kind == FS_RES_PRIORITY_STORE)
            item = PyObject_CallOneArg(st->heappop, r->items);
        else {
            item = Py_NewRef(PyList_GET_ITEM(r->items, 0));
            if (PySequence_DelItem(r->items, 0) < 0) {
                Py_DECREF(item);
                return -1;
            }
        }
        if (!item)
            return -1;
        int rc = event_succeed(&e->ev, item);
        Py_DECREF(item);
        return rc < 0 ? -1 : 0;
    }
    case FS_RES_FILTER_STORE: {
        PyObject *filter = e->item ? e->item : st->default_filter;
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(r->items); i++) {
            PyObject *item = Py_NewRef(PyList_GET_ITEM(r->items, i));
            PyObject *ok = PyObject_CallOneArg(filter, item); /* re-entrancy point */
            int t = ok ? PyObject_IsTrue(ok) : -1;
            Py_XDECREF(ok);
            if (t < 0 || (t && (seq_remove(st, r->items, item) < 0 || event_succeed(&e->ev, item) < 0))) {
                Py_DECREF(item);
                return -1;
            }
            Py_DECREF(item);
            if (t)
                break;
        }
        return 1;
    }
    case FS_RES_CONTAINER: {
        int enough = PyObject_RichCompareBool(r->level, e->amount, Py_GE);
        if (enough <= 0)
            return enough < 0 ? -1 : 0;
        PyObject *nl = PyNumber_Subtract(r->level, e->amount);
        if (!nl)
            return -1;
        Py_SETREF(r->level, nl);
        return event_succeed(&e->ev, Py_None) < 0 ? -1 : 1;
    }
    default:
        PyErr_SetString(PyExc_SystemError, "bad resource kind");
        return -1;
    }
}

/* ------------------------------------------------------------------ */
/* Triggers                                                             */

static int trigger(ResourceObject *r, int put)
{
    faassim_state *st = r->st;
    PyObject *q = put ? r->put_queue : r->get_queue;
    if (!q)
        return resource_check_init(r);
    Py_INCREF(q);
    Py_INCREF(r);
    int rc = 0;
    Py_ssize_t idx = 0;
    for (;;) {
        Py_ssize_t n = seq_len(q);
        if (n < 0) {
            rc = -1;
            break;
        }
        if (idx >= n)
            break;
        PyObject *ev = PyList_CheckExact(q) ? Py_NewRef(PyList_GET_ITEM(q, idx)) : PySequence_GetItem(q, idx);
        if (!ev) {
            rc = -1;
            break;
        }
        int proceed = put ? do_put(r, ev) : do_get(r, ev);
        int trig = proceed < 0 ? -1 : event_is_triggered(st, ev);
        if (trig < 0) {
            Py_DECREF(ev);
            rc = -1;
            break;
        }
        if (!trig)
            idx++;
        else {
            PyObject *popped;
            if (PyList_CheckExact(q)) {
                popped = idx < PyList_GET_SIZE(q) ? Py_NewRef(PyList_GET_ITEM(q, idx)) : NULL;
                if (popped && PySequence_DelItem(q, idx) < 0) {
                    Py_DECREF(popped);
                    Py_DECREF(ev);
                    rc = -1;
                    break;
                }
            }
            else {
                PyObject *i = PyLong_FromSsize_t(idx);
                popped = i ? PyObject_CallMethodOneArg(q, st->str_pop, i) : NULL;
                Py_XDECREF(i);
                if (!popped) {
                    Py_DECREF(ev);
                    rc = -1;
                    break;
                }
            }
            int same = popped == ev;
            Py_XDECREF(popped);
            if (!same) {
                PyErr_Format(PyExc_RuntimeError, "%s queue invariant violated in %R", put ? "Put" : "Get", r);
                Py_DECREF(ev);
                rc = -1;
                break;
            }
        }
        Py_DECREF(ev);
        if (!proceed)
            break;
    }
    Py_DECREF(r);
    Py_DECREF(q);
    return rc;
}

/* C-callback entry points (FS_CB_TRIGGER_PUT/GET) and the Python-visible
 * methods share the same code; a Python override is honoured. */
static int call_trigger(ResourceObject *r, int put, PyObject *event)
{
    if (r->py_trigger) {
        PyObject *res = PyObject_CallMethodOneArg((PyObject *)r, put ? r->st->str_trigger_put : r->st->str_trigger_get,
                                                  event); /* re-entrancy point */
        Py_XDECREF(res);
        return res ? 0 : -1;
    }
    return trigger(r, put);
}

int resource_trigger_put(PyObject *res, PyObject *get_event)
{
    return call_trigger((ResourceObject *)res, 1, get_event);
}

int resource_trigger_get(PyObject *res, PyObject *put_event)
{
    return call_trigger((ResourceObject *)res, 0, put_event);
}

static PyObject *resource_trigger_put_meth(ResourceObject *self, PyObject *event)
{
    (void)event;
    if (trigger(self, 1) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *resource_trigger_get_meth(ResourceObject *self, PyObject *event)
{
    (void)event;
    if (trigger(self, 0) < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* _do_put/_do_get called from Python (e.g. super()._do_put(event) in a
 * subclass): run the built-in even when the subclass overrides it. */
static PyObject *builtin_do(ResourceObject *self, PyObject *event, int put)
{
    if (resource_check_init(self) < 0)
        return NULL;
    if (self->kind == FS_RES_GENERIC) {
        PyErr_Format(PyExc_NotImplementedError, "%R: subclasses of BaseResource must implement %s", self,
                     put ? "_do_put" : "_do_get");
        return NULL;
    }
    uint8_t *flag = put ? &self->py_do_put : &self->py_do_get;
    uint8_t saved = *flag;
    *flag = 0;
    int r = put ? do_put(self, event) : do_get(self, event);
    *flag = saved;
    if (r < 0)
        return NULL;
    return PyBool_FromLong(r);
}

static PyObject *resource_do_put_meth(ResourceObject *self, PyObject *event)
{
    return builtin_do(self, event, 1);
}

static PyObject *resource_do_get_meth(ResourceObject *self, PyObject *event)
{
    return builtin_do(self, event, 0);
}

/* ------------------------------------------------------------------ */
/* Request events                                                       */

/* Bind e to r, queue it, register the opposite trigger as its callback and
 * run this side's trigger (SimPy's Put/Get __init__). */
static int res_event_enqueue(ResEventObject *e, ResourceObject *r, int put)
{
    faassim_state *st = r->st;
    if (resource_check_init(r) < 0)
        return -1;
    if (e->resource) {
        PyErr_Format(PyExc_RuntimeError, "%R has already been initialised", e);
        return -1;
    }
    if (!e->ev.env)
        e->ev.env = (EnvironmentObject *)Py_NewRef(r->env);
    e->resource = Py_NewRef(r);
    e->proc = Py_NewRef(r->env->active_process ? r->env->active_process : Py_None);
    if (seq_append(st, put ? r->put_queue : r->get_queue, (PyObject *)e) < 0)
        return -1;
    if (r->py_trigger) {
        PyObject *cb = PyObject_GetAttr((PyObject *)r, put ? st->str_trigger_get : st->str_trigger_put);
        if (!cb)
            return -1;
        int rc = event_add_callback(&e->ev, cb);
        Py_DECREF(cb);
        if (rc < 0)
            return -1;
    }
    else if (event_add_ccb(&e->ev, put ? FS_CB_TRIGGER_GET : FS_CB_TRIGGER_PUT, (PyObject *)r) < 0)
        return -1;
    return call_trigger(r, put, Py_None);
}

static ResEventObject *res_event_new(PyTypeObject *tp, ResourceObject *r)
{
    if (resource_check_init(r) < 0)
        return NULL;
    return (ResEventObject *)event_alloc(tp, r->env);
}

static ResourceObject *as_resource(faassim_state *st, PyObject *obj, const char *who)
{
    if (!PyObject_TypeCheck(obj, st->BaseResource_type)) {
        PyErr_Format(PyExc_TypeError, "%s(): expected a resource, got %.100s (%R)", who, Py_TYPE(obj)->tp_name, obj);
        return NULL;
    }
    return (ResourceObject *)obj;
}

static int check_amount(PyObject *amount, const char *owner)
{
    double a;
    if (parse_number(amount, &a, "amount", owner) < 0)
        return -1;
    if (a <= 0) {
        PyErr_Format(PyExc_ValueError, "amount(=%R) must be > 0.", amount);
        return -1;
    }
    return 0;
}

static int plain_event_init(ResEventObject *self, PyObject *args, PyObject *kwds, int put)
{
    static char *kwlist[] = {"resource", NULL};
    PyObject *res;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, put ? "O:Put" : "O:Get", kwlist, &res))
        return -1;
    ResourceObject *r = as_resource(self->ev.st, res, put ? "Put" : "Get");
    return r ? res_event_enqueue(self, r, put) : -1;
}

static int Put_init(ResEventObject *self, PyObject *args, PyObject *kwds)
{
    return plain_event_init(self, args, kwds, 1);
}

static int Get_init(ResEventObject *self, PyObject *args, PyObject *kwds)
{
    return plain_event_init(self, args, kwds, 0);
}

static int Release_init(ResEventObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"resource", "request", NULL};
    PyObject *res, *req;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO:Release", kwlist, &res, &req))
        return -1;
    ResourceObject *r = as_resource(self->ev.st, res, "Release");
    if (!r)
        return -1;
    Py_XSETREF(self->item, Py_NewRef(req));
    return res_event_enqueue(self, r, 0);
}

static int set_priority_fields(ResEventObject *e, ResourceObject *r, PyObject *priority, PyObject *preempt)
{
    int p = PyObject_IsTrue(preempt);
    if (p < 0)
        return -1;
    PyObject *time = env_now_object(r->env);
    if (!time)
        return -1;
    PyObject *key = Py_BuildValue("(OOO)", priority, time, p ? Py_False : Py_True);
    if (!key) {
        Py_DECREF(time);
        return -1;
    }
    Py_XSETREF(e->priority, Py_NewRef(priority));
    Py_XSETREF(e->preempt, Py_NewRef(preempt));
    Py_XSETREF(e->time, time);
    Py_XSETREF(e->key, key);
    return 0;
}

static int PriorityRequest_init(ResEventObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"resource", "priority", "preempt", NULL};
    PyObject *res, *priority = NULL, *preempt = Py_True;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|OO:PriorityRequest", kwlist, &res, &priority, &preempt))
        return -1;
    ResourceObject *r = as_resource(self->ev.st, res, "PriorityRequest");
    if (!r || resource_check_init(r) < 0)
        return -1;
    PyObject *zero = NULL;
    if (!priority && !(priority = zero = PyLong_FromLong(0)))
        return -1;
    int rc = set_priority_fields(self, r, priority, preempt);
    Py_XDECREF(zero);
    return rc < 0 ? -1 : res_event_enqueue(self, r, 1);
}

static int StorePut_init(ResEventObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"store", "item", NULL};
    PyObject *res, *item;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO:StorePut", kwlist, &res, &item))
        return -1;
    ResourceObject *r = as_resource(self->ev.st, res, "StorePut");
    if (!r)
        return -1;
    Py_XSETREF(self->item, Py_NewRef(item));
    return res_event_enqueue(self, r, 1);
}

static int FilterStoreGet_init(ResEventObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"resource", "filter", NULL};
    PyObject *res, *filter = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|O:FilterStoreGet", kwlist, &res, &filter))
        return -1;
    ResourceObject *r = as_resource(self->ev.st, res, "FilterStoreGet");
    if (!r)
        return -1;
    if (filter == Py_None)
        filter = NULL;
    if (filter && !PyCallable_Check(filter)) {
        PyErr_Format(PyExc_TypeError, "FilterStoreGet(): filter must be callable, not %.100s",
                     Py_TYPE(filter)->tp_name);
        return -1;
    }
    Py_XSETREF(self->item, Py_NewRef(filter ? filter : self->ev.st->default_filter));
    return res_event_enqueue(self, r, 0);
}

static int container_event_init(ResEventObject *self, PyObject *args, PyObject *kwds, int put)
{
    static char *kwlist[] = {"container", "amount", NULL};
    PyObject *res, *amount;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, put ? "OO:ContainerPut" : "OO:ContainerGet", kwlist, &res, &amount))
        return -1;
    if (check_amount(amount, put ? "ContainerPut" : "ContainerGet") < 0)
        return -1;
    ResourceObject *r = as_resource(self->ev.st, res, put ? "ContainerPut" : "ContainerGet");
    if (!r)
        return -1;
    Py_XSETREF(self->amount, Py_NewRef(amount));
    return res_event_enqueue(self, r, put);
}

static int ContainerPut_init(ResEventObject *self, PyObject *args, PyObject *kwds)
{
    return container_event_init(self, args, kwds, 1);
}

static int ContainerGet_init(ResEventObject *self, PyObject *args, PyObject *kwds)
{
    return container_event_init(self, args, kwds, 0);
}

/* cancel(): leave the queue if not served yet (SimPy raises ValueError when
 * the event is no longer in the queue, e.g. on a second cancel). */
static PyObject *resevent_cancel(ResEventObject *self, PyObject *Py_UNUSED(ignored))
{
    faassim_state *st = self->ev.st;
    if (self->ev.value || !self->resource)
        Py_RETURN_NONE;
    ResourceObject *r = (ResourceObject *)self->resource;
    PyObject *q = PyObject_TypeCheck((PyObject *)self, st->Put_type) ? r->put_queue : r->get_queue;
    if (seq_remove(st, q, (PyObject *)self) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *resevent_enter(ResEventObject *self, PyObject *Py_UNUSED(ignored))
{
    return Py_NewRef(self);
}

static PyObject *resevent_exit(ResEventObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)args;
    (void)nargs;
    PyObject *r = PyObject_CallMethodNoArgs((PyObject *)self, self->ev.st->str_cancel);
    if (!r)
        return NULL;
    Py_DECREF(r);
    Py_RETURN_NONE;
}

/* Request.__exit__: cancel, then release, unless the generator is being
 * closed (GeneratorExit), as SimPy does to avoid resurrecting cycles. */
static PyObject *request_exit(ResEventObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *r = PyObject_CallMethodNoArgs((PyObject *)self, self->ev.st->str_cancel);
    if (!r)
        return NULL;
    Py_DECREF(r);
    PyObject *exc_type = nargs > 0 ? args[0] : Py_None;
    if (exc_type != PyExc_GeneratorExit && self->resource) {
        r = PyObject_CallMethodOneArg(self->resource, self->ev.st->str_release, (PyObject *)self);
        if (!r)
            return NULL;
        Py_DECREF(r);
    }
    Py_RETURN_NONE;
}

static int ResEvent_traverse(ResEventObject *self, visitproc visit, void *arg)
{
    Py_VISIT(self->resource);
    Py_VISIT(self->proc);
    Py_VISIT(self->item);
    Py_VISIT(self->amount);
    Py_VISIT(self->usage_since);
    Py_VISIT(self->priority);
    Py_VISIT(self->preempt);
    Py_VISIT(self->time);
    Py_VISIT(self->key);
    return Event_traverse_base(&self->ev, visit, arg);
}

static int ResEvent_clear(ResEventObject *self)
{
    Py_CLEAR(self->resource);
    Py_CLEAR(self->proc);
    Py_CLEAR(self->item);
    Py_CLEAR(self->amount);
    Py_CLEAR(self->usage_since);
    Py_CLEAR(self->priority);
    Py_CLEAR(self->preempt);
    Py_CLEAR(self->time);
    Py_CLEAR(self->key);
    return Event_clear_base(&self->ev);
}

/* ------------------------------------------------------------------ */
/* Factories (the resource methods)                                     */

static PyObject *finish_new(ResEventObject *e, ResourceObject *r, int put)
{
    if (!e)
        return NULL;
    if (res_event_enqueue(e, r, put) < 0) {
        Py_DECREF(e);
        return NULL;
    }
    return (PyObject *)e;
}

static PyObject *baseresource_put(ResourceObject *self, PyObject *Py_UNUSED(ignored))
{
    return finish_new(res_event_new(self->st->Put_type, self), self, 1);
}

static PyObject *baseresource_get(ResourceObject *self, PyObject *Py_UNUSED(ignored))
{
    return finish_new(res_event_new(self->st->Get_type, self), self, 0);
}

static PyObject *resource_request(ResourceObject *self, PyObject *Py_UNUSED(ignored))
{
    return finish_new(res_event_new(self->st->Request_type, self), self, 1);
}

static PyObject *resource_release(ResourceObject *self, PyObject *request)
{
    ResEventObject *e = res_event_new(self->st->Release_type, self);
    if (!e)
        return NULL;
    e->item = Py_NewRef(request);
    return finish_new(e, self, 0);
}

static PyObject *priority_request(ResourceObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"priority", "preempt", NULL};
    PyObject *priority = NULL, *preempt = Py_True;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|OO:request", kwlist, &priority, &preempt))
        return NULL;
    ResEventObject *e = res_event_new(self->st->PriorityRequest_type, self);
    if (!e)
        return NULL;
    PyObject *zero = NULL;
    if (!priority && !(priority = zero = PyLong_FromLong(0))) {
        Py_DECREF(e);
        return NULL;
    }
    int rc = set_priority_fields(e, self, priority, preempt);
    Py_XDECREF(zero);
    if (rc < 0) {
        Py_DECREF(e);
        return NULL;
    }
    return finish_new(e, self, 1);
}

static PyObject *store_put(ResourceObject *self, PyObject *item)
{
    ResEventObject *e = res_event_new(self->st->StorePut_type, self);
    if (!e)
        return NULL;
    e->item = Py_NewRef(item);
    return finish_new(e, self, 1);
}

static PyObject *store_get(ResourceObject *self, PyObject *Py_UNUSED(ignored))
{
    return finish_new(res_event_new(self->st->StoreGet_type, self), self, 0);
}

static PyObject *filterstore_get(ResourceObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"filter", NULL};
    PyObject *filter = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O:get", kwlist, &filter))
        return NULL;
    if (filter == Py_None)
        filter = NULL;
    if (filter && !PyCallable_Check(filter)) {
        PyErr_Format(PyExc_TypeError, "FilterStore.get(): filter must be callable, not %.100s",
                     Py_TYPE(filter)->tp_name);
        return NULL;
    }
    ResEventObject *e = res_event_new(self->st->FilterStoreGet_type, self);
    if (!e)
        return NULL;
    e->item = Py_NewRef(filter ? filter : self->st->default_filter);
    return finish_new(e, self, 0);
}

static PyObject *container_amount_event(ResourceObject *self, PyObject *amount, int put)
{
    if (check_amount(amount, put ? "Container.put()" : "Container.get()") < 0)
        return NULL;
    ResEventObject *e = res_event_new(put ? self->st->ContainerPut_type : self->st->ContainerGet_type, self);
    if (!e)
        return NULL;
    e->amount = Py_NewRef(amount);
    return finish_new(e, self, put);
}

static PyObject *container_put(ResourceObject *self, PyObject *amount)
{
    return container_amount_event(self, amount, 1);
}

static PyObject *container_get(ResourceObject *self, PyObject *amount)
{
    return container_amount_event(self, amount, 0);
}

/* ------------------------------------------------------------------ */
/* Attributes                                                           */

#define OBJ_GETTER(fname, field)                                                                                       \
    static PyObject *fname(ResourceObject *self, void *c)                                                              \
    {                                                                                                                  \
        (void)c;                                                                                                       \
        return Py_NewRef(self->field ? (PyObject *)self->field : Py_None);                                             \
    }

OBJ_GETTER(res_get_env, env)
OBJ_GETTER(res_get_capacity, capacity)
OBJ_GETTER(res_get_put_queue, put_queue)
OBJ_GETTER(res_get_get_queue, get_queue)
OBJ_GETTER(res_get_users, users)
OBJ_GETTER(res_get_items, items)
OBJ_GETTER(res_get_level, level)

static PyObject *res_get_count(ResourceObject *self, void *c)
{
    (void)c;
    return PyLong_FromSsize_t(self->users ? PyList_GET_SIZE(self->users) : 0);
}

static PyGetSetDef BaseResource_getset[] = {
    {"_env", (getter)res_get_env, NULL, "The Environment.", NULL},
    {"capacity", (getter)res_get_capacity, NULL, "Maximum capacity of the resource.", NULL},
    {"_capacity", (getter)res_get_capacity, NULL, "Maximum capacity of the resource.", NULL},
    {"put_queue", (getter)res_get_put_queue, NULL, "Queue of pending put requests.", NULL},
    {"get_queue", (getter)res_get_get_queue, NULL, "Queue of pending get requests.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyGetSetDef Resource_getset[] = {
    {"users", (getter)res_get_users, NULL, "Requests currently holding the resource.", NULL},
    {"queue", (getter)res_get_put_queue, NULL, "Pending requests (alias of put_queue).", NULL},
    {"count", (getter)res_get_count, NULL, "Number of users.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

/* SimPy's docs assign store.items (e.g. to start with a stock); the C code
 * needs a list (heapq for PriorityStore), which is kept as given. */
static int res_set_items(ResourceObject *self, PyObject *value, void *c)
{
    (void)c;
    if (!value) {
        PyErr_Format(PyExc_TypeError, "%R: items cannot be deleted (assign a list)", self);
        return -1;
    }
    if (!PyList_Check(value)) {
        PyErr_Format(PyExc_TypeError, "%R: items must be a list, not %.100s (%R)", self, Py_TYPE(value)->tp_name,
                     value);
        return -1;
    }
    Py_SETREF(self->items, Py_NewRef(value));
    return 0;
}

static PyGetSetDef Store_getset[] = {
    {"items", (getter)res_get_items, (setter)res_set_items, "Items available in the store (a list; assignable).", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyGetSetDef Container_getset[] = {
    {"level", (getter)res_get_level, NULL, "Current amount in the container.", NULL},
    {"_level", (getter)res_get_level, NULL, "Current amount in the container.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMemberDef Resource_members[] = {
    {"__dictoffset__", T_PYSSIZET, offsetof(ResourceObject, dict), READONLY, NULL},
    {"__weaklistoffset__", T_PYSSIZET, offsetof(ResourceObject, weaklist), READONLY, NULL},
    {NULL, 0, 0, 0, NULL},
};

static PyMethodDef BaseResource_methods[] = {
    {"put", (PyCFunction)baseresource_put, METH_NOARGS, "put()\n--\n\nRequest to put something into the resource."},
    {"get", (PyCFunction)baseresource_get, METH_NOARGS, "get()\n--\n\nRequest to get something from the resource."},
    {"_do_put", (PyCFunction)resource_do_put_meth, METH_O,
     "_do_put(event)\n--\n\nServe a put event; return True to go on with the next one."},
    {"_do_get", (PyCFunction)resource_do_get_meth, METH_O,
     "_do_get(event)\n--\n\nServe a get event; return True to go on with the next one."},
    {"_trigger_put", (PyCFunction)resource_trigger_put_meth, METH_O,
     "_trigger_put(get_event)\n--\n\nServe pending put events in order."},
    {"_trigger_get", (PyCFunction)resource_trigger_get_meth, METH_O,
     "_trigger_get(put_event)\n--\n\nServe pending get events in order."},
    {NULL, NULL, 0, NULL},
};

static PyMethodDef Resource_methods[] = {
    {"request", (PyCFunction)resource_request, METH_NOARGS,
     "request()\n--\n\nRequest a usage slot; use as a context manager to release it on exit."},
    {"release", (PyCFunction)resource_release, METH_O, "release(request)\n--\n\nRelease the slot held by *request*."},
    {NULL, NULL, 0, NULL},
};

static PyMethodDef PriorityResource_methods[] = {
    {"request", (PyCFunction)(void (*)(void))priority_request, METH_VARARGS | METH_KEYWORDS,
     "request(priority=0, preempt=True)\n--\n\nRequest a slot; lower priority values are served first."},
    {NULL, NULL, 0, NULL},
};

static PyMethodDef Store_methods[] = {
    {"put", (PyCFunction)store_put, METH_O, "put(item)\n--\n\nPut *item* into the store (waits while full)."},
    {"get", (PyCFunction)store_get, METH_NOARGS, "get()\n--\n\nGet the first item (waits while empty)."},
    {NULL, NULL, 0, NULL},
};

static PyMethodDef FilterStore_methods[] = {
    {"get", (PyCFunction)(void (*)(void))filterstore_get, METH_VARARGS | METH_KEYWORDS,
     "get(filter=None)\n--\n\nGet the first item for which filter(item) is true (any item when no filter\nis given)."},
    {NULL, NULL, 0, NULL},
};

static PyMethodDef Container_methods[] = {
    {"put", (PyCFunction)container_put, METH_O, "put(amount)\n--\n\nPut *amount* into the container."},
    {"get", (PyCFunction)container_get, METH_O, "get(amount)\n--\n\nTake *amount* out of the container."},
    {NULL, NULL, 0, NULL},
};

#define RES_COMMON_SLOTS                                                                                               \
    {Py_tp_traverse, Resource_traverse}, {Py_tp_clear, Resource_clear},                                                \
    {                                                                                                                  \
        Py_tp_dealloc, Resource_dealloc                                                                                \
    }

static PyType_Slot BaseResource_slots[] = {
    {Py_tp_new, Resource_new},
    {Py_tp_init, BaseResource_init},
    RES_COMMON_SLOTS,
    {Py_tp_methods, BaseResource_methods},
    {Py_tp_getset, BaseResource_getset},
    {Py_tp_members, Resource_members},
    {Py_tp_doc, "BaseResource(env, capacity)\n--\n\nBase of shared resources: a put queue and a get queue "
                "served by _do_put/_do_get (override them in Python to define a new resource)."},
    {0, NULL},
};

static PyType_Slot Resource_slots[] = {
    {Py_tp_init, Resource_init},
    RES_COMMON_SLOTS,
    {Py_tp_methods, Resource_methods},
    {Py_tp_getset, Resource_getset},
    {Py_tp_doc, "Resource(env, capacity=1)\n--\n\n*capacity* usage slots shared by processes, granted in "
                "request order."},
    {0, NULL},
};

static PyType_Slot PriorityResource_slots[] = {
    RES_COMMON_SLOTS,
    {Py_tp_methods, PriorityResource_methods},
    {Py_tp_doc, "PriorityResource(env, capacity=1)\n--\n\nA Resource whose queue is sorted by (priority, "
                "time, not preempt)."},
    {0, NULL},
};

static PyType_Slot PreemptiveResource_slots[] = {
    RES_COMMON_SLOTS,
    {Py_tp_doc, "PreemptiveResource(env, capacity=1)\n--\n\nA PriorityResource where a more important request "
                "interrupts (Preempted) the least important user."},
    {0, NULL},
};

static PyType_Slot Store_slots[] = {
    {Py_tp_init, Store_init},
    RES_COMMON_SLOTS,
    {Py_tp_methods, Store_methods},
    {Py_tp_getset, Store_getset},
    {Py_tp_doc, "Store(env, capacity=inf)\n--\n\nA FIFO store of Python objects."},
    {0, NULL},
};

static PyType_Slot PriorityStore_slots[] = {
    RES_COMMON_SLOTS,
    {Py_tp_doc, "PriorityStore(env, capacity=inf)\n--\n\nA Store that hands out the smallest item first "
                "(a heap; use PriorityItem)."},
    {0, NULL},
};

static PyType_Slot FilterStore_slots[] = {
    RES_COMMON_SLOTS,
    {Py_tp_methods, FilterStore_methods},
    {Py_tp_doc, "FilterStore(env, capacity=inf)\n--\n\nA Store whose get() takes a filter function."},
    {0, NULL},
};

static PyType_Slot Container_slots[] = {
    {Py_tp_init, Container_init},
    RES_COMMON_SLOTS,
    {Py_tp_methods, Container_methods},
    {Py_tp_getset, Container_getset},
    {Py_tp_doc, "Container(env, capacity=inf, init=0)\n--\n\nA continuous or discrete amount of matter."},
    {0, NULL},
};

/* Event types */
static PyMethodDef ResEvent_methods[] = {
    {"cancel", (PyCFunction)resevent_cancel, METH_NOARGS,
     "cancel()\n--\n\nLeave the queue if the request has not been served yet."},
    {"__enter__", (PyCFunction)resevent_enter, METH_NOARGS, NULL},
    {"__exit__", (PyCFunction)(void (*)(void))resevent_exit, METH_FASTCALL, NULL},
    {NULL, NULL, 0, NULL},
};

static PyMethodDef Request_methods[] = {
    {"__exit__", (PyCFunction)(void (*)(void))request_exit, METH_FASTCALL,
     "Cancel if still queued, then release the resource."},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef Put_members[] = {
    {"resource", T_OBJECT, offsetof(ResEventObject, resource), READONLY, "The resource."},
    {"proc", T_OBJECT, offsetof(ResEventObject, proc), READONLY, "The process that created the request."},
    {NULL, 0, 0, 0, NULL},
};

static PyMemberDef Request_members[] = {
    {"usage_since", T_OBJECT, offsetof(ResEventObject, usage_since), 0, "When the slot was granted (or None)."},
    {NULL, 0, 0, 0, NULL},
};

static PyMemberDef Release_members[] = {
    {"request", T_OBJECT, offsetof(ResEventObject, item), READONLY, "The request to release."},
    {NULL, 0, 0, 0, NULL},
};

static PyMemberDef PriorityRequest_members[] = {
    {"priority", T_OBJECT, offsetof(ResEventObject, priority), READONLY, "Priority (lower is more important)."},
    {"preempt", T_OBJECT, offsetof(ResEventObject, preempt), READONLY, "Whether the request may preempt."},
    {"time", T_OBJECT, offsetof(ResEventObject, time), READONLY, "When the request was made."},
    {"key", T_OBJECT, offsetof(ResEventObject, key), READONLY, "Sort key (priority, time, not preempt)."},
    {NULL, 0, 0, 0, NULL},
};

static PyMemberDef StorePut_members[] = {
    {"item", T_OBJECT, offsetof(ResEventObject, item), READONLY, "The item to put."},
    {NULL, 0, 0, 0, NULL},
};

static PyMemberDef FilterStoreGet_members[] = {
    {"filter", T_OBJECT, offsetof(ResEventObject, item), READONLY, "The filter function."},
    {NULL, 0, 0, 0, NULL},
};

static PyMemberDef ContainerEvent_members[] = {
    {"amount", T_OBJECT, offsetof(ResEventObject, amount), READONLY, "The amount to put or get."},
    {NULL, 0, 0, 0, NULL},
};

#define EV_COMMON_SLOTS                                                                                                \
    {Py_tp_traverse, ResEvent_traverse}, {Py_tp_clear, ResEvent_clear},                                                \
    {                                                                                                                  \
        Py_tp_dealloc, Event_dealloc_base                                                                              \
    }

static PyType_Slot Put_slots[] = {
    {Py_tp_init, Put_init},
    EV_COMMON_SLOTS,
    {Py_tp_methods, ResEvent_methods},
    {Py_tp_members, Put_members},
    {Py_tp_doc, "Put(resource)\n--\n\nA request to put into a resource (context manager: cancel on exit)."},
    {0, NULL},
};
static PyType_Slot Get_slots[] = {
    {Py_tp_init, Get_init},
    EV_COMMON_SLOTS,
    {Py_tp_methods, ResEvent_methods},
    {Py_tp_members, Put_members},
    {Py_tp_doc, "Get(resource)\n--\n\nA request to get from a resource (context manager: cancel on exit)."},
    {0, NULL},
};
static PyType_Slot Request_slots[] = {
    EV_COMMON_SLOTS,
    {Py_tp_methods, Request_methods},
    {Py_tp_members, Request_members},
    {Py_tp_doc, "Request(resource)\n--\n\nRequest a usage slot of a Resource; on `with` exit, release it."},
    {0, NULL},
};
static PyType_Slot Release_slots[] = {
    {Py_tp_init, Release_init},
    EV_COMMON_SLOTS,
    {Py_tp_members, Release_members},
    {Py_tp_doc, "Release(resource, request)\n--\n\nRelease the slot held by *request*."},
    {0, NULL},
};
static PyType_Slot PriorityRequest_slots[] = {
    {Py_tp_init, PriorityRequest_init},
    EV_COMMON_SLOTS,
    {Py_tp_members, PriorityRequest_members},
    {Py_tp_doc, "PriorityRequest(resource, priority=0, preempt=True)\n--\n\nA prioritised request."},
    {0, NULL},
};
static PyType_Slot StorePut_slots[] = {
    {Py_tp_init, StorePut_init},
    EV_COMMON_SLOTS,
    {Py_tp_members, StorePut_members},
    {Py_tp_doc, "StorePut(store, item)\n--\n\nPut *item* into a store."},
    {0, NULL},
};
static PyType_Slot StoreGet_slots[] = {
    EV_COMMON_SLOTS,
    {Py_tp_doc, "StoreGet(store)\n--\n\nGet an item from a store."},
    {0, NULL},
};
static PyType_Slot FilterStoreGet_slots[] = {
    {Py_tp_init, FilterStoreGet_init},
    EV_COMMON_SLOTS,
    {Py_tp_members, FilterStoreGet_members},
    {Py_tp_doc, "FilterStoreGet(resource, filter=None)\n--\n\nGet the first item of a FilterStore for which "
                "filter(item) is true\n(any item when no filter is given)."},
    {0, NULL},
};
static PyType_Slot ContainerPut_slots[] = {
    {Py_tp_init, ContainerPut_init},
    EV_COMMON_SLOTS,
    {Py_tp_members, ContainerEvent_members},
    {Py_tp_doc, "ContainerPut(container, amount)\n--\n\nPut *amount* into a container."},
    {0, NULL},
};
static PyType_Slot ContainerGet_slots[] = {
    {Py_tp_init, ContainerGet_init},
    EV_COMMON_SLOTS,
    {Py_tp_members, ContainerEvent_members},
    {Py_tp_doc, "ContainerGet(container, amount)\n--\n\nTake *amount* out of a container."},
    {0, NULL},
};

#define FLAGS (Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC)
#define RSPEC(var, nm, sl)                                                                                             \
    static PyType_Spec var = {.name = nm, .basicsize = sizeof(ResourceObject), .flags = FLAGS, .slots = sl};
#define ESPEC(var, nm, sl)                                                                                             \
    static PyType_Spec var = {.name = nm, .basicsize = sizeof(ResEventObject), .flags = FLAGS, .slots = sl};

RSPEC(BaseResource_spec, "faassim.BaseResource", BaseResource_slots)
RSPEC(Resource_spec, "faassim.Resource", Resource_slots)
RSPEC(PriorityResource_spec, "faassim.PriorityResource", PriorityResource_slots)
RSPEC(PreemptiveResource_spec, "faassim.PreemptiveResource", PreemptiveResource_slots)
RSPEC(Store_spec, "faassim.Store", Store_slots)
RSPEC(PriorityStore_spec, "faassim.PriorityStore", PriorityStore_slots)
RSPEC(FilterStore_spec, "faassim.FilterStore", FilterStore_slots)
RSPEC(Container_spec, "faassim.Container", Container_slots)
ESPEC(Put_spec, "faassim.Put", Put_slots)
ESPEC(Get_spec, "faassim.Get", Get_slots)
ESPEC(Request_spec, "faassim.Request", Request_slots)
ESPEC(Release_spec, "faassim.Release", Release_slots)
ESPEC(PriorityRequest_spec, "faassim.PriorityRequest", PriorityRequest_slots)
ESPEC(StorePut_spec, "faassim.StorePut", StorePut_slots)
ESPEC(StoreGet_spec, "faassim.StoreGet", StoreGet_slots)
ESPEC(FilterStoreGet_spec, "faassim.FilterStoreGet", FilterStoreGet_slots)
ESPEC(ContainerPut_spec, "faassim.ContainerPut", ContainerPut_slots)
ESPEC(ContainerGet_spec, "faassim.ContainerGet", ContainerGet_slots)

static PyTypeObject *make_type(PyObject *m, PyType_Spec *spec, PyTypeObject *base)
{
    PyTypeObject *tp = (PyTypeObject *)PyType_FromModuleAndSpec(m, spec, (PyObject *)base);
    if (!tp)
        return NULL;
    if (PyModule_AddType(m, tp) < 0) {
        Py_DECREF(tp);
        return NULL;
    }
    return tp;
}

int Resource_setup(PyObject *m, faassim_state *st)
{
#define MK(field, spec, base)                                                                                          \
    if (!(st->field = make_type(m, &spec, base)))                                                                      \
        return -1;
    MK(BaseResource_type, BaseResource_spec, NULL);
    MK(Resource_type, Resource_spec, st->BaseResource_type);
    MK(PriorityResource_type, PriorityResource_spec, st->Resource_type);
    MK(PreemptiveResource_type, PreemptiveResource_spec, st->PriorityResource_type);
    MK(Store_type, Store_spec, st->BaseResource_type);
    MK(PriorityStore_type, PriorityStore_spec, st->Store_type);
    MK(FilterStore_type, FilterStore_spec, st->Store_type);
    MK(Container_type, Container_spec, st->BaseResource_type);
    MK(Put_type, Put_spec, st->Event_type);
    MK(Get_type, Get_spec, st->Event_type);
    MK(Request_type, Request_spec, st->Put_type);
    MK(Release_type, Release_spec, st->Get_type);
    MK(PriorityRequest_type, PriorityRequest_spec, st->Request_type);
    MK(StorePut_type, StorePut_spec, st->Put_type);
    MK(StoreGet_type, StoreGet_spec, st->Get_type);
    MK(FilterStoreGet_type, FilterStoreGet_spec, st->StoreGet_type);
    MK(ContainerPut_type, ContainerPut_spec, st->Put_type);
    MK(ContainerGet_type, ContainerGet_spec, st->Get_type);
#undef MK
    /* Queue factories as class attributes, so subclasses can change them. */
    if (PyObject_SetAttr((PyObject *)st->BaseResource_type, st->str_PutQueue, (PyObject *)&PyList_Type) < 0 ||
        PyObject_SetAttr((PyObject *)st->BaseResource_type, st->str_GetQueue, (PyObject *)&PyList_Type) < 0 ||
        PyObject_SetAttr((PyObject *)st->PriorityResource_type, st->str_PutQueue, st->SortedQueue) < 0)
        return -1;
    return 0;
}
