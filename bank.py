"""The question bank: load a questions.yaml, check all of it, return an immutable model."""

from __future__ import annotations

import gc
import hashlib
import io
import itertools
import re
import unicodedata
from collections.abc import Collection, Container, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO

import yaml

from deckbook import figures, formulas, markup
from deckbook.diagnostics import (BIDI, HIDDEN, JOINERS, ZERO_WIDTH, Diagnostic, InputError, did_you_mean,
                                  joins, printable)

FORMAT_VERSION = 1
MAX_FILE_BYTES = 64 * 1024 * 1024  # a bank is text; beyond this it is a mistake, not a bank
MAX_TEXT_CHARS = 100_000  # one card field; far above any real answer, far below a hang
MAX_NAME_CHARS = 200  # titles, deck and topic names: one line in a deck list, a header, a contents row
#: The artifact file name stem, cut at a word: with "-worksheet.pdf" and the temporary file's
#: ".STEM-worksheet.pdf.XXXXXXXX.tmp", 228 bytes, under the 255 a file name may have
MAX_SLUG_CHARS = 200
MAX_ID_SUGGESTIONS = 1_000  # "try 'x-2'" for the first ids; a bank of thousands of bad ids gets the errors
ID_PATTERN = r"^[a-z0-9-]{1,64}$"
TAG_PATTERN = r"^[^\s\"]+$"  # Anki splits tags on white space; quotes break its search syntax
#: Tags deckbook writes itself (deckbook::topic::<id>, deckbook::difficulty::<level>): not a bank's
RESERVED_TAG = "deckbook"
DIFFICULTIES = ("easy", "medium", "hard")
TOP_KEYS = ("format", "title", "subtitle", "deck", "namespace", "topics", "questions")
QUESTION_KEYS = (
    "id", "topic", "question", "answer", "explanation", "example", "mistakes", "story",
    "tags", "difficulty",
)
REQUIRED_QUESTION_KEYS = ("id", "topic", "question", "answer")
OPTIONAL_TEXTS = ("explanation", "example", "story")

_ID = re.compile(ID_PATTERN)
_TAG = re.compile(TAG_PATTERN)
# C0 controls but tab and newline, DEL, C1 controls: invisible on a card, garbage in a PDF
_CONTROLS = r"\x00-\x08\x0b-\x1f\x7f-\x9f"
_CONTROL = re.compile(f"[{_CONTROLS}]")
_CONTROL_ORHIDDEN = re.compile(f"[{_CONTROLS}{BIDI}{ZERO_WIDTH}{JOINERS}]")
_ASCII_CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # what Anki removes from deck and tag names
_DECK_PART_ENDS = re.compile(r"^[\s:]+|[\s:]+$")  # what Anki trims from each part of a deck name
_ONE_LINE = re.compile(r"[\t\n\u2028\u2029]")  # the breaks and tabs the other rules let through
# The tags the validator refuses for their colons: an empty part between '::' (split left to
# right, a run of colons leaves one at the start, four or more in a row, or an even run at the
# end) or ':::' (see tags()); both together are these
_CHANGED_TAG = r"^::|::$|:::"
_LINE_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")
_SEPARATOR = re.compile(r"[ \n]")  # where a value may part from its source: folding, indentation
# A line YAML reads as structure: a list item, a comment, a document marker or a plain key
_YAML_LINE = re.compile(r"[ ]*(?:-(?:[ ]|$)|#|---|\.\.\.|(?:[\w.-]+|\"[^\"]*\"|'[^']*')[ ]*:(?:[ ]|$))")
#: The characters that cannot start a text without quotes, as messages name them
_UNSTARTABLE = {"`": "a backtick (`)", "@": "an at sign (@)", "%": "a percent sign (%)"}
_ESCAPE_DIGITS = {"x": 2, "u": 4, "U": 8}  # hex digits after a double-quoted escape: \x41, \u00e9
# Anchor and alias names as libyaml and PyYAML scan them; any other character ends the name.
_ANCHOR = re.compile(r"&([0-9A-Za-z_-]+)")
_ALIAS = re.compile(r"\*([0-9A-Za-z_-]+)")
_STR = "tag:yaml.org,2002:str"
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]+:")  # a scheme: http:, data:, file:, mailto: (C: is a drive)
_DRIVE = re.compile(r"[A-Za-z]:")
_KINDS = {
    _STR: "text",
    "tag:yaml.org,2002:null": "empty",
    "tag:yaml.org,2002:bool": "a boolean",
    "tag:yaml.org,2002:int": "a number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:timestamp": "a date",
    "tag:yaml.org,2002:seq": "a list",
    "tag:yaml.org,2002:map": "a mapping",
}
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: same nodes, C speed


class BankError(InputError):
    """The bank is invalid; *problems* lists every error found, sorted by position."""


@dataclass(frozen=True, slots=True)
class Topic:
    """A topic: its id in the bank and the name shown as subdeck and booklet section."""

    id: str
    name: str
    line: int = 0  # where the topic is declared, for messages
    column: int = 0
    #: The topic's number in declared order, zero-padded to the width of the bank's last one
    #: ("1" to "9", or "01" to "12"): names that start with it sort in declared order
    ordinal: str = ""


@dataclass(frozen=True, slots=True)
class Question:
    """One question with its answer and optional study sections, texts in the markup subset."""

    id: str  # stable for ever: the Anki note GUID comes from it
    topic: str  # a Topic.id of the bank
    question: str
    answer: str
    explanation: str | None = None
    example: str | None = None
    mistakes: tuple[str, ...] = ()  # one text, or the items of the bank's list
    story: str | None = None
    tags: tuple[str, ...] = ()
    difficulty: str | None = None
    line: int = 0  # where the question starts in the bank, for messages
    column: int = 0
    number: int = 0  # Q1 to QK in booklet order (topics, then bank order); kept by a selection
    #: When the question last changed, in seconds since the epoch: set from the dates ledger
    #: (deckbook.dates), 0 until then
    modified: int = 0


class FigureChangedError(Exception):
    """A figure's file changed after the bank was checked: the build stops rather than show it."""


@dataclass(frozen=True, slots=True)
class Figure:
    """A picture the bank shows, checked when the bank was read: the file, the SHA-256 of its bytes,
    its *kind* ("png", "jpeg" or "svg") and its size: pixels for a raster picture, points for an
    SVG. Exporters read it through read(), never by its path."""

    path: Path
    sha256: str
    kind: str
    width: float
    height: float

    @property
    def suffix(self) -> str:
        """The file name ending its kind takes: ".png", ".jpg", ".svg"."""
        return {"png": ".png", "jpeg": ".jpg", "svg": ".svg"}[self.kind]

    def read(self) -> bytes:
        """The picture's bytes, as they were checked; FigureChangedError if the file changed since."""
        try:
            data = self.path.read_bytes()
        except OSError as exc:
            raise FigureChangedError(f"{self.path} cannot be read any more ({exc.strerror or exc}); "
                                     "build again") from exc
        if hashlib.sha256(data).hexdigest() != self.sha256:
            raise FigureChangedError(f"{self.path} changed while deckbook was building; build again")
        return data


