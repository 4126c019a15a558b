// lcom review workspace: keyboard use. The pages work without it.
// Queue: j/k move, Enter or o opens. Hit: j/k next/previous hit, r/n/e decide, u back.
(function () {
  "use strict";

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  function queueKeys() {
    var rows = Array.prototype.slice.call(document.querySelectorAll("#queue tbody tr[data-href]"));
    if (!rows.length) { return null; }
    var at = -1;
    function select(i) {
      if (at >= 0) { rows[at].classList.remove("selected"); rows[at].removeAttribute("aria-selected"); }
      at = Math.max(0, Math.min(rows.length - 1, i));
      rows[at].classList.add("selected");
      rows[at].setAttribute("aria-selected", "true");
      rows[at].scrollIntoView({ block: "nearest" });
    }
    return function (key) {
      if (key === "j") { select(at + 1); return true; }
      if (key === "k") { select(at < 0 ? 0 : at - 1); return true; }
      if ((key === "Enter" || key === "o") && at >= 0) {
        window.location.assign(rows[at].getAttribute("data-href"));
        return true;
      }
      return false;
    };
  }

  function hitKeys() {
    var form = document.getElementById("decision-form");
    if (!form) { return null; }
    function follow(id) {
      var link = document.getElementById(id);
      if (link) { window.location.assign(link.getAttribute("href")); }
      return true;
    }
    function press(id) {
      var button = document.getElementById(id);
      if (button) { button.click(); }
      return true;
    }
    return function (key) {
      if (key === "j") { return follow("next-hit"); }
      if (key === "k") { return follow("prev-hit"); }
      if (key === "u") { return follow("back-to-queue"); }
      if (key === "r") { return press("decide-relevant"); }
      if (key === "n") { return press("decide-not_relevant"); }
      if (key === "e") {
        var unit = document.getElementById("unit");
        if (unit && !unit.value) {
          document.getElementById("unit-hint").hidden = false;
          unit.focus();
          return true;
        }
        return press("decide-escalated");
      }
      return false;
    };
  }

  document.addEventListener("DOMContentLoaded", function () {
    var handler = queueKeys() || hitKeys();
    if (!handler) { return; }
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && document.activeElement) { document.activeElement.blur(); return; }
      if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
      if (handler(event.key)) { event.preventDefault(); }
    });
    document.body.setAttribute("data-keys", "ready");
  });
}());
