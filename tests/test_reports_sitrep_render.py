"""The sitrep as HTML and PDF: every word in both languages, the figures as the data has them,
Arabic shaped and in reading order."""

from __future__ import annotations

import io
import re
import string
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pypdf
import pytest

from corridor.domain.events import Severity, Stage, Verification
from corridor.domain.registry import AgeBand, Sex
from corridor.reports import sitrep_render
from corridor.reports.disclosure import DisclosurePolicy, Ledger
from corridor.reports.labels import LABELS, LANGUAGES, MissingLabel, translator
from corridor.reports.outside import ExplanationKind, Scope
from corridor.reports.sitrep import Audience, ConvoyStatus, Readership, build_sitrep
from corridor.reports.sitrep_render import render_html, render_pdf
from corridor.tracking.cases import CaseKind
from tests import sitrep_fixtures as fx

CREATED = datetime(2017, 3, 20, 6, 0, tzinfo=UTC)
TEMPLATE = Path(sitrep_render.__file__).parent / "templates" / "sitrep.html"
EVERYTHING = Readership(Audience.INTERNAL, categories=True, convoy_categories=True,
                        medical_details=True, protection_cases=True, incident_reporters=True)


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_label_has_both_languages_with_the_same_placeholders() -> None:
    """No label is missing or empty in English or Arabic, and both fill the same {names}."""
    for key, words in LABELS.items():
        assert set(words) == set(LANGUAGES), key
        assert all(words[language].strip() for language in LANGUAGES), key
        assert _placeholders(words["en"]) == _placeholders(words["ar"]), key
        assert not re.search(r"[\u0600-\u06ff]", words["en"]), f"{key}: Arabic in English"
        assert re.search(r"[\u0600-\u06ff]", words["ar"]) or key.startswith("age."), key


def test_every_label_the_reports_ask_for_exists() -> None:
    """Every t("key") in the template and the renderer, and every code a sitrep can hold."""
    used = set(re.findall(r"""\bt\(\s*["']([a-z_.0-9+-]+)["']""", TEMPLATE.read_text()))
    used |= set(re.findall(r"""\bt\(\s*["']([a-z_.0-9+-]+)["']""",
                           Path(sitrep_render.__file__).read_text()))
    used |= {f"status.{s.value}" for s in ConvoyStatus}
    used |= {f"severity.{s.value}" for s in Severity}
    used |= {f"verification.{v.value}" for v in Verification}
    used |= {f"stage.{s.value}" for s in Stage}
    used |= {f"scope.{s.value}" for s in Scope}
    used |= {f"explain.{k.value}" for k in ExplanationKind}
    used |= {f"sex.{s.value}" for s in Sex} | {f"age.{b.value}" for b in AgeBand}
    used |= {f"case.{k.value}" for k in CaseKind} | {f"audience.{a.value}" for a in Audience}
    families = {key for key in used if key.endswith(".")}
    assert families <= {"status.", "severity.", "verification.", "stage.", "scope.", "explain.",
                        "sex.", "age.", "case.", "audience."}, "a family of labels not checked"
    used -= families
    assert len(used) > 100
    missing = sorted(key for key in used if key not in LABELS)
    assert not missing


def test_a_missing_label_or_language_is_an_error_not_a_raw_key() -> None:
    """A report never shows a key: asking for one that is not there raises."""
    with pytest.raises(MissingLabel, match="nowhere"):
        translator("ar")("nowhere")
    with pytest.raises(MissingLabel, match="fr"):
        translator("fr")


class _Figures(HTMLParser):
    """The text of every <span class="n"> (counts of people) of a page, and all its text."""

    def __init__(self) -> None:
        super().__init__()
        self.figures: list[str] = []
        self.text: list[str] = []
        self._in_figure = False
        self.root: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "html":
            self.root = dict(attrs)
        classes = (dict(attrs).get("class") or "").split()
        self._in_figure = tag == "span" and "n" in classes

    def handle_endtag(self, tag: str) -> None:
        self._in_figure = False

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in_figure:
            self.figures.append(data)


def _parse(page: str) -> _Figures:
    parser = _Figures()
    parser.feed(page)
    return parser


@pytest.mark.parametrize(("language", "direction"), [("en", "ltr"), ("ar", "rtl")])
def test_the_page_is_self_contained_in_its_language_and_direction(language: str,
                                                                  direction: str) -> None:
    """lang and dir are set, the charts are inside the page, and no template code is left."""
    sitrep = build_sitrep(fx.situation(), fx.SECOND, EVERYTHING, fx.outside()).sitrep
    page = render_html(sitrep, language)  # type: ignore[arg-type]
    parsed = _parse(page)
    assert parsed.root == {"lang": language, "dir": direction}
    assert page.count('src="data:image/png;base64,') == 2
    assert "{{" not in page and "{%" not in page
    assert "<script" not in page and "<link" not in page  # nothing fetched from elsewhere
    assert re.findall(r'src="([a-z]+):', page) == ["data", "data"]
    headline = [int(text.replace(",", "")) for text in parsed.figures[:10]]
    assert headline == [65, 28, 35, 30, 72, 118, 10, 14, 1, 2]
    words = " ".join(parsed.text)
    assert translator(language)("section.outside") in words
    assert "field hospital" in words  # medical details for a reader allowed them


def test_a_withheld_figure_is_the_word_never_the_value() -> None:
    """In a public page every count is a published value or the word "withheld"."""
    result = build_sitrep(fx.situation(), fx.SECOND, Readership.public(), fx.outside(),
                          policy=DisclosurePolicy(5), ledger=Ledger())
    assert result.ledger is not None
    published = set(result.ledger.published.values())
    for language in LANGUAGES:
        figures = _parse(render_html(result.sitrep, language)).figures
        withheld = translator(language)("withheld")
        assert withheld in figures
        for text in figures:
            assert text == withheld or int(text.replace(",", "")) in published, text


def _pdf_lines(data: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return [line.strip() for page in reader.pages for line in (page.extract_text() or "")
            .split("\n") if line.strip()]


def test_the_arabic_pdf_extracts_shaped_and_in_reading_order() -> None:
    """Every all-Arabic heading comes back whole, in order, with no stray characters; the
    figures and codes of mixed lines are all there."""
    sitrep = build_sitrep(fx.situation(), fx.SECOND, EVERYTHING, fx.outside()).sitrep
    data = render_pdf(sitrep, "ar", created_at=CREATED)
    lines = _pdf_lines(data)
    t = translator("ar")
    for key in ("section.headline", "section.convoys", "section.medical", "section.incidents",
                "section.next", "section.outside", "section.follow_up"):
        assert t(key) in lines, key
    assert not any(re.search(r"[\x00-\x08\x0b-\x1f\x7f]", line) for line in lines)
    text = " ".join(lines)
    for word in ("2017-03-19", "C1", "C2", "C3", "MC-1", "SY020400", "118", "65"):
        assert word in text
    assert render_pdf(sitrep, "ar", created_at=CREATED) == data


def test_the_english_pdf_reads_left_to_right() -> None:
    """The English PDF has its title line and key figures as written."""
    sitrep = build_sitrep(fx.situation(), fx.SECOND, EVERYTHING).sitrep
    lines = _pdf_lines(render_pdf(sitrep, "en", created_at=CREATED))
    assert "Situation report of 2017-03-19" in lines
    assert "Key figures" in lines and "Convoys" in lines
