"""The batch report as one self-contained HTML page: inline CSS, SVG and script, no external asset.

Every piece of user text (ids, answers, evidence, extra columns, rubric texts) goes through :func:`html.escape`;
the script reads only ``data-`` attributes, so no user text is ever inside it. The per-answer table sorts and
filters in the browser; its state is kept in the URL's hash (``#filter=needs-review&question=q1&sort=score``),
so a link opens the same view.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING

from mockint.batch.report_answers import AnswerEntry, cap_sentence, evidence_spans, evidence_text

if TYPE_CHECKING:
    from mockint.batch.report import ReportBuilder

__all__ = ["render_html"]

_e = html.escape

FILTERS = (
    ("needs-review", "needs review (any cause)"),
    ("disagree", "judge and checks disagree"),
    ("unverified", "unverified evidence"),
    ("fallback", "judge fallback"),
    ("unstable", "unstable judges"),
    ("near-pass", "score near the pass mark"),
)
SORTS = (
    ("input", "input order"),
    ("-need", "need of review"),
    ("score", "score, lowest first"),
    ("-score", "score, highest first"),
    ("id", "answer id"),
    ("question", "question"),
)


def render_html(report: ReportBuilder) -> str:
    """The page for ``report``."""
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(report.title)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{_e(report.title)}</h1>",
        *(f"<p>{_e(line)}</p>" for line in report._summary_lines()),
        "<h2>Score distribution</h2>",
        svg_histogram(report._histogram()),
        "<h2>Per question</h2>",
        table(
            ["question", "answers", "mean score"],
            [[qid, str(q.answers), f"{q.score_sum / q.answers:.2f}"] for qid, q in report._question_rows()],
            numeric=(1, 2),
        ),
    ]
    for question_id, question in report._question_rows():
        rows = []
        for criterion_id, (text, met, partial, missed) in question.criteria.items():
            total = met + partial + missed or 1
            rates = (met / total, partial / total, missed / total)
            rows.append(
                f"<tr><td>{_e(text)} ({_e(criterion_id)})</td>"
                + "".join(f'<td class="n">{rate:.0%}</td>' for rate in rates)
                + f"<td>{rate_bar(rates)}</td></tr>"
            )
        parts += [
            f"<h3>{_e(question_id)}: key points</h3>",
            '<table><thead><tr><th>key point</th><th class="n">met</th><th class="n">partial</th>'
            '<th class="n">missed</th><th class="bar">met · partial · missed</th></tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>",
        ]
    parts.append("<h2>Most frequent typical mistakes</h2>")
    mistakes = report._top_mistakes()
    if mistakes:
        parts.append(
            '<table><thead><tr><th>mistake</th><th>question</th><th class="n">answers</th><th class="n">rate</th>'
            '<th class="bar">rate</th></tr></thead><tbody>'
            + "".join(
                f'<tr><td>{_e(text)} ({_e(mid)})</td><td>{_e(qid)}</td><td class="n">{n}</td>'
                f'<td class="n">{rate:.0%}</td><td>{rate_bar((rate,), ("made",))}</td></tr>'
                for qid, mid, text, n, rate in mistakes
            )
            + "</tbody></table>"
        )
    else:
        parts.append("<p>No typical mistake was made.</p>")
    parts.append("<h2>Where the LLM and the deterministic checks disagree most</h2>")
    disagreements = report._top_disagreements()
    parts.append(
        table(
            ["answer", "question", "key points in disagreement", "score", "grader"],
            [
                [aid, qid, f"{n}: {', '.join(ids)}", f"{score:.2f}", grader]
                for n, _, aid, qid, ids, score, grader in disagreements
            ],
            numeric=(3,),
        )
        if disagreements
        else "<p>No disagreement (or no LLM judge).</p>"
    )
    if report._unverified:
        parts.append(
            f"<p>{report._unverified} judge verdicts quoted evidence not found in the answer (unverified).</p>"
        )
    parts.append("<h2>Fallbacks to deterministic grading</h2>")
    parts.append(
        table(
            ["reason", "answers", "example answers", "example message"],
            [[reason, str(f.count), ", ".join(f.ids), f.example] for reason, f in report._fallback_rows()],
            numeric=(1,),
        )
        if report._fallbacks
        else "<p>None.</p>"
    )
    if report._errors:
        parts.append("<h2>Input errors</h2>")
        parts.append(f"<p>{report._errors} lines could not be graded, e.g.:</p><ul>")
        parts += [f"<li>{_e(message)}</li>" for message in report._error_examples]
        parts.append("</ul>")
    parts.append("<h2>Tokens and cost</h2>")
    parts += [f"<p>{_e(line)}</p>" for line in report._usage_lines()]
    parts += answers_section(report)
    parts.append(f"<script>{_SCRIPT}</script></body></html>")
    return "\n".join(parts) + "\n"


def answers_section(report: ReportBuilder) -> list[str]:
    """The per-answer table with its controls."""
    entries = report.answers.entries()
    out = ['<h2 id="answers">Every answer</h2>']
    if not entries:
        return [*out, "<p>No graded answer.</p>"]
    out.append(f"<p>{_e(cap_sentence(len(entries), report.answers.seen))}</p>")
    columns: list[str] = []
    for entry in entries:
        for key, _ in entry.extra:
            if key not in columns:
                columns.append(key)
    calibrated = any(entry.calibrated is not None for entry in entries)
    questions = sorted({entry.question_id for entry in entries})
    graders = sorted({entry.grader for entry in entries})
    out.append(
        '<form class="controls" id="controls" onsubmit="return false">'
        + select("question", "Question", [("", "all"), *((q, q) for q in questions)])
        + select("grader", "Grader", [("", "all"), *((g, g) for g in graders)])
        + select("filter", "Show", [("", "all answers"), *FILTERS])
        + select("sort", "Sort by", list(SORTS))
        + '<button type="button" id="open-all">open shown</button>'
        + '<output id="shown"></output></form>'
    )
    head = [
        '<th data-sort="id">answer</th>',
        '<th data-sort="question">question</th>',
        *(f"<th>{_e(column)}</th>" for column in columns),
        '<th class="n" data-sort="score">score</th>',
        *(['<th class="n">calibrated</th>'] if calibrated else []),
        "<th>grader</th>",
        '<th data-sort="-need">needs review</th>',
    ]
    out.append(f'<table id="answers-table" class="answers"><thead><tr>{"".join(head)}</tr></thead>')
    texts = report._key_point_texts()
    for entry in entries:
        out.append(answer_rows(entry, columns, calibrated, len(head), texts.get(entry.question_id, {})))
    out.append("</table>")
    return out


def answer_rows(entry: AnswerEntry, columns: Sequence[str], calibrated: bool, width: int, texts: dict[str, str]) -> str:
    """One answer: a summary row and, folded under it, its key points beside its marked text."""
    extra = dict(entry.extra)
    cells = [
        f"<td>{_e(entry.id)}</td>",
        f"<td>{_e(entry.question_id)}</td>",
        *(f"<td>{_e(extra.get(column, ''))}</td>" for column in columns),
        f'<td class="n">{entry.score:.2f}</td>',
        *([f'<td class="n">{_score(entry.calibrated)}</td>'] if calibrated else []),
        f"<td>{_e(entry.grader)}</td>",
        "<td>"
        + "".join(
            f'<span class="flag" title="{_e(reason)}">{_e(flag)}</span>'
            for flag, reason in zip(entry.flags, entry.reasons, strict=True)
        )
        + "</td>",
    ]
    points = []
    for index, point in enumerate(entry.criteria, start=1):
        disagree = ' <span class="flag">judge and checks disagree</span>' if point.agree is False else ""
        evidence = f"<q>{_e(evidence_text(point))}</q>" if point.evidence else '<span class="none">no evidence</span>'
        points.append(
            f'<li class="{_e(point.verdict)}" value="{index}">{_e(texts.get(point.id, point.id))} '
            f'<span class="verdict">{_e(point.verdict)}</span>{disagree}<br>{evidence}</li>'
        )
    mistakes = "".join(
        f'<li class="made">{_e(mid)} <span class="verdict">mistake made</span>'
        + (f"<br><q>{_e(ev)}</q>" if ev else "")
        + "</li>"
        for mid, ev in entry.mistakes
    )
    made = f'<ul class="points">{mistakes}</ul>' if mistakes else ""
    stability = f"<p>stability {entry.stability:.2f}</p>" if entry.stability is not None else ""
    detail = (
        f'<tr class="detail"><td colspan="{width}"><details><summary>key points and answer</summary>'
        f'<div class="pair"><div><ol class="points">{"".join(points)}</ol>'
        f"{made}{stability}</div>"
        f'<blockquote class="text">{marked_html(entry)}</blockquote></div></details></td></tr>'
    )
    data = (
        f'data-seq="{entry.seq}" data-id="{_e(entry.id)}" data-question="{_e(entry.question_id)}" '
        f'data-grader="{_e(entry.grader)}" data-score="{entry.score:.4f}" data-need="{entry.need:.3f}" '
        f'data-flags="{" ".join(entry.flags)}"'
    )
    return f'<tbody class="answer" {data}><tr class="summary">{"".join(cells)}</tr>{detail}</tbody>'


def marked_html(entry: AnswerEntry) -> str:
    """The escaped answer text with each key point's evidence in ``<mark>``, numbered like the key points."""
    if entry.text is None:
        return '<span class="none">answer text not available (the answers file was not read again)</span>'
    text = entry.text
    out: list[str] = []
    position = 0
    for start, end, numbers in evidence_spans(text, entry.criteria):
        tag = ",".join(map(str, numbers))
        out.append(_e(text[position:start]))
        out.append(f'<mark title="key point {tag}">{_e(text[start:end])}</mark><sup>{tag}</sup>')
        position = end
    out.append(_e(text[position:]))
    if entry.text_cut:
        out.append(f'<span class="none"> … ({entry.text_cut:,} more characters)</span>')
    return "".join(out)


