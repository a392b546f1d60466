"""TeX formulas: checked when the bank is read, typeset once per build for print.

Cards hand the TeX to Anki's MathJax; print typesets it here, without a TeX installation:
latex2mathml reads the TeX into MathML and ziamath sets that MathML in its own math font (STIX Two
Math) as SVG paths, which pdfkit draws as vector shapes with svglib. A formula the check passes
typesets; one it refuses is an error at its place in the bank, with the reason.
"""

from __future__ import annotations

import functools
import re
import warnings
from dataclasses import dataclass

MAX_FORMULA_CHARS = 2_000  # a long derivation is several formulas; past this, typesetting takes seconds
#: Groups inside groups ({...}, \left...\right, \begin...\end): ziamath's layout takes about twice
#: as long for each level (8 levels: 0.6 s at worst; 10: 2.3 s; 13 nested fractions: 16 s)
MAX_NESTING = 8
#: Commands a formula may not use: links, styling by CSS, and macros (MathJax on the card would
#: follow them, run them or define them; print would ignore them), and what reads other files.
FORBIDDEN = frozenset({
    "href", "url", "class", "cssId", "style", "html", "require", "unicode", "mmlToken",
    "def", "gdef", "edef", "xdef", "let", "newcommand", "renewcommand", "providecommand",
    "newenvironment", "renewenvironment", "DeclareMathOperator", "input", "include", "includegraphics",
    "tag",
})
#: The environments (\begin{...}) a formula may use: those both MathJax and the print reader know.
ENVIRONMENTS = ("matrix", "pmatrix", "bmatrix", "Bmatrix", "vmatrix", "Vmatrix", "smallmatrix", "array",
                "cases", "aligned")
_SIZE = 100.0  # the size formulas are laid out at, in ziamath's units; drawn at any size from there
_COMMAND = re.compile(r"\\([A-Za-z]+|.)")
#: What opens and closes a group: braces (not escaped), \left and \right, \begin and \end
_GROUP = re.compile(r"\\(?:left|right|begin|end)(?![A-Za-z])|\\.|[{}]", re.DOTALL)
_UNKNOWN = re.compile(r"<mi>\\([A-Za-z]+)</mi>")
_ENVIRONMENT = re.compile(r"\\(?:begin|end)\s*\{([^{}]*)\}")


@dataclass(frozen=True)
class Formula:
    """A typeset formula: its SVG (paths only, no text), and its size in ems of the font it is set
    next to: *width*, *ascent* above the baseline and *descent* below it."""

    svg: str
    width: float
    ascent: float
    descent: float


class FormulaError(ValueError):
    """A formula that cannot be typeset; the message says why, as the end of a sentence."""


def check(tex: str) -> str | None:
    """Why *tex* cannot be typeset, as the end of a sentence ("has a '{' that is never closed"), or
    None when it can. Quick: the TeX is read, not laid out."""
    if len(tex) > MAX_FORMULA_CHARS:
        return f"is {len(tex):,} characters long; a formula may have {MAX_FORMULA_CHARS:,}: split it"
    depth = deepest = 0
    for match in _COMMAND.finditer(tex) if "\\" in tex else ():
        name = match.group(1)
        if name in "()[]":
            return (f"has \\{name}, which Anki's MathJax reads as the start or end of a formula; write "
                    f"{name} without the backslash")
        if name in FORBIDDEN:
            return (f"uses \\{name}, which deckbook does not allow in a formula: formulas are math only, "
                    "with no links, styles, macros or files")
    for environment in _ENVIRONMENT.findall(tex) if "\\begin" in tex or "\\end" in tex else ():
        if environment.strip() not in ENVIRONMENTS:
            return (f"uses the environment '{environment}', which is not one deckbook knows; these are: "
                    f"{', '.join(ENVIRONMENTS)}")
    braces = 0
    for match in _GROUP.finditer(tex):
        token = match.group()
        if token == "{":
            braces += 1
        elif token == "}":
            braces -= 1
            if braces < 0:
                return "has a '}' without its '{'; write \\} for a brace"
        if token in ("{", "\\left", "\\begin"):
            depth += 1
            deepest = max(deepest, depth)
        elif token in ("}", "\\right", "\\end"):
            depth = max(depth - 1, 0)
    if braces > 0:
        return "has a '{' that is never closed; write \\{ for a brace"
    if deepest > MAX_NESTING:
        return (f"nests groups ({{...}}, \\left...\\right, \\begin...\\end) more than {MAX_NESTING} deep; "
                "split it into formulas that are simpler")
    try:
        mathml = _mathml(tex, False)
    except FormulaError as exc:
        return str(exc)
    unknown = _UNKNOWN.search(mathml)
    if unknown:
        return f"uses \\{unknown.group(1)}, which is not a TeX math command deckbook knows"
    if "\\limits" in tex or "\\nolimits" in tex:  # the one use the reader takes and the layout does not
        try:
            typeset(tex, False)
        except FormulaError as exc:
            return str(exc)
    return None


