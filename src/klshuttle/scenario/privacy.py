"""``[privacy]``: how much the public outputs of a run aggregate."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, Strict

from .base import Bool, SpecModel

__all__ = ["PrivacySpec"]


class PrivacySpec(SpecModel):
    """``[privacy]``: the aggregation of the files in a run's ``public/`` folder.

    Counts of trips per stop, road segment, street or hour appear in a public
    file only where at least ``min_trips`` trips fall (k-anonymity threshold;
    never below 3); smaller counts are merged into a neighbour or suppressed.
    Times in public files are rounded to ``time_rounding_s``.
    ``allow_personal_columns`` admits CSV demand with columns that look like
    personal data (they are read past and never written anywhere); the CLI
    sets it with ``--allow-personal-columns``.
    """

    # k = 5: the planner review's recommendation (k >= 5 suppression); the floor 3
    # follows the statistical offices' minimum-case rule (a cell of 1 or 2 lets
    # one contributor recover another's value).
    min_trips: Annotated[int, Strict(), Field(ge=3)] = 5
    # 15 minutes: the time resolution of the published hourly and occupancy plots.
    time_rounding_s: Annotated[float, Strict(), Field(ge=60, le=86400)] = 900.0
    allow_personal_columns: Bool = False
