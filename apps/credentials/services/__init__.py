"""Writes for credentials, one module per concern: identifiers (DIDs, URLs, digests), partners' keys,
status lists, issuance (step credentials and their chains), presentations, and the VC API's issuing.
"""
