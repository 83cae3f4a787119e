"""The HPA's ``behavior`` (Kubernetes' ``spec.behavior``): stabilization
windows and the rate limits of scaling policies, decision by decision.

The utilization is scripted (a subclass overrides the published
``utilization`` method), so every recommendation is ``ceil(usage / target *
replicas)`` and the expected sequences below are computed by hand from the
algorithm Kubernetes documents: stabilization first, then each policy's
limit from the replicas at the start of its period, the Max (or Min) of the
limits, never past the current count in the other direction."""

import math

import pytest

import faassim as fs
from faassim.autoscaling import HorizontalPodAutoscalerBehavior as Behavior
from faassim.autoscaling import HPAScalingPolicy as Policy
from faassim.autoscaling import HPAScalingRules as Rules


class Scripted(fs.HorizontalPodAutoscaler):
    """Every running replica's utilization is usage(now)."""

    def __init__(self, env, usage, **kwargs):
        super().__init__(env, target_utilization=0.5, **kwargs)
        self.usage = usage

    def utilization(self, replica):
        return self.usage(self.env.now)


def run(usage, until, replicas=1, scale_max=20, interval=15, **kwargs):
    env = fs.Environment(seed=1)
    env.topology = fs.Topology([fs.Node(f"node_{i}", "64", "64Gi") for i in range(4)])
    fn = fs.Function("f", [fs.FunctionImage("f-img")])
    env.faas.deploy(fs.FunctionDeployment(fn, [fs.FunctionContainer(fn.fn_images[0])],
                                          fs.ScalingConfiguration(scale_min=1, scale_max=scale_max)))
    if replicas > 1:
        env.faas.scale_up("f", replicas - 1)
    hpa = Scripted(env, usage, reconcile_interval=interval, **kwargs)
    hpa.start()
    env.run(until=until)
    rows = env.metrics.to_numpy("autoscaler")
    decisions = list(zip(rows["time"].tolist(), rows["current"].tolist(), rows["desired"].tolist()))
    assert len(env.faas.get_replicas("f")) == decisions[-1][2]
    return decisions


def desired(decisions):
    return [d for _, _, d in decisions]


def test_default_behavior_limits_a_step_up():
    # usage 10 (ratio 20): the recommendation is always >= 20 (scale_max)
    decisions = run(lambda t: 10.0, until=61)
    # 15 s: start 1: max(1 + 4, ceil(1 * 2)) = 5; 30 s: the +4 of 15 s is not after 30 - 15: start 5:
    # max(9, 10) = 10; 45 s: max(14, 20) = 20; 60 s: at scale_max
    assert decisions == [(15.0, 1, 5), (30.0, 5, 10), (45.0, 10, 20), (60.0, 20, 20)]


def test_unbounded_behavior_is_the_old_one_reconcile_jump():
    decisions = run(lambda t: 10.0, until=16, behavior=Behavior.unbounded())
    assert decisions == [(15.0, 1, 20)]


def test_changes_count_within_the_policy_period():
    # reconciles every 5 s, periods of 15 s: the +4 of 5 s holds the limit at 5 until 20 s
    decisions = run(lambda t: 10.0, until=41, interval=5)
    assert desired(decisions) == [5, 5, 5, 10, 10, 10, 20, 20]


def test_default_scale_down_waits_for_the_stabilization_window():
    # 8 replicas at the target (ratio 1: keep 8); from 30 s on usage 0.125 (ratio 0.25): ceil(2) = 2
    decisions = run(lambda t: 0.5 if t < 30 else 0.125, until=331, replicas=8)
    # the 8 recommended at 15 s stays in the 300 s window until 315 (15 is not after 315 - 300);
    # then 100% per 15 s allows 0: down to the recommendation 2
    assert decisions[:20] == [(15.0 * k, 8, 8) for k in range(1, 21)]
    assert decisions[20] == (315.0, 8, 2)
    # 330: recommendation ceil(0.25 * 2) = 1, but the 2s since 30 s are in the window
    assert decisions[21] == (330.0, 2, 2)


