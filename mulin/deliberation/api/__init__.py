"""`/api/v1/` for deliberation: topics, meetings and resolutions, projects, rules, notice
boards, announcements, praise and evaluations."""

from ninja import Router

from . import civic, meetings, projects, topics

router = Router()
router.add_router("/", topics.router)
router.add_router("/", meetings.router)
router.add_router("/", projects.router)
router.add_router("/", civic.router)
