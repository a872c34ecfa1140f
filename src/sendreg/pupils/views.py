from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST

from sendreg.accounts.decorators import require_permission
from sendreg.accounts.permissions import Permission
from sendreg.audit.selectors import events_as_read_by, events_for_pupil
from sendreg.audit.services import access_record
from sendreg.lib.dates import today
from sendreg.lib.htmx import page_or_fragment, redirect_after_post
from sendreg.pupils import selectors
from sendreg.pupils.forms import DETAIL_FIELDS, ContactForm, PupilForm, PupilSearchForm
from sendreg.pupils.models import Contact
from sendreg.pupils.services import contact_remove, contact_save, pupil_update
from sendreg.register.forms import MonitoringEndForm
from sendreg.register.selectors import pupil_sen_summary, with_sen_status
from sendreg.registers.selectors import PUPIL_RELATED, registers_for_pupil

SEE_PUPILS = (Permission.PUPILS_VIEW_ALL, Permission.PUPILS_VIEW_TAUGHT)


@require_permission(*SEE_PUPILS)
def pupil_list(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    form = PupilSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    day = today()
    pupils = with_sen_status(selectors.pupil_search(membership, query, day=day), day)
    pupils = pupils.prefetch_related("needs").order_by("legal_surname", "legal_forename", "pk")
    shown = list(pupils[:200])
    context = {"form": form, "pupils": shown, "more": len(shown) == 200, "query": query}
    return render(request, page_or_fragment(request, "pupils/list.html", "results"), context)


@require_permission(*SEE_PUPILS)
def pupil_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    pupil = selectors.pupil_get_for_user(membership, pk, related=PUPIL_RELATED)
    sees_all = membership.can(Permission.PUPILS_VIEW_ALL)
    if sees_all:
        prefetch_related_objects([pupil], "contacts")
    day = today()
    access_record(by=request.user, school_id=pupil.school_id, pupil_id=pupil.pk, what="record")  # type: ignore[arg-type]
    contacts = (
        [(c, selectors.contact_address_for(membership, c)) for c in pupil.contacts.all()]
        if sees_all
        else []
    )
    monitoring = list(pupil.monitoring.all()) if sees_all else []
    context = {
        "pupil": pupil,
        "summary": pupil_sen_summary(pupil, day=day),
        "needs": list(pupil.needs.order_by("rank")),
        "contacts": contacts,
        "open_monitoring": next((m for m in monitoring if m.ended_on is None), None),
        "past_monitoring": [m for m in monitoring if m.ended_on is not None],
        "history": (
            events_as_read_by(membership, events_for_pupil(pupil))
            if membership.can(Permission.AUDIT_VIEW)
            else []
        ),
        "groups": list(pupil.teaching_groups.all()),
        "end_form": MonitoringEndForm(initial={"on": day}),
        "today": day,
        "registers": registers_for_pupil(membership, pupil, day),
    }
    return render(request, "pupils/detail.html", context)


@require_http_methods(["GET", "POST"])
@require_permission(Permission.PUPILS_EDIT)
def pupil_edit(request: HttpRequest, pk: int) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    pupil = selectors.pupil_get_for_user(membership, pk)
    can_edit_sen = membership.can(Permission.SEN_EDIT)
    # Bind to a copy: a form that fails validation must not leave half-changed fields behind.
    form = PupilForm(
        request.POST or None,
        instance=selectors.pupil_get_for_user(membership, pk),
        can_edit_sen=can_edit_sen,
    )
    if request.method == "POST" and form.is_valid():
        fields = [*DETAIL_FIELDS, "staff_notes"] if can_edit_sen else DETAIL_FIELDS
        data = {name: form.cleaned_data[name] for name in fields}
        try:
            changed = pupil_update(pupil=pupil, data=data, by=request.user)  # type: ignore[arg-type]
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, "The details were saved." if changed else "Nothing had changed."
            )
            return redirect_after_post(request, pupil.get_absolute_url())
    return render(request, "pupils/edit.html", {"pupil": pupil, "form": form})


@require_http_methods(["GET", "POST"])
@require_permission(Permission.CONTACTS_EDIT)
def contact_edit(request: HttpRequest, pk: int, contact_pk: int | None = None) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    pupil = selectors.pupil_get_for_user(membership, pk)
    contact = (
        selectors.contact_get_for_user(membership, pupil, contact_pk)
        if contact_pk is not None
        else Contact(pupil=pupil)
    )
    form = ContactForm(
        request.POST or None,
        instance=contact,
        can_see_protected=membership.can(Permission.PROTECTED_ADDRESS_VIEW),
    )
    if request.method == "POST" and form.is_valid():
        contact_save(contact=form.instance, by=request.user)  # type: ignore[arg-type]
        messages.success(request, f"The contact {form.instance.name} was saved.")
        return redirect_after_post(request, pupil.get_absolute_url())
    return render(
        request, "pupils/contact_form.html", {"pupil": pupil, "form": form, "contact": contact}
    )


@require_POST
@require_permission(Permission.CONTACTS_EDIT)
def contact_delete(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    pupil = selectors.pupil_get_for_user(membership, pk)
    contact = selectors.contact_get_for_user(membership, pupil, contact_pk)
    contact_remove(contact=contact, by=request.user)  # type: ignore[arg-type]
    messages.success(request, f"The contact {contact.name} was removed.")
    return redirect_after_post(request, pupil.get_absolute_url())
