//! The HTML page: the threats as a radial map around the container, each
//! coloured by its worst check; a click on a node shows its evidence. The
//! page is self-contained (no script, nothing loaded) and escapes everything
//! that came from the container.

use std::fmt::Write;

use crate::{Report, Status, Threat};

pub const GREEN: &str = "#2e7d32";
pub const AMBER: &str = "#f9a825";
pub const RED: &str = "#c62828";
pub const GREY: &str = "#9e9e9e";

pub fn colour(status: Option<Status>) -> &'static str {
    match status {
        Some(Status::Green) => GREEN,
        Some(Status::Amber) => AMBER,
        Some(Status::Red) => RED,
        None => GREY,
    }
}

/// `&`, `<`, `>`, `"` and `'` as entities; control characters dropped.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' => {}
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222;max-width:72em}
h1{font-size:1.3em}
.summary span{display:inline-block;padding:.1em .6em;border-radius:.8em;color:#fff;margin-right:.4em}
.layout{display:flex;flex-wrap:wrap;gap:1.5em;align-items:flex-start}
svg{flex:0 0 auto}
svg a text{font-size:12px;fill:#222}
svg a:hover circle,svg a:focus circle{stroke:#000;stroke-width:3}
.details{flex:1 1 24em;min-width:20em}
.details section{display:none;border-left:.4em solid #999;padding:.2em 1em;margin-bottom:1em}
.details section:target{display:block}
.details section.hint{display:block;border-color:#ddd;color:#555}
.details section:target ~ section.hint{display:none}
table{border-collapse:collapse;margin-top:1.5em;width:100%}
td,th{border-bottom:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}
td.st{color:#fff;font-weight:bold}
code{word-break:break-all}
";

/// The page for a report.
pub fn render(report: &Report) -> String {
    let worst = |t: Threat| {
        report
            .checks
            .iter()
            .filter(|c| c.threat == t)
            .map(|c| c.status)
            .max()
    };
    let count = |s: Status| report.checks.iter().filter(|c| c.status == s).count();
    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n");
    let _ = writeln!(
        h,
        "<title>harden verify: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>",
        escape(&report.subject)
    );
    let _ = writeln!(h, "<h1>harden verify: {}</h1>", escape(&report.subject));
    let _ = writeln!(
        h,
        "<p class=\"summary\"><span style=\"background:{RED}\">{} red</span><span style=\"background:{AMBER};color:#222\">{} amber</span><span style=\"background:{GREEN}\">{} green</span> Click a threat to see its evidence.</p>",
        count(Status::Red),
        count(Status::Amber),
        count(Status::Green)
    );
    h.push_str("<div class=\"layout\">\n");

    // The map: the container in the middle, one node per threat around it.
    let (w, cx, cy, r) = (560.0f64, 280.0f64, 280.0f64, 200.0f64);
    let _ = writeln!(
        h,
        "<svg id=\"map\" width=\"{w}\" height=\"{w}\" viewBox=\"0 0 {w} {w}\" role=\"img\" aria-label=\"threat map\">"
    );
    let threats = Threat::ALL;
    let n = threats.len() as f64;
    for (i, t) in threats.iter().enumerate() {
        let a = std::f64::consts::TAU * i as f64 / n - std::f64::consts::FRAC_PI_2;
        let (x, y) = (cx + r * a.cos(), cy + r * a.sin());
        let stroke = colour(worst(*t));
        let _ = writeln!(
            h,
            "<line x1=\"{cx:.1}\" y1=\"{cy:.1}\" x2=\"{x:.1}\" y2=\"{y:.1}\" stroke=\"{stroke}\" stroke-width=\"2\"/>"
        );
    }
    let _ = writeln!(
        h,
        "<circle cx=\"{cx}\" cy=\"{cy}\" r=\"52\" fill=\"#eceff1\" stroke=\"#455a64\" stroke-width=\"2\"/>\n<text x=\"{cx}\" y=\"{cy}\" text-anchor=\"middle\" dominant-baseline=\"middle\" font-size=\"13\">container</text>"
    );
    for (i, t) in threats.iter().enumerate() {
        let a = std::f64::consts::TAU * i as f64 / n - std::f64::consts::FRAC_PI_2;
        let (x, y) = (cx + r * a.cos(), cy + r * a.sin());
        let status = worst(*t);
        let checks = report.checks.iter().filter(|c| c.threat == *t).count();
        let label_y = if a.sin() < -0.3 { y - 30.0 } else { y + 38.0 };
        let _ = writeln!(
            h,
            "<a href=\"#t-{name}\" class=\"node\" data-threat=\"{name}\" data-status=\"{st}\" data-checks=\"{checks}\"><title>{name}: {st} ({checks} checks)</title><circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"22\" fill=\"{fill}\" stroke=\"#fff\" stroke-width=\"2\"/><text x=\"{x:.1}\" y=\"{label_y:.1}\" text-anchor=\"middle\">{name}</text></a>",
            name = t.name(),
            st = status.map_or("unchecked", Status::name),
            fill = colour(status),
        );
    }
    h.push_str("</svg>\n<div class=\"details\">\n");
    for t in threats {
        let status = worst(t);
        let _ = writeln!(
            h,
            "<section id=\"t-{name}\" style=\"border-color:{c}\"><h2>{name}: {st}</h2><p>{desc}</p><ul>",
            name = t.name(),
            c = colour(status),
            st = status.map_or("not checked", Status::name),
            desc = escape(t.description()),
        );
        for c in report.checks.iter().filter(|c| c.threat == t) {
            let _ = writeln!(
                h,
                "<li><b style=\"color:{col}\">{st}</b> <code>{id}</code>: {ev}</li>",
                col = colour(Some(c.status)),
                st = c.status.name(),
                id = escape(&c.id),
                ev = escape(&c.evidence),
            );
        }
        h.push_str("</ul></section>\n");
    }
    h.push_str("<section class=\"hint\"><p>Red: a way out is open. Amber: weaker than the profile wants. Green: closed as far as this check can see. Grey: not checked.</p></section>\n</div>\n</div>\n");

    h.push_str("<table id=\"checks\">\n<tr><th>status</th><th>threat</th><th>check</th><th>evidence</th></tr>\n");
    // Red first, so the gaps are at the top.
    let mut rows: Vec<&crate::Check> = report.checks.iter().collect();
    rows.sort_by_key(|c| std::cmp::Reverse(c.status));
    for c in rows {
        let fg = if c.status == Status::Amber {
            ";color:#222"
        } else {
            ""
        };
        let _ = writeln!(
            h,
            "<tr data-id=\"{id}\" data-status=\"{st}\"><td class=\"st\" style=\"background:{col}{fg}\">{st}</td><td>{th}</td><td><code>{id}</code></td><td>{ev}</td></tr>",
            id = escape(&c.id),
            st = c.status.name(),
            col = colour(Some(c.status)),
            th = c.threat.name(),
            ev = escape(&c.evidence),
        );
    }
    h.push_str("</table>\n<p>A posture check, not an attestation: inside a compromised container the probes can be lied to.</p>\n</body>\n</html>\n");
    h
}
