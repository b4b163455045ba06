"""Output people read (issue 18 item 7): tables fit 80 columns off a terminal, boolean flags show as flags in --help."""

from __future__ import annotations

import contextlib
import io
import re

import pytest

from dicert.proofs.cli import run
from dicert.verify.progress import stderr_console

PROGRESS = re.compile(r".*, elapsed [0-9.]+ (s|min)(, ETA .*|.*)$|.*: done, [0-9.]+ s$")


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(argv)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture()
def eighty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setattr(stderr_console, "width", 80)


TABLE_COMMANDS = [
    ["channels"],
    ["bounds", "trapdoor", "--lower"],
    ["bounds", "trapdoor", "--nletter", "2"],
    ["discover", "bsc:p=0.1", "--steps", "60"],
    ["sweep", "bsc", "--param", "p=0.1:0.1:0.1"],
    ["certify", "trapdoor", "--digits", "12"],
]


@pytest.mark.parametrize("argv", TABLE_COMMANDS, ids=lambda argv: " ".join(argv[:2]))
def test_every_table_printing_command_fits_80_columns_off_a_terminal(argv: list[str], eighty: None) -> None:
    code, out, err = _run(argv)
    assert code == 0
    # tables and messages (stderr) fit; progress lines and stdout results stay one line each (grep-able)
    long = [line for line in err.splitlines() if len(line) > 80 and not PROGRESS.match(line)]
    assert long == []
    assert "\x1b" not in err


def test_channels_at_80_columns_is_one_record_per_channel_not_a_squeezed_table(eighty: None) -> None:
    code, out, err = _run(["channels"])
    names = out.split()
    assert code == 0 and names
    records = [line for line in err.splitlines() if line.startswith("name ")]
    assert [line.split()[1] for line in records] == [name.split(":")[0] for name in names]
    assert "…" not in err and len(err.splitlines()) <= 9 * len(names) + 2  # nothing truncated, ~8 lines a record


def test_a_table_that_fits_stays_a_table(eighty: None) -> None:
    code, _, err = _run(["bounds", "trapdoor"])
    assert code == 0 and "┃ s ┃ q ┃" in err


@pytest.mark.parametrize("command", [["bounds"], ["discover"], ["sweep"], ["certify"], ["channels"], ["estimate"],
                                     ["enumerate"], ["neural", "ndt"]], ids=lambda c: " ".join(c))
def test_boolean_flags_show_as_flags_in_help(command: list[str]) -> None:
    code, out, _ = _run([*command, "--help"])
    assert code == 0
    assert "<bool>" not in out
    json_lines = [line for line in out.splitlines() if "--json " in line or "--feedback " in line]
    assert json_lines and all(re.search(r"--(json|feedback)\s+(--no-feedback\s+)?[A-Z]", line) for line in json_lines)
