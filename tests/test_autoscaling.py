"""Autoscalers (faassim.autoscaling): faas-sim's request, average-rps and
queue scalers, the HPA, keep-alive scale to zero, the faas-sim flags.

Expected decisions are computed in the tests from the windows' request
counts, queue lengths and utilizations (hand-computed or counted from the
logged invocations), not read back from the scalers."""

import math

import numpy as np
import pytest

import faassim as fs

# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


class Factory(fs.SimulatorFactory):
    def __init__(self, make=fs.FunctionSimulator):
        self.make = make

    def create(self, env, container):
        return self.make()


class ColdStart(fs.FunctionSimulator):
    """startup takes `delay` seconds (a Constant cold start)."""

    delay = 2.0

    def startup(self, env, replica):
        yield env.timeout(self.delay)


def make_env(nodes=8, seed=1, make=fs.FunctionSimulator):
    env = fs.Environment(seed=seed)
    env.topology = fs.Topology([fs.Node(f"node_{i}", "4", "8Gi") for i in range(nodes)])
    env.simulator_factory = Factory(make)
    return env


def deployment(name="f", container=None, **scaling):
    fn = fs.Function(name, [fs.FunctionImage(f"{name}-img")])
    return fs.FunctionDeployment(
        fn, [container or fs.FunctionContainer(fn.fn_images[0])], fs.ScalingConfiguration(**scaling)
    )


def rows(env, scaler=None):
    cols = env.metrics.to_numpy("autoscaler") if "autoscaler" in env.metrics.measurements() else None
    if cols is None:
        return []
    out = list(
        zip(
            cols["time"].tolist(),
            cols["scaler"].tolist(),
            cols["current"].tolist(),
            cols["desired"].tolist(),
            cols["metric"].tolist(),
        )
    )
    return [r for r in out if scaler is None or r[1] == scaler]


def scale_rows(env):
    cols = env.metrics.to_numpy("scale")
    return list(zip(cols["time"].tolist(), cols["value"].tolist()))


def arrivals(env):
    """Arrival times of the served requests (from the invocations rows)."""
    inv = env.metrics.to_numpy("invocations")
    return np.sort(inv["t_start"] - inv["t_wait"])


# ---------------------------------------------------------------------------
# FaasRequestScaler
# ---------------------------------------------------------------------------


def test_request_scaler_follows_a_step_in_poisson_load():
    env = make_env(nodes=12, seed=7)
    # step = 20% of scale_max = 2; threshold 20 req/s over 10 s windows
    fd = deployment(scale_min=1, scale_max=10, scale_factor=20, rps_threshold=20, rps_threshold_duration=10)
    env.faas.deploy(fd)
    scaler = fs.FaasRequestScaler(fd, env)
    assert scaler.reconcile_interval == 10 and scaler.step() == 2 and scaler.threshold == 20
    scaler.start()
    env.faas.add_source("f", fs.Poisson(rate=60), until=60)  # the step: 65 req/s until 60 s, then 5 req/s
    env.faas.add_source("f", fs.Poisson(rate=5))
    env.run(until=125)

    # the decisions, recomputed from the arrival times of the requests
    times = arrivals(env)
    current, expected, expected_scale = 1, [], [(0.0, 1)]
    for k in range(1, 13):
        t = 10.0 * k
        n = int(((times > t - 10) & (times <= t)).sum())
        desired = min(current + 2, 10) if n / 10 >= 20 else max(current - 2, 1)
        expected.append((t, "requests", current, desired, n / 10))
        if desired != current:
            expected_scale.append((t, desired - current))
        current = desired
    assert rows(env) == expected
    assert scale_rows(env) == expected_scale
    # the shape: +2 at 10..40 s, +1 at 50 s (scale_max 10), -2 at 70..100 s, -1 at 110 s (scale_min 1)
    assert expected_scale == [(0.0, 1), (10.0, 2), (20.0, 2), (30.0, 2), (40.0, 2), (50.0, 1),
                              (70.0, -2), (80.0, -2), (90.0, -2), (100.0, -2), (110.0, -1)]
    assert env.faas.function_stats("f")["replicas"] == 1


