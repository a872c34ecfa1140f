"""The provision map, under /provision/. Every name starts ``provision_``."""

from __future__ import annotations

from django.urls import path

from sendreg.provision import views

_RUN = "runs/<int:pk>/"

urlpatterns = [
    path("", views.map_view, name="provision_map"),
    path("needs/", views.needs_view, name="provision_needs"),
    path("impact/", views.impact_view, name="provision_impact"),
    path("impact/compare/", views.compare_view, name="provision_compare"),
    path("top-up/", views.topup_view, name="provision_topup"),
    path("interventions/", views.intervention_list, name="provision_interventions"),
    path("interventions/new/", views.intervention_add, name="provision_intervention_add"),
    path("interventions/<int:pk>/", views.intervention_detail, name="provision_intervention"),
    path(
        "interventions/<int:pk>/edit/",
        views.intervention_edit,
        name="provision_intervention_edit",
    ),
    path(
        "interventions/<int:pk>/retire/",
        views.intervention_retire,
        name="provision_intervention_retire",
    ),
    path("interventions/<int:pk>/runs/new/", views.run_add, name="provision_run_add"),
    path("runs/", views.run_list, name="provision_runs"),
    path(_RUN, views.run_detail, name="provision_run"),
    path(_RUN + "edit/", views.run_edit, name="provision_run_edit"),
    path(_RUN + "delete/", views.run_delete, name="provision_run_delete"),
    path(_RUN + "pupils/", views.run_pupils, name="provision_run_pupils"),
    path(_RUN + "measures/", views.run_measures, name="provision_run_measures"),
    path(_RUN + "pupils/<int:item_pk>/", views.enrolment_edit, name="provision_enrolment_edit"),
    path(
        _RUN + "pupils/<int:item_pk>/remove/",
        views.enrolment_remove,
        name="provision_enrolment_remove",
    ),
    path("training/", views.training_list, name="provision_training"),
    path("training/new/", views.training_add, name="provision_training_add"),
    path("training/<int:pk>/", views.training_edit, name="provision_training_edit"),
    path("training/<int:pk>/delete/", views.training_delete, name="provision_training_delete"),
    path("settings/", views.settings_view, name="provision_settings"),
]
