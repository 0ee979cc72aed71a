"""The in-app inbox: a user's own notifications, newest first, marked read one by one or all."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from . import notifications
from .models import Notification

INBOX_PAGE_SIZE = 30


def _page(request: HttpRequest, number: str | None):
    rows = Notification.objects.filter(recipient=request.user).order_by("-created_at", "-id")
    return Paginator(rows, INBOX_PAGE_SIZE).get_page(number)


def _back(page_number: str | None) -> str:
    url = reverse("core:inbox")
    return f"{url}?page={page_number}" if page_number and page_number.isdigit() else url


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    page = _page(request, request.GET.get("page"))
    return render(request, "core/inbox.html", {"page": page})


@login_required
@require_POST
def inbox_read(request: HttpRequest, pk: int) -> HttpResponse:
    note = notifications.notification_mark_read(actor=request.user, notification_id=pk)
    if request.htmx:
        return render(request, "core/inbox.html#row_swap", {"note": note})
    return redirect(_back(request.POST.get("page")))


@login_required
@require_POST
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    notifications.notifications_mark_all_read(actor=request.user)
    if request.htmx:
        page = _page(request, request.POST.get("page"))
        return render(request, "core/inbox.html#list_swap", {"page": page})
    return redirect(_back(request.POST.get("page")))
