"""Request pages: a compound's request categories, deadlines and routing rules."""

from __future__ import annotations

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mulin.core import access
from mulin.places.forms import apply_errors
from mulin.places.models import Compound

from .. import config, deadlines, queues, services
from ..forms_workbench import (
    CategoryForm,
    NewCategoryForm,
    RouteForm,
)
from ..models import Category, RoutingRule
from .workbench import _compound, _registry_link

# ---------------------------------------------------------------- category settings


def _settings_compound(request: HttpRequest, code: str, perm: str) -> Compound:
    """Settings belong to the whole compound: `perm` must cover all of it."""
    compound = _compound(request, code, perm)
    if not access.scope_for(request.user, perm).covers_compound(compound.id):
        raise Http404
    return compound


def _categories_context(
    request: HttpRequest,
    compound: Compound,
    *,
    editing: int | None = None,
    edit_form: CategoryForm | None = None,
    add_form: NewCategoryForm | None = None,
    route_form: RouteForm | None = None,
    saved: str = "",
) -> dict:
    rows = queues.category_rows(compound)
    organisations = list(queues.serving_organisations(compound))
    if editing is not None and edit_form is None:
        row = next((r for r in rows if r.category.pk == editing), None)
        editing = row.category.pk if row else None
        if row is not None:
            edit_form = CategoryForm(
                prefix="edit",
                organisations=organisations,
                initial=CategoryForm.initial_for(row),
            )
    if add_form is None:
        defaults = {}
        for priority in queues.PRIORITIES:
            respond, resolve = deadlines.DEFAULT_MINUTES[priority]
            defaults.update(
                {
                    f"{priority}_respond_h": respond // 60,
                    f"{priority}_respond_m": respond % 60,
                    f"{priority}_resolve_h": resolve // 60,
                    f"{priority}_resolve_m": resolve % 60,
                }
            )
        add_form = NewCategoryForm(
            prefix="add",
            organisations=organisations,
            initial={"dispatch_mode": "manual", **defaults},
        )
    categories = [r.category for r in rows]
    return {
        "compound": compound,
        "registry_link": _registry_link(request, compound),
        "rows": rows,
        "routes": [r.route for r in rows if r.route is not None],
        "editing": editing,
        "edit_form": edit_form,
        "add_form": add_form,
        "route_form": route_form
        or RouteForm(prefix="route", categories=categories, organisations=organisations),
        "saved": saved,
    }


def _editing(request: HttpRequest) -> int | None:
    value = request.GET.get("edit", "")
    return int(value) if value.isdigit() and len(value) < 12 else None


@login_required
def category_list(request: HttpRequest, code: str) -> HttpResponse:
    """A compound's request categories: handling organisation, dispatch, charging, deadlines per
    priority, editing in place (`?edit=<id>`), adding, routing rules and the defaults."""
    compound = _settings_compound(request, code, access.TICKETS_MANAGE)
    context = _categories_context(request, compound, editing=_editing(request))
    if request.htmx and request.htmx.target == "category-list":
        return render(request, "tickets/workbench/categories.html#list", context)
    return render(request, "tickets/workbench/categories.html", context)


def _categories_answer(
    request: HttpRequest, compound: Compound, *, saved: str = "", **forms
) -> HttpResponse:
    failed = any(isinstance(form, django_forms.Form) and form.errors for form in forms.values())
    if not request.htmx and not failed:
        messages.success(request, saved)
        return redirect("tickets:categories", code=compound.code)
    context = _categories_context(request, compound, saved="" if failed else saved, **forms)
    if request.htmx:
        return render(request, "tickets/workbench/categories.html#body", context)
    return render(request, "tickets/workbench/categories.html", context, status=400)


def _organisation(form, organisations_qs):
    pk = form.cleaned_data.get("organisation")
    return organisations_qs.filter(pk=pk).first() if pk else None