def test_scale_down_stabilization_window_of_the_behavior():
    behavior = Behavior(scale_down=Rules(stabilization_window_seconds=30))
    decisions = run(lambda t: 0.5 if t < 30 else 0.125, until=91, replicas=8, behavior=behavior)
    # recommendations: 8 (15), 2 (30), 2 (45) -> at 45 the 8 of 15 s is out of the window (15 > 15 fails)
    assert decisions == [(15.0, 8, 8), (30.0, 8, 8), (45.0, 8, 2), (60.0, 2, 2), (75.0, 2, 1), (90.0, 1, 1)]


def two_down(select):
    return Behavior(scale_down=Rules([Policy("Pods", 2, 30), Policy("Percent", 50, 30)], select, 0))


def test_scale_down_pods_and_percent_with_max_and_min():
    # usage 0: recommendation 0 (kept at 1 replica at the end)
    decisions = run(lambda t: 0.0, until=76, replicas=10, behavior=two_down("Max"))
    # Max (the larger change): 15: min(10 - 2, 10 * 50 // 100) = 5; 30: the -5 of 15 s is in the
    # period: start 10 -> 5 = current; 45: start 5: min(3, 2) = 2; 60: start 5 -> 2; 75: start 2:
    # min(0, 1) = 0 -> at least one replica
    assert desired(decisions) == [5, 5, 2, 2, 1]
    decisions = run(lambda t: 0.0, until=136, replicas=10, behavior=two_down("Min"))
    # Min (the smaller change): max(start - 2, start // 2) from the start of each 30 s period
    assert desired(decisions) == [8, 8, 6, 6, 4, 4, 2, 2, 1]


def test_scale_up_pods_and_percent_with_max_and_min():
    def up(select):
        return Behavior(scale_up=Rules([Policy("Pods", 4, 60), Policy("Percent", 50, 60)], select))

    decisions = run(lambda t: 25.0, until=151, scale_max=50, interval=30, behavior=up("Max"))
    # start 1: max(5, ceil(1.5) = 2) = 5; 60: same period; 90: start 5: max(9, ceil(7.5) = 8) = 9; 150: max(13, 14)
    assert desired(decisions) == [5, 5, 9, 9, 14]
    decisions = run(lambda t: 25.0, until=151, scale_max=50, interval=30, behavior=up("Min"))
    # min(5, 2) = 2; 90: start 2: min(6, 3) = 3; 150: start 3: min(7, ceil(4.5) = 5) = 5
    assert desired(decisions) == [2, 2, 3, 3, 5]


def test_disabled_direction_never_scales_that_way():
    no_down = Behavior(scale_down=Rules(select_policy="Disabled"))
    decisions = run(lambda t: 0.0 if t < 40 else 1.0, until=46, replicas=3, behavior=no_down)
    # idle: recommendation 0, scale down disabled: 3 stays; at 45 usage 1.0 (ratio 2): 6
    assert decisions == [(15.0, 3, 3), (30.0, 3, 3), (45.0, 3, 6)]
    no_up = Behavior(scale_up={"selectPolicy": "Disabled"})
    assert desired(run(lambda t: 10.0, until=31, behavior=no_up)) == [1, 1]


def test_scale_up_stabilization_takes_the_lowest_recommendation():
    behavior = Behavior(scale_up=Rules(stabilization_window_seconds=30), scale_down=Rules(stabilization_window_seconds=0))
    # 15: ratio 1 (keep 1); 30, 45, ...: ratio 4 -> recommendation 4 * current
    decisions = run(lambda t: 0.5 if t < 30 else 2.0, until=76, behavior=behavior)
    # 30: lowest of (15: 1, 30: 4) = 1; 45: the 1 of 15 s has left: 4; 60: lowest of (45: 4, 60: 16) = 4;
    # 75: lowest of (60: 16, 75: 16) = 16 -> +100% per 15 s from start 4: max(8, 8) = 8
    assert decisions == [(15.0, 1, 1), (30.0, 1, 1), (45.0, 1, 4), (60.0, 4, 4), (75.0, 4, 8)]


