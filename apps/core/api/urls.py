from apps.core.api.views import AuditEventViewSet

routes = [("audit-events", AuditEventViewSet, "audit-event")]
