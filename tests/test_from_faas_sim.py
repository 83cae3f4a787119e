"""faas-sim's own examples, ported by changing their import lines only
(examples/from-faas-sim/), run on faassim and give faas-sim's figures.

Each script's main() runs in-process; the Simulation it makes is captured by
wrapping Simulation.run. The figures asserted here are those faas-sim gives
for the same example (see examples/from-faas-sim/README.md for the table),
except where faassim differs on purpose (docs/coming-from-faas-sim.md).
"""

import ast
import importlib
import logging
import math
import pathlib
import random
import sys

import numpy as np
import pytest

import faassim as fs

ROOT = pathlib.Path(__file__).resolve().parent.parent
PORTS = ROOT / "examples" / "from-faas-sim"
SCRIPTS = ["basic", "request_gen", "custom_function_sim", "analysis", "custom_scheduler", "watchdogs",
           "watchdogs_inference", "watchdogs_training"]

# every import line of the ports and the faas-sim line it stands for
# (the sibling scripts stand for faas-sim's examples.<name>.main modules)
IMPORTS = {
    "import faassim.cells as scenario": "import ether.scenarios.urbansensing as scenario",
    "from faassim import parse_memory as parse_size_string": "from skippy.core.utils import parse_size_string",
    "from faassim import docker": "from sim import docker",
    "import faassim.docker as docker": "import sim.docker as docker",
    "from faassim import Benchmark": "from sim.benchmark import Benchmark",
    "from faassim import Environment": "from sim.core import Environment",
    "from faassim import ImageProperties": "from sim.docker import ImageProperties",
    "from faassim import Simulation": "from sim.faassim import Simulation",
    "from faassim import Topology": "from sim.topology import Topology",
    "from faassim import ClusterContext": "from skippy.core.clustercontext import ClusterContext",
    "from faassim import SchedulingResult, Pod": "from skippy.core.model import SchedulingResult, Pod",
    "from faassim.workload import function_trigger, constant_rps_profile, expovariate_arrival_profile":
        "from sim.requestgen import function_trigger, constant_rps_profile, expovariate_arrival_profile",
    "import basic": "import examples.basic.main as basic",
    "from custom_function_sim import CustomSimulatorFactory":
        "from examples.custom_function_sim.main import CustomSimulatorFactory",
    "from watchdogs_inference import InferenceFunctionSim": "from examples.watchdogs.inference import InferenceFunctionSim",
    "from watchdogs_training import TrainingFunctionSim": "from examples.watchdogs.training import TrainingFunctionSim",
    "import logging": "import logging",
    "import random": "import random",
    "from typing import List": "from typing import List",
}
# `from faassim import <names of sim.faas>` (one faas-sim line, possibly continued)
FAAS_NAMES = {
    "FunctionDeployment", "FunctionRequest", "Function", "FunctionImage", "ScalingConfiguration", "DeploymentRanking",
    "FunctionContainer", "KubernetesResourceConfiguration", "FunctionSimulator", "FunctionReplica", "SimulatorFactory",
    "HTTPWatchdog", "ForkingWatchdog", "simulate_data_download",
}


def imports_and_body(path):
    """(import statements as normalized text, the other lines of the file)."""
    source = path.read_text()
    tree = ast.parse(source)
    lines = source.splitlines()
    import_lines = set()
    statements = []
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            import_lines.update(range(node.lineno, node.end_lineno + 1))
            statements.append(node)
    body = [line for i, line in enumerate(lines, 1) if i not in import_lines]
    return statements, body


def as_text(node):
    if isinstance(node, ast.Import):
        return "import " + ", ".join(a.name + (f" as {a.asname}" if a.asname else "") for a in node.names)
    names = ", ".join(a.name + (f" as {a.asname}" if a.asname else "") for a in node.names)
    return f"from {node.module} import {names}"


@pytest.mark.parametrize("name", SCRIPTS)
def test_a_port_differs_from_faas_sim_in_its_import_lines_only(name):
    statements, body = imports_and_body(PORTS / f"{name}.py")
    for node in statements:
        text = as_text(node)
        if text in IMPORTS:
            continue
        # faas-sim's `from sim.faas import ...` lines
        assert isinstance(node, ast.ImportFrom) and node.module == "faassim", text
        assert {a.name for a in node.names} <= FAAS_NAMES and all(a.asname is None for a in node.names), text
    # nothing faassim-specific outside the import lines (docstrings and comments aside)
    code = [line for line in body if line.strip() and not line.lstrip().startswith("#")]
    offenders = [line for line in code if ("faassim" in line or "fs." in line) and '"""' not in line]
    docstring = ast.get_docstring(ast.parse((PORTS / f"{name}.py").read_text())) or ""
    offenders = [line for line in offenders if line.strip() not in docstring]
    assert offenders == []


