"""Synthetic exports of the corridor registration form, as KoBoToolbox and ODK Central write them.

The column names come from the XForm pyxform makes of the generated XLSForm (its bind paths, such
as ``/data/household/household_id``), joined as each server joins them: KoBoToolbox with ``/``
(``household/household_id``, ``member/name``), ODK Central with ``-`` in the submissions table and
relative to the repeat in the repeat's table. The answers are those a registrar would give for a
registry's households, so that importing the export must give that registry back.
"""

from __future__ import annotations

import csv
import io
import uuid
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from openpyxl import Workbook
from pyxform.xls2xform import convert

from corridor.domain import Household, Intent, Person
from corridor.interop.xlsform import FORM_ID, HOUSEHOLD_GROUP, MEMBER_GROUP, XLSForm

GROUPS = {HOUSEHOLD_GROUP, MEMBER_GROUP}

INTEGERS = {"household_size", "age", "birth_year", "luggage_pieces"}
KOBO_MAIN_META = ["_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status",
                  "_submitted_by", "__version__", "_tags", "_index"]
KOBO_MEMBER_META = ["_index", "_parent_table_name", "_parent_index", "_submission__id",
                    "_submission__uuid", "_submission__submission_time",
                    "_submission__validation_status", "_submission__notes",
                    "_submission__status", "_submission__submitted_by",
                    "_submission___version__", "_submission__tags"]
ODK_TAIL = ["KEY", "SubmitterID", "SubmitterName", "AttachmentsPresent", "AttachmentsExpected",
            "Status", "ReviewState", "DeviceID", "Edits", "FormVersion"]


def form_paths(form: XLSForm) -> dict[str, str]:
    """Each field of the form by name, with its path in the submission (``household/phone``)."""
    xform = convert(form.sheets()).xform
    root = ElementTree.fromstring(xform)
    paths = {}
    for bind in root.iter("{http://www.w3.org/2002/xforms}bind"):
        path = bind.attrib["nodeset"].removeprefix("/data/")
        paths[path.rsplit("/", 1)[-1]] = path
    return paths


@dataclass
class Answer:
    """One submission: the main answers by field name, and each member's answers."""

    instance_id: str
    main: dict[str, str]
    members: list[dict[str, str]] = field(default_factory=list)
    review: str = ""


def _household_intent(members: Sequence[Person]) -> Intent:
    counts = Counter(person.intent for person in members)
    best = max(counts.values())
    # Ties go to the last member's intent: a head who stays is the one who differs.
    return next(p.intent for p in reversed(members) if counts[p.intent] == best)


def answers(households: Iterable[Household], persons: Sequence[Person]) -> list[Answer]:
    """The answers a registrar gives for these households (all consenting)."""
    members: dict[str, list[Person]] = {}
    for person in persons:
        members.setdefault(person.household_id, []).append(person)
    result = []
    for household in households:
        people = members[household.household_id]
        intent = _household_intent(people)
        main = {"consent": "yes", "household_id": household.household_id,
                "assembly_point": household.assembly_point, "intent": intent.value,
                "destination_preference": household.destination_preference or "",
                "phone": household.phone or "", "linked_to": household.linked_to or "",
                "link_kind": household.link_kind.value if household.link_kind else "",
                "household_size": str(len(people))}
        answer = Answer(str(uuid.uuid5(uuid.NAMESPACE_URL, household.household_id)), main)
        for position, person in enumerate(people):
            vulnerabilities = sorted(v.value for v in person.vulnerabilities)
            answer.members.append({
                "person_id": person.person_id, "name": person.name, "sex": person.sex.value,
                "relation": "head" if position == 0 else "other_relative",
                "age_known": "age" if person.birth_year is None else "birth_year",
                "age": "" if person.age is None else str(person.age),
                "birth_year": "" if person.birth_year is None else str(person.birth_year),
                "category": person.category.value,
                "member_intent": "" if person.intent is intent else person.intent.value,
                "vulnerabilities": " ".join(vulnerabilities),
                "needs_stretcher": ("yes" if person.needs_stretcher else "no")
                if "medical_emergency" in vulnerabilities else "",
                "luggage_pieces": str(person.luggage_pieces)})
        result.append(answer)
    return result


def _main_fields(paths: dict[str, str]) -> list[str]:
    return [name for name, path in paths.items()
            if name not in GROUPS and not path.startswith(f"{MEMBER_GROUP}/")
            and not path.startswith("meta/")]


def _member_fields(paths: dict[str, str]) -> list[str]:
    return [name for name, path in paths.items() if path.startswith(f"{MEMBER_GROUP}/")]


def _value(name: str, text: str, typed: bool) -> object:
    return int(text) if typed and name in INTEGERS and text.isdigit() else text


