from django.core.management.base import BaseCommand, CommandError

from mulin.core.audit import verify_chains
from mulin.core.models import AuditEvent


class Command(BaseCommand):
    help = "Audit log tools. `mulin audit verify` checks every hash chain for edits and deletions."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args, **options):
        problems = verify_chains()
        chained = AuditEvent.objects.exclude(chain="").count()
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(
                f"{len(problems)} problem(s) found in {chained} chained audit events"
            )
        self.stdout.write(f"OK: {chained} chained audit events verified, no tampering found")
