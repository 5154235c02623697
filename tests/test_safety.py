"""Safety (issue 5): YAML only through the safe loader; no eval/exec/sympify of user
text anywhere in the package; a spec file cannot make snncost read or write other paths.
"""
from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DIRS = [ROOT / "snncost", ROOT / "model_zoo", ROOT / "tables"]

# Calls that run or parse text as code.  ``compile`` only as a bare name (re.compile is fine).
BANNED_NAMES = {"eval", "exec", "compile", "__import__", "parse_expr", "breakpoint", "input"}
BANNED_ATTRIBUTES = {"eval", "exec", "parse_expr", "query", "unsafe_load", "full_load", "load_all", "system", "popen"}
UNSAFE_YAML = {"Loader", "UnsafeLoader", "FullLoader", "CLoader", "CUnsafeLoader", "CFullLoader"}


def _sources():
    for folder in PACKAGE_DIRS:
        for path in sorted(folder.rglob("*.py")):
            yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _call_name(node: ast.Call) -> tuple[str, str]:
    func = node.func
    if isinstance(func, ast.Name):
        return "name", func.id
    if isinstance(func, ast.Attribute):
        owner = func.value.id if isinstance(func.value, ast.Name) else ""
        return owner, func.attr
    return "", ""


def _is_texty(arg: ast.expr) -> bool:
    """An argument that is (or is built from) text: a string literal, an f-string, str(...),
    a %/+ of strings, or an attribute of parsed command-line ``args``."""
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return True
    if isinstance(arg, ast.JoinedStr):
        return True
    if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Name) and arg.func.id in ("str", "input"):
        return True
    if isinstance(arg, ast.BinOp):
        return _is_texty(arg.left) or _is_texty(arg.right)
    if isinstance(arg, ast.Attribute) and isinstance(arg.value, ast.Name) and arg.value.id == "args":
        return True
    return False


def test_package_sources_were_found():
    files = [path for path, _ in _sources()]
    assert any(p.name == "loader.py" for p in files) and len(files) > 20


def test_no_eval_exec_or_code_parsing_calls():
    found = []
    for path, tree in _sources():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            owner, name = _call_name(node)
            if owner == "name" and name in BANNED_NAMES:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}()")
            elif owner != "name" and name in BANNED_ATTRIBUTES:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {owner}.{name}()")
    assert not found, "code-running calls in the package: " + "; ".join(found)


def test_yaml_only_through_the_safe_loader():
    found = []
    for path, tree in _sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                owner, name = _call_name(node)
                safe_loader = any(k.arg == "Loader" and isinstance(k.value, ast.Attribute)
                                  and isinstance(k.value.value, ast.Name) and k.value.value.id == "yaml"
                                  and k.value.attr in ("SafeLoader", "CSafeLoader") for k in node.keywords)
                if owner == "yaml" and name in ("load", "load_all", "unsafe_load", "full_load", "dump", "Loader") \
                        and not (name == "load" and safe_loader):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} yaml.{name}()")
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "yaml" \
                    and node.attr in UNSAFE_YAML:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} yaml.{node.attr}")
            if isinstance(node, ast.ImportFrom) and node.module == "yaml":
                bad = [a.name for a in node.names if a.name in UNSAFE_YAML | {"load", "unsafe_load", "full_load"}]
                if bad:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} from yaml import {bad}")
    assert not found, "unsafe YAML use: " + "; ".join(found)


def test_sympify_never_gets_text():
    """sympify/S() parse strings with eval: every call in the package must take a
    non-text argument (sympy objects or ints); the runtime test below checks the rest."""
    found = []
    for path, tree in _sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                owner, name = _call_name(node)
                if name in ("sympify", "S") and owner in ("sympy", "name", "sp"):
                    if any(_is_texty(arg) for arg in node.args):
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, "sympify of text: " + "; ".join(found)


def test_safe_loader_refuses_python_tags():
    from snncost.errors import InputFileError
    from snncost.spec.loader import parse_text

    for text in ("!!python/object/apply:os.system ['echo unsafe']",
                 "name: !!python/name:os.system ''",
                 "x: !!python/object/new:subprocess.Popen [['true']]"):
        with pytest.raises(InputFileError, match="malformed YAML"):
            parse_text(text, ".yaml", "spec file 'x.yaml'")


