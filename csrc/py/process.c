/* process.c: Process, an event driven by a generator.
 *
 * process_resume() is SimPy's Process._resume in C: it sends the value of
 * the event that woke the process into the generator (or throws a copy of
 * its exception, chained to the original with __cause__), and keeps going
 * while the generator yields events that are already processed. When the
 * generator yields a pending event, the process registers itself as an
 * inline C callback on it (no Python object is created). When the generator
 * returns or raises, the process event is triggered with the return value or
 * the exception and scheduled (NORMAL). */
#include "event.h"

#include <frameobject.h>

static PyObject *Process_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    ProcessObject *p = (ProcessObject *)Event_new(type, args, kwds);
    if (p)
        p->ev.st->live_processes++;
    return (PyObject *)p;
}

static int check_generator(faassim_state *st, PyObject *gen)
{
    if (PyGen_Check(gen))
        return 0;
    int has = PyObject_HasAttr(gen, st->str_throw);
    if (!has) {
        PyErr_Format(PyExc_ValueError, "%R is not a generator.", gen);
        return -1;
    }
    return 0;
}

/* Bind the generator and schedule the Initialize event (URGENT) that starts
 * it. An event stands for a faas-sim generator method (env.faas.invoke(r)
 * returns one): the process then drives `yield from event`, so
 * env.process(event) works as env.process(generator) did. */
static int process_start(ProcessObject *p, PyObject *gen)
{
    EnvironmentObject *env = p->ev.env;
    if (p->generator) {
        PyErr_Format(PyExc_RuntimeError, "%R has already been started", p);
        return -1;
    }
    if (Event_Check(env->st, gen)) {
        if (!(p->generator = Event_iter((EventObject *)gen)))
            return -1;
        p->from_event = 1;
    }
    else if (check_generator(env->st, gen) < 0)
        return -1;
    else
        p->generator = Py_NewRef(gen);
    EventObject *init = event_alloc(env->st->Initialize_type, env);
    if (!init)
        return -1;
    init->ok = 1;
    init->value = Py_NewRef(Py_None);
    if (event_add_ccb(init, FS_CB_RESUME, (PyObject *)p) < 0 || env_schedule(env, init, FS_PRIO_URGENT, 0.0) < 0) {
        Py_DECREF(init);
        return -1;
    }
    Py_XSETREF(p->target, (PyObject *)init);
    return 0;
}

PyObject *process_new(EnvironmentObject *env, PyObject *gen)
{
    ProcessObject *p = (ProcessObject *)event_alloc(env->st->Process_type, env);
    if (!p)
        return NULL;
    env->st->live_processes++;
    if (process_start(p, gen) < 0) {
        Py_DECREF(p);
        return NULL;
    }
    return (PyObject *)p;
}

static int Process_init(ProcessObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"env", "generator", NULL};
    PyObject *env, *gen;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO:Process", kwlist, &env, &gen))
        return -1;
    if (event_bind_env(&self->ev, env) < 0)
        return -1;
    return process_start(self, gen);
}

/* A fresh copy of exception `exc` for throwing into one process (SimPy
 * does the same so that processes do not share traceback state), with the
 * original as __cause__. Falls back to the original if the type cannot be
 * rebuilt from its args. Returns a new reference. */
static PyObject *copy_exception(faassim_state *st, PyObject *exc)
{
    if (!PyExceptionInstance_Check(exc)) {
        PyErr_Format(PyExc_RuntimeError, "failed event carries a non-exception value %R", exc);
        return NULL;
    }
    PyObject *args = PyObject_GetAttr(exc, st->str_args);
    if (!args || !PyTuple_Check(args)) {
        Py_XDECREF(args);
        PyErr_Clear();
        return Py_NewRef(exc);
    }
    PyObject *copy = PyObject_Call((PyObject *)Py_TYPE(exc), args, NULL);
    Py_DECREF(args);
    if (!copy || !PyExceptionInstance_Check(copy)) {
        Py_XDECREF(copy);
        PyErr_Clear();
        return Py_NewRef(exc);
    }
    PyException_SetCause(copy, Py_NewRef(exc)); /* steals */
    return copy;
}

