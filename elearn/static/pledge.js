// Autosaves the pledge draft while the person writes; without JavaScript the Save button works.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  if (!form || !window.fetch) { return; }
  var status = form.querySelector(".autosave");
  var timer = null;
  // Translated by the server (Flask-Babel) into data attributes.
  var labels = { saving: form.dataset.saving, saved: form.dataset.saved,
                 offline: form.dataset.offline };
  function save() {
    status.textContent = labels.saving;
    var body = new FormData(form);
    body.delete("file");
    fetch(form.dataset.autosave, { method: "POST", body: body, credentials: "same-origin",
                                   headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) { status.textContent = data.saved ? labels.saved : data.error; })
      .catch(function () { status.textContent = labels.offline; timer = setTimeout(save, 15000); });
  }
  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(save, 1500);
  });
  window.addEventListener("online", save);
})();
