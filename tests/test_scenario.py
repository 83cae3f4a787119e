"""The default edge-cloud scenario (faassim.scenario) and the main job
(`python -m faassim run`): properties its results must have, determinism,
scenario files, and the command line end to end."""

import filecmp
import io
import json
import math
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import faassim as fs
from faassim import scenario as sc
from faassim.__main__ import ProgressBar, main

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
DURATION = 60.0


@pytest.fixture
def result():
    # per test (0.2 s): a module-scoped environment would outlive the leak check's baseline
    return sc.run_scenario(sc.ScenarioConfig(duration=DURATION, seed=7))


def by_type(env):
    out = {}
    for node in env.topology.get_nodes():
        out.setdefault(node.node_type, []).append(node)
    return out


# -- the default configuration ---------------------------------------------------------


def test_default_scenario_is_a_mixed_edge_cloud_cluster_at_1000_requests_per_second():
    c = sc.ScenarioConfig()
    assert c.total_rate() == 1000.0
    assert sum(c.nodes.values()) == 230
    assert set(c.nodes) == set(fs.load_device_types())  # every reference device type
    assert len(c.functions) == 4 and c.load == "poisson" and c.power and c.monitor_interval > 0
    ref = fs.load_reference_characterizations()
    for fc in c.functions.values():
        for p in fc.images:
            assert all((t, p.image) in ref.fet_oracle for t in p.node_types)


def test_packaged_images_csv_equals_the_shared_copy():
    if not SHARED.is_dir():
        pytest.skip("no shared data set next to the repository")
    assert (ROOT / "faassim" / "data" / "images.csv").read_bytes() == (SHARED / "images.csv").read_bytes()


def test_replicas_are_placed_on_the_node_types_of_their_image(result):
    env = result.env
    config = result.config
    for name, fc in config.functions.items():
        replicas = env.faas.get_replicas(name)
        expected = sum(config.nodes[t] for p in fc.images for t in p.node_types)
        assert len(replicas) == expected == next(f.replicas for f in result.functions if f.name == name)
        allowed = {p.image: set(p.node_types) for p in fc.images}
        for replica in replicas:
            assert replica.node.node_type in allowed[replica.image], (name, replica.image, replica.node.name)
        # one replica per node of those types
        assert len({r.node.name for r in replicas}) == len(replicas)
    assert env.faas.get_replicas(name, fs.FunctionState.FAILED) == []
    assert isinstance(env.load_balancer, fs.LeastOutstandingLoadBalancer)
    assert isinstance(env.resource_monitor, fs.ResourceMonitor)


# -- properties of the results -------------------------------------------------------------


def test_requests_are_conserved(result):
    env = result.env
    calls = env.metrics.to_numpy("invocations")
    sources = env.benchmark.sources
    for f in result.functions:
        stats = env.faas.function_stats(f.name)
        sent = sum(s.count for s in sources[f.name])
        assert f.arrived == sent > 0
        assert f.arrived == f.completed + f.in_flight + f.waiting + f.failed
        assert f.failed == 0 and f.waiting == 0  # replicas are up from the start
        assert f.completed == stats["completed"] == int(np.sum(calls["function_name"] == f.name))
        # in flight: on a replica, running or queued at its watchdog
        in_watchdogs = sum(r.simulator.queue.count + len(r.simulator.queue.queue) for r in env.faas.get_replicas(f.name))
        assert f.in_flight == in_watchdogs
        assert f.throughput == f.completed / DURATION
    t = result.totals
    assert t["arrived"] == t["completed"] + t["in_flight"] + t["waiting"] + t["failed"]
    assert t["arrived"] == pytest.approx(1000 * DURATION, rel=0.02)


def test_percentiles_are_ordered_and_within_the_characterizations(result):
    ref = fs.load_reference_characterizations()
    for f in result.functions:
        assert set(f.wait) == set(f.exec) == {50, 95, 99}
        assert 0.0 <= f.wait[50] <= f.wait[95] <= f.wait[99]
        assert 0.0 < f.exec[50] <= f.exec[95] <= f.exec[99]
        fc = result.config.functions[f.name]
        bounds = [ref.fet_oracle.get(t, p.image).spec[-2:] for p in fc.images for t in p.node_types]
        lo, hi = min(b[0] for b in bounds), max(b[1] for b in bounds)
        assert lo <= f.exec[50] and f.exec[99] <= hi
        assert lo <= f.exec_mean <= hi and f.wait_mean >= 0


