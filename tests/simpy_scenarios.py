"""Deterministic scenarios written against the SimPy 4 public API.

Every ``scn_<name>(sim, log)`` function receives

* ``sim`` -- a namespace exposing the SimPy public names (``sim.Environment``,
  ``sim.Resource``, ``sim.Interrupt``, ``sim.URGENT`` ...), so the very same
  scenario can be executed on SimPy and on faassim;
* ``log(env, tag, value=None)`` -- appends ``(env.now, tag, value)`` to a trace.

Only implementation-neutral values are logged: numbers, strings, booleans,
``None`` and tuples/lists/dicts of those.  Simulation objects are mapped to
labels through :class:`Labels`, exceptions are logged as ``(type name, args)``
(or only the type name when the message is produced by the engine itself).

Each scenario drives the simulation itself through ``env.run(...)`` (and/or
``env.step()``).
"""

import random

INF = float('inf')


# ---------------------------------------------------------------- helpers
class Labels:
    """Identity based object -> label mapping (does not rely on hashing)."""

    def __init__(self):
        self._pairs = []

    def add(self, obj, name):
        self._pairs.append((obj, name))
        return obj

    def __call__(self, obj):
        if obj is None:
            return None
        for o, n in self._pairs:
            if o is obj:
                return n
        return '?'


def exc_info(e):
    """Type name and args of a user-created exception."""
    return (type(e).__name__, tuple(e.args))


def cv(value, L):
    """Implementation neutral description of a ConditionValue."""
    keys = [L(e) for e in value.keys()]
    return {
        'keys': keys,
        'iter': [L(e) for e in value],
        'values': list(value.values()),
        'items': [(L(e), v) for e, v in value.items()],
        'dict': sorted(((L(k), v) for k, v in value.todict().items()),
                       key=lambda kv: kv[0]),
        'eq_dict': value == value.todict(),
    }


def membership(value, L, events):
    return [(L(e), e in value) for e in events]


# ------------------------------------------------------- time & ordering
def scn_same_time_wakeups(sim, log):
    """Many processes waking at the same instants."""
    env = sim.Environment()

    def worker(name, d):
        log(env, 'start', name)
        yield env.timeout(d)
        log(env, 'wake', name)
        yield env.timeout(0)
        log(env, 'wake0', name)
        yield env.timeout(3 - d if d < 3 else 1)
        log(env, 'wake2', name)
        return name

    delays = [3, 1, 3, 2, 3, 0, 3, 1]
    for i, d in enumerate(delays):
        env.process(worker('w%d' % i, d))
    for i, d in reversed(list(enumerate(delays))):
        env.process(worker('r%d' % i, d))
    env.run()
    log(env, 'end')


def scn_same_time_creation_order(sim, log):
    """Same-time events created at different moments / in different orders."""
    env = sim.Environment()

    def waiter(name, ev):
        v = yield ev
        log(env, 'fired', (name, v))

    def creator(start, delay, name):
        yield env.timeout(start)
        t = env.timeout(delay, value=name)
        log(env, 'created', (name, start + delay))
        yield env.process(waiter(name, t))

    # all target t=5, created at t=0, 2, 4 and again at 0 in reversed order
    env.process(creator(4, 1, 'c4'))
    env.process(creator(2, 3, 'c2'))
    env.process(creator(0, 5, 'c0a'))
    env.process(creator(0, 5, 'c0b'))

    ev = env.event()

    def late_succeeder():
        yield env.timeout(5)
        log(env, 'succeed-now', None)
        ev.succeed('plain')
        t0 = env.timeout(0, 'zero')
        log(env, 'after-succeed', None)
        v = yield t0
        log(env, 'zero-fired', v)

    env.process(late_succeeder())
    env.process(waiter('plain-ev', ev))

    def direct_timeouts():
        ts = [env.timeout(d, value='d%d' % d) for d in (3, 1, 2, 1, 3, 0)]
        for i, t in enumerate(ts):
            t.callbacks.append(lambda e, i=i: log(env, 'cb', (i, e.value)))
        yield env.all_of(ts)
        log(env, 'direct-done', None)

    env.process(direct_timeouts())
    env.run()


class _TriggeredEvent:
    """Factory for an already-triggered event that is *not* yet scheduled.

    Uses the SimPy idiom for custom events (Timeout/Initialize do the same):
    a subclass that sets ``_ok``/``_value`` so that the event can be handed
    to ``env.schedule`` manually.
    """

    @staticmethod
    def make(sim, env, value):
        class Ready(sim.Event):
            def __init__(self, env, value):
                super().__init__(env)
                self._ok = True
                self._value = value
        return Ready(env, value)


def scn_schedule_priorities(sim, log):
    """URGENT vs NORMAL via env.schedule(ev, priority, delay), incl. run(until)."""
    env = sim.Environment()
    L = Labels()

    def waiter(name, ev):
        v = yield ev
        log(env, 'waiter', (name, v))

    specs = [('n0', sim.NORMAL, 0), ('u0', sim.URGENT, 0), ('n1', sim.NORMAL, 1),
             ('u1', sim.URGENT, 1), ('n1b', sim.NORMAL, 1), ('u1b', sim.URGENT, 1),
             ('u2', sim.URGENT, 2), ('n2', sim.NORMAL, 2), ('n3', sim.NORMAL, 3)]
    tmo = env.timeout(1, value='t1')
    tmo.callbacks.append(lambda e: log(env, 'cb', 't1'))
    for name, prio, d in specs:
        ev = _TriggeredEvent.make(sim, env, name)
        L.add(ev, name)
        ev.callbacks.append(lambda e, name=name: log(env, 'cb', name))
        env.schedule(ev, prio, d)
        env.process(waiter(name, ev))
    log(env, 'prio', (sim.URGENT < sim.NORMAL, sim.URGENT, sim.NORMAL))
    log(env, 'peek', env.peek())
    env.run(until=2)   # u2 (URGENT, scheduled earlier) is processed, n2 is not
    log(env, 'peek', env.peek())
    env.run()
    log(env, 'end', env.peek())


def scn_process_init_urgent(sim, log):
    """Process initialisation is URGENT: new processes start before NORMAL
    events of the same instant even if those were scheduled earlier."""
    env = sim.Environment()
    ev = env.event()

    def w():
        v = yield ev
        log(env, 'w-got', v)

    def child(n):
        log(env, 'child-start', n)
        yield env.timeout(0)
        log(env, 'child-t0', n)

    def starter():
        yield env.timeout(1)
        ev.succeed('x')
        t = env.timeout(0, 'T')
        env.process(child('c1'))
        env.process(child('c2'))
        log(env, 'starter-after-spawn', None)
        v = yield t
        log(env, 'starter-t0', v)
        env.process(child('c3'))
        yield env.timeout(0)
        log(env, 'starter-end', None)

    env.process(w())
    env.process(starter())
    env.run()


