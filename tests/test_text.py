"""Normalisation with offsets, tokenisation, sentence and paragraph segmentation."""

from __future__ import annotations

import pytest

from bot.matching.analysis import analyze_field
from bot.matching.text import fold, normalize, paragraph_spans, sentence_spans, tokenize, words


@pytest.mark.parametrize(
    ("original", "folded"),
    [
        ("Sanctions", "sanctions"),
        ("Bélarus", "belarus"),
        ("STRAßE", "strasse"),  # casefold expands ß
        ("ﬁnance", "finance"),  # NFKC expands the ligature
        ("Ｒｅｓｏｌｕｔｉｏｎ", "resolution"),  # full-width letters
        ("Беларусь", "беларусь"),
        ("Ёлка", "елка"),  # the diaeresis is an accent too
        ("Łódź", "łodz"),  # ł is a letter, not an accent
        ("sanc\u00adtions", "sanctions"),  # soft hyphen dropped
        ("e\u0301te\u0301", "ete"),  # combining accents dropped
        ("№ 5", "no 5"),
        ("²", "2"),
    ],
)
def test_fold(original: str, folded: str) -> None:
    assert fold(original) == folded
    assert normalize(original).text == folded


@pytest.mark.parametrize(
    "original",
    [
        "plain ascii text",
        "ﬁne ﬂow",
        "Straße Köln",
        "e\u0301te\u0301 café",
        "Бела\u0301русь",
        "a\u00adb ﬃ",
    ],
)
def test_offset_map_points_back_into_the_original(original: str) -> None:
    norm = normalize(original)
    for j, ch in enumerate(norm.text):
        start, end = norm.start(j), norm.end(j)
        assert 0 <= start < end <= len(original)
        # The original slice folds to text that contains the normalised character.
        assert ch in fold(original[start:end])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "EU sanctions on Belarus",
            [("eu", "EU"), ("sanctions", "sanctions"), ("on", "on"), ("belarus", "Belarus")],
        ),
        ("Russia’s war", [("russia", "Russia"), ("s", "s"), ("war", "war")]),
        ("ﬁnal ﬁgures", [("final", "ﬁnal"), ("figures", "ﬁgures")]),
        ("Straße", [("strasse", "Straße")]),
        ("cafe\u0301 noir", [("cafe", "cafe\u0301"), ("noir", "noir")]),
        ("Лукашенко и Путин", [("лукашенко", "Лукашенко"), ("и", "и"), ("путин", "Путин")]),
        ("U.S. Res. 2653", [("u", "U"), ("s", "S"), ("res", "Res"), ("2653", "2653")]),
        ("Union-State, 3.5%", [("union", "Union"), ("state", "State"), ("3", "3"), ("5", "5")]),
        ("🙂 emoji 🇧🇾 flag", [("emoji", "emoji"), ("flag", "flag")]),
        ("سلام world", [("سلام", "سلام"), ("world", "world")]),
    ],
)
def test_tokenize_with_original_offsets(text: str, expected: list[tuple[str, str]]) -> None:
    tokens = tokenize(text)
    assert [(t.text, text[t.start : t.end]) for t in tokens] == expected


