/* scheduler.h: Scheduler (scheduler.c). */
#ifndef FAASSIM_SCHEDULER_H
#define FAASSIM_SCHEDULER_H

#include "module.h"

typedef struct {
    PyObject_HEAD faassim_state *st;
    int policy;        /* enum fs_sched_policy */
    double latency;    /* simulated seconds per placement */
    int8_t overridden; /* schedule overridden in Python (-1: not known yet) */
    PyObject *dict;
    PyObject *weaklist;
} SchedulerObject;

int Scheduler_setup(PyObject *m, faassim_state *st);
int scheduler_overridden(SchedulerObject *s);

#endif