# ---------------------------------------------------------------- events
def scn_event_chain_trigger(sim, log):
    """succeed/fail/trigger chains, trigger used as callback, state flags."""
    env = sim.Environment()
    e1, e2, e3 = env.event(), env.event(), env.event()
    log(env, 'flags0', (e1.triggered, e1.processed))
    e1.callbacks.append(e2.trigger)

    def relay():
        v = yield e2
        log(env, 'relay', v)
        e3.succeed(v * 2)
        log(env, 'e3-flags', (e3.triggered, e3.processed, e3.ok, e3.value))

    def final():
        v = yield e3
        log(env, 'final', v)

    def kicker():
        yield env.timeout(2)
        r = e1.succeed(21)
        log(env, 'succeed-returns-self', r is e1)
        log(env, 'e1-flags', (e1.triggered, e1.processed, e1.value))
        yield env.timeout(0)
        log(env, 'e1-flags-later', (e1.triggered, e1.processed))

    f1, f2 = env.event(), env.event()
    f1.callbacks.append(f2.trigger)

    def defuse(e):
        log(env, 'defuse-f1', (e.ok, exc_info(e.value)))
        e.defused = True
    f1.callbacks.append(defuse)

    def fwait():
        try:
            yield f2
        except ValueError as exc:
            log(env, 'f2-caught', exc_info(exc))
        log(env, 'f2-state', (f2.ok, f2.defused, exc_info(f2.value)))

    def fkick():
        yield env.timeout(3)
        r = f1.fail(ValueError('chain', 7))
        log(env, 'fail-returns-self', r is f1)

    for g in (relay(), final(), kicker(), fwait(), fkick()):
        env.process(g)
    env.run()
    log(env, 'end', (f1.defused, f1.processed, e2.value, e3.value))


def scn_event_fail_caught(sim, log):
    """A process catches a failed event; the failure is defused by that."""
    env = sim.Environment()
    ev = env.event()
    other = env.event()

    def catcher():
        try:
            yield ev
        except KeyError as exc:
            log(env, 'caught', exc_info(exc))
            log(env, 'is-copy', (exc is not ev.value, exc.__cause__ is ev.value))
        log(env, 'ev-state', (ev.ok, ev.defused, ev.triggered, ev.processed))
        try:
            yield other
        except Exception as exc:
            log(env, 'caught2', exc_info(exc))
            return 'handled'

    def failer():
        yield env.timeout(1)
        ev.fail(KeyError('k1'))
        log(env, 'defused-before', ev.defused)
        yield env.timeout(1)
        other.fail(ZeroDivisionError('zd', 2))

    p = env.process(catcher())
    env.process(failer())
    env.run()
    log(env, 'proc', (p.ok, p.value))


def scn_user_callbacks_order(sim, log):
    """User callbacks vs. waiting processes: strictly list order."""
    env = sim.Environment()
    ev = env.event()

    def p(name):
        log(env, 'wait', name)
        v = yield ev
        log(env, 'resumed', (name, v))
        yield env.timeout(0)
        log(env, 'after0', name)

    def cb(name):
        def _cb(e):
            log(env, 'cb', (name, e.value, e.triggered, e.processed,
                            env.active_process is None))
        return _cb

    env.process(p('A'))

    def setup():
        yield env.timeout(1)
        ev.callbacks.append(cb('cb1'))
        env.process(p('B'))           # registers at its (later) initialisation
        ev.callbacks.append(cb('cb2'))  # therefore before B
        yield env.timeout(1)
        ev.callbacks.append(cb('cb3'))
        ev.succeed('V')
        ev.callbacks.append(cb('cb4'))  # still allowed: not yet processed
        log(env, 'succeeded', (ev.triggered, ev.processed))

    env.process(setup())
    t = env.timeout(3, value='T3')
    t.callbacks.append(cb('t-cb'))

    def tw():
        v = yield t
        log(env, 'tw', v)
    env.process(tw())
    proc = env.process(p('C'))
    proc.callbacks.append(lambda e: log(env, 'proc-cb', (e.ok, e.value)))
    env.run()
    log(env, 'final', (ev.processed, t.processed, proc.processed))


def scn_callback_raises(sim, log):
    """An exception in a callback propagates out of run; later callbacks lost."""
    env = sim.Environment()
    ev = env.event()
    ev.callbacks.append(lambda e: log(env, 'cb1', e.value))

    def bad(e):
        raise LookupError('boom', 1)
    ev.callbacks.append(bad)

    def w():
        v = yield ev
        log(env, 'never', v)

    wp = env.process(w())
    ev.callbacks.append(lambda e: log(env, 'cb3-never', None))

    def trig():
        yield env.timeout(1)
        ev.succeed(5)
        yield env.timeout(1)
        log(env, 'trig-alive', None)

    env.process(trig())
    try:
        env.run()
    except LookupError as exc:
        log(env, 'run-raised', exc_info(exc))
    log(env, 'state', (wp.is_alive, ev.processed))
    env.run()
    log(env, 'done', (wp.is_alive, env.peek()))


# ------------------------------------------------------------- processes
def scn_process_return_values(sim, log):
    """Processes waiting on processes, return values, multiple waiters."""
    env = sim.Environment()

    def leaf(n, d):
        yield env.timeout(d)
        return n * 10

    def mid(n):
        a = yield env.process(leaf(n, 1))
        b = yield env.process(leaf(n + 1, 2))
        return (a, b)

    def noreturn():
        yield env.timeout(1)

    def immediate():
        return 7
        yield  # pragma: no cover

    def top():
        r = yield env.process(mid(1))
        log(env, 'mid1', r)
        p = env.process(mid(5))
        log(env, 'p-flags', (p.is_alive, p.triggered, p.processed))
        r2 = yield p
        log(env, 'mid5', (r2, p.value, p.ok, p.is_alive, p.triggered))
        r3 = yield env.process(noreturn())
        log(env, 'noreturn', r3)
        q = env.process(immediate())
        r4 = yield q
        log(env, 'immediate', r4)
        yield env.timeout(5)
        r5 = yield p            # long processed process
        log(env, 'again', r5)
        return 'top-done'

    tp = env.process(top())

    def second_waiter():
        v = yield tp
        log(env, 'second-waiter', v)

    def third_waiter():
        yield env.timeout(2)
        v = yield tp
        log(env, 'third-waiter', v)

    env.process(second_waiter())
    env.process(third_waiter())
    env.run()
    log(env, 'tp', (tp.value, tp.is_alive))


def scn_yield_processed_event(sim, log):
    """Yielding processed events continues synchronously; triggered but not
    yet processed events still need to be processed."""
    env = sim.Environment()
    ev = env.event()
    ev.succeed('v')
    f = env.event()

    def first_handler():
        try:
            yield f
        except ValueError as exc:
            log(env, 'f-first', exc_info(exc))

    def a():
        yield env.timeout(1)
        log(env, 'a-yields-processed', ev.processed)
        v = yield ev
        log(env, 'a-got', v)
        v2 = yield ev
        log(env, 'a-got-again', v2)
        e2 = env.event()
        e2.succeed('e2')
        log(env, 'a-e2', (e2.triggered, e2.processed))
        v3 = yield e2
        log(env, 'a-e2-got', v3)
        try:
            yield f           # processed and failed
        except ValueError as exc:
            log(env, 'a-f', exc_info(exc))
        t = env.timeout(0, 't0')
        yield env.timeout(0)
        v4 = yield t
        log(env, 'a-t-processed', (v4, t.processed))

    def b():
        yield env.timeout(1)
        log(env, 'b-at-1', None)
        yield env.timeout(0)
        log(env, 'b-at-1-again', None)

    env.process(first_handler())
    env.process(a())
    env.process(b())
    f.fail(ValueError('pre-failed'))
    env.run()


