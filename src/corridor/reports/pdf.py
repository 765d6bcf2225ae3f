"""corridor's one PDF module: A4 documents in Arabic (right to left) or English, shaped by HarfBuzz.

A :class:`Document` is written top to bottom with a handful of blocks (headings, paragraphs, key
figures, tables whose header row is repeated on every page, PNG images such as a chart, QR codes,
a QR code with a table beside it) and ends as PDF bytes (:meth:`Document.to_bytes`). Each page
has a footer with the document's footer text and "page X of Y". The manifests
(:mod:`corridor.reports.manifests`) and the situation reports use it; nothing else in corridor
writes PDF.

Arabic: the text is shaped with HarfBuzz (fpdf2's text shaping) and laid out right to left: the
base direction of every line is right to left, text starts at the right margin, table columns
and key figures run from right to left. Latin words and numbers inside Arabic text keep their
own direction (the Unicode bidirectional algorithm).

Fonts: Noto Sans Arabic from the PyPI package ``justmytype-intl-rtl`` (read with
:mod:`importlib.resources`, never from the system). It is a variable font; fpdf2 would shape
with the default instance while drawing another, so a static regular (400) and bold (700)
instance are made once per process with :mod:`fontTools.varLib.instancer` and written to a
private temporary folder that is removed when the process ends. Noto Sans Arabic covers Latin
(ASCII, Latin-1, most of Latin Extended-A) as well; DejaVu Sans, shipped inside matplotlib's
wheel, is the fallback for any other character (arrows, Greek, mathematical signs).

Extraction: Noto Sans Arabic draws a letter with dots as two glyphs (a dotless body and its
dots). fpdf2 maps the first glyph of such a cluster to the letter and leaves the second without
a Unicode value, which text extractors then show as control characters. Such glyphs are mapped
to nothing here, so that searching and copying a PDF gives back the words that were written.

The same input and ``created_at`` give the same bytes.
"""

from __future__ import annotations

import atexit
import io
import shutil
import struct
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib.resources import as_file, files
from pathlib import Path
from typing import Literal

import segno
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
from fontTools.varLib import instancer  # type: ignore[import-untyped]
from fpdf import FPDF
from fpdf.enums import MethodReturnValue
from fpdf.output import OutputProducer
from PIL import Image

from corridor.domain.errors import InvalidValue

Language = Literal["ar", "en"]
"""The languages a document is written in: Arabic (right to left) or English."""

Align = Literal["start", "end", "center"]
"""Where text sits in a table column: ``start`` is the left in English, the right in Arabic."""

LANGUAGES: tuple[Language, ...] = ("ar", "en")

FONT_FAMILY = "corridor"
FALLBACK_FAMILY = "corridor-fallback"
NOTO_PACKAGE = "justmytype_intl_rtl"
NOTO_FILE = "fonts/ofl/notosansarabic/NotoSansArabic[wdth,wght].ttf"
FALLBACK_FILES = {"": "mpl-data/fonts/ttf/DejaVuSans.ttf",
                  "B": "mpl-data/fonts/ttf/DejaVuSans-Bold.ttf"}
WEIGHTS = {"": 400, "B": 700}

PAGE_LABEL: dict[Language, str] = {"en": "page {page} of {pages}", "ar": "صفحة {page} من {pages}"}
"""The footer's page number, in each language ({pages} is filled in when the PDF is written)."""

FIRST_STRONG_ISOLATE = "\u2068"
POP_DIRECTIONAL_ISOLATE = "\u2069"
BIDI_CONTROLS = frozenset("\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e"
                          "\u2066\u2067\u2068\u2069")
"""The marks and isolates of the bidirectional algorithm: they order text, and show nothing."""

PAGES_ALIAS = "{np}"

