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
import json
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
    """Per module: a Counter of mutant statuses, read from mutmut's ``mutants/**/*.meta``."""
    result: dict[str, Counter] = {}
    for module in modules:
        meta = MUTANTS / (module.replace(".", "/") + ".py.meta")
        if not meta.exists():
            continue
        codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        result[module] = Counter(_status(code) for code in codes.values())
    return result


def score_table(result: dict[str, Counter]) -> str:
    """A markdown table: module, killed (timeouts count as killed), total, score."""
    lines = ["| module | killed | survived | no tests | total | score |", "|---|---:|---:|---:|---:|---:|"]
    overall = Counter()
    for module, counts in result.items():
        overall.update(counts)
        lines.append(_row(module, counts))
    if len(result) > 1:
        lines.append(_row("all", overall))
    return "\n".join(lines)


def _row(name: str, counts: Counter) -> str:
    killed = counts["killed"] + counts["timeout"]
    total = sum(counts[s] for s in counts if s != "skipped")
    score = f"{100 * killed / total:.1f}%" if total else "-"
    return f"| {name} | {killed} | {counts['survived']} | {counts['no tests']} | {total} | {score} |"


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
    run = subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL if args.quiet else None)
    return _report(chosen) or run.returncode


def _report(modules: list[str]) -> int:
    print(score_table(scores(modules)))
    survivors = [key for m in modules for key, code in _codes(m).items() if _status(code) in ("survived", "no tests")]
    if survivors:
        print(f"{len(survivors)} surviving mutants; see one with: mutmut show <name>")
        for key in survivors:
            print("  ", key)
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
