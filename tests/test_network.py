"""faassim.Network: max-min fair flows over links (csrc/engine/fs_net.c).

Hand-computed allocations, exact durations, completion events used with
`yield` and `yield from`, rows, errors, determinism, memory, and a
differential test against a small progressive-filling reference written
here that recomputes every rate from scratch at every change."""

import gc
import math
import random
import tracemalloc
import weakref

import pytest

import faassim
from faassim import FlowNetwork as Network, _core


def rel_close(a, b, tol=1e-9):
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


# -- hand-computed allocations --------------------------------------------------


def test_single_bottleneck_shares_and_completion_times():
    env = faassim.Environment()
    net = Network(env)
    link = net.add_link(30.0)
    a, b, c = (net.transfer([link], s) for s in (10.0, 20.0, 40.0))
    assert [f.rate for f in (a, b, c)] == [10.0, 10.0, 10.0]
    env.run(until=1.5)
    # a ends at 1 (10 B at 10 B/s); then 15 B/s each
    assert a.end == 1.0 and a.sent == 10.0 and a.triggered
    assert b.rate == 15.0 and c.rate == 15.0
    assert rel_close(b.sent, 10.0 + 0.5 * 15.0)
    env.run()
    assert rel_close(b.end, 1.0 + 10.0 / 15.0)
    assert rel_close(c.end, 7.0 / 3.0)
    assert c.sent == 40.0 and c.rate == 0.0
    info = net.link(link)
    assert rel_close(info["bytes"], 70.0)
    assert rel_close(info["busy_time"], 7.0 / 3.0)
    assert info["flows"] == 0


def test_numpy_link_ids_and_sizes():
    np = pytest.importorskip("numpy")
    env = faassim.Environment()
    net = Network(env)
    links = np.array([net.add_link(np.float64(4.0)), net.add_link(8)])
    f = net.transfer(links, np.int64(8))
    assert f.links == (0, 1) and f.rate == 4.0
    env.run()
    assert f.end == 2.0


def test_parking_lot():
    env = faassim.Environment()
    net = Network(env)
    n = 5
    links = [net.add_link(1.0 + k) for k in range(n)]
    long = net.transfer(links, 1e3)
    shorts = [net.transfer([links[k]], 1e3) for k in range(n)]
    # link 0 (bandwidth 1) holds the long flow to 1/2; short flow k gets the rest of link k
    assert long.rate == 0.5
    assert [s.rate for s in shorts] == [1.0 + k - 0.5 for k in range(n)]
    for k in range(n):
        net.set_bandwidth(links[k], 1.0)
    assert long.rate == 0.5 and all(s.rate == 0.5 for s in shorts)
    assert net.cancel(shorts[0]) is True
    assert long.rate == 0.5  # still held by links 1..n-1
    for s in shorts[1:]:
        net.cancel(s)
    assert long.rate == 1.0
    assert net.cancel(shorts[0]) is False
    assert shorts[0].cancelled and not shorts[0].triggered


def test_caps_are_private_links_and_local_transfers():
    env = faassim.Environment()
    net = Network(env)
    link = net.add_link(100.0)
    flows = [net.transfer([link], 1e3, cap=c) for c in (10.0, 20.0, math.inf, 50.0)]
    assert [f.rate for f in flows] == [10.0, 20.0, 35.0, 35.0]
    local = net.transfer([], 8.0, cap=4.0, goodput=0.5)
    instant = net.transfer([], 8.0)
    assert local.rate == 4.0 and local.goodput_rate == 2.0
    env.run(until=3.5)
    assert instant.end == 0.0 and local.end is None and local.sent == 7.0
    env.run(until=5.0)
    assert local.end == 4.0


def test_flows_leaving_early_speed_up_the_others():
    env = faassim.Environment()
    net = Network(env)
    up = net.add_link(12.5e6)
    s1 = net.transfer([up], 1e6)
    s2 = net.transfer([up], 3e6)
    assert s1.rate == 6.25e6
    env.run(until=0.2)
    assert s1.end == 0.16 and s2.rate == 12.5e6
    env.run()
    assert rel_close(s2.end, 0.16 + 2e6 / 12.5e6)


