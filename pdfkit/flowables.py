"""The blocks pages are made of: paragraphs, gaps, the answer box, a question kept together,
labels, a block numbered in the margin, the contents, ruled lines; and markup blocks rendered as
such flowables.

A flowable whose ``keep`` is true is never the last thing on a page: it moves on with what follows.
A flowable whose ``together`` is true stays on one page with everything before it in its Group
(a question's heading and its short answer; a worksheet question and its ruled lines), unless
they do not fit on one page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from reportlab.lib.colors import Color
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, Spacer

from deckbook import markup
from deckbook.pdfkit.code import Code, code_lines
from deckbook.pdfkit.internals import FastParagraph, first_baseline, last_line
from deckbook.pdfkit.look import Look
from deckbook.pdfkit.tables import PipeTable, cell_style
from deckbook.pdfkit.text import Runs, Text, draw_runs


class Para(FastParagraph):
    """A paragraph of the paragraph XML that Text writes, laid out once per width."""

    keep = False  # keep with the next block: never the last thing on a page


class Anchor(Flowable):
    """A zero-height mark: where it lands, a bookmark, an outline entry and a layout event."""

    keep = True

    def __init__(self, key: str, title: str, level: int, on_draw: Callable[[int], None] | None = None,
                 closed: bool = False) -> None:
        super().__init__()
        self.key, self.title, self.level, self.on_draw, self.closed = key, title, level, on_draw, closed
        self.width = self.height = 0

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        canv = self.canv
        canv.bookmarkHorizontal(self.key, 0, 6)
        canv.addOutlineEntry(self.title, self.key, self.level, closed=self.closed or None)
        if self.on_draw is not None:
            self.on_draw(canv.getPageNumber())


class Gap(Spacer):
    """Vertical space between blocks; dropped where a page breaks."""

    keep = False

    def __init__(self, height: float) -> None:
        super().__init__(0, height)


class SectionGap(Gap):
    """The gap before a section of a question (its explanation, example...): where a question
    would rather break than inside a section, if that leaves little of the page empty."""


class Stack(Flowable):
    """Blocks laid one under another; the base of the answer box and of a question."""

    keep = False

    def __init__(self, children: list[Flowable]) -> None:
        super().__init__()
        self.children = children
        self._laid: tuple[float, list[float]] | None = None

    def inner_width(self, availWidth: float) -> float:
        """The width the children are laid out in."""
        return availWidth

    def padding(self) -> tuple[float, float]:
        """Room above and below the children."""
        return 0.0, 0.0

    def indent(self) -> float:
        """The children's left edge."""
        return 0.0

    def _heights(self, availWidth: float) -> list[float]:
        if self._laid is None or self._laid[0] != availWidth:
            inner = self.inner_width(availWidth)
            self._laid = (availWidth, [child.wrap(inner, 1e6)[1] for child in self.children])
        return self._laid[1]

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        top, bottom = self.padding()
        self.width = availWidth
        self.height = top + bottom + sum(self._heights(availWidth))
        return self.width, self.height

    def split_children(self, availWidth: float, room: float, split_from: int = 0
                       ) -> tuple[list[Flowable], list[Flowable], bool]:
        """The children that fit in *room* (splitting the one across the edge if it is not
        before child *split_from*), the rest, and whether a child was split."""
        heights = self._heights(availWidth)
        inner = self.inner_width(availWidth)
        head: list[Flowable] = []
        used, index = 0.0, 0
        while index < len(self.children) and used + heights[index] <= room + 1e-6:
            head.append(self.children[index])
            used += heights[index]
            index += 1
        tail = list(self.children[index:])
        if tail and index >= split_from and not isinstance(tail[0], Gap) and room - used > 0:
            parts = tail[0].split(inner, room - used)
            if len(parts) > 1:
                head.append(parts[0])
                tail[0:1] = parts[1:]
                return head, tail, True
        return head, tail, False

    def draw(self) -> None:
        top, _ = self.padding()
        y = self.height - top
        x = self.indent()
        for child, height in zip(self.children, self._heights(self.width)):
            y -= height
            child.drawOn(self.canv, x, y)


def trim(head: list[Flowable], tail: list[Flowable]) -> tuple[list[Flowable], list[Flowable]]:
    """The two sides of a page break without the gaps at the break."""
    end, start = len(head), 0
    while end and isinstance(head[end - 1], Gap):
        end -= 1
    while start < len(tail) and isinstance(tail[start], Gap):
        start += 1
    return head[:end], tail[start:]


