"""faassim.Metrics: columnar metrics in C with faas-sim's API."""

import doctest
import gc
import sys
import tracemalloc
import weakref

import numpy as np
import pytest

import faassim
import faassim.metrics
from faassim import _core
from faassim.metrics import Metrics, Record

I64_NULL = np.iinfo(np.int64).min


def simulate(env):
    """Two functions invoked by processes at known times; a scaler."""

    def invoker(env, name, delays):
        for i, d in enumerate(delays):
            yield env.timeout(d)
            env.metrics.log(
                "invocations",
                {"t_wait": 0.25 * i, "t_exec": float(d), "memory": 64 * (i + 1)},
                function_name=name,
                replica_id=i % 2,
            )

    def scaler(env):
        for replicas in (1, 2, 4):
            env.metrics.log_scaling("f", replicas)
            yield env.timeout(5)

    env.process(invoker(env, "f", [1, 2, 3]))  # at 1, 3, 6
    env.process(invoker(env, "g", [2, 2]))  # at 2, 4
    env.process(scaler(env))  # at 0, 5, 10
    env.run()
    return env.metrics


def test_values_after_a_simulation():
    m = simulate(faassim.Environment())
    assert isinstance(m, faassim.Metrics)
    inv = m.to_numpy("invocations")
    assert list(inv) == ["time", "t_wait", "t_exec", "memory", "function_name", "replica_id"]
    assert inv["time"].tolist() == [1.0, 2.0, 3.0, 4.0, 6.0]
    assert inv["function_name"].tolist() == ["f", "g", "f", "g", "f"]
    assert inv["t_wait"].tolist() == [0.0, 0.0, 0.25, 0.25, 0.5]
    assert inv["t_exec"].tolist() == [1.0, 2.0, 2.0, 2.0, 3.0]
    assert inv["memory"].tolist() == [64, 64, 128, 128, 192]
    assert inv["replica_id"].tolist() == [0, 0, 1, 1, 0]
    assert inv["time"].dtype == np.float64 and inv["memory"].dtype == np.int64
    assert inv["function_name"].dtype == object
    scale = m.to_numpy("scale")
    assert scale["time"].tolist() == [0.0, 5.0, 10.0]
    assert scale["value"].tolist() == [1, 2, 4]
    assert scale["function_name"].tolist() == ["f"] * 3
    assert m.measurements() == ["scale", "invocations"]
    assert m.count("invocations") == 5 and m.count("scale") == 3 and m.count("nothing") == 0
    assert m._columns("invocations")[-2:] == [("function_name", "str", True), ("replica_id", "int", True)]


def test_records_in_log_order_and_get():
    m = simulate(faassim.Environment())
    recs = m.records
    assert all(isinstance(r, Record) for r in recs)
    assert [(r.measurement, r.time) for r in recs] == [
        ("scale", 0.0),
        ("invocations", 1.0),
        ("invocations", 2.0),
        ("invocations", 3.0),
        ("invocations", 4.0),
        ("scale", 5.0),
        ("invocations", 6.0),
        ("scale", 10.0),
    ]
    assert recs[1] == Record(
        "invocations", 1.0, {"t_wait": 0.0, "t_exec": 1.0, "memory": 64}, {"function_name": "f", "replica_id": 0}
    )
    assert recs[0].fields == {"value": 1} and recs[0].tags == {"function_name": "f"}

    env = faassim.Environment(initial_time=2.5)
    m = Metrics(env)
    log_cpu = m.get("cpu", node="n0")
    log_cpu(0.5)
    log_cpu(None)  # missing values are left out of records
    assert [tuple(r) for r in m.records] == [("cpu", 2.5, {"value": 0.5}, {"node": "n0"}), ("cpu", 2.5, {}, {"node": "n0"})]


def test_log_argument_forms():
    env = faassim.Environment()
    m = Metrics(env)
    m.log("flow", value={"bytes": 10}, source="a")  # faas-sim's log_flow passes value=
    m.log(metric="flow", value={"bytes": 20}, source="b")
    m.log("flow", {"bytes": 30}, 7.5, source="c")  # RuntimeLogger.log(metric, value, time)
    m.log("flow", {"bytes": 40}, time=9, source="d")
    cols = m.to_numpy("flow")
    assert cols["time"].tolist() == [0.0, 0.0, 7.5, 9.0]
    assert cols["bytes"].tolist() == [10, 20, 30, 40]
    assert cols["source"].tolist() == ["a", "b", "c", "d"]
    m.log("empty", {}, tag="x")  # no fields: a row of tags
    assert m.to_numpy("empty")["tag"].tolist() == ["x"]


