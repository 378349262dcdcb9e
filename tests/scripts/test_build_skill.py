"""The generator: drift is exit 1 with a diff, every kind of error is exit 2 with a precise message."""

import subprocess
import sys
from pathlib import Path

import build_skill
import pytest

ROOT = Path(__file__).resolve().parents[2]
FRONTMATTER = (
    "---\nname: fastapi-async-patterns\n"
    "description: Teaches async FastAPI patterns. Use when writing async endpoints.\n---\n"
)
MODULE = """import os

# region handler
def handler() -> str:
    return "hello"
# endregion handler
"""


@pytest.fixture
def repo(tmp_path):
    (tmp_path / "snippets" / "topic").mkdir(parents=True)
    (tmp_path / "snippets" / "topic" / "demo.py").write_text(MODULE)
    (tmp_path / "references").mkdir()
    (tmp_path / "references" / "topic.md").write_text(
        "# Topic\n\n<!-- snippet: topic/demo.py#handler -->\n<!-- /snippet -->\n"
    )
    (tmp_path / "SKILL.md").write_text(FRONTMATTER + "\n# Skill\n\nSee [topic](references/topic.md).\n")
    assert build_skill.main(["--root", str(tmp_path)]) == 0
    return tmp_path


def run(repo, capsys, *args):
    code = build_skill.main(["--root", str(repo), *args])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_writes_region_with_module_path_and_no_markers(repo):
    page = (repo / "references" / "topic.md").read_text()
    assert '```python\n# snippets/topic/demo.py\ndef handler() -> str:\n    return "hello"\n```\n' in page
    assert "# region" not in page and "import os" not in page


def test_second_run_changes_nothing(repo, capsys):
    before = (repo / "references" / "topic.md").read_text()
    assert run(repo, capsys) == (0, "")
    assert (repo / "references" / "topic.md").read_text() == before


def test_whole_module_without_region_name(repo, capsys):
    (repo / "references" / "topic.md").write_text(
        "# Topic\n\n<!-- snippet: topic/demo.py -->\n<!-- /snippet -->\n"
    )
    assert run(repo, capsys)[0] == 0
    page = (repo / "references" / "topic.md").read_text()
    assert "import os\n\ndef handler()" in page and "endregion" not in page


def test_check_reports_drift_with_a_diff_and_exit_1(repo, capsys):
    module = repo / "snippets" / "topic" / "demo.py"
    module.write_text(module.read_text().replace('"hello"', '"changed"'))
    code, output = run(repo, capsys, "--check")
    assert code == 1
    assert '-    return "hello"' in output and '+    return "changed"' in output
    assert '"hello"' in (repo / "references" / "topic.md").read_text(), "--check must not write"


def test_check_sees_hand_edits_inside_a_generated_block(repo, capsys):
    page = repo / "references" / "topic.md"
    page.write_text(page.read_text().replace('"hello"', '"typed by hand"'))
    assert run(repo, capsys, "--check")[0] == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: (r / "snippets/topic/demo.py").unlink(), "no such file snippets/topic/demo.py"),
        (
            lambda r: (r / "snippets/topic/demo.py").write_text(MODULE.replace("handler", "other")),
            "region 'handler' not found in snippets/topic/demo.py",
        ),
        (
            lambda r: (r / "snippets/topic/demo.py").write_text(MODULE + MODULE.replace("import os\n", "")),
            "duplicate region 'handler'",
        ),
        (
            lambda r: (r / "snippets/topic/demo.py").write_text("# region handler\n\n# endregion handler\n"),
            "region 'handler' is empty",
        ),
        (
            lambda r: (r / "snippets/topic/demo.py").write_text("# region handler\nx = 1\n"),
            "region 'handler' is not closed",
        ),
        (
            lambda r: (r / "snippets/topic/demo.py").write_text("x = 1\n# endregion handler\n"),
            "'endregion handler' without a start",
        ),
        (
            lambda r: (r / "snippets/topic/extra.py").write_text("x = 1\n"),
            "snippets/topic/extra.py: snippet module is not referenced by any page",
        ),
        (
            lambda r: (r / "references/topic.md").write_text("# T\n\n[gone](missing.md)\n"),
            "references/topic.md: broken link 'missing.md'",
        ),
        (
            lambda r: (r / "SKILL.md").write_text(FRONTMATTER + "[x](references/topic.md#nowhere)\n"),
            "SKILL.md: broken link 'references/topic.md#nowhere'",
        ),
        (
            lambda r: (r / "references/topic.md").write_text("<!-- snippet: topic/demo.py#handler -->\n"),
            "references/topic.md: a snippet marker is malformed or has no end marker",
        ),
    ],
    ids=["missing-file", "missing-region", "duplicate", "empty", "unclosed", "stray-end", "orphan",
         "broken-link", "broken-anchor", "unclosed-block"],
)  # fmt: skip
def test_errors_exit_2_and_name_the_problem(repo, capsys, change, message):
    change(repo)
    code, output = run(repo, capsys, "--check")
    assert code == 2
    assert message in output


