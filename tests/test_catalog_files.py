"""Shape checks for the provider catalog data files (rules/catalog/*.toml).

These read the TOML files in this repository directly (not through the loader), so a malformed
file fails here with the file and key named, whatever the engine does with it. The schema is the
one in rules/README.md.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

CATALOG_DIR = Path(__file__).resolve().parent.parent / "rules" / "catalog"
CATALOG_FILES = sorted(CATALOG_DIR.glob("*.toml"))

VALUE_GROUPS = ("refusal", "truncation", "complete", "tool", "pause", "error", "other")
VALUE_TYPES = {"str", "int_enum"}
GENERIC_FIELD_NAMES = {"status", "type", "action", "code", "reason", "subtype", "error"}

# The providers the catalog must cover; more files may be added.
EXPECTED_IDS = {
    "anthropic",
    "anthropic_managed_agents",
    "claude_agent_sdk",
    "openai",
    "azure_openai",
    "google_genai",
    "google_generativeai",
    "vertexai",
    "bedrock",
    "mistral",
    "cohere",
    "ollama",
    "litellm",
    "langchain",
    "vllm",
    "deepseek",
    "xai",
    "groq",
}

REQUIRED_STR_KEYS = ("id", "display_name", "family", "refusal_category_field")
REQUIRED_LIST_KEYS = (
    "packages",
    "imports",
    "sources",
    "call_sites",
    "text_accessors",
    "exceptions",
)
OPTIONAL_TOP_KEYS = {"signals", "presence", "mapping", "responses"}
SIGNAL_KEYS = {"name", "fields", "value_type", "enum_classes", "enum_members", "int_values"}
SIGNAL_KEYS |= set(VALUE_GROUPS)
PRESENCE_KEYS = {"fields", "classes"}

DOTTED_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
ENUM_MEMBER_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


def _load(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def _is_str_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _check_field_name(name: str, where: str) -> None:
    assert name, f"{where}: empty field name"
    assert name == name.strip(), f"{where}: field {name!r} has surrounding whitespace"
    assert name not in GENERIC_FIELD_NAMES, (
        f"{where}: bare generic field name {name!r}; qualify it with a path (e.g. "
        f"'incomplete_details.reason')"
    )
    assert all(name.split(".")), f"{where}: field {name!r} has an empty path segment"


@pytest.fixture(params=CATALOG_FILES, ids=lambda p: p.stem)
def catalog_file(request: pytest.FixtureRequest) -> tuple[Path, dict[str, Any]]:
    path: Path = request.param
    return path, _load(path)


def test_catalog_folder_has_the_expected_providers() -> None:
    assert CATALOG_FILES, f"no catalog files in {CATALOG_DIR}"
    stems = {p.stem for p in CATALOG_FILES}
    missing = EXPECTED_IDS - stems
    assert not missing, f"missing catalog files: {sorted(missing)}"


def test_id_matches_file_name(catalog_file: tuple[Path, dict[str, Any]]) -> None:
    path, data = catalog_file
    assert data.get("id") == path.stem, f"{path.name}: id {data.get('id')!r} != {path.stem!r}"


def test_top_level_keys_and_types(catalog_file: tuple[Path, dict[str, Any]]) -> None:
    path, data = catalog_file
    where = path.name
    for key in REQUIRED_STR_KEYS:
        assert key in data, f"{where}: missing required key {key!r}"
        assert isinstance(data[key], str), f"{where}: {key!r} must be a string"
    assert data["display_name"].strip(), f"{where}: display_name is empty"
    for key in REQUIRED_LIST_KEYS:
        assert key in data, f"{where}: missing required key {key!r}"
        assert _is_str_list(data[key]), f"{where}: {key!r} must be a list of strings"
        assert all(v.strip() for v in data[key]), f"{where}: {key!r} has an empty entry"
        assert len(set(data[key])) == len(data[key]), f"{where}: {key!r} has duplicates"
    assert data["packages"], f"{where}: packages is empty"
    assert data["sources"], f"{where}: sources is empty (say where the facts come from)"
    for name in data["imports"]:
        assert DOTTED_NAME.match(name), f"{where}: import root {name!r} is not a dotted name"
    unknown = set(data) - set(REQUIRED_STR_KEYS) - set(REQUIRED_LIST_KEYS) - OPTIONAL_TOP_KEYS
    assert not unknown, f"{where}: unknown top-level keys {sorted(unknown)}"
    assert isinstance(data.get("signals", []), list), f"{where}: signals must be an array"
    assert isinstance(data.get("presence", []), list), f"{where}: presence must be an array"
    assert data.get("signals") or data.get("presence"), f"{where}: no signals and no presence"
    mapping = data.get("mapping", {})
    assert isinstance(mapping, dict), f"{where}: mapping must be a table"
    for key, value in mapping.items():
        assert isinstance(value, str), f"{where}: mapping[{key!r}] must be a string"


def test_signals(catalog_file: tuple[Path, dict[str, Any]]) -> None:
    path, data = catalog_file
    names: set[str] = set()
    for index, signal in enumerate(data.get("signals", [])):
        where = f"{path.name} signal {index}"
        assert isinstance(signal, dict), f"{where}: must be a table"
        unknown = set(signal) - SIGNAL_KEYS
        assert not unknown, f"{where}: unknown keys {sorted(unknown)} (groups: {VALUE_GROUPS})"

        name = signal.get("name")
        assert isinstance(name, str) and name, f"{where}: missing name"
        where = f"{path.name} signal {name!r}"
        assert name not in names, f"{where}: duplicate signal name"
        names.add(name)

        fields = signal.get("fields")
        assert _is_str_list(fields) and fields, f"{where}: fields must be a non-empty list"
        for field in fields:
            _check_field_name(field, where)

        value_type = signal.get("value_type")
        assert value_type in VALUE_TYPES, f"{where}: value_type {value_type!r} not in {VALUE_TYPES}"

        seen: dict[str, str] = {}
        for group in VALUE_GROUPS:
            values = signal.get(group, [])
            assert _is_str_list(values), f"{where}: {group} must be a list of strings"
            for value in values:
                assert value not in seen, (
                    f"{where}: value {value!r} is in both {seen[value]!r} and {group!r}"
                )
                seen[value] = group
        assert seen, f"{where}: no values in any group"

        enum_classes = signal.get("enum_classes", [])
        assert _is_str_list(enum_classes), f"{where}: enum_classes must be a list of strings"
        for dotted in enum_classes:
            assert DOTTED_NAME.match(dotted) and "." in dotted, (
                f"{where}: enum class {dotted!r} must be a full dotted path"
            )

        enum_members = signal.get("enum_members", {})
        assert isinstance(enum_members, dict), f"{where}: enum_members must be a table"
        if enum_members:
            assert enum_classes, f"{where}: enum_members without enum_classes"
        for member, value in enum_members.items():
            assert "." not in member, f"{where}: enum_members key {member!r} must be a bare name"
            assert isinstance(value, str), f"{where}: enum_members[{member!r}] must be a string"
            assert value in seen, f"{where}: enum member {member} = {value!r} is in no group"

        int_values = signal.get("int_values", {})
        assert isinstance(int_values, dict), f"{where}: int_values must be a table"
        if value_type == "int_enum":
            assert int_values, f"{where}: int_enum signal without int_values"
            assert enum_classes, f"{where}: int_enum signal without enum_classes"
            for member, number in int_values.items():
                assert isinstance(number, int) and not isinstance(number, bool), (
                    f"{where}: int_values[{member!r}] must be an integer"
                )
                assert member in seen, f"{where}: int_values member {member!r} is in no group"
            numbers = list(int_values.values())
            assert len(set(numbers)) == len(numbers), f"{where}: duplicate numbers in int_values"
            uncovered = [v for v in seen if ENUM_MEMBER_NAME.match(v) and v not in int_values]
            assert not uncovered, f"{where}: enum members without an int value: {uncovered}"
        else:
            assert not int_values, f"{where}: int_values is only for value_type = 'int_enum'"


def test_presence(catalog_file: tuple[Path, dict[str, Any]]) -> None:
    path, data = catalog_file
    for index, presence in enumerate(data.get("presence", [])):
        where = f"{path.name} presence {index}"
        assert isinstance(presence, dict), f"{where}: must be a table"
        unknown = set(presence) - PRESENCE_KEYS
        assert not unknown, f"{where}: unknown keys {sorted(unknown)}"
        fields = presence.get("fields", [])
        classes = presence.get("classes", [])
        assert _is_str_list(fields), f"{where}: fields must be a list of strings"
        assert _is_str_list(classes), f"{where}: classes must be a list of strings"
        assert fields or classes, f"{where}: needs fields or classes"
        for field in fields:
            _check_field_name(field, where)
        for name in classes:
            assert DOTTED_NAME.match(name), f"{where}: class {name!r} is not a (dotted) name"
