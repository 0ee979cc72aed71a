"""API: residents' requests (诉求·工单) — categories, the request list and page, submitting, every
move on the state machine, photos, rating, and follow-up calls.

Everything is read through `selectors.tickets_for(user)` (staff by scope, residents their own)
and written through the tickets services, which check who may do what; a request the caller may
not see answers 404 like a missing one. Phones are masked; the unit, the people behind a request
and the team's internal notes are for staff (and the unit for the requester too).
"""

from ninja import Router

router = Router(tags=["requests"])

from . import follow_ups, requests  # noqa: E402, F401  (their endpoints join `router`)
