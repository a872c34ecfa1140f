from __future__ import annotations

from django.apps import AppConfig


class CensusConfig(AppConfig):
    """The school census: the pre-flight check, the extract and the calendar.

    Above the register and the imports: the check reads both the register and what the
    latest MIS import recorded. The census rules themselves are pure functions in
    ``register.rules``, which the imports use too.
    """

    name = "sendreg.census"
    label = "census"

    def ready(self) -> None:
        from sendreg.census.cli import register_commands

        register_commands()
