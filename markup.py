"""The bank's Markdown subset: parsed once into blocks, rendered to escaped HTML for cards.

Paragraphs, `inline code`, **bold**, *italic* (asterisks only: an underscore is always the character,
so __init__ and snake_case_name print as typed), bullet and numbered lists (MAX_LIST_DEPTH deep at
most; a marker with nothing after it is text), fenced code blocks, GitHub pipe tables, TeX formulas
($...$ inline, $$...$$ display) and figures (![alt](path)); everything else, raw HTML included, is
literal text. The parse is markdown-it-py (CommonMark) with only those rules enabled, and
mdit-py-plugins' dollar math, so emphasis, code spans, tables and formulas follow the rules people
already know; both exporters render the same blocks. A figure, and a $$...$$ formula inside a
paragraph, stand on their own: the paragraph is cut around them. Most bank texts are one-line paragraphs with code spans, perhaps a fenced
block: those are read without the parser, into the blocks it would give (tests/test_fast_paths.py
compares the two).
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import html
import io
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Union

from markdown_it import MarkdownIt
from markdown_it.rules_inline import emphasis, escape, image
from markdown_it.rules_inline.state_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.dollarmath.index import math_inline_dollar
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.token import Token, _TokenType
from pygments.util import ClassNotFound


@dataclass(frozen=True, slots=True)
class Span:
    """A run of text with one combination of inline styles."""

    text: str
    code: bool = False
    strong: bool = False
    emphasis: bool = False


@dataclass(frozen=True, slots=True)
class Math:
    """A TeX formula inside a line of text ($...$); *display* for $$...$$ inside a table cell,
    which is set in display style where it stands."""

    tex: str
    display: bool = False


#: What a line of text is made of: runs of text, and formulas.
Inline = Union[Span, Math]


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A paragraph of inline spans and formulas."""

    spans: tuple[Inline, ...]


@dataclass(frozen=True, slots=True)
class MathBlock:
    """A display formula on a line of its own ($$...$$)."""

    tex: str


@dataclass(frozen=True, slots=True)
class Image:
    """A figure: the picture at *src*, a path relative to the bank file as typed, and its *alt*
    text (what the picture shows, for readers who cannot see it)."""

    src: str
    alt: str


@dataclass(frozen=True, slots=True)
class Table:
    """A pipe table: the header's cells, the body's rows of cells (each cell a line of inline
    spans), and each column's alignment: "left", "center", "right" or "" (none given)."""

    header: tuple[tuple[Inline, ...], ...]
    rows: tuple[tuple[tuple[Inline, ...], ...], ...]
    align: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ListBlock:
    """A bullet list, or a numbered list from *start*; each item is a tuple of blocks."""

    ordered: bool
    start: int
    items: tuple[tuple["Block", ...], ...]


@dataclass(frozen=True, slots=True)
class CodeBlock:
    """A fenced code block; *language* is the fence's info word, '' when none."""

    code: str
    language: str = ""

    def tokens(self) -> list[tuple[_TokenType, str]]:
        """The code as Pygments (token type, text) pairs, for exporters that style their own:
        every character of the code once, in order, lexed in bounded pieces (see lex())."""
        return list(lex(self.code, self.language))


Block = Union[Paragraph, ListBlock, CodeBlock, MathBlock, Image, Table]



def _star_emphasis(state: StateInline, silent: bool) -> bool:
    """CommonMark's emphasis rule for '*' alone: '_' is never emphasis, so __init__, __enter__ and
    snake_case_name, all over Python answers, print as typed instead of bold 'init'."""
    return state.src[state.pos] == "*" and emphasis.tokenize(state, silent)


def _dollar_math(md: MarkdownIt) -> None:
    """Markdown-math's dollar rules: no space just inside the dollars and no digit just outside
    them, so "a price of $5 and $10" stays text; \\$ is a dollar sign; $$...$$ on lines of its own,
    or inside a paragraph, is a display formula."""
    dollarmath_plugin(md, allow_space=False, allow_digits=True, double_inline=True, allow_labels=False,
                      allow_blank_lines=False)
    md.inline.ruler.at("math_inline", _no_digits(math_inline_dollar(False, True, True)))


def _no_digits(rule):
    """The dollar rule with allow_digits=False's meaning: no digit just before the opening dollar nor
    just after the closing one. The plugin's own check reads the character before a text's first
    dollar as the text's last one (src[-1]), so "$x$ costs 4" would not be math; this one does not."""
    def no_digits(state: StateInline, silent: bool) -> bool:
        start = state.pos
        if start > 0 and state.src[start - 1].isdigit():
            return False
        if not rule(state, True):  # silent: where it would end, nothing pushed
            return False
        end, state.pos = state.pos, start
        if end < state.posMax and state.src[end].isdigit():
            return False
        if silent:
            state.pos = end
            return True
        return rule(state, False)
    return no_digits


def _as_typed(md: MarkdownIt) -> MarkdownIt:
    """*md* keeping a figure's path as typed: the bank checks it (no URL, nothing outside the bank's
    folder), so nothing is percent-encoded or dropped here."""
    md.normalizeLink = lambda url: url  # type: ignore[method-assign]
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    return md


