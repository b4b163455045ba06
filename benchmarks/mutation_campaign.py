"""Mutation campaign over the certificate checker: every mutant must be killed by the test suite.

A small AST mutation runner (``mutmut``/``cosmic-ray`` need a flat package
layout; dicert maps ``dicert.verify`` onto ``verify/`` through setuptools
``package-dir``).  For each target module it generates first-order mutants --
comparison swaps (``<``/``<=``, ``>``/``>=``, ``==``/``!=``), ``and``/``or``,
dropped ``not``, flipped boolean constants, integer constants ``n -> n + 1``,
``raise`` replaced by ``pass``, and ``return False, ...`` -> ``return True, ...``
-- writes each one over the module (restored afterwards), and runs the kill
suite (``--tests``).  A mutant is *killed* when the suite fails, *survived*
when it passes, *timeout* when it exceeds ``--timeout``.  The table lists the
survivors with file and line; each must be killed by a new test or explained
(equivalent mutant) in the closing note.

Run: ``python benchmarks/mutation_campaign.py [--targets verify/certify/checker/kinds.py ...]
[--max N] [--seed S] [--timeout T]``.  The whole campaign over the checker
takes tens of minutes; ``--max`` samples mutants deterministically.
"""

from __future__ import annotations

import argparse
import ast
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TARGETS = [
    "verify/certify/checker/kinds.py",
    "verify/certify/checker/core.py",
    "verify/certify/checker/exact.py",
    "verify/certify/checker/algebra.py",
    "verify/certify/checker/arith.py",
    "verify/certify/checker/results.py",
]
#: Kill suite: the checker's own tests, the attack suite and the findings' regression tests.
DEFAULT_TESTS = [
    "tests/verify/certify/test_checker_core.py",
    "tests/verify/certify/test_attack_forgeries.py",
    "tests/proofs/test_certify_findings.py::test_8_bellman_checks_refuse_a_small_positive_residual",
    "tests/proofs/test_certify_findings.py::test_8_a_certificate_about_another_channel_is_refuted",
    "tests/proofs/test_certify_findings.py::test_3_bsc_4_13_file_gets_an_interval_containing_the_capacity_at_60_digits",
]
_SWAP = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq}


class _Mutator(ast.NodeTransformer):
    """Apply the ``target``-th mutation opportunity (counting in AST walk order)."""

    def __init__(self, target: int) -> None:
        self.target, self.count, self.description, self.line = target, -1, "", 0

    def _hit(self, node: ast.AST, text: str) -> bool:
        self.count += 1
        if self.count == self.target:
            self.description, self.line = text, getattr(node, "lineno", 0)
            return True
        return False

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        if type(node.ops[0]) in _SWAP and self._hit(node, f"{type(node.ops[0]).__name__} -> "
                                                          f"{_SWAP[type(node.ops[0])].__name__}"):
            node.ops[0] = _SWAP[type(node.ops[0])]()
        return node

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:
        self.generic_visit(node)
        if self._hit(node, "and <-> or"):
            node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        return node

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, ast.Not) and self._hit(node, "drop not"):
            return node.operand
        return node

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if isinstance(node.value, bool):
            if self._hit(node, f"{node.value} -> {not node.value}"):
                return ast.copy_location(ast.Constant(not node.value), node)
        elif isinstance(node.value, int) and self._hit(node, f"{node.value} -> {node.value + 1}"):
            return ast.copy_location(ast.Constant(node.value + 1), node)
        return node

    def visit_Raise(self, node: ast.Raise) -> ast.AST:
        self.generic_visit(node)
        if self._hit(node, "raise -> pass"):
            return ast.copy_location(ast.Pass(), node)
        return node

    def visit_Return(self, node: ast.Return) -> ast.AST:
        self.generic_visit(node)
        value = node.value
        if (isinstance(value, ast.Tuple) and value.elts and isinstance(value.elts[0], ast.Constant)
                and value.elts[0].value is False and self._hit(node, "return False, ... -> return True, ...")):
            value.elts[0] = ast.Constant(True)
        return node

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        return node  # f-strings: messages only

    def visit_Expr(self, node: ast.Expr) -> ast.AST:
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return node  # docstrings
        return self.generic_visit(node)


def count_mutants(source: str) -> int:
    """Number of mutation opportunities in a module."""
    m = _Mutator(-1)
    m.visit(ast.parse(source))
    return m.count + 1


def mutant(source: str, index: int) -> tuple[str, str, int]:
    """Source of the ``index``-th mutant, its description and line."""
    m = _Mutator(index)
    tree = m.visit(ast.parse(source))
    ast.fix_missing_locations(tree)
    return ast.unparse(tree), m.description, m.line


def run_suite(tests: list[str], timeout: float) -> str:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "--no-header", *tests]
    try:
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout"
    return "survived" if proc.returncode == 0 else "killed"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", nargs="*", default=DEFAULT_TARGETS)
    parser.add_argument("--tests", nargs="*", default=DEFAULT_TESTS)
    parser.add_argument("--max", type=int, default=0, help="sample at most N mutants per target (0: all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args(argv)
    from rich.console import Console
    from rich.table import Table

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    rng = random.Random(args.seed)
    start = time.perf_counter()
    baseline = run_suite(args.tests, args.timeout)
    if baseline != "survived":
        print(f"the unmutated suite does not pass ({baseline}); fix it first", file=sys.stderr)
        return 2
    summary, survivors = [], []
    for target in args.targets:
        path = ROOT / target
        original = path.read_text()
        stat = path.stat()
        n = count_mutants(original)
        picks = list(range(n)) if not args.max or args.max >= n else sorted(rng.sample(range(n), args.max))
        counts = {"killed": 0, "survived": 0, "timeout": 0}
        try:
            for index in picks:
                source, description, line = mutant(original, index)
                path.write_text(source)
                verdict = run_suite(args.tests, args.timeout)
                counts[verdict] += 1
                if verdict != "killed":
                    survivors.append((target, line, description, verdict))
        finally:
            path.write_text(original)
            os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        summary.append((target, n, len(picks), counts))
    table = Table(title=f"mutation campaign (load {load:.2f}, {time.perf_counter() - start:.0f} s)")
    for col in ("module", "mutants", "run", "killed", "survived", "timeout"):
        table.add_column(col, justify="left" if col == "module" else "right")
    for target, n, run, counts in summary:
        table.add_row(target, str(n), str(run), str(counts["killed"]), str(counts["survived"]), str(counts["timeout"]))
    console = Console()
    console.print(table)
    for target, line, description, verdict in survivors:
        console.print(f"{verdict}: {target}:{line}: {description}")
    return 0 if not survivors else 1


if __name__ == "__main__":
    sys.exit(main())