def scn_process_failure_propagation(sim, log):
    """Failures propagate through waiting processes and out of env.run."""
    env = sim.Environment()

    def child():
        yield env.timeout(1)
        raise ValueError('child-bad', 3)

    def parent():
        c = env.process(child())
        try:
            yield c
        except ValueError as exc:
            log(env, 'parent-caught', exc_info(exc))
            log(env, 'child-state', (c.ok, c.is_alive, exc_info(c.value)))
            return 'ok'

    def second_catcher(p):
        try:
            yield p
        except ValueError as exc:
            log(env, 'second-caught', exc_info(exc))

    def orphan():
        yield env.timeout(2)
        raise KeyError('orphan', 'x')

    def reraiser():
        c = env.process(child())
        try:
            yield c
        except ValueError as exc:
            log(env, 'reraiser-caught', exc_info(exc))
            raise RuntimeError('wrapped', exc.args[0])

    def watcher():
        for _ in range(4):
            yield env.timeout(1.5)
            log(env, 'watcher', None)

    pp = env.process(parent())
    c2 = env.process(child())
    env.process(second_catcher(c2))
    env.process(second_catcher(c2))
    env.process(orphan())
    env.process(watcher())
    for _ in range(5):
        try:
            env.run()
            log(env, 'run-finished', None)
            break
        except (KeyError, ValueError) as exc:
            log(env, 'run-raised', exc_info(exc))
    env.process(reraiser())
    try:
        env.run()
    except RuntimeError as exc:
        log(env, 'run-raised', exc_info(exc))
    env.run()
    log(env, 'end', (pp.value, pp.ok))


def scn_defused_failure(sim, log):
    """Defusing in a callback prevents the crash; undefused failures crash."""
    env = sim.Environment()
    ev = env.event()

    def defuser(e):
        log(env, 'defusing', (e.ok, exc_info(e.value), e.defused))
        e.defused = True

    ev.callbacks.append(defuser)

    def failer():
        yield env.timeout(1)
        ev.fail(ValueError('quiet'))
        log(env, 'defused-before-processing', ev.defused)
        yield env.timeout(1)
        log(env, 'defused-after', ev.defused)
        loud = env.event()
        loud.fail(ValueError('loud', 1))
        yield env.timeout(1)
        log(env, 'after-loud', None)
        t = env.timeout(1)
        t.callbacks.append(lambda e: log(env, 'timeout-cb', e.defused))

    def bystander():
        for _ in range(4):
            yield env.timeout(1)
            log(env, 'bystander', None)

    env.process(failer())
    env.process(bystander())
    try:
        env.run()
    except ValueError as exc:
        log(env, 'run-raised', exc_info(exc))
    env.run()
    log(env, 'end', ev.defused)


# ------------------------------------------------------------ interrupts
def scn_interrupt_timeout(sim, log):
    """Interrupt with causes while waiting on a timeout; keep waiting on it."""
    env = sim.Environment()

    def sleeper():
        t = env.timeout(10, value='done')
        while True:
            try:
                v = yield t
                log(env, 'slept', (v, t.processed))
                break
            except sim.Interrupt as i:
                log(env, 'interrupted', (i.cause, exc_info(i), t.processed))
        try:
            yield env.timeout(5)
        except sim.Interrupt as i:
            log(env, 'interrupted-late', i.cause)
            return 'int-ret'

    def interrupter(p):
        yield env.timeout(3)
        p.interrupt('wake')
        log(env, 'after-interrupt-call', p.is_alive)
        yield env.timeout(2)
        p.interrupt(('tuple', 1))
        yield env.timeout(1)
        p.interrupt()
        yield env.timeout(5)   # t=11
        p.interrupt(42)
        v = yield p
        log(env, 'sleeper-ret', v)

    def passive():
        yield env.timeout(100)

    def killer(victim):
        yield env.timeout(4)
        victim.interrupt('fatal')

    p = env.process(sleeper())
    env.process(interrupter(p))
    victim = env.process(passive())
    env.process(killer(victim))
    try:
        env.run()
    except sim.Interrupt as exc:
        log(env, 'run-raised', (type(exc).__name__, exc.args, exc.cause))
    env.run()
    log(env, 'end', (victim.ok, victim.is_alive))


def scn_interrupt_resource_with(sim, log):
    """Interrupt while waiting on a Resource request inside ``with``."""
    env = sim.Environment()
    res = sim.Resource(env, capacity=1)
    L = Labels()

    def state():
        return (res.count, len(res.queue), [L(u) for u in res.users],
                [L(q) for q in res.queue])

    def user(name, hold):
        with res.request() as req:
            L.add(req, name)
            yield req
            log(env, 'acq', (name,) + state())
            yield env.timeout(hold)
        log(env, 'rel', (name,) + state())

    def impatient(name):
        with res.request() as req:
            L.add(req, name)
            try:
                yield req
                log(env, 'impatient-acq', name)
                yield env.timeout(1)
            except sim.Interrupt as i:
                log(env, 'impatient-int', (name, i.cause, req.triggered) + state())
        log(env, 'after-with', (name,) + state())

    env.process(user('u1', 5))
    i1 = env.process(impatient('i1'))
    env.process(user('u2', 2))
    i2 = env.process(impatient('i2'))

    def boss():
        yield env.timeout(2)
        i1.interrupt('give up')
        yield env.timeout(4)
        # u1 holds 0..5, u2 holds 5..7.  This timeout is created after u2's,
        # and the timeout(0) below after u2's Release event: by then i2's
        # request has been granted (triggered) but not yet processed.
        yield env.timeout(1)
        log(env, 'boss-7', state())
        yield env.timeout(0)
        log(env, 'boss-7b', state())
        i2.interrupt('race')

    env.process(boss())
    env.process(user('u3', 1))
    env.run()
    log(env, 'end', state())


def scn_interrupt_resource_cancel(sim, log):
    """Explicit req.cancel() after an interrupt, and a leaked request."""
    env = sim.Environment()
    res = sim.Resource(env, capacity=1)
    L = Labels()

    def st():
        return (res.count, [L(u) for u in res.users], [L(q) for q in res.queue])

    def holder():
        req = L.add(res.request(), 'holder')
        yield req
        yield env.timeout(4)
        rel = res.release(req)
        log(env, 'released', (rel.triggered,) + st())
        yield rel
        log(env, 'release-processed', st())

    def canceller():
        req = L.add(res.request(), 'canceller')
        try:
            yield req
        except sim.Interrupt as i:
            req.cancel()
            log(env, 'cancelled', (i.cause,) + st())
            try:
                req.cancel()   # NOT idempotent in SimPy: list.remove fails
            except ValueError as exc:
                log(env, 'cancel-twice', type(exc).__name__)
            log(env, 'after-cancel-twice', st())

    def leaker():
        req = L.add(res.request(), 'leaker')
        try:
            yield req
        except sim.Interrupt as i:
            log(env, 'leaked', (i.cause, req.triggered) + st())
        yield env.timeout(10)
        log(env, 'leaker-late', (req.triggered, req.processed) + st())

    def late():
        yield env.timeout(6)
        req = L.add(res.request(), 'late')
        log(env, 'late-req', st())
        yield req | env.timeout(3)
        log(env, 'late-gave-up', (req.triggered,) + st())
        req.cancel()
        log(env, 'late-cancel', st())

    env.process(holder())
    c = env.process(canceller())
    lk = env.process(leaker())

    def boss():
        yield env.timeout(1)
        c.interrupt('c')
        lk.interrupt('l')
        yield env.timeout(0)
        log(env, 'boss', st())

    env.process(boss())
    env.process(late())
    env.run()
    log(env, 'end', st())


