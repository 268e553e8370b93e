/* Re-screening jobs on a brand's screening page: each open job's progress fetched every few seconds
   (screening.views.rescreen_job_progress_view) and written into its bar and its text. Without
   JavaScript the page shows the progress as it was when loaded; reloading it updates it. */
(function () {
  "use strict";
  var INTERVAL = 2000;

  function set(job, field, text) {
    var node = job.querySelector('[data-field="' + field + '"]');
    if (node && node.textContent !== text) { node.textContent = text; }
    return node;
  }

  function show(job, p) {
    var bar = job.querySelector('[data-field="bar"]');
    var total = p.total || 1;
    bar.max = total;
    bar.value = p.status === "done" ? total : p.done;
    bar.textContent = p.percent + "%";
    set(job, "status_label", p.status_label).className = "status status-" + p.status;
    set(job, "done_text", p.summary);
    set(job, "eta_text", p.eta_text ? "\u00b7 " + p.eta_text : "");
    set(job, "alerts_raised", String(p.alerts_raised));
    set(job, "notices_filed", String(p.notices_filed));
    if (p.phase_text) { set(job, "phase_text", p.phase_text); }
    var error = set(job, "error", p.error || "");
    error.hidden = !p.error;
  }

  function poll(job) {
    var url = job.getAttribute("data-progress-url");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (p) {
        show(job, p);
        if (p.open) { window.setTimeout(function () { poll(job); }, INTERVAL); }
      })
      .catch(function () {
        // A network hiccup: try again later, more slowly.
        window.setTimeout(function () { poll(job); }, INTERVAL * 5);
      });
  }

  document.querySelectorAll("[data-progress-url]").forEach(function (job) {
    window.setTimeout(function () { poll(job); }, INTERVAL);
  });
})();
