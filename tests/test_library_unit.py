"""Issue 16 items 15-17: a library is one self-contained folder. A copy is independent of its
original, a moved library still works, a library without its hashing key refuses to take new data,
and a read-only library can be read. Real libraries, real CLI, real read-only mounts and users."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from .corpus import HEADER, ROOT, base_rows, cli, cli_ok, fitted_library, write_csv


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def inodes(folder: Path) -> dict[tuple[int, int], str]:
    return {(p.stat().st_dev, p.stat().st_ino): str(p) for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def world():
    """A fitted library in a folder other users can traverse (item 17 reads it as another user)."""
    root = Path(tempfile.mkdtemp(prefix="p16-unit-"))
    os.chmod(root, 0o755)
    lib = fitted_library(root)
    yield {"root": root, "lib": lib}
    shutil.rmtree(root, ignore_errors=True)


def classify_one(lib, text="家里宽带老是断网，光猫灯一直闪") -> dict:
    res = cli("classify", text, "--json", "--library", lib)
    assert res.exit_code == 0, f"exit {res.exit_code}: {res.output[-600:]} {res.exception!r}"
    return json.loads(res.output.splitlines()[-1])


# ---- item 15 ---------------------------------------------------------------------------------------------
def test_item15_curating_a_copy_leaves_the_original_byte_identical(world, tmp_path):
    original = world["lib"]
    copy = tmp_path / "copy"
    shutil.copytree(original, copy)
    before = snapshot(original)
    tid = classify_one(copy)["topic_id"]
    assert tid is not None, "the test text should land on a topic"
    cli_ok("topics", "rename", tid, "复制库里的新标签", "--library", copy)
    changed = sorted(k for k, v in snapshot(original).items() if before.get(k) != v)
    assert not changed, f"renaming a topic in a copy rewrote the original's {changed}"
    assert classify_one(copy)["topic_label"] == "复制库里的新标签", "the copy's own classify artifact was not updated"


def test_item15_update_in_a_copy_leaves_the_original_untouched_and_shares_no_file(world, tmp_path):
    original = world["lib"]
    copy = tmp_path / "copy"
    shutil.copytree(original, copy)
    before = snapshot(original)
    new = [[f"U{i:03d}", *r[1:]] for i, r in enumerate(base_rows(40, seed=9))]
    cli_ok("ingest", "complaints", write_csv(tmp_path / "new.csv", HEADER, new), "--library", copy)
    upd = cli("update", "--library", copy)
    assert upd.exit_code == 0, f"{upd.output[-600:]} {upd.exception!r}"
    changed = sorted(k for k, v in snapshot(original).items() if before.get(k) != v)
    assert not changed, f"an update in a copy changed the original's {changed}"
    shared = sorted(set(inodes(copy)) & set(inodes(original)))
    assert not shared, "the copy shares files (hard links) with the original: " + \
        ", ".join(inodes(copy)[s].replace(str(copy), "copy") for s in shared)


def test_item15_a_moved_library_still_classifies_and_curates(world):
    original = world["lib"]
    moved = original.with_name("moved-lib")
    os.rename(original, moved)
    try:
        first = classify_one(moved)
        assert first["status"] == "assigned", first
        cli_ok("topics", "rename", first["topic_id"], "搬家后的标签", "--library", moved)
        assert classify_one(moved)["topic_label"] == "搬家后的标签"
    finally:
        os.rename(moved, original)


def test_item15_no_stored_path_names_the_library_folder(world):
    """What makes a copy depend on its original: absolute paths into the library in its own files."""
    lib = world["lib"]
    import duckdb

    found = [str(p.relative_to(lib)) for p in lib.rglob("*.json") if str(lib) in p.read_text(encoding="utf-8")]
    con = duckdb.connect(str(lib / "library.duckdb"), read_only=True)
    try:
        dirs = [d for (d,) in con.execute("SELECT artifact_dir FROM model_versions").fetchall()]
    finally:
        con.close()
    found += [f"model_versions.artifact_dir={d}" for d in dirs if d and Path(d).is_absolute()]
    assert not found, found


# ---- item 16 ---------------------------------------------------------------------------------------------
@pytest.fixture
def small_library(tmp_path):
    lib = tmp_path / "lib"
    cli_ok("ingest", "complaints", write_csv(tmp_path / "first.csv", HEADER, base_rows(30)), "--library", lib)
    second = write_csv(tmp_path / "second.csv", HEADER, [[f"S{i}", *r[1:]] for i, r in enumerate(base_rows(10, seed=8))])
    return lib, second


def test_item16_missing_hash_key_with_data_in_the_library_is_refused(small_library):
    lib, second = small_library
    (lib / "config.json").unlink()
    res = cli("ingest", "complaints", second, "--library", lib)
    assert res.exit_code == 2 and "config.json" in res.output, f"exit {res.exit_code}: {res.output} {res.exception!r}"
    assert not (lib / "config.json").exists(), "a new hashing key was made silently"
    assert json.loads(cli_ok("stats", "--json", "--library", lib).output)["complaints"] == 30


@pytest.mark.parametrize("key", ["", "   "])
def test_item16_empty_hash_key_is_refused(small_library, key):
    lib, second = small_library
    cfg = json.loads((lib / "config.json").read_text(encoding="utf-8"))
    cfg["hash_key"] = key
    (lib / "config.json").write_text(json.dumps(cfg), encoding="utf-8")
    res = cli("ingest", "complaints", second, "--library", lib)
    assert res.exit_code == 2 and "config.json" in res.output, f"exit {res.exit_code}: {res.output} {res.exception!r}"


def test_item16_readme_says_to_back_up_the_hashing_key():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    near = re.search(r"(back(ing)?[ -]?up|备份)[^\n]{0,200}config\.json|config\.json[^\n]{0,200}(back(ed|ing)?[ -]?up|备份)",
                     readme, flags=re.IGNORECASE)
    assert near, "README: say to back up config.json (without it, new complaints no longer join their customers)"


# ---- item 17 ---------------------------------------------------------------------------------------------
def _can_unshare() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True, check=False)
    return probe.returncode == 0


def _env() -> dict:
    e = dict(os.environ)
    e["PYTHONPATH"] = str(ROOT) + os.pathsep + e.get("PYTHONPATH", "")
    e["HF_HUB_OFFLINE"] = "1"
    return e


def _readonly_runner(variant: str, lib: Path):
    """A function running the CLI against `lib` made read-only: by a read-only bind mount (what a read-only
    share looks like), or as a user with read access only (another analyst)."""
    if variant == "read-only mount":
        if not _can_unshare():
            pytest.skip("needs unshare -m (root or user namespaces)")
        script = 'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" "$1" && shift && exec "$@"'

        def run(*args):
            return subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", str(lib), sys.executable, "-m", "cli",
                                   *map(str, args), "--library", str(lib)], capture_output=True, env=_env(),
                                  cwd=ROOT, timeout=600, check=False)
        return run, lambda: None
    # read access only
    saved = {p: p.stat().st_mode for p in [lib, *lib.rglob("*")]}
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("needs setpriv to run as another user")
        prefix = ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups"]
    else:
        prefix = []
        for p, mode in saved.items():
            os.chmod(p, stat.S_IMODE(mode) & ~0o222)

    def run(*args):
        return subprocess.run([*prefix, sys.executable, "-m", "cli", *map(str, args), "--library", str(lib)],
                              capture_output=True, env=_env(), cwd=ROOT, timeout=600, check=False)

    def restore():
        for p, mode in saved.items():
            os.chmod(p, stat.S_IMODE(mode))
    return run, restore


@pytest.fixture(params=["read-only mount", "read access only"])
def readonly(request, world):
    out = Path(tempfile.mkdtemp(prefix="p16-out-"))
    os.chmod(out, 0o777)
    run, restore = _readonly_runner(request.param, world["lib"])
    before = snapshot(world["lib"])
    yield {"run": run, "out": out, "lib": world["lib"], "before": before}
    restore()
    shutil.rmtree(out, ignore_errors=True)


def test_item17_every_read_works_on_a_read_only_library(readonly):
    run, out = readonly["run"], readonly["out"]
    reads = [["stats", "--json"], ["topics", "list"], ["rejects"], ["drift"], ["classify", "家里宽带老是断网", "--json"],
             ["export", "--out", out / "export.csv"], ["report", "--out", out / "report"]]
    failed = {}
    for args in reads:
        p = run(*args)
        if p.returncode != 0:
            failed[" ".join(map(str, args[:2]))] = p.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
    assert not failed, failed
    assert snapshot(readonly["lib"]) == readonly["before"]


def test_item17_writes_to_a_read_only_library_say_it_is_read_only(readonly):
    run = readonly["run"]
    f = write_csv(readonly["out"] / "new.csv", HEADER, [[f"W{i}", *r[1:]] for i, r in enumerate(base_rows(5, seed=4))])
    os.chmod(f, 0o644)
    problems = {}
    for args in (["ingest", "complaints", f], ["topics", "rename", "1", "只读测试"], ["update"]):
        p = run(*args)
        err = p.stderr.decode("utf-8", "replace")
        ok = (p.returncode == 2 and "Traceback" not in err
              and ("read-only" in err.lower() or "read only" in err.lower() or "只读" in err))
        if not ok:
            problems[args[0] + (" " + args[1] if args[0] == "topics" else "")] = (p.returncode, err.strip().splitlines()[-1:])
    assert not problems, problems
    assert snapshot(readonly["lib"]) == readonly["before"]