def test_deleting_a_referenced_regions_markers_names_the_region(repo, capsys):
    module = repo / "snippets/topic/demo.py"
    module.write_text(
        module.read_text().replace("# region handler\n", "").replace("# endregion handler\n", "")
    )
    code, output = run(repo, capsys, "--check")
    assert code == 2 and "region 'handler' not found" in output


NAMED = "---\nname: fastapi-async-patterns\n"
FRONTMATTER_CASES = [
    ("---\nname: other-name\ndescription: Does x. Use when y.\n---\n", "name must be"),
    (NAMED + "description: Does x. Use when y.\nversion: 1\n---\n", "not allowed: version"),
    (NAMED + "description: \n---\n", "1 to 1024"),
    (NAMED + "description: Does <b>x</b>. Use when y.\n---\n", "without '<'"),
    (NAMED + "description: " + "x" * 1025 + " when\n---\n", "1 to 1024"),
    (NAMED + "description: I help you write code. Use when y.\n---\n", "third person"),
    (NAMED + "description: Writes FastAPI code.\n---\n", "when to use"),
    ("# no frontmatter\n", "must start with YAML frontmatter"),
]  # fmt: skip


@pytest.mark.parametrize(("frontmatter", "message"), FRONTMATTER_CASES)
def test_skill_frontmatter_rules(repo, capsys, frontmatter, message):
    (repo / "SKILL.md").write_text(frontmatter + "\n[topic](references/topic.md)\n")
    code, output = run(repo, capsys, "--check")
    assert code == 2 and message in output


def test_allowed_optional_keys_pass(repo, capsys):
    text = FRONTMATTER.replace("---\n\n", "").replace(
        "\n---\n", "\nlicense: MIT\nmetadata:\n  a: b\n---\n", 1
    )
    (repo / "SKILL.md").write_text(text + "\n[topic](references/topic.md)\n")
    assert run(repo, capsys, "--check")[0] == 0


def test_skill_body_must_stay_under_500_lines(repo, capsys):
    (repo / "SKILL.md").write_text(FRONTMATTER + "line\n" * 500 + "[topic](references/topic.md)\n")
    code, output = run(repo, capsys, "--check")
    assert code == 2 and "keep it under 500" in output


def test_long_reference_needs_a_table_of_contents(repo, capsys):
    page = repo / "references" / "topic.md"
    body = "\n".join(
        ["# Topic", "", "<!-- snippet: topic/demo.py#handler -->", "<!-- /snippet -->"] + ["x"] * 100
    )
    page.write_text(body + "\n")
    code, output = run(repo, capsys, "--check")
    assert code == 2 and "Contents" in output
    page.write_text(body.replace("# Topic\n", "# Topic\n\n## Contents\n- [Topic](#topic)\n") + "\n")
    assert run(repo, capsys)[0] == 0


def test_references_must_not_nest(repo, capsys):
    (repo / "references" / "deeper").mkdir()
    (repo / "references" / "deeper" / "page.md").write_text("# Deep\n")
    code, output = run(repo, capsys, "--check")
    assert code == 2 and "directly in references/" in output


def test_repository_pages_are_in_sync():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_skill.py"), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
