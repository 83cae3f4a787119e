/* resource.h: shared resources (SimPy's BaseResource family), see resource.c. */
#ifndef FAASSIM_RESOURCE_H
#define FAASSIM_RESOURCE_H

#include "event.h"

enum fs_res_kind {
    FS_RES_GENERIC = 0, /* BaseResource: _do_put/_do_get come from Python */
    FS_RES_RESOURCE,
    FS_RES_PRIORITY,
    FS_RES_PREEMPTIVE,
    FS_RES_STORE,
    FS_RES_PRIORITY_STORE,
    FS_RES_FILTER_STORE,
    FS_RES_CONTAINER,
};

typedef struct {
    PyObject_HEAD faassim_state *st;
    EnvironmentObject *env;
    PyObject *capacity;  /* as given (int or float) */
    double cap;          /* numeric copy for the fast paths */
    PyObject *put_queue; /* list, or a PutQueue instance */
    PyObject *get_queue;
    PyObject *users; /* Resource family */
    PyObject *items; /* Store family */
    PyObject *level; /* Container */
    uint8_t kind;
    uint8_t py_do_put; /* _do_put overridden in Python */
    uint8_t py_do_get;
    uint8_t py_trigger; /* _trigger_put/_trigger_get overridden in Python */
    PyObject *dict;
    PyObject *weaklist;
} ResourceObject;

/* Every resource event (Put/Get and their subclasses) shares this layout;
 * each type exposes the fields that belong to it. */
typedef struct {
    EventObject ev;
    PyObject *resource;
    PyObject *proc;
    PyObject *item;        /* StorePut.item, Release.request, FilterStoreGet.filter */
    PyObject *amount;      /* ContainerPut/Get.amount */
    PyObject *usage_since; /* Request */
    PyObject *priority;    /* PriorityRequest */
    PyObject *preempt;
    PyObject *time;
    PyObject *key;
} ResEventObject;

int Resource_setup(PyObject *m, faassim_state *st);
/* The C callbacks FS_CB_TRIGGER_PUT / FS_CB_TRIGGER_GET of a resource. */
int resource_trigger_put(PyObject *res, PyObject *get_event);
int resource_trigger_get(PyObject *res, PyObject *put_event);

#endif
