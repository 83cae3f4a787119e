"""Differential tests: faassim must produce exactly the same traces as SimPy.

* Every ``scn_*`` function of ``simpy_scenarios`` is run on SimPy (reference)
  and on faassim; the two traces must be identical.
* Randomly generated "programs" (plain data) are interpreted on both engines
  and the traces compared.

Set ``FAASSIM_DIFF_SELFTEST=1`` to use SimPy for *both* sides (checks that the
harness and the scenarios are deterministic while faassim is not importable).
Without it, faassim is imported; an import failure is a test error.
"""

import os
import random
import sys
import traceback
import types

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import simpy_scenarios  # noqa: E402

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

SELFTEST = os.environ.get('FAASSIM_DIFF_SELFTEST') == '1'

NAMES = (
    'Environment', 'Event', 'Timeout', 'Process', 'Condition', 'AllOf', 'AnyOf',
    'Interrupt', 'URGENT', 'NORMAL', 'Resource', 'PriorityResource',
    'PreemptiveResource', 'Preempted', 'Store', 'FilterStore', 'PriorityStore',
    'PriorityItem', 'Container', 'EmptySchedule',
)

INF = float('inf')


# ------------------------------------------------------------ namespaces
def simpy_namespace():
    import simpy
    import simpy.core
    import simpy.events
    import simpy.exceptions
    import simpy.resources.container
    import simpy.resources.resource
    import simpy.resources.store

    modules = (simpy, simpy.events, simpy.core, simpy.exceptions,
               simpy.resources.resource, simpy.resources.store,
               simpy.resources.container)
    ns = {}
    for name in NAMES:
        for mod in modules:
            if hasattr(mod, name):
                ns[name] = getattr(mod, name)
                break
        else:  # pragma: no cover - would be a harness bug
            raise AttributeError('simpy has no %r' % name)
    return types.SimpleNamespace(**ns)


def faassim_namespace():
    import faassim
    return types.SimpleNamespace(**{name: getattr(faassim, name) for name in NAMES})


REF = simpy_namespace()


@pytest.fixture(scope='module')
def impl():
    """Namespace of the implementation under test."""
    if SELFTEST:
        return simpy_namespace()
    return faassim_namespace()     # ImportError/AttributeError -> test error


# --------------------------------------------------------------- tracing
_PLAIN = (int, float, str, bool, type(None))


def _check_plain(value, where):
    t = type(value)
    if t in _PLAIN:
        return
    if t in (tuple, list, frozenset):
        for v in value:
            _check_plain(v, where)
        return
    if t is dict:
        for k, v in value.items():
            _check_plain(k, where)
            _check_plain(v, where)
        return
    raise TypeError('non-portable value of type %s logged at %r: %r'
                    % (t.__name__, where, value))


def record(ns, fn, trace):
    """Run ``fn(ns, log)`` appending entries to ``trace``."""
    def log(env, tag, value=None):
        _check_plain(tag, tag)
        _check_plain(value, tag)
        now = env.now
        if type(now) not in (int, float):
            raise TypeError('env.now is %r' % (now,))
        trace.append((now, tag, value))
    fn(ns, log)
    return trace


def first_diff(a, b):
    n = min(len(a), len(b))
    for i in range(n):
        if a[i] != b[i]:
            return i
    return None if len(a) == len(b) else n


def diff_message(name, ref, got, idx, context=4):
    lines = ['%s: traces differ at index %d (simpy: %d entries, impl: %d entries)'
             % (name, idx, len(ref), len(got))]
    for i in range(max(0, idx - context), min(max(len(ref), len(got)), idx + context + 1)):
        r = ref[i] if i < len(ref) else '<end of trace>'
        g = got[i] if i < len(got) else '<end of trace>'
        mark = '>>' if i == idx else '  '
        lines.append('%s [%d] simpy: %r' % (mark, i, r))
        lines.append('%s [%d] impl : %r' % ('  ', i, g))
    return '\n'.join(lines)


