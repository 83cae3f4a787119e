"""Examples in docstrings run (doctest), and every public name is documented."""

import doctest
import inspect

import pytest

import faassim
import faassim._demo
import faassim._pytypes


@pytest.mark.parametrize("module", [faassim, faassim._pytypes, faassim._demo])
def test_doctests(module):
    failures, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert failures == 0
    assert tried > 0


@pytest.mark.parametrize("name", [n for n in faassim.__all__ if n not in ("__version__", "URGENT", "NORMAL", "PENDING")])
def test_public_names_have_docstrings(name):
    obj = getattr(faassim, name)
    doc = inspect.getdoc(obj)
    assert doc and len(doc) > 20, f"{name} has no real docstring"


def test_public_methods_have_docstrings():
    missing = []
    for name in faassim.__all__:
        obj = getattr(faassim, name)
        if not inspect.isclass(obj) or not obj.__module__.startswith("faassim"):
            continue
        for attr, member in vars(obj).items():
            if attr.startswith("__") or not callable(member) and not isinstance(member, property):
                continue
            if not inspect.getdoc(member):
                missing.append(f"{name}.{attr}")
    assert not missing, f"undocumented: {missing}"


def test_stub_lists_every_c_type():
    import pathlib

    stub = pathlib.Path(faassim.__file__).with_name("_core.pyi").read_text()
    from faassim import _core

    for name, obj in vars(_core).items():
        if inspect.isclass(obj) and not name.startswith("_"):
            assert f"class {name}" in stub, f"_core.pyi lacks {name}"
