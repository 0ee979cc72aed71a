"""One demo login per role, all with the password `mulin-demo`."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password

from mulin.core.models import Role, RoleGrant, ScopeKind, User

from . import cangji, jinxiu
from .builder import Built

PASSWORD = "mulin-demo"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    compound: str  # the compound's code; empty for the platform admin
    scope: str  # "platform", "subdistrict", "community", "compound" or "org:<key in Built.orgs>"
    person: str = ""  # key in Built.people: the login's own registry record
    label: str = ""  # display name for logins without a registry record


J, C = jinxiu.CODE, cangji.CODE
LOGINS = [
    DemoLogin("admin", Role.PLATFORM_ADMIN, "", "platform", label="系统管理员"),
    DemoLogin(
        "jinshan-subdistrict", Role.SUBDISTRICT_STAFF, J, "subdistrict", label="金山街道干部"
    ),
    DemoLogin("jinshan-community", Role.COMMUNITY_STAFF, J, "community", label="金山社区工作者"),
    DemoLogin("jinxiu-party", Role.PARTY_SECRETARY, J, "org:branch", "secretary"),
    DemoLogin("jinxiu-owners", Role.COMMITTEE_MEMBER, J, "org:owners_committee", "director"),
    DemoLogin("jinxiu-property", Role.PROPERTY_MANAGER, J, "org:property", "manager"),
    DemoLogin("jinxiu-handler", Role.PROPERTY_STAFF, J, "org:property", "handler"),
    DemoLogin("jinxiu-volunteer", Role.VOLUNTEER, J, "org:volunteers", "volunteer"),
    DemoLogin("jinxiu-partner", Role.PARTNER_CONTACT, J, "org:bank", "partner"),
    DemoLogin("jinxiu-resident", Role.RESIDENT, J, "compound", "resident"),
    DemoLogin("hushu-subdistrict", Role.SUBDISTRICT_STAFF, C, "subdistrict", label="湖墅街道干部"),
    DemoLogin("cangji-community", Role.COMMUNITY_STAFF, C, "community", label="仓基新村社区工作者"),
    DemoLogin("cangji-party", Role.PARTY_SECRETARY, C, "org:party_committee", "party_secretary"),
    DemoLogin("cangji-branch8", Role.PARTY_SECRETARY, C, "org:branch8", "branch8_secretary"),
    DemoLogin("cangji-household", Role.COMMITTEE_MEMBER, C, "org:household", "household"),
    DemoLogin("cangji-property", Role.PROPERTY_MANAGER, C, "org:property", "manager"),
    DemoLogin("cangji-handler", Role.PROPERTY_STAFF, C, "org:property", "handler"),
    DemoLogin("cangji-volunteer", Role.VOLUNTEER, C, "org:volunteers", "volunteer"),
    DemoLogin("cangji-partner", Role.PARTNER_CONTACT, C, "org:housing_station", "partner"),
    DemoLogin("cangji-resident", Role.RESIDENT, C, "compound", "resident"),
]


def _grant_scope(login: DemoLogin, built: Built) -> dict:
    if login.scope == "subdistrict":
        return {"scope": ScopeKind.SUBDISTRICT, "subdistrict": built.community.subdistrict}
    if login.scope == "community":
        return {"scope": ScopeKind.COMMUNITY, "community": built.community}
    if login.scope == "compound":
        return {"scope": ScopeKind.COMPOUND, "compound": built.compound}
    key = login.scope.removeprefix("org:")
    return {"scope": ScopeKind.ORGANISATION, "organisation": built.orgs[key]}


def ensure_admin(password_hash: str) -> None:
    """The platform admin, unless an `admin` account exists already (never overwritten)."""
    if User.objects.filter(username="admin").exists():
        return
    admin = User.objects.create(
        username="admin",
        first_name="系统管理员",
        password=password_hash,
        is_superuser=True,
        is_staff=True,
    )
    RoleGrant.objects.create(user=admin, role=Role.PLATFORM_ADMIN, scope=ScopeKind.PLATFORM)


def create_logins(built: Built, password_hash: str) -> None:
    """The compound's logins: staff with a grant on their scope, residents linked to their
    registry record (log in with the phone on it)."""
    for login in LOGINS:
        if (
            login.compound != built.compound.code
            or User.objects.filter(username=login.username).exists()
        ):
            continue
        person = built.people.get(login.person) if login.person else None
        user = User.objects.create(
            username=login.username,
            first_name=person.name if person else login.label,
            phone=(person.phone or None) if person else None,
            person=person,
            password=password_hash,
        )
        RoleGrant.objects.create(user=user, role=login.role, **_grant_scope(login, built))


def password_hash() -> str:
    # Hashed once for all demo accounts: Argon2 is deliberately slow.
    return make_password(PASSWORD)


def login_table() -> list[tuple[str, str, str, str]]:
    """(username, role, compound, phone) for every demo login that exists."""
    users = {u.username: u for u in User.objects.filter(username__in=[x.username for x in LOGINS])}
    names = {J: "锦绣金山小区", C: "仓基新村"}
    rows = []
    for login in LOGINS:
        user = users.get(login.username)
        if user is None:
            continue
        rows.append(
            (
                login.username,
                str(Role(login.role).label),
                names.get(login.compound, "—"),
                user.phone or "",
            )
        )
    return rows
