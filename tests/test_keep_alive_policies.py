"""Keep-alive and prewarm policies (KeepAlive(policy=...)): the fixed TTL,
no unloading, the hybrid histogram of "Serverless in the Wild", per-function
policies, user policies, and their errors.

Timelines are hand-computed: replicas start in 2 s (a cold start), requests
run 1 s, the observing policies are checked every second from t = 0."""

import math

import pytest

import faassim as fs


class Factory(fs.SimulatorFactory):
    def create(self, env, container):
        return ColdStart()


class ColdStart(fs.FunctionSimulator):
    def startup(self, env, replica):
        yield env.timeout(2.0)


def make_env(names=("f",), scale_min=1):
    env = fs.Environment(seed=1)
    env.topology = fs.Topology([fs.Node(f"node_{i}", "4", "8Gi") for i in range(2)])
    env.simulator_factory = Factory()
    for name in names:
        fn = fs.Function(name, [fs.FunctionImage(f"{name}-img")])
        env.faas.deploy(fs.FunctionDeployment(fn, [fs.FunctionContainer(fn.fn_images[0])],
                                              fs.ScalingConfiguration(scale_min=scale_min, scale_zero=True)))
    return env


def keep_alive_rows(env, name=None):
    if "autoscaler" not in env.metrics.measurements():
        return []
    r = env.metrics.to_numpy("autoscaler")
    out = zip(r["time"].tolist(), r["function_name"].tolist(), r["current"].tolist(), r["desired"].tolist(),
              r["metric"].tolist())
    return [(t, c, d, m) for t, fn, c, d, m in out if name is None or fn == name]


def waits(env, name="f"):
    inv = env.metrics.to_numpy("invocations")
    return [w for w, fn in zip(inv["t_wait"].tolist(), inv["function_name"].tolist()) if fn == name]


EVERY_600 = [5.5 + 600 * k for k in range(6)]  # idle times of 599 s (a request ends 1 s after it starts)


def run(policy, times=EVERY_600, until=4000, **kwargs):
    env = make_env()
    keep = fs.KeepAlive(env, keep_alive=300, policy=policy, **kwargs)
    keep.start()
    env.faas.add_source("f", fs.Replay(times, durations=[1.0] * len(times)))
    env.run(until=until)
    return env


def test_fixed_keep_alive_policy_is_the_default():
    for policy in (None, fs.FixedKeepAlive(300)):
        env = run(policy)
        # replica 0 runs at 2.0 and serves 5.5; each later request finds none (unloaded 300 s after its
        # last one ended) and waits the 2 s cold start: 605.5 + 2 + 1 + 300 = 908.5, ...
        assert waits(env) == [0.0, 2.0, 2.0, 2.0, 2.0, 2.0]
        assert keep_alive_rows(env) == [(306.5, 1, 0, 300.0)] + [(908.5 + 600 * k, 1, 0, 300.0) for k in range(5)]


def test_no_unloading_keeps_the_replica():
    env = run(fs.NoUnloading())
    assert waits(env) == [0.0] * 6 and keep_alive_rows(env) == []
    assert len(env.faas.get_replicas("f")) == 1


def test_hybrid_histogram_prewarms_before_the_predicted_request():
    policy = fs.HybridHistogramPolicy(range=3600, min_samples=3, cv_threshold=0)
    env = run(policy)
    # Checks at every second. The request at 5.5 follows no idle period (none observed); it ends at 6.5.
    # Idle times seen at 606, 1206, 1806: 606 - 6.5 = 599.5 (bin 9) each. Before 3 samples the fallback
    # (keep alive for the range, 3600 s) keeps the replica: every request is warm.
    # At 1807 (idle since 1806.5) the histogram gives head = tail = bin 9: prewarm 540 * 0.9 = 486,
    # keep-alive 600 * 1.1 - 486 = 174: unload at once (metric: idle 0.5 s), deploy again at
    # 1806.5 + 486 = 2292.5 (running at 2294.5), in time for 2405.5.
    rows = keep_alive_rows(env)
    assert rows == [
        (1807.0, 1, 0, 0.5), (2292.5, 0, 1, 486.0),
        (2407.0, 1, 0, 0.5), (2892.5, 0, 1, 486.0),
        (3007.0, 1, 0, 0.5), (3492.5, 0, 1, 486.0),
        # no request after 3005.5: unloaded at 3006.5 + 486 + 174; the replica ran since 3494.5
        (3666.5, 1, 0, 172.0),
    ]
    assert waits(env) == [0.0] * 6
    counts, out = policy.histogram("f")
    assert counts[9] == 5 and sum(counts) == 5 and out == 0
    assert env.faas.get_replicas("f") == []


