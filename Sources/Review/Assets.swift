/// The page's only style sheet, SVG definitions and script, inline (no fetch is allowed).
enum Assets {
    static let css = """
    :root{--ink:#1d2733;--mute:#5d6b7a;--line:#d8dee6;--bg:#f4f6f9;--card:#fff;--acc:#1f5fa8;--ok:#1e7a46;--warn:#a86400;--bad:#b3261e;--info:#2d5f8b}
    *{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);background:var(--bg)}
    code,.hash{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace;font-size:12.5px}.hash{word-break:break-all}
    .wrap{max-width:1240px;margin:0 auto;padding:0 24px}
    header{background:#14263d;color:#fff;position:relative}header .wrap{padding-top:18px;padding-bottom:14px}
    .brand{font-size:12px;letter-spacing:.08em;text-transform:uppercase;color:#a9bdd6}h1{margin:4px 0 2px;font-size:24px}
    .sub{color:#c9d6e6}.sub code{color:#fff}
    .pill{position:absolute;right:24px;top:22px;padding:6px 12px;border-radius:16px;font-weight:600;font-size:13px}
    .pill.ok{background:#d9f2e3;color:var(--ok)}.pill.warn{background:#fdecc8;color:var(--warn)}.pill.bad{background:#fbdad7;color:var(--bad)}.pill.info{background:#dde9f6;color:var(--info)}
    nav{display:flex;gap:4px;padding-bottom:0!important;position:sticky;top:0}nav a{color:#dbe6f3;text-decoration:none;padding:8px 12px;border-radius:6px 6px 0 0}
    nav a:hover{background:#22395a;color:#fff}
    main{max-width:1240px;margin:0 auto;padding:8px 24px 40px}
    section{margin-top:22px}h2{font-size:20px;border-bottom:2px solid var(--acc);padding-bottom:4px;margin:18px 0 12px}
    h3{font-size:15px;margin:18px 0 8px}.count{font-weight:400;color:var(--mute);font-size:13px;margin-left:6px}
    .card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 16px;margin:10px 0}
    .card h3{margin-top:2px}.cols{display:grid;grid-template-columns:1fr 1fr;gap:14px}.cols .card{margin:0}.stack .card+.card{margin-top:14px}
    .grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:12px}.grid .card{margin:0}
    .tiles{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}
    .tile{background:var(--card);border:1px solid var(--line);border-left:4px solid var(--acc);border-radius:8px;padding:8px 14px;min-width:150px}
    .tile .v{font-size:22px;font-weight:700}.tile .l{color:var(--mute)}.tile .s{font-size:12px;color:var(--mute)}
    .tile.ok{border-left-color:var(--ok)}.tile.warn{border-left-color:var(--warn)}.tile.bad{border-left-color:var(--bad)}
    dl.kv{display:grid;grid-template-columns:150px 1fr;gap:4px 10px;margin:0}dl.kv dt{color:var(--mute)}dl.kv dd{margin:0}
    table.t{border-collapse:collapse;width:100%;background:var(--card)}
    .t th{text-align:left;font-weight:600;color:var(--mute);font-size:12px;text-transform:uppercase;letter-spacing:.03em;border-bottom:2px solid var(--line);padding:6px 8px;position:relative}
    .t td{border-bottom:1px solid #edf0f4;padding:5px 8px;vertical-align:top}.t tbody tr:nth-child(even){background:#fafbfd}
    .t .n,.n{text-align:right;font-variant-numeric:tabular-nums}
    .bar span,.mini span{display:block;height:10px;background:linear-gradient(90deg,#2f6fb7,#5b95d6);border-radius:3px}.bar{width:40%}
    .mini{display:inline-block;width:90px;margin:0 10px;vertical-align:middle;background:#eef2f7;border-radius:3px}
    .badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;background:#e4e9f0;color:var(--ink)}
    .badge.ok{background:#d9f2e3;color:var(--ok)}.badge.warning{background:#fdecc8;color:var(--warn)}.badge.error{background:#fbdad7;color:var(--bad)}
    .badge.note,.badge.review{background:#dde9f6;color:var(--info)}
    details.xg,details.vec,details.page{background:var(--card);border:1px solid var(--line);border-radius:8px;margin:6px 0}
    details>summary{cursor:pointer;padding:8px 12px;list-style-position:inside}details[open]>summary{border-bottom:1px solid var(--line)}
    details.xg>table,details.vec>table,details.xg>p,details.xg>ul{margin:8px 12px;width:calc(100% - 24px)}
    summary .n{display:inline-block;min-width:60px;font-weight:700}.sample{color:var(--mute)}
    .hint{background:#f3f7fc;border-left:3px solid var(--acc);padding:6px 10px}
    .nw{white-space:nowrap}.muted{color:var(--mute)}.loc{color:var(--mute);font-size:12px}.alert{color:var(--bad);font-weight:600}
    .chip.m{background:#e9f7ef}.chip{display:inline-block;background:#eef3f9;border-radius:4px;padding:0 6px;margin:1px 2px 1px 0;font-size:12px;white-space:nowrap}
    .tools{margin:8px 0}.tools input{width:420px;max-width:100%;padding:7px 10px;border:1px solid var(--line);border-radius:6px;font:inherit}
    .people th{cursor:pointer}.people th[aria-sort=ascending]::after{content:" ▲"}.people th[aria-sort=descending]::after{content:" ▼"}
    figure{margin:10px 0}figure.route{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 14px;overflow-x:auto}
    figcaption{margin-bottom:6px}ol.members{columns:3;font-size:13px;margin:6px 0}
    svg.graph{display:block;max-width:100%;height:auto;font:12px system-ui,sans-serif}
    .n rect{fill:#fff;stroke:#8aa1bb;stroke-width:1.2}.n text{fill:var(--ink)}.n text.d,text.d{fill:var(--mute);font-size:11px}
    .n-dnis rect{fill:#eef6ff;stroke:#4d86c6}.n-flow rect{fill:#f1ecfb;stroke:#7a5cc0}.n-queue rect{fill:#e9f7ef;stroke:#3c9a63}
    .n-user rect{fill:#fdf6e9;stroke:#c99a3b}.n-point rect{fill:#fff;stroke:#b3261e}.n-external rect{fill:#f4f4f4;stroke:#999;stroke-dasharray:4 3}
    text.cap{fill:var(--mute);font-size:11px;text-transform:uppercase;letter-spacing:.05em}
    path.e{fill:none;stroke:#7d8fa5;stroke-width:1.4}path.cut{fill:none;stroke:var(--bad);stroke-width:1.6;stroke-dasharray:5 4}text.cutl{fill:var(--bad);font-size:11px}
    circle.ring{stroke:#fff;stroke-width:2}.ring1{fill:#2f6fb7}.ring2{fill:#5b95d6}.ring3{fill:#8fb6e3}.ring4{fill:#b9d1ee}.ring5,.ring6{fill:#dbe7f6}
    circle.dot{fill:#fff;stroke:#14263d;stroke-width:1}tspan.b{font-weight:700}
    .steps tr.o-warning td{background:#fff8ea}.steps tr.o-error td{background:#fdeeed}
    .diff .before{color:var(--bad);text-decoration:line-through}.diff .after{color:var(--ok)}ul.changes{padding-left:18px}
    ul.problems{color:var(--bad)}
    footer{max-width:1240px;margin:0 auto;padding:16px 24px 30px;color:var(--mute);font-size:12px;border-top:1px solid var(--line)}
    @media print{nav,.tools{display:none}header{background:#fff;color:#000}details{break-inside:avoid}}
    """

