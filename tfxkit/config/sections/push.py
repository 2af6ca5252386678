"""The `push` section: where the Pusher copies blessed models, and the named destinations `promote` copies to."""

from __future__ import annotations

import re
from typing import Optional

from pydantic import Field, field_validator, model_validator

from tfxkit.config.sections.strict import Strict

DESTINATION_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"  # a name people type after `promote --to`


class PushSection(Strict):
    """Where blessed models go: one folder, or named folders of which the pipeline pushes to the first."""

    destination: Optional[str] = Field(
        default=None, description="Folder the Pusher copies blessed models into. Default: <root>/serving."
    )
    destinations: Optional[dict[str, str]] = Field(
        default=None,
        description="Named folders, in order, e.g. {staging: serving/staging, production: serving/production}: "
                    "the Pusher pushes to the first; `tfxkit promote` copies a blessed model to another. "
                    "Not with destination.",
    )

    @field_validator("destinations")
    @classmethod
    def _named(cls, destinations: Optional[dict[str, str]]) -> Optional[dict[str, str]]:
        """Names are typed after `promote --to` and shown by `models`; an empty mapping names no push folder."""
        if destinations is None:
            return None
        if not destinations:
            raise ValueError("name at least one destination, e.g. {staging: serving/staging}")
        for name, folder in destinations.items():
            if not re.match(DESTINATION_NAME, name):
                raise ValueError(f"'{name}' is not a name (letters, digits and _, not starting with a digit)")
            if not folder.strip():
                raise ValueError(f"{name}: expected a folder")
        return destinations

    @model_validator(mode="after")
    def _one_way(self) -> "PushSection":
        """One place decides where the pipeline pushes: two keys naming it could disagree."""
        if self.destination is not None and self.destinations is not None:
            raise ValueError("give push.destination or push.destinations, not both "
                             "(the pipeline pushes to the first of destinations)")
        return self

    def pipeline_destination(self) -> Optional[str]:
        """The folder the pipeline's Pusher writes to as written in the spec (None: the default)."""
        return next(iter(self.destinations.values())) if self.destinations else self.destination
