"""IM-SNN's networks (Hasssan, Meng, Anupreetham, Seo, *IM-SNN: Memory-Efficient Spiking
Neural Network with Low-Precision Membrane Potentials and Weights*; seed 003).

The paper's Table IV lists the layers; its memory tables (III, V, VI, VII) were
computed on networks that do not always match Table IV.  Each builder says which
source it follows and where the definition is ambiguous.  Bit widths are left at
the spec default (32/32/1): a reproduction sets them per row (``--weight-bits 4
--membrane-bits ternary``).

- ``imsnn-resnet19``: the TET-code ResNet-19 (github brain-intelligence-lab/
  temporal_efficient_training, models/resnet_models.py; as recorded in the project's
  domain notes, section 3): stem 3x3 conv 3->64 + BN + LIF at 32x32; BasicBlock
  layers of 3 x 128 (stride 1, 1x1 conv + BN shortcut 64->128 in the first block),
  3 x 256 (stride 2) and 2 x 512 (stride 2); a LIF after conv1+BN and one after
  conv2+BN+shortcut; global average pool; FC 512->256 + LIF; FC 256->classes.
  12,486,336 conv weights (Table V: 49.94 MB at 32 bits) and 1,376,512 LIF neurons
  (Table V: 5.5 MB).  *Ambiguity*: Table IV's ResNet-19 row lists 1 + 6 + 8 + 3 = 18
  3x3 convs (eight of width 256), which is not this network nor any ResNet-19; the
  published numbers reproduce the TET code, so the zoo follows it.
- ``imsnn-vgg9``: the authors' svgg9 (domain notes section 3) at 48x48 DVS input
  (2 polarity channels, Sec. V-A "we shrink the resolution of DVS input images to
  48x48"): 3x3 convs 64, 128, P, 256, 256, P, 512, 512, P, 512, 512, P, each with BN
  and LIF; P = 2x2 average pool (Table IV: AP2); Linear 4608->10.  921,600 LIF
  neurons (Table VI: 3.68 MB at 32 bits).  *Ambiguity*: Table IV's VGG-9 row
  (64C3-128C3-AP2-256C3-256C3-AP2-512C3 x4-AP2-1024C3-AP2-FC10) has ten convs and
  1,069,056 LIF neurons at 48x48 (4.28 MB), which does not give the published 3.68;
  it is in the zoo as ``imsnn-vgg9-table4``.
- ``imsnn-resnet34``: Table V's ResNet-34 (ImageNet-100/1K rows) is not the layer
  list of Table IV (64C3, 6 x 128C3, 7 x 256C3, 10 x 512C3, FC256-FC16: not a
  ResNet-34).  The published weight memory 87.19 MB = 21,797,672 parameters x 4 B is
  exactly torchvision's ResNet-34 with a 1000-class head (all parameters, BN
  included), so the zoo uses that layout, spiking: 7x7 stride-2 stem conv 3->64 + BN
  + LIF at 224x224, 3x3 stride-2 max pool (padding 1), BasicBlocks [3, 4, 6, 3] of
  widths 64, 128, 256, 512 (1x1 conv + BN shortcuts), two LIFs per block, global
  average pool, Linear(512, classes) (default 1000, as the weight column implies).
  *Ambiguity*: the published U_mem 11.03 MB = 2,759,680 neurons is the block LIFs
  only; with the stem LIF (64x112x112) the network holds 3,562,496.
- ``imsnn-mobilenet-light``: Table IV: 32C3-64DW-64DW-AP2-128DW-128DW-AP2-256DW-AP2-
  FC256-FC10.  *Ambiguity*: the paper gives no input size (the zoo takes 32x32x3,
  CIFAR), does not say whether "DW" is a depthwise conv alone or a depthwise-
  separable block, nor where the LIFs are.  The zoo reads "64DW" as a depthwise 3x3
  conv on the incoming channels + BN + LIF, then a pointwise 1x1 conv to 64 + BN +
  LIF; FC256 has a LIF.  No published memory number uses this model.
- ``imsnn-vgg7``: Table IV: 32C3-32C3-AP2-64C3-64C3-AP2-128C3-128C3-AP2-256C3-256C3-
  AP2-FC10, BN + LIF after every conv.  *Ambiguity*: no input size is given (the zoo
  takes 32x32x3).  No published memory number uses this model.
- ``imsnn-custom-yolov2``: Table IV: 32C3-MP2-64C3-MP2-128C3-64C1-128C3-MP2-256C3-
  128C1-256C3-MP2-512C3-256C1-512C3-256C1-MP2-1024C3-512C1-1024C3-AP2-FC512-FC576,
  BN + LIF after every conv and after FC512, 2 input channels (Gen1 event
  polarities), 3x3 convs with padding 1.  *Ambiguity*: the input size is not given;
  416x416 (YOLO-V2's usual input) gives 14,969,344 conv LIF neurons = 59.877 MB at
  32 bits, which is the published U_mem 59.87, so the zoo uses 416x416 (the paper's
  Sec. V-A 48x48 is for the DVS classification sets).  The published weight memory
  103.46 MB (25.865 M weights) is not reproduced: the listed layers have 11,020,864
  conv weights and 19,169,280 FC weights (FC512 sees 1024 x 6 x 6 inputs).
"""
from __future__ import annotations

