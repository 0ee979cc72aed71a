from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from mulin.api import api
from mulin.core.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("open311/v2/", include("mulin.tickets.open311_urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("mulin.core.urls")),
    path("", include("mulin.places.urls")),
    path("", include("mulin.people.urls")),
    path("", include("mulin.orgs.urls")),
    path("", include("mulin.tickets.urls")),
    path("", include("mulin.decisions.urls")),
    path("", include("mulin.deliberation.urls")),
]

if settings.DEBUG:
    from django.urls import re_path
    from django.views.static import serve

    # Request photos (media/tickets/) and ballot scans, signatures and vote documents
    # (media/decisions/), deliberation's photos and files (media/deliberation/) are never served as files: only their views hand them out, after the
    # access check.
    urlpatterns += [
        re_path(
            r"^media/(?P<path>(?!tickets/|decisions/|deliberation/).*)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    ]
