"""The event graph of a consignment, and the analyses Corridor runs over it.

Pure functions over networkx graphs, importing no Django and no ORM: ``queries.py`` alone reads rows,
turning them into the frozen input dataclasses of ``types.py`` (``GraphEvent``, ``EquipmentAssignment``,
``LegInfo``, ``PartyInfo``) with bounded queries (the events of one consignment, of its equipment while
assigned and of its voyages, DESIGN §8b), and ``build.build_event_graph`` makes one directed multigraph
of them. Every analysis reads that graph (``timeline.py``, ``custody.py``, ``consistency.py``,
``impact.py``, ``export.py``), so the timeline page, the custody view, the detectors and the exports
share one picture; several consignments' graphs can be joined with ``nx.compose_all`` before calling
``impact.impact``.

Nodes are strings ``"<kind>:<key>"`` (``types.node_id``) with a ``kind`` attribute and a ``key``:

- ``event``: one event as one partner recorded it (every ``GraphEvent`` field, plus ``movement``);
- ``consignment``, ``equipment`` (ISO 6346 number), ``voyage`` (e.g. ``IMO9321483/2103S``) and
  ``epc`` (an EPC or other identifier an EPCIS event names): the objects events touch;
- ``leg``: one movement of a consignment (every ``LegInfo`` field).

Edges carry a ``kind`` too:

- ``touches``: event -> each object it names;
- ``sequence``: event -> the next event of the same object (``object`` names it), by event time,
  ties by record time then key; erroneous events keep their ``touches`` edges but are not sequenced;
- ``aggregation``: equipment -> consignment while assigned; equipment -> voyage while aboard, as its
  load and discharge events show; EPC or child -> parent, opened by ADD/OBSERVE and closed by DELETE.
  Each has ``start`` and ``end`` (``None``: open), and ``opened_by``/``closed_by`` event keys where
  events are the evidence;
- ``transshipment``: leg -> the next leg of the same consignment, starting where it ended
  (``location``);
- ``has_leg`` (consignment -> leg), ``carried_by`` (leg -> voyage) and ``corroborates`` (the earlier
  -> the later event of a pair from different sources reporting one movement).

Steps are compared as *movements*: the DCSA event code, with CBV bizSteps mapped onto it where one
means the other (``receiving`` GTIN, ``shipping`` GTOT, ``loading`` LOAD, ``unloading`` DISC,
``departing`` DEPA, ``arriving`` ARRI); other steps keep their own short name (``accepting``,
``storing``, DCSA ``STUF``...). Times are timezone-aware, ``None`` meaning unknown (an open end).
Events are actual ones (DCSA ``ACT``): plans and estimates live on legs.
"""
