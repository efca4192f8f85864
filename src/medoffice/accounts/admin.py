from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from medoffice.accounts import services
from medoffice.accounts.models import ApiToken, LoginThrottle, Role, User
from medoffice.core.admin_site import AdministratorAdmin, admin_site


@admin.register(User, site=admin_site)
class UserAdmin(AdministratorAdmin, DjangoUserAdmin):
    list_display = (
        "username",
        "first_name",
        "last_name",
        "title",
        "role_list",
        "is_active",
        "last_login",
    )
    list_filter = ("is_active", "roles", "locations")
    filter_horizontal = ("roles", "locations")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Person", {"fields": ("first_name", "last_name", "email", "title")}),
        ("Access", {"fields": ("is_active", "roles", "locations", "primary_location")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "password1", "password2", "roles", "locations"),
            },
        ),
    )
    readonly_fields = ("last_login", "date_joined")
    actions = ["reset_two_factor"]

    @admin.display(description="Roles")
    def role_list(self, obj: User) -> str:
        return ", ".join(sorted(obj.role_codes()))

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        user = form.instance
        # Only administrators reach Django admin; keep is_staff in step with the role.
        User.objects.filter(pk=user.pk).update(is_staff=user.roles.filter(code="admin").exists())

    @admin.action(description="Reset two-factor (lost phone): they enroll again at next sign-in")
    def reset_two_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            services.two_factor_reset(actor=request.user, user=user)  # type: ignore[arg-type]
        messages.success(request, f"Two-factor reset for {queryset.count()} user(s).")


@admin.register(Role, site=admin_site)
class RoleAdmin(AdministratorAdmin):
    list_display = ("code", "__str__", "requires_2fa")
    list_editable = ("requires_2fa",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # roles come from the permission matrix in code

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ApiToken, site=admin_site)
class ApiTokenAdmin(AdministratorAdmin):
    list_display = (
        "name",
        "user",
        "prefix",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    )
    list_filter = ("revoked_at",)
    readonly_fields = (
        "user",
        "name",
        "prefix",
        "scope",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    )
    exclude = ("digest",)
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tokens are made by their owner or `medoffice token create`

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset.filter(revoked_at__isnull=True):
            services.api_token_revoke(actor=request.user, token=token)  # type: ignore[arg-type]


@admin.register(LoginThrottle, site=admin_site)
class LoginThrottleAdmin(AdministratorAdmin):
    list_display = ("key", "failures", "window_started_at", "locked_until")
    actions = ["unlock"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Unlock")
    def unlock(self, request: HttpRequest, queryset: QuerySet[LoginThrottle]) -> None:
        for throttle in queryset:
            self._audit(throttle, "unlocked")
        queryset.update(failures=0, locked_until=None, window_started_at=timezone.now())
