"""KoBo/ODK intake: the XLSForm, exports of it read back, and the registry they describe.

The exports are written here from registries (synthetic or the builders'), in the shapes
KoBoToolbox and ODK Central give (tests/intake_exports.py), with the column names of the XForm
pyxform makes of the generated form: the form, the export and the import must agree.
"""

from __future__ import annotations

import csv
import zipfile
from dataclasses import replace
from pathlib import Path
from xml.etree import ElementTree

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyxform.xls2xform import convert
from sqlalchemy import func, select

from corridor.domain import Category, Household, Intent, Person, Scenario, StoreError
from corridor.interop.kobo import (
    ExportFormat,
    IntakeRejected,
    Registered,
    RowProblem,
    SkipReason,
    decide,
    read_export,
    report_rows,
)
from corridor.interop.xlsform import (
    ARABIC,
    ENGLISH,
    HOUSEHOLD_FIELDS,
    MEMBER_FIELDS,
    registration_form,
    write_xlsform,
)
from corridor.security.audit import AuditRecord
from corridor.security.permissions import FIELDS, Field, Role
from corridor.store import Database
from corridor.store.intake import import_intake
from corridor.store.protection import audit_records
from corridor.store.tables import households, persons
from corridor.synthetic import generate
from tests import builders
from tests import intake_exports as exports

XFORMS = "{http://www.w3.org/2002/xforms}"


@pytest.fixture(scope="module")
def registry() -> Scenario:
    """A small synthetic al-Waer registry (a few hundred households, seeded)."""
    scenario = generate(2000, seed=11)
    keep = {h.household_id for h in scenario.households[:300]}
    kept = tuple(h for h in scenario.households[:300]
                 if h.linked_to is None or h.linked_to in keep)
    ids = {h.household_id for h in kept}
    return Scenario(scenario.operation, kept,
                    tuple(p for p in scenario.persons if p.household_id in ids))


@pytest.fixture(scope="module")
def paths(registry: Scenario) -> dict[str, str]:
    """The form's fields and their paths in a submission."""
    return exports.form_paths(registration_form(registry.operation))


def _empty(scenario: Scenario) -> Scenario:
    return Scenario(scenario.operation, (), ())


def _members(batch_households: tuple[Household, ...], everyone: tuple[Person, ...]
             ) -> tuple[Person, ...]:
    ids = {h.household_id for h in batch_households}
    return tuple(p for p in everyone if p.household_id in ids)


# -- the form -------------------------------------------------------------------------------------


@pytest.mark.parametrize("with_operation", [False, True])
def test_the_form_converts_with_pyxform_and_asks_every_field(
        with_operation: bool, tmp_path: Path) -> None:
    """The written .xlsx converts to an XForm with each household and member field bound."""
    form = registration_form(builders.operation() if with_operation else None)
    path = tmp_path / "form.xlsx"
    write_xlsform(form, path)
    warnings: list[str] = []
    xform = convert(str(path), warnings=warnings).xform
    assert warnings == []
    root = ElementTree.fromstring(xform)
    bound = {bind.attrib["nodeset"] for bind in root.iter(f"{XFORMS}bind")}
    assert "/data/consent" in bound and "/data/meta/instanceID" in bound
    assert {f"/data/household/{name}" for name in HOUSEHOLD_FIELDS} <= bound
    assert {f"/data/member/{name}" for name in MEMBER_FIELDS} <= bound
    languages = {t.attrib["lang"] for t in root.iter(f"{XFORMS}translation")}
    assert languages == {ENGLISH, ARABIC}
    repeat = next(root.iter(f"{XFORMS}repeat"))
    assert repeat.attrib["nodeset"] == "/data/member"
    assert "household_size" in repeat.attrib["{http://openrosa.org/javarosa}count"]


def test_every_row_of_the_form_speaks_both_languages() -> None:
    """Each question, group and choice has both labels; each constraint both messages."""
    form = registration_form(builders.operation())
    for row in (*form.survey, *form.choices):
        if row["type" if "type" in row else "list_name"] in {"end group", "end repeat"}:
            continue
        for language in (ENGLISH, ARABIC):
            assert row.get(f"label::{language}"), row
            if "constraint" in row:
                assert row.get(f"constraint_message::{language}"), row
            if row.get("required") == "yes":
                assert row.get(f"required_message::{language}"), row
    arabic = [row[f"label::{ARABIC}"] for row in form.survey if f"label::{ARABIC}" in row]
    assert all(any("\u0600" <= c <= "\u06ff" for c in text) for text in arabic)


