"""The floors of docs/architecture.md, checked on the code: an app imports only the apps its
line in FLOORS names (all on lower floors), and no app reaches into another app's HTTP layer.

Imports are read with `ast` from every module of every app (deferred imports inside functions
too; migrations aside), so nothing is imported to check them."""

import ast
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]

# app: (floor, the apps it may import). Keep in step with the table in docs/architecture.md.
FLOORS = {
    "core": (0, set()),
    "workers": (1, {"core"}),
    "limits": (1, {"core"}),
    "credits": (1, {"core"}),
    "engine": (1, {"core"}),
    "consent": (1, {"core"}),
    "speech": (1, {"core"}),
    "jobs": (2, {"core", "workers", "credits", "limits", "consent", "speech"}),
    "accounts": (2, {"core", "credits", "limits"}),
    "webhooks": (3, {"core", "jobs"}),
    "batches": (3, {"core", "jobs", "credits"}),
    "longform": (3, {"core", "workers", "jobs"}),
    "outbox": (4, {"core", "workers", "jobs", "batches"}),
    "sharing": (4, {"core", "jobs"}),
    "notifications": (4, {"core", "workers", "jobs", "batches"}),
    "api": (
        5,
        {
            "core",
            "workers",
            "limits",
            "credits",
            "speech",
            "jobs",
            "accounts",
            "batches",
            "longform",
            "outbox",
            "sharing",
            "notifications",
        },
    ),
    "falproxy": (5, {"core", "workers", "limits", "credits", "jobs"}),
    "avatars": (
        5,
        {"core", "workers", "limits", "credits", "consent", "speech", "jobs", "accounts", "batches", "longform"},
    ),
    "monitoring": (6, {"core", "workers", "limits", "credits", "jobs", "webhooks", "batches", "outbox"}),
    "config": (
        7,
        {
            "core",
            "workers",
            "limits",
            "credits",
            "engine",
            "consent",
            "speech",
            "jobs",
            "accounts",
            "webhooks",
            "batches",
            "longform",
            "outbox",
            "sharing",
            "notifications",
            "api",
            "falproxy",
            "avatars",
            "monitoring",
        },
    ),
}

# The engine stands in for fal and is reached over HTTP only; the modules allowed to import it
# are the CLI that starts it inside its own process and the setup command that renders the
# home page's example offline.
ALLOWED_MODULE_IMPORTS = {
    ("jobs.management.commands.generate_avatar", "engine"),
    ("avatars.management.commands.make_example_video", "engine"),  # renders the home page's example at setup
}

# Upward imports the current code still has, each to go with the refactor that removes it.
# A new upward import fails the test; so does an entry here that the code no longer has.
KNOWN_UPWARD_IMPORTS: set[tuple[str, str]] = set()

# A module of these names is an app's HTTP layer: other apps use its services, selectors,
# models and signals instead. URL modules may include another app's views (that is wiring).
HTTP_MODULES = {
    "views",
    "api",
    "api_urls",
    "api_schema",
    "api_errors",
    "api_auth",
    "api_examples",
    "serializers",
    "pages",
}
# outbox owns its webhook-endpoints API; the v1 API mounts it with its own conventions.
ALLOWED_HTTP_REACHES = {
    ("api.views", "outbox.api"),
    ("api.views", "outbox.serializers"),
    ("api.api_schema", "outbox.serializers"),
}
KNOWN_HTTP_REACHES: set[tuple[str, str]] = set()


def app_modules():
    """{module name: path} for every module of every app in FLOORS but the ground floor."""
    modules = {}
    for app in FLOORS:
        for path in (PROJECT_DIR / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(PROJECT_DIR).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def owner(module):
    """The app (or `core`) a dotted module name belongs to, or None for anything not ours."""
    top = module.partition(".")[0]
    return top if top in FLOORS else None


def imported_modules(module, path):
    """Every module of ours that `module` imports, as dotted names (`from x import y` gives
    `x.y` when y is a module, else `x`)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*parts, base] if base else parts)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                is_module = (PROJECT_DIR / Path(*candidate.split("."))).with_suffix(".py").exists() or (
                    PROJECT_DIR / Path(*candidate.split(".")) / "__init__.py"
                ).exists()
                found.add(candidate if is_module else base)
    return {name for name in found if owner(name)}


def cross_app_imports():
    """(importing module, its app, imported module, that module's app) for every import that
    crosses from one app to another."""
    for module, path in sorted(app_modules().items()):
        app = owner(module)
        for imported in sorted(imported_modules(module, path)):
            if owner(imported) != app:
                yield module, app, imported, owner(imported)


def test_every_app_of_the_project_has_a_floor():
    apps = {path.parent.name for path in PROJECT_DIR.glob("*/apps.py")}

    assert apps - set(FLOORS) == set()


def test_each_floor_may_import_only_floors_below_it():
    upward = {
        (app, other) for app, (floor, allowed) in FLOORS.items() for other in allowed if FLOORS[other][0] >= floor
    }

    assert upward == set()


def test_no_app_imports_an_app_above_it_but_the_known_exceptions():
    found = {
        (module, other)
        for module, app, _, other in cross_app_imports()
        if other not in FLOORS[app][1] and (module, other) not in ALLOWED_MODULE_IMPORTS
    }

    assert found - KNOWN_UPWARD_IMPORTS == set(), "an import against the floors of docs/architecture.md"
    assert KNOWN_UPWARD_IMPORTS - found == set(), "gone from the code: remove it from KNOWN_UPWARD_IMPORTS"


def test_no_app_reaches_into_another_apps_http_layer_but_the_known_exceptions():
    found = {
        (module, imported)
        for module, app, imported, other in cross_app_imports()
        if app != "config"
        and other != "core"
        and module.rpartition(".")[2] != "urls"
        and imported.rpartition(".")[2] in HTTP_MODULES
        and (module, imported) not in ALLOWED_HTTP_REACHES
    }

    assert found - KNOWN_HTTP_REACHES == set(), "use the other app's services, selectors or models"
    assert KNOWN_HTTP_REACHES - found == set(), "gone from the code: remove it from KNOWN_HTTP_REACHES"


def test_an_import_inside_a_function_counts(tmp_path):
    """The check itself: a deferred import of the engine, in a product module, is seen."""
    source = tmp_path / "probe.py"
    source.write_text("def start():\n    from engine.server import start_engine_server\n")

    imported = imported_modules("falproxy.views", source)

    assert imported == {"engine.server"} and "engine" not in FLOORS["falproxy"][1]
