from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet

from sendreg import codes
from sendreg.accounts.models import School
from sendreg.provision import rules
from sendreg.provision.models import Enrolment, Intervention, Run, TrainingRecord
from sendreg.provision.selectors import need_filter_choices, staff_of
from sendreg.pupils.models import Pupil

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXT = forms.Textarea(attrs={"rows": 3})
MONEY = forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"})
SCORE = forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"})

# Model forms: the model's clean() applies the rules, so a bad value is named beside its
# field. The views bind them to a copy of the record and pass the cleaned data to a service.


def need_choices() -> list[tuple[str, str]]:
    return [(n.code, str(n)) for n in codes.need_types()]


class InterventionForm(forms.ModelForm):
    need_codes = forms.MultipleChoiceField(
        label="Need types it targets",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick the needs it is meant for, or the broad areas below, or both.",
    )
    areas = forms.MultipleChoiceField(
        label="Broad areas of need it targets",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(a.value, a.label) for a in rules.TARGET_AREAS],
    )

    class Meta:
        model = Intervention
        fields = [
            "name", "description", "need_codes", "areas", "wave", "staff_role", "group_size",
            "sessions_per_week", "minutes_per_session", "typical_weeks", "hourly_rate",
            "resources_per_pupil", "measure", "scale_name", "scale_min", "scale_max",
        ]  # fmt: skip
        labels = {
            "staff_role": "Who delivers it",
            "group_size": "Group size",
            "sessions_per_week": "Sessions a week",
            "minutes_per_session": "Minutes a session",
        }
        help_texts = {
            "scale_name": "Only for a named scale.",
            "scale_min": "Only for a named scale; leave empty if it has no bottom.",
            "scale_max": "Only for a named scale; leave empty if it has no top.",
        }
        widgets = {
            "description": TEXT,
            "wave": forms.RadioSelect,
            "measure": forms.RadioSelect,
            "hourly_rate": MONEY,
            "resources_per_pupil": MONEY,
            "scale_min": SCORE,
            "scale_max": SCORE,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["need_codes"].choices = need_choices()  # type: ignore[attr-defined]


class RunForm(forms.ModelForm):
    staff = forms.ModelMultipleChoiceField(
        label="Staff delivering it",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Run
        fields = [
            "start_date", "end_date", "weeks", "staff", "other_staff", "group_size",
            "sessions_per_week", "minutes_per_session", "hourly_rate", "resources_per_pupil",
            "notes",
        ]  # fmt: skip
        labels = {
            "start_date": "Starts on",
            "end_date": "Ends on",
            "group_size": "Group size",
            "sessions_per_week": "Sessions a week",
            "minutes_per_session": "Minutes a session",
        }
        widgets = {
            "start_date": DATE,
            "end_date": DATE,
            "hourly_rate": MONEY,
            "resources_per_pupil": MONEY,
            "notes": TEXT,
        }

    def __init__(self, *args: Any, school: School, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff_of(school)  # type: ignore[attr-defined]

    def service_data(self) -> tuple[dict[str, Any], list[Any]]:
        """The run's own values, and the staff (set separately)."""
        data = dict(self.cleaned_data)
        return data, list(data.pop("staff") or [])


class EnrolForm(forms.Form):
    """Pupils to put in a run: the ids of the boxes ticked, checked against whom the member
    may see."""

    pupils = forms.ModelMultipleChoiceField(
        queryset=None,
        label="Pupils to add",
        error_messages={"required": "Tick at least one pupil to add."},
    )

    def __init__(self, *args: Any, pupils: QuerySet[Pupil], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pupils"].queryset = pupils  # type: ignore[attr-defined]


class PupilSearchForm(forms.Form):
    q = forms.CharField(
        label="Find pupils by name, UPN or registration group", required=False, max_length=100
    )


class EnrolmentForm(forms.ModelForm):
    class Meta:
        model = Enrolment
        fields = [
            "start_date", "end_date", "sessions_attended", "entry_score", "exit_score",
            "target_score", "outcome",
        ]  # fmt: skip
        labels = {"target_score": "Target score", "outcome": "Outcome note"}
        widgets = {
            "start_date": DATE,
            "end_date": DATE,
            "entry_score": SCORE,
            "exit_score": SCORE,
            "target_score": SCORE,
            "outcome": TEXT,
        }


MEASURE_FIELDS = ["sessions_attended", "entry_score", "exit_score", "target_score"]


class MeasureRowForm(forms.Form):
    """One pupil's line on the measures page."""

    sessions_attended = forms.IntegerField(label="Sessions attended", required=False, min_value=0)
    entry_score = forms.DecimalField(
        label="Entry score", required=False, max_digits=7, decimal_places=2, widget=SCORE
    )
    exit_score = forms.DecimalField(
        label="Exit score", required=False, max_digits=7, decimal_places=2, widget=SCORE
    )
    target_score = forms.DecimalField(
        label="Target score", required=False, max_digits=7, decimal_places=2, widget=SCORE
    )

    def __init__(self, *args: Any, enrolment: Enrolment, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {name: getattr(enrolment, name) for name in MEASURE_FIELDS},
        )
        super().__init__(*args, **kwargs)
        self.enrolment = enrolment
        for name, field in self.fields.items():
            field.widget.attrs["aria-label"] = f"{field.label} for {enrolment.pupil}"
            field.widget.attrs.setdefault("class", f"measure {name}")


def measure_forms(enrolments: list[Enrolment], data: Any = None) -> list[MeasureRowForm]:
    return [MeasureRowForm(data, enrolment=e, prefix=f"e{e.pk}") for e in enrolments]


class ConfirmForm(forms.Form):
    reason = forms.CharField(label="Why", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def __init__(self, *args: Any, required: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = required


class TrainingForm(forms.ModelForm):
    need_area = forms.ChoiceField(label="Need or area of need")

    class Meta:
        model = TrainingRecord
        fields = ["user", "name", "what", "level", "need_area", "on"]
        labels = {"user": "Member of staff", "what": "Course or training", "on": "Date"}
        widgets = {"level": forms.RadioSelect, "on": DATE}

    def __init__(self, *args: Any, school: School, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = self.fields["user"]
        user.queryset = staff_of(school)  # type: ignore[attr-defined]
        user.empty_label = "Not in the list"  # type: ignore[attr-defined]
        self.fields["need_area"].choices = [("", "Choose one"), *rules.need_area_choices()]


class ThresholdForm(forms.Form):
    threshold = forms.DecimalField(
        label="Top-up threshold (£ a year per pupil)",
        required=False,
        max_digits=9,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=MONEY,
    )


# --- Filters ----------------------------------------------------------------------------------


class _FilterForm(forms.Form):
    def value(self, name: str, default: str = "") -> str:
        if not self.is_valid():
            return default
        return self.cleaned_data.get(name) or default


class MapFilterForm(_FilterForm):
    year = forms.TypedChoiceField(label="School year", required=False, coerce=int)
    need = forms.ChoiceField(label="Need", required=False)

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, rules.school_year_label(y)) for y in years]
        self.fields["need"].choices = [("", "Every pupil"), *need_filter_choices()]

    def chosen_year(self, default: int) -> int:
        if self.is_valid() and self.cleaned_data.get("year") not in (None, ""):
            return int(self.cleaned_data["year"])
        return default


class NeedFilterForm(_FilterForm):
    need = forms.ChoiceField(label="Need", required=False)

    def __init__(self, *args: Any, blank: str = "Every intervention", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["need"].choices = [("", blank), *need_filter_choices()]


class YearFilterForm(_FilterForm):
    year = forms.TypedChoiceField(label="School year", required=False, coerce=int)

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, rules.school_year_label(y)) for y in years]

    def chosen_year(self, default: int) -> int:
        if self.is_valid() and self.cleaned_data.get("year") not in (None, ""):
            return int(self.cleaned_data["year"])
        return default
