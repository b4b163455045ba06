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
from importlib.metadata import PackageNotFoundError, version

import typer

try:  # typer >= 0.22 vendors click as typer._click
    from typer._click import exceptions as _click_exceptions
except ImportError:  # pragma: no cover - older typer on top of click
    from click import exceptions as _click_exceptions

from dicert.graphs.errors import ClaimRefuted, DicertError, InvalidInput, SolverFailed, TooLarge
from dicert.proofs.cli import bounds as _bounds
from dicert.proofs.cli import certify as _certify
from dicert.proofs.cli import channels as _channels
from dicert.proofs.cli import discover as _discover
from dicert.proofs.cli import enumerate as _enumerate
from dicert.proofs.cli import estimate as _estimate
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
app.add_typer(_neural.app, name="neural")


def _one_line(message: str) -> str:
    return " ".join(str(message).split())


def run(argv: list[str] | None = None) -> int:
    """Run the CLI on ``argv`` and return the exit code (never raises for bad input)."""
    command = typer.main.get_command(app)
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        result = command.main(args=args, prog_name="dicert", standalone_mode=False)
    except _click_exceptions.NoArgsIsHelpError:
        return 0  # the help text was already printed
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort:
        sys.stderr.write("dicert: aborted\n")
        return 130
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
    except KeyboardInterrupt:
        sys.stderr.write("dicert: interrupted\n")
        return 130
    return int(result) if isinstance(result, int) else 0


def main() -> None:
    """Console-script entry point."""
    sys.exit(run())
