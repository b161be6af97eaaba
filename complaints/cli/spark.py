"""Commands that run on Apache Spark (spark classify|features) and export-tables, their input."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .shell import (AsOfOpt, JsonOpt, LexOpt, LibraryOpt, MasterOpt, ModelVersionOpt, app, friendly, lex_arg,
                    library_of, out, print_json)

spark_app = typer.Typer(help="Run classify and churn features on Apache Spark (pip install 'complaints\\[spark]').\n\n"
                             "Example: complaints spark classify --input complaints.parquet --output out.parquet",
                        no_args_is_help=True)
app.add_typer(spark_app, name="spark")


def _spark(master: str):
    """(session, whether we started it): a command stops only a session it started."""
    from complaints.spark import spark_session
    from complaints.spark.session import require_pyspark

    require_pyspark()
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    return (active, False) if active is not None else (spark_session(None if master == "submit" else master), True)


@app.command("export-tables")
@friendly
def export_tables_cmd(out_dir: Annotated[Path, typer.Option("--out", help="Folder for the parquet files.")],
                      library: LibraryOpt = None, as_json: JsonOpt = False) -> None:
    """Export the library's tables (complaints, customers, port_events, assignments, topics,
    model_versions) as parquet, the input of `complaints spark features`. Texts are masked and
    customer keys hashed, as in the library.

    Example: complaints export-tables --out tables/ && complaints spark features --as-of 2026-06-30 --input-dir tables/ --out feats.parquet
    """
    from complaints.outputs import prepare_output
    from complaints.spark.export import export_tables

    prepare_output(out_dir, folder=True)
    counts = export_tables(library_of(library), out_dir)
    if as_json:
        print_json({"out": str(out_dir), "rows": counts})
        return
    out.print(f"wrote {', '.join(f'{t} ({n:,})' for t, n in counts.items())} to {out_dir}", highlight=False)


@spark_app.command("classify")
@friendly
def spark_classify_cmd(input_path: Annotated[str, typer.Option("--input", help="Parquet file or folder with a text column.")],
                       output: Annotated[str, typer.Option("--output", help="Parquet folder to write (overwritten).")],
                       master: MasterOpt = "local[2]",
                       artifact: Annotated[Optional[str], typer.Option(
                           help="The classify artifact folder (models/vN/classify); default: the library's current one.")] = None,
                       text_column: Annotated[str, typer.Option(help="The text column.")] = "text",
                       id_column: Annotated[str, typer.Option(
                           help="The id column kept in the output ('auto': complaint_id if present; '' for none).")] = "auto",
                       library: LibraryOpt = None, lexicons: LexOpt = None, as_json: JsonOpt = False) -> None:
    """Classify a parquet of complaints on Spark: masked text, status, stable topic, pain point,
    department, confidence (the same values as `complaints classify`). Text is masked inside the
    workers; other input columns are not copied to the output.

    Example: complaints spark classify --input complaints.parquet --output classified.parquet --master local[2]
    """
    from complaints.spark import classify_spark
    from complaints.topics.compact import current_folder

    folder = artifact or str(current_folder(library_of(library)))
    spark, started = _spark(master)
    try:
        df = classify_spark(spark.read.parquet(input_path), folder, text_col=text_column,
                            id_col=id_column or None, lexicons=lex_arg(lexicons))
        df.write.mode("overwrite").parquet(output)
        res = spark.read.parquet(output)
        info = {"output": output, "rows": res.count(),
                "status": {r["status"]: r["count"] for r in res.groupBy("status").count().collect()}}
    finally:
        if started:
            spark.stop()
    if as_json:
        print_json(info)
        return
    out.print(f"classified {info['rows']:,} complaints ({', '.join(f'{k} {v:,}' for k, v in sorted(info['status'].items()))}) "
              f"into {output}", highlight=False)


@spark_app.command("fit")
@friendly
def spark_fit_cmd(library: LibraryOpt = None, master: MasterOpt = "local[2]",
                  sample_size: Annotated[Optional[int], typer.Option(
                      help="Complaints the driver fits the topics on (a stratified sample; default 100,000).")] = None,
                  workdir: Annotated[Optional[Path], typer.Option(
                      help="Folder every executor can read, for the assignment state and the parquet the executors "
                           "write (default: the library's models/spark-fit).")] = None,
                  partitions: Annotated[Optional[int], typer.Option(help="Repartition the complaints to place.")] = None,
                  keep: Annotated[bool, typer.Option(help="Keep the exported input and the executors' parquet.")] = False,
                  embedder: Annotated[str, typer.Option(help="lexical (default) or another embedder spec.")] = "lexical",
                  clustering: Annotated[str, typer.Option(help="hdbscan-eom, hdbscan or kmeans.")] = "hdbscan-eom",
                  seed: Annotated[int, typer.Option(help="Random seed.")] = 42,
                  lexicons: LexOpt = None, as_json: JsonOpt = False) -> None:
    """Fit topics on a stratified sample on the driver and place every other complaint on Spark executors;
    the result is imported into the library as a new model version, the same as `complaints fit` writes.

    A library no larger than --sample-size is fitted on every complaint, locally.

    Example: complaints spark fit --master spark://host:7077 --workdir /shared/complaints-fit
    """
    from complaints.spark.fit import spark_bulk
    from complaints.topics.fit import fit_library

    lib = library_of(library)
    folder = workdir or lib.models_dir / "spark-fit"
    spark, started = _spark(master)
    try:
        res = fit_library(lib, embedder=embedder, clustering=clustering, seed=seed, lexicons=lex_arg(lexicons),
                          sample_size=sample_size,
                          bulk=spark_bulk(spark, lib, folder, lexicons=lex_arg(lexicons), partitions=partitions,
                                          keep=keep))
    finally:
        if started:
            spark.stop()
    if as_json:
        print_json(res.to_dict())
        return
    where = (f"topics fitted on a stratified sample of {res.sample_size:,} on the driver, the other "
             f"{res.n_docs - res.sample_size:,} placed on Spark executors") if res.sampled else \
        "the library is not larger than the sample size: fitted on every complaint on the driver"
    out.print(f"model version {res.version}: {res.n_topics} topics on {res.n_docs:,} complaints; {where} "
              f"({res.seconds['total']:.0f}s)", highlight=False)


@spark_app.command("features")
@friendly
def spark_features_cmd(as_of: AsOfOpt, input_dir: Annotated[str, typer.Option(
                           "--input-dir", help="Folder of parquet tables written by `complaints export-tables`.")],
                       out_path: Annotated[str, typer.Option("--out", help="Parquet folder to write (overwritten).")],
                       label_horizon: Annotated[Optional[int], typer.Option(
                           "--label-horizon", help="Add ported_out_within_Nd.")] = None,
                       model_version: ModelVersionOpt = None, master: MasterOpt = "local[2]",
                       lexicons: LexOpt = None, as_json: JsonOpt = False) -> None:
    """Point-in-time churn features on Spark: the same columns and values as `complaints features`.

    Example: complaints spark features --as-of 2026-06-30 --input-dir tables/ --out features.parquet --label-horizon 30
    """
    from complaints.churn.linkbase import expand_dates
    from complaints.spark import features_from_dir

    dates = expand_dates(as_of)
    spark, started = _spark(master)
    try:
        df = features_from_dir(spark, input_dir, dates, label_horizon=label_horizon,
                               model_version=model_version, lexicons=lex_arg(lexicons))
        df.write.mode("overwrite").parquet(out_path)
        rows = spark.read.parquet(out_path).count()
    finally:
        if started:
            spark.stop()
    info = {"out": out_path, "rows": rows, "as_of": [str(d) for d in dates], "columns": len(df.columns)}
    if as_json:
        print_json(info)
        return
    out.print(f"wrote {rows:,} rows ({len(dates)} as-of dates, {len(df.columns)} columns) to {out_path}", highlight=False)
