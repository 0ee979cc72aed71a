from functools import cached_property

from django.conf import settings

from . import access, selectors


class StaffNav:
    """What the staff navigation needs, computed only when the layout asks for it.

    The compound list is one query (at most SWITCHER_LIMIT + 1 rows); the module flags come from
    the user's roles, which `is_staff_user` already loaded.
    """

    def __init__(self, user):
        self.user = user

    @cached_property
    def _rows(self) -> list:
        return selectors.switcher_compounds(self.user)

    @property
    def compounds(self) -> list:
        return self._rows[: selectors.SWITCHER_LIMIT]

    @property
    def several(self) -> bool:
        return len(self._rows) > 1

    @property
    def more(self) -> bool:
        return len(self._rows) > selectors.SWITCHER_LIMIT

    @property
    def only(self):
        """The compound of a staff member who works in exactly one (their default context)."""
        return self._rows[0] if len(self._rows) == 1 else None

    @cached_property
    def _perms(self) -> set[str]:
        found: set[str] = set()
        for role in access.roles(self.user):
            found |= access.ROLE_PERMISSIONS.get(role, frozenset())
        return found

    @property
    def registry(self) -> bool:
        return access.REGISTRY_VIEW in self._perms

    @property
    def orgs(self) -> bool:
        return access.ORGS_VIEW in self._perms

    @property
    def duty(self) -> bool:
        return access.DUTY_VIEW in self._perms

    @property
    def imports(self) -> bool:
        return access.REGISTRY_IMPORT in self._perms

    @property
    def tickets(self) -> bool:
        return access.TICKETS_VIEW in self._perms

    @property
    def decisions(self) -> bool:
        return bool({access.DECISIONS_VIEW, access.DECISIONS_RECORD} & self._perms)

    @property
    def deliberation(self) -> bool:
        return access.DELIBERATION_VIEW in self._perms

    @property
    def bindings(self) -> bool:
        return access.BINDING_DECIDE in self._perms


class InboxBadge:
    """The unread count for the top bar: one query, run only when a template reads it."""

    def __init__(self, user):
        self.user = user

    @cached_property
    def count(self) -> int:
        return self.user.notifications.filter(read_at__isnull=True).count()


def mulin(request):
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    staff = signed_in and access.is_staff_user(user)
    return {
        "mulin_site_name": settings.MULIN_SITE_NAME,
        "elder_mode": getattr(request, "elder_mode", False),
        "is_staff_user": staff,
        "staff_nav": StaffNav(user) if staff else None,
        "inbox_badge": InboxBadge(user) if signed_in else None,
    }
