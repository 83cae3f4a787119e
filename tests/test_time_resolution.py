"""Rates and intervals whose steps vanish against simulated time are refused.

A gap of 1 / rate (or an interval) that does not move ``max(|now|, 1)``
forward would stall the clock while arrivals or ticks pile up at one
instant; each such value must raise a clear error instead of running until
memory runs out."""

import pytest

import faassim as fs
from faassim import scenario as sc
from faassim.__main__ import main


def make_env(seed=1):
    env = fs.Environment(seed=seed)
    env.topology = fs.Topology([fs.Node("server_0", "64", "256Gi")])
    fn = fs.Function("f", [fs.FunctionImage("f-cpu")])
    config = fs.KubernetesResourceConfiguration.create_from_str(cpu="100m", memory="10Mi")
    container = fs.FunctionContainer(fn.fn_images[0], config)
    env.faas.deploy(fs.FunctionDeployment(fn, [container], fs.ScalingConfiguration(scale_min=1)))
    return env


@pytest.mark.parametrize("make", [
    lambda: fs.Poisson(1e300),
    lambda: fs.Constant(1e300),
    lambda: fs.Poisson(1e17),
    lambda: fs.Sine(1e300, 0, 10),
    lambda: fs.OnOff(1e300, 1, 1),
])
def test_rates_too_large_for_time_are_refused(make):
    with pytest.raises(ValueError, match="too large.*does not advance simulated time"):
        make()


def test_large_but_resolvable_rates_are_accepted():
    assert fs.Poisson(1e15).rate == 1e15
    assert fs.Constant(1e9).rate == 1e9
    assert fs.Poisson(1e-310).rate == 1e-310  # a gap of 1 / rate = inf is never reached, not too small


def test_source_whose_mean_gap_vanishes_at_late_times_raises_into_run():
    # 1e-10 s gaps are fine at t = 0 but vanish against t = 1e7
    env = make_env()
    env.run(until=1e7)
    with pytest.raises(ValueError, match=r"rate 10000000000\.0 is too large at time 10000000\.0"):
        env.faas.add_source("f", fs.Constant(1e10), max_requests=5)
    env.faas.add_source("f", fs.Constant(1e6), max_requests=5)
    env.run()
    assert env.now == pytest.approx(1e7 + 5e-6)


def test_monitor_interval_too_small_is_refused():
    env = make_env()
    with pytest.raises(ValueError, match="reconcile_interval 1e-300 is too small"):
        fs.ResourceMonitor(env, 1e-300)
    mon = fs.ResourceMonitor(env, 1.0, logging=False)
    with pytest.raises(ValueError, match="reconcile_interval 1e-17 is too small"):
        mon.reconcile_interval = 1e-17
    assert mon.reconcile_interval == 1.0


def test_autoscaler_interval_too_small_is_refused():
    env = make_env()
    with pytest.raises(ValueError, match="reconcile_interval 1e-300 is too small"):
        fs.HorizontalPodAutoscaler(env, reconcile_interval=1e-300)
    with pytest.raises(ValueError, match="reconcile_interval 1e-300 is too small"):
        next(fs.faas_idler(env, reconcile_interval=1e-300))


def test_autoscaler_interval_that_vanishes_later_raises_into_run():
    env = make_env()
    hpa = fs.HorizontalPodAutoscaler(env, reconcile_interval=10)
    env.run(until=1e7)
    hpa.reconcile_interval = 1e-10
    hpa.start()
    with pytest.raises(ValueError, match="reconcile_interval 1e-10 does not advance simulated time at 10000000"):
        env.run(until=2e7)


@pytest.mark.parametrize("changes, message", [
    ({"load_scale": 1e300}, "too large: the mean gap between arrivals"),
    ({"monitor_interval": 1e-300}, "monitor_interval 1e-300 is too small"),
    ({"autoscaler": "hpa", "autoscaler_options": {"reconcile_interval": 1e-300}}, "reconcile_interval 1e-300 is too"),
])
def test_scenario_refuses_values_that_stall_time(changes, message):
    with pytest.raises(sc.ScenarioError, match=message):
        sc.ScenarioConfig(duration=5.0, **changes)
    with pytest.raises(sc.ScenarioError, match=message):
        sc.ScenarioConfig(duration=5.0).replace(**changes)


def test_cli_load_scale_too_large_is_an_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(["run", "--duration", "5", "--load-scale", "1e300", "--no-progress", "--output", str(tmp_path)])
    assert info.value.code == 2
    assert "too large" in capsys.readouterr().err


def test_monitor_interval_that_vanishes_later_raises():
    env = make_env()
    env.run(until=1e7)
    mon = fs.ResourceMonitor(env, 1e-10, logging=False)
    with pytest.raises(ValueError, match="reconcile_interval 1e-10 does not advance simulated time at 10000000"):
        mon.start()
    # a running monitor whose interval is set too small stops the run at its next sample
    mon = fs.ResourceMonitor(env, 1.0, logging=False)
    mon.start()
    env.run(until=1e7 + 2.5)
    mon.reconcile_interval = 1e-10
    with pytest.raises(ValueError, match="does not advance simulated time at 10000003"):
        env.run(until=1e7 + 10)
    assert env.now == 1e7 + 3


def test_timeout_overflowing_to_infinity_is_refused():
    env = fs.Environment(initial_time=1e308)
    with pytest.raises(OverflowError, match=r"delay of 1e\+308 from now = 1e\+308 overflows simulated time"):
        env.timeout(1e308)
    t = env.timeout(1e307)  # finite: accepted
    env.run()
    assert env.now == 1e308 + 1e307 and t.processed


def test_source_arrival_overflowing_to_infinity_is_an_error():
    env = fs.Environment(initial_time=1.7e308)
    env.topology = fs.Topology([fs.Node("server_0", "64", "256Gi")])
    fn = fs.Function("f", [fs.FunctionImage("f-cpu")])
    config = fs.KubernetesResourceConfiguration.create_from_str(cpu="100m", memory="10Mi")
    container = fs.FunctionContainer(fn.fn_images[0], config)
    env.faas.deploy(fs.FunctionDeployment(fn, [container], fs.ScalingConfiguration(scale_min=1)))
    with pytest.raises(OverflowError, match="next arrival after now = 1.7e\\+308 overflows simulated time"):
        env.faas.add_source("f", fs.Constant(1e-308))
    src = env.faas.add_source("f", fs.Constant(1e-306))
    with pytest.raises(OverflowError, match="next arrival after now = 1.79e\\+308 overflows simulated time"):
        env.run()
    # arrivals at 1.7e308 + k * 1e306 for k = 1..9; the 10th is past the largest double (1.797e308)
    assert src.count == 9 and env.now == pytest.approx(1.79e308, rel=1e-15)


def test_subnormal_rate_gives_no_arrival_and_no_error():
    env = make_env()
    src = env.faas.add_source("f", fs.Poisson(1e-310))
    env.run(until=100)
    assert src.count == 0 and env.now == 100