def test_lone_flow_duration_is_exact():
    env = faassim.Environment(initial_time=0.25)
    net = Network(env)
    up = net.add_link(12.5e6)
    down = net.add_link(1e8)
    size, g, setup = 123456789.0, 0.97, 0.0123
    f = net.transfer([up, down], size, setup=setup, goodput=g)
    assert f.start == 0.25 + setup and not f.running and f.rate == 0.0
    env.run()
    assert f.end == (0.25 + setup) + size / (12.5e6 * g)
    assert f.sent == size
    assert Network.SETUP_RTT_FACTOR == 1.5 and Network.GOODPUT == 0.97


# -- events ----------------------------------------------------------------------


def test_yield_and_yield_from_in_a_process():
    env = faassim.Environment()
    net = Network(env)
    link = net.add_link(10.0)
    seen = []

    def proc(env):
        f = yield net.transfer([link], 20.0, kind="a")
        seen.append((env.now, f.kind, f.end))
        g = yield from net.transfer([link], 5.0, setup=1.0, kind="b")
        seen.append((env.now, g.kind, g.start))

    p = env.process(proc(env))
    env.run()
    assert seen == [(2.0, "a", 2.0), (3.5, "b", 3.0)]
    assert p.ok


def test_flow_event_value_and_callbacks():
    env = faassim.Environment()
    net = Network(env)
    link = net.add_link(1.0)
    f = net.transfer([link], 2.0)
    got = []
    f.callbacks.append(lambda ev: got.append((env.now, ev.value is ev)))
    env.run()
    assert got == [(2.0, True)] and f.ok and f.value is f


# -- rows --------------------------------------------------------------------------


def test_flow_and_network_rows():
    env = faassim.Environment()
    net = Network(env)
    a = net.add_link(10.0)
    b = net.add_link(5.0)
    net.transfer([a, b], 10.0, kind="docker_pull", source="registry", destination="node-1", setup=1.0)
    net.transfer([a], 20.0, kind="data_download", source="s3", destination="node-2")
    env.run()
    df = env.metrics.extract_dataframe("flow")
    assert list(df.columns) == ["bytes", "duration", "source", "sink", "action_type"]
    rows = sorted(zip(df["action_type"], df["bytes"], df["duration"], df["source"], df["sink"]))
    # docker_pull: set-up until 1, then 5 B/s (its fair share of a, and b's
    # bandwidth) -> done at 3; the duration counts the set-up, as faas-sim's
    # data_download: alone until 1 at 10 B/s, then 5 B/s: 10 + 5 * (t - 1) = 20 at t = 3
    assert rows == [("data_download", 20.0, 3.0, "s3", "node-2"), ("docker_pull", 10.0, 3.0, "registry", "node-1")]
    net.log_network()
    nw = env.metrics.extract_dataframe("network")
    assert list(nw["link"]) == [0, 1]
    assert list(nw["bytes"]) == [30.0, 10.0]
    assert list(nw["busy_time"]) == [3.0, 2.0]
    assert list(nw["utilization"]) == [1.0, 2.0 / 3.0]
    net.log_flows = False
    net.transfer([a], 1.0)
    env.run()
    assert len(env.metrics.extract_dataframe("flow")) == 2


def test_failing_log_flow_reaches_run_and_the_rest_follow():
    class Failing(faassim.Metrics):
        def log_flow(self, num_bytes, duration, source, sink, action_type):
            if action_type == "bad":
                raise RuntimeError("log_flow failed")
            super().log_flow(num_bytes, duration, source, sink, action_type)

    env = faassim.Environment()
    env.metrics = Failing(env)
    net = Network(env)
    link = net.add_link(1.0)
    bad = net.transfer([], 1.0, cap=1.0, kind="bad")
    same_time = net.transfer([net.add_link(1.0)], 1.0, kind="ok")  # also done at 1, reported after bad
    good = [net.transfer([link], 1.0, kind="ok") for _ in range(2)]
    with pytest.raises(RuntimeError, match="log_flow failed"):
        env.run()
    assert env.now == 1.0 and bad.triggered and bad.end == 1.0
    assert same_time.end == 1.0 and not same_time.triggered  # its report comes next
    assert same_time.sent == 1.0 and net.cancel(same_time) is False  # finished: too late
    env.run()
    assert same_time.triggered and [f.end for f in good] == [2.0, 2.0]
    rows = env.metrics.extract_dataframe("flow")
    assert list(rows.index) == [1.0, 2.0, 2.0] and list(rows["action_type"]) == ["ok", "ok", "ok"]


