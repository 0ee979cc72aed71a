"""Periodic jobs of owners' decisions: votes open and close at the times their notice gave."""

from __future__ import annotations

from datetime import timedelta

from mulin.core.periodic import periodic

from .services import advance_due


@periodic("decisions.advance", every=timedelta(minutes=1))
def advance() -> str:
    moved = advance_due()
    return ", ".join(f"{name} {count}" for name, count in moved.items())
