"""EfficientLIF-Net (Kim, Li, Moitra, Yin, Panda, Front. Neurosci. 2023; seed 000): the LIF
memory of Table 1 (VGG16, ResNet19; five datasets; Baseline, L, C#2, L+C#2; forward
and backward), Table 2 (ResNet19 C#2/4/8), the text figures of Sec. 5.2, 5.3.7, 5.3.8
and the abstract, Fig. 1 (the LIF share of a network's total memory) and Fig. 8 (a
pruned ResNet19).  Registry: tables/efficientlif.csv; models: model_zoo/efficientlif.py.

What a row is computed on (Sec. 5.2 and Table 1's caption):

- forward LIF memory = 32-bit membrane of every sharing buffer (memory model,
  :mod:`snncost.memory`; sharing buffers, :mod:`snncost.sharing`, Eq. 4-14);
- Baseline backward = standard BPTT, T x every LIF site's membrane ("stores membrane
  potential across entire timesteps");
- shared rows' backward = forward (reverse recomputation, Eq. 18-19, soft reset);
- the tables print "MB" and mean MiB (2^20 bytes): the registry's ``unit`` is MiB and
  ``printed_unit`` MB; Fig. 8's MB are MiB too;
- Fig. 1, ResNet19 at 224x224, 32-bit weights and membrane, 1-bit spikes ("the LIF
  memory takes 53% of memory overhead", Sec. 1): ``share=total`` is LIF forward / (weights + LIF forward + spikes
  of all T timesteps), snncost's ``total_bits``; ``share=per-timestep`` counts one
  timestep of spikes, ``share=bptt`` the BPTT membrane (info rows);
- Fig. 8, ResNet19 (CIFAR10, 32x32) pruned to 94.94% weight sparsity: "weights about
  5 MB" (nonzero values only, :mod:`snncost.pruning` format ``values``), "baseline
  LIF 2.9 MB, ~60% of the memory cost for weight parameters", "L+C#2 ~23% of
  baseline LIF"; Sec. 5.3.8: L and C#2 "reduce the LIF memory cost by about half";
- Sec. 5.3.7 (Fig. 7B, ResNet19 on ImageNet-100 at 224x224): backward (BPTT) LIF
  memory "around 7x larger" than weight memory (32-bit, every parameter) and than
  activation memory, which is counted as the paper lists it: "spike activation
  (1-bit)" of every LIF at all T timesteps (``spike_bits_all_timesteps``).

Config keys: ``input``, ``in_channels``, ``num_classes`` (builder options of the zoo
model), ``timesteps``, ``membrane_bits``, ``batch``, ``sharing``, ``grouping``,
``training``, ``sparsity``, ``weight_format``, ``share``.
"""
from __future__ import annotations

from fractions import Fraction

NAME = "efficientlif"
TITLE = ("EfficientLIF-Net (Kim et al., Front. Neurosci. 2023): LIF memory, Table 1, Table 2, the text figures "
         "(Sec. 5.2, 5.3.7, 5.3.8), Fig. 1 (LIF share of total memory at 224x224) and Fig. 8 (ResNet19 pruned to "
         "94.94%)")
REGISTRY = "efficientlif.csv"
UNITS = ("MiB", "x", "%", "count")

_INT_KEYS = ("input", "in_channels", "num_classes", "timesteps", "membrane_bits", "batch")
_TEXT_KEYS = ("sharing", "grouping", "training", "sparsity", "weight_format", "share")
CONFIG_KEYS = _INT_KEYS + _TEXT_KEYS

#: Fig. 1's ``share`` key -> what the total counts
SHARES = {
    "total": "total = weights + LIF fwd + spikes of all T",
    "per-timestep": "total = weights + LIF fwd + spikes of one timestep",
    "bptt": "total = weights + BPTT LIF + spikes of all T",
}


def _evaluate(row, c: dict) -> dict:
    """The analysis totals of ``row.model`` under the typed config ``c``."""
    from ..analysis import evaluate, make_config
    from ..zoo import load

    spec = load(row.model, **{k: c[k] for k in ("num_classes", "in_channels") if k in c})
    config = make_config(spec, input=c.get("input"), timesteps=c.get("timesteps"), batch=c.get("batch"),
                         sharing=c.get("sharing", "none"), layer_groups=c.get("grouping"),
                         training=c.get("training"), membrane_bits=c.get("membrane_bits"),
                         sparsity=c.get("sparsity"), weight_format=c.get("weight_format", "dense"))
    return evaluate(spec, config)[1]


