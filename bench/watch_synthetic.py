"""A synthetic corridor world for the watch's benchmarks: lanes between real UN/LOCODEs with weekly-style
schedules, consignments in transit at ``as_of`` with their events, and a few percent of labelled anomalies
of each kind (no database; ``bench_watch_quality.py`` judges it in memory, ``bench_scan.py`` loads it into
PostgreSQL).

Each consignment travels origin → hub → destination by sea. Its events, as carriers and shippers send them:
the carrier's plan (DCSA ``PLN`` departures and arrivals, recorded at booking), the shipper's three EPCIS
steps at the origin, the carrier's DCSA equipment and transport events (gate-in, load, departure, arrival,
discharge ...), and a container sensor reading (no place) each day at sea. Normal voyages run a little late
by a log-normal factor; the stay at the hub is log-normal around the planned connection.

Anomalies, each labelled (``labels``):

- ``overdue``: the last leg runs days late; the planned arrival plus tolerance has passed (sensor readings
  keep coming, so it is not silent);
- ``silence``: on the first leg, nothing heard since departure, three to six days after the hub was due;
- ``dwell``: rolled at the hub to a later sailing, staying a week or more;
- ``inconsistent:arrival_before_departure``: the hub arrival stamped before the origin departure;
- ``inconsistent:impossible_speed``: the hub terminal gates the container in at 150 km/h from its load;
- ``inconsistent:two_places``: a gate-in at a port off the lane an hour after the load at the origin;
- congestion: on two lanes, a crowd staying at the hub between the median x 1.5 and the p90 x 1.5
  (each not a ``dwell``), labelled per (lane, node) in ``World.congested``.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from apps.corridors.baselines import DWELL, HISTORY, TRANSIT, Figures, Key
from apps.corridors.thresholds import Thresholds
from apps.shipments import places

AS_OF = datetime(2026, 6, 15, tzinfo=UTC)
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
TRANSIT_SIGMA, DWELL_SIGMA = 0.05, 0.2
Z90 = 1.2816


@dataclass(frozen=True)
class Lane:
    slug: str
    nodes: tuple[str, str, str]
    first_days: float
    connection_days: float
    second_days: float
    elsewhere: str  # a port off the lane, for two-places anomalies

    @property
    def total_days(self) -> float:
        return self.first_days + self.connection_days + self.second_days


LANES = (
    Lane("twkhh-krpus-uslax", ("TWKHH", "KRPUS", "USLAX"), 2, 2, 12, "NLRTM"),
    Lane("cnsha-sgsin-nlrtm", ("CNSHA", "SGSIN", "NLRTM"), 5, 3, 24, "USLAX"),
    Lane("vnsgn-hkhkg-uslgb", ("VNSGN", "HKHKG", "USLGB"), 3, 2, 15, "DEHAM"),
    Lane("thlch-sgsin-aejea", ("THLCH", "SGSIN", "AEJEA"), 3, 2, 9, "USLGB"),
    Lane("innsa-aejea-gbfxt", ("INNSA", "AEJEA", "GBFXT"), 4, 2, 18, "CAVAN"),
    Lane("cnngb-krpus-cavan", ("CNNGB", "KRPUS", "CAVAN"), 3, 2, 11, "ESALG"),
    Lane("mypkg-lkcmb-deham", ("MYPKG", "LKCMB", "DEHAM"), 6, 2, 18, "USLAX"),
    Lane("brssz-esalg-nlrtm", ("BRSSZ", "ESALG", "NLRTM"), 14, 2, 4, "SGSIN"),
)
CONGESTED_LANES = ("cnsha-sgsin-nlrtm", "mypkg-lkcmb-deham")
RATES = {
    "overdue": 0.02,
    "silence": 0.02,
    "dwell": 0.02,
    "inconsistent:arrival_before_departure": 0.01,
    "inconsistent:impossible_speed": 0.01,
    "inconsistent:two_places": 0.01,
}
CONGESTION_RATE = 0.01  # of all consignments, crowding each congested hub


@dataclass
class SynEvent:
    key: str
    event_id: str
    recorder: str
    event_time: datetime
    record_time: datetime
    location: str
    event_code: str = ""
    biz_step: str = ""
    classifier: str = ""
    event_type: str = "TRANSPORT"
    source: str = "dcsa-2.2"
    equipment: tuple[str, ...] = ()
    imo: str = ""
    voyage: str = ""


@dataclass
class SynConsignment:
    id: str
    reference: str
    lane: Lane
    legs: list[tuple[int, str, str, datetime, datetime, str, str]]  # sequence, from, to, planned dep/arr, imo, voyage
    events: list[SynEvent]
    labels: set[str] = field(default_factory=set)
    container: str = ""


def _check_digit(prefix: str) -> str:
    # ISO 6346: letters valued 10.. skipping multiples of 11, digits weighted by powers of two.
    values = {}
    n = 10
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        if n % 11 == 0:
            n += 1
        values[letter] = n
        n += 1
    total = sum((values[c] if c.isalpha() else int(c)) * 2**i for i, c in enumerate(prefix))
    return str(total % 11 % 10)


def container_number(n: int) -> str:
    prefix = f"BNCU{n % 1_000_000:06d}"
    return prefix + _check_digit(prefix)


def lane_baselines(lane: Lane) -> dict[Key, Figures]:
    """The figures a history of this lane's normal voyages gives (median, p10, p90 of its log-normals)."""
    a, b, c = lane.nodes
    figures = []
    for origin, destination, days in ((a, b, lane.first_days), (b, c, lane.second_days)):
        median = days * math.exp(0.02) * 86400
        spread = math.exp(Z90 * TRANSIT_SIGMA)
        figures.append(
            Figures(TRANSIT, origin, destination, "sea", median, median / spread, median * spread, 500, HISTORY)
        )
    median = lane.connection_days * 86400
    spread = math.exp(Z90 * DWELL_SIGMA)
    figures.append(Figures(DWELL, b, b, "sea", median, median / spread, median * spread, 500, HISTORY))
    return {f.key: f for f in figures}


