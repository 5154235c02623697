"""Options and output handling shared by several subcommands."""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from ..errors import ConfigError, InputFileError
from ..options import MAX_OPTION_INT, OP_OPTIONS, OPTION_DEFAULTS, PRECISION_OPTIONS, input_sizes
from ..options import positive_int as _positive_int


def positive_int(text: str) -> int:
    """An integer option (batch, timesteps, index bits): 1 to 10^18."""
    return _positive_int(text, "option", "a positive integer up to 10^18", MAX_OPTION_INT)


def digits(text: str) -> int:
    """``--digits``: decimals shown, 0 to 100 (display only; totals also show exact bits)."""
    try:
        value = positive_int(text) if text.strip() != "0" else 0
    except ConfigError as exc:
        raise ConfigError("option", exc.problem, "an integer from 0 to 100") from None
    if value > 100:
        raise ConfigError("option", f"{value} decimals is too many", "an integer from 0 to 100")
    return value


def input_size(text: str) -> str:
    """``--input``: 224 or HxW such as 224x160, each size a positive integer up to 10^18."""
    input_sizes(text, maximum=MAX_OPTION_INT)
    return text


def bits(text: str):
    """A bit-width option: a preset name or an exact number (:func:`snncost.precision.parse_bits_text`)."""
    from ..precision import parse_bits_text

    return parse_bits_text(text)


def add_model_options(parser, *, sharing: bool = True) -> None:
    """Options every analysis command takes: model, input, T, batch, bits, sharing."""
    parser.add_argument("model", help=MODEL_HELP)
    add_nir_options(parser)
    parser.add_argument("--input", type=input_size, help="input spatial size: 224, or HxW such as 224x160 (default: the model's)")
    parser.add_argument("--timesteps", "-T", type=_typed(positive_int, "--timesteps"), help="timesteps T (default: the model's)")
    parser.add_argument("--batch", "-B", type=_typed(positive_int, "--batch"), help="batch size (default 1)")
    if sharing:
        parser.add_argument("--sharing", default="none", help="none, or L, C<N> (C#<N>), W<P> (W<gh>x<gw>) joined by +, e.g. L+C2+W4 (default none)")
        parser.add_argument("--layer-groups", help="layer grouping for L: auto, none, or one the model declares")
        parser.add_argument("--training", choices=None, help="backward memory mode: bptt or reverse "
                            "(default: bptt for none, reverse for shared schemes with soft reset)")
    parser.add_argument("--weight-bits", type=_typed(bits, "--weight-bits"), help="weight bits (default 32)")
    parser.add_argument("--membrane-bits", type=_typed(bits, "--membrane-bits"), help="membrane bits (default 32)")
    parser.add_argument("--spike-bits", type=_typed(bits, "--spike-bits"), help="spike bits (default 1)")
    add_precision_options(parser)


MODEL_HELP = "a zoo model name (snncost zoo), a .yaml/.yml/.json spec file or a .nir graph"


def add_nir_options(parser) -> None:
    """What a NIR graph does not store and no other option gives (snncost.nir_io)."""
    parser.add_argument("--reset", help="reset mode of a .nir model's spiking neurons: soft or hard "
                        "(NIR does not store it; default hard, NIR's v -> v_reset)")


def model_argument(args):
    """The command's model: a .nir path is imported here, with the command's timesteps,
    batch and numeric bit widths as its defaults and ``--reset``; its import notes (the
    defaults used, a removed batch dimension, recurrent edges) go to standard error.  Anything else is passed on unchanged."""
    model, reset = args.model, getattr(args, "reset", None)
    if not (isinstance(model, str) and model.lower().endswith(".nir")):
        if reset is not None:
            raise ConfigError("option --reset", "applies to .nir models only (a spec file states each neuron's reset)",
                              "a .nir model, or the field reset: soft|hard of the spec's neuron nodes")
        return model
    from ..nir_io import from_nir

    def number(key):
        value = getattr(args, key, None)
        from fractions import Fraction

        exact = isinstance(value, (int, float, Fraction)) and not isinstance(value, bool)
        return value if exact and Fraction(float(value)) == value else None  # presets: applied by analyze
    spec = from_nir(model, reset=reset, timesteps=number("timesteps"), batch=number("batch"),
                    weight_bits=number("weight_bits"), membrane_bits=number("membrane_bits"),
                    spike_bits=number("spike_bits"))
    for note in spec.report_notes:  # defaults used, batch dimension, recurrence: whatever the output format
        print(f"snncost: note: {note}", file=sys.stderr)
    return spec


PRECISION_DEFAULTS = {key: OPTION_DEFAULTS[key] for key in PRECISION_OPTIONS}


def add_precision_options(parser) -> None:
    """Precision presets' conventions, multi-level spikes, pruning, per-node overrides
    (docs/precision.md)."""
    parser.add_argument("--ternary-convention", default="imsnn",
                        help="bits of a ternary value: imsnn (1.5, IM-SNN's count), log2 (log2 3, exact), packed (2) (default imsnn)")
    parser.add_argument("--masked-convention", default="halved",
                        help="masked-ternary membrane: halved (half the ternary bits, IM-SNN Table III) or binary (1 bit) (default halved)")
    parser.add_argument("--spike-encoding", default="one-hot",
                        help="multi-level spike storage per neuron and timestep: one-hot (S lane bits) or encoded (ceil(log2(S+1)) bits)")
    parser.add_argument("--sparsity", help="weight sparsity of every conv/linear weight tensor: 0.9494 or 94.94%% (default 0)")
    parser.add_argument("--weight-format", default="dense",
                        help="storage of (pruned) weights counted in weight memory: dense, values, bitmask, coo, csr (default dense)")
    parser.add_argument("--index-bits", type=_typed(positive_int, "--index-bits"),
                        help="bits per coo coordinate / csr column index (default: ceil(log2) of the tensor's dimensions)")
    parser.add_argument("--node", action="append", dest="node_overrides", metavar="NODE:KEY=VALUE[,KEY=VALUE]",
                        help="per-node override, repeatable: e.g. stem.conv:weight_bits=32 or fc:weight_bits=32,sparsity=0; "
                             "keys weight_bits, membrane_bits, spike_bits, sparsity")
    parser.add_argument("--eq15-weights", default="conv",
                        help="weights N_w of IM-SNN's Eq. 15 total: conv (conv weights only, as its tables) or all (default conv)")


