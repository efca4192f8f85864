from django.contrib import admin

from medoffice.core.admin_site import AdministratorAdmin, admin_site
from medoffice.organization.models import Department, Location, Practice


@admin.register(Practice, site=admin_site)
class PracticeAdmin(AdministratorAdmin):
    list_display = ("name", "group_npi", "time_zone")


@admin.register(Location, site=admin_site)
class LocationAdmin(AdministratorAdmin):
    list_display = ("name", "code", "city", "state", "time_zone", "is_active")
    list_filter = ("is_active",)


@admin.register(Department, site=admin_site)
class DepartmentAdmin(AdministratorAdmin):
    list_display = ("name", "code", "is_active")
    filter_horizontal = ("locations",)
