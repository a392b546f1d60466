"""TOML input files: tomllib's values, and the line and column where each key and value is written.

tomllib is the judge of what is valid TOML and gives the values; it keeps no positions. The
tree-sitter TOML grammar gives the exact place of every key and value, so a checker can say
``deckbook.toml:12:1: error: ...`` for any key path, as bank.py does for the YAML bank.
"""

from __future__ import annotations

import datetime
import functools
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import tree_sitter
import tree_sitter_toml

from deckbook.diagnostics import Diagnostic, InputError, printable

MAX_FILE_BYTES = 1024 * 1024  # a settings file is a few lines; beyond this it is a mistake

KeyPath = tuple[str | int, ...]  # ("artifact", 2, "format"): table keys, and array indexes from 0
Position = tuple[int, int]  # 1-based line and column (in characters)

_SYNTAX = re.compile(r"^(?P<message>.*) \((?:at line (?P<line>\d+), column (?P<column>\d+)|at end of document)\)$",
                     re.DOTALL)
_NUMBER_END = re.compile(r"(?<![\w.])[-+]?\d[\d.]*$")  # a number just before a syntax error...
_UNIT = re.compile(r"[A-Za-z]+")  # ...and a unit at it: an unquoted length
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_KEYS = ("bare_key", "quoted_key")
_TABLES = ("table", "table_array_element")


class TomlError(InputError):
    """The file cannot be read as TOML: too large, not UTF-8, or a syntax error (one problem)."""


@dataclass(frozen=True, slots=True)
class Place:
    """Where one key path is written: its key and its value; for a table, where it is first named,
    for an [[array]] element, its header; for a list item, the item."""

    key: Position
    value: Position


@dataclass(frozen=True)
class TomlDocument:
    """A parsed TOML file, or the part of one under *prefix* (see ``table``)."""

    path: Path  # the file; relative paths written in it are relative to its folder
    name: str  # the file as messages show it
    data: dict  # tomllib's values under *prefix*: plain dicts, lists, str, int, float, bool, dates
    places: Mapping[KeyPath, Place] = field(repr=False)  # every key path of the whole file
    prefix: KeyPath = ()

    def table(self, *keys: str) -> TomlDocument:
        """The part of this document under *keys* (an empty table when the file has none)."""
        value = self.data
        for key in keys:
            value = value.get(key, {}) if isinstance(value, dict) else {}
        return TomlDocument(self.path, self.name, value, self.places, self.prefix + keys)

    def key_at(self, path: KeyPath) -> Position:
        """Where the key of *path* is written; its nearest written parent's, else line 1."""
        place = self._place(path)
        return place.key if place else (1, 1)

    def value_at(self, path: KeyPath) -> Position:
        """Where the value of *path* is written; its nearest written parent's key, else line 1."""
        full = self.prefix + tuple(path)
        if full in self.places:
            return self.places[full].value
        return self.key_at(path)

    def error(self, path: KeyPath, message: str, *, at_value: bool = False) -> Diagnostic:
        """A Diagnostic located at the key (or value) of *path*, its message made printable."""
        line, column = self.value_at(path) if at_value else self.key_at(path)
        return Diagnostic(self.name, line, column, printable(message))

    def dotted(self, path: KeyPath) -> str:
        """*path* (relative to the prefix) as written in TOML: ``style.code_tokens."Name.Tag"``."""
        return dotted(self.prefix + tuple(path))

    def _place(self, path: KeyPath) -> Place | None:
        full = self.prefix + tuple(path)
        while full:
            if full in self.places:
                return self.places[full]
            full = full[:-1]
        return None


def dotted(path: KeyPath) -> str:
    """A key path as TOML writes it: bare keys joined by dots, others quoted; ``[i]`` for an index."""
    out = ""
    for key in path:
        if isinstance(key, int):
            out += f"[{key}]"
        else:
            out += ("." if out else "") + (key if _BARE_KEY.match(key) else _quoted(key))
    return out


def kind(value: object) -> str:
    """What a TOML value is, for messages: 'text', 'a number', 'a table'..."""
    if isinstance(value, str):
        return "text"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, (datetime.date, datetime.time)):
        return "a date or time"
    return type(value).__name__