def compare(name, fn, impl_ns):
    ref = record(REF, fn, [])            # the reference must never raise
    got, err = [], None
    try:
        record(impl_ns, fn, got)
    except BaseException:                 # report together with the trace
        err = traceback.format_exc()
    idx = first_diff(ref, got)
    if err is not None:
        msg = '%s: implementation raised after %d of %d entries\n%s' % (
            name, len(got), len(ref), err)
        if idx is not None:
            msg += '\n' + diff_message(name, ref, got, idx)
        pytest.fail(msg, pytrace=False)
    if idx is not None:
        pytest.fail(diff_message(name, ref, got, idx), pytrace=False)
    return ref


# ------------------------------------------------------------- scenarios
SCENARIOS = sorted(n for n in dir(simpy_scenarios)
                   if n.startswith('scn_') and callable(getattr(simpy_scenarios, n)))


def test_enough_scenarios():
    assert len(SCENARIOS) >= 30, SCENARIOS


@pytest.mark.parametrize('name', SCENARIOS)
def test_scenario_sane_on_simpy(name):
    """Runs on SimPy without error, logs a meaningful amount, deterministic."""
    fn = getattr(simpy_scenarios, name)
    t1 = record(REF, fn, [])
    t2 = record(simpy_namespace(), fn, [])
    assert len(t1) >= 5, (name, t1)
    idx = first_diff(t1, t2)
    assert idx is None, diff_message(name, t1, t2, idx)


@pytest.mark.parametrize('name', SCENARIOS)
def test_scenario_differential(name, impl):
    compare(name, getattr(simpy_scenarios, name), impl)


# ------------------------------------------------------ random programs
OP_KINDS = ('timeout', 'wait', 'succeed', 'fail', 'allof', 'anyof', 'interrupt',
            'use_res', 'put', 'get', 'spawn', 'join', 'cb', 'raise', 'release_raw')
OP_WEIGHTS = (10, 5, 4, 2, 3, 3, 4, 5, 3, 3, 2, 2, 2, 1, 2)


def gen_op(rng, me, n_procs, n_events):
    kind = rng.choices(OP_KINDS, OP_WEIGHTS)[0]
    ev = rng.randrange(n_events)
    if kind == 'timeout':
        return ('timeout', rng.randint(0, 3))
    if kind in ('wait', 'cb'):
        return (kind, ev)
    if kind == 'succeed':
        return ('succeed', ev, rng.randint(0, 99))
    if kind == 'fail':
        return ('fail', ev)
    if kind in ('allof', 'anyof'):
        subset = sorted(rng.sample(range(n_events), rng.randint(0, n_events)))
        extra = rng.choice([None, 0, 1, 2, 3])
        return (kind, tuple(subset), extra)
    if kind == 'interrupt':
        return ('interrupt', rng.randrange(n_procs))
    if kind in ('use_res', 'release_raw'):
        return (kind, rng.randint(0, 3))
    if kind == 'put':
        return ('put',)
    if kind == 'get':
        return ('get', rng.choice([None, 1, 2]))
    if kind == 'spawn':
        return ('spawn', rng.randint(0, 3), rng.random() < 0.3, rng.random() < 0.7)
    if kind == 'join':
        others = [p for p in range(n_procs) if p != me]
        return ('join', rng.choice(others)) if others else ('timeout', 1)
    if kind == 'raise':
        return ('raise',)
    raise AssertionError(kind)


def gen_program(seed):
    rng = random.Random(seed)
    n_procs = rng.randint(2, 6)
    n_events = rng.randint(1, 4)
    return {
        'seed': seed,
        'res_cap': rng.choice([1, 1, 2, 3]),
        'store_cap': rng.choice([1, 2, None]),
        'defuse': tuple(rng.random() < 0.5 for _ in range(n_events)),
        'run_until': rng.choice([None, None, rng.randint(1, 8), rng.randint(1, 8) + 0.5]),
        'procs': tuple(
            (rng.randint(0, 2),
             tuple(gen_op(rng, p, n_procs, n_events) for _ in range(rng.randint(1, 9))))
            for p in range(n_procs)),
    }


