/*
 * module.h: module state and the internal API shared by the binding files.
 *
 * Design note
 * -----------
 * One file per Python type (environment.c, event.c, process.c, condition.c,
 * callback.c, resource.c, ...); each has a *_setup(module, state) function
 * called from the module's Py_mod_exec slot. No static PyObject* globals:
 * every type, exception and interned string lives in faassim_state, and each
 * Environment caches the state pointer so hot paths never look it up.
 *
 * Events keep up to FS_INLINE_CBS "C callbacks" inline: a (kind, target)
 * pair that the engine dispatches without creating a Python object (a
 * process waiting on a timeout, a condition checking an event, a resource
 * re-triggering its queues). Python only sees a list when it asks for
 * `event.callbacks` or when a Python callable is added; at that moment the
 * inline entries are turned into _Callback objects at the front of the list,
 * in order, so SimPy's callback ordering is preserved exactly. Invariant:
 * if ev->callbacks (the list) exists, ev->ncb == 0.
 */
#ifndef FAASSIM_MODULE_H
#define FAASSIM_MODULE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <stdint.h>

#include "fs_sim.h"
#include "fs_rng.h"
#include "fs_metrics.h"
#include "fs_power.h"

/* Every object the module state owns, as an X-macro so that traverse and
 * clear cannot miss one. */
// clang-format off
#define FAASSIM_STATE_TYPES(X) \
    X(Environment_type)        \
    X(Random_type)             \
    X(Event_type)              \
    X(Timeout_type)            \
    X(Initialize_type)         \
    X(Interruption_type)       \
    X(Process_type)            \
    X(Condition_type)          \
    X(AllOf_type)              \
    X(AnyOf_type)              \
    X(Callback_type)           \
    X(EventIter_type)          \
    X(BaseResource_type)       \
    X(Resource_type)           \
    X(PriorityResource_type)   \
    X(PreemptiveResource_type) \
    X(Store_type)              \
    X(PriorityStore_type)      \
    X(FilterStore_type)        \
    X(Container_type)          \
    X(Put_type)                \
    X(Get_type)                \
    X(Request_type)            \
    X(Release_type)            \
    X(PriorityRequest_type)    \
    X(StorePut_type)           \
    X(StoreGet_type)           \
    X(FilterStoreGet_type)     \
    X(ContainerPut_type)       \
    X(ContainerGet_type)       \
    X(Metrics_type)            \
    X(FunctionSimulator_type)  \
    X(FaasSystem_type)         \
    X(FunctionReplica_type)    \
    X(FunctionRequest_type)    \
    X(LoadBalancer_type)       \
    X(Scheduler_type)          \
    X(LinearPowerModel_type)   \
    X(RequestSource_type)      \
    X(Watchdog_type)           \
    X(ResourceState_type)      \
    X(ResourceUtilization_type) \
    X(NodeResourceUtilization_type) \
    X(ResourceMonitor_type)     \
    X(MetricsServer_type)       \
    X(PowerPredictionSimulator_type) \
    X(Energy_type)

#define FAASSIM_STATE_OBJECTS(X) \
    X(Interrupt)                 \
    X(EmptySchedule)             \
    X(ConditionValue)            \
    X(urandom)                   \
    X(pending)                   \
    X(SortedQueue)               \
    X(Preempted)                 \
    X(all_events)                \
    X(any_events)                \
    X(heappush)                  \
    X(heappop)                   \
    X(default_filter)            \
    X(str_throw)                 \
    X(str_name)                  \
    X(str_args)                  \
    X(str_events)                \
    X(str_do_put)                \
    X(str_do_get)                \
    X(str_trigger_put)           \
    X(str_trigger_get)           \
    X(str_release)               \
    X(str_interrupt)             \
    X(str_append)                \
    X(str_remove)                \
    X(str_pop)                   \
    X(str_PutQueue)              \
    X(str_GetQueue)              \
    X(str_desc)                  \
    X(str_cancel)                \
    X(str_key)                   \
    X(str_proc)                  \
    X(str_usage_since)           \
    X(str_triggered)             \
    X(str_gi_frame)              \
    X(str_value)                 \
    X(str_time)                  \
    X(str_close)                 \
    X(str_next_replica)          \
    X(str_schedule)              \
    X(str_weight)                \
    X(str_get_resource_requirements) \
    X(str_log_invocation)        \
    X(str_log_start_exec)        \
    X(str_log_stop_exec)         \
    X(str_log_fet)               \
    X(str_claim_resources)       \
    X(str_release_resources)     \
    X(str_execute)               \
    X(str_predict)               \
    X(power_np)                  \
    X(FunctionState_members)     \
    X(FunctionResponse)          \
    X(base_log_invocation)       \
    X(base_log_start_exec)       \
    X(base_log_stop_exec)        \
    X(base_log_fet)              \
    X(base_log_function_resource_utilization) \
    X(base_log_resource_utilization) \
    X(base_log_energy)           \
    X(base_log_power)            \
    X(str_log_energy)            \
    X(str_log_power)             \
    X(NodePowerModel)            \
    X(component_factory)
