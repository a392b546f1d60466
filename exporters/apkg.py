"""Anki package: one subdeck per topic, one note per question."""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import sqlite3
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator, Mapping
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from deckbook import markup
from deckbook.bank import Bank, Figure, Question, Topic
from deckbook.exporters.base import Written

if TYPE_CHECKING:
    import genanki

NAME, SUFFIX = "apkg", ".apkg"
#: The options of write() that a deckbook.toml [[artifact]] may set for this format.
OPTIONS: tuple[str, ...] = ()

#: The note type's fields, fixed for good. Anki matches an imported note type to the one
#: in the collection by id, then by field and template names and count: renaming, adding,
#: removing or reordering any of them turns the next import into a "Name+" copy whose notes
#: are never updated. A new optional section goes into the spare field "More" instead.
FIELDS = (
    "Question", "Answer", "Explanation", "Example", "Mistakes", "Story", "More",
    "Topic", "Difficulty", "Id",
)
#: The one card template's name; part of the note type's schema, like the field names.
TEMPLATE = "Recall"
#: Optional sections that arrived after the note type shipped: (label, text of a question).
#: They render as labelled sections into the spare field "More"; the schema stays the same.
LATER_SECTIONS: tuple[tuple[str, Callable[[Question], str | None]], ...] = ()

_ZIP_EPOCH = 315_532_800  # 1980-01-01, the earliest date a zip entry can hold
_ZIP_END = 4_354_819_199  # 2107-12-31, the latest


def write(bank: Bank, out: BinaryIO, **options: object) -> Written:
    """Write *bank* as an Anki package to the binary stream *out*; report its note count."""
    if options:
        raise TypeError(f"unknown apkg option(s): {', '.join(sorted(options))}")
    if not bank.modified or any(not question.modified for question in bank.questions):
        raise ValueError("the bank is not dated: date it with deckbook.dates (date_bank, or one_date)")
    # each note carries its question's date (deckbook.dates), the note type the date of its design:
    # Anki's default import updates what is newer than the learner's copy, and nothing else
    stamp = max(bank.modified, bank.notetype_modified)
    # imported here, not above: the registry imports every exporter, and a booklet-only
    # run need not carry genanki's 6 MB of imports
    import genanki

    package = genanki.Package(_decks(bank, _model(bank)))
    # in the build's scratch folder (tempfile's dir while exporters run), which the next build
    # removes if this one is killed: genanki's collection is 4 kB a question
    with tempfile.TemporaryDirectory(prefix="deckbook-apkg-") as folder:
        database = Path(folder, "collection.anki2")
        connection = sqlite3.connect(database)
        try:
            # a scratch file, read once and deleted: waiting for the disk at each commit buys nothing
            connection.execute("PRAGMA synchronous = OFF")
            connection.execute("PRAGMA journal_mode = MEMORY")
            # ids are creation times in ms for Anki; start at the bank's date, count up. genanki
            # dates the note type with the timestamp given here; each note carries its own date
            package.write_to_db(connection.cursor(), bank.notetype_modified, itertools.count(stamp * 1000))
            # genanki's collection row holds constants; its creation date (2014) stays, as a
            # later one could be ahead of the importing clock and Anki counts days from it
            connection.execute("UPDATE col SET mod = ?", (stamp * 1000,))
            connection.commit()
        finally:
            connection.close()
        _zip(out, database.read_bytes(), stamp, _used_media(bank))
    return Written(facts={"notes": len(bank.questions), "decks": len(bank.topics) + 1})


def _used_media(bank: Bank) -> dict[str, Figure]:
    """The figures the selected questions show, by media name: each picture once."""
    used: dict[str, Figure] = {}
    for question in bank.questions:
        for text in (question.question, question.answer, question.explanation, question.example,
                     question.story, *question.mistakes):
            if text and "![" in text:
                for embed in markup.embeds(text):
                    figure = bank.figures.get(embed.value) if embed.kind == "figure" else None
                    if figure is not None:
                        used.setdefault(media_name(figure), figure)
    return dict(sorted(used.items()))


