"""`mulin demo [--reset]`: load the two reference compounds and print the demo logins."""

import time

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from mulin.demo.load import load_demo
from mulin.demo.logins import PASSWORD, login_table


class Command(BaseCommand):
    help = "Load the demo compounds 锦绣金山小区 and 仓基新村 with one login per role."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete both demo compounds and their data, then build them again.",
        )

    def handle(self, *args, reset: bool = False, **options):
        started = time.monotonic()
        result = load_demo(reset=reset)
        elapsed = time.monotonic() - started
        for code in result.built:
            self.stdout.write(_("Built the demo compound %(code)s.") % {"code": code})
        for code in result.skipped:
            self.stdout.write(
                _("The demo compound %(code)s exists already; left as it is.") % {"code": code}
            )
        for code in result.roster_refreshed:
            self.stdout.write(
                _("Added duty shifts around now to the roster of %(code)s.") % {"code": code}
            )
        self.stdout.write(_("Done in %(seconds).1f s.") % {"seconds": elapsed})
        rows = login_table()
        headers = (_("Username"), _("Role"), _("Compound"), _("Phone"))
        widths = [max(_width(str(r[i])) for r in [headers, *rows]) for i in range(4)]
        self.stdout.write("")
        self.stdout.write(
            _("Demo logins (password for all: %(password)s):") % {"password": PASSWORD}
        )
        for row in [headers, *rows]:
            self.stdout.write("  ".join(_pad(str(v), w) for v, w in zip(row, widths, strict=True)))


def _width(text: str) -> int:
    # CJK characters take two columns in a terminal.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
