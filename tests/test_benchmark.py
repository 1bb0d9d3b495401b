"""The pure parts of bench/benchmark.py: parsing, medians, ratios, subsets and rendering.

No corpus and no tools are needed; the benchmark itself is run by hand (docs/performance.md).
"""

from __future__ import annotations

import importlib.util
import itertools
import sys
import xml.dom.minidom
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load(script: str) -> ModuleType:
    """A bench/ script as a module, registered by name: dataclasses look their module up
    by name, and a worker's function is pickled by it."""
    spec = importlib.util.spec_from_file_location(
        f"bench_{script}", ROOT / "bench" / f"{script}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


bench = _load("benchmark")


def test_parse_packages_skips_comments_and_blanks() -> None:
    text = "# header\n\nlitellm==1.110.2\n  django == 5.2.19  # LTS\n"
    assert bench.parse_packages(text) == [("litellm", "1.110.2"), ("django", "5.2.19")]


def test_parse_packages_rejects_an_unpinned_line() -> None:
    with pytest.raises(ValueError):
        bench.parse_packages("openai>=1\n")


def test_the_committed_corpus_list_parses() -> None:
    packages = bench.parse_packages((ROOT / "bench" / "corpus-packages.txt").read_text())
    assert len(packages) >= 20
    assert len({name for name, _ in packages}) == len(packages)


def test_package_name_drops_the_version() -> None:
    assert bench.package_name("langchain-core-1.8.1") == "langchain-core"
    assert bench.package_name("django-5.2.19") == "django"


IMPORTTIME_LOG = """\
import time: self [us] | cumulative | imported package
import time:       120 |        120 |   _io
import time:      1080 |      20322 | site
import time:       500 |        500 |       astroid.nodes
import time:       300 |        800 |     libcst
import time:      6701 |     151754 | refusal_lint.cli
something else on stderr
"""


def test_parse_importtime_sums_self_times_and_lists_modules() -> None:
    parsed = bench.parse_importtime(IMPORTTIME_LOG)
    assert parsed.total_us == 120 + 1080 + 500 + 300 + 6701
    assert parsed.modules == ["_io", "site", "astroid.nodes", "libcst", "refusal_lint.cli"]
    assert parsed.cumulative_us == {"site": 20322, "refusal_lint.cli": 151754}
    assert parsed.heavy() == ["libcst", "astroid"]


def test_parse_importtime_without_heavy_modules() -> None:
    parsed = bench.parse_importtime("import time:        10 |         10 | click\n")
    assert parsed.total_us == 10
    assert parsed.heavy() == []
    assert bench.parse_importtime("").total_us == 0


def test_median_ignores_failed_runs() -> None:
    assert bench.median([3.0, None, 1.0, 2.0]) == 2.0
    assert bench.median([4.0, 1.0, 2.0, 3.0]) == 2.5
    assert bench.median([None, None]) is None
    assert bench.median([]) is None


def test_paired_ratio_is_the_median_of_per_round_ratios() -> None:
    top = [2.0, 6.0, None, 3.0, 10.0]
    bottom = [1.0, 2.0, 1.0, None, 2.0]
    assert bench.paired_ratios(top, bottom) == [2.0, 3.0, 5.0]
    assert bench.paired_ratio(top, bottom) == 3.0
    assert bench.paired_ratio([None], [1.0]) is None
    assert bench.paired_ratio([1.0], [0.0]) is None


def test_judge_states_how_much_a_target_is_missed() -> None:
    assert bench.judge(0.9, 1.0) == "yes"
    assert bench.judge(1.0, 1.0) == "yes"
    assert bench.judge(1.2, 1.0) == "no (+20% over)"
    assert bench.judge(25.6, 1.0) == "no (25.6x the target)"
    assert bench.judge(1.08, 1.05, overhead=True) == "no (+8%)"
    assert bench.judge(None, 1.0) == "n/a"


def test_pick_subset_takes_preferred_packages_then_the_smallest_others() -> None:
    lines = {"a": 100, "b": 50, "c": 10, "d": 500, "e": 30}
    assert bench.pick_subset(lines, ["a", "b", "d"], 140) == ["a", "b"]
    assert bench.pick_subset(lines, ["missing", "b"], 80) == ["b", "c", "e"]
    assert bench.pick_subset(lines, [], 10_000) == ["c", "e", "b", "a", "d"]


def test_nested_subsets_are_deterministic_prefixes() -> None:
    paths = [f"pkg/m{i}.py" for i in range(10)]
    order = bench.shuffled(paths)
    assert order == bench.shuffled(reversed(paths))
    assert sorted(order) == sorted(paths)
    subsets = bench.nested_subsets(order, (0.25, 0.5, 0.75, 1.0))
    assert [len(s) for s in subsets] == [2, 5, 8, 10]
    for small, big in itertools.pairwise(subsets):
        assert big[: len(small)] == small


def test_linear_fit() -> None:
    fit = bench.linear_fit([1.0, 2.0, 3.0, 4.0], [3.0, 5.0, 7.0, 9.0])
    assert fit.slope == pytest.approx(2.0)
    assert fit.intercept == pytest.approx(1.0)
    assert fit.r2 == pytest.approx(1.0)
    assert bench.linear_fit([1.0, 2.0, 3.0], [1.0, 3.0, 2.0]).r2 < 0.5


def test_formatting() -> None:
    assert bench.fmt_seconds(1.234) == "1.23 s"
    assert bench.fmt_seconds(12.34) == "12.3 s"
    assert bench.fmt_seconds(123.4) == "123 s"
    assert bench.fmt_seconds(None) == "n/a"
    assert bench.fmt_ratio(0.256) == "0.26"
    assert bench.fmt_ratio(None) == "n/a"
    assert bench.nice_step(10.0) == 2.0
    assert bench.nice_step(3.0) == 1.0
    assert bench.nice_step(0.0) == 1.0


def test_render_table_escapes_pipes() -> None:
    table = bench.render_table(["a", "b"], [["x|y", "1"]])
    assert table.splitlines() == ["| a | b |", "|---|---|", "| x\\|y | 1 |"]


def test_render_svg_is_well_formed_and_plots_every_point() -> None:
    points = [(700_000, 20.0), (1_400_000, 40.0), (2_200_000, 61.0), (2_950_000, 80.0)]
    fit = bench.linear_fit([float(x) for x, _ in points], [y for _, y in points])
    svg = bench.render_svg(points, fit)
    dom = xml.dom.minidom.parseString(svg)
    assert dom.documentElement.tagName == "svg"
    assert len(dom.getElementsByTagName("circle")) == 4
    assert len(dom.getElementsByTagName("polyline")) == 1
    assert "lines of Python (millions)" in svg
    assert "\n\n" not in svg  # a blank line would end the inline HTML block in Markdown


def _report(results: object, **overrides: object) -> object:
    values: dict[str, object] = {
        "machine": {
            "date": "2026-01-01 00:00 UTC",
            "nproc": "2",
            "cpu": "Test CPU",
            "memory": "1.0 GiB",
            "os": "Linux",
            "python": "Python 3.11.7",
            "commit": "abc1234",
        },
        "versions": {"ruff": "0.1", "refusal-lint": "0.1.0", "pylint": "not installed"},
        "runs": 2,
        "corpus_files": 40,
        "corpus_lines": 4000,
        "flake8_subset": ["a-1"],
        "flake8_lines": 2000,
        "pylint_subset": ["b-1"],
        "pylint_lines": 200,
        "scaling": [(0.25, 10, 1000), (0.5, 20, 2000), (0.75, 30, 3000), (1.0, 40, 4000)],
        "results": results,
        "warm_cache": False,
        "flake8_plugin": True,
        "pylint_plugin": True,
        "pylint_module": "refusal_lint.pylint",
        "problems": [],
        "skip": set(),
    }
    values.update(overrides)
    return bench.Report(**values)


def _results() -> object:
    res = bench.Results()
    for key, secs in {
        "ruff_e9": (1.0, 2.0),
        "ruff_default": (3.0, 7.0),
        "rl_cold": (4.0, 6.0),
        "scale_25": (1.0, 1.2),
        "scale_50": (2.0, 2.2),
        "scale_75": (3.0, 3.2),
        "flake8_without": (10.0, 10.0),
        "flake8_with": (10.2, 10.6),
        "pylint_without": (5.0, 5.0),
        "pylint_with": (5.4, 5.4),
    }.items():
        for s in secs:
            res.add(key, bench.Run(s, maxrss_kb=50 * 1024, tree_rss_kb=60 * 1024, cpu_s=s))
    res.add("import", bench.Run(None, "exit 1: boom"))
    res.import_us += [80_000.0, 90_000.0]
    res.import_cli_us += [60_000.0, 70_000.0]
    res.loads += [0.5, 1.25]
    res.notes.append("A note from the run.")
    return res


def test_render_markdown_reports_every_figure() -> None:
    rep = _report(_results())
    text = bench.render_markdown(rep, "python bench/benchmark.py --corpus X")
    rows = {line.split(" | ")[0].lstrip("| "): line for line in text.splitlines() if "|" in line}
    cold = rows["refusal-lint cold (`check --no-cache`)"]
    # wall ratios 4/1 and 6/2; CPU times as given: 4 and 6 s, 1 and 2 s for ruff E9
    assert "| 5.00 s | 5.00 s (3.50) | 3.50 | <= 1.0 | no (3.5x the target) |" in cold
    assert "no cache yet" in rows["refusal-lint warm (cache hit on every file)"]
    assert "| 3.25 |" in rows["`ruff check --no-cache --isolated` (default rules)"]
    assert "| 1.04 | <= +5% | yes |" in rows["flake8 with the refusal-lint plugin"]
    assert (
        "| 1.08 | <= +3% | no (+8%) |" in rows["pylint with `--load-plugins refusal_lint.pylint`"]
    )
    imports = next(line for line in text.splitlines() if "importtime" in line and "|" in line)
    assert "| 85 ms |" in imports and "yes; none of them imported" in imports
    assert "| 60 MB (largest process 50 MB) |" in text
    assert "R^2 =" in text and "<svg" in text and "</svg>" in text
    assert "| 100% | 40 | 4,000 | 5.00 s |" in text
    assert "Test CPU" in text and "abc1234" in text and "ruff 0.1" in text
    assert "pylint not installed" not in text
    assert "`import` failed 1 time(s): exit 1: boom" in text
    assert "python bench/benchmark.py --corpus X" in text
    assert "load average at the start of each round: 0.50, 1.25" in text
    assert "\n- A note from the run.\n" in text
    assert text.count("| 1.00 |") == 3  # the yardstick, flake8 and pylint without the plugin


def test_a_plugin_that_is_not_installed_is_reported() -> None:
    text = bench.render_console(_report(_results(), pylint_plugin=False))
    assert "| pylint with the refusal-lint plugin | plugin not installed |" in text
    assert "`refusal_lint.pylint` does not import in the tools venv" in text


def test_render_with_skipped_groups_and_a_failed_yardstick() -> None:
    res = bench.Results()
    res.add("ruff_e9", bench.Run(None, "missing: ruff"))
    res.add("rl_cold", bench.Run(2.0, cpu_s=1.5))
    rep = _report(
        res, skip={"ruff-default", "warm", "import", "memory", "flake8", "pylint", "scaling"}
    )
    text = bench.render_console(rep)
    assert "missing: ruff" in text
    assert "flake8" not in text.split("- Corpus")[0]
    assert "| 2.00 s | 1.50 s | n/a | <= 1.0 | n/a |" in text


def test_has_cache_by_directory_or_by_a_much_faster_second_run() -> None:
    assert bench.has_cache(True, 80.0, 79.0)
    assert bench.has_cache(False, 80.0, 10.0)
    assert not bench.has_cache(False, 80.0, 70.0)
    assert not bench.has_cache(False, None, 10.0)
    assert not bench.has_cache(False, 80.0, None)


def test_floor_splits_by_bytes_and_parses_only_files_with_a_trigger(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    floor = _load("floor")
    parts = floor.split_by_bytes([("a", 100), ("b", 60), ("c", 50), ("d", 10)], 2)
    assert sorted(sorted(p) for p in parts) == [["a", "d"], ["b", "c"]]
    (tmp_path / "llm.py").write_text("def f(r):\n    return r.stop_reason\n")
    (tmp_path / "plain.py").write_text("x = 1\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "more.py").write_text("y = resp.finish_reason\n")
    for jobs in ("1", "2"):
        assert floor.main([str(tmp_path), "--jobs", jobs]) == 0
        assert "3 files, 2 scanned, cut and parsed" in capsys.readouterr().err