def note_type_name(bank: Bank) -> str:
    """The note type's name: one per namespace, so its id is as stable as the note GUIDs."""
    return f"{bank.namespace} (deckbook)"


def deck_name(bank: Bank, topic: Topic) -> str:
    """The subdeck of *topic*: ``<deck>::<topic number>. <topic name>``. Anki's default options
    gather new cards subdeck by subdeck in name order, so the numbers, which sort in declared
    order ("1." to "9.", or "01." to "12."), make the root deck serve topics in the bank's order."""
    return f"{bank.deck}::{topic.ordinal}. {topic.name}" if topic.ordinal else f"{bank.deck}::{topic.name}"


def note_digest(bank: Bank, topic: Topic, question: Question) -> str:
    """SHA-256 (hex) of the note as a learner sees it: its fields, tags and deck. It changes
    with any text, tag, topic, difficulty or the deck name, and with a deckbook whose HTML for
    this question differs, and with nothing else: not with the topic's number or a move."""
    content = json.dumps([bank.deck, fields(topic, question, bank.figures), tags(topic, question)],
                         ensure_ascii=False)
    return hashlib.sha256(content.encode()).hexdigest()


def note_type_digest() -> str:
    """SHA-256 (hex) of the note type's design: its fields, template and styling."""
    content = json.dumps([FIELDS, TEMPLATE, _style("card-front.html"), _style("card-back.html"),
                          _style("card.css")], ensure_ascii=False)
    return hashlib.sha256(content.encode()).hexdigest()


def stable_id(kind: str, name: str) -> int:
    """An Anki object id derived from its name: the same in every build, for ever."""
    digest = hashlib.sha256(f"deckbook\x1f{kind}\x1f{name}".encode()).digest()
    return (1 << 30) + int.from_bytes(digest[:8], "big") % (1 << 30)  # genanki's id range


def tags(topic: Topic, question: Question) -> list[str]:
    """The question's own tags, then its topic and difficulty as hierarchical tags."""
    found = list(question.tags)
    found.append(f"deckbook::topic::{topic.id}")
    if question.difficulty:
        found.append(f"deckbook::difficulty::{question.difficulty}")
    return found


def fields(topic: Topic, question: Question, figures: Mapping[str, Figure] | None = None) -> list[str]:
    """The note's field values in FIELDS order, as HTML in which every bank character is escaped;
    *figures* (the bank's) name the media files figures show."""
    media = functools.partial(_media, figures or {})
    return [_literal_brackets(value) for value in (
        markup.inline_html(question.question, media),
        markup.to_html(question.answer, media),
        _optional(question.explanation, media),
        _optional(question.example, media),
        _mistakes(question.mistakes, media),
        _optional(question.story, media),
        "".join(_section(label, text(question), media) for label, text in LATER_SECTIONS),
        markup.html_escape(topic.name),
        question.difficulty or "",
        question.id,
    )]


def media_name(figure: Figure) -> str:
    """A figure's file name in the package and in the learner's media folder: its SHA-256 and its
    kind's ending. The same picture used twice, or moved or renamed in the bank, is one file; a
    changed picture is a new name, which Anki, matching media by name, takes as new."""
    return figure.sha256 + figure.suffix


def _media(figures: Mapping[str, Figure], src: str) -> tuple[str, int, int] | None:
    figure = figures.get(src)
    if figure is None:
        return None
    return media_name(figure), round(figure.width), round(figure.height)


def _literal_brackets(field_html: str) -> str:
    """Field HTML in which Anki sees no [sound:...], [latex] or [$] tag: it reads those in the
    raw field, before any HTML, so '[' is written as its character reference; readers see '['."""
    return field_html.replace("[", "&#91;")


def _optional(text: str | None, media: markup.Media | None = None) -> str:
    return markup.to_html(text, media) if text else ""