def test_request_scaler_step_never_rounds_to_zero():
    env = make_env()
    fd = deployment(scale_min=1, scale_max=5, scale_factor=1, rps_threshold=1, rps_threshold_duration=5)
    env.faas.deploy(fd)
    assert fs.FaasRequestScaler(fd, env).step() == 1  # faas-sim: int(0.01 * 5) == 0, it never scaled
    fd.scale_factor, fd.scale_max = 29, 100
    assert fs.FaasRequestScaler(fd, env).step() == 29  # exact: 0.29 * 100 is 28.999999999999996 in floats


# ---------------------------------------------------------------------------
# AverageFaasRequestScaler
# ---------------------------------------------------------------------------


def window_times(counts, width=10.0):
    """counts[i] requests spread inside window i: (i*width, (i+1)*width), away from the edges."""
    out = []
    for i, n in enumerate(counts):
        out += [i * width + width * (j + 0.5) / n for j in range(n)]
    return out


def test_average_rps_scaler_hand_computed_windows():
    env = make_env()
    fd = deployment(scale_min=1, scale_max=5, target_average_rps=4, alert_window=10, target_average_rps_threshold=0.1)
    env.faas.deploy(fd)
    fs.AverageFaasRequestScaler(fd, env).start()
    env.faas.add_source("f", fs.Replay(window_times([100, 100, 126, 0, 50])))
    env.run(until=55)
    # (0,10]  100 req, 1 running: 10 req/s per replica, desired ceil(1 * 10 / 4) = 3 -> +2
    # (10,20] 100 req, 3 running: 3.33, desired ceil(3 * 3.33 / 4) = 3 -> no change
    # (20,30] 126 req, 3 running: 4.2, ratio 1.05 inside the 10% band -> no change (ceil would give 4)
    # (30,40] 0 req: desired 0 -> scale_min 1 -> -2
    # (40,50] 50 req, 1 running: 5, desired ceil(1.25) = 2 -> +1
    assert rows(env) == [
        (10.0, "average_requests", 1, 3, 10.0),
        (20.0, "average_requests", 3, 3, 10.0 / 3),
        (30.0, "average_requests", 3, 3, 12.6 / 3),
        (40.0, "average_requests", 3, 1, 0.0),
        (50.0, "average_requests", 1, 2, 5.0),
    ]
    assert scale_rows(env) == [(0.0, 1), (10.0, 2), (40.0, -2), (50.0, 1)]


class SlowAfterTwo(fs.FunctionSimulator):
    """Replicas 0 and 1 start at once, later ones take 100 s."""

    def startup(self, env, replica):
        if replica.replica_id >= 2:
            yield env.timeout(100)


def test_average_rps_scaler_counts_starting_replicas():
    env = make_env(make=SlowAfterTwo)
    fd = deployment(scale_min=1, scale_max=5, target_average_rps=4, alert_window=10)
    env.faas.deploy(fd)
    fs.AverageFaasRequestScaler(fd, env).start()
    env.faas.scale_up("f", 1)  # replica 1: running at once
    env.faas.add_source("f", fs.Replay(window_times([120, 120])))
    env.run(until=25)
    # 10 s: 2 running, 6 req/s each, desired ceil(2 * 1.5) = 3 -> +1 (replica 2 starts until 110 s)
    # 20 s: 2 running + 1 starting, desired 3 again; re-check with the starting one at 0 load: 12 / 3 = 4
    #       per replica, ceil(2 * 4 / 4) = 2, not a reversal; ratio 1.0 is not inside the band; but 3 replicas
    #       are already there (faas-sim added 1 more at every reconcile while it started)
    assert rows(env) == [(10.0, "average_requests", 2, 3, 6.0), (20.0, "average_requests", 3, 3, 4.0)]
    assert scale_rows(env) == [(0.0, 1), (0.0, 1), (10.0, 1)]
    # a reversal: 2 running, 3 more starting, 9 req/s: desired ceil(2 * 4.5 / 4) = 3 > 2, but with the
    # starting ones at 0 load 9 / 5 = 1.8 per replica gives ceil(2 * 1.8 / 4) = 1 < 2: no scaling
    env = make_env(make=SlowAfterTwo)
    fd = deployment(scale_min=2, scale_max=5, target_average_rps=4, alert_window=10)
    env.faas.deploy(fd)
    fs.AverageFaasRequestScaler(fd, env).start()
    env.faas.scale_up("f", 3)
    env.faas.add_source("f", fs.Replay(window_times([90])))
    env.run(until=15)
    assert rows(env) == [(10.0, "average_requests", 5, 5, 1.8)]
    assert env.faas.function_stats("f")["replicas"] == 5


