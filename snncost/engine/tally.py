"""The memory tally: every array a forward pass keeps for its backward pass, in bits.

Counted from the :class:`snncost.engine.model.Tape` itself (``ndarray.nbytes x 8``),
by category and by layer, at the end of the forward pass, which is the peak: the
backward pass only releases what the forward kept (reverse recomputation steps each
chain's membrane back in place).  Parameters, gradients and momentum are not in the
tally (they live for the whole run); they are reported apart.

Categories:

- ``membranes``: ``bptt``: every LIF site's membrane at every timestep (charged to the
  site); ``reverse``: the last membrane of each sharing buffer (charged to the buffer's
  first site, as :func:`snncost.analyze` charges a shared buffer);
- ``spikes``: kept neuron outputs, one uint8 lane code per neuron and timestep (float
  values in smooth mode): kept where a consumer's backward needs its input, and for
  every site under ``reverse`` (Eq. 18-19 add back theta O);
- ``layer inputs``: other kept node outputs (the inputs of conv, linear, batchnorm and
  max-pool nodes), charged to the node that produced them, once per timestep (once for
  static nodes);
- ``batchnorm statistics``: per call (timestep) the batch mean and 1/std of each channel;
- ``other``: anything else the tape keeps (nothing in this engine; the category stays so
  that the categories are those of the training-memory profiles).

The input batch is the caller's array (the tape only refers to it): it is reported as
``input_bits``, outside the total, as the ``numpy-engine`` training-memory profile
(issue #10) leaves the network input out.
"""
from __future__ import annotations

CATEGORIES = ("membranes", "spikes", "layer inputs", "batchnorm statistics", "other")


def _bits(array) -> int:
    return int(array.nbytes) * 8


def tally(model, tape) -> dict:
    """{"total_bits", "categories": {category: bits}, "layers": {layer: {category: bits}},
    "input_bits"} (the input batch, not in the total)."""
    layers: dict = {}

    def charge(layer, category, bits):
        row = layers.setdefault(layer, dict.fromkeys(CATEGORIES, 0))
        row[category] += bits

    for (site, _t), membranes in tape.membranes.items():
        charge(site, "membranes", _bits(membranes))
    for chain in model.unique_chains:
        if chain.name in tape.final_membranes:
            charge(chain.first, "membranes", _bits(tape.final_membranes[chain.name]))
    for (name, _t), kept in tape.outputs.items():
        charge(name, "spikes" if model.rules[name].neuron else "layer inputs", _bits(kept))
    for (name, _t), cache in tape.caches.items():
        charge(name, "batchnorm statistics", sum(_bits(a) for a in cache))
    categories = {c: sum(row[c] for row in layers.values()) for c in CATEGORIES}
    return {"total_bits": sum(categories.values()), "categories": categories, "layers": layers,
            "input_bits": _bits(tape.x)}


def parameter_bits(model) -> int:
    """Bits of the trainable parameters (gradients and momentum take as many again each)."""
    return sum(_bits(a) for p in model.trainable().values() for a in p.values())


def predicted_membrane_bits(model, batch: int) -> int:
    """snncost's ``lif_backward_bits`` for this model's scheme, mode, T and batch at the
    engine's dtype width: what the membrane tally must equal."""
    from ..analysis import analyze

    report = analyze(model.spec, timesteps=model.timesteps, batch=batch, sharing=model.config.sharing.label,
                     layer_groups=model.config.grouping, training=model.training,
                     membrane_bits=model.dtype(0).itemsize * 8, baseline=False)
    return report.totals["lif_backward_bits"]
