"""Developer tools (not part of the library's interface): ``python -m snncost.devtools``.

``mutation [--module NAME ...] [--max-children N] [--keep]`` runs mutation testing
(mutmut 3.8.1, ``pip install -e ".[mutation]"``) on the core modules named in
``[tool.mutmut] only_mutate`` of pyproject.toml, against the fast in-process tests
listed there, under the hypothesis profile ``mutation`` (tests/conftest.py), and
prints killed / total per module.  It runs from a source checkout (it needs
pyproject.toml and tests/) and takes minutes: it is not part of ``.ci/run``.  See
docs/testing.md for the command, the scoring rule and the last measured scores.
"""
from __future__ import annotations

import argparse
import ast
import copy
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MUTANTS = ROOT / "mutants"
# mutmut's exit codes of one mutant's test run (mutmut.stats.status_by_exit_code)
KILLED_CODES = {1, 3}
TIMEOUT_CODES = {36, -24, 24, 152, 255}
SURVIVED_CODES = {0}
NO_TEST_CODES = {5, 33}
SKIPPED_CODES = {34}


def _fail(message: str) -> int:
    print(f"snncost devtools: {message}", file=sys.stderr)
    return 2


def _mutated_modules() -> list[str]:
    """Dotted names of the modules ``[tool.mutmut] only_mutate`` lists (snncost/x.py -> snncost.x)."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mutmut"]
    files = [path for pattern in config["only_mutate"] for path in sorted(ROOT.glob(pattern))]
    return [path.relative_to(ROOT).with_suffix("").as_posix().replace("/", ".") for path in files
            if path.name != "__init__.py"]  # package __init__ files hold imports only


def _status(code) -> str:
    if code in KILLED_CODES:
        return "killed"
    if code in TIMEOUT_CODES:
        return "timeout"
    if code in SURVIVED_CODES:
        return "survived"
    if code in NO_TEST_CODES:
        return "no tests"
    if code in SKIPPED_CODES:
        return "skipped"
    return "not checked" if code is None else "suspicious"


def scores(modules: list[str]) -> dict[str, Counter]:
    """Per module: a Counter of mutant statuses, read from mutmut's ``mutants/**/*.meta``;
    ``message-only survived`` counts the survivors that only change error-message text."""
    result: dict[str, Counter] = {}
    for module in modules:
        codes = _codes(module)
        if not codes:
            continue
        counts = Counter(_status(code) for code in codes.values())
        message_only = message_only_mutants(module)
        counts["message-only survived"] = sum(1 for key, code in codes.items()
                                              if key in message_only and _status(code) in ("survived", "no tests"))
        result[module] = counts
    return result


class _BlankMessages(ast.NodeTransformer):
    """What is left of a function once its error messages are blanked: the arguments of
    every raised exception, the values of local names read only inside ``raise``
    statements (message parts such as ``site`` or ``valid``), and the default of a
    ``where`` parameter (the field an error message names)."""

    def __init__(self, message_names: set[str]):
        self.message_names = message_names

    def visit_Raise(self, node):
        if isinstance(node.exc, ast.Call):
            node.exc.args, node.exc.keywords = [], []
        return node

    def visit_Assign(self, node):
        if all(isinstance(t, ast.Name) and t.id in self.message_names for t in node.targets):
            node.value = ast.Constant("")
        return self.generic_visit(node)

    def visit_arguments(self, node):
        positional = node.posonlyargs + node.args
        pairs = [*zip(positional[len(positional) - len(node.defaults):], node.defaults),
                 *zip(node.kwonlyargs, node.kw_defaults)]
        for arg, default in pairs:
            if arg.arg == "where" and isinstance(default, ast.Constant):
                default.value = ""
        return node


def _message_names(function: ast.AST) -> set[str]:
    """Local names the (original) function reads only inside ``raise`` statements."""
    raised = {id(n) for r in ast.walk(function) if isinstance(r, ast.Raise) for n in ast.walk(r)}
    loads = [n for n in ast.walk(function) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)]
    return {n.id for n in loads if id(n) in raised} - {n.id for n in loads if id(n) not in raised}


def _logic(function: ast.AST, message_names: set[str]) -> str:
    function = copy.deepcopy(function)
    function.name = ""
    return ast.dump(_BlankMessages(message_names).visit(function))


def message_only_mutants(module: str) -> set[str]:
    """Mutants of ``module`` that differ from the original function only in error-message
    text: identical to it once strings in ``raise`` statements and ``where`` defaults are
    blanked (the rule of docs/testing.md)."""
    path = MUTANTS / (module.replace(".", "/") + ".py")
    if not path.exists():
        return set()
    functions = {node.name: node for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                 if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
    found = set()
    for key in _codes(module):
        name = key.rsplit(".", 1)[1]
        original = functions.get(name.partition("__mutmut_")[0] + "__mutmut_orig")
        mutant = functions.get(name)
        if original is None or mutant is None:
            continue
        names = _message_names(original)
        if _logic(original, names) == _logic(mutant, names):
            found.add(key)
    return found


def score_table(result: dict[str, Counter]) -> str:
    """A markdown table: module, killed (timeouts count as killed), survived (of them
    message-only), no tests, total, score (killed / total) and the logic score (killed /
    total without the message-only survivors)."""
    lines = ["| module | killed | survived (message-only) | no tests | total | score | logic score |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    overall = Counter()
    for module, counts in result.items():
        overall.update(counts)
        lines.append(_row(module, counts))
    if len(result) > 1:
        lines.append(_row("all", overall))
    return "\n".join(lines)


def _row(name: str, counts: Counter) -> str:
    killed = counts["killed"] + counts["timeout"]
    total = sum(n for status, n in counts.items() if status not in ("skipped", "message-only survived"))
    message = counts["message-only survived"]
    score = f"{100 * killed / total:.1f}%" if total else "-"
    logic = f"{100 * killed / (total - message):.1f}%" if total - message else "-"
    return (f"| {name} | {killed} | {counts['survived']} ({message}) | {counts['no tests']} | {total} | {score} "
            f"| {logic} |")


def mutation(args) -> int:
    try:
        import mutmut  # noqa: F401
    except ImportError:
        return _fail("mutation testing needs mutmut 3.8.1: pip install -e \".[mutation]\"")
    if not (ROOT / "pyproject.toml").exists() or not (ROOT / "tests").is_dir():
        return _fail(f"mutation testing runs from a source checkout with pyproject.toml and tests/, not {ROOT}")
    modules = _mutated_modules()
    chosen = modules
    if args.module:
        wanted = [m if m.startswith("snncost.") else f"snncost.{m}" for m in args.module]
        unknown = [m for m in wanted if not any(x == m or x.startswith(m + ".") for x in modules)]
        if unknown:
            return _fail(f"--module {unknown[0]} is not mutated; choose from {', '.join(modules)} "
                         "(or add it to [tool.mutmut] only_mutate)")
        chosen = [x for x in modules if any(x == m or x.startswith(m + ".") for m in wanted)]
    if args.report:
        return _report(chosen)
    if not args.keep and MUTANTS.exists():
        shutil.rmtree(MUTANTS)  # a fresh run: no cached verdicts from older tests or code
    command = [sys.executable, "-c", "from mutmut.__main__ import cli; cli()", "run",
               "--max-children", str(args.max_children), *(f"{m}.*" for m in chosen)]
    print("running:", " ".join(command[3:]), flush=True)
    # one OpenMP thread: mutmut forks its test processes, and torch's thread pool can hang in a
    # forked child when the parent has loaded torch (a training test that imports it)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    run = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL if args.quiet else None)
    return _report(chosen) or run.returncode


def _report(modules: list[str]) -> int:
    print(score_table(scores(modules)))
    for module in modules:
        message_only = message_only_mutants(module)
        survivors = [key for key, code in _codes(module).items() if _status(code) in ("survived", "no tests")]
        if survivors:
            print(f"{module}: {len(survivors)} surviving mutants (see one with: mutmut show NAME)")
            for key in survivors:
                print("  ", key, "(message only)" if key in message_only else "")
    return 0


def _codes(module: str) -> dict:
    meta = MUTANTS / (module.replace(".", "/") + ".py.meta")
    return json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"] if meta.exists() else {}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m snncost.devtools", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    mut = commands.add_parser("mutation", help="mutation testing of the core modules (mutmut)")
    mut.add_argument("--module", action="append", help="a mutated module (memory, sharing, kinds, ...); repeatable")
    mut.add_argument("--max-children", type=int, default=2, help="parallel mutant runs (default 2)")
    mut.add_argument("--keep", action="store_true", help="reuse mutants/ and cached verdicts of an earlier run")
    mut.add_argument("--quiet", action="store_true", help="hide mutmut's progress output")
    mut.add_argument("--report", action="store_true", help="only print the scores of the last run (mutants/)")
    args = parser.parse_args(argv)
    return mutation(args)


if __name__ == "__main__":
    sys.exit(main())