BODY_SIZE = 10.0
SMALL_SIZE = 8.0
HEADING_SIZES = {1: 16.0, 2: 13.0, 3: 11.0}
LINE_FACTOR = 0.53
"""Line height in millimetres per point of font size (a 10 pt line is 5.3 mm high)."""
MARGIN_MM = 15.0
FOOTER_MM = 14.0
KEEP_WITH_HEADING_MM = 25.0
"""A heading closer than this to the bottom of a page starts the next page instead."""
QR_BORDER_MODULES = 4
QR_PIXELS_PER_MODULE = 4
GREY = (235, 235, 235)
RULE_GREY = (150, 150, 150)


def isolated(value: object) -> str:
    """``value`` as text that keeps its own direction inside a line of the other direction.

    Put it around a value filled into a sentence: an id such as ``BUS-001`` or ``2017-03-18/1``
    inside Arabic, an Arabic name inside English. Without it the bidirectional algorithm joins
    a number that follows an id to the id ("حافلة BUS-001 · 40" would read "40 · BUS-001").
    The isolate marks are drawn as nothing and extracted as nothing.
    """
    return f"{FIRST_STRONG_ISOLATE}{value}{POP_DIRECTIONAL_ISOLATE}"


@dataclass(frozen=True, slots=True)
class KeyFigure:
    """A headline figure: its value (already formatted), what it counts, and an optional note."""

    label: str
    value: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class Column:
    """A table column: its title, its share of the width (any positive number) and alignment."""

    title: str
    weight: float = 1.0
    align: Align = "start"

    def __post_init__(self) -> None:
        if not self.weight > 0:
            raise InvalidValue(f"column {self.title!r} needs a positive width", "weight")


