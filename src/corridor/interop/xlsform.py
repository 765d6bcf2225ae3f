"""The household registration form as an XLSForm, for KoBoToolbox and ODK Collect.

:func:`registration_form` builds the form as data (its survey, choices and settings sheets);
:func:`write_xlsform` writes it as an ``.xlsx`` workbook that KoBoToolbox, ODK Central and pyxform
read. Every row has an English and an Arabic label, and every constraint its message in both.

The form asks for consent first; nothing else is shown (or exported) without it. The household's
answers are in the group ``household``, its members in the repeat group ``member`` (one repeat a
person, as many as the household size). The field names here are the ones
:mod:`corridor.interop.kobo` reads back from the exports, so the two never drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from corridor.domain import (
    Category,
    Intent,
    InvalidValue,
    LinkKind,
    Operation,
    Sex,
    Vulnerability,
)
from corridor.domain.registry import MAX_AGE, MAX_LUGGAGE_PIECES

__all__ = [
    "AGE_KNOWN",
    "ARABIC",
    "CONSENT",
    "ENGLISH",
    "FORM_ID",
    "HOUSEHOLD_FIELDS",
    "HOUSEHOLD_GROUP",
    "MAX_HOUSEHOLD_SIZE",
    "MEMBER_FIELDS",
    "MEMBER_GROUP",
    "RELATIONS",
    "XLSForm",
    "registration_form",
    "write_xlsform",
]

ENGLISH = "English (en)"
ARABIC = "Arabic (ar)"
LANGUAGES = (ENGLISH, ARABIC)

FORM_ID = "corridor_household_registration"
FORM_VERSION = "1"
MAX_HOUSEHOLD_SIZE = 50
"""The most members a form accepts; larger groups register as linked households."""

CONSENT = "consent"
HOUSEHOLD_GROUP = "household"
MEMBER_GROUP = "member"
HOUSEHOLD_FIELDS = ("household_id", "assembly_point", "intent", "destination_preference",
                    "phone", "linked_to", "link_kind", "household_size")
"""The questions of the household group, in form order."""
MEMBER_FIELDS = ("person_id", "name", "sex", "relation", "age_known", "age", "birth_year",
                 "category", "member_intent", "vulnerabilities", "needs_stretcher",
                 "luggage_pieces")
"""The questions of each member, in form order."""

YES = "yes"
NO = "no"
HEAD = "head"
RELATIONS = (HEAD, "spouse", "child", "parent", "sibling", "grandchild", "other_relative",
             "not_related")
"""Relations to the head of household; asked to guide the interview and to check that a
household has exactly one head. corridor's registry does not keep them."""
AGE_KNOWN = ("age", "birth_year")

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"
"""Ids a registrar can type: they become household and person ids (no spaces or commas)."""
PHONE_PATTERN = r"^\+?[0-9][0-9 ]{5,24}$"

Row = Mapping[str, str]
Labels = tuple[str, str]
"""A text in English and in Arabic."""

REQUIRED = ("This answer is required.", "هذه الإجابة مطلوبة.")

_CHOICE_LABELS: dict[str, dict[str, Labels]] = {
    "yes_no": {YES: ("Yes", "نعم"), NO: ("No", "لا")},
    "sex": {Sex.FEMALE.value: ("Female", "أنثى"), Sex.MALE.value: ("Male", "ذكر")},
    "intent": {
        Intent.LEAVE.value: ("Leave", "المغادرة"),
        Intent.STAY.value: ("Stay (settlement)", "البقاء (التسوية)"),
        Intent.UNDECIDED.value: ("Undecided", "لم يُحسم بعد"),
    },
    "category": {
        Category.CIVILIAN.value: ("Civilian", "مدني"),
        Category.COMBATANT.value: ("Combatant", "مقاتل"),
    },
    "link_kind": {
        LinkKind.EXTENDED_FAMILY.value: ("Extended family", "عائلة ممتدة"),
        LinkKind.GUARDIAN.value: ("Guardian of a child in this household",
                                  "وليّ أمر طفل في هذه الأسرة"),
    },
    "vulnerability": {
        Vulnerability.MEDICAL_EMERGENCY.value: ("Medical emergency", "حالة طبية طارئة"),
        Vulnerability.DISABILITY.value: ("Disability", "إعاقة"),
        Vulnerability.PREGNANCY.value: ("Pregnancy", "حمل"),
        Vulnerability.UNACCOMPANIED_CHILD.value: ("Unaccompanied child", "طفل غير مصحوب"),
        Vulnerability.SEPARATED_CHILD.value: ("Separated child", "طفل منفصل عن ذويه"),
        Vulnerability.ELDERLY.value: ("Elderly person who needs help", "مسنّ يحتاج إلى مساعدة"),
    },
    "relation": {
        HEAD: ("Head of household", "ربّ الأسرة"),
        "spouse": ("Wife or husband", "الزوجة أو الزوج"),
        "child": ("Son or daughter", "ابن أو ابنة"),
        "parent": ("Father or mother", "أب أو أم"),
        "sibling": ("Brother or sister", "أخ أو أخت"),
        "grandchild": ("Grandchild", "حفيد أو حفيدة"),
        "other_relative": ("Other relative", "قريب آخر"),
        "not_related": ("Not related", "ليس من الأقارب"),
    },
    "age_known": {
        "age": ("The age", "العمر"),
        "birth_year": ("The birth year", "سنة الميلاد"),
    },
}


