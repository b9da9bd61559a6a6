// Workshops: keyboard shortcuts on the presenter screen and instant up/down moves
// when ranking. Everything here also works without JavaScript (the forms post).
(function () {
  "use strict";

  // Presenter: N next, P previous, O open, C close, R reveal, H hide results.
  document.addEventListener("keydown", function (event) {
    if (!document.body.classList.contains("dialogue-present")) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    var button = document.querySelector('[data-shortcut="' + event.key.toLowerCase() + '"]');
    if (button && !button.disabled) {
      event.preventDefault();
      button.click();
    }
  });

  // Ranking: move the item in the page instead of posting, keep focus on the button.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-move]");
    if (!button) return;
    var item = button.closest("li");
    var list = item && item.parentElement;
    if (!list || !list.hasAttribute("data-ranking")) return;
    event.preventDefault();
    var up = button.getAttribute("data-move") === "up";
    var sibling = up ? item.previousElementSibling : item.nextElementSibling;
    if (!sibling) return;
    list.insertBefore(item, up ? sibling : sibling.nextElementSibling);
    var items = list.querySelectorAll("li");
    items.forEach(function (li, index) {
      li.querySelectorAll("[data-move]").forEach(function (b) {
        var first = b.getAttribute("data-move") === "up" && index === 0;
        var last = b.getAttribute("data-move") === "down" && index === items.length - 1;
        b.disabled = first || last;
        b.value = index + ":" + b.getAttribute("data-move");
        if (first || last) b.setAttribute("aria-disabled", "true"); else b.removeAttribute("aria-disabled");
      });
    });
    var focusTarget = button.disabled ? item.querySelector("[data-move]:not([disabled])") : button;
    if (focusTarget) focusTarget.focus();
    var status = list.parentElement.querySelector("[data-ranking-status]");
    var position = Array.prototype.indexOf.call(items, item) + 1;
    if (status) status.textContent = item.querySelector(".dialogue-ranking__label").textContent + " is now number " + position + " of " + items.length + ".";
  });
})();
