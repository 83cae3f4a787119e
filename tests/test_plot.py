"""faassim.plot: the lines and bars on the Axes carry what the measurement
tables say (hand-computed on small tables, and against pandas on a run of
the scenario), for every kind of input a researcher holds after a run."""

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest

from faassim import plot
from faassim.scenario import ScenarioConfig, run_scenario


@pytest.fixture
def plt():
    """matplotlib's pyplot on the Agg backend (no display); the tests that
    draw take it, and are skipped where matplotlib is not installed."""
    matplotlib = pytest.importorskip("matplotlib", reason="matplotlib is an optional dependency (the plot extra)")
    matplotlib.use("Agg")
    import matplotlib.pyplot

    yield matplotlib.pyplot
    matplotlib.pyplot.close("all")


def lines_of(ax):
    return {line.get_label(): (line.get_xdata().tolist(), line.get_ydata().tolist()) for line in ax.get_lines()}


# -- hand-computed -------------------------------------------------------------


INVOCATIONS = {
    "time": [3.0, 4.0, 2.0, 9.0],
    "t_wait": [0.0, 1.0, 0.5, 0.0],
    "t_exec": [2.0, 2.0, 1.0, 0.25],
    "function_name": ["a", "a", "b", "a"],
}


def test_latency_cdf_steps_through_each_functions_sorted_latencies(plt):
    ax = plot.latency_cdf(INVOCATIONS)
    assert lines_of(ax) == {"a": ([0.25, 2.0, 3.0], [1 / 3, 2 / 3, 1.0]), "b": ([1.5], [1.0])}
    assert all(line.get_drawstyle() == "steps-post" for line in ax.get_lines())
    assert ax.get_xlabel() == "response time (s)"
    assert lines_of(plot.latency_cdf(INVOCATIONS, latency="wait", functions=["a"])) == {
        "a": ([0.0, 0.0, 1.0], [1 / 3, 2 / 3, 1.0])
    }
    assert lines_of(plot.latency_cdf(INVOCATIONS, latency="exec", functions="b")) == {"b": ([1.0], [1.0])}


def test_plots_draw_on_the_axes_given(plt):
    _, (left, right) = plt.subplots(1, 2)
    assert plot.latency_cdf(INVOCATIONS, ax=right) is right
    assert left.get_lines() == [] and len(right.get_lines()) == 2


def test_replicas_count_from_finish_to_teardown_or_failure(plt):
    table = {
        "time": [0.0, 0.0, 3.0, 4.0, 5.0, 7.0, 7.0],
        "value": ["finish", "finish", "deploy", "finish", "teardown", "failed", "startup"],
        "function_name": ["a", "a", "b", "b", "a", "a", "b"],
        "replica_id": [0, 1, 2, 2, 0, 1, 3],
    }
    ax = plot.replicas(table, until=10)
    assert lines_of(ax) == {"a": ([0.0, 5.0, 7.0, 10.0], [2, 1, 0, 0]), "b": ([3.0, 4.0, 10.0], [0, 1, 1])}
    # without an environment the lines end at the table's last row
    assert lines_of(plot.replicas(table, functions=["b"])) == {"b": ([3.0, 4.0, 7.0], [0, 1, 1])}


def test_node_lines_sum_or_average_per_node_type_at_each_time(plt):
    table = {
        "time": [0.0, 0.0, 0.0, 5.0, 5.0, 5.0],
        "watts": [2.0, 3.0, 10.0, 4.0, 5.0, 12.0],
        "node": ["rpi3_0", "rpi3_1", "nuc_0", "rpi3_0", "rpi3_1", "nuc_0"],
    }
    assert lines_of(plot.power(table)) == {"nuc": ([0.0, 5.0], [10.0, 12.0]), "rpi3": ([0.0, 5.0], [5.0, 9.0])}
    assert lines_of(plot.power(table, how="mean"))["rpi3"] == ([0.0, 5.0], [2.5, 4.5])
    assert lines_of(plot.power(table, by="node"))["rpi3_1"] == ([0.0, 5.0], [3.0, 5.0])
    edge = {"rpi3_0": "edge", "rpi3_1": "edge", "nuc_0": "edge"}
    assert lines_of(plot.power(table, by=edge)) == {"edge": ([0.0, 5.0], [15.0, 21.0])}
    assert lines_of(plot.power(table, by=lambda name: name[0])) == {
        "n": ([0.0, 5.0], [10.0, 12.0]),
        "r": ([0.0, 5.0], [5.0, 9.0]),
    }
    joules = dict(table, joules=table["watts"])
    assert lines_of(plot.energy(joules))["nuc"] == ([0.0, 5.0], [10.0, 12.0])
    util = dict(table, cpu=[0.5, 0.25, 1.0, 0.0, 0.75, 0.5])
    assert lines_of(plot.utilization(util))["rpi3"] == ([0.0, 5.0], [0.375, 0.375])


