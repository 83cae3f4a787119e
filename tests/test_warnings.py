"""FaassimWarning: request sources that will send nothing and scenario runs
in which requests or replicas went nowhere. (Unknown measurement names:
tests/test_metrics.py.)"""

import warnings

import numpy as np

import faassim
from faassim import Constant, PerMinute, Poisson, Replay, scenario
from faassim.scenario import ScenarioConfig, run_scenario


def make_env(seed=1):
    env = faassim.Environment(seed=seed)
    env.topology = faassim.Topology([faassim.Node("server_0", "16", "64Gi")])
    fn = faassim.Function("f", [faassim.FunctionImage("f-cpu")])
    env.faas.deploy(faassim.FunctionDeployment(fn, [faassim.FunctionContainer(fn.fn_images[0])]))
    return env


def faassim_warnings(call):
    """(result of call(), [FaassimWarning messages it emitted])."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = call()
    return result, [w for w in caught if issubclass(w.category, faassim.FaassimWarning)]


# -- request sources ------------------------------------------------------------


def test_source_whose_window_is_past_warns_and_sends_nothing():
    env = make_env()
    env.run(until=10)
    src, caught = faassim_warnings(lambda: env.faas.add_source("f", Poisson(50), until=4))
    assert [str(w.message) for w in caught] == [
        "add_source('f', <Poisson poisson rate=50.0/s, 0 sent>, until=4) at env.now = 10: "
        "the source's window is already past, it sends no requests"
    ]
    assert caught[0].filename == __file__  # attributed to the caller
    # until == now: a Constant's first arrival is one period later
    _, caught = faassim_warnings(lambda: env.faas.add_source("f", Constant(2), until=10))
    assert len(caught) == 1 and "window is already past" in str(caught[0].message)
    env.run(until=30)
    assert src.count == 0 and env.metrics.count("invocations") == 0


def test_fixed_arrivals_all_after_until_warn():
    env = make_env()
    cases = [
        (Replay([5.0, 6.0]), 4.0),
        (Constant(0.1), 9.5),  # the first request would be at t = 10
        (PerMinute([0, 0, 3], spread="uniform"), 100.0),  # minute 2 starts at 120
    ]
    for source, until in cases:
        _, caught = faassim_warnings(lambda: env.faas.add_source("f", source, until=until))
        assert len(caught) == 1, source
        assert "none of the source's arrivals falls in its window, it sends no requests" in str(caught[0].message)
    env.run(until=200)
    assert env.metrics.count("invocations") == 0


def test_sources_that_send_or_were_asked_for_nothing_do_not_warn():
    env = make_env()

    def attach():
        sending = [
            env.faas.add_source("f", Replay([5.0, 6.0]), until=5.0),  # the one at until is sent
            env.faas.add_source("f", Constant(0.1), until=10.0),
            env.faas.add_source("f", PerMinute([0, 0, 3], spread="uniform")),
        ]
        quiet = [
            env.faas.add_source("f", Constant(1), max_requests=0),  # asked for nothing
            # random: the first arrival happens to fall after until (Exp(mean 1000 s) > 1 s)
            env.faas.add_source("f", Poisson(0.001), until=1.0),
        ]
        return sending, quiet

    (sending, quiet), caught = faassim_warnings(attach)
    assert caught == []
    assert not any(s.active for s in quiet)
    env.run(until=200)
    assert [s.count for s in sending] == [1, 1, 3]


def test_workload_replay_into_the_past_warns():
    env = make_env()
    env.run(until=100)
    trace = {"h": faassim.workload.Azure2019Function("o", "a", "h", "http", np.array([4, 2]))}
    _, caught = faassim_warnings(
        lambda: faassim.workload.replay_azure_2019(env, trace, {"h": "f"}, spread="uniform", until=50)
    )
    assert len(caught) == 1 and "window is already past" in str(caught[0].message)


# -- scenario runs ----------------------------------------------------------------


class NoPi(faassim.Scheduler):
    """Places nothing of python-pi (as if it fitted on no node)."""

    def schedule(self, replica):
        return None if replica.fn_name == "python-pi" else super().schedule(replica)


SMALL = ScenarioConfig(duration=5.0, seed=1, monitor_interval=0.0).with_node_count(20)


def test_scenario_run_warns_about_failed_requests_and_unplaced_replicas(monkeypatch):
    build = scenario.build_scenario

    def build_without_pi(config=None):
        sim = build(config)
        sim.env.scheduler = NoPi()
        return sim

    monkeypatch.setattr(scenario, "build_scenario", build_without_pi)
    result, caught = faassim_warnings(lambda: run_scenario(SMALL))
    stats = result.env.faas.function_stats("python-pi")
    unplaced = len(result.env.faas.get_replicas("python-pi", faassim.FunctionState.FAILED))
    # every python-pi request failed (no replica could be placed), nothing else did
    assert stats["failed"] > 0 and stats["completed"] == 0 and unplaced > 0
    assert [f.failed for f in result.functions] == [0, 0, 0, stats["failed"]]
    # they never reached a replica: counted as arrived and failed, none in flight
    pi = result.functions[-1]
    assert stats["unserved"] == stats["failed"] and stats["invoked"] == 0
    assert (pi.arrived, pi.in_flight) == (stats["failed"] + stats["waiting"], 0)
    assert pi.arrived == pi.completed + pi.failed + pi.in_flight + pi.waiting
    assert [str(w.message) for w in caught] == [
        f"scenario run (seed 1, 5 s): {stats['failed']:,} requests failed (python-pi: {stats['failed']:,}; "
        "see function_stats(name)['failed']); "
        f"{unplaced:,} replicas could not be placed or deployed (python-pi: {unplaced:,}; see "
        "get_replicas(name, FunctionState.FAILED) and the 'failed' rows of 'replica_deployment')"
    ]
    assert caught[0].filename == __file__


def test_scenario_run_warns_about_functions_without_requests():
    # 0.002 x the rates: about 5 requests in 5 s to resnet50, 0.5 to python-pi, 0.4 to speech
    result, caught = faassim_warnings(lambda: run_scenario(SMALL.replace(load_scale=0.002)))
    idle = [f.name for f in result.functions if f.arrived == 0]
    assert idle and len(idle) < 4  # (seeded: the same functions every run)
    assert [str(w.message) for w in caught] == [f"scenario run (seed 1, 5 s): no request arrived for {', '.join(idle)}"]


def test_a_healthy_scenario_run_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error", faassim.FaassimWarning)
        result = run_scenario(SMALL)
    assert result.totals["failed"] == 0 and all(f.arrived > 0 for f in result.functions)
