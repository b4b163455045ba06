"""Every code block of README.md is executed.

- ```python blocks run in order in one namespace (a tour builds on itself);
- ```json blocks are loaded as channel files;
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
def test_console_commands_exit_as_documented() -> None:
    """Run the console session in order (later lines may read files earlier ones wrote)."""
    failures = []
    for command, expected in _console_commands():
        argv = shlex.split(command)[1:]
        proc = subprocess.run(
            [sys.executable, "-c", "import sys; from dicert.proofs.cli import run; sys.exit(run(sys.argv[1:]))", *argv],
            capture_output=True,
            text=True,
            cwd=README.parent,
            timeout=600,
        )
        if proc.returncode != expected:
            failures.append(f"{command}: exit {proc.returncode}, expected {expected}\n{proc.stderr[-1500:]}")
    assert not failures, "\n\n".join(failures)


def test_json_blocks_are_valid_channel_files() -> None:
    import json

    from dicert.verify.channels import channel_from_json

    blocks = _blocks("json")
    assert blocks
    for block in blocks:
        channel = channel_from_json(json.loads(block))
        assert channel.n_states >= 1
