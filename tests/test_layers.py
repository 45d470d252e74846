"""The layering DESIGN §3 promises, read from the code: sig (domains) → consent → auth →
kernel, with no arrow back."""
from __future__ import annotations

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1]
LAYERS = ["kernel", "auth", "consent", "sig"]  # each may import only those before it


def imports_of(package: str) -> dict[str, set[str]]:
    """Module (dotted) → the modules it imports (absolute, any depth of the function)."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        module = module.removesuffix(".__init__")
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
                names.update(f"{node.module}.{a.name}" for a in node.names)
            elif isinstance(node, ast.Import):
                names.update(a.name for a in node.names)
        found[module] = names
    return found


def test_each_layer_imports_only_the_layers_below_it():
    offences = []
    for rank, layer in enumerate(LAYERS):
        above = set(LAYERS[rank + 1:])
        for module, names in imports_of(layer).items():
            offences += [f"{module} imports {n}" for n in names if n.split(".")[0] in above]
    assert not offences, "\n".join(sorted(offences))
