from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DecisionsConfig(AppConfig):
    name = "mulin.decisions"
    verbose_name = _("Owners' decisions")