def interpret(prog):
    """Return a scenario function executing the program ``prog``."""

    def scenario(sim, log):
        env = sim.Environment()
        res = sim.Resource(env, prog['res_cap'])
        store = sim.Store(env, prog['store_cap']) if prog['store_cap'] else sim.Store(env)
        L = simpy_scenarios.Labels()
        events = [L.add(env.event(), 'e%d' % i) for i in range(len(prog['defuse']))]
        procs = []

        for i, (ev, defuse) in enumerate(zip(events, prog['defuse'])):
            if defuse:
                def _defuse(e, i=i):
                    if not e.ok:
                        log(env, 'defuse', i)
                        e.defused = True
                ev.callbacks.append(_defuse)

        def child(me, k, d, fails):
            yield env.timeout(d)
            if fails:
                raise KeyError('child', me, k)
            return ('child', me, k)

        def do_op(me, k, op):
            kind = op[0]
            if kind == 'timeout':
                v = yield env.timeout(op[1], value=k)
                log(env, 'to', (me, k, v))
            elif kind == 'wait':
                v = yield events[op[1]]
                log(env, 'waited', (me, k, op[1], v))
            elif kind == 'succeed':
                ev = events[op[1]]
                if ev.triggered:
                    log(env, 'succ-skip', (me, k, op[1]))
                else:
                    ev.succeed(op[2])
                    log(env, 'succ', (me, k, op[1]))
            elif kind == 'fail':
                ev = events[op[1]]
                if ev.triggered:
                    log(env, 'fail-skip', (me, k, op[1]))
                else:
                    ev.fail(ValueError('f', me, k))
                    log(env, 'fail', (me, k, op[1]))
            elif kind in ('allof', 'anyof'):
                evs = [events[i] for i in op[1]]
                if op[2] is not None:
                    evs.append(L.add(env.timeout(op[2], value='t%d' % k), 'to%d.%d' % (me, k)))
                cond = (sim.AllOf if kind == 'allof' else sim.AnyOf)(env, evs)
                v = yield cond
                log(env, kind, (me, k, simpy_scenarios.cv(v, L)))
            elif kind == 'interrupt':
                target = procs[op[1]]
                if target.is_alive and target is not env.active_process:
                    target.interrupt(('c', me, k))
                    log(env, 'interrupt', (me, k, op[1]))
                else:
                    log(env, 'no-interrupt', (me, k, op[1], target.is_alive))
            elif kind == 'use_res':
                with res.request() as req:
                    L.add(req, 'req%d.%d' % (me, k))
                    yield req
                    log(env, 'res-got', (me, k, res.count, len(res.queue),
                                         [L(u) for u in res.users]))
                    yield env.timeout(op[1])
                log(env, 'res-rel', (me, k, res.count, len(res.queue)))
            elif kind == 'release_raw':
                req = L.add(res.request(), 'raw%d.%d' % (me, k))
                try:
                    yield req
                    log(env, 'raw-got', (me, k, res.count))
                    yield env.timeout(op[1])
                except sim.Interrupt:
                    if req.triggered:
                        res.release(req)
                    else:
                        req.cancel()
                    log(env, 'raw-abort', (me, k, res.count, len(res.queue)))
                    raise
                yield res.release(req)
                log(env, 'raw-rel', (me, k, res.count, len(res.queue)))
            elif kind == 'put':
                with store.put((me, k)) as p:
                    yield p
                log(env, 'put', (me, k, list(store.items), len(store.put_queue)))
            elif kind == 'get':
                with store.get() as g:
                    if op[1] is None:
                        item = yield g
                        log(env, 'get', (me, k, item))
                    else:
                        v = yield g | env.timeout(op[1])
                        log(env, 'get-or-to', (me, k, g in v, g.triggered,
                                               g.value if g in v else None))
                log(env, 'store', (me, k, list(store.items), len(store.get_queue)))
            elif kind == 'spawn':
                c = env.process(child(me, k, op[1], op[2]))
                if op[3]:
                    try:
                        v = yield c
                        log(env, 'child-ret', (me, k, v))
                    except KeyError as e:
                        log(env, 'child-failed', (me, k, simpy_scenarios.exc_info(e)))
                else:
                    log(env, 'spawned', (me, k))
            elif kind == 'join':
                try:
                    v = yield procs[op[1]]
                    log(env, 'joined', (me, k, op[1], v))
                except IndexError as e:
                    log(env, 'join-failed', (me, k, op[1], simpy_scenarios.exc_info(e)))
            elif kind == 'cb':
                ev = events[op[1]]
                if ev.processed:
                    log(env, 'cb-late', (me, k, op[1], ev.ok))
                else:
                    ev.callbacks.append(
                        lambda e, me=me, k=k: log(env, 'cb', (me, k, e.ok,
                                                              e.value if e.ok else
                                                              simpy_scenarios.exc_info(e.value))))
            elif kind == 'raise':
                raise IndexError('raised', me, k)

        def body(me, start, ops):
            try:
                yield env.timeout(start)
            except sim.Interrupt as i:
                log(env, 'int-start', (me, i.cause))
            for k, op in enumerate(ops):
                try:
                    yield from do_op(me, k, op)
                except sim.Interrupt as i:
                    log(env, 'int', (me, k, i.cause))
                except (ValueError, KeyError) as e:
                    log(env, 'exc', (me, k, simpy_scenarios.exc_info(e)))
            return ('done', me)

        for me, (start, ops) in enumerate(prog['procs']):
            procs.append(L.add(env.process(body(me, start, ops)), 'p%d' % me))

        if prog['run_until'] is not None:
            try:
                r = env.run(until=prog['run_until'])
                log(env, 'until', r)
            except Exception as e:
                log(env, 'until-exc', simpy_scenarios.exc_info(e))
        # run to the end, resuming after errors; a plain run() returns None,
        # and how many calls reach the end differs on purpose after an aborted
        # run(until=...) (SimPy's stale stop request ends the next run() at the
        # old target), so only other return values are logged
        for _ in range(100):
            try:
                r = env.run()
                if r is not None:
                    log(env, 'run-ret', r)
            except Exception as e:
                log(env, 'run-exc', simpy_scenarios.exc_info(e))
            if env.peek() == INF:
                break
        log(env, 'final', (
            [p.is_alive for p in procs],
            [p.value if p.triggered and p.ok else None for p in procs],
            [(e.triggered, e.processed) for e in events],
            res.count, len(res.queue), list(store.items)))

    return scenario


