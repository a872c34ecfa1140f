"""A trust's or local authority's pages, under /org/."""

from __future__ import annotations

from django.urls import path

from sendreg.organisations import views

urlpatterns = [
    path("", views.organisation_list, name="organisation_list"),
    path("<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("<int:pk>/needs.csv", views.organisation_needs_csv, name="organisation_needs_csv"),
]
