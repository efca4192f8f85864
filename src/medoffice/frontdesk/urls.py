from django.urls import path

from medoffice.frontdesk import views

app_name = "frontdesk"

V = "visits/<int:appointment_id>/"

urlpatterns: list = [
    path("board/", views.board, name="board"),
    path(V + "check-in/", views.check_in, name="check_in"),
    path(V + "room/", views.room, name="room"),
    path(V + "step/", views.step, name="step"),
    path(V + "check-out/", views.check_out, name="check_out"),
    path("payments/<int:payment_id>/", views.receipt, name="receipt"),
    path("payments/<int:payment_id>/void/", views.payment_void, name="payment_void"),
    path("wait-times/", views.wait_times_page, name="wait_times"),
]
