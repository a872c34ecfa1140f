from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils import timezone

from sendreg.accounts.models import SCHOOL_CONTACT_FIELDS, LoginFailure, School
from sendreg.accounts.selectors import lockout_for
from sendreg.accounts.services import login_failure_record
from sendreg.lib.http import client_address

CODE_WRONG = (
    "That code is not right. Codes change every 30 seconds: type the one your app shows "
    "now, or a recovery code."
)
CODE_WAIT = (
    "Too many wrong codes in a row: wait {seconds}, then type the code your app "
    "shows at that moment."
)
SETUP_CODE_WRONG = (
    "That code is not right. Check the time on your phone is set automatically, then type "
    "the code the app shows now."
)


class EmailAuthenticationForm(AuthenticationForm):
    """Log in by email and password; refused while logging in is paused for the account
    or the network address (``accounts.rules.login_lockout``). Failed attempts are logged
    by ``accounts.apps`` from Django's ``user_login_failed`` signal."""

    username = forms.EmailField(
        label="Email address",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That email address and password do not match an account.",
    }

    def clean(self) -> dict[str, Any]:
        email = (self.cleaned_data.get("username") or "").strip().lower()
        address = client_address(self.request) if self.request is not None else None
        now = timezone.now()
        if email:
            lockout = lockout_for(email=email, address=address, now=now)
            if lockout is not None:
                login_failure_record(
                    email=email, address=address, reason=LoginFailure.Reason.LOCKED
                )
                raise ValidationError(lockout.message(timezone.localtime(now)), code="locked_out")
            self.cleaned_data["username"] = email
        return super().clean()


class _CodeInput(forms.TextInput):
    def __init__(self) -> None:
        super().__init__(
            attrs={"autocomplete": "one-time-code", "spellcheck": "false", "autocapitalize": "off"}
        )


class TwoFactorCodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        help_text="The 6-digit code your authenticator app shows, or one of your recovery codes.",
        max_length=40,
        widget=_CodeInput(),
    )

    def clean_code(self) -> str:
        return "".join(str(self.cleaned_data["code"]).split()).replace("-", "").lower()


class TwoFactorSetupForm(forms.Form):
    code = forms.CharField(
        label="Code from the app",
        help_text="After adding sendreg to the app, type the 6-digit code it shows.",
        max_length=10,
        widget=_CodeInput(),
    )

    def clean_code(self) -> str:
        return "".join(str(self.cleaned_data["code"]).split())


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