def test_prewarm_too_late_is_a_cold_start_and_is_learned():
    # head at bin 9 (prewarm 486 s) learned from idle times of 599.5 s; then a request comes 300 s
    # after the last one: the function is unloaded, the request waits the cold start
    times = EVERY_600[:5] + [2706.5]
    policy = fs.HybridHistogramPolicy(range=3600, min_samples=3, cv_threshold=0)
    env = run(policy, times=times, until=3000)
    assert waits(env) == [0.0] * 5 + [2.0]
    counts, _ = policy.histogram("f")
    # 2707 - 2406.5 = 300.5: bin 5
    assert counts[5] == 1 and counts[9] == 4


def test_histogram_windows_percentiles_and_fallbacks():
    p = fs.HybridHistogramPolicy(range=3600, bin_width=60, head=5, tail=99, margin=0.1, min_samples=20,
                                 cv_threshold=0)
    # 1 idle time in bin 0, 18 in bin 5, 1 in bin 30
    for t in [30.0] + [330.0] * 18 + [1830.0]:
        p.observe("f", t)
    # 20 samples: head rank max(1, ceil(1)) = 1 -> bin 0 -> prewarm 0; tail rank ceil(19.8) = 20 -> bin 30:
    # keep-alive 31 * 60 * 1.1
    assert p.windows("f") == (0.0, pytest.approx(2046.0))
    q = fs.HybridHistogramPolicy(range=3600, head=10, tail=90, min_samples=20, cv_threshold=0)
    for t in [30.0] + [330.0] * 18 + [1830.0]:
        q.observe("f", t)
    # head rank 2 -> bin 5: prewarm 300 * 0.9 = 270; tail rank 18 -> bin 5: 360 * 1.1 - 270 = 126
    assert q.windows("f") == (pytest.approx(270.0), pytest.approx(126.0))
    assert p.windows("other") == (0.0, 3600.0)  # per function: no samples for "other"
    # too few samples
    few = fs.HybridHistogramPolicy(min_samples=3, fallback_keep_alive=600, cv_threshold=0)
    few.observe("f", 100.0)
    few.observe("f", 100.0)
    assert few.windows("f") == (0.0, 600.0)
    # too many out of range: 3 in range, 4 beyond 4 h (4 > 0.5 * 7)
    oob = fs.HybridHistogramPolicy(min_samples=1, fallback_keep_alive=600, cv_threshold=0)
    for t in [100.0] * 3 + [20000.0] * 4:
        oob.observe("f", t)
    assert oob.windows("f") == (0.0, 600.0) and oob.histogram("f")[1] == 4
    oob.observe("f", 100.0)  # 4 of 8: not more than half
    assert oob.windows("f") == (pytest.approx(54.0), pytest.approx(120 * 1.1 - 54.0))
    # the coefficient of variation of the bin counts: 10 bins (range 600 s)
    spread = fs.HybridHistogramPolicy(range=600, min_samples=1, fallback_keep_alive=77)
    for b in range(10):  # one idle time per bin: cv 0 < 2
        spread.observe("f", 60.0 * b + 1)
    assert spread.windows("f") == (0.0, 77.0)
    peaked = fs.HybridHistogramPolicy(range=600, min_samples=1, fallback_keep_alive=77)
    for _ in range(5):  # counts [5, 0, ...]: mean 0.5, std 1.5: cv 3
        peaked.observe("f", 1.0)
    assert peaked.windows("f") == (0.0, pytest.approx(60 * 1.1))