def test_consent_comes_first_and_gates_the_rest() -> None:
    """Nothing but consent is asked before it, and both groups are relevant only after a yes."""
    form = registration_form()
    assert form.survey[0]["name"] == "consent" and form.survey[0]["required"] == "yes"
    gated = [row for row in form.survey if row["type"] in {"begin group", "begin repeat"}]
    assert [row["name"] for row in gated] == ["household", "member"]
    assert all(row["relevant"] == "${consent} = 'yes'" for row in gated)


def test_the_constraints_say_what_the_registry_accepts() -> None:
    """Ages 0-120, household size from 1, luggage 0-20, phone and id patterns."""
    rows = {row.get("name"): row for row in registration_form().survey}
    assert rows["age"]["constraint"] == ". >= 0 and . <= 120"
    assert rows["household_size"]["constraint"].startswith(". >= 1")
    assert rows["luggage_pieces"]["constraint"] == ". >= 0 and . <= 20"
    assert rows["phone"]["constraint"].startswith("regex(.")
    assert "regex(." in rows["household_id"]["constraint"]
    assert rows["needs_stretcher"]["relevant"] == "selected(${vulnerabilities}, " \
                                                  "'medical_emergency')"


def test_with_an_operation_its_sites_are_the_choices() -> None:
    """Assembly points and the agreement's destinations become choice lists."""
    operation = builders.operation()
    form = registration_form(operation)
    rows = {row["name"]: row for row in form.survey if "name" in row}
    assert rows["assembly_point"]["type"] == "select_one assembly_point"
    assert rows["destination_preference"]["type"] == "select_one destination"
    choices = {(c["list_name"], c["name"]) for c in form.choices}
    assert ("assembly_point", "ap-1") in choices
    assert {("destination", d) for d in operation.agreement.destinations} <= choices
    generic = {row["name"]: row for row in registration_form().survey if "name" in row}
    assert generic["assembly_point"]["type"] == "text"


# -- round trips ----------------------------------------------------------------------------------


def test_a_kobo_xlsx_export_of_the_form_imports_into_the_registry_it_describes(
        database: Database, registry: Scenario, paths: dict[str, str], tmp_path: Path) -> None:
    """Households and persons come back equal, in order, sealed, with the import audited."""
    database.import_scenario(_empty(registry), actor="test")
    export = exports.write_kobo_xlsx(tmp_path / "kobo.xlsx",
                                     exports.answers(registry.households, registry.persons),
                                     paths)
    batch = read_export(export)
    assert batch.export_format is ExportFormat.KOBO and batch.problems == ()
    outcome = import_intake(database, registry.operation.operation_id, batch, actor="registrar")
    assert (outcome.households, outcome.persons) == (len(registry.households),
                                                     len(registry.persons))
    stored = database.load_scenario(actor="test", reason="test")
    assert stored.households == registry.households
    assert stored.persons == registry.persons
    actions = [record.entry.action for record in audit_records(database)]
    assert "registry.intake" in actions


def test_an_odk_central_zip_imports_into_the_registry_it_describes(
        database: Database, paths: dict[str, str], tmp_path: Path) -> None:
    """ODK Central's ZIP (FORM.csv and FORM-member.csv, KEY and PARENT_KEY) gives the same."""
    scenario = builders.scenario()
    database.import_scenario(_empty(scenario), actor="test")
    export = exports.write_odk_zip(tmp_path / "odk.zip",
                                   exports.answers(scenario.households, scenario.persons), paths)
    batch = read_export(export)
    assert batch.export_format is ExportFormat.ODK
    import_intake(database, scenario.operation.operation_id, batch, actor="registrar")
    stored = database.load_scenario(actor="test", reason="test")
    assert (stored.households, stored.persons) == (scenario.households, scenario.persons)


