"""External notices (a port closed, a storm, a strike, a conflict, a tariff change) and their propagation.

- ``models``: the ``Notice`` (a place and/or a voyage, a time window, its source) and its propagation ledger;
- ``services``: staff enter, edit, end and import notices (validated, audited, nothing half-stored);
- ``propagation``: which consignments, voyages and corridors a notice's remaining-route test touches
  (set-based queries), and the ``notice`` alerts it raises or resolves through ``alerts_sync``;
- ``csv_import``: the CSV format, parsed and checked row by row before anything is stored.
"""
