"""The spiking-transformer kinds (tokens, layernorm, split/merge_heads, matmul, multiply,
token_sum, membrane_add) and the lstm cell: shapes, parameters, op counts and what a training
step keeps, derived by hand from shapes and dtypes, with their refusals word for word.
Without torch (tests/test_training_torch.py measures the same rules against PyTorch); in
process and fast (the mutation selection of docs/testing.md)."""
from __future__ import annotations

import pytest

import snncost
from snncost.errors import ShapeError, SpecError
from snncost.spec import SpecBuilder


def _rows(report):
    return {r["name"]: r for r in report.rows}


def _refusal(spec) -> str:
    with pytest.raises((ShapeError, SpecError)) as info:
        snncost.analyze(spec)
    return str(info.value)


# ---------------------------------------------------------------------------------------------
# shapes, parameters, op counts
# ---------------------------------------------------------------------------------------------

def test_token_layout_shapes_and_params():
    b = SpecBuilder("tok", (6, 2, 3))
    b.tokens("t")                       # (6, 2 x 3)
    b.layernorm("ln")                   # 2 x 6 parameters
    b.layernorm("ln0", affine=False)    # none
    b.split_heads("h", 3)               # (3, 2, 6)
    b.merge_heads("m")                  # (6, 6)
    b.token_sum("s")                    # (6, 1): one accumulate per input element, 36
    rows = _rows(snncost.analyze(b.build()))
    assert [rows[n]["output_shape"] for n in ("t", "ln", "ln0", "h", "m", "s")] == [[6, 6], [6, 6], [6, 6], [3, 2, 6],
                                                                                     [6, 6], [6, 1]]
    assert (rows["ln"]["params"], rows["ln0"]["params"], rows["h"]["params"]) == (12, 0, 0)
    assert type(rows["ln"]["params"]) is int
    assert rows["s"]["macs"] == 36
    # layer norm's own ops when asked: one per output element, 6 x 6 (affine or not)
    ops = _rows(snncost.analyze(b.build(), extra_ops="layernorm"))
    assert (ops["ln"]["macs"], ops["ln0"]["macs"], ops["t"]["macs"]) == (36, 36, 0)
    b = SpecBuilder("tok1", (5, 7))     # (C, L): L tokens
    b.tokens("t")
    assert _rows(snncost.analyze(b.build()))["t"]["output_shape"] == [5, 7]


def test_matmul_and_multiply_shapes_and_macs():
    b = SpecBuilder("mm", (6, 5))
    b.split_heads("a", 2, inputs="input")              # (2, 3, 5)
    b.split_heads("c", 3, inputs="input")              # (3, 2, 5)
    b.split_heads("a2", 2, inputs="input")             # (2, 3, 5)
    b.matmul("aa", "a", "a2", transpose_b=True)        # (2, 3, 5) x (2, 5, 3) -> (2, 3, 3): 2 x 3 x 5 x 3 = 90 MACs
    b.matmul("at", "a", "a2", transpose_a=True)        # (2, 5, 3) x (2, 3, 5) -> (2, 5, 5): 2 x 5 x 3 x 5 = 150
    b.matmul("ab", "aa", "a")                          # (2, 3, 3) x (2, 3, 5) -> (2, 3, 5): 2 x 3 x 3 x 5 = 90
    b.token_sum("col", inputs="input")                 # (6, 1)
    b.multiply("m1", "input", "col")                   # (6, 5) x (6, 1) -> (6, 5): 30 products
    b.multiply("m2", "col", "input")                   # (6, 1) x (6, 5) -> (6, 5)
    b.token_sum("col2", inputs="input")
    b.multiply("m3", "col", "col2")                    # (6, 1)
    rows = _rows(snncost.analyze(b.build()))
    assert (rows["aa"]["output_shape"], rows["at"]["output_shape"], rows["ab"]["output_shape"]) == ([2, 3, 3], [2, 5, 5],
                                                                                                    [2, 3, 5])
    assert (rows["aa"]["macs"], rows["at"]["macs"], rows["ab"]["macs"]) == (90, 150, 90)
    assert (rows["m1"]["output_shape"], rows["m2"]["output_shape"], rows["m3"]["output_shape"]) == ([6, 5], [6, 5], [6, 1])
    assert (rows["m1"]["macs"], rows["m3"]["macs"]) == (30, 6)


