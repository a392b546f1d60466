"""The PDF booklet, checked in its consumers: pypdf's text, outline and links, poppler's fonts."""

from __future__ import annotations

import copy
import io
import os
import re
import shutil
import subprocess
import sys
from datetime import datetime, timezone

import pytest
from click.testing import CliRunner

from deckbook import bank as bank_module
from deckbook import cli
from deckbook import dates, markup
from conftest import BANKS, BUNDLED, CJK_ADVICE, EMOJI_ADVICE, ROOT, TESTS
from deckbook.exporters import booklet
from pdf_support import PYTHON, Booklet, question, squash, write_bank

HOSTILE = BANKS / "valid" / "hostile.yaml"
EPOCH = "1700000000"
LEADINGS = (14.6, 11.0)  # styles/booklet.toml: body_leading, code_leading
LABELS = {"ANSWER", "EXPLANATION", "REAL-WORLD EXAMPLE", "COMMON MISTAKES", "PRODUCTION STORY"}


def build(bank_file, out, *options: str) -> tuple[Booklet, str]:
    """Run `deckbook pdf BANK -o OUT [options]`; return the booklet and what went to stderr."""
    result = CliRunner().invoke(cli.cli, ["pdf", str(bank_file), "-o", str(out), *options],
                                env={"SOURCE_DATE_EPOCH": EPOCH})
    assert result.exit_code == 0, result.output + result.stderr
    return Booklet(out), result.stderr


def load(bank_file) -> bank_module.Bank:
    return bank_module.load_bank(bank_file)


@pytest.fixture(scope="module")
def bundled(tmp_path_factory):
    return build(BUNDLED, tmp_path_factory.mktemp("bundled") / "booklet.pdf")[0]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    return build(HOSTILE, tmp_path_factory.mktemp("hostile") / "booklet.pdf")


@pytest.fixture(scope="module")
def generated_bank(tmp_path_factory):
    """45 questions in three topics: short ones, page-long ones, code, lists and single mistakes."""
    questions = []
    for number in range(1, 46):
        sentences = 55 if number % 9 == 0 else (1 if number % 4 == 0 else 6)
        questions.append(question(number, ("alpha", "beta", "gamma")[number % 3], sentences=sentences,
                                  code=number % 5 == 0, mistakes=(3, 1, 0)[number % 3]))
    return write_bank(tmp_path_factory.mktemp("generated") / "bank.yaml", questions,
                      {"alpha": "Alpha", "beta": "Beta — β", "gamma": "Gamma"})


@pytest.fixture(scope="module")
def generated(generated_bank):
    return build(generated_bank, generated_bank.with_name("booklet.pdf"))[0]


@pytest.mark.parametrize("name", ["bundled", pytest.param("generated", marks=pytest.mark.slow), "hostile"])
def test_every_footer_gives_the_page_the_real_page_count_and_the_question_count(request, name):
    booklet = request.getfixturevalue(name)
    booklet = booklet[0] if isinstance(booklet, tuple) else booklet
    source = {"bundled": BUNDLED, "hostile": HOSTILE}.get(name) or request.getfixturevalue("generated_bank")
    count = len(load(source).questions)
    pages = len(booklet.reader.pages)
    assert booklet.footers() == [(page, pages, count) for page in range(1, pages + 1)]


def test_the_footer_reads_as_in_the_source_booklet(bundled):
    assert bundled.pages[1].rstrip().endswith(f"PAGE 2 OF {len(bundled.pages)} · 15 QUESTIONS TOTAL")


@pytest.mark.parametrize("name", ["bundled", "generated"])
def test_every_question_and_answer_is_in_the_text(request, name):
    booklet = request.getfixturevalue(name)
    source = BUNDLED if name == "bundled" else request.getfixturevalue("generated_bank")
    text = squash("".join(booklet.pages))
    for number, item in enumerate(_in_booklet_order(load(source)), 1):
        assert squash(f"Q{number}{markup.plain(item.question)}") in text
        assert squash(markup.plain(item.answer)) in text


