"""EfficientLIF-Net's networks (Kim, Li, Moitra, Yin, Panda, Front. Neurosci. 2023).

Sources: the paper's Tables 1-2 and the authors' code,
github Intelligent-Computing-Lab-Yale/EfficientLIF-Net, folder archs/:

- ``resnet19``: archs/resnet/resnet_snn_layershare.py (and the channel-share files):
  stem 3x3 conv 3->128 (+BN, computed once on the static image) and LIF, BasicBlock
  stages [3, 3, 2] of widths 256, 512, 512, the first block of each stage stride 2,
  1x1 conv + BN shortcut where the shape changes, a LIF after conv1+BN and one after
  conv2+BN+shortcut, global average pool, Linear(512, classes).  These widths
  reproduce the published Table 1 baseline (753,664 LIF neurons at 32x32 = 2.875 MiB).
  Groupings: ``table1`` (default; stem alone and two buffers per stage, in-block LIFs
  and block-output LIFs: reproduces Table 1's L rows), ``code`` (one buffer per stage,
  as the authors' code shares ``layer{i}_lif``), ``text`` (one buffer per block, as the
  paper's text "layers in one ResNet block" reads).
- ``resnet19-baseline-code``: archs/resnet/resnet_snn.py, stage widths 128, 256, 512
  and hard reset (v_reset=0.0): 458,752 LIF neurons, 1.75 MiB at 32x32; it does NOT
  reproduce the published baseline.
- ``vgg16``: archs/vgg/vgg_snn.py: 3x3 convs, widths 128,128,M,256,256,M,256,256,256,
  M,512,512,512,M,512,512,512 (M = 2x2 max pool), BN and LIF after every conv, conv1
  static, AdaptiveAvgPool, Linear(512, classes): 473,088 LIF neurons at 32x32 (Table 1
  baseline, 1.80).  The code's baseline uses hard reset (v_reset=0.0); memory under
  ``none``/``bptt`` does not depend on it, so the zoo keeps soft reset.
- ``vgg16-sharing-code``: archs/vgg/vgg_layershare.py (and layerchannelshare,
  channelshare): the same but stage 2 has width 128; conv1's and conv2's LIFs are
  separate and every later stage shares one LIF (grouping ``code``, default).  This
  gives 321,536 neurons = 1.2266 MiB, the published L row 1.23: Table 1's VGG16 L and
  L+C rows were computed on this narrower network.  The code's lif2 uses hard reset;
  the paper's backward figures assume soft reset everywhere (Sec. 5.3.4), as the zoo does.
"""
from __future__ import annotations

from snncost.spec import SpecBuilder

PAPER = ("Kim et al., Sharing leaky-integrate-and-fire neurons for memory-efficient spiking neural "
         "networks, Front. Neurosci. 2023 (EfficientLIF-Net)")
REPO = "github Intelligent-Computing-Lab-Yale/EfficientLIF-Net"


def resnet19(widths=(256, 512, 512), *, name="resnet19", num_classes=10, in_channels=3, reset="soft",
             source_file="archs/resnet/resnet_snn_layershare.py", description=None):
    b = SpecBuilder(name, (in_channels, 32, 32), timesteps=5,
                    description=description or "Spiking ResNet19 of EfficientLIF-Net (Table 1 widths)",
                    source=f"{PAPER}, Tables 1-2; {REPO} {source_file}")
    b.conv2d("stem.conv", 128, 3, padding=1, static=True)
    b.batchnorm("stem.bn", static=True)
    stem = b.lif("stem.lif", reset=reset)
    stages = []
    in_ch = 128
    for s, (width, blocks) in enumerate(zip(widths, (3, 3, 2)), start=1):
        stage = []
        for k in range(1, blocks + 1):
            stage.append(b.basic_block(f"s{s}b{k}", in_ch, width, 2 if k == 1 else 1, reset=reset))
            in_ch = width
        stages.append(stage)
    b.global_avgpool("avgpool")
    b.flatten("flatten")
    b.linear("fc", num_classes)
    b.grouping("table1", {
        **{f"stage{s}.in": [l1 for l1, _ in st] for s, st in enumerate(stages, 1)},
        **{f"stage{s}.out": [l2 for _, l2 in st] for s, st in enumerate(stages, 1)},
    }, default=True)
    b.grouping("code", {f"stage{s}": [x for pair in st for x in pair] for s, st in enumerate(stages, 1)})
    b.grouping("text", {f"s{s}b{k}": list(pair) for s, st in enumerate(stages, 1) for k, pair in enumerate(st, 1)})
    b.note(f"'{stem}' (stem) is never shared: it is the only LIF site of its shape.")
    return b.build()