// clang-format on

#define FAASSIM_DECLARE_TYPE(name) PyTypeObject *name;
#define FAASSIM_DECLARE_OBJECT(name) PyObject *name;

typedef struct {
    FAASSIM_STATE_TYPES(FAASSIM_DECLARE_TYPE)
    FAASSIM_STATE_OBJECTS(FAASSIM_DECLARE_OBJECT)
    PyObject *hook_names[5]; /* interned names of the FunctionSimulator hooks (owned) */
    /* live-object counters (tests check they return to baseline) */
    Py_ssize_t live_events;
    Py_ssize_t live_environments;
    Py_ssize_t live_processes;
    Py_ssize_t live_resources;
    Py_ssize_t live_replicas;
    Py_ssize_t live_requests;
    /* memory of dead Timeouts kept for reuse (see Event_dealloc_base) */
    struct EventObject *free_timeouts;
    int n_free_timeouts;
} faassim_state;

struct EventObject;
extern PyModuleDef faassim_module;

static inline faassim_state *faassim_get_state(PyObject *module)
{
    return (faassim_state *)PyModule_GetState(module);
}
/* State from a type defined by this module (or a Python subclass of one). */
faassim_state *faassim_state_from_type(PyTypeObject *tp);

/* ------------------------------------------------------------------ */
/* Environment                                                          */

/* The platform's components carried by an Environment (faas-sim's env.*). */
enum fs_component {
    FS_COMP_METRICS = 0,
    FS_COMP_FAAS,
    FS_COMP_TOPOLOGY,
    FS_COMP_SCHEDULER,
    FS_COMP_LOAD_BALANCER,
    FS_COMP_SIMULATOR_FACTORY,
    FS_COMP_CONTAINER_REGISTRY,
    FS_COMP_BACKGROUND_PROCESSES,
    FS_COMP_RESOURCE_STATE,
    FS_COMP_METRICS_SERVER,
    FS_COMP_RESOURCE_MONITOR,
    FS_COMP_POWER_MODELS,
    FS_COMP_ENERGY,
    FS_NCOMP
};

typedef struct EnvironmentObject {
    PyObject_HEAD faassim_state *st;
    struct fs_sim sim;
    PyObject *active_process; /* strong ref or NULL */
    PyObject *seed;           /* as given, or None */
    struct RandomObject *rng; /* env.rng: strong ref, set in tp_new, kept until dealloc */
    PyObject *dict;
    PyObject *weaklist;
    int running;              /* inside run()/step() */
    int stop;                 /* set by the until-callback */
    PyObject *stop_value;     /* value to return from run() when stop */
    PyObject *comp[FS_NCOMP]; /* env.metrics, env.faas, ...: created on first access, or as set */
    PyObject *native_owners;  /* list of objects whose C actions are queued (request sources), or NULL */
} EnvironmentObject;

/* The environment that embeds sim (for C actions, which get the fs_sim). */
#define ENV_OF_SIM(s) ((EnvironmentObject *)((char *)(s) - offsetof(EnvironmentObject, sim)))
/* A C action that fails with a Python exception set returns this status;
 * the run loop then propagates the exception. */
#define FS_EPYTHON (-1000)
/* env's component i: a new reference, created by the registered factory on
 * first use (NULL with an exception on error). */
PyObject *env_component(EnvironmentObject *env, int i);

/* ------------------------------------------------------------------ */
/* Random (rng.c): the seeded random source                             */

typedef struct RandomObject {
    PyObject_HEAD struct fs_rng rng;
} RandomObject;

/* The random stream every built-in of env draws from. Never NULL: tp_new
 * creates env->rng and only dealloc drops it (tp_clear keeps it, since a
 * Random holds no references and cannot be part of a cycle). */
static inline struct fs_rng *env_rng(EnvironmentObject *env)
{
    return &env->rng->rng;
}

