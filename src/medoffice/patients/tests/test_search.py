"""patient_search: what it finds, how it ranks, who may use it and what the audit log keeps."""

from datetime import date

import pytest

from medoffice.audit.models import AuditEvent
from medoffice.core.access import AccessDenied
from medoffice.core.permissions import Capability, roles_allow
from medoffice.patients.models import NameVariant, PatientStatus
from medoffice.patients.search import MatchKind, patient_search, search_patients
from medoffice.patients.search_index import index_all_patients, typo_candidates
from medoffice.patients.tests.search_support import add_coverage, make_patient
from medoffice.testing.personas import ALL_STAFF_ROLES, persona

pytestmark = pytest.mark.django_db


def names_of(result):
    return [f"{h.patient.family_name}, {h.patient.given_name}" for h in result.hits]


@pytest.fixture
def people():
    return {
        "smith": make_patient("Smith", "John", "1980-03-04", phone_mobile="(518) 555-0142"),
        "smith_jane": make_patient("Smith", "Jane", "1975-07-01"),
        "smithers": make_patient("Smithers", "Waylon", "1950-01-02"),
        "smyth": make_patient("Smyth", "Alice", "1990-05-06"),
        "jones": make_patient("Jones", "Mary", "1980-03-04", phone_home="518.555.0199"),
        "johnson": make_patient("Johnson", "Bob", "1966-10-10"),
        "doe": make_patient("Doe", "John", "2001-12-24"),
        "garcia": make_patient("García", "María", "1985-08-15", preferred_name="Mari"),
    }


# --- Names ----------------------------------------------------------------------------------


def test_prefix_finds_names_starting_so(people):
    assert names_of(search_patients("smi")) == ["Smith, Jane", "Smith, John", "Smithers, Waylon"]
    # "smithe" sounds like smith too: those come after the names that start so.
    assert names_of(search_patients("SMITHE"))[0] == "Smithers, Waylon"


def test_exact_before_prefix_before_sound_alike(people):
    result = search_patients("smith")
    assert names_of(result) == ["Smith, Jane", "Smith, John", "Smithers, Waylon", "Smyth, Alice"]
    assert [h.kind for h in result.hits] == [
        MatchKind.EXACT,
        MatchKind.EXACT,
        MatchKind.PREFIX,
        MatchKind.PHONETIC,
    ]
    assert result.hits[-1].matched == "sounds like"


def test_sound_alike(people):
    assert names_of(search_patients("smyth")) == ["Smyth, Alice", "Smith, Jane", "Smith, John"]


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("smtih", "Smith, Jane"),  # two letters swapped
        ("smitth", "Smith, Jane"),  # one letter too many
        ("jnes", "Jones, Mary"),  # one letter missing
        ("jonez", "Jones, Mary"),  # one letter wrong
        ("jhonson", "Johnson, Bob"),  # longer name: two edits allowed
        ("smith jhon", "Smith, John"),  # typo in the first name
        ("jhon smith", "Smith, John"),
        ("garcai", "García, María"),  # accents folded, then a swap
    ],
)
def test_typos(people, typed, first):
    result = search_patients(typed)
    assert names_of(result)[0] == first, names_of(result)
    assert result.hits[0].kind in {MatchKind.TYPO, MatchKind.PHONETIC}


def test_typo_tolerance_has_limits(people):
    assert names_of(search_patients("smxyz")) == []  # three edits from smith
    assert names_of(search_patients("jn")) == []  # short words are never typo-matched


def test_first_and_last_in_either_order_and_with_a_comma(people):
    for typed in ("smith, jo", "smi jo"):
        assert names_of(search_patients(typed)) == ["Smith, John"], typed
    for typed in ("smith john", "john smith", "Smith,John"):
        # Jane sounds like John (Metaphone JN): listed, after the exact match.
        result = search_patients(typed)
        assert names_of(result) == ["Smith, John", "Smith, Jane"], typed
        assert [h.kind for h in result.hits] == [MatchKind.EXACT, MatchKind.PHONETIC]
    assert names_of(search_patients("smith, ja")) == ["Smith, Jane"]