def _score(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def select(name: str, label: str, options: Sequence[tuple[str, str]]) -> str:
    """A labelled ``<select id="f-NAME">``."""
    items = "".join(f'<option value="{_e(value)}">{_e(text)}</option>' for value, text in options)
    return f'<label>{_e(label)} <select id="f-{name}" data-key="{name}">{items}</select></label>'


def rate_bar(rates: Sequence[float], classes: Sequence[str] = ("met", "partial", "missed")) -> str:
    """Rates (0..1) as one horizontal bar of coloured parts, each titled with its percentage."""
    parts = "".join(
        f'<span class="{name}" style="width:{rate * 100:.1f}%" title="{name} {rate:.0%}"></span>'
        for name, rate in zip(classes, rates, strict=True)
        if rate > 0
    )
    return f'<span class="rate">{parts}</span>'


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[int] = ()) -> str:
    """An escaped table; the ``numeric`` columns right-aligned."""
    head = "".join(
        f'<th class="n">{_e(h)}</th>' if i in numeric else f"<th>{_e(h)}</th>" for i, h in enumerate(headers)
    )
    body = "".join(
        "<tr>"
        + "".join(f'<td class="n">{_e(c)}</td>' if i in numeric else f"<td>{_e(c)}</td>" for i, c in enumerate(row))
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def svg_histogram(counts: Sequence[int]) -> str:
    """The score histogram as inline SVG, with labelled axes (score 0..1 across, answers up)."""
    from mockint.batch.report import BINS, _bin_label

    width, height, left, right, top, bottom = 640, 240, 56, 10, 20, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max(counts) or 1
    gap = 4
    bar = (plot_w - gap * (len(counts) + 1)) / len(counts)
    shapes = [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" class="axis"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" class="axis"/>',
    ]
    for tick in sorted({0, peak // 2, peak}):
        y = top + plot_h - plot_h * tick / peak
        shapes.append(
            f'<line x1="{left - 4}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{left - 7}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>'
        )
    for index in range(len(counts) + 1):
        x = left + gap / 2 + index * (bar + gap)
        shapes.append(f'<text x="{x:.1f}" y="{top + plot_h + 15}" text-anchor="middle">{index / BINS:.1f}</text>')
    for index, count in enumerate(counts):
        x = left + gap + index * (bar + gap)
        h = plot_h * count / peak
        y = top + plot_h - h
        shapes.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" class="bar">'
            f"<title>score {_bin_label(index)}: {count} answers</title></rect>"
            + (f'<text x="{x + bar / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle">{count}</text>' if count else "")
        )
    shapes.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 6}" text-anchor="middle" class="label">score</text>'
        f'<text x="14" y="{top + plot_h / 2:.1f}" text-anchor="middle" class="label" '
        f'transform="rotate(-90 14 {top + plot_h / 2:.1f})">answers</text>'
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="score histogram: answers per score band">{"".join(shapes)}</svg>'
    )