def test_shape_refusals_word_for_word():
    b = SpecBuilder("bad", (6, 4))
    b.split_heads("h", 4)
    assert _refusal(b.build()) == "node 'h' field 'heads': 4 heads do not divide the 6 features; valid: a divisor of the feature count D"
    b = SpecBuilder("bad", (6, 4, 2))
    b.split_heads("h", 2)
    assert _refusal(b.build()) == ("node 'h': split_heads needs a (D, N) token input, got shape [6, 4, 2]; "
                                   "valid: an input of rank 2 (channels first, no batch)")
    b = SpecBuilder("bad", (6, 4))
    b.merge_heads("m")
    assert _refusal(b.build()) == ("node 'm': merge_heads needs a (heads, d, N) input, got shape [6, 4]; "
                                   "valid: an input of rank 3 (channels first, no batch)")
    b = SpecBuilder("bad", (6,))
    b.tokens("t")
    assert _refusal(b.build()) == ("node 't': tokens needs a (C, H, W) or (C, L) input, got shape [6]; "
                                   "valid: an input of rank 2 or 3 (channels first, no batch)")
    b = SpecBuilder("bad", (6, 4, 2))
    b.token_sum("s")
    assert _refusal(b.build()).startswith("node 's': token_sum needs a (D, N) token input, got shape [6, 4, 2]")
    b = SpecBuilder("bad", (6, 4))
    b.split_heads("h", 2)
    b.matmul("m", "h", "input")
    assert _refusal(b.build()) == ("node 'm': matmul needs a (heads, rows, columns) input, got shape [6, 4]; "
                                   "valid: an input of rank 3 (channels first, no batch)")


@pytest.mark.parametrize("heads_b,transpose_b,message", [
    # a (2, 3, 4) by c (3, 2, 4): 2 heads against 3
    (3, False, "cannot multiply [2, 3, 4] by [3, 2, 4] (after transposes)"),
    # a (2, 3, 4) by c^T (3, 4, 2): the inner sizes agree (4), the heads do not
    (3, True, "cannot multiply [2, 3, 4] by [3, 4, 2] (after transposes)"),
    # a (2, 3, 4) by a^T (2, 4, 3): fine; a by a (2, 3, 4): inner 4 against 3
    (2, False, "cannot multiply [2, 3, 4] by [2, 3, 4] (after transposes)"),
])
def test_matmul_refusals(heads_b, transpose_b, message):
    b = SpecBuilder("bad", (6, 4))
    b.split_heads("a", 2, inputs="input")
    b.split_heads("c", heads_b, inputs="input")
    b.matmul("m", "a", "c", transpose_b=transpose_b)
    assert _refusal(b.build()) == f"node 'm' field 'inputs': {message}; valid: A (b, m, k) and B (b, k, n): equal heads b and inner size k"


def test_multiply_refusals():
    b = SpecBuilder("bad", (6, 4))
    b.split_heads("h", 2, inputs="input")
    b.multiply("m", "input", "h")
    assert _refusal(b.build()) == ("node 'm' field 'inputs': cannot broadcast [6, 4] with [2, 3, 4]; "
                                   "valid: equal shapes, or size 1 where they differ")
    b = SpecBuilder("bad", (6, 4))
    b.split_heads("h", 2, inputs="input")
    b.merge_heads("mh")                                     # (6, 4)
    b.token_sum("s", inputs="input")                        # (6, 1)
    b.tokens("t", inputs="input")
    b.add("tt", "tokens", inputs="s")                       # (6, 1)
    b.multiply("ok", "mh", "tt")
    rows = _rows(snncost.analyze(b.build()))
    assert rows["ok"]["output_shape"] == [6, 4]
    b = SpecBuilder("bad", (6, 4))
    b.add("x", "avgpool1d", kernel=2, inputs="input")      # (6, 2)
    b.multiply("m", "input", "x")
    assert _refusal(b.build()).startswith("node 'm' field 'inputs': cannot broadcast [6, 4] with [6, 2]")


