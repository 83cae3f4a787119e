/* condition.c: Condition, AllOf, AnyOf.
 *
 * A condition registers an inline C "check" callback on each of its events
 * and a "build value" callback on itself (always its first callback). When
 * the condition is processed, the check callbacks still pending on other
 * events are removed (this breaks the cycles between the condition and
 * events that never fire), and its value becomes a ConditionValue listing the
 * processed events, nested conditions flattened, in the order given. A failed
 * event fails the condition with the same exception (and is defused). */
#include "event.h"

static int condition_setup_events(ConditionObject *c, PyObject *evaluate, PyObject *events)
{
    faassim_state *st = c->ev.st;
    if (c->events) {
        PyErr_Format(PyExc_RuntimeError, "%R has already been initialised", c);
        return -1;
    }
    if (!PyCallable_Check(evaluate)) {
        PyErr_Format(PyExc_TypeError, "Condition(): evaluate must be callable, not %.100s", Py_TYPE(evaluate)->tp_name);
        return -1;
    }
    c->evaluate = Py_NewRef(evaluate);
    c->eval_kind = evaluate == st->all_events ? 1 : evaluate == st->any_events ? 2 : 0;
    PyObject *tuple = PySequence_Tuple(events);
    if (!tuple)
        return -1;
    c->events = tuple;
    Py_ssize_t n = PyTuple_GET_SIZE(tuple);
    if (n == 0) {
        PyObject *cv = PyObject_CallNoArgs(st->ConditionValue);
        if (!cv)
            return -1;
        int rc = event_succeed(&c->ev, cv);
        Py_DECREF(cv);
        return rc;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *e = PyTuple_GET_ITEM(tuple, i);
        if (!Event_Check(st, e)) {
            PyErr_Format(PyExc_TypeError, "%s(): expected events, got %.100s (%R) at position %zd",
                         _PyType_Name(Py_TYPE(c)), Py_TYPE(e)->tp_name, e, i);
            return -1;
        }
        if (((EventObject *)e)->env != c->ev.env) {
            PyErr_SetString(PyExc_ValueError, "It is not allowed to mix events from different environments");
            return -1;
        }
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        EventObject *e = (EventObject *)PyTuple_GET_ITEM(tuple, i);
        int rc = e->processed ? condition_check(c, e) : event_add_ccb(e, FS_CB_CHECK, (PyObject *)c);
        if (rc < 0)
            return -1;
    }
    return event_add_ccb(&c->ev, FS_CB_BUILD_VALUE, (PyObject *)c);
}

PyObject *condition_new(PyTypeObject *tp, EnvironmentObject *env, PyObject *evaluate, PyObject *events)
{
    ConditionObject *c = (ConditionObject *)event_alloc(tp, env);
    if (!c)
        return NULL;
    if (condition_setup_events(c, evaluate, events) < 0) {
        Py_DECREF(c);
        return NULL;
    }
    return (PyObject *)c;
}

static int Condition_init(ConditionObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"env", "evaluate", "events", NULL};
    PyObject *env, *evaluate, *events;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOO:Condition", kwlist, &env, &evaluate, &events))
        return -1;
    if (event_bind_env(&self->ev, env) < 0)
        return -1;
    return condition_setup_events(self, evaluate, events);
}

static int AllOf_init(ConditionObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"env", "events", NULL};
    PyObject *env, *events;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO:AllOf", kwlist, &env, &events))
        return -1;
    if (event_bind_env(&self->ev, env) < 0)
        return -1;
    return condition_setup_events(self, self->ev.st->all_events, events);
}

static int AnyOf_init(ConditionObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"env", "events", NULL};
    PyObject *env, *events;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO:AnyOf", kwlist, &env, &events))
        return -1;
    if (event_bind_env(&self->ev, env) < 0)
        return -1;
    return condition_setup_events(self, self->ev.st->any_events, events);
}

