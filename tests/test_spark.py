"""Spark scale-out (complaints.spark) in local[2]: classification and churn features equal the local
path's on the same generated library, no raw phone number reaches any Spark output, and the CLI."""

import datetime as dt
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app
from complaints.classify.topic_classifier import TopicClassifier
from complaints.churn.features import _types, build_features, feature_list
from complaints.topics.compact import current_folder
from complaints.topics.fit import fit_library

from .conftest import generated_library

if shutil.which("java") is None:
    pytest.skip("Spark needs Java (17) and `java` is not on PATH", allow_module_level=True)

from complaints.spark import (classify_spark, export_tables, features_from_dir, features_spark,  # noqa: E402
                              read_input_dir, spark_session)

runner = CliRunner()
DATES = [dt.date(2026, 3, 1), dt.date(2026, 7, 1)]
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


@pytest.fixture(scope="module")
def spark():
    s = spark_session("local[2]", app_name="complaints-tests")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    base = tmp_path_factory.mktemp("spark")
    data, lib = generated_library(base, n_customers=700, seed=5)
    fit_library(lib, embedder="lexical", clustering="kmeans", n_topics=20)
    raw = pd.read_csv(data / "complaints.csv", dtype=str, keep_default_na=False)
    tables = export_tables(lib, base / "tables")
    return {"base": base, "lib": lib, "raw": raw, "tables": base / "tables", "counts": tables}


@pytest.fixture(scope="module")
def classified(spark, demo):
    """Raw complaints (three empty texts first) through classify_spark, written as parquet once."""
    pdf = _raw_frame(demo)
    pdf.loc[:2, "text"] = ["", "   ", None]  # empty texts get a row with status 'empty'
    out = demo["base"] / "classified.parquet"
    classify_spark(spark.createDataFrame(pdf), current_folder(demo["lib"])).write.parquet(str(out))
    return pdf, out


@pytest.fixture(scope="module")
def spark_features(spark, demo):
    out = demo["base"] / "features.parquet"
    features_from_dir(spark, demo["tables"], DATES, label_horizon=30).write.parquet(str(out))
    return out


def _raw_frame(demo) -> pd.DataFrame:
    """Raw complaints as a platform would hold them: unmasked text, the caller's phone number column."""
    raw = demo["raw"]
    return pd.DataFrame({"complaint_id": raw["工单编号"], "text": raw["投诉内容"], "phone": raw["手机号码"]})


def _phones(demo) -> set[str]:
    raw = demo["raw"]
    found = set(MOBILE.findall(" ".join(raw["投诉内容"]))) | set(MOBILE.findall(" ".join(raw["手机号码"])))
    assert len(found) > 100, "the demo data should carry raw phone numbers for this test to mean anything"
    return found


def test_classify_parity_with_topic_classifier(demo, classified):
    pdf, path = classified
    got = pd.read_parquet(path)
    assert list(got.columns) == ["complaint_id", "text", "status", "topic_id", "topic_label", "painpoint",
                                 "painpoint_name", "department", "painpoint_status", "painpoint_confidence",
                                 "painpoint_source", "confidence", "similarity", "model_version"]
    got = got.set_index("complaint_id").loc[pdf["complaint_id"]]
    assert (got["status"].iloc[:3] == "empty").all()
    keep = pdf["text"].fillna("").str.strip() != ""
    ref = pd.DataFrame(TopicClassifier(demo["lib"], top_k=0, supervised=False).classify(pdf.loc[keep, "text"].tolist()))
    got = got[keep.values].reset_index()
    assert len(got) == len(ref) > 700
    assert (got["status"] == ref["status"]).all() and (ref["status"] == "assigned").mean() > 0.5
    assert got["topic_id"].astype("Int64").fillna(-99).tolist() == ref["topic_id"].astype("Int64").fillna(-99).tolist()
    assert got["painpoint"].tolist() == ref["painpoint"].tolist()
    assert got["painpoint_status"].tolist() == ref["painpoint_status"].tolist()
    assert got["topic_label"].fillna("").tolist() == ref["topic_label"].fillna("").tolist()
    assert got["department"].tolist() == ref["department"].tolist()
    assert (got["confidence"] - ref["confidence"]).abs().max() < 1e-6
    assert (got["similarity"] - ref["similarity"]).abs().max() < 1e-6
    assert [t[:120] for t in got["text"]] == [t[:120] for t in ref["text"].str.rstrip("…")]


