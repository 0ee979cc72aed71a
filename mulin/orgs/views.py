"""Organisation pages: a compound's organisations, one organisation, the org chart, the roster.

Every page asks the access module first (ORGS_VIEW, or DUTY_VIEW for the roster); a user
without it gets 404 exactly as if the compound did not exist. Edits go through services;
an HTMX request gets back the section of the page it changed (a template partial).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from mulin.core import access
from mulin.places.models import Compound

from . import selectors, services
from .forms import (
    AreaAssignForm,
    AreaRemoveForm,
    DutyShiftAddForm,
    DutyShiftRemoveForm,
    MembershipAddForm,
    MembershipEndForm,
    OrganisationCreateForm,
    OrganisationUpdateForm,
    PartyMemberAddForm,
    PartyMemberEndForm,
    ScopeChoice,
)
from .models import DutyShift, Membership, Organisation

PERSON_OPTIONS = 30  # people listed in a picker before the editor searches


def _compound_or_404(user, perm: str, code: str) -> Compound:
    return access.get_or_404(user, perm, Compound.objects.select_related("community"), code=code)


def _render(
    request: HttpRequest, template: str, context: dict, partial: str | None = None
) -> HttpResponse:
    """The whole page, or for an HTMX request only the named partial of the same template."""
    if partial and request.htmx:
        template = f"{template}#{partial}"
    return render(request, template, context)


# ---------------------------------------------------------------------------------------------
# orgs:list


@login_required
def organisation_list(request: HttpRequest, code: str) -> HttpResponse:
    user = request.user
    compound = _compound_or_404(user, access.ORGS_VIEW, code)
    edit_scope = access.scope_for(user, access.ORGS_EDIT)
    can_edit = edit_scope.covers_compound(compound.id)
    allow_community = edit_scope.everything or compound.community_id in edit_scope.community_ids
    parents = access.visible(
        user,
        access.ORGS_VIEW,
        Organisation.objects.active().filter(selectors.serving_compound_q(compound)),
    )

    def create_form(data=None) -> OrganisationCreateForm:
        return OrganisationCreateForm(
            data, compound=compound, parents=parents, allow_community=allow_community
        )

    form = create_form() if can_edit else None
    created = None
    if request.method == "POST":
        if not can_edit:
            raise Http404
        form = create_form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                created = services.organisation_create(
                    actor=user,
                    kind=data["kind"],
                    name=data["name"],
                    community=compound.community,
                    compound=compound if data["scope"] == ScopeChoice.COMPOUND else None,
                    parent=data["parent"],
                    description=data["description"],
                    phone=data["phone"],
                    founded_on=data["founded_on"],
                )
            except ValidationError as exc:
                form.apply_service_errors(exc)
            else:
                if not request.htmx:
                    return redirect(_organisation_url(created, compound))
                form = create_form()
    organisations = selectors.organisations_serving(user, compound)
    groups, dissolved = selectors.group_by_kind(organisations)
    context = {
        "compound": compound,
        "groups": groups,
        "dissolved": dissolved,
        "organisation_count": len(organisations) - len(dissolved),
        "can_edit": can_edit,
        "form": form,
        "created": created,
        "created_url": _organisation_url(created, compound) if created else "",
    }
    return _render(request, "orgs/organisation_list.html", context, "organisations")


def _organisation_url(org: Organisation, compound: Compound | None) -> str:
    """Link to an organisation; a community-wide one remembers which compound we came from."""
    url = reverse("orgs:detail", args=[org.pk])
    if org.compound_id is None and compound is not None:
        url += f"?compound={compound.code}"
    return url


# ---------------------------------------------------------------------------------------------
# orgs:detail


@dataclass
class DetailForms:
    """The forms on an organisation's page; a failed submission replaces its own form."""

    update: OrganisationUpdateForm | None = None
    member_add: MembershipAddForm | None = None
    area_assign: AreaAssignForm | None = None
    party_add: PartyMemberAddForm | None = None
    member_end: MembershipEndForm | None = None
    party_end: PartyMemberEndForm | None = None
    area_remove: AreaRemoveForm | None = None
    notice: str = ""