static void set_invalid_yield_error(ProcessObject *proc, PyObject *value, const char *why)
{
    PyObject *where = NULL;
    PyObject *frame = PyObject_GetAttr(proc->generator, proc->ev.st->str_gi_frame);
    if (frame && PyFrame_Check(frame)) {
        PyCodeObject *code = PyFrame_GetCode((PyFrameObject *)frame);
        where = PyUnicode_FromFormat("\n  File \"%U\", line %d, in %U", code->co_filename,
                                     PyFrame_GetLineNumber((PyFrameObject *)frame), code->co_name);
        Py_DECREF(code);
    }
    Py_XDECREF(frame);
    PyErr_Clear();
    if (!where && !(where = PyUnicode_FromString("")))
        return;
    /* The generator's qualified name says which function (and class, for a
     * method such as a simulator hook) yielded the value. */
    PyObject *qualname = PyObject_GetAttrString(proc->generator, "__qualname__");
    if (!qualname || !PyUnicode_Check(qualname)) {
        PyErr_Clear();
        Py_XSETREF(qualname, PyUnicode_FromString("?"));
        if (!qualname) {
            Py_DECREF(where);
            return;
        }
    }
    /* SimPy's words first (its tests match 'Invalid yield value "None"'). */
    PyErr_Format(PyExc_RuntimeError, "Invalid yield value \"%S\" from %R (%U): %s%U", value, proc, qualname, why,
                 where);
    Py_DECREF(qualname);
    Py_DECREF(where);
}

int process_resume(ProcessObject *proc, EventObject *ev)
{
    EnvironmentObject *env = proc->ev.env;
    faassim_state *st = proc->ev.st;
    PyObject *gen = proc->generator;
    if (!env || !gen) {
        PyErr_Format(PyExc_RuntimeError, "%R was resumed but has no generator", proc);
        return -1;
    }
    if (proc->ev.value) /* already triggered (e.g. by user code): nothing to drive */
        return 0;
    Py_INCREF(proc);
    Py_INCREF(gen);
    Py_INCREF(ev);
    Py_XSETREF(env->active_process, Py_NewRef(proc));
    int rc = 0;
    PyObject *to_throw = NULL; /* an invalid yield's error, thrown into the generator */
    for (;;) {
        PyObject *result = NULL;
        PySendResult sr;
        if (ev->ok && !to_throw) {
            sr = PyIter_Send(gen, ev->value, &result); /* re-entrancy point */
        }
        else {
            /* The process has to handle the failure (or fail itself). */
            PyObject *exc = to_throw;
            to_throw = NULL;
            if (!exc) {
                if (proc->from_event && ev->defused)
                    proc->fail_quietly = 1;
                ev->defused = 1;
                exc = copy_exception(st, ev->value);
            }
            if (!exc) {
                rc = -1;
                break;
            }
            result = PyObject_CallMethodOneArg(gen, st->str_throw, exc); /* re-entrancy point */
            Py_DECREF(exc);
            if (result)
                sr = PYGEN_NEXT;
            else if (PyErr_ExceptionMatches(PyExc_StopIteration)) {
                PyObject *type, *val, *tb;
                PyErr_Fetch(&type, &val, &tb);
                PyErr_NormalizeException(&type, &val, &tb);
                result = val ? PyObject_GetAttr(val, st->str_value) : Py_NewRef(Py_None);
                Py_XDECREF(type);
                Py_XDECREF(val);
                Py_XDECREF(tb);
                if (!result) {
                    rc = -1;
                    break;
                }
                sr = PYGEN_RETURN;
            }
            else
                sr = PYGEN_ERROR;
        }
        if (sr == PYGEN_RETURN || sr == PYGEN_ERROR) {
            if (sr == PYGEN_ERROR) {
                PyObject *type, *val, *tb;
                PyErr_Fetch(&type, &val, &tb);
                PyErr_NormalizeException(&type, &val, &tb);
                if (tb) {
                    PyException_SetTraceback(val, tb);
                    Py_DECREF(tb);
                }
                Py_XDECREF(type);
                result = val;
            }
            Py_CLEAR(proc->target);
            if (proc->ev.value) {
                /* Triggered from inside its own generator: keep the first
                 * outcome, report the conflict. */
                Py_DECREF(result);
                PyErr_Format(PyExc_RuntimeError, "%R was triggered while its generator was running", proc);
                rc = -1;
                break;
            }
            proc->ev.ok = sr == PYGEN_RETURN;
            proc->ev.value = result; /* steals */
            if (!proc->ev.ok && proc->fail_quietly)
                proc->ev.defused = 1;
            rc = env_schedule(env, &proc->ev, FS_PRIO_NORMAL, 0.0);
            break;
        }
        /* The generator yielded something. */
        const char *bad = NULL;
        if (!Py_IS_TYPE(result, st->Timeout_type) && !Event_Check(st, result))
            bad = "a process must yield events";
        else if (((EventObject *)result)->env && ((EventObject *)result)->env != env)
            bad = "the event belongs to another environment (a process waits for events of its own)";
        if (bad) {
            set_invalid_yield_error(proc, result, bad);
            Py_DECREF(result);
            if (proc->throw_bad_yield && (to_throw = fs_err_take()) != NULL)
                continue; /* a platform hook: the error ends the hook (see simulator.c) */
            Py_CLEAR(proc->target);
            rc = -1;
            break;
        }
        EventObject *next = (EventObject *)result;
        if (!next->processed) {
            if (event_add_ccb(next, FS_CB_RESUME, (PyObject *)proc) < 0) {
                Py_DECREF(result);
                rc = -1;
                break;
            }
            Py_XSETREF(proc->target, result); /* steals */
            break;
        }
        /* Already processed: feed its outcome right away. */
        Py_SETREF(ev, next);
    }
    Py_CLEAR(env->active_process);
    Py_DECREF(ev);
    Py_DECREF(gen);
    Py_DECREF(proc);
    return rc;
}