def test_exec_and_wait_come_from_the_request_rows(result):
    env = result.env
    fets = env.metrics.to_numpy("fets")
    inv = env.metrics.to_numpy("invocations")
    name = result.functions[0].name
    mine = fets["function_name"] == name
    execution = (fets["t_fet_end"] - fets["t_fet_start"])[mine]
    wait = (inv["t_wait"] + fets["t_fet_start"] - fets["t_wait_start"])[mine]
    assert result.functions[0].exec[95] == np.percentile(execution, 95)
    assert result.functions[0].wait[99] == np.percentile(wait, 99)
    # the response time of the invocation = wait + execution
    np.testing.assert_allclose((inv["t_wait"] + inv["t_exec"])[mine], wait + execution, rtol=1e-12, atol=1e-12)


def test_energy_per_node_type_is_consistent_with_utilization_and_the_power_model(result):
    env = result.env
    types = by_type(env)
    for n in result.node_types:
        nodes = types[n.node_type]
        preset = fs.NodePowerModel.for_device(n.node_type)
        cpu_w, gpu_w, _, mem_w = preset.coef_.tolist()
        # idle: P_idle * duration * nodes
        assert n.idle_energy == pytest.approx(preset.idle * DURATION * len(nodes), rel=1e-12)
        # dynamic: the power model applied to the (exact) mean utilization
        expected = (cpu_w * n.cpu + gpu_w * n.gpu + mem_w * n.ram) * DURATION * len(nodes)
        assert n.dynamic_energy >= 0
        assert n.dynamic_energy == pytest.approx(expected, rel=1e-9)
        assert n.energy == pytest.approx(n.idle_energy + n.dynamic_energy, rel=1e-12)
        assert n.power == pytest.approx(n.energy / (DURATION * len(nodes)), rel=1e-12)
        # the same from env.energy, node by node
        assert n.energy == pytest.approx(math.fsum(env.energy.node_energy(x) for x in nodes), rel=1e-12)
        assert 0 < n.cpu < 1 and 0 <= n.gpu < 1 and 0 < n.ram < 1
    t = result.totals
    assert t["energy"] == pytest.approx(env.energy.total(), rel=1e-9)
    # every joule of dynamic energy is spent by some function's replicas
    assert math.fsum(f.energy for f in result.functions) == pytest.approx(t["dynamic_energy"], rel=1e-9)
    assert t["joules_per_request"] == pytest.approx(t["energy"] / t["completed"], rel=1e-12)


def test_utilization_agrees_with_the_resource_monitor(result):
    env = result.env
    monitor = env.resource_monitor
    nx = by_type(env)["nx"]
    # the monitor's exact averages over the whole run equal the summary's
    mean_cpu = sum(monitor.average(n.name, "cpu", 0.0, DURATION) for n in nx) / len(nx)
    assert mean_cpu == pytest.approx(next(n.cpu for n in result.node_types if n.node_type == "nx"), rel=1e-9)
    rows = env.metrics.to_numpy("node_utilization")
    assert set(rows["time"].tolist()) == {5.0 * k for k in range(1, int(DURATION / 5))}


def test_summary_text(result):
    text = result.format()
    assert text.splitlines()[0].startswith("faassim: edge-cloud scenario, 230 nodes of 10 types, 4 functions")
    for f in result.functions:
        assert f"\n{f.name} " in text
    for n in result.node_types:
        assert f"\n{n.node_type} " in text
    assert "J per request" in text


# -- determinism ------------------------------------------------------------------------------


def same_files(a, b):
    names = sorted(os.listdir(a))
    assert names == sorted(os.listdir(b))
    match, mismatch, errors = filecmp.cmpfiles(a, b, names, shallow=False)
    return mismatch + errors


def test_same_seed_same_files_in_one_process(tmp_path):
    config = sc.ScenarioConfig(duration=20.0, seed=3)
    sc.run_scenario(config).write(tmp_path / "a", format="csv")
    sc.run_scenario(config).write(tmp_path / "b", format="csv")
    assert same_files(tmp_path / "a", tmp_path / "b") == []
    sc.run_scenario(config.replace(seed=4)).write(tmp_path / "c", format="csv")
    differ = same_files(tmp_path / "a", tmp_path / "c")
    assert "invocations.csv" in differ and "summary.json" in differ and "fets.csv" in differ


def run_cli(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "faassim", "run", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=300,
    )


