"""Exact energy accounting: ``env.energy`` (:class:`Energy`).

Power is piecewise constant between the events that change it, and
``env.resource_state`` integrates every resource amount exactly at each put
and remove, so energy is read from those integrals at any time, never
sampled:

- **dynamic energy** of a replica or node: the time integral of its ``power``
  resource (the watts :class:`~faassim.PowerPredictionSimulator`, or any
  simulator, claims while a request runs); for a node whose
  ``env.power_models`` entry is a :class:`~faassim.NodePowerModel` (and
  ``utilization_model`` is True, the default), its utilization model
  ``sum_i coef_i * integral of u_i`` instead (exact: the model is linear),
  where ``u_i`` is the amount of the resource named by feature ``i``
  (``memory`` reads ``ram`` and ``network`` reads ``net``, the
  characterizations' names; the others their own name). Amounts are used as
  utilizations: the reference characterizations' ``cpu``, ``gpu`` and
  ``ram`` are fractions of the node, which is what a NodePowerModel
  expects, but their ``net`` and ``blkio`` are rates in bytes/s; for them use
  a model without the ``net`` term, e.g. ``NodePowerModel(p.idle, [cpu, gpu,
  memory], features=("cpu", "gpu", "memory"))``. Values are not clipped to 1.
- **idle energy** of a node: its idle power (the NodePowerModel's ``idle``,
  else 0, unless :meth:`Energy.set_idle_power` sets it) times the time since
  the platform took the node from ``env.topology`` (time 0 for the nodes it
  found first; a node added during the run counts from the platform's next
  look at the topology, e.g. its next scheduling decision or an
  ``env.energy`` query).
- a **function**: the sum over every replica it had; a **request**: the
  ``watts`` and ``joules`` fields of its ``fets`` row (its power claim, and
  the claim times the time it was held), which PowerPredictionSimulator adds.

With a :class:`~faassim.ResourceMonitor` running, each sample also logs a
``power`` row (watts) and an ``energy`` row (joules so far, exact) per node
that has a power model or an idle power.

A NodePowerModel node served by a PowerPredictionSimulator gets the same
energy either way: the simulator claims each request's dynamic power
``sum_i coef_i * r_i`` (the node's idle power is counted once, per node).
Models are read when asked: replacing or refitting ``env.power_models[node]``
during a run changes that node's idle and utilization energy over the whole
run (claimed ``power`` keeps the model of each request's time); use
:meth:`Energy.set_idle_power` to change an idle power from a given time.

    >>> import faassim as fs
    >>> from faassim.distributions import Constant
    >>> ch = fs.FunctionCharacterization(
    ...     "img", fs.FetOracle({("node", "img"): Constant(2.0)}),
    ...     fs.ResourceOracle({("node", "img"): fs.FunctionResourceCharacterization(0.5, 0, 0, 0, 0.25)}))
    >>> env = fs.Environment(seed=1)
    >>> env.topology = fs.Topology([fs.Node("node_0", "4", "8Gi")])
    >>> env.power_models["node_0"] = fs.NodePowerModel(2.0, [4.0, 0.0, 0.0, 8.0])
    >>> class Factory(fs.SimulatorFactory):
    ...     def create(self, env, container):
    ...         return fs.PowerPredictionSimulator(characterization=ch)
    >>> env.simulator_factory = Factory()
    >>> fn = fs.Function("f", [fs.FunctionImage("img")])
    >>> _ = env.faas.deploy(fs.FunctionDeployment(fn, [fs.FunctionContainer(fn.fn_images[0])]))
    >>> _ = env.faas.add_source("f", fs.Replay([1.0, 2.0]))
    >>> env.run(until=10)
    >>> env.energy.node_energy("node_0"), env.energy.idle_energy("node_0"), env.energy.function_energy("f")
    (36.0, 20.0, 16.0)
    >>> fets = env.metrics.to_numpy("fets")
    >>> fets["watts"].tolist(), fets["joules"].tolist()
    ([4.0, 4.0], [8.0, 8.0])
"""

from __future__ import annotations

from typing import Dict

import numpy as np

from faassim import _core

__all__ = ["Energy"]


class Energy(_core.Energy):
    """Energy(env, *, utilization_model=True)

    Exact energy accounting of a simulation (``env.energy``), in joules, read
    from ``env.resource_state``'s time integrals at ``env.now`` (see the
    module documentation): :meth:`total`, :meth:`node_energy` (=
    :meth:`idle_energy` + :meth:`dynamic_energy`), :meth:`replica_energy`,
    :meth:`function_energy`, :meth:`power` (watts now), :meth:`table` (every
    node, replica and function); per request, the ``watts`` and ``joules``
    of its ``fets`` row. Node arguments are names or Nodes.
    """

    def table(self) -> Dict[str, np.ndarray]:
        """table() -> dict of NumPy arrays, one row per node, replica and function

        Columns: ``kind`` ('node', 'replica' or 'function'), ``name`` (the
        node's name, or the replica's or function's function name),
        ``replica_id`` (-1 for nodes and functions), ``node`` (None for
        functions), ``idle``, ``dynamic`` and ``total`` (J; only nodes have
        idle energy). Nodes first (platform order), then replicas (by id),
        then functions (deployment order).
        """
        rows = self._rows()
        cols = list(zip(*rows)) if rows else [()] * 7
        return {
            "kind": np.array(cols[0], dtype=object),
            "name": np.array(cols[1], dtype=object),
            "replica_id": np.array(cols[2], dtype=np.int64),
            "node": np.array(cols[3], dtype=object),
            "idle": np.array(cols[4], dtype=np.float64),
            "dynamic": np.array(cols[5], dtype=np.float64),
            "total": np.array(cols[6], dtype=np.float64),
        }

    def __repr__(self) -> str:
        return f"<Energy of {self.env!r}>"
