// Asks before a destructive form is sent: <form data-confirm="Delete this team?">. Replaces
// inline onsubmit handlers, which the Content-Security-Policy refuses to run.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopPropagation();  // nor may htmx send it
    }
  }, true);
})();
