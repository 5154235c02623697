"""Technology tables (snncost.energy): the built-in tables' exact prices, user tables
from a dict or a YAML file, name lookup, and every refusal word for word."""
from __future__ import annotations

from fractions import Fraction

import pytest

from snncost.energy import (TechTable, builtin_tables, load_table, register_table, table_from_dict, table_names,
                            unregister_table)
from snncost.errors import ConfigError, InputFileError

BASE = {"name": "t", "source": "my lab", "ops": {"a": "1", "b": "0.5"}, "roles": {"mac": ["a"], "ac": ["b"]}}
BUILTIN = ["horowitz45", "lemaire2022", "sata", "spikingjelly-fp16", "spikingjelly-fp32", "spikingjelly-int8"]
ROLES = "mac, ac, neuron_op, exponent_add"


def _table(**changes):
    data = {**BASE, **changes}
    return {k: v for k, v in data.items() if v is not ...}   # ...: leave the field out


def _message(call) -> str:
    with pytest.raises((ConfigError, InputFileError)) as info:
        call()
    return str(info.value)


def test_builtin_prices():
    """The tables' roles priced from their files (domain notes sec. 5 and 6)."""
    tables = builtin_tables()
    assert sorted(tables) == BUILTIN
    prices = {name: tuple(t.price(role) for role in ("mac", "ac", "neuron_op", "exponent_add"))
              for name, t in tables.items()}
    assert prices == {
        "horowitz45": (Fraction("4.6"), Fraction("0.9"), Fraction("0.9"), Fraction("0.03")),   # 3.7 + 0.9; 8-bit int add
        "lemaire2022": (Fraction("4.6"), Fraction("0.9"), Fraction("0.9"), Fraction("0.03")),
        "sata": (Fraction("0.2779"), Fraction("0.0389"), Fraction("0.00967"), Fraction("0.00967")),  # 0.239 + 0.0389
        "spikingjelly-fp16": (Fraction("1.5"), Fraction("0.4"), Fraction("0.4"), Fraction("0.4")),
        "spikingjelly-fp32": (Fraction("4.6"), Fraction("0.9"), Fraction("0.9"), Fraction("0.9")),
        "spikingjelly-int8": (Fraction("0.23"), Fraction("0.03"), Fraction("0.03"), Fraction("0.03")),
    }
    assert all(type(p) is Fraction for row in prices.values() for p in row)
    h = tables["horowitz45"]
    assert h.title == "Horowitz 45 nm, 0.9 V (FP32 MAC 4.6 pJ, add 0.9 pJ)"
    assert h.memory == {"access_bits": 64, "sram_8KB": 10, "sram_32KB": 20, "sram_1MB": 100, "dram": 1300}
    assert tables["lemaire2022"].memory == {"sram_fit_slope_per_bit": Fraction(109, 10**7),
                                            "sram_fit_intercept": Fraction(132, 10)}
    assert tables["sata"].memory == {}
    assert tables["spikingjelly-int8"].source.startswith("SpikingJelly, spikingjelly/activation_based/op_counter")
    assert "\n" not in h.source and "  " not in h.source


def test_table_from_dict_exact_values():
    table = table_from_dict({"name": "x", "title": "X table", "source": "  a\n   b  ", "unit": "pJ",
                             "ops": {"m": "2", "a": 0.1, "z": 0, 7: 3},
                             "roles": {"mac": ["m", "a", "a"], "ac": "a", "exponent_add": ["z"]},
                             "memory": {"sram": "10", 64: 1.5}}, "table x")
    assert isinstance(table, TechTable)
    assert (table.name, table.title, table.source) == ("x", "X table", "a b")
    assert table.ops == {"m": 2, "a": Fraction(1, 10), "z": 0, "7": 3}   # 0.1 read as its decimal text
    assert all(type(v) is Fraction for v in table.ops.values())
    # mac = 2 + 0.1 + 0.1; neuron_op defaults to ac; exponent_add as given (0)
    assert table.roles == {"mac": Fraction(22, 10), "ac": Fraction(1, 10), "exponent_add": 0, "neuron_op": Fraction(1, 10)}
    assert all(type(v) is Fraction for v in table.roles.values())
    assert table.memory == {"sram": 10, "64": Fraction(3, 2)} and all(type(v) is Fraction for v in table.memory.values())
    defaults = table_from_dict(_table(roles={"mac": ["a"], "ac": ["b"], "neuron_op": ["a"]}, memory=None), "table t")
    assert defaults.title == "t" and defaults.memory == {}
    assert defaults.roles == {"mac": 1, "ac": Fraction(1, 2), "neuron_op": 1, "exponent_add": Fraction(1, 2)}


