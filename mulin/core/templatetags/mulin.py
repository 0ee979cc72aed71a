"""Template helpers shared by every page: form controls, messages, audit rows, page titles."""

from django import template
from django.conf import settings
from django.contrib.messages import constants
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from mulin.core import selectors
from mulin.core.privacy import mask_phone

register = template.Library()

_CONTROL_CLASS = {
    "select": "form-select",
    "selectmultiple": "form-select",
    "checkbox": "form-check-input",
    "radioselect": "form-check-input",
    "checkboxselectmultiple": "form-check-input",
}


@register.simple_tag
def control(field, **attrs):
    """Render a bound field's widget with Bootstrap's class and the invalid state.

    Django adds `aria-invalid` and `aria-describedby` (`<id>_helptext`, `<id>_error`);
    `includes/field.html` prints elements with those ids.
    """
    css = _CONTROL_CLASS.get(field.widget_type, "form-control")
    classes = [css, field.field.widget.attrs.get("class", ""), attrs.pop("css", "")]
    if field.errors:
        classes.append("is-invalid")
    attrs["class"] = " ".join(c for c in classes if c)
    return field.as_widget(attrs=attrs)


@register.filter
def masked_phone(value: str) -> str:
    """`13812345678` → `138****5678`, for lists and headings (PIPL: never the full number)."""
    return mask_phone(value or "")


@register.filter
def page_title(value: str) -> str:
    """`Sign in` → `Sign in · Mulin`; an empty title is just the site name."""
    value = (value or "").strip()
    site = str(settings.MULIN_SITE_NAME)
    return f"{value} · {site}" if value and value != site else site


_MESSAGE_STYLE = {
    constants.DEBUG: ("secondary", "info-circle"),
    constants.INFO: ("info", "info-circle-fill"),
    constants.SUCCESS: ("success", "check-circle-fill"),
    constants.WARNING: ("warning", "exclamation-triangle-fill"),
    constants.ERROR: ("danger", "x-octagon-fill"),
}


@register.filter
def message_style(message) -> str:
    return _MESSAGE_STYLE.get(message.level, ("info", "info-circle"))[0]


@register.filter
def message_icon(message) -> str:
    return _MESSAGE_STYLE.get(message.level, ("info", "info-circle"))[1]


@register.filter
def audit_changes(event) -> list:
    return selectors.audit_changes(event)


# Readable names for the actions core writes; other apps' actions show their code.
AUDIT_ACTIONS = {
    "account.registered": _("Account created"),
    "account.password_reset": _("Password reset by staff"),
    "account.password_changed": _("Password changed"),
    "account.preferences_changed": _("Preferences changed"),
    "account.linked_to_person": _("Account linked to registry record"),
    "binding.requested": _("Asked to bind a home"),
    "binding.approved": _("Binding approved"),
    "binding.rejected": _("Binding rejected"),
    "person.created": _("Person added to the registry"),
    "residency.created": _("Residency added"),
    "role.granted": _("Role granted"),
    "api_token.created": _("API token created"),
    "api_token.revoked": _("API token revoked"),
    "admin.changed": _("Changed in the admin"),
    "admin.created": _("Created in the admin"),
    "admin.deleted": _("Deleted in the admin"),
}


@register.filter
def audit_action(code: str) -> str:
    return str(AUDIT_ACTIONS.get(code, code))


@register.filter
def audit_value(value) -> str:
    """An old or new value as a short string; empty values show as a dash."""
    if value is None or value == "" or value == []:
        return "—"
    if value is True:
        return str(_("yes"))
    if value is False:
        return str(_("no"))
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] in " T":
        moment = parse_datetime(value)
        if moment is not None:
            if timezone.is_aware(moment):
                moment = timezone.localtime(moment)
            return date_format(moment, "Y-m-d H:i")
    return str(value)
