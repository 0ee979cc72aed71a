"""Request pages: reporting, my requests, and the request page every party shares."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from mulin.core import access

from .. import selectors


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = access.get_or_404(request.user, access.TICKETS_VIEW, selectors.tickets_for(request.user), pk=pk)
    return render(request, "tickets/detail.html", {"ticket": ticket})


urlpatterns: list = [
    path("requests/<int:pk>/", detail, name="detail"),
]
