// Workshops: keyboard shortcuts and the hideaway control bar on the audience screen, the
// console's shortcuts, timers counting down, the multiple-choice limit and in-page ranking
// moves on phones. Everything here also works without JavaScript (the forms post; the
// no-JS screen simply has no bar and its console is the way to drive it).
(function () {
  "use strict";

  var AWAKE = "dialogue-screen--awake";
  var awakeTimer = null;

  function isScreen() { return document.body.classList.contains("dialogue-screen"); }

  // The screen's control bar: shown while the mouse moves, a key is pressed or a control
  // has focus; hidden again three seconds later.
  function wake() {
    if (!isScreen()) return;
    document.body.classList.add(AWAKE);
    clearTimeout(awakeTimer);
    awakeTimer = setTimeout(function () { document.body.classList.remove(AWAKE); }, 3000);
  }

  function revealBars(root) {
    (root || document).querySelectorAll("[data-screen-bar][hidden]").forEach(function (bar) {
      bar.removeAttribute("hidden");
    });
  }

  document.addEventListener("DOMContentLoaded", function () { revealBars(document); });
  document.addEventListener("htmx:load", function (event) { revealBars(event.target); });
  document.addEventListener("mousemove", wake, { passive: true });
  document.addEventListener("focusin", wake);

  // N next, P previous, O open, C close, R reveal, H hide results: on the screen and on
  // the console, when no field has focus.
  document.addEventListener("keydown", function (event) {
    var body = document.body.classList;
    if (!body.contains("dialogue-present") && !body.contains("dialogue-console-page")) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    var button = document.querySelector('[data-shortcut="' + event.key.toLowerCase() + '"]');
    if (button && !button.disabled && button.form) {
      event.preventDefault();
      wake();
      button.form.requestSubmit(button);
    }
  });

  // Timers: count down to the deadline the server set (it closes the question itself).
  function tick() {
    var now = Date.now() / 1000;
    document.querySelectorAll("[data-closes-at]").forEach(function (timer) {
      var left = Math.max(0, Math.ceil(parseFloat(timer.getAttribute("data-closes-at")) - now));
      var text = timer.querySelector("[data-timer-text]");
      if (!text) return;
      var minutes = Math.floor(left / 60);
      var seconds = left % 60;
      var shown = left === 0 ? "Time is up" :
        (minutes ? minutes + ":" + (seconds < 10 ? "0" : "") + seconds : seconds + (seconds === 1 ? " second" : " seconds")) + " left";
      if (text.textContent !== shown) text.textContent = shown;
      timer.classList.toggle("dialogue-timer--ending", left <= 10);
    });
  }
  setInterval(tick, 250);
  document.addEventListener("htmx:load", tick);
  document.addEventListener("DOMContentLoaded", tick);

  // Multiple choice: a tick past the maximum is stopped, and a live hint says why.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches('input[type="checkbox"]')) return;
    var group = box.closest("[data-max-choices]");
    if (!group) return;
    var max = parseInt(group.getAttribute("data-max-choices"), 10);
    var ticked = group.querySelectorAll('input[type="checkbox"]:checked').length;
    var hint = group.querySelector("[data-choice-limit]");
    if (box.checked && ticked > max) {
      box.checked = false;
      if (hint) hint.textContent = "You can choose up to " + max + ". Untick one to choose another.";
    } else if (hint && ticked <= max) {
      hint.textContent = "";
    }
  });

  // Ranking: move the item in the page instead of posting, keep focus on the button, and
  // renumber; the order is sent once, with the form.
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
      var rank = li.querySelector("[data-rank]");
      if (rank) rank.textContent = index + 1;
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