# ---------------------------------------------------------------------------
# AverageQueueFaasRequestScaler
# ---------------------------------------------------------------------------


def test_queue_scaler_reads_the_watchdog_queues():
    env = make_env(make=lambda: fs.HTTPWatchdog(1))
    fd = deployment(scale_min=1, scale_max=3, target_queue_length=2, alert_window=10)
    env.faas.deploy(fd)
    fs.AverageQueueFaasRequestScaler(fd, env).start()
    # nine requests of 10 s each at t = 5 on the only replica (one worker): they start at 5, 15, 25, ...
    env.faas.add_source("f", fs.Replay([5.0] * 9, durations=[10.0] * 9))
    env.run(until=35)
    # 10 s: queues [8] -> median 8, desired ceil(1 * 8 / 2) = 4 -> scale_max 3 -> +2
    # 20 s: queues [7, 0, 0] -> median 0 -> desired 0 -> scale_min 1 -> -2 (faas-sim's median)
    # 30 s: queues [6] -> desired 3 -> +2
    assert rows(env) == [(10.0, "queue", 1, 3, 8.0), (20.0, "queue", 3, 1, 0.0), (30.0, "queue", 1, 3, 6.0)]
    assert scale_rows(env) == [(0.0, 1), (10.0, 2), (20.0, -2), (30.0, 2)]
    replica = env.faas.get_replicas("f")[0]
    assert len(replica.simulator.queue.queue) == 6 == fs.AverageQueueFaasRequestScaler.queue_length(replica)


def test_queue_scaler_median_rounds_up_and_tolerance():
    env = make_env(make=lambda: fs.HTTPWatchdog(1))
    fd = deployment(scale_min=2, scale_max=2, target_queue_length=4, alert_window=10)
    env.faas.deploy(fd)
    fs.AverageQueueFaasRequestScaler(fd, env).start()
    # round robin: requests alternate between the two replicas; 8 at t=5: each runs 1 and queues 3
    env.faas.add_source("f", fs.Replay([5.0] * 8, durations=[100.0] * 8))
    env.run(until=15)
    # median of [3, 3] = 3, ratio 0.75 outside the band -> desired ceil(2 * 3 / 4) = 2: no change
    assert rows(env) == [(10.0, "queue", 2, 2, 3.0)]


def test_queue_scaler_needs_a_worker_queue():
    env = make_env()
    fd = deployment(alert_window=5)
    env.faas.deploy(fd)
    fs.AverageQueueFaasRequestScaler(fd, env).start()
    with pytest.raises(TypeError, match=r"replica 0 of 'f' \(FunctionSimulator\) has no worker queue"):
        env.run(until=6)


# ---------------------------------------------------------------------------
# HorizontalPodAutoscaler
# ---------------------------------------------------------------------------


def drive_cpu(env, schedule, name="f", resource="cpu"):
    """At each (time, {replica_id: amount}), set the replicas' amounts."""

    def process(env):
        held = {}
        for t, amounts in schedule:
            yield env.timeout(t - env.now)
            by_id = {r.replica_id: r for r in env.faas.get_replicas(name)}
            for rid, amount in amounts.items():
                replica = by_id[rid]
                old = held.get(rid, 0.0)
                if old:
                    env.resource_state.remove_resource(replica, resource, old)
                if amount:
                    env.resource_state.put_resource(replica, resource, amount)
                held[rid] = amount

    return env.process(process(env))


