"""A component bound to one environment cannot be set on another."""

import pytest

import faassim as fs


@pytest.mark.parametrize("name", ["faas", "metrics", "resource_state", "energy", "net"])
def test_component_of_another_environment_is_refused(name):
    e1, e2 = fs.Environment(), fs.Environment()
    theirs, mine = getattr(e1, name), getattr(e2, name)
    assert theirs.env is e1
    with pytest.raises(ValueError, match=f"env.{name} = .*belongs to another environment"):
        setattr(e2, name, theirs)
    assert getattr(e2, name) is mine  # unchanged
    setattr(e2, name, mine)  # its own: fine
    assert getattr(e2, name) is mine


def test_requests_through_a_foreign_faas_never_happen():
    # before the check, e2.faas = e1.faas was accepted and requests invoked
    # through e2 waited on e1's queue: e2.run() served none of them
    e1, e2 = fs.Environment(), fs.Environment()
    with pytest.raises(ValueError):
        e2.faas = e1.faas
    assert e2.faas.env is e2