@dataclass(frozen=True, slots=True)
class Bank:
    """A valid bank: exporters get this and nothing else."""

    title: str
    subtitle: str | None
    deck: str
    namespace: str
    topics: tuple[Topic, ...]  # declared order: subdeck and booklet order
    questions: tuple[Question, ...]  # bank order
    #: The latest question date (seconds since the epoch), 0 until deckbook.dates dates the bank
    modified: int = 0
    #: When the Anki note type's templates or styling last changed, from the dates ledger
    notetype_modified: int = 0
    source: str = "questions.yaml"
    warnings: tuple[Diagnostic, ...] = field(default=(), compare=False)
    #: (line, column) of the top-level keys (title, subtitle, ...), for messages about their texts
    positions: Mapping[str, tuple[int, int]] = field(default_factory=dict, compare=False)
    #: Every figure the texts show, by its path as typed (markup.Image.src)
    figures: Mapping[str, Figure] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        """The artifact file name stem: the title in lowercase ASCII words and hyphens, cut at a
        word to MAX_SLUG_CHARS (NFKD makes one character up to 18: "㎯" is "rads2")."""
        return _cut_at_word(slugify(self.title), MAX_SLUG_CHARS) or "deck"

    def sections(self) -> tuple[tuple[Topic, tuple[Question, ...]], ...]:
        """Topics in declared order, each with its questions in bank order."""
        by_topic: dict[str, list[Question]] = {topic.id: [] for topic in self.topics}
        for question in self.questions:
            by_topic[question.topic].append(question)
        return tuple((topic, tuple(by_topic[topic.id])) for topic in self.topics)

    def select(self, topics: Collection[str] = (), tags: Collection[str] = (),
               difficulty: Collection[str] = ()) -> Bank:
        """The questions with one of *topics*, one of *tags* and one of *difficulty* (each only when
        given), in bank order, keeping their numbers; topics left without questions are dropped."""
        if not (topics or tags or difficulty):
            return self
        wanted_tags = set(tags)
        questions = tuple(
            question for question in self.questions
            if (not topics or question.topic in topics)
            and (not wanted_tags or not wanted_tags.isdisjoint(question.tags))
            and (not difficulty or question.difficulty in difficulty))
        kept = {question.topic for question in questions}
        return replace(self, topics=tuple(topic for topic in self.topics if topic.id in kept),
                       questions=questions, modified=max((question.modified for question in questions),
                                                         default=self.modified))


def slugify(text: str) -> str:
    """Lowercase ASCII words of *text* joined by hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_text.lower()))


def _cut_at_word(slug: str, limit: int) -> str:
    """*slug* if it is at most *limit* characters, else cut after its last whole word that fits
    (a single word longer than *limit* is cut in the middle)."""
    if len(slug) <= limit:
        return slug
    end = slug.rfind("-", 0, limit + 1)
    return slug[:end] if end > 0 else slug[:limit]


def read_limited(stream: BinaryIO, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of *stream* up to *limit* + 1, read in chunks: all of a bank, or enough to tell
    that it is too large to be one; endless input (``< /dev/zero``) stops at the limit."""
    data = io.BytesIO()  # grows in place, and getvalue() hands over its buffer: no second copy
    while data.tell() <= limit:
        chunk = stream.read(min(1024 * 1024, limit + 1 - data.tell()))
        if not chunk:
            break
        data.write(chunk)
    return data.getvalue()


def anki_deck_name(name: str) -> str:
    """The deck name Anki stores for *name* (rslib decks/name.rs): each part between '::' in NFC,
    its ASCII control characters removed, spaces and colons trimmed from its ends ("a:::b" is
    "a::b"), and "blank" if nothing is left ("a::" is "a::blank")."""
    return "::".join(_deck_part(part) for part in name.split("::"))


def anki_tag(tag: str) -> str:
    """The tag Anki stores for *tag* (rslib tags/): the same per part, but colons stay ("a:::b")."""
    return "::".join(_tag_part(part) for part in tag.split("::"))


def anki_key(name: str) -> str:
    """A stored deck or tag name as Anki compares it: two names with one key are one deck or tag
    (its unicase collation folds case fully, as str.casefold does: "Straße" is "STRASSE")."""
    return unicodedata.normalize("NFC", name).casefold()


def _deck_part(part: str) -> str:
    return _DECK_PART_ENDS.sub("", _ASCII_CONTROL.sub("", unicodedata.normalize("NFC", part))) or "blank"


def _tag_part(part: str) -> str:
    return _ASCII_CONTROL.sub("", unicodedata.normalize("NFC", part)).strip() or "blank"


def hidden_characters(text: str) -> list[str]:
    """The invisible characters of *text* in order: bidirectional controls, zero-width characters,
    and joiners but those between two non-ASCII characters (Persian, Indic scripts, emoji)."""
    return [match.group() for match in HIDDEN.finditer(text)
            if match.group() not in JOINERS or not joins(text, match.start())]


def _character(char: str) -> str:
    """U+202E (RIGHT-TO-LEFT OVERRIDE), for messages."""
    return f"U+{ord(char):04X} ({unicodedata.name(char, 'unnamed')})"


def load_bank(path: Path | None, data: bytes | None = None, *, name: str | None = None) -> Bank:
    """Read and check a bank from *path* (or *data*, e.g. standard input); raise BankError."""
    shown = name or (str(path) if path is not None else "<stdin>")
    if data is None:
        assert path is not None
        with open(path, "rb") as stream:
            data = read_limited(stream)
    checker = _Checker(shown)
    if path is not None:
        checker.folder = path.parent
        checker.folder_real = path.parent.resolve()
    enabled = gc.isenabled()
    # Nodes and the model hold no cycles, yet every collection during the load walks all of
    # them (and every module imported): a large bank would load in more than linear time.
    gc.disable()
    try:
        text = checker.decode(data)
        root = checker.compose(text) if text is not None else None
        bank = checker.bank(root, path) if root is not None else None
        del root
    finally:
        if enabled:
            gc.enable()
    if checker.errors or bank is None:
        raise BankError(checker.errors)
    return bank


def _kind(node: yaml.Node) -> str:
    return _KINDS.get(node.tag, "a tagged value")


class _FreeIds:
    """Valid ids like wrong ones, none of them in *taken*: a slug, numbered if need be.

    The candidates for a slug are its first 64 characters, then "STEM-N" with N from 2, the stem
    as long as N's digits leave room for. Per stem and number of digits, the walk resumes where it
    last stopped: a thousand ids "X" beside "x", "x-2" ... "x-1000" walk the numbers once, not a
    thousand times. *taken* never changes while this lives. After *budget* suggestions, None.
    """

    def __init__(self, taken: Container[str], fallback: str, budget: int = MAX_ID_SUGGESTIONS) -> None:
        self.taken, self.fallback, self.budget = taken, fallback, budget
        self.resume: dict[tuple[str, int], int] = {}

    def __call__(self, wrong: str) -> str | None:
        if self.budget <= 0:
            return None
        self.budget -= 1
        base = slugify(wrong) or self.fallback
        candidate = base[:64].rstrip("-")
        if candidate not in self.taken:
            return candidate
        digits = 1
        while True:  # ends: a few ids of *taken* hold every number of some number of digits
            stem = base[:63 - digits].rstrip("-")
            number = self.resume.get((stem, digits), max(2, 10 ** (digits - 1)))
            while number < 10 ** digits and f"{stem}-{number}" in self.taken:
                number += 1
            self.resume[stem, digits] = number
            if number < 10 ** digits:
                return f"{stem}-{number}"
            digits += 1


