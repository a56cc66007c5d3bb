"""Size limits of the code (docs/architecture.md, STYLE.md): a module of ``src/flashpoint`` stays
within 500 lines, a Numba kernel within 80 lines and 12 arguments.

What is over a limit today is listed below with its reason; an entry that is no longer over its
limit fails too, so that the list only shrinks.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).parents[2] / "src" / "flashpoint"
MODULE_LINES = 500
KERNEL_LINES = 80
KERNEL_ARGS = 12

# module (relative to src/flashpoint) -> why it may be longer for now (none today)
LONG_MODULES: dict[str, str] = {}
# (module, kernel) -> why it may take more arguments for now
WIDE_KERNELS = {
    # the calibration's battle kernel: the calibration file records a digest of kernel.py's bytes
    # (analysis/provenance.py), so regrouping these arguments would mark the shipped constants as
    # fitted with another formula; regroup them with the next refit
    ("analysis/calibrate/kernel.py", "_battles"): "formula digest",
}
# (module, kernel) -> why it may be longer for now (none today)
LONG_KERNELS: dict[tuple[str, str], str] = {}


def _modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if "__pycache__" not in p.parts)


def _rel(path: Path) -> str:
    return path.relative_to(SRC).as_posix()


def _is_jit(node: ast.expr) -> bool:
    """``numba.njit``, ``njit``, ``numba.jit``, ``jit``, called with options or not."""
    if isinstance(node, ast.Call):
        node = node.func
    name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""
    return name in ("njit", "jit")


def kernels(path: Path) -> list[tuple[str, int, int]]:
    """(name, lines, arguments) of every function the module compiles with Numba: decorated, or
    wrapped as ``name = numba.njit(...)(function)``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    functions = {n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    compiled = {n.name for n in functions.values() if any(_is_jit(d) for d in n.decorator_list)}
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and _is_jit(node.func) and node.args
                and isinstance(node.args[0], ast.Name) and node.args[0].id in functions):
            compiled.add(node.args[0].id)
    out = []
    for name in sorted(compiled):
        f = functions[name]
        args = f.args
        n_args = len(args.posonlyargs) + len(args.args) + len(args.kwonlyargs)
        out.append((name, f.end_lineno - f.lineno + 1, n_args))
    return out


def _all_kernels() -> dict[tuple[str, str], tuple[int, int]]:
    return {(_rel(p), name): (lines, n_args) for p in _modules() for name, lines, n_args in kernels(p)}


def test_the_kernel_finder_sees_the_engine_kernels():
    found = _all_kernels()
    # one decorated kernel, and one compiled by wrapping a plain function
    assert ("engine/simulate.py", "_days_kernel") in found
    assert ("engine/ground.py", "daily_loss_shares") in found
    assert len(found) > 30


def test_modules_stay_within_500_lines():
    over = {_rel(p): len(p.read_text(encoding="utf-8").splitlines()) for p in _modules()}
    over = {m: n for m, n in over.items() if n > MODULE_LINES}
    new = {m: n for m, n in over.items() if m not in LONG_MODULES}
    assert not new, f"modules over {MODULE_LINES} lines (split them by responsibility): {new}"
    stale = sorted(set(LONG_MODULES) - set(over))
    assert not stale, f"no longer over {MODULE_LINES} lines, remove from LONG_MODULES: {stale}"


@pytest.mark.parametrize(("limit", "index", "allowed", "what"), [
    (KERNEL_LINES, 0, LONG_KERNELS, "lines"),
    (KERNEL_ARGS, 1, WIDE_KERNELS, "arguments"),
])
def test_kernels_stay_short_and_narrow(limit, index, allowed, what):
    over = {k: v[index] for k, v in _all_kernels().items() if v[index] > limit}
    new = {f"{m}:{name}": n for (m, name), n in over.items() if (m, name) not in allowed}
    assert not new, f"Numba kernels over {limit} {what} (group arguments in a NamedTuple, split phases): {new}"
    stale = sorted(set(allowed) - set(over))
    assert not stale, f"no longer over {limit} {what}, remove from the allow-list: {stale}"