def test_per_function_policies():
    env = make_env(names=("f", "g", "h"))
    keep = fs.KeepAlive(env, keep_alive=30, policy={"f": fs.NoUnloading(), "g": fs.FixedKeepAlive(100)})
    keep.start()
    for name in ("f", "g", "h"):
        env.faas.add_source(name, fs.Replay([5.5], durations=[1.0]))
    env.run(until=200)
    # f: never; g: 6.5 + 100; h: the default keep_alive, 6.5 + 30
    assert keep_alive_rows(env, "f") == []
    assert keep_alive_rows(env, "g") == [(106.5, 1, 0, 100.0)]
    assert keep_alive_rows(env, "h") == [(36.5, 1, 0, 30.0)]
    assert keep.policy_for("g").keep_alive == 100 and keep.policy_for("h") is keep.default_policy


class Recorder(fs.KeepAlivePolicy):
    """Keeps replicas for the last idle time plus 10 s (user policy)."""

    observes = True

    def windows(self, fn_name):
        times = self.idle_times.get(fn_name)
        return 0, (times[-1] + 10 if times else 50)


def test_user_policy_observes_idle_times_and_its_windows_are_honoured():
    policy = Recorder()
    env = run(policy, times=[5.5, 105.5, 200.5], until=700)
    # keep-alive 50 after 6.5: gone at 56.5; the request at 105.5 is cold (runs 107.5..108.5), seen at
    # 106: idle time 106 - 6.5; window 99.5 + 10 from 108.5 (to 218): 200.5 is warm, seen at 201:
    # 201 - 108.5
    assert policy.idle_times == {"f": [99.5, 92.5]}
    assert waits(env) == [0.0, 2.0, 0.0]
    # window 92.5 + 10 from 201.5
    assert keep_alive_rows(env) == [(56.5, 1, 0, 50.0), (304.0, 1, 0, 102.5)]


class Bad(fs.KeepAlivePolicy):
    observes = True

    def __init__(self, value):
        self.value = value

    def windows(self, fn_name):
        return self.value


@pytest.mark.parametrize("value, error, match", [
    ((0, -1.0), ValueError, r"Bad.windows\('f'\): keep_alive must be >= 0 seconds, got -1.0"),
    ((0, "10"), TypeError, r"keep_alive must be a number of seconds, not str '10'"),
    ((math.inf, 10), ValueError, r"prewarm must be >= 0 seconds and finite, got inf"),
    ((0, math.nan), ValueError, r"keep_alive must be >= 0 seconds, got nan"),
    (10, TypeError, r"must return \(prewarm, keep_alive\) in seconds, got 10"),
    ((1, 2, 3), TypeError, r"must return \(prewarm, keep_alive\) in seconds, got \(1, 2, 3\)"),
])
def test_meaningless_windows_raise_into_the_run_and_scale_nothing(value, error, match):
    env = make_env()
    fs.KeepAlive(env, keep_alive=5, policy=Bad(value)).start()
    with pytest.raises(error, match=match) as info:
        env.run(until=10)
    assert "KeepAlive: Bad.windows('f')" in str(info.value)
    assert len(env.faas.get_replicas("f")) == 1 and env.metrics.to_numpy("scale")["value"].tolist() == [1]


def test_a_policy_that_raises_reaches_run_with_its_traceback():
    class Raises(fs.KeepAlivePolicy):
        def windows(self, fn_name):
            raise KeyError("no model for " + fn_name)

    env = make_env()
    fs.KeepAlive(env, policy=Raises()).start()
    with pytest.raises(KeyError, match="no model for f") as info:
        env.run(until=10)
    assert info.traceback[-1].name == "windows"


def test_prewarm_needs_an_observing_policy():
    class Blind(fs.KeepAlivePolicy):
        def windows(self, fn_name):
            return 60.0, 60.0

    env = make_env()
    fs.KeepAlive(env, policy=Blind()).start()
    with pytest.raises(ValueError, match="gave prewarm 60.0, but a policy that prewarms must observe idle times"):
        env.run(until=1)