class Payload:
    pass


def test_type_mapping():
    m = Metrics(faassim.Environment())
    obj = Payload()
    m.log(
        "t",
        {
            "b": True,
            "i": 7,
            "f": 1.5,
            "s": "x",
            "o": obj,
            "n": None,
            "np_i": np.int32(-3),
            "np_f": np.float32(0.25),
            "np_b": np.bool_(False),
            "np_s": np.str_("y"),
            "tuple": (1, 2),
        },
    )
    m.log("t", {"b": False, "i": -(2**63) + 1, "f": -0.0, "s": "", "o": None, "n": None})
    c = m.to_numpy("t")
    assert c["b"].dtype == np.bool_ and c["b"].tolist() == [True, False]
    assert c["i"].dtype == np.int64 and c["i"].tolist() == [7, -(2**63) + 1]
    assert c["f"].dtype == np.float64 and c["f"].tolist() == [1.5, -0.0]
    assert c["s"].dtype == object and c["s"].tolist() == ["x", ""]
    assert type(c["s"][0]) is str
    assert c["o"].dtype == object and c["o"][0] is obj and c["o"][1] is None
    assert c["n"].tolist() == [None, None]
    assert c["np_i"].tolist() == [-3, I64_NULL] and c["np_f"][0] == 0.25
    assert c["np_b"].tolist() == [False, None]  # a bool column with a missing value: object array
    assert c["np_s"].tolist() == ["y", None]
    assert c["tuple"][0] == (1, 2)
    types = {name: t for name, t, _ in m._columns("t")}
    assert types == {
        "b": "bool",
        "i": "int",
        "f": "float",
        "s": "str",
        "o": "object",
        "n": "none",
        "np_i": "int",
        "np_f": "float",
        "np_b": "bool",
        "np_s": "str",
        "tuple": "object",
    }
    # Records give the values back with their Python types.
    fields = m.records[0].fields
    assert fields["b"] is True and fields["i"] == 7 and type(fields["i"]) is int and fields["o"] is obj
    assert "n" not in fields


def test_numeric_columns_widen():
    m = Metrics(faassim.Environment())
    m.log("w", {"x": True, "y": 1, "z": 2.5})
    before = m.to_numpy("w")
    m.log("w", {"x": 3, "y": 0.5, "z": 4})  # bool -> int, int -> float; int into float
    m.log("w", {"x": False})
    c = m.to_numpy("w")
    assert c["x"].dtype == np.int64 and c["x"].tolist() == [1, 3, 0]
    assert c["y"].dtype == np.float64 and c["y"][:2].tolist() == [1.0, 0.5] and np.isnan(c["y"][2])
    assert c["z"].tolist()[:2] == [2.5, 4.0]
    # Arrays exported before the widening keep their old type and values.
    assert before["x"].dtype == np.bool_ and before["x"].tolist() == [True]
    assert before["y"].dtype == np.int64 and before["y"].tolist() == [1]
    # A column holding objects takes any value.
    m.log("o", {"v": [1]})
    m.log("o", {"v": 2})
    m.log("o", {"v": "s"})
    assert m.to_numpy("o")["v"].tolist() == [[1], 2, "s"]
    # Big ints go into float columns.
    m.log("big", 0.5)
    m.log("big", 2**70)
    m.log("big", np.uint64(2**64 - 1))
    assert m.to_numpy("big")["value"].tolist() == [0.5, float(2**70), float(2**64 - 1)]


