from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from sendreg import codes
from sendreg.accounts.models import School
from sendreg.codes import SenProvision
from sendreg.pupils.forms import year_choices
from sendreg.register import rules
from sendreg.register.selectors import FLAGS

REMOVE = "remove"


def need_choices(blank: str | None = None) -> list[tuple[str, str]]:
    choices = [(n.code, str(n)) for n in codes.need_types()]
    return [("", blank), *choices] if blank is not None else choices


class SenRecordForm(forms.Form):
    status = forms.ChoiceField(
        label="SEN status",
        widget=forms.RadioSelect,
        choices=[
            (SenProvision.SEN_SUPPORT.value, f"K – {SenProvision.SEN_SUPPORT.label}"),
            (SenProvision.EHC_PLAN.value, f"E – {SenProvision.EHC_PLAN.label}"),
            (REMOVE, "Remove from the SEN register"),
        ],
    )
    primary_need = forms.ChoiceField(label="Primary need (rank 1)", required=False)
    secondary_need = forms.ChoiceField(label="Secondary need (rank 2)", required=False)
    further_needs = forms.MultipleChoiceField(
        label="Further needs, for the school's own planning",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only the primary and secondary needs go into the census return.",
    )
    effective = forms.DateField(
        label="Takes effect on",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Up to the next census day; not before the last change.",
    )
    reason = forms.CharField(
        label="Reason", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["primary_need"].choices = need_choices("Choose the primary need")
        self.fields["secondary_need"].choices = need_choices("None")
        self.fields["further_needs"].choices = need_choices()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        status = data.get("status")
        if status == REMOVE:
            data["status_code"] = None
            data["needs"] = []
            return data
        data["status_code"] = status
        needs = [data.get("primary_need") or "", data.get("secondary_need") or ""]
        needs = [n for n in needs if n]
        needs += [n for n in data.get("further_needs") or [] if n not in needs]
        if data.get("secondary_need") and not data.get("primary_need"):
            self.add_error("primary_need", rules.PRIMARY_NEED_REQUIRED)
        data["needs"] = needs
        if status:
            try:
                rules.validate_needs(status=status, needs=needs)
            except ValidationError as exc:
                for message in exc.messages:
                    self.add_error(
                        "primary_need" if message == rules.PRIMARY_NEED_REQUIRED else None,
                        message,
                    )
        return data


class MonitoringStartForm(forms.Form):
    reason = forms.CharField(
        label="Why this pupil is being monitored",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )
    review_date = forms.DateField(
        label="Review date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class MonitoringEndForm(forms.Form):
    on = forms.DateField(
        label="Ended on", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    reason = forms.CharField(
        label="Reason", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class RegisterFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False,
        choices=[
            ("", "E and K"),
            ("E", "E – EHC plan"),
            ("K", "K – SEN support"),
            ("N", "Came off the register since the last census (N entry in the MIS)"),
        ],
    )
    need = forms.ChoiceField(required=False, label="Need type (any rank)")
    area = forms.ChoiceField(
        required=False,
        label="Broad area (primary need)",
        choices=[("", "All areas")] + [(a.value, a.label) for a in codes.areas()],
    )
    year = forms.ChoiceField(required=False, label="Year group")
    flag = forms.ChoiceField(
        required=False, label="Also", choices=[("", "Anyone")] + list(FLAGS.items())
    )
    sort = forms.ChoiceField(
        required=False,
        label="Sort by",
        choices=[
            ("name", "Surname"),
            ("year", "Year group"),
            ("status", "Status"),
            ("need", "Primary need"),
            ("since", "On register since"),
        ],
    )

    def __init__(self, *args: Any, school: School, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["need"].choices = need_choices("All need types")
        self.fields["year"].choices = year_choices(school)


class AcceptMisForm(forms.Form):
    """Accepting the MIS's value is a register change like any other: a date and a reason."""

    effective = forms.DateField(
        label="Takes effect on",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Up to the next census day; not before the last change.",
    )
    reason = forms.CharField(
        label="Reason", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
