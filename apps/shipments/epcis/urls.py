from django.urls import path

from apps.shipments.epcis.rest import CaptureJobView, CaptureView, EventsQueryView

urlpatterns = [
    path("capture", CaptureView.as_view(), name="epcis-capture"),
    path("capture/<uuid:capture_id>", CaptureJobView.as_view(), name="epcis-capture-job"),
    path("events", EventsQueryView.as_view(), name="epcis-events"),
]