def test_hpa_exact_windows_tolerance_unready_and_bounds():
    env = make_env()
    fd = deployment(scale_min=1, scale_max=3)
    env.faas.deploy(fd)
    hpa = fs.HorizontalPodAutoscaler(env, reconcile_interval=10, target_utilization=0.5, downscale_stabilization=0)
    hpa.start()
    drive_cpu(env, [
        (0, {0: 1.0}),
        (10, {0: 1.0, 1: 0.0}),
        (20, {0: 0.5, 1: 0.5625}),
        (30, {0: 1.0, 1: 1.0}),
        (40, {0: 0.25, 1: 0.25, 2: 0.0}),
        (50, {0: 0.0}),
    ])
    env.run(until=65)
    assert rows(env) == [
        # r0 at 1.0: ratio 2 -> ceil(2 * 1) = 2
        (10.0, "hpa", 1, 2, 1.0),
        # r1 started at 10, not ready: usage 1.0 over r0 (ratio 2); recounted with r1 at 0: ratio 1.0 -> keep
        (20.0, "hpa", 2, 2, 1.0),
        # mean 0.53125: ratio 1.0625 inside the tolerance (ceil would give 3) -> keep
        (30.0, "hpa", 2, 2, 0.53125),
        # ratio 2 -> ceil(2 * 2) = 4 -> scale_max 3
        (40.0, "hpa", 2, 3, 1.0),
        # r2 not ready; r0, r1 at 0.25: ratio 0.5 -> ceil(0.5 * 2) = 1
        (50.0, "hpa", 3, 1, 0.25),
        # idle: ceil(0) = 0 -> never below max(scale_min, 1)
        (60.0, "hpa", 1, 1, 0.0),
    ]
    assert scale_rows(env) == [(0.0, 1), (10.0, 1), (40.0, 1), (50.0, -2)]
    assert [r.replica_id for r in env.faas.get_replicas("f")] == [0]


def test_hpa_downscale_stabilization():
    def run(dip_until):
        env = make_env()
        fd = deployment(scale_min=1, scale_max=4)
        env.faas.deploy(fd)
        env.faas.scale_up("f", 1)
        fs.HorizontalPodAutoscaler(env, reconcile_interval=10, target_utilization=0.5,
                                   downscale_stabilization=30).start()
        drive_cpu(env, [(0, {0: 0.5, 1: 0.5}), (10, {0: 0.125, 1: 0.125}), (dip_until, {0: 0.5, 1: 0.5})])
        env.run(until=75)
        return [(t, cur, des) for t, _, cur, des, _ in rows(env)], env

    # a dip from 10 s on: recommendations 2 (at 10), then 1 (at 20, 30, ...); the highest of the
    # last 30 s stays 2 until 40 s, when the 2 of 10 s has left the window
    decisions, env = run(dip_until=1000)
    assert decisions == [(10.0, 2, 2), (20.0, 2, 2), (30.0, 2, 2), (40.0, 2, 1), (50.0, 1, 1),
                         (60.0, 1, 1), (70.0, 1, 1)]
    assert scale_rows(env) == [(0.0, 1), (0.0, 1), (40.0, -1)]
    # a dip of 20 s (shorter than the window) does not scale down
    decisions, env = run(dip_until=30)
    assert all(des == 2 for _, _, des in decisions) and len(decisions) == 7
    assert scale_rows(env) == [(0.0, 1), (0.0, 1)]


def test_hpa_relative_to_request_average_window_and_functions():
    env = make_env()
    container_of = lambda fn: fs.FunctionContainer(  # noqa: E731
        fn.fn_images[0], fs.KubernetesResourceConfiguration.create_from_str(cpu="500m", memory="64Mi"))
    fn = fs.Function("f", [fs.FunctionImage("f-img")])
    fd = fs.FunctionDeployment(fn, [container_of(fn)], fs.ScalingConfiguration(scale_max=4,
                                                                                target_average_utilization=0.5))
    other = deployment("g")
    env.faas.deploy(fd)
    env.faas.deploy(other)
    hpa = fs.HorizontalPodAutoscaler(env, average_window=20, reconcile_interval=10, relative_to="request",
                                     functions=["f"])
    hpa.start()
    # 0.0625 of a 4-core node is 250m: half of the 500m request. 0..10 s: 0.0625; 10..20 s: 0.1875
    drive_cpu(env, [(0, {0: 0.0625}), (10, {0: 0.1875})])
    env.run(until=25)
    replica = env.faas.get_replicas("f")[0]
    # 10 s: window 0..10: 0.5 of the request, ratio 1 -> keep; 20 s: window 0..20 (average_window 20):
    # (0.0625 + 0.1875) / 2 = 0.125 of the node = 1.0 of the request, ratio 2 -> 2
    assert rows(env) == [(10.0, "hpa", 1, 1, 0.5), (20.0, "hpa", 1, 2, 1.0)]
    assert hpa.utilization(replica) == 1.0
    assert env.faas.function_stats("g")["replicas"] == 1  # not in functions