class _Checker:
    """Walks the composed YAML nodes, collecting every problem before giving up."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.shown = printable(path)  # a file name can hold what a terminal obeys, too
        self.errors: list[Diagnostic] = []
        self.warnings: list[Diagnostic] = []
        self.source = ""  # the YAML text, once decoded
        self.topic_keys: dict[str, yaml.Node] = {}
        self.free_ids = _FreeIds((), "q")  # from every id the bank's questions give, valid or not
        self.comparisons = 100_000  # for suggestions: a bank of thousands of typos must not take hours
        #: The tags so far as a tree of their '::' parts, each keyed as Anki compares it: the part as
        #: first written, where (the tag and its line), and the parts under it.
        self.tag_tree: dict[str, _TagPart] = {}
        #: The bank's folder, which figures may not leave (None: standard input), as given and resolved
        self.folder: Path | None = None
        self.folder_real: Path | None = None
        self.figures: dict[str, Figure] = {}  # by the path as typed
        self.figure_files: dict[Path, Figure | str] = {}  # by the file: its figure, or what is wrong

    # -- reporting -------------------------------------------------------------------------
    def error(self, node: yaml.Node | None, message: str, *, at: tuple[int, int] | None = None) -> None:
        line, column = at or ((node.start_mark.line + 1, node.start_mark.column + 1) if node else (1, 1))
        self.errors.append(Diagnostic(self.shown, line, column, printable(message)))

    def suggest(self, word: str, choices: tuple[str, ...] | dict[str, None]) -> str:
        """'; did you mean ...?' while the budget of comparisons lasts, then nothing."""
        self.comparisons -= len(choices)
        return did_you_mean(word, list(choices)) if self.comparisons >= 0 else ""

    def warn(self, node: yaml.Node, message: str, *, at: tuple[int, int] | None = None) -> None:
        line, column = at or (node.start_mark.line + 1, node.start_mark.column + 1)
        self.warnings.append(Diagnostic(self.shown, line, column, printable(message), "warning"))

    # -- bytes to nodes --------------------------------------------------------------------
    def decode(self, data: bytes) -> str | None:
        if len(data) > MAX_FILE_BYTES:
            self.error(None, f"the file is larger than {MAX_FILE_BYTES // 2**20} MiB; a bank is a text file")
            return None
        if data.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")):  # UTF-16 or UTF-32 marks
            self.error(None, "the file is UTF-16 or UTF-32 (it starts with their byte-order mark); "
                       "save it as UTF-8")
            return None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            before = data[: exc.start]
            line = before.count(b"\n") + 1
            column = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
            self.error(None, f"byte 0x{data[exc.start]:02x} is not UTF-8; save the file as UTF-8",
                       at=(line, column))
            return None
        if not text.strip():
            self.error(None, "the file is empty; a bank needs title, topics and questions")
            return None
        return text

    def compose(self, text: str) -> yaml.Node | None:
        self.source = text
        try:
            root = yaml.compose(text, Loader=_Loader)
        except yaml.reader.ReaderError as exc:  # a character YAML forbids raw (NUL, ESC): no mark yet
            self._report_character(text, exc.character)
            return None
        except RecursionError:  # the pure-Python loader has no depth limit of its own
            self.error(None, "YAML syntax: collections nested too deeply; a bank needs a few levels")
            return None
        except yaml.MarkedYAMLError as exc:
            where, problem = _syntax_problem(text, exc)
            self.error(None, f"YAML syntax: {problem}", at=where)
            return None
        except yaml.YAMLError as exc:
            self.error(None, f"YAML syntax: {exc}")
            return None
        if root is None:
            self.error(None, "the file holds no YAML document; a bank needs title, topics and questions")
            return None
        if self._has_aliases(root, text):
            self._report_aliases(text)
            return None
        return root

    def _report_character(self, text: str, character: int) -> None:
        index = text.find(chr(character))
        lines = _LINE_BREAK.split(text[: max(index, 0)])  # the breaks YAML counts for its marks
        what = "the control character" if unicodedata.category(chr(character)) == "Cc" else "the character"
        self.error(None, f"{what} U+{character:04X} cannot be in a YAML file, not even in a comment; "
                   "remove it", at=(len(lines), len(lines[-1]) + 1))

    def _has_aliases(self, root: yaml.Node, text: str) -> bool:
        """Whether any node is reached twice: the composer shares a node for every alias."""
        anchors = set(_ANCHOR.findall(text))
        if not anchors or anchors.isdisjoint(_ALIAS.findall(text)):
            return False  # an alias repeats the name of an anchor: none written both ways, no alias
        seen: set[int] = set()
        stack = [root]
        while stack:
            node = stack.pop()
            if id(node) in seen:
                return True
            seen.add(id(node))
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    stack.extend((key, value))
            elif isinstance(node, yaml.SequenceNode):
                stack.extend(node.value)
        return False

    def _report_aliases(self, text: str) -> None:
        """One error per anchor, at its first alias: a bomb repeats aliases by the thousand."""
        uses: dict[str, list[yaml.Mark]] = {}
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.AliasEvent):
                uses.setdefault(event.anchor, []).append(event.start_mark)
        for anchor, marks in uses.items():
            times = f" ({len(marks)} uses)" if len(marks) > 1 else ""
            self.error(None, f"YAML alias '*{anchor}'{times} is not allowed in a bank; "
                       "write the value out in full", at=(marks[0].line + 1, marks[0].column + 1))

    # -- nodes to the model ----------------------------------------------------------------
    def mapping(self, node: yaml.Node, what: str, keys: tuple[str, ...]) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        """The entries of a mapping node by key, reporting duplicate and unknown keys."""
        if not isinstance(node, yaml.MappingNode):
            self.error(node, f"{what} must be a mapping of keys to values, not {_kind(node)}")
            return {}
        entries: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        previous: yaml.Node | None = None
        for key, value in node.value:
            before, previous = previous, value
            if not isinstance(key, yaml.ScalarNode):
                self.error(key, f"a key in {what} must be a plain word, not {_kind(key)}")
                continue
            name = key.value
            if name in entries:
                first = entries[name][0].start_mark.line + 1
                self.error(key, f"duplicate key '{name}' in {what}; the first is on line {first}")
                continue
            entries[name] = (key, value)
            if keys and name not in keys:
                hint = self.suggest(name, keys) or f"; expected one of: {', '.join(keys)}"
                if (isinstance(before, yaml.ScalarNode) and before.style in ("|", ">")
                        and before.end_mark.line == key.start_mark.line and "did you mean" not in hint):
                    # a code line indented too little ended the block above, and reads as a key
                    hint += (f"; if this line belongs to the {before.style} block of line "
                             f"{before.start_mark.line + 1}, indent it as far as that block's text")
                self.error(key, f"unknown key '{name}' in {what}{hint}")
        return entries

    def text(self, node: yaml.Node, what: str, limit: int = MAX_TEXT_CHARS, *, prose: bool = False,
             rendered: bool = False, figures: bool = False) -> str | None:
        """A non-empty string scalar of at most *limit* characters, or None after reporting why not.
        *prose* is a text to read, not a name: a warning for its invisible characters (a name's are
        errors instead), and one at each place its markup prints otherwise than typed. A *rendered*
        text goes through the markup: each formula must typeset, and each figure (only where
        *figures* may be) must be a picture in the bank's folder."""
        if not isinstance(node, yaml.ScalarNode) or node.tag != _STR:
            if node.tag == "tag:yaml.org,2002:null":
                self.error(node, f"{what} is empty; write its text")
            elif _colon_made_mapping(node):  # "- Note: it fails" in a list of mistakes
                key = node.value[0][0]
                self.error(node, f"{what} must be text, not a mapping: the ': ' after '{key.value}' "
                           "makes one; put the whole text in quotes, or write it as a block (|)",
                           at=(key.end_mark.line + 1, key.end_mark.column + 1))
            elif isinstance(node, yaml.ScalarNode) and node.value.strip():
                self.error(node, f"{what} must be text, not {_kind(node)}; "
                           f"put it in quotes if you mean the text '{node.value}'")
            else:
                self.error(node, f"{what} must be text, not {_kind(node)}")
            return None
        value = node.value
        if not value.strip():
            self.error(node, f"{what} is empty; write its text")
            return None
        if len(value) > limit:
            self.error(node, f"{what} is {len(value):,} characters long; the limit is {limit:,}")
            return None
        problems = markup.problems(value)  # what the markup cannot show, such as lists too deep
        if problems:
            for problem in problems:
                self.error(node, f"{what} {problem}")
            return None
        if _CONTROL_ORHIDDEN.search(value):  # rare: the usual text is one pass, at C speed
            bad = _CONTROL.search(value)
            if bad:
                self.error(node, f"{what} contains the control character U+{ord(bad.group()):04X}, "
                           "which no card or page can show; remove it")
                return None
            if prose:
                self.hidden_warning(node, value, what)
        if prose:
            surprises = markup.surprises(value)
            places = _positions(self.source, node, [surprise.offset for surprise in surprises])
            for surprise, place in zip(surprises, places):
                self.warn(node, f"{what}: {surprise.message}", at=place)
        if (rendered or prose) and ("$" in value or "![" in value) and not self.embeds(node, value, what, figures):
            return None
        return value

    def embeds(self, node: yaml.ScalarNode, value: str, what: str, figures: bool) -> bool:
        """Whether every formula in *value* typesets and every figure is one deckbook can show (see
        figure()); report each that is not, at its place."""
        found = markup.embeds(value)
        places = _positions(self.source, node, [embed.offset for embed in found])
        good = True
        for embed, place in zip(found, places):
            if embed.kind == "formula":
                problem = formulas.check(embed.value)
                if problem is not None:
                    self.error(node, f"{what}: the formula {_quoted_tex(embed.value, embed.display)} {problem}",
                               at=place)
                    good = False
            elif not figures:
                self.error(node, f"{what} has a figure; figures go in a question's texts", at=place)
                good = False
            elif embed.in_table:
                self.error(node, f"{what}: the figure '{embed.value}' is inside a table cell; a figure stands "
                           "on its own: put it above or below the table", at=place)
                good = False
            elif not self.figure(embed.value, what, node, place):
                good = False
        return good

    def figure(self, src: str, what: str, node: yaml.Node, place: tuple[int, int]) -> bool:
        """Whether the figure *src* is a picture file in the bank's folder or under it: no URL, no
        absolute path, nothing that leaves the folder (.., a symbolic link out), a PNG, JPEG or SVG
        file that reads as one (see deckbook.figures); record it, or report why not."""
        subject = f"{what}: the figure '{src}'"
        problem = self.figure_problem(src)
        if problem is None:
            return True
        self.error(node, f"{subject} {problem}", at=place)
        return False

    def figure_problem(self, src: str) -> str | None:
        if src in self.figures:
            return None
        if not src.strip():
            return "has no path; write ![what it shows](figures/name.png)"
        if _URL.match(src) or src.startswith("//"):
            return ("is a URL; deckbook never fetches from the network: save the picture in the bank's "
                    "folder and give its path, relative to the bank")
        if src.startswith(("/", "\\")) or _DRIVE.match(src):
            return "is an absolute path; give the path relative to the bank's folder"
        if self.folder is None:
            return ("cannot be found: a bank from standard input has no folder for its figures; give "
                    "the bank as a file")
        parts = re.split(r"[/\\]", src)
        depth = 0
        for part in parts:
            depth += -1 if part == ".." else 0 if part in ("", ".") else 1
            if depth < 0:
                return "leaves the bank's folder; keep figures in the bank's folder or under it"
        candidate = self.folder.joinpath(*parts)
        suffix = candidate.suffix.lower()
        if suffix not in figures.KINDS:
            shown = f"a '{suffix}' file" if suffix else "a file without a suffix"
            return f"is {shown}; a figure is a PNG (.png), JPEG (.jpg, .jpeg) or SVG (.svg) picture"
        try:
            real = candidate.resolve(strict=True)
        except FileNotFoundError:
            return f"does not exist{self.figure_suggestion(candidate)}"
        except (OSError, RuntimeError) as exc:  # a loop of links, a name too long
            return f"cannot be read ({exc.strerror or exc})" if isinstance(exc, OSError) else \
                "is a loop of symbolic links"
        if not real.is_relative_to(self.folder_real):
            return ("is a symbolic link to a file outside the bank's folder; keep figures in the bank's "
                    "folder or under it")
        if not real.is_file():
            return "is not a file"
        known = self.figure_files.get(real)
        if known is None:
            try:
                with open(real, "rb") as stream:
                    data = stream.read(figures.MAX_FIGURE_BYTES + 1)
                picture = figures.inspect(data, suffix)
            except figures.FigureError as exc:
                known = str(exc)
            except OSError as exc:
                known = f"cannot be read ({exc.strerror or exc})"
            else:
                known = Figure(real, hashlib.sha256(data).hexdigest(), picture.kind, picture.width,
                               picture.height)
            self.figure_files[real] = known
        if isinstance(known, str):
            return known
        self.figures[src] = known
        return None

    def figure_suggestion(self, missing: Path) -> str:
        """'; did you mean 'figures/cache.png'?' from the pictures in the folder the path names."""
        try:
            names = sorted(entry.name for _, entry in zip(range(1000), missing.parent.iterdir())
                           if entry.suffix.lower() in figures.KINDS)
        except OSError:
            return ""
        found = did_you_mean(missing.name, names)
        if not found:
            return ""
        relative = missing.parent.relative_to(self.folder) if missing.parent != self.folder else None
        return found.replace("'", f"'{relative.as_posix()}/", 1) if relative else found

    def hidden_error(self, node: yaml.Node, name: str, what: str) -> bool:
        """Whether the name *name* has no invisible character; report the first if it has."""
        hidden = hidden_characters(name) if HIDDEN.search(name) else ()
        if hidden:
            effect = " that reorders the text around it" if re.match(f"[{BIDI}]", hidden[0]) else ""
            self.error(node, f"{what} has {_character(hidden[0])}, an invisible character{effect}; "
                       "remove it: a name must look like what it is")
        return not hidden

    def hidden_warning(self, node: yaml.Node, text: str, what: str) -> None:
        """Warn once for a text with invisible characters: the card keeps them, the PDF drops them."""
        hidden = list(dict.fromkeys(hidden_characters(text)))  # none: joiners that join
        if len(hidden) == 1:
            self.warn(node, f"{what} has the invisible character {_character(hidden[0])}: the card keeps "
                      "it, the PDF drops it; remove it unless it is meant")
        elif hidden:
            self.warn(node, f"{what} has the invisible characters {_character(hidden[0])} and "
                      f"{len(hidden) - 1} more: the card keeps them, the PDF drops them; remove them "
                      "unless they are meant")

    def deck_name(self, node: yaml.Node, name: str, what: str) -> bool:
        """Whether Anki would store the deck name *name* as written (but for NFC and spaces at the
        ends of its parts, which change nothing a reader sees); report what it would change if not."""
        anki = anki_deck_name(name)
        parts = [part.strip() for part in name.split("::")]
        if _ONE_LINE.search(name):
            problem = "has a line break or tab; a deck name is one line"
        elif not all(parts):
            problem = "has an empty part between '::'"
        elif any(part.startswith(":") or part.endswith(":") for part in parts):
            problem = "has a ':' at either end" + (" of a part between '::'" if len(parts) > 1 else "")
        else:
            return True
        self.error(node, f"{what} {problem} (Anki would make it '{anki}')")
        return False

    def bank(self, root: yaml.Node, path: Path | None) -> Bank | None:
        if not isinstance(root, yaml.MappingNode):
            self.error(root, f"the bank must be a mapping with title, topics and questions, not {_kind(root)}")
            return None
        top = self.mapping(root, "the bank", TOP_KEYS)
        missing = [key for key in ("title", "topics", "questions") if key not in top]
        if missing:
            self.error(root, f"the bank has no {' and no '.join(repr(key) for key in missing)}")
        if "format" in top:
            node = top["format"][1]
            if node.tag != "tag:yaml.org,2002:int" or node.value.strip() != str(FORMAT_VERSION):
                self.error(node, f"format must be {FORMAT_VERSION}, the only format this deckbook reads; "
                           f"found '{node.value if isinstance(node, yaml.ScalarNode) else _kind(node)}'")
        texts = {key: self.text(top[key][1], key, MAX_NAME_CHARS, prose=key == "subtitle",
                                rendered=key == "title")
                 for key in ("title", "subtitle", "deck", "namespace") if key in top}
        for key, value in texts.items():
            if value is not None and key != "subtitle" and not self.hidden_error(top[key][1], value, key):
                texts[key] = None
        deck_key = "deck" if "deck" in top else "title"
        if texts.get(deck_key) is not None:
            name = texts[deck_key]
            self.deck_name(top[deck_key][1], name, f"deck name '{name}'" if deck_key == "deck"
                           else f"title '{name}', the deck name as no 'deck' is set,")
        topics = self.topics(top["topics"][1]) if "topics" in top else ()
        questions = self.questions(top["questions"][1], topics) if "questions" in top else ()
        if self.errors:
            return None
        title = texts["title"]
        deck = texts.get("deck") or title
        assert title is not None and deck is not None
        return Bank(
            title=title,
            subtitle=texts.get("subtitle"),
            deck=deck,
            namespace=texts.get("namespace") or deck,
            topics=tuple(topics),
            questions=tuple(questions),
            source=self.path,
            warnings=tuple(sorted(self.warnings)),
            figures=dict(self.figures),
            positions={key: (value.start_mark.line + 1, value.start_mark.column + 1)
                       for key, (_, value) in top.items()},
        )

    def topics(self, node: yaml.Node) -> list[Topic]:
        entries = self.mapping(node, "topics", ())
        if isinstance(node, yaml.MappingNode) and not node.value:
            self.error(node, "topics is empty; declare at least one, e.g. 'python: Python'")
        topics: list[Topic] = []
        names: dict[str, tuple[str, yaml.Node]] = {}  # by Anki's key: the name as first written, where
        free_ids = _FreeIds(entries, "topic")
        for topic_id, (key, value) in entries.items():
            if not _ID.match(topic_id):
                self.error(key, f"topic id '{topic_id}' may only have lowercase letters, digits and "
                           f"hyphens (1 to 64){_try(free_ids(topic_id))}")
            what = f"the name of topic '{topic_id}'"
            name = self.text(value, what, MAX_NAME_CHARS, rendered=True)
            if name is None:  # reported; still declared, so its questions raise no second error
                topics.append(Topic(topic_id, ""))
                continue
            if "::" in name:
                self.error(value, f"topic name '{name}' contains '::', which Anki reads as a deeper "
                           "subdeck; use another separator")
            elif self.hidden_error(value, name, what) and self.deck_name(value, name, f"topic name '{name}'"):
                first, first_node = names.setdefault(anki_key(anki_deck_name(name)), (name, value))
                line = first_node.start_mark.line + 1
                if first_node is not value and first == name:
                    self.error(value, f"topic name '{name}' is also used on line {line}; "
                               "two topics would share one subdeck")
                elif first_node is not value:
                    ignored = _ignored(name, first, deck=True)
                    self.error(value, f"topic name '{name}' and '{first}' on line {line} are one deck "
                               f"name to Anki, which ignores {ignored}; give each topic its own name")
            self.topic_keys[topic_id] = key
            topics.append(Topic(topic_id, name, key.start_mark.line + 1, key.start_mark.column + 1))
        width = len(str(len(topics)))
        return [replace(topic, ordinal=f"{number:0{width}d}") for number, topic in enumerate(topics, 1)]

    def questions(self, node: yaml.Node, topics: list[Topic]) -> list[Question]:
        if not isinstance(node, yaml.SequenceNode):
            self.error(node, f"questions must be a list ('- id: ...' items), not {_kind(node)}")
            return []
        if not node.value:
            self.error(node, "questions is empty; add at least one")
        topic_ids = dict.fromkeys(topic.id for topic in topics)  # ordered, and a fast 'in'
        self.free_ids = _FreeIds({value.value for item in node.value if isinstance(item, yaml.MappingNode)
                                  for key, value in item.value
                                  if key.value == "id" and isinstance(value, yaml.ScalarNode)}, "q")
        ids: dict[str, yaml.Node] = {}
        texts: dict[str, tuple[str, int]] = {}
        result: list[Question] = []
        used_topics: set[str] = set()
        numbers = _booklet_numbers(node.value, topic_ids)
        for number, item in enumerate(node.value, 1):
            question = self.question(item, number, topic_ids, numbers[number - 1])
            if question is None:
                continue
            id_node = self.mapping_value(item, "id")
            if question.id in ids:
                first = ids[question.id].start_mark.line + 1
                self.error(id_node, f"duplicate id '{question.id}'; the first is on line {first}; "
                           "every question needs its own id")
            ids.setdefault(question.id, id_node)
            normal = " ".join(question.question.casefold().split())
            if normal in texts:
                other, line = texts[normal]
                self.warn(self.mapping_value(item, "question"),
                          f"question '{question.id}' asks the same as '{other}' on line {line}")
            texts.setdefault(normal, (question.id, item.start_mark.line + 1))
            used_topics.add(question.topic)
            result.append(question)
        for topic in topics:
            if topic.id not in used_topics and not self.errors:
                self.warn(self.topic_keys[topic.id],
                          f"topic '{topic.id}' has no questions; its subdeck and section stay empty")
        return result

    @staticmethod
    def mapping_value(node: yaml.MappingNode, key: str) -> yaml.Node:
        return next(value for k, value in node.value if k.value == key)

    def question(self, node: yaml.Node, number: int, topic_ids: dict[str, None], booklet_number: int = 0
                 ) -> Question | None:
        what = f"question {number}"
        entries = self.mapping(node, what, QUESTION_KEYS)
        if not entries:
            if isinstance(node, yaml.MappingNode):
                self.error(node, f"{what} is empty; it needs {', '.join(REQUIRED_QUESTION_KEYS)}")
            return None
        id_value = None
        if "id" in entries:
            id_node = entries["id"][1]
            id_value = self.text(id_node, f"the id of {what}")
            if id_value is not None and not _ID.match(id_value):
                self.error(id_node, f"id '{id_value}' may only have lowercase letters, digits and "
                           f"hyphens (1 to 64){_try(self.free_ids(id_value))}")
                id_value = None
        if id_value:
            what = f"question '{id_value}'"
        missing = [key for key in REQUIRED_QUESTION_KEYS if key not in entries]
        if missing:
            self.error(node, f"{what} has no {' and no '.join(repr(k) for k in missing)}")
        values: dict[str, str | None] = {}
        for key in ("topic", "question", "answer", *OPTIONAL_TEXTS):
            if key in entries:
                values[key] = self.text(entries[key][1], f"'{key}' of {what}", prose=key != "topic",
                                        figures=True)
        topic = values.get("topic")
        if topic is not None and topic not in topic_ids:
            listed = ", ".join(itertools.islice(topic_ids, 10)) + (", ..." if len(topic_ids) > 10 else "")
            hint = self.suggest(topic, topic_ids) or (f"; declared topics: {listed}" if listed else "")
            self.error(entries["topic"][1], f"topic '{topic}' of {what} is not declared under topics{hint}")
            topic = None
        mistakes = self.mistakes(entries["mistakes"][1], what) if "mistakes" in entries else ()
        tags = self.tags(entries["tags"][1], what) if "tags" in entries else ()
        difficulty = None
        if "difficulty" in entries:
            difficulty_node = entries["difficulty"][1]
            difficulty = self.text(difficulty_node, f"difficulty of {what}")
            if difficulty is not None and difficulty not in DIFFICULTIES:
                self.error(difficulty_node, f"difficulty '{difficulty}' of {what} is not one of "
                           f"{', '.join(DIFFICULTIES)}{did_you_mean(difficulty, DIFFICULTIES)}")
        if missing or None in (id_value, topic, values.get("question"), values.get("answer")):
            return None
        return Question(
            id=id_value, topic=topic, question=values["question"], answer=values["answer"],
            explanation=values.get("explanation"), example=values.get("example"),
            mistakes=mistakes or (), story=values.get("story"), tags=tags or (),
            difficulty=difficulty, line=node.start_mark.line + 1, column=node.start_mark.column + 1,
            number=booklet_number,
        )

    def mistakes(self, node: yaml.Node, what: str) -> tuple[str, ...]:
        if isinstance(node, yaml.SequenceNode):
            if not node.value:
                self.error(node, f"mistakes of {what} is an empty list; remove it or add items")
            items = [self.text(item, f"a mistake of {what}", prose=True, figures=True) for item in node.value]
            return tuple(item for item in items if item is not None)
        value = self.text(node, f"mistakes of {what}", prose=True, figures=True)
        return (value,) if value is not None else ()

    def tags(self, node: yaml.Node, what: str) -> tuple[str, ...]:
        if not isinstance(node, yaml.SequenceNode):
            self.error(node, f"tags of {what} must be a list, e.g. [exceptions, resources], not {_kind(node)}")
            return ()
        tags: dict[str, None] = {}  # ordered, without repeats
        for item in node.value:
            tag = self.text(item, f"a tag of {what}")
            if tag is None:
                continue
            if not _TAG.match(tag):
                self.error(item, f"tag '{tag}' of {what} has a space or quote; Anki tags are single "
                           f"words: try '{'-'.join(tag.replace(chr(34), '').split())}'")
                continue
            if tag in tags or not self.hidden_error(item, tag, f"tag '{tag}' of {what}"):
                continue
            if "" in tag.split("::"):
                self.error(item, f"tag '{tag}' of {what} has an empty part between '::'; Anki would "
                           f"make it '{anki_tag(tag)}'")
            elif ":::" in tag:
                self.error(item, f"tag '{tag}' of {what} has ':::', which Anki splits as '::' then ':' when "
                           "it stores the tag, but as ':' then '::' when it files it under another; write "
                           "'::' or ':'")
            elif anki_key(tag).split("::")[0] == RESERVED_TAG:
                self.error(item, f"tag '{tag}' of {what} is in the '{RESERVED_TAG}::' namespace, where "
                           "deckbook tags each question's topic and difficulty itself; choose another tag")
            elif self.same_tag(item, tag, what):
                tags.setdefault(tag)
        return tuple(tags)

    def same_tag(self, node: yaml.Node, tag: str, what: str) -> bool:
        """Whether *tag* and every '::' part above it are written as the bank's other tags write
        them, as Anki files a tag under the spelling it met first (and shows "Bar::x" and "bar::y"
        under one "Bar"); record it if so, else report it."""
        parts = tag.split("::")
        level = self.tag_tree
        path: list[_TagPart] = []
        for part in parts:
            known = level.get(anki_key(part))
            if known is None:
                break
            path.append(known)
            if known.spelling != part:
                depth = len(path)
                prefix, first = "::".join(parts[:depth]), "::".join(known.tag.split("::")[:depth])
                subject = f"tag '{tag}' of {what}"
                if prefix != tag:
                    subject += f" starts with '{prefix}', which"
                where = f"'{first}'" + (f" of '{known.tag}'" if first != known.tag else "")
                self.error(node, f"{subject} is the same to Anki as {where} on line {known.line} (Anki "
                           f"ignores {_ignored(prefix, first, deck=False)}); write them alike")
                return False
            level = known.children
        line = node.start_mark.line + 1
        for part in parts[len(path):]:
            level = level.setdefault(anki_key(part), _TagPart(part, tag, line)).children
        return True


