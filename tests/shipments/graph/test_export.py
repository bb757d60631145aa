"""The graph as JSON and GraphML.

On the Kaohsiung to Los Angeles story of ``story.py``; pure functions, no database.
"""

from __future__ import annotations

import json

import networkx as nx

from apps.shipments.graph.export import to_graphml, to_json
from apps.shipments.graph.types import (
    AGGREGATION,
    CARRIED_BY,
    CORROBORATES,
    HAS_LEG,
    SEQUENCE,
    TOUCHES,
    TRANSSHIPMENT,
)
from tests.shipments.graph.story import CONTAINER, story_graph


def test_json_export_is_serialisable_with_iso_times():
    graph = story_graph()
    data = json.loads(json.dumps(to_json(graph)))
    nodes = {n["id"]: n for n in data["nodes"]}
    assert nodes["event:e03-gate-in"]["event_time"] == "2024-03-02T18:00:00+08:00"
    assert nodes["event:e03-gate-in"]["equipment"] == [CONTAINER]
    assert nodes["leg:L1"]["actual_arrival"] == "2024-03-05T22:00:00+00:00"
    assert len(data["edges"]) == graph.number_of_edges()
    back = nx.node_link_graph(data, edges="edges")
    assert back.number_of_nodes() == graph.number_of_nodes()
    assert back.number_of_edges() == graph.number_of_edges()


def test_graphml_parses_back_with_networkx():
    graph = story_graph()
    back = nx.parse_graphml(to_graphml(graph))
    assert back.number_of_nodes() == graph.number_of_nodes()
    assert back.number_of_edges() == graph.number_of_edges()
    event = back.nodes["event:e03-gate-in"]
    assert event["event_time"] == "2024-03-02T18:00:00+08:00"
    assert json.loads(event["equipment"]) == [CONTAINER]
    assert event["erroneous"] is False
    assert "record_time" not in event  # unknown, so left out
    assert back.nodes["leg:L2"]["sequence"] == 2
    kinds = {d["kind"] for _, _, d in back.edges(data=True)}
    assert kinds == {TOUCHES, SEQUENCE, AGGREGATION, TRANSSHIPMENT, HAS_LEG, CARRIED_BY, CORROBORATES}
