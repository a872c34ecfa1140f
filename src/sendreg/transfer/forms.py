from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from sendreg.codes import ON_REGISTER, SenProvision
from sendreg.pupils.models import Pupil
from sendreg.register.forms import SenRecordForm
from sendreg.transfer import rules
from sendreg.transfer.models import TransferInDecision
from sendreg.transfer.rules import ConsentGiver, SharingPurpose
from sendreg.transfer.statutory import STATUTORY_EXCEPTIONS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXT = forms.Textarea(attrs={"rows": 3})


class CtfExportForm(forms.Form):
    dest = forms.CharField(
        label="Receiving school's LAESTAB",
        required=False,
        max_length=9,
        help_text=(
            "7 digits, such as 8012345. Leave it empty if the next school is not known "
            "(the file is then addressed to MMMMMMM)."
        ),
    )

    def clean_dest(self) -> str:
        value: str = self.cleaned_data["dest"]
        return rules.validate_destination(value) if value.strip() else rules.UNKNOWN_DESTINATION


class TransferInForm(SenRecordForm):
    """Put a transferred pupil on the register: the register's own form, without removal."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["version"]
        self.fields["status"].choices = [
            (s.value, f"{s.value} – {s.label}") for s in (ON_REGISTER[1], ON_REGISTER[0])
        ]
        self.fields["effective"].label = "On the register from"
        self.fields["reason"].required = False
        self.fields["reason"].label = "Anything to add (optional)"
        self.fields[
            "reason"
        ].help_text = (
            "The reason recorded says the pupil joined from the previous school with these needs."
        )

    @classmethod
    def for_decision(
        cls, decision: TransferInDecision, *, today: dt.date, data: Any = None
    ) -> TransferInForm:
        history = decision.history
        current = history.current
        needs = list(history.needs)
        status = current.provision if current else SenProvision.SEN_SUPPORT.value
        return cls(
            data,
            initial={
                "status": status,
                "primary_need": needs[0] if needs else "",
                "secondary_need": needs[1] if len(needs) > 1 else "",
                "further_needs": needs[2:],
                "effective": today,
            },
            prefix=f"transfer{decision.pk}",
        )


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label="Why the pupil is not put on the register",
        widget=TEXT,
        max_length=2000,
        error_messages={"required": rules.DECLINE_REASON_REQUIRED},
    )


class ConsentForm(forms.Form):
    given_by = forms.ChoiceField(
        label="Who gave consent",
        widget=forms.RadioSelect,
        choices=[(g.value, g.label) for g in ConsentGiver],
        initial=ConsentGiver.PARENT.value,
    )
    contact = forms.ChoiceField(
        label="Parent or carer", required=False, help_text="One of the pupil's contacts."
    )
    given_on = forms.DateField(label="Date consent was given", widget=DATE)
    purposes = forms.MultipleChoiceField(
        label="Consent covers sharing with",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(p.value, p.label) for p in SharingPurpose],
    )
    organisations = forms.CharField(
        label="Organisations named in the consent",
        required=False,
        widget=TEXT,
        help_text="One per line, for consent given for particular organisations only.",
    )
    notes = forms.CharField(label="Notes", required=False, widget=TEXT, max_length=2000)

    def __init__(self, *args: Any, pupil: Pupil, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.contacts = {str(c.pk): c for c in pupil.contacts.all()}
        self.fields["contact"].choices = [("", "Choose a contact")] + [
            (key, f"{c.name} ({c.relationship})") for key, c in self.contacts.items()
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["contact_obj"] = self.contacts.get(data.get("contact") or "")
        data["organisation_list"] = [
            line.strip() for line in (data.get("organisations") or "").splitlines() if line.strip()
        ]
        return data


class WithdrawForm(forms.Form):
    withdrawn_on = forms.DateField(label="Withdrawn on", widget=DATE)
    note = forms.CharField(label="Notes", required=False, widget=TEXT, max_length=2000)


def _exception_choices() -> list[tuple[str, str]]:
    return [
        ("", "Choose a reason"),
        *[(e.key, e.label) for e in STATUTORY_EXCEPTIONS],
        (rules.OTHER_REASON, "Another reason (explain below)"),
    ]


class RecordPackForm(forms.Form):
    recipient = forms.CharField(
        label="Receiving school or setting", max_length=300, help_text="Its full name."
    )
    recipient_laestab = forms.CharField(
        label="Its LAESTAB (if known)", required=False, max_length=9
    )
    recipient_person = forms.CharField(
        label="For the attention of", required=False, max_length=200,
        help_text="The SENCO or headteacher there, if known.",
    )  # fmt: skip
    exception = forms.ChoiceField(
        label="Why it is shared without consent",
        required=False,
        help_text="Only needed when no consent in force covers the next school.",
    )
    reason = forms.CharField(label="In words", required=False, widget=TEXT, max_length=2000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["exception"].choices = _exception_choices()

    def clean_recipient_laestab(self) -> str:
        value: str = self.cleaned_data["recipient_laestab"]
        if not value.strip():
            return ""
        try:
            return rules.validate_destination(value)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None


class AcknowledgeForm(forms.Form):
    acknowledged_on = forms.DateField(label="Date of the acknowledgement", widget=DATE)
    acknowledged_by_name = forms.CharField(
        label="Who acknowledged it", max_length=200,
        help_text="Their name and role at the receiving school.",
        error_messages={"required": rules.ACK_NAME_REQUIRED},
    )  # fmt: skip
