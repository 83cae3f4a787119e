"""env.resource_state: faas-sim's ResourceState over the exact C accounting
(fs_res): per-replica and per-node amounts, live views, snapshots, errors."""

import gc
import math
import weakref
from fractions import Fraction
from types import SimpleNamespace

import numpy as np
import pytest

import faassim
from faassim import NodeResourceUtilization, ResourceState, ResourceUtilization


def make_platform(env, replicas=4, nodes=("n0", "n1"), cpu="8", image="f-cpu", name="f"):
    """A deployment of `replicas` RUNNING replicas spread over `nodes`."""
    env.topology = faassim.Topology([faassim.Node(n, cpu, "64Gi") for n in nodes])
    fn = faassim.Function(name, [faassim.FunctionImage(image)])
    fd = faassim.FunctionDeployment(
        fn, [faassim.FunctionContainer(fn.fn_images[0])], faassim.ScalingConfiguration(scale_min=replicas)
    )
    env.faas.deploy(fd)
    env.run()
    reps = env.faas.get_replicas(name)
    assert len(reps) == replicas and all(r.node is not None for r in reps)
    return reps


def state_of(rs, reps, nodes=("n0", "n1")):
    """Everything observable about the state (for 'errors change nothing')."""
    out = []
    for n in nodes:
        nu = rs.get_node_resource_utilization(n)
        out.append((n, nu.total_utilization.list_resources(), nu.total_utilization.is_empty()))
        out.append([(r.replica_id, u.list_resources(), u.is_empty()) for r, u in nu.list_resource_utilization()])
    return out


def exact(x):
    return Fraction(x)


# ---------------------------------------------------------------------------
# The component and the faas-sim API


def test_env_component_default_and_assignment(env):
    rs = env.resource_state
    assert isinstance(rs, ResourceState) and rs.env is env
    assert env.resource_state is rs
    other = ResourceState(env)
    env.resource_state = other
    assert env.resource_state is other
    del env.resource_state
    assert env.resource_state is not other and isinstance(env.resource_state, ResourceState)


def test_put_get_list_and_node_totals(env):
    reps = make_platform(env)
    rs = env.resource_state
    r0 = reps[0]
    u = rs.get_resource_utilization(r0)  # live: made before the puts
    assert u.replica is r0 and u.live
    assert u.get_resource("cpu") is None and u.list_resources() == {} and u.is_empty()
    rs.put_resource(r0, "cpu", 0.1)
    rs.put_resource(r0, "cpu", 0.2)
    rs.put_resource(r0, "memory", 200)
    # the exact sum 0.1 + 0.2 (of the doubles), rounded once
    assert u.get_resource("cpu") == float(exact(0.1) + exact(0.2)) == 0.30000000000000004
    assert u.get_resource("memory") == 200.0 and isinstance(u.get_resource("memory"), float)
    assert u.get_resource("gpu") is None
    assert u.list_resources() == {"cpu": 0.30000000000000004, "memory": 200.0}
    d = u.list_resources()
    d["cpu"] = 99
    assert u.get_resource("cpu") == 0.30000000000000004  # a fresh dict
    rs.remove_resource(r0, "cpu", 0.1)
    assert u.get_resource("cpu") == 0.2  # exactly: the 0.1 put is gone, no residue
    rs.remove_resource(r0, "cpu", 0.2)
    assert u.get_resource("cpu") == 0.0 and not u.is_empty()
    rs.remove_resource(r0, "memory", 200)
    # every amount is zero: empty (faas-sim's is_empty meant "nothing ever put")
    assert u.is_empty() and u.list_resources() == {"cpu": 0.0, "memory": 0.0}

    node = r0.node.name
    same = [r for r in reps if r.node.name == node]
    for i, r in enumerate(same):
        rs.put_resource(r, "cpu", 0.1 * (i + 1))
    nu = rs.get_node_resource_utilization(node)
    assert isinstance(nu, NodeResourceUtilization) and nu.name == node
    total = nu.total_utilization
    assert total.get_resource("cpu") == float(sum(exact(0.1 * (i + 1)) for i in range(len(same))))
    assert total.get_resource("memory") == 0.0  # touched on a replica of this node
    assert total.get_resource("gpu") is None
    assert total.replica is None and total.live
    pairs = nu.list_resource_utilization()
    assert [r for r, _ in pairs] == same
    assert [r for r, _ in rs.list_resource_utilization(node)] == same
    assert all(isinstance(u, ResourceUtilization) and u.replica is r for r, u in pairs)
    assert nu.get_resource_utilization(r0).get_resource("cpu") == 0.1
    assert "node" in repr(total) and node in repr(nu)
    assert rs._valid()


