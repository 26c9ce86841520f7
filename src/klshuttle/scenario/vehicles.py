"""Vehicle presets: the automated shuttles a ``[fleet.vehicle] model`` can name."""

from __future__ import annotations

from typing import Any

__all__ = ["VEHICLE_MODELS"]

#: Vehicle presets from shared/DOMAIN.md ("Automated shuttles" table).
#: ``max_speed_kmh`` is the operating speed of German pilots where known;
#: ``top_speed_kmh`` the manufacturer's top speed.
VEHICLE_MODELS: dict[str, dict[str, Any]] = {
    # EasyMile EZ10: 12 passengers (6 seated), top 40 km/h, 15-20 km/h in
    # German pilots, up to 16 h a charge (DOMAIN.md).
    "ez10": {
        "label": "EasyMile EZ10",
        "capacity": 12,
        "max_speed_kmh": 20.0,
        "top_speed_kmh": 40.0,
        "hours_per_charge": 16.0,
    },
    # Navya Arma: 15 passengers (11 seated), top 45 km/h, about 20 km/h in
    # pilots, about 9 h a charge (DOMAIN.md).
    "navya_arma": {
        "label": "Navya Arma",
        "capacity": 15,
        "max_speed_kmh": 20.0,
        "top_speed_kmh": 45.0,
        "hours_per_charge": 9.0,
    },
    # HOLON mover: 15 passengers, top 60 km/h (DOMAIN.md); no pilot speed
    # known, so the EZ10/Arma pilot speed of 20 km/h is assumed.
    "holon_mover": {
        "label": "HOLON mover",
        "capacity": 15,
        "max_speed_kmh": 20.0,
        "top_speed_kmh": 60.0,
    },
    # VW ID. Buzz AD: 4 passengers (DOMAIN.md); speed not listed there, the
    # 50 km/h urban limit (StVO §3) is assumed as its cap.
    "id_buzz_ad": {"label": "VW ID. Buzz AD", "capacity": 4, "max_speed_kmh": 50.0},
}
