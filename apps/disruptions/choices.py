from django.db import models


class AlertKind(models.TextChoices):
    """What an alert is about: the corridor watch's findings, trust changes, AEO and MRA dates."""

    OVERDUE = "overdue", "Overdue"
    DWELL = "dwell", "Long dwell"
    CONGESTION = "congestion", "Congestion"
    SILENCE = "silence", "No news"
    INCONSISTENT = "inconsistent", "Inconsistent events"
    NOTICE = "notice", "External notice"
    TRUST_CHANGE = "trust_change", "Trust verdict changed"
    AEO_EXPIRING = "aeo_expiring", "AEO certificate expiring"
    AEO_EXPIRED = "aeo_expired", "AEO certificate expired"
    MRA_STARTED = "mra_started", "MRA came into force"
    MRA_ENDED = "mra_ended", "MRA ended"


class AlertSubject(models.TextChoices):
    """What an alert is about, by kind of thing; ``Alert.subject_id`` names the one thing."""

    CONSIGNMENT = "consignment", "Consignment"
    NODE = "node", "Node (UN/LOCODE)"
    CORRIDOR = "corridor", "Corridor"
    VOYAGE = "voyage", "Voyage"
    CERTIFICATE = "certificate", "AEO certificate"
    MRA = "mra", "MRA"


class AlertSeverity(models.TextChoices):
    INFO = "info", "Info"
    WARNING = "warning", "Warning"
    CRITICAL = "critical", "Critical"


class AlertState(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"


class WebhookMessageType(models.TextChoices):
    """What a webhook delivery announces (the ``type`` of its Standard Webhooks payload)."""

    ALERT_RAISED = "alert.raised", "Alert raised"
    ALERT_RESOLVED = "alert.resolved", "Alert resolved"
    CONSIGNMENT_EVENTS = "consignment.events", "New events of a consignment"


class DeliveryState(models.TextChoices):
    """Where a webhook delivery stands: waiting, retrying after a failure, done, or given up on."""

    PENDING = "pending", "Pending"
    FAILED = "failed", "Failed, will retry"
    SUCCEEDED = "succeeded", "Succeeded"
    DEAD = "dead", "Dead (gave up)"