@require_POST
@login_required
def category_add(request: HttpRequest, code: str) -> HttpResponse:
    compound = _settings_compound(request, code, access.TICKETS_MANAGE)
    organisations = queues.serving_organisations(compound)
    form = NewCategoryForm(request.POST, prefix="add", organisations=organisations)
    category = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            category = config.category_create(
                actor=request.user,
                compound=compound,
                code=data["code"],
                name=data["name"],
                organisation=_organisation(form, organisations),
                dispatch_mode=data["dispatch_mode"],
                chargeable=data["chargeable"],
                deadlines=form.deadlines(),
            )
        except ValidationError as exc:
            apply_errors(form, exc, form.error_aliases())
    if form.errors:
        return _categories_answer(request, compound, add_form=form)
    return _categories_answer(
        request,
        compound,
        saved=_("The category “%(name)s” was added.") % {"name": category.name},
    )


@require_POST
@login_required
def category_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    compound = _settings_compound(request, code, access.TICKETS_MANAGE)
    category = get_object_or_404(Category, pk=pk, compound=compound)
    organisations = queues.serving_organisations(compound)
    form = CategoryForm(request.POST, prefix="edit", organisations=organisations)
    if form.is_valid():
        data = form.cleaned_data
        try:
            category = config.category_update(
                actor=request.user,
                category=category,
                name=data["name"],
                organisation=_organisation(form, organisations),
                dispatch_mode=data["dispatch_mode"],
                chargeable=data["chargeable"],
                active=data["active"],
                deadlines=form.deadlines(),
            )
        except ValidationError as exc:
            apply_errors(form, exc, form.error_aliases())
    if form.errors:
        return _categories_answer(request, compound, editing=category.pk, edit_form=form)
    return _categories_answer(
        request,
        compound,
        saved=_("The category “%(name)s” was saved.") % {"name": category.name},
    )


@require_POST
@login_required
def route_set(request: HttpRequest, code: str) -> HttpResponse:
    compound = _settings_compound(request, code, access.TICKETS_MANAGE)
    organisations = queues.serving_organisations(compound)
    categories = Category.objects.filter(compound=compound).order_by("position", "code")
    form = RouteForm(
        request.POST, prefix="route", categories=categories, organisations=organisations
    )
    rule = None
    if form.is_valid():
        try:
            rule = config.routing_rule_set(
                actor=request.user,
                compound=compound,
                category=categories.filter(pk=form.cleaned_data["category"]).first(),
                organisation=_organisation(form, organisations),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
    if form.errors:
        return _categories_answer(request, compound, route_form=form)
    return _categories_answer(
        request,
        compound,
        saved=_("New %(category)s requests now go to %(organisation)s.")
        % {"category": rule.category.name, "organisation": rule.organisation.name},
    )


@require_POST
@login_required
def route_delete(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    compound = _settings_compound(request, code, access.TICKETS_MANAGE)
    rule = get_object_or_404(
        RoutingRule.objects.select_related("category", "compound"), pk=pk, compound=compound
    )
    name = rule.category.name
    config.routing_rule_delete(actor=request.user, rule=rule)
    return _categories_answer(
        request,
        compound,
        saved=_(
            "The routing rule for %(category)s was removed; the category's own organisation handles new requests."
        )
        % {"category": name},
    )


@require_POST
@login_required
def categories_defaults(request: HttpRequest, code: str) -> HttpResponse:
    compound = _settings_compound(request, code, access.TICKETS_MANAGE)
    created = services.categories_ensure_defaults(actor=request.user, compound=compound)
    if created:
        saved = ", ".join(c.name for c in created)
        saved = _("Default categories added: %(names)s.") % {"names": saved}
    else:
        saved = _("All the default categories are already here; nothing was changed.")
    return _categories_answer(request, compound, saved=saved)


urlpatterns: list = [
    path("compounds/<slug:code>/requests/categories/", category_list, name="categories"),
    path("compounds/<slug:code>/requests/categories/add/", category_add, name="category_add"),
    path(
        "compounds/<slug:code>/requests/categories/<int:pk>/", category_edit, name="category_edit"
    ),
    path("compounds/<slug:code>/requests/categories/routes/", route_set, name="route_set"),
    path(
        "compounds/<slug:code>/requests/categories/routes/<int:pk>/delete/",
        route_delete,
        name="route_delete",
    ),
    path(
        "compounds/<slug:code>/requests/categories/defaults/",
        categories_defaults,
        name="categories_defaults",
    ),
]