/* ------------------------------------------------------------------ */
/* Events                                                               */

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
} TimeoutObject;

typedef struct {
    EventObject ev;
    PyObject *generator;
    PyObject *target;        /* event waited on, strong ref, or NULL */
    uint8_t throw_bad_yield; /* an invalid yield is thrown into the generator (platform hooks) instead of
                                raised from run() with the process left waiting */
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
#define Environment_Check(st, o) PyObject_TypeCheck((o), (st)->Environment_type)

/* environment.c */
int Environment_setup(PyObject *m, faassim_state *st);
/* Push ev (new strong ref taken) at now + delay with priority. */
int env_schedule(EnvironmentObject *env, EventObject *ev, int priority, double delay);
/* Validate a delay given by the user; sets a Python error and returns -1. */
int env_parse_delay(PyObject *obj, double *out, const char *who);

/* rng.c */
int Random_setup(PyObject *m, faassim_state *st);
/* Parse a seed: None (64 bits from os.urandom) or an int in [0, 2**64)
 * (anything with __index__). Returns 0, or -1 with TypeError/ValueError
 * naming `who` and the value. */
int random_parse_seed(faassim_state *st, PyObject *seed, uint64_t *out, const char *who);
/* A new Random started from seed (new reference), or NULL. */
RandomObject *random_new_seeded(faassim_state *st, uint64_t seed);

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
/* Make sure ev->callbacks is a list holding every callback; returns it
 * (borrowed) or NULL with an error. */
PyObject *event_materialize(EventObject *ev);
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
/* Timeout construction used by env.timeout. */
PyObject *timeout_new(EnvironmentObject *env, double delay, PyObject *value);

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

/* resource.c */
int Resource_setup(PyObject *m, faassim_state *st);
int resource_trigger_put(PyObject *res, PyObject *get_event);
int resource_trigger_get(PyObject *res, PyObject *put_event);

/* metrics.c: faassim._core.Metrics over the engine's fs_metrics tables.
 * C API for built-in (C) platform code that logs rows without creating
 * Python objects: resolve ids once, then per row
 *     metrics_begin_row(m, tid); metrics_set_f64(m, tid, col, x); ...;
 *     metrics_end_row(m, tid);
 * Every function returns >= 0, or -1 with a Python exception set (then the
 * open row has been aborted). Table, column and string ids stay valid for
 * the life of the Metrics object (clear() keeps them). Numeric setters widen
 * the column like log() does (bool -> int -> float); a value of another kind
 * raises TypeError. Resolve ids outside a row (a column created inside a row
 * that is then aborted disappears). Hold a reference to m while using it:
 * env.metrics may be replaced by Python code. */
struct MetricsObject;
typedef struct MetricsObject MetricsObject;
#define Metrics_Check(st, o) PyObject_TypeCheck((o), (st)->Metrics_type)
int Metrics_setup(PyObject *m, faassim_state *st);
/* Id of the measurement called name (UTF-8), created if missing. */
int metrics_table(MetricsObject *m, const char *name);
/* Id of a column (type: an fs_col_type; is_tag: a tag rather than a field),
 * created if missing. */
int metrics_column(MetricsObject *m, int table, const char *name, int type, int is_tag);
/* Id of a string in the registry's pool (for metrics_set_str). */
int metrics_intern(MetricsObject *m, const char *s, Py_ssize_t len);
/* Open a row at env.now (or at `time`). */
int metrics_begin_row(MetricsObject *m, int table);
int metrics_begin_row_at(MetricsObject *m, int table, double time);
int metrics_set_f64(MetricsObject *m, int table, int col, double v);
int metrics_set_i64(MetricsObject *m, int table, int col, int64_t v);
int metrics_set_bool(MetricsObject *m, int table, int col, int v);
int metrics_set_str(MetricsObject *m, int table, int col, int str_id);
/* obj is borrowed; the Metrics keeps it alive while the row is stored. */
int metrics_set_obj(MetricsObject *m, int table, int col, PyObject *obj);
int metrics_end_row(MetricsObject *m, int table);
void metrics_abort_row(MetricsObject *m, int table);
/* A whole row at env.now in one call: vals[k] of kind kinds[k] (F64, I64,
 * STR or BOOL) in column cols[k]; as begin_row, the setters and end_row
 * (same rows, widening and errors), but a row whose columns already have
 * the values' types is stored directly (fs_table_log_row). */
int metrics_log_row(MetricsObject *m, int table, const int *cols, const int *kinds, const union fs_value *vals, int n);
/* A row being built for metrics_log_row: row_f64 / row_i64 / row_str add a
 * value (at most METRICS_ROW_MAX), metrics_log_built logs it. */
#define METRICS_ROW_MAX 16
struct metrics_row {
    int cols[METRICS_ROW_MAX], kinds[METRICS_ROW_MAX], n;
    union fs_value v[METRICS_ROW_MAX];
};
static inline void row_f64(struct metrics_row *r, int col, double x)
{
    r->cols[r->n] = col;
    r->kinds[r->n] = FS_COL_F64;
    r->v[r->n++].f64 = x;
}
static inline void row_i64(struct metrics_row *r, int col, int64_t x)
{
    r->cols[r->n] = col;
    r->kinds[r->n] = FS_COL_I64;
    r->v[r->n++].i64 = x;
}
static inline void row_str(struct metrics_row *r, int col, int32_t id)
{
    r->cols[r->n] = col;
    r->kinds[r->n] = FS_COL_STR;
    r->v[r->n++].str = id;
}
static inline int metrics_log_built(MetricsObject *m, int table, const struct metrics_row *r)
{
    return metrics_log_row(m, table, r->cols, r->kinds, r->v, r->n);
}

/* simulator.c */
enum fs_hook { FS_HOOK_DEPLOY, FS_HOOK_STARTUP, FS_HOOK_SETUP, FS_HOOK_INVOKE, FS_HOOK_TEARDOWN, FS_NHOOKS };

typedef struct {
    PyObject_HEAD faassim_state *st;
    uint32_t overridden; /* bit i set: hook i is Python code */
    uint8_t detected;    /* overridden is valid */
    PyObject *dict;
    PyObject *weaklist;
} SimulatorObject;

int Simulator_setup(PyObject *m, faassim_state *st);
/* 1 if the hook is overridden in Python, 0 if not, -1 on error. */
int simulator_hook_overridden(SimulatorObject *sim, int hook);
/* Call hook with (env, *args) (args: 1 item, or 2 for invoke; borrowed).
 * Returns 0 when it completed at once (*wait_on = NULL), 1 with *wait_on a
 * new reference to the event to wait for, or -1 with an exception set. */
/* Call the Python method `name` of sim with (env, *args) (nargs <= 3) and
 * classify the result as simulator_call_hook does. */
int simulator_call_method(SimulatorObject *sim, PyObject *name, EnvironmentObject *env, PyObject *const *args,
                          int nargs, PyObject **wait_on);
int simulator_call_hook(SimulatorObject *sim, int hook, EnvironmentObject *env, PyObject *const *args,
                        PyObject **wait_on);

/* ------------------------------------------------------------------ */
/* The platform (faas.c, replica.c, request.c, balancer.c, scheduler.c, */
/* source.c)                                                            */

#include "fs_lb.h"
#include "fs_placement.h"
#include "fs_sched.h"

struct FaasObject;
struct fs_inv;

enum fs_replica_phase {
    FS_PH_QUEUED = 0, /* waiting for the scheduler */
    FS_PH_SCHEDULING, /* placed (or not), scheduling latency running */
    FS_PH_DEPLOY,
    FS_PH_STARTUP,
    FS_PH_SETUP,
    FS_PH_RUNNING,
    FS_PH_TEARDOWN,
    FS_PH_DONE,   /* SUSPENDED: torn down, resources returned */
    FS_PH_FAILED, /* FAILED: unplaceable, or a hook raised */
};

/* FunctionState values (faas-sim's, plus FAILED). */
enum { FS_ST_CONCEIVED = 1, FS_ST_STARTING, FS_ST_RUNNING, FS_ST_SUSPENDED, FS_ST_FAILED };

typedef struct ReplicaObject {
    PyObject_HEAD faassim_state *st;
    struct FaasObject *faas; /* strong ref */
    uint32_t id;             /* replica_id: dense per environment, from 0 */
    int32_t fn;              /* slot of its function in faas->fns */
    int64_t node;            /* node index in the scheduler's table, -1 before placement */
    int32_t rank;            /* index of its container in the deployment's ranking */
    uint8_t state;           /* FS_ST_* */
    uint8_t phase;           /* FS_PH_* */
    uint8_t remove_pending;  /* teardown asked while starting */
    uint8_t routable;        /* in the function's load-balancer set */
    uint8_t allocated;       /* holds demand on its node */
    uint64_t running_seq;    /* order in which replicas became RUNNING (scale_down picks the latest) */
    double last_active;      /* when it became RUNNING or last started or ended a request (valid once running_seq) */
    struct fs_sched_res demand;
    PyObject *function;              /* FunctionDeployment */
    PyObject *container;             /* FunctionContainer */
    PyObject *image;                 /* str */
    PyObject *node_obj;              /* Node, or None before placement */
    PyObject *simulator;             /* FunctionSimulator (any object with the hooks) */
    PyObject *memory;                /* the container's memory requirement (int) or None, for metrics */
    PyObject *removed;               /* event succeeded when its teardown ends (created on removal), or NULL */
    PyObject *fail_reason;           /* why its placement failed (str), or NULL */
    int image_sid, node_sid, fn_sid; /* metrics string ids (-1: not interned yet) */
    PyObject *metrics_for_sids;      /* the Metrics the ids belong to (borrowed identity only) */
    PyObject *dict;
    PyObject *weaklist;
} ReplicaObject;

typedef struct RequestObject {
    PyObject_HEAD faassim_state *st;
    PyObject *name;     /* str */
    PyObject *size;     /* any, default None */
    int64_t request_id; /* -1: assigned at invoke */
    double exec_time;   /* recorded execution time (s), NaN: unset (see struct fs_inv) */
    struct fs_inv *inv; /* while in flight (owned by the FaasSystem), else NULL */
    PyObject *dict;
} RequestObject;

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
};

