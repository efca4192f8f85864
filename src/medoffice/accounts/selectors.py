from __future__ import annotations

from django.db.models import QuerySet

from medoffice.accounts.models import ApiToken, User
from medoffice.core.permissions import RoleCode


def users_with_role(role: RoleCode | str) -> QuerySet[User]:
    return User.objects.filter(is_active=True, roles__code=str(role)).distinct()


def tokens_of(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def staff_ids_sharing_locations(user: User) -> list[int]:
    """People who work at any of this user's locations (a manager's own staff)."""
    location_ids = list(user.locations.values_list("pk", flat=True))
    colleagues = User.objects.filter(locations__in=location_ids).values_list("pk", flat=True)
    return [*colleagues.distinct(), user.pk]
