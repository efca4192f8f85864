"""Possible duplicates on registration, the worklist of existing pairs, "not a duplicate"."""

from datetime import date

import pytest

from medoffice.audit.models import AuditEvent
from medoffice.core.access import AccessDenied
from medoffice.core.permissions import Capability, Need, roles_allow
from medoffice.patients import duplicates as dup
from medoffice.patients.duplicates import (
    dates_nearly_equal,
    duplicate_dismiss,
    duplicate_pairs,
    possible_duplicates,
)
from medoffice.patients.models import DuplicateDismissal, PatientStatus
from medoffice.patients.tests.search_support import add_coverage, make_patient
from medoffice.testing.personas import ALL_STAFF_ROLES, persona, signed_in_client

pytestmark = pytest.mark.django_db
DOB = date(1980, 3, 4)


def check(family, given, born=DOB, **kw):
    return {d.patient.family_name + ", " + d.patient.given_name: d.reasons
            for d in possible_duplicates(family_name=family, given_name=given, birth_date=born, **kw)}  # fmt: skip


# --- On registration ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("existing", "typed", "reason"),
    [
        (("Smith", "John"), ("smith", "JOHN"), dup.SAME_NAME_AND_DOB),
        (("Smith", "John"), ("John", "Smith"), dup.SWAPPED_NAMES),
        (("Smith", "John"), ("Smyth", "Jon"), dup.SIMILAR_NAME_AND_DOB),  # sound-alike
        (("Smith", "John"), ("Smtih", "John"), dup.SIMILAR_NAME_AND_DOB),  # one typo
        (("Smith", "John"), ("Smith", "Jhon"), dup.SIMILAR_NAME_AND_DOB),
        (("García", "María"), ("Garcia", "Maria"), dup.SAME_NAME_AND_DOB),  # accents folded
        (("Smith", "John"), ("Smith", "Peter"), dup.SAME_LAST_NAME_AND_DOB),  # a twin?
    ],
)
def test_name_and_date_of_birth_rules(existing, typed, reason):
    make_patient(*existing, DOB)
    found = check(*typed)
    assert list(found.values()) == [(reason,)]


def test_different_people_born_the_same_day_are_not_offered():
    make_patient("Brown", "Alice", DOB)
    assert check("Smith", "John") == {}


def test_same_name_with_a_slipped_date_of_birth():
    make_patient("Smith", "John", date(1980, 4, 3))  # day and month swapped
    make_patient("Smith", "John", date(1981, 3, 4))  # one digit off
    make_patient("Smith", "John", date(1990, 1, 1))  # just a namesake
    found = possible_duplicates(family_name="Smith", given_name="John", birth_date=DOB)
    assert [d.reasons for d in found] == [(dup.SAME_NAME_NEAR_DOB,)] * 2


@pytest.mark.parametrize(
    ("a", "b", "near"),
    [
        (date(1980, 3, 4), date(1980, 4, 3), True),
        (date(1980, 3, 4), date(1981, 3, 4), True),
        (date(1980, 3, 4), date(1980, 3, 5), True),
        (date(1980, 3, 4), date(1980, 3, 4), False),
        (date(1980, 3, 4), date(1982, 5, 4), False),
    ],
)
def test_dates_nearly_equal(a, b, near):
    assert dates_nearly_equal(a, b) is near


def test_same_phone_and_member_id():
    make_patient("Jones", "Mary", "1970-01-01", phone_mobile="518-555-0142")
    cousin = make_patient("Brown", "Tom", "1960-01-01")
    add_coverage(cousin, "XK9-123456")
    found = check("Smith", "John", phone="(518) 555 0142", member_id="xk9123456")
    assert found == {"Jones, Mary": (dup.SAME_PHONE,), "Brown, Tom": (dup.SAME_MEMBER_ID,)}


def test_strongest_first_with_every_reason():
    make_patient("Jones", "Mary", "1970-01-01", phone_mobile="518-555-0142")
    same = make_patient("Smith", "John", DOB, phone_mobile="518-555-0142")
    found = possible_duplicates(
        family_name="Smith", given_name="John", birth_date=DOB, phone="5185550142"
    )
    assert found[0].patient == same
    assert found[0].reasons == (dup.SAME_NAME_AND_DOB, dup.SAME_PHONE_AND_DOB)
    assert found[1].reasons == (dup.SAME_PHONE,)


def test_merged_and_the_record_itself_are_never_offered():
    merged = make_patient("Smith", "John", DOB, status=PatientStatus.MERGED)
    itself = make_patient("Smith", "John", DOB)
    assert check("Smith", "John", exclude_id=itself.pk) == {}
    assert merged.pk


def test_nothing_to_compare():
    make_patient("Smith", "John", DOB)
    assert possible_duplicates(family_name="", given_name="", birth_date=None) == []
    assert check("Smith", "John", born=None, phone="123") == {}


