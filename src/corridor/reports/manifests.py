"""The manifests of a plan as a PDF: per convoy and vehicle, each household with its QR ticket.

One section per convoy (its day, departure, destination and figures), within it one per vehicle
(its kind and how full it is), within that one block per household: its ticket as a QR code
beside its members on this vehicle. Arabic or English; every word comes from :data:`LABELS`,
complete in both languages (a test fails on a missing translation).

What a reader sees of people is decided before this module: it is given the records
:func:`corridor.security.permissions.visible_household` and ``visible_person`` made for the
reader, and prints what is in them and nothing else (a reader who may not see names gets ids).
Even when a record has them, the manifest leaves out the category (civilian or combatant) and
the phone: a printed manifest travels through checkpoints and is easily lost, and neither is
needed to move people. Medical needs are printed when the record has them (for the crews).
The tickets come in as QR payloads, household id -> payload; a household with none gets a frame
that says so instead of a code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from corridor.domain import Convoy, Operation, Plan, VehicleKind, VehicleTrip
from corridor.domain.errors import InvalidValue, NotFound
from corridor.reports.pdf import (
    LANGUAGES,
    Align,
    Column,
    Document,
    KeyFigure,
    Language,
    isolated,
)

Progress = Callable[[int, int], None]

TICKET_MM = 25.0
"""The side of a printed ticket's QR code: modules of about half a millimetre, which a phone
reads from a hand's length."""


def no_progress(done: int, total: int) -> None:
    """The default progress callback: nothing."""


LABELS: Mapping[str, Mapping[Language, str]] = {
    "title": {"en": "Manifests", "ar": "قوائم الركاب"},
    "operation": {"en": "Operation {name}", "ar": "العملية {name}"},
    "agreement": {"en": "Agreement version {version}", "ar": "نسخة الاتفاق {version}"},
    "convoys": {"en": "Convoys: {ids}", "ar": "القوافل: {ids}"},
    "printed": {"en": "printed {when} UTC", "ar": "طُبعت {when} UTC"},
    "personal_data": {
        "en": "Personal data. Keep this document out of sight, give it only to the convoy's "
              "staff, and destroy it once the convoy has arrived.",
        "ar": "بيانات شخصية. أبقِ هذه الوثيقة بعيدًا عن الأنظار، ولا تسلّمها إلا لطاقم "
              "القافلة، وأتلفها بعد وصول القافلة."},
    "ticket_note": {
        "en": "Each QR code is a household's ticket: scan it at check-in and at boarding.",
        "ar": "رمز QR لكل أسرة هو تذكرتها: امسحه عند التسجيل وعند الصعود."},
    "convoy": {"en": "Convoy {id}", "ar": "القافلة {id}"},
    "convoy_line": {"en": "{day}, departs {time} for {destination}",
                    "ar": "{day}، تغادر الساعة {time} إلى {destination}"},
    "people": {"en": "people", "ar": "أشخاص"},
    "households": {"en": "households", "ar": "أسر"},
    "vehicles": {"en": "vehicles", "ar": "مركبات"},
    "departure": {"en": "departure", "ar": "المغادرة"},
    "bus": {"en": "Bus {id}", "ar": "حافلة {id}"},
    "ambulance": {"en": "Ambulance {id}", "ar": "سيارة إسعاف {id}"},
    "luggage_truck": {"en": "Luggage truck {id}", "ar": "شاحنة أمتعة {id}"},
    "seats_used": {"en": "{used} of {seats} seats", "ar": "{used} من {seats} مقعدًا"},
    "people_aboard": {"en": "{count} aboard", "ar": "{count} على متنها"},
    "stretchers_used": {"en": "{used} of {stretchers} stretchers",
                        "ar": "{used} من {stretchers} نقالات"},
    "luggage_used": {"en": "{used} of {capacity} pieces of luggage",
                     "ar": "{used} من {capacity} قطعة أمتعة"},
    "household": {"en": "Household {id}", "ar": "الأسرة {id}"},
    "on_vehicle": {"en": "{count} on this vehicle", "ar": "{count} في هذه المركبة"},
    "assembly_point": {"en": "Assembly point: {name}", "ar": "نقطة التجمع: {name}"},
    "luggage": {"en": "Luggage on this vehicle: {count} pieces",
                "ar": "الأمتعة في هذه المركبة: {count} قطعة"},
    "outside_sites": {"en": "Not at your sites: members by id only.",
                      "ar": "ليست من مواقعك: الأفراد بأرقامهم فقط."},
    "no_ticket": {"en": "No valid ticket: reissue it", "ar": "لا توجد تذكرة صالحة: أعد إصدارها"},
    "person_id": {"en": "Person", "ar": "الشخص"},
    "name": {"en": "Name", "ar": "الاسم"},
    "sex": {"en": "Sex", "ar": "الجنس"},
    "age": {"en": "Age", "ar": "العمر"},
    "notes": {"en": "Notes", "ar": "ملاحظات"},
    "household_id": {"en": "Household", "ar": "الأسرة"},
    "pieces": {"en": "Pieces", "ar": "القطع"},
    "female": {"en": "female", "ar": "أنثى"},
    "male": {"en": "male", "ar": "ذكر"},
    "stretcher": {"en": "on a stretcher", "ar": "على نقالة"},
    "medical_emergency": {"en": "medical emergency", "ar": "حالة طبية طارئة"},
    "disability": {"en": "disability", "ar": "إعاقة"},
    "pregnancy": {"en": "pregnancy", "ar": "حمل"},
    "unaccompanied_child": {"en": "unaccompanied child", "ar": "طفل غير مصحوب"},
    "separated_child": {"en": "separated child", "ar": "طفل منفصل عن ذويه"},
    "elderly": {"en": "elderly", "ar": "مسن"},
}
"""Every word of a manifest, in Arabic and English."""