def test_lstm_shapes_params_and_ops():
    # x (5 features, 3 tokens) -> lstm 4: (3, 4); weights 4 x 4 x (5 + 4) = 144, biases 8 x 4 = 32
    b = SpecBuilder("rnn", (3, 5))
    b.lstm("cell", 4)
    b.lstm("nob", 2, bias=False)        # 4 x 2 x (4 + 2) = 48 weights
    rows = _rows(snncost.analyze(b.build()))
    assert rows["cell"]["output_shape"] == [3, 4] and rows["nob"]["output_shape"] == [3, 2]
    assert (rows["cell"]["params"], rows["nob"]["params"]) == (176, 48)
    # seed 002 Eq. 14 per token: (c_in + c_out) x c_out x 4 = 9 x 4 x 4 = 144, x 3 tokens
    assert rows["cell"]["macs"] == 3 * 144 and rows["nob"]["macs"] == 3 * 6 * 2 * 4
    # bias adds when asked: two bias vectors of 4 x 4 per token, 8 x 4 x 3 = 96; none without biases
    with_bias = _rows(snncost.analyze(b.build(), extra_ops="bias"))
    assert (with_bias["cell"]["macs"], with_bias["nob"]["macs"]) == (3 * 144 + 96, 3 * 6 * 2 * 4)


# ---------------------------------------------------------------------------------------------
# training memory (fp32 4 B, bf16 2 B)
# ---------------------------------------------------------------------------------------------

def attention():
    """input (4, 2, 2) -> conv 1x1 (4 -> 4) -> lif -> tokens (4, 4) -> layernorm -> q: split 2 heads
    (2, 2, 4); k: conv1d 1x1 on the tokens (4 -> 4) split into (2, 2, 4); matmul q^T k -> (2, 4, 4);
    merge_heads -> (8, 4)."""
    b = SpecBuilder("att", (4, 2, 2), timesteps=2)
    b.conv2d("c", 4, 1)
    b.lif("l")
    b.tokens("t")
    b.layernorm("ln")
    b.split_heads("q", 2)
    b.conv1d("kc", 4, 1, inputs="t")
    b.split_heads("k", 2)
    b.matmul("mm", "q", "k", transpose_a=True)
    b.merge_heads("m")
    return b.build()


def test_attention_saved_by_hand():
    # B = 1, T = 2, fp32.  c keeps the network input (16 el., once): 64; l its membrane 16 x 4 x 2 = 128;
    # tokens, split and merge are views; ln keeps l's output (tokens is a view of it): 16 x 4 x 2 = 128,
    # and mean, 1/std per token: 2 x 4 x 4 B x 2 = 64; kc keeps the same storage (counted at ln);
    # mm keeps operand A = ln's output (q is a view) 128 and operand B = kc's output 128.
    # loss over (8, 4): log-softmax 32 x 4 = 128, 4 int64 targets 32, total weight 4.
    r = snncost.train_memory(attention(), batch=1)
    saved = {row["name"]: row["saved"] for row in r.rows}
    assert saved == {"c": "input 64", "l": "membrane 128", "t": "", "ln": "input 128, mean, 1/std 64", "q": "",
                     "kc": "", "k": "", "mm": "operand A 128, operand B 128", "m": ""}
    assert r.totals["saved_by_kind"] == {"conv2d": 64, "layernorm": 192, "lif": 128, "loss": 164, "matmul": 256}
    assert ("layernorm under autocast: CPU's behaviour is modelled (it runs in its input's dtype); "
            "CUDA autocast runs layer_norm in fp32 (an fp32 copy of a bf16 input, fp32 output): not modelled") in r.notes


def test_attention_saved_under_autocast_by_hand():
    # bf16, B = 1, T = 2: c keeps a bf16 copy of the fp32 input per call 16 x 2 x 2 = 64 and its weight
    # copy 16 x 2 = 32 (a conv keeps it whatever its input); l's membrane is c's bf16 output: 16 x 2 x 2 = 64;
    # ln keeps l's (bf16) output 64 and its statistics in fp32 (64); kc keeps that storage again (counted) and
    # its weight copy 32; mm (autocast) keeps operand A, ln's own bf16 output, 16 x 2 x 2 = 64, and operand B,
    # kc's bf16 output, 64 (both already in bf16: no copies).  The loss stays fp32: 164.
    r = snncost.train_memory(attention(), batch=1, amp="bf16")
    assert r.totals["saved_by_kind"] == {"cast_weights": 64, "conv2d": 64, "layernorm": 128, "lif": 64, "loss": 164,
                                         "matmul": 128}


