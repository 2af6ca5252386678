"""The base of every spec section: a typo in a key is an error, never a silently ignored setting."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    """Base for every spec section: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", validate_default=True, strict=True)
