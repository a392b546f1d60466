"""The booklet style: styles/booklet.toml, a project's [style] over it, every key checked.

``load_style`` returns the style as the PDF kit reads it: the same tables and the same raw
values as ``tomllib`` gives for styles/booklet.toml (lengths stay text such as "10.3pt"), with
the overrides merged in. A font family declared without ``package`` names its files relative
to the file that declares it; the returned style gives them as absolute paths. Every problem,
in either file, is reported at once as a located Diagnostic in a StyleError.
"""

from __future__ import annotations

import functools
import os
import re
import string
from collections.abc import Mapping
from importlib.resources import as_file, files
from pathlib import Path

from pygments.token import STANDARD_TYPES, Token

from deckbook.diagnostics import Diagnostic, InputError, did_you_mean
from deckbook.pdfkit import fontfiles
from deckbook.tomlfile import KeyPath, TomlDocument, TomlError, kind, read_toml

UNITS = ("pt", "mm", "cm", "in")
FACES = ("regular", "bold", "italic", "bold_italic")
FAMILY_KEYS = ("package", *FACES, "index")
# Pygments' own token names, and the short names it also takes: String for Literal.String, Number...
TOKEN_TYPES = tuple(sorted({name for token in STANDARD_TYPES if token is not Token
                            for name in (str(token)[6:], re.sub(r"^Literal\.(?=String|Number)", "", str(token)[6:]))}))
MAX_GRID = 8

_LENGTH = re.compile(r"^\s*(?P<number>[+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*(?P<unit>[A-Za-z]*)\s*$")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_GRID = re.compile(r"^\s*([1-9]\d*)\s*[xX]\s*([1-9]\d*)\s*$")
_PLACEHOLDER = re.compile(r"\{[A-Za-z_]\w*\}")
# One value of each placeholder, of the type the exporters format it with: a label is tried on them.
_SAMPLES = {
    "number": 12, "questions": "15 questions", "topics": "4 topics", "first": 1, "last": 8,
    "date": "2024-05-01", "page": 3, "pages": 40, "sheet": 1, "sheets": 4, "side": "FRONT",
    "edge": "LONG EDGE", "question": "Q12", "id": "gil", "label": "Q12", "part": 1, "parts": 2,
}


class StyleError(InputError):
    """The booklet style is invalid; *problems* lists every error found, in either file."""


def load_style(overrides: TomlDocument | Mapping | None = None, *, base: Path | None = None) -> dict:
    """The checked booklet style: *base* (styles/booklet.toml by default) with *overrides* over it.

    *overrides* is a project file's [style] (``document.table("style")``), or a plain mapping,
    whose font paths are then relative to the working folder. Raise StyleError with every problem.
    """
    try:
        base_document = _read_base(base)
    except TomlError as exc:
        raise StyleError(exc.problems) from None
    if overrides is None:
        overrides = {}
    if not isinstance(overrides, TomlDocument):
        overrides = TomlDocument(Path.cwd() / "<style>", "<style>", dict(overrides), {})
    checker = _Checker()
    style = checker.table(_SCHEMA, base_document.data, _At(checker, base_document, ()), required=True)
    over = checker.table(_SCHEMA, overrides.data, _At(checker, overrides, ()), required=False)
    merged = _merge(style, over, ())
    checker.family_names(merged, base_document, overrides)
    checker.line_range(merged, base_document, overrides)
    if checker.problems:
        raise StyleError(checker.problems)
    return merged


def parse_grid(value: str) -> tuple[int, int] | None:
    """Columns and rows of a card grid "COLSxROWS", each 1 to 8; None if *value* is not one."""
    match = _GRID.match(value)
    if not match or not all(1 <= int(number) <= MAX_GRID for number in match.groups()):
        return None
    return int(match[1]), int(match[2])


def _read_base(base: Path | None) -> TomlDocument:
    if base is not None:
        return read_toml(base)
    resource = files("deckbook.styles").joinpath("booklet.toml")
    return read_toml(Path(str(resource)), resource.read_bytes())


