"""Every word of every page in Arabic and English: a key missing from a catalogue fails here."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from corridor.domain.events import RefusalReason, Severity, Stage, Verification
from corridor.domain.fleet import VehicleKind
from corridor.domain.registry import LinkKind, Sex
from corridor.tracking.projections import DiscrepancyKind
from corridor.web import i18n
from corridor.web.routes.scanner import PAGE_ACTIONS

WEB = Path(i18n.__file__).parent
TEMPLATES = sorted((WEB / "templates").glob("*.html"))
SCRIPTS = sorted((WEB / "static").glob("*.js"))
LITERAL = re.compile(r"""\bt\(\s*["']([a-z_]+\.[a-z0-9_.]+)["']""")
DYNAMIC = re.compile(r"""\bt\(\s*["']([a-z_]+\.)["']\s*[~+]""")

ENUMS = {
    "stage.": [s.value for s in Stage],
    "status.": ["planned", "boarding", "departed", "arrived"],
    "severity.": [s.value for s in Severity],
    "verification.": [v.value for v in Verification],
    "discrepancy.": [k.value for k in DiscrepancyKind],
    "vehicle.": [k.value for k in VehicleKind],
    "sex.": [s.value for s in Sex],
    "menu.": ["dashboard", "registry", "scanner"],
    "language.": list(i18n.LANGUAGES),
    "action.": [a.value for a in PAGE_ACTIONS],
    "refusal.": [r.value for r in RefusalReason] + ["not_a_ticket", "other_operation",
                                                  "bad_signature", "no_ticket_key"],
    "field.": ["assembly_point", "linked_to", "phone", "destination_preference", "name", "sex",
               "age", "birth_year", "category", "intent", "vulnerabilities", "needs_stretcher",
               "luggage_pieces"],
}
"""The values a template or script builds a key from (``t("stage." ~ stage)``, or
``t("refusal." + code)`` in a script)."""


def _used() -> tuple[set[str], set[str]]:
    literal: set[str] = set()
    dynamic: set[str] = set()
    for path in [*TEMPLATES, *SCRIPTS]:
        text = path.read_text("utf-8")
        literal |= set(LITERAL.findall(text))
        dynamic |= set(DYNAMIC.findall(text))
    return literal, dynamic


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_every_word_a_page_uses_is_translated(language: str) -> None:
    """Each key a template or script asks for, literal or built from a value, is in the
    catalogue; a new word without its translation fails here."""
    words = i18n.catalogue(language)
    literal, dynamic = _used()
    assert literal, "the key finder found nothing: the pattern is broken"
    missing = sorted(k for k in literal if k not in words)
    assert not missing, f"locales/{language}.json lacks {missing}"
    for prefix in dynamic:
        assert prefix in ENUMS, f"templates build keys from {prefix!r}: list its values here"
        gaps = sorted(prefix + value for value in ENUMS[prefix] if prefix + value not in words)
        assert not gaps, f"locales/{language}.json lacks {gaps}"


def test_both_catalogues_have_the_same_keys_and_no_empty_words() -> None:
    """Arabic and English say the same things; none is left blank or untranslated."""
    english, arabic = i18n.catalogue("en"), i18n.catalogue("ar")
    assert set(english) == set(arabic)
    assert all(text.strip() for text in [*english.values(), *arabic.values()])
    arabic_letters = re.compile(r"[\u0600-\u06FF]")
    untranslated = sorted(key for key, text in arabic.items()
                          if not arabic_letters.search(text) and not key.startswith("language.")
                          and key != "app.name" and english[key] == text)
    assert not untranslated, f"Arabic words still in English: {untranslated}"


def test_placeholders_match_between_languages() -> None:
    """A ``{name}`` filled in English is filled in Arabic too."""
    english, arabic = i18n.catalogue("en"), i18n.catalogue("ar")
    field = re.compile(r"\{(\w+)\}")
    for key, text in english.items():
        assert set(field.findall(text)) == set(field.findall(arabic[key])), key


def test_every_field_a_reader_may_be_shown_has_a_label() -> None:
    """The registry pages label each field of visible_household/visible_person: the list
    above is every key those functions can give."""
    from corridor.security.permissions import Field, visible_household, visible_person
    from tests.builders import household, person

    member = person("P1", "H1")
    everything = [*visible_person(member, set(Field)),
                  *visible_household(household("H1", linked_to="H2", link_kind=next(iter(LinkKind)),
                                               phone="+963 900 000 000"), set(Field))]
    shown = {key for key in everything if key not in ("person_id", "household_id")}
    assert shown <= set(ENUMS["field."])


def test_a_missing_key_raises_with_the_file_to_fix() -> None:
    """Asking for a word nobody translated names the catalogue to add it to."""
    t = i18n.translator("ar")
    with pytest.raises(i18n.MissingTranslation, match=r"locales/ar\.json"):
        t("dashboard.no_such_word")


def test_catalogues_are_json_objects_of_text() -> None:
    """The files themselves are what the loader expects."""
    for language in i18n.LANGUAGES:
        data = json.loads((WEB / "locales" / f"{language}.json").read_text("utf-8"))
        assert isinstance(data, dict) and all(isinstance(v, str) for v in data.values())


@pytest.mark.parametrize(("asked", "cookie", "header", "expected"), [
    ("ar", "en", "en-GB", "ar"),
    (None, "ar", "en-GB", "ar"),
    (None, None, "fr-FR, ar;q=0.8", "ar"),
    (None, None, "fr-FR", "en"),
    ("xx", None, None, "en"),
])
def test_the_language_is_the_readers_choice_first(asked: str | None, cookie: str | None,
                                                  header: str | None, expected: str) -> None:
    """The address, then the reader's cookie, then the browser's languages, then English."""
    assert i18n.choose(asked, cookie, header) == expected


CONSTRAINTS = ("checkpoint", "reception", "fleet", "convoy rules", "seats", "luggage",
               "ambulances")
"""The constraints the planner's bounds come from, which the dashboard names in the reader's
language (``constraint.`` keys, spaces as underscores)."""


def test_every_constraint_of_the_planners_bounds_has_its_words() -> None:
    """Each known constraint has a key in both catalogues, and a plan's bounds name no other
    (a new constraint in the planner fails here until it has its words)."""
    from corridor.planner import make_plan
    from corridor.synthetic import generate

    for language in i18n.LANGUAGES:
        words = i18n.catalogue(language)
        missing = [c for c in CONSTRAINTS if "constraint." + c.replace(" ", "_") not in words]
        assert not missing, f"{language}: {missing}"
    plan = make_plan(generate(2000, seed=2017)).plan
    assert {bound.constraint for bound in plan.bounds} <= set(CONSTRAINTS)
