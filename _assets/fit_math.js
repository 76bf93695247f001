// A displayed formula wider than the column (an explicit matrix, say, which MathJax cannot
// break into lines) is shown smaller, down to 60 % of its size, so that a phone never scrolls
// sideways. Runs once MathJax has typeset the page, and again when the window is resized.
(function () {
  function setSize(box, px) {
    box.style.setProperty("font-size", px + "px", "important");
  }
  function fit() {
    document.querySelectorAll('mjx-container[display="true"]').forEach(function (box) {
      if (box.dataset.px === undefined) {
        box.dataset.px = parseFloat(getComputedStyle(box).fontSize); // the size CSS gave it
      }
      var px = Number(box.dataset.px);
      setSize(box, px);
      var math = box.firstElementChild;
      var need = Math.max(box.scrollWidth, math ? math.scrollWidth : 0);
      var have = box.parentElement.clientWidth;
      if (need > have + 1) setSize(box, px * Math.max(0.6, (0.98 * have) / need));
      // still too wide at 60 %: let that one formula scroll inside its own box
      box.classList.toggle("math-too-wide", box.scrollWidth > box.clientWidth + 1);
    });
  }
  window.MathJax = window.MathJax || {};
  MathJax.startup = MathJax.startup || {};
  MathJax.startup.pageReady = function () {
    return MathJax.startup.defaultPageReady().then(fit);
  };
  var pending;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(fit, 200);
  });
})();
