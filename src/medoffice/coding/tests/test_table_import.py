"""`medoffice codes import-table KIND FILE`: each layout, idempotent, atomic, errors by line."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from medoffice.audit.models import AuditEvent
from medoffice.coding.models import (
    AdjustmentReason,
    CodePairEdit,
    MedicallyUnlikelyEdit,
    ProcedureCode,
    RemarkCode,
)
from medoffice.coding.table_import import KINDS

CARC = """code,description,start_date,stop_date
16,Claim lacks information,1995-01-01,
A1,Claim or service denied,19950101,
300,Test reason retired,2020-01-01,2022-12-31
"""
RARC = """M76,Diagnosis missing or invalid
MA130,Incomplete claim: send a new one,2001-01-01,
N999,Invented remark for a test,,
"""
MUE = """CMS notice: this line and the next are above the header
"Current Procedural Terminology (CPT) is copyright ..."
HCPCS/CPT Code,Practitioner Services MUE Values,MUE Adjudication Indicator,MUE Rationale
99213,1,2 Date of Service Edit: Policy,Nature of Service/Procedure
J9999,50,3 Date of Service Edit: Clinical,Clinical: Data
20999,3,1 Line Edit,Anatomic Consideration
"""
NCCI = (
    "CPT Codes and Modifier Indicator for practitioners\n"
    "Column 1\tColumn 2\t*=in existence prior to 1996\tEffective Date\tDeletion Date *=no data"
    "\tModifier 0=not allowed 1=allowed 9=not applicable\tPTP Edit Rationale\n"
    "0001A\t0591T\t\t20210101\t*\t1\tMisuse of column two code with column one code\n"
    "11900\t11901\t*\t19960101\t20001231\t0\tMutually exclusive procedures\n"
    "11900\t11901\t\t20240101\t*\t9\tRe-added for a test\n"
)
HCPCS_TSV = (
    "HCPC\tSEQNUM\tRECID\tLONG DESCRIPTION\tSHORT DESCRIPTION\tACT EFF DT\tTERM DT\n"
    "A0021\t00100\t3\tAmbulance service, outside state per mile,\tOutside state ambulance serv\t20000101\t\n"
    "A0021\t00200\t4\ttransport (Medicaid only)\t\t\t\n"
    "AA\t00100\t7\tAnesthesia by anesthesiologist\tAnes svcs by anesthesiologist\t\t\n"
    "K9999\t00100\t3\tA retired test code\tRetired test code\t20000101\t20191231\n"
)  # fmt: skip
HCPCS_CSV = (
    "HCPC,SEQNUM,RECID,LONG DESCRIPTION,SHORT DESCRIPTION\n"
    'J1885,00100,3,"Injection, ketorolac, per 15 mg",Ketorolac inj\n'
)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def snapshot(kind: str) -> list[dict]:
    if kind == "hcpcs":
        return list(ProcedureCode.objects.order_by("code").values())
    return list(apps.get_model("coding", KINDS[kind].model).objects.order_by("pk").values())


def run(kind, path):
    call_command("codes", "import-table", kind, "--quiet", str(path))


def test_carc_import_and_reimport_changes_nothing(db, tmp_path, capsys):
    path = write(tmp_path, "carc.csv", CARC)
    run("carc", path)
    assert "2 created, 1 updated" in capsys.readouterr().out  # 16 was a starter code
    reason = AdjustmentReason.objects.get(code="16")
    assert (reason.description, reason.start_date, reason.source) == (
        "Claim lacks information", date(1995, 1, 1), "carc.csv"
    )  # fmt: skip
    assert AdjustmentReason.objects.get(code="300").stop_date == date(2022, 12, 31)
    before = snapshot("carc")
    run("carc", path)
    assert "0 created, 0 updated, 3 unchanged" in capsys.readouterr().out
    assert snapshot("carc") == before
    assert AuditEvent.objects.filter(object_type="code_table", object_id="carc").count() == 2


def test_rarc_without_header(db, tmp_path):
    run("rarc", write(tmp_path, "rarc.csv", RARC))
    assert RemarkCode.objects.get(code="N999").description == "Invented remark for a test"
    assert RemarkCode.objects.get(code="MA130").start_date == date(2001, 1, 1)


def test_mue_skips_the_notice_and_reads_the_indicator_digit(db, tmp_path, capsys):
    path = write(tmp_path, "MCR_MUE_PractitionerServices.csv", MUE)
    run("mue", path)
    assert MedicallyUnlikelyEdit.objects.get(code="J9999").max_units == 50
    edit = MedicallyUnlikelyEdit.objects.get(code="20999")
    assert (edit.adjudication, edit.rationale) == (1, "Anatomic Consideration")
    before = snapshot("mue")
    run("mue", path)
    assert "0 updated" in capsys.readouterr().out.splitlines()[-1]
    assert snapshot("mue") == before


def test_ncci_tab_separated_with_deleted_and_readded_edits(db, tmp_path, capsys):
    path = write(tmp_path, "ccipra-v312r0-f1.txt", NCCI)
    run("ncci", path)
    assert "3 created" in capsys.readouterr().out
    old, new = CodePairEdit.objects.filter(column1="11900").order_by("effective_date")
    assert (old.deletion_date, old.modifier_indicator) == (date(2000, 12, 31), "0")
    assert (new.deletion_date, new.modifier_indicator) == (None, "9")
    before = snapshot("ncci")
    run("ncci", path)
    assert "0 created, 0 updated, 3 unchanged" in capsys.readouterr().out
    assert snapshot("ncci") == before


def test_hcpcs_tab_export_feeds_the_procedure_codes(db, tmp_path, capsys):
    path = write(tmp_path, "HCPC2026_JAN.tsv", HCPCS_TSV)
    run("hcpcs", path)
    code = ProcedureCode.objects.get(code="A0021")
    assert (code.system, code.description, code.effective_date) == (
        "HCPCS", "Outside state ambulance serv", date(2000, 1, 1)
    )  # fmt: skip
    assert code.long_description.endswith("per mile, transport (Medicaid only)")
    assert not ProcedureCode.objects.filter(code="AA").exists()
    assert ProcedureCode.objects.get(code="K9999").active is False
    before = snapshot("hcpcs")
    run("hcpcs", path)
    assert "0 created, 0 updated, 2 unchanged" in capsys.readouterr().out
    assert snapshot("hcpcs") == before


def test_hcpcs_comma_separated_export(db, tmp_path):
    run("hcpcs", write(tmp_path, "hcpc.csv", HCPCS_CSV))
    assert ProcedureCode.objects.get(code="J1885").description == "Ketorolac inj"


@pytest.mark.parametrize(
    "kind, text, message",
    [
        ("carc", CARC + "16,Again\n", "line 5: 16 appears again (first on line 2)"),
        ("carc", "code,description\n1,Deductible\nXYZ9,Bad\n", "line 3: 'XYZ9' is not a CARC code"),
        ("carc", "1,Deductible,2024-05-01,2024-01-01\n", "line 1: 1 stops before it starts"),
        ("carc", "1,Deductible,31/31/2024\n", "line 1: start date '31/31/2024' is not a date"),
        ("rarc", RARC + "Q12,Not a remark\n", "line 4: 'Q12' is not a RARC code"),
        ("rarc", "M76,\n", "line 1: M76 has no description"),
        ("mue", MUE + "99214,one,2,Policy\n", "line 7: 99214: MUE value 'one' is not a whole number"),
        ("mue", MUE + "99214,1,5 Something,Policy\n", "line 7: 99214: MUE adjudication indicator"),
        ("mue", "99213,1,2,Policy\n", 'No header line starting with "HCPCS/CPT Code"'),
        ("ncci", NCCI + "11900\t11901\t\t2024-13-01\t*\t1\tx\n", "line 6: effective date '2024-13-01'"),
        ("ncci", NCCI + "11900\t11902\t\t20240101\t*\t2\tx\n", "line 6: 11900/11902: modifier indicator '2'"),
        ("ncci", NCCI + "11900\t11903\t\t20240101\t20230101\t1\tx\n", "line 6: 11900/11903 is deleted before"),
        ("ncci", NCCI + "11900\t\t\t20240101\t*\t1\tx\n", "line 6: '' is not a column 2 code"),
        ("ncci", "just a title\n", "No edits found"),
        ("hcpcs", HCPCS_TSV + "A0022\t00100\t9\tx\ty\t\t\n", "line 6: RECID '9'"),
        ("hcpcs", HCPCS_TSV + "A0023\t00200\t4\tmore\t\t\t\n", "line 6: continuation line for 'A0023'"),
        ("hcpcs", HCPCS_TSV + "A0021\t00100\t3\tx\tAgain\t\t\n", "line 6: A0021 appears again"),
        ("hcpcs", "HCPC,RECID,SHORT DESCRIPTION\nA0021,3,x\n", "line 1: the header lacks the column(s) long description"),
        ("dx-rules", "99213,E11 1234\n", "line 1: '1234' is not an ICD-10-CM code or prefix"),
        ("modifiers", "25,Separate visit\nABC,Too long\n", "line 2: 'ABC' is not a modifier"),
        ("pos", "11,Office\n1,Short\n", "line 2: '1' is not a place-of-service code"),
    ],
)  # fmt: skip
def test_bad_lines_name_file_and_line_and_nothing_is_imported(db, tmp_path, kind, text, message):
    before = snapshot(kind)
    path = write(tmp_path, "bad-input.txt", text)
    with pytest.raises(CommandError, match=re.escape(f"bad-input.txt: {message}")) as raised:
        run(kind, path)
    assert str(raised.value).endswith("Nothing was imported.")
    assert snapshot(kind) == before


def test_import_is_atomic_when_the_database_fails(db, tmp_path, monkeypatch):
    from medoffice.coding import table_import

    def boom(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("medoffice.audit.services.audit_record", boom)
    before = snapshot("ncci")
    with pytest.raises(RuntimeError):
        table_import.table_import(path=write(tmp_path, "ncci.txt", NCCI), kind="ncci")
    assert snapshot("ncci") == before


def test_missing_file_and_count(db, tmp_path, capsys):
    with pytest.raises(CommandError, match="no such file"):
        run("carc", tmp_path / "nope.csv")
    call_command("codes", "count")
    out = capsys.readouterr().out
    assert "carc (adjustment reasons (CARC)): " in out and "ncci (NCCI code-pair edits): " in out