_CSS = (
    "body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:72em;color:#222;padding:0 1em}"
    "h1,h2,h3{line-height:1.2}h2{margin-top:1.6em;border-bottom:1px solid #ddd}"
    "table{border-collapse:collapse;margin:.5em 0 1em;width:100%}"
    "th,td{border:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}"
    "th{background:#f4f4f4}td.n,th.n{text-align:right;white-space:nowrap}th.bar{width:30%}"
    "svg text{font:11px system-ui,sans-serif;fill:#444}svg text.label{font-size:12px;fill:#222}"
    "rect.bar{fill:#4a7bd0}line.axis{stroke:#444}line.grid{stroke:#e4e4e4}"
    ".rate{display:flex;height:.9em;min-width:8em;background:#f0f0f0;border-radius:2px;overflow:hidden}"
    ".rate span{display:block;height:100%}.rate .met{background:#3c9a5f}.rate .partial{background:#e0b040}"
    ".rate .missed{background:#d05050}.rate .made{background:#b0573c}"
    ".controls{display:flex;flex-wrap:wrap;gap:.5em 1.2em;align-items:center;margin:.5em 0;padding:.5em;"
    "background:#f7f7f7;border:1px solid #ddd}"
    "table.answers th[data-sort]{cursor:pointer;text-decoration:underline dotted}"
    "tbody[hidden]{display:none}tr.detail>td{border-top:none;padding:0 .5em}"
    "summary{cursor:pointer;color:#555;font-size:.9em}"
    ".pair{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:1em;margin:.4em 0 .8em}"
    ".points{margin:0 0 .4em;padding-left:1.6em}.points li{margin-bottom:.4em}ul.points{list-style:none;padding:0}"
    "li.met .verdict{color:#2d7a49}li.partial .verdict{color:#9a7410}li.missed .verdict,li.made .verdict{color:#b03030}"
    ".verdict{font-weight:600}q{color:#333;background:#fff8d0}"
    "blockquote.text{align-self:start;margin:0;padding:.5em .8em;border-left:3px solid #ccc;white-space:pre-wrap;"
    "background:#fafafa}"
    "mark{background:#fff0a0}sup{color:#876;font-size:.75em}"
    ".flag{display:inline-block;margin:0 .3em .2em 0;padding:0 .4em;border-radius:.7em;background:#fde2d8;"
    "color:#8a2d10;font-size:.8em}.none{color:#888;font-style:italic}"
)

