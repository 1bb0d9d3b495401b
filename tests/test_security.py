"""Issue 9, security: refusal-lint reads code, it never runs it (docs/security.md).

- The linted code is never imported, executed or evaluated, and the config never runs
  anything: the CLI runs in a subprocess under an audit hook (`sys.addaudithook`) that
  records every bytecode execution of the linted files, every compile of a syntax tree into
  code, every import from the linted tree, every process started and every file written
  (a plain check writes only its cache, --fix also the files it fixes, through temporary
  files).
  The linted files also write marker files if they are ever run.
- No network connection: the same hook makes creating or connecting any socket fail.
- JSON, JSON Lines, SARIF, GitLab and JUnit outputs carry arbitrary text from the source and
  from file names (control characters, `</`, quotes, `]]>`) intact: each is parsed back.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from refusal_lint import api
from refusal_lint.cache import DEFAULT_DIR
from refusal_lint.finding import Finding
from refusal_lint.output import Report, Style, renderer
from refusal_lint.output.junit import xml_text

SENTINEL = "RFL_SECURITY_SENTINEL"  # in every planted file: finds their code objects
GUARD = textwrap.dedent(
    """\
    def summarize(resp):
        if resp.stop_reason == "max_tokens":
            raise RuntimeError("truncated")
        return resp.content[0].text
    """
)


def _planted(marker: Path) -> str:
    """A module that leaves `marker` behind, and tries a shell and the network, if run."""
    lines = [
        "import os, socket",
        f"{SENTINEL} = open({str(marker)!r}, 'w').write('ran')",
        f"os.system('touch ' + {str(marker) + '.shell'!r})",
        "socket.create_connection(('example.com', 80))",
    ]
    return "\n".join(lines) + "\n" + GUARD


# Names a careless linter might import or execute: project hooks, package markers, modules
# that would shadow refusal-lint's own imports if the tree were on sys.path, and a codec
# module named by a coding cookie.
PLANTED = [
    "app.py",
    "conftest.py",
    "setup.py",
    "__init__.py",
    "__main__.py",
    "sitecustomize.py",
    "usercustomize.py",
    "evil_codec.py",
    "click.py",
    "pathspec.py",
    "libcst.py",
    "tomllib.py",
    "ast.py",
    "tokenize.py",
    "json.py",
    "pkg/__init__.py",
    "pkg/handlers.py",
]
CONFIG = textwrap.dedent(
    """\
    [tool.refusal-lint]
    loud-calls = ["app.boom", "os.system"]
    extra-signal-fields = ["__import__('os').system('touch CONFIG_RAN')"]
    extend-exclude = ["$(touch CONFIG_RAN)", "`touch CONFIG_RAN`"]
    per-file-ignores = { "conftest.py" = ["RFL005"] }
    """
)

# Runs the CLI under an audit hook, in isolated mode (-I: neither the current directory nor
# PYTHONPATH on sys.path), and writes what it saw as JSON: argv = tree, report, CLI args.
AUDITED_CLI = textwrap.dedent(
    """\
    import ast, json, os, sys

    TREE = os.path.realpath(sys.argv[1]) + os.sep
    SENTINEL = "RFL_SECURITY_SENTINEL"
    WRITE = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
    seen = []

    def inside(path):
        try:
            return os.path.realpath(os.fsdecode(path)).startswith(TREE)
        except (TypeError, ValueError):
            return False

    def mentions_sentinel(code):
        return SENTINEL in code.co_names or any(
            mentions_sentinel(c) for c in code.co_consts if hasattr(c, "co_names")
        )

    def hook(event, args):
        if event.startswith(("socket.", "urllib.", "http.", "ftplib.", "smtplib.")):
            seen.append("network: " + event)
            raise PermissionError("refusal-lint must not use the network: " + event)
        if event in ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn",
                     "os.spawn", "os.fork", "os.forkpty", "pty.spawn", "ctypes.dlopen"):
            seen.append("process: " + event)
        elif event == "exec" and hasattr(args[0], "co_names") and mentions_sentinel(args[0]):
            seen.append("exec of linted code: " + args[0].co_filename)
        elif event == "compile" and isinstance(args[0], ast.AST):
            seen.append("compile of a syntax tree into code")
        elif event == "open" and args[0] is not None and inside(args[0]):
            if isinstance(args[2], int) and args[2] & WRITE:
                seen.append("write: " + os.fsdecode(args[0]))

    sys.addaudithook(hook)
    from refusal_lint.cli import main

    try:
        main(sys.argv[3:])
        code = 0
    except SystemExit as exc:
        code = exc.code
    imported = sorted(
        name for name, module in list(sys.modules.items())
        if inside(getattr(module, "__file__", None) or "")
    )
    with open(sys.argv[2], "w", encoding="utf-8") as out:
        json.dump({"code": code, "seen": seen, "imported": imported}, out)
    """
)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A project full of files that misbehave if imported, with a config trying the same."""
    root = tmp_path / "untrusted"
    for name in PLANTED:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_planted(tmp_path / f"ran-{name.replace('/', '-')}"), encoding="utf-8")
    cookie = "# -*- coding: evil_codec -*-\n"  # codecs.lookup must not import ./evil_codec.py
    (root / "cookie.py").write_text(cookie + _planted(tmp_path / "ran-cookie"), encoding="utf-8")
    (root / "pyproject.toml").write_text(CONFIG, encoding="utf-8")
    return root