@pytest.fixture
def ports(monkeypatch):
    """Import the ports fresh; capture each Simulation they run; keep the
    global random state and logging set-up of the test process."""
    monkeypatch.syspath_prepend(str(PORTS))
    for name in SCRIPTS:
        monkeypatch.delitem(sys.modules, name, raising=False)
    monkeypatch.setattr(logging, "basicConfig", lambda **kwargs: None)
    runs = []
    run = fs.Simulation.run

    def recording_run(self, *args, **kwargs):
        run(self, *args, **kwargs)
        runs.append(self)

    monkeypatch.setattr(fs.Simulation, "run", recording_run)
    state = random.getstate()
    yield lambda name: importlib.import_module(name), runs
    random.setstate(state)
    for name in SCRIPTS:  # the ports' module names are not the test process's
        sys.modules.pop(name, None)


def invocations(env):
    calls = env.metrics.to_numpy("invocations")
    return calls, sorted(set(zip(calls["function_name"].tolist(), calls["node"].tolist())))


def pulls(env):
    flows = env.metrics.to_numpy("flow")
    return sorted(zip(flows["sink"].tolist(), flows["bytes"].astype(int).tolist(), flows["duration"].round(3).tolist()))


def test_basic(ports):
    load, runs = ports
    load("basic").main()
    (sim,) = runs
    env = sim.env
    assert len(env.topology.get_nodes()) == 53  # UrbanSensingScenario() of faassim.cells.DEFAULT_SEED
    calls, placed = invocations(env)
    assert len(calls["t_exec"]) == 20
    # faassim's default scheduler spreads (faas-sim's skippy put both on server_0)
    assert placed == [("python-pi", "server_0"), ("resnet50-inference", "server_1")]
    assert env.faas.get_replicas("resnet50-inference")[0].image == "resnet50-inference-gpu"  # the ranking's first
    # the pulls are faas-sim's: 58 MB and 56 MB over the cloudlet's links
    assert pulls(env) == [("server_0", 58_000_000, 0.945), ("server_1", 56_000_000, 0.928)]
    # faassim's default simulators take no time (faas-sim's: 1 s), so the run
    # ends at the poll that sees the replicas (1.0; faas-sim: 2.0)
    assert calls["t_exec"].tolist() == [0.0] * 20 and calls["t_wait"].tolist() == [0.0] * 20
    assert set(calls["t_start"].tolist()) == {1.0} and env.now == 1.0
    assert [len(env.metrics.to_numpy(t)["time"]) for t in ("schedule", "replica_deployment", "allocation", "scale")] == [
        6, 8, 2, 2]


def test_basic_with_faas_sims_default_simulators(ports):
    load, runs = ports
    basic = load("basic")
    sim = fs.Simulation(basic.example_topology(), basic.ExampleBenchmark())
    sim.create_simulator_factory = fs.SimpleSimulatorFactory  # the line restoring faas-sim's default
    sim.run()
    calls, _ = invocations(sim.env)
    assert calls["t_exec"].tolist() == [1.0] * 20 and sim.env.now == 2.0  # faas-sim's figures


def test_request_gen(ports):
    load, runs = ports
    request_gen = load("request_gen")
    random.seed(0)  # faas-sim's profile draws from Python's random module
    request_gen.main()
    (sim,) = runs
    calls, placed = invocations(sim.env)
    assert placed == [("python-pi", "server_0")] and pulls(sim.env) == [("server_0", 58_000_000, 0.483)]
    # the generator starts at the poll that sees the replica (0.5) and sends 100
    # requests at exponential gaps of rate 20; run() returns after the last
    gaps = random.Random(0)
    arrivals = 0.5 + np.cumsum([gaps.expovariate(20) for _ in range(100)])
    np.testing.assert_allclose(np.sort(calls["t_start"]), arrivals, rtol=1e-12)
    # faas-sim: 6.545436, or 7.045436 when its (wall-clock) scheduling took over 17 ms
    assert sim.env.now == pytest.approx(arrivals[-1], rel=1e-12) and round(sim.env.now, 6) == 6.545436
    assert len(calls["t_exec"]) == 100  # every request ran (in no time); faas-sim logged 88 with its 1 s simulators


