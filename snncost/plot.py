"""Figures of the kind the papers show (matplotlib, the ``plot`` extra).

Each kind is one function in :data:`PLOTS` taking the spec and the figure's options and
returning a matplotlib Figure whose bars/lines carry exactly the report's numbers
(converted to the display unit only for drawing).  Adding a kind (the energy breakdown
of issue #9, the whole training step of issue #10) is adding one function there.

- ``breakdown``: memory per sharing scheme, stacked: weights, spikes (all timesteps),
  LIF forward and LIF backward membrane (EfficientLIF-Net, Kim et al. 2023, Fig. 1 and
  Fig. 7B).
- ``layers``: per-layer bars of weight, LIF forward and LIF backward memory.
- ``sweep``: one quantity against input size, one line per sharing scheme.
- ``training``: the whole BPTT training step per sharing scheme, stacked: parameters,
  gradients, optimizer state, tensors saved for the backward pass, transient buffers
  (their sum is the step's peak; :func:`snncost.train_memory`, issue #10).
- ``energy``: the energy of one inference (all T timesteps) by component of the energy
  model (MACs, ACs, neuron updates...), next to the ANN of the same architecture
  (:mod:`snncost.energy`, issue #9; needs spike rates).

Colours: the Okabe-Ito palette (Okabe and Ito 2008), readable with every common colour
vision deficiency; the configuration (input, T, batch, bit widths, training mode) is in
every title.
"""
from __future__ import annotations

import io
from math import prod
from pathlib import Path

from .errors import ConfigError, InputFileError

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
"""Colour-blind-safe palette: blue, orange, bluish green, reddish purple, sky blue,
vermillion, yellow, black."""

FORMATS = ("png", "svg", "pdf")
BREAKDOWN_PARTS = (("weight_bits", "weights"), ("spike_bits_all_timesteps", "spikes (all T)"),
                   ("lif_forward_bits", "LIF forward"), ("lif_backward_bits", "LIF backward"))
"""The stacked parts of a breakdown bar (report total keys, labels)."""
LAYER_PARTS = (("weight_bits", "weights"), ("lif_forward_bits", "LIF forward"), ("lif_backward_bits", "LIF backward"))
DEFAULT_SCHEMES = ("none", "L", "C2", "L+C2")


def _pyplot():
    from .sweeps import require_matplotlib

    try:
        return require_matplotlib()
    except ConfigError as exc:
        raise ConfigError("snncost plot", exc.problem, exc.valid) from None


def display(bits, unit: str) -> float:
    """Bits in ``unit`` as a float, for drawing only (the exact value stays in the report)."""
    from .units import convert

    return float(convert(bits, unit))


def config_caption(report, training: bool = True) -> str:
    """The configuration every title shows: input, T, batch, bit widths, training mode."""
    c = report.config
    size = "x".join(str(v) for v in c.input_shape)
    from .report import json_number

    return (f"input {size}, T={json_number(c.timesteps)}, batch {json_number(c.batch)}, bits w/u/s "
            f"{json_number(c.weight_bits)}/{json_number(c.membrane_bits)}/{json_number(c.spike_bits)}"
            + (f", training {c.training}" if training else ""))


def _schemes(sharing) -> list[str]:
    if sharing is None:
        return list(DEFAULT_SCHEMES)
    items = sharing.split(",") if isinstance(sharing, str) else list(sharing)
    items = [s.strip() for s in items if s.strip()]
    if not items:
        raise ConfigError("option --sharing", "no scheme given", "a comma-separated list such as none,L,C2,L+C2")
    return items


