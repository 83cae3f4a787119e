"""The command line (`python -m faassim run`, the `faassim` script): options,
progress bar, errors. The scenario it runs is tested in test_scenario.py."""

import io
import pathlib
import subprocess
import sys
import tomllib

import pytest

from faassim.__main__ import main

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_console_script_is_declared():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"] == {"faassim": "faassim.__main__:main"}


def test_main_prints_the_summary(capsys):
    assert main(["run", "--duration", "5", "--nodes", "12", "--seed", "3", "--no-progress"]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0] == (
        "faassim: edge-cloud scenario, 12 nodes of 10 types, 4 functions (12 replicas), poisson load 1,000 req/s, "
        "5 s simulated, seed 3"
    )
    assert lines[2].split() == [
        "function", "replicas", "requests", "completed", "req/s", "wait", "p50", "p95", "p99", "ms", "exec", "p50",
        "p95", "p99", "ms",
    ]
    assert [l.split()[0] for l in lines[3:8]] == [
        "resnet50-inference", "mobilenet-inference", "speech-inference", "python-pi", "all",
    ]
    assert any(l.startswith("energy  ") and "J per request" in l for l in lines)
    assert lines[-1].startswith("wall time  ")
    assert captured.err == ""


def test_help_lists_the_options():
    out = subprocess.run(
        [sys.executable, "-m", "faassim", "run", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for option in ("--duration", "--seed", "--load-scale", "--nodes", "--scenario", "--output", "--no-records",
                   "--no-progress"):
        assert option in out


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_on_a_terminal_only(monkeypatch, capsys):
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["run", "--duration", "4", "--nodes", "10"]) == 0
    bar = terminal.getvalue()
    assert bar.startswith("\r[") and "[" + "#" * 30 + "] 100%  4 / 4 s simulated" in bar
    assert bar.count("\r") > 10 and bar.endswith("\n")
    terminal.truncate(0)
    terminal.seek(0)
    assert main(["run", "--duration", "4", "--nodes", "10", "--no-progress"]) == 0
    assert terminal.getvalue() == ""
    # the summary is the same with and without the bar (but the wall time)
    outs = capsys.readouterr().out.split("faassim: edge-cloud")
    strip = lambda out: [l for l in out.splitlines() if not l.startswith("wall time")]  # noqa: E731
    assert strip(outs[1]) == strip(outs[2])


def test_scenario_file_and_options(tmp_path, capsys):
    path = tmp_path / "small.toml"
    path.write_text("duration = 3\nseed = 1\n\n[nodes]\nxeongpu = 2\nnx = 1\n")
    assert main(["run", "--scenario", str(path), "--seed", "5", "--nodes", "12", "--no-progress"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    # the file sets the duration; the options override its seed and scale its node counts
    assert first.endswith("3 s simulated, seed 5") and ", 12 nodes of 10 types" in first


@pytest.mark.parametrize(
    "argv, message",
    [
        (["run", "--duration", "0"], "duration must be a number of seconds > 0, got 0.0"),
        (["run", "--seed", "-3"], "seed must be an integer in [0, 2**64), got -3"),
        (["run", "--seed", "18446744073709551616"], "seed must be an integer in [0, 2**64), got 18446744073709551616"),
        (["run", "--output", __file__], "is a file, not a folder"),
        (["run", "--output", __file__ + "/sub"], "cannot create the folder"),
        (["run", "--load-scale", "-1"], "load_scale must be a number >= 0, got -1.0"),
        (["run", "--nodes", "0"], "node count 0 is less than the 10 node types"),
        (["run", "--duration", "abc"], "argument --duration: invalid float value: 'abc'"),
        (["walk"], "invalid choice: 'walk'"),
    ],
)
def test_bad_arguments_exit_with_a_usage_error(argv, message, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    assert message in capsys.readouterr().err
