from django.urls import path

from medoffice.messaging import views, views_public

app_name = "messaging"

urlpatterns = [
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/<int:message_id>/retry/", views.message_retry, name="message_retry"),
    path("outbox/<int:message_id>/cancel/", views.message_cancel, name="message_cancel"),
    path("calendar-feeds/", views.calendar_feeds, name="calendar_feeds"),
    path(
        "calendar-feeds/<int:provider_id>/regenerate/",
        views.calendar_feed_regenerate,
        name="calendar_feed_regenerate",
    ),
    # Public: opened from messages and calendar apps (the signed token is the key).
    path("a/<str:token>/", views_public.appointment_link, name="appointment_link"),
    path("o/<str:token>/", views_public.offer_link, name="offer_link"),
    path("stop/<str:token>/", views_public.opt_out_link, name="opt_out_link"),
    path("sms/inbound/", views_public.sms_inbound, name="sms_inbound"),
    path("ical/<str:token>.ics", views_public.ical_feed, name="ical_feed"),
]