_RULES = ["backticks", "emphasis", "escape", "list", "fence", "table", "image"]
_MD = _as_typed(MarkdownIt("zero").enable(_RULES))
_MD.inline.ruler.at("emphasis", _star_emphasis)
_dollar_math(_MD)
#: Lists nest at most this deep. markdown-it reads nothing below nesting level maxNesting (20),
#: and a list and its item take a level each: an item ten lists deep would come out empty, with
#: everything after it in the text gone. The bank's checks refuse deeper lists (problems()).
MAX_LIST_DEPTH = (_MD.options["maxNesting"] - 2) // 2
# Nothing here can start markup: such text is one plain paragraph, without the parser.
_PLAIN = re.compile(r"[`*\\\n$]|^\s*(?:[-+]|\d+[.)])(?:\s|$)|^\s*~~~", re.MULTILINE)  # and "![" (_parse)
# What can start a block on a line, or emphasis and escapes outside code spans.
_BLOCK_START = re.compile(r"(?:[-+*]|\d+[.)])(?:\s|$)|```|~~~")
_INLINE_MARKUP = re.compile(r"[*\\$]")  # and "![", looked for apart: one character class is faster
_BACKTICKS = re.compile(r"`+")
# What may be a list marker: each level of a nested list needs one (an over-count is harmless).
_MARKER = re.compile(r"(?<!\S)(?:[-+*]|\d{1,9}[.)])(?!\S)")
_shared: dict[str, tuple[Block, ...]] | None = None  # every text parsed in a shared_parses() block


def parse(text: str) -> tuple[Block, ...]:
    """The blocks of one bank text (cached: every exporter parses the same texts)."""
    if _shared is None:
        return _parse(text)
    blocks = _shared.get(text)
    if blocks is None:
        blocks = _shared[text] = _parse.__wrapped__(text)
    return blocks


@contextlib.contextmanager
def shared_parses() -> Iterator[None]:
    """Within this block, parse() keeps every text it parses, for as long as the block lasts.

    For a build, whose exporters read the same texts one after the other: parse()'s own cache
    is bounded, so a bank of more texts than it holds would be parsed again by the second
    exporter, every text missed in the order the first one evicted them."""
    global _shared
    outer = _shared
    _shared = {} if outer is None else outer
    try:
        yield
    finally:
        _shared = outer


@functools.lru_cache(maxsize=65536)
def _parse(text: str) -> tuple[Block, ...]:
    if not _PLAIN.search(text) and "![" not in text:
        return (Paragraph((Span(text.strip()),)),)
    spans = _code_spans(text)
    if spans is not None:
        return (Paragraph(spans),)
    simple = _simple_blocks(text)
    if simple is not None:
        return simple
    tokens = _MD.parse(text)
    if _too_deep(tokens):  # refused by the bank's checks; should it come here, it loses nothing
        return (Paragraph((Span(text.strip()),)),)
    blocks, _ = _blocks(tokens, 0, None)
    return tuple(blocks)


def problems(text: str) -> tuple[str, ...]:
    """What in *text* the markup cannot show, each as the end of a sentence about the text
    ("nests lists more than 9 deep; ..."); the bank's checks report them as errors."""
    if len(_MARKER.findall(text)) <= MAX_LIST_DEPTH:  # too few markers for a list that deep
        return ()
    if _too_deep(_MD.parse(text)):
        return (f"nests lists more than {MAX_LIST_DEPTH} deep; the limit is {MAX_LIST_DEPTH} levels",)
    return ()


@dataclass(frozen=True, slots=True)
class Surprise:
    """Something in a text that prints otherwise than its author would expect: *offset* is where in
    the text (an index into it), *message* the end of a sentence about the text, naming what will
    happen and the fix. The bank reports each as a warning at its line and column."""

    offset: int
    message: str


#: The rules of the parser plus indented code, each inline rule noting where in the paragraph its
#: tokens come from: the parser that finds surprises, never the one that renders.
_MD_CHECK = _as_typed(MarkdownIt("zero").enable([*_RULES, "code"]))
# What may be a surprise: an asterisk between letters or digits, a backslash line break, a table's
# delimiter row (|---| or --- | ---), a line indented as code where a block may start. Each takes linear time: no two
# quantifiers can share a character.
_INTRAWORD_ASTERISK = re.compile(r"[^\W_]\*++[^\W_]")
_TABLE_DELIMITER = re.compile(r"-[ \t]*+\||\|[ \t]*+:?-")
_INDENTED_LINE = re.compile(r"(?:\A|\n[ \t]*+\n|(?:```|~~~)[ \t]*+\n)(?: {4}| {0,3}\t)")  # after a break
_CELL_SEPARATOR = re.compile(r"(?<!\\)\|")
_OPENING, _CLOSING = "\"'([{", "\"'.,;:!?)]}"  # punctuation at the ends of a word, not part of it
_LONGEST_QUOTED = 40  # characters of a text a message quotes, at most
MAX_SURPRISES = 10  # warnings about one text; the last counts those left


def _located(rule):
    """An inline rule that notes, in each token it makes, where its source starts and ends."""
    def located(state: StateInline, silent: bool) -> bool:
        start, count = state.pos, len(state.tokens)
        if not rule(state, silent):
            return False
        for token in state.tokens[count:]:
            token.meta["source"] = (start, state.pos)
        return True
    return located


_MD_CHECK.inline.ruler.at("emphasis", _located(_star_emphasis))
_MD_CHECK.inline.ruler.at("escape", _located(escape))
_MD_CHECK.inline.ruler.at("image", _located(image))
_dollar_math(_MD_CHECK)
_MD_CHECK.inline.ruler.at("math_inline", _located(_no_digits(math_inline_dollar(False, True, True))))


@dataclass(frozen=True, slots=True)
class Embed:
    """A figure or a formula in a text, for the bank's checks: *offset* is where it starts in the
    text (an index into it), *value* the figure's path as typed or the formula's TeX; *display*
    for $$...$$, *in_table* for one in a table cell."""

    offset: int
    kind: str  # "figure" or "formula"
    value: str
    display: bool = False
    in_table: bool = False


