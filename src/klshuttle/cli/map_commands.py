"""``klshuttle map build``: the road graph from an OSM file or a place."""

from __future__ import annotations

from typing import Any

import click
from rich.table import Table

from ._app import _Group, cli, console


@cli.group(cls=_Group)
def map() -> None:
    """Build and inspect the road graph a shuttle may drive."""


@map.command("build")
@click.option(
    "--osm",
    "osm_path",
    type=click.Path(dir_okay=False, path_type=str),
    help=(
        "OSM extract (.osm, .osm.gz, .osm.bz2, .pbf). "
        "Default: $KLSHUTTLE_OSM, maps/, the bundled map."
    ),
)
@click.option(
    "--place", help='Fetch a place through osmnx (internet), e.g. "Kaiserslautern, Germany".'
)
@click.option(
    "--road-classes",
    help="Comma-separated OSM highway values the shuttle may use (default: public streets).",
)
@click.option(
    "--max-speed-kmh",
    type=float,
    default=None,
    help="Vehicle speed cap in km/h (default 20, automated shuttles in German pilots).",
)
@click.option("--no-cache", is_flag=True, help="Rebuild even if a cached graph exists.")
def map_build(
    osm_path: str | None,
    place: str | None,
    road_classes: str | None,
    max_speed_kmh: float | None,
    no_cache: bool,
) -> None:
    """Build (or load from cache) the road graph and print a summary."""
    from ..maps import load_map

    if osm_path and place:
        raise click.UsageError("give either --osm or --place, not both")
    source = osm_path if osm_path else (f"place:{place}" if place else None)
    settings: dict[str, Any] = {}
    if road_classes is not None:
        settings["road_classes"] = road_classes
    if max_speed_kmh is not None:
        settings["max_speed_kmh"] = max_speed_kmh
    graph = load_map(source, use_cache=not no_cache, **settings)
    print_graph_summary(graph)


def print_graph_summary(graph: Any) -> None:
    """Print nodes, edges, km by class, bounding box and build or load time."""
    meta = graph.meta
    west, south, east, north = graph.bbox
    table = Table(title="Road graph", show_header=False, title_justify="left")
    table.add_column("what")
    table.add_column("value", justify="right")
    table.add_row("source", str(meta.get("source", "?")))
    table.add_row("nodes", f"{graph.n_nodes:,}")
    table.add_row("edges (directed)", f"{graph.n_edges:,}")
    for road_class, km in graph.km_by_road_class().items():
        table.add_row(f"  km {road_class}", f"{km:,.1f}")
    table.add_row("km in all", f"{graph.length_m.sum() / 1000:,.1f}")
    table.add_row("bbox (S, W, N, E)", f"{south:.5f}, {west:.5f}, {north:.5f}, {east:.5f}")
    dropped = meta.get("dropped", {})
    if dropped:
        ways = dropped.get("ways_by_reason", {})
        ranked = sorted(ways.items(), key=lambda rn: -rn[1])
        top = ", ".join(f"{r} {n}" for r, n in ranked[:6])
        table.add_row("ways dropped", f"{sum(ways.values()):,} ({top})")
        table.add_row(
            "outside largest component",
            f"{dropped.get('nodes_outside_largest_component', 0):,} nodes, "
            f"{dropped.get('km_outside_largest_component', 0.0):.1f} km "
            f"({dropped.get('components', 1)} components)",
        )
    if meta.get("cache_hit"):
        table.add_row("loaded from cache", f"{meta.get('load_time_s', 0.0):.3f} s")
    else:
        table.add_row("build time", f"{meta.get('build_time_s', 0.0):.1f} s")
    if meta.get("cache_file"):
        table.add_row("cache file", str(meta["cache_file"]))
    console.print(table)


# ------------------------------------------------------------------ scenarios