def _written(data: dict, path: KeyPath) -> bool:
    """Whether *data* has a value at *path*."""
    value: object = data
    try:
        for key in path:
            value = value[key]  # type: ignore[index]
    except (KeyError, IndexError, TypeError):
        return False
    return True


def _merge(base: dict, over: dict, path: KeyPath) -> dict:
    """*base* with *over* merged in, table by table; a font family or token style is replaced whole."""
    merged = dict(base)
    whole = path in (("fonts", "families"), ("code_tokens",))
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict) and not whole:
            merged[key] = _merge(merged[key], value, path + (key,))
        else:
            merged[key] = value
    return merged


# -- reporting ------------------------------------------------------------------------------
class _Checker:
    """Collects the problems of both files; walks a table against its schema."""

    def __init__(self) -> None:
        self.problems: list[Diagnostic] = []

    def table(self, schema: Mapping[str, _Option], value: object, at: _At, *, required: bool) -> dict:
        """The valid entries of the table *value*, after reporting unknown, missing and bad keys."""
        if not isinstance(value, dict):
            at.error(f"{at.name} must be a table, not {kind(value)}")
            return {}
        kept: dict = {}
        for key, item in value.items():
            child = at.child(key)
            if key not in schema:
                hint = did_you_mean(key, tuple(schema)) or f"; expected one of: {', '.join(schema)}"
                child.error(f"unknown key '{key}' in {at.table_name}{hint}", at_value=False)
                continue
            checked = schema[key].check(item, child, required=required)
            if checked is not _INVALID:
                kept[key] = checked
        if required:
            for key, option in schema.items():
                if option.required and key not in value:
                    at.error(f"{at.table_name} has no '{key}'", at_value=False)
        return kept

    def family_names(self, style: dict, base: TomlDocument, overrides: TomlDocument) -> None:
        """fonts.body, fonts.code and fonts.fallback name families of the merged style."""
        fonts = style.get("fonts", {})
        if "families" not in fonts:
            return  # reported already
        families = tuple(fonts["families"])
        for path in [("fonts", "body"), ("fonts", "code"),
                     *(("fonts", "fallback", index) for index in range(len(fonts.get("fallback", ()))))]:
            name = fonts.get(path[1]) if len(path) == 2 else fonts["fallback"][path[2]]
            if name in families:
                continue
            document = overrides if _written(overrides.data, path) else base
            where = document.dotted(path[:2])
            hint = did_you_mean(name, families) or f"; the families are: {', '.join(families)}"
            self.problems.append(document.error(
                path, f"{where} names the font family '{name}', which is not declared{hint}", at_value=True))


    def line_range(self, style: dict, base: TomlDocument, overrides: TomlDocument) -> None:
        """worksheet.min_lines is no more than worksheet.max_lines in the merged style; reported at
        the one an override wrote (max_lines if both), else in the base."""
        sheet = style.get("worksheet", {})
        low, high = sheet.get("min_lines"), sheet.get("max_lines")
        if low is None or high is None or low <= high:
            return
        wrote = [key for key in ("max_lines", "min_lines") if _written(overrides.data, ("worksheet", key))]
        key = wrote[0] if wrote else "max_lines"
        document = overrides if wrote else base
        if key == "max_lines":
            message = f"must be at least worksheet.min_lines ({low}), not {high}"
        else:
            message = f"must be at most worksheet.max_lines ({high}), not {low}"
        path = ("worksheet", key)
        self.problems.append(document.error(path, f"{document.dotted(path)} {message}", at_value=True))