def embeds(text: str) -> tuple[Embed, ...]:
    """The figures and formulas of *text*, in text order, each where it starts. Linear in the text."""
    if ("$" not in text and "![" not in text) or "\r" in text or "\0" in text:
        return ()  # the usual text; \r and \0 are refused by the bank's checks
    lines, starts = _lines(text)
    found: list[Embed] = []
    cell = 0
    in_table = False
    for token in _MD_CHECK.parse(text):
        if token.type == "math_block" and token.map:
            first = token.map[0]
            where = starts[first] + len(lines[first]) - len(lines[first].lstrip())
            found.append(Embed(where, "formula", token.content.strip(), display=True))
        elif token.type == "table_open":
            in_table = True
        elif token.type == "table_close":
            in_table = False
        elif token.type == "tr_open":
            cell = 0
        elif token.type == "inline" and token.map:
            if in_table:
                line = token.map[0]
                columns = _cell_starts(lines[line])
                place: _Place | _CellPlace = _CellPlace(starts[line] + (columns[cell] if cell < len(columns) else 0))
                cell += 1
            else:
                place = _Place(token.content, lines, starts, token.map[0])
            for child in token.children or ():
                if "source" not in child.meta:
                    continue
                offset = place.offset(child.meta["source"][0])
                if child.type == "image":
                    found.append(Embed(offset, "figure", child.attrs.get("src", ""), in_table=in_table))
                elif child.type in ("math_inline", "math_inline_double"):
                    found.append(Embed(offset, "formula", child.content.strip(),
                                       child.type == "math_inline_double", in_table))
    return tuple(sorted(found, key=lambda embed: embed.offset))


class _CellPlace:
    """Offsets in a text of the positions in one table cell's inline source: the cell is one line."""

    def __init__(self, start: int) -> None:
        self.start = start

    def offset(self, position: int) -> int:
        return self.start + position


def _cell_starts(row: str) -> list[int]:
    """Where the content of each cell of a table row starts in the row, as markdown-it splits it:
    at pipes not escaped, less an empty piece before a first pipe and after a last one."""
    bounds = [0] + [match.end() for match in _CELL_SEPARATOR.finditer(row)]
    ends = [match.start() for match in _CELL_SEPARATOR.finditer(row)] + [len(row)]
    pieces = list(zip(bounds, ends))
    if pieces and not row[pieces[0][0] : pieces[0][1]].strip():
        pieces = pieces[1:]
    if pieces and not row[pieces[-1][0] : pieces[-1][1]].strip():
        pieces = pieces[:-1]
    return [start + len(row[start:end]) - len(row[start:end].lstrip()) for start, end in pieces]


def _lines(text: str) -> tuple[list[str], list[int]]:
    """The lines of *text*, and where each starts in it (one more: where a next one would)."""
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    return lines, starts


def surprises(text: str) -> tuple[Surprise, ...]:
    """What in *text* prints otherwise than an author would expect, in text order: asterisks
    between letters or digits that make emphasis (2*3*4), a backslash line break, code indented
    instead of fenced, a table row with more cells than its header. Linear in the text."""
    if "\r" in text or "\0" in text:
        return ()  # refused by the bank's checks (control characters); markdown-it would shift offsets
    if not (("*" in text and _INTRAWORD_ASTERISK.search(text)) or "\\\n" in text
            or ("|" in text and _TABLE_DELIMITER.search(text))
            or (("    " in text or "\t" in text) and _INDENTED_LINE.search(text)
                and _maybe_indented_code(text))):
        return ()  # the usual text: a few searches for a character, at C speed
    lines, starts = _lines(text)
    found: dict[int, str] = {}
    breaks: list[int] = []
    header_cells = 0
    in_table = False
    for token in _MD_CHECK.parse(text):
        if token.type in ("table_open", "table_close"):
            in_table = token.type == "table_open"
        if token.type == "tr_open" and token.map:
            for offset, message in _extra_cells(lines, starts, token.map[0], header_cells):
                found.setdefault(offset, message)
        if token.type == "thead_open" and token.map:
            header_cells = len(_cell_starts(lines[token.map[0]]))
        if token.type == "code_block":
            first, end = token.map
            where = starts[first] + len(lines[first]) - len(lines[first].lstrip())
            count = f"{end - first} lines" if end - first > 1 else "1 line"
            found.setdefault(where, f"this code, indented instead of fenced ({count}), prints as one "
                             "paragraph of text, its line breaks and indentation lost; fence it with "
                             "``` instead")
        elif token.type == "inline" and token.map and in_table:
            continue  # a cell: one line, read by the table rule
        elif token.type == "inline" and token.map:
            place = _Place(token.content, lines, starts, token.map[0])
            for offset, message in _emphasis_surprises(token, place):
                found.setdefault(offset, message)
            breaks += [place.offset(child.meta["source"][0]) for child in token.children or ()
                       if child.type == "hardbreak" and "source" in child.meta]
    if breaks:
        more = len(breaks) - 1
        also = f" (and on {more} more line{'s' if more > 1 else ''} of this text)" if more else ""
        found.setdefault(breaks[0], f"the backslash at the end of this line{also} does not print, "
                         "and the next line joins this one: deckbook sets no line breaks inside a "
                         "paragraph; leave a blank line between the two for a new paragraph, or "
                         "make the lines a list")
    listed = sorted(found.items())
    if len(listed) > MAX_SURPRISES:  # a text of a thousand 2*3*4 gets a few warnings, not a thousand
        more = len(listed) - MAX_SURPRISES + 1
        listed[MAX_SURPRISES - 1:] = [(listed[MAX_SURPRISES - 1][0], f"{more} more places from here print "
                                       "otherwise than typed, as the warnings above say")]
    return tuple(Surprise(offset, message) for offset, message in listed)


