from __future__ import annotations

from typing import Any

from django import forms

from sendreg.deadlines.rules import DeadlineStatus


class DeadlineFilterForm(forms.Form):
    kind = forms.ChoiceField(label="Kind", required=False)
    status = forms.ChoiceField(label="Status", required=False)

    def __init__(self, *args: Any, kinds: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "Every kind"), *kinds.items()]  # type: ignore[attr-defined]
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            ("", "Every status"),
            ("open", "Not done yet"),
            *((status.value, status.label) for status in DeadlineStatus),
        ]

    def value(self, name: str) -> str:
        if not self.is_bound or not self.is_valid():
            return ""
        return str(self.cleaned_data.get(name) or "")
