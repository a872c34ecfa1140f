from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms

from sendreg import codes
from sendreg.accounts.models import School
from sendreg.audit.presenters import present_value
from sendreg.lib.dates import today
from sendreg.pupils import rules
from sendreg.pupils.models import Contact, Pupil
from sendreg.pupils.selectors import years_on_roll

DETAIL_FIELDS = [
    "upn", "former_upn", "legal_surname", "legal_forename", "preferred_surname",
    "preferred_forename", "date_of_birth", "gender", "year_group", "reg_group",
    "admission_date", "leaving_date", "eal", "fsm", "pupil_premium", "looked_after",
    "medical", "top_up_funding", "attendance",
]  # fmt: skip
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
VERSION_MISSING = "This form is out of date: open the pupil's details again to change them."


def year_choices(
    school: School, *, blank: str = "All years", also: Iterable[int | None] = ()
) -> list[tuple[str, str]]:
    """The year groups to choose from at ``school``: those of its phase, any year a pupil on
    roll is in, and ``also`` (a pupil's own year, say), each in words, after ``blank``."""
    on_roll = years_on_roll(school, day=today())
    years = rules.years_offered(school.phase, [*on_roll, *also])
    return [("", blank)] + [(str(year), codes.year_label(year)) for year in years]


class PupilForm(forms.ModelForm):
    """The details the office keeps. What staff should know about a pupil's needs is not
    here: strategies belong to the pupil's support plan, which only the SENCO changes."""

    year_group = forms.TypedChoiceField(
        label="Year group", coerce=int, empty_value=None, required=False
    )
    #: The ``details_version`` the form was read at: a stale form is refused, not saved.
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        error_messages={
            "required": VERSION_MISSING,
            "invalid": VERSION_MISSING,
        },
    )

    class Meta:
        model = Pupil
        fields = DETAIL_FIELDS
        widgets = {
            "date_of_birth": DATE,
            "admission_date": DATE,
            "leaving_date": DATE,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        pupil = self.instance
        self.fields["year_group"].choices = year_choices(  # type: ignore[attr-defined]
            pupil.school, blank="Not recorded", also=[pupil.year_group]
        )
        self.fields["version"].initial = pupil.details_version

    def differences_from(self, pupil: Pupil) -> list[tuple[str, str, str]]:
        """Each detail where ``pupil`` as saved now differs from what was typed in this
        (valid) form: (label, saved now, typed), in words, for a stale form's page."""
        rows = []
        for name, field in self.fields.items():
            if name == "version" or name not in self.cleaned_data:
                continue
            typed, saved = self.cleaned_data[name], getattr(pupil, name)
            if typed != saved:
                label = str(field.label or name)
                rows.append(
                    (
                        label,
                        present_value("pupils.pupil", name, saved),
                        present_value("pupils.pupil", name, typed),
                    )
                )
        return rows


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = [
            "name",
            "relationship",
            "parental_responsibility",
            "has_care",
            "address",
            "address_protected",
            "email",
            "phone",
        ]
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "has_care": (
                "For someone the child lives with or who looks after them, such as a foster "
                "carer, even without parental responsibility. In education law they are a "
                "parent too, so letters about the child's special educational needs go to them."
            ),
            "address_protected": (
                "For a looked-after child whose address must be kept from others: "
                "only the SENCO will see it, and it will never be printed or exported."
            ),
        }

    def __init__(self, *args: Any, address_withheld: bool = False, **kwargs: Any) -> None:
        """``address_withheld``: the address is protected (``pupils.rules.address_is_protected``)
        and this member may not see it; it is then neither shown nor changed here."""
        super().__init__(*args, **kwargs)
        if address_withheld:
            del self.fields["address"]
            del self.fields["address_protected"]


class PupilSearchForm(forms.Form):
    q = forms.CharField(label="Search by name, UPN or registration group", required=False)
