// Registration questions: hide a question while its show_if condition does not hold (the server
// decides all the same: answers to hidden questions are ignored there).
(function () {
  "use strict";
  function answers(form, name) {
    return Array.from(form.querySelectorAll('[name="' + name + '"]'))
      .filter(function (el) { return (el.type !== "radio" && el.type !== "checkbox") || el.checked; })
      .map(function (el) { return el.value; });
  }
  function visible(form, field) {
    var name = field.getAttribute("data-show-if");
    if (!name) return true;
    var parent = form.querySelector('[data-question="' + name.slice(2) + '"]');
    if (parent && !visible(form, parent)) return false;
    return answers(form, name).indexOf(field.getAttribute("data-show-value")) !== -1;
  }
  function update(form) {
    form.querySelectorAll("[data-show-if]").forEach(function (field) {
      var shown = visible(form, field);
      field.hidden = !shown;
      field.querySelectorAll("input, select, textarea").forEach(function (el) { el.disabled = !shown; });
    });
  }
  document.querySelectorAll("[data-questions]").forEach(function (set) {
    var form = set.closest("form");
    form.addEventListener("change", function () { update(form); });
    update(form);
  });
})();
