"""Commands for pain-point topics: fit, update, drift, and topics list|show|rename|merge|painpoint."""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from rich.table import Table

from complaints.cells import terminal

from .shell import JsonOpt, LexOpt, LibraryOpt, app, friendly, lex_arg, library_of, out, print_json, progress_bar

topics_app = typer.Typer(help="Look at and curate the pain-point topics of the current model version.\n\n"
                              "Example: complaints topics list && complaints topics show 3", no_args_is_help=True)
app.add_typer(topics_app, name="topics")


@app.command()
@friendly
def fit(library: LibraryOpt = None,
        embedder: Annotated[str, typer.Option(help="lexical, e5, hybrid, st:PATH or hybrid:st:PATH.")] = "lexical",
        clustering: Annotated[str, typer.Option(help="hdbscan-eom (UMAP+HDBSCAN excess-of-mass clusters), hdbscan "
                                                     "(leaf clusters: finer, more outliers) or kmeans (large "
                                                     "libraries).")] = "hdbscan-eom",
        outliers: Annotated[str, typer.Option(help="Complaints the clustering leaves out: knn (join a topic only when "
                                                   "most of their nearest clustered complaints hold it), centroid "
                                                   "(every one to its nearest topic) or none.")] = "knn",
        form: Annotated[bool, typer.Option("--form/--no-form", help="Learn the ticket form (field labels, "
                                           "boilerplate) and leave it out of the topics.")] = True,
        min_topic_size: Annotated[Optional[int], typer.Option(help="Smallest topic (default scales with size).")] = None,
        n_topics: Annotated[Optional[int], typer.Option(help="Number of topics for --clustering kmeans.")] = None,
        seed: Annotated[int, typer.Option(help="Random seed (UMAP, clustering).")] = 42,
        sample: Annotated[Optional[bool], typer.Option(
            "--sample/--no-sample", help="Fit the topics on a stratified sample and place the rest in batches "
                                         "(default: automatically, past --sample-size complaints).")] = None,
        sample_size: Annotated[Optional[int], typer.Option(
            help="Complaints a full fit handles; larger libraries are sampled to this size (default 100,000).")] = None,
        lexicons: LexOpt = None, as_json: JsonOpt = False) -> None:
    """Fit pain-point topics on every complaint in the library, as a new model version.

    Topic ids are stable: a refit keeps the ids, labels and curation of topics it finds again.
    Past 100,000 complaints the topics are fitted on a stratified sample (by month, channel and
    pain point) and every other complaint is placed on them as `update` does, in batches on every core.

    Example: complaints fit --embedder lexical
    """
    from complaints.topics.fit import fit_library

    with progress_bar() as bar:
        task = bar.add_task("fit", total=None)

        def step(stage, done, total):
            bar.update(task, description=stage, completed=done, total=total or None)

        res = fit_library(library_of(library), embedder=embedder, clustering=clustering, min_topic_size=min_topic_size,
                          n_topics=n_topics, seed=seed, lexicons=lex_arg(lexicons), progress=step, outliers=outliers,
                          form=form, sample=sample, sample_size=sample_size)
    if as_json:
        print_json(res.to_dict())
        return
    if res.sampled:
        placed = ", ".join(f"{n:,} {_BULK.get(m, m)}" for m, n in res.bulk_methods.items())
        out.print(f"{res.n_docs:,} complaints: topics fitted on a stratified sample of {res.sample_size:,} "
                  f"(by month, channel and pain point); the other {res.n_docs - res.sample_size:,} placed on them "
                  f"as `complaints update` does ({placed})", highlight=False)
    out.print(f"model version {res.version}: {res.n_topics} topics on {res.n_docs:,} complaints "
              f"({res.outlier_share:.1%} unassigned, {res.placed_by_outlier_reduction:.1%} placed only by outlier "
              f"reduction) with embedder {res.embedder} in {res.seconds['total']:.0f}s; "
              f"{len(res.carried_topic_ids)} topics carried over, {len(res.new_topic_ids)} new", highlight=False)
    _print_painpoints(res.painpoints, res.n_docs)
    f = res.form
    out.print(f"learned ticket form: {f.get('fields', 0)} fields, {f.get('boilerplate', 0)} boilerplate sentences, "
              f"{f.get('words', 0)} form words, left out of the topics (see: complaints form show)", highlight=False)
    out.print("next: complaints topics list", highlight=False)


def _print_painpoints(pp: dict, n: int) -> None:
    """One line on the per-complaint pain points: how many uncertain, what supervision was used, nesting."""
    if not pp:
        return
    sup = pp.get("supervision", {})
    used = ", ".join(f"{k} {v:,}" for k, v in (("corrections", sup.get("corrections", 0)),
                                                ("re-mapped topics", sup.get("topic_curation", 0)),
                                                ("operator category", sup.get("operator_category", 0))) if v)
    moved = pp.get("left_topic_for_painpoint")
    out.print(f"pain points: {pp['uncertain']:,} of {n:,} uncertain (best guess kept)"
              + (f"; supervision: {used}" if used else "; zero-shot (no corrections or operator category)")
              + (f"; {moved:,} complaints left a topic of another pain point" if moved else "")
              + ("; pain-point model refitted, every complaint decided again" if pp.get("refit") else ""),
              highlight=False)


