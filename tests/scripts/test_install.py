import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKILL = Path(".claude/skills/fastapi-async-patterns")


def install(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "install.py"), *args],
        env={**os.environ, "HOME": str(home)}, capture_output=True, text=True, check=True,
    )  # fmt: skip


def test_installs_reinstalls_and_uninstalls_into_home(tmp_path):
    target = tmp_path / SKILL
    install(tmp_path)
    assert (target / "SKILL.md").read_text() == (ROOT / "SKILL.md").read_text()
    assert (target / "references" / "async-vs-sync.md").is_file()
    assert (target / "snippets" / "async_vs_sync" / "handlers.py").is_file()
    assert (target / "scripts" / "check_async.py").is_file()
    assert not list(target.rglob("__pycache__"))

    (target / "references" / "stale.md").write_text("left from an old version")
    install(tmp_path)  # again: replaces the copy, drops stale files
    assert not (target / "references" / "stale.md").exists()
    assert [p.name for p in target.parent.iterdir()] == ["fastapi-async-patterns"]

    assert "removed" in install(tmp_path, "--uninstall").stdout
    assert not target.exists()
    assert "not installed" in install(tmp_path, "--uninstall").stdout
