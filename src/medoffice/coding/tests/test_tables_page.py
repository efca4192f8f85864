"""/coding/tables/: the coders' search across the code tables, and the excludes notes."""

from __future__ import annotations

import pytest

from medoffice.coding.selectors import excludes_notes, tables_search
from medoffice.core.navigation import visible_items
from medoffice.testing.personas import persona, signed_in_client

CODERS = ["biller", "clinician", "nurse", "manager", "compliance"]


def test_search_finds_codes_and_words_across_tables(db):
    titles = {h.spec.key: h for h in tables_search(query="25")}
    assert ("25", titles["modifiers"].rows[0][1]) == titles["modifiers"].rows[0][:2]
    bundled = tables_search(query="bundled")
    assert any(row[0] == "97" for h in bundled if h.spec.key == "carc" for row in h.rows)
    ncci = tables_search(query="93005", table="ncci")
    assert [h.spec.key for h in ncci] == ["ncci"] and ncci[0].rows[0][:2] == ("93000", "93005")
    rules = tables_search(query="83036", table="dx_rules")
    assert "E11" in [row[1] for row in rules[0].rows]
    assert tables_search(query="  ") == []
    assert tables_search(query="zzzz-nothing") == []


def test_excludes_notes_come_from_the_code_and_its_categories():
    notes = excludes_notes("e11.9")
    assert notes is not None and notes.code == "E11.9"
    assert any("E10" in n for n in notes.excludes1)  # stated at category E11
    j45 = excludes_notes("J45.909")
    assert j45 is not None and "wheezing NOS (R06.2)" in j45.excludes1  # from category J45
    assert any("J44.89" in n for n in j45.excludes2)
    assert excludes_notes("E11").code == "E11"
    assert excludes_notes("Q99.99X") is None
    assert excludes_notes("") is None


@pytest.mark.parametrize("role", CODERS)
def test_coders_search_live(db, role):
    client = signed_in_client(persona(role))
    page = client.get("/coding/tables/", {"q": "XS"}).content.decode()
    assert "Separate organ or structure" in page
    response = client.get("/coding/tables/results/", {"q": "E11.9"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and "Excludes1" in body and "<html" not in body
    assert response["HX-Replace-Url"] == "/coding/tables/?q=E11.9"
    filtered = client.get("/coding/tables/results/", {"q": "11", "table": "pos"})
    assert "Office" in filtered.content.decode() and "Modifiers" not in filtered.content.decode()
    assert any(item.key == "code_tables" for item in visible_items([role]))


@pytest.mark.parametrize("role", ["frontdesk", "purchasing", "hr"])
def test_others_are_refused(db, role):
    client = signed_in_client(persona(role))
    assert client.get("/coding/tables/", {"q": "25"}).status_code == 403
    assert client.get("/coding/tables/results/", {"q": "25"}).status_code == 403
    assert not any(item.key == "code_tables" for item in visible_items([role]))
