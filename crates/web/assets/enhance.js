// Progressive enhancement of the period picker; every page works without this file.
// Choosing a preset shows it at once; only the fields a choice uses are shown and submitted,
// so the address bar holds exactly the view's state.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var form = document.querySelector("form.picker");
  if (!form) { return; }
  var select = form.querySelector("select[name=period]");
  function sync() {
    var v = select.value;
    var billing = v === "billing" || v === "this-billing";
    var custom = v === "custom";
    form.querySelectorAll(".field.billing").forEach(function (f) {
      f.classList.toggle("hidden", !billing);
      f.querySelectorAll("input").forEach(function (i) { i.disabled = !billing; });
    });
    form.querySelectorAll(".field.custom").forEach(function (f) {
      f.classList.toggle("hidden", !custom);
      f.querySelectorAll("input").forEach(function (i) { i.disabled = !custom; });
    });
  }
  select.addEventListener("change", function () {
    sync();
    if (select.value !== "custom") { form.submit(); }
  });
  sync();
})();