_BULK = {"centroid": "by topic centre", "neighbours": "by their nearest complaints",
         "outlier_reduction": "on the nearest topic", "unassigned": "unassigned", "no_content": "without content"}


@app.command()
@friendly
def update(library: LibraryOpt = None, lexicons: LexOpt = None,
           min_emerging_size: Annotated[Optional[int], typer.Option(
               help="Smallest group of new complaints that becomes an emerging topic (default: half the "
                    "fit's smallest topic, at least 10).")] = None,
           as_json: JsonOpt = False) -> None:
    """Place complaints ingested since the last fit or update, and surface emerging topics.

    Each new complaint joins its nearest stable topic when close enough, else stays unassigned;
    tight groups of unassigned ones, or groups that share a word new to the library (their
    signature), become emerging topics with new ids, in a new model version. Prints the drift:
    each topic's share now against the period before. Nothing new: nothing done (safe from cron;
    a second run at the same time is refused).

    Example: complaints ingest complaints 本周工单.csv && complaints update
    """
    from complaints.topics.update import update_library

    with progress_bar() as bar:
        task = bar.add_task("update", total=None)
        res = update_library(library_of(library), lexicons=lex_arg(lexicons), min_emerging_size=min_emerging_size,
                             progress=lambda stage, done, total: bar.update(task, description=stage, completed=done,
                                                                            total=total or None))
    if as_json:
        print_json(res.to_dict())
        return
    if res.nothing_new:
        out.print(f"nothing new since model version {res.parent_version}; nothing to do", highlight=False)
        return
    out.print(f"model version {res.version} (update of {res.parent_version}): {res.new_complaints:,} new complaints, "
              f"{res.assigned:,} to existing topics, {len(res.emerging)} emerging topics, {res.unassigned:,} "
              f"unassigned, {res.no_content:,} without content ({res.seconds['total']:.1f}s)", highlight=False)
    _print_painpoints(res.painpoints, res.painpoints.get("redecided", res.new_complaints))
    if res.emerging:
        from complaints.churn.linkbase import painpoint_names

        names = painpoint_names(lex_arg(lexicons))
        t = Table("id", "标签 label", "痛点 pain point", "规模 size", "新词 new word", "关键词 keywords",
                  title="新兴话题 emerging topics")
        for e in res.emerging:
            t.add_row(str(e["topic_id"]), terminal(e["label"]), terminal(names.get(e["painpoint"], (e["painpoint"],))[0]),
                      str(e["size"]), terminal(e["signature"] or "–"), terminal(" ".join(e["keywords"][:6])))
        out.print(t)
    _print_drift(res.drift)


def _print_drift(rows: list[dict], top: int = 10) -> None:
    if not rows:
        return
    dated = rows[0]["period_start"] is not None
    title = (f"drift {str(rows[0]['period_start'])[:10]}…{str(rows[0]['period_end'])[:10]} "
             f"vs the {str(rows[0]['prev_start'])[:10]}… period before (fastest growing first)") if dated else \
        ("topic shares of the new complaints — undated, so no period before to compare with "
         "(ingest them with their date column mapped for drift)")
    t = Table("id", "标签 label", "本期 now", "本期占比 share", "上期 before", "上期占比 share", "变化 change", title=title)
    for r in rows[:top]:
        share_prev = "" if r["share_prev"] is None else f"{r['share_prev']:.1%}"
        change = "" if r["change"] is None else f"{r['change'] * 100:+.1f} pp"
        t.add_row(str(r["topic_id"]), ("🆕 " if r["is_new"] else "") + terminal(r["label"]), str(r["n_now"]),
                  f"{r['share_now']:.1%}", str(r["n_prev"]) if dated else "", share_prev, change)
    out.print(t)


@app.command()
@friendly
def drift(library: LibraryOpt = None, version: Annotated[Optional[int], typer.Option(
        help="Model version (default: the latest update).")] = None,
          top: Annotated[int, typer.Option(help="Rows to show.")] = 15, as_json: JsonOpt = False) -> None:
    """Show an update's drift summary: topic shares now against the period before, new topics first seen.

    Example: complaints drift --top 10
    """
    from complaints.store import open_store
    from complaints.topics.drift import read_drift

    with open_store(library_of(library)) as s:
        rows = read_drift(s, version)
    if as_json:
        print_json(rows)
    elif not rows:
        out.print("no drift recorded yet: run `complaints update` after ingesting new complaints", highlight=False)
    else:
        _print_drift(rows, top)


