"""One shared membrane buffer holds one membrane precision (issue #8's mixed-precision
layer-group bug): two same-shape LIF sites of one layer group with membrane_bits 32 and
8 are refused in either listing order, by the API and by the CLI (one line, exit 2)."""
from __future__ import annotations

import pytest

import snncost
from snncost.cli import main
from snncost.errors import SharingError


def _spec(first_bits, second_bits):
    return snncost.spec.spec_from_dict({
        "name": "mixed", "input": {"shape": [3, 8, 8]},
        "nodes": [
            {"name": "conv1", "op": "conv2d", "out_channels": 4, "kernel": 3, "padding": 1},
            {"name": "lif1", "op": "lif", "layer_group": "g", "membrane_bits": first_bits},
            {"name": "conv2", "op": "conv2d", "out_channels": 4, "kernel": 3, "padding": 1},
            {"name": "lif2", "op": "lif", "layer_group": "g", "membrane_bits": second_bits},
        ]})


@pytest.mark.parametrize("bits", [(32, 8), (8, 32)])
def test_mixed_membrane_bits_in_one_buffer_refused(bits):
    with pytest.raises(SharingError, match="membrane_bits"):
        snncost.analyze(_spec(*bits), sharing="L")


def test_unshared_sites_may_differ():
    # without L each site has its own buffer: 4*8*8 neurons x (32 + 8) bits, B = 1
    report = snncost.analyze(_spec(32, 8), sharing="none")
    assert report.totals["lif_forward_bits"] == 4 * 8 * 8 * (32 + 8)


def test_equal_bits_share_one_buffer():
    # one buffer of 4*8*8 neurons x 8 bits
    report = snncost.analyze(_spec(8, 8), sharing="L")
    assert report.totals["lif_forward_bits"] == 4 * 8 * 8 * 8


def test_override_that_splits_a_group_is_refused():
    with pytest.raises(SharingError, match="membrane_bits"):
        snncost.analyze(_spec(8, 8), sharing="L", node_overrides={"lif2": {"membrane_bits": 4}})


def test_cli_one_line_exit_2(tmp_path, capsys):
    path = tmp_path / "mixed.json"
    path.write_text(snncost.spec.dump_json(_spec(32, 8)))
    assert main(["table", str(path), "--sharing", "L"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "membrane_bits" in err