class Box(Stack):
    """The short answer, set apart: a shaded box with a bar on the binding side; on one page with
    the question's heading, and split only when they do not fit on one."""

    together = True

    def __init__(self, children: list[Flowable], look: Look) -> None:
        super().__init__(children)
        self.look = look

    def inner_width(self, availWidth: float) -> float:
        return availWidth - 2 * self.look.space["answer_padding"] - self.look.space["answer_bar"]

    def padding(self) -> tuple[float, float]:
        pad = self.look.space["answer_padding"]
        return pad, pad

    def indent(self) -> float:
        return self.look.space["answer_padding"] + self.look.space["answer_bar"]

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        top, bottom = self.padding()
        head, tail, _ = self.split_children(availWidth, availHeight - top - bottom)
        while head and getattr(head[-1], "keep", False):
            tail.insert(0, head.pop())
        head, tail = trim(head, tail)
        if not head or not tail:
            return []
        return [Box(head, self.look), Box(tail, self.look)]

    def draw(self) -> None:
        canv, look = self.canv, self.look
        canv.saveState()
        canv.setFillColor(look.color["answer_fill"])
        canv.rect(0, 0, self.width, self.height, stroke=0, fill=1)
        canv.setFillColor(look.color["answer_bar"])
        canv.rect(0, 0, look.space["answer_bar"], self.height, stroke=0, fill=1)
        canv.restoreState()
        super().draw()


class Group(Stack):
    """One question (with its topic's title when first), broken across pages where it may: between
    its sections (at a SectionGap) rather than between the lines of a block when that leaves little
    of the page empty; never in its lead (up to its last ``together`` block: heading and short
    answer) unless the lead is taller than a page, never after a heading or a label (``keep``),
    never leaving one line of a paragraph or of code alone on either side (the body style's
    orphans and widows, Code.split). A short one moves whole to the next page."""

    def __init__(self, children: list[Flowable] | Callable[[], list[Flowable]], look: Look,
                 goes_on: bool = False) -> None:
        super().__init__([])
        self.look = look
        self.goes_on = goes_on  # the rest of a group that broke where it chose: it starts the next page
        self._make = children if callable(children) else None
        if not callable(children):
            self.children = children

    def _ensure(self) -> None:
        if self._make is not None:  # built when first measured, so the bank is never all in memory
            self.children, self._make = self._make(), None

    def lead(self) -> int:
        """How many children stay together on one page: up to the last ``together`` one."""
        return max((index + 1 for index, child in enumerate(self.children) if getattr(child, "together", False)),
                   default=0)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self._ensure()
        return super().wrap(availWidth, availHeight)

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        self.wrap(availWidth, availHeight)
        at_top = availHeight >= self.look.height - 0.5
        if not at_top and (self.height <= self.look.keep_whole or self.goes_on):
            return []  # a short question, or what follows a chosen break: on the next page
        lead = 0 if at_top else self.lead()  # at the top of a page, a lead taller than the page breaks
        head, tail, split = self.split_children(availWidth, availHeight, lead)
        whole = list(head), list(tail)
        taken = len(head) - split  # children in the head whole
        while not split and head and (getattr(head[-1], "keep", False) or isinstance(head[-1], Gap)):
            tail.insert(0, head.pop())
            taken -= 1
        if taken < lead or not any(not isinstance(child, (Gap, Anchor)) for child in head):
            if not at_top:
                return []
            head, tail = whole  # a heading taller than a page: break it rather than stall
        elif tail and (split or not isinstance(tail[0], SectionGap)):
            head, tail = self._between_sections(availWidth, head, tail, split, max(lead, 1))
        head, tail = trim(head, tail)
        if not tail:
            return [Group(head, self.look)]
        if not head:
            return []
        return [Group(head, self.look), Group(tail, self.look, goes_on=True)]

    def _between_sections(self, availWidth: float, head: list[Flowable], tail: list[Flowable], split: bool,
                          least: int) -> tuple[list[Flowable], list[Flowable]]:
        """*head* and *tail*, a break inside a section, moved back to the last break between
        sections (keeping *least* children at least) if that leaves no more than the look's
        section_break_slack of the page empty."""
        heights = self._heights(availWidth)
        taken = len(head) - split
        kept = sum(heights[:taken])
        used = kept + (head[-1].wrap(self.inner_width(availWidth), 1e6)[1] if split else 0.0)
        for index in range(taken - 1, least - 1, -1):
            kept -= heights[index]
            if used - kept > self.look.section_break_slack:
                break
            if isinstance(self.children[index], SectionGap):
                return list(self.children[:index]), list(self.children[index:])
        return head, tail


