/* Rhythm — progressive enhancement. No libraries, no inline handlers.
 * Everything works without this file; it only adds conveniences.
 * All behaviour is wired by event delegation on document, so the script can be
 * loaded with `defer` (or at the end of <body>) and still covers every element.
 */
(function () {
  "use strict";

  // (a) <form data-confirm="Really delete?"> — ask before submitting.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-confirm")) return;
    if (!window.confirm(form.dataset.confirm || "Are you sure?")) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  });

  // (b) <select data-autosubmit> — submit the owning form on change.
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!(select instanceof HTMLSelectElement) || !select.hasAttribute("data-autosubmit")) return;
    var form = select.form;
    if (!form) return;
    // requestSubmit fires the submit event (so data-confirm and validation still apply).
    if (typeof form.requestSubmit === "function") form.requestSubmit();
    else form.submit();
  });

  // (c) <tr data-href="/risks/12"> — the whole row is clickable.
  // Keyboard and screen-reader users use the real link inside the row.
  var INTERACTIVE = "a, button, input, select, textarea, label, summary, details, [role=button], [contenteditable]";

  function safeUrl(href) {
    try {
      var url = new URL(href, window.location.href);
      // Only ordinary navigations: never javascript:, data: and the like.
      var ok = url.protocol === "http:" || url.protocol === "https:" ||
        url.protocol === window.location.protocol;
      return ok ? url : null;
    } catch (_) {
      return null;
    }
  }

  document.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0) return;
    var target = event.target;
    if (!(target instanceof Element)) return;
    var row = target.closest("tr[data-href]");
    if (!row || target.closest(INTERACTIVE)) return;
    // Don't hijack a text selection inside the row.
    var selection = window.getSelection && window.getSelection();
    if (selection && !selection.isCollapsed && row.contains(selection.anchorNode)) return;
    var url = safeUrl(row.dataset.href);
    if (!url) return;
    if (event.ctrlKey || event.metaKey || event.shiftKey) {
      window.open(url.href, "_blank", "noopener");
    } else {
      window.location.assign(url.href);
    }
  });

  // (d) <button data-copy="new-token"> — copy the text of #new-token.
  var liveRegion = null;
  function announce(message) {
    if (!liveRegion) {
      liveRegion = document.createElement("span");
      liveRegion.className = "sr-only";
      liveRegion.setAttribute("role", "status");
      document.body.appendChild(liveRegion);
    }
    liveRegion.textContent = "";
    window.setTimeout(function () { liveRegion.textContent = message; }, 50);
  }

  function legacyCopy(source) {
    var range = document.createRange();
    range.selectNodeContents(source);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (_) { ok = false; }
    return ok;
  }

  function flashLabel(button, label) {
    if (!button.dataset.label) button.dataset.label = button.textContent;
    button.textContent = label;
    window.clearTimeout(Number(button.dataset.timer || 0));
    button.dataset.timer = String(window.setTimeout(function () {
      button.textContent = button.dataset.label;
      delete button.dataset.timer;
    }, 2000));
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) return;
    var button = target.closest("button[data-copy]");
    if (!button) return;
    event.preventDefault();
    var source = document.getElementById(button.dataset.copy);
    if (!source) return;
    var text = source.textContent.trim();

    function done() {
      flashLabel(button, "Copied");
      announce("Copied to clipboard");
    }
    function fail() {
      if (legacyCopy(source)) { done(); return; }
      var mac = /Mac|iPhone|iPad/.test(navigator.platform || "");
      flashLabel(button, mac ? "Press \u2318C" : "Press Ctrl+C");
      announce("Text selected. Press " + (mac ? "Command" : "Control") + " C to copy.");
    }

    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, fail);
    } else {
      fail();
    }
  });
})();
