// Keeps what was typed in a form marked data-keep until it is sent, so a
// dropped rural link does not lose a village worker's input. Passwords and
// hidden fields are never kept.
(function () {
  "use strict";
  document.querySelectorAll("form[data-keep]").forEach(function (form) {
    var key = "tide.form." + form.getAttribute("data-keep");
    var kept = {};
    try { kept = JSON.parse(sessionStorage.getItem(key) || "{}"); } catch (e) { kept = {}; }
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "password" || el.type === "hidden" || el.type === "checkbox") { return; }
      if (!el.value && kept[el.name]) { el.value = kept[el.name]; }
      el.addEventListener("input", function () {
        kept[el.name] = el.value;
        try { sessionStorage.setItem(key, JSON.stringify(kept)); } catch (e) { /* storage full or off */ }
      });
    });
    form.addEventListener("submit", function () {
      try { sessionStorage.removeItem(key); } catch (e) { /* ignore */ }
    });
  });
})();
