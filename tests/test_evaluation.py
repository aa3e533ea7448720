"""The answer-quality suite: metrics on hand-computed examples, set parsing, runner, report, CLI.

All fast: the fake embedder or no model at all. The real-model gate is test_quality_gate.py.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.core.records import Document, Unit
from assistant.evaluation.baseline import (
    BaselineRetriever,
    baseline_item,
    contains_unit,
)
from assistant.evaluation.compare import flips
from assistant.evaluation.dataset import (
    DEFAULT_DOC,
    EvalItem,
    EvalSetError,
    check_gold,
    load_set,
    parse_set,
    parse_unit_ref,
    unit_ref,
)
from assistant.evaluation.gate import check_thresholds, thresholds_from
from assistant.evaluation.metrics import (
    citation_precision,
    citation_recall,
    compute_metrics,
    cross_lingual_agreement,
    summarize,
)
from assistant.evaluation.ranking import (
    first_hit_rank,
    hit_at_k,
    ndcg_at_k,
    percentile,
    recall_at_k,
    reciprocal_rank,
)
from assistant.evaluation.report import failure_reasons, write_report
from assistant.evaluation.run import evaluate, file_sha256
from assistant.evaluation.scoring import ItemResult, compact, point_covered
from assistant.index.embeddings import HashEmbedder

PAPER = DEFAULT_DOC


def result(id="q", lang="zh", kind="paraphrase", gold=("1",), passages=("1",), citations=("1",), refused=False,
           group=None, points=(), covered=(), latency=10.0, n_quotes=1, n_verbatim=1) -> ItemResult:
    return ItemResult(
        id=id, lang=lang, kind=kind, question=f"question {id}", gold=tuple(gold), passages=tuple(passages),
        citations=tuple(citations), refused=refused, answer="", latency_ms=latency,
        hit_rank=first_hit_rank(passages, gold), group=group, answer_points=tuple(points),
        points_covered=tuple(covered), n_quotes=n_quotes, n_verbatim=n_verbatim,
    )


def write_set(path: Path, records: list[object]) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    return path


def item(id: str, question: str, gold: list[str], lang: str = "zh", kind: str = "paraphrase", **extra) -> dict:
    return {"id": id, "lang": lang, "kind": kind, "question": question, "gold": gold,
            "answer_points": extra.pop("answer_points", []), "history": extra.pop("history", []), **extra}


# --- ranking metrics, by hand --------------------------------------------------------------


def test_hit_at_k_and_first_hit_rank():
    ranked = ["3", "16(e)", "7", "9", "12"]
    assert first_hit_rank(ranked, {"7"}) == 3
    assert first_hit_rank(ranked, {"99"}) is None
    assert hit_at_k(ranked, {"7"}, 1) == 0.0
    assert hit_at_k(ranked, {"7"}, 3) == 1.0
    assert hit_at_k(ranked, {"7", "3"}, 1) == 1.0


def test_reciprocal_rank_is_one_over_the_first_gold_rank():
    assert reciprocal_rank(["a", "b", "c"], {"c", "b"}) == 0.5
    assert reciprocal_rank(["a", "b"], {"z"}) == 0.0


def test_ndcg_binary_relevance_against_the_ideal_ordering():
    # gold a, b found at ranks 1 and 3: DCG = 1 + 1/log2(4) = 1.5; ideal = 1 + 1/log2(3)
    assert ndcg_at_k(["a", "x", "b"], {"a", "b"}, 5) == pytest.approx(1.5 / (1 + 1 / math.log2(3)))
    assert ndcg_at_k(["x", "a"], {"a"}, 5) == pytest.approx(1 / math.log2(3))
    # the ideal list is capped at k: seven gold units, all five slots gold -> 1.0
    assert ndcg_at_k(list("abcde"), set("abcdefg"), 5) == pytest.approx(1.0)
    assert ndcg_at_k(["a"], set(), 5) == 0.0


def test_recall_at_k_counts_every_gold_unit():
    assert recall_at_k(["a", "x", "b", "y", "z", "c"], {"a", "b", "c", "d"}, 5) == 0.5


def test_percentile_is_nearest_rank():
    assert percentile([40, 10, 30, 20], 50) == 20
    assert percentile([40, 10, 30, 20], 95) == 40
    assert percentile(list(range(1, 101)), 95) == 95
    assert percentile([], 50) is None


# --- answer metrics, by hand ----------------------------------------------------------------


def test_citation_precision_is_micro_over_answered_answerable_items():
    results = [
        result("a", gold=("1",), citations=("1", "2")),
        result("b", gold=("3",), citations=("3",)),
        result("c", gold=("4",), citations=("9",), refused=True),  # refused: not counted
        result("d", gold=(), citations=("5",)),  # unanswerable: not counted
    ]
    assert citation_precision(results) == pytest.approx(2 / 3)
    assert citation_precision([result("x", refused=True)]) is None


def test_citation_recall_counts_the_gold_units_cited_as_evidence():
    results = [
        result("a", gold=("18", "18(a)", "18(b)"), citations=("18", "18(a)")),
        result("b", gold=("3",), citations=("3", "4")),
        result("c", gold=("4",), citations=(), refused=True),  # refused: not counted
    ]
    assert citation_recall(results) == pytest.approx(3 / 4)
    assert citation_recall([result("x", refused=True)]) is None


def test_chinese_points_are_found_in_the_cited_text_after_t2s_and_without_spaces():
    cited = ["禁止向雇员收取\n征聘费", "其他段落"]
    assert point_covered("收取征聘費", "zh", cited, gold_cited=False)  # Traditional 費 -> 费
    assert point_covered("向 雇员", "zh", cited, gold_cited=False)
    assert not point_covered("承运人处罚", "zh", cited, gold_cited=True)


def test_points_in_other_languages_count_when_a_gold_unit_is_cited():
    assert point_covered("recruitment fees", "en", ["无关"], gold_cited=True)
    assert not point_covered("recruitment fees", "en", ["recruitment fees"], gold_cited=False)


def test_cross_lingual_agreement_pairs_items_of_different_languages_in_a_group():
    results = [
        result("zh1", lang="zh", group="g", passages=("5", "6")),
        result("zh2", lang="zh", group="g", passages=("5",)),
        result("en", lang="en", group="g", passages=("5", "1")),
        result("fr", lang="fr", group="g", passages=("7",)),
        result("solo", lang="es", group="alone", passages=("5",)),  # a one-language group has no pairs
    ]
    # pairs: zh1-en yes, zh2-en yes, zh1-fr no, zh2-fr no, en-fr no (zh1-zh2 is not cross-lingual)
    assert cross_lingual_agreement(results) == (pytest.approx(2 / 5), 5)
    assert cross_lingual_agreement(results, lambda r: r.lang == "fr") == (0.0, 3)
    assert cross_lingual_agreement([result("a")]) == (None, 0)


def test_summarize_splits_answerable_and_unanswerable_items():
    results = [
        result("a", gold=("1",), passages=("1", "2"), citations=("1",), points=("p", "q"), covered=(True, False), latency=10),
        result("b", gold=("2",), passages=("9", "2"), citations=("9",), points=("r",), covered=(True,), latency=20),
        result(
            "c",
            gold=("3",),
            passages=("3",),
            citations=(),
            refused=True,
            points=("s",),
            covered=(True,),
            latency=30,
            n_quotes=0,
            n_verbatim=0,
        ),
        result("u1", gold=(), passages=("4",), citations=(), refused=True, latency=40, n_quotes=0, n_verbatim=0),
        result("u2", gold=(), passages=("4",), citations=("4",), refused=False, latency=50),
    ]
    m = summarize(results)
    assert (m["n_items"], m["n_answerable"], m["n_unanswerable"]) == (5, 3, 2)
    assert m["hit@1"] == pytest.approx(2 / 3)
    assert m["hit@3"] == 1.0
    assert m["mrr"] == pytest.approx((1 + 0.5 + 1) / 3)
    assert m["citation_precision"] == pytest.approx(1 / 2)
    assert m["gold_citation_rate"] == pytest.approx(1 / 2)
    assert m["answer_point_coverage"] == pytest.approx(2 / 4)  # the refusal covers none of its points
    assert m["refusal_accuracy"] == 0.5
    assert m["false_refusal_rate"] == pytest.approx(1 / 3)
    assert m["verbatim_quote_rate"] == 1.0 and m["n_quotes"] == 3
    assert (m["latency_p50_ms"], m["latency_p95_ms"]) == (30, 50)


def test_a_slice_without_answerable_items_has_no_retrieval_metrics():
    m = summarize([result("u", gold=(), refused=True)])
    assert m["hit@5"] is None and m["mrr"] is None and m["refusal_accuracy"] == 1.0


def test_metrics_are_broken_down_per_kind_and_language():
    results = [result("a", kind="paraphrase", lang="zh"), result("b", kind="translation", lang="en", passages=("2",))]
    m = compute_metrics(results)
    assert set(m["by_kind"]) == {"paraphrase", "translation"}
    assert list(m["by_lang"]) == ["zh", "en"]
    assert m["by_lang"]["en"]["hit@1"] == 0.0 and m["overall"]["hit@1"] == 0.5


def test_thresholds_round_down_to_the_step_below_and_are_checked():
    overall = {"hit@1": 0.7719, "hit@5": 0.96, "mrr": 0.8417, "false_refusal_rate": 0.1179}
    t = thresholds_from(overall)
    assert t["min"] == {"hit@1": 0.76, "hit@5": 0.96, "mrr": 0.84}
    assert t["max"] == {"false_refusal_rate": 0.12}
    assert check_thresholds(overall, t) == []
    failures = check_thresholds({**overall, "mrr": 0.80, "false_refusal_rate": 0.2}, t)
    assert len(failures) == 2 and "mrr" in failures[0]


# --- the question set ------------------------------------------------------------------------


def test_set_lines_become_items_and_blank_lines_are_skipped(tmp_path):
    path = write_set(
        tmp_path / "s.jsonl",
        [
            item("a", "征聘费？", ["16(e)"], group="g"),
            "",
            item("b", "And then?", ["other-doc:s1.p2"], lang="en", kind="followup", history=["征聘费？"]),
        ],
    )
    a, b = load_set(path)
    assert (a.line, b.line) == (1, 3)
    assert a.group == "g" and b.history == ("征聘费？",)
    assert parse_unit_ref(a.gold[0]) == (PAPER, "16(e)")
    assert parse_unit_ref(b.gold[0]) == ("other-doc", "s1.p2")
    assert unit_ref("other-doc", "s1.p2") == "other-doc:s1.p2" and unit_ref(PAPER, "3") == "3"


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ('{"id": "x", "lang": "zh"', "line 2: invalid JSON"),
        (json.dumps({"id": "x", "lang": "zh", "kind": "k", "gold": []}), "line 2: missing key 'question'"),
        (json.dumps(item("x", "q", [], lang="de")), "line 2: unknown lang 'de'; valid values: zh, en"),
        (json.dumps(item("a", "q", [])), "line 2: id 'a' already used on line 1"),
        (json.dumps(item("x", "q", "16")), "line 2: 'gold' must be a list of strings"),
        ("[1, 2]", "line 2: expected a JSON object"),
    ],
)
def test_a_bad_set_line_is_named_with_its_problem(tmp_path, bad, message):
    path = write_set(tmp_path / "s.jsonl", [item("a", "q", []), bad])
    with pytest.raises(EvalSetError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_set(path)


def test_a_gold_unit_the_corpus_lacks_is_an_error_not_a_silent_miss(tmp_path):
    items = parse_set([json.dumps(item("a", "q", ["16(e)"])), json.dumps(item("b", "q", ["99"]))], "s.jsonl")
    with pytest.raises(EvalSetError, match="s.jsonl line 2: gold unit '99'"):
        check_gold(items, {(PAPER, "16(e)")}, "s.jsonl")


# --- the baseline ----------------------------------------------------------------------------


def test_a_chunk_contains_a_unit_with_30_consecutive_chars_or_half_a_short_unit():
    long_unit = "一" * 20 + "甲乙丙丁戊己庚辛壬癸" * 3 + "二" * 20  # 70 chars: the run is 30
    assert contains_unit(long_unit, "xx" + "甲乙丙丁戊己庚辛壬癸" * 3 + "yy")  # 30 in a row
    assert not contains_unit(long_unit, "甲乙丙丁戊己庚辛壬癸" * 2 + "甲乙丙丁戊己庚辛壬")  # 29
    assert contains_unit("ABCDEFGHIJ", "xxABCDEyy")  # half of a 10-char unit
    assert not contains_unit("ABCDEFGHIJ", "xxABCDyy")
    assert not contains_unit("", "anything")


def _tiny_corpus():
    units = (
        Unit("d", "1", "paragraph", "alpha beta gamma delta epsilon zeta eta theta"),
        Unit("d", "2", "paragraph", "recruitment fees charged to workers are prohibited"),
        Unit("d", "3", "paragraph", "carrier sanctions apply to commercial carriers"),
    )
    doc = Document("d", "Tiny", "en", "txt", units)
    raw = "\n\n".join(u.text for u in units)
    return doc, raw


def test_baseline_reads_ranked_chunks_up_to_the_same_character_budget():
    doc, raw = _tiny_corpus()
    retriever = BaselineRetriever.build([("d", raw)], [doc], HashEmbedder(), chunk_size=60, chunk_overlap=0)
    assert [sorted(c.units) for c in retriever.chunks] == [[("d", "1")], [("d", "2")], [("d", "3")]]
    ranked = retriever.rank("recruitment fees for workers")
    assert ranked[0] == 1
    n2 = len(compact(doc.units[1].text))
    assert retriever.units_within(ranked, n2) == {("d", "2")}
    # a budget that clips the second chunk to a few characters gives it no credit
    assert retriever.units_within(ranked, n2 + 5) == {("d", "2")}
    assert len(retriever.units_within(ranked, 10_000)) == 3


def test_baseline_item_scores_both_sides_on_the_same_budget_ladder():
    doc, raw = _tiny_corpus()
    retriever = BaselineRetriever.build([("d", raw)], [doc], HashEmbedder(), chunk_size=60, chunk_overlap=0)
    it = EvalItem("q", "en", "translation", "carrier sanctions", ("d:3",))
    ours = result("q", lang="en", gold=("d:3",), passages=("d:1", "d:3"))
    ours = ItemResult(**{**ours.__dict__, "passage_chars": (10, 10)})  # budgets 10 and 20: too few for a chunk
    scored = baseline_item(retriever, it, ours, k=2)
    assert scored.budgets == (10, 20)
    assert (scored.ours_rank, scored.baseline_rank) == (2, None)
    assert scored.topk_rank == 1 and scored.topk_recall == 1.0  # whole chunks, many more characters


# --- a whole run on the fake assistant ------------------------------------------------------------


@pytest.fixture
def small_set(tmp_path) -> Path:
    return write_set(
        tmp_path / "small.jsonl",
        [
            item("fees-zh", "禁止向雇员收取征聘费", ["16(e)"], answer_points=["征聘费"], group="fees"),
            item("fees-en", "recruitment fees <script>alert(1)</script>", ["16(e)"], lang="en", kind="translation", group="fees"),
            item("follow", "还有呢？", ["16(e)"], kind="followup", history=["征聘费"]),
            item("none", "2023年世界打击贩运人口行为日的主题是什么？", [], kind="unanswerable"),
        ],
    )


def test_a_run_goes_through_ask_and_every_quote_is_checked(fake_assistant, small_set):
    seen = []
    run = evaluate(fake_assistant, small_set, k=5, on_answer=lambda item, answer: seen.append(answer))
    assert len(seen) == 4
    for answer in seen:
        answer.validate()
    assert set(run) == {"config", "metrics", "results"}
    assert {"embedder", "k", "fusion", "answerability", "index", "set", "git_commit", "timestamp"} <= set(run["config"])
    assert run["config"]["set"]["sha256"] == file_sha256(small_set)
    first = run["results"][0]
    assert {"id", "lang", "kind", "question", "gold", "passages", "citations", "refused", "answer", "latency_ms", "hit_rank"} <= set(first)
    assert first["passages"][0] == "16(e)" and first["hit_rank"] == 1
    none = next(r for r in run["results"] if r["id"] == "none")
    assert none["refused"] and none["hit_rank"] is None
    overall = run["metrics"]["overall"]
    assert overall["verbatim_quote_rate"] == 1.0 and overall["validate_failures"] == 0
    assert overall["refusal_accuracy"] == 1.0
    json.dumps(run, ensure_ascii=False)  # the results document is plain JSON


def test_baseline_runs_on_the_raw_corpus_file(fake_assistant, small_set):
    run = evaluate(fake_assistant, small_set, k=5, baseline=True)
    base = run["baseline"]
    assert base["config"]["n_chunks"] > 10
    assert base["metrics"]["overall"]["ours"]["n"] == 3  # answerable items only
    for record in base["results"]:
        assert len(record["budgets"]) == 5 and record["budgets"] == sorted(record["budgets"])


def test_report_escapes_question_text_and_writes_charts(fake_assistant, small_set, tmp_path):
    run = evaluate(fake_assistant, small_set, k=5, baseline=True)
    paths = write_report(run, tmp_path / "report")
    names = {p.name for p in paths}
    assert {"report.md", "report.html", "metrics_overall.png", "metrics_by_kind.png", "metrics_by_lang.png", "baseline.png"} <= names
    for p in paths:
        assert p.stat().st_size > 0
    page = (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
    md = (tmp_path / "report" / "report.md").read_text(encoding="utf-8")
    if any(r["id"] == "fees-en" and failure_reasons(r) for r in run["results"]):
        assert "&lt;script&gt;" in page and "&lt;script&gt;" in md
    assert "<script>" not in page and "<script>" not in md


def test_failure_reasons_name_what_went_wrong():
    base = {"gold": ["1"], "passages": ["2"], "citations": [], "refused": True, "n_quotes": 0, "n_verbatim": 0}
    assert failure_reasons(base) == ["gold not retrieved", "refused"]
    assert failure_reasons({**base, "passages": ["1"], "refused": False, "citations": ["2"]}) == ["cites no gold unit"]
    assert failure_reasons({**base, "gold": [], "refused": False}) == ["answered an unanswerable question"]
    assert failure_reasons({**base, "passages": ["1"], "refused": False, "citations": ["1"]}) == []


def test_flips_are_reported_in_both_directions():
    a = {"results": [result("x", passages=("9",)).to_json(), result("y").to_json(), result("u", gold=(), refused=True).to_json()]}
    b = {"results": [result("x").to_json(), result("y", passages=("9",)).to_json(), result("u", gold=(), refused=False).to_json()]}
    got = {(f.id, f.what, f.direction) for f in flips(a, b)}
    assert got == {("x", "hit@5", "gained"), ("y", "hit@5", "lost"), ("u", "refusal", "lost")}


# --- the CLI ---------------------------------------------------------------------------------------


@pytest.fixture
def cli_env(monkeypatch, settings):
    monkeypatch.setenv("ASSISTANT_EMBEDDER", "fake")
    monkeypatch.setenv("ASSISTANT_CORPUS_DIR", str(settings.corpus_dir))
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(settings.index_dir))
    return settings


def test_cli_eval_names_the_bad_line(cli_env, tmp_path):
    from assistant.cli import app

    path = write_set(tmp_path / "bad.jsonl", [item("a", "q", []), '{"id": "b"'])
    outcome = CliRunner().invoke(app, ["eval", "--set", str(path)])
    assert outcome.exit_code != 0
    assert isinstance(outcome.exception, EvalSetError)
    assert "bad.jsonl line 2: invalid JSON" in str(outcome.exception)


def test_cli_eval_writes_results_and_report_then_compares(cli_env, small_set, tmp_path):
    from assistant.cli import app

    runner = CliRunner()
    out = runner.invoke(
        app, ["eval", "--set", str(small_set), "--output", str(tmp_path / "a.json"), "--report", str(tmp_path / "rep"), "--baseline"]
    )
    assert out.exit_code == 0, out.output
    assert (tmp_path / "rep" / "report.html").exists()
    a = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    assert "baseline" in a and len(a["results"]) == 4
    b = json.loads(json.dumps(a))
    b["results"][-1]["refused"] = False  # the unanswerable item now answered
    b["metrics"]["overall"]["refusal_accuracy"] = 0.0
    (tmp_path / "b.json").write_text(json.dumps(b), encoding="utf-8")
    cmp = runner.invoke(app, ["eval", "--compare", str(tmp_path / "a.json"), str(tmp_path / "b.json")])
    assert cmp.exit_code == 0, cmp.output
    assert "refusal_accuracy" in cmp.output and "-1.000" in cmp.output
    assert "worse in B: 1 items" in cmp.output and "none" in cmp.output


def test_the_added_document_set_cites_units_the_note_has():
    # evals/run_added.py runs it over the paper plus evals/added/ilo-fair-recruitment.md.
    from assistant.ingest.parse import read_document

    root = Path(__file__).resolve().parent.parent
    items = load_set(root / "evals" / "qa_added.jsonl")
    note = read_document(root / "evals" / "added" / "ilo-fair-recruitment.md", doc_id="ilo-fair-recruitment")
    cited = {parse_unit_ref(g) for it in items for g in it.gold}
    assert {u for d, u in cited if d == note.doc_id} <= set(note.unit_ids)
    assert {it.split for it in items} == {"dev", "test"} and any(not it.answerable for it in items)
