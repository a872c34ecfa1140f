"""The SEN information report's form: one box of text for each heading."""

from __future__ import annotations

from typing import Any

from django import forms

from sendreg.insight import report_rules as rules


class InformationReportForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for heading in rules.HEADINGS:
            self.fields[heading.key] = forms.CharField(
                label=heading.title,
                help_text=heading.covers,
                required=False,
                max_length=rules.MAX_TEXT,
                strip=True,
                widget=forms.Textarea(attrs={"rows": 6}),
            )