def test_bad_policy_arguments_raise_at_construction():
    env = fs.Environment()
    with pytest.raises(ValueError, match="keep_alive must be finite and > 0"):
        fs.FixedKeepAlive(-5)
    with pytest.raises(ValueError, match="head must be a percentile between 0 and 100, got 101"):
        fs.HybridHistogramPolicy(head=101)
    with pytest.raises(ValueError, match="tail must be a percentile between 0 and 100, got -1"):
        fs.HybridHistogramPolicy(tail=-1)
    with pytest.raises(TypeError, match="head must be a percentile .number., not str '5'"):
        fs.HybridHistogramPolicy(head="5")
    with pytest.raises(ValueError, match=r"head \(50\) must not be above tail \(40\)"):
        fs.HybridHistogramPolicy(head=50, tail=40)
    with pytest.raises(ValueError, match="margin must be below 1"):
        fs.HybridHistogramPolicy(margin=1)
    with pytest.raises(ValueError, match="range must be finite and > 0"):
        fs.HybridHistogramPolicy(range=-60)
    with pytest.raises(ValueError, match="range must be finite and at least bin_width"):
        fs.HybridHistogramPolicy(range=30)
    with pytest.raises(TypeError, match="min_samples must be a whole number, not float 2.5"):
        fs.HybridHistogramPolicy(min_samples=2.5)
    with pytest.raises(ValueError, match="max_out_of_range must be a share between 0 and 1"):
        fs.HybridHistogramPolicy(max_out_of_range=2)
    with pytest.raises(ValueError, match="fallback_keep_alive must be finite and > 0"):
        fs.HybridHistogramPolicy(fallback_keep_alive=0)
    with pytest.raises(TypeError, match="policy must be a KeepAlivePolicy, a dict of them or None, not str"):
        fs.KeepAlive(env, policy="hybrid")
    with pytest.raises(TypeError, match="policy must map function names .* got 'f': int 3"):
        fs.KeepAlive(env, policy={"f": 3})
    with pytest.raises(ValueError, match="resolution must be finite and > 0"):
        fs.KeepAlive(env, resolution=0)
    with pytest.raises(NotImplementedError, match="KeepAlivePolicy.windows"):
        fs.KeepAlivePolicy().windows("f")


def test_same_seed_same_decisions_under_the_hybrid_policy():
    def once():
        env = make_env()
        fs.KeepAlive(env, policy=fs.HybridHistogramPolicy(range=1800, min_samples=3, cv_threshold=0)).start()
        env.faas.add_source("f", fs.Poisson(rate=1 / 200.0))
        env.run(until=5000)
        return keep_alive_rows(env), waits(env)

    first = once()
    assert first == once() and len(first[0]) > 0


# ---------------------------------------------------------------------------
# cold starts and wasted memory-time
# ---------------------------------------------------------------------------

MIB = 2**20  # the default container's memory request


def stats_row(env, name="f"):
    s = fs.cold_start_stats(env)
    i = s["function_name"].tolist().index(name)
    return {k: v[i].item() if hasattr(v[i], "item") else v[i] for k, v in s.items()}


def test_cold_start_stats_of_fixed_keep_alive():
    env = run(fs.FixedKeepAlive(300))
    row = stats_row(env)
    # replica 0: running 2.0 .. 306.5, busy 5.5 .. 6.5; replicas 1..5: running 2 s after their request
    # came, busy 1 s, removed 300 s after it ended (span 301)
    assert (row["requests"], row["cold_starts"], row["cold_start_share"]) == (6, 5, 5 / 6)
    assert row["replica_time"] == 304.5 + 5 * 301.0
    assert row["idle_time"] == 303.5 + 5 * 300.0
    assert row["wasted_memory_time"] == (303.5 + 5 * 300.0) * MIB


def test_cold_start_stats_of_the_hybrid_policy():
    env = run(fs.HybridHistogramPolicy(range=3600, min_samples=3, cv_threshold=0))
    row = stats_row(env)
    # replica 0: 2.0 .. 1807.0 with 4 requests of 1 s; prewarmed replicas running at 2294.5 and 2894.5,
    # each serving one request and removed at 2407.0 and 3007.0; the last running 3494.5 .. 3666.5
    assert (row["requests"], row["cold_starts"]) == (6, 0)
    assert row["replica_time"] == 1805.0 + 112.5 + 112.5 + 172.0
    assert row["idle_time"] == 1801.0 + 111.5 + 111.5 + 172.0
    assert row["wasted_memory_time"] == row["idle_time"] * MIB


