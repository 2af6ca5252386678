"""The `push` section: where the Pusher copies blessed models."""

from __future__ import annotations

from typing import Optional

from pydantic import Field

from tfxkit.config.sections.strict import Strict


class PushSection(Strict):
    """Where blessed models go."""

    destination: Optional[str] = Field(
        default=None, description="Folder the Pusher copies blessed models into. Default: <root>/serving."
    )
