"""The query parser: operators, precedence, errors with position and expectation, echo."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from bot.errors import QuerySyntaxError
from bot.matching.query import (
    MAX_DEPTH,
    MAX_TERMS,
    And,
    Entity,
    Near,
    Node,
    Not,
    OperatorTypo,
    Or,
    Prefix,
    Scope,
    Term,
    Within,
    format_query,
    lowercase_operators,
    parse_query,
)
from bot.matching.text import words


class Resolver:
    """A tiny EntityResolver for parser tests."""

    def names(self, kind: str, code: str) -> tuple[str, ...]:
        table = {("country", "BY"): ("Belarus",), ("body", "EP"): ("European Parliament",)}
        return table[(kind, code)]

    def country_names(self) -> Mapping[str, tuple[str, ...]]:
        return {"BY": ("Belarus",)}


def w(text: str) -> Term:
    return Term(text, (text.lower(),))


def p(text: str) -> Term:
    return Term(text, tuple(text.lower().split()), quoted=True)


@pytest.mark.parametrize(
    ("query", "tree"),
    [
        ("sanctions", w("sanctions")),
        ('"European Parliament"', p("European Parliament")),
        ("“European Parliament”", p("European Parliament")),
        ("sanction*", Prefix("sanction*", "sanction")),
        ("@country:by", Entity("country", "BY")),
        ("@body:EP", Entity("body", "EP")),
        ("a OR b", Or((w("a"), w("b")))),
        ("a | b | c", Or((w("a"), w("b"), w("c")))),
        ("a AND b", And((w("a"), w("b")))),
        ("a b", And((w("a"), w("b")))),
        ("a NOT b", And((w("a"), Not(w("b"))))),
        ("a -b", And((w("a"), Not(w("b"))))),
        ("a NEAR/5 b", Near(w("a"), w("b"), 5)),
        ("a near/5 b", Near(w("a"), w("b"), 5)),
        ("a /s b", Within(w("a"), w("b"), "s")),
        ("a /p b", Within(w("a"), w("b"), "p")),
        ("a /s -b", Within(w("a"), Not(w("b")), "s")),  # NOT right after /s negates the operand
        ("a /p NOT b", Within(w("a"), Not(w("b")), "p")),
        ("title:a", Scope("title", w("a"))),
        ("text:(a OR b)", Scope("text", Or((w("a"), w("b"))))),
        ("U.S.", Term("U.S.", ("u", "s"))),  # punctuation inside a bare word: a phrase
        ("Lukaschénko", Term("Lukaschénko", ("lukaschenko",))),
        # Lower-case or/and/not are the operators (what people typing mean); quoted, words.
        ("a or b", Or((w("a"), w("b")))),
        ("a and b not c", And((w("a"), w("b"), Not(w("c"))))),
        ('"or" "and" "not" near', And((p("or"), p("and"), p("not"), w("near")))),
    ],
)
def test_each_operator(query: str, tree: Node) -> None:
    assert parse_query(query) == tree


def test_lowercase_operators_are_reported_for_the_echo() -> None:
    assert lowercase_operators("Belarus or Russia and not Iran") == ("or", "and", "not")
    assert lowercase_operators('Belarus OR "or"') == ()


@pytest.mark.parametrize(
    ("query", "word", "replacement"),
    [
        ("Belarus NAER/5 sanctions", "NAER/5", "NEAR/5"),
        ("Belarus NEAR5 sanctions", "NEAR5", "NEAR/5"),
        ("Belarus near-5 sanctions", "near-5", "NEAR/5"),
        ("Belarus NERA/3 sanctions", "NERA/3", "NEAR/3"),
        ("Belarus /5 sanctions", "/5", "NEAR/5"),
        ("Belarus ADN sanctions", "ADN", "AND"),
        ("Belarus RO Russia", "RO", "OR"),
        ("Belarus NTO Russia", "NTO", "NOT"),
    ],
)
def test_operator_near_misses_are_refused_with_what_was_meant(
    query: str, word: str, replacement: str
) -> None:
    with pytest.raises(OperatorTypo) as info:
        parse_query(query)
    assert (info.value.word, info.value.replacement) == (word, replacement)
    assert query[info.value.position :].startswith(word)


@pytest.mark.parametrize("word", ["Belarus/Russia", "and/or", "24/7", "EAR/5"])
def test_other_words_with_a_slash_are_refused_unless_quoted(word: str) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse_query(f"sanctions {word}")
    assert info.value.position == len("sanctions ") and f'"{word}"' in info.value.expected
    quoted = parse_query(f'sanctions "{word}"')
    assert isinstance(quoted, And) and quoted.children[1] == Term(word, words(word), quoted=True)


@pytest.mark.parametrize("word", ["nuclear", "near", "NATO", "nectar5", "ORE", "Ro"])
def test_ordinary_words_are_not_taken_for_operator_typos(word: str) -> None:
    assert parse_query(f"sanctions {word}") == And(
        (w("sanctions"), Term(word, tuple(word.lower().split())))
    )


@pytest.mark.parametrize(
    ("query", "echo"),
    [
        ("a OR b c", "(a OR (b AND c))"),  # AND binds tighter than OR
        ("a b OR c d", "((a AND b) OR (c AND d))"),
        ("a -b c", "(a AND (NOT b) AND c)"),
        ("x NOT a /s b", "(x AND (NOT (a /s b)))"),  # proximity binds tighter than NOT
        ("a /s b OR c", "((a /s b) OR c)"),
        ("a /s b /p c", "((a /s b) /p c)"),  # proximity is left-associative
        ("a NEAR/3 b /s c", "((a NEAR/3 b) /s c)"),
        ("title:a /s b", "(title:a /s b)"),  # field scope binds tightest
        ("(a OR b) /s (c d)", "((a OR b) /s (c AND d))"),
        ("(a OR (b AND (c OR d)))", "(a OR (b AND (c OR d)))"),
        (
            '"European Parliament" resolution* @country:by',
            '("European Parliament" AND resolution* AND @country:BY)',
        ),
    ],
)
def test_precedence_and_echo(query: str, echo: str) -> None:
    assert format_query(parse_query(query)) == echo


@pytest.mark.parametrize(
    "query",
    [
        "a OR b c",
        "x NOT a /s b",
        '("European Parliament" OR MEPs) /s resolution* -"screen resolution"',
        "title:(a OR b) NEAR/7 @country:BY",
        "text:a /p (b -c)",
        "a /s -b /p c",
        "U.S. Treasury sanction*",
        "Лукашенко /s санкци*",
        "(a)",
        "a | (b c) | -d e",
    ],
)
def test_format_round_trip(query: str) -> None:
    tree = parse_query(query)
    assert parse_query(format_query(tree)) == tree


def test_term_lists_expand_and_round_trip() -> None:
    terms = {"body": ["@body:EP", '"Parliamentary Assembly"', "MEPs"], "res": ["resolution*"]}
    tree = parse_query("$body /s $res", terms=terms, resolver=Resolver())
    assert tree == Within(
        Or((Entity("body", "EP"), p("Parliamentary Assembly"), w("MEPs"))),
        Prefix("resolution*", "resolution"),
        "s",
    )
    assert parse_query(format_query(tree)) == tree


def error_of(query: str, **kwargs: object) -> QuerySyntaxError:
    with pytest.raises(QuerySyntaxError) as caught:
        parse_query(query, **kwargs)  # type: ignore[arg-type]
    return caught.value


@pytest.mark.parametrize(
    ("query", "position", "message", "expected"),
    [
        ("", 0, "empty query", "a term"),
        ("   ", 0, "empty query", "a term"),
        ("(a OR b", 7, "unclosed parenthesis", "')'"),
        ("a OR b)", 6, "unmatched ')'", "an operator or the end of the query"),
        ("()", 1, "empty parentheses", "a term"),
        ('"European Parliament', 0, "unclosed quote", 'a closing "'),
        ('a ""', 2, "empty phrase", "a word"),
        ("a OR", 4, "query ends too early", "a term"),
        ("OR a", 0, "unexpected 'OR'", "a term"),
        ("a AND", 5, "query ends too early", "a term"),
        ("a | | b", 4, "unexpected 'OR'", "a term"),
        ("a /s", 4, "query ends too early", "a term"),
        ("a -", 3, "query ends too early", "a term"),
        ("title:", 6, "query ends too early", "a term"),
        ("a NEAR/0 b", 2, "bad NEAR operator", "NEAR/n with n from 1 to 100"),
        ("a NEAR/x b", 2, "bad NEAR operator", "NEAR/n with n from 1 to 100"),
        ("a NEAR/101 b", 2, "bad NEAR operator", "NEAR/n with n from 1 to 100"),
        ("a NEAR b", 2, "bad NEAR operator", "NEAR/n with n from 1 to 100"),
        ("a /x b", 2, "unknown operator", "/s or /p"),
        ("NOT a", 0, "query has no term that must be present", "a term that is not negated"),
        ("-a -b", 0, "query has no term that must be present", "a term that is not negated"),
        ("a OR -b", 0, "query has no term that must be present", "a term that is not negated"),
        (
            "a NEAR/3 (b -c) NEAR/2 (NOT d)",
            16,
            "NEAR needs a positive term on each side",
            "a term that is not negated",
        ),
        ("sa*", 0, "wildcard too short", "at least 3 characters before *"),
        ("x é*", 2, "wildcard too short", "at least 3 characters before *"),
        (
            'x "sanction* against"',
            11,
            "wildcards are not allowed inside quotes",
            "a phrase without *",
        ),
        ("sanc*ion", 4, "'*' is only allowed at the end of a word", "a word ending in *"),
        ("*", 0, "a wildcard must be a single word", "letters or digits before *"),
        ("x U.S*", 2, "a wildcard must be a single word", "letters or digits before *"),
        ("a $missing", 2, "unknown term list $missing", "no $name"),
        ("@planet:X", 0, "unknown entity kind 'planet'", '@country:XX, @body:ID, @name:"…" or @program:CODE'),
        ("@country:BYR", 0, "bad country code 'BYR'", "an ISO 3166-1 alpha-2"),
        ("@country", 0, "malformed entity", "@country:XX or @body:ID"),
        ("x $", 2, "malformed term list", "$ followed by a term list name"),
        ("a — b", 2, "'—' has no letters or digits", "a word"),
        (
            "title:(text:a)",
            0,
            "a field scope cannot contain another field",
            "terms without title:/text:",
        ),
    ],
)
def test_errors_carry_position_and_expectation(
    query: str, position: int, message: str, expected: str
) -> None:
    err = error_of(query)
    assert err.message.startswith(message)
    assert err.position == position
    assert err.expected.startswith(expected)
    assert err.query == query
    assert f"at position {position}" in str(err)


def test_unknown_term_list_names_the_known_ones() -> None:
    err = error_of("$bodyy", terms={"body": ["MEPs"], "res": ["resolution*"]})
    assert err.message == "unknown term list $bodyy"
    assert err.expected == "one of $body, $res"


def test_bad_item_in_term_list_is_reported_with_the_list_name() -> None:
    err = error_of("x $body", terms={"body": ["MEPs", "(unclosed"]})
    assert "in $body item 2" in err.message
    assert err.position == 2
    assert err.expected == "')'"


def test_unknown_entity_code_with_resolver() -> None:
    err = error_of("a @country:ZZ", resolver=Resolver())
    assert (err.position, err.message, err.expected) == (
        2,
        "unknown country 'ZZ'",
        "a known country code",
    )
    assert parse_query("a @country:ZZ") == And((w("a"), Entity("country", "ZZ")))


def test_nesting_depth_is_capped() -> None:
    deep = "(" * (MAX_DEPTH + 1) + "a" + ")" * (MAX_DEPTH + 1)
    err = error_of(deep)
    assert err.message == "query nested too deeply"
    assert err.position == MAX_DEPTH  # the parenthesis that went one level too far
    ok = "(" * (MAX_DEPTH - 1) + "a" + ")" * (MAX_DEPTH - 1)
    assert parse_query(ok) == w("a")
    assert error_of("a " + "NOT " * (MAX_DEPTH + 1) + "b").message == "query nested too deeply"


def test_term_count_is_capped() -> None:
    assert isinstance(parse_query(" ".join(["a"] * MAX_TERMS)), And)
    err = error_of(" ".join(["a"] * (MAX_TERMS + 1)))
    assert err.message == "query has too many terms"
    assert err.position == 2 * MAX_TERMS
    # Expanding a term list counts every item at every use.
    terms = {"big": [f"w{i}" for i in range(MAX_TERMS // 2 + 1)]}
    assert error_of("$big $big", terms=terms).message == "query has too many terms"
