"""The rule language: lexer, recursive-descent parser to a frozen AST, and a canonical echo.

Grammar (loosest first)::

    query  := or
    or     := and (("OR" | "|") and)*
    and    := not (["AND"] not)*              juxtaposition is AND
    not    := ("NOT" | "-") not | prox
    prox   := scoped (("NEAR/n" | "/s" | "/p") ["NOT" | "-"] scoped)*   left-assoc.
    scoped := ("title:" | "text:") scoped | primary
    primary:= "(" or ")" | word | "phrase" | prefix* | @kind:CODE | $name

Operators are OR, AND, NOT, NEAR/n; `near/n` is accepted in any case because the slash
makes it unambiguous, and lower-case "or", "and", "not" are read as the operators too (that
is what people typing a query mean; `lowercase_operators` lets the echo say so; quote them
to look for the word). A word that is almost an operator ("NAER/5", "NEAR5", "ADN") and any
other bare word containing "/" is refused with what was probably meant (`OperatorTypo`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal, assert_never

from bot.errors import QuerySyntaxError
from bot.matching.text import words
from bot.models import EntityResolver, Field

if TYPE_CHECKING:
    from bot.matching.cost import CostLimits

MAX_QUERY_CHARS = 20_000
MAX_DEPTH = 40
MAX_TREE_DEPTH = 2 * MAX_DEPTH  # parentheses and chains together (term lists add a level)
MAX_TERMS = 2_000
MAX_PHRASE_WORDS = 20
MAX_NEAR = 100
MIN_PREFIX = 3
ENTITY_KINDS = ("country", "body", "name", "program")


def _cached_hash(node: Any) -> int:
    """A node's hash, computed once: trees are deep, and caches (the evaluator's memo, the
    engine's interning, each document's occurrences) key nodes themselves. Equal nodes
    hash alike; a dict lookup checks identity before equality, so an interned node hits
    at once."""
    state = node.__dict__
    found = state.get("_hash")
    if found is None:
        values = (getattr(node, f.name) for f in fields(node))
        found = state["_hash"] = hash((type(node).__name__, *values))
    return int(found)


@dataclass(frozen=True)
class Term:
    """A word or an exact phrase (a bare word with punctuation is a phrase too: U.S.)."""

    text: str  # as written, without quotes
    words: tuple[str, ...]  # normalised tokens
    quoted: bool = False
    __hash__ = _cached_hash

    @cached_property  # read for every witness and explanation
    def label(self) -> str:
        """The term as written in the query."""
        return f'"{self.text}"' if self.quoted else self.text


@dataclass(frozen=True)
class Prefix:
    """A trailing wildcard: every word that starts with `stem`."""

    text: str  # as written, with the '*'
    stem: str  # normalised
    __hash__ = _cached_hash

    @cached_property  # read for every witness and explanation
    def label(self) -> str:
        """The term as written in the query."""
        return self.text


@dataclass(frozen=True)
class Entity:
    """A gazetteer entity such as @country:BY or @body:EP."""

    kind: str
    code: str
    __hash__ = _cached_hash

    @cached_property  # read for every witness and explanation
    def label(self) -> str:
        """The term as written in the query (canonical case)."""
        if self.kind == "name":
            return f'@name:"{self.code}"'
        return f"@{self.kind}:{self.code}"


@dataclass(frozen=True)
class And:
    """All children hold."""

    children: tuple[Node, ...]
    __hash__ = _cached_hash


@dataclass(frozen=True)
class Or:
    """At least one child holds."""

    children: tuple[Node, ...]
    __hash__ = _cached_hash


@dataclass(frozen=True)
class Not:
    """The child does not hold (in the enclosing scope)."""

    child: Node
    __hash__ = _cached_hash


@dataclass(frozen=True)
class Near:
    """Both sides occur at most `distance` words apart (either order, same field)."""

    left: Node
    right: Node
    distance: int
    __hash__ = _cached_hash


@dataclass(frozen=True)
class Within:
    """Both sides hold inside one sentence ('s') or one paragraph ('p')."""

    left: Node
    right: Node
    unit: Literal["s", "p"]
    __hash__ = _cached_hash


@dataclass(frozen=True)
class Scope:
    """The child holds within one field (title or text)."""

    field: Field
    child: Node
    __hash__ = _cached_hash


Leaf = Term | Prefix | Entity
# For isinstance in hot paths: a tuple is checked ~6x faster than a `X | Y` union,
# which is also rebuilt at every evaluation.
LEAF_TYPES = (Term, Prefix, Entity)
Node = Term | Prefix | Entity | And | Or | Not | Near | Within | Scope


class OperatorTypo(QuerySyntaxError):
    """A word that is almost an operator; `replacement` is what was probably meant."""

    def __init__(self, word: str, position: int, replacement: str, query: str) -> None:
        super().__init__(f"{word!r} is not an operator", position, replacement, query)
        self.word = word
        self.replacement = replacement


@dataclass(frozen=True)
class _Tok:
    kind: str  # word phrase prefix entity ref ( ) OR AND NOT prox field eof
    pos: int
    text: str = ""
    value: Any = None


_OPEN_QUOTES = '"“”'
_CLOSE_QUOTES = '"”'  # a phrase opened with “ may close with ” or "
_BARE_STOP = set(" \t\r\n\f\v()|") | set(_OPEN_QUOTES)
_ENTITY = re.compile(r"@([A-Za-z]+):([A-Za-z0-9_]+)")
# List entities: a quoted name (any script) and a programme code such as RUSSIA-EO14024.
_NAME = re.compile(r"""@(name):["“]([^"”]{1,200})["”]""", re.IGNORECASE)
_PROGRAM = re.compile(r"@(program):([A-Za-z0-9][A-Za-z0-9_./-]{0,59})", re.IGNORECASE)
_REF = re.compile(r"\$([A-Za-z0-9_][A-Za-z0-9_-]*)")
_NEAR = re.compile(r"(?i)near/(\d{1,6})")
_FIELD = re.compile(r"(?i)(title|text):")
_UNIT_START = {"word", "phrase", "prefix", "entity", "ref", "(", "NOT", "field"}
_LOWER_OPERATORS = {"or": "OR", "and": "AND", "not": "NOT"}
_NEAR_TYPO = re.compile(r"(?i)(n[a-z]{1,4}r?|[a-z]?near[a-z]?)[-:_.]?(\d{1,3})")


