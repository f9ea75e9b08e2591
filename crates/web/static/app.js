// spendlens: progressive enhancements only; every page works without this file.
(function () {
  "use strict";
  // A table wider than its box scrolls sideways: keyboard users reach it (a named region in the
  // tab order), as mouse and touch users do.
  function label(wrap) {
    var caption = wrap.querySelector("caption");
    if (caption && caption.textContent.trim()) { return caption.textContent.trim(); }
    for (var el = wrap.previousElementSibling; el; el = el.previousElementSibling) {
      if (/^H[1-6]$/.test(el.tagName)) { return el.textContent.trim(); }
    }
    var section = wrap.closest("section, article");
    var heading = section && section.querySelector("h2, h3, h4");
    return heading ? heading.textContent.trim() : "Table";
  }
  // Seen too: a line above it says there is more to the right (a phone shows a table's first
  // columns and a chart's first weeks, with nothing else telling that more is there).
  function hint(wrap, show) {
    var prev = wrap.previousElementSibling;
    var has = prev && prev.classList.contains("scroll-hint");
    if (show && !has) {
      var p = document.createElement("p");
      p.className = "scroll-hint";
      p.setAttribute("aria-hidden", "true");
      p.textContent = "Scroll sideways for more \u2192";
      wrap.parentNode.insertBefore(p, wrap);
    } else if (!show && has) {
      prev.remove();
    }
  }
  function scrollable() {
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      var scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
      hint(wrap, scrolls);
      if (scrolls) {
        wrap.tabIndex = 0;
        wrap.setAttribute("role", "region");
        wrap.setAttribute("aria-label", label(wrap) + " (scrolls sideways)");
      } else if (wrap.getAttribute("role") === "region") {
        wrap.removeAttribute("tabindex");
        wrap.removeAttribute("role");
        wrap.removeAttribute("aria-label");
      }
    });
    document.querySelectorAll(".chart").forEach(function (chart) {
      hint(chart, !!chart.querySelector("svg") && chart.scrollWidth > chart.clientWidth + 1);
    });
  }
  scrollable();
  window.addEventListener("resize", scrollable);
  // A form sent back with problems: the title says so (the first thing a screen reader reads)
  // and the first field with a problem takes the focus.
  var invalid = document.querySelector("form [aria-invalid=true]");
  if (invalid) {
    document.title = "Error: " + document.title;
    invalid.focus();
  }
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
