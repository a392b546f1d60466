"""PDF study booklet: title page and contents, then one page-opening section per topic."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import BinaryIO

from reportlab.platypus import Flowable, PageBreak, Spacer

from deckbook import markup
from deckbook.bank import Bank, Question
from deckbook.exporters.base import Written
from deckbook.pdfkit.book import (
    Book, label_width, question_heading, toc_form, topic_count, topic_opener, write_book,
)
from deckbook.pdfkit.flowables import (
    Anchor, Box, Contents, Gap, Group, Para, SectionGap, label, render, render_list,
)
from deckbook.pdfkit.internals import binary_streams
from deckbook.pdfkit.look import Look, hex_color, parse_page_size, style_or_default
from deckbook.pdfkit.text import Place, Text, inline

NAME, SUFFIX = "booklet", ".pdf"
#: The options of write() that a deckbook.toml [[artifact]] may set for this format.
OPTIONS: tuple[str, ...] = ("page_size",)
_SECTIONS = ("explanation", "example", "mistakes", "story")  # under their labels, after the answer


def write(bank: Bank, out: BinaryIO, *, page_size: str = "a4", style: dict | None = None) -> Written:
    """Write *bank* as a PDF study booklet to *out*, on *page_size* paper ("a4", "letter") in
    *style* (a checked style; the default styles/booklet.toml when None)."""
    look = Look(style_or_default(style), parse_page_size(page_size))
    with binary_streams():
        text, doc = write_book(bank, out, look, _story)
    return Written(text.warnings, {"pages": doc.page, "fonts": text.fonts})


def _story(bank: Bank, look: Look, text: Text, doc: Book) -> list[Flowable]:
    """Title page and contents, then one page-opening section per topic."""
    styles, labels = look.styles, look.labels
    story: list[Flowable] = [Spacer(0, look.height * 0.16)]
    with text.at(Place.bank(bank, "title")):
        title = text.spans(inline(bank.title), bold=True, size=look.size["title"])
    story += [Para(title, styles["title"]), Spacer(0, 10)]
    if bank.subtitle:
        with text.at(Place.bank(bank, "subtitle")):
            subtitle = text.spans(inline(bank.subtitle), italic=True, size=look.size["subtitle"])
        story += [Para(subtitle, styles["subtitle"]), Spacer(0, 8)]
    stats = labels["stats"].format(questions=look.plural("questions", len(bank.questions)),
                                   topics=look.plural("topics", len(bank.topics)))
    updated = labels["updated"].format(date=time.strftime("%Y-%m-%d", time.gmtime(bank.modified)))
    with text.at(Place.style("labels.stats")):
        stats_xml = text.xml(stats)
    with text.at(Place.style("labels.updated")):
        updated_xml = text.xml(updated)
    with text.at(Place.style("labels.contents")):
        contents_xml = text.xml(labels["contents"], bold=True)
    story += [Para(stats_xml, styles["meta"]), Para(updated_xml, styles["meta"]),
              Spacer(0, look.height * 0.08),
              Anchor("contents", labels["outline_contents"], 0),
              Para(contents_xml, styles["contents"]), Spacer(0, 4)]

    sections = bank.sections()
    rows = []
    for index, (topic, questions) in enumerate(sections):
        with text.at(Place.topic(topic)):
            name = text.spans(inline(topic.name), size=look.size["toc"])
            count = text.xml(topic_count(look, questions))
        muted = hex_color(look.color["muted"])
        row = f'{name} <font size="{look.size["meta"]:.1f}" color="{muted}">  {count}</font>'
        rows.append((Para(row, styles["toc"]), f"topic-{index}", toc_form(index)))
    story.append(Contents(rows, look))

    width = label_width(bank, look, look.size["heading"])
    for index, (topic, questions) in enumerate(sections):
        story.append(PageBreak())
        opener = functools.partial(topic_opener, index, topic, questions, look, text, doc)
        if not questions:
            story.append(Group(opener, look))
        for position, question in enumerate(questions):
            make = functools.partial(_question_blocks, question, width, look, text,
                                     opener if position == 0 else None)
            story.append(Group(make, look))
    return story


def _question_blocks(question: Question, label_width: float, look: Look, text: Text,
                     opener: Callable[[], list[Flowable]] | None) -> list[Flowable]:
    """A question's blocks: heading, answer box, then each study section under its label."""
    styles, space = look.styles, look.space
    blocks: list[Flowable] = opener() if opener else []
    heading, rest = question_heading(question, label_width, look, text)
    blocks += heading
    meta = [question.difficulty or "", ", ".join(question.tags)]
    if any(meta):
        line = Para(text.xml("  ·  ".join(part for part in meta if part)), look.indented("meta", label_width))
        line.keep = True
        blocks += [Gap(1), line]
    if rest:
        blocks += [Gap(space["paragraph"]), *render(rest, look, text, styles["body"])]
    blocks.append(Gap(space["after_heading"] + space["paragraph"]))
    answer_label = label("answer", look, text)
    answer = [answer_label] if answer_label else []
    answer += render(markup.parse(question.answer), look, text, styles["body"])
    blocks.append(Box(answer, look))
    for key in _SECTIONS:
        if key == "mistakes":
            if not question.mistakes:
                continue
            if len(question.mistakes) == 1:
                body = render(markup.parse(question.mistakes[0]), look, text, styles["body"])
            else:
                items = tuple(markup.parse(item) for item in question.mistakes)
                body = render_list(markup.ListBlock(False, 1, items), look, text, styles["body"], 0.0)
        else:
            value = getattr(question, key)
            if not value:
                continue
            body = render(markup.parse(value), look, text, styles["body"])
        section = label(key, look, text)
        blocks += [SectionGap(space["before_label"]), *([section] if section else []), Gap(space["after_label"]),
                   *body]
    blocks.append(Gap(space["between_questions"]))
    return blocks
