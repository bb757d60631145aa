"""DCSA Track & Trace 2.2 and 3.0 in.

Pure (no Django): ``parse.py`` (an event list to ``EventIn``), which runs ``validate.py`` (DCSA's bundled
OpenAPI schemas as JSON Schema, I-JSON) and ``mapping.py`` (reading each event). The endpoints:
``views.py`` and ``urls.py``, answering in DCSA's error object (``errors.py``).
"""
