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


# Within sig: the packages of the case work, lowest first.  A package may import only the
# packages before it in this order (shared helpers — web, labels, config, i18n, the
# app's modules — are not packages of a domain and may be imported by any).
DOMAIN_ORDER = ["youths", "cases", "notify", "plans", "meetings", "outcomes", "documents",
                "referrals", "consents", "disclosures", "retention", "home", "statistics",
                "area", "audit", "extracts", "casework"]
SHARED = {"web", "translations", "static"}


def _package_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "sig" or len(parts) < 2 or not (ROOT / "sig" / parts[1]).is_dir():
        return None
    return parts[1] if parts[1] not in SHARED else None


def package_imports() -> dict[str, dict[str, list[str]]]:
    """sig sub-package → the sig sub-packages it imports (module-level or in a function)
    → which of its modules do."""
    edges: dict[str, dict[str, list[str]]] = {}
    for module, names in imports_of("sig").items():
        source = _package_of(module)
        if source is None:
            continue
        for name in names:
            target = _package_of(name)
            if target is not None and target != source:
                edges.setdefault(source, {}).setdefault(target, []).append(module)
    return edges


def test_every_domain_package_is_placed_in_the_order():
    packages = {p.name for p in (ROOT / "sig").iterdir()
                if p.is_dir() and (p / "__init__.py").exists()} - SHARED
    assert packages == set(DOMAIN_ORDER), "place a new package in DOMAIN_ORDER"


def test_no_import_cycles_between_domain_packages():
    """The case pages (``sig.casework``) sit above the domains; a domain imports only the
    domains below it — so no two packages import each other, directly or round a circle."""
    offences = []
    for source, targets in package_imports().items():
        rank = DOMAIN_ORDER.index(source)
        for target, modules in targets.items():
            if DOMAIN_ORDER.index(target) > rank:
                offences.append(f"sig.{source} imports sig.{target} ({sorted(set(modules))})")
    assert not offences, "\n".join(sorted(offences))