def _finish(fig, ax, xlabel: str, ylabel: str, title: str, *, grid: str = "y", legend_title: str | None = None):
    """Axis labels (with units), the title with the configuration, legend and grid."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8, title=legend_title, loc="upper left", bbox_to_anchor=(1.01, 1.0))  # beside the data
    ax.grid(True, axis=grid, which="both", linewidth=0.3, alpha=0.6)
    fig.tight_layout()
    return fig


def breakdown(spec, *, sharing=None, unit="MiB", **options):
    """Stacked memory per sharing scheme (EfficientLIF-Net Fig. 1 / Fig. 7B)."""
    from .analysis import analyze

    plt = _pyplot()
    reports = [analyze(spec, sharing=s, baseline=False, **options) for s in _schemes(sharing)]
    fig, ax = plt.subplots(figsize=(max(5.0, 1.3 * len(reports) + 3), 4.6), dpi=120)
    labels = [f"{r.config.sharing.label}\n({r.config.training})" for r in reports]
    bottoms = [0.0] * len(reports)
    for (key, label), colour in zip(BREAKDOWN_PARTS, OKABE_ITO):
        heights = [display(r.totals[key], unit) for r in reports]
        ax.bar(labels, heights, bottom=bottoms, label=label, color=colour, edgecolor="white", linewidth=0.5, gid=key)
        bottoms = [b + h for b, h in zip(bottoms, heights)]
    return _finish(fig, ax, "sharing scheme (training mode)", f"memory [{unit}]",
                   f"{spec.name}: memory breakdown per sharing scheme\n{config_caption(reports[0], training=False)}")


def layers(spec, *, sharing=None, unit="MiB", **options):
    """Per-layer bars of weight, LIF forward and LIF backward memory (layers with any)."""
    from .analysis import analyze

    plt = _pyplot()
    schemes = _schemes(sharing or "none")
    if len(schemes) != 1:
        raise ConfigError("option --sharing", f"--kind layers draws one scheme, got {len(schemes)}", "one scheme, e.g. L+C2")
    report = analyze(spec, sharing=schemes[0], baseline=False, **options)
    rows = [r for r in report.rows if any(r[key] for key, _ in LAYER_PARTS)]
    fig, ax = plt.subplots(figsize=(min(18.0, max(6.0, 0.25 * len(rows) + 2)), 5.2), dpi=120)
    width = 0.8 / len(LAYER_PARTS)
    for i, ((key, label), colour) in enumerate(zip(LAYER_PARTS, OKABE_ITO)):
        ax.bar([j + (i - (len(LAYER_PARTS) - 1) / 2) * width for j in range(len(rows))],
               [display(r[key], unit) for r in rows], width=width, label=label, color=colour, gid=key)
    ax.set_xticks(range(len(rows)), [r["name"] for r in rows], rotation=90, fontsize=7)
    return _finish(fig, ax, "layer", f"memory [{unit}]",
                   f"{spec.name}: memory per layer, sharing {report.config.sharing.label}\n{config_caption(report)}")


def sweep_curves(spec, *, sharing=None, unit="MiB", input=None, quantity="lif_forward_bits", **options):
    """``quantity`` against input size, one line per sharing scheme (exact values from
    :func:`snncost.analyze` at each size)."""
    from .analysis import analyze
    from .quantities import label_of, unit_of
    from .sweeps import parse_input_list

    plt = _pyplot()
    sizes = parse_input_list(input if input is not None else "32,64,128,224")
    fig, ax = plt.subplots(figsize=(7.0, 4.6), dpi=120)
    first = None
    for scheme, colour in zip(_schemes(sharing), OKABE_ITO * 4):
        reports = [analyze(spec, input=size, sharing=scheme, baseline=False, **options) for size in sizes]
        first = first or reports[0]
        if quantity not in reports[0].totals:
            raise ConfigError("option --quantity", f"unknown quantity {quantity!r}", ", ".join(reports[0].totals))
        xs = [_pixels(r.config.input_shape) for r in reports]
        scale = (lambda v: display(v, unit)) if unit_of(quantity) == "bit" else float  # counts are drawn as they are
        ax.plot(xs, [scale(r.totals[quantity]) for r in reports], marker="o", markersize=3, color=colour,
                label=reports[0].config.sharing.label, gid=scheme)
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.xaxis.set_major_locator(FixedLocator(sorted(set(ax.lines[0].get_xdata()))))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    square = len(first.config.input_shape) == 3 and len(set(first.config.input_shape[1:])) == 1
    name = label_of(quantity)
    caption = config_caption(first).split(", ", 1)[1]  # the input size is the x axis
    return _finish(fig, ax, "input size H = W [pixels]" if square else "input size (H x W, or L) [elements]",
                   f"{name} [{unit if unit_of(quantity) == 'bit' else unit_of(quantity)}]",
                   f"{spec.name}: {name} vs input size\n{caption}", grid="both", legend_title="sharing")


TRAINING_PARTS = (("parameter_bytes", "parameters"), ("gradient_bytes", "gradients"),
                  ("optimizer_bytes", "optimizer state"), ("saved_bytes", "saved for backward"),
                  ("transient_bytes", "transient"))
"""The stacked parts of a training-step bar (StepMemory total keys, labels); they sum to
``peak_bytes``."""
TRAINING_OPTIONS = ("input", "timesteps", "batch", "layer_groups", "training")


def training_step(spec, *, sharing=None, unit="MiB", **options):
    """The whole training step's memory per sharing scheme (:func:`snncost.train_memory`,
    the ``pytorch`` profile, SGD with momentum, fp32)."""
    from .training.fit import train_memory

    unused = sorted(k for k, v in options.items() if k not in TRAINING_OPTIONS and v is not None)
    if unused:
        raise ConfigError(f"option --{unused[0].replace('_', '-')}", "does not apply to --kind training",
                          "--input, --timesteps, --batch, --layer-groups, --training (see snncost train-memory)")
    plt = _pyplot()
    options = {k: v for k, v in options.items() if k in TRAINING_OPTIONS}
    steps = [train_memory(spec, sharing=s, baseline=False, **options) for s in _schemes(sharing)]
    fig, ax = plt.subplots(figsize=(max(5.0, 1.3 * len(steps) + 3), 4.6), dpi=120)
    labels = [f"{st.config['sharing']}\n({st.config['training']})" for st in steps]
    bottoms = [0.0] * len(steps)
    for (key, label), colour in zip(TRAINING_PARTS, OKABE_ITO):
        heights = [display(8 * st.totals[key], unit) for st in steps]
        ax.bar(labels, heights, bottom=bottoms, label=label, color=colour, edgecolor="white", linewidth=0.5, gid=key)
        bottoms = [b + h for b, h in zip(bottoms, heights)]
    c = steps[0].config
    caption = (f"input {'x'.join(map(str, c['input_shape']))}, T={c['timesteps']}, batch {c['batch']}, "
               f"{c['optimizer']}, {c['amp']}, profile {c['profile']}")
    return _finish(fig, ax, "sharing scheme (training mode)", f"memory [{unit}]",
                   f"{spec.name}: training-step memory per sharing scheme (peak = the stack)\n{caption}")


def energy_breakdown(spec, *, sharing=None, unit="MiB", **options):
    """Stacked energy components of the SNN (the report's ``energy`` breakdown, pJ shown in
    uJ) and the ANN of the same architecture.  ``unit`` (memory) does not apply."""
    from .analysis import analyze

    if options.get("rates") is None and options.get("rate_default") is None:
        raise ConfigError("option --rates", "--kind energy needs spike rates",
                          "--rates 0.15 (every neuron node), or a .csv/.json file keyed by node name")
    schemes = _schemes(sharing or "none")
    if len(schemes) != 1:
        raise ConfigError("option --sharing", f"--kind energy draws one scheme, got {len(schemes)}", "one scheme")
    plt = _pyplot()
    report = analyze(spec, sharing=schemes[0], baseline=False, **options)
    energy = report.energy
    fig, ax = plt.subplots(figsize=(6.0, 4.6), dpi=120)
    labels = [f"SNN\n({energy.model})", "ANN\n(same layers)"]
    bottom = 0.0
    for (component, pj), colour in zip(energy.breakdown.items(), OKABE_ITO):
        height = float(pj / UJ)
        ax.bar(labels[:1], [height], bottom=[bottom], label=component, color=colour, edgecolor="white", gid=component)
        bottom += height
    ax.bar(labels[1:], [float(energy.ann_pj / UJ)], label="ANN (MACs)", color=OKABE_ITO[-1], gid="ann")
    return _finish(fig, ax, "network", "energy per inference [uJ]",
                   f"{spec.name}: energy by component, table {energy.table}\n{config_caption(report)}")


UJ = 10**6
"""pJ per uJ (energies are exact pJ Fractions, drawn in uJ)."""


def _pixels(shape) -> int:
    """The x value of a sweep point: H for square images, H x W otherwise, L for sequences."""
    sizes = tuple(shape[1:]) if len(shape) > 1 else tuple(shape)
    return sizes[0] if len(set(sizes)) == 1 else prod(sizes)


PLOTS = {"breakdown": breakdown, "layers": layers, "sweep": sweep_curves, "training": training_step,
         "energy": energy_breakdown}
"""Every figure kind: name -> function(spec, *, sharing, unit, ...) -> matplotlib Figure."""


def figure(model, kind: str = "breakdown", **options):
    """The matplotlib Figure of ``kind`` for ``model`` (a zoo name, spec file, .nir or spec)."""
    from .zoo import resolve_model

    if kind not in PLOTS:
        raise ConfigError("option --kind", f"unknown plot kind {kind!r}", ", ".join(PLOTS))
    return PLOTS[kind](resolve_model(model), **options)


def check_out(path: str) -> str:
    """The figure format from the file name: png, svg or pdf."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise ConfigError("option --out", f"{path!r} does not end in .png, .svg or .pdf", "a file name ending in "
                          + ", ".join(f".{f}" for f in FORMATS))
    folder = Path(path).parent if str(Path(path).parent) else Path(".")
    if not folder.is_dir():
        raise InputFileError(f"option --out '{path}'", "its folder does not exist", "a path in an existing folder")
    return suffix


def save(fig, path: str) -> None:
    """Write ``fig`` to ``path`` (format from its suffix), atomically, and close it."""
    from .commands.common import write_bytes_atomically

    fmt = check_out(path)
    buffer = io.BytesIO()
    metadata = {"Creator": "snncost"} if fmt != "png" else {"Software": "snncost"}
    fig.savefig(buffer, format=fmt, metadata=metadata)
    _pyplot().close(fig)
    write_bytes_atomically(buffer.getvalue(), path)