/* A deployed function (a slot of FaasObject.fns; slots are never reused, so
 * a slot index is a stable function id). */
struct fs_fn {
    PyObject *name;                       /* str */
    PyObject *deployment;                 /* FunctionDeployment */
    PyObject *replicas;                   /* list: its replicas that are not SUSPENDED or FAILED, in creation order */
    PyObject *failed;                     /* list: its FAILED replicas */
    PyObject *containers;                 /* tuple: its containers in ranking order */
    int64_t *per_rank;                    /* placed replicas per ranked container (faas-sim's functions_definitions) */
    struct fs_lb lb;                      /* its routable (RUNNING) replicas */
    int64_t replica_count;                /* placed and not being removed (faas-sim's replica_count) */
    int64_t unplaced;                     /* created and not yet placed */
    struct fs_inv *wait_head, *wait_tail; /* requests waiting for a RUNNING replica (FIFO) */
    int64_t nwaiting;
    int64_t ninvoked, ncompleted, nfailed;
    double last_invocation;
    uint8_t active; /* deployed and not removed */
};

typedef struct FaasObject {
    PyObject_HEAD faassim_state *st;
    EnvironmentObject *env; /* strong ref */
    struct fs_fn *fns;
    int32_t nfns, capfns;
    PyObject *fn_index;       /* dict: name -> slot (int), active functions */
    PyObject *function_index; /* dict: image -> FunctionContainer (faas-sim's get_function_index()) */
    ReplicaObject **reps;     /* every replica by id (strong refs) */
    uint32_t nreps, capreps;
    struct fs_sched sched; /* node table: capacity and allocation */
    PyObject *nodes;       /* list of Node by index */
    PyObject *node_ids;    /* dict: node name -> index */
    PyObject *intern;      /* dict: arch / label / accelerator names -> small ids */
    int32_t n_archs, n_labels, n_accels;
    PyObject *accel_names; /* list: accelerator kind names by index */
    PyObject *sched_queue; /* list: replicas waiting for the scheduler (FIFO from sched_head) */
    Py_ssize_t sched_head;
    int pumping;               /* inside sched_pump (re-entrancy guard) */
    ReplicaObject *sched_busy; /* replica whose scheduling latency is running, or NULL */
    struct fs_inv *free_inv;   /* pool of invocation records */
    int64_t next_request_id;
    uint64_t running_seq;
    int raise_hook_errors;
    int64_t nwaiting_total;
    /* invocation metrics: C fast path when env.metrics does not override the hooks */
    PyObject *fast_for; /* the metrics object the fields below were computed for (strong ref) */
    int8_t fast_inv, fast_start, fast_stop;
    PyObject *fet_for; /* the metrics object the fets fast path is for (strong ref) */
    int8_t fast_fet;
    int t_fet, f_fs, f_fe, f_ws, f_we, f_fn, f_img, f_node, f_rid, f_req;
    struct fs_inv *timed; /* records waiting on a C timer (built-in watchdog execution) */
    int t_inv, c_wait, c_exec, c_start, c_mem, c_fn, c_img, c_node, c_rid;
    int f_w, f_j;    /* fets columns watts and joules (PowerPredictionSimulator requests) */
    double *node_t0; /* by node index: when the platform took the node from env.topology (its idle energy starts) */
    PyObject *dict;
    PyObject *weaklist;
} FaasObject;