def _maybe_indented_code(text: str) -> bool:
    """Whether a line outside fences is indented 4 columns or more, where a block may start (after
    a blank line, a fence, or first): cheap, so that fenced code does not cost a parse."""
    fence = ""
    after_break = True
    for line in text.split("\n"):
        stripped = line.lstrip(" ")
        indent = len(line) - len(stripped)
        if fence:
            if indent < 4 and stripped.startswith(fence) and not stripped.strip(fence[0] + " \t"):
                fence, after_break = "", True
            continue
        if not line.strip(" \t"):
            after_break = True
            continue
        if after_break and (indent >= 4 or stripped.startswith("\t")):
            return True
        if indent < 4 and stripped.startswith(("```", "~~~")):
            marker = stripped[0]
            run = len(stripped) - len(stripped.lstrip(marker))
            if marker == "~" or "`" not in stripped[run:]:  # a backtick after ``` makes it text
                fence, after_break = marker * run, False
                continue
        after_break = False
    return False


class _Place:
    """Offsets in a text of the positions in one paragraph's inline source: markdown-it takes each
    line's indentation off, and white space from the paragraph's ends."""

    def __init__(self, content: str, lines: list[str], starts: list[int], first: int) -> None:
        self.content, self.lines, self.starts, self.first = content, lines, starts, first
        self.breaks = [match.start() for match in re.finditer("\n", content)]
        self.shifts: dict[int, int] = {}  # per line of the paragraph: its offset in the text, less its own

    def offset(self, position: int) -> int:
        number = bisect.bisect_left(self.breaks, position)
        line_start = self.breaks[number - 1] + 1 if number else 0
        if number not in self.shifts:
            end = self.breaks[number] if number < len(self.breaks) else len(self.content)
            source = self.lines[self.first + number]
            # The line here is the source line less some leading white space, and on the last line
            # the trailing white space: it ends the one or the other.
            piece = self.content[line_start:end]
            trimmed = source.rstrip()
            if source.endswith(piece):
                column = len(source) - len(piece)
            elif trimmed.endswith(piece):
                column = len(trimmed) - len(piece)
            else:  # not met; the line's first character is close enough
                column = len(source) - len(source.lstrip())
            self.shifts[number] = self.starts[self.first + number] + column
        return self.shifts[number] + position - line_start


def _emphasis_surprises(inline, place: _Place) -> Iterator[tuple[int, str]]:
    """Emphasis whose opening or closing asterisks stand between two letters or digits (2*3*4,
    x**2 + y**2): CommonMark's emphasis, but an author means the asterisks."""
    content = inline.content
    openers = []
    for child in inline.children or ():
        if child.type in ("em_open", "strong_open"):
            openers.append(child)
        elif child.type in ("em_close", "strong_close") and openers:
            opener = openers.pop()
            if "source" not in opener.meta or "source" not in child.meta:
                continue
            first, last = opener.meta["source"], child.meta["source"]
            inside = [run for run in (first, last) if _between_word_characters(content, run)]
            if not inside:
                continue
            start = _word_start(content, first[0])
            end = _word_end(content, last[1])
            quoted = content[start:end]
            if "\n" in quoted or len(quoted) > _LONGEST_QUOTED:  # the word of the first such run
                start, end = _word_start(content, inside[0][0]), _word_end(content, inside[0][1])
                quoted = content[start:end]
            styled = " ".join(content[first[1] : min(last[0], first[1] + 2 * _LONGEST_QUOTED)].split())
            if len(styled) > _LONGEST_QUOTED:
                styled = styled[: _LONGEST_QUOTED - 3] + "..."
            style = "bold" if child.type == "strong_close" else "italic"
            escaped = re.sub(r"(?<!\\)\*", r"\\*", quoted)
            fixes = f"`{quoted}` or {escaped}" if "`" not in quoted else escaped
            yield (place.offset(start), f"the asterisks in {quoted} make '{styled}' {style} and do not "
                   f"print; write {fixes} to print them")


def _between_word_characters(content: str, run: tuple[int, int]) -> bool:
    start, end = run
    return (start > 0 and end < len(content) and content[start - 1].isalnum()
            and content[end].isalnum())


def _word_start(content: str, position: int) -> int:
    """Where the word around *position* starts: after white space and opening punctuation, at most
    _LONGEST_QUOTED characters back (a long word is quoted in part)."""
    start, limit = position, max(0, position - _LONGEST_QUOTED)
    while start > limit and not content[start - 1].isspace():
        start -= 1
    while start < position and content[start] in _OPENING:
        start += 1
    return start


def _word_end(content: str, position: int) -> int:
    """Where the word around *position* ends: at white space, less closing punctuation, at most
    _LONGEST_QUOTED characters on."""
    end, limit = position, min(len(content), position + _LONGEST_QUOTED)
    while end < limit and not content[end].isspace():
        end += 1
    while end > position and content[end - 1] in _CLOSING:
        end -= 1
    return end


def _extra_cells(lines: list[str], starts: list[int], number: int, header: int
                 ) -> Iterator[tuple[int, str]]:
    """A table row with more cells than its header: GitHub's tables drop the cells past the last
    column, and so does the markup."""
    columns = _cell_starts(lines[number])
    if header and len(columns) > header:
        extra = len(columns) - header
        cells = "the last cell does not print" if extra == 1 else f"the last {extra} cells do not print"
        yield (starts[number] + columns[header],
               f"this table row has {len(columns)} cells and the header {header}: {cells}; add a column "
               "to the header, or write \\| for a pipe inside a cell")


def _too_deep(tokens: list[Token]) -> bool:
    """Whether markdown-it stopped reading inside a list item: its nesting limit was reached."""
    limit = _MD.options["maxNesting"] - 1
    return any(token.level >= limit for token in tokens if token.type == "list_item_open")


