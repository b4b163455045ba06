"""Check evidence as LaTeX: the formulas in an evidence string typeset as math, the words as escaped text.

The checker writes its evidence as plain text meant for a terminal, e.g.
``p = x^2 + (-1)*x + (-1) square-free; Sturm count 1 on (1, 2]`` or
``rho = max_(s,q,x) residual <= 6.9e-01 (Thm 4.5.2, Arb, 3-node Q-graph)``.
:func:`evidence_to_latex` finds the formula runs (tokens with ``= < > ^ * | _``
or a function application such as ``pi(s'|phi(q,y))``, together with the
numbers, operators and one-letter names next to them) and writes each as
``$...$`` (``<=`` as ``\\le``, ``*`` as ``\\cdot``, ``x^10`` as ``x^{10}``,
``6.9e-01`` as ``6.9 \\times 10^{-1}``, Greek names as Greek letters); everything
else is escaped text.  The output uses only the macros in :data:`MATH_MACROS`
and :data:`TEXT_MACROS`, with balanced braces and dollar signs (checked by
:func:`latex_syntax_problems`, which the tests run on every certificate).

Examples
--------
>>> evidence_to_latex("p = x^2 + (-1)*x + (-1) square-free; Sturm count 1 on (1, 2]")
'$p = x^{2} + (-1) \\\\cdot x + (-1)$ square-free; Sturm count 1 on (1, 2]'
>>> evidence_to_latex("residual <= 6.9e-01 (Thm 4.5.2)")
'residual $\\\\le 6.9 \\\\times 10^{-1}$ (Thm 4.5.2)'
"""

from __future__ import annotations

import re

__all__ = ["evidence_to_latex", "latex_text", "latex_syntax_problems", "MATH_MACROS", "TEXT_MACROS"]

_GREEK = ("alpha", "beta", "gamma", "delta", "epsilon", "eta", "theta", "lambda", "mu", "nu", "pi", "rho", "sigma",
          "tau", "phi", "chi", "psi", "omega")
_MATH_WORDS = {"max": r"\max", "min": r"\min", "log": r"\log", "sup": r"\sup", "inf": r"\inf"}
_UNICODE = {"≤": r"\le", "≥": r"\ge", "≠": r"\ne", "∈": r"\in", "·": r"\cdot", "×": r"\times", "∞": r"\infty",
            "−": "-", "→": r"\to", "π": r"\pi", "ε": r"\varepsilon", "ρ": r"\rho", "φ": r"\phi"}

#: Macros :func:`evidence_to_latex` may write in math mode.
MATH_MACROS = frozenset({"le", "ge", "ne", "in", "cdot", "times", "infty", "to", "mid", "varepsilon", "max", "min",
                         "log", "sup", "inf", "backslash", "{", "}", "%", "#", "&", "$", "sim", "_",
                         *_GREEK})
#: Macros it may write in text mode.
TEXT_MACROS = frozenset({"textbackslash", "_", "%", "&", "#", "$", "{", "}", "^", "~", "textless", "textgreater",
                         "ensuremath"})

_OPERATORS = {"=", "<=", ">=", "<", ">", "+", "-", "*", "!=", "==", "|", "in", "->"}
_STRONG = re.compile(r"[=<>^*|_]|[A-Za-z]\(|[≤≥≠∈·×∞→]")
_NUMBER = re.compile(r"^[(\[]*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?(/\d+)?[)\]]*[,;:]?$")
_LETTER = re.compile(r"^[(\[]*[A-Za-z]'?[)\]]*[,;:]?$")
_TRAILING = re.compile(r"[,;:.]+$")


def latex_text(text: str) -> str:
    """Escape plain text for LaTeX's text mode (the ten special characters; the Unicode math signs as math).

    Examples
    --------
    >>> latex_text("50% of C_fb & more")
    '50\\\\% of C\\\\_fb \\\\& more'
    """
    repl = {
        "\\": r"\textbackslash{}", "_": r"\_", "%": r"\%", "&": r"\&", "#": r"\#", "$": r"\$",
        "{": r"\{", "}": r"\}", "^": r"\^{}", "~": r"\~{}", "<": r"\textless{}", ">": r"\textgreater{}",
    }
    repl.update({ch: f"\\ensuremath{{{macro}}}" if macro.startswith("\\") else macro for ch, macro in _UNICODE.items()})
    return "".join(repl.get(ch, ch) for ch in text)


def _kind(token: str) -> str:
    bare = _TRAILING.sub("", token) or token
    if token in _OPERATORS or bare in _OPERATORS:
        return "op"
    word = re.sub(r"[^A-Za-z]", "", bare)
    if bare.lower() in _GREEK or bare in _MATH_WORDS:
        return "weak"
    if _STRONG.search(bare) and not re.fullmatch(r"[A-Za-z]{2,}-[A-Za-z]+", bare):
        return "strong"
    if _NUMBER.match(token) or _LETTER.match(token) or not word:
        return "weak"
    return "text"


def _sci(match: re.Match[str]) -> str:
    mantissa, exponent = match.group(1), int(match.group(2))
    return f"{mantissa} \\times 10^{{{exponent}}}"


