"""The style turned into a look: lengths, colours, fonts and paragraph styles for one page size."""

from __future__ import annotations

import functools
from collections.abc import Mapping

from pygments.token import string_to_tokentype
from reportlab.lib import pagesizes
from reportlab.lib.colors import Color, HexColor
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.styles import ParagraphStyle

from deckbook.pdfkit.fonts import chain, register, whole
from deckbook.pdfkit.style import load_style

#: Paper sizes by name, in points.
PAGE_SIZES = {"a4": pagesizes.A4, "letter": pagesizes.LETTER}
#: Points per unit of a length in the style.
UNITS = {"pt": 1.0, "mm": 72 / 25.4, "cm": 72 / 2.54, "in": 72.0}


def style_or_default(style: dict | None = None) -> dict:
    """*style*, an already checked style, or else the default style, styles/booklet.toml."""
    return _default_style() if style is None else style


@functools.cache
def _default_style() -> dict:
    """styles/booklet.toml, read and checked once per process."""
    return load_style()


def parse_page_size(name: str) -> tuple[float, float]:
    """The paper size called *name* ("a4", "Letter"), in points."""
    key = name.lower() if isinstance(name, str) else name
    if key not in PAGE_SIZES:
        raise ValueError(f"page size must be one of {', '.join(PAGE_SIZES)}, not {name!r}")
    return PAGE_SIZES[key]


def length(value: str | int | float) -> float:
    """A length from the style ("12pt", "20mm", "0.5in") in points."""
    if isinstance(value, (int, float)):
        return float(value)
    number, unit = value.strip()[:-2], value.strip()[-2:]
    if unit not in UNITS:
        raise ValueError(f"styles/booklet.toml: length {value!r} needs a unit: {', '.join(UNITS)}")
    return float(number) * UNITS[unit]


def hex_color(color: Color) -> str:
    """*color* as paragraph XML writes it: "#rrggbb"."""
    return "#" + color.hexval()[2:]


class Look:
    """The style turned into fonts, colours, lengths and paragraph styles for one page size."""

    def __init__(self, style: Mapping, page_size: tuple[float, float]) -> None:
        page, sizes, spacing = style["page"], style["sizes"], style["spacing"]
        self.page_size = page_size
        self.labels: dict = style["labels"]
        self.inner, self.outer = length(page["inner_margin"]), length(page["outer_margin"])
        self.top, self.bottom = length(page["top_margin"]), length(page["bottom_margin"])
        self.header_offset = length(page["header_offset"])
        self.footer_offset = length(page["footer_offset"])
        self.footer_align = page.get("footer_align", "outer")
        self.width = page_size[0] - self.inner - self.outer
        self.height = page_size[1] - self.top - self.bottom
        self.keep_whole = float(page.get("keep_whole_up_to", 0.25)) * self.height
        self.section_break_slack = float(page.get("section_break_slack", 0.1)) * self.height
        self.color = {key: HexColor(value) for key, value in style["colors"].items()}
        self.size = {key: length(value) for key, value in sizes.items()}
        self.space = {key: length(value) for key, value in spacing.items()}

        fonts = style["fonts"]
        families = {key: register(spec, key) for key, spec in fonts["families"].items()}
        self.body, self.code = whole(families[fonts["body"]]), whole(families[fonts["code"]])
        fallback = [families[key] for key in fonts.get("fallback", ())]
        self.body_chain = chain(self.body, fallback)
        self.code_chain = chain(self.code, fallback)
        self.tokens = {string_to_tokentype(name): value for name, value in style["code_tokens"].items()}

        self.styles = self._paragraph_styles()
        self._indented: dict[tuple[str, float, float | None], ParagraphStyle] = {}

    def _paragraph_styles(self) -> dict[str, ParagraphStyle]:
        size, color = self.size, self.color
        body = ParagraphStyle(
            "body", fontName=self.body.regular, fontSize=size["body"], leading=size["body_leading"],
            textColor=color["text"], alignment=TA_LEFT, allowWidows=0, allowOrphans=0,
            splitLongWords=1, bulletFontName=self.body.regular, bulletFontSize=size["body"],
        )
        heading = ParagraphStyle(
            "heading", parent=body, fontSize=size["heading"],
            leading=size["heading_leading"], bulletFontName=self.body.bold,
            bulletFontSize=size["heading"], bulletColor=color["accent"],
        )
        return {
            "body": body,
            "heading": heading,
            "meta": ParagraphStyle("meta", parent=body, fontSize=size["meta"], leading=size["meta"] * 1.4,
                                   textColor=color["muted"]),
            "topic": ParagraphStyle("topic", parent=body, fontSize=size["topic"],
                                    leading=size["topic"] * 1.2, textColor=color["accent"]),
            "title": ParagraphStyle("title", parent=body, fontSize=size["title"],
                                    leading=size["title"] * 1.18, textColor=color["accent"]),
            "subtitle": ParagraphStyle("subtitle", parent=body,
                                       fontSize=size["subtitle"], leading=size["subtitle"] * 1.4,
                                       textColor=color["muted"]),
            "toc": ParagraphStyle("toc", parent=body, fontSize=size["toc"], leading=size["toc"] * 1.45),
            "contents": ParagraphStyle("contents", parent=body,
                                       fontSize=size["toc"] * 1.3, leading=size["toc"] * 1.8,
                                       textColor=color["accent"]),
        }

    def indented(self, name: str, left: float, bullet: float | None = None) -> ParagraphStyle:
        """Paragraph style *name* with its left edge (and bullet) moved; made once per build."""
        key = (name, round(left, 2), bullet)
        if key not in self._indented:
            self._indented[key] = ParagraphStyle(
                f"{name}@{left:.2f}", parent=self.styles[name], leftIndent=left,
                bulletIndent=self.styles[name].bulletIndent if bullet is None else bullet)
        return self._indented[key]

    def frame_x(self, page: int) -> float:
        """The left edge of the text block: the inner margin is on the left of odd pages."""
        return self.inner if page % 2 else self.outer

    def token_style(self, ttype: tuple[str, ...] | None) -> dict:
        """The style of a Pygments token type: its own entry or its nearest listed ancestor's."""
        while ttype is not None:
            if ttype in self.tokens:
                return self.tokens[ttype]
            ttype = ttype.parent  # type: ignore[union-attr]
        return {}

    def plural(self, key: str, count: int) -> str:
        """'1 question', '15 questions', with the words from the style."""
        one, many = self.labels[key]
        return f"{count:,} {one if count == 1 else many}"

    def question_label(self, number: int) -> str:
        """A question's number as the style labels it: 'Q12'."""
        return self.labels["question"].format(number=number)