def _code_spans(text: str) -> tuple[Span, ...] | None:
    """The spans of a one-line text whose only markup is `code`, read as markdown-it reads
    them; None for any other text. Most bank texts are such lines, and the full parser
    costs more than everything else a card needs."""
    if "\r" in text or "\0" in text:  # markdown-it turns them into line ends and U+FFFD
        return None
    line = text.strip(" \t\n")  # what markdown-it takes for blank lines around the one line
    if "\n" in line:
        return None
    line = line.strip()
    if not line or _BLOCK_START.match(line):
        return None
    runs = [(match.start(), match.end()) for match in _BACKTICKS.finditer(line)]
    lengths = [end - start for start, end in runs]
    last = {length: index for index, length in enumerate(lengths)}  # as markdown-it: linear time
    spans: list[Span] = []
    done = index = 0
    while index < len(runs):
        length = lengths[index]
        if last[length] <= index:  # no closing run of the same length: literal backticks
            index += 1
            continue
        close = lengths.index(length, index + 1)
        before = line[done : runs[index][0]]
        if _INLINE_MARKUP.search(before) or "![" in before:
            return None
        if before:
            spans.append(Span(before))
        code = line[runs[index][1] : runs[close][0]]
        if code.startswith(" ") and code.endswith(" ") and code.strip(" "):
            code = code[1:-1]
        spans.append(Span(code, code=True))
        done, index = runs[close][1], close + 1
    rest = line[done:]
    if _INLINE_MARKUP.search(rest) or "![" in rest:
        return None
    if rest:
        spans.append(Span(rest))
    return tuple(spans)


def _simple_blocks(text: str) -> tuple[Block, ...] | None:
    """The blocks of a text of one-line paragraphs between blank lines, perhaps ending with one
    fenced code block, read as markdown-it reads them; None for any other text."""
    if "\r" in text or "\0" in text:
        return None
    lines = text.split("\n")
    blocks: list[Block] = []
    after_blank = True
    for number, line in enumerate(lines):
        if line.startswith("```"):
            fence = _fence(lines, number)
            return (*blocks, fence) if fence is not None else None
        if not line.strip(" \t"):  # a blank line, as markdown-it sees one
            after_blank = True
            continue
        spans = _code_spans(line) if after_blank else None  # None too for a paragraph of lines
        if spans is None:
            return None
        blocks.append(Paragraph(spans))
        after_blank = False
    return tuple(blocks)


def _fence(lines: list[str], opening: int) -> CodeBlock | None:
    """The code block fenced from lines[opening], when it is closed and only blank lines follow."""
    marker = len(lines[opening]) - len(lines[opening].lstrip("`"))
    info = lines[opening][marker:]
    if "`" in info:  # not a fence: a paragraph with code spans
        return None
    for closing in range(opening + 1, len(lines)):
        line = lines[closing].lstrip(" \t")
        run = len(line) - len(line.lstrip("`"))
        if run >= marker and not line[run:].strip(" \t"):
            break
    else:
        return None  # open to the end: rare, and left to markdown-it
    if any(line.strip(" \t") for line in lines[closing + 1 :]):
        return None
    language = info.strip().split(maxsplit=1)[0] if info.strip() else ""
    return CodeBlock("\n".join(lines[opening + 1 : closing]).rstrip("\n"), language)


def _blocks(tokens: list[Token], index: int, closing: str | None) -> tuple[list[Block], int]:
    """Blocks from tokens[index:] up to the *closing* token type; returns them and the next index."""
    blocks: list[Block] = []
    while index < len(tokens):
        token = tokens[index]
        if token.type == closing:
            return blocks, index + 1
        if token.type == "paragraph_open":
            blocks += _paragraph(tokens[index + 1].children or [])
            index += 3  # paragraph_open, inline, paragraph_close
        elif token.type == "math_block":
            blocks.append(MathBlock(token.content.strip()))
            index += 1
        elif token.type == "table_open":
            table, index = _table(tokens, index)
            blocks.append(table)
        elif token.type in ("bullet_list_open", "ordered_list_open"):
            ordered = token.type == "ordered_list_open"
            start = int(token.attrs.get("start", 1)) if ordered else 1
            close = token.type.replace("_open", "_close")
            items: list[tuple[Block, ...]] = []
            markers: list[str] = []  # the markers of the items that are empty
            index += 1
            while tokens[index].type != close:
                marker = tokens[index].info + tokens[index].markup  # "-", "+", "*"; "1.", "07)"
                item, index = _blocks(tokens, index + 1, "list_item_close")
                if not item:  # "+" alone is the character, not an empty bullet: show what was typed
                    item = [Paragraph((Span(marker),))]
                    markers.append(marker)
                items.append(tuple(item))
            if len(markers) == len(items):  # markers and nothing else: a line of text, no list
                blocks.append(Paragraph((Span(" ".join(markers)),)))
            else:
                blocks.append(ListBlock(ordered, start, tuple(items)))
            index += 1
        elif token.type in ("fence", "code_block"):
            language = token.info.strip().split(maxsplit=1)[0] if token.info.strip() else ""
            blocks.append(CodeBlock(token.content.rstrip("\n"), language))
            index += 1
        else:  # the enabled rules make no other block tokens
            raise AssertionError(f"unexpected markdown token {token.type}")
    return blocks, index


def _paragraph(children: list[Token]) -> list[Block]:
    """A paragraph's blocks: itself, or the paragraph cut around its figures and $$...$$ formulas,
    which stand on their own; white space at the cuts is dropped, as at a paragraph's ends."""
    blocks: list[Block] = []
    pieces: list[Token] = []
    for child in children:
        if child.type in ("image", "math_inline_double"):
            blocks += _text_block(pieces)
            pieces = []
            blocks.append(Image(child.attrs.get("src", ""), _alt(child)) if child.type == "image"
                          else MathBlock(child.content.strip()))
        else:
            pieces.append(child)
    if not blocks:
        return [Paragraph(_spans(children))]
    return blocks + _text_block(pieces)


