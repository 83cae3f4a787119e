"""Shared fixtures: every test checks that engine objects do not leak."""

import gc

import pytest

import faassim
from faassim import _core


def live(collect=True):
    if collect:
        gc.collect()
    return _core._live_objects()


_baseline_taken = []


@pytest.fixture(autouse=True)
def no_leaks(request):
    """Live engine objects (events, processes, environments, resources) must
    return to their baseline once a test's objects are gone.

    A full gc.collect() costs ~20 ms with the test dependencies loaded, so it
    only runs when the counters differ: if every earlier test ended at its
    baseline, no engine garbage is pending and the counters read without a
    collection are exact."""
    if not _baseline_taken:
        _baseline_taken.append(True)
        before = live()
    else:
        before = live(collect=False)
    yield
    if request.node.get_closest_marker("allow_leaks"):
        return
    # Fixture values (an Environment, say) stay referenced by the test item
    # until pytest is done with it; they are finalised by now, so drop them.
    for name in list(request.node.funcargs):
        if name not in ("request", "no_leaks"):
            request.node.funcargs[name] = None
    after = live(collect=False)
    if after != before:
        after = live()
    assert after == before, f"engine objects leaked: before={before} after={after}"


def pytest_configure(config):
    config.addinivalue_line("markers", "allow_leaks: the test keeps engine objects alive on purpose")


def pytest_collection_finish(session):
    """Move everything that exists once the tests are collected (imported
    modules, test functions, parametrized ids) to the collector's permanent
    generation: the cyclic GC then never traverses those objects again,
    which takes about half of the suite's CPU time away.

    The leak checks stay exact: garbage is collected first, so nothing
    unreachable is frozen, and the objects the tests create are made after
    this point, so the collector still sees (and the counters still count)
    every one of them. A test object that ends up in a cycle through a frozen
    object would survive collection and fail no_leaks: freezing can only make
    the checks stricter, never hide a leak."""
    gc.collect()
    gc.freeze()


def pytest_sessionfinish(session, exitstatus):
    gc.unfreeze()


@pytest.fixture
def env():
    return faassim.Environment()