def test_layernorm_keeps_nothing_without_gradient_or_parameters():
    # on the untracked network input: without affine nothing; with affine its input (16 x 4 once = 64)
    # and the statistics (2 x 4 tokens x 4 B x 2 calls = 64)
    for affine, expected in ((False, None), (True, 128)):
        b = SpecBuilder("ln", (4, 2, 2), timesteps=2)
        b.tokens("t")
        b.layernorm("ln", affine=affine)
        b.conv1d("c", 2, 1)
        assert snncost.train_memory(b.build(), batch=1).totals["saved_by_kind"].get("layernorm") == expected
    # without affine after a tracked layer: kept (the input needs its gradient): c0's output 16 x 4 x 2
    # and the statistics 64
    b = SpecBuilder("ln", (4, 2, 2), timesteps=2)
    b.conv2d("c0", 4, 1)
    b.tokens("t")
    b.layernorm("ln", affine=False)
    assert snncost.train_memory(b.build(), batch=1).totals["saved_by_kind"]["layernorm"] == 192
    # bf16: c0's bf16 output 16 x 2 x 2 = 64; without affine parameters the statistics stay in the input's
    # dtype, 2 x 4 x 2 B x 2 = 32 (ATen CPU); with them (a mixed-type call) in fp32, 2 x 4 x 4 B x 2 = 64
    assert snncost.train_memory(b.build(), batch=1, amp="bf16").totals["saved_by_kind"]["layernorm"] == 96
    b = SpecBuilder("ln", (4, 2, 2), timesteps=2)
    b.conv2d("c0", 4, 1)
    b.tokens("t")
    b.layernorm("ln")
    assert snncost.train_memory(b.build(), batch=1, amp="bf16").totals["saved_by_kind"]["layernorm"] == 128


def test_products_keep_the_operands_whose_partner_is_tracked():
    # input (4, 4) tokens, T = 2, B = 1.  x = the untracked input; y = conv1d 1x1 (tracked) -> (4, 4).
    # x * y keeps x (y is tracked; x is the network input, 16 x 4 once = 64) and not y (x needs no gradient)
    b = SpecBuilder("mul", (4, 4), timesteps=2)
    b.conv1d("y", 4, 1, inputs="input")
    b.add("yl", "lif")
    b.multiply("p", "input", "yl")
    b.conv1d("head", 2, 1)
    r = snncost.train_memory(b.build(), batch=1, baseline=False)
    saved = {row["name"]: row["saved"] for row in r.rows}
    # y keeps the input first (64); p's operand A is that storage (counted); operand B is not kept
    assert saved["y"] == "input 64" and saved["p"] == ""
    b = SpecBuilder("mul", (4, 4), timesteps=2)
    b.conv1d("y", 4, 1, inputs="input")
    b.add("yl", "lif")
    b.multiply("p", "yl", "input")
    b.conv1d("head", 2, 1)
    rows = {row["name"]: row for row in snncost.train_memory(b.build(), batch=1).rows}
    assert rows["p"]["saved"] == "" and rows["head"]["saved"] == "input 128"   # head keeps p's output 16 x 4 x 2
    # both tracked: each operand, yl's output 16 x 4 x 2 = 128 and z's 128
    b = SpecBuilder("mul", (4, 4), timesteps=2)
    b.conv1d("y", 4, 1, inputs="input")
    b.add("yl", "lif")
    b.conv1d("z", 4, 1, inputs="input")
    b.multiply("p", "yl", "z")
    rows = {row["name"]: row for row in snncost.train_memory(b.build(), batch=1).rows}
    assert rows["p"]["saved"] == "operand A 128, operand B 128"
    # under bf16 a product keeps its operands as given (no autocast copy): z's bf16 output 16 x 2 x 2 = 64,
    # yl's bf16 output 64
    rows = {row["name"]: row for row in snncost.train_memory(b.build(), batch=1, amp="bf16").rows}
    assert rows["p"]["saved"] == "operand A 64, operand B 64"