def test_missing_values_and_backfill():
    m = Metrics(faassim.Environment())
    m.log("m", {"a": 1.0})
    m.log("m", {"a": 2.0})
    m.log("m", {"a": 3.0, "f": 1.5, "i": 2, "s": "x", "b": True, "o": Payload()})  # columns added at row 3
    m.log("m", {"a": 4.0})  # row 4 sets none of them
    c = m.to_numpy("m")
    assert c["a"].tolist() == [1.0, 2.0, 3.0, 4.0]
    assert np.isnan(c["f"][[0, 1, 3]]).all() and c["f"][2] == 1.5
    assert c["i"].tolist() == [I64_NULL, I64_NULL, 2, I64_NULL]
    assert c["s"].tolist() == [None, None, "x", None]
    assert c["b"].tolist() == [None, None, True, None]
    assert [o is None for o in c["o"]] == [True, True, False, True]
    # A column first seen with None takes the type of its first value.
    m.log("n", {"v": None})
    m.log("n", {"v": None})
    assert m.to_numpy("n")["v"].tolist() == [None, None]
    m.log("n", {"v": 5})
    assert m.to_numpy("n")["v"].tolist() == [I64_NULL, I64_NULL, 5]
    # None into a typed column is missing; NaN is missing too.
    m.log("n", {"v": None})
    assert m.to_numpy("n")["v"][-1] == I64_NULL
    assert m.summary("n")["v"]["count"] == 1


def test_exported_arrays_own_their_memory():
    env = faassim.Environment()
    m = Metrics(env)
    for i in range(10):
        m.log("m", float(i), k=i)
    c = m.to_numpy("m")
    value, k, time = c["value"], c["k"], c["time"]
    # Zero-copy views of the C buffers, kept alive by a capsule, read-only.
    assert type(value.base).__name__ == "PyCapsule"
    assert not value.flags.writeable and not value.flags.owndata
    with pytest.raises(ValueError):
        value[0] = 99.0
    again = m.to_numpy("m")["value"]
    assert np.shares_memory(value, again)
    # Grow far past the capacity (the buffers move), retype, clear.
    for i in range(10, 5000):
        m.log("m", float(i), k=i)
    m.log("m", 0.5, k=0.5)  # k: int -> float, a new buffer
    assert value.tolist() == [float(i) for i in range(10)]
    assert k.tolist() == list(range(10)) and k.dtype == np.int64
    grown = m.to_numpy("m")
    assert len(grown["value"]) == 5001 and grown["k"].dtype == np.float64
    m.clear()
    assert m.to_numpy("m")["value"].size == 0
    # Drop the metrics and the environment: the arrays stay valid.
    ref = weakref.ref(m)
    del m, env, c, again
    gc.collect()
    assert ref() is None
    assert value.tolist() == [float(i) for i in range(10)]
    assert time.tolist() == [0.0] * 10
    assert grown["value"][-1] == 0.5 and grown["k"][4989] == 4989.0
    # After the last array goes, its buffer is freed (checked under ASan).
    del value, k, time, grown


def test_aggregates_only_memory_is_flat_and_summary_matches_numpy():
    rng = np.random.default_rng(5)
    xs = rng.normal(10.0, 3.0, 3000)
    ks = rng.integers(-50, 50, 3000)
    env = faassim.Environment()
    full = Metrics(env)
    agg = Metrics(env, keep_records=False)
    assert full.keep_records and not agg.keep_records

    def log_all(m, lo, hi):
        for i in range(lo, hi):
            m.log("fet", {"x": float(xs[i]), "k": int(ks[i]), "ok": bool(i % 3 == 0)}, node="n%d" % (i % 4))

    log_all(full, 0, 3000)
    log_all(agg, 0, 500)
    nbytes = agg._nbytes
    tracemalloc.start()
    snap0 = tracemalloc.take_snapshot()
    log_all(agg, 500, 3000)
    snap1 = tracemalloc.take_snapshot()
    tracemalloc.stop()
    grown = sum(s.size_diff for s in snap1.compare_to(snap0, "filename"))
    assert agg._nbytes == nbytes  # no column buffer grew (C memory)
    assert grown < 20_000, grown  # and no Python object is kept per row (2500 rows logged)
    assert agg.count("fet") == 3000
    assert {k: len(v) for k, v in agg.to_numpy("fet").items()} == {"time": 0, "x": 0, "k": 0, "ok": 0, "node": 0}
    assert full.to_numpy("fet")["x"].tolist() == xs.tolist()

    for m in (full, agg):
        s = m.summary("fet")
        assert set(s) == {"time", "x", "k", "ok"}  # numeric columns only
        for col, data in (("x", xs), ("k", ks.astype(float)), ("ok", (np.arange(3000) % 3 == 0).astype(float))):
            assert s[col]["count"] == 3000
            assert s[col]["sum"] == pytest.approx(data.sum(), rel=1e-12)
            assert s[col]["min"] == data.min() and s[col]["max"] == data.max()
            assert s[col]["mean"] == pytest.approx(np.mean(data), rel=1e-12)
            assert s[col]["std"] == pytest.approx(np.std(data), rel=1e-9)
    assert agg.summary("fet") == full.summary("fet")
    with pytest.warns(faassim.FaassimWarning, match="'nothing' was never logged"):
        assert full.summary("nothing") == {}


