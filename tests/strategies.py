"""Hypothesis strategies for random *valid* snncost network specs.

    from strategies import spec_dicts, network_specs

    @given(network_specs())
    def test_something(spec): ...

``spec_dicts()`` draws the plain data of a spec file (what ``yaml.safe_load`` of a
spec gives); ``network_specs()`` the same, validated into a
:class:`snncost.spec.NetworkSpec`.  Every drawn spec is valid for its own input size:
each conv/pool is drawn so that its window fits (``dilation (kernel - 1) + 1 <=
size + 2 padding``), groups divide both channel counts, residual adds get a 1x1
shortcut conv where the shape changes, and layer groups only join LIF sites of one
membrane shape and one state-variable count (so ``--sharing L`` works with every
grouping the spec declares).

What a spec can contain:

- images ``(C, H, W)``: ``conv2d`` with random kernel / stride / padding (number,
  pair, ``same``, ``valid``) / dilation / groups, ``avgpool2d`` / ``maxpool2d`` /
  ``sumpool2d``, ``batchnorm``, residual blocks (``add`` with a 1x1 shortcut conv),
  concat branches, ``global_avgpool``, ``flatten``; sequences ``(C, L)``: the same with
  ``conv1d`` and 1-D pools; vectors ``(F,)``: ``linear``;
- after any layer, maybe a neuron site: ``lif`` / ``if`` / ``cubalif`` (and, with
  ``mlif=True``, ``mlif`` with 1-4 lanes), ``reset`` soft or hard (``reset="soft"``
  forces soft everywhere, e.g. for reverse recomputation);
- ``dropout`` / ``identity``, ``static`` stems;
- layer groupings: ``layer_group`` node fields and/or a declared grouping
  ``"blocks"``, each joining neuron sites of equal membrane shape.

No node carries its own ``weight_bits`` / ``membrane_bits`` / ``spike_bits`` (so bit
widths given to :func:`snncost.analyze` apply everywhere and scale results exactly).

The strategy tracks shapes only to keep the spec valid; tests must not use it as
the expected shape (``tests/test_properties.py`` has its own independent reference).
"""
from __future__ import annotations

from hypothesis import strategies as st

from snncost.spec import spec_from_dict

NEURON_OPS = ("lif", "if", "cubalif")


def _window_fits(size: int, kernel: int, padding: int, dilation: int) -> bool:
    return dilation * (kernel - 1) + 1 <= size + 2 * padding