def scn_interrupt_not_started(sim, log):
    """Interrupting a process before it started / after it finished."""
    env = sim.Environment()

    def proc():
        log(env, 'proc-started', None)
        try:
            yield env.timeout(5)
        except sim.Interrupt as i:
            log(env, 'proc-int', i.cause)
        return 'p'

    def quick():
        log(env, 'quick-ran', None)
        return 'q'
        yield  # pragma: no cover

    def main():
        p = env.process(proc())
        p.interrupt('early')
        log(env, 'interrupt-issued', p.is_alive)
        q = env.process(quick())
        q.interrupt('too-late')       # q still alive (not started yet)
        log(env, 'q-alive', q.is_alive)
        yield env.timeout(1)
        log(env, 'results', (p.value, q.value, q.ok))

    top = env.process(proc())
    top.interrupt('before-run')      # issued outside of any process
    env.process(main())
    env.run()


def scn_double_interrupt(sim, log):
    """Two interrupts at the same time; the second is ignored if the process
    died handling the first one."""
    env = sim.Environment()

    def victim():
        try:
            yield env.timeout(10)
        except sim.Interrupt as i:
            log(env, 'v-first', i.cause)
        t = env.timeout(3)
        for n in range(5):
            try:
                yield t
                log(env, 'v-timeout', n)
                break
            except sim.Interrupt as i:
                log(env, 'v-next', (n, i.cause))
        yield env.timeout(1)
        log(env, 'v-done', None)

    def fragile():
        try:
            yield env.timeout(10)
        except sim.Interrupt as i:
            log(env, 'f-int', i.cause)
            return 'died'

    def handler_keeps_waiting():
        t = env.timeout(4, 'T')
        n = 0
        while True:
            try:
                v = yield t
                log(env, 'k-done', (v, n))
                return n
            except sim.Interrupt as i:
                n += 1
                log(env, 'k-int', (i.cause, n))

    v = env.process(victim())
    f = env.process(fragile())
    k = env.process(handler_keeps_waiting())

    def attacker(tag):
        yield env.timeout(2)
        v.interrupt(tag + '-a')
        v.interrupt(tag + '-b')
        if f.is_alive:
            f.interrupt(tag + '-x')
        f.interrupt(tag + '-y') if f.is_alive else log(env, 'f-dead', tag)
        k.interrupt(tag)
        log(env, 'alive', (v.is_alive, f.is_alive, k.is_alive))

    env.process(attacker('A'))
    env.process(attacker('B'))
    env.run()
    log(env, 'end', (f.value, k.value))


def scn_interrupt_errors(sim, log):
    """Interrupting terminated processes and self-interrupts raise."""
    env = sim.Environment()

    def short():
        yield env.timeout(1)
        return 1

    p = env.process(short())

    def selfish():
        yield env.timeout(1)
        try:
            env.active_process.interrupt('me')
        except RuntimeError as exc:
            log(env, 'self-interrupt', type(exc).__name__)
        yield env.timeout(0)
        log(env, 'selfish-continues', None)

    def same_instant():
        yield env.timeout(1)   # after short's timeout: short already returned
        log(env, 'p-state', (p.is_alive, p.triggered, p.processed))
        try:
            p.interrupt('late')
        except RuntimeError as exc:
            log(env, 'interrupt-terminated', type(exc).__name__)

    def later():
        yield env.timeout(2)
        try:
            p.interrupt()
        except RuntimeError as exc:
            log(env, 'interrupt-dead', type(exc).__name__)

    env.process(selfish())
    env.process(same_instant())
    env.process(later())
    env.run()
    log(env, 'end', p.value)


def scn_interrupt_waiting_on_condition_or_process(sim, log):
    """Interrupt a process waiting on a condition / on another process."""
    env = sim.Environment()
    a = env.timeout(3, 'a')
    b = env.timeout(5, 'b')
    cond = a & b
    L = Labels()
    L.add(a, 'a')
    L.add(b, 'b')

    def cond_waiter(name):
        try:
            v = yield cond
            log(env, 'cond-ok', (name, cv(v, L)))
        except sim.Interrupt as i:
            log(env, 'cond-int', (name, i.cause, cond.triggered))
            v = yield cond
            log(env, 'cond-ok-after-int', (name, cv(v, L)))

    def worker():
        yield env.timeout(6)
        return 'w'

    wk = env.process(worker())

    def joiner():
        try:
            v = yield wk
            log(env, 'joined', v)
        except sim.Interrupt as i:
            log(env, 'join-int', i.cause)
            yield env.timeout(10)
            log(env, 'join-later', (wk.value, wk.processed))

    c1 = env.process(cond_waiter('c1'))
    env.process(cond_waiter('c2'))
    j = env.process(joiner())

    def boss():
        yield env.timeout(4)
        c1.interrupt('x')
        j.interrupt('y')

    env.process(boss())
    env.run()


# ------------------------------------------------------------ conditions
def scn_condition_nested(sim, log):
    """Nested conditions and their flattened values."""
    env = sim.Environment()
    L = Labels()

    def t(d, name):
        return L.add(env.timeout(d, value=name), name)

    a, b, c = t(1, 'a'), t(2, 'b'), t(3, 'c')
    d, e, f = t(2, 'd'), t(1, 'e'), t(5, 'f')
    g, h, i = t(1, 'g'), t(6, 'h'), t(2, 'i')
    x, y, z = t(4, 'x'), t(4, 'y'), t(4, 'z')

    def w(name, cond, evs):
        L.add(cond, name)
        v = yield cond
        log(env, name, (cv(v, L), membership(v, L, evs)))

    env.process(w('ab_or_c', (a & b) | c, [a, b, c]))
    env.process(w('de_and_f', (d | e) & f, [d, e, f]))
    env.process(w('gh_or_i', (g & h) | i, [g, h, i]))   # g in value too
    env.process(w('abc_chain', a & b & c, [a, b, c]))
    env.process(w('nested_api', sim.AllOf(env, [sim.AnyOf(env, [x, h]), z, y]),
                  [x, y, z, h]))
    env.process(w('or_chain', x | y | z, [x, y, z]))
    env.run()


def scn_condition_processed_events(sim, log):
    """Conditions over already processed events, empty conditions."""
    env = sim.Environment()
    L = Labels()
    e1 = L.add(env.event(), 'e1')
    e1.succeed('one')
    t1 = L.add(env.timeout(1, 'T1'), 't1')

    def proc():
        yield env.timeout(2)
        log(env, 'processed', (e1.processed, t1.processed))
        c1 = env.all_of([e1, t1])
        log(env, 'c1-flags', (c1.triggered, c1.processed))
        v = yield c1
        log(env, 'c1', cv(v, L))
        t3 = L.add(env.timeout(3, 'T3'), 't3')
        v = yield env.any_of([t3, e1])
        log(env, 'c2', cv(v, L))
        v = yield env.all_of([t1, t3])
        log(env, 'c3', cv(v, L))
        empty_all = env.all_of([])
        empty_any = sim.AnyOf(env, [])
        log(env, 'empty-flags', (empty_all.triggered, empty_any.triggered,
                                 empty_all.processed))
        v = yield empty_all
        log(env, 'empty-all', cv(v, L))
        v = yield empty_any
        log(env, 'empty-any', cv(v, L))
        v = yield sim.AllOf(env, [])
        log(env, 'empty-all-2', (cv(v, L), v == {}))

    env.process(proc())
    env.run()


