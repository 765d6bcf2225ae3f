"""The PDF module: Arabic shaped, right to left and extracted in order; tables, QR codes, images,
footers, determinism, and plain errors.

Text comes back with pypdf, pages are drawn with pdfium and QR codes read with zxing-cpp: what
the tests check is what a reader (or a scanner) gets from the file, not what the module meant.

What pypdf gives for right-to-left text: a line that is all Arabic comes back whole and in
logical (reading) order; on a line that mixes Arabic with Latin or digits, pypdf puts the runs
in another order (it does not apply the bidirectional algorithm), so for those lines the tests
look for each word, not for the line.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pypdf
import pypdfium2 as pdfium
import pytest
import zxingcpp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from corridor.domain.errors import InvalidValue
from corridor.reports.pdf import Column, Document, KeyFigure, Language, isolated, qr_png
from corridor.synthetic._names import FAMILY_NAMES, FEMALE_GIVEN_NAMES, MALE_GIVEN_NAMES

CREATED = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
ARABIC_WORDS = (*MALE_GIVEN_NAMES, *FEMALE_GIVEN_NAMES, *FAMILY_NAMES)
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _text(data: bytes) -> list[str]:
    """The text of every page as pypdf extracts it."""
    return [page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def _lines(data: bytes) -> list[str]:
    return [line.strip() for page in _text(data) for line in page.split("\n") if line.strip()]


def _words(text: str) -> set[str]:
    """The words of ``text``, also split where Arabic meets Latin letters or digits."""
    return set(re.sub(r"(?<=[\u0600-\u06ff])(?=[^\u0600-\u06ff\s])|"
                      r"(?<=[^\u0600-\u06ff\s])(?=[\u0600-\u06ff])", " ", text).split())


def _pages(data: bytes, scale: float = 3.0) -> list[Image.Image]:
    document = pdfium.PdfDocument(data)
    return [document[index].render(scale=scale).to_pil() for index in range(len(document))]


def _chars(data: bytes, page: int = 0) -> list[tuple[str, float, float]]:
    """(character, left, right) of each character pdfium finds in the top half of ``page``
    (above the footer), in points from the left edge."""
    text_page = pdfium.PdfDocument(data)[page].get_textpage()
    found = []
    for index in range(text_page.count_chars()):
        left, bottom, right, _top = text_page.get_charbox(index)
        if bottom > 421:
            found.append((text_page.get_text_range(index, 1), left, right))
    return found


def _document(language: Language = "ar", title: str = "قوائم الركاب") -> Document:
    return Document(title, language=language, created_at=CREATED)


def test_an_arabic_line_comes_back_whole_and_in_reading_order() -> None:
    """Shaped Arabic extracts to the very words written, in order, with no stray characters."""
    document = _document()
    written = ["قافلة الإجلاء من حي الوعر إلى جرابلس", "محمد عبد الرحمن الحمصي",
               "فاطمة يوسف الشيخ", "لا إله إلا الله"]
    for line in written:
        document.paragraph(line)
    lines = _lines(document.to_bytes())
    for line in written:
        assert line in lines
    assert not any(CONTROL.search(line) for line in lines)


def test_arabic_inside_a_mixed_line_keeps_every_word() -> None:
    """Latin and digits inside Arabic: every word is found (the order of runs is pypdf's)."""
    document = _document()
    document.paragraph("الحافلة BUS-001 تحمل 45 راكبا إلى جرابلس")
    text = " ".join(_lines(document.to_bytes()))
    assert {"الحافلة", "BUS-001", "تحمل", "45", "راكبا", "إلى", "جرابلس"} <= _words(text)
    assert not CONTROL.search(text)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(ARABIC_WORDS), min_size=1, max_size=6))
def test_any_line_of_arabic_names_comes_back_as_written(words: list[str]) -> None:
    """Property: a line of synthetic Arabic names extracts to the same words in the same order."""
    line = " ".join(words)
    document = _document()
    document.paragraph(line)
    assert _lines(document.to_bytes())[0] == line


def test_an_arabic_page_runs_from_the_right() -> None:
    """A heading ends at the right margin, and each next letter is left of the one before."""
    document = _document()
    document.heading("قافلة الوعر")
    chars = _chars(document.to_bytes())
    rights = {char: right for char, _left, right in chars}
    lefts = {char: left for char, left, _right in chars}
    margin_and_padding = (15 + 1) / 25.4 * 72
    assert rights["ق"] == pytest.approx(595.28 - margin_and_padding, abs=2)
    assert lefts["ق"] > lefts["ف"] > lefts["و"] > lefts["ع"] > lefts["ر"]


