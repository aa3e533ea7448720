"""The `assistant` command: thin wrappers over the library; errors become plain messages."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, cast

import typer

from assistant.core.config import Settings
from assistant.core.errors import AssistantError

if TYPE_CHECKING:
    from assistant.core.records import Document

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)


def _settings() -> Settings:
    return Settings.from_env()


def _print_json(obj: object) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


# --- corpus commands -------------------------------------------------------------------


def _display_width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def _clip(text: str, width: int) -> str:
    """Cut to ``width`` terminal columns (CJK counts double), ending with '…' when cut."""
    import unicodedata

    text = " ".join(text.split())
    if _display_width(text) <= width:
        return text
    out, used = [], 0
    for c in text:
        w = 2 if unicodedata.east_asian_width(c) in ("W", "F") else 1
        if used + w > width - 1:
            break
        out.append(c)
        used += w
    return "".join(out) + "…"


def _pad(text: str, width: int) -> str:
    clipped = _clip(text, width)
    return clipped + " " * max(0, width - _display_width(clipped))


@app.command("add")
def add_command(
    paths: list[Path] = typer.Argument(..., help="Files to add (.txt .md .html .pdf .docx)."),
    lang: str | None = typer.Option(None, "--lang", help="Language of the files: zh, en, fr, es, ru or ar (detected if omitted)."),
    parallel_of: str | None = typer.Option(None, "--parallel-of", help="doc id of the document these files translate."),
    doc_id: str | None = typer.Option(None, "--doc-id", help="Id for the document (one file only); default: from the file name."),
    no_index: bool = typer.Option(False, "--no-index", help="Do not update the search index afterwards."),
    replace: str | None = typer.Option(
        None, "--replace", metavar="DOC", help="Put the one FILE in place of document DOC (same id and links)."
    ),
) -> None:
    """Add documents to the corpus (all or nothing), then bring the index up to date."""
    from assistant.core.errors import CorpusError, choice_error
    from assistant.core.records import LANGS
    from assistant.ingest.corpus import add_documents, replace_document

    if lang is not None and lang not in LANGS:
        raise choice_error("--lang", lang, LANGS)
    folders = [str(p) for p in paths if p.is_dir()]
    if folders:
        raise CorpusError(f"{folders[0]} is a directory; to add a library of files use `assistant ingest {folders[0]}`")
    settings = _settings()
    if replace is not None:
        if len(paths) != 1 or doc_id or parallel_of:
            raise CorpusError("--replace DOC takes exactly one FILE, and no --doc-id or --parallel-of (the document keeps its own)")
        docs = [replace_document(settings, replace, paths[0], lang=lang)]
    else:
        docs = add_documents(settings, paths, lang=lang, parallel_of=parallel_of, doc_id=doc_id)
    for doc in docs:
        extra = f"  (parallel of {doc.parallel_of})" if doc.parallel_of else ""
        typer.echo(f"{doc.doc_id}  {doc.title}  {doc.lang}  {len(doc.units)} units{extra}")
    if not no_index:
        from assistant.index.build import ensure_index

        ensure_index(settings)


@app.command("remove")
def remove_command(
    doc: str = typer.Argument(..., help="The doc id to remove (see `assistant paragraphs`)."),
    no_index: bool = typer.Option(False, "--no-index", help="Do not update the search index afterwards."),
) -> None:
    """Remove a document from the corpus, then rebuild the index without its units."""
    from assistant.ingest.corpus import remove_document

    settings = _settings()
    entry = remove_document(settings, doc)
    typer.echo(f"removed {entry.doc_id}  {entry.title or ''}")
    if not no_index:
        from assistant.index.build import ensure_index

        ensure_index(settings)


@app.command("ingest")
def ingest_command(
    paths: list[Path] = typer.Argument(..., help="Files and directories (walked for .txt .md .html .pdf .docx)."),
    lang: str | None = typer.Option(None, "--lang", help="Language of all the files (detected per file if omitted)."),
    batch: int = typer.Option(32, "--batch", min=1, help="Files parsed and embedded per batch (bounds memory)."),
    no_index: bool = typer.Option(False, "--no-index", help="Do not rebuild the search index afterwards."),
) -> None:
    """Add many documents: each file whole or not at all, with progress; rerun to resume."""
    from assistant.core.errors import choice_error
    from assistant.core.records import LANGS
    from assistant.ingest.bulk import ingest

    if lang is not None and lang not in LANGS:
        raise choice_error("--lang", lang, LANGS)
    settings = _settings()
    report = ingest(settings, paths, lang=lang, batch_files=batch, progress=None)
    typer.echo(
        f"added {len(report.added)} documents ({report.units} units), skipped {len(report.skipped)} already present, "
        f"rejected {len(report.rejected)}; embedded {report.embedded} passages (the rest came from the cache)"
    )
    for item in report.rejected:
        typer.secho(f"rejected: {item.reason}", fg=typer.colors.YELLOW, err=True)
    if not no_index and (report.added or report.skipped):
        from assistant.index.build import build_index, current_build, stale_reason
        from assistant.index.embeddings import make_embedder

        embedder = make_embedder(settings.embedder)
        if current_build(settings.index_dir) is None or stale_reason(settings, embedder) is not None:
            build_index(settings, embedder)  # every vector is in the cache by now
            typer.echo("index rebuilt")


def _unit_json(doc_id: str, unit: object | None, ocr: bool = False) -> dict[str, object] | None:
    if unit is None:
        return None
    out: dict[str, object] = {
        "doc": doc_id,
        "unit": unit.unit_id,  # type: ignore[attr-defined]
        "section": unit.section_path,  # type: ignore[attr-defined]
        "text": unit.text,  # type: ignore[attr-defined]
    }
    if ocr:
        out["ocr"] = True  # recognised from a scanned page: check it against the original
    return out


def _document_json(document: Document) -> dict[str, object]:
    meta = dict(document.meta)
    return {
        "doc": document.doc_id,
        "title": document.title,
        "lang": document.lang,
        "symbol": document.symbol,
        "date": meta.get("date"),
        "original_lang": meta.get("original_lang"),
        "agenda_item": meta.get("agenda_item"),
    }


@app.command("paragraphs")
def paragraphs_command(
    unit_id: str | None = typer.Argument(None, help="A paragraph id such as 16 or 16(e); omit to list all."),
    doc: str | None = typer.Option(None, "--doc", help="Only this document (default for an id: the shipped paper)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List the citable paragraphs, or show one with its heading path and neighbours."""
    import shutil

    from assistant.ingest.corpus import load_documents
    from assistant.ingest.lookup import find_unit, get_document, neighbours

    documents = load_documents(_settings())
    if unit_id is None:
        selected = [get_document(documents, doc)] if doc else documents
        rows = [(d.doc_id, u) for d in selected for u in d.units]
        ocr = {(d.doc_id, uid) for d in selected for uid in d.ocr_units}
        if as_json:
            _print_json([_unit_json(d, u, (d, u.unit_id) in ocr) for d, u in rows])
            return
        if doc:  # one document: its title and masthead first
            (document,) = selected
            typer.echo(" · ".join(p for p in (document.title, document.masthead()) if p))
        width = shutil.get_terminal_size((120, 24)).columns
        doc_w = min(max((len(d) for d, _ in rows), default=3), 28)
        unit_w = min(max((len(u.unit_id) for _, u in rows), default=4), 10)
        sec_w = 24
        text_w = max(30, width - doc_w - unit_w - sec_w - 6)
        for d, u in rows:
            section = u.section[-1] if u.section else ""
            text = ("[OCR] " if (d, u.unit_id) in ocr else "") + u.text
            typer.echo(f"{_pad(d, doc_w)}  {_pad(u.unit_id, unit_w)}  {_pad(section, sec_w)}  {_clip(text, text_w)}")
        return
    document, unit = find_unit(documents, unit_id, doc)
    prev, nxt = neighbours(document, unit)
    if as_json:
        payload = _unit_json(document.doc_id, unit, document.is_ocr(unit.unit_id)) or {}
        payload["document"] = _document_json(document)
        payload["previous"] = _unit_json(document.doc_id, prev)
        payload["next"] = _unit_json(document.doc_id, nxt)
        _print_json(payload)
        return
    width = shutil.get_terminal_size((120, 24)).columns
    typer.echo(f"{document.doc_id}  {unit.unit_id}  ({document.title})")
    if document.masthead():
        typer.echo(document.masthead())
    if document.is_ocr(unit.unit_id):
        typer.echo("OCR text: recognised from a scanned page; check it against the original")
    if unit.section:
        typer.echo(f"section: {unit.section_path}")
    typer.echo("")
    typer.echo(unit.text)
    typer.echo("")
    for label, other in (("previous", prev), ("next", nxt)):
        if other is not None:
            typer.echo(_clip(f"{label}: {other.unit_id}  {other.text}", width))


