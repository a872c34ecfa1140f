"""The other registers, under /registers/. Every name starts ``registers_``."""

from __future__ import annotations

from django.urls import path

from sendreg.records import views

_PUPIL = "pupils/<int:pk>/"

urlpatterns = [
    path("", views.registers_index, name="registers_index"),
    path("medical/", views.medical_list, name="registers_medical"),
    path("eal/", views.eal_list, name="registers_eal"),
    path("looked-after/", views.lac_list, name="registers_lac"),
    path("concerns/", views.concern_list, name="registers_concerns"),
    path("exam-arrangements/", views.exam_list, name="registers_exams"),
    # Reached from the pupil page.
    path(_PUPIL + "medical/new/", views.medical_add, name="registers_medical_add"),
    path(_PUPIL + "medical/<int:item_pk>/", views.medical_edit, name="registers_medical_edit"),
    path(_PUPIL + "medical/<int:item_pk>/end/", views.medical_end, name="registers_medical_end"),
    path(_PUPIL + "eal/", views.eal_edit, name="registers_eal_edit"),
    path(_PUPIL + "eal/clear/", views.eal_clear, name="registers_eal_clear"),
    path(_PUPIL + "looked-after/", views.lac_edit, name="registers_lac_edit"),
    path(_PUPIL + "looked-after/clear/", views.lac_clear, name="registers_lac_clear"),
    path(
        _PUPIL + "looked-after/protect-addresses/",
        views.lac_protect_addresses,
        name="registers_lac_protect",
    ),
    path(_PUPIL + "concerns/new/", views.concern_add, name="registers_concern_add"),
    path(_PUPIL + "concerns/<int:item_pk>/", views.concern_edit, name="registers_concern_edit"),
    path(_PUPIL + "concerns/<int:item_pk>/end/", views.concern_end, name="registers_concern_end"),
    path(_PUPIL + "exam-arrangements/new/", views.exam_add, name="registers_exam_add"),
    path(_PUPIL + "exam-arrangements/<int:item_pk>/", views.exam_edit, name="registers_exam_edit"),
    path(
        _PUPIL + "exam-arrangements/<int:item_pk>/end/",
        views.exam_end,
        name="registers_exam_end",
    ),
]
