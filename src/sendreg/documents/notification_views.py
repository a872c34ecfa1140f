"""Pages for telling parents about register changes, and for moving a pupil from the register
to the monitoring list (which is such a change)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sendreg.accounts.decorators import require_permission
from sendreg.accounts.permissions import Permission
from sendreg.documents.letters import letter_notes, letter_recipients
from sendreg.lib.dates import today
from sendreg.lib.htmx import redirect_after_post
from sendreg.pupils.selectors import pupil_get_for_user
from sendreg.register import selectors, services
from sendreg.register.models import ParentNotification
from sendreg.register.selectors import need_items, pupil_sen_summary
from sendreg.register.services import StaleRecord, register_to_monitoring

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MarkSentForm(forms.Form):
    sent_on = forms.DateField(
        label="Date the parents were told",
        widget=DATE,
        error_messages={"required": "Say the date the parents were told."},
    )
    method = forms.ChoiceField(
        label="How they were told",
        widget=forms.RadioSelect,
        choices=ParentNotification.Method.choices,
        error_messages={"required": "Say how the parents were told."},
    )


class AcknowledgeForm(forms.Form):
    acknowledged_on = forms.DateField(
        label="Date the parents acknowledged it",
        widget=DATE,
        error_messages={"required": "Say the date the parents acknowledged the letter."},
    )
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example, a reply slip returned, or what the parents said.",
    )


class MoveToMonitoringForm(forms.Form):
    effective = forms.DateField(
        label="Comes off the register on",
        widget=DATE,
        help_text="Up to the next census day; not before the last change.",
    )
    reason = forms.CharField(
        label="Outcomes met at the review",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="What the review found. This is kept with the register history and the "
        "monitoring entry; it is not printed on the parents' letter.",
    )
    review_date = forms.DateField(
        label="Monitoring review date", widget=DATE, help_text="When to check progress again."
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            for message in errors:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


@require_GET
@require_permission(Permission.SEN_EDIT)
def notification_list_view(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    outstanding = selectors.notifications_outstanding(membership)
    return render(request, "register/notifications.html", {"outstanding": outstanding})


def _detail(
    request: HttpRequest,
    notification: ParentNotification,
    *,
    sent_form: MarkSentForm | None = None,
    ack_form: AcknowledgeForm | None = None,
) -> HttpResponse:
    day = today()
    pupil = notification.pupil
    context: dict[str, Any] = {
        "notification": notification,
        "pupil": pupil,
        # Names only: the page never shows an address, protected or not.
        "recipients": letter_recipients(pupil),
        "notes": letter_notes(notification),
        "recorded_on": selectors.change_recorded_on(notification),
        "sent_form": sent_form or MarkSentForm(initial={"sent_on": day}),
        "ack_form": ack_form or AcknowledgeForm(initial={"acknowledged_on": day}),
    }
    return render(request, "register/notification_detail.html", context)


@require_GET
@require_permission(Permission.SEN_EDIT)
def notification_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    return _detail(request, selectors.notification_get_for_user(membership, pk))


@require_POST
@require_permission(Permission.SEN_EDIT)
def notification_mark_sent_view(request: HttpRequest, pk: int) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    notification = selectors.notification_get_for_user(membership, pk)
    form = MarkSentForm(request.POST)
    if form.is_valid():
        try:
            services.notification_mark_sent(
                notification=notification,
                sent_on=form.cleaned_data["sent_on"],
                method=form.cleaned_data["method"],
                by=request.user,  # type: ignore[arg-type]
                today=today(),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"Recorded that {notification.pupil}'s parents were told.")
            return redirect_after_post(request, reverse("notifications_detail", args=[pk]))
    return _detail(request, notification, sent_form=form)


@require_POST
@require_permission(Permission.SEN_EDIT)
def notification_acknowledge_view(request: HttpRequest, pk: int) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    notification = selectors.notification_get_for_user(membership, pk)
    form = AcknowledgeForm(request.POST)
    if form.is_valid():
        try:
            services.notification_acknowledge(
                notification=notification,
                acknowledged_on=form.cleaned_data["acknowledged_on"],
                note=form.cleaned_data["note"],
                by=request.user,  # type: ignore[arg-type]
                today=today(),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request, f"Recorded the acknowledgement from {notification.pupil}'s parents."
            )
            return redirect_after_post(request, reverse("notifications_detail", args=[pk]))
    return _detail(request, notification, ack_form=form)


@require_GET
@require_permission(Permission.SEN_EDIT)
def notification_pupil_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Every notification of one pupil, newest first."""
    membership = request.membership  # type: ignore[attr-defined]
    pupil = pupil_get_for_user(membership, pk)
    context = {"pupil": pupil, "notifications": selectors.notifications_for_pupil(pupil)}
    return render(request, "register/notifications_pupil.html", context)


@require_http_methods(["GET", "POST"])
@require_permission(Permission.SEN_EDIT)
def monitoring_move_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Take a pupil whose review found the outcomes met off the register, onto monitoring."""
    membership = request.membership  # type: ignore[attr-defined]
    pupil = pupil_get_for_user(membership, pk)
    day = today()
    form = MoveToMonitoringForm(
        request.POST or None, initial={"effective": day, "version": pupil.sen_version}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            moved = register_to_monitoring(
                pupil=pupil,
                effective=data["effective"],
                reason=data["reason"],
                review_date=data["review_date"],
                expected_version=data["version"],
                by=request.user,  # type: ignore[arg-type]
                today=day,
            )
        except StaleRecord as exc:
            form.add_error(None, str(exc))
            pupil.refresh_from_db()
            form.data = form.data.copy()
            form.data["version"] = str(pupil.sen_version)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                f"{pupil} came off the SEN register and is on the monitoring list. "
                "Now tell the parents.",
            )
            url = (
                reverse("notifications_detail", args=[moved.notification.pk])
                if moved.notification is not None
                else pupil.get_absolute_url()
            )
            return redirect_after_post(request, url)
    context = {
        "pupil": pupil,
        "form": form,
        "summary": (summary := pupil_sen_summary(pupil, day=day)),
        "needs": need_items(summary.needs),
    }
    return render(request, "register/monitoring_move.html", context)
