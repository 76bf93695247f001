// Displayed formulas on a narrow screen. MathJax 4 breaks a display that is wider than the
// column into lines: right for a long sum, but a matrix gets squeezed and a nested
// f(g(h(x))) comes out one symbol per line. So a display that MathJax broke, or that is still
// too wide, is typeset again scaled down to the column, if no smaller than 60 % of its size;
// only a display wider than that keeps the line breaks (or scrolls in its own box).
(function () {
  var SMALLEST = 0.6;

  function tooWide(box) {
    return box.scrollWidth > box.clientWidth + 1;
  }

  function typesetAgain(item, doc, overflow) {
    item.root.attributes.set("overflow", overflow);
    item.rerender(doc);
    return item.typesetRoot;
  }

  function fit() {
    var doc = MathJax.startup.document;
    Array.from(doc.math).forEach(function (item) {
      if (!item.display || !item.typesetRoot) return;
      var box = item.typesetRoot;
      var how = "as is";
      if (box.querySelector("mjx-linestack") || tooWide(box)) {
        box = typesetAgain(item, doc, "scale");
        var scale = parseFloat(box.style.fontSize || "100") / (100 * item.metrics.scale);
        how = "scaled";
        if (scale < SMALLEST) {
          box = typesetAgain(item, doc, "linebreak");
          how = "line breaks";
        }
      }
      box.dataset.fit = how;
      box.classList.toggle("math-too-wide", tooWide(box));
    });
  }

  window.MathJax = window.MathJax || {};
  MathJax.startup = MathJax.startup || {};
  MathJax.startup.pageReady = function () {
    return MathJax.startup.defaultPageReady().then(fit);
  };
})();
