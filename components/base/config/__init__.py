"""Reading the stack's settings: each concern declares its keys once (key, kind, default, doc)
as fields of a frozen dataclass; `read_document` validates a whole config document against
those declarations and reports every problem at once. Generic: nothing here knows about
networks or clusters."""

from components.base.config.declare import (
    Check,
    ReadContext,
    keyed_sections,
    section,
    sections,
    setting,
)
from components.base.config.problems import PROJECT, SettingsError
from components.base.config.reader import read_document

__all__ = [
    "PROJECT",
    "Check",
    "ReadContext",
    "SettingsError",
    "keyed_sections",
    "read_document",
    "section",
    "sections",
    "setting",
]