class OrganisationEditor:
    """Builds the edit forms of one organisation and runs the posted action through a service."""

    def __init__(self, request: HttpRequest, org: Organisation, compound: Compound | None):
        self.request = request
        self.user = request.user
        self.org = org
        self.compound = compound
        self.today = timezone.localdate()
        self.people = selectors.person_candidates(
            self.user, community_id=org.community_id, compound_id=org.compound_id
        )
        self._options: dict[tuple, list] = {}

    # Form builders ---------------------------------------------------------------------------

    def parents(self):
        serving = Q(community_id=self.org.community_id)
        if self.org.compound_id:
            serving &= Q(compound__isnull=True) | Q(compound_id=self.org.compound_id)
        else:
            serving &= Q(compound__isnull=True)
        return access.visible(
            self.user, access.ORGS_VIEW, Organisation.objects.active().filter(serving)
        ).exclude(pk=self.org.pk)

    def update_form(self, data=None) -> OrganisationUpdateForm:
        org = self.org
        initial = {
            "name": org.name,
            "parent": org.parent_id,
            "description": org.description,
            "phone": org.phone,
            "founded_on": org.founded_on,
            "dissolved_on": org.dissolved_on,
        }
        return OrganisationUpdateForm(data, initial=initial, parents=self.parents())

    def options(self, query: str = "", selected: str | None = None) -> list:
        """The people a picker lists; the member and party pickers share one query."""
        key = (query, selected)
        if key not in self._options:
            people = self.people
            if query:
                people = selectors.person_candidates(
                    self.user,
                    community_id=self.org.community_id,
                    compound_id=self.org.compound_id,
                    query=query,
                )
            options = list(people[:PERSON_OPTIONS])
            if selected and selected.isdigit() and all(str(p.pk) != selected for p in options):
                options += list(self.people.filter(pk=int(selected)))
            self._options[key] = options
        return self._options[key]

    def member_form(self, data=None, query: str = "") -> MembershipAddForm:
        selected = data.get("person") if data else None
        return MembershipAddForm(
            data,
            people=self.people,
            person_options=self.options(query, selected),
            prefix="member",
        )

    def party_form(self, data=None, query: str = "") -> PartyMemberAddForm:
        selected = data.get("party-person") if data else None
        return PartyMemberAddForm(
            data,
            people=self.people,
            person_options=self.options(query, selected),
            prefix="party",
        )

    def current_memberships(self):
        return (
            Membership.objects.filter(organisation=self.org)
            .filter(Q(term_end__isnull=True) | Q(term_end__gte=self.today))
            .select_related("person")
            .order_by("person__name_pinyin", "id")
        )

    def area_compounds(self):
        if self.org.compound_id:
            return Compound.objects.filter(pk=self.org.compound_id)
        return access.visible(
            self.user,
            access.ORGS_EDIT,
            Compound.objects.filter(community_id=self.org.community_id),
        ).order_by("name")

    def area_form(self, data=None) -> AreaAssignForm:
        return AreaAssignForm(
            data,
            organisation=self.org,
            memberships=self.current_memberships(),
            compounds=self.area_compounds(),
            prefix="area",
        )

    def forms(self, done: DetailForms | None = None) -> DetailForms:
        """Fresh forms everywhere, except the one that failed (kept with its errors)."""
        done = done or DetailForms()
        query = self.request.GET
        done.update = done.update or self.update_form()
        done.member_add = done.member_add or self.member_form(query=query.get("member_q", ""))
        done.area_assign = done.area_assign or self.area_form()
        if self.org.is_party:
            done.party_add = done.party_add or self.party_form(query=query.get("party_q", ""))
        return done

    # Actions ---------------------------------------------------------------------------------

    def run(self, action: str) -> tuple[str, DetailForms] | None:
        """Run one posted action. Returns the partial to re-render and the forms to show."""
        handlers: dict[str, tuple[str, Callable[[], DetailForms]]] = {
            "update": ("about", self.update),
            "member_add": ("people", self.member_add),
            "member_end": ("people", self.member_end),
            "area_assign": ("people", self.area_assign),
            "area_remove": ("people", self.area_remove),
        }
        if self.org.is_party:
            handlers["party_add"] = ("party", self.party_add)
            handlers["party_end"] = ("party", self.party_end)
        if action not in handlers:
            return None
        partial, handler = handlers[action]
        return partial, handler()

    def _attempt(self, form, write: Callable[[dict], str]) -> tuple[bool, str]:
        if not form.is_valid():
            return False, ""
        try:
            return True, write(form.cleaned_data)
        except ValidationError as exc:
            form.apply_service_errors(exc)
            return False, ""

    def update(self) -> DetailForms:
        form = self.update_form(self.request.POST)

        def write(data: dict) -> str:
            services.organisation_update(
                actor=self.user,
                organisation=self.org,
                name=data["name"],
                parent=data["parent"],
                description=data["description"].strip(),
                phone=data["phone"],
                founded_on=data["founded_on"],
                dissolved_on=data["dissolved_on"],
            )
            return _("The organisation's details were saved.")

        ok, notice = self._attempt(form, write)
        if not ok:
            self.org.refresh_from_db()
        return DetailForms(update=None if ok else form, notice=notice)

    def member_add(self) -> DetailForms:
        form = self.member_form(self.request.POST)

        def write(data: dict) -> str:
            membership = services.membership_add(
                actor=self.user,
                organisation=self.org,
                person=data["person"],
                role=data["role"],
                portfolio=data["portfolio"],
                term_start=data["term_start"],
                term_end=data["term_end"],
                phone=data["phone"],
            )
            return _("%(name)s was added to the members, role: %(role)s.") % {
                "name": membership.person.name,
                "role": membership.get_role_display(),
            }

        ok, notice = self._attempt(form, write)
        return DetailForms(member_add=None if ok else form, notice=notice)

    def member_end(self) -> DetailForms:
        form = MembershipEndForm(self.request.POST, organisation=self.org)

        def write(data: dict) -> str:
            membership = services.membership_end(
                actor=self.user, membership=data["membership"], term_end=data["term_end"]
            )
            return _("The term of %(name)s ended on %(date)s; it stays in the history.") % {
                "name": membership.person.name,
                "date": membership.term_end.isoformat(),
            }

        ok, notice = self._attempt(form, write)
        return DetailForms(member_end=None if ok else form, notice=notice)

    def area_assign(self) -> DetailForms:
        form = self.area_form(self.request.POST)

        def write(data: dict) -> str:
            area = services.responsibility_assign(
                actor=self.user, membership=data["membership"], place=data["place"]
            )
            return _("%(name)s now answers for %(place)s.") % {
                "name": area.membership.person.name,
                "place": selectors.place_label(area),
            }

        ok, notice = self._attempt(form, write)
        return DetailForms(area_assign=None if ok else form, notice=notice)

    def area_remove(self) -> DetailForms:
        form = AreaRemoveForm(self.request.POST, organisation=self.org)

        def write(data: dict) -> str:
            area = data["area"]
            label = selectors.place_label(area)
            services.responsibility_remove(actor=self.user, area=area)
            return _("%(name)s no longer answers for %(place)s.") % {
                "name": area.membership.person.name,
                "place": label,
            }

        ok, notice = self._attempt(form, write)
        return DetailForms(area_remove=None if ok else form, notice=notice)

    def party_add(self) -> DetailForms:
        form = self.party_form(self.request.POST)

        def write(data: dict) -> str:
            pm = services.party_membership_add(
                actor=self.user,
                organisation=self.org,
                person=data["person"],
                status=data["status"],
                home_organisation=data["home_organisation"],
                joined_on=data["joined_on"],
            )
            return _("%(name)s was added to the party members: %(status)s.") % {
                "name": pm.person.name,
                "status": pm.get_status_display(),
            }

        ok, notice = self._attempt(form, write)
        return DetailForms(party_add=None if ok else form, notice=notice)

    def party_end(self) -> DetailForms:
        form = PartyMemberEndForm(self.request.POST, organisation=self.org)

        def write(data: dict) -> str:
            pm = services.party_membership_end(
                actor=self.user, party_membership=data["party_membership"], left_on=data["left_on"]
            )
            return _("%(name)s left on %(date)s.") % {
                "name": pm.person.name,
                "date": pm.left_on.isoformat(),
            }

        ok, notice = self._attempt(form, write)
        return DetailForms(party_end=None if ok else form, notice=notice)


