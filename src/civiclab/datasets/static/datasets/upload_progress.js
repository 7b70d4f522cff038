// Shows how much of a large file has been sent on the import page; htmx reports the upload's
// progress. Listens on the document, so it keeps working when htmx swaps the form in again.
// The texts come from the form's data-uploading and data-reading attributes (translated).
(function () {
  "use strict";
  var sent = false, announced = -1;

  function parts(form) {
    return {
      box: document.getElementById("upload-progress"),
      bar: document.getElementById("upload-bar"),
      status: document.getElementById("upload-status"),
      button: form.querySelector("button[type=submit]")
    };
  }

  function uploadForm(event) {
    var form = event.target;
    return form && form.id === "upload-form" ? form : null;
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = uploadForm(event);
    if (!form) return;
    var p = parts(form);
    sent = false; announced = -1; p.bar.value = 0; p.box.hidden = false; p.button.disabled = true;
  });
  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = uploadForm(event);
    if (!form) return;
    var p = parts(form), detail = event.detail;
    if (sent || !detail.lengthComputable || !detail.total) return;
    var percent = Math.floor(100 * detail.loaded / detail.total);
    p.bar.value = percent;
    if (percent >= 100) {
      sent = true;  // later progress events are the answer coming back
      p.status.textContent = form.dataset.reading;
    } else if (Math.floor(percent / 10) !== announced) {
      announced = Math.floor(percent / 10);  // a screen reader hears every tenth, not every step
      p.status.textContent = form.dataset.uploading + " " + percent + " %";
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = uploadForm(event);
    if (form) parts(form).button.disabled = false;
  });
})();
