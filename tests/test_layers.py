"""The package's layers, as its folders show them, hold in its imports: a module imports only its own
layer or the ones below (core < data < analysis < models < claims < output < preflight <
workflow_plan), lazy imports inside functions included. A new upward import fails here, naming the
module, the line and the import."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "gvc_clusters"
LAYERS = {"data": 1, "analysis": 2, "models": 3, "claims": 4, "output": 5, "preflight": 6, "workflow_plan": 7}
CORE = 0   # the modules at the root: vocabulary, errors, io, jobs, layout, results, templating, config_defaults


def layer(module: str) -> int:
    """The layer of a dotted module name below gvc_clusters ('output.render.tables' -> 5)."""
    return LAYERS.get(module.split(".")[0], CORE)


def imports(path: Path):
    """(line, imported module below gvc_clusters) of every import of the package in one file."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("gvc_clusters"):
            names = [node.module] if node.module != "gvc_clusters" else [f"gvc_clusters.{a.name}" for a in node.names]
            for name in names:
                if name != "gvc_clusters":
                    yield node.lineno, name.removeprefix("gvc_clusters.")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("gvc_clusters."):
                    yield node.lineno, alias.name.removeprefix("gvc_clusters.")


def test_no_module_imports_a_layer_above_its_own():
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
        for line, target in imports(path):
            if layer(target) > layer(module):
                upward.append(f"{path.relative_to(PACKAGE)}:{line} imports {target}")
    assert upward == []


def test_the_rule_sees_an_upward_import():
    """The check itself: an analysis module importing the models layer is upward, the reverse is not."""
    assert layer("analysis.claims") < layer("models.reading_views")
    assert layer("output.report") > layer("claims.verdicts") > layer("models.ordinal.fit") > layer("data.sources")
    assert layer("vocabulary") == CORE < layer("data")
