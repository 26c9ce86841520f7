"""Every text of the report and the terminal summary, in English and German.

One mapping, message id -> (English, German). Texts take ``str.format``
fields. :func:`tr` looks a message up; an unknown id is a programming error
(KeyError), so a test can check that both languages are complete.
"""

from __future__ import annotations

from typing import Any

__all__ = ["LANGS", "MESSAGES", "tr"]

#: The languages of the report, the first the default.
LANGS = ("en", "de")

#: message id -> (English, German)
MESSAGES: dict[str, tuple[str, str]] = {
    # page
    "title": ("klshuttle: {name}", "klshuttle: {name}"),
    "footer": (
        "Run id {run_id}, seed {seed}. Map data © OpenStreetMap contributors (ODbL).",
        "Lauf-ID {run_id}, Seed {seed}. Kartendaten © OpenStreetMap-Mitwirkende (ODbL).",
    ),
    # planning section (klshuttle plan)
    "s.plan": ("How this service was planned", "Wie dieses Angebot geplant wurde"),
    "pl.intro": (
        "The scenario of this run was written by klshuttle plan; what the planner chose and why.",
        "Das Szenario dieses Laufs hat klshuttle plan geschrieben; was der Planer gewählt hat und warum.",
    ),
    "pl.exact": ("optimal", "optimal"),
    "pl.two_opt": ("2-opt, a local optimum", "2-opt, ein lokales Optimum"),
    "pl.gap": ("gap to the bound {gap}", "Abstand zur Schranke {gap}"),
    "pl.order": ("Stop order", "Reihenfolge der Haltestellen"),
    "pl.cycle": ("Driving time out and back", "Fahrzeit hin und zurück"),
    "pl.cycle_v": ("{cycle} ({how}; as given {before})", "{cycle} ({how}; vorgegeben {before})"),
    "pl.through": ("Riders stay aboard at the far terminal", "Durchfahrt an der Endhaltestelle"),
    "pl.yes": ("yes", "ja"),
    "pl.rule": ("Headway rule", "Taktregel"),
    "pl.rule_v": (
        "peak-hour riders on the busiest segment, {cap} seats at {lf} load; at most {policy}",
        "Fahrgäste der Spitzenstunde im stärksten Abschnitt, {cap} Plätze zu {lf} besetzt; höchstens {policy}",
    ),
    "pl.trains": ("Trains", "Züge"),
    "pl.trains_v": (
        "{n} at {hub}: timetable shifted by {offset}, {missed} missed, mean wait {wait}",
        "{n} in {hub}: Fahrplan um {offset} verschoben, {missed} verpasst, mittlere Wartezeit {wait}",
    ),
    "pl.vehicles": ("Vehicles", "Fahrzeuge"),
    "pl.vehicles_v": (
        "{n} (round trip {cycle} with dwell and layover; {deps} departures)",
        "{n} (Umlauf {cycle} mit Halte- und Wendezeit; {deps} Abfahrten)",
    ),
    "pl.period": ("period", "Zeitraum"),
    "pl.peak": ("peak", "Spitze"),
    "pl.offpeak": ("off-peak", "Nebenzeit"),
    "pl.headway": ("every", "Takt"),
    "pl.load": ("riders/h, busiest segment", "Fahrgäste/h, stärkster Abschnitt"),
    "pl.relations": ("OSM route relations", "OSM-Routenrelationen"),
    "pl.forward": ("Out", "Hinweg"),
    "pl.backward": ("Back", "Rückweg"),
    "pl.direction_v": (
        "{stops} stops {first} - {last}, {run}, {off} m off the relation",
        "{stops} Haltestellen {first} - {last}, {run}, {off} m abseits der Relation",
    ),
    "pl.stops": ("Stops", "Haltestellen"),
    "pl.stops_v": (
        "{n} chosen from {osm} OSM stops and {street} street points ({how})",
        "{n} gewählt aus {osm} OSM-Haltestellen und {street} Straßenpunkten ({how})",
    ),
    "pl.coverage": ("Residents covered", "Abgedeckte Wohnfläche"),
    "pl.coverage_v": (
        "{share} of residential floor area within {walk} m on foot",
        "{share} der Wohnfläche innerhalb von {walk} m Fußweg",
    ),
    "pl.hubs": ("Hubs kept", "Feste Knotenpunkte"),
    "pl.fleet": ("Fleet", "Flotte"),
    "pl.fleet_v": (
        "{n} vehicles, the fewest that meet served ≥ {served}, p95 wait ≤ {wait}, p95 ride/direct ≤ {ratio} on all {seeds} simulated days",
        "{n} Fahrzeuge, die wenigsten, die an allen {seeds} simulierten Tagen bedient ≥ {served}, p95-Wartezeit ≤ {wait}, p95 Fahrt/direkt ≤ {ratio} erreichen",
    ),
    # headline
    "h.headline": ("At a glance", "Auf einen Blick"),
    "h.sentence": (
        "The shuttle served {share} of {requests} requests; a typical trip took {d2d} "
        "door to door, against {walk} on foot and {car} by car.",
        "Der Shuttle hat {share} von {requests} Fahrtwünschen bedient; eine typische Fahrt "
        "dauerte von Tür zu Tür {d2d}, zu Fuß {walk}, mit dem Auto {car}.",
    ),
    "h.served": ("served", "bedient"),
    "h.served_of": ("of {requests} requests", "von {requests} Fahrtwünschen"),
    "h.d2d": ("door to door (median)", "von Tür zu Tür (Median)"),
    "h.d2d_vs": ("on foot {walk} · by car {car}", "zu Fuß {walk} · Auto {car}"),
    "h.connections": ("train connections made", "Zuganschlüsse erreicht"),
    "h.connections_of": ("{missed} missed", "{missed} verpasst"),
    "h.prebooked": ("of the rides booked ahead", "der Fahrten vorgebucht"),
    "h.prebooked_of": (
        "served {pre} / {imm} (immediate); median wait {pre_wait} / {imm_wait}",
        "bedient {pre} / {imm} (sofort); Wartezeit Median {pre_wait} / {imm_wait}",
    ),
    "h.residents": (
        "more residents reach {place} within {minutes} min",
        "mehr Einwohner erreichen {place} in {minutes} min",
    ),
    "h.residents_from": ("{before} → {after}", "{before} → {after}"),
    "h.net_vkm": ("net vehicle-km a day", "Netto-Fahrzeug-km am Tag"),
    "h.spaces": ("parking spaces freed", "Parkplätze frei"),
    "h.range": ("low\u2013high {lo} to {hi}", "niedrig\u2013hoch {lo} bis {hi}"),
    "h.net_vkm_note": ("shuttle minus car km avoided", "Shuttle minus vermiedene Auto-km"),
    "h.method": (
        "Door to door: walk to the stop, wait, ride, walk on, median of the served trips. "
        "On foot: the straight line from origin to destination x {detour} at {speed} km/h. "
        "By car: the direct road time from pickup to drop-off point on the shuttle's road "
        "graph (speed limits, capped at {cap} km/h), without parking search or walk.",
        "Tür zu Tür: Weg zur Haltestelle, Warten, Fahrt, Weg zum Ziel, Median der bedienten "
        "Fahrten. Zu Fuß: Luftlinie von Start zu Ziel x {detour} bei {speed} km/h. Auto: "
        "direkte Fahrzeit vom Einstiegs- zum Ausstiegspunkt auf dem Straßennetz des Shuttles "
        "(Tempolimits, höchstens {cap} km/h), ohne Parkplatzsuche und Fußweg.",
    ),
    # rules
    "s.rules": ("Service rules and key parameters", "Bedienregeln und wichtige Parameter"),
    "r.mode": ("service", "Betriebsform"),
    "mode.on_demand": ("on demand", "auf Abruf (On-Demand)"),
    "mode.line": ("fixed line", "Linie mit Fahrplan"),
    "mode.hybrid": ("hybrid: lines and on demand", "hybrid: Linie und On-Demand"),
    "r.fleet": ("fleet", "Flotte"),
    "r.fleet_v": (
        "{n} x {label}, {cap} seats, up to {speed} km/h",
        "{n} x {label}, {cap} Plätze, bis {speed} km/h",
    ),
    "r.hours": ("operating hours", "Betriebszeit"),
    "r.area": ("service area", "Bediengebiet"),
    "r.stops": ("stops", "Haltestellen"),
    "r.stops_v": ("{n} ({kind})", "{n} ({kind})"),
    "stops.osm": ("OSM bus stops", "OSM-Bushaltestellen"),
    "stops.named": ("named stops", "benannte Haltestellen"),
    "stops.coordinates": ("given points", "vorgegebene Punkte"),
    "stops.virtual": ("virtual stops, {spacing} m apart", "virtuelle Haltepunkte, {spacing} m"),
    "r.od": ("on-demand", "On-Demand"),
    "r.od_v": (
        "{kind}, {pool}; max wait {wait}; max ride {factor} x direct time + {offset}; "
        "walk up to {walk} m",
        "{kind}, {pool}; Wartezeit höchstens {wait}; Fahrzeit höchstens {factor} x direkte "
        "Fahrzeit + {offset}; Fußweg bis {walk} m",
    ),
    "od.stop_based": ("stop-based", "haltestellenbasiert"),
    "od.door": ("door to door", "Tür zu Tür"),
    "od.pooled": ("pooled", "gebündelt"),
    "od.not_pooled": ("not pooled", "nicht gebündelt"),
    "r.line": ("line {name}", "Linie {name}"),
    "r.line_v": (
        "every {headway}, {first}\u2013{last}; {stops} stops, run time {run}; {veh} vehicles",
        "alle {headway}, {first}\u2013{last}; {stops} Halte, Fahrzeit {run}; {veh} Fahrzeuge",
    ),
    "r.dispatch": ("dispatcher", "Disposition"),
    "r.demand": ("demand", "Nachfrage"),
    "r.demand_v": (
        "{n} requests, {start}\u2013{end}, seed {seed}",
        "{n} Fahrtwünsche, {start}\u2013{end}, Seed {seed}",
    ),
    # service KPIs
    "s.service": ("Service", "Angebot"),
    "k.col_all": ("all", "gesamt"),
    "k.requests": ("requests", "Fahrtwünsche"),
    "k.served": ("served", "bedient"),
    "k.served_share": ("served share", "Anteil bedient"),
    "k.passengers": ("passengers served", "beförderte Fahrgäste"),
    "k.wait_mean": ("wait at the stop, mean", "Wartezeit, Mittel"),
    "k.wait_p95": ("wait at the stop, 95th percentile", "Wartezeit, 95-%-Perzentil"),
    "k.ride_mean": ("ride, mean", "Fahrzeit, Mittel"),
    "k.d2d_median": ("door to door, median", "Tür zu Tür, Median"),
    "k.walk_mean": (
        "walk to and from the stop, mean",
        "Fußweg zur und von der Haltestelle, Mittel",
    ),
    "k.detour": ("ride / direct time, mean", "Fahrzeit / direkte Fahrzeit, Mittel"),
    "k.detour_p95": (
        "ride / direct time, 95th percentile",
        "Fahrzeit / direkte Fahrzeit, 95-%-Perzentil",
    ),
    "k.walk_faster": (
        "riders for whom walking would be faster",
        "Fahrgäste, die zu Fuß schneller wären",
    ),
    "k.vehicles_used": ("vehicles that moved", "bewegte Fahrzeuge"),
    "k.pooling": ("trips shared with others", "geteilte Fahrten"),
    "t.connections": (
        "train connections made (slack mean / 5th pct)",
        "Zuganschlüsse erreicht (Puffer Mittel / 5. Perzentil)",
    ),
    "t.by_booking": (
        "prebooked / immediate: served; median wait",
        "vorgebucht / sofort: bedient; Wartezeit Median",
    ),
    "t.by_booking_value": (
        "{pre} / {imm}; {pre_wait} / {imm_wait}",
        "{pre} / {imm}; {pre_wait} / {imm_wait}",
    ),
    "t.connections_value": (
        "{made} of {total} ({share}); {mean} / {p5}",
        "{made} von {total} ({share}); {mean} / {p5}",
    ),
    "k.vehicles": ("vehicles", "Fahrzeuge"),
    "k.vkm": ("vehicle-km", "Fahrzeug-km"),
    "k.empty": ("empty share of vehicle-km", "Leerfahrtanteil"),
    "k.pkm": ("passenger-km", "Personen-km"),
    "k.pax_per_vh": ("passengers per vehicle-hour", "Fahrgäste je Fahrzeugstunde"),
    "k.occupancy": (
        "mean occupancy (passenger-km / vehicle-km)",
        "mittlere Besetzung (Pkm / Fzkm)",
    ),
    "k.rejected": ("Requests not served", "Nicht bediente Fahrtwünsche"),
    "k.none": ("none", "keine"),
    "k.by_type": ("Line and on-demand apart", "Linie und On-Demand getrennt"),
    "svc.line": ("line", "Linie"),
    "svc.on_demand": ("on demand", "On-Demand"),
    # figures
    "s.day": (
        "Demand, waiting and the fleet over the day",
        "Nachfrage, Wartezeit und Flotte im Tagesverlauf",
    ),
    "f.hour": ("hour of day", "Uhrzeit (h)"),
    "f.requests": ("requests per hour", "Fahrtwünsche je Stunde"),
    "f.served": ("served", "bedient"),
    "f.rejected": ("not served", "nicht bedient"),
    "f.wait": ("wait at the stop (min)", "Wartezeit an der Haltestelle (min)"),
    "f.trips": ("trips", "Fahrten"),
    "f.driving": ("vehicles driving", "fahrende Fahrzeuge"),
    "f.on_board": ("passengers on board", "Fahrgäste an Bord"),
    "f.count": ("vehicles / passengers", "Fahrzeuge / Fahrgäste"),
    # maps
    "s.map": ("Where the shuttles drive", "Wo die Shuttles fahren"),
    "m.note": (
        "Line width: shuttle passages a day per road segment. Circles: stops, area by "
        "boardings and alightings. Labelled: the busiest streets and stops, hubs and depots.",
        "Linienbreite: Shuttle-Durchfahrten am Tag je Straßenabschnitt. Kreise: Haltestellen, "
        "Fläche nach Ein- und Ausstiegen. Beschriftet: die meistbefahrenen Straßen und "
        "Haltestellen, Knotenpunkte und Depots.",
    ),
    "m.passages": ("passages a day", "Durchfahrten am Tag"),
    "m.area": ("service area", "Bediengebiet"),
    "m.stop": ("stop", "Haltestelle"),
    "m.stop_size": ("{n} boardings + alightings", "{n} Ein- und Ausstiege"),
    "m.hub": ("hub", "Knotenpunkt"),
    "m.depot": ("depot", "Depot"),
    "m.no_interactive": (
        "No interactive map: Leaflet would need its tiles and scripts from the network, and "
        "this page opens offline.",
        "Keine interaktive Karte: Leaflet bräuchte Kacheln und Skripte aus dem Netz, diese "
        "Seite öffnet sich offline.",
    ),
    "s.benefit_map": ("Parking freed and time saved", "Frei werdende Parkplätze und gesparte Zeit"),
    "m.saved": ("minutes saved to {place}", "gesparte Minuten bis {place}"),
    "m.freed": ("parking spaces freed (central case)", "frei werdende Parkplätze (mittlerer Fall)"),
    "m.car_park": ("car park with spaces freed", "Parkplatzfläche mit frei werdenden Plätzen"),
    # accessibility
    "s.access": (
        "Accessibility: residents reaching key places",
        "Erreichbarkeit: Einwohner, die wichtige Orte erreichen",
    ),
    "a.note": (
        "Door to door, walking alone and with the shuttle (walk, wait, ride, walk; {level} "
        "over the day); {residents} residents from the map's residential buildings. Per "
        "hour and per grid cell: accessibility.json, accessibility_grid.geojson.",
        "Von Tür zu Tür, nur zu Fuß und mit dem Shuttle (Fußweg, Warten, Fahrt, Fußweg; "
        "{level} über den Tag); {residents} Einwohner aus den Wohngebäuden der Karte. Je "
        "Stunde und Rasterzelle: accessibility.json, accessibility_grid.geojson.",
    ),
    "a.level": (
        "wait {wait}, ride {detour} x direct time",
        "Wartezeit {wait}, Fahrt {detour} x direkte Fahrzeit",
    ),
    "a.no_level": (
        "no shuttle level (too few requests served)",
        "kein Shuttle-Niveau (zu wenige bediente Fahrten)",
    ),
    "a.dest": ("destination", "Ziel"),
    "a.within": ("within {t} min", "in {t} min"),
    "a.walk": ("on foot", "zu Fuß"),
    "a.shuttle": ("with shuttle", "mit Shuttle"),
    # land use
    "s.landuse": (
        "Land use: what the city could gain in parking",
        "Flächen: was die Stadt an Parkraum gewinnen könnte",
    ),
    "l.note": (
        "A chain of stated assumptions, each step with its parameters (sources in "
        "landuse.json). Low and high take the ends of each range that free least and "
        "most. Placed on the map (central case, landuse.geojson): {placed}.",
        "Eine Kette benannter Annahmen, jeder Schritt mit seinen Parametern (Quellen in "
        "landuse.json). Niedrig und hoch nehmen die Enden jeder Spanne, die am wenigsten "
        "und am meisten frei machen. Auf der Karte verortet (mittlerer Fall, "
        "landuse.geojson): {placed}.",
    ),
    "l.placed": ("{kind} {placed} of {freed}", "{kind} {placed} von {freed}"),
    "l.low": ("low", "niedrig"),
    "l.central": ("central", "mittel"),
    "l.high": ("high", "hoch"),
    "l.params": ("parameters", "Parameter"),
    "l.riders": ("riders served", "bediente Fahrgäste"),
    "l.by_train": ("continuing by train: {n}", "weiter mit dem Zug: {n}"),
    "l.shuttle_vkm": ("shuttle vehicle-km a day", "Shuttle-Fahrzeug-km am Tag"),
    "l.car_vkm": ("car vehicle-km avoided a day", "vermiedene Pkw-km am Tag"),
    "l.net_vkm": ("net vehicle-km a day", "Netto-Fahrzeug-km am Tag"),
    "l.net_note": ("shuttle - car", "Shuttle - Pkw"),
    "l.warning": ("warning: {text}", "Warnung: {text}"),
    # privacy (the notes of outputs/privacy.py; English prints Suppression.sentence())
    "s.privacy": ("Privacy", "Datenschutz"),
    "p.intro": (
        "This report and the files in public/ count trips only where at least {k} trips "
        "fall (per road segment, stop, street, hour or bin); smaller counts are merged into "
        "the nearest stop or left out, as listed below. Passengers on board are shown on a "
        "{step}-minute grid. Day totals and means (the service figures) are exact. Per-trip "
        "tables and the requests stay in private/.",
        "Dieser Bericht und die Dateien in public/ zählen Fahrten nur dort, wo mindestens {k} "
        "Fahrten zusammenkommen (je Straßenabschnitt, Haltestelle, Straße, Stunde oder "
        "Klasse); kleinere Zahlen werden der nächsten Haltestelle zugeschlagen oder "
        "weggelassen, wie unten aufgeführt. Fahrgäste an Bord stehen auf einem "
        "{step}-Minuten-Raster. Tagessummen und Mittelwerte (die Angebotskennzahlen) sind "
        "genau. Tabellen je Fahrt und die Fahrtwünsche bleiben in private/.",
    ),
    "p.nothing": (
        "Nothing needed to be left out or merged.",
        "Nichts musste weggelassen oder zusammengelegt werden.",
    ),
    "p.more": ("and {n} more", "und {n} weitere"),
    "p.link_loads": (
        "link_loads: {affected} of {total} road segments left out ({km} km; fewer than {k} "
        "vehicles or 1 to {k1} riders)",
        "Streckenbelastung: {affected} von {total} Straßenabschnitten weggelassen ({km} km; "
        "weniger als {k} Fahrzeuge oder 1 bis {k1} Fahrgäste)",
    ),
    "p.stops_boardings": (
        "stops: boardings: {affected} of {total} stops where 1 to {k1} trips board merged "
        "into the nearest stop with riders",
        "Haltestellen, Einstiege: {affected} von {total} Haltestellen, an denen 1 bis {k1} "
        "Fahrten beginnen, der nächsten Haltestelle mit Fahrgästen zugeschlagen",
    ),
    "p.stops_boardings_suppressed": (
        "stops: boardings: {affected} of {total} stops where 1 to {k1} trips board merged "
        "into the nearest stop with riders or suppressed",
        "Haltestellen, Einstiege: {affected} von {total} Haltestellen, an denen 1 bis {k1} "
        "Fahrten beginnen, der nächsten Haltestelle mit Fahrgästen zugeschlagen oder "
        "unterdrückt",
    ),
    "p.stops_alightings": (
        "stops: alightings: {affected} of {total} stops where 1 to {k1} trips alight merged "
        "into the nearest stop with riders",
        "Haltestellen, Ausstiege: {affected} von {total} Haltestellen, an denen 1 bis {k1} "
        "Fahrten enden, der nächsten Haltestelle mit Fahrgästen zugeschlagen",
    ),
    "p.stops_alightings_suppressed": (
        "stops: alightings: {affected} of {total} stops where 1 to {k1} trips alight merged "
        "into the nearest stop with riders or suppressed",
        "Haltestellen, Ausstiege: {affected} von {total} Haltestellen, an denen 1 bis {k1} "
        "Fahrten enden, der nächsten Haltestelle mit Fahrgästen zugeschlagen oder "
        "unterdrückt",
    ),
    "p.streets": (
        "landuse_streets: {affected} of {total} streets with 1 to {k1} {what} nearby have "
        "that count blanked",
        "Flächen je Straße: bei {affected} von {total} Straßen mit 1 bis {k1} {what} in der "
        "Nähe ist diese Zahl ausgeblendet",
    ),
    "p.nearby.homes": ("homes", "Wohnorten"),
    "p.nearby.destinations": ("destinations", "Zielen"),
    "p.nearby.trip_ends": ("trip ends", "Fahrtenden"),
    "p.hours": (
        "report: requests per hour: {affected} of {total} hours with 1 to {k1} served or "
        "rejected requests not shown",
        "Bericht, Fahrtwünsche je Stunde: {affected} von {total} Stunden mit 1 bis {k1} "
        "bedienten oder nicht bedienten Fahrtwünschen nicht gezeigt",
    ),
    "p.waits": (
        "report: waits: {affected} of {total} one-minute bins with 1 to {k1} trips not drawn",
        "Bericht, Wartezeiten: {affected} von {total} Ein-Minuten-Klassen mit 1 bis {k1} "
        "Fahrten nicht gezeichnet",
    ),
    "p.on_board": (
        "report: passengers on board: {affected} of {total} times of the {step}-minute grid "
        "with 1 to {k1} passengers on board not drawn",
        "Bericht, Fahrgäste an Bord: {affected} von {total} Zeitpunkten des "
        "{step}-Minuten-Rasters mit 1 bis {k1} Fahrgästen an Bord nicht gezeichnet",
    ),
    # terminal summary
    "c.table": ("Runs side by side", "Läufe nebeneinander"),
    "c.figure": ("figure", "Kennzahl"),
    "c.difference": ("difference", "Unterschied"),
    "c.within_noise": ("within noise", "im Rauschen"),
    "c.intro": (
        "Means over replications with the 95 % confidence interval (Student t) in "
        "brackets. Differences are against the first column; bold: Welch's t-test "
        "p < {alpha} (larger than the noise of the replications).",
        "Mittelwerte über die Wiederholungen, in Klammern das 95-%-Konfidenzintervall "
        "(Student-t). Unterschiede gegenüber der ersten Spalte; fett: Welch-t-Test "
        "p < {alpha} (größer als das Rauschen der Wiederholungen).",
    ),
    "t.run": ("Run {name} (seed {seed})", "Lauf {name} (Seed {seed})"),
    "t.wait": ("wait mean / 95th pct", "Wartezeit Mittel / 95. Perzentil"),
    "t.vkm_empty": ("vehicle-km (empty share)", "Fahrzeug-km (Leeranteil)"),
    "t.vkm_per_pkm": ("vehicle-km per passenger-km", "Fahrzeug-km je Personen-km"),
    "t.rejected": ("  not served: {reason}", "  nicht bedient: {reason}"),
    "t.residents": (
        "residents within {minutes} min of the {name}: {before} -> {after}",
        "Einwohner in {minutes} min bei {name}: {before} -> {after}",
    ),
    "t.landuse": (
        "land use, central (low to high case): cars given up {cars}, parking spaces "
        "{spaces}, m² {area}; net vehicle-km a day {net}",
        "Flächen, mittlerer Fall (niedrig bis hoch): abgeschaffte Pkw {cars}, Parkplätze "
        "{spaces}, m² {area}; Netto-Fahrzeug-km am Tag {net}",
    ),
    "t.range": ("{c} ({lo} to {hi})", "{c} ({lo} bis {hi})"),
}

