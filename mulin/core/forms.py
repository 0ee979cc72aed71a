"""Forms for accounts: sign in, register, bind a home, decide a binding, preferences."""

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import selectors, services
from .models import BindingRequest


class LoginForm(AuthenticationForm):
    """Username or phone, and password. A locked account (or an unknown login that has failed
    as often) gets the same "try again in N minutes" message, so nobody learns which exists."""

    username = forms.CharField(
        label=_("Username or phone number"),
        max_length=150,
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "username", "autocapitalize": "none"}
        ),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "The username or phone number and password do not match. Please try again."
        ),
    }

    def clean(self):
        login = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if login and password:
            self._raise_if_locked(login)
            self.user_cache = authenticate(self.request, username=login, password=password)
            if self.user_cache is None:
                if not selectors.login_exists(login):
                    services.login_failure_record_unknown(login=login)
                self._raise_if_locked(login)
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data

    def _raise_if_locked(self, login: str) -> None:
        minutes = selectors.lockout_minutes_left(login)
        if minutes:
            raise ValidationError(
                ngettext(
                    "Too many wrong attempts. Please try again in %(minutes)d minute.",
                    "Too many wrong attempts. Please try again in %(minutes)d minutes.",
                    minutes,
                )
                % {"minutes": minutes},
                code="locked",
            )


class RegisterForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile phone number"),
        max_length=20,
        help_text=_("You will sign in with this number."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    name = forms.CharField(
        label=_("Your name"),
        max_length=50,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        help_text=_("At least 8 characters, not only digits."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"]
        if message := services.registration_phone_error(phone):
            raise ValidationError(message)
        return phone

    def clean(self):
        data = super().clean()
        first, second = data.get("password"), data.get("password_again")
        if first and second and first != second:
            self.add_error(
                "password_again", _("The two passwords are different. Please type them again.")
            )
        return data


class CompoundSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name of your compound"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class BindForm(forms.Form):
    unit_code = forms.CharField(
        label=_("Your home"),
        max_length=60,
        help_text=_("Building, entrance and room, e.g. 63-2-301 or 63幢2单元301."),
    )
    relation = forms.ChoiceField(
        label=_("Your relation to this home"),
        choices=BindingRequest.Relation.choices,
        widget=forms.RadioSelect,
    )
    name = forms.CharField(
        label=_("Your name"),
        max_length=50,
        help_text=_("As the community office knows you, so that staff can find your record."),
    )
    note = forms.CharField(
        label=_("Note for the staff"),
        max_length=200,
        required=False,
    )


class BindingDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("reject", _("Reject"))],
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES, required=False)
    elder_mode = forms.ChoiceField(
        label=_("Large text"),
        choices=[("1", _("On")), ("0", _("Off"))],
        required=False,
    )

    def clean_elder_mode(self) -> bool | None:
        value = self.cleaned_data.get("elder_mode")
        return None if value in (None, "") else value == "1"

    def clean_language(self) -> str | None:
        return self.cleaned_data.get("language") or None


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        help_text=_(
            "If the community office reset your password, type the password they gave you."
        ),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label=_("New password"),
        strip=False,
        help_text=_("At least 8 characters, not only digits."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password_again = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        first, second = data.get("new_password"), data.get("new_password_again")
        if first and second and first != second:
            self.add_error(
                "new_password_again",
                _("The two passwords are different. Please type them again."),
            )
        return data