typedef struct {
    PyObject_HEAD faassim_state *st;
    int policy;        /* enum fs_lb_policy */
    int8_t overridden; /* next_replica overridden in Python (-1: not known yet) */
    PyObject *env;     /* set when the platform first uses it, or given */
    PyObject *dict;
    PyObject *weaklist;
} BalancerObject;

typedef struct {
    PyObject_HEAD faassim_state *st;
    int policy;        /* enum fs_sched_policy */
    double latency;    /* simulated seconds per placement */
    int8_t overridden; /* schedule overridden in Python (-1: not known yet) */
    PyObject *dict;
    PyObject *weaklist;
    /* The placement pipeline (scheduler.c; unused while pipeline is 0, the
     * policy path): compiled predicates and priorities (tuples), percentage of
     * nodes to score, selection, skippy's rotation, the work arrays holding
     * the last decision, the latency model. */
    int pipeline;
    PyObject *preds, *prios;
    double percentage;
    int select;
    int track_images;
    size_t start;
    struct fs_place_work work;
    double latency_per_node;
    PyObject *latency_fn;
    PyObject *context_factory, *context, *context_env;
    PyObject *last_faas;    /* the platform of the last decision (its nodes name the indices in work) */
    PyObject *last_replica; /* the replica of the last decision */
    int last_status;        /* FS_OK, FS_ENOSPACE, or -1: no decision yet */
    int placing;            /* inside pipeline_place (Python callbacks must not re-enter it) */
} SchedulerObject;

