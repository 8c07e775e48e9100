"""Every module imports on its own, and the package's module-level imports form no cycle."""

from __future__ import annotations

import ast
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import quotes

PACKAGE = Path(quotes.__file__).parent

# Import edges allowed to close a cycle, each with the reason it is still there.
KNOWN_CYCLES: set[tuple[str, str]] = set()


def module_names() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages([str(PACKAGE)], prefix="quotes."))


def _module_of(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _top_level_imports(tree: ast.Module, module: str, is_package: bool, known: set[str]) -> set[str]:
    """The quotes modules a module imports when it is imported (not inside functions or TYPE_CHECKING)."""
    out: set[str] = set()
    body = [n for n in tree.body if not (isinstance(n, ast.If) and "TYPE_CHECKING" in ast.unparse(n.test))]
    for node in body:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Import):
                out |= {a.name for a in sub.names if a.name.startswith("quotes")}
            elif isinstance(sub, ast.ImportFrom):
                base = sub.module or ""
                if sub.level:
                    anchor = module.split(".") if is_package else module.split(".")[:-1]
                    anchor = anchor[:len(anchor) - sub.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                if not base.startswith("quotes"):
                    continue
                for alias in sub.names:
                    target = f"{base}.{alias.name}"
                    out.add(target if target in known else base)
    return out


def _function_bodies_skipped(tree: ast.Module) -> ast.Module:
    """The module with function bodies emptied: their imports run only when the function is called."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            node.body = [ast.Pass()]
    return tree


def import_graph() -> dict[str, set[str]]:
    files = {_module_of(p): p for p in PACKAGE.rglob("*.py")}
    known = set(files)
    graph = {}
    for name, path in files.items():
        tree = _function_bodies_skipped(ast.parse(path.read_text(encoding="utf-8")))
        graph[name] = _top_level_imports(tree, name, path.name == "__init__.py", known) - {name}
    return graph


def find_cycles(graph: dict[str, set[str]], allowed: set[tuple[str, str]]) -> list[list[str]]:
    """The cycles a depth-first walk of ``graph`` meets, leaving out the ``allowed`` edges."""
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if (node, nxt) in allowed:
                continue
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt):], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return cycles


def test_no_import_cycle() -> None:
    graph = import_graph()
    assert "quotes.store.db" in graph and "quotes.extract.detect" in graph
    assert "quotes.store.reads" in graph["quotes.store.db"]
    cycles = find_cycles(graph, KNOWN_CYCLES)
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_the_cycle_check_can_fail() -> None:
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}, set()) == [["a", "b", "c", "a"]]
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}, {("c", "a")}) == []
    tree = ast.parse("from quotes.store import db\nimport quotes.types\ndef f():\n    import quotes.cli\n")
    found = _top_level_imports(_function_bodies_skipped(tree), "quotes.x", False,
                               {"quotes.store.db", "quotes.types", "quotes.cli"})
    assert found == {"quotes.store.db", "quotes.types"}


def test_every_module_imports_alone() -> None:
    """Each module in a fresh interpreter of its own: none relies on another being imported first."""
    modules = [m for m in module_names() if m != "quotes.__main__"]  # __main__ runs the CLI
    script = (
        "import importlib, os, sys\n"
        "failed = []\n"
        "for name in sys.argv[1:]:\n"
        "    pid = os.fork()\n"
        "    if pid == 0:\n"
        "        try:\n"
        "            importlib.import_module(name)\n"
        "        except BaseException as exc:\n"
        "            print(f'{name}: {type(exc).__name__}: {exc}', flush=True)\n"
        "            os._exit(1)\n"
        "        os._exit(0)\n"
        "    if os.waitpid(pid, 0)[1] != 0:\n"
        "        failed.append(name)\n"
        "sys.exit(1 if failed else 0)\n"
    )
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    done = subprocess.run([sys.executable, "-c", script, *modules], capture_output=True, text=True, env=env,
                          timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(modules) > 40


def test_python_m_quotes_help_lists_every_command() -> None:
    """``python -m quotes --help`` works without any registration call, and every command module is listed."""
    done = subprocess.run([sys.executable, "-m", "quotes", "--help"], capture_output=True, text=True, timeout=120,
                          check=False, env={**os.environ, "COLUMNS": "120"})
    assert done.returncode == 0, done.stderr
    commands = [m.rsplit(".", 1)[1] for m in module_names()
                if m.startswith("quotes.cli.") and m not in {"quotes.cli._common", "quotes.cli.application"}]
    assert "extract" in commands
    for command in commands:
        assert f" {command} " in done.stdout, (command, done.stdout)


def _modules_after(code: str) -> set[str]:
    """The top-level packages imported in a fresh interpreter after running ``code``."""
    done = subprocess.run([sys.executable, "-c", code + "\nimport sys\nprint(' '.join(sys.modules))"],
                          capture_output=True, text=True, timeout=300, check=True)
    return {name.split(".")[0] for name in done.stdout.split()}


def test_the_command_line_imports_no_heavy_library() -> None:
    """Start-up: every command imports the CLI (and so does the stance child), so it must not import datasets,
    torch, transformers or spaCy; commands import them when they need them."""
    loaded = _modules_after("import quotes.cli")
    assert not loaded & {"datasets", "pandas", "torch", "transformers", "spacy"}, loaded
    assert "typer" in loaded   # the check sees what is imported


def test_parsing_does_not_import_torch() -> None:
    """The parse needs spaCy, not torch (which thinc would import): the stance model has a process of its own."""
    code = ("from quotes.pipeline import Pipeline\nfrom quotes.types import Article\n"
            "found = Pipeline().extract_batch([Article(id='a', text='\u201cWe oppose this,\u201d said Jane Doe.')])\n"
            "assert len(found[0][1]) == 1, found\n")
    loaded = _modules_after(code)
    assert "spacy" in loaded and "torch" not in loaded, sorted(loaded)
    # where torch is imported first, spaCy finds it as usual
    assert {"spacy", "torch"} <= _modules_after("import torch\n" + code)