# Sorting and filtering of the per-answer table; the state lives in the URL's hash. Plain ES5, no library.
_SCRIPT = """
(function () {
  var table = document.getElementById('answers-table');
  if (!table) { return; }
  var rows = Array.prototype.slice.call(table.tBodies);
  var keys = ['question', 'grader', 'filter', 'sort'];
  var controls = {};
  keys.forEach(function (key) { controls[key] = document.getElementById('f-' + key); });
  var shown = document.getElementById('shown');
  function value(row, key) {
    if (key === 'score' || key === 'need' || key === 'seq') { return parseFloat(row.getAttribute('data-' + key)); }
    return row.getAttribute('data-' + key) || '';
  }
  function keep(row, question, grader, filter) {
    var flags = row.getAttribute('data-flags');
    if (question && row.getAttribute('data-question') !== question) { return false; }
    if (grader && row.getAttribute('data-grader') !== grader) { return false; }
    if (filter === 'needs-review') { return flags !== ''; }
    if (filter) { return (' ' + flags + ' ').indexOf(' ' + filter + ' ') >= 0; }
    return true;
  }
  function apply() {
    var sort = controls.sort.value || 'input';
    var descending = sort.charAt(0) === '-';
    var key = descending ? sort.slice(1) : sort;
    if (key === 'input') { key = 'seq'; }
    var ordered = rows.slice().sort(function (a, b) {
      var x = value(a, key), y = value(b, key);
      var order = x < y ? -1 : (x > y ? 1 : 0);
      return (descending ? -order : order) || value(a, 'seq') - value(b, 'seq');
    });
    var count = 0;
    ordered.forEach(function (row) {
      var ok = keep(row, controls.question.value, controls.grader.value, controls.filter.value);
      row.hidden = !ok;
      if (ok) { count += 1; }
      table.appendChild(row);
    });
    shown.textContent = count + ' of ' + rows.length + ' answers shown';
    table.setAttribute('data-shown', String(count));
    var hash = keys.filter(function (k) {
      return controls[k].value && !(k === 'sort' && controls[k].value === 'input');
    }).map(function (k) { return k + '=' + encodeURIComponent(controls[k].value); }).join('&');
    if (location.hash.slice(1) !== hash) {
      try { history.replaceState(null, '', hash ? '#' + hash : location.pathname + location.search); } catch (e) {}
    }
  }
  function fromHash() {
    location.hash.slice(1).split('&').forEach(function (pair) {
      var at = pair.indexOf('=');
      if (at < 0) { return; }
      var control = controls[pair.slice(0, at)];
      var wanted = decodeURIComponent(pair.slice(at + 1));
      if (!control) { return; }
      for (var i = 0; i < control.options.length; i += 1) {
        if (control.options[i].value === wanted) { control.value = wanted; }
      }
    });
  }
  keys.forEach(function (key) { controls[key].addEventListener('change', apply); });
  Array.prototype.forEach.call(table.tHead.querySelectorAll('th[data-sort]'), function (th) {
    th.addEventListener('click', function () {
      var sort = th.getAttribute('data-sort');
      var reverse = sort.charAt(0) === '-' ? sort.slice(1) : '-' + sort;
      var offered = Array.prototype.some.call(controls.sort.options, function (o) { return o.value === reverse; });
      // A second click on the same heading reverses the order, where that order is offered.
      controls.sort.value = controls.sort.value === sort && offered ? reverse : sort;
      apply();
    });
  });
  document.getElementById('open-all').addEventListener('click', function () {
    rows.forEach(function (row) { if (!row.hidden) { row.querySelector('details').open = true; } });
  });
  window.addEventListener('hashchange', function () { fromHash(); apply(); });
  fromHash();
  apply();
}());
"""
