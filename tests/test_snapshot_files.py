"""Every picture under tests/__snapshots__/ belongs to a test that still takes it.

Run alone, syrupy fails a run that leaves a snapshot unused; on several workers (pytest-xdist, how
the suite runs) it cannot tell, so this test says it instead: a renamed or removed snapshot test
leaves no picture behind that nobody compares any more.
"""

from __future__ import annotations

from pathlib import Path

from conftest import COLLECTED

TESTS = Path(__file__).resolve().parent
SNAPSHOTS = TESTS / "__snapshots__"


def _collected_whole(config, module: Path) -> bool:
    """True when the run asked for the whole file (itself, or a folder holding it), so every
    test of it was collected; a run of one test of a file says nothing of its other pictures."""
    for arg in config.args:
        path, _, rest = str(arg).partition("::")
        if rest:
            continue
        for base in (config.invocation_params.dir, config.rootpath):
            target = (Path(base) / path).resolve()
            if target.exists():
                if target == module or target in module.parents:
                    return True
                break
    return False


def _snapshot_name(nodeid: str) -> str:
    """The file name syrupy gives a test's picture: the test's name with its parameters, less the
    characters a file name cannot hold."""
    name = nodeid.split("::", 1)[1]
    return "".join(c for c in name if c not in '\\/?*:|"<>')


def test_every_snapshot_picture_belongs_to_a_test(request):
    collected = request.config.stash.get(COLLECTED, [])
    orphans = []
    checked = 0
    for folder in sorted(p for p in SNAPSHOTS.iterdir() if p.is_dir()):
        module = TESTS / f"{folder.name}.py"
        if not _collected_whole(request.config, module):
            continue
        prefix = f"{module.relative_to(request.config.rootpath).as_posix()}::"
        names = {_snapshot_name(nodeid) for nodeid in collected if nodeid.startswith(prefix)}
        for picture in sorted(folder.glob("*.svg")):
            checked += 1
            stem = picture.stem
            base, dot, index = stem.rpartition(".")
            if stem not in names and not (dot and index.isdigit() and base in names):
                orphans.append(f"{folder.name}/{picture.name}")
    assert not orphans, (
        "pictures no test takes any more (remove them, or run that file with -n 0 --snapshot-update): "
        + ", ".join(orphans)
    )
    if _collected_whole(request.config, TESTS):  # the whole suite: its pictures were all checked
        assert checked == len(list(SNAPSHOTS.glob("*/*.svg"))) > 0
