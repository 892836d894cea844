// Site-wide behaviour. No inline scripts anywhere (strict CSP): pages opt in with data- attributes.
document.addEventListener("DOMContentLoaded", () => {
  // Confirmation before irreversible steps: <form data-confirm="确定…？"> or, for one of a form's
  // buttons, <button data-confirm="…">. The clicked button's question wins.
  document.body.addEventListener("submit", (ev) => {
    const form = ev.target;
    const button = ev.submitter;
    const msg = (button && button.getAttribute("data-confirm")) || (form.getAttribute && form.getAttribute("data-confirm"));
    if (msg && !window.confirm(msg)) { ev.preventDefault(); return; }
    // A double-clicked submit acts once.
    if (form.dataset.submitting === "1") { ev.preventDefault(); return; }
    form.dataset.submitting = "1";
    // The buttons are disabled only after this event: the browser builds the form data once the
    // submit event is over, and a disabled button would drop the clicked one's name=value
    // (two-button forms such as 同意延期 / 不同意 would lose the choice).
    setTimeout(() => {
      if (ev.defaultPrevented) { delete form.dataset.submitting; return; }
      form.querySelectorAll("button[type=submit], button:not([type])").forEach((b) => { b.disabled = true; });
    }, 0);
  }, true);
  // A page restored from the back/forward cache gets its buttons back.
  window.addEventListener("pageshow", () => {
    document.querySelectorAll("form[data-submitting]").forEach((f) => {
      delete f.dataset.submitting;
      f.querySelectorAll("button").forEach((b) => { b.disabled = false; });
    });
  });
  // Filter selects submit their form on change: <select data-autosubmit>
  document.querySelectorAll("[data-autosubmit]").forEach((el) => {
    el.addEventListener("change", () => el.form && el.form.requestSubmit());
  });
  // Registration: the auto-number hint follows the chosen session.
  // <input data-next-numbers='{"sessionId": "20240001"}' data-session-field="id_session">
  document.querySelectorAll("[data-next-numbers]").forEach((input) => {
    let map = {};
    try { map = JSON.parse(input.dataset.nextNumbers || "{}"); } catch (e) { return; }
    const select = document.getElementById(input.dataset.sessionField);
    const hint = document.getElementById(input.dataset.hint);
    if (!select) return;
    const update = () => {
      const next = map[select.value] || "";
      input.placeholder = next;
      const strong = hint && hint.querySelector("[data-next-number]");
      if (strong) strong.textContent = next || "—";
    };
    select.addEventListener("change", update);
  });
});
