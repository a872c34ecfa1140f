from __future__ import annotations

from typing import Any

from django import forms

from sendreg.pupils.models import Contact, Pupil
from sendreg.register.forms import year_choices

DETAIL_FIELDS = [
    "upn", "former_upn", "legal_surname", "legal_forename", "preferred_surname",
    "preferred_forename", "date_of_birth", "gender", "year_group", "reg_group",
    "admission_date", "leaving_date", "eal", "fsm", "pupil_premium", "looked_after",
    "medical", "top_up_funding", "attendance",
]  # fmt: skip
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PupilForm(forms.ModelForm):
    """The details the office keeps. What staff should know about a pupil's needs is not
    here: strategies belong to the pupil's support plan, which only the SENCO changes."""

    year_group = forms.TypedChoiceField(
        label="Year group", coerce=int, empty_value=None, required=False, choices=year_choices
    )

    class Meta:
        model = Pupil
        fields = DETAIL_FIELDS
        widgets = {
            "date_of_birth": DATE,
            "admission_date": DATE,
            "leaving_date": DATE,
        }

    def __init__(self, *args: Any, can_edit_sen: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # The edit view still hands ``staff_notes`` on for the SENCO until the column is
        # dropped: pass on the stored value, so that saving details never changes it.
        data["staff_notes"] = self.instance.staff_notes
        return data


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = [
            "name",
            "relationship",
            "parental_responsibility",
            "address",
            "address_protected",
            "email",
            "phone",
        ]
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "address_protected": (
                "For a looked-after child whose address must be kept from others: "
                "only the SENCO will see it, and it will never be printed or exported."
            )
        }

    def __init__(self, *args: Any, can_see_protected: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.address_protected and not can_see_protected:
            # Neither show nor let anyone but the SENCO change a protected address.
            del self.fields["address"]
            del self.fields["address_protected"]


class PupilSearchForm(forms.Form):
    q = forms.CharField(label="Search by name, UPN or registration group", required=False)