def test_markup_and_html_in_a_bank_print_exactly_as_typed(hostile):
    booklet, _ = hostile
    text = "\n".join(booklet.pages)
    for typed in ("Hostile <b>bank</b> & friends", "x < y && y > z; {{Front}} stays literal",
                  "HTML <i>and</i> & co", "What does <script>alert('x')</script> do on a card?",
                  "as does <b>bold</b> and &amp; and x < y.", '<style>body { display: none }</style>',
                  '<a href="javascript:alert(1)">link</a>', "<img src=x onerror=alert(1)>",
                  "[a link](http://example.com)", "Trusting innerHTML with <input> values",
                  "Forgetting that a < b && c > d is not a tag", "bullet with <code>",
                  "bullet with 2 * 3 * 4", "First x <= y"):
        assert squash(typed) in squash(text), typed


def test_accents_greek_cyrillic_quotes_dashes_and_arrows_print_as_typed(hostile):
    booklet, _ = hostile
    text = squash("\n".join(booklet.pages))
    for typed in ("Ελληνικά и русский", "Что такое λ-исчисление", "Ένα σύστημα — a system",
                  "naïve café, Straße, ½ ≤ ¾.",
                  "The \"quoted\" and ‘curly’ quotes — and dashes – survive: ≤ ≥ → ←."):
        assert squash(typed) in text, typed


def test_characters_no_font_has_are_one_warning_at_their_question_and_print_blank(hostile):
    booklet, stderr = hostile
    assert stderr.splitlines() == [
        f"{HOSTILE}:29:5: warning: question 'unicode': no font has the CJK characters 東 and 京; "
        f"they print as blanks: {CJK_ADVICE.format(them='them')}",
        f"{HOSTILE}:29:5: warning: question 'unicode': no font has the emoji 😀; it prints as a blank: "
        f"{EMOJI_ADVICE.format(them='it')}",
    ]
    text = "".join(booklet.pages)
    assert "東" not in text and "😀" not in text and "\ufffd" not in text
    assert squash("and what is or ?") in squash(text)


def test_code_keeps_its_text_and_borrows_glyphs_the_code_font_lacks(tmp_path):
    code = "λ = lambda x: x <= 1 & True  # ≤ ∞ “quoted”\nprint(f'{λ(0)!r}')"
    item = question(1, "code")
    item["explanation"] = f"Before.\n\n```python\n{code}\n```\n\nAfter."
    booklet, stderr = build(write_bank(tmp_path / "bank.yaml", [item]), tmp_path / "b.pdf")
    assert stderr == ""
    text = booklet.pages[1]
    assert "λ = lambda x: x <= 1 & True  # ≤ ∞ “quoted”" in text
    assert "print(f'{λ(0)!r}')" in text


def test_a_long_code_line_wraps_with_a_marker_instead_of_leaving_the_page(tmp_path):
    item = question(1, "code", code=True)
    booklet, _ = build(write_bank(tmp_path / "bank.yaml", [item]), tmp_path / "b.pdf")
    text = booklet.pages[1]
    assert re.search(r"raise RuntimeError\(f\"gave up after \{attempts\} attempts: .*\n↪ ", text)
    raise_line = PYTHON.splitlines()[-1].strip()
    assert raise_line in text.replace("\n↪ ", "")


def test_mistakes_are_a_bulleted_list_when_the_bank_gives_a_list_and_text_when_one(tmp_path):
    listed, single = question(1, "t", mistakes=3), question(2, "t", mistakes=1)
    booklet, _ = build(write_bank(tmp_path / "bank.yaml", [listed, single]), tmp_path / "b.pdf")
    text = "\n".join(booklet.pages)
    for mistake in listed["mistakes"]:
        assert squash(f"•{mistake}") in squash(text)
    assert squash(single["mistakes"]) in squash(text)
    assert squash("•" + single["mistakes"]) not in squash(text)


def test_contents_page_numbers_are_where_topics_start_and_link_there(generated, generated_bank):
    bank = load(generated_bank)
    starts = []
    for topic, questions in bank.sections():
        start = generated.page_of(f"Q{_number(bank, questions[0])}{markup.plain(questions[0].question)}")
        assert squash(topic.name) in squash(generated.pages[start - 1].split("\n", 1)[0])
        starts.append(start)
        listed = re.search(re.escape(topic.name) + r"[^\n]*\n(\d+)\n", generated.pages[0])
        assert listed and int(listed.group(1)) == start, topic.name
    assert generated.links(1) == starts


