// Draws a lineage graph (datasets → versions → deployments) as SVG, laid out by dagre.
// Progressive enhancement: the page already lists the same nodes and edges as HTML; this script
// only adds the picture. CSP-friendly: no eval, no inline handlers, no style attributes; the data
// comes from the container's data-graph attribute. The portal and the PDF report use the same file:
// any element with data-lineage-graph is drawn on load, and RegistryLineage.render(el, graph)
// draws on demand. Once drawn, the container carries data-lineage-rendered="true".
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";
  var KIND_TEXT = { dataset: "dataset", version: "version", deployment: "deployment" };
  var PAD_X = 14;
  var LINE = 18;

  function el(name, attrs, parent) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, String(attrs[key])); });
    if (parent) { parent.appendChild(node); }
    return node;
  }

  function text(parent, x, y, value, cls) {
    var t = el("text", { x: x, y: y, "class": cls }, parent);
    t.textContent = value;
    return t;
  }

  // Nodes are sized by their rendered text, so the layout fits the page's fonts.
  function measure(svg, lines) {
    var probe = el("g", { "class": "lineage-probe" }, svg);
    var width = 0;
    lines.forEach(function (line, i) {
      var t = text(probe, 0, 0, line, i === 0 ? "lineage-kind" : i === 1 ? "lineage-label" : "lineage-detail");
      width = Math.max(width, t.getComputedTextLength ? t.getComputedTextLength() : line.length * 8);
    });
    svg.removeChild(probe);
    return Math.ceil(width) + 2 * PAD_X;
  }

  function measureLabel(svg, label) {
    var t = text(svg, 0, 0, label, "lineage-edge-label");
    var width = t.getComputedTextLength ? t.getComputedTextLength() : label.length * 6;
    svg.removeChild(t);
    return Math.ceil(width) + 6;
  }

  function linesOf(node) {
    var lines = [KIND_TEXT[node.kind] || node.kind, node.label];
    if (node.detail) { lines.push(node.detail); }
    return lines;
  }

  function render(container, graph) {
    if (typeof dagre === "undefined" || !graph || !graph.nodes || graph.nodes.length === 0) { return false; }
    var old = container.querySelector("svg.lineage-svg");
    if (old) { old.remove(); }

    // Shown before measuring: text in a hidden container measures zero.
    container.classList.add("lineage-drawn");
    var svg = el("svg", { "class": "lineage-svg", role: "group", "aria-label": container.getAttribute("data-label") || "Lineage graph" });
    container.appendChild(svg);

    var g = new dagre.graphlib.Graph({ multigraph: true });
    g.setGraph({ rankdir: "LR", nodesep: 24, ranksep: 64, marginx: 8, marginy: 8 });
    g.setDefaultEdgeLabel(function () { return {}; });
    graph.nodes.forEach(function (node) {
      var lines = linesOf(node);
      g.setNode(node.id, { width: measure(svg, lines), height: LINE * lines.length + 14, data: node, lines: lines });
    });
    graph.edges.forEach(function (edge, i) {
      if (g.hasNode(edge.from) && g.hasNode(edge.to)) {
        // Labels take room in the layout (dagre places them mid-edge), so they never sit on a box.
        var label = edge.label || "";
        g.setEdge(edge.from, edge.to, { label: label, width: label ? measureLabel(svg, label) : 0, height: label ? 14 : 0, labelpos: "c" }, "e" + i);
      }
    });
    dagre.layout(g);

    var size = g.graph();
    svg.setAttribute("viewBox", "0 0 " + Math.ceil(size.width) + " " + Math.ceil(size.height));
    svg.setAttribute("width", String(Math.ceil(size.width)));
    svg.setAttribute("height", String(Math.ceil(size.height)));

    var defs = el("defs", {}, svg);
    var marker = el("marker", { id: container.id + "-arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 8, markerHeight: 8, orient: "auto-start-reverse" }, defs);
    el("path", { d: "M 0 0 L 10 5 L 0 10 z", "class": "lineage-arrow" }, marker);

    var edges = el("g", { "class": "lineage-edges", "aria-hidden": "true" }, svg);
    g.edges().forEach(function (e) {
      var info = g.edge(e);
      var d = info.points.map(function (p, i) { return (i === 0 ? "M" : "L") + p.x.toFixed(1) + " " + p.y.toFixed(1); }).join(" ");
      el("path", { d: d, "class": "lineage-edge", "marker-end": "url(#" + container.id + "-arrow)" }, edges);
      if (info.label) {
        text(edges, info.x, info.y + 4, info.label, "lineage-edge-label");
      }
    });

    var nodes = el("g", { "class": "lineage-nodes" }, svg);
    g.nodes().forEach(function (id) {
      var n = g.node(id);
      var node = n.data;
      // A link's name comes from its text lines (what a sighted user reads); an unlinked node is an image named by them.
      var holder = node.href ? el("a", { href: node.href }, nodes) : el("g", { role: "img", "aria-label": n.lines.join(" ") }, nodes);
      var cls = "lineage-node lineage-" + node.kind + (node.current ? " lineage-current" : "");
      var box = el("g", { "class": cls, transform: "translate(" + (n.x - n.width / 2).toFixed(1) + " " + (n.y - n.height / 2).toFixed(1) + ")" }, holder);
      // Shape and the first text line, not colour alone, tell the kinds apart:
      // datasets have rounded corners, versions square ones, deployments are pills.
      var radius = node.kind === "deployment" ? n.height / 2 : node.kind === "dataset" ? 10 : 2;
      el("rect", { width: n.width, height: n.height, rx: radius, ry: radius, "class": "lineage-box" }, box);
      n.lines.forEach(function (line, i) {
        text(box, PAD_X, 7 + LINE * (i + 1) - 4, line, i === 0 ? "lineage-kind" : i === 1 ? "lineage-label" : "lineage-detail");
      });
    });

    container.setAttribute("data-lineage-rendered", "true");
    return true;
  }

  function renderAll() {
    document.querySelectorAll("[data-lineage-graph]").forEach(function (container) {
      var graph;
      try { graph = JSON.parse(container.getAttribute("data-graph") || "null"); } catch (e) { graph = null; }
      render(container, graph);
    });
  }

  window.RegistryLineage = { render: render, renderAll: renderAll };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", renderAll);
  } else {
    renderAll();
  }
})();