@dataclass(slots=True)
class _TagPart:
    """A part of the bank's tags between '::', as first written, and the parts under it."""

    spelling: str
    tag: str  # the first tag with this part, and its line, for messages
    line: int
    children: dict[str, _TagPart] = field(default_factory=dict)


def _quoted_tex(tex: str, display: bool) -> str:
    """A formula as a message quotes it: between its dollars, cut short when long."""
    dollars = "$$" if display else "$"
    shown = tex if len(tex) <= 40 else tex[:37] + "..."
    return f"{dollars}{shown}{dollars}"


def _try(suggestion: str | None) -> str:
    return f"; try '{suggestion}'" if suggestion else ""


def _ignored(name: str, other: str, *, deck: bool) -> str:
    """What tells *name* from *other* that Anki ignores: case, accent encoding, and for deck names
    spaces at either end."""
    steps = [("how accents are encoded", lambda text: unicodedata.normalize("NFC", text)),
             ("case", str.casefold)]
    if deck:
        steps.insert(1, ("spaces at either end", str.strip))
    found = []
    for reason, _ in steps:
        first, second = name, other
        for _, step in (step for step in steps if step[0] != reason):
            first, second = step(first), step(second)
        if first != second:  # without this step, they differ
            found.append(reason)
    return " and ".join(found) or "how characters are encoded"  # either step alone: "Ω" and "Ω" (ohm)


