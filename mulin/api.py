"""The REST API at /api/v1/ (django-ninja); each app contributes a router."""

from ninja import NinjaAPI

from mulin.core.api_auth import BearerToken, SessionAuth

api = NinjaAPI(
    title="Mulin API",
    version="1",
    description="Registry, organisations and the everyday work of residential compounds.",
    auth=[BearerToken(), SessionAuth()],
    urls_namespace="api",
)

from mulin.core.api import router as core_router  # noqa: E402
from mulin.orgs.api import router as orgs_router  # noqa: E402
from mulin.people.api import router as people_router  # noqa: E402
from mulin.places.api import router as places_router  # noqa: E402

api.add_router("/", core_router)
api.add_router("/", places_router)
api.add_router("/", people_router)
api.add_router("/", orgs_router)