def test_set_keep_records_per_measurement_and_globally():
    m = Metrics(faassim.Environment())
    m.set_keep_records("quiet", False)  # before its first row
    assert m.measurements() == []  # nothing logged yet
    for i in range(5):
        m.log("quiet", i)
        m.log("loud", i)
    assert len(m.to_numpy("quiet")["value"]) == 0 and m.count("quiet") == 5
    assert len(m.to_numpy("loud")["value"]) == 5
    m.set_keep_records(None, False)
    m.log("loud", 5)
    m.log("new", 1)
    assert len(m.to_numpy("loud")["value"]) == 5 and m.count("loud") == 6  # stored rows stay
    assert len(m.to_numpy("new")["value"]) == 0 and not m.keep_records
    m.set_keep_records("loud", True)
    m.log("loud", 6)
    assert m.to_numpy("loud")["value"].tolist() == [0, 1, 2, 3, 4, 6]
    assert m.summary("loud")["value"]["count"] == 7
    with pytest.raises(TypeError, match="must be a str"):
        m.set_keep_records(3, True)


def test_clear_keeps_columns_and_drops_rows():
    m = Metrics(faassim.Environment())
    obj = Payload()
    ref = weakref.ref(obj)
    m.log("a", obj)
    m.log("b", 1.0, tag="t")
    del obj
    assert ref() is not None  # kept alive by the stored row
    m.clear()
    gc.collect()
    assert ref() is None
    assert m.measurements() == [] and m.count("a") == 0 and m.records == []
    assert m.summary("b")["value"]["count"] == 0
    assert list(m.to_numpy("b")) == ["time", "value", "tag"]
    m.log("b", 2.0, tag="u")
    assert m.to_numpy("b")["tag"].tolist() == ["u"]


def run_sim(seed):
    env = faassim.Environment(seed=seed)

    def proc(env, k):
        for i in range(50):
            yield env.timeout((i * 7 + k) % 5 + 0.5)
            env.metrics.log("m", {"x": i * 0.1 + k, "n": i}, node="n%d" % k, ok=i % 2 == 0)

    for k in range(4):
        env.process(proc(env, k))
    env.run()
    return env.metrics


def test_determinism():
    a, b = run_sim(1), run_sim(1)
    ca, cb = a.to_numpy("m"), b.to_numpy("m")
    assert list(ca) == list(cb)
    for key in ca:
        assert ca[key].dtype == cb[key].dtype
        if ca[key].dtype == object:
            assert ca[key].tolist() == cb[key].tolist()
        else:
            assert ca[key].tobytes() == cb[key].tobytes()
    assert a.records == b.records
    assert a.summary("m") == b.summary("m")


def test_env_metrics_attribute():
    env = faassim.Environment()
    m = env.metrics
    assert type(m) is faassim.Metrics and m.env is env
    assert env.metrics is m

    class MyMetrics(faassim.Metrics):
        pass

    mine = MyMetrics(env, keep_records=False)
    env.metrics = mine
    assert env.metrics is mine
    del env.metrics  # back to a lazily created default
    assert type(env.metrics) is faassim.Metrics and env.metrics is not m
    env.metrics = None  # faas-sim's initial value
    assert env.metrics is None


def test_cycles_are_collectable():
    class Holder:
        def __init__(self, env):
            self.env = env

    env = faassim.Environment()
    env.metrics.log("held", Holder(env))  # env -> metrics -> objects -> holder -> env
    env.metrics.log("held", {"me": env.metrics})  # metrics -> objects -> metrics
    ref_env, ref_m = weakref.ref(env), weakref.ref(env.metrics)
    del env
    gc.collect()
    assert ref_env() is None and ref_m() is None


def test_subclass_without_init_and_overrides():
    class Forgetful(faassim.Metrics):
        def __init__(self, env):
            pass  # no super().__init__()

    m = Forgetful(faassim.Environment())
    with pytest.raises(RuntimeError, match="not initialised"):
        m.log("x", 1)
    with pytest.warns(faassim.FaassimWarning, match="'x' was never logged"):
        assert len(m.to_numpy("x")["time"]) == 0
    assert m.count("x") == 0 and m.env is None

    seen = []

    class Spy(faassim.Metrics):
        def log(self, metric, value, **tags):
            seen.append((metric, value, tags))
            super().log(metric, value, **tags)

    s = Spy(faassim.Environment())
    s.log_scaling("f", 3)
    assert seen == [("scale", 3, {"function_name": "f"})] and s.count("scale") == 1