@pytest.mark.parametrize("separator", [";", ","])
def test_a_kobo_csv_with_its_members_csv_reads_as_the_xlsx_does(
        registry: Scenario, paths: dict[str, str], tmp_path: Path, separator: str) -> None:
    """KoBo's CSV (group/field headers, either separator) and the member sheet as CSV."""
    answers = exports.answers(registry.households[:40], _members(registry.households[:40],
                                                                 registry.persons))
    main, _members_file = exports.write_kobo_csv(tmp_path / "kobo.csv", answers, paths,
                                                 separator)
    from_csv = read_export(main)
    from_xlsx = read_export(exports.write_kobo_xlsx(tmp_path / "kobo.xlsx", answers, paths))
    assert from_csv.problems == () and from_csv.export_format is ExportFormat.KOBO
    assert ([(s.household, s.persons) for s in from_csv.submissions]
            == [(s.household, s.persons) for s in from_xlsx.submissions])


def test_odk_central_csv_files_unzipped_read_as_the_zip_does(
        registry: Scenario, paths: dict[str, str], tmp_path: Path) -> None:
    """FORM.csv finds FORM-member.csv beside it."""
    answers = exports.answers(registry.households[:30], _members(registry.households[:30],
                                                                 registry.persons))
    unzipped = read_export(exports.write_odk_csv(tmp_path, answers, paths))
    zipped = read_export(exports.write_odk_zip(tmp_path / "odk.zip", answers, paths))
    assert unzipped.problems == () and unzipped.export_format is ExportFormat.ODK
    assert ([(s.household, s.persons) for s in unzipped.submissions]
            == [(s.household, s.persons) for s in zipped.submissions])


def test_importing_the_same_submissions_again_stores_nothing_twice(
        database: Database, paths: dict[str, str], tmp_path: Path) -> None:
    """The second import finds every household registered with the same answers."""
    scenario = builders.scenario()
    database.import_scenario(_empty(scenario), actor="test")
    export = exports.write_kobo_xlsx(tmp_path / "kobo.xlsx",
                                     exports.answers(scenario.households, scenario.persons),
                                     paths)
    operation = scenario.operation.operation_id
    import_intake(database, operation, read_export(export), actor="registrar")
    again = import_intake(database, operation, read_export(export), actor="registrar")
    assert (again.households, again.persons) == (0, 0)
    assert [s.reason for s in again.skipped] == [SkipReason.ALREADY_REGISTERED] * 3
    with database.engine.connect() as connection:
        counted = [connection.execute(select(func.count()).select_from(t)).scalar_one()
                   for t in (households, persons)]
    assert counted == [3, 5]


def test_a_second_export_adds_after_the_registry_in_order(
        database: Database, registry: Scenario, paths: dict[str, str], tmp_path: Path) -> None:
    """Two exports, one after the other: the registry reads back whole and in order."""
    first, second = registry.households[:100], registry.households[100:200]
    database.import_scenario(Scenario(registry.operation, first,
                                      _members(first, registry.persons)), actor="test")
    both = first + second
    export = exports.write_odk_zip(tmp_path / "odk.zip",
                                   exports.answers(both, _members(both, registry.persons)), paths)
    outcome = import_intake(database, registry.operation.operation_id, read_export(export),
                            actor="registrar")
    assert outcome.households == 100 and len(outcome.skipped) == 100
    stored = database.load_scenario(actor="test", reason="test")
    assert stored.households == both and stored.persons == _members(both, registry.persons)


def test_members_without_a_card_number_are_numbered_after_the_household(
        paths: dict[str, str], tmp_path: Path) -> None:
    """An empty person_id becomes HOUSEHOLD-1, HOUSEHOLD-2... in form order."""
    scenario = builders.scenario()
    answers = exports.answers(scenario.households, scenario.persons)
    for answer in answers:
        for member in answer.members:
            member["person_id"] = ""
    batch = read_export(exports.write_kobo_xlsx(tmp_path / "k.xlsx", answers, paths))
    ids = [p.person_id for s in batch.submissions for p in s.persons]
    assert ids == ["H1-1", "H1-2", "H1-3", "H2-1", "H3-1"]


# -- what is left out on purpose -----------------------------------------------------------------


def test_submissions_without_consent_or_rejected_in_review_are_not_imported(
        paths: dict[str, str], tmp_path: Path) -> None:
    """They are reported as left out, and their member rows are no problem."""
    scenario = builders.scenario()
    answers = exports.answers(scenario.households, scenario.persons)
    answers[0].main["consent"] = "no"
    answers[1].review = "rejected"
    batch = read_export(exports.write_odk_zip(tmp_path / "odk.zip", answers, paths))
    assert batch.problems == ()
    assert [s.household.household_id for s in batch.submissions] == ["H3"]
    assert [(s.row, s.reason) for s in batch.skipped] == [
        (2, SkipReason.NO_CONSENT), (3, SkipReason.REJECTED_IN_REVIEW)]


