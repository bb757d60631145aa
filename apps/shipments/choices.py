from django.db import models


class PartyRole(models.TextChoices):
    """The role a partner plays for one consignment (WCO data model / UNTP party roles)."""

    CONSIGNOR = "consignor", "Consignor (shipper)"
    CONSIGNEE = "consignee", "Consignee"
    FREIGHT_FORWARDER = "freight_forwarder", "Freight forwarder"
    CARRIER = "carrier", "Carrier"
    TERMINAL_OPERATOR = "terminal_operator", "Terminal operator"
    CUSTOMS_BROKER = "customs_broker", "Customs broker"
    NOTIFY_PARTY = "notify_party", "Notify party"


class ConsignmentStatus(models.TextChoices):
    """Derived from the consignment's events (see ``apps.shipments.status``)."""

    BOOKED = "booked", "Booked"
    IN_TRANSIT = "in_transit", "In transit"
    ARRIVED = "arrived", "Arrived"
    RELEASED = "released", "Released by customs"
    DELIVERED = "delivered", "Delivered"
    EXCEPTION = "exception", "Exception"


class TransportDocumentType(models.TextChoices):
    BILL_OF_LADING = "BL", "Bill of lading"
    SEA_WAYBILL = "SWB", "Sea waybill"
    AIR_WAYBILL = "AWB", "Air waybill"
    CMR = "CMR", "Road consignment note (CMR)"
    RAIL = "CIM", "Rail consignment note (CIM)"


class TransportMode(models.TextChoices):
    SEA = "sea", "Sea"
    AIR = "air", "Air"
    ROAD = "road", "Road"
    RAIL = "rail", "Rail"
    INLAND_WATERWAY = "inland_waterway", "Inland waterway"


class EventSource(models.TextChoices):
    NATIVE = "native", "Corridor JSON"
    EPCIS = "epcis", "GS1 EPCIS 2.0"
    DCSA_2 = "dcsa-2.2", "DCSA Track & Trace 2.2"
    DCSA_3 = "dcsa-3.0", "DCSA Track & Trace 3.0"


class EventType(models.TextChoices):
    OBJECT = "ObjectEvent", "EPCIS ObjectEvent"
    AGGREGATION = "AggregationEvent", "EPCIS AggregationEvent"
    TRANSACTION = "TransactionEvent", "EPCIS TransactionEvent"
    TRANSFORMATION = "TransformationEvent", "EPCIS TransformationEvent"
    ASSOCIATION = "AssociationEvent", "EPCIS AssociationEvent"
    SHIPMENT = "SHIPMENT", "DCSA shipment event"
    TRANSPORT = "TRANSPORT", "DCSA transport event"
    EQUIPMENT = "EQUIPMENT", "DCSA equipment event"
    IOT = "IOT", "DCSA IoT event"
    REEFER = "REEFER", "DCSA reefer event"


class LinkVia(models.TextChoices):
    """How an event came to belong to a consignment."""

    CONSIGNMENT = "consignment", "Consignment id or reference"
    TRANSPORT_DOCUMENT = "transport_document", "Transport document number"
    BOOKING = "booking", "Booking reference"
    EQUIPMENT = "equipment", "Container assigned to the consignment"


class LocationKind(models.TextChoices):
    SEAPORT = "seaport", "Seaport"
    AIRPORT = "airport", "Airport"
    INLAND_DEPOT = "inland_depot", "Inland depot"
    RAIL_TERMINAL = "rail_terminal", "Rail terminal"
    OTHER = "other", "Other"


class CaptureState(models.TextChoices):
    """EPCIS 2.0 capture job states."""

    RUNNING = "running", "Running"
    SUCCESS = "success", "Success"
    FAILED = "failed", "Failed"