def read_toml(path: Path, data: bytes | None = None, *, name: str | None = None,
              limit: int = MAX_FILE_BYTES) -> TomlDocument:
    """Read the TOML file at *path* (or its bytes *data*), of at most *limit* bytes; raise
    TomlError with one located problem."""
    shown = name or str(path)
    if data is None:
        with open(path, "rb") as stream:
            data = stream.read(limit + 1)
    text = _decode(data, shown, limit)
    source = text.encode("utf-8")
    tree = _parser().parse(source)
    try:
        values = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TomlError([_syntax_problem(str(exc), text, tree, shown)]) from None
    except RecursionError:
        raise TomlError([Diagnostic(shown, 1, 1, "TOML syntax: values nested too deeply")]) from None
    walker = _Walker(source)
    try:
        walker.statements(tree.root_node)
    except RecursionError:  # nesting tomllib took but the walk did not: positions fall back to parents
        pass
    return TomlDocument(Path(path), shown, values, MappingProxyType(walker.places))


# -- bytes to text -------------------------------------------------------------------------
def _decode(data: bytes, shown: str, limit: int = MAX_FILE_BYTES) -> str:
    def fail(message: str, at: Position = (1, 1)) -> TomlError:
        return TomlError([Diagnostic(shown, at[0], at[1], message)])

    if len(data) > limit:
        raise fail(f"the file is larger than {limit // 1024} KiB; a settings file is a few lines")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 or UTF-32 byte-order marks
        raise fail("the file is UTF-16 or UTF-32 (it starts with their byte-order mark); save it as UTF-8")
    try:
        return data.decode("utf-8").removeprefix("\ufeff")  # editors on Windows may write a BOM
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before[before.rfind(b"\n") + 1:].decode("utf-8", "replace")) + 1
        raise fail(f"byte 0x{data[exc.start]:02x} is not UTF-8; save the file as UTF-8", (line, column)) from None


def _syntax_problem(error: str, text: str, tree: tree_sitter.Tree, shown: str) -> Diagnostic:
    """tomllib's error, said plainly, at its line and column (or where the broken statement starts)."""
    match = _SYNTAX.match(error)
    message, where = (match["message"], match) if match else (error, None)
    if message.startswith("Cannot"):  # overwrite, declare twice, mutate: say which key, where
        walker = _Walker(text.encode("utf-8"))
        try:
            walker.statements(tree.root_node)
        except RecursionError:
            pass
        if walker.twice:
            return Diagnostic(shown, *walker.twice[0])
    plain = message[:1].lower() + message[1:]
    if (where is None or not where["line"]) and message.startswith("Cannot"):
        return Diagnostic(shown, *_end(text), f"TOML syntax: {plain}")
    if where is None or not where["line"]:  # at end of document: tree-sitter knows where it broke
        line, column = _first_error(tree, text) or _end(text)
        return Diagnostic(shown, line, column, f"TOML syntax: the file ends inside this statement "
                          f"({plain}); is a quote or bracket left open?")
    line, column = int(where["line"]), int(where["column"])
    written = text.split("\n")[line - 1]
    number, unit = _NUMBER_END.search(written[: column - 1]), _UNIT.match(written[column - 1 :])
    if message.startswith("Expected newline") and number and unit:  # margin = 26mm
        return Diagnostic(shown, line, number.start() + 1, f'TOML syntax: a length needs quotes, as in '
                          f'"{number.group()}{unit.group()}"')
    if message == "Invalid value":
        plain += '; put text in quotes, as in format = "apkg"'
    elif message == "Illegal character '\\n'":
        plain = "the quote opened on this line is never closed"
    return Diagnostic(shown, line, column, f"TOML syntax: {plain}")


def _first_error(tree: tree_sitter.Tree, text: str) -> Position | None:
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            return _Walker(text.encode("utf-8")).at(node)
        stack.extend(reversed(node.children))
    return None


def _end(text: str) -> Position:
    lines = text.rstrip().split("\n")
    return len(lines), len(lines[-1]) + 1


# -- positions -----------------------------------------------------------------------------
@functools.cache
def _parser() -> tree_sitter.Parser:
    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_toml.language()))


@functools.lru_cache(maxsize=4096)
def _key_text(written: str) -> str:
    """A quoted key's name, escapes and all: tomllib reads it as TOML."""
    return next(iter(tomllib.loads(f"{written} = 0")))


def _after_index(path: KeyPath) -> KeyPath:
    """The part of *path* after its last array index: the key as written in its [[table]]."""
    indexes = [place for place, key in enumerate(path) if isinstance(key, int)]
    return path[indexes[-1] + 1:] if indexes else path


def _quoted(key: str) -> str:
    return '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


