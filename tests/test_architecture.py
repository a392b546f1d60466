"""The shape of the code, read from its imports: no cycles, no borrowed underscore names, exporters
that share only the kit, and reportlab's internals touched in one module."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from conftest import ROOT

PACKAGE = "deckbook"
FOLDERS = ("", "exporters", "pdfkit", "styles")  # the package's own modules: not tests, not benchmarks
PDF_EXPORTERS = ("booklet", "cards", "worksheet")
#: reportlab's internals by attribute name: only pdfkit/internals.py uses them
REPORTLAB_INTERNALS = {"_doc", "_doSave", "_timeStamp", "_setup", "_endBuild", "blPara", "breakLines",
                       "charToGlyph", "useA85"}


@dataclass
class Module:
    """One of the package's modules, with what it imports from the package and what it borrows."""

    name: str
    path: Path
    imports: dict[str, int] = field(default_factory=dict)  # project module -> first line importing it
    borrowed: list[str] = field(default_factory=list)  # "line: module._name" uses
    attributes: set[str] = field(default_factory=set)  # every attribute name used


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([PACKAGE, *parts])


@cache
def modules() -> dict[str, Module]:
    """Every module of the package, its imports resolved: module-level and deferred ones alike."""
    paths = [path for folder in FOLDERS for path in sorted((ROOT / folder).glob("*.py"))]
    found = {_module_name(path): Module(_module_name(path), path) for path in paths}
    for module in found.values():
        _read(module, set(found))
    return found


def _read(module: Module, names: set[str]) -> None:
    tree = ast.parse(module.path.read_text(encoding="utf-8"), str(module.path))
    package = module.name if module.path.name == "__init__.py" else module.name.rpartition(".")[0]
    bound: dict[str, str] = {}  # local name -> the project module it names

    def uses(target: str, line: int) -> None:
        if target in names and target != module.name:
            module.imports.setdefault(target, line)

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] != PACKAGE:
                    continue
                uses(_known(alias.name, names), node.lineno)
                if alias.asname:
                    bound[alias.asname] = alias.name
                else:
                    bound[PACKAGE] = PACKAGE
        elif isinstance(node, ast.ImportFrom):
            source = node.module or ""
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            if source.split(".")[0] != PACKAGE:
                continue
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                if submodule in names:
                    uses(submodule, node.lineno)
                    bound[alias.asname or alias.name] = submodule
                else:
                    uses(_known(source, names), node.lineno)
                    if _private(alias.name):
                        module.borrowed.append(f"{node.lineno}: from {source} import {alias.name}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            module.attributes.add(node.attr)
            owner = _dotted(node.value, bound)
            if owner in names and owner != module.name and _private(node.attr):
                module.borrowed.append(f"{node.lineno}: {owner}.{node.attr}")


def _known(name: str, names: set[str]) -> str:
    """*name*, or the nearest package above it that is a module of ours."""
    while name not in names and "." in name:
        name = name.rpartition(".")[0]
    return name


def _dotted(node: ast.expr, bound: dict[str, str]) -> str | None:
    """The project module an expression such as `pdf` or `deckbook.exporters.pdf` names, if any."""
    if isinstance(node, ast.Name):
        return bound.get(node.id)
    if isinstance(node, ast.Attribute):
        owner = _dotted(node.value, bound)
        return f"{owner}.{node.attr}" if owner is not None else None
    return None


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_checker_reads_the_registry_and_the_kit():
    found = modules()
    assert {f"{PACKAGE}.exporters.{name}" for name in (*PDF_EXPORTERS, "apkg")} <= set(
        found[f"{PACKAGE}.exporters"].imports)
    assert f"{PACKAGE}.pdfkit.internals" in found[f"{PACKAGE}.pdfkit.fonts"].imports
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_checker_finds_borrowed_names_and_deferred_imports(tmp_path):
    source = tmp_path / "sample.py"
    source.write_text("from deckbook.exporters.booklet import _story, write\n"
                      "from deckbook.pdfkit import look\n"
                      "import deckbook.pdfkit.text as text\n"
                      "def later():\n"
                      "    from deckbook import cli\n"
                      "    return look._default_style(), text.Text, cli.__name__\n", encoding="utf-8")
    sample = Module(f"{PACKAGE}.sample", source)
    _read(sample, set(modules()))
    assert sample.borrowed == [f"1: from {PACKAGE}.exporters.booklet import _story",
                               f"6: {PACKAGE}.pdfkit.look._default_style"]
    assert set(sample.imports) == {f"{PACKAGE}.exporters.booklet", f"{PACKAGE}.pdfkit.look",
                                   f"{PACKAGE}.pdfkit.text", f"{PACKAGE}.cli"}


def test_no_module_imports_another_in_a_cycle():
    found = modules()
    graph = {name: set(module.imports) for name, module in found.items()}
    edges = [f"{source} -> {target} ({found[source].path.relative_to(ROOT)}:{found[source].imports[target]})"
             for cycle in _cycles(graph) for source in cycle for target in sorted(graph[source])
             if target in cycle]
    assert edges == []


def test_no_module_uses_another_modules_underscore_names():
    borrowed = {name: module.borrowed for name, module in modules().items() if module.borrowed}
    assert borrowed == {}


def test_the_pdf_exporters_import_the_kit_and_not_each_other():
    found = modules()
    exporters = {f"{PACKAGE}.exporters.{name}" for name in (*PDF_EXPORTERS, "apkg")}
    for name in exporters:
        others = {target for target in found[name].imports if target.startswith(f"{PACKAGE}.exporters")}
        assert others <= {f"{PACKAGE}.exporters.base"}, name
    for name in PDF_EXPORTERS:
        imports = found[f"{PACKAGE}.exporters.{name}"].imports
        assert any(target.startswith(f"{PACKAGE}.pdfkit.") for target in imports), name


def test_the_kit_imports_no_exporter_and_no_command_line():
    for name, module in modules().items():
        if name.startswith(f"{PACKAGE}.pdfkit"):
            assert not any(target.startswith((f"{PACKAGE}.exporters", f"{PACKAGE}.cli"))
                           for target in module.imports), name


def test_only_pdfkit_internals_reaches_into_reportlab_internals():
    reaching = {name: sorted(module.attributes & REPORTLAB_INTERNALS) for name, module in modules().items()
                if module.attributes & REPORTLAB_INTERNALS}
    assert reaching == {f"{PACKAGE}.pdfkit.internals": sorted(REPORTLAB_INTERNALS)}
