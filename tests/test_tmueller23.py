"""faas-sim's power-prediction experiment on faassim (faassim.tmueller23 and
examples/from-faas-sim/tmueller23_main.py): the script differs from faas-sim's
in its import lines only, the recorded-profile helpers of faassim.workload,
the oracles, power models, predicate and topology against the data and
hand-computed values, and the ported main.py end to end in a temporary
folder (its CSV output included)."""

import ast
import csv
import doctest
import importlib
import io
import logging
import pathlib
import pickle
import re
import runpy
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest

import faassim as fs
import faassim.tmueller23
from faassim import workload
from faassim.tmueller23 import interarrival_times, joblib, write_data
from faassim.tmueller23.oracle import TMueller23FetOracle, TMueller23ResourceOracle
from faassim.tmueller23.oracle.fet import ai_execution_time_distributions
from faassim.tmueller23.oracle.resources import ai_resources_per_node_image
from faassim.tmueller23.power import TabulatedPowerModel, power_models
from faassim.tmueller23.predicates import HostnamePredicate, hostname_label
from faassim.tmueller23.topology import Topology
from faassim.tmueller23.topology.nano import NanoScenario
from faassim.tmueller23.topology.nx import NxScenario
from faassim.tmueller23.topology.xeongpu import XeonScenario

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
DATA = ROOT / "faassim" / "data"
MAIN = ROOT / "examples" / "from-faas-sim" / "tmueller23_main.py"
FAAS_SIM = pathlib.Path("/work/fsim/faas-sim")
BRANCH = "origin/feature/power-prediction"

GPU = "resi5/resnet-inference-gpu"
# power_branch_resources.csv: the features of (nx, resnet-inference-gpu), and what the
# branch's eb-jetson-nx-01.sav predicts for them (power_branch_predictions.csv)
NX_GPU = (96.21343248188438, 0.2470408163265306, 8.961044897959184, 2608.1465081632655, 2297.23610609681)
NX_GPU_POWER = 16535.49528609831
NANO_GPU_POWER = 3657.8822641181523
XEON_GPU_POWER = 15972.779498283384
INPUT_BYTES = 636_000  # parse_size_string('636K')


# -- data ------------------------------------------------------------------------------


MODULES = ["", ".oracle", ".oracle.fet", ".oracle.resources", ".functionsim", ".predicates", ".power", ".joblib",
           ".topology", ".topology.cell", ".topology.nano", ".topology.nx", ".topology.xeongpu"]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    failures, tried = doctest.testmod(importlib.import_module(f"faassim.tmueller23{name}"))
    assert failures == 0 and tried > 0


@pytest.mark.parametrize("name", ["power_branch_resources.csv", "power_branch_intervals.csv"])
def test_data_is_the_shared_copy(name):
    if not (SHARED / name).exists():
        pytest.skip("the shared data set is not next to the repository")
    assert (DATA / name).read_bytes() == (SHARED / name).read_bytes()


def test_oracles_from_the_data():
    rows = list(csv.DictReader(open(DATA / "power_branch_resources.csv", newline="")))
    assert len(ai_execution_time_distributions) == len(ai_resources_per_node_image) == len(rows) == 15
    r = ai_resources_per_node_image[("nx", GPU)]
    assert (r.cpu, r.gpu, r.blkio, r.net, r.ram) == NX_GPU
    xmin, xmax, dist = ai_execution_time_distributions[("nx", GPU)]
    assert (xmin, xmax) == (0.2998661994934082, 0.557976484298706)
    assert dist.spec[1] == (0.9432233483025229, 0.29840213945755945, 0.025725582494079358)
    fet = TMueller23FetOracle(ai_execution_time_distributions)
    draws = [fet.sample("nx_3", GPU + ":1.0", fs.Random(s)) for s in range(200)]
    assert all(xmin <= x <= xmax for x in draws) and len(set(draws)) > 100
    assert fet.sample("nuc_0", GPU, fs.Random(1)) is None       # no data: None, as faas-sim
    res = TMueller23ResourceOracle(ai_resources_per_node_image)
    assert res.get_resources("nx_0", GPU) == r and res.get_resources("rpi3_0", GPU) is None