int process_interrupt_cb(ProcessObject *proc, EventObject *interruption)
{
    if (proc->ev.value) /* the process ended before the interruption fired */
        return 0;
    if (!proc->target) {
        PyErr_Format(PyExc_RuntimeError, "cannot interrupt %R: it is not waiting on any event", proc);
        return -1;
    }
    EventObject *target = (EventObject *)proc->target;
    int r = event_remove_ccb(target, FS_CB_RESUME, (PyObject *)proc);
    if (r < 0)
        return -1;
    if (r == 0) {
        PyErr_Format(PyExc_ValueError, "cannot interrupt %R: its resume callback was removed from the callbacks of %R",
                     proc, target);
        return -1;
    }
    return process_resume(proc, interruption);
}

PyDoc_STRVAR(interrupt_doc, "interrupt(cause=None)\n--\n\n"
                            "Throw an Interrupt(cause) into this process at the current time (URGENT).\n"
                            "Raises RuntimeError if the process has terminated or interrupts itself.");

static PyObject *process_interrupt(ProcessObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"cause"};
    PyObject *cause;
    if (fs_parse_args("interrupt", args, nargs, kwnames, names, 1, 0, &cause) < 0)
        return NULL;
    if (!cause)
        cause = Py_None;
    if (event_check_init(&self->ev) < 0)
        return NULL;
    EnvironmentObject *env = self->ev.env;
    faassim_state *st = self->ev.st;
    if (self->ev.value) {
        PyErr_Format(PyExc_RuntimeError, "%R has terminated and cannot be interrupted.", self);
        return NULL;
    }
    if ((PyObject *)self == env->active_process) {
        PyErr_Format(PyExc_RuntimeError, "A process is not allowed to interrupt itself (%R).", self);
        return NULL;
    }
    PyObject *exc = PyObject_CallOneArg(st->Interrupt, cause);
    if (!exc)
        return NULL;
    EventObject *intr = event_alloc(st->Interruption_type, env);
    if (!intr) {
        Py_DECREF(exc);
        return NULL;
    }
    intr->ok = 0;
    intr->defused = 1;
    intr->value = exc; /* steals */
    if (event_add_ccb(intr, FS_CB_INTERRUPT, (PyObject *)self) < 0 ||
        env_schedule(env, intr, FS_PRIO_URGENT, 0.0) < 0) {
        Py_DECREF(intr);
        return NULL;
    }
    Py_DECREF(intr);
    Py_RETURN_NONE;
}