@dataclass(frozen=True, slots=True)
class XLSForm:
    """An XLSForm as data: the rows of its survey, choices and settings sheets."""

    survey: tuple[Row, ...]
    choices: tuple[Row, ...]
    settings: tuple[Row, ...]

    def sheets(self) -> dict[str, list[dict[str, str]]]:
        """The three sheets as lists of rows, the shape pyxform's ``convert`` takes."""
        return {"survey": [dict(row) for row in self.survey],
                "choices": [dict(row) for row in self.choices],
                "settings": [dict(row) for row in self.settings]}

    def names(self) -> tuple[str, ...]:
        """The name of every question and group of the survey, in order."""
        return tuple(row["name"] for row in self.survey if row.get("name"))


def _labelled(column: str, labels: Labels) -> dict[str, str]:
    return {f"{column}::{language}": text for language, text in zip(LANGUAGES, labels,
                                                                    strict=True)}


def _question(kind: str, name: str, label: Labels, *, hint: Labels | None = None,
              required: bool = False, constraint: str | None = None,
              message: Labels | None = None, relevant: str | None = None,
              **columns: str) -> dict[str, str]:
    row = {"type": kind, "name": name, **_labelled("label", label)}
    if hint is not None:
        row.update(_labelled("hint", hint))
    if required:
        row["required"] = "yes"
        row.update(_labelled("required_message", REQUIRED))
    if constraint is not None:
        if message is None:
            raise InvalidValue(f"the constraint of {name} needs a message in both languages",
                               name)
        row["constraint"] = constraint
        row.update(_labelled("constraint_message", message))
    if relevant is not None:
        row["relevant"] = relevant
    row.update(columns)
    return row


