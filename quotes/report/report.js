"use strict";
(function () {
  var SVG = "http://www.w3.org/2000/svg";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var PALETTE = ["#2563eb", "#d97706", "#7c3aed", "#059669", "#db2777", "#0891b2", "#65a30d", "#dc2626"];

  // Every piece of data becomes text through textContent: never innerHTML.
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var k in attrs || {}) node.setAttribute(k, attrs[k]);
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG, tag);
    for (var k in attrs || {}) node.setAttribute(k, attrs[k]);
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function netColour(net) {
    // -1 red, 0 light grey, +1 green
    var t = Math.max(-1, Math.min(1, net));
    var from = [242, 244, 247], to = t >= 0 ? [26, 127, 55] : [192, 57, 43], a = Math.abs(t);
    var c = from.map(function (f, i) { return Math.round(f + (to[i] - f) * a); });
    return "rgb(" + c.join(",") + ")";
  }
  function fmtNet(net) { return (net > 0 ? "+" : "") + net.toFixed(2); }
  function anchorId(id) { return "speaker-" + id; }
  function safeUrl(url) { return typeof url === "string" && /^https?:\/\//i.test(url) ? url : null; }

  function meta() {
    var f = data.filters, parts = [data.rows.length + " speaker × topic rows", "store " + data.store,
      "generated " + data.generated_at];
    if (f.topics.length) parts.push("topics: " + f.topics.join(", "));
    if (f.speakers.length) parts.push("speakers: " + f.speakers.join(", "));
    if (f.since) parts.push("since " + f.since);
    if (f.until) parts.push("until " + f.until);
    if (f.min_quotes > 1) parts.push("at least " + f.min_quotes + " quotes");
    document.getElementById("meta").textContent = parts.join(" · ");
  }

  // Speakers whose quotes are all 'none' on every topic are behind a toggle, as --all-rows is in the table.
  function heatmap() {
    var host = document.getElementById("heatmap");
    var showAll = document.getElementById("all-rows").checked;
    var topics = data.topics, speakers = [], index = {}, silent = 0;
    data.rows.forEach(function (r) {
      if (!(r.speaker_id in index)) { index[r.speaker_id] = speakers.length; speakers.push({ id: r.speaker_id, name: r.speaker, cells: {}, positions: 0 }); }
      speakers[index[r.speaker_id]].cells[r.topic] = r;
      speakers[index[r.speaker_id]].positions += r.favor + r.against;
    });
    speakers.forEach(function (s) { if (s.positions === 0) { silent += 1; } });
    document.getElementById("all-rows-toggle").hidden = silent === 0;
    document.getElementById("all-rows-label").textContent = "also show the " + silent + " speaker" + (silent === 1 ? "" : "s") + " with no stance (all 'none')";
    if (!showAll) { speakers = speakers.filter(function (s) { return s.positions > 0; }); }
    while (host.firstChild) { host.removeChild(host.firstChild); }
    var left = 220, top = 60, cw = 110, ch = 26;
    var width = left + cw * topics.length + 10, height = top + ch * speakers.length + 10;
    var root = svg("svg", { id: "heatmap-svg", width: width, height: height, viewBox: "0 0 " + width + " " + height, role: "img" });
    root.appendChild(svg("title", {}, "Net stance by speaker and topic"));
    topics.forEach(function (t, j) {
      root.appendChild(svg("text", { x: left + cw * j + cw / 2, y: top - 10, "text-anchor": "middle", class: "collabel" }, t.length > 16 ? t.slice(0, 15) + "…" : t));
    });
    speakers.forEach(function (s, i) {
      var y = top + ch * i;
      var label = svg("text", { x: left - 8, y: y + ch / 2 + 4, "text-anchor": "end", class: "rowlabel" }, s.name.length > 30 ? s.name.slice(0, 29) + "…" : s.name);
      label.addEventListener("click", function () { openSpeaker(s.id); });
      root.appendChild(label);
      topics.forEach(function (t, j) {
        var r = s.cells[t];
        var g = svg("g", { class: "cellgroup" });
        var rect = svg("rect", { x: left + cw * j, y: y, width: cw, height: ch, class: "cell",
          fill: r ? netColour(r.net) : "#fff", "data-speaker": s.id, "data-topic": t });
        g.appendChild(rect);
        if (r) {
          g.appendChild(svg("title", {}, s.name + " on " + t + ": net " + fmtNet(r.net) + " (" + r.quotes + " quotes: " + r.favor + " for, " + r.against + " against, " + r.none + " none)"));
          g.appendChild(svg("text", { x: left + cw * j + cw / 2, y: y + ch / 2 + 4, "text-anchor": "middle", "pointer-events": "none" }, fmtNet(r.net) + " · " + r.quotes));
          g.addEventListener("click", function () { openSpeaker(s.id); });
        }
        root.appendChild(g);
      });
    });
    host.appendChild(root);
  }

  function lineChart(series, opts) {
    // series: [{name, colour, points: [{period, net, quotes}]}]
    var periods = {};
    series.forEach(function (s) { s.points.forEach(function (p) { periods[p.period] = true; }); });
    var xs = Object.keys(periods).sort();
    var w = opts.width || 900, h = opts.height || 220, l = 40, r = 40, t = 10, b = 40;
    var root = svg("svg", { width: w, height: h, viewBox: "0 0 " + w + " " + h, class: "timeline-chart", role: "img" });
    root.appendChild(svg("title", {}, opts.title || "Net stance over time"));
    if (!xs.length) { root.appendChild(svg("text", { x: l, y: h / 2 }, "No dated articles.")); return root; }
    function X(period) { var i = xs.indexOf(period); return xs.length === 1 ? l + (w - l - r) / 2 : l + i * (w - l - r) / (xs.length - 1); }
    function Y(net) { return t + (1 - net) / 2 * (h - t - b); }
    [-1, 0, 1].forEach(function (v) {
      root.appendChild(svg("line", { x1: l, x2: w - r, y1: Y(v), y2: Y(v), class: v === 0 ? "zero" : "axis" }));
      root.appendChild(svg("text", { x: l - 6, y: Y(v) + 4, "text-anchor": "end" }, v > 0 ? "+1" : String(v)));
    });
    var step = Math.max(1, Math.ceil(xs.length / 8));
    xs.forEach(function (p, i) { if (i % step === 0 || i === xs.length - 1) root.appendChild(svg("text", { x: X(p), y: h - b + 16, "text-anchor": "middle" }, p)); });
    series.forEach(function (s) {
      var pts = s.points.slice().sort(function (a, c) { return a.period < c.period ? -1 : 1; });
      if (pts.length > 1) root.appendChild(svg("polyline", { fill: "none", stroke: s.colour, "stroke-width": 2,
        points: pts.map(function (p) { return X(p.period) + "," + Y(p.net); }).join(" ") }));
      pts.forEach(function (p) {
        var dot = svg("circle", { cx: X(p.period), cy: Y(p.net), r: Math.min(7, 2.5 + Math.sqrt(p.quotes)), fill: s.colour, "fill-opacity": 0.8 });
        dot.appendChild(svg("title", {}, s.name + " · " + p.period + ": net " + fmtNet(p.net) + " (" + p.quotes + " quotes)"));
        root.appendChild(dot);
      });
    });
    return root;
  }

  function legend(series) {
    var box = el("div", { class: "legend" });
    series.forEach(function (s) { var item = el("span", { style: "--c:" + s.colour }, s.name); box.appendChild(item); });
    return box;
  }

  function timeline() {
    var host = document.getElementById("timeline");
    var tl = data.timeline || {};
    var series = data.topics.filter(function (t) { return tl[t]; }).map(function (t, i) {
      return { name: t, colour: PALETTE[i % PALETTE.length], points: tl[t] };
    });
    if (data.granularity) host.appendChild(el("p", { class: "hint" }, "Grouped by " + data.granularity + "."));
    host.appendChild(legend(series));
    host.appendChild(lineChart(series, { title: "Net stance over time, all matched speakers" }));
  }

  function paragraph(q) {
    // The paragraph as text nodes, the quote in <mark>, the speaker mention in bold.
    var p = el("p", { class: "para" }), text = q.paragraph;
    var parts = [{ s: q.highlight[0], e: q.highlight[1], tag: "mark" }];
    if (q.mention && (q.mention[1] <= q.highlight[0] || q.mention[0] >= q.highlight[1])) parts.push({ s: q.mention[0], e: q.mention[1], tag: "span" });
    parts.sort(function (a, b) { return a.s - b.s; });
    var at = 0;
    parts.forEach(function (part) {
      if (part.s > at) p.appendChild(document.createTextNode(text.slice(at, part.s)));
      p.appendChild(el(part.tag, part.tag === "span" ? { class: "mention" } : {}, text.slice(part.s, part.e)));
      at = part.e;
    });
    if (at < text.length) p.appendChild(document.createTextNode(text.slice(at)));
    return p;
  }

  function speakerSection(d) {
    var box = el("details", { class: "speaker", id: anchorId(d.id) });
    var summary = el("summary", {}, d.name);
    summary.appendChild(el("span", { class: "sub" }, d.kind + " · " + d.total + " quotes" + (d.aliases.length ? " · also: " + d.aliases.join(", ") : "")));
    box.appendChild(summary);
    var table = el("table", { class: "stats" }), head = el("tr");
    ["topic", "quotes", "for", "against", "none", "net", "confidence"].forEach(function (h) { head.appendChild(el("th", {}, h)); });
    table.appendChild(head);
    data.rows.filter(function (r) { return r.speaker_id === d.id; }).forEach(function (r) {
      var tr = el("tr");
      [r.topic, r.quotes, r.favor, r.against, r.none, fmtNet(r.net), r.mean_confidence === null ? "–" : r.mean_confidence.toFixed(2)].forEach(function (v) { tr.appendChild(el("td", {}, v)); });
      table.appendChild(tr);
    });
    box.appendChild(table);
    var topics = Object.keys(d.timeline);
    if (topics.length) {
      var series = topics.map(function (t) { return { name: t, colour: PALETTE[data.topics.indexOf(t) % PALETTE.length], points: d.timeline[t] }; });
      box.appendChild(legend(series));
      box.appendChild(lineChart(series, { width: 700, height: 160, title: d.name + ": net stance over time" }));
    }
    d.quotes.forEach(function (q) {
      var item = el("div", { class: "quote", "data-quote": q.quote_id });
      var source = el("div", { class: "source" });
      var url = safeUrl(q.url), name = (q.title || q.article) + (q.date ? " · " + q.date.slice(0, 10) : "");
      if (url) { var a = el("a", { rel: "noopener noreferrer" }, name); a.href = url; source.appendChild(a); }
      else source.appendChild(document.createTextNode(name));
      source.appendChild(document.createTextNode(" · " + q.quote_id));
      item.appendChild(source);
      item.appendChild(paragraph(q));
      var badges = el("div", { class: "badges" });
      Object.keys(q.stance).sort().forEach(function (t) {
        var s = q.stance[t];
        badges.appendChild(el("span", { class: "badge " + (["favor", "against", "none"].indexOf(s[0]) >= 0 ? s[0] : "none") }, t + ": " + s[0] + " " + Number(s[1]).toFixed(2)));
      });
      item.appendChild(badges);
      box.appendChild(item);
    });
    if (d.total > d.quotes.length) box.appendChild(el("p", { class: "more" }, "Showing the " + d.quotes.length + " most recent of " + d.total + " quotes."));
    return box;
  }

  function speakers() {
    var host = document.getElementById("speakers");
    (data.details || []).forEach(function (d) { host.appendChild(speakerSection(d)); });
  }

  function openSpeaker(id) {
    var node = document.getElementById(anchorId(id));
    if (node) { node.open = true; node.scrollIntoView({ behavior: "smooth", block: "start" }); }
  }

  meta();
  // "#all-rows" in the address opens the page with every speaker shown (a link one can share)
  document.getElementById("all-rows").checked = window.location.hash === "#all-rows";
  document.getElementById("all-rows").addEventListener("change", heatmap);
  heatmap();
  timeline();
  speakers();
  document.body.setAttribute("data-rendered", "1");
})();
