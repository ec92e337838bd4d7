// Progressive enhancement only: every page reads and acts without this file.
// Copy buttons next to hashes stay hidden unless the clipboard API is there to back them.
(function () {
  "use strict";
  if (!navigator.clipboard) { return; }
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
        var icon = button.querySelector(".bi");
        if (icon) { icon.className = "bi bi-clipboard-check"; }
        button.setAttribute("aria-label", "Copied");
        setTimeout(function () { if (icon) { icon.className = "bi bi-clipboard"; } }, 1500);
      });
    });
  });
})();