def test_flows_are_bars_from_start_to_end_in_order_of_start(plt):
    table = {
        "time": [10.0, 4.0, 6.0],
        "duration": [8.0, 4.0, 1.0],
        "action_type": ["docker_pull", "docker_pull", "data_download"],
        "bytes": [1e6, 2e6, 3e6],
    }
    ax = plot.flows(table)
    bars = {c.get_label(): [s.tolist() for s in c.get_segments()] for c in ax.collections}
    assert bars == {
        "data_download": [[[5.0, 2.0], [6.0, 2.0]]],
        "docker_pull": [[[2.0, 1.0], [10.0, 1.0]], [[0.0, 0.0], [4.0, 0.0]]],
    }


def test_network_bars_are_the_latest_row_of_each_link(plt):
    table = {
        "time": [5.0, 5.0, 10.0, 10.0],
        "link": [1, 0, 1, 0],
        "utilization": [0.1, 0.2, 0.3, 0.4],
        "bytes": [1.0, 2.0, 3.0, 4.0],
    }
    ax = plot.network(table)
    assert [p.get_height() for p in ax.patches] == [0.4, 0.3]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1"]
    assert [p.get_height() for p in plot.network(table, value="bytes").patches] == [4.0, 3.0]
    ax = plot.network(table, top=1)
    assert [p.get_height() for p in ax.patches] == [0.4]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0"]
    table = {"time": [1.0] * 4, "link": [0, 1, 2, 3], "utilization": [0.1, 0.5, 0.5, 0.7]}
    ax = plot.network(table, top=3)
    assert [(t.get_text(), p.get_height()) for t, p in zip(ax.get_xticklabels(), ax.patches)] == [
        ("3", 0.7),
        ("1", 0.5),
        ("2", 0.5),
    ]
    with pytest.raises(ValueError, match=r"top must be a link count >= 1 or None, not 0"):
        plot.network(table, top=0)


# -- errors ------------------------------------------------------------------------


def test_a_table_without_rows_says_what_logs_it():
    import faassim as fs

    env = fs.Environment()
    with pytest.raises(ValueError, match=r"plot.network\(\): the 'network' table has no rows; env.net.log_network"):
        plot.network(env)
    with pytest.raises(ValueError, match=r"'node_utilization' table has no rows; a ResourceMonitor"):
        plot.utilization(env.metrics)


def test_bad_arguments_are_refused_with_what_was_expected():
    with pytest.raises(TypeError, match=r"latency_cdf\(\): data must be an Environment, .* not list"):
        plot.latency_cdf([1, 2])
    with pytest.raises(ValueError, match=r"no rows for function 'c'; the table has 'a', 'b'"):
        plot.latency_cdf(INVOCATIONS, functions=["c"])
    with pytest.raises(ValueError, match=r"latency must be 'response', 'wait' or 'exec', not 'total'"):
        plot.latency_cdf(INVOCATIONS, latency="total")
    with pytest.raises(ValueError, match=r"the 'invocations' table has no column 't_exec'; its columns: "):
        plot.latency_cdf({"time": [1.0], "t_wait": [0.0], "function_name": ["a"]})
    power = {"time": [0.0], "watts": [1.0], "node": ["n_0"]}
    with pytest.raises(ValueError, match=r"how must be 'sum' or 'mean', not 'max'"):
        plot.power(power, how="max")
    with pytest.raises(ValueError, match=r"node 'n_0' is not in the mapping given as by"):
        plot.power(power, by={"other": "x"})
    with pytest.raises(ValueError, match=r"by must be 'node_type', 'node', .* not 'rack'"):
        plot.power(power, by="rack")


def test_without_matplotlib_the_error_says_how_to_install_it():
    code = (
        "import sys\n"
        "sys.modules['matplotlib'] = None\n"  # an import of it now fails
        "from faassim import plot\n"
        "try:\n"
        "    plot.latency_cdf({'time': [1.0], 't_wait': [0.0], 't_exec': [1.0], 'function_name': ['a']})\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out == (
        "faassim.plot.latency_cdf() needs matplotlib, an optional dependency of faassim: "
        "pip install matplotlib (or pip install 'faassim[plot]')\n"
    )


# -- a run of the scenario: the environment, its metrics and DataFrames ----------


