"""Alerts pages: the inbox, and acknowledging or resolving one alert."""

from django.urls import path

from apps.disruptions import views

urlpatterns = [
    path("alerts/", views.alert_list_page, name="alert-list-page"),
    path("alerts/<uuid:alert_id>/acknowledge/", views.alert_acknowledge, name="alert-acknowledge"),
    path("alerts/<uuid:alert_id>/resolve/", views.alert_resolve, name="alert-resolve"),
]
