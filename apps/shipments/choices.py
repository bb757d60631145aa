from django.db import models
from django.utils.translation import gettext_lazy as _


class PartyRole(models.TextChoices):
    """The role a partner plays for one consignment (WCO data model / UNTP party roles)."""

    CONSIGNOR = "consignor", _("Consignor (shipper)")
    CONSIGNEE = "consignee", _("Consignee")
    FREIGHT_FORWARDER = "freight_forwarder", _("Freight forwarder")
    CARRIER = "carrier", _("Carrier")
    TERMINAL_OPERATOR = "terminal_operator", _("Terminal operator")
    CUSTOMS_BROKER = "customs_broker", _("Customs broker")
    NOTIFY_PARTY = "notify_party", _("Notify party")


class ConsignmentStatus(models.TextChoices):
    """Derived from the consignment's events (see ``apps.shipments.status``)."""

    BOOKED = "booked", _("Booked")
    IN_TRANSIT = "in_transit", _("In transit")
    ARRIVED = "arrived", _("Arrived")
    RELEASED = "released", _("Released by customs")
    DELIVERED = "delivered", _("Delivered")
    EXCEPTION = "exception", _("Exception")


class TransportDocumentType(models.TextChoices):
    BILL_OF_LADING = "BL", _("Bill of lading")
    SEA_WAYBILL = "SWB", _("Sea waybill")
    AIR_WAYBILL = "AWB", _("Air waybill")
    CMR = "CMR", _("Road consignment note (CMR)")
    RAIL = "CIM", _("Rail consignment note (CIM)")


class TransportMode(models.TextChoices):
    SEA = "sea", _("Sea")
    AIR = "air", _("Air")
    ROAD = "road", _("Road")
    RAIL = "rail", _("Rail")
    INLAND_WATERWAY = "inland_waterway", _("Inland waterway")


class EventSource(models.TextChoices):
    NATIVE = "native", _("Corridor JSON")
    EPCIS = "epcis", _("GS1 EPCIS 2.0")
    DCSA_2 = "dcsa-2.2", _("DCSA Track & Trace 2.2")
    DCSA_3 = "dcsa-3.0", _("DCSA Track & Trace 3.0")


class EventType(models.TextChoices):
    OBJECT = "ObjectEvent", _("EPCIS ObjectEvent")
    AGGREGATION = "AggregationEvent", _("EPCIS AggregationEvent")
    TRANSACTION = "TransactionEvent", _("EPCIS TransactionEvent")
    TRANSFORMATION = "TransformationEvent", _("EPCIS TransformationEvent")
    ASSOCIATION = "AssociationEvent", _("EPCIS AssociationEvent")
    SHIPMENT = "SHIPMENT", _("DCSA shipment event")
    TRANSPORT = "TRANSPORT", _("DCSA transport event")
    EQUIPMENT = "EQUIPMENT", _("DCSA equipment event")
    IOT = "IOT", _("DCSA IoT event")
    REEFER = "REEFER", _("DCSA reefer event")


class LinkVia(models.TextChoices):
    """How an event came to belong to a consignment."""

    CONSIGNMENT = "consignment", _("Consignment id or reference")
    TRANSPORT_DOCUMENT = "transport_document", _("Transport document number")
    BOOKING = "booking", _("Booking reference")
    EQUIPMENT = "equipment", _("Container assigned to the consignment")


class LocationKind(models.TextChoices):
    SEAPORT = "seaport", _("Seaport")
    AIRPORT = "airport", _("Airport")
    INLAND_DEPOT = "inland_depot", _("Inland depot")
    RAIL_TERMINAL = "rail_terminal", _("Rail terminal")
    OTHER = "other", _("Other")


class CaptureState(models.TextChoices):
    """EPCIS 2.0 capture job states."""

    RUNNING = "running", _("Running")
    SUCCESS = "success", _("Success")
    FAILED = "failed", _("Failed")