def _row_errors(done: DetailForms | None) -> dict:
    """Errors of the small per-row forms (end a term, record leaving, release an area), keyed
    so the page can show them on the row they belong to."""
    found: dict = {}
    if done is None:
        return found
    for key, name in (
        ("member_end", "membership"),
        ("party_end", "party_membership"),
        ("area_remove", "area"),
    ):
        form = getattr(done, key)
        if form is not None and form.errors:
            pk = form.data.get(name, "")
            found[key] = {
                "pk": int(pk) if pk.isdigit() else None,
                "messages": [m for errors in form.errors.values() for m in errors],
            }
    return found


def _hinted_compound(request: HttpRequest, org: Organisation) -> Compound | None:
    """A community-wide organisation belongs to no compound; the page keeps the compound the
    user came from (`?compound=`) for the navigation, if they may see it."""
    code = request.GET.get("compound", "")
    if not code:
        return None
    return (
        access.visible(
            request.user,
            access.ORGS_VIEW,
            Compound.objects.filter(code=code, community_id=org.community_id),
        )
        .select_related("community")
        .first()
    )


@login_required
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    org = access.get_or_404(
        user,
        access.ORGS_VIEW,
        Organisation.objects.select_related("parent", "community", "compound__community"),
        pk=pk,
    )
    can_edit = access.can(user, access.ORGS_EDIT, org)
    compound = org.compound or _hinted_compound(request, org)
    editor = OrganisationEditor(request, org, compound) if can_edit else None
    partial = None
    done = None
    if request.method == "POST":
        if editor is None:
            raise Http404
        result = editor.run(request.POST.get("action", ""))
        if result is None:
            return HttpResponseBadRequest(_("Unknown action."))
        partial, done = result
        if done.notice and not request.htmx:
            messages.success(request, done.notice)
            return redirect(request.get_full_path() + f"#{partial}")
        if done.notice and partial == "about":
            # The name shows in the heading, the breadcrumbs and the title too: reload it all.
            messages.success(request, done.notice)
            return HttpResponseClientRedirect(request.get_full_path())
    elif request.htmx and editor is not None and "picker" in request.GET:
        # The person picker's search: only the select with the matching people.
        picker = request.GET["picker"]
        if picker == "member":
            form = editor.member_form(query=request.GET.get("member_q", ""))
        elif picker == "party" and org.is_party:
            form = editor.party_form(query=request.GET.get("party_q", ""))
        else:
            return HttpResponseBadRequest(_("Unknown picker."))
        return render(
            request,
            "orgs/_person_field.html",
            {"field": form["person"], "picker": picker},
        )
    page = selectors.organisation_page(org)
    context = {
        "row_errors": _row_errors(done),
        "org": org,
        "compound": compound,
        "page": page,
        "can_edit": can_edit,
        "can_view_duty": access.can(user, access.DUTY_VIEW, org),
        "forms": editor.forms(done) if editor else None,
        "notice": done.notice if done else "",
        "failed": done if done and not done.notice else None,
        "today": timezone.localdate(),
        "self_url": request.get_full_path(),
        "list_url": reverse("orgs:list", args=[compound.code]) if compound else "",
        "children": [(child, _organisation_url(child, compound)) for child in page.children],
        "parent_url": _organisation_url(org.parent, compound) if org.parent_id else "",
    }
    return _render(request, "orgs/organisation_detail.html", context, partial)