def scn_condition_failure(sim, log):
    """Conditions with failing events."""
    env = sim.Environment()
    L = Labels()
    good = L.add(env.timeout(1, 'good'), 'good')
    bad = L.add(env.event(), 'bad')

    def failer():
        yield env.timeout(2)
        bad.fail(ValueError('cond-bad', 2))

    def w_all():
        try:
            v = yield sim.AllOf(env, [good, bad, env.timeout(5)])
            log(env, 'all-ok?', cv(v, L))
        except ValueError as exc:
            log(env, 'all-failed', (exc_info(exc), bad.defused))

    def w_any():
        try:
            yield sim.AnyOf(env, [bad, env.timeout(10)])
        except ValueError as exc:
            log(env, 'any-failed', exc_info(exc))

    def w_after():
        yield env.timeout(3)
        try:
            yield good & bad          # bad already processed & failed
        except ValueError as exc:
            log(env, 'after-failed', exc_info(exc))

    env.process(failer())
    env.process(w_all())
    env.process(w_any())
    env.process(w_after())
    env.run()

    # A condition that already succeeded does not defuse a later failure of
    # one of its events -> the failure crashes env.run().
    t1 = L.add(env.timeout(1, 't1'), 't1')
    late_bad = L.add(env.event(), 'late_bad')

    def racer():
        v = yield t1 | late_bad
        log(env, 'race-won', cv(v, L))

    def late_failer():
        yield env.timeout(1)
        late_bad.fail(KeyError('late'))

    env.process(racer())
    env.process(late_failer())
    try:
        env.run()
    except KeyError as exc:
        log(env, 'run-raised', exc_info(exc))
    env.run()
    log(env, 'end', late_bad.defused)


def scn_condition_same_time(sim, log):
    """Several events firing at the same time: ConditionValue contents."""
    env = sim.Environment()
    L = Labels()
    a = L.add(env.timeout(2, 'A'), 'a')
    b = L.add(env.timeout(2, 'B'), 'b')
    c = L.add(env.timeout(2, 'C'), 'c')
    d = L.add(env.timeout(3, 'D'), 'd')
    e = L.add(env.event(), 'e')

    def p1():
        v = yield a | b
        log(env, 'a|b', (cv(v, L), v[a], v[b]))

    def p2():
        v = yield sim.AnyOf(env, [c, b, a])     # order of the condition
        log(env, 'any(c,b,a)', cv(v, L))
        try:
            v[d]
        except KeyError as exc:
            log(env, 'missing-key', type(exc).__name__)

    def p3():
        v = yield sim.AnyOf(env, [d, a])
        log(env, 'any(d,a)', (cv(v, L), membership(v, L, [a, d])))

    def p4():
        yield env.timeout(1)
        cnd = b | e
        v = yield cnd
        log(env, 'b|e', cv(v, L))

    def p5():
        v = yield sim.AllOf(env, [d, c, a, b])
        log(env, 'all', cv(v, L))

    def p6():
        yield env.timeout(2)     # created earlier than the condition below
        e.succeed('E')
        v = yield e | L.add(env.timeout(0, 'zero'), 'zero')
        log(env, 'e|zero', cv(v, L))

    for g in (p1(), p2(), p3(), p4(), p5(), p6()):
        env.process(g)
    env.run()


def scn_condition_custom_evaluate(sim, log):
    """sim.Condition with a custom evaluate function and the static helpers."""
    env = sim.Environment()
    L = Labels()
    ts = [L.add(env.timeout(d, 'v%d' % d), 't%d' % d) for d in (4, 1, 3, 2)]

    def at_least_two(events, count):
        return count >= 2

    def w(name, cond):
        v = yield cond
        log(env, name, cv(v, L))

    env.process(w('two', sim.Condition(env, at_least_two, ts)))
    env.process(w('all', sim.Condition(env, sim.Condition.all_events, ts)))
    env.process(w('any', sim.Condition(env, sim.Condition.any_events, ts)))
    env.process(w('isinst', sim.AllOf(env, ts[:2])))
    c = sim.AnyOf(env, ts[2:])
    log(env, 'isinstance', (isinstance(c, sim.Condition), isinstance(c, sim.Event)))
    env.run()


# -------------------------------------------------------------- run/step
def scn_run_until_numbers(sim, log):
    """run(until=number) several times; events exactly at ``until``."""
    env = sim.Environment()

    def ticker():
        i = 0
        while True:
            yield env.timeout(1)
            log(env, 'tick', i)
            i += 1

    def halves():
        while True:
            yield env.timeout(0.5)
            log(env, 'half', None)

    env.process(ticker())
    r = env.run(until=5)
    log(env, 'ret', (r, env.now, env.peek()))
    env.process(halves())
    env.run(until=7)
    log(env, 'peek', env.peek())
    env.run(until=8.25)
    log(env, 'now', env.now)
    env.run(until=9)
    for until in (3, 9, 8.5):
        try:
            env.run(until=until)
        except ValueError as exc:
            log(env, 'bad-until', (until, type(exc).__name__))
    env.run(until=10)
    log(env, 'end', env.now)


def scn_run_until_event(sim, log):
    """run(until=event) returns its value; processes; failures; never."""
    env = sim.Environment()
    ev = env.event()

    def setter():
        yield env.timeout(3)
        ev.succeed('hello')
        yield env.timeout(1)

    def bg():
        for _ in range(3):
            yield env.timeout(2)
            log(env, 'bg', None)

    env.process(setter())
    env.process(bg())
    r = env.run(until=ev)
    log(env, 'ret1', (r, ev.processed))
    r = env.run(until=ev)           # already processed: immediate
    log(env, 'ret2', r)

    def worker():
        yield env.timeout(2)
        return {'w': 1}

    p = env.process(worker())
    r = env.run(until=p)
    log(env, 'ret-proc', r)

    f = env.event()

    def failer():
        yield env.timeout(1)
        f.fail(ValueError('until-failed', 9))

    env.process(failer())
    try:
        env.run(until=f)
    except ValueError as exc:
        log(env, 'until-failed', exc_info(exc))
    r = env.run(until=f)            # processed failed event: returned
    log(env, 'until-failed-again', exc_info(r))
    never = env.event()
    try:
        env.run(until=never)
    except RuntimeError as exc:
        log(env, 'never', type(exc).__name__)
    env.run()
    log(env, 'end', env.peek())


def scn_run_until_stop_reschedule(sim, log):
    """Callbacks registered on the until-event during the run are executed
    only in the next run() call (before anything else)."""
    env = sim.Environment()
    ev = env.event()

    def early_waiter():
        v = yield ev
        log(env, 'early', v)

    def late_waiter():
        yield env.timeout(1)
        v = yield ev
        log(env, 'late', v)

    def setter():
        yield env.timeout(2)
        ev.succeed('E')
        log(env, 'set', None)

    def other():
        yield env.timeout(2)
        log(env, 'other', None)
        yield env.timeout(0)
        log(env, 'other0', None)

    env.process(early_waiter())
    env.run(until=0.5)
    env.process(setter())
    env.process(late_waiter())
    env.process(other())
    r = env.run(until=ev)
    log(env, 'ret', (r, env.peek()))
    env.run(until=3)
    log(env, 'end', env.peek())


