"""The bank's Markdown subset: parsed once into blocks, rendered to escaped HTML for cards.

Paragraphs, `inline code`, **bold**, *italic* (asterisks only: an underscore is always the character,
so __init__ and snake_case_name print as typed), bullet and numbered lists (MAX_LIST_DEPTH deep at
most; a marker with nothing after it is text) and fenced code blocks; everything else, raw HTML
included, is literal text. The parse is markdown-it-py (CommonMark) with only those rules
enabled, so emphasis and code spans follow the spec people already know; both exporters render
the same blocks. Most bank texts are one-line paragraphs with code spans, perhaps a fenced
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
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Union

from markdown_it import MarkdownIt
from markdown_it.rules_inline import emphasis, escape
from markdown_it.rules_inline.state_inline import StateInline
from markdown_it.token import Token
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
class Paragraph:
    """A paragraph of inline spans."""

    spans: tuple[Span, ...]


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


Block = Union[Paragraph, ListBlock, CodeBlock]



def _star_emphasis(state: StateInline, silent: bool) -> bool:
    """CommonMark's emphasis rule for '*' alone: '_' is never emphasis, so __init__, __enter__ and
    snake_case_name, all over Python answers, print as typed instead of bold 'init'."""
    return state.src[state.pos] == "*" and emphasis.tokenize(state, silent)


_MD = MarkdownIt("zero").enable(["backticks", "emphasis", "escape", "list", "fence"])
_MD.inline.ruler.at("emphasis", _star_emphasis)
#: Lists nest at most this deep. markdown-it reads nothing below nesting level maxNesting (20),
#: and a list and its item take a level each: an item ten lists deep would come out empty, with
#: everything after it in the text gone. The bank's checks refuse deeper lists (problems()).
MAX_LIST_DEPTH = (_MD.options["maxNesting"] - 2) // 2
# Nothing here can start markup: such text is one plain paragraph, without the parser.
_PLAIN = re.compile(r"[`*\\\n]|^\s*(?:[-+]|\d+[.)])(?:\s|$)|^\s*~~~", re.MULTILINE)
# What can start a block on a line, or emphasis and escapes outside code spans.
_BLOCK_START = re.compile(r"(?:[-+*]|\d+[.)])(?:\s|$)|```|~~~")
_INLINE_MARKUP = re.compile(r"[*\\]")
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
    if not _PLAIN.search(text):
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
_MD_CHECK = MarkdownIt("zero").enable(["backticks", "emphasis", "escape", "list", "fence", "code"])
# What may be a surprise: an asterisk between letters or digits, a backslash line break, a table's
# delimiter row (|---| or --- | ---), a line indented as code where a block may start. Each takes linear time: no two
# quantifiers can share a character.
_INTRAWORD_ASTERISK = re.compile(r"[^\W_]\*++[^\W_]")
_TABLE_DELIMITER = re.compile(r"-[ \t]*+\||\|[ \t]*+:?-")
_INDENTED_LINE = re.compile(r"(?:\A|\n[ \t]*+\n|(?:```|~~~)[ \t]*+\n)(?: {4}| {0,3}\t)")  # after a break
_DELIMITER_CELL = re.compile(r"[ \t]*:?-+:?[ \t]*")
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


def surprises(text: str) -> tuple[Surprise, ...]:
    """What in *text* prints otherwise than an author would expect, in text order: asterisks
    between letters or digits that make emphasis (2*3*4), a backslash line break, code indented
    instead of fenced, a pipe table. Linear in the text."""
    if "\r" in text or "\0" in text:
        return ()  # refused by the bank's checks (control characters); markdown-it would shift offsets
    if not (("*" in text and _INTRAWORD_ASTERISK.search(text)) or "\\\n" in text
            or ("|" in text and _TABLE_DELIMITER.search(text))
            or (("    " in text or "\t" in text) and _INDENTED_LINE.search(text)
                and _maybe_indented_code(text))):
        return ()  # the usual text: a few searches for a character, at C speed
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    found: dict[int, str] = {}
    breaks: list[int] = []
    for token in _MD_CHECK.parse(text):
        if token.type == "code_block":
            first, end = token.map
            where = starts[first] + len(lines[first]) - len(lines[first].lstrip())
            count = f"{end - first} lines" if end - first > 1 else "1 line"
            found.setdefault(where, f"this code, indented instead of fenced ({count}), prints as one "
                             "paragraph of text, its line breaks and indentation lost; fence it with "
                             "``` instead")
        elif token.type == "inline" and token.map:
            place = _Place(token.content, lines, starts, token.map[0])
            for offset, message in _emphasis_surprises(token, place):
                found.setdefault(offset, message)
            breaks += [place.offset(child.meta["source"][0]) for child in token.children or ()
                       if child.type == "hardbreak" and "source" in child.meta]
            for offset, message in _table_surprises(token.content, place):
                found.setdefault(offset, message)
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


def _table_surprises(content: str, place: _Place) -> Iterator[tuple[int, str]]:
    """Pipe tables (a header row, then a row of dashes with as many cells): not in the markup yet,
    so the rows run together into one line of pipes and dashes."""
    rows = content.split("\n")
    position = 0
    number = 0
    while number < len(rows) - 1:
        header, delimiter = rows[number], rows[number + 1]
        if "|" in header + delimiter and _cells(delimiter) and all(
                _DELIMITER_CELL.fullmatch(cell) for cell in _cells(delimiter)) \
                and len(_cells(header)) == len(_cells(delimiter)):
            count = 2
            while number + count < len(rows) and "|" in rows[number + count]:
                count += 1
            indent = len(header) - len(header.lstrip(" \t"))
            yield (place.offset(position + indent), f"this table ({count} rows) prints as one line of text, "
                   "its pipes and dashes included: tables are not in the markup yet; fence it with "
                   "``` to keep its columns, or write it as a list")
            for row in rows[number : number + count]:
                position += len(row) + 1
            number += count
            continue
        position += len(header) + 1
        number += 1


def _cells(row: str) -> list[str]:
    """The cells of a table row: split at pipes not escaped, less one pipe at either end."""
    row = row.strip(" \t")
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    return _CELL_SEPARATOR.split(row) if row else []


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
        if _INLINE_MARKUP.search(before):
            return None
        if before:
            spans.append(Span(before))
        code = line[runs[index][1] : runs[close][0]]
        if code.startswith(" ") and code.endswith(" ") and code.strip(" "):
            code = code[1:-1]
        spans.append(Span(code, code=True))
        done, index = runs[close][1], close + 1
    rest = line[done:]
    if _INLINE_MARKUP.search(rest):
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
            blocks.append(Paragraph(_spans(tokens[index + 1].children or [])))
            index += 3  # paragraph_open, inline, paragraph_close
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


def _spans(children: list[Token]) -> tuple[Span, ...]:
    spans: list[Span] = []
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


def plain(text: str) -> str:
    """The visible text of a bank text on one line, markup removed (for titles, bookmarks)."""
    return " ".join(_plain_blocks(parse(text)).split())


def _plain_blocks(blocks: tuple[Block, ...]) -> str:
    parts: list[str] = []
    for block in blocks:
        if isinstance(block, Paragraph):
            parts.append("".join(span.text for span in block.spans))
        elif isinstance(block, ListBlock):
            parts.extend(_plain_blocks(item) for item in block.items)
        else:
            parts.append(block.code)
    return " ".join(parts)


# -- HTML ---------------------------------------------------------------------------------
_FORMATTER = HtmlFormatter(nowrap=True)


# Anki's reviewer typesets \( \) and \[ \] with MathJax 3, which reads the text of the page with
# character references decoded, in runs that any element ends, and skips <code> and <pre>.
_MATH = re.compile(r"<code\b[^>]*>.*?</code>|\\(?=[()\[\]])", re.DOTALL)


def to_html(text: str) -> str:
    """One bank text as HTML: every character of the bank escaped, only our tags added."""
    return _no_math(_html_blocks(parse(text), loose=True))


def inline_html(text: str) -> str:
    """A bank text as inline HTML, for one-line places such as a card's question."""
    blocks = parse(text)
    if len(blocks) == 1 and isinstance(blocks[0], Paragraph):
        return _no_math(_html_spans(blocks[0].spans))
    return _no_math(_html_blocks(blocks, loose=True))


