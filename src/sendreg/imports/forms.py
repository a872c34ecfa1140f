from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from sendreg.imports.parsers import parse_mapping_args


class UploadForm(forms.Form):
    file = forms.FileField(
        label="The export from your MIS (CSV or Excel .xlsx)",
        help_text="The pupil data or class-list report you already run in SIMS, Arbor or Bromcom.",
    )
    whole_roll = forms.BooleanField(
        label="This file lists every pupil on roll",
        required=False,
        help_text=(
            "Pupils missing from it will then be listed as possible leavers. "
            "sendreg also works this out from the size of the file."
        ),
    )
    mapping = forms.CharField(
        label="Column names (only if sendreg does not recognise your file)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line, for example: UPN=Pupil Ref. sendreg remembers them for next time.",
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = settings.SENDREG_IMPORT_MAX_MB
        if upload.size > limit * 1024 * 1024:
            raise forms.ValidationError(
                f"The file is larger than {limit} MB, the largest sendreg accepts."
            )
        return upload

    def clean_mapping(self) -> dict[str, str]:
        lines = [line for line in self.cleaned_data["mapping"].splitlines() if line.strip()]
        try:
            return parse_mapping_args(lines)
        except ValueError as exc:
            raise forms.ValidationError(str(exc).replace("--map ", "")) from None


class ConfirmForm(forms.Form):
    left_on = forms.DateField(
        label="Leaving date for the pupils ticked",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    leavers = forms.TypedMultipleChoiceField(coerce=int, required=False, choices=())

    def __init__(self, *args: Any, leaver_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["leavers"].choices = leaver_choices