def _misspellings(word: str) -> set[str]:
    """Adjacent swaps and doubled letters of an operator: 'ADN', 'NTO', 'ORR', 'NAER'."""
    swaps = {word[:k] + word[k + 1] + word[k] + word[k + 2 :] for k in range(len(word) - 1)}
    doubled = {word[:k] + word[k] + word[k:] for k in range(len(word))}
    return (swaps | doubled) - {word}


_CAPITAL_TYPOS = {typo: op for op in ("OR", "AND", "NOT", "NEAR") for typo in _misspellings(op)}


def operator_typo(word: str) -> str | None:
    """The operator a word almost is ('NAER/5' -> 'NEAR/5', 'NEAR5' -> 'NEAR/5', 'ADN' -> 'AND')."""
    head, slash, tail = word.partition("/")
    near_like = head.upper() == "NEAR" or head.upper() in _misspellings("NEAR")
    if slash and tail.isdigit() and near_like:
        return f"NEAR/{tail}"
    m = _NEAR_TYPO.fullmatch(word)
    if m and (m.group(1).upper() == "NEAR" or m.group(1).upper() in _misspellings("NEAR")):
        return f"NEAR/{m.group(2)}"
    if word.isupper() and word in _CAPITAL_TYPOS:
        return _CAPITAL_TYPOS[word]
    return None


def lowercase_operators(query: str) -> tuple[str, ...]:
    """The lower-case words of a query that were read as operators ('or' -> OR)."""
    try:
        toks = _lex(query)
    except QuerySyntaxError:
        return ()
    return tuple(
        t.text for t in toks if t.kind in ("OR", "AND", "NOT") and t.text in _LOWER_OPERATORS
    )


