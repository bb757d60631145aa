"""URL map: pages, the /api/v1/ router, the OpenAPI schema and docs, health."""

from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from apps.compliance.api.urls import routes as compliance_routes
from apps.compliance.api.urls import urlpatterns as compliance_api_urls
from apps.core import views as core_views
from apps.core.api.urls import routes as core_routes
from apps.corridors.api.urls import routes as corridor_routes
from apps.corridors.api.urls import urlpatterns as corridor_api_urls
from apps.credentials.api.urls import root_urlpatterns as credential_root_urls
from apps.credentials.api.urls import routes as credential_routes
from apps.credentials.api.urls import urlpatterns as credential_api_urls
from apps.disruptions.api.urls import routes as disruption_routes
from apps.partners.api.urls import routes as partner_routes
from apps.partners.api.views import MeView
from apps.shipments.api.urls import routes as shipment_routes

router = DefaultRouter(trailing_slash=True)
for prefix, viewset, basename in [
    *core_routes,
    *partner_routes,
    *shipment_routes,
    *credential_routes,
    *compliance_routes,
    *disruption_routes,
    *corridor_routes,
]:
    router.register(prefix, viewset, basename=basename)

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("problems/<slug:code>", core_views.problem_type, name="problem-type"),
    path("api/v1/me/", MeView.as_view(), name="me"),
    path("api/v1/", include(router.urls)),
    path("api/v1/dcsa/", include("apps.shipments.dcsa.urls")),
    path("api/v1/", include(credential_api_urls)),
    path("api/v1/", include(compliance_api_urls)),
    path("api/v1/", include(corridor_api_urls)),
    path("epcis/", include("apps.shipments.epcis.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    # Unknown API paths answer problem details even with DEBUG on (no HTML debug page).
    re_path(r"^api/", core_views.api_not_found),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include(credential_root_urls)),
    path("", include("apps.credentials.urls")),
    path("", include("apps.shipments.urls")),
    path("", include("apps.disruptions.urls")),
    path("", include("apps.compliance.urls")),
    path("", include("apps.corridors.urls")),
    path("", include("apps.partners.urls")),
]

handler403 = "apps.core.views.handler403"
handler404 = "apps.core.views.handler404"
handler500 = "apps.core.views.handler500"
