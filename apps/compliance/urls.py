"""Compliance pages: the customs review queue, the AEO registry and MRAs."""

urlpatterns: list = []
