"""The event graph as JSON (networkx's node-link shape) and as GraphML (no Django imports)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import networkx as nx


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(_json_value(v) for v in value)
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    return value


def to_json(graph: nx.MultiDiGraph[str]) -> dict[str, Any]:
    """The graph as JSON-ready data in networkx's node-link shape (``nx.node_link_graph(d, edges="edges")``).

    Datetimes become ISO 8601 strings with their offsets, tuples become lists.
    """
    return {
        "directed": True,
        "multigraph": True,
        "graph": _json_value(dict(graph.graph)),
        "nodes": [{"id": node, **_json_value(attrs)} for node, attrs in graph.nodes(data=True)],
        "edges": [
            {"source": u, "target": v, "key": key, **_json_value(attrs)}
            for u, v, key, attrs in graph.edges(keys=True, data=True)
        ],
    }


def _graphml_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str | bool | int | float):
        return value
    return json.dumps(_json_value(value))


def to_graphml(graph: nx.MultiDiGraph[str]) -> str:
    """The graph as GraphML (networkx's writer), for Gephi, yEd or Neo4j.

    GraphML holds scalars only: datetimes become ISO 8601 strings, tuples and dicts JSON strings, and
    unknown (``None``) attributes are left out.
    """
    flat: nx.MultiDiGraph[str] = nx.MultiDiGraph()
    for node, attrs in graph.nodes(data=True):
        flat.add_node(node, **{k: _graphml_value(v) for k, v in attrs.items() if v is not None})
    for u, v, key, attrs in graph.edges(keys=True, data=True):
        flat.add_edge(u, v, key=key, **{k: _graphml_value(val) for k, val in attrs.items() if val is not None})
    return "\n".join(nx.generate_graphml(flat))
