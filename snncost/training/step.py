"""The memory of one BPTT training step: static + saved + transient = peak, in bytes.

- static: fp32 parameters, their gradients (kept between steps) and the optimizer state
  (:data:`snncost.training.profiles.OPTIMIZER_STATES` tensors per parameter);
- saved: what autograd keeps for the backward pass, by the per-kind rules of
  :mod:`snncost.training.saved`; a storage several consumers keep is counted once
  (at its first keeper); a static node's output exists once, a timestep node's T times;
- transient: the working set beside them during the backward pass: the LIF states the
  neuron modules hold (the forward membrane buffers, EfficientLIF-Net Eq. 4-14: what
  ``lif_forward_bits`` counts), one membrane gradient per buffer carried across
  timesteps, the largest layer's input and output gradients, the gradient accumulators
  of static outputs read at every timestep, and a framework workspace allowance;
- peak = static + saved + transient (an upper bound on the gradient part: the carried
  membrane gradients grow while the saved tensors of the last timestep are freed).

Every count is an exact integer, or a sympy expression when B, T or input sizes are
symbols (:func:`snncost.training.fit.peak_formula`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from math import prod

from .. import memory
from ..analysis import make_config
from ..kinds import parameters, state_variables
from ..shapes import infer_shapes
from ..sharing import sharing_buffers
from ..spec.network import INPUT_NAME
from .profiles import AMP_BYTES, OPTIMIZER_STATES, check_amp, check_kinds, check_optimizer, get_profile
from .saved import SavedContext, is_view, loss_saved, rule_of, runs_in_autocast, saved_by

STATIC_NODES = ("once", "per-timestep")
"""``once``: nodes the spec marks static run once before the time loop (EfficientLIF-Net's
code); ``per-timestep``: every node runs at every timestep (the measured reference of
domain notes section 9 did this)."""

TOTAL_KEYS = ("parameter_bytes", "gradient_bytes", "optimizer_bytes", "saved_bytes", "saved_by_kind",
              "transient_bytes", "transient_by_part", "static_bytes", "peak_bytes")
TRANSIENT_PARTS = ("membrane_state", "membrane_gradients", "largest_layer_gradients", "static_output_gradients",
                   "workspace")


@dataclass
class StepMemory:
    """The result: exact byte totals, per-layer rows, and what was assumed."""

    model: str
    config: dict
    profile: object
    totals: dict
    rows: list
    notes: list = field(default_factory=list)
    sharing_effect: dict | None = None

    def to_dict(self) -> dict:
        from ..report import json_number

        def plain(value):
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, list):
                return [plain(v) for v in value]
            return json_number(value)

        return {"model": self.model, "config": plain(self.config),
                "profile": {"name": self.profile.name, "description": self.profile.description,
                            "assumptions": list(self.profile.assumptions)},
                "totals": plain(self.totals), "sharing_effect": plain(self.sharing_effect),
                "notes": list(self.notes), "layers": plain(self.rows)}


def _max(values):
    values = list(values)
    if all(isinstance(v, int) for v in values):
        return max(values)  # a spec has at least one node
    import sympy

    return sympy.Max(*values)


def effective_static(spec, static_nodes: str) -> set:
    """Nodes computed once per step: static in the spec and fed only by static nodes."""
    static = {INPUT_NAME}
    if static_nodes == "once":
        for node in spec.order:
            if node.static and all(src in static for src in spec.edges[node.name]):
                static.add(node.name)
    return static


def element_bytes(spec, profile, amp) -> dict:
    """Element size of every node's output (and the input): the profile's activations
    (fp32); under autocast the kinds whose ``train_autocast`` rule says so (conv, linear)
    output the autocast dtype, every other kind the widest of its inputs' (adds and
    concats promote, as PyTorch does)."""
    size = {INPUT_NAME: profile.activation_bytes}
    for node in spec.order:
        ins = [size[src] for src in spec.edges[node.name]]
        size[node.name] = AMP_BYTES[amp] if amp is not None and runs_in_autocast(node) else max(ins)
    return size


@dataclass(frozen=True)
class _Step:
    """What every rule and count of one step reads (internal)."""

    spec: object
    config: object
    profile: object
    amp: object
    shapes: dict
    static: set
    out_bytes: dict
    stored: dict
    membrane_bytes: dict
    buffer_elements: dict
    grad: dict


def step_memory(spec, *, input=None, timesteps=None, batch=None, optimizer="sgd-momentum", amp=None,
                sharing="none", layer_groups=None, training=None, profile="pytorch", static_nodes="once",
                workspace=0) -> StepMemory:
    """One training step of ``spec`` (a NetworkSpec); see the module docstring."""
    from ..errors import ConfigError
    from .budget import parse_workspace

    prof = get_profile(profile)
    optimizer = check_optimizer(optimizer)
    amp = check_amp(amp, prof)
    check_kinds(spec, prof)
    workspace = parse_workspace(workspace)
    if static_nodes not in STATIC_NODES:
        raise ConfigError("option --static-nodes", f"unknown value {static_nodes!r}", ", ".join(STATIC_NODES))
    config = make_config(spec, input=input, timesteps=timesteps, batch=batch, sharing=sharing,
                         layer_groups=layer_groups, training=training)
    shapes = infer_shapes(spec, config.input_shape)
    out_bytes = element_bytes(spec, prof, amp)
    stored = dict(out_bytes)
    if prof.spike_code_bytes:
        stored.update({n.name: prof.spike_code_bytes for n in spec.neuron_nodes})
    buffers = sharing_buffers(spec, shapes, config.sharing, config.grouping)
    step = _Step(spec, config, prof, amp, shapes, effective_static(spec, static_nodes), out_bytes, stored,
                 {n.name: out_bytes[spec.edges[n.name][0]] for n in spec.neuron_nodes},
                 {buf.members[0]: memory.buffer_forward_bits(prod(buf.shape), state_variables(spec.node_map[buf.members[0]]),
                                                             config.sharing.channel_groups, 1, 1, buf.windows)
                  for buf in buffers},
                 requires_grad(spec, shapes))
    B, T = config.batch, config.timesteps
    rows, by_kind = _saved_rows(step)
    loss = sum(item.elements * (B if item.per_sample else 1) * item.nbytes * (1 if item.scope == "step" else T)
               for item in loss_saved(shapes[spec.order[-1].name]["output"], prof))  # the loss runs once: step scope
    if loss:
        by_kind["loss"] = memory.exact(loss)
    saved_total = memory.exact(sum(r["saved_bytes"] for r in rows) + loss)
    transient = _transient(step, rows, workspace)
    states = OPTIMIZER_STATES[optimizer]
    params_total = sum(r["params"] for r in rows)
    totals = {
        "parameter_bytes": params_total * prof.parameter_bytes,
        "gradient_bytes": params_total * prof.parameter_bytes,
        "optimizer_bytes": states * params_total * prof.parameter_bytes,
        "saved_bytes": saved_total,
        "saved_by_kind": dict(sorted(by_kind.items())),  # by kind name (each once)
        "transient_bytes": memory.exact(sum(transient.values())),
        "transient_by_part": transient,
    }
    totals["static_bytes"] = totals["parameter_bytes"] + totals["gradient_bytes"] + totals["optimizer_bytes"]
    totals["peak_bytes"] = memory.exact(totals["static_bytes"] + saved_total + totals["transient_bytes"])
    for r in rows:
        r["gradient_bytes"] = r["parameter_bytes"]
        r["optimizer_bytes"] = states * r["parameter_bytes"]
    cfg = {"input_shape": list(config.input_shape), "timesteps": T, "batch": B, "optimizer": optimizer,
           "amp": amp or "fp32", "sharing": config.sharing.label, "layer_groups": config.grouping,
           "training": config.training, "profile": prof.name, "static_nodes": static_nodes, "workspace": workspace}
    notes = list(config.notes)
    notes.append("static nodes run once before the time loop" if static_nodes == "once" else
                 "every node runs at every timestep (static marks ignored, as the measured reference of domain notes section 9)")
    for node in spec.order:  # the kinds' own caveats (rules["train_note"])
        note = rule_of(node, "train_note")
        text = note(node, prof) if note else None
        if text and text not in notes:
            notes.append(text)
    return StepMemory(model=spec.name, config=cfg, profile=prof, totals=totals, rows=rows, notes=notes)


def _saved_rows(step: _Step) -> tuple[list, dict]:
    """Per-layer rows (what each node keeps, its parameters, its gradients in flight, the
    LIF state it owns) and the saved bytes by kind.  A storage several nodes keep is
    counted once, at its first keeper; a static node's output exists once, others T times."""
    spec, config, prof = step.spec, step.config, step.profile
    B, T = config.batch, config.timesteps
    symbolic = not isinstance(B, int) or not isinstance(T, int) or not all(isinstance(s, int) for s in config.input_shape)

    def storage_of(name):  # views share their input's storage (where the framework's do)
        while prof.views_share_storage and name != INPUT_NAME and is_view(spec.node_map[name]):
            name = spec.edges[name][0]
        return name

    seen: set = set()
    rows, by_kind, carried = [], {}, []

    def charge(row: dict, node, item) -> None:
        """Count ``item`` (kept by ``node``) in ``row`` and ``by_kind``, unless its storage is counted."""
        if item.scope == "output":
            src = item.source
            if src in seen or (src == INPUT_NAME and not prof.counts_network_input):
                return
            seen.add(src)
            calls = 1 if src in step.static else T
            elements = prod(step.shapes[src]["output"]) if src != INPUT_NAME else prod(config.input_shape)
            nbytes = (calls - 1 if item.carried else calls) * elements * B * item.nbytes
        else:
            calls = 1 if node.name in step.static else T
            per_step = item.scope == "step"  # one tensor for the whole step, else one per call
            copies = 1 if per_step else calls
            if item.carried:  # T - 1 calls hand it on; a step tensor needs a second call (symbolic T: assumed)
                copies = int(calls != 1) if per_step else copies - 1
            nbytes = copies * item.elements * (B if item.per_sample else 1) * item.nbytes
        nbytes = memory.exact(nbytes)
        if nbytes == 0:
            return
        row["saved"].append(item.what if symbolic else f"{item.what} {nbytes}")
        row["saved_bytes"] += nbytes
        category = item.category or node.op
        by_kind[category] = by_kind.get(category, 0) + nbytes

    for node in spec.order:
        ins, out = step.shapes[node.name]["inputs"], step.shapes[node.name]["output"]
        ctx = SavedContext(dtype_bytes=step.stored, membrane_bytes=step.membrane_bytes,
                           amp_bytes=AMP_BYTES[step.amp] if step.amp else None,
                           sources=tuple(storage_of(src) for src in spec.edges[node.name]),
                           requires_grad=tuple(step.grad[src] for src in spec.edges[node.name]),
                           training=config.training, buffer_elements=step.buffer_elements, profile=prof)
        params = parameters(node, ins)
        in_grad = sum(prod(s) * step.out_bytes[src] for s, src in zip(ins, spec.edges[node.name]) if step.grad[src])
        out_grad = prod(out) * step.out_bytes[node.name] if step.grad[node.name] else 0
        row = {"name": node.name, "kind": node.op, "output_shape": list(out), "static": node.name in step.static,
               "params": params, "parameter_bytes": params * prof.parameter_bytes, "saved_bytes": 0, "saved": [],
               "membrane_state_bytes": memory.exact(step.buffer_elements[node.name] * B * step.membrane_bytes[node.name])
                                       if node.name in step.buffer_elements else 0,
               "gradient_in_flight_bytes": memory.exact((in_grad + out_grad) * B)}
        rows.append(row)
        for item in saved_by(node, ins, out, ctx):
            if item.scope == "output" and item.carried:  # kept at the next call: its consumers keep it first
                carried.append((row, node, item))
            else:
                charge(row, node, item)
    for row, node, item in carried:
        charge(row, node, item)
    for row in rows:
        row["saved_bytes"] = memory.exact(row["saved_bytes"])
        row["saved"] = ", ".join(row["saved"])
    return rows, by_kind