def resnet19_baseline_code(**kwargs):
    return resnet19((128, 256, 512), name="resnet19-baseline-code", reset="hard", source_file="archs/resnet/resnet_snn.py",
                    description="ResNet19 of the authors' baseline file (stage widths 128/256/512, hard reset): "
                                "does not reproduce Table 1", **kwargs)


VGG16_WIDTHS = (128, 128, "M", 256, 256, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512)


def vgg16(widths=VGG16_WIDTHS, *, name="vgg16", num_classes=10, in_channels=3,
          source_file="archs/vgg/vgg_snn.py", description=None):
    b = SpecBuilder(name, (in_channels, 32, 32), timesteps=5,
                    description=description or "Spiking VGG16 of EfficientLIF-Net (baseline, Table 1)",
                    source=f"{PAPER}, Table 1; {REPO} {source_file}")
    stages: list[list[str]] = [[]]
    conv = 0
    for width in widths:
        if width == "M":
            b.pool(f"pool{len(stages)}", "maxpool2d", 2)
            stages.append([])
            continue
        conv += 1
        stages[-1].append(b.conv_bn_lif(f"conv{conv}", width, static=(conv == 1)))
    b.global_avgpool("avgpool")
    b.flatten("flatten")
    b.linear("fc", num_classes)
    # vgg_layershare.py: lif1 and lif2 stay separate; one shared LIF per later stage.
    groups = {f"stage{s}": members for s, members in enumerate(stages, 1) if s > 1}
    b.grouping("code", groups, default=True)
    return b.build()


def vgg16_sharing_code(**kwargs):
    widths = (128, 128, "M", 128, 128) + VGG16_WIDTHS[5:]
    return vgg16(widths, name="vgg16-sharing-code", source_file="archs/vgg/vgg_layershare.py",
                 description="VGG16 of the authors' sharing files (stage-2 width 128): Table 1's L and L+C rows", **kwargs)


def har_conv1d(*, in_channels=9, length=128, num_classes=6, kernel=3, timesteps=4):
    """EfficientLIF-Net Sec. 5.4 (Table 6) HAR baseline: six 1-D conv layers,
    Conv1D(in, 128) - 4 x Conv1D(128, 128) - Conv1D(128, classes), a LIF after each hidden
    conv, then an average over the sequence.  The paper gives no kernel, length or T:
    the defaults are UCI-HAR's 9 inertial channels in 128-sample windows (2.56 s at 50 Hz),
    kernel 3 with 'same' padding and T = 4, each a builder option."""
    b = SpecBuilder("efficientlif-har", (in_channels, length), timesteps=timesteps,
                    description="EfficientLIF-Net's 6-layer 1-D conv SNN for human activity recognition (Sec. 5.4)",
                    source=f"{PAPER}, Sec. 5.4 and Table 6 (kernel, length and T not stated: options)")
    b.note("kernel size, window length and timesteps are not given in the paper; defaults: kernel 3, 128 samples, T = 4")
    for i in range(1, 6):
        b.conv1d(f"conv{i}", 128, kernel, padding=kernel // 2)
        b.lif(f"lif{i}")
    b.conv1d("conv6", num_classes, kernel, padding=kernel // 2)
    b.global_avgpool("avgpool")
    return b.build()


MODELS = {
    "efficientlif-har": har_conv1d,
    "resnet19": resnet19,
    "resnet19-baseline-code": resnet19_baseline_code,
    "vgg16": vgg16,
    "vgg16-sharing-code": vgg16_sharing_code,
}
