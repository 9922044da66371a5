// Behaviour every page gets: accessible form errors and copy buttons.
import { gettext } from "./i18n.js";
import { copyText } from "./util.js";

// Link each field's error list to its input, so screen readers read the error with the field.
for (const errors of document.querySelectorAll(".field__errors[id]")) {
  const input = errors.closest(".field")?.querySelector("input, select, textarea");
  if (!input) continue;
  const ids = new Set((input.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean));
  ids.add(errors.id);
  input.setAttribute("aria-describedby", [...ids].join(" "));
  input.setAttribute("aria-invalid", "true");
}

// Bring the error summary into view and focus, once, after a failed submit.
const summary = document.querySelector("[data-error-summary]");
if (summary) summary.focus();

// <button data-copy="text" data-copied-label="…"> copies its text and says so.
for (const button of document.querySelectorAll("button[data-copy]")) {
  const original = button.textContent;
  let timer = null;
  button.addEventListener("click", async () => {
    const status = document.getElementById(button.dataset.copyStatus || "");
    try {
      await copyText(button.dataset.copy);
      button.textContent = button.dataset.copiedLabel || gettext("Copied");
      if (status) status.textContent = gettext("Copied to the clipboard.");
    } catch {
      button.textContent = gettext("Copy failed");
      if (status) status.textContent = gettext("Could not copy; select the text and copy it by hand.");
    }
    clearTimeout(timer);
    timer = setTimeout(() => {
      button.textContent = original;
      if (status) status.textContent = "";
    }, 2000);
  });
}
