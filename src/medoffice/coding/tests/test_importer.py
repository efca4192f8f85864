"""`medoffice codes import`: CSV and CMS fixed-width files, idempotent, atomic, errors by line."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from medoffice.audit.models import AuditEvent
from medoffice.coding.importer import CodeFileError, parse_file
from medoffice.coding.models import ProcedureCode

CPT_CSV = """code,short_description,long_description,effective_date,termination_date
99213,Office visit est low,Longer words here,2024-01-01,
0001U,Lab test example,,20230101,
99499,Unlisted E/M service,,,2020-12-31
"""


def anweb_line(code: str, kind: str, long: str, short: str = "", seq: str = "00100") -> str:
    return f"{code:<5}{seq}{kind}{long:<80}{short:<28}".ljust(320)


ANWEB = "\n".join(
    [
        anweb_line("A0021", "3", "Ambulance service, outside state per mile, transport", "Outside state ambulance serv"),
        anweb_line("A0021", "4", "(Medicaid only)", seq="00200"),
        anweb_line("AA", "7", "Anesthesia services performed personally by anesthesiologist", "Anes svcs by anesthesiologist"),
        anweb_line("J1885", "3", "Injection, ketorolac tromethamine, per 15 mg", "Ketorolac tromethamine inj"),
    ]
)  # fmt: skip


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_starter_codes_are_loaded(db):
    assert ProcedureCode.objects.filter(system="CPT", code="99213", source="starter").exists()
    assert ProcedureCode.objects.filter(system="HCPCS", code="G0439").exists()
    assert ProcedureCode.objects.count() >= 60


def test_cpt_csv_import_and_reimport_changes_nothing(db, tmp_path, capsys):
    path = write(tmp_path, "cpt2026.csv", CPT_CSV)
    call_command("codes", "import", "--system", "CPT", "--quiet", str(path))
    assert "2 created, 1 updated" in capsys.readouterr().out  # 99213 was a starter code
    code = ProcedureCode.objects.get(code="99213")
    assert (code.description, code.long_description, code.effective_date, code.source) == (
        "Office visit est low", "Longer words here", date(2024, 1, 1), "cpt2026.csv"
    )  # fmt: skip
    assert ProcedureCode.objects.get(code="99499").active is False
    before = list(ProcedureCode.objects.order_by("code").values())
    call_command("codes", "import", "--system", "cpt", "--quiet", str(path))
    assert "0 created, 0 updated, 3 unchanged" in capsys.readouterr().out
    assert list(ProcedureCode.objects.order_by("code").values()) == before
    assert AuditEvent.objects.filter(object_type="code_table", object_id="CPT").count() == 2


def test_hcpcs_fixed_width(db, tmp_path):
    path = write(tmp_path, "HCPC2026_JAN_ANWEB.txt", ANWEB, "cp1252")
    call_command("codes", "import", "--system", "HCPCS", "--quiet", str(path))
    code = ProcedureCode.objects.get(code="A0021")
    assert code.system == "HCPCS" and code.description == "Outside state ambulance serv"
    assert code.long_description.endswith("transport (Medicaid only)")
    assert not ProcedureCode.objects.filter(code="AA").exists()  # modifiers are skipped
    assert ProcedureCode.objects.get(code="J1885").description == "Ketorolac tromethamine inj"


@pytest.mark.parametrize(
    "system, text, message",
    [
        ("CPT", "code,short_description\n99213,Visit\nABCDE,Bad\n", "line 3: 'ABCDE' is not a CPT code"),
        ("CPT", "code,short_description\n99213,Visit\n99213,Again\n", "line 3: 99213 appears again (first on line 2)"),
        ("CPT", "code,short_description\n99213,\n", "line 2: 99213 has no short_description"),
        ("CPT", "code,description\n99213,Visit\n", "line 1: the header lacks the column(s) short_description"),
        ("CPT", "code,short_description,effective_date\n99213,Visit,31/31/2024\n", "line 2: effective_date"),
        ("HCPCS", "code,short_description\n99213,Visit\n", "line 2: '99213' is not a HCPCS code"),
        ("HCPCS", anweb_line("A0021", "3", "x", "y") + "\n" + anweb_line("A0022", "9", "x", "y"), "line 2: record identification code '9'"),
        ("HCPCS", anweb_line("A0021", "4", "x"), "line 1: continuation line"),
    ],
)  # fmt: skip
def test_bad_lines_are_named_and_nothing_is_imported(db, tmp_path, system, text, message):
    before = list(ProcedureCode.objects.order_by("code").values())
    path = write(tmp_path, "bad.txt", text)
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("codes", "import", "--system", system, "--quiet", str(path))
    assert list(ProcedureCode.objects.order_by("code").values()) == before


def test_import_is_atomic_when_the_database_fails(db, tmp_path, monkeypatch):
    from medoffice.coding import importer

    path = write(tmp_path, "cpt.csv", CPT_CSV)
    before = ProcedureCode.objects.count()

    def boom(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importer, "audit_record", boom, raising=False)
    monkeypatch.setattr("medoffice.audit.services.audit_record", boom)
    with pytest.raises(RuntimeError):
        importer.codes_import(path=path, system="CPT")
    assert ProcedureCode.objects.count() == before
    assert not ProcedureCode.objects.filter(code="0001U").exists()


def test_anweb_refused_for_cpt():
    with pytest.raises(CodeFileError, match="CPT comes as CSV"):
        parse_file(ANWEB.encode(), "CPT", "anweb")
    with pytest.raises(CodeFileError, match="header lacks"):
        parse_file(ANWEB.encode(), "CPT")
