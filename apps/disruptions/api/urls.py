"""Alert API routes on the one /api/v1/ router."""

from apps.disruptions.api.views import AlertViewSet

routes = [("alerts", AlertViewSet, "alert")]
