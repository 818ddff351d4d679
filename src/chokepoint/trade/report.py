"""Reports of an assessment: plain text for a terminal, and one
self-contained HTML file (inline CSS, inline SVG route map, no scripts, no
external resources). Every text that comes from the order or the lists is
escaped in the HTML.
"""

from __future__ import annotations

import json
from functools import cache
from html import escape

from chokepoint.trade.assess import Assessment, Reason
from chokepoint.trade.goods import KEYWORD_CAVEAT, format_hs
from chokepoint.trade.reference import reference
from chokepoint.trade.routemap import MAP_CSS, route_map_svg
from chokepoint.trade.routes import Geography

LEVEL_COLOURS = {"clear": "#2e7d32", "review": "#f9a825", "escalate": "#ef6c00", "block": "#c62828"}


def render(assessment: Assessment, fmt: str) -> str:
    """The report in ``fmt`` (text, json or html)."""
    if fmt == "json":
        return json.dumps(assessment.to_json(), indent=2, ensure_ascii=False, default=str) + "\n"
    if fmt == "html":
        return render_html(assessment)
    if fmt == "text":
        return render_text(assessment)
    raise ValueError(f"unknown report format {fmt!r} (text, json or html)")


# --- shared wording ----------------------------------------------------------------


def source_text(source: dict) -> str:
    """``document, date, section [ref]``."""
    return f"{source['document']}, {source['date']}, {source['section']} [{source['ref']}]"


def party_line(p: dict) -> str:
    """One party of the evidence or of the party table, as text."""
    text = f"{p['role']} {p['name']}" + (f" ({p['country']})" if p.get("country") else "")
    if p.get("best_match"):
        m = p["best_match"]
        text += f": matches {m['name']} ({m['dataset']} {m['source_id']}, score {m['score']:.2f})"
    if p.get("address_match"):
        a = p["address_match"]
        text += f": address matches {a['name']} ({a['dataset']} {a['source_id']}) at {a['listed_address']!r}"
    if p.get("business_kind"):
        text += f" [{', '.join(p['business_kind'])}]"
    if p.get("state_enterprise_designator"):
        text += f" [designator {p['state_enterprise_designator']}]"
    if p.get("free_mail_domain"):
        text += f" [free mail {p['free_mail_domain']}]"
    return text


def line_line(line: dict) -> str:
    """One line of the evidence, as text."""
    code = f"HS {format_hs(line['hs_code'])}" if line.get("hs_code") else "no HS code"
    hits = "; ".join(f"{h['list']} {format_hs(h['code'])}" + (f" tier {h['tier']}" if h.get("tier") else "")
                     for h in line.get("hits", []) if h.get("match") != "partial")
    words = "; ".join(f"keyword {h['text']!r}" + (f" (CHPL tier {h['chpl_tier']})" if h.get("chpl_tier") else "")
                      for h in line.get("keyword_hits", []))
    text = f"{line['description']} ({code}" + (f", ECCN {line['eccn']}" if line.get("eccn") else "") + ")"
    if hits:
        text += f": {hits}"
    if words:
        text += f": {words} [weaker evidence]"
    return text


def stop_line(stop: dict) -> str:
    """One stop of the evidence, as text."""
    place = " ".join(x for x in (stop.get("place"), f"({stop['unlocode']})" if stop.get("unlocode") else None) if x)
    text = f"{stop['kind']} {stop['country']}" + (f" {place}" if place else "")
    return text + "".join(f"; {n}" for n in stop.get("notes", []))


def evidence_lines(reason: Reason) -> list[str]:
    """The evidence of a reason as readable lines."""
    ev = reason.evidence
    out = [f"party {p['index']}: {party_line(p)}" for p in ev.get("parties", [])]
    out += [f"line {l['index']}: {line_line(l)}" for l in ev.get("lines", [])]
    out += [f"stop {s['index']}: {stop_line(s)}" for s in ev.get("route", [])]
    out += [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in ev.get("facts", {}).items()]
    return out