class Document:
    """An A4 PDF in one language, written block by block; :meth:`to_bytes` ends it.

    ``created_at`` (with a time zone) is the creation date written into the PDF: the same
    blocks and the same ``created_at`` give the same bytes. ``footer`` is printed at the start
    of every page's footer (default: the title), "page X of Y" at its end.
    """

    def __init__(self, title: str, *, language: Language, created_at: datetime,
                 subject: str = "", author: str = "corridor", footer: str | None = None) -> None:
        if language not in LANGUAGES:
            raise InvalidValue(f"a document is in one of {', '.join(LANGUAGES)}, not "
                               f"{language!r}", "language")
        if created_at.tzinfo is None or created_at.utcoffset() is None:
            raise InvalidValue("created_at needs a time zone", "created_at")
        if not title.strip():
            raise InvalidValue("a document needs a title", "title")
        self.language: Language = language
        self.rtl = language == "ar"
        self._pdf = _Pages(footer if footer is not None else title,
                           PAGE_LABEL[language], self.rtl)
        self._done = False
        self._measured: dict[tuple[str, bool, float], float] = {}
        pdf = self._pdf
        pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
        pdf.set_auto_page_break(True, FOOTER_MM + 4)
        for style, path in font_files().items():
            pdf.add_font(FONT_FAMILY, style, str(path))
        for style, path in fallback_font_files().items():
            pdf.add_font(FALLBACK_FAMILY, style, str(path))
        pdf.set_fallback_fonts([FALLBACK_FAMILY], exact_match=False)
        pdf.set_text_shaping(use_shaping_engine=True, direction="rtl" if self.rtl else "ltr")
        self._shaping = pdf.footer_shaping = pdf.text_shaping
        pdf.set_title(title)
        pdf.set_subject(subject)
        pdf.set_author(author)
        pdf.set_creator("corridor")
        pdf.set_lang(language)
        pdf.set_creation_date(created_at)
        pdf.set_display_mode("fullwidth")
        # The number of pages is written where PAGES_ALIAS is once the last page is known, in
        # room for four digits; in Arabic the number sits next to its word, the room after it.
        pdf.alias_nb_pages(PAGES_ALIAS, align="R" if self.rtl else "L")
        pdf.add_page()
        self._font(BODY_SIZE)

    # -- blocks ------------------------------------------------------------------------------

    def heading(self, text: str, level: int = 1) -> None:
        """A heading (level 1, 2 or 3); never alone at the bottom of a page."""
        if level not in HEADING_SIZES:
            raise InvalidValue(f"a heading's level is 1, 2 or 3, not {level}", "level")
        pdf = self._pdf
        size = HEADING_SIZES[level]
        if pdf.get_y() + KEEP_WITH_HEADING_MM > pdf.page_break_trigger:
            pdf.add_page()
        elif pdf.get_y() > pdf.t_margin + 0.1:
            pdf.ln(size * 0.25)
        self._font(size, bold=True)
        pdf.multi_cell(0, size * LINE_FACTOR, self._shape_for(text), align=self._start,
                       new_x="LMARGIN", new_y="NEXT")
        if level == 1:
            pdf.set_draw_color(*RULE_GREY)
            pdf.line(pdf.l_margin, pdf.get_y() + 0.5, pdf.w - pdf.r_margin, pdf.get_y() + 0.5)
            pdf.ln(2)
        else:
            pdf.ln(1)
        self._font(BODY_SIZE)

    def paragraph(self, text: str, *, bold: bool = False, size: float = BODY_SIZE) -> None:
        """A paragraph, wrapped to the width of the page, aligned at the start."""
        self._font(size, bold=bold)
        self._pdf.multi_cell(0, size * LINE_FACTOR, self._shape_for(text), align=self._start,
                             new_x="LMARGIN", new_y="NEXT")
        self._pdf.ln(size * 0.2)
        self._font(BODY_SIZE)

    def key_figures(self, figures: Sequence[KeyFigure], *, per_row: int = 4) -> None:
        """Headline figures in boxes, ``per_row`` to a row: the value large, its label below."""
        if per_row < 1:
            raise InvalidValue("key figures need at least one to a row", "per_row")
        pdf = self._pdf
        width = pdf.epw / per_row
        for start in range(0, len(figures), per_row):
            row = figures[start:start + per_row]
            height = 20.0 if any(f.note for f in row) else 16.0
            if pdf.get_y() + height > pdf.page_break_trigger:
                pdf.add_page()
            top = pdf.get_y()
            for index, figure in enumerate(row):
                left = self._slot_x(index, width, per_row)
                pdf.set_fill_color(*GREY)
                pdf.rect(left + 1, top, width - 2, height - 2, style="F")
                self._font(15, bold=True)
                pdf.set_xy(left + 1, top + 1)
                pdf.cell(width - 2, 8, self._shape_for(figure.value), align="C")
                self._font(SMALL_SIZE)
                pdf.set_xy(left + 1, top + 9)
                pdf.cell(width - 2, 4.5, self._shape_for(figure.label), align="C")
                if figure.note:
                    pdf.set_xy(left + 1, top + 13.5)
                    pdf.cell(width - 2, 4.5, self._shape_for(figure.note), align="C")
            pdf.set_xy(pdf.l_margin, top + height + 1)
        self._font(BODY_SIZE)

    def table(self, columns: Sequence[Column], rows: Iterable[Sequence[str]], *,
              size: float = 9.0, width: float | None = None) -> None:
        """A table with a header row, repeated at the top of every page it runs onto.

        Cells are text, wrapped within their column. In Arabic the first column is at the
        right. ``width`` (millimetres) defaults to the width of the page between the margins.
        """
        self._table(columns, rows, size=size, left=self._pdf.l_margin,
                    width=self._pdf.epw if width is None else width)

    def image(self, png: bytes, *, width_mm: float | None = None, alt_text: str = "") -> None:
        """A PNG image (a chart), centred, ``width_mm`` wide (default: the page's width)."""
        pixels_wide, pixels_high = _png_size(png)
        pdf = self._pdf
        width = min(pdf.epw, width_mm if width_mm is not None else pdf.epw)
        height = width * pixels_high / pixels_wide
        if pdf.get_y() + height > pdf.page_break_trigger:
            pdf.add_page()
        pdf.image(io.BytesIO(png), x=pdf.l_margin + (pdf.epw - width) / 2, y=pdf.get_y(),
                  w=width, h=height, alt_text=alt_text or None)
        pdf.set_xy(pdf.l_margin, pdf.get_y() + height + 2)

    def qr(self, payload: str, *, size_mm: float = 30.0, caption: str = "") -> None:
        """A QR code of ``payload`` (with its quiet zone), centred, with a caption under it."""
        pdf = self._pdf
        needed = size_mm + (6 if caption else 2)
        if pdf.get_y() + needed > pdf.page_break_trigger:
            pdf.add_page()
        top = pdf.get_y()
        self._draw_qr(payload, pdf.l_margin + (pdf.epw - size_mm) / 2, top, size_mm)
        pdf.set_xy(pdf.l_margin, top + size_mm)
        if caption:
            self._font(SMALL_SIZE)
            pdf.cell(0, 4.5, self._shape_for(caption), align="C", new_x="LMARGIN", new_y="NEXT")
            self._font(BODY_SIZE)
        pdf.ln(2)

    def qr_block(self, payload: str | None, *, title: str, lines: Sequence[str] = (),
                 columns: Sequence[Column] = (), rows: Sequence[Sequence[str]] = (),
                 size_mm: float = 28.0, no_code: str = "") -> None:
        """A QR code at the end side with a title, lines and a small table beside it.

        Kept on one page when it fits on one (a ticket is never cut from its household).
        ``payload`` None draws an empty frame with ``no_code`` inside it instead of a code.
        """
        pdf = self._pdf
        gap = 4.0
        text_width = pdf.epw - size_mm - gap
        line_height = BODY_SIZE * LINE_FACTOR
        height = line_height * (1 + len(lines)) + 2
        layout = self._layout(columns, rows, SMALL_SIZE + 0.5, text_width) if columns else None
        if layout is not None:
            height += layout.height
        height = max(height, size_mm) + 3
        fresh_page = pdf.page_break_trigger - pdf.t_margin
        if pdf.get_y() + height > pdf.page_break_trigger and height <= fresh_page:
            pdf.add_page()
        top, page = pdf.get_y(), pdf.page_no()
        text_left = pdf.l_margin + (size_mm + gap if self.rtl else 0)
        code_left = pdf.l_margin if self.rtl else pdf.l_margin + text_width + gap
        if payload is None:
            pdf.set_draw_color(*RULE_GREY)
            pdf.rect(code_left, top, size_mm, size_mm)
            self._font(SMALL_SIZE)
            pdf.set_xy(code_left + 1, top + size_mm / 2 - 5)
            pdf.multi_cell(size_mm - 2, 4, self._shape_for(no_code), align="C")
        else:
            self._draw_qr(payload, code_left, top, size_mm)
        pdf.set_xy(text_left, top)
        self._text_line(title, text_width, line_height, bold=True)
        for line in lines:
            self._text_line(line, text_width, line_height)
        pdf.ln(1)
        if layout is not None:
            self._draw_table(layout, text_left)
        bottom = pdf.get_y() if pdf.page_no() > page else max(pdf.get_y(), top + size_mm)
        pdf.set_xy(pdf.l_margin, bottom + 1)
        pdf.set_draw_color(*GREY)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
        pdf.ln(2)
        self._font(BODY_SIZE)

    def page_break(self) -> None:
        """Start a new page."""
        self._pdf.add_page()

    @property
    def pages(self) -> int:
        """Pages so far."""
        return self._pdf.pages_count

    def to_bytes(self) -> bytes:
        """The finished PDF; the document takes no more blocks after this."""
        if self._done:
            raise InvalidValue("this document was finished already; make a new one")
        self._done = True
        return bytes(self._pdf.output(output_producer_class=_Producer))

    # -- drawing -----------------------------------------------------------------------------

    @property
    def _start(self) -> Literal["L", "R"]:
        return "R" if self.rtl else "L"

    def _align(self, align: Align) -> Literal["L", "R", "C"]:
        if align == "center":
            return "C"
        return self._start if align == "start" else ("L" if self.rtl else "R")

    def _font(self, size: float, *, bold: bool = False) -> None:
        self._pdf.set_font(FONT_FAMILY, "B" if bold else "", size)

    def _slot_x(self, index: int, width: float, count: int) -> float:
        """The left edge of slot ``index`` of ``count`` equal slots (from the right in Arabic)."""
        slot = count - 1 - index if self.rtl else index
        return self._pdf.l_margin + slot * width

    def _draw_qr(self, payload: str, left: float, top: float, size: float) -> None:
        self._pdf.image(qr_image(payload), x=left, y=top, w=size, h=size, alt_text="QR code")

    def _shape_for(self, text: str) -> str:
        """Switch HarfBuzz off for text it cannot change (ASCII that reads the same in both
        directions: ids, numbers, dates), on for the rest; returns ``text``.

        A cell drawn without shaping costs a fifth of one drawn with it, and most cells of a
        manifest are ids and ages.
        """
        plain = text.isascii() and text.isprintable() and (not self.rtl or (
            " " not in text and text[:1].isalnum() and text[-1:].isalnum()))
        self._pdf.text_shaping = None if plain else self._shaping
        return text

    def _fits(self, text: str, width: float, bold: bool, size: float) -> bool:
        """Whether ``text`` fits on one line ``width`` wide (widths remembered: names repeat)."""
        key = (text, bold, size)
        measured = self._measured.get(key)
        if measured is None:
            measured = self._measured[key] = self._pdf.get_string_width(self._shape_for(text))
        return "\n" not in text and measured <= width - 2 * self._pdf.c_margin

    def _text_line(self, text: str, width: float, line_height: float, *,
                   bold: bool = False) -> None:
        """``text`` at the start of a box ``width`` wide, wrapped if it must be; then the next
        line, at the same left edge. (fpdf2 wraps by shaping the line again for every
        character: a line that fits is drawn as a single cell.)"""
        pdf = self._pdf
        self._font(BODY_SIZE, bold=bold)
        if self._fits(text, width, bold, BODY_SIZE):
            pdf.cell(width, line_height, self._shape_for(text), align=self._start, new_x="LEFT",
                     new_y="NEXT")
        else:
            pdf.multi_cell(width, line_height, self._shape_for(text), align=self._start,
                           new_x="LEFT", new_y="NEXT")
        self._font(BODY_SIZE)

    def _cell_lines(self, text: str, width: float, line_height: float, *, bold: bool,
                    size: float) -> list[str]:
        if self._fits(text, width, bold, size):
            return [text]
        lines = self._pdf.multi_cell(width, line_height, self._shape_for(text), dry_run=True,
                                     output=MethodReturnValue.LINES)
        return [str(line) for line in lines] if isinstance(lines, list) and lines else [""]

    def _layout(self, columns: Sequence[Column], rows: Iterable[Sequence[str]], size: float,
                width: float) -> _TableLayout:
        """The table's cells wrapped to their columns, measured once."""
        if not columns:
            raise InvalidValue("a table needs at least one column", "columns")
        total = sum(column.weight for column in columns)
        widths = [width * column.weight / total for column in columns]
        line_height = size * LINE_FACTOR + 0.8

        def wrap(cells: Sequence[str], bold: bool) -> list[list[str]]:
            self._font(size, bold=bold)
            return [self._cell_lines(text, widths[i], line_height, bold=bold, size=size)
                    for i, text in enumerate(cells)]

        header = wrap([column.title for column in columns], True)
        body = []
        for number, row in enumerate(rows, start=1):
            cells = [str(value) for value in row]
            if len(cells) != len(columns):
                raise InvalidValue(f"table row {number} has {len(cells)} cells for "
                                   f"{len(columns)} columns", "rows")
            body.append(wrap(cells, False))
        order = list(range(len(columns)))
        if self.rtl:
            order.reverse()
        return _TableLayout(widths, [self._align(c.align) for c in columns], order, size,
                            line_height, header, body)

    def _table(self, columns: Sequence[Column], rows: Iterable[Sequence[str]], *, size: float,
               left: float, width: float) -> None:
        self._draw_table(self._layout(columns, rows, size, width), left)

    def _draw_table(self, layout: _TableLayout, left: float) -> None:
        pdf = self._pdf
        pdf.set_draw_color(*RULE_GREY)
        pdf.set_fill_color(*GREY)
        line_height = layout.line_height

        def draw(cells: list[list[str]], *, header: bool) -> None:
            height = line_height * max(len(lines) for lines in cells)
            if not header and pdf.get_y() + height > pdf.page_break_trigger:
                pdf.add_page()
                draw(layout.header, header=True)
            self._font(layout.size, bold=header)
            top = pdf.get_y()
            x = left
            for i in layout.order:
                width = layout.widths[i]
                pdf.rect(x, top, width, height, style="DF" if header else "D")
                for number, line in enumerate(cells[i]):
                    if line:
                        pdf.set_xy(x, top + number * line_height)
                        pdf.cell(width, line_height, self._shape_for(line),
                                 align=layout.aligns[i])
                x += width
            pdf.set_xy(left, top + height)

        if pdf.get_y() + line_height * 2 > pdf.page_break_trigger:
            pdf.add_page()
        draw(layout.header, header=True)
        for cells in layout.rows:
            draw(cells, header=False)
        pdf.set_x(pdf.l_margin)
        pdf.ln(2)
        self._font(BODY_SIZE)