class _At:
    """A key path in one document, to report a problem there."""

    def __init__(self, checker: _Checker, document: TomlDocument, path: KeyPath) -> None:
        self.checker, self.document, self.path = checker, document, path

    def child(self, key: str | int) -> _At:
        return _At(self.checker, self.document, self.path + (key,))

    @property
    def name(self) -> str:
        """The key as written in its file: ``style.sizes.body`` in a project, ``sizes.body`` in the base."""
        return self.document.dotted(self.path) or "the style"

    @property
    def table_name(self) -> str:
        return f"[{self.name}]" if self.path or self.document.prefix else "the style file"

    def error(self, message: str, *, at_value: bool = True) -> None:
        self.checker.problems.append(self.document.error(self.path, message, at_value=at_value))


_INVALID = object()  # what an option returns for a value it reported


# -- one option object per key --------------------------------------------------------------
class _Option:
    """One key of the style: *check* reports what is wrong with a value and returns the value kept."""

    def __init__(self, *, required: bool = True) -> None:
        self.required = required

    def check(self, value: object, at: _At, *, required: bool) -> object:
        raise NotImplementedError


class _Table(_Option):
    def __init__(self, schema: Mapping[str, _Option], **options) -> None:
        super().__init__(**options)
        self.schema = schema

    def check(self, value, at, *, required):
        return at.checker.table(self.schema, value, at, required=required)


class _Text(_Option):
    """Text, printed as written."""

    def check(self, value, at, *, required):
        if not isinstance(value, str):
            at.error(f"{at.name} must be text, not {kind(value)}")
            return _INVALID
        return value


class _Label(_Text):
    """Text formatted with *placeholders* (of which it must use *needs*); or with none at all."""

    def __init__(self, placeholders: tuple[str, ...] = (), needs: tuple[str, ...] = (), **options) -> None:
        super().__init__(**options)
        self.placeholders, self.needs = placeholders, needs

    def check(self, value, at, *, required):
        if super().check(value, at, required=required) is _INVALID:
            return _INVALID
        if not self.placeholders:
            found = _PLACEHOLDER.search(value)
            if found:
                at.error(f"{at.name} takes no placeholders; '{found.group()}' would print as written")
                return _INVALID
            return value
        listed = ", ".join(f"{{{name}}}" for name in self.placeholders)
        try:
            used = [field for _, field, _, _ in string.Formatter().parse(value) if field is not None]
        except ValueError as exc:
            at.error(f"{at.name} is not a valid label ({exc}); write {{{{ or }}}} for a brace itself")
            return _INVALID
        problems = 0
        for field in dict.fromkeys(used):
            if field in self.placeholders:
                continue
            problems += 1
            if not field or field.isdigit():
                at.error(f"{at.name} has a placeholder without a name, {{{field}}}; it can use {listed}")
            else:
                hint = did_you_mean(f"{{{field}}}", listed.split(", ")) or f"; it can use {listed}"
                at.error(f"{at.name} has the placeholder {{{field}}}, which does not exist{hint}")
        missing = [name for name in self.needs if name not in used]
        if missing:
            problems += 1
            needed = " and ".join(f"{{{name}}}" for name in missing)
            at.error(f"{at.name} must contain {needed}")
        if problems:
            return _INVALID
        try:
            value.format(**_SAMPLES)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
            at.error(f"{at.name} cannot be filled in: {exc}")
            return _INVALID
        return value


class _Plural(_Option):
    """[singular, plural]: two texts."""

    def check(self, value, at, *, required):
        if not (isinstance(value, list) and len(value) == 2 and all(isinstance(item, str) for item in value)):
            at.error(f'{at.name} must be two texts, [singular, plural], as in ["question", "questions"]')
            return _INVALID
        return value


