/* The position–act network: nodes and links from /-/network.json, laid out by a small force
   simulation and drawn as SVG.  Positions are circles, acts squares coloured by status. */
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var svg = document.getElementById("network");
  var form = document.getElementById("network-filter");
  var statusEl = document.getElementById("network-status");
  if (!svg || !form) { return; }
  var W = 1000, H = 700;

  function el(name, attrs, parent) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (parent) { parent.appendChild(node); }
    return node;
  }

  function layout(nodes, links) {
    var index = {};
    nodes.forEach(function (n, i) {
      index[n.id] = n;
      var angle = 2 * Math.PI * i / nodes.length;
      var r = n.kind === "act" ? 120 : 300;
      n.x = W / 2 + r * Math.cos(angle); n.y = H / 2 + r * Math.sin(angle); n.vx = 0; n.vy = 0; n.degree = 0;
    });
    var edges = links.map(function (l) {
      var s = index[l.source], t = index[l.target];
      s.degree++; t.degree++;
      return [s, t];
    });
    for (var step = 0; step < 220; step++) {
      var alpha = 1 - step / 220;
      for (var i = 0; i < nodes.length; i++) {
        for (var j = i + 1; j < nodes.length; j++) {
          var a = nodes[i], b = nodes[j];
          var dx = a.x - b.x, dy = a.y - b.y, d2 = dx * dx + dy * dy + 0.01;
          if (d2 > 90000) { continue; }
          var f = 400 / d2;
          a.vx += dx * f; a.vy += dy * f; b.vx -= dx * f; b.vy -= dy * f;
        }
      }
      edges.forEach(function (e) {
        var dx = e[1].x - e[0].x, dy = e[1].y - e[0].y;
        var d = Math.sqrt(dx * dx + dy * dy) || 1, f = (d - 90) * 0.004;
        e[0].vx += dx / d * f * d * 0.1; e[0].vy += dy / d * f * d * 0.1;
        e[1].vx -= dx / d * f * d * 0.1; e[1].vy -= dy / d * f * d * 0.1;
      });
      nodes.forEach(function (n) {
        n.vx += (W / 2 - n.x) * 0.002; n.vy += (H / 2 - n.y) * 0.002;
        n.x += Math.max(-20, Math.min(20, n.vx * alpha)); n.y += Math.max(-20, Math.min(20, n.vy * alpha));
        n.vx *= 0.5; n.vy *= 0.5;
        n.x = Math.max(10, Math.min(W - 10, n.x)); n.y = Math.max(10, Math.min(H - 10, n.y));
      });
    }
    return edges;
  }

  function draw(data) {
    while (svg.firstChild) { svg.removeChild(svg.firstChild); }
    var edges = layout(data.nodes, data.links);
    var gLinks = el("g", {}, svg), gNodes = el("g", {}, svg);
    edges.forEach(function (e) {
      el("line", { x1: e[0].x.toFixed(1), y1: e[0].y.toFixed(1), x2: e[1].x.toFixed(1), y2: e[1].y.toFixed(1) }, gLinks);
    });
    data.nodes.forEach(function (n) {
      var g = el("g", { "class": "node " + n.kind + (n.kind === "act" ? " status-" + n.group : ""),
                        transform: "translate(" + n.x.toFixed(1) + "," + n.y.toFixed(1) + ")" }, gNodes);
      var size = n.kind === "act" ? 5 + Math.sqrt(n.degree) : 4;
      if (n.kind === "act") {
        el("rect", { x: -size, y: -size, width: 2 * size, height: 2 * size }, g);
      } else {
        el("circle", { r: size }, g);
      }
      var title = el("title", {}, g);
      title.textContent = n.label + " (" + n.degree + ")";
      var label = el("text", { x: size + 2, y: 3 }, g);
      label.textContent = n.label.length > 40 ? n.label.slice(0, 39) + "…" : n.label;
      g.addEventListener("click", function () { window.location.href = n.href; });
    });
    var acts = data.nodes.filter(function (n) { return n.kind === "act"; }).length;
    statusEl.textContent = (data.nodes.length - acts) + " / " + acts + " / " + data.links.length;
    svg.setAttribute("data-nodes", String(data.nodes.length));
  }

  function load() {
    var params = new URLSearchParams();
    params.set("org_type", form.elements.org_type.value);
    params.set("source", form.elements.source.value);
    statusEl.textContent = "…";
    fetch("/-/network.json?" + params.toString(), { headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(draw)
      .catch(function (err) { statusEl.textContent = String(err); });
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var url = new URL(window.location.href);
    url.searchParams.set("org_type", form.elements.org_type.value);
    url.searchParams.set("source", form.elements.source.value);
    window.history.replaceState(null, "", url.toString());
    load();
  });
  form.elements.org_type.addEventListener("change", load);
  form.elements.source.addEventListener("change", load);
  load();
}());
