// Unit picker (issue #13): an ARIA combobox over a JSON search URL; no library, no inline script.
//  <div data-unit-picker data-src="/cases/units/?…" data-name="lead" [data-multiple]> … </div>
//    (rendered by banli.web.widgets.UnitPicker): chosen units are hidden inputs named `data-name`.
//  <input data-unit-picker data-src="…">: a text field that receives the chosen unit's full name.
// Keys: ↓/↑ move through the list, Enter picks, Escape closes; Backspace in an empty field removes
// the last chip.
(function () {
  "use strict";
  let seq = 0;

  function setup(root) {
    const textMode = root.tagName === "INPUT";
    const input = textMode ? root : root.querySelector("input[role=combobox]");
    let list = textMode ? null : root.querySelector("[role=listbox]");
    const chosenBox = textMode ? null : root.querySelector(".unit-chosen");
    const multiple = root.hasAttribute("data-multiple");
    const name = root.dataset.name;
    const src = root.dataset.src;
    if (!input || !src) return;
    if (textMode) {
      seq += 1;
      list = document.createElement("ul");
      list.id = (input.id || "unit") + "_list" + seq;
      list.className = "unit-list list-group";
      list.setAttribute("role", "listbox");
      list.hidden = true;
      const wrap = document.createElement("div");
      wrap.className = "unit-picker";
      input.parentNode.insertBefore(wrap, input);
      wrap.appendChild(input);
      wrap.appendChild(list);
      input.setAttribute("role", "combobox");
      input.setAttribute("aria-autocomplete", "list");
      input.setAttribute("aria-expanded", "false");
      input.setAttribute("aria-controls", list.id);
      input.setAttribute("autocomplete", "off");
      if (!input.placeholder) input.placeholder = "输入单位全称、简称、别名或拼音首字母";
    }
    let items = [];
    let active = -1;
    let timer = null;
    let asked = "";

    function chosenIds() {
      return chosenBox ? Array.from(chosenBox.querySelectorAll("input[type=hidden]")).map((i) => i.value) : [];
    }
    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function highlight(i) {
      const opts = list.querySelectorAll("[role=option]");
      opts.forEach((o, k) => {
        o.classList.toggle("active", k === i);
        o.setAttribute("aria-selected", k === i ? "true" : "false");
      });
      active = i;
      if (i >= 0 && opts[i]) {
        input.setAttribute("aria-activedescendant", opts[i].id);
        opts[i].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }
    function render(data, q) {
      list.dataset.q = q;
      const taken = chosenIds();
      items = data.filter((u) => !taken.includes(String(u.id)));
      list.textContent = "";
      if (!items.length) {
        const li = document.createElement("li");
        li.className = "list-group-item small text-muted";
        li.textContent = "没有匹配的单位";
        list.appendChild(li);
      }
      items.forEach((u, k) => {
        const li = document.createElement("li");
        li.id = list.id + "_o" + k;
        li.className = "list-group-item list-group-item-action";
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.dataset.id = u.id;
        li.textContent = u.name;
        if (u.hint) {
          const s = document.createElement("span");
          s.className = "small text-muted ms-2";
          s.textContent = u.hint;
          li.appendChild(s);
        }
        li.addEventListener("mousedown", (ev) => { ev.preventDefault(); pick(k); });
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      highlight(items.length ? 0 : -1);
    }
    function search() {
      const q = input.value.trim();
      asked = q;
      const url = src + (src.includes("?") ? "&" : "?") + "q=" + encodeURIComponent(q);
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then((r) => (r.ok ? r.json() : { units: [] }))
        .then((data) => { if (asked === q) render(data.units || [], q); })
        .catch(() => {});
    }
    function addChip(u) {
      const chip = document.createElement("span");
      chip.className = "unit-chip";
      chip.dataset.id = u.id;
      chip.textContent = u.name;
      const hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = name;
      hidden.value = u.id;
      const x = document.createElement("button");
      x.type = "button";
      x.className = "btn-close btn-close-sm";
      x.setAttribute("aria-label", "移除" + u.name);
      chip.appendChild(hidden);
      chip.appendChild(x);
      chosenBox.appendChild(chip);
    }
    function pick(k) {
      const u = items[k];
      if (!u) return;
      clearTimeout(timer);
      asked = null; // an answer still on its way must not reopen the list
      if (textMode) {
        input.value = u.name;
      } else {
        if (!multiple) chosenBox.textContent = "";
        addChip(u);
        input.value = "";
      }
      close();
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(search, 150);
    });
    input.addEventListener("focus", () => { if (!input.value && !textMode) search(); });
    input.addEventListener("keydown", (ev) => {
      if (ev.key === "ArrowDown") {
        ev.preventDefault();
        if (list.hidden) { search(); return; }
        highlight(Math.min(active + 1, items.length - 1));
      } else if (ev.key === "ArrowUp") {
        ev.preventDefault();
        highlight(Math.max(active - 1, 0));
      } else if (ev.key === "Enter") {
        if (!list.hidden && active >= 0) { ev.preventDefault(); pick(active); }
      } else if (ev.key === "Escape") {
        if (!list.hidden) { ev.preventDefault(); close(); }
      } else if (ev.key === "Backspace" && !input.value && chosenBox && chosenBox.lastElementChild) {
        chosenBox.lastElementChild.remove();
      }
    });
    input.addEventListener("blur", () => setTimeout(close, 100));
    if (chosenBox) {
      chosenBox.addEventListener("click", (ev) => {
        const b = ev.target.closest("button.btn-close");
        if (b) { b.closest(".unit-chip").remove(); input.focus(); }
      });
    }
  }

  function init() { document.querySelectorAll("[data-unit-picker]").forEach(setup); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