NOT_NUMBER = 'a number such as "0.9"'


@pytest.mark.parametrize("data, message", [
    ([1], "table t: holds a list, not a mapping; valid: a YAML mapping with name, source, ops, roles"),
    (None, "table t: holds a NoneType, not a mapping; valid: a YAML mapping with name, source, ops, roles"),
    (_table(zz=1, aa=2), "table t field 'aa': unknown field; valid: name, title, source, unit, ops, roles, memory"),
    (_table(name=...), "table t field 'name': is missing or empty; valid: a non-empty text"),
    (_table(name=" \n"), "table t field 'name': is missing or empty; valid: a non-empty text"),
    (_table(name=5), "table t field 'name': is missing or empty; valid: a non-empty text"),
    (_table(source=""), "table t field 'source': is missing or empty; valid: a non-empty text"),
    (_table(unit="mJ"), "table t field 'unit': unknown unit 'mJ'; valid: pJ"),
    (_table(unit=None), "table t field 'unit': unknown unit None; valid: pJ"),
    (_table(ops=...), "table t field 'ops': is missing or not a mapping; valid: op name -> pJ per op"),
    (_table(ops={}), "table t field 'ops': is missing or not a mapping; valid: op name -> pJ per op"),
    (_table(ops=["a"]), "table t field 'ops': is missing or not a mapping; valid: op name -> pJ per op"),
    (_table(ops={"a": True}), f"table t field 'ops.a': expected a number of pJ, got bool; valid: {NOT_NUMBER}"),
    (_table(ops={"a": [1]}), f"table t field 'ops.a': expected a number of pJ, got list; valid: {NOT_NUMBER}"),
    (_table(ops={"a": None}), f"table t field 'ops.a': expected a number of pJ, got NoneType; valid: {NOT_NUMBER}"),
    (_table(ops={"a": " one "}), f"table t field 'ops.a': ' one ' is not a number; valid: {NOT_NUMBER}"),
    (_table(ops={"a": "x" * 50}), f"table t field 'ops.a': '{'x' * 40}' is not a number; valid: {NOT_NUMBER}"),
    (_table(ops={"a": "inf"}), f"table t field 'ops.a': 'inf' is not a finite number; valid: {NOT_NUMBER}"),
    (_table(ops={"a": float("inf")}), f"table t field 'ops.a': 'inf' is not a finite number; valid: {NOT_NUMBER}"),
    (_table(ops={"a": float("nan")}), f"table t field 'ops.a': 'nan' is not a finite number; valid: {NOT_NUMBER}"),
    (_table(ops={"a": "1e999999999"}), f"table t field 'ops.a': '1e999999999' has an exponent beyond +-40; "
                                       f"valid: {NOT_NUMBER}"),
    (_table(ops={"a": "-1"}), "table t field 'ops.a': negative energy -1; valid: a number >= 0"),
    (_table(ops={"a": -0.5}), "table t field 'ops.a': negative energy -0.5; valid: a number >= 0"),
    (_table(roles=...), f"table t field 'roles': needs at least 'mac' and 'ac'; valid: role -> list of op names, roles {ROLES}"),
    (_table(roles=["mac", "ac"]), f"table t field 'roles': needs at least 'mac' and 'ac'; valid: role -> list of op names, roles {ROLES}"),
    (_table(roles={"mac": ["a"]}), f"table t field 'roles': needs at least 'mac' and 'ac'; valid: role -> list of op names, roles {ROLES}"),
    (_table(roles={"ac": ["a"]}), f"table t field 'roles': needs at least 'mac' and 'ac'; valid: role -> list of op names, roles {ROLES}"),
    (_table(roles={"mac": ["a"], "ac": ["a"], "spike": ["a"]}), f"table t field 'roles.spike': unknown role; valid: {ROLES}"),
    (_table(roles={"mac": 5, "ac": ["a"]}), "table t field 'roles.mac': is not a list of op names; valid: names from 'ops': a, b"),
    (_table(roles={"mac": [], "ac": ["a"]}), "table t field 'roles.mac': is not a list of op names; valid: names from 'ops': a, b"),
    (_table(roles={"mac": ["a"], "ac": ["a", "zz", "yy"]}),
     "table t field 'roles.ac': names an op not in 'ops': 'zz'; valid: names from 'ops': a, b"),
    (_table(roles={"mac": "q", "ac": ["a"]}), "table t field 'roles.mac': names an op not in 'ops': 'q'; valid: names from 'ops': a, b"),
    (_table(memory=["sram"]), "table t field 'memory': is not a mapping; valid: level -> pJ per access"),
    (_table(memory={"sram": "lots"}), f"table t field 'memory.sram': 'lots' is not a number; valid: {NOT_NUMBER}"),
])
def test_table_refusals(data, message):
    assert _message(lambda: table_from_dict(data, "table t")) == message


