"""The ``dicert`` command-line interface (typer app).

Each sub-command lives in its own module of this package and keeps its heavy
imports (cvxpy, sympy, ...) inside the function body, so that ``dicert --help``
and fast commands start quickly.

Exit codes: 0 success; 1 a claim is refuted, a check fails or a solver fails;
2 bad input (one line on stderr naming the field).

>>> from dicert.proofs.cli import run
>>> run(["--version"]) == 0
dicert ...
True
"""

from __future__ import annotations

import sys
from types import FrameType
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import typer

try:  # typer >= 0.22 vendors click as typer._click
    from typer._click import exceptions as _click_exceptions
except ImportError:  # pragma: no cover - older typer on top of click
    from click import exceptions as _click_exceptions  # type: ignore[no-redef]  # same module, older typer

from dicert.graphs.errors import ClaimRefuted, DicertError, InvalidInput, SolverFailed, TooLarge
from dicert.proofs.cli import bounds as _bounds
from dicert.proofs.cli import certify as _certify
from dicert.proofs.cli import channels as _channels
from dicert.proofs.cli import discover as _discover
from dicert.proofs.cli import enumerate as _enumerate
from dicert.proofs.cli import estimate as _estimate
from dicert.proofs.cli import sweep as _sweep
from dicert.proofs.cli import neural as _neural

__all__ = ["app", "main", "run", "dicert_version"]


def dicert_version() -> str:
    """Installed version of dicert (``importlib.metadata``)."""
    try:
        return version("dicert")
    except PackageNotFoundError:  # pragma: no cover - running from an uninstalled tree
        return "0+unknown"


