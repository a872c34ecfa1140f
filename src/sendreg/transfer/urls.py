"""Transfers and consent to share, under /transfer/. Every name starts ``transfer_``."""

from __future__ import annotations

from django.urls import path

from sendreg.transfer import views

_PUPIL = "pupils/<int:pk>/"

urlpatterns = [
    path("decisions/", views.decision_list, name="transfer_decisions"),
    path("decisions/<int:pk>/", views.decision_detail, name="transfer_decision"),
    path("log/", views.transfer_log, name="transfer_log"),
    path(_PUPIL + "ctf/", views.ctf_export_view, name="transfer_ctf_export"),
    path(_PUPIL + "record-pack/", views.record_pack_new, name="transfer_record_pack_new"),
    path(_PUPIL + "consents/new/", views.consent_new, name="transfer_consent_new"),
    path(
        _PUPIL + "consents/<int:consent_pk>/withdraw/",
        views.consent_withdraw,
        name="transfer_consent_withdraw",
    ),
    path(
        "record-packs/<int:pk>/download/",
        views.record_pack_download,
        name="transfer_record_pack_download",
    ),
    path(
        "record-packs/<int:pk>/acknowledgement-form/",
        views.record_pack_form,
        name="transfer_record_pack_form",
    ),
    path(
        "record-packs/<int:pk>/acknowledge/",
        views.record_pack_acknowledge,
        name="transfer_record_pack_acknowledge",
    ),
]
