from django.urls import path

from apps.shipments.dcsa.views import DcsaV2EventsView, DcsaV3EventsView

urlpatterns = [
    path("v2/events", DcsaV2EventsView.as_view(), name="dcsa-v2-events"),
    path("v3/events", DcsaV3EventsView.as_view(), name="dcsa-v3-events"),
]
