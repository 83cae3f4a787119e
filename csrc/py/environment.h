/* environment.h: Environment (environment.c), the event loop, and the components it
 * carries (env.metrics, env.faas, ...). */
#ifndef FAASSIM_ENVIRONMENT_H
#define FAASSIM_ENVIRONMENT_H

#include "module.h"
#include "fs_sim.h"
#include "rng.h"

typedef struct EventObject EventObject;

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
    FS_COMP_NET,
    FS_COMP_CLUSTER,
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
    int run_steps;            /* run() is driving the loop through an overridden step() */
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

/* The random stream every built-in of env draws from. Never NULL: tp_new
 * creates env->rng and only dealloc drops it (tp_clear keeps it, since a
 * Random holds no references and cannot be part of a cycle). */
static inline struct fs_rng *env_rng(EnvironmentObject *env)
{
    return &env->rng->rng;
}

#define Environment_Check(st, o) PyObject_TypeCheck((o), (st)->Environment_type)

int Environment_setup(PyObject *m, faassim_state *st);
/* Push ev (new strong ref taken) at now + delay with priority. The time is
 * an integer one (env.now an int when ev is processed) iff now is one and
 * the delay is an exact integer (int_delay; |delay| < 2^53) and the sum
 * stays below 2^53; env_schedule takes a zero delay for the integer 0
 * (SimPy's default delay) and any other delay for a float. */
int env_schedule_delay(EnvironmentObject *env, EventObject *ev, int priority, double delay, int int_delay);
static inline int env_schedule(EnvironmentObject *env, EventObject *ev, int priority, double delay)
{
    return env_schedule_delay(env, ev, priority, delay, delay == 0.0);
}
/* env.now as a Python number (an int for an integer time): a new reference. */
static inline PyObject *env_now_object(EnvironmentObject *env)
{
    return env->sim.now_int ? PyLong_FromDouble(env->sim.now) : PyFloat_FromDouble(env->sim.now);
}
/* Validate a delay given by the user; sets a Python error and returns -1. */
int env_parse_delay(PyObject *obj, double *out, const char *who);

#endif
