"""Alert API routes on the one /api/v1/ router."""

routes: list = []
