"""What the staff pages of owners' votes share: the compound of the URL with the user's
decisions permissions (404 without any), the vote as staff may see it, a default schedule, and
putting a service's errors on a form."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms as django_forms
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils import timezone

from mulin.core import access
from mulin.places.forms import apply_errors
from mulin.places.models import Compound

from .. import selectors, staff_pages
from ..models import Vote
from ..staff_pages import Powers

PAGE_SIZE = 25


def compound_for(request: HttpRequest, code: str) -> tuple[Compound, Powers]:
    """The compound of the URL and the user's decisions permissions there; 404 without any."""
    compound = Compound.objects.select_related("community").filter(code=code).first()
    if compound is None:
        raise Http404
    powers = Powers.of(request.user, compound)
    if not powers.any:
        raise Http404
    return compound, powers


def require(allowed: bool) -> None:
    if not allowed:
        raise Http404


def registry_link(request: HttpRequest, compound: Compound) -> bool:
    return access.scope_for(request.user, access.REGISTRY_VIEW).covers_compound(compound.id)


def staff_vote_for(request: HttpRequest, compound: Compound, powers: Powers, vote_id: int) -> Vote:
    """The vote with its contents: drafts for viewers, published votes for recorders."""
    perm = access.DECISIONS_VIEW if powers.view else access.DECISIONS_RECORD
    return selectors.staff_vote(request.user, compound, vote_id, perm=perm)


def default_window(compound: Compound, notice_days: int) -> tuple[datetime, datetime]:
    """A schedule that keeps the rules if published today: opens 9:00 the day after the notice
    ends, closes 18:00 a week later (Beijing time)."""
    assembly = staff_pages.assembly_or_default(compound)
    day = timezone.localdate() + timedelta(days=notice_days + 1)
    zone = timezone.get_current_timezone()
    opens = datetime.combine(day, time(9, 0), tzinfo=zone)
    length = max(7, assembly.min_window_days)
    closes = datetime.combine(day + timedelta(days=length), time(18, 0), tzinfo=zone)
    return opens, closes


def service_errors(form: django_forms.Form, exc: ValidationError) -> None:
    apply_errors(form, exc)


def form_messages(form: django_forms.Form) -> list[str]:
    return [str(m) for found in form.errors.values() for m in found]
