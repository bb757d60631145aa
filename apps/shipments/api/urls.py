from django.urls import path

from apps.shipments.api.views import ConsignmentViewSet, DcsaV2EventsView, DcsaV3EventsView, EventViewSet

routes = [
    ("consignments", ConsignmentViewSet, "consignment"),
    ("events", EventViewSet, "event"),
]

urlpatterns = [
    path("dcsa/v2/events", DcsaV2EventsView.as_view(), name="dcsa-v2-events"),
    path("dcsa/v3/events", DcsaV3EventsView.as_view(), name="dcsa-v3-events"),
]