int Replica_setup(PyObject *m, faassim_state *st);
int Request_setup(PyObject *m, faassim_state *st);
int Balancer_setup(PyObject *m, faassim_state *st);
int Scheduler_setup(PyObject *m, faassim_state *st);
int Faas_setup(PyObject *m, faassim_state *st);
int Source_setup(PyObject *m, faassim_state *st);

/* replica.c */
ReplicaObject *replica_new(struct FaasObject *faas, uint32_t id, int32_t fn, int32_t rank, PyObject *function,
                           PyObject *container, PyObject *simulator);
/* FunctionState member for a state value (borrowed), or NULL with an error
 * when faassim has not registered its Python types. */
PyObject *function_state_member(faassim_state *st, int state);
/* request.c */
RequestObject *request_new(faassim_state *st, PyObject *name, PyObject *size, int64_t request_id);
/* balancer.c: 1 if lb's next_replica is Python code, 0 if the C policy, -1 on error. */
int balancer_overridden(BalancerObject *lb);
/* scheduler.c */
int scheduler_overridden(SchedulerObject *s);
/* Place rep with the scheduler's C path (its policy or its pipeline): a new
 * reference to the chosen Node or None (with *reason, a new reference to a
 * str, when nothing fits or to explain a pipeline's decision), nothing
 * allocated; *latency gets the latency model's value. NULL on error. */
PyObject *scheduler_place(SchedulerObject *s, struct FaasObject *f, ReplicaObject *rep, PyObject **reason,
                          double *latency, int placing);
/* faas.c */
int faas_lifecycle_cb(ReplicaObject *rep, EventObject *ev);
int faas_invoked_cb(RequestObject *req, EventObject *ev);
/* Invoke function slot fn for a C-native source (no Python request unless a
 * hook needs one), with a recorded execution time or NaN. Returns 0 or -1
 * with an exception. */
int faas_invoke_native(struct FaasObject *faas, int32_t fn, double exec_time);
/* The platform's timed list (records waiting on a C timer, which the
 * platform's GC traversal and teardown know about): push a record on a
 * timer at t calling fire (an fs status; nothing changed on failure), and
 * take it off (its timer entry must be gone or about to fire). */
int faas_timed_push(FaasObject *f, struct fs_inv *inv, double t, fs_action_fn fire);
void faas_timed_remove(struct fs_inv *inv);
/* The invocation ended (exc NULL: ok; else the hook's exception, borrowed);
 * frees the record. */
int faas_inv_complete(struct FaasObject *f, struct fs_inv *inv, PyObject *exc);
/* The record's FunctionRequest, made on demand (borrowed), or NULL. */
RequestObject *faas_inv_request(struct FaasObject *f, struct fs_inv *inv);
/* Detach a record that is going away from its request (req->inv, or the
 * sub_inv of the request's record). */
