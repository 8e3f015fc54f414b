// The page's only stylesheet, inline because report.html must open from a mail attachment
// or an air-gapped box with nothing else beside it. System font stacks only: no web fonts.
#pragma once

namespace gs::harness::html {

inline constexpr const char* stylesheet = R"css(
:root{--ink:#1d2430;--muted:#5b6577;--line:#d9dee7;--bg:#f4f6f9;--card:#fff;--accent:#24324a;
--red:#c62828;--amber:#b26a00;--green:#2e7d32;--tick:#d62839;--fail:#f08c00}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif}
code,pre,.mono,.argv,.exe{font-family:ui-monospace,"DejaVu Sans Mono","Liberation Mono",Menlo,monospace}
header.top{background:var(--accent);color:#fff;padding:18px 28px 16px}
header.top h1{margin:0 0 2px;font-size:21px;font-weight:600;word-break:break-all}
header.top .sub{color:#c9d3e3;font-size:13px}
header.top .sub b{color:#fff;font-weight:600}
.verdict-row{display:flex;align-items:center;gap:18px;margin-top:12px;flex-wrap:wrap}
.verdict{display:inline-block;padding:5px 14px;border-radius:5px;font-weight:700;letter-spacing:.06em;text-transform:uppercase;font-size:15px}
.v-clean{background:#2e7d32;color:#fff}.v-suspicious{background:#f2a900;color:#1d2430}
.v-malicious{background:#c62828;color:#fff}.v-error,.v-unknown{background:#6b7280;color:#fff}
.score{font-size:15px}.score b{font-size:24px}
.scorebar{width:180px;height:8px;border-radius:4px;background:#46536b;overflow:hidden;display:inline-block;vertical-align:middle;margin-left:8px}
.scorebar span{display:block;height:100%;background:linear-gradient(90deg,#f2a900,#e53935)}
.error-line{margin-top:10px;background:#5c1d1d;padding:6px 10px;border-radius:4px}
main{padding:18px 28px 40px;max-width:1320px}
section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:14px 18px 16px;margin:0 0 18px}
h2{font-size:16px;margin:0 0 10px;color:var(--accent)}
h2 .count,h3 .count{color:var(--muted);font-weight:400;font-size:13px;margin-left:6px}
h3{font-size:14px;margin:16px 0 6px;color:var(--accent)}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin:0 0 18px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:8px 14px;min-width:130px}
.card b{display:block;font-size:22px}.card span{color:var(--muted);font-size:12px}
.card.hot{border-color:#e0a0a0;background:#fff5f5}.card.hot b{color:var(--red)}
table{border-collapse:collapse;width:100%;font-size:13px}
th{text-align:left;color:var(--muted);font-weight:600;border-bottom:2px solid var(--line);padding:5px 8px;white-space:nowrap}
td{border-bottom:1px solid #edf0f4;padding:5px 8px;vertical-align:top;overflow-wrap:anywhere}
td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
td.nowrap{white-space:nowrap}
.pill{display:inline-block;padding:0 7px;border-radius:9px;font-size:12px;font-weight:600;background:#e5e8ee;color:#334;white-space:nowrap}
.sev-critical{background:#7f0000;color:#fff}.sev-high{background:#c62828;color:#fff}
.sev-medium{background:#f2a900;color:#1d2430}.sev-low{background:#90a4ae;color:#fff}.sev-info{background:#e5e8ee}
.st-ok{background:#e3f1e4;color:#1b5e20}.st-failed,.st-error{background:#fde2e1;color:#b71c1c}
.st-timeout{background:#fff0d1;color:#8a5300}.st-skipped{background:#eceff3;color:#667}
.ph-fetch,.ph-plan,.ph-build{background:#e4e9f2;color:#3b4a66}.ph-init{background:#fde4c4;color:#8a4b00}
.ph-test{background:#d9f0d6;color:#1f5e1a}.ph-run{background:#e5dcf6;color:#4a2a8a}
.attack{font-family:ui-monospace,"DejaVu Sans Mono",monospace;background:#eef2fb;color:#203a78;padding:0 5px;border-radius:3px}
.muted,.none,.note{color:var(--muted)}.none{margin:4px 0}
details{margin:2px 0}
summary{cursor:pointer;color:#2a4a8a}
pre{background:#0f1722;color:#dde6f3;padding:8px 10px;border-radius:5px;max-height:360px;overflow:auto;font-size:12px;white-space:pre-wrap;overflow-wrap:anywhere;margin:4px 0}
.timeline-wrap{overflow-x:auto}
svg.timeline{display:block;font-family:system-ui,"DejaVu Sans",sans-serif}
svg .labels{fill:#fbfcfd}
svg .band-fetch,svg .band-plan,svg .band-build{fill:#eef1f6}
svg .band-init{fill:#fdebd3}svg .band-test{fill:#e2f3df}svg .band-run{fill:#ece4f8}svg .band-other{fill:#eeeeee}
svg .band{stroke:#fff;stroke-width:1}
svg .band-name{font-size:11px;fill:#5b6577;font-weight:600}
svg .grid{stroke:#c9cfd9;stroke-width:1;stroke-dasharray:2 3}
svg .axis{font-size:11px;fill:#5b6577;text-anchor:middle}
svg .sep{stroke:#d9dee7;stroke-width:1}
svg .dest{font-size:13.5px;font-weight:600;fill:#1d2430;font-family:ui-monospace,"DejaVu Sans Mono",monospace}
svg .meta{font-size:11.5px;fill:#5b6577}
svg .beacon{fill:#c62828;font-weight:700}
svg .tk{shape-rendering:crispEdges}
svg .tk.ok{fill:#d62839}svg .tk.fail{fill:#f08c00}
svg .span{stroke:#d62839;stroke-width:2;stroke-dasharray:5 4;opacity:.6}
svg .est{fill:#fff;stroke:#d62839;stroke-width:2}
.legend{font-size:12px;color:var(--muted);margin:6px 0 0}
.legend i{display:inline-block;width:3px;height:12px;vertical-align:middle;margin:0 4px 0 12px}
.legend i.b{width:14px;height:10px}
ul.tree,ul.tree ul{list-style:none;margin:0;padding-left:22px}
ul.tree{padding-left:0}
ul.tree ul{border-left:1px dashed #b8c1cf;margin-left:6px;padding-left:16px}
ul.tree li{margin:6px 0}
.proc .exe{font-weight:700}
.proc .pmeta{color:var(--muted);font-size:12px;margin-left:6px}
.argv{font-size:12.5px;background:#f3f5f8;border:1px solid #e3e7ee;border-radius:4px;padding:2px 7px;margin-top:2px;display:inline-block;max-width:100%;overflow-wrap:anywhere}
footer{color:var(--muted);font-size:12px;padding:0 28px 30px}
)css";

}  // namespace gs::harness::html
