"""The notebook-style examples in examples/ run and do what they say."""

import pathlib
import runpy

import numpy as np
import pytest

import faassim as fs

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_custom_simulators_example(capsys):
    ns = runpy.run_path(str(ROOT / "examples" / "custom_simulators.py"), run_name="__main__")
    out = capsys.readouterr().out

    # faas-sim's custom_function_sim: 10 + 10 requests after the image pull
    # (58 MB at 12.5 MB/s) and the 10 s startup; python-pi on a node that is no
    # Raspberry Pi takes 2 s, resnet 0.5 s; the benchmark waits for all of them
    env = ns["custom_env"]
    calls = env.metrics.to_numpy("invocations")
    assert len(calls["t_exec"]) == 20
    t_exec = dict(zip(calls["function_name"].tolist(), calls["t_exec"].tolist()))
    assert t_exec == {"python-pi": 2.0, "resnet50-inference": 0.5}
    assert set(calls["node"][calls["function_name"] == "resnet50-inference"].tolist()) <= {"nx_0", "xeongpu_0"}
    assert isinstance(env.simulator_factory, ns["CustomSimulatorFactory"])
    assert env.now == 17.0  # polls see the replicas at 15.0 (up at 58e6 / 12.5e6 + 10 = 14.64)
    assert "starting up function replica for function python-pi" in out
    # every request released its cpu
    for name in ("python-pi", "resnet50-inference"):
        for replica in env.faas.get_replicas(name):
            assert env.resource_state.get_resource_utilization(replica).get_resource("cpu") == 0.0

    # faas-sim's watchdogs example
    env = ns["watchdog_env"]
    fets = env.metrics.to_numpy("fets")
    training = fets["function_name"] == "resnet50-training"
    inference = ~training
    assert training.sum() == inference.sum() == 10
    np.testing.assert_allclose((fets["t_fet_end"] - fets["t_fet_start"])[training], 7.0)
    np.testing.assert_allclose((fets["t_fet_end"] - fets["t_fet_start"])[inference], 0.2, rtol=1e-9)
    # forking: the ten training requests run at once; HTTP: four at a time
    assert len(set(fets["t_fet_start"][training].tolist())) == 1
    waits = sorted((fets["t_wait_end"] - fets["t_wait_start"])[inference].round(9).tolist())
    assert waits == [0.0] * 4 + [0.2] * 4 + [0.4] * 2
    # the inference replica keeps its base load (never torn down); training released everything
    inf = env.faas.get_replicas("resnet50-inference")[0]
    assert env.resource_state.get_resource_utilization(inf).list_resources() == pytest.approx(
        {"cpu": 0.08, "memory": 200.0}
    )
    train = env.faas.get_replicas("resnet50-training")[0]
    assert env.resource_state.get_resource_utilization(train).is_empty()
    assert "up to 0.4 s waiting for one of the 4 workers" in out
    if ns["fets_df"] is not None:
        assert len(ns["fets_df"]) == 20
