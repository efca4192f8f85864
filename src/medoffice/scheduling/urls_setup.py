"""Setup pages, under /schedule/setup/ (names in the scheduling namespace)."""

from django.urls import path

from medoffice.scheduling import views_setup as v
from medoffice.scheduling import views_setup_availability as a

urlpatterns = [
    path("", v.setup_index, name="setup"),
    path("providers/", v.providers, name="setup_providers"),
    path("providers/new/", v.provider_new, name="setup_provider_new"),
    path("providers/<int:provider_id>/", v.provider_edit, name="setup_provider_edit"),
    path("rooms/", v.rooms, name="setup_rooms"),
    path("rooms/new/", v.room_new, name="setup_room_new"),
    path("rooms/<int:room_id>/", v.room_edit, name="setup_room_edit"),
    path("equipment/new/", v.equipment_new, name="setup_equipment_new"),
    path("equipment/<int:equipment_id>/", v.equipment_edit, name="setup_equipment_edit"),
    path("types/", v.types, name="setup_types"),
    path("types/new/", v.type_new, name="setup_type_new"),
    path("types/<int:type_id>/", v.type_edit, name="setup_type_edit"),
    path("locations/<int:location_id>/hours/", v.location_hours, name="setup_hours"),
    path("hours/", a.templates, name="setup_templates"),
    path("hours/new/", a.template_new, name="setup_template_new"),
    path("hours/<int:template_id>/", a.template_edit, name="setup_template_edit"),
    path("time-off/", a.time_off, name="setup_time_off"),
    path("time-off/new/", a.time_off_new, name="setup_time_off_new"),
    path("time-off/<int:time_off_id>/delete/", a.time_off_delete, name="setup_time_off_delete"),
    path("holidays/", a.holidays, name="setup_holidays"),
    path("holidays/load/", a.holidays_load, name="setup_holidays_load"),
    path("holidays/new/", a.holiday_new, name="setup_holiday_new"),
    path("holidays/<int:holiday_id>/", a.holiday_edit, name="setup_holiday_edit"),
    path("holidays/<int:holiday_id>/delete/", a.holiday_delete, name="setup_holiday_delete"),
]