def test_a_submission_exported_twice_is_read_once(paths: dict[str, str], tmp_path: Path) -> None:
    """Two exports pasted together: the repeated rows are left out as repeated."""
    scenario = builders.scenario()
    answers = exports.answers(scenario.households, scenario.persons)
    path = tmp_path / "kobo.csv"
    main, member = exports.kobo_tables(answers + answers[:1], paths)
    path.write_text("\n".join(";".join(f'"{c}"' for c in row) for row in main))
    path.with_name("kobo-member.csv").write_text(
        "\n".join(";".join(f'"{c}"' for c in row) for row in member))
    batch = read_export(path)
    assert [s.household.household_id for s in batch.submissions] == ["H1", "H2", "H3"]
    assert [(s.row, s.reason) for s in batch.skipped] == [(5, SkipReason.REPEATED_IN_FILE)]
    assert batch.problems == ()


# -- every kind of error, all at once --------------------------------------------------------------


def _broken_answers() -> list[exports.Answer]:
    scenario = builders.scenario()
    answers = exports.answers(scenario.households, scenario.persons)
    answers[0].members[0]["name"] = ""                   # required and empty
    answers[0].members[1]["sex"] = "F"                   # not a choice (a label export)
    answers[0].members[2]["age"] = "four"                # not a whole number
    answers[1].members[0]["birth_year"] = "1700"         # a rule of the registry
    answers[2].main["household_size"] = "3"              # one member row for three people
    return answers


def test_every_problem_of_every_row_is_reported_at_once(
        paths: dict[str, str], tmp_path: Path) -> None:
    """Each problem names the file, sheet, row and field, says what is wrong and what to do."""
    batch = read_export(exports.write_kobo_xlsx(tmp_path / "kobo.xlsx", _broken_answers(),
                                                paths))
    found = {(p.sheet, p.row, p.field) for p in batch.problems}
    assert found == {("member", 2, "name"), ("member", 3, "sex"), ("member", 4, "age"),
                     ("member", 5, "birth_year"),
                     ("corridor household registrat", 4, "household_size")}
    assert batch.submissions == ()
    sex = next(p for p in batch.problems if p.field == "sex")
    assert sex.file == "kobo.xlsx" and "'F' is not a choice" in sex.problem
    assert "female, male" in sex.action and "XML values" in sex.action
    assert all(p.action and p.instance_id for p in batch.problems)


def test_a_rejected_export_stores_nothing(database: Database, paths: dict[str, str],
                                          tmp_path: Path) -> None:
    """One bad submission among good ones: IntakeRejected lists it, the registry is unchanged."""
    scenario = builders.scenario()
    database.import_scenario(_empty(scenario), actor="test")
    answers = exports.answers(scenario.households, scenario.persons)
    answers[2].members[0]["luggage_pieces"] = "40"
    batch = read_export(exports.write_odk_zip(tmp_path / "odk.zip", answers, paths))
    with pytest.raises(IntakeRejected) as rejected:
        import_intake(database, scenario.operation.operation_id, batch, actor="registrar")
    [problem] = rejected.value.rows
    assert (problem.file, problem.row, problem.field) == (
        "corridor_household_registration-member.csv", 6, "luggage_pieces")
    assert database.operations()[0].households == 0


def test_an_export_with_labels_for_headers_is_refused_whole(
        paths: dict[str, str], tmp_path: Path) -> None:
    """Headers that name no field of the form: one problem a missing column, saying why."""
    scenario = builders.scenario()
    answers = exports.answers(scenario.households, scenario.persons)
    labelled = {path: path.replace("household_id", "Registration number")
                for path in paths.values()}
    renamed = {name: labelled[path] for name, path in paths.items()}
    with pytest.raises(IntakeRejected) as rejected:
        read_export(exports.write_kobo_xlsx(tmp_path / "kobo.xlsx", answers, renamed))
    [problem] = rejected.value.rows
    assert problem.field == "household_id" and problem.row == 1
    assert "labels" in problem.problem and "XML values" in problem.action


