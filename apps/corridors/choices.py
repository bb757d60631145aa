from django.db import models
from django.utils.translation import gettext_lazy as _


class BaselineKind(models.TextChoices):
    """What a baseline measures: the time on a leg between two nodes, or the time spent at one node."""

    TRANSIT = "transit", _("Transit (departure to arrival on a leg)")
    DWELL = "dwell", _("Dwell (arrival to departure at a node)")


class BaselineSource(models.TextChoices):
    """Where a baseline's figures came from, best first: observed history, then the schedule, then distance."""

    HISTORY = "history", _("Completed consignments in the trailing window")
    SCHEDULE = "schedule", _("Planned times (DCSA PLN transport events, legs' planned times)")
    DISTANCE = "distance", _("Sea distance at a service speed")
