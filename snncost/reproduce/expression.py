"""Registry expressions: the ``parent`` derivations and ``printed:`` explanations of
tables/<paper>.csv (``t1.base.fwd * 5``, ``w + 2 * u``, ``fp / q``), parsed by a small
recursive-descent parser and evaluated in exact Fractions.  Registry text is data:
nothing here evaluates it as code (no eval, no sympify)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from ..errors import InputFileError

_TOKEN = re.compile(r"\s*(?:(?P<number>[0-9]+(?:\.[0-9]+)?)|(?P<id>[A-Za-z][A-Za-z0-9_.]*)|(?P<op>[-+*/()]))")
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}
GRAMMAR = ("an arithmetic expression of row ids and decimal numbers with + - * / and parentheses, "
           "e.g. 't1.base.fwd * 5', 'w + 2 * u', '(a - b) / a * 100'")


@dataclass(frozen=True)
class Expression:
    """An arithmetic expression tree over registry row ids and exact numbers (a
    ``parent`` derivation or a ``printed:`` explanation), parsed by
    :func:`parse_expression` (a fixed grammar; registry text is never evaluated as code).

    ``tree`` is a row id (str), a number (Fraction) or ``(op, left, right)``.
    """

    tree: object

    @property
    def ids(self) -> tuple[str, ...]:
        """The row ids the expression reads, each once, in order of appearance."""
        found: list[str] = []

        def walk(node):
            if isinstance(node, str):
                if node not in found:
                    found.append(node)
            elif isinstance(node, tuple):
                walk(node[1])
                walk(node[2])
        walk(self.tree)
        return tuple(found)

    def apply(self, values: dict) -> Fraction:
        """Exact value of the expression, given a value (Fraction) for each row id."""
        def value(node):
            if isinstance(node, str):
                return Fraction(values[node])
            if isinstance(node, Fraction):
                return node
            op, left, right = node
            a, b = value(left), value(right)
            if op == "+":
                return a + b
            if op == "-":
                return a - b
            if op == "*":
                return a * b
            if b == 0:
                raise ZeroDivisionError("division by zero in a registry expression")
            return a / b
        return value(self.tree)

    def text(self, values: dict | None = None) -> str:
        """``'49.94 + 2 * 5.5'`` with values, ``'w + 2 * u'`` without."""
        def show(node, outer: int = 0, right_side: bool = False):
            if isinstance(node, str):
                return str(values[node]) if values is not None else node
            if isinstance(node, Fraction):
                return _plain_number(node)
            op, left, right = node
            p = _PRECEDENCE[op]
            body = f"{show(left, p)} {op} {show(right, p, True)}"
            return f"({body})" if p < outer or (p == outer and right_side) else body
        return show(self.tree)

    def unit_of(self, units: dict) -> str | None:
        """The unit of the expression given each id's unit: sums and differences keep
        (and need) one unit, scaling by a number keeps it; a product or ratio of two
        rows has a unit of its own (None).  Raises ValueError naming the clash."""
        def unit(node):
            if isinstance(node, str):
                return units[node]
            if isinstance(node, Fraction):
                return ""
            op, left, right = node
            a, b = unit(left), unit(right)
            if op in "+-":
                if "" in (a, b) and a != b:
                    raise ValueError(f"adds a plain number to a figure in {a or b!r}")
                if None not in (a, b) and a != b:
                    raise ValueError(f"adds figures in {a!r} and {b!r}")
                return a if a == b else None
            if b == "":
                return a
            if a == "" and op == "*":
                return b
            return None
        return unit(self.tree)

    def __str__(self) -> str:
        return self.text()


def _plain_number(x: Fraction) -> str:
    return str(x.numerator) if x.denominator == 1 else str(Decimal(x.numerator) / Decimal(x.denominator))



def parse_expression(text: str, where: str) -> Expression | None:
    """``'a.fwd * 5'``, ``'w + 2 * u'``, ``'t.fp / t.q'`` -> an :class:`Expression`; empty -> None.

    A small recursive-descent parser (expr := term (+|- term)*, term := factor (*|/
    factor)*, factor := NUMBER | ID | '(' expr ')'); never eval."""
    if not text.strip():
        return None
    tokens: list[tuple[str, str]] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        m = _TOKEN.match(text, position)
        if not m or m.end() == position:
            raise InputFileError(where, f"cannot read {text!r} at {text[position:].strip()[:10]!r}", GRAMMAR)
        kind = m.lastgroup
        tokens.append((kind, m.group(kind)))
        position = m.end()
    if len(tokens) > 200 or text.count("(") > 20:
        raise InputFileError(where, f"expression of {len(tokens)} tokens, {text.count('(')} parentheses is too long",
                             "at most 200 tokens and 20 parentheses")
    tokens.append(("end", ""))
    current = [tokens[0]]
    index = [0]

    def advance():
        index[0] = min(index[0] + 1, len(tokens) - 1)
        current[0] = tokens[index[0]]

    def fail(problem: str):
        raise InputFileError(where, f"cannot read {text!r}: {problem}", GRAMMAR)

    def factor():
        kind, value = current[0]
        advance()
        if kind == "number":
            return Fraction(Decimal(value))
        if kind == "id":
            return value
        if (kind, value) == ("op", "("):
            node = expr()
            if current[0] != ("op", ")"):
                fail("a '(' is not closed")
            advance()
            return node
        fail(f"expected a row id, a number or '(' but found {value or 'the end'!r}")

    def binary(operand, ops):
        node = operand()
        while current[0][0] == "op" and current[0][1] in ops:
            op = current[0][1]
            advance()
            right = operand()
            if op == "/" and isinstance(right, Fraction) and right == 0:
                raise InputFileError(where, "division by zero", "a non-zero divisor")
            node = (op, node, right)
        return node

    def term():
        return binary(factor, "*/")

    def expr():
        return binary(term, "+-")

    tree = expr()
    if current[0][0] != "end":
        fail(f"unexpected {current[0][1]!r}")
    return Expression(tree)
