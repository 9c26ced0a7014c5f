// Report pages: "PDF (print)" opens the print dialog (the SVG charts print sharply), and each
// chart's "PNG" link rasterises that chart in the browser and downloads it — no server round trip,
// no inline script (the page's CSP allows scripts from our origin only).
document.addEventListener("click", function (event) {
  if (event.target.closest(".fa-print")) { event.preventDefault(); window.print(); return; }
  var link = event.target.closest(".fa-png");
  if (!link) return;
  event.preventDefault();
  var svg = link.parentElement.querySelector("svg");
  if (!svg) return;
  var scale = 2;
  var width = svg.width.baseVal.value, height = svg.height.baseVal.value;
  var xml = new XMLSerializer().serializeToString(svg);
  var image = new Image();
  image.onload = function () {
    var canvas = document.createElement("canvas");
    canvas.width = width * scale; canvas.height = height * scale;
    var ctx = canvas.getContext("2d");
    ctx.fillStyle = "#ffffff"; ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
    canvas.toBlob(function (blob) {
      var a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = (link.dataset.name || "chart") + ".png";
      document.body.appendChild(a); a.click(); a.remove();
    }, "image/png");
  };
  image.src = "data:image/svg+xml;base64," + btoa(unescape(encodeURIComponent(xml)));
});
