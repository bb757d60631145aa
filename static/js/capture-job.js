// Follows a running EPCIS capture job: asks its status every 1.5 s (GET /epcis/capture/{id}, the
// session's cookie authenticates it) and reloads the page once the job has finished, so the server
// renders the final counts and every error. No framework: the page works without it too.
(function () {
  "use strict";
  var section = document.getElementById("capture-job");
  if (!section || !section.hasAttribute("data-running")) {
    return;
  }
  var url = section.getAttribute("data-poll");
  var state = section.querySelector('[data-field="state"]');
  var tries = 0;
  function poll() {
    tries += 1;
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (job && !job.running) {
          window.location.reload();
        } else if (tries < 400) {
          if (state && job) { state.setAttribute("aria-busy", "true"); }
          window.setTimeout(poll, 1500);
        }
      })
      .catch(function () { if (tries < 400) { window.setTimeout(poll, 3000); } });
  }
  window.setTimeout(poll, 1000);
})();
