"""The forms of the EHC pages: one event form shaped by the kind of event, and the rest."""

from __future__ import annotations

from typing import Any

from django import forms

from sendreg.ehc import rules
from sendreg.ehc.models import EhcInvitee
from sendreg.ehc.rules import EventKind, Requester, ReviewOutcome, Section

_DATE = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


def _text(label: str, *, required: bool = False, help_text: str = "", rows: int = 3) -> forms.Field:
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


#: The date field's words for each kind of event.
DATE_LABELS: dict[str, str] = {
    EventKind.REQUEST: "Date the request was made",
    EventKind.ASSESSMENT_AGREED: "Date of the local authority's decision",
    EventKind.ASSESSMENT_REFUSED: "Date of the local authority's decision",
    EventKind.DRAFT_ISSUED: "Date the draft plan was received",
    EventKind.DRAFT_RESPONSE: "Date the school's response was sent",
    EventKind.PLAN_REFUSED: "Date of the local authority's decision",
    EventKind.PLAN_ISSUED: "Date the final plan was issued",
    EventKind.REVIEW_SCHEDULED: "Date the meeting was arranged",
    EventKind.ADVICE_CIRCULATED: "Date the advice was sent out",
    EventKind.REVIEW_HELD: "Date the meeting was held",
    EventKind.REPORT_SENT: "Date the report was sent",
    EventKind.REVIEW_DECISION: "Date of the local authority's decision",
    EventKind.PLAN_CEASED: "Date the plan ceased",
}

#: What the notes field asks for, for each kind of event.
NOTES_LABELS: dict[str, tuple[str, bool]] = {
    EventKind.REQUEST: ("Anything else about the request", False),
    EventKind.ASSESSMENT_AGREED: ("Notes", False),
    EventKind.ASSESSMENT_REFUSED: ("The local authority's reasons", False),
    EventKind.DRAFT_ISSUED: ("Notes on the draft", False),
    EventKind.DRAFT_RESPONSE: ("What the school said about the draft and being named in it", True),
    EventKind.PLAN_REFUSED: ("The local authority's reasons", False),
    EventKind.PLAN_ISSUED: ("Notes", False),
    EventKind.REVIEW_SCHEDULED: ("Where and when (time, room, online link)", False),
    EventKind.ADVICE_CIRCULATED: ("What was sent, and to whom", False),
    EventKind.REVIEW_HELD: ("What was agreed, and any amendments recommended", False),
    EventKind.REPORT_SENT: ("Who it was sent to", False),
    EventKind.REVIEW_DECISION: ("Notes on the decision", False),
    EventKind.PLAN_CEASED: ("Why the plan ceased", True),
}


class EventForm(forms.Form):
    """The date and the details that one kind of event keeps (``rules.DETAIL_FIELDS``)."""

    on = forms.DateField(**_DATE)  # type: ignore[arg-type]

    def __init__(self, *args: Any, kind: str, pupil_year: int | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["on"].label = DATE_LABELS[kind]
        wanted = rules.DETAIL_FIELDS[kind]
        if "requested_by" in wanted:
            self.fields["requested_by"] = forms.ChoiceField(
                label="Who asked for the assessment",
                choices=Requester.choices,
                widget=forms.RadioSelect,
            )
            self.fields["evidence"] = _text(
                "Evidence sent with the request",
                help_text="For example the support plans, reviews and specialists' reports sent.",
            )
        if "local_authority" in wanted:
            self.fields["local_authority"] = forms.CharField(
                label="Local authority that issued the plan", max_length=200
            )
            self.fields["named_school"] = forms.CharField(
                label="School or placement named in the plan (section I)", max_length=200
            )
            self.fields["sections"] = forms.MultipleChoiceField(
                label="Sections the plan has",
                choices=Section.choices,
                widget=forms.CheckboxSelectMultiple,
                required=False,
                help_text="Every plan should have each section, labelled separately.",
            )
            help_text = "What the plan says about preparing for adult life."
            if pupil_year is not None and pupil_year >= rules.ADULTHOOD_FROM_YEAR:
                help_text = (
                    f"The pupil is in Year {pupil_year}: from Year 9 the plan should say how "
                    "they are being prepared for adulthood."
                )
            self.fields["adulthood"] = _text("Preparation for adulthood", help_text=help_text)
        if "meeting_on" in wanted:
            self.fields["meeting_on"] = forms.DateField(
                label="Date of the review meeting",
                help_text="Everyone invited needs at least 2 weeks' notice.",
                **_DATE,  # type: ignore[arg-type]
            )
        if "attendees" in wanted:
            self.fields["attendees"] = _text("Who came", required=True)
            self.fields["pupil_views"] = _text("The pupil's views", required=True, rows=4)
            self.fields["parent_views"] = _text("The parents' views", required=True, rows=4)
        if "outcome" in wanted:
            self.fields["outcome"] = forms.ChoiceField(
                label="The local authority's decision",
                choices=ReviewOutcome.choices,
                widget=forms.RadioSelect,
            )
        notes_label, notes_required = NOTES_LABELS[kind]
        self.fields["notes"] = _text(notes_label, required=notes_required)

    def details(self) -> dict[str, Any]:
        return {name: value for name, value in self.cleaned_data.items() if name != "on"}


class WithdrawForm(forms.Form):
    reason = _text("Why is this event withdrawn?", required=True)


class DueDateForm(forms.Form):
    due = forms.DateField(
        label="The date to work to",
        required=False,
        help_text="Leave empty to go back to the date the law sets.",
        **_DATE,  # type: ignore[arg-type]
    )
    reason = _text("Why this date", required=True)


class InviteeForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = EhcInvitee
        fields = ["name", "role", "organisation", "advice_requested"]
        labels = {"name": "Name", "organisation": "Organisation (if any)"}


class InvitationsSentForm(forms.Form):
    invitees = forms.ModelMultipleChoiceField(
        label="Who was sent an invitation",
        queryset=EhcInvitee.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    on = forms.DateField(label="Date the invitations were sent", **_DATE)  # type: ignore[arg-type]

    def __init__(self, *args: Any, review_invitees: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["invitees"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = review_invitees
        field.label_from_instance = str  # type: ignore[assignment,method-assign]


class SettingsForm(forms.Form):
    final_year = forms.TypedChoiceField(
        label="The last year group your school teaches",
        choices=rules.FINAL_YEAR_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        help_text=(
            "Pupils with an EHC plan who are in this year move to a new school. Their plan "
            "must be reviewed and amended by 15 February of that school year (31 March for a "
            "move to post-16 education after Year 11)."
        ),
    )
