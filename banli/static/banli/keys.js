// Keyboard shortcuts (issue #13). `?` lists them. In a list (我的待办 lists, the case list):
// j / k move between rows, Enter or o opens the row. On a case page: a focuses the main action of
// the first assignment panel that offers one. Keys typed into a field are never taken.
(function () {
  "use strict";
  const HELP = [
    ["?", "显示/关闭快捷键说明"],
    ["j / k", "列表中移到下一行 / 上一行"],
    ["Enter 或 o", "打开当前行"],
    ["a", "案件页：定位到本件的主要操作（如签收、起草答复、签发）"],
    ["g h", "回到我的待办"],
    ["Esc", "关闭说明"],
  ];
  let dialog = null;
  let current = -1;
  let pendingG = false;

  function typing(ev) {
    const t = ev.target;
    return t && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName));
  }
  function rows() {
    return Array.from(document.querySelectorAll("table tbody tr")).filter((r) => r.querySelector("a[href]"));
  }
  function move(step) {
    const list = rows();
    if (!list.length) return;
    current = Math.max(0, Math.min(list.length - 1, current + step));
    list.forEach((r, i) => r.classList.toggle("kbd-current", i === current));
    const link = list[current].querySelector("a[href]");
    link.focus();
  }
  function help() {
    if (!dialog) {
      dialog = document.createElement("dialog");
      dialog.className = "kbd-help";
      dialog.setAttribute("aria-labelledby", "kbd-help-title");
      const h = document.createElement("h2");
      h.id = "kbd-help-title";
      h.className = "h6";
      h.textContent = "键盘快捷键";
      dialog.appendChild(h);
      const dl = document.createElement("dl");
      HELP.forEach(([k, v]) => {
        const dt = document.createElement("dt");
        const kbd = document.createElement("kbd");
        kbd.textContent = k;
        dt.appendChild(kbd);
        const dd = document.createElement("dd");
        dd.textContent = v;
        dl.appendChild(dt);
        dl.appendChild(dd);
      });
      dialog.appendChild(dl);
      const close = document.createElement("button");
      close.type = "button";
      close.className = "btn btn-sm btn-outline-secondary";
      close.textContent = "关闭";
      close.addEventListener("click", () => dialog.close());
      dialog.appendChild(close);
      document.body.appendChild(dialog);
    }
    if (dialog.open) dialog.close();
    else dialog.showModal();
  }
  function mainAction() {
    const target = document.querySelector(".handling-actions button, .handling-actions a.btn");
    if (target) {
      target.scrollIntoView({ block: "center" });
      target.focus();
    }
  }
  document.addEventListener("keydown", (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || typing(ev)) return;
    if (ev.key === "?") { ev.preventDefault(); help(); return; }
    if (dialog && dialog.open) return;
    if (pendingG) {
      pendingG = false;
      if (ev.key === "h") { window.location.href = "/"; }
      return;
    }
    if (ev.key === "g") { pendingG = true; setTimeout(() => { pendingG = false; }, 1000); return; }
    if (ev.key === "j") { ev.preventDefault(); move(1); }
    else if (ev.key === "k") { ev.preventDefault(); move(-1); }
    else if (ev.key === "o" && current >= 0) { const r = rows()[current]; if (r) r.querySelector("a[href]").click(); }
    else if (ev.key === "a") { mainAction(); }
  });
})();
