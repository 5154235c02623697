"""Models from the SNN frameworks (optional: skipped without torch / snntorch / sinabs).

- snnTorch's own NIR exporter (``snntorch.export_to_nir``) on a small network, read by
  snncost, gives the same report as the network written as a snncost spec by hand;
- Sinabs' exporter (``sinabs.to_nir``) on the same network (Sinabs 3.1 pins nir <= 1.0.4,
  so it is usually not installed next to nir 1.0.8; the test then skips);
- the zoo models' parameter (and batchnorm buffer) counts equal those of the same
  networks built in PyTorch from the papers' layer lists (test code only).
"""
from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

import snncost  # noqa: E402
from snncost.spec import spec_from_dict  # noqa: E402

T = 5

# The network in both frameworks: conv 2->4 (3x3, padding 1, no bias) at 8x8, LIF, 2x2
# pool, flatten (4 x 4 x 4 = 64), linear 64->10, LIF.
# By hand: params 4*2*9 = 72 + 64*10 + 10 = 722; LIF neurons 4*8*8 + 10 = 266.
BY_HAND = {"name": "by_hand", "input": {"shape": [2, 8, 8]}, "timesteps": T, "nodes": [
    {"name": "conv", "op": "conv2d", "out_channels": 4, "kernel": 3, "padding": 1, "bias": False},
    {"name": "lif1", "op": "lif", "reset": "soft"},
    {"name": "pool", "op": "POOL", "kernel": 2},
    {"name": "flat", "op": "flatten"},
    {"name": "fc", "op": "linear", "out_features": 10},
    {"name": "lif2", "op": "lif", "reset": "soft"}]}


def by_hand(pool: str):
    data = {**BY_HAND, "nodes": [dict(n, op=pool) if n["op"] == "POOL" else n for n in BY_HAND["nodes"]]}
    return spec_from_dict(data)


def same_reports(imported, written):
    for sharing in ("none", "L", "C2"):
        a = snncost.analyze(imported, sharing=sharing, batch=4)
        b = snncost.analyze(written, sharing=sharing, batch=4)
        assert a.totals == b.totals, sharing
        assert [(r["kind"], r["output_shape"], r["params"], r["lif_forward_bits"], r["lif_backward_bits"])
                for r in a.rows] == [(r["kind"], r["output_shape"], r["params"], r["lif_forward_bits"],
                                      r["lif_backward_bits"]) for r in b.rows]
    t = snncost.analyze(imported).totals
    assert t["params"] == 722 and t["lif_neurons"] == 266


def test_snntorch_export_equals_the_spec_by_hand(tmp_path):
    snn = pytest.importorskip("snntorch")
    pytest.importorskip("nirtorch")
    from snntorch.export_nir import export_to_nir

    from snncost.nir_io import from_nir

    # per-neuron beta and threshold: with scalars, nir's own type inference (called by
    # export_to_nir) fails on the 0-d neuron arrays
    net = nn.Sequential(
        nn.Conv2d(2, 4, 3, padding=1, bias=False),
        snn.Leaky(beta=torch.full((4, 8, 8), 0.9), threshold=torch.ones(4, 8, 8), init_hidden=True),
        nn.AvgPool2d(2), nn.Flatten(), nn.Linear(64, 10),
        snn.Leaky(beta=torch.full((10,), 0.9), threshold=torch.ones(10), init_hidden=True, output=True))
    graph = export_to_nir(net, torch.randn(1, 2, 8, 8), ignore_dims=[0])
    import nir

    path = tmp_path / "snntorch.nir"
    nir.write(str(path), graph)
    # snnTorch's Leaky subtracts the threshold (reset_mechanism 'subtract'): soft reset
    same_reports(from_nir(path, timesteps=T, reset="soft"), by_hand("avgpool2d"))


def test_snntorch_graph_with_batch_dim_and_scalar_constants():
    """The graph nirtorch extracts with snnTorch's module mapping, before export_to_nir's
    final nir type inference (which refuses scalar beta): batch dimension kept, 0-d tau."""
    snn = pytest.importorskip("snntorch")
    nirtorch = pytest.importorskip("nirtorch")
    from snntorch import export_nir

    from snncost.nir_io import from_nir

    mapping = getattr(export_nir, "_extract_snntorch_module", None)
    if mapping is None:
        pytest.skip("this snntorch has no _extract_snntorch_module")
    net = nn.Sequential(nn.Conv2d(2, 4, 3, padding=1, bias=False), snn.Leaky(beta=0.9, init_hidden=True),
                        nn.AvgPool2d(2), nn.Flatten(), nn.Linear(64, 10), snn.Leaky(beta=0.9, init_hidden=True, output=True))
    try:
        graph = nirtorch.extract_nir_graph(net, mapping, torch.randn(1, 2, 8, 8), model_name="snntorch")
    except Exception as exc:  # noqa: BLE001 - a framework/nir version mismatch, not snncost's
        pytest.skip(f"nirtorch could not extract the graph: {type(exc).__name__}: {exc}")
    spec = from_nir(graph, timesteps=T, reset="soft")
    assert any("batch dimension of size 1 was removed" in note for note in spec.report_notes)
    same_reports(spec, by_hand("avgpool2d"))


