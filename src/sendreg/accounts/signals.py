"""What the accounts app announces, for the apps above it to act on.

Accounts sits below the audit trail, so it does not write audit events itself: it says
what happened to someone's account, and the audit app (which listens, in its
``AppConfig.ready()``) records it in the trail of each school the person works in.
"""

from __future__ import annotations

from django.dispatch import Signal

#: Sent with ``type`` (an ``AccountAudit``), ``user`` (whose account), ``by`` (who did it, or
#: None for the command line), ``new`` (values to record) and ``actor_label``.
account_changed = Signal()