app = typer.Typer(
    name="dicert",
    help="Certified directed information and feedback capacity of finite-state channels.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"dicert {dicert_version()}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version_: bool = typer.Option(
        False, "--version", callback=_version_callback, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Certified directed information and feedback capacity of finite-state channels."""


app.command("channels")(_channels.channels)
app.command("bounds")(_bounds.bounds)
app.command("enumerate")(_enumerate.enumerate_command)
app.command("discover")(_discover.discover)
app.command("certify")(_certify.certify)
app.command("estimate")(_estimate.estimate)
app.command("sweep")(_sweep.sweep)
app.add_typer(_neural.app, name="neural")


def _one_line(message: str) -> str:
    return " ".join(str(message).split())


def _option_of(argv: list[str], filename: str | None) -> str:
    """The option (as typed) whose value is ``filename``, e.g. ``"--out /ro/c.json"``; else the file name."""
    if not filename:
        return "output"
    for i, arg in zip(range(len(argv)), argv):  # `enumerate` here is the sub-command module
        if arg == filename and i > 0 and argv[i - 1].startswith("-"):
            return f"{argv[i - 1]} {filename}"
        if arg.startswith("-") and arg.endswith(f"={filename}"):
            return arg.replace("=", " ", 1)
    return str(filename)


def _interrupted(argv: list[str]) -> int:
    """One line for SIGINT / SIGTERM; stop worker processes; the database is committed per chunk."""
    timer = _STATE.get("timer")
    _stop_workers()
    if timer is not None:
        timer.cancel()  # type: ignore[attr-defined]
        # pool workers left by the interrupted run; multiprocessing's resource tracker ends with us
        # and cleans up shared semaphores
        _kill_children(spare_tracker=True)
    _report_interrupt(argv)
    return 130


def _stop_workers() -> None:
    """Kill loky (joblib) worker processes left by an interrupted run; they would otherwise idle for minutes."""
    module = sys.modules.get("joblib.externals.loky.reusable_executor")
    executor = getattr(module, "_executor", None) if module is not None else None
    if executor is not None:
        try:
            executor.shutdown(wait=False, kill_workers=True)
        except Exception:  # noqa: BLE001 - best effort while exiting
            pass


class _Terminated(KeyboardInterrupt):
    """SIGTERM, delivered like Ctrl-C so that the same cleanup runs."""


#: Grace period after SIGINT/SIGTERM for the normal cleanup (joblib aborts, SQLite commits or rolls
#: back); past it the process kills its own children and exits 130 (a ranking blocked in a pool).
INTERRUPT_GRACE_SECONDS = 5.0

_OWNER_PID: list[int] = []
_ARGS: list[list[str]] = []
_STATE: dict[str, object] = {}


def _children(pid: int) -> list[int]:
    """Descendants of ``pid`` (from /proc; empty where /proc is missing)."""
    import os

    parents: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as handle:
                    fields = handle.read().rsplit(b")", 1)[1].split()
                parents.setdefault(int(fields[1]), []).append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _is_tracker(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return b"resource_tracker" in handle.read()
    except OSError:
        return False


def _kill_children(*, spare_tracker: bool) -> None:
    """SIGKILL this process's children (best effort: one that already exited is skipped)."""
    import os
    import signal

    for child in _children(os.getpid()):
        if spare_tracker and _is_tracker(child):
            continue
        try:
            os.kill(child, signal.SIGKILL)
        except OSError:  # the child exited meanwhile
            pass


def _force_exit() -> None:
    """The cleanup did not finish within the grace period: kill our workers and leave (SQLite rolls back)."""
    import os

    _kill_children(spare_tracker=False)
    if not _STATE.get("reported"):
        _report_interrupt(_ARGS[-1] if _ARGS else [])
    os._exit(130)


def _on_signal(signum: int, frame: FrameType | None) -> None:
    import os
    import signal
    import threading

    if _OWNER_PID and os.getpid() != _OWNER_PID[-1]:  # a forked worker inherited the handler: behave as default
        if signum == signal.SIGINT:
            signal.default_int_handler(signum, frame)
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    if _STATE.get("timer") is not None:  # a second signal: leave now
        _force_exit()
    timer = threading.Timer(INTERRUPT_GRACE_SECONDS, _force_exit)
    timer.daemon = True
    timer.start()
    _STATE["timer"] = timer
    raise _Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()


def _install_signals(args: list[str]) -> object:
    import os
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return None
    _OWNER_PID.append(os.getpid())
    _ARGS.append(args)
    _STATE.clear()
    try:
        return {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    except (ValueError, OSError):  # pragma: no cover - exotic embedding
        return None


def _restore_signals(previous: object) -> None:
    import signal

    if isinstance(previous, dict):
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _report_interrupt(argv: list[str]) -> None:
    db = next((argv[i + 1] for i in range(len(argv) - 1) if argv[i] == "--db"), None)
    db = db or next((a.split("=", 1)[1] for a in argv if a.startswith("--db=")), None)
    hint = f"; resume with the same --db {db}" if db else ""
    _STATE["reported"] = True
    sys.stderr.write(f"dicert: interrupted{hint}\n")
    sys.stderr.flush()


def _flags_as_flags(command: Any) -> Any:
    """Show boolean flags as flags in ``--help``: no ``<bool>`` value column (typer >= 0.29 prints one).

    A flag takes no value on the command line, so its type column is left empty
    (click's own help never showed one); applied to every sub-command.

    Examples
    --------
    >>> import click
    >>> cmd = _flags_as_flags(click.Command("c", params=[click.Option(["--json"], is_flag=True)]))
    >>> cmd.params[0].metavar
    ''
    """
    for param in getattr(command, "params", []):
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""
    make_help_option = getattr(command, "get_help_option", None)
    if make_help_option is not None:  # --help is built per context: mark it when it is made

        def get_help_option(ctx: Any) -> Any:
            option = make_help_option(ctx)
            if option is not None and option.metavar is None:
                option.metavar = ""
            return option

        command.get_help_option = get_help_option
    for sub in getattr(command, "commands", {}).values():
        _flags_as_flags(sub)
    return command


def run(argv: list[str] | None = None) -> int:
    """Run the CLI on ``argv`` and return the exit code; never raises and never prints a traceback.

    Exit codes: 0 success; 1 refuted / failed check / solver failure (or an
    internal error, reported in one line); 2 bad input, including inputs that
    exceed the memory limit and unreadable or unwritable files; 130 interrupted
    (SIGINT or SIGTERM: ``dicert: interrupted``, plus ``resume with the same
    --db F`` for a ranking).  Set ``DICERT_TRACEBACK=1`` to re-raise internal
    errors with their traceback.
    """
    import os

    command = _flags_as_flags(typer.main.get_command(app))
    args = list(sys.argv[1:] if argv is None else argv)
    previous = _install_signals(args)
    try:
        try:
            result = command.main(args=args, prog_name="dicert", standalone_mode=False)
        finally:
            _restore_signals(previous)
    except _click_exceptions.NoArgsIsHelpError:
        return 0  # the help text was already printed
    except typer.Exit as exc:
        if isinstance(exc.__cause__, KeyboardInterrupt) or isinstance(exc.__context__, KeyboardInterrupt):
            return _interrupted(args)
        return int(exc.exit_code or 0)
    except typer.Abort:
        return _interrupted(args)
    except KeyboardInterrupt:
        return _interrupted(args)
    except _click_exceptions.UsageError as exc:
        sys.stderr.write(f"dicert: error: {_one_line(exc.format_message())}\n")
        return 2
    except _click_exceptions.ClickException as exc:
        sys.stderr.write(f"dicert: error: {_one_line(exc.format_message())}\n")
        return 2
    except (InvalidInput, TooLarge) as exc:
        sys.stderr.write(f"dicert: error: {_one_line(str(exc))}\n")
        return 2
    except ClaimRefuted as exc:
        sys.stderr.write(f"dicert: refuted: {_one_line(str(exc))}\n")
        return 1
    except SolverFailed as exc:
        sys.stderr.write(f"dicert: solver failed: {_one_line(str(exc))}\n")
        return 1
    except DicertError as exc:
        sys.stderr.write(f"dicert: error: {_one_line(str(exc))}\n")
        return 1
    except BrokenPipeError:
        return 1  # stdout closed by the reader (e.g. `| head`)
    except OSError as exc:
        where = _option_of(args, exc.filename)
        sys.stderr.write(f"dicert: error: {where}: {_one_line(exc.strerror or str(exc))}\n")
        return 2
    except MemoryError:
        sys.stderr.write(
            "dicert: error: out of memory: this input needs more memory than the machine has (the size guard "
            "did not foresee it; please report it); lower DICERT_MEMORY_LIMIT to be refused earlier\n"
        )
        return 2
    except RecursionError:
        sys.stderr.write("dicert: error: input nested too deeply\n")
        return 2
    except Exception as exc:  # noqa: BLE001 - the CLI promises one line, never a traceback
        if os.environ.get("DICERT_TRACEBACK", "").strip() not in ("", "0"):
            raise
        sys.stderr.write(
            f"dicert: internal error: {type(exc).__name__}: {_one_line(str(exc))} "
            "(a bug in dicert: please report it; DICERT_TRACEBACK=1 shows the traceback)\n"
        )
        return 1
    if result == 130:  # typer turned a KeyboardInterrupt into the exit code 130
        return _interrupted(args)
    return int(result) if isinstance(result, int) else 0


def main() -> None:
    """Console-script entry point."""
    sys.exit(run())
