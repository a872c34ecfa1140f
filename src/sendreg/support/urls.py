from __future__ import annotations

from django.urls import path

from sendreg.support import views

urlpatterns = [
    path("", views.plan_list, name="support_plans"),
    path("settings/", views.settings_edit, name="support_settings"),
    path("class-sheet/", views.class_sheet, name="support_class_sheet"),
    path("pupils/<int:pk>/", views.pupil_record, name="support_pupil"),
    path("pupils/<int:pk>/plans/new/", views.plan_open, name="support_plan_open"),
    path("pupils/<int:pk>/meetings/new/", views.meeting_add, name="support_meeting_add"),
    path("pupils/<int:pk>/specialists/new/", views.specialist_add, name="support_specialist_add"),
    path("pupils/<int:pk>/passport/", views.passport_edit, name="support_passport_edit"),
    path(
        "pupils/<int:pk>/passport/suggest/", views.passport_suggest, name="support_passport_suggest"
    ),
    path(
        "pupils/<int:pk>/passport/document/",
        views.passport_document,
        name="support_passport_document",
    ),
    path("pupils/<int:pk>/annual-report/", views.annual_report, name="support_annual_report"),
    path("plans/<int:pk>/", views.plan_detail, name="support_plan_detail"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="support_plan_edit"),
    path("plans/<int:pk>/assess/", views.assessment_add, name="support_assessment_add"),
    path("plans/<int:pk>/outcomes/new/", views.outcome_add, name="support_outcome_add"),
    path(
        "plans/<int:pk>/outcomes/<int:outcome_pk>/",
        views.outcome_edit,
        name="support_outcome_edit",
    ),
    path("plans/<int:pk>/review/", views.plan_review, name="support_plan_review"),
    path("plans/<int:pk>/next/", views.plan_next, name="support_plan_next"),
    path("plans/<int:pk>/document/", views.plan_document, name="support_plan_document"),
    path("plans/<int:pk>/review/document/", views.review_document, name="support_review_document"),
    path("meetings/<int:pk>/", views.meeting_detail, name="support_meeting_detail"),
    path("meetings/<int:pk>/document/", views.meeting_document, name="support_meeting_document"),
    path("specialists/<int:pk>/", views.specialist_detail, name="support_specialist_detail"),
    path("specialists/<int:pk>/edit/", views.specialist_edit, name="support_specialist_edit"),
    path("specialists/<int:pk>/visits/new/", views.visit_add, name="support_visit_add"),
    path("specialists/<int:pk>/reports/new/", views.report_add, name="support_report_add"),
    path("reports/<int:pk>/", views.report_download, name="support_report_download"),
    path("suggestions/<int:pk>/decide/", views.suggestion_decide, name="support_suggestion_decide"),
]
