"""Training memory: what one BPTT training step holds, and fitting a model into a budget.

- :mod:`snncost.training.saved`: per-kind rules of what the backward pass keeps;
- :mod:`snncost.training.profiles`: framework profiles (``pytorch``, ``numpy-engine``);
- :mod:`snncost.training.step`: static + saved + transient = peak, per layer;
- :mod:`snncost.training.fit`: the peak as a closed form in B, and budget fitting;
- :mod:`snncost.training.reference`: the reference PyTorch step and its meter (tests).
"""
