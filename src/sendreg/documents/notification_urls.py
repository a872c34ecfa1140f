from __future__ import annotations

from django.urls import path

from sendreg.documents import notification_views as views

urlpatterns = [
    path("", views.notification_list_view, name="notifications_list"),
    path("<int:pk>/", views.notification_detail_view, name="notifications_detail"),
    path("<int:pk>/sent/", views.notification_mark_sent_view, name="notifications_mark_sent"),
    path(
        "<int:pk>/acknowledged/",
        views.notification_acknowledge_view,
        name="notifications_acknowledge",
    ),
    path("pupils/<int:pk>/", views.notification_pupil_view, name="notifications_pupil"),
    path(
        "pupils/<int:pk>/move-to-monitoring/",
        views.monitoring_move_view,
        name="notifications_move_to_monitoring",
    ),
]