@dataclass(frozen=True, slots=True)
class _TableLayout:
    """A table ready to draw: column widths, alignments and drawing order, wrapped cells."""

    widths: list[float]
    aligns: list[Literal["L", "R", "C"]]
    order: list[int]
    size: float
    line_height: float
    header: list[list[str]]
    rows: list[list[list[str]]]

    @property
    def height(self) -> float:
        """The height of the whole table on one page, with the space after it."""
        return self.line_height * sum(max(len(lines) for lines in cells)
                                      for cells in (self.header, *self.rows)) + 2


class _Pages(FPDF):
    """fpdf2's document with corridor's footer."""

    def __init__(self, footer_text: str, page_label: str, rtl: bool) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self._footer_text = footer_text
        self._page_label = page_label
        self._rtl = rtl
        self.footer_shaping: dict[str, object] | None = None

    def footer(self) -> None:
        outside = self.text_shaping
        self.text_shaping = self.footer_shaping
        self.set_y(-FOOTER_MM + 2)
        self.set_font(FONT_FAMILY, "", SMALL_SIZE)
        self.set_text_color(90, 90, 90)
        half = self.epw / 2
        label = self._page_label.format(page=self.page_no(), pages=self.str_alias_nb_pages)
        # The title at the start of the line, the page number at its end.
        left, right = (label, self._footer_text) if self._rtl else (self._footer_text, label)
        self.cell(half, 5, left, align="L")
        self.cell(half, 5, right, align="R")
        self.set_text_color(0, 0, 0)
        self.text_shaping = outside


