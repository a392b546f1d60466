"""A practice worksheet: the questions numbered as in the booklet, ruled room to answer under
each, then an answer key of the short answers from a new page."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import BinaryIO

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, PageBreak

from deckbook import markup
from deckbook.bank import Bank, Question, Topic
from deckbook.exporters.base import Written
from deckbook.pdfkit.book import Book, label_width, question_heading, topic_opener, write_book
from deckbook.pdfkit.flowables import Anchor, Gap, Group, Label, Numbered, Para, Rules, render
from deckbook.pdfkit.internals import binary_streams
from deckbook.pdfkit.look import Look, length, parse_page_size, style_or_default
from deckbook.pdfkit.text import Place, Runs, Text, draw_runs, inline, runs_width

NAME, SUFFIX = "worksheet", ".pdf"
#: The options of write() that a deckbook.toml [[artifact]] may set for this format.
OPTIONS: tuple[str, ...] = ("page_size",)


def write(bank: Bank, out: BinaryIO, *, page_size: str = "a4", style: dict | None = None) -> Written:
    """Write *bank* as a practice worksheet to *out*, on *page_size* paper in *style* (a checked
    style; the default styles/booklet.toml when None)."""
    style = style_or_default(style)
    look = Look(style, parse_page_size(page_size))
    with binary_streams():
        text, doc = write_book(bank, out, look, functools.partial(_story, style["worksheet"]),
                               head_openings=True)
    return Written(text.warnings, {"pages": doc.page, "fonts": text.fonts})


class _Fields(Flowable):
    """'NAME ________  DATE ______': labels in small spaced capitals, each with a line to write on."""

    def __init__(self, fields: list[tuple[Runs, float]], look: Look) -> None:
        super().__init__()
        self.fields, self.look = fields, look  # (label, share of the width)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width, self.height = availWidth, self.look.size["label"] * 3
        return self.width, self.height

    def draw(self) -> None:
        canv, look = self.canv, self.look
        size, tracking = look.size["label"], look.space["label_tracking"]
        x = 0.0
        for runs, share in self.fields:
            end = x + share * self.width
            draw_runs(canv, x, 2, runs, size, tracking, look.color["muted"], bold=True)
            start = x + runs_width(runs, size, tracking, True) + size
            canv.saveState()
            canv.setStrokeColor(look.color["rule"])
            canv.setLineWidth(0.6)
            canv.line(start, 0, end - size * 2, 0)
            canv.restoreState()
            x = end


def _story(settings: dict, bank: Bank, look: Look, text: Text, doc: Book) -> list[Flowable]:
    """A title block with room for a name, the questions by topic with ruled room under each,
    then the answer key from a new page; *settings* is the style's [worksheet] table."""
    labels, styles, space = settings["labels"], look.styles, look.space
    sub = ParagraphStyle("worksheet-topic", parent=styles["topic"], fontSize=look.size["heading"] * 1.35,
                         leading=look.size["heading"] * 1.7)
    rules = functools.partial(Rules, spacing=length(settings["line_spacing"]),
                              line_width=length(settings["line_width"]), color=look.color["rule"])
    with text.at(Place.bank(bank, "title")):
        title = text.spans(inline(bank.title), bold=True, size=look.size["topic"])
    story: list[Flowable] = [Para(title, styles["topic"]), Gap(4)]
    meta = " · ".join((labels["title"], look.plural("questions", len(bank.questions)),
                       look.plural("topics", len(bank.topics))))
    with text.at(Place.style("worksheet.labels.title")):
        meta_xml = text.xml(meta)
    fields = [(text.style_runs("worksheet.labels.name", labels["name"].upper()), 0.66),
              (text.style_runs("worksheet.labels.date", labels["date"].upper()), 0.34)]
    story += [Para(meta_xml, styles["meta"]), Gap(space["between_questions"]),
              _Fields(fields, look), Gap(space["between_questions"])]

    sections = [(index, topic, questions) for index, (topic, questions) in enumerate(bank.sections())
                if questions]
    width = label_width(bank, look, look.size["heading"])
    for index, topic, questions in sections:
        opener = functools.partial(topic_opener, index, topic, questions, look, text, doc, sub, (1.0, 0.6))
        for position, question in enumerate(questions):
            room = rules(writing_lines(question.answer, settings), indent=width)
            story.append(Group(functools.partial(
                _question, question, width, look, text, room, opener if position == 0 else None), look))

    story.append(PageBreak())
    key = Topic("answer-key", labels["answer_key"])
    with text.at(Place.style("worksheet.labels.answer_key")):
        key_title = text.xml(labels["answer_key"], bold=True)
    with text.at(Place.style("worksheet.labels.answer_key_note")):
        key_note = text.xml(labels["answer_key_note"])
    story += [Anchor("answer-key", labels["answer_key"], 0,
                     functools.partial(doc.topic_begins, len(bank.topics), key)),
              Para(key_title, sub), Gap(2), Para(key_note, styles["meta"]), Gap(space["between_questions"])]
    key_width = label_width(bank, look, look.size["body"], "   ")
    for index, topic, questions in sections:
        for position, question in enumerate(questions):
            entry = functools.partial(_key_entry, question, topic if position == 0 else None, key_width,
                                      look, text)
            story.append(Group(entry, look))
    return story