def _text_block(pieces: list[Token]) -> list[Block]:
    spans = list(_spans(pieces))
    while spans and isinstance(spans[0], Span) and not spans[0].code and not spans[0].text.strip():
        spans.pop(0)
    while spans and isinstance(spans[-1], Span) and not spans[-1].code and not spans[-1].text.strip():
        spans.pop()
    if not spans:
        return []
    first, last = spans[0], spans[-1]
    if isinstance(first, Span) and not first.code:
        spans[0] = Span(first.text.lstrip(), False, first.strong, first.emphasis)
    last = spans[-1]
    if isinstance(last, Span) and not last.code:
        spans[-1] = Span(last.text.rstrip(), False, last.strong, last.emphasis)
    return [Paragraph(tuple(spans))]


def _alt(image: Token) -> str:
    """An image's alt text: the visible text of its label, markup removed."""
    return "".join(child.content for child in image.children or () if child.type in ("text", "code_inline"))


def _table(tokens: list[Token], index: int) -> tuple[Table, int]:
    """The table from tokens[index] (table_open); returns it and the index after table_close."""
    header: list[tuple[Inline, ...]] = []
    rows: list[tuple[tuple[Inline, ...], ...]] = []
    align: list[str] = []
    row: list[tuple[Inline, ...]] = []
    in_head = False
    index += 1
    while tokens[index].type != "table_close":
        token = tokens[index]
        if token.type == "thead_open":
            in_head = True
        elif token.type == "thead_close":
            in_head = False
        elif token.type == "tr_open":
            row = []
        elif token.type == "tr_close":
            if in_head:
                header = row
            else:
                rows.append(tuple(row))
        elif token.type in ("th_open", "td_open"):
            if in_head:
                style = str(token.attrs.get("style", ""))
                align.append(style.removeprefix("text-align:") if style.startswith("text-align:") else "")
            row.append(_spans(tokens[index + 1].children or [], cell=True))
        index += 1
    return Table(tuple(header), tuple(rows), tuple(align)), index + 1


def _spans(children: list[Token], cell: bool = False) -> tuple[Inline, ...]:
    spans: list[Inline] = []
    strong = emphasis = 0
    for child in children:
        if child.type == "text" and child.content:
            spans.append(Span(child.content.replace("\n", " "), False, strong > 0, emphasis > 0))
        elif child.type == "code_inline":
            spans.append(Span(child.content, True, strong > 0, emphasis > 0))
        elif child.type in ("softbreak", "hardbreak"):
            spans.append(Span(" ", False, strong > 0, emphasis > 0))
        elif child.type.startswith("strong_"):
            strong += 1 if child.type == "strong_open" else -1
        elif child.type.startswith("em_"):
            emphasis += 1 if child.type == "em_open" else -1
        elif child.type in ("math_inline", "math_inline_double"):
            spans.append(Math(child.content.strip(), child.type == "math_inline_double"))
        elif child.type == "image":  # in a table cell: refused by the bank's checks; its alt text
            spans.append(Span(_alt(child), False, strong > 0, emphasis > 0))
    return tuple(spans)


#: Code is lexed in pieces, each as a text of its own: many Pygments lexers take time quadratic
#: (or worse) in their text on some input, and one block may hold 100,000 characters. A piece is
#: at most _PIECE_CHARS characters and _PIECE_LINES lines, cut at a line end (after the last blank
#: line in it when there is one, where a lexer is most likely between two statements); a line
#: longer than _PIECE_LINE characters is cut into pieces of its own. A usual block is one piece.
_PIECE_CHARS, _PIECE_LINES, _PIECE_LINE = 1000, 25, 200
#: Lexers that take more than 25 s per MB of code even in such pieces on some input: their code
#: prints as plain text. (Pygments 2.21's 600 lexers, each timed on 70 texts of 20,000 characters,
#: runs of one character or a short pattern: the rest take 20 s per MB at most, devicetree on ";"
#: runs, and 1 to 3 s per MB on real code.)
_UNBOUNDED_LEXERS = frozenset({"AutohotkeyLexer", "AutoItLexer", "EasytrieveLexer", "FantomLexer",
                               "XppLexer"})


@functools.lru_cache(maxsize=None)
def lexer_for(language: str) -> Lexer:
    """The Pygments lexer for a fence's language word; plain text when unknown or empty, or when
    the lexer can take more than linear time on code in bounded pieces."""
    if language:
        try:
            lexer = get_lexer_by_name(language, stripnl=False, ensurenl=False)
        except ClassNotFound:
            pass
        else:
            if type(lexer).__name__ not in _UNBOUNDED_LEXERS:
                return lexer
    return TextLexer(stripnl=False, ensurenl=False)


def lex(code: str, language: str) -> Iterator[tuple[_TokenType, str]]:
    """*code* as Pygments (token type, text) pairs in the lexer for *language*, in time linear in
    its length: every character once, in order (a piece a lexer garbles comes out as plain text)."""
    lexer = lexer_for(language)
    if isinstance(lexer, TextLexer):
        yield Token.Text, code
        return
    for piece in _pieces(code):
        yield from _lex_piece(lexer, piece)


