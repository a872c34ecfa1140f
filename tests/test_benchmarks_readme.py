"""benchmarks/README.md names every benchmark script by its real file name, and each script's
usage lines run that script: a renamed file left the README pointing at nothing."""

from __future__ import annotations

import re
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
README = (BENCHMARKS / "README.md").read_text("utf-8")
SCRIPTS = sorted(p.name for p in BENCHMARKS.glob("*.py") if not p.name.startswith("_"))


def test_the_readme_lists_every_benchmark_script_and_no_other() -> None:
    listed = set(re.findall(r"^\| `([\w.]+\.py)` \|", README, flags=re.M))
    assert listed == set(SCRIPTS)
    named = set(re.findall(r"benchmarks/([\w.]+\.py)", README)) | set(
        re.findall(r"`([\w.]+\.py)`", README)
    )
    assert named <= set(SCRIPTS), (
        f"the README names scripts that do not exist: {named - set(SCRIPTS)}"
    )


def test_each_script_says_how_to_run_itself() -> None:
    for name in SCRIPTS:
        text = (BENCHMARKS / name).read_text("utf-8")
        runs = set(re.findall(r"python benchmarks/([\w.]+\.py)", text))
        assert runs <= {name}, f"{name} tells you to run {runs - {name}}"
