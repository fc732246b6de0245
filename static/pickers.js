// Pickers: a <select data-picker> (single or multiple) becomes a text box that filters its
// options as one types (the GOV.UK accessible-autocomplete pattern: role=combobox, a listbox,
// aria-activedescendant, a polite status). The select stays in the form, hidden, and carries
// the values: without this script the page is the same form with ordinary selects.
// A form with data-audience-url also shows the audience's count as it changes.
(function () {
  "use strict";
  var script = document.currentScript;
  var words = function (name, values) {
    var text = (script && script.getAttribute("data-" + name)) || "";
    Object.keys(values || {}).forEach(function (key) { text = text.split("{" + key + "}").join(values[key]); });
    return text;
  };
  var LIMIT = 80;
  var counter = 0;

  function fold(text) {
    return (text || "").normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function make(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text) node.textContent = text;
    return node;
  }

  function enhance(select) {
    var n = ++counter;
    var multiple = select.multiple;
    var items = Array.prototype.map.call(select.options, function (option, index) {
      var group = option.parentNode.tagName === "OPTGROUP" ? option.parentNode.label : "";
      return { option: option, id: "picker" + n + "-o" + index, text: option.text, group: group,
               key: fold(option.text + " " + option.value + " " + group) };
    });
    var box = make("div", { "class": "picker" + (multiple ? " picker-multiple" : "") });
    var chips = multiple ? make("ul", { "class": "picker-chips", "aria-label": words("chosen") }) : null;
    var input = make("input", {
      type: "text", id: (select.id || "picker" + n) + "-picker", role: "combobox", autocomplete: "off",
      "aria-autocomplete": "list", "aria-expanded": "false", "aria-controls": "picker" + n + "-list",
      spellcheck: "false", "class": "picker-input", placeholder: words("placeholder")
    });
    ["aria-describedby", "aria-invalid", "aria-required"].forEach(function (name) {
      if (select.hasAttribute(name)) input.setAttribute(name, select.getAttribute(name));
    });
    var list = make("ul", { id: "picker" + n + "-list", role: "listbox", "class": "picker-list", hidden: "" });
    if (multiple) list.setAttribute("aria-multiselectable", "true");
    var status = make("div", { role: "status", "class": "visually-hidden" });
    var label = select.id && document.querySelector('label[for="' + select.id + '"]');
    if (label) {
      label.setAttribute("for", input.id);
      if (!label.id) label.id = input.id + "-label";
      list.setAttribute("aria-labelledby", label.id);
    }
    // The error summary's link to the field leads to the text box now.
    if (select.id) {
      Array.prototype.forEach.call(document.querySelectorAll('a[href="#' + select.id + '"]'), function (link) {
        link.setAttribute("href", "#" + input.id);
      });
    }
    select.hidden = true;
    select.setAttribute("tabindex", "-1");
    select.parentNode.insertBefore(box, select);
    if (chips) box.appendChild(chips);
    box.appendChild(input);
    box.appendChild(list);
    box.appendChild(status);
    var shown = [];
    var active = -1;

    function selectedText() {
      var option = select.options[select.selectedIndex];
      return option ? option.text : "";
    }

    function drawChips() {
      if (!chips) return;
      chips.textContent = "";
      items.forEach(function (item) {
        if (!item.option.selected) return;
        var li = make("li");
        var button = make("button", { type: "button", "class": "picker-chip",
                                      "aria-label": words("remove", { name: item.text }) }, item.text + " ×");
        button.addEventListener("click", function () { toggle(item); input.focus(); });
        li.appendChild(button);
        chips.appendChild(li);
      });
    }

    function open(query) {
      var q = fold(query).trim();
      var parts = q ? q.split(/\s+/) : [];
      var matches = items.filter(function (item) {
        if (multiple && item.option.value === "") return false;
        return parts.every(function (part) { return item.key.indexOf(part) !== -1; });
      });
      if (q) {
        // A typed code first (IN → India), then names that start with the text, then names with
        // a word that does; otherwise the list's own order.
        var rank = function (item) {
          var text = fold(item.text);
          if (fold(item.option.value) === q) return 0;
          if (text.indexOf(q) === 0) return 1;
          if ((" " + text).indexOf(" " + q) !== -1 || text.indexOf("(" + q) !== -1) return 2;
          return 3;
        };
        matches = matches.map(function (item, index) { return [rank(item), index, item]; })
          .sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; })
          .map(function (triple) { return triple[2]; });
      }
      shown = matches.slice(0, LIMIT);
      list.textContent = "";
      shown.forEach(function (item, index) {
        var li = make("li", { id: item.id, role: "option", "class": "picker-option",
                              "aria-selected": item.option.selected ? "true" : "false" });
        li.appendChild(document.createTextNode(item.text));
        li.addEventListener("mousedown", function (event) { event.preventDefault(); });
        li.addEventListener("click", function () { choose(index); });
        list.appendChild(li);
      });
      if (!matches.length) list.appendChild(make("li", { "class": "picker-empty", role: "presentation" }, words("no-match")));
      if (matches.length > LIMIT) list.appendChild(make("li", { "class": "picker-empty", role: "presentation" }, words("more", { n: LIMIT })));
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      status.textContent = matches.length ? words("matches", { n: matches.length }) : words("no-match");
      move(shown.length ? 0 : -1);
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
      input.value = multiple ? "" : selectedText();
    }

    function move(index) {
      var nodes = list.querySelectorAll('[role="option"]');
      if (active >= 0 && nodes[active]) nodes[active].classList.remove("picker-active");
      active = index;
      if (index >= 0 && nodes[index]) {
        nodes[index].classList.add("picker-active");
        input.setAttribute("aria-activedescendant", nodes[index].id);
        nodes[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function changed() {
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function toggle(item) {
      item.option.selected = !item.option.selected;
      drawChips();
      changed();
    }

    function choose(index) {
      var item = shown[index];
      if (!item) return;
      if (multiple) {
        toggle(item);
        input.value = "";
        open("");
      } else {
        select.value = item.option.value;
        changed();
        close();
      }
    }

    input.addEventListener("input", function () { open(input.value); });
    input.addEventListener("focus", function () { if (!multiple) input.select(); });
    input.addEventListener("click", function () { if (list.hidden) open(multiple ? input.value : ""); });
    input.addEventListener("blur", function () { close(); });
    input.addEventListener("keydown", function (event) {
      var key = event.key;
      if (key === "ArrowDown" || key === "ArrowUp") {
        event.preventDefault();
        if (list.hidden) { open(multiple ? input.value : ""); return; }
        var next = active + (key === "ArrowDown" ? 1 : -1);
        if (next >= 0 && next < shown.length) move(next);
      } else if (key === "Enter") {
        if (!list.hidden && active >= 0) { event.preventDefault(); choose(active); }
      } else if (key === "Escape") {
        if (!list.hidden) { event.preventDefault(); close(); }
      } else if (key === "Backspace" && multiple && input.value === "") {
        var chosen = items.filter(function (item) { return item.option.selected; });
        if (chosen.length) toggle(chosen[chosen.length - 1]);
      }
    });
    drawChips();
    if (!multiple) input.value = selectedText();
  }

  // ---------------------------------------------------------------- the audience, live
  function audience(form) {
    var region = document.getElementById("audience-live");
    if (!region) return;
    var timer = null;
    var asked = 0;
    function draw(data) {
      region.textContent = "";
      if (data.error) {
        region.appendChild(make("p", { "class": "error" }, data.error.message));
        return;
      }
      region.appendChild(make("p", { "class": "audience-total" }, data.text));
      if (data.reason) region.appendChild(make("p", { "class": "audience-reason" }, data.reason));
      if (data.by_language.length) {
        var ul = make("ul", { "class": "audience-languages" });
        data.by_language.forEach(function (row) {
          var li = make("li");
          li.appendChild(make("span", { lang: row.language }, row.name));
          li.appendChild(document.createTextNode(": " + row.count.toLocaleString(document.documentElement.lang)));
          ul.appendChild(li);
        });
        region.appendChild(ul);
      }
    }
    function update() {
      var params = new URLSearchParams();
      new FormData(form).forEach(function (value, name) {
        if (name !== "csrf_token" && name !== "action") params.append(name, value);
      });
      if (!params.has("chapter")) params.append("chapter", "");
      var mine = ++asked;
      region.hidden = false;
      region.setAttribute("aria-busy", "true");
      fetch(form.getAttribute("data-audience-url") + "?" + params.toString(),
            { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (data) { if (mine === asked) draw(data); })
        .catch(function () { if (mine === asked) region.textContent = words("failed"); })
        .then(function () { if (mine === asked) region.removeAttribute("aria-busy"); });
    }
    form.addEventListener("change", function () {
      clearTimeout(timer);
      timer = setTimeout(update, 250);
    });
    update();
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("select[data-picker]"), enhance);
    Array.prototype.forEach.call(document.querySelectorAll("form[data-audience-url]"), audience);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