from snncost.spec import SpecBuilder

PAPER = ("Hasssan, Meng, Anupreetham, Seo, IM-SNN: Memory-Efficient Spiking Neural Network with "
         "Low-Precision Membrane Potentials and Weights (IM-SNN)")
TET = "github brain-intelligence-lab/temporal_efficient_training models/resnet_models.py (via domain notes sec. 3)"


def resnet19(num_classes: int = 10, in_channels: int = 3):
    b = SpecBuilder("imsnn-resnet19", (in_channels, 32, 32), timesteps=2,
                    description="TET-code spiking ResNet-19 (IM-SNN Tables III and V; stem 64, stages 128/256/512, FC 256)",
                    source=f"{PAPER}, Tables III, V (Table IV row ambiguous, see model_zoo/imsnn.py); {TET}")
    b.resnet19_tdbn(64, num_classes, "layer{s}.{k}")
    return b.build()


def _vgg(name: str, widths, *, size: int, in_channels: int, num_classes: int, description: str, source: str,
         pool: str = "avgpool2d"):
    b = SpecBuilder(name, (in_channels, size, size), timesteps=10, description=description, source=source)
    conv = 0
    for width in widths:
        if width == "P":
            b.pool(f"pool{conv}", pool, 2)
            continue
        conv += 1
        b.conv_bn_lif(f"conv{conv}", width)
    b.flatten("flatten")
    b.linear("fc", num_classes)
    return b.build()


def vgg9(num_classes: int = 10, in_channels: int = 2):
    return _vgg("imsnn-vgg9", (64, 128, "P", 256, 256, "P", 512, 512, "P", 512, 512, "P"), size=48,
                in_channels=in_channels, num_classes=num_classes,
                description="IM-SNN VGG-9 (authors' svgg9) at 48x48 DVS input (Tables III, VI)",
                source=f"{PAPER}, Tables III, VI; authors' svgg9 as recorded in the domain notes sec. 3")


def vgg9_table4(num_classes: int = 10, in_channels: int = 2):
    return _vgg("imsnn-vgg9-table4", (64, 128, "P", 256, 256, "P", 512, 512, 512, 512, "P", 1024, "P"), size=48,
                in_channels=in_channels, num_classes=num_classes,
                description="IM-SNN VGG-9 as Table IV lists it (does not reproduce Tables III/VI)",
                source=f"{PAPER}, Table IV")


