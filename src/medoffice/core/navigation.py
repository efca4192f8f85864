"""The main navigation: each entry shows only to roles whose access rule allows it.

Domain apps add their entries with `register` from their AppConfig.ready(). Every entry names
one of the menus in GROUPS (and its place in that menu with `order`); the page frame shows the
menus in their order, each as a dropdown of the entries the user's roles may see. A menu with
nothing visible is left out; a menu with one visible entry is shown as that entry's plain link.
Grouping never changes who sees an entry: that is the entry's rule alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from medoffice.core.access import AccessRule


@dataclass(frozen=True)
class NavGroup:
    key: str
    label: str
    order: int


# The menus, in the order the header shows them. "home" and "jobs" hold one entry each, so
# they always show as plain links.
HOME = "home"
PATIENTS = "patients"
SCHEDULING = "scheduling"
BILLING = "billing"
REPORTS = "reports"
COMPLIANCE = "compliance"
SETUP = "setup"
JOBS = "jobs"

GROUPS: dict[str, NavGroup] = {
    g.key: g
    for g in (
        NavGroup(HOME, "Home", 0),
        # Finding and registering patients, their referrals, what the practice sends them.
        NavGroup(PATIENTS, "Patients", 100),
        # The calendar and the day's flow: booking, the desk's board, the waitlist.
        NavGroup(SCHEDULING, "Scheduling", 200),
        # The revenue cycle, from charges to month-end.
        NavGroup(BILLING, "Billing", 300),
        # KPI reports, their schedules, quality-improvement initiatives.
        NavGroup(REPORTS, "Reports", 350),
        # Checking records and access: the records audit, the audit log, emergency access.
        NavGroup(COMPLIANCE, "Compliance", 400),
        # Tables that others work from: fees, payers, codes, the schedule's set-up, the system.
        NavGroup(SETUP, "Setup", 500),
        NavGroup(JOBS, "Jobs", 900),
    )
}


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url_name: str
    rule: AccessRule
    group: str  # a key of GROUPS
    order: int = 100  # the place within the group

    def url(self) -> str:
        return reverse(self.url_name)


@dataclass(frozen=True)
class MenuLink:
    """One entry as the page frame shows it to one request."""

    key: str
    label: str
    url: str
    current: bool  # this page is the entry's page


@dataclass(frozen=True)
class Menu:
    key: str
    label: str
    links: list[MenuLink]
    current: bool  # this page belongs to one of the links (the link's page or below it)

    @property
    def single(self) -> MenuLink | None:
        """The only link of a menu with one visible entry (shown as a plain link)."""
        return self.links[0] if len(self.links) == 1 else None


_items: dict[str, NavItem] = {}


def register(item: NavItem) -> None:
    if item.group not in GROUPS:
        raise ValueError(
            f"navigation entry {item.key!r}: unknown group {item.group!r} "
            f"(one of {', '.join(GROUPS)})"
        )
    _items[item.key] = item


def registered_items() -> list[NavItem]:
    return list(_items.values())


def _sort_key(item: NavItem) -> tuple[int, int, str]:
    return (GROUPS[item.group].order, item.order, item.label)


def _visible(roles: frozenset[str]) -> list[tuple[NavItem, str]]:
    visible = []
    for item in sorted(_items.values(), key=_sort_key):
        if item.rule.allows_roles(roles):
            try:
                url = item.url()
            except NoReverseMatch:
                continue
            visible.append((item, url))
    return visible


def visible_items(roles: Iterable[str]) -> list[NavItem]:
    """The entries these roles see, in menu order, without the grouping."""
    return [item for item, _url in _visible(frozenset(roles))]


def _section_of(path: str, urls: Iterable[str]) -> str | None:
    """The entry URL this path falls under: itself, else the longest URL it starts with.

    "/" (home) counts only for itself, or every page would fall under it.
    """
    urls = list(urls)
    if path in urls:
        return path
    above = [url for url in urls if url != "/" and url.endswith("/") and path.startswith(url)]
    return max(above, key=len, default=None)


def visible_menus(roles: Iterable[str], path: str = "") -> list[Menu]:
    """The menus these roles see, in order, each with its visible entries; empty ones left out.

    `path` is the current page's path: its link is marked current, and so is the menu of the
    entry the page falls under (its own page or a page below it, e.g. one claim under Claims).
    """
    visible = _visible(frozenset(roles))
    section = _section_of(path, [url for _item, url in visible]) if path else None
    links_by_group: dict[str, list[MenuLink]] = {}
    current_groups = set()
    for item, url in visible:
        links_by_group.setdefault(item.group, []).append(
            MenuLink(item.key, item.label, url, current=path == url)
        )
        if url == section:
            current_groups.add(item.group)
    return [
        Menu(group.key, group.label, links_by_group[group.key], group.key in current_groups)
        for group in sorted(GROUPS.values(), key=lambda g: g.order)
        if group.key in links_by_group
    ]
