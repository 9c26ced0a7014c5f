// The triage desk's keyboard and small helpers: accept suggestions into the label fields, start a
// reply from a template, j/k through the queue. A static file from our origin (the CSP allows no
// inline script and no CDN). Shortcuts never fire while the agent types in a field.
(function () {
  "use strict";

  function typing(event) {
    var el = event.target;
    if (!el || !el.tagName) return false;
    var tag = el.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || el.isContentEditable ||
      !!(el.closest && el.closest(".select2-container"));
  }

  function $(selector) { return document.querySelector(selector); }

  function accept(button) {
    var select = document.querySelector("select[name='" + button.dataset.field + "']");
    if (!select) return;
    select.value = button.dataset.value;
    select.dispatchEvent(new Event("change", { bubbles: true }));
    var chip = button.closest(".fa-sugg");
    if (chip) chip.classList.add("fa-sugg-ok");
    button.disabled = true;
  }

  function acceptAll() {
    document.querySelectorAll(".fa-accept:not([disabled])").forEach(accept);
  }

  function help(show) {
    var box = $("#fa-help");
    if (!box) return;
    box.hidden = show === undefined ? !box.hidden : !show;
  }

  function clickTransition(name) {
    var button = document.querySelector("button[data-transition='" + name + "']");
    if (button) button.click();
  }

  // --- the list: a cursor moved with j / k, Enter opens the row --------------------------------
  var cursor = -1;
  function rows() { return document.querySelectorAll("#result_list tbody tr"); }
  function moveCursor(step) {
    var all = rows();
    if (!all.length) return;
    if (cursor >= 0 && all[cursor]) all[cursor].classList.remove("fa-cursor");
    cursor = Math.max(0, Math.min(all.length - 1, cursor + step));
    all[cursor].classList.add("fa-cursor");
    all[cursor].scrollIntoView({ block: "nearest" });
  }
  function openCursor() {
    var row = rows()[cursor];
    var link = row && row.querySelector("th a, td a");
    if (link) window.location.href = link.href;
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target.closest(".fa-accept")) { event.preventDefault(); accept(target.closest(".fa-accept")); return; }
    if (target.closest(".fa-accept-all")) { event.preventDefault(); acceptAll(); return; }
    if (target.closest(".fa-help-open")) { event.preventDefault(); help(true); return; }
    if (target.closest(".fa-help-close")) { event.preventDefault(); help(false); return; }
    var chip = target.closest(".fa-chip-remove");
    if (chip) return; // a plain link: the filter without this value
  });

  document.addEventListener("change", function (event) {
    var picker = event.target.closest && event.target.closest(".fa-reply-template");
    if (!picker) return;
    var option = picker.options[picker.selectedIndex];
    var body = option && option.dataset.body;
    var reply = $("#id_fa_reply");
    if (!body || !reply) return;
    // never overwrite what the agent typed: the template goes below it
    reply.value = reply.value.trim() ? reply.value.replace(/\s+$/, "") + "\n\n" + body : body;
    reply.focus();
  });

  // a transition or save button pressed twice would post twice: the second would be a conflict
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.faSubmitted) { event.preventDefault(); return; }
    form.dataset.faSubmitted = "1";
    setTimeout(function () { delete form.dataset.faSubmitted; }, 5000);
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    if (event.key === "Escape") { help(false); return; }
    if (typing(event)) return;
    var onItem = !!$("#fa-workflow");
    var onList = !!$("#result_list");
    var handled = true;
    switch (event.key) {
      case "?": help(); break;
      case "j":
        if (onItem && $("#fa-next")) window.location.href = $("#fa-next").href;
        else if (onList) moveCursor(1);
        else handled = false;
        break;
      case "k":
        if (onItem && $("#fa-prev")) window.location.href = $("#fa-prev").href;
        else if (onList) moveCursor(-1);
        else handled = false;
        break;
      case "Enter": case "o":
        if (onList && cursor >= 0) openCursor(); else handled = false;
        break;
      case "a": if (onItem) acceptAll(); else handled = false; break;
      case "s": if (onItem) clickTransition("start"); else handled = false; break;
      case "v": if (onItem) clickTransition("submit"); else handled = false; break;
      case "c": if (onItem) clickTransition("close"); else handled = false; break;
      case "/":
        if ($("#searchbar")) $("#searchbar").focus();
        else if ($("#fa-back-to-queue")) window.location.href = $("#fa-back-to-queue").href.split("#")[0] + "#fa-search";
        else handled = false;
        break;
      default: handled = false;
    }
    if (handled) event.preventDefault();
  });

  document.addEventListener("DOMContentLoaded", function () {
    if (window.location.hash === "#fa-search" && $("#searchbar")) $("#searchbar").focus();
  });
})();