def vgg7(num_classes: int = 10, in_channels: int = 3):
    return _vgg("imsnn-vgg7", (32, 32, "P", 64, 64, "P", 128, 128, "P", 256, 256, "P"), size=32,
                in_channels=in_channels, num_classes=num_classes,
                description="IM-SNN VGG-7 as Table IV lists it (input size not given: 32x32 assumed)",
                source=f"{PAPER}, Table IV")


def resnet34(num_classes: int = 1000, in_channels: int = 3):
    b = SpecBuilder("imsnn-resnet34", (in_channels, 224, 224), timesteps=2,
                    description="Spiking ResNet-34, torchvision layout (IM-SNN Table V ImageNet rows)",
                    source=f"{PAPER}, Table V (Table IV row ambiguous, see model_zoo/imsnn.py); torchvision ResNet-34 layout")
    b.conv_bn_lif("stem", 64, 7, stride=2, padding=3)
    b.pool("stem.maxpool", "maxpool2d", 3, stride=2, padding=1)
    in_ch = 64
    for s, (width, blocks) in enumerate(((64, 3), (128, 4), (256, 6), (512, 3)), start=1):
        for k in range(1, blocks + 1):
            b.basic_block(f"layer{s}.{k}", in_ch, width, 2 if (k == 1 and s > 1) else 1)
            in_ch = width
    b.global_avgpool("avgpool")
    b.flatten("flatten")
    b.linear("fc", num_classes)
    return b.build()


def mobilenet_light(num_classes: int = 10, in_channels: int = 3):
    b = SpecBuilder("imsnn-mobilenet-light", (in_channels, 32, 32), timesteps=2,
                    description="IM-SNN MobileNet-Light as Table IV lists it (DW read as depthwise + pointwise; 32x32 assumed)",
                    source=f"{PAPER}, Table IV")
    b.conv_bn_lif("conv1", 32)
    channels = 32
    block = 0
    for width in (64, 64, "P", 128, 128, "P", 256, "P"):
        if width == "P":
            b.pool(f"pool{block}", "avgpool2d", 2)
            continue
        block += 1
        b.conv_bn_lif(f"dw{block}.depthwise", channels, 3, groups=channels)
        b.conv_bn_lif(f"dw{block}.pointwise", width, 1)
        channels = width
    b.flatten("flatten")
    b.linear("fc1", 256)
    b.lif("fc1.lif")
    b.linear("fc2", num_classes)
    return b.build()


YOLO_LAYERS = ("32C3", "MP2", "64C3", "MP2", "128C3", "64C1", "128C3", "MP2", "256C3", "128C1", "256C3", "MP2",
               "512C3", "256C1", "512C3", "256C1", "MP2", "1024C3", "512C1", "1024C3", "AP2")


def custom_yolov2(size: int = 416, in_channels: int = 2, outputs: int = 576):
    b = SpecBuilder("imsnn-custom-yolov2", (in_channels, size, size), timesteps=1,
                    description="IM-SNN Custom-YOLO-V2 as Table IV lists it, at 416x416 (Table VII)",
                    source=f"{PAPER}, Tables IV, VII")
    conv = 0
    for layer in YOLO_LAYERS:
        if layer in ("MP2", "AP2"):
            b.pool(f"pool{conv}", "maxpool2d" if layer == "MP2" else "avgpool2d", 2)
            continue
        conv += 1
        width, kernel = (int(x) for x in layer.split("C"))
        b.conv_bn_lif(f"conv{conv}", width, kernel)
    b.flatten("flatten")
    b.linear("fc1", 512)
    b.lif("fc1.lif")
    b.linear("fc2", outputs)
    return b.build()


MODELS = {
    "imsnn-resnet19": resnet19,
    "imsnn-vgg9": vgg9,
    "imsnn-vgg9-table4": vgg9_table4,
    "imsnn-resnet34": resnet34,
    "imsnn-mobilenet-light": mobilenet_light,
    "imsnn-vgg7": vgg7,
    "imsnn-custom-yolov2": custom_yolov2,
}