int condition_check(ConditionObject *c, EventObject *ev)
{
    if (c->ev.value)
        return 0;
    c->count++;
    if (!ev->ok) {
        ev->defused = 1;
        return event_fail(&c->ev, ev->value);
    }
    Py_ssize_t n = PyTuple_GET_SIZE(c->events);
    int met;
    if (c->eval_kind == 1)
        met = c->count == n;
    else if (c->eval_kind == 2)
        met = c->count > 0 || n == 0;
    else {
        PyObject *cnt = PyLong_FromSsize_t(c->count);
        if (!cnt)
            return -1;
        PyObject *r = PyObject_CallFunctionObjArgs(c->evaluate, c->events, cnt, NULL); /* re-entrancy point */
        Py_DECREF(cnt);
        if (!r)
            return -1;
        met = PyObject_IsTrue(r);
        Py_DECREF(r);
        if (met < 0)
            return -1;
        if (c->ev.value) /* the evaluate function triggered us itself */
            return 0;
    }
    if (met)
        return event_succeed(&c->ev, Py_None);
    return 0;
}

static int condition_remove_checks(ConditionObject *c)
{
    faassim_state *st = c->ev.st;
    Py_ssize_t n = PyTuple_GET_SIZE(c->events);
    for (Py_ssize_t i = 0; i < n; i++) {
        EventObject *e = (EventObject *)PyTuple_GET_ITEM(c->events, i);
        if (!e->processed && event_remove_ccb(e, FS_CB_CHECK, (PyObject *)c) < 0)
            return -1;
        if (Condition_Check(st, e) && ((ConditionObject *)e)->events &&
            condition_remove_checks((ConditionObject *)e) < 0)
            return -1;
    }
    return 0;
}

static int condition_populate(ConditionObject *c, PyObject *list)
{
    faassim_state *st = c->ev.st;
    Py_ssize_t n = PyTuple_GET_SIZE(c->events);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *e = PyTuple_GET_ITEM(c->events, i);
        if (Condition_Check(st, e)) {
            if (((ConditionObject *)e)->events && condition_populate((ConditionObject *)e, list) < 0)
                return -1;
        }
        else if (((EventObject *)e)->processed && PyList_Append(list, e) < 0)
            return -1;
    }
    return 0;
}

int condition_build_value(ConditionObject *c, EventObject *ev)
{
    if (condition_remove_checks(c) < 0)
        return -1;
    if (!ev->ok)
        return 0;
    faassim_state *st = c->ev.st;
    PyObject *cv = PyObject_CallNoArgs(st->ConditionValue);
    if (!cv)
        return -1;
    PyObject *list = PyObject_GetAttr(cv, st->str_events);
    if (!list || !PyList_Check(list)) {
        Py_XDECREF(list);
        Py_DECREF(cv);
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_TypeError, "ConditionValue.events must be a list");
        return -1;
    }
    int rc = condition_populate(c, list);
    Py_DECREF(list);
    if (rc < 0) {
        Py_DECREF(cv);
        return -1;
    }
    Py_XSETREF(c->ev.value, cv);
    return 0;
}

static PyObject *condition_desc(ConditionObject *self, PyObject *Py_UNUSED(ignored))
{
    PyObject *name = self->evaluate ? PyObject_GetAttr(self->evaluate, self->ev.st->str_name) : NULL;
    if (!name) {
        PyErr_Clear();
        name = PyUnicode_FromString("?");
        if (!name)
            return NULL;
    }
    PyObject *r =
        PyUnicode_FromFormat("%s(%U, %R)", _PyType_Name(Py_TYPE(self)), name, self->events ? self->events : Py_None);
    Py_DECREF(name);
    return r;
}

static PyObject *condition_get_events(ConditionObject *self, void *c)
{
    (void)c;
    return Py_NewRef(self->events ? self->events : Py_None);
}

static PyObject *condition_get_evaluate(ConditionObject *self, void *c)
{
    (void)c;
    return Py_NewRef(self->evaluate ? self->evaluate : Py_None);
}

