"""Notebook display for records: ``_repr_html_`` and ``_repr_latex_`` rendered from ``to_dict()``.

Any class with a strict-JSON ``to_dict()`` (certificates, bound records) gains a
readable view in Jupyter by inheriting :class:`ReprMixin`: an HTML table (nested
mappings as nested tables, long lists summarised) and a LaTeX ``array`` (for
MathJax/KaTeX: keys as ``\\text``, numbers as numbers).  ``_display_fields``
selects and orders the keys shown (default: all).

Examples
--------
>>> class Bound(ReprMixin):
...     def to_dict(self):
...         return {"upper": 0.5, "upper_estimate": 0.49, "status": "optimal", "witness": list(range(100))}
>>> html = Bound()._repr_html_()
>>> "<td>upper</td><td>0.5</td>" in html, "[100 items]" in html
(True, True)
>>> print(Bound()._repr_latex_().splitlines()[1])
\\text{upper} & 0.5 \\\\
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["ReprMixin", "dict_to_html", "dict_to_latex"]

#: Lists longer than this are summarised as ``[N items]``.
MAX_ITEMS = 8
#: Strings longer than this are cut with an ellipsis.
MAX_CHARS = 200
#: Nesting shown as tables; deeper values are shown as compact JSON.
MAX_DEPTH = 2


def _short(text: str) -> str:
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1] + "…"


def _scalar(value: Any) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return "null"
    if isinstance(value, (str, int, float, bool)) or value is None:
        return _short(str(value)) if not isinstance(value, bool) and value is not None else json.dumps(value)
    return _short(json.dumps(value, default=str))


def _html_value(value: Any, depth: int) -> str:
    if isinstance(value, Mapping) and depth < MAX_DEPTH:
        return dict_to_html(value, depth + 1)
    if isinstance(value, Sequence) and not isinstance(value, str):
        if len(value) > MAX_ITEMS:
            return f"[{len(value)} items]"
        if depth < MAX_DEPTH and any(isinstance(v, Mapping) for v in value):
            return "".join(_html_value(v, depth + 1) for v in value)
    return html.escape(_scalar(value))


def dict_to_html(data: Mapping[str, Any], depth: int = 0) -> str:
    """``data`` as an HTML table (keys left, values right; nested mappings as nested tables).

    Examples
    --------
    >>> dict_to_html({"a": 1, "b": "<x>"})
    '<table><tr><td>a</td><td>1</td></tr><tr><td>b</td><td>&lt;x&gt;</td></tr></table>'
    """
    rows = "".join(f"<tr><td>{html.escape(str(key))}</td><td>{_html_value(value, depth)}</td></tr>"
                   for key, value in data.items())
    return f"<table>{rows}</table>"


def _latex_text(text: str) -> str:
    from dicert.verify.certify.evidence_latex import latex_text

    return "\\text{" + latex_text(text) + "}"


def _latex_value(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return _latex_text(json.dumps(value))
    if isinstance(value, (int, float)) and math.isfinite(value):
        return repr(value)
    if isinstance(value, str) and _is_number(value):
        return value[:60] + ("\\ldots" if len(value) > 60 else "")
    if isinstance(value, Sequence) and not isinstance(value, str) and len(value) > MAX_ITEMS:
        return _latex_text(f"[{len(value)} items]")
    return _latex_text(_scalar(value))


_DECIMAL = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")


def _is_number(text: str) -> bool:
    """A decimal literal (the certificates' exact decimal strings); not ``nan``/``inf``."""
    return _DECIMAL.fullmatch(text) is not None


def dict_to_latex(data: Mapping[str, Any]) -> str:
    """``data`` as a LaTeX ``array`` in display math (one ``key & value`` row per top-level key).

    Examples
    --------
    >>> print(dict_to_latex({"lower": "0.6942", "certified": True}))
    $$\\begin{array}{ll}
    \\text{lower} & 0.6942 \\\\
    \\text{certified} & \\text{true} \\\\
    \\end{array}$$
    """
    rows = [f"{_latex_text(key)} & {_latex_value(value)} \\\\" for key, value in _flat(data, "", 0)]
    return "\n".join(["$$\\begin{array}{ll}", *rows, "\\end{array}$$"])


def _flat(data: Mapping[str, Any], prefix: str, depth: int) -> list[tuple[str, Any]]:
    """Rows ``(key, value)``: nested mappings as ``outer.inner``, short lists of mappings as ``key[i]`` rows."""
    rows: list[tuple[str, Any]] = []
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and depth < MAX_DEPTH:
            rows += _flat(value, name + ".", depth + 1)
        elif (isinstance(value, Sequence) and not isinstance(value, str) and 0 < len(value) <= MAX_ITEMS
              and all(isinstance(v, Mapping) for v in value)):
            for i, item in enumerate(value):
                shown = "; ".join(f"{k}: {_scalar(v)}" for k, v in item.items() if k != "evidence")
                rows.append((f"{name}[{i}]", shown))
        else:
            rows.append((name, value))
    return rows


class ReprMixin:
    """``_repr_html_`` / ``_repr_latex_`` from ``self.to_dict()`` (see module docstring)."""

    #: Keys shown, in order (``None``: every key of ``to_dict()``).
    _display_fields: tuple[str, ...] | None = None

    def _display_dict(self) -> dict[str, Any]:
        data = self.to_dict()  # type: ignore[attr-defined]
        if self._display_fields is None:
            return dict(data)
        return {key: data[key] for key in self._display_fields if key in data}

    def _repr_html_(self) -> str:
        title = html.escape(type(self).__name__)
        return f"<div><strong>{title}</strong>{dict_to_html(self._display_dict())}</div>"

    def _repr_latex_(self) -> str:
        return dict_to_latex(self._display_dict())