def test_no_eval_exec_or_sympify_of_strings_at_runtime(tmp_path, monkeypatch, capsys):
    """Run the CLI on user text with eval/exec and sympify(str) made to fail loudly."""
    import builtins

    import sympy

    import snncost.cli as cli

    cli.build_parser()  # import every command module first (imports may exec legitimately)
    for module in ("snncost.formula", "snncost.sweep", "pandas", "tabulate"):
        try:
            __import__(module)
        except ImportError:
            pass
    calls = []
    real_sympify = sympy.sympify

    def guarded_sympify(value, *args, **kwargs):
        if isinstance(value, str):
            calls.append(f"sympify({value!r})")
        return real_sympify(value, *args, **kwargs)

    package = (str(ROOT / "snncost"), str(ROOT / "model_zoo"), str(ROOT / "tables"))

    def refuse_text(name, real):
        def run(source, *args, **kwargs):
            caller = sys._getframe(1).f_code.co_filename
            # imports exec code objects and dataclasses exec generated text: only snncost's own calls count
            if isinstance(source, (str, bytes)) and caller.startswith(package):
                calls.append(f"{name}({source[:60]!r})")
                raise AssertionError(f"{name} of text called")
            return real(source, *args, **kwargs)
        return run

    monkeypatch.setattr(sympy, "sympify", guarded_sympify)
    monkeypatch.setattr(builtins, "eval", refuse_text("eval", builtins.eval))
    monkeypatch.setattr(builtins, "exec", refuse_text("exec", builtins.exec))
    monkeypatch.chdir(tmp_path)
    spec = tmp_path / "evil.yaml"
    spec.write_text(textwrap.dedent("""\
        name: "__import__('os').system('echo pwned')"
        description: "exec('1/0')"
        source: "H**2 + eval('1')"
        input: {shape: [3, 8, 8]}
        nodes:
          - {name: H, op: conv2d, out_channels: 4, kernel: 3, padding: 1}
          - {name: x__class__, op: lif, layer_group: "g"}
        """))
    runs = [["table", "evil.yaml", "--format", "json"], ["spec", "evil.yaml"],
            ["table", "resnet19", "--sharing", "L+C2", "--input", "32"]]
    commands = cli.build_parser()._subparsers._group_actions[0].choices
    if "formula" in commands:
        runs += [["formula", "evil.yaml"], ["formula", "resnet19", "--sharing", "L+CN"],
                 ["formula", "evil.yaml", "--symbols", "__import__('os')"]]
    statuses = [cli.main(argv) for argv in runs]
    capsys.readouterr()
    assert not calls, calls
    assert statuses[:3] == [0, 0, 0]
    assert all(status in (0, 2) for status in statuses), statuses


HOOK = r"""
import json, os, sys
events = []
def hook(event, args):
    if event == "open":
        path, mode = args[0], args[1]
        flags = args[2] if len(args) > 2 else 0
        if isinstance(path, (str, bytes, os.PathLike)):
            events.append(["open", os.fsdecode(path), str(mode), int(flags or 0)])
    elif event in ("os.remove", "os.rename", "os.replace", "os.mkdir", "os.rmdir", "os.symlink", "os.chmod",
                   "shutil.copyfile", "shutil.rmtree", "os.listdir", "os.scandir"):
        events.append([event] + [os.fsdecode(a) if isinstance(a, (str, bytes, os.PathLike)) else str(a)
                                 for a in args[:2]])
import snncost.cli
snncost.cli.build_parser()
sys.addaudithook(hook)
status = snncost.cli.main(sys.argv[1:])
sys.stderr.flush()
with open(os.environ["SNNCOST_AUDIT_LOG"], "w") as log:
    json.dump({"status": status, "events": events}, log)
"""


