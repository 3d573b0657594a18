// The file field's own button ("Choose Files") and its "No file chosen" are the
// browser's, in the browser's language, not the page's: a Japanese form in an English
// browser spoke English there. With this script the field is hidden behind a button
// and a line of the page's own words (data-* attributes, from the catalogs), and the
// names of the chosen files are said in that line. Without it, the browser's field shows.
"use strict";
document.documentElement.classList.add("js");
document.addEventListener("DOMContentLoaded", () => {
  for (const input of document.querySelectorAll("input[type=file][data-chosen]")) {
    const line = document.getElementById(input.dataset.chosen);
    const none = line.dataset.none;
    const show = () => {
      const names = Array.from(input.files, (f) => f.name);
      line.textContent = names.length ? names.join(line.dataset.sep) : none;
    };
    input.addEventListener("change", show);
    show();
  }
});
