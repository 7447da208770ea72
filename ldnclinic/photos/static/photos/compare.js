// The slider overlay: the earlier photo left of a divider, the later one right of it; the
// slider moves the divider. The side-by-side view above works without this script.
(function () {
  "use strict";
  function init() {
    var section = document.querySelector("[data-compare-slider]");
    if (!section) return;
    var over = section.querySelector("[data-compare-over]");
    var range = section.querySelector("[data-compare-range]");
    var divider = section.querySelector("[data-compare-divider]");
    function update() {
      var value = Number(range.value);
      over.style.clipPath = "inset(0 0 0 " + value + "%)";
      if (divider) divider.style.left = value + "%";
      range.setAttribute("aria-valuetext", value + "% before, " + (100 - value) + "% after");
    }
    range.addEventListener("input", update);
    section.hidden = false;
    update();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
