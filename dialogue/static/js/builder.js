// The workshop builder: show only the question fields the chosen type uses, and keep the
// keyboard on the question that was just moved. Without JavaScript every field shows,
// each with a hint saying which types use it, and moving reloads the page.
(function () {
  "use strict";

  function showFieldsFor(form) {
    const chosen = form.querySelector("input[name='kind']:checked");
    form.querySelectorAll("[data-kinds]").forEach(function (field) {
      const kinds = field.dataset.kinds.split(" ");
      field.hidden = chosen !== null && !kinds.includes(chosen.value);
    });
  }

  function setUpQuestionForm(form) {
    showFieldsFor(form);
    form.addEventListener("change", function (event) {
      if (event.target.name === "kind") {
        showFieldsFor(form);
      }
    });
  }

  // After a move the list is replaced: focus the same button on the moved question, or
  // its other button once it reached an end (where that button is no longer offered).
  function refocusMoved(event) {
    const list = event.detail.target;
    if (!list || list.id !== "questions" || !list.dataset.moved) {
      return;
    }
    const [, direction, id] = list.dataset.moved.split("-");
    const other = direction === "up" ? "down" : "up";
    const button = document.getElementById("move-" + direction + "-" + id) ||
      document.getElementById("move-" + other + "-" + id);
    if (button) {
      button.focus();
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-question-form]").forEach(setUpQuestionForm);
  });
  document.addEventListener("htmx:afterSettle", refocusMoved);
}());