def test_cold_start_stats_overlapping_and_unfinished_requests():
    env = fs.Environment(seed=1)
    env.topology = fs.Topology([fs.Node("n", "4", "8Gi")])
    fn = fs.Function("f", [fs.FunctionImage("f-img")])
    container = fs.FunctionContainer(fn.fn_images[0],
                                     fs.KubernetesResourceConfiguration.create_from_str(cpu="1", memory="512Mi"))
    env.faas.deploy(fs.FunctionDeployment(fn, [container]))
    g = fs.Function("g", [fs.FunctionImage("g-img")])
    env.faas.deploy(fs.FunctionDeployment(g, [fs.FunctionContainer(g.fn_images[0])]))
    # on f's one replica (running from 0): 10..15 and 12..17 overlap (busy 7 s); 25..125 is in flight at 40
    env.faas.add_source("f", fs.Replay([10.0, 12.0, 25.0], durations=[5.0, 5.0, 100.0]))
    env.run(until=40)
    row = stats_row(env)
    assert row["requests"] == 2 and row["cold_starts"] == 0
    # busy: 10..17 and 25..40 (from last_active, the start of the unfinished request)
    assert row["replica_time"] == 40.0 and row["idle_time"] == 40.0 - 7.0 - 15.0
    assert row["wasted_memory_time"] == 18.0 * 512 * MIB
    other = stats_row(env, "g")
    assert other["requests"] == 0 and math.isnan(other["cold_start_share"]) and other["idle_time"] == 40.0
    only = fs.cold_start_stats(env, functions=["g"])
    assert only["function_name"].tolist() == ["g"]


def test_cold_start_stats_needs_records():
    env = make_env()
    env.metrics = fs.Metrics(env, keep_records=False)
    with pytest.raises(RuntimeError, match="needs the per-request records"):
        fs.cold_start_stats(env)
    with pytest.raises(TypeError, match="env must be a faassim.Environment"):
        fs.cold_start_stats(None)


def test_scenario_summary_reports_cold_starts():
    import faassim.scenario as sc

    # image pulls over the network make deployments take time: scale from zero is a cold start
    config = sc.ScenarioConfig(duration=120, seed=3, load_scale=0.002, network="urban_sensing",
                               autoscaler="requests", autoscaler_options={"keep_alive": 5.0, "scale_min": 0})
    result = sc.run_scenario(config)
    stats = fs.cold_start_stats(result.env, [f.name for f in result.functions])
    assert [f.cold_starts for f in result.functions] == stats["cold_starts"].tolist()
    assert [f.wasted_memory_time for f in result.functions] == stats["wasted_memory_time"].tolist()
    total = sum(stats["cold_starts"].tolist())
    assert total > 0
    line = next(l for l in result.format().splitlines() if l.startswith("cold starts "))
    assert line.startswith(f"cold starts {total:,} (")
    assert result.to_dict()["functions"][0]["cold_starts"] == result.functions[0].cold_starts


def replay_timers(policy, minutes=720):
    """The timer functions of the packaged synthetic Azure 2019 trace, one deployment each (scale to
    zero, 1 s cold starts, requests that take no time): (cold starts, wasted memory-time)."""
    from faassim import workload

    trace = workload.read_azure_2019(workload.synthetic_azure_path(2019))
    timers = {k: v for k, v in trace.items() if v.trigger == "timer"}
    env = fs.Environment(seed=1)
    env.topology = fs.Topology([fs.Node("n", "16", "64Gi")])
    env.simulator_factory = Factory()
    mapping = {}
    for i, key in enumerate(timers):
        fn = fs.Function(f"t{i}", [fs.FunctionImage(f"t{i}-img")])
        env.faas.deploy(fs.FunctionDeployment(fn, [fs.FunctionContainer(fn.fn_images[0])],
                                              fs.ScalingConfiguration(scale_max=1, scale_zero=True)))
        mapping[key] = fn.name
    fs.KeepAlive(env, policy=policy).start()
    workload.replay_azure_2019(env, timers, mapping, minutes=(0, minutes))
    env.run(until=60.0 * minutes + 60)
    stats = fs.cold_start_stats(env)
    assert stats["requests"].sum() == sum(int(v.counts[:minutes].sum()) for v in timers.values())
    return int(stats["cold_starts"].sum()), float(stats["wasted_memory_time"].sum())


