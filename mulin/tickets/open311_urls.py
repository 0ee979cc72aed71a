"""Open311 GeoReport v2 (see `mulin.tickets.open311`). Every resource ends in `.json` or `.xml`;
any other ending answers the spec's 404."""

from django.urls import path, re_path

from .open311 import views as open311

app_name = "open311"
urlpatterns = [
    path("", open311.root, name="root"),
    re_path(r"^discovery\.(?P<fmt>\w+)$", open311.discovery, name="discovery"),
    re_path(r"^services\.(?P<fmt>\w+)$", open311.service_list, name="services"),
    re_path(
        r"^services/(?P<code>[-\w]+)\.(?P<fmt>\w+)$", open311.service_definition, name="service"
    ),
    re_path(r"^requests\.(?P<fmt>\w+)$", open311.requests_endpoint, name="requests"),
    re_path(r"^requests/(?P<id>[^/.]+)\.(?P<fmt>\w+)$", open311.request_detail, name="request"),
]
