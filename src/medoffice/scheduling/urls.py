from django.urls import include, path

from medoffice.scheduling import views_appointment, views_booking, views_calendar, views_find

app_name = "scheduling"

A = "appointments/<int:appointment_id>/"

urlpatterns: list = [
    # Calendar: day, week, day sheet, colours; booking and the appointment panels
    path("day/", views_calendar.day, name="calendar_day"),
    path("day/print/", views_calendar.day_print, name="calendar_day_print"),
    path("week/", views_calendar.week, name="calendar_week"),
    path("calendar/colors.css", views_calendar.colors_css, name="calendar_colors"),
    path("book/", views_booking.book, name="booking_new"),
    path("book/patients/", views_booking.booking_patients, name="booking_patients"),
    path(A + "panel/", views_appointment.appointment_panel, name="appointment_panel"),
    path(A + "move/", views_appointment.appointment_move, name="appointment_move"),
    path(A + "cancel/", views_appointment.appointment_cancel_view, name="appointment_cancel"),
    path(A + "no-show/", views_appointment.appointment_no_show, name="appointment_no_show"),
    # Find first available, and the setup pages (urls_setup.py)
    path("find/", views_find.find, name="find"),
    path("setup/", include("medoffice.scheduling.urls_setup")),
]