def test_a_single_word_may_be_a_first_name_ranked_after_last_names(people):
    result = search_patients("john")
    assert names_of(result) == ["Johnson, Bob", "Doe, John", "Smith, John"]
    assert [h.kind for h in result.hits] == [MatchKind.PREFIX] + [MatchKind.FIRST_NAME] * 2


def test_an_exact_first_name_ranks_above_last_names_that_only_sound_alike(people):
    make_patient("Moore", "Ann")  # Metaphone MR, like "maria"
    result = search_patients("maria")
    assert names_of(result) == ["García, María", "Moore, Ann"]
    assert [h.kind for h in result.hits] == [MatchKind.FIRST_NAME, MatchKind.PHONETIC]
    result = search_patients("mari")  # the start of a first name comes last
    assert [h.kind for h in result.hits][-1] is MatchKind.FIRST_NAME_LIKE


def test_accents_and_punctuation_are_folded():
    make_patient("O'Brien-Núñez", "Ana")
    assert names_of(search_patients("obrien")) == ["O'Brien-Núñez, Ana"]
    assert names_of(search_patients("O'Brien-Nunez, ana")) == ["O'Brien-Núñez, Ana"]


def test_multi_word_last_names():
    make_patient("De la Cruz", "Maria", "1970-01-01")
    assert names_of(search_patients("de la cruz maria")) == ["De la Cruz, Maria"]
    assert names_of(search_patients("maria de la cruz")) == ["De la Cruz, Maria"]


# --- Dates of birth, numbers and combinations -------------------------------------------------


@pytest.mark.parametrize("typed", ["1980-03-04", "03/04/1980", "3/4/80", "19800304"])
def test_date_of_birth_in_common_formats(people, typed):
    result = search_patients(typed)
    assert names_of(result) == ["Jones, Mary", "Smith, John"]
    assert {h.matched for h in result.hits} == {"date of birth"}


def test_name_and_date_of_birth_narrow_each_other(people):
    make_patient("Smith", "John", "1999-09-09")
    assert names_of(search_patients("smith 1980-03-04")) == ["Smith, John"]
    assert names_of(search_patients("smtih 03/04/1980")) == ["Smith, John"]  # typo + date
    assert names_of(search_patients("john 3/4/80")) == ["Smith, John"]
    assert names_of(search_patients("brown 1980-03-04")) == []


def test_year_of_birth(people):
    assert names_of(search_patients("smith 1975")) == ["Smith, Jane"]
    assert names_of(search_patients("1975")) == ["Smith, Jane"]


def test_mrn(people):
    result = search_patients(people["smyth"].mrn)
    assert names_of(result) == ["Smyth, Alice"]
    assert result.hits[0].kind is MatchKind.IDENTIFIER and result.hits[0].matched == "MRN"


@pytest.mark.parametrize(
    "typed", ["518-555-0142", "(518) 555 0142", "5185550142", "+1 518.555.0142", "15185550142"]
)
def test_phone_in_any_format(people, typed):
    result = search_patients(typed)
    assert names_of(result) == ["Smith, John"]
    assert result.hits[0].matched == "phone"


def test_phone_matches_home_phone_too(people):
    assert names_of(search_patients("518 555 0199")) == ["Jones, Mary"]


def test_member_id(people):
    add_coverage(people["garcia"], "XK9-1234 56")
    result = search_patients("xk9123456")
    assert names_of(result) == ["García, María"]
    assert result.hits[0].matched == "member id"
    assert names_of(search_patients("XK9-123456")) == ["García, María"]


def test_numbers_combine_with_names_and_dates(people):
    shared = make_patient("Smith", "Junior", "2010-01-01", phone_mobile="518-555-0142")
    assert names_of(search_patients("518-555-0142")) == ["Smith, John", "Smith, Junior"]
    # Junior starts with "jun"; John only sounds like it, so comes second.
    assert names_of(search_patients("smith jun 518-555-0142")) == ["Smith, Junior", "Smith, John"]
    assert names_of(search_patients("smith junior 518-555-0142")) == ["Smith, Junior"]
    assert names_of(search_patients("518-555-0142 1980-03-04")) == ["Smith, John"]
    assert names_of(search_patients("jones 518-555-0142")) == []
    assert shared.pk


