from django.db import models

from apps.core.models import ROLE_ADMIN, ROLE_OPERATOR, ROLE_VIEWER, SCOPE_WRITE


class PartnerKind(models.TextChoices):
    """What an organisation does in the supply chain (a partner may be several)."""

    SHIPPER = "shipper", "Shipper (exporter)"
    CONSIGNEE = "consignee", "Consignee (importer)"
    FREIGHT_FORWARDER = "freight_forwarder", "Freight forwarder"
    CARRIER = "carrier", "Carrier"
    TERMINAL_OPERATOR = "terminal_operator", "Terminal operator"
    CUSTOMS_BROKER = "customs_broker", "Customs broker"
    CUSTOMS_AUTHORITY = "customs_authority", "Customs authority"


class MemberRole(models.TextChoices):
    """What a member may do for its partner; each role includes the ones before it."""

    VIEWER = ROLE_VIEWER, "Viewer"
    OPERATOR = ROLE_OPERATOR, "Operator"
    ADMIN = ROLE_ADMIN, "Admin"


ROLE_RANK = {MemberRole.VIEWER: 1, MemberRole.OPERATOR: 2, MemberRole.ADMIN: 3}


class TokenScope(models.TextChoices):
    READ = "read", "Read"
    WRITE = SCOPE_WRITE, "Read and write"