def test_object_free_log_hooks():
    class Node:
        def __init__(self, name):
            self.name = name

    class Link:
        tags = {"type": "uplink", "edge": "e1"}

    env = faassim.Environment()
    m = Metrics(env)
    m.log_scaling("resnet", 2)
    m.log_flow(1000, 0.5, "n0", "n1", "pull")
    m.log_flow(2000, 1.5, Node("n1"), Node("registry"), "push")
    m.log_network(300, "image", {"type": "downlink"})
    m.log_network(400, "request", Link())
    assert m.to_numpy("scale")["value"].tolist() == [2]
    flow = m.to_numpy("flow")
    assert list(flow) == ["time", "bytes", "duration", "source", "sink", "action_type"]
    assert flow["bytes"].tolist() == [1000, 2000] and flow["duration"].tolist() == [0.5, 1.5]
    assert flow["source"].tolist() == ["n0", "n1"] and flow["sink"].tolist() == ["n1", "registry"]
    assert flow["action_type"].tolist() == ["pull", "push"]
    net = m.to_numpy("network")
    assert list(net) == ["time", "value", "type", "data_type", "edge"]
    assert net["value"].tolist() == [300, 400] and net["type"].tolist() == ["downlink", "uplink"]
    assert net["data_type"].tolist() == ["image", "request"] and net["edge"].tolist() == [None, "e1"]


def test_errors_are_clear_and_store_nothing():
    env = faassim.Environment()
    m = Metrics(env)
    m.log("m", {"n": 1, "s": "a"})
    with pytest.raises(TypeError, match=r"measurement name must be a str, not int \(5\)"):
        m.log(5, 1)
    with pytest.raises(TypeError, match=r"measurement 'm': field names must be str, not int \(3\)"):
        m.log("m", {3: 1.0})
    with pytest.raises(TypeError) as info:
        m.log("m", {"new": 1.0, "n": "oops"})
    msg = str(info.value)
    assert "'m'" in msg and "'n'" in msg and "int" in msg and "'oops'" in msg
    with pytest.raises(TypeError, match=r"column 's' holds str values; cannot store the Payload"):
        m.log("m", {"s": Payload()})
    with pytest.raises(TypeError, match="column 'n' holds int values; cannot store the str 'x'"):
        m.log("m", 1.0, n="x")  # tags are columns too
    with pytest.raises(TypeError, match="holds float values; cannot store the str"):
        m.log("m", {"dup": 1.0}, dup="x")  # the same name twice in one call
    with pytest.raises(ValueError, match="'time' is the timestamp column"):
        m.log("m", {"time": 1})
    with pytest.raises(OverflowError, match="does not fit in 64 bits"):
        m.log("m", {"big": 2**64})
    with pytest.raises(OverflowError, match="column 'n': int"):
        m.log("m", {"n": -(2**63)})  # the I64 null
    with pytest.raises(ValueError, match="time is NaN"):
        m.log("m", 1, time=float("nan"))
    with pytest.raises(TypeError, match="time must be a number"):
        m.log("m", 1, time="now")
    with pytest.raises(TypeError, match="missing required argument 'value'"):
        m.log("m")
    with pytest.raises(TypeError, match="multiple values for argument 'value'"):
        m.log("m", 1, value=2)
    with pytest.raises(TypeError, match="must be a faassim.Environment, not int"):
        Metrics(3)
    # Nothing was stored by the failing calls, no column was left behind.
    assert m.count("m") == 1
    assert [c for c, _, _ in m._columns("m")] == ["n", "s"]
    m.log("m", {"n": 2, "s": "b"})
    assert m.to_numpy("m")["n"].tolist() == [1, 2]


def test_odd_strings_round_trip():
    m = Metrics(faassim.Environment())
    weird = ["", "a\x00b", "\udcff lone surrogate", "ünïcödé ✓", "x" * 1000]
    for s in weird:
        m.log("s", s, **{"tag\x00": s})
    c = m.to_numpy("s")
    assert c["value"].tolist() == weird and c["tag\x00"].tolist() == weird
    m.log("ünï", 1)
    assert "ünï" in m.measurements()


