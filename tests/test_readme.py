"""Every code block of README.md is executed.

- ```python blocks run in order in one namespace (a tour builds on itself);
- ```console blocks: each line starting with ``$ dicert`` is run through the CLI
  and must exit 0 (a trailing ``# exit N`` comment states another expected code);
- the Quickstart block must hold exactly the two commands that ``.ci/run`` executes
  verbatim on a fresh clone (install + main job, install + tests).
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)


def _blocks(language: str) -> list[str]:
    return [body for lang, body in FENCE.findall(README.read_text()) if lang == language]


def _console_commands() -> list[tuple[str, int]]:
    commands = []
    for block in _blocks("console"):
        for line in block.splitlines():
            if line.startswith("$ dicert"):
                command, _, comment = line[2:].partition("#")
                match = re.search(r"exit (\d+)", comment)
                commands.append((command.strip(), int(match.group(1)) if match else 0))
    return commands


def test_quickstart_has_exactly_two_commands() -> None:
    text = README.read_text()
    section = text.split("<!-- quickstart:begin -->")[1].split("<!-- quickstart:end -->")[0]
    lines = [ln for ln in section.splitlines() if ln.strip() and not ln.startswith("```")]
    assert len(lines) == 2, lines
    assert "dicert certify --all" in lines[0]
    assert lines[1].rstrip().endswith("pytest")


def test_readme_has_python_and_console_examples() -> None:
    assert _blocks("python") and _console_commands()


def test_python_blocks_run_in_order(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__readme__"}
    for number, block in enumerate(_blocks("python"), start=1):
        try:
            exec(compile(block, f"README.md python block {number}", "exec"), namespace)
        except Exception as exc:  # pragma: no cover - the failure message is the point
            pytest.fail(f"README python block {number} failed: {exc!r}\n{block}")


@pytest.mark.slow
@pytest.mark.parametrize("command, expected", _console_commands())
def test_console_commands_exit_as_documented(command: str, expected: int, tmp_path) -> None:
    argv = shlex.split(command)[1:]
    examples = README.parent / "examples"
    proc = subprocess.run(
        [sys.executable, "-c", "import sys; from dicert.proofs.cli import run; sys.exit(run(sys.argv[1:]))", *argv],
        capture_output=True,
        text=True,
        cwd=README.parent,
        timeout=600,
    )
    assert proc.returncode == expected, f"{command}: exit {proc.returncode}\n{proc.stderr[-2000:]}"
    assert examples.exists()