# --- The worklist ---------------------------------------------------------------------------


@pytest.fixture
def pairs():
    made = {
        "smith": make_patient("Smith", "John", DOB),
        "smyth": make_patient("Smyth", "Jon", DOB),  # sound-alike, same DOB
        "lee": make_patient("Lee", "Anna", "1990-01-01"),
        "anna": make_patient("Anna", "Lee", "1990-01-01"),  # swapped
        "mom": make_patient("Park", "Helen", "1960-01-01", phone_home="518-555-0100"),
        "son": make_patient("Park", "Sam", "1992-01-01", phone_home="518-555-0100"),  # family
        "kim": make_patient("Kim", "Grace", "1970-06-06", phone_mobile="518-555-0111"),
        "kim2": make_patient("Choi", "Grace", "1970-06-06", phone_mobile="518-555-0111"),
        "brown": make_patient("Brown", "Alice", DOB),  # shares only the birthday
    }
    return made


def pair_names(found):
    return {(p.first.family_name, p.second.family_name): p.reasons for p in found}


def test_worklist_pairs(pairs):
    found = pair_names(duplicate_pairs())
    assert found == {
        ("Smith", "Smyth"): (dup.SIMILAR_NAME_AND_DOB,),
        ("Lee", "Anna"): (dup.SWAPPED_NAMES,),
        # A new last name (marriage): same phone, same date of birth, same first name.
        ("Kim", "Choi"): (dup.SAME_PHONE_AND_DOB,),
    }


def test_worklist_is_strongest_first_and_limited(pairs):
    found = duplicate_pairs()
    assert [p.first.family_name for p in found] == ["Lee", "Smith", "Kim"]
    assert len(duplicate_pairs(limit=1)) == 1


def test_worklist_leaves_out_dismissed_and_merged(pairs):
    DuplicateDismissal.objects.create(
        patient_a=pairs["smith"], patient_b=pairs["smyth"], dismissed_by=persona("frontdesk")
    )
    pairs["anna"].status = PatientStatus.MERGED
    pairs["anna"].save()
    assert set(pair_names(duplicate_pairs())) == {("Kim", "Choi")}


def test_worklist_uses_indexed_self_joins(pairs, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):  # two self-joins and one load of the patients
        duplicate_pairs()


# --- Not a duplicate ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ALL_STAFF_ROLES)
def test_who_may_dismiss(pairs, role):
    user = persona(role)
    a, b = pairs["smyth"], pairs["smith"]
    if roles_allow({role}, Capability.DEMOGRAPHICS, Need.EDIT):
        dismissal = duplicate_dismiss(actor=user, patient_ids=(a.pk, b.pk), note="twins")
        assert (dismissal.patient_a_id, dismissal.patient_b_id) == (b.pk, a.pk)  # lower id first
        entries = AuditEvent.objects.filter(object_type="duplicate_dismissal")
        assert sorted(e.patient_id for e in entries) == sorted([a.pk, b.pk])
        # Twice is fine and keeps the first decision.
        assert duplicate_dismiss(actor=user, patient_ids=(b.pk, a.pk)).pk == dismissal.pk
        assert entries.count() == 2
    else:
        with pytest.raises(AccessDenied):
            duplicate_dismiss(actor=user, patient_ids=(a.pk, b.pk))
        assert not DuplicateDismissal.objects.exists()


def test_worklist_page(pairs):
    manager = signed_in_client(persona("manager"))
    response = manager.get("/patients/duplicates/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Smyth, Jon" in page and "Not a duplicate" not in page
    shown = AuditEvent.objects.filter(action="view_list", details__view="duplicate_worklist")
    assert shown.count() == 6

    desk = signed_in_client(persona("frontdesk"))
    page = desk.get("/patients/duplicates/").content.decode()
    assert "Not a duplicate" in page and "Review merge" in page
    response = desk.post(
        "/patients/duplicates/dismiss/",
        {"first": pairs["smith"].pk, "second": pairs["smyth"].pk, "note": "brothers"},
    )
    assert response.status_code == 302
    assert "Smyth, Jon" not in desk.get("/patients/duplicates/").content.decode()
    assert DuplicateDismissal.objects.get().note == "brothers"


def test_dismiss_bad_input(pairs):
    desk = signed_in_client(persona("frontdesk"))
    assert desk.post("/patients/duplicates/dismiss/", {"first": "x"}).status_code == 400
    missing = {"first": pairs["smith"].pk, "second": 999999}
    assert desk.post("/patients/duplicates/dismiss/", missing).status_code == 404
    same = {"first": pairs["smith"].pk, "second": pairs["smith"].pk}
    desk.post("/patients/duplicates/dismiss/", same)
    assert not DuplicateDismissal.objects.exists()