# -- errors ------------------------------------------------------------------------


def test_errors_change_nothing():
    env = faassim.Environment()
    net = Network(env)
    with pytest.raises(TypeError, match="Environment"):
        Network(object())
    for bad in (0.0, -1.0, math.nan, math.inf):
        with pytest.raises(ValueError, match=r"add_link\(bandwidth\): bandwidth must be finite and > 0"):
            net.add_link(bad)
    for bad in ("10", True, None):
        with pytest.raises(TypeError, match="bandwidth must be a number"):
            net.add_link(bad)
    assert net.link_count == 0
    link = net.add_link(10.0)
    other = net.add_link(10.0)
    running = net.transfer([link], 100.0)
    cases = [
        (dict(links=[link], size=math.nan), ValueError, "size must be finite and >= 0"),
        (dict(links=[link], size=-1.0), ValueError, "size must be finite and >= 0"),
        (dict(links=[link], size=math.inf), ValueError, "size must be finite and >= 0"),
        (dict(links=[link], size="1"), TypeError, "size must be a number"),
        (dict(links=[7], size=1.0), ValueError, r"unknown link 7 \(the network has links 0 .. 1\)"),
        (dict(links=[-1], size=1.0), ValueError, "unknown link -1"),
        (dict(links=[link, link], size=1.0), ValueError, "lists link 0 twice"),
        (dict(links=[1.0], size=1.0), TypeError, "link id must be an int"),
        (dict(links=5, size=1.0), TypeError, "links must be a sequence"),
        (dict(links=[link], size=1.0, goodput=0.0), ValueError, r"goodput must be in \(0, 1\]"),
        (dict(links=[link], size=1.0, goodput=1.5), ValueError, r"goodput must be in \(0, 1\]"),
        (dict(links=[link], size=1.0, setup=-1.0), ValueError, "setup must be finite and >= 0"),
        (dict(links=[link], size=1.0, setup=math.inf), ValueError, "setup must be finite and >= 0"),
        (dict(links=[link], size=1.0, cap=0.0), ValueError, "cap must be > 0"),
        (dict(links=[link], size=1.0, cap=math.nan), ValueError, "cap must be > 0"),
        (dict(links=[link], size=1.0, kind=3), TypeError, "kind must be a str"),
    ]
    for kwargs, exc, msg in cases:
        with pytest.raises(exc, match=msg):
            net.transfer(**kwargs)
    with pytest.raises(TypeError, match="unexpected keyword"):
        net.transfer([link], 1.0, bogus=1)
    with pytest.raises(TypeError, match="positional"):
        net.transfer([link], 1.0, 0.0)
    with pytest.raises(ValueError, match="unknown link"):
        net.set_bandwidth(5, 1.0)
    with pytest.raises(ValueError, match="bandwidth must be finite and > 0"):
        net.set_bandwidth(link, 0.0)
    with pytest.raises(TypeError, match="must be a Flow"):
        net.cancel("flow")
    with pytest.raises(ValueError, match="min_rate"):
        net.min_rate = -1.0
    other_net = Network(env)
    with pytest.raises(ValueError, match="another network"):
        other_net.cancel(running)
    # nothing changed: one flow, at the full bandwidth of its link
    assert net.flows == [running] and running.rate == 10.0 and net.link(other)["flows"] == 0
    env.run()
    assert running.end == 10.0


