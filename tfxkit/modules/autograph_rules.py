"""Keep AutoGraph from rewriting library code that does not need it.

TensorFlow exempts its own packages and `keras` from AutoGraph conversion,
but not `tf_keras` (Keras 2 as a separate package), so the first `fit` in a
process converts ~600 Keras functions from source: about 14 s for a two-layer model's first `fit` on this
machine, about 1 s with the exemption. This is the same library code
TensorFlow ran unconverted when Keras 2 shipped as `keras`.
"""

from __future__ import annotations

from tensorflow.python.autograph.core import config as autograph_config

EXEMPT = ("tf_keras",)


def exempt_libraries() -> None:
    """Add DoNotConvert rules for EXEMPT (idempotent)."""
    present = {getattr(rule, "_prefix", None) for rule in autograph_config.CONVERSION_RULES}
    missing = tuple(autograph_config.DoNotConvert(name) for name in EXEMPT if name not in present)
    autograph_config.CONVERSION_RULES = missing + tuple(autograph_config.CONVERSION_RULES)
