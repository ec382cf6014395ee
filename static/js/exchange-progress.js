// Polls the progress of an import batch or a background export and reloads the page when it has finished.
(function () {
  "use strict";
  var box = document.querySelector("[data-progress-url]");
  if (!box || box.dataset.finished === "true") { return; }
  var bar = box.querySelector("progress");
  var status = box.querySelector("[data-role=status]");
  var stage = box.querySelector("[data-role=stage]");
  function poll() {
    fetch(box.dataset.progressUrl, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        bar.value = data.percent;
        bar.textContent = data.percent + "%";
        status.textContent = data.status_label; // translated by the server; data.status is the code
        stage.textContent = data.stage;
        if (data.finished) { window.location.reload(); } else { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
