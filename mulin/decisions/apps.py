from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DecisionsConfig(AppConfig):
    name = "mulin.decisions"
    label = "decisions"
    verbose_name = _("Owners' decisions")

    def ready(self):
        # Registers the seal checks `mulin audit verify` runs over ballots and frozen tallies.
        from . import ballots, results  # noqa: F401
