from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from sendreg.accounts.models import SCHOOL_CONTACT_FIELDS, School


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email address",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That email address and password do not match an account.",
    }


class SchoolContactForm(forms.ModelForm):
    sendiass_website = forms.URLField(
        label="SENDIASS website",
        required=False,
        assume_scheme="https",
        max_length=200,
        help_text="For example https://www.example.gov.uk/sendiass",
    )
    local_offer_url = forms.URLField(
        label="Local offer web address",
        required=False,
        assume_scheme="https",
        max_length=200,
        help_text="The local authority's page that sets out the support for children with "
        "special educational needs and disabilities in the area.",
    )

    class Meta:
        model = School
        fields = SCHOOL_CONTACT_FIELDS
        widgets = {"address": forms.Textarea(attrs={"rows": 4})}
        labels = {
            "address": "School address",
            "phone": "School telephone",
            "email": "School email",
            "sendiass_name": "Local SENDIASS name",
            "sendiass_phone": "SENDIASS telephone",
        }
        help_texts = {
            "address": (
                "As it should appear on letters, one line at a time, without the school's "
                "name (it is printed above the address)."
            ),
            "email": "The address parents should write to, such as the SENCO's or the office's.",
            "sendiass_name": (
                "The local SEND Information, Advice and Support Service, which gives parents "
                "free, impartial and confidential advice. For example: Bristol SENDIASS."
            ),
        }
