from medoffice.coding import icd10
from medoffice.coding.icd10_search import search


def test_code_prefix_puts_the_typed_code_first():
    hits = search("e11")
    assert hits[0].code == "E11" and not hits[0].billable
    assert any(h.code == "E11.9" and h.billable for h in hits)


def test_words_with_prefixes():
    assert search("essential hypert")[0].code == "I10"
    codes = [h.code for h in search("diab mell type 2 without compl", limit=50)]
    assert "E11.9" in codes


def test_nothing_for_nonsense():
    assert search("zzzqqq") == [] and search("") == []


def test_lookup_and_excludes():
    assert icd10.lookup("E11") is not None and not icd10.is_billable("E11")
    assert icd10.is_billable("E11.9") and icd10.lookup("Q99.999") is None
    excludes1, _ = icd10.coding_notes("E11.9")
    assert any("type 1 diabetes" in note for note in excludes1)