# ---------------------------------------------------------------------------------------------
# orgs:chart


@login_required
def org_chart(request: HttpRequest, code: str) -> HttpResponse:
    user = request.user
    compound = _compound_or_404(user, access.ORGS_VIEW, code)
    whole_community = request.GET.get("scope") == "community"
    if whole_community:
        organisations = selectors.community_organisations(user, compound.community)
    else:
        organisations = selectors.organisations_serving(user, compound)
    chart = selectors.org_chart(organisations)
    context = {
        "compound": compound,
        "chart": chart,
        "whole_community": whole_community,
        "echarts_data": chart.echarts_data(),
    }
    return render(request, "orgs/org_chart.html", context)


# ---------------------------------------------------------------------------------------------
# orgs:duty


def _week_start(value: str, today: date) -> date:
    try:
        day = date.fromisoformat(value) if value else today
    except ValueError:
        day = today
    return day - timedelta(days=day.weekday())


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@login_required
def duty_roster(request: HttpRequest, code: str) -> HttpResponse:
    user = request.user
    compound = _compound_or_404(user, access.DUTY_VIEW, code)
    can_edit = access.scope_for(user, access.DUTY_EDIT).covers_compound(compound.id)
    now = timezone.now()
    today = timezone.localdate()
    week_start = _week_start(request.GET.get("week", ""), today)

    people = selectors.person_candidates(user, community_id=compound.community_id, compound_id=None)
    organisations = access.visible(
        user,
        access.DUTY_EDIT,
        Organisation.objects.active().filter(selectors.serving_compound_q(compound)),
    )
    editable_shifts = access.visible(
        user,
        access.DUTY_EDIT,
        DutyShift.objects.filter(
            selectors.serving_compound_q(compound, "organisation__"), ends_at__gt=now
        ).select_related("organisation", "person"),
    )

    def add_form(data=None, query: str = "") -> DutyShiftAddForm:
        matching = selectors.person_candidates(
            user, community_id=compound.community_id, compound_id=None, query=query
        )
        options = list(matching[:PERSON_OPTIONS])
        selected = (data or {}).get("person")
        if selected and selected.isdigit() and all(str(p.pk) != selected for p in options):
            options += list(people.filter(pk=int(selected)))
        return DutyShiftAddForm(
            data, organisations=organisations, people=people, person_options=options
        )

    if request.htmx and can_edit and "picker" in request.GET:
        form = add_form(query=request.GET.get("duty_q", ""))
        return render(
            request,
            "orgs/_person_field.html",
            {"field": form["person"], "picker": "duty"},
        )

    form = None
    notice = ""
    remove_error = ""
    if request.method == "POST":
        if not can_edit:
            raise Http404
        action = request.POST.get("action", "")
        if action == "shift_add":
            form = add_form(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    shift = services.duty_shift_add(
                        actor=user,
                        organisation=data["organisation"],
                        person=data["person"],
                        starts_at=data["starts_at"],
                        ends_at=data["ends_at"],
                        phone=data["phone"],
                        note=data["note"],
                    )
                except ValidationError as exc:
                    form.apply_service_errors(exc)
                else:
                    form = None
                    notice = _("%(name)s is on the roster from %(start)s.") % {
                        "name": shift.person.name,
                        "start": timezone.localtime(shift.starts_at).strftime("%Y-%m-%d %H:%M"),
                    }
        elif action == "shift_remove":
            remove = DutyShiftRemoveForm(request.POST, shifts=editable_shifts)
            if remove.is_valid():
                shift = remove.cleaned_data["shift"]
                try:
                    services.duty_shift_remove(actor=user, shift=shift)
                except ValidationError as exc:
                    remove_error = " ".join(exc.messages)
                else:
                    notice = _("The shift of %(name)s was taken off the roster.") % {
                        "name": shift.person.name
                    }
            else:
                remove_error = _("That shift cannot be removed: it has ended or is gone.")
        else:
            return HttpResponseBadRequest(_("Unknown action."))
        if notice and not request.htmx:
            messages.success(request, notice)
            return redirect(request.get_full_path() + "#roster")
    if can_edit and form is None:
        form = add_form(query=request.GET.get("duty_q", ""))

    def visible(shifts):
        return access.visible(user, access.DUTY_VIEW, shifts)

    on_duty = list(visible(selectors.on_duty_now(compound=compound, at=now)))
    day_start = _local_midnight(today)
    upcoming = list(
        visible(selectors.shifts_between(compound, day_start, day_start + timedelta(days=14)))[:100]
    )
    week_end = _local_midnight(week_start + timedelta(days=7))
    week_shifts = list(
        visible(selectors.shifts_between(compound, _local_midnight(week_start), week_end))
    )
    days, rows = selectors.week_table(week_shifts, week_start)
    context = {
        "compound": compound,
        "can_edit": can_edit,
        "form": form,
        "notice": notice,
        "remove_error": remove_error,
        "now": now,
        "today": today,
        "on_duty": on_duty,
        "upcoming": upcoming,
        "days": days,
        "rows": rows,
        "week_start": week_start,
        "previous_week": week_start - timedelta(days=7),
        "next_week": week_start + timedelta(days=7),
        "this_week": _week_start("", today),
    }
    partial = "roster" if request.method == "POST" else ("week" if "week" in request.GET else None)
    return _render(request, "orgs/duty_roster.html", context, partial)
