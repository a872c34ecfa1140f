from __future__ import annotations

from typing import Any

from django import forms

from sendreg.accounts.models import School
from sendreg.pupils.forms import year_choices
from sendreg.records import rules
from sendreg.records.models import (
    CauseForConcern,
    EalRecord,
    ExamArrangement,
    LookedAfterRecord,
    MedicalCondition,
)
from sendreg.records.rules import Arrangement, KeyStage
from sendreg.records.selectors import LANGUAGE_NOT_RECORDED, staff_of

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXT = forms.Textarea(attrs={"rows": 3})

# --- Records --------------------------------------------------------------------------------
# Model forms: the model's clean() applies the rules, so a bad value is named beside its
# field. The views bind them to a copy of the record and pass the cleaned data to a service.


class MedicalConditionForm(forms.ModelForm):
    class Meta:
        model = MedicalCondition
        fields = ["condition", "has_ihp", "ihp_review_date", "notes"]
        labels = {
            "condition": "Medical condition or disability",
            "has_ihp": "Has an Individual Healthcare Plan (IHP)",
            "ihp_review_date": "IHP review date",
        }
        help_texts = {
            "ihp_review_date": "Needed when there is a plan. Plans are reviewed at least yearly.",
            "notes": "What staff need to know or do, such as where medication is kept.",
        }
        widgets = {"ihp_review_date": DATE, "notes": TEXT}


class EalRecordForm(forms.ModelForm):
    class Meta:
        model = EalRecord
        fields = ["first_language", "started_in_english_schools", "notes"]
        widgets = {"started_in_english_schools": DATE, "notes": TEXT}


class LookedAfterRecordForm(forms.ModelForm):
    class Meta:
        model = LookedAfterRecord
        fields = [
            "responsible_authority",
            "pep_date",
            "pep_review_date",
            "designated_teacher",
            "designated_teacher_name",
        ]
        labels = {
            "pep_date": "Latest Personal Education Plan (PEP) meeting",
            "pep_review_date": "Next PEP review",
        }
        help_texts = {"pep_review_date": "PEPs are reviewed every term."}
        widgets = {"pep_date": DATE, "pep_review_date": DATE}

    def __init__(self, *args: Any, school: School, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        teacher = self.fields["designated_teacher"]
        teacher.queryset = staff_of(school)  # type: ignore[attr-defined]
        teacher.empty_label = "Not chosen"  # type: ignore[attr-defined]
        teacher.label = "Designated teacher for looked-after children"


class ConcernForm(forms.ModelForm):
    class Meta:
        model = CauseForConcern
        fields = ["reason", "started_on", "owner", "review_date"]
        labels = {
            "reason": "What the concern is",
            "started_on": "Started on",
            "owner": "Who owns the concern",
        }
        widgets = {"reason": TEXT, "started_on": DATE, "review_date": DATE}

    def __init__(self, *args: Any, school: School, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        owner.queryset = staff_of(school)  # type: ignore[attr-defined]
        owner.empty_label = "Choose who owns it"  # type: ignore[attr-defined]


class ExamArrangementForm(forms.ModelForm):
    class Meta:
        model = ExamArrangement
        fields = [
            "arrangement",
            "other_arrangement",
            "key_stage",
            "evidence",
            "approved_on",
            "expires_on",
        ]
        labels = {"approved_on": "Approved on", "expires_on": "Expires on"}
        help_texts = {
            "expires_on": (
                "Leave empty if it has no expiry date. It is valid up to and including this day."
            )
        }
        widgets = {"evidence": TEXT, "approved_on": DATE, "expires_on": DATE}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        arrangement, key_stage = self.fields["arrangement"], self.fields["key_stage"]
        arrangement.choices = [("", "Choose the arrangement"), *Arrangement.choices]  # type: ignore[attr-defined]
        key_stage.choices = [("", "Choose the key stage"), *KeyStage.choices]  # type: ignore[attr-defined]


class EndForm(forms.Form):
    """Ending a condition, concern or arrangement; the same form clears EAL or looked-after details
    (without the date)."""

    on = forms.DateField(label="Ended on", widget=DATE)
    reason = forms.CharField(
        label="Reason", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )

    def __init__(
        self, *args: Any, with_date: bool = True, on_label: str = "", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if not with_date:
            del self.fields["on"]
        elif on_label:
            self.fields["on"].label = on_label


# --- Filters --------------------------------------------------------------------------------


def _review_choices(all_label: str) -> list[tuple[str, str]]:
    return [
        ("", all_label),
        ("due", f"Overdue or due within {rules.SOON_DAYS} days"),
        ("overdue", "Overdue"),
    ]


class _FilterForm(forms.Form):
    year = forms.ChoiceField(required=False, label="Year group")

    def __init__(self, *args: Any, school: School, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = year_choices(school)

    def value(self, name: str, default: str = "") -> str:
        """A cleaned choice, or the default when the form is unbound or the value unknown."""
        if not self.is_valid():
            return default
        return self.cleaned_data.get(name) or default

    @property
    def chosen_year(self) -> int | None:
        year = self.value("year")
        return int(year) if year else None


class MedicalFilterForm(_FilterForm):
    ihp = forms.ChoiceField(
        required=False,
        label="Individual Healthcare Plan",
        choices=[("", "With or without"), ("yes", "With a plan"), ("no", "Without a plan")],
    )
    review = forms.ChoiceField(
        required=False, label="Plan review", choices=_review_choices("Any review date")
    )
    field_order = ["ihp", "review", "year"]


class EalFilterForm(_FilterForm):
    language = forms.ChoiceField(required=False, label="First language")
    field_order = ["language", "year"]

    def __init__(self, *args: Any, languages: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [
            ("", "All languages"),
            *((name, name) for name in languages),
            (LANGUAGE_NOT_RECORDED, "Not recorded yet"),
        ]


class LacFilterForm(_FilterForm):
    pep = forms.ChoiceField(
        required=False,
        label="PEP review",
        choices=[*_review_choices("Any review date"), ("not_set", "No review date recorded")],
    )
    field_order = ["pep", "year"]


class ConcernFilterForm(_FilterForm):
    state = forms.ChoiceField(
        required=False,
        label="Show",
        choices=[("open", "Open concerns"), ("ended", "Ended concerns"), ("all", "All concerns")],
    )
    owner = forms.TypedChoiceField(required=False, label="Owner", coerce=int, empty_value=None)
    review = forms.ChoiceField(
        required=False, label="Review", choices=_review_choices("Any review date")
    )
    field_order = ["state", "owner", "review", "year"]

    def __init__(self, *args: Any, school: School, **kwargs: Any) -> None:
        super().__init__(*args, school=school, **kwargs)
        self.fields["owner"].choices = [
            ("", "Anyone"),
            *((str(u.pk), u.name) for u in staff_of(school)),
        ]

    @property
    def chosen_owner(self) -> int | None:
        return self.cleaned_data.get("owner") if self.is_valid() else None


class ExamFilterForm(_FilterForm):
    arrangement = forms.ChoiceField(
        required=False,
        label="Arrangement",
        choices=[("", "All arrangements"), *rules.Arrangement.choices],
    )
    key_stage = forms.ChoiceField(
        required=False, label="Key stage", choices=[("", "All key stages"), *rules.KeyStage.choices]
    )
    status = forms.ChoiceField(
        required=False,
        label="Status",
        choices=[
            ("", "Any status"),
            ("in_force", "In force (current or due to expire)"),
            *((s.value, s.label) for s in rules.ArrangementState),
        ],
    )
    field_order = ["arrangement", "key_stage", "status", "year"]