def test_low_bandwidth_guard():
    env = faassim.Environment()
    net = Network(env)
    link = net.add_link(10.0)
    net.min_rate = 6.0
    a = net.transfer([link], 10.0)
    assert not a.low_bandwidth and net.low_count == 0
    b = net.transfer([link], 10.0)
    assert a.low_bandwidth and b.low_bandwidth and net.low_count == 2


# -- differential test against a full-recomputation reference ---------------------


def ref_fill(active, bw):
    """Max-min fair rates by progressive filling over every active flow."""
    resid = list(bw)
    nun = [0] * len(bw)
    unfrozen = []
    for f in active.values():
        if not f["route"]:
            f["rate"] = f["cap"]
            continue
        unfrozen.append(f)
        for l in f["route"]:
            nun[l] += 1
    while unfrozen:
        level, link = math.inf, None
        for l in range(len(bw)):
            if nun[l] and max(resid[l], 0.0) / nun[l] < level:
                level, link = max(resid[l], 0.0) / nun[l], l
        capped = min(unfrozen, key=lambda f: f["cap"])
        if capped["cap"] <= level:
            hit, level = [capped], capped["cap"]
        else:
            hit = [f for f in unfrozen if link in f["route"]]
        for f in hit:
            f["rate"] = level
            unfrozen.remove(f)
            for l in f["route"]:
                resid[l] -= level
                nun[l] -= 1


def ref_run(bw, ops):
    """ops: (time, op, args) in time order; returns {flow index: end time} and
    {flow index: bytes sent when cancelled}."""
    bw = list(bw)
    now, active, pending, ends, sent_at_cancel = 0.0, {}, {}, {}, {}

    def advance(t):
        for f in active.values():
            if f["rate"] == math.inf:
                f["rem"] = 0.0
            else:
                f["rem"] -= (t - now) * f["rate"] * f["g"]

    def eta(f):
        if f["rem"] <= 0 or f["rate"] == math.inf:
            return now
        return now + f["rem"] / (f["rate"] * f["g"])

    def activate(i, f, t):
        if f["size"] == 0.0 or (not f["route"] and f["cap"] == math.inf):
            ends[i] = t
        else:
            active[i] = f

    def events_until(t):
        nonlocal now
        while active or pending:
            best = min([eta(f) for f in active.values()] + [f["start"] for f in pending.values()])
            if best > t:
                return
            done = [i for i, f in active.items() if eta(f) <= best * (1 + 1e-12)]
            advance(best)
            now = best
            for i in done:
                ends[i] = best
                del active[i]
            for i in [i for i, f in pending.items() if f["start"] <= best]:
                activate(i, pending.pop(i), best)
            ref_fill(active, bw)

    for t, op, args in ops:
        events_until(t)
        advance(t)
        now = t
        if op == "start":
            i, route, size, cap, g, setup = args
            f = dict(route=route, rem=size, size=size, cap=cap, g=g, rate=0.0, start=t + setup)
            if setup > 0:
                pending[i] = f
            else:
                activate(i, f, t)
        elif op == "cancel":
            i = args
            if i in active:
                sent_at_cancel[i] = active[i]["size"] - max(active[i]["rem"], 0.0)
                del active[i]
            elif i in pending:
                sent_at_cancel[i] = 0.0
                del pending[i]
        else:
            link, value = args
            bw[link] = value
        ref_fill(active, bw)
    events_until(math.inf)
    return ends, sent_at_cancel


def random_case(rng):
    nl = rng.randint(1, 6)
    bw = [float(rng.randint(1, 100)) for _ in range(nl)]
    ops, t, nflows = [], 0.0, 0
    for _ in range(rng.randint(5, 25)):
        t += rng.randint(1, 1000) * 0.0037 * math.sqrt(2)  # never on a completion
        r = rng.random()
        if r < 0.7 or nflows == 0:
            route = rng.sample(range(nl), rng.randint(0, min(nl, 4)))
            size = 0.0 if rng.random() < 0.1 else rng.randint(1, 4000) / 16
            cap = float(rng.randint(1, 60)) if rng.random() < 0.3 else math.inf
            if not route and cap == math.inf and rng.random() < 0.5:
                cap = 7.0
            g = 1.0 if rng.random() < 0.5 else rng.randint(50, 100) / 100
            setup = 0.0 if rng.random() < 0.7 else rng.randint(1, 100) * 0.0113 * math.sqrt(3)
            ops.append((t, "start", (nflows, route, size, cap, g, setup)))
            nflows += 1
        elif r < 0.9:
            ops.append((t, "cancel", rng.randrange(nflows)))
        else:
            ops.append((t, "bw", (rng.randrange(nl), float(rng.randint(1, 100)))))
    return bw, ops


