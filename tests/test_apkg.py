"""The Anki package, checked in real Anki: decks, notes, cards, updates, identical bytes."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
import unicodedata
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import genanki
import pytest

from deckbook import cli, dates
from deckbook import markup
from anki_support import OUR_ELEMENTS, import_package, one_line, read_card_side
from deckbook.bank import load_bank
from conftest import BANKS, BUNDLED, ROOT, TESTS
from deckbook.exporters import apkg

if TYPE_CHECKING:
    from anki.notes import Note

BANKS = BANKS / "valid"
CARDS = BANKS / "anki-cards.yaml"  # every section, code blocks, lists: the realistic bank
HOSTILE = BANKS / "hostile.yaml"
EPOCH = 1_700_000_000  # conftest's SOURCE_DATE_EPOCH
DAY = 86_400



def build(runner, monkeypatch, bank_file: Path, out: Path, epoch: int = EPOCH) -> Path:
    """`deckbook anki BANK -o OUT` with SOURCE_DATE_EPOCH=*epoch*; returns OUT."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(epoch))
    result = runner.invoke(cli.cli, ["anki", str(bank_file), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


def authored(tmp_path: Path, source: Path = CARDS) -> Path:
    """An author's copy of *source* with its dates ledger, as a repository holds them."""
    folder = tmp_path / "author"
    folder.mkdir()
    shutil.copy(source, folder / "questions.yaml")
    shutil.copy(dates.ledger_path(source), folder / "questions.dates.toml")
    return folder / "questions.yaml"


def edit(bank_file: Path, *replacements: tuple[str, str]) -> Path:
    """*bank_file* with each (old, new) text replaced once, in place, as an author edits it."""
    text = bank_file.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    bank_file.write_text(text, encoding="utf-8")
    return bank_file


def notes_by_id(col) -> dict[str, Note]:
    """Every note in the collection by its question id."""
    return {note["Id"]: note for note in (col.get_note(nid) for nid in col.find_notes(""))}


def deckbook_notetypes(col) -> list[dict]:
    """Our note types, "+" copies included."""
    return [model for model in col.models.all() if "(deckbook)" in model["name"]]


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# -- the deck as imported ---------------------------------------------------------------------
def test_the_deck_imports_into_anki_as_one_subdeck_per_topic_with_the_fields_and_tags(
        runner, monkeypatch, tmp_path, col):
    bank = load_bank(CARDS)
    log = import_package(col, build(runner, monkeypatch, CARDS, tmp_path / "deck.apkg"))

    assert len(log.new) == len(bank.questions) and not log.conflicting
    names = {deck.name for deck in col.decks.all_names_and_ids()}
    assert names == {"Default", "Backend Drills", "Backend Drills::1. Python",
                     "Backend Drills::2. Databases & SQL", "Backend Drills::3. Testing"}
    for topic, questions in bank.sections():
        in_deck = col.find_notes(f'"deck:{apkg.deck_name(bank, topic)}"')
        assert sorted(col.get_note(nid)["Id"] for nid in in_deck) == sorted(q.id for q in questions)

    (notetype,) = deckbook_notetypes(col)
    assert notetype["name"] == "backend-drills (deckbook)"
    assert notetype["id"] == apkg.stable_id("notetype", "backend-drills (deckbook)")
    assert col.decks.by_name("Backend Drills")["desc"] == "Short answers first; the detail when you want it."
    assert [field["name"] for field in notetype["flds"]] == list(apkg.FIELDS)
    assert [template["name"] for template in notetype["tmpls"]] == [apkg.TEMPLATE]
    assert notetype["sortf"] == 0  # the question
    assert notetype["css"] == (ROOT / "styles" / "card.css").read_text(encoding="utf-8")

    notes = notes_by_id(col)
    topics = {topic.id: topic for topic in bank.topics}
    for question in bank.questions:
        note = notes[question.id]
        assert note.guid == genanki.guid_for(bank.namespace, question.id)
        assert note.mid == notetype["id"]
        assert note.fields == [nfc(value) for value in apkg.fields(topics[question.topic], question)]
        expected_tags = {*question.tags, f"deckbook::topic::{question.topic}"}
        if question.difficulty:
            expected_tags.add(f"deckbook::difficulty::{question.difficulty}")
        assert set(note.tags) == expected_tags
        assert all(" " not in tag and tag for tag in note.tags)
    assert notes["context-managers"]["Mistakes"].startswith("<ul><li>")
    assert notes["n-plus-one"]["Explanation"] == ""


@pytest.mark.parametrize("bank_file", [CARDS, HOSTILE, BANKS / "minimal.yaml", BUNDLED],
                         ids=lambda path: path.stem)
def test_every_card_shows_its_question_on_the_front_and_its_answer_first_on_the_back(
        runner, monkeypatch, tmp_path, col, bank_file):
    bank = load_bank(bank_file)
    import_package(col, build(runner, monkeypatch, bank_file, tmp_path / "deck.apkg"))
    notes = notes_by_id(col)
    assert len(notes) == len(bank.questions)
    for question in bank.questions:
        (card,) = notes[question.id].cards()
        front, _ = read_card_side(card.question())
        rendered = card.answer()
        back, _ = read_card_side(rendered)
        asked, answer = nfc(markup.plain(question.question)), nfc(one_line(markup.plain(question.answer)))
        topic = next(topic.name for topic in bank.topics if topic.id == question.topic)
        assert front.startswith(nfc(topic)) and asked in front
        assert back.startswith(front)  # the question stays on top of the answer
        assert back[len(front):].lstrip().startswith(answer)  # the short answer comes first
        for label, text in (("Explanation", question.explanation), ("Example", question.example),
                            ("Common mistakes", question.mistakes), ("From production", question.story)):
            assert (f'<h3 class="db-label">{label}</h3>' in rendered) == bool(text), (question.id, label)


def test_nothing_typed_in_a_hostile_bank_becomes_markup_on_a_card(runner, monkeypatch, tmp_path, col):
    import_package(col, build(runner, monkeypatch, HOSTILE, tmp_path / "deck.apkg"))
    notes = notes_by_id(col)
    sides = {}
    for ident, note in notes.items():
        (card,) = note.cards()
        for side, rendered in (("front", card.question()), ("back", card.answer())):
            text, elements = read_card_side(rendered)
            assert set(elements) <= OUR_ELEMENTS, (ident, side, set(elements) - OUR_ELEMENTS)
            for tag in ("<script", "<img", "<style", "<a ", "<input", "<b>", "<i>"):
                assert tag not in rendered.split("</style>", 1)[1].lower(), (ident, side, tag)
            sides[ident, side] = text
    front, back = sides["script", "front"], sides["script", "back"]
    assert "HTML <i>and</i> & co" in front
    assert "What does <script>alert('x')</script> do on a card?" in front
    assert "as does <b>bold</b> and &amp; and x < y." in back
    assert "{{Back}} or {{c1::cloze}}" in back
    assert '<style>body { display: none }</style> <a href="javascript:alert(1)">link</a>' in back
    assert "<img src=x onerror=alert(1)> and [a link](http://example.com) stay text." in back
    assert "Trusting innerHTML with <input> values" in back
    assert "a < b && c > d is not a tag" in back
    assert "Ελληνικά и русский" in sides["unicode", "front"]
    assert "Что такое λ-исчисление, and what is 東京 or 😀?" in sides["unicode", "front"]
    assert nfc("naïve café, Straße, ½ ≤ ¾") in sides["unicode", "back"]
    names = {deck.name for deck in col.decks.all_names_and_ids()}
    assert "Hostile::Input::1. HTML <i>and</i> & co" in names


def test_code_blocks_are_highlighted_by_class_and_night_mode_has_its_own_colours(
        runner, monkeypatch, tmp_path, col):
    import_package(col, build(runner, monkeypatch, CARDS, tmp_path / "deck.apkg"))
    (card,) = notes_by_id(col)["context-managers"].cards()
    back = card.answer()
    assert '<pre class="highlight"><code class="language-python">' in back
    assert '<span class="k">def</span>' in back and "style=" not in back.split("</style>", 1)[1]
    css = card.render_output().css
    for selector in (".card.nightMode", ".card.night_mode", ".nightMode .card", ".night_mode .card",
                     ".highlight .k", "overflow-x: auto", ".db code"):
        assert selector in css
    assert "<script" not in css + back and "@import" not in css and "url(" not in css


CODE_ONLY = ("answer: |-\n      ```python\n      with lock:  # the GIL switches threads between bytecodes, "
             "so += is not atomic\n          total += 1\n      ```")
GIL_ANSWER = "answer: When the threads run Python bytecode; I/O and many C extensions release it."


def test_an_answer_of_code_alone_is_one_box_not_a_box_inside_a_box(runner, monkeypatch, tmp_path, col):
    bank_file = edit(authored(tmp_path), (GIL_ANSWER, CODE_ONLY))
    import_package(col, build(runner, monkeypatch, bank_file, tmp_path / "deck.apkg"))
    (card,) = notes_by_id(col)["gil"].cards()
    answer = re.search(r'<div class="db-answer">(.*?)</div>', card.answer(), re.DOTALL).group(1)
    assert re.fullmatch(r'<pre class="highlight">.*</pre>', answer.strip(), re.DOTALL)  # its only element
    css = card.render_output().css
    rule = re.search(r"\.db-answer > pre\.highlight:only-child \{([^}]*)\}", css).group(1)
    assert "border: 0" in rule and "background: none" in rule and "padding: 0" in rule


#: A page as AnkiDroid and AnkiMobile show a card side: the note's rendered HTML in a phone-wide
#: view; a script in it reports, for each code block, its border, its background and how many
#: characters of code show before it scrolls sideways.
_PHONE = """<!doctype html><html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body class="card card1 {night}"><div id="qa">{side}</div><script>
addEventListener('load', () => {{
  const found = [...document.querySelectorAll('pre')].map(pre => {{
    const probe = document.createElement('span');
    probe.textContent = 'x'.repeat(100);
    pre.querySelector('code').appendChild(probe);
    const char = probe.getBoundingClientRect().width / 100;
    probe.remove();
    const style = getComputedStyle(pre);
    const room = pre.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return {{answer: !!pre.closest('.db-answer'), border: style.borderTopWidth,
             background: style.backgroundColor, chars: Math.floor(room / char)}};
  }});
  parent.postMessage(JSON.stringify(found), '*');
}});
</script></body></html>"""


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Chromium (Debian's chromium)")
@pytest.mark.parametrize("night", ["", "nightMode night_mode"])
def test_on_a_390_px_phone_code_shows_36_characters_before_it_scrolls(runner, monkeypatch, tmp_path, col,
                                                                       night):
    bank_file = edit(authored(tmp_path), (GIL_ANSWER, CODE_ONLY))
    import_package(col, build(runner, monkeypatch, bank_file, tmp_path / "deck.apkg"))
    found = []
    for ident in ("gil", "context-managers"):  # code alone in the answer; code in the explanation
        (card,) = notes_by_id(col)[ident].cards()
        side = tmp_path / f"{ident}.html"
        side.write_text(_PHONE.format(night=night, side=card.answer()), encoding="utf-8")
        frame = tmp_path / f"{ident}-phone.html"  # headless Chromium's window is 500 px at least
        frame.write_text(f'<iframe src="{side.as_uri()}" style="width:390px;height:844px;border:0"></iframe>'
                         "<script>addEventListener('message', e => document.body.dataset.found = e.data)"
                         "</script>", encoding="utf-8")
        dom = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                              "--disable-background-networking", "--allow-file-access-from-files",
                              "--virtual-time-budget=5000", "--dump-dom", frame.as_uri()],
                             capture_output=True, text=True, timeout=120, check=True).stdout
        found += json.loads(re.search(r'data-found="([^"]*)"', dom).group(1).replace("&quot;", '"'))
    answer, part = [block for block in found if block["answer"]], [block for block in found if not block["answer"]]
    assert len(answer) == 1 and answer[0]["border"] == "0px" and answer[0]["background"] == "rgba(0, 0, 0, 0)"
    assert part and all(block["border"] != "0px" for block in part)  # elsewhere code keeps its own box
    assert min(block["chars"] for block in found) >= 36  # 28 in the answer before, 36 elsewhere


def test_new_cards_come_up_in_the_bank_order(runner, monkeypatch, tmp_path, col):
    bank = load_bank(CARDS)
    import_package(col, build(runner, monkeypatch, CARDS, tmp_path / "deck.apkg"))
    for topic, questions in bank.sections():
        col.decks.select(col.decks.id_for_name(apkg.deck_name(bank, topic)))
        queued = col.sched.get_queued_cards(fetch_limit=50).cards
        assert [col.get_card(entry.card.id).note()["Id"] for entry in queued] == [q.id for q in questions]
    due = {note["Id"]: note.cards()[0].due for note in notes_by_id(col).values()}
    booklet_order = [q.id for _, questions in bank.sections() for q in questions]
    assert sorted(due, key=due.get) == booklet_order


# -- updates with Anki's default import ----------------------------------------------------------
def test_an_edited_bank_updates_the_notes_in_place_and_keeps_the_review_history(
        runner, monkeypatch, tmp_path, col):
    import_package(col, build(runner, monkeypatch, CARDS, tmp_path / "v1.apkg"))
    before = {ident: note.id for ident, note in notes_by_id(col).items()}
    col.decks.select(col.decks.id_for_name("Backend Drills::1. Python"))
    card = col.sched.getCard()
    col.sched.answerCard(card, 4)  # "Easy": a review card with an interval in days
    history = col.db.all("select * from revlog order by id")
    scheduling = col.db.all("select type, queue, ivl, due, factor, reps, lapses from cards where id = ?",
                            card.id)
    assert len(history) == 1 and scheduling[0][2] >= 1
    models = sorted(model["id"] for model in col.models.all())

    bank_v2 = edit(authored(tmp_path), ("**whatever**", "**no matter what**"), ("sorted tree", "sorted B-tree"))
    log = import_package(col, build(runner, monkeypatch, bank_v2, tmp_path / "v2.apkg", EPOCH + DAY))

    assert sorted(entry.fields[-1] for entry in log.updated) == ["context-managers", "sql-index"]
    assert len(log.duplicate) == len(before) - 2 and not (log.new or log.conflicting)
    after = notes_by_id(col)
    assert {ident: note.id for ident, note in after.items()} == before
    assert "<strong>no matter what</strong>" in after["context-managers"]["Answer"]
    assert "sorted B-tree" in after["sql-index"]["Answer"]
    assert "no matter what" in read_card_side(col.get_card(card.id).answer())[0]
    assert sorted(model["id"] for model in col.models.all()) == models  # no "+" copy
    assert col.db.all("select * from revlog order by id") == history
    assert col.db.all("select type, queue, ivl, due, factor, reps, lapses from cards where id = ?",
                      card.id) == scheduling


def test_an_edit_rebuilt_with_the_same_source_date_epoch_still_lands_as_its_date_moves_a_second(
        runner, monkeypatch, tmp_path, col):
    bank_file = authored(tmp_path)
    import_package(col, build(runner, monkeypatch, bank_file, tmp_path / "v1.apkg"))
    edit(bank_file, ("**whatever**", "**no matter what**"))
    log = import_package(col, build(runner, monkeypatch, bank_file, tmp_path / "v2.apkg", EPOCH))
    assert [entry.fields[-1] for entry in log.updated] == ["context-managers"] and len(log.duplicate) == 4
    assert "no matter what" in notes_by_id(col)["context-managers"]["Answer"]
    assert notes_by_id(col)["context-managers"].mod == EPOCH + 1


def test_an_added_question_adds_one_note_and_a_removed_one_stays_untouched(
        runner, monkeypatch, tmp_path, col):
    import_package(col, build(runner, monkeypatch, CARDS, tmp_path / "v1.apkg"))
    removed = notes_by_id(col)["n-plus-one"]
    removed_state = (removed.fields, removed.mod, removed.tags, removed.cards()[0].did)
    bank_v2 = authored(tmp_path)
    text = bank_v2.read_text(encoding="utf-8")
    start = text.index("  - id: n-plus-one")
    end = text.index("  - id: fixtures")
    added = ("  - id: wal\n    topic: databases\n    question: What is a write-ahead log?\n"
             "    answer: Changes appended to a log before the data files, so a crash can replay them.\n")
    bank_v2.write_text(text[:start] + added + text[end:], encoding="utf-8")
    models = len(col.models.all())

    log = import_package(col, build(runner, monkeypatch, bank_v2, tmp_path / "v2.apkg", EPOCH + DAY))

    assert [entry.fields[-1] for entry in log.new] == ["wal"]
    assert len(log.duplicate) == 4 and not (log.updated or log.conflicting)
    notes = notes_by_id(col)
    assert set(notes) == {"context-managers", "gil", "sql-index", "n-plus-one", "fixtures", "wal"}
    kept = notes["n-plus-one"]
    assert (kept.fields, kept.mod, kept.tags, kept.cards()[0].did) == removed_state
    assert notes["wal"].cards()[0].did == col.decks.id_for_name("Backend Drills::2. Databases & SQL")
    assert len(col.models.all()) == models


def test_a_new_card_design_updates_the_note_type_in_place_and_leaves_every_note_as_it_was(
        runner, monkeypatch, tmp_path, col):
    bank_file = authored(tmp_path)
    import_package(col, build(runner, monkeypatch, bank_file, tmp_path / "v1.apkg"))
    (before,) = deckbook_notetypes(col)
    learner = notes_by_id(col)["gil"]
    learner["Answer"] += "<p>My mnemonic</p>"  # a learner's own edit survives a restyle
    col.update_note(learner)
    original = apkg._style
    monkeypatch.setattr(apkg, "_style", lambda name: original(name) + (
        "\n.db-answer { font-size: 1.2em; }\n" if name.endswith(".css") else "\n<!-- v2 -->\n"))

    log = import_package(col, build(runner, monkeypatch, bank_file, tmp_path / "v2.apkg"))  # same SOURCE_DATE_EPOCH

    (after,) = deckbook_notetypes(col)
    assert after["id"] == before["id"] and after["name"] == before["name"]
    assert after["css"].endswith(".db-answer { font-size: 1.2em; }\n")
    assert after["tmpls"][0]["afmt"].endswith("<!-- v2 -->\n")
    assert not (log.updated or log.conflicting or log.new) and len(log.duplicate) == 5
    assert notes_by_id(col)["gil"]["Answer"].endswith("<p>My mnemonic</p>")


def test_a_new_optional_section_arrives_in_the_spare_field_without_a_note_type_copy(
        runner, monkeypatch, tmp_path, col):
    bank_file = authored(tmp_path)
    import_package(col, build(runner, monkeypatch, bank_file, tmp_path / "v1.apkg"))
    models = sorted(model["id"] for model in col.models.all())
    monkeypatch.setattr(apkg, "LATER_SECTIONS", (("Follow-up", lambda q: f"Why does `{q.id}` matter?"),))

    log = import_package(col, build(runner, monkeypatch, bank_file, tmp_path / "v2.apkg"))

    assert len(log.updated) == 5 and not (log.conflicting or log.new)
    assert sorted(model["id"] for model in col.models.all()) == models
    (card,) = notes_by_id(col)["gil"].cards()
    back, elements = read_card_side(card.answer())
    assert back.endswith("Follow-up Why does gil matter?")
    assert set(elements) <= OUR_ELEMENTS


def test_a_changed_field_list_costs_a_note_type_copy_and_stops_updates(runner, monkeypatch, tmp_path, col):
    """What a breaking change costs, shown in real Anki: the README's warning is true."""
    bank_v2 = authored(tmp_path)
    import_package(col, build(runner, monkeypatch, bank_v2, tmp_path / "v1.apkg"))
    fields = apkg.fields
    monkeypatch.setattr(apkg, "FIELDS", (*apkg.FIELDS, "Hint"))
    monkeypatch.setattr(apkg, "fields", lambda topic, question, figures=None: [*fields(topic, question, figures), ""])
    edit(bank_v2, ("**whatever**", "**no matter what**"))

    log = import_package(col, build(runner, monkeypatch, bank_v2, tmp_path / "v2.apkg", EPOCH + DAY))

    assert len(log.conflicting) == 5 and not log.updated
    names = [notetype["name"] for notetype in deckbook_notetypes(col)]
    assert names == ["backend-drills (deckbook)", "backend-drills (deckbook)+"]  # the copy holds no notes
    assert "whatever" in notes_by_id(col)["context-managers"]["Answer"]


# -- bytes ----------------------------------------------------------------------------------------
@pytest.mark.slow
def test_two_builds_in_other_processes_time_zones_and_folders_are_byte_identical(tmp_path):
    outputs = []
    for number, zone in enumerate(("UTC", "Pacific/Chatham")):
        cwd, scratch = tmp_path / f"cwd{number}", tmp_path / f"tmp{number}"
        cwd.mkdir()
        scratch.mkdir()
        env = {**os.environ, "SOURCE_DATE_EPOCH": str(EPOCH), "TZ": zone, "TMPDIR": str(scratch),
               "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": str(number)}
        subprocess.run([sys.executable, "-c", "import cli; cli.cli()", "anki", str(CARDS), "-o", "deck.apkg"],
                       cwd=cwd, env=env, check=True, capture_output=True, timeout=60)
        assert list(scratch.iterdir()) == []  # no SQLite scratch file left behind
        outputs.append((cwd / "deck.apkg").read_bytes())
    assert outputs[0] == outputs[1]


def test_every_date_and_id_in_the_package_comes_from_the_ledger_not_the_clock(runner, monkeypatch, tmp_path):
    out = build(runner, monkeypatch, CARDS, tmp_path / "deck.apkg")  # its ledger dates everything EPOCH
    stamp = EPOCH
    with zipfile.ZipFile(out) as archive:
        assert [info.filename for info in archive.infolist()] == ["collection.anki2", "media"]
        assert {info.date_time for info in archive.infolist()} == {time.gmtime(EPOCH)[:6]}
        (tmp_path / "collection.anki2").write_bytes(archive.read("collection.anki2"))
    db = sqlite3.connect(tmp_path / "collection.anki2")
    try:
        assert set(db.execute("select mod from notes union select mod from cards")) == {(stamp,)}
        ids = sorted(row[0] for row in db.execute("select id from notes union all select id from cards"))
        assert ids == list(range(stamp * 1000, stamp * 1000 + 10))
        (models,) = db.execute("select models from col").fetchone()
        assert [model["mod"] for model in json.loads(models).values()] == [stamp]
    finally:
        db.close()
    later = build(runner, monkeypatch, CARDS, tmp_path / "later.apkg", EPOCH + DAY)
    assert later.read_bytes() == out.read_bytes()  # a current ledger: the clock changes nothing



def test_a_block_that_starts_in_arabic_says_dir_rtl_on_the_card_and_others_stay_as_they_were(
        runner, monkeypatch, tmp_path):
    package = build(runner, monkeypatch, BANKS / "scripts.yaml", tmp_path / "s.apkg")
    with zipfile.ZipFile(package) as archive:
        (tmp_path / "collection.anki2").write_bytes(archive.read("collection.anki2"))
    db = sqlite3.connect(tmp_path / "collection.anki2")
    fields = {row[0].split("\x1f")[-1]: row[0].split("\x1f") for row in db.execute("select flds from notes")}
    db.close()
    question, answer, explanation = fields["arabic-first"][:3]
    rtl = 'dir="rtl" style="text-align: start"'  # flush right, whatever the note type's CSS says
    assert question == f'<div {rtl}>ما هو المتغير في Python؟</div>'
    assert answer == f'<p {rtl}>المتغير اسم يشير إلى قيمة في الذاكرة، مثل x = 5 في Python.</p>'
    assert explanation == f'<p {rtl}>שלום היא מילה בעברית (peace).</p>'
    # a paragraph that starts left to right says nothing, Arabic or Hebrew in it or not
    assert fields["arabic"][:2] == ["the value ٣٤ is 34: مرحبا بالعالم",
                                    "<p>In Hebrew שלום means peace, and عربي means Arabic</p>"]
    assert "dir=" not in "".join(fields["greek-cyrillic"])