def test_identifier_matches_rank_first(people):
    # "smith" + the MRN of one Smith: that Smith only (numbers narrow, they do not widen).
    result = search_patients(f"smith {people['smith'].mrn}")
    assert names_of(result) == ["Smith, John"]
    assert result.hits[0].kind is MatchKind.IDENTIFIER


# --- Ranking, limits, merged records ----------------------------------------------------------


def test_ties_are_by_name_and_limit_reports_more():
    for given in ["Zed", "Amy", "Kim", "Bea"]:
        make_patient("Nguyen", given)
    result = search_patients("nguyen", limit=3)
    assert names_of(result) == ["Nguyen, Amy", "Nguyen, Bea", "Nguyen, Kim"]
    assert result.more
    assert not search_patients("nguyen", limit=4).more


def test_merged_records_are_left_out_unless_asked(people):
    duplicate = make_patient("Smith", "Jon", "1980-03-04")
    duplicate.status = PatientStatus.MERGED
    duplicate.merged_into = people["smith"]
    duplicate.save()
    assert "Smith, Jon" not in names_of(search_patients("smith"))
    assert "Smith, Jon" in names_of(search_patients("smith", include_merged=True))
    # The MRN of a merged record leads to the record it was merged into.
    result = search_patients(duplicate.mrn)
    assert names_of(result) == ["Smith, John"]
    assert result.hits[0].note == f"MRN {duplicate.mrn} was merged into this record"


def test_nothing_understood_finds_nothing(people):
    for typed in ["", "   ", "???", "12"]:
        result = search_patients(typed)
        assert result.hits == [] and not result.more


# --- Spelling index -------------------------------------------------------------------------


def test_bulk_index_for_imported_patients(people):
    NameVariant.objects.all().delete()
    assert typo_candidates(["smtih"]) == {}
    calls = []
    indexed = index_all_patients(progress=lambda done, total: calls.append((done, total)))
    assert indexed == len(
        {p.family_norm for p in people.values()} | {p.given_norm for p in people.values()}
    )
    assert calls[-1] == (indexed, indexed)
    assert typo_candidates(["smtih"]) == {"smtih": {"smith"}}
    # A rebuild drops names nobody has any more.
    NameVariant.objects.create(variant="gone", name="gone")
    index_all_patients(rebuild=True)
    assert not NameVariant.objects.filter(name="gone").exists()


def test_reindex_command(people, capsys):
    from django.core.management import call_command

    NameVariant.objects.all().delete()
    call_command("patients", "reindex", "--quiet")
    assert "names indexed" in capsys.readouterr().out
    assert typo_candidates(["jnes"]) == {"jnes": {"jones"}}


# --- Access and audit -----------------------------------------------------------------------


@pytest.mark.parametrize("role", ALL_STAFF_ROLES)
def test_who_may_search(people, role):
    user = persona(role)
    allowed = roles_allow({role}, Capability.DEMOGRAPHICS)
    before = AuditEvent.objects.filter(action="view_list").count()
    if allowed:
        result = patient_search(actor=user, query="smith")
        assert len(result.hits) == 4
    else:
        # Administrators included: they break the glass one patient at a time, never a list.
        with pytest.raises(AccessDenied):
            patient_search(actor=user, query="smith")
        assert AuditEvent.objects.filter(action="permission_denied", actor_id=user.pk).exists()
    after = AuditEvent.objects.filter(action="view_list").count()
    assert after - before == (4 if allowed else 0)


def test_every_patient_shown_is_audited_once(people):
    desk = persona("frontdesk")
    result = patient_search(actor=desk, query="smith")
    entries = AuditEvent.objects.filter(action="view_list", actor_id=desk.pk)
    assert sorted(e.patient_id for e in entries) == sorted(h.patient.pk for h in result.hits)
    assert {e.patient_ref for e in entries} == {h.patient.mrn for h in result.hits}
    assert all(e.details == {"view": "patient_search"} for e in entries)
    patient_search(actor=desk, query="nobody-like-this")
    assert AuditEvent.objects.filter(action="view_list").count() == len(result.hits)


def test_search_is_a_few_queries(people, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        search_patients("smtih jhon")
    with django_assert_max_num_queries(3):
        search_patients("smith 1980-03-04")
    with django_assert_max_num_queries(3):
        search_patients("518-555-0142")
    assert date.today()