def test_a_kobo_csv_without_its_members_says_how_to_get_them(
        paths: dict[str, str], tmp_path: Path) -> None:
    """KoBo's CSV leaves the repeat group out: refused, pointing to XLSX or --members."""
    scenario = builders.scenario()
    main, members = exports.write_kobo_csv(tmp_path / "kobo.csv", exports.answers(
        scenario.households, scenario.persons), paths)
    members.unlink()
    with pytest.raises(IntakeRejected) as rejected:
        read_export(main)
    assert "--members" in rejected.value.rows[0].action


def test_a_member_row_of_no_submission_is_a_problem(paths: dict[str, str],
                                                    tmp_path: Path) -> None:
    """A member sheet from another export: its rows' parent keys match nothing."""
    scenario = builders.scenario()
    answers = exports.answers(scenario.households, scenario.persons)
    main, member = exports.odk_tables(answers, paths)
    member.append([*member[1][:-2], "uuid:nobody", "uuid:nobody/member[1]"])
    folder = tmp_path / "odk"
    folder.mkdir()
    (folder / "f.csv").write_text("\n".join(",".join(row) for row in main))
    (folder / "f-member.csv").write_text("\n".join(",".join(row) for row in member))
    batch = read_export(folder / "f.csv")
    [problem] = batch.problems
    assert (problem.file, problem.row, problem.field) == ("f-member.csv", 7, "PARENT_KEY")


def test_a_household_needs_exactly_one_head(paths: dict[str, str], tmp_path: Path) -> None:
    """Two heads of household in one submission is a problem of its main row."""
    scenario = builders.scenario()
    answers = exports.answers(scenario.households, scenario.persons)
    answers[0].members[1]["relation"] = "head"
    batch = read_export(exports.write_kobo_xlsx(tmp_path / "k.xlsx", answers, paths))
    [problem] = batch.problems
    assert (problem.row, problem.field) == (2, "relation") and "2 heads" in problem.problem


def test_two_submissions_for_one_household_with_other_answers_are_both_problems(
        paths: dict[str, str], tmp_path: Path) -> None:
    """A registration number given to two different households: neither is taken."""
    scenario = builders.scenario()
    answers = exports.answers(scenario.households, scenario.persons)
    answers[1].main["household_id"] = "H1"
    batch = read_export(exports.write_kobo_xlsx(tmp_path / "k.xlsx", answers, paths))
    assert {(p.row, p.field) for p in batch.problems} == {(2, "household_id"),
                                                          (3, "household_id")}
    assert [s.household.household_id for s in batch.submissions] == ["H3"]


def test_sites_and_destinations_must_be_the_operations(paths: dict[str, str],
                                                       tmp_path: Path) -> None:
    """An unknown assembly point, a destination outside the agreement, a site not yours."""
    scenario = builders.scenario()
    households_ = (replace(scenario.households[0], assembly_point="ap-9"),
                   scenario.households[1],
                   replace(scenario.households[2], destination_preference="aleppo"))
    batch = read_export(exports.write_kobo_xlsx(
        tmp_path / "k.xlsx", exports.answers(households_, scenario.persons), paths))
    decision = decide(batch, scenario.operation, Registered())
    assert {(p.row, p.field) for p in decision.problems} == {
        (2, "assembly_point"), (4, "destination_preference")}
    assert decision.new == ()
    elsewhere = decide(read_export(exports.write_kobo_xlsx(
        tmp_path / "k2.xlsx", exports.answers(scenario.households, scenario.persons), paths)),
        scenario.operation, Registered(), sites=frozenset({"ap-2"}))
    assert {p.field for p in elsewhere.problems} == {"assembly_point"}
    assert "ap-2 only" in elsewhere.problems[0].problem


def test_what_the_registry_holds_decides_between_repeat_and_conflict(
        paths: dict[str, str], tmp_path: Path) -> None:
    """Registered with the same answers: left out; with others, or a person id taken: problems;
    a link to a household neither registered nor in the export: a problem."""
    scenario = builders.scenario()
    batch = read_export(exports.write_kobo_xlsx(
        tmp_path / "k.xlsx", exports.answers(scenario.households, scenario.persons), paths))
    h1, h2 = scenario.households[:2]
    registered = Registered(
        households={"H1": (h1, scenario.persons[:3]),
                    "H2": (replace(h2, phone="+963 900 000 000"), scenario.persons[3:4])},
        person_households={"P5": "H9"})
    decision = decide(batch, scenario.operation, registered)
    assert [s.reason for s in decision.already] == [SkipReason.ALREADY_REGISTERED]
    assert {(p.row, p.field) for p in decision.problems} == {(3, "household_id"),
                                                             (4, "person_id")}
    only_h3 = read_export(exports.write_kobo_xlsx(
        tmp_path / "k3.xlsx", exports.answers(scenario.households[2:], scenario.persons[4:]),
        paths))
    [link] = decide(only_h3, scenario.operation, Registered()).problems
    assert link.field == "linked_to" and "H1" in link.problem
    assert decide(only_h3, scenario.operation,
                  Registered(linked=frozenset({"H1"}))).problems == ()