def test_no_raw_phone_number_in_any_spark_output(demo, classified, spark_features):
    phones = _phones(demo)
    pdf, out = classified
    assert pdf["text"].str.contains(MOBILE).sum() > 20  # raw texts with phone numbers went in
    assert "phone" not in pd.read_parquet(out).columns
    assert pd.read_parquet(out)["text"].str.contains("<手机号>", regex=False).sum() > 20  # ... and came out masked
    for path in [out, spark_features, *demo["tables"].glob("*.parquet")]:
        frame = pd.read_parquet(path)
        strings = [frame[c].dropna().astype(str) for c in frame.columns
                   if frame[c].dtype == object or str(frame[c].dtype).startswith("str")]
        text = "\n".join(v for col in strings for v in col)
        assert not any(p in text for p in phones), f"{path.name} holds a raw phone number"
        if "text" in frame.columns:  # free text: no mobile number of any kind (hashes are hex, skip them)
            assert not frame["text"].dropna().str.contains(MOBILE).any(), path.name


def test_features_parity_with_duckdb(demo, spark_features):
    got = _types(pd.read_parquet(spark_features), feature_list(label_horizon=30))
    want = build_features(demo["lib"], DATES, label_horizon=30)
    assert len(want) > 1000 and want["complaints_90d"].sum() > 100 and want["ported_out_within_30d"].sum() > 0
    assert want["pp_porting_90d"].sum() > 0 and want["same_topic_repeats_90d"].sum() > 0
    got = got.sort_values(["as_of", "customer_key"]).reset_index(drop=True)
    want = want.sort_values(["as_of", "customer_key"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-12, atol=1e-12)


def test_features_spark_takes_dataframes_and_pins_a_version(spark, demo):
    t = read_input_dir(spark, demo["tables"])
    got = features_spark(t["complaints"], t["customers"], t["port_events"], "2026-07-01", t["assignments"],
                         t["topics"], model_version=1)
    assert got.columns == [f.name for f in feature_list()]  # planned, not run: the parity test runs it
    types = dict(got.dtypes)
    assert types["as_of"] == "date" and types["complaints_90d"] == "bigint" and types["ported_in"] == "boolean"


def test_cli_export_classify_features(spark, demo, tmp_path):
    lib = str(demo["lib"].root)
    r = runner.invoke(app, ["export-tables", "--out", str(tmp_path / "tables"), "--library", lib])
    assert r.exit_code == 0, r.output
    assert "complaints (" in r.output and (tmp_path / "tables" / "port_events.parquet").exists()

    src = tmp_path / "in.parquet"
    _raw_frame(demo).rename(columns={"text": "投诉内容"}).head(300).to_parquet(src)
    r = runner.invoke(app, ["spark", "classify", "--input", str(src), "--output", str(tmp_path / "c.parquet"),
                            "--text-column", "投诉内容", "--library", lib, "--master", "local[2]"])
    assert r.exit_code == 0, r.output
    assert "classified 300 complaints" in r.output
    c = pd.read_parquet(tmp_path / "c.parquet")
    assert len(c) == 300 and set(c["complaint_id"]) == set(demo["raw"]["工单编号"].head(300))
    assert not c["text"].str.contains(MOBILE).any()

    r = runner.invoke(app, ["spark", "features", "--as-of", "2026-07-01", "--input-dir", str(tmp_path / "tables"),
                            "--out", str(tmp_path / "f.parquet"), "--json"])
    assert r.exit_code == 0, r.output
    f = pd.read_parquet(tmp_path / "f.parquet")
    want = build_features(demo["lib"], "2026-07-01")
    assert f"\"rows\": {len(want)}" in r.output and len(f) == len(want)
    assert list(f.columns) == list(want.columns)
    merged = f.merge(want, on="customer_key", suffixes=("", "_w"))
    assert len(merged) == len(want) and (merged["complaints_180d"] == merged["complaints_180d_w"]).all()

    r = runner.invoke(app, ["spark", "features", "--as-of", "2026-07-01", "--input-dir", str(tmp_path / "nothing"),
                            "--out", str(tmp_path / "x.parquet")])
    assert r.exit_code == 2 and "export-tables" in r.output
    for cmd in (["spark", "classify"], ["spark", "features"], ["export-tables"]):
        h = runner.invoke(app, [*cmd, "--help"])
        assert h.exit_code == 0 and "Example: complaints" in h.output


# --- a real standalone cluster: master and worker JVMs, the job sent by spark-submit ------------------

def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, proc, log: Path, seconds: float = 90) -> None:
    import socket
    import time

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if proc.poll() is not None:
            pytest.fail(f"Spark daemon exited early:\n{log.read_text(errors='replace')[-2000:]}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    pytest.fail(f"Spark daemon did not open port {port}:\n{log.read_text(errors='replace')[-2000:]}")


@pytest.fixture(scope="module")
def standalone(tmp_path_factory):
    """A Spark standalone cluster on this machine: one master, one worker with its own executor JVM
    and Python workers, the way `spark://host:7077` runs in production."""
    import os
    import subprocess
    import sys
    import time

    bin_dir = Path(sys.executable).parent
    base = tmp_path_factory.mktemp("standalone")
    env = {**os.environ, "SPARK_LOCAL_IP": "127.0.0.1", "PYSPARK_PYTHON": sys.executable,
           "SPARK_WORKER_DIR": str(base / "work")}
    port = _free_port()
    url = f"spark://127.0.0.1:{port}"
    procs = []
    try:
        for name, args in [("master", ["org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                                       "--port", str(port), "--webui-port", str(_free_port())]),
                           ("worker", ["org.apache.spark.deploy.worker.Worker", url, "--host", "127.0.0.1",
                                       "--cores", "2", "--memory", "2g", "--webui-port", str(_free_port())])]:
            log = base / f"{name}.log"
            procs.append(subprocess.Popen([str(bin_dir / "spark-class"), *args], env=env, cwd=base,
                                          stdout=log.open("w"), stderr=subprocess.STDOUT))
            if name == "master":
                _wait_for_port(port, procs[0], log)
        deadline = time.monotonic() + 90  # the worker registers with the master
        while "Successfully registered with master" not in (base / "worker.log").read_text(errors="replace"):
            if time.monotonic() > deadline or procs[1].poll() is not None:
                pytest.fail("worker did not register:\n" + (base / "worker.log").read_text(errors="replace")[-2000:])
            time.sleep(0.5)
        yield {"url": url, "env": env, "base": base, "bin": bin_dir}
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()


def test_spark_submit_to_a_standalone_cluster(demo, standalone):
    """The README's cluster recipe, for real: `spark-submit --master spark://…` runs the CLI with
    `--master submit`; executors on the worker classify, and the result equals the local path's."""
    import subprocess

    base = standalone["base"]
    src = base / "in.parquet"
    _raw_frame(demo).head(400).to_parquet(src)
    out = base / "classified.parquet"
    cli = Path(__file__).resolve().parent.parent / "cli.py"
    r = subprocess.run([str(standalone["bin"] / "spark-submit"), "--master", standalone["url"],
                        "--conf", "spark.executor.memory=1g", "--conf", "spark.sql.shuffle.partitions=4",
                        str(cli), "spark", "classify", "--master", "submit", "--input", str(src),
                        "--output", str(out), "--library", str(demo["lib"].root)],
                       env=standalone["env"], cwd=base, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    assert "classified 400 complaints" in r.stdout
    apps = list((base / "work").glob("app-*/*/stderr"))
    assert apps, "no executor ran on the worker"  # the work really went to the cluster's executor
    pdf = _raw_frame(demo).head(400)
    pdf = pdf[pdf["text"].str.strip() != ""]  # empty texts come back with status 'empty', no topic
    got = pd.read_parquet(out).set_index("complaint_id").loc[pdf["complaint_id"]]
    ref = pd.DataFrame(TopicClassifier(demo["lib"], top_k=0, supervised=False).classify(pdf["text"].tolist()))
    assert len(got) == len(ref) > 350 and (got["status"].to_numpy() == ref["status"].to_numpy()).all()
    assert got["topic_id"].astype("Int64").fillna(-99).tolist() == ref["topic_id"].astype("Int64").fillna(-99).tolist()
    assert not got["text"].str.contains(MOBILE).any()

    # --master with the spark:// URL directly (no spark-submit): churn features on the same cluster
    r = subprocess.run([str(standalone["bin"] / "complaints"), "spark", "features", "--as-of", "2026-07-01",
                        "--input-dir", str(demo["tables"]), "--out", str(base / "f.parquet"),
                        "--master", standalone["url"]],
                       env=standalone["env"], cwd=base, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    f = pd.read_parquet(base / "f.parquet").sort_values("customer_key").reset_index(drop=True)
    want = build_features(demo["lib"], "2026-07-01").sort_values("customer_key").reset_index(drop=True)
    assert len(f) == len(want) and (f["complaints_180d"].to_numpy() == want["complaints_180d"].to_numpy()).all()


# --- the topic fit: sample on the driver, the rest placed on executors ------------------------------------

SPARK_FIT = {"embedder": "lexical", "clustering": "kmeans", "sample_size": 400}


def _version(lib, version: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    from complaints.store import open_store

    with open_store(lib) as s:
        a = s.query("SELECT complaint_id, topic_id, painpoint, confidence, method FROM assignments "
                    "WHERE version = ? ORDER BY complaint_id", [version])
        t = s.query("SELECT topic_id, label, keywords, keywords_diverse, painpoint, size, examples FROM topics "
                    "WHERE version = ? ORDER BY topic_id", [version])
    return a, t


def _same_fit(lib_a, lib_b, version: int) -> None:
    (a1, t1), (a2, t2) = _version(lib_a, version), _version(lib_b, version)
    placed = len(a1) - SPARK_FIT["sample_size"]  # outside the sample: placed by the bulk (locally or on Spark)
    assert len(a1) == len(a2) > 900 and a1["method"].isin(["centroid", "neighbours"]).sum() > placed / 2
    pd.testing.assert_frame_equal(a1.drop(columns="confidence"), a2.drop(columns="confidence"))
    assert (a1["confidence"] - a2["confidence"]).abs().max() < 1e-6
    pd.testing.assert_frame_equal(t1, t2)


def test_spark_fit_equals_the_local_sampled_fit(spark, tmp_path_factory):
    from complaints.spark.fit import spark_bulk

    base = tmp_path_factory.mktemp("sparkfit")
    local_lib = generated_library(base / "local", n_customers=700, seed=5, files=("complaints",))[1]
    spark_lib = generated_library(base / "spark", n_customers=700, seed=5, files=("complaints",))[1]
    local = fit_library(local_lib, **SPARK_FIT)
    remote = fit_library(spark_lib, bulk=spark_bulk(spark, spark_lib, base / "work", partitions=3), **SPARK_FIT)
    assert local.sampled and remote.sampled and remote.sample_size == 400
    assert remote.bulk_methods == local.bulk_methods
    _same_fit(local_lib, spark_lib, 1)
    assert not (base / "work" / "placed.parquet").exists()  # the executors' rows were imported, then removed


def test_cli_spark_fit_on_a_standalone_cluster(standalone, tmp_path_factory):
    """`spark-submit --master spark://…` runs `complaints spark fit`: executors on the worker place the
    complaints outside the sample, and the library gets the version the local path writes."""
    import subprocess

    base = tmp_path_factory.mktemp("clusterfit")
    lib = generated_library(base / "cluster", n_customers=700, seed=5, files=("complaints",))[1]
    ref = generated_library(base / "local", n_customers=700, seed=5, files=("complaints",))[1]
    apps = set(standalone["base"].glob("work/app-*"))
    cli = Path(__file__).resolve().parent.parent / "cli.py"
    r = subprocess.run([str(standalone["bin"] / "spark-submit"), "--master", standalone["url"],
                        "--conf", "spark.executor.memory=1g", str(cli), "spark", "fit", "--master", "submit",
                        "--library", str(lib.root), "--sample-size", "400", "--clustering", "kmeans",
                        "--workdir", str(base / "work"), "--keep"],
                       env=standalone["env"], cwd=standalone["base"], capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    assert "placed on Spark executors" in r.stdout
    new_apps = set(standalone["base"].glob("work/app-*")) - apps
    assert new_apps and any(new_apps.pop().glob("*/stderr")), "no executor ran on the worker"
    assert (base / "work" / "placed.parquet").exists()  # --keep: the rows the executors wrote
    fit_library(ref, **{k: v for k, v in SPARK_FIT.items()})
    _same_fit(ref, lib, 1)
