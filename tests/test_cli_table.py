"""`snncost table` and `snncost spec` end to end (in process, and once as a subprocess)."""
import json
import subprocess
import sys

import pytest

from snncost.cli import main
from snncost.spec import load_spec

REQUIRED_TOTALS = {"params", "lif_neurons", "lif_forward_bits", "lif_backward_bits", "weight_bits",
                   "spike_bits_per_timestep", "spike_bits_all_timesteps"}
REQUIRED_LAYER = {"name", "kind", "output_shape", "params", "lif_neurons", "lif_forward_bits",
                  "lif_backward_bits", "sharing_buffer"}


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_readme_command_reports_published_row(capsys):
    code, out, err = run(capsys, "table", "resnet19", "--input", "224", "--sharing", "L+C2")
    assert code == 0 and err == ""
    assert "LIF forward memory" in out
    forward = next(line for line in out.splitlines() if line.startswith("LIF forward memory"))
    backward = next(line for line in out.splitlines() if line.startswith("LIF backward memory"))
    assert "32.16 MiB" in forward and "32.16 MiB" in backward
    assert "layer grouping 'table1'" in out and "training mode reverse" in out


def test_none_row(capsys):
    code, out, _ = run(capsys, "table", "resnet19", "--input", "224", "--sharing", "none", "--digits", "1")
    assert code == 0
    assert "140.9 MiB" in out and "704.4 MiB" in out  # Table 1: 140.88 / 704.4


def test_json_interface(capsys):
    code, out, _ = run(capsys, "table", "resnet19", "--input", "64", "--sharing", "C2", "--format", "json")
    data = json.loads(out)
    assert set(data) >= {"model", "config", "totals", "layers"}
    assert REQUIRED_TOTALS <= set(data["totals"])
    assert all(isinstance(data["totals"][k], int) for k in REQUIRED_TOTALS)
    assert all(REQUIRED_LAYER <= set(row) for row in data["layers"])
    # 753,664 x 4 neurons / 2 x 32 bit at 64x64
    assert data["totals"]["lif_forward_bits"] == 753_664 * 4 // 2 * 32
    assert sum(r["lif_forward_bits"] for r in data["layers"]) == data["totals"]["lif_forward_bits"]
    assert data["config"]["input_shape"] == [3, 64, 64] and data["config"]["sharing"] == "C2"


@pytest.mark.parametrize("fmt,marker", [("md", "| node"), ("csv", "name,kind,output_shape"),
                                        ("latex", "\\toprule"), ("text", "TOTAL")])
def test_formats(capsys, fmt, marker):
    code, out, _ = run(capsys, "table", "vgg16", "--format", fmt, "--units", "KiB")
    assert code == 0 and marker in out


def test_csv_totals_are_exact_bits(capsys):
    _, out, _ = run(capsys, "table", "vgg16", "--format", "csv")
    total = out.strip().splitlines()[-1].split(",")
    assert total[0] == "TOTAL" and int(total[7]) == 473_088 * 32


def test_units_are_explicit(capsys):
    _, out, _ = run(capsys, "table", "resnet19", "--units", "MB")
    # 753,664 x 4 B = 3,014,656 B = 3.01 MB (decimal), not 2.88
    assert "3.01 MB" in out
    _, out, _ = run(capsys, "table", "resnet19", "--units", "bit")
    assert "24117248 bit" in out


def test_spec_round_trip(tmp_path, capsys):
    code, text, _ = run(capsys, "spec", "resnet19")
    assert code == 0 and text.startswith("name: resnet19")
    path = tmp_path / "r19.yaml"
    path.write_text(text)
    code, out, _ = run(capsys, "table", str(path), "--sharing", "L", "--format", "json")
    from_file = json.loads(out)
    _, out, _ = run(capsys, "table", "resnet19", "--sharing", "L", "--format", "json")
    from_zoo = json.loads(out)
    assert from_file["totals"] == from_zoo["totals"]
    assert load_spec(path).groupings == load_spec(path).groupings  # loads twice, same result


def test_out_file(tmp_path, capsys):
    target = tmp_path / "t.md"
    code, out, _ = run(capsys, "table", "vgg16", "--format", "md", "--out", str(target))
    assert code == 0 and out == "" and target.read_text().startswith("**vgg16")


@pytest.mark.parametrize("argv,needle", [
    (["table", "resnet99"], "model 'resnet99'"),
    (["table", "resnet19", "--sharing", "C3"], "C3 does not divide"),
    (["table", "resnet19", "--sharing", "X"], "unknown sharing scheme"),
    (["table", "vgg16", "--input", "8"], "node 'pool4' field 'kernel'"),  # 8 -> 4 -> 2 -> 1 -> 0
    (["table", "resnet19", "--units", "mib"], "unknown unit"),
    (["table", "resnet19", "--format", "xml"], "unknown format"),
    (["table", "resnet19", "--batch", "0"], "--batch"),
    (["table", "resnet19", "--layer-groups", "nope", "--sharing", "L"], "no grouping"),
])
def test_bad_input_one_line_exit_2(capsys, argv, needle):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and needle in err and "Traceback" not in err


def test_subprocess_exit_code_and_no_traceback():
    proc = subprocess.run([sys.executable, "-m", "snncost.cli", "table", "resnet19", "--sharing", "C5"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("snncost: option --sharing") and proc.stderr.count("\n") == 1