def _syntax_problem(text: str, exc: yaml.MarkedYAMLError) -> tuple[tuple[int, int], str]:
    """Where the mistake behind a YAML syntax error is, and what it is, in an author's words.

    The parser stops where it can go no further, which is not always where the mistake is: a
    line indented too little inside a | block ends the block there, and the parser fails lines
    later. The mark that points at the mistake is used, or the line found by reading back."""
    mark = exc.problem_mark or exc.context_mark
    where = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = " ".join(filter(None, (exc.problem, exc.context and f"({exc.context})")))
    found = text[mark.index : mark.index + 1] if mark else ""
    if found == "\t":
        return where, "a tab character; YAML indents with spaces only"
    if exc.context == "while scanning a quoted scalar" and exc.context_mark:
        return ((exc.context_mark.line + 1, exc.context_mark.column + 1),
                f"the quote opened here is never closed ({exc.problem})")
    if exc.problem_mark is None:
        return where, problem
    lines = _LINE_BREAK.split(text)
    broken = _broken_block(text, lines, exc.problem_mark.line)
    if broken is not None:
        return broken
    line = lines[mark.line] if mark.line < len(lines) else ""
    before = line[: mark.column]
    if exc.context == "while scanning a tag" and exc.context_mark is not None:
        start = exc.context_mark
        opened = lines[start.line][start.column : start.column + 2] if start.line < len(lines) else ""
        if opened == "![":
            before = lines[start.line][: start.column]
            return ((start.line + 1, start.column + 1),
                    "a text cannot start with a figure (![...) unless it is quoted: YAML reads '!' as a tag; "
                    f"put the whole text in quotes, or write it as a block: {_block_for(before)} and the text "
                    "on the lines below, indented")
    if "cannot start any token" in (exc.problem or ""):
        name = _UNSTARTABLE.get(found, f"'{found}'")
        return where, (f"a text cannot start with {name} unless it is quoted; put the whole text in "
                       f"quotes, or write it as a block: {_block_for(before)} and the text on the "
                       "lines below, indented")
    if found == ":" and "flow" in (exc.context or ""):  # {question: What: now?}
        return where, (f"the ':' at column {mark.column + 1} is inside a text without quotes in "
                       "{ } or [ ], where YAML takes it for a key; put the text in quotes")
    if (exc.problem or "").startswith("mapping values are not allowed"):
        entry = before.lstrip(" ").lstrip("- ")
        key, colon, _ = entry.partition(": ")
        if colon:
            return where, (f"the ': ' at column {mark.column + 1} is inside a text without quotes, where "
                           "YAML takes it for a key; put the whole text in quotes, or write it as a "
                           f"block: {key.strip()}: | and the text on the lines below, indented")
        indent = _indentation(line)
        start = next((number for number in range(mark.line - 1, -1, -1)
                      if lines[number].strip(" ") and _indentation(lines[number]) < indent), mark.line)
        return where, (f"this line goes on with the text that starts on line {start + 1} (it is indented "
                       f"more than that line), so its ': ' at column {mark.column + 1} cannot start a "
                       "key; if it is a key, indent it as the keys above; if it is text, put the whole "
                       "text in quotes or write it as a block (key: |)")
    return where, problem


