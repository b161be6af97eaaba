"""The HTML page: one self-contained file (plotly.js inline, no CDN), Chinese fonts, contents, print styles."""

PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ report.title }} · {{ report.period_text }}</title>
<style>
:root { --ink: #1f2933; --muted: #61707f; --line: #d9e0e7; --accent: #0b6bcb; --soft: #f4f7fa; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1200px; padding: 24px 32px 64px; color: var(--ink); line-height: 1.55;
  font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei",
  "WenQuanYi Micro Hei", "Helvetica Neue", Arial, sans-serif; font-size: 14px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; border-bottom: 2px solid var(--accent); padding-bottom: 4px; margin-top: 40px; }
h3 { font-size: 15px; margin: 20px 0 6px; }
.meta, .note { color: var(--muted); font-size: 12.5px; }
.banner { background: #fff4e5; border: 1px solid #f0b45b; padding: 10px 14px; border-radius: 6px; margin: 16px 0; }
nav.toc { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 8px 20px; margin: 20px 0; }
nav.toc h2 { border: 0; margin: 8px 0; font-size: 16px; }
nav.toc a { color: var(--accent); text-decoration: none; }
ul.bullets li { margin: 3px 0; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 13px; margin: 6px 0 4px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; vertical-align: top; }
th { background: var(--soft); text-align: left; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.chart { border: 1px solid var(--line); border-radius: 6px; margin: 14px 0; padding: 4px; break-inside: avoid; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 14px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; break-inside: avoid; }
.card h3 { margin-top: 4px; }
.card dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 6px 0; font-size: 13px; }
.card dt { color: var(--muted); }
.card dd { margin: 0; }
ol.examples { padding-left: 20px; font-size: 13px; }
ol.examples li { margin: 4px 0; background: var(--soft); padding: 4px 8px; border-radius: 4px; }
footer { margin-top: 48px; color: var(--muted); font-size: 12px; }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  nav.toc { page-break-after: always; }
  section { page-break-before: always; }
  h2, h3 { page-break-after: avoid; }
  table, .card, .chart { page-break-inside: avoid; }
  .cards { display: block; }
  .card { margin-bottom: 10px; }
  a { color: inherit; text-decoration: none; }
  .modebar-container { display: none !important; }
}
</style>
<script type="text/javascript">{{ plotlyjs }}</script>
</head>
<body>
<header>
  <h1>{{ report.title }}</h1>
  <div class="meta">报告期 Period: <strong>{{ report.period_text }}</strong> · 生成时间 Generated: {{ report.generated_at }}
    · 投诉库 Library: {{ report.library }}</div>
</header>
{% if report.empty %}<div class="banner" id="no-data">本期没有投诉数据。No complaints were received in this period:
  the figures below are empty; data quality and method are shown for reference.</div>{% endif %}
<nav class="toc" id="toc"><h2>目录 Contents</h2><ol>
{% for s in report.sections %}  <li><a href="#{{ s.anchor }}">{{ s.title }}</a></li>
{% endfor %}</ol></nav>
{% for s in report.sections %}
<section id="{{ s.anchor }}">
<h2>{{ s.heading }}</h2>
{% if s.bullets %}<ul class="bullets">{% for b in s.bullets %}<li>{{ b }}</li>{% endfor %}</ul>{% endif %}
{% for t in tables[s.key] %}
<h3>{{ t.title }}</h3>
<div class="table-wrap"><table>
<thead><tr>{% for c in t.columns %}<th>{{ c }}</th>{% endfor %}</tr></thead>
<tbody>{% for row in t.rows %}<tr>{% for v, num in row %}<td{% if num %} class="num"{% endif %}>{{ v }}</td>{% endfor %}</tr>
{% endfor %}</tbody></table></div>
{% if t.note %}<div class="note">{{ t.note }}</div>{% endif %}
{% endfor %}
{% for div in charts[s.key] %}<div class="chart">{{ div }}</div>
{% endfor %}
{% if s.cards %}<div class="cards">{% for c in s.cards %}
<div class="card"><h3>{{ c.title }}</h3>
<dl>{% for k, v in c.facts.items() %}<dt>{{ k }}</dt><dd>{{ v }}</dd>{% endfor %}
{% for k, v in c.breakdowns.items() %}<dt>{{ k }}</dt><dd>{{ v }}</dd>{% endfor %}</dl>
{% if c.examples %}<ol class="examples">{% for e in c.examples %}<li>{{ e }}</li>{% endfor %}</ol>{% endif %}
</div>{% endfor %}</div>{% endif %}
</section>
{% endfor %}
<footer>complaints · 仅含脱敏文本 Only masked text appears in this report; customer identifiers are never shown.</footer>
</body>
</html>
"""
