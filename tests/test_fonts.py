"""Every script prints: the style's fallback chain from the registry's font packages, the
machine's fonts for what it lacks (CJK, emoji), fonts cut down and converted by fontTools, and
what no font has warned about once per question and script, naming what to install."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from conftest import BANKS, BUNDLED, CJK_ADVICE, EMOJI_ADVICE, TESTS
from deckbook.bank import load_bank
from deckbook.cli import cli
from deckbook.exporters import booklet, cards, worksheet
from deckbook.pdfkit import fontfiles, system

SCRIPTS = BANKS / "valid" / "scripts.yaml"
MULTISCRIPT = BANKS / "valid" / "multiscript.yaml"
NOTO_CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True,
                          text=True).stdout


def _pdffonts(path: Path) -> list[list[str]]:
    lines = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout
    return [line.split() for line in lines.splitlines()[2:]]


def _letters(text: str) -> set[str]:
    """The visible characters of *text*: no spaces, no joiners or variation selectors."""
    return {char for char in text if not char.isspace() and unicodedata.category(char) not in ("Cf", "Mn")}


def _bank_letters(bank_file: Path, layout: str = "booklet") -> set[str]:
    """The letters of the texts *layout* prints: cards and worksheets leave the explanation out,
    and cards the title."""
    bank = load_bank(bank_file)
    texts = [] if layout == "cards" else [bank.title]
    texts += [*(topic.name for topic in bank.topics)] if layout != "worksheet" else []
    for question in bank.questions:
        texts += [question.question, question.answer]
        if layout == "booklet":
            texts += [bank.subtitle or "", question.explanation or ""]
    return _letters("".join(texts))


def _build(runner, bank_file: Path, out: Path, *args: str):
    result = runner.invoke(cli, ["pdf", str(bank_file), "-o", str(out), *args])
    assert result.exit_code == 0, result.output
    return result


@poppler
@pytest.mark.parametrize("layout", [pytest.param("booklet", marks=pytest.mark.slow),
                                    pytest.param("cards", marks=pytest.mark.slow),
                                    pytest.param("worksheet", marks=pytest.mark.slow)])
def test_greek_cyrillic_arabic_hebrew_and_math_print_from_the_pip_install_alone(runner, tmp_path, layout):
    out = tmp_path / f"{layout}.pdf"
    result = _build(runner, SCRIPTS, out, *(["--layout", layout] if layout != "booklet" else []))
    assert result.stderr == ""
    text = _pdf_text(out)
    assert "\x00" not in text and "\ufffd" not in text
    printed = _letters(text)
    # Arabic letters come out as they are stored in the bank, whatever their joining forms
    missing = {char for char in _bank_letters(SCRIPTS, layout) if char not in printed}
    assert missing == set()
    fonts = _pdffonts(out)
    assert fonts and all(row[-5:-2] == ["yes", "yes", "yes"] for row in fonts), fonts
    names = {row[0].split("+", 1)[1].rsplit("-", 1)[0] for row in fonts}
    assert {"NotoSansArabic-Regular", "Heebo-Regular"} <= names


@pytest.mark.parametrize("exporter", [booklet, pytest.param(cards, marks=pytest.mark.slow),
                                      pytest.param(worksheet, marks=pytest.mark.slow)],
                         ids=lambda module: module.NAME)
def test_a_bank_the_style_covers_never_reads_the_machines_fonts(monkeypatch, exporter):
    def refuse():
        raise AssertionError("the machine's fonts were looked up")

    monkeypatch.setattr(system, "installed", refuse)
    for bank_file in (BUNDLED, SCRIPTS):
        written = exporter.write(load_bank(bank_file), io.BytesIO())
        assert written.warnings == ()


@pytest.mark.slow
def test_the_bundled_booklet_is_the_same_bytes_with_and_without_the_machines_fonts(system_fonts, monkeypatch):
    bank = load_bank(BUNDLED)
    with_fonts = io.BytesIO()
    booklet.write(bank, with_fonts)
    monkeypatch.setattr(system, "installed", lambda: ())
    without = io.BytesIO()
    booklet.write(bank, without)
    assert with_fonts.getvalue() == without.getvalue()


def test_what_no_font_has_is_one_warning_per_question_and_script_naming_what_to_install(runner, tmp_path):
    out = tmp_path / "b.pdf"
    result = _build(runner, MULTISCRIPT, out)
    bank = load_bank(MULTISCRIPT)
    subtitle = bank.positions["subtitle"]
    cjk, emoji = (next(q for q in bank.questions if q.id == name) for name in ("cjk", "emoji"))
    assert result.stderr.splitlines() == [
        f"{MULTISCRIPT}:{subtitle[0]}:{subtitle[1]}: warning: the subtitle: no font has the CJK characters "
        f"中, 文, 日 and 5 more; they print as blanks: {CJK_ADVICE.format(them='them')}",
        f"{MULTISCRIPT}:{subtitle[0]}:{subtitle[1]}: warning: the subtitle: no font has the emoji 🚀; "
        f"it prints as a blank: {EMOJI_ADVICE.format(them='it')}",
        f"{MULTISCRIPT}:{cjk.line}:{cjk.column}: warning: question 'cjk': no font has the CJK characters "
        f"中, 文, 字 and 21 more; they print as blanks: {CJK_ADVICE.format(them='them')}",
        f"{MULTISCRIPT}:{emoji.line}:{emoji.column}: warning: question 'emoji': no font has the emoji "
        f"🚀, 😀, 👍 and 5 more; they print as blanks: {EMOJI_ADVICE.format(them='them')}",
    ]
    result = runner.invoke(cli, ["build", str(MULTISCRIPT), "--out", str(tmp_path / "dist"), "--check"])
    assert result.exit_code == 1 and "--check: 4 warnings" in result.stderr


@poppler
@pytest.mark.slow
def test_every_script_prints_with_the_debian_cjk_and_emoji_fonts(runner, tmp_path, system_fonts):
    for layout in ("booklet", "cards", "worksheet"):
        out = tmp_path / f"{layout}.pdf"
        result = _build(runner, MULTISCRIPT, out, *(["--layout", layout] if layout != "booklet" else []))
        assert result.stderr == "", layout
        text = _pdf_text(out)
        assert "\x00" not in text and "\ufffd" not in text  # no .notdef glyph: each code maps to a character
        assert {char for char in _bank_letters(MULTISCRIPT, layout) if char not in _letters(text)} == set(), layout
        assert "👨\u200d👩\u200d👧" in text or "👨👩👧" in text
        fonts = _pdffonts(out)
        assert all(row[-5:-2] == ["yes", "yes", "yes"] for row in fonts), fonts
        names = " ".join(row[0] for row in fonts)
        assert "NotoSansCJK" in names and "Symbola" in names


def test_the_manifest_names_every_font_file_with_its_family_and_sha256(runner, tmp_path):
    result = runner.invoke(cli, ["build", str(SCRIPTS), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    (pdf,) = [entry for entry in manifest["artifacts"] if entry["format"] == "booklet"]
    families = {entry["family"] for entry in pdf["fonts"]}
    assert {"fira-sans", "noto-sans-arabic", "heebo", "source-sans", "fira-code"} <= families
    for entry in pdf["fonts"]:
        assert len(entry["sha256"]) == 64 and entry["file"].startswith("fontpkg_")
    fira = next(entry for entry in pdf["fonts"] if entry["file"].endswith("FiraSans-Regular.ttf"))
    assert fira["sha256"] == fontfiles.sha256(str(Path(__import__("fontpkg_fira_sans").__file__).parent
                                                   / "files" / "FiraSans-Regular.ttf"))
    (apkg,) = [entry for entry in manifest["artifacts"] if entry["format"] == "apkg"]
    assert "fonts" not in apkg


def test_a_variable_font_is_set_at_the_regular_and_the_bold_weight():
    path = Path(__import__("fontpkg_noto_sans_arabic").__file__).parent / "files" / "NotoSansArabic[wdth,wght].ttf"
    codes = [ord(char) for char in "مرحبا"]
    regular = TTFont(io.BytesIO(fontfiles.prepare(str(path), 0, codes, 400, "t1")))
    bold = TTFont(io.BytesIO(fontfiles.prepare(str(path), 0, codes, 700, "t2")))
    assert "fvar" not in regular and "gvar" not in regular and "glyf" in regular
    assert regular["name"].getDebugName(6) != bold["name"].getDebugName(6)
    assert len(regular.getGlyphOrder()) > len(codes) + 1  # the joining forms GSUB reaches came along
    widths = [(regular["hmtx"][name][0], bold["hmtx"][name][0]) for name in regular.getGlyphOrder()[1:]]
    assert any(light != heavy for light, heavy in widths)


def test_a_cut_down_font_keeps_the_forms_of_the_default_language_alone_as_shaping_asks_for_no_language():
    path = Path(__import__("fontpkg_noto_sans_arabic").__file__).parent / "files" / "NotoSansArabic[wdth,wght].ttf"
    with TTFont(str(path), lazy=True) as whole:  # Urdu, Sindhi... forms
        assert any(record.Script.LangSysRecord for record in whole["GSUB"].table.ScriptList.ScriptRecord)
    font = TTFont(io.BytesIO(fontfiles.prepare(str(path), 0, [ord(char) for char in "مرحبا ٣٤"], 400, "t")))
    scripts = font["GSUB"].table.ScriptList.ScriptRecord
    assert "arab" in {record.ScriptTag for record in scripts}
    assert all(record.Script.DefaultLangSys and not record.Script.LangSysRecord for record in scripts)
    from deckbook.pdfkit import shaping

    assert shaping._LANGUAGE == "und"  # not the locale's: ur_PK would shape Urdu digits


@pytest.mark.skipif(not NOTO_CJK.is_file(), reason=f"needs {NOTO_CJK} (Debian's fonts-noto-cjk)")
@pytest.mark.slow
def test_a_cff_face_of_a_collection_is_cut_down_and_given_truetype_outlines():
    info = fontfiles.info(str(NOTO_CJK), 2)
    assert info.cff and info.family == "Noto Sans CJK SC"
    data = fontfiles.prepare(str(NOTO_CJK), 2, [ord(char) for char in "中文字"], 0, "t")
    font = TTFont(io.BytesIO(data))
    assert "glyf" in font and "CFF " not in font and font.sfntVersion == "\x00\x01\x00\x00"
    assert set(font.getBestCmap()) == {ord(char) for char in "中文字"}
    assert len(data) < 20_000  # three glyphs, not 65,000


def _cff_copy(source: Path, out: Path, count: int) -> Path:
    """The first *count* glyphs of the TrueType font *source*, written as a CFF-outlined .otf."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.t2CharStringPen import T2CharStringPen

    with TTFont(str(source)) as font:
        names = font.getGlyphOrder()[:count]
        glyph_set = font.getGlyphSet()
        charstrings = {}
        for name in names:
            pen = T2CharStringPen(glyph_set[name].width, glyph_set)
            glyph_set[name].draw(pen)
            charstrings[name] = pen.getCharString()
        builder = FontBuilder(font["head"].unitsPerEm, isTTF=False)
        builder.setupGlyphOrder(names)
        builder.setupCharacterMap({code: name for code, name in font.getBestCmap().items() if name in names})
        builder.setupCFF("Copy-Regular", {"FullName": "Copy"}, charstrings, {})
        builder.setupHorizontalMetrics({name: font["hmtx"][name] for name in names})
        builder.setupHorizontalHeader(ascent=font["hhea"].ascent, descent=font["hhea"].descent)
        builder.setupNameTable({"familyName": "Copy", "styleName": "Regular"})
        builder.setupOS2()
        builder.setupPost()
        builder.save(str(out))
    return out