def _site_choices(list_name: str, sites: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    # Site names are given in one language only; both label columns show it.
    return [{"list_name": list_name, "name": site_id, **_labelled("label", (name, name))}
            for site_id, name in sites]


def _site_question(name: str, list_name: str, sites: Sequence[tuple[str, str]] | None,
                   label: Labels, *, required: bool = False,
                   relevant: str | None = None) -> dict[str, str]:
    """A choice of the operation's sites, or (without an operation) the site id as text."""
    if sites:
        return _question(f"select_one {list_name}", name, label, required=required,
                         relevant=relevant)
    return _question("text", name, label,
                     hint=("The site id as operation.toml names it.",
                           "رمز الموقع كما يرد في ملف العملية."),
                     required=required, relevant=relevant,
                     constraint=f"regex(., '{ID_PATTERN}')",
                     message=("A site id: letters, digits, '-', '_' or '.'.",
                              "رمز موقع: أحرف لاتينية أو أرقام أو '-' أو '_' أو '.'."))


def _survey(operation: Operation | None) -> list[dict[str, str]]:
    assembly_points = ([(s.site_id, s.name) for s in operation.assembly_points]
                       if operation else None)
    destinations = ([(d, operation.destination(d).name) for d in operation.agreement.destinations]
                    if operation else None)
    consented = f"${{{CONSENT}}} = '{YES}'"
    return [
        _question("select_one yes_no", CONSENT, (
            "Consent. This registration lists your household for the evacuation under the "
            "agreement. The answers are kept encrypted and shared only as the agreement "
            "requires. Does the head of household agree to register?",
            "الموافقة. يدرج هذا التسجيل أسرتك في قوائم الإخلاء بموجب الاتفاق. تُحفظ الإجابات "
            "مشفّرة ولا تُشارك إلا بما يقتضيه الاتفاق. هل يوافق ربّ الأسرة على التسجيل؟"),
            required=True),
        {"type": "begin group", "name": HOUSEHOLD_GROUP, **_labelled("label", (
            "Household", "الأسرة")), "relevant": consented},
        _question("text", "household_id", (
            "Registration number of the household (on its registration slip)",
            "رقم تسجيل الأسرة (المدوّن على إيصال التسجيل)"), required=True,
            constraint=f"regex(., '{ID_PATTERN}')",
            message=("1 to 64 letters, digits, '-', '_' or '.', with no spaces or commas.",
                     "من 1 إلى 64 حرفًا لاتينيًا أو رقمًا أو '-' أو '_' أو '.'، دون مسافات أو "
                     "فواصل.")),
        _site_question("assembly_point", "assembly_point", assembly_points,
                       ("Assembly point", "نقطة التجمّع"), required=True),
        _question("select_one intent", "intent", (
            "What does the household intend to do?", "ماذا تنوي الأسرة أن تفعل؟"),
            required=True),
        _site_question("destination_preference", "destination", destinations, (
            "Preferred destination (leave empty if none yet)",
            "الوجهة المفضّلة (اتركها فارغة إن لم تُحدَّد بعد)"),
            relevant=f"${{intent}} != '{Intent.STAY.value}'"),
        _question("text", "phone", (
            "Phone number of the household (optional)", "رقم هاتف الأسرة (اختياري)"),
            constraint=f"regex(., '{PHONE_PATTERN}')",
            message=("6 to 15 digits, optionally after a +.",
                     "من 6 إلى 15 رقمًا، ويمكن أن تسبقها علامة +.")),
        _question("text", "linked_to", (
            "Registration number of a household this one must travel with (optional)",
            "رقم تسجيل أسرة يجب أن تسافر هذه الأسرة معها (اختياري)"),
            constraint=f"regex(., '{ID_PATTERN}') and . != ${{household_id}}",
            message=("Another household's registration number, not this one's.",
                     "رقم تسجيل أسرة أخرى، وليس رقم هذه الأسرة.")),
        _question("select_one link_kind", "link_kind", (
            "Why must the two households travel together?", "لماذا يجب أن تسافر الأسرتان معًا؟"),
            required=True, relevant="${linked_to} != ''"),
        _question("integer", "household_size", (
            "How many people are in the household?", "كم عدد أفراد الأسرة؟"), required=True,
            constraint=f". >= 1 and . <= {MAX_HOUSEHOLD_SIZE}",
            message=(f"At least 1 and at most {MAX_HOUSEHOLD_SIZE} people; register a larger "
                     "group as linked households.",
                     f"فرد واحد على الأقل و{MAX_HOUSEHOLD_SIZE} فردًا على الأكثر؛ سجّل "
                     "المجموعة الأكبر أسرًا مرتبطة.")),
        {"type": "end group"},
        {"type": "begin repeat", "name": MEMBER_GROUP, **_labelled("label", (
            "Household member", "فرد من الأسرة")), "relevant": consented,
         "repeat_count": "${household_size}"},
        _question("text", "person_id", (
            "Card number of this person, if they have one",
            "رقم بطاقة هذا الشخص إن وُجد"),
            hint=("Leave empty: members are then numbered after the household (H12-1, H12-2...).",
                  "اتركه فارغًا ليُرقَّم الأفراد بعد رقم الأسرة (H12-1، H12-2...)."),
            constraint=f"regex(., '{ID_PATTERN}')",
            message=("1 to 64 letters, digits, '-', '_' or '.', with no spaces or commas.",
                     "من 1 إلى 64 حرفًا لاتينيًا أو رقمًا أو '-' أو '_' أو '.'، دون مسافات أو "
                     "فواصل.")),
        _question("text", "name", (
            "Full name (given name, father's name, family name)",
            "الاسم الكامل (الاسم واسم الأب والكنية)"), required=True,
            constraint="string-length(normalize-space(.)) >= 2",
            message=("Write the person's full name.", "اكتب الاسم الكامل للشخص.")),
        _question("select_one sex", "sex", ("Sex", "الجنس"), required=True),
        _question("select_one relation", "relation", (
            "Relation to the head of household", "صلة القرابة بربّ الأسرة"), required=True),
        _question("select_one age_known", "age_known", (
            "Is the age or the birth year known?", "هل المعروف العمر أم سنة الميلاد؟"),
            required=True),
        _question("integer", "age", ("Age in whole years", "العمر بالسنوات الكاملة"),
                  required=True, relevant="${age_known} = 'age'",
                  constraint=f". >= 0 and . <= {MAX_AGE}",
                  message=(f"An age between 0 and {MAX_AGE}.", f"عمر بين 0 و{MAX_AGE}.")),
        _question("integer", "birth_year", ("Birth year", "سنة الميلاد"), required=True,
                  relevant="${age_known} = 'birth_year'",
                  constraint=". >= 1880 and . <= int(format-date(today(), '%Y'))",
                  message=("A year between 1880 and this year.",
                           "سنة بين 1880 والسنة الحالية.")),
        _question("select_one category", "category", (
            "Category under the agreement", "الفئة بموجب الاتفاق"), required=True),
        _question("select_one intent", "member_intent", (
            "This person's own intent, only if it differs from the household's",
            "نيّة هذا الشخص، فقط إن اختلفت عن نيّة الأسرة")),
        _question("select_multiple vulnerability", "vulnerabilities", (
            "Vulnerabilities (all that apply)", "أوضاع الهشاشة (كل ما ينطبق)")),
        _question("select_one yes_no", "needs_stretcher", (
            "Does this person need a stretcher (an ambulance)?",
            "هل يحتاج هذا الشخص إلى نقّالة (سيارة إسعاف)؟"), required=True,
            relevant=f"selected(${{vulnerabilities}}, '{Vulnerability.MEDICAL_EMERGENCY.value}')"),
        _question("integer", "luggage_pieces", (
            "Pieces of luggage this person carries", "عدد قطع الأمتعة التي يحملها هذا الشخص"),
            required=True, constraint=f". >= 0 and . <= {MAX_LUGGAGE_PIECES}",
            message=(f"Between 0 and {MAX_LUGGAGE_PIECES} pieces.",
                     f"بين 0 و{MAX_LUGGAGE_PIECES} قطعة."), default="0"),
        {"type": "end repeat"},
    ]


def _choices(operation: Operation | None) -> list[dict[str, str]]:
    rows = [{"list_name": list_name, "name": name, **_labelled("label", labels)}
            for list_name, choices in _CHOICE_LABELS.items()
            for name, labels in choices.items()]
    if operation is not None:
        rows += _site_choices("assembly_point",
                              [(s.site_id, s.name) for s in operation.assembly_points])
        rows += _site_choices("destination", [(d, operation.destination(d).name)
                                              for d in operation.agreement.destinations])
    return rows


def registration_form(operation: Operation | None = None) -> XLSForm:
    """The household registration form; with ``operation``, its sites are the choices.

    Without an operation the assembly point and the destination are typed as site ids (and
    checked against the operation when the export is imported).
    """
    title = "corridor household registration"
    if operation is not None:
        title += f": {operation.name}"
    settings = {"form_title": title, "form_id": FORM_ID, "version": FORM_VERSION,
                "default_language": ENGLISH, "instance_name": "${household_id}"}
    return XLSForm(tuple(_survey(operation)), tuple(_choices(operation)), (settings,))


def _columns(rows: Sequence[Row]) -> list[str]:
    columns: list[str] = []
    for row in rows:
        for column in row:
            if column not in columns:
                columns.append(column)
    return columns


def write_xlsform(form: XLSForm, path: Path) -> None:
    """Write ``form`` as an ``.xlsx`` workbook; nothing is left half-written on failure."""
    from openpyxl import Workbook  # imported here: only the form needs it

    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]  # a new workbook has one sheet
    for name, rows in form.sheets().items():
        sheet = workbook.create_sheet(name)
        header = _columns(rows)
        sheet.append(header)
        for row in rows:
            sheet.append([row.get(column, "") for column in header])
    partial = path.with_name(f".{path.name}.partial")
    try:
        workbook.save(partial)
        partial.replace(path)
    except OSError as error:
        raise InvalidValue(f"cannot write {path}: {error.strerror}", "out") from None
    finally:
        partial.unlink(missing_ok=True)