def _pieces(code: str) -> Iterator[str]:
    """*code* cut into the pieces lex() lexes one by one; joined, they are *code*."""
    piece: list[str] = []
    size = blank = 0  # the piece's characters; its lines up to its last blank line
    lines = code.split("\n")
    for number, line in enumerate(lines, 1):
        if number < len(lines):
            line += "\n"
        if not line:
            continue
        if len(line) > _PIECE_LINE:
            if piece:
                yield "".join(piece)
                piece, size, blank = [], 0, 0
            for start in range(0, len(line), _PIECE_LINE):
                yield line[start : start + _PIECE_LINE]
            continue
        while piece and (size + len(line) > _PIECE_CHARS or len(piece) >= _PIECE_LINES):
            keep = blank or len(piece)
            yield "".join(piece[:keep])
            piece, blank = piece[keep:], 0
            size = sum(map(len, piece))
        piece.append(line)
        size += len(line)
        if not line.strip():
            blank = len(piece)
    if piece:
        yield "".join(piece)


def _lex_piece(lexer: Lexer, piece: str) -> list[tuple[_TokenType, str]]:
    # Lexers are written for text that ends with a line end (Pygments' ensurenl option): without
    # one, some never finish (TNT on "<") and others backtrack for minutes. The one added is taken
    # off again.
    ended = piece.endswith("\n")
    tokens = list(lexer.get_tokens(piece if ended else piece + "\n"))
    if not ended:
        while tokens and not tokens[-1][1]:
            tokens.pop()
        if tokens and tokens[-1][1].endswith("\n"):
            ttype, value = tokens.pop()
            if len(value) > 1:
                tokens.append((ttype, value[:-1]))
    if "".join(value for _, value in tokens) != piece:  # a lexer that drops or adds text
        return [(Token.Text, piece)]
    return tokens


#: Isolate initiators (LRI, RLI, FSI) and their terminator (PDI): rule P2 skips what is between.
_ISOLATES, _POP_ISOLATE = "\u2066\u2067\u2068", "\u2069"


def right_to_left(text: str) -> bool:
    """Whether the paragraph *text* reads right to left: its first strong character, outside
    isolates, is right-to-left (rules P2, P3 of the Unicode bidi algorithm, what HTML's
    dir="auto" does); text with none reads left to right. Cards and PDFs both ask this."""
    depth = 0
    for char in text:
        if char in _ISOLATES:
            depth += 1
        elif char == _POP_ISOLATE:
            depth = max(depth - 1, 0)
        elif not depth:
            kind = unicodedata.bidirectional(char)
            if kind == "L":
                return False
            if kind in ("R", "AL"):
                return True
    return False


def plain(text: str) -> str:
    """The visible text of a bank text on one line, markup removed (for titles, bookmarks)."""
    return " ".join(_plain_blocks(parse(text)).split())


def _plain_blocks(blocks: tuple[Block, ...]) -> str:
    parts: list[str] = []
    for block in blocks:
        if isinstance(block, Paragraph):
            parts.append(plain_spans(block.spans))
        elif isinstance(block, ListBlock):
            parts.extend(_plain_blocks(item) for item in block.items)
        elif isinstance(block, CodeBlock):
            parts.append(block.code)
        elif isinstance(block, MathBlock):
            parts.append(f"$${block.tex}$$")
        elif isinstance(block, Image):
            parts.append(block.alt)
        else:
            parts.extend(plain_spans(cell) for row in (block.header, *block.rows) for cell in row)
    return " ".join(parts)


def plain_spans(spans: tuple[Inline, ...]) -> str:
    """Inline spans as plain text: a formula as its TeX between dollars, as typed."""
    return "".join(span.text if isinstance(span, Span) else
                   f"$${span.tex}$$" if span.display else f"${span.tex}$" for span in spans)


# -- HTML ---------------------------------------------------------------------------------
_FORMATTER = HtmlFormatter(nowrap=True)


# Anki's reviewer typesets \( \) and \[ \] with MathJax 3, which reads the text of the page with
# character references decoded, in runs that any element ends, and skips <code> and <pre>. Our own
# formulas (db-math) and the attributes of figures are left as they are; elsewhere a delimiter is
# broken.
_MATH = re.compile(r'<code\b[^>]*>.*?</code>|<span class="db-math[^"]*">[^<]*</span>|<img [^>]*>|\\(?=[()\[\]])',
                   re.DOTALL)

#: How a card shows a figure: its bank path -> (media file name, width, height in pixels), or None
#: for a path the bank does not know (then its alt text shows).
Media = Callable[[str], "tuple[str, int, int] | None"]


def to_html(text: str, media: Media | None = None) -> str:
    """One bank text as HTML: every character of the bank escaped, only our tags added; figures as
    *media* names them, formulas between MathJax's delimiters. A block whose first strong
    character is right-to-left (see right_to_left) says dir="rtl"; other blocks say nothing."""
    return _no_math(_html_blocks(parse(text), loose=True, media=media))


def inline_html(text: str, media: Media | None = None, rtl: bool = False) -> str:
    """A bank text as inline HTML, for one-line places such as a card's question, inside an
    element that reads right to left when *rtl*: a paragraph that reads the other way is put in
    a <div> that says so."""
    blocks = parse(text)
    if len(blocks) == 1 and isinstance(blocks[0], Paragraph):
        spans = _html_spans(blocks[0].spans)
        attribute = dir_attribute(direction(text), rtl)
        return _no_math(f"<div{attribute}>{spans}</div>" if attribute else spans)
    return _no_math(_html_blocks(blocks, loose=True, media=media, rtl=rtl))


def direction(text: str) -> bool:
    """Whether the bank text *text* reads right to left, by the first strong character of its
    paragraphs and lists (formulas, code blocks, figures and tables have no say)."""
    return right_to_left(_directed_text(parse(text)))


