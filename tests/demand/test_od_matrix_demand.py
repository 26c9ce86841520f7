"""The od_matrix model: zone-to-zone counts honoured, zones and matrix from files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from demand_helpers import HEAD, resolve_text

from klshuttle import load_scenario
from klshuttle.errors import DemandError
from klshuttle.resolve import resolve
from scenario_files import scenario_dir, write

pytestmark = pytest.mark.kaiserslautern

ZONES = {
    "Hbf": [[7.7655, 49.4350], [7.7705, 49.4350], [7.7705, 49.4375], [7.7655, 49.4375]],
    "Centre": [[7.7640, 49.4420], [7.7700, 49.4420], [7.7700, 49.4450], [7.7640, 49.4450]],
    "South": [[7.7620, 49.4300], [7.7680, 49.4300], [7.7680, 49.4330], [7.7620, 49.4330]],
}
MATRIX = [[0, 40, 7], [25, 0, 3], [11, 0, 5]]


def _zones_inline() -> str:
    parts = []
    for name, poly in ZONES.items():
        parts.append(f'[[demand.models.zones]]\nname = "{name}"\npolygon = {poly}\n')
    return "".join(parts)


@pytest.mark.parametrize("placement", ["uniform", "buildings"])
def test_od_matrix_counts_are_honoured(kl_env: Path, tmp_path: Path, placement: str) -> None:
    text = (
        HEAD
        + f'[[demand.models]]\ntype = "od_matrix"\nname = "od"\nplacement = "{placement}"\nmatrix = {MATRIX}\n'
        + _zones_inline()
    )
    req = resolve_text(tmp_path, text).requests
    names = list(ZONES)
    assert len(req) == sum(map(sum, MATRIX))
    import shapely

    for i, o in enumerate(names):
        for j, d in enumerate(names):
            sel = req.tag == f"od:{o}>{d}"
            assert sel.sum() == MATRIX[i][j], (o, d)
            if sel.any():
                assert shapely.contains_xy(
                    shapely.Polygon(ZONES[o]), req.origin_lon[sel], req.origin_lat[sel]
                ).all()
                assert shapely.contains_xy(
                    shapely.Polygon(ZONES[d]), req.dest_lon[sel], req.dest_lat[sel]
                ).all()


def test_od_matrix_from_files(kl_env: Path, tmp_path: Path) -> None:
    folder = scenario_dir(tmp_path)
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"zone": n},
                "geometry": {"type": "Polygon", "coordinates": [[*p, p[0]]]},
            }
            for n, p in ZONES.items()
        ],
    }
    (folder / "zones.geojson").write_text(json.dumps(fc))
    rows = ["origin,destination,trips"] + [
        f"{o},{d},{MATRIX[i][j]}"
        for i, o in enumerate(ZONES)
        for j, d in enumerate(ZONES)
        if MATRIX[i][j]
    ]
    (folder / "od.csv").write_text("\n".join(rows) + "\n")
    text = (
        HEAD
        + '[[demand.models]]\ntype = "od_matrix"\nzones_file = "zones.geojson"\nzone_property = "zone"\nmatrix_file = "od.csv"\nplacement = "uniform"\n'
    )
    req = resolve(load_scenario(write(folder, "od.toml", text))).requests
    assert len(req) == 91 and (req.tag == "od_matrix:Hbf>Centre").sum() == 40
    (folder / "od.csv").write_text("origin,destination,trips\nHbf,Nowhere,3\n")
    with pytest.raises(
        DemandError, match=r"od\.csv: line 2, column destination: unknown zone 'Nowhere'"
    ):
        resolve(load_scenario(folder / "od.toml"))