class Label(Flowable):
    """A one-line section label in small spaced capitals; never the last line on a page."""

    keep = True

    def __init__(self, runs: Runs, look: Look) -> None:
        super().__init__()
        self.runs, self.look = runs, look

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width, self.height = availWidth, self.look.size["label"] * 1.35
        return self.width, self.height

    def draw(self) -> None:
        look = self.look
        draw_runs(self.canv, 0, look.size["label"] * 0.3, self.runs, look.size["label"],
                  look.space["label_tracking"], look.color["muted"], bold=True)


def label(key: str, look: Look, text: Text) -> Label | None:
    """The style's label *key* ("answer", "explanation"...) as a section label: small, bold,
    spaced capitals, kept with what follows; None when the style leaves it empty."""
    value = look.labels[key]
    if not value:
        return None
    return Label(text.style_runs(f"labels.{key}", value.upper()), look)


class Numbered(Flowable):
    """A block with a number in the margin, on the baseline of the block's first line, whatever
    the block: a paragraph, a list's first item, code. The block is indented to leave the margin;
    the number goes with the first part of a block split across pages."""

    keep = False

    def __init__(self, number: Runs, block: Flowable, look: Look) -> None:
        super().__init__()
        self.number, self.block, self.look = number, block, look

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width, self.height = availWidth, self.block.wrap(availWidth, availHeight)[1]
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        parts = self.block.split(availWidth, availHeight)
        if not parts:
            return []
        return [Numbered(self.number, parts[0], self.look), *parts[1:]]

    def draw(self) -> None:
        canv, block, look = self.canv, self.block, self.look
        if isinstance(block, FastParagraph):
            below = first_baseline(block)
        elif isinstance(block, Code):
            below = block.first_baseline()
        else:
            below = look.size["body"]
        canv.saveState()  # the number first: text extraction reads it before the answer
        draw_runs(canv, 0, self.height - below, self.number, look.size["body"], 0.0, look.color["accent"],
                  bold=True)
        canv.restoreState()
        block.drawOn(canv, 0, 0)


class Contents(Flowable):
    """The table of contents: one row per topic, its page number filled in when the book ends."""

    def __init__(self, rows: list[tuple[Para, str, str]], look: Look) -> None:
        super().__init__()
        self.rows, self.look = rows, look  # (the topic's paragraph, its destination, its number form)
        self._number_width = look.size["toc"] * 3.2

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width = availWidth
        self.heights = [para.wrap(availWidth - self._number_width, 1e6)[1] for para, _, _ in self.rows]
        self.height = sum(self.heights)
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        self.wrap(availWidth, availHeight)
        used, count = 0.0, 0
        while count < len(self.rows) and used + self.heights[count] <= availHeight:
            used += self.heights[count]
            count += 1
        if count == 0 or count == len(self.rows):
            return [] if count == 0 else [self]
        return [Contents(self.rows[:count], self.look), Contents(self.rows[count:], self.look)]

    def draw(self) -> None:
        canv, look = self.canv, self.look
        y = self.height
        leading = look.styles["toc"].leading
        for (para, key, form), height in zip(self.rows, self.heights):
            y -= height
            para.drawOn(canv, 0, y)
            count, spare = last_line(para)
            baseline = y + height - look.size["toc"] - (count - 1) * leading  # the last line's
            canv.saveState()
            start = self.width - self._number_width - spare + look.size["toc"] * 0.6
            end = self.width - look.size["toc"] * 2.6
            if end > start + look.size["toc"]:  # dot leaders from the name to the page number
                canv.setStrokeColor(look.color["rule"])
                canv.setLineWidth(0.9)
                canv.setLineCap(1)
                canv.setDash([0.01, 3.2])
                canv.line(start, baseline + 0.5, end, baseline + 0.5)
            canv.translate(self.width, baseline)
            canv.doForm(form)
            canv.restoreState()
            canv.linkRect("", key, (0, y, self.width, y + height), relative=1, thickness=0)


