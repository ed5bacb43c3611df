// Diagrams: each ```mermaid block is stored as <pre class="mermaid"><code>source</code></pre>,
// which a reader without JavaScript (or a feed reader) sees as code. Here mermaid draws it
// as SVG beside the hidden source, in the light or dark theme the reader's system asks for,
// and draws it again when that changes. A diagram mermaid cannot read keeps its source
// visible, with the reason under it. Loaded only on pages that hold a diagram.
(function () {
  "use strict";

  var mermaid = window.mermaid;
  var blocks = document.querySelectorAll(".prose pre.mermaid");
  if (!mermaid || !blocks.length) return;

  var dark = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  var drawing = Promise.resolve();
  var drawn = 0;

  function theme() { return dark && dark.matches ? "dark" : "default"; }

  function configure(name) {
    mermaid.initialize({
      startOnLoad: false,
      // Labels are text, never HTML: nothing in a diagram runs or loads anything.
      securityLevel: "strict",
      theme: name,
      fontFamily: window.getComputedStyle(document.body).fontFamily
    });
  }

  function boxFor(pre) {
    var box = pre.nextElementSibling;
    if (box && box.classList.contains("diagram")) return box;
    box = document.createElement("div");
    box.className = "diagram";
    pre.parentNode.insertBefore(box, pre.nextSibling);
    return box;
  }

  function draw(pre, name) {
    var source = (pre.querySelector("code") || pre).textContent;
    var box = boxFor(pre);
    var id = "diagram-" + (++drawn);
    return mermaid.render(id, source).then(function (result) {
      box.innerHTML = result.svg;
      box.setAttribute("data-theme", name);
      box.removeAttribute("data-error");
      box.hidden = false;
      pre.hidden = true;
    }, function (error) {
      // mermaid leaves its error drawing in the page; the source says more.
      var leftover = document.getElementById("d" + id);
      if (leftover) leftover.remove();
      var message = document.createElement("p");
      message.className = "diagram-error";
      message.textContent = siteText("diagramFailed", {
        reason: String((error && error.message) || error).split("\n")[0]
      });
      box.replaceChildren(message);
      box.setAttribute("data-error", "true");
      box.hidden = false;
      pre.hidden = false;
    });
  }

  function drawAll() {
    var name = theme();
    drawing = drawing.then(function () {
      configure(name);
      // One at a time: mermaid renders through shared state.
      return Array.prototype.reduce.call(blocks, function (done, pre) {
        return done.then(function () { return draw(pre, name); });
      }, Promise.resolve());
    });
    return drawing;
  }

  drawAll();
  if (dark) {
    var redraw = function () { drawAll(); };
    if (dark.addEventListener) dark.addEventListener("change", redraw);
    else if (dark.addListener) dark.addListener(redraw);
  }
})();
