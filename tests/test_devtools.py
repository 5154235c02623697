"""snncost.devtools (docs/testing.md): the message-only rule and the score table, without mutmut."""
from __future__ import annotations

import ast
from collections import Counter

from snncost import devtools

ORIGINAL = '''
def check(value, where="option --x"):
    site = f"site {value}"
    if value < 1:
        raise ValueError(where, f"{site} is too small", "a positive number")
    return value * 2
'''


def _same_logic(mutant: str) -> bool:
    original = ast.parse(ORIGINAL).body[0]
    names = devtools._message_names(original)
    return devtools._logic(original, names) == devtools._logic(ast.parse(mutant).body[0], names)


def test_message_names_are_read_only_inside_raise():
    names = devtools._message_names(ast.parse(ORIGINAL).body[0])
    assert {"site", "where"} <= names and "value" not in names  # value is read outside the raise too


def test_message_only_mutants():
    assert _same_logic(ORIGINAL.replace('"a positive number"', '"XXa positive numberXX"'))
    assert _same_logic(ORIGINAL.replace('raise ValueError(where, ', 'raise ValueError(None, '))
    assert _same_logic(ORIGINAL.replace('site = f"site {value}"', "site = None"))
    assert _same_logic(ORIGINAL.replace('where="option --x"', 'where="XXoption --xXX"'))


def test_logic_mutants():
    assert not _same_logic(ORIGINAL.replace("value < 1", "value <= 1"))
    assert not _same_logic(ORIGINAL.replace("value * 2", "value / 2"))
    assert not _same_logic(ORIGINAL.replace("raise ValueError(", "raise TypeError("))
    assert not _same_logic(ORIGINAL.replace('value, where="option --x"', 'value, where="option --x", n=1'))


def test_score_rows():
    # 8 killed + 1 timeout of 12 checked: 75.0%; without the 2 message-only survivors: 9 / 10
    counts = Counter({"killed": 8, "timeout": 1, "survived": 3, "message-only survived": 2, "skipped": 4})
    assert devtools._row("m", counts) == "| m | 9 | 3 (2) | 0 | 12 | 75.0% | 90.0% |"
    table = devtools.score_table({"a": counts, "b": Counter({"killed": 1, "no tests": 1})})
    assert table.splitlines()[-1] == "| all | 10 | 3 (2) | 1 | 14 | 71.4% | 83.3% |"


def test_status_of_exit_codes():
    assert [devtools._status(c) for c in (1, 3, 0, 5, 33, 36, 34, None, 99)] == [
        "killed", "killed", "survived", "no tests", "no tests", "timeout", "skipped", "not checked", "suspicious"]
