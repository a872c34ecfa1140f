from __future__ import annotations

from django.urls import path

from sendreg.census import views

urlpatterns = [
    path("", views.census_page, name="census"),
    path("record/", views.census_record, name="census_record"),
]
