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


@pytest.fixture
def env():
    return faassim.Environment()