def test_matmul_autocast_copy_of_an_fp32_operand():
    # input (4, 4) split into (2, 2, 4) (untracked, fp32); q = conv1d (bf16 under autocast) split.
    # matmul(x, q): operand A (x, fp32) is kept as a bf16 copy per call: 16 x 2 x 2 = 64;
    # operand B not kept (x needs no gradient)
    b = SpecBuilder("mm", (4, 4), timesteps=2)
    b.split_heads("x", 2, inputs="input")
    b.conv1d("qc", 4, 1, inputs="input")
    b.split_heads("q", 2)
    b.matmul("mm", "x", "q", transpose_a=True)
    rows = {row["name"]: row for row in snncost.train_memory(b.build(), batch=1, amp="bf16").rows}
    assert rows["mm"]["saved"] == "operand A (autocast copy) 64"
    rows = {row["name"]: row for row in snncost.train_memory(b.build(), batch=1).rows}
    assert rows["mm"]["saved"] == ""   # fp32: the network input, kept by qc first (16 x 4 once)


def lstm_net(timesteps=3, head=True, before=False):
    b = SpecBuilder("lstm", (6,), timesteps=timesteps)
    if before:
        b.linear("pre", 6)
    b.lstm("cell", 3)
    if head:
        b.linear("fc", 2)
    b.lif("lif")
    return b.build()


def test_lstm_saved_by_hand():
    # B = 1, T = 3, fp32, x (6) -> lstm 3 -> lif.  The cell keeps x (6 el., the network input, once) 24;
    # per call the gates 4 x 3 x 4 B x 3 = 144 and tanh(c') 3 x 4 x 3 = 36; c of the first T - 1 calls
    # 3 x 4 x 2 = 24; the zeros of (h0, c0) once 12; h of the first T - 1 calls (its own output: nobody
    # else keeps it) 24.  264 in all.  lif: 3 x 4 x 3 = 36; loss 3 x 4 + 8 + 4 = 24.
    r = snncost.train_memory(lstm_net(head=False), batch=1)
    assert r.totals["saved_by_kind"] == {"lif": 36, "loss": 24, "lstm": 264}
    row = {row["name"]: row for row in r.rows}["cell"]
    assert row["saved"] == ("input 24, gates 144, tanh(cell state) 36, cell state 24, initial state (zeros) 12, "
                            "hidden state 24")
    assert ("lstm: nn.LSTMCell as composed on CPU (measured); CUDA's fused kernel keeps its own workspace "
            "(gates, c, c'): not modelled") in r.notes
    # one timestep: nothing is handed on (no c, no h kept): 24 + 48 + 12 + 12 = 96
    one = snncost.train_memory(lstm_net(timesteps=1, head=False), batch=1)
    assert one.totals["saved_by_kind"]["lstm"] == 96
    # B = 2 doubles every per-sample tensor
    assert snncost.train_memory(lstm_net(head=False), batch=2).totals["saved_by_kind"]["lstm"] == 528


def test_lstm_saved_with_a_head_by_hand():
    # the linear head keeps every h first (its input, the same storage: 3 x 4 x 3 = 36), so the cell's
    # carried h is counted there: lstm 264 - 24 = 240 (tests/test_training_torch.py: 60 floats per sample)
    r = snncost.train_memory(lstm_net(), batch=1)
    assert r.totals["saved_by_kind"]["lstm"] == 240 and r.totals["saved_by_kind"]["linear"] == 36


def test_lstm_saved_under_autocast_by_hand():
    # bf16, B = 1, T = 3, x -> lstm 3 -> lif.  The cell is not an autocast kind: its output stays fp32.
    # x as a bf16 copy per call 6 x 2 x 3 = 36; gates in bf16 12 x 2 x 3 = 72; tanh(c') fp32 36; c carried 24;
    # zeros 12; h as a bf16 copy per call 3 x 2 x 3 = 18: 198.  Weight copies: W_hh (12 x 3 = 36 el.) from
    # the second call, once: 72; W_ih not (x needs no gradient).
    r = snncost.train_memory(lstm_net(head=False), batch=1, amp="bf16")
    assert r.totals["saved_by_kind"]["lstm"] == 198 and r.totals["saved_by_kind"]["cast_weights"] == 72
    assert {row["name"]: row["saved"] for row in r.rows}["cell"] == (
        "input (autocast copy) 36, gates 72, tanh(cell state) 36, cell state 24, initial state (zeros) 12, "
        "hidden state (autocast copy) 18, recurrent weight (autocast copy) 72")
    # a framework that does not cast under autocast: the cell keeps what it keeps in fp32 (264), no copies
    import dataclasses

    from snncost.training.profiles import PROFILES

    nocast = dataclasses.replace(PROFILES["pytorch"], name="nocast", autocast_casts=False)
    plain = snncost.train_memory(lstm_net(head=False), batch=1, amp="bf16", profile=nocast)
    assert plain.totals["saved_by_kind"]["lstm"] == 264 and "cast_weights" not in plain.totals["saved_by_kind"]
    # one call: no W_hh copy (h0 is zeros, not tracked)
    one = snncost.train_memory(lstm_net(timesteps=1, head=False), batch=1, amp="bf16")
    assert "cast_weights" not in one.totals["saved_by_kind"]
    # after a tracked layer: W_ih (12 x 6 = 72 el.) is copied too, 144 B (pre, a linear on the untracked
    # input, keeps no weight copy: it serves only the input gradient)
    pre = snncost.train_memory(lstm_net(head=False, before=True), batch=1, amp="bf16")
    assert pre.totals["saved_by_kind"]["cast_weights"] == 72 + 144


