"""The pytest plugin (faassim.pytest_plugin): fixtures, snapshot assertions,
loading by entry point and by name. Each test runs small test files with
pytester; the plugin is loaded explicitly (-p), as the entry point exists
only in an installed faassim."""

import json
import pathlib
import re
import sys
import tomllib

import numpy as np
import pytest

import faassim
from faassim import pytest_plugin
from faassim.pytest_plugin import summarize
from faassim.scenario import ScenarioConfig, run_scenario

pytest_plugins = ["pytester"]

ROOT = pathlib.Path(__file__).resolve().parent.parent
# (pytester runs in this process, which imported the plugin already: pytest
# warns that it cannot rewrite its asserts, which it has none of)
PLUGIN = ["-p", "faassim.pytest_plugin", "-p", "no:cacheprovider", "-W", "ignore::pytest.PytestAssertRewriteWarning"]


def run(pytester, *args):
    result = pytester.runpytest(*PLUGIN, *args)
    # a failing inner test leaves its traceback in sys.last_*, which would
    # keep its environments alive past this test (tests/conftest.py counts them)
    for name in ("last_type", "last_value", "last_traceback", "last_exc"):
        sys.__dict__.pop(name, None)
    return result


# -- fixtures -------------------------------------------------------------------


def test_seed_env_and_scenario_fixtures(pytester):
    pytester.makepyfile(
        """
        import faassim

        def test_seed(faassim_seed, faassim_env, faassim_scenario):
            print("SEED", faassim_seed)
            # the environment is seeded with it: the same draws as a fresh one
            assert faassim_env.rng.random() == faassim.Environment(seed=faassim_seed).rng.random()
            c = faassim_scenario
            print("SCENARIO", c.seed, c.duration, sum(c.nodes.values()), c.load_scale)
        """
    )
    result = run(pytester, "-s")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*SEED 42*", "*SCENARIO 42 5.0 20 0.1*"])
    result = run(pytester, "-s", "--faassim-seed", "7")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*SEED 7*", "*SCENARIO 7 5.0 20 0.1*"])


def test_scenario_marker_and_parameters(pytester):
    pytester.makepyfile(
        """
        import pytest

        pytestmark = pytest.mark.faassim_scenario(duration=2.0, load_balancer="random")

        def test_module_marker(faassim_scenario):
            assert (faassim_scenario.duration, faassim_scenario.load_balancer) == (2.0, "random")

        @pytest.mark.faassim_scenario(duration=3.0, nodes=40)
        def test_closest_marker_wins(faassim_scenario):
            c = faassim_scenario
            assert (c.duration, sum(c.nodes.values()), c.load_balancer) == (3.0, 40, "random")

        @pytest.mark.faassim_scenario(nodes={"rpi4": 2, "rpi3": 1})
        def test_nodes_per_type(faassim_scenario):
            assert faassim_scenario.nodes["rpi4"] == 2 and faassim_scenario.nodes["nuc"] == 30

        @pytest.mark.parametrize("faassim_scenario", [{"load_scale": 0.5}, {"seed": 3, "duration": 1.0}],
                                 indirect=True)
        def test_parameters(faassim_scenario):
            c = faassim_scenario
            assert (c.load_scale, c.seed, c.duration) in ((0.5, 42, 2.0), (0.1, 3, 1.0))

        @pytest.mark.faassim_scenario(duration=-1)
        def test_bad_value(faassim_scenario):
            pass

        @pytest.mark.faassim_scenario(5.0)
        def test_positional(faassim_scenario):
            pass
        """
    )
    result = run(pytester, "--strict-markers")
    result.assert_outcomes(passed=5, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*ScenarioError: duration must be a number of seconds > 0, got -1*",
            "*faassim_scenario takes ScenarioConfig fields as keywords, got positional (5.0,)*",
        ]
    )


def test_marker_is_registered_and_options_documented(pytester):
    result = run(pytester, "--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.faassim_scenario(**changes)*"])
    result = run(pytester, "--help")
    result.stdout.fnmatch_lines(["*--faassim-seed=SEED*", "*--faassim-update-snapshots*"])


# -- snapshots ------------------------------------------------------------------

