"""snncost's model zoo: each module defines ``MODELS``, a dict of model name ->
builder function returning a :class:`snncost.spec.NetworkSpec`.

Installed as ``snncost.model_zoo`` (see pyproject.toml), so it is found after a
plain ``pip install .`` as well as in a checkout.
"""
