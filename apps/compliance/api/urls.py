"""Compliance API routes: registered on the one /api/v1/ router (``routes``) or as paths (``urlpatterns``)."""

from django.urls import path

from apps.compliance.api import views

routes = [
    ("aeo-certificates", views.AeoCertificateViewSet, "aeo-certificate"),
    ("mras", views.MraViewSet, "mra"),
    ("review-decisions", views.ReviewDecisionViewSet, "review-decision"),
]

urlpatterns = [
    path("consignments/<uuid:pk>/trust/", views.ConsignmentTrustView.as_view(), name="consignment-trust"),
]