def test_same_seed_same_files_across_processes(tmp_path):
    outs = []
    for name in ("p1", "p2"):
        done = run_cli("--duration", "15", "--seed", "11", "--output", name, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        outs.append(done.stdout)
    assert same_files(tmp_path / "p1", tmp_path / "p2") == []
    strip = lambda out: [l for l in out.splitlines() if not l.startswith(("wall time", "wrote"))]  # noqa: E731
    assert strip(outs[0]) == strip(outs[1])


# -- the command line -------------------------------------------------------------------------


def test_cli_end_to_end(tmp_path):
    done = run_cli("--duration", "10", "--nodes", "40", "--load-scale", "0.1", "--output", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no progress bar when stderr is not a terminal
    lines = done.stdout.splitlines()
    assert lines[0].startswith("faassim: edge-cloud scenario, 40 nodes of 10 types, 4 functions (40 replicas)")
    assert "poisson load 100 req/s, 10 s simulated, seed 42" in lines[0]
    assert any(l.startswith("wall time") for l in lines)
    out = tmp_path / "out"
    ext = "parquet" if sc._has_pyarrow() else "csv"
    for name in ("invocations", "fets", "node_utilization", "power", "energy", "energy_accounts", "nodes"):
        assert (out / f"{name}.{ext}").is_file(), name
    summary = json.loads((out / "summary.json").read_text())
    assert summary["duration"] == 10.0 and summary["totals"]["nodes"] == 40
    assert summary["totals"]["arrived"] == sum(f["arrived"] for f in summary["functions"])
    assert set(summary["functions"][0]["exec"]) == {"p50", "p95", "p99"}
    # the effective configuration reads back
    config = sc.ScenarioConfig.from_toml(out / "scenario.toml")
    assert config.duration == 10.0 and config.load_scale == 0.1 and sum(config.nodes.values()) == 40
    assert config == sc.ScenarioConfig(duration=10.0, load_scale=0.1).with_node_count(40)
    if ext == "csv":
        head = (out / "invocations.csv").read_text().splitlines()
        assert head[0] == "time,t_wait,t_exec,t_start,memory,function_name,function_image,node,replica_id"
        assert len(head) - 1 == summary["totals"]["completed"]


def test_cli_without_records(tmp_path, capsys):
    assert main(["run", "--duration", "5", "--no-records", "--no-progress", "--output", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "percentiles need per-request records" in out
    assert not list(tmp_path.glob("invocations.*")) and not list(tmp_path.glob("fets.*"))
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["functions"][0]["exec"] == {} and summary["functions"][0]["exec_mean"] is None
    # aggregates are kept
    assert summary["aggregates"]["invocations"]["t_exec"]["count"] == summary["totals"]["completed"]


def test_cli_bad_arguments_exit_with_a_usage_error(tmp_path, capsys):
    for argv, message in [
        (["run", "--duration", "-1"], "duration must be a number of seconds > 0, got -1.0"),
        (["run", "--nodes", "3"], "node count 3 is less than the 10 node types"),
        (["run", "--scenario", str(tmp_path / "missing.toml")], "cannot read scenario file"),
        (["run", "--load-scale", "nan"], "load_scale must be a number >= 0, got nan"),
    ]:
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2
        assert message in capsys.readouterr().err


def test_python_dash_m_without_subcommand_runs_the_scenario(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "faassim", "--duration", "2", "--nodes", "10"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("faassim: edge-cloud scenario, 10 nodes")


def test_progress_bar():
    stream = io.StringIO()
    bar = ProgressBar(stream, width=10)
    bar(0.0, 100.0)
    bar(50.0, 100.0)
    bar(100.0, 100.0)
    bar(100.0, 100.0)  # after the end: nothing
    text = stream.getvalue()
    assert text.count("\r") == 3 and text.endswith("\n")
    assert "[#####.....]  50%  50 / 100 s simulated" in text
    assert "[##########] 100%" in text
    bar(1.0, None)  # no target: nothing
    assert stream.getvalue() == text


def test_progress_does_not_change_results():
    config = sc.ScenarioConfig(duration=10.0, seed=5, monitor_interval=1.0)
    seen = []
    a = sc.run_scenario(config, progress=lambda now, end: seen.append(now))
    b = sc.run_scenario(config)
    assert seen[-1] == 10.0 and len(seen) > 50
    assert a.to_dict() == b.to_dict()


# -- scenario files -----------------------------------------------------------------------------


def test_toml_round_trip():
    config = sc.ScenarioConfig(duration=12.5, load_options={"x": [1, 2.5, "a"]})
    text = config.to_toml()
    back = sc.ScenarioConfig.from_dict(__import__("tomllib").loads(text), base=sc.ScenarioConfig())
    assert back == config


def _random_config(draw):
    """A valid ScenarioConfig drawn by Hypothesis: any subset of the default
    functions (with changed rates, workers, images' node types), any node
    counts in any order, every scalar knob."""
    from hypothesis import strategies as st

    default = sc.ScenarioConfig()
    names = draw(st.lists(st.sampled_from(sorted(default.functions)), min_size=1, unique=True))
    functions = {}
    needed = []
    for name in names:
        fc = default.functions[name]
        images = []
        for p in draw(st.permutations(fc.images)):
            types = draw(st.lists(st.sampled_from(list(p.node_types)), min_size=1, unique=True))
            needed += types
            images.append(sc.ImagePlacement(p.image, types))
        functions[name] = sc.FunctionConfig(
            rate=draw(st.floats(0, 1e4, allow_nan=False)), images=images,
            workers=draw(st.none() | st.integers(1, 64)), replicas_per_node=draw(st.integers(1, 4)))
    order = draw(st.permutations(sorted(default.nodes)))
    nodes = {t: draw(st.integers(1 if t in needed else 0, 50)) for t in order}
    autoscaler = draw(st.sampled_from(["none", "hpa", "requests"]))
    options = {"hpa": {"target_utilization": 0.37, "tolerance": 0.05}, "requests": {"alert_window": 7.5},
               "none": {}}[autoscaler]
    return sc.ScenarioConfig(
        duration=draw(st.floats(1e-3, 1e6, allow_nan=False)), seed=draw(st.integers(0, 2**64 - 1)),
        load=draw(st.sampled_from(sorted(sc.LOAD_MODELS))), load_scale=draw(st.floats(0, 100)),
        load_options=draw(st.dictionaries(st.sampled_from(["a", "b-c", "d e"]),
                                          st.integers(-5, 5) | st.floats(allow_nan=False) | st.text(max_size=5))),
        nodes=nodes, functions=functions, monitor_interval=draw(st.just(0.0) | st.floats(1e-9, 60)),
        keep_records=draw(st.booleans()), power=draw(st.booleans()),
        simulator=draw(st.sampled_from(list(sc.SIMULATORS))),
        load_balancer=draw(st.sampled_from(list(sc.LOAD_BALANCERS))), autoscaler=autoscaler,
        autoscaler_options=options, network=draw(st.sampled_from(list(sc.NETWORKS))))


def test_toml_round_trip_of_any_configuration():
    # every field reads back exactly, whatever the base: functions and node
    # types left out stay out, node order and float bits are kept
    import tomllib

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    other_base = sc.ScenarioConfig(functions={"python-pi": sc.ScenarioConfig().functions["python-pi"]},
                                   nodes={"rpi4": 3}, load_options={"stale": 1})

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.data())
    def check(data):
        config = _random_config(data.draw)
        text = config.to_toml()
        for base in (None, other_base):
            back = sc.ScenarioConfig.from_dict(tomllib.loads(text), base=base)
            assert back == config
            assert list(back.nodes) == list(config.nodes) and list(back.functions) == list(config.functions)
            assert back.to_toml() == text

    check()


def test_saved_scenario_with_functions_removed_reruns_identically(tmp_path):
    # a scenario with only one function, saved by --output, is that scenario
    # again when read back (not the default's four functions)
    config = sc.ScenarioConfig(duration=20.0, seed=5,
                               functions={"python-pi": sc.ScenarioConfig().functions["python-pi"]},
                               nodes={"rpi4": 2, "rpi3": 1})
    first = tmp_path / "first.toml"
    first.write_text(config.to_toml())
    assert main(["run", "--scenario", str(first), "--no-progress", "--output", str(tmp_path / "a")]) == 0
    saved = tmp_path / "a" / "scenario.toml"
    assert sc.ScenarioConfig.from_toml(saved) == config
    assert main(["run", "--scenario", str(saved), "--no-progress", "--output", str(tmp_path / "b")]) == 0
    summary = json.loads((tmp_path / "a" / "summary.json").read_text())
    assert [f["name"] for f in summary["functions"]] == ["python-pi"]
    names = sorted(os.listdir(tmp_path / "a"))
    assert names == sorted(os.listdir(tmp_path / "b"))
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_toml_strings_with_control_characters_round_trip():
    import tomllib

    text = "a\x00b\x1f\x7f\"\\\u00e9\U0001f600"
    config = sc.ScenarioConfig(load_options={"s": text, text: 1})
    assert sc.ScenarioConfig.from_dict(tomllib.loads(config.to_toml())) == config


def test_network_scenarios_pull_images_before_replicas_serve():
    base = sc.ScenarioConfig(duration=60.0, load_scale=0.1).with_node_count(30)
    plain = sc.run_scenario(base)
    assert "pulls" not in plain.totals and "network" not in plain.format()
    for network in ("urban_sensing", "all_internet"):
        config = base.replace(network=network)
        a, b = sc.run_scenario(config), sc.run_scenario(config)
        t = a.totals
        assert a.to_dict() == b.to_dict()  # deterministic per seed
        flows = a.env.metrics.to_numpy("flow")
        assert t["pulls"] == len(flows["bytes"]) > 0 and set(flows["action_type"].tolist()) == {"docker_pull"}
        assert set(flows["source"].tolist()) == {"registry"}
        # one pull per node and image (a node's replicas of one image share it)
        pairs = {(r.node.name, r.image) for fd in a.env.faas.get_deployments()
                 for r in a.env.faas.get_replicas(fd.name)}
        assert t["pulls"] <= len(pairs) and t["pulled_bytes"] == flows["bytes"].sum()
        # a replica serves only after its pull: no request starts before the first pull ends
        first_pull_end = flows["time"].min()
        calls = a.env.metrics.to_numpy("invocations")
        assert calls["t_start"].min() >= first_pull_end > 0
        assert 0 < t["ready_p50"] <= t["ready_max"]
        assert t["arrived"] == t["completed"] + t["in_flight"] + t["waiting"] + t["failed"]
        assert f"network {network}: {t['pulls']:,} image pulls" in a.format()
        assert t["completed"] < plain.totals["completed"]  # the cold starts cost requests


def test_cli_network_option(capsys):
    assert main(["run", "--duration", "20", "--nodes", "20", "--load-scale", "0.05", "--network", "all_internet",
                 "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "network all_internet:" in out and "image pulls" in out
    with pytest.raises(SystemExit):
        main(["run", "--network", "mesh"])
    assert "invalid choice: 'mesh'" in capsys.readouterr().err


def test_complete_flag_must_be_boolean():
    with pytest.raises(sc.ScenarioError, match="complete must be true or false, got 'yes'"):
        sc.ScenarioConfig.from_dict({"complete": "yes"})


def test_scenario_file_changes_some_knobs(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(
        """
duration = 30
seed = 9
load_scale = 0.5
monitor_interval = 0
simulator = "power"
load_balancer = "round_robin"

[nodes]
rpi3 = 0
nuc = 4

[functions.python-pi]
images = [{ image = "faas-workloads/python-pi", node_types = ["rpi4"] }]
rate = 20

[functions.speech-inference]
enabled = false

[functions.preprocessing]
rate = 2.5
workers = 2
images = [{ image = "faas-workloads/resnet-preprocessing", node_types = ["xeoncpu"] }]
"""
    )
    config = sc.ScenarioConfig.from_toml(path)
    assert config.duration == 30.0 and config.seed == 9 and config.load_scale == 0.5
    assert config.nodes["rpi3"] == 0 and config.nodes["nuc"] == 4 and config.nodes["xeongpu"] == 36
    assert list(config.functions) == ["resnet50-inference", "mobilenet-inference", "python-pi", "preprocessing"]
    assert config.functions["python-pi"].rate == 20.0 and config.functions["preprocessing"].workers == 2
    assert config.functions["mobilenet-inference"] == sc.ScenarioConfig().functions["mobilenet-inference"]
    r = sc.run_scenario(config)
    env = r.env
    assert env.resource_monitor is None and isinstance(env.load_balancer, fs.RoundRobinLoadBalancer)
    assert [n.node_type for n in r.node_types if n.node_type.startswith("rpi")] == ["rpi4"]
    pre = env.faas.get_replicas("preprocessing")
    assert len(pre) == 12 and {p.simulator._queue_state()[0] for p in pre} == {2}  # workers
    assert isinstance(pre[0].simulator, fs.PowerPredictionSimulator)
    fets = env.metrics.to_numpy("fets")
    assert "watts" in fets and "joules" in fets
    assert r.totals["arrived"] == r.totals["completed"] + r.totals["in_flight"] + r.totals["waiting"]


@pytest.mark.parametrize(
    "text, message",
    [
        ("durration = 5", "unknown key 'durration'; known keys: duration, seed"),
        ("duration = 'long'", "duration must be a number of seconds > 0, got 'long'"),
        ("seed = 1.5", "seed must be an integer in [0, 2**64), got 1.5"),
        ("keep_records = 1", "keep_records must be true or false, got 1"),
        ("load = 'gamma'", "load must be one of 'poisson', 'trace', got 'gamma'"),
        ("simulator = 'fast'", "simulator must be one of 'http', 'power', got 'fast'"),
        ("nodes = 5", "[nodes] must be a table, got 5"),
        ("[nodes]\nrpi5 = 2", "[nodes] unknown node type 'rpi5'; known: coral, nano"),
        ("[nodes]\nnx = -1", "[nodes] nx must be a node count >= 0, got -1"),
        ("[nodes]\nnx = true", "[nodes] nx must be a node count >= 0, got True"),
        ("[functions.python-pi]\nrate = -2", "[functions.python-pi] rate must be a number of requests/s >= 0, got -2"),
        ("[functions.python-pi]\nrps = 2", "unknown key 'rps' in [functions.python-pi]; known keys: rate, images"),
        ("[functions.new]\nrate = 2", "[functions.new] is a new function: it needs images"),
        ("[functions.python-pi]\nenabled = 'no'", "[functions.python-pi] enabled must be true or false, got 'no'"),
        (
            "[functions.python-pi]\nimages = [{ image = 'faas-workloads/python-pi', node_types = ['coral'], x = 1 }]",
            "unknown key 'x' in an images entry of [functions.python-pi]",
        ),
        (
            "[functions.python-pi]\nimages = [{ image = 'faas-workloads/resnet-training-cpu', node_types = ['rpi3'] }]",
            "image 'faas-workloads/resnet-training-cpu' has no characterization on node type 'rpi3'; it has one on nuc",
        ),
        (
            "[functions.python-pi]\nimages = [{ image = 'pi', node_types = ['rpi3'] }]",
            "[functions.python-pi] unknown image 'pi'; known images: faas-workloads/fio",
        ),
        ("[nodes]\nrpi4 = 0\nrpi3 = 0", "[functions.python-pi] has no node to run on"),
        ("[functions]\nresnet50-inference.enabled = false\nmobilenet-inference.enabled = false\n"
         "speech-inference.enabled = false\npython-pi.enabled = false", "functions must be a non-empty table"),
        ("duration = [", "not valid TOML"),
        ("[load_options]\nfile = 'x.csv'", "load 'poisson' takes no load_options, got file"),
    ],
)
def test_bad_scenario_files_are_reported(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text + "\n")
    with pytest.raises(sc.ScenarioError) as info:
        sc.run_scenario(sc.ScenarioConfig.from_toml(path).replace(duration=1.0))
    assert message in str(info.value)
    if "load_options" not in text:  # checked when the load is attached
        assert str(info.value).startswith(str(path))


# -- knobs ---------------------------------------------------------------------------------------


def test_node_count_and_load_scale():
    config = sc.ScenarioConfig(duration=10.0).with_node_count(30)
    assert sum(config.nodes.values()) == 30 and min(config.nodes.values()) >= 1
    assert sc.ScenarioConfig().with_node_count(230) == sc.ScenarioConfig()
    with pytest.raises(sc.ScenarioError, match="node count must be an integer"):
        config.with_node_count(2.5)
    idle = sc.run_scenario(config.replace(load_scale=0.0))
    assert idle.totals["arrived"] == 0 and idle.totals["dynamic_energy"] == 0.0
    assert idle.totals["energy"] == pytest.approx(
        10.0 * sum(fs.NodePowerModel.for_device(t).idle * n for t, n in config.nodes.items()), rel=1e-12
    )
    assert idle.totals["joules_per_request"] is None
    assert "no request completed" in idle.format()


def test_power_off_and_monitor_off():
    r = sc.run_scenario(sc.ScenarioConfig(duration=5.0, power=False, monitor_interval=0))
    assert r.env.power_models == {} and r.totals["energy"] == 0.0
    assert r.env.resource_monitor is None
    assert "energy" not in r.format() and "power" not in r.format()


def test_power_prediction_simulator_gives_the_same_energy():
    http = sc.run_scenario(sc.ScenarioConfig(duration=10.0, seed=2).with_node_count(20))
    power = sc.run_scenario(sc.ScenarioConfig(duration=10.0, seed=2, simulator="power").with_node_count(20))
    assert power.totals["energy"] == pytest.approx(http.totals["energy"], rel=1e-9)
    assert power.totals["completed"] == http.totals["completed"]
    fets = power.env.metrics.to_numpy("fets")
    # each completed request's energy; the requests in flight hold the rest
    assert 0 < math.fsum(fets["joules"].tolist()) <= power.totals["dynamic_energy"] * (1 + 1e-9)


def test_a_registered_load_model_is_used():
    sent = {}

    def constant(env, function, rate, end, options):
        sent[function] = options["tag"]
        return [env.faas.add_source(function, fs.Constant(rate), until=end)] if rate > 0 else []

    sc.register_load("constant-test", constant)
    try:
        config = sc.ScenarioConfig(duration=10.0, load="constant-test", load_options={"tag": 1}).with_node_count(10)
        r = sc.run_scenario(config)
    finally:
        del sc.LOAD_MODELS["constant-test"]
    assert sent == {name: 1 for name in config.functions}
    # Constant(rate): one request every 1/rate s from 1/rate on; the one due at the end is not sent
    assert [f.arrived for f in r.functions] == [round(fc.rate * 10) - 1 for fc in config.functions.values()]
    with pytest.raises(TypeError):
        sc.register_load("x", None)


def _trace_run(duration, load_options, node_count=230, scale=0.4):
    config = sc.ScenarioConfig(duration=duration, load="trace", load_options=load_options,
                               load_scale=scale).with_node_count(node_count)
    sim = sc.build_scenario(config)
    sim.run()
    env = sim.env
    assert env.now == duration
    env.run(until=duration + 120.0)  # let the requests in flight finish (the sources stopped at the end)
    return config, sim, env


def test_trace_load_replays_scaled_per_minute_counts_exactly():
    from faassim import workload as wl

    trace = wl.read_azure_2019(wl.synthetic_azure_path(2019))
    keys = sorted(trace)
    busy = sorted(keys, key=lambda k: -int(trace[k].counts[30:33].sum() * trace[k].counts[600:603].sum()))
    mapping = {"resnet50-inference": busy[:2], "python-pi": busy[2]}
    config, sim, env = _trace_run(180.0, {"first_minute": 30, "functions": mapping, "spread": "uniform"})
    f = env.metrics.to_numpy("fets")
    for name, fc in config.functions.items():
        chosen = mapping.get(name)
        if chosen is None:  # a stable pick by name among the functions active in the window
            import hashlib
            active = [k for k in keys if trace[k].counts[30:33].sum() > 0]
            h = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")
            chosen = [active[h % len(active)]]
        elif isinstance(chosen, str):
            chosen = [chosen]
        counts = sum(np.asarray(trace[k].counts[30:33], dtype=float) for k in chosen)
        scaled = wl._scaled(counts, 0.4 * fc.rate * 180.0 / counts.sum())
        arrivals = f["t_wait_start"][f["function_name"] == name]
        per_minute = np.histogram(arrivals, bins=[0, 60, 120, 180])[0]
        assert per_minute.tolist() == scaled.tolist(), name
        # the trace's shape, the configured mean rate
        assert abs(len(arrivals) - 0.4 * fc.rate * 180.0) <= 1
        assert np.all(np.diff(np.sort(arrivals)) >= 0)
    # a different trace minute gives a different shape, same totals
    _, _, env2 = _trace_run(180.0, {"first_minute": 600, "functions": mapping, "spread": "uniform"})
    f2 = env2.metrics.to_numpy("fets")
    a1 = np.histogram(f["t_wait_start"][f["function_name"] == "resnet50-inference"], bins=[0, 60, 120, 180])[0]
    a2 = np.histogram(f2["t_wait_start"][f2["function_name"] == "resnet50-inference"], bins=[0, 60, 120, 180])[0]
    assert a1.sum() == a2.sum() and a1.tolist() != a2.tolist()


def test_trace_load_is_deterministic_and_from_toml(tmp_path):
    toml = tmp_path / "s.toml"
    toml.write_text('duration = 120.0\nseed = 3\nload = "trace"\n[load_options]\nfirst_minute = 100\n'
                    'spread = "poisson"\n')
    config = sc.ScenarioConfig.from_toml(toml).with_node_count(15)
    a = sc.run_scenario(config)
    b = sc.run_scenario(config)
    fa, fb = a.env.metrics.to_numpy("fets"), b.env.metrics.to_numpy("fets")
    assert np.array_equal(fa["t_wait_start"], fb["t_wait_start"])
    assert a.totals["arrived"] == a.totals["completed"] + a.totals["in_flight"] + a.totals["waiting"]
    # whole minutes: each function's scaled counts total its rate times the duration (rounded)
    assert abs(a.totals["arrived"] - config.total_rate() * 120.0) <= len(config.functions)


@pytest.mark.parametrize("options, message", [
    ({"nope": 1}, "unknown: nope"),
    ({"spread": "even"}, "spread must be"),
    ({"first_minute": -1}, "first_minute must be"),
    ({"first_minute": 1439}, "needs minutes 1439..1440"),
    ({"trace": "/nonexistent.csv"}, "nonexistent"),
    ({"functions": {"python-pi": "not-a-hash"}}, "not in the trace"),
])
def test_trace_load_bad_options(options, message):
    config = sc.ScenarioConfig(duration=61.0, load="trace", load_options=options).with_node_count(10)
    with pytest.raises(sc.ScenarioError, match=message):
        sc.run_scenario(config)


def test_cli_trace_load(tmp_path, capsys):
    from faassim import workload as wl

    assert main(["run", "--duration", "60", "--load", "trace", "--no-progress", "--load-scale", "0.2",
                 "--output", str(tmp_path / "a")]) == 0
    out = capsys.readouterr().out
    assert "trace load 200 req/s, 60 s simulated" in out.splitlines()[0]
    config = sc.ScenarioConfig.from_toml(tmp_path / "a" / "scenario.toml")
    assert config.load == "trace" and config.load_options == {}
    summary = json.loads((tmp_path / "a" / "summary.json").read_text())
    assert abs(summary["totals"]["arrived"] - 200 * 60) <= 4  # one whole minute: exact up to rounding
    # a trace file given: the same run as the packaged file
    assert main(["run", "--duration", "60", "--trace", str(wl.synthetic_azure_path(2019)), "--no-progress",
                 "--load-scale", "0.2", "--output", str(tmp_path / "b")]) == 0
    capsys.readouterr()
    assert sc.ScenarioConfig.from_toml(tmp_path / "b" / "scenario.toml").load_options == {
        "trace": str(wl.synthetic_azure_path(2019))}
    assert (tmp_path / "a" / "summary.json").read_text() == (tmp_path / "b" / "summary.json").read_text()


@pytest.mark.parametrize("args, message", [
    (["--load", "poisson", "--trace", "x.csv"], "--trace goes with --load trace"),
    (["--trace", "/nonexistent/trace.csv"], "nonexistent"),
    (["--load", "gamma"], "invalid choice"),
])
def test_cli_trace_errors(args, message, capsys):
    with pytest.raises(SystemExit) as info:
        main(["run", "--duration", "60", "--no-progress"] + args)
    assert info.value.code == 2
    assert message in capsys.readouterr().err


def test_parquet_and_csv_outputs_hold_the_same_measurements(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    pd = pytest.importorskip("pandas")
    r = sc.run_scenario(sc.ScenarioConfig(duration=10.0, seed=5).with_node_count(30))
    pq_paths = r.write(tmp_path / "pq", format="parquet")
    csv_paths = r.write(tmp_path / "csv", format="csv")
    assert len(pq_paths) == len(csv_paths) > 5
    for name in ("invocations", "fets", "node_utilization", "energy"):
        a = pq.read_table(tmp_path / "pq" / f"{name}.parquet").to_pandas()
        b = pd.read_csv(tmp_path / "csv" / f"{name}.csv")
        assert list(a.columns) == list(b.columns), name
        assert len(a) == len(b) == len(r.env.metrics.to_numpy(name)["time"]), name
        for col in a.columns:
            if a[col].dtype.kind == "f":
                assert np.allclose(a[col].to_numpy(), b[col].to_numpy(), rtol=1e-15, atol=0, equal_nan=True), (name, col)
            else:
                assert a[col].astype(str).tolist() == b[col].astype(str).tolist(), (name, col)
    # exact values in the Parquet file: the metrics' own
    f = r.env.metrics.to_numpy("fets")
    t = pq.read_table(tmp_path / "pq" / "fets.parquet")
    assert np.array_equal(t.column("t_fet_end").to_numpy(), f["t_fet_end"])
    # same seed, same Parquet bytes
    sc.run_scenario(sc.ScenarioConfig(duration=10.0, seed=5).with_node_count(30)).write(tmp_path / "pq2",
                                                                                         format="parquet")
    assert same_files(tmp_path / "pq", tmp_path / "pq2") == []


def test_result_repr_str_and_notebook_view(result):
    t = result.totals
    text = repr(result)
    assert text.startswith("<ScenarioResult: ") and f"{t['arrived']:,} requests" in text and len(text) < 200
    assert str(result) == result.format()
    page = result._repr_html_()
    assert page.startswith("<pre>") and page.endswith("</pre>")
    import html
    assert html.unescape(page[5:-6]) == result.format()