def _written(glyph) -> bytes:
    """A TrueType glyph as saving a font writes it."""
    from fontTools.ttLib import newTable

    table = newTable("glyf")
    glyph.recalcBounds(table)
    return glyph.compile(table, True)


@pytest.mark.parametrize("face", [pytest.param("copy", id="a CFF copy of Fira Sans"),
                                  pytest.param("cjk", id="Noto Sans CJK SC", marks=pytest.mark.slow)])
def test_harfbuzz_draws_cff_glyphs_as_truetype_ones_as_fonttools_does(face, tmp_path):
    from deckbook.pdfkit import truetype

    if face == "cjk" and not NOTO_CJK.is_file():
        pytest.skip(f"needs {NOTO_CJK} (Debian's fonts-noto-cjk)")
    fira = Path(__import__("fontpkg_fira_sans").__file__).parent / "files" / "FiraSans-Regular.ttf"
    path, index = (_cff_copy(fira, tmp_path / "copy.otf", 400), 0) if face == "copy" else (NOTO_CJK, 2)
    with TTFont(str(path), fontNumber=index, lazy=True) as font:
        order = font.getGlyphOrder()
        by_fonttools = truetype.cff_outlines(font)
        by_harfbuzz = truetype.file_outlines(str(path), index)
        numbers = range(0, len(order), 1 if face == "copy" else 97)  # Noto: 676 of 65,535
        names = truetype.numbered(len(order))
        assert [_written(by_harfbuzz(names[number])) for number in numbers] == [
            _written(by_fonttools(order[number])) for number in numbers]


