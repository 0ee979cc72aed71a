"""`mulin token create USERNAME [--name NAME]`, `mulin token list [USERNAME]`, `mulin token revoke ID`.

The raw token is printed once, at creation; only its SHA-256 is stored.
"""

from django.core.management.base import BaseCommand, CommandError

from mulin.core import services
from mulin.core.models import ApiToken, User


class Command(BaseCommand):
    help = "Create, list and revoke API tokens (sent as `Authorization: Bearer …`)."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Create a token and print it once.")
        create.add_argument("username")
        create.add_argument("--name", default="", help="What the token is for.")
        listing = actions.add_parser("list", help="List tokens (never their values).")
        listing.add_argument("username", nargs="?")
        revoke = actions.add_parser("revoke", help="Revoke a token by its id.")
        revoke.add_argument("token_id", type=int)

    def handle(self, *args, **options):
        getattr(self, f"_{options['action']}")(options)

    def _user(self, username: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        return user

    def _create(self, options) -> None:
        user = self._user(options["username"])
        try:
            token, raw = services.api_token_create(actor=None, user=user, name=options["name"])
        except Exception as exc:  # ValidationError for a disabled account
            raise CommandError(" ".join(getattr(exc, "messages", [str(exc)]))) from exc
        self.stdout.write(raw)
        self.stderr.write(f"Token {token.pk} for {user.username}: shown only now; store it safely.")

    def _list(self, options) -> None:
        rows = ApiToken.objects.select_related("user").order_by("id")
        if options.get("username"):
            rows = rows.filter(user=self._user(options["username"]))
        for t in rows:
            state = f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else "active"
            used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never"
            self.stdout.write(
                f"{t.pk}\t{t.user.username}\t…{t.hint}\t{t.name or '-'}\t{state}\tlast used {used}"
            )

    def _revoke(self, options) -> None:
        token = ApiToken.objects.filter(pk=options["token_id"]).first()
        if token is None:
            raise CommandError(f"No token with id {options['token_id']}.")
        services.api_token_revoke(actor=None, token=token)
        self.stdout.write(f"Token {token.pk} revoked.")
