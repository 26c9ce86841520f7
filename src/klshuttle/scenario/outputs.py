"""``[outputs]``: where results go and which files are written."""

from __future__ import annotations

import string
from typing import Annotated, Literal

from pydantic import Field, field_validator

from .base import SpecModel, Str

__all__ = ["OUTPUT_KINDS", "OutputsSpec"]

#: Output kinds the simulator and report layer may write.
OUTPUT_KINDS = (
    "scenario",
    "requests",
    "events",
    "trips",
    "vehicles",
    "kpis",
    "stops",
    "geojson",
    "html",
    "landuse",
    "accessibility",
    "gpkg",
)


class OutputsSpec(SpecModel):
    """``[outputs]``: where results go and which files are written.

    ``folder`` is relative to the working directory and may use ``{name}``,
    ``{run_id}`` and ``{seed}``. ``lang`` is the language of report.html and
    of the terminal summary (``"en"`` or ``"de"``; ``klshuttle run --lang``
    overrides it). Neither enters the run id.
    """

    folder: Annotated[Str, Field(min_length=1)] = "results/{name}-{run_id}"
    lang: Literal["en", "de"] = "en"
    which: list[Literal[OUTPUT_KINDS]] = Field(  # type: ignore[valid-type]
        default_factory=lambda: list(OUTPUT_KINDS)
    )

    @field_validator("folder")
    @classmethod
    def _placeholders(cls, value: str) -> str:
        try:
            fields = list(string.Formatter().parse(value))
        except ValueError:
            raise ValueError(
                f"unmatched '{{' or '}}' in {value!r} (write {{{{ or }}}} for a brace itself)"
            ) from None
        for _, key, spec, conversion in fields:
            if key is None:
                continue
            if key not in ("name", "run_id", "seed") or spec or conversion:
                shown = (
                    key + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
                )
                raise ValueError(
                    f"unknown placeholder {{{shown}}} (use {{name}}, {{run_id}} or {{seed}})"
                )
        if any(ord(c) < 32 or ord(c) == 127 for c in value):
            raise ValueError(f"must not contain control characters, got {value!r}")
        return value