def test_registration_order_and_node_views(env):
    reps = make_platform(env)
    rs = env.resource_state
    node = reps[0].node.name
    on = [r for r in reps if r.node.name == node]
    off = [r for r in reps if r.node.name != node]
    assert rs.list_resource_utilization(node) == []
    nu = rs.get_node_resource_utilization(node)
    assert nu.total_utilization.is_empty() and nu.total_utilization.list_resources() == {}
    # registration order: get_resource_utilization registers (as in faas-sim)
    rs.get_resource_utilization(on[-1])
    rs.put_resource(on[0], "cpu", 1)
    assert [r for r, _ in nu.list_resource_utilization()] == [on[-1], on[0]]
    # node view methods act on the state, for replicas on that node only
    nu.put_resource(on[-1], "cpu", 2)
    assert rs.get_resource_utilization(on[-1]).get_resource("cpu") == 2.0
    assert nu.total_utilization.get_resource("cpu") == 3.0
    nu.remove_resource(on[-1], "cpu", 2)
    with pytest.raises(ValueError, match="is not on node"):
        nu.put_resource(off[0], "cpu", 1)
    with pytest.raises(ValueError, match="is not on node"):
        nu.get_resource_utilization(off[0])
    # node_resource_utilizations: nodes with registered replicas
    assert set(rs.node_resource_utilizations) == {node}
    rs.put_resource(off[0], "cpu", 1)
    assert set(rs.node_resource_utilizations) == {"n0", "n1"}
    assert rs.node_resource_utilizations[node].total_utilization.get_resource("cpu") == 1.0


def test_views_put_and_remove_act_on_the_state(env):
    reps = make_platform(env)
    rs = env.resource_state
    u = rs.get_resource_utilization(reps[1])
    u.put_resource("cpu", 0.7)
    assert rs.get_resource_utilization(reps[1]).get_resource("cpu") == 0.7
    assert rs.get_node_resource_utilization(reps[1].node.name).total_utilization.get_resource("cpu") == 0.7
    u.remove_resource(resource="cpu", value=0.7)
    assert u.get_resource("cpu") == 0.0
    total = rs.get_node_resource_utilization(reps[1].node.name).total_utilization
    with pytest.raises(TypeError, match="read-only"):
        total.put_resource("cpu", 1)
    with pytest.raises(TypeError, match="read-only"):
        total.remove_resource("cpu", 0)


