from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST

from sendreg.accounts.decorators import require_permission
from sendreg.accounts.permissions import Permission
from sendreg.lib.htmx import redirect_after_post
from sendreg.pupils import selectors
from sendreg.pupils.forms import DETAIL_FIELDS, ContactForm, PupilForm
from sendreg.pupils.models import Contact
from sendreg.pupils.services import StaleDetails, contact_remove, contact_save, pupil_update


@require_http_methods(["GET", "POST"])
@require_permission(Permission.PUPILS_EDIT)
def pupil_edit(request: HttpRequest, pk: int) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    pupil = selectors.pupil_get_for_user(membership, pk)
    # Bind to a copy: a form that fails validation must not leave half-changed fields behind.
    form = PupilForm(
        request.POST or None,
        instance=selectors.pupil_get_for_user(membership, pk),
    )
    differences: list[tuple[str, str, str]] = []
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in DETAIL_FIELDS}
        try:
            changed = pupil_update(
                pupil=pupil,
                data=data,
                by=request.user,  # type: ignore[arg-type]
                expected_version=form.cleaned_data["version"],
            )
        except StaleDetails as exc:
            # Keep what was typed; show the record as it is now beside it, and let the
            # next save go through against the version just shown.
            differences = form.differences_from(pupil)
            form.add_error(None, str(exc))
            form.data = form.data.copy()
            form.data["version"] = str(pupil.details_version)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, "The details were saved." if changed else "Nothing had changed."
            )
            return redirect_after_post(request, pupil.get_absolute_url())
    context = {"pupil": pupil, "form": form, "differences": differences}
    return render(request, "pupils/edit.html", context)


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
    # The same rule as the pupil's page and letters: marked protected, or the same address
    # as one marked on another contact. Only the SENCO sees or changes such an address.
    withheld = (
        contact.pk is not None
        and not membership.can(Permission.PROTECTED_ADDRESS_VIEW)
        and selectors.contact_address_protected(
            contact, selectors.protected_addresses_of(pupil.contacts.all())
        )
    )
    form = ContactForm(request.POST or None, instance=contact, address_withheld=withheld)
    if request.method == "POST" and form.is_valid():
        contact_save(contact=form.instance, by=request.user)  # type: ignore[arg-type]
        messages.success(request, f"The contact {form.instance.name} was saved.")
        return redirect_after_post(request, pupil.get_absolute_url())
    context = {"pupil": pupil, "form": form, "contact": contact, "address_withheld": withheld}
    return render(request, "pupils/contact_form.html", context)


@require_POST
@require_permission(Permission.CONTACTS_EDIT)
def contact_delete(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    pupil = selectors.pupil_get_for_user(membership, pk)
    contact = selectors.contact_get_for_user(membership, pupil, contact_pk)
    contact_remove(contact=contact, by=request.user)  # type: ignore[arg-type]
    messages.success(request, f"The contact {contact.name} was removed.")
    return redirect_after_post(request, pupil.get_absolute_url())