def test_request_gen_with_faas_sims_default_simulators(ports):
    load, runs = ports
    request_gen = load("request_gen")
    random.seed(0)
    sim = fs.Simulation(request_gen.example_topology(), request_gen.ExampleBenchmark())
    sim.create_simulator_factory = fs.SimpleSimulatorFactory
    sim.run()
    calls, _ = invocations(sim.env)
    # those that finished by the time run() returned: faas-sim's 88 for seed 0
    assert len(calls["t_exec"]) == 88 and round(sim.env.now, 6) == 6.545436


def check_custom_function_sim(env):
    calls, placed = invocations(env)
    assert len(calls["t_exec"]) == 20 and placed == [("python-pi", "server_0"), ("resnet50-inference", "server_1")]
    t_exec = {name: sorted(set(calls["t_exec"][calls["function_name"] == name].tolist()))
              for name in ("python-pi", "resnet50-inference")}
    assert t_exec == {"python-pi": [2.0], "resnet50-inference": [0.5]}  # python-pi off a Raspberry Pi
    # running at pull + 10 s start-up (10.945); the polls see them at 11.0
    # (faas-sim: 11.0 or 11.5, as its host's scheduling time was under 55 ms or not)
    assert set(calls["t_start"].tolist()) == {11.0} and env.now == 13.0
    assert calls["t_exec"].mean() == 1.25 and np.median(calls["t_exec"]) == 1.25  # faas-sim's
    for node in ("server_0", "server_1"):
        assert env.cluster.get_node(node).current_requests == set()
    for name in ("python-pi", "resnet50-inference"):
        (replica,) = env.faas.get_replicas(name)
        assert env.resource_state.get_resource_utilization(replica).is_empty()


def test_custom_function_sim(ports):
    load, runs = ports
    load("custom_function_sim").main()
    (sim,) = runs
    assert type(sim.env.simulator_factory).__name__ == "CustomSimulatorFactory"
    check_custom_function_sim(sim.env)


def test_analysis(ports, monkeypatch, caplog):
    pytest.importorskip("pandas")
    load, runs = ports
    frames = {}
    extract = fs.Metrics.extract_dataframe

    def recording_extract(self, name):
        frame = extract(self, name)
        frames[name] = frame
        return frame

    monkeypatch.setattr(fs.Metrics, "extract_dataframe", recording_extract)
    analysis = load("analysis")
    with caplog.at_level(logging.INFO, logger="analysis"):
        analysis.main()
    (sim,) = runs
    check_custom_function_sim(sim.env)
    rows = {name: len(frame) for name, frame in frames.items()}
    # faas-sim's row counts, but function_utilization (faas-sim: 4, it also
    # logged replicas whose claims were back to 0) and node_utilization (new)
    assert rows == {
        "allocation": 2, "invocations": 20, "scale": 2, "schedule": 6, "replica_deployment": 8,
        "function_deployments": 2, "function_deployment": 2, "function_deployment_lifecycle": 2, "functions": 0,
        "flow": 2, "network": 0, "node_utilization": 4, "function_utilization": 1, "fets": 0,
    }
    assert frames["invocations"].index.name == "time" and frames["invocations"]["t_exec"].mean() == 1.25
    assert "Mean exec time 1" in caplog.messages


def test_custom_scheduler(ports):
    load, runs = ports
    custom_scheduler = load("custom_scheduler")
    random.seed(0)
    custom_scheduler.main()
    (sim,) = runs
    env = sim.env
    assert isinstance(env.scheduler, custom_scheduler.CustomScheduler) and env.scheduler.cluster is env.cluster
    # random.choice over env.cluster.list_nodes(): python-pi first, then resnet
    choices = random.Random(0)
    nodes = env.cluster.list_nodes()
    expected = [choices.choice(nodes).name for _ in range(2)]
    calls, placed = invocations(env)
    assert expected == ["tx2_6", "server_5"]
    assert placed == [("python-pi", "tx2_6"), ("resnet50-inference", "server_5")]
    assert len(calls["t_exec"]) == 20 and set(calls["t_exec"].tolist()) == {0.0}
    # the pull to the tx2 (mobile uplink) takes 3.9 s: the polls see it at 4.0
    assert pulls(env) == [("server_5", 56_000_000, 0.466), ("tx2_6", 58_000_000, 3.897)]
    assert env.now == 4.0
    names = env.metrics.to_numpy("schedule")
    assert sorted(r.pod.name for fn in ("python-pi", "resnet50-inference") for r in env.faas.get_replicas(fn)) == [
        "pod-python-pi-0", "pod-resnet50-inference-0"]
    assert len(names["time"]) == 6