def label(key: str, language: Language, **values: object) -> str:
    """The label ``key`` in ``language``, with ``values`` filled in (each keeping its own
    direction: an id inside Arabic, an Arabic name inside English)."""
    try:
        text = LABELS[key][language]
    except KeyError:
        raise InvalidValue(f"the manifest has no {language} label {key!r}", "language") from None
    return text.format(**{name: isolated(value) for name, value in values.items()})


def missing_labels() -> list[tuple[str, Language]]:
    """Every (label, language) with no text: empty when both languages are complete."""
    return [(key, language) for key, texts in LABELS.items() for language in LANGUAGES
            if not texts.get(language, "").strip()]


def chosen_convoys(plan: Plan, convoy_ids: Sequence[str] | None = None) -> tuple[Convoy, ...]:
    """The convoys asked for, in the plan's order (all of them when ``convoy_ids`` is None).

    :class:`NotFound` names every id the plan does not have, and the ones it has.
    """
    if convoy_ids is None:
        return plan.convoys
    known = {convoy.convoy_id for convoy in plan.convoys}
    unknown = [convoy_id for convoy_id in convoy_ids if convoy_id not in known]
    if unknown:
        ids = [convoy.convoy_id for convoy in plan.convoys]
        shown = ", ".join(ids[:12]) + (f" and {len(ids) - 12} more" if len(ids) > 12 else "")
        raise NotFound(f"plan of operation {plan.operation_id} has no convoy "
                       f"{', '.join(unknown)}; its convoys are {shown or 'none'}")
    wanted = set(convoy_ids)
    return tuple(convoy for convoy in plan.convoys if convoy.convoy_id in wanted)


def travelling_households(convoys: Sequence[Convoy]) -> list[str]:
    """The households with people on these convoys (those who need a ticket), sorted."""
    return sorted({line.household_id for convoy in convoys for trip in convoy.trips
                   for line in trip.lines if line.persons})


@dataclass(frozen=True, slots=True)
class ManifestInput:
    """What a manifest is made of; the records are those the reader may see.

    ``households`` maps a household id to its :func:`visible_household` record and ``persons``
    a person id to its :func:`visible_person` record; a household or person missing from them
    is one the reader may not read (another site's) and is shown by id only. ``tickets`` maps a
    household id to its ticket's QR payload.
    """

    plan: Plan
    operation: Operation
    households: Mapping[str, Mapping[str, Any]]
    persons: Mapping[str, Mapping[str, Any]]
    tickets: Mapping[str, str]
    medical: bool = False
    """Whether the reader may see medical fields: else (the default: nothing medical unless
    said) no stretcher is shown, and an ambulance's people are counted without telling seats
    from stretchers."""


