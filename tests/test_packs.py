"""The pack loader: valid packs load, every malformed file gets a PackError naming it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import PackError
from bot.matching.packs import Example, Pack, check_packs, load_packs
from tests.test_engine import FakeResolver

GOOD = """\
id: ep-test
name: EP test
description: European Parliament resolutions with sanctions.
tags: [eu, parliament]
priority: urgent
terms:
  parliament: ['@body:EP', MEPs]
  resolution: resolution*
query: ($parliament /s $resolution) AND sanction*
examples:
  match:
    - "The European Parliament adopted a resolution calling for sanctions on Minsk."
    - {title: "MEPs back resolution", text: "The text asks for sanctions."}
  no_match:
    - "The European Parliament debated sanctions. No resolution yet."
"""


def write(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def test_good_pack_loads(tmp_path: Path) -> None:
    (pack,) = load_packs(write(tmp_path, "ep-test.yaml", GOOD))
    assert pack.id == "ep-test"
    assert pack.priority == "urgent"
    assert pack.tags == ("eu", "parliament")
    assert pack.terms == {"parliament": ("@body:EP", "MEPs"), "resolution": ("resolution*",)}
    assert pack.match_examples[1] == Example(
        title="MEPs back resolution", text="The text asks for sanctions."
    )
    assert len(pack.no_match_examples) == 1
    assert pack.path == tmp_path / "ep-test.yaml"
    rule = pack.rule()
    assert (rule.key, rule.name, rule.priority) == ("pack:ep-test", "EP test", "urgent")
    assert rule.terms["parliament"] == ("@body:EP", "MEPs")


def test_directory_loads_yaml_files_sorted_by_name(tmp_path: Path) -> None:
    write(tmp_path, "b.yaml", GOOD.replace("id: ep-test", "id: bbb"))
    write(tmp_path, "a.yaml", GOOD.replace("id: ep-test", "id: aaa"))
    write(tmp_path, "notes.txt", "not a pack")
    assert [p.id for p in load_packs(tmp_path)] == ["aaa", "bbb"]


def test_check_packs_passes_good_examples(tmp_path: Path) -> None:
    packs = load_packs(write(tmp_path, "ep-test.yaml", GOOD))
    assert check_packs(packs, FakeResolver()) == []


def test_check_packs_reports_each_failing_example(tmp_path: Path) -> None:
    body = GOOD.replace(
        '    - "The European Parliament debated sanctions. No resolution yet."',
        '    - "MEPs adopted a resolution on sanctions."',
    ).replace(
        '    - "The European Parliament adopted a resolution calling for sanctions on Minsk."',
        '    - "Nothing about it."',
    )
    packs = load_packs(write(tmp_path, "ep-test.yaml", body))
    failures = check_packs(packs, FakeResolver())
    assert len(failures) == 2
    assert failures[0].startswith("ep-test (ep-test.yaml): examples.match item 1 did not match")
    assert "Nothing about it." in failures[0]
    assert failures[1].startswith("ep-test (ep-test.yaml): examples.no_match item 1 matched")
    assert "MEPs + resolution in one sentence" in failures[1]


def test_check_packs_reports_unknown_entities_and_missing_examples() -> None:
    packs = [
        Pack(id="bad", name="Bad", query="@country:ZZ sanctions"),
        Pack(id="bare", name="Bare", query="sanctions"),
    ]
    failures = check_packs(packs, FakeResolver())
    assert failures[0].startswith("bad: rule pack:bad: unknown country 'ZZ'")
    assert failures[1:] == ["bare: no examples.match", "bare: no examples.no_match"]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("id: [unclosed", "invalid YAML at line 1"),
        ("- just\n- a list\n", "a pack must be a mapping"),
        ("id: x\nname: X\n", "missing key(s): query"),
        (GOOD + "colour: red\n", "unknown key(s): colour"),
        (GOOD.replace("id: ep-test", "id: EP_Test"), "bad id 'EP_Test'"),
        (GOOD.replace("id: ep-test", "id: 12"), "bad id 12"),
        (GOOD.replace("name: EP test", "name: ''"), "name must be a non-empty string"),
        (GOOD.replace("priority: urgent", "priority: high"), "bad priority 'high'"),
        (GOOD.replace("tags: [eu, parliament]", "tags: eu"), "tags must be a list of strings"),
        (
            GOOD.replace("  resolution: resolution*", "  resolution: []"),
            "terms.resolution must be a non-empty list",
        ),
        (
            GOOD.replace("  resolution: resolution*", "  bad name: [x]"),
            "bad term list name 'bad name'",
        ),
        (
            GOOD.replace("  resolution: resolution*", "  resolution: [re*]"),
            "terms.resolution item 1 're*': wildcard too short at position 0",
        ),
        (
            GOOD.replace("AND sanction*", "AND (sanction*"),
            "query: unclosed parenthesis at position 43",
        ),
        (GOOD.replace("$resolution)", "$resolutions)"), "query: unknown term list $resolutions"),
        (
            GOOD.replace("  match:", "  maybe:"),
            "examples must be a mapping with 'match' and/or 'no_match'",
        ),
        (
            GOOD.replace(
                '    - {title: "MEPs back resolution", text: "The text asks for sanctions."}',
                "    - 42",
            ),
            "examples.match item 2: expected a string or {title: ..., text: ...}",
        ),
        (
            GOOD.replace('{title: "MEPs back resolution", text', "{heading: x, text"),
            "examples.match item 2",
        ),
        (
            GOOD.replace("  no_match:\n", "  no_match: oops\n").split(
                '    - "The European Parliament debated'
            )[0],
            "examples.no_match must be a list",
        ),
    ],
)
def test_bad_pack_files_name_the_file_and_the_problem(
    tmp_path: Path, body: str, problem: str
) -> None:
    path = write(tmp_path, "pack.yaml", body)
    with pytest.raises(PackError) as caught:
        load_packs(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert problem in message


def test_duplicate_ids_name_both_files(tmp_path: Path) -> None:
    write(tmp_path, "one.yaml", GOOD)
    write(tmp_path, "two.yaml", GOOD)
    with pytest.raises(
        PackError, match=r"two\.yaml: duplicate pack id 'ep-test' \(also in .*one\.yaml\)"
    ):
        load_packs(tmp_path)


def test_missing_path_and_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(PackError, match="no such file"):
        load_packs(tmp_path / "nope")
    with pytest.raises(PackError, match=r"no \*\.yaml rule packs"):
        load_packs(tmp_path)


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(PackError, match="not UTF-8"):
        load_packs(path)


SHIPPED = Path(__file__).resolve().parents[1] / "rules"


def test_shipped_packs_pass_their_examples_with_the_real_gazetteer() -> None:
    from bot.matching.gazetteer import load_gazetteer

    packs = load_packs(SHIPPED)
    assert packs
    assert check_packs(packs, load_gazetteer()) == []


ACT = GOOD.replace(
    "terms:\n",
    "act:\n  new_only: true\n  actors: [EU]\n  verbs: [resolution]\nterms:\n",
)


def test_act_section_becomes_the_rule_s_policy(tmp_path: Path) -> None:
    (pack,) = load_packs(write(tmp_path, "ep-test.yaml", ACT))
    assert pack.act is not None
    assert (pack.act.new_only, pack.act.actors, pack.act.actor_required) == (True, ("EU",), False)
    assert pack.act.verbs == ("resolution*",)  # the plain items of the named lists
    assert pack.rule().act == pack.act
    assert load_packs(write(tmp_path, "ep-test.yaml", GOOD))[0].act is None


@pytest.mark.parametrize(
    ("act", "message"),
    [
        ("act: yes", "act must be a mapping"),
        ("act: {new_only: 1}", "new_only must be true or false"),
        ("act: {actors: [eu]}", "upper-case codes"),
        ("act: {actors: [NO]}", "upper-case codes"),  # YAML reads a bare NO as false
        ("act: {actor_required: true}", "needs act.actors"),
        ("act: {verbs: [nowhere]}", "unknown term list"),
        ("act: {who: [EU]}", "act must be a mapping with keys among"),
    ],
)
def test_bad_act_sections(tmp_path: Path, act: str, message: str) -> None:
    with pytest.raises(PackError, match=message):
        load_packs(write(tmp_path, "ep-test.yaml", GOOD.replace("terms:\n", act + "\nterms:\n")))


def test_include_brings_shared_term_lists(tmp_path: Path) -> None:
    (tmp_path / "vocabulary").mkdir()
    write(tmp_path / "vocabulary", "words.yaml", "terms:\n  measure: [sanction*, embargo*]\n")
    body = GOOD.replace("terms:\n", "include: [vocabulary/words.yaml]\nterms:\n").replace(
        "AND sanction*", "AND $measure"
    )
    (pack,) = load_packs(write(tmp_path, "ep-test.yaml", body))
    assert pack.terms["measure"] == ("sanction*", "embargo*")
    assert check_packs([pack], FakeResolver()) == []
    # the vocabulary directory is not read as a pack
    assert [p.id for p in load_packs(tmp_path)] == ["ep-test"]


@pytest.mark.parametrize(
    ("include", "vocabulary", "message"),
    [
        ("[../outside.yaml]", None, "inside the pack's directory"),
        ("[missing.yaml]", None, "cannot read"),
        ("[v.yaml]", "terms: [a, b]\n", "holds only 'terms:'"),
        ("[v.yaml]", "terms:\n  parliament: [x]\n", "also in an included vocabulary"),
        ("[v.yaml, v.yaml]", "terms:\n  extra: [x]\n", "defined twice"),
        ("v.yaml", None, "list of vocabulary file paths"),
    ],
)
def test_bad_includes(tmp_path: Path, include: str, vocabulary: str | None, message: str) -> None:
    if vocabulary is not None:
        write(tmp_path, "v.yaml", vocabulary)
    body = GOOD.replace("terms:\n", f"include: {include}\nterms:\n")
    with pytest.raises(PackError, match=message):
        load_packs(write(tmp_path, "ep-test.yaml", body))
