"""The building blocks of the FHIR resource registry (resources.py): a resource type, the
tables behind it, and what mappers get from the request.

Most types read tables (`Source`): the engine searches, pages and audits them generically.
A few are computed rather than stored (Slot: open times worked out by find-first-available;
Schedule: one per provider and location); they bring their own search and read (`Computed`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet

from medoffice.core.access import AccessRule
from medoffice.core.permissions import Capability, Need

if TYPE_CHECKING:
    from django.http import HttpRequest

    from medoffice.interop.fhir.search import Handler, SearchRequest

SIGNED_IN = AccessRule("authenticated")


def cap_rule(capability: Capability) -> AccessRule:
    return AccessRule("capability", capability, Need.VIEW)


class Context:
    """What mappers need from the request; the practice is looked up only if one asks."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    @functools.cached_property
    def practice_id(self) -> int | None:
        from medoffice.organization.models import Practice

        return Practice.objects.order_by("pk").values_list("pk", flat=True).first()


@dataclass(frozen=True)
class Source:
    """One table behind a resource type."""

    prefix: str
    queryset: Callable[[], QuerySet]
    to_fhir: Callable[[Any, Context], dict[str, Any]]
    handlers: dict[str, Handler]
    order: tuple[str, ...]
    # Path from a row to its patient ("" for the patient itself, None for non-PHI tables).
    patient_path: str | None = "patient"
    # Rows that need one more capability than the type's rule: (capability, a function giving
    # the Q of those rows, or None for the whole table).
    restricted: tuple[Capability, Callable[[], Q] | None] | None = None
    # Rows searches leave out (still readable by id), e.g. records merged into another.
    unlisted: Q | None = None
    # The rows a user may see at all, e.g. a clinician's own schedule ("O" in the matrix):
    # others are left out of searches and refused (403, audited) when read by id.
    scope: Callable[[Any], Q] | None = None


@dataclass(frozen=True)
class Page:
    """One page of a computed search. `total` when it is known; otherwise `more` says whether
    a next page exists (a searchset Bundle's total is optional)."""

    resources: list[dict[str, Any]]
    total: int | None
    more: bool = False


@dataclass(frozen=True)
class Computed:
    """A resource type worked out rather than read from one table: its own search and read
    (both after the type's access rule passed). Neither may return patient information."""

    search: Callable[[HttpRequest, Any, SearchRequest], Page]
    read: Callable[[HttpRequest, Any, str], dict[str, Any]]


@dataclass(frozen=True)
class ResourceType:
    name: str
    rule: AccessRule
    params: dict[str, str]  # search parameter -> FHIR type, for the CapabilityStatement
    sources: tuple[Source, ...]
    writable: bool = False
    documentation: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    computed: Computed | None = None
    updatable: bool = True  # with `writable`: PUT too, not only POST
    param_docs: dict[str, str] = field(default_factory=dict)

    @property
    def phi(self) -> bool:
        return bool(self.sources) and self.sources[0].patient_path is not None
