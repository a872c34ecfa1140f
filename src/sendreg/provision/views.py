"""The provision map's pages, under /provision/. Every URL name starts ``provision_``.

Pages of totals (the map, needs against provision, impact, the catalogue, training) are
open to those who see aggregates, with no pupil named and small groups hidden; pages that
name pupils need ``PROVISION_VIEW`` (or, for a run, delivering it or teaching a pupil in
it); changes need ``PROVISION_EDIT``. Another school's record answers 404.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from sendreg.accounts.decorators import require_permission
from sendreg.accounts.models import Membership, User
from sendreg.accounts.permissions import Permission
from sendreg.lib.dates import today
from sendreg.lib.htmx import page_or_fragment, query_without, redirect_after_post
from sendreg.lib.spreadsheets import XLSX_TYPE
from sendreg.provision import exports, rules, selectors, services
from sendreg.provision.forms import (
    ConfirmForm,
    EnrolForm,
    EnrolmentForm,
    InterventionForm,
    MapFilterForm,
    NeedFilterForm,
    PupilSearchForm,
    RunForm,
    ThresholdForm,
    TrainingForm,
    YearFilterForm,
    measure_forms,
)
from sendreg.provision.models import Intervention, Run, TrainingRecord
from sendreg.provision.selectors import AGGREGATES, EDIT, SOME, VIEW
from sendreg.pupils.selectors import on_roll, pupils_visible_to

EXPORTS = {"csv", "xlsx"}


def _member(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined,no-any-return]


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _add_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put a service's errors beside the fields they name, the rest at the top."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            for message in errors:
                form.add_error(name if name in form.fields else None, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def _posted(request: HttpRequest) -> Any:
    """The POST data of a POST, even an empty one (``request.POST or None`` would treat an empty
    confirmation as no submission at all)."""
    return request.POST if request.method == "POST" else None


def _save_form(
    request: HttpRequest,
    form: forms.BaseForm,
    save: Callable[[], object],
    *,
    template: str,
    context: dict[str, Any],
    done: str,
    then: Callable[[object], str],
) -> HttpResponse:
    """Show a form; on a valid POST call ``save`` (a service) and go to ``then(result)``.

    An invalid form, or a rule the service breaks, re-renders with each error beside its
    field and nothing saved.
    """
    if request.method == "POST" and form.is_valid():
        try:
            result = save()
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, done if result is not False else "Nothing had changed.")
            return redirect_after_post(request, then(result))
    return render(request, template, {"form": form, **context})


def _year(request: HttpRequest, years: list[int]) -> tuple[YearFilterForm, int]:
    form = YearFilterForm(request.GET or None, years=years)
    return form, form.chosen_year(rules.school_year_of(today()))


# --- The map and its reports ------------------------------------------------------------------


@require_permission(*AGGREGATES)
def map_view(request: HttpRequest) -> HttpResponse:
    """The whole school's provision by year group and wave, with downloads."""
    membership = _member(request)
    school, day = membership.school, today()
    years = selectors.years_with_provision(school, day)
    form = MapFilterForm(request.GET or None, years=years)
    year = form.chosen_year(rules.school_year_of(day))
    need = form.value("need")
    names = selectors.sees_names(membership)
    wanted = request.GET.get("export")
    if wanted in EXPORTS:
        if not names:
            raise PermissionDenied
        provision_map = selectors.provision_map(school, year=year, need=need, today=day)
        statuses = selectors.statuses_on(
            {r.pupil_id for r in provision_map.rows}, selectors.day_in_year(year, day)
        )
        name = f"provision-map-{school.urn}-{rules.school_year_label(year).replace('/', '-')}"
        if wanted == "csv":
            return _csv(f"{name}.csv", exports.provision_csv(provision_map, statuses))
        response = HttpResponse(
            exports.provision_xlsx(school, provision_map, statuses), content_type=XLSX_TYPE
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    provision_map = selectors.provision_map(
        school, year=year, need=need, today=day, suppress=not names
    )
    context = {
        "form": form,
        "map": provision_map,
        "names": names,
        "export_query": query_without(request, "export"),
        "small": selectors.SMALL_NUMBER,
    }
    return render(request, page_or_fragment(request, "provision/map.html", "results"), context)


def _csv(filename: str, text: str) -> HttpResponse:
    # A BOM makes Excel read the file as UTF-8, as the other downloads do.
    response = HttpResponse("\ufeff" + text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_permission(*AGGREGATES)
def needs_view(request: HttpRequest) -> HttpResponse:
    """Each need on the register, how many pupils have it, and what provision targets it."""
    membership = _member(request)
    school, day = membership.school, today()
    form, year = _year(request, selectors.years_with_provision(school, day))
    context = {
        "form": form,
        "year_label": rules.school_year_label(year),
        "lines": selectors.needs_against_provision(school, year=year, today=day),
        "suppress": not selectors.sees_names(membership),
    }
    return render(request, page_or_fragment(request, "provision/needs.html", "results"), context)


@require_permission(*AGGREGATES)
def impact_view(request: HttpRequest) -> HttpResponse:
    """Each intervention's impact over all its runs."""
    membership = _member(request)
    form = NeedFilterForm(request.GET or None)
    need = form.value("need")
    context = {
        "form": form,
        "need": need,
        "need_label": rules.need_area_label(need) if need else "",
        "rows": selectors.impact_rows(membership.school, need=need),
        "method": rules.EFFECT_SIZE_METHOD,
    }
    return render(request, page_or_fragment(request, "provision/impact.html", "results"), context)


@require_permission(*AGGREGATES)
def compare_view(request: HttpRequest) -> HttpResponse:
    """Interventions that target the same need, side by side, to decide which to keep."""
    membership = _member(request)
    form = NeedFilterForm(request.GET or None, blank="Choose a need")
    need = form.value("need")
    rows = selectors.impact_rows(membership.school, need=need) if need else []
    context = {
        "form": form,
        "need": need,
        "need_label": rules.need_area_label(need) if need else "",
        "rows": rows,
        "method": rules.EFFECT_SIZE_METHOD,
    }
    return render(request, page_or_fragment(request, "provision/compare.html", "results"), context)


@require_permission(*VIEW)
def topup_view(request: HttpRequest) -> HttpResponse:
    """Pupils whose costed provision is above the threshold, with the evidence for each."""
    membership = _member(request)
    school, day = membership.school, today()
    form, year = _year(request, selectors.years_with_provision(school, day))
    context = {
        "form": form,
        "year_label": rules.school_year_label(year),
        "candidates": selectors.topup_candidates(school, year=year, today=day),
        "threshold": selectors.topup_threshold(school),
    }
    return render(request, page_or_fragment(request, "provision/topup.html", "results"), context)


# --- The catalogue ----------------------------------------------------------------------------


@require_permission(*AGGREGATES)
def intervention_list(request: HttpRequest) -> HttpResponse:
    interventions = list(selectors.interventions_of(_member(request).school))
    lines = [
        (i, rules.pupil_run_cost(i.costing()), rules.run_hours(i.costing())) for i in interventions
    ]
    return render(request, "provision/interventions.html", {"lines": lines})


@require_http_methods(["GET", "POST"])
@require_permission(*EDIT)
def intervention_add(request: HttpRequest) -> HttpResponse:
    membership = _member(request)
    form = InterventionForm(
        request.POST or None,
        instance=Intervention(school=membership.school),
        initial={"resources_per_pupil": 0, "wave": rules.Wave.TARGETED},
    )
    return _save_form(
        request,
        form,
        lambda: services.intervention_create(
            school=membership.school, by=_user(request), **form.cleaned_data
        ),
        template="provision/form.html",
        context={"heading": "Add an intervention to the catalogue", "button": "Add it"},
        done="The intervention was added to the catalogue.",
        then=lambda i: i.get_absolute_url(),  # type: ignore[attr-defined]
    )


@require_permission(*AGGREGATES)
def intervention_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _member(request)
    intervention = selectors.intervention_get(membership, pk)
    runs = selectors.run_lines(Run.objects.filter(intervention=intervention))
    impact = selectors.impact_rows(membership.school, interventions=[intervention])[0]
    context = {
        "intervention": intervention,
        "runs": runs,
        "impact": impact.impact,
        "cost": rules.pupil_run_cost(intervention.costing()),
        "hours": rules.run_hours(intervention.costing()),
        "method": rules.EFFECT_SIZE_METHOD,
    }
    return render(request, "provision/intervention.html", context)


@require_http_methods(["GET", "POST"])
@require_permission(*EDIT)
def intervention_edit(request: HttpRequest, pk: int) -> HttpResponse:
    intervention = selectors.intervention_get(_member(request), pk)
    form = InterventionForm(request.POST or None, instance=copy.copy(intervention))
    return _save_form(
        request,
        form,
        lambda: services.intervention_update(
            intervention=intervention, data=form.cleaned_data, by=_user(request)
        ),
        template="provision/form.html",
        context={
            "heading": f"Change {intervention.name}",
            "button": "Save the intervention",
            "back": intervention.get_absolute_url(),
            "intro": "Runs already set up keep their own costs; change a run to change its cost.",
        },
        done="The intervention was saved.",
        then=lambda _: intervention.get_absolute_url(),
    )


@require_POST
@require_permission(*EDIT)
def intervention_retire(request: HttpRequest, pk: int) -> HttpResponse:
    intervention = selectors.intervention_get(_member(request), pk)
    active = not intervention.active
    services.intervention_set_active(intervention=intervention, active=active, by=_user(request))
    messages.success(
        request,
        f"{intervention.name} is back in use."
        if active
        else f"{intervention.name} was retired. Its runs and impact stay in the history.",
    )
    return redirect_after_post(request, intervention.get_absolute_url())


# --- Runs -------------------------------------------------------------------------------------


@require_permission(*SOME)
def run_list(request: HttpRequest) -> HttpResponse:
    membership = _member(request)
    form, year = _year(request, selectors.years_with_provision(membership.school, today()))
    context = {
        "form": form,
        "year_label": rules.school_year_label(year),
        "lines": selectors.run_lines(selectors.runs_visible_to(membership), year=year),
        "show_costs": membership.can(Permission.PROVISION_VIEW),
    }
    return render(request, page_or_fragment(request, "provision/runs.html", "results"), context)


@require_http_methods(["GET", "POST"])
@require_permission(*EDIT)
def run_add(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _member(request)
    intervention = selectors.intervention_get(membership, pk)
    initial = {name: getattr(intervention, name) for name in services.COST_FIELDS}
    initial["weeks"] = intervention.typical_weeks
    form = RunForm(
        request.POST or None,
        instance=Run(school=membership.school, intervention=intervention),
        school=membership.school,
        initial=initial,
    )

    def save() -> Run:
        data, staff = form.service_data()
        start, end = data.pop("start_date"), data.pop("end_date")
        return services.run_create(
            intervention=intervention, start_date=start, end_date=end, staff=staff,
            by=_user(request), **data,
        )  # fmt: skip

    return _save_form(
        request,
        form,
        save,
        template="provision/form.html",
        context={
            "heading": f"Set up a run of {intervention.name}",
            "button": "Set up the run",
            "back": intervention.get_absolute_url(),
            "intro": "The costs start as the catalogue's; change them if this run differs. "
            "Add the pupils next.",
        },
        done="The run was set up. Now add its pupils.",
        then=lambda run: reverse("provision_run_pupils", args=[run.pk]),  # type: ignore[attr-defined]
    )


@require_permission(*SOME)
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _member(request)
    run = selectors.run_get_for_user(membership, pk)
    rows = selectors.run_rows_for(membership, run)
    show_costs = membership.can(Permission.PROVISION_VIEW)
    context = {
        "run": run,
        "intervention": run.intervention,
        "rows": rows,
        "staff": sorted(u.name for u in run.staff.all()),
        "impact": selectors.run_impact(rows) if show_costs else None,
        "show_costs": show_costs,
        "cost": rules.pupil_run_cost(run.costing()),
        "hours": rules.run_hours(run.costing()),
        "can_edit": membership.can(Permission.PROVISION_EDIT),
        "method": rules.EFFECT_SIZE_METHOD,
    }
    return render(request, "provision/run.html", context)


@require_http_methods(["GET", "POST"])
@require_permission(*EDIT)
def run_edit(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _member(request)
    run = selectors.run_get_for_user(membership, pk)
    form = RunForm(
        request.POST or None,
        instance=copy.copy(run),
        school=membership.school,
        initial={"staff": list(run.staff.all())},
    )

    def save() -> bool:
        data, staff = form.service_data()
        return services.run_update(run=run, data=data, staff=staff, by=_user(request))

    return _save_form(
        request,
        form,
        save,
        template="provision/form.html",
        context={
            "heading": f"Change the run: {run}",
            "button": "Save the run",
            "back": run.get_absolute_url(),
        },
        done="The run was saved.",
        then=lambda _: run.get_absolute_url(),
    )


@require_http_methods(["GET", "POST"])
@require_permission(*EDIT)
def run_delete(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.run_get_for_user(_member(request), pk)
    intervention = run.intervention
    form = ConfirmForm(_posted(request))
    return _save_form(
        request,
        form,
        lambda: services.run_delete(run=run, by=_user(request), reason=form.cleaned_data["reason"]),
        template="provision/confirm.html",
        context={
            "heading": f"Delete the run: {run}",
            "button": "Delete the run",
            "back": run.get_absolute_url(),
            "intro": "Delete a run only if it was set up by mistake. Its pupils and their "
            "scores go with it; the audit trail keeps a record of what it held.",
        },
        done="The run was deleted.",
        then=lambda _: intervention.get_absolute_url(),
    )


@require_http_methods(["GET", "POST"])
@require_permission(*EDIT)
def run_pupils(request: HttpRequest, pk: int) -> HttpResponse:
    """Find pupils and put the ticked ones in the run."""
    membership = _member(request)
    run = selectors.run_get_for_user(membership, pk)
    day = today()
    search = PupilSearchForm(request.GET or None)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    form = EnrolForm(
        request.POST or None, pupils=pupils_visible_to(membership).filter(on_roll(day))
    )
    if request.method == "POST" and form.is_valid():
        try:
            added = services.enrolment_add(
                run=run, pupils=list(form.cleaned_data["pupils"]), by=_user(request)
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request, f"{len(added)} pupil{'' if len(added) == 1 else 's'} added to the run."
            )
            return redirect_after_post(request, run.get_absolute_url())
    context = {
        "run": run,
        "form": form,
        "search": search,
        "query": query,
        "choices": selectors.pupils_to_add(membership, run, query=query, day=day),
    }
    return render(
        request, page_or_fragment(request, "provision/run_pupils.html", "results"), context
    )


@require_http_methods(["GET", "POST"])
@require_permission(*EDIT)
def run_measures(request: HttpRequest, pk: int) -> HttpResponse:
    """Every pupil's attendance and scores in the run on one page, saved together."""
    run = selectors.run_get_for_user(_member(request), pk)
    enrolments = list(run.enrolments.select_related("pupil", "run__intervention"))
    rows = measure_forms(enrolments, request.POST or None)
    problems: list[str] = []
    if request.method == "POST" and all(f.is_valid() for f in rows):
        changes = {f.enrolment.pk: dict(f.cleaned_data) for f in rows}
        try:
            count = services.measures_record(run=run, changes=changes, by=_user(request))
        except ValidationError as exc:
            by_pk = {str(f.enrolment.pk): f for f in rows}
            for key, errors in exc.message_dict.items():
                form = by_pk.get(key)
                for message in errors:
                    if form is not None:
                        form.add_error(None, message)
                    problems.append(message)
        else:
            messages.success(
                request,
                f"Saved: {count} pupil{'' if count == 1 else 's'}' records changed."
                if count
                else "Nothing had changed.",
            )
            return redirect_after_post(request, run.get_absolute_url())
    for f in rows:
        for name, errors in f.errors.items():
            label = f.fields[name].label if name in f.fields else ""
            problems += [f"{f.enrolment.pupil}: {label + ': ' if label else ''}{e}" for e in errors]
    intervention = run.intervention
    low, high = rules.score_range(
        intervention.measure, intervention.scale_min, intervention.scale_max
    )
    context = {
        "run": run,
        "intervention": intervention,
        "rows": rows,
        "problems": list(dict.fromkeys(problems)),
        "low": low,
        "high": high,
        "measured": intervention.measure != rules.Measure.NONE,
    }
    return render(request, "provision/measures.html", context)


@require_http_methods(["GET", "POST"])
@require_permission(*EDIT)
def enrolment_edit(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    run = selectors.run_get_for_user(_member(request), pk)
    enrolment = selectors.enrolment_get(run, item_pk)
    form = EnrolmentForm(request.POST or None, instance=copy.copy(enrolment))
    return _save_form(
        request,
        form,
        lambda: services.enrolment_update(
            enrolment=enrolment, data=form.cleaned_data, by=_user(request)
        ),
        template="provision/form.html",
        context={
            "heading": f"{enrolment.pupil} in {run}",
            "button": "Save",
            "back": run.get_absolute_url(),
        },
        done=f"{enrolment.pupil}'s record in the run was saved.",
        then=lambda _: run.get_absolute_url(),
    )


@require_http_methods(["GET", "POST"])
@require_permission(*EDIT)
def enrolment_remove(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    run = selectors.run_get_for_user(_member(request), pk)
    enrolment = selectors.enrolment_get(run, item_pk)
    form = ConfirmForm(_posted(request), required=False)
    return _save_form(
        request,
        form,
        lambda: services.enrolment_remove(
            enrolment=enrolment, by=_user(request), reason=form.cleaned_data["reason"]
        ),
        template="provision/confirm.html",
        context={
            "heading": f"Take {enrolment.pupil} out of {run}",
            "button": "Take them out",
            "back": run.get_absolute_url(),
            "intro": "Do this only if they were added by mistake: a pupil who left early "
            "stays in the run with the date they left.",
        },
        done=f"{enrolment.pupil} was taken out of the run.",
        then=lambda _: run.get_absolute_url(),
    )


# --- Training ---------------------------------------------------------------------------------


@require_permission(*AGGREGATES)
def training_list(request: HttpRequest) -> HttpResponse:
    membership = _member(request)
    names = selectors.sees_names(membership)
    context = {
        "summary": selectors.training_summary(membership.school, today=today()),
        "records": list(selectors.training_records(membership.school)) if names else None,
    }
    return render(request, "provision/training.html", context)


@require_http_methods(["GET", "POST"])
@require_permission(*EDIT)
def training_add(request: HttpRequest) -> HttpResponse:
    school = _member(request).school
    form = TrainingForm(
        request.POST or None,
        instance=TrainingRecord(school=school),
        school=school,
        initial={"on": today()},
    )
    return _save_form(
        request,
        form,
        lambda: services.training_record_create(
            school=school, by=_user(request), **form.cleaned_data
        ),
        template="provision/form.html",
        context={
            "heading": "Record staff training",
            "button": "Save the training",
            "back": reverse("provision_training"),
        },
        done="The training was recorded.",
        then=lambda _: reverse("provision_training"),
    )


@require_http_methods(["GET", "POST"])
@require_permission(*EDIT)
def training_edit(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _member(request)
    record = selectors.training_record_get(membership, pk)
    form = TrainingForm(request.POST or None, instance=copy.copy(record), school=membership.school)
    return _save_form(
        request,
        form,
        lambda: services.training_record_update(
            record=record, data=form.cleaned_data, by=_user(request)
        ),
        template="provision/form.html",
        context={
            "heading": f"Change the training record: {record}",
            "button": "Save the training",
            "back": reverse("provision_training"),
        },
        done="The training record was saved.",
        then=lambda _: reverse("provision_training"),
    )


@require_http_methods(["GET", "POST"])
@require_permission(*EDIT)
def training_delete(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.training_record_get(_member(request), pk)
    form = ConfirmForm(_posted(request), required=False)
    return _save_form(
        request,
        form,
        lambda: services.training_record_delete(record=record, by=_user(request)),
        template="provision/confirm.html",
        context={
            "heading": f"Remove the training record: {record}",
            "button": "Remove it",
            "back": reverse("provision_training"),
            "intro": "The audit trail keeps a record of what it said.",
        },
        done="The training record was removed.",
        then=lambda _: reverse("provision_training"),
    )


# --- Settings ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@require_permission(*EDIT)
def settings_view(request: HttpRequest) -> HttpResponse:
    school = _member(request).school
    threshold = selectors.topup_threshold(school)
    form = ThresholdForm(
        request.POST or None, initial={"threshold": selectors.own_threshold(school)}
    )
    return _save_form(
        request,
        form,
        lambda: services.topup_threshold_set(
            school=school, threshold=form.cleaned_data["threshold"], by=_user(request)
        ),
        template="provision/settings.html",
        context={"threshold": threshold, "default": selectors.default_threshold()},
        done="The top-up threshold was saved.",
        then=lambda _: reverse("provision_topup"),
    )