class _Length(_Option):
    """A length with a unit, kept as written: "10.3pt", "20mm"."""

    def __init__(self, *, positive: bool = False, **options) -> None:
        super().__init__(**options)
        self.positive = positive

    def check(self, value, at, *, required):
        if not isinstance(value, str):
            at.error(f'{at.name} must be a length in quotes with its unit, as in "10pt", not {kind(value)}')
            return _INVALID
        match = _LENGTH.match(value)
        units = ", ".join(UNITS[:-1]) + f" or {UNITS[-1]}"
        if not match:
            at.error(f"{at.name} must be a length, a number and a unit ({units}), as in \"10pt\", not '{value}'")
        elif not match["unit"]:
            at.error(f"length '{value}' of {at.name} needs a unit: {units}")
        elif match["unit"] not in UNITS:
            at.error(f"length '{value}' of {at.name} has the unknown unit '{match['unit']}'; "
                     f"use {units}{did_you_mean(match['unit'].lower(), UNITS)}")
        elif float(match["number"]) < 0:
            at.error(f"length '{value}' of {at.name} must not be negative")
        elif self.positive and float(match["number"]) == 0:
            at.error(f"length '{value}' of {at.name} must be more than zero")
        else:
            return value
        return _INVALID


class _Color(_Option):
    """A colour "#rrggbb"; with *empty*, also "" for none."""

    def __init__(self, *, empty: bool = False, **options) -> None:
        super().__init__(**options)
        self.empty = empty

    def check(self, value, at, *, required):
        if isinstance(value, str) and (_COLOR.match(value) or (self.empty and value == "")):
            return value
        shown = f"'{value}'" if isinstance(value, str) else kind(value)
        none = ', or "" for none' if self.empty else ""
        at.error(f'{at.name} must be a colour "#rrggbb" (six hex digits, as in "#1a1a1a"){none}, not {shown}')
        return _INVALID


class _Choice(_Option):
    def __init__(self, *choices: str, **options) -> None:
        super().__init__(**options)
        self.choices = choices

    def check(self, value, at, *, required):
        if value in self.choices:
            return value
        shown = f"'{value}'" if isinstance(value, str) else kind(value)
        hint = did_you_mean(value, self.choices) if isinstance(value, str) else ""
        at.error(f"{at.name} must be one of {', '.join(self.choices)}, not {shown}{hint}")
        return _INVALID


