"""faassim.sweep: runs expanded from a grid, one row per (run, seed), the
same table whatever executor runs them, errors with the run's parameters."""

import concurrent.futures

import pytest

import faassim
from faassim.sweeps import SweepError, grid, sweep


def mm1_wait(rate, seed):
    """A small simulation: mean wait of an M/M/1 queue (engine only)."""
    env = faassim.Environment(seed=seed)
    server = faassim.Resource(env, 1)
    waits = []

    def customer(env):
        t = env.now
        with server.request() as req:
            yield req
            waits.append(env.now - t)
            yield env.timeout(env.rng.expovariate(1.0))

    def source(env):
        for _ in range(2000):
            yield env.timeout(env.rng.expovariate(rate))
            env.process(customer(env))

    env.process(source(env))
    env.run()
    return {"mean_wait": sum(waits) / len(waits), "n": len(waits)}


def boom(x):
    if x == 2:
        raise KeyError("no %d" % x)
    return {"y": x}


def test_grid_expansion_order_and_errors():
    assert grid({"a": [1, 2], "b": "xy"[:1] and ["x", "y"]}) == [
        {"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 2, "b": "x"}, {"a": 2, "b": "y"}]
    assert grid([{"a": 1}, {"a": 5, "b": 0}]) == [{"a": 1}, {"a": 5, "b": 0}]
    with pytest.raises(TypeError, match="'a' must be a list"):
        grid({"a": 3})
    with pytest.raises(TypeError, match="'a' must be a list"):
        grid({"a": "abc"})
    with pytest.raises(ValueError, match="'a' has no values"):
        grid({"a": []})
    with pytest.raises(TypeError, match="run 1 must be a mapping"):
        grid([{"a": 1}, 3])


@pytest.mark.parametrize("executor", ["inline", "threads", "processes", None])
def test_same_table_whatever_runs_it(executor):
    params = {"rate": [0.5, 0.8]}
    if executor == "threads":
        with concurrent.futures.ThreadPoolExecutor(3) as ex:
            rows = sweep(mm1_wait, params, seeds=[1, 2, 3], executor=ex)
    elif executor == "processes":
        with concurrent.futures.ProcessPoolExecutor(2) as ex:
            rows = sweep(mm1_wait, params, seeds=[1, 2, 3], executor=ex)
    else:
        rows = sweep(mm1_wait, params, seeds=[1, 2, 3], executor=executor, max_workers=2)
    expected = [dict(rate=r, seed=s, **mm1_wait(r, s)) for r in (0.5, 0.8) for s in (1, 2, 3)]
    assert rows == expected  # bit-identical: same seed, same results, in any process
    assert len({r["mean_wait"] for r in rows}) == 6
    # M/M/1 mean wait rho / (mu - lambda): ordered by load
    assert sum(r["mean_wait"] for r in rows[:3]) < sum(r["mean_wait"] for r in rows[3:])


def test_without_seeds_and_as_frame():
    rows = sweep(boom, {"x": [1, 3]}, executor="inline")
    assert rows == [{"x": 1, "y": 1}, {"x": 3, "y": 3}]
    df = sweep(boom, [{"x": 1}, {"x": 3}], executor="inline", as_frame=True)
    assert list(df.columns) == ["x", "y"] and df["y"].tolist() == [1, 3]


@pytest.mark.parametrize("executor", ["inline", "threads"])
def test_a_failing_run_names_its_parameters(executor):
    ex = concurrent.futures.ThreadPoolExecutor(2) if executor == "threads" else "inline"
    try:
        with pytest.raises(SweepError, match=r"\{'x': 2\} raised KeyError") as info:
            sweep(boom, {"x": [1, 2, 3]}, executor=ex)
    finally:
        if executor == "threads":
            ex.shutdown()
    assert info.value.params == {"x": 2}
    assert isinstance(info.value.__cause__, KeyError)
    assert info.value.__cause__.__traceback__ is not None  # the run's own traceback


def test_bad_arguments():
    with pytest.raises(TypeError, match="fn must be callable"):
        sweep(3, {"x": [1]})
    with pytest.raises(TypeError, match="seeds must be ints"):
        sweep(boom, {"x": [1]}, seeds=[1.5], executor="inline")
    with pytest.raises(ValueError, match="'seed' is both"):
        sweep(boom, {"seed": [1]}, seeds=[1], executor="inline")
    with pytest.raises(TypeError, match="executor must be"):
        sweep(boom, {"x": [1]}, executor="threads")
    with pytest.raises(ValueError, match="max_workers"):
        sweep(boom, {"x": [1]}, max_workers=0)
    with pytest.raises(TypeError, match="must return a mapping"):
        sweep(lambda x: x, {"x": [1]}, executor="inline")
    with pytest.raises(ValueError, match="also its parameters"):
        sweep(lambda x: {"x": 2}, {"x": [1]}, executor="inline")


def test_sweep_of_the_default_scenario_in_processes():
    from faassim.scenario import ScenarioError, scenario_row

    grid = {"load_scale": [0.05, 0.1], "duration": [10.0], "nodes": [20]}
    rows = sweep(scenario_row, grid, seeds=[3], max_workers=2)  # a process pool
    again = sweep(scenario_row, grid, seeds=[3], executor="inline")
    assert rows == again  # same seed, same results, in another process
    for r in rows:
        assert r["arrived"] == r["completed"] + r["failed"] + r["in_flight"] + r["waiting"]
        assert abs(r["arrived"] - 1000 * r["load_scale"] * 10.0) < 5 * (1000 * r["load_scale"] * 10.0) ** 0.5
    assert rows[0]["arrived"] < rows[1]["arrived"]
    with pytest.raises(SweepError) as info:
        sweep(scenario_row, {"gamma": [1]}, executor="inline")
    assert isinstance(info.value.__cause__, ScenarioError) and "gamma" in str(info.value.__cause__)