def test_hpa_default_target_is_the_deployments():
    env = make_env()
    env.faas.deploy(deployment(scale_max=10, target_average_utilization=0.25))
    fs.HorizontalPodAutoscaler(env, None, 5).start()
    drive_cpu(env, [(0, {0: 1.0})])
    env.run(until=6)
    assert rows(env) == [(5.0, "hpa", 1, 4, 1.0)]


# ---------------------------------------------------------------------------
# KeepAlive (scale to zero)
# ---------------------------------------------------------------------------


def test_keep_alive_scales_to_zero_and_the_next_request_waits_the_cold_start():
    env = make_env(make=ColdStart)
    fd = deployment(scale_min=1, scale_zero=True)
    env.faas.deploy(fd)
    keep = fs.KeepAlive(env, keep_alive=30)
    keep.start()
    # replica 0 runs at 2.0 (cold start); a request at 5.0 runs 3 s: idle from 8.0, removed at 38.0
    env.faas.add_source("f", fs.Replay([5.0, 50.0], durations=[3.0, 1.0]))
    responses = []

    def watch(env):
        yield env.timeout(37.9)
        responses.append(len(env.faas.get_replicas("f")))
        yield env.timeout(0.2)
        responses.append(len(env.faas.get_replicas("f")))

    env.process(watch(env))
    env.run(until=100)
    assert responses == [1, 0]
    fets = env.metrics.to_numpy("invocations")
    # the request at 50.0 found no replica: scale from zero, it waited exactly the 2 s cold start
    assert fets["t_wait"].tolist() == [0.0, 2.0] and fets["replica_id"].tolist() == [0, 1]
    # replica 1 runs at 52.0, its request ends at 53.0: removed at 83.0
    assert rows(env) == [(38.0, "keep_alive", 1, 0, 30.0), (83.0, "keep_alive", 1, 0, 30.0)]
    assert [(t, v) for t, v in scale_rows(env) if v < 0] == [(38.0, -1), (83.0, -1)]
    assert env.faas.get_replicas("f") == []
    assert keep.running


def test_keep_alive_is_per_replica_and_keeps_the_floor():
    env = make_env()
    env.load_balancer = fs.LeastOutstandingLoadBalancer(env)
    fd = deployment(scale_min=1, scale_max=5)  # scale_zero False: the floor is scale_min
    env.faas.deploy(fd)
    env.faas.scale_up("f", 2)
    fs.KeepAlive(env, keep_alive=10).start()
    # requests every 4 s take no time: the least outstanding balancer sends all to replica 0
    env.faas.add_source("f", fs.Replay([4.0 * k for k in range(1, 10)]))
    env.run(until=60)
    # replicas 1, 2 idle since 0: removed at 10; replica 0 idle from 36: floor 1 keeps it
    assert rows(env) == [(10.0, "keep_alive", 3, 1, 10.0)]
    assert [r.replica_id for r in env.faas.get_replicas("f")] == [0]


def test_keep_alive_beside_the_hpa():
    env = make_env(make=ColdStart)
    env.faas.deploy(deployment(scale_min=1, scale_max=4, scale_zero=True, target_average_utilization=0.5))
    fs.KeepAlive(env, keep_alive=20).start()
    fs.HorizontalPodAutoscaler(env, reconcile_interval=5, downscale_stabilization=0).start()
    env.faas.add_source("f", fs.Replay([60.0]))
    env.run(until=100)
    # zero at 22.0 (running at 2.0), the HPA has no replica to measure and leaves it at zero; the
    # request at 60 brings one back (running at 62.0), gone again at 82.0
    assert [r[:4] for r in rows(env, "keep_alive")] == [(22.0, "keep_alive", 1, 0), (82.0, "keep_alive", 1, 0)]
    assert env.metrics.to_numpy("invocations")["t_wait"].tolist() == [2.0]
    assert all(t < 22 or 65 <= t <= 80 for t, *_ in rows(env, "hpa"))