class Rules(Flowable):
    """Ruled lines to write an answer on, from *indent* to the right margin; on one page with
    the question they answer."""

    keep = False
    together = True

    def __init__(self, count: int, spacing: float, indent: float, line_width: float, color: Color) -> None:
        super().__init__()
        self.count, self.spacing, self.indent = count, spacing, indent
        self.line_width, self.color = line_width, color

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width, self.height = availWidth, self.count * self.spacing
        return self.width, self.height

    def draw(self) -> None:
        canv = self.canv
        canv.saveState()
        canv.setStrokeColor(self.color)
        canv.setLineWidth(self.line_width)
        for line in range(self.count):
            y = self.height - (line + 1) * self.spacing
            canv.line(self.indent, y, self.width, y)
        canv.restoreState()


# -- markup blocks --------------------------------------------------------------------------
#: Lists indent this many levels at most; deeper ones (markup allows MAX_LIST_DEPTH) line up with
#: the last indented one, so a deep item keeps most of the width of a card or a column.
INDENTED_LIST_LEVELS = 4


def render(blocks: Sequence[markup.Block], look: Look, text: Text, style: ParagraphStyle,
           indent: float = 0.0, depth: int = 0) -> list[Flowable]:
    """Markup blocks as flowables, a paragraph gap between them; *depth* is how many lists they
    are in."""
    out: list[Flowable] = []
    for block in blocks:
        if out:
            out.append(Gap(look.space["paragraph"]))
        if isinstance(block, markup.Paragraph):
            para_style = look.indented(style.name, indent) if indent else style
            out.append(Para(text.spans(block.spans) or "&#160;", para_style))
        elif isinstance(block, markup.ListBlock):
            out += render_list(block, look, text, style, indent, depth)
        elif isinstance(block, markup.CodeBlock):
            out.append(Code(look, code_lines(block, look, text), indent))
        elif isinstance(block, markup.Table):
            out.append(indented(render_table(block, text, style), indent))
        elif isinstance(block, markup.MathBlock):
            out.append(indented(text.display_formula(block.tex), indent))
        else:
            figure = text.figure(block)
            if out and len(out) > 1 and isinstance(out[-2], Para):
                out[-2].keep = True  # the paragraph that introduces a figure goes on with it
            out.append(indented(figure, indent))
    return out


def render_table(block: markup.Table, text: Text, style: ParagraphStyle) -> PipeTable:
    """A pipe table: its header in bold, each column's cells aligned as its delimiter row says."""
    styles = [cell_style(style, align) for align in block.align]
    rows = []
    for number, row in enumerate((block.header, *block.rows)):
        rows.append([Para(text.spans(cell, bold=number == 0) or "&#160;", styles[column] if column < len(styles)
                          else style) for column, cell in enumerate(row)])
    return PipeTable(rows, text.look)


def indented(block: Flowable, indent: float) -> Flowable:
    """*block* moved *indent* to the right (inside a list item); itself when *indent* is 0."""
    return Indented(block, indent) if indent else block


class Indented(Flowable):
    """A block moved *indent* to the right."""

    def __init__(self, block: Flowable, indent: float) -> None:
        super().__init__()
        self.block, self.indent = block, indent
        self.keep = getattr(block, "keep", False)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        width, self.height = self.block.wrap(availWidth - self.indent, availHeight)
        self.width = width + self.indent
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        return [Indented(part, self.indent) for part in self.block.split(availWidth - self.indent, availHeight)]

    def draw(self) -> None:
        self.block.drawOn(self.canv, self.indent, 0)


def render_list(block: markup.ListBlock, look: Look, text: Text, style: ParagraphStyle,
                indent: float = 0.0, depth: int = 0) -> list[Flowable]:
    """A bullet or numbered list: each item's first paragraph carries the marker; *depth* is how
    many lists it is in (from INDENTED_LIST_LEVELS on, a list indents no further)."""
    step = look.space["list_indent"]
    if depth >= INDENTED_LIST_LEVELS:  # markers and text where the enclosing list has them
        indent -= step
    item_style = look.indented(style.name, indent + step, indent + 1)
    out: list[Flowable] = []
    for position, item in enumerate(block.items):
        if out:
            out.append(Gap(look.space["paragraph"] * 0.5))
        marker = f"{block.start + position}." if block.ordered else look.labels["bullet"]
        rest: Sequence[markup.Block] = item
        if item and isinstance(item[0], markup.Paragraph):
            first_xml, rest = text.spans(item[0].spans) or "&#160;", item[1:]
        else:
            first_xml = "&#160;"
        out.append(Para(first_xml, item_style, bulletText=marker))
        if rest:
            out.append(Gap(look.space["paragraph"] * 0.5))
            out += render(rest, look, text, style, indent + step, depth + 1)
    return out