static PyObject *condition_get_count(ConditionObject *self, void *c)
{
    (void)c;
    return PyLong_FromSsize_t(self->count);
}

static PyObject *condition_get_check(ConditionObject *self, void *c)
{
    (void)c;
    return ccb_object_new(self->ev.st, FS_CB_CHECK, (PyObject *)self);
}

static PyObject *condition_get_build_value(ConditionObject *self, void *c)
{
    (void)c;
    return ccb_object_new(self->ev.st, FS_CB_BUILD_VALUE, (PyObject *)self);
}

static int Condition_traverse(ConditionObject *self, visitproc visit, void *arg)
{
    Py_VISIT(self->evaluate);
    Py_VISIT(self->events);
    return Event_traverse_base(&self->ev, visit, arg);
}

static int Condition_clear(ConditionObject *self)
{
    Py_CLEAR(self->evaluate);
    Py_CLEAR(self->events);
    return Event_clear_base(&self->ev);
}

static PyObject *all_events(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    (void)module;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "all_events(events, count) takes 2 arguments");
        return NULL;
    }
    Py_ssize_t n = PyObject_Length(args[0]);
    if (n < 0)
        return NULL;
    Py_ssize_t count = PyLong_AsSsize_t(args[1]);
    if (count == -1 && PyErr_Occurred())
        return NULL;
    return PyBool_FromLong(n == count);
}

static PyObject *any_events(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    (void)module;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "any_events(events, count) takes 2 arguments");
        return NULL;
    }
    Py_ssize_t n = PyObject_Length(args[0]);
    if (n < 0)
        return NULL;
    Py_ssize_t count = PyLong_AsSsize_t(args[1]);
    if (count == -1 && PyErr_Occurred())
        return NULL;
    return PyBool_FromLong(count > 0 || n == 0);
}

static PyMethodDef eval_defs[] = {
    {"all_events", (PyCFunction)(void (*)(void))all_events, METH_FASTCALL,
     "all_events(events, count)\n--\n\nTrue if all *events* have been processed."},
    {"any_events", (PyCFunction)(void (*)(void))any_events, METH_FASTCALL,
     "any_events(events, count)\n--\n\nTrue if at least one of *events* has been processed (or there are none)."},
};

/* SimPy's Condition._populate_value: append the processed events (nested
 * conditions flattened) to value.events. */
