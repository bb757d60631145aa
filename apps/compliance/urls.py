"""Compliance pages: the customs review queue, the AEO registry and MRAs."""

from django.urls import path

from apps.compliance import views, views_import, views_registry

urlpatterns: list = [
    path("compliance/review/", views.review_queue_page, name="review-queue"),
    path("compliance/review/<uuid:pk>/", views.review_detail_page, name="review-detail"),
    path("compliance/aeo/", views_registry.certificate_list_page, name="aeo-certificates-page"),
    path("compliance/aeo/import/", views_import.aeo_import_page, name="aeo-import-page"),
    path("compliance/aeo/<uuid:pk>/", views_registry.certificate_page, name="aeo-certificate-page"),
    path("compliance/mras/", views_registry.mra_list_page, name="mras-page"),
    path("compliance/mras/<slug:key>/", views_registry.mra_page, name="mra-page"),
]