def _slide(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


class _Net:
    """The spec under construction: nodes, current node and shape, neuron sites."""

    def __init__(self, draw, shape, *, reset, mlif, max_channels):
        self.draw = draw
        self.nodes: list[dict] = []
        self.last = "input"
        self.shape = tuple(shape)
        self.shapes = {"input": tuple(shape)}
        self.reset = reset
        self.mlif = mlif
        self.max_channels = max_channels
        self.sites: list[tuple[str, tuple, int]] = []  # (name, membrane shape, state variables)
        self.newer_kinds = False  # transformer kinds and lstm (spec_dicts(attention=True))
        self.count = 0

    def name(self, stem: str) -> str:
        self.count += 1
        return f"{stem}{self.count}"

    def add(self, node: dict, shape, *, inputs=None) -> str:
        if inputs is not None:
            node["inputs"] = list(inputs)
        elif self.draw(st.booleans()):
            node["inputs"] = [self.last]  # explicit, the same as the default
        self.nodes.append(node)
        self.last = node["name"]
        self.shape = tuple(shape)
        self.shapes[node["name"]] = self.shape
        return node["name"]

    # ---- layers ------------------------------------------------------------
    def conv(self, *, source=None, out_channels=None, kernel=None, stride=None, padding=None,
             groups=None) -> str:
        draw = self.draw
        source = source or self.last
        shape = self.shapes[source]
        dims = len(shape) - 1
        c_in, sizes = shape[0], shape[1:]
        if groups is None:
            groups = draw(st.sampled_from([g for g in range(1, c_in + 1) if c_in % g == 0][:4]))
        if out_channels is None:
            out_channels = groups * draw(st.integers(1, max(1, self.max_channels // groups)))
        dilation = draw(st.sampled_from([1, 1, 2])) if kernel is None else 1
        if padding is None:
            padding = draw(st.sampled_from([0, 0, 1, 2, "same", "valid"]))
        if stride is None:
            stride = draw(st.sampled_from([1, 1, 2, 3])) if padding != "same" else 1
        pad = 0 if padding in ("same", "valid") else padding
        if kernel is None:
            largest = min(7, *[(s + 2 * pad - 1) // dilation + 1 for s in sizes])
            kernel = draw(st.integers(1, largest))
        if padding == "same":
            out_sizes = sizes
        else:
            assert all(_window_fits(s, kernel, pad, dilation) for s in sizes)
            out_sizes = tuple(_slide(s, kernel, stride, pad, dilation) for s in sizes)
        node = {"name": self.name("conv"), "op": "conv2d" if dims == 2 else "conv1d",
                "out_channels": out_channels, "kernel": kernel, "bias": draw(st.booleans())}
        if dims == 2 and draw(st.booleans()):  # pair forms of the same values
            node["kernel"] = [kernel, kernel]
            if padding not in ("same", "valid"):
                padding = [padding, padding]
            stride = [stride, stride] if draw(st.booleans()) else stride
        for key, value, default in (("stride", stride, 1), ("padding", padding, 0), ("dilation", dilation, 1),
                                    ("groups", groups, 1)):
            if value != default or draw(st.booleans()):
                node[key] = value
        if source == "input" and draw(st.integers(0, 3)) == 0:
            node["static"] = True  # a stem computed once on the static input
        return self.add(node, (out_channels, *out_sizes), inputs=None if source == self.last else [source])

    def pool(self) -> str:
        draw = self.draw
        c, *sizes = self.shape
        dims = len(sizes)
        kernel = draw(st.integers(1, min(3, *sizes)))
        stride = draw(st.sampled_from([None, 1, 2]))
        padding = draw(st.integers(0, kernel // 2))
        kind = draw(st.sampled_from(["avgpool", "maxpool", "sumpool"])) + ("2d" if dims == 2 else "1d")
        node = {"name": self.name("pool"), "op": kind, "kernel": kernel}
        if stride is not None:
            node["stride"] = stride
        if padding:
            node["padding"] = padding
        out = tuple(_slide(s, kernel, stride or kernel, padding, 1) for s in sizes)
        return self.add(node, (c, *out))

    def batchnorm(self) -> str:
        node = {"name": self.name("bn"), "op": "batchnorm"}
        if self.draw(st.booleans()):
            node["affine"] = self.draw(st.booleans())
        return self.add(node, self.shape)

    def passthrough(self) -> str:
        op = self.draw(st.sampled_from(["dropout", "identity"]))
        node = {"name": self.name(op), "op": op}
        if op == "dropout":
            node["p"] = self.draw(st.sampled_from([0.0, 0.1, 0.5]))
        return self.add(node, self.shape)

    def neuron(self) -> str:
        draw = self.draw
        ops = NEURON_OPS + (("mlif",) if self.mlif else ())
        op = draw(st.sampled_from(ops))
        node = {"name": self.name(op), "op": op}
        node["reset"] = self.reset if self.reset else draw(st.sampled_from(["soft", "soft", "hard"]))
        if op == "mlif":
            node["lanes"] = draw(st.integers(1, 4))
        name = self.add(node, self.shape)
        self.sites.append((name, self.shape, 2 if op == "cubalif" else 1))
        return name

    def residual_block(self) -> str:
        """conv(k3, p1, stride s) -> bn -> neuron -> conv(k3, p1) -> add(shortcut) (EfficientLIF-Net's
        BasicBlock shape); a 1x1 stride-s shortcut conv where channels or size change."""
        draw = self.draw
        block_input = self.last
        c_in, *sizes = self.shape
        stride = draw(st.sampled_from([1, 1, 2]))
        channels = draw(st.sampled_from([c_in, c_in * 2])) if c_in * 2 <= 2 * self.max_channels else c_in
        self.conv(out_channels=channels, kernel=3, stride=stride, padding=1, groups=1)
        if draw(st.booleans()):
            self.batchnorm()
        self.neuron()
        main = self.conv(out_channels=channels, kernel=3, stride=1, padding=1, groups=1)
        shortcut = block_input
        if stride != 1 or channels != c_in:
            shortcut = self.conv(source=block_input, out_channels=channels, kernel=1, stride=stride, padding=0,
                                 groups=1)
        order = [main, shortcut] if draw(st.booleans()) else [shortcut, main]
        return self.add({"name": self.name("add"), "op": "add"}, self.shapes[main], inputs=order)

    def concat_block(self) -> str:
        """2-3 'same'-size branches (k in 1, 3, 5 with padding k // 2) joined on channels."""
        draw = self.draw
        source = self.last
        branches = []
        for _ in range(draw(st.integers(2, 3))):
            k = draw(st.sampled_from([1, 3, 5]))
            branch = self.conv(source=source, out_channels=draw(st.integers(1, self.max_channels)), kernel=k,
                               stride=1, padding=k // 2, groups=1)
            if draw(st.booleans()):
                branch = self.neuron()
            branches.append(branch)
        channels = sum(self.shapes[b][0] for b in branches)
        return self.add({"name": self.name("cat"), "op": "concat"}, (channels, *self.shapes[source][1:]),
                        inputs=branches)

    def attention(self) -> str:
        """A spiking self-attention block (snncost.kinds.transformer): ``tokens`` (from an
        image), maybe ``layernorm``, Q/K/V 1x1 projections (maybe with neuron sites),
        ``split_heads``, Q K^T then x V, or K^T V then Q x, ``merge_heads``, maybe the
        Spike-driven Transformer's mask (``token_sum``, a neuron, ``multiply``), and an
        ``add`` or ``membrane_add`` residual."""
        draw = self.draw
        if len(self.shape) == 3:
            c, h, w = self.shape
            self.add({"name": self.name("tok"), "op": "tokens"}, (c, h * w))
        if draw(st.booleans()):
            node = {"name": self.name("ln"), "op": "layernorm"}
            if draw(st.booleans()):
                node["affine"] = draw(st.booleans())
            self.add(node, self.shape)
        x = self.last
        D, N = self.shape
        heads = draw(st.sampled_from([h for h in range(1, D + 1) if D % h == 0][:3]))
        d = D // heads
        proj = []
        for _ in range(3):
            self.conv(source=x, out_channels=D, kernel=1, stride=1, padding=0, groups=1)
            if draw(st.booleans()):
                self.neuron()
            proj.append(self.last)
        q, k, v = (self.add({"name": self.name("heads"), "op": "split_heads", "heads": heads}, (heads, d, N), inputs=[p])
                   for p in proj)
        if draw(st.booleans()):  # K^T V first (Spikformer ImageNet)
            kv = self.add({"name": self.name("mm"), "op": "matmul", "transpose_b": True}, (heads, d, d), inputs=[k, v])
            out = self.add({"name": self.name("mm"), "op": "matmul", "transpose_a": True}, (heads, d, N), inputs=[kv, q])
        else:                    # Q K^T first (Spikformer CIFAR)
            qk = self.add({"name": self.name("mm"), "op": "matmul", "transpose_a": True}, (heads, N, N), inputs=[q, k])
            out = self.add({"name": self.name("mm"), "op": "matmul", "transpose_b": True}, (heads, d, N), inputs=[v, qk])
        self.add({"name": self.name("merge"), "op": "merge_heads"}, (D, N), inputs=[out])
        if draw(st.booleans()):  # the Spike-driven Transformer's token mask
            self.add({"name": self.name("tsum"), "op": "token_sum"}, (D, 1))
            mask = self.neuron()
            self.add({"name": self.name("mul"), "op": "multiply"}, (D, N), inputs=[proj[0], mask])
        op = draw(st.sampled_from(["add", "membrane_add"]))
        return self.add({"name": self.name("res"), "op": op}, (D, N), inputs=[x, self.last])

    def head(self) -> None:
        """global_avgpool or flatten, then 1-2 linear layers (maybe with neuron sites)."""
        draw = self.draw
        if len(self.shape) > 1:
            if draw(st.booleans()):
                self.add({"name": self.name("gap"), "op": "global_avgpool"}, (self.shape[0],) + (1,) * (len(self.shape) - 1))
            size = 1
            for s in self.shape:
                size *= s
            self.add({"name": self.name("flat"), "op": "flatten"}, (size,))
        for _ in range(draw(st.integers(1, 2))):
            out = draw(st.integers(1, 24))
            if self.newer_kinds and draw(st.booleans()):  # an LSTM cell (seed 002 Eq. 14)
                self.add({"name": self.name("lstm"), "op": "lstm", "hidden": out, "bias": draw(st.booleans())}, (out,))
                continue
            self.add({"name": self.name("fc"), "op": "linear", "out_features": out, "bias": draw(st.booleans())},
                     (out,))
            if draw(st.booleans()):
                self.neuron()


def _groupings(draw, net: _Net, data: dict) -> None:
    """Maybe set ``layer_group`` fields and/or a declared grouping 'blocks': runs of neuron
    sites with one membrane shape and state-variable count, in listing order."""
    by_key: dict = {}
    for name, shape, sv in net.sites:
        by_key.setdefault((shape, sv), []).append(name)
    candidates = [names for names in by_key.values() if len(names) > 1]
    if not candidates:
        return
    if draw(st.booleans()):  # node fields
        nodes = {n["name"]: n for n in net.nodes}
        for i, names in enumerate(candidates):
            members = names if draw(st.booleans()) else [n for n in names if draw(st.booleans())]
            for member in members if len(members) > 1 else []:
                nodes[member]["layer_group"] = f"lg{i}"
    if draw(st.booleans()):  # a declared grouping
        groups = {}
        for i, names in enumerate(candidates):
            members = names if draw(st.booleans()) else [n for n in names if draw(st.booleans())]
            if members:
                groups[f"blk{i}"] = members
        if groups:
            data["groupings"] = {"blocks": groups}
            if draw(st.booleans()):
                data["default_grouping"] = "blocks"


@st.composite
def spec_dicts(draw, *, rank=None, max_layers: int = 6, reset: str | None = None, mlif: bool = False,
               max_channels: int = 12, max_size: int = 24, groupings: bool = True, attention: bool = False) -> dict:
    """Plain data of a random valid spec.

    ``rank``: input rank (3 image, 2 sequence, 1 vector; default any); ``max_layers``:
    body layers before the head; ``reset``: force ``"soft"`` or ``"hard"`` on every
    neuron site (default: random, mostly soft); ``mlif``: also draw ``mlif`` sites;
    ``max_channels`` / ``max_size``: bounds of channel counts and input sizes;
    ``groupings``: also draw layer groupings; ``attention``: also draw spiking self-attention
    blocks (the transformer kinds) and ``lstm`` cells in the head (off by default, so the
    older tests' draws stay as they were).
    """
    rank = rank or draw(st.sampled_from([3, 3, 3, 2, 1]))
    channels = draw(st.integers(1, 6))
    if rank == 1:
        shape = (draw(st.integers(1, 64)),)
    else:
        shape = (channels, *[draw(st.integers(1, max_size)) for _ in range(rank - 1)])
        if rank == 3 and draw(st.booleans()):
            shape = (channels, shape[1], shape[1])
    net = _Net(draw, shape, reset=reset, mlif=mlif, max_channels=max_channels)
    net.newer_kinds = attention
    if rank > 1:
        for _ in range(draw(st.integers(1, max_layers))):
            choice = draw(st.sampled_from(["conv", "conv", "pool", "bn", "pass", "res", "cat"]
                                          + (["attn", "attn"] if attention else [])))
            if choice == "conv":
                net.conv()
            elif choice == "pool":
                net.pool()
            elif choice == "bn":
                net.batchnorm()
            elif choice == "pass":
                net.passthrough()
            elif choice == "res":
                net.residual_block()
            elif choice == "attn":
                net.attention()
            else:
                net.concat_block()
            if draw(st.integers(0, 2)) > 0:
                net.neuron()
    net.head()
    if not net.sites:
        net.neuron()
    data = {"name": "random", "input": {"shape": list(shape)}, "nodes": net.nodes}
    if draw(st.booleans()):
        data["timesteps"] = draw(st.integers(1, 8))
    if draw(st.booleans()):
        data["batch"] = draw(st.integers(1, 4))
    if groupings:
        _groupings(draw, net, data)
    return data


def network_specs(**options):
    """Random valid :class:`snncost.spec.NetworkSpec` objects (options as :func:`spec_dicts`)."""
    return spec_dicts(**options).map(spec_from_dict)


def neuron_channels(data: dict, spec) -> list[int]:
    """Helper for tests: channel counts (dimension 0 of the membrane shape) of every
    neuron site of ``spec``, from snncost's shapes."""
    from snncost.shapes import infer_shapes

    shapes = infer_shapes(spec)
    return [shapes[n.name]["output"][0] for n in spec.neuron_nodes]
