"""elearn: a plugin-based e-learning, verification and pledge platform.

Plugins import what they use from `elearn.api` (the public plugin API, docs/plugins.md).
"""
from __future__ import annotations

import pluggy

__version__ = "0.1.0"

hookimpl = pluggy.HookimplMarker("elearn")


def create_app(test_config=None):
    """Application factory (lazy import keeps `from elearn import hookimpl` light)."""
    from .app import create_app as factory

    return factory(test_config)


__all__ = ["__version__", "create_app", "hookimpl"]
