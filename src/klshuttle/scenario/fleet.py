"""``[fleet]`` and ``[fleet.vehicle]``: how many vehicles, of which type, from where."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import Field, Strict, model_validator

from .base import (
    KEXI_HOURS,
    Location,
    NonNegInt,
    SpecModel,
    TimeWindow,
    custom_error,
)
from .vehicles import VEHICLE_MODELS

__all__ = ["MAX_CAPACITY", "MAX_VEHICLES", "EnergySpec", "FleetSpec", "VehicleSpec"]

#: Upper bounds of ``[fleet.vehicle] capacity`` and ``[fleet] vehicles``.
MAX_CAPACITY = 300
MAX_VEHICLES = 100_000


class EnergySpec(SpecModel):
    """Optional battery figures of the vehicle."""

    hours_per_charge: Annotated[float, Strict(), Field(gt=0, le=1000)]
    recharge_time_s: Annotated[float, Strict(), Field(gt=0, le=7 * 86400)] | None = None


class VehicleSpec(SpecModel):
    """``[fleet.vehicle]``: one vehicle type for the whole fleet.

    ``model`` fills capacity, speed and energy from :data:`VEHICLE_MODELS`;
    keys given explicitly override the preset.
    """

    model: Literal["ez10", "navya_arma", "holon_mover", "id_buzz_ad", "custom"] = "ez10"
    # assumption: at most 300 passengers, more than the largest road vehicles
    # carry (double-articulated buses, about 250); the simulation keeps a plan
    # of 4 x capacity stops per vehicle, so the bound also keeps memory in reach.
    capacity: Annotated[int, Strict(), Field(ge=1, le=MAX_CAPACITY)]
    # At least 1 km/h: slower caps only turn every trip into a day-long one.
    max_speed_kmh: Annotated[float, Strict(), Field(ge=1, le=130)]
    # Bus dwell time (Levinson): 5.0 s per stop + 2.75 s per boarding or
    # alighting passenger (shared/DOMAIN.md, On-demand service parameters).
    # assumption: bounded by 10 minutes a stop and 2 minutes a passenger.
    boarding_time_s: Annotated[float, Strict(), Field(ge=0, le=120)] = 2.75
    dwell_time_s: Annotated[float, Strict(), Field(ge=0, le=600)] = 5.0
    operating_hours: TimeWindow = Field(default_factory=lambda: TimeWindow(**KEXI_HOURS))
    energy: EnergySpec | None = None

    @model_validator(mode="before")
    @classmethod
    def _preset(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        model = data.get("model", "ez10")
        preset = VEHICLE_MODELS.get(model) if isinstance(model, str) else None
        if preset is None:
            return data
        out = dict(data)
        out.setdefault("capacity", preset["capacity"])
        out.setdefault("max_speed_kmh", preset["max_speed_kmh"])
        if "hours_per_charge" in preset and "energy" not in out:
            out["energy"] = {"hours_per_charge": preset["hours_per_charge"]}
        return out

    @model_validator(mode="after")
    def _within_top_speed(self) -> VehicleSpec:
        top = VEHICLE_MODELS.get(self.model, {}).get("top_speed_kmh")
        if top is not None and self.max_speed_kmh > top:
            label = VEHICLE_MODELS[self.model]["label"]
            raise custom_error(
                "top_speed",
                f"max_speed_kmh: must be <= {top:g} (top speed of the {label}), "
                f"got {self.max_speed_kmh:g}",
            )
        return self

    @property
    def label(self) -> str:
        """Human name of the vehicle model."""
        return str(VEHICLE_MODELS.get(self.model, {}).get("label", "custom vehicle"))


class FleetSpec(SpecModel):
    """``[fleet]``: how many vehicles, of which type, starting from which depots."""

    # assumption: at most 100,000 vehicles, a hundred times MOIA Hamburg's
    # launch fleet of 100 (shared/DOMAIN.md); the simulation state grows with
    # vehicles x road nodes, which the run also checks against the memory.
    vehicles: Annotated[int, Strict(), Field(ge=1, le=MAX_VEHICLES)]
    # model_validate({}) is VehicleSpec(): the preset validator fills capacity and speed
    vehicle: VehicleSpec = Field(default_factory=lambda: VehicleSpec.model_validate({}))
    depots: Annotated[list[Location], Field(min_length=1)]
    vehicles_per_depot: list[NonNegInt] | None = Field(
        default=None, description="vehicles at each depot; default: spread evenly"
    )

    @model_validator(mode="after")
    def _split(self) -> FleetSpec:
        if self.vehicles_per_depot is not None:
            if len(self.vehicles_per_depot) != len(self.depots):
                raise ValueError(
                    f"vehicles_per_depot has {len(self.vehicles_per_depot)} entries for "
                    f"{len(self.depots)} depots"
                )
            if sum(self.vehicles_per_depot) != self.vehicles:
                raise ValueError(
                    f"vehicles_per_depot adds up to {sum(self.vehicles_per_depot)}, "
                    f"but vehicles is {self.vehicles}"
                )
        return self

    def depot_of_vehicle(self) -> list[int]:
        """Index of the start depot of each vehicle (round robin unless split explicitly)."""
        if self.vehicles_per_depot is not None:
            return [d for d, n in enumerate(self.vehicles_per_depot) for _ in range(n)]
        return [v % len(self.depots) for v in range(self.vehicles)]