class _Number(_Option):
    """A number from *low* to *high*; with *whole*, a whole number."""

    def __init__(self, low: float, high: float, *, whole: bool = False, **options) -> None:
        super().__init__(**options)
        self.low, self.high, self.whole = low, high, whole

    def check(self, value, at, *, required):
        types = int if self.whole else (int, float)
        if isinstance(value, types) and not isinstance(value, bool) and self.low <= value <= self.high:
            return value
        what = "a whole number" if self.whole else "a number"
        shown = repr(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else kind(value)
        at.error(f"{at.name} must be {what} from {self.low} to {self.high}, not {shown}")
        return _INVALID


class _Flag(_Option):
    def check(self, value, at, *, required):
        if isinstance(value, bool):
            return value
        at.error(f"{at.name} must be true or false, not {kind(value)}")
        return _INVALID


class _Grid(_Option):
    """Cards per sheet, "COLSxROWS"."""

    def check(self, value, at, *, required):
        if isinstance(value, str) and parse_grid(value):
            return value
        shown = f"'{value}'" if isinstance(value, str) else kind(value)
        at.error(f"{at.name} must be COLSxROWS with 1 to {MAX_GRID} of each, as in \"2x4\", not {shown}")
        return _INVALID


class _FamilyNames(_Option):
    """A font family's name, or with *many* a list of them (checked against the families later)."""

    def __init__(self, *, many: bool = False, **options) -> None:
        super().__init__(**options)
        self.many = many

    def check(self, value, at, *, required):
        if not self.many and isinstance(value, str):
            return value
        if self.many and isinstance(value, list) and all(isinstance(item, str) for item in value):
            return value
        what = 'a list of font family names, as in ["fira-sans"]' if self.many else "a font family name"
        at.error(f"{at.name} must be {what}, not {kind(value)}")
        return _INVALID


class _Tokens(_Option):
    """Pygments token type -> {bold, italic, color}."""

    _STYLE = _Table({"bold": _Flag(required=False), "italic": _Flag(required=False),
                     "color": _Color(required=False)})

    def check(self, value, at, *, required):
        if not isinstance(value, dict):
            at.error(f"{at.name} must be a table, not {kind(value)}")
            return _INVALID
        kept = {}
        for name, item in value.items():
            if name not in TOKEN_TYPES:
                at.child(name).error(f"unknown Pygments token type '{name}' in [{at.name}]"
                                     f"{did_you_mean(name, TOKEN_TYPES)}", at_value=False)
                continue
            kept[name] = self._STYLE.check(item, at.child(name), required=False)
        return kept


class _Families(_Option):
    """Font family name -> its TrueType files: in an installed package, or beside the declaring file."""

    _FACE, _INDEX = _Text(), _Number(0, 1000, whole=True)

    def check(self, value, at, *, required):
        if not isinstance(value, dict):
            at.error(f"{at.name} must be a table of font families, not {kind(value)}")
            return _INVALID
        return {name: self.family(spec, at.child(name)) for name, spec in value.items()}

    def family(self, spec: object, at: _At) -> dict:
        """The family's entry as the kit reads it; files not in a package with absolute paths."""
        if not isinstance(spec, dict):
            at.error(f'{at.name} must be a table of font files, as in {{ regular = "fonts/Sans.ttf" }}, '
                     f"not {kind(spec)}")
            return {}
        for key in spec:
            if key not in FAMILY_KEYS:
                at.child(key).error(f"unknown key '{key}' in font family {at.name}"
                                    f"{did_you_mean(key, FAMILY_KEYS) or '; expected ' + ', '.join(FAMILY_KEYS)}",
                                    at_value=False)
        if "regular" not in spec:
            at.error(f"font family {at.name} has no 'regular' font file", at_value=False)
        faces = {face: spec[face] for face in FACES if face in spec
                 and self._FACE.check(spec[face], at.child(face), required=True) is not _INVALID}
        index = spec.get("index", 0)
        if "index" in spec and self._INDEX.check(index, at.child("index"), required=True) is _INVALID:
            index = None
        package = spec.get("package")
        if package is not None and self._FACE.check(package, at.child("package"), required=True) is _INVALID:
            return dict(spec)
        if package is not None:
            self.package_files(package, faces, index, at)
            return dict(spec)
        folder = at.document.path.parent
        resolved = {face: os.path.abspath(folder / path) for face, path in faces.items()}
        for face, path in resolved.items():
            if not Path(path).is_file():
                what = "is not a file" if Path(path).exists() else "does not exist"
                at.child(face).error(f"font file '{faces[face]}' of {at.name} {what}; a path is "
                                     f"relative to the folder of {at.document.path.name}")
            elif index is not None:
                self.font(path, index, faces[face], at, face)
        return {**resolved, **({"index": spec["index"]} if "index" in spec else {})}

    def package_files(self, package: str, faces: dict, index: int | None, at: _At) -> None:
        try:
            root = files(package)
        except ModuleNotFoundError:
            at.child("package").error(f"font package '{package}' of {at.name} is not installed; "
                                      f"pip install {package.replace('_', '-')}")
            return
        except (TypeError, ValueError):  # a module that is not a package, or not a module name at all
            at.child("package").error(f"'{package}' of {at.name} is not a Python package holding font files")
            return
        for face, path in faces.items():
            resource = root.joinpath(path)
            if not resource.is_file():
                at.child(face).error(f"font file '{path}' of {at.name} is not in the package '{package}'")
            elif index is not None:
                with as_file(resource) as real:
                    self.font(str(real), index, path, at, face)

    def font(self, path: str, index: int, written: str, at: _At, face: str) -> None:
        """Report, at the face's value, a font file reportlab cannot embed."""
        problem = _font_problem(path, index)
        if problem:
            at.child(face).error(f"font file '{written}' of {at.name} cannot be used: {problem}")


def _font_problem(path: str, index: int) -> str | None:
    """Why the font at *path* (face *index* of a collection) cannot be embedded, or None: any
    TrueType or OpenType font can, CFF outlines, collections and variable fonts included."""
    try:
        fontfiles.info(path, index)
    except fontfiles.FontFileError as exc:
        return str(exc)
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


# -- the schema: every key of styles/booklet.toml -------------------------------------------
_L, _POSITIVE = _Length(), _Length(positive=True)
_T = _Text()
_NO_PLACEHOLDERS = _Label()

_SCHEMA: dict[str, _Option] = {
    "page": _Table({
        "inner_margin": _L, "outer_margin": _L, "top_margin": _L, "bottom_margin": _L,
        "header_offset": _L, "footer_offset": _L,
        "footer_align": _Choice("outer", "center", required=False),
        "keep_whole_up_to": _Number(0, 1, required=False),
        "section_break_slack": _Number(0, 1, required=False),
    }),
    "fonts": _Table({
        "body": _FamilyNames(), "code": _FamilyNames(),
        "fallback": _FamilyNames(many=True, required=False),
        "families": _Families(),
    }),
    "colors": _Table({name: _Color() for name in (
        "text", "muted", "accent", "rule", "answer_fill", "answer_bar", "code_fill", "code_bar",
        "inline_code_fill")}),
    "sizes": _Table({name: _POSITIVE for name in (
        "body", "body_leading", "code", "code_leading", "inline_code", "heading", "heading_leading",
        "label", "meta", "topic", "title", "subtitle", "header", "footer", "toc")}),
    "spacing": _Table({name: _L for name in (
        "between_questions", "after_heading", "before_label", "after_label", "paragraph", "list_indent",
        "answer_padding", "answer_bar", "code_padding", "code_bar", "label_tracking", "footer_tracking")}),
    "labels": _Table({
        **{name: _NO_PLACEHOLDERS for name in ("contents", "answer", "explanation", "example", "mistakes",
                                               "story", "bullet", "outline_contents")},
        "question": _Label(("number",), needs=("number",)),
        "stats": _Label(("questions", "topics")),
        "questions": _Plural(), "topics": _Plural(), "footer_questions": _Plural(),
        "topic_questions": _Label(("questions", "first", "last")),
        "topic_question": _Label(("questions", "first")),
        "updated": _Label(("date",), needs=("date",)),
        "footer": _Label(("page", "pages", "questions"), needs=("page", "pages")),
        "code_continuation": _Label(required=False),
    }),
    "code_tokens": _Tokens(),
    "cards": _Table({
        "grid": _Grid(), "margin": _L, "padding": _L, "cut_mark": _L, "cut_mark_offset": _L,
        "guides": _Color(empty=True, required=False),
        **{name: _POSITIVE for name in ("question_size", "answer_size", "min_size", "shrink_step",
                                        "corner_size", "footer_size")},
        "labels": _Table({
            **{name: _NO_PLACEHOLDERS for name in ("front", "back", "long_edge", "short_edge", "answer",
                                                   "continued", "continued_short", "question_continues")},
            "footer": _Label(("sheet", "sheets", "side"), needs=("sheet", "side")),
            "print_hint": _Label(("edge",), needs=("edge",)),
            "card_id": _Label(("question", "id"), needs=("question",)),
            "part": _Label(("label", "part", "parts"), needs=("label", "part")),
            "answer_continues": _Label(("question", "part", "parts"), needs=("part",)),
        }),
    }),
    "worksheet": _Table({
        "lines": _Number(0, 40, whole=True, required=False),
        "min_lines": _Number(0, 40, whole=True), "max_lines": _Number(0, 40, whole=True),
        "words_per_line": _Number(1, 100, whole=True),
        "line_spacing": _POSITIVE, "line_width": _L,
        "labels": _Table({name: _NO_PLACEHOLDERS for name in (
            "title", "name", "date", "answer_key", "answer_key_note")}),
    }),
}
