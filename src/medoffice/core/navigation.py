"""The main navigation: each entry shows only to roles whose access rule allows it.

Domain apps add their entries with `register` from their AppConfig.ready().
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from medoffice.core.access import AccessRule


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url_name: str
    rule: AccessRule
    order: int = 100

    def url(self) -> str:
        return reverse(self.url_name)


_items: dict[str, NavItem] = {}


def register(item: NavItem) -> None:
    _items[item.key] = item


def visible_items(roles: Iterable[str]) -> list[NavItem]:
    roles = frozenset(roles)
    items = []
    for item in sorted(_items.values(), key=lambda i: (i.order, i.label)):
        if item.rule.allows_roles(roles):
            try:
                item.url()
            except NoReverseMatch:
                continue
            items.append(item)
    return items
