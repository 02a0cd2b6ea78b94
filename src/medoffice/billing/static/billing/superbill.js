// The superbill's search boxes: a code ticked in the results moves into the visit's list,
// so the next search does not wipe it; Enter in a search box searches, it does not save.
document.addEventListener("change", (event) => {
  const box = event.target;
  if (!box.matches(".code-results input[type=checkbox]") || !box.checked) return;
  const results = box.closest(".code-results");
  const target = document.getElementById(results.dataset.target);
  const row = box.closest(".pick");
  if (target && row) target.appendChild(row);
});
document.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && event.target.matches(".code-search input[type=search]")) {
    event.preventDefault();
  }
});
