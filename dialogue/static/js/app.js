// Dialogue's own script: GOV.UK Frontend components, plus small htmx conveniences.
// Loaded as a module from our own origin (the CSP allows no inline script).
import { initAll } from "/static/vendor/govuk/govuk-frontend.min.js";

document.body.classList.add("govuk-frontend-supported", "js-enabled");
initAll();

// After an htmx swap: start GOV.UK components inside the new content and move focus to
// an error summary if one arrived, so keyboard and screen reader users hear it.
// htmx fires afterSwap on the new content; after an outerHTML swap (a poll's new
// question, a refused answer coming back with its error) ``detail.target`` is the old
// element, already out of the page, so components started there never reach the page
// (the character count stayed uncounted). Start them on what the event fired on.
document.body.addEventListener("htmx:afterSwap", (event) => {
  const swapped = event.target instanceof Element && event.target.isConnected ? event.target : null;
  const target = swapped || event.detail.target;
  if (target) {
    initAll({ scope: target });
    const summary = target.querySelector("[data-autofocus]") ||
      (target.matches && target.matches("[data-autofocus]") ? target : null);
    if (summary) summary.focus();
  }
});

// A response that arrives after its element left the page (a poll answered just after a
// button swapped the region it sat in) has nothing to update, and htmx would fail to
// find a re-target relative to a detached element. Drop it. The listener goes on the
// element itself because events on a detached element never reach the document.
document.body.addEventListener("htmx:beforeRequest", (event) => {
  const element = event.detail.elt;
  element.addEventListener("htmx:beforeOnLoad", (loaded) => {
    if (!element.isConnected) loaded.preventDefault();
  }, { once: true });
});

// A swap that removes the element with focus (an answer form replaced by its result, a
// poll bringing a new question) would drop keyboard focus to <body>: the next Tab then
// starts from the top of the page or leaves it. Put focus on the new content instead:
// its notification banner, else its first heading, which also reads it out.
let focusWasInside = false;
document.body.addEventListener("htmx:beforeSwap", (event) => {
  const target = event.detail.target;
  focusWasInside = !!target && target.contains(document.activeElement) &&
    document.activeElement !== document.body;
});
document.body.addEventListener("htmx:afterSettle", (event) => {
  const lost = !document.activeElement || document.activeElement === document.body;
  if (!focusWasInside || !lost) return;
  focusWasInside = false;
  const old = event.detail.target;
  const scope = (old && old.isConnected ? old : old && old.id && document.getElementById(old.id)) ||
    document.querySelector("main");
  const next = scope && scope.querySelector(
    "[data-autofocus], .govuk-notification-banner, h1, h2, h3, legend");
  if (next) {
    if (!next.hasAttribute("tabindex")) next.setAttribute("tabindex", "-1");
    next.focus();
  }
});

// When a swap changes the page's main heading (a poll bringing the next workshop
// question, or "The workshop has ended"), say the new heading through the page's live
// region: a region swapped in with the new content is often not announced at all.
let headingBefore = "";
const mainHeading = () => {
  const h1 = document.querySelector("main h1");
  return h1 ? h1.textContent.trim() : "";
};
document.body.addEventListener("htmx:beforeSwap", () => { headingBefore = mainHeading(); });
document.body.addEventListener("htmx:afterSettle", () => {
  const now = mainHeading();
  const alerts = document.getElementById("alerts");
  if (!alerts || !now || now === headingBefore) return;
  let announcer = alerts.querySelector("[data-announcer]");
  if (!announcer) {
    announcer = document.createElement("p");
    announcer.className = "govuk-visually-hidden";
    announcer.setAttribute("data-announcer", "");
    alerts.appendChild(announcer);
  }
  announcer.textContent = now;
  headingBefore = now;
});

// Focus the error summary on a full page load too.
const summary = document.querySelector(".govuk-error-summary[data-autofocus]");
if (summary) summary.focus();

// Buttons that ask before acting: <button data-confirm="Are you sure?">.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);
