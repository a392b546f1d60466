"""Real Anki for the apkg tests: a fresh collection, the GUI's default import, visible text."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
from anki.import_export_pb2 import ImportResponse

#: What Anki's import screen starts with in a fresh profile (it reads the same presets).
DEFAULT_OPTIONS = ImportAnkiPackageOptions()

#: Elements our templates and markup.py write; anything else on a card came from a bank.
OUR_ELEMENTS = frozenset({
    "div", "span", "hr", "section", "h3", "p", "ul", "ol", "li", "pre", "code", "strong", "em",
    "table", "thead", "tbody", "tr", "th", "td", "img",
})
_BLOCKS = frozenset({"div", "hr", "section", "h3", "p", "ul", "ol", "li", "pre", "br", "table", "tr", "th", "td"})
_LEADING_STYLE = re.compile(r"\A<style>.*?</style>", re.DOTALL)


def open_collection(folder: Path) -> Collection:
    """A new, empty Anki collection in *folder*."""
    return Collection(str(folder / "collection.anki2"))


def import_package(col: Collection, package: Path) -> ImportResponse.Log:
    """Import *package* the way File > Import does with its default options; return the log."""
    presets = col._backend.get_import_anki_package_presets()
    assert presets == DEFAULT_OPTIONS, "this collection's import presets are not Anki's defaults"
    request = ImportAnkiPackageRequest(package_path=str(package), options=presets)
    response = col.import_anki_package(request)
    if response.changes.notetype:
        col.models._clear_cache()  # as the GUI does after an operation that changed note types
    return response.log


def rendered_cards(col: Collection, package: Path) -> dict[str, tuple[str, str]]:
    """Import *package* as the import dialog does; each question's card as Anki renders it:
    {question id: (front HTML, back HTML)}."""
    import_package(col, package)
    cards = {}
    for nid in col.find_notes(""):
        note = col.get_note(nid)
        (card,) = note.cards()
        cards[note["Id"]] = (card.question(), card.answer())
    return cards


class _Reader(HTMLParser):
    """Collects the element names and the text a reader would see."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[str] = []
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.elements.append(tag)
        if tag in ("style", "script"):
            self._hidden += 1
        if tag in _BLOCKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._hidden -= 1
        if tag in _BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def read_card_side(rendered: str) -> tuple[str, list[str]]:
    """A card side as Anki renders it: (its visible text on one line, its element names).

    The note type's stylesheet, which Anki puts first, is left out of both.
    """
    reader = _Reader()
    reader.feed(_LEADING_STYLE.sub("", rendered, count=1))
    reader.close()
    return one_line("".join(reader.parts)), reader.elements


def one_line(text: str) -> str:
    """*text* with every run of white space made one space."""
    return " ".join(text.split())