def manifest_pdf(source: ManifestInput, *, language: Language, created_at: datetime,
                 convoy_ids: Sequence[str] | None = None,
                 progress: Progress = no_progress) -> bytes:
    """The manifests of ``convoy_ids`` (all convoys when None) as PDF bytes.

    ``created_at`` (with a time zone) is printed in the footer and written as the PDF's date;
    the same input and ``created_at`` give the same bytes. ``progress(done, total)`` counts
    manifest lines drawn (a household on a vehicle). :class:`NotFound` for a convoy the plan
    does not have; :class:`InvalidValue` for a naive ``created_at``.
    """
    if created_at.tzinfo is None or created_at.utcoffset() is None:
        raise InvalidValue("created_at needs a time zone", "created_at")
    if language not in LANGUAGES:
        raise InvalidValue(f"a manifest is in one of {', '.join(LANGUAGES)}, not {language!r}",
                           "language")
    plan, operation = source.plan, source.operation
    if plan.operation_id != operation.operation_id:
        raise InvalidValue(f"the plan is operation {plan.operation_id}'s, not "
                           f"{operation.operation_id}'s", "plan")
    convoys = chosen_convoys(plan, convoy_ids)
    if not convoys:
        raise NotFound(f"plan of operation {plan.operation_id} has no convoy to print")
    when = f"{created_at.astimezone(UTC):%Y-%m-%d %H:%M}"
    title = label("title", language)
    document = Document(f"{title}: {operation.name}", language=language, created_at=created_at,
                        subject=", ".join(c.convoy_id for c in convoys),
                        footer=f"{title} · {isolated(operation.operation_id)} · "
                               f"{label('printed', language, when=when)}")
    writer = _Writer(source, document, language)
    writer.cover(convoys)
    total = sum(len(trip.lines) for convoy in convoys for trip in convoy.trips)
    done = 0
    progress(0, total)
    for number, convoy in enumerate(convoys):
        if number:
            document.page_break()
        done = writer.convoy(convoy, done, total, progress)
    return document.to_bytes()