def test_copy_is_an_exact_detached_snapshot(env):
    reps = make_platform(env)
    rs = env.resource_state
    r = reps[0]
    rs.put_resource(r, "cpu", 0.1)
    rs.put_resource(r, "cpu", 0.2)
    rs.put_resource(r, "tiny", 5e-324)
    rs.put_resource(r, "huge", 1e300)
    rs.put_resource(r, "huge", 3.0)
    rs.put_resource(r, "zero", 0)
    u = rs.get_resource_utilization(r)
    snap = u.copy()
    assert not snap.live and snap.replica is None
    assert snap.list_resources() == u.list_resources()
    # detached: changing the state does not change the snapshot, and back
    rs.remove_resource(r, "cpu", 0.1)
    assert snap.get_resource("cpu") == 0.30000000000000004 and u.get_resource("cpu") == 0.2
    snap.put_resource("gpu", 1)
    assert u.get_resource("gpu") is None and snap.get_resource("gpu") == 1.0
    # exact: the snapshot holds 0.1 + 0.2 exactly (not the rounded 0.30000000000000004)
    snap.remove_resource("cpu", 0.2)
    assert snap.get_resource("cpu") == 0.1
    snap.remove_resource("cpu", 0.1)
    snap.remove_resource("huge", 1e300)
    assert snap.get_resource("huge") == 3.0  # 1e300 + 3 kept every bit
    snap.remove_resource("huge", 3)
    snap.remove_resource("tiny", 5e-324)
    snap.remove_resource("gpu", 1)
    assert snap.is_empty() and set(snap.list_resources()) == {"cpu", "tiny", "huge", "zero", "gpu"}
    with pytest.raises(ValueError, match="holds 0.0"):
        snap.remove_resource("cpu", 1e-300)
    # a node total's copy, and a copy of a copy
    total = rs.get_node_resource_utilization(r.node.name).total_utilization
    tsnap = total.copy().copy()
    assert tsnap.list_resources() == total.list_resources()
    tsnap.put_resource("cpu", 1)  # a snapshot of a node total is mutable
    assert tsnap.get_resource("cpu") == 1.2 and total.get_resource("cpu") == 0.2
    assert rs._valid()


def test_bare_resource_utilization_is_faas_sim_like():
    ru = ResourceUtilization()
    assert ru.is_empty() and ru.list_resources() == {} and ru.get_resource("cpu") is None
    ru.put_resource("cpu", 0.5)
    ru.put_resource("cpu", 0.25)
    assert ru.get_resource("cpu") == 0.75
    ru.remove_resource("cpu", 0.75)
    assert ru.get_resource("cpu") == 0.0 and ru.is_empty()
    assert "snapshot" in repr(ru)
    with pytest.raises(TypeError):
        ResourceUtilization(1)
    with pytest.raises(TypeError):
        NodeResourceUtilization()


def test_resource_state_without_env_binds_on_first_replica(env):
    reps = make_platform(env)
    rs = ResourceState()  # faas-sim: env.resource_state = ResourceState()
    assert rs.env is None
    with pytest.raises(RuntimeError, match="no environment yet"):
        rs.get_node_resource_utilization("n0")
    rs.put_resource(reps[0], "cpu", 1)
    assert rs.env is env
    assert rs.get_node_resource_utilization(reps[0].node.name).total_utilization.get_resource("cpu") == 1.0
    with pytest.raises(TypeError):
        ResourceState(42)


# ---------------------------------------------------------------------------
# faas-sim's watchdog pattern, from a Python FunctionSimulator