def test_zero_energy_is_allowed():
    assert table_from_dict(_table(ops={"a": "0", "b": "0.0"}), "table t").price("ac") == 0


def test_register_lookup_and_unregister(tmp_path):
    assert _message(lambda: unregister_table("nope-tables")) == (
        "technology table: no user table 'nope-tables' is registered; valid: (none)")
    mine = register_table(_table(name="aaa-tables"))
    try:
        assert load_table("aaa-tables") is mine and load_table(mine) is mine
        assert table_names() == ["aaa-tables", *BUILTIN]   # sorted, user tables included
        assert _message(lambda: unregister_table("nope-tables")) == (
            "technology table: no user table 'nope-tables' is registered; valid: aaa-tables")
        register_table(_table(name="bbb-tables"))
        assert _message(lambda: unregister_table("nope-tables")) == (
            "technology table: no user table 'nope-tables' is registered; valid: aaa-tables, bbb-tables")
        unregister_table("bbb-tables")
        # a user table shadows a built-in one of the same name
        shadow = register_table(_table(name="sata"))
        assert load_table("sata") is shadow and load_table("sata").price("mac") == 1
        unregister_table("sata")
        assert load_table("sata") is builtin_tables()["sata"]
    finally:
        unregister_table("aaa-tables")
    assert table_names() == BUILTIN
    assert _message(lambda: register_table({"source": "x"})) == "table field 'name': is missing or empty; valid: a non-empty text"


@pytest.mark.parametrize("name", ["mine.yaml", "mine.YML", "mine.Yaml"])
def test_table_files(tmp_path, name):
    path = tmp_path / name
    path.write_text('name: file-table\nsource: my lab\nops: {m: "3", a: 0.25}\nroles: {mac: [m], ac: a}\n')
    table = load_table(str(path))
    assert table.name == "file-table" and table.roles["mac"] == 3 and table.roles["ac"] == Fraction(1, 4)
    registered = register_table(path)
    try:
        assert load_table("file-table") is registered
    finally:
        unregister_table("file-table")


def test_table_file_refusals(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: t\nops: [a\n")
    assert _message(lambda: load_table(str(broken))) == (
        f"option --tech '{broken}': is not valid YAML at line 3; valid: a YAML mapping (snncost/data/tech/horowitz45.yaml)")
    bell = tmp_path / "bell.yaml"
    bell.write_text("name: t\x07\n")   # a control character: a reader error, without a line mark
    assert _message(lambda: load_table(str(bell))) == (
        f"option --tech '{bell}': is not valid YAML; valid: a YAML mapping (snncost/data/tech/horowitz45.yaml)")
    listing = tmp_path / "list.yml"
    listing.write_text("- a\n")
    assert _message(lambda: load_table(str(listing))) == (
        f"option --tech '{listing}': holds a list, not a mapping; valid: a YAML mapping with name, source, ops, roles")
    missing = tmp_path / "missing.yaml"
    assert _message(lambda: load_table(str(missing))) == (
        f"option --tech '{missing}': cannot read it (FileNotFoundError); valid: a readable YAML file")
    valid = ('name: big\nsource: s\nops: {a: "1"}\nroles: {mac: [a], ac: [a]}\n#')
    big = tmp_path / "big.yaml"
    big.write_text(valid + "x" * (2**20 - len(valid)))          # exactly 1 MiB: read
    assert load_table(str(big)).name == "big"
    big.write_text(valid + "x" * (2**20 + 1 - len(valid)))      # one byte more: refused
    assert _message(lambda: load_table(str(big))) == f"option --tech '{big}': is larger than 1 MiB; valid: a smaller file"
    names = ", ".join(BUILTIN)
    assert _message(lambda: load_table("7nm")) == (
        f"option --tech: unknown technology table '7nm'; valid: {names}, or a .yaml table file")
    assert _message(lambda: load_table("n" * 70 + ".json")) == (
        f"option --tech: unknown technology table '{'n' * 60}'; valid: {names}, or a .yaml table file")
    assert _message(lambda: load_table(3)) == f"option --tech: unknown technology table '3'; valid: {names}, or a .yaml table file"


def test_unknown_energy_model_message():
    from snncost.energy import check_energy_model

    assert check_energy_model("mlif") == "mlif"
    assert _message(lambda: check_energy_model("e" * 50)) == (
        f"option --energy: unknown energy model '{'e' * 40}'; valid: compute, yao2023, spikformer, mlif, memory")