def test_words_matches_tokenize() -> None:
    text = "Européen Parlament: «résolution» № 12"
    assert words(text) == tuple(t.text for t in tokenize(text))


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("One. Two.", ["One.", "Two."]),
        (
            "Sanctions by the U.S. Treasury apply. They start today.",
            ["Sanctions by the U.S. Treasury apply.", "They start today."],
        ),
        (
            "See Res. 2653 of the council. It expired.",
            ["See Res. 2653 of the council.", "It expired."],
        ),
        (
            "Mr. Smith met Dr. Jones on Jan. 5. Talks failed.",
            ["Mr. Smith met Dr. Jones on Jan. 5.", "Talks failed."],
        ),
        ("Decision No. 12 applies. Next item.", ["Decision No. 12 applies.", "Next item."]),
        ("J. R. Smith signed. Done.", ["J. R. Smith signed.", "Done."]),
        ("Growth was 3.5 percent. Prices rose.", ["Growth was 3.5 percent.", "Prices rose."]),
        ('He said "it is over." Then he left.', ['He said "it is over."', "Then he left."]),
        (
            "It is “stable and reliable.” Putin said so.",
            ["It is “stable and reliable.”", "Putin said so."],
        ),
        ("“We are glad,” he added. Really?", ["“We are glad,” he added.", "Really?"]),
        ("Is it? Yes! Fine…  Next", ["Is it?", "Yes!", "Fine…", "Next"]),
        ("e.g. the case. Other", ["e.g. the case.", "Other"]),
        (
            "Lower case. after a period does not split.",
            ["Lower case. after a period does not split."],
        ),
        ("Трамп заявил. Путин ответил.", ["Трамп заявил.", "Путин ответил."]),
        # a lost space after the period (scraped text) still ends the sentence ...
        (
            "It listed propagandists and journalists.Announcing the decision, Kallas spoke.",
            ["It listed propagandists and journalists.", "Announcing the decision, Kallas spoke."],
        ),
        # ... but not inside web addresses, initials, abbreviations or decimals
        (
            "See example.com/News or www.gov.Uk today.",
            ["See example.com/News or www.gov.Uk today."],
        ),
        (
            "Mr.Smith flew to St.Petersburg. He left.",
            ["Mr.Smith flew to St.Petersburg.", "He left."],
        ),
        ("The U.S.Treasury acted, e.g.The bank.", ["The U.S.Treasury acted, e.g.The bank."]),
        # only a single period is glued: not a question mark or a closing quote
        ("Was it over?No one knew.", ["Was it over?No one knew."]),
        ('He said "done."The rest waited.', ['He said "done."The rest waited.']),
        # German ordinals after an article are not sentence ends
        (
            "Die EU hat das 17. Sanktionspaket am 24. Februar gebilligt. Es gilt.",
            ["Die EU hat das 17. Sanktionspaket am 24. Februar gebilligt.", "Es gilt."],
        ),
        ("The vote was 13 to 2. Russia objected.", ["The vote was 13 to 2.", "Russia objected."]),
        ("no terminator at all", ["no terminator at all"]),
        ("", []),
    ],
)
def test_sentences(text: str, sentences: list[str]) -> None:
    assert [text[a:b] for a, b in sentence_spans(text)] == sentences


@pytest.mark.parametrize(
    ("text", "paragraphs"),
    [
        ("a\n\nb", ["a", "b"]),
        ("a\nb\r\nc", ["a", "b", "c"]),
        ("  a  \n\n\n  b\n", ["a", "b"]),
        ("one paragraph only", ["one paragraph only"]),
        ("\n\n", []),
    ],
)
def test_paragraphs(text: str, paragraphs: list[str]) -> None:
    assert [text[a:b] for a, b in paragraph_spans(text)] == paragraphs


def test_field_analysis_assigns_sentences_and_paragraphs() -> None:
    text = "First one. Second one.\n\nThird para here."
    ft = analyze_field("text", text)
    assert [text[a:b] for a, b in ft.sentences] == ["First one.", "Second one.", "Third para here."]
    by_token = dict(zip(ft.tokens, zip(ft.sentence_of, ft.paragraph_of, strict=True), strict=True))
    assert by_token["first"] == (0, 0)
    assert by_token["second"] == (1, 0)
    assert by_token["third"] == (2, 1)
    assert ft.sentence_tokens == ((0, 2), (2, 4), (4, 7))
    assert ft.paragraph_tokens == ((0, 4), (4, 7))


def test_title_is_one_sentence() -> None:
    ft = analyze_field("title", "EU acts. Belarus reacts.")
    assert ft.sentences == ((0, 24),)
    assert set(ft.sentence_of) == {0}