def test_watchdog_claims_during_execution():
    env = faassim.Environment(seed=3)
    active = {}  # replica -> requests executing (the test's own bookkeeping)

    class Watchdog(faassim.FunctionSimulator):
        def invoke(self, env, replica, request):
            env.resource_state.put_resource(replica, "cpu", 0.5)
            env.resource_state.put_resource(replica, "memory", 0.1)
            active[replica] = active.get(replica, 0) + 1
            yield env.timeout(1)
            active[replica] -= 1
            env.resource_state.remove_resource(replica, "cpu", 0.5)
            env.resource_state.remove_resource(replica, "memory", 0.1)

    class Factory(faassim.SimulatorFactory):
        def create(self, env, container):
            return Watchdog()

    env.simulator_factory = Factory()
    reps = make_platform(env, replicas=3)
    rs = env.resource_state
    starts = [0.1 * i for i in range(25)]  # up to ~10 requests overlap
    done = []

    def client(env, t):
        yield env.timeout(t)
        yield env.faas.invoke(faassim.FunctionRequest("f"))
        done.append(env.now)

    checks = []

    def observer(env):
        for t in np.arange(0.05, 3.6, 0.1):
            yield env.timeout(t - env.now)
            by_node = {}
            for r in reps:
                n = active.get(r, 0)
                u = rs.get_resource_utilization(r)
                assert u.get_resource("cpu") in (None, 0.5 * n)
                assert (u.get_resource("memory") or 0.0) == float(exact(0.1) * n)
                by_node.setdefault(r.node.name, []).append(n)
            for node, counts in by_node.items():
                total = rs.get_node_resource_utilization(node).total_utilization
                assert (total.get_resource("cpu") or 0.0) == 0.5 * sum(counts)
                assert (total.get_resource("memory") or 0.0) == float(exact(0.1) * sum(counts))
            checks.append(sum(active.values()))

    for t in starts:
        env.process(client(env, t))
    env.process(observer(env))
    env.run()
    assert len(done) == len(starts)
    assert max(checks) >= 8  # the checks did see overlapping executions
    for r in reps:
        assert rs.get_resource_utilization(r).list_resources() == {"cpu": 0.0, "memory": 0.0}
    for node in ("n0", "n1"):
        total = rs.get_node_resource_utilization(node).total_utilization
        assert total.list_resources() == {"cpu": 0.0, "memory": 0.0} and total.is_empty()
    # the naive float bookkeeping faas-sim did leaves a residue for the same claims
    naive = 0.0
    for _ in range(10):
        naive += 0.1
    for _ in range(10):
        naive -= 0.1
    assert naive != 0.0
    assert rs._valid()


# ---------------------------------------------------------------------------
# A million random balanced operations


def exact_sums(vals, groups, ngroups):
    """Exact sums of float64 vals per group, as Fractions: each value is
    m * 2^e with m a 53-bit integer; per (group, e) the 32-bit halves of m
    are summed in uint64 (no overflow below 2^32 terms) and combined with
    Python ints."""
    m, e = np.frexp(vals)
    mant = (m * 2.0**53).astype(np.uint64)
    e = e.astype(np.int64) - 53
    emin = int(e.min()) if len(e) else 0
    ne = int(e.max()) - emin + 1 if len(e) else 1
    key = groups.astype(np.int64) * ne + (e - emin)
    lo = np.zeros(ngroups * ne, np.uint64)
    hi = np.zeros(ngroups * ne, np.uint64)
    np.add.at(lo, key, mant & np.uint64(0xFFFFFFFF))
    np.add.at(hi, key, mant >> np.uint64(32))
    out = []
    for g in range(ngroups):
        total = 0
        for k in range(ne):
            a, b = int(lo[g * ne + k]), int(hi[g * ne + k])
            if a or b:
                total += (a + (b << 32)) << k
        out.append(Fraction(total) * Fraction(2) ** emin)
    return out