#: Reasons a request was not served (events.REASON_NAMES) in German.
REASONS_DE: dict[str, str] = {
    "outside_operating_hours": "außerhalb der Betriebszeit",
    "max_wait": "Wartezeit zu lang",
    "capacity": "Fahrzeug voll",
    "max_ride": "Fahrzeit zu lang",
    "other_rider_wait": "andere Fahrgäste würden zu lange warten",
    "other_rider_ride": "andere Fahrgäste würden zu lange fahren",
    "walking_is_faster": "zu Fuß schneller",
    "deadline": "Zug nicht rechtzeitig erreichbar",
    "no_vehicle_available": "kein Fahrzeug frei",
    "no_stop_in_reach": "keine Haltestelle in Reichweite",
    "same_stop": "Start und Ziel an derselben Haltestelle",
    "no_departure": "keine Abfahrt",
    "no_line_connection": "keine Linienverbindung",
}


def tr(key: str, lang: str, **fields: Any) -> str:
    """The text ``key`` in ``lang`` (``"en"`` or ``"de"``) with ``fields`` filled in."""
    text = MESSAGES[key][LANGS.index(lang)]
    return text.format(**fields) if fields else text


def reason(name: str, lang: str) -> str:
    """A reject reason for people: English with spaces, German from :data:`REASONS_DE`."""
    if lang == "de" and name in REASONS_DE:
        return REASONS_DE[name]
    return name.replace("_", " ")
