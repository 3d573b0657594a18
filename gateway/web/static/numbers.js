// A number field's rules from the catalog (min, max, step) are on its input, and the
// browser knows whether a value keeps them. The form is novalidate, as the browser's
// own bubbles speak the browser's language, not the page's: this script asks the
// browser and, before anything is sent, says what is wrong next to the field in the
// page's words (data-* attributes, from the catalogs: the server's own reasons), as
// the server does when it sends the form back. Without it the server checks alone.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form.request")) {
    const numbers = Array.from(form.querySelectorAll("input[type=number]"));
    const reason = (input) => {
      const v = input.validity;
      if (v.badInput) return input.dataset.nan;
      if (v.rangeUnderflow) return input.dataset.under;
      if (v.rangeOverflow) return input.dataset.over;
      if (v.stepMismatch) return input.dataset.step;
      return "";
    };
    const say = (input, words) => {
      const id = "error-" + input.name;
      let line = document.getElementById(id);
      if (!words) {
        if (line && line.dataset.browser) {
          line.remove();
          input.removeAttribute("aria-invalid");
        }
        return;
      }
      if (!line) {
        line = document.createElement("p");
        line.id = id;
        line.className = "error";
        line.setAttribute("role", "alert");
        line.dataset.browser = "1";
        input.insertAdjacentElement("afterend", line);
      }
      line.textContent = words;
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", id);
    };
    form.addEventListener("submit", (event) => {
      let first = null;
      for (const input of numbers) {
        const words = reason(input);
        say(input, words);
        if (words && !first) first = input;
      }
      if (first) {
        event.preventDefault();
        first.focus();
      }
    });
  }
});