def html_escape(text: str) -> str:
    """Plain text (a topic's name, a label) as HTML that shows it as typed, like to_html()."""
    return _no_math(html.escape(text, quote=False))


def _no_math(markup_html: str) -> str:
    """*markup_html* with an empty element between a backslash and a bracket or parenthesis
    outside code: the text reads the same, and MathJax finds no delimiter, so nothing such as
    \\(\\href{javascript:...}{x}\\) is typeset. &#92; would not do: MathJax reads decoded text."""
    if "\\" not in markup_html:
        return markup_html
    return _MATH.sub(lambda match: match.group() if match.group()[0] == "<" else "\\<span></span>",
                     markup_html)


def _html_blocks(blocks: tuple[Block, ...], loose: bool) -> str:
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Paragraph):
            body = _html_spans(block.spans)
            out.append(f"<p>{body}</p>" if loose else body)
        elif isinstance(block, ListBlock):
            tag = "ol" if block.ordered else "ul"
            start = f' start="{block.start}"' if block.ordered and block.start != 1 else ""
            items = "".join(f"<li>{_html_blocks(item, loose=len(item) > 1)}</li>" for item in block.items)
            out.append(f"<{tag}{start}>{items}</{tag}>")
        else:
            out.append(_code_html(block.code, block.language))
    return "".join(out)


@functools.lru_cache(maxsize=4096)
def _code_html(code: str, language: str) -> str:
    """A highlighted code block (cached: banks repeat snippets, and Pygments is the slow part)."""
    out = io.StringIO()
    _FORMATTER.format(lex(code, language), out)
    highlighted = out.getvalue().rstrip("\n")
    return (f'<pre class="highlight"><code class="language-{html.escape(language or "text")}">'
            f"{highlighted}</code></pre>")


def _html_spans(spans: tuple[Span, ...]) -> str:
    out: list[str] = []
    for span in spans:
        text = html.escape(span.text, quote=False)
        if span.code:
            text = f"<code>{text}</code>"
        if span.emphasis:
            text = f"<em>{text}</em>"
        if span.strong:
            text = f"<strong>{text}</strong>"
        out.append(text)
    return "".join(out)