def test_a_glyph_is_written_as_fonttools_writes_it_with_long_runs_and_steps_of_every_size():
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    from deckbook.pdfkit import truetype

    steps = ([(1, 0)] * 600 + [(0, -1)] * 257 + [(2, 2)] * 258 + [(-300, 2)] * 3 + [(0, 0)] * 2
             + [(255, -255), (256, -256), (-1000, 1000), (-255, 255), (-256, 0)] * 20)
    path = [(0.0, 0.0)]
    for dx, dy in steps:
        path.append((path[-1][0] + dx, path[-1][1] + dy))
    ours, theirs = truetype._QuadraticPen(1.0), TTGlyphPen(None)
    for pen in (ours, Cu2QuPen(theirs, 1.0, reverse_direction=True)):  # as HarfBuzz draws: back to the start
        pen.moveTo(path[0])
        for point in path[1:]:
            pen.lineTo(point)
        pen.curveTo((-40.5, 700.2), (-80.0, 10.0), path[0])
        pen.closePath()
    assert _written(ours.glyph()) == _written(theirs.glyph())


def test_a_fonts_characters_are_the_unicode_ones_fonttools_reads_and_none_from_a_symbol_cmap(tmp_path):
    fira = Path(__import__("fontpkg_fira_sans").__file__).parent / "files" / "FiraSans-Regular.ttf"
    arabic = Path(__import__("fontpkg_noto_sans_arabic").__file__).parent / "files" / "NotoSansArabic[wdth,wght].ttf"
    paths = [fira, arabic, *([NOTO_CJK] if NOTO_CJK.is_file() else [])]
    with TTFont(str(fira)) as font:  # its only cmap made a symbol one: codes that are not characters
        (subtable,) = [table for table in font["cmap"].tables if (table.platformID, table.platEncID) == (3, 1)]
        subtable.platEncID = 0
        font["cmap"].tables = [subtable]
        font.save(str(tmp_path / "symbol.ttf"))
    for path in [*paths, tmp_path / "symbol.ttf"]:
        with TTFont(str(path), fontNumber=0, lazy=True) as font:
            assert fontfiles.chars(str(path)) == frozenset(font.getBestCmap() or ()), path.name
    assert fontfiles.chars(str(tmp_path / "symbol.ttf")) == frozenset()


