"""Account pages: sign in and out, register, bind a home, the binding queue, password resets,
preferences, the resident home and the audit history."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from mulin.people.models import Person
from mulin.places.models import Compound

from . import access, selectors, services
from .forms import (
    BindForm,
    BindingDecisionForm,
    CompoundSearchForm,
    LoginForm,
    PasswordChangeForm,
    PreferencesForm,
    RegisterForm,
)
from .models import BindingRequest, BindingStatus, User

PAGE_SIZE = 50


def _safe_next(request: HttpRequest, default: str = "/") -> str:
    for candidate in (
        request.POST.get("next"),
        request.GET.get("next"),
        request.headers.get("referer"),
    ):
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return candidate
    return default


def _set_language_cookie(response: HttpResponse, language: str) -> None:
    """The same cookie Django's `set_language` view sets."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


def _adopt_session_preferences(request: HttpRequest, user: User) -> None:
    """Keep the large-text mode and language someone chose before signing in."""
    elder = bool(request.session.get("elder_mode")) and not user.elder_mode
    language = None
    if not user.language:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen in dict(settings.LANGUAGES):
            language = chosen
    if elder or language:
        services.user_preferences_update(
            actor=user, language=language, elder_mode=True if elder else None
        )


# --- Sign in and out ------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        _adopt_session_preferences(self.request, user)
        response = super().form_valid(form)
        if user.must_change_password:
            messages.warning(
                self.request,
                _("Your password was reset by the community office. Please choose a new one now."),
            )
            return redirect("core:password_change")
        return response


class LogoutView(auth_views.LogoutView):
    """Sign out (POST only); large-text mode stays on for the sign-in page that follows."""

    def post(self, request, *args, **kwargs):
        elder = bool(getattr(request, "elder_mode", False))
        response = super().post(request, *args, **kwargs)
        if elder:
            request.session["elder_mode"] = True
        return response


login_view = LoginView.as_view()
logout_view = LogoutView.as_view()


