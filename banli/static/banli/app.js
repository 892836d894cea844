// Site-wide behaviour. No inline scripts anywhere (strict CSP): pages opt in with data- attributes.
document.addEventListener("DOMContentLoaded", () => {
  // Confirmation before irreversible steps: <form data-confirm="确定…？">
  document.body.addEventListener("submit", (ev) => {
    const form = ev.target;
    const msg = form.getAttribute && form.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { ev.preventDefault(); return; }
    // A double-clicked submit acts once.
    if (form.dataset.submitting === "1") { ev.preventDefault(); return; }
    form.dataset.submitting = "1";
    form.querySelectorAll("button[type=submit], button:not([type])").forEach((b) => { b.disabled = true; });
  }, true);
  // Filter selects submit their form on change: <select data-autosubmit>
  document.querySelectorAll("[data-autosubmit]").forEach((el) => {
    el.addEventListener("change", () => el.form && el.form.requestSubmit());
  });
});
