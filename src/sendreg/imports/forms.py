from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.conf import settings

from sendreg.imports import rules
from sendreg.imports.dispatch import AUTO, AUTO_LABEL, MIS, MIS_LABEL
from sendreg.imports.kinds import ImportKind
from sendreg.imports.parsers import parse_mapping_args


class UploadForm(forms.Form):
    file = forms.FileField(
        label="The export from your MIS (CSV or Excel .xlsx)",
        help_text="The pupil data or class-list report you already run in SIMS, Arbor or Bromcom.",
    )
    kind = forms.ChoiceField(label="What the file is", required=False, initial=AUTO)
    whole_roll = forms.BooleanField(
        label="This file lists every pupil on roll",
        required=False,
        help_text=(
            "For an MIS export: pupils missing from it will then be listed as possible "
            "leavers. sendreg also works this out from the size of the file."
        ),
    )
    mapping = forms.CharField(
        label="Column names (only if sendreg does not recognise your file)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line, for example: UPN=Pupil Ref. sendreg remembers them for next time.",
    )

    def __init__(self, *args: Any, kinds: Sequence[ImportKind] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["kind"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            (AUTO, AUTO_LABEL),
            (MIS, MIS_LABEL),
            *((kind.key, kind.label) for kind in kinds),
        ]
        if kinds:
            self.fields["file"].label = "The export from your MIS, or another file to import"
            self.fields["file"].help_text = (
                "An MIS export (the pupil data or class-list report from SIMS, Arbor or "
                "Bromcom, as CSV or Excel .xlsx), or one of the other kinds of file below."
            )
        else:
            # With nothing else to choose, the file is an MIS export: no question to ask.
            field.widget = forms.HiddenInput()

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
    """Confirming an MIS import: which possible leavers left, and when; and, for a file that
    looks like another school's, that it is this school's after all.

    No leaver is ticked at first: a pupil marked as left drops off every list, so
    the school says who has gone rather than un-ticking who has not.
    """

    leavers = forms.TypedMultipleChoiceField(
        label="Possible leavers to mark as left",
        coerce=int,
        required=False,
        choices=(),
        widget=forms.CheckboxSelectMultiple,
    )
    left_on = forms.DateField(
        label="Leaving date for the pupils ticked",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(
        self,
        *args: Any,
        leaver_choices: list[tuple[int, str]],
        other_school: str = "",
        **kwargs: Any,
    ) -> None:
        """``other_school`` is the school's name when the file looks like another school's."""
        super().__init__(*args, **kwargs)
        field = self.fields["leavers"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = leaver_choices
        if other_school:
            self.fields["other_school_ok"] = forms.BooleanField(
                label=rules.OTHER_SCHOOL_CONFIRM.format(school=other_school),
                required=True,
                error_messages={"required": rules.OTHER_SCHOOL_NOT_CONFIRMED},
            )