def test_installed_fonts_are_read_from_font_folders_where_fontconfig_is_missing():
    dejavu = Path("/usr/share/fonts/truetype/dejavu")
    if not dejavu.is_dir():
        pytest.skip("needs Debian's fonts-dejavu-core")
    fonts = system.scan([dejavu])
    assert any(font.family == "DejaVu Sans" and font.has(ord("Ж")) and font.upright for font in fonts)


@poppler
def test_arabic_and_hebrew_are_shaped_laid_right_to_left_and_extract_as_typed(runner, tmp_path):
    out = tmp_path / "b.pdf"
    _build(runner, SCRIPTS, out)
    # poppler marks right-to-left runs and may move a space across their edge: letters in order
    text = re.sub(r"[\s\u202b\u202c]", "", _pdf_text(out))
    assert "thevalue٣٤is34:مرحبابالعالم" in text
    assert "InHebrewשלוםmeanspeace,andعربيmeansArabic" in text
    from deckbook.pdfkit import shaping

    assert shaping.levels("the value ٣٤ is 34: مرحبا بالعالم")[-1] == 1
    assert shaping.levels("שלום means peace")[:4] == [1, 1, 1, 1]


def _drawn_lines(pdf: Path, page: int) -> dict[float, tuple[float, list[str]]]:
    """Each line of a page by its baseline: where it starts, and its runs as drawn, left to right."""
    from pypdf import PdfReader

    lines: dict[float, tuple[float, list[str]]] = {}

    def visit(text, cm, tm, font, size):
        if text.strip():
            y = round(cm[5] + tm[5] * cm[3], 1)
            lines.setdefault(y, (round(cm[4] + tm[4] * cm[0], 1), []))[1].append(text.strip())

    PdfReader(pdf).pages[page].extract_text(visitor_text=visit)
    return lines


