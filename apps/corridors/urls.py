"""Corridor pages."""

from django.urls import path

from apps.corridors import views

urlpatterns: list = [
    path("corridors/", views.corridor_list_page, name="corridors-page"),
    path("corridors/<slug:slug>/", views.corridor_page, name="corridor-page"),
]