def kobo_tables(answers_: Sequence[Answer], paths: dict[str, str], *, typed: bool = False
                ) -> tuple[list[list[object]], list[list[object]]]:
    """The main and member sheets of a KoBoToolbox export (header first)."""
    main_fields, member_fields = _main_fields(paths), _member_fields(paths)
    options = ["medical_emergency", "disability", "pregnancy", "unaccompanied_child",
               "separated_child", "elderly"]
    main: list[list[object]] = [["start", "end", *(paths[n] for n in main_fields),
                                 "meta/instanceID", *KOBO_MAIN_META]]
    member: list[list[object]] = [[*(paths[n] for n in member_fields),
                                   *(f"{paths['vulnerabilities']}/{o}" for o in options),
                                   *KOBO_MEMBER_META]]
    member_index = 0
    for index, answer in enumerate(answers_, start=1):
        main.append(["2017-03-10T09:00:00", "2017-03-10T09:20:00",
                     *(_value(n, answer.main.get(n, ""), typed) for n in main_fields),
                     f"uuid:{answer.instance_id}", index, answer.instance_id,
                     "2017-03-10T09:21:00", answer.review, "", "submitted_via_web", "registrar1",
                     "v1", "", index])
        for values in answer.members:
            member_index += 1
            chosen = values.get("vulnerabilities", "").split()
            member.append([*(_value(n, values.get(n, ""), typed) for n in member_fields),
                           *(1 if o in chosen else 0 for o in options),
                           member_index, "corridor household registration", index, index,
                           answer.instance_id, "2017-03-10T09:21:00", "", "", "", "",
                           "v1", ""])
    return main, member


def write_kobo_xlsx(path: Path, answers_: Sequence[Answer], paths: dict[str, str]) -> Path:
    """A KoBoToolbox XLSX export: the submissions sheet, then the ``member`` sheet."""
    main, member = kobo_tables(answers_, paths, typed=True)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "corridor household registrat"  # KoBo cuts the form title to fit a sheet name
    for row in main:
        sheet.append(row)
    members = workbook.create_sheet(MEMBER_GROUP)
    for row in member:
        members.append(row)
    workbook.save(path)
    return path


def _quoted(rows: list[list[object]], separator: str) -> str:
    # KoBoToolbox quotes every cell.
    return "".join(separator.join('"' + str(c).replace('"', '""') + '"' for c in row) + "\r\n"
                   for row in rows)


def write_kobo_csv(path: Path, answers_: Sequence[Answer], paths: dict[str, str],
                   separator: str = ";") -> tuple[Path, Path]:
    """KoBoToolbox's CSV of the submissions, and the member sheet saved as CSV beside it."""
    main, member = kobo_tables(answers_, paths)
    path.write_text(_quoted(main, separator), encoding="utf-8")
    members = path.with_name(f"{path.stem}-{MEMBER_GROUP}.csv")
    members.write_text(_quoted(member, separator), encoding="utf-8")
    return path, members


def odk_tables(answers_: Sequence[Answer], paths: dict[str, str]
               ) -> tuple[list[list[str]], list[list[str]]]:
    """ODK Central's submissions table and repeat table (header first)."""
    main_fields, member_fields = _main_fields(paths), _member_fields(paths)
    main = [["SubmissionDate", *(paths[n].replace("/", "-") for n in main_fields),
             "meta-instanceID", *ODK_TAIL]]
    member = [[*member_fields, "PARENT_KEY", "KEY"]]
    for answer in answers_:
        key = f"uuid:{answer.instance_id}"
        main.append(["2017-03-10T09:21:00.000Z", *(answer.main.get(n, "") for n in main_fields),
                     key, key, "5", "registrar1", "0", "0", "", answer.review, "", "0", "1"])
        for position, values in enumerate(answer.members, start=1):
            member.append([*(values.get(n, "") for n in member_fields), key,
                           f"{key}/{MEMBER_GROUP}[{position}]"])
    return main, member


def _csv_text(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def write_odk_zip(path: Path, answers_: Sequence[Answer], paths: dict[str, str]) -> Path:
    """The ZIP ODK Central downloads: FORM.csv and FORM-member.csv."""
    main, member = odk_tables(answers_, paths)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{FORM_ID}.csv", _csv_text(main))
        archive.writestr(f"{FORM_ID}-{MEMBER_GROUP}.csv", _csv_text(member))
    return path


def write_odk_csv(folder: Path, answers_: Sequence[Answer], paths: dict[str, str]) -> Path:
    """ODK Central's two CSV files, unzipped; returns the submissions file."""
    main, member = odk_tables(answers_, paths)
    (folder / f"{FORM_ID}-{MEMBER_GROUP}.csv").write_text(_csv_text(member), encoding="utf-8")
    path = folder / f"{FORM_ID}.csv"
    path.write_text(_csv_text(main), encoding="utf-8")
    return path
