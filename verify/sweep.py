"""Certified capacity curves: the feedback-capacity bracket at every value of one channel parameter.

:func:`sweep` runs, for each value ``v`` of ``NAME`` on the grid
``START:STOP:STEP`` (both ends included, exact decimal arithmetic), the
discovery pipeline (belief-MDP value iteration -> Q-graph, sec. 4.5) on the
channel ``CHANNEL:NAME=v`` and then

- with ``certify``: the ``qgraph_bracket`` certificate of the discovered graph,
  issued by the independent checker -- upper bound from the duality bound
  (Thm 4.5.2), lower bound from an exactly BCJR-invariant rational input
  (Thm 4.4.4, :mod:`dicert.verify.certify.invariant_lower_cert`); ``certified``
  is True only when the checker verified both sides;
- without: the solver's estimates (``lower_estimate``, ``upper_estimate``) and
  the valid duality upper bound at the solver's output law.

Points are stored in an SQLite database (one row per channel, parameter,
value and mode, written in its own transaction as it arrives), so a killed
sweep resumes where it stopped; points are computed in parallel with joblib.
A known closed form, where the literature gives one for that parameter
(:data:`CLOSED_FORMS`), is evaluated as an *estimate* for the overlay.

Examples
--------
>>> from dicert.verify.sweep import parameter_grid
>>> parameter_grid("eps=0:0.3:0.1")
('eps', ['0', '0.1', '0.2', '0.3'])
"""

from __future__ import annotations

import json
import math
import sqlite3
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable, Iterator

from dicert.verify.errors import InvalidInput

__all__ = ["parameter_grid", "SweepStore", "sweep_point", "sweep", "closed_form_value", "CLOSED_FORMS",
           "write_csv", "write_latex", "plot_sweep"]

MAX_POINTS = 10000


def _decimal(text: str, field: str) -> Fraction:
    try:
        value = Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        raise InvalidInput(f"--param: {field} must be a decimal number, got {text!r}") from None
    return value


