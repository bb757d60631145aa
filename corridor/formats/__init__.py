"""Number formats where the trade writes figures differently from Django's defaults (FORMAT_MODULE_PATH)."""