def test_power_models_answer_the_characterized_vectors_only():
    models = power_models()
    assert sorted(models) == ["nano", "nx", "xeongpu"]
    preds = {(r["device_type"], r["image"]): float(r["predicted_power"])
             for r in csv.DictReader(open(DATA / "power_branch_predictions.csv", newline=""))}
    for (device, image), r in ai_resources_per_node_image.items():
        row = np.array([[r.cpu, r.gpu, r.blkio, r.net, r.ram]])
        assert models[device].predict(row).tolist() == [preds[device, image]]
    assert models["nx"].predict(np.array([NX_GPU, NX_GPU])).tolist() == [NX_GPU_POWER, NX_GPU_POWER]
    with pytest.raises(ValueError, match="no prediction for the features"):
        models["nx"].predict([[96.2, 0.247, 8.96, 2608.1, 2297.2]])       # near, but not a characterized vector
    with pytest.raises(ValueError, match="2-D array of 5 columns"):
        models["nx"].predict(NX_GPU)
    with pytest.raises(ValueError, match="has 2 features"):
        TabulatedPowerModel({(1.0, 2.0): 3.0})
    with pytest.raises(TypeError, match="non-empty mapping"):
        TabulatedPowerModel({})


def test_joblib_load_serves_the_branchs_model_files_by_name():
    m = joblib.load("data/tmueller23/eb-jetson-nx-01.sav")
    assert m.name == "eb-jetson-nx-01.sav" and m.predict([NX_GPU]).tolist() == [NX_GPU_POWER]
    assert joblib.load(pathlib.Path("eb-xeongpu.sav")).name == "eb-xeongpu.sav"
    with pytest.raises(ValueError, match="not one of the power-prediction branch's model files"):
        joblib.load("data/tmueller23/model.sav")


def test_hostname_predicate():
    pred = HostnamePredicate()
    def pod(labels):
        return SimpleNamespace(container=fs.FunctionContainer(fs.FunctionImage("img"), labels=labels))
    nodes = [fs.Node("nx_0"), fs.Node("nx_1")]
    assert [pred.passes_predicate(None, pod({hostname_label: "nx_1"}), n) for n in nodes] == [False, True]
    assert [pred.passes_predicate(None, pod({hostname_label: None}), n) for n in nodes] == [True, True]
    assert [pred.passes_predicate(None, pod({}), n) for n in nodes] == [True, True]


@pytest.mark.parametrize("scenario, device, cpu, memory", [
    (NanoScenario, "nano", 4000, 4_000_000_000),     # ether's create_nano, as the branch
    (NxScenario, "nx", 6000, 8_000_000_000),         # ether's create_nx
    (XeonScenario, "xeongpu", 4000, 8_363_810_816),  # raith21's xeongpu
])
def test_topologies(scenario, device, cpu, memory):
    t = Topology()
    scenario(3).materialize(t)
    registry = t.init_docker_registry()
    assert t.init_docker_registry() is registry                       # added once
    names = [n.name for n in t.get_nodes()]
    assert names == [f"{device}_0", "nuc_0", f"{device}_1", "nuc_1", f"{device}_2", "nuc_2", "registry"]
    assert int((len(names) - 1) / 2) == 3                             # main.py's count of cells
    node = t.find_node(f"{device}_1")
    assert (node.cpu_millis, node.memory, node.accelerators) == (cpu, memory, {"gpu": 1})
    assert (registry.cpu_millis, registry.memory) == (1000, 2**30)    # ether's default capacity
    route = t.route("nuc_1", f"{device}_1")
    assert [str(v) for v in route.path] == ["nuc_1", "link_nuc_1", "switch_singlenode_1", f"link_{device}_1",
                                            f"{device}_1"]
    assert route.bandwidth == fs.mbit(1000)
    assert str(t.route(f"{device}_0", "registry").path[-2]) == "internet"


# -- recorded profiles (faassim.workload) ----------------------------------------------------


def test_pre_recorded_profile_reads_a_pickled_list(tmp_path):
    path = tmp_path / "interval.pkl"
    path.write_bytes(pickle.dumps([30, 60, 2, 2.5]))
    assert list(workload.pre_recorded_profile(str(path))) == [30.0, 60.0, 2.0, 2.5]
    # faas-sim's save_requests pickled the numpy.float64 values of a pandas column
    path.write_bytes(pickle.dumps([np.float64(1.5), np.int64(2)]))
    assert list(workload.pre_recorded_profile(path)) == [1.5, 2.0]