def test_snntorch_recurrent_leaky():
    """snn.RLeaky exports a nested graph with a recurrent edge lif -> w_rec -> lif."""
    snn = pytest.importorskip("snntorch")
    pytest.importorskip("nirtorch")
    from snntorch.export_nir import export_to_nir

    from snncost.nir_io import from_nir

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(6, 8)
            self.rlif = snn.RLeaky(beta=torch.full((8,), 0.9), threshold=torch.ones(8), linear_features=8,
                                   init_hidden=True)

        def forward(self, x):
            return self.rlif(self.fc(x))
    try:
        graph = export_to_nir(Net(), torch.randn(1, 6), ignore_dims=[0])
    except Exception as exc:  # noqa: BLE001 - exporter/nir version mismatch
        pytest.skip(f"snntorch could not export RLeaky: {type(exc).__name__}: {exc}")
    report = snncost.analyze(from_nir(graph, timesteps=T, reset="soft"))
    # params: fc 6*8 + 8 = 56; the recurrent all-to-all nn.Linear(8, 8) with its bias: 8*8 + 8 = 72
    assert report.totals["params"] == 56 + 72
    assert report.totals["lif_neurons"] == 8
    assert any("recurrent edge" in note for note in report.notes)


def test_sinabs_export_equals_the_spec_by_hand():
    sinabs = pytest.importorskip("sinabs")
    import sinabs.layers as sl

    from snncost.nir_io import from_nir

    net = nn.Sequential(nn.Conv2d(2, 4, 3, padding=1, bias=False), sl.LIFSqueeze(tau_mem=2.0, batch_size=1),
                        sl.SumPool2d(2), nn.Flatten(), nn.Linear(64, 10), sl.LIFSqueeze(tau_mem=2.0, batch_size=1))
    graph = sinabs.to_nir(net, torch.randn(1, 2, 8, 8))
    # Sinabs' LIF subtracts the threshold by default (MembraneSubtract): soft reset
    same_reports(from_nir(graph, timesteps=T, reset="soft"), by_hand("sumpool2d"))


# ---------------------------------------------------------------------------
# Zoo parameter counts against the same networks in PyTorch
# ---------------------------------------------------------------------------

def conv_bn(cin, cout, k=3, stride=1):
    return [nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, bias=False), nn.BatchNorm2d(cout)]


class BasicBlock(nn.Module):
    """He et al. 2016 BasicBlock (LIFs have no parameters and are left out)."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.main = nn.Sequential(*conv_bn(cin, cout, 3, stride), *conv_bn(cout, cout))
        self.shortcut = nn.Sequential(*conv_bn(cin, cout, 1, stride)) if stride != 1 or cin != cout else nn.Identity()


def resnet(stem, stages, head):
    """stem width; stages: (width, blocks, first stride); head: linear layer widths."""
    layers, cin = list(conv_bn(3, stem)), stem
    for width, blocks, stride in stages:
        for k in range(blocks):
            layers.append(BasicBlock(cin, width, stride if k == 0 else 1))
            cin = width
    for width in head:
        layers.append(nn.Linear(cin, width))
        cin = width
    return nn.Sequential(*layers)


def vgg(widths, cin, classifier_in, classes=10):
    layers = []
    for w in widths:
        if w in ("M", "P"):
            continue
        layers += conv_bn(cin, w)
        cin = w
    return nn.Sequential(*layers, nn.Linear(classifier_in, classes))


TORCH_ZOO = {
    # EfficientLIF-Net ResNet19 (domain notes sec. 1): stem 128, stages 256/512/512 x [3, 3, 2], FC 512->10
    "resnet19": lambda: resnet(128, [(256, 3, 2), (512, 3, 2), (512, 2, 2)], [10]),
    # the authors' baseline file: stages 128/256/512
    "resnet19-baseline-code": lambda: resnet(128, [(128, 3, 2), (256, 3, 2), (512, 2, 2)], [10]),
    # EfficientLIF-Net VGG16 (domain notes sec. 1): 3x3 convs + BN, AdaptiveAvgPool, Linear(512, 10)
    "vgg16": lambda: vgg((128, 128, "M", 256, 256, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512), 3, 512),
    # IM-SNN / TET ResNet-19 (domain notes sec. 3): stem 64; 128 x3 s1, 256 x3 s2, 512 x2 s2; FC 512->256->10
    "imsnn-resnet19": lambda: resnet(64, [(128, 3, 1), (256, 3, 2), (512, 2, 2)], [256, 10]),
    # IM-SNN VGG-9 (svgg9, domain notes sec. 3) at 48x48, 2 input channels: Linear(4608, 10)
    "imsnn-vgg9": lambda: vgg((64, 128, "P", 256, 256, "P", 512, 512, "P", 512, 512, "P"), 2, 4608),
}


@pytest.mark.parametrize("name", sorted(TORCH_ZOO))
def test_zoo_parameters_equal_pytorch(name):
    model = TORCH_ZOO[name]()
    params = sum(p.numel() for p in model.parameters())
    running = sum(m.running_mean.numel() + m.running_var.numel() for m in model.modules()
                  if isinstance(m, nn.BatchNorm2d))
    totals = snncost.analyze(name).totals
    assert totals["params"] == params
    assert totals["buffers"] == running
