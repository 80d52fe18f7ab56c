"""The shape of the package, read with `ast` (no import is executed): the indicators engine imports no domain app
(the apps that feed it register themselves, edhub/indicators/registry.py), and no import circle joins two apps."""

import ast
import os
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "edhub"
APPS = sorted(path.name for path in PACKAGE.iterdir() if (path / "__init__.py").exists())
# The ground every app may stand on (MODULES.md): the places, the schools, the open data, the shared helpers.
GROUND = {"territories", "schools", "opendata", "utils"}
# No circle is left: any circle fails the test. The ground apps import one way: opendata (the pipeline that writes
# the registry, import runs included: it loads the geography too, `edhub setup`) imports schools and territories,
# territories import schools; schools and territories import nothing from opendata (their bulk writes are
# edhub/utils/bulk.py's, their rows name the import run model by their foreign keys only). accounts, ami, inventories
# and www import each other one way only: the pages read the apps, ami and inventories read accounts (the demo of
# the connectivity call is ami's command, not accounts').
KNOWN_CIRCLES = set()


def imported_apps(path):
    """{app: [line]} of the edhub apps a module imports, at module or function level, absolute or relative."""
    module = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return apps_in(path.read_text(), package=module if path.name == "__init__.py" else module[:-1])


def apps_in(source, package):
    """{app: [line]} of the edhub apps imported by `source`, a module of `package` (its dotted parts)."""
    found = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name.split(".") for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = list(package[: len(package) - node.level + 1]) if node.level else []
            if node.module:
                names = [[*base, *node.module.split(".")]]
            else:
                names = [[*base, alias.name] for alias in node.names]
        else:
            continue
        for parts in names:
            if len(parts) > 1 and parts[0] == "edhub" and parts[1] in APPS:
                found.setdefault(parts[1], []).append(node.lineno)
    return found


def modules(app):
    return [path for path in sorted((PACKAGE / app).rglob("*.py")) if "migrations" not in path.parts]


def app_graph():
    """{app: {imported app: ["path:line"]}} of the apps of edhub (migrations left out)."""
    graph = {app: {} for app in APPS}
    for app in APPS:
        for path in modules(app):
            for imported, lines in imported_apps(path).items():
                if imported != app:
                    where = [f"{path.relative_to(PACKAGE.parent)}:{line}" for line in lines]
                    graph[app].setdefault(imported, []).extend(where)
    return graph


def circles(graph):
    """The strongly connected groups of more than one app: the apps that reach each other through imports."""

    def reach(start):
        seen, todo = set(), [start]
        while todo:
            for target in graph[todo.pop()]:
                if target not in seen:
                    seen.add(target)
                    todo.append(target)
        return seen

    reached = {app: reach(app) for app in graph}
    groups = {frozenset({app} | {other for other in reached[app] if app in reached[other]}) for app in graph}
    return {group for group in groups if len(group) > 1}


def test_the_indicators_engine_imports_no_domain_app():
    imports = {
        str(path.relative_to(PACKAGE.parent)): sorted(set(imported_apps(path)) - GROUND - {"indicators"})
        for path in modules("indicators")
    }
    assert {path: apps for path, apps in imports.items() if apps} == {}


def test_the_ground_apps_import_only_the_ground():
    """The places, the schools (their current connection included: edhub/schools/connections.py) and the open data
    know no module: the modules register what they give them."""
    graph = app_graph()
    assert {app: sorted(set(graph[app]) - GROUND) for app in sorted(GROUND)} == {app: [] for app in sorted(GROUND)}


def test_the_reader_sees_every_kind_of_import():
    """The test above can fail: absolute, relative and function-level imports of an app are all seen."""
    source = "\n".join(
        (
            "from ..ami import models",
            "import edhub.www.views",
            "from .. import inventories",
            "def f():",
            "    from edhub.accounts.scope import membership_of",
            "from . import engine",
        )
    )
    assert apps_in(source, package=("edhub", "indicators")) == {
        "ami": [1],
        "www": [2],
        "inventories": [3],
        "accounts": [5],
        "indicators": [6],
    }


def test_no_new_import_circle_between_apps():
    graph = app_graph()
    found = circles(graph)
    closing = {
        ", ".join(sorted(group)): [
            f"{a} -> {b}: {graph[a][b][0]}" for a in sorted(group) for b in graph[a] if b in group
        ]
        for group in found - KNOWN_CIRCLES
    }
    assert closing == {}
    assert found == KNOWN_CIRCLES  # a circle broken: take it out of KNOWN_CIRCLES
    assert not any("indicators" in group for group in found)


def test_circles_are_found():
    graph = {"a": {"b": []}, "b": {"c": []}, "c": {"a": []}, "d": {"a": []}}
    assert circles(graph) == {frozenset("abc")}


def test_start_up_loads_no_heavy_module(tmp_path):
    """`edhub` starts in well under half a second (bench: start-up) because setting up Django and every app loads
    none of the heavy libraries: each is imported where it is used (geography's contours, tiles, exports…)."""
    script = (
        "import os, sys, django\n"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'edhub.settings.dev'\n"
        "django.setup()\n"
        "heavy = ('numpy', 'shapely', 'pandas', 'openpyxl', 'odf', 'pypdf', 'scipy', 'requests', 'tqdm', 'ninja')\n"
        "print(sorted(name for name in heavy if name in sys.modules))\n"
    )
    environment = {**os.environ, "EDHUB_VAR_DIR": str(tmp_path)}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=environment, timeout=60)
    assert (done.returncode, done.stdout) == (0, "[]\n"), done.stderr
