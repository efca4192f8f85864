"""The submission page's entry in the main navigation (registered from SubmissionConfig.ready())."""

from __future__ import annotations

from medoffice.core import navigation
from medoffice.core.permissions import Need
from medoffice.submission.access import office_rule


def register_all() -> None:
    navigation.register(
        navigation.NavItem(
            "submission",
            "Claim submission",
            "submission:index",
            office_rule(Need.VIEW),
            group=navigation.BILLING,
            order=30,
        )
    )
