from django.db import models


class BaselineKind(models.TextChoices):
    """What a baseline measures: the time on a leg between two nodes, or the time spent at one node."""

    TRANSIT = "transit", "Transit (departure to arrival on a leg)"
    DWELL = "dwell", "Dwell (arrival to departure at a node)"


class BaselineSource(models.TextChoices):
    """Where a baseline's figures came from, best first: observed history, then the schedule, then distance."""

    HISTORY = "history", "Completed consignments in the trailing window"
    SCHEDULE = "schedule", "Planned times (DCSA PLN transport events, legs' planned times)"
    DISTANCE = "distance", "Sea distance at a service speed"
