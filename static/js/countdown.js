// Keeps every [data-countdown="<ISO instant>"] on the page current: "2 days 5 hours left", "passed 3 hours ago".
// The words come from the page (<script id="countdown-words" type="application/json">), written by the
// server in the reader's language (takedowns/views/display.py countdown_words), so the text reads as the
// server wrote it. Without JavaScript the server's text stays, correct when the page was loaded.
(function () {
  "use strict";
  var source = document.getElementById("countdown-words");
  if (!source) { return; }
  var words;
  try { words = JSON.parse(source.textContent); } catch (e) { return; }

  function unit(name, n) {
    var forms = words[name];
    return (n === 1 ? forms[0] : forms[1]).replace("%(n)d", String(n));
  }

  function duration(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var days = Math.floor(seconds / 86400);
    var hours = Math.floor((seconds % 86400) / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    if (days) { return unit("day", days) + (hours ? " " + unit("hour", hours) : ""); }
    if (hours) { return unit("hour", hours) + (minutes ? " " + unit("minute", minutes) : ""); }
    if (minutes) { return unit("minute", minutes); }
    return words.less;
  }

  function tick() {
    var now = Date.now();
    var nodes = document.querySelectorAll("[data-countdown]");
    for (var i = 0; i < nodes.length; i++) {
      var node = nodes[i];
      var when = Date.parse(node.getAttribute("data-countdown"));
      if (isNaN(when)) { continue; }
      var seconds = (when - now) / 1000;
      var text = seconds > 0
        ? words.left.replace("%(time)s", duration(seconds))
        : words.passed.replace("%(time)s", duration(-seconds));
      if (node.textContent !== text) { node.textContent = text; }
      node.classList.toggle("overdue", seconds <= 0);
      node.classList.toggle("countdown", seconds > 0);
    }
  }

  tick();
  window.setInterval(tick, 30000);
})();
