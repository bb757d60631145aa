"""Corridors API routes: registered on the one /api/v1/ router (``routes``) or as paths (``urlpatterns``)."""

from django.urls import path

from apps.corridors.api import views
from apps.corridors.notices.api import NoticeViewSet

routes = [("corridors", views.CorridorViewSet, "corridor"), ("notices", NoticeViewSet, "notice")]

urlpatterns = [
    path("consignments/<uuid:pk>/eta/", views.ConsignmentEtaView.as_view(), name="consignment-eta"),
]
