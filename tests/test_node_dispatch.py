"""Every dispatch over query node types handles every Node type and fails loudly on any other.

`DISPATCHES` is the one list of the functions that decide by a node's type (the "Adding an
operator" checklist in docs/ARCHITECTURE.md names it). A node type the union does not
know, at the top of a tree or nested under AND, must raise in each of them, never be
read as some other node (a new operator whose terms silently never reach the automaton).
`PARTIAL` lists the functions that look for one or two types on purpose, each with why
anything else is safe there; the source scan fails on a type check in neither list.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, get_args

import pytest

from bench.baseline import Translator, _has_not
from bot.dryrun import _forms
from bot.matching import cost, engine, plan, query, summary
from bot.matching.analysis import analyze
from bot.matching.evaluator import Evaluator, RawWitness, Span
from bot.matching.query import (
    And,
    Entity,
    Near,
    Node,
    Not,
    Or,
    Prefix,
    Scope,
    Term,
    Within,
)
from bot.models import Document

ROOT = Path(__file__).resolve().parent.parent
TERM = Term("belarus", ("belarus",))
PREFIX = Prefix("sanction*", "sanction")
ENTITY = Entity("country", "BY")
# One instance of every member of the Node union: a new operator gets its sample here.
SAMPLES: dict[type, Node] = {
    Term: TERM,
    Prefix: PREFIX,
    Entity: ENTITY,
    And: And((TERM, PREFIX)),
    Or: Or((TERM, ENTITY)),
    Not: Not(PREFIX),
    Near: Near(TERM, PREFIX, 5),
    Within: Within(TERM, ENTITY, "s"),
    Scope: Scope("title", TERM),
}
LEAF_SAMPLES = [TERM, PREFIX, ENTITY]


@dataclass(frozen=True)
class Alien:
    """A node type that is not in the Node union (an operator someone forgot to wire up)."""

    child: Node


class _Names:
    """A resolver that knows one name for every entity."""

    def names(self, kind: str, code: str) -> tuple[str, ...]:
        return ("Belarus",)

    def country_names(self) -> dict[str, tuple[str, ...]]:
        return {"BY": ("Belarus",)}


class _AnyLeaf(Mapping[Any, int]):
    """leaf -> id for any leaf: the plan's dispatches only need some id."""

    def __getitem__(self, key: Any) -> int:
        return 0

    def __iter__(self) -> Any:
        return iter(())

    def __len__(self) -> int:
        return 0


@cache
def _doc() -> Any:
    return analyze(Document("1", "Belarus sanctions", "Belarus faces sanctions. More text."))


def _evaluate(node: Any) -> object:
    """Every term occurs (at the text's first word), so AND looks at all its children."""
    span = Span("text", 0, 1, (RawWitness("t", "text", 0, 1),))
    return Evaluator(_doc(), lambda leaf: [span]).holds(node)


# qualified name (path:function) -> a call of it on a node (a leaf, for leaf dispatches)
DISPATCHES: dict[str, Callable[[Any], object]] = {
    "bot/matching/query.py:children": query.children,
    "bot/matching/query.py:anchored": query.anchored,
    "bot/matching/query.py:format_query": query.format_query,
    "bot/matching/query.py:leaves": query.leaves,
    "bot/matching/query.py:asserted_leaves": query.asserted_leaves,
    "bot/matching/query.py:height_of": query.height_of,
    "bot/matching/query.py:_count_leaves": query._count_leaves,
    "bot/matching/query.py:_Parser._height": lambda n: query._Parser("a", None, None)._height(n),
    "bot/matching/evaluator.py:Evaluator.compute": _evaluate,
    "bot/matching/plan.py:_Codegen.gen": lambda n: plan._Codegen(_AnyLeaf(), {}).gen(n, "d", None),
    "bot/matching/plan.py:_Codegen.cover": lambda n: plan._Codegen(_AnyLeaf(), {}).cover(n, None),
    "bot/matching/plan.py:required": lambda n: plan.required(n, _AnyLeaf()),
    "bot/matching/engine.py:_intern": lambda n: engine._intern(n, {}),
    "bot/matching/cost.py:_cost": cost.query_cost,
    "bot/matching/summary.py:_Explainer.explain": lambda n: summary._Explainer([]).explain(n, None),
    "bench/baseline.py:Translator.check": lambda n: Translator(_Names()).check(n),
    "bench/baseline.py:_has_not": _has_not,
}
# Over leaf kinds (Term, Prefix, Entity) only.
LEAF_DISPATCHES: dict[str, Callable[[Any], object]] = {
    "bot/matching/engine.py:_leaf_ids": lambda leaf: engine._leaf_ids(
        leaf, engine._Literals(), _Names(), {}
    ),
    "bot/matching/cost.py:_co_occurring": lambda leaf: cost._co_occurring([leaf]),
    "bot/dryrun.py:_forms": lambda leaf: _forms(leaf, _Names()),
    "bench/baseline.py:Translator.pattern": lambda leaf: Translator(_Names()).pattern(leaf),
}
# Over the two proximity operators only (called with Near or Within).
PROXIMITY_DISPATCHES: dict[str, Callable[[Any], object]] = {
    "bot/matching/summary.py:_close": lambda n: summary._close(n, "a", "b"),
}
# Type checks that pick out one or two types on purpose: why any other type is safe there.
PARTIAL = {
    "bot/matching/query.py:_Parser.expand": "flattens a term list's top-level OR",
    "bot/matching/query.py:_fields_in": "collects Scope fields; walks the rest via children()",
    "bot/matching/evaluator.py:_terms_of": "None (not terms-or-OR) takes the general path",
    "bot/matching/plan.py:_leafy": "False: not a leaf/OR of leaves, so not the cover path",
    "bot/matching/plan.py:is_cnf": "False: not CNF, so the node goes to _Codegen.gen",
    "bot/matching/cost.py:_leafy": "False: costed by the unit-by-unit (dearer) bound",
    "bot/matching/cost.py:_or": "the co-occurrence cap only for ORs of terms",
    "bot/matching/cost.py:_has_or_in_near": "advice wording only; walks via children()",
    "bot/matching/engine.py:Engine.__init__": "entity deny phrases: Entity only",
    "bot/matching/engine.py:Engine.compile": "entity deny phrases: Entity only",
    "bot/matching/engine.py:Engine.occurrences": "entity deny phrases: Entity only",
    "bot/telegram/rule_commands.py:same_rule_key": "sorts AND/OR operands; others kept as is",
    "bot/telegram/rule_commands.py:_why_nothing": "index hints for words; others skipped",
    "bench/baseline.py:Translator.occurrences": "raises NotImplementedError on the rest",
}
NODE_NAMES = {t.__name__ for t in get_args(Node)} | {"LEAF_TYPES", "Leaf"}
UNREACHABLE = (AssertionError, NotImplementedError)