def test_skip_invalid_keeps_the_good_and_drops_what_links_to_the_bad(
        paths: dict[str, str], tmp_path: Path) -> None:
    """H1 is bad; H3 travels with H1, so it is left out too; H2 is stored."""
    scenario = builders.scenario()
    answers = exports.answers(scenario.households, scenario.persons)
    answers[0].members[0]["sex"] = "F"
    batch = read_export(exports.write_kobo_xlsx(tmp_path / "k.xlsx", answers, paths))
    strict = decide(batch, scenario.operation, Registered())
    assert strict.new == () and len(strict.problems) == 1
    lenient = decide(batch, scenario.operation, Registered(), skip_invalid=True)
    assert [s.household.household_id for s in lenient.new] == ["H2"]
    assert {(p.row, p.field) for p in lenient.problems} == {(2, "sex"), (4, "linked_to")}


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(broken=st.sets(st.integers(0, 39), max_size=12))
def test_with_skip_invalid_exactly_the_unbroken_households_are_new(
        broken: set[int], registry: Scenario, paths: dict[str, str],
        tmp_path_factory: pytest.TempPathFactory) -> None:
    """Whatever rows are broken, the new households are the others (and those they link to)."""
    chosen = tuple(h for h in registry.households[:40] if h.linked_to is None)
    answers = exports.answers(chosen, _members(chosen, registry.persons))
    for index in broken:
        if index < len(answers):
            answers[index].members[0]["category"] = "fighter"
    folder = tmp_path_factory.mktemp("export")
    batch = read_export(exports.write_odk_zip(folder / "odk.zip", answers, paths))
    decision = decide(batch, registry.operation, Registered(), skip_invalid=True)
    expected = [h for index, h in enumerate(chosen) if index not in broken]
    assert list(decision.households) == expected
    assert {p.instance_id for p in decision.problems} == {
        answers[index].instance_id for index in broken if index < len(chosen)}


# -- store edges ----------------------------------------------------------------------------------


def test_the_registry_changing_meanwhile_stores_nothing(
        database: Database, paths: dict[str, str], tmp_path: Path) -> None:
    """A household judged new but stored by someone else before the write: refused whole."""
    from corridor.store.intake import append, registered_facts

    scenario = builders.scenario()
    database.import_scenario(_empty(scenario), actor="test")
    batch = read_export(exports.write_kobo_xlsx(
        tmp_path / "k.xlsx", exports.answers(scenario.households, scenario.persons), paths))
    operation = scenario.operation.operation_id
    registered = registered_facts(database, operation, batch, actor="a", reason="test")
    decision = decide(batch, scenario.operation, registered)
    import_intake(database, operation, batch, actor="b")
    with pytest.raises(StoreError, match="changed"):
        append(database, operation, decision, registered, actor="a", reason="test",
               source="k.xlsx")
    assert database.operations()[0].households == 3


def test_comparing_with_registered_households_is_audited(
        database: Database, paths: dict[str, str], tmp_path: Path) -> None:
    """Opening stored households to compare them is a read of personal data: audited."""
    scenario = builders.scenario()
    database.import_scenario(scenario, actor="test")
    batch = read_export(exports.write_kobo_xlsx(
        tmp_path / "k.xlsx", exports.answers(scenario.households, scenario.persons), paths))
    import_intake(database, scenario.operation.operation_id, batch, actor="registrar",
                  reason="weekly intake")
    records: list[AuditRecord] = list(audit_records(database))
    last = records[-1].entry
    assert (last.actor, last.action, last.reason) == ("registrar", "registry.read",
                                                      "weekly intake")
    assert "3 households compared" in last.subject


