"""The bank's Markdown subset: parsed once into blocks, rendered to escaped HTML for cards.

Paragraphs, `inline code`, **bold**, *italic*, bullet and numbered lists and fenced code
blocks; everything else, raw HTML included, is literal text. The parse is markdown-it-py
(CommonMark) with only those rules enabled, so emphasis and code spans follow the spec
people already know; both exporters render the same blocks.
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass
from typing import Union

from markdown_it import MarkdownIt
from markdown_it.token import Token
from pygments import highlight as _pygments_highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.token import _TokenType
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
        """The code as Pygments (token type, text) pairs, for exporters that style their own."""
        return list(lexer_for(self.language).get_tokens(self.code))


Block = Union[Paragraph, ListBlock, CodeBlock]

_MD = MarkdownIt("zero").enable(["backticks", "emphasis", "escape", "list", "fence"])
# Nothing here can start markup: such text is one plain paragraph, without the parser.
_PLAIN = re.compile(r"[`*_\\\n]|^\s*(?:[-+]|\d+[.)])(?:\s|$)|^\s*~~~", re.MULTILINE)


@functools.lru_cache(maxsize=65536)
def parse(text: str) -> tuple[Block, ...]:
    """The blocks of one bank text (cached: every exporter parses the same texts)."""
    if not _PLAIN.search(text):
        return (Paragraph((Span(text.strip()),)),)
    tokens = _MD.parse(text)
    blocks, _ = _blocks(tokens, 0, None)
    return tuple(blocks)


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
            index += 1
            while tokens[index].type != close:
                item, index = _blocks(tokens, index + 1, "list_item_close")
                items.append(tuple(item))
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


@functools.lru_cache(maxsize=None)
def lexer_for(language: str) -> Lexer:
    """The Pygments lexer for a fence's language word; plain text when unknown or empty."""
    if language:
        try:
            return get_lexer_by_name(language, stripnl=False, ensurenl=False)
        except ClassNotFound:
            pass
    return TextLexer(stripnl=False, ensurenl=False)


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


def to_html(text: str) -> str:
    """One bank text as HTML: every character of the bank escaped, only our tags added."""
    return _html_blocks(parse(text), loose=True)


def inline_html(text: str) -> str:
    """A bank text as inline HTML, for one-line places such as a card's question."""
    blocks = parse(text)
    if len(blocks) == 1 and isinstance(blocks[0], Paragraph):
        return _html_spans(blocks[0].spans)
    return _html_blocks(blocks, loose=True)


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
    highlighted = _pygments_highlight(code, lexer_for(language), _FORMATTER).rstrip("\n")
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
