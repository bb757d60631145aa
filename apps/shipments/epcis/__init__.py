"""GS1 EPCIS 2.0 in and out.

Pure (no Django): ``parse.py`` (documents and streams to ``EventIn``), which runs ``validate.py`` (with
``schema.py`` for the official JSON Schema) and ``mapping.py``; ``vocabulary.py`` (the bundled GS1
context, CBV names); ``hash.py`` (the CBV 2.0 event hash) and ``digital_link.py``. The REST binding:
``rest.py`` and ``urls.py`` (capture and query), ``capture.py`` (capture jobs), ``errors.py``
(``epcisException`` problem details).
"""