def test_hybrid_beats_fixed_keep_alive_on_periodic_functions():
    # the trace's timer functions fire every 15 or 60 minutes (12 hours: 144 requests)
    cold10, wasted10 = replay_timers(fs.FixedKeepAlive(600))
    cold20, wasted20 = replay_timers(fs.FixedKeepAlive(1200))
    cold, wasted = replay_timers(fs.HybridHistogramPolicy(min_samples=5))
    # a 10-minute keep-alive misses every period, 20 minutes the hourly ones; the hybrid policy
    # prewarms before each request and holds less memory than the 20-minute keep-alive
    assert cold10 > cold20 > 0 and wasted10 < wasted20
    assert cold == 0 and wasted < wasted20
    # below the fixed keep-alive's curve: at the hybrid's wasted memory-time, interpolated
    assert wasted10 < wasted
    assert cold < cold10 + (cold20 - cold10) * (wasted - wasted10) / (wasted20 - wasted10)


class ShortKeep(fs.KeepAlivePolicy):
    """Prewarm 100 s after the idle period begins, keep 1 s (less than the 2 s cold start)."""

    observes = True

    def windows(self, fn_name):
        return 100.0, 1.0


def test_a_replica_still_starting_at_the_deadline_goes_once_it_runs():
    env = run(ShortKeep(), times=[5.5], until=300)
    # idle from 6.5 (checked at 7): unloaded; prewarmed at 106.5, still starting at the deadline 107.5,
    # running at 108.5, removed at the next check (109)
    assert keep_alive_rows(env) == [(7.0, 1, 0, 0.5), (106.5, 0, 1, 100.0), (109.0, 1, 0, 0.5)]
    assert env.faas.get_replicas("f") == []


def test_a_function_observes_the_same_beside_others():
    def hybrid_rows(with_others):
        env = make_env(names=("f", "g", "h") if with_others else ("f",))
        policy = fs.HybridHistogramPolicy(range=3600, min_samples=3, cv_threshold=0)
        fs.KeepAlive(env, keep_alive=37.3, policy={"f": policy}).start()
        times = [t + 0.25 for t in EVERY_600]  # f: requests at x05.75, ending at x06.75
        env.faas.add_source("f", fs.Replay(times, durations=[1.0] * len(times)))
        if with_others:
            # g and h are cold at each request (2 s) and run 0.01 s: unloaded 39.31 s after it came, at
            # x05.91 (after f's request came, before f's check at x06) and at x06.81 (after f's request
            # ended, before the check at x07): those wakes must not let f see its arrivals or idle
            # periods earlier
            g = [566.6 + 600 * k for k in range(6)]
            h = [567.5 + 600 * k for k in range(6)]
            env.faas.add_source("g", fs.Replay(g, durations=[0.01] * 6))
            env.faas.add_source("h", fs.Replay(h, durations=[0.01] * 6))
        env.run(until=4000)
        if with_others:
            assert (605.9 < keep_alive_rows(env, "g")[1][0] < 606 and
                    606.75 < keep_alive_rows(env, "h")[1][0] < 607)
        return keep_alive_rows(env, "f"), policy.histogram("f")

    alone = hybrid_rows(False)
    assert alone == hybrid_rows(True) and len(alone[0]) == 7


def test_scenario_writes_the_cold_start_rows(tmp_path):
    import csv

    import faassim.scenario as sc

    config = sc.ScenarioConfig(duration=60, seed=3, load_scale=0.002, network="urban_sensing",
                               autoscaler="requests", autoscaler_options={"keep_alive": 5.0, "scale_min": 0})
    result = sc.run_scenario(config)
    result.write(tmp_path, format="csv")
    with open(tmp_path / "cold_starts.csv") as f:
        rows = list(csv.DictReader(f))
    assert [r["function_name"] for r in rows] == [f.name for f in result.functions]
    assert [int(r["cold_starts"]) for r in rows] == [f.cold_starts for f in result.functions]
    assert [float(r["wasted_memory_time"]) for r in rows] == [f.wasted_memory_time for f in result.functions]