    static let svgDefs = """
    <svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>\
    <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="#7d8fa5"/></marker>\
    <marker id="arrow-cut" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="#b3261e"/></marker>\
    </defs></svg>
    """

    /// Search and sort for the people table; without it every row is still in the page.
    static let script = """
    (function(){
    var sec=document.getElementById('people');if(!sec)return;
    var tools=sec.querySelector('.tools'),input=document.getElementById('people-filter'),count=document.getElementById('people-count');
    var bodies=Array.prototype.slice.call(sec.querySelectorAll('table.people tbody'));
    var pages=Array.prototype.slice.call(sec.querySelectorAll('details.page'));
    if(!bodies.length)return;tools.hidden=false;
    var size=bodies[0].rows.length||1;
    function rows(){var r=[];bodies.forEach(function(b){r=r.concat(Array.prototype.slice.call(b.rows));});return r;}
    input.addEventListener('input',function(){
      var q=input.value.trim().toLowerCase(),n=0;
      bodies.forEach(function(b,i){var hit=0;Array.prototype.forEach.call(b.rows,function(tr){
        var show=!q||tr.textContent.toLowerCase().indexOf(q)>=0;tr.hidden=!show;if(show)hit++;});
        n+=hit;if(pages[i]){pages[i].hidden=hit===0;if(q&&hit)pages[i].open=true;}});
      count.textContent=q?n+' match'+(n===1?'':'es'):'';});
    sec.querySelectorAll('table.people thead th').forEach(function(th){th.addEventListener('click',function(){
      var col=th.cellIndex,dir=th.getAttribute('aria-sort')==='ascending'?-1:1;
      sec.querySelectorAll('table.people thead th').forEach(function(o){o.removeAttribute('aria-sort');});
      sec.querySelectorAll('table.people thead').forEach(function(h){h.rows[0].cells[col].setAttribute('aria-sort',dir>0?'ascending':'descending');});
      var all=rows(),key=function(tr){return tr.cells[col].textContent.trim();};
      all.sort(function(a,b){return dir*key(a).localeCompare(key(b),undefined,{numeric:true});});
      all.forEach(function(tr,i){bodies[Math.min(Math.floor(i/size),bodies.length-1)].appendChild(tr);});});});
    })();
    """
}