def test_the_outline_has_every_topic_and_question_where_it_starts(generated, generated_bank):
    bank = load(generated_bank)
    expected = [(0, "Contents", 1)]
    for topic, questions in bank.sections():
        first = generated.page_of(markup.plain(questions[0].question))
        expected.append((0, topic.name, first))
        for item in questions:
            number = _number(bank, item)
            expected.append((1, f"Q{number}. {markup.plain(item.question)}",
                             generated.page_of(f"Q{number}{markup.plain(item.question)}")))
    assert generated.outline() == expected


def test_a_short_question_moves_whole_to_the_next_page_rather_than_split(tmp_path):
    questions = [question(number, "t", sentences=1 + number % 2, mistakes=0) for number in range(1, 41)]
    for item in questions:
        del item["example"], item["story"]  # a heading, the answer, two or three lines: a few per page
    booklet, _ = build(write_bank(tmp_path / "bank.yaml", questions), tmp_path / "b.pdf")
    starts = []
    for number, item in enumerate(questions, 1):
        starts.append(booklet.page_of(f"Q{number}{item['question']}"))
        assert booklet.page_of(item["explanation"], starts[-1]) == starts[-1], number
    assert len(set(starts)) < len(starts) and len(booklet.pages) > 3  # pages shared and filled, none split


@pytest.mark.parametrize("name", ["bundled", "generated"])
def test_a_question_breaks_between_sections_never_inside_its_answer_or_after_a_heading_or_label(
        request, name):
    booklet = request.getfixturevalue(name)
    source = BUNDLED if name == "bundled" else request.getfixturevalue("generated_bank")
    split = 0
    for number, item in enumerate(_in_booklet_order(load(source)), 1):
        first = booklet.page_of(f"Q{number}{markup.plain(item.question)}")
        assert booklet.page_of(markup.plain(item.answer), first) == first, number  # heading and answer
        last = max(booklet.page_of(markup.plain(text), first) for text in (item.story, item.example) if text)
        split += last > first
    assert split >= 3  # questions do break across pages
    for page, text in enumerate(booklet.pages[1:], 2):
        lines = [line for line in text.splitlines() if line.strip()][:-1]  # without the footer
        last = lines[-1].strip()
        assert not re.match(r"Q\d+ ", last), (page, last)
        assert last not in LABELS and not re.fullmatch(r"(easy|medium|hard)( · .*)?", last), (page, last)


@pytest.mark.parametrize("name", ["bundled", pytest.param("generated", marks=pytest.mark.slow)])
def test_a_paragraph_or_code_broken_across_pages_keeps_two_lines_on_each_side(request, name):
    booklet = request.getfixturevalue(name)
    source = BUNDLED if name == "bundled" else request.getfixturevalue("generated_bank")
    bank = load(source)
    starts = {squash(markup.plain(topic.name))[:12] for topic in bank.topics}  # how every topic title,
    for item in bank.questions:  # paragraph, list item and line of code in the bank starts
        for text in (item.question, item.answer, item.explanation, item.example, item.story, *item.mistakes):
            for block in markup.parse(text or ""):
                for piece in (block.items if isinstance(block, markup.ListBlock) else [[block]]):
                    for part in piece:
                        plain = markup.plain(part.code) if isinstance(part, markup.CodeBlock) else \
                            markup.plain("".join(span.text for span in getattr(part, "spans", ())))
                        starts.add(squash(plain)[:12])
    height = float(booklet.reader.pages[0].mediabox[3])
    top, bottom = height - 21 * 72 / 25.4, 21 * 72 / 25.4  # styles/booklet.toml's margins
    body = [[line for line in booklet.lines(page) if bottom < line[0] < top]
            for page in range(1, len(booklet.pages) + 1)]
    broken = 0
    for page in range(2, len(booklet.pages)):
        foot, head = body[page - 1], body[page]
        if not foot or not head or squash(head[0][2])[:12] in starts or head[0][2].strip() in LABELS:
            continue  # the next page starts a block of its own
        if re.match(r"(Q\d+|•)", head[0][2].strip()):
            continue
        broken += 1  # a block goes on: two of its lines at the foot of the page, two at the top of the next
        assert round(foot[-2][0] - foot[-1][0], 1) in LEADINGS, (page, foot[-2:])
        assert round(head[0][0] - head[1][0], 1) in LEADINGS, (page, head[:2])
    assert name == "bundled" or broken  # the generated bank's page-long questions break inside sections


