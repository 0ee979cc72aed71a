"""`mulin seed --compounds N --units-per-compound M`: a synthetic district for scale tests."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from mulin.demo.seed import seed_district


class Command(BaseCommand):
    help = "Generate a synthetic district of compounds, homes and people with bulk inserts."

    def add_arguments(self, parser):
        parser.add_argument("--compounds", type=int, required=True)
        parser.add_argument("--units-per-compound", type=int, required=True)
        parser.add_argument("--persons-per-unit", type=float, default=2.5)

    def handle(self, *args, compounds: int, units_per_compound: int, persons_per_unit: float, **o):
        if compounds < 1 or units_per_compound < 1:
            raise CommandError(_("Give at least one compound and one unit per compound."))
        if not 1 <= persons_per_unit <= 6:
            raise CommandError(_("Persons per unit must be between 1 and 6."))
        stats = seed_district(
            compounds=compounds,
            units_per_compound=units_per_compound,
            persons_per_unit=persons_per_unit,
            report=self.stdout.write,
        )
        self.stdout.write(
            _(
                "Seeded %(compounds)s compounds, %(units)s units and %(persons)s persons "
                "(%(rows)s rows) in %(seconds).1f s."
            )
            % {
                "compounds": stats.compounds,
                "units": f"{stats.units:,}",
                "persons": f"{stats.persons:,}",
                "rows": f"{stats.rows:,}",
                "seconds": stats.seconds,
            }
        )
        for phase, seconds in sorted(stats.phases.items(), key=lambda p: -p[1]):
            self.stdout.write(f"  {phase:<28} {seconds:8.1f} s")
