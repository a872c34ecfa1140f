from __future__ import annotations

from django.apps import AppConfig


class RegistersConfig(AppConfig):
    name = "sendreg.registers"
    label = "registers"
