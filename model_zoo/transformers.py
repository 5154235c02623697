"""Spiking transformers: Spikformer (Zhou et al., *Spikformer: When Spiking Neural Network
Meets Transformer*, ICLR 2023; github ZK-Zhou/spikformer, imagenet/model.py and
cifar10/model.py) and the Spike-driven Transformer (Yao et al., NeurIPS 2023; github
BICLab/Spike-Driven-Transformer).  Token tensors are (D, N): see snncost.kinds.transformer.

Spikformer, ImageNet (``spikformer-L-D``, 224x224, T = 4, 8 heads, 1000 classes):
spiking patch splitting (SPS): 4 x [3x3 conv (no bias), BN, LIF, max-pool 3/2/1] with
channels 3 -> D/8 -> D/4 -> D/2 -> D (224 -> 14, N = 196 tokens); a relative position
branch (3x3 conv D -> D, BN, LIF) added to the stem output (a sum of spikes); L encoder
blocks: spiking self-attention with Q, K, V each a 1x1 conv1d (no bias) + BN + LIF, K^T V
formed first, then Q (K^T V) x 0.125, an attention LIF (threshold 0.5 in the code: a
threshold does not change costs), a 1x1 projection with bias + BN + LIF; MLP 1x1 D -> 4D
-> D (bias), each followed by BN + LIF; residual adds of spikes; head: mean over tokens,
Linear(D, classes).

Spikformer, CIFAR (``spikformer-4-384-cifar``, 32x32, T = 4, 12 heads): no max-pool in the
first two SPS stages (N = 64); Q/K/V/projection/MLP are Linear layers with bias (here
1x1 conv1d with bias: the same parameters and MACs per token); attention (Q K^T) V.

Spike-driven Transformer (``sdt-8-512``, ``sdt-8-768``, ImageNet, T = 4): the same stem
ladder (a max-pool in all four stages; the last stage and the position branch end in BN:
membrane shortcut), blocks with membrane-shortcut residuals (``membrane_add``: adds of
membrane potentials, so every layer input is binary): attention = LIF on the block
input; Q, K, V = 1x1 conv + BN + LIF; K (*) V element-wise, summed over tokens, LIF
(threshold 0.5), (*) Q; projection conv + BN; MLP = LIF, conv D -> 4D, BN, LIF, conv
4D -> D, BN; head: LIF, mean over tokens, Linear.  The stem's exact LIF placement follows
the domain notes (sec. 8), not a line-by-line reading of the code.
"""
from __future__ import annotations

from snncost.spec import SpecBuilder

SPIKFORMER = "Zhou et al., Spikformer: When Spiking Neural Network Meets Transformer, ICLR 2023"
SPIKFORMER_REPO = "github ZK-Zhou/spikformer"
SDT = "Yao et al., Spike-driven Transformer, NeurIPS 2023; github BICLab/Spike-Driven-Transformer"


