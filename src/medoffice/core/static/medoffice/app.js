// Keyboard help for a busy desk: "/" jumps to patient search, Escape closes results,
// arrow keys move through them. No inline scripts (CSP).
document.addEventListener("keydown", (event) => {
  const box = document.getElementById("q");
  const results = document.getElementById("search-results");
  const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName);
  if (event.key === "/" && box && !typing) {
    event.preventDefault();
    box.focus();
    box.select();
    return;
  }
  if (!results || !results.firstElementChild) return;
  if (event.key === "Escape") {
    results.innerHTML = "";
    if (box) box.focus();
    return;
  }
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    const links = Array.from(results.querySelectorAll("a.result"));
    if (!links.length) return;
    const at = links.indexOf(document.activeElement);
    const next = event.key === "ArrowDown" ? Math.min(at + 1, links.length - 1) : Math.max(at - 1, -1);
    event.preventDefault();
    (next === -1 ? box : links[next]).focus();
  }
});

// Clicking or tabbing away from the search box closes its results.
function closeSearchResultsOutside(event) {
  const results = document.getElementById("search-results");
  if (results && !event.target.closest(".searchbox")) results.innerHTML = "";
}
document.addEventListener("click", closeSearchResultsOutside);
document.addEventListener("focusin", closeSearchResultsOutside);

// After a refused submit, bring the first field with an error into view.
document.addEventListener("DOMContentLoaded", () => {
  const invalid = document.querySelector(".field.invalid input, .field.invalid select");
  if (invalid) invalid.focus();
});