void faas_inv_unlink(struct fs_inv *inv);
void faas_inv_free(struct FaasObject *f, struct fs_inv *inv);
struct fs_inv *faas_inv_alloc(struct FaasObject *f);
/* Metrics string ids of the replica's function, image and node in m. */
int faas_replica_sids(struct FaasObject *f, MetricsObject *m, ReplicaObject *rep);

/* watchdog.c: Watchdog, the built-in simulators with a worker pool. */
typedef struct WatchdogObject WatchdogObject;
int Watchdog_setup(PyObject *m, faassim_state *st);
#define Watchdog_Check(st, o) PyObject_TypeCheck((o), (st)->Watchdog_type)
/* Run an invocation through the watchdog's C state machine (its invoke is
 * not overridden); completes through faas_inv_complete. */
int watchdog_dispatch(struct FaasObject *f, struct fs_inv *inv);
/* The C action of a timed step (data: the record). */
int watchdog_timer_fire(struct fs_sim *sim, void *data);
/* FS_CB_WATCHDOG: a Python sub-hook of a watchdog step finished. */
int watchdog_step_cb(RequestObject *req, EventObject *ev);
/* Function slot of name, or -1 with KeyError. */
int32_t faas_function_slot(struct FaasObject *faas, PyObject *name);
/* Bring the platform's node table up to date with env.topology. */
int faas_sync_nodes(struct FaasObject *f);
/* The placement demand of a replica (amounts, allowed archs, node selector;
 * *sel is PyMem memory the caller frees, also on error). */
int faas_replica_demand(struct FaasObject *f, ReplicaObject *rep, struct fs_sched_demand *d,
                        struct fs_sched_label **sel);
/* A small id for (kind, obj) from the platform's table (label ids when kind
 * is "label"; other kinds share the label counter). */
int faas_intern(struct FaasObject *f, const char *kind, PyObject *obj, int32_t *out);
/* The platform's id of an architecture name. */
int faas_intern_arch(struct FaasObject *f, PyObject *arch, int32_t *out);

/* ------------------------------------------------------------------ */
/* energy.c: env.energy (faassim.Energy), the power claims of           */
/* PowerPredictionSimulator and the `energy` rows of its requests        */

/* What a PowerPredictionSimulator resolved for its replica's node (kept in
 * the watchdog, reset when it binds another replica): the node's power model
 * and how the request's features map onto the model's. */
struct fs_pps {
    PyObject *node;     /* the replica's node name (strong), or NULL: not resolved */
    PyObject *model;    /* env.power_models[node] the fields below are for (strong), or NULL */
    PyObject *features; /* the model's feature names the map is for (strong), or NULL */
    int8_t kind;        /* 1: LinearPowerModel predicted in C, 2: predict called from Python */
    int8_t dynamic;     /* a NodePowerModel: the claim is its prediction minus its idle power */
    int nfeat;          /* model features (kind 1, or a LinearPowerModel of kind 2); 0: the 5 resources */
    int8_t map[FS_LINMODEL_MAX_FEATURES]; /* model feature j is resource map[j] (cpu, gpu, blkio, net, ram) */
    uint8_t cached;                       /* kind 1: watts is the prediction of model at version */
    uint64_t version;
    double watts;
};
struct ResourceStateObject;
void pps_clear(struct fs_pps *p);
int pps_traverse(struct fs_pps *p, visitproc visit, void *arg);
/* The power (W) a request with resources res (cpu, gpu, blkio, net, ram)
 * draws on rep's node, predicted by env.power_models[node name]. 0, or -1
 * with an exception (KeyError: no model for the node; ValueError: a
 * prediction that is not finite and >= 0). */
int pps_predict(faassim_state *st, struct fs_pps *p, ReplicaObject *rep, const double res[5], double *watts);
/* Node `node` of the platform: its power now (W, idle included) and energy
 * so far (J) as env.energy accounts them. Returns 1, 0 when the node has no
 * power accounting (no model in env.power_models, no idle power set, or
 * env.energy is not a faassim Energy), -1 on error. */
int energy_node_state(EnvironmentObject *env, struct FaasObject *f, struct ResourceStateObject *rs, int64_t node,
                      double *watts, double *joules);
int Energy_setup(PyObject *m, faassim_state *st);

