"""The whole scenario: :class:`Scenario`, the frozen root of every table."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, PrivateAttr, field_validator, model_validator

from ..mapconfig import BuildSettings
from .accessibility import AccessibilitySpec
from .base import SpecModel, Str, custom_error
from .demand import DemandSpec
from .dispatch import DispatchSpec
from .fleet import FleetSpec
from .landuse import LandUseSpec
from .map import MapSpec
from .outputs import OutputsSpec
from .privacy import PrivacySpec
from .runid import scenario_run_id
from .service import ServiceSpec
from .sweep import SweepSpec

__all__ = ["MAX_NAME_LENGTH", "Scenario", "check_file_name"]

#: Longest scenario name: it becomes part of file and folder names (255 bytes at most).
MAX_NAME_LENGTH = 100


def check_file_name(value: str) -> str:
    """``value`` if it is safe as one file-name component, else ValueError.

    The scenario name goes into output paths (``{name}`` of ``[outputs].folder``,
    ``<name>-requests.csv``), so it may not leave the folder it is put in.
    """
    if "/" in value or "\\" in value:
        raise ValueError(
            f"must be a file name, without '/' or a backslash (it names output files), got {value!r}"
        )
    if value.startswith("."):
        raise ValueError(f"must not start with '.' (it names output files), got {value!r}")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError(f"must not contain control characters, got {value!r}")
    if len(value.encode("utf-8")) > MAX_NAME_LENGTH:
        raise ValueError(
            f"must be at most {MAX_NAME_LENGTH} bytes long, got {len(value)} characters"
        )
    return value


class Scenario(SpecModel):
    """A validated scenario: frozen, every default filled in.

    Use :func:`load_scenario` to read one from TOML. ``source_path`` is the
    file it came from (None when built in code); :meth:`run_id` identifies
    the run by content and seed.
    """

    name: Annotated[Str, Field(min_length=1)]
    description: Str = ""
    map: MapSpec = Field(default_factory=MapSpec)
    fleet: FleetSpec
    service: ServiceSpec
    demand: DemandSpec
    dispatch: DispatchSpec = Field(default_factory=DispatchSpec)
    landuse: LandUseSpec = Field(default_factory=LandUseSpec)
    accessibility: AccessibilitySpec = Field(default_factory=AccessibilitySpec)
    outputs: OutputsSpec = Field(default_factory=OutputsSpec)
    privacy: PrivacySpec = Field(default_factory=PrivacySpec)
    sweep: SweepSpec | None = None

    _source_path: Path | None = PrivateAttr(default=None)
    _chain: tuple[Path, ...] = PrivateAttr(default=())

    @field_validator("name")
    @classmethod
    def _file_name(cls, value: str) -> str:
        return check_file_name(value)

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        line_vehicles = sum(ln.vehicles or 0 for ln in self.service.lines)
        if line_vehicles > self.fleet.vehicles or (
            self.service.mode == "hybrid" and line_vehicles >= self.fleet.vehicles
        ):
            need = "more than" if self.service.mode == "hybrid" else "at least"
            raise custom_error(
                "line_vehicles",
                f"fleet.vehicles: must be {need} the {line_vehicles} vehicles the lines use, "
                f"got {self.fleet.vehicles}",
            )
        return self

    # ---------------------------------------------------------- convenience
    @property
    def source_path(self) -> Path | None:
        """The scenario file this was loaded from (None if built in code)."""
        return self._source_path

    @property
    def extends_chain(self) -> tuple[Path, ...]:
        """Files merged into this scenario, the base first, this file last."""
        return self._chain

    @property
    def seed(self) -> int:
        """The scenario's random seed (``demand.seed``)."""
        return self.demand.seed

    @property
    def build_settings(self) -> BuildSettings:
        """Road-graph settings; the fleet's max speed caps the edge speeds."""
        return BuildSettings(
            road_classes=self.map.road_classes,
            speeds_kmh=self.map.speeds_kmh,
            largest_component=self.map.largest_component,
            psv_ways=self.map.psv_ways,
            max_speed_kmh=self.fleet.vehicle.max_speed_kmh,
        )

    def with_seed(self, seed: int) -> Scenario:
        """Return a copy with another ``demand.seed`` (validated)."""
        data = self.model_dump(mode="python")
        data["demand"]["seed"] = seed
        new = Scenario.model_validate(data)
        new._source_path, new._chain = self._source_path, self._chain
        return new

    def content(self) -> dict[str, Any]:
        """The resolved scenario as plain data (JSON types), for hashing and writing."""
        return self.model_dump(mode="json", exclude_none=True)

    def run_id(self, seed: int | None = None) -> str:
        """A short stable hash of what the run computes: content and seed.

        ``name``, ``description``, ``outputs`` and ``privacy`` do not change
        the simulation and are left out; files the scenario reads (the OSM map, CSV, GTFS, zones) enter
        by their content hash, never by path or modification time.
        """
        return scenario_run_id(self, seed)

    def output_folder(self, seed: int | None = None) -> Path:
        """The output folder with ``{name}``, ``{run_id}``, ``{seed}`` filled in."""
        s = self.seed if seed is None else int(seed)
        return Path(self.outputs.folder.format(name=self.name, run_id=self.run_id(s), seed=s))

    def resolved_toml(self) -> str:
        """The resolved scenario (every default, no ``extends``) as TOML text."""
        import tomli_w

        header = f"# resolved scenario {self.name!r}, run id {self.run_id()}\n" + (
            f"# from {self.source_path}\n" if self.source_path else ""
        )
        return header + tomli_w.dumps(_toml_ready(self.content()))


def _toml_ready(value: Any) -> Any:
    """Make data writable as TOML: tuples to lists, tables after plain keys."""
    if isinstance(value, Mapping):
        plain = {k: _toml_ready(v) for k, v in value.items() if not isinstance(v, Mapping)}
        tables = {k: _toml_ready(v) for k, v in value.items() if isinstance(v, Mapping)}
        return {**plain, **tables}
    if isinstance(value, list | tuple):
        return [_toml_ready(v) for v in value]
    return value