def engine_run(bw, ops):
    env = faassim.Environment()
    net = Network(env)
    net.log_flows = False
    links = [net.add_link(b) for b in bw]
    flows, sent_at_cancel = {}, {}

    def driver(env):
        for t, op, args in ops:
            yield env.timeout(t - env.now)
            if op == "start":
                i, route, size, cap, g, setup = args
                flows[i] = net.transfer([links[l] for l in route], size, cap=cap, goodput=g, setup=setup)
            elif op == "cancel":
                f = flows[args]
                sent = f.sent
                if net.cancel(f):
                    sent_at_cancel[args] = sent
            else:
                net.set_bandwidth(links[args[0]], args[1])

    env.process(driver(env))
    env.run()
    ends = {i: f.end for i, f in flows.items() if not f.cancelled}
    for i, f in flows.items():
        if not f.cancelled:
            assert f.sent == f.size and f.triggered
    return ends, sent_at_cancel


def test_differential_against_full_recomputation():
    rng = random.Random(20261207)
    for case in range(1500):
        bw, ops = random_case(rng)
        ref_ends, ref_sent = ref_run(bw, ops)
        ends, sent = engine_run(bw, ops)
        assert ends.keys() == ref_ends.keys(), case
        for i in ends:
            assert rel_close(ends[i], ref_ends[i]), (case, i, ends[i], ref_ends[i])
        assert sent.keys() == ref_sent.keys(), case
        for i in sent:
            assert rel_close(sent[i], ref_sent[i]), (case, i, sent[i], ref_sent[i])


# -- determinism and memory -----------------------------------------------------------


def _seeded_workload(seed):
    env = faassim.Environment(seed=seed)
    net = Network(env)
    uplinks = [net.add_link(1e6 * (1 + k)) for k in range(4)]
    core = net.add_link(2.5e6)

    def client(env, k):
        for _ in range(20):
            yield env.timeout(env.rng.expovariate(2.0) if hasattr(env.rng, "expovariate") else 0.5)
            size = 1e5 * (1 + env.rng.random())
            yield net.transfer([uplinks[k], core], size, setup=0.01, goodput=0.97, source=f"n{k}", destination="r")

    for k in range(4):
        env.process(client(env, k))
    env.run()
    df = env.metrics.extract_dataframe("flow")
    return list(df.index), list(df["duration"]), list(df["source"])


def test_deterministic_per_seed():
    a = _seeded_workload(7)
    assert a == _seeded_workload(7)
    assert a != _seeded_workload(8)
    assert len(a[0]) == 80


def test_objects_are_collected_and_memory_is_flat():
    def run():
        env = faassim.Environment()
        net = Network(env)
        link = net.add_link(10.0)
        def waiter(env, flow):
            yield flow

        env.process(waiter(env, net.transfer([link], 5.0)))  # a process waiting on a flow
        for k in range(50):
            net.transfer([link], float(k), source=object(), setup=0.1 * (k % 3))
        pending = net.transfer([link], 1e9)
        env.run(until=3.0)
        assert pending in net.flows
        return weakref.ref(env), weakref.ref(net)

    gc.collect()
    base = _core._live_objects()
    refs = run()
    gc.collect()
    assert refs[0]() is None and refs[1]() is None
    assert _core._live_objects() == base
    run()
    gc.collect()
    _core._clear_freelists()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(5):
            run()
        gc.collect()
        _core._clear_freelists()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert after - before < 16 * 1024, after - before