@pytest.fixture
def run():
    config = ScenarioConfig(duration=40, load_scale=0.05, network="urban_sensing", autoscaler="hpa")
    result = run_scenario(config.with_node_count(20))
    result.env.net.log_network()
    yield result
    result.env = None


def test_plots_of_a_run_match_its_tables(plt, run):
    pd = pytest.importorskip("pandas")
    env = run.env
    calls = env.metrics.extract_dataframe("invocations")
    for data in (run, env, env.metrics, calls, env.metrics.to_numpy("invocations")):
        drawn = lines_of(plot.latency_cdf(data))
        assert sorted(drawn) == sorted(calls["function_name"].unique())
        for name, (x, y) in drawn.items():
            expected = np.sort((calls["t_wait"] + calls["t_exec"])[calls["function_name"] == name].to_numpy())
            assert x == expected.tolist()
            assert y[-1] == 1.0 and len(y) == len(expected)

    types = {n.name: n.node_type for n in env.topology.get_nodes()}
    for measurement, column, fn, how in (
        ("node_utilization", "cpu", plot.utilization, "mean"),
        ("power", "watts", plot.power, "sum"),
        ("energy", "joules", plot.energy, "sum"),
    ):
        frame = env.metrics.extract_dataframe(measurement).reset_index()
        frame["node_type"] = frame["node"].map(types)
        expected = frame.groupby(["node_type", "time"])[column].agg(how)
        drawn = lines_of(fn(env))
        assert sorted(drawn) == sorted(frame["node_type"].unique())
        for node_type, (x, y) in drawn.items():
            assert x == expected[node_type].index.tolist()
            np.testing.assert_allclose(y, expected[node_type].to_numpy(), rtol=1e-12)
        assert lines_of(fn(env.metrics.extract_dataframe(measurement))) == drawn

    deployments = env.metrics.extract_dataframe("replica_deployment").reset_index()
    drawn = lines_of(plot.replicas(env))
    for name, (x, y) in drawn.items():
        rows = deployments[deployments["function_name"] == name]
        changes = rows[rows["value"].isin(["finish", "teardown", "failed"])]
        count = (changes["value"] == "finish").astype(int) * 2 - 1
        counts = count.groupby(changes["time"]).sum().cumsum()
        # from the function's first row (0 ready then, unless one got ready at once)
        expected = pd.concat([pd.Series([0], index=[rows["time"].min()]), counts]).groupby(level=0).last()
        assert x == [*expected.index.tolist(), env.now]
        assert y == [*expected.tolist(), expected.iloc[-1]]
    assert max(max(y) for _, y in drawn.values()) > 1  # the autoscaler added replicas

    flows = env.metrics.extract_dataframe("flow").reset_index()
    ax = plot.flows(env)
    segments = [s for c in ax.collections for s in c.get_segments()]
    assert sorted((s[0][0], s[1][0]) for s in segments) == sorted(
        zip((flows["time"] - flows["duration"]).tolist(), flows["time"].tolist())
    )

    links = env.metrics.extract_dataframe("network").reset_index()
    ax = plot.network(env)
    assert [p.get_height() for p in ax.patches] == links.sort_values("link")["utilization"].tolist()
    assert [t.get_text() for t in ax.get_xticklabels()] == [env.net.links[i].name for i in sorted(links["link"])]


def test_matplotlib_is_the_plot_extra_and_in_the_test_extra():
    extras = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    assert extras["plot"] == ["matplotlib>=3.6"]
    assert "matplotlib>=3.6" in extras["test"]  # so CI runs the tests above


def test_the_docs_pictures_script_draws_both_pictures(plt, tmp_path):
    root = Path(__file__).resolve().parents[1]
    # the script imports the faassim this test runs against
    paths = [str(Path(plot.__file__).resolve().parents[1]), os.environ.get("PYTHONPATH", "")]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in paths if p))
    out = subprocess.run(
        [sys.executable, str(root / "docs" / "make_plots.py"), str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout
    assert out.splitlines() == [f"wrote {tmp_path / 'plots-scenario.png'}", f"wrote {tmp_path / 'plots-network.png'}"]
    for name in ("plots-scenario.png", "plots-network.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert (root / "docs" / "images" / name).exists()  # the committed pictures the guide shows


def test_the_plots_page_examples_run(plt, tmp_path, monkeypatch):
    import re

    page = (Path(__file__).resolve().parents[1] / "docs" / "plots.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", page, re.DOTALL)
    assert blocks
    monkeypatch.chdir(tmp_path)  # the example saves its figure
    for i, code in enumerate(blocks):
        exec(compile(code, f"plots.md block {i + 1}", "exec"), {})
    assert (tmp_path / "run.png").exists()