def test_million_random_balanced_operations_are_exact(env):
    reps = make_platform(env, replicas=6)
    rs = env.resource_state
    names = ["cpu", "memory", "gpu"]
    nodes = sorted({r.node.name for r in reps})
    assert len(nodes) == 2
    rng = np.random.default_rng(20240611)
    P = 500_000  # pairs: 1,000,000 operations
    vals = 10.0 ** rng.uniform(-9, 6, P)  # 1e-9 .. 1e6
    rep_i = rng.integers(0, len(reps), P)
    res_i = rng.integers(0, len(names), P)
    # each value is put once and removed once, later, at random positions
    perm = rng.permutation(2 * P).reshape(P, 2)
    put_pos, rem_pos = perm.min(axis=1), perm.max(axis=1)
    pair = np.empty(2 * P, np.int64)
    is_rem = np.zeros(2 * P, bool)
    pair[put_pos] = np.arange(P)
    pair[rem_pos] = np.arange(P)
    is_rem[rem_pos] = True

    R = [reps[i] for i in rep_i[pair]]
    K = [names[i] for i in res_i[pair]]
    V = vals[pair].tolist()
    D = is_rem.tolist()
    put, remove = rs.put_resource, rs.remove_resource
    key = rep_i * len(names) + res_i  # (replica, resource) of each pair
    node_of = [r.node.name for r in reps]

    checkpoints = [0, 150_000, 500_000, 777_777, 2 * P]
    for a, b in zip(checkpoints, checkpoints[1:]):
        for r, k, v, d in zip(R[a:b], K[a:b], V[a:b], D[a:b]):
            (remove if d else put)(r, k, v)
        # the values outstanding after operation b-1
        out = (put_pos < b) & (rem_pos >= b)
        sums = exact_sums(vals[out], key[out], len(reps) * len(names))
        for i, r in enumerate(reps):
            u = rs.get_resource_utilization(r)
            for j, name in enumerate(names):
                assert (u.get_resource(name) or 0.0) == float(sums[i * len(names) + j]), (b, r, name)
        for node in nodes:
            total = rs.get_node_resource_utilization(node).total_utilization
            for j, name in enumerate(names):
                expect = sum(sums[i * len(names) + j] for i in range(len(reps)) if node_of[i] == node)
                assert (total.get_resource(name) or 0.0) == float(expect), (b, node, name)
        assert rs._valid()  # exact, in C: node accumulators == sum of their replicas'

    for r in reps:
        assert rs.get_resource_utilization(r).list_resources() == {n: 0.0 for n in names}
    for node in nodes:
        assert rs.get_node_resource_utilization(node).total_utilization.list_resources() == {n: 0.0 for n in names}

    # Why: the same operations summed naively in floats leave residues.
    signed = np.where(is_rem, -1.0, 1.0) * vals[pair]
    k_stream = key[pair]
    residues = [np.cumsum(signed[k_stream == k])[-1] for k in range(len(reps) * len(names))]
    assert sum(1 for x in residues if x != 0.0) >= len(residues) // 2, residues


# ---------------------------------------------------------------------------
# Errors change nothing


@pytest.mark.parametrize(
    "value, match",
    [
        (-1, "finite number >= 0"),
        (-1e-300, "finite number >= 0"),
        (float("nan"), "finite number >= 0"),
        (float("inf"), "finite number >= 0"),
        (float("-inf"), "finite number >= 0"),
        (10**400, "finite number >= 0"),
        (True, "int or a float"),
        (False, "int or a float"),
        ("1", "int or a float"),
        (None, "int or a float"),
        (1j, "int or a float"),
    ],
)
def test_bad_values(env, value, match):
    reps = make_platform(env)
    rs = env.resource_state
    rs.put_resource(reps[0], "cpu", 1.0)
    before = state_of(rs, reps)
    for call in (rs.put_resource, rs.remove_resource):
        with pytest.raises(ValueError, match=match) as info:
            call(reps[0], "cpu", value)
        msg = str(info.value)
        assert "FunctionReplica 0" in msg and "'cpu'" in msg and repr(value)[:20] in msg
        with pytest.raises(ValueError, match=match):  # on an unregistered replica too
            call(reps[1], "cpu", value)
    u = rs.get_resource_utilization(reps[0])
    with pytest.raises(ValueError, match=match):
        u.put_resource("cpu", value)
    snap = ResourceUtilization()
    with pytest.raises(ValueError, match=match):
        snap.put_resource("cpu", value)
    assert snap.list_resources() == {}
    assert state_of(rs, reps) == before and rs._valid()


