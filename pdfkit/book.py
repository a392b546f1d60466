"""Books: mirrored pages with running headers, footers that know the page count, a contents filled
in when the book ends, and an outline; and the topic opener and question heading books share."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import BinaryIO

from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Flowable, Frame, PageTemplate

from deckbook import markup
from deckbook.bank import Bank, Question, Topic
from deckbook.pdfkit.flowables import Anchor, Gap, Para
from deckbook.pdfkit.internals import FinishingDocTemplate, FormulaCanvas, date_document
from deckbook.pdfkit.look import Look
from deckbook.pdfkit.text import Place, Runs, Text, draw_runs, inline, runs_width, shorten

#: Lays out a book's blocks: (bank, look, text, the document) -> flowables.
Story = Callable[[Bank, Look, Text, "Book"], list[Flowable]]


def write_book(bank: Bank, out: BinaryIO, look: Look, story: Story, *, head_openings: bool = False
               ) -> tuple[Text, Book]:
    """Lay out *story* on a book's pages and write it to *out*; return the text machinery (its
    warnings) and the document (its page count). With *head_openings*, a page that a topic
    opens also has the running header (a worksheet, whose topics run on); without, it has only
    the topic's title (the booklet, whose topics each open a page)."""
    text = Text(look, bank.source, bank)
    doc = Book(out, bank, look, text, head_openings)
    doc.build(story(bank, look, text, doc), canvasmaker=FormulaCanvas)
    return text, doc


class Book(FinishingDocTemplate):
    """Mirrored pages; header and footer drawn as each page ends; page counts filled in at the end.

    The running header names the topic at the top of the page: the one going on from the page
    before, or the one whose title opens the page (headed only with *head_openings*)."""

    def __init__(self, out: BinaryIO, bank: Bank, look: Look, text: Text, head_openings: bool = False
                 ) -> None:
        self.bank, self.look, self.text = bank, look, text
        self.head_openings = head_openings
        templates = [
            PageTemplate(id=side, pagesize=look.page_size, onPageEnd=self._end_page,
                         frames=[Frame(look.frame_x(parity), look.bottom, look.width, look.height,
                                       leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0,
                                       id=f"{side}-text")])
            for side, parity in (("recto", 1), ("verso", 0))
        ]
        keywords = list(dict.fromkeys([*(markup.plain(topic.name) for topic in bank.topics),
                                       *(tag for question in bank.questions for tag in question.tags)]))
        super().__init__(
            out, pagesize=look.page_size, pageTemplates=templates, invariant=1, pageCompression=1,
            title=markup.plain(bank.title), subject=markup.plain(bank.subtitle or bank.title),
            keywords=keywords, author="", creator="deckbook",
            initialFontName=look.body.regular, initialFontSize=look.size["body"],
            leftMargin=look.inner, rightMargin=look.outer, topMargin=look.top, bottomMargin=look.bottom,
        )
        self.pages = 0
        self.topic_pages: dict[int, int] = {}
        self.topic: Topic | None = None  # the topic being laid out
        self._top: Topic | None = None  # the topic at the top of the page being laid out
        self._opens_page = False  # whether that topic's title opens the page
        self._headers: dict[str, Runs] = {}

    def beforeDocument(self) -> None:
        date_document(self.canv, self.bank.modified)
        self.canv.showOutline()

    def afterPage(self) -> None:
        """Choose the next page's side by its number (autoNextPageTemplate repeats a side)."""
        self.handle_nextPageTemplate("verso" if self.canv.getPageNumber() % 2 else "recto")

    def topic_begins(self, index: int, topic: Topic, page: int) -> None:
        """Called by a topic's anchor as it is drawn (the canvas at the anchor): the contents and
        the running header need it."""
        self.topic_pages[index] = page
        self.topic = topic
        if self.canv.absolutePosition(0, 0)[1] >= self.look.bottom + self.look.height - 0.5:
            self._top, self._opens_page = topic, True  # the anchor is at the top of the text block

    def _end_page(self, canv, doc) -> None:
        page = canv.getPageNumber()
        self.pages = page
        if self._top is not None and (self.head_openings or not self._opens_page):
            self._draw_header(canv, page, self._top)
        self._top, self._opens_page = self.topic, False  # what goes on at the top of the next page
        canv.doForm(_footer_form(page))

    def _draw_header(self, canv, page: int, topic: Topic) -> None:
        """The topic's name in spaced capitals at the outer edge, over a hairline."""
        look = self.look
        if topic.id not in self._headers:
            with self.text.at(Place.topic(topic)):
                self._headers[topic.id] = self.text.runs(markup.plain(topic.name).upper(), look.body_chain)
        runs = self._headers[topic.id]
        size, tracking = look.size["header"], look.space["label_tracking"]
        left, baseline = look.frame_x(page), look.page_size[1] - look.top + look.header_offset
        width = runs_width(runs, size, tracking)
        x = left + look.width - width if page % 2 else left
        draw_runs(canv, x, baseline, runs, size, tracking, look.color["muted"])
        canv.saveState()
        canv.setStrokeColor(look.color["rule"])
        canv.setLineWidth(0.4)
        rule = baseline - size * 0.7
        canv.line(left, rule, left + look.width, rule)
        canv.restoreState()

    def finish(self) -> None:
        """Now that the page count is known: every page's footer and every contents number."""
        look, text, canv = self.look, self.text, self.canv
        count = len(self.bank.questions)
        words = look.labels["footer_questions"]
        questions = f"{count} {words[0] if count == 1 else words[1]}"
        size = look.size["footer"]
        tracking = look.space["footer_tracking"]
        for page in range(1, self.pages + 1):
            label = look.labels["footer"].format(page=page, pages=self.pages, questions=questions)
            runs = text.style_runs("labels.footer", label)
            total = runs_width(runs, size, tracking)
            left = look.frame_x(page)
            if look.footer_align == "center":
                x = left + (look.width - total) / 2
            elif page % 2:
                x = left + look.width - total
            else:
                x = left
            canv.beginForm(_footer_form(page))
            draw_runs(canv, x, look.bottom - look.footer_offset, runs, size, tracking, look.color["muted"])
            canv.endForm()
        toc_size = look.size["toc"]
        for index, page in self.topic_pages.items():
            canv.beginForm(toc_form(index), lowerx=-toc_size * 4, lowery=-toc_size, upperx=1,
                           uppery=toc_size * 1.5)
            canv.setFont(look.body.regular, toc_size)
            canv.setFillColor(look.color["text"])
            canv.drawRightString(0, 0, str(page))
            canv.endForm()