class _Walker:
    """Walks the tree-sitter tree as tomllib reads the text, recording a Place per key path."""

    def __init__(self, source: bytes) -> None:
        self.source = source
        self.places: dict[KeyPath, Place] = {}
        self.arrays: dict[KeyPath, int] = {}  # an array of tables -> its elements so far
        self.assigned: dict[KeyPath, tuple[int, str]] = {}  # given a value or a [header] -> line, what
        self.twice: list[tuple[int, int, str]] = []  # (line, column, message) of keys written twice
        self._line_starts: list[int] | None = None

    def at(self, node: tree_sitter.Node) -> Position:
        """Where *node* starts: 1-based line, and column in characters (tree-sitter counts bytes)."""
        if self._line_starts is None:
            starts = [0]
            starts += [index + 1 for index, byte in enumerate(self.source) if byte == 0x0A]
            self._line_starts = starts
        row, column = node.start_point
        start = self._line_starts[row]
        return row + 1, len(self.source[start : start + column].decode("utf-8", "replace")) + 1

    def statements(self, root: tree_sitter.Node) -> None:
        for node in root.named_children:
            if node.type == "pair":
                self.pair(node, ())
            elif node.type in _TABLES:
                self.table(node)

    def table(self, node: tree_sitter.Node) -> None:
        keys = list(self.keys(node))
        if not keys:
            return
        names = [name for name, _ in keys]
        self.record_keys((), keys)
        path = self.resolve(names[:-1]) + (names[-1],)
        if node.type == "table_array_element":
            count = self.arrays[path] = self.arrays.get(path, 0) + 1
            path += (count - 1,)
        elif self.check_new(path, keys[-1][1], "table"):
            self.assigned[path] = (self.at(keys[-1][1])[0], "table")
        where = self.at(node)
        self.places.setdefault(path, Place(where, where))
        for child in node.named_children:
            if child.type == "pair":
                self.pair(child, path)

    def pair(self, node: tree_sitter.Node, table: KeyPath) -> None:
        keys = list(self.keys(node))
        values = [child for child in node.named_children if child.type not in (*_KEYS, "dotted_key", "comment")]
        if not keys or not values:
            return
        path = table + tuple(name for name, _ in keys)
        self.record_keys(table, keys)
        self.check_new(path, keys[-1][1], "key")
        self.places[path] = Place(self.places[path].key, self.at(values[0]))
        self.value(values[0], path)
        # complete only now, after the keys of its inline table
        self.assigned.setdefault(path, (self.places[path].key[0], "key"))

    def value(self, node: tree_sitter.Node, path: KeyPath) -> None:
        if node.type == "inline_table":
            for child in node.named_children:
                if child.type == "pair":
                    self.pair(child, path)
        elif node.type == "array":
            items = [child for child in node.named_children if child.type != "comment"]
            for index, item in enumerate(items):
                where = self.at(item)
                self.places[path + (index,)] = Place(where, where)
                self.value(item, path + (index,))

    def keys(self, node: tree_sitter.Node) -> Iterator[tuple[str, tree_sitter.Node]]:
        """The key segments of a pair or header, decoded, each with its node."""
        for child in node.named_children:
            if child.type == "dotted_key":
                yield from self.keys(child)
            elif child.type == "bare_key":
                yield child.text.decode("utf-8"), child
            elif child.type == "quoted_key":
                yield _key_text(child.text.decode("utf-8")), child

    def resolve(self, names: list[str]) -> KeyPath:
        """A header's key path, each array of tables on the way replaced by its last element."""
        path: KeyPath = ()
        for name in names:
            path += (name,)
            if path in self.arrays:
                path += (self.arrays[path] - 1,)
        return path

    def record_keys(self, table: KeyPath, keys: list[tuple[str, tree_sitter.Node]]) -> None:
        """Record the place of every prefix of a dotted key, the first writing of each kept."""
        path = table
        for name, node in keys:
            path += (name,)
            where = self.at(node)
            self.places.setdefault(path, Place(where, where))
            if path in self.arrays:
                path += (self.arrays[path] - 1,)

    def check_new(self, path: KeyPath, node: tree_sitter.Node, what: str) -> bool:
        """Whether *path* may get its value here; if not, note why in *twice*."""
        line, column = self.at(node)
        shown = dotted(path) if what == "table" else dotted(_after_index(path))
        written = f"table [{shown}]" if what == "table" else f"key '{shown}'"
        if path in self.assigned:
            self.twice.append((line, column, f"TOML syntax: {written} is written twice; "
                               f"the first is on line {self.assigned[path][0]}"))
            return False
        for end in range(1, len(path)):
            first = self.assigned.get(path[:end])
            if first and first[1] == "key":  # a value, or an inline table: closed to more keys
                self.twice.append((line, column, f"TOML syntax: {written} adds to "
                                   f"'{dotted(path[:end])}', whose value is complete on line {first[0]}"))
                return False
        return True