# -- QR codes ----------------------------------------------------------------------------------


def qr_image(payload: str) -> Image.Image:
    """The QR code of ``payload``, black on white, with its four-module quiet zone.

    Error correction M (15 %): a creased or smudged ticket still scans. Mask pattern 0 always:
    any of the eight masks is a valid code, and choosing the best one costs five times as long
    as the rest of the code (pure Python in segno) for no gain a phone's camera notices.
    Whole pixels per module, so that the code stays sharp however the PDF is scaled.
    """
    if not payload:
        raise InvalidValue("a QR code needs something to encode", "payload")
    code = segno.make(payload, error="m", micro=False, boost_error=False, mask=0)
    matrix = code.matrix
    side = len(matrix) + 2 * QR_BORDER_MODULES
    quiet = b"\xff" * QR_BORDER_MODULES
    blank = [b"\xff" * side] * QR_BORDER_MODULES
    pixels = b"".join([*blank, *(quiet + bytes(0 if dark else 255 for dark in row) + quiet
                                 for row in matrix), *blank])
    image = Image.frombytes("L", (side, side), pixels).convert("1")
    pixels_wide = side * QR_PIXELS_PER_MODULE
    return image.resize((pixels_wide, pixels_wide), Image.Resampling.NEAREST)


def qr_png(payload: str) -> bytes:
    """The QR code of ``payload`` as PNG bytes (see :func:`qr_image`)."""
    buffer = io.BytesIO()
    qr_image(payload).save(buffer, format="PNG")
    return buffer.getvalue()


