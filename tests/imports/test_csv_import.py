import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from medoffice.imports.csv_import import (
    CsvImportError,
    auto_match,
    csv_commit,
    csv_dry_run,
    mapping_save,
    read_csv,
)
from medoffice.imports.models import ImportStatus
from medoffice.patients.models import Coverage, Patient

pytestmark = pytest.mark.django_db

# The shape of a demographics export from another practice system (Windows line ends).
EXPORT = (
    "Account #,Patient Last Name,Patient First Name,MI,DOB,Sex,Address,City,State,Zip,"
    "Home Phone,Email,Insurance,Member ID,Group #,Effective Date\r\n"
    "A-100,Okafor,Aisha,B,03/04/1970,F,12 Elm St,Springfield,IL,62701,(217) 555-0142,"
    "aisha@example.org,Aetna,W100200300,G-77,01/01/2025\r\n"
    "A-101,Lindgren,Erik,,1985-11-30,male,4 Oak Ave,Springfield,Illinois,62702,"
    "217-555-0199,,60054,W555666777,,\r\n"
    "A-102,Castillo,Rosa,,13/45/1990,Q,9 Pine Rd,Springfield,IL,62703,12345,,Nowhere Health,"
    "??,,\r\n"
)


@pytest.fixture
def mapping(practice, payer):
    headers, _ = read_csv(EXPORT.encode())
    return mapping_save(practice=practice, name="oldsystem", columns=auto_match(headers))


def test_columns_are_matched_by_their_header_names():
    headers, _ = read_csv(EXPORT.encode())
    matched = auto_match(headers)
    assert matched["source_id"] == "Account #"
    assert matched["first_name"] == "Patient First Name"
    assert matched["dob"] == "DOB"
    assert matched["payer"] == "Insurance"
    assert matched["member_id"] == "Member ID"
    assert matched["coverage_start"] == "Effective Date"


def test_dry_run_says_per_row_what_would_happen_and_changes_nothing(practice, mapping):
    run = csv_dry_run(EXPORT.encode(), practice=practice, mapping=mapping, name="export.csv")
    assert run.status == ImportStatus.DRY_RUN
    lines = {line["id"]: line for line in run.report}
    assert lines["A-100"]["outcome"] == "create"
    assert lines["A-101"]["outcome"] == "create"  # payer by its payer id, state spelled out
    bad = lines["A-102"]
    assert bad["outcome"] == "skip"
    for text in ("dob: '13/45/1990' is not a date", "sex_at_birth: 'Q' is not a sex code",
                 "home_phone: '12345'", "payer: no payer named", "member_id: '??'"):  # fmt: skip
        assert text in bad["detail"]
    assert Patient.objects.count() == 0


def test_commit_imports_the_good_rows_and_a_second_commit_changes_nothing(practice, mapping):
    data = EXPORT.encode()
    dry = csv_dry_run(data, practice=practice, mapping=mapping, name="export.csv")
    run = csv_commit(data, dry_run=dry)
    assert (run.created, run.failed) == (2, 1)
    aisha = Patient.objects.get(last_name="Okafor")
    assert aisha.home_phone == "+12175550142"
    assert aisha.middle_name == "B"
    coverage = Coverage.objects.get(patient=aisha)
    assert (coverage.member_id, coverage.group_number) == ("W100200300", "G-77")
    assert str(coverage.effective_start) == "2025-01-01"
    assert Patient.objects.get(last_name="Lindgren").state == "IL"
    again = csv_commit(data, dry_run=csv_dry_run(data, practice=practice, mapping=mapping,
                                                 name="export.csv"))  # fmt: skip
    assert (again.created, again.linked, again.unchanged) == (0, 0, 2)
    assert Patient.objects.count() == 2
    assert Coverage.objects.count() == 2


def test_a_changed_row_is_an_update_of_the_same_patient(practice, mapping):
    data = EXPORT.encode()
    csv_commit(data, dry_run=csv_dry_run(data, practice=practice, mapping=mapping, name="e.csv"))
    moved = EXPORT.replace("12 Elm St", "77 Birch Ln").encode()
    dry = csv_dry_run(moved, practice=practice, mapping=mapping, name="e.csv")
    line = next(line for line in dry.report if line["id"] == "A-100")
    assert line["outcome"] == "update"
    assert "address1" in line["detail"]
    csv_commit(moved, dry_run=dry)
    assert Patient.objects.get(last_name="Okafor").address1 == "77 Birch Ln"
    assert Patient.objects.count() == 2


def test_the_commit_refuses_a_file_that_changed_since_its_dry_run(practice, mapping):
    dry = csv_dry_run(EXPORT.encode(), practice=practice, mapping=mapping, name="e.csv")
    with pytest.raises(CsvImportError, match="changed since its dry run"):
        csv_commit(EXPORT.replace("Aisha", "Ayesha").encode(), dry_run=dry)
    assert Patient.objects.count() == 0


def test_the_command_saves_a_mapping_dry_runs_then_commits(practice, payer, tmp_path, capsys):
    path = tmp_path / "export.csv"
    path.write_bytes(EXPORT.encode())
    with pytest.raises(CommandError, match="run --dry-run first"):
        call_command("import_csv", str(path), "--mapping", "old")
    call_command("import_csv", str(path), "--mapping", "old", "--dry-run")
    out = capsys.readouterr().out
    assert "Mapping 'old' saved" in out
    assert "2 would be created" in out
    assert Patient.objects.count() == 0
    call_command("import_csv", str(path), "--mapping", "old")
    assert "2 were created" in capsys.readouterr().out
    assert Patient.objects.count() == 2
    path.write_bytes(EXPORT.replace("Aisha", "Ayesha").encode())
    with pytest.raises(CommandError, match="changed since its dry run"):
        call_command("import_csv", str(path), "--mapping", "old")