def _memory(*keys):
    """A memory quantity in the row's unit; several keys must agree (Table 2 prints
    one figure for forward and backward)."""
    def value(row, c, t):
        from ..units import convert
        from .runner import NotReproduced

        values = [convert(t[key], row.unit) for key in keys]
        if len(set(values)) > 1:
            raise NotReproduced(f"forward {values[0]} and backward {values[1]} {row.unit} differ, "
                                "but the table prints one figure for both")
        return values[0]
    return value


def _share_of_total(row, c, t):
    """Fig. 1: LIF memory / total memory."""
    lif = Fraction(t["lif_forward_bits"])
    share = c.get("share", "total")
    if share == "total":
        return lif / t["total_bits"]
    if share == "per-timestep":
        return lif / (t["weight_bits"] + lif + t["spike_bits_per_timestep"])
    bptt = Fraction(t["lif_backward_bits"])
    return bptt / (t["weight_bits"] + bptt + t["spike_bits_all_timesteps"])


def _share_of_weights(row, c, t):
    """Fig. 8: LIF forward memory / (pruned) weight memory."""
    return Fraction(t["lif_forward_bits"]) / t["weight_bits"]


def _relative_to_baseline(row, c, t):
    """Fig. 8, Sec. 5.3.8: LIF forward memory of the row's scheme / that of the unshared network."""
    baseline = _evaluate(row, {k: v for k, v in c.items() if k not in ("sharing", "grouping", "training")})
    return Fraction(t["lif_forward_bits"]) / baseline["lif_forward_bits"]


def _backward_over(key):
    """Sec. 5.3.7 (Fig. 7B): LIF backward memory / another part of the memory."""
    def value(row, c, t):
        return Fraction(t["lif_backward_bits"]) / t[key]
    return value


MEMORY = ("MiB",)
FRACTION = ("%", "x")   # a ratio printed in percent (x 100) or as a factor
#: quantity -> (units it may be printed in, computation(row, typed config, analysis totals))
QUANTITIES = {
    "LIF forward memory": (MEMORY, _memory("lif_forward_bits")),
    "LIF backward memory": (MEMORY, _memory("lif_backward_bits")),
    "LIF memory (forward = backward)": (MEMORY, _memory("lif_forward_bits", "lif_backward_bits")),
    "weight memory": (MEMORY, _memory("weight_bits")),
    "LIF share of total memory": (FRACTION, _share_of_total),
    "LIF share of weight memory": (FRACTION, _share_of_weights),
    "LIF memory relative to baseline": (FRACTION, _relative_to_baseline),
    # activation memory = the 1-bit spikes of all T timesteps, the "spike activation (1-bit)" of Sec. 5.3.7
    "LIF backward memory / weight memory": (FRACTION, _backward_over("weight_bits")),
    "LIF backward memory / activation memory": (FRACTION, _backward_over("spike_bits_all_timesteps")),
}


def _config(row) -> dict:
    from ..errors import InputFileError
    from .registry import typed_config

    c = typed_config(row, _INT_KEYS, _TEXT_KEYS)
    if c.get("share", "total") not in SHARES:
        raise InputFileError(row.where("config"), f"unknown share {c['share']!r}", ", ".join(SHARES))
    if "share" in c and row.quantity != "LIF share of total memory":
        raise InputFileError(row.where("config"), f"'share' does not apply to {row.quantity!r}",
                             "no 'share' key (it belongs to 'LIF share of total memory')")
    return c


def compute(row) -> Fraction:
    """Exact value of a row's quantity: LIF or weight memory in the row's unit (MiB),
    or a ratio in percent (``%``) or as a factor (``x``); the hardware figures through
    :func:`compute_hardware`."""
    from ..errors import InputFileError
    from .registry import check_quantity

    if row.quantity in HW_QUANTITIES:
        return compute_hardware(row)
    check_quantity(row, {**QUANTITIES, **HW_QUANTITIES})
    units, value = QUANTITIES[row.quantity]
    if row.unit not in units:
        raise InputFileError(row.where("unit"), f"{row.unit!r} does not fit {row.quantity!r}", ", ".join(units))
    c = _config(row)
    result = value(row, c, _evaluate(row, c))
    return 100 * result if row.unit == "%" else result