SEEDS = range(200)


@pytest.mark.parametrize('seed', SEEDS)
def test_random_program(seed, impl):
    prog = gen_program(seed)
    trace = compare('random program seed=%d %r' % (seed, prog), interpret(prog), impl)
    assert trace


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(seed=st.integers(min_value=10**6, max_value=2**40))
def test_random_program_hypothesis(impl, seed):
    prog = gen_program(seed)
    compare('hypothesis program seed=%d %r' % (seed, prog), interpret(prog), impl)


def test_random_programs_are_nontrivial():
    """The generator exercises the interesting paths on SimPy."""
    tags = set()
    lengths = []
    for seed in SEEDS:
        trace = record(REF, interpret(gen_program(seed)), [])
        lengths.append(len(trace))
        tags.update(t for _, t, _ in trace)
    for tag in ('to', 'waited', 'allof', 'anyof', 'int', 'res-got', 'put', 'get',
                'child-ret', 'joined', 'cb', 'run-exc', 'exc', 'defuse', 'until'):
        assert tag in tags, tag
    assert sum(lengths) / len(lengths) > 10


def test_diff_message_format():
    a = [(0, 'x', 1), (1, 'y', 2), (2, 'z', 3)]
    b = [(0, 'x', 1), (1.0, 'y', 2), (2, 'z', 4)]
    idx = first_diff(a, b)
    assert idx == 2
    msg = diff_message('demo', a, b, idx)
    assert 'index 2' in msg and "'z', 4" in msg
    assert first_diff(a, a[:2]) == 2 and first_diff(a, list(a)) is None
