"""Shipments pages: consignments, their event graph, recording events, uploads, capture jobs, the dashboard."""

from django.urls import path

from apps.shipments import views

urlpatterns = [
    path("consignments/", views.consignment_list_page, name="consignment-list"),
    path("consignments/<uuid:pk>/", views.consignment_detail_page, name="consignment-detail"),
    path("consignments/<uuid:pk>/graph/", views.consignment_graph_page, name="consignment-graph"),
    path("consignments/<uuid:pk>/record/", views.event_record_page, name="event-record"),
    path("events/upload/", views.upload_page, name="event-upload"),
    path("events/upload/<uuid:job_id>/", views.capture_job_page, name="capture-job-page"),
    path("dashboard/", views.dashboard_page, name="dashboard"),
]