def _show(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    text = f"{float(value):.12g}"
    return text


def parameter_grid(spec: str) -> tuple[str, list[str]]:
    """Parse ``NAME=START:STOP:STEP`` into the name and the decimal values (STOP included).

    Raises
    ------
    InvalidInput
        Naming ``--param`` when the form, a number, the step (must be > 0) or the count is bad.

    Examples
    --------
    >>> parameter_grid("q=2:8:1")[1]
    ['2', '3', '4', '5', '6', '7', '8']
    >>> parameter_grid("eps=0.5:0.1:0.1")
    Traceback (most recent call last):
    ...
    dicert.graphs.errors.InvalidInput: --param: expected START <= STOP, got 0.5 > 0.1
    """
    name, sep, rng = spec.partition("=")
    parts = rng.split(":")
    if not sep or not name.strip() or len(parts) != 3:
        raise InvalidInput(f"--param: expected NAME=START:STOP:STEP (e.g. eps=0:0.9:0.1), got {spec!r}")
    start, stop, step = (_decimal(p, f) for p, f in zip(parts, ("START", "STOP", "STEP")))
    if step <= 0:
        raise InvalidInput(f"--param: STEP must be > 0, got {parts[2]}")
    if start > stop:
        raise InvalidInput(f"--param: expected START <= STOP, got {parts[0]} > {parts[1]}")
    count = int((stop - start) / step) + 1
    if count > MAX_POINTS:
        raise InvalidInput(f"--param: {count} points, expected at most {MAX_POINTS}")
    return name.strip(), [_show(start + k * step) for k in range(count)]


def _bec_noc(eps: float) -> float:
    from scipy.optimize import minimize_scalar

    c = 1.0 / (1.0 - eps)

    def neg(p: float) -> float:
        h = -p * math.log2(p) - (1 - p) * math.log2(1 - p)
        return -h / (p + c)

    return -float(minimize_scalar(neg, bounds=(1e-12, 0.5), method="bounded", options={"xatol": 1e-13}).fun)


def _ising_q(q: float) -> float:
    import numpy as np

    if q != int(q) or not 2 <= q <= 8:
        return math.nan
    q = int(q)
    roots = np.roots([1, -((q - 1) ** 4 + 4), 6, -4, 1])
    p = min(r.real for r in roots if abs(r.imag) < 1e-12 and 0 < r.real < 1)
    return 0.5 * math.log2(1 / p)


#: ``(channel, parameter) -> (function of the parameter value, citation)``: closed forms for the overlay.
CLOSED_FORMS: dict[tuple[str, str], tuple[Callable[[float], float], str]] = {
    ("bec-noc", "eps"): (_bec_noc, "Sabag, Permuter & Kashyap 2016, Thm 1: max_p H2(p)/(p + 1/(1-eps))"),
    ("ising", "q"): (_ising_q, "monograph Thm 4.6.1 (q <= 8): 1/2 log2(1/p)"),
}


def closed_form_value(channel: str, name: str, value: str) -> float | None:
    """The cited closed form at ``value`` (float estimate), None when none is known.

    Examples
    --------
    >>> round(closed_form_value("bec-noc", "eps", "0"), 10)      # log2 of the golden ratio
    0.6942419136
    """
    entry = CLOSED_FORMS.get((channel.split(":")[0], name))
    if entry is None:
        return None
    v = entry[0](float(value))
    return None if math.isnan(v) else v


class SweepStore:
    """SQLite store of sweep points (resume without loss or duplicates).

    Examples
    --------
    >>> store = SweepStore(None)
    >>> store.put("bec-noc", "eps", "0.5", True, {"lower": "0.4"})
    >>> store.get("bec-noc", "eps", "0.5", True)
    {'lower': '0.4'}
    """

    def __init__(self, db: str | Path | None) -> None:
        target = ":memory:" if db is None else str(db)
        try:
            self.conn = sqlite3.connect(target, timeout=60.0, isolation_level=None)
            self.conn.execute(
                "CREATE TABLE IF NOT EXISTS sweep_points (channel TEXT, param TEXT, value TEXT, certify INTEGER, "
                "result TEXT NOT NULL, PRIMARY KEY (channel, param, value, certify))")
        except sqlite3.Error as exc:
            raise InvalidInput(f"--db: cannot open {target} as an SQLite database ({exc})") from None

    def get(self, channel: str, param: str, value: str, certify: bool) -> dict | None:
        row = self.conn.execute("SELECT result FROM sweep_points WHERE channel=? AND param=? AND value=? AND certify=?",
                                (channel, param, value, int(certify))).fetchone()
        return None if row is None else json.loads(row[0])

    def put(self, channel: str, param: str, value: str, certify: bool, result: dict) -> None:
        with self.conn:
            self.conn.execute("INSERT OR REPLACE INTO sweep_points VALUES (?, ?, ?, ?, ?)",
                              (channel, param, value, int(certify), json.dumps(result)))

    def close(self) -> None:
        self.conn.close()


def _spec(channel: str, name: str, value: str) -> str:
    base, sep, params = channel.partition(":")
    kept = [p for p in params.split(",") if p and p.split("=")[0].strip() != name] if sep else []
    return f"{base}:{','.join(kept + [f'{name}={value}'])}"


def sweep_point(channel: str, name: str, value: str, certify: bool, digits: int = 15) -> dict:
    """The bracket at one parameter value (see module docstring); runs in a worker.

    Examples
    --------
    >>> r = sweep_point("bsc", "p", "0.25", False)
    >>> r["nodes"], r["certified"], round(r["upper_estimate"], 6)
    (1, False, 0.188722)
    """
    import warnings

    from dicert.verify.capacity.discover import discover_qgraph
    from dicert.verify.channels import parse_channel

    warnings.simplefilter("ignore")
    start = time.perf_counter()
    spec = _spec(channel, name, value)
    ch = parse_channel(spec)
    found = discover_qgraph(ch)
    out: dict[str, Any] = {"channel": spec, "value": value, "nodes": int(found.graph.m),
                           "phi": found.graph.phi.tolist(), "upper_estimate": found.upper,
                           "lower_estimate": found.lower, "lower": None, "upper": None, "gap": None,
                           "certified": False, "fingerprint": None}
    if certify:
        from dicert.verify.certify.invariant_lower_cert import certified_discovery_bracket

        cert, _ = certified_discovery_bracket(ch, found.graph, found.lower_policy, digits=digits)
        has_lower = bool(cert.data["witness"].get("lower"))
        out.update(upper=cert.upper, lower=cert.lower if has_lower else None, gap=cert.gap if has_lower else None,
                   certified=bool(cert.verified and has_lower), fingerprint=cert.data["channel"]["fingerprint"])
    else:
        from dicert.verify.certify.qgraph_certify import valid_upper_bound

        out["upper"] = valid_upper_bound(ch, found.graph.phi.tolist(), found.output_law)
    out["seconds"] = time.perf_counter() - start
    return out


@dataclass(frozen=True)
class SweepResult:
    """All points of a sweep, in parameter order, with the resume and timing counts."""

    channel: str
    param: str
    certify: bool
    points: list
    computed: int
    resumed: int
    seconds: float

    def to_dict(self) -> dict:
        return {"channel": self.channel, "param": self.param, "certify": self.certify, "points": self.points,
                "computed": self.computed, "resumed": self.resumed, "seconds": self.seconds,
                "all_certified": all(p["certified"] for p in self.points)}


def sweep(channel: str, param: str, *, certify: bool = False, db: str | Path | None = None, jobs: int = 1,
          progress: Callable[[int, int], None] | None = None) -> SweepResult:
    """Brackets at every grid value (module docstring); ``progress(done, total)`` after each point.

    Examples
    --------
    >>> res = sweep("bsc", "p=0.1:0.2:0.1")
    >>> [p["value"] for p in res.points], res.computed
    (['0.1', '0.2'], 2)
    """
    from joblib import Parallel, delayed

    from dicert.verify.channels import parse_channel

    start = time.perf_counter()
    name, values = parameter_grid(param)
    parse_channel(_spec(channel, name, values[0]))  # bad channel / parameter: fail before any work
    store = SweepStore(db)
    try:
        results: dict[str, dict] = {}
        for v in values:
            hit = store.get(channel, name, v, certify)
            if hit is not None:
                results[v] = hit
        resumed = len(results)
        todo = [v for v in values if v not in results]
        if progress:
            progress(len(results), len(values))
        if todo:
            if jobs == 1:
                stream: Iterator[dict] = (sweep_point(channel, name, v, certify) for v in todo)
            else:
                stream = Parallel(n_jobs=jobs, return_as="generator_unordered")(
                    delayed(sweep_point)(channel, name, v, certify) for v in todo)
            for point in stream:
                store.put(channel, name, point["value"], certify, point)
                results[point["value"]] = point
                if progress:
                    progress(len(results), len(values))
        points = []
        for v in values:
            p = dict(results[v])
            p["closed_form"] = closed_form_value(channel, name, v)
            points.append(p)
    finally:
        store.close()
    return SweepResult(channel, name, certify, points, len(values) - resumed, resumed, time.perf_counter() - start)


def _row(p: dict) -> list:
    return [p["value"], p["lower"], p["upper"], p["gap"], p["certified"], p["nodes"],
            p["closed_form"], f"{p['seconds']:.2f}"]


_HEADER = ["value", "lower", "upper", "gap", "certified", "nodes", "closed_form_estimate", "seconds"]


def write_csv(result: SweepResult, path: str | Path) -> Path:
    """CSV of the sweep (one row per parameter value)."""
    import csv

    path = Path(path)
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([result.param if h == "value" else h for h in _HEADER])
        for p in result.points:
            writer.writerow(["" if v is None else v for v in _row(p)])
    return path


def write_latex(result: SweepResult, path: str | Path, places: int = 10) -> Path:
    """A LaTeX ``tabular`` of the certified brackets (lower rounded down, upper rounded up, as proven)."""
    path = Path(path)

    def cut(text: str | None) -> str:
        if text is None:
            return "--"
        whole, _, frac = text.partition(".")
        return f"{whole}.{frac[:places]}" if frac else whole

    def cut_up(text: str | None) -> str:
        if text is None:
            return "--"
        value = Fraction(text)
        scaled = math.ceil(value * 10**places)
        return f"{scaled // 10**places}.{scaled % 10**places:0{places}d}"

    lines = [r"\begin{tabular}{rllll}", r"\hline",
             f"${result.param}$ & lower & upper & gap & certified \\\\", r"\hline"]
    for p in result.points:
        lines.append(f"{p['value']} & {cut(p['lower'])} & {cut_up(p['upper'])} & {p['gap'] or '--'} & "
                     f"{'yes' if p['certified'] else 'no'} \\\\")
    lines += [r"\hline", r"\end{tabular}"]
    path.write_text("\n".join(lines) + "\n")
    return path


def plot_sweep(result: SweepResult, directory: str | Path) -> list[Path]:
    """Lower and upper bounds against the parameter, closed form overlaid (PNG and SVG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    xs = [float(p["value"]) for p in result.points]
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    up = [float(p["upper"]) if p["upper"] is not None else math.nan for p in result.points]
    lo = [float(p["lower"]) if p["lower"] is not None else math.nan for p in result.points]
    kind = "certified" if result.certify else "valid"
    ax.plot(xs, up, "v-", color="tab:red", label=f"upper bound ({kind}, Thm 4.5.2)")
    if result.certify:
        ax.plot(xs, lo, "^-", color="tab:blue", label="lower bound (certified, Thm 4.4.4)")
    else:
        est = [p["lower_estimate"] if p["lower_estimate"] is not None else math.nan for p in result.points]
        ax.plot(xs, est, "^--", color="tab:blue", label="lower estimate (solver)")
    cf = [p["closed_form"] for p in result.points]
    entry = CLOSED_FORMS.get((result.channel.split(":")[0], result.param))
    if entry is not None and any(v is not None for v in cf):
        import numpy as np

        dense = np.linspace(min(xs), max(xs), 200)
        vals = [entry[0](float(x)) for x in dense]
        ax.plot(dense, vals, "k:", lw=1.2, label=f"closed form ({entry[1].split(',')[0]})")
    ax.set_xlabel(result.param)
    ax.set_ylabel("feedback capacity (bits/use)")
    ax.set_title(f"{result.channel}: feedback capacity vs {result.param}")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    stem = directory / f"sweep_{result.channel.split(':')[0]}_{result.param}"
    written = []
    for ext in (".png", ".svg"):
        fig.savefig(stem.with_suffix(ext), dpi=150, bbox_inches="tight")
        written.append(stem.with_suffix(ext))
    plt.close(fig)
    return written