def test_the_bundled_booklets_pages_are_at_least_70_percent_full_but_those_ending_a_topic(bundled):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import fill  # the measure benchmarks/fill.py reports: where text, boxes and rules land

    pages = fill.measure(bundled.path)
    found = fill.summary(pages)
    assert found["average"] >= 0.7, pages
    assert found["pages"] <= 14  # 16 when a question shorter than 75% of a page moved whole


@pytest.mark.slow
def test_the_wider_binding_margin_is_left_on_odd_pages_and_right_on_even_ones(generated):
    edges = generated.left_edges()[1:]  # the body pages
    inner, outer = round(26 * 72 / 25.4, 1), round(20 * 72 / 25.4, 1)  # styles/booklet.toml
    assert edges == [inner if page % 2 else outer for page in range(2, len(edges) + 2)]


def test_every_font_is_an_embedded_truetype_subset(bundled, hostile):
    for booklet in (bundled, hostile[0]):
        fonts = _fonts(booklet)
        assert {"FiraSans-Regular", "FiraSans-SemiBold", "IBMPlexMono-Regular"} <= {
            name.split("+", 1)[1] for name in fonts}
        for name, font in fonts.items():
            assert font["/Subtype"] == "/TrueType", name
            assert re.fullmatch(r"[A-Z]{6}\+\S+", name), name
            assert "/FontFile2" in font["/FontDescriptor"], name


@pytest.mark.skipif(shutil.which("pdffonts") is None and not os.environ.get("CI"),
                    reason="needs poppler-utils' pdffonts (CI installs it, and there this never skips)")
def test_pdffonts_lists_every_font_as_embedded(hostile):
    listing = subprocess.run(["pdffonts", str(hostile[0].path)], capture_output=True, text=True,
                             check=True).stdout.splitlines()[2:]
    assert listing
    for row in listing:  # name, type, encoding, emb, sub, uni, object, generation
        fields = row.split()
        assert fields[1] == "TrueType" and fields[-5:-2] == ["yes", "yes", "yes"], row


def test_title_subject_keywords_and_dates_come_from_the_bank_and_its_ledger(bundled):
    bank = load(BUNDLED)
    info = bundled.reader.metadata
    assert info.title == bank.title
    assert info.subject == bank.subtitle
    for word in ("Python", "Machine Learning", "LLMs", "Testing", "exceptions", "fixtures"):
        assert word in info["/Keywords"]
    ledger = dates.read_ledger(dates.ledger_path(BUNDLED))
    when = datetime.fromtimestamp(max(entry.date for entry in ledger.questions.values()), timezone.utc)
    assert info.creation_date == when and info.modification_date == when  # the latest question date
    assert f"Updated {when:%Y-%m-%d}" in bundled.pages[0]


@pytest.mark.slow
def test_two_builds_in_separate_processes_are_byte_identical(bundled, tmp_path):
    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / f"booklet-{seed}.pdf"
        env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, str(ROOT / "cli.py"), "pdf", str(BUNDLED), "-o", str(out)],
                       cwd=tmp_path, env=env, check=True, capture_output=True)
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] == bundled.path.read_bytes()


@pytest.mark.slow
def test_letter_size_gives_letter_pages_with_right_footers(tmp_path, generated_bank):
    booklet, _ = build(generated_bank, tmp_path / "letter.pdf", "--page-size", "letter")
    assert {tuple(map(float, page.mediabox[2:])) for page in booklet.reader.pages} == {(612.0, 792.0)}
    pages = len(booklet.reader.pages)
    assert booklet.footers() == [(page, pages, 45) for page in range(1, pages + 1)]


def test_a4_is_the_default(bundled):
    sizes = {tuple(round(float(x)) for x in page.mediabox[2:]) for page in bundled.reader.pages}
    assert sizes == {(595, 842)}


@pytest.mark.slow
def test_an_unknown_page_size_is_refused_and_a_known_one_may_be_in_capitals():
    with pytest.raises(ValueError, match="page size must be one of a4, letter"):
        booklet.write(load(BUNDLED), io.BytesIO(), page_size="a5")
    upper, lower = io.BytesIO(), io.BytesIO()
    booklet.write(load(BUNDLED), upper, page_size="Letter")
    booklet.write(load(BUNDLED), lower, page_size="letter")
    assert upper.getvalue() == lower.getvalue()


