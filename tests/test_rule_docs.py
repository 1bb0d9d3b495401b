"""Each rule's docstring is its documentation: these tests keep it honest.

The `## Example` block must give exactly one finding of the rule and the block after
"Use instead:" none of it (for a project-level rule, the blocks are files named by a first
line `# file: PATH`, and those after "Use instead:" replace or add files); codes, names
and pylint ids are well-formed and unique; the headings are present and in order; every
option a rule lists is a real setting; every rule has a case book.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from refusal_lint.api import check_source
from refusal_lint.finding import Finding
from refusal_lint.project_run import lint_tree
from refusal_lint.registry import all_rules, default_codes
from refusal_lint.rule import Rule
from refusal_lint.settings import Settings

RULES = all_rules()
RULE_IDS = [rule.name for rule in RULES]
# RFL901 (internal-error) cannot be triggered by code on purpose: tests/test_internal_error.py
EXAMPLE_RULES = [rule for rule in RULES if rule.has_code_examples]
EXAMPLE_IDS = [rule.name for rule in EXAMPLE_RULES]
BOOKS_DIR = Path(__file__).resolve().parent.parent / "rules"

HEADINGS = ("What it does", "Why is this bad?", "Example")
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
CODE = re.compile(r"^RFL\d{3}$")
NAME = re.compile(r"^[a-z]+(?:-[a-z]+)*$")
PYLINT_ID = re.compile(r"^[CRWEF]\d{4}$")
OPTION = re.compile(r"^- `(?P<key>[a-z.-]+)`", re.M)  # `table.key` for a rule's sub-table
FILE_LINE = re.compile(r"^# file: (?P<path>\S+)\n")


def examples(rule: type[Rule]) -> tuple[str, str]:
    """The teaching example and its fix: the first python blocks before and after
    "Use instead:" in the `## Example` section."""
    section = rule.doc_section("Example")
    bad_part, marker, good_part = section.partition("Use instead:")
    assert marker, f"{rule.code}: `## Example` has no 'Use instead:'"
    bad = PYTHON_BLOCK.search(bad_part)
    good = PYTHON_BLOCK.search(good_part)
    assert bad is not None, f"{rule.code}: no ```python block under `## Example`"
    assert good is not None, f"{rule.code}: no ```python block after 'Use instead:'"
    return bad.group(1), good.group(1)


def project_examples(rule: type[Rule]) -> tuple[dict[str, str], dict[str, str]]:
    """A project-level rule's example as files: the project before and after the fix."""
    section = rule.doc_section("Example")
    bad_part, marker, good_part = section.partition("Use instead:")
    assert marker, f"{rule.code}: `## Example` has no 'Use instead:'"
    bad = _files(rule, bad_part)
    return bad, {**bad, **_files(rule, good_part)}


def _files(rule: type[Rule], text: str) -> dict[str, str]:
    files = {}
    for block in PYTHON_BLOCK.findall(text):
        match = FILE_LINE.match(block)
        assert match is not None, f"{rule.code}: an example block lacks its `# file: PATH` line"
        files[match.group("path")] = block
    assert files, f"{rule.code}: no ```python block in its example"
    return files


def findings_of(rule: type[Rule], source: str | dict[str, str]) -> list[Finding]:
    """This rule's findings on `source` (a project's files for a project-level rule),
    linted with the default rules plus this one."""
    settings = Settings(enabled=frozenset(default_codes()) | {rule.code})
    if isinstance(source, dict):
        found = lint_tree(source, settings)
    else:
        found = check_source(source, "example.py", settings)
    return [f for f in found if f.code == rule.code]


def example_pair(rule: type[Rule]) -> tuple[str | dict[str, str], str | dict[str, str]]:
    return project_examples(rule) if rule.project_level else examples(rule)


@pytest.mark.parametrize("rule", EXAMPLE_RULES, ids=EXAMPLE_IDS)
def test_example_gives_exactly_one_finding(rule: type[Rule]) -> None:
    bad, _ = example_pair(rule)
    found = findings_of(rule, bad)
    assert len(found) == 1, f"{rule.code} example gave {found}\n{bad}"


@pytest.mark.parametrize("rule", EXAMPLE_RULES, ids=EXAMPLE_IDS)
def test_use_instead_gives_no_finding(rule: type[Rule]) -> None:
    _, good = example_pair(rule)
    found = findings_of(rule, good)
    assert not found, f"{rule.code} 'Use instead' gave {found}\n{good}"


@pytest.mark.parametrize("rule", RULES, ids=RULE_IDS)
def test_headings_present_in_order(rule: type[Rule]) -> None:
    docs = rule.docs()
    positions = []
    for heading in HEADINGS:
        match = re.search(rf"^## {re.escape(heading)}$", docs, re.M)
        assert match is not None, f"{rule.code}: missing heading '## {heading}'"
        positions.append(match.start())
    assert positions == sorted(positions), f"{rule.code}: headings out of order"


@pytest.mark.parametrize("rule", RULES, ids=RULE_IDS)
def test_options_are_real_settings(rule: type[Rule]) -> None:
    settings = {f.name for f in dataclasses.fields(Settings)}
    for key in OPTION.findall(rule.doc_section("Options")):
        table, _, name = key.rpartition(".")
        assert table in ("", rule.name), f"{rule.code}: option {key!r} is not in its own table"
        assert name.replace("-", "_") in settings, f"{rule.code}: option {key!r} does not exist"


@pytest.mark.parametrize("rule", EXAMPLE_RULES, ids=EXAMPLE_IDS)
def test_rule_has_case_book(rule: type[Rule]) -> None:
    assert (BOOKS_DIR / f"{rule.name}.md").is_file(), f"{rule.code}: no rules/{rule.name}.md"


@pytest.mark.parametrize("rule", RULES, ids=RULE_IDS)
def test_module_and_class_follow_the_name(rule: type[Rule]) -> None:
    snake = rule.name.replace("-", "_")
    camel = "".join(part.capitalize() for part in rule.name.split("-"))
    assert rule.__module__ == f"refusal_lint.checks.{snake}"
    assert rule.__name__ == camel
    assert rule.summary.strip(), f"{rule.code}: empty summary"


def test_codes_are_well_formed_and_unique() -> None:
    codes = [rule.code for rule in RULES]
    assert all(CODE.match(code) for code in codes), codes
    assert len(set(codes)) == len(codes), codes


def test_names_are_kebab_case_and_unique() -> None:
    names = [rule.name for rule in RULES]
    assert all(NAME.match(name) for name in names), names
    assert len(set(names)) == len(names), names


def test_pylint_ids_are_well_formed_and_unique() -> None:
    ids = [rule.pylint_id for rule in RULES]
    assert all(PYLINT_ID.match(pylint_id) for pylint_id in ids), ids
    assert len(set(ids)) == len(ids), ids
