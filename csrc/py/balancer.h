/* balancer.h: LoadBalancer (balancer.c). */
#ifndef FAASSIM_BALANCER_H
#define FAASSIM_BALANCER_H

#include "module.h"

typedef struct {
    PyObject_HEAD faassim_state *st;
    int policy;        /* enum fs_lb_policy */
    int8_t overridden; /* next_replica overridden in Python (-1: not known yet) */
    PyObject *env;     /* set when the platform first uses it, or given */
    PyObject *dict;
    PyObject *weaklist;
} BalancerObject;

int Balancer_setup(PyObject *m, faassim_state *st);
/* 1 if lb's next_replica is Python code, 0 if the C policy, -1 on error. */
int balancer_overridden(BalancerObject *lb);

#endif