def _png_size(png: bytes) -> tuple[int, int]:
    if len(png) < 24 or not png.startswith(b"\x89PNG\r\n\x1a\n") or png[12:16] != b"IHDR":
        raise InvalidValue("an image must be PNG bytes", "png")
    width, height = struct.unpack(">II", png[16:24])
    if width == 0 or height == 0:
        raise InvalidValue("the PNG image is empty", "png")
    return int(width), int(height)


# -- fonts -------------------------------------------------------------------------------------


@cache
def font_files() -> dict[str, Path]:
    """The static regular ("") and bold ("B") instances of Noto Sans Arabic, made once a process.

    Written to a private temporary folder (mode 0700) removed when the process exits.
    """
    folder = Path(tempfile.mkdtemp(prefix="corridor-fonts-"))
    atexit.register(shutil.rmtree, folder, True)
    made: dict[str, Path] = {}
    with as_file(files(NOTO_PACKAGE) / NOTO_FILE) as variable:
        for style, weight in WEIGHTS.items():
            font = TTFont(variable, recalcTimestamp=False)
            static = instancer.instantiateVariableFont(font, {"wght": weight, "wdth": 100},
                                                       updateFontNames=True)
            path = folder / f"NotoSansArabic-{weight}.ttf"
            static.save(path)
            made[style] = path
    return made