def _footer_form(page: int) -> str:
    return f"deckbook-footer-{page}"


def toc_form(index: int) -> str:
    """The name of the form that prints topic *index*'s page number in the contents."""
    return f"deckbook-contents-{index}"


def label_width(bank: Bank, look: Look, size: float, gap: str = "  ") -> float:
    """The width of the widest question number in bold at *size*, and *gap* after it."""
    largest = max((question.number for question in bank.questions), default=0)
    return pdfmetrics.stringWidth(look.question_label(largest) + gap, look.body.bold, size)


def topic_count(look: Look, questions: tuple[Question, ...]) -> str:
    """'8 questions, Q1–Q8': how many questions a topic has, and the first and last numbers."""
    count = look.plural("questions", len(questions))
    if not questions:
        return count
    key = "topic_question" if len(questions) == 1 else "topic_questions"
    return look.labels[key].format(questions=count, first=questions[0].number, last=questions[-1].number)


def topic_opener(index: int, topic: Topic, questions: tuple[Question, ...], look: Look, text: Text,
                 doc: Book, style: ParagraphStyle | None = None, gaps: tuple[float, float] = (2.0, 1.2)
                 ) -> list[Flowable]:
    """A topic's first blocks: its bookmark, its name (in *style*, the look's topic style by
    default) and how many questions it holds; *gaps*: points after the name, and questions'
    spacing after the count."""
    style = style or look.styles["topic"]
    with text.at(Place.topic(topic)):
        title = Para(text.spans(inline(topic.name), bold=True, size=style.fontSize), style)
        title.keep = True
        meta = Para(text.xml(topic_count(look, questions)), look.styles["meta"])
        meta.keep = True
    anchor = Anchor(f"topic-{index}", markup.plain(topic.name), 0,
                    functools.partial(doc.topic_begins, index, topic), closed=len(questions) > 25)
    return [anchor, title, Gap(gaps[0]), meta, Gap(look.space["between_questions"] * gaps[1])]


def question_heading(question: Question, label_width: float, look: Look, text: Text
                     ) -> tuple[list[Flowable], tuple[markup.Block, ...]]:
    """A question's bookmark and numbered heading, and the blocks of its text after the first line.
    Leaves *text* at the question, for the blocks the caller renders."""
    text.where = Place.question(question)
    label = look.question_label(question.number)
    parsed = markup.parse(question.question)
    first, rest = (parsed[0].spans, parsed[1:]) if isinstance(parsed[0], markup.Paragraph) else ((), parsed)
    heading = Para(text.spans(first, bold=True, size=look.size["heading"]) or "&#160;",
                   look.indented("heading", label_width, 0), bulletText=label)
    heading.keep = True
    anchor = Anchor(f"q{question.number}", f"{label}. {shorten(markup.plain(question.question))}", 1)
    return [anchor, heading], rest