static PyObject *process_desc(ProcessObject *self, PyObject *Py_UNUSED(ignored))
{
    PyObject *name = self->generator ? PyObject_GetAttr(self->generator, self->ev.st->str_name) : NULL;
    if (!name) {
        PyErr_Clear();
        return PyUnicode_FromFormat("%s(?)", _PyType_Name(Py_TYPE(self)));
    }
    PyObject *r = PyUnicode_FromFormat("%s(%S)", _PyType_Name(Py_TYPE(self)), name);
    Py_DECREF(name);
    return r;
}

static PyObject *process_get_target(ProcessObject *self, void *c)
{
    (void)c;
    return Py_NewRef(self->target ? self->target : Py_None);
}

static PyObject *process_get_name(ProcessObject *self, void *c)
{
    (void)c;
    if (!self->generator)
        Py_RETURN_NONE;
    return PyObject_GetAttr(self->generator, self->ev.st->str_name);
}

static PyObject *process_get_is_alive(ProcessObject *self, void *c)
{
    (void)c;
    return PyBool_FromLong(self->ev.value == NULL);
}

static PyObject *process_get_generator(ProcessObject *self, void *c)
{
    (void)c;
    return Py_NewRef(self->generator ? self->generator : Py_None);
}

static PyObject *process_get_resume(ProcessObject *self, void *c)
{
    (void)c;
    return ccb_object_new(self->ev.st, FS_CB_RESUME, (PyObject *)self);
}

static int Process_traverse(ProcessObject *self, visitproc visit, void *arg)
{
    Py_VISIT(self->generator);
    Py_VISIT(self->target);
    return Event_traverse_base(&self->ev, visit, arg);
}

static int Process_clear(ProcessObject *self)
{
    Py_CLEAR(self->generator);
    Py_CLEAR(self->target);
    return Event_clear_base(&self->ev);
}

static void Process_dealloc(ProcessObject *self)
{
    if (self->ev.st)
        self->ev.st->live_processes--;
    Event_dealloc_base(&self->ev);
}

static PyMethodDef Process_methods[] = {
    {"interrupt", (PyCFunction)(void (*)(void))process_interrupt, METH_FASTCALL | METH_KEYWORDS, interrupt_doc},
    {"_desc", (PyCFunction)process_desc, METH_NOARGS, "_desc()\n--\n\nShort description used by repr()."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Process_getset[] = {
    {"target", (getter)process_get_target, NULL, "The event the process is waiting for (None if dead).", NULL},
    {"_target", (getter)process_get_target, NULL, "Alias of target.", NULL},
    {"name", (getter)process_get_name, NULL, "Name of the generator function.", NULL},
    {"is_alive", (getter)process_get_is_alive, NULL, "True until the generator has returned or raised.", NULL},
    {"_generator", (getter)process_get_generator, NULL, "The generator driven by the process.", NULL},
    {"_resume", (getter)process_get_resume, NULL, "The callback that resumes the process.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyDoc_STRVAR(Process_doc, "Process(env, generator)\n--\n\n"
                          "Drive *generator*: each yielded event suspends it until the event is\n"
                          "processed; its value is sent back (a failure is thrown in). The process is\n"
                          "itself an event, triggered with the generator's return value or exception.");

static PyType_Slot Process_slots[] = {
    {Py_tp_new, Process_new},           {Py_tp_init, Process_init},       {Py_tp_dealloc, Process_dealloc},
    {Py_tp_traverse, Process_traverse}, {Py_tp_clear, Process_clear},     {Py_tp_methods, Process_methods},
    {Py_tp_getset, Process_getset},     {Py_tp_doc, (void *)Process_doc}, {0, NULL},
};

static PyType_Spec Process_spec = {
    .name = "faassim.Process",
    .basicsize = sizeof(ProcessObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = Process_slots,
};

int Process_setup(PyObject *m, faassim_state *st)
{
    st->Process_type = (PyTypeObject *)PyType_FromModuleAndSpec(m, &Process_spec, (PyObject *)st->Event_type);
    if (!st->Process_type)
        return -1;
    return PyModule_AddType(m, st->Process_type);
}