def lane_thresholds(count: int) -> Thresholds:
    # Congestion is a crowd relative to the traffic: 0.6 % of all consignments staying long at one hub.
    return Thresholds(congestion_min_consignments=max(3, int(count * 0.006)))


class World:
    """Consignments in transit at ``AS_OF`` on ``LANES``, generated one at a time from a seed."""

    def __init__(self, count: int, *, seed: int = 7) -> None:
        self.count = count
        self.seed = seed
        self.congested = {(slug, lane.nodes[1]) for lane in LANES for slug in CONGESTED_LANES if lane.slug == slug}

    def __iter__(self) -> Iterator[SynConsignment]:
        rng = random.Random(self.seed)
        for n in range(self.count):
            yield self._one(rng, n)

    def _one(self, rng: random.Random, n: int) -> SynConsignment:
        lane = LANES[n % len(LANES)]
        draw = rng.random()
        label = ""
        cumulative = 0.0
        for name, rate in RATES.items():
            cumulative += rate
            if draw < cumulative:
                label = name
                break
        crowd = not label and lane.slug in CONGESTED_LANES and rng.random() < CONGESTION_RATE * len(LANES)
        while True:
            made = self._voyage(rng, n, lane, label, crowd)
            if made is not None:
                return made

    def _voyage(self, rng: random.Random, n: int, lane: Lane, label: str, crowd: bool) -> SynConsignment | None:
        a, b, c = lane.nodes
        f, conn, s = lane.first_days * DAY, lane.connection_days * DAY, lane.second_days * DAY
        # Where in its voyage the consignment is at AS_OF (normal ones: anywhere along it).
        if label == "overdue":
            elapsed = f + conn + s + rng.uniform(1.5, 4) * DAY
        elif label == "silence":
            elapsed = f + rng.uniform(3.5, 6.5) * DAY
            elapsed = min(elapsed, f + conn + s - DAY)
        elif label == "dwell":
            elapsed = f + rng.uniform(7, 9) * DAY
        elif crowd:
            elapsed = None
        else:
            elapsed = rng.uniform(0.3, lane.total_days - 0.3) * DAY
        ident = uuid.UUID(int=rng.getrandbits(128), version=4)
        reference = f"SYN-{lane.slug[:5].upper()}-{n:07d}"
        container = container_number(n)
        departure_delay = max(rng.gauss(4, 4), 0) * HOUR
        first = f * rng.lognormvariate(0.02, TRANSIT_SIGMA)
        stay = conn * rng.lognormvariate(0, DWELL_SIGMA)
        second = s * rng.lognormvariate(0.02, TRANSIT_SIGMA)
        if elapsed is None:  # crowding the hub: stayed between median x 1.5 and p90 x 1.5
            elapsed = departure_delay + first + conn * rng.uniform(1.55, 1.9)
            stay = elapsed - departure_delay - first + 2 * DAY
        if label == "overdue":
            second = (elapsed - f - conn) + rng.uniform(1, 3) * DAY  # still at sea
            stay = conn
        if label == "dwell":
            stay = elapsed + 3 * DAY  # still at the hub
        planned_departure = AS_OF - elapsed
        d0 = planned_departure + departure_delay
        a1 = d0 + first
        d2 = a1 + stay
        a2 = d2 + second
        if label == "silence" and a1 <= AS_OF:
            a1 = AS_OF + 2 * DAY  # the vessel has not reached the hub
            d2, a2 = a1 + stay, a1 + stay + second
        if a2 <= AS_OF or d0 > AS_OF:
            return None  # not in transit at AS_OF: draw again
        imo1, imo2 = f"9{(n * 7) % 900000 + 100000:06d}", f"9{(n * 11) % 900000 + 100000:06d}"
        voyage1, voyage2 = f"{n % 97:03d}E", f"{n % 89:03d}W"
        planned = [
            (1, a, b, planned_departure, planned_departure + f, imo1, voyage1),
            (2, b, c, planned_departure + f + conn, planned_departure + f + conn + s, imo2, voyage2),
        ]
        booked = planned_departure - 5 * DAY
        events: list[SynEvent] = []
        serial = 0

        def add(when: datetime, place: str, *, recorder: str = "carrier", **fields) -> None:
            nonlocal serial
            serial += 1
            if when > AS_OF:
                return
            record = max(when, booked) + timedelta(minutes=5)
            if fields.get("classifier") == "PLN":
                record = booked
            events.append(
                SynEvent(
                    key=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    event_id=f"{reference}-{serial:02d}",
                    recorder=recorder,
                    event_time=when,
                    record_time=record,
                    location=place,
                    equipment=(container,),
                    **fields,
                )
            )

        for code, when, place in (
            ("DEPA", planned_departure, a),
            ("ARRI", planned_departure + f, b),
            ("DEPA", planned_departure + f + conn, b),
            ("ARRI", planned_departure + f + conn + s, c),
        ):
            add(booked, place, event_code=code, classifier="PLN")
            events[-1].event_time = when
        for step, before in (("commissioning", 3.0), ("packing", 2.9), ("inspecting", 2.5)):
            add(d0 - before * DAY, a, recorder="shipper", biz_step=step, event_type="ObjectEvent", source="epcis")
        carrier = [
            ("GTIN", d0 - DAY, a, "EQUIPMENT", imo1, voyage1),
            ("LOAD", d0 - 6 * HOUR, a, "EQUIPMENT", imo1, voyage1),
            ("DEPA", d0, a, "TRANSPORT", imo1, voyage1),
            ("ARRI", a1, b, "TRANSPORT", imo1, voyage1),
            ("DISC", a1 + 4 * HOUR, b, "EQUIPMENT", imo1, voyage1),
            ("LOAD", d2 - 4 * HOUR, b, "EQUIPMENT", imo2, voyage2),
            ("DEPA", d2, b, "TRANSPORT", imo2, voyage2),
            ("ARRI", a2, c, "TRANSPORT", imo2, voyage2),
        ]
        if label == "inconsistent:arrival_before_departure":
            carrier[3] = ("ARRI", d0 - 5 * HOUR, b, "TRANSPORT", imo1, voyage1)
        for code, when, place, kind, imo, voyage in carrier:
            if label == "silence" and when > d0:
                continue
            add(when, place, event_code=code, event_type=kind, imo=imo, voyage=voyage)
        if label == "inconsistent:impossible_speed":
            ports = places.port_coordinates()
            km = places.great_circle_km(ports[a], ports[b])
            add(
                d0 - 6 * HOUR + timedelta(hours=km / 150),
                b,
                recorder="terminal",
                event_code="GTIN",
                event_type="EQUIPMENT",
            )
        if label == "inconsistent:two_places":
            add(d0 - 5 * HOUR, lane.elsewhere, recorder="terminal", event_code="GTIN", event_type="EQUIPMENT")
        # A sensor reading a day while aboard (no place); none on a silent voyage.
        if label != "silence":
            for start, end in ((d0, min(a1, AS_OF)), (d2, min(a2, AS_OF))):
                moment = start + DAY
                while moment < end:
                    add(moment, "", recorder="carrier", event_type="IOT", source="dcsa-3.0")
                    moment += DAY
        labels = {label} if label else set()
        return SynConsignment(str(ident), reference, lane, planned, events, labels, container)
