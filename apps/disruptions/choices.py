from django.db import models
from django.utils.translation import gettext_lazy as _


class AlertKind(models.TextChoices):
    """What an alert is about: the corridor watch's findings, trust changes, AEO and MRA dates."""

    OVERDUE = "overdue", _("Overdue")
    DWELL = "dwell", _("Long dwell")
    CONGESTION = "congestion", _("Congestion")
    SILENCE = "silence", _("No news")
    INCONSISTENT = "inconsistent", _("Inconsistent events")
    NOTICE = "notice", _("External notice")
    TRUST_CHANGE = "trust_change", _("Trust verdict changed")
    AEO_EXPIRING = "aeo_expiring", _("AEO certificate expiring")
    AEO_EXPIRED = "aeo_expired", _("AEO certificate expired")
    MRA_STARTED = "mra_started", _("MRA came into force")
    MRA_ENDED = "mra_ended", _("MRA ended")


class AlertSubject(models.TextChoices):
    """What an alert is about, by kind of thing; ``Alert.subject_id`` names the one thing."""

    CONSIGNMENT = "consignment", _("Consignment")
    NODE = "node", _("Node (UN/LOCODE)")
    CORRIDOR = "corridor", _("Corridor")
    VOYAGE = "voyage", _("Voyage")
    CERTIFICATE = "certificate", _("AEO certificate")
    MRA = "mra", _("MRA")


class AlertSeverity(models.TextChoices):
    INFO = "info", _("Info")
    WARNING = "warning", _("Warning")
    CRITICAL = "critical", _("Critical")


class AlertState(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")


class WebhookMessageType(models.TextChoices):
    """What a webhook delivery announces (the ``type`` of its Standard Webhooks payload)."""

    ALERT_RAISED = "alert.raised", _("Alert raised")
    ALERT_RESOLVED = "alert.resolved", _("Alert resolved")
    CONSIGNMENT_EVENTS = "consignment.events", _("New events of a consignment")


class DeliveryState(models.TextChoices):
    """Where a webhook delivery stands: waiting, retrying after a failure, done, or given up on."""

    PENDING = "pending", _("Pending")
    FAILED = "failed", _("Failed, will retry")
    SUCCEEDED = "succeeded", _("Succeeded")
    DEAD = "dead", _("Dead (gave up)")
