// Follow a licence register import: poll its status endpoint, move the progress bar, reload when it is done.
(function () {
  var box = document.getElementById("import-progress");
  if (!box) {
    return;
  }
  var bar = document.getElementById("import-bar");
  var label = document.getElementById("import-label");
  var summary = document.getElementById("import-summary");

  function poll() {
    fetch(box.getAttribute("data-status-url"), {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.json();
      })
      .then(function (run) {
        if (run.finished) {
          window.location.reload();
          return;
        }
        if (run.status === "running") {
          bar.max = run.total_rows || 1;
          bar.value = run.processed_rows;
          bar.textContent = run.percent + "%";
          label.textContent = run.processed_rows + " of " + run.total_rows + " rows (" + run.percent + "%)";
          summary.textContent = run.summary;
        }
        window.setTimeout(poll, 1000);
      })
      .catch(function () {
        window.setTimeout(poll, 5000);  // the server restarting or the network dropping: keep trying, slower
      });
  }

  window.setTimeout(poll, 500);
})();
