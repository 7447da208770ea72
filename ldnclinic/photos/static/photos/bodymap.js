// The body map picks the site in the <select> without reloading the page (the links reload
// with ?site= when this script does not run).
(function () {
  "use strict";
  function init() {
    var map = document.querySelector("[data-body-map]");
    var select = document.getElementById("id_body_site");
    if (!map || !select) return;
    var status = map.querySelector("[data-body-map-status]");
    var links = map.querySelectorAll("a[data-site]");
    function show(code) {
      links.forEach(function (link) {
        var on = link.getAttribute("data-site") === code;
        link.classList.toggle("is-selected", on);
        if (on) link.setAttribute("aria-current", "true");
        else link.removeAttribute("aria-current");
      });
      var option = select.querySelector('option[value="' + code + '"]');
      if (status) status.textContent = option && code ? "Selected on the map: " + option.textContent : "";
    }
    links.forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        select.value = link.getAttribute("data-site");
        show(select.value);
      });
    });
    select.addEventListener("change", function () { show(select.value); });
    if (select.value) show(select.value);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
