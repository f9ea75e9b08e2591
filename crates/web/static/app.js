// spendlens: progressive enhancements only; every page works without this file.
(function () {
  "use strict";
  // The comparison period applies as soon as it changes.
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    form.querySelectorAll(".js-hide").forEach(function (el) { el.hidden = true; });
    form.querySelectorAll("select").forEach(function (select) {
      select.addEventListener("change", function () { form.submit(); });
    });
  });
  // Tabs: arrow keys, Home and End move between them (each tab is a link to its page).
  document.querySelectorAll("[role=tablist]").forEach(function (list) {
    var tabs = Array.prototype.slice.call(list.querySelectorAll("[role=tab]"));
    list.addEventListener("keydown", function (e) {
      var i = tabs.indexOf(document.activeElement);
      if (i < 0) { return; }
      var next = null;
      if (e.key === "ArrowRight") { next = tabs[(i + 1) % tabs.length]; }
      if (e.key === "ArrowLeft") { next = tabs[(i - 1 + tabs.length) % tabs.length]; }
      if (e.key === "Home") { next = tabs[0]; }
      if (e.key === "End") { next = tabs[tabs.length - 1]; }
      if (next) {
        e.preventDefault();
        tabs.forEach(function (t) { t.tabIndex = -1; });
        next.tabIndex = 0;
        next.focus();
      }
    });
  });
  // Uploads: say what is happening while a large file is sent and parsed.
  document.querySelectorAll("form[data-upload]").forEach(function (form) {
    form.addEventListener("submit", function () {
      var input = form.querySelector("input[type=file]");
      var status = form.querySelector(".upload-status");
      var button = form.querySelector("button[type=submit]");
      if (input && input.files && input.files[0] && status) {
        var mb = (input.files[0].size / 1048576).toFixed(1);
        status.textContent = "Uploading " + input.files[0].name + " (" + mb + " MB) and reading it…";
      }
      if (button) { button.disabled = true; }
    });
  });
})();
