"""Credential pages and documents served at the root: DID documents, the JSON-LD context, status lists, the
issuer identifier choice."""

from django.urls import path

from apps.credentials import views

urlpatterns = [
    path("partners/<slug:slug>/did.json", views.did_document, name="did-document"),
    path("contexts/corridor/v1", views.corridor_context, name="corridor-context"),
    path("credentials/status/<uuid:list_id>", views.status_list_credential, name="status-list"),
    path("verify/", views.verify_page, name="verify-page"),
    path("issuer-did/", views.issuer_did_method, name="issuer-did-method"),
    path("keys/", views.key_list, name="key-list"),
    path("keys/rotate/", views.key_rotate, name="key-rotate"),
    path("keys/<uuid:key_id>/revoke/", views.key_revoke, name="key-revoke"),
    path("consignments/<uuid:pk>/credentials/", views.consignment_chain_page, name="consignment-chain"),
]