def test_c_api_appends_rows_without_python_objects():
    env = faassim.Environment(initial_time=3.0)
    m = Metrics(env)
    m.log("native", 0.25, replica_id=99, node="py")  # Python and C rows mix
    m._append_native("native", 6)
    c = m.to_numpy("native")
    assert c["time"].tolist() == [3.0] * 7
    assert c["value"].tolist() == [0.25, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5]
    assert c["replica_id"].tolist() == [99, 0, 1, 2, 3, 4, 5]
    assert c["node"].tolist() == ["py", "node0", "node1", "node2", "node0", "node1", "node2"]
    assert m.summary("native")["value"]["sum"] == 7.75
    # The C API widens like log(): an int column declared float by C code.
    m.log("w", 1, replica_id=1, node="n")
    m._append_native("w", 1)
    assert m.to_numpy("w")["value"].tolist() == [1.0, 0.0]
    # Columns first seen with None take the C values; object columns box them.
    m.log("x", None, replica_id=None, node=None)
    m.log("x", Payload(), replica_id=None, node=("a", "b"))
    m._append_native("x", 2)
    c = m.to_numpy("x")
    assert c["replica_id"].tolist() == [I64_NULL, I64_NULL, 0, 1]
    assert c["node"].tolist() == [None, ("a", "b"), "node0", "node1"]
    assert c["value"][2:].tolist() == [0.0, 0.5] and isinstance(c["value"][1], Payload)
    # A C declaration that does not fit the column is a TypeError; no row is left behind.
    m.log("y", 1, replica_id="r0", node="n")
    with pytest.raises(TypeError, match="measurement 'y', column 'replica_id' holds str values; cannot store int values in it"):
        m._append_native("y", 1)
    assert m.count("y") == 1
    m.log("y", 2, replica_id="r1", node="n")
    assert m.count("y") == 2


def test_extract_dataframe():
    pd = pytest.importorskip("pandas")
    m = simulate(faassim.Environment())
    df = m.extract_dataframe("invocations")
    assert list(df.columns) == ["t_wait", "t_exec", "memory", "function_name", "replica_id"]
    assert df.index.name == "time" and df.index.tolist() == [1.0, 2.0, 3.0, 4.0, 6.0]
    assert df["function_name"].tolist() == ["f", "g", "f", "g", "f"]
    assert df["memory"].tolist() == [64, 64, 128, 128, 192]
    m.log("gaps", {"i": 1})
    m.log("gaps", {"j": 2.0})
    gaps = m.extract_dataframe("gaps")
    assert gaps["i"].dtype == np.float64 and gaps["i"].isna().tolist() == [False, True]
    with pytest.warns(faassim.FaassimWarning, match="'unknown' was never logged"):
        empty = m.extract_dataframe("unknown")
    assert isinstance(empty, pd.DataFrame) and empty.empty


class FakePandas:
    """Stands in for pandas where it is not installed: records what
    extract_dataframe hands to pandas."""

    class Index:
        def __init__(self, data, name=None):
            self.data, self.name = data, name

    class DataFrame:
        def __init__(self, data=None, index=None, columns=None):
            self.data, self.index, self.columns = data, index, columns