@topics_app.command("list")
@friendly
def topics_list(library: LibraryOpt = None, version: Annotated[Optional[int], typer.Option(
                help="Model version (default: latest).")] = None, lexicons: LexOpt = None,
                as_json: JsonOpt = False) -> None:
    """List topics with label, pain point, size and keywords.

    Example: complaints topics list --json
    """
    from complaints.topics.curate import list_topics

    rows = list_topics(library_of(library), version, lex_arg(lexicons))
    if as_json:
        print_json(rows)
        return
    t = Table("id", "标签 label", "痛点 pain point", "规模 size", "关键词 keywords",
              title=f"话题 topics（模型版本 model version {rows[0]['version'] if rows else '-'}）")
    for r in rows:
        t.add_row(str(r["topic_id"]), terminal(r["label"]), terminal(r["painpoint_name"]), f"{r['size']:,}",
                  terminal(" ".join(r["keywords"][:8])))
    out.print(t)


@topics_app.command("show")
@friendly
def topics_show(topic_id: Annotated[int, typer.Argument(help="Stable topic id.")], library: LibraryOpt = None,
                version: Annotated[Optional[int], typer.Option(help="Model version (default: latest).")] = None,
                lexicons: LexOpt = None, as_json: JsonOpt = False) -> None:
    """Show one topic: keywords, pain point, department, size, lineage and example complaints (masked).

    Example: complaints topics show 3
    """
    from complaints.topics.curate import show_topic

    r = show_topic(library_of(library), topic_id, version, lex_arg(lexicons))
    if as_json:
        print_json(r)
        return
    T = terminal
    out.print(f"[bold]话题 topic {r['topic_id']}: {T(r['label'])}[/]  ({T(r['status'])}, 模型版本 model version "
              f"{r['version']})", highlight=False)
    if r.get("merged_into") is not None:
        label = f"（{T(r['merged_into_label'])}）" if r.get("merged_into_label") else ""
        out.print(f"已并入话题 {r['merged_into']}{label}：它的投诉现在算在该话题下，见 complaints topics show "
                  f"{r['merged_into']} (merged into topic {r['merged_into']})", highlight=False)
    out.print(f"痛点 pain point: {T(r['painpoint_name'])} ({T(r['painpoint'])}, score {r['painpoint_score']:.2f}) · "
              f"部门 department: {T(r['department'])} · 规模 size: {r['size']:,}", highlight=False)
    out.print("关键词 keywords: " + T(" ".join(r["keywords"])), highlight=False)
    out.print("多样关键词 diverse keywords: " + T(" ".join(r["keywords_diverse"])), highlight=False)
    if r["lineage"]:
        out.print("来源 lineage: " + ", ".join(f"{x['topic_id']}" + (f" ({x['share']:.0%})" if "share" in x else
                                                                     "（并入 merged）") for x in r["lineage"]),
                  highlight=False)
    if r.get("merged_from"):
        out.print("并入的话题 merged from: " + ", ".join(map(str, r["merged_from"])), highlight=False)
    for e in r["examples"]:
        out.print(f"  · [{T(e['complaint_id'])} {e['received_at'] or ''}] {T(e['text'][:160])}", highlight=False)


@topics_app.command("rename")
@friendly
def topics_rename(topic_id: Annotated[int, typer.Argument(help="Stable topic id.")],
                  label: Annotated[str, typer.Argument(help="New label.")], library: LibraryOpt = None) -> None:
    """Give a topic an analyst's label; it survives refits and updates.

    Example: complaints topics rename 3 携转授权码难获取
    """
    from complaints.topics.curate import rename_topic

    rename_topic(library_of(library), topic_id, label)
    out.print(f"话题 {topic_id} 的标签现在是 {terminal(label)!r} (topic {topic_id} is now labelled)", highlight=False)


@topics_app.command("merge")
@friendly
def topics_merge(target: Annotated[int, typer.Argument(help="Topic to keep.")],
                 sources: Annotated[list[int], typer.Argument(help="Topics to fold into it.")],
                 library: LibraryOpt = None) -> None:
    """Merge topics into the first one; later versions follow the merge.

    Example: complaints topics merge 3 7 12
    """
    from complaints.topics.curate import merge_topics

    size = merge_topics(library_of(library), target, sources)
    out.print(f"merged {', '.join(map(str, sources))} into topic {target} ({size:,} complaints)", highlight=False)


@topics_app.command("painpoint")
@friendly
def topics_painpoint(topic_id: Annotated[int, typer.Argument(help="Stable topic id.")],
                     painpoint: Annotated[str, typer.Argument(help="Pain point key or Chinese name.")],
                     library: LibraryOpt = None, lexicons: LexOpt = None) -> None:
    """Map a topic to a different pain point of lexicons/painpoints.yaml.

    Example: complaints topics painpoint 3 携号转网受阻
    """
    from complaints.topics.curate import set_painpoint

    from complaints.churn.linkbase import painpoint_names

    key = set_painpoint(library_of(library), topic_id, painpoint, lex_arg(lexicons))
    name, dept = painpoint_names(lex_arg(lexicons)).get(key, (key, ""))
    out.print(f"话题 {topic_id} → 痛点 {name}（{key}{'，' + dept if dept else ''}）"
              f" (topic {topic_id} → pain point {name})", highlight=False)