def test_a_registrar_cannot_learn_a_hidden_field_by_resubmitting(
        database: Database, paths: dict[str, str], tmp_path: Path) -> None:
    """A registrar (who may not see category) resubmits registered households with the
    category changed: the answer is the same as for the registry's own answers, so it does not
    tell who is a combatant (a review guessed three households right that way). A coordinator,
    who may see category, is told the answers differ."""
    scenario = builders.scenario()
    database.import_scenario(scenario, actor="test")
    operation = scenario.operation.operation_id
    flipped = tuple(replace(person, category=Category.COMBATANT if person.category is
                            Category.CIVILIAN else Category.CIVILIAN)
                    for person in scenario.persons)
    registrar = FIELDS[Role.REGISTRAR]
    assert Field.CATEGORY not in registrar
    answers = {}
    for name, members in (("same", scenario.persons), ("flipped", flipped)):
        batch = read_export(exports.write_kobo_xlsx(
            tmp_path / f"{name}.xlsx", exports.answers(scenario.households, members), paths))
        outcome = import_intake(database, operation, batch, actor="registrar",
                                fields=registrar)
        answers[name] = ([s.reason for s in outcome.skipped], outcome.problems)
    assert answers["same"] == answers["flipped"] == (
        [SkipReason.ALREADY_REGISTERED] * 3, ())
    batch = read_export(exports.write_kobo_xlsx(
        tmp_path / "coordinator.xlsx", exports.answers(scenario.households, flipped), paths))
    with pytest.raises(IntakeRejected) as refused:
        import_intake(database, operation, batch, actor="coordinator",
                      fields=FIELDS[Role.COORDINATOR])
    assert {row.field for row in refused.value.rows} == {"household_id"}


def test_the_report_lists_problems_then_what_was_left_out(tmp_path: Path) -> None:
    """One row a problem or left-out submission, with what to do."""
    problem = RowProblem("k.xlsx", "member", 3, "sex", "'F' is not a choice", "use female",
                         "abc")
    rows = report_rows([problem], [])
    assert rows[0][:4] == ["outcome", "file", "sheet", "row"]
    assert rows[1] == ["problem", "k.xlsx", "member", "3", "abc", "sex", "'F' is not a choice",
                       "use female"]


def test_unreadable_files_are_refused_with_what_to_do(tmp_path: Path) -> None:
    """A missing file, a damaged ZIP, a file of another kind."""
    cases = {"missing.csv": None, "broken.zip": b"not a zip", "notes.txt": b"hello"}
    for name, content in cases.items():
        path = tmp_path / name
        if content is not None:
            path.write_bytes(content)
        with pytest.raises(IntakeRejected) as rejected:
            read_export(path)
        [problem] = rejected.value.rows
        assert problem.file == name and problem.action


def test_an_odk_zip_of_another_form_is_refused(tmp_path: Path) -> None:
    """A ZIP with two submission tables is not ODK Central's export of the corridor form."""
    path = tmp_path / "odk.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.csv", "KEY\n")
        archive.writestr("b.csv", "KEY\n")
    with pytest.raises(IntakeRejected) as rejected:
        read_export(path)
    assert "2 submission tables" in rejected.value.rows[0].problem


def test_a_member_intent_overrides_the_household_intent(paths: dict[str, str],
                                                        tmp_path: Path) -> None:
    """The head of a leaving household who stays under the settlement keeps his own intent."""
    scenario = builders.scenario()
    answers = exports.answers(scenario.households[:1], scenario.persons[:3])
    answers[0].members[0]["member_intent"] = "stay"
    batch = read_export(exports.write_kobo_xlsx(tmp_path / "k.xlsx", answers, paths))
    intents = [p.intent for p in batch.submissions[0].persons]
    assert intents == [Intent.STAY, Intent.LEAVE, Intent.LEAVE]


def test_a_report_csv_round_trips_through_the_csv_module(tmp_path: Path) -> None:
    """The report is plain CSV that a spreadsheet opens."""
    from corridor.interop.kobo import Skipped, write_report

    path = tmp_path / "report.csv"
    write_report(path, [], [Skipped("k.xlsx", None, 2, "abc", SkipReason.NO_CONSENT,
                                    "the head of household did not consent")])
    rows = list(csv.reader(path.open(encoding="utf-8")))
    assert rows[1][0] == "not imported: no_consent" and rows[1][4] == "abc"
