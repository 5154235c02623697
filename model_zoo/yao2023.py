"""The ANN/SNN baselines of Yao, Wu, Chen, Zhang (seed 002), *Training a general spiking
neural network with improved efficiency and minimum latency*, Table 2.

- ``tdbn-resnet19``: "ANN Res-19 2285M" of Table 2 is the ResNet-19 of Zheng et al.,
  *Going deeper with directly-trained larger spiking neural networks* (tdBN, AAAI 2021):
  3x3 stem 3->128 at 32x32, BasicBlock stages of widths 128 / 256 / 512 with strides
  1 / 2 / 2 and [3, 3, 2] blocks, 1x1 conv + BN shortcuts where the shape changes,
  global average pool, FC 512->256 (with LIF) and FC 256->10; T = 2 as in Table 2's
  "SNN [26] Res-19 (T=2)" row.  Dense MACs at 32x32: 2,285,373,952 (domain notes sec. 2).
"""
from __future__ import annotations

from snncost.spec import SpecBuilder

SOURCE = ("Zheng et al., Going deeper with directly-trained larger spiking neural networks, AAAI 2021 (tdBN ResNet-19), "
          "as counted in Yao et al. (seed 002) Table 2")


def tdbn_resnet19(*, num_classes=10, in_channels=3, timesteps=2):
    b = SpecBuilder("tdbn-resnet19", (in_channels, 32, 32), timesteps=timesteps,
                    description="tdBN ResNet-19 (stages 128/256/512, strides 1/2/2, FC 512-256-classes)", source=SOURCE)
    b.resnet19_tdbn(128, num_classes)
    return b.build()


MODELS = {"tdbn-resnet19": tdbn_resnet19}