def test_faas_idler_removes_idle_scale_zero_functions():
    env = make_env()
    env.faas.deploy(deployment("idle", scale_zero=True))
    env.faas.deploy(deployment("kept"))  # scale_zero False: untouched
    env.process(fs.faas_idler(env, inactivity_duration=50, reconcile_interval=20))
    env.faas.add_source("idle", fs.Replay([15.0]))
    env.run(until=100)
    # last request at 15: idle 45 s at 60, 65 s at 80 -> removed at 80
    assert scale_rows(env)[-1] == (80.0, -1)
    assert env.faas.get_replicas("idle") == [] and len(env.faas.get_replicas("kept")) == 1


# ---------------------------------------------------------------------------
# errors, determinism, lifetime, faas-sim flags
# ---------------------------------------------------------------------------


def test_bad_parameters_raise_clear_errors():
    env = make_env()
    fd = deployment()
    with pytest.raises(TypeError, match="reconcile_interval must be a number of seconds, not str '15'"):
        fs.HorizontalPodAutoscaler(env, reconcile_interval="15")
    with pytest.raises(ValueError, match=r"reconcile_interval must be finite and > 0 \(seconds\), got 0"):
        fs.HorizontalPodAutoscaler(env, reconcile_interval=0)
    with pytest.raises(ValueError, match="tolerance must be finite and >= 0, got -0.1"):
        fs.HorizontalPodAutoscaler(env, tolerance=-0.1)
    with pytest.raises(ValueError, match="target_utilization must be finite and > 0, got 0"):
        fs.HorizontalPodAutoscaler(env, target_utilization=0)
    with pytest.raises(ValueError, match="relative_to must be 'node' or 'request', got 'pod'"):
        fs.HorizontalPodAutoscaler(env, relative_to="pod")
    with pytest.raises(ValueError, match="needs a requested resource .* got 'gpu'"):
        fs.HorizontalPodAutoscaler(env, resource="gpu", relative_to="request")
    with pytest.raises(ValueError, match="downscale_stabilization must be finite and >= 0"):
        fs.HorizontalPodAutoscaler(env, downscale_stabilization=-1)
    with pytest.raises(TypeError, match="functions must be a list of function names or None, not 'f'"):
        fs.HorizontalPodAutoscaler(env, functions="f")
    with pytest.raises(ValueError, match="keep_alive must be finite and > 0 .* got nan"):
        fs.KeepAlive(env, keep_alive=float("nan"))
    with pytest.raises(TypeError, match="env must be a faassim.Environment, not NoneType"):
        fs.KeepAlive(None)
    with pytest.raises(TypeError, match="fn must be a FunctionDeployment .* not str 'f'"):
        fs.FaasRequestScaler("f", env)
    with pytest.raises(TypeError, match="env must be a faassim.Environment"):
        fs.AverageFaasRequestScaler(fd, object())
    with pytest.raises(TypeError, match="scale_by_requests must be a bool, not str 'yes'"):
        fs.DefaultFaasSystem(env, scale_by_requests="yes")
    with pytest.raises(ValueError, match="alert_window must be > 0"):
        fd.alert_window = 0
    scaler = fs.AverageFaasRequestScaler(fd, env)
    scaler.start()
    with pytest.raises(RuntimeError, match="already running"):
        scaler.start()


def test_hpa_relative_to_request_needs_a_request():
    env = make_env()
    fn = fs.Function("f", [fs.FunctionImage("f-img")])
    free = fs.FunctionContainer(fn.fn_images[0], fs.KubernetesResourceConfiguration(fs.Resources(cpu_millis=0)))
    env.faas.deploy(fs.FunctionDeployment(fn, [free]))
    fs.HorizontalPodAutoscaler(env, reconcile_interval=1, relative_to="request").start()
    with pytest.raises(ValueError, match="needs a cpu request, but the container 'f-img' of 'f' requests 0"):
        env.run(until=3)


