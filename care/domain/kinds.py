"""The closed sets of the domain, as enums: what a scheduled message is, what a conversation
item is, whom a broadcast goes to.

Each value is the string stored in the database and shown in exports (a StrEnum compares
equal to its value and formats as it), so these replace the string literals with no change
to any stored row.
"""

from __future__ import annotations

from enum import StrEnum


class MessageKind(StrEnum):
    """What a scheduled message is (``ScheduledMessage.kind``)."""

    CHECKIN = "checkin"  # the structured check-in (or its nudge)
    MILESTONE = "milestone"  # a milestone of the pathway: a visit, a change of activity
    POSTURE = "posture"  # a posture reminder, from a rotation of tips
    BROADCAST = "broadcast"  # a coordinator's broadcast to an audience


PATHWAY_KINDS = (MessageKind.POSTURE, MessageKind.CHECKIN, MessageKind.MILESTONE)
"""The kinds the care pathway plans (a broadcast is not part of a patient's plan)."""


class ItemKind(StrEnum):
    """What a conversation item is (``ConversationItem.kind``)."""

    TEXT = "text"  # free text from the patient
    ATTACHMENT = "attachment"  # a photo, voice note ... with its caption
    NOTE = "note"  # a check-in's free-text note
    REPLY = "reply"  # the care team's reply (outbound)
    DATE_DISPUTE = "date_dispute"  # the patient says the surgery date is wrong
    PAUSE = "pause"
    RESUME = "resume"
    STOP = "stop"
    DELETE = "delete"
    UNREACHABLE = "unreachable"  # the patient blocked the bot


PATIENT_WORDS = (ItemKind.TEXT, ItemKind.NOTE, ItemKind.ATTACHMENT)
"""The items that carry the patient's own words (the other kinds are events or replies)."""


class AudienceKind(StrEnum):
    """Whom a broadcast goes to (care/storage/audiences.py reads ``week:1-2`` and the like)."""

    ALL = "all"
    WEEK = "week"
    APPROACH = "approach"
    LANGUAGE = "language"
    PATIENT = "patient"


class AlertSource(StrEnum):
    """What opened an alert (``Alert.source``); at most one alert of a source is open."""

    CHECKIN = "checkin"  # a check-in's answers
    FREE_TEXT = "free_text"  # a typed message or an attachment
    UNREACHABLE = "unreachable"  # the patient blocked the bot
    DELIVERY_FAILED = "delivery_failed"  # a message could not be delivered
    MISSED_CHECKINS = "missed_checkins"  # check-ins left unanswered