@pytest.mark.parametrize("obj, error, match", [
    (SimpleNamespace(a=1), pickle.UnpicklingError, "names types.SimpleNamespace"),
    ({"a": 1}, TypeError, "holds a dict"),
    ([1, "2"], TypeError, "item 1 is '2'"),
    ([1, True], TypeError, "item 1 is True"),
    ([1, -2], ValueError, "item 1 is -2"),
    ([float("nan")], ValueError, "item 0 is nan"),
])
def test_pre_recorded_profile_refuses_anything_else(obj, error, match):
    with pytest.raises(error, match=match):
        workload.pre_recorded_profile(io.BytesIO(pickle.dumps(obj)))


def test_pre_recorded_profile_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        workload.pre_recorded_profile(tmp_path / "none.pkl")


def test_save_requests_records_what_the_profile_drew(tmp_path):
    path = tmp_path / "ia.pkl"
    # draws at 0, 2, 4 (< 5); the one at 6 is not made: [2, 2, 2], as faas-sim's run_arrival_profile
    workload.save_requests(lambda env: workload.static_arrival_profile(workload.constant_rps_profile(0.5)), 5, path)
    assert pickle.loads(path.read_bytes()) == [2.0, 2.0, 2.0]
    env = fs.Environment(seed=3)
    workload.save_requests(
        lambda env: workload.expovariate_arrival_profile(workload.constant_rps_profile(4), rng=env), 10, path, env)
    ias = list(workload.pre_recorded_profile(path))
    assert sum(ias[:-1]) < 10 <= sum(ias) and len(ias) > 20
    env2 = fs.Environment(seed=3)
    again = io.BytesIO()
    workload.save_requests(
        lambda env: workload.expovariate_arrival_profile(workload.constant_rps_profile(4), rng=env), 10, again, env2)
    assert pickle.loads(again.getvalue()) == ias
    with pytest.raises(ValueError, match="duration must be"):
        workload.save_requests(lambda env: iter([1]), 0, path)


def test_write_data(tmp_path):
    folder = write_data(tmp_path / "data")
    assert list(workload.pre_recorded_profile(folder / "tmueller23" / "interval.pkl")) == interarrival_times()
    assert interarrival_times() == [30.0, 60.0] + [2.0] * 98
    assert (folder / "output").is_dir()


# -- the ported main.py ---------------------------------------------------------------------

# every import line of the port and the line of faas-sim's main.py it stands for
IMPORTS = {
    "import logging": "import logging",
    "import os": "import os",
    "import sys": "import sys",
    "from typing import List, Dict": "from typing import List, Dict",
    "from faassim.tmueller23 import joblib": "import joblib",
    "from faassim.placement import SkippyScheduler as Scheduler": "from skippy.core.scheduler import Scheduler",
    "from faassim import parse_memory as parse_size_string": "from skippy.core.utils import parse_size_string",
    "from faassim.raith21.util import vanilla": "from ext.raith21.util import vanilla",
    "from faassim import docker": "from sim import docker",
    "from faassim import Benchmark": "from sim.benchmark import Benchmark",
    "from faassim import Environment": "from sim.core import Environment",
    "from faassim import ImageProperties, ContainerRegistry": "from sim.docker import ImageProperties, ContainerRegistry",
    "from faassim import FunctionDeployment, Function, FunctionImage, ScalingConfiguration, FunctionContainer, "
    "DefaultFaasSystem, FunctionCharacterization":
        "from sim.faas import FunctionDeployment, Function, FunctionImage, ScalingConfiguration, FunctionContainer, "
        "DefaultFaasSystem, FunctionCharacterization",
    "from faassim import Simulation": "from sim.faassim import Simulation",
    "from faassim.metrics import RuntimeLogger, SimulatedClock": "from sim.logging import RuntimeLogger, SimulatedClock",
    "from faassim import Metrics": "from sim.metrics import Metrics",
    "from faassim import ResourceOracle, FetOracle": "from sim.oracle.oracle import ResourceOracle, FetOracle",
    "from faassim.workload import function_trigger, pre_recorded_profile":
        "from sim.requestgen import function_trigger, pre_recorded_profile",
    "from faassim.placement import SimulationClusterContext": "from sim.skippy import SimulationClusterContext",
    "from faassim.tmueller23.topology import Topology": "from sim.topology import Topology",
}