def scenario(seed):
    env = make_env(seed=seed, make=lambda: fs.HTTPWatchdog(2))
    env.faas = fs.DefaultFaasSystem(env, scale_by_requests=True)
    env.faas.deploy(deployment(scale_max=6, scale_factor=20, rps_threshold=15, rps_threshold_duration=5))
    env.faas.deploy(deployment("g", scale_max=6, target_average_utilization=0.25))
    fs.HorizontalPodAutoscaler(env, reconcile_interval=5, downscale_stabilization=15, functions=["g"]).start()
    env.faas.add_source("f", fs.Sine(15, 10, period=40))
    env.faas.add_source("g", fs.Poisson(20), until=30)
    env.run(until=80)
    return env.metrics.to_numpy("scale"), env.metrics.to_numpy("autoscaler")


def test_same_seed_same_scale_rows():
    a, b, c = scenario(3), scenario(3), scenario(4)
    for x, y in ((a[0], b[0]), (a[1], b[1])):
        assert x.keys() == y.keys()
        for k in x:
            assert x[k].tolist() == y[k].tolist()
    assert len(a[0]["time"]) > 5
    assert a[1]["metric"].tolist() != c[1]["metric"].tolist()


def test_scalers_stop_when_their_function_is_removed():
    env = make_env()
    fd = deployment(alert_window=10, scale_zero=True)
    env.faas.deploy(fd)
    scaler = fs.AverageFaasRequestScaler(fd, env)
    process = scaler.start()
    keep = fs.KeepAlive(env, keep_alive=15)
    keep.start()
    env.faas.add_source("f", fs.Replay([1.0, 2.0, 3.0, 12.0, 21.0]))

    def remove_and_redeploy(env):
        yield env.timeout(25)
        yield env.faas.remove(fd)
        env.faas.deploy(deployment(alert_window=10, scale_zero=True))  # same name, another deployment

    env.process(remove_and_redeploy(env))
    env.run(until=45)
    assert not process.is_alive and not scaler.running
    assert [r[0] for r in rows(env, "average_requests")] == [10.0, 20.0]
    # the keep-alive watches every deployment: the new one's replica (running at 25) goes at 40
    assert keep.running and rows(env, "keep_alive") == [(40.0, "keep_alive", 1, 0, 15.0)]

    # with the flags, remove() stops them at once
    env = make_env()
    env.faas = fs.DefaultFaasSystem(env, scale_by_average_requests=True)
    fd = deployment(alert_window=10)
    env.faas.deploy(fd)
    scaler = env.faas.avg_faas_scalers["f"]
    assert scaler.running and env.faas.scale_by_average_requests_per_replica
    env.run(until=15)
    env.faas.remove(fd)
    assert not scaler.running and "f" not in env.faas.avg_faas_scalers
    env.run(until=40)
    assert [r[0] for r in rows(env)] == [10.0]


def test_faas_sim_flags_start_the_scalers_at_deploy():
    env = make_env(make=lambda: fs.HTTPWatchdog(1))
    env.faas = fs.DefaultFaasSystem(env)
    env.faas.scale_by_queue_requests_per_replica = True  # settable after construction
    fd = deployment(alert_window=10, target_queue_length=2, scale_max=3)

    class Bench(fs.Benchmark):
        duration = 25

        def run(self, env):
            yield env.timeout(3)
            yield env.faas.deploy(fd)
            env.faas.add_source("f", fs.Replay([4.0] * 5, durations=[30.0] * 5))

    sim = fs.Simulation(env.topology, Bench(), env)
    sim.run()
    assert sim.env.faas is env.faas
    scalers = (env.faas.faas_scalers["f"], env.faas.avg_faas_scalers["f"], env.faas.queue_faas_scalers["f"])
    assert [s.running for s in scalers] == [False, False, True]
    # first reconcile one window after the deployment: 13 s, queue [4] -> desired ceil(4 / 2) = 2
    assert rows(env) == [(13.0, "queue", 1, 2, 4.0), (23.0, "queue", 2, 2, 2.0)]


def test_faas_sim_experiment_port_with_scale_by_requests():
    """faas-sim's raith21 main.py sets env.faas = DefaultFaasSystem(env, scale_by_requests=True)
    before Simulation(...).run(); the same lines work."""
    env = fs.Environment(seed=2)
    env.simulator_factory = Factory()
    env.faas = fs.DefaultFaasSystem(env, scale_by_requests=True)
    topology = fs.Topology([fs.Node(f"node_{i}", "4", "8Gi") for i in range(4)])

    class ConstantBenchmark(fs.Benchmark):
        duration = 30

        def run(self, env):
            yield env.faas.deploy(deployment(scale_max=4, scale_factor=25, rps_threshold=10,
                                             rps_threshold_duration=10))
            env.faas.add_source("f", fs.Constant(rate=20))

    fs.Simulation(topology, ConstantBenchmark(), env=env).run()
    # reconciles at 10 and 20 s (the one at 30 s is not run: the simulation ends at 30 s)
    assert [(t, cur, des) for t, _, cur, des, _ in rows(env)] == [(10.0, 1, 2), (20.0, 2, 3)]
    assert env.faas.function_stats("f")["replicas"] == 3


