from __future__ import annotations

from django.apps import AppConfig


class RegisterConfig(AppConfig):
    name = "sendreg.register"
    label = "register"
