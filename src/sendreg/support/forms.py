from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms

from sendreg.support import rules
from sendreg.support.models import (
    AssessmentEntry,
    Outcome,
    ParentMeeting,
    Passport,
    SpecialistInvolvement,
    SupportPlan,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
YES_NO = [("yes", "Yes"), ("no", "No")]


def _textarea(rows: int = 3) -> forms.Textarea:
    # 30 columns: wide enough to write in, narrow enough for a phone inside a fieldset.
    return forms.Textarea(attrs={"rows": rows, "cols": 30})


class PlanForm(forms.ModelForm):
    class Meta:
        model = SupportPlan
        fields = [
            "opened_on",
            "review_date",
            "strategies",
            "support",
            "expected_impact",
            "parents_told_on",
            "staff_told_on",
        ]
        widgets = {
            "opened_on": DATE,
            "review_date": DATE,
            "parents_told_on": DATE,
            "staff_told_on": DATE,
            "strategies": _textarea(4),
            "support": _textarea(4),
            "expected_impact": _textarea(3),
        }

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["review_date"].required = True
        self.fields["review_date"].error_messages["required"] = rules.REVIEW_DATE_REQUIRED
        if editing:
            # The day a plan opened is part of its history; an open plan changes the rest.
            del self.fields["opened_on"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # The dates' rule here too, so that its message shows with any other form error;
        # the service checks it again with the pupil and the day.
        opened_on = data.get("opened_on", self.instance.opened_on if self.instance.pk else None)
        if opened_on and data.get("review_date"):
            try:
                rules.validate_plan_dates(opened_on=opened_on, review_date=data["review_date"])
            except forms.ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    self.add_error(field if field in self.fields else None, messages)
        return data

    def _post_clean(self) -> None:
        # The service validates the plan with the pupil and the day; the form only parses.
        pass


class OutcomeForm(forms.Form):
    """One outcome row. A row left wholly empty is ignored (the open form offers several)."""

    text = forms.CharField(
        label="Outcome",
        widget=_textarea(2),
        required=False,
        help_text="What the pupil will be able to do.",
    )
    measure = forms.CharField(label="What will be measured", max_length=300, required=False)
    baseline = forms.CharField(label="Baseline (now)", max_length=300, required=False)
    target = forms.CharField(label="Target", max_length=300, required=False)
    by_when = forms.DateField(label="By when (optional)", widget=DATE, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        filled = [name for name in ("text", "measure", "baseline", "target") if data.get(name)]
        if filled and "text" not in filled:
            self.add_error("text", rules.OUTCOME_TEXT_REQUIRED)
        if filled or data.get("by_when"):
            for name in ("measure", "baseline", "target"):
                if not data.get(name):
                    self.add_error(name, "Fill this in for the outcome.")
        return data

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not any(
            data.get(name) for name in ("text", "measure", "baseline", "target", "by_when")
        )


class BaseOutcomeFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    def filled(self) -> list[dict[str, Any]]:
        return [f.cleaned_data for f in self.forms if f.is_valid() and not f.is_blank]


OutcomeFormSet = forms.formset_factory(
    OutcomeForm, formset=BaseOutcomeFormSet, extra=3, max_num=10, absolute_max=10
)


class OutcomeEditForm(forms.ModelForm):
    class Meta:
        model = Outcome
        fields = ["text", "measure", "baseline", "target", "by_when"]
        widgets = {"text": _textarea(2), "by_when": DATE}

    def _post_clean(self) -> None:
        pass


class AssessmentForm(forms.ModelForm):
    class Meta:
        model = AssessmentEntry
        fields = ["source", "recorded_on", "text"]
        widgets = {"recorded_on": DATE, "text": _textarea(3)}

    def _post_clean(self) -> None:
        pass


class ReviewForm(forms.Form):
    reviewed_on = forms.DateField(label="Review held on", widget=DATE)

    def __init__(self, *args: Any, outcomes: Sequence[Outcome], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.outcomes = list(outcomes)
        for number, outcome in enumerate(self.outcomes, 1):
            self.fields[f"result_{outcome.pk}"] = forms.ChoiceField(
                label=f"Outcome {number}: was it met?",
                choices=rules.OutcomeResult.choices,
                widget=forms.RadioSelect,
                error_messages={"required": rules.RESULT_FOR_EVERY_OUTCOME},
            )
            self.fields[f"evidence_{outcome.pk}"] = forms.CharField(
                label=f"Outcome {number}: the evidence",
                widget=_textarea(2),
                error_messages={"required": rules.EVIDENCE_REQUIRED},
            )
        for name, question in rules.PROGRESS_QUESTIONS:
            # No answer is chosen for the SENCO: each test is recorded, not guessed.
            self.fields[name] = forms.ChoiceField(
                label=question, choices=YES_NO, widget=forms.RadioSelect
            )
        self.fields["pupil_views"] = forms.CharField(label="The pupil's views", widget=_textarea())
        self.fields["parent_views"] = forms.CharField(
            label="The parents' views", widget=_textarea()
        )
        self.fields["decision"] = forms.ChoiceField(
            label="What happens next", choices=rules.Decision.choices, widget=forms.RadioSelect
        )
        self.fields["decision_notes"] = forms.CharField(
            label="Notes on the decision (optional)", widget=_textarea(2), required=False
        )

    def outcome_fields(self) -> list[tuple[Outcome, forms.BoundField, forms.BoundField]]:
        return [(o, self[f"result_{o.pk}"], self[f"evidence_{o.pk}"]) for o in self.outcomes]

    def test_fields(self) -> list[forms.BoundField]:
        return [self[name] for name, _ in rules.PROGRESS_QUESTIONS]

    @property
    def tests(self) -> rules.ProgressTests:
        data = self.cleaned_data
        return rules.ProgressTests(
            **{name: data[name] == "yes" for name, _ in rules.PROGRESS_QUESTIONS}
        )

    @property
    def results(self) -> dict[int, tuple[str, str]]:
        data = self.cleaned_data
        return {o.pk: (data[f"result_{o.pk}"], data[f"evidence_{o.pk}"]) for o in self.outcomes}


class CarryForm(forms.Form):
    carry = forms.MultipleChoiceField(
        label="Outcomes to carry over",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Those not met are ticked; the new plan starts from each as it stood.",
    )

    def __init__(self, *args: Any, outcomes: Sequence[Outcome], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.outcomes = {str(o.pk): o for o in outcomes}
        if outcomes:
            self.fields[
                "carry"
            ].label = f"Outcomes to carry over from plan {outcomes[0].plan.number}"
        self.fields["carry"].choices = [
            (str(o.pk), f"{o.text} ({o.result.get_result_display().lower()})")  # type: ignore[attr-defined]
            if hasattr(o, "result")
            else (str(o.pk), o.text)
            for o in outcomes
        ]

    def chosen(self) -> list[Outcome]:
        return [self.outcomes[pk] for pk in self.cleaned_data["carry"]]


class MeetingForm(forms.ModelForm):
    class Meta:
        model = ParentMeeting
        fields = ["held_on", "attendees", "parents_said", "pupil_said", "actions"]
        widgets = {
            "held_on": DATE,
            "attendees": _textarea(3),
            "parents_said": _textarea(3),
            "pupil_said": _textarea(3),
            "actions": _textarea(3),
        }

    def _post_clean(self) -> None:
        pass


class SpecialistForm(forms.ModelForm):
    class Meta:
        model = SpecialistInvolvement
        fields = [
            "service",
            "other_service",
            "consent_on",
            "consent_by",
            "referred_on",
            "report_received_on",
            "recommendations",
            "shared_with_parents_on",
            "shared_with_staff_on",
        ]
        widgets = {
            "consent_on": DATE,
            "referred_on": DATE,
            "report_received_on": DATE,
            "shared_with_parents_on": DATE,
            "shared_with_staff_on": DATE,
            "recommendations": _textarea(4),
        }

    def _post_clean(self) -> None:
        pass


class VisitForm(forms.Form):
    visited_on = forms.DateField(label="Visit date", widget=DATE)
    note = forms.CharField(label="What happened (optional)", max_length=300, required=False)


class ReportForm(forms.Form):
    file = forms.FileField(label="The report", help_text="A PDF or a Word document (.docx).")
    received_on = forms.DateField(label="Received on", widget=DATE)


class PassportForm(forms.ModelForm):
    class Meta:
        model = Passport
        fields = [f.value for f in rules.PassportField]
        widgets = {f.value: _textarea(3) for f in rules.PassportField}
        help_texts = {
            "about_me": "In the pupil's own words, as they would say it.",
            "how_to_help": "What adults should do, and what they should not.",
        }

    def _post_clean(self) -> None:
        pass


class SuggestionForm(forms.Form):
    field = forms.ChoiceField(label="Part of the passport", choices=rules.PassportField.choices)
    text = forms.CharField(
        label="What it should say",
        widget=_textarea(3),
        help_text="The SENCO reads your suggestion and changes the passport if it is right.",
    )


class DecideForm(forms.Form):
    accept = forms.TypedChoiceField(
        choices=[("yes", "Accept"), ("no", "Decline")], coerce=lambda v: v == "yes"
    )


class SettingsForm(forms.Form):
    meetings_per_year = forms.IntegerField(
        label="Parent meetings a year for each pupil on SEN support",
        min_value=1,
        max_value=rules.MAX_MEETINGS_PER_YEAR,
        help_text="The Code of Practice asks for at least one a term (three a year).",
    )


class AnnualReportForm(forms.Form):
    year = forms.TypedChoiceField(label="School year", coerce=int)
    format = forms.ChoiceField(
        label="File", choices=[("pdf", "PDF, to share"), ("docx", "Word, to edit")], initial="pdf"
    )

    def __init__(self, *args: Any, years: Sequence[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, rules.academic_year_label(y)) for y in years]
        self.fields["year"].error_messages["invalid_choice"] = rules.ANNUAL_YEAR_UNKNOWN