def _colon_made_mapping(node: yaml.Node) -> bool:
    """Whether *node*, where a text belongs, is one line of text that ': ' made a mapping."""
    if not isinstance(node, yaml.MappingNode) or node.flow_style or len(node.value) != 1:
        return False
    key, value = node.value[0]
    return (isinstance(key, yaml.ScalarNode) and not key.style and isinstance(value, yaml.ScalarNode)
            and key.start_mark.line == value.end_mark.line)


def _block_for(before: str) -> str:
    """How to start a block for the text that starts after *before* on its line: 'answer: |',
    '- |' for a list item, or '|'."""
    entry = before.rstrip(" ")
    if entry.endswith(":"):
        key = entry[:-1].lstrip(" ").lstrip("- ").strip()
        return f"{key}: |" if key else "|"
    return "- |" if entry.endswith("-") else "|"


def _broken_block(text: str, lines: list[str], problem_line: int) -> tuple[tuple[int, int], str] | None:
    """The line that ended a | or > block too early, when that is what failed the parse at
    *problem_line* (0-based), as (where, problem); None when it is not.

    A line indented less than a block's text ends the block. When it is a key, a list item or a
    comment followed by one, the block ended as meant; any other line (code, prose) was meant
    to be inside, and the parser reads it as YAML until it fails, perhaps lines later."""
    block = None
    try:  # the tokens up to the error (the scanner may get past it: the parser failed): the last
        for token in yaml.scan(text, Loader=_Loader):  # block scalar before it
            if token.start_mark.line > problem_line:
                break
            if isinstance(token, yaml.ScalarToken) and token.style in ("|", ">"):
                block = token
    except yaml.YAMLError:
        pass
    if block is None:
        return None
    header, ended = block.start_mark.line, block.end_mark.line
    if not header < ended <= problem_line or ended >= len(lines):
        return None
    text_lines = [line for line in lines[header + 1 : ended] if line.strip(" ")]
    # the indentation the block's text has, or (empty block) must pass
    wanted = _indentation(text_lines[0]) if text_lines else _owner_indentation(lines[header]) + 1
    line = lines[ended]
    got = _indentation(line)
    if not line.strip(" ") or got >= wanted:
        return None
    if _YAML_LINE.match(line):
        if not line.lstrip(" ").startswith("#"):
            return None  # a key or an item: the block ended as meant
        after = next((other for other in lines[ended + 1 : problem_line + 1]
                      if other.strip(" ") and not other.lstrip(" ").startswith("#")), None)
        if after is None or (_indentation(after) < wanted and _YAML_LINE.match(after)):
            return None  # comments after the block, then YAML again
    for between in lines[ended + 1 : problem_line]:  # YAML resumed as meant: the error is not this
        if (_indentation(between) <= got and _YAML_LINE.match(between)
                and not between.lstrip(" ").startswith("#")):
            return None
    head = lines[header].strip(" ")
    head = head[: head.find(" #")] if " #" in head else head
    head = head if len(head) <= 40 else "..." + head[-37:]
    if not text_lines:  # the first line is no deeper than the key: the block is empty
        return ((ended + 1, got + 1),
                f"this line is indented {got} spaces, no more than '{head}' on line {header + 1} "
                f"({wanted - 1} spaces), so it is not the text of that {block.style} block, which is "
                f"empty; indent the text of a {block.style} block further than its key, every line of it")
    return ((ended + 1, got + 1),
            f"this line is indented {got} spaces, less than the text of '{head}' on line {header + 1} "
            f"({wanted} spaces), which ends that block here; indent every line inside a {block.style} "
            "block, code included, at least as far as its first line")


