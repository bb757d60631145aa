"""Compliance pages: the customs review queue, the AEO registry and MRAs."""

from django.urls import path

from apps.compliance import views_registry

urlpatterns: list = [
    path("compliance/aeo/", views_registry.certificate_list_page, name="aeo-certificates-page"),
    path("compliance/aeo/<uuid:pk>/", views_registry.certificate_page, name="aeo-certificate-page"),
    path("compliance/mras/", views_registry.mra_list_page, name="mras-page"),
    path("compliance/mras/<slug:key>/", views_registry.mra_page, name="mra-page"),
]
