"""The CLI contract shared by every sub-command: version, help, one-line errors."""

from __future__ import annotations

import subprocess
import sys

from dicert.proofs.cli import dicert_version, run


def test_version_flag_prints_the_installed_version(capsys) -> None:
    assert run(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"dicert {dicert_version()}"


def test_unknown_option_exits_2_with_one_line_message(capsys) -> None:
    assert run(["--no-such-option"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--no-such-option" in err


def test_no_arguments_prints_help_and_exits_0(capsys) -> None:
    assert run([]) == 0
    captured = capsys.readouterr()
    assert "certify" in captured.out + captured.err


def test_console_script_bad_option_exits_2() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", "from dicert.proofs.cli import main; main()", "--bogus"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "--bogus" in proc.stderr
    assert "Traceback" not in proc.stderr