def test_an_english_page_runs_from_the_left_and_keeps_arabic_names_right_to_left() -> None:
    """English starts at the left margin; an Arabic name inside it is still read right to left."""
    document = _document("en", "Manifests")
    document.paragraph("Name: سامر الحلبي")
    data = document.to_bytes()
    lefts = {char: left for char, left, _right in _chars(data) if char.strip()}
    assert lefts["N"] == pytest.approx((15 + 1) / 25.4 * 72, abs=2)
    assert lefts[":"] < lefts["ي"] < lefts["ب"] < lefts["ح"] < lefts["ر"] < lefts["س"]
    assert "سامر الحلبي" in " ".join(_lines(data))


def test_an_isolated_id_keeps_its_place_in_an_arabic_sentence() -> None:
    """'حافلة BUS-001 · 73': isolated, the id is read right after the word, then the number;
    without isolates the bidirectional algorithm joins the number to the id (and the test
    sees it). The isolates are extracted as nothing."""
    def lefts(text: str) -> dict[str, float]:
        document = _document()
        document.paragraph(text)
        data = document.to_bytes()
        assert "\u2068" not in " ".join(_lines(data))
        return {char: left for char, left, _right in _chars(data)}

    plain = lefts("حافلة BUS-001 · 73 من 85")
    assert plain["B"] < plain["7"]  # "73 · BUS-001" from the right: the number first
    marked = lefts(f"حافلة {isolated('BUS-001')} · 73 من 85")
    assert marked["ح"] > marked["B"] > marked["·"] > marked["7"]


def test_table_columns_are_mirrored_in_arabic() -> None:
    """The first column is at the right in Arabic and at the left in English."""
    columns = [Column("Number"), Column("Given name", 3)]
    for language in ("ar", "en"):
        document = _document(language)
        document.table(columns, [["P-1", "ريم"]])
        lefts = {char: left for char, left, _right in _chars(document.to_bytes())}
        first, second = (lefts["N"], lefts["P"]), (lefts["G"], lefts["ي"])
        if language == "ar":
            assert min(first) > max(second)
        else:
            assert max(first) < min(second)


def test_a_long_table_repeats_its_header_on_every_page() -> None:
    """Three hundred rows run over pages; each page starts with the header row."""
    document = _document()
    columns = [Column("رقم الشخص"), Column("الاسم", 3), Column("العمر", align="end")]
    document.table(columns, [[f"P-{n:04d}", ARABIC_WORDS[n % len(ARABIC_WORDS)], str(n % 90)]
                             for n in range(300)])
    pages = _text(document.to_bytes())
    assert len(pages) >= 3
    for text in pages:
        assert "رقم الشخص" in text
        assert "الاسم" in text
    everything = " ".join(pages)
    assert all(f"P-{n:04d}" in everything for n in range(300))


def test_a_long_cell_wraps_within_its_column() -> None:
    """A cell longer than its column is wrapped, not cut: every word is there."""
    document = _document("en", "Notes")
    note = " ".join(["stretcher case with oxygen"] * 8)
    document.table([Column("id"), Column("note", 2)], [["P-1", note]])
    words = " ".join(_lines(document.to_bytes())).split()
    assert words.count("oxygen") == 8


def test_every_page_says_page_x_of_y() -> None:
    """The footer numbers the pages and knows how many there are, in both languages."""
    for language, label in (("en", "page {} of {}"), ("ar", "صفحة {} من {}")):
        document = _document(language, "Footer test")
        for _ in range(3):
            document.paragraph("text")
            document.page_break()
        pages = _text(document.to_bytes())
        assert len(pages) == 4
        for number, text in enumerate(pages, start=1):
            flat = " ".join(text.split())
            if language == "en":
                assert label.format(number, 4) in flat
            else:  # the Arabic words and both numbers are there (the run order is pypdf's)
                assert {"صفحة", "من", str(number), "4"} <= _words(flat)
                assert not CONTROL.search(flat)
            assert "Footer test" in text


def test_every_qr_code_decodes_to_its_payload() -> None:
    """QR codes alone and beside a table read back to exactly what was encoded."""
    payloads = [f"CT1.{'x' * 100}{n:03d}" for n in range(8)]
    document = _document()
    document.qr(payloads[0], caption="تذكرة")
    for payload in payloads[1:]:
        document.qr_block(payload, title="الأسرة H-1", lines=["ملعب الوعر"],
                          columns=[Column("رقم"), Column("الاسم", 3)],
                          rows=[["P-1", "ريم الحسن"], ["P-2", "عمر الحسن"]])
    found = [code.text for page in _pages(document.to_bytes()) for code in
             zxingcpp.read_barcodes(page)]
    assert sorted(found) == sorted(payloads)