def test_kubernetes_dicts_and_defaults():
    b = Behavior.from_dict({
        "scaleUp": {"stabilizationWindowSeconds": 60, "selectPolicy": "Min",
                    "policies": [{"type": "Pods", "value": 2, "periodSeconds": 30}]},
        "scaleDown": {"selectPolicy": "Disabled"},
    })
    assert b.scale_up == Rules([Policy("Pods", 2, 30)], "Min", 60)
    # unset fields take Kubernetes' per-direction defaults
    assert b.scale_down == Rules([Policy("Percent", 100, 15)], "Disabled", 300)
    default = Behavior()
    assert default.scale_up == Rules([Policy("Percent", 100, 15), Policy("Pods", 4, 15)], "Max", 0)
    assert default.scale_down == Rules([Policy("Percent", 100, 15)], "Max", 300)
    env = fs.Environment()
    assert fs.HorizontalPodAutoscaler(env).downscale_stabilization == 300
    assert fs.HorizontalPodAutoscaler(env, downscale_stabilization=0).behavior.scale_down == Rules(
        [Policy("Percent", 100, 15)], "Max", 0)
    assert fs.HorizontalPodAutoscaler(env, behavior={"scaleDown": {"stabilizationWindowSeconds": 5}}).downscale_stabilization == 5


def test_bad_behavior_raises_at_construction():
    with pytest.raises(ValueError, match="type must be 'Pods' or 'Percent', got 'pods'"):
        Policy("pods", 1, 15)
    with pytest.raises(TypeError, match="value must be a whole number, not float 1.5"):
        Policy("Pods", 1.5, 15)
    with pytest.raises(TypeError, match="value must be a whole number, not bool True"):
        Policy("Pods", True, 15)
    with pytest.raises(ValueError, match="value must be >= 1, got 0"):
        Policy("Percent", 0, 15)
    with pytest.raises(ValueError, match=r"period_seconds must be finite and > 0 \(seconds\), got -15"):
        Policy("Pods", 1, -15)
    with pytest.raises(ValueError, match="select_policy must be 'Max', 'Min' or 'Disabled', got 'max'"):
        Rules(select_policy="max")
    with pytest.raises(ValueError, match="stabilization_window_seconds must be finite and >= 0"):
        Rules(stabilization_window_seconds=-1)
    with pytest.raises(TypeError, match="policies must hold HPAScalingPolicy .* got int 4"):
        Rules([4])
    with pytest.raises(ValueError, match=r"unknown keys \['period'\]"):
        Policy.from_dict({"type": "Pods", "value": 1, "period": 15})
    with pytest.raises(ValueError, match=r"unknown keys \['scaleup'\]"):
        Behavior.from_dict({"scaleup": {}})
    with pytest.raises(TypeError, match="scale_up must be HPAScalingRules, a dict or None, not str"):
        Behavior(scale_up="fast")
    env = fs.Environment()
    with pytest.raises(TypeError, match="behavior must be a HorizontalPodAutoscalerBehavior"):
        fs.HorizontalPodAutoscaler(env, behavior=3)
    with pytest.raises(TypeError, match="either as downscale_stabilization or in behavior.scale_down, not both"):
        fs.HorizontalPodAutoscaler(env, behavior=Behavior(), downscale_stabilization=10)


@pytest.mark.parametrize("usage, match", [
    (-0.5, r"Scripted.utilization\(replica 0 of 'f'\) must be None or a finite number >= 0, got float -0.5"),
    ("high", r"must be None or a finite number >= 0, got str 'high'"),
    (float("nan"), r"got float nan"),
])
def test_a_meaningless_utilization_raises_into_the_run_and_scales_nothing(usage, match):
    env = fs.Environment(seed=1)
    env.topology = fs.Topology([fs.Node("n", "4", "8Gi")])
    fn = fs.Function("f", [fs.FunctionImage("f-img")])
    env.faas.deploy(fs.FunctionDeployment(fn, [fs.FunctionContainer(fn.fn_images[0])],
                                          fs.ScalingConfiguration(scale_max=5)))
    Scripted(env, lambda t: usage, reconcile_interval=15).start()
    with pytest.raises(ValueError, match=match):
        env.run(until=20)
    assert len(env.faas.get_replicas("f")) == 1 and "autoscaler" not in env.metrics.measurements()


class Wrong(fs.Autoscaler):
    def __init__(self, env, desired):
        super().__init__(env, 5)
        self.desired = desired

    def reconcile(self):
        self.scale_to("f", self.desired, 1, 1)


