"""Compliance API routes: registered on the one /api/v1/ router (``routes``) or as paths (``urlpatterns``)."""

routes: list = []
urlpatterns: list = []