def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("core:home")
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_register(
                phone=form.cleaned_data["phone"],
                name=form.cleaned_data["name"],
                password=form.cleaned_data["password"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            _adopt_session_preferences(request, user)
            auth_login(request, user, backend="mulin.core.auth.PhoneOrUsernameBackend")
            messages.success(request, _("Your account is ready. Now tell us which home is yours."))
            return redirect("core:bind")
    return render(request, "core/register.html", {"form": form})


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_change_password(
                actor=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("Your new password is saved."))
            return redirect("core:home")
    return render(request, "core/password_change.html", {"form": form})


# --- Preferences ----------------------------------------------------------------------------


@require_POST
def preferences(request: HttpRequest) -> HttpResponse:
    """Language and/or large-text mode: saved on the account, or in the session and the
    language cookie for visitors who are not signed in."""
    form = PreferencesForm(request.POST)
    response = redirect(_safe_next(request))
    if not form.is_valid():
        messages.error(request, _("That setting is not available."))
        return response
    language = form.cleaned_data["language"]
    elder_mode = form.cleaned_data["elder_mode"]
    if request.user.is_authenticated:
        services.user_preferences_update(
            actor=request.user, language=language, elder_mode=elder_mode
        )
    if elder_mode is not None:
        request.session["elder_mode"] = elder_mode
    if language:
        translation.activate(language)
        _set_language_cookie(response, language)
    return response


# --- Home -----------------------------------------------------------------------------------


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if access.is_staff_user(request.user):
        return _staff_home(request)
    return _resident_home(request)


def _staff_home(request: HttpRequest) -> HttpResponse:
    compounds = selectors.switcher_compounds(request.user)
    try:
        if len(compounds) == 1:
            return redirect(reverse("places:compound", kwargs={"code": compounds[0].code}))
        return redirect(reverse("places:compound_list"))
    except NoReverseMatch:
        pass
    rows = (
        access.compounds(request.user, access.REGISTRY_VIEW)
        .select_related("community")
        .order_by("name", "id")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "core/staff_home.html", {"page": page})


def _resident_home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "core/resident_home.html",
        {
            "households": selectors.households(request.user),
            "bindings": selectors.user_bindings(request.user),
        },
    )


@login_required
def me(request: HttpRequest) -> HttpResponse:
    """The resident home for any signed-in user, staff who live in a compound included."""
    return _resident_home(request)


@login_required
def household(request: HttpRequest) -> HttpResponse:
    return render(
        request, "core/household.html", {"households": selectors.households(request.user)}
    )


# --- Binding a home -------------------------------------------------------------------------


@login_required
def bind(request: HttpRequest) -> HttpResponse:
    code = request.POST.get("compound") or request.GET.get("compound")
    chosen = None
    if code:
        chosen = Compound.objects.filter(code=code).select_related("community").first()
        if chosen is None:
            raise Http404
    search = CompoundSearchForm(request.GET or None)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    results = selectors.public_compounds(query) if chosen is None else []
    if request.htmx and chosen is None:
        return render(
            request,
            "core/bind.html#compound_results",
            {"results": results, "query": query},
        )
    form = BindForm(request.POST or None, initial={"name": request.user.first_name})
    if request.method == "POST" and chosen is not None and form.is_valid():
        try:
            services.binding_request_create(
                actor=request.user,
                compound=chosen,
                unit_code=form.cleaned_data["unit_code"],
                relation=form.cleaned_data["relation"],
                name=form.cleaned_data["name"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _(
                    "Your request was sent to the community office. You will see their answer "
                    "on this page."
                ),
            )
            return redirect("core:bind")
    return render(
        request,
        "core/bind.html",
        {
            "chosen": chosen,
            "search": search,
            "query": query,
            "results": results,
            "form": form,
            "bindings": selectors.user_bindings(request.user),
        },
    )


@login_required
def bindings(request: HttpRequest) -> HttpResponse:
    """Staff queue of requests to bind a home, in the compounds where they decide them."""
    if access.scope_for(request.user, access.BINDING_DECIDE).empty:
        raise Http404
    status = "decided" if request.GET.get("status") == "decided" else BindingStatus.PENDING
    rows = selectors.binding_queue(request.user, status=status)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "core/bindings.html",
        {"page": page, "rows": selectors.with_matches(page.object_list), "status": status},
    )


@login_required
@require_POST
def binding_decide(request: HttpRequest, pk: int) -> HttpResponse:
    binding = access.get_or_404(
        request.user, access.BINDING_DECIDE, BindingRequest.objects.all(), pk=pk
    )
    form = BindingDecisionForm(request.POST)
    error = ""
    if not form.is_valid():
        error = _("Choose whether to approve or reject the request.")
    else:
        approve = form.cleaned_data["decision"] == "approve"
        try:
            binding = services.binding_decide(
                actor=request.user,
                binding=binding,
                approve=approve,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
    if request.htmx:
        row = selectors.with_matches(
            selectors.binding_queue(request.user, status=None).filter(pk=pk)
        )[0]
        return render(
            request,
            "core/bindings.html#binding_row",
            {"row": row, "error": error, "status": row.status, "just_decided": not error},
        )
    if error:
        messages.error(request, error)
    elif binding.status == BindingStatus.APPROVED:
        messages.success(
            request,
            _("Approved: %(name)s is now linked to home %(unit)s.")
            % {"name": binding.name, "unit": binding.unit.code},
        )
    else:
        messages.success(
            request,
            _("Rejected the request of %(name)s for home %(unit)s.")
            % {"name": binding.name, "unit": binding.unit.code},
        )
    return redirect("core:bindings")


# --- Password reset by staff ----------------------------------------------------------------


@login_required
@never_cache
def user_reset_password(request: HttpRequest, pk: int) -> HttpResponse:
    target = access.get_or_404(
        request.user,
        access.ACCOUNT_RESET,
        User.objects.select_related("person", "person__compound"),
        pk=pk,
    )
    if not services.may_reset_password(actor=request.user, user=target):
        raise Http404
    temporary = None
    if request.method == "POST":
        try:
            temporary = services.user_reset_password(actor=request.user, user=target)
        except PermissionDenied as exc:
            raise Http404 from exc
    return render(
        request,
        "core/reset_password.html",
        {
            "target": target,
            "temporary": temporary,
            "compound": target.person.compound if target.person_id else None,
        },
    )


# --- Audit history --------------------------------------------------------------------------


@login_required
def audit_object(request: HttpRequest, target_type: str, target_id: str) -> HttpResponse:
    events = selectors.audit_events(request.user, target_type=target_type, target_id=target_id)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    if page.paginator.count == 0:
        raise Http404
    events = selectors.with_changes(page.object_list)
    first = events[0]
    return render(
        request,
        "core/audit.html",
        {
            "page": page,
            "events": events,
            "heading": first.target_label,
            "compound": first.compound,
            "show_target": False,
        },
    )


@login_required
def audit_person(request: HttpRequest, pk: int) -> HttpResponse:
    person = access.get_or_404(
        request.user, access.AUDIT_VIEW, Person.objects.select_related("compound"), pk=pk
    )
    events = selectors.audit_events(request.user, person=person)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "core/audit.html",
        {
            "page": page,
            "events": selectors.with_changes(page.object_list),
            "heading": person.name,
            "person": person,
            "compound": person.compound,
            "show_target": True,
        },
    )