def _sps(b: SpecBuilder, dim: int, pools: tuple) -> str:
    """Spikformer's spiking patch splitting; returns the name of the summed output."""
    for i, channels in enumerate((dim // 8, dim // 4, dim // 2, dim)):
        b.conv2d(f"sps.conv{i}", channels, 3, padding=1)
        b.batchnorm(f"sps.bn{i}")
        b.lif(f"sps.lif{i}")
        if pools[i]:
            b.pool(f"sps.pool{i}", "maxpool2d", 3, stride=2, padding=1)
    feat = b.last
    b.conv2d("sps.rpe.conv", dim, 3, padding=1)
    b.batchnorm("sps.rpe.bn")
    rpe = b.lif("sps.rpe.lif")
    b.residual_add("sps.add", [feat, rpe])   # a sum of spikes (values 0, 1, 2)
    return b.tokens("tokens")


def spikformer(depth: int = 8, dim: int = 512, *, heads=None, num_classes=None, cifar=False, timesteps=4, name=None):
    heads = heads or (12 if cifar and dim % 12 == 0 else 8)  # heads do not change parameters or MACs
    size = 32 if cifar else 224
    classes = num_classes or (10 if cifar else 1000)
    name = name or (f"spikformer-{depth}-{dim}" + ("-cifar" if cifar else ""))
    source = f"{SPIKFORMER}, {'Table 3' if cifar else 'Table 2'}; {SPIKFORMER_REPO} {'cifar10' if cifar else 'imagenet'}/model.py"
    b = SpecBuilder(name, (3, size, size), timesteps=timesteps,
                    description=f"Spikformer-{depth}-{dim} ({'CIFAR, 32x32' if cifar else 'ImageNet, 224x224'})",
                    source=source)
    x = _sps(b, dim, (False, False, True, True) if cifar else (True, True, True, True))
    qkv_bias = cifar  # CIFAR: nn.Linear (bias); ImageNet: Conv1d(bias=False)
    for layer in range(depth):
        p = f"block{layer}"
        q, k, v = (b.projection(f"{p}.{t}", dim, bias=qkv_bias, inputs=x) for t in "qkv")
        qh, kh, vh = (b.split_heads(f"{p}.{t}.heads", heads, inputs=s) for t, s in zip("qkv", (q, k, v)))
        if cifar:  # (Q K^T) V
            attn = b.matmul(f"{p}.qk", qh, kh, transpose_a=True)
            b.matmul(f"{p}.attn_v", vh, attn, transpose_b=True)
        else:      # Q (K^T V)
            kv = b.matmul(f"{p}.kv", kh, vh, transpose_b=True)
            b.matmul(f"{p}.q_kv", kv, qh, transpose_a=True)
        b.merge_heads(f"{p}.merge")
        b.lif(f"{p}.attn_lif")
        proj = b.projection(f"{p}.proj", dim, bias=True)
        x1 = b.residual_add(f"{p}.add1", [x, proj])
        b.projection(f"{p}.fc1", 4 * dim, bias=True, inputs=x1)
        fc2 = b.projection(f"{p}.fc2", dim, bias=True)
        x = b.residual_add(f"{p}.add2", [x1, fc2])
    b.global_avgpool("head.mean", inputs=x)
    b.flatten("head.flatten")
    b.linear("head", classes)
    b.note("attention LIF threshold 0.5 (the code's attn_lif): thresholds do not change costs")
    return b.build()


def sdt(depth: int = 8, dim: int = 512, *, num_classes=1000, timesteps=4, name=None):
    b = SpecBuilder(name or f"sdt-{depth}-{dim}", (3, 224, 224), timesteps=timesteps,
                    description=f"Spike-driven Transformer-{depth}-{dim} (ImageNet, 224x224)", source=SDT)
    for i, channels in enumerate((dim // 8, dim // 4, dim // 2, dim)):
        if i:
            b.lif(f"sps.lif{i - 1}")
        b.conv2d(f"sps.conv{i}", channels, 3, padding=1)
        b.batchnorm(f"sps.bn{i}")
        b.pool(f"sps.pool{i}", "maxpool2d", 3, stride=2, padding=1)
    feat = b.last
    b.lif("sps.rpe.lif")
    b.conv2d("sps.rpe.conv", dim, 3, padding=1)
    rpe = b.batchnorm("sps.rpe.bn")
    b.membrane_add("sps.add", [feat, rpe])
    x = b.tokens("tokens")
    for layer in range(depth):
        p = f"block{layer}"
        s = b.lif(f"{p}.in_lif", inputs=x)
        q, k, v = (b.projection(f"{p}.{t}", dim, inputs=s) for t in "qkv")
        kv = b.multiply(f"{p}.k_v", k, v)
        b.token_sum(f"{p}.sum")
        mask = b.lif(f"{p}.attn_lif")          # threshold 0.5 in the code
        b.multiply(f"{p}.q_mask", q, mask)
        proj = b.projection(f"{p}.proj", dim, bias=True, lif=False)
        x1 = b.membrane_add(f"{p}.add1", [x, proj])
        b.lif(f"{p}.mlp_lif", inputs=x1)
        b.projection(f"{p}.fc1", 4 * dim, bias=True)
        fc2 = b.projection(f"{p}.fc2", dim, bias=True, lif=False, inputs=f"{p}.fc1.lif")
        x = b.membrane_add(f"{p}.add2", [x1, fc2])
        del kv
    b.lif("head.lif", inputs=x)
    b.global_avgpool("head.mean")
    b.flatten("head.flatten")
    b.linear("head", num_classes)
    return b.build()


MODELS = {
    **{f"spikformer-{d}-{w}": (lambda d=d, w=w, **kw: spikformer(d, w, **kw))
       for d, w in ((8, 384), (6, 512), (8, 512), (10, 512), (8, 768))},
    **{f"spikformer-{d}-{w}-cifar": (lambda d=d, w=w, **kw: spikformer(d, w, cifar=True, **kw))
       for d, w in ((4, 384), (4, 256), (2, 384))},
    "sdt-8-512": lambda **kw: sdt(8, 512, **kw),
    "sdt-8-768": lambda **kw: sdt(8, 768, **kw),
}
