from django.db import models


class AlertKind(models.TextChoices):
    """What an alert is about; detectors of corridor disruptions add their own kinds."""

    TRUST_CHANGED = "trust_changed", "Trust verdict changed"
    AEO_EXPIRING = "aeo_expiring", "AEO certificate expiring"
    AEO_EXPIRED = "aeo_expired", "AEO certificate expired"
    MRA_STARTED = "mra_started", "MRA came into force"
    MRA_ENDED = "mra_ended", "MRA ended"


class AlertSeverity(models.TextChoices):
    INFO = "info", "Info"
    WARNING = "warning", "Warning"
    CRITICAL = "critical", "Critical"


class AlertState(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"