def _lex(query: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            toks.append(_Tok(ch, i))
            i += 1
        elif ch == "|":
            toks.append(_Tok("OR", i))
            i += 1
        elif ch in _OPEN_QUOTES:
            i = _lex_phrase(query, i, toks)
        elif ch == "-":
            toks.append(_Tok("NOT", i, "-"))
            i += 1
        elif ch == "@":
            i = _lex_entity(query, i, toks)
        elif ch == "$":
            i = _lex_match(query, i, _REF, "ref", "$ followed by a term list name", toks)
        elif ch == "/":
            i = _lex_slash(query, i, toks)
        elif m := _FIELD.match(query, i):
            toks.append(_Tok("field", i, m.group(), m.group(1).lower()))
            i = m.end()
        else:
            i = _lex_bare(query, i, toks)
    toks.append(_Tok("eof", n))
    return toks


def _lex_phrase(query: str, i: int, toks: list[_Tok]) -> int:
    end = next((j for j in range(i + 1, len(query)) if query[j] in _CLOSE_QUOTES), -1)
    if end < 0:
        raise QuerySyntaxError("unclosed quote", i, 'a closing "', query)
    if "*" in query[i + 1 : end]:
        star = query.index("*", i + 1)
        raise QuerySyntaxError(
            "wildcards are not allowed inside quotes", star, "a phrase without *", query
        )
    toks.append(_Tok("phrase", i, query[i + 1 : end]))
    return end + 1


def _lex_match(
    query: str, i: int, pattern: re.Pattern[str], kind: str, expected: str, toks: list[_Tok]
) -> int:
    m = pattern.match(query, i)
    if not m or (m.end() < len(query) and query[m.end()] not in _BARE_STOP):
        raise QuerySyntaxError(
            f"malformed {'entity' if kind == 'entity' else 'term list'}", i, expected, query
        )
    toks.append(_Tok(kind, i, m.group(), m.groups()))
    return m.end()


def _lex_entity(query: str, i: int, toks: list[_Tok]) -> int:
    head = query[i : i + 9].lower()
    if head.startswith("@name:"):
        return _lex_match(query, i, _NAME, "entity", '@name:"a name in quotes"', toks)
    if head.startswith("@program:"):
        return _lex_match(
            query, i, _PROGRAM, "entity", "@program:CODE such as RUSSIA-EO14024", toks
        )
    return _lex_match(query, i, _ENTITY, "entity", "@country:XX or @body:ID", toks)


def _lex_slash(query: str, i: int, toks: list[_Tok]) -> int:
    unit = query[i + 1 : i + 2].lower()
    after = query[i + 2 : i + 3]
    if unit in ("s", "p") and (not after or after in _BARE_STOP):
        toks.append(_Tok("prox", i, query[i : i + 2], ("within", unit)))
        return i + 2
    j = i + 1
    while j < len(query) and query[j] not in _BARE_STOP:
        j += 1
    if query[i + 1 : j].isdigit():
        raise OperatorTypo(query[i:j], i, f"NEAR{query[i:j]}", query)
    raise QuerySyntaxError("unknown operator", i, "/s or /p", query)


def _lex_bare(query: str, i: int, toks: list[_Tok]) -> int:
    j = i
    while j < len(query) and query[j] not in _BARE_STOP:
        j += 1
    text = query[i:j]
    if text in ("OR", "AND", "NOT"):
        toks.append(_Tok(text, i, text))
    elif text in _LOWER_OPERATORS:
        toks.append(_Tok(_LOWER_OPERATORS[text], i, text))
    elif text.lower().startswith("near/") or text == "NEAR":
        m = _NEAR.fullmatch(text)
        if not m or not 1 <= int(m.group(1)) <= MAX_NEAR:
            raise QuerySyntaxError(
                "bad NEAR operator", i, f"NEAR/n with n from 1 to {MAX_NEAR}", query
            )
        toks.append(_Tok("prox", i, text, ("near", int(m.group(1)))))
    elif typo := operator_typo(text):
        raise OperatorTypo(text, i, typo, query)
    elif "/" in text:
        raise QuerySyntaxError(
            f"{text!r} is not an operator",
            i,
            f'NEAR/n, /s or /p; to look for it as written, quote it: "{text}"',
            query,
        )
    elif "*" in text:
        toks.append(_prefix_token(query, i, text))
    else:
        toks.append(_Tok("word", i, text))
    return j


def _prefix_token(query: str, i: int, text: str) -> _Tok:
    if text.index("*") != len(text) - 1:
        raise QuerySyntaxError(
            "'*' is only allowed at the end of a word",
            i + text.index("*"),
            "a word ending in *",
            query,
        )
    stem = words(text[:-1])
    if len(stem) != 1:
        raise QuerySyntaxError(
            "a wildcard must be a single word", i, "letters or digits before *", query
        )
    if len(stem[0]) < MIN_PREFIX:
        raise QuerySyntaxError(
            "wildcard too short", i, f"at least {MIN_PREFIX} characters before *", query
        )
    return _Tok("prefix", i, text, stem[0])


class _Parser:
    def __init__(
        self,
        query: str,
        terms: Mapping[str, Sequence[str]] | None,
        resolver: EntityResolver | None,
    ) -> None:
        self.query = query
        self.terms = terms
        self.resolver = resolver
        self.toks = _lex(query)
        self.at = 0
        self.depth = 0
        self.count = 0
        self.expanded: dict[str, Node] = {}
        self.heights: dict[Node, int] = {}  # node -> levels below and including it

    def error(self, message: str, expected: str, pos: int | None = None) -> QuerySyntaxError:
        return QuerySyntaxError(
            message, self.peek.pos if pos is None else pos, expected, self.query
        )

    @property
    def peek(self) -> _Tok:
        return self.toks[self.at]

    def take(self) -> _Tok:
        tok = self.toks[self.at]
        self.at += 1
        return tok

    def parse(self) -> Node:
        if self.peek.kind == "eof":
            raise self.error("empty query", "a term", 0)
        node = self.parse_or()
        if self.peek.kind != "eof":
            tok = self.peek
            what = "unmatched ')'" if tok.kind == ")" else f"unexpected {tok.text or tok.kind!r}"
            raise self.error(what, "an operator or the end of the query")
        return node

    def built(self, node: Node, pos: int | None = None) -> Node:
        """A node just made, refused when the tree gets deeper than MAX_TREE_DEPTH."""
        height = 1 + max(self._height(c) for c in children(node))
        if height > MAX_TREE_DEPTH:
            raise self.error(
                "query nested too deeply",
                f"at most {MAX_DEPTH} levels of parentheses, NOT and chained NEAR, /s or /p",
                pos,
            )
        self.heights[node] = height
        return node

    def _height(self, node: Node) -> int:
        if isinstance(node, LEAF_TYPES):
            return 1
        return self.heights.get(node) or height_of(node)  # a term list's items

    def enter(self, pos: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error("query nested too deeply", f"at most {MAX_DEPTH} levels", pos)

    def parse_or(self) -> Node:
        children = [self.parse_and()]
        while self.peek.kind == "OR":
            self.take()
            children.append(self.parse_and())
        return children[0] if len(children) == 1 else self.built(Or(tuple(children)))

    def parse_and(self) -> Node:
        children = [self.parse_not()]
        while self.peek.kind == "AND" or self.peek.kind in _UNIT_START:
            if self.peek.kind == "AND":
                self.take()
            children.append(self.parse_not())
        return children[0] if len(children) == 1 else self.built(And(tuple(children)))

    def parse_not(self) -> Node:
        if self.peek.kind != "NOT":
            return self.parse_prox()
        tok = self.take()
        self.enter(tok.pos)
        child = self.parse_not()
        self.depth -= 1
        return self.built(Not(child), tok.pos)

    def parse_prox(self) -> Node:
        node = self.parse_scoped()
        while self.peek.kind == "prox":
            op = self.take()
            # `a /s -b`: a NOT right after a proximity operator negates just that operand.
            if self.peek.kind == "NOT":
                neg = self.take()
                self.enter(neg.pos)
                right: Node = self.built(Not(self.parse_scoped()), neg.pos)
                self.depth -= 1
            else:
                right = self.parse_scoped()
            mode, arg = op.value
            if mode == "near":
                if not (anchored(node) and anchored(right)):
                    raise self.error(
                        "NEAR needs a positive term on each side",
                        "a term that is not negated",
                        op.pos,
                    )
                node = Near(node, right, arg)
            else:
                node = Within(node, right, arg)
            # A chain nests one level deeper per operator (left-associative): bounded, so
            # that no tree is too deep to walk recursively.
            node = self.built(node, op.pos)
        return node

    def parse_scoped(self) -> Node:
        if self.peek.kind != "field":
            return self.parse_primary()
        tok = self.take()
        self.enter(tok.pos)
        child = self.parse_scoped()
        self.depth -= 1
        if _fields_in(child) - {tok.value}:
            raise self.error(
                "a field scope cannot contain another field", "terms without title:/text:", tok.pos
            )
        return self.built(Scope(tok.value, child), tok.pos)

    def parse_primary(self) -> Node:
        tok = self.peek
        if tok.kind == "(":
            self.take()
            self.enter(tok.pos)
            if self.peek.kind == ")":
                raise self.error("empty parentheses", "a term")
            node = self.parse_or()
            if self.peek.kind != ")":
                raise self.error("unclosed parenthesis", "')'")
            self.take()
            self.depth -= 1
            return node
        if tok.kind in ("word", "phrase", "prefix", "entity", "ref"):
            self.take()
            return self.leaf(tok)
        if tok.kind == "eof":
            raise self.error("query ends too early", "a term")
        raise self.error(f"unexpected {tok.text or tok.kind!r}", "a term")

    def counted(self, pos: int, n: int = 1) -> None:
        self.count += n
        if self.count > MAX_TERMS:
            raise self.error("query has too many terms", f"at most {MAX_TERMS} terms", pos)

    def leaf(self, tok: _Tok) -> Node:
        if tok.kind == "ref":
            return self.ref(tok)
        self.counted(tok.pos)
        if tok.kind == "prefix":
            return Prefix(tok.text, str(tok.value))
        if tok.kind == "entity":
            return self.entity(tok)
        found = words(tok.text)
        if not found:
            what = (
                "empty phrase" if tok.kind == "phrase" else f"{tok.text!r} has no letters or digits"
            )
            raise self.error(what, "a word", tok.pos)
        if len(found) > MAX_PHRASE_WORDS:
            raise self.error("phrase too long", f"at most {MAX_PHRASE_WORDS} words", tok.pos)
        return Term(tok.text, found, tok.kind == "phrase")

    def entity(self, tok: _Tok) -> Entity:
        kind, code = (str(v) for v in tok.value)
        kind = kind.lower()
        code = " ".join(code.split()) if kind == "name" else code.upper()
        if kind not in ENTITY_KINDS:
            raise self.error(
                f"unknown entity kind {kind!r}",
                '@country:XX, @body:ID, @name:"…" or @program:CODE',
                tok.pos,
            )
        if kind == "country" and not re.fullmatch(r"[A-Z]{2}", code):
            raise self.error(
                f"bad country code {code!r}", "an ISO 3166-1 alpha-2 code such as BY", tok.pos
            )
        if self.resolver is not None:
            try:
                self.resolver.names(kind, code)
            except KeyError:
                raise self.error(
                    f"unknown {kind} {code!r}", f"a known {kind} code", tok.pos
                ) from None
        return Entity(kind, code)

    def ref(self, tok: _Tok) -> Node:
        name = str(tok.value[0])
        if self.terms is None or name not in self.terms:
            known = ", ".join(f"${k}" for k in sorted(self.terms or {}))
            raise self.error(
                f"unknown term list ${name}",
                f"one of {known}" if known else "no $name (this query has no term lists)",
                tok.pos,
            )
        if name not in self.expanded:
            self.expanded[name] = self.expand(name, tok)
        self.counted(tok.pos, _count_leaves(self.expanded[name]))
        return self.expanded[name]

    def expand(self, name: str, tok: _Tok) -> Node:
        items = self.terms[name] if self.terms is not None else ()
        if isinstance(items, str):
            items = (items,)
        if not items:
            raise self.error(f"term list ${name} is empty", "at least one item", tok.pos)
        nodes: list[Node] = []
        for index, item in enumerate(items, 1):
            try:
                node = parse_query(str(item), resolver=self.resolver)
            except QuerySyntaxError as err:
                raise QuerySyntaxError(
                    f"{err.message} in ${name} item {index} ({str(item)!r}, position {err.position})",
                    tok.pos,
                    err.expected,
                    self.query,
                ) from None
            nodes.extend(node.children if isinstance(node, Or) else (node,))
        return nodes[0] if len(nodes) == 1 else Or(tuple(nodes))


def height_of(node: Node) -> int:
    """Levels of the tree from `node` down (a leaf: 1), without recursion."""
    heights: dict[Node, int] = {}
    stack: list[tuple[Node, bool]] = [(node, False)]
    while stack:
        current, done = stack.pop()
        below = children(current)
        if done or not below:
            heights[current] = 1 + max((heights[c] for c in below), default=0)
        else:
            stack.append((current, True))
            stack.extend((c, False) for c in below)
    return heights[node]


def anchored(node: Node) -> bool:
    """Whether every document the node matches must contain one of its positive terms."""
    match node:
        case Term() | Prefix() | Entity():
            return True
        case Not():
            return False
        case Or():
            return all(anchored(c) for c in node.children)
        case And():
            return any(anchored(c) for c in node.children)
        case Scope():
            return anchored(node.child)
        case Near() | Within():
            return anchored(node.left) or anchored(node.right)
        case _:
            assert_never(node)


def _fields_in(node: Node) -> set[str]:
    if isinstance(node, Scope):  # the one node that names a field; the rest pass it on
        return {node.field} | _fields_in(node.child)
    return {f for c in children(node) for f in _fields_in(c)}


def _count_leaves(node: Node) -> int:
    if isinstance(node, LEAF_TYPES):
        return 1
    return sum(_count_leaves(c) for c in children(node))


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-nodes of a node (a leaf has none); an unknown node type raises."""
    # isinstance over tuples, not `match`: this is on every walk of a tree (3x faster).
    if isinstance(node, LEAF_TYPES):
        return ()
    if isinstance(node, (And, Or)):
        return node.children
    if isinstance(node, (Not, Scope)):
        return (node.child,)
    if isinstance(node, (Near, Within)):
        return (node.left, node.right)
    assert_never(node)


def parse_query(
    text: str,
    *,
    terms: Mapping[str, Sequence[str]] | None = None,
    resolver: EntityResolver | None = None,
    limits: CostLimits | None = None,
) -> Node:
    """Parse a rule query; every bad input raises QuerySyntaxError with position and expectation.

    A query that parses but could cost too much per article raises QueryCostError (a
    QuerySyntaxError): `limits` defaults to cost.PACK_LIMITS; chats' queries pass
    cost.USER_LIMITS."""
    if not isinstance(text, str):
        raise QuerySyntaxError("query must be text", 0, "a string", repr(text))
    if len(text) > MAX_QUERY_CHARS:
        raise QuerySyntaxError(
            "query too long", MAX_QUERY_CHARS, f"at most {MAX_QUERY_CHARS} characters", text
        )
    node = _Parser(text, terms, resolver).parse()
    if not anchored(node):
        raise QuerySyntaxError(
            "query has no term that must be present",
            0,
            "a term that is not negated (NOT only narrows)",
            text,
        )
    from bot.matching.cost import PACK_LIMITS, check_cost  # cost.py reads this module's nodes

    check_cost(node, text, limits or PACK_LIMITS)
    return node


def format_query(node: Node) -> str:
    """Echo a parsed query fully parenthesised, e.g. '((a OR b) AND (NOT c))'."""
    match node:
        case Term() | Prefix() | Entity():
            return node.label
        case And():
            return "(" + " AND ".join(format_query(c) for c in node.children) + ")"
        case Or():
            return "(" + " OR ".join(format_query(c) for c in node.children) + ")"
        case Not():
            return f"(NOT {format_query(node.child)})"
        case Near():
            return f"({format_query(node.left)} NEAR/{node.distance} {format_query(node.right)})"
        case Within():
            return f"({format_query(node.left)} /{node.unit} {format_query(node.right)})"
        case Scope():
            return f"{node.field}:{format_query(node.child)}"
        case _:
            assert_never(node)


def leaves(node: Node) -> list[Leaf]:
    """Every term of the query (positive or negated), in order."""
    if isinstance(node, LEAF_TYPES):
        return [node]
    return [leaf for c in children(node) for leaf in leaves(c)]


def asserted_leaves(node: Node) -> list[Leaf]:
    """The terms whose presence counts for the query: none under NOT, none under a field
    scope (their occurrences elsewhere in the item would not be evidence), in order."""
    match node:
        case Term() | Prefix() | Entity():
            return [node]
        case Not() | Scope():
            return []
        case And() | Or() | Near() | Within():
            return [leaf for c in children(node) for leaf in asserted_leaves(c)]
        case _:
            assert_never(node)
