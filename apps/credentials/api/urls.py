"""Credentials API routes: on the one /api/v1/ router (``routes``), as /api/v1/ paths (``urlpatterns``), and at
the root (``root_urlpatterns``), where the VC API's paths and the credentials' own ids put them.
"""

from django.urls import path

from apps.credentials.api import views

routes = [
    ("credentials", views.CredentialViewSet, "credential"),
    ("keys", views.PartnerKeyViewSet, "partner-key"),
]

urlpatterns = [
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

root_urlpatterns = [
    path("credentials/verify", views.VerifyCredentialView.as_view(), name="vc-verify"),
    path("credentials/issue", views.IssueCredentialView.as_view(), name="vc-issue"),
    path("credentials/status", views.CredentialStatusView.as_view(), name="vc-status"),
    path("presentations/verify", views.VerifyPresentationView.as_view(), name="vp-verify"),
    path(
        "credentials/status/<uuid:list_id>/publish", views.StatusListPublishView.as_view(), name="status-list-publish"
    ),
    path("credentials/<uuid:credential_id>", views.CredentialDocumentView.as_view(), name="credential-document"),
]