# --- text ------------------------------------------------------------------------------


def render_text(a: Assessment) -> str:
    """The report an analyst reads in a terminal."""
    data = a.to_json()
    order = a.order
    out = [f"Order {order.id}" + (f" of {order.date.isoformat()}" if order.date else ""),
           f"LEVEL: {a.level.label.upper()}  ({len(a.reasons)} reason(s); rulesets "
           + ", ".join(f"{r['id']} {r['version']}" for r in data["rulesets"]) + ")", ""]
    out.append("REASONS")
    if not a.reasons:
        out.append("  none: no rule fired.")
    for r in a.reasons:
        out.append(f"  [{r.level.label.upper()}] {r.rule_id} ({r.ruleset})")
        out.append(f"    {r.summary}")
        out.append(f"    source: {source_text(r.source)}")
        if r.red_flag:
            out.append(f"    red flag: {r.red_flag['id']}")
        out.extend(f"    - {e}" for e in evidence_lines(r))
    out += ["", "PARTIES"]
    for p in data["parties"]:
        out.append(f"  {p['index']}. {p['role']:<22} {p['name']}" + (f" ({p['country']})" if p["country"] else "")
                   + f"  {p['status'].upper()}" + (f"  [{', '.join(p['business_kind'])}]" if p["business_kind"] else ""))
        for m in p["matches"]:
            out.append(f"       match {m['score']:.2f} {m['name']} ({m['dataset']} {m['source_id']}; "
                       f"{', '.join(m['programs']) or '-'})")
        for m in p["address_matches"]:
            out.append(f"       address {m['score']:.2f} = {m['name']} ({m['dataset']} {m['source_id']}): "
                       f"{m['listed_address']}")
        if p.get("error"):
            out.append(f"       error: {p['error']}")
    out += ["", "GOODS"]
    for line in data["lines"]:
        code = format_hs(line["hs_code"]) if line["hs_code"] else "no HS code"
        flags = []
        if line["uav_commodity"]:
            flags.append(f"UAV commodity ({'HS code' if line['uav_basis'] == 'hs_code' else 'keyword, weaker'})")
        if line["eccn"]:
            flags.append(f"ECCN {line['eccn']}")
        out.append(f"  {line['index']}. {code:<16} {line['description']}" + (f"  [{'; '.join(flags)}]" if flags else ""))
        out.extend(f"       {h['explanation']}" for h in line["hits"])
        out.extend(f"       {h['explanation']}" for h in line["keyword_hits"])
    out += ["", "ROUTE"]
    if not data["route"]:
        out.append("  no route given")
    for s in data["route"]:
        mark = "!" if s["risky"] else " "
        out.append(f" {mark}{s['index']}. {s['kind']:<13} {s['country']} "
                   + " ".join(x for x in (s["place"], f"({s['unlocode']})" if s["unlocode"] else None) if x))
        out.extend(f"       {n}" for n in s["notes"])
    pay = data["payment"]
    out += ["", "PAYMENT",
            f"  payer: {pay['payer'] or '-'} ({pay['payer_country'] or '-'}); method: {pay['method'] or '-'}; "
            f"third country: {'yes' if pay['third_country'] else 'no'}",
            f"  end use: {order.end_use or '-'}; end-use statement: {order.end_use_statement or '-'}", "",
            "LISTS AND METHOD",
            f"  screening: {data['screening']['algorithm']} {data['screening']['version']}, threshold "
            f"{data['screening']['threshold']}"]
    for v in data["lists"]:
        out.append(f"  {v.get('id')}" + (f" (published {v['published']})" if v.get("published") else ""))
    out.append(f"  assessed at {data['assessed_at']}")
    return "\n".join(out) + "\n"


# --- HTML ------------------------------------------------------------------------------

CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1080px;color:#263238;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #cfd8dc;padding-bottom:4px}
.badge{display:inline-block;padding:3px 12px;border-radius:12px;color:#fff;font-weight:bold;text-transform:uppercase;font-size:13px}
table{border-collapse:collapse;width:100%;margin:6px 0}th,td{border-bottom:1px solid #eceff1;padding:5px 7px;text-align:left;vertical-align:top}
th{background:#f5f7f8;font-weight:600}.muted{color:#607d8b}.small{font-size:12px}
.reason{border-left:5px solid #90a4ae;padding:6px 12px;margin:10px 0;background:#fafbfc}
.reason h3{margin:0 0 4px;font-size:15px}.reason ul{margin:4px 0 0 18px;padding:0}
.weak{color:#8d6e63;font-style:italic}.risky{color:#c62828;font-weight:600}
code{background:#eceff1;padding:0 3px;border-radius:3px}
"""


def _e(value: object) -> str:
    """Escaped text ('-' for nothing)."""
    return escape(str(value)) if value not in (None, "", []) else "-"


def _badge(level: str) -> str:
    return f'<span class="badge" style="background:{LEVEL_COLOURS[level]}">{escape(level)}</span>'


def _reason_html(r: Reason) -> str:
    colour = LEVEL_COLOURS[r.level.label]
    items = "".join(f"<li>{escape(e)}</li>" for e in evidence_lines(r))
    flag = f'<div class="small">red flag: <code>{escape(r.red_flag["id"])}</code> {escape(r.red_flag["summary"])}</div>' \
        if r.red_flag else ""
    note = f'<div class="small muted">{escape(r.note)}</div>' if r.note else ""
    return (f'<div class="reason" style="border-left-color:{colour}"><h3>{_badge(r.level.label)} '
            f'<code>{escape(r.rule_id)}</code> <span class="muted small">{escape(r.ruleset)}</span></h3>'
            f'<div>{escape(r.summary)}</div><div class="small">source: {escape(source_text(r.source))}</div>'
            f'{flag}{note}<ul>{items}</ul></div>')


def _parties_html(parties: list[dict]) -> str:
    rows = []
    for p in parties:
        hits = "".join(f"<div>{m['score']:.2f} {_e(m['name'])} <span class='muted'>({_e(m['dataset'])} "
                       f"{_e(m['source_id'])}; {_e(', '.join(m['programs']))})</span></div>" for m in p["matches"])
        hits += "".join(f"<div>address {m['score']:.2f}: {_e(m['name'])} <span class='muted'>({_e(m['dataset'])} "
                        f"{_e(m['source_id'])})</span> {_e(m['listed_address'])}</div>" for m in p["address_matches"])
        status = f'<span class="risky">{_e(p["status"])}</span>' if p["status"] != "clear" else _e(p["status"])
        rows.append(f"<tr><td>{p['index']}</td><td>{_e(p['role'])}</td><td>{_e(p['name'])}<div class='small muted'>"
                    f"{_e(p['address'])}</div></td><td>{_e(p['country'])}</td><td>{_e(', '.join(p['business_kind']))}"
                    f"</td><td>{status}</td><td>{hits or '-'}</td></tr>")
    return ("<table><tr><th>#</th><th>role</th><th>name</th><th>country</th><th>business</th><th>screening</th>"
            "<th>list hits</th></tr>" + "".join(rows) + "</table>")


def _lines_html(lines: list[dict]) -> str:
    rows = []
    for line in lines:
        entries = "".join(f"<div>{_e(h['explanation'])}</div>" for h in line["hits"])
        entries += "".join(f"<div class='weak'>{_e(h['explanation'])}</div>" for h in line["keyword_hits"])
        uav = ("yes (HS code)" if line["uav_basis"] == "hs_code" else "yes (keyword, weaker)") \
            if line["uav_commodity"] else "no"
        code = format_hs(line["hs_code"]) if line["hs_code"] else "-"
        rows.append(f"<tr><td>{line['index']}</td><td>{_e(line['description'])}<div class='small muted'>"
                    f"{_e(line['part_number'])} {_e(line['manufacturer'])}</div></td><td>{_e(code)}</td>"
                    f"<td>{_e(line['eccn'])}</td><td>{_e(uav)}</td><td>{entries or '-'}</td></tr>")
    return ("<table><tr><th>#</th><th>goods</th><th>HS</th><th>ECCN</th><th>UAV commodity</th><th>list entries</th>"
            "</tr>" + "".join(rows) + f"</table><div class='small weak'>Keyword hits: {escape(KEYWORD_CAVEAT)}.</div>")


def _route_html(a: Assessment, route: list[dict]) -> str:
    risky = {s["index"] for s in route if s["risky"]}
    svg = route_map_svg(a.facts.stops, risky, _caspian_ports())
    rows = "".join(
        f"<tr><td>{s['index'] + 1}</td><td>{_e(s['kind'])}</td><td>{_e(s['country'])}</td><td>{_e(s['place'])}</td>"
        f"<td>{_e(s['unlocode'])}</td><td>{'<span class=risky>yes</span>' if s['risky'] else 'no'}</td>"
        f"<td>{''.join(f'<div>{escape(n)}</div>' for n in s['notes']) or '-'}</td></tr>" for s in route)
    table = ("<table><tr><th>#</th><th>kind</th><th>country</th><th>port / place</th><th>UN/LOCODE</th><th>risky</th>"
             "<th>notes</th></tr>" + rows + "</table>") if route else "<p class='muted'>No route given.</p>"
    return svg + table


@cache
def _caspian_ports() -> tuple:
    """The Caspian route ports, marked on every map."""
    return tuple(Geography(reference()).ports)


def render_html(a: Assessment) -> str:
    """One self-contained HTML file."""
    data = a.to_json()
    order = a.order
    reasons = "".join(_reason_html(r) for r in a.reasons) or "<p>No rule fired.</p>"
    pay = data["payment"]
    lists = "".join(f"<li><code>{_e(v.get('id'))}</code>" + (f" published {_e(v['published'])}" if v.get("published")
                                                          else "") + "</li>" for v in data["lists"])
    rulesets = ", ".join(f"{_e(r['id'])} {_e(r['version'])}" for r in data["rulesets"])
    return (
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>Assessment of order {_e(order.id)}: {_e(a.level.label)}</title>"
        f"<style>{CSS}{MAP_CSS}</style></head><body>"
        f"<h1>Order {_e(order.id)} {_badge(a.level.label)}</h1>"
        f"<div class='muted'>{_e(order.date.isoformat() if order.date else None)} · {len(a.reasons)} reason(s) · "
        f"rulesets {rulesets} · screening {_e(data['screening']['algorithm'])} {_e(data['screening']['version'])}, "
        f"threshold {_e(data['screening']['threshold'])}</div>"
        f"<h2>Reasons</h2>{reasons}"
        f"<h2>Parties</h2>{_parties_html(data['parties'])}"
        f"<h2>Goods</h2>{_lines_html(data['lines'])}"
        f"<h2>Route</h2>{_route_html(a, data['route'])}"
        f"<h2>Payment and end use</h2><table><tr><th>payer</th><td>{_e(pay['payer'])} ({_e(pay['payer_country'])})</td>"
        f"</tr><tr><th>method</th><td>{_e(pay['method'])}</td></tr><tr><th>third country</th>"
        f"<td>{'yes' if pay['third_country'] else 'no'}</td></tr><tr><th>end use</th><td>{_e(order.end_use)}</td></tr>"
        f"<tr><th>end-use statement</th><td>{_e(order.end_use_statement)}</td></tr></table>"
        f"<h2>Lists used</h2><ul class='small'>{lists}</ul>"
        f"<p class='small muted'>Assessed at {_e(data['assessed_at'])}. chokepoint is defensive screening software; "
        f"a level is a recommendation for a compliance decision, not the decision.</p>"
        "</body></html>\n"
    )