def _mathml(tex: str, display: bool) -> str:
    """The MathML ziamath sets for *tex*: latex2mathml's, after ziamath's own touches (\\binom,
    aligned, \\mathrm)."""
    tex2mml = _ziamath().tex.tex2mml
    try:
        return tex2mml(tex, inline=not display)
    except RecursionError:
        raise FormulaError(f"nests groups more than {MAX_NESTING} deep") from None
    except Exception as exc:  # latex2mathml's errors name what is missing by their class
        raise FormulaError(f"cannot be read as TeX: {_reason(exc)}") from None


def _reason(exc: Exception) -> str:
    name = type(exc).__name__
    return {
        "NoAvailableTokensError": "a command or a group ends before it has all it needs (\\frac{a}{b}, "
                                  "\\sqrt{x}, \\left( ... \\right))",
        "MissingSuperScriptOrSubscriptError": "a ^ or _ has nothing after it",
        "DoubleSuperscriptsError": "two ^ in a row; write x^{ab} or {x^a}^b",
        "DoubleSubscriptsError": "two _ in a row; write x_{ab} or {x_a}_b",
        "DenominatorNotFoundError": "a fraction has no denominator",
        "NumeratorNotFoundError": "a fraction has no numerator",
        "ExtraLeftOrMissingRightError": "a \\left has no \\right",
        "MissingEndError": "a \\begin has no \\end",
        "InvalidStyleForGenfracError": "\\genfrac has a style it does not take",
        "InvalidWidthError": "a width it cannot read",
        "InvalidAlignmentError": "an alignment it cannot read",
    }.get(name, f"{name} {exc}".strip())


@functools.cache
def _ziamath():
    """ziamath, imported when a bank has a formula (it loads its font), set up for deckbook: SVG with
    xlink:href, which svglib reads, and no equation numbers. Its import warns of a deprecated
    importlib call of its own: not deckbook's to fix, and not to fail a build on."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import ziamath
        import ziamath.tex
    ziamath.config.svg2 = False
    ziamath.config.numbering.autonumber = False
    return ziamath


@functools.lru_cache(maxsize=8192)
def typeset(tex: str, display: bool) -> Formula:
    """*tex* set as a formula, inline or *display*: once per build for every exporter (cached).
    Raises FormulaError for TeX that cannot be set; check() refuses such TeX first."""
    ziamath = _ziamath()
    mathml = _mathml(tex, display)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ziamath warns of glyphs it substitutes; the check says what counts
            math = ziamath.Math(mathml, size=_SIZE, margin=0)
            svg = math.svg()
    except RecursionError:
        raise FormulaError(f"nests groups more than {MAX_NESTING} deep") from None
    except Exception as exc:
        raise FormulaError(f"cannot be typeset: {type(exc).__name__} {exc}".rstrip()) from None
    box = math.node.bbox
    return Formula(svg, (box.xmax - box.xmin) / _SIZE, box.ymax / _SIZE, -box.ymin / _SIZE)
