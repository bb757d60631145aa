"""Impact: which consignments a place, a voyage or a container affects, by their remaining path
(no Django imports).
"""

from __future__ import annotations

import networkx as nx

from apps.shipments.graph.types import AGGREGATION, CARRIED_BY, CONSIGNMENT, EQUIPMENT, LEG, VOYAGE, node_id


def impact(
    graph: nx.MultiDiGraph[str], *, location: str | None = None, voyage: str | None = None, equipment: str | None = None
) -> set[str]:
    """The consignments whose remaining path a place, a voyage or a container affects (any given).

    - a place: consignments with a leg still to depart from it or still to arrive at it (by the legs'
      actual times), so closing KRPUS flags those waiting there for a transshipment and those on
      their way, not those already through;
    - a voyage: consignments with a leg on it not yet arrived, or a container still aboard it (no
      discharge) that was assigned to them when loaded;
    - a container: consignments it is assigned to now (assignment without an end).
    """
    if location is None and voyage is None and equipment is None:
        raise ValueError("impact needs a location, a voyage or a piece of equipment")
    affected: set[str] = set()
    if location is not None:
        for _, attrs in graph.nodes(data=True):
            if attrs["kind"] == LEG and (
                (attrs["origin"] == location and attrs["actual_departure"] is None)
                or (attrs["destination"] == location and attrs["actual_arrival"] is None)
            ):
                affected.add(attrs["consignment"])
    if voyage is not None:
        affected |= _voyage_impact(graph, node_id(VOYAGE, voyage))
    if equipment is not None:
        node = node_id(EQUIPMENT, equipment)
        if node in graph:
            affected |= {
                graph.nodes[c]["key"]
                for _, c, data in graph.out_edges(node, data=True)
                if data["kind"] == AGGREGATION and graph.nodes[c]["kind"] == CONSIGNMENT and data["end"] is None
            }
    return affected


def _voyage_impact(graph: nx.MultiDiGraph[str], voyage: str) -> set[str]:
    if voyage not in graph:
        return set()
    affected: set[str] = set()
    for source, _, data in graph.in_edges(voyage, data=True):
        attrs = graph.nodes[source]
        if data["kind"] == CARRIED_BY and attrs["actual_arrival"] is None:
            affected.add(attrs["consignment"])
        if data["kind"] != AGGREGATION or attrs["kind"] != EQUIPMENT or data["end"] is not None:
            continue
        loaded = data["start"]
        for _, consignment, assignment in graph.out_edges(source, data=True):
            if assignment["kind"] != AGGREGATION or graph.nodes[consignment]["kind"] != CONSIGNMENT:
                continue
            if loaded is None or assignment["end"] is None or assignment["end"] >= loaded:
                affected.add(graph.nodes[consignment]["key"])
    return affected
