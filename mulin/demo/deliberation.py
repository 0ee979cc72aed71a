"""The demo's deliberation: topics, meetings and resolutions, projects, then rules, notice
boards, announcements, praise and evaluations — each part in its own module, built in that
order (later parts link to earlier ones by the names in `deliberation_plan`)."""

from . import (
    deliberation_civic,
    deliberation_meetings,
    deliberation_projects,
    deliberation_topics,
)

PARTS = [deliberation_topics, deliberation_meetings, deliberation_projects, deliberation_civic]


def ensure_deliberation(code: str) -> None:
    """Build the compound's deliberation when it has none yet (loading again changes nothing)."""
    for part in PARTS:
        part.ensure(code)


def remove_deliberation(compounds) -> None:
    for part in reversed(PARTS):
        part.remove(compounds)