@pytest.mark.parametrize("desired, error, match", [
    (-1, ValueError, "Wrong: the desired replicas of 'f' must be >= 0, got -1"),
    (2.5, TypeError, "Wrong: the desired replicas of 'f' must be a whole number, not float 2.5"),
    (None, TypeError, "not NoneType None"),
])
def test_a_scaler_asking_for_a_meaningless_count_raises(desired, error, match):
    env = fs.Environment(seed=1)
    env.topology = fs.Topology([fs.Node("n", "4", "8Gi")])
    fn = fs.Function("f", [fs.FunctionImage("f-img")])
    env.faas.deploy(fs.FunctionDeployment(fn, [fs.FunctionContainer(fn.fn_images[0])],
                                          fs.ScalingConfiguration(scale_max=5)))
    Wrong(env, desired).start()
    with pytest.raises(error, match=match):
        env.run(until=10)
    assert len(env.faas.get_replicas("f")) == 1


# ---------------------------------------------------------------------------
# differential: random behaviors and loads against a reference of the documented algorithm
# ---------------------------------------------------------------------------


def reference_decisions(usages, replicas, scale_max, interval, up, down):
    """What Kubernetes' documentation says the HPA does, reconcile by reconcile: the recommendation
    (ceil(ratio * replicas), the current count inside the 10% tolerance), stabilized (up: lowest of
    the scale-up window, down: highest of the scale-down window), then limited by the policies from
    the replica count at the start of each policy's period. up and down: (window, select,
    [(type, value, period)])."""
    history = []  # (time, recommendation)
    changes = []  # (time, replicas added or removed)
    current = replicas
    out = []
    for k, usage in enumerate(usages, start=1):
        now = k * interval
        ratio = usage / 0.5
        rec = current if abs(1 - ratio) <= 0.1 else math.ceil(ratio * current)
        up_window, up_select, up_policies = up
        down_window, down_select, down_policies = down
        lowest = min([r for t, r in history if t > now - up_window] + [rec])
        highest = max([r for t, r in history if t > now - down_window] + [rec])
        history.append((now, rec))
        desired = min(max(current, lowest), highest)

        def start_of(period):
            return current - sum(c for t, c in changes if t > now - period)

        if desired > current:
            if up_select == "Disabled":
                limit = current
            else:
                proposals = [start_of(p) + v if kind == "Pods" else math.ceil(start_of(p) * (100 + v) / 100)
                             for kind, v, p in up_policies]
                limit = max(max(proposals) if up_select == "Max" else min(proposals), current)
            desired = min(desired, limit)
        elif desired < current:
            if down_select == "Disabled":
                limit = current
            else:
                proposals = [start_of(p) - v if kind == "Pods" else math.floor(start_of(p) * (100 - v) / 100)
                             for kind, v, p in down_policies]
                limit = min(min(proposals) if down_select == "Max" else max(proposals), current)
            desired = max(desired, limit)
        desired = min(max(desired, min(1, current)), scale_max)
        out.append((float(now), current, desired))
        if desired != current:
            changes.append((now, desired - current))
        current = desired
    return out


def test_random_behaviors_match_the_documented_algorithm():
    hypothesis = pytest.importorskip("hypothesis")
    st = hypothesis.strategies

    policy = st.tuples(st.sampled_from(["Pods", "Percent"]), st.integers(1, 150), st.sampled_from([10, 15, 30, 60]))
    rules = st.tuples(st.sampled_from([0, 10, 30, 60]), st.sampled_from(["Max", "Min", "Disabled"]),
                      st.lists(policy, min_size=1, max_size=3))

    @hypothesis.settings(max_examples=60, deadline=None, derandomize=True,
                         suppress_health_check=[hypothesis.HealthCheck.too_slow])
    @hypothesis.given(st.lists(st.sampled_from([0.0, 0.125, 0.25, 0.5, 0.75, 1.0, 2.0, 4.0]), min_size=1, max_size=12),
                      st.integers(1, 6), rules, rules)
    def check(usages, replicas, up, down):
        down = (down[0], down[1], [(k, min(v, 100), p) for k, v, p in down[2]])  # at most -100%
        behavior = Behavior(
            Rules([Policy(*p) for p in up[2]], up[1], up[0]),
            Rules([Policy(*p) for p in down[2]], down[1], down[0]),
        )
        got = run(lambda t: usages[round(t / 10) - 1], until=10 * len(usages) + 1, replicas=replicas,
                  scale_max=30, interval=10, behavior=behavior)
        assert got == reference_decisions(usages, replicas, 30, 10, up, down)

    check()
