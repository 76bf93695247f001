// On a narrow screen, shrink what would otherwise scroll sideways: a displayed formula wider
// than the column even after MathJax's line breaking (an explicit matrix cannot be broken),
// and a table wider than the column even with the phone styles of numnet.css. Each is shown
// smaller, down to 60 % of its size; one still too wide then scrolls inside its own box. Runs
// once MathJax has typeset the page, and again when the window is resized.
(function () {
  var SMALLEST = 0.6;

  function setSize(box, px) {
    box.style.setProperty("font-size", px + "px", "important");
  }

  function fit(box, have) {
    if (box.dataset.px === undefined) {
      box.dataset.px = parseFloat(getComputedStyle(box).fontSize); // the size CSS gave it
    }
    var px = Number(box.dataset.px);
    setSize(box, px);
    var inner = box.firstElementChild;
    var need = Math.max(box.scrollWidth, inner ? inner.scrollWidth : 0);
    if (need > have + 1) setSize(box, px * Math.max(SMALLEST, (0.98 * have) / need));
    box.classList.toggle("too-wide", box.scrollWidth > have + 1);
  }

  function fitAll() {
    document.querySelectorAll('mjx-container[display="true"]').forEach(function (box) {
      fit(box, box.parentElement.clientWidth);
    });
    document.querySelectorAll("main table").forEach(function (table) {
      fit(table, table.parentElement.clientWidth);
    });
  }

  window.MathJax = window.MathJax || {};
  MathJax.startup = MathJax.startup || {};
  MathJax.startup.pageReady = function () {
    return MathJax.startup.defaultPageReady().then(fitAll);
  };
  var pending;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(fitAll, 200);
  });
})();