def test_each_kind_note_once_and_only_for_pytorch():
    b = SpecBuilder("two", (4, 2, 2), timesteps=1)
    b.conv2d("c", 4, 1)
    b.tokens("t")
    b.layernorm("ln1")
    b.layernorm("ln2")
    b.lstm("cell", 3)
    pytorch = snncost.train_memory(b.build(), batch=1).notes
    assert pytorch == ["static nodes run once before the time loop",
                       "layernorm under autocast: CPU's behaviour is modelled (it runs in its input's dtype); "
                       "CUDA autocast runs layer_norm in fp32 (an fp32 copy of a bf16 input, fp32 output): not modelled",
                       "lstm: nn.LSTMCell as composed on CPU (measured); CUDA's fused kernel keeps its own workspace "
                       "(gates, c, c'): not modelled"]
    import dataclasses

    from snncost.training.profiles import PROFILES

    other = dataclasses.replace(PROFILES["pytorch"], name="other")
    assert snncost.train_memory(b.build(), batch=1, profile=other).notes == ["static nodes run once before the time loop"]


def test_a_product_keeps_an_fp32_operand_as_given_under_autocast():
    # bf16, (4, 4) tokens, B = 1, T = 2: a = y (conv1d, bf16) + the network input (fp32) is fp32 (promoted)
    # and tracked; p = a * yl keeps a as given, 16 x 4 x 2 = 128 (an element-wise product casts nothing;
    # a matmul would keep a bf16 copy), and yl's bf16 output 16 x 2 x 2 = 64
    b = SpecBuilder("mulamp", (4, 4), timesteps=2)
    b.conv1d("y", 4, 1, inputs="input")
    b.add("yl", "lif")
    b.residual_add("a", ["y", "input"])
    b.multiply("p", "a", "yl")
    b.conv1d("head", 2, 1)
    rows = {row["name"]: row["saved"] for row in snncost.train_memory(b.build(), batch=1, amp="bf16").rows}
    assert rows["p"] == "operand A 128, operand B 64"


def test_shape_checks_on_symbolic_token_counts():
    # formulas keep the token count N symbolic: the feature and head checks still apply
    b = SpecBuilder("bad", (6, 4, 4))
    b.tokens("t")
    b.split_heads("h", 4)
    with pytest.raises(ShapeError) as info:
        snncost.formula(b.build(), "macs", symbols=["H", "W"])
    assert str(info.value) == "node 'h' field 'heads': 4 heads do not divide the 6 features; valid: a divisor of the feature count D"
    b = SpecBuilder("bad", (6, 8))
    b.split_heads("a", 2, inputs="input")        # (2, 3, L)
    b.split_heads("c", 3, inputs="input")        # (3, 2, L), transposed (3, L, 2): the inner sizes are both L
    b.matmul("m", "a", "c", transpose_b=True)
    with pytest.raises(ShapeError, match=r"^node 'm' field 'inputs': cannot multiply \[2, 3, _l\] by \[3, _l, 2\]"):
        snncost.formula(b.build(), "macs", symbols=["L"])
    # the same with 2 heads: (2, 3, L) x (2, L, 3) -> (2, 3, 3), 2 x 3 x L x 3 = 18 L MACs
    b = SpecBuilder("ok", (6, 8))
    b.split_heads("a", 2, inputs="input")
    b.split_heads("c", 2, inputs="input")
    b.matmul("m", "a", "c", transpose_b=True)
    assert str(snncost.formula(b.build(), "macs", symbols=["L"])) == "18*L"