static PyObject *condition_populate_value(ConditionObject *self, PyObject *value)
{
    PyObject *list = PyObject_GetAttr(value, self->ev.st->str_events);
    if (!list)
        return NULL;
    if (!PyList_Check(list)) {
        PyErr_Format(PyExc_TypeError, "_populate_value(): %R.events must be a list, not %.100s", value,
                     Py_TYPE(list)->tp_name);
        Py_DECREF(list);
        return NULL;
    }
    int rc = self->events ? condition_populate(self, list) : 0;
    Py_DECREF(list);
    if (rc < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyMethodDef Condition_methods[] = {
    {"_desc", (PyCFunction)condition_desc, METH_NOARGS, "_desc()\n--\n\nShort description used by repr()."},
    {"_populate_value", (PyCFunction)condition_populate_value, METH_O,
     "_populate_value(value)\n--\n\nAppend the events processed so far (nested conditions flattened) to\n"
     "value.events (value: a ConditionValue)."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Condition_getset[] = {
    {"_events", (getter)condition_get_events, NULL, "The events of the condition (tuple).", NULL},
    {"_evaluate", (getter)condition_get_evaluate, NULL, "evaluate(events, count) -> bool.", NULL},
    {"_count", (getter)condition_get_count, NULL, "Number of events processed so far.", NULL},
    {"_check", (getter)condition_get_check, NULL, "The callback registered on each event.", NULL},
    {"_build_value", (getter)condition_get_build_value, NULL, "The callback that builds the value.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyDoc_STRVAR(Condition_doc, "Condition(env, evaluate, events)\n--\n\n"
                            "An event triggered once evaluate(events, processed_count) is true; fails\n"
                            "as soon as one of the events fails. Its value is a ConditionValue.");

static PyType_Slot Condition_slots[] = {
    {Py_tp_dealloc, Event_dealloc_base},  {Py_tp_init, Condition_init},
    {Py_tp_traverse, Condition_traverse}, {Py_tp_clear, Condition_clear},
    {Py_tp_methods, Condition_methods},   {Py_tp_getset, Condition_getset},
    {Py_tp_doc, (void *)Condition_doc},   {0, NULL},
};

static PyType_Spec Condition_spec = {
    .name = "faassim.Condition",
    .basicsize = sizeof(ConditionObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .slots = Condition_slots,
};

static PyType_Slot AllOf_slots[] = {
    {Py_tp_dealloc, Event_dealloc_base},
    {Py_tp_traverse, Condition_traverse},
    {Py_tp_clear, Condition_clear},
    {Py_tp_init, AllOf_init},
    {Py_tp_doc, "AllOf(env, events)\n--\n\nA condition triggered once all *events* succeeded."},
    {0, NULL},
};

static PyType_Spec AllOf_spec = {
    .name = "faassim.AllOf",
    .basicsize = sizeof(ConditionObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = AllOf_slots,
};

static PyType_Slot AnyOf_slots[] = {
    {Py_tp_dealloc, Event_dealloc_base},
    {Py_tp_traverse, Condition_traverse},
    {Py_tp_clear, Condition_clear},
    {Py_tp_init, AnyOf_init},
    {Py_tp_doc, "AnyOf(env, events)\n--\n\nA condition triggered once any of *events* succeeded."},
    {0, NULL},
};

static PyType_Spec AnyOf_spec = {
    .name = "faassim.AnyOf",
    .basicsize = sizeof(ConditionObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = AnyOf_slots,
};

int Condition_setup(PyObject *m, faassim_state *st)
{
    PyObject *modname = PyModule_GetNameObject(m);
    if (!modname)
        return -1;
    st->all_events = PyCFunction_NewEx(&eval_defs[0], NULL, modname);
    st->any_events = PyCFunction_NewEx(&eval_defs[1], NULL, modname);
    Py_DECREF(modname);
    if (!st->all_events || !st->any_events)
        return -1;
    /* Condition is created mutable so that all_events/any_events can be put
     * in its dict as static methods, then frozen. */
    PyTypeObject *tp = (PyTypeObject *)PyType_FromModuleAndSpec(m, &Condition_spec, (PyObject *)st->Event_type);
    if (!tp)
        return -1;
    st->Condition_type = tp;
    PyObject *sa = PyStaticMethod_New(st->all_events);
    PyObject *sb = PyStaticMethod_New(st->any_events);
    int rc = (!sa || !sb || PyObject_SetAttrString((PyObject *)tp, "all_events", sa) < 0 ||
              PyObject_SetAttrString((PyObject *)tp, "any_events", sb) < 0)
                 ? -1
                 : 0;
    Py_XDECREF(sa);
    Py_XDECREF(sb);
    if (rc < 0)
        return -1;
    tp->tp_flags |= Py_TPFLAGS_IMMUTABLETYPE;
    PyType_Modified(tp);
    if (PyModule_AddType(m, tp) < 0)
        return -1;
    st->AllOf_type = (PyTypeObject *)PyType_FromModuleAndSpec(m, &AllOf_spec, (PyObject *)tp);
    st->AnyOf_type = (PyTypeObject *)PyType_FromModuleAndSpec(m, &AnyOf_spec, (PyObject *)tp);
    if (!st->AllOf_type || !st->AnyOf_type)
        return -1;
    if (PyModule_AddType(m, st->AllOf_type) < 0 || PyModule_AddType(m, st->AnyOf_type) < 0)
        return -1;
    return 0;
}
