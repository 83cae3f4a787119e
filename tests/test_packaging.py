"""The version lives in one place (faassim.__version__); the package's
metadata, the command line, CITATION.cff and the changelog say the same."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import faassim
from faassim.__main__ import main

ROOT = Path(__file__).resolve().parents[1]


def test_version_is_a_release_number():
    assert re.fullmatch(r"\d+\.\d+\.\d+((a|b|rc)\d+)?(\.dev\d+)?", faassim.__version__)
    assert "__version__" in faassim.__all__


def test_pyproject_takes_the_version_from_the_package_without_importing_it():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"]
    assert project["project"]["dynamic"] == ["version"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "faassim.__version__"}
    # setuptools reads the assignment from the source, so a build never has
    # to import the (not yet built) extension
    probe = (
        "import sys\n"
        "from setuptools.config.pyprojecttoml import read_configuration\n"
        "config = read_configuration('pyproject.toml')\n"
        "print(config['project']['version'], 'faassim' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == [faassim.__version__, "False"]


def test_version_flag(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out == f"faassim {faassim.__version__}\n"


def test_python_m_faassim_version():
    out = subprocess.run(
        [sys.executable, "-m", "faassim", "--version"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout == f"faassim {faassim.__version__}\n"


def test_citation_and_changelog_carry_the_version():
    cff = (ROOT / "CITATION.cff").read_text()
    assert re.search(r'^cff-version: "?1\.2\.0"?$', cff, re.MULTILINE)
    assert re.findall(r'^version: "?([^"\n]+)"?$', cff, re.MULTILINE) == [faassim.__version__]
    headings = re.findall(r"^## (\S+)", (ROOT / "CHANGELOG.md").read_text(), re.MULTILINE)
    assert headings[0] == faassim.__version__


def test_project_metadata():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert all(url.startswith("https://") for url in project["urls"].values())
    assert "Typing :: Typed" in project["classifiers"]
    assert (ROOT / "faassim" / "py.typed").exists()
    python = [
        c.rsplit(" :: ", 1)[1]
        for c in project["classifiers"]
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    ]
    assert python and min(python, key=lambda v: tuple(map(int, v.split(".")))) == project["requires-python"].lstrip(
        ">="
    )