SNAPSHOT_TEST = """
import json, os, pathlib

def test_numbers(faassim_snapshot):
    values = json.loads(os.environ.get("VALUES", '{"completed": 100, "wait": {"p95": 0.5}, "name": "pi"}'))
    faassim_snapshot.check("numbers", values, **json.loads(os.environ.get("TOL", "{}")))
"""


def snapshot_path(pytester):
    return pytester.path / "__snapshots__" / "test_snap" / "numbers.json"


def test_missing_snapshot_fails_then_update_writes_it(pytester):
    pytester.makepyfile(test_snap=SNAPSHOT_TEST)
    result = run(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*faassim snapshot 'numbers': no snapshot file __snapshots__/test_snap/numbers.json; "
            "run pytest with --faassim-update-snapshots to write it*"
        ]
    )
    assert not snapshot_path(pytester).exists()
    result = run(pytester, "--faassim-update-snapshots")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        ["*faassim snapshots*", "1 snapshot(s) written:", "  __snapshots__/test_snap/numbers.json"]
    )
    assert snapshot_path(pytester).read_text() == (
        '{\n  "seed": 42,\n  "values": {\n    "completed": 100,\n    "name": "pi",\n    "wait.p95": 0.5\n  }\n}\n'
    )
    run(pytester).assert_outcomes(passed=1)
    # unchanged values: nothing rewritten, nothing reported
    result = run(pytester, "--faassim-update-snapshots")
    result.assert_outcomes(passed=1)
    assert "snapshot(s) written" not in result.stdout.str()


def test_differences_are_listed_with_expected_actual_and_tolerance(pytester, monkeypatch):
    pytester.makepyfile(test_snap=SNAPSHOT_TEST)
    run(pytester, "--faassim-update-snapshots").assert_outcomes(passed=1)
    monkeypatch.setenv("VALUES", json.dumps({"completed": 103, "wait": {"p95": 0.5000001, "p99": 0.7}, "name": "py"}))
    result = run(pytester)
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert (
        "faassim snapshot 'numbers' differs from __snapshots__/test_snap/numbers.json in 4 of 4 keys:\n"
        "  completed: expected 100, actual 103, difference +3 exceeds tolerance 1e-07 (rel=1e-09, abs=1e-12)\n"
        "  name: expected 'pi', actual 'py'\n"
        "  wait.p95: expected 0.5, actual 0.5000001, difference +1e-07 exceeds tolerance 5e-10 (rel=1e-09, abs=1e-12)\n"
        "  wait.p99: not in the snapshot, actual 0.7\n"
        "If the change is intended, run pytest with --faassim-update-snapshots to rewrite the snapshot."
    ) in out
    # a failure, not an error with a traceback of the plugin
    assert "pytest_plugin.py" not in out


def test_tolerances_relative_absolute_and_by_key_pattern(pytester, monkeypatch):
    pytester.makepyfile(test_snap=SNAPSHOT_TEST)
    run(pytester, "--faassim-update-snapshots").assert_outcomes(passed=1)
    monkeypatch.setenv("VALUES", json.dumps({"completed": 103, "wait": {"p95": 0.52}, "name": "pi"}))
    # completed 3 % off (+3), wait.p95 4 % off (+0.02)
    for tol, outcome in [
        ({"rel": 0.05}, "passed"),
        ({"rel": 0.035}, "failed"),  # wait.p95
        ({"abs": 3}, "passed"),  # both within 3
        ({"abs": 2}, "failed"),  # completed
        ({"rel": {"wait.*": 0.05, "*": 0.03}}, "passed"),
        ({"rel": {"wait.*": 0.05}}, "failed"),  # completed falls back to the default 1e-9
        ({"rel": {"completed": 0.03}, "abs": {"wait.p9?": 0.025}}, "passed"),
    ]:
        monkeypatch.setenv("TOL", json.dumps(tol))
        result = run(pytester)
        result.assert_outcomes(**{outcome: 1})
        out = result.stdout.str()
        if tol == {"rel": 0.035}:
            assert "in 1 of 3 keys:" in out
            assert (
                "wait.p95: expected 0.5, actual 0.52, difference +0.02 exceeds tolerance 0.0175 (rel=0.035, abs=1e-12)"
                in out
            )
        if tol == {"abs": 2}:
            assert "completed: expected 100, actual 103, difference +3 exceeds tolerance 2 (rel=1e-09, abs=2)" in out
        if tol == {"rel": {"wait.*": 0.05}}:
            assert "completed: expected 100, actual 103, difference +3 exceeds tolerance 1e-07 (rel=1e-09" in out