def test_extract_dataframe_hands_pandas_the_columns(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", FakePandas)
    m = simulate(faassim.Environment())
    m.log("gaps", {"i": 1, "s": "a"})
    m.log("gaps", {"j": 2.0})
    df = m.extract_dataframe("invocations")
    assert df.columns == ["t_wait", "t_exec", "memory", "function_name", "replica_id"]
    assert df.index.name == "time" and df.index.data.tolist() == [1.0, 2.0, 3.0, 4.0, 6.0]
    assert df.data["memory"].dtype == np.int64 and df.data["memory"].tolist() == [64, 64, 128, 128, 192]
    gaps = m.extract_dataframe("gaps")
    assert gaps.data["i"].dtype == np.float64  # an int column with missing values: NaN
    assert gaps.data["i"][0] == 1.0 and np.isnan(gaps.data["i"][1])
    assert gaps.data["s"].tolist() == ["a", None] and np.isnan(gaps.data["j"][0])
    with pytest.warns(faassim.FaassimWarning, match="'unknown' was never logged"):
        empty = m.extract_dataframe("unknown")
    assert empty.data == {} and len(empty.index.data) == 0 and empty.index.name == "time"


def test_extract_dataframe_without_pandas(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # "import pandas" now fails
    m = Metrics(faassim.Environment())
    m.log("x", 1)
    with pytest.raises(ImportError, match=r"needs pandas.*pip install pandas.*faassim\[pandas\]"):
        m.extract_dataframe("x")


def test_unknown_measurement_is_empty():
    m = Metrics(faassim.Environment())
    with pytest.warns(faassim.FaassimWarning):
        c = m.to_numpy("nope")
    assert list(c) == ["time"] and c["time"].dtype == np.float64 and c["time"].size == 0
    with pytest.warns(faassim.FaassimWarning):
        assert m.summary("nope") == {}
    assert m.count("nope") == 0 and m._columns("nope") == []
    assert m.measurements() == []


def _warnings_of(call):
    """The FaassimWarnings *call()* emits (each, however often it repeats)."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = call()
    return result, [w for w in caught if issubclass(w.category, faassim.FaassimWarning)]


def test_unknown_measurement_warns_naming_the_logged_ones():
    m = Metrics(faassim.Environment())
    m.log("latency", 0.5)
    m.log("cpu", 0.25, node="n0")
    _, caught = _warnings_of(lambda: m.to_numpy("latncy"))
    assert len(caught) == 1
    message = str(caught[0].message)
    assert message == (
        "Metrics: measurement 'latncy' was never logged (did you mean 'latency'?); the result is empty. "
        "Measurements logged: 'latency', 'cpu'"
    )
    assert caught[0].filename == __file__  # attributed to the caller, not to faassim
    # nothing close: no suggestion; the platform's names are suggested too
    _, caught = _warnings_of(lambda: m.summary("zzz"))
    assert str(caught[0].message).startswith("Metrics: measurement 'zzz' was never logged; the result is empty.")
    _, caught = _warnings_of(lambda: m.to_numpy("invocation"))
    assert "(did you mean 'invocations'?)" in str(caught[0].message)
    assert caught[0].filename == __file__


def test_known_or_platform_measurements_do_not_warn():
    m = Metrics(faassim.Environment(), keep_records=False)
    m.log("latency", 0.5)
    # logged (aggregates only: no rows), and the platform's names before anything logged them
    names = ["latency"] + sorted(faassim.metrics.PLATFORM_MEASUREMENTS)
    for name in names:
        cols, caught = _warnings_of(lambda: m.to_numpy(name))
        assert caught == [], name
        assert cols["time"].size == 0
    assert _warnings_of(lambda: m.summary("latency"))[1] == []
    assert m.summary("latency")["value"]["max"] == 0.5
    assert _warnings_of(lambda: m.summary("invocations")) == ({}, [])


def test_module_doctests():
    failures, tried = doctest.testmod(faassim.metrics, optionflags=doctest.ELLIPSIS)
    assert failures == 0 and tried > 0


def _leak_workload():
    env = faassim.Environment()
    m = env.metrics
    for i in range(200):
        m.log("a", {"x": i * 0.5, "k": i, "s": "n%d" % (i % 5), "o": (i,), "b": i % 2 == 0}, tag="t")
        m.log("b", i)
    for bad in ({"k": "str"}, {"time": 1}, {"k": 2**64}, {"s": 1.0}):
        with pytest.raises((TypeError, ValueError, OverflowError)):
            m.log("a", bad)
    m.log("a", 1.5, time=3)
    cols = m.to_numpy("a")
    m.log("a", {"k": 0.5})  # widen while an export is alive
    recs = m.records
    m.summary("a"), m.measurements(), m._columns("a"), m.count("a"), m.get("c", z=1)(2)
    m._append_native("native", 50)
    m.set_keep_records(None, False)
    m.log("a", {"x": 1.0, "o": object()})
    m.clear()
    return cols, recs


def test_no_reference_leaks():
    for _ in range(3):
        _leak_workload()
    gc.collect()
    tracemalloc.start()
    snap0 = tracemalloc.take_snapshot()
    for _ in range(20):
        _leak_workload()
    gc.collect()
    snap1 = tracemalloc.take_snapshot()
    tracemalloc.stop()
    grown = sum(s.size_diff for s in snap1.compare_to(snap0, "filename"))
    assert grown < 30_000, grown  # one leaked object per row would be > 100 kB
