// Draw a record's neighbourhood with vis-network from the JSON the page carries; labels are drawn as text.
(function () {
  var container = document.getElementById("network");
  if (!container || typeof vis === "undefined") {
    return;
  }
  var source = document.getElementById(container.getAttribute("data-network-source"));
  var data = JSON.parse(source.textContent);
  var colours = {person: "#0d6efd", vehicle: "#198754", premises: "#fd7e14", intelligence: "#6c757d"};
  var shapes = {person: "dot", vehicle: "square", premises: "triangle", intelligence: "diamond"};
  var urls = {};
  var nodes = data.nodes.map(function (node) {
    urls[node.id] = node.url;
    return {id: node.id, label: String(node.label), shape: shapes[node.group] || "dot",
            color: colours[node.group] || "#6c757d", size: node.level === 0 ? 22 : 14,
            font: {size: 13}};
  });
  var edges = data.edges.map(function (edge) {
    return {from: edge.from, to: edge.to, dashes: Boolean(edge.derived), color: {color: "#adb5bd"}};
  });
  container.style.height = "600px";
  var network = new vis.Network(container, {nodes: new vis.DataSet(nodes), edges: new vis.DataSet(edges)},
                                {physics: {stabilization: {iterations: 200}}, interaction: {hover: true}});
  network.on("selectNode", function (event) {
    var url = urls[event.nodes[0]];
    // Only the app's own record pages: a node never sends the browser anywhere else.
    if (url && url.charAt(0) === "/" && url.charAt(1) !== "/") {
      window.location.assign(url);
    }
  });
})();