def test_removing_more_than_held(env):
    reps = make_platform(env)
    rs = env.resource_state
    r = reps[0]
    rs.put_resource(r, "cpu", 0.1)
    rs.put_resource(r, "cpu", 0.2)
    before = state_of(rs, reps)
    with pytest.raises(ValueError, match=r"removes more than held: the replica holds 0.30000000000000004 of 'cpu'"):
        rs.remove_resource(r, "cpu", 0.31)
    # compared exactly: 0.1 + 0.2 is a little less than the double 0.30000000000000004 + tiny
    with pytest.raises(ValueError, match="more than held"):
        rs.remove_resource(r, "cpu", float(exact(0.1) + exact(0.2)) + 5e-17)
    with pytest.raises(ValueError, match="holds 0.0 of 'memory'"):
        rs.remove_resource(r, "memory", 1)  # never put
    with pytest.raises(ValueError, match="holds 0.0 of 'cpu'"):
        rs.remove_resource(reps[1], "cpu", 1)  # replica never registered
    with pytest.raises(ValueError, match="holds 0.0 of 'never-seen'"):
        rs.remove_resource(r, "never-seen", 1e-300)
    assert state_of(rs, reps) == before
    assert reps[1] not in [x for x, _ in rs.list_resource_utilization(reps[1].node.name)]
    # removing 0 is fine, and registers / touches like faas-sim's remove did
    rs.remove_resource(reps[1], "disk", 0)
    assert rs.get_resource_utilization(reps[1]).list_resources() == {"disk": 0.0}
    rs.remove_resource(r, "cpu", 0.1)
    rs.remove_resource(r, "cpu", 0.2)
    assert rs.get_resource_utilization(r).get_resource("cpu") == 0.0 and rs._valid()
    # giving back what a read says is held gives back all of it, though the read
    # (0.30000000000000004, the nearest double) is a little more than 0.1 + 0.2
    rs.put_resource(r, "cpu", 0.1)
    rs.put_resource(r, "cpu", 0.2)
    held = rs.get_resource_utilization(r).get_resource("cpu")
    assert held == 0.30000000000000004 and exact(held) > exact(0.1) + exact(0.2)
    rs.remove_resource(r, "cpu", held)
    assert rs.get_resource_utilization(r).get_resource("cpu") == 0.0
    assert rs.get_node_resource_utilization(r.node.name).total_utilization.get_resource("cpu") == 0.0
    assert rs._valid()


def test_bad_replicas_and_nodes(env):
    reps = make_platform(env)
    rs = env.resource_state
    rs.put_resource(reps[0], "cpu", 1)
    before = state_of(rs, reps)
    fake = SimpleNamespace(node=reps[0].node, replica_id=0)
    for bad in (fake, "replica-0", None, 0):
        with pytest.raises(TypeError, match="must be a FunctionReplica"):
            rs.put_resource(bad, "cpu", 1)
        with pytest.raises(TypeError, match="must be a FunctionReplica"):
            rs.remove_resource(bad, "cpu", 1)
        with pytest.raises(TypeError, match="must be a FunctionReplica"):
            rs.get_resource_utilization(bad)
    # a replica of another environment
    env2 = faassim.Environment()
    other = make_platform(env2, replicas=1)[0]
    with pytest.raises(ValueError, match="another environment"):
        rs.put_resource(other, "cpu", 1)
    # a replica that was never placed (nothing fits: FAILED, node None)
    fn = faassim.Function("big", [faassim.FunctionImage("big-cpu")])
    cfg = faassim.KubernetesResourceConfiguration.create_from_str(cpu="100", memory="1Gi")
    fd = faassim.FunctionDeployment(fn, [faassim.FunctionContainer(fn.fn_images[0], cfg)])
    env.faas.deploy(fd)
    env.run()
    unplaced = env.faas.get_replicas("big", faassim.FunctionState.FAILED)[0]
    assert unplaced.node is None
    for call in (rs.put_resource, rs.remove_resource):
        with pytest.raises(ValueError, match="has not been placed"):
            call(unplaced, "cpu", 1)
    with pytest.raises(ValueError, match="has not been placed"):
        rs.get_resource_utilization(unplaced)
    # a resource name that is not a str
    with pytest.raises(TypeError, match="resource must be a str"):
        rs.put_resource(reps[0], 7, 1)
    with pytest.raises(TypeError, match="resource must be a str"):
        rs.get_resource_utilization(reps[0]).get_resource(7)
    # unknown nodes
    for call in (rs.get_node_resource_utilization, rs.list_resource_utilization):
        with pytest.raises(KeyError, match="unknown node 'nowhere'"):
            call("nowhere")
    assert state_of(rs, reps) == before and rs._valid()


