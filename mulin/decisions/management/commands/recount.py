"""`mulin recount FILE --kind ordinary|special|consultation|election [--seats N --alternates M]
[--candidates a,b,c] [--silent-with-majority]`: recompute a result from a ballot file.

FILE is a ballot file (see `mulin.decisions.ballot_file`), or `-` for stdin. The result is one
JSON object on stdout (issue 4, "Tally, publication, recount"). Exit 0 for any valid file, passed
or not; exit 2 for an invalid file, with every problem on stderr naming its line, and nothing on
stdout.
"""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from mulin.decisions import tally
from mulin.decisions.ballot_file import BallotFileError, read_ballot_file

KINDS = (*tally.KINDS, "election")


class Command(BaseCommand):
    help = "Recompute a vote's result from a ballot file (CSV; '-' reads stdin) and print JSON."
    requires_system_checks: list = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("file", help="The ballot file (UTF-8 CSV), or '-' for stdin.")
        parser.add_argument("--kind", required=True, choices=KINDS)
        parser.add_argument("--seats", type=int, help="Seats of an election.")
        parser.add_argument("--alternates", type=int, default=0, help="Alternates (候补).")
        parser.add_argument(
            "--candidates",
            default="",
            help="Comma-separated candidate keys, besides those approved on some ballot.",
        )
        parser.add_argument(
            "--silent-with-majority",
            action="store_true",
            help="Count owners who did not vote with the voters' majority (a local rule).",
        )

    def handle(self, *args, **options):
        kind = options["kind"]
        election = kind == "election"
        seats, alternates = options["seats"], options["alternates"]
        if election:
            if seats is None or seats < 1:
                raise CommandError(_("an election needs --seats of at least 1"), returncode=2)
            if alternates < 0:
                raise CommandError(_("--alternates cannot be negative"), returncode=2)
            if options["silent_with_majority"]:
                raise CommandError(
                    _("--silent-with-majority applies to motions, not elections"), returncode=2
                )
        candidates = [k.strip() for k in options["candidates"].split(",") if k.strip()]
        try:
            if options["file"] == "-":
                electorate = self._read(sys.stdin.buffer, election, seats, candidates)
            else:
                with open(options["file"], "rb") as stream:
                    electorate = self._read(stream, election, seats, candidates)
        except OSError as exc:
            raise CommandError(
                _("cannot read %(file)s: %(error)s")
                % {"file": options["file"], "error": exc.strerror or exc},
                returncode=2,
            ) from exc
        except BallotFileError as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            count = len(exc.problems) + exc.more
            if exc.more:
                self.stderr.write(_("… %(count)d more problems not listed") % {"count": exc.more})
            raise CommandError(
                _("invalid ballot file, problems found: %(count)d") % {"count": count},
                returncode=2,
            ) from exc
        if election:
            result = tally.election_tally(
                electorate.owners,
                candidates=electorate.candidates,
                seats=seats,
                alternates=alternates,
            )
        else:
            result = tally.motion_tally(
                electorate.owners,
                kind=kind,
                silent_with_majority=options["silent_with_majority"],
            )
        self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))

    def _read(self, stream, election, seats, candidates):
        return read_ballot_file(stream, election=election, seats=seats or 0, candidates=candidates)