def test_missing_key_nan_and_seed_note(pytester, monkeypatch):
    pytester.makepyfile(test_snap=SNAPSHOT_TEST)
    monkeypatch.setenv("VALUES", '{"completed": 100, "mean": NaN}')
    run(pytester, "--faassim-update-snapshots").assert_outcomes(passed=1)
    run(pytester).assert_outcomes(passed=1)  # NaN matches NaN
    monkeypatch.setenv("VALUES", '{"mean": 1.5}')
    result = run(pytester, "--faassim-seed", "5")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*in 2 of 2 keys:",
            "  completed: expected 100, missing from the summary",
            "  mean: expected nan, actual 1.5",
            "(the snapshot was written with seed 42, this run uses seed 5)",
        ]
    )


def test_bad_arguments_are_clear_errors(pytester):
    pytester.makepyfile(
        test_bad="""
        import pytest

        def test_name(faassim_snapshot):
            with pytest.raises(ValueError, match=r"snapshot name must be .*got '../x'"):
                faassim_snapshot.check("../x", {})

        def test_value(faassim_snapshot):
            with pytest.raises(TypeError, match=r"a.b is a object \\(<object object"):
                faassim_snapshot.check("v", {"a": {"b": object()}})

        def test_tolerance(faassim_snapshot):
            with pytest.raises(ValueError, match=r"rel must be a finite number >= 0.*got -0.1"):
                faassim_snapshot.check("t", {}, rel=-0.1)
            with pytest.raises(ValueError, match=r"abs must be .*got \\{'x': 'big'\\}"):
                faassim_snapshot.check("t", {}, abs={"x": "big"})

        def test_not_a_snapshot(faassim_snapshot, tmp_path):
            faassim_snapshot.path("broken").parent.mkdir(parents=True, exist_ok=True)
            faassim_snapshot.path("broken").write_text("[1, 2]")
            faassim_snapshot.check("broken", {"a": 1})

        def test_one(faassim_snapshot):
            faassim_snapshot.check("shared", {"a": 1})

        def test_two(faassim_snapshot):
            faassim_snapshot.check("shared", {"a": 1})
        """
    )
    result = run(pytester, "--faassim-update-snapshots")
    result.assert_outcomes(passed=5, failed=1)
    result.stdout.fnmatch_lines(
        ["*snapshot 'shared' (__snapshots__/test_bad/shared.json) is also used by test_bad.py::test_one*"]
    )
    result = run(pytester, "test_bad.py::test_not_a_snapshot")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*__snapshots__/test_bad/broken.json is not a faassim snapshot*"])