def scn_run_until_aborted(sim, log):
    """run(until=n) aborted by an exception: the state after the abort and a
    later run to the end. (What becomes of the aborted run's stop request is
    a deliberate difference: SimPy stops a later run at n, faassim does not;
    tests/test_engine_errors.py checks faassim's.)"""
    env = sim.Environment()

    def crasher():
        yield env.timeout(2)
        raise KeyError('crash', 2)

    def ticker():
        for _ in range(8):
            yield env.timeout(1)
            log(env, 'tick', None)

    env.process(crasher())
    env.process(ticker())
    try:
        env.run(until=5)
    except KeyError as exc:
        log(env, 'aborted', exc_info(exc))
    log(env, 'after-abort', (env.now, env.peek()))
    env.step()
    env.step()
    log(env, 'stepped', (env.now, env.peek()))


def scn_step_peek(sim, log):
    """Manual step()/peek() loop including EmptySchedule."""
    env = sim.Environment()
    log(env, 'peek-empty', env.peek())
    try:
        env.step()
    except sim.EmptySchedule as exc:
        log(env, 'empty', type(exc).__name__)

    def p(name, delays):
        for d in delays:
            yield env.timeout(d)
            log(env, 'p', name)

    env.process(p('a', [1, 0, 2]))
    env.process(p('b', [1, 1, 0.5]))
    e = env.event()
    e.callbacks.append(lambda ev: log(env, 'e-cb', ev.value))
    e.succeed('e')
    n = 0
    while env.peek() < INF:
        log(env, 'peek', (n, env.peek()))
        env.step()
        n += 1
    log(env, 'steps', n)
    try:
        env.step()
    except sim.EmptySchedule:
        log(env, 'empty-again', env.peek())
    env.run()
    log(env, 'end', env.now)


def scn_timeout_values(sim, log):
    """Timeout values, float delays, flags before processing."""
    env = sim.Environment()

    def p():
        t = env.timeout(2, value=('x', 1))
        log(env, 'flags', (t.triggered, t.processed, t.ok, t.value))
        v = yield t
        log(env, 'v', v)
        for d in (0.1, 0.2, 0.3, 1e-9, 0):
            v = yield env.timeout(d, value=d)
            log(env, 'float', v)
        v = yield sim.Timeout(env, 1.5, 'direct')
        log(env, 'direct', v)
        v = yield env.timeout(delay=1)
        log(env, 'none', v)

    env.process(p())
    env.run()


def scn_initial_time(sim, log):
    """Environment(initial_time=...)."""
    env = sim.Environment(initial_time=10)
    log(env, 'start', env.now)

    def p():
        yield env.timeout(1)
        log(env, 'p', None)
        yield env.timeout(2.5)
        log(env, 'p2', None)

    env.process(p())
    try:
        env.run(until=5)
    except ValueError as exc:
        log(env, 'past', type(exc).__name__)
    env.run(until=11.5)
    env.run()
    env2 = sim.Environment(2.5)
    log(env2, 'env2', env2.now)
    env2.process(_simple(env2, log))
    env2.run(until=4)
    log(env2, 'env2-end', env2.now)


def _simple(env, log):
    yield env.timeout(1)
    log(env, 'simple', None)


# ------------------------------------------------------------- resources
def scn_resource_cap1(sim, log):
    """Resource(capacity=1): queue, users and count over time."""
    env = sim.Environment()
    res = sim.Resource(env)
    L = Labels()

    def st():
        return (res.count, len(res.queue), [L(u) for u in res.users],
                [L(q) for q in res.queue], len(res.put_queue), len(res.get_queue))

    def cust(name, arrive, hold):
        yield env.timeout(arrive)
        log(env, 'arrive', (name,) + st())
        with res.request() as req:
            L.add(req, name)
            log(env, 'requested', (name, req.triggered) + st())
            yield req
            log(env, 'got', (name, req.usage_since) + st())
            yield env.timeout(hold)
        log(env, 'left', (name,) + st())

    def monitor():
        for _ in range(12):
            log(env, 'mon', st())
            yield env.timeout(1)

    log(env, 'cap', res.capacity)
    for spec in [('a', 0, 3), ('b', 0, 2), ('c', 1, 1), ('d', 1, 4), ('e', 3, 0),
                 ('f', 7, 1)]:
        env.process(cust(*spec))
    env.process(monitor())
    env.run()


def scn_resource_cap3(sim, log):
    """Resource(capacity=3) with explicit (yielded and non-yielded) releases."""
    env = sim.Environment()
    res = sim.Resource(env, 3)
    L = Labels()

    def st():
        return (res.count, [L(u) for u in res.users], [L(q) for q in res.queue])

    def explicit(name, hold, wait_release):
        req = L.add(res.request(), name)
        yield req
        log(env, 'got', (name,) + st())
        yield env.timeout(hold)
        rel = res.release(req)
        log(env, 'release', (name, rel.triggered) + st())
        if wait_release:
            yield rel
            log(env, 'release-done', (name,) + st())
        else:
            yield env.timeout(0)
            log(env, 'after0', (name,) + st())

    def bogus_release():
        yield env.timeout(1)
        other = sim.Resource(env, 1)
        r = other.request()
        rel = res.release(r)           # not a user of res: no-op
        yield rel
        log(env, 'bogus', st())

    for i, (hold, wr) in enumerate([(2, True), (2, False), (3, True), (1, False),
                                    (1, True), (2, False), (0, True), (4, False)]):
        env.process(explicit('x%d' % i, hold, wr))
    env.process(bogus_release())
    env.run()
    log(env, 'end', st())


def scn_priority_resource(sim, log):
    """PriorityResource ordering incl. equal priorities and request times."""
    env = sim.Environment()
    res = sim.PriorityResource(env, capacity=1)
    L = Labels()

    def st():
        return ([L(u) for u in res.users], [L(q) for q in res.queue])

    def job(name, arrive, prio, hold):
        yield env.timeout(arrive)
        with res.request(priority=prio) as req:
            L.add(req, name)
            log(env, 'req', (name, req.priority, req.key) + st())
            yield req
            log(env, 'got', (name,) + st())
            yield env.timeout(hold)

    specs = [('h', 0, 5, 3), ('p3', 1, 3, 1), ('p1a', 1, 1, 1), ('p2', 1, 2, 1),
             ('p1b', 1, 1, 1), ('p3b', 2, 3, 1), ('p0', 2, 0, 1), ('p1c', 2, 1, 1),
             ('neg', 2, -1, 1), ('p1d', 4, 1, 1)]
    for s in specs:
        env.process(job(*s))
    env.run()