def as_text(node):
    names = ", ".join(a.name + (f" as {a.asname}" if a.asname else "") for a in node.names)
    return f"import {names}" if isinstance(node, ast.Import) else f"from {node.module} import {names}"


def split(source):
    """(import statements as text, the other top-level statements as AST dumps)."""
    tree = ast.parse(source)
    imports = [as_text(n) for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    rest = [ast.dump(n) for n in tree.body if not isinstance(n, (ast.Import, ast.ImportFrom))]
    return imports, rest


def faas_sim_main():
    try:
        out = subprocess.run(["git", "-C", str(FAAS_SIM), "show", f"{BRANCH}:ext/tmueller23/main.py"],
                             capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout if out.returncode == 0 else None


def test_the_port_differs_from_faas_sim_in_its_import_lines_only():
    source = MAIN.read_text()
    imports, rest = split(source)
    mapped = []
    for text in imports:
        if text.startswith("from faassim.tmueller23.") and text not in IMPORTS:
            mapped.append(text.replace("from faassim.tmueller23.", "from ext.tmueller23.", 1))
        else:
            assert text in IMPORTS, text
            mapped.append(IMPORTS[text])
    # nothing faassim-specific outside the import lines (comments aside)
    tree = ast.parse(source)
    import_lines = {i for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))
                    for i in range(n.lineno, n.end_lineno + 1)}
    code = [line for i, line in enumerate(source.splitlines(), 1)
            if i not in import_lines and line.strip() and not line.lstrip().startswith("#")]
    assert [line for line in code if "faassim" in line or re.search(r"\bfs\.", line)] == []
    theirs = faas_sim_main()
    if theirs is None:
        pytest.skip(f"faas-sim's clone with {BRANCH} is not at {FAAS_SIM}")
    their_imports, their_rest = split(theirs)
    assert sorted(mapped) == sorted(their_imports)
    assert rest == their_rest    # the same statements, in the same order