def test_a_block_without_a_code_says_why() -> None:
    """No payload: no QR code on the page, and the reason printed where it would be."""
    document = _document("en", "Tickets")
    document.qr_block(None, title="Household H-9", no_code="no valid ticket")
    data = document.to_bytes()
    assert not zxingcpp.read_barcodes(_pages(data)[0])
    assert "no valid ticket" in _text(data)[0]


def test_a_chart_image_is_drawn_where_it_belongs() -> None:
    """A PNG (a red square) is drawn centred at the width asked for."""
    square = io.BytesIO()
    Image.new("RGB", (40, 40), (220, 0, 0)).save(square, format="PNG")
    document = _document("en", "Chart")
    document.image(square.getvalue(), width_mm=60, alt_text="a red square")
    page = _pages(document.to_bytes(), scale=1.0)[0].convert("RGB")
    middle = page.width // 2
    assert page.getpixel((middle, 40 + 85)) == (220, 0, 0)
    sixty_mm = 60 / 25.4 * 72
    red = [x for x in range(page.width) if page.getpixel((x, 40 + 85)) == (220, 0, 0)]
    assert len(red) == pytest.approx(sixty_mm, abs=2)


def test_key_figures_show_values_and_labels() -> None:
    """Each figure's value and label are on the page."""
    document = _document("en", "Figures")
    document.key_figures([KeyFigure("people evacuated", "20,600"),
                          KeyFigure("convoys", "11", "2 held")])
    text = _text(document.to_bytes())[0]
    for part in ("20,600", "people evacuated", "11", "convoys", "2 held"):
        assert part in text


def test_characters_beyond_noto_come_from_the_fallback_font() -> None:
    """An arrow and a Greek letter (not in Noto Sans Arabic) are drawn and extracted."""
    document = _document("en", "Symbols")
    document.paragraph("Homs → Jarablus, Δ 3")
    assert "Homs → Jarablus, Δ 3" in _lines(document.to_bytes())


def test_the_same_document_gives_the_same_bytes() -> None:
    """Deterministic: same blocks and creation date, same bytes; another date, other bytes."""

    def build(created: datetime) -> bytes:
        document = Document("قوائم", language="ar", created_at=created)
        document.heading("القافلة 1")
        document.table([Column("a"), Column("b")], [["1", "ريم"]])
        document.qr("CT1.payload")
        return document.to_bytes()

    assert build(CREATED) == build(CREATED)
    assert build(CREATED) != build(datetime(2026, 11, 28, tzinfo=UTC))


def test_title_language_and_date_are_in_the_metadata() -> None:
    """The PDF names its title, author, language and creation date."""
    document = Document("Manifests", language="en", created_at=CREATED, subject="convoy C-1")
    reader = pypdf.PdfReader(io.BytesIO(document.to_bytes()))
    assert reader.metadata is not None
    assert reader.metadata.title == "Manifests"
    assert reader.metadata.subject == "convoy C-1"
    assert reader.metadata.creation_date == CREATED.replace(tzinfo=None) or (
        reader.metadata.creation_date == CREATED)
    assert reader.trailer["/Root"]["/Lang"] == "en"
    assert len(reader.pages) == 1
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(float(width)), round(float(height))) == (595, 842)  # A4 in points


@pytest.mark.parametrize(("build", "field"), [
    (lambda: Document("t", language="fr", created_at=CREATED), "language"),  # type: ignore[arg-type]
    (lambda: Document("t", language="en", created_at=datetime(2026, 11, 27)), "created_at"),
    (lambda: Document(" ", language="en", created_at=CREATED), "title"),
    (lambda: _document().heading("x", level=4), "level"),
    (lambda: _document().table([Column("a"), Column("b")], [["1", "2"], ["3"]]), "rows"),
    (lambda: _document().table([], []), "columns"),
    (lambda: _document().image(b"GIF89a not a png"), "png"),
    (lambda: qr_png(""), "payload"),
    (lambda: Column("a", 0), "weight"),
    (lambda: _document().key_figures([], per_row=0), "per_row"),
])
def test_bad_input_is_refused_naming_the_field(build: object, field: str) -> None:
    """Each mistake raises InvalidValue naming what to change."""
    assert callable(build)
    with pytest.raises(InvalidValue) as raised:
        build()
    assert raised.value.field == field


def test_a_bad_table_row_is_named_by_its_number() -> None:
    """The row with the wrong number of cells is named, with what was expected."""
    with pytest.raises(InvalidValue, match="table row 2 has 1 cells for 2 columns"):
        _document().table([Column("a"), Column("b")], [["1", "2"], ["3"]])


def test_a_finished_document_takes_no_more() -> None:
    """to_bytes twice is a mistake, said plainly."""
    document = _document()
    document.to_bytes()
    with pytest.raises(InvalidValue, match="finished already"):
        document.to_bytes()