def _math(expr: str) -> str:
    """One formula run as the body of ``$...$``."""
    out = expr
    for ch, macro in (("\\", r"\backslash "), ("{", r"\{"), ("}", r"\}"), ("%", r"\%"), ("#", r"\#"), ("&", r"\&"),
                      ("$", r"\$"), ("~", r"\sim ")):
        out = out.replace(ch, macro)
    out = re.sub(r"(?<![\w.])(\d+(?:\.\d+)?)[eE]([-+]?\d+)\b", _sci, out)
    out = re.sub(r"<=|≤", r"\\le ", out)
    out = re.sub(r">=|≥", r"\\ge ", out)
    out = re.sub(r"!=|≠", r"\\ne ", out)
    out = re.sub(r"->|→", r"\\to ", out)
    out = out.replace("**", "^").replace("*", r" \cdot ").replace("|", r" \mid ")
    for ch, macro in _UNICODE.items():
        out = out.replace(ch, macro + " " if macro.startswith("\\") else macro)
    out = re.sub(r"\^(\([^()]*\)|[-+]?\w+)", lambda m: "^{" + m.group(1) + "}", out)
    out = re.sub(r"_(\([^()]*\)|[A-Za-z0-9]+)", lambda m: "_{" + m.group(1) + "}", out)
    out = re.sub(r"(?<![\\A-Za-z])(" + "|".join(_GREEK) + r")(?![A-Za-z])", r"\\\1", out)
    out = re.sub(r"(?<![\\A-Za-z])(" + "|".join(_MATH_WORDS) + r")(?![A-Za-z])", lambda m: _MATH_WORDS[m.group(1)], out)
    return re.sub(r" {2,}", " ", out).strip()


def evidence_to_latex(text: str) -> str:
    """``text`` with its formula runs as inline math and the rest as escaped text (module docstring)."""
    pieces = re.split(r"(\s+)", text)
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if not run:
            return
        while run and run[-1].isspace():
            run.pop()
        kinds = [_kind(tok) for tok in run if not tok.isspace()]
        expr = "".join(run)
        if "strong" in kinds or "op" in kinds:
            tail = _TRAILING.search(expr)
            cut = len(expr) - (len(tail.group(0)) if tail else 0)
            body = expr[:cut]
            opened, closed = body.count("(") + body.count("["), body.count(")") + body.count("]")
            if opened < closed and body.endswith(")"):  # "(Thm 4.4.4, I >= 0)": the last ")" closes the text
                body, cut = body[:-1], cut - 1
            out.append(f"${_math(body)}$" + latex_text(expr[cut:]))
        else:
            out.append(latex_text(expr))
        run.clear()

    for piece in pieces:
        if not piece:
            continue
        if piece.isspace():
            (run if run else out).append(piece)
            continue
        if _kind(piece) == "text":
            spaces = []
            while run and run[-1].isspace():
                spaces.append(run.pop())
            flush()
            out.extend(spaces)
            out.append(latex_text(piece))
        else:
            run.append(piece)
    flush()
    return "".join(out)


def latex_syntax_problems(source: str, *, known: frozenset[str] | None = None) -> list[str]:
    """Problems a LaTeX engine would stop on, found without one: unbalanced braces, ``$``, environments; unknown macros.

    Parameters
    ----------
    source:
        LaTeX source (a certificate's ``.tex``).
    known:
        Allowed macro names (default: :data:`MATH_MACROS`, :data:`TEXT_MACROS` and the
        document macros a certificate uses).

    Examples
    --------
    >>> latex_syntax_problems(r"$x^{2}$ and \\textbf{y}")
    ['unknown macro \\\\textbf']
    >>> latex_syntax_problems(r"$x^{2$ $y")
    ['unbalanced braces in line 1', 'unbalanced $ in line 1']
    """
    if known is None:
        known = MATH_MACROS | TEXT_MACROS | _DOCUMENT_MACROS
    problems: list[str] = []
    stack: list[str] = []
    for number, line in enumerate(source.splitlines(), 1):
        code = re.sub(r"(?<!\\)%.*$", "", line)
        plain = re.sub(r"\\[\\{}$%&#_^~]", "", code)
        if plain.count("{") != plain.count("}") or _brace_depth_negative(plain):
            problems.append(f"unbalanced braces in line {number}")
        if plain.count("$") % 2:
            problems.append(f"unbalanced $ in line {number}")
        for kind, env in re.findall(r"\\(begin|end)\{(\w+)\}", code):
            if kind == "begin":
                stack.append(env)
            elif not stack or stack.pop() != env:
                problems.append(f"\\end{{{env}}} without its \\begin in line {number}")
        for macro in re.findall(r"\\([A-Za-z]+|[^A-Za-z\s])", code):
            if macro not in known and macro != "\\":
                problems.append(f"unknown macro \\{macro}")
    problems += [f"\\begin{{{env}}} not closed" for env in stack]
    return list(dict.fromkeys(problems))


def _brace_depth_negative(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return True
    return False


#: Macros of the certificate's document frame and cited claims (amsmath/amsthm/amssymb).
_DOCUMENT_MACROS = frozenset({
    "documentclass", "usepackage", "newtheorem", "begin", "end", "item", "texttt", "mathrm", "ldots", "frac",
    "tfrac", "dfrac", "sqrt", "log", "max", "min", "sum", "prod", "in", "le", "ge", "cdot", "mathbb", "mathcal", "left",
    "right", "infty", "quad", "qquad", ",", ";", " ", "!", "emph", "text", "operatorname", "binom", "lfloor", "rfloor",
    "lceil", "rceil", "big", "Big", "bigl", "bigr", "mid", "pm", "approx", "leq", "geq", "neq", "to", "times", "over",
    "varepsilon", "epsilon", "ne", "sim", "varphi", "vartheta", "varrho", "ell", "cdots", "dots", "colon", "exp",
    "Pr", "bar", "hat", "tilde", "lvert", "rvert", "hline", "mathbf", *_GREEK,
})
