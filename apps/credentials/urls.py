from django.urls import path

from apps.credentials import views

api_routes = [
    ("credentials", views.CredentialViewSet, "credential"),
    ("keys", views.PartnerKeyViewSet, "partner-key"),
]

api_urlpatterns = [
    path(
        "consignments/<uuid:pk>/credentials/",
        views.ConsignmentCredentialsView.as_view(),
        name="consignment-credentials",
    ),
    path(
        "consignments/<uuid:pk>/presentation/",
        views.ConsignmentPresentationView.as_view(),
        name="consignment-presentation",
    ),
]

urlpatterns = [
    path("partners/<slug:slug>/did.json", views.did_document, name="did-document"),
    path("contexts/corridor/v1", views.corridor_context, name="corridor-context"),
    path("credentials/verify", views.VerifyCredentialView.as_view(), name="vc-verify"),
    path("credentials/issue", views.IssueCredentialView.as_view(), name="vc-issue"),
    path("credentials/status", views.CredentialStatusView.as_view(), name="vc-status"),
    path("presentations/verify", views.VerifyPresentationView.as_view(), name="vp-verify"),
    path("credentials/status/<uuid:list_id>", views.status_list_credential, name="status-list"),
    path(
        "credentials/status/<uuid:list_id>/publish", views.StatusListPublishView.as_view(), name="status-list-publish"
    ),
    path("credentials/<uuid:credential_id>", views.CredentialDocumentView.as_view(), name="credential-document"),
    path("verify/", views.verify_page, name="verify-page"),
    path("consignments/<uuid:pk>/credentials/", views.consignment_chain_page, name="consignment-chain"),
]
