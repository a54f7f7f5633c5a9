"""One plugin manager per app: specs, default plugins, ELEARN_PLUGINS, entry points, blocks."""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from importlib import metadata
from typing import Any, Mapping

import pluggy

from . import hookspecs

ENTRY_POINT_GROUP = "elearn.plugins"

# Core features, registered exactly like third-party plugins (and blockable like them).
DEFAULT_PLUGINS: tuple[tuple[str, str], ...] = (
    ("elearn.question_types", "elearn.builtins.question_types"),
    ("elearn.local_courses", "elearn.builtins.local_courses"),
    ("elearn.local_auth", "elearn.builtins.local_auth"),
    ("elearn.completion_rules", "elearn.builtins.completion_rules"),
    ("elearn.certificates", "elearn.builtins.certificates"),
    ("elearn.open_badges", "elearn.builtins.open_badges"),
    ("elearn.pledge_checks", "elearn.builtins.pledge_checks"),
    ("elearn.exporters", "elearn.builtins.exporters"),
    ("elearn.notifications", "elearn.builtins.notifications"),
    ("elearn.email", "elearn.builtins.email"),
    ("elearn.xapi", "elearn.builtins.xapi"),
    ("elearn.oidc", "elearn.builtins.oidc"),
)


@dataclass(frozen=True)
class PluginInfo:
    name: str
    version: str
    hooks: tuple[str, ...]
    origin: str


def as_list(value: Any) -> list[str]:
    """Config lists may come from env vars as comma-separated text."""
    if not value:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [str(v) for v in value]


def make_plugin_manager(config: Mapping[str, Any]) -> pluggy.PluginManager:
    """Build the app's plugin manager. A misspelled hook fails here (check_pending)."""
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    for name in as_list(config.get("BLOCKED_PLUGINS")):
        pm.set_blocked(name)
    for name, module in DEFAULT_PLUGINS:
        if not pm.is_blocked(name):
            pm.register(importlib.import_module(module), name=name)
    for dotted in as_list(config.get("PLUGINS")):
        if not pm.is_blocked(dotted):
            pm.register(importlib.import_module(dotted), name=dotted)
    if config.get("LOAD_ENTRYPOINTS", True):
        pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    pm.check_pending()
    return pm


def plugin_infos(pm: pluggy.PluginManager) -> tuple[PluginInfo, ...]:
    from . import __version__

    dists = {id(plugin): dist for plugin, dist in pm.list_plugin_distinfo()}
    infos = []
    for name, plugin in pm.list_name_plugin():
        if plugin is None:
            continue
        dist = dists.get(id(plugin))
        if dist is not None:
            version, origin = dist.version, f"entry point ({dist.project_name})"
        elif name.startswith("elearn."):
            version, origin = __version__, "default"
        else:
            version = str(getattr(plugin, "__version__", "") or _dist_version(name))
            origin = "ELEARN_PLUGINS"
        hooks = tuple(sorted(caller.name for caller in pm.get_hookcallers(plugin) or ()))
        infos.append(PluginInfo(name, version, hooks, origin))
    return tuple(infos)


def _dist_version(module_name: str) -> str:
    try:
        return metadata.version(module_name.split(".")[0])
    except metadata.PackageNotFoundError:
        return "-"