def scn_preemptive_resource(sim, log):
    """PreemptiveResource: preemption, Preempted cause, preempt=False."""
    env = sim.Environment()
    res = sim.PreemptiveResource(env, capacity=1)
    L = Labels()

    def st():
        return ([L(u) for u in res.users], [L(q) for q in res.queue])

    def job(name, arrive, prio, hold, preempt=True):
        yield env.timeout(arrive)
        with res.request(priority=prio, preempt=preempt) as req:
            L.add(req, name)
            log(env, 'req', (name, req.key) + st())
            try:
                yield req
                log(env, 'got', (name, req.usage_since) + st())
                yield env.timeout(hold)
                log(env, 'done', (name,) + st())
            except sim.Interrupt as i:
                c = i.cause
                log(env, 'preempted', (name, isinstance(c, sim.Preempted),
                                       L(c.by), c.by.name, c.usage_since,
                                       c.resource is res) + st())
        log(env, 'out', (name,) + st())

    specs = [('low', 0, 5, 10, True), ('mid', 2, 3, 10, True),
             ('high-np', 3, 0, 2, False), ('eq-mid', 4, 3, 1, True),
             ('top', 5, -1, 1, True), ('low2', 6, 5, 1, True)]
    for name, arrive, prio, hold, pre in specs:
        L.add(env.process(job(name, arrive, prio, hold, pre)), 'proc-' + name)
    env.run()

    # capacity 2: the "worst" user (max key) is the one preempted
    env2 = sim.Environment()
    res2 = sim.PreemptiveResource(env2, capacity=2)
    L2 = Labels()

    def job2(name, arrive, prio, hold):
        yield env2.timeout(arrive)
        req = L2.add(res2.request(priority=prio), name)
        try:
            yield req
            log(env2, 'got2', (name, [L2(u) for u in res2.users]))
            yield env2.timeout(hold)
            res2.release(req)
            log(env2, 'rel2', name)
        except sim.Interrupt as i:
            log(env2, 'pre2', (name, L2(i.cause.by), i.cause.usage_since))

    for s in [('a', 0, 2, 5), ('b', 1, 1, 5), ('c', 2, 0, 5), ('d', 2, 0, 1),
              ('e', 3, 1, 1)]:
        L2.add(env2.process(job2(*s)), 'proc-' + s[0])
    env2.run()


def scn_store_fifo_capacity(sim, log):
    """Store: FIFO gets, blocking puts with capacity, cancelled get/put."""
    env = sim.Environment()
    store = sim.Store(env, capacity=2)

    def st():
        return (list(store.items), len(store.put_queue), len(store.get_queue))

    def producer():
        for i in range(6):
            log(env, 'put', (i,) + st())
            ev = store.put('item%d' % i)
            log(env, 'put-triggered', (i, ev.triggered))
            yield ev
            log(env, 'put-done', (i,) + st())
            if i % 2:
                yield env.timeout(1)

    def consumer(name, rate, n):
        for _ in range(n):
            item = yield store.get()
            log(env, 'got', (name, item) + st())
            yield env.timeout(rate)

    def impatient_getter():
        yield env.timeout(20)
        with store.get() as g:
            res = yield g | env.timeout(1)
            log(env, 'impatient', (g in res, g.triggered) + st())
        log(env, 'impatient-after', st())

    def impatient_putter():
        yield env.timeout(22)
        for x in ('fill1', 'fill2'):
            yield store.put(x)
        with store.put('overflow') as p:
            yield p | env.timeout(1)
            log(env, 'put-gave-up', (p.triggered,) + st())
        log(env, 'putter-after', st())

    env.process(consumer('c1', 3, 3))
    env.process(producer())
    env.process(consumer('c2', 2, 3))
    env.process(impatient_getter())
    env.process(impatient_putter())
    log(env, 'cap', (store.capacity, sim.Store(env).capacity))
    env.run()


def scn_filter_store(sim, log):
    """FilterStore: filters that match nothing, then something later."""
    env = sim.Environment()
    fs = sim.FilterStore(env)

    def st():
        return (list(fs.items), len(fs.get_queue))

    def getter(name, pred, delay=0):
        yield env.timeout(delay)
        item = yield fs.get(pred)
        log(env, 'got', (name, item) + st())

    def putter():
        for delay, item in [(1, 'apple'), (1, 'kiwi'), (1, 'banana'),
                            (1, 'avocado'), (0, 'cherry'), (2, 'blueberry'),
                            (1, 'zz'), (0, 'fig')]:
            yield env.timeout(delay)
            yield fs.put(item)
            log(env, 'put', (item,) + st())

    env.process(getter('b-fruit', lambda s: s.startswith('b')))
    env.process(getter('c-fruit', lambda s: s.startswith('c')))
    env.process(getter('long', lambda s: len(s) > 6))
    env.process(getter('any', lambda s: True, 3))
    env.process(getter('b-again', lambda s: s[0] == 'b'))
    env.process(getter('nothing', lambda s: False))

    def default_getter():
        yield env.timeout(9)
        item = yield fs.get()          # default filter accepts everything
        log(env, 'got', ('default', item) + st())

    env.process(default_getter())
    env.process(putter())

    def plain():
        yield env.timeout(12)
        yield fs.put('last')
        item = yield fs.get()
        log(env, 'plain-get', (item,) + st())

    env.process(plain())
    env.run()
    log(env, 'end', st())


def scn_priority_store(sim, log):
    """PriorityStore with PriorityItem (incl. equal priorities) and ints."""
    env = sim.Environment()
    ps = sim.PriorityStore(env)

    def items():
        return [(pi.priority, pi.item) for pi in ps.items]

    def producer():
        for prio, name in [(3, 'c'), (1, 'a'), (2, 'b'), (1, 'a2'), (0, 'z'),
                           (2, 'b2'), (1, 'a3')]:
            yield ps.put(sim.PriorityItem(prio, name))
            log(env, 'put', (prio, name, items()))
        yield env.timeout(1)

    def consumer():
        yield env.timeout(1)
        while True:
            pi = yield ps.get()
            log(env, 'get', (pi.priority, pi.item, items()))
            if pi.item == 'c':
                break
            yield env.timeout(1)

    pi = sim.PriorityItem(5, {'x': 1})
    log(env, 'pi', (pi.priority, pi.item, pi[0],
                    sim.PriorityItem(1, 'x') < sim.PriorityItem(2, 'a')))

    env.process(producer())
    env.process(consumer())
    env.run()

    nums = sim.PriorityStore(env, capacity=3)

    def numprod():
        for n in [5, 3, 9, 1, 7, 3]:
            yield nums.put(n)
            log(env, 'nput', (n, list(nums.items)))

    def numcons():
        yield env.timeout(2)
        for _ in range(6):
            n = yield nums.get()
            log(env, 'nget', (n, list(nums.items)))
            yield env.timeout(0.5)

    env.process(numprod())
    env.process(numcons())
    env.run()


def scn_container(sim, log):
    """Container: blocking get/put on level/capacity, head-of-line blocking."""
    env = sim.Environment()
    tank = sim.Container(env, capacity=100, init=30)

    def st():
        return (tank.level, len(tank.put_queue), len(tank.get_queue))

    def getter(name, delay, amount):
        yield env.timeout(delay)
        log(env, 'get-req', (name, amount) + st())
        yield tank.get(amount)
        log(env, 'get-done', (name, amount) + st())

    def putter(name, delay, amount):
        yield env.timeout(delay)
        log(env, 'put-req', (name, amount) + st())
        ev = tank.put(amount)
        log(env, 'put-triggered', (name, ev.triggered))
        yield ev
        log(env, 'put-done', (name, amount) + st())

    log(env, 'init', (tank.capacity, tank.level))
    specs = [('g', 'g80', 1, 80), ('g', 'g10', 2, 10),   # g10 blocked behind g80
             ('p', 'p40', 3, 40), ('p', 'p30', 4, 30), ('g', 'g5', 5, 5),
             ('p', 'p90', 6, 90), ('p', 'p20', 6, 20), ('g', 'g60', 8, 60),
             ('g', 'g2.5', 9, 2.5), ('p', 'p1.5', 10, 1.5)]
    for kind, name, delay, amount in specs:
        env.process((getter if kind == 'g' else putter)(name, delay, amount))
    env.run()
    log(env, 'end', st())
    default = sim.Container(env)
    log(env, 'default', (default.capacity, default.level))