def _mistakes(items: tuple[str, ...], media: markup.Media | None = None) -> str:
    """One mistake as its text; a list of them as a bullet list."""
    if len(items) <= 1:
        return _optional(items[0] if items else None, media)
    rtl = markup.direction(items[0])  # the list's direction: its first strong character's
    return (f"<ul{markup.dir_attribute(rtl)}>"
            + "".join(f"<li{markup.dir_attribute(markup.direction(item), rtl)}>"
                      f"{markup.inline_html(item, media, markup.direction(item))}</li>" for item in items)
            + "</ul>")


def _section(label: str, text: str | None, media: markup.Media | None = None) -> str:
    if not text:
        return ""
    return (f'<section class="db-part"><h3 class="db-label">{markup.html_escape(label)}</h3>'
            f"{markup.to_html(text, media)}</section>")


@functools.lru_cache(maxsize=None)
def _style(name: str) -> str:
    return files("deckbook.styles").joinpath(name).read_text(encoding="utf-8")


def _model(bank: Bank) -> genanki.Model:
    import genanki

    name = note_type_name(bank)
    return genanki.Model(
        stable_id("notetype", name),
        name,
        fields=[{"name": field} for field in FIELDS],
        templates=[{"name": TEMPLATE, "qfmt": _style("card-front.html"), "afmt": _style("card-back.html")}],
        css=_style("card.css"),
        sort_field_index=0,
    )


def _decks(bank: Bank, model: genanki.Model) -> list[genanki.Deck]:
    import genanki

    root = genanki.Deck(stable_id("deck", bank.deck), bank.deck,
                        description=_literal_brackets(markup.html_escape(bank.subtitle or "")))
    decks = [root]
    due = itertools.count(1)  # new cards come up in booklet order: topics, then bank order
    for topic, questions in bank.sections():
        name = deck_name(bank, topic)
        deck = genanki.Deck(stable_id("deck", name), name)
        for question in questions:
            note = _note_class()(
                model=model,
                fields=fields(topic, question, bank.figures),
                tags=tags(topic, question),
                guid=genanki.guid_for(bank.namespace, question.id),
                due=next(due),
            )
            note.modified = question.modified
            deck.add_note(note)
        decks.append(deck)
    return decks


@functools.cache
def _note_class() -> type[genanki.Note]:
    """genanki's Note without its check for invalid HTML tags, which warns about text that looks
    like a tag but was not escaped: every field here is HTML that markup and this module wrote,
    every bank character escaped, and the check's pattern takes time quadratic in the length of a
    line (a 98 KB line of highlighted code: 40 s). tests/test_markup_safety.py runs the check.
    Each note is written with its question's date, not the package's one timestamp."""
    import genanki

    class Note(genanki.Note):
        modified = 0  # the question's date: the note's and its card's modification time

        def _check_invalid_html_tags_in_fields(self) -> None:
            pass

        def write_to_db(self, cursor: sqlite3.Cursor, timestamp: float, deck_id: int, id_gen: Iterator[int]) -> None:
            super().write_to_db(cursor, self.modified or timestamp, deck_id, id_gen)

    return Note


def _zip(out: BinaryIO, collection: bytes, modified: int, media: Mapping[str, Figure]) -> None:
    """Zip the collection and the media the way Anki reads them (the media numbered "0", "1"... in
    name order, and a "media" map of number to name), every byte fixed by the bank and its date."""
    date = time.gmtime(min(max(modified, _ZIP_EPOCH), _ZIP_END))[:6]
    names = {str(number): name for number, name in enumerate(media)}
    entries = [("collection.anki2", lambda: collection),
               ("media", lambda: json.dumps(names, separators=(",", ":")).encode()),
               *((number, functools.partial(media[name].read)) for number, name in names.items())]
    with zipfile.ZipFile(out, "w") as archive:
        for name, read in entries:
            data = read()
            info = zipfile.ZipInfo(name, date_time=date)
            info.create_system = 3  # Unix, on every platform
            info.external_attr = 0o644 << 16
            # level 1: a third of genanki's stored size, in a third of level 6's time
            archive.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)
