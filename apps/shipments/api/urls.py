from apps.shipments.api.views import ConsignmentViewSet, EventViewSet

routes = [
    ("consignments", ConsignmentViewSet, "consignment"),
    ("events", EventViewSet, "event"),
]