/* ------------------------------------------------------------------ */
/* resource_state.c: env.resource_state (faassim.ResourceState) over the  */
/* engine's exact fs_res                                                 */

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
/* Add / take back value of a slot on rep and its node (rep is registered on
 * first use). */
int resource_state_put(ResourceStateObject *rs, ReplicaObject *rep, int slot, double value);
int resource_state_remove(ResourceStateObject *rs, ReplicaObject *rep, int slot, double value);
/* Put (remove == 0) or remove values[i] of slots[i], i < n (distinct
 * slots), on rep: all or nothing, as n calls of the above but with one
 * validation of the replica. */
int resource_state_apply(ResourceStateObject *rs, ReplicaObject *rep, const int *slots, const double *values, int n,
                         int remove);
/* The claim of a built-in simulator: as resource_state_apply(put), but
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

/* monitor.c: ResourceMonitor and MetricsServer */
int Monitor_setup(PyObject *m, faassim_state *st);

/* ------------------------------------------------------------------ */
/* power.c: LinearPowerModel (faassim.LinearPowerModel) over fs_linmodel */

/* C API for platform code that evaluates power models (env.power_models
 * values) without Python calls: power_model_predict_c predicts one row
 * x[0 .. nfeat) of a model. Returns 1 if model is a LinearPowerModel (or a
 * subclass) whose predict is not overridden: *out is set, bit for bit what
 * model.predict([x])[0] returns, and no Python code ran. Returns 0 if not
 * (any other object, or predict overridden): the caller must call
 * model.predict from Python. Returns -1 with ValueError for a model that is
 * not fitted, nfeat != model.n_features_in_, or NaN/inf in x. */
typedef struct PowerModelObject PowerModelObject;
#define LinearPowerModel_Check(st, o) PyObject_TypeCheck((o), (st)->LinearPowerModel_type)
int Power_setup(PyObject *m, faassim_state *st);
int power_model_predict_c(faassim_state *st, PyObject *model, const double *x, int nfeat, double *out);
/* 1 if model is a LinearPowerModel (or subclass) whose predict is not
 * overridden: *out points to its coefficients and intercept (predict is
 * fs_linmodel_predict on them; valid until Python code runs), *version
 * counts the changes of those (equal versions of one model: equal
 * coefficients) and *features are its feature names (a tuple of str,
 * borrowed: a later fit may replace it). 0 if not (predict is Python). -1
 * with ValueError if the model is not fitted. */
int power_model_linear(faassim_state *st, PyObject *model, const struct fs_linmodel **out, uint64_t *version,
                       PyObject **features);
/* The feature names (tuple of str, borrowed) of any LinearPowerModel, or
 * NULL (no exception) for other objects. */
PyObject *power_model_features(faassim_state *st, PyObject *model);
/* A new C-contiguous float64 array of shape (nrows, ncols) holding x. */
PyObject *power_np_rows(faassim_state *st, const double *x, int nrows, int ncols);

/* helpers */

/* The raised exception as one object (with its traceback), or NULL if none;
 * clears it. PyErr_GetRaisedException/PyErr_SetRaisedException of 3.12. */
static inline PyObject *fs_err_take(void)
{
#if PY_VERSION_HEX >= 0x030C0000
    return PyErr_GetRaisedException();
#else
    PyObject *t, *v, *tb;
    PyErr_Fetch(&t, &v, &tb);
    if (!t)
        return NULL;
    PyErr_NormalizeException(&t, &v, &tb);
    if (tb && v)
        PyException_SetTraceback(v, tb);
    Py_XDECREF(t);
    Py_XDECREF(tb);
    return v;
#endif
}

/* Raise exc again (steals the reference). */
static inline void fs_err_restore(PyObject *exc)
{
#if PY_VERSION_HEX >= 0x030C0000
    PyErr_SetRaisedException(exc);
#else
    PyObject *tb = PyException_GetTraceback(exc);
    PyErr_Restore(Py_NewRef((PyObject *)Py_TYPE(exc)), exc, tb);
#endif
}

int fs_raise_status(int status, const char *what);
/* Arguments of a METH_FASTCALL | METH_KEYWORDS call: out[i] gets the
 * argument named names[i] (positional or keyword; borrowed) or NULL when
 * absent; the first nrequired are mandatory. Keywords are matched without
 * hashing, which keeps hot calls cheap. Returns 0, or -1 with TypeError. */
int fs_parse_args(const char *fname, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
                  const char *const *names, int nnames, int nrequired, PyObject **out);

#endif