def writing_lines(answer: str, settings: dict) -> int:
    """How many ruled lines to leave under a question whose short answer is *answer*: as many as
    it takes written by hand, *settings*' words_per_line words a line, a line for each line of
    code, from min_lines to max_lines; or the fixed number *settings* gives as lines."""
    if "lines" in settings:
        return int(settings["lines"])
    needed = _handwritten(markup.parse(answer), int(settings["words_per_line"]))
    return max(int(settings["min_lines"]), min(int(settings["max_lines"]), needed))


def _handwritten(blocks: Sequence[markup.Block], per_line: int) -> int:
    """Lines *blocks* take written by hand: each paragraph, list item, formula and table row starts a
    line (a formula counts as a word); a figure is not written out."""
    lines = 0
    for block in blocks:
        if isinstance(block, markup.Paragraph):
            lines += -(-len(markup.plain_spans(block.spans).split()) // per_line)
        elif isinstance(block, markup.ListBlock):
            lines += sum(max(1, _handwritten(item, per_line)) for item in block.items)
        elif isinstance(block, markup.CodeBlock):
            lines += len(block.code.splitlines())
        elif isinstance(block, markup.MathBlock):
            lines += 1
        elif isinstance(block, markup.Table):
            lines += 1 + len(block.rows)
    return lines


def _question(question: Question, label_width: float, look: Look, text: Text, rules: Rules,
              opener: Callable[[], list[Flowable]] | None) -> list[Flowable]:
    """A question as the booklet heads it, then ruled lines to answer on."""
    blocks: list[Flowable] = opener() if opener else []
    heading, rest = question_heading(question, label_width, look, text)
    blocks += heading
    if rest:
        blocks += [Gap(look.space["paragraph"]), *render(rest, look, text, look.styles["body"], label_width)]
    return blocks + [rules, Gap(look.space["between_questions"])]


def _key_entry(question: Question, topic: Topic | None, width: float, look: Look, text: Text
               ) -> list[Flowable]:
    """One answer in the key: the short answer, its number beside its first line, whatever block
    that is; the topic's label before its first."""
    blocks: list[Flowable] = []
    if topic is not None:
        with text.at(Place.topic(topic)):
            label = Label(text.runs(markup.plain(topic.name).upper(), look.body_chain), look)
        blocks += [Gap(look.space["before_label"]), label, Gap(look.space["after_label"] + 2)]
    number = text.style_runs("labels.question", look.question_label(question.number))
    text.where = Place.question(question)
    answer = render(markup.parse(question.answer), look, text, look.styles["body"], width)
    answer[0] = Numbered(number, answer[0], look)
    return blocks + answer + [Gap(look.space["paragraph"] * 1.6)]