def markers(tmp_path: Path) -> list[str]:
    found = [p.name for p in tmp_path.rglob("ran-*")]
    return sorted(found + [p.name for p in tmp_path.rglob("CONFIG_RAN")])


def audited_run(tree: Path, tmp_path: Path, *args: str) -> dict[str, Any]:
    """The audit of one `refusal-lint check ARGS` run, with the cache where it goes by
    default: `.refusal_lint_cache/` in the (untrusted) project."""
    report = tmp_path / "audit.json"
    env = {k: v for k, v in os.environ.items() if k != "REFUSAL_LINT_CACHE_DIR"}
    process = subprocess.run(
        [sys.executable, "-I", "-c", AUDITED_CLI, str(tree), str(report), "check", *args],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert report.exists(), process.stderr
    audit: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    audit["stdout"], audit["stderr"] = process.stdout, process.stderr
    cache = f"write: {tree / DEFAULT_DIR}{os.sep}"
    audit["cache"] = [event for event in audit["seen"] if event.startswith(cache)]
    audit["seen"] = [event for event in audit["seen"] if not event.startswith(cache)]
    return audit


@pytest.mark.parametrize("output_format", ["json", "sarif", "junit", "full"])
def test_check_never_imports_executes_writes_or_connects(
    tree: Path, tmp_path: Path, output_format: str
) -> None:
    audit = audited_run(tree, tmp_path, "--output-format", output_format, ".")
    assert audit["code"] == 1, audit["stderr"]  # the planted files were linted: findings
    assert "RFL001" in audit["stdout"] and "cookie.py" in audit["stdout"]
    assert audit["seen"] == []  # no write but the cache's
    assert audit["cache"]  # which the hook does see
    assert audit["imported"] == []
    assert markers(tmp_path) == []


def test_fix_writes_only_through_temporary_files_and_runs_nothing(
    tree: Path, tmp_path: Path
) -> None:
    audit = audited_run(tree, tmp_path, "--fix", ".")
    assert "Fixed" in audit["stdout"], audit["stderr"]
    writes = [event for event in audit["seen"] if event.startswith("write: ")]
    others = [event for event in audit["seen"] if not event.startswith("write: ")]
    assert others == []
    assert writes and all(event.endswith(".refusal-lint") for event in writes)
    assert audit["imported"] == []
    assert markers(tmp_path) == []


def test_the_console_script_never_puts_the_linted_tree_on_sys_path(
    tree: Path, tmp_path: Path
) -> None:
    """Run from inside the tree, `click.py`, `json.py`, `ast.py` ... there would shadow
    refusal-lint's own imports if the current directory were on sys.path."""
    script = Path(sys.executable).with_name("refusal-lint")
    if not script.exists():
        pytest.skip("the refusal-lint console script is not installed next to this Python")
    for args in (["check", "."], ["check", "--fix", "."]):
        process = subprocess.run(
            [str(script), *args], cwd=tree, capture_output=True, text=True, timeout=300
        )
        assert process.returncode in (0, 1), process.stderr
    assert markers(tmp_path) == []


def test_the_audit_hook_does_see_linted_code_that_runs(tree: Path, tmp_path: Path) -> None:
    """The hook is not blind: importing a planted module is seen, and its network call fails."""
    report = tmp_path / "audit.json"
    careless = "sys.path.insert(0, TREE)\ntry:\n    import app\nexcept PermissionError:\n    pass\n"
    runner = AUDITED_CLI.replace("from refusal_lint.cli import main", careless + "main = len")
    process = subprocess.run(
        [sys.executable, "-I", "-c", runner, str(tree), str(report)],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    audit = json.loads(report.read_text(encoding="utf-8"))
    assert f"exec of linted code: {tree / 'app.py'}" in audit["seen"], process.stderr
    assert "process: os.system" in audit["seen"]
    assert "network: socket.getaddrinfo" in audit["seen"]  # and refused: no connection made
    assert markers(tmp_path) == ["ran-app.py", "ran-app.py.shell"]


# ---- outputs carry arbitrary text intact ----------------------------------------------------

# The stop-signal subject, raw control characters and all (legal inside a string literal).
SUBJECT = 'data["k\x01\x1f</script>]]>\\"\'&<\u2028"].stop_reason'
NASTY_SOURCE = textwrap.dedent(
    f"""\
    def summarize(data):
        if {SUBJECT} == "max_tokens":
            raise RuntimeError("truncated")
        return data.content[0].text
    """
)


def _rendered(fmt: str, findings: list[Finding], sources: dict[str, str]) -> str:
    return renderer(fmt)(Report(tuple(findings), sources), Style(color=False))


def _parsed_messages(fmt: str, text: str) -> list[str]:
    """The finding messages a consumer of each format reads back."""
    if fmt == "json":
        return [f["message"] for f in json.loads(text)]
    if fmt == "json-lines":
        return [json.loads(line)["message"] for line in text.splitlines()]
    if fmt == "sarif":
        return [r["message"]["text"] for r in json.loads(text)["runs"][0]["results"]]
    if fmt == "gitlab":
        return [i["description"].split(" ", 1)[1] for i in json.loads(text)]
    assert fmt == "junit"
    return [f.get("message", "") for f in ET.fromstring(text).iter("failure")]


@pytest.mark.parametrize("fmt", ["json", "json-lines", "sarif", "gitlab", "junit"])
def test_source_text_in_messages_survives_every_machine_format(
    fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    found = api.check_source(NASTY_SOURCE, "app.py")
    assert [f.code for f in found] == ["RFL001"]
    assert "</script>]]>" in found[0].message  # the source text reached the message
    text = _rendered(fmt, found, {"app.py": NASTY_SOURCE})
    assert _parsed_messages(fmt, text) == [found[0].message]


@pytest.mark.parametrize("fmt", ["json", "json-lines"])
def test_raw_source_text_in_fix_edits_survives(fmt: str) -> None:
    found = api.check_source(NASTY_SOURCE, "app.py")
    text = _rendered(fmt, found, {"app.py": NASTY_SOURCE})
    parsed = json.loads(text) if fmt == "json" else [json.loads(text)]
    [content] = [edit["content"] for edit in parsed[0]["fix"]["edits"]]
    assert SUBJECT in content  # copied from the source, control characters included
    assert not _raw_controls(text)


def _raw_controls(text: str) -> list[str]:
    """Control characters a JSON document must not hold raw (newlines are layout)."""
    return [c for c in text if ord(c) < 0x20 and c != "\n"]


ARBITRARY = (
    "raw \x00\x01\x08\x1b[31m\x7f </script> ]]> \"quoted\" 'single' & <tag> \u2028 \udcff end"
)
ARBITRARY_FILE = "dir/we\x01ird ]]></x>\"'&.py"


@pytest.mark.parametrize("fmt", ["json", "json-lines", "sarif", "gitlab"])
def test_any_text_round_trips_through_the_json_formats(
    fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Control characters, lone surrogates (a file name that is not UTF-8) and markup."""
    monkeypatch.chdir(tmp_path)
    finding = Finding(ARBITRARY_FILE, 1, 0, "RFL001", "missing-refusal-branch", ARBITRARY, 1, 4)
    text = _rendered(fmt, [finding], {ARBITRARY_FILE: ARBITRARY})
    assert _parsed_messages(fmt, text) == [ARBITRARY]
    assert not _raw_controls(text)


def test_junit_is_well_formed_and_keeps_every_character_xml_can_carry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    finding = Finding(ARBITRARY_FILE, 1, 0, "RFL001", "missing-refusal-branch", ARBITRARY, 1, 4)
    root = ET.fromstring(_rendered("junit", [finding], {}))  # raises if not well-formed
    [failure] = root.iter("failure")
    expected = (
        "raw \\x00\\x01\\x08\\x1b[31m\x7f </script> ]]> \"quoted\" 'single' & <tag> \u2028 "
        "\\udcff end"
    )
    assert failure.get("message") == xml_text(ARBITRARY) == expected
    assert failure.text is not None and expected in failure.text
    [suite] = root.iter("testsuite")
    assert suite.get("name") == "dir/we\\x01ird ]]></x>\"'&.py"
