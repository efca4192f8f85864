"""The main navigation's menus: every entry in one, and grouping never changes who sees what."""

from __future__ import annotations

import re

import pytest

from medoffice.core import navigation
from medoffice.core.access import AccessRule
from medoffice.testing.personas import ALL_STAFF_ROLES

# Each role's links as the flat menu showed them before the grouping (written out by hand):
# grouping may move a link, never add or drop one.
FLAT_NAV_BEFORE_GROUPING = {
    "admin": {"Home", "Jobs", "System admin"},
    "manager": {
        "Home", "Patients", "Schedule", "Front desk", "Find a time", "Referrals", "Waitlist",
        "Charges", "Claims", "ERAs", "Denials", "Claim submission", "Accounts receivable",
        "Patient statements", "Fee schedules", "Write-offs and refunds", "Month-end close",
        "Records audit", "Outbox", "Calendar feed", "Code tables", "Wait times", "Payers",
        "Schedule setup", "Audit log", "Jobs", "KPI reports", "Report schedules", "QI initiatives",
    },
    "frontdesk": {
        "Home", "Patients", "New patient", "Schedule", "Front desk", "Find a time", "Referrals",
        "Waitlist", "Schedule setup", "Jobs", "KPI reports", "QI initiatives",
    },
    "biller": {
        "Home", "Patients", "Schedule", "Find a time", "Referrals", "Waitlist", "Charges", "Claims",
        "ERAs", "Denials", "Claim submission", "Accounts receivable", "Patient statements",
        "Fee schedules", "Write-offs and refunds", "Month-end close", "Code tables", "Payers",
        "Schedule setup", "Jobs", "KPI reports", "QI initiatives",
    },
    "clinician": {
        "Home", "Patients", "Schedule", "Front desk", "Find a time", "Referrals", "Waitlist",
        "Charges", "Claims", "Records audit", "Calendar feed", "Code tables", "Schedule setup", "Jobs",
        "KPI reports", "QI initiatives",
    },
    "nurse": {
        "Home", "Patients", "Schedule", "Front desk", "Find a time", "Referrals", "Waitlist",
        "Records audit", "Code tables", "Schedule setup", "Jobs",
    },
    "purchasing": {"Home", "Jobs"},
    "hr": {"Home", "Jobs"},
    "compliance": {
        "Home", "Patients", "Schedule", "Find a time", "Referrals", "Waitlist", "Charges", "Claims",
        "ERAs", "Denials", "Claim submission", "Write-offs and refunds", "Records audit",
        "Code tables", "Schedule setup", "Audit log", "Emergency access", "Jobs", "KPI reports", "QI initiatives",
    },
}  # fmt: skip
MAX_TOP_LEVEL = 8  # the manager: Home, five menus, Compliance, Jobs


def _flat(menus: list[navigation.Menu]) -> list[str]:
    return [link.label for menu in menus for link in menu.links]


def test_every_role_is_covered():
    assert sorted(FLAT_NAV_BEFORE_GROUPING) == sorted(ALL_STAFF_ROLES)


def test_every_registered_entry_is_in_a_known_group():
    items = navigation.registered_items()
    assert items, "the apps registered no navigation entries"
    for item in items:
        assert item.group in navigation.GROUPS, item
        assert isinstance(item.order, int), item


def test_an_entry_without_a_known_group_is_refused():
    rule = AccessRule("authenticated")
    with pytest.raises(ValueError, match="unknown group 'nowhere'"):
        navigation.register(navigation.NavItem("x", "X", "core:home", rule, group="nowhere"))
    assert "x" not in {i.key for i in navigation.registered_items()}


@pytest.mark.parametrize("role", ALL_STAFF_ROLES)
def test_grouping_shows_each_role_the_same_links(role):
    menus = navigation.visible_menus({role})
    flat = _flat(menus)
    # The same entries as the ungrouped list, in the same order, each once.
    assert flat == [item.label for item in navigation.visible_items({role})]
    assert len(flat) == len(set(flat))
    assert set(flat) == FLAT_NAV_BEFORE_GROUPING[role]


@pytest.mark.parametrize("role", ALL_STAFF_ROLES)
def test_each_role_has_a_short_menu_bar_without_empty_menus(role):
    menus = navigation.visible_menus({role})
    assert len(menus) <= MAX_TOP_LEVEL, [m.label for m in menus]
    assert all(menu.links for menu in menus)
    keys = [menu.key for menu in menus]
    assert keys == sorted(keys, key=lambda k: navigation.GROUPS[k].order)
    for menu in menus:
        assert (menu.single is not None) == (len(menu.links) == 1)


def test_the_billers_menus():
    menus = {menu.label: [link.label for link in menu.links] for menu in
             navigation.visible_menus({"biller"})}  # fmt: skip
    assert menus == {
        "Home": ["Home"],
        "Patients": ["Patients", "Referrals"],
        "Scheduling": ["Schedule", "Find a time", "Waitlist"],
        "Billing": [
            "Charges", "Claims", "Claim submission", "ERAs", "Denials", "Accounts receivable",
            "Patient statements", "Write-offs and refunds", "Month-end close",
        ],
        "Reports": ["KPI reports", "QI initiatives"],
        "Setup": ["Fee schedules", "Payers", "Code tables", "Schedule setup"],
        "Jobs": ["Jobs"],
    }  # fmt: skip


def test_a_role_with_one_entry_in_a_group_gets_it_alone():
    menus = {menu.key: menu for menu in navigation.visible_menus({"frontdesk"})}
    assert "billing" not in menus and "compliance" not in menus
    assert menus["setup"].single is not None
    assert menus["setup"].single.label == "Schedule setup"


def test_the_current_page_and_its_menu_are_marked():
    def marks(path: str) -> tuple[set[str], set[str]]:
        menus = navigation.visible_menus({"manager"}, path)
        return (
            {menu.key for menu in menus if menu.current},
            {link.label for menu in menus for link in menu.links if link.current},
        )

    assert marks("/claims/") == ({"billing"}, {"Claims"})
    # A page below an entry's page marks the entry's menu, not the link.
    assert marks("/claims/123/") == ({"billing"}, set())
    # The longest entry wins: the payer table is under /patients/ but in Setup.
    assert marks("/patients/payers/") == ({"setup"}, {"Payers"})
    assert marks("/patients/42/") == ({"patients"}, set())
    # Home marks only itself, not every page.
    assert marks("/") == ({"home"}, {"Home"})
    assert marks("/nowhere/") == (set(), set())


def test_the_page_frame_renders_menus_as_dropdowns(client_as):
    html = client_as("biller").get("/claims/").content.decode()
    nav = html[html.index('<nav class="container-fluid" aria-label="Main">') : html.index("</nav>")]
    summaries = re.findall(r"<summary([^>]*)>([^<]+)</summary>", nav)
    assert [label for _attrs, label in summaries[1:]] == [
        "Patients", "Scheduling", "Billing", "Reports", "Setup",
    ]  # fmt: skip
    current = [label for attrs, label in summaries if 'aria-current="true"' in attrs]
    assert current == ["Billing"]
    assert nav.count('<details class="dropdown nav-menu"') == 5
    assert '<a href="/claims/" aria-current="page">Claims</a>' in nav
    # Single-entry menus are plain links in the bar.
    assert re.search(r'<li><a href="/jobs/">Jobs</a></li>', nav)
    assert "Outbox" not in nav and "Audit log" not in nav