def test_a_paragraph_that_starts_in_arabic_or_hebrew_reads_right_to_left_from_the_right_margin(
        runner, tmp_path):
    out = tmp_path / "b.pdf"
    _build(runner, SCRIPTS, out)
    lines = list(_drawn_lines(out, 1).values())
    answer = next(line for line in lines if "مثل" in line[1])
    # as a browser shows <p dir="auto">: the first word at the right, "x = 5 في Python." at the left
    assert answer[1] == [".Python", "في", "x = 5", "مثل", "الذاكرة،", "في", "قيمة", "إلى", "يشير", "اسم",
                         "المتغير"]
    hebrew = next(line for line in lines if "מילה" in line[1])
    assert hebrew[1] == [".)peace(", "בעברית", "מילה", "היא", "שלום"]  # brackets mirrored, as drawn
    mixed = next(line for line in lines if "In Hebrew" in line[1])  # left to right, as before
    assert mixed[1] == ["In Hebrew", "שלום", "means peace, and", "عربي", "means Arabic"]
    margin = mixed[0]
    assert answer[0] > margin + 150 and hebrew[0] > margin + 250  # flush right: short lines start far in


def test_a_right_to_left_run_is_drawn_in_visual_order_with_joining_forms():
    from deckbook.pdfkit import shaping
    from deckbook.pdfkit.look import Look, PAGE_SIZES, style_or_default
    from deckbook.pdfkit.text import Text

    look = Look(style_or_default(), PAGE_SIZES["a4"])
    text = Text(look, "x.yaml")
    runs = text.runs("ab مرحبا cd", look.body_chain)
    segments = [(family.regular, run) for family, run in runs]
    shown = shaping.visual(segments)
    arabic = "".join(piece for index, piece in shown if "Arabic" in segments[index][0])
    assert len(arabic) >= 5 and arabic != "مرحبا"[::-1]  # joining forms: private codes, not the letters
    assert [piece.strip() for _, piece in shown][0] == "ab"
