// Dialogue's own script: GOV.UK Frontend components, plus small htmx conveniences.
// Loaded as a module from our own origin (the CSP allows no inline script).
import { initAll } from "/static/vendor/govuk/govuk-frontend.min.js";

document.body.classList.add("govuk-frontend-supported", "js-enabled");
initAll();

// After an htmx swap: start GOV.UK components inside the new content and move focus to
// an error summary if one arrived, so keyboard and screen reader users hear it.
document.body.addEventListener("htmx:afterSwap", (event) => {
  const target = event.detail.target;
  if (target) {
    initAll({ scope: target });
    const summary = target.querySelector("[data-autofocus]") ||
      (target.matches && target.matches("[data-autofocus]") ? target : null);
    if (summary) summary.focus();
  }
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
