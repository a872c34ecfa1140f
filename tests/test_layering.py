"""Apps depend downward only: no two of sendreg's apps import each other, directly or round a
longer loop, at module level or inside a function (issue 7, point 19). Imports only the type
checker runs (``if TYPE_CHECKING:``) are not dependencies and are not counted.

An app that needs a lower app to know about it registers through ``sendreg.lib.extensions``
(sections of a pupil's page, meeting sources, deadline sources) instead of being imported."""

from __future__ import annotations

import ast
from pathlib import Path

import sendreg

SOURCE = Path(sendreg.__file__).parent
#: Modules of the package root that are not apps: the wiring at the top (urls, the command line,
#: the demo that fills every app) and the code list at the bottom.
NOT_APPS = {"urls", "cli", "demo", "settings", "wsgi", "codes", "__init__", "jinja2", "templates"}


def _apps() -> list[str]:
    return sorted(
        p.name
        for p in SOURCE.iterdir()
        if p.is_dir() and (p / "__init__.py").exists() and p.name not in NOT_APPS
    )


def _run_time_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node of a module but those under ``if TYPE_CHECKING:``, which only the type
    checker reads (a lower app may name a higher app's model in a type)."""
    found: list[ast.AST] = []
    waiting = [tree]
    while waiting:
        node = waiting.pop()
        found.append(node)
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            waiting.extend(node.orelse)
            continue
        waiting.extend(ast.iter_child_nodes(node))
    return found


def _imported_apps(path: Path, apps: set[str]) -> set[str]:
    found = set()
    for node in _run_time_nodes(ast.parse(path.read_text("utf-8"), str(path))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        for name in names:
            parts = name.split(".")
            if len(parts) > 1 and parts[0] == "sendreg" and parts[1] in apps:
                found.add(parts[1])
    return found


def app_graph() -> dict[str, set[str]]:
    """Each app and the other apps its code imports."""
    apps = set(_apps())
    graph = {}
    for app in apps:
        used: set[str] = set()
        for path in (SOURCE / app).rglob("*.py"):
            used |= _imported_apps(path, apps)
        graph[app] = used - {app}
    return graph


def _loop(graph: dict[str, set[str]]) -> list[str] | None:
    """One loop of imports, as the apps round it, or None when there is none."""
    state: dict[str, int] = {}  # 1: being followed; 2: done, no loop through it
    trail: list[str] = []

    def follow(app: str) -> list[str] | None:
        state[app] = 1
        trail.append(app)
        for lower in sorted(graph[app]):
            if state.get(lower) == 1:
                return [*trail[trail.index(lower) :], lower]
            if lower not in state and (loop := follow(lower)):
                return loop
        state[app] = 2
        trail.pop()
        return None

    for app in sorted(graph):
        if app not in state and (loop := follow(app)):
            return loop
    return None


def test_the_reading_skips_imports_for_the_type_checker_only() -> None:
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from sendreg.pupils.models import Pupil\n"
        "def f():\n    from sendreg.audit import services\n"
    )
    imported = {
        n.module for n in _run_time_nodes(tree) if isinstance(n, ast.ImportFrom) and n.module
    }
    assert imported == {"typing", "sendreg.audit"}


def test_the_loop_finder_finds_a_loop() -> None:
    assert _loop({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _loop({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_apps_depend_downward_only() -> None:
    graph = app_graph()
    assert {"accounts", "register", "records", "pupils", "lib"} <= set(graph)
    assert "pupils" in graph["register"]  # the reading sees real imports
    loop = _loop(graph)
    assert loop is None, "These apps import each other: " + " -> ".join(loop or [])


def test_the_shared_helpers_import_no_app() -> None:
    assert app_graph()["lib"] == set()
