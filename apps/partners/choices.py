from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.models import ROLE_ADMIN, ROLE_OPERATOR, ROLE_VIEWER, SCOPE_WRITE


class PartnerKind(models.TextChoices):
    """What an organisation does in the supply chain (a partner may be several)."""

    SHIPPER = "shipper", _("Shipper (exporter)")
    CONSIGNEE = "consignee", _("Consignee (importer)")
    FREIGHT_FORWARDER = "freight_forwarder", _("Freight forwarder")
    CARRIER = "carrier", _("Carrier")
    TERMINAL_OPERATOR = "terminal_operator", _("Terminal operator")
    CUSTOMS_BROKER = "customs_broker", _("Customs broker")
    CUSTOMS_AUTHORITY = "customs_authority", _("Customs authority")


class MemberRole(models.TextChoices):
    """What a member may do for its partner; each role includes the ones before it."""

    VIEWER = ROLE_VIEWER, _("Viewer")
    OPERATOR = ROLE_OPERATOR, _("Operator")
    ADMIN = ROLE_ADMIN, _("Admin")


ROLE_RANK = {MemberRole.VIEWER: 1, MemberRole.OPERATOR: 2, MemberRole.ADMIN: 3}


class TokenScope(models.TextChoices):
    READ = "read", _("Read")
    WRITE = SCOPE_WRITE, _("Read and write")