# --- index and question commands -------------------------------------------------------


@app.command("index")
def index_command(
    rebuild: bool = typer.Option(False, "--rebuild", help="Rebuild even if the index is up to date."),
    store: str | None = typer.Option(
        None, "--store", help="Where the vectors live: faiss or milvus (default: ASSISTANT_STORE, else faiss)."
    ),
    milvus_uri: str | None = typer.Option(None, "--milvus-uri", help="Milvus server URI (http://host:19530) or a milvus-lite .db file."),
) -> None:
    """Build the search index, or bring it up to date with the corpus."""
    from assistant.index.build import ensure_index

    settings = _settings()
    if store is not None:
        settings = settings.with_(store=store, milvus_uri=milvus_uri or settings.milvus_uri)
    loaded = ensure_index(settings, policy="always" if rebuild else "auto")
    m = loaded.manifest
    recall = f", recall@10 {m.recall_at_10:.3f} vs exact" if m.recall_at_10 is not None else ""
    typer.echo(f"index {loaded.path.name}: {m.n_units} units, {m.n_chunks} vectors, {m.embedder}, {m.faiss_type}{recall}")


def _open_assistant():
    from assistant.answering.service import Assistant

    return Assistant.open(_settings())


def _stream_answer(pieces) -> object:
    """Print the answer as it arrives (a language model's reply streams), then its sources."""
    from assistant.answering.extractive import Answer
    from assistant.core import i18n

    shown: list[str] = []
    answer = None
    for piece in pieces:
        if isinstance(piece, Answer):
            answer = piece
        else:
            shown.append(piece)
            sys.stdout.write(piece)
            sys.stdout.flush()
    assert answer is not None
    if "".join(shown) != answer.text:  # after a model failure the final answer is the extractive one
        typer.echo("")
        typer.echo(answer.text)
    typer.echo("")
    for notice in answer.notices:
        typer.secho(notice, fg=typer.colors.YELLOW, err=True)
    typer.secho(f"{i18n.text('excerpts', answer.lang)}:", bold=True)
    for p in answer.passages:
        typer.secho(f"[{i18n.cite_label(p.unit_id, answer.lang)}] {p.unit.section_path}", fg=typer.colors.CYAN)
        typer.echo(f"  {p.unit.text}")
    for u in answer.aligned:
        typer.secho(f"[{i18n.cite_label(u.unit_id, answer.lang)}] {i18n.text('in_your_language', answer.lang)}", fg=typer.colors.GREEN)
        typer.echo(f"  {u.text}")
    return answer