def _transient(step: _Step, rows: list, workspace) -> dict:
    """The backward pass's working set beside the saved tensors (module docstring)."""
    spec, B = step.spec, step.config.batch
    membrane_state = memory.exact(sum(r["membrane_state_bytes"] for r in rows))
    static_grads = 0
    for node in spec.order:
        read_per_timestep = any(node.name in spec.edges[n.name] and n.name not in step.static for n in spec.order)
        if node.name in step.static and step.grad[node.name] and read_per_timestep:
            static_grads += prod(step.shapes[node.name]["output"]) * step.out_bytes[node.name] * B
    return {
        "membrane_state": membrane_state,
        "membrane_gradients": membrane_state,
        "largest_layer_gradients": _max(r["gradient_in_flight_bytes"] for r in rows),
        "static_output_gradients": memory.exact(static_grads),
        "workspace": workspace + step.profile.workspace_bytes,
    }


def requires_grad(spec, shapes) -> dict:
    """Which outputs autograd tracks: a node with parameters, or one reading a tracked
    output (the network input is not tracked)."""
    grad = {INPUT_NAME: False}
    for node in spec.order:
        grad[node.name] = parameters(node, shapes[node.name]["inputs"]) != 0 or any(grad[src] for src in spec.edges[node.name])
    return grad
