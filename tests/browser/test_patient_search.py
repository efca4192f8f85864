"""The front desk finds a patient from a misspelled name as they type, and opens the record."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from medoffice.patients.tests.search_support import make_patient
from medoffice.testing.personas import persona

from .conftest import PHONE
from .flows import check_accessibility_basics, nav_link, open_sign_in, path_is, sign_in

pytestmark = pytest.mark.browser


def results(page):
    return page.locator("#patient-results tbody tr")


def test_front_desk_finds_a_misspelled_name_and_opens_the_record(page, new_page, screenshot):
    persona("frontdesk")
    smith = make_patient(
        "Smith", "Johnathan", "1980-03-04", preferred_name="Jack", phone_mobile="518-555-0142"
    )
    make_patient("Smithers", "Waylon", "1950-01-02")
    make_patient("Jones", "Mary", "1975-07-01")

    open_sign_in(page)
    sign_in(page, "frontdesk")
    with page.expect_navigation():
        nav_link(page, "Patients").click()
    expect(page).to_have_url(path_is("/patients/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a patient")
    check_accessibility_basics(page)

    # The box has the focus: typing is enough, the results follow without pressing Enter.
    box = page.get_by_label("Name, date of birth, MRN, phone or member id")
    expect(box).to_be_focused()
    page.keyboard.type("smtih", delay=40)
    expect(results(page)).to_have_count(1)
    row = results(page).first
    expect(row).to_contain_text("Smith, Johnathan")
    expect(row).to_contain_text("similar spelling")
    expect(row).to_contain_text(smith.mrn)
    expect(row).to_contain_text("03/04/1980")
    expect(page).to_have_url(re.compile(r"/patients/\?q=smtih$"))  # a link to these results
    screenshot(page, "patient-search-desktop")

    # Narrowing with the date of birth, then nothing that matches: a clear message.
    box.fill("smith 3/4/1980")
    expect(results(page)).to_have_count(1)
    box.fill("smith 1/2/1999")
    expect(page.locator(".no-match")).to_contain_text("No patient matches")
    expect(page.locator(".no-match")).to_contain_text("date of birth 01/02/1999")

    # Back to the match, and open the record from the keyboard.
    box.fill("smtih")
    expect(results(page)).to_have_count(1)
    page.keyboard.press("Tab")  # past the Search button to the first result
    page.keyboard.press("Tab")
    link = results(page).first.get_by_role("link", name=re.compile("Smith, Johnathan"))
    link.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(path_is(f"/patients/{smith.pk}/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Johnathan")

    # On a phone: the same search, readable without sideways scrolling of the page.
    phone = new_page(viewport=PHONE)
    open_sign_in(phone)
    sign_in(phone, "frontdesk")
    phone.goto("/patients/?q=jhonathan")
    expect(results(phone)).to_have_count(1)
    expect(results(phone).first).to_contain_text("Smith, Johnathan")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide on a {PHONE['width']}px phone"
    screenshot(phone, "patient-search-phone")


def test_front_desk_merges_a_duplicate_from_the_worklist(page, screenshot):
    from medoffice.chart.models import Encounter
    from medoffice.patients.models import Patient
    from medoffice.patients.tests.search_support import add_coverage

    persona("frontdesk")
    kept = make_patient("Smith", "John", "1980-03-04", phone_mobile="518-555-0142")
    duplicate = make_patient("Smyth", "Jon", "1980-03-04", email="jon@example.test")
    add_coverage(duplicate, "XK9-123456")
    Encounter.objects.create(patient=duplicate, start="2024-05-06T10:00:00-04:00")

    open_sign_in(page)
    sign_in(page, "frontdesk")
    page.goto("/patients/duplicates/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Possible duplicate records")
    pair = page.locator("#duplicate-pairs tbody tr")
    expect(pair).to_have_count(1)
    expect(pair).to_contain_text("similar name and same date of birth")
    check_accessibility_basics(page)
    screenshot(page, "patient-duplicates")

    with page.expect_navigation():
        pair.get_by_role("link", name="Review merge").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Propose a merge")
    moves = page.locator("#merge-moves")
    expect(moves).to_contain_text("Coverages")
    expect(moves).to_contain_text("Encounters")
    page.get_by_label("Why these are the same person").fill("Same person, registered twice")
    with page.expect_navigation():
        page.get_by_role("button", name="Propose this merge").click()
    expect(page.locator(".merge-status")).to_contain_text("Waiting for review")
    screenshot(page, "patient-merge-review")

    page.once("dialog", lambda dialog: dialog.accept())  # "Merge ... now?"
    with page.expect_navigation():
        page.get_by_role("button", name="Run the merge").click()
    expect(page.locator(".merge-status")).to_contain_text("Merged")
    expect(page.locator("#merge-result")).to_contain_text("Encounters")
    screenshot(page, "patient-merge-done")
    assert Patient.objects.get(pk=duplicate.pk).merged_into_id == kept.pk
    assert Encounter.objects.get().patient_id == kept.pk
