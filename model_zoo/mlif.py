"""Networks of Abillama et al., *One-Hot Multi-Level Leaky Integrate-and-Fire Spiking
Neural Networks* (seed 004); the architectures of the authors' code, github
pabillam/one-hot-mlif-snn (models/vgg.py, models/resnet.py and their spiking versions),
whose README prints the ANN compute energies that ``snncost reproduce mlif`` recomputes.

Every hidden neuron is a one-hot multi-level LIF with ``lanes`` = S = 3 spike lanes and
T = 1 (the README's static-image rows); the first conv sees the analog image.

- ``vgg16-mlif``: CIFAR, 32x32: 3x3 convs (pad 1, no bias) of widths 64, 64, A, 128, 128, A,
  256 x3, A, 512 x3, A, 512 x3 (A = 2x2 average pool), then Linear 2048->4096->4096->classes
  (no bias) with neurons between them.  Dense MACs 338,403,328.
- ``vgg16-mlif-imagenet``: 224x224, one more 2x2 average pool after the features, classifier
  25088->4096->4096->1000.  Dense MACs 15,470,264,320.
- ``resnet20-mlif``: CIFAR: three 3x3 convs 3->64->64->64 at 32x32, 2x2 average pool, BasicBlock
  stages [2, 2, 2, 2] of widths 64 / 128 / 256 / 512 with strides 1 / 2 / 2 / 2, 1x1 conv
  shortcuts where the shape changes, Linear 2048->classes.  The code's ann.py sizes the 1x1
  shortcut convs' outputs with the 3x3's padding: the option ``shortcut_quirk`` (CLI
  ``--shortcut-quirk``) counts them that way (216,788,992 MACs, the README's 9.97E+02 uJ);
  the correct count is 215,699,456.
"""
from __future__ import annotations

from snncost.spec import SpecBuilder

REPO = "github pabillam/one-hot-mlif-snn"
PAPER = "Abillama et al., One-Hot Multi-Level Leaky Integrate-and-Fire Spiking Neural Networks (seed 004)"
VGG16 = (64, 64, "A", 128, 128, "A", 256, 256, 256, "A", 512, 512, 512, "A", 512, 512, 512)


def _mlif(b, name, lanes):
    return b.lif(name, op="mlif", lanes=lanes)


def vgg16_mlif(*, imagenet=False, num_classes=None, lanes=3, timesteps=1):
    size = 224 if imagenet else 32
    classes = num_classes or (1000 if imagenet else 10)
    b = SpecBuilder("vgg16-mlif-imagenet" if imagenet else "vgg16-mlif", (3, size, size), timesteps=timesteps,
                    description=f"VGG16 of one-hot-mlif-snn ({'ImageNet' if imagenet else 'CIFAR'}), {lanes}-lane M-LIF",
                    source=f"{PAPER}; {REPO} models/vgg.py, models/vgg_spiking.py")
    pools = conv = 0
    for width in VGG16:
        if width == "A":
            pools += 1
            b.pool(f"pool{pools}", "avgpool2d", 2)
            continue
        conv += 1
        b.conv2d(f"conv{conv}", width, 3, padding=1)
        _mlif(b, f"conv{conv}.lif", lanes)
    if imagenet:
        b.pool("pool5", "avgpool2d", 2)
    b.flatten("flatten")
    b.linear("fc1", 4096, bias=False)
    _mlif(b, "fc1.lif", lanes)
    b.add("fc1.drop", "dropout")
    b.linear("fc2", 4096, bias=False)
    _mlif(b, "fc2.lif", lanes)
    b.add("fc2.drop", "dropout")
    b.linear("fc3", classes, bias=False)
    return b.build()


def vgg16_mlif_imagenet(**kwargs):
    return vgg16_mlif(imagenet=True, **kwargs)


def resnet20_mlif(*, num_classes=10, lanes=3, timesteps=1):
    b = SpecBuilder("resnet20-mlif", (3, 32, 32), timesteps=timesteps,
                    description=f"ResNet20 of one-hot-mlif-snn (CIFAR), {lanes}-lane M-LIF",
                    source=f"{PAPER}; {REPO} models/resnet.py, models/resnet_spiking.py, ann.py")
    for i in (1, 2, 3):
        b.conv2d(f"pre.conv{i}", 64, 3, padding=1)
        _mlif(b, f"pre.lif{i}", lanes)
    b.pool("pre.pool", "avgpool2d", 2)
    in_ch = 64
    for s, (width, stride) in enumerate(zip((64, 128, 256, 512), (1, 2, 2, 2)), start=1):
        for k in (1, 2):
            b.basic_block(f"s{s}b{k}", in_ch, width, stride if k == 1 else 1, neuron={"op": "mlif", "lanes": lanes})
            in_ch = width
    b.flatten("flatten")
    b.linear("fc", num_classes, bias=False)
    return b.build()


MODELS = {"vgg16-mlif": vgg16_mlif, "vgg16-mlif-imagenet": vgg16_mlif_imagenet, "resnet20-mlif": resnet20_mlif}
