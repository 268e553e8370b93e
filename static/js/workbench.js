/* The reviewer workbench (templates/takedowns/item_review.html, review_queue.html). Everything works without
   this file; it adds:
   - the canned-reason picker fills the editable statement (and picks the reason's decision) when a reason
     is chosen; without the script the server puts the text in the box instead;
   - on the decision page, keyboard shortcuts for the common decisions, listed on the page: a, r, u, d choose
     accept, reject, uphold, dismiss; 1-9 the n-th canned reason; e edits the statement; s records the
     decision; n decides and goes to the next item. They never fire while typing in a field (Escape leaves
     the field), nor with Ctrl, Alt or Meta held. */
(function () {
  "use strict";

  function fill(select) {
    var root = select.closest("[data-decision-form]");
    var option = select.options[select.selectedIndex];
    if (!root || !option || !option.value) { return; }
    var statement = root.querySelector("textarea[name$='reason']");
    if (statement && option.dataset.text !== undefined) {
      statement.value = option.dataset.text;
      statement.dispatchEvent(new Event("input", { bubbles: true }));
    }
    if (option.dataset.decision) {
      var radio = root.querySelector("input[type=radio][name$='decision'][value='" + option.dataset.decision + "']");
      if (radio) { radio.checked = true; }
    }
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("[data-decision-form] select[name$='canned_reason']")) { fill(target); }
  });

  function typing(element) {
    if (!element) { return false; }
    if (element.isContentEditable) { return true; }
    var tag = element.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") { return true; }
    if (tag !== "INPUT") { return false; }
    return ["checkbox", "radio", "button", "submit", "reset"].indexOf(element.type) === -1;
  }

  var DECISIONS = { a: "accept", r: "reject", u: "uphold", d: "dismiss" };

  document.addEventListener("keydown", function (event) {
    var form = document.getElementById("decision-form");
    if (!form) { return; }
    if (event.key === "Escape" && typing(document.activeElement)) {
      document.activeElement.blur();
      return;
    }
    if (event.ctrlKey || event.altKey || event.metaKey || event.isComposing || typing(event.target)) { return; }
    var key = event.key;
    var handled = true;
    if (DECISIONS[key]) {
      var radio = form.querySelector("input[type=radio][name='decision'][value='" + DECISIONS[key] + "']");
      if (radio) { radio.checked = true; radio.focus(); } else { handled = false; }
    } else if (/^[1-9]$/.test(key)) {
      var select = form.querySelector("select[name='canned_reason']");
      var index = parseInt(key, 10);  // option 0 is "write my own"
      if (select && index < select.options.length) { select.selectedIndex = index; fill(select); } else { handled = false; }
    } else if (key === "e") {
      var statement = form.querySelector("textarea[name='reason']");
      if (statement) { statement.focus(); } else { handled = false; }
    } else if (key === "s" || key === "n") {
      var button = form.querySelector("[data-shortcut-submit='" + (key === "s" ? "decide" : "next") + "']");
      if (button) { form.requestSubmit(button); } else { handled = false; }
    } else {
      handled = false;
    }
    if (handled) { event.preventDefault(); }
  });
})();