def test_many_missing_characters_are_one_warning_per_place_naming_the_first_three(tmp_path):
    item = question(1, "t", mistakes=0)
    item["question"] = "日本語の質問は何ですか"
    item["answer"] = "東京 and 東京 again"
    bank_file = write_bank(tmp_path / "bank.yaml", [item], {"t": "Topic 話"}, title="Title 題")
    _, stderr = build(bank_file, tmp_path / "b.pdf")
    bank = load(bank_file)
    topic, title = bank.topics[0], bank.positions["title"]
    assert stderr.splitlines() == [
        f"{bank_file}:{title[0]}:{title[1]}: warning: the title: no font has the CJK character 題; "
        f"it prints as a blank: {CJK_ADVICE.format(them='it')}",
        f"{bank_file}:{topic.line}:{topic.column}: warning: topic 't': no font has the CJK character 話; "
        f"it prints as a blank: {CJK_ADVICE.format(them='it')}",
        f"{bank_file}:{bank.questions[0].line}:{bank.questions[0].column}: warning: question 'q-1': "
        f"no font has the CJK characters 日, 本, 語 and 10 more; they print as blanks: {CJK_ADVICE.format(them='them')}",
    ]


def test_a_selection_keeps_the_question_numbers_of_the_whole_bank(tmp_path, generated_bank):
    bank = load(generated_bank).select(topics=["beta"])
    out = tmp_path / "beta.pdf"
    with out.open("wb") as stream:
        booklet.write(bank, stream)
    selected = Booklet(out)
    numbers = [item.number for item in bank.questions]
    assert numbers == sorted(numbers) and numbers[0] > 1
    assert squash(f"Q{numbers[0]}–Q{numbers[-1]}") in squash(selected.pages[0])
    for item in bank.questions:
        assert selected.page_of(f"Q{item.number}{markup.plain(item.question)}")


def _in_booklet_order(bank):
    return [item for _, questions in bank.sections() for item in questions]


def _number(bank, item) -> int:
    return _in_booklet_order(bank).index(item) + 1


def _fonts(booklet: Booklet) -> dict:
    """Every font in the booklet by base name, from pages and the forms they draw."""
    fonts: dict = {}

    def collect(resources):
        resources = resources.get_object() if resources is not None else {}
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            fonts[font["/BaseFont"][1:]] = font
        for xobject in (resources.get("/XObject") or {}).values():
            xobject = xobject.get_object()
            if xobject.get("/Subtype") == "/Form":
                collect(xobject.get("/Resources"))

    for page in booklet.reader.pages:
        collect(page.get("/Resources"))
    return fonts


def test_a_font_family_given_by_file_paths_is_registered_and_embedded(tmp_path):
    from importlib.resources import files

    from deckbook.pdfkit.style import load_style

    style = copy.deepcopy(load_style())  # the default style is shared: change a copy
    mono = style["fonts"]["families"]["plex-mono"]
    root = files(mono["package"])
    style["fonts"]["families"]["plex-mono"] = {
        face: str(root.joinpath(mono[face])) for face in ("regular", "bold", "italic", "bold_italic")}
    item = question(1, "t", code=True)
    out = tmp_path / "b.pdf"
    with out.open("wb") as stream:
        written = booklet.write(load(write_bank(tmp_path / "bank.yaml", [item])), stream, style=style)
    assert written.warnings == ()
    embedded = {name.split("+", 1)[1] for name in _fonts(Booklet(out))}
    assert {"IBMPlexMono-Regular", "FiraSans-Regular"} <= embedded


def test_a_style_label_no_font_can_print_is_a_warning_at_the_start_of_the_bank(tmp_path):
    from deckbook.pdfkit.style import load_style

    style = copy.deepcopy(load_style())
    style["labels"]["answer"] = "Answer 日"
    out = io.BytesIO()
    bank_file = write_bank(tmp_path / "bank.yaml", [question(1, "t"), question(2, "t")])
    written = booklet.write(load(bank_file), out, style=style)
    assert [str(warning) for warning in written.warnings] == [
        f"{bank_file}:1:1: warning: the style's labels.answer: no font has the CJK character 日; "
        f"it prints as a blank: {CJK_ADVICE.format(them='it')}"]