def test_samples_cover_the_node_union() -> None:
    """A new operator in the Node union needs a sample here first (see the checklist)."""
    assert set(SAMPLES) == set(get_args(Node))
    assert {type(leaf) for leaf in LEAF_SAMPLES} == set(get_args(query.Leaf))


@pytest.mark.parametrize("name", sorted(DISPATCHES))
@pytest.mark.parametrize(
    "kind", sorted(SAMPLES, key=lambda t: t.__name__), ids=lambda t: t.__name__
)
def test_every_dispatch_handles_every_node_type(name: str, kind: type) -> None:
    node = SAMPLES[kind]
    if name.endswith("_Codegen.cover") and not plan._leafy(node):
        pytest.skip("cover is only asked about leaves and ORs of leaves")
    DISPATCHES[name](node)


@pytest.mark.parametrize("name", sorted(DISPATCHES))
@pytest.mark.parametrize("where", ["top", "nested"])
def test_every_dispatch_raises_on_an_unknown_node(name: str, where: str) -> None:
    if where == "nested" and name.endswith(":children"):
        pytest.skip("children() looks one level down only")
    alien: Any = Alien(TERM)
    # First among its siblings: AND and OR may stop early on the others.
    node = alien if where == "top" else And((alien, TERM))
    if name.endswith("_Codegen.cover"):
        node = alien if where == "top" else Or((alien, TERM))
    with pytest.raises(UNREACHABLE):
        DISPATCHES[name](node)


@pytest.mark.parametrize("name", sorted(LEAF_DISPATCHES))
def test_every_leaf_dispatch_handles_every_leaf_and_raises_on_another(name: str) -> None:
    for leaf in LEAF_SAMPLES:
        LEAF_DISPATCHES[name](leaf)
    with pytest.raises(UNREACHABLE):
        LEAF_DISPATCHES[name](Alien(TERM))


@pytest.mark.parametrize("name", sorted(PROXIMITY_DISPATCHES))
def test_proximity_dispatches(name: str) -> None:
    for node in (SAMPLES[Near], SAMPLES[Within]):
        PROXIMITY_DISPATCHES[name](node)
    with pytest.raises(UNREACHABLE):
        PROXIMITY_DISPATCHES[name](Alien(TERM))


def _functions(path: Path) -> dict[str, ast.AST]:
    """The functions of a file by name (Class.method); nested ones belong to their outer."""
    found: dict[str, ast.AST] = {}
    for top in ast.parse(path.read_text()).body:
        if isinstance(top, ast.FunctionDef | ast.AsyncFunctionDef):
            found[top.name] = top
        elif isinstance(top, ast.ClassDef):
            for item in top.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    found[f"{top.name}.{item.name}"] = item
    return found


def _checks_types(fn: ast.AST) -> bool:
    """Whether the function (nested ones included) has a class pattern or an isinstance
    naming a node type."""

    def names(expr: ast.expr) -> set[str]:
        return {n.id for n in ast.walk(expr) if isinstance(n, ast.Name)}

    for n in ast.walk(fn):
        if isinstance(n, ast.MatchClass) and names(n.cls) & NODE_NAMES:
            return True
        if (
            isinstance(n, ast.Call)
            and isinstance(n.func, ast.Name)
            and n.func.id == "isinstance"
            and len(n.args) == 2
            and names(n.args[1]) & NODE_NAMES
        ):
            return True
    return False


def test_every_type_check_on_nodes_is_listed() -> None:
    """A function that decides by node type is in DISPATCHES (tested above) or PARTIAL."""
    listed = set(DISPATCHES) | set(LEAF_DISPATCHES) | set(PROXIMITY_DISPATCHES) | set(PARTIAL)
    checks: set[str] = set()
    defined: set[str] = set()
    for path in [*sorted((ROOT / "bot").rglob("*.py")), ROOT / "bench" / "baseline.py"]:
        rel = path.relative_to(ROOT).as_posix()
        for name, fn in _functions(path).items():
            defined.add(f"{rel}:{name}")
            if _checks_types(fn):
                checks.add(f"{rel}:{name}")
    assert checks - listed == set(), "classify these in tests/test_node_dispatch.py"
    assert listed - defined == set(), "listed but gone: remove them"
