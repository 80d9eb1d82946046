"""The care pathway after PELD: clinician-editable data and the pure function that schedules it."""

from care.domain.pathway.loader import DEFAULT_PATH, load_pathway, parse_pathway
from care.domain.pathway.model import Occurrence, Pathway, WakingWindow
from care.domain.pathway.schedule import occurrences, wall_clock_to_utc

__all__ = [
    "DEFAULT_PATH",
    "Occurrence",
    "Pathway",
    "WakingWindow",
    "load_pathway",
    "occurrences",
    "parse_pathway",
    "wall_clock_to_utc",
]
