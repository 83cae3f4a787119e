/* energy.h: env.energy (faassim.Energy, energy.c), the power claims of
 * PowerPredictionSimulator and the `energy` rows of its requests. */
#ifndef FAASSIM_ENERGY_H
#define FAASSIM_ENERGY_H

#include "environment.h"
#include "replica.h"
#include "fs_power.h"

struct FaasObject;

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

#endif
