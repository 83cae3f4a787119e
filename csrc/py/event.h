/* event.h: events and what waits on them: Event and Timeout (event.c), the
 * inline C callbacks and _Callback (callback.c), Process (process.c) and
 * Condition (condition.c).
 *
 * Events keep up to FS_INLINE_CBS "C callbacks" inline: a (kind, target)
 * pair that the engine dispatches without creating a Python object (a
 * process waiting on a timeout, a condition checking an event, a resource
 * re-triggering its queues). Python only sees a list when it asks for
 * `event.callbacks` or when a Python callable is added; at that moment the
 * inline entries are turned into _Callback objects at the front of the list,
 * in order, so SimPy's callback ordering is preserved exactly. Invariant:
 * if ev->callbacks (the list) exists, ev->ncb == 0. */
#ifndef FAASSIM_EVENT_H
#define FAASSIM_EVENT_H

#include "environment.h"

enum fs_cb_kind {
    FS_CB_NONE = 0,
    FS_CB_RESUME,      /* target: Process; Process._resume */
    FS_CB_CHECK,       /* target: Condition; Condition._check */
    FS_CB_BUILD_VALUE, /* target: Condition; Condition._build_value */
    FS_CB_INTERRUPT,   /* target: Process; Interruption._interrupt */
    FS_CB_STOP,        /* target: Environment; stops run(until=...) */
    FS_CB_TRIGGER_PUT, /* target: BaseResource; BaseResource._trigger_put */
    FS_CB_TRIGGER_GET, /* target: BaseResource; BaseResource._trigger_get */
    FS_CB_LIFECYCLE,   /* target: FunctionReplica; a lifecycle hook (or scheduling latency) finished */
    FS_CB_INVOKED,     /* target: FunctionRequest; its invoke hook finished */
    FS_CB_WATCHDOG,    /* target: FunctionRequest; a watchdog sub-hook finished */
};

#define FS_INLINE_CBS 2

typedef struct {
    PyObject *target; /* strong ref */
    uint8_t kind;
} fs_ccb;

/* A C callback seen from Python (an element of event.callbacks). */
typedef struct {
    PyObject_HEAD fs_ccb cb;
    vectorcallfunc vectorcall;
} CallbackObject;

typedef struct EventObject {
    PyObject_HEAD faassim_state *st;
    EnvironmentObject *env; /* strong ref; NULL until initialised */
    PyObject *value;        /* NULL while pending */
    PyObject *callbacks;    /* list, or NULL (inline only / processed) */
    fs_ccb cb[FS_INLINE_CBS];
    uint8_t ncb;
    uint8_t ok;
    uint8_t defused;
    uint8_t processed;
    PyObject *dict;
    PyObject *weaklist;
} EventObject;

typedef struct {
    EventObject ev;
    double delay;
    uint8_t int_delay; /* the delay was given as an int (Timeout.delay returns an int) */
} TimeoutObject;

typedef struct {
    EventObject ev;
    PyObject *generator;
    PyObject *target;        /* event waited on, strong ref, or NULL */
    uint8_t throw_bad_yield; /* an invalid yield is thrown into the generator (platform hooks) instead of
                                raised from run() with the process left waiting */
    uint8_t from_event;      /* started as env.process(event): drives `yield from event` */
    uint8_t fail_quietly;    /* the event it drives failed already defused (a failure the platform
                                recorded): the process fails defused too */
} ProcessObject;

typedef struct {
    EventObject ev;
    PyObject *evaluate;
    PyObject *events; /* tuple */
    Py_ssize_t count;
    uint8_t eval_kind; /* 0: Python callable, 1: all, 2: any */
} ConditionObject;

#define Event_Check(st, o) PyObject_TypeCheck((o), (st)->Event_type)
#define Process_Check(st, o) PyObject_TypeCheck((o), (st)->Process_type)
#define Condition_Check(st, o) PyObject_TypeCheck((o), (st)->Condition_type)

/* event.c */
int Event_setup(PyObject *m, faassim_state *st);
/* Allocate an untriggered event of type tp (an Event subtype) bound to env.
 * Returns a new reference. */
EventObject *event_alloc(PyTypeObject *tp, EnvironmentObject *env);
/* Set env on ev (used by tp_new/tp_init); raises TypeError if not an env. */
int event_bind_env(EventObject *ev, PyObject *env);
/* Succeed/fail/trigger semantics of SimPy; value is borrowed. */
int event_succeed(EventObject *ev, PyObject *value);
int event_fail(EventObject *ev, PyObject *exc);
/* Add a C callback; falls back to the list when inline slots are full or a
 * list exists. Target is borrowed (a new reference is taken). */
int event_add_ccb(EventObject *ev, int kind, PyObject *target);
/* Add any Python callable. */
int event_add_callback(EventObject *ev, PyObject *callable);
/* Remove the first C callback (kind, target); returns 1 if removed, 0 if
 * not found, -1 on error. */
int event_remove_ccb(EventObject *ev, int kind, PyObject *target);
/* Run the callbacks of a popped event and raise its failure if undefused;
 * ev is borrowed. Returns 0, or -1 with an exception set. */
int event_process(EnvironmentObject *env, EventObject *ev);
/* Return a check that ev is usable (env bound). */
int event_check_init(EventObject *ev);
int Event_traverse_base(EventObject *self, visitproc visit, void *arg);
int Event_clear_base(EventObject *self);
void Event_dealloc_base(EventObject *self);
/* tp_new of every event type: allocation only (any arguments), binding the
 * environment when it is the first argument. Returns a new reference. */
PyObject *Event_new(PyTypeObject *type, PyObject *args, PyObject *kwds);
void event_freelist_clear(faassim_state *st);
#define FS_TIMEOUT_FREELIST_MAX 1024
/* Raise the exception object exc (borrowed) with its own traceback, so the
 * user's frames stay visible to the caller of run(); a non-exception value
 * (set through _value) raises RuntimeError instead. */
void raise_exception_object(PyObject *exc);
/* iter(event): the iterator behind `yield from event` (new reference). */
PyObject *Event_iter(EventObject *self);
/* Timeout construction used by env.timeout (int_delay: see
 * env_schedule_delay); timeout_new's delay is a float. */
PyObject *timeout_new_delay(EnvironmentObject *env, double delay, int int_delay, PyObject *value);
static inline PyObject *timeout_new(EnvironmentObject *env, double delay, PyObject *value)
{
    return timeout_new_delay(env, delay, 0, value);
}

/* callback.c */
int Callback_setup(PyObject *m, faassim_state *st);
/* Run C callback (kind, target) on event; returns 0 or -1 with an error. */
int ccb_dispatch(EnvironmentObject *env, int kind, PyObject *target, EventObject *ev);
/* New _Callback object wrapping (kind, target). */
PyObject *ccb_object_new(faassim_state *st, int kind, PyObject *target);
/* If obj is a _Callback equal to (kind, target). */
int ccb_object_matches(faassim_state *st, PyObject *obj, int kind, PyObject *target);

/* process.c */
int Process_setup(PyObject *m, faassim_state *st);
PyObject *process_new(EnvironmentObject *env, PyObject *generator);
int process_resume(ProcessObject *proc, EventObject *ev);
int process_interrupt_cb(ProcessObject *proc, EventObject *interruption);

/* condition.c */
int Condition_setup(PyObject *m, faassim_state *st);
int condition_check(ConditionObject *cond, EventObject *ev);
int condition_build_value(ConditionObject *cond, EventObject *ev);
PyObject *condition_new(PyTypeObject *tp, EnvironmentObject *env, PyObject *evaluate, PyObject *events);

#endif