def _audit(tmp_path, argv):
    script = tmp_path / "audit_run.py"
    script.write_text(HOOK)
    log = tmp_path / "audit.json"
    env = dict(os.environ, SNNCOST_AUDIT_LOG=str(log))
    env.pop("SNNCOST_DEBUG", None)
    proc = subprocess.run([sys.executable, str(script), *argv], cwd=tmp_path / "work", env=env,
                          capture_output=True, text=True, timeout=120)
    data = json.loads(log.read_text())
    return proc, data["status"], [e for e in data["events"] if not e[1].endswith(os.sep + "audit.json")]


PYTHON_ROOTS = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, str(ROOT))} | \
    {os.path.realpath(p) for p in sys.path if p and os.path.isabs(p)}


def _allowed_read(path: str, mode: str, flags: int) -> bool:
    """Reads that are not the user's: Python's own files (lazy imports, package data)."""
    if "w" in mode or "a" in mode or "x" in mode or "+" in mode or flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
        return False
    real = os.path.realpath(path)
    return any(real == r or real.startswith(r + os.sep) for r in PYTHON_ROOTS) or real.startswith(("/proc/", "/dev/"))


def test_spec_file_cannot_make_snncost_touch_other_paths(tmp_path):
    """A spec whose strings name other files (absolute, relative, ../, file://, ~) is
    analysed and written out; the audit log shows snncost opened only the spec itself
    and its --out file (plus Python's own modules)."""
    work = tmp_path / "work"
    work.mkdir()
    secret = tmp_path / "secret.yaml"
    secret.write_text("name: secret\n")
    (work / "evil.yaml").write_text(textwrap.dedent(f"""\
        name: evil
        description: "{secret}"
        source: "file://{secret}"
        notes: ["../secret.yaml", "~/.ssh/id_rsa", "/etc/passwd", "!include {secret}"]
        input: {{shape: [3, 8, 8]}}
        default_grouping: blocks
        groupings: {{blocks: {{g: [lif1, lif2]}}}}
        nodes:
          - {{name: conv1, op: conv2d, out_channels: 4, kernel: 3, padding: 1}}
          - {{name: lif1, op: lif}}
          - {{name: conv2, op: conv2d, out_channels: 4, kernel: 3, padding: 1}}
          - {{name: lif2, op: lif}}
        """))
    for argv, out in ((["table", "evil.yaml", "--sharing", "L", "--format", "json", "--out", "report.json"], "report.json"),
                      (["spec", "evil.yaml", "--out", "copy.yaml"], "copy.yaml")):
        proc, status, events = _audit(tmp_path, argv)
        assert status == 0, proc.stderr
        assert (work / out).is_file()
        paths = lambda e: 1 if e[0] == "open" else 2  # noqa: E731 - how many path arguments an event has
        events = [[e[0]] + [os.path.join(work, p) for p in e[1:1 + paths(e)]] + e[1 + paths(e):] for e in events]
        user_opens = [e for e in events if e[0] == "open" and not _allowed_read(*e[1:4])]
        names = {os.path.relpath(os.path.realpath(e[1]), os.path.realpath(work)) for e in user_opens}
        temp_outputs = {n for n in names if n.startswith(f".{out}.") and n.endswith(".tmp")}
        assert names - temp_outputs <= {"evil.yaml", out}, names
        for event in events:
            assert all(str(secret) not in str(p) and "passwd" not in str(p) and ".ssh" not in str(p)
                       for p in event[1:3]), event
        writes = [e for e in user_opens if ("w" in e[2] or "a" in e[2] or "x" in e[2] or "+" in e[2])
                  or e[3] & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)]
        assert writes and all(os.path.dirname(os.path.realpath(e[1])) == os.path.realpath(work) for e in writes)
        moved = [e for e in events if e[0] in ("os.rename", "os.replace", "os.remove", "os.mkdir", "os.rmdir",
                                              "os.symlink", "os.chmod", "shutil.rmtree", "shutil.copyfile")]
        assert all(os.path.dirname(os.path.realpath(p)) == os.path.realpath(work) for e in moved for p in e[1:3])
    assert secret.read_text() == "name: secret\n"
    assert sorted(p.name for p in work.iterdir()) == ["copy.yaml", "evil.yaml", "report.json"]
    json.loads((work / "report.json").read_text())
