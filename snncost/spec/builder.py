"""A small Python builder for specs, so zoo models read like the papers' layer lists.

    b = SpecBuilder("tiny", input_shape=(3, 32, 32), timesteps=5)
    b.conv2d("conv1", 16, kernel=3, padding=1); b.lif("lif1")
    b.pool("pool", "avgpool2d", 2); b.flatten("flat"); b.linear("fc", 10)
    spec = b.build()

Every method returns the node name, so branches can be wired with ``inputs=[...]``.
The result goes through the same validation as a spec file.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Iterable

from .loader import spec_from_dict, spec_from_trusted_dict
from .network import NetworkSpec


_TRUSTED: ContextVar[bool] = ContextVar("snncost_trusted_build", default=False)


@contextmanager
def trusted_build():
    """Within this block, builders skip pydantic validation (used by the zoo loader)."""
    token = _TRUSTED.set(True)
    try:
        yield
    finally:
        _TRUSTED.reset(token)


class SpecBuilder:
    def __init__(self, name: str, input_shape: Iterable[int], *, timesteps: int = 1, batch: int = 1,
                 description: str = "", source: str = "", precision: dict | None = None):
        self.data: dict[str, Any] = {"name": name, "description": description, "source": source,
                                     "input": {"shape": list(input_shape)}, "timesteps": timesteps,
                                     "batch": batch, "nodes": [], "groupings": {}, "notes": []}
        if precision:
            self.data["precision"] = dict(precision)
        self.last = "input"

    # ---- generic -----------------------------------------------------------
    def add(self, name: str, op: str, inputs: Iterable[str] | str | None = None, **fields) -> str:
        node = {"name": name, "op": op, **{k: v for k, v in fields.items() if v is not None}}
        if inputs is not None:
            node["inputs"] = [inputs] if isinstance(inputs, str) else list(inputs)
        self.data["nodes"].append(node)
        self.last = name
        return name

    # ---- node kinds ----------------------------------------------------------
    def conv2d(self, name, out_channels, kernel, *, stride=1, padding=0, bias=False, inputs=None, **fields):
        return self.add(name, "conv2d", inputs, out_channels=out_channels, kernel=kernel, stride=stride,
                        padding=padding, bias=bias, **fields)

    def conv1d(self, name, out_channels, kernel, *, stride=1, padding=0, bias=False, inputs=None, **fields):
        return self.add(name, "conv1d", inputs, out_channels=out_channels, kernel=kernel, stride=stride,
                        padding=padding, bias=bias, **fields)

    def linear(self, name, out_features, *, bias=True, inputs=None, **fields):
        return self.add(name, "linear", inputs, out_features=out_features, bias=bias, **fields)

    def batchnorm(self, name, *, inputs=None, **fields):
        return self.add(name, "batchnorm", inputs, **fields)

    def lif(self, name, *, op="lif", reset="soft", layer_group=None, inputs=None, **fields):
        return self.add(name, op, inputs, reset=reset, layer_group=layer_group, **fields)

    def pool(self, name, op, kernel, *, stride=None, padding=0, inputs=None):
        return self.add(name, op, inputs, kernel=kernel, stride=stride, padding=padding)

    def global_avgpool(self, name, *, inputs=None):
        return self.add(name, "global_avgpool", inputs)

    def flatten(self, name, *, inputs=None):
        return self.add(name, "flatten", inputs)

    def residual_add(self, name, inputs):
        return self.add(name, "add", inputs)

    def lstm(self, name, hidden, *, bias=True, inputs=None, **fields):
        return self.add(name, "lstm", inputs, hidden=hidden, bias=bias, **fields)

    # ---- spiking-transformer kinds (snncost.kinds.transformer) ---------------------------
    def tokens(self, name, *, inputs=None):
        return self.add(name, "tokens", inputs)

    def layernorm(self, name, *, inputs=None, **fields):
        return self.add(name, "layernorm", inputs, **fields)

    def split_heads(self, name, heads, *, inputs=None):
        return self.add(name, "split_heads", inputs, heads=heads)

    def merge_heads(self, name, *, inputs=None):
        return self.add(name, "merge_heads", inputs)

    def matmul(self, name, a, b, *, transpose_a=False, transpose_b=False):
        return self.add(name, "matmul", [a, b], transpose_a=transpose_a or None, transpose_b=transpose_b or None)

    def multiply(self, name, a, b):
        return self.add(name, "multiply", [a, b])

    def token_sum(self, name, *, inputs=None):
        return self.add(name, "token_sum", inputs)

    def membrane_add(self, name, inputs):
        return self.add(name, "membrane_add", inputs)

    def projection(self, prefix: str, features: int, *, bias=False, lif=True, inputs=None, **lif_fields) -> str:
        """A token projection as Spikformer writes it: 1x1 ``conv1d`` (``{prefix}.conv``),
        ``batchnorm`` over tokens (``{prefix}.bn``) and, with ``lif``, a LIF site
        (``{prefix}.lif``); returns the last node's name."""
        self.conv1d(f"{prefix}.conv", features, 1, bias=bias, inputs=inputs)
        last = self.batchnorm(f"{prefix}.bn")
        return self.lif(f"{prefix}.lif", **lif_fields) if lif else last

    # ---- repeated blocks ----------------------------------------------------------
    def conv_bn_lif(self, prefix: str, out_channels: int, kernel: int = 3, *, stride=1, padding=None, groups=1,
                    static=False, reset="soft", inputs=None) -> str:
        """``{prefix}.conv`` (kxk, 'same'-size padding k//2 unless given), ``{prefix}.bn``,
        ``{prefix}.lif``; returns the LIF site's name."""
        extra = {"groups": groups} if groups != 1 else {}
        if static:
            extra["static"] = True
        self.conv2d(f"{prefix}.conv", out_channels, kernel, stride=stride,
                    padding=kernel // 2 if padding is None else padding, inputs=inputs, **extra)
        self.batchnorm(f"{prefix}.bn", **({"static": True} if static else {}))
        return self.lif(f"{prefix}.lif", reset=reset)

    def basic_block(self, prefix: str, in_channels: int, channels: int, stride: int = 1, *,
                    reset: str = "soft", neuron: dict | None = None) -> tuple[str, str]:
        """Spiking ResNet BasicBlock (He et al. 2016, as in EfficientLIF-Net's and TET's code):
        conv3x3-BN-LIF, conv3x3-BN, + shortcut (1x1 conv-BN where the shape changes), add, LIF.
        Returns the names of its two LIF sites; ``neuron`` gives their kind and fields
        (e.g. ``{"op": "mlif", "lanes": 3}``)."""
        neuron = neuron or {}
        block_input = self.last
        self.conv2d(f"{prefix}.conv1", channels, 3, stride=stride, padding=1)
        self.batchnorm(f"{prefix}.bn1")
        lif1 = self.lif(f"{prefix}.lif1", reset=reset, **neuron)
        self.conv2d(f"{prefix}.conv2", channels, 3, padding=1)
        main = self.batchnorm(f"{prefix}.bn2")
        shortcut = block_input
        if stride != 1 or in_channels != channels:
            self.conv2d(f"{prefix}.shortcut_conv", channels, 1, stride=stride, inputs=block_input)
            shortcut = self.batchnorm(f"{prefix}.shortcut_bn")
        self.residual_add(f"{prefix}.add", [main, shortcut])
        return lif1, self.lif(f"{prefix}.lif2", reset=reset, **neuron)

    def resnet19_tdbn(self, stem_width: int, num_classes: int, block_name: str = "s{s}b{k}") -> None:
        """The ResNet-19 of tdBN (Zheng et al. 2021) and TET: 3x3 stem of ``stem_width`` +
        BN + LIF, BasicBlock stages of widths 128 / 256 / 512 with [3, 3, 2] blocks and
        strides 1 / 2 / 2, global average pool, FC 512 -> 256 with LIF, FC 256 -> classes.
        ``block_name`` formats a block's prefix from its stage ``s`` and index ``k``."""
        self.conv_bn_lif("stem", stem_width)
        in_ch = stem_width
        for s, (width, blocks, stride) in enumerate(((128, 3, 1), (256, 3, 2), (512, 2, 2)), start=1):
            for k in range(1, blocks + 1):
                self.basic_block(block_name.format(s=s, k=k), in_ch, width, stride if k == 1 else 1)
                in_ch = width
        self.global_avgpool("avgpool")
        self.flatten("flatten")
        self.linear("fc1", 256)
        self.lif("fc1.lif")
        self.linear("fc2", num_classes)

    # ---- spec-level -----------------------------------------------------------
    def grouping(self, name: str, groups: dict[str, list[str]], *, default: bool = False) -> None:
        """Declare a named cross-layer sharing grouping (group name -> neuron nodes)."""
        self.data["groupings"][name] = {g: list(m) for g, m in groups.items()}
        if default:
            self.data["default_grouping"] = name

    def note(self, text: str) -> None:
        self.data["notes"].append(text)

    def build(self, *, validate: bool = True) -> NetworkSpec:
        """The spec, validated by pydantic; ``validate=False`` (or inside
        :func:`trusted_build`, the zoo's fast path) skips pydantic but still checks the graph."""
        if not validate or _TRUSTED.get():
            return spec_from_trusted_dict(self.data)
        return spec_from_dict(self.data, origin=f"spec '{self.data['name']}'")
