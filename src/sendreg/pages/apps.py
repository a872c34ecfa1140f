from __future__ import annotations

from django.apps import AppConfig


class PagesConfig(AppConfig):
    """The pages that bring every app together: each role's home page and the pupil's page.

    This app sits on top: it may import from every other app, and none imports from it.
    What the other apps add to these pages they register in ``lib.extensions``.
    """

    name = "sendreg.pages"
    label = "pages"