@pytest.fixture
def run_main(monkeypatch, tmp_path):
    """Run the port as a script in a temporary folder with the data layout it
    expects; returns (Simulation, the output folder)."""
    pytest.importorskip("pandas")  # main.py writes its data frames with to_csv
    write_data(tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(logging, "basicConfig", lambda **kwargs: None)
    runs = []
    real_run = fs.Simulation.run

    def recording_run(self, *args, **kwargs):
        result = real_run(self, *args, **kwargs)
        runs.append(self)
        return result

    monkeypatch.setattr(fs.Simulation, "run", recording_run)

    def run(*argv, seed=None):
        if seed is not None:  # main.py's Environment() draws its seed from os.urandom
            real = fs.Environment
            monkeypatch.setattr(fs, "Environment", lambda: real(seed=seed))
        monkeypatch.setattr(sys, "argv", ["tmueller23_main.py", *argv])
        runpy.run_path(str(MAIN), run_name="__main__")
        if seed is not None:
            monkeypatch.setattr(fs, "Environment", real)
        return runs[-1], tmp_path / "data" / "output"

    return run


OUTPUTS = ["allocation_df", "fets_df", "flow_df", "function_deployment_df", "function_deployment_lifecycle_df",
           "function_deployments_df", "function_replicas_df", "functions_df", "invocations_df", "network_df",
           "prediction_time_df", "replica_deployment_df", "scale_df", "schedule_df", "simulation_duration_df",
           "utilization_df"]


def test_ported_main_runs_and_writes_its_csv_files(run_main):
    import pandas as pd

    sim, out = run_main()
    env = sim.env
    assert sorted(p.stem for p in out.glob("*.csv")) == OUTPUTS
    # one replica, pinned on the nx; the registry is the topology's third node
    replicas = env.faas.get_replicas("resnet-inference-0")
    assert [r.node.name for r in replicas] == ["nx_0"] and len(env.faas.get_deployments()) == 1
    assert [n.name for n in env.topology.get_nodes()] == ["nx_0", "nuc_0", "registry"]
    # the recorded profile, from the first poll that found the replica running (0.5)
    starts = 0.5 + np.cumsum(interarrival_times())
    assert env.now == starts[-1] == 286.5
    fets = pd.read_csv(out / "fets_df.csv")
    inv = pd.read_csv(out / "invocations_df.csv")
    # the 100th request was sent at the end of the run: 99 completed
    assert len(fets) == len(inv) == 99 and fets["t_fet_start"].tolist() == starts[:99].tolist()
    assert (inv["t_wait"] == 0).all() and set(inv["node"]) == {"nx_0"}
    # each call: the input download, then an execution time within the fit's bounds
    rtt = env.topology.route("nuc_0", "nx_0").rtt
    lan = [c.latency for a, b, c in env.topology.edges() if (str(a), str(b)) == ("nuc_0", "link_nuc_0")][0]
    assert rtt == pytest.approx(4 * lan)  # two host connections each way
    download = INPUT_BYTES / (fs.mbit(1000) * 0.97) + 1.5 * rtt
    flows = pd.read_csv(out / "flow_df.csv")
    assert len(flows) == 99 and set(flows["action_type"]) == {"data_download"}
    assert set(flows["bytes"]) == {INPUT_BYTES} and np.allclose(flows["duration"], download, rtol=0, atol=1e-12)
    xmin, xmax, _ = ai_execution_time_distributions[("nx", GPU)]
    took = fets["t_fet_end"] - fets["t_fet_start"]
    assert ((took - download >= xmin - 1e-9) & (took - download <= xmax + 1e-9)).all()
    # power: every call claims what eb-jetson-nx-01.sav predicts; energy = power x claimed time
    assert set(fets["watts"]) == {NX_GPU_POWER}
    assert np.allclose(fets["joules"], NX_GPU_POWER * took, rtol=1e-12)
    busy = took.sum()
    assert env.energy.function_energy("resnet-inference-0") == pytest.approx(NX_GPU_POWER * busy, rel=1e-12)
    assert env.energy.node_energy("nx_0") == pytest.approx(NX_GPU_POWER * busy, rel=1e-12)   # no idle model
    assert env.energy.node_energy("nuc_0") == 0
    assert env.resource_state.get_integral("nx_0", "cpu") == pytest.approx(NX_GPU[0] * busy, rel=1e-12)
    assert env.resource_state.get_integral("nx_0", "power") == pytest.approx(NX_GPU_POWER * busy, rel=1e-12)
    # no image pulls (the branch's deploy takes no time); measurements faassim does not log are empty
    for name in ("prediction_time_df", "simulation_duration_df", "network_df"):
        assert (out / f"{name}.csv").read_text().strip() == ""


@pytest.mark.parametrize("device, arg, power", [("nano", "nano", NANO_GPU_POWER), ("xeongpu", "xeon", XEON_GPU_POWER)])
def test_ported_main_other_devices_and_cells(run_main, device, arg, power):
    sim, out = run_main(arg, "3", seed=7)
    env = sim.env
    placed = sorted((d.name, r.node.name) for d in env.faas.get_deployments() for r in env.faas.get_replicas(d.name))
    assert placed == [(f"resnet-inference-{i}", f"{device}_{i}") for i in range(3)]
    fets = env.metrics.to_numpy("fets")
    # the triggers run one after the other (main.py yields from each in turn): 3 x 100 requests
    # over 3 x 286 s, the last request of each trigger sent as the next trigger starts. The
    # replicas were running at the first poll (time 0; faas-sim's scheduler took host time, so
    # its first poll missed them and its run ends at 858.5)
    assert env.now == 3 * 286
    per = {f"resnet-inference-{i}": (fets["function_name"] == f"resnet-inference-{i}").sum() for i in range(3)}
    assert per == {"resnet-inference-0": 100, "resnet-inference-1": 100, "resnet-inference-2": 99}
    assert set(fets["watts"].tolist()) == {power}
    flows = env.metrics.to_numpy("flow")
    assert sorted(set(zip(flows["source"].tolist(), flows["sink"].tolist()))) == [
        (f"nuc_{i}", f"{device}_{i}") for i in range(3)]


def test_ported_main_is_deterministic_for_a_seed(run_main):
    sim, _ = run_main(seed=11)
    a = sim.env.metrics.to_numpy("fets")
    sim, _ = run_main(seed=11)
    b = sim.env.metrics.to_numpy("fets")
    assert all(np.array_equal(a[k], b[k]) for k in ("t_fet_start", "t_fet_end", "joules"))
    sim, _ = run_main(seed=12)
    assert not np.array_equal(a["t_fet_end"], sim.env.metrics.to_numpy("fets")["t_fet_end"])