# ---------------------------------------------------------- composition
def scn_spawn_tree(sim, log):
    """Processes spawning processes recursively, AllOf over processes."""
    env = sim.Environment()

    def node(path, depth):
        log(env, 'enter', path)
        yield env.timeout(len(path) % 3)
        if depth == 0:
            return 1
        kids = [env.process(node(path + str(i), depth - 1)) for i in range(2)]
        v = yield env.all_of(kids)
        total = sum(v.values()) + 1
        log(env, 'leave', (path, total))
        return total

    def root():
        r = yield env.process(node('r', 3))
        log(env, 'root', r)
        p = env.process(node('s', 1))
        q = env.process(node('t', 2))
        v = yield p | q
        log(env, 'first', sorted(v.values()))
        yield q
        log(env, 'both', (p.value, q.value))

    env.process(root())
    env.run()


def scn_active_process_target(sim, log):
    """env.active_process, Process.target, is_alive, name."""
    env = sim.Environment()
    L = Labels()
    log(env, 'active-outside', env.active_process is None)
    ev = L.add(env.event(), 'ev')

    def sleeper():
        log(env, 'active-in-sleeper', L(env.active_process))
        t = L.add(env.timeout(3), 't3')
        yield t
        log(env, 'active-again', L(env.active_process))
        yield ev
        return 'slept'

    def observer(p):
        log(env, 'target-initial', L(p.target) if p.target is not None else None)
        yield env.timeout(1)
        log(env, 'observe', (L(p.target), p.is_alive, p.name, L(env.active_process)))
        yield env.timeout(3)
        log(env, 'observe2', (L(p.target), p.is_alive))
        ev.succeed()
        yield env.timeout(1)
        log(env, 'observe3', (p.target is None, p.is_alive, p.value))

    s = L.add(env.process(sleeper()), 'sleeper')
    o = L.add(env.process(observer(s)), 'observer')
    t = env.timeout(2)
    t.callbacks.append(lambda e: log(env, 'active-in-cb', env.active_process is None))
    env.run()
    log(env, 'end', (env.active_process is None, o.name, s.name))


def scn_invalid_yield(sim, log):
    """Yielding a non-event raises RuntimeError out of env.run."""
    env = sim.Environment()

    def bad():
        yield env.timeout(1)
        log(env, 'bad-before', None)
        yield 42

    def good():
        for _ in range(3):
            yield env.timeout(1)
            log(env, 'good', None)

    env.process(bad())
    env.process(good())
    try:
        env.run()
    except RuntimeError as exc:
        log(env, 'run-raised', type(exc).__name__)
    env.run()
    log(env, 'end', None)


def scn_errors(sim, log):
    """Engine-raised errors: only the exception type is compared."""
    env = sim.Environment()

    def check(what, fn):
        try:
            fn()
            log(env, 'no-error', what)
        except Exception as exc:
            log(env, 'err', (what, type(exc).__name__))

    def succeed_twice():
        e = env.event()
        e.succeed(1)
        e.succeed(2)

    def fail_after_succeed():
        e = env.event()
        e.succeed()
        e.fail(ValueError('x'))

    def succeed_after_fail():
        e = env.event()
        e.fail(ValueError('x'))
        e.defused = True
        e.succeed()

    def value_before():
        return env.event().value

    def ok_before():
        return env.event().ok

    other_env = sim.Environment()

    check('timeout-negative', lambda: env.timeout(-1))
    check('Timeout-negative', lambda: sim.Timeout(env, -0.5))
    check('succeed-twice', succeed_twice)
    check('fail-after-succeed', fail_after_succeed)
    check('succeed-after-fail', succeed_after_fail)
    check('fail-non-exception', lambda: env.event().fail('nope'))
    check('value-before-trigger', value_before)
    check('ok-before-trigger', ok_before)
    check('resource-0', lambda: sim.Resource(env, 0))
    check('resource-neg', lambda: sim.Resource(env, -1))
    check('priority-resource-0', lambda: sim.PriorityResource(env, 0))
    check('container-init-gt-cap', lambda: sim.Container(env, capacity=5, init=10))
    check('container-cap-0', lambda: sim.Container(env, 0))
    check('container-init-neg', lambda: sim.Container(env, 5, init=-1))
    check('container-put-0', lambda: sim.Container(env, 5).put(0))
    check('container-get-neg', lambda: sim.Container(env, 5).get(-1))
    check('store-cap-0', lambda: sim.Store(env, 0))
    check('process-non-generator', lambda: env.process(42))
    check('mixed-envs', lambda: sim.AllOf(env, [env.event(), other_env.event()]))
    check('step-empty', lambda: other_env.step())
    check('timeout-zero', lambda: env.timeout(0))
    env.run()   # processes the events created above (all defused/succeeded)
    log(env, 'now', env.now)
    env.timeout(3)
    env.run(until=2)
    check('run-until-past', lambda: env.run(until=1))
    check('run-until-now', lambda: env.run(until=2))
    check('run-until-never', lambda: env.run(until=env.event()))
    log(env, 'end', env.now)


def scn_mixed_workload(sim, log):
    """A larger seeded workload combining resources, stores, containers,
    conditions and interrupts (pseudo-random but deterministic)."""
    rng = random.Random(1234)
    env = sim.Environment()
    servers = sim.Resource(env, capacity=2)
    queue = sim.Store(env, capacity=4)
    fuel = sim.Container(env, capacity=50, init=20)
    plan = [(rng.randint(0, 3), rng.randint(1, 4), rng.randint(1, 15), rng.random() < 0.3)
            for _ in range(25)]
    procs = []

    def customer(i, gap, service, amount, patient):
        try:
            yield env.timeout(gap * i // 3)
        except sim.Interrupt as it:
            log(env, 'kicked-early', (i, it.cause))
        with servers.request() as req:
            try:
                if patient:
                    yield req
                else:
                    r = yield req | env.timeout(3)
                    if req not in r:
                        log(env, 'reneged', i)
                        return 'reneged'
                log(env, 'served', (i, servers.count, len(servers.queue)))
                yield fuel.get(min(amount, 50))
                log(env, 'fuel', (i, fuel.level))
                yield env.timeout(service)
                yield queue.put(('done', i))
            except sim.Interrupt as it:
                log(env, 'kicked', (i, it.cause))
                return 'kicked'
        return 'ok'

    def refill():
        while True:
            yield env.timeout(2)
            if fuel.level < 40:
                yield fuel.put(10)
                log(env, 'refill', fuel.level)

    def drain():
        while True:
            item = yield queue.get()
            log(env, 'drain', item)
            yield env.timeout(1)

    def chaos():
        for k in range(8):
            yield env.timeout(rng.randint(1, 5))
            alive = [p for p in procs if p.is_alive]
            if alive:
                victim = alive[rng.randrange(len(alive))]
                victim.interrupt('chaos%d' % k)

    for i, (gap, service, amount, patient) in enumerate(plan):
        procs.append(env.process(customer(i, gap, service, amount, not patient)))
    env.process(refill())
    env.process(drain())
    env.process(chaos())
    env.run(until=60)
    log(env, 'results', [p.value if not p.is_alive else 'alive' for p in procs])
    log(env, 'final', (fuel.level, list(queue.items), servers.count))