def test_overflowing_node_total_changes_nothing(env):
    reps = make_platform(env)
    rs = env.resource_state
    a, b = [r for r in reps if r.node.name == reps[0].node.name][:2]
    rs.put_resource(a, "cpu", 1e308)
    before = state_of(rs, reps)
    with pytest.raises(OverflowError, match="would overflow"):
        rs.put_resource(b, "cpu", 1e308)  # b is not registered yet: stays unregistered
    assert state_of(rs, reps) == before
    assert [r for r, _ in rs.list_resource_utilization(a.node.name)] == [a]
    rs.remove_resource(a, "cpu", 1e308)
    rs.put_resource(b, "cpu", 1e308)
    assert rs._valid()


def test_too_many_resource_names(env):
    reps = make_platform(env)
    rs = env.resource_state
    for i in range(64):
        rs.put_resource(reps[0], f"r{i}", 1)
    before = state_of(rs, reps)
    with pytest.raises(ValueError, match="too many resource names"):
        rs.put_resource(reps[0], "one-too-many", 1)
    assert state_of(rs, reps) == before
    assert rs.get_resource_utilization(reps[0]).get_resource("one-too-many") is None


# ---------------------------------------------------------------------------
# The C API (through the _capi test hook)


def test_c_api(env):
    reps = make_platform(env)
    rs = env.resource_state
    r = reps[0]
    rs._capi("put", r, "cpu", 0.1)
    rs._capi("put", r, "cpu", 0.2)
    rs.put_resource(r, "cpu", 0.3)  # Python and C share slots and amounts
    assert rs._capi("get", r, "cpu") == float(exact(0.1) + exact(0.2) + exact(0.3))
    assert rs._capi("get", reps[1], "cpu") == 0.0  # never registered
    node = env.faas.nodes.index(r.node)
    assert rs._capi("node_get", node, "cpu") == rs.get_node_resource_utilization(r.node.name).total_utilization.get_resource("cpu")
    assert rs._capi("node_get", 99, "cpu") == 0.0
    with pytest.raises(ValueError, match="more than held"):
        rs._capi("remove", r, "cpu", 1.0)
    with pytest.raises(ValueError, match="finite number >= 0"):
        rs._capi("put", r, "cpu", float("nan"))
    for v in (0.3, 0.2, 0.1):
        rs._capi("remove", r, "cpu", v)
    assert rs.get_resource_utilization(r).get_resource("cpu") == 0.0 and rs._valid()


# ---------------------------------------------------------------------------
# Garbage collection


def test_cycles_are_collected():
    env = faassim.Environment()
    reps = make_platform(env)
    rs = env.resource_state
    for r in reps:
        rs.put_resource(r, "cpu", 1)
        r.util = rs.get_resource_utilization(r)  # replica -> view -> state -> env -> ...
    total = rs.get_node_resource_utilization("n0").total_utilization
    env.keep = total
    ref = weakref.ref(rs)
    del env, reps, rs, r, total
    gc.collect()
    assert ref() is None


def test_views_outlive_the_state_safely():
    env = faassim.Environment()
    reps = make_platform(env)
    rs = env.resource_state
    rs.put_resource(reps[0], "cpu", 2)
    u = rs.get_resource_utilization(reps[0])
    nu = rs.get_node_resource_utilization(reps[0].node.name)
    del env, rs, reps
    gc.collect()
    # the views keep what they need alive
    assert u.get_resource("cpu") == 2.0
    assert nu.total_utilization.get_resource("cpu") == 2.0
    u.remove_resource("cpu", 2)
    assert u.is_empty() and nu.total_utilization.is_empty()