def test_request_scaler_leaves_a_keep_alive_zero_alone():
    """scale_min bounds scaling down only: with scale_zero, KeepAlive takes the function to zero
    and the request scaler (rate 0 < threshold) does not bring scale_min back."""
    env = make_env()
    env.faas.deploy(deployment(scale_min=1, scale_max=3, scale_zero=True, rps_threshold=1,
                               rps_threshold_duration=10))
    fs.FaasRequestScaler(env.faas.get_deployments()[0], env).start()
    fs.KeepAlive(env, keep_alive=25).start()
    env.run(until=60)
    assert [r[:4] for r in rows(env)] == [(10.0, "requests", 1, 1), (20.0, "requests", 1, 1),
                                          (25.0, "keep_alive", 1, 0), (30.0, "requests", 0, 0),
                                          (40.0, "requests", 0, 0), (50.0, "requests", 0, 0)]
    assert scale_rows(env) == [(0.0, 1), (25.0, -1)]


class Every(fs.Autoscaler):
    """A scaler of one's own: reconcile() at the reconcile times."""

    kind = "mine"

    def reconcile(self):
        current, running = self.replica_counts("f")
        self.log_decision("f", current, current + 1, self.env.now)
        self.scale_to("f", current + 1, current, running)


def test_autoscaler_subclass_reconciles_at_exact_times():
    env = make_env()
    env.faas.deploy(deployment(scale_max=4))
    scaler = Every(env, reconcile_interval=0.1)
    env.run(until=0.05)
    scaler.start()
    env.run(until=0.5)
    # the k-th at 0.05 + k * 0.1 (no accumulated sums), up to scale_max
    assert [r[0] for r in rows(env)] == [0.05 + k * 0.1 for k in (1, 2, 3, 4)]
    assert env.faas.function_stats("f")["replicas"] == 4
    scaler.stop()
    assert not scaler.running
    env.run(until=1)
    assert len(rows(env)) == 4


def test_scenario_autoscaler_knob():
    from faassim.scenario import ScenarioConfig, ScenarioError, run_scenario
    import tomllib

    with pytest.raises(ScenarioError, match="autoscaler must be one of 'none', 'hpa', 'requests', got 'kpa'"):
        ScenarioConfig(autoscaler="kpa")
    with pytest.raises(ScenarioError, match="unknown key 'alert_window' in \\[autoscaler_options\\] of autoscaler 'hpa'"):
        ScenarioConfig(autoscaler="hpa", autoscaler_options={"alert_window": 5})
    with pytest.raises(ScenarioError, match="target_utilization must be a number > 0, got 0"):
        ScenarioConfig(autoscaler="hpa", autoscaler_options={"target_utilization": 0})
    config = ScenarioConfig(duration=40, autoscaler="hpa",
                            autoscaler_options={"scale_min": 2, "reconcile_interval": 10.0,
                                                "target_utilization": 0.05, "keep_alive": 20.0}).with_node_count(40)
    back = ScenarioConfig.from_dict(tomllib.loads(config.to_toml()), base=ScenarioConfig())
    assert back == config
    result = run_scenario(config)
    env = result.env
    d = env.metrics.to_numpy("autoscaler")
    assert set(d["scaler"].tolist()) <= {"hpa", "keep_alive"} and set(d["time"].tolist()) >= {10.0, 20.0, 30.0}
    for fd in env.faas.get_deployments():
        assert fd.scale_min == 2 and 1 <= env.faas.function_stats(fd.name)["replicas"] <= fd.scale_max
    # the default scenario has no autoscaler: one replica per node, as before
    assert ScenarioConfig().autoscaler == "none" and ScenarioConfig().autoscaler_options == {}