@app.command("ask")
def ask_command(
    question: str = typer.Argument(..., help="The question, in any of the six UN languages."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    k: int | None = typer.Option(None, "--k", min=1, max=100, help="How many passages to return."),
    doc: str | None = typer.Option(None, "--doc", help="Search only this document."),
    section: str | None = typer.Option(None, "--section", help="Search only sections whose heading path contains this."),
) -> None:
    """Answer one question with cited paragraphs."""
    from assistant.answering.service import answer_to_json

    assistant = _open_assistant()
    if as_json:
        _print_json(answer_to_json(assistant.ask(question, k=k, doc=doc, section=section)))
    else:
        _stream_answer(assistant.ask_stream(question, k=k, doc=doc, section=section))


@app.command("chat")
def chat_command() -> None:
    """A conversation in the terminal: follow-up questions refer to earlier ones. Ctrl-D ends it."""
    assistant = _open_assistant()
    history: list[str] = []
    while True:
        try:
            question = input("? ")
        except (EOFError, KeyboardInterrupt):
            typer.echo("")
            return
        if not question.strip():
            continue
        try:
            _stream_answer(assistant.ask_stream(question, history))
        except AssistantError as exc:
            typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
            continue
        typer.echo("")
        history.append(question)


def _check_output(fmt: str, output: Path | None) -> None:
    """Markdown and CSV may go to stdout; a DOCX never does (checked before any work)."""
    from assistant.core.errors import ConfigError

    if fmt == "docx" and output is None:
        raise ConfigError("--format docx writes a binary file: give --output FILE.docx")


def _emit(content: str | bytes, output: Path | None) -> None:
    from assistant.trainers.export import write

    if output is not None:
        write(content, output)
        typer.echo(f"wrote {output}", err=True)
    else:
        sys.stdout.write(content if isinstance(content, str) else "")


@app.command("brief")
def brief_command(
    topic: str = typer.Argument(..., help="The topic, in English or Chinese (e.g. 'recruitment fees', 边界管制)."),
    lang: str | None = typer.Option(None, "--lang", help="Language of the labels: zh or en (default: the topic's)."),
    fmt: str = typer.Option("md", "--format", help="md or docx."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write to this file (required for docx)."),
    doc: str | None = typer.Option(None, "--doc", help="Only this document."),
) -> None:
    """A trainer's brief on one topic: cited summary, paragraphs, discussion questions, resources."""
    from assistant.trainers.brief import check_brief_lang, make_brief
    from assistant.trainers.export import BRIEF_FORMATS, check_format, render_brief

    check_format(fmt, BRIEF_FORMATS)
    if lang is not None:
        check_brief_lang(lang)
    _check_output(fmt, output)
    brief = make_brief(_open_assistant(), topic, lang, doc=doc)
    _emit(render_brief(brief, fmt), output)


@app.command("quiz")
def quiz_command(
    topic: str | None = typer.Option(None, "--topic", help="Only paragraphs on this topic (default: the whole paper)."),
    n: int = typer.Option(10, "--n", min=1, max=50, help="How many items."),
    seed: int = typer.Option(0, "--seed", help="The same seed gives the same quiz."),
    fmt: str = typer.Option("md", "--format", help="md, docx or csv."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write to this file (required for docx)."),
    lang: str | None = typer.Option(None, "--lang", help="Language of the instructions: zh or en (default: the topic's)."),
    doc: str | None = typer.Option(None, "--doc", help="Quiz on this document (default: the shipped paper)."),
) -> None:
    """A quiz with an answer key (paragraph id and sentence for every item), made without a language model."""
    from assistant.core.errors import choice_error
    from assistant.trainers.export import QUIZ_FORMATS, check_format, render_quiz
    from assistant.trainers.quiz import QUIZ_LANGS, make_quiz

    check_format(fmt, QUIZ_FORMATS)
    if lang is not None and lang not in QUIZ_LANGS:
        raise choice_error("language", lang, QUIZ_LANGS)
    _check_output(fmt, output)
    quiz = make_quiz(_open_assistant(), topic, n=n, seed=seed, lang=lang, doc=doc)
    _emit(render_quiz(quiz, fmt), output)


@app.command("eval")
def eval_command(
    set_path: Path | None = typer.Option(None, "--set", help="Question set (JSONL, see evals/README.md)."),
    output: Path | None = typer.Option(None, "--output", help="Write results.json here."),
    report: Path | None = typer.Option(None, "--report", help="Write report.md, report.html and PNG charts in this directory."),
    k: int | None = typer.Option(None, "--k", min=1, max=100, help="Passages per question (default: the settings' k)."),
    baseline: bool = typer.Option(
        False, "--baseline", help="Also score the plain LangChain splitter + FAISS recipe at equal character budget."
    ),
    compare: tuple[Path, Path] | None = typer.Option(None, "--compare", help="Compare two results files A B instead of running."),
) -> None:
    """Run a question set through `ask` and score it, or compare two runs (--compare A.json B.json)."""
    from assistant.core.errors import ConfigError
    from assistant.evaluation.dataset import load_set
    from assistant.evaluation.run import evaluate, read_json, write_json

    if compare:
        _print_comparison(read_json(compare[0]), read_json(compare[1]), compare)
        return
    if set_path is None:
        raise ConfigError("give a question set with --set PATH (or two results files with --compare A.json B.json)")
    items = load_set(set_path)  # a bad line fails before the model loads
    typer.echo(f"{len(items)} questions from {set_path}", err=True)
    run = evaluate(_open_assistant(), set_path, k, baseline=baseline, progress=True)
    if output is not None:
        typer.echo(f"results: {write_json(run, output)}", err=True)
    if report is not None:
        from assistant.evaluation.report import write_report

        paths = write_report(run, report)
        typer.echo(f"report: {paths[0]} and {paths[1]}", err=True)
    _print_metrics(run)


def _print_metrics(run: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    from assistant.evaluation.report import RATE_METRICS, fmt, fmt_delta

    overall = run["metrics"]["overall"]
    table = Table(title=f"{overall['n_items']} questions ({overall['n_answerable']} answerable)")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, label, _ in RATE_METRICS:
        table.add_row(label, fmt(overall.get(key)))
    table.add_row("latency p50 / p95 ms", f"{fmt(overall.get('latency_p50_ms'), 0)} / {fmt(overall.get('latency_p95_ms'), 0)}")
    if run.get("baseline"):
        bm = run["baseline"]["metrics"]["overall"]
        for key in ("hit@1", "hit@5", "mrr"):
            ours, base = bm["ours"][key], bm["baseline"][key]
            table.add_row(f"{key} vs baseline (same chars)", f"{fmt(ours)} vs {fmt(base)} ({fmt_delta(ours - base)})")
    Console().print(table)


def _print_comparison(a: dict, b: dict, paths: tuple[Path, Path]) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    from assistant.evaluation.compare import flips, metric_deltas
    from assistant.evaluation.report import fmt, fmt_delta

    console = Console()
    table = Table(title=escape(f"A: {paths[0]}   B: {paths[1]}"))
    for name in ("metric", "A", "B", "B - A"):
        table.add_column(name, justify="left" if name == "metric" else "right")
    for name, va, vb, delta in metric_deltas(a, b):
        colour = "" if not delta else ("green" if (delta > 0) != name.startswith(("false_", "latency")) else "red")
        table.add_row(name, fmt(va), fmt(vb), f"[{colour}]{fmt_delta(delta)}[/]" if colour else fmt_delta(delta))
    console.print(table)
    changed = flips(a, b)
    for direction, title in (("gained", "better in B"), ("lost", "worse in B")):
        rows = [f for f in changed if f.direction == direction]
        flipped = Table(title=f"{title}: {len(rows)} items", show_lines=False)
        for name in ("id", "what", "question"):
            flipped.add_column(name)
        for f in rows:
            flipped.add_row(Text(f.id), f.what, Text(f.question))  # Text: a question is not markup
        console.print(flipped)


# --- feedback --------------------------------------------------------------------------------

feedback_app = typer.Typer(no_args_is_help=True, help="What delegates said about answers.")
app.add_typer(feedback_app, name="feedback")


def _day(value: str | None, option: str):
    from datetime import date

    from assistant.core.errors import ConfigError

    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{option} must be a date such as 2026-11-30, got {value!r}") from None


@feedback_app.command("list")
def feedback_list(
    rating: str | None = typer.Option(None, "--rating", help="helpful or not_helpful."),
    lang: str | None = typer.Option(None, "--lang", help="Only answers in this language."),
    since: str | None = typer.Option(None, "--since", help="From this day (YYYY-MM-DD, UTC)."),
    until: str | None = typer.Option(None, "--until", help="Up to this day, inclusive."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Rated answers, newest first."""
    from assistant.web.feedback import filter_feedback, read_feedback

    records = filter_feedback(
        read_feedback(_settings().feedback_path), rating=rating, lang=lang, since=_day(since, "--since"), until=_day(until, "--until")
    )
    if as_json:
        _print_json(records)
        return
    for r in records:
        typer.echo(
            f"{r.get('time')}  {r.get('rating')}  {r.get('lang')}"
            f"  {_clip(str(r.get('question', '')), 60)}  {', '.join(cast('list[str]', r.get('citations') or []))}"
        )


@feedback_app.command("export")
def feedback_export(
    to_eval: Path = typer.Option(..., "--to-eval", help="Write the 'not helpful' answers here as candidate eval items (JSONL)."),
    since: str | None = typer.Option(None, "--since", help="From this day (YYYY-MM-DD, UTC)."),
) -> None:
    """Candidate eval items from 'not helpful' feedback: check each, then append it to a set."""
    from assistant.core.fileio import write_atomic
    from assistant.evaluation.dataset import DEFAULT_DOC
    from assistant.web.feedback import eval_candidates, filter_feedback, read_feedback

    records = filter_feedback(read_feedback(_settings().feedback_path), since=_day(since, "--since"))
    items = eval_candidates(records, DEFAULT_DOC)
    to_eval.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(to_eval, "".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items).encode("utf-8"))
    typer.echo(f"wrote {len(items)} candidate items to {to_eval} (check gold and answer_points before adding them to a set)", err=True)


# --- accounts ------------------------------------------------------------------------------

users_app = typer.Typer(no_args_is_help=True, help="Accounts for the web chat and the HTTP API.")
app.add_typer(users_app, name="users")


def _user_store():
    from assistant.web.users import UserStore

    return UserStore(_settings().users_path)


@users_app.command("add")
def users_add(
    name: str = typer.Argument(..., help="Login name: lowercase letters, digits, '_' or '-'."),
    role: str = typer.Option(
        ..., "--role", help="reader (asks), trainer (also briefs and quizzes) or admin (also documents and feedback)."
    ),
    password: str = typer.Option(
        ..., "--password", prompt=True, hide_input=True, confirmation_prompt=True, help="Prompted for when omitted (at least 8 characters)."
    ),
) -> None:
    """Create an account. Once one exists, the web chat asks for a login and the API for a token."""
    from assistant.web.users import check_role

    check_role(role)
    user = _user_store().add(name, role, password)
    typer.echo(f"added {user.name} ({user.role})")


@users_app.command("list")
def users_list(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Every account with its role and how many API tokens it has (never the hashes)."""
    rows = [{"name": u.name, "role": u.role, "tokens": len(u.token_hashes), "created": u.created} for u in _user_store().load().users]
    if as_json:
        _print_json(rows)
        return
    if not rows:
        typer.echo("no users: the app serves localhost only, without login")
    for r in rows:
        typer.echo(f"{r['name']}  {r['role']}  {r['tokens']} token(s)  created {r['created']}")


@users_app.command("remove")
def users_remove(name: str = typer.Argument(..., help="The account to remove (its sessions and tokens stop working).")) -> None:
    """Remove an account."""
    _user_store().remove(name)
    typer.echo(f"removed {name}")


@users_app.command("token")
def users_token(name: str = typer.Argument(..., help="The account the token acts as.")) -> None:
    """Issue an API token (printed once; only its hash is stored). Send it as `Authorization: Bearer TOKEN`."""
    sys.stdout.write(_user_store().new_token(name) + "\n")


def main() -> None:
    try:
        app()
    except AssistantError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
