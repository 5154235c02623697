"""Reproductions of published figures: a registry per paper (tables/<paper>.csv), a
module per paper with ``compute(row)``, and the framework that computes, compares and
assigns a status (docs/reproduce.md).

    from snncost.reproduce import reproduce
    rep = reproduce("efficientlif")
    rep.counts()        # {'match': ..., 'match-rounded-parent': ..., ...}
"""
from .runner import NotReproduced, papers, reproduce

__all__ = ["reproduce", "papers", "NotReproduced"]
