// A date input with a part of the date typed holds no value (badInput): sent empty,
// an optional date was left out unsaid. It is stopped here too (data-partial).
// A number field is a text input (it takes 1万 or ３台, as the mail sheet reads them);
// its rules from the catalog (min, max, step) are in data-* attributes, each with its
// reason in the page's words (the server's own reasons). A value written as a plain
// number is checked here, by the browser's own number input (a probe never shown:
// its step arithmetic is the standard's), and stopped before anything is sent, next
// to the field; any other writing is read and checked by the server, which checks
// every value again. The form is novalidate: the browser's own bubbles speak the
// browser's language, not the page's. Without this script the server checks alone.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // digits, one point, a sign; at most 15 digits, which a double holds exactly
  const plain = /^[-+]?(?=[0-9.]{1,16}$)(?:[0-9]+\.?[0-9]*|\.[0-9]+)$/;
  for (const form of document.querySelectorAll("form.request")) {
    const numbers = Array.from(form.querySelectorAll("input[data-number], input[data-partial]"));
    const reason = (input) => {
      if (input.dataset.partial !== undefined) {
        return input.validity.badInput ? input.dataset.partial : "";
      }
      const typed = input.value.trim();
      if (!plain.test(typed)) return "";
      const probe = document.createElement("input");
      probe.type = "number";
      const d = input.dataset;
      if (d.min !== undefined) probe.min = d.min;
      if (d.max !== undefined) probe.max = d.max;
      probe.step = d.step !== undefined ? d.step : "any";
      probe.value = typed;
      const v = probe.validity;
      if (v.rangeUnderflow) return d.under;
      if (v.rangeOverflow) return d.over;
      if (v.stepMismatch) return d.offStep;
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
