"""Install the skill into ~/.claude/skills/fastapi-async-patterns (or remove it with --uninstall).

For people who did not clone the repository straight into the skills folder. Copies what Claude
reads and may run: SKILL.md, references/, snippets/ and the scripts. Running it again replaces the
installed copy. Honours $HOME.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAME = "fastapi-async-patterns"
CONTENT = ["SKILL.md", "references", "snippets", "scripts"]
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc")


def target_dir() -> Path:
    return Path.home() / ".claude" / "skills" / NAME


def install(target: Path) -> None:
    if target.resolve() == ROOT:
        print(f"{target} is this checkout already; nothing to do")
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    # Build next to the target, then swap it in: a failed copy never leaves a half-installed skill.
    staging = Path(tempfile.mkdtemp(prefix=f".{NAME}-", dir=target.parent))
    try:
        for item in CONTENT:
            source = ROOT / item
            if source.is_dir():
                shutil.copytree(source, staging / item, ignore=IGNORE)
            else:
                shutil.copy2(source, staging / item)
        uninstall(target, quiet=True)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    print(f"installed {NAME} into {target}")


def uninstall(target: Path, quiet: bool = False) -> None:
    if target.resolve() == ROOT:
        raise SystemExit(f"refusing to delete {target}: it is this checkout")
    if target.is_symlink() or target.is_file():
        target.unlink()
    elif target.is_dir():
        shutil.rmtree(target)
    elif not quiet:
        print(f"{target} is not installed")
        return
    if not quiet:
        print(f"removed {target}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uninstall", action="store_true", help="remove the installed skill")
    args = parser.parse_args(argv)
    target = target_dir()
    if args.uninstall:
        uninstall(target)
    else:
        install(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