@cache
def fallback_font_files() -> dict[str, Path]:
    """DejaVu Sans (regular, bold) as matplotlib's wheel ships it: for characters Noto lacks."""
    package = files("matplotlib")
    found: dict[str, Path] = {}
    for style, name in FALLBACK_FILES.items():
        path = Path(str(package / name))
        if not path.is_file():
            raise InvalidValue(f"matplotlib's font {name} is missing: reinstall matplotlib")
        found[style] = path
    return found


class _NoText(tuple[int, ...]):
    """A glyph that stands for no character: fpdf2 writes it to the ToUnicode map as ``<>``.

    fpdf2 leaves out every glyph whose Unicode value is an empty tuple; this one is empty when
    read but not when counted, so it is written, mapped to nothing.
    """

    __slots__ = ()

    def __len__(self) -> int:
        return 1


class _Producer(OutputProducer):
    """fpdf2's writer, once every glyph is drawn (the last footer too): invisible glyphs
    mapped to nothing."""

    def __init__(self, fpdf: FPDF) -> None:
        _map_invisible_glyphs(fpdf)
        super().__init__(fpdf)


def _map_invisible_glyphs(pdf: FPDF) -> None:
    """Map to no character the glyphs that stand for none a reader should get back: the second
    glyph of a split letter (a dotless body or its dots), and the bidirectional isolates
    :func:`isolated` puts around values (they are drawn as nothing)."""
    for font in pdf.fonts.values():
        subset = getattr(font, "subset", None)
        if subset is None:
            continue
        for glyph, _code in subset.items():
            if glyph is None or not isinstance(glyph.unicode, tuple) or isinstance(
                    glyph.unicode, _NoText):
                continue
            if not glyph.unicode or all(chr(code) in BIDI_CONTROLS for code in glyph.unicode):
                glyph.unicode = _NoText()