def test_readme_example(pytester, monkeypatch):
    """The README's regression-study example, as a test file: update, pass,
    then fail once the scenario changes."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### Regression studies", 1)[1].split("\n## ", 1)[0]
    code = re.findall(r"```python\n(.*?)```", section, re.S)[0]
    pytester.makepyfile(test_study=code)
    run(pytester, "--faassim-update-snapshots").assert_outcomes(passed=1)
    stored = json.loads((pytester.path / "__snapshots__" / "test_study" / "round_robin.json").read_text())
    assert stored["seed"] == 42 and stored["values"]["duration"] == 10.0
    assert stored["values"]["totals.nodes"] == 20
    run(pytester).assert_outcomes(passed=1)
    # another seed moves the counts: the failure names them. (In a
    # subprocess: the failed test's traceback keeps its environment alive
    # in this process, which tests/conftest.py would count as a leak.)
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # this checkout's faassim, whatever is installed
    result = pytester.runpytest_subprocess(*PLUGIN, "--faassim-seed", "1")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*faassim snapshot 'round_robin' differs from __snapshots__/test_study/round_robin.json in * keys:",
            "  functions.mobilenet-inference.arrived: expected *, actual *, difference * exceeds tolerance *",
        ]
    )


# -- loading --------------------------------------------------------------------


def test_entry_point_is_declared_under_the_module_name():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["entry-points"]["pytest11"] == {"faassim.pytest_plugin": "faassim.pytest_plugin"}


def test_loaded_by_every_means_at_once_registers_once(pytester):
    """The entry point (a distribution declaring it, as pip writes it), -p and
    pytest_plugins together: one plugin, each option once."""
    site = pytester.mkdir("site")
    dist = site / "faassim_probe-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: faassim-probe\nVersion: 0.1\n")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    ((name, value),) = project["entry-points"]["pytest11"].items()
    (dist / "entry_points.txt").write_text(f"[pytest11]\n{name} = {value}\n")
    pytester.makeconftest('pytest_plugins = ["faassim.pytest_plugin"]')
    pytester.makepyfile(
        """
        def test_once(request, faassim_seed):
            pm = request.config.pluginmanager
            from faassim import pytest_plugin
            assert [p for p in pm.get_plugins() if p is pytest_plugin] == [pytest_plugin]
            assert pm.get_plugin("faassim.pytest_plugin") is pytest_plugin
            assert faassim_seed == 9
        """
    )
    pytester.syspathinsert(site)
    import importlib.metadata

    assert any(ep.value == value for ep in importlib.metadata.entry_points(group="pytest11"))
    for args in ([], ["-p", "faassim.pytest_plugin"]):
        result = pytester.runpytest(*args, "-p", "no:cacheprovider", "--faassim-seed", "9")
        result.assert_outcomes(passed=1)
        result = pytester.runpytest(*args, "-p", "no:cacheprovider", "--help")
        assert result.stdout.str().count("--faassim-seed=SEED") == 1


# -- summaries ------------------------------------------------------------------


def test_summarize_a_scenario_result_by_function_and_node_type():
    config = ScenarioConfig(duration=2.0, seed=4, load_scale=0.1).with_node_count(12)
    result = run_scenario(config)
    flat = summarize(result)
    resnet = next(f for f in result.functions if f.name == "resnet50-inference")
    assert resnet.completed > 0
    assert flat["functions.resnet50-inference.completed"] == resnet.completed
    assert flat["functions.resnet50-inference.wait.p95"] == resnet.wait[95]
    assert flat["functions.resnet50-inference.exec_mean"] == resnet.exec_mean
    assert flat["totals.arrived"] == result.totals["arrived"] and flat["seed"] == 4 and flat["duration"] == 2.0
    rpi3 = next(n for n in result.node_types if n.node_type == "rpi3")
    assert flat["node_types.rpi3.energy"] == rpi3.energy
    assert not any(k.startswith("aggregates") or k.endswith(".name") for k in flat)
    assert json.loads(json.dumps(flat)) == flat  # JSON as it is


def test_summarize_an_environment_counters_and_metric_summaries():
    env = faassim.Environment(seed=1)
    env.topology = faassim.Topology([faassim.Node("n0", "4", "8Gi")])
    fn = faassim.Function("f", [faassim.FunctionImage("f-cpu")])
    env.faas.deploy(faassim.FunctionDeployment(fn, [faassim.FunctionContainer(fn.fn_images[0])]))
    env.faas.add_source("f", faassim.Replay([1.0, 2.0, 4.0]))
    env.metrics.log("latency", 0.25)
    env.metrics.log("latency", 0.75)
    env.run()
    flat = summarize(env)
    assert flat["now"] == 4.0
    assert (flat["functions.f.invoked"], flat["functions.f.completed"], flat["functions.f.failed"]) == (3, 3, 0)
    assert flat["metrics.invocations.t_start.count"] == 3
    assert flat["metrics.invocations.t_start.sum"] == 7.0
    assert flat["metrics.latency.value.mean"] == 0.5 and flat["metrics.latency.value.max"] == 0.75


def test_summarize_values():
    flat = summarize({"a": np.int64(3), "b": np.float64(0.5), "c": np.array([1, 2]), "d": [{"x": None}], "e": True})
    assert flat == {"a": 3, "b": 0.5, "c.0": 1, "c.1": 2, "d.0.x": None, "e": True}
    assert type(flat["a"]) is int and type(flat["b"]) is float
    with pytest.raises(TypeError, match=r"cannot summarize a list"):
        summarize([1, 2])
    with pytest.raises(TypeError, match=r"a is a complex \(1j\)"):
        summarize({"a": 1j})


def test_module_doctest():
    import doctest

    failures, tried = doctest.testmod(pytest_plugin)
    assert failures == 0 and tried > 0
