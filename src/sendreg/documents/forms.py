from __future__ import annotations

from django import forms

from sendreg.documents import rules


def _letter_text(value: str) -> str:
    rules.validate_letter_text(value)
    return value


class LetterTemplateForm(forms.Form):
    subject = forms.CharField(
        label="Subject line",
        max_length=200,
        error_messages={"required": "Write the subject line of the letter."},
    )
    body = forms.CharField(
        label="Letter",
        widget=forms.Textarea(attrs={"rows": 22}),
        max_length=10000,
        error_messages={"required": "Write the letter."},
        help_text="Leave a blank line between paragraphs. Placeholders are listed below.",
    )

    def clean_subject(self) -> str:
        return _letter_text(self.cleaned_data["subject"])

    def clean_body(self) -> str:
        return _letter_text(self.cleaned_data["body"])