class _Writer:
    """Draws a manifest's sections into one document."""

    def __init__(self, source: ManifestInput, document: Document, language: Language) -> None:
        self.source = source
        self.document = document
        self.language = language
        operation = source.operation
        self.vehicles = {vehicle.vehicle_id: vehicle for vehicle in operation.vehicles()}
        self.assembly_points = {site.site_id: site.name for site in operation.assembly_points}
        self.columns = _person_columns(source.persons.values())

    def text(self, key: str, **values: object) -> str:
        return label(key, self.language, **values)

    def cover(self, convoys: Sequence[Convoy]) -> None:
        operation = self.source.operation
        document = self.document
        document.heading(f"{self.text('title')}: {operation.name}")
        document.paragraph(self.text("operation", name=operation.operation_id))
        document.paragraph(self.text("agreement", version=self.source.plan.agreement_version))
        ids = ", ".join(convoy.convoy_id for convoy in convoys)
        document.paragraph(self.text("convoys", ids=ids))
        document.paragraph(self.text("personal_data"), bold=True)
        document.paragraph(self.text("ticket_note"))

    def convoy(self, convoy: Convoy, done: int, total: int, progress: Progress) -> int:
        document = self.document
        destination = self.source.operation.destination(convoy.destination).name
        document.heading(self.text("convoy", id=convoy.convoy_id))
        document.paragraph(self.text("convoy_line", day=f"{convoy.day:%Y-%m-%d}",
                                     time=f"{convoy.departure:%H:%M}", destination=destination))
        households = {line.household_id for trip in convoy.trips for line in trip.lines
                      if line.persons}
        document.key_figures([
            KeyFigure(self.text("people"), f"{convoy.people:,}"),
            KeyFigure(self.text("households"), f"{len(households):,}"),
            KeyFigure(self.text("vehicles"), f"{len(convoy.trips):,}"),
            KeyFigure(self.text("departure"), f"{convoy.departure:%H:%M}"),
        ])
        for trip in convoy.trips:
            document.heading(self._trip_title(trip), 2)
            if trip.kind is VehicleKind.LUGGAGE_TRUCK:
                document.table([Column(self.text("household_id"), 2),
                                Column(self.text("pieces"), 1, "end")],
                               [[line.household_id, f"{line.luggage_pieces:,}"]
                                for line in trip.lines])
                done += len(trip.lines)
                progress(done, total)
                continue
            for line in trip.lines:
                self._household(convoy, line.household_id, line.persons, line.on_stretcher,
                                line.luggage_pieces)
                done += 1
                if done % 50 == 0:
                    progress(done, total)
        progress(done, total)
        return done

    def _trip_title(self, trip: VehicleTrip) -> str:
        vehicle = self.vehicles.get(trip.vehicle_id)
        if vehicle is None:
            raise InvalidValue(f"the plan puts vehicle {trip.vehicle_id} on the road, and the "
                               "operation's fleet has no such vehicle", "vehicle_id")
        name = self.text(trip.kind.value, id=trip.vehicle_id)
        if trip.kind is VehicleKind.LUGGAGE_TRUCK:
            return f"{name} · " + self.text("luggage_used", used=f"{trip.luggage_pieces:,}",
                                             capacity=f"{vehicle.luggage_capacity:,}")
        if trip.kind is VehicleKind.AMBULANCE and not self.source.medical:
            return f"{name} · " + self.text("people_aboard", count=trip.seated + trip.on_stretchers)
        parts = [self.text("seats_used", used=trip.seated, seats=vehicle.seats)]
        if trip.kind is VehicleKind.AMBULANCE:
            parts.append(self.text("stretchers_used", used=trip.on_stretchers,
                                   stretchers=vehicle.stretchers))
        return f"{name} · " + " · ".join(parts)

    def _household(self, convoy: Convoy, household_id: str, person_ids: Sequence[str],
                   on_stretcher: Sequence[str], luggage_pieces: int) -> None:
        source = self.source
        record = source.households.get(household_id)
        lines = []
        if record is None:
            lines.append(self.text("outside_sites"))
        else:
            point = record.get("assembly_point")
            if point is not None:
                lines.append(self.text("assembly_point",
                                       name=self.assembly_points.get(point, point)))
        if luggage_pieces:
            lines.append(self.text("luggage", count=luggage_pieces))
        # A stretcher is medical detail: marked only where the reader may see it (the person's
        # record then says needs_stretcher).
        stretchers = {person_id for person_id in on_stretcher
                      if source.persons.get(person_id, {}).get("needs_stretcher")}
        rows = [self._person_row(person_id, convoy.day.year, person_id in stretchers)
                for person_id in person_ids]
        title = (f"{self.text('household', id=household_id)} · "
                 f"{self.text('on_vehicle', count=len(person_ids))}")
        self.document.qr_block(source.tickets.get(household_id), title=title, lines=lines,
                               columns=[Column(self.text(key), weight, align)
                                        for key, weight, align in self.columns],
                               rows=rows, size_mm=TICKET_MM, no_code=self.text("no_ticket"))

    def _person_row(self, person_id: str, year: int, stretcher: bool) -> list[str]:
        record = self.source.persons.get(person_id, {"person_id": person_id})
        cells = []
        for key, _weight, _align in self.columns:
            if key == "person_id":
                cells.append(person_id)
            elif key == "name":
                cells.append(str(record.get("name", "")))
            elif key == "sex":
                sex = record.get("sex")
                cells.append(self.text(str(sex)) if sex is not None else "")
            elif key == "age":
                cells.append(_age(record, year))
            else:
                notes = [self.text("stretcher")] if stretcher else []
                notes += [self.text(str(need)) for need in record.get("vulnerabilities", ())
                          if not (stretcher and need == "medical_emergency")]
                cells.append(", ".join(notes) if self.language == "en" else "، ".join(notes))
        return cells


def _person_columns(records: Any) -> list[tuple[str, float, Align]]:
    """The person columns the records allow: an id always, the rest if any record has them."""
    keys: set[str] = set()
    for record in records:
        keys.update(record)
    columns: list[tuple[str, float, Align]] = [("person_id", 1.3, "start")]
    if "name" in keys:
        columns.append(("name", 3.2, "start"))
    if "sex" in keys:
        columns.append(("sex", 0.9, "start"))
    if "age" in keys or "birth_year" in keys:
        columns.append(("age", 0.6, "end"))
    columns.append(("notes", 2.0, "start"))
    return columns


def _age(record: Mapping[str, Any], year: int) -> str:
    birth_year = record.get("birth_year")
    if isinstance(birth_year, int):
        return str(max(0, year - birth_year))
    age = record.get("age")
    return str(age) if isinstance(age, int) else ""