def describe(row) -> str:
    """``'resnet19, 224x224, T=5, L+C2, grouping table1, reverse'`` (a row with a model)."""
    from .runner import model_parts

    c = row.config
    parts = model_parts(row)
    if "timesteps" in c:
        parts.append(f"T={c['timesteps']}")
    parts.append(c.get("sharing", "none"))
    if "grouping" in c:
        parts.append(f"grouping {c['grouping']}")
    if "training" in c:
        parts.append(c["training"])
    if c.get("membrane_bits", "32") != "32":
        parts.append(f"{c['membrane_bits']}-bit membrane")
    if "sparsity" in c:
        parts.append(f"sparsity {c['sparsity']}, weights stored {c.get('weight_format', 'dense')}")
    if row.quantity == "LIF share of total memory":
        parts.append(SHARES[c.get("share", "total")])
    if row.quantity in HW_QUANTITIES:
        parts += [f"{k.replace('_', ' ')} {c[k]}" for k in ("batch", *_HW_PARAMS, "baseline_model", "pe_model") if k in c]
    return ", ".join(parts)


# ---- Hardware figures (issue #12): Sec. 4.4.2 / 5.3.9 and Fig. 9, computed by snncost.hw ----
# What a row is computed on (docs/hardware.md):
# - "LIF units" and "LIF share of PE compute": the accelerator model of snncost.hw.accelerator
#   (128 PEs, one LIF unit per PE; C<N> divides the LIF part of PE compute by N); the
#   network does not matter (the row names vgg16 only because a row needs a model);
# - "DRAM access reduction": 1 - DRAM accesses of the row's scheme / of the same network
#   unshared, per mini-batch of ``batch`` (snncost.hw.traffic: weights once per
#   mini-batch, every spike and membrane tensor through DRAM, static layers recomputed
#   each timestep, unless the config names other values of those parameters).
# - "baseline LIF share of PE compute": the 61.6% itself from a SATA PE compute model
#   (snncost.hw.pe_compute; config key ``pe_model``: power, area or training-ops).

HW_INT_KEYS = ("input", "num_classes", "timesteps", "batch", "pe", "lif_units_per_pe", "global_buffer_bits")
HW_TEXT_KEYS = ("sharing", "grouping", "lif_share", "weight_reads", "static_layers", "baseline_model", "pe_model")
_HW_PARAMS = ("pe", "lif_units_per_pe", "global_buffer_bits", "lif_share", "weight_reads", "static_layers")


def _hardware(row, c: dict):
    from ..hw import hardware
    from ..zoo import load

    classes = {"num_classes": c["num_classes"]} if "num_classes" in c else {}
    baseline = load(c["baseline_model"], **classes) if "baseline_model" in c else None
    return hardware(load(row.model, **classes), sharing=c.get("sharing", "none"), batch=c.get("batch"),
                    input=c.get("input"), timesteps=c.get("timesteps"), layer_groups=c.get("grouping"),
                    reduction_batches=(), baseline_model=baseline, **{k: c[k] for k in _HW_PARAMS if k in c})


HW_QUANTITIES = {
    "LIF units": ("count", lambda row, c: Fraction(_hardware(row, c).lif["lif_units"])),
    "LIF share of PE compute": ("percent", lambda row, c: 100 * _hardware(row, c).lif["lif_share"]),
    "DRAM access reduction": ("percent", lambda row, c: 100 * _hardware(row, c).reduction["at_batch"]),
    "baseline LIF share of PE compute": ("percent", lambda row, c: 100 * _pe_share(c.get("pe_model", "power"))),
}


def _pe_share(model: str) -> Fraction:
    from ..hw.pe_compute import lif_share_baseline

    return lif_share_baseline(model)


def compute_hardware(row) -> Fraction:
    """Exact value of a hardware row: LIF units, or a percent."""
    from ..errors import InputFileError
    from .registry import typed_config

    kind, value = HW_QUANTITIES[row.quantity]
    if row.unit != {"count": "count", "percent": "%"}[kind]:
        raise InputFileError(row.where("unit"), f"{row.unit!r} does not fit {row.quantity!r}",
                             "count" if kind == "count" else "%")
    return value(row, typed_config(row, HW_INT_KEYS, HW_TEXT_KEYS))