OP_DEFAULTS = {key: OPTION_DEFAULTS[key] for key in OP_OPTIONS}


def add_rate_options(parser) -> None:
    """Spike rates (snncost.rates): ``--rates``, ``--rate-default``, ``--rate-mode``."""
    parser.add_argument("--rates", help="spike rates: one number (e.g. 0.15) for every neuron node, or a .csv "
                        "(header node,rate) / .json file keyed by node name")
    parser.add_argument("--rate-default", help="rate of neuron nodes missing from the rates file")
    parser.add_argument("--rate-mode", default="per-timestep",
                        help="per-timestep (rates in [0, 1], default) or summed (over the T timesteps, in [0, T])")


def add_op_options(parser) -> None:
    """Op counts and energy (snncost.opcount, snncost.energy; README "Operations and energy")."""
    add_rate_options(parser)
    parser.add_argument("--spike-sums", help="layers fed by sums of spikes: neurobench (dense MACs, default) or "
                        "paper (ACs at the mean value, as Spikformer's Table 2)")
    parser.add_argument("--analog-input", help="layers fed by the analog input: T (MACs every timestep, default) or once")
    parser.add_argument("--padding", default="included",
                        help="conv MACs: included (padding positions counted, as PyTorch; default) or excluded (NeuroBench)")
    parser.add_argument("--extra-ops", help="dense ops also counted, comma-separated: bias, batchnorm, pool")
    parser.add_argument("--input-spikes", action="store_true", help="the network input is events (counted as spikes; "
                        "its rate is the rates key 'input')")
    parser.add_argument("--neuron-model", help="price every neuron update as one NeuroBench model: leaky (4 ops), "
                        "synaptic (6), synaptic-8, lapicque (11), alpha (18), alpha-24 (default: per kind)")
    parser.add_argument("--shortcut-quirk", action="store_true",
                        help="count 1x1 shortcut convs as one-hot-mlif-snn's ann.py does (resnet20-mlif)")
    parser.add_argument("--energy", dest="energy_model", help="energy model: compute (default with --rates), "
                        "yao2023, spikformer, mlif, memory")
    parser.add_argument("--tech", help="technology table: horowitz45 (default), spikingjelly-fp32, spikingjelly-fp16, "
                        "spikingjelly-int8, lemaire2022, sata, or a .yaml table file")


def parse_node_overrides(items) -> dict | None:
    """['conv1:weight_bits=32,sparsity=0'] -> {'conv1': {'weight_bits': '32', 'sparsity': '0'}}."""
    if not items:
        return None
    valid = "NODE:KEY=VALUE[,KEY=VALUE...] with KEY one of weight_bits, membrane_bits, spike_bits, sparsity"
    out: dict = {}
    for item in items:
        name, sep, settings = item.partition(":")
        if not sep or not name.strip() or not settings.strip():
            raise ConfigError("option --node", f"cannot read {item!r}", valid)
        values = out.setdefault(name.strip(), {})
        for part in settings.split(","):
            key, eq, value = part.partition("=")
            if not eq or not key.strip() or not value.strip():
                raise ConfigError(f"option --node '{name.strip()}'", f"cannot read {part!r}", valid)
            values[key.strip()] = value.strip()
    return out


def _typed(convert, option: str):
    def parse(text):
        try:
            return convert(text)
        except ConfigError as exc:
            raise ConfigError(f"option {option}", exc.problem, exc.valid) from None
    parse.__name__ = option
    return parse


def analysis_kwargs(args) -> dict:
    keys = ("input", "timesteps", "batch", "sharing", "layer_groups", "training", "weight_bits", "membrane_bits", "spike_bits")
    kwargs = {k: getattr(args, k) for k in keys if hasattr(args, k)}
    # precision/pruning options only when set, so commands that do not take them are unaffected
    for key, default in PRECISION_DEFAULTS.items():
        value = getattr(args, key, default)
        if key == "node_overrides":
            value = parse_node_overrides(value)
        if value != default:
            kwargs[key] = value
    kwargs.update(op_kwargs(args))
    return kwargs


def op_kwargs(args) -> dict:
    """The op-count and energy options given on the command line (add_op_options)."""
    return {key: getattr(args, key) for key, default in OP_DEFAULTS.items() if getattr(args, key, default) != default}


def write_output(text: str, out: str | None) -> None:
    """Print, or write ``out`` atomically (no partial file is left behind on failure)."""
    if not out:
        sys.stdout.write(text)
        return
    write_bytes_atomically(text.encode("utf-8"), out)


def write_bytes_atomically(data: bytes, out: str) -> None:
    if "\0" in str(out):
        raise InputFileError(f"option --out {str(out)!r}", "the path contains a NUL byte", "a file path without NUL")
    path = Path(out)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise InputFileError(f"option --out '{out}'", "its folder does not exist", "a path in an existing folder")
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise InputFileError(f"option --out '{out}'", f"cannot write there ({exc.strerror})", "a writable path") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        umask = os.umask(0)  # mkstemp makes 0600 files: give the result the usual permissions
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InputFileError(f"option --out '{out}'", f"cannot write there ({exc.strerror})", "a writable file path") from None
