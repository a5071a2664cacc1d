"""Broadcast settings: platforms that receive direct messages, the reminder interval, the pace per platform.

Paces follow the platforms' published limits: Telegram about 30 messages a second overall, one a second per
chat and 20 a minute per group; Slack about one message a second per channel (and we keep a modest overall
rate). Everything can be overridden by the deployment (or a bench) through ``Pacing``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta

DELIVERY_PLATFORMS = ("slack", "telegram")
"""Platforms a bot can write to first; terminal handles on a roster receive nothing."""
REMINDER_ENV = "PROTOCOL_BOT_ACK_REMINDER_HOURS"
DEFAULT_REMINDER_HOURS = 72.0


@dataclass(frozen=True, slots=True)
class Pacing:
    overall: float
    """Messages a second to the platform as a whole."""
    per_chat: float
    """Messages a second to one chat (a person's DM, a channel)."""
    per_group_per_minute: float | None = None
    """Telegram groups (negative chat ids): a lower limit of their own."""
    burst: float = 0.2
    """Seconds of the overall rate that may be spent at once after an idle spell (kept short: a platform
    counting over one second must never see more than its limit)."""


DEFAULT_PACING = {
    "telegram": Pacing(overall=30.0, per_chat=1.0, per_group_per_minute=20.0),
    "slack": Pacing(overall=10.0, per_chat=1.0),
}
UNPACED = Pacing(overall=1000.0, per_chat=1000.0, burst=1.0)


def reminder_interval() -> timedelta:
    """How long members have to acknowledge before one reminder is sent (``PROTOCOL_BOT_ACK_REMINDER_HOURS``)."""
    raw = os.environ.get(REMINDER_ENV, "").strip()
    try:
        hours = float(raw) if raw else DEFAULT_REMINDER_HOURS
    except ValueError:
        hours = DEFAULT_REMINDER_HOURS
    return timedelta(hours=max(hours, 0.0))