def _indentation(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _owner_indentation(header: str) -> int:
    """The indentation a block's text must pass, from its header line: the key's column
    ('  - answer: |' is 4), or the dash's for a list item ('- |')."""
    column, rest = _indentation(header), header.lstrip(" ")
    while rest.startswith("- "):
        after = rest[2:].lstrip(" ")
        if after[:1] in ("|", ">"):
            return column
        column, rest = column + len(rest) - len(after), after
    return column


def _positions(source: str, node: yaml.ScalarNode, offsets: list[int]) -> list[tuple[int, int]]:
    """The 1-based line and column in *source*, the bank's text, of the characters at *offsets*
    (ascending) in *node*'s value.

    The value is its source less YAML's quotes, escapes, indentation and line folding, so the
    two are walked side by side, each only forward: time linear in the scalar, however many
    offsets. A character the walk cannot follow is placed at the scalar's start."""
    value, style = node.value, node.style
    start, end = node.start_mark.index, node.end_mark.index
    if style in ("|", ">"):  # the text starts on the line after the indicator (and its comment)
        header = _LINE_BREAK.search(source, start, end)
        start = header.end() if header else end
    elif style in ("'", '"'):
        start += 1
    found: list[int] = []  # the source index of each offset's character
    index, at = 0, start
    while len(found) < len(offsets) and index < len(value):
        # Most of a value is its source as it stands: a word at a time, compared at C speed.
        separator = _SEPARATOR.search(value, index + 1)
        stop = separator.start() if separator else len(value)
        if source.startswith(value[index:stop], at, end):
            while len(found) < len(offsets) and offsets[len(found)] < stop:
                found.append(at + offsets[len(found)] - index)
            at, index = at + stop - index, stop
            continue
        char = value[index]  # the rest, a character at a time
        while at < end:
            here = source[at]
            if style == '"' and here == "\\":
                escaped = source[at + 1 : at + 2]
                if escaped and escaped in "\r\n\x85\u2028\u2029":  # a line continued: no character
                    at += 3 if source[at + 1 : at + 3] == "\r\n" else 2
                    continue
                here_is, at = at, at + 2 + _ESCAPE_DIGITS.get(escaped, 0)
                break
            if style == "'" and source[at : at + 2] == "''":
                here_is, at = at, at + 2
                break
            if here == char:
                here_is, at = at, at + 1
                break
            if char in " \n" and here in "\r\n\x85\u2028\u2029":  # a line break, or a folded one
                here_is, at = at, at + (2 if source[at : at + 2] == "\r\n" else 1)
                break
            at += 1
        else:  # not met: the rest of the offsets go to the scalar's start
            break
        if offsets[len(found)] == index:
            found.append(here_is)
        index += 1
    line, line_start = node.start_mark.line + 1, node.start_mark.index - node.start_mark.column
    places = []
    breaks = _LINE_BREAK.finditer(source, line_start, found[-1] if found else line_start)
    next_break = next(breaks, None)
    for position in found:
        while next_break is not None and next_break.end() <= position:
            line, line_start = line + 1, next_break.end()
            next_break = next(breaks, None)
        places.append((line, position - line_start + 1))
    places += [(node.start_mark.line + 1, node.start_mark.column + 1)] * (len(offsets) - len(found))
    return places


def _booklet_numbers(items: list[yaml.Node], topic_ids: dict[str, None]) -> list[int]:
    """Each question's number in booklet order (declared topics, then bank order), read off the
    nodes before any question is built; 0 for an item without a declared topic (an error)."""
    topics = [next((value.value for key, value in item.value
                    if key.value == "topic" and isinstance(value, yaml.ScalarNode)), None)
              if isinstance(item, yaml.MappingNode) else None for item in items]
    counts = dict.fromkeys(topic_ids, 0)
    for topic in topics:
        if topic in counts:
            counts[topic] += 1
    next_number, total = {}, 1
    for topic, count in counts.items():
        next_number[topic] = total
        total += count
    numbers = []
    for topic in topics:
        if topic in next_number:
            numbers.append(next_number[topic])
            next_number[topic] += 1
        else:
            numbers.append(0)
    return numbers


def iter_texts(bank: Bank) -> Iterator[tuple[Question, str, str]]:
    """Every text of every question as (question, field name, text), in bank order."""
    for question in bank.questions:
        for name in ("question", "answer", "explanation", "example", "story"):
            value = getattr(question, name)
            if value:
                yield question, name, value
        for item in question.mistakes:
            yield question, "mistakes", item


#: What every question text may hold, for the schema's descriptions (docs/questions-format.md).
_MARKUP = (" Markdown subset: paragraphs, `code`, **bold**, *italic*, - and 1. lists, fenced code, GitHub"
           " pipe tables, TeX formulas ($...$ inline, $$...$$ display; \\$ is a dollar sign, and a price"
           " like $5 stays text) and figures ![alt text](path/to/picture.png): PNG, JPEG or SVG, the path"
           f" relative to the bank file, at most {figures.MAX_FIGURE_BYTES // 2**20} MiB and"
           f" {figures.MAX_FIGURE_PIXELS:,} pixels.")


def json_schema() -> dict:
    """A JSON Schema (draft 2020-12) of the format, for editors; built from the rules above."""
    text = {"type": "string", "maxLength": MAX_TEXT_CHARS, "pattern": rf"^(?=[\s\S]*\S)[^{_CONTROLS}]*$"}
    ident = {"type": "string", "pattern": ID_PATTERN}
    # names: no invisible character (the joiners, allowed between two non-ASCII ones, are left to
    # the validator); a topic name is one line, without '::'; tags: no empty part, not deckbook's
    name = {**text, "maxLength": MAX_NAME_CHARS,
            "pattern": rf"^(?=[\s\S]*\S)[^{_CONTROLS}{BIDI}{ZERO_WIDTH}]*$"}
    topic_name = {**name, "pattern": rf"^(?=[\s\S]*\S)[^{_CONTROLS}{BIDI}{ZERO_WIDTH}\t\n\u2028\u2029]*$",
                  "not": {"pattern": "::"}}
    reserved = "".join(f"[{letter.upper()}{letter}]" for letter in RESERVED_TAG)
    tag = {"type": "string", "pattern": rf"^[^\s\"{BIDI}{ZERO_WIDTH}]+$",
           "not": {"anyOf": [{"pattern": _CHANGED_TAG}, {"pattern": rf"^{reserved}(::|$)"}]}}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "deckbook question bank",
        "description": "One YAML file of interview questions; deckbook builds an Anki deck and a PDF booklet from it.",
        "type": "object",
        "additionalProperties": False,
        "required": ["title", "topics", "questions"],
        "properties": {
            "format": {"const": FORMAT_VERSION, "description": "The format version."},
            "title": {**name, "description": "The booklet title; the deck name unless deck is set."},
            "subtitle": {**text, "maxLength": MAX_NAME_CHARS, "description": "A line under the title."},
            "deck": {**name, "description": "The root Anki deck name; defaults to title."},
            "namespace": {**name, "description": "Scopes note identity in Anki; set once, never change."},
            "topics": {
                "type": "object",
                "description": "Topic id -> display name, in subdeck and booklet order.",
                "minProperties": 1,
                "propertyNames": ident,
                "additionalProperties": topic_name,
            },
            "questions": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": list(REQUIRED_QUESTION_KEYS),
                    "properties": {
                        "id": {**ident, "description": "Unique and stable for ever: the note's identity in Anki."},
                        "topic": {**ident, "description": "One of the ids under topics."},
                        "question": {**text, "description": "The card front." + _MARKUP},
                        "answer": {**text, "description": "The short answer: the back's first line." + _MARKUP},
                        "explanation": {**text, "description": "The detailed explanation." + _MARKUP},
                        "example": {**text, "description": "A real-world example." + _MARKUP},
                        "mistakes": {
                            "description": "Common mistakes: one text or a list of texts." + _MARKUP,
                            "oneOf": [text, {"type": "array", "minItems": 1, "items": text}],
                        },
                        "story": {**text, "description": "A production story." + _MARKUP},
                        "tags": {"type": "array", "items": tag},
                        "difficulty": {"enum": list(DIFFICULTIES)},
                    },
                },
            },
        },
    }