def dir_attribute(rtl: bool, parent_rtl: bool = False) -> str:
    """The dir attribute of an element that reads right to left when *rtl*, inside one that
    does when *parent_rtl*: nothing when both read the same way. A right-to-left element also
    starts its lines at its own side: the note type's CSS sets every card flush left, and a
    change there would restyle every learner's note type."""
    if rtl == parent_rtl:
        return ""
    return ' dir="rtl" style="text-align: start"' if rtl else ' dir="ltr"'


def _directed_text(blocks: tuple[Block, ...]) -> str:
    """The text of *blocks* that sets their direction: their paragraphs' and lists' letters,
    formulas left out (in a PDF they are pictures)."""
    parts: list[str] = []
    for block in blocks:
        if isinstance(block, Paragraph):
            parts.append("".join(span.text for span in block.spans if isinstance(span, Span)))
        elif isinstance(block, ListBlock):
            parts.extend(_directed_text(item) for item in block.items)
    return " ".join(parts)


def html_escape(text: str) -> str:
    """Plain text (a topic's name, a label) as HTML that shows it as typed, like to_html()."""
    return _no_math(html.escape(text, quote=False))


def _no_math(markup_html: str) -> str:
    """*markup_html* with an empty element between a backslash and a bracket or parenthesis
    outside code and our formulas: the text reads the same, and MathJax finds no delimiter, so
    nothing such as \\(\\href{javascript:...}{x}\\) typed as text is typeset. &#92; would not do:
    MathJax reads decoded text."""
    if "\\" not in markup_html:
        return markup_html
    return _MATH.sub(lambda match: match.group() if match.group()[0] == "<" else "\\<span></span>",
                     markup_html)


def math_html(tex: str, display: bool) -> str:
    """A formula for MathJax: its TeX between \\( \\) or \\[ \\], < and & escaped, in a span that
    _no_math leaves alone (the TeX, escaped, holds no '<')."""
    opening, closing = ("\\[", "\\]") if display else ("\\(", "\\)")
    kind = "db-math db-display" if display else "db-math"
    return f'<span class="{kind}">{opening}{html.escape(tex, quote=False)}{closing}</span>'


def _html_blocks(blocks: tuple[Block, ...], loose: bool, media: Media | None = None, rtl: bool = False) -> str:
    """*blocks* as HTML inside an element that reads right to left when *rtl*: each paragraph and
    list reads as its first strong character says, code and formulas left to right."""
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Paragraph):
            body = _html_spans(block.spans)
            attribute = dir_attribute(right_to_left(_directed_text((block,))), rtl)
            out.append(f"<p{attribute}>{body}</p>" if loose else body)
        elif isinstance(block, ListBlock):
            tag = "ol" if block.ordered else "ul"
            start = f' start="{block.start}"' if block.ordered and block.start != 1 else ""
            list_rtl = right_to_left(_directed_text((block,)))
            items = []
            for item in block.items:
                item_rtl = right_to_left(_directed_text(item))
                items.append(f"<li{dir_attribute(item_rtl, list_rtl)}>"
                             f"{_html_blocks(item, len(item) > 1, media, item_rtl)}</li>")
            out.append(f"<{tag}{start}{dir_attribute(list_rtl, rtl)}>{''.join(items)}</{tag}>")
        elif isinstance(block, CodeBlock):
            code = _code_html(block.code, block.language)
            out.append(code.replace("<pre ", '<pre dir="ltr" ', 1) if rtl else code)
        elif isinstance(block, MathBlock):
            attribute = dir_attribute(False, rtl)
            out.append(f'<div class="db-formula"{attribute}>{math_html(block.tex, True)}</div>')
        elif isinstance(block, Image):
            out.append(_image_html(block, media))
        else:
            out.append(_table_html(block))
    return "".join(out)


def _image_html(image: Image, media: Media | None) -> str:
    found = media(image.src) if media is not None else None
    alt = html.escape(image.alt, quote=True)
    if found is None:  # not met for a checked bank: say what the picture is
        return f'<p class="db-figure-missing">{html.escape(image.alt or image.src, quote=False)}</p>'
    name, width, height = found
    return (f'<div class="db-figure"><img src="{html.escape(name, quote=True)}" alt="{alt}" '
            f'width="{width}" height="{height}"></div>')


def _table_html(table: Table) -> str:
    """A table in a box that scrolls sideways on a narrow screen rather than squeezing its columns."""
    def cells(row: tuple[tuple[Inline, ...], ...], tag: str) -> str:
        out = []
        for column, cell in enumerate(row):
            align = table.align[column] if column < len(table.align) else ""
            attribute = f' class="db-{align}"' if align else ""
            out.append(f"<{tag}{attribute}>{_html_spans(cell)}</{tag}>")
        return "<tr>" + "".join(out) + "</tr>"
    body = "".join(cells(row, "td") for row in table.rows)
    return (f'<div class="db-table"><table><thead>{cells(table.header, "th")}</thead>'
            + (f"<tbody>{body}</tbody>" if body else "") + "</table></div>")


@functools.lru_cache(maxsize=4096)
def _code_html(code: str, language: str) -> str:
    """A highlighted code block (cached: banks repeat snippets, and Pygments is the slow part)."""
    out = io.StringIO()
    _FORMATTER.format(lex(code, language), out)
    highlighted = out.getvalue().rstrip("\n")
    return (f'<pre class="highlight"><code class="language-{html.escape(language or "text")}">'
            f"{highlighted}</code></pre>")


def _html_spans(spans: tuple[Inline, ...]) -> str:
    out: list[str] = []
    for span in spans:
        if isinstance(span, Math):
            out.append(math_html(span.tex, span.display))
            continue
        text = html.escape(span.text, quote=False)
        if span.code:
            text = f"<code>{text}</code>"
        if span.emphasis:
            text = f"<em>{text}</em>"
        if span.strong:
            text = f"<strong>{text}</strong>"
        out.append(text)
    return "".join(out)