def test_custom_scheduler_choosing_a_node_without_room(ports):
    # seed 1 picks rpi3_18 (975 MiB) for resnet's GPU container (1024 MiB): the
    # node rejects it, and the next ranked container goes where the next
    # choice falls (faas-sim over-committed the Raspberry Pi)
    load, runs = ports
    custom_scheduler = load("custom_scheduler")
    random.seed(1)
    custom_scheduler.main()
    (sim,) = runs
    env = sim.env
    _, placed = invocations(env)
    assert placed == [("python-pi", "tx2_1"), ("resnet50-inference", "server_8")]
    (resnet,) = env.faas.get_replicas("resnet50-inference")
    assert resnet.image == "resnet50-inference-cpu" and resnet.name == "pod-resnet50-inference-1"
    schedule = env.metrics.to_numpy("schedule")
    assert "CustomScheduler.schedule() chose node rpi3_18, which lacks free ['memory'] for the replica" in (
        schedule["reason"].tolist())


def test_watchdogs(ports, monkeypatch):
    pytest.importorskip("pandas")
    load, runs = ports
    frames = {}
    extract = fs.Metrics.extract_dataframe
    monkeypatch.setattr(fs.Metrics, "extract_dataframe",
                        lambda self, name: frames.setdefault(name, extract(self, name)))
    load("watchdogs").main()
    (sim,) = runs
    env = sim.env
    assert len(frames["fets"]) == 20
    fets = env.metrics.to_numpy("fets")
    training = fets["function_name"] == "resnet50-training"
    assert training.sum() == (~training).sum() == 10
    fet = fets["t_fet_end"] - fets["t_fet_start"]
    np.testing.assert_allclose(fet[training], 7.0)
    np.testing.assert_allclose(fet[~training], 0.2, rtol=1e-9)
    # the forking watchdog runs every request at once, the HTTP one four at a time
    assert set(fets["t_fet_start"][training].tolist()) == {3.0}
    assert np.isnan(fets["t_wait_end"][training]).all()
    waits = sorted((fets["t_wait_end"] - fets["t_wait_start"])[~training].round(9).tolist())
    assert waits == [0.0] * 4 + [0.2] * 4 + [0.4] * 2  # faas-sim's
    assert env.now == 10.0
    _, placed = invocations(env)
    assert placed == [("resnet50-inference", "server_1"), ("resnet50-training", "server_0")]
    assert pulls(env) == [("server_0", 128_000_000, 1.522), ("server_1", 56_000_000, 0.928)]
    # what the replicas hold at the end is faas-sim's: training released 0.2 of
    # its 0.7 cpu and none of its memory per request; inference keeps its base load
    (train,) = env.faas.get_replicas("resnet50-training")
    (infer,) = env.faas.get_replicas("resnet50-inference")
    assert env.resource_state.get_resource_utilization(train).list_resources() == pytest.approx(
        {"cpu": 5.0, "memory": 3.0})
    assert env.resource_state.get_resource_utilization(infer).list_resources() == pytest.approx(
        {"cpu": 0.08, "memory": 200.0})
    assert math.isclose(env.metrics.to_numpy("invocations")["t_exec"].mean(), 3.68)


def test_faas_sims_default_scheduler_places_as_skippy(ports):
    # skippy's configuration (the line restoring faas-sim's scheduler) puts
    # the watchdogs example's two replicas where faas-sim did: server_0, which
    # the registry reaches fastest
    load, runs = ports
    watchdogs = load("watchdogs")
    basic = load("basic")
    sim = fs.Simulation(basic.example_topology(), watchdogs.TrainInferenceBenchmark())
    sim.create_simulator_factory = watchdogs.AIFunctionSimulatorFactory
    sim.create_scheduler = lambda env: fs.Scheduler.faas_sim_default()
    sim.run()
    _, placed = invocations(sim.env)
    assert placed == [("resnet50-inference", "server_0"), ("resnet50-training", "server_0")]
    assert sim.env.now == 10.0
